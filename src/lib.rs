//! libfastgpt: a FastGPT client with a C ABI.
//!
//! The HTTP, SSE and JSON logic lives in plain safe Rust modules; [`ffi`] is the thin
//! `extern "C"` layer (pointer checks, the panic boundary, conversions) that cbindgen turns
//! into `include/fastgpt.h`. The public contract is `../shared/design/c-api.md`.

// The error value carries the whole error JSON (body up to 64 KiB is heap-allocated, but
// the struct itself is about 250 bytes); errors are rare and returned once per call, so
// boxing them would cost more code than it saves.
#![allow(clippy::result_large_err)]

pub mod accumulate;
pub mod cancel;
pub mod classify;
pub mod client;
pub mod error;
pub mod ffi;
pub mod http;
pub mod options;
pub mod proxy;
pub mod random;
pub mod sse;
pub mod status;
pub mod stream;
pub mod transport;
pub mod upload;
pub mod url;

pub use cancel::CancelToken;
pub use client::Client;
pub use error::Error;
pub use options::Options;

/// Handles cross threads: a client is shared by many threads, and a stream or token may be
/// used or freed on another thread than the one that made it.
#[allow(dead_code)]
fn _thread_safety() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Client>();
    send_sync::<CancelToken>();
    send::<stream::StreamSession>();
}
