// The FastGPT 4.14–4.16 chat surface (revision 3 of the C API): stop, resume, history
// status, read marks, batch delete, cursor-paged records, file URLs, app logs.
//
// PENDING: include/fastgpt.h does not declare these ten functions yet, so this file is not
// part of a target. It compiles against a header that declares them as the C API contract
// does (checked with Swift 6.3). When the header has them:
//   git mv bindings/swift/Pending/Revision3.swift bindings/swift/Sources/FastGPT/
// and add their tests (test.sh fails until every function of the header is called).

import CFastGPT
import Foundation

extension FastGPTClient {
    /// Stops a running generation of `chatId` (v2 runs stop at once; v1 runs only when their
    /// client disconnects). Envelope `data`: `{success, completed?, chatGenerateStatus?}`.
    /// FastGPT >= 4.14.5.
    public func stopChatCompletion(appId: String, chatId: String,
                                   cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await call(cancel) { token, out in
            fastgpt_stop_chat_completion(self.handle, appId, chatId, token, out)
        }
    }

    /// Picks up the stream of `chatId` after a disconnect, callback form (FastGPT >= 4.14.11;
    /// the round must have been started by a v2 streaming completion with the
    /// `stream_resume` option). The catch-up replays the round from its start, so the
    /// result is the round's whole result, with `"resume": {"phase", "completed",
    /// "unavailable_reason"}` added. Events as `createChatCompletionStream`, plus
    /// `resumePhase`, `resumeUnavailable` and `resumeCompleted`.
    public func resumeChatCompletionStream(
        appId: String, chatId: String, cancel: FastGPTCancelToken? = nil,
        onEvent: @escaping @Sendable (StreamEvent) throws -> Void
    ) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await callbackStream(cancel, onEvent) { token, callback, userData, out in
            fastgpt_resume_chat_completion_stream(self.handle, appId, chatId, callback, userData, token, out)
        }
    }

    /// The same as a pull stream (as `streamChatCompletion`).
    public func resumeChatCompletion(appId: String, chatId: String,
                                     cancel: FastGPTCancelToken? = nil) -> ChatCompletionStream {
        pullStream(cancel, check: { () throws(FastGPTError) in try checkNoNUL(["appId": appId, "chatId": chatId]) }) {
            token, outStream, outError in
            fastgpt_stream_resume_open(self.handle, appId, chatId, token, outStream, outError)
        }
    }

    /// The generation status of up to 200 chats: `data {list: [{chatId, updateTime,
    /// chatGenerateStatus, hasBeenRead?}]}`; unknown ids are left out.
    public func getHistoryStatus(appId: String, chatIds: [String],
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        let ids = jsonStringArray(chatIds)
        return try await call(cancel) { token, out in
            fastgpt_get_history_status(self.handle, appId, ids, token, out)
        }
    }

    /// Marks `chatId` read (FastGPT also moves it to the top of the history list).
    public func markChatRead(appId: String, chatId: String,
                             cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await call(cancel) { token, out in
            fastgpt_mark_chat_read(self.handle, appId, chatId, token, out)
        }
    }

    /// Deletes the chats `chatIds` (at least one) for good.
    public func deleteChatHistories(appId: String, chatIds: [String],
                                    cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        let ids = jsonStringArray(chatIds)
        return try await call(cancel) { token, out in
            fastgpt_delete_chat_histories(self.handle, appId, ids, token, out)
        }
    }

    /// Cursor paging of a chat's records. `optionsJSON` members are passed through:
    /// "prevId" | "nextId" | "initialId", "loadCustomFeedbacks", "includeDeleted", "type".
    /// `data {list, total, hasMorePrev, hasMoreNext}`.
    public func getChatRecordsV2(appId: String, chatId: String, pageSize: Int = 20, optionsJSON: String? = nil,
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "optionsJSON": optionsJSON])
        let pageSize = try int32(pageSize, "pageSize")
        return try await call(cancel) { token, out in
            withOptionalCString(optionsJSON) {
                fastgpt_get_chat_records_v2(self.handle, appId, chatId, pageSize, $0, token, out)
            }
        }
    }

    /// A download URL (valid about an hour) for `key`, a file uploaded to this chat;
    /// envelope `data` is the URL string.
    public func getChatFileURL(appId: String, chatId: String, key: String,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "key": key])
        return try await call(cancel) { token, out in
            fastgpt_get_chat_file_url(self.handle, appId, chatId, key, token, out)
        }
    }

    /// Commercial edition: `data {totalUsers, totalChats, totalPoints}`.
    public func getAppLogsTotal(appId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        return try await call(cancel) { token, out in
            fastgpt_get_app_logs_total(self.handle, appId, token, out)
        }
    }

    /// The app's chat logs between two ISO-8601 dates. `optionsJSON` members are passed
    /// through ("sources", "tmbIds", "chatSearch", "feedbackType", "unreadOnly", ...).
    public func getAppLogs(appId: String, dateStart: String, dateEnd: String, offset: Int = 0, pageSize: Int = 20,
                           optionsJSON: String? = nil, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "dateStart": dateStart, "dateEnd": dateEnd, "optionsJSON": optionsJSON])
        let offset = try int32(offset, "offset"), pageSize = try int32(pageSize, "pageSize")
        return try await call(cancel) { token, out in
            withOptionalCString(optionsJSON) {
                fastgpt_get_app_logs(self.handle, appId, dateStart, dateEnd, offset, pageSize, $0, token, out)
            }
        }
    }
}
