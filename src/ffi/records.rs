//! # Records & feedback
//!
//! The records (messages) of one chat: list them page by page (or, FastGPT 4.14.4+, by
//! cursor), read the workflow details of
//! one AI record, delete one, and set the user's feedback on one. A record is named by its
//! `dataId` (for an AI record, the `responseChatItemId` of its turn).

use std::ffi::c_char;

use super::boundary::ffi_call;
use super::cast::{opt_str, opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

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
    ffi_call!(
        out_json,
        try_arc!(client)?.get_chat_records(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            offset,
            page_size,
            load_custom_feedbacks != 0,
            opt_token!(cancel).as_ref()
        )
    )
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
    ffi_call!(
        out_json,
        try_arc!(client)?.get_record_detail(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            try_str!(data_id)?,
            opt_token!(cancel).as_ref()
        )
    )
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
    ffi_call!(
        out_json,
        try_arc!(client)?.delete_chat_record(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            try_str!(content_id)?,
            opt_token!(cancel).as_ref()
        )
    )
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
    ffi_call!(
        out_json,
        try_arc!(client)?.send_feedback(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            try_str!(data_id)?,
            opt_str!(user_good_feedback)?,
            opt_str!(user_bad_feedback)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Gets a page of a chat's records by cursor (`POST /api/core/chat/record/getRecords_v2`,
/// legacy `/api/core/chat/getRecords_v2`; FastGPT >= 4.14.4). Without a cursor: the newest
/// `page_size` records. Lists are chronological; each item's `id` is its `dataId`.
///
/// @param client        required.
/// @param app_id        required.
/// @param chat_id       required.
/// @param page_size     >= 1; always sent.
/// @param options_json  optional; a JSON object whose members are sent as written: one
///                      cursor `"prevId"` (older records), `"nextId"` (newer) or
///                      `"initialId"` (a window around it), all dataIds, and
///                      `"loadCustomFeedbacks"`, `"includeDeleted"`, `"type"`. `appId`,
///                      `chatId` and `pageSize` members are replaced by the parameters.
/// @param cancel        optional.
/// @param out_json      optional; the envelope, `data` `{"list","total","hasMorePrev",
///                      "hasMoreNext"}`, or the error JSON.
/// @return FASTGPT_OK or an error code (an unknown cursor is FASTGPT_E_API, "Prev item not
///         found" and the like).
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_records_v2(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    page_size: i32,
    options_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.get_chat_records_v2(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            page_size,
            opt_str!(options_json)?,
            opt_token!(cancel).as_ref()
        )
    )
}
