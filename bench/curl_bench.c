/*
 * curl_bench.c: the libcurl baseline of the benchmark (see bench/README.md): the easy API,
 * one reused handle (one per thread in the threaded mode), doing the minimum: read the
 * body and check the HTTP status; for streams, split the SSE frames and count them.
 *
 *   curl_bench seq BASE_URL N | threads BASE_URL T N | stream BASE_URL EVENTS | ttfe BASE_URL RUNS
 */
#include <pthread.h>
#include <stdint.h>

#include <curl/curl.h>

#include "bench_common.h"

static char url[1024];
static long calls_per_thread;

struct body { char *buf; size_t len, cap; };

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
    struct body *b = ud;
    size_t len = size * n;
    if (b->len + len + 1 > b->cap) {
        b->cap = (b->len + len + 1) * 2;
        b->buf = realloc(b->buf, b->cap);
        if (!b->buf) return 0;
    }
    memcpy(b->buf + b->len, p, len);
    b->len += len;
    b->buf[b->len] = '\0';
    return len;
}

/* SSE frame splitter: a frame ends at an empty line ("\n\n"); state carries across chunks. */
struct sse {
    int in_line;          /* the current line already has bytes (from an earlier chunk) */
    int last_nonempty;    /* the last completed line was not empty */
    uint64_t frames;
    double first_at;      /* ttfe: when the first frame was complete */
    int stop_after_first;
};

static size_t on_sse(char *p, size_t size, size_t n, void *ud) {
    struct sse *s = ud;
    size_t len = size * n;
    const char *end = p + len, *q = p;
    while (q < end) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        if (!nl) { s->in_line = 1; break; }        /* the line goes on in the next chunk */
        int empty = (nl == q && !s->in_line);
        if (empty && s->last_nonempty) {           /* an empty line after a line: frame end */
            s->frames++;
            if (s->stop_after_first) { s->first_at = bench_now(); return 0; /* abort */ }
        }
        s->last_nonempty = !empty;
        s->in_line = 0;
        q = nl + 1;
    }
    return len;
}

static struct curl_slist *headers(void) {
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json, text/event-stream");
    h = curl_slist_append(h, "Authorization: Bearer " BENCH_API_KEY);
    return h;
}

static CURL *new_handle(struct curl_slist *h, const char *body) {
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");   /* never a proxy: the server is on 127.0.0.1 */
    return c;
}

static void completions(long n) {
    struct curl_slist *h = headers();
    CURL *c = new_handle(h, BENCH_REQ_JSON);
    struct body b = {0};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    for (long i = 0; i < n; i++) {
        b.len = 0;
        CURLcode rc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200 || b.len == 0)
            BENCH_DIE("completion failed: %s, HTTP %ld", curl_easy_strerror(rc), status);
    }
    free(b.buf);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
}

static void *thread_main(void *arg) {
    pthread_barrier_t *barrier = arg;
    pthread_barrier_wait(barrier);
    completions(calls_per_thread);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 4) BENCH_DIE(BENCH_USAGE, argv[0]);
    const char *mode = argv[1];
    snprintf(url, sizeof url, "%s/api/v1/chat/completions", argv[2]);
    curl_global_init(CURL_GLOBAL_DEFAULT);

    if (strcmp(mode, "seq") == 0) {
        long n = atol(argv[3]);
        double t0 = bench_now();
        completions(n);
        printf("result %.6f\n", bench_now() - t0);
    } else if (strcmp(mode, "threads") == 0 && argc >= 5) {
        int nt = atoi(argv[3]);
        calls_per_thread = atol(argv[4]);
        pthread_t th[64];
        pthread_barrier_t barrier;
        if (nt < 1 || nt > 64) BENCH_DIE("threads: 1..64");
        pthread_barrier_init(&barrier, NULL, (unsigned)nt + 1);
        for (int i = 0; i < nt; i++) pthread_create(&th[i], NULL, thread_main, &barrier);
        pthread_barrier_wait(&barrier);
        double t0 = bench_now();
        for (int i = 0; i < nt; i++) pthread_join(th[i], NULL);
        printf("result %.6f\n", bench_now() - t0);
    } else if (strcmp(mode, "stream") == 0) {
        long expected = atol(argv[3]);
        struct curl_slist *h = headers();
        CURL *c = new_handle(h, BENCH_REQ_STREAM_JSON);
        struct sse s = {0};
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        double t0 = bench_now();
        CURLcode rc = curl_easy_perform(c);
        double dt = bench_now() - t0;
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200 || (long)s.frames != expected)
            BENCH_DIE("stream: %s, HTTP %ld, %llu frames, expected %ld", curl_easy_strerror(rc),
                      status, (unsigned long long)s.frames, expected);
        printf("events %llu\nresult %.6f\n", (unsigned long long)s.frames, dt);
        curl_easy_cleanup(c);
        curl_slist_free_all(h);
    } else if (strcmp(mode, "ttfe") == 0) {
        int runs = atoi(argv[3]);
        double *ms = calloc((size_t)runs, sizeof *ms);
        struct curl_slist *h = headers();
        CURL *c = new_handle(h, BENCH_REQ_STREAM_JSON);
        struct sse s;
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
        for (int r = 0; r < runs; r++) {
            memset(&s, 0, sizeof s);
            s.stop_after_first = 1;
            double t0 = bench_now();
            CURLcode rc = curl_easy_perform(c);   /* the callback aborts after the first frame */
            if (rc != CURLE_WRITE_ERROR || s.frames != 1)
                BENCH_DIE("ttfe: %s, %llu frames", curl_easy_strerror(rc), (unsigned long long)s.frames);
            ms[r] = (s.first_at - t0) * 1000.0;
        }
        bench_print_ttfe(ms, runs);
        free(ms);
        curl_easy_cleanup(c);
        curl_slist_free_all(h);
    } else {
        BENCH_DIE(BENCH_USAGE, argv[0]);
    }
    curl_global_cleanup();
    return 0;
}
