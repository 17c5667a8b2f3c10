/*
 * fgtest.h: libfastgpt-specific helpers for the C tests (dev server URL, clients, unique
 * ids, raw-socket access to /__dev/count, a recording stream callback, time).
 */
#ifndef FASTGPT_TEST_FGTEST_H
#define FASTGPT_TEST_FGTEST_H

#include "check.h"
#include "fastgpt.h"

#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEV_KEY "fastgpt-dev-key"

/* Status-code check that prints names and the JSON on failure. */
#define CHECK_RC(rc, exp, json)                                                            \
    do {                                                                                   \
        int cr_ = (int)(rc), ce_ = (int)(exp);                                             \
        const char *cj_ = (json);                                                          \
        g_checks++;                                                                        \
        if (cr_ != ce_)                                                                    \
            check_failf(__FILE__, __LINE__, "%s: got %s (%d), expected %s (%d); json: %s", \
                        #rc, fastgpt_status_str(cr_), cr_, fastgpt_status_str(ce_), ce_,   \
                        cj_ ? cj_ : "(null)");                                             \
    } while (0)

/* Checks the common error JSON fields: status, status_name. */
#define CHECK_ERR_JSON(json, code)                                                         \
    do {                                                                                   \
        CHECK_JINT((json), "error.status", (code));                                        \
        CHECK_JSTR((json), "error.status_name", fastgpt_status_str(code));                 \
        CHECK((json) != NULL && jvalid(json));                                             \
    } while (0)

CK_FN const char *test_url(void) {
    const char *u = getenv("FASTGPT_TEST_URL");
    if (u == NULL || *u == '\0') {
        fprintf(stderr, "FASTGPT_TEST_URL is not set (run tests/c/run.sh)\n");
        exit(2);
    }
    return u;
}

CK_FN const char *test_mode(void) {
    const char *m = getenv("FASTGPT_TEST_MODE");
    return m ? m : "plain";
}

CK_FN int is_valgrind(void) { return strcmp(test_mode(), "valgrind") == 0; }

/* Factor applied to generous upper time bounds. */
CK_FN double tscale(void) {
    if (is_valgrind()) return 4.0;
    if (strcmp(test_mode(), "asan") == 0) return 1.5;
    return 1.0;
}

CK_FN double now_ms(void) { return check_now_ms(); }

CK_FN void sleep_ms(long ms) {
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* malloc'd printf. */
CK_FN char *xfmt(const char *fmt, ...) {
    va_list ap;
    int n;
    char *s;
    char probe[1];
    if (fmt == NULL) return NULL;
    va_start(ap, fmt);
    n = vsnprintf(probe, sizeof probe, fmt, ap);
    va_end(ap);
    s = (char *)malloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* Unique ids: "<prefix>-<pid>-<n>" and 24-hex app ids. */
static unsigned g_uniq_counter;
CK_FN void uniq(char *buf, size_t cap, const char *prefix) {
    snprintf(buf, cap, "%s-%ld-%u-%ld", prefix, (long)getpid(), ++g_uniq_counter,
             (long)(check_now_ms()) % 100000);
}
CK_FN void uniq_app(char buf[25]) {
    unsigned long long t = (unsigned long long)check_now_ms();
    snprintf(buf, 25, "%08lx%08x%08llx", (unsigned long)getpid() & 0xffffffffUL,
             ++g_uniq_counter, t & 0xffffffffULL);
}

/* Client creation: options = {"api_key":..., "base_url": URL, <extra>}. */
CK_FN fastgpt_client *mk_client(const char *extra) {
    fastgpt_client *c = NULL;
    char *err = NULL;
    char *opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"%s\"%s%s}", test_url(),
                      extra && *extra ? "," : "", extra ? extra : "");
    int rc = fastgpt_client_new_with_options(opts, &c, &err);
    if (rc != FASTGPT_OK || c == NULL) {
        check_failf(__FILE__, __LINE__, "client creation failed for %s: %s", opts,
                    err ? err : "(null)");
    }
    fastgpt_string_free(err);
    free(opts);
    return c;
}

/* A client whose requests carry X-Dev-Fault-Key: key (and optional fault spec/times). */
CK_FN fastgpt_client *mk_fault_client(const char *key, const char *fault, int times,
                                      const char *extra) {
    char hdr[1024];
    char *ex;
    fastgpt_client *c;
    int n = snprintf(hdr, sizeof hdr, "\"headers\":{\"X-Dev-Fault-Key\":\"%s\"", key);
    if (fault) n += snprintf(hdr + n, sizeof hdr - (size_t)n, ",\"X-Dev-Fault\":\"%s\"", fault);
    if (times > 0)
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, ",\"X-Dev-Fault-Times\":\"%d\"", times);
    snprintf(hdr + n, sizeof hdr - (size_t)n, "}");
    ex = xfmt("%s%s%s", hdr, extra && *extra ? "," : "", extra ? extra : "");
    c = mk_client(ex);
    free(ex);
    return c;
}

CK_FN int strncasecmp_portable(const char *a, const char *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (ca >= 'A' && ca <= 'Z') ca += 32;
        if (cb >= 'A' && cb <= 'Z') cb += 32;
        if (ca != cb) return ca - cb;
        if (ca == 0) return 0;
    }
    return 0;
}

/* Parses host (127.0.0.1) and port from the test URL. */
CK_FN int url_port(const char *url) {
    const char *p = strrchr(url, ':');
    return p ? atoi(p + 1) : 0;
}

/* Raw HTTP/1.0 request to the dev server; returns the malloc'd response body or NULL. */
CK_FN char *raw_http(const char *method, const char *target) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    char req[1024];
    char *buf;
    size_t len = 0, cap = 65536;
    ssize_t n;
    char *body;
    if (fd < 0) return NULL;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)url_port(test_url()));
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return NULL;
    }
    snprintf(req, sizeof req, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
             method, target);
    if (write(fd, req, strlen(req)) != (ssize_t)strlen(req)) {
        close(fd);
        return NULL;
    }
    buf = (char *)malloc(cap + 1);
    while ((n = read(fd, buf + len, cap - len)) > 0) {
        len += (size_t)n;
        if (len == cap) break;
    }
    close(fd);
    buf[len] = '\0';
    body = strstr(buf, "\r\n\r\n");
    if (body == NULL) {
        free(buf);
        return NULL;
    }
    body = xfmt("%s", body + 4);
    free(buf);
    return body;
}

/* Requests counted under X-Dev-Fault-Key key, or -1 on error. */
CK_FN long dev_count(const char *key) {
    char target[512];
    char *body;
    int ok = 0;
    long long n;
    snprintf(target, sizeof target, "/__dev/count?key=%s", key);
    body = raw_http("GET", target);
    if (body == NULL) return -1;
    n = jint(jget(body, "count"), &ok);
    free(body);
    return ok ? (long)n : -1;
}

/* A TCP port on 127.0.0.1 that nothing listens on (bound, then closed). */
CK_FN int closed_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    int port;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001);
    a.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return 1;
    }
    getsockname(fd, (struct sockaddr *)&a, &l);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}


/* ---------------------------------------------------------------- capture server */
/* A one-connection raw HTTP server on 127.0.0.1: records the first request's bytes and
   answers with a canned raw response, for byte-exact checks of what the library sends. */
struct capsrv {
    int lfd, port;
    pthread_t th;
    const char *response; /* complete raw HTTP response */
    char *req;            /* captured request (head + body), NUL-terminated */
    size_t req_len;
    int got;
};

CK_FN size_t cap_content_length(const char *head) {
    const char *p = head;
    while ((p = strchr(p, '\n')) != NULL) {
        p++;
        if (strncasecmp_portable(p, "content-length:", 15) == 0) return (size_t)atol(p + 15);
    }
    return 0;
}

CK_FN void *capsrv_main(void *arg) {
    struct capsrv *s = (struct capsrv *)arg;
    struct pollfd pf;
    int fd;
    size_t cap = 1 << 20, len = 0;
    char *buf;
    pf.fd = s->lfd;
    pf.events = POLLIN;
    if (poll(&pf, 1, 15000) <= 0) return NULL;
    fd = accept(s->lfd, NULL, NULL);
    if (fd < 0) return NULL;
    buf = (char *)malloc(cap + 1);
    for (;;) {
        ssize_t n;
        char *he;
        buf[len] = '\0';
        he = strstr(buf, "\r\n\r\n");
        if (he != NULL) {
            size_t hl = (size_t)(he + 4 - buf);
            if (strstr(buf, "hunked") != NULL) {
                if (strstr(he + 4, "0\r\n\r\n") != NULL) break;
            } else if (len >= hl + cap_content_length(buf)) {
                break;
            }
        }
        pf.fd = fd;
        pf.events = POLLIN;
        if (poll(&pf, 1, 10000) <= 0) break;
        n = read(fd, buf + len, cap - len);
        if (n <= 0) break;
        len += (size_t)n;
        if (len == cap) break;
    }
    buf[len] = '\0';
    s->req = buf;
    s->req_len = len;
    s->got = 1;
    if (s->response) {
        size_t off = 0, rl = strlen(s->response);
        while (off < rl) {
            ssize_t n = write(fd, s->response + off, rl - off);
            if (n <= 0) break;
            off += (size_t)n;
        }
    }
    shutdown(fd, SHUT_WR);
    sleep_ms(50);
    close(fd);
    return NULL;
}

CK_FN int capsrv_start(struct capsrv *s, const char *response) {
    struct sockaddr_in a;
    socklen_t l = sizeof a;
    int one = 1;
    memset(s, 0, sizeof *s);
    s->response = response;
    s->lfd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (bind(s->lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(s->lfd, 4) != 0) return -1;
    getsockname(s->lfd, (struct sockaddr *)&a, &l);
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->th, NULL, capsrv_main, s);
}

CK_FN void capsrv_finish(struct capsrv *s) {
    pthread_join(s->th, NULL);
    close(s->lfd);
}

CK_FN void capsrv_free(struct capsrv *s) {
    free(s->req);
    s->req = NULL;
}

/* A complete "200 OK" JSON response with Content-Length (malloc'd). */
CK_FN char *json_resp(const char *body) {
    return xfmt("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %lu\r\n"
                "Connection: close\r\n\r\n%s",
                (unsigned long)strlen(body), body);
}

/* The body of the captured request (after the blank line), or "". */
CK_FN const char *cap_body(const struct capsrv *s) {
    const char *p = s->req ? strstr(s->req, "\r\n\r\n") : NULL;
    return p ? p + 4 : "";
}

/* A client whose base URL is the capture server. */
CK_FN fastgpt_client *cap_client(const struct capsrv *s, const char *extra) {
    fastgpt_client *c = NULL;
    char *err = NULL;
    char *opts = xfmt("{\"api_key\":\"" DEV_KEY "\",\"base_url\":\"http://127.0.0.1:%d\",\"max_retries\":0%s%s}",
                      s->port, extra && *extra ? "," : "", extra ? extra : "");
    if (fastgpt_client_new_with_options(opts, &c, &err) != FASTGPT_OK)
        check_failf(__FILE__, __LINE__, "cap client: %s", err ? err : "?");
    fastgpt_string_free(err);
    free(opts);
    return c;
}

/* ---------------------------------------------------------------- stream recorder */

struct rec {
    int n, cap;
    char **ev, **data, **text; /* text[i] == NULL when the callback got NULL */
    int abort_at;              /* return non-zero from the callback with this 1-based index */
    int calls;
    int bad_utf8;
};

CK_FN int utf8_valid(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n;
        unsigned long cp;
        if (*p < 0x80) { p++; continue; }
        if ((*p & 0xE0) == 0xC0) { n = 1; cp = *p & 0x1F; }
        else if ((*p & 0xF0) == 0xE0) { n = 2; cp = *p & 0x0F; }
        else if ((*p & 0xF8) == 0xF0) { n = 3; cp = *p & 0x07; }
        else return 0;
        p++;
        while (n--) {
            if ((*p & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (*p & 0x3F);
            p++;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) return 0;
    }
    return 1;
}

CK_FN void rec_add(struct rec *r, const char *ev, const char *data, const char *text) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->ev = (char **)realloc(r->ev, sizeof(char *) * (size_t)r->cap);
        r->data = (char **)realloc(r->data, sizeof(char *) * (size_t)r->cap);
        r->text = (char **)realloc(r->text, sizeof(char *) * (size_t)r->cap);
    }
    r->ev[r->n] = ev ? xfmt("%s", ev) : NULL;
    r->data[r->n] = data ? xfmt("%s", data) : NULL;
    r->text[r->n] = text ? xfmt("%s", text) : NULL;
    if ((ev && !utf8_valid(ev)) || (data && !utf8_valid(data)) || (text && !utf8_valid(text)))
        r->bad_utf8++;
    r->n++;
}

CK_FN int32_t rec_cb(void *ud, const char *event, const char *data, const char *text) {
    struct rec *r = (struct rec *)ud;
    r->calls++;
    rec_add(r, event, data, text);
    if (r->abort_at > 0 && r->calls == r->abort_at) return 1;
    return 0;
}

CK_FN void rec_free(struct rec *r) {
    int i;
    for (i = 0; i < r->n; i++) {
        free(r->ev[i]);
        free(r->data[i]);
        free(r->text[i]);
    }
    free(r->ev);
    free(r->data);
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* Concatenation of every text of the recording. */
CK_FN char *rec_text(const struct rec *r) {
    size_t len = 0;
    int i;
    char *s;
    for (i = 0; i < r->n; i++)
        if (r->text[i]) len += strlen(r->text[i]);
    s = (char *)malloc(len + 1);
    s[0] = '\0';
    for (i = 0; i < r->n; i++)
        if (r->text[i]) strcat(s, r->text[i]);
    return s;
}

/* Index of the first event named ev at or after from, or -1. */
CK_FN int rec_find(const struct rec *r, const char *ev, int from) {
    int i;
    for (i = from; i < r->n; i++)
        if (r->ev[i] && strcmp(r->ev[i], ev) == 0) return i;
    return -1;
}

CK_FN int rec_count(const struct rec *r, const char *ev) {
    int i, n = 0;
    for (i = 0; i < r->n; i++)
        if (r->ev[i] && strcmp(r->ev[i], ev) == 0) n++;
    return n;
}

/* Appends a JSON string literal of s to a malloc'd buffer. */
CK_FN char *json_quote(const char *s) {
    size_t cap = strlen(s) * 6 + 3, n = 0;
    char *o = (char *)malloc(cap);
    o[n++] = '"';
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            o[n++] = '\\';
            o[n++] = (char)c;
        } else if (c < 0x20) {
            n += (size_t)snprintf(o + n, cap - n, "\\u%04x", c);
        } else {
            o[n++] = (char)c;
        }
    }
    o[n++] = '"';
    o[n] = '\0';
    return o;
}

/* A completion request {"chatId":..,"detail":..,"messages":[{"role":"user","content":q}]}
   (chat_id may be NULL). */
CK_FN char *mk_req(const char *chat_id, int detail, const char *question) {
    char *q = json_quote(question);
    char *r;
    if (chat_id) {
        char *c = json_quote(chat_id);
        r = xfmt("{\"chatId\":%s,\"detail\":%s,\"messages\":[{\"role\":\"user\",\"content\":%s}]}",
                 c, detail ? "true" : "false", q);
        free(c);
    } else {
        r = xfmt("{\"detail\":%s,\"messages\":[{\"role\":\"user\",\"content\":%s}]}",
                 detail ? "true" : "false", q);
    }
    free(q);
    return r;
}

#endif /* FASTGPT_TEST_FGTEST_H */
