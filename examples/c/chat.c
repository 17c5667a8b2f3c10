/*
 * chat.c: stream a FastGPT answer as it arrives, continue the chat by chatId, and answer
 * a userSelect interactive node.
 *
 *   FASTGPT_BASE_URL  server (default http://localhost:3000)
 *   FASTGPT_API_KEY   API key (default: the dev server's key)
 *   FASTGPT_APP_ID    optional appId sent with each completion (needed by newer servers
 *                     for team keys; app keys do not need it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastgpt.h"

static int print_text(void *user_data, const char *event, const char *data, const char *text) {
    (void)data;
    int *events = (int *)user_data;
    (*events)++;
    if (text != NULL && strcmp(event, "answer") == 0) {
        fputs(text, stdout);
        fflush(stdout);
    } else if (strcmp(event, "flowNodeStatus") == 0) {
        /* detail mode: a workflow node started; data is {"status":"running","name":...} */
    }
    return 0; /* non-zero would stop the stream (FASTGPT_E_ABORTED) */
}

/* Appends s to buf as a JSON string literal. */
static void json_string(char *buf, size_t cap, const char *s) {
    size_t n = strlen(buf);
    if (n + 2 >= cap) return;
    buf[n++] = '"';
    for (; *s && n + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') { buf[n++] = '\\'; buf[n++] = (char)c; }
        else if (c < 0x20) { n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c); }
        else buf[n++] = (char)c;
    }
    buf[n++] = '"';
    buf[n] = '\0';
}

/* Sends one user message on chat_id, streaming the answer; returns the status code and
   stores the accumulated result JSON in *out_result. */
static int ask(const fastgpt_client *client, const char *chat_id, const char *app_id,
               const char *question, char **out_result) {
    char request[4096] = "{\"chatId\":";
    json_string(request, sizeof request, chat_id);
    if (app_id != NULL) {
        strcat(request, ",\"appId\":");
        json_string(request, sizeof request, app_id);
    }
    strcat(request, ",\"detail\":true,\"messages\":[{\"role\":\"user\",\"content\":");
    json_string(request, sizeof request, question);
    strcat(request, "}]}");

    printf("\n> %s\n< ", question);
    int events = 0;
    int rc = fastgpt_create_chat_completion_stream(client, request, print_text, &events, NULL,
                                                   out_result);
    printf("\n  [%s, %d events]\n", fastgpt_status_str(rc), events);
    if (rc != FASTGPT_OK) fprintf(stderr, "error: %s\n", *out_result);
    return rc;
}

/* Copies the first "value":"..." found after "userSelectOptions" into out. */
static int first_option(const char *result, char *out, size_t cap) {
    const char *opts = strstr(result, "\"userSelectOptions\"");
    const char *v = opts ? strstr(opts, "\"value\":\"") : NULL;
    if (v == NULL) return 0;
    v += 9;
    size_t n = 0;
    while (v[n] && v[n] != '"' && n + 1 < cap) { out[n] = v[n]; n++; }
    out[n] = '\0';
    return n > 0;
}

int main(void) {
    const char *base_url = getenv("FASTGPT_BASE_URL");
    const char *api_key = getenv("FASTGPT_API_KEY");
    const char *app_id = getenv("FASTGPT_APP_ID");
    if (api_key == NULL) api_key = "fastgpt-dev-key";

    if (fastgpt_version_number() / 1000 != FASTGPT_VERSION_NUMBER / 1000) {
        fprintf(stderr, "libfastgpt %s does not match the header\n", fastgpt_version());
        return 1;
    }

    fastgpt_client *client = NULL;
    char *error = NULL;
    int rc = fastgpt_client_new(api_key, base_url, &client, &error);
    if (rc != FASTGPT_OK) {
        fprintf(stderr, "cannot create client: %s\n", error);
        fastgpt_string_free(error);
        return 1;
    }
    printf("libfastgpt %s -> %s\n", fastgpt_version(), base_url ? base_url : "http://localhost:3000");

    char chat_id[64];
    snprintf(chat_id, sizeof chat_id, "libfastgpt-demo-%ld", (long)time(NULL));

    char *result = NULL;
    int status = 1;
    if (ask(client, chat_id, app_id, "Hello from C! Please introduce yourself.", &result) != FASTGPT_OK)
        goto done;
    printf("  result: %.240s...\n", result);
    fastgpt_string_free(result);
    result = NULL;

    /* Same chatId: the server takes the history from its database. With the bundled dev
       server, "/select" runs a userSelect node; a real app may or may not have one. */
    const char *follow_up = getenv("FASTGPT_DEV_SERVER") ? "/select Which option do you want?"
                                                         : "Thanks! What can you help me with?";
    if (ask(client, chat_id, app_id, follow_up, &result) != FASTGPT_OK) goto done;
    char option[256];
    if (strstr(result, "\"interactive\":null") == NULL && first_option(result, option, sizeof option)) {
        printf("  the workflow asks to choose; answering \"%s\"\n", option);
        fastgpt_string_free(result);
        result = NULL;
        if (ask(client, chat_id, app_id, option, &result) != FASTGPT_OK) goto done;
    } else {
        printf("  (no interactive node in this app's answer)\n");
    }
    status = 0;

done:
    fastgpt_string_free(result);
    fastgpt_client_free(client);
    return status;
}
