/*
 * fastgpt_bench.c: the libfastgpt driver of the benchmark (see bench/README.md).
 *
 *   fastgpt_bench seq BASE_URL N              N sequential non-stream completions
 *   fastgpt_bench threads BASE_URL T N        T threads x N completions on one shared client
 *   fastgpt_bench stream BASE_URL EVENTS      one detail-mode stream; checks EVENTS events
 *   fastgpt_bench ttfe BASE_URL RUNS          request start -> first event, RUNS times
 *
 * Every call's status is checked; the stream's callback count and the accumulated
 * result's event_count must both equal EVENTS, and the result must say done.
 */
#include <pthread.h>
#include <stdint.h>

#include "fastgpt.h"
#include "bench_common.h"

static fastgpt_client *client;
static long calls_per_thread;

static void completion(void) {
    char *out = NULL;
    int32_t rc = fastgpt_create_chat_completion(client, BENCH_REQ_JSON, NULL, &out);
    if (rc != FASTGPT_OK || out == NULL || strstr(out, "\"choices\"") == NULL)
        BENCH_DIE("completion failed: %s %s", fastgpt_status_str(rc), out ? out : "(null)");
    fastgpt_string_free(out);
}

static void *thread_main(void *arg) {
    pthread_barrier_t *barrier = arg;
    pthread_barrier_wait(barrier);
    for (long i = 0; i < calls_per_thread; i++) completion();
    return NULL;
}

static int32_t count_event(void *user_data, const char *event, const char *data, const char *text) {
    (void)event; (void)data; (void)text;
    (*(uint64_t *)user_data)++;
    return 0;
}

static long json_int(const char *json, const char *key) {
    const char *p = strstr(json, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

int main(int argc, char **argv) {
    if (argc < 4) BENCH_DIE(BENCH_USAGE, argv[0]);
    if (fastgpt_version_number() / 1000 != FASTGPT_VERSION_NUMBER / 1000)
        BENCH_DIE("libfastgpt version mismatch: %s", fastgpt_version());
    const char *mode = argv[1];
    char *err = NULL;
    if (fastgpt_client_new(BENCH_API_KEY, argv[2], &client, &err) != FASTGPT_OK)
        BENCH_DIE("client_new: %s", err ? err : "?");

    if (strcmp(mode, "seq") == 0) {
        long n = atol(argv[3]);
        double t0 = bench_now();
        for (long i = 0; i < n; i++) completion();
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
        uint64_t events = 0;
        char *out = NULL;
        double t0 = bench_now();
        int32_t rc = fastgpt_create_chat_completion_stream(client, BENCH_REQ_STREAM_JSON,
                                                           count_event, &events, NULL, &out);
        double dt = bench_now() - t0;
        if (rc != FASTGPT_OK || out == NULL)
            BENCH_DIE("stream failed: %s %.300s", fastgpt_status_str(rc), out ? out : "(null)");
        long counted = json_int(out, "\"event_count\":");
        if ((long)events != expected || counted != expected || strstr(out, "\"done\":true") == NULL)
            BENCH_DIE("stream: callback saw %llu events, event_count %ld, expected %ld",
                      (unsigned long long)events, counted, expected);
        fastgpt_string_free(out);
        printf("events %llu\nresult %.6f\n", (unsigned long long)events, dt);
    } else if (strcmp(mode, "ttfe") == 0) {
        int runs = atoi(argv[3]);
        double *ms = calloc((size_t)runs, sizeof *ms);
        for (int r = 0; r < runs; r++) {
            fastgpt_stream *s = NULL;
            const char *event = NULL, *data = NULL;
            double t0 = bench_now();
            int32_t rc = fastgpt_stream_open(client, BENCH_REQ_STREAM_JSON, NULL, &s, &err);
            if (rc != FASTGPT_OK) BENCH_DIE("stream_open: %s %s", fastgpt_status_str(rc), err ? err : "");
            rc = fastgpt_stream_next(s, &event, &data, NULL, &err);
            ms[r] = (bench_now() - t0) * 1000.0;
            if (rc != FASTGPT_OK || event == NULL)
                BENCH_DIE("stream_next: %s %s", fastgpt_status_str(rc), err ? err : "");
            fastgpt_stream_free(s);
        }
        bench_print_ttfe(ms, runs);
        free(ms);
    } else {
        BENCH_DIE(BENCH_USAGE, argv[0]);
    }
    fastgpt_client_free(client);
    return 0;
}
