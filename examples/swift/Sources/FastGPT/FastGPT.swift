// FastGPT: Swift binding of libfastgpt (C API in include/fastgpt.h, contract c-api.md).
//
// - Every operation is an `async throws` method returning the library's JSON as a String.
// - The C calls block their thread, so they never run on the concurrency cooperative pool:
//   request calls run on a dedicated concurrent DispatchQueue, and each pull stream reads on
//   its own Thread (c-api.md §10).
// - Task cancellation cancels the call's fastgpt_cancel_token; the call then ends within
//   about 100 ms and throws CancellationError.
// - Failures throw FastGPTError, decoded from the library's error JSON.
//
// NOTE: written without a Swift toolchain at hand (none could be installed where it was
// written); see README.md.

import CFastGPT
import Dispatch
import Foundation

// MARK: - Version

public enum FastGPTVersion {
    /// The linked library's version, "MAJOR.MINOR.PATCH[-pre]".
    public static var runtime: String { String(cString: fastgpt_version()) }
    /// The linked library's MAJOR*1000000 + MINOR*1000 + PATCH.
    public static var runtimeNumber: Int { Int(fastgpt_version_number()) }
    /// The header's version number this binding was compiled against.
    public static var headerNumber: Int { Int(FASTGPT_VERSION_NUMBER) }

    /// c-api.md §9: while the major version is 0, MAJOR.MINOR of the library must equal the
    /// header's; from 1.0 on, the majors must match and the library must not be older.
    public static func isCompatible(runtime: Int, header: Int) -> Bool {
        if header / 1_000_000 == 0 { return runtime / 1000 == header / 1000 }
        return runtime / 1_000_000 == header / 1_000_000 && runtime >= header
    }

    private static let compatible: Bool = isCompatible(runtime: runtimeNumber, header: headerNumber)

    /// Throws FastGPTError (FASTGPT_E_INVALID_ARGUMENT) when the linked library is not
    /// compatible with the header. Every client initializer calls it.
    public static func check() throws {
        if !compatible {
            throw FastGPTError.local(
                FASTGPT_E_INVALID_ARGUMENT,
                "libfastgpt \(runtime) is not compatible with fastgpt.h \(FASTGPT_VERSION_MAJOR).\(FASTGPT_VERSION_MINOR).\(FASTGPT_VERSION_PATCH)")
        }
    }
}

// MARK: - Status and error

/// The library's status codes (values of FASTGPT_* in fastgpt.h).
public enum FastGPTStatus: Int32, Sendable {
    case ok = 0
    case invalidArgument = 1
    case transport = 2
    case timeout = 3
    case http = 4
    case api = 5
    case `protocol` = 6
    case streamIncomplete = 7
    case aborted = 8
    case cancelled = 9
    case panic = 10
}

/// A failed call: every field of the library's error JSON {"error":{...}}.
public struct FastGPTError: Error, LocalizedError, CustomStringConvertible, Sendable {
    /// The status code (FASTGPT_E_*).
    public let status: Int32
    /// "FASTGPT_E_API", ...
    public let statusName: String
    public let message: String
    /// The HTTP status, nil when no response was received.
    public let httpStatus: Int?
    /// The envelope's (or error frame's) numeric `code`, e.g. 514 for a wrong API key.
    public let apiCode: Int?
    /// The raw JSON text of `api_code` when it is present and not null (also when not an integer).
    public let apiCodeJSON: String?
    /// The envelope's `statusText` (e.g. "unAuthApiKey"), or an OpenAI-style error code.
    public let statusText: String?
    /// The response body (at most 64 KiB), nil when none.
    public let body: String?
    public let retryAfterMs: Int?
    public let requestId: String?
    public let method: String?
    public let url: String?
    public let attempts: Int?
    /// "connect", "request" or "idle" when a timeout fired.
    public let timeout: String?
    /// Streaming calls: the result accumulated so far, as JSON text.
    public let partialJSON: String?
    /// The whole error JSON as returned by the library.
    public let json: String

    public var code: FastGPTStatus? { FastGPTStatus(rawValue: status) }
    public var errorDescription: String? { "\(statusName): \(message)" }
    public var description: String { "FastGPTError(\(statusName)): \(message)" }

    init(status: Int32, json: String) {
        self.status = status
        self.json = json
        let root = (try? JSONSerialization.jsonObject(with: Data(json.utf8), options: [])) as? [String: Any]
        let e = root?["error"] as? [String: Any] ?? [:]
        statusName = (e["status_name"] as? String) ?? String(cString: fastgpt_status_str(status))
        message = (e["message"] as? String) ?? (json.isEmpty ? statusName : json)
        httpStatus = jsonInt(e["http_status"])
        apiCode = jsonInt(e["api_code"])
        apiCodeJSON = jsonText(e["api_code"])
        statusText = e["status_text"] as? String
        body = e["body"] as? String
        retryAfterMs = jsonInt(e["retry_after_ms"])
        requestId = e["request_id"] as? String
        method = e["method"] as? String
        url = e["url"] as? String
        attempts = jsonInt(e["attempts"])
        timeout = e["timeout"] as? String
        partialJSON = jsonText(e["partial"])
    }

    /// An error raised by the binding itself (argument checks), in the library's JSON shape.
    static func local(_ status: Int32, _ message: String) -> FastGPTError {
        let name = String(cString: fastgpt_status_str(status))
        let obj: [String: Any] = ["error": [
            "status": Int(status), "status_name": name, "message": message,
            "http_status": NSNull(), "api_code": NSNull(), "status_text": NSNull(), "body": NSNull(),
            "retry_after_ms": NSNull(), "request_id": NSNull(), "method": NSNull(), "url": NSNull(),
            "attempts": 0, "timeout": NSNull(), "partial": NSNull(),
        ] as [String: Any]]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [])) ?? Data()
        return FastGPTError(status: status, json: String(decoding: data, as: UTF8.self))
    }
}

private func jsonInt(_ v: Any?) -> Int? {
    guard let v = v, !(v is NSNull) else { return nil }
    if let i = v as? Int { return i }
    if let n = v as? NSNumber { return n.intValue }
    return nil
}

/// The JSON text of a decoded value (nil for a missing value or null).
private func jsonText(_ v: Any?) -> String? {
    guard let v = v, !(v is NSNull) else { return nil }
    if let s = v as? String {
        // Serialize a lone string through an array to get its JSON form.
        guard let d = try? JSONSerialization.data(withJSONObject: [s], options: []) else { return nil }
        let t = String(decoding: d, as: UTF8.self)
        return String(t.dropFirst().dropLast())
    }
    if v is [Any] || v is [String: Any] {
        guard let d = try? JSONSerialization.data(withJSONObject: v, options: []) else { return nil }
        return String(decoding: d, as: UTF8.self)
    }
    if let n = v as? NSNumber { return n.stringValue }
    return "\(v)"
}

// MARK: - Helpers over the C ABI

/// Copies a library-owned string and frees it with fastgpt_string_free (never free()).
private func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p = p else { return "" }
    defer { fastgpt_string_free(p) }
    return String(cString: p)
}

private func borrowed(_ p: UnsafePointer<CChar>?) -> String? {
    guard let p = p else { return nil }
    return String(cString: p)
}

/// A String with a NUL byte would be cut short by C; refuse it instead.
private func checkNoNUL(_ values: [(String, String?)]) throws {
    for (name, value) in values {
        if let v = value, v.utf8.contains(0) {
            throw FastGPTError.local(FASTGPT_E_INVALID_ARGUMENT, "\(name) contains a NUL byte")
        }
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) throws -> R) rethrows -> R {
    guard let s = s else { return try body(nil) }
    return try s.withCString { try body($0) }
}

// MARK: - Cancel token

/// A fastgpt_cancel_token. Thread-safe. Pass one to a call to cancel it from anywhere or to
/// give it a deadline; without one, each call makes its own, cancelled on Task cancellation.
public final class FastGPTCancelToken: @unchecked Sendable {
    let handle: OpaquePointer

    public init() throws {
        guard let h = fastgpt_cancel_token_new() else {
            throw FastGPTError.local(FASTGPT_E_PANIC, "fastgpt_cancel_token_new failed")
        }
        handle = h
    }

    deinit { fastgpt_cancel_token_free(handle) }

    /// Cancels every call given this token (for good); they end within about 100 ms.
    public func cancel() { fastgpt_cancel_token_cancel(handle) }

    /// Cancels the token `milliseconds` from now (the earliest deadline wins; <= 0 = now).
    public func cancel(afterMilliseconds milliseconds: Int) {
        fastgpt_cancel_token_cancel_after(handle, Int32(clamping: milliseconds))
    }
}

// MARK: - Streaming events

/// One SSE event of a streaming completion.
public struct StreamEvent: Sendable, Equatable {
    /// "answer", "fastAnswer", "flowNodeStatus", ..., "done" for [DONE], "error".
    public let event: String
    /// The event's data ("[DONE]" for "done").
    public let data: String
    /// answer/fastAnswer: the delta text ("" when none); nil for other events.
    public let text: String?

    public init(event: String, data: String, text: String?) {
        self.event = event
        self.data = data
        self.text = text
    }

    public var isDone: Bool { event == "done" }
    public var isError: Bool { event == "error" }
}

/// State of a callback-form call, reached through the C callback's user_data.
private final class CallbackBox {
    let onEvent: (StreamEvent) throws -> Bool
    var error: Error?
    init(_ onEvent: @escaping (StreamEvent) throws -> Bool) { self.onEvent = onEvent }
}

/// The C callback: a non-capturing closure (convertible to @convention(c)). A Swift error
/// thrown by the user's closure is stored and the transfer stopped; nothing unwinds through C.
private let streamTrampoline: fastgpt_stream_callback = { userData, event, data, text in
    guard let userData = userData else { return 1 }
    let box = Unmanaged<CallbackBox>.fromOpaque(userData).takeUnretainedValue()
    let ev = StreamEvent(event: borrowed(event) ?? "", data: borrowed(data) ?? "", text: borrowed(text))
    do {
        return try box.onEvent(ev) ? 0 : 1
    } catch {
        box.error = error
        return 1
    }
}

/// fastgpt_update_chat_history's `top`.
public enum FastGPTPin: Int32, Sendable {
    case leave = -1
    case unpin = 0
    case pin = 1
}

// MARK: - Client

/// A FastGPT client. Immutable and thread-safe (the C client is), hence Sendable.
public final class FastGPTClient: @unchecked Sendable {
    let handle: OpaquePointer

    /// Blocking C calls run here, never on the cooperative thread pool (c-api.md §10).
    private static let queue = DispatchQueue(label: "fastgpt.blocking-calls", qos: .userInitiated,
                                             attributes: .concurrent)

    /// A client with `apiKey` and `baseURL` (nil = http://localhost:3000).
    public init(apiKey: String, baseURL: String? = nil) throws {
        try FastGPTVersion.check()
        try checkNoNUL([("apiKey", apiKey), ("baseURL", baseURL)])
        var client: OpaquePointer? = nil
        var err: UnsafeMutablePointer<CChar>? = nil
        let rc = withOptionalCString(baseURL) { base in fastgpt_client_new(apiKey, base, &client, &err) }
        let errorJSON = takeString(err)
        guard rc == FASTGPT_OK, let c = client else { throw FastGPTError(status: rc, json: errorJSON) }
        handle = c
    }

    /// A client from a JSON object of options: {"api_key":..., "base_url":..., "timeout_ms":...,
    /// "headers":{...}, ...} (unknown keys are an error).
    public init(optionsJSON: String) throws {
        try FastGPTVersion.check()
        try checkNoNUL([("optionsJSON", optionsJSON)])
        var client: OpaquePointer? = nil
        var err: UnsafeMutablePointer<CChar>? = nil
        let rc = fastgpt_client_new_with_options(optionsJSON, &client, &err)
        let errorJSON = takeString(err)
        guard rc == FASTGPT_OK, let c = client else { throw FastGPTError(status: rc, json: errorJSON) }
        handle = c
    }

    /// Same, from a dictionary (serialized with JSONSerialization).
    public convenience init(options: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: options, options: [])
        try self.init(optionsJSON: String(decoding: data, as: UTF8.self))
    }

    deinit { fastgpt_client_free(handle) }

    // MARK: call machinery

    /// Runs one blocking C call on the dedicated queue with a cancel token that Task
    /// cancellation cancels. `body` gets the token and the out_json pointer.
    private func call(
        _ cancel: FastGPTCancelToken?,
        _ body: @escaping (OpaquePointer, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32
    ) async throws -> String {
        let token = try cancel ?? FastGPTCancelToken()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (cont: CheckedContinuation<String, Error>) in
                    FastGPTClient.queue.async {
                        // `self` and `token` are retained by this closure until the call returns.
                        var out: UnsafeMutablePointer<CChar>? = nil
                        let rc = withExtendedLifetime(self) { body(token.handle, &out) }
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
        } catch let e as FastGPTError where e.status == FASTGPT_E_CANCELLED && Task.isCancelled {
            throw CancellationError()
        }
    }

    // MARK: completions

    /// A non-streaming chat completion; returns the server's completion JSON.
    public func createChatCompletion(_ requestJSON: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("requestJSON", requestJSON)])
        return try await call(cancel) { token, out in
            fastgpt_create_chat_completion(self.handle, requestJSON, token, out)
        }
    }

    /// The callback form: `onEvent` runs for each event, on the call's (non-cooperative)
    /// thread, in order. Return true to continue, false to stop (throws FastGPTError
    /// `.aborted`). An error thrown by `onEvent` stops the stream and is rethrown here.
    /// Returns the accumulated result JSON {"answer","reasoning","finish_reason",...}.
    public func createChatCompletionStream(
        _ requestJSON: String, cancel: FastGPTCancelToken? = nil,
        onEvent: @escaping (StreamEvent) throws -> Bool
    ) async throws -> String {
        try checkNoNUL([("requestJSON", requestJSON)])
        let box = CallbackBox(onEvent)
        do {
            return try await call(cancel) { token, out in
                withExtendedLifetime(box) {
                    fastgpt_create_chat_completion_stream(
                        self.handle, requestJSON, streamTrampoline,
                        Unmanaged.passUnretained(box).toOpaque(), token, out)
                }
            }
        } catch {
            if let userError = box.error { throw userError }
            throw error
        }
    }

    /// The pull form as an AsyncThrowingStream, read on a dedicated Thread.
    ///
    /// When the consuming Task is cancelled the sequence simply ends (AsyncThrowingStream's
    /// behaviour); a cancel token cancelled otherwise (deadline, another owner) makes it throw
    /// FastGPTError `.cancelled`.
    /// Errors answered before the body throw from the first iteration; an `event: error`
    /// frame is yielded as an event (`isError`), then the stream throws FastGPTError `.api`.
    /// `onResult` receives the accumulated result JSON (on the reading thread) just before
    /// the stream finishes cleanly. Cancelling the consuming Task, or dropping the stream
    /// early, cancels the token (a given `cancel` token is cancelled too); the thread then
    /// waits for fastgpt_stream_next to return before it calls fastgpt_stream_free.
    public func streamChatCompletion(
        _ requestJSON: String, cancel: FastGPTCancelToken? = nil,
        onResult: (@Sendable (String) -> Void)? = nil
    ) -> AsyncThrowingStream<StreamEvent, Error> {
        AsyncThrowingStream(StreamEvent.self, bufferingPolicy: .unbounded) { continuation in
            let token: FastGPTCancelToken
            do {
                try checkNoNUL([("requestJSON", requestJSON)])
                token = try cancel ?? FastGPTCancelToken()
            } catch {
                continuation.finish(throwing: error)
                return
            }
            continuation.onTermination = { @Sendable termination in
                if case .cancelled = termination { token.cancel() }
            }
            let thread = Thread { [self] in
                self.readStream(requestJSON, token: token, continuation: continuation, onResult: onResult)
            }
            thread.name = "fastgpt.stream"
            thread.start()
        }
    }

    /// Runs on the stream's own thread: open, next until the end, free. fastgpt_stream_free
    /// runs only here, after fastgpt_stream_next has returned (c-api.md §4.1).
    private func readStream(
        _ requestJSON: String, token: FastGPTCancelToken,
        continuation: AsyncThrowingStream<StreamEvent, Error>.Continuation,
        onResult: (@Sendable (String) -> Void)?
    ) {
        var stream: OpaquePointer? = nil
        var openError: UnsafeMutablePointer<CChar>? = nil
        let rc = fastgpt_stream_open(handle, requestJSON, token.handle, &stream, &openError)
        let openErrorJSON = takeString(openError)
        guard rc == FASTGPT_OK, let s = stream else {
            continuation.finish(throwing: FastGPTError(status: rc, json: openErrorJSON))
            return
        }
        defer { fastgpt_stream_free(s) }
        while true {
            var event: UnsafePointer<CChar>? = nil
            var data: UnsafePointer<CChar>? = nil
            var text: UnsafePointer<CChar>? = nil
            var err: UnsafeMutablePointer<CChar>? = nil
            let rc = fastgpt_stream_next(s, &event, &data, &text, &err)
            let errorJSON = takeString(err)
            if rc != FASTGPT_OK {
                continuation.finish(throwing: FastGPTError(status: rc, json: errorJSON))
                return
            }
            guard let ev = event else {
                if let onResult = onResult {
                    var out: UnsafeMutablePointer<CChar>? = nil
                    let rrc = fastgpt_stream_result(s, &out)
                    let resultJSON = takeString(out)
                    if rrc != FASTGPT_OK {
                        continuation.finish(throwing: FastGPTError(status: rrc, json: resultJSON))
                        return
                    }
                    onResult(resultJSON)
                }
                continuation.finish()
                return
            }
            let item = StreamEvent(event: String(cString: ev), data: borrowed(data) ?? "", text: borrowed(text))
            if case .terminated = continuation.yield(item) { return }  // consumer went away
        }
    }

    // MARK: chat histories and records (each returns the envelope JSON)

    /// `source`: nil sends "api"; "" lists chats of every source.
    public func getChatHistories(appId: String, offset: Int = 0, pageSize: Int = 20, source: String? = nil,
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("source", source)])
        return try await call(cancel) { token, out in
            withOptionalCString(source) { src in
                fastgpt_get_chat_histories(self.handle, appId, Int32(clamping: offset), Int32(clamping: pageSize),
                                           src, token, out)
            }
        }
    }

    public func getChatInit(appId: String, chatId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId)])
        return try await call(cancel) { token, out in
            fastgpt_get_chat_init(self.handle, appId, chatId, token, out)
        }
    }

    public func getChatRecords(appId: String, chatId: String, offset: Int = 0, pageSize: Int = 20,
                               loadCustomFeedbacks: Bool = false,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId)])
        return try await call(cancel) { token, out in
            fastgpt_get_chat_records(self.handle, appId, chatId, Int32(clamping: offset), Int32(clamping: pageSize),
                                     loadCustomFeedbacks ? 1 : 0, token, out)
        }
    }

    public func getRecordDetail(appId: String, chatId: String, dataId: String,
                                cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("dataId", dataId)])
        return try await call(cancel) { token, out in
            fastgpt_get_record_detail(self.handle, appId, chatId, dataId, token, out)
        }
    }

    /// `customTitle`: nil leaves it, "" clears it. nil with `.leave` is an invalid argument.
    public func updateChatHistory(appId: String, chatId: String, customTitle: String? = nil,
                                  top: FastGPTPin = .leave, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("customTitle", customTitle)])
        return try await call(cancel) { token, out in
            withOptionalCString(customTitle) { title in
                fastgpt_update_chat_history(self.handle, appId, chatId, title, top.rawValue, token, out)
            }
        }
    }

    public func deleteChatHistory(appId: String, chatId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId)])
        return try await call(cancel) { token, out in
            fastgpt_delete_chat_history(self.handle, appId, chatId, token, out)
        }
    }

    public func clearChatHistories(appId: String, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId)])
        return try await call(cancel) { token, out in
            fastgpt_clear_chat_histories(self.handle, appId, token, out)
        }
    }

    public func deleteChatRecord(appId: String, chatId: String, contentId: String,
                                 cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("contentId", contentId)])
        return try await call(cancel) { token, out in
            fastgpt_delete_chat_record(self.handle, appId, chatId, contentId, token, out)
        }
    }

    /// The server sets each feedback given and removes each one that is nil.
    public func sendFeedback(appId: String, chatId: String, dataId: String, userGoodFeedback: String? = nil,
                             userBadFeedback: String? = nil, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("dataId", dataId),
                        ("userGoodFeedback", userGoodFeedback), ("userBadFeedback", userBadFeedback)])
        return try await call(cancel) { token, out in
            withOptionalCString(userGoodFeedback) { good in
                withOptionalCString(userBadFeedback) { bad in
                    fastgpt_send_feedback(self.handle, appId, chatId, dataId, good, bad, token, out)
                }
            }
        }
    }

    /// `questionGuideJSON`: a JSON object sent as `questionGuide`; nil uses the app's config.
    public func getSuggestedQuestions(appId: String, chatId: String, questionGuideJSON: String? = nil,
                                      cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("questionGuideJSON", questionGuideJSON)])
        return try await call(cancel) { token, out in
            withOptionalCString(questionGuideJSON) { guide in
                fastgpt_get_suggested_questions(self.handle, appId, chatId, guide, token, out)
            }
        }
    }

    public func getAppLogsChart(appId: String, dateStart: String, dateEnd: String, optionsJSON: String? = nil,
                                cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("dateStart", dateStart), ("dateEnd", dateEnd), ("optionsJSON", optionsJSON)])
        return try await call(cancel) { token, out in
            withOptionalCString(optionsJSON) { opts in
                fastgpt_get_app_logs_chart(self.handle, appId, dateStart, dateEnd, opts, token, out)
            }
        }
    }

    /// Any other endpoint: `method` "GET"/"POST"/"PUT"/"DELETE", `path` like "/api/core/dataset/list".
    public func request(method: String, path: String, queryJSON: String? = nil, bodyJSON: String? = nil,
                        cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("method", method), ("path", path), ("queryJSON", queryJSON), ("bodyJSON", bodyJSON)])
        return try await call(cancel) { token, out in
            withOptionalCString(queryJSON) { query in
                withOptionalCString(bodyJSON) { body in
                    fastgpt_request(self.handle, method, path, query, body, token, out)
                }
            }
        }
    }

    // MARK: chat files ({"url","key","name","type","preview_url"})

    public func uploadChatFile(appId: String, chatId: String, filePath: String,
                               cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("filePath", filePath)])
        return try await call(cancel) { token, out in
            fastgpt_upload_chat_file(self.handle, appId, chatId, filePath, token, out)
        }
    }

    /// `contentType`: nil or "" detects it from the data, then the file name.
    public func uploadChatBytes(appId: String, chatId: String, fileName: String, data: Data,
                                contentType: String? = nil, cancel: FastGPTCancelToken? = nil) async throws -> String {
        try checkNoNUL([("appId", appId), ("chatId", chatId), ("fileName", fileName), ("contentType", contentType)])
        return try await call(cancel) { token, out in
            data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Int32 in
                withOptionalCString(contentType) { ctype in
                    fastgpt_upload_chat_bytes(self.handle, appId, chatId, fileName, ctype,
                                              raw.baseAddress, raw.count, token, out)
                }
            }
        }
    }
}
