//! Streaming completions (contract §6): the callback form and the pull form (§6.1), both
//! over one [`StreamSession`].

use std::ffi::{c_char, c_void};
use std::sync::Arc;

use super::{boundary, clear_out, client_arg, json_call, str_arg, token_arg, write_out_string, fastgpt_cancel_token, fastgpt_client};
use crate::client::Client;
use crate::error::Error;
use crate::status::*;
use crate::stream::StreamSession;

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
    unsafe extern "C" fn(user_data: *mut c_void, event: *const c_char, data: *const c_char, text: *const c_char) -> i32,
>;

/// An open streaming completion read with fastgpt_stream_next. Used by one thread at a time.
pub struct fastgpt_stream {
    _private: [u8; 0],
}

/// What a `fastgpt_stream *` points to.
struct PullStream {
    session: StreamSession,
    /// The stream holds a reference to its client until fastgpt_stream_free (§4.1).
    _client: Arc<Client>,
    /// Set after a caught panic: the stream is then unusable.
    poisoned: Option<Error>,
}

/// Sends a streaming completion (`"stream": true`) and hands each SSE event to `callback`
/// as it arrives.
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
///
/// Threading: the callback runs on the calling thread only, never after this returns.
/// Errors: see @return; the error JSON's `partial` holds the result accumulated so far.
/// Ownership: string arguments are borrowed for the call; the callback's strings only for
/// the callback; *out_json is the caller's, freed with fastgpt_string_free.
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
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            let req = str_arg(request_json, "request_json")?;
            c.stream_with(req, token_arg(cancel).as_ref(), |ev| match callback {
                None => true,
                Some(cb) => {
                    let text = ev.text.map_or(std::ptr::null(), |t| t.as_cstr().as_ptr());
                    // SAFETY: the callback gets NUL-terminated strings that live until it
                    // returns; user_data is passed through untouched.
                    let rc = cb(user_data, ev.name.as_cstr().as_ptr(), ev.data.as_cstr().as_ptr(), text);
                    rc == 0
                }
            })
        })
    }
}

/// Opens a streaming completion for reading with fastgpt_stream_next. Sends the request,
/// performs any retries, and returns once the response head has arrived and been
/// classified: errors answered as JSON or as a non-2xx response are returned here.
///
/// @param client        required.
/// @param request_json  required; as for fastgpt_create_chat_completion_stream. Not used
///                      after this returns.
/// @param cancel        optional; the stream keeps a reference to it.
/// @param out_stream    required; receives the stream, NULL on failure.
/// @param out_error     optional; NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK or the error codes of fastgpt_create_chat_completion_stream
///         (never FASTGPT_E_ABORTED).
///
/// Ownership: free the stream with fastgpt_stream_free (it holds a reference to the client,
/// which may be freed first).
/// Errors: see @return; the error JSON in *out_error says why.
/// Threading: blocks the calling thread until the response head is classified; any thread.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_open(
    client: *const fastgpt_client,
    request_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_stream: *mut *mut fastgpt_stream,
    out_error: *mut *mut c_char,
) -> i32 {
    // SAFETY: out-pointers are NULL or writable (contract §3).
    unsafe {
        clear_out(out_stream);
        clear_out(out_error);
    }
    let r = boundary(|| {
        if out_stream.is_null() {
            return Err(Error::invalid("out_stream must not be NULL"));
        }
        // SAFETY: pointer arguments follow the contract.
        let c = unsafe { client_arg(client) }?;
        let req = unsafe { str_arg(request_json, "request_json") }?;
        let session = c.open_stream(req, unsafe { token_arg(cancel) }.as_ref())?;
        Ok(Box::into_raw(Box::new(PullStream { session, _client: c, poisoned: None })))
    });
    match r {
        Ok(s) => {
            // SAFETY: checked non-NULL above.
            unsafe { out_stream.write(s as *mut fastgpt_stream) };
            FASTGPT_OK
        }
        Err(e) => {
            // SAFETY: NULL or writable.
            unsafe { write_out_string(out_error, e.to_json()) };
            e.status
        }
    }
}

/// Reads the next event of an open stream, blocking until it has arrived.
///
/// @param stream     required.
/// @param out_event  required; receives the event name, or NULL when the stream finished
///                   cleanly.
/// @param out_data   optional; receives the event's data.
/// @param out_text   optional; receives the text of "answer"/"fastAnswer" events, else NULL.
/// @param out_error  optional; NULL on FASTGPT_OK, the error JSON otherwise.
/// @return FASTGPT_OK with an event, FASTGPT_OK with NULL (finished), or the codes of the
///         callback form (an `event: error` frame is first returned as an event; the next
///         call returns FASTGPT_E_API). The end is sticky: later calls return the same code
///         (with a fresh error JSON) and do no I/O.
///
/// Lifetime: the strings stay valid until the next fastgpt_stream_next or
/// fastgpt_stream_free on this stream; fastgpt_stream_result does not invalidate them.
/// Threading: one thread at a time per stream; never concurrently with
/// fastgpt_stream_free. To stop a blocked call from another thread, cancel the token.
/// Errors: see @return; the error JSON in *out_error says why.
/// Ownership: the event strings belong to the stream (see Lifetime); *out_error is the
/// caller's, freed with fastgpt_string_free.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_next(
    stream: *mut fastgpt_stream,
    out_event: *mut *const c_char,
    out_data: *mut *const c_char,
    out_text: *mut *const c_char,
    out_error: *mut *mut c_char,
) -> i32 {
    // SAFETY: out-pointers are NULL or writable (contract §3).
    unsafe {
        clear_out(out_event as *mut *mut c_char);
        clear_out(out_data as *mut *mut c_char);
        clear_out(out_text as *mut *mut c_char);
        clear_out(out_error);
    }
    let r = boundary(|| {
        if out_event.is_null() {
            return Err(Error::invalid("out_event must not be NULL"));
        }
        // SAFETY: NULL or a live stream used by this thread only (contract §6.1).
        let Some(s) = (unsafe { (stream as *mut PullStream).as_mut() }) else {
            return Err(Error::invalid("stream must not be NULL"));
        };
        if let Some(e) = &s.poisoned {
            return Err(e.clone());
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.session.next_event().map(|ev| {
                ev.map(|ev| (ev.name.as_cstr().as_ptr(), ev.data.as_cstr().as_ptr(), ev.text.map_or(std::ptr::null(), |t| t.as_cstr().as_ptr())))
            })
        }));
        match outcome {
            Ok(r) => r,
            Err(p) => {
                let e = Error::panic(super::panic_message(&*p));
                s.poisoned = Some(e.clone());
                Err(e)
            }
        }
    });
    match r {
        Ok(Some((event, data, text))) => {
            // SAFETY: checked or NULL-tested writable out-pointers; the strings live in the
            // stream until its next call.
            unsafe {
                out_event.write(event);
                if !out_data.is_null() {
                    out_data.write(data);
                }
                if !out_text.is_null() {
                    out_text.write(text);
                }
            }
            FASTGPT_OK
        }
        Ok(None) => FASTGPT_OK,
        Err(e) => {
            // SAFETY: NULL or writable.
            unsafe { write_out_string(out_error, e.to_json()) };
            e.status
        }
    }
}

/// The result accumulated so far, in the shape of the callback form's result.
///
/// @param stream    required.
/// @param out_json  optional; the result JSON, or the error JSON.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT or FASTGPT_E_PANIC.
///
/// Threading: the one-thread rule of fastgpt_stream_next. Does not invalidate the strings
/// returned by fastgpt_stream_next.
/// Errors: FASTGPT_E_INVALID_ARGUMENT (NULL stream), FASTGPT_E_PANIC.
/// Ownership: *out_json is the caller's, freed with fastgpt_string_free.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_result(stream: *mut fastgpt_stream, out_json: *mut *mut c_char) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let Some(s) = (stream as *const PullStream).as_ref() else {
                return Err(Error::invalid("stream must not be NULL"));
            };
            Ok(s.session.result_json())
        })
    }
}

/// Closes a stream (dropping its connection) and releases its references to the client
/// and the token.
///
/// @param stream  optional; NULL does nothing.
///
/// Threading: any thread, but never while fastgpt_stream_next runs on the same stream
/// (cancel the token and wait for that call to return first). Never blocks.
/// Errors: none.
/// Ownership: the stream must not be used afterwards; freeing it twice is undefined behaviour.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_free(stream: *mut fastgpt_stream) {
    let _ = boundary(|| {
        if !stream.is_null() {
            // SAFETY: `stream` came from Box::into_raw in fastgpt_stream_open.
            drop(unsafe { Box::from_raw(stream as *mut PullStream) });
        }
        Ok(())
    });
}
