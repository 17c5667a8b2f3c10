/*
 * test_endpoints.c: every endpoint against the dev server (base URL and
 * api_paths, wire rules of each call, completion request rules), with real state and with
 * X-Dev-Echo to assert exact wire details; a raw capture server checks byte-exact bodies.
 */
#include "fgtest.h"

#define ECHO_HDR "\"headers\":{\"X-Dev-Echo\":\"1\"}"
#define D0 "2025-01-01T00:00:00.000Z"
#define D1 "2025-01-03T00:00:00.000Z"

static fastgpt_client *echo_client(void) { return mk_client(ECHO_HDR); }

/* Runs a call returning out_json; requires FASTGPT_OK. */
#define CALL_OK(out, expr)                                                                 \
    do {                                                                                   \
        int rc_;                                                                           \
        (out) = NULL;                                                                      \
        rc_ = (expr);                                                                      \
        CHECK_RC(rc_, FASTGPT_OK, (out));                                                  \
    } while (0)

/* ------------------------------------------------------------------ wire details (echo) */

TEST(echo_histories_body) {
    fastgpt_client *c = echo_client();
    char *out;
    char app[25];
    REQUIRE(c != NULL);
    uniq_app(app);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 3, 7, NULL, NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.path", "/api/core/chat/history/getHistories");
    CHECK_JSTR(out, "data.body.appId", app);
    CHECK_JINT(out, "data.body.offset", 3);
    CHECK_JINT(out, "data.body.pageSize", 7);
    CHECK_JSTR(out, "data.body.source", "api"); /* NULL -> "api" */
    CHECK_JSTR(out, "data.headers.authorization", "Bearer " DEV_KEY);
    CHECK_STR_CONTAINS(jget(out, "data.headers.content-type"), "application/json");
    CHECK_JSTR(out, "data.headers.x-dev-echo", "1");
    {
        char *ua = jstr(jget(out, "data.headers.user-agent"));
        char exp[64];
        snprintf(exp, sizeof exp, "libfastgpt/%s", fastgpt_version());
        CHECK_STR_EQ(ua, exp);
        free(ua);
    }
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 0, 1, "", NULL, &out));
    CHECK_JABSENT(out, "data.body.source"); /* "" -> omitted */
    CHECK_JINT(out, "data.body.offset", 0);
    CHECK_JINT(out, "data.body.pageSize", 1); /* pageSize always sent */
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 0, 30, "share", NULL, &out));
    CHECK_JSTR(out, "data.body.source", "share");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_user_agent_override) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Echo\":\"1\",\"user-agent\":\"my-app/2\",\"X-Extra\":\"a b\"}");
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_init(c, "a", "b", NULL, &out));
    CHECK_JSTR(out, "data.headers.user-agent", "my-app/2");
    CHECK_JSTR(out, "data.headers.x-extra", "a b");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_init_query_percent_encoded) {
    fastgpt_client *c = echo_client();
    char *out, *raw;
    const char *app = "a b&c=d+e";
    const char *chat = "\xc3\xbc/?#%20\xe4\xb8\xad";
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_init(c, app, chat, NULL, &out));
    CHECK_JSTR(out, "data.method", "GET");
    CHECK_JSTR(out, "data.path", "/api/core/chat/init");
    CHECK_JSTR(out, "data.query.appId", app);
    CHECK_JSTR(out, "data.query.chatId", chat);
    CHECK_JNULL(out, "data.body");
    raw = jstr(jget(out, "data.rawQuery"));
    CHECK(raw != NULL && strchr(raw, ' ') == NULL && strchr(raw, '#') == NULL);
    CHECK(raw != NULL && strstr(raw, "%26") != NULL && strstr(raw, "%3D") != NULL);
    CHECK(raw != NULL && strstr(raw, "%2B") != NULL); /* '+' must not be sent raw */
    free(raw);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_records_body) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_records(c, "app1", "chat 1", 4, 9, 0, NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.path", "/api/core/chat/record/getPaginationRecords");
    CHECK_JSTR(out, "data.body.appId", "app1");
    CHECK_JSTR(out, "data.body.chatId", "chat 1");
    CHECK_JINT(out, "data.body.offset", 4);
    CHECK_JINT(out, "data.body.pageSize", 9);
    CHECK_JABSENT(out, "data.body.loadCustomFeedbacks");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(c, "app1", "chat 1", 0, 1, 7, NULL, &out));
    CHECK_JTRUE(out, "data.body.loadCustomFeedbacks");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(c, "app1", "chat 1", 0, 1, -1, NULL, &out));
    CHECK_JTRUE(out, "data.body.loadCustomFeedbacks");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_record_detail_query) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_record_detail(c, "app&1", "c=2", "d 3\xe2\x82\xac", NULL, &out));
    CHECK_JSTR(out, "data.method", "GET");
    CHECK_JSTR(out, "data.path", "/api/core/chat/record/getResData");
    CHECK_JSTR(out, "data.query.appId", "app&1");
    CHECK_JSTR(out, "data.query.chatId", "c=2");
    CHECK_JSTR(out, "data.query.dataId", "d 3\xe2\x82\xac");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_update_history_body) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_update_chat_history(c, "a", "c", "T\xc3\xaftle", 1, NULL, &out));
    CHECK_JSTR(out, "data.method", "PUT");
    CHECK_JSTR(out, "data.path", "/api/core/chat/history/updateHistory");
    CHECK_JSTR(out, "data.body.appId", "a");
    CHECK_JSTR(out, "data.body.chatId", "c");
    CHECK_JSTR(out, "data.body.customTitle", "T\xc3\xaftle");
    CHECK_JTRUE(out, "data.body.top");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_update_chat_history(c, "a", "c", NULL, 0, NULL, &out));
    CHECK_JABSENT(out, "data.body.customTitle"); /* NULL optional omitted, not null */
    CHECK_JFALSE(out, "data.body.top");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_update_chat_history(c, "a", "c", "", -1, NULL, &out));
    CHECK_JSTR(out, "data.body.customTitle", "");
    CHECK_JABSENT(out, "data.body.top");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_delete_clear_query) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_delete_chat_history(c, "a b", "c&d", NULL, &out));
    CHECK_JSTR(out, "data.method", "DELETE");
    CHECK_JSTR(out, "data.path", "/api/core/chat/history/delHistory");
    CHECK_JSTR(out, "data.query.appId", "a b");
    CHECK_JSTR(out, "data.query.chatId", "c&d");
    CHECK_JNULL(out, "data.body");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_clear_chat_histories(c, "a=b", NULL, &out));
    CHECK_JSTR(out, "data.method", "DELETE");
    CHECK_JSTR(out, "data.path", "/api/core/chat/history/clearHistories");
    CHECK_JSTR(out, "data.query.appId", "a=b");
    CHECK_JABSENT(out, "data.query.chatId");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_record(c, "a", "c", "id #1", NULL, &out));
    CHECK_JSTR(out, "data.method", "DELETE");
    CHECK_JSTR(out, "data.path", "/api/core/chat/record/delete");
    CHECK_JSTR(out, "data.query.contentId", "id #1");
    CHECK_JSTR(out, "data.query.chatId", "c");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_feedback_body) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_send_feedback(c, "a", "c", "d", "good!", NULL, NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.path", "/api/core/chat/feedback/updateUserFeedback");
    CHECK_JSTR(out, "data.body.dataId", "d");
    CHECK_JSTR(out, "data.body.userGoodFeedback", "good!");
    CHECK_JABSENT(out, "data.body.userBadFeedback");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_send_feedback(c, "a", "c", "d", NULL, NULL, NULL, &out));
    CHECK_JABSENT(out, "data.body.userGoodFeedback");
    CHECK_JABSENT(out, "data.body.userBadFeedback");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_send_feedback(c, "a", "c", "d", "", "bad \"x\"", NULL, &out));
    CHECK_JSTR(out, "data.body.userGoodFeedback", "");
    CHECK_JSTR(out, "data.body.userBadFeedback", "bad \"x\"");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_suggested_questions_body) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_suggested_questions(c, "a", "c", NULL, NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.path", "/api/core/ai/agent/v2/createQuestionGuide");
    CHECK_JSTR(out, "data.body.appId", "a");
    CHECK_JSTR(out, "data.body.chatId", "c");
    CHECK_JABSENT(out, "data.body.questionGuide");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_suggested_questions(
                     c, "a", "c", "{\"open\":true,\"model\":\"m\",\"customPrompt\":\"p\"}", NULL, &out));
    CHECK_JRAW(out, "data.body.questionGuide", "{\"open\":true,\"model\":\"m\",\"customPrompt\":\"p\"}");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(echo_app_logs_chart_body) {
    fastgpt_client *c = echo_client();
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_app_logs_chart(c, "appX", D0, D1, NULL, NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.path", "/api/proApi/core/app/logs/getChartData");
    CHECK_JSTR(out, "data.body.appId", "appX");
    CHECK_JSTR(out, "data.body.dateStart", D0);
    CHECK_JSTR(out, "data.body.dateEnd", D1);
    CHECK_JINT(out, "data.body.offset", 1);
    CHECK_JRAW(out, "data.body.source", "[\"api\"]");
    CHECK_JSTR(out, "data.body.userTimespan", "day");
    CHECK_JSTR(out, "data.body.chatTimespan", "day");
    CHECK_JSTR(out, "data.body.appTimespan", "day");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_app_logs_chart(
                     c, "appX", D0, D1,
                     "{\"offset\":8,\"appId\":\"other\",\"dateStart\":\"x\",\"dateEnd\":5,"
                     "\"userTimespan\":\"week\",\"extra\":{\"k\":[1,2]}}",
                     NULL, &out));
    CHECK_JSTR(out, "data.body.appId", "appX");
    CHECK_JSTR(out, "data.body.dateStart", D0);
    CHECK_JSTR(out, "data.body.dateEnd", D1);
    CHECK_JINT(out, "data.body.offset", 8);
    CHECK_JSTR(out, "data.body.userTimespan", "week");
    CHECK_JSTR(out, "data.body.chatTimespan", "day");
    CHECK_JRAW(out, "data.body.extra", "{\"k\":[1,2]}");
    CHECK_JRAW(out, "data.body.source", "[\"api\"]");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(app_logs_chart_real) {
    fastgpt_client *c = mk_client(NULL);
    char *out;
    char app[25];
    REQUIRE(c != NULL);
    uniq_app(app);
    CALL_OK(out, fastgpt_get_app_logs_chart(c, app, D0, D1, "{\"source\":[\"api\",\"online\"]}", NULL, &out));
    CHECK_JINT(out, "code", 200);
    CHECK_EQ_INT(jlen(jget(out, "data.userData")), 3);
    CHECK_EQ_INT(jlen(jget(out, "data.chatData")), 3);
    CHECK_EQ_INT(jlen(jget(out, "data.appData")), 3);
    CHECK_JSTR(out, "data.request.appId", app);
    CHECK_JSTR(out, "data.request.dateStart", D0);
    CHECK_JSTR(out, "data.request.dateEnd", D1);
    CHECK_JRAW(out, "data.request.source", "[\"api\",\"online\"]");
    CHECK_JINT(out, "data.request.offset", 1);
    CHECK_JSTR(out, "data.request.appTimespan", "day");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ completion requests */

TEST(echo_completion_request_members) {
    fastgpt_client *c = echo_client();
    char *out, *id;
    REQUIRE(c != NULL);
    /* non-stream: stream forced false, responseChatItemId added, chatId not added */
    CALL_OK(out, fastgpt_request(c, "POST", "/api/__dev/echo", NULL, "{}", NULL, &out));
    fastgpt_string_free(out);
    {
        int rc;
        out = NULL;
        rc = fastgpt_create_chat_completion(
            c, "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"variables\":{\"v\":1}}",
            NULL, &out);
        /* the echo envelope has no choices: rule 6 -> PROTOCOL; the body is in the error */
        CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
        fastgpt_string_free(out);
    }
    fastgpt_client_free(c);

    /* Use the capture server for exact member checks of the non-stream request. */
    {
        struct capsrv s;
        fastgpt_client *cc;
        char *resp = json_resp("{\"choices\":[{\"message\":{\"content\":\"x\"}}]}");
        const char *req = "{\"z\":1,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                          "\"big\":123456789012345678901234567890,\"f\":1.50,\"nested\":{\"b\":2,\"a\":1}}";
        int rc;
        REQUIRE(capsrv_start(&s, resp) == 0);
        cc = cap_client(&s, NULL);
        out = NULL;
        rc = fastgpt_create_chat_completion(cc, req, NULL, &out);
        capsrv_finish(&s);
        CHECK_RC(rc, FASTGPT_OK, out);
        CHECK_STR_EQ(out, "{\"choices\":[{\"message\":{\"content\":\"x\"}}]}"); /* as received */
        fastgpt_string_free(out);
        {
            const char *b = cap_body(&s);
            CHECK_STR_CONTAINS(s.req, "POST /api/v1/chat/completions HTTP/1.1\r\n");
            CHECK_STR_CONTAINS(b, "123456789012345678901234567890");
            CHECK_STR_CONTAINS(b, "\"f\":1.50");
            CHECK_STR_CONTAINS(b, "\"nested\":{\"b\":2,\"a\":1}");
            CHECK(strstr(b, "\"z\":1") != NULL && strstr(b, "\"messages\"") != NULL &&
                  strstr(b, "\"z\":1") < strstr(b, "\"messages\"") &&
                  strstr(b, "\"messages\"") < strstr(b, "\"big\""));
            CHECK_JFALSE(b, "stream");
            CHECK_JABSENT(b, "chatId");
            id = jstr(jget(b, "responseChatItemId"));
            CHECKM(id != NULL && strlen(id) == 24 && strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") == 24,
                   "responseChatItemId %s", id ? id : "(missing)");
            free(id);
            CHECK(jvalid(b));
            CHECK(strstr(s.req, "\r\nAuthorization: Bearer " DEV_KEY "\r\n") != NULL ||
                  strstr(s.req, "\r\nauthorization: Bearer " DEV_KEY "\r\n") != NULL);
        }
        capsrv_free(&s);
        fastgpt_client_free(cc);
        free(resp);
    }
}

TEST(capture_completion_keeps_response_chat_item_id) {
    struct capsrv s;
    fastgpt_client *cc;
    char *resp = json_resp("{\"choices\":[]}");
    char *out = NULL;
    int rc;
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, "\"completions_api\":\"v2\"");
    rc = fastgpt_create_chat_completion(
        cc, "{\"responseChatItemId\":\"my-own-id\",\"chatId\":\"c1\",\"messages\":[]}", NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_STR_CONTAINS(s.req, "POST /api/v2/chat/completions HTTP/1.1\r\n");
    CHECK_JSTR(cap_body(&s), "responseChatItemId", "my-own-id");
    CHECK_JSTR(cap_body(&s), "chatId", "c1");
    CHECK_JFALSE(cap_body(&s), "stream");
    /* exactly one responseChatItemId member */
    {
        const char *b = cap_body(&s);
        const char *p = strstr(b, "\"responseChatItemId\"");
        CHECK(p != NULL && strstr(p + 1, "\"responseChatItemId\"") == NULL);
    }
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

TEST(capture_completion_non_string_response_chat_item_id_replaced) {
    struct capsrv s;
    fastgpt_client *cc;
    char *resp = json_resp("{\"choices\":[]}");
    char *out = NULL, *id;
    int rc;
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, NULL);
    rc = fastgpt_create_chat_completion(cc, "{\"responseChatItemId\":42,\"messages\":[]}", NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    id = jstr(jget(cap_body(&s), "responseChatItemId"));
    CHECKM(id != NULL && strlen(id) == 24, "body %s", cap_body(&s));
    CHECK(jvalid(cap_body(&s)));
    free(id);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

TEST(capture_stream_request_members) {
    struct capsrv s;
    fastgpt_client *cc;
    const char *resp0 =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
        "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":null}]}\n\n"
        "data: [DONE]\n\n";
    char *resp = xfmt("%s", resp0);
    char *out = NULL, *id;
    int rc;
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, NULL);
    rc = fastgpt_create_chat_completion_stream(
        cc, "{\"stream\":false,\"big\":123456789012345678901234567890,\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],\"k\":[]}",
        NULL, NULL, NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "answer", "ok");
    CHECK_JNULL(out, "chat_id");
    CHECK_JTRUE(cap_body(&s), "stream");
    CHECK_JABSENT(cap_body(&s), "chatId");
    CHECK_STR_CONTAINS(cap_body(&s), "\"big\":123456789012345678901234567890");
    id = jstr(jget(cap_body(&s), "responseChatItemId"));
    CHECKM(id != NULL && strlen(id) == 24, "body %s", cap_body(&s));
    /* the result reports the id that was sent */
    CHECK_JSTR(out, "response_chat_item_id", id ? id : "?");
    free(id);
    fastgpt_string_free(out);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

/* ------------------------------------------------------------------ fastgpt_request */

TEST(request_query_and_body_encoding) {
    fastgpt_client *c = mk_client(NULL);
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_request(c, "GET", "/api/__dev/echo",
                                 "{\"s\":\"a b&c=d\",\"n\":12.5,\"i\":-3,\"t\":true,\"f\":false,"
                                 "\"z\":null,\"u\":\"\xc3\xa9\xe4\xb8\xad\",\"empty\":\"\"}",
                                 NULL, NULL, &out));
    CHECK_JSTR(out, "data.method", "GET");
    CHECK_JSTR(out, "data.query.s", "a b&c=d");
    CHECK_JSTR(out, "data.query.n", "12.5");
    CHECK_JSTR(out, "data.query.i", "-3");
    CHECK_JSTR(out, "data.query.t", "true");
    CHECK_JSTR(out, "data.query.f", "false");
    CHECK_JABSENT(out, "data.query.z");
    CHECK_JSTR(out, "data.query.u", "\xc3\xa9\xe4\xb8\xad");
    CHECK_JSTR(out, "data.query.empty", "");
    CHECK_JNULL(out, "data.body");
    fastgpt_string_free(out);

    CALL_OK(out, fastgpt_request(c, "PUT", "/api/__dev/echo", NULL,
                                 "{\"x\":[1,{\"y\":null}],\"s\":\"\\u00e9\"}", NULL, &out));
    CHECK_JSTR(out, "data.method", "PUT");
    CHECK_JRAW(out, "data.body", "{\"x\":[1,{\"y\":null}],\"s\":\"\xc3\xa9\"}");
    CHECK_STR_CONTAINS(jget(out, "data.headers.content-type"), "application/json");
    CHECK_JSTR(out, "data.headers.authorization", "Bearer " DEV_KEY);
    fastgpt_string_free(out);

    CALL_OK(out, fastgpt_request(c, "DELETE", "/api/__dev/echo", "{\"k\":\"v\"}", "[1,2]", NULL, &out));
    CHECK_JSTR(out, "data.method", "DELETE");
    CHECK_JSTR(out, "data.query.k", "v");
    CHECK_STR_CONTAINS(jget(out, "data.headers.content-type"), "application/json");
    fastgpt_string_free(out);

    /* the server reads only the query for DELETE; body delivery is checked by capture below */
    CALL_OK(out, fastgpt_request(c, "POST", "/api/__dev/echo", NULL, "\"just a string\"", NULL, &out));
    CHECK_JSTR(out, "data.method", "POST");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(request_query_number_sent_as_json_text) {
    /* §5: "a number as its JSON text" */
    fastgpt_client *c = mk_client(NULL);
    char *out;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_request(c, "GET", "/api/__dev/echo",
                                 "{\"e\":1e3,\"f\":1.50,\"big\":123456789012345678901234567890,\"neg\":-0}",
                                 NULL, NULL, &out));
    CHECK_JSTR(out, "data.query.e", "1e3");
    CHECK_JSTR(out, "data.query.f", "1.50");
    CHECK_JSTR(out, "data.query.big", "123456789012345678901234567890");
    CHECK_JSTR(out, "data.query.neg", "-0");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(capture_request_body_bytes) {
    struct capsrv s;
    fastgpt_client *cc;
    char *resp = json_resp("[1,2]");
    const char *body = "{\"b\":123456789012345678901234567890, \"a\" : [true,null]}";
    char *out = NULL;
    int rc;
    REQUIRE(capsrv_start(&s, resp) == 0);
    cc = cap_client(&s, NULL);
    rc = fastgpt_request(cc, "DELETE", "/api/x/\xc3\xa9%41y", "{\"q\":\"1 2\"}", body, NULL, &out);
    capsrv_finish(&s);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_STR_EQ(out, "[1,2]");
    fastgpt_string_free(out);
    CHECKM(s.req != NULL && strncmp(s.req, "DELETE /api/x/%C3%A9%41y?q=", 27) == 0, "request line: %.80s",
           s.req ? s.req : "(none)");
    CHECK_STR_EQ(cap_body(&s), body);
    CHECK(strstr(s.req, "\r\ncontent-type: application/json") != NULL ||
          strstr(s.req, "\r\nContent-Type: application/json") != NULL);
    capsrv_free(&s);
    fastgpt_client_free(cc);
    free(resp);
}

TEST(request_dev_count_and_any_json) {
    fastgpt_client *c = mk_client(NULL);
    char key[64];
    char *out, *q;
    uniq(key, sizeof key, "reqcount");
    REQUIRE(c != NULL);
    q = xfmt("{\"key\":\"%s\"}", key);
    CALL_OK(out, fastgpt_request(c, "GET", "/__dev/count", q, NULL, NULL, &out));
    CHECK_JINT(out, "count", 0);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_request(c, "GET", "/__dev/health", NULL, NULL, NULL, &out));
    CHECK_JTRUE(out, "ok");
    fastgpt_string_free(out);
    free(q);
    fastgpt_client_free(c);
}

TEST(request_error_envelope_and_404) {
    fastgpt_client *c = mk_client(NULL);
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    /* validation error envelope -> API */
    rc = fastgpt_request(c, "POST", "/api/core/chat/history/getHistories", NULL,
                         "{\"appId\":\"nothex\"}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    fastgpt_string_free(out);
    out = NULL;
    /* unknown path: Next.js 404 HTML -> HTTP, non-ASCII path percent-encoded in url */
    rc = fastgpt_request(c, "GET", "/api/no/such/\xc3\xbc", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 404);
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/no/such/%C3%BC");
    CHECK_JSTR(out, "error.method", "GET");
    CHECK_STR_CONTAINS(jget(out, "error.body"), "404: This page could not be found");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ base URLs */

TEST(base_url_normalisation) {
    static const char *suffixes[] = {"", "/", "/api", "/api/", "/api/v1", "/api/v1/", "/api/v2", "/api/v2/"};
    size_t i;
    for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        fastgpt_client *c = NULL;
        char *err = NULL, *out = NULL;
        char *opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"%s%s\"," ECHO_HDR "}",
                          test_url(), suffixes[i]);
        int rc = fastgpt_client_new_with_options(opts, &c, &err);
        CHECK_RC(rc, FASTGPT_OK, err);
        fastgpt_string_free(err);
        if (c == NULL) {
            free(opts);
            continue;
        }
        rc = fastgpt_get_chat_init(c, "a", "b", NULL, &out);
        CHECKM(rc == FASTGPT_OK, "suffix '%s': %s", suffixes[i], out ? out : "(null)");
        CHECKM(jpath_str_eq(out, "data.path", "/api/core/chat/init", &err), "suffix '%s': path %s",
               suffixes[i], out ? out : "(null)");
        free(err);
        fastgpt_string_free(out);
        out = NULL;
        rc = fastgpt_get_chat_histories(c, "a", 0, 1, NULL, NULL, &out);
        CHECKM(jpath_str_eq(out, "data.path", "/api/core/chat/history/getHistories", &err),
               "suffix '%s': path %s", suffixes[i], out ? out : "(null)");
        free(err);
        fastgpt_string_free(out);
        fastgpt_client_free(c);
        /* completions too, with the real server */
        c = NULL;
        free(opts);
        opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"%s%s\"}", test_url(), suffixes[i]);
        fastgpt_client_new_with_options(opts, &c, NULL);
        out = NULL;
        rc = fastgpt_create_chat_completion(
            c, "{\"messages\":[{\"role\":\"user\",\"content\":\"base\"}]}", NULL, &out);
        CHECKM(rc == FASTGPT_OK, "suffix '%s': completion %s", suffixes[i], out ? out : "(null)");
        fastgpt_string_free(out);
        fastgpt_client_free(c);
        free(opts);
    }
}

TEST(client_new_plain_constructor_works) {
    fastgpt_client *c = NULL;
    char *out = NULL;
    char *base = xfmt("%s/api/v1/", test_url());
    int rc = fastgpt_client_new(DEV_KEY, base, &c, NULL);
    CHECK_RC(rc, FASTGPT_OK, NULL);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, "65f0000000000000000000aa", 0, 1, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JINT(out, "code", 200);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    free(base);
}

/* ------------------------------------------------------------------ path families */

TEST(paths_auto_falls_back_to_legacy_and_remembers) {
    char key[64];
    fastgpt_client *c;
    char *out, *extra;
    uniq(key, sizeof key, "auto");
    extra = xfmt("\"headers\":{\"X-Dev-Paths\":\"legacy\",\"X-Dev-Echo\":\"1\",\"X-Dev-Fault-Key\":\"%s\"}", key);
    c = mk_client(extra);
    free(extra);
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_histories(c, "a", 0, 5, NULL, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getHistories");
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JINT(out, "data.body.pageSize", 5); /* same request resent */
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2); /* probe + legacy */
    /* remembered per function (revision 3): the same call goes straight to legacy... */
    CALL_OK(out, fastgpt_get_chat_histories(c, "a", 0, 5, NULL, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getHistories");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    /* ...and every other function probes its own current path once */
    CALL_OK(out, fastgpt_get_chat_records(c, "a", "c", 0, 5, 0, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getPaginationRecords");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 5);
    CALL_OK(out, fastgpt_get_chat_records(c, "a", "c", 0, 5, 0, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getPaginationRecords");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 6);
    CALL_OK(out, fastgpt_get_record_detail(c, "a", "c", "d", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getResData");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_update_chat_history(c, "a", "c", "t", -1, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/updateHistory");
    CHECK_JSTR(out, "data.method", "PUT");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_history(c, "a", "c", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/delHistory");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_clear_chat_histories(c, "a", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/clearHistories");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_record(c, "a", "c", "d", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/item/delete");
    /* the legacy delete: POST with the ids in the query and in a JSON body */
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.query.contentId", "d");
    CHECK_JSTR(out, "data.body.contentId", "d");
    CHECK_JSTR(out, "data.body.chatId", "c");
    CHECK_JSTR(out, "data.body.appId", "a");
    fastgpt_string_free(out);
    /* calls without a legacy path keep their one path */
    CALL_OK(out, fastgpt_get_chat_init(c, "a", "c", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/init");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 17); /* 6 + 5 functions x (probe + legacy) + init */
    fastgpt_client_free(c);
}

TEST(paths_auto_fallback_attempts_in_error) {
    /* auto against a legacy server: probe 404, then the legacy answer is an error envelope;
       attempts counts both requests, url is the legacy one. */
    char key[64];
    fastgpt_client *c;
    char *out = NULL, *extra;
    int rc;
    uniq(key, sizeof key, "autoerr");
    extra = xfmt("\"headers\":{\"X-Dev-Paths\":\"legacy\",\"X-Dev-Fault-Key\":\"%s\"}", key);
    c = mk_client(extra);
    free(extra);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_records(c, "nothex", "c", 0, 5, 0, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.attempts", 2);
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/core/chat/getPaginationRecords");
    CHECK_STR_NOT_CONTAINS(jget(out, "error.url"), "/record/");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    /* the envelope fixed that function's path: its next call goes straight to legacy */
    out = NULL;
    rc = fastgpt_get_chat_records(c, "65f0000000000000000000aa", "c", 0, 5, 0, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    /* another function probes for itself (revision 3: per function, not per family) */
    out = NULL;
    rc = fastgpt_get_chat_histories(c, "65f0000000000000000000aa", 0, 5, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 5);
    fastgpt_client_free(c);
}

TEST(paths_auto_current_server_no_fallback) {
    char key[64];
    fastgpt_client *c;
    char *out, *extra;
    uniq(key, sizeof key, "autocur");
    extra = xfmt("\"headers\":{\"X-Dev-Paths\":\"current\",\"X-Dev-Echo\":\"1\",\"X-Dev-Fault-Key\":\"%s\"}", key);
    c = mk_client(extra);
    free(extra);
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_histories(c, "a", 0, 5, NULL, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/history/getHistories");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_record(c, "a", "c", "d", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/record/delete");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 2);
    fastgpt_client_free(c);
}

TEST(paths_legacy_option) {
    char key[64];
    fastgpt_client *c;
    char *out, *extra;
    uniq(key, sizeof key, "legacy");
    extra = xfmt("\"api_paths\":\"legacy\",\"headers\":{\"X-Dev-Echo\":\"1\",\"X-Dev-Fault-Key\":\"%s\"}", key);
    c = mk_client(extra);
    free(extra);
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_chat_histories(c, "a", 0, 5, NULL, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/getHistories");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_record(c, "a", "c", "d", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/item/delete");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_update_chat_history(c, "a", "c", NULL, 1, NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/chat/updateHistory");
    CHECK_JSTR(out, "data.method", "PUT");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 3);
    fastgpt_client_free(c);
}

TEST(paths_current_option_against_legacy_server) {
    char key[64];
    fastgpt_client *c;
    char *out = NULL, *extra;
    int rc;
    uniq(key, sizeof key, "curonly");
    extra = xfmt("\"api_paths\":\"current\",\"headers\":{\"X-Dev-Paths\":\"legacy\",\"X-Dev-Fault-Key\":\"%s\"}", key);
    c = mk_client(extra);
    free(extra);
    REQUIRE(c != NULL);
    rc = fastgpt_get_chat_histories(c, "a", 0, 5, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 404);
    CHECK_JINT(out, "error.attempts", 1);
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/core/chat/history/getHistories");
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ real state */

struct chat_fixture {
    fastgpt_client *c;
    char app[25];
    char chat1[64], chat2[64];
    char rid1[32];
};

static char *stream_once(fastgpt_client *c, const char *req, int *rc_out) {
    char *out = NULL;
    *rc_out = fastgpt_create_chat_completion_stream(c, req, NULL, NULL, NULL, &out);
    return out;
}

TEST(state_chat_lifecycle) {
    struct chat_fixture f;
    char *out, *req;
    int rc;
    f.c = mk_client(NULL);
    REQUIRE(f.c != NULL);
    uniq_app(f.app);
    uniq(f.chat1, sizeof f.chat1, "chat one");
    uniq(f.chat2, sizeof f.chat2, "chat&two");
    snprintf(f.rid1, sizeof f.rid1, "rid%021u", (unsigned)getpid());

    /* non-stream completion with chatId + own responseChatItemId */
    req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"responseChatItemId\":\"%s\",\"detail\":false,"
               "\"messages\":[{\"role\":\"user\",\"content\":\"hello number one\"}]}",
               f.app, f.chat1, f.rid1);
    CALL_OK(out, fastgpt_create_chat_completion(f.c, req, NULL, &out));
    CHECK_JSTR(out, "choices.0.message.content", "You said: hello number one");
    CHECK_JSTR(out, "id", f.chat1);
    free(req);
    fastgpt_string_free(out);

    /* streaming completion on a second chat */
    req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"detail\":true,"
               "\"messages\":[{\"role\":\"user\",\"content\":\"second question here, long title\"}]}",
               f.app, f.chat2);
    out = stream_once(f.c, req, &rc);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "chat_id", f.chat2);
    CHECK_JSTR(out, "answer", "You said: second question here, long title");
    free(req);
    fastgpt_string_free(out);

    /* histories: newest first, titles from the first question (20 scalars) */
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 2);
    CHECK_JSTR(out, "data.list.0.chatId", f.chat2);
    CHECK_JSTR(out, "data.list.1.chatId", f.chat1);
    CHECK_JSTR(out, "data.list.1.title", "hello number one");
    CHECK_JSTR(out, "data.list.0.title", "second question here");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 1, 1, "", NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data.list")), 1);
    CHECK_JSTR(out, "data.list.0.chatId", f.chat1);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, "share", NULL, &out));
    CHECK_JINT(out, "data.total", 0);
    fastgpt_string_free(out);

    /* init */
    CALL_OK(out, fastgpt_get_chat_init(f.c, f.app, f.chat1, NULL, &out));
    CHECK_JSTR(out, "data.chatId", f.chat1);
    CHECK_JSTR(out, "data.title", "hello number one");
    CHECK_JSTR(out, "data.app.name", "Dev App");
    fastgpt_string_free(out);

    /* records: Human then AI; the AI dataId is our responseChatItemId */
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 0, NULL, &out));
    CHECK_JINT(out, "data.total", 2);
    CHECK_JSTR(out, "data.list.0.obj", "Human");
    CHECK_JSTR(out, "data.list.1.obj", "AI");
    CHECK_JSTR(out, "data.list.1.dataId", f.rid1);
    CHECK_JABSENT(out, "data.list.1.customFeedbacks");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 1, NULL, &out));
    CHECK_JRAW(out, "data.list.1.customFeedbacks", "[]");
    fastgpt_string_free(out);

    /* record detail: node responses of the AI item */
    CALL_OK(out, fastgpt_get_record_detail(f.c, f.app, f.chat1, f.rid1, NULL, &out));
    CHECK(jlen(jget(out, "data")) >= 2);
    CHECK_STR_CONTAINS(out, "\"moduleType\":\"chatNode\"");
    fastgpt_string_free(out);

    /* feedback: set good; then bad only (good removed); then none */
    CALL_OK(out, fastgpt_send_feedback(f.c, f.app, f.chat1, f.rid1, "great", NULL, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 0, NULL, &out));
    CHECK_JSTR(out, "data.list.1.userGoodFeedback", "great");
    CHECK_JABSENT(out, "data.list.1.userBadFeedback");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_send_feedback(f.c, f.app, f.chat1, f.rid1, NULL, "meh", NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 0, NULL, &out));
    CHECK_JABSENT(out, "data.list.1.userGoodFeedback");
    CHECK_JSTR(out, "data.list.1.userBadFeedback", "meh");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_send_feedback(f.c, f.app, f.chat1, f.rid1, NULL, NULL, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 0, NULL, &out));
    CHECK_JABSENT(out, "data.list.1.userGoodFeedback");
    CHECK_JABSENT(out, "data.list.1.userBadFeedback");
    fastgpt_string_free(out);
    /* feedback on an unknown item: plain error envelope -> API */
    out = NULL;
    rc = fastgpt_send_feedback(f.c, f.app, f.chat1, "no-such-item", "x", NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "Chat item not found");
    fastgpt_string_free(out);

    /* rename + pin: chat1 goes first */
    CALL_OK(out, fastgpt_update_chat_history(f.c, f.app, f.chat1, "Custom \xe2\x9c\x93", 1, NULL, &out));
    CHECK_JNULL(out, "data");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JSTR(out, "data.list.0.chatId", f.chat1);
    CHECK_JSTR(out, "data.list.0.customTitle", "Custom \xe2\x9c\x93");
    CHECK_JTRUE(out, "data.list.0.top");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_init(f.c, f.app, f.chat1, NULL, &out));
    CHECK_JSTR(out, "data.title", "Custom \xe2\x9c\x93");
    fastgpt_string_free(out);
    /* unpin only (title kept) */
    CALL_OK(out, fastgpt_update_chat_history(f.c, f.app, f.chat1, NULL, 0, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JSTR(out, "data.list.0.chatId", f.chat1); /* updateTime bumped */
    CHECK_JFALSE(out, "data.list.0.top");
    CHECK_JSTR(out, "data.list.0.customTitle", "Custom \xe2\x9c\x93");
    fastgpt_string_free(out);
    /* pin chat2: it goes first */
    CALL_OK(out, fastgpt_update_chat_history(f.c, f.app, f.chat2, NULL, 1, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JSTR(out, "data.list.0.chatId", f.chat2);
    fastgpt_string_free(out);
    /* clear custom title */
    CALL_OK(out, fastgpt_update_chat_history(f.c, f.app, f.chat1, "", -1, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_init(f.c, f.app, f.chat1, NULL, &out));
    CHECK_JSTR(out, "data.title", "hello number one");
    fastgpt_string_free(out);

    /* suggested questions refer to the last question */
    CALL_OK(out, fastgpt_get_suggested_questions(f.c, f.app, f.chat1, NULL, NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data")), 3);
    CHECK_STR_CONTAINS(jget(out, "data.0"), "hello number one");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_suggested_questions(f.c, f.app, f.chat1, "{\"open\":true}", NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data")), 3);
    fastgpt_string_free(out);

    /* delete the AI record */
    CALL_OK(out, fastgpt_delete_chat_record(f.c, f.app, f.chat1, f.rid1, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(f.c, f.app, f.chat1, 0, 10, 0, NULL, &out));
    CHECK_JINT(out, "data.total", 1);
    CHECK_JSTR(out, "data.list.0.obj", "Human");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_record_detail(f.c, f.app, f.chat1, f.rid1, NULL, &out));
    CHECK_JRAW(out, "data", "[]");
    fastgpt_string_free(out);

    /* delete chat2 */
    CALL_OK(out, fastgpt_delete_chat_history(f.c, f.app, f.chat2, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 1);
    CHECK_JSTR(out, "data.list.0.chatId", f.chat1);
    fastgpt_string_free(out);

    /* clear all */
    CALL_OK(out, fastgpt_clear_chat_histories(f.c, f.app, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(f.c, f.app, 0, 10, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 0);
    CHECK_JRAW(out, "data.list", "[]");
    fastgpt_string_free(out);
    fastgpt_client_free(f.c);
}

TEST(state_legacy_paths_work_end_to_end) {
    /* api_paths "legacy" against an E1-style legacy server with real state */
    fastgpt_client *c = mk_client("\"api_paths\":\"legacy\",\"headers\":{\"X-Dev-Paths\":\"legacy\",\"X-Dev-Errors\":\"e1\"}");
    char app[25], chat[64];
    char *out, *req;
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "legacychat");
    req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"responseChatItemId\":\"legacyrid\","
               "\"messages\":[{\"role\":\"user\",\"content\":\"legacy q\"}]}", app, chat);
    CALL_OK(out, fastgpt_create_chat_completion(c, req, NULL, &out));
    fastgpt_string_free(out);
    free(req);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 0, 10, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 1);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(c, app, chat, 0, 10, 0, NULL, &out));
    CHECK_JINT(out, "data.total", 2);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_record_detail(c, app, chat, "legacyrid", NULL, &out));
    CHECK(jlen(jget(out, "data")) >= 1);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_update_chat_history(c, app, chat, "L", -1, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_record(c, app, chat, "legacyrid", NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_records(c, app, chat, 0, 10, 0, NULL, &out));
    CHECK_JINT(out, "data.total", 1);
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_delete_chat_history(c, app, chat, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_clear_chat_histories(c, app, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 0, 10, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 0);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(completion_non_stream_shapes) {
    fastgpt_client *c = mk_client(NULL);
    fastgpt_client *ne = mk_client("\"headers\":{\"X-Dev-Node-Error\":\"1\"}");
    fastgpt_client *v2 = mk_client("\"completions_api\":\"v2\"");
    char *out;
    REQUIRE(c != NULL && ne != NULL && v2 != NULL);
    CALL_OK(out, fastgpt_create_chat_completion(
                     c, "{\"messages\":[{\"role\":\"user\",\"content\":\"/cjk\"}]}", NULL, &out));
    CHECK_JSTR(out, "choices.0.message.content",
               "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xef\xbc\x81\xe8\xbf\x99"
               "\xe6\x98\xaf\xe4\xb8\x80\xe4\xb8\xaa\xe6\xb5\x8b\xe8\xaf\x95\xe5\x9b\x9e\xe7\xad\x94"
               "\xe3\x80\x82\xf0\x9f\x99\x82");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_create_chat_completion(
                     c, "{\"messages\":[{\"role\":\"user\",\"content\":\"think /reasoning\"}]}", NULL, &out));
    CHECK_JSTR(out, "choices.0.message.reasoning_content", "Let me think.");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_create_chat_completion(
                     c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &out));
    CHECK(jget(out, "responseData") != NULL);
    fastgpt_string_free(out);
    /* a node error next to choices is still OK (rule 6) */
    CALL_OK(out, fastgpt_create_chat_completion(
                     ne, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, &out));
    CHECK_JSTR(out, "error.message", "node failed");
    CHECK_JSTR(out, "choices.0.message.content", "You said: hi");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_create_chat_completion(
                     v2, "{\"messages\":[{\"role\":\"user\",\"content\":\"v two\"}]}", NULL, &out));
    CHECK_JSTR(out, "choices.0.message.content", "You said: v two");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    fastgpt_client_free(ne);
    fastgpt_client_free(v2);
}

TEST(echo_completions_api_paths) {
    fastgpt_client *v1 = mk_client(ECHO_HDR);
    fastgpt_client *v2 = mk_client("\"completions_api\":\"v2\"," ECHO_HDR);
    char *out = NULL;
    int rc;
    REQUIRE(v1 != NULL && v2 != NULL);
    /* the echo envelope has no choices: PROTOCOL, but the body shows the path */
    rc = fastgpt_create_chat_completion(v2, "{\"messages\":[]}", NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "/api/v2/chat/completions");
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/v2/chat/completions");
    CHECK_JINT(out, "error.http_status", 200);
    fastgpt_string_free(out);
    out = NULL;
    /* stream: a 2xx JSON body that is no error -> PROTOCOL (rule 8) */
    rc = fastgpt_create_chat_completion_stream(v1, "{\"messages\":[]}", NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_PROTOCOL, out);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "/api/v1/chat/completions");
    CHECK_STR_CONTAINS(jget(out, "error.body"), "\\\"stream\\\":true");
    fastgpt_string_free(out);
    fastgpt_client_free(v1);
    fastgpt_client_free(v2);
}


TEST(init_unknown_chat_is_not_an_error) {
    fastgpt_client *c = mk_client(NULL);
    char *out;
    char app[25];
    REQUIRE(c != NULL);
    uniq_app(app);
    CALL_OK(out, fastgpt_get_chat_init(c, app, "never-created-chat", NULL, &out));
    CHECK_JINT(out, "code", 200);
    CHECK_JSTR(out, "data.chatId", "never-created-chat");
    CHECK_JABSENT(out, "data.title");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_record_detail(c, app, "never-created-chat", "nope", NULL, &out));
    CHECK_JRAW(out, "data", "[]");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

static const struct test_case TESTS[] = {
    T(echo_histories_body),
    T(echo_user_agent_override),
    T(echo_init_query_percent_encoded),
    T(echo_records_body),
    T(echo_record_detail_query),
    T(echo_update_history_body),
    T(echo_delete_clear_query),
    T(echo_feedback_body),
    T(echo_suggested_questions_body),
    T(echo_app_logs_chart_body),
    T(app_logs_chart_real),
    T(echo_completion_request_members),
    T(capture_completion_keeps_response_chat_item_id),
    T(capture_completion_non_string_response_chat_item_id_replaced),
    T(capture_stream_request_members),
    T(request_query_and_body_encoding),
    T(request_query_number_sent_as_json_text),
    T(capture_request_body_bytes),
    T(request_dev_count_and_any_json),
    T(request_error_envelope_and_404),
    T(base_url_normalisation),
    T(client_new_plain_constructor_works),
    T(paths_auto_falls_back_to_legacy_and_remembers),
    T(paths_auto_fallback_attempts_in_error),
    T(paths_auto_current_server_no_fallback),
    T(paths_legacy_option),
    T(paths_current_option_against_legacy_server),
    T(state_chat_lifecycle),
    T(state_legacy_paths_work_end_to_end),
    T(completion_non_stream_shapes),
    T(echo_completions_api_paths),
    T(init_unknown_chat_is_not_an_error),
};
TEST_MAIN(TESTS)
