//! # Cancellation
//!
//! A cancel token stops calls from any thread: pass it as the `cancel` argument of any
//! number of calls and streams, then cancel it, or give it a deadline. A cancelled call
//! returns FASTGPT_E_CANCELLED within about 100 ms, whatever phase it is in. A token is
//! thread-safe and cannot be reset: use a new one for new calls.

use super::boundary::ffi_call;
use super::cast::{self, opt_ref, to_box_ptr, Castable, OwnershipBox};
use crate::CancelToken;

/// An opaque cancel token. Thread-safe.
pub struct fastgpt_cancel_token {
    _private: [u8; 0],
}

impl Castable for fastgpt_cancel_token {
    type RustType = CancelToken;
    type Ownership = OwnershipBox;
}

/// Creates a cancel token.
///
/// @return a new token; NULL only after an internal error (caught panic).
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_cancel_token_new() -> *mut fastgpt_cancel_token {
    ffi_call!(or std::ptr::null_mut() => to_box_ptr(CancelToken::new()))
}

/// Cancels the token for good: every call given it returns FASTGPT_E_CANCELLED within
/// about 100 ms, whatever phase it is in, and calls given it later return at once without
/// network I/O. Idempotent; never blocks; may be called from a stream callback. Not
/// async-signal-safe.
///
/// @param token  optional; NULL does nothing.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_cancel(token: *const fastgpt_cancel_token) {
    ffi_call!(or () => {
        if let Some(t) = opt_ref!(token) {
            t.cancel();
        }
    })
}

/// Makes the token cancel itself `ms` milliseconds from now (a stored deadline; no thread
/// is started). The earliest deadline set wins; `ms <= 0` cancels at once. This is a
/// deadline over whole calls, retries and backoff included (Go's context.WithDeadline,
/// C#'s CancelAfter). Never blocks.
///
/// @param token  optional; NULL does nothing.
/// @param ms     milliseconds from now.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_cancel_after(
    token: *const fastgpt_cancel_token,
    ms: i32,
) {
    ffi_call!(or () => {
        if let Some(t) = opt_ref!(token) {
            t.cancel_after(ms);
        }
    })
}

/// Gives up the caller's reference to a token. Calls and streams that were given it keep
/// their own reference and can still be cancelled by its deadline. Never blocks; may run on
/// a finalizer thread.
///
/// @param token  optional; NULL does nothing.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_free(token: *mut fastgpt_cancel_token) {
    ffi_call!(or () => {
        // SAFETY: `token` is NULL or a handle from fastgpt_cancel_token_new, and by calling
        // this the caller gives it up; running calls hold clones, not this box.
        unsafe { cast::free_box(token) }
    })
}
