// Task cancellation, and one client used by many tasks at once.

import Foundation
import Testing

@testable import FastGPT

@Suite struct CancellationTests {
    @Test func taskCancellationStopsARequest() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "stall-before-headers:5000"])
        let start = Date()
        let task = Task { try await c.getChatInit(appId: newAppId(), chatId: "x") }
        try await sleep(ms: 300)
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(elapsed(since: start) < 2.5)
    }

    @Test func taskCancellationStopsTheCallbackForm() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let events = Collector<String>()
        let start = Date()
        let task = Task {
            try await c.createChatCompletionStream(chatRequest("stall", appId: newAppId())) { events.append($0.event) }
        }
        try await sleep(ms: 300)
        #expect(events.count > 0)  // it was streaming when cancelled
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(elapsed(since: start) < 2.5)
    }

    @Test func taskCancellationStopsThePullForm() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let start = Date()
        let task = Task { () -> Int in
            var n = 0
            for try await _ in c.streamChatCompletion(chatRequest("stall pull", appId: newAppId())) { n += 1 }
            return n
        }
        try await sleep(ms: 300)
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(elapsed(since: start) < 2.5)
    }

    @Test func anAlreadyCancelledTaskSendsNothing() async throws {
        let key = "swift-precancel-\(newItemId())"
        let c = try devClient(headers: ["X-Dev-Fault-Key": key])
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await c.getChatHistories(appId: newAppId())
        }
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        func count() async throws -> Int? {
            try parse(try await c.request(method: "GET", path: "/__dev/count", queryJSON: #"{"key":"\#(key)"}"#))["count"].intValue
        }
        #expect(try await count() == 0)
        _ = try await c.getChatHistories(appId: newAppId())
        #expect(try await count() == 1)
    }
}

@Suite struct ConcurrencyTests {
    @Test func oneClientManyTasks() async throws {
        let c = try devClient()
        let app = newAppId()
        let n = 16
        let start = Date()
        // Each completion "runs" 400 ms on the server: run one after another they would
        // take 6.4 s; on one shared client they overlap.
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for i in 0..<n {
                group.addTask {
                    let chat = "swift-conc-\(i)-\(newItemId())"
                    let text: String
                    if i % 2 == 0 {
                        let r = try await c.createChatCompletion(chatRequest("q\(i) /slow:400", appId: app, chatId: chat))
                        text = try parse(r)["choices"][0]["message"]["content"].stringValue ?? ""
                    } else {
                        var s = ""
                        for try await e in c.streamChatCompletion(chatRequest("q\(i) /slow:400", appId: app, chatId: chat)) {
                            s += e.text ?? ""
                        }
                        text = s
                    }
                    let records = try parse(try await c.getChatRecords(appId: app, chatId: chat))
                    #expect(records["data"]["list"].arrayValue.count == 2)
                    return (i, text)
                }
            }
            var all: [Int: String] = [:]
            for try await (i, text) in group { all[i] = text }
            return all
        }
        #expect(answers.count == n)
        for i in 0..<n { #expect(answers[i] == "You said: q\(i) /slow:400") }
        #expect(elapsed(since: start) < 3.5)
        #expect(try parse(try await c.getChatHistories(appId: app, pageSize: 50))["data"]["total"].intValue == n)
    }

    @Test func blockingCallsStayOffTheCooperativePool() async throws {
        // More stalled C calls than the machine has cores: if they ran on the cooperative
        // pool, the little task below could not run until they end.
        let c = try devClient(headers: ["X-Dev-Fault": "stall-before-headers:3000"])
        let stalled = (0..<(ProcessInfo.processInfo.activeProcessorCount * 2 + 2)).map { _ in
            Task { try await c.getChatInit(appId: newAppId(), chatId: "x") }
        }
        try await sleep(ms: 200)
        let start = Date()
        let quick = Task { () -> Int in
            try await sleep(ms: 20)
            return (1...1000).reduce(0, +)
        }
        #expect(try await quick.value == 500_500)
        #expect(elapsed(since: start) < 1.0)
        for t in stalled { t.cancel() }
        for t in stalled { await #expect(throws: CancellationError.self) { _ = try await t.value } }
    }
}
