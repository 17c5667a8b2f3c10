// Tests of the Swift binding against the bundled dev server.
//
//   target/release/fastgpt-devserver --chunk-delay-ms 0 &      # prints "listening on URL"
//   FASTGPT_TEST_URL=http://127.0.0.1:PORT swift test -Xlinker -L../../target/release
//
// Every test is skipped when FASTGPT_TEST_URL is not set.
import Foundation
import XCTest

@testable import FastGPT

private let devKey = "fastgpt-dev-key"
private let app = "65f00000000000000000beef"

private func json(_ text: String) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [])) as? [String: Any] ?? [:]
}

private func jsonString(_ value: String) -> String {
    let d = try! JSONSerialization.data(withJSONObject: [value], options: [])
    let t = String(decoding: d, as: UTF8.self)
    return String(t.dropFirst().dropLast())
}

private func chatRequest(_ question: String, chatId: String? = nil, itemId: String? = nil,
                         detail: Bool = false) -> String {
    var r = "{\"messages\":[{\"role\":\"user\",\"content\":\(jsonString(question))}],\"appId\":\"\(app)\""
    if let c = chatId { r += ",\"chatId\":\(jsonString(c))" }
    if let i = itemId { r += ",\"responseChatItemId\":\(jsonString(i))" }
    if detail { r += ",\"detail\":true" }
    return r + "}"
}

/// Node responses carry a random 12-character id per run.
private func normalizeIds(_ s: String) -> String {
    let re = try! NSRegularExpression(pattern: "\"id\":\"[A-Za-z0-9]{12}\"")
    return re.stringByReplacingMatches(in: s, range: NSRange(s.startIndex..., in: s),
                                       withTemplate: "\"id\":\"############\"")
}

private func uniq(_ prefix: String) -> String {
    "\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
}

private func itemId() -> String {
    String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(24))
}

/// A thread-safe collector for values produced on other threads.
private final class Collector<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ x: T) { lock.lock(); items.append(x); lock.unlock() }
    var all: [T] { lock.lock(); defer { lock.unlock() }; return items }
}

private struct UserError: Error, Equatable { let n: Int }

final class FastGPTTests: XCTestCase {
    var url = ""

    override func setUpWithError() throws {
        guard let u = ProcessInfo.processInfo.environment["FASTGPT_TEST_URL"], !u.isEmpty else {
            throw XCTSkip("FASTGPT_TEST_URL is not set (start target/release/fastgpt-devserver)")
        }
        url = u
    }

    private func client(headers: [String: String] = [:], key: String = devKey,
                        extra: [String: Any] = [:]) throws -> FastGPTClient {
        var opts: [String: Any] = ["api_key": key, "base_url": url]
        if !headers.isEmpty { opts["headers"] = headers }
        for (k, v) in extra { opts[k] = v }
        return try FastGPTClient(options: opts)
    }

    private func expectError(_ status: FastGPTStatus, _ body: () async throws -> Void,
                             file: StaticString = #filePath, line: UInt = #line) async -> FastGPTError? {
        do {
            try await body()
            XCTFail("expected \(status), nothing thrown", file: file, line: line)
        } catch let e as FastGPTError {
            XCTAssertEqual(e.code, status, e.json, file: file, line: line)
            return e
        } catch {
            XCTFail("expected FastGPTError \(status), got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: version

    func testVersion() throws {
        XCTAssertNoThrow(try FastGPTVersion.check())
        XCTAssertEqual(FastGPTVersion.runtimeNumber, FastGPTVersion.headerNumber)
        XCTAssertTrue(FastGPTVersion.isCompatible(runtime: 1005, header: 1000))
        XCTAssertFalse(FastGPTVersion.isCompatible(runtime: 2000, header: 1000))
        XCTAssertTrue(FastGPTVersion.runtime.hasPrefix("0."))
    }

    // MARK: every operation

    func testEveryEndpoint() async throws {
        let c = try client()
        let chat = uniq("swift")
        let item = itemId()

        var r = try await c.createChatCompletion(chatRequest("hello swift", chatId: chat, itemId: item))
        let choices = json(r)["choices"] as? [[String: Any]]
        let message = choices?.first?["message"] as? [String: Any]
        XCTAssertEqual(message?["content"] as? String, "You said: hello swift")

        r = try await c.getChatHistories(appId: app, offset: 0, pageSize: 50)
        XCTAssertTrue(r.contains(chat))
        r = try await c.getChatHistories(appId: app, pageSize: 50, source: "")
        XCTAssertTrue(r.contains(chat))
        r = try await c.getChatInit(appId: app, chatId: chat)
        XCTAssertTrue(r.contains("hello swift"))
        r = try await c.getChatRecords(appId: app, chatId: chat, loadCustomFeedbacks: true)
        XCTAssertTrue(r.contains(item))
        r = try await c.getRecordDetail(appId: app, chatId: chat, dataId: item)
        XCTAssertTrue(r.contains("chatNode"))
        r = try await c.updateChatHistory(appId: app, chatId: chat, customTitle: "Renamed", top: .pin)
        XCTAssertEqual(json(r)["code"] as? Int, 200)
        _ = await expectError(.invalidArgument) { _ = try await c.updateChatHistory(appId: app, chatId: chat) }
        r = try await c.sendFeedback(appId: app, chatId: chat, dataId: item, userGoodFeedback: "great")
        XCTAssertEqual(json(r)["code"] as? Int, 200)
        r = try await c.getSuggestedQuestions(appId: app, chatId: chat, questionGuideJSON: "{\"open\":true}")
        XCTAssertTrue(r.contains("hello swift"))
        r = try await c.getAppLogsChart(appId: app, dateStart: "2025-01-01T00:00:00Z",
                                        dateEnd: "2025-01-03T00:00:00Z", optionsJSON: "{\"offset\":2}")
        XCTAssertTrue(r.contains("\"offset\":2"))
        r = try await c.request(method: "POST", path: "/api/__dev/echo", queryJSON: "{\"q\":\"a b\"}",
                                bodyJSON: "{\"x\":1}")
        XCTAssertTrue(r.contains("\"q\":\"a b\""))

        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
        let path = NSTemporaryDirectory() + "/fastgpt-swift-\(UUID().uuidString).png"
        try Data(png).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        r = try await c.uploadChatFile(appId: app, chatId: chat, filePath: path)
        XCTAssertEqual(json(r)["type"] as? String, "image")
        r = try await c.uploadChatBytes(appId: app, chatId: chat, fileName: "notes.txt", data: Data("hi".utf8))
        XCTAssertEqual(json(r)["type"] as? String, "file")
        r = try await c.uploadChatBytes(appId: app, chatId: chat, fileName: "x.bin", data: Data(png),
                                        contentType: "image/png")
        XCTAssertEqual(json(r)["type"] as? String, "image")

        r = try await c.deleteChatRecord(appId: app, chatId: chat, contentId: item)
        XCTAssertEqual(json(r)["code"] as? Int, 200)
        r = try await c.deleteChatHistory(appId: app, chatId: chat)
        XCTAssertEqual(json(r)["code"] as? Int, 200)
        r = try await c.clearChatHistories(appId: app)
        XCTAssertEqual(json(r)["code"] as? Int, 200)
    }

    // MARK: streaming

    func testBothStreamFormsGiveIdenticalEventsAndResult() async throws {
        let c = try client()
        let item = itemId()
        let req = chatRequest("compare /tool /reasoning", itemId: item, detail: true)

        let fromCallback = Collector<StreamEvent>()
        let resultA = try await c.createChatCompletionStream(req) { e in
            fromCallback.append(StreamEvent(event: e.event, data: normalizeIds(e.data), text: e.text))
            return true
        }

        let resultBox = Collector<String>()
        var fromPull: [StreamEvent] = []
        for try await e in c.streamChatCompletion(req, onResult: { resultBox.append($0) }) {
            fromPull.append(StreamEvent(event: e.event, data: normalizeIds(e.data), text: e.text))
        }
        XCTAssertGreaterThan(fromPull.count, 5)
        XCTAssertEqual(fromCallback.all, fromPull)
        XCTAssertEqual(resultBox.all.count, 1)
        XCTAssertEqual(normalizeIds(resultA), normalizeIds(resultBox.all.first ?? ""))
        XCTAssertEqual(json(resultA)["response_chat_item_id"] as? String, item)
        XCTAssertEqual(json(resultA)["event_count"] as? Int, fromPull.count)
        let text = fromPull.compactMap { $0.text }.joined()
        XCTAssertEqual(json(resultA)["answer"] as? String, text)
    }

    func testWrongKeyE2EnvelopeError() async throws {
        let bad = try client(headers: ["X-Dev-Errors": "e2"], key: "wrong-key-swift")
        let e = await expectError(.api) { _ = try await bad.getChatHistories(appId: app) }
        XCTAssertEqual(e?.statusName, "FASTGPT_E_API")
        XCTAssertEqual(e?.httpStatus, 500)
        XCTAssertEqual(e?.apiCode, 514)
        XCTAssertEqual(e?.apiCodeJSON, "514")
        XCTAssertEqual(e?.statusText, "unAuthApiKey")
        XCTAssertTrue(e?.body?.contains("unAuthApiKey") ?? false)
        XCTAssertEqual(e?.method, "POST")
        XCTAssertTrue(e?.url?.contains("/api/core/chat/history/getHistories") ?? false)
        XCTAssertEqual(e?.attempts, 1)
        XCTAssertNil(e?.timeout)
        XCTAssertNil(e?.partialJSON)
        XCTAssertFalse(e?.json.contains("wrong-key-swift") ?? true)

        // On a stream: an "error" event, then FastGPTError(.api) with api code 514.
        var events: [StreamEvent] = []
        do {
            for try await ev in bad.streamChatCompletion(chatRequest("x")) { events.append(ev) }
            XCTFail("expected an error")
        } catch let err as FastGPTError {
            XCTAssertEqual(err.code, .api)
            XCTAssertEqual(err.apiCode, 514)
            XCTAssertNotNil(err.partialJSON)
        }
        XCTAssertEqual(events.count, 1)
        XCTAssertTrue(events.first?.isError ?? false)
    }

    func testHtml502() async throws {
        let c = try client(headers: ["X-Dev-Fault": "html502"], extra: ["max_retries": 0])
        let e = await expectError(.http) { _ = try await c.getChatInit(appId: app, chatId: "x") }
        XCTAssertEqual(e?.httpStatus, 502)
        XCTAssertNil(e?.apiCode)
        XCTAssertTrue(e?.body?.contains("nginx") ?? false)
        // The pull stream throws from its first iteration.
        let s = await expectError(.http) {
            for try await _ in c.streamChatCompletion(chatRequest("x")) {}
        }
        XCTAssertEqual(s?.httpStatus, 502)
    }

    func testCallbackErrorIsRethrownAndStreamAborted() async throws {
        let c = try client(headers: ["X-Dev-Fault": "many-events:200"])
        let calls = Collector<Int>()
        do {
            _ = try await c.createChatCompletionStream(chatRequest("throw")) { e in
                calls.append(1)
                if let t = e.text, !t.isEmpty { throw UserError(n: calls.all.count) }
                return true
            }
            XCTFail("expected UserError")
        } catch let u as UserError {
            XCTAssertEqual(u.n, calls.all.count)  // no event after the throw
        }
        XCTAssertLessThan(calls.all.count, 10)
        // Returning false aborts.
        let e = await expectError(.aborted) {
            _ = try await c.createChatCompletionStream(chatRequest("stop")) { _ in false }
        }
        XCTAssertNotNil(e?.partialJSON)
    }

    func testInvalidArgumentAndNUL() async throws {
        XCTAssertThrowsError(try FastGPTClient(apiKey: "")) { err in
            XCTAssertEqual((err as? FastGPTError)?.code, .invalidArgument)
        }
        XCTAssertThrowsError(try FastGPTClient(optionsJSON: "{\"api_key\":\"k\",\"nope\":1}"))
        let c = try client()
        _ = await expectError(.invalidArgument) { _ = try await c.getChatInit(appId: "a\u{0}b", chatId: "x") }
    }

    // MARK: cancellation

    func testTaskCancellationStopsStalledCall() async throws {
        let c = try client(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let start = Date()
        let task = Task { () -> String in
            try await c.createChatCompletionStream(chatRequest("stall")) { _ in true }
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("expected cancellation")
        } catch is CancellationError {
        } catch {
            XCTFail("expected CancellationError, got \(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
    }

    func testTaskCancellationEndsPullStream() async throws {
        let c = try client(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let start = Date()
        let task = Task { () -> Int in
            var n = 0
            for try await _ in c.streamChatCompletion(chatRequest("stall pull")) { n += 1 }
            return n
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        let n = try? await task.value  // ends (without error) once cancelled
        XCTAssertNotNil(n)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
    }

    func testTokenDeadline() async throws {
        let c = try client(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let token = try FastGPTCancelToken()
        token.cancel(afterMilliseconds: 250)
        let start = Date()
        _ = await expectError(.cancelled) {
            for try await _ in c.streamChatCompletion(chatRequest("deadline"), cancel: token) {}
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2.5)
        // An already-cancelled token fails at once.
        _ = await expectError(.cancelled) { _ = try await c.getChatHistories(appId: app, cancel: token) }
    }
}
