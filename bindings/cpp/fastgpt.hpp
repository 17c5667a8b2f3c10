// fastgpt.hpp: header-only C++17 binding of libfastgpt (include/fastgpt.h).
//
//   #include "fastgpt.hpp"          // compile with -I<repo>/include -I<repo>/bindings/cpp
//   fastgpt::Client client("fastgpt-xxxx", "https://fastgpt.example.com");
//   std::string result = client.create_chat_completion_stream(
//       R"({"messages":[{"role":"user","content":"hi"}]})",
//       [](const fastgpt::Event& e) { if (e.text) std::cout << *e.text; return true; });
//
// Rules (from the C API contract):
// - Every operation returns the library's JSON as std::string, or throws fastgpt::Error.
// - Clients, cancel tokens and streams are RAII, movable and not copyable. A client may be
//   used from many threads at once; a Stream from one thread at a time.
// - Every call blocks the calling thread; cancel it from another thread with CancelToken.
// - A streaming callback may throw: the exception is caught inside the C callback (it never
//   unwinds through the library), the transfer is stopped, and the exception is rethrown
//   from the call once the library has returned.
#ifndef FASTGPT_HPP
#define FASTGPT_HPP

#include "fastgpt.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fastgpt {

// ------------------------------------------------------------------------------------------
// A small read-only JSON helper: enough to pick fields out of the library's JSON (error
// objects, stream results, envelopes). It finds values by key path in the raw text and
// decodes strings (all escapes, \uXXXX surrogate pairs included). No DOM is built.
// ------------------------------------------------------------------------------------------
namespace json {
namespace detail {

constexpr std::size_t npos = std::string_view::npos;
constexpr int kMaxDepth = 512;

inline std::size_t skip_ws(std::string_view s, std::size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    return i;
}

// i at '"'; returns the index just past the closing quote, or npos.
inline std::size_t skip_string(std::string_view s, std::size_t i) {
    if (i >= s.size() || s[i] != '"') return npos;
    for (++i; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\\') {
            ++i;  // skip the escaped character (\uXXXX: the hex digits are plain chars)
            if (i >= s.size()) return npos;
        } else if (c == '"') {
            return i + 1;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            return npos;
        }
    }
    return npos;
}

// i at the first character of a value; returns the index just past it, or npos.
inline std::size_t skip_value(std::string_view s, std::size_t i, int depth = 0) {
    if (depth > kMaxDepth) return npos;
    i = skip_ws(s, i);
    if (i >= s.size()) return npos;
    const char c = s[i];
    if (c == '"') return skip_string(s, i);
    if (c == '{' || c == '[') {
        const char close = c == '{' ? '}' : ']';
        i = skip_ws(s, i + 1);
        if (i < s.size() && s[i] == close) return i + 1;
        for (;;) {
            if (c == '{') {
                i = skip_string(s, skip_ws(s, i));
                if (i == npos) return npos;
                i = skip_ws(s, i);
                if (i >= s.size() || s[i] != ':') return npos;
                ++i;
            }
            i = skip_value(s, i, depth + 1);
            if (i == npos) return npos;
            i = skip_ws(s, i);
            if (i >= s.size()) return npos;
            if (s[i] == close) return i + 1;
            if (s[i] != ',') return npos;
            ++i;
        }
    }
    // number, true, false, null
    const std::size_t start = i;
    while (i < s.size()) {
        const char d = s[i];
        if ((d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || d == '-' || d == '+' || d == '.' ||
            d == 'E')
            ++i;
        else
            break;
    }
    return i == start ? npos : i;
}

inline void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

inline bool hex4(std::string_view s, std::size_t i, std::uint32_t& out) {
    if (i + 4 > s.size()) return false;
    out = 0;
    for (std::size_t k = i; k < i + 4; ++k) {
        const char c = s[k];
        out <<= 4;
        if (c >= '0' && c <= '9')
            out |= static_cast<std::uint32_t>(c - '0');
        else if (c >= 'a' && c <= 'f')
            out |= static_cast<std::uint32_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            out |= static_cast<std::uint32_t>(c - 'A' + 10);
        else
            return false;
    }
    return true;
}

}  // namespace detail

// Decodes a JSON string literal (with its quotes). nullopt when `raw` is not one.
// A lone surrogate escape becomes U+FFFD.
inline std::optional<std::string> decode_string(std::string_view raw) {
    if (raw.size() < 2 || raw.front() != '"' || detail::skip_string(raw, 0) != raw.size())
        return std::nullopt;
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 1; i + 1 < raw.size(); ++i) {
        const char c = raw[i];
        if (c != '\\') {
            out += c;
            continue;
        }
        const char e = raw[++i];
        switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!detail::hex4(raw, i + 1, cp)) return std::nullopt;
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    std::uint32_t lo = 0;
                    if (i + 6 < raw.size() && raw[i + 1] == '\\' && raw[i + 2] == 'u' &&
                        detail::hex4(raw, i + 3, lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                        i += 6;
                    } else {
                        cp = 0xFFFD;
                    }
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    cp = 0xFFFD;
                }
                detail::append_utf8(out, cp);
                break;
            }
            default: return std::nullopt;
        }
    }
    return out;
}

// The raw text of member `key` of the JSON object `obj` (the last one when repeated), or
// nullopt when `obj` is not an object or has no such member.
inline std::optional<std::string_view> member(std::string_view obj, std::string_view key) {
    using detail::npos;
    std::size_t i = detail::skip_ws(obj, 0);
    if (i >= obj.size() || obj[i] != '{') return std::nullopt;
    i = detail::skip_ws(obj, i + 1);
    if (i < obj.size() && obj[i] == '}') return std::nullopt;
    std::optional<std::string_view> found;
    for (;;) {
        const std::size_t ks = detail::skip_ws(obj, i);
        const std::size_t ke = detail::skip_string(obj, ks);
        if (ke == npos) return std::nullopt;
        i = detail::skip_ws(obj, ke);
        if (i >= obj.size() || obj[i] != ':') return std::nullopt;
        const std::size_t vs = detail::skip_ws(obj, i + 1);
        const std::size_t ve = detail::skip_value(obj, vs);
        if (ve == npos) return std::nullopt;
        const std::string_view rawkey = obj.substr(ks, ke - ks);
        // Fast path without escapes; otherwise decode and compare.
        if (rawkey.find('\\') == std::string_view::npos) {
            if (rawkey.substr(1, rawkey.size() - 2) == key) found = obj.substr(vs, ve - vs);
        } else if (auto k = decode_string(rawkey); k && *k == key) {
            found = obj.substr(vs, ve - vs);
        }
        i = detail::skip_ws(obj, ve);
        if (i >= obj.size()) return std::nullopt;
        if (obj[i] == '}') return found;
        if (obj[i] != ',') return std::nullopt;
        ++i;
    }
}

// The raw text of the value at `path` (member names; a decimal string indexes an array).
inline std::optional<std::string_view> at(std::string_view text,
                                          std::initializer_list<std::string_view> path) {
    std::string_view cur = text;
    for (std::string_view key : path) {
        std::size_t i = detail::skip_ws(cur, 0);
        if (i < cur.size() && cur[i] == '[') {
            std::size_t idx = 0;
            if (key.empty()) return std::nullopt;
            for (char c : key) {
                if (c < '0' || c > '9') return std::nullopt;
                idx = idx * 10 + static_cast<std::size_t>(c - '0');
            }
            i = detail::skip_ws(cur, i + 1);
            std::size_t n = 0;
            bool ok = false;
            while (i < cur.size() && cur[i] != ']') {
                const std::size_t ve = detail::skip_value(cur, i);
                if (ve == detail::npos) return std::nullopt;
                if (n == idx) {
                    cur = cur.substr(i, ve - i);
                    ok = true;
                    break;
                }
                ++n;
                i = detail::skip_ws(cur, ve);
                if (i < cur.size() && cur[i] == ',') i = detail::skip_ws(cur, i + 1);
            }
            if (!ok) return std::nullopt;
        } else {
            auto v = member(cur, key);
            if (!v) return std::nullopt;
            cur = *v;
        }
    }
    return cur;
}

inline bool is_null(std::optional<std::string_view> raw) { return !raw || *raw == "null"; }

// A string at `path`; nullopt when missing, null or not a string.
inline std::optional<std::string> get_string(std::string_view text,
                                             std::initializer_list<std::string_view> path) {
    auto raw = at(text, path);
    if (!raw) return std::nullopt;
    return decode_string(*raw);
}

// An integer at `path`; nullopt when missing, null, not an integer or out of range.
inline std::optional<long long> get_int(std::string_view text,
                                        std::initializer_list<std::string_view> path) {
    auto raw = at(text, path);
    if (!raw || raw->empty()) return std::nullopt;
    std::string_view r = *raw;
    bool neg = false;
    if (r.front() == '-') {
        neg = true;
        r.remove_prefix(1);
    }
    if (r.empty()) return std::nullopt;
    unsigned long long v = 0;
    for (char c : r) {
        if (c < '0' || c > '9') return std::nullopt;
        const unsigned d = static_cast<unsigned>(c - '0');
        if (v > (static_cast<unsigned long long>(std::numeric_limits<long long>::max()) + 1 - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    const auto maxv = static_cast<unsigned long long>(std::numeric_limits<long long>::max());
    if (!neg && v > maxv) return std::nullopt;
    if (neg) return v == maxv + 1 ? std::numeric_limits<long long>::min() : -static_cast<long long>(v);
    return static_cast<long long>(v);
}

// Encodes `s` as a JSON string literal (for building request JSON).
inline std::string quote(std::string_view s) {
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
    return out;
}

}  // namespace json

// ------------------------------------------------------------------------------------------
// Version
// ------------------------------------------------------------------------------------------

inline std::string version() { return fastgpt_version(); }
inline int version_number() { return fastgpt_version_number(); }
inline const char* status_name(int code) { return fastgpt_status_str(code); }

// Thrown when the linked library is incompatible with the header this was compiled with.
class VersionMismatch : public std::runtime_error {
   public:
    using std::runtime_error::runtime_error;
};

// §9: while the major version is 0, refuse to run unless the runtime's MAJOR.MINOR equals
// the header's; from 1.0 on, the major versions must match and the runtime must be at least
// as new as the header. Clients call this once (the result is cached).
inline bool version_compatible(int runtime, int compiled = FASTGPT_VERSION_NUMBER) {
    if (compiled / 1000000 == 0) return runtime / 1000 == compiled / 1000;
    return runtime / 1000000 == compiled / 1000000 && runtime >= compiled;
}

inline void check_version() {
    static const bool ok = version_compatible(fastgpt_version_number());
    if (!ok)
        throw VersionMismatch(std::string("libfastgpt ") + fastgpt_version() +
                              " is not compatible with fastgpt.h " +
                              std::to_string(FASTGPT_VERSION_MAJOR) + "." +
                              std::to_string(FASTGPT_VERSION_MINOR) + "." +
                              std::to_string(FASTGPT_VERSION_PATCH));
}

// ------------------------------------------------------------------------------------------
// Error
// ------------------------------------------------------------------------------------------

// Status codes, as a scoped enum (values match FASTGPT_* in fastgpt.h).
enum class Status : int {
    Ok = FASTGPT_OK,
    InvalidArgument = FASTGPT_E_INVALID_ARGUMENT,
    Transport = FASTGPT_E_TRANSPORT,
    Timeout = FASTGPT_E_TIMEOUT,
    Http = FASTGPT_E_HTTP,
    Api = FASTGPT_E_API,
    Protocol = FASTGPT_E_PROTOCOL,
    StreamIncomplete = FASTGPT_E_STREAM_INCOMPLETE,
    Aborted = FASTGPT_E_ABORTED,
    Cancelled = FASTGPT_E_CANCELLED,
    Panic = FASTGPT_E_PANIC,
};

// Every failed call throws this. Fields are read from the library's error JSON
// {"error":{...}}; what() is its "message".
class Error : public std::runtime_error {
   public:
    Error(int status, std::string error_json)
        : std::runtime_error(message_of(status, error_json)),
          status_(status),
          json_(std::move(error_json)) {
        using json::at;
        using json::get_int;
        using json::get_string;
        status_name_ = get_string(json_, {"error", "status_name"}).value_or(fastgpt_status_str(status));
        if (auto v = get_int(json_, {"error", "http_status"})) http_status_ = static_cast<int>(*v);
        if (auto raw = at(json_, {"error", "api_code"}); !json::is_null(raw)) {
            api_code_json_ = std::string(*raw);
            api_code_ = get_int(json_, {"error", "api_code"});
        }
        status_text_ = get_string(json_, {"error", "status_text"});
        message_key_ = get_string(json_, {"error", "message_key"});
        body_ = get_string(json_, {"error", "body"});
        retry_after_ms_ = get_int(json_, {"error", "retry_after_ms"});
        request_id_ = get_string(json_, {"error", "request_id"});
        method_ = get_string(json_, {"error", "method"});
        url_ = get_string(json_, {"error", "url"});
        if (auto v = get_int(json_, {"error", "attempts"})) attempts_ = static_cast<int>(*v);
        timeout_ = get_string(json_, {"error", "timeout"});
        if (auto raw = at(json_, {"error", "partial"}); !json::is_null(raw)) partial_ = std::string(*raw);
    }

    int status() const noexcept { return status_; }
    Status code() const noexcept { return static_cast<Status>(status_); }
    const std::string& status_name() const noexcept { return status_name_; }
    std::string message() const { return what(); }
    std::optional<int> http_status() const { return http_status_; }
    // The envelope's / error frame's numeric "code"; api_code_json() is its raw JSON text
    // (also set when the code is not an integer).
    std::optional<long long> api_code() const { return api_code_; }
    const std::optional<std::string>& api_code_json() const { return api_code_json_; }
    const std::optional<std::string>& status_text() const { return status_text_; }
    // FastGPT's i18n key when the server's message was one
    // ("common:code_error.error_message.514"; message() then says it in English).
    const std::optional<std::string>& message_key() const { return message_key_; }
    const std::optional<std::string>& body() const { return body_; }
    std::optional<long long> retry_after_ms() const { return retry_after_ms_; }
    const std::optional<std::string>& request_id() const { return request_id_; }
    const std::optional<std::string>& method() const { return method_; }
    const std::optional<std::string>& url() const { return url_; }
    std::optional<int> attempts() const { return attempts_; }
    const std::optional<std::string>& timeout() const { return timeout_; }
    // Streaming calls: the accumulated result so far (raw JSON), else nullopt.
    const std::optional<std::string>& partial() const { return partial_; }
    // The whole error JSON as the library returned it.
    const std::string& json() const noexcept { return json_; }

    // An error made on this side of the boundary (argument checks of the binding).
    static Error local(int status, const std::string& message) {
        return Error(status, std::string("{\"error\":{\"status\":") + std::to_string(status) +
                                 ",\"status_name\":" + json::quote(fastgpt_status_str(status)) +
                                 ",\"message\":" + json::quote(message) +
                                 ",\"message_key\":null,\"http_status\":null,\"api_code\":null,\"status_text\":null,"
                                 "\"body\":null,\"retry_after_ms\":null,\"request_id\":null,"
                                 "\"method\":null,\"url\":null,\"attempts\":0,\"timeout\":null,"
                                 "\"partial\":null}}");
    }

   private:
    static std::string message_of(int status, const std::string& j) {
        if (auto m = json::get_string(j, {"error", "message"})) return *m;
        return std::string(fastgpt_status_str(status)) + (j.empty() ? "" : ": " + j);
    }

    int status_;
    std::string json_;
    std::string status_name_;
    std::optional<int> http_status_;
    std::optional<long long> api_code_;
    std::optional<std::string> api_code_json_;
    std::optional<std::string> status_text_, message_key_, body_;
    std::optional<long long> retry_after_ms_;
    std::optional<std::string> request_id_, method_, url_;
    std::optional<int> attempts_;
    std::optional<std::string> timeout_, partial_;
};

namespace detail {

struct StringFree {
    void operator()(char* s) const noexcept { fastgpt_string_free(s); }
};
using OwnedString = std::unique_ptr<char, StringFree>;

// Owns a char* out-parameter for the duration of a call.
class OutString {
   public:
    OutString() = default;
    OutString(const OutString&) = delete;
    OutString& operator=(const OutString&) = delete;
    ~OutString() { fastgpt_string_free(p_); }
    char** out() noexcept { return &p_; }
    std::string take() {
        std::string s = p_ ? std::string(p_) : std::string();
        fastgpt_string_free(p_);
        p_ = nullptr;
        return s;
    }

   private:
    char* p_ = nullptr;
};

// Returns the response JSON, or throws Error with the error JSON.
inline std::string finish(int32_t rc, OutString& out) {
    std::string s = out.take();
    if (rc != FASTGPT_OK) throw Error(rc, std::move(s));
    return s;
}

// A std::string as a C string; an embedded NUL would silently cut it, so it is refused.
inline const char* cstr(const std::string& s, const char* what) {
    if (s.find('\0') != std::string::npos)
        throw Error::local(FASTGPT_E_INVALID_ARGUMENT, std::string(what) + " contains a NUL byte");
    return s.c_str();
}
inline const char* cstr(const std::optional<std::string>& s, const char* what) {
    return s ? cstr(*s, what) : nullptr;
}

// A JSON array of strings, for the chat_ids_json parameters.
inline std::string string_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += ',';
        out += json::quote(items[i]);
    }
    out += ']';
    return out;
}

}  // namespace detail

// ------------------------------------------------------------------------------------------
// CancelToken
// ------------------------------------------------------------------------------------------

// Cancels calls from any thread. cancel() and cancel_after() may be called concurrently with
// the calls that use the token; the token itself must outlive those calls only as far as
// this object is concerned (the library keeps its own reference while a call runs, §4.1).
class CancelToken {
   public:
    CancelToken() : h_(fastgpt_cancel_token_new()) {
        if (!h_) throw Error::local(FASTGPT_E_PANIC, "fastgpt_cancel_token_new failed");
    }
    void cancel() const noexcept { fastgpt_cancel_token_cancel(h_.get()); }
    // A deadline `ms` milliseconds from now (the earliest one wins; <= 0 cancels at once).
    void cancel_after(int ms) const noexcept { fastgpt_cancel_token_cancel_after(h_.get(), ms); }
    template <class Rep, class Period>
    void cancel_after(std::chrono::duration<Rep, Period> d) const noexcept {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
        if (ms > std::numeric_limits<int32_t>::max()) ms = std::numeric_limits<int32_t>::max();
        cancel_after(static_cast<int>(ms));
    }
    const fastgpt_cancel_token* get() const noexcept { return h_.get(); }
    explicit operator bool() const noexcept { return static_cast<bool>(h_); }

   private:
    struct Free {
        void operator()(fastgpt_cancel_token* t) const noexcept { fastgpt_cancel_token_free(t); }
    };
    std::unique_ptr<fastgpt_cancel_token, Free> h_;
};

// An optional cancel token argument: pass a CancelToken, a pointer to one, or nothing.
class CancelArg {
   public:
    CancelArg() noexcept = default;
    CancelArg(std::nullptr_t) noexcept {}  // NOLINT(google-explicit-constructor)
    CancelArg(const CancelToken& t) noexcept : p_(t.get()) {}  // NOLINT
    CancelArg(const CancelToken* t) noexcept : p_(t ? t->get() : nullptr) {}  // NOLINT
    const fastgpt_cancel_token* get() const noexcept { return p_; }

   private:
    const fastgpt_cancel_token* p_ = nullptr;
};

// ------------------------------------------------------------------------------------------
// Streaming events
// ------------------------------------------------------------------------------------------

// One SSE event of a streaming completion (copied out of the library's borrowed strings).
struct Event {
    std::string event;                // "answer", "fastAnswer", "flowNodeStatus", ..., "done", "error"
    std::string data;                 // the event's data ("[DONE]" for "done")
    std::optional<std::string> text;  // answer/fastAnswer: the delta text ("" for none); else nullopt

    bool is_done() const noexcept { return event == "done"; }
    bool is_error() const noexcept { return event == "error"; }
    friend bool operator==(const Event& a, const Event& b) {
        return a.event == b.event && a.data == b.data && a.text == b.text;
    }
    friend bool operator!=(const Event& a, const Event& b) { return !(a == b); }
};

// Return true to continue, false to stop the transfer (the call then throws Error with
// Status::Aborted and the partial result). Exceptions thrown here are rethrown by the call.
using EventCallback = std::function<bool(const Event&)>;

// ------------------------------------------------------------------------------------------
// Stream (pull form, fastgpt_stream_*)
// ------------------------------------------------------------------------------------------

// An open streaming completion. Read it with next() or a range-for; one thread at a time.
// To stop a next() blocked on another thread, cancel the token given to open_stream; the
// destructor must not run while next() runs on another thread.
class Stream {
   public:
    class iterator {
       public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Event;
        using difference_type = std::ptrdiff_t;
        using pointer = const Event*;
        using reference = const Event&;

        iterator() noexcept = default;
        reference operator*() const noexcept { return s_->current_; }
        pointer operator->() const noexcept { return &s_->current_; }
        iterator& operator++() {
            if (!s_->read_next()) s_ = nullptr;
            return *this;
        }
        struct Proxy {
            Event value;
            const Event& operator*() const noexcept { return value; }
        };
        Proxy operator++(int) {
            Proxy p{s_->current_};
            ++*this;
            return p;
        }
        friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.s_ == b.s_; }
        friend bool operator!=(const iterator& a, const iterator& b) noexcept { return a.s_ != b.s_; }

       private:
        friend class Stream;
        explicit iterator(Stream* s) : s_(s) {
            if (!s_->read_next()) s_ = nullptr;
        }
        Stream* s_ = nullptr;
    };

    Stream() noexcept = default;
    Stream(Stream&& o) noexcept
        : h_(std::exchange(o.h_, nullptr)), current_(std::move(o.current_)), finished_(o.finished_) {}
    Stream& operator=(Stream&& o) noexcept {
        if (this != &o) {
            fastgpt_stream_free(h_);
            h_ = std::exchange(o.h_, nullptr);
            current_ = std::move(o.current_);
            finished_ = o.finished_;
        }
        return *this;
    }
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    ~Stream() { fastgpt_stream_free(h_); }

    // The next event, or nullopt once the stream finished cleanly. Throws Error otherwise
    // (an "error" event is returned first; the following call throws Status::Api).
    std::optional<Event> next() {
        if (!read_next()) return std::nullopt;
        return current_;
    }

    // Begins iteration: reads the first event. An input range: iterate it once.
    iterator begin() { return iterator(this); }
    iterator end() noexcept { return iterator(); }

    // The result accumulated so far (the callback form's result JSON).
    std::string result() {
        detail::OutString out;
        return detail::finish(fastgpt_stream_result(h_, out.out()), out);
    }

    bool finished() const noexcept { return finished_; }
    fastgpt_stream* get() const noexcept { return h_; }
    explicit operator bool() const noexcept { return h_ != nullptr; }

   private:
    friend class Client;
    explicit Stream(fastgpt_stream* h) noexcept : h_(h) {}

    bool read_next() {
        const char* ev = nullptr;
        const char* data = nullptr;
        const char* text = nullptr;
        detail::OutString err;
        const int32_t rc = fastgpt_stream_next(h_, &ev, &data, &text, err.out());
        if (rc != FASTGPT_OK) throw Error(rc, err.take());
        if (ev == nullptr) {
            finished_ = true;
            return false;
        }
        current_.event = ev;
        current_.data = data ? data : "";
        if (text)
            current_.text = std::string(text);
        else
            current_.text.reset();
        return true;
    }

    fastgpt_stream* h_ = nullptr;
    Event current_;
    bool finished_ = false;
};

// ------------------------------------------------------------------------------------------
// Client
// ------------------------------------------------------------------------------------------

// fastgpt_update_chat_history's `top`.
enum class Pin : int32_t { Leave = -1, Unpin = 0, Pin = 1 };

class Client {
   public:
    // api_key: required; base_url: nullopt = http://localhost:3000.
    explicit Client(const std::string& api_key,
                    const std::optional<std::string>& base_url = std::nullopt) {
        check_version();
        fastgpt_client* c = nullptr;
        detail::OutString err;
        const int32_t rc = fastgpt_client_new(detail::cstr(api_key, "api_key"),
                                              detail::cstr(base_url, "base_url"), &c, err.out());
        if (rc != FASTGPT_OK) throw Error(rc, err.take());
        h_.reset(c);
    }

    // options_json: {"api_key":..., "base_url":..., "headers":{...}, "timeout_ms":..., ...}
    static Client with_options(const std::string& options_json) {
        check_version();
        fastgpt_client* c = nullptr;
        detail::OutString err;
        const int32_t rc =
            fastgpt_client_new_with_options(detail::cstr(options_json, "options_json"), &c, err.out());
        if (rc != FASTGPT_OK) throw Error(rc, err.take());
        return Client(c);
    }

    // Takes ownership of a handle from the C API (NULL gives an empty client).
    static Client adopt(fastgpt_client* handle) noexcept { return Client(handle); }

    Client(Client&&) noexcept = default;
    Client& operator=(Client&&) noexcept = default;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;
    ~Client() = default;

    const fastgpt_client* get() const noexcept { return h_.get(); }
    fastgpt_client* release() noexcept { return h_.release(); }
    explicit operator bool() const noexcept { return static_cast<bool>(h_); }

    // ---- completions

    std::string create_chat_completion(const std::string& request_json, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_create_chat_completion(
                                  h(), detail::cstr(request_json, "request_json"), cancel.get(), out.out()),
                              out);
    }

    // Streams the completion through `on_event` (may be empty: the result is still
    // accumulated) and returns the result JSON {"answer","reasoning","finish_reason",...}.
    std::string create_chat_completion_stream(const std::string& request_json,
                                              const EventCallback& on_event,
                                              CancelArg cancel = {}) const {
        const char* req = detail::cstr(request_json, "request_json");
        return stream_call(on_event, [&](fastgpt_stream_callback cb, void* ud, char** out) {
            return fastgpt_create_chat_completion_stream(h(), req, cb, ud, cancel.get(), out);
        });
    }

    // Opens a pull stream. Errors answered before the body (non-2xx, JSON errors) throw here.
    Stream open_stream(const std::string& request_json, CancelArg cancel = {}) const {
        const char* req = detail::cstr(request_json, "request_json");
        return open_with([&](fastgpt_stream** s, char** err) {
            return fastgpt_stream_open(h(), req, cancel.get(), s, err);
        });
    }

    // ---- chat history and records

    // source: nullopt sends "api"; "" lists every source.
    std::string get_chat_histories(const std::string& app_id, int offset = 0, int page_size = 20,
                                   const std::optional<std::string>& source = std::nullopt,
                                   CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_chat_histories(h(), detail::cstr(app_id, "app_id"), offset, page_size,
                                       detail::cstr(source, "source"), cancel.get(), out.out()),
            out);
    }

    std::string get_chat_init(const std::string& app_id, const std::string& chat_id,
                              CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_get_chat_init(h(), detail::cstr(app_id, "app_id"),
                                                    detail::cstr(chat_id, "chat_id"), cancel.get(),
                                                    out.out()),
                              out);
    }

    std::string get_chat_records(const std::string& app_id, const std::string& chat_id,
                                 int offset = 0, int page_size = 20,
                                 bool load_custom_feedbacks = false, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_chat_records(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                     offset, page_size, load_custom_feedbacks ? 1 : 0, cancel.get(),
                                     out.out()),
            out);
    }

    std::string get_record_detail(const std::string& app_id, const std::string& chat_id,
                                  const std::string& data_id, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_record_detail(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                      detail::cstr(data_id, "data_id"), cancel.get(), out.out()),
            out);
    }

    // custom_title: nullopt leaves it, "" clears it. Both nullopt and Pin::Leave is an error.
    std::string update_chat_history(const std::string& app_id, const std::string& chat_id,
                                    const std::optional<std::string>& custom_title,
                                    Pin top = Pin::Leave, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_update_chat_history(h(), detail::cstr(app_id, "app_id"),
                                        detail::cstr(chat_id, "chat_id"),
                                        detail::cstr(custom_title, "custom_title"),
                                        static_cast<int32_t>(top), cancel.get(), out.out()),
            out);
    }

    std::string delete_chat_history(const std::string& app_id, const std::string& chat_id,
                                    CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_delete_chat_history(h(), detail::cstr(app_id, "app_id"),
                                                          detail::cstr(chat_id, "chat_id"),
                                                          cancel.get(), out.out()),
                              out);
    }

    std::string clear_chat_histories(const std::string& app_id, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_clear_chat_histories(h(), detail::cstr(app_id, "app_id"), cancel.get(), out.out()),
            out);
    }

    std::string delete_chat_record(const std::string& app_id, const std::string& chat_id,
                                   const std::string& content_id, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_delete_chat_record(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                       detail::cstr(content_id, "content_id"), cancel.get(), out.out()),
            out);
    }

    // The server sets each feedback given and removes each one that is nullopt.
    std::string send_feedback(const std::string& app_id, const std::string& chat_id,
                              const std::string& data_id,
                              const std::optional<std::string>& user_good_feedback,
                              const std::optional<std::string>& user_bad_feedback,
                              CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_send_feedback(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                  detail::cstr(data_id, "data_id"),
                                  detail::cstr(user_good_feedback, "user_good_feedback"),
                                  detail::cstr(user_bad_feedback, "user_bad_feedback"), cancel.get(),
                                  out.out()),
            out);
    }

    // question_guide_json: a JSON object sent as questionGuide; nullopt = the app's config.
    std::string get_suggested_questions(const std::string& app_id, const std::string& chat_id,
                                        const std::optional<std::string>& question_guide_json = std::nullopt,
                                        CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_suggested_questions(h(), detail::cstr(app_id, "app_id"),
                                            detail::cstr(chat_id, "chat_id"),
                                            detail::cstr(question_guide_json, "question_guide_json"),
                                            cancel.get(), out.out()),
            out);
    }

    std::string get_app_logs_chart(const std::string& app_id, const std::string& date_start,
                                   const std::string& date_end,
                                   const std::optional<std::string>& options_json = std::nullopt,
                                   CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_app_logs_chart(h(), detail::cstr(app_id, "app_id"),
                                       detail::cstr(date_start, "date_start"),
                                       detail::cstr(date_end, "date_end"),
                                       detail::cstr(options_json, "options_json"), cancel.get(),
                                       out.out()),
            out);
    }

    // Any other endpoint: method "GET"/"POST"/"PUT"/"DELETE", path "/api/...".
    std::string request(const std::string& method, const std::string& path,
                        const std::optional<std::string>& query_json = std::nullopt,
                        const std::optional<std::string>& body_json = std::nullopt,
                        CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_request(h(), detail::cstr(method, "method"),
                                              detail::cstr(path, "path"),
                                              detail::cstr(query_json, "query_json"),
                                              detail::cstr(body_json, "body_json"), cancel.get(),
                                              out.out()),
                              out);
    }

    // ---- chat files: return {"url","key","name","type","preview_url"}

    std::string upload_chat_file(const std::string& app_id, const std::string& chat_id,
                                 const std::string& file_path, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_upload_chat_file(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                     detail::cstr(file_path, "file_path"), cancel.get(), out.out()),
            out);
    }

    // content_type: nullopt or "" detects it from the data, then the name.
    std::string upload_chat_bytes(const std::string& app_id, const std::string& chat_id,
                                  const std::string& file_name, const void* data, std::size_t size,
                                  const std::optional<std::string>& content_type = std::nullopt,
                                  CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_upload_chat_bytes(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                      detail::cstr(file_name, "file_name"),
                                      detail::cstr(content_type, "content_type"), data, size,
                                      cancel.get(), out.out()),
            out);
    }
    std::string upload_chat_bytes(const std::string& app_id, const std::string& chat_id,
                                  const std::string& file_name, std::string_view data,
                                  const std::optional<std::string>& content_type = std::nullopt,
                                  CancelArg cancel = {}) const {
        return upload_chat_bytes(app_id, chat_id, file_name, data.data(), data.size(), content_type,
                                 cancel);
    }
    std::string upload_chat_bytes(const std::string& app_id, const std::string& chat_id,
                                  const std::string& file_name, const std::vector<unsigned char>& data,
                                  const std::optional<std::string>& content_type = std::nullopt,
                                  CancelArg cancel = {}) const {
        return upload_chat_bytes(app_id, chat_id, file_name, data.data(), data.size(), content_type,
                                 cancel);
    }

    // ---- revision 3: the FastGPT 4.14-4.16 chat surface

    // Stops a running generation of chat_id (only v2 runs poll the stop flag). The envelope's
    // data is {"success", "completed"?, "chatGenerateStatus"?}. FastGPT >= 4.14.5.
    std::string stop_chat_completion(const std::string& app_id, const std::string& chat_id,
                                     CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_stop_chat_completion(h(), detail::cstr(app_id, "app_id"),
                                                           detail::cstr(chat_id, "chat_id"),
                                                           cancel.get(), out.out()),
                              out);
    }

    // Picks up chat_id's stream after a disconnect (FastGPT >= 4.14.11; the round must have
    // been started by a v2 streaming completion on a client with "stream_resume": true).
    // Events as create_chat_completion_stream's plus "resumePhase" ("catchup", then "live"),
    // "resumeUnavailable" and "resumeCompleted". The catch-up replays the round from its
    // start: the result is the round's whole result with
    // "resume":{"phase","completed","unavailable_reason","records"} added (records: the final
    // records "resumeCompleted" carried, else null; response_chat_item_id comes from them).
    std::string resume_chat_completion_stream(const std::string& app_id, const std::string& chat_id,
                                              const EventCallback& on_event,
                                              CancelArg cancel = {}) const {
        const char* app = detail::cstr(app_id, "app_id");
        const char* chat = detail::cstr(chat_id, "chat_id");
        return stream_call(on_event, [&](fastgpt_stream_callback cb, void* ud, char** out) {
            return fastgpt_resume_chat_completion_stream(h(), app, chat, cb, ud, cancel.get(), out);
        });
    }

    // The same as a pull stream; its result() carries "resume" too.
    Stream open_resume_stream(const std::string& app_id, const std::string& chat_id,
                              CancelArg cancel = {}) const {
        const char* app = detail::cstr(app_id, "app_id");
        const char* chat = detail::cstr(chat_id, "chat_id");
        return open_with([&](fastgpt_stream** s, char** err) {
            return fastgpt_stream_resume_open(h(), app, chat, cancel.get(), s, err);
        });
    }

    // chat_ids_json: a JSON array of 1 to 200 non-empty strings. data {"list":[{"chatId",
    // "updateTime","chatGenerateStatus","hasBeenRead"?}]}; unknown ids are left out.
    std::string get_history_status(const std::string& app_id, const std::string& chat_ids_json,
                                   CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_get_history_status(h(), detail::cstr(app_id, "app_id"),
                                                         detail::cstr(chat_ids_json, "chat_ids_json"),
                                                         cancel.get(), out.out()),
                              out);
    }
    std::string get_history_status(const std::string& app_id, const std::vector<std::string>& chat_ids,
                                   CancelArg cancel = {}) const {
        return get_history_status(app_id, detail::string_array(chat_ids), cancel);
    }

    // Marks chat_id read (FastGPT also moves it to the top of the history list).
    std::string mark_chat_read(const std::string& app_id, const std::string& chat_id,
                               CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_mark_chat_read(h(), detail::cstr(app_id, "app_id"),
                                                     detail::cstr(chat_id, "chat_id"), cancel.get(),
                                                     out.out()),
                              out);
    }

    // Deletes the chats in chat_ids_json (a JSON array of >= 1 non-empty strings) for good.
    std::string delete_chat_histories(const std::string& app_id, const std::string& chat_ids_json,
                                      CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(fastgpt_delete_chat_histories(h(), detail::cstr(app_id, "app_id"),
                                                            detail::cstr(chat_ids_json, "chat_ids_json"),
                                                            cancel.get(), out.out()),
                              out);
    }
    std::string delete_chat_histories(const std::string& app_id, const std::vector<std::string>& chat_ids,
                                      CancelArg cancel = {}) const {
        return delete_chat_histories(app_id, detail::string_array(chat_ids), cancel);
    }

    // Cursor paging: options_json members are passed through ("prevId" | "nextId" |
    // "initialId", "loadCustomFeedbacks", "includeDeleted", "type"). data {"list","total",
    // "hasMorePrev","hasMoreNext"}.
    std::string get_chat_records_v2(const std::string& app_id, const std::string& chat_id,
                                    int page_size = 20,
                                    const std::optional<std::string>& options_json = std::nullopt,
                                    CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_chat_records_v2(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                        page_size, detail::cstr(options_json, "options_json"),
                                        cancel.get(), out.out()),
            out);
    }

    // A download URL (valid about an hour) for `key`, a file uploaded to this chat; the
    // envelope's data is the URL string.
    std::string get_chat_file_url(const std::string& app_id, const std::string& chat_id,
                                  const std::string& key, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_chat_file_url(h(), detail::cstr(app_id, "app_id"), detail::cstr(chat_id, "chat_id"),
                                      detail::cstr(key, "key"), cancel.get(), out.out()),
            out);
    }

    // Commercial edition: data {"totalUsers","totalChats","totalPoints"}.
    std::string get_app_logs_total(const std::string& app_id, CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_app_logs_total(h(), detail::cstr(app_id, "app_id"), cancel.get(), out.out()), out);
    }

    // The app's chat logs between date_start and date_end (ISO-8601); options_json members
    // are passed through ("sources", "tmbIds", "chatSearch", "feedbackType", "unreadOnly",
    // "errorFilter", ...). API keys from FastGPT 4.15.2.
    std::string get_app_logs(const std::string& app_id, const std::string& date_start,
                             const std::string& date_end, int offset = 0, int page_size = 20,
                             const std::optional<std::string>& options_json = std::nullopt,
                             CancelArg cancel = {}) const {
        detail::OutString out;
        return detail::finish(
            fastgpt_get_app_logs(h(), detail::cstr(app_id, "app_id"), detail::cstr(date_start, "date_start"),
                                 detail::cstr(date_end, "date_end"), offset, page_size,
                                 detail::cstr(options_json, "options_json"), cancel.get(), out.out()),
            out);
    }

   private:
    explicit Client(fastgpt_client* c) noexcept : h_(c) {}

    // The callback form of every streaming call: `call(cb, user_data, out)` runs the C
    // function with the binding's C callback, which hands each event to `on_event` and
    // never lets an exception out (the C API contract, §6: "a callback must return
    // normally"); an exception thrown by `on_event` stops the transfer and is rethrown here
    // once the library has returned.
    template <typename Call>
    static std::string stream_call(const EventCallback& on_event, Call&& call) {
        struct State {
            const EventCallback* fn;
            std::exception_ptr error;
            Event scratch;
        } st{&on_event, nullptr, {}};
        // A captureless lambda converts to a C function pointer.
        fastgpt_stream_callback cb = [](void* ud, const char* ev, const char* data,
                                        const char* text) noexcept -> int32_t {
            auto* s = static_cast<State*>(ud);
            try {
                s->scratch.event = ev ? ev : "";
                s->scratch.data = data ? data : "";
                if (text)
                    s->scratch.text = std::string(text);
                else
                    s->scratch.text.reset();
                return (*s->fn)(s->scratch) ? 0 : 1;
            } catch (...) {
                s->error = std::current_exception();
                return 1;
            }
        };
        detail::OutString out;
        const int32_t rc = call(on_event ? cb : nullptr, on_event ? static_cast<void*>(&st) : nullptr,
                                out.out());
        if (st.error) std::rethrow_exception(st.error);
        return detail::finish(rc, out);
    }

    // The pull form of every streaming call: `open(&stream, &error)` runs the C opener.
    template <typename Open>
    static Stream open_with(Open&& open) {
        fastgpt_stream* s = nullptr;
        detail::OutString err;
        const int32_t rc = open(&s, err.out());
        if (rc != FASTGPT_OK) {
            fastgpt_stream_free(s);  // NULL on failure per the contract; never leak it
            throw Error(rc, err.take());
        }
        return Stream(s);
    }
    // A moved-from client passes NULL: the library answers FASTGPT_E_INVALID_ARGUMENT.
    const fastgpt_client* h() const noexcept { return h_.get(); }

    struct Free {
        void operator()(fastgpt_client* c) const noexcept { fastgpt_client_free(c); }
    };
    std::unique_ptr<fastgpt_client, Free> h_;
};

}  // namespace fastgpt

#endif  // FASTGPT_HPP
