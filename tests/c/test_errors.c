/*
 * test_errors.c: status codes and error JSON fields (docs/guide.md §6), secrets never
 * in error JSON, timeouts, retries, using the dev server's error styles and
 * faults, plus a raw capture server for body-limit/UTF-8 cases.
 */
#include "fgtest.h"

#define APP "65f0000000000000000000aa"

static const char *ERROR_FIELDS[] = {"status",      "status_name",    "message",    "http_status",
                                     "api_code",    "status_text",    "body",       "retry_after_ms",
                                     "request_id",  "method",         "url",        "attempts",
                                     "timeout",     "partial"};

/* Every documented field is present; the JSON is valid UTF-8 JSON. */
static void check_error_shape(const char *file, int line, const char *json, int code) {
    size_t i;
    char path[64];
    g_checks++;
    if (json == NULL) {
        check_failf(file, line, "error JSON is NULL");
        return;
    }
    if (!jvalid(json) || !utf8_valid(json)) check_failf(file, line, "invalid JSON: %s", json);
    for (i = 0; i < sizeof ERROR_FIELDS / sizeof ERROR_FIELDS[0]; i++) {
        snprintf(path, sizeof path, "error.%s", ERROR_FIELDS[i]);
        if (jget(json, path) == NULL) check_failf(file, line, "missing %s in %s", path, json);
    }
    {
        int ok = 0;
        char *name = jstr(jget(json, "error.status_name"));
        if (jint(jget(json, "error.status"), &ok) != code || !ok)
            check_failf(file, line, "error.status != %d in %s", code, json);
        if (name == NULL || strcmp(name, fastgpt_status_str(code)) != 0)
            check_failf(file, line, "error.status_name != %s in %s", fastgpt_status_str(code), json);
        free(name);
    }
}
#define CHECK_SHAPE(json, code) check_error_shape(__FILE__, __LINE__, (json), (code))

static long elapsed_since(double t0) { return (long)(now_ms() - t0); }

/* ------------------------------------------------------------------ E1 / E2 / E3 */

static fastgpt_client *style_client(const char *style, const char *key) {
    char *opts = xfmt("{\"api_key\":\"%s\",\"base_url\":\"%s\",\"retry_delay_ms\":10,"
                      "\"headers\":{\"X-Dev-Errors\":\"%s\"}}",
                      key, test_url(), style);
    fastgpt_client *c = NULL;
    char *err = NULL;
    if (fastgpt_client_new_with_options(opts, &c, &err) != FASTGPT_OK)
        check_failf(__FILE__, __LINE__, "client: %s", err ? err : "?");
    fastgpt_string_free(err);
    free(opts);
    return c;
}

TEST(e1_wrong_key_http200_envelope) {
    fastgpt_client *c = style_client("e1", "wrong-key-AAA111");
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.http_status", 200);
    CHECK_JINT(out, "error.api_code", 514);
    CHECK_JSTR(out, "error.status_text", "unAuthApiKey");
    CHECK_STR_CONTAINS(jget(out, "error.message"), "common:code_error.error_message.514");
    CHECK_STR_CONTAINS(jget(out, "error.body"), "unAuthApiKey");
    CHECK_JSTR(out, "error.method", "POST");
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/core/chat/history/getHistories");
    CHECK_JINT(out, "error.attempts", 1);
    CHECK_JNULL(out, "error.timeout");
    CHECK_JNULL(out, "error.partial");
    CHECK_JNULL(out, "error.retry_after_ms");
    CHECK_STR_NOT_CONTAINS(out, "wrong-key-AAA111");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(e2_wrong_key_http500_envelope) {
    fastgpt_client *c = style_client("e2", "wrong-key-BBB222");
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "x", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.http_status", 500);
    CHECK_JINT(out, "error.api_code", 514);
    CHECK_JSTR(out, "error.status_text", "unAuthApiKey");
    CHECK_JSTR(out, "error.method", "GET");
    CHECK_JINT(out, "error.attempts", 1); /* 500 is never retried */
    CHECK_STR_NOT_CONTAINS(out, "wrong-key-BBB222");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(e3_wrong_key_401_and_validation_400_with_request_id) {
    fastgpt_client *c = style_client("e3", "wrong-key-CCC333");
    fastgpt_client *ok = style_client("e3", DEV_KEY);
    char *out = NULL, *rid;
    int rc;
    REQUIRE(c != NULL && ok != NULL);
    rc = fastgpt_get_chat_records(c, APP, "x", 0, 10, 0, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.http_status", 401);
    CHECK_JINT(out, "error.api_code", 514);
    CHECK_JSTR(out, "error.status_text", "unAuthApiKey");
    rid = jstr(jget(out, "error.request_id"));
    CHECKM(rid != NULL && *rid != '\0', "request_id missing: %s", out);
    free(rid);
    CHECK_STR_NOT_CONTAINS(out, "wrong-key-CCC333");
    fastgpt_string_free(out);
    out = NULL;
    /* validation: appId not 24 hex -> HTTP 400, code 400, zodError in body */
    rc = fastgpt_get_chat_histories(ok, "not-hex", 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.http_status", 400);
    CHECK_JINT(out, "error.api_code", 400);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "Data validation error");
    CHECK_STR_CONTAINS(jget(out, "error.body"), "zodError");
    rid = jstr(jget(out, "error.request_id"));
    CHECKM(rid != NULL && *rid != '\0', "request_id missing: %s", out);
    free(rid);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    fastgpt_client_free(ok);
}

TEST(e1_plain_error_and_business_error_pagesize) {
    fastgpt_client *c = style_client("e1", DEV_KEY);
    fastgpt_client *e2 = style_client("e2", DEV_KEY);
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL && e2 != NULL);
    /* plain E1 error on feedback for a missing item: HTTP = code 500, statusText "" */
    rc = fastgpt_send_feedback(c, APP, "nochat", "noitem", "x", NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "Chat item not found");
    CHECK_JINT(out, "error.api_code", 500);
    fastgpt_string_free(out);
    out = NULL;
    /* E2 plain error */
    rc = fastgpt_send_feedback(e2, APP, "nochat", "noitem", "x", NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JSTR(out, "error.status_text", "error");
    CHECK_JINT(out, "error.http_status", 500);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    fastgpt_client_free(e2);
}

TEST(completion_api_errors) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Errors\":\"e3\"}");
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "messages is empty");
    CHECK_JSTR(out, "error.method", "POST");
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/v1/chat/completions");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ generic faults */

static fastgpt_client *fault_client(const char *key, const char *fault, int times,
                                    const char *extra) {
    char *ex = xfmt("\"retry_delay_ms\":10%s%s", extra && *extra ? "," : "", extra ? extra : "");
    fastgpt_client *c = mk_fault_client(key, fault, times, ex);
    free(ex);
    return c;
}

TEST(html502_is_http_error_with_body) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "html502");
    c = fault_client(key, "html502", 0, "\"max_retries\":0");
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_SHAPE(out, FASTGPT_E_HTTP);
    CHECK_JINT(out, "error.http_status", 502);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "<html");
    CHECK_STR_CONTAINS(jget(out, "error.body"), "nginx");
    CHECK_JNULL(out, "error.api_code");
    CHECK_JINT(out, "error.attempts", 1);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(html504_is_http_error) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "html504");
    c = fault_client(key, "html504", 0, "\"max_retries\":0");
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 504);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(redirect_not_followed) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "redirect");
    c = fault_client(key, "redirect", 0, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_SHAPE(out, FASTGPT_E_HTTP);
    CHECK_JINT(out, "error.http_status", 302);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "http://127.0.0.1:1/elsewhere");
    CHECK_JINT(out, "error.attempts", 1);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(openai_error_is_api) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "openai");
    c = fault_client(key, "openai-error", 0, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.http_status", 400);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "bad model");
    {
        char *st = jstr(jget(out, "error.status_text"));
        CHECKM(st != NULL && (strcmp(st, "model_not_found") == 0 || strcmp(st, "invalid_request_error") == 0),
               "status_text: %s", out);
        free(st);
    }
    CHECK_JNULL(out, "error.api_code");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(garbage_200_is_protocol) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "garbage");
    c = fault_client(key, "garbage-200", 0, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_SHAPE(out, FASTGPT_E_PROTOCOL);
    CHECK_JINT(out, "error.http_status", 200);
    CHECK_JSTR(out, "error.body", "{not json");
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_request(c, "GET", "/api/__dev/echo", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(envelope_endpoint_200_non_envelope_is_protocol) {
    /* rule 5: a 2xx JSON body that is not an envelope on an envelope endpoint */
    struct capsrv s;
    fastgpt_client *cc;
    char *resp = json_resp("{\"list\":[]}");
    char *out = NULL;
    int rc;
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, NULL);
    rc = fastgpt_get_chat_histories(cc, APP, 0, 10, NULL, NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    fastgpt_string_free(out);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

TEST(big_body_over_max_response_bytes) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "bigbody");
    c = fault_client(key, "big-body:5000", 0, "\"max_response_bytes\":2000");
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_SHAPE(out, FASTGPT_E_PROTOCOL);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    /* under the limit: OK */
    uniq(key, sizeof key, "bigbody-ok");
    c = fault_client(key, "big-body:1000", 0, "\"max_response_bytes\":2000");
    REQUIRE(c != NULL);
    out = NULL;
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK(out != NULL && strlen(out) > 1000);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(error_status_over_max_response_bytes_is_protocol) {
    /* "a longer one gives FASTGPT_E_PROTOCOL, whatever the status" */
    struct capsrv s;
    fastgpt_client *cc;
    char big[3000];
    char *resp;
    char *out = NULL;
    int rc;
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    resp = xfmt("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: %lu\r\n"
                "Connection: close\r\n\r\n%s", (unsigned long)strlen(big), big);
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, "\"max_response_bytes\":1000");
    rc = fastgpt_get_chat_init(cc, APP, "c", NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    fastgpt_string_free(out);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

TEST(error_body_cut_at_64k_on_char_boundary_and_utf8_repaired) {
    struct capsrv s;
    fastgpt_client *cc;
    size_t n = 70000, i;
    char *big = (char *)malloc(n + 16);
    char *resp, *body;
    char *out = NULL;
    int rc;
    /* "\xff" then 3-byte characters: invalid bytes must become U+FFFD, cut on a boundary */
    big[0] = '\xff';
    for (i = 1; i + 3 <= n; i += 3) memcpy(big + i, "\xe4\xb8\xad", 3);
    big[i] = '\0';
    resp = xfmt("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: %lu\r\n"
                "Connection: close\r\n\r\n%s", (unsigned long)strlen(big), big);
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, NULL);
    rc = fastgpt_get_chat_init(cc, APP, "c", NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK(out != NULL && utf8_valid(out) && jvalid(out));
    body = jstr(jget(out, "error.body"));
    CHECKM(body != NULL && strlen(body) <= 65536 && strlen(body) >= 60000, "body length %lu",
           body ? (unsigned long)strlen(body) : 0UL);
    CHECK(body != NULL && utf8_valid(body));
    CHECK(body != NULL && strncmp(body, "\xef\xbf\xbd", 3) == 0); /* U+FFFD */
    free(body);
    fastgpt_string_free(out);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
    free(big);
}

TEST(connection_refused_is_transport) {
    int port = closed_port();
    char *opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"http://127.0.0.1:%d\",\"retry_delay_ms\":10}", port);
    fastgpt_client *c = NULL;
    char *out = NULL;
    int rc;
    fastgpt_client_new_with_options(opts, &c, NULL);
    free(opts);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
    CHECK_SHAPE(out, FASTGPT_E_TRANSPORT);
    CHECK_JNULL(out, "error.http_status");
    CHECK_JNULL(out, "error.body");
    CHECK_JNULL(out, "error.api_code");
    CHECK_JINT(out, "error.attempts", 3); /* connect failures are retried (max_retries 2) */
    CHECK_STR_NOT_CONTAINS(out, DEV_KEY);
    fastgpt_string_free(out);
    out = NULL;
    /* completions are retried on connect failure too (nothing was sent) */
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
    CHECK_JINT(out, "error.attempts", 3);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
    CHECK_JNULL(out, "error.http_status");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(reset_and_close_before_headers_are_transport) {
    static const char *faults[] = {"reset-before-headers", "close-before-headers", "truncated-body"};
    size_t i;
    for (i = 0; i < 3; i++) {
        char key[64];
        fastgpt_client *c;
        char *out = NULL;
        int rc;
        uniq(key, sizeof key, faults[i]);
        c = fault_client(key, faults[i], 0, "\"max_retries\":0");
        REQUIRE(c != NULL);
        rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
        CHECKM(rc == FASTGPT_E_TRANSPORT, "%s: got %s: %s", faults[i], fastgpt_status_str(rc), out ? out : "");
        CHECK_SHAPE(out, FASTGPT_E_TRANSPORT);
        if (i < 2) CHECK_JNULL(out, "error.http_status");
        fastgpt_string_free(out);
        out = NULL;
        /* completion: not retried after the request was written, even with retries on */
        fastgpt_client_free(c);
        uniq(key, sizeof key, faults[i]);
        c = fault_client(key, faults[i], 0, NULL);
        rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
        CHECKM(rc == FASTGPT_E_TRANSPORT, "%s completion: got %s", faults[i], fastgpt_status_str(rc));
        CHECK_JINT(out, "error.attempts", 1);
        fastgpt_string_free(out);
        CHECK_EQ_INT(dev_count(key), 1);
        fastgpt_client_free(c);
    }
}

TEST(malformed_status_line_fails_cleanly) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "malformed");
    c = fault_client(key, "malformed-status", 0, "\"max_retries\":0");
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECKM(rc == FASTGPT_E_TRANSPORT || rc == FASTGPT_E_PROTOCOL, "got %s", fastgpt_status_str(rc));
    CHECK(out != NULL && jvalid(out));
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(stall_before_headers_request_timeout) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "stall");
    c = fault_client(key, "stall-before-headers:4000", 0, "\"timeout_ms\":300");
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TIMEOUT, out);
    CHECK_SHAPE(out, FASTGPT_E_TIMEOUT);
    CHECK_JSTR(out, "error.timeout", "request");
    CHECK_JNULL(out, "error.http_status");
    CHECKM(elapsed_since(t0) < (long)(1500 * tscale()), "took %ld ms", elapsed_since(t0));
    CHECK_JINT(out, "error.attempts", 1); /* timeouts are not retried */
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(stall_before_headers_completion_timeout) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "stallc");
    c = fault_client(key, "stall-before-headers:4000", 0, "\"completion_timeout_ms\":300");
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TIMEOUT, out);
    CHECK_JSTR(out, "error.timeout", "request");
    CHECKM(elapsed_since(t0) < (long)(1500 * tscale()), "took %ld ms", elapsed_since(t0));
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(stream_stall_before_headers_idle_timeout) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "stalls");
    c = fault_client(key, "stall-before-headers:4000", 0, "\"stream_idle_timeout_ms\":300");
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_create_chat_completion_stream(
        c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TIMEOUT, out);
    CHECK_JSTR(out, "error.timeout", "idle");
    CHECKM(elapsed_since(t0) < (long)(1500 * tscale()), "took %ld ms", elapsed_since(t0));
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ secrets */

TEST(secrets_never_in_error_json) {
    /* The echo answer to a completion has no `choices` -> PROTOCOL with the body, which
       echoes our headers: the API key and header values must be masked. */
    fastgpt_client *c = mk_client(
        "\"headers\":{\"X-Dev-Echo\":\"1\",\"X-Secret-Token\":\"s3cr3t-VALUE-zz9\"}");
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK(out != NULL && jget(out, "error.body") != NULL && !jis_null(jget(out, "error.body")));
    CHECK_STR_NOT_CONTAINS(out, "s3cr3t-VALUE-zz9");
    CHECK_STR_NOT_CONTAINS(out, DEV_KEY);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "***");
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_create_chat_completion_stream(
        c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_STR_NOT_CONTAINS(out, "s3cr3t-VALUE-zz9");
    CHECK_STR_NOT_CONTAINS(out, DEV_KEY);
    fastgpt_string_free(out);
    fastgpt_client_free(c);

    /* a wrong key echoed back by a capture server inside an error body */
    {
        struct capsrv s;
        fastgpt_client *cc;
        const char *eb = "bad key fastgpt-other-KEY-123 header hdr-value-SECRET-77 end.";
        char *resp = xfmt("HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\nContent-Length: %lu\r\n"
                          "Connection: close\r\n\r\n%s", (unsigned long)strlen(eb), eb);
        char *ex;
        REQUIRE(capsrv_start(&s, resp) == 0);
        ex = xfmt("{\"api_key\":\"fastgpt-other-KEY-123\",\"base_url\":\"http://127.0.0.1:%d\","
                  "\"max_retries\":0,\"headers\":{\"X-H\":\"hdr-value-SECRET-77\"}}", s.port);
        cc = NULL;
        fastgpt_client_new_with_options(ex, &cc, NULL);
        free(ex);
        out = NULL;
        rc = fastgpt_get_chat_init(cc, APP, "c", NULL, &out);
        capsrv_finish(&s);
        CHECK_RC(rc, FASTGPT_E_HTTP, out);
        CHECK_STR_NOT_CONTAINS(out, "fastgpt-other-KEY-123");
        CHECK_STR_NOT_CONTAINS(out, "hdr-value-SECRET-77");
        CHECK_STR_CONTAINS(jget(out, "error.body"), "bad key ***");
        fastgpt_string_free(out);
        capsrv_free(&s);
        fastgpt_client_free(cc);
        free(resp);
    }
}

/* ------------------------------------------------------------------ retries */

TEST(retry_plain_503_then_ok) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r503");
    c = fault_client(key, "status-plain:503", 2, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);
    /* completions retry a non-envelope 503 as well */
    uniq(key, sizeof key, "r503c");
    c = fault_client(key, "status-plain:503", 2, NULL);
    out = NULL;
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);
}

TEST(retry_exhausted_503) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r503x");
    c = fault_client(key, "status-plain:503", 0, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 503);
    CHECK_JINT(out, "error.attempts", 3);
    CHECK_JSTR(out, "error.body", "fault");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);
}

TEST(envelope_503_not_retried) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r503env");
    c = fault_client(key, "status:503", 0, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.api_code", 503);
    CHECK_JINT(out, "error.attempts", 1);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(retry_429_with_retry_after_1s) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "r429");
    c = fault_client(key, "status:429:retry-after=1", 1, NULL);
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECKM(elapsed_since(t0) >= 700, "Retry-After 1 not waited for: %ld ms", elapsed_since(t0));
    CHECKM(elapsed_since(t0) < (long)(3000 * tscale()), "took %ld ms", elapsed_since(t0));
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
}

TEST(retry_429_huge_retry_after_fails_at_once) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "r429big");
    c = fault_client(key, "status:429:retry-after=411480", 0, NULL);
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SHAPE(out, FASTGPT_E_API);
    CHECK_JINT(out, "error.retry_after_ms", 411480000LL);
    CHECK_JINT(out, "error.attempts", 1);
    CHECK_JINT(out, "error.http_status", 429);
    CHECK_JINT(out, "error.api_code", 429);
    CHECKM(elapsed_since(t0) < (long)(1000 * tscale()), "took %ld ms", elapsed_since(t0));
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(retry_429_http_date_retry_after_in_past) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r429date");
    c = fault_client(key, "status:429:retry-after=Wed,%2021%20Oct%202015%2007:28:00%20GMT", 1, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
}

TEST(retry_envelope429_http200) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "renv429");
    c = fault_client(key, "envelope429", 1, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
    /* always 429: exhausted, FastGPT sends no Retry-After -> retry_after_ms null */
    uniq(key, sizeof key, "renv429x");
    c = fault_client(key, "envelope429", 0, NULL);
    out = NULL;
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.api_code", 429);
    CHECK_JINT(out, "error.http_status", 200);
    CHECK_JNULL(out, "error.retry_after_ms");
    CHECK_JINT(out, "error.attempts", 3);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);
}

TEST(retry_502_for_envelope_endpoints_not_completions) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r502");
    c = fault_client(key, "html502", 2, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);

    uniq(key, sizeof key, "r502c");
    c = fault_client(key, "html502", 2, NULL);
    out = NULL;
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.attempts", 1);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    out = NULL;
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);

    /* fastgpt_request: GET/PUT/DELETE retried, POST follows the completion rule */
    uniq(key, sizeof key, "r502rq");
    c = fault_client(key, "html504", 1, NULL);
    out = NULL;
    rc = fastgpt_request(c, "GET", "/api/__dev/echo", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
    uniq(key, sizeof key, "r502rqp");
    c = fault_client(key, "html504", 1, NULL);
    out = NULL;
    rc = fastgpt_request(c, "POST", "/api/__dev/echo", NULL, "{}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(retry_transport_after_write_for_envelope_endpoints) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "rreset");
    c = fault_client(key, "reset-before-headers", 1, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_delete_chat_history(c, APP, "nochat", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
}

TEST(max_retries_zero_no_retry) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r0");
    c = fault_client(key, "status-plain:503", 1, "\"max_retries\":0");
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.attempts", 1);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

TEST(non_retryable_statuses_not_retried) {
    static const char *faults[] = {"status:500", "status-plain:500", "status:404", "status-plain:400", "status-plain:401"};
    size_t i;
    for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        char key[64];
        fastgpt_client *c;
        char *out = NULL;
        int rc;
        uniq(key, sizeof key, "nr");
        c = fault_client(key, faults[i], 0, NULL);
        rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
        CHECKM(rc == (strncmp(faults[i], "status:", 7) == 0 ? FASTGPT_E_API : FASTGPT_E_HTTP),
               "%s: %s", faults[i], out ? out : "");
        CHECK_EQ_INT(dev_count(key), 1);
        fastgpt_string_free(out);
        fastgpt_client_free(c);
    }
}


TEST(retry_after_over_max_retry_after_ms_fails_at_once) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL;
    int rc;
    double t0;
    uniq(key, sizeof key, "rmax");
    c = fault_client(key, "status:429:retry-after=3", 0, "\"max_retry_after_ms\":1000");
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.retry_after_ms", 3000);
    CHECK_JINT(out, "error.attempts", 1);
    CHECKM(elapsed_since(t0) < (long)(1000 * tscale()), "took %ld ms", elapsed_since(t0));
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(stream_open_and_stream_retry_plain_503) {
    char key[64];
    fastgpt_client *c;
    fastgpt_stream *s = NULL;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "rs503");
    c = fault_client(key, "status-plain:503", 2, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_stream_open(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, &s, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_stream_free(s);
    fastgpt_client_free(c);
    uniq(key, sizeof key, "rs429");
    c = fault_client(key, "envelope429", 1, NULL);
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "answer", "You said: x");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
}

/* §1: no function prints to stdout or stderr. */
TEST(library_prints_nothing) {
    char path[] = "/tmp/fastgpt-c-test-out-XXXXXX";
    int fd = mkstemp(path);
    int saved_out = dup(1), saved_err = dup(2);
    long size;
    REQUIRE(fd >= 0 && saved_out >= 0 && saved_err >= 0);
    fflush(stdout);
    fflush(stderr);
    dup2(fd, 1);
    dup2(fd, 2);
    {
        fastgpt_client *c = NULL, *bad = NULL;
        char *out = NULL;
        fastgpt_client_new_with_options("{\"nope\":1}", &c, &out);
        fastgpt_string_free(out);
        out = NULL;
        c = mk_client("\"retry_delay_ms\":1,\"headers\":{\"X-Dev-Fault\":\"reset-before-headers\"}");
        fastgpt_get_chat_init(c, APP, "c", NULL, &out);
        fastgpt_string_free(out);
        out = NULL;
        fastgpt_create_chat_completion_stream(c, "{\"messages\":[]}", NULL, NULL, NULL, &out);
        fastgpt_string_free(out);
        out = NULL;
        fastgpt_get_chat_init(NULL, NULL, NULL, NULL, &out);
        fastgpt_string_free(out);
        out = NULL;
        fastgpt_client_free(c);
        bad = mk_client("\"headers\":{\"X-Dev-Fault\":\"invalid-utf8\"}");
        fastgpt_create_chat_completion_stream(bad, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL, NULL, NULL, &out);
        fastgpt_string_free(out);
        fastgpt_client_free(bad);
    }
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    size = (long)lseek(fd, 0, SEEK_END);
    close(fd);
    unlink(path);
    CHECKM(size == 0, "the library wrote %ld bytes to stdout/stderr", size);
}

static const struct test_case TESTS[] = {
    T(e1_wrong_key_http200_envelope),
    T(e2_wrong_key_http500_envelope),
    T(e3_wrong_key_401_and_validation_400_with_request_id),
    T(e1_plain_error_and_business_error_pagesize),
    T(completion_api_errors),
    T(html502_is_http_error_with_body),
    T(html504_is_http_error),
    T(redirect_not_followed),
    T(openai_error_is_api),
    T(garbage_200_is_protocol),
    T(envelope_endpoint_200_non_envelope_is_protocol),
    T(big_body_over_max_response_bytes),
    T(error_status_over_max_response_bytes_is_protocol),
    T(error_body_cut_at_64k_on_char_boundary_and_utf8_repaired),
    T(connection_refused_is_transport),
    T(reset_and_close_before_headers_are_transport),
    T(malformed_status_line_fails_cleanly),
    T(stall_before_headers_request_timeout),
    T(stall_before_headers_completion_timeout),
    T(stream_stall_before_headers_idle_timeout),
    T(secrets_never_in_error_json),
    T(retry_plain_503_then_ok),
    T(retry_exhausted_503),
    T(envelope_503_not_retried),
    T(retry_429_with_retry_after_1s),
    T(retry_429_huge_retry_after_fails_at_once),
    T(retry_429_http_date_retry_after_in_past),
    T(retry_envelope429_http200),
    T(retry_502_for_envelope_endpoints_not_completions),
    T(retry_transport_after_write_for_envelope_endpoints),
    T(max_retries_zero_no_retry),
    T(non_retryable_statuses_not_retried),
    T(retry_after_over_max_retry_after_ms_fails_at_once),
    T(stream_open_and_stream_retry_plain_503),
    T(library_prints_nothing),
};
TEST_MAIN(TESTS)
