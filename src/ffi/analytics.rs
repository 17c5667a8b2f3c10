//! # Suggested questions & app analytics
//!
//! Follow-up questions suggested for a chat, and an app's logs: usage chart data, totals
//! and the list of its chats.

use std::ffi::c_char;

use super::boundary::ffi_call;
use super::cast::{opt_str, opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

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
    ffi_call!(
        out_json,
        try_arc!(client)?.get_suggested_questions(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_str!(question_guide_json)?,
            opt_token!(cancel).as_ref()
        )
    )
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
    ffi_call!(
        out_json,
        try_arc!(client)?.get_app_logs_chart(
            try_str!(app_id)?,
            try_str!(date_start)?,
            try_str!(date_end)?,
            opt_str!(options_json)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Gets an app's log totals (`GET /api/proApi/core/app/logs/getTotalData?appId`,
/// commercial edition, FastGPT >= 4.12.0). The community edition answers FASTGPT_E_API.
///
/// @param client    required.
/// @param app_id    required.
/// @param cancel    optional.
/// @param out_json  optional; the envelope, `data` `{"totalUsers","totalChats",
///                  "totalPoints"}`, or the error JSON.
/// @return FASTGPT_OK or an error code.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_app_logs_total(
    client: *const fastgpt_client,
    app_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.get_app_logs_total(try_str!(app_id)?, opt_token!(cancel).as_ref())
    )
}

/// Lists an app's chat logs between two dates, newest first
/// (`POST /api/core/app/logs/list`; API keys from FastGPT 4.15.2, before which the server
/// answers FASTGPT_E_API unAuthorization).
///
/// @param client        required.
/// @param app_id        required.
/// @param date_start    required; ISO-8601, sent as given.
/// @param date_end      required; ISO-8601, sent as given.
/// @param offset        >= 0.
/// @param page_size     >= 1; always sent.
/// @param options_json  optional; a JSON object whose members are sent as written
///                      (`"sources"`, `"tmbIds"`, `"chatSearch"`, `"feedbackType"`,
///                      `"unreadOnly"`, `"errorFilter"`, ...); members named like the
///                      parameters are replaced by them.
/// @param cancel        optional.
/// @param out_json      optional; the envelope, `data` `{"total","list":[{"chatId","title",
///                      "source","updateTime","messageCount",...}]}`, or the error JSON.
/// @return FASTGPT_OK or an error code.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_app_logs(
    client: *const fastgpt_client,
    app_id: *const c_char,
    date_start: *const c_char,
    date_end: *const c_char,
    offset: i32,
    page_size: i32,
    options_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        let (app_id, start, end) = (
            try_str!(app_id)?,
            try_str!(date_start)?,
            try_str!(date_end)?,
        );
        c.get_app_logs(
            app_id,
            start,
            end,
            offset,
            page_size,
            opt_str!(options_json)?,
            opt_token!(cancel).as_ref(),
        )
    })
}
