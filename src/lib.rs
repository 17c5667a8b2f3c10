//! libfastgpt: a FastGPT client with a C ABI.
//!
//! The HTTP, SSE and JSON logic lives in plain safe Rust modules, layered bottom-up:
//! - [`transport`]: sockets, DNS, TLS roots, proxies and the per-call cancel/deadline state;
//! - [`http`]: one logical request (attempts, retries, classification of the answer);
//! - [`stream`]: decoding and accumulating a streaming completion;
//! - [`api`]: the [`Client`] and its endpoint calls;
//! - [`error`], [`status`], [`options`]: the error value, status codes and configuration.
//!
//! [`ffi`] is the thin `extern "C"` layer (pointer checks, the panic boundary, conversions)
//! that cbindgen turns into `include/fastgpt.h`, the C API.

// The error value carries the whole error JSON (body up to 64 KiB is heap-allocated, but
// the struct itself is about 250 bytes); errors are rare and returned once per call, so
// boxing them would cost more code than it saves.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod error;
pub mod ffi;
pub mod http;
pub mod options;
pub mod status;
pub mod stream;
pub mod transport;
pub mod util;

pub use api::Client;
pub use error::Error;
pub use options::Options;
pub use stream::{EventView, StreamSession};
pub use transport::cancel::CancelToken;

/// Handles cross threads: a client is shared by many threads, and a stream or token may be
/// used or freed on another thread than the one that made it.
#[allow(dead_code)]
fn _thread_safety() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Client>();
    send_sync::<CancelToken>();
    send::<StreamSession>();
}
