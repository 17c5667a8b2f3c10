//! Strings, status names and versions (contract §2, §9).

use std::ffi::{c_char, CString};

use super::boundary_or;
use crate::status::status_name_c;

/// Library version, major part (matches Cargo.toml).
pub const FASTGPT_VERSION_MAJOR: i32 = 0;
/// Library version, minor part.
pub const FASTGPT_VERSION_MINOR: i32 = 1;
/// Library version, patch part.
pub const FASTGPT_VERSION_PATCH: i32 = 0;
/// MAJOR*1000000 + MINOR*1000 + PATCH. While MAJOR is 0, a binding must refuse to run
/// unless fastgpt_version_number() / 1000 == FASTGPT_VERSION_NUMBER / 1000.
pub const FASTGPT_VERSION_NUMBER: i32 = 1000;

/// Frees a string returned by the library through a `char **` (response JSON, error JSON).
///
/// @param s  optional; NULL does nothing.
///
/// Ownership: only for strings from this library; never pass them to free(), and never
/// pass other pointers here. Freeing twice is undefined behaviour.
/// Threading: any thread.
/// Errors: none; passing any other pointer is undefined behaviour.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_string_free(s: *mut c_char) {
    boundary_or((), || {
        if !s.is_null() {
            // SAFETY: `s` came from CString::into_raw in this library.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// The static name of a status code ("FASTGPT_OK", "FASTGPT_E_API", ...), or "unknown"
/// for any other integer.
///
/// @param code  any integer.
/// @return a static string; never NULL; do not free.
/// Threading: any thread.
/// Errors: none.
/// Ownership: static; never freed.
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_status_str(code: i32) -> *const c_char {
    boundary_or(c"unknown".as_ptr(), || status_name_c(code).as_ptr())
}

/// The library version, exactly "MAJOR.MINOR.PATCH" (optionally followed by
/// "-<pre-release>").
///
/// @return a static string; never NULL; do not free.
/// Threading: any thread.
/// Errors: none.
/// Ownership: static; never freed.
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_version() -> *const c_char {
    const V: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    boundary_or(c"".as_ptr(), || V.as_ptr() as *const c_char)
}

/// The library version as MAJOR*1000000 + MINOR*1000 + PATCH.
///
/// @return the number; compare `fastgpt_version_number() / 1000` with
///         `FASTGPT_VERSION_NUMBER / 1000` to check that header and library match (0.x).
/// Threading: any thread.
/// Errors: none.
/// Ownership: nothing is allocated.
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_version_number() -> i32 {
    FASTGPT_VERSION_NUMBER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> i32 {
        v.parse().unwrap()
    }

    #[test]
    fn version_macros_match_cargo_toml() {
        assert_eq!(FASTGPT_VERSION_MAJOR, parse(env!("CARGO_PKG_VERSION_MAJOR")));
        assert_eq!(FASTGPT_VERSION_MINOR, parse(env!("CARGO_PKG_VERSION_MINOR")));
        assert_eq!(FASTGPT_VERSION_PATCH, parse(env!("CARGO_PKG_VERSION_PATCH")));
        assert_eq!(
            FASTGPT_VERSION_NUMBER,
            FASTGPT_VERSION_MAJOR * 1_000_000 + FASTGPT_VERSION_MINOR * 1000 + FASTGPT_VERSION_PATCH
        );
        // SAFETY: a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(fastgpt_version()) }.to_str().unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
