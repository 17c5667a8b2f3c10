// Test support: the bundled dev server (a fake FastGPT on 127.0.0.1) and small helpers.
//
// The tests use the server at FASTGPT_TEST_URL when it is set (bindings/swift/test.sh starts
// one). Otherwise they start target/release/fastgpt-devserver of this checkout (or the
// binary FASTGPT_DEVSERVER names) once for the whole run; it exits with the test process.

import Foundation
import Testing

@testable import FastGPT

let devKey = "fastgpt-dev-key"

/// The dev server's base URL, started on first use.
final class DevServer: @unchecked Sendable {
    static let shared = DevServer()

    /// The URL, or why there is none.
    let url: Result<String, DevServerError>
    // Kept open for the process's life: the server exits when its stdin reaches EOF.
    private let stdin: Pipe?
    private let process: Process?

    struct DevServerError: Error, CustomStringConvertible {
        let description: String
    }

    private init() {
        let env = ProcessInfo.processInfo.environment
        if let u = env["FASTGPT_TEST_URL"], !u.isEmpty {
            url = .success(u)
            stdin = nil
            process = nil
            return
        }
        // bindings/swift/Tests/FastGPTTests/Support.swift -> the repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let binary = env["FASTGPT_DEVSERVER"] ?? root.appendingPathComponent("target/release/fastgpt-devserver").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            url = .failure(DevServerError(description:
                "no dev server: set FASTGPT_TEST_URL, or FASTGPT_DEVSERVER, or build \(binary) (cargo build --release --workspace)"))
            stdin = nil
            process = nil
            return
        }
        let portFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("fastgpt-swift-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).url")
        let p = Process()
        let pipe = Pipe()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--chunk-delay-ms", "0", "--heartbeat-ms", "200", "--port-file", portFile.path,
                       "--exit-on-stdin-eof"]
        p.standardInput = pipe
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do {
            try p.run()
        } catch {
            url = .failure(DevServerError(description: "cannot start \(binary): \(error)"))
            stdin = nil
            process = nil
            return
        }
        var found: String? = nil
        for _ in 0..<200 {
            if let s = try? String(contentsOf: portFile, encoding: .utf8), !s.isEmpty { found = s; break }
            usleep(25_000)
        }
        try? FileManager.default.removeItem(at: portFile)
        stdin = pipe
        process = p
        url = found.map { .success($0) } ?? .failure(DevServerError(description: "\(binary) wrote no port file in 5 s"))
    }

    static func baseURL() throws -> String { try shared.url.get() }
}

/// A client of the dev server. `headers` go on every request (X-Dev-Fault, X-Dev-Errors, ...).
func devClient(headers: [String: String] = [:], key: String = devKey,
               _ extra: [String: Any] = [:]) throws -> FastGPTClient {
    var opts: [String: Any] = ["api_key": key, "base_url": try DevServer.baseURL()]
    if !headers.isEmpty { opts["headers"] = headers }
    for (k, v) in extra { opts[k] = v }
    return try FastGPTClient(options: opts)
}

/// A fresh app id (any 24-hex id is an app on the dev server), so tests running in
/// parallel never see each other's chats.
func newAppId() -> String {
    String((0..<24).map { _ in "0123456789abcdef".randomElement()! })
}

/// A random 24-character id, as FastGPT's dataIds.
func newItemId() -> String {
    String((0..<24).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
}

func newChatId(_ prefix: String = "swift") -> String { "\(prefix)-\(newItemId())" }

/// A completion request object as JSON text.
func chatRequest(_ question: String, appId: String? = nil, chatId: String? = nil, itemId: String? = nil,
                 detail: Bool = false) -> String {
    var r: [String: Any] = ["messages": [["role": "user", "content": question]]]
    if let a = appId { r["appId"] = a }
    if let c = chatId { r["chatId"] = c }
    if let i = itemId { r["responseChatItemId"] = i }
    if detail { r["detail"] = true }
    let data = try! JSONSerialization.data(withJSONObject: r, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}

func parse(_ text: String) throws -> FastGPTJSON { try FastGPTJSON(parsing: text) }

/// Node responses carry a random 12-character id per run; blank them for comparisons.
func normalizeIds(_ s: String) -> String {
    s.replacingOccurrences(of: #""id":"[A-Za-z0-9]{12}""#, with: "\"id\":\"<id>\"",
                           options: .regularExpression)
}

/// Thread-safe collector for values produced on the library's threads.
final class Collector<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ x: T) { lock.withLock { items.append(x) } }
    var all: [T] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
}

/// Runs `body`, expecting a FastGPTError with `status`; returns it.
@discardableResult
func expectError(_ status: FastGPTStatus, sourceLocation: SourceLocation = #_sourceLocation,
                 _ body: () async throws -> Void) async -> FastGPTError? {
    do {
        try await body()
        Issue.record("expected \(status.name), nothing was thrown", sourceLocation: sourceLocation)
    } catch let e as FastGPTError {
        #expect(e.code == status, "\(e.json)", sourceLocation: sourceLocation)
        #expect(e.statusName == status.name, sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("expected FastGPTError \(status.name), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Seconds since `start`.
func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }

func sleep(ms: UInt64) async throws { try await Task.sleep(nanoseconds: ms * 1_000_000) }
