/*
 * test_hostile.c: hostile peers through the C API (contract revision 3, §11), against the
 * dev server's hostile knobs, so that these error paths also run under ASan/UBSan and
 * valgrind: whitespace floods before a stream (plain and gzip), hostile presign answers
 * (Content-Length, forbidden headers, userinfo), base_url userinfo, encoded dot segments,
 * echoed credentials, connections closed while idle, and stream_timeout_ms.
 */
#include "fgtest.h"

#define CHAT "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"

static const unsigned char DATA[] = "0123456789";

static char *stream_with_fault(const char *fault, const char *extra, int *rc) {
    char key[64];
    char *out = NULL;
    fastgpt_client *c;
    uniq(key, sizeof key, "hostile");
    c = mk_fault_client(key, fault, 0, extra);
    if (c == NULL) return NULL;
    *rc = fastgpt_create_chat_completion_stream(c, CHAT, NULL, NULL, NULL, &out);
    fastgpt_client_free(c);
    return out;
}

TEST(whitespace_floods_before_a_stream_are_protocol) {
    const char *faults[] = {"whitespace-forever:sse", "gzip-whitespace-forever:sse",
                            "whitespace-forever:json"};
    size_t i;
    for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        int rc = -1;
        char *out = stream_with_fault(faults[i], "\"max_event_bytes\":65536", &rc);
        CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
        CHECK_ERR_JSON(out, FASTGPT_E_PROTOCOL);
        CHECK_JINT(out, "error.http_status", 200);
        CHECK_STR_CONTAINS(out, "whitespace");
        fastgpt_string_free(out);
    }
}

static char *upload_with(const char *presign, const char *fault, int *rc) {
    char key[64], app[25];
    char *opts, *out = NULL;
    fastgpt_client *c;
    uniq(key, sizeof key, "hostile-up");
    uniq_app(app);
    opts = xfmt("\"headers\":{\"X-Dev-Fault-Key\":\"%s\",\"X-Dev-Fault\":\"%s\","
                "\"X-Dev-Presign\":\"%s\"},\"max_retries\":0",
                key, fault, presign);
    c = mk_client(opts);
    free(opts);
    if (c == NULL) return NULL;
    *rc = fastgpt_upload_chat_bytes(c, app, "chat1", "a.txt", "text/plain", DATA, 10, NULL, &out);
    fastgpt_client_free(c);
    return out;
}

TEST(hostile_presign_answers_are_protocol) {
    const char *faults[] = {"presign-content-length:999", "presign-content-length:3",
                            "presign-forbidden-headers", "presign-header:Cookie=a%20b",
                            "presign-header:Proxy-Authorization=Basic%20eDp5"};
    size_t i;
    for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        int rc = -1;
        double t0 = now_ms();
        char *out = upload_with("put", faults[i], &rc);
        CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
        CHECK_ERR_JSON(out, FASTGPT_E_PROTOCOL);
        CHECKM(now_ms() - t0 < 10000 * tscale(), "%s took %.0f ms", faults[i], now_ms() - t0);
        fastgpt_string_free(out);
    }
}

TEST(upload_url_with_userinfo_is_protocol_and_never_echoed) {
    const char *shapes[] = {"post", "put"};
    size_t i;
    for (i = 0; i < 2; i++) {
        int rc = -1;
        char *out = upload_with(shapes[i], "presign-userinfo", &rc);
        CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
        CHECK_STR_CONTAINS(out, "userinfo");
        CHECK_STR_NOT_CONTAINS(out, "dev-secret-password");
        fastgpt_string_free(out);
    }
}

TEST(base_url_userinfo_is_invalid_argument) {
    const char *urls[] = {"http://u:base-secret-pw@127.0.0.1:1", "http://u@127.0.0.1:1/api",
                          "ftp://u:base-secret-pw@h", "http://u:base-secret-pw@h:99999"};
    size_t i;
    for (i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        fastgpt_client *c = (fastgpt_client *)&c;
        char *err = NULL;
        int rc = fastgpt_client_new(DEV_KEY, urls[i], &c, &err);
        CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, err);
        CHECK(c == NULL);
        CHECK_STR_NOT_CONTAINS(err, "base-secret-pw");
        fastgpt_string_free(err);
    }
}

TEST(encoded_dot_segments_and_separators_are_refused) {
    const char *paths[] = {"/api/%2e%2e/x", "/api/%2E%2E", "/api/.%2e/x", "/api/..%2Fx",
                           "/api/a%2fb", "/api/a%5Cb"};
    char key[64];
    size_t i;
    fastgpt_client *c;
    uniq(key, sizeof key, "hostile-path");
    c = mk_fault_client(key, NULL, 0, NULL);
    REQUIRE(c != NULL);
    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *out = NULL;
        int rc = fastgpt_request(c, "GET", paths[i], NULL, NULL, NULL, &out);
        CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, out);
        CHECK_JINT(out, "error.attempts", 0);
        fastgpt_string_free(out);
    }
    CHECK_EQ_INT(dev_count(key), 0);
    fastgpt_client_free(c);
}

TEST(echoed_escaped_key_is_masked) {
    char key[64];
    char *opts, *out = NULL;
    fastgpt_client *c = NULL;
    int rc;
    uniq(key, sizeof key, "hostile-echo");
    /* The key has `"` and `\`, which the server echoes JSON-escaped. */
    opts = xfmt("{\"api_key\":\"fastgpt-dev\\\"k\\\\ey\",\"base_url\":\"%s\",\"max_retries\":0,"
                "\"headers\":{\"X-Dev-Fault\":\"echo-auth\",\"X-Dev-Fault-Key\":\"%s\"}}",
                test_url(), key);
    rc = fastgpt_client_new_with_options(opts, &c, NULL);
    free(opts);
    REQUIRE(rc == FASTGPT_OK && c != NULL);
    rc = fastgpt_request(c, "GET", "/api/core/dataset/list", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.http_status", 401);
    CHECK_STR_NOT_CONTAINS(out, "fastgpt-dev");
    CHECK_STR_CONTAINS(out, "***");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(connections_closed_while_idle_do_not_fail_calls) {
    char key[64], app[25];
    int i;
    fastgpt_client *c;
    uniq(key, sizeof key, "hostile-idle");
    uniq_app(app);
    c = mk_fault_client(key, "idle-close:30", 0, "\"max_retries\":0");
    REQUIRE(c != NULL);
    for (i = 0; i < 4; i++) {
        char *out = NULL;
        int rc = fastgpt_get_chat_histories(c, app, 0, 10, NULL, NULL, &out);
        CHECK_RC(rc, FASTGPT_OK, out);
        fastgpt_string_free(out);
        sleep_ms(120);
    }
    fastgpt_client_free(c);
}

TEST(trickling_stream_ends_at_stream_timeout_ms) {
    int rc = -1;
    double t0 = now_ms();
    char *out = stream_with_fault("trickle:100",
                                  "\"stream_idle_timeout_ms\":5000,\"stream_timeout_ms\":1200", &rc);
    double took = now_ms() - t0;
    CHECK_RC(rc, FASTGPT_E_TIMEOUT, out);
    CHECK_JSTR(out, "error.timeout", "request");
    CHECKM(took >= 1100 && took < 6000 * tscale(), "took %.0f ms", took);
    fastgpt_string_free(out);
}

static const struct test_case TESTS[] = {
    T(whitespace_floods_before_a_stream_are_protocol),
    T(hostile_presign_answers_are_protocol),
    T(upload_url_with_userinfo_is_protocol_and_never_echoed),
    T(base_url_userinfo_is_invalid_argument),
    T(encoded_dot_segments_and_separators_are_refused),
    T(echoed_escaped_key_is_masked),
    T(connections_closed_while_idle_do_not_fail_calls),
    T(trickling_stream_ends_at_stream_timeout_ms),
};
TEST_MAIN(TESTS)
