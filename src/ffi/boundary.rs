//! The panic boundary: the one place where a panic is caught, and [`ffi_call!`], the entry
//! every export's body goes through.

use std::cell::Cell;
use std::ffi::c_char;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use super::out::Out;
use crate::status::FASTGPT_OK;
use crate::Error;

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

/// Runs `f`, turning a panic into `Err(Error)` with status `FASTGPT_E_PANIC` and the panic
/// message. The only `catch_unwind` of the library.
pub(crate) fn catch<T>(f: impl FnOnce() -> T) -> Result<T, Error> {
    install_panic_hook();
    IN_CALL.with(|c| c.set(c.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    IN_CALL.with(|c| c.set(c.get() - 1));
    r.map_err(|payload| Error::panic(panic_message(&*payload)))
}

/// What a successful call hands back through its `char **` out-parameter.
pub(crate) trait Reply {
    /// The string to write through the out-parameter on `FASTGPT_OK`, if any.
    fn into_reply(self) -> Option<String>;
}

/// `out_json` calls: the response JSON.
impl Reply for String {
    fn into_reply(self) -> Option<String> {
        Some(self)
    }
}

/// `out_error` calls: nothing on success (the out-parameter stays NULL).
impl Reply for () {
    fn into_reply(self) -> Option<String> {
        None
    }
}

/// A call that returns a status code: `out` (already NULL) receives the reply on success and
/// the error JSON otherwise.
pub(crate) fn status_call<R: Reply>(
    out: Out<*mut c_char>,
    f: impl FnOnce() -> Result<R, Error>,
) -> i32 {
    let (code, text) = match catch(f).and_then(|r| r) {
        Ok(reply) => (FASTGPT_OK, reply.into_reply()),
        Err(e) => (e.status, Some(e.to_json())),
    };
    if let Some(text) = text {
        out.set_string(text);
    }
    code
}

/// A call that reports no error (`void`, a pointer, a number): a panic yields `fallback`.
pub(crate) fn value_call<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    catch(f).unwrap_or(fallback)
}

/// The body of every export.
///
/// - `ffi_call!(out_json, body)`: `body` is a `Result<String, Error>` (the response JSON)
///   or, with `out_error`, a `Result<(), Error>`. NULL is stored through the out-parameter
///   first; the call returns `FASTGPT_OK` and writes the reply, or returns the error's status
///   and writes the error JSON.
/// - `ffi_call!(or fallback => body)`: for functions without a status code; a panic
///   returns `fallback`.
///
/// A panic in `body` never crosses the boundary: it becomes `FASTGPT_E_PANIC` (or the
/// fallback). `body` may use `?` on `Result<_, Error>`.
macro_rules! ffi_call {
    (or $fallback:expr => $body:expr) => {
        $crate::ffi::boundary::value_call($fallback, || $body)
    };
    ($out:ident, $body:expr) => {{
        let out = $crate::ffi::out::out!($out);
        $crate::ffi::boundary::status_call(out, || $body)
    }};
}
pub(crate) use ffi_call;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::FASTGPT_E_PANIC;

    #[test]
    fn a_panic_becomes_an_error() {
        let r: Result<(), Error> = catch(|| panic!("boom"));
        let e = r.unwrap_err();
        assert_eq!(e.status, FASTGPT_E_PANIC);
        assert!(e.message.contains("boom"));
        assert_eq!(value_call(7, || panic!("x")), 7);
    }

    #[test]
    fn a_panic_in_a_status_call_writes_the_error_json() {
        let mut text: *mut c_char = std::ptr::null_mut();
        let out_json: *mut *mut c_char = &mut text;
        let code = ffi_call!(out_json, {
            if text.is_null() {
                panic!("boom");
            }
            Ok(String::new())
        });
        assert_eq!(code, FASTGPT_E_PANIC);
        assert!(!text.is_null());
        // SAFETY: `text` was just written by `status_call` with a string from
        // `CString::into_raw`, and nothing else owns it.
        let json = unsafe { std::ffi::CString::from_raw(text) }
            .into_string()
            .unwrap();
        assert!(
            json.contains("FASTGPT_E_PANIC") && json.contains("boom"),
            "{json}"
        );
    }
}
