// Streaming: the callback form and the pull form.

import Foundation
import Testing

@testable import FastGPT

@Suite struct StreamingTests {
    @Test func bothFormsGiveTheSameEventsAndResult() async throws {
        let c = try devClient()
        let app = newAppId()
        let item = newItemId()
        let request = chatRequest("compare /tool /reasoning", appId: app, itemId: item, detail: true)

        let fromCallback = Collector<StreamEvent>()
        let callbackResult = try await c.createChatCompletionStream(request) { event in
            fromCallback.append(StreamEvent(event: event.event, data: normalizeIds(event.data), text: event.text))
        }

        let stream = c.streamChatCompletion(request)
        var fromPull: [StreamEvent] = []
        for try await event in stream {
            fromPull.append(StreamEvent(event: event.event, data: normalizeIds(event.data), text: event.text))
        }
        let pullResult = try await stream.result()

        #expect(fromPull.count > 10)
        #expect(fromCallback.all == fromPull)
        #expect(normalizeIds(callbackResult) == normalizeIds(pullResult))

        let result = try parse(callbackResult)
        #expect(result["answer"].stringValue == "You said: compare /tool /reasoning")
        #expect(result["answer"].stringValue == fromPull.compactMap(\.text).joined())
        #expect(result["reasoning"].stringValue == "Let me think.")
        #expect(result["finish_reason"].stringValue == "stop")
        #expect(result["done"].boolValue == true)
        #expect(result["event_count"].intValue == fromPull.count)
        #expect(result["response_chat_item_id"].stringValue == item)
        #expect(result["tool_calls"][0]["params"].stringValue == #"{"q":"x"}"#)
        #expect(fromPull.contains { $0.isDone } && fromPull.last?.event == "flowResponses")
        #expect(fromPull.contains { $0.event == "toolCall" && $0.text == nil })
    }

    @Test func pullFormYieldsTextAsItArrives() async throws {
        // 200 answer chunks (multi-byte text included), read one by one.
        let c = try devClient(headers: ["X-Dev-Fault": "many-events:200"])
        var texts: [String] = []
        let stream = c.streamChatCompletion(chatRequest("many", appId: newAppId()))
        for try await event in stream where event.event == "answer" {
            if let t = event.text, !t.isEmpty { texts.append(t) }
        }
        #expect(texts.count == 200)
        #expect(texts[1] == "中文" && texts[2] == "c🙂")
        let result = try parse(try await stream.result())
        #expect(result["answer"].stringValue == texts.joined())
    }

    @Test func resultBeforeAndDuringIteration() async throws {
        let c = try devClient()
        let stream = c.streamChatCompletion(chatRequest("partial", appId: newAppId()))
        // result() opens the stream; nothing has been read yet.
        #expect(try parse(try await stream.result())["event_count"].intValue == 0)
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        _ = try await iterator.next()
        #expect(try parse(try await stream.result())["event_count"].intValue == 2)
        while try await iterator.next() != nil {}
        #expect(try parse(try await stream.result())["answer"].stringValue == "You said: partial")
        // The end is sticky.
        #expect(try await iterator.next() == nil)
    }

    @Test func callbackErrorStopsTheStreamAndIsRethrown() async throws {
        struct Stop: Error, Equatable { let after: Int }
        let c = try devClient(headers: ["X-Dev-Fault": "many-events:200"])
        let seen = Collector<StreamEvent>()
        do {
            _ = try await c.createChatCompletionStream(chatRequest("throw", appId: newAppId())) { event in
                seen.append(event)
                if let t = event.text, !t.isEmpty { throw Stop(after: seen.count) }
            }
            Issue.record("expected Stop")
        } catch let stop as Stop {
            #expect(stop.after == seen.count)  // no event after the throw
        }
        #expect(seen.count < 5)
    }

    @Test func droppingAPullStreamEarlyClosesIt() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "many-events:5000"])
        let app = newAppId()
        for _ in 0..<5 {
            var n = 0
            for try await _ in c.streamChatCompletion(chatRequest("early", appId: app)) {
                n += 1
                if n == 3 { break }
            }
            #expect(n == 3)
        }
        // The client still works.
        _ = try await c.getChatHistories(appId: app)
    }

    @Test func nothingIsSentBeforeTheFirstIteration() async throws {
        let key = "swift-lazy-\(newItemId())"
        let c = try devClient(headers: ["X-Dev-Fault-Key": key])
        let plain = try devClient()
        func count() async throws -> Int? {
            try parse(try await plain.request(method: "GET", path: "/__dev/count", queryJSON: #"{"key":"\#(key)"}"#))["count"].intValue
        }
        let stream = c.streamChatCompletion(chatRequest("lazy", appId: newAppId()))
        try await sleep(ms: 200)
        #expect(try await count() == 0)
        for try await _ in stream {}
        #expect(try await count() == 1)
    }
}
