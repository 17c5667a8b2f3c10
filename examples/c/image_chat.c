/*
 * image_chat.c: upload an image to FastGPT's chat storage, then ask about it in a streamed
 * completion (an image_url message part).
 *
 *   image_chat [IMAGE_FILE]     without a file, a small PNG made here is uploaded
 *
 *   FASTGPT_BASE_URL, FASTGPT_API_KEY, FASTGPT_APP_ID  as for chat.c (uploads need the appId)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastgpt.h"

/* A 1x1 red PNG. */
static const unsigned char tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
    0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8,
    0xcf, 0xc0, 0x00, 0x00, 0x03, 0x01, 0x01, 0x00, 0x18, 0xdd, 0x8d, 0xb0, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static int print_text(void *user_data, const char *event, const char *data, const char *text) {
    (void)user_data; (void)event; (void)data;
    if (text != NULL) { fputs(text, stdout); fflush(stdout); }
    return 0;
}

/* Copies the string value of "key":"..." in json into out (no escapes expected). */
static int find_string(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = strstr(json, pattern);
    if (p == NULL) return 0;
    p += strlen(pattern);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < cap) { out[n] = p[n]; n++; }
    out[n] = '\0';
    return 1;
}

int main(int argc, char **argv) {
    const char *base_url = getenv("FASTGPT_BASE_URL");
    const char *api_key = getenv("FASTGPT_API_KEY");
    const char *app_id = getenv("FASTGPT_APP_ID");
    if (api_key == NULL) api_key = "fastgpt-dev-key";
    if (app_id == NULL) app_id = "65f0000000000000000000aa";

    fastgpt_client *client = NULL;
    char *json = NULL;
    if (fastgpt_client_new(api_key, base_url, &client, &json) != FASTGPT_OK) {
        fprintf(stderr, "cannot create client: %s\n", json);
        fastgpt_string_free(json);
        return 1;
    }
    char chat_id[64];
    snprintf(chat_id, sizeof chat_id, "image-demo-%ld", (long)time(NULL));

    int rc = argc > 1
        ? fastgpt_upload_chat_file(client, app_id, chat_id, argv[1], NULL, &json)
        : fastgpt_upload_chat_bytes(client, app_id, chat_id, "red-dot.png", NULL, tiny_png,
                                    sizeof tiny_png, NULL, &json);
    printf("upload: %s %s\n", fastgpt_status_str(rc), json);
    char url[2048];
    if (rc != FASTGPT_OK || !find_string(json, "url", url, sizeof url)) {
        fastgpt_string_free(json);
        fastgpt_client_free(client);
        return 1;
    }
    fastgpt_string_free(json);

    char request[4096];
    snprintf(request, sizeof request,
             "{\"chatId\":\"%s\",\"appId\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":["
             "{\"type\":\"text\",\"text\":\"What is in this picture?\"},"
             "{\"type\":\"image_url\",\"image_url\":{\"url\":\"%s\"}}]}]}",
             chat_id, app_id, url);
    printf("> What is in this picture?\n< ");
    rc = fastgpt_create_chat_completion_stream(client, request, print_text, NULL, NULL, &json);
    printf("\n[%s]\n", fastgpt_status_str(rc));
    if (rc != FASTGPT_OK) fprintf(stderr, "%s\n", json);
    fastgpt_string_free(json);
    fastgpt_client_free(client);
    return rc == FASTGPT_OK ? 0 : 1;
}
