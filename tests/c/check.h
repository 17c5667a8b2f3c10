/*
 * check.h: a tiny test framework for the libfastgpt C tests.
 *
 *   TEST(name) { ... CHECK(cond); REQUIRE(cond); ... }
 *   static const struct test_case TESTS[] = { T(name), ... };
 *   TEST_MAIN(TESTS)
 *
 * CHECK* record a failure and continue; REQUIRE* record a failure and `return` from the
 * current (void) test function. Each binary runs every case (or only those whose name
 * contains argv[1]), prints one line per case and a final line
 *   "<binary>: CASES passed=N failed=M"
 * that run.sh parses, and exits non-zero when anything failed.
 *
 * JSON helpers (C has no JSON library): a small, strict-enough scanner over a JSON text.
 *   jget(json, "error.status_name")  -> pointer to the value's first byte, or NULL
 *   path segments are object keys, or array indexes written as decimal numbers ("list.0.x").
 *   jstr(v) -> malloc'd decoded string (NULL if v is not a string), jint, jis_null, jraw...
 */
#ifndef FASTGPT_TEST_CHECK_H
#define FASTGPT_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define CK_FN static __attribute__((unused))
#else
#define CK_FN static
#endif

/* ---------------------------------------------------------------- framework */

typedef void (*test_fn)(void);
struct test_case {
    const char *name;
    test_fn fn;
};
#define TEST(name) static void name(void)
#define T(name) { #name, name }

static int g_case_failed;
static long g_checks;
static const char *g_case_name = "";

CK_FN void check_failf(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    g_case_failed++;
    fprintf(stderr, "    FAILED %s:%d [%s]: ", file, line, g_case_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

#define CHECK(c)                                                          \
    do {                                                                  \
        g_checks++;                                                       \
        if (!(c)) check_failf(__FILE__, __LINE__, "CHECK(%s)", #c);       \
    } while (0)
#define CHECKM(c, ...)                                                    \
    do {                                                                  \
        g_checks++;                                                       \
        if (!(c)) check_failf(__FILE__, __LINE__, __VA_ARGS__);           \
    } while (0)
#define REQUIRE(c)                                                        \
    do {                                                                  \
        g_checks++;                                                       \
        if (!(c)) {                                                       \
            check_failf(__FILE__, __LINE__, "REQUIRE(%s)", #c);           \
            return;                                                       \
        }                                                                 \
    } while (0)
#define CHECK_EQ_INT(a, b)                                                                 \
    do {                                                                                   \
        long long ca_ = (long long)(a), cb_ = (long long)(b);                             \
        g_checks++;                                                                        \
        if (ca_ != cb_)                                                                    \
            check_failf(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, ca_, cb_);   \
    } while (0)
#define CHECK_STR_EQ(a, b)                                                                 \
    do {                                                                                   \
        const char *ca_ = (a), *cb_ = (b);                                                 \
        g_checks++;                                                                        \
        if (ca_ == NULL || cb_ == NULL || strcmp(ca_, cb_) != 0)                           \
            check_failf(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,          \
                        ca_ ? ca_ : "(null)", cb_ ? cb_ : "(null)");                       \
    } while (0)
#define CHECK_STR_CONTAINS(hay, needle)                                                    \
    do {                                                                                   \
        const char *ch_ = (hay), *cn_ = (needle);                                          \
        g_checks++;                                                                        \
        if (ch_ == NULL || strstr(ch_, cn_) == NULL)                                       \
            check_failf(__FILE__, __LINE__, "%s contains \"%s\": got %s", #hay, cn_,       \
                        ch_ ? ch_ : "(null)");                                             \
    } while (0)
#define CHECK_STR_NOT_CONTAINS(hay, needle)                                                \
    do {                                                                                   \
        const char *ch_ = (hay), *cn_ = (needle);                                          \
        g_checks++;                                                                        \
        if (ch_ != NULL && strstr(ch_, cn_) != NULL)                                       \
            check_failf(__FILE__, __LINE__, "%s must not contain \"%s\": got %s", #hay,    \
                        cn_, ch_);                                                         \
    } while (0)

/* ---------------------------------------------------------------- JSON scanner */

CK_FN const char *j_ws(const char *p) {
    while (p && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Skips one JSON value starting at p (after whitespace); returns the byte after it, or NULL
   when the text is malformed. */
CK_FN const char *j_skip(const char *p) {
    p = j_ws(p);
    if (p == NULL || *p == '\0') return NULL;
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\') {
                p++;
                if (*p == '\0') return NULL;
            }
        return *p == '"' ? p + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int obj = *p == '{';
        p = j_ws(p + 1);
        if (*p == close) return p + 1;
        for (;;) {
            if (obj) {
                p = j_skip(p);
                p = j_ws(p);
                if (p == NULL || *p != ':') return NULL;
                p++;
            }
            p = j_skip(p);
            p = j_ws(p);
            if (p == NULL) return NULL;
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == close) return p + 1;
            return NULL;
        }
    }
    if (strncmp(p, "true", 4) == 0) return p + 4;
    if (strncmp(p, "false", 5) == 0) return p + 5;
    if (strncmp(p, "null", 4) == 0) return p + 4;
    if (*p == '-' || (*p >= '0' && *p <= '9')) {
        p++;
        while ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
               *p == '-')
            p++;
        return p;
    }
    return NULL;
}

CK_FN void j_put_utf8(char **o, unsigned long cp) {
    unsigned char *u = (unsigned char *)*o;
    if (cp < 0x80) {
        *u++ = (unsigned char)cp;
    } else if (cp < 0x800) {
        *u++ = (unsigned char)(0xC0 | (cp >> 6));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *u++ = (unsigned char)(0xE0 | (cp >> 12));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    } else {
        *u++ = (unsigned char)(0xF0 | (cp >> 18));
        *u++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        *u++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        *u++ = (unsigned char)(0x80 | (cp & 0x3F));
    }
    *o = (char *)u;
}

CK_FN unsigned long j_hex4(const char *p) {
    unsigned long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
        else return 0xFFFFFFFFul;
    }
    return v;
}

/* Decodes the JSON string at v into a malloc'd buffer (free with free()); NULL when v is
   not a string. */
CK_FN char *jstr(const char *v) {
    const char *p, *end;
    char *out, *o;
    v = j_ws(v);
    if (v == NULL || *v != '"') return NULL;
    end = j_skip(v);
    if (end == NULL) return NULL;
    out = (char *)malloc((size_t)(end - v) + 4);
    o = out;
    for (p = v + 1; p < end - 1; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned long cp = j_hex4(p + 1);
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p[1] == '\\' && p[2] == 'u') {
                unsigned long lo = j_hex4(p + 3);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
            }
            j_put_utf8(&o, cp);
            break;
        }
        default: *o++ = *p; break;
        }
    }
    *o = '\0';
    return out;
}

/* Finds member `key` (length klen) of the object at obj; pointer to its value or NULL. */
CK_FN const char *j_member(const char *obj, const char *key, size_t klen) {
    const char *p = j_ws(obj);
    if (p == NULL || *p != '{') return NULL;
    p = j_ws(p + 1);
    if (*p == '}') return NULL;
    for (;;) {
        const char *kend = j_skip(p);
        const char *val;
        char *k;
        int match;
        if (kend == NULL || *p != '"') return NULL;
        k = jstr(p);
        match = k != NULL && strlen(k) == klen && memcmp(k, key, klen) == 0;
        free(k);
        p = j_ws(kend);
        if (*p != ':') return NULL;
        val = j_ws(p + 1);
        if (match) return val;
        p = j_ws(j_skip(val));
        if (p == NULL || *p != ',') return NULL;
        p = j_ws(p + 1);
    }
}

CK_FN const char *j_index(const char *arr, long idx) {
    const char *p = j_ws(arr);
    long i = 0;
    if (p == NULL || *p != '[') return NULL;
    p = j_ws(p + 1);
    if (*p == ']') return NULL;
    for (;;) {
        if (i == idx) return p;
        p = j_ws(j_skip(p));
        if (p == NULL || *p != ',') return NULL;
        p = j_ws(p + 1);
        i++;
    }
}

/* Follows a dotted path ("error.status", "list.0.chatId"); NULL when absent. */
CK_FN const char *jget(const char *json, const char *path) {
    const char *v = j_ws(json);
    while (v != NULL && *path) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (*v == '[') {
            char buf[32];
            if (len == 0 || len >= sizeof buf) return NULL;
            memcpy(buf, path, len);
            buf[len] = '\0';
            v = j_index(v, atol(buf));
        } else {
            v = j_member(v, path, len);
        }
        path += len;
        if (*path == '.') path++;
    }
    return v;
}

CK_FN int jis_null(const char *v) { return v != NULL && strncmp(j_ws(v), "null", 4) == 0; }
CK_FN int jis_true(const char *v) { return v != NULL && strncmp(j_ws(v), "true", 4) == 0; }
CK_FN int jis_false(const char *v) { return v != NULL && strncmp(j_ws(v), "false", 5) == 0; }

/* The integer at v; *ok (optional) says whether v was a number. */
CK_FN long long jint(const char *v, int *ok) {
    char *end;
    long long n;
    if (ok) *ok = 0;
    v = j_ws(v);
    if (v == NULL || !(*v == '-' || (*v >= '0' && *v <= '9'))) return 0;
    n = strtoll(v, &end, 10);
    if (ok) *ok = end != v;
    return n;
}

/* Raw JSON text of the value at v (malloc'd), NULL when v is NULL or malformed. */
CK_FN char *jraw(const char *v) {
    const char *end;
    char *out;
    v = j_ws(v);
    if (v == NULL) return NULL;
    end = j_skip(v);
    if (end == NULL) return NULL;
    out = (char *)malloc((size_t)(end - v) + 1);
    memcpy(out, v, (size_t)(end - v));
    out[end - v] = '\0';
    return out;
}

/* Number of elements of the array at v, -1 when v is not an array. */
CK_FN long jlen(const char *v) {
    const char *p = j_ws(v);
    long n = 0;
    if (p == NULL || *p != '[') return -1;
    p = j_ws(p + 1);
    if (*p == ']') return 0;
    for (;;) {
        n++;
        p = j_ws(j_skip(p));
        if (p == NULL) return -1;
        if (*p == ']') return n;
        if (*p != ',') return -1;
        p++;
    }
}

/* Whether the whole text is one valid JSON value (per this scanner). */
CK_FN int jvalid(const char *json) {
    const char *end = j_skip(json);
    return end != NULL && *j_ws(end) == '\0';
}

/* Path helpers used by the CHECK_J* macros. */
CK_FN int jpath_str_eq(const char *json, const char *path, const char *exp, char **got) {
    char *s = jstr(jget(json, path));
    int ok = s != NULL && exp != NULL && strcmp(s, exp) == 0;
    *got = s;
    return ok;
}

#define CHECK_JSTR(json, path, exp)                                                        \
    do {                                                                                   \
        char *got_ = NULL;                                                                 \
        const char *cj_ = (json);                                                          \
        g_checks++;                                                                        \
        if (!jpath_str_eq(cj_, (path), (exp), &got_))                                      \
            check_failf(__FILE__, __LINE__, "%s: %s == \"%s\": got %s in %s", #json,       \
                        (path), (exp), got_ ? got_ : "(not a string)",                     \
                        cj_ ? cj_ : "(null)");                                             \
        free(got_);                                                                        \
    } while (0)
#define CHECK_JINT(json, path, exp)                                                        \
    do {                                                                                   \
        const char *cj_ = (json);                                                          \
        int ok_ = 0;                                                                       \
        long long got_ = jint(jget(cj_, (path)), &ok_);                                    \
        g_checks++;                                                                        \
        if (!ok_ || got_ != (long long)(exp))                                              \
            check_failf(__FILE__, __LINE__, "%s: %s == %lld: got %s%lld in %s", #json,     \
                        (path), (long long)(exp), ok_ ? "" : "(not a number) ", got_,      \
                        cj_ ? cj_ : "(null)");                                             \
    } while (0)
#define CHECK_JNULL(json, path)                                                            \
    do {                                                                                   \
        const char *cj_ = (json);                                                          \
        g_checks++;                                                                        \
        if (!jis_null(jget(cj_, (path))))                                                  \
            check_failf(__FILE__, __LINE__, "%s: %s is null: in %s", #json, (path),        \
                        cj_ ? cj_ : "(null)");                                             \
    } while (0)
#define CHECK_JABSENT(json, path)                                                          \
    do {                                                                                   \
        const char *cj_ = (json);                                                          \
        g_checks++;                                                                        \
        if (jget(cj_, (path)) != NULL)                                                     \
            check_failf(__FILE__, __LINE__, "%s: %s is absent: in %s", #json, (path),      \
                        cj_ ? cj_ : "(null)");                                             \
    } while (0)
#define CHECK_JPRESENT(json, path)                                                         \
    do {                                                                                   \
        const char *cj_ = (json);                                                          \
        g_checks++;                                                                        \
        if (jget(cj_, (path)) == NULL)                                                     \
            check_failf(__FILE__, __LINE__, "%s: %s is present: in %s", #json, (path),     \
                        cj_ ? cj_ : "(null)");                                             \
    } while (0)
#define CHECK_JRAW(json, path, exp)                                                        \
    do {                                                                                   \
        const char *cj_ = (json);                                                          \
        char *got_ = jraw(jget(cj_, (path)));                                              \
        g_checks++;                                                                        \
        if (got_ == NULL || strcmp(got_, (exp)) != 0)                                      \
            check_failf(__FILE__, __LINE__, "%s: %s == %s: got %s in %s", #json, (path),   \
                        (exp), got_ ? got_ : "(absent)", cj_ ? cj_ : "(null)");            \
        free(got_);                                                                        \
    } while (0)
#define CHECK_JTRUE(json, path) CHECK_JRAW(json, path, "true")
#define CHECK_JFALSE(json, path) CHECK_JRAW(json, path, "false")

/* ---------------------------------------------------------------- runner */

CK_FN double check_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

CK_FN int check_run(const struct test_case *cases, size_t n, int argc, char **argv) {
    size_t i;
    int passed = 0, failed = 0;
    const char *prog = argv[0];
    const char *slash = strrchr(prog, '/');
    const char *filter = argc > 1 ? argv[1] : NULL;
    if (slash) prog = slash + 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (i = 0; i < n; i++) {
        double t0;
        if (filter && strstr(cases[i].name, filter) == NULL) continue;
        g_case_failed = 0;
        g_case_name = cases[i].name;
        printf("  [ RUN  ] %s\n", cases[i].name);
        fflush(stdout);
        t0 = check_now_ms();
        cases[i].fn();
        if (g_case_failed) {
            failed++;
            printf("  [ FAIL ] %s (%.0f ms, %d failed checks)\n", cases[i].name,
                   check_now_ms() - t0, g_case_failed);
        } else {
            passed++;
            printf("  [  OK  ] %s (%.0f ms)\n", cases[i].name, check_now_ms() - t0);
        }
        fflush(stdout);
    }
    printf("%s: CASES passed=%d failed=%d (checks=%ld)\n", prog, passed, failed, g_checks);
    fflush(stdout);
    return failed ? 1 : 0;
}

#define TEST_MAIN(cases)                                                                   \
    int main(int argc, char **argv) {                                                      \
        return check_run(cases, sizeof(cases) / sizeof(cases[0]), argc, argv);             \
    }

#endif /* FASTGPT_TEST_CHECK_H */
