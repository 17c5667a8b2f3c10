// Streaming completions: the callback form (`createChatCompletionStream`) and the pull form
// (`streamChatCompletion`, an AsyncSequence over an AsyncThrowingStream).

import CFastGPT
import Dispatch
import Foundation

/// One SSE event of a streaming completion.
public struct StreamEvent: Sendable, Hashable {
    /// "answer", "fastAnswer", "flowNodeStatus", "toolCall", ..., "done" for [DONE], "error".
    public let event: String
    /// The event's data ("[DONE]" for "done"; multi-line data joined with "\n").
    public let data: String
    /// For answer/fastAnswer events, the delta text ("" for a heartbeat or stop chunk);
    /// nil for every other event.
    public let text: String?

    public init(event: String, data: String, text: String?) {
        self.event = event
        self.data = data
        self.text = text
    }

    public var isDone: Bool { event == "done" }
    public var isError: Bool { event == "error" }
}

// MARK: - Callback form

/// The state of a callback-form call, reached through the C callback's `user_data`.
/// The callback runs only on the thread of the C call; `error` is read after that call
/// has returned. The lock makes both facts irrelevant to correctness.
private final class CallbackBox: @unchecked Sendable {
    let onEvent: @Sendable (StreamEvent) throws -> Void
    private let lock = NSLock()
    private var storedError: (any Error)?

    init(_ onEvent: @escaping @Sendable (StreamEvent) throws -> Void) { self.onEvent = onEvent }

    var error: (any Error)? {
        get { lock.withLock { storedError } }
        set { lock.withLock { storedError = newValue } }
    }
}

/// The C callback. A closure literal that captures nothing, so it converts to
/// `@convention(c)`. An error thrown by the user's closure is stored and the transfer
/// stopped (non-zero return); nothing unwinds through C.
private func makeTrampoline() -> fastgpt_stream_callback {
    return { userData, event, data, text in
        guard let userData = userData else { return 1 }
        let box = Unmanaged<CallbackBox>.fromOpaque(userData).takeUnretainedValue()
        let item = StreamEvent(event: String(cString: event), data: String(cString: data),
                               text: borrowedString(text))
        do {
            try box.onEvent(item)
            return 0
        } catch {
            box.error = error
            return 1
        }
    }
}

extension FastGPTClient {
    /// The callback form: `onEvent` runs for each event as it arrives, in order, on the
    /// call's worker thread (never on the cooperative pool; keep it short). Throwing from
    /// `onEvent` stops the stream at once, and this method rethrows that error.
    /// Returns the accumulated result JSON: `{"answer","reasoning","finish_reason","done",
    /// "event_count","interactive","variables","flow_responses","tool_calls","title",
    /// "chat_id","response_chat_item_id",...}` (`title`: the chat title of FastGPT's
    /// `chatTitle` event, sent from 4.15 on a chat's first round with `detail`; else null).
    public func createChatCompletionStream(
        _ request: String, cancel: FastGPTCancelToken? = nil,
        onEvent: @escaping @Sendable (StreamEvent) throws -> Void
    ) async throws -> String {
        try checkNoNUL(["request": request])
        return try await callbackStream(cancel, onEvent) { token, callback, userData, out in
            fastgpt_create_chat_completion_stream(self.handle, request, callback, userData, token, out)
        }
    }

    /// Runs one callback-form C function (`body` gets the token, the C callback, its
    /// `user_data` and `out_json`). A new callback-form function is one call of this.
    func callbackStream(
        _ cancel: FastGPTCancelToken?,
        _ onEvent: @escaping @Sendable (StreamEvent) throws -> Void,
        _ body: @escaping @Sendable (_ token: OpaquePointer, _ callback: fastgpt_stream_callback,
                                     _ userData: UnsafeMutableRawPointer, _ out: OutJSON) -> Int32
    ) async throws -> String {
        let box = CallbackBox(onEvent)
        do {
            return try await call(cancel) { token, out in
                withExtendedLifetime(box) {
                    body(token, makeTrampoline(), Unmanaged.passUnretained(box).toOpaque(), out)
                }
            }
        } catch {
            if let userError = box.error { throw userError }
            throw error
        }
    }

    // MARK: pull form

    /// The pull form: an `AsyncSequence` of events (backed by an `AsyncThrowingStream`).
    ///
    /// Nothing is sent until the first iteration. Errors answered before the body (HTTP or
    /// JSON errors) throw from the first iteration; an `event: error` frame is yielded as an
    /// event (`isError`), then the sequence throws FastGPTError `.api`. Each event is read
    /// when the consumer asks for it, on a thread outside the cooperative pool, so a slow consumer
    /// slows the transfer instead of buffering it. Cancelling the consuming Task cancels the
    /// stream's token and throws CancellationError; dropping the sequence closes the
    /// connection. `result()` gives the accumulated result.
    public func streamChatCompletion(_ request: String, cancel: FastGPTCancelToken? = nil) -> ChatCompletionStream {
        pullStream(cancel, check: { () throws(FastGPTError) in try checkNoNUL(["request": request]) }) {
            token, outStream, outError in
            fastgpt_stream_open(self.handle, request, token, outStream, outError)
        }
    }

    /// A pull stream over one C open function (`open` gets the token, `out_stream` and
    /// `out_error`). A new pull-form function is one call of this.
    func pullStream(
        _ cancel: FastGPTCancelToken?,
        check: () throws(FastGPTError) -> Void = {},
        _ open: @escaping @Sendable (_ token: OpaquePointer, _ outStream: UnsafeMutablePointer<OpaquePointer?>,
                                     _ outError: OutJSON) -> Int32
    ) -> ChatCompletionStream {
        let reader: StreamReader
        do throws(FastGPTError) {
            try check()
            let token: FastGPTCancelToken
            if let cancel = cancel { token = cancel } else { token = try FastGPTCancelToken() }
            reader = StreamReader(token: token, open: open)
        } catch {
            reader = StreamReader(failed: error)
        }
        return ChatCompletionStream(reader: reader)
    }
}

/// The events of a streaming completion, read one by one as the consumer asks for them.
///
/// ```swift
/// let stream = client.streamChatCompletion(request)
/// for try await event in stream { print(event.text ?? "", terminator: "") }
/// let result = try await stream.result()
/// ```
public struct ChatCompletionStream: AsyncSequence, Sendable {
    public typealias Element = StreamEvent
    public typealias AsyncIterator = AsyncThrowingStream<StreamEvent, any Error>.Iterator

    let reader: StreamReader
    /// The events as an AsyncThrowingStream (iterate it once).
    public let events: AsyncThrowingStream<StreamEvent, any Error>

    init(reader: StreamReader) {
        self.reader = reader
        events = AsyncThrowingStream(unfolding: { @Sendable in try await reader.next() })
    }

    public func makeAsyncIterator() -> AsyncIterator { events.makeAsyncIterator() }

    /// The result accumulated so far (the whole result once the sequence has ended), in the
    /// shape of `createChatCompletionStream`'s result. Opens the stream if it is not open
    /// yet, and throws the error that opening it gave.
    public func result() async throws -> String { try await reader.result() }
}

/// Owns one `fastgpt_stream`. Every C call on it runs on a `BlockingPool` thread while
/// holding `lock`, which is the one-thread-at-a-time rule of the C API;
/// `fastgpt_stream_free` runs in deinit, when no call can be running (each running call
/// holds a reference to the reader).
final class StreamReader: @unchecked Sendable {
    private let lock = NSLock()
    private let token: FastGPTCancelToken?
    private let open: (@Sendable (OpaquePointer, UnsafeMutablePointer<OpaquePointer?>, OutJSON) -> Int32)?
    // Touched only while holding `lock` (and in deinit, after every call has finished).
    private var stream: OpaquePointer? = nil
    private var failure: FastGPTError? = nil
    private var opened = false

    init(token: FastGPTCancelToken,
         open: @escaping @Sendable (OpaquePointer, UnsafeMutablePointer<OpaquePointer?>, OutJSON) -> Int32) {
        self.token = token
        self.open = open
    }

    /// A stream that fails at once (bad arguments).
    init(failed error: FastGPTError) {
        token = nil
        open = nil
        failure = error
        opened = true
    }

    deinit { fastgpt_stream_free(stream) }

    /// Runs `work` on a pool thread, holding `lock`; Task cancellation cancels the token meanwhile.
    private func onPool<T: Sendable>(_ work: @escaping @Sendable () throws(FastGPTError) -> T) async throws -> T {
        let token = self.token
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
                    BlockingPool.shared.run {
                        self.lock.lock()
                        let result = Result<T, FastGPTError>(catching: work)
                        self.lock.unlock()
                        cont.resume(with: result.mapError { $0 as any Error })
                    }
                }
            } onCancel: {
                token?.cancel()
            }
        } catch let e as FastGPTError where e.code == .cancelled && Task.isCancelled {
            throw CancellationError()
        }
    }

    /// Holding `lock`: opens the stream the first time; afterwards rethrows the open error.
    private func ensureOpen() throws(FastGPTError) -> OpaquePointer {
        if !opened, let open = open, let token = token {
            opened = true
            var s: OpaquePointer? = nil
            var err: UnsafeMutablePointer<CChar>? = nil
            let rc = open(token.handle, &s, &err)
            let errorJSON = takeString(err)
            if rc == FASTGPT_OK, let s = s {
                stream = s
            } else {
                failure = FastGPTError(status: rc, json: errorJSON)
            }
        }
        if let failure = failure { throw failure }
        guard let s = stream else { throw .local(.panic, "stream not open") }
        return s
    }

    func next() async throws -> StreamEvent? {
        try await onPool { () throws(FastGPTError) -> StreamEvent? in
            let s = try self.ensureOpen()
            var event: UnsafePointer<CChar>? = nil
            var data: UnsafePointer<CChar>? = nil
            var text: UnsafePointer<CChar>? = nil
            var err: UnsafeMutablePointer<CChar>? = nil
            let rc = fastgpt_stream_next(s, &event, &data, &text, &err)
            let errorJSON = takeString(err)
            guard rc == FASTGPT_OK else { throw FastGPTError(status: rc, json: errorJSON) }
            guard let event = event else { return nil }  // finished cleanly
            // The strings are valid until the next fastgpt_stream_next: copy them now.
            return StreamEvent(event: String(cString: event), data: borrowedString(data) ?? "",
                               text: borrowedString(text))
        }
    }

    func result() async throws -> String {
        try await onPool { () throws(FastGPTError) -> String in
            let s = try self.ensureOpen()
            var out: UnsafeMutablePointer<CChar>? = nil
            let rc = fastgpt_stream_result(s, &out)
            let text = takeString(out)
            guard rc == FASTGPT_OK else { throw FastGPTError(status: rc, json: text) }
            return text
        }
    }
}
