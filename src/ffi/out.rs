//! Out-parameters: [`Out`] stores NULL through the pointer as soon as it is made (the rule
//! "every non-NULL out-pointer receives NULL on entry") and writes the result later.

use std::ffi::{c_char, CString};

use crate::Error;

/// A pointer type that has a NULL value: what an out-parameter points to.
pub(crate) trait Nullable: Copy {
    const NULL: Self;
}

impl<T> Nullable for *mut T {
    const NULL: Self = std::ptr::null_mut();
}

impl<T> Nullable for *const T {
    const NULL: Self = std::ptr::null();
}

/// An out-parameter `P *out` of the running export, already set to NULL.
pub(crate) struct Out<P: Nullable> {
    ptr: *mut P,
    name: &'static str,
}

impl<P: Nullable> Out<P> {
    /// Wraps `ptr` and stores NULL through it when it is not NULL. Use [`out!`].
    ///
    /// # Safety
    /// `ptr` is NULL or valid for writes of a `P` for as long as the `Out` is used.
    pub(crate) unsafe fn new(ptr: *mut P, name: &'static str) -> Out<P> {
        if !ptr.is_null() {
            // SAFETY: non-NULL, and the caller promises it is valid for writes.
            unsafe { ptr.write(P::NULL) };
        }
        Out { ptr, name }
    }

    /// `FASTGPT_E_INVALID_ARGUMENT` when the caller passed NULL for a required out-parameter.
    pub(crate) fn required(&self) -> Result<(), Error> {
        if self.ptr.is_null() {
            return Err(Error::invalid(format!("{} must not be NULL", self.name)));
        }
        Ok(())
    }

    /// Writes `value` when the caller passed a pointer; otherwise drops it.
    pub(crate) fn set(&self, value: P) {
        if !self.ptr.is_null() {
            // SAFETY: non-NULL, and `Out::new`'s caller promised it valid for writes.
            unsafe { self.ptr.write(value) };
        }
    }
}

impl Out<*mut c_char> {
    /// Hands `s` to the caller as a string it frees with `fastgpt_string_free`; when the
    /// caller passed NULL the string is dropped.
    pub(crate) fn set_string(&self, s: String) {
        if !self.ptr.is_null() {
            self.set(into_c_string(s));
        }
    }
}

/// Hands a string to C; freed with `fastgpt_string_free`.
pub(crate) fn into_c_string(s: String) -> *mut c_char {
    match CString::new(s) {
        Ok(c) => c.into_raw(),
        // Cannot happen for JSON text; never hand out a string with an inner NUL.
        Err(e) => {
            let mut bytes = e.into_vec();
            bytes.retain(|&b| b != 0);
            CString::new(bytes)
                .map(CString::into_raw)
                .unwrap_or(std::ptr::null_mut())
        }
    }
}

/// `out!(out_x)`: wraps the out-parameter `out_x` of the running export in an [`Out`]
/// (storing NULL through it now), named after the parameter for error messages.
///
/// Only for parameters of an `unsafe extern "C"` export, whose documented contract is that
/// an out-parameter is NULL or valid for one pointer write during the call.
macro_rules! out {
    ($p:ident) => {
        // SAFETY: `$p` is an out-parameter of the running export: the header's rule for
        // every out-parameter is "NULL or writable for the duration of the call".
        unsafe { $crate::ffi::out::Out::new($p, stringify!($p)) }
    };
}
pub(crate) use out;
