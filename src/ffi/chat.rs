//! # Chat completions
//!
//! One turn of a chat with a FastGPT app. fastgpt_create_chat_completion waits for the
//! whole answer; fastgpt_create_chat_completion_stream, its streaming twin, hands each
//! server-sent event to a callback as it arrives and returns the accumulated result. For a
//! loop that pulls events instead, see the pull streams below. Retries (both calls): only
//! when nothing was sent (connect failure), on 429, and on a 503 that is not a FastGPT
//! envelope; a stream is never retried once an event reached the caller. A running round
//! can be stopped (fastgpt_stop_chat_completion) and, after a disconnect, resumed
//! (fastgpt_resume_chat_completion_stream; its pull twin is fastgpt_stream_resume_open).

use std::ffi::{c_char, c_void};

use super::boundary::ffi_call;
use super::cast::{opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};
use crate::stream::EventView;

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
///                      "interactive","variables","flow_responses","tool_calls","title",
///                      "chat_id","response_chat_item_id"}` (`title`: that of the last
///                      `chatTitle` event, else null); otherwise the error JSON, whose
///                      `partial` member holds the result accumulated so far.
/// @return FASTGPT_OK once `[DONE]` or a finish_reason was seen and the stream ended;
///         FASTGPT_E_STREAM_INCOMPLETE on EOF or reset before that; FASTGPT_E_API for an
///         error answer or an `event: error` frame; FASTGPT_E_ABORTED when the callback
///         returned non-zero; FASTGPT_E_TIMEOUT (`stream_idle_timeout_ms`, timeout
///         "idle"; `stream_timeout_ms`, timeout "request");
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
            deliver(callback, user_data, ev)
        })
    })
}

/// Stops a running generation of `chat_id` (`POST /api/v2/chat/stop`, FastGPT >= 4.14.5).
/// FastGPT sets a stop flag and waits up to 5 s for the run to end. Runs started through v2
/// completions poll the flag; v1 runs stop only when their client disconnects.
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required; the chat whose round to stop.
/// @param cancel    optional.
/// @param out_json  optional; the envelope, whose `data` is `{"success":true}` and, from
///                  FastGPT 4.15, `"completed"` (no longer generating) and
///                  `"chatGenerateStatus"` (0 generating, 1 done, 2 error); or the error JSON.
/// @return FASTGPT_OK or an error code; FASTGPT_E_HTTP (404) from servers before 4.14.5.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stop_chat_completion(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.stop_chat_completion(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            opt_token!(cancel).as_ref()
        )
    )
}

/// Picks up the stream of `chat_id` after a disconnect (`GET /api/core/chat/resume` with
/// `Accept: text/event-stream`, FastGPT >= 4.14.11). The round must have been started by a
/// v2 streaming completion (`completions_api` "v2") on a client with the `stream_resume`
/// option. Events are delivered as by fastgpt_create_chat_completion_stream, plus
/// "resumePhase" (data "catchup", then "live"), "resumeUnavailable" (`{"reason"}`) and
/// "resumeCompleted" (the chat's final state with its latest records), each an ordinary
/// event. The catch-up replays the round from its start, so the result is the whole
/// round's. A chat that is no longer generating answers with "resumeCompleted" and "done".
///
/// @param client     required.
/// @param app_id     required.
/// @param chat_id    required; the chat of the interrupted round.
/// @param callback   optional; NULL delivers nothing but still accumulates the result.
/// @param user_data  passed to the callback untouched (never dereferenced).
/// @param cancel     optional.
/// @param out_json   optional; on FASTGPT_OK the round's accumulated result (as for
///                   fastgpt_create_chat_completion_stream) with
///                   `"resume":{"phase","completed","unavailable_reason","records"}`
///                   added (`records`: the final records "resumeCompleted" carried, which
///                   FastGPT says to trust over a replay, else null) and
///                   `response_chat_item_id` taken from those records (else null);
///                   otherwise the error JSON, `partial` holding the result so far.
/// @return the codes of fastgpt_create_chat_completion_stream; FASTGPT_E_API for an
///         unknown chat ("Chat not found"); FASTGPT_E_TIMEOUT when a round that has no
///         replay sends nothing for `stream_idle_timeout_ms`; FASTGPT_E_HTTP (404) from
///         servers before 4.14.11.
///
/// Retries: the resume request is a GET, and no event has reached the caller while it
/// opens, so it is also retried on 502, 504 and a transport error after it was written.
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_resume_chat_completion_stream(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    callback: fastgpt_stream_callback,
    user_data: *mut c_void,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        let (app_id, chat_id) = (try_str!(app_id)?, try_str!(chat_id)?);
        c.resume_stream_with(app_id, chat_id, opt_token!(cancel).as_ref(), |ev| {
            deliver(callback, user_data, ev)
        })
    })
}

/// Hands one event to the caller's callback; false when it asked to stop.
fn deliver(callback: fastgpt_stream_callback, user_data: *mut c_void, ev: &EventView) -> bool {
    let Some(cb) = callback else { return true };
    let text = ev.text.map_or(std::ptr::null(), |t| t.as_cstr().as_ptr());
    // SAFETY: `cb` is the caller's callback, called as its documented type: the strings are
    // NUL-terminated and live until it returns, and `user_data` is the caller's own
    // pointer, passed through untouched.
    let rc = unsafe {
        cb(
            user_data,
            ev.name.as_cstr().as_ptr(),
            ev.data.as_cstr().as_ptr(),
            text,
        )
    };
    rc == 0
}
