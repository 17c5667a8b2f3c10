/*
 * test_rev3.c: the FastGPT 4.14-4.16 chat calls of contract revision 3 (stop, resume in
 * both forms, history status, mark read, batch delete, records v2, file URL, app logs
 * total and list), the stream_resume option, and readable error messages (message,
 * message_key, validation field paths): NULL arguments, argument validation (nothing is
 * sent), and real calls against the dev server (compatibility mode, which serves these
 * endpoints as the newest release does).
 */
#include "fgtest.h"

#define D0 "2000-01-01T00:00:00.000Z"
#define D1 "2100-01-01T00:00:00.000Z"

/* Runs a call returning out_json; requires FASTGPT_OK. */
#define CALL_OK(out, expr)                                                                 \
    do {                                                                                   \
        int rc_;                                                                           \
        (out) = NULL;                                                                      \
        rc_ = (expr);                                                                      \
        CHECK_RC(rc_, FASTGPT_OK, (out));                                                  \
    } while (0)

/* A call that must fail with FASTGPT_E_INVALID_ARGUMENT and an error JSON. */
#define CALL_INVALID(out, expr)                                                            \
    do {                                                                                   \
        int rc_;                                                                           \
        (out) = NULL;                                                                      \
        rc_ = (expr);                                                                      \
        CHECK_RC(rc_, FASTGPT_E_INVALID_ARGUMENT, (out));                                  \
        CHECK_ERR_JSON((out), FASTGPT_E_INVALID_ARGUMENT);                                 \
        CHECK_JNULL((out), "error.message_key");                                           \
        CHECK_JNULL((out), "error.http_status");                                           \
        fastgpt_string_free(out);                                                          \
        (out) = NULL;                                                                      \
    } while (0)

/* Completes one v1 turn in chat_id of app (non-stream). */
static void turn(fastgpt_client *c, const char *app, const char *chat_id, const char *q) {
    char *qq = json_quote(q), *cq = json_quote(chat_id);
    char *req = xfmt("{\"appId\":\"%s\",\"chatId\":%s,\"messages\":[{\"role\":\"user\",\"content\":%s}]}",
                     app, cq, qq);
    char *out = NULL;
    int rc = fastgpt_create_chat_completion(c, req, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    free(req);
    free(qq);
    free(cq);
}

/* ------------------------------------------------------------------ NULL and validation */

TEST(new_calls_refuse_null_arguments_without_a_request) {
    char key[64];
    fastgpt_client *c;
    fastgpt_stream *s = (fastgpt_stream *)&s; /* must be set to NULL */
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "r3null");
    c = mk_fault_client(key, NULL, 0, NULL);
    REQUIRE(c != NULL);
    CALL_INVALID(out, fastgpt_stop_chat_completion(NULL, "a", "c", NULL, &out));
    CALL_INVALID(out, fastgpt_stop_chat_completion(c, NULL, "c", NULL, &out));
    CALL_INVALID(out, fastgpt_stop_chat_completion(c, "a", NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_resume_chat_completion_stream(NULL, "a", "c", NULL, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_resume_chat_completion_stream(c, NULL, "c", NULL, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_resume_chat_completion_stream(c, "a", NULL, NULL, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(NULL, "a", "[\"c\"]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, NULL, "[\"c\"]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_mark_chat_read(NULL, "a", "c", NULL, &out));
    CALL_INVALID(out, fastgpt_mark_chat_read(c, "a", NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(NULL, "a", "[\"c\"]", NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(c, NULL, "[\"c\"]", NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(c, "a", NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(NULL, "a", "c", 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, NULL, "c", 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, "a", NULL, 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(NULL, "a", "c", "k", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(c, NULL, "c", "k", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(c, "a", NULL, "k", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(c, "a", "c", NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs_total(NULL, "a", NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs_total(c, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(NULL, "a", D0, D1, 0, 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, NULL, D0, D1, 0, 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, "a", NULL, D1, 0, 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, "a", D0, NULL, 0, 10, NULL, NULL, &out));
    /* the pull form: out_stream required and set to NULL on entry */
    out = NULL;
    rc = fastgpt_stream_resume_open(c, "a", "c", NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, out);
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_stream_resume_open(NULL, "a", "c", NULL, &s, &out);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, out);
    CHECK(s == NULL);
    fastgpt_string_free(out);
    s = (fastgpt_stream *)&s;
    out = NULL;
    rc = fastgpt_stream_resume_open(c, "a", NULL, NULL, &s, &out);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, out);
    CHECK(s == NULL);
    fastgpt_string_free(out);
    /* out_json NULL is fine: the result is discarded */
    CHECK_EQ_INT(fastgpt_mark_chat_read(c, NULL, "c", NULL, NULL), FASTGPT_E_INVALID_ARGUMENT);
    CHECK_EQ_INT(dev_count(key), 0);
    fastgpt_client_free(c);
}

TEST(new_calls_validate_their_arguments_before_sending) {
    char key[64], many[201 * 8 + 8];
    fastgpt_client *c;
    char *out = NULL;
    fastgpt_stream *s = NULL;
    int i, n = 0;
    uniq(key, sizeof key, "r3valid");
    c = mk_fault_client(key, NULL, 0, NULL);
    REQUIRE(c != NULL);
    /* chat_ids_json: an array of non-empty strings, 1-200 for the status call */
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "[]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "[\"\"]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "[\"c\",1]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "{\"c\":1}", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "\"c\"", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "[\"c\"", NULL, &out));
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", "[\"c\"] x", NULL, &out));
    n += snprintf(many + n, sizeof many - (size_t)n, "[");
    for (i = 0; i < 201; i++) n += snprintf(many + n, sizeof many - (size_t)n, "%s\"c%d\"", i ? "," : "", i);
    snprintf(many + n, sizeof many - (size_t)n, "]");
    CALL_INVALID(out, fastgpt_get_history_status(c, "a", many, NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(c, "a", "[]", NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(c, "a", "[null]", NULL, &out));
    CALL_INVALID(out, fastgpt_delete_chat_histories(c, "a", "not json", NULL, &out));
    /* required ids: non-empty, no control characters */
    CALL_INVALID(out, fastgpt_stop_chat_completion(c, "", "c", NULL, &out));
    CALL_INVALID(out, fastgpt_stop_chat_completion(c, "a", "c\x01", NULL, &out));
    CALL_INVALID(out, fastgpt_mark_chat_read(c, "a", "", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(c, "a", "c", "", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_file_url(c, "a", "c", "k\n", NULL, &out));
    CALL_INVALID(out, fastgpt_resume_chat_completion_stream(c, "a", "", NULL, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_stream_resume_open(c, "", "c", NULL, &s, &out));
    CHECK(s == NULL);
    CALL_INVALID(out, fastgpt_get_app_logs_total(c, "", NULL, &out));
    /* page sizes, offsets, options objects */
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, "a", "c", 0, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, "a", "c", -5, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, "a", "c", 10, "[1]", NULL, &out));
    CALL_INVALID(out, fastgpt_get_chat_records_v2(c, "a", "c", 10, "{\"prevId\":", NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, "a", D0, D1, -1, 10, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, "a", D0, D1, 0, 0, NULL, NULL, &out));
    CALL_INVALID(out, fastgpt_get_app_logs(c, "a", D0, D1, 0, 10, "null", NULL, &out));
    /* the stream_resume option is a boolean */
    {
        fastgpt_client *bad = (fastgpt_client *)&bad;
        char *err = NULL;
        int rc = fastgpt_client_new_with_options("{\"api_key\":\"k\",\"stream_resume\":1}", &bad, &err);
        CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, err);
        CHECK(bad == NULL);
        CHECK_STR_CONTAINS(jget(err, "error.message"), "stream_resume");
        fastgpt_string_free(err);
    }
    CHECK_EQ_INT(dev_count(key), 0);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ against the dev server */

TEST(history_status_read_mark_and_batch_delete) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], c1[64], c2[64], *ids, *out = NULL;
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(c1, sizeof c1, "st1");
    uniq(c2, sizeof c2, "st2");
    turn(c, app, c1, "first chat");
    turn(c, app, c2, "second chat");
    ids = xfmt("[\"%s\",\"%s\",\"unknown-chat\"]", c1, c2);
    CALL_OK(out, fastgpt_get_history_status(c, app, ids, NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data.list")), 2); /* unknown ids are left out */
    CHECK_JINT(out, "data.list.0.chatGenerateStatus", 1);
    CHECK_JPRESENT(out, "data.list.0.updateTime");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_mark_chat_read(c, app, c1, NULL, &out));
    CHECK_JINT(out, "code", 200);
    CHECK_JNULL(out, "data");
    fastgpt_string_free(out);
    free(ids);
    ids = xfmt("[\"%s\"]", c1);
    CALL_OK(out, fastgpt_get_history_status(c, app, ids, NULL, &out));
    CHECK_JSTR(out, "data.list.0.chatId", c1);
    CHECK_JTRUE(out, "data.list.0.hasBeenRead");
    fastgpt_string_free(out);
    /* batch delete: both chats are gone from the list */
    free(ids);
    ids = xfmt("[\"%s\",\"%s\"]", c1, c2);
    CALL_OK(out, fastgpt_delete_chat_histories(c, app, ids, NULL, &out));
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_chat_histories(c, app, 0, 20, NULL, NULL, &out));
    CHECK_JINT(out, "data.total", 0);
    fastgpt_string_free(out);
    free(ids);
    fastgpt_client_free(c);
}

TEST(records_v2_pages_by_cursor) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *out = NULL, *first = NULL, *opts;
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "v2rec");
    turn(c, app, chat, "one");
    turn(c, app, chat, "two");
    CALL_OK(out, fastgpt_get_chat_records_v2(c, app, chat, 3, NULL, NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data.list")), 3);
    CHECK_JINT(out, "data.total", 4);
    CHECK_JTRUE(out, "data.hasMorePrev");
    CHECK_JFALSE(out, "data.hasMoreNext");
    first = jstr(jget(out, "data.list.0.id"));
    fastgpt_string_free(out);
    REQUIRE(first != NULL);
    /* the page before the first item; pageSize in options_json is replaced */
    opts = xfmt("{\"prevId\":\"%s\",\"pageSize\":99}", first);
    CALL_OK(out, fastgpt_get_chat_records_v2(c, app, chat, 3, opts, NULL, &out));
    CHECK_EQ_INT(jlen(jget(out, "data.list")), 1);
    CHECK_JSTR(out, "data.list.0.obj", "Human");
    CHECK_JTRUE(out, "data.hasMoreNext");
    fastgpt_string_free(out);
    free(opts);
    /* an unknown cursor is FastGPT's error */
    out = NULL;
    CHECK_RC(fastgpt_get_chat_records_v2(c, app, chat, 3, "{\"prevId\":\"nope\"}", NULL, &out),
             FASTGPT_E_API, out);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "Prev item not found");
    CHECK_JNULL(out, "error.message_key");
    fastgpt_string_free(out);
    free(first);
    fastgpt_client_free(c);
}

TEST(file_url_of_an_upload_serves_the_file) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *out = NULL, *key = NULL, *url = NULL, *body;
    const char txt[] = "the bytes of a chat file";
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "furl");
    CALL_OK(out, fastgpt_upload_chat_bytes(c, app, chat, "a.txt", "text/plain", txt, strlen(txt), NULL, &out));
    key = jstr(jget(out, "key"));
    url = jstr(jget(out, "url"));
    fastgpt_string_free(out);
    REQUIRE(key != NULL && url != NULL);
    /* the upload's url is fetchable without credentials */
    CHECKM(strncmp(url, test_url(), strlen(test_url())) == 0, "url %s", url);
    body = raw_http("GET", url + strlen(test_url()));
    CHECKM(body != NULL && strcmp(body, txt) == 0, "GET %s gave %s", url, body ? body : "(null)");
    free(body);
    free(url);
    url = NULL;
    CALL_OK(out, fastgpt_get_chat_file_url(c, app, chat, key, NULL, &out));
    url = jstr(jget(out, "data"));
    fastgpt_string_free(out);
    REQUIRE(url != NULL);
    CHECKM(strncmp(url, test_url(), strlen(test_url())) == 0, "url %s", url);
    body = raw_http("GET", url + strlen(test_url()));
    CHECKM(body != NULL && strcmp(body, txt) == 0, "GET %s gave %s", url, body ? body : "(null)");
    free(body);
    free(url);
    free(key);
    fastgpt_client_free(c);
}

TEST(app_logs_total_and_list) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *out = NULL;
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "logs");
    turn(c, app, chat, "logged");
    CALL_OK(out, fastgpt_get_app_logs_total(c, app, NULL, &out));
    CHECK_JPRESENT(out, "data.totalChats");
    CHECK_JPRESENT(out, "data.totalUsers");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_app_logs(c, app, D0, D1, 0, 10, "{\"feedbackType\":\"all\",\"offset\":7}",
                                      NULL, &out));
    CHECK_JINT(out, "data.total", 1);
    CHECK_JSTR(out, "data.list.0.chatId", chat);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(logs_list_body_as_sent) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Echo\":\"1\"}");
    char *out = NULL;
    REQUIRE(c != NULL);
    CALL_OK(out, fastgpt_get_app_logs(c, "a", D0, D1, 2, 5, "{\"unreadOnly\":true,\"appId\":\"x\"}",
                                      NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/core/app/logs/list");
    CHECK_JSTR(out, "data.method", "POST");
    CHECK_JSTR(out, "data.body.appId", "a"); /* the parameter wins */
    CHECK_JSTR(out, "data.body.dateStart", D0);
    CHECK_JINT(out, "data.body.offset", 2);
    CHECK_JINT(out, "data.body.pageSize", 5);
    CHECK_JTRUE(out, "data.body.unreadOnly");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_get_app_logs_total(c, "a b", NULL, &out));
    CHECK_JSTR(out, "data.method", "GET");
    CHECK_JSTR(out, "data.query.appId", "a b");
    fastgpt_string_free(out);
    CALL_OK(out, fastgpt_stop_chat_completion(c, "a", "c", NULL, &out));
    CHECK_JSTR(out, "data.path", "/api/v2/chat/stop");
    CHECK_JSTR(out, "data.body.chatId", "c");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* stop of a chat that is not generating: success, completed. */
TEST(stop_without_a_running_round) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *out = NULL;
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "stopidle");
    CALL_OK(out, fastgpt_stop_chat_completion(c, app, chat, NULL, &out));
    CHECK_JTRUE(out, "data.success");
    CHECK_JTRUE(out, "data.completed");
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ resume after a cut */

/* Starts a resumable v2 round in chat that the server cuts mid-stream; returns the partial
   answer (malloc'd). */
static char *cut_round(const char *app, const char *chat, const char *question) {
    long pause = (long)(800 * tscale());
    char *extra = xfmt("\"completions_api\":\"v2\",\"stream_resume\":true,"
                       "\"headers\":{\"X-Dev-Fault\":\"cut-mid-stream:%ld\"}",
                       pause);
    fastgpt_client *c = mk_client(extra);
    char *qq = json_quote(question);
    char *req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"detail\":true,"
                     "\"messages\":[{\"role\":\"user\",\"content\":%s}]}",
                     app, chat, qq);
    char *out = NULL, *partial = NULL;
    int rc;
    free(extra);
    free(qq);
    if (c == NULL) {
        free(req);
        return NULL;
    }
    rc = fastgpt_create_chat_completion_stream(c, req, NULL, NULL, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_STREAM_INCOMPLETE, out);
    partial = jstr(jget(out, "error.partial.answer"));
    fastgpt_string_free(out);
    free(req);
    fastgpt_client_free(c);
    return partial;
}

TEST(resume_after_a_cut_callback_form) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *out = NULL, *partial, *text;
    const char *q = "tell me something long enough to be cut";
    char *full = xfmt("You said: %s", q);
    struct rec r;
    int rc;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "cutcb");
    partial = cut_round(app, chat, q);
    CHECKM(partial != NULL && strlen(partial) > 0 && strlen(partial) < strlen(full), "partial %s",
           partial ? partial : "(null)");
    rc = fastgpt_resume_chat_completion_stream(c, app, chat, rec_cb, &r, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    /* the whole answer: the catch-up replays the round from its start */
    CHECK_JSTR(out, "answer", full);
    CHECK_JTRUE(out, "done");
    CHECK_JSTR(out, "chat_id", chat);
    CHECK_JSTR(out, "resume.phase", "live");
    CHECK_JFALSE(out, "resume.completed");
    CHECK_JNULL(out, "resume.unavailable_reason");
    CHECK_JNULL(out, "resume.records");
    CHECK_JINT(out, "event_count", r.n);
    text = rec_text(&r);
    CHECK_STR_EQ(text, full);
    free(text);
    CHECK(r.n > 0 && strcmp(r.ev[0], "resumePhase") == 0 && strcmp(r.data[0], "catchup") == 0);
    CHECK(r.text[0] == NULL);
    CHECK_EQ_INT(rec_count(&r, "resumePhase"), 2);
    CHECK(rec_find(&r, "resumePhase", 1) > rec_find(&r, "answer", 0));
    CHECK(r.n > 0 && strcmp(r.ev[r.n - 1], "done") == 0);
    CHECK_EQ_INT(r.bad_utf8, 0);
    fastgpt_string_free(out);
    rec_free(&r);
    /* the round is over: a second resume gives the final state and [DONE] */
    memset(&r, 0, sizeof r);
    CALL_OK(out, fastgpt_resume_chat_completion_stream(c, app, chat, rec_cb, &r, NULL, &out));
    CHECK_EQ_INT(r.n, 2);
    CHECK(r.n == 2 && strcmp(r.ev[0], "resumeCompleted") == 0 && strcmp(r.ev[1], "done") == 0);
    CHECK_JTRUE(out, "resume.completed");
    CHECK_JNULL(out, "resume.phase");
    CHECK_JSTR(out, "answer", "");
    /* the final state: the round's records, its AI answer last */
    CHECK_JSTR(out, "resume.records.list.1.obj", "AI");
    CHECK_JSTR(out, "resume.records.list.1.value.0.text.content", full);
    {
        char *id = jstr(jget(out, "resume.records.list.1.dataId"));
        CHECK_JSTR(out, "response_chat_item_id", id ? id : "?");
        free(id);
    }
    CHECK_JPRESENT(out, "response_chat_item_id");
    fastgpt_string_free(out);
    rec_free(&r);
    free(partial);
    free(full);
    fastgpt_client_free(c);
}

TEST(resume_after_a_cut_pull_form) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], chat[64], *err = NULL, *res = NULL, *partial;
    const char *q = "another question long enough to be cut";
    char *full = xfmt("You said: %s", q);
    fastgpt_stream *s = NULL;
    const char *ev, *data, *txt;
    size_t len = 0;
    char text[512];
    int rc, n = 0, phases = 0;
    text[0] = '\0';
    REQUIRE(c != NULL);
    uniq_app(app);
    uniq(chat, sizeof chat, "cutpull");
    partial = cut_round(app, chat, q);
    CHECK(partial != NULL && strlen(partial) > 0);
    rc = fastgpt_stream_resume_open(c, app, chat, NULL, &s, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    fastgpt_string_free(err);
    REQUIRE(s != NULL);
    for (;;) {
        err = NULL;
        rc = fastgpt_stream_next(s, &ev, &data, &txt, &err);
        CHECK_RC(rc, FASTGPT_OK, err);
        fastgpt_string_free(err);
        if (rc != FASTGPT_OK || ev == NULL) break;
        n++;
        if (strcmp(ev, "resumePhase") == 0) phases++;
        if (txt != NULL && len + strlen(txt) < sizeof text) {
            strcat(text, txt);
            len += strlen(txt);
        }
    }
    CHECK_STR_EQ(text, full);
    CHECK_EQ_INT(phases, 2);
    CHECK_EQ_INT(fastgpt_stream_result(s, &res), FASTGPT_OK);
    CHECK_JSTR(res, "answer", full);
    CHECK_JSTR(res, "resume.phase", "live");
    CHECK_JFALSE(res, "resume.completed");
    CHECK_JINT(res, "event_count", n);
    fastgpt_string_free(res);
    /* the end is sticky */
    err = NULL;
    ev = "x";
    CHECK_EQ_INT(fastgpt_stream_next(s, &ev, NULL, NULL, &err), FASTGPT_OK);
    CHECK(ev == NULL && err == NULL);
    fastgpt_stream_free(s);
    free(partial);
    free(full);
    fastgpt_client_free(c);
}

TEST(resume_of_an_unknown_chat_is_an_api_error) {
    fastgpt_client *c = mk_client(NULL);
    char app[25], *out = NULL;
    fastgpt_stream *s = (fastgpt_stream *)&s;
    REQUIRE(c != NULL);
    uniq_app(app);
    CHECK_RC(fastgpt_resume_chat_completion_stream(c, app, "no-such-chat", NULL, NULL, NULL, &out),
             FASTGPT_E_API, out);
    CHECK_STR_CONTAINS(jget(out, "error.message"), "Chat not found");
    CHECK_JPRESENT(out, "error.partial.resume");
    CHECK_STR_CONTAINS(jget(out, "error.url"), "/api/core/chat/resume?appId=");
    fastgpt_string_free(out);
    out = NULL;
    CHECK_RC(fastgpt_stream_resume_open(c, app, "no-such-chat", NULL, &s, &out), FASTGPT_E_API, out);
    CHECK(s == NULL);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

/* Whether the error JSON's body (decoded) contains needle. */
static int body_has(const char *out, const char *needle) {
    char *b = jstr(jget(out, "error.body"));
    int has = b != NULL && strstr(b, needle) != NULL;
    free(b);
    return has;
}

/* The option sends the header on streaming completions only. */
TEST(stream_resume_option_sends_the_header) {
    fastgpt_client *c = mk_client("\"stream_resume\":true,\"headers\":{\"X-Dev-Echo\":\"1\"}");
    fastgpt_client *off = mk_client("\"headers\":{\"X-Dev-Echo\":\"1\"}");
    char *out = NULL, *req = mk_req(NULL, 0, "hi");
    fastgpt_stream *s = NULL;
    REQUIRE(c != NULL && off != NULL);
    /* an echo answer is JSON, so the streaming call reports it as not a stream */
    CHECK_RC(fastgpt_create_chat_completion_stream(c, req, NULL, NULL, NULL, &out), FASTGPT_E_PROTOCOL, out);
    CHECKM(body_has(out, "\"x-fastgpt-stream-resume\":\"1\""), "echo %s", out);
    fastgpt_string_free(out);
    out = NULL;
    CHECK_RC(fastgpt_stream_open(off, req, NULL, &s, &out), FASTGPT_E_PROTOCOL, out);
    CHECKM(!body_has(out, "x-fastgpt-stream-resume") && body_has(out, "/api/v1/chat/completions"),
           "echo %s", out);
    fastgpt_string_free(out);
    /* resume asks for an event stream */
    out = NULL;
    CHECK_RC(fastgpt_resume_chat_completion_stream(c, "a", "c", NULL, NULL, NULL, &out), FASTGPT_E_PROTOCOL, out);
    CHECKM(body_has(out, "\"accept\":\"text/event-stream\"") && body_has(out, "\"method\":\"GET\""),
           "echo %s", out);
    fastgpt_string_free(out);
    free(req);
    fastgpt_client_free(c);
    fastgpt_client_free(off);
}

/* ------------------------------------------------------------------ readable errors */

TEST(error_messages_are_english_with_the_key_kept) {
    fastgpt_client *bad = NULL;
    char *err = NULL, *out = NULL, app[25];
    char *opts = xfmt("{\"api_key\":\"fastgpt-wrong\",\"base_url\":\"%s\",\"max_retries\":0}", test_url());
    uniq_app(app);
    REQUIRE(fastgpt_client_new_with_options(opts, &bad, &err) == FASTGPT_OK);
    free(opts);
    CHECK_RC(fastgpt_get_chat_init(bad, app, "c", NULL, &out), FASTGPT_E_API, out);
    CHECK_JSTR(out, "error.message", "Invalid API Key (unAuthApiKey)");
    CHECK_JSTR(out, "error.message_key", "common:code_error.error_message.514");
    CHECK_JSTR(out, "error.status_text", "unAuthApiKey");
    CHECK_JINT(out, "error.api_code", 514);
    fastgpt_string_free(out);
    out = NULL;
    /* in a stream: the error frame's key too */
    {
        char *req = mk_req(NULL, 1, "hi");
        CHECK_RC(fastgpt_create_chat_completion_stream(bad, req, NULL, NULL, NULL, &out), FASTGPT_E_API, out);
        CHECK_JSTR(out, "error.message", "Invalid API Key (unAuthApiKey)");
        CHECK_JSTR(out, "error.message_key", "common:code_error.error_message.514");
        fastgpt_string_free(out);
        free(req);
    }
    fastgpt_client_free(bad);
    /* a validation error names the field */
    {
        fastgpt_client *c = mk_client(NULL);
        char *m;
        REQUIRE(c != NULL);
        out = NULL;
        CHECK_RC(fastgpt_get_chat_records(c, "nothex", "c", 0, 5, 0, NULL, &out), FASTGPT_E_API, out);
        m = jstr(jget(out, "error.message"));
        CHECKM(m != NULL && strncmp(m, "Data validation error: appId: ", 30) == 0, "message %s", out);
        CHECK_JNULL(out, "error.message_key");
        free(m);
        fastgpt_string_free(out);
        fastgpt_client_free(c);
    }
}

static const struct test_case TESTS[] = {
    T(new_calls_refuse_null_arguments_without_a_request),
    T(new_calls_validate_their_arguments_before_sending),
    T(history_status_read_mark_and_batch_delete),
    T(records_v2_pages_by_cursor),
    T(file_url_of_an_upload_serves_the_file),
    T(app_logs_total_and_list),
    T(logs_list_body_as_sent),
    T(stop_without_a_running_round),
    T(resume_after_a_cut_callback_form),
    T(resume_after_a_cut_pull_form),
    T(resume_of_an_unknown_chat_is_an_api_error),
    T(stream_resume_option_sends_the_header),
    T(error_messages_are_english_with_the_key_kept),
};

TEST_MAIN(TESTS)
