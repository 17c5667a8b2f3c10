/*
 * test_stream.c: streaming completions (docs/guide.md §7): the exact callback
 * sequence for each stream shape and fault, the accumulated result, errors with `partial`,
 * aborts, re-entrant callbacks, and the pull form.
 */
#include "fgtest.h"

#define V1_HI "flowNodeStatus,answer,answer,answer,answer,workflowDuration,answer,done,flowResponses"
#define V2_HI "flowNodeResponse,flowNodeStatus,answer,answer,answer,answer,flowNodeResponse,workflowDuration,answer,done"
#define ND_HI "answer,answer,answer,answer,answer,done"
#define CJK "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xef\xbc\x81\xe8\xbf\x99\xe6\x98\xaf\xe4\xb8\x80\xe4\xb8\xaa\xe6\xb5\x8b\xe8\xaf\x95\xe5\x9b\x9e\xe7\xad\x94\xe3\x80\x82\xf0\x9f\x99\x82"

/* "a,b,c" of the recorded event names (malloc'd). */
static char *seq_str(const struct rec *r) {
    size_t len = 1;
    int i;
    char *s;
    for (i = 0; i < r->n; i++) len += strlen(r->ev[i] ? r->ev[i] : "(null)") + 1;
    s = (char *)malloc(len);
    s[0] = '\0';
    for (i = 0; i < r->n; i++) {
        if (i) strcat(s, ",");
        strcat(s, r->ev[i] ? r->ev[i] : "(null)");
    }
    return s;
}

#define CHECK_SEQ(r, exp)                                                                  \
    do {                                                                                   \
        char *sq_ = seq_str(r);                                                            \
        g_checks++;                                                                        \
        if (strcmp(sq_, (exp)) != 0)                                                       \
            check_failf(__FILE__, __LINE__, "event sequence:\n      got %s\n expected %s", \
                        sq_, (exp));                                                       \
        free(sq_);                                                                         \
    } while (0)

/* Invariants of §6 for every recording: text non-NULL exactly for answer/fastAnswer, done
   has data "[DONE]" and text NULL, everything UTF-8; with a result: answer == joined text,
   event_count == number of callbacks. */
static void check_invariants(const char *file, int line, const struct rec *r, const char *result) {
    int i;
    g_checks++;
    for (i = 0; i < r->n; i++) {
        const char *e = r->ev[i];
        int is_answer = e && (strcmp(e, "answer") == 0 || strcmp(e, "fastAnswer") == 0);
        if (e == NULL || r->data[i] == NULL) {
            check_failf(file, line, "event %d: NULL event or data", i);
            continue;
        }
        if (is_answer && r->text[i] == NULL)
            check_failf(file, line, "event %d (%s): text is NULL, data %s", i, e, r->data[i]);
        if (!is_answer && r->text[i] != NULL)
            check_failf(file, line, "event %d (%s): text must be NULL, got \"%s\"", i, e, r->text[i]);
        if (strcmp(e, "done") == 0 && strcmp(r->data[i], "[DONE]") != 0)
            check_failf(file, line, "done event data %s", r->data[i]);
        if (strcmp(r->data[i], "[DONE]") == 0 && strcmp(e, "done") != 0)
            check_failf(file, line, "[DONE] reported as event %s", e);
    }
    if (r->bad_utf8) check_failf(file, line, "%d callbacks got invalid UTF-8", r->bad_utf8);
    if (result != NULL) {
        char *joined = rec_text(r);
        char *ans = jstr(jget(result, "answer"));
        int ok = 0;
        long long ec = jint(jget(result, "event_count"), &ok);
        if (ans == NULL || strcmp(ans, joined) != 0)
            check_failf(file, line, "result.answer \"%s\" != joined text \"%s\"", ans ? ans : "(none)", joined);
        if (!ok || ec != r->n)
            check_failf(file, line, "result.event_count %lld != %d callbacks (%s)", ec, r->n, result);
        if (!jvalid(result) || !utf8_valid(result)) check_failf(file, line, "bad result JSON %s", result);
        free(joined);
        free(ans);
    }
}
#define CHECK_INV(r, res) check_invariants(__FILE__, __LINE__, (r), (res))

static int run_stream(fastgpt_client *c, const char *req, struct rec *r, char **out) {
    *out = NULL;
    return fastgpt_create_chat_completion_stream(c, req, r ? rec_cb : NULL, r, NULL, out);
}

/* A client with extra stream-fault headers. */
static fastgpt_client *fclient(const char *fault, const char *extra) {
    char *ex;
    fastgpt_client *c;
    if (fault)
        ex = xfmt("\"headers\":{\"X-Dev-Fault\":\"%s\"}%s%s", fault, extra && *extra ? "," : "", extra ? extra : "");
    else
        ex = xfmt("%s", extra ? extra : "");
    c = mk_client(ex);
    free(ex);
    return c;
}

/* ------------------------------------------------------------------ shapes */

TEST(detail_v1_sequence_and_result) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out, *req, chat[64];
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    uniq(chat, sizeof chat, "v1");
    req = mk_req(chat, 1, "hi");
    rc = run_stream(c, req, &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, V1_HI);
    CHECK_INV(&r, out);
    if (r.n == 9) {
        CHECK_STR_EQ(r.text[1], "You");
        CHECK_STR_EQ(r.text[2], " sa");
        CHECK_STR_EQ(r.text[4], " hi");
        CHECK_STR_EQ(r.text[6], ""); /* stop chunk */
        CHECK(r.text[0] == NULL && r.text[5] == NULL && r.text[7] == NULL && r.text[8] == NULL);
        CHECK_STR_CONTAINS(r.data[0], "\"status\":\"running\"");
        CHECK_STR_CONTAINS(r.data[1], "\"content\":\"You\"");
        CHECK_STR_EQ(r.data[7], "[DONE]");
        CHECK(r.data[8][0] == '[');
    }
    CHECK_JSTR(out, "answer", "You said: hi");
    CHECK_JSTR(out, "reasoning", "");
    CHECK_JSTR(out, "finish_reason", "stop");
    CHECK_JTRUE(out, "done");
    CHECK_JINT(out, "event_count", 9);
    CHECK_JNULL(out, "interactive");
    CHECK_JNULL(out, "variables");
    CHECK_EQ_INT(jlen(jget(out, "flow_responses")), 2);
    CHECK_JSTR(out, "flow_responses.0.moduleType", "workflowStart");
    CHECK_JSTR(out, "flow_responses.1.moduleType", "chatNode");
    CHECK_JRAW(out, "tool_calls", "[]");
    CHECK_JSTR(out, "chat_id", chat);
    {
        char *id = jstr(jget(out, "response_chat_item_id"));
        CHECKM(id != NULL && strlen(id) == 24, "response_chat_item_id %s", out);
        free(id);
    }
    fastgpt_string_free(out);
    free(req);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(detail_v1_variables) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"variables\":{\"name\":\"Bob\",\"n\":1},\"responseChatItemId\":\"myrid\","
                       "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, "updateVariables," V1_HI);
    CHECK_INV(&r, out);
    CHECK_JSTR(out, "variables.name", "Bob");
    CHECK_JINT(out, "variables.n", 1);
    CHECK_JNULL(out, "chat_id");
    CHECK_JSTR(out, "response_chat_item_id", "myrid");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(detail_v2_flow_node_responses) {
    fastgpt_client *c = mk_client("\"completions_api\":\"v2\"");
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, V2_HI);
    CHECK_INV(&r, out);
    CHECK_EQ_INT(rec_count(&r, "flowResponses"), 0);
    CHECK_EQ_INT(jlen(jget(out, "flow_responses")), 2);
    CHECK_JSTR(out, "flow_responses.0.moduleType", "workflowStart");
    CHECK_JSTR(out, "flow_responses.1.moduleType", "chatNode");
    CHECK_JSTR(out, "answer", "You said: hi");
    CHECK_JTRUE(out, "done");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(non_detail_bare_data_is_answer) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, ND_HI);
    CHECK_INV(&r, out);
    CHECK_JSTR(out, "answer", "You said: hi");
    CHECK_JNULL(out, "flow_responses");
    CHECK_JTRUE(out, "done");
    CHECK_JSTR(out, "finish_reason", "stop");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(select_interactive_and_continue) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out, *req, chat[64];
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    uniq(chat, sizeof chat, "select");
    req = mk_req(chat, 1, "/select");
    rc = run_stream(c, req, &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, "flowNodeStatus,interactive,workflowDuration,answer,done,flowResponses");
    CHECK_INV(&r, out);
    CHECK_JSTR(out, "answer", "");
    CHECK_JSTR(out, "interactive.type", "userSelect");
    CHECK_JSTR(out, "interactive.params.userSelectOptions.0.value", "Confirm");
    CHECK_JSTR(out, "finish_reason", "stop");
    fastgpt_string_free(out);
    free(req);
    rec_free(&r);
    req = mk_req(chat, 1, "Confirm");
    rc = run_stream(c, req, &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "answer", "You chose: Confirm");
    CHECK_JNULL(out, "interactive");
    CHECK_INV(&r, out);
    fastgpt_string_free(out);
    free(req);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(tool_calls_merged) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go /tool\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, "flowNodeStatus,toolCall,toolParams,toolParams,toolResponse,answer,answer,answer,answer,"
                  "answer,answer,workflowDuration,answer,done,flowResponses");
    CHECK_INV(&r, out);
    CHECK_EQ_INT(jlen(jget(out, "tool_calls")), 1);
    CHECK_JSTR(out, "tool_calls.0.id", "call_1");
    CHECK_JSTR(out, "tool_calls.0.toolName", "Search");
    CHECK_JSTR(out, "tool_calls.0.functionName", "search");
    CHECK_JSTR(out, "tool_calls.0.params", "{\"q\":\"x\"}");
    CHECK_JSTR(out, "tool_calls.0.response", "found");
    CHECK_JSTR(out, "answer", "You said: go /tool");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(reasoning_accumulated_text_empty) {
    fastgpt_client *c = mk_client(NULL);
    struct rec r;
    char *out;
    int rc, i, reasoning_events = 0;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/reasoning\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_INV(&r, out);
    CHECK_JSTR(out, "reasoning", "Let me think.");
    CHECK_JSTR(out, "answer", "You said: /reasoning");
    for (i = 0; i < r.n; i++)
        if (strstr(r.data[i], "reasoning_content") != NULL) {
            reasoning_events++;
            CHECK_STR_EQ(r.text[i], "");
        }
    CHECK_EQ_INT(reasoning_events, 5);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(cjk_text_intact) {
    static const char *faults[] = {NULL, "bytewise", "bytewise,crlf", "cr,bytewise"};
    size_t i;
    for (i = 0; i < 4; i++) {
        fastgpt_client *c = fclient(faults[i], NULL);
        struct rec r;
        char *out;
        int rc;
        memset(&r, 0, sizeof r);
        rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/cjk\"}]}", &r, &out);
        CHECKM(rc == FASTGPT_OK, "fault %s: %s", faults[i] ? faults[i] : "none", out ? out : "");
        CHECK_INV(&r, out);
        CHECK_JSTR(out, "answer", CJK);
        CHECK_STR_EQ(r.text[1], "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c");
        fastgpt_string_free(out);
        rec_free(&r);
        fastgpt_client_free(c);
    }
}

/* ------------------------------------------------------------------ framing faults */

TEST(framing_faults_same_sequence) {
    static const char *faults[] = {"crlf", "cr", "bytewise", "comments", "no-space",
                                   "crlf,bytewise", "comments,cr", "no-space,comments,crlf,bytewise",
                                   "sse-close-delimited", "sse-close-delimited,bytewise,cr"};
    size_t i;
    for (i = 0; i < sizeof faults / sizeof faults[0]; i++) {
        fastgpt_client *c = fclient(faults[i], NULL);
        struct rec r;
        char *out;
        int rc, k;
        memset(&r, 0, sizeof r);
        rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
        CHECKM(rc == FASTGPT_OK, "fault %s: %s", faults[i], out ? out : "");
        {
            char *sq = seq_str(&r);
            CHECKM(strcmp(sq, V1_HI) == 0, "fault %s: sequence %s", faults[i], sq);
            free(sq);
        }
        CHECK_INV(&r, out);
        {
            char *a = jstr(jget(out, "answer"));
            CHECKM(a && strcmp(a, "You said: hi") == 0, "fault %s: answer %s", faults[i], out ? out : "");
            free(a);
        }
        for (k = 0; k < r.n; k++) {
            CHECKM(strchr(r.data[k], '\r') == NULL && strchr(r.data[k], '\n') == NULL,
                   "fault %s: data has line ends: %s", faults[i], r.data[k]);
            CHECKM(r.data[k][0] != ' ', "fault %s: data starts with a space", faults[i]);
        }
        fastgpt_string_free(out);
        rec_free(&r);
        fastgpt_client_free(c);
    }
}

TEST(multiline_data_joined) {
    fastgpt_client *c = fclient("multiline-data", NULL);
    struct rec r;
    char *out;
    int rc, i;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_INV(&r, out);
    i = rec_find(&r, "devMultiline", 0);
    CHECK(i >= 0);
    if (i >= 0) {
        CHECK_STR_EQ(r.data[i], "line one\nline two");
        CHECK(r.text[i] == NULL);
    }
    CHECK_JSTR(out, "answer", "You said: hi");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
    /* crlf variant */
    c = fclient("multiline-data,crlf", NULL);
    memset(&r, 0, sizeof r);
    rc = run_stream(c, "{\"detail\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    i = rec_find(&r, "devMultiline", 0);
    CHECK(i >= 0 && strcmp(r.data[i], "line one\nline two") == 0);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(heartbeats_are_answer_events_with_empty_text) {
    fastgpt_client *c = fclient("heartbeats:3", "\"stream_idle_timeout_ms\":500");
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, "flowNodeStatus,answer,answer,answer,answer,answer,answer,answer,workflowDuration,answer,done,flowResponses");
    CHECK_INV(&r, out);
    if (r.n >= 4) {
        CHECK_STR_EQ(r.text[1], "");
        CHECK_STR_EQ(r.text[2], "");
        CHECK_STR_EQ(r.text[3], "");
    }
    CHECK_JSTR(out, "answer", "You said: hi");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(heartbeats_keep_idle_timeout_alive) {
    /* 4 heartbeats 200 ms apart (800 ms) with a 500 ms idle timeout -> OK */
    fastgpt_client *c = fclient("heartbeats:4", "\"stream_idle_timeout_ms\":500");
    fastgpt_client *slow = mk_client("\"stream_idle_timeout_ms\":500,\"headers\":{\"X-Dev-Heartbeat-Ms\":\"200\"}");
    char *out;
    int rc;
    REQUIRE(c != NULL && slow != NULL);
    rc = run_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "answer", "You said: hi");
    fastgpt_string_free(out);
    rc = run_stream(slow, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/slow:1000\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    fastgpt_client_free(slow);
}

TEST(flowresponses_object_becomes_array) {
    fastgpt_client *c = fclient("flowresponses-object", NULL);
    struct rec r;
    char *out;
    int rc, i;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, V1_HI);
    i = rec_find(&r, "flowResponses", 0);
    CHECK(i >= 0 && r.data[i][0] == '{'); /* delivered as received */
    CHECK_EQ_INT(jlen(jget(out, "flow_responses")), 2);
    CHECK_JSTR(out, "flow_responses.0.moduleType", "workflowStart");
    CHECK_JSTR(out, "flow_responses.1.moduleType", "chatNode");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(big_event_under_and_over_max_event_bytes) {
    fastgpt_client *ok = fclient("big-event:20000", "\"max_event_bytes\":100000");
    fastgpt_client *bad = fclient("big-event:20000", "\"max_event_bytes\":5000");
    struct rec r;
    char *out, *ans;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(ok != NULL && bad != NULL);
    rc = run_stream(ok, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    ans = jstr(jget(out, "answer"));
    CHECK(ans != NULL && strlen(ans) == 20000 && strspn(ans, "x") == 20000);
    free(ans);
    CHECK_INV(&r, out);
    fastgpt_string_free(out);
    rec_free(&r);
    rc = run_stream(bad, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_JSTR(out, "error.status_name", "FASTGPT_E_PROTOCOL");
    CHECK(jget(out, "error.partial") != NULL && !jis_null(jget(out, "error.partial")));
    CHECK_JINT(out, "error.partial.event_count", r.n);
    CHECK_EQ_INT(rec_count(&r, "answer"), 0); /* the big event was not delivered */
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(ok);
    fastgpt_client_free(bad);
}

TEST(accumulated_result_over_max_response_bytes) {
    fastgpt_client *c = fclient("many-events:400", "\"max_response_bytes\":600");
    char *out;
    int rc;
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(many_events_answer_intact) {
    fastgpt_client *c = fclient("many-events:300", NULL);
    struct rec r;
    char *out, *ans;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_INV(&r, out);
    CHECK_JINT(out, "event_count", 302);
    ans = jstr(jget(out, "answer"));
    CHECK(ans != NULL && strncmp(ans, "ab\xe4\xb8\xad\xe6\x96\x87" "c\xf0\x9f\x99\x82" "ab", 13) == 0);
    free(ans);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(invalid_utf8_is_protocol) {
    fastgpt_client *c = fclient("invalid-utf8", NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_SEQ(&r, "flowNodeStatus,answer");
    CHECK_INV(&r, NULL);
    CHECK_JSTR(out, "error.partial.answer", "You");
    CHECK(out != NULL && utf8_valid(out));
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ errors in streams */

TEST(error_event_then_api) {
    fastgpt_client *c = fclient("error-event", NULL);
    struct rec r;
    char *out, *body;
    int rc, i;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SEQ(&r, "flowNodeStatus,answer,answer,error");
    CHECK_INV(&r, NULL);
    i = rec_find(&r, "error", 0);
    CHECK(i >= 0 && r.text[i] == NULL);
    CHECK_JINT(out, "error.api_code", 510);
    CHECK_JSTR(out, "error.status_text", "insufficientQuota");
    CHECK_STR_CONTAINS(jget(out, "error.message"), "AI points exhausted");
    CHECK_JINT(out, "error.http_status", 200);
    body = jstr(jget(out, "error.body"));
    CHECK(i >= 0 && body != NULL && strcmp(body, r.data[i]) == 0);
    free(body);
    CHECK_JSTR(out, "error.partial.answer", "You sa");
    CHECK_JINT(out, "error.partial.event_count", 4);
    CHECK_JFALSE(out, "error.partial.done");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

static int32_t abort_on_error_cb(void *ud, const char *e, const char *d, const char *t) {
    struct rec *r = (struct rec *)ud;
    rec_cb(ud, e, d, t);
    (void)r;
    return strcmp(e, "error") == 0 ? 1 : 0;
}

TEST(error_event_return_value_ignored) {
    fastgpt_client *c = fclient("error-event", NULL);
    struct rec r;
    char *out = NULL;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = fastgpt_create_chat_completion_stream(
        c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", abort_on_error_cb, &r, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(error_event_first_and_auth_error_frame) {
    fastgpt_client *c = fclient("error-event-first", NULL);
    fastgpt_client *badkey = NULL;
    struct rec r;
    char *out, *opts;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SEQ(&r, "error");
    CHECK_JINT(out, "error.api_code", 510);
    CHECK_JINT(out, "error.partial.event_count", 1);
    CHECK_JSTR(out, "error.partial.answer", "");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
    /* E2 auth failure on a stream: a lone error frame, HTTP 200 without Content-Type */
    opts = xfmt("{\"api_key\":\"bad-key-XYZ\",\"base_url\":\"%s\"}", test_url());
    fastgpt_client_new_with_options(opts, &badkey, NULL);
    free(opts);
    REQUIRE(badkey != NULL);
    rc = run_stream(badkey, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_SEQ(&r, "error");
    CHECK_JINT(out, "error.api_code", 514);
    CHECK_JSTR(out, "error.status_text", "unAuthApiKey");
    CHECK_STR_NOT_CONTAINS(out, "bad-key-XYZ");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(badkey);
}

TEST(e3_json_error_on_stream) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Errors\":\"e3\"}");
    struct rec r;
    char *out, *rid;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"messages\":[]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_EQ_INT(r.n, 0);
    CHECK_JINT(out, "error.http_status", 500);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "messages is empty");
    rid = jstr(jget(out, "error.request_id"));
    CHECK(rid != NULL && *rid);
    free(rid);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(eof_no_done_is_incomplete) {
    fastgpt_client *c = fclient("eof-no-done", NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_STREAM_INCOMPLETE, out);
    CHECK_SEQ(&r, "flowNodeStatus,answer,answer");
    CHECK_JSTR(out, "error.partial.answer", "You sa");
    CHECK_JFALSE(out, "error.partial.done");
    CHECK_JNULL(out, "error.partial.finish_reason");
    CHECK_JINT(out, "error.http_status", 200);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(reset_mid_stream_is_incomplete) {
    fastgpt_client *c = fclient("reset-mid-stream", NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_STREAM_INCOMPLETE, out);
    CHECK_SEQ(&r, "flowNodeStatus,answer,answer");
    CHECK_JSTR(out, "error.partial.answer", "You sa");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(trailing_after_done_is_ok) {
    fastgpt_client *c = fclient("trailing-after-done", NULL);
    fastgpt_client *v2 = fclient("trailing-after-done", "\"completions_api\":\"v2\"");
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL && v2 != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, V1_HI);
    CHECK_INV(&r, out);
    fastgpt_string_free(out);
    rec_free(&r);
    /* v2: a flowResponses frame is added after [DONE], then garbage */
    rc = run_stream(v2, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, V2_HI ",flowResponses");
    CHECK_JSTR(out, "answer", "You said: hi");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
    fastgpt_client_free(v2);
}

TEST(stall_mid_stream_idle_timeout) {
    fastgpt_client *c = fclient("stall-mid-stream:4000", "\"stream_idle_timeout_ms\":300");
    struct rec r;
    char *out;
    int rc;
    double t0;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    t0 = now_ms();
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_TIMEOUT, out);
    CHECK_JSTR(out, "error.timeout", "idle");
    CHECK_SEQ(&r, "flowNodeStatus,answer,answer");
    CHECK_JSTR(out, "error.partial.answer", "You sa");
    CHECKM(now_ms() - t0 < 1500 * tscale(), "took %.0f ms", now_ms() - t0);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

TEST(json_200_stream_is_protocol) {
    fastgpt_client *c = fclient("json-200-stream", NULL);
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_EQ_INT(r.n, 0);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "choices");
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ callback behaviour */

TEST(null_callback_same_result) {
    fastgpt_client *c = mk_client(NULL);
    char *out;
    int rc;
    REQUIRE(c != NULL);
    rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi /tool\"}]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JINT(out, "event_count", 15);
    CHECK_JSTR(out, "answer", "You said: hi /tool");
    CHECK_JSTR(out, "tool_calls.0.params", "{\"q\":\"x\"}");
    CHECK_EQ_INT(jlen(jget(out, "flow_responses")), 3);
    fastgpt_string_free(out);
    /* out_json NULL too */
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, NULL, NULL, NULL);
    CHECK_EQ_INT(rc, FASTGPT_OK);
    fastgpt_client_free(c);
}

TEST(callback_abort_at_k) {
    int k;
    for (k = 1; k <= 9; k += 4) { /* 1, 5 (mid-answer), 9 (flowResponses, after [DONE]) */
        fastgpt_client *c = mk_client(NULL);
        struct rec r;
        char *out;
        int rc;
        memset(&r, 0, sizeof r);
        r.abort_at = k;
        rc = run_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &r, &out);
        CHECKM(rc == FASTGPT_E_ABORTED, "k=%d: got %s", k, fastgpt_status_str(rc));
        CHECKM(r.calls == k, "k=%d: %d callbacks", k, r.calls);
        CHECK_JSTR(out, "error.status_name", "FASTGPT_E_ABORTED");
        CHECK_JINT(out, "error.partial.event_count", k);
        fastgpt_string_free(out);
        rec_free(&r);
        fastgpt_client_free(c);
    }
}

struct reentrant {
    fastgpt_client *c;
    int calls, inner_rc, inner_ok, did;
    char *inner_out;
};

static int32_t reentrant_cb(void *ud, const char *e, const char *d, const char *t) {
    struct reentrant *x = (struct reentrant *)ud;
    (void)d;
    (void)t;
    x->calls++;
    if (!x->did && strcmp(e, "answer") == 0) {
        x->did = 1;
        x->inner_rc = fastgpt_create_chat_completion(
            x->c, "{\"messages\":[{\"role\":\"user\",\"content\":\"inner\"}]}", NULL, &x->inner_out);
        {
            char *o2 = NULL;
            x->inner_ok = fastgpt_get_chat_histories(x->c, "65f0000000000000000000aa", 0, 1, NULL, NULL, &o2);
            fastgpt_string_free(o2);
        }
    }
    return 0;
}

TEST(callback_calls_other_function_on_same_client) {
    struct reentrant x;
    char *out = NULL;
    int rc;
    memset(&x, 0, sizeof x);
    x.c = mk_client(NULL);
    REQUIRE(x.c != NULL);
    rc = fastgpt_create_chat_completion_stream(
        x.c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"outer\"}]}", reentrant_cb, &x, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "answer", "You said: outer");
    CHECK_RC(x.inner_rc, FASTGPT_OK, x.inner_out);
    CHECK_JSTR(x.inner_out, "choices.0.message.content", "You said: inner");
    CHECK_EQ_INT(x.inner_ok, FASTGPT_OK);
    CHECK_JINT(out, "event_count", x.calls);
    fastgpt_string_free(out);
    fastgpt_string_free(x.inner_out);
    fastgpt_client_free(x.c);
}

static int32_t free_client_cb(void *ud, const char *e, const char *d, const char *t) {
    struct reentrant *x = (struct reentrant *)ud;
    (void)e;
    (void)d;
    (void)t;
    x->calls++;
    if (x->c != NULL) {
        fastgpt_client_free(x->c);
        x->c = NULL;
    }
    return 0;
}

TEST(callback_frees_running_client) {
    struct reentrant x;
    char *out = NULL;
    int rc;
    memset(&x, 0, sizeof x);
    x.c = mk_client(NULL);
    REQUIRE(x.c != NULL);
    rc = fastgpt_create_chat_completion_stream(
        x.c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"free me\"}]}", free_client_cb, &x, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK(x.c == NULL);
    CHECK_JSTR(out, "answer", "You said: free me");
    CHECK_JINT(out, "event_count", x.calls);
    fastgpt_string_free(out);
}

struct cancel_in_cb {
    fastgpt_cancel_token *t;
    int calls;
};
static int32_t cancel_token_cb(void *ud, const char *e, const char *d, const char *t) {
    struct cancel_in_cb *x = (struct cancel_in_cb *)ud;
    (void)e;
    (void)d;
    (void)t;
    x->calls++;
    if (x->calls == 2) fastgpt_cancel_token_cancel(x->t);
    return 0;
}

TEST(callback_cancels_own_token) {
    fastgpt_client *c = mk_client(NULL);
    struct cancel_in_cb x;
    char *out = NULL;
    int rc;
    x.t = fastgpt_cancel_token_new();
    x.calls = 0;
    REQUIRE(c != NULL && x.t != NULL);
    rc = fastgpt_create_chat_completion_stream(
        c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", cancel_token_cb, &x, x.t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK_EQ_INT(x.calls, 2); /* no further callback after the cancellation was seen */
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(x.t);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ custom SSE (capture) */

static int custom_sse(const char *sse_body, struct rec *r, char **out, const char *extra) {
    struct capsrv s;
    fastgpt_client *c;
    char *resp = xfmt("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n%s", sse_body);
    int rc;
    if (capsrv_start(&s, resp) != 0) {
        free(resp);
        return -1;
    }
    c = cap_client(&s, extra);
    *out = NULL;
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[]}", r ? rec_cb : NULL, r, NULL, out);
    capsrv_finish(&s);
    capsrv_free(&s);
    fastgpt_client_free(c);
    free(resp);
    return rc;
}

TEST(custom_sse_nul_in_content_becomes_fffd_in_answer) {
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    /* NUL escaped in content -> U+FFFD in text; fastAnswer text; [DONE] under another name;
       unknown event with non-JSON data delivered; id/retry ignored */
    rc = custom_sse(": hello\n\nid: 7\nretry: 5\nevent: fastAnswer\ndata: {\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\"}}]}\n\n"
                    "event: custom\ndata: not json at all\n\n"
                    "data: {\"choices\":[{\"delta\":{\"content\":5}}]}\n\n"
                    "event: whatever\ndata: [DONE]\n\n",
                    &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_SEQ(&r, "fastAnswer,custom,answer,done");
    CHECK_INV(&r, out);
    CHECKM(out != NULL && strstr(out, "\\u0000") == NULL, "U+0000 must become U+FFFD in the answer: %s", out);
    if (r.n == 4) {
        CHECK_STR_EQ(r.text[0], "a\xef\xbf\xbd" "b");
        CHECK_STR_EQ(r.data[1], "not json at all");
        CHECK_STR_EQ(r.text[2], ""); /* content not a string */
    }
    CHECK_JTRUE(out, "done");
    CHECK_JNULL(out, "finish_reason");
    fastgpt_string_free(out);
    rec_free(&r);

}

TEST(custom_sse_edge_cases) {
    struct rec r;
    char *out;
    int rc;
    memset(&r, 0, sizeof r);
    /* finish_reason without [DONE], then EOF: finished -> OK, done false */
    rc = custom_sse("data: {\"choices\":[{\"delta\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}\n\n", &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JFALSE(out, "done");
    CHECK_JSTR(out, "finish_reason", "length");
    CHECK_JSTR(out, "answer", "x");
    fastgpt_string_free(out);
    rec_free(&r);

    /* answer payload that is not a JSON object -> PROTOCOL */
    rc = custom_sse("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\ndata: hello\n\ndata: [DONE]\n\n", &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_EQ_INT(r.n, 1);
    fastgpt_string_free(out);
    rec_free(&r);

    /* raw NUL byte inside a line: cannot be expressed in a C string body here, so use a
       malformed event after [DONE] instead: OK (finished) */
    rc = custom_sse("data: [DONE]\n\ndata: nope\n\n", &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JTRUE(out, "done");
    fastgpt_string_free(out);
    rec_free(&r);

    /* clean EOF before [DONE] or a finish_reason -> INCOMPLETE */
    rc = custom_sse("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_E_STREAM_INCOMPLETE, out);
    CHECK_JSTR(out, "error.partial.answer", "x");
    fastgpt_string_free(out);
    rec_free(&r);

    /* tool frames: without id apply to the latest tool; "" does not replace */
    rc = custom_sse("event: toolCall\ndata: {\"tool\":{\"id\":\"t1\",\"toolName\":\"A\",\"params\":\"\",\"response\":\"\"}}\n\n"
                    "event: toolCall\ndata: {\"tool\":{\"id\":\"t2\",\"toolName\":\"B\",\"params\":\"\",\"response\":\"\"}}\n\n"
                    "event: toolParams\ndata: {\"tool\":{\"params\":\"{\\\"a\\\":\"}}\n\n"
                    "event: toolParams\ndata: {\"tool\":{\"id\":\"t2\",\"params\":\"1}\"}}\n\n"
                    "event: toolResponse\ndata: {\"tool\":{\"id\":\"t1\",\"response\":\"r1\",\"toolName\":\"\"}}\n\n"
                    "data: [DONE]\n\n",
                    &r, &out, NULL);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_EQ_INT(jlen(jget(out, "tool_calls")), 2);
    CHECK_JSTR(out, "tool_calls.0.id", "t1");
    CHECK_JSTR(out, "tool_calls.0.toolName", "A");
    CHECK_JSTR(out, "tool_calls.0.response", "r1");
    CHECK_JSTR(out, "tool_calls.1.id", "t2");
    CHECK_JSTR(out, "tool_calls.1.params", "{\"a\":1}");
    fastgpt_string_free(out);
    rec_free(&r);
}

/* ------------------------------------------------------------------ pull form */

/* Reads a whole stream with the pull API into r; returns the final code. */
static int pull_all(fastgpt_stream *s, struct rec *r, char **out_err) {
    for (;;) {
        const char *ev = (const char *)r, *data = (const char *)r, *text = (const char *)r;
        int rc;
        *out_err = NULL;
        rc = fastgpt_stream_next(s, &ev, &data, &text, out_err);
        if (rc != FASTGPT_OK) {
            if (ev != NULL || data != NULL || text != NULL)
                check_failf(__FILE__, __LINE__, "out pointers not NULL on error");
            return rc;
        }
        if (ev == NULL) {
            if (data != NULL || text != NULL) check_failf(__FILE__, __LINE__, "data/text not NULL at the end");
            if (*out_err != NULL) check_failf(__FILE__, __LINE__, "out_error not NULL on OK");
            return rc;
        }
        if (*out_err != NULL) check_failf(__FILE__, __LINE__, "out_error not NULL on OK");
        rec_add(r, ev, data, text);
    }
}

static int open_stream(fastgpt_client *c, const char *req, fastgpt_stream **s, char **err) {
    *s = (fastgpt_stream *)(void *)err;
    *err = NULL;
    return fastgpt_stream_open(c, req, NULL, s, err);
}

TEST(pull_matches_callback_form) {
    static const char *reqs[] = {
        "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "{\"detail\":false,\"messages\":[{\"role\":\"user\",\"content\":\"hi /reasoning\"}]}",
        "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/tool\"}]}",
        "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/select\"}]}",
        "{\"detail\":true,\"variables\":{\"v\":2},\"messages\":[{\"role\":\"user\",\"content\":\"/cjk\"}]}",
    };
    size_t i;
    fastgpt_client *c = mk_client(NULL);
    REQUIRE(c != NULL);
    for (i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        struct rec a, b;
        char *out_a, *err = NULL, *res = NULL;
        fastgpt_stream *s;
        int rc, k;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        rc = run_stream(c, reqs[i], &a, &out_a);
        CHECK_RC(rc, FASTGPT_OK, out_a);
        rc = open_stream(c, reqs[i], &s, &err);
        CHECK_RC(rc, FASTGPT_OK, err);
        CHECK(err == NULL);
        if (s != NULL) {
            rc = pull_all(s, &b, &err);
            CHECK_RC(rc, FASTGPT_OK, err);
            fastgpt_string_free(err);
            err = NULL;
            rc = fastgpt_stream_result(s, &res);
            CHECK_RC(rc, FASTGPT_OK, res);
            {
                char *sa = seq_str(&a), *sb = seq_str(&b);
                CHECKM(strcmp(sa, sb) == 0, "req %lu: callback %s vs pull %s", (unsigned long)i, sa, sb);
                free(sa);
                free(sb);
            }
            CHECK_INV(&b, res);
            for (k = 0; k < a.n && k < b.n; k++) {
                CHECK((a.text[k] == NULL) == (b.text[k] == NULL));
                if (a.text[k] && b.text[k]) CHECK_STR_EQ(a.text[k], b.text[k]);
                if (strcmp(a.ev[k], "answer") == 0) CHECK_STR_EQ(a.data[k], b.data[k]);
            }
            {
                static const char *fields[] = {"answer", "reasoning", "finish_reason", "done", "event_count",
                                               "interactive", "variables", "tool_calls", "chat_id"};
                size_t f;
                for (f = 0; f < sizeof fields / sizeof fields[0]; f++) {
                    char *x = jraw(jget(out_a, fields[f])), *y = jraw(jget(res, fields[f]));
                    CHECKM(x && y && strcmp(x, y) == 0, "req %lu field %s: %s vs %s", (unsigned long)i,
                           fields[f], x ? x : "(absent)", y ? y : "(absent)");
                    free(x);
                    free(y);
                }
                CHECK_EQ_INT(jlen(jget(out_a, "flow_responses")), jlen(jget(res, "flow_responses")));
            }
            fastgpt_string_free(res);
            fastgpt_stream_free(s);
        }
        fastgpt_string_free(out_a);
        rec_free(&a);
        rec_free(&b);
    }
    fastgpt_client_free(c);
}

TEST(pull_sticky_end_and_strings_lifetime) {
    fastgpt_client *c = mk_client(NULL);
    fastgpt_stream *s;
    char *err = NULL, *res = NULL;
    const char *ev = NULL, *data = NULL, *text = NULL;
    char copy[256];
    int rc, i;
    REQUIRE(c != NULL);
    rc = open_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &s, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    REQUIRE(s != NULL);
    /* client freed while the stream is alive */
    fastgpt_client_free(c);
    rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    CHECK_STR_EQ(ev, "flowNodeStatus");
    CHECK(text == NULL);
    rc = fastgpt_stream_next(s, &ev, &data, &text, NULL);
    CHECK_EQ_INT(rc, FASTGPT_OK);
    CHECK_STR_EQ(ev, "answer");
    CHECK_STR_EQ(text, "You");
    snprintf(copy, sizeof copy, "%s", data ? data : "");
    /* stream_result does not invalidate the strings */
    rc = fastgpt_stream_result(s, &res);
    CHECK_RC(rc, FASTGPT_OK, res);
    CHECK_JSTR(res, "answer", "You");
    CHECK_JINT(res, "event_count", 2);
    CHECK_JFALSE(res, "done");
    fastgpt_string_free(res);
    CHECK_STR_EQ(data, copy);
    CHECK_STR_EQ(text, "You");
    CHECK_STR_EQ(ev, "answer");
    /* out_data/out_text optional */
    rc = fastgpt_stream_next(s, &ev, NULL, NULL, NULL);
    CHECK_EQ_INT(rc, FASTGPT_OK);
    for (i = 0; i < 20; i++) {
        rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
        if (rc != FASTGPT_OK || ev == NULL) break;
    }
    CHECK_RC(rc, FASTGPT_OK, err);
    CHECK(ev == NULL && data == NULL && text == NULL && err == NULL);
    /* sticky */
    for (i = 0; i < 3; i++) {
        ev = (const char *)copy;
        rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
        CHECK_EQ_INT(rc, FASTGPT_OK);
        CHECK(ev == NULL);
    }
    rc = fastgpt_stream_result(s, &res);
    CHECK_RC(rc, FASTGPT_OK, res);
    CHECK_JSTR(res, "answer", "You said: hi");
    CHECK_JTRUE(res, "done");
    CHECK_JINT(res, "event_count", 9);
    fastgpt_string_free(res);
    fastgpt_stream_free(s);
}

TEST(pull_error_event_then_api_sticky) {
    fastgpt_client *c = fclient("error-event", NULL);
    fastgpt_stream *s;
    struct rec r;
    char *err = NULL, *res = NULL;
    const char *ev, *data, *text;
    int rc, i;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    rc = open_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &s, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    REQUIRE(s != NULL);
    for (i = 0; i < 3; i++) {
        rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
        CHECK_RC(rc, FASTGPT_OK, err);
    }
    rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    CHECK_STR_EQ(ev, "error");
    CHECK_STR_CONTAINS(data, "insufficientQuota");
    CHECK(text == NULL);
    for (i = 0; i < 3; i++) {
        ev = data = text = (const char *)&r;
        err = NULL;
        rc = fastgpt_stream_next(s, &ev, &data, &text, &err);
        CHECK_RC(rc, FASTGPT_E_API, err);
        CHECK(ev == NULL && data == NULL && text == NULL);
        CHECK_JINT(err, "error.api_code", 510);
        CHECK_JSTR(err, "error.status_text", "insufficientQuota");
        CHECK_JSTR(err, "error.partial.answer", "You sa");
        fastgpt_string_free(err);
    }
    rc = fastgpt_stream_result(s, &res);
    CHECK_RC(rc, FASTGPT_OK, res);
    CHECK_JSTR(res, "answer", "You sa");
    CHECK_JINT(res, "event_count", 4);
    fastgpt_string_free(res);
    fastgpt_stream_free(s);
    fastgpt_client_free(c);
}

TEST(pull_incomplete_and_timeout_sticky) {
    static const char *faults[] = {"eof-no-done", "reset-mid-stream", "stall-mid-stream:4000", "invalid-utf8"};
    static const int codes[] = {FASTGPT_E_STREAM_INCOMPLETE, FASTGPT_E_STREAM_INCOMPLETE, FASTGPT_E_TIMEOUT,
                                FASTGPT_E_PROTOCOL};
    size_t i;
    for (i = 0; i < 4; i++) {
        fastgpt_client *c = fclient(faults[i], "\"stream_idle_timeout_ms\":300");
        fastgpt_stream *s;
        struct rec r;
        char *err = NULL;
        const char *ev;
        int rc;
        memset(&r, 0, sizeof r);
        rc = open_stream(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", &s, &err);
        CHECK_RC(rc, FASTGPT_OK, err);
        if (s == NULL) {
            fastgpt_client_free(c);
            continue;
        }
        rc = pull_all(s, &r, &err);
        CHECKM(rc == codes[i], "%s: got %s: %s", faults[i], fastgpt_status_str(rc), err ? err : "");
        CHECK(err != NULL && jget(err, "error.partial") != NULL && !jis_null(jget(err, "error.partial")));
        fastgpt_string_free(err);
        err = NULL;
        ev = "x";
        rc = fastgpt_stream_next(s, &ev, NULL, NULL, &err);
        CHECKM(rc == codes[i], "%s sticky: got %s", faults[i], fastgpt_status_str(rc));
        CHECK(ev == NULL);
        CHECK(err != NULL);
        fastgpt_string_free(err);
        fastgpt_stream_free(s);
        rec_free(&r);
        fastgpt_client_free(c);
    }
}

TEST(pull_open_errors) {
    fastgpt_client *e3 = mk_client("\"headers\":{\"X-Dev-Errors\":\"e3\"}");
    fastgpt_client *h = fclient("html502", "\"max_retries\":0");
    fastgpt_client *j = fclient("json-200-stream", NULL);
    fastgpt_stream *s;
    char *err;
    int rc;
    REQUIRE(e3 != NULL && h != NULL && j != NULL);
    rc = open_stream(e3, "{\"messages\":[]}", &s, &err);
    CHECK_RC(rc, FASTGPT_E_API, err);
    CHECK(s == NULL);
    CHECK_JINT(err, "error.http_status", 500);
    fastgpt_string_free(err);
    rc = open_stream(h, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &s, &err);
    CHECK_RC(rc, FASTGPT_E_HTTP, err);
    CHECK(s == NULL);
    fastgpt_string_free(err);
    rc = open_stream(j, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &s, &err);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, err);
    CHECK(s == NULL);
    fastgpt_string_free(err);
    /* out_error optional */
    s = (fastgpt_stream *)(void *)&rc;
    rc = fastgpt_stream_open(e3, "{\"messages\":[]}", NULL, &s, NULL);
    CHECK_EQ_INT(rc, FASTGPT_E_API);
    CHECK(s == NULL);
    fastgpt_client_free(e3);
    fastgpt_client_free(h);
    fastgpt_client_free(j);
}

TEST(pull_error_event_first) {
    /* E1/E2 auth and app errors arrive as an event frame: open succeeds, next gives the event */
    fastgpt_client *c = fclient("error-event-first", NULL);
    fastgpt_stream *s;
    char *err = NULL;
    const char *ev = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = open_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", &s, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    REQUIRE(s != NULL);
    rc = fastgpt_stream_next(s, &ev, NULL, NULL, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    CHECK_STR_EQ(ev, "error");
    rc = fastgpt_stream_next(s, &ev, NULL, NULL, &err);
    CHECK_RC(rc, FASTGPT_E_API, err);
    CHECK_JINT(err, "error.api_code", 510);
    fastgpt_string_free(err);
    fastgpt_stream_free(s);
    fastgpt_client_free(c);
}

TEST(pull_free_midway_and_request_not_used_after_open) {
    fastgpt_client *c = mk_client(NULL);
    fastgpt_stream *s;
    char *err = NULL;
    char *req = xfmt("{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/cjk\"}]}");
    const char *ev = NULL, *text = NULL;
    int rc;
    REQUIRE(c != NULL);
    rc = open_stream(c, req, &s, &err);
    memset(req, 'X', strlen(req)); /* request_json is not used after open */
    free(req);
    CHECK_RC(rc, FASTGPT_OK, err);
    REQUIRE(s != NULL);
    rc = fastgpt_stream_next(s, &ev, NULL, &text, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    rc = fastgpt_stream_next(s, &ev, NULL, &text, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    CHECK_STR_EQ(text, "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c");
    fastgpt_stream_free(s); /* drop mid-stream */
    /* the client still works */
    {
        char *out = NULL;
        rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"again\"}]}", NULL, &out);
        CHECK_RC(rc, FASTGPT_OK, out);
        fastgpt_string_free(out);
    }
    fastgpt_client_free(c);
}

static const struct test_case TESTS[] = {
    T(detail_v1_sequence_and_result),
    T(detail_v1_variables),
    T(detail_v2_flow_node_responses),
    T(non_detail_bare_data_is_answer),
    T(select_interactive_and_continue),
    T(tool_calls_merged),
    T(reasoning_accumulated_text_empty),
    T(cjk_text_intact),
    T(framing_faults_same_sequence),
    T(multiline_data_joined),
    T(heartbeats_are_answer_events_with_empty_text),
    T(heartbeats_keep_idle_timeout_alive),
    T(flowresponses_object_becomes_array),
    T(big_event_under_and_over_max_event_bytes),
    T(accumulated_result_over_max_response_bytes),
    T(many_events_answer_intact),
    T(invalid_utf8_is_protocol),
    T(error_event_then_api),
    T(error_event_return_value_ignored),
    T(error_event_first_and_auth_error_frame),
    T(e3_json_error_on_stream),
    T(eof_no_done_is_incomplete),
    T(reset_mid_stream_is_incomplete),
    T(trailing_after_done_is_ok),
    T(stall_mid_stream_idle_timeout),
    T(json_200_stream_is_protocol),
    T(null_callback_same_result),
    T(callback_abort_at_k),
    T(callback_calls_other_function_on_same_client),
    T(callback_frees_running_client),
    T(callback_cancels_own_token),
    T(custom_sse_nul_in_content_becomes_fffd_in_answer),
    T(custom_sse_edge_cases),
    T(pull_matches_callback_form),
    T(pull_sticky_end_and_strings_lifetime),
    T(pull_error_event_then_api_sticky),
    T(pull_incomplete_and_timeout_sticky),
    T(pull_open_errors),
    T(pull_error_event_first),
    T(pull_free_midway_and_request_not_used_after_open),
};
TEST_MAIN(TESTS)
