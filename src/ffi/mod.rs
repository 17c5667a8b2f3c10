//! The `extern "C"` layer: opaque handles, pointer and string checks, out-parameters and
//! the panic boundary. Everything else is delegated to the safe modules.
//!
//! Rules applied by every function here (contract §1, §3):
//! - the body runs inside [`boundary`], so no panic crosses the ABI;
//! - out-pointers get NULL stored through them before any check;
//! - required pointers that are NULL, and strings that are not UTF-8, give
//!   `FASTGPT_E_INVALID_ARGUMENT` before any request is sent.

#![allow(non_camel_case_types)]
// The safety requirements of every exported function are its pointer rules, documented
// once for all in the header's preamble and per parameter ("required"/"optional").
#![allow(clippy::missing_safety_doc)]

mod calls;
mod handles;
mod misc;
mod streams;
mod uploads;

pub use calls::*;
pub use handles::*;
pub use misc::*;
pub use streams::*;
pub use uploads::*;

use std::cell::Cell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use crate::error::Error;
use crate::status::*;

thread_local! {
    /// How many `fastgpt_` calls are running on this thread (callbacks can nest them).
    static IN_CALL: Cell<u32> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// Installs, once, a panic hook that is silent for panics inside `fastgpt_` calls and hands
/// every other panic to the hook that was installed before it.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_CALL.with(Cell::get) == 0 {
                previous(info);
            }
        }));
    });
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    let msg = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    format!("internal error (panic): {msg}")
}

/// Runs `f` with the panic boundary: a panic becomes `Err(Error)` with status
/// `FASTGPT_E_PANIC` and the panic message.
pub(crate) fn boundary<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    install_panic_hook();
    IN_CALL.with(|c| c.set(c.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    IN_CALL.with(|c| c.set(c.get() - 1));
    r.unwrap_or_else(|payload| Err(Error::panic(panic_message(&*payload))))
}

/// The same for functions that return a value and report no error (pointers, void):
/// a panic yields `fallback`.
pub(crate) fn boundary_or<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    boundary(|| Ok(f())).unwrap_or(fallback)
}

/// Hands a string to C; freed with `fastgpt_string_free`.
pub(crate) fn into_c_string(s: String) -> *mut c_char {
    match CString::new(s) {
        Ok(c) => c.into_raw(),
        // Cannot happen for JSON text; never hand out a string with an inner NUL.
        Err(e) => {
            let mut bytes = e.into_vec();
            bytes.retain(|&b| b != 0);
            CString::new(bytes).map(CString::into_raw).unwrap_or(std::ptr::null_mut())
        }
    }
}

/// Stores NULL through an out-pointer, if there is one.
///
/// # Safety
/// `out` is NULL or valid for a pointer write.
pub(crate) unsafe fn clear_out<T>(out: *mut *mut T) {
    if !out.is_null() {
        // SAFETY: the caller passes NULL or a writable pointer (contract §3).
        unsafe { out.write(std::ptr::null_mut()) };
    }
}

/// Writes an owned string through an optional out-pointer, or drops it.
///
/// # Safety
/// `out` is NULL or valid for a pointer write.
pub(crate) unsafe fn write_out_string(out: *mut *mut c_char, s: String) {
    if !out.is_null() {
        // SAFETY: as above.
        unsafe { out.write(into_c_string(s)) };
    }
}

/// Runs a call whose last parameter is `char **out_json`: on success the JSON it returns,
/// otherwise the error JSON, is written when `out_json` is not NULL.
///
/// # Safety
/// `out_json` is NULL or valid for a pointer write.
pub(crate) unsafe fn json_call(out_json: *mut *mut c_char, f: impl FnOnce() -> Result<String, Error>) -> i32 {
    // SAFETY: forwarded from the caller.
    unsafe { clear_out(out_json) };
    let (code, text) = match boundary(f) {
        Ok(json) => (FASTGPT_OK, json),
        Err(e) => (e.status, e.to_json()),
    };
    // SAFETY: forwarded from the caller.
    unsafe { write_out_string(out_json, text) };
    code
}

/// A required string parameter.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded from the caller.
    unsafe { opt_str_arg(p, name) }?.ok_or_else(|| Error::invalid(format!("{name} must not be NULL")))
}

/// An optional string parameter.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string valid for the call.
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller passes a NUL-terminated string that outlives the call (§1).
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::invalid(format!("{name} is not valid UTF-8")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), Error> = boundary(|| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!(e.status, FASTGPT_E_PANIC);
        assert!(e.message.contains("boom"));
        assert_eq!(boundary_or(7, || panic!("x")), 7);
    }
}
