//! Status codes returned by every fallible function of the C API (contract §2).
//!
//! Values are permanent; new codes are only appended.

/// Success.
pub const FASTGPT_OK: i32 = 0;
/// Bad input detected before any request was sent.
pub const FASTGPT_E_INVALID_ARGUMENT: i32 = 1;
/// No complete response: DNS, connect, proxy or TLS failure, or the connection closed or
/// reset too early.
pub const FASTGPT_E_TRANSPORT: i32 = 2;
/// A timeout expired (the error JSON's `timeout` says which one).
pub const FASTGPT_E_TIMEOUT: i32 = 3;
/// A non-2xx response that is not a FastGPT error (a proxy's HTML 502, a 3xx, ...).
pub const FASTGPT_E_HTTP: i32 = 4;
/// FastGPT reported an error (an error envelope, an `{"error":...}` body, or an
/// `event: error` frame).
pub const FASTGPT_E_API: i32 = 5;
/// A 2xx body or stream is malformed, or a body, SSE event or stream result exceeds its
/// size limit.
pub const FASTGPT_E_PROTOCOL: i32 = 6;
/// The stream ended (EOF or reset) before it was finished.
pub const FASTGPT_E_STREAM_INCOMPLETE: i32 = 7;
/// The stream callback returned non-zero.
pub const FASTGPT_E_ABORTED: i32 = 8;
/// The call's cancel token was cancelled.
pub const FASTGPT_E_CANCELLED: i32 = 9;
/// An internal bug was caught at the boundary.
pub const FASTGPT_E_PANIC: i32 = 10;

/// The static name of a status code, `"unknown"` for any other integer.
pub fn status_name(code: i32) -> &'static str {
    status_name_c(code).to_str().unwrap_or("unknown")
}

/// The same name as a NUL-terminated static string, for the C API.
pub fn status_name_c(code: i32) -> &'static std::ffi::CStr {
    match code {
        FASTGPT_OK => c"FASTGPT_OK",
        FASTGPT_E_INVALID_ARGUMENT => c"FASTGPT_E_INVALID_ARGUMENT",
        FASTGPT_E_TRANSPORT => c"FASTGPT_E_TRANSPORT",
        FASTGPT_E_TIMEOUT => c"FASTGPT_E_TIMEOUT",
        FASTGPT_E_HTTP => c"FASTGPT_E_HTTP",
        FASTGPT_E_API => c"FASTGPT_E_API",
        FASTGPT_E_PROTOCOL => c"FASTGPT_E_PROTOCOL",
        FASTGPT_E_STREAM_INCOMPLETE => c"FASTGPT_E_STREAM_INCOMPLETE",
        FASTGPT_E_ABORTED => c"FASTGPT_E_ABORTED",
        FASTGPT_E_CANCELLED => c"FASTGPT_E_CANCELLED",
        FASTGPT_E_PANIC => c"FASTGPT_E_PANIC",
        _ => c"unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_name() {
        let names: Vec<_> = (0..=10).map(status_name).collect();
        for (i, n) in names.iter().enumerate() {
            assert!(n.starts_with("FASTGPT_"), "{i}");
            assert_eq!(names.iter().filter(|m| *m == n).count(), 1);
        }
        assert_eq!(status_name(-1), "unknown");
        assert_eq!(status_name(11), "unknown");
        assert_eq!(status_name(i32::MIN), "unknown");
    }
}
