/*
 * test_uploads.c: fastgpt_upload_chat_file / fastgpt_upload_chat_bytes (header group "Chat files"):
 * argument validation (no request sent), the presigned POST and PUT shapes of the dev
 * server, the result JSON, content-type detection, size limit and storage errors.
 */
#include "fgtest.h"

static char dummy_byte;
#define DUMMY ((char *)&dummy_byte)

static const unsigned char PNG[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                    0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89};

#define CHECK_INVALID(expr)                                                                \
    do {                                                                                   \
        char *o_ = DUMMY;                                                                  \
        int rc_ = (expr);                                                                  \
        CHECKM(rc_ == FASTGPT_E_INVALID_ARGUMENT, "%s: got %s: %s", #expr,                 \
               fastgpt_status_str(rc_), o_ == DUMMY ? "(untouched)" : o_ ? o_ : "(null)"); \
        CHECKM(o_ != DUMMY && o_ != NULL, "%s: out_json not written", #expr);              \
        if (o_ != DUMMY) {                                                                 \
            CHECK_JSTR(o_, "error.status_name", "FASTGPT_E_INVALID_ARGUMENT");             \
            fastgpt_string_free(o_);                                                       \
        }                                                                                  \
    } while (0)

static void app_of(char app[25]) { uniq_app(app); }

TEST(upload_invalid_arguments_send_nothing) {
    char key[64], app[25];
    fastgpt_client *c;
    uniq(key, sizeof key, "upargs");
    app_of(app);
    c = mk_fault_client(key, NULL, 0, NULL);
    REQUIRE(c != NULL);
    CHECK_INVALID(fastgpt_upload_chat_file(NULL, app, "c", "/etc/hostname", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, NULL, "c", "/etc/hostname", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, NULL, "/etc/hostname", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c", NULL, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, "", "c", "/etc/hostname", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c\x01", "/etc/hostname", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c", "/nonexistent/dir/file.png", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c", "/tmp", NULL, &o_)); /* a directory */
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c", "", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_file(c, app, "c", "/tmp/\xff", NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(NULL, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, NULL, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, NULL, "a.png", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, "c", NULL, NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, "c", "", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, "c", "\xff.png", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, "c", "a.png", "\xff", PNG, sizeof PNG, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, app, "c", "a.png", NULL, NULL, 5, NULL, &o_));
    CHECK_INVALID(fastgpt_upload_chat_bytes(c, "", "c", "a.png", NULL, PNG, sizeof PNG, NULL, &o_));
    CHECK_EQ_INT(fastgpt_upload_chat_bytes(c, app, "c", "", NULL, PNG, sizeof PNG, NULL, NULL),
                 FASTGPT_E_INVALID_ARGUMENT);
    CHECK_EQ_INT(dev_count(key), 0);
    fastgpt_client_free(c);
}

/* The stored upload with this key, from GET /__dev/uploads (malloc'd raw JSON or NULL). */
static char *stored_upload(const char *key) {
    char *all = raw_http("GET", "/__dev/uploads");
    long i, n;
    char *found = NULL;
    if (all == NULL) return NULL;
    n = jlen(all);
    for (i = 0; i < n && found == NULL; i++) {
        char path[32];
        char *k;
        snprintf(path, sizeof path, "%ld.key", i);
        k = jstr(jget(all, path));
        if (k && strcmp(k, key) == 0) {
            snprintf(path, sizeof path, "%ld", i);
            found = jraw(jget(all, path));
        }
        free(k);
    }
    free(all);
    return found;
}

static fastgpt_client *presign_client(const char *shape, const char *more_headers) {
    char *ex = xfmt("\"headers\":{\"X-Dev-Presign\":\"%s\"%s%s}", shape, more_headers ? "," : "",
                    more_headers ? more_headers : "");
    fastgpt_client *c = mk_client(ex);
    free(ex);
    return c;
}

TEST(upload_bytes_post_shape_png_detected) {
    fastgpt_client *c = presign_client("post", NULL);
    char app[25], *out = NULL, *key, *url, *st;
    int rc;
    REQUIRE(c != NULL);
    app_of(app);
    rc = fastgpt_upload_chat_bytes(c, app, "chat-1", "picture.bin", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "name", "picture.bin");
    CHECK_JSTR(out, "type", "image");
    CHECK_JNULL(out, "preview_url");
    key = jstr(jget(out, "key"));
    url = jstr(jget(out, "url"));
    CHECKM(key != NULL && strncmp(key, "chat/", 5) == 0 && strstr(key, app) != NULL, "key %s", out);
    if (key && url) {
        /* revision 3: no preview URL, so url is the file URL route's answer for the key
           (a signed GET of the object), which the model can fetch */
        char *exp = xfmt("%s/__s3/fastgpt-private/%s?", test_url(), key);
        char *got = raw_http("GET", url + strlen(test_url()));
        CHECKM(strncmp(url, exp, strlen(exp)) == 0 && strstr(url, "X-Amz-Signature=") != NULL, "url %s", url);
        CHECKM(got != NULL && memcmp(got, PNG, 8) == 0, "GET %s", url);
        free(got);
        free(exp);
        st = stored_upload(key);
        CHECKM(st != NULL, "upload not stored: %s", key);
        CHECK_JINT(st, "size", (long)sizeof PNG);
        CHECK_JSTR(st, "method", "POST");
        CHECK_JSTR(st, "sentContentType", "image/png");
        CHECK_JSTR(st, "filename", "picture.bin");
        free(st);
    }
    free(key);
    free(url);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(upload_bytes_put_shapes) {
    fastgpt_client *put = presign_client("put", NULL);
    fastgpt_client *bare = presign_client("put-bare", NULL);
    fastgpt_client *postbare = presign_client("post-bare", NULL);
    char app[25], *out = NULL, *url, *prev, *key, *st;
    const char txt[] = "hello, plain text";
    int rc;
    REQUIRE(put != NULL && bare != NULL && postbare != NULL);
    app_of(app);
    rc = fastgpt_upload_chat_bytes(put, app, "chat 2", "notes.txt", "text/plain", txt, strlen(txt), NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "type", "file");
    CHECK_JSTR(out, "name", "notes.txt");
    url = jstr(jget(out, "url"));
    prev = jstr(jget(out, "preview_url"));
    CHECKM(prev != NULL && url != NULL && strcmp(url, prev) == 0, "url must be the preview url: %s", out);
    key = jstr(jget(out, "key"));
    st = key ? stored_upload(key) : NULL;
    CHECK_JSTR(st, "method", "PUT");
    CHECK_JINT(st, "size", (long)strlen(txt));
    free(st);
    free(url);
    free(prev);
    free(key);
    fastgpt_string_free(out);
    out = NULL;
    /* put-bare: no previewUrl -> url is the file URL route's answer (a signed GET) */
    rc = fastgpt_upload_chat_bytes(bare, app, "c3", "img", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JNULL(out, "preview_url");
    CHECK_JSTR(out, "type", "image");
    url = jstr(jget(out, "url"));
    key = jstr(jget(out, "key"));
    CHECKM(url != NULL && key != NULL && strstr(url, "/__s3/fastgpt-private/") != NULL &&
               strstr(url, key) != NULL && strstr(url, "X-Amz-Signature=") != NULL,
           "url %s", out);
    free(url);
    free(key);
    fastgpt_string_free(out);
    out = NULL;
    /* post-bare */
    rc = fastgpt_upload_chat_bytes(postbare, app, "c4", "data.json", "", "{}", 2, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "type", "file");
    fastgpt_string_free(out);
    fastgpt_client_free(put);
    fastgpt_client_free(bare);
    fastgpt_client_free(postbare);
}

TEST(upload_file_name_from_path_and_content_sniffed) {
    fastgpt_client *c = presign_client("post", NULL);
    char path[] = "/tmp/fastgpt-upload-XXXXXX";
    char app[25], *out = NULL, *key, *st;
    int fd = mkstemp(path);
    int rc;
    REQUIRE(c != NULL && fd >= 0);
    CHECK(write(fd, PNG, sizeof PNG) == (ssize_t)sizeof PNG);
    close(fd);
    app_of(app);
    rc = fastgpt_upload_chat_file(c, app, "chat-f", path, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    CHECK_JSTR(out, "name", strrchr(path, '/') + 1);
    CHECK_JSTR(out, "type", "image");
    key = jstr(jget(out, "key"));
    st = key ? stored_upload(key) : NULL;
    CHECK_JSTR(st, "sentContentType", "image/png");
    free(st);
    free(key);
    fastgpt_string_free(out);
    unlink(path);
    fastgpt_client_free(c);
}

TEST(upload_over_server_size_limit_is_invalid_argument) {
    fastgpt_client *c = presign_client("post", "\"X-Dev-Upload-Max\":\"10\"");
    char app[25], *out = NULL;
    int rc;
    REQUIRE(c != NULL);
    app_of(app);
    rc = fastgpt_upload_chat_bytes(c, app, "c", "big.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_INVALID_ARGUMENT, out);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
}

TEST(upload_storage_errors_are_http) {
    fastgpt_client *c = presign_client("post", "\"X-Dev-Fault\":\"storage-error\"");
    fastgpt_client *p = presign_client("put", "\"X-Dev-Fault\":\"storage-error\"");
    fastgpt_client *exp = presign_client("put", "\"X-Dev-Upload-Expired\":\"1\"");
    char app[25], *out = NULL;
    int rc;
    REQUIRE(c != NULL && p != NULL && exp != NULL);
    app_of(app);
    rc = fastgpt_upload_chat_bytes(c, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 500);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "InternalError");
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_upload_chat_bytes(p, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "InternalError");
    fastgpt_string_free(out);
    out = NULL;
    rc = fastgpt_upload_chat_bytes(exp, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_HTTP, out);
    CHECK_JINT(out, "error.http_status", 403);
    CHECK_STR_CONTAINS(jget(out, "error.body"), "expired");
    fastgpt_string_free(out);
    out = NULL;
    /* empty data: allowed by the arguments, refused by storage as too small */
    rc = fastgpt_upload_chat_bytes(c, app, "c", "empty.txt", NULL, NULL, 0, NULL, &out);
    CHECK(rc != FASTGPT_OK && rc != FASTGPT_E_PANIC);
    fastgpt_string_free(out);
    fastgpt_client_free(c);
    fastgpt_client_free(p);
    fastgpt_client_free(exp);
}

TEST(upload_presign_api_error_and_legacy_fallback) {
    char app[25], *out = NULL, *opts;
    fastgpt_client *bad = NULL, *legacy;
    int rc;
    app_of(app);
    opts = xfmt("{\"api_key\":\"wrong-upload-key\",\"base_url\":\"%s\"}", test_url());
    fastgpt_client_new_with_options(opts, &bad, NULL);
    free(opts);
    REQUIRE(bad != NULL);
    rc = fastgpt_upload_chat_bytes(bad, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_E_API, out);
    CHECK_JINT(out, "error.api_code", 514);
    CHECK_STR_NOT_CONTAINS(out, "wrong-upload-key");
    fastgpt_string_free(out);
    out = NULL;
    fastgpt_client_free(bad);
    legacy = mk_client("\"headers\":{\"X-Dev-Paths\":\"legacy\"}");
    rc = fastgpt_upload_chat_bytes(legacy, app, "c", "a.png", NULL, PNG, sizeof PNG, NULL, &out);
    CHECK_RC(rc, FASTGPT_OK, out);
    fastgpt_string_free(out);
    fastgpt_client_free(legacy);
}

static const struct test_case TESTS[] = {
    T(upload_invalid_arguments_send_nothing),
    T(upload_bytes_post_shape_png_detected),
    T(upload_bytes_put_shapes),
    T(upload_file_name_from_path_and_content_sniffed),
    T(upload_over_server_size_limit_is_invalid_argument),
    T(upload_storage_errors_are_http),
    T(upload_presign_api_error_and_legacy_fallback),
};
TEST_MAIN(TESTS)
