//! # Histories
//!
//! The chats of an app: list them, read one chat's initial state, rename or pin one,
//! delete one, or delete all chats created through the API. FastGPT 4.14.5+ adds the
//! generation status and read mark of chats, marking one read, and deleting several.

use std::ffi::c_char;

use super::boundary::ffi_call;
use super::cast::{opt_str, opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

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
    ffi_call!(
        out_json,
        try_arc!(client)?.get_chat_histories(
            try_str!(app_id)?,
            offset,
            page_size,
            opt_str!(source)?,
            opt_token!(cancel).as_ref()
        )
    )
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
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_init(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.get_chat_init(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_token!(cancel).as_ref()
        )
    )
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
    ffi_call!(
        out_json,
        try_arc!(client)?.update_chat_history(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_str!(custom_title)?,
            top,
            opt_token!(cancel).as_ref()
        )
    )
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
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_delete_chat_history(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.delete_chat_history(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Deletes every API-created chat of an app (`DELETE
/// /api/core/chat/history/clearHistories?appId`, legacy `/api/core/chat/clearHistories`).
///
/// @param client    required.
/// @param app_id    required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope as received, or the error JSON.
/// @return FASTGPT_OK or an error code.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_clear_chat_histories(
    client: *const fastgpt_client,
    app_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.clear_chat_histories(try_str!(app_id)?, opt_token!(cancel).as_ref())
    )
}

/// Gets the generation status and read mark of chats
/// (`POST /api/core/chat/history/getHistoryStatus`, FastGPT >= 4.14.11).
///
/// @param client         required.
/// @param app_id         required.
/// @param chat_ids_json  required; a JSON array of 1 to 200 non-empty strings.
/// @param cancel         optional.
/// @param out_json       optional; the envelope, `data` `{"list":[{"chatId","updateTime",
///                       "chatGenerateStatus","hasBeenRead"}]}` (0 generating, 1 done,
///                       2 error; unknown ids are left out), or the error JSON.
/// @return FASTGPT_OK or an error code; FASTGPT_E_HTTP (404) from servers before 4.14.11.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_history_status(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_ids_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.get_history_status(
            try_str!(app_id)?,
            try_str!(chat_ids_json)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Marks a chat read (`POST /api/core/chat/history/markRead`, FastGPT >= 4.14.11). FastGPT
/// also bumps its `updateTime`, which moves it to the top of the history list; an unknown
/// chat is not an error.
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope (`data` null), or the error JSON.
/// @return FASTGPT_OK or an error code; FASTGPT_E_HTTP (404) from servers before 4.14.11.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_mark_chat_read(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.mark_chat_read(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Deletes several chats for good, with their records and files
/// (`POST /api/core/chat/history/batchDelete`, FastGPT >= 4.14.5). FastGPT deletes them
/// whoever created them, when the key may read the app's chat logs.
///
/// @param client         required.
/// @param app_id         required.
/// @param chat_ids_json  required; a JSON array of at least one non-empty string.
/// @param cancel         optional.
/// @param out_json       optional; the envelope (`data` null), or the error JSON.
/// @return FASTGPT_OK or an error code; FASTGPT_E_HTTP (404) from servers before 4.14.5.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_delete_chat_histories(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_ids_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.delete_chat_histories(
            try_str!(app_id)?,
            try_str!(chat_ids_json)?,
            opt_token!(cancel).as_ref()
        )
    )
}
