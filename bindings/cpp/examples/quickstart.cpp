// quickstart.cpp: the first program of every libfastgpt binding's README. It streams a chat
// answer, printing the text as it arrives, then lists the chat's records.
//
//   FASTGPT_BASE_URL (default http://localhost:3000), FASTGPT_API_KEY (default the dev
//   server's key), FASTGPT_APP_ID (the key's app; default the dev server's default app)
//
// Build it with CMake (CMakeLists.txt beside this file) after `make install`:
//   cmake -S . -B build -DCMAKE_PREFIX_PATH=/usr/local && cmake --build build
#include <fastgpt.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

static std::string env_or(const char* name, const char* def) {
    const char* v = std::getenv(name);
    return v && *v ? v : def;
}

int main() try {
    const std::string app_id = env_or("FASTGPT_APP_ID", "65f0000000000000000000aa");
    const std::string chat_id =
        "quickstart-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
    fastgpt::Client client(env_or("FASTGPT_API_KEY", "fastgpt-dev-key"),
                           env_or("FASTGPT_BASE_URL", "http://localhost:3000"));

    // 1. Stream a chat: print the answer as it arrives.
    const std::string request = R"({"chatId":)" + fastgpt::json::quote(chat_id) +
                                R"(,"messages":[{"role":"user","content":"Hello! What can you do?"}]})";
    client.create_chat_completion_stream(request, [](const fastgpt::Event& e) {
        if (e.text) std::cout << *e.text << std::flush;
        return true;  // false would stop the stream
    });
    std::cout << "\n";

    // 2. List the chat's records (oldest first): the question and the answer.
    const std::string page = client.get_chat_records(app_id, chat_id, /*offset*/ 0, /*page_size*/ 20);
    for (int i = 0;; ++i) {
        const std::string n = std::to_string(i);
        auto obj = fastgpt::json::get_string(page, {"data", "list", n, "obj"});  // "Human" / "AI"
        if (!obj) break;
        auto id = fastgpt::json::get_string(page, {"data", "list", n, "dataId"}).value_or("");
        for (int j = 0;; ++j) {
            const std::string k = std::to_string(j);
            if (!fastgpt::json::at(page, {"data", "list", n, "value", k})) break;
            if (auto text = fastgpt::json::get_string(page, {"data", "list", n, "value", k, "text", "content"}))
                std::cout << "[" << id << "] " << *obj << ": " << *text << "\n";
        }
    }
    return 0;
} catch (const fastgpt::Error& e) {
    std::cerr << "error: " << e.status_name() << ": " << e.what() << "\n";
    return 1;
}
