// Version check, cancel token and the helpers every call goes through.

import CFastGPT
import Dispatch
import Foundation

// MARK: - Version

public enum FastGPTVersion {
    /// The linked library's version, "MAJOR.MINOR.PATCH[-pre]".
    public static var runtime: String { String(cString: fastgpt_version()) }
    /// The linked library's MAJOR*1000000 + MINOR*1000 + PATCH.
    public static var runtimeNumber: Int { Int(fastgpt_version_number()) }
    /// The version number of the header this binding was compiled against.
    public static var headerNumber: Int { Int(FASTGPT_VERSION_NUMBER) }

    /// While the major version is 0, MAJOR.MINOR of the library must equal the header's;
    /// from 1.0 on, the majors must match and the library must not be older.
    public static func isCompatible(runtime: Int, header: Int) -> Bool {
        if header / 1_000_000 == 0 { return runtime / 1000 == header / 1000 }
        return runtime / 1_000_000 == header / 1_000_000 && runtime >= header
    }

    private static let compatible = isCompatible(runtime: runtimeNumber, header: headerNumber)

    /// Throws `.invalidArgument` when the linked library does not match the header.
    /// Every client initializer calls it.
    public static func check() throws(FastGPTError) {
        if !compatible {
            throw .local(.invalidArgument,
                         "libfastgpt \(runtime) is not compatible with fastgpt.h "
                             + "\(FASTGPT_VERSION_MAJOR).\(FASTGPT_VERSION_MINOR).\(FASTGPT_VERSION_PATCH)")
        }
    }
}

// MARK: - Cancel token

/// A `fastgpt_cancel_token`: cancels every call given it, from any thread, for good.
///
/// Task cancellation needs no token: every call makes its own and cancels it when its Task
/// is cancelled. Pass a token to cancel several calls at once, or to set a deadline over
/// whole calls (retries and backoff included). Task cancellation of a call that was given
/// a token cancels that token.
public final class FastGPTCancelToken: @unchecked Sendable {
    // The C token is thread-safe; `handle` never changes.
    let handle: OpaquePointer

    public init() throws(FastGPTError) {
        guard let h = fastgpt_cancel_token_new() else {
            throw .local(.panic, "fastgpt_cancel_token_new failed")
        }
        handle = h
    }

    /// A token that cancels itself `milliseconds` from now.
    public convenience init(deadlineAfterMilliseconds milliseconds: Int) throws(FastGPTError) {
        try self.init()
        cancel(afterMilliseconds: milliseconds)
    }

    deinit { fastgpt_cancel_token_free(handle) }

    /// Cancels every call given this token; they end within about 100 ms.
    public func cancel() { fastgpt_cancel_token_cancel(handle) }

    /// Cancels the token `milliseconds` from now (the earliest deadline wins; <= 0: now).
    public func cancel(afterMilliseconds milliseconds: Int) {
        fastgpt_cancel_token_cancel_after(handle, Int32(clamping: milliseconds))
    }
}

/// `fastgpt_update_chat_history`'s `top`.
public enum FastGPTPin: Int32, Sendable {
    case leave = -1
    case unpin = 0
    case pin = 1
}

// MARK: - Blocking work off the cooperative pool

/// Runs the blocking C calls on threads of its own, never on the Swift concurrency
/// cooperative pool. A job starts at once: on an idle worker, else on a new thread (GCD's
/// queues were not used because on Linux they add threads for blocked work only slowly,
/// about one per second, so many concurrent calls would wait in line). Workers that stay
/// idle for 10 s exit.
final class BlockingPool: @unchecked Sendable {
    static let shared = BlockingPool()

    /// A worker's next job; guarded by `cond`.
    private final class Worker: @unchecked Sendable {
        var job: (@Sendable () -> Void)?
    }

    // All state below is guarded by `cond`.
    private let cond = NSCondition()
    private var idle: [Worker] = []

    func run(_ job: @escaping @Sendable () -> Void) {
        cond.lock()
        if let worker = idle.popLast() {
            worker.job = job
            cond.broadcast()
            cond.unlock()
            return
        }
        cond.unlock()
        let worker = Worker()
        worker.job = job
        let thread = Thread { [self] in self.work(worker) }
        thread.name = "fastgpt.blocking"
        thread.start()
    }

    private func work(_ worker: Worker) {
        cond.lock()
        while let job = worker.job {
            worker.job = nil
            cond.unlock()
            job()
            cond.lock()
            idle.append(worker)
            let deadline = Date(timeIntervalSinceNow: 10)
            while worker.job == nil {
                if !cond.wait(until: deadline), worker.job == nil {
                    idle.removeAll { $0 === worker }
                    break
                }
            }
        }
        cond.unlock()
    }
}

// MARK: - Argument helpers

/// Copies a library-owned string and frees it with fastgpt_string_free (never free()).
func takeString(_ p: UnsafeMutablePointer<CChar>?) -> String {
    guard let p = p else { return "" }
    defer { fastgpt_string_free(p) }
    return String(cString: p)
}

func borrowedString(_ p: UnsafePointer<CChar>?) -> String? {
    guard let p = p else { return nil }
    return String(cString: p)
}

/// C would cut a string at its first NUL byte; refuse such a string instead.
func checkNoNUL(_ values: KeyValuePairs<String, String?>) throws(FastGPTError) {
    for (name, value) in values {
        if let v = value, v.utf8.contains(0) {
            throw .local(.invalidArgument, "\(name) contains a NUL byte")
        }
    }
}

/// An Int argument as the C API's int32_t; out of range is an invalid argument.
func int32(_ value: Int, _ name: String) throws(FastGPTError) -> Int32 {
    guard let v = Int32(exactly: value) else {
        throw .local(.invalidArgument, "\(name) = \(value) does not fit in an int32_t")
    }
    return v
}

func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s = s else { return body(nil) }
    return s.withCString { body($0) }
}

/// `values` as a JSON array of strings (for `*_json` array parameters such as chat ids).
func jsonStringArray(_ values: [String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: values, options: [])) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// A dictionary as a JSON object text (for `*_json` object parameters).
func jsonObjectText(_ object: [String: Any], _ name: String) throws(FastGPTError) -> String {
    guard JSONSerialization.isValidJSONObject(object),
          let data = try? JSONSerialization.data(withJSONObject: object, options: [])
    else { throw .local(.invalidArgument, "\(name) cannot be encoded as JSON") }
    return String(decoding: data, as: UTF8.self)
}
