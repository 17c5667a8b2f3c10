// The first program: stream a chat and print the answer as it arrives, then list the
// chat's records. FASTGPT_BASE_URL, FASTGPT_API_KEY and FASTGPT_APP_ID say which FastGPT.
import FastGPT
import Foundation

let env = ProcessInfo.processInfo.environment
let client = try FastGPTClient(apiKey: env["FASTGPT_API_KEY"] ?? "fastgpt-dev-key",
                               baseURL: env["FASTGPT_BASE_URL"] ?? "http://localhost:3000")
let appId = env["FASTGPT_APP_ID"] ?? "65f0000000000000000000aa"  // the app of the API key
let chatId = "swift-\(UUID().uuidString.prefix(8))"
let request = #"{"chatId":"\#(chatId)","messages":[{"role":"user","content":"Hello from Swift"}]}"#

// 1. Stream the answer: each event's `text` is the next piece of it.
for try await event in client.streamChatCompletion(request) {
    if let text = event.text { FileHandle.standardOutput.write(Data(text.utf8)) }
}
print()

// 2. List the chat's records (the question and the answer).
let page = try FastGPTJSON(parsing: try await client.getChatRecords(appId: appId, chatId: chatId))
for record in page["data"]["list"].arrayValue {
    let text = record["value"].arrayValue.compactMap { $0["text"]["content"].stringValue }.joined()
    print("\(record["obj"].stringValue ?? "?"): \(text)")
}
