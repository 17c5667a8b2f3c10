// Tests of fastgpt.hpp against the bundled dev server.
//
//   c++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -Ibindings/cpp
//       bindings/cpp/test_fastgpt.cpp target/release/libfastgpt.a -lpthread -ldl -lm
//   ./a.out [path/to/fastgpt-devserver] [name-filter]
//
// The dev server is started from here (fork/exec, `--chunk-delay-ms 0 --exit-on-stdin-eof`)
// unless FASTGPT_TEST_URL is set. Prints "N passed, N failed"; exit status 0 when all passed.
#include "fastgpt.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// ------------------------------------------------------------------ mini test framework

struct TestCase {
    const char* name;
    void (*fn)();
};
std::vector<TestCase>& registry() {
    static std::vector<TestCase> r;
    return r;
}
struct Register {
    Register(const char* n, void (*f)()) { registry().push_back({n, f}); }
};
int g_case_failures = 0;

#define TEST(name)                                   \
    void test_##name();                              \
    const Register reg_##name(#name, &test_##name); \
    void test_##name()

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            ++g_case_failures;                                                             \
            std::cerr << "    CHECK failed at line " << __LINE__ << ": " #cond << "\n";    \
        }                                                                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        const auto& va_ = (a);                                                             \
        const auto& vb_ = (b);                                                             \
        if (!(va_ == vb_)) {                                                               \
            ++g_case_failures;                                                             \
            std::cerr << "    CHECK_EQ failed at line " << __LINE__ << ": " #a " == " #b   \
                      << "\n      left:  " << show(va_) << "\n      right: " << show(vb_)  \
                      << "\n";                                                             \
        }                                                                                  \
    } while (0)

#define REQUIRE(cond)                                                                      \
    do {                                                                                   \
        if (!(cond)) throw std::runtime_error("REQUIRE failed: " #cond);                   \
    } while (0)

// Runs `expr`, which must throw fastgpt::Error with status `st`; binds it to `e` for checks.
#define EXPECT_ERROR(st, expr, e, ...)                                                     \
    do {                                                                                   \
        bool thrown_ = false;                                                              \
        try {                                                                              \
            (void)(expr);                                                                  \
        } catch (const fastgpt::Error& e) {                                                \
            thrown_ = true;                                                                \
            if (e.status() != (st)) {                                                      \
                ++g_case_failures;                                                         \
                std::cerr << "    line " << __LINE__ << ": expected "                      \
                          << fastgpt::status_name(st) << ", got " << e.status_name()       \
                          << ": " << e.json() << "\n";                                     \
            } else {                                                                       \
                __VA_ARGS__;                                                               \
            }                                                                              \
        }                                                                                  \
        if (!thrown_) {                                                                    \
            ++g_case_failures;                                                             \
            std::cerr << "    line " << __LINE__ << ": expected fastgpt::Error "           \
                      << fastgpt::status_name(st) << ", nothing thrown\n";                 \
        }                                                                                  \
    } while (0)

[[maybe_unused]] std::string show(const std::string& s) { return "\"" + s + "\""; }
[[maybe_unused]] std::string show(const char* s) { return s ? show(std::string(s)) : "(null)"; }
[[maybe_unused]] std::string show(long long v) { return std::to_string(v); }
[[maybe_unused]] std::string show(int v) { return std::to_string(v); }
[[maybe_unused]] std::string show(unsigned long v) { return std::to_string(v); }
[[maybe_unused]] std::string show(bool v) { return v ? "true" : "false"; }
template <class T>
[[maybe_unused]] std::string show(const std::optional<T>& o) {
    if (!o) return "nullopt";
    std::ostringstream os;
    os << show(*o);
    return os.str();
}
[[maybe_unused]] std::string show(const fastgpt::Event& e) {
    return "{" + e.event + ", " + e.data + ", " + show(e.text) + "}";
}
[[maybe_unused]] std::string show(const std::vector<fastgpt::Event>& v) { return std::to_string(v.size()) + " events"; }

// ------------------------------------------------------------------ dev server

const char* const DEV_KEY = "fastgpt-dev-key";
std::string g_url;
pid_t g_server_pid = -1;
int g_server_stdin = -1;

bool start_server(const std::string& bin) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return false;
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execl(bin.c_str(), bin.c_str(), "--chunk-delay-ms", "0", "--heartbeat-ms", "200",
              "--exit-on-stdin-eof", static_cast<char*>(nullptr));
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFD, FD_CLOEXEC);
    g_server_pid = pid;
    g_server_stdin = in[1];
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    const std::string prefix = "listening on ";
    if (line.compare(0, prefix.size(), prefix) != 0) {
        std::cerr << "dev server did not start (" << bin << "): '" << line << "'\n";
        return false;
    }
    g_url = line.substr(prefix.size());
    return true;
}

void stop_server() {
    if (g_server_stdin >= 0) close(g_server_stdin);  // --exit-on-stdin-eof
    if (g_server_pid > 0) {
        int st = 0;
        for (int i = 0; i < 100; ++i) {
            if (waitpid(g_server_pid, &st, WNOHANG) == g_server_pid) return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill(g_server_pid, SIGTERM);
        waitpid(g_server_pid, &st, 0);
    }
}

// ------------------------------------------------------------------ helpers

using fastgpt::Client;
using fastgpt::Error;
using fastgpt::Event;
namespace json = fastgpt::json;

const char* const APP = "65f00000000000000000c0de";

double now_ms() {
    using namespace std::chrono;
    return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

std::string uniq(const std::string& prefix) {
    static int n = 0;
    return prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++n);
}

// 24 alphanumerics for responseChatItemId.
std::string uniq_item() {
    static int n = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "cpp%08dx%012d", static_cast<int>(getpid()) % 100000000, ++n);
    return std::string(buf).substr(0, 24);
}

// {"api_key":KEY,"base_url":URL,<extra>}
Client client(const std::string& extra = "", const std::string& key = DEV_KEY) {
    return Client::with_options("{\"api_key\":" + json::quote(key) + ",\"base_url\":" +
                                json::quote(g_url) + (extra.empty() ? "" : "," + extra) + "}");
}

Client fault_client(const std::string& fault, const std::string& extra = "") {
    return client("\"headers\":{\"X-Dev-Fault\":" + json::quote(fault) + "}" +
                  (extra.empty() ? "" : "," + extra));
}

std::string chat_request(const std::string& question, const std::string& chat_id = "",
                         const std::string& item_id = "", bool detail = false) {
    std::string r = "{\"messages\":[{\"role\":\"user\",\"content\":" + json::quote(question) + "}]";
    if (!chat_id.empty()) r += ",\"chatId\":" + json::quote(chat_id);
    if (!item_id.empty()) r += ",\"responseChatItemId\":" + json::quote(item_id);
    if (detail) r += ",\"detail\":true";
    return r + ",\"appId\":\"" + APP + "\"}";
}

// Node responses carry a random 12-character "id" per run; blank those out for comparisons.
std::string normalize_ids(std::string s) {
    const std::string key = "\"id\":\"";
    for (std::size_t p = s.find(key); p != std::string::npos; p = s.find(key, p + 1)) {
        const std::size_t v = p + key.size();
        std::size_t e = v;
        while (e < s.size() && std::isalnum(static_cast<unsigned char>(s[e]))) ++e;
        if (e - v == 12 && e < s.size() && s[e] == '"') s.replace(v, 12, "############");
    }
    return s;
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

struct Collected {
    std::vector<Event> events;
    std::string result;
};

Collected run_callback(const Client& c, const std::string& req) {
    Collected col;
    col.result = c.create_chat_completion_stream(req, [&](const Event& e) {
        col.events.push_back(e);
        col.events.back().data = normalize_ids(e.data);
        return true;
    });
    col.result = normalize_ids(col.result);
    return col;
}

Collected run_pull(const Client& c, const std::string& req) {
    Collected col;
    fastgpt::Stream s = c.open_stream(req);
    for (const Event& e : s) {
        col.events.push_back(e);
        col.events.back().data = normalize_ids(e.data);
    }
    col.result = normalize_ids(s.result());
    return col;
}

// ================================================================== tests

TEST(json_helper) {
    const std::string j =
        R"({"a":{"b":[1,{"c":"x\"y\\z\/\n\u00e9\ud83d\ude00\ud800"}],"n":-12,"big":9223372036854775807},)"
        R"( "k\"ey":true, "e":"", "nul":null, "f":1.5, "a2":"last"})";
    CHECK_EQ(json::get_string(j, {"a", "b", "1", "c"}),
             std::optional<std::string>("x\"y\\z/\n\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd"));
    CHECK_EQ(json::get_int(j, {"a", "n"}), std::optional<long long>(-12));
    CHECK_EQ(json::get_int(j, {"a", "big"}), std::optional<long long>(9223372036854775807LL));
    CHECK(!json::get_int(j, {"f"}));
    CHECK(json::at(j, {"k\"ey"}).value_or("") == "true");
    CHECK_EQ(json::get_string(j, {"e"}), std::optional<std::string>(""));
    CHECK(json::is_null(json::at(j, {"nul"})));
    CHECK(json::is_null(json::at(j, {"missing"})));
    CHECK(!json::get_string(j, {"nul"}));
    CHECK_EQ(json::get_int(j, {"a", "b", "0"}), std::optional<long long>(1));
    CHECK(!json::at(j, {"a", "b", "2"}));
    CHECK(!json::at("{\"a\":", {"a"}));
    CHECK(!json::at("[1,2", {"0", "x"}));
    // A key inside a nested string must not match at the top level.
    CHECK(!json::at(R"({"x":"\"error\":1"})", {"error"}));
    CHECK_EQ(json::quote("a\"b\\c\n\x01"), std::string(R"("a\"b\\c\n\u0001")"));
    CHECK_EQ(json::decode_string(json::quote("round \t trip \x1f \xe4\xbd\xa0")),
             std::optional<std::string>("round \t trip \x1f \xe4\xbd\xa0"));
}

TEST(version_check) {
    fastgpt::check_version();
    CHECK_EQ(fastgpt::version_number(), FASTGPT_VERSION_NUMBER);
    const std::string v = std::to_string(FASTGPT_VERSION_MAJOR) + "." +
                          std::to_string(FASTGPT_VERSION_MINOR) + "." +
                          std::to_string(FASTGPT_VERSION_PATCH);
    CHECK(fastgpt::version().compare(0, v.size(), v) == 0);
    CHECK(fastgpt::version_compatible(1000, 1000));
    CHECK(fastgpt::version_compatible(1005, 1000));
    CHECK(!fastgpt::version_compatible(2000, 1000));
    CHECK(!fastgpt::version_compatible(0, 1000));
    CHECK(fastgpt::version_compatible(1002000, 1001000));
    CHECK(!fastgpt::version_compatible(1000000, 1001000));
    CHECK(!fastgpt::version_compatible(2000000, 1001000));
    CHECK_EQ(std::string(fastgpt::status_name(FASTGPT_E_API)), std::string("FASTGPT_E_API"));
}

TEST(client_construction_errors) {
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, Client(""), e, {
        CHECK_EQ(e.status_name(), std::string("FASTGPT_E_INVALID_ARGUMENT"));
        CHECK(e.code() == fastgpt::Status::InvalidArgument);
        CHECK(!e.http_status());
        CHECK(std::string(e.what()).size() > 0);
    });
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT,
                 Client::with_options("{\"api_key\":\"k\",\"tiemout_ms\":5}"), e,
                 { CHECK(contains(e.message(), "tiemout_ms")); });
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, Client::with_options("not json"), e, {});
    // Embedded NUL: refused by the binding, nothing sent.
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, Client(std::string("ab\0cd", 5)), e,
                 { CHECK(contains(e.json(), "NUL")); CHECK(!e.api_code()); });
    Client ok("k");  // default base URL; no I/O
    CHECK(static_cast<bool>(ok));
}

TEST(move_semantics) {
    static_assert(!std::is_copy_constructible_v<Client>, "Client must not be copyable");
    static_assert(!std::is_copy_assignable_v<Client>, "Client must not be copyable");
    static_assert(std::is_nothrow_move_constructible_v<Client>, "Client must be movable");
    static_assert(std::is_nothrow_move_assignable_v<Client>, "Client must be movable");
    static_assert(!std::is_copy_constructible_v<fastgpt::Stream>, "");
    static_assert(std::is_nothrow_move_constructible_v<fastgpt::Stream>, "");
    static_assert(!std::is_copy_constructible_v<fastgpt::CancelToken>, "");
    static_assert(std::is_nothrow_move_constructible_v<fastgpt::CancelToken>, "");

    Client a = client();
    const fastgpt_client* h = a.get();
    Client b = std::move(a);
    CHECK(!a);  // NOLINT(bugprone-use-after-move)
    CHECK(b.get() == h);
    CHECK(contains(b.get_chat_histories(APP), "\"code\":200"));
    // A moved-from client is empty: calls fail cleanly with INVALID_ARGUMENT.
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, a.get_chat_histories(APP), e, {});  // NOLINT
    // Move assignment frees the target's old handle (ASan/valgrind would see a leak).
    Client c2 = client();
    c2 = std::move(b);
    CHECK(c2.get() == h);
    CHECK(contains(c2.request("GET", "/api/__dev/echo"), "\"method\":\"GET\""));
    std::vector<Client> v;
    v.push_back(client());
    v.push_back(std::move(c2));
    v.emplace_back(client());
    for (const Client& c : v) CHECK(contains(c.get_chat_histories(APP), "\"code\":200"));
    // release/adopt round trip
    fastgpt_client* raw = v[0].release();
    Client adopted = Client::adopt(raw);
    CHECK(adopted.get() == raw);

    // Streams and tokens move too.
    fastgpt::CancelToken t1;
    fastgpt::CancelToken t2 = std::move(t1);
    CHECK(!t1 && t2);  // NOLINT
    fastgpt::Stream s1 = adopted.open_stream(chat_request("move me"));
    fastgpt::Stream s2 = std::move(s1);
    CHECK(!s1 && s2);  // NOLINT
    fastgpt::Stream s3;
    s3 = std::move(s2);
    std::string text;
    for (const Event& e : s3)
        if (e.text) text += *e.text;
    CHECK_EQ(text, std::string("You said: move me"));
}

TEST(every_endpoint) {
    const Client c = client();
    const std::string chat = uniq("chat");
    const std::string item = uniq_item();

    // non-streaming completion
    std::string r = c.create_chat_completion(chat_request("hello endpoints", chat, item));
    CHECK_EQ(json::get_string(r, {"choices", "0", "message", "content"}),
             std::optional<std::string>("You said: hello endpoints"));
    CHECK_EQ(json::get_string(r, {"id"}), std::optional<std::string>(chat));

    r = c.get_chat_histories(APP, 0, 50);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    CHECK(contains(r, chat));
    r = c.get_chat_histories(APP, 0, 50, std::string(""));
    CHECK(contains(r, chat));

    r = c.get_chat_init(APP, chat);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    CHECK(contains(r, "hello endpoints"));

    r = c.get_chat_records(APP, chat, 0, 10, true);
    CHECK_EQ(json::get_int(r, {"data", "total"}), std::optional<long long>(2));
    CHECK_EQ(json::get_string(r, {"data", "list", "1", "dataId"}), std::optional<std::string>(item));
    CHECK(contains(r, "customFeedbacks"));

    r = c.get_record_detail(APP, chat, item);
    CHECK(contains(r, "chatNode"));

    r = c.update_chat_history(APP, chat, std::string("Renamed \"title\""), fastgpt::Pin::Pin);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    r = c.get_chat_histories(APP, 0, 50);
    CHECK(contains(r, "Renamed \\\"title\\\""));
    r = c.update_chat_history(APP, chat, std::nullopt, fastgpt::Pin::Unpin);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.update_chat_history(APP, chat, std::nullopt), e, {});

    r = c.send_feedback(APP, chat, item, std::string("great"), std::nullopt);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    r = c.get_chat_records(APP, chat);
    CHECK_EQ(json::get_string(r, {"data", "list", "1", "userGoodFeedback"}),
             std::optional<std::string>("great"));

    r = c.get_suggested_questions(APP, chat);
    CHECK(contains(std::string(json::at(r, {"data"}).value_or("")), "hello endpoints"));
    r = c.get_suggested_questions(APP, chat, std::string("{\"open\":true}"));
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));

    r = c.get_app_logs_chart(APP, "2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z",
                             std::string("{\"offset\":2}"));
    CHECK_EQ(json::get_int(r, {"data", "request", "offset"}), std::optional<long long>(2));
    CHECK_EQ(json::get_string(r, {"data", "request", "appId"}), std::optional<std::string>(APP));

    r = c.request("POST", "/api/__dev/echo", std::string("{\"q\":\"a b\",\"n\":3}"),
                  std::string("{\"x\":[1,2]}"));
    CHECK_EQ(json::get_string(r, {"data", "query", "q"}), std::optional<std::string>("a b"));
    CHECK_EQ(json::get_string(r, {"data", "query", "n"}), std::optional<std::string>("3"));
    CHECK_EQ(json::get_int(r, {"data", "body", "x", "1"}), std::optional<long long>(2));
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.request("PATCH", "/api/x"), e, {});

    // uploads: a file on disk and bytes from memory
    const std::string path = "/tmp/fastgpt-cpp-test-" + std::to_string(getpid()) + ".png";
    const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(png), sizeof png);
    }
    r = c.upload_chat_file(APP, chat, path);
    std::remove(path.c_str());
    CHECK_EQ(json::get_string(r, {"type"}), std::optional<std::string>("image"));
    CHECK(contains(json::get_string(r, {"name"}).value_or(""), "fastgpt-cpp-test-"));
    CHECK(contains(json::get_string(r, {"key"}).value_or(""), chat));
    r = c.upload_chat_bytes(APP, chat, "notes.txt", std::string_view("hello bytes"));
    CHECK_EQ(json::get_string(r, {"type"}), std::optional<std::string>("file"));
    CHECK_EQ(json::get_string(r, {"name"}), std::optional<std::string>("notes.txt"));
    r = c.upload_chat_bytes(APP, chat, "pic.bin", std::vector<unsigned char>(png, png + sizeof png),
                            std::string("image/png"));
    CHECK_EQ(json::get_string(r, {"type"}), std::optional<std::string>("image"));
    r = c.upload_chat_bytes(APP, chat, "raw.dat", png, sizeof png);
    CHECK(json::get_string(r, {"url"}).has_value());
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.upload_chat_file(APP, chat, "/nonexistent/file.png"), e, {});
    const std::string uploads = c.request("GET", "/__dev/uploads");
    CHECK(contains(uploads, "notes.txt"));

    // deletions
    r = c.delete_chat_record(APP, chat, item);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    r = c.get_chat_records(APP, chat);
    CHECK_EQ(json::get_int(r, {"data", "total"}), std::optional<long long>(1));
    r = c.delete_chat_history(APP, chat);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    CHECK(!contains(c.get_chat_histories(APP, 0, 100), chat));

    const std::string chat2 = uniq("chat2");
    c.create_chat_completion(chat_request("second", chat2));
    CHECK(contains(c.get_chat_histories(APP, 0, 100), chat2));
    r = c.clear_chat_histories(APP);
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    CHECK_EQ(json::get_int(c.get_chat_histories(APP, 0, 100), {"data", "total"}),
             std::optional<long long>(0));
}

TEST(stream_forms_identical) {
    const Client c = client();
    for (const char* q : {"compare /tool /reasoning", "plain compare", "/select please", "/cjk"}) {
        const bool detail = std::strcmp(q, "plain compare") != 0;
        const std::string item = uniq_item();
        const std::string req = chat_request(q, "", item, detail);
        const Collected a = run_callback(c, req);
        const Collected b = run_pull(c, req);
        CHECK(a.events.size() > 3);
        CHECK_EQ(a.events.size(), b.events.size());
        CHECK(a.events == b.events);
        for (std::size_t i = 0; i < a.events.size() && i < b.events.size(); ++i)
            if (a.events[i] != b.events[i]) {
                std::cerr << "    event " << i << ": " << show(a.events[i]) << " vs "
                          << show(b.events[i]) << "\n";
                break;
            }
        CHECK_EQ(a.result, b.result);
        CHECK_EQ(json::get_string(a.result, {"response_chat_item_id"}), std::optional<std::string>(item));
        CHECK_EQ(json::get_int(a.result, {"event_count"}),
                 std::optional<long long>(static_cast<long long>(a.events.size())));
        CHECK(a.events.back().is_done() || a.events.back().event == "flowResponses");
        std::string joined;
        for (const Event& e : a.events)
            if (e.text) joined += *e.text;
        CHECK_EQ(json::get_string(a.result, {"answer"}), std::optional<std::string>(joined));
    }
    // text is nullopt for non-answer events and set for answer events
    const Collected d = run_pull(c, chat_request("t", "", "", true));
    bool saw_status = false;
    for (const Event& e : d.events) {
        if (e.event == "flowNodeStatus") {
            saw_status = true;
            CHECK(!e.text);
        }
        if (e.event == "answer") CHECK(e.text.has_value());
        if (e.is_done()) {
            CHECK_EQ(e.data, std::string("[DONE]"));
            CHECK(!e.text);
        }
    }
    CHECK(saw_status);
    // An empty callback still accumulates the result.
    const std::string r = c.create_chat_completion_stream(chat_request("nobody listens"), nullptr);
    CHECK_EQ(json::get_string(r, {"answer"}), std::optional<std::string>("You said: nobody listens"));
}

TEST(pull_stream_next_and_range) {
    const Client c = client();
    fastgpt::Stream s = c.open_stream(chat_request("range for"));
    std::string text;
    std::size_t n = 0;
    // Manual next() for the first event, then range-for for the rest.
    std::optional<Event> first = s.next();
    REQUIRE(first.has_value());
    ++n;
    if (first->text) text += *first->text;
    for (const Event& e : s) {
        ++n;
        if (e.text) text += *e.text;
    }
    CHECK(s.finished());
    CHECK_EQ(text, std::string("You said: range for"));
    const std::string res = s.result();
    CHECK_EQ(json::get_int(res, {"event_count"}), std::optional<long long>(static_cast<long long>(n)));
    CHECK_EQ(json::get_string(res, {"finish_reason"}), std::optional<std::string>("stop"));
    // The end is sticky.
    CHECK(!s.next().has_value());
    CHECK(s.begin() == s.end());
    // std algorithms work on the input range
    fastgpt::Stream s2 = c.open_stream(chat_request("count me"));
    const auto dist = std::distance(s2.begin(), s2.end());
    CHECK(dist > 3);
    // A client freed while its stream is alive: the stream keeps working (§4.1).
    fastgpt::Stream s3;
    {
        Client tmp = client();
        s3 = tmp.open_stream(chat_request("outlive"));
    }
    std::string t3;
    for (const Event& e : s3)
        if (e.text) t3 += *e.text;
    CHECK_EQ(t3, std::string("You said: outlive"));
}

TEST(error_e2_envelope_wrong_key) {
    const Client bad = client("\"headers\":{\"X-Dev-Errors\":\"e2\"}", "wrong-key-XYZ");
    EXPECT_ERROR(FASTGPT_E_API, bad.get_chat_histories(APP), e, {
        CHECK_EQ(e.status_name(), std::string("FASTGPT_E_API"));
        CHECK(e.code() == fastgpt::Status::Api);
        CHECK_EQ(e.http_status(), std::optional<int>(500));
        CHECK_EQ(e.api_code(), std::optional<long long>(514));
        CHECK_EQ(e.api_code_json(), std::optional<std::string>("514"));
        CHECK_EQ(e.status_text(), std::optional<std::string>("unAuthApiKey"));
        // Revision 3: the i18n key moved to message_key; message is its English text.
        CHECK_EQ(e.message_key(), std::optional<std::string>("common:code_error.error_message.514"));
        CHECK_EQ(e.message(), std::string("Invalid API Key (unAuthApiKey)"));
        CHECK(contains(e.body().value_or(""), "unAuthApiKey"));
        CHECK_EQ(e.method(), std::optional<std::string>("POST"));
        CHECK(contains(e.url().value_or(""), "/api/core/chat/history/getHistories"));
        CHECK_EQ(e.attempts(), std::optional<int>(1));
        CHECK(!e.timeout());
        CHECK(!e.partial());
        CHECK(!e.retry_after_ms());
        CHECK(!contains(e.json(), "wrong-key-XYZ"));
        CHECK(contains(e.json(), "\"error\""));
    });
    // E2 validation error: an envelope code 400 inside HTTP 500
    EXPECT_ERROR(FASTGPT_E_API, client().get_chat_histories("not-hex"), e, {
        CHECK_EQ(e.http_status(), std::optional<int>(500));
        CHECK_EQ(e.api_code(), std::optional<long long>(400));
    });
    // E3 carries x-request-id
    const Client e3 = client("\"headers\":{\"X-Dev-Errors\":\"e3\"}", "wrong-key-E3");
    EXPECT_ERROR(FASTGPT_E_API, e3.get_chat_init(APP, "x"), e, {
        CHECK_EQ(e.http_status(), std::optional<int>(401));
        CHECK_EQ(e.api_code(), std::optional<long long>(514));
        CHECK(!e.request_id().value_or("").empty());
    });
}

TEST(error_wrong_key_on_streams) {
    const Client bad = client("", "wrong-key-stream");
    // Callback form: the "error" event is delivered, then Error(API, 514).
    std::vector<Event> seen;
    EXPECT_ERROR(FASTGPT_E_API,
                 bad.create_chat_completion_stream(chat_request("x"),
                                                   [&](const Event& ev) {
                                                       seen.push_back(ev);
                                                       return true;
                                                   }),
                 e, {
                     CHECK_EQ(e.api_code(), std::optional<long long>(514));
                     CHECK_EQ(e.status_text(), std::optional<std::string>("unAuthApiKey"));
                     CHECK_EQ(e.http_status(), std::optional<int>(200));
                     CHECK(e.partial().has_value());
                 });
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].is_error());
    CHECK(contains(seen[0].data, "514"));
    // Pull form: an "error" event first, then Error(API).
    fastgpt::Stream s = bad.open_stream(chat_request("x"));
    std::optional<Event> ev = s.next();
    REQUIRE(ev.has_value());
    CHECK(ev->is_error());
    CHECK(*ev == seen[0]);
    EXPECT_ERROR(FASTGPT_E_API, s.next(), e, { CHECK_EQ(e.api_code(), std::optional<long long>(514)); });
    // sticky
    EXPECT_ERROR(FASTGPT_E_API, s.next(), e, {});
    // range-for throws too
    fastgpt::Stream s2 = bad.open_stream(chat_request("x"));
    int n = 0;
    EXPECT_ERROR(FASTGPT_E_API, [&] { for (const Event& x : s2) n += x.is_error() ? 1 : 100; }(), e, {});
    CHECK_EQ(n, 1);
}

TEST(error_html502) {
    const Client c = fault_client("html502", "\"max_retries\":0");
    EXPECT_ERROR(FASTGPT_E_HTTP, c.get_chat_histories(APP), e, {
        CHECK_EQ(e.status_name(), std::string("FASTGPT_E_HTTP"));
        CHECK_EQ(e.http_status(), std::optional<int>(502));
        CHECK(!e.api_code());
        CHECK(!e.api_code_json());
        CHECK(contains(e.body().value_or(""), "nginx"));
        CHECK_EQ(e.attempts(), std::optional<int>(1));
    });
    // The stream forms: open() throws; the callback form throws before any event.
    EXPECT_ERROR(FASTGPT_E_HTTP, c.open_stream(chat_request("x")), e,
                 { CHECK_EQ(e.http_status(), std::optional<int>(502)); });
    int calls = 0;
    EXPECT_ERROR(FASTGPT_E_HTTP,
                 c.create_chat_completion_stream(chat_request("x"), [&](const Event&) { return ++calls, true; }),
                 e, {});
    CHECK_EQ(calls, 0);
    // openai-style error: status_text from error.code
    const Client o = fault_client("openai-error");
    EXPECT_ERROR(FASTGPT_E_API, o.create_chat_completion(chat_request("x")), e, {
        CHECK_EQ(e.http_status(), std::optional<int>(400));
        CHECK_EQ(e.status_text(), std::optional<std::string>("model_not_found"));
        CHECK(contains(e.message(), "bad model"));
    });
}

struct UserError : std::runtime_error {
    int n;
    explicit UserError(int k) : std::runtime_error("user error"), n(k) {}
};

TEST(callback_exception_rethrown_and_stream_aborted) {
    const Client c = client("\"headers\":{\"X-Dev-Fault\":\"many-events:200\"}");
    int calls = 0;
    bool caught = false;
    try {
        c.create_chat_completion_stream(chat_request("throw"), [&](const Event& e) -> bool {
            ++calls;
            if (e.text && !e.text->empty()) throw UserError(calls);
            return true;
        });
    } catch (const UserError& u) {
        caught = true;
        CHECK_EQ(u.n, calls);  // no callback after the throw: the stream was aborted
    } catch (const std::exception& x) {
        std::cerr << "    unexpected exception: " << x.what() << "\n";
    }
    CHECK(caught);
    CHECK(calls < 10);
    // A non-std exception type travels too.
    bool caught_int = false;
    try {
        c.create_chat_completion_stream(chat_request("throw int"), [](const Event&) -> bool { throw 42; });
    } catch (int v) {
        caught_int = v == 42;
    }
    CHECK(caught_int);
    // Returning false aborts: Error(ABORTED) with the partial result.
    int n = 0;
    EXPECT_ERROR(FASTGPT_E_ABORTED,
                 c.create_chat_completion_stream(chat_request("stop"), [&](const Event&) { return ++n < 3; }),
                 e, { CHECK_EQ(json::get_int(e.partial().value_or("{}"), {"event_count"}),
                               std::optional<long long>(3)); });
    CHECK_EQ(n, 3);
    // The client still works afterwards.
    CHECK(contains(c.create_chat_completion_stream(chat_request("after"), nullptr), "answer"));
}

TEST(cancel_stalled_stream_from_thread) {
    const Client c = fault_client("stall-mid-stream:5000");
    // pull form
    {
        fastgpt::CancelToken tok;
        fastgpt::Stream s = c.open_stream(chat_request("stall me please"), tok);
        std::atomic<double> t_cancel{0};
        std::thread th([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            t_cancel = now_ms();
            tok.cancel();
        });
        int events = 0;
        const double t0 = now_ms();
        EXPECT_ERROR(FASTGPT_E_CANCELLED, [&] { for (const Event& e : s) events += !e.event.empty(); }(), e,
                     { CHECK(e.partial().has_value()); });
        const double t1 = now_ms();
        th.join();
        CHECK(events >= 1);
        CHECK(t1 - t0 < 2500);
        CHECK(t1 - t_cancel.load() < 1000);
    }
    // callback form
    {
        fastgpt::CancelToken tok;
        std::thread th([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(300));
            tok.cancel();
        });
        int events = 0;
        const double t0 = now_ms();
        EXPECT_ERROR(FASTGPT_E_CANCELLED,
                     c.create_chat_completion_stream(chat_request("stall cb"), [&](const Event&) { return ++events, true; },
                                                     tok),
                     e, {});
        th.join();
        CHECK(events >= 1);
        CHECK(now_ms() - t0 < 2500);
    }
    // deadline (cancel_after)
    {
        fastgpt::CancelToken tok;
        tok.cancel_after(std::chrono::milliseconds(250));
        const double t0 = now_ms();
        EXPECT_ERROR(FASTGPT_E_CANCELLED, c.create_chat_completion_stream(chat_request("deadline"), nullptr, &tok), e, {});
        CHECK(now_ms() - t0 < 2500);
        // an already-cancelled token fails at once, any call
        EXPECT_ERROR(FASTGPT_E_CANCELLED, client().get_chat_histories(APP, 0, 10, std::nullopt, tok), e, {});
    }
}

TEST(threads_share_one_client) {
    const Client c = client();
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int i = 0; i < 6; ++i)
        ts.emplace_back([&, i] {
            try {
                const std::string q = "thread " + std::to_string(i);
                const std::string r = c.create_chat_completion_stream(chat_request(q), nullptr);
                if (json::get_string(r, {"answer"}) == std::optional<std::string>("You said: " + q)) ++ok;
            } catch (...) {
            }
        });
    for (auto& t : ts) t.join();
    CHECK_EQ(ok.load(), 6);
}

// ================================================================== revision 3
// The FastGPT 4.14-4.16 chat surface, against the dev server emulating a release.

const char* const RELEASE = "4.16.1";

// A fresh 24-hex app id (release mode checks the ObjectId form), so tests do not share chats.
std::string uniq_app() {
    static int n = 0;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%08x%016x", static_cast<unsigned>(getpid()), static_cast<unsigned>(++n) + 0xa3000000u);
    return std::string(buf).substr(0, 24);
}

// A client answered as FastGPT RELEASE; `headers` are extra "Name":"value" members, `extra`
// more options.
Client release_client(const std::string& headers = "", const std::string& extra = "") {
    return client("\"headers\":{\"X-Dev-FastGPT-Version\":" + json::quote(RELEASE) +
                  (headers.empty() ? "" : "," + headers) + "}" + (extra.empty() ? "" : "," + extra));
}

std::string request_for(const std::string& app, const std::string& chat, const std::string& q,
                        bool detail = false) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":" + json::quote(q) + "}],\"chatId\":" +
           json::quote(chat) + ",\"appId\":" + json::quote(app) + (detail ? ",\"detail\":true" : "") + "}";
}

// A resumable v2 round that the server cuts after its second answer chunk; the round goes on
// (after pause_ms, one chunk per delay_ms). Returns the partial answer the cut stream saw.
std::string cut_round(const std::string& app, const std::string& chat, const std::string& q, int pause_ms,
                      int delay_ms) {
    const Client c = release_client("\"X-Dev-Fault\":\"cut-mid-stream:" + std::to_string(pause_ms) +
                                        "\",\"X-Dev-Chunk-Delay-Ms\":\"" + std::to_string(delay_ms) + "\"",
                                    "\"completions_api\":\"v2\",\"stream_resume\":true,\"max_retries\":0");
    std::string seen, partial;
    EXPECT_ERROR(FASTGPT_E_STREAM_INCOMPLETE,
                 c.create_chat_completion_stream(request_for(app, chat, q),
                                                 [&](const Event& e) {
                                                     if (e.text) seen += *e.text;
                                                     return true;
                                                 }),
                 e, {
                     CHECK(e.partial().has_value());
                     partial = json::get_string(e.partial().value_or("{}"), {"answer"}).value_or("?");
                 });
    CHECK_EQ(partial, seen);
    const std::string full = "You said: " + q;
    CHECK(!seen.empty() && seen != full && full.compare(0, seen.size(), seen) == 0);
    return seen;
}

void check_resumed(const std::vector<Event>& events, const std::string& result, const std::string& q) {
    CHECK_EQ(json::get_string(result, {"answer"}), std::optional<std::string>("You said: " + q));
    CHECK(json::at(result, {"done"}) == std::optional<std::string_view>("true"));
    CHECK_EQ(json::get_string(result, {"resume", "phase"}), std::optional<std::string>("live"));
    CHECK(json::is_null(json::at(result, {"resume", "unavailable_reason"})));
    CHECK_EQ(json::get_int(result, {"event_count"}), std::optional<long long>(static_cast<long long>(events.size())));
    std::string phases;
    for (const Event& e : events)
        if (e.event == "resumePhase") phases += (phases.empty() ? "" : ",") + e.data;
    CHECK_EQ(phases, std::string("catchup,live"));
    REQUIRE(!events.empty());
    CHECK(events.back().is_done() && events.back().data == "[DONE]");
}

TEST(rev3_resume_after_cut_callback) {
    const std::string app = uniq_app(), chat = uniq("resume-cb"), q = "resume me with a callback please";
    cut_round(app, chat, q, 300, 20);
    const Client c = release_client();
    std::vector<Event> events;
    const std::string r = c.resume_chat_completion_stream(app, chat, [&](const Event& e) {
        events.push_back(e);
        return true;
    });
    check_resumed(events, r, q);

    // The round is over: a second resume answers resumeCompleted and [DONE].
    events.clear();
    const std::string again = c.resume_chat_completion_stream(app, chat, [&](const Event& e) {
        events.push_back(e);
        return true;
    });
    CHECK(json::at(again, {"resume", "completed"}) == std::optional<std::string_view>("true"));
    // resumeCompleted's final records are kept; the AI record's dataId is the result's.
    CHECK(!json::is_null(json::at(again, {"resume", "records", "list"})));
    CHECK_EQ(json::get_string(again, {"resume", "records", "list", "1", "obj"}), std::optional<std::string>("AI"));
    CHECK_EQ(json::get_string(again, {"response_chat_item_id"}),
             json::get_string(again, {"resume", "records", "list", "1", "id"}));
    REQUIRE(events.size() >= 2);
    CHECK_EQ(events.front().event, std::string("resumeCompleted"));
    CHECK(events.back().is_done());
}

TEST(rev3_resume_after_cut_pull) {
    const std::string app = uniq_app(), chat = uniq("resume-pull"), q = "resume me with the pull form please";
    cut_round(app, chat, q, 300, 20);
    const Client c = release_client();
    fastgpt::Stream s = c.open_resume_stream(app, chat);
    std::vector<Event> events;
    for (const Event& e : s) events.push_back(e);
    CHECK(s.finished());
    check_resumed(events, s.result(), q);
    CHECK(!s.next().has_value());  // the end is sticky
}

TEST(rev3_resume_cancelled_then_stop) {
    const std::string app = uniq_app(), chat = uniq("resume-cancel");
    std::string q;
    for (int i = 0; i < 10; ++i) q += "slow words ";
    cut_round(app, chat, q, 100, 250);  // about 40 chunks, 250 ms apart, after the cut
    const Client c = release_client();
    fastgpt::CancelToken tok;
    fastgpt::Stream s = c.open_resume_stream(app, chat, tok);
    bool live = false, done = false;
    double t_cancel = 0;
    EXPECT_ERROR(FASTGPT_E_CANCELLED,
                 [&] {
                     for (const Event& e : s) {
                         if (e.event == "resumePhase" && e.data == "live") live = true;
                         if (live && e.text && !e.text->empty() && t_cancel == 0) {
                             t_cancel = now_ms();
                             tok.cancel();
                         }
                         if (e.is_done()) done = true;
                     }
                 }(),
                 e, { CHECK(e.partial().has_value()); });
    CHECK(live);
    CHECK(!done);
    CHECK(t_cancel > 0 && now_ms() - t_cancel < 2000);

    // The round still runs on the server: stop it (v2 runs poll the stop flag).
    const std::string r = c.stop_chat_completion(app, chat);
    CHECK(json::at(r, {"data", "success"}) == std::optional<std::string_view>("true"));
    CHECK(json::at(r, {"data", "completed"}) == std::optional<std::string_view>("true"));
    const std::string st = c.get_history_status(app, std::vector<std::string>{chat});
    CHECK(json::get_int(st, {"data", "list", "0", "chatGenerateStatus"}).value_or(0) != 0);
}

TEST(rev3_stop_running_round) {
    const std::string app = uniq_app(), chat = uniq("stop");
    std::string q;
    for (int i = 0; i < 8; ++i) q += "stop this long answer ";
    const Client c = release_client("\"X-Dev-Chunk-Delay-Ms\":\"100\"", "\"completions_api\":\"v2\"");
    std::atomic<bool> first{false};
    std::string result;
    std::thread th([&] {
        try {
            result = c.create_chat_completion_stream(request_for(app, chat, q), [&](const Event& e) {
                if (e.text && !e.text->empty()) first = true;
                return true;
            });
        } catch (const Error& e) {
            result = e.json();
        }
    });
    const double t0 = now_ms();
    while (!first && now_ms() - t0 < 5000) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(first.load());
    const std::string r = c.stop_chat_completion(app, chat);
    th.join();
    CHECK(json::at(r, {"data", "success"}) == std::optional<std::string_view>("true"));
    const std::string answer = json::get_string(result, {"answer"}).value_or("?");
    const std::string full = "You said: " + q;
    CHECK(json::at(result, {"done"}) == std::optional<std::string_view>("true"));
    CHECK(answer != full && full.compare(0, answer.size(), answer) == 0);

    // Before 4.14.5 there is no stop route: the clean error of a 404.
    const Client old = client("\"headers\":{\"X-Dev-FastGPT-Version\":\"4.13.x\"}");
    EXPECT_ERROR(FASTGPT_E_HTTP, old.stop_chat_completion(app, chat), e,
                 { CHECK_EQ(e.http_status(), std::optional<int>(404)); });
}

TEST(rev3_history_status_read_batch_delete) {
    const Client c = release_client();
    const std::string app = uniq_app(), a = uniq("st-a"), b = uniq("st-b");
    c.create_chat_completion(request_for(app, a, "hi a"));
    c.create_chat_completion(request_for(app, b, "hi b"));
    std::string st = c.get_history_status(app, "[" + json::quote(a) + "," + json::quote(b) + ",\"no-such-chat\"]");
    CHECK(contains(st, a) && contains(st, b) && !contains(st, "no-such-chat"));
    CHECK_EQ(json::get_int(st, {"data", "list", "0", "chatGenerateStatus"}), std::optional<long long>(1));
    CHECK(json::at(st, {"data", "list", "0", "hasBeenRead"}) == std::optional<std::string_view>("false"));

    c.mark_chat_read(app, a);
    st = c.get_history_status(app, std::vector<std::string>{a});
    CHECK(json::at(st, {"data", "list", "0", "hasBeenRead"}) == std::optional<std::string_view>("true"));

    const std::string r = c.delete_chat_histories(app, std::vector<std::string>{a, b});
    CHECK_EQ(json::get_int(r, {"code"}), std::optional<long long>(200));
    st = c.get_history_status(app, std::vector<std::string>{a, b});
    CHECK(json::at(st, {"data", "list"}) == std::optional<std::string_view>("[]"));

    std::vector<std::string> many;
    for (int i = 0; i < 201; ++i) many.push_back("c" + std::to_string(i));
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_history_status(app, many), e, {});
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_history_status(app, std::vector<std::string>{}), e, {});
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_history_status(app, std::string("{}")), e, {});
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.delete_chat_histories(app, std::vector<std::string>{""}), e,
                 { CHECK_EQ(e.attempts(), std::optional<int>(0)); });
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.mark_chat_read(app, ""), e, {});
}

TEST(rev3_chat_records_v2) {
    const Client c = release_client();
    const std::string app = uniq_app(), chat = uniq("rec2");
    for (const char* q : {"one", "two", "three"}) c.create_chat_completion(request_for(app, chat, q));
    const std::string newest = c.get_chat_records_v2(app, chat, 2);
    CHECK_EQ(json::get_int(newest, {"data", "total"}), std::optional<long long>(6));
    CHECK(json::at(newest, {"data", "hasMorePrev"}) == std::optional<std::string_view>("true"));
    CHECK_EQ(json::get_string(newest, {"data", "list", "0", "obj"}), std::optional<std::string>("Human"));
    const std::string first_id = json::get_string(newest, {"data", "list", "0", "id"}).value_or("");
    REQUIRE(!first_id.empty());
    const std::string older = c.get_chat_records_v2(app, chat, 2, "{\"prevId\":" + json::quote(first_id) + "}");
    CHECK(json::at(older, {"data", "hasMoreNext"}) == std::optional<std::string_view>("true"));
    CHECK(json::get_string(older, {"data", "list", "1", "id"}).value_or(first_id) != first_id);
    EXPECT_ERROR(FASTGPT_E_API, c.get_chat_records_v2(app, chat, 2, std::string("{\"prevId\":\"nope\"}")), e, {
        CHECK(contains(e.message(), "not found"));
        CHECK(!e.message_key().has_value());
    });
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_chat_records_v2(app, chat, 0), e, {});
}

TEST(rev3_chat_file_url_and_message_part) {
    const Client c = release_client();
    const std::string app = uniq_app(), chat = uniq("file");
    const std::string up = c.upload_chat_bytes(app, chat, "notes.txt", std::string_view("a file the model reads"),
                                               std::string("text/plain"));
    const std::string url = json::get_string(up, {"url"}).value_or("");
    const std::string key = json::get_string(up, {"key"}).value_or("");
    REQUIRE(!url.empty() && !key.empty());
    const std::string r = c.get_chat_file_url(app, chat, key);
    const std::string dl = json::get_string(r, {"data"}).value_or("");
    CHECK(dl.compare(0, g_url.size(), g_url) == 0);  // absolute, on the server's origin

    // The message part carries both url and key (FastGPT re-signs the URL from the key).
    const std::string req = "{\"appId\":" + json::quote(app) + ",\"chatId\":" + json::quote(chat) +
                            ",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
                            "\"What is in the file?\"},{\"type\":\"file_url\",\"name\":\"notes.txt\",\"url\":" +
                            json::quote(url) + ",\"key\":" + json::quote(key) + "}]}]}";
    const std::string res = c.create_chat_completion_stream(req, nullptr);
    CHECK_EQ(json::get_string(res, {"answer"}), std::optional<std::string>("You said: What is in the file? [file]"));
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_chat_file_url(app, chat, ""), e, {});
}

TEST(rev3_app_logs) {
    const Client c = release_client();
    const std::string app = uniq_app(), chat = uniq("logs");
    c.create_chat_completion(request_for(app, chat, "log me"));
    const std::string total = c.get_app_logs_total(app);
    CHECK(json::get_int(total, {"data", "totalChats"}).value_or(0) >= 1);
    CHECK(json::at(total, {"data", "totalUsers"}).has_value());
    CHECK(json::at(total, {"data", "totalPoints"}).has_value());

    char start[32], end[32];
    const std::time_t now = std::time(nullptr);
    const std::time_t t0 = now - 3600, t1 = now + 3600;
    std::strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t0));
    std::strftime(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t1));
    const std::string logs = c.get_app_logs(app, start, end, 0, 10, std::string("{\"sources\":[\"api\"]}"));
    CHECK_EQ(json::get_int(logs, {"data", "total"}), std::optional<long long>(1));
    CHECK_EQ(json::get_string(logs, {"data", "list", "0", "chatId"}), std::optional<std::string>(chat));
    EXPECT_ERROR(FASTGPT_E_INVALID_ARGUMENT, c.get_app_logs(app, start, end, -1, 10), e, {});
}

TEST(rev3_stream_title) {
    // title: a 4.16 detail stream's chatTitle
    const Client c = release_client();
    const std::string app = uniq_app();
    const std::string r = c.create_chat_completion_stream(request_for(app, uniq("title"), "name this chat", true), nullptr);
    if (!json::at(r, {"title"})) {  // no "title" member at all: a library before contract rev 3 §6
        std::cout << "    SKIP: the linked library does not report title yet" << std::endl;
        return;
    }
    CHECK(!json::get_string(r, {"title"}).value_or("").empty());
    const std::string plain = c.create_chat_completion_stream(request_for(app, uniq("title"), "no title"), nullptr);
    CHECK(json::is_null(json::at(plain, {"title"})));
}

TEST(rev3_message_key) {
    // message_key: FastGPT's i18n key, with message in English
    const std::string app = uniq_app();
    const Client bad = client("\"headers\":{\"X-Dev-FastGPT-Version\":\"4.16.1\"},\"max_retries\":0", "fastgpt-wrong");
    EXPECT_ERROR(FASTGPT_E_API, bad.get_chat_init(app, "x"), e, {
        CHECK_EQ(e.message_key(), std::optional<std::string>("common:code_error.error_message.514"));
        CHECK(contains(e.message(), "unAuthApiKey"));
        CHECK(!contains(e.message(), "common:"));
    });
}

TEST(rev3_stream_timeout) {
    // stream_timeout_ms: a trickle that defeats the idle timeout ends as a "request" timeout
    const Client slow = fault_client("trickle:200",
                                     "\"stream_timeout_ms\":800,\"stream_idle_timeout_ms\":5000,\"max_retries\":0");
    const double t0 = now_ms();
    EXPECT_ERROR(FASTGPT_E_TIMEOUT, slow.create_chat_completion_stream(chat_request("trickle"), nullptr), e,
                 { CHECK_EQ(e.timeout(), std::optional<std::string>("request")); });
    const double took = now_ms() - t0;
    CHECK(took > 700 && took < 3000);
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    const char* env_url = std::getenv("FASTGPT_TEST_URL");
    const std::string bin = argc > 1 ? argv[1] : "target/release/fastgpt-devserver";
    const std::string filter = argc > 2 ? argv[2] : "";
    if (env_url && *env_url) {
        g_url = env_url;
    } else if (!start_server(bin)) {
        std::cout << "0 passed, 1 failed\n";
        return 1;
    }
    int passed = 0, failed = 0;
    const double t0 = now_ms();
    for (const TestCase& tc : registry()) {
        if (!filter.empty() && std::string(tc.name).find(filter) == std::string::npos) continue;
        g_case_failures = 0;
        const double c0 = now_ms();
        try {
            tc.fn();
        } catch (const fastgpt::Error& e) {
            ++g_case_failures;
            std::cerr << "    unexpected fastgpt::Error " << e.status_name() << ": " << e.json() << "\n";
        } catch (const std::exception& e) {
            ++g_case_failures;
            std::cerr << "    unexpected exception: " << e.what() << "\n";
        }
        const long ms = static_cast<long>(now_ms() - c0);
        if (g_case_failures == 0) {
            ++passed;
            std::cout << "PASS " << tc.name << " (" << ms << " ms)" << std::endl;
        } else {
            ++failed;
            std::cout << "FAIL " << tc.name << " (" << g_case_failures << " checks, " << ms << " ms)"
                      << std::endl;
        }
    }
    stop_server();
    std::cout << "time: " << static_cast<long>(now_ms() - t0) << " ms\n";
    std::cout << passed << " passed, " << failed << " failed" << std::endl;
    return failed == 0 ? 0 : 1;
}
