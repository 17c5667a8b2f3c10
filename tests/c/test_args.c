/*
 * test_args.c: argument validation of every exported function (docs/guide.md: the boundary,
 * out-parameters, options, endpoints, pull streams, cancellation, versions). Every invalid call must return FASTGPT_E_INVALID_ARGUMENT, write a valid
 * error JSON (status, status_name, message; http_status/method null, attempts 0), store
 * NULL through out-pointers on entry, and send nothing: every client used here carries
 * X-Dev-Fault-Key and the dev server's counter for that key must stay 0.
 */
#include <limits.h>

#include "fgtest.h"

#define APP "65f0000000000000000000aa"
#define BADUTF8 "\xff"

static char dummy_byte;
#define DUMMY ((char *)&dummy_byte)

/* Checks one invalid-argument result; frees the out string. */
static void inv_check(const char *file, int line, const char *what, int rc, char *out) {
    g_checks++;
    if (rc != FASTGPT_E_INVALID_ARGUMENT) {
        check_failf(file, line, "%s: got %s (%d), expected FASTGPT_E_INVALID_ARGUMENT; json: %s",
                    what, fastgpt_status_str(rc), rc,
                    out == NULL ? "(null)" : out == DUMMY ? "(untouched)" : out);
    }
    if (out == DUMMY) {
        check_failf(file, line, "%s: out_json was not written", what);
        return;
    }
    if (out == NULL) {
        check_failf(file, line, "%s: out_json is NULL (an error JSON is required)", what);
        return;
    }
    if (!jvalid(out) || !utf8_valid(out)) check_failf(file, line, "%s: bad JSON %s", what, out);
    {
        int ok = 0;
        long long st = jint(jget(out, "error.status"), &ok);
        char *name = jstr(jget(out, "error.status_name"));
        char *msg = jstr(jget(out, "error.message"));
        if (!ok || st != FASTGPT_E_INVALID_ARGUMENT)
            check_failf(file, line, "%s: error.status in %s", what, out);
        if (name == NULL || strcmp(name, "FASTGPT_E_INVALID_ARGUMENT") != 0)
            check_failf(file, line, "%s: error.status_name in %s", what, out);
        if (msg == NULL || *msg == '\0') check_failf(file, line, "%s: error.message in %s", what, out);
        if (!jis_null(jget(out, "error.http_status")))
            check_failf(file, line, "%s: error.http_status must be null: %s", what, out);
        if (!jis_null(jget(out, "error.method")) || !jis_null(jget(out, "error.url")))
            check_failf(file, line, "%s: error.method/url must be null (no request): %s", what, out);
        if (jint(jget(out, "error.attempts"), &ok) != 0 || !ok)
            check_failf(file, line, "%s: error.attempts must be 0: %s", what, out);
        if (!jis_null(jget(out, "error.partial")))
            check_failf(file, line, "%s: error.partial must be null: %s", what, out);
        free(name);
        free(msg);
    }
    fastgpt_string_free(out);
}

/* INV(what, expr): expr is a call that passes &o_ as its out_json/out_error. */
#define INV(what, expr)                                                                    \
    do {                                                                                   \
        char *o_ = DUMMY;                                                                  \
        int rc_ = (expr);                                                                  \
        inv_check(__FILE__, __LINE__, (what), rc_, o_);                                    \
    } while (0)
/* The same call with a NULL out pointer must give the same status. */
#define INV_NOOUT(what, expr)                                                              \
    do {                                                                                   \
        int rc_ = (expr);                                                                  \
        g_checks++;                                                                        \
        if (rc_ != FASTGPT_E_INVALID_ARGUMENT)                                             \
            check_failf(__FILE__, __LINE__, "%s (out NULL): got %s", (what),               \
                        fastgpt_status_str(rc_));                                          \
    } while (0)

/* A counting client and its key. */
struct cc {
    fastgpt_client *c;
    char key[96];
};
static void cc_open(struct cc *x) {
    uniq(x->key, sizeof x->key, "args");
    x->c = mk_fault_client(x->key, NULL, 0, NULL);
}
static void cc_close(struct cc *x, const char *file, int line) {
    long n = dev_count(x->key);
    g_checks++;
    if (n != 0) check_failf(file, line, "requests reached the server: count=%ld", n);
    fastgpt_client_free(x->c);
}
#define CC_CLOSE(x) cc_close((x), __FILE__, __LINE__)

/* ------------------------------------------------------------------ */

TEST(count_mechanism_positive_control) {
    /* A valid call with the fault key must be counted, so the 0 checks below mean something. */
    struct cc x;
    char *out = NULL;
    int rc;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    CHECK_EQ_INT(dev_count(x.key), 0);
    rc = fastgpt_get_chat_init(x.c, APP, "count-control", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(x.key), 1);
    fastgpt_client_free(x.c);
}

TEST(status_str_all_codes) {
    static const char *names[] = {"FASTGPT_OK",
                                  "FASTGPT_E_INVALID_ARGUMENT",
                                  "FASTGPT_E_TRANSPORT",
                                  "FASTGPT_E_TIMEOUT",
                                  "FASTGPT_E_HTTP",
                                  "FASTGPT_E_API",
                                  "FASTGPT_E_PROTOCOL",
                                  "FASTGPT_E_STREAM_INCOMPLETE",
                                  "FASTGPT_E_ABORTED",
                                  "FASTGPT_E_CANCELLED",
                                  "FASTGPT_E_PANIC"};
    int codes[] = {FASTGPT_OK,           FASTGPT_E_INVALID_ARGUMENT, FASTGPT_E_TRANSPORT,
                   FASTGPT_E_TIMEOUT,    FASTGPT_E_HTTP,             FASTGPT_E_API,
                   FASTGPT_E_PROTOCOL,   FASTGPT_E_STREAM_INCOMPLETE, FASTGPT_E_ABORTED,
                   FASTGPT_E_CANCELLED,  FASTGPT_E_PANIC};
    int i;
    for (i = 0; i < 11; i++) {
        CHECK_EQ_INT(codes[i], i); /* values are permanent (§2) */
        CHECK_STR_EQ(fastgpt_status_str(codes[i]), names[i]);
        /* static: the same pointer each time */
        CHECK(fastgpt_status_str(codes[i]) == fastgpt_status_str(codes[i]));
    }
    CHECK_STR_EQ(fastgpt_status_str(-1), "unknown");
    CHECK_STR_EQ(fastgpt_status_str(11), "unknown");
    CHECK_STR_EQ(fastgpt_status_str(INT_MIN), "unknown");
    CHECK_STR_EQ(fastgpt_status_str(INT_MAX), "unknown");
    CHECK_STR_EQ(fastgpt_status_str(1000), "unknown");
}

TEST(version_functions_match_macros) {
    char buf[64];
    const char *v = fastgpt_version();
    REQUIRE(v != NULL);
    snprintf(buf, sizeof buf, "%d.%d.%d", FASTGPT_VERSION_MAJOR, FASTGPT_VERSION_MINOR,
             FASTGPT_VERSION_PATCH);
    CHECKM(strncmp(v, buf, strlen(buf)) == 0 && (v[strlen(buf)] == '\0' || v[strlen(buf)] == '-'),
           "fastgpt_version() = \"%s\", macros say %s", v, buf);
    CHECK_EQ_INT(fastgpt_version_number(), FASTGPT_VERSION_NUMBER);
    CHECK_EQ_INT(FASTGPT_VERSION_NUMBER, FASTGPT_VERSION_MAJOR * 1000000 +
                                             FASTGPT_VERSION_MINOR * 1000 + FASTGPT_VERSION_PATCH);
    CHECK_EQ_INT(fastgpt_version_number() / 1000, FASTGPT_VERSION_NUMBER / 1000);
    CHECK(fastgpt_version() == v);
}

TEST(free_functions_accept_null) {
    fastgpt_client_free(NULL);
    fastgpt_stream_free(NULL);
    fastgpt_cancel_token_free(NULL);
    fastgpt_string_free(NULL);
    fastgpt_cancel_token_cancel(NULL);
    fastgpt_cancel_token_cancel_after(NULL, 10);
    fastgpt_cancel_token_cancel_after(NULL, -1);
    CHECK(1);
}

TEST(cancel_token_basics) {
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    REQUIRE(t != NULL);
    fastgpt_cancel_token_cancel(t);
    fastgpt_cancel_token_cancel(t); /* idempotent */
    fastgpt_cancel_token_cancel_after(t, 1000);
    fastgpt_cancel_token_cancel_after(t, 0);
    fastgpt_cancel_token_cancel_after(t, INT_MIN);
    fastgpt_cancel_token_free(t);
    t = fastgpt_cancel_token_new();
    REQUIRE(t != NULL);
    fastgpt_cancel_token_cancel_after(t, INT_MAX);
    fastgpt_cancel_token_free(t);
}

/* ------------------------------------------------------------------ client creation */

static void client_new_invalid(const char *file, int line, const char *what, const char *opts) {
    fastgpt_client *c = (fastgpt_client *)DUMMY;
    char *err = DUMMY;
    int rc = fastgpt_client_new_with_options(opts, &c, &err);
    g_checks++;
    if (c != NULL) {
        check_failf(file, line, "%s: out_client not NULL (%s)", what,
                    c == (fastgpt_client *)DUMMY ? "untouched" : "a client");
        if (c != (fastgpt_client *)DUMMY) fastgpt_client_free(c);
    }
    inv_check(file, line, what, rc, err);
    /* the API key and header values never appear in an error JSON: checked by callers */
}
#define CLIENT_INV(opts) client_new_invalid(__FILE__, __LINE__, (opts), (opts))

TEST(client_new_invalid_arguments) {
    fastgpt_client *c = (fastgpt_client *)DUMMY;
    char *err = DUMMY;
    int rc;

    /* NULL api_key */
    rc = fastgpt_client_new(NULL, test_url(), &c, &err);
    CHECK(c == NULL);
    inv_check(__FILE__, __LINE__, "client_new(NULL key)", rc, err);

    /* NULL out_client: required */
    err = DUMMY;
    rc = fastgpt_client_new(DEV_KEY, test_url(), NULL, &err);
    inv_check(__FILE__, __LINE__, "client_new(out_client NULL)", rc, err);
    CHECK_EQ_INT(fastgpt_client_new(DEV_KEY, test_url(), NULL, NULL), FASTGPT_E_INVALID_ARGUMENT);

    {
        const char *bad_keys[] = {"", "a b", "key\x01", "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", BADUTF8,
                                  "tab\tkey", "del\x7f"};
        size_t i;
        for (i = 0; i < sizeof bad_keys / sizeof bad_keys[0]; i++) {
            c = (fastgpt_client *)DUMMY;
            err = DUMMY;
            rc = fastgpt_client_new(bad_keys[i], test_url(), &c, &err);
            CHECK(c == NULL);
            inv_check(__FILE__, __LINE__, "client_new(bad key)", rc, err);
        }
    }
    /* invalid UTF-8 base URL */
    c = (fastgpt_client *)DUMMY;
    err = DUMMY;
    rc = fastgpt_client_new(DEV_KEY, "http://127.0.0.1:1/" BADUTF8, &c, &err);
    CHECK(c == NULL);
    inv_check(__FILE__, __LINE__, "client_new(bad utf8 url)", rc, err);

    /* valid: NULL base_url, NULL out_error; out_error receives NULL on success */
    c = (fastgpt_client *)DUMMY;
    err = DUMMY;
    rc = fastgpt_client_new(DEV_KEY, NULL, &c, &err);
    CHECK_RC(rc, FASTGPT_OK, err == DUMMY ? "(untouched)" : err);
    CHECK(err == NULL);
    CHECK(c != NULL && c != (fastgpt_client *)DUMMY);
    if (c != (fastgpt_client *)DUMMY) fastgpt_client_free(c);
    c = NULL;
    CHECK_EQ_INT(fastgpt_client_new(DEV_KEY, test_url(), &c, NULL), FASTGPT_OK);
    fastgpt_client_free(c);
}

TEST(client_new_api_key_not_in_error) {
    fastgpt_client *c = NULL;
    char *err = NULL;
    int rc = fastgpt_client_new("sup3r secret-key", test_url(), &c, &err);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, err);
    CHECK(c == NULL);
    CHECK_STR_NOT_CONTAINS(err, "sup3r");
    fastgpt_string_free(err);
    err = NULL;
    rc = fastgpt_client_new_with_options(
        "{\"api_key\":\"k\",\"headers\":{\"X-Secret\":\"hunter2-value\x01\"}}", &c, &err);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, err);
    CHECK_STR_NOT_CONTAINS(err, "hunter2");
    fastgpt_string_free(err);
}

TEST(client_options_invalid) {
    fastgpt_client *c = (fastgpt_client *)DUMMY;
    char *err = DUMMY;
    int rc = fastgpt_client_new_with_options(NULL, &c, &err);
    CHECK(c == NULL);
    inv_check(__FILE__, __LINE__, "options NULL", rc, err);
    err = DUMMY;
    rc = fastgpt_client_new_with_options("{\"api_key\":\"k\"}", NULL, &err);
    inv_check(__FILE__, __LINE__, "out_client NULL", rc, err);

    CLIENT_INV("");
    CLIENT_INV("{");
    CLIENT_INV("{\"api_key\":\"k\"");
    CLIENT_INV("[]");
    CLIENT_INV("null");
    CLIENT_INV("\"api_key\"");
    CLIENT_INV("42");
    CLIENT_INV("{}");                                   /* api_key required */
    CLIENT_INV("{\"api_key\":\"k\",\"bogus\":1}");       /* unknown key */
    CLIENT_INV("{\"api_key\":\"k\",\"timeout\":1000}");  /* typo of timeout_ms */
    CLIENT_INV("{\"api_key\":\"k\",\"Base_url\":\"http://x\"}");
    CLIENT_INV("{\"api_key\":null}");
    CLIENT_INV("{\"api_key\":\"k\",\"base_url\":null}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":null}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":null}");
    CLIENT_INV("{\"api_key\":\"k\",\"proxy\":null}");
    CLIENT_INV("{\"api_key\":\"k\",\"api_paths\":null}");
    CLIENT_INV("{\"api_key\":\"a b\"}");                 /* space in api key */
    CLIENT_INV("{\"api_key\":\"\"}");
    CLIENT_INV("{\"api_key\":42}");
    CLIENT_INV("{\"api_key\":\"k\\u0000\"}");
    CLIENT_INV("{\"api_key\":\"k\\n\"}");
    CLIENT_INV("{\"api_key\":\"" BADUTF8 "\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"base_url\":42}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":\"1000\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":-1}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":1.5}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":2147483648}");
    CLIENT_INV("{\"api_key\":\"k\",\"timeout_ms\":true}");
    CLIENT_INV("{\"api_key\":\"k\",\"connect_timeout_ms\":0}");
    CLIENT_INV("{\"api_key\":\"k\",\"completion_timeout_ms\":-5}");
    CLIENT_INV("{\"api_key\":\"k\",\"stream_idle_timeout_ms\":[]}");
    CLIENT_INV("{\"api_key\":\"k\",\"max_retries\":-1}");
    CLIENT_INV("{\"api_key\":\"k\",\"retry_delay_ms\":\"10\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"max_retry_after_ms\":1e3}");
    CLIENT_INV("{\"api_key\":\"k\",\"max_response_bytes\":-1}");
    CLIENT_INV("{\"api_key\":\"k\",\"max_event_bytes\":{}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":[]}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":\"X-A: b\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"X-A\":1}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"X-A\":null}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"Bad Name\":\"v\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"\":\"v\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"X-A\":\"line\\nbreak\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"X-A\":\"caf\\u00e9\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"Authorization\":\"Bearer x\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"authorization\":\"Bearer x\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"HOST\":\"x\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"Content-Type\":\"text/plain\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"content-length\":\"1\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"Transfer-Encoding\":\"chunked\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"headers\":{\"Connection\":\"close\"}}");
    CLIENT_INV("{\"api_key\":\"k\",\"tls_roots\":\"system\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"ca_cert_pem\":\"\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"ca_cert_pem\":\"not a pem\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"proxy\":\"ftp://proxy:21\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"proxy\":42}");
    CLIENT_INV("{\"api_key\":\"k\",\"api_paths\":\"v2\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"api_paths\":\"AUTO\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"completions_api\":\"v3\"}");
    CLIENT_INV("{\"api_key\":\"k\",\"completions_api\":1}");
}

TEST(client_options_valid) {
    static const char *ok[] = {
        "{\"api_key\":\"k\"}",
        "{\"api_key\":\"fastgpt-x\",\"base_url\":\"http://127.0.0.1:1/api/v1/\"}",
        "{\"api_key\":\"k\",\"timeout_ms\":0,\"completion_timeout_ms\":0,\"stream_idle_timeout_ms\":0}",
        "{\"api_key\":\"k\",\"connect_timeout_ms\":1,\"max_retries\":0,\"retry_delay_ms\":0}",
        "{\"api_key\":\"k\",\"timeout_ms\":2147483647}",
        "{\"api_key\":\"k\",\"headers\":{}}",
        "{\"api_key\":\"k\",\"headers\":{\"User-Agent\":\"x/1\",\"X-A\":\"a b\\tc\"}}",
        "{\"api_key\":\"k\",\"tls_roots\":\"webpki\"}",
        "{\"api_key\":\"k\",\"tls_roots\":\"platform\"}",
        "{\"api_key\":\"k\",\"proxy\":\"\"}",
        "{\"api_key\":\"k\",\"proxy\":\"http://u:p@127.0.0.1:3128\"}",
        "{\"api_key\":\"k\",\"proxy\":\"socks5://127.0.0.1:1080\"}",
        "{\"api_key\":\"k\",\"api_paths\":\"legacy\",\"completions_api\":\"v2\"}",
        "{\"api_key\":\"k\",\"api_paths\":\"current\",\"completions_api\":\"v1\"}",
        "{\"api_key\":\"k\",\"max_response_bytes\":0,\"max_event_bytes\":0}",
        " {\"api_key\":\"~!#$%&'*+-.^_`|\"} ",
    };
    size_t i;
    for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        fastgpt_client *c = (fastgpt_client *)DUMMY;
        char *err = DUMMY;
        int rc = fastgpt_client_new_with_options(ok[i], &c, &err);
        CHECKM(rc == FASTGPT_OK, "options %s: got %s: %s", ok[i], fastgpt_status_str(rc),
               err == DUMMY ? "(untouched)" : err ? err : "(null)");
        CHECKM(err == NULL, "out_error must be NULL on success (%s)", ok[i]);
        CHECK(c != NULL);
        if (err != DUMMY) fastgpt_string_free(err);
        if (c != (fastgpt_client *)DUMMY) fastgpt_client_free(c);
    }
}

/* ------------------------------------------------------------------ completions */

static const char *bad_request_json[] = {
    BADUTF8,
    "{\"messages\":[{\"role\":\"user\",\"content\":\"" BADUTF8 "\"}]}",
    "",
    "{",
    "{\"messages\":[}",
    "[]",
    "[{\"role\":\"user\"}]",
    "\"messages\"",
    "1",
    "null",
    "true",
    "{} {}",
};

TEST(completion_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("completion NULL client", fastgpt_create_chat_completion(NULL, "{}", NULL, &o_));
    INV("completion NULL request", fastgpt_create_chat_completion(x.c, NULL, NULL, &o_));
    INV_NOOUT("completion NULL request", fastgpt_create_chat_completion(x.c, NULL, NULL, NULL));
    for (i = 0; i < sizeof bad_request_json / sizeof bad_request_json[0]; i++) {
        INV(bad_request_json[i], fastgpt_create_chat_completion(x.c, bad_request_json[i], NULL, &o_));
        INV_NOOUT(bad_request_json[i],
                  fastgpt_create_chat_completion(x.c, bad_request_json[i], NULL, NULL));
    }
    CC_CLOSE(&x);
}

static int32_t never_cb(void *ud, const char *e, const char *d, const char *t) {
    (void)e;
    (void)d;
    (void)t;
    (*(int *)ud)++;
    return 0;
}

TEST(completion_stream_invalid) {
    struct cc x;
    size_t i;
    int calls = 0;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("stream NULL client",
        fastgpt_create_chat_completion_stream(NULL, "{}", never_cb, &calls, NULL, &o_));
    INV("stream NULL request",
        fastgpt_create_chat_completion_stream(x.c, NULL, never_cb, &calls, NULL, &o_));
    for (i = 0; i < sizeof bad_request_json / sizeof bad_request_json[0]; i++) {
        INV(bad_request_json[i], fastgpt_create_chat_completion_stream(
                                     x.c, bad_request_json[i], never_cb, &calls, NULL, &o_));
        INV_NOOUT(bad_request_json[i], fastgpt_create_chat_completion_stream(
                                           x.c, bad_request_json[i], NULL, NULL, NULL, NULL));
    }
    CHECK_EQ_INT(calls, 0);
    CC_CLOSE(&x);
}

TEST(stream_open_invalid) {
    struct cc x;
    size_t i;
    fastgpt_stream *s;
    char *err;
    int rc;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    s = (fastgpt_stream *)DUMMY;
    err = DUMMY;
    rc = fastgpt_stream_open(NULL, "{\"messages\":[]}", NULL, &s, &err);
    CHECK(s == NULL);
    inv_check(__FILE__, __LINE__, "stream_open NULL client", rc, err);
    s = (fastgpt_stream *)DUMMY;
    err = DUMMY;
    rc = fastgpt_stream_open(x.c, NULL, NULL, &s, &err);
    CHECK(s == NULL);
    inv_check(__FILE__, __LINE__, "stream_open NULL request", rc, err);
    err = DUMMY;
    rc = fastgpt_stream_open(x.c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL,
                             NULL, &err);
    inv_check(__FILE__, __LINE__, "stream_open NULL out_stream", rc, err);
    for (i = 0; i < sizeof bad_request_json / sizeof bad_request_json[0]; i++) {
        s = (fastgpt_stream *)DUMMY;
        err = DUMMY;
        rc = fastgpt_stream_open(x.c, bad_request_json[i], NULL, &s, &err);
        CHECK(s == NULL);
        inv_check(__FILE__, __LINE__, bad_request_json[i], rc, err);
        s = (fastgpt_stream *)DUMMY;
        rc = fastgpt_stream_open(x.c, bad_request_json[i], NULL, &s, NULL);
        CHECK(s == NULL);
        CHECK_EQ_INT(rc, FASTGPT_E_INVALID_ARGUMENT);
    }
    CC_CLOSE(&x);
}

TEST(stream_next_result_invalid) {
    const char *ev = (const char *)DUMMY, *data = (const char *)DUMMY, *text = (const char *)DUMMY;
    char *err = DUMMY;
    int rc = fastgpt_stream_next(NULL, &ev, &data, &text, &err);
    CHECK(ev == NULL);
    CHECK(data == NULL);
    CHECK(text == NULL);
    inv_check(__FILE__, __LINE__, "stream_next NULL stream", rc, err);
    CHECK_EQ_INT(fastgpt_stream_next(NULL, NULL, NULL, NULL, NULL), FASTGPT_E_INVALID_ARGUMENT);
    err = DUMMY;
    rc = fastgpt_stream_result(NULL, &err);
    inv_check(__FILE__, __LINE__, "stream_result NULL stream", rc, err);
    CHECK_EQ_INT(fastgpt_stream_result(NULL, NULL), FASTGPT_E_INVALID_ARGUMENT);
}

TEST(stream_next_null_out_event) {
    /* out_event is required; a call without it must not consume or disturb the stream. */
    fastgpt_client *c = mk_client(NULL);
    fastgpt_stream *s = NULL;
    char *err = NULL, *res = NULL;
    const char *ev = (const char *)DUMMY, *data = (const char *)DUMMY, *text = (const char *)DUMMY;
    int rc, n = 0;
    REQUIRE(c != NULL);
    rc = fastgpt_stream_open(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &s,
                             &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    fastgpt_string_free(err);
    if (s == NULL) {
        fastgpt_client_free(c);
        REQUIRE(s != NULL);
    }
    err = DUMMY;
    rc = fastgpt_stream_next(s, NULL, &data, &text, &err);
    CHECK(data == NULL);
    CHECK(text == NULL);
    inv_check(__FILE__, __LINE__, "stream_next NULL out_event", rc, err);
    /* the stream still works and finishes */
    for (;;) {
        ev = NULL;
        rc = fastgpt_stream_next(s, &ev, NULL, NULL, NULL);
        if (rc != FASTGPT_OK || ev == NULL) break;
        n++;
    }
    CHECK_RC(rc, FASTGPT_OK, NULL);
    CHECK(n > 0);
    rc = fastgpt_stream_result(s, &res);
    CHECK_RC(rc, FASTGPT_OK, res);
    CHECK_JSTR(res, "answer", "You said: hi");
    CHECK_JINT(res, "event_count", n);
    fastgpt_string_free(res);
    CHECK_EQ_INT(fastgpt_stream_result(s, NULL), FASTGPT_OK);
    fastgpt_stream_free(s);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ endpoints */

/* Bad required ids: NULL is tested separately. */
static const char *bad_ids[] = {"", BADUTF8, "a\x01" "b", "tab\there", "nl\n", "del\x7f",
                                "\x1f", "ok" BADUTF8};
#define NBAD (sizeof bad_ids / sizeof bad_ids[0])

TEST(histories_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_chat_histories(NULL, APP, 0, 10, NULL, NULL, &o_));
    INV("NULL app", fastgpt_get_chat_histories(x.c, NULL, 0, 10, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++)
        INV(bad_ids[i], fastgpt_get_chat_histories(x.c, bad_ids[i], 0, 10, NULL, NULL, &o_));
    INV("offset -1", fastgpt_get_chat_histories(x.c, APP, -1, 10, NULL, NULL, &o_));
    INV("offset INT_MIN", fastgpt_get_chat_histories(x.c, APP, INT_MIN, 10, NULL, NULL, &o_));
    INV("page_size 0", fastgpt_get_chat_histories(x.c, APP, 0, 0, NULL, NULL, &o_));
    INV("page_size -3", fastgpt_get_chat_histories(x.c, APP, 0, -3, NULL, NULL, &o_));
    INV("source bad utf8", fastgpt_get_chat_histories(x.c, APP, 0, 10, BADUTF8, NULL, &o_));
    INV_NOOUT("page_size 0", fastgpt_get_chat_histories(x.c, APP, 0, 0, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(init_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_chat_init(NULL, APP, "c", NULL, &o_));
    INV("NULL app", fastgpt_get_chat_init(x.c, NULL, "c", NULL, &o_));
    INV("NULL chat", fastgpt_get_chat_init(x.c, APP, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_get_chat_init(x.c, bad_ids[i], "c", NULL, &o_));
        INV(bad_ids[i], fastgpt_get_chat_init(x.c, APP, bad_ids[i], NULL, &o_));
    }
    INV_NOOUT("NULL chat", fastgpt_get_chat_init(x.c, APP, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(records_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_chat_records(NULL, APP, "c", 0, 10, 0, NULL, &o_));
    INV("NULL app", fastgpt_get_chat_records(x.c, NULL, "c", 0, 10, 0, NULL, &o_));
    INV("NULL chat", fastgpt_get_chat_records(x.c, APP, NULL, 0, 10, 0, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_get_chat_records(x.c, bad_ids[i], "c", 0, 10, 0, NULL, &o_));
        INV(bad_ids[i], fastgpt_get_chat_records(x.c, APP, bad_ids[i], 0, 10, 1, NULL, &o_));
    }
    INV("offset -1", fastgpt_get_chat_records(x.c, APP, "c", -1, 10, 0, NULL, &o_));
    INV("page_size 0", fastgpt_get_chat_records(x.c, APP, "c", 0, 0, 0, NULL, &o_));
    INV("page_size INT_MIN", fastgpt_get_chat_records(x.c, APP, "c", 0, INT_MIN, 1, NULL, &o_));
    INV_NOOUT("offset -1", fastgpt_get_chat_records(x.c, APP, "c", -1, 10, 0, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(record_detail_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_record_detail(NULL, APP, "c", "d", NULL, &o_));
    INV("NULL app", fastgpt_get_record_detail(x.c, NULL, "c", "d", NULL, &o_));
    INV("NULL chat", fastgpt_get_record_detail(x.c, APP, NULL, "d", NULL, &o_));
    INV("NULL data", fastgpt_get_record_detail(x.c, APP, "c", NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_get_record_detail(x.c, bad_ids[i], "c", "d", NULL, &o_));
        INV(bad_ids[i], fastgpt_get_record_detail(x.c, APP, bad_ids[i], "d", NULL, &o_));
        INV(bad_ids[i], fastgpt_get_record_detail(x.c, APP, "c", bad_ids[i], NULL, &o_));
    }
    INV_NOOUT("NULL data", fastgpt_get_record_detail(x.c, APP, "c", NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(update_history_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_update_chat_history(NULL, APP, "c", "t", 1, NULL, &o_));
    INV("NULL app", fastgpt_update_chat_history(x.c, NULL, "c", "t", 1, NULL, &o_));
    INV("NULL chat", fastgpt_update_chat_history(x.c, APP, NULL, "t", 1, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_update_chat_history(x.c, bad_ids[i], "c", "t", 0, NULL, &o_));
        INV(bad_ids[i], fastgpt_update_chat_history(x.c, APP, bad_ids[i], "t", 0, NULL, &o_));
    }
    INV("title NULL + top -1", fastgpt_update_chat_history(x.c, APP, "c", NULL, -1, NULL, &o_));
    INV("top 2", fastgpt_update_chat_history(x.c, APP, "c", "t", 2, NULL, &o_));
    INV("top -2", fastgpt_update_chat_history(x.c, APP, "c", "t", -2, NULL, &o_));
    INV("top INT_MIN", fastgpt_update_chat_history(x.c, APP, "c", "t", INT_MIN, NULL, &o_));
    INV("top INT_MAX", fastgpt_update_chat_history(x.c, APP, "c", NULL, INT_MAX, NULL, &o_));
    INV("title bad utf8", fastgpt_update_chat_history(x.c, APP, "c", BADUTF8, 1, NULL, &o_));
    INV_NOOUT("title NULL + top -1",
              fastgpt_update_chat_history(x.c, APP, "c", NULL, -1, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(delete_history_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_delete_chat_history(NULL, APP, "c", NULL, &o_));
    INV("NULL app", fastgpt_delete_chat_history(x.c, NULL, "c", NULL, &o_));
    INV("NULL chat", fastgpt_delete_chat_history(x.c, APP, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_delete_chat_history(x.c, bad_ids[i], "c", NULL, &o_));
        INV(bad_ids[i], fastgpt_delete_chat_history(x.c, APP, bad_ids[i], NULL, &o_));
    }
    INV_NOOUT("NULL chat", fastgpt_delete_chat_history(x.c, APP, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(clear_histories_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_clear_chat_histories(NULL, APP, NULL, &o_));
    INV("NULL app", fastgpt_clear_chat_histories(x.c, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++)
        INV(bad_ids[i], fastgpt_clear_chat_histories(x.c, bad_ids[i], NULL, &o_));
    INV_NOOUT("NULL app", fastgpt_clear_chat_histories(x.c, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(delete_record_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_delete_chat_record(NULL, APP, "c", "d", NULL, &o_));
    INV("NULL app", fastgpt_delete_chat_record(x.c, NULL, "c", "d", NULL, &o_));
    INV("NULL chat", fastgpt_delete_chat_record(x.c, APP, NULL, "d", NULL, &o_));
    INV("NULL content", fastgpt_delete_chat_record(x.c, APP, "c", NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_delete_chat_record(x.c, bad_ids[i], "c", "d", NULL, &o_));
        INV(bad_ids[i], fastgpt_delete_chat_record(x.c, APP, bad_ids[i], "d", NULL, &o_));
        INV(bad_ids[i], fastgpt_delete_chat_record(x.c, APP, "c", bad_ids[i], NULL, &o_));
    }
    INV_NOOUT("NULL content", fastgpt_delete_chat_record(x.c, APP, "c", NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(feedback_invalid) {
    struct cc x;
    size_t i;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_send_feedback(NULL, APP, "c", "d", "g", NULL, NULL, &o_));
    INV("NULL app", fastgpt_send_feedback(x.c, NULL, "c", "d", "g", NULL, NULL, &o_));
    INV("NULL chat", fastgpt_send_feedback(x.c, APP, NULL, "d", "g", NULL, NULL, &o_));
    INV("NULL data", fastgpt_send_feedback(x.c, APP, "c", NULL, "g", NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_send_feedback(x.c, bad_ids[i], "c", "d", NULL, NULL, NULL, &o_));
        INV(bad_ids[i], fastgpt_send_feedback(x.c, APP, bad_ids[i], "d", NULL, NULL, NULL, &o_));
        INV(bad_ids[i], fastgpt_send_feedback(x.c, APP, "c", bad_ids[i], NULL, NULL, NULL, &o_));
    }
    INV("good bad utf8", fastgpt_send_feedback(x.c, APP, "c", "d", BADUTF8, NULL, NULL, &o_));
    INV("bad bad utf8", fastgpt_send_feedback(x.c, APP, "c", "d", NULL, "x" BADUTF8, NULL, &o_));
    INV_NOOUT("NULL data", fastgpt_send_feedback(x.c, APP, "c", NULL, NULL, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(suggested_questions_invalid) {
    struct cc x;
    size_t i;
    static const char *bad_guide[] = {"[]", "{", "1", "null", "\"open\"", "true", BADUTF8,
                                      "{\"open\":\"" BADUTF8 "\"}", "", "{}x"};
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_suggested_questions(NULL, APP, "c", NULL, NULL, &o_));
    INV("NULL app", fastgpt_get_suggested_questions(x.c, NULL, "c", NULL, NULL, &o_));
    INV("NULL chat", fastgpt_get_suggested_questions(x.c, APP, NULL, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++) {
        INV(bad_ids[i], fastgpt_get_suggested_questions(x.c, bad_ids[i], "c", NULL, NULL, &o_));
        INV(bad_ids[i], fastgpt_get_suggested_questions(x.c, APP, bad_ids[i], NULL, NULL, &o_));
    }
    for (i = 0; i < sizeof bad_guide / sizeof bad_guide[0]; i++)
        INV(bad_guide[i], fastgpt_get_suggested_questions(x.c, APP, "c", bad_guide[i], NULL, &o_));
    INV_NOOUT("guide []", fastgpt_get_suggested_questions(x.c, APP, "c", "[]", NULL, NULL));
    CC_CLOSE(&x);
}

TEST(app_logs_chart_invalid) {
    struct cc x;
    size_t i;
    static const char *bad_opts[] = {"[]", "{", "1", "null", "\"x\"", BADUTF8, "",
                                     "{\"a\":\"" BADUTF8 "\"}"};
    const char *d0 = "2025-01-01T00:00:00.000Z", *d1 = "2025-01-03T00:00:00.000Z";
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_get_app_logs_chart(NULL, APP, d0, d1, NULL, NULL, &o_));
    INV("NULL app", fastgpt_get_app_logs_chart(x.c, NULL, d0, d1, NULL, NULL, &o_));
    INV("NULL start", fastgpt_get_app_logs_chart(x.c, APP, NULL, d1, NULL, NULL, &o_));
    INV("NULL end", fastgpt_get_app_logs_chart(x.c, APP, d0, NULL, NULL, NULL, &o_));
    for (i = 0; i < NBAD; i++)
        INV(bad_ids[i], fastgpt_get_app_logs_chart(x.c, bad_ids[i], d0, d1, NULL, NULL, &o_));
    INV("start bad utf8", fastgpt_get_app_logs_chart(x.c, APP, BADUTF8, d1, NULL, NULL, &o_));
    INV("end bad utf8", fastgpt_get_app_logs_chart(x.c, APP, d0, BADUTF8, NULL, NULL, &o_));
    for (i = 0; i < sizeof bad_opts / sizeof bad_opts[0]; i++)
        INV(bad_opts[i], fastgpt_get_app_logs_chart(x.c, APP, d0, d1, bad_opts[i], NULL, &o_));
    INV_NOOUT("NULL end", fastgpt_get_app_logs_chart(x.c, APP, d0, NULL, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(request_invalid) {
    struct cc x;
    size_t i;
    static const char *bad_methods[] = {"get", "Get", "PATCH", "HEAD", "OPTIONS", "", "GET ",
                                        " GET", "POST\r\n", "G\xff"};
    static const char *bad_paths[] = {"",
                                      "api/core/chat/init",
                                      "//api/core/chat/init",
                                      "//evil.example.com/x",
                                      "/api/core/chat/init?appId=x",
                                      "/api/x#frag",
                                      "/api\\x",
                                      "/api/a b",
                                      "/api/\x01",
                                      "/api/x\r\nHost: evil",
                                      "/api/\t",
                                      "/api/\x7f",
                                      "/api/./x",
                                      "/api/../x",
                                      "/.",
                                      "/..",
                                      "/api/x/..",
                                      "/api/x/.",
                                      "/api/" BADUTF8,
                                      "http://evil.example.com/api"};
    static const char *bad_query[] = {"[]",          "{\"a\":[1]}",      "{\"a\":{}}",
                                      "{\"a\":{\"b\":1}}", "{",           "1",
                                      "null",        "\"a=b\"",          BADUTF8,
                                      "{\"a\":\"" BADUTF8 "\"}", "", "true"};
    static const char *bad_body[] = {"{", "", BADUTF8, "[1,", "{\"a\":\"" BADUTF8 "\"}", "nul",
                                     "1 2"};
    cc_open(&x);
    REQUIRE(x.c != NULL);
    INV("NULL client", fastgpt_request(NULL, "GET", "/api/core/chat/init", NULL, NULL, NULL, &o_));
    INV("NULL method", fastgpt_request(x.c, NULL, "/api/core/chat/init", NULL, NULL, NULL, &o_));
    INV("NULL path", fastgpt_request(x.c, "GET", NULL, NULL, NULL, NULL, &o_));
    for (i = 0; i < sizeof bad_methods / sizeof bad_methods[0]; i++)
        INV(bad_methods[i], fastgpt_request(x.c, bad_methods[i], "/api/__dev/echo", NULL, NULL,
                                            NULL, &o_));
    for (i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++)
        INV(bad_paths[i], fastgpt_request(x.c, "GET", bad_paths[i], NULL, NULL, NULL, &o_));
    for (i = 0; i < sizeof bad_query / sizeof bad_query[0]; i++)
        INV(bad_query[i], fastgpt_request(x.c, "GET", "/api/__dev/echo", bad_query[i], NULL,
                                          NULL, &o_));
    for (i = 0; i < sizeof bad_body / sizeof bad_body[0]; i++)
        INV(bad_body[i], fastgpt_request(x.c, "POST", "/api/__dev/echo", NULL, bad_body[i],
                                         NULL, &o_));
    INV_NOOUT("NULL path", fastgpt_request(x.c, "GET", NULL, NULL, NULL, NULL, NULL));
    CC_CLOSE(&x);
}

TEST(request_valid_edge_inputs_are_sent) {
    /* Positive controls for the request validation: these are valid and reach the server. */
    struct cc x;
    char *out = NULL;
    int rc;
    cc_open(&x);
    REQUIRE(x.c != NULL);
    rc = fastgpt_request(x.c, "GET", "/api/__dev/echo", "{}", NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_request(x.c, "POST", "/api/__dev/echo", NULL, "null", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_request(x.c, "DELETE", "/api/__dev/echo", "{\"a\":null,\"b\":1.5}", "[1,2]", NULL,
                         &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(x.key), 3);
    fastgpt_client_free(x.c);
}

TEST(pre_cancelled_token_sends_nothing) {
    struct cc x;
    char *out = NULL;
    int rc;
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    fastgpt_stream *s = (fastgpt_stream *)DUMMY;
    cc_open(&x);
    REQUIRE(x.c != NULL && t != NULL);
    fastgpt_cancel_token_cancel(t);
    rc = fastgpt_get_chat_init(x.c, APP, "c", t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK_ERR_JSON(out, FASTGPT_E_CANCELLED);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_create_chat_completion_stream(
        x.c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, NULL, t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_stream_open(x.c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", t, &s,
                             &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK(s == NULL);
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(t);
    CC_CLOSE(&x);
}

static const struct test_case TESTS[] = {
    T(count_mechanism_positive_control),
    T(status_str_all_codes),
    T(version_functions_match_macros),
    T(free_functions_accept_null),
    T(cancel_token_basics),
    T(client_new_invalid_arguments),
    T(client_new_api_key_not_in_error),
    T(client_options_invalid),
    T(client_options_valid),
    T(completion_invalid),
    T(completion_stream_invalid),
    T(stream_open_invalid),
    T(stream_next_result_invalid),
    T(stream_next_null_out_event),
    T(histories_invalid),
    T(init_invalid),
    T(records_invalid),
    T(record_detail_invalid),
    T(update_history_invalid),
    T(delete_history_invalid),
    T(clear_histories_invalid),
    T(delete_record_invalid),
    T(feedback_invalid),
    T(suggested_questions_invalid),
    T(app_logs_chart_invalid),
    T(request_invalid),
    T(request_valid_edge_inputs_are_sent),
    T(pre_cancelled_token_sends_nothing),
};
TEST_MAIN(TESTS)
