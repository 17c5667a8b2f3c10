//! The conversion layer (after rustls-ffi's `Castable`): every pointer that crosses the ABI
//! becomes a Rust value here, and nowhere else.
//!
//! - A C handle type (`fastgpt_client`, ...) implements [`Castable`]: which Rust type it
//!   stands for and how the handle owns it ([`OwnershipArc`] or [`OwnershipBox`]).
//! - [`to_arc_ptr`] / [`to_box_ptr`] make a handle, [`free_arc`] / [`free_box`] release it.
//! - The macros convert a parameter of the running export, named after it for the error
//!   message: [`try_arc!`] (a counted reference to a required handle), [`try_ref!`] /
//!   [`try_mut!`] (a borrow of a required handle), [`opt_ref!`] (an optional one),
//!   [`opt_token!`] (the call's own reference to an optional cancel token),
//!   [`try_str!`] / [`opt_str!`] (a required / optional UTF-8 string), [`try_bytes!`] (a
//!   pointer and a length). Each is one `unsafe` block whose reason is the header's rule
//!   for that kind of parameter, so they are only for parameters of an `unsafe extern "C"`
//!   export.

use std::ffi::{c_char, CStr};
use std::sync::Arc;

use crate::Error;

/// A C handle type: an opaque struct that C only ever sees behind a pointer.
pub(crate) trait Castable {
    /// The Rust value the handle points to.
    type RustType;
    /// How the handle owns it: [`OwnershipArc`] or [`OwnershipBox`].
    type Ownership;
}

/// The handle is an `Arc::into_raw` pointer; each running call takes its own reference.
pub(crate) struct OwnershipArc;

/// The handle is a `Box::into_raw` pointer, owned by the caller until its `_free`.
pub(crate) struct OwnershipBox;

/// Makes a new handle that owns one reference to `value`.
pub(crate) fn to_arc_ptr<C: Castable<Ownership = OwnershipArc>>(value: C::RustType) -> *mut C {
    Arc::into_raw(Arc::new(value)) as *mut C
}

/// Makes a new handle that owns `value`.
pub(crate) fn to_box_ptr<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)) as *mut C
}

/// A counted reference to the value behind a required handle; `name` is the parameter.
///
/// # Safety
/// `p` is NULL or a live handle from [`to_arc_ptr`] whose reference the caller holds for
/// the duration of this function.
pub(crate) unsafe fn clone_arc<C: Castable<Ownership = OwnershipArc>>(
    p: *const C,
    name: &str,
) -> Result<Arc<C::RustType>, Error> {
    if p.is_null() {
        return Err(Error::invalid(format!("{name} must not be NULL")));
    }
    let p = p as *const C::RustType;
    // SAFETY: `p` came from `Arc::into_raw` and the caller still holds that reference, so
    // the count is at least one while we add ours; `from_raw` then owns the added one.
    unsafe {
        Arc::increment_strong_count(p);
        Ok(Arc::from_raw(p))
    }
}

/// Releases the reference a handle owns. NULL does nothing.
///
/// # Safety
/// `p` is NULL or a live handle from [`to_arc_ptr`], and the caller gives up its reference
/// (it does not use `p` again).
pub(crate) unsafe fn free_arc<C: Castable<Ownership = OwnershipArc>>(p: *mut C) {
    if !p.is_null() {
        // SAFETY: `p` came from `Arc::into_raw`; this consumes the reference the handle owned.
        drop(unsafe { Arc::from_raw(p as *const C::RustType) });
    }
}

/// Drops the value a handle owns. NULL does nothing.
///
/// # Safety
/// `p` is NULL or a live handle from [`to_box_ptr`] that nothing uses afterwards.
pub(crate) unsafe fn free_box<C: Castable<Ownership = OwnershipBox>>(p: *mut C) {
    if !p.is_null() {
        // SAFETY: `p` came from `Box::into_raw` and is freed exactly once, here.
        drop(unsafe { Box::from_raw(p as *mut C::RustType) });
    }
}

/// A borrow of the value behind a handle, or `None` for NULL.
///
/// # Safety
/// `p` is NULL or a live handle of either ownership that stays alive, and is not mutated
/// elsewhere, for `'a`.
pub(crate) unsafe fn ref_from_ptr<'a, C: Castable>(p: *const C) -> Option<&'a C::RustType> {
    // SAFETY: a live handle points to an initialised `C::RustType` (see the caller's promise).
    unsafe { (p as *const C::RustType).as_ref() }
}

/// An exclusive borrow of the value behind a boxed handle, or `None` for NULL.
///
/// # Safety
/// `p` is NULL or a live handle from [`to_box_ptr`] that no other code uses for `'a`.
pub(crate) unsafe fn mut_from_ptr<'a, C: Castable<Ownership = OwnershipBox>>(
    p: *mut C,
) -> Option<&'a mut C::RustType> {
    // SAFETY: a live boxed handle points to an initialised `C::RustType`, used only here
    // (see the caller's promise).
    unsafe { (p as *mut C::RustType).as_mut() }
}

/// `NAME must not be NULL` for a required parameter.
pub(crate) fn null_arg(name: &str) -> Error {
    Error::invalid(format!("{name} must not be NULL"))
}

/// An optional string parameter: `None` for NULL, an error when it is not UTF-8.
///
/// # Safety
/// `p` is NULL or a NUL-terminated string that stays valid and unchanged for `'a`.
pub(crate) unsafe fn str_from_ptr<'a>(
    p: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Error> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL, and the caller promises a NUL-terminated string that outlives 'a.
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes)
        .map(Some)
        .map_err(|_| Error::invalid(format!("{name} is not valid UTF-8")))
}

/// `len` bytes at `data`; `data` may be NULL only when `len` is 0.
///
/// # Safety
/// When `len` is not 0, `data` is NULL or points to `len` readable bytes that stay valid
/// and unchanged for `'a`.
pub(crate) unsafe fn bytes_from_ptr<'a>(
    data: *const u8,
    len: usize,
    name: &str,
) -> Result<&'a [u8], Error> {
    if len == 0 {
        Ok(&[])
    } else if data.is_null() {
        Err(Error::invalid(format!(
            "{name} must not be NULL when {name}_len is not 0"
        )))
    } else if len > isize::MAX as usize {
        Err(Error::invalid(format!(
            "{name}_len {len} is not a valid size (a negative value cast to size_t?)"
        )))
    } else {
        // SAFETY: non-NULL, `len` within isize::MAX (checked above), and the caller promises
        // `len` readable bytes that outlive 'a.
        Ok(unsafe { std::slice::from_raw_parts(data, len) })
    }
}

/// `try_arc!(p)`: a counted reference (`Result<Arc<_>, Error>`) to the value behind the
/// required handle parameter `p`. The call keeps it for as long as it runs, so the caller
/// may free the handle meanwhile (from another thread or a callback).
macro_rules! try_arc {
    ($p:ident) => {
        // SAFETY: `$p` is a handle parameter of the running export; the header's rule is
        // "NULL or a live handle", and the caller's reference lasts at least for the call.
        unsafe { $crate::ffi::cast::clone_arc($p, stringify!($p)) }
    };
}

/// `try_ref!(p)`: `Result<&_, Error>`, a borrow of the value behind the required handle
/// parameter `p`, for the duration of the call.
macro_rules! try_ref {
    ($p:ident) => {
        // SAFETY: `$p` is a handle parameter of the running export: NULL or a live handle
        // that the header forbids freeing or using mutably while this call runs.
        unsafe { $crate::ffi::cast::ref_from_ptr($p) }
            .ok_or_else(|| $crate::ffi::cast::null_arg(stringify!($p)))
    };
}

/// `try_mut!(p)`: `Result<&mut _, Error>`, an exclusive borrow of the value behind the
/// required boxed handle parameter `p` (a handle used by one thread at a time).
macro_rules! try_mut {
    ($p:ident) => {
        // SAFETY: `$p` is a handle parameter of the running export: NULL or a live handle
        // that the header says is used by one thread at a time and not freed during a call.
        unsafe { $crate::ffi::cast::mut_from_ptr($p) }
            .ok_or_else(|| $crate::ffi::cast::null_arg(stringify!($p)))
    };
}

/// `opt_ref!(p)`: `Option<&_>`, a borrow of the value behind the optional handle parameter
/// `p` (`None` for NULL).
macro_rules! opt_ref {
    ($p:ident) => {
        // SAFETY: `$p` is a handle parameter of the running export: NULL or a live handle
        // that the caller keeps alive for the duration of the call.
        unsafe { $crate::ffi::cast::ref_from_ptr($p) }
    };
}

/// `opt_token!(cancel)`: `Option<CancelToken>`, the call's own reference to the token behind
/// the optional `cancel` parameter, so that the caller may free its handle while the call
/// runs.
macro_rules! opt_token {
    ($p:ident) => {
        $crate::ffi::cast::opt_ref!($p).cloned()
    };
}

/// `try_str!(p)`: `Result<&str, Error>` from the required string parameter `p`.
macro_rules! try_str {
    ($p:ident) => {
        $crate::ffi::cast::opt_str!($p)?.ok_or_else(|| $crate::ffi::cast::null_arg(stringify!($p)))
    };
}

/// `opt_str!(p)`: `Result<Option<&str>, Error>` from the optional string parameter `p`.
macro_rules! opt_str {
    ($p:ident) => {
        // SAFETY: `$p` is a string parameter of the running export; the header's rule for
        // strings in is "NULL or NUL-terminated, borrowed for the call".
        unsafe { $crate::ffi::cast::str_from_ptr($p, stringify!($p)) }
    };
}

/// `try_bytes!(data, len)`: `Result<&[u8], Error>` from a buffer parameter and its length.
macro_rules! try_bytes {
    ($data:ident, $len:ident) => {
        // SAFETY: `$data`/`$len` are a buffer parameter of the running export and its
        // length; the header's rule is "`$len` readable bytes, borrowed for the call".
        unsafe { $crate::ffi::cast::bytes_from_ptr($data as *const u8, $len, stringify!($data)) }
    };
}

pub(crate) use {opt_ref, opt_str, opt_token, try_arc, try_bytes, try_mut, try_ref, try_str};
