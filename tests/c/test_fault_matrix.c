/*
 * test_fault_matrix.c: one table, each row a fault and the exact status code and error
 * JSON fields it must give, followed by a successful call on the same client to prove the
 * client is still usable (contract §2.1, §4, §6, §7; issue "Streaming you can trust").
 *
 * Each row's fault is applied once (X-Dev-Fault-Times: 1 under a key of its own) with
 * max_retries 0, so the follow-up call on the same client meets a healthy server.
 */
#include "fgtest.h"

#define APP "65f0000000000000000000aa"

enum call { ENVELOPE, STREAM, COMPLETION, REQUEST };

struct row {
    const char *name;
    enum call call;
    const char *fault;       /* X-Dev-Fault, applied once; NULL = none */
    const char *extra;       /* more client options, "" = none */
    const char *req_path;    /* REQUEST rows: fastgpt_request POST path and body */
    const char *req_body;
    int expect;
    int http_status;         /* 0 = not checked, -1 = null */
    const char *api_code;    /* JSON text, NULL = not checked */
    const char *status_text; /* NULL = not checked, "" = null */
    const char *timeout;     /* NULL = not checked, "" = null */
    const char *body_has;    /* substring of error.body, NULL = not checked */
    long retry_after_ms;     /* 0 = not checked */
    int partial;             /* 1 = error.partial must be an object */
};

static const char *STREAM_REQ =
    "{\"appId\":\"" APP "\",\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"matrix\"}]}";

static const struct row ROWS[] = {
    {"reset before headers", ENVELOPE, "reset-before-headers", "", NULL, NULL, FASTGPT_E_TRANSPORT, -1, "null", "", "", NULL, 0, 0},
    {"reset mid-body", ENVELOPE, "reset-mid-body", "", NULL, NULL, FASTGPT_E_TRANSPORT, 200, "null", "", "", NULL, 0, 0},
    {"reset mid-stream", STREAM, "reset-mid-stream", "", NULL, NULL, FASTGPT_E_STREAM_INCOMPLETE, 200, "null", "", "", NULL, 0, 1},
    {"stall before headers", ENVELOPE, "stall-before-headers:3000", "\"timeout_ms\":300", NULL, NULL, FASTGPT_E_TIMEOUT, -1, "null", "", "request", NULL, 0, 0},
    {"stall mid-stream", STREAM, "stall-mid-stream:3000", "\"stream_idle_timeout_ms\":300", NULL, NULL, FASTGPT_E_TIMEOUT, 200, "null", "", "idle", NULL, 0, 1},
    {"malformed status line", ENVELOPE, "malformed-status", "", NULL, NULL, FASTGPT_E_TRANSPORT, -1, "null", "", "", NULL, 0, 0},
    {"truncated chunked encoding", ENVELOPE, "truncated-chunked", "", NULL, NULL, FASTGPT_E_TRANSPORT, 200, "null", "", "", NULL, 0, 0},
    {"gzip-encoded body", ENVELOPE, "gzip-body", "", NULL, NULL, FASTGPT_OK, 0, NULL, NULL, NULL, NULL, 0, 0},
    {"invalid JSON with a 200", ENVELOPE, "garbage-200", "", NULL, NULL, FASTGPT_E_PROTOCOL, 200, "null", "", "", "{not json", 0, 0},
    {"body over max_response_bytes", ENVELOPE, "big-body:200000", "\"max_response_bytes\":100000", NULL, NULL, FASTGPT_E_PROTOCOL, 200, "null", "", "", NULL, 0, 0},
    {"event over max_event_bytes", STREAM, "big-event:200000", "\"max_event_bytes\":100000", NULL, NULL, FASTGPT_E_PROTOCOL, 200, "null", "", "", NULL, 0, 1},
    {"invalid UTF-8 in a stream", STREAM, "invalid-utf8", "", NULL, NULL, FASTGPT_E_PROTOCOL, 200, "null", "", "", NULL, 0, 1},
    {"HTML 502 from a proxy", ENVELOPE, "html502", "", NULL, NULL, FASTGPT_E_HTTP, 502, "null", "", "", "502 Bad Gateway", 0, 0},
    {"HTML 502 on a stream", STREAM, "html502", "", NULL, NULL, FASTGPT_E_HTTP, 502, "null", "", "", "502 Bad Gateway", 0, 1},
    {"E1: HTTP 200 with an error envelope", REQUEST, NULL, "\"headers\":{\"X-Dev-Errors\":\"e1\"}",
     "/api/core/chat/history/getHistories", "{\"appId\":\"" APP "\",\"pageSize\":0}",
     FASTGPT_E_API, 200, "507004", "missingParams", "", "507004", 0, 0},
    {"E2: HTTP 500 with the envelope", REQUEST, NULL, "\"headers\":{\"X-Dev-Errors\":\"e2\"}",
     "/api/core/chat/history/getHistories", "{\"appId\":\"" APP "\",\"pageSize\":0}",
     FASTGPT_E_API, 500, "507004", "missingParams", "", "507004", 0, 0},
    {"E3: HTTP 400 with zodError", REQUEST, NULL, "\"headers\":{\"X-Dev-Errors\":\"e3\"}",
     "/api/core/chat/history/getHistories", "{\"appId\":\"not-an-object-id\",\"pageSize\":10}",
     FASTGPT_E_API, 400, "400", NULL, "", "zodError", 0, 0},
    {"429 with Retry-After: 411480", ENVELOPE, "status:429:retry-after=411480", "\"max_retries\":2", NULL, NULL,
     FASTGPT_E_API, 429, "429", NULL, "", NULL, 411480000L, 0},
    {"event: error after 200", STREAM, "error-event", "", NULL, NULL, FASTGPT_E_API, 200, "510", "insufficientQuota", "", "insufficientQuota", 0, 1},
    {"EOF without [DONE]", STREAM, "eof-no-done", "", NULL, NULL, FASTGPT_E_STREAM_INCOMPLETE, 200, "null", "", "", NULL, 0, 1},
    {"trailing bytes after [DONE]", STREAM, "trailing-after-done", "", NULL, NULL, FASTGPT_OK, 0, NULL, NULL, NULL, NULL, 0, 0},
    {"a JSON body answering a stream", STREAM, "json-200-stream", "", NULL, NULL, FASTGPT_E_PROTOCOL, 200, "null", "", "", NULL, 0, 1},
    {"E3 error envelope answering a stream", STREAM, NULL, "\"headers\":{\"X-Dev-Errors\":\"e3\"}", NULL, NULL,
     FASTGPT_E_API, 0, NULL, NULL, "", NULL, 0, 1},
};

/* Runs the row's call kind; returns the status code and stores out_json. */
static int do_call(fastgpt_client *c, const struct row *r, int healthy, char **out) {
    switch (healthy ? (r->call == REQUEST ? ENVELOPE : r->call) : r->call) {
    case ENVELOPE:
        return fastgpt_get_chat_histories(c, APP, 0, 5, NULL, NULL, out);
    case COMPLETION:
        return fastgpt_create_chat_completion(c, STREAM_REQ, NULL, out);
    case REQUEST:
        return fastgpt_request(c, "POST", r->req_path, NULL, r->req_body, NULL, out);
    case STREAM:
    default:
        if (!healthy && strstr(r->name, "E3") != NULL)
            /* An E3 server validates before streaming: an invalid appId. */
            return fastgpt_create_chat_completion_stream(
                c, "{\"appId\":\"bad\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", NULL,
                NULL, NULL, out);
        return fastgpt_create_chat_completion_stream(c, STREAM_REQ, NULL, NULL, NULL, out);
    }
}

static void check_row(const struct row *r, const char *json) {
    char path[64];
    CHECKM(json != NULL && jvalid(json), "%s: invalid JSON %s", r->name, json ? json : "(null)");
    if (r->expect == FASTGPT_OK) return;
    CHECK_JINT(json, "error.status", r->expect);
    CHECK_JSTR(json, "error.status_name", fastgpt_status_str(r->expect));
    if (r->http_status == -1) CHECK_JNULL(json, "error.http_status");
    else if (r->http_status > 0) CHECK_JINT(json, "error.http_status", r->http_status);
    if (r->api_code) CHECK_JRAW(json, "error.api_code", r->api_code);
    if (r->status_text) {
        if (*r->status_text) CHECK_JSTR(json, "error.status_text", r->status_text);
        else CHECK_JNULL(json, "error.status_text");
    }
    if (r->timeout) {
        if (*r->timeout) CHECK_JSTR(json, "error.timeout", r->timeout);
        else CHECK_JNULL(json, "error.timeout");
    }
    if (r->body_has) {
        char *body = jstr(jget(json, "error.body"));
        CHECKM(body != NULL && strstr(body, r->body_has) != NULL, "%s: body lacks %s: %s", r->name,
               r->body_has, json);
        free(body);
    }
    if (r->retry_after_ms) {
        CHECK_JINT(json, "error.retry_after_ms", r->retry_after_ms);
        CHECK_JINT(json, "error.attempts", 1);
    }
    snprintf(path, sizeof path, "error.partial.event_count");
    if (r->partial) CHECK_JPRESENT(json, path);
    CHECK_JSTR(json, "error.method", "POST");
    CHECK_JPRESENT(json, "error.url");
    CHECK_STR_NOT_CONTAINS(json, DEV_KEY);
}

TEST(fault_matrix) {
    size_t i;
    for (i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const struct row *r = &ROWS[i];
        char key[96], *extra, *out = NULL;
        fastgpt_client *c;
        int rc;
        uniq(key, sizeof key, "matrix");
        extra = xfmt("\"max_retries\":0,\"retry_delay_ms\":10%s%s", *r->extra ? "," : "", r->extra);
        if (strstr(r->extra, "max_retries") != NULL) {
            free(extra);
            extra = xfmt("\"retry_delay_ms\":10,%s", r->extra);
        }
        if (strstr(r->extra, "\"headers\"") != NULL) {
            c = mk_client(extra);
        } else {
            c = mk_fault_client(key, r->fault, r->fault ? 1 : 0, extra);
        }
        REQUIRE(c != NULL);
        rc = do_call(c, r, 0, &out);
        if (rc != r->expect) printf("  row \"%s\": got %s, expected %s: %s\n", r->name, fastgpt_status_str(rc), fastgpt_status_str(r->expect), out ? out : "(null)");
        CHECK_RC(rc, r->expect, out);
        check_row(r, out);
        if (r->fault && strcmp(r->fault, "gzip-body") == 0) CHECK_JTRUE(out, "data.gzip");
        fastgpt_string_free(out);
        out = NULL;
        /* The same client works afterwards (the fault was applied once). */
        if (strstr(r->extra, "X-Dev-Errors") == NULL) {
            rc = do_call(c, r, 1, &out);
            CHECKM(rc == FASTGPT_OK, "row \"%s\": the follow-up call gave %s: %s", r->name, fastgpt_status_str(rc), out ? out : "(null)");
        } else {
            rc = fastgpt_get_chat_histories(c, APP, 0, 5, NULL, NULL, &out);
            CHECKM(rc == FASTGPT_OK, "row \"%s\": the follow-up call gave %s: %s", r->name, fastgpt_status_str(rc), out ? out : "(null)");
        }
        fastgpt_string_free(out);
        free(extra);
        fastgpt_client_free(c);
    }
}

/* Connection refused, then a server appears on that port: the same client recovers. */
static int listen_on(int port) {
    struct sockaddr_in a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001);
    a.sin_port = htons((unsigned short)port);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

TEST(connection_refused_then_recovers) {
    int port = closed_port();
    char *opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"http://127.0.0.1:%d\",\"max_retries\":1,\"retry_delay_ms\":10}", port);
    fastgpt_client *c = NULL;
    char *out = NULL;
    struct capsrv s;
    const char *ok_body = "{\"code\":200,\"statusText\":\"\",\"message\":\"\",\"data\":{\"list\":[],\"total\":0}}";
    char *resp = json_resp(ok_body);
    int rc;
    REQUIRE(fastgpt_client_new_with_options(opts, &c, NULL) == FASTGPT_OK);
    rc = fastgpt_get_chat_histories(c, APP, 0, 5, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
    CHECK_JNULL(out, "error.http_status");
    CHECK_JINT(out, "error.attempts", 2); /* a connect failure is retried (nothing was sent) */
    fastgpt_string_free(out);
    out = NULL;
    /* A server now listens on that very port. */
    memset(&s, 0, sizeof s);
    s.response = resp;
    s.lfd = listen_on(port);
    REQUIRE(s.lfd >= 0);
    s.port = port;
    REQUIRE(pthread_create(&s.th, NULL, capsrv_main, &s) == 0);
    rc = fastgpt_get_chat_histories(c, APP, 0, 5, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    capsrv_finish(&s);
    capsrv_free(&s);
    fastgpt_client_free(c);
    free(resp);
    free(opts);
}

/* An unresolvable host (RFC 6761 .invalid: no DNS query leaves the machine) gives a clean
   TRANSPORT error every time; the client stays usable for other calls. */
TEST(unresolvable_host) {
    fastgpt_client *c = NULL;
    char *out = NULL;
    int i, rc;
    REQUIRE(fastgpt_client_new_with_options("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"http://no-such-host.invalid:3000\",\"max_retries\":0}", &c, NULL) == FASTGPT_OK);
    for (i = 0; i < 2; i++) {
        rc = fastgpt_get_chat_init(c, APP, "chat", NULL, &out);
        CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
        CHECK_JNULL(out, "error.http_status");
        CHECK_STR_CONTAINS(out, "resolve");
        fastgpt_string_free(out);
        out = NULL;
        rc = fastgpt_create_chat_completion_stream(c, STREAM_REQ, NULL, NULL, NULL, &out);
        CHECK_RC(rc, FASTGPT_E_TRANSPORT, out);
        fastgpt_string_free(out);
        out = NULL;
    }
    fastgpt_client_free(c);
}

static const struct test_case TESTS[] = {
    T(fault_matrix),
    T(connection_refused_then_recovers),
    T(unresolvable_host),
};
TEST_MAIN(TESTS)
