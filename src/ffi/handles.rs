//! Client and cancel-token handles (contract §4, §4.1, §8).
//!
//! A `fastgpt_client *` is an `Arc<Client>` turned into a raw pointer; every running call
//! takes its own reference, so the caller may free the handle while calls still run.
//! A `fastgpt_cancel_token *` is a boxed [`CancelToken`], itself a shared reference.

use std::ffi::c_char;
use std::sync::Arc;

use super::{boundary, boundary_or, clear_out, str_arg, write_out_string};
use crate::cancel::CancelToken;
use crate::client::Client;
use crate::error::Error;
use crate::options::Options;
use crate::status::*;

/// An opaque FastGPT client. Thread-safe: any number of threads may run calls on one client.
pub struct fastgpt_client {
    _private: [u8; 0],
}

/// An opaque cancel token. Thread-safe.
pub struct fastgpt_cancel_token {
    _private: [u8; 0],
}

/// Takes a counted reference to the client behind `p`.
///
/// # Safety
/// `p` is NULL or a live handle from `fastgpt_client_new*`.
pub(crate) unsafe fn client_arg(p: *const fastgpt_client) -> Result<Arc<Client>, Error> {
    if p.is_null() {
        return Err(Error::invalid("client must not be NULL"));
    }
    let p = p as *const Client;
    // SAFETY: `p` came from `Arc::into_raw` and the caller still holds that reference, so
    // the count is at least one while we add ours.
    unsafe {
        Arc::increment_strong_count(p);
        Ok(Arc::from_raw(p))
    }
}

/// Takes a reference to the token behind `p`, if any.
///
/// # Safety
/// `p` is NULL or a live handle from `fastgpt_cancel_token_new`.
pub(crate) unsafe fn token_arg(p: *const fastgpt_cancel_token) -> Option<CancelToken> {
    // SAFETY: a non-NULL `p` points to the boxed token the caller still owns.
    unsafe { (p as *const CancelToken).as_ref() }.cloned()
}

unsafe fn new_client(
    options: impl FnOnce() -> Result<Options, Error>,
    out_client: *mut *mut fastgpt_client,
    out_error: *mut *mut c_char,
) -> i32 {
    // SAFETY: out-pointers are NULL or writable (contract §3).
    unsafe {
        clear_out(out_client);
        clear_out(out_error);
    }
    let r = boundary(|| {
        if out_client.is_null() {
            return Err(Error::invalid("out_client must not be NULL"));
        }
        Ok(Arc::into_raw(Arc::new(Client::new(options()?)?)))
    });
    match r {
        Ok(client) => {
            // SAFETY: checked non-NULL above.
            unsafe { out_client.write(client as *mut fastgpt_client) };
            FASTGPT_OK
        }
        Err(e) => {
            // SAFETY: NULL or writable.
            unsafe { write_out_string(out_error, e.to_json()) };
            e.status
        }
    }
}

/// Creates a client with only `api_key` and `base_url` set (every other option at its
/// default).
///
/// @param api_key     required; non-empty printable ASCII; sent as `Authorization: Bearer`.
/// @param base_url    optional (NULL = `http://localhost:3000`); a trailing `/`, `/api`,
///                    `/api/v1` or `/api/v2` is removed.
/// @param out_client  required; receives the new client, NULL on failure.
/// @param out_error   optional; receives NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT, or FASTGPT_E_PANIC.
///
/// Ownership: free the client with fastgpt_client_free and the error with
/// fastgpt_string_free. Strings are borrowed for the call only.
/// Threading: any thread. No network I/O.
/// Errors: FASTGPT_E_INVALID_ARGUMENT (a NULL or invalid argument), FASTGPT_E_PANIC.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_new(
    api_key: *const c_char,
    base_url: *const c_char,
    out_client: *mut *mut fastgpt_client,
    out_error: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded pointer contracts.
    unsafe {
        new_client(
            || {
                let key = str_arg(api_key, "api_key")?;
                let mut map = serde_json::Map::new();
                map.insert("api_key".into(), key.into());
                if let Some(url) = super::opt_str_arg(base_url, "base_url")? {
                    map.insert("base_url".into(), url.into());
                }
                Options::from_map(&map)
            },
            out_client,
            out_error,
        )
    }
}

/// Creates a client from a JSON object of options (unknown keys are an error).
///
/// Keys: `api_key` (required), `base_url`, `connect_timeout_ms` (10000), `timeout_ms`
/// (60000), `completion_timeout_ms` (600000), `stream_idle_timeout_ms` (60000),
/// `max_retries` (2), `retry_delay_ms` (1000), `max_retry_after_ms` (60000), `headers`
/// (object of strings), `tls_roots` ("platform"|"webpki"), `ca_cert_pem`, `proxy`
/// (http:// or socks5:// URL; "" = none; absent = environment), `api_paths`
/// ("auto"|"current"|"legacy"), `completions_api` ("v1"|"v2"), `max_response_bytes`
/// (64 MiB), `max_event_bytes` (16 MiB). Integers are JSON integers from 0 to 2147483647
/// (`connect_timeout_ms` from 1); 0 means "no limit" for the three request/stream timeouts.
///
/// @param options_json  required; a JSON object.
/// @param out_client    required; receives the new client, NULL on failure.
/// @param out_error     optional; receives NULL on success, the error JSON otherwise.
/// @return FASTGPT_OK, FASTGPT_E_INVALID_ARGUMENT, or FASTGPT_E_PANIC.
///
/// Ownership: free the client with fastgpt_client_free, the error with fastgpt_string_free.
/// Threading: any thread. No network I/O.
/// Errors: FASTGPT_E_INVALID_ARGUMENT (not a JSON object, an unknown key, a wrong type or
/// value), FASTGPT_E_PANIC.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_new_with_options(
    options_json: *const c_char,
    out_client: *mut *mut fastgpt_client,
    out_error: *mut *mut c_char,
) -> i32 {
    // SAFETY: forwarded pointer contracts.
    unsafe { new_client(|| Options::from_json(str_arg(options_json, "options_json")?), out_client, out_error) }
}

/// Gives up the caller's reference to a client. Calls still running on it (on other
/// threads, or the call whose callback is running) keep their own reference and finish
/// normally; streams opened from it stay usable.
///
/// @param client  optional; NULL does nothing.
///
/// Ownership: `client` must not be used by the caller afterwards; freeing it twice is
/// undefined behaviour.
/// Threading: any thread, including a finalizer thread; never blocks, no network I/O.
/// Errors: none.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_client_free(client: *mut fastgpt_client) {
    boundary_or((), || {
        if !client.is_null() {
            // SAFETY: `client` came from `Arc::into_raw` and this is the caller's reference.
            drop(unsafe { Arc::from_raw(client as *const Client) });
        }
    })
}

/// Creates a cancel token.
///
/// @return a new token; NULL only after an internal error (caught panic).
///
/// Ownership: free with fastgpt_cancel_token_free.
/// Threading: any thread.
/// Errors: none (NULL only after an internal error).
/// Since: 0.1.0
#[no_mangle]
pub extern "C" fn fastgpt_cancel_token_new() -> *mut fastgpt_cancel_token {
    boundary_or(std::ptr::null_mut(), || Box::into_raw(Box::new(CancelToken::new())) as *mut fastgpt_cancel_token)
}

/// Cancels the token for good: every call given it returns FASTGPT_E_CANCELLED within
/// about 100 ms, whatever phase it is in, and calls given it later return at once without
/// network I/O.
///
/// @param token  optional; NULL does nothing.
///
/// Threading: any thread, any time (also from a stream callback); idempotent; never
/// blocks. Not async-signal-safe.
/// Errors: none.
/// Ownership: the token stays the caller's.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_cancel(token: *const fastgpt_cancel_token) {
    boundary_or((), || {
        // SAFETY: NULL or a live token.
        if let Some(t) = unsafe { (token as *const CancelToken).as_ref() } {
            t.cancel();
        }
    })
}

/// Makes the token cancel itself `ms` milliseconds from now (a stored deadline; no thread
/// is started). The earliest deadline set wins; `ms <= 0` cancels at once. This is a
/// deadline over whole calls, retries and backoff included (Go's context.WithDeadline,
/// C#'s CancelAfter).
///
/// @param token  optional; NULL does nothing.
/// @param ms     milliseconds from now.
///
/// Threading: any thread; never blocks.
/// Errors: none.
/// Ownership: the token stays the caller's.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_cancel_after(token: *const fastgpt_cancel_token, ms: i32) {
    boundary_or((), || {
        // SAFETY: NULL or a live token.
        if let Some(t) = unsafe { (token as *const CancelToken).as_ref() } {
            t.cancel_after(ms);
        }
    })
}

/// Gives up the caller's reference to a token. Calls and streams that were given it keep
/// their own reference and can still be cancelled by its deadline.
///
/// @param token  optional; NULL does nothing.
///
/// Threading: any thread, including a finalizer thread; never blocks. Freeing twice is
/// undefined behaviour.
/// Errors: none.
/// Ownership: releases the caller's reference; the token must not be used afterwards.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_cancel_token_free(token: *mut fastgpt_cancel_token) {
    boundary_or((), || {
        if !token.is_null() {
            // SAFETY: `token` came from `Box::into_raw` in fastgpt_cancel_token_new.
            drop(unsafe { Box::from_raw(token as *mut CancelToken) });
        }
    })
}
