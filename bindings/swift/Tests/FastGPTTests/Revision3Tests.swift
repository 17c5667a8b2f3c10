// The FastGPT 4.14–4.16 chat surface (revision 3 of the C API), against the dev server
// emulating real FastGPT releases (`X-Dev-FastGPT-Version`): stop, resume after a cut stream
// (callback and pull form, Task cancellation), history status, read marks, batch delete,
// cursor-paged records, file URLs, app logs; the `title` of a stream result, readable error
// messages with `message_key`, and the options `stream_resume` and `stream_timeout_ms`.

import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import FastGPT

/// The newest FastGPT release the dev server emulates.
let newest = "4.16.1"

/// A client of the dev server answering as FastGPT `release`.
func releaseClient(_ release: String, headers: [String: String] = [:], _ extra: [String: Any] = [:]) throws -> FastGPTClient {
    var h = headers
    h["X-Dev-FastGPT-Version"] = release
    var o = extra
    if o["retry_delay_ms"] == nil { o["retry_delay_ms"] = 10 }
    return try devClient(headers: h, o)
}

/// Fired once from any thread (a stream callback, a pull loop), awaited by the test.
final class Flag: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1)) }

    func fire() { continuation.yield() }

    /// True once `fire()` was called; false when `seconds` passed first. Call it once.
    func wait(seconds: Double) async -> Bool {
        let c = continuation
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            c.finish()
        }
        defer { timer.cancel() }
        for await _ in stream { return true }
        return false
    }
}

/// ISO-8601 time `seconds` from now.
func iso(_ seconds: Double) -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return f.string(from: Date(timeIntervalSinceNow: seconds))
}

/// The bytes an absolute URL serves (fetched as the model would: no credentials).
func fetch(_ url: String) async throws -> (Int, [UInt8]) {
    let u = try #require(URL(string: url))
    let (body, response) = try await URLSession.shared.data(from: u)
    return ((response as? HTTPURLResponse)?.statusCode ?? 0, [UInt8](body))
}

/// Waits until FastGPT no longer reports `chat` as generating. A round is marked done just
/// after its last byte was sent, so a call right after the stream may still see it running.
func waitUntilDone(_ c: FastGPTClient, app: String, chat: String) async throws {
    let start = Date()
    while elapsed(since: start) < 5 {
        let list = try parse(try await c.getHistoryStatus(appId: app, chatIds: [chat]))["data"]["list"]
        if let s = list[0]["chatGenerateStatus"].intValue, s != 0 { return }
        try await sleep(ms: 20)
    }
    Issue.record("\(chat) still generating after 5 s")
}

@Suite struct Revision3Tests {
    // MARK: stop

    @Test func stopEndsARunningV2Round() async throws {
        let app = newAppId(), chat = newChatId("stop")
        let slow = try releaseClient(newest, headers: ["X-Dev-Chunk-Delay-Ms": "40"], ["completions_api": "v2"])
        let c = try releaseClient(newest)
        let question = "a question long enough for about twenty chunks of answer"
        let answering = Flag()
        let streaming = Task {
            try await slow.createChatCompletionStream(chatRequest(question, appId: app, chatId: chat)) { event in
                if event.event == "answer", event.text?.isEmpty == false { answering.fire() }
            }
        }
        #expect(await answering.wait(seconds: 10))
        let stopped = try parse(try await c.stopChatCompletion(appId: app, chatId: chat))
        #expect(stopped["code"].intValue == 200)
        #expect(stopped["data"]["success"].boolValue == true)
        #expect(stopped["data"]["completed"].boolValue == true, "\(stopped.jsonText)")

        // The stopped round ended with its normal end sequence, its answer cut short.
        let result = try parse(try await streaming.value)
        let answer = try #require(result["answer"].stringValue)
        #expect(!answer.isEmpty && answer.count < "You said: \(question)".count, "\(answer)")
        #expect(result["finish_reason"].stringValue == "stop")
        #expect(result["done"].boolValue == true)

        // A chat that is not generating: nothing to stop.
        let idle = try parse(try await c.stopChatCompletion(appId: app, chatId: newChatId("idle")))
        #expect(idle["data"]["success"].boolValue == true && idle["data"]["completed"].boolValue == true)
    }

    // MARK: resume

    /// A v2 round with `stream_resume`, cut mid-stream by the server; then resumed by another
    /// client. Returns the partial answer the cut stream had.
    func cutRound(_ release: String, app: String, chat: String, question: String, pauseMs: Int,
                  fault: String = "") async throws -> String {
        let cut = try releaseClient(release, headers: ["X-Dev-Fault": "cut-mid-stream:\(pauseMs)\(fault)"],
                                    ["completions_api": "v2", "stream_resume": true, "max_retries": 0])
        let e = await expectError(.streamIncomplete) {
            _ = try await cut.createChatCompletionStream(chatRequest(question, appId: app, chatId: chat, detail: true)) { _ in }
        }
        let partial = try parse(try #require(e?.partialJSON))
        return partial["answer"].stringValue ?? ""
    }

    @Test(arguments: ["4.14.11", newest], [false, true])
    func resumeAfterACutStreamGivesTheWholeAnswer(release: String, pull: Bool) async throws {
        let app = newAppId(), chat = newChatId("cut")
        let question = "a question long enough for a resumed answer"
        let full = "You said: \(question)"
        let partial = try await cutRound(release, app: app, chat: chat, question: question, pauseMs: 1500)
        #expect(!partial.isEmpty && partial.count < full.count, "\(partial)")

        let c = try releaseClient(release)
        var events: [StreamEvent] = []
        let resultText: String
        if pull {
            let stream = c.resumeChatCompletion(appId: app, chatId: chat)
            for try await event in stream { events.append(event) }
            resultText = try await stream.result()
        } else {
            let seen = Collector<StreamEvent>()
            resultText = try await c.resumeChatCompletionStream(appId: app, chatId: chat) { seen.append($0) }
            events = seen.all
        }
        let result = try parse(resultText)
        let names = events.map(\.event)
        let context = "\(release) pull=\(pull): \(names) \(resultText)"
        // The catch-up replays the round from its start: the answer is whole.
        #expect(result["answer"].stringValue == full, "\(context)")
        #expect(result["answer"].stringValue == events.compactMap(\.text).joined(), "\(context)")
        #expect(result["done"].boolValue == true, "\(context)")
        #expect(result["finish_reason"].stringValue == "stop", "\(context)")
        #expect(result["chat_id"].stringValue == chat, "\(context)")
        #expect(result["resume"]["phase"].stringValue == "live", "\(context)")
        #expect(result["resume"]["completed"].boolValue == false, "\(context)")
        #expect(result["resume"]["unavailable_reason"].isNull, "\(context)")
        #expect(events.filter { $0.event == "resumePhase" }.map(\.data) == ["catchup", "live"], "\(context)")
        #expect(names.first == "resumePhase" && names.last == "done", "\(context)")
        #expect(result["event_count"].intValue == events.count, "\(context)")

        // The chat holds the whole answer once the round has ended.
        let records = try parse(try await c.getChatRecords(appId: app, chatId: chat))["data"]["list"].arrayValue
        #expect(records.map { $0["obj"].stringValue } == ["Human", "AI"])
    }

    @Test(arguments: [false, true])
    func taskCancellationStopsAResumedStream(pull: Bool) async throws {
        let app = newAppId(), chat = newChatId("cancel-resume")
        // The round pauses 20 s after the cut, so the resume waits in its live phase.
        _ = try await cutRound(newest, app: app, chat: chat, question: "cancel me while I wait", pauseMs: 20_000)
        let c = try releaseClient(newest)
        let live = Flag()
        let seen = Collector<StreamEvent>()
        let task: Task<Void, any Error>
        if pull {
            task = Task {
                for try await event in c.resumeChatCompletion(appId: app, chatId: chat) {
                    seen.append(event)
                    if event.event == "resumePhase", event.data == "live" { live.fire() }
                }
            }
        } else {
            task = Task {
                _ = try await c.resumeChatCompletionStream(appId: app, chatId: chat) { event in
                    seen.append(event)
                    if event.event == "resumePhase", event.data == "live" { live.fire() }
                }
            }
        }
        #expect(await live.wait(seconds: 10), "\(seen.all.map(\.event))")
        #expect(seen.all.contains { $0.text?.isEmpty == false })  // the catch-up came first
        let start = Date()
        task.cancel()
        do {
            try await task.value
            Issue.record("the resumed stream ended by itself: \(seen.all.map(\.event))")
        } catch is CancellationError {
            #expect(elapsed(since: start) < 3)
        }
        #expect(!seen.all.contains { $0.isDone })
        // End the paused round; the client still works.
        let stop = try releaseClient(newest, headers: ["X-Dev-Stop-Wait-Ms": "100"])
        _ = try await stop.stopChatCompletion(appId: app, chatId: chat)
    }

    @Test func resumeOfAFinishedOrUnknownChat() async throws {
        let app = newAppId(), chat = newChatId("finished"), item = newItemId()
        let v2 = try releaseClient(newest, ["completions_api": "v2", "stream_resume": true])
        _ = try await v2.createChatCompletionStream(chatRequest("all done", appId: app, chatId: chat, itemId: item)) { _ in }

        let c = try releaseClient(newest)
        try await waitUntilDone(c, app: app, chat: chat)
        let seen = Collector<StreamEvent>()
        let fromCallback = try parse(try await c.resumeChatCompletionStream(appId: app, chatId: chat) { seen.append($0) })
        #expect(seen.all.map(\.event) == ["resumeCompleted", "done"])
        #expect(fromCallback["resume"]["completed"].boolValue == true, "\(fromCallback.jsonText)")
        #expect(fromCallback["response_chat_item_id"].stringValue == item, "\(fromCallback.jsonText)")

        let stream = c.resumeChatCompletion(appId: app, chatId: chat)
        var names: [String] = []
        for try await event in stream { names.append(event.event) }
        #expect(names == ["resumeCompleted", "done"])
        #expect(try parse(try await stream.result())["resume"]["completed"].boolValue == true)

        let e = await expectError(.api) {
            _ = try await c.resumeChatCompletionStream(appId: app, chatId: newChatId("unknown")) { _ in }
        }
        #expect(e?.message.contains("Chat not found") == true, "\(e?.json ?? "")")
        await expectError(.invalidArgument) { for try await _ in c.resumeChatCompletion(appId: app, chatId: "") {} }
    }

    @Test func resumeOfARoundWithoutReplaySaysWhy() async throws {
        let app = newAppId(), chat = newChatId("no-mirror")
        _ = try await cutRound(newest, app: app, chat: chat, question: "no mirror here", pauseMs: 300,
                               fault: ",resume-unavailable")
        let c = try releaseClient(newest, headers: ["X-Dev-Heartbeat-Ms": "50"])
        let r = try parse(try await c.resumeChatCompletionStream(appId: app, chatId: chat) { _ in })
        #expect(r["resume"]["unavailable_reason"].stringValue == "memoryPressure", "\(r.jsonText)")
        #expect(r["resume"]["completed"].boolValue == true)
        #expect(r["done"].boolValue == true)
    }

    // MARK: history status, read marks, batch delete

    @Test func historyStatusReadMarksAndBatchDelete() async throws {
        let c = try releaseClient(newest)
        let app = newAppId(), c1 = newChatId("status"), c2 = newChatId("status")
        for chat in [c1, c2] {
            _ = try await c.createChatCompletion(chatRequest("status of \(chat)", appId: app, chatId: chat))
        }
        func status() async throws -> [String: FastGPTJSON] {
            let page = try parse(try await c.getHistoryStatus(appId: app, chatIds: [c1, c2, "unknown-chat"]))
            #expect(page["code"].intValue == 200)
            var byId: [String: FastGPTJSON] = [:]
            for row in page["data"]["list"].arrayValue { byId[row["chatId"].stringValue ?? ""] = row }
            return byId
        }
        var rows = try await status()
        #expect(Set(rows.keys) == [c1, c2])  // unknown ids are left out
        #expect(rows[c1]?["chatGenerateStatus"].intValue == 1)
        #expect(rows[c1]?["hasBeenRead"].boolValue == false)
        #expect(rows[c1]?["updateTime"].stringValue?.isEmpty == false)

        let read = try parse(try await c.markChatRead(appId: app, chatId: c1))
        #expect(read["code"].intValue == 200 && read["data"].isNull)
        rows = try await status()
        #expect(rows[c1]?["hasBeenRead"].boolValue == true)
        #expect(rows[c2]?["hasBeenRead"].boolValue == false)
        // markRead moves the chat to the top of the history list.
        let top = try parse(try await c.getChatHistories(appId: app))["data"]["list"][0]["chatId"]
        #expect(top.stringValue == c1)

        let deleted = try parse(try await c.deleteChatHistories(appId: app, chatIds: [c1, c2]))
        #expect(deleted["code"].intValue == 200)
        #expect(try parse(try await c.getChatHistories(appId: app))["data"]["total"].intValue == 0)
        #expect(try await status().isEmpty)

        // The id lists are checked before anything is sent.
        await expectError(.invalidArgument) { _ = try await c.getHistoryStatus(appId: app, chatIds: []) }
        await expectError(.invalidArgument) {
            _ = try await c.getHistoryStatus(appId: app, chatIds: (0...200).map { "c\($0)" })
        }
        await expectError(.invalidArgument) { _ = try await c.deleteChatHistories(appId: app, chatIds: []) }
        await expectError(.invalidArgument) { _ = try await c.deleteChatHistories(appId: app, chatIds: [""]) }
        await expectError(.invalidArgument) { _ = try await c.markChatRead(appId: app, chatId: "") }
    }

    // MARK: records v2

    @Test func cursorPagedRecords() async throws {
        let c = try releaseClient(newest)
        let app = newAppId(), chat = newChatId("v2")
        let items = (0..<3).map { _ in newItemId() }
        for (i, item) in items.enumerated() {
            _ = try await c.createChatCompletion(chatRequest("round \(i)", appId: app, chatId: chat, itemId: item))
        }
        let page = try parse(try await c.getChatRecordsV2(appId: app, chatId: chat, pageSize: 2))["data"]
        #expect(page["total"].intValue == 6)
        #expect(page["list"].arrayValue.map { $0["obj"].stringValue } == ["Human", "AI"])
        #expect(page["list"][1]["id"].stringValue == items[2])
        #expect(page["hasMorePrev"].boolValue == true && page["hasMoreNext"].boolValue == false)

        // The page before the newest one, by its first record's id.
        let first = try #require(page["list"][0]["id"].stringValue)
        let before = try parse(try await c.getChatRecordsV2(appId: app, chatId: chat, pageSize: 2,
                                                            optionsJSON: #"{"prevId":"\#(first)"}"#))["data"]
        #expect(before["list"][1]["id"].stringValue == items[1], "\(before.jsonText)")
        #expect(before["hasMoreNext"].boolValue == true)

        // An unknown cursor is the server's error; a bad page size never leaves the process.
        let e = await expectError(.api) {
            _ = try await c.getChatRecordsV2(appId: app, chatId: chat, optionsJSON: #"{"prevId":"nope"}"#)
        }
        #expect(e?.message.contains("Prev item not found") == true, "\(e?.json ?? "")")
        await expectError(.invalidArgument) { _ = try await c.getChatRecordsV2(appId: app, chatId: chat, pageSize: 0) }
        await expectError(.invalidArgument) {
            _ = try await c.getChatRecordsV2(appId: app, chatId: chat, optionsJSON: "[1]")
        }
    }

    // MARK: file URLs and the message part

    @Test func fileURLAndAMessagePartWithURLAndKey() async throws {
        let c = try releaseClient(newest)
        let app = newAppId(), chat = newChatId("file")
        let bytes = Data("the notes of the meeting".utf8)
        let upload = try parse(try await c.uploadChatBytes(appId: app, chatId: chat, fileName: "notes.txt", data: bytes))
        let key = try #require(upload["key"].stringValue)
        let url = try #require(upload["url"].stringValue)
        #expect(upload["type"].stringValue == "file")
        // The upload's url is one the model can fetch.
        var (status, body) = try await fetch(url)
        #expect(status == 200 && body == [UInt8](bytes), "\(url)")

        let signed = try parse(try await c.getChatFileURL(appId: app, chatId: chat, key: key))
        let download = try #require(signed["data"].stringValue)
        #expect(download.hasPrefix("http://127.0.0.1:"), "\(download)")
        (status, body) = try await fetch(download)
        #expect(status == 200 && body == [UInt8](bytes), "\(download)")

        // Both url and key go into the message part (FastGPT re-signs the URL from the key).
        let part: [String: Any] = ["type": "file_url", "name": "notes.txt", "url": url, "key": key]
        let request: [String: Any] = ["appId": app, "chatId": chat, "messages": [[
            "role": "user", "content": [["type": "text", "text": "summarise"], part],
        ]]]
        let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let answer = try parse(try await c.createChatCompletion(text))
        #expect(answer["choices"][0]["message"]["content"].stringValue == "You said: summarise [file]")
        let human = try parse(try await c.getChatRecords(appId: app, chatId: chat))["data"]["list"][0]
        #expect(human["value"][1]["file"]["url"].stringValue == url)

        // A key of another chat is refused by FastGPT >= 4.15.
        await expectError(.api) { _ = try await c.getChatFileURL(appId: app, chatId: newChatId("other"), key: key) }
        await expectError(.invalidArgument) { _ = try await c.getChatFileURL(appId: app, chatId: chat, key: "") }
    }

    // MARK: app logs

    @Test func appLogsTotalAndList() async throws {
        let c = try releaseClient(newest)
        let app = newAppId(), chat = newChatId("logs")
        _ = try await c.createChatCompletion(chatRequest("log me", appId: app, chatId: chat))

        let total = try parse(try await c.getAppLogsTotal(appId: app))["data"]
        #expect(total["totalChats"].intValue == 1 && total["totalUsers"].intValue == 1, "\(total.jsonText)")
        #expect(total["totalPoints"].doubleValue != nil)

        let logs = try parse(try await c.getAppLogs(appId: app, dateStart: iso(-3600), dateEnd: iso(3600),
                                                    offset: 0, pageSize: 10, optionsJSON: #"{"sources":["api"]}"#))["data"]
        #expect(logs["total"].intValue == 1, "\(logs.jsonText)")
        #expect(logs["list"][0]["chatId"].stringValue == chat)
        #expect(logs["list"][0]["messageCount"].intValue == 2)
        let earlier = try parse(try await c.getAppLogs(appId: app, dateStart: iso(-7200), dateEnd: iso(-3600)))
        #expect(earlier["data"]["total"].intValue == 0)
        await expectError(.invalidArgument) {
            _ = try await c.getAppLogs(appId: app, dateStart: iso(-60), dateEnd: iso(60), offset: -1)
        }
    }

    // MARK: older releases

    @Test func theNewCallsAre404OnReleasesWithoutThem() async throws {
        let app = newAppId(), chat = newChatId("old")
        // 4.14.0: no stop, no resume, no history status or read marks.
        let old = try releaseClient("4.14.0", ["max_retries": 0])
        for call in [
            { _ = try await old.stopChatCompletion(appId: app, chatId: chat) },
            { _ = try await old.resumeChatCompletionStream(appId: app, chatId: chat) { _ in } },
            { for try await _ in old.resumeChatCompletion(appId: app, chatId: chat) {} },
            { _ = try await old.getHistoryStatus(appId: app, chatIds: [chat]) },
            { _ = try await old.markChatRead(appId: app, chatId: chat) },
            { _ = try await old.deleteChatHistories(appId: app, chatIds: [chat]) },
        ] as [@Sendable () async throws -> Void] {
            let e = await expectError(.http) { try await call() }
            #expect(e?.httpStatus == 404, "\(e?.json ?? "")")
        }
        // 4.14.4 has records v2 at its legacy path only; api_paths "auto" finds it.
        let legacy = try releaseClient("4.14.4", ["api_paths": "auto"])
        let page = try parse(try await legacy.getChatRecordsV2(appId: app, chatId: chat))
        #expect(page["code"].intValue == 200 && page["data"]["total"].intValue == 0, "\(page.jsonText)")
    }

    // MARK: stream result title, readable errors, options

    @Test func streamResultCarriesTheChatTitle() async throws {
        let c = try releaseClient(newest)
        let app = newAppId(), chat = newChatId("title")
        let seen = Collector<StreamEvent>()
        let first = try parse(try await c.createChatCompletionStream(
            chatRequest("hello title", appId: app, chatId: chat, detail: true)) { seen.append($0) })
        #expect(first["title"].stringValue == "hello title", "\(first.jsonText)")
        #expect(seen.all.contains { $0.event == "chatTitle" })
        try await waitUntilDone(c, app: app, chat: chat)
        // FastGPT titles a chat once: the next round has none.
        let second = try parse(try await c.createChatCompletionStream(
            chatRequest("again", appId: app, chatId: chat, detail: true)) { _ in })
        #expect(second["title"].isNull && second.objectValue.keys.contains("title"))
        // The pull form's result has it too.
        let stream = c.streamChatCompletion(chatRequest("pulled title", appId: app, chatId: newChatId("title"), detail: true))
        for try await _ in stream {}
        #expect(try parse(try await stream.result())["title"].stringValue == "pulled title")
    }

    @Test func readableErrorMessagesKeepTheKey() async throws {
        let app = newAppId(), chat = newChatId("errors")
        let wrong = try releaseClient(newest, ["api_key": "fastgpt-wrong", "max_retries": 0])
        let e = await expectError(.api) { _ = try await wrong.getChatInit(appId: app, chatId: chat) }
        #expect(e?.message == "Invalid API Key (unAuthApiKey)", "\(e?.json ?? "")")
        #expect(e?.messageKey == "common:code_error.error_message.514")
        #expect(e?.statusText == "unAuthApiKey" && e?.apiCode == 514)

        // A validation error names the failing field; its message is not a key.
        let c = try releaseClient(newest)
        let invalid = await expectError(.api) { _ = try await c.getChatInit(appId: "0123456789abcdef0123456g", chatId: chat) }
        #expect(invalid?.message.hasPrefix("Data validation error: appId: ") == true, "\(invalid?.json ?? "")")
        #expect(invalid?.messageKey == nil)
        #expect(invalid?.httpStatus == 400)

        // A plain message is kept as sent.
        let plain = await expectError(.api) {
            _ = try await c.sendFeedback(appId: app, chatId: chat, dataId: "no-such-item", userGoodFeedback: "x")
        }
        #expect(plain?.message == "Chat item not found" && plain?.messageKey == nil, "\(plain?.json ?? "")")
    }

    @Test func streamTimeoutBoundsATricklingStream() async throws {
        // One byte every 100 ms defeats the idle timeout; stream_timeout_ms bounds the attempt.
        let c = try devClient(headers: ["X-Dev-Fault": "trickle:100"],
                              ["stream_timeout_ms": 800, "stream_idle_timeout_ms": 5000, "max_retries": 0])
        let start = Date()
        let e = await expectError(.timeout) {
            _ = try await c.createChatCompletionStream(chatRequest("trickle", appId: newAppId())) { _ in }
        }
        #expect(e?.timeout == "request", "\(e?.json ?? "")")
        #expect(elapsed(since: start) < 4)
        #expect(try parse(try #require(e?.partialJSON))["answer"].stringValue?.isEmpty == false)
        // The pull form too.
        await expectError(.timeout) { for try await _ in c.streamChatCompletion(chatRequest("trickle", appId: newAppId())) {} }
    }

    @Test func newOptionsAreTypeChecked() throws {
        _ = try devClient(["stream_resume": true, "stream_timeout_ms": 0, "completions_api": "v2"])
        for bad: [String: Any] in [["stream_resume": 1], ["stream_resume": "yes"], ["stream_timeout_ms": -1],
                                   ["stream_timeout_ms": "10"]] {
            let e = #expect(throws: FastGPTError.self) { _ = try devClient(bad) }
            #expect(e?.code == .invalidArgument, "\(bad)")
            #expect(e?.message.contains(bad.keys.first!) == true, "\(e?.json ?? "")")
        }
    }
}
