//! # Versions & status codes
//!
//! The version of the header (the FASTGPT_VERSION_ macros) and of the library that is
//! loaded (fastgpt_version, fastgpt_version_number); while MAJOR is 0, a program or binding
//! must refuse to run unless both have the same MAJOR.MINOR. Every request function returns
//! one of the status codes below; fastgpt_status_str names one.

use std::ffi::c_char;

use super::boundary::ffi_call;
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

/// fastgpt_version's string, NUL-terminated.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version, exactly "MAJOR.MINOR.PATCH" (optionally followed by
/// "-<pre-release>").
///
/// @return a static string; never NULL; do not free.
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_version() -> *const c_char {
    ffi_call!(or c"".as_ptr() => VERSION.as_ptr() as *const c_char)
}

/// The library version as MAJOR*1000000 + MINOR*1000 + PATCH.
///
/// @return the number; compare `fastgpt_version_number() / 1000` with
///         `FASTGPT_VERSION_NUMBER / 1000` to check that header and library match (0.x).
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_version_number() -> i32 {
    ffi_call!(or FASTGPT_VERSION_NUMBER => FASTGPT_VERSION_NUMBER)
}

/// The static name of a status code ("FASTGPT_OK", "FASTGPT_E_API", ...), or "unknown"
/// for any other integer.
///
/// @param code  any integer.
/// @return a static string; never NULL; do not free.
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_status_str(code: i32) -> *const c_char {
    ffi_call!(or c"unknown".as_ptr() => status_name_c(code).as_ptr())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: &str) -> i32 {
        v.parse().unwrap()
    }

    #[test]
    fn version_macros_match_cargo_toml() {
        assert_eq!(
            FASTGPT_VERSION_MAJOR,
            parse(env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            FASTGPT_VERSION_MINOR,
            parse(env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            FASTGPT_VERSION_PATCH,
            parse(env!("CARGO_PKG_VERSION_PATCH"))
        );
        assert_eq!(
            FASTGPT_VERSION_NUMBER,
            FASTGPT_VERSION_MAJOR * 1_000_000
                + FASTGPT_VERSION_MINOR * 1000
                + FASTGPT_VERSION_PATCH
        );
        // SAFETY: fastgpt_version returns a static NUL-terminated string.
        let v = unsafe { std::ffi::CStr::from_ptr(fastgpt_version()) }
            .to_str()
            .unwrap();
        assert_eq!(v, env!("CARGO_PKG_VERSION"));
    }
}
