// Every operation of include/fastgpt.h, against the dev server.

import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@testable import FastGPT

@Suite struct EndpointTests {
    @Test func versionMatchesHeader() throws {
        try FastGPTVersion.check()
        #expect(FastGPTVersion.runtimeNumber == FastGPTVersion.headerNumber)
        #expect(FastGPTVersion.runtime.hasPrefix("0."))
        #expect(FastGPTVersion.isCompatible(runtime: 1005, header: 1000))
        #expect(!FastGPTVersion.isCompatible(runtime: 2000, header: 1000))
        #expect(FastGPTVersion.isCompatible(runtime: 1_002_000, header: 1_001_000))
        #expect(!FastGPTVersion.isCompatible(runtime: 1_000_000, header: 1_001_000))
    }

    @Test func statusNamesComeFromTheLibrary() {
        for s in FastGPTStatus.allCases {
            #expect(s.name.hasPrefix(s == .ok ? "FASTGPT_OK" : "FASTGPT_E_"))
        }
        #expect(FastGPTStatus.api.name == "FASTGPT_E_API")
        #expect(FastGPTStatus.streamIncomplete.name == "FASTGPT_E_STREAM_INCOMPLETE")
        #expect(FastGPTStatus.name(of: 999) == "unknown")
        #expect(FastGPTStatus.allCases.count == 11)
    }

    @Test func chatHistoriesAndRecordsRoundTrip() async throws {
        let c = try devClient()
        let app = newAppId()
        let chat = newChatId()
        let item = newItemId()

        // A non-streaming completion creates the chat and its two records.
        let completion = try parse(try await c.createChatCompletion(
            chatRequest("hello swift", appId: app, chatId: chat, itemId: item)))
        #expect(completion["choices"][0]["message"]["content"].stringValue == "You said: hello swift")
        #expect(completion["id"].stringValue == chat)

        var page = try parse(try await c.getChatHistories(appId: app, offset: 0, pageSize: 50))
        #expect(page["code"].intValue == 200)
        #expect(page["data"]["list"].arrayValue.map { $0["chatId"].stringValue } == [chat])
        #expect(page["data"]["list"][0]["title"].stringValue == "hello swift")
        page = try parse(try await c.getChatHistories(appId: app, pageSize: 50, source: ""))
        #expect(page["data"]["total"].intValue == 1)

        let initial = try parse(try await c.getChatInit(appId: app, chatId: chat))
        #expect(initial["data"]["chatId"].stringValue == chat)
        #expect(initial["data"]["title"].stringValue == "hello swift")

        let records = try parse(try await c.getChatRecords(appId: app, chatId: chat, loadCustomFeedbacks: true))
        let list = records["data"]["list"].arrayValue
        #expect(list.map { $0["obj"].stringValue } == ["Human", "AI"])
        #expect(list[1]["dataId"].stringValue == item)
        #expect(list[1]["customFeedbacks"] == .array([]))

        let detail = try parse(try await c.getRecordDetail(appId: app, chatId: chat, dataId: item))
        #expect(detail["data"].arrayValue.contains { $0["moduleType"].stringValue == "chatNode" })

        // Rename and pin; the history list shows both.
        _ = try await c.updateChatHistory(appId: app, chatId: chat, customTitle: "Renamed", top: .pin)
        page = try parse(try await c.getChatHistories(appId: app))
        #expect(page["data"]["list"][0]["customTitle"].stringValue == "Renamed")
        #expect(page["data"]["list"][0]["top"].boolValue == true)
        // Neither a title nor a pin change: refused before any request.
        await expectError(.invalidArgument) { _ = try await c.updateChatHistory(appId: app, chatId: chat) }

        // Feedback: set good, then remove both (nil, nil).
        _ = try await c.sendFeedback(appId: app, chatId: chat, dataId: item, userGoodFeedback: "great")
        var ai = try parse(try await c.getChatRecords(appId: app, chatId: chat))["data"]["list"][1]
        #expect(ai["userGoodFeedback"].stringValue == "great")
        _ = try await c.sendFeedback(appId: app, chatId: chat, dataId: item)
        ai = try parse(try await c.getChatRecords(appId: app, chatId: chat))["data"]["list"][1]
        #expect(ai["userGoodFeedback"].isNull)

        let questions = try parse(try await c.getSuggestedQuestions(appId: app, chatId: chat,
                                                                    questionGuideJSON: #"{"open":true}"#))
        #expect(questions["data"].arrayValue.count == 3)
        #expect(questions["data"][0].stringValue?.contains("hello swift") == true)

        // Deleting the AI record, then the chat.
        _ = try await c.deleteChatRecord(appId: app, chatId: chat, contentId: item)
        let left = try parse(try await c.getChatRecords(appId: app, chatId: chat))["data"]["list"].arrayValue
        #expect(left.map { $0["obj"].stringValue } == ["Human"])
        _ = try await c.deleteChatHistory(appId: app, chatId: chat)
        page = try parse(try await c.getChatHistories(appId: app))
        #expect(page["data"]["total"].intValue == 0)
    }

    @Test func clearChatHistoriesDeletesEveryChatOfTheApp() async throws {
        let c = try devClient()
        let app = newAppId()
        for i in 0..<3 {
            _ = try await c.createChatCompletion(chatRequest("q\(i)", appId: app, chatId: newChatId()))
        }
        #expect(try parse(try await c.getChatHistories(appId: app))["data"]["total"].intValue == 3)
        let r = try parse(try await c.clearChatHistories(appId: app))
        #expect(r["code"].intValue == 200)
        #expect(try parse(try await c.getChatHistories(appId: app))["data"]["total"].intValue == 0)
    }

    @Test func appLogsChartAndRawRequest() async throws {
        let c = try devClient()
        let app = newAppId()
        let chart = try parse(try await c.getAppLogsChart(appId: app, dateStart: "2025-01-01T00:00:00Z",
                                                          dateEnd: "2025-01-03T00:00:00Z", optionsJSON: #"{"offset":2}"#))
        #expect(chart["data"]["userData"].arrayValue.count == 3)
        #expect(chart["data"]["request"]["appId"].stringValue == app)
        #expect(chart["data"]["request"]["offset"].intValue == 2)

        let echo = try parse(try await c.request(method: "POST", path: "/api/__dev/echo",
                                                 queryJSON: #"{"q":"a b"}"#, bodyJSON: #"{"x":1}"#))
        #expect(echo["data"]["method"].stringValue == "POST")
        #expect(echo["data"]["query"]["q"].stringValue == "a b")
        #expect(echo["data"]["body"]["x"].intValue == 1)
        #expect(echo["data"]["headers"]["authorization"].stringValue == "Bearer \(devKey)")
    }

    @Test func uploadsFromAFileAndFromBytes() async throws {
        let c = try devClient()
        let app = newAppId()
        let chat = newChatId()
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("fastgpt-swift-\(newItemId()).png")
        try Data(png).write(to: path)
        defer { try? FileManager.default.removeItem(at: path) }

        let file = try parse(try await c.uploadChatFile(appId: app, chatId: chat, filePath: path.path))
        #expect(file["type"].stringValue == "image")
        #expect(file["name"].stringValue == path.lastPathComponent)
        #expect(file["key"].stringValue?.contains(chat) == true)
        #expect(file["url"].stringValue?.hasPrefix("http://127.0.0.1:") == true)

        let text = try parse(try await c.uploadChatBytes(appId: app, chatId: chat, fileName: "notes.txt",
                                                         data: Data("hi".utf8)))
        #expect(text["type"].stringValue == "file")
        #expect(text["name"].stringValue == "notes.txt")
        let typed = try parse(try await c.uploadChatBytes(appId: app, chatId: chat, fileName: "x.bin",
                                                          data: Data(png), contentType: "image/png"))
        #expect(typed["type"].stringValue == "image")

        // The stored object is what was sent.
        let url = try #require(file["url"].stringValue.flatMap(URL.init(string:)))
        let (body, _) = try await URLSession.shared.data(from: url)
        #expect([UInt8](body) == png)

        // A file that cannot be read: nothing is sent.
        await expectError(.invalidArgument) {
            _ = try await c.uploadChatFile(appId: app, chatId: chat, filePath: "/nonexistent/\(newItemId())")
        }
    }

    @Test func jsonValue() throws {
        let v = try FastGPTJSON(parsing: #"{"a":[1,2.5,"x",true,null,{"b":-3}],"s":"\u00e9"}"#)
        #expect(v["a"][0] == .int(1))
        #expect(v["a"][1].doubleValue == 2.5)
        #expect(v["a"][2].stringValue == "x")
        #expect(v["a"][3].boolValue == true)
        #expect(v["a"][4].isNull)
        #expect(v["a"][5]["b"].intValue == -3)
        #expect(v["a"][9].isNull && v["missing"]["deeper"].isNull)
        #expect(v["s"].stringValue == "é")
        #expect(try FastGPTJSON(parsing: v.jsonText) == v)
        #expect(throws: FastGPTError.self) { try FastGPTJSON(parsing: "{not json") }
    }
}
