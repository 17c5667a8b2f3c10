// chat.cpp: stream a FastGPT answer with the C++ binding; Ctrl-C cancels the answer.
//
//   FASTGPT_BASE_URL  server (default http://localhost:3000)
//   FASTGPT_API_KEY   API key (default: the dev server's key)
//   FASTGPT_APP_ID    optional appId sent with the completion
//
//   chat [question...]        one question (default: "Hello from C++ /reasoning")
//
// Build (from the repository root, after `cargo build --release`):
//   c++ -std=c++17 -Iinclude -Ibindings/cpp bindings/cpp/examples/chat.cpp -o target/cpp/chat
//       target/release/libfastgpt.a -lpthread -ldl -lm
#include "fastgpt.hpp"

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <pthread.h>
#include <signal.h>
#include <string>
#include <thread>

namespace {
std::string env_or(const char* name, const char* def) {
    const char* v = std::getenv(name);
    return v && *v ? v : def;
}
}  // namespace

int main(int argc, char** argv) {
    std::string question;
    for (int i = 1; i < argc; ++i) question += (i > 1 ? " " : "") + std::string(argv[i]);
    if (question.empty()) question = "Hello from C++ /reasoning";

    // SIGINT is handled by a thread that waits for it with sigwait() and cancels the token:
    // fastgpt_cancel_token_cancel is thread-safe but not async-signal-safe, so it must not
    // be called from a signal handler.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread created later

    try {
        fastgpt::check_version();
        namespace json = fastgpt::json;
        fastgpt::Client client = fastgpt::Client::with_options(
            "{\"api_key\":" + json::quote(env_or("FASTGPT_API_KEY", "fastgpt-dev-key")) +
            ",\"base_url\":" + json::quote(env_or("FASTGPT_BASE_URL", "http://localhost:3000")) + "}");

        fastgpt::CancelToken cancel;
        std::thread sigwaiter([&cancel, set] {
            int sig = 0;
            if (sigwait(&set, &sig) == 0 && sig == SIGINT) cancel.cancel();
        });
        sigwaiter.detach();  // lives until the process ends; `cancel` outlives every call below

        std::string request = "{\"messages\":[{\"role\":\"user\",\"content\":" + json::quote(question) +
                              "}],\"detail\":true";
        const std::string app = env_or("FASTGPT_APP_ID", "");
        if (!app.empty()) request += ",\"appId\":" + json::quote(app);
        request += "}";

        std::cout << "> " << question << "\n" << std::flush;
        bool in_reasoning = false;
        const std::string result = client.create_chat_completion_stream(
            request,
            [&](const fastgpt::Event& e) {
                if (e.event == "answer" || e.event == "fastAnswer") {
                    // text holds the answer delta; reasoning arrives in reasoning_content.
                    if (auto r = json::get_string(e.data, {"choices", "0", "delta", "reasoning_content"})) {
                        if (!in_reasoning) std::cout << "(thinking) ";
                        in_reasoning = true;
                        std::cout << *r;
                    }
                    if (e.text && !e.text->empty()) {
                        if (in_reasoning) std::cout << "\n";
                        in_reasoning = false;
                        std::cout << *e.text;
                    }
                    std::cout << std::flush;
                } else if (e.event == "flowNodeStatus") {
                    if (auto name = json::get_string(e.data, {"name"})) std::cerr << "[" << *name << "]\n";
                }
                return true;  // false would stop the stream (fastgpt::Error, Status::Aborted)
            },
            cancel);
        std::cout << "\n";
        std::cerr << "finish_reason=" << json::get_string(result, {"finish_reason"}).value_or("null")
                  << " events=" << json::get_int(result, {"event_count"}).value_or(0)
                  << " dataId=" << json::get_string(result, {"response_chat_item_id"}).value_or("") << "\n";
        return 0;
    } catch (const fastgpt::Error& e) {
        std::cout << "\n";
        if (e.code() == fastgpt::Status::Cancelled) {
            std::cerr << "cancelled\n";
            return 130;
        }
        std::cerr << "error " << e.status_name() << ": " << e.what();
        if (e.http_status()) std::cerr << " (HTTP " << *e.http_status() << ")";
        if (e.api_code()) std::cerr << " (code " << *e.api_code() << ")";
        std::cerr << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
}
