//! # Chat completions
//!
//! One turn of a chat with a FastGPT app. fastgpt_create_chat_completion waits for the
//! whole answer; fastgpt_create_chat_completion_stream, its streaming twin, hands each
//! server-sent event to a callback as it arrives and returns the accumulated result. For a
//! loop that pulls events instead, see the pull streams below. Retries (both calls): only
//! when nothing was sent (connect failure), on 429, and on a 503 that is not a FastGPT
//! envelope; a stream is never retried once an event reached the caller.

use std::ffi::{c_char, c_void};

use super::boundary::ffi_call;
use super::cast::{opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

/// Receives each SSE event of a streaming completion, on the calling thread, in order, as
/// soon as its bytes have arrived.
///
/// - `event`: the SSE event name ("answer" when the event had no `event:` line; "done" for
///   the `[DONE]` payload, whatever its event name).
/// - `data`: the event's data (multi-line data joined with '\n'); "[DONE]" for "done".
/// - `text`: for "answer"/"fastAnswer" events, `choices[0].delta.content` when it is a
///   string, otherwise "" (heartbeat, stop chunk, reasoning-only chunk); NULL for every
///   other event.
///
/// All three are valid UTF-8, borrowed for the duration of the callback only.
/// Return 0 to continue; any other value stops the transfer at once and the call returns
/// FASTGPT_E_ABORTED (the return value after an "error" event is ignored). The callback
/// must return normally: no C++ exception, longjmp, C# exception or Go panic may escape it.
/// It may call any fastgpt_ function, including fastgpt_client_free on the running call's
/// client and fastgpt_cancel_token_cancel.
pub type fastgpt_stream_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        event: *const c_char,
        data: *const c_char,
        text: *const c_char,
    ) -> i32,
>;

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
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_create_chat_completion(
    client: *const fastgpt_client,
    request_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        c.create_chat_completion(try_str!(request_json)?, opt_token!(cancel).as_ref())
    })
}

/// Sends a streaming completion (`"stream": true`) and hands each SSE event to `callback`
/// as it arrives, on the calling thread only and never after this returns.
///
/// @param client        required.
/// @param request_json  required; as for fastgpt_create_chat_completion (`stream` is set
///                      to true; a `responseChatItemId` is added when there is no string one).
/// @param callback      optional; NULL delivers nothing but still accumulates the result.
/// @param user_data     passed to the callback untouched (never dereferenced).
/// @param cancel        optional.
/// @param out_json      optional; on FASTGPT_OK the accumulated result
///                      `{"answer","reasoning","finish_reason","done","event_count",
///                      "interactive","variables","flow_responses","tool_calls","chat_id",
///                      "response_chat_item_id"}`; otherwise the error JSON, whose
///                      `partial` member holds the result accumulated so far.
/// @return FASTGPT_OK once `[DONE]` or a finish_reason was seen and the stream ended;
///         FASTGPT_E_STREAM_INCOMPLETE on EOF or reset before that; FASTGPT_E_API for an
///         error answer or an `event: error` frame; FASTGPT_E_ABORTED when the callback
///         returned non-zero; FASTGPT_E_TIMEOUT (`stream_idle_timeout_ms`);
///         FASTGPT_E_PROTOCOL for a malformed event; FASTGPT_E_CANCELLED; and the other
///         codes of fastgpt_create_chat_completion.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_create_chat_completion_stream(
    client: *const fastgpt_client,
    request_json: *const c_char,
    callback: fastgpt_stream_callback,
    user_data: *mut c_void,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        c.stream_with(try_str!(request_json)?, opt_token!(cancel).as_ref(), |ev| {
            let Some(cb) = callback else { return true };
            let text = ev.text.map_or(std::ptr::null(), |t| t.as_cstr().as_ptr());
            // SAFETY: `cb` is the caller's callback, called as its documented type: the
            // strings are NUL-terminated and live until it returns, and `user_data` is the
            // caller's own pointer, passed through untouched.
            let rc = unsafe {
                cb(
                    user_data,
                    ev.name.as_cstr().as_ptr(),
                    ev.data.as_cstr().as_ptr(),
                    text,
                )
            };
            rc == 0
        })
    })
}
