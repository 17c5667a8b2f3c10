/*
 * history.c: list, rename, pin and delete chat histories and records, send feedback, and
 * ask for suggested questions.
 *
 *   FASTGPT_BASE_URL, FASTGPT_API_KEY  as for chat.c
 *   FASTGPT_APP_ID                      the app whose chats to manage (the dev server accepts
 *                                       any 24-hex id; a default is used against it)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fastgpt.h"

/* Prints what a call returned and frees it; returns the status code. */
static int show(const char *what, int rc, char *json) {
    printf("%-28s %-22s %.300s%s\n", what, fastgpt_status_str(rc), json ? json : "(null)",
           json && strlen(json) > 300 ? "..." : "");
    fastgpt_string_free(json);
    return rc;
}

/* Copies the string value of the first "key":"..." in json into out. */
static int find_string(const char *json, const char *key, char *out, size_t cap) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *p = json ? strstr(json, pattern) : NULL;
    if (p == NULL) return 0;
    p += strlen(pattern);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < cap) { out[n] = p[n]; n++; }
    out[n] = '\0';
    return 1;
}

int main(void) {
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

    /* A chat to work on: one completion with a chatId creates it. */
    char chat_id[64], request[512];
    snprintf(chat_id, sizeof chat_id, "history-demo-%ld", (long)time(NULL));
    snprintf(request, sizeof request,
             "{\"chatId\":\"%s\",\"appId\":\"%s\",\"responseChatItemId\":\"%s-ai\","
             "\"messages\":[{\"role\":\"user\",\"content\":\"What is FastGPT?\"}]}",
             chat_id, app_id, chat_id);
    int failed = 0;
    int rc = fastgpt_create_chat_completion(client, request, NULL, &json);
    failed |= show("create_chat_completion", rc, json);

    rc = fastgpt_get_chat_histories(client, app_id, 0, 20, NULL, NULL, &json);
    failed |= show("get_chat_histories", rc, json);
    rc = fastgpt_get_chat_init(client, app_id, chat_id, NULL, &json);
    failed |= show("get_chat_init", rc, json);
    rc = fastgpt_update_chat_history(client, app_id, chat_id, "Renamed from C", -1, NULL, &json);
    failed |= show("update_chat_history(title)", rc, json);
    rc = fastgpt_update_chat_history(client, app_id, chat_id, NULL, 1, NULL, &json);
    failed |= show("update_chat_history(pin)", rc, json);

    /* Records: the AI item's dataId is the responseChatItemId we sent. */
    char ai_id[128];
    snprintf(ai_id, sizeof ai_id, "%s-ai", chat_id);
    rc = fastgpt_get_chat_records(client, app_id, chat_id, 0, 10, 1, NULL, &json);
    char human_id[128] = "";
    if (rc == FASTGPT_OK) find_string(json, "dataId", human_id, sizeof human_id);
    failed |= show("get_chat_records", rc, json);
    rc = fastgpt_get_record_detail(client, app_id, chat_id, ai_id, NULL, &json);
    failed |= show("get_record_detail", rc, json);
    rc = fastgpt_send_feedback(client, app_id, chat_id, ai_id, "Helpful", NULL, NULL, &json);
    failed |= show("send_feedback(good)", rc, json);
    rc = fastgpt_get_suggested_questions(client, app_id, chat_id, NULL, NULL, &json);
    failed |= show("get_suggested_questions", rc, json);
    if (human_id[0] != '\0')
    {
        rc = fastgpt_delete_chat_record(client, app_id, chat_id, human_id, NULL, &json);
        failed |= show("delete_chat_record", rc, json);
    }
    rc = fastgpt_delete_chat_history(client, app_id, chat_id, NULL, &json);
    failed |= show("delete_chat_history", rc, json);
    rc = fastgpt_get_chat_histories(client, app_id, 0, 20, NULL, NULL, &json);
    failed |= show("get_chat_histories", rc, json);

    fastgpt_client_free(client);
    return failed ? 1 : 0;
}
