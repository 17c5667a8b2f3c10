//! Endpoint calls (contract §5). Each validates its arguments, takes its own reference to
//! the client, and runs the safe implementation in [`crate::client::Client`].
//!
//! Common rules for every function in this file:
//! - `client` is required; `cancel` is optional (NULL = not cancellable);
//! - `out_json` is optional; when not NULL it always receives an owned string: the response
//!   JSON on FASTGPT_OK, the error JSON otherwise (free it with fastgpt_string_free);
//! - the call blocks the calling thread until it has a result, an error, a timeout or a
//!   cancellation; it may run on any thread and concurrently with other calls on the same
//!   client.

use std::ffi::c_char;

use super::{client_arg, json_call, opt_str_arg, str_arg, token_arg, fastgpt_cancel_token, fastgpt_client};

/// Sends a non-streaming chat completion (`POST /api/v1/chat/completions`, or v2 with
/// `completions_api`).
///
/// @param client        required.
/// @param request_json  required; the FastGPT request object (`messages`, `chatId`,
///                      `detail`, `variables`, `responseChatItemId`, `appId`, ...). Members
///                      are sent as written, except that `stream` is set to false and a
///                      random 24-character `responseChatItemId` is added when there is no
///                      string one. `chatId` is never added.
/// @param cancel        optional.
/// @param out_json      optional; the server's completion JSON as received, or the error JSON.
/// @return FASTGPT_OK (a JSON object with a `choices` array, even when it also carries a
///         node `error`), FASTGPT_E_INVALID_ARGUMENT, FASTGPT_E_TRANSPORT, FASTGPT_E_TIMEOUT
///         (`completion_timeout_ms`), FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL,
///         FASTGPT_E_CANCELLED, FASTGPT_E_PANIC.
///
/// Retries: only when nothing was sent (connect failure), on 429, and on a 503 that is not
/// a FastGPT envelope.
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_create_chat_completion(
    client: *const fastgpt_client,
    request_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract (NULL or valid for the call).
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            let req = str_arg(request_json, "request_json")?;
            c.create_chat_completion(req, token_arg(cancel).as_ref())
        })
    }
}

/// Lists chat histories of an app (`POST /api/core/chat/history/getHistories`, legacy
/// `/api/core/chat/getHistories`).
///
/// @param client     required.
/// @param app_id     required; non-empty, no control characters.
/// @param offset     >= 0.
/// @param page_size  >= 1; always sent.
/// @param source     optional; NULL sends "api" (the reference SDK's default); "" leaves the
///                   field out (chats of every source the key may see).
/// @param cancel     optional.
/// @param out_json   optional; the envelope `{"code":200,...,"data":{"list":[...],"total":N}}`
///                   as received, or the error JSON.
/// @return FASTGPT_OK or an error code (see fastgpt_status_str).
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_histories(
    client: *const fastgpt_client,
    app_id: *const c_char,
    offset: i32,
    page_size: i32,
    source: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            let app_id = str_arg(app_id, "app_id")?;
            let source = opt_str_arg(source, "source")?;
            c.get_chat_histories(app_id, offset, page_size, source, token_arg(cancel).as_ref())
        })
    }
}

/// Gets a chat's initial state: title, variables and app configuration
/// (`GET /api/core/chat/init?appId&chatId`). An unknown chat is not an error.
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_init(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.get_chat_init(str_arg(app_id, "app_id")?, str_arg(chat_id, "chat_id")?, token_arg(cancel).as_ref())
        })
    }
}

/// Lists the records (messages) of a chat, each page in chronological order, `offset` 0
/// being the most recent page (`POST /api/core/chat/record/getPaginationRecords`, legacy
/// `/api/core/chat/getPaginationRecords`).
///
/// @param client                 required.
/// @param app_id                 required.
/// @param chat_id                required.
/// @param offset                 >= 0.
/// @param page_size              >= 1.
/// @param load_custom_feedbacks  non-zero sends `loadCustomFeedbacks: true`; 0 leaves it out.
/// @param cancel                 optional.
/// @param out_json               optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_records(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    offset: i32,
    page_size: i32,
    load_custom_feedbacks: i32,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.get_chat_records(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                offset,
                page_size,
                load_custom_feedbacks != 0,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Gets the workflow node responses of one AI record (`GET
/// /api/core/chat/record/getResData`, legacy `/api/core/chat/getResData`).
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required.
/// @param data_id   required; the AI item's `dataId` (the `responseChatItemId` of its turn).
/// @param cancel    optional.
/// @param out_json  optional; the envelope as received (`data` is an array), or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_record_detail(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    data_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.get_record_detail(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                str_arg(data_id, "data_id")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Renames and/or pins a chat (`PUT /api/core/chat/history/updateHistory`, legacy
/// `/api/core/chat/updateHistory`). The server also bumps the chat's `updateTime`.
///
/// @param client        required.
/// @param app_id        required.
/// @param chat_id       required.
/// @param custom_title  optional; NULL leaves the title; "" clears the custom title.
/// @param top           -1 leaves the pin, 0 unpins, 1 pins (sent as JSON false/true).
///                      Any other value, or NULL together with -1, gives
///                      FASTGPT_E_INVALID_ARGUMENT.
/// @param cancel        optional.
/// @param out_json      optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_update_chat_history(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    custom_title: *const c_char,
    top: i32,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.update_chat_history(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                opt_str_arg(custom_title, "custom_title")?,
                top,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Deletes a chat (`DELETE /api/core/chat/history/delHistory?appId&chatId`, legacy
/// `/api/core/chat/delHistory`).
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_delete_chat_history(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.delete_chat_history(str_arg(app_id, "app_id")?, str_arg(chat_id, "chat_id")?, token_arg(cancel).as_ref())
        })
    }
}

/// Deletes every API-created chat of an app (`DELETE
/// /api/core/chat/history/clearHistories?appId`, legacy `/api/core/chat/clearHistories`).
///
/// @param client    required.
/// @param app_id    required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_clear_chat_histories(
    client: *const fastgpt_client,
    app_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.clear_chat_histories(str_arg(app_id, "app_id")?, token_arg(cancel).as_ref())
        })
    }
}

/// Deletes one record of a chat (`DELETE
/// /api/core/chat/record/delete?appId&chatId&contentId`, legacy `/api/core/chat/item/delete`).
///
/// @param client      required.
/// @param app_id      required.
/// @param chat_id     required.
/// @param content_id  required; the record's `dataId`.
/// @param cancel      optional.
/// @param out_json    optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_delete_chat_record(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    content_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.delete_chat_record(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                str_arg(content_id, "content_id")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Sets the user feedback of an AI record (`POST
/// /api/core/chat/feedback/updateUserFeedback`). The server sets each feedback that is
/// given and removes each one that is not: a NULL argument removes that feedback, and
/// both NULL removes both.
///
/// @param client              required.
/// @param app_id              required.
/// @param chat_id             required.
/// @param data_id             required; the AI record's `dataId`.
/// @param user_good_feedback  optional.
/// @param user_bad_feedback   optional.
/// @param cancel              optional.
/// @param out_json            optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_send_feedback(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    data_id: *const c_char,
    user_good_feedback: *const c_char,
    user_bad_feedback: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.send_feedback(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                str_arg(data_id, "data_id")?,
                opt_str_arg(user_good_feedback, "user_good_feedback")?,
                opt_str_arg(user_bad_feedback, "user_bad_feedback")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Asks for suggested follow-up questions (`POST /api/core/ai/agent/v2/createQuestionGuide`).
///
/// @param client               required.
/// @param app_id               required.
/// @param chat_id              required.
/// @param question_guide_json  optional; a JSON object sent as `questionGuide`
///                             (`{"open":true,"model":...,"customPrompt":...}`); NULL uses
///                             the app's published configuration.
/// @param cancel               optional.
/// @param out_json             optional; the envelope as received (`data` is normally an
///                             array of strings; it is not checked), or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_suggested_questions(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    question_guide_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.get_suggested_questions(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                opt_str_arg(question_guide_json, "question_guide_json")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Gets an app's usage chart data (`POST /api/proApi/core/app/logs/getChartData`,
/// commercial edition; the reference SDK's AppClient.get_app_logs_chart).
///
/// @param client        required.
/// @param app_id        required.
/// @param date_start    required; sent as given (ISO-8601 expected by the server).
/// @param date_end      required; sent as given.
/// @param options_json  optional; a JSON object merged over `{"offset":1,"source":["api"],
///                      "userTimespan":"day","chatTimespan":"day","appTimespan":"day"}`;
///                      its `appId`, `dateStart` and `dateEnd` members are replaced by the
///                      parameters.
/// @param cancel        optional.
/// @param out_json      optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
///
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_app_logs_chart(
    client: *const fastgpt_client,
    app_id: *const c_char,
    date_start: *const c_char,
    date_end: *const c_char,
    options_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.get_app_logs_chart(
                str_arg(app_id, "app_id")?,
                str_arg(date_start, "date_start")?,
                str_arg(date_end, "date_end")?,
                opt_str_arg(options_json, "options_json")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Calls any other FastGPT endpoint.
///
/// @param client      required.
/// @param method      required; exactly "GET", "POST", "PUT" or "DELETE".
/// @param path        required; starts with exactly one '/', e.g. "/api/core/dataset/list";
///                    no '?', '#', '\\', space, control character, "." or ".." segment.
///                    Non-ASCII bytes are percent-encoded, existing %XX escapes kept. It is
///                    appended to the base URL, so it cannot change scheme, host or port.
/// @param query_json  optional; a JSON object of scalars sent as the query string (strings
///                    as is, numbers as their JSON text, true/false as "true"/"false",
///                    null left out; arrays and objects are refused).
/// @param body_json   optional; any JSON, sent as is with `Content-Type: application/json`.
/// @param cancel      optional.
/// @param out_json    optional; the response body as received (any JSON), or the error JSON.
/// @return FASTGPT_OK or an error code. An error envelope is FASTGPT_E_API.
///
/// Retries: as the endpoint calls for GET, PUT and DELETE; as completions for POST.
/// Errors: FASTGPT_E_INVALID_ARGUMENT (bad input; nothing is sent), FASTGPT_E_TRANSPORT,
/// FASTGPT_E_TIMEOUT, FASTGPT_E_HTTP, FASTGPT_E_API, FASTGPT_E_PROTOCOL, FASTGPT_E_CANCELLED,
/// FASTGPT_E_PANIC; the error JSON written to out_json says why.
/// Ownership: every string argument is borrowed for the call; *out_json is the caller's,
/// freed with fastgpt_string_free.
/// Threading: blocks the calling thread until a result, an error, a timeout or a
/// cancellation; any thread; many calls may run on one client at once.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_request(
    client: *const fastgpt_client,
    method: *const c_char,
    path: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.request(
                str_arg(method, "method")?,
                str_arg(path, "path")?,
                opt_str_arg(query_json, "query_json")?,
                opt_str_arg(body_json, "body_json")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}
