/* Shared by fastgpt_bench.c and curl_bench.c: the request bodies, the clock, the output. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_API_KEY "fastgpt-bench-key"

/* The same request in every driver (httpx_bench.py sends the same members). */
#define BENCH_REQ_JSON \
    "{\"chatId\":\"bench-chat\",\"stream\":false,\"detail\":false," \
    "\"messages\":[{\"role\":\"user\",\"content\":\"你好，介绍一下 FastGPT\"}]}"
#define BENCH_REQ_STREAM_JSON \
    "{\"chatId\":\"bench-chat\",\"stream\":true,\"detail\":true," \
    "\"messages\":[{\"role\":\"user\",\"content\":\"你好，介绍一下 FastGPT\"}]}"

static inline double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Prints "samples v1 v2 ..." and "result <median>" (milliseconds). */
static inline void bench_print_ttfe(double *ms, int n) {
    printf("samples");
    for (int i = 0; i < n; i++) printf(" %.3f", ms[i]);
    printf("\n");
    qsort(ms, (size_t)n, sizeof *ms, bench_cmp_double);
    double med = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    printf("result %.3f\n", med);
}

#define BENCH_DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(2); } while (0)

#define BENCH_USAGE \
    "usage: %s seq BASE_URL N | threads BASE_URL THREADS N | stream BASE_URL EVENTS |" \
    " ttfe BASE_URL RUNS\n" \
    "BASE_URL is the server root (requests go to BASE_URL/api/v1/chat/completions).\n" \
    "Prints 'result SECONDS' (seq, threads, stream) or 'result MEDIAN_MS' (ttfe)."

#endif
