// Upload a file into a chat and ask about it: the message part carries both the upload's
// `url` (which the model fetches) and its `key` (from which FastGPT re-signs the URL whenever
// the history is read, so the chat outlives the URL). If the connection drops mid-answer,
// the round is resumed. FASTGPT_BASE_URL, FASTGPT_API_KEY and FASTGPT_APP_ID say which
// FastGPT.
import FastGPT
import Foundation

let env = ProcessInfo.processInfo.environment
let appId = env["FASTGPT_APP_ID"] ?? "65f0000000000000000000aa"  // the app of the API key
// stream_resume: FastGPT (>= 4.14.11, v2 completions) keeps a replay of each streamed round.
let client = try FastGPTClient(options: [
    "api_key": env["FASTGPT_API_KEY"] ?? "fastgpt-dev-key",
    "base_url": env["FASTGPT_BASE_URL"] ?? "http://localhost:3000",
    "completions_api": "v2", "stream_resume": true,
])
let chatId = "swift-\(UUID().uuidString.prefix(8))"

// 1. Upload: the result is {"url", "key", "name", "type", "preview_url"}.
let upload = try FastGPTJSON(parsing: try await client.uploadChatBytes(
    appId: appId, chatId: chatId, fileName: "notes.txt", data: Data("Meeting at 10.".utf8)))
let url = upload["url"].stringValue ?? "", key = upload["key"].stringValue ?? ""

// 2. Ask about it: a file_url part with name, url and key (an image: {"type": "image_url",
//    "image_url": {"url": url}, "key": key}).
let part: [String: Any] = ["type": "file_url", "name": "notes.txt", "url": url, "key": key]
let request: [String: Any] = [
    "appId": appId, "chatId": chatId,
    "messages": [["role": "user", "content": [["type": "text", "text": "What is in this file?"], part]]],
]
let body = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)

// 3. Stream the answer. If the connection drops mid-answer, resume the round: the catch-up
//    replays it from its start, so the whole answer arrives again (hence printed at the end).
func answer(of stream: ChatCompletionStream) async throws -> String {
    var text = ""
    for try await event in stream { text += event.text ?? "" }
    return text
}
let text: String
do {
    text = try await answer(of: client.streamChatCompletion(body))
} catch let e as FastGPTError where [.streamIncomplete, .transport, .timeout].contains(e.code) {
    text = try await answer(of: client.resumeChatCompletion(appId: appId, chatId: chatId))
}
print(text)

// 4. The chat's records keep the file with the question.
let page = try FastGPTJSON(parsing: try await client.getChatRecords(appId: appId, chatId: chatId))
for record in page["data"]["list"].arrayValue {
    let parts = record["value"].arrayValue.compactMap {
        $0["text"]["content"].stringValue ?? $0["file"]["name"].stringValue.map { "[file: \($0)]" }
    }
    print("\(record["obj"].stringValue ?? "?"): \(parts.joined(separator: " "))")
}
