//! # Client lifecycle
//!
//! A client holds the options, the connection pool and the API key. Create one per server
//! and key, share it between threads, and free it with fastgpt_client_free (calls still
//! running keep it alive until they return). Strings the library returns through a
//! `char **` are freed with fastgpt_string_free.

use std::ffi::{c_char, CString};

use super::boundary::ffi_call;
use super::cast::{self, opt_str, to_arc_ptr, try_str, Castable, OwnershipArc};
use super::out::{out, Out};
use crate::{Client, Error, Options};

/// An opaque FastGPT client. Thread-safe: any number of threads may run calls on one client.
pub struct fastgpt_client {
    _private: [u8; 0],
}

impl Castable for fastgpt_client {
    type RustType = Client;
    type Ownership = OwnershipArc;
}

/// Builds a client from `options` and hands it out through `out_client`.
fn new_client(out_client: &Out<*mut fastgpt_client>, options: Options) -> Result<(), Error> {
    out_client.set(to_arc_ptr(Client::new(options)?));
    Ok(())
}

/// Creates a client with only `api_key` and `base_url` set (every other option at its
/// default). No network I/O.
///
/// @param api_key     required; non-empty printable ASCII; sent as `Authorization: Bearer`.
/// @param base_url    optional (NULL = `http://localhost:3000`); a trailing `/`, `/api`,
///                    `/api/v1` or `/api/v2` is removed.
/// @param out_client  required; receives the new client, NULL on failure.
/// @param out_error   optional; receives NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT (a NULL or invalid argument), or
///         FASTGPT_E_PANIC.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_new(
    api_key: *const c_char,
    base_url: *const c_char,
    out_client: *mut *mut fastgpt_client,
    out_error: *mut *mut c_char,
) -> i32 {
    let out_client = out!(out_client);
    ffi_call!(out_error, {
        out_client.required()?;
        let mut map = serde_json::Map::new();
        map.insert("api_key".into(), try_str!(api_key)?.into());
        if let Some(url) = opt_str!(base_url)? {
            map.insert("base_url".into(), url.into());
        }
        new_client(&out_client, Options::from_map(&map)?)
    })
}

/// Creates a client from a JSON object of options (unknown keys are an error). No network
/// I/O.
///
/// Keys: `api_key` (required), `base_url` (userinfo is refused), `connect_timeout_ms`
/// (10000), `timeout_ms` (60000), `completion_timeout_ms` (600000),
/// `stream_idle_timeout_ms` (60000), `stream_timeout_ms` (0; the longest one streaming
/// attempt may take, a bound on servers that trickle bytes), `max_retries` (2),
/// `retry_delay_ms` (1000), `max_retry_after_ms` (60000), `headers` (object of strings),
/// `tls_roots` ("platform"|"webpki"), `ca_cert_pem`, `proxy` (http:// or socks5:// URL; ""
/// = none; absent = environment), `api_paths` ("auto"|"current"|"legacy"; "auto" decides
/// per function), `completions_api` ("v1"|"v2"), `stream_resume` (false; true asks FastGPT
/// to keep a replay of streaming completions for fastgpt_resume_chat_completion_stream),
/// `max_response_bytes` (64 MiB), `max_event_bytes` (16 MiB). Integers are JSON integers
/// from 0 to 2147483647 (`connect_timeout_ms` from 1); 0 means "no limit" for the four
/// timeouts other than `connect_timeout_ms`.
///
/// @param options_json  required; a JSON object.
/// @param out_client    required; receives the new client, NULL on failure.
/// @param out_error     optional; receives NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT (not a JSON object, an unknown key, a
///         wrong type or value), or FASTGPT_E_PANIC.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_new_with_options(
    options_json: *const c_char,
    out_client: *mut *mut fastgpt_client,
    out_error: *mut *mut c_char,
) -> i32 {
    let out_client = out!(out_client);
    ffi_call!(out_error, {
        out_client.required()?;
        new_client(&out_client, Options::from_json(try_str!(options_json)?)?)
    })
}

/// Gives up the caller's reference to a client. Calls still running on it (on other
/// threads, or the call whose callback is running) keep their own reference and finish
/// normally; streams opened from it stay usable. Never blocks; may run on a finalizer
/// thread.
///
/// @param client  optional; NULL does nothing.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_free(client: *mut fastgpt_client) {
    ffi_call!(or () => {
        // SAFETY: `client` is NULL or a handle from fastgpt_client_new*, and by calling this
        // the caller gives up the one reference it holds (using it again is its own bug).
        unsafe { cast::free_arc(client) }
    })
}

/// Frees a string the library returned through a `char **` (response JSON, error JSON).
/// Only for strings from this library: never pass them to free(), nor other pointers here.
///
/// @param s  optional; NULL does nothing.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_string_free(s: *mut c_char) {
    ffi_call!(or () => {
        if !s.is_null() {
            // SAFETY: the caller passes a string this library handed out, which came from
            // `CString::into_raw` (out::into_c_string), and frees it once.
            drop(unsafe { CString::from_raw(s) });
        }
    })
}
