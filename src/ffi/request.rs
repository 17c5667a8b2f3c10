//! # Any endpoint (fastgpt_request)
//!
//! fastgpt_request calls any other FastGPT endpoint with the client's base URL, key,
//! headers, timeouts, retries and error handling, and returns the response body as
//! received.

use std::ffi::c_char;

use super::boundary::ffi_call;
use super::cast::{opt_str, opt_token, try_arc, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

/// Calls any other FastGPT endpoint.
///
/// @param client      required.
/// @param method      required; exactly "GET", "POST", "PUT" or "DELETE".
/// @param path        required; starts with exactly one '/', e.g. "/api/core/dataset/list";
///                    no '?', '#', '\\', space, control character, "." or ".." segment.
///                    Non-ASCII bytes are percent-encoded, existing %XX escapes kept. It is
///                    appended to the base URL, so it cannot change scheme, host or port.
/// @param query_json  optional; a JSON object of scalars sent as the query string (strings
///                    as is, numbers as their JSON text, true/false as "true"/"false",
///                    null left out; arrays and objects are refused).
/// @param body_json   optional; any JSON, sent as is with `Content-Type: application/json`.
/// @param cancel      optional.
/// @param out_json    optional; the response body as received (any JSON), or the error JSON.
/// @return FASTGPT_OK or an error code. An error envelope is FASTGPT_E_API.
///
/// Retries: as the endpoint calls for GET, PUT and DELETE; as completions for POST.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_request(
    client: *const fastgpt_client,
    method: *const c_char,
    path: *const c_char,
    query_json: *const c_char,
    body_json: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.request(
            try_str!(method)?,
            try_str!(path)?,
            opt_str!(query_json)?,
            opt_str!(body_json)?,
            opt_token!(cancel).as_ref()
        )
    )
}
