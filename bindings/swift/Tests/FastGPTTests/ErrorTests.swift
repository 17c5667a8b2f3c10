// One error of each status class, with the fields of the error JSON they carry.

import Foundation
import Testing

@testable import FastGPT

@Suite struct ErrorTests {
    @Test func everyFieldOfTheErrorJSONIsDecoded() {
        let json = #"""
            {"error":{"status":5,"status_name":"FASTGPT_E_API","message":"Invalid API Key (unAuthApiKey)",
            "message_key":"common:code_error.error_message.514","http_status":401,"api_code":514,
            "status_text":"unAuthApiKey","body":"{\"code\":514}","retry_after_ms":1500,"request_id":"r-1",
            "method":"POST","url":"http://127.0.0.1:1/api/x","attempts":3,"timeout":"idle",
            "partial":{"answer":"ab","done":false},"added_later":true}}
            """#
        let e = FastGPTError(status: 5, json: json)
        #expect(e.code == .api && e.status == 5)
        #expect(e.statusName == "FASTGPT_E_API")
        #expect(e.message == "Invalid API Key (unAuthApiKey)")
        #expect(e.messageKey == "common:code_error.error_message.514")
        #expect(e.httpStatus == 401)
        #expect(e.apiCode == 514)
        #expect(e.statusText == "unAuthApiKey")
        #expect(e.body == #"{"code":514}"#)
        #expect(e.retryAfterMs == 1500)
        #expect(e.requestId == "r-1")
        #expect(e.method == "POST")
        #expect(e.url == "http://127.0.0.1:1/api/x")
        #expect(e.attempts == 3)
        #expect(e.timeout == "idle")
        #expect(e.partialJSON == #"{"answer":"ab","done":false}"#)
        #expect(e.json == json)
        #expect(e.errorDescription == "FASTGPT_E_API: Invalid API Key (unAuthApiKey)")

        // Nulls and a body that is not the error JSON.
        let nulls = FastGPTError(status: 2, json: #"{"error":{"status":2,"status_name":"FASTGPT_E_TRANSPORT","message":"m","http_status":null,"api_code":null,"partial":null}}"#)
        #expect(nulls.httpStatus == nil && nulls.apiCode == nil && nulls.partialJSON == nil && nulls.messageKey == nil)
        let odd = FastGPTError(status: 42, json: "")
        #expect(odd.code == nil && odd.statusName == "unknown")
    }

    @Test func invalidArgument() async throws {
        #expect(throws: FastGPTError.self) { try FastGPTClient(apiKey: "") }
        let unknown = #expect(throws: FastGPTError.self) {
            try FastGPTClient(optionsJSON: #"{"api_key":"k","nope":1}"#)
        }
        #expect(unknown?.code == .invalidArgument)
        #expect(unknown?.message.contains("nope") == true)
        #expect(unknown?.method == nil && unknown?.attempts == 0)

        let c = try devClient()
        let app = newAppId()
        await expectError(.invalidArgument) { _ = try await c.getChatInit(appId: "a\u{0}b", chatId: "x") }
        await expectError(.invalidArgument) { _ = try await c.getChatInit(appId: "", chatId: "x") }
        await expectError(.invalidArgument) { _ = try await c.getChatHistories(appId: app, pageSize: 0) }
        await expectError(.invalidArgument) { _ = try await c.getChatHistories(appId: app, pageSize: Int(Int32.max) + 1) }
        await expectError(.invalidArgument) { _ = try await c.getChatRecords(appId: app, chatId: "c", offset: -1) }
        await expectError(.invalidArgument) { _ = try await c.createChatCompletion("[1]") }
        await expectError(.invalidArgument) { for try await _ in c.streamChatCompletion("not json") {} }
        await expectError(.invalidArgument) { for try await _ in c.streamChatCompletion("{\"a\":\"\u{0}\"}") {} }
        await expectError(.invalidArgument) {
            _ = try await c.getSuggestedQuestions(appId: app, chatId: "c", questionGuideJSON: "[]")
        }
    }

    @Test func transport() async throws {
        // A port nothing listens on (bound, then closed).
        let c = try FastGPTClient(options: ["api_key": devKey, "base_url": "http://127.0.0.1:1", "max_retries": 0])
        let e = await expectError(.transport) { _ = try await c.getChatHistories(appId: newAppId()) }
        #expect(e?.httpStatus == nil)
        #expect(e?.method == "POST")
        #expect(e?.url?.hasSuffix("/api/core/chat/history/getHistories") == true)
        // A reset before the response head, on a stream.
        let reset = try devClient(headers: ["X-Dev-Fault": "reset-before-headers"], ["max_retries": 0])
        await expectError(.transport) { for try await _ in reset.streamChatCompletion(chatRequest("x")) {} }
    }

    @Test func timeout() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "stall-before-headers:3000"], ["timeout_ms": 300])
        let e = await expectError(.timeout) { _ = try await c.getChatInit(appId: newAppId(), chatId: "x") }
        #expect(e?.timeout == "request")
        // Idle timeout mid-stream: the partial result has the answer so far.
        let s = try devClient(headers: ["X-Dev-Fault": "stall-mid-stream:3000"], ["stream_idle_timeout_ms": 300])
        let start = Date()
        let p = await expectError(.timeout) {
            _ = try await s.createChatCompletionStream(chatRequest("idle timeout", appId: newAppId())) { _ in }
        }
        #expect(elapsed(since: start) < 2.5)
        #expect(p?.timeout == "idle")
        let partial = try parse(try #require(p?.partialJSON))
        #expect(partial["answer"].stringValue?.isEmpty == false)
    }

    @Test func http() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "html502"], ["max_retries": 0])
        let e = await expectError(.http) { _ = try await c.getChatInit(appId: newAppId(), chatId: "x") }
        #expect(e?.httpStatus == 502)
        #expect(e?.apiCode == nil)
        #expect(e?.body?.contains("nginx") == true)
        #expect(e?.attempts == 1)
        // The pull stream throws from its first iteration.
        let s = await expectError(.http) { for try await _ in c.streamChatCompletion(chatRequest("x")) {} }
        #expect(s?.httpStatus == 502)
        // A redirect is not followed.
        let r = try devClient(headers: ["X-Dev-Fault": "redirect"])
        let redirect = await expectError(.http) { _ = try await r.getChatInit(appId: newAppId(), chatId: "x") }
        #expect(redirect?.httpStatus == 302)
    }

    @Test func apiWrongKey() async throws {
        let bad = try devClient(headers: ["X-Dev-Errors": "e2"], key: "wrong-key-swift")
        let e = await expectError(.api) { _ = try await bad.getChatHistories(appId: newAppId()) }
        #expect(e?.httpStatus == 500)
        #expect(e?.apiCode == 514)
        #expect(e?.statusText == "unAuthApiKey")
        #expect(e?.body?.contains("unAuthApiKey") == true)
        #expect(e?.method == "POST")
        #expect(e?.attempts == 1)
        #expect(e?.timeout == nil && e?.partialJSON == nil)
        #expect(e?.json.contains("wrong-key-swift") == false)  // the key is never repeated

        // On a stream: the "error" event first, then FastGPTError .api.
        var events: [StreamEvent] = []
        let s = await expectError(.api) {
            for try await event in bad.streamChatCompletion(chatRequest("x")) { events.append(event) }
        }
        #expect(s?.apiCode == 514)
        #expect(s?.partialJSON != nil)
        #expect(events.count == 1 && events.first?.isError == true)
    }

    @Test func apiErrorFrameMidStream() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "error-event"])
        let events = Collector<String>()
        let e = await expectError(.api) {
            _ = try await c.createChatCompletionStream(chatRequest("quota", appId: newAppId())) { events.append($0.event) }
        }
        #expect(e?.apiCode == 510)
        #expect(e?.statusText == "insufficientQuota")
        #expect(events.all.last == "error")
        let partial = try parse(try #require(e?.partialJSON))
        #expect(partial["answer"].stringValue?.isEmpty == false)
    }

    @Test func protocolError() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "garbage-200"])
        let e = await expectError(.protocol) { _ = try await c.getChatInit(appId: newAppId(), chatId: "x") }
        #expect(e?.httpStatus == 200)
        #expect(e?.body == "{not json")
    }

    @Test func streamIncomplete() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "eof-no-done"])
        let stream = c.streamChatCompletion(chatRequest("cut short", appId: newAppId()))
        var texts = ""
        let e = await expectError(.streamIncomplete) {
            for try await event in stream { texts += event.text ?? "" }
        }
        let partial = try parse(try #require(e?.partialJSON))
        #expect(partial["answer"].stringValue == texts)
        #expect(!texts.isEmpty)
        #expect(partial["done"].boolValue == false)
        // Sticky: iterating again fails the same way, and the result is still there.
        #expect(try parse(try await stream.result())["answer"].stringValue == texts)
    }

    @Test func cancelledByToken() async throws {
        let c = try devClient(headers: ["X-Dev-Fault": "stall-mid-stream:5000"])
        let token = try FastGPTCancelToken(deadlineAfterMilliseconds: 250)
        let start = Date()
        await expectError(.cancelled) {
            for try await _ in c.streamChatCompletion(chatRequest("deadline", appId: newAppId()), cancel: token) {}
        }
        #expect(elapsed(since: start) < 2.5)
        // A cancelled token fails at once, without a request.
        let e = await expectError(.cancelled) { _ = try await c.getChatHistories(appId: newAppId(), cancel: token) }
        #expect(e?.attempts == 0 && e?.method == nil)
        // cancel() from another task.
        let t2 = try FastGPTCancelToken()
        let stall = try devClient(headers: ["X-Dev-Fault": "stall-before-headers:5000"])
        Task { try await sleep(ms: 200); t2.cancel() }
        await expectError(.cancelled) { _ = try await stall.getChatInit(appId: newAppId(), chatId: "x", cancel: t2) }
    }
}
