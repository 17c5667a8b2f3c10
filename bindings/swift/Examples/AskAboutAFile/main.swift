// Upload a file into a chat and ask about it: the message part carries both the upload's
// `url` (which the model fetches) and its `key` (from which FastGPT re-signs the URL whenever
// the history is read, so the chat outlives the URL). Then, as after a dropped connection,
// pick the chat's stream up again with resumeChatCompletion. FASTGPT_BASE_URL,
// FASTGPT_API_KEY and FASTGPT_APP_ID say which FastGPT.
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
for try await event in client.streamChatCompletion(body) {
    if let text = event.text { FileHandle.standardOutput.write(Data(text.utf8)) }
}
print()

// 3. Resume the chat's stream (after a disconnect this replays the round and goes on live;
//    the round has ended here, so FastGPT answers with the chat's final state).
let resumed = client.resumeChatCompletion(appId: appId, chatId: chatId)
for try await event in resumed { print("resume event:", event.event) }
let result = try FastGPTJSON(parsing: try await resumed.result())
print("resume completed:", result["resume"]["completed"].boolValue ?? false)
