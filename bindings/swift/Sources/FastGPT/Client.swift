// FastGPTClient: one `async throws` method per C function of include/fastgpt.h.
//
// - Each method returns the library's JSON as a String: the envelope as received for the
//   chat endpoints, the completion JSON, the upload reference, the stream result.
//   `FastGPTJSON` parses it when you want to read fields.
// - The C calls block their thread, so they run on threads of `BlockingPool`, never on the
//   Swift concurrency cooperative pool.
// - Task cancellation cancels the call's cancel token: the call ends within about 100 ms
//   and throws CancellationError. A token cancelled otherwise (its deadline, or another
//   owner) makes the call throw FastGPTError with code `.cancelled`.
// - Every other failure throws FastGPTError, decoded from the library's error JSON.

import CFastGPT
import Dispatch
import Foundation

/// The `out_json` parameter every request function ends with.
typealias OutJSON = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// A FastGPT client. The C client is immutable and thread-safe, so one instance may be
/// shared by any number of concurrent tasks.
public final class FastGPTClient: @unchecked Sendable {
    // Never changes after init; the C client is safe to use from many threads at once.
    let handle: OpaquePointer

    /// A client with `apiKey` and `baseURL` (nil: http://localhost:3000).
    public init(apiKey: String, baseURL: String? = nil) throws(FastGPTError) {
        try FastGPTVersion.check()
        try checkNoNUL(["apiKey": apiKey, "baseURL": baseURL])
        var client: OpaquePointer? = nil
        var err: UnsafeMutablePointer<CChar>? = nil
        let rc = withOptionalCString(baseURL) { fastgpt_client_new(apiKey, $0, &client, &err) }
        let errorJSON = takeString(err)
        guard rc == FASTGPT_OK, let c = client else { throw FastGPTError(status: rc, json: errorJSON) }
        handle = c
    }

    /// A client from the options JSON object of `fastgpt_client_new_with_options`:
    /// `{"api_key":..., "base_url":..., "timeout_ms":..., "headers":{...}, ...}`.
    /// Unknown keys are an error, so typos are never silent.
    public init(optionsJSON: String) throws(FastGPTError) {
        try FastGPTVersion.check()
        try checkNoNUL(["optionsJSON": optionsJSON])
        var client: OpaquePointer? = nil
        var err: UnsafeMutablePointer<CChar>? = nil
        let rc = fastgpt_client_new_with_options(optionsJSON, &client, &err)
        let errorJSON = takeString(err)
        guard rc == FASTGPT_OK, let c = client else { throw FastGPTError(status: rc, json: errorJSON) }
        handle = c
    }

    /// The same from a dictionary: `["api_key": key, "base_url": url, "max_retries": 0]`.
    /// Among the options: `"stream_timeout_ms"` (an Int, the longest one streaming attempt
    /// may take; 0, the default, means no limit) and, for `resumeChatCompletion`,
    /// `"completions_api": "v2"` with `"stream_resume": true` (a Bool: streaming completions
    /// ask FastGPT, >= 4.14.11, to keep a replay of the round).
    public convenience init(options: [String: Any]) throws(FastGPTError) {
        try self.init(optionsJSON: jsonObjectText(options, "options"))
    }

    deinit { fastgpt_client_free(handle) }

    // MARK: call machinery

    /// Runs one blocking C request function on a `BlockingPool` thread, with a cancel token that
    /// Task cancellation cancels. `body` gets the token and the `out_json` pointer and
    /// returns the C status. Every request method is one `call` around one C function.
    func call(
        _ cancel: FastGPTCancelToken?,
        _ body: @escaping @Sendable (_ token: OpaquePointer, _ out: OutJSON) -> Int32
    ) async throws -> String {
        let token = try cancel ?? FastGPTCancelToken()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (cont: CheckedContinuation<String, Error>) in
                    BlockingPool.shared.run {
                        // The closure keeps `self` (captured by `body`) and `token` alive
                        // until the C call has returned.
                        var out: UnsafeMutablePointer<CChar>? = nil
                        let rc = body(token.handle, &out)
                        let text = takeString(out)
                        if rc == FASTGPT_OK {
                            cont.resume(returning: text)
                        } else {
                            cont.resume(throwing: FastGPTError(status: rc, json: text))
                        }
                    }
                }
            } onCancel: {
                token.cancel()
            }
        } catch let e as FastGPTError where e.code == .cancelled && Task.isCancelled {
            throw CancellationError()
        }
    }

    // MARK: completions

    /// A non-streaming chat completion (`request`: the FastGPT request object, e.g.
    /// `{"chatId":"c1","messages":[{"role":"user","content":"Hi"}]}`); returns the server's
    /// completion JSON.
    public func createChatCompletion(_ request: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["request": request])
        return try await call(cancel) { token, out in
            fastgpt_create_chat_completion(self.handle, request, token, out)
        }
    }

    // MARK: chat histories and records (each returns the envelope JSON)

    /// Lists the app's chats. `source`: nil sends "api"; "" lists chats of every source.
    public func getChatHistories(appId: String, offset: Int = 0, pageSize: Int = 20, source: String? = nil,
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "source": source])
        let offset = try int32(offset, "offset"), pageSize = try int32(pageSize, "pageSize")
        return try await call(cancel) { token, out in
            withOptionalCString(source) {
                fastgpt_get_chat_histories(self.handle, appId, offset, pageSize, $0, token, out)
            }
        }
    }

    /// A chat's title, variables and app configuration.
    public func getChatInit(appId: String, chatId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await call(cancel) { token, out in
            fastgpt_get_chat_init(self.handle, appId, chatId, token, out)
        }
    }

    /// A page of a chat's records, in chronological order; `offset` 0 is the newest page.
    public func getChatRecords(appId: String, chatId: String, offset: Int = 0, pageSize: Int = 20,
                               loadCustomFeedbacks: Bool = false,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        let offset = try int32(offset, "offset"), pageSize = try int32(pageSize, "pageSize")
        return try await call(cancel) { token, out in
            fastgpt_get_chat_records(self.handle, appId, chatId, offset, pageSize,
                                     loadCustomFeedbacks ? 1 : 0, token, out)
        }
    }

    /// The workflow node responses of one AI record (`dataId`: its `responseChatItemId`).
    public func getRecordDetail(appId: String, chatId: String, dataId: String,
                                cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "dataId": dataId])
        return try await call(cancel) { token, out in
            fastgpt_get_record_detail(self.handle, appId, chatId, dataId, token, out)
        }
    }

    /// Renames and/or pins a chat. `customTitle`: nil leaves it, "" clears it; nil together
    /// with `.leave` is an invalid argument (the server would only reorder the list).
    public func updateChatHistory(appId: String, chatId: String, customTitle: String? = nil,
                                  top: FastGPTPin = .leave, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "customTitle": customTitle])
        return try await call(cancel) { token, out in
            withOptionalCString(customTitle) {
                fastgpt_update_chat_history(self.handle, appId, chatId, $0, top.rawValue, token, out)
            }
        }
    }

    /// Deletes one chat.
    public func deleteChatHistory(appId: String, chatId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await call(cancel) { token, out in
            fastgpt_delete_chat_history(self.handle, appId, chatId, token, out)
        }
    }

    /// Deletes every chat of the app that the key may see.
    public func clearChatHistories(appId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        return try await call(cancel) { token, out in
            fastgpt_clear_chat_histories(self.handle, appId, token, out)
        }
    }

    /// Deletes one record (`contentId`: its `dataId`).
    public func deleteChatRecord(appId: String, chatId: String, contentId: String,
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "contentId": contentId])
        return try await call(cancel) { token, out in
            fastgpt_delete_chat_record(self.handle, appId, chatId, contentId, token, out)
        }
    }

    /// Sets the feedback of an AI record. The server sets each feedback given and removes
    /// each one that is nil (so nil, nil removes both).
    public func sendFeedback(appId: String, chatId: String, dataId: String, userGoodFeedback: String? = nil,
                             userBadFeedback: String? = nil, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "dataId": dataId,
                        "userGoodFeedback": userGoodFeedback, "userBadFeedback": userBadFeedback])
        return try await call(cancel) { token, out in
            withOptionalCString(userGoodFeedback) { good in
                withOptionalCString(userBadFeedback) { bad in
                    fastgpt_send_feedback(self.handle, appId, chatId, dataId, good, bad, token, out)
                }
            }
        }
    }

    /// Suggested follow-up questions. `questionGuideJSON`: a JSON object sent as
    /// `questionGuide`; nil uses the app's configuration.
    public func getSuggestedQuestions(appId: String, chatId: String, questionGuideJSON: String? = nil,
                                      cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "questionGuideJSON": questionGuideJSON])
        return try await call(cancel) { token, out in
            withOptionalCString(questionGuideJSON) {
                fastgpt_get_suggested_questions(self.handle, appId, chatId, $0, token, out)
            }
        }
    }

    /// The app's usage chart between two ISO-8601 dates (commercial edition);
    /// `optionsJSON`: an object whose members are added to the request body.
    public func getAppLogsChart(appId: String, dateStart: String, dateEnd: String, optionsJSON: String? = nil,
                                cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "dateStart": dateStart, "dateEnd": dateEnd, "optionsJSON": optionsJSON])
        return try await call(cancel) { token, out in
            withOptionalCString(optionsJSON) {
                fastgpt_get_app_logs_chart(self.handle, appId, dateStart, dateEnd, $0, token, out)
            }
        }
    }

    /// Any other endpoint: `method` "GET", "POST", "PUT" or "DELETE"; `path` like
    /// "/api/core/dataset/list"; `queryJSON` an object of scalars; `bodyJSON` any JSON value.
    public func request(method: String, path: String, queryJSON: String? = nil, bodyJSON: String? = nil,
                        cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["method": method, "path": path, "queryJSON": queryJSON, "bodyJSON": bodyJSON])
        return try await call(cancel) { token, out in
            withOptionalCString(queryJSON) { query in
                withOptionalCString(bodyJSON) { body in
                    fastgpt_request(self.handle, method, path, query, body, token, out)
                }
            }
        }
    }

    // MARK: chat files (each returns {"url","key","name","type","preview_url"})

    /// Uploads the file at `filePath` to the chat's storage; put the result's `url` and
    /// `key` into an `image_url` or `file_url` message part.
    public func uploadChatFile(appId: String, chatId: String, filePath: String,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "filePath": filePath])
        return try await call(cancel) { token, out in
            fastgpt_upload_chat_file(self.handle, appId, chatId, filePath, token, out)
        }
    }

    /// Uploads `data` as `fileName`. `contentType`: nil or "" detects it from the data,
    /// then from the file name.
    public func uploadChatBytes(appId: String, chatId: String, fileName: String, data: Data,
                                contentType: String? = nil, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "fileName": fileName, "contentType": contentType])
        return try await call(cancel) { token, out in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32 in
                withOptionalCString(contentType) {
                    fastgpt_upload_chat_bytes(self.handle, appId, chatId, fileName, $0,
                                              raw.baseAddress, raw.count, token, out)
                }
            }
        }
    }
}
