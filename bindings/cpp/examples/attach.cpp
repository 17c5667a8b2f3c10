// attach.cpp: upload a file to a chat and ask about it. The upload result's `url` and `key`
// both go into the message part: FastGPT re-signs the URL from the key whenever the history
// is read, so the chat outlives the (short-lived) URL.
//
//   FASTGPT_BASE_URL, FASTGPT_API_KEY, FASTGPT_APP_ID as for quickstart.cpp
//   ./attach [file]          (default: a small text file made here)
#include <fastgpt.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

static std::string env_or(const char* name, const char* def) {
    const char* v = std::getenv(name);
    return v && *v ? v : def;
}

int main(int argc, char** argv) try {
    using fastgpt::json::get_string;
    using fastgpt::json::quote;
    const std::string app_id = env_or("FASTGPT_APP_ID", "65f0000000000000000000aa");
    const std::string chat_id =
        "attach-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    fastgpt::Client client(env_or("FASTGPT_API_KEY", "fastgpt-dev-key"),
                           env_or("FASTGPT_BASE_URL", "http://localhost:3000"));

    // 1. Upload: {"url","key","name","type":"image"|"file","preview_url"}.
    const std::string up = argc > 1 ? client.upload_chat_file(app_id, chat_id, argv[1])
                                    : client.upload_chat_bytes(app_id, chat_id, "notes.txt",
                                                               std::string_view("Meeting at 10:00 in room 4."));
    const std::string url = get_string(up, {"url"}).value_or("");
    const std::string key = get_string(up, {"key"}).value_or("");
    const std::string name = get_string(up, {"name"}).value_or("");
    std::cout << "uploaded " << name << " as " << key << "\n";

    // 2. The message part carries url AND key.
    const std::string part =
        get_string(up, {"type"}) == std::optional<std::string>("image")
            ? R"({"type":"image_url","image_url":{"url":)" + quote(url) + R"(},"key":)" + quote(key) + "}"
            : R"({"type":"file_url","name":)" + quote(name) + R"(,"url":)" + quote(url) + R"(,"key":)" +
                  quote(key) + "}";
    const std::string request = R"({"chatId":)" + quote(chat_id) +
                                R"(,"messages":[{"role":"user","content":[{"type":"text","text":"What does the file say?"},)" +
                                part + "]}]}";
    client.create_chat_completion_stream(request, [](const fastgpt::Event& e) {
        if (e.text) std::cout << *e.text << std::flush;
        return true;
    });
    std::cout << "\n";

    // 3. Later (the URL expires after about an hour): a fresh download URL from the key.
    const std::string fresh = client.get_chat_file_url(app_id, chat_id, key);
    std::cout << "download: " << get_string(fresh, {"data"}).value_or("?") << "\n";
    return 0;
} catch (const fastgpt::Error& e) {
    std::cerr << "error: " << e.status_name() << ": " << e.what() << "\n";
    return 1;
}
