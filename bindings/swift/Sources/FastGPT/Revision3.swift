// The FastGPT 4.14–4.16 chat surface (revision 3 of the C API): stop, resume, history
// status, read marks, batch delete, cursor-paged records, file URLs, app logs.
//
// Each method wraps one C function of include/fastgpt.h the way Client.swift does (a
// blocking call on a `BlockingPool` thread, Task cancellation mapped to the cancel token,
// FastGPTError from the error JSON). On a FastGPT release that lacks the route, a call
// throws FastGPTError `.http` with `httpStatus` 404.

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

    /// Picks up the stream of `chatId` after a disconnect, callback form
    /// (`GET /api/core/chat/resume`, FastGPT >= 4.14.11). The round must have been started by
    /// a v2 streaming completion on a client made with the options `"completions_api": "v2"`
    /// and `"stream_resume": true`; the client that resumes needs neither.
    ///
    /// Events arrive as in `createChatCompletionStream`, plus `resumePhase` (data "catchup",
    /// then "live"), `resumeUnavailable` (`{"reason"}`) and `resumeCompleted` (the chat's
    /// final state), each an ordinary event. The catch-up replays the round from its start,
    /// so the result is the whole round's (`answer`, `done`, ...) with
    /// `"resume": {"phase", "completed", "unavailable_reason"}` added. A chat that is no
    /// longer generating answers with `resumeCompleted` and `done` only
    /// (`resume.completed` true). An unknown chat throws `.api` ("Chat not found").
    public func resumeChatCompletionStream(
        appId: String, chatId: String, cancel: FastGPTCancelToken? = nil,
        onEvent: @escaping @Sendable (StreamEvent) throws -> Void
    ) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await callbackStream(cancel, onEvent) { token, callback, userData, out in
            fastgpt_resume_chat_completion_stream(self.handle, appId, chatId, callback, userData, token, out)
        }
    }

    /// The resume as a pull stream (`fastgpt_stream_resume_open`), with the same events and
    /// result as `resumeChatCompletionStream` and the behaviour of `streamChatCompletion`:
    /// nothing is sent before the first iteration, Task cancellation throws
    /// CancellationError, dropping the sequence closes the connection.
    public func resumeChatCompletion(appId: String, chatId: String,
                                     cancel: FastGPTCancelToken? = nil) -> ChatCompletionStream {
        pullStream(cancel, check: { () throws(FastGPTError) in try checkNoNUL(["appId": appId, "chatId": chatId]) }) {
            token, outStream, outError in
            fastgpt_stream_resume_open(self.handle, appId, chatId, token, outStream, outError)
        }
    }

    /// The generation status of 1 to 200 chats (FastGPT >= 4.14.11): `data {list: [{chatId,
    /// updateTime, chatGenerateStatus (0 generating, 1 done, 2 error), hasBeenRead?}]}`;
    /// unknown ids are left out. An empty list or more than 200 ids is `.invalidArgument`.
    public func getHistoryStatus(appId: String, chatIds: [String],
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        let ids = jsonStringArray(chatIds)
        return try await call(cancel) { token, out in
            fastgpt_get_history_status(self.handle, appId, ids, token, out)
        }
    }

    /// Marks `chatId` read (FastGPT >= 4.14.11; it also moves the chat to the top of the
    /// history list). Envelope `data`: null.
    public func markChatRead(appId: String, chatId: String,
                             cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId])
        return try await call(cancel) { token, out in
            fastgpt_mark_chat_read(self.handle, appId, chatId, token, out)
        }
    }

    /// Deletes the chats `chatIds` (at least one) for good (FastGPT >= 4.14.5).
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
    /// `data {list, total, hasMorePrev, hasMoreNext}`; list items carry `id` (the dataId) to
    /// pass as the next cursor. FastGPT >= 4.14.4.
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

    /// A download URL (valid about an hour) for `key`, a file uploaded to this chat (the
    /// `key` of `uploadChatFile`/`uploadChatBytes`); envelope `data` is the URL string, a
    /// path resolved against the base URL's origin. FastGPT >= 4.14.0.
    public func getChatFileURL(appId: String, chatId: String, key: String,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId, "chatId": chatId, "key": key])
        return try await call(cancel) { token, out in
            fastgpt_get_chat_file_url(self.handle, appId, chatId, key, token, out)
        }
    }

    /// The app's log totals (commercial edition, FastGPT >= 4.12):
    /// `data {totalUsers, totalChats, totalPoints}`.
    public func getAppLogsTotal(appId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL(["appId": appId])
        return try await call(cancel) { token, out in
            fastgpt_get_app_logs_total(self.handle, appId, token, out)
        }
    }

    /// The app's chat logs between two ISO-8601 dates. `optionsJSON` members are passed
    /// through ("sources", "tmbIds", "chatSearch", "feedbackType", "unreadOnly", ...).
    /// `data {total, list}`. API keys may call it from FastGPT 4.15.2.
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
