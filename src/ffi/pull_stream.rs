//! # Pull streams
//!
//! The streaming completion read in a loop instead of through a callback:
//! fastgpt_stream_open sends the request and returns once the response head is classified,
//! fastgpt_stream_next returns one event per call, fastgpt_stream_result the result so far,
//! and fastgpt_stream_free closes the stream. A stream is used by one thread at a time; to
//! stop a blocked fastgpt_stream_next from another thread, cancel its token. A stream holds
//! references to its client and token, which may be freed first. fastgpt_stream_resume_open
//! opens the resume of an interrupted round the same way.

use std::ffi::c_char;
use std::sync::Arc;

use super::boundary::{self, ffi_call};
use super::cast::{
    self, opt_token, to_box_ptr, try_arc, try_mut, try_ref, try_str, Castable, OwnershipBox,
};
use super::out::out;
use super::{fastgpt_cancel_token, fastgpt_client};
use crate::api::ResumeStream;
use crate::stream::{EventView, StreamSession};
use crate::{Client, Error};

/// An open streaming completion read with fastgpt_stream_next. Used by one thread at a time.
pub struct fastgpt_stream {
    _private: [u8; 0],
}

impl Castable for fastgpt_stream {
    type RustType = PullStream;
    type Ownership = OwnershipBox;
}

/// What a `fastgpt_stream *` points to.
pub(crate) struct PullStream {
    session: Source,
    /// The stream holds a reference to its client until fastgpt_stream_free.
    _client: Arc<Client>,
    /// Set after a caught panic: the stream is then unusable.
    poisoned: Option<Error>,
}

/// What a pull stream reads: a completion, or the resume of one.
enum Source {
    Chat(StreamSession),
    Resume(ResumeStream),
}

impl Source {
    fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error> {
        match self {
            Source::Chat(s) => s.next_event(),
            Source::Resume(s) => s.next_event(),
        }
    }

    fn result_json(&self) -> String {
        match self {
            Source::Chat(s) => s.result_json(),
            Source::Resume(s) => s.result_json(),
        }
    }
}

/// The next event's name, data and text (NULL when it has none), owned by the session.
type EventPtrs = (*const c_char, *const c_char, *const c_char);

impl PullStream {
    /// The next event, `None` at the clean end. A panic poisons the stream: it and every
    /// later call return the panic's error.
    fn next(&mut self) -> Result<Option<EventPtrs>, Error> {
        if let Some(e) = &self.poisoned {
            return Err(e.clone());
        }
        let session = &mut self.session;
        let next = boundary::catch(|| {
            session.next_event().map(|ev| {
                ev.map(|ev| {
                    let text = ev.text.map_or(std::ptr::null(), |t| t.as_cstr().as_ptr());
                    (ev.name.as_cstr().as_ptr(), ev.data.as_cstr().as_ptr(), text)
                })
            })
        });
        next.unwrap_or_else(|e| {
            self.poisoned = Some(e.clone());
            Err(e)
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
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_open(
    client: *const fastgpt_client,
    request_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_stream: *mut *mut fastgpt_stream,
    out_error: *mut *mut c_char,
) -> i32 {
    let out_stream = out!(out_stream);
    ffi_call!(out_error, {
        out_stream.required()?;
        let c = try_arc!(client)?;
        let session = c.open_stream(try_str!(request_json)?, opt_token!(cancel).as_ref())?;
        out_stream.set(to_box_ptr(PullStream {
            session: Source::Chat(session),
            _client: c,
            poisoned: None,
        }));
        Ok(())
    })
}

/// Opens the resume of `chat_id`'s stream (as fastgpt_resume_chat_completion_stream) for
/// reading with fastgpt_stream_next; fastgpt_stream_result then carries `"resume"` too.
///
/// @param client      required.
/// @param app_id      required.
/// @param chat_id     required; the chat of the interrupted round.
/// @param cancel      optional; the stream keeps a reference to it.
/// @param out_stream  required; receives the stream, NULL on failure.
/// @param out_error   optional; NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK or the error codes of fastgpt_resume_chat_completion_stream (never
///         FASTGPT_E_ABORTED).
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_resume_open(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_stream: *mut *mut fastgpt_stream,
    out_error: *mut *mut c_char,
) -> i32 {
    let out_stream = out!(out_stream);
    ffi_call!(out_error, {
        out_stream.required()?;
        let c = try_arc!(client)?;
        let (app_id, chat_id) = (try_str!(app_id)?, try_str!(chat_id)?);
        let resumed = c.open_resume_stream(app_id, chat_id, opt_token!(cancel).as_ref())?;
        out_stream.set(to_box_ptr(PullStream {
            session: Source::Resume(resumed),
            _client: c,
            poisoned: None,
        }));
        Ok(())
    })
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
/// Lifetime: the event strings belong to the stream and stay valid until the next
/// fastgpt_stream_next or fastgpt_stream_free on it; fastgpt_stream_result does not
/// invalidate them. Never call this concurrently with fastgpt_stream_free.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_next(
    stream: *mut fastgpt_stream,
    out_event: *mut *const c_char,
    out_data: *mut *const c_char,
    out_text: *mut *const c_char,
    out_error: *mut *mut c_char,
) -> i32 {
    let (out_event, out_data, out_text) = (out!(out_event), out!(out_data), out!(out_text));
    ffi_call!(out_error, {
        out_event.required()?;
        if let Some((event, data, text)) = try_mut!(stream)?.next()? {
            out_event.set(event);
            out_data.set(data);
            out_text.set(text);
        }
        Ok(())
    })
}

/// The result accumulated so far, in the shape of the callback form's result. Does not
/// invalidate the strings returned by fastgpt_stream_next.
///
/// @param stream    required.
/// @param out_json  optional; the result JSON, or the error JSON.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT (NULL stream) or FASTGPT_E_PANIC.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_result(
    stream: *mut fastgpt_stream,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(out_json, Ok(try_ref!(stream)?.session.result_json()))
}

/// Closes a stream (dropping its connection) and releases its references to the client
/// and the token. Never blocks; never call it while fastgpt_stream_next runs on the same
/// stream (cancel the token and wait for that call to return first).
///
/// @param stream  optional; NULL does nothing.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_stream_free(stream: *mut fastgpt_stream) {
    ffi_call!(or () => {
        // SAFETY: `stream` is NULL or a handle from fastgpt_stream_open that the caller gives
        // up here, with no fastgpt_stream_next running on it (the header's rule).
        unsafe { cast::free_box(stream) }
    })
}
