/*
 * test_threads.c: one client shared by many threads (docs/guide.md §5), cancellation
 * from other threads and deadlines (§9), and handle lifetimes while calls run (§4).
 */
#include "fgtest.h"

#define APP "65f0000000000000000000aa"

/* Upper bound for the latency between a cancel and the call's return. */
static double cancel_bound_ms(void) { return is_valgrind() ? 1000.0 : 400.0; }

/* ------------------------------------------------------------------ canceller thread */

struct canceller {
    const fastgpt_cancel_token *t;
    long delay_ms;
    double t_cancel;
    pthread_t th;
};

static void *canceller_main(void *arg) {
    struct canceller *c = (struct canceller *)arg;
    sleep_ms(c->delay_ms);
    c->t_cancel = now_ms();
    fastgpt_cancel_token_cancel(c->t);
    return NULL;
}

static void canceller_start(struct canceller *c, const fastgpt_cancel_token *t, long delay_ms) {
    c->t = t;
    c->delay_ms = delay_ms;
    c->t_cancel = 0;
    pthread_create(&c->th, NULL, canceller_main, c);
}

static void canceller_join(struct canceller *c) { pthread_join(c->th, NULL); }

/* ------------------------------------------------------------------ 8 threads, one client */

struct worker {
    fastgpt_client *c;
    int id, iters, failures;
    char app[25];
    char msg[512];
    pthread_t th;
};

#define WFAIL(w, ...)                                                                      \
    do {                                                                                   \
        (w)->failures++;                                                                   \
        snprintf((w)->msg, sizeof (w)->msg, __VA_ARGS__);                                  \
    } while (0)

static void *worker_main(void *arg) {
    struct worker *w = (struct worker *)arg;
    int j;
    for (j = 0; j < w->iters; j++) {
        char chat[64], rid[48], q[64], expect[96];
        char *req, *out = NULL, *a;
        int rc;
        snprintf(chat, sizeof chat, "thr-%d-%d-%ld", w->id, j, (long)getpid());
        snprintf(rid, sizeof rid, "rid%02d%02d%017ld", w->id, j, (long)getpid());
        snprintf(q, sizeof q, "question t%d i%d", w->id, j);
        snprintf(expect, sizeof expect, "You said: %s", q);
        /* non-stream */
        req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"responseChatItemId\":\"%s\","
                   "\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", w->app, chat, rid, q);
        rc = fastgpt_create_chat_completion(w->c, req, NULL, &out);
        a = jstr(jget(out, "choices.0.message.content"));
        if (rc != FASTGPT_OK || a == NULL || strcmp(a, expect) != 0) WFAIL(w, "completion: %s", out ? out : "");
        free(a);
        free(req);
        fastgpt_string_free(out);
        out = NULL;
        /* stream on the same chat */
        req = xfmt("{\"appId\":\"%s\",\"chatId\":\"%s\",\"detail\":true,"
                   "\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}", w->app, chat, q);
        rc = fastgpt_create_chat_completion_stream(w->c, req, NULL, NULL, NULL, &out);
        a = jstr(jget(out, "answer"));
        if (rc != FASTGPT_OK || a == NULL || strcmp(a, expect) != 0) WFAIL(w, "stream: %s", out ? out : "");
        free(a);
        free(req);
        fastgpt_string_free(out);
        out = NULL;
        /* records: 2 turns = 4 items */
        rc = fastgpt_get_chat_records(w->c, w->app, chat, 0, 10, 0, NULL, &out);
        if (rc != FASTGPT_OK || jint(jget(out, "data.total"), NULL) != 4) WFAIL(w, "records: %s", out ? out : "");
        fastgpt_string_free(out);
        out = NULL;
        /* rename */
        rc = fastgpt_update_chat_history(w->c, w->app, chat, q, 1, NULL, &out);
        if (rc != FASTGPT_OK) WFAIL(w, "update: %s", out ? out : "");
        fastgpt_string_free(out);
        out = NULL;
        rc = fastgpt_get_chat_init(w->c, w->app, chat, NULL, &out);
        a = jstr(jget(out, "data.title"));
        if (rc != FASTGPT_OK || a == NULL || strcmp(a, q) != 0) WFAIL(w, "init: %s", out ? out : "");
        free(a);
        fastgpt_string_free(out);
        out = NULL;
        /* histories of this thread's app: j+1 chats */
        rc = fastgpt_get_chat_histories(w->c, w->app, 0, 50, NULL, NULL, &out);
        if (rc != FASTGPT_OK || jint(jget(out, "data.total"), NULL) != j + 1) WFAIL(w, "histories: %s", out ? out : "");
        fastgpt_string_free(out);
        out = NULL;
        /* feedback + delete record */
        rc = fastgpt_send_feedback(w->c, w->app, chat, rid, "ok", NULL, NULL, &out);
        if (rc != FASTGPT_OK) WFAIL(w, "feedback: %s", out ? out : "");
        fastgpt_string_free(out);
        out = NULL;
        rc = fastgpt_delete_chat_record(w->c, w->app, chat, rid, NULL, &out);
        if (rc != FASTGPT_OK) WFAIL(w, "delete record: %s", out ? out : "");
        fastgpt_string_free(out);
        out = NULL;
        rc = fastgpt_get_chat_records(w->c, w->app, chat, 0, 10, 0, NULL, &out);
        if (rc != FASTGPT_OK || jint(jget(out, "data.total"), NULL) != 3) WFAIL(w, "records after delete: %s", out ? out : "");
        fastgpt_string_free(out);
    }
    return NULL;
}

TEST(eight_threads_share_one_client) {
    fastgpt_client *c = mk_client(NULL);
    struct worker w[8];
    int i, iters = is_valgrind() ? 2 : 5;
    char *out = NULL;
    REQUIRE(c != NULL);
    for (i = 0; i < 8; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].c = c;
        w[i].id = i;
        w[i].iters = iters;
        uniq_app(w[i].app);
        pthread_create(&w[i].th, NULL, worker_main, &w[i]);
    }
    for (i = 0; i < 8; i++) {
        pthread_join(w[i].th, NULL);
        CHECKM(w[i].failures == 0, "thread %d: %d failures, last: %s", i, w[i].failures, w[i].msg);
    }
    /* consistent final state: each app has `iters` chats */
    for (i = 0; i < 8; i++) {
        int rc = fastgpt_get_chat_histories(c, w[i].app, 0, 50, NULL, NULL, &out);
        CHECK_RC(rc, FASTGPT_OK, out);
        CHECK_JINT(out, "data.total", iters);
        fastgpt_string_free(out);
        out = NULL;
    }
    fastgpt_client_free(c);
}

/* ------------------------------------------------------------------ cancellation */

TEST(cancel_stalled_stream_from_other_thread) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-mid-stream:5000\"}");
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    struct canceller k;
    struct rec r;
    char *out = NULL;
    int rc;
    double t_end;
    memset(&r, 0, sizeof r);
    REQUIRE(c != NULL && t != NULL);
    canceller_start(&k, t, 200);
    rc = fastgpt_create_chat_completion_stream(
        c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", rec_cb, &r, t, &out);
    t_end = now_ms();
    canceller_join(&k);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK_JSTR(out, "error.status_name", "FASTGPT_E_CANCELLED");
    CHECK_JSTR(out, "error.partial.answer", "You sa");
    CHECKM(t_end - k.t_cancel < cancel_bound_ms(), "returned %.0f ms after the cancel", t_end - k.t_cancel);
    CHECK_EQ_INT(r.n, 3);
    fastgpt_string_free(out);
    rec_free(&r);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

TEST(cancel_stalled_before_headers_from_other_thread) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-before-headers:5000\"}");
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    struct canceller k;
    char *out = NULL;
    int rc;
    double t_end;
    REQUIRE(c != NULL && t != NULL);
    canceller_start(&k, t, 200);
    rc = fastgpt_get_chat_init(c, APP, "c", t, &out);
    t_end = now_ms();
    canceller_join(&k);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK_JNULL(out, "error.http_status");
    CHECKM(t_end - k.t_cancel < cancel_bound_ms(), "returned %.0f ms after the cancel", t_end - k.t_cancel);
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

TEST(pre_cancelled_token_no_request) {
    char key[64];
    fastgpt_client *c;
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    fastgpt_stream *s = NULL;
    char *out = NULL;
    int rc;
    uniq(key, sizeof key, "precancel");
    c = mk_fault_client(key, NULL, 0, NULL);
    REQUIRE(c != NULL && t != NULL);
    fastgpt_cancel_token_cancel_after(t, 0); /* ms <= 0 cancels at once */
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK_JINT(out, "error.attempts", 0);
    fastgpt_string_free(out);
    rc = fastgpt_create_chat_completion(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    fastgpt_string_free(out);
    rc = fastgpt_request(c, "GET", "/api/__dev/echo", NULL, NULL, t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    fastgpt_string_free(out);
    rc = fastgpt_stream_open(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", t, &s, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECK(s == NULL);
    fastgpt_string_free(out);
    CHECK_EQ_INT(dev_count(key), 0);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

TEST(cancel_after_deadline) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-before-headers:5000\"}");
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    char *out = NULL;
    int rc;
    double t0, el;
    REQUIRE(c != NULL && t != NULL);
    fastgpt_cancel_token_cancel_after(t, 5000);
    fastgpt_cancel_token_cancel_after(t, 200); /* the earliest deadline wins */
    fastgpt_cancel_token_cancel_after(t, 3000);
    t0 = now_ms();
    rc = fastgpt_get_chat_init(c, APP, "c", t, &out);
    el = now_ms() - t0;
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECKM(el < 200 + cancel_bound_ms(), "took %.0f ms", el);
    fastgpt_string_free(out);
    /* the token stays cancelled */
    out = NULL;
    rc = fastgpt_get_chat_init(c, APP, "c", t, &out);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

struct call_thread {
    fastgpt_client *c;
    const fastgpt_cancel_token *t;
    int kind; /* 0 stream, 1 init, 2 pull */
    int rc;
    double t_end;
    char *out;
    pthread_t th;
};

static void *call_main(void *arg) {
    struct call_thread *x = (struct call_thread *)arg;
    x->out = NULL;
    if (x->kind == 0) {
        x->rc = fastgpt_create_chat_completion_stream(
            x->c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, NULL, x->t, &x->out);
    } else if (x->kind == 1) {
        x->rc = fastgpt_get_chat_init(x->c, APP, "c", x->t, &x->out);
    } else {
        fastgpt_stream *s = NULL;
        x->rc = fastgpt_stream_open(x->c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", x->t, &s, &x->out);
        if (x->rc == FASTGPT_OK) {
            const char *ev = "";
            while (x->rc == FASTGPT_OK && ev != NULL) x->rc = fastgpt_stream_next(s, &ev, NULL, NULL, NULL);
            fastgpt_stream_next(s, &ev, NULL, NULL, &x->out);
            fastgpt_stream_free(s);
        }
    }
    x->t_end = now_ms();
    return NULL;
}

TEST(one_token_cancels_three_calls) {
    fastgpt_client *stall_mid = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-mid-stream:5000\"}");
    fastgpt_client *stall_head = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-before-headers:5000\"}");
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    struct call_thread x[3];
    double t_cancel;
    int i;
    REQUIRE(stall_mid != NULL && stall_head != NULL && t != NULL);
    for (i = 0; i < 3; i++) {
        memset(&x[i], 0, sizeof x[i]);
        x[i].c = i == 1 ? stall_head : stall_mid;
        x[i].t = t;
        x[i].kind = i;
        pthread_create(&x[i].th, NULL, call_main, &x[i]);
    }
    sleep_ms(is_valgrind() ? 800 : 300);
    t_cancel = now_ms();
    fastgpt_cancel_token_cancel(t);
    for (i = 0; i < 3; i++) {
        pthread_join(x[i].th, NULL);
        CHECKM(x[i].rc == FASTGPT_E_CANCELLED, "call %d: %s %s", i, fastgpt_status_str(x[i].rc),
               x[i].out ? x[i].out : "");
        CHECKM(x[i].t_end - t_cancel < cancel_bound_ms(), "call %d returned %.0f ms after the cancel", i,
               x[i].t_end - t_cancel);
        CHECK(x[i].out != NULL && jvalid(x[i].out));
        fastgpt_string_free(x[i].out);
    }
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(stall_mid);
    fastgpt_client_free(stall_head);
}

TEST(cancel_after_call_ended_is_harmless) {
    fastgpt_client *c = mk_client(NULL);
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    char *out = NULL;
    int rc;
    REQUIRE(c != NULL && t != NULL);
    rc = fastgpt_create_chat_completion_stream(c, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", NULL, NULL, t, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    fastgpt_cancel_token_cancel(t);
    fastgpt_cancel_token_cancel(t);
    /* the client keeps working without the token */
    out = NULL;
    rc = fastgpt_get_chat_init(c, APP, "c", NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

TEST(token_freed_while_call_runs) {
    /* the running call keeps its reference: the deadline still fires */
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-mid-stream:5000\"}");
    fastgpt_client *ok = mk_client(NULL);
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    fastgpt_cancel_token *t2 = fastgpt_cancel_token_new();
    struct call_thread x, y;
    REQUIRE(c != NULL && ok != NULL && t != NULL && t2 != NULL);
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);
    fastgpt_cancel_token_cancel_after(t, is_valgrind() ? 1500 : 500);
    x.c = c;
    x.t = t;
    x.kind = 0;
    pthread_create(&x.th, NULL, call_main, &x);
    y.c = ok;
    y.t = t2;
    y.kind = 0;
    pthread_create(&y.th, NULL, call_main, &y);
    sleep_ms(50);
    fastgpt_cancel_token_free(t);
    fastgpt_cancel_token_free(t2);
    pthread_join(x.th, NULL);
    pthread_join(y.th, NULL);
    CHECK_RC(x.rc, FASTGPT_E_CANCELLED, x.out);
    CHECK_RC(y.rc, FASTGPT_OK, y.out);
    fastgpt_string_free(x.out);
    fastgpt_string_free(y.out);
    fastgpt_client_free(c);
    fastgpt_client_free(ok);
}

TEST(cancel_during_retry_backoff) {
    char key[64];
    fastgpt_client *c;
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    struct canceller k;
    char *out = NULL;
    int rc;
    double t_end;
    uniq(key, sizeof key, "backoff");
    c = mk_fault_client(key, "status-plain:503", 0, "\"retry_delay_ms\":5000");
    REQUIRE(c != NULL && t != NULL);
    canceller_start(&k, t, 200);
    rc = fastgpt_get_chat_histories(c, APP, 0, 10, NULL, t, &out);
    t_end = now_ms();
    canceller_join(&k);
    CHECK_RC(rc, FASTGPT_E_CANCELLED, out);
    CHECKM(t_end - k.t_cancel < cancel_bound_ms(), "returned %.0f ms after the cancel", t_end - k.t_cancel);
    CHECK_EQ_INT(dev_count(key), 1);
    fastgpt_string_free(out);
    fastgpt_cancel_token_free(t);
    fastgpt_client_free(c);
}

TEST(cancel_blocked_stream_next_from_other_thread) {
    fastgpt_client *c = mk_client("\"headers\":{\"X-Dev-Fault\":\"stall-mid-stream:5000\"}");
    fastgpt_cancel_token *t = fastgpt_cancel_token_new();
    struct canceller k;
    fastgpt_stream *s = NULL;
    char *err = NULL;
    const char *ev = "";
    int rc, n = 0;
    double t_end;
    REQUIRE(c != NULL && t != NULL);
    rc = fastgpt_stream_open(c, "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", t, &s, &err);
    CHECK_RC(rc, FASTGPT_OK, err);
    REQUIRE(s != NULL);
    canceller_start(&k, t, 200);
    while (rc == FASTGPT_OK && ev != NULL) {
        rc = fastgpt_stream_next(s, &ev, NULL, NULL, &err);
        if (rc == FASTGPT_OK && ev) n++;
    }
    t_end = now_ms();
    canceller_join(&k);
    fastgpt_cancel_token_free(t); /* the stream keeps its own reference until stream_free */
    CHECK_RC(rc, FASTGPT_E_CANCELLED, err);
    CHECK_EQ_INT(n, 3);
    CHECKM(t_end - k.t_cancel < cancel_bound_ms(), "returned %.0f ms after the cancel", t_end - k.t_cancel);
    fastgpt_string_free(err);
    fastgpt_stream_free(s);
    fastgpt_client_free(c);
}

struct slow_thread {
    fastgpt_client *c;
    int rc, stream;
    char *out;
    pthread_t th;
};
static void *slow_main(void *arg) {
    struct slow_thread *x = (struct slow_thread *)arg;
    const char *req = "{\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":\"/slow:600\"}]}";
    if (x->stream)
        x->rc = fastgpt_create_chat_completion_stream(x->c, req, NULL, NULL, NULL, &x->out);
    else
        x->rc = fastgpt_create_chat_completion(x->c, req, NULL, &x->out);
    return NULL;
}

TEST(client_freed_during_slow_stream_and_nonstream) {
    fastgpt_client *c = mk_client(NULL);
    struct slow_thread x[2];
    int i;
    REQUIRE(c != NULL);
    for (i = 0; i < 2; i++) {
        memset(&x[i], 0, sizeof x[i]);
        x[i].c = c;
        x[i].stream = i == 0;
        pthread_create(&x[i].th, NULL, slow_main, &x[i]);
    }
    sleep_ms(150);
    fastgpt_client_free(c); /* both calls are mid-flight */
    for (i = 0; i < 2; i++) {
        pthread_join(x[i].th, NULL);
        CHECK_RC(x[i].rc, FASTGPT_OK, x[i].out);
        if (x[i].stream)
            CHECK_JSTR(x[i].out, "answer", "You said: /slow:600");
        else
            CHECK_JSTR(x[i].out, "choices.0.message.content", "You said: /slow:600");
        fastgpt_string_free(x[i].out);
    }
}

static const struct test_case TESTS[] = {
    T(eight_threads_share_one_client),
    T(cancel_stalled_stream_from_other_thread),
    T(cancel_stalled_before_headers_from_other_thread),
    T(pre_cancelled_token_no_request),
    T(cancel_after_deadline),
    T(one_token_cancels_three_calls),
    T(cancel_after_call_ended_is_harmless),
    T(token_freed_while_call_runs),
    T(cancel_during_retry_backoff),
    T(cancel_blocked_stream_next_from_other_thread),
    T(client_freed_during_slow_stream_and_nonstream),
};
TEST_MAIN(TESTS)
