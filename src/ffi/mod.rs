//! The `extern "C"` layer that cbindgen turns into `include/fastgpt.h`.
//!
//! Each export is its logic in a few lines: it converts its parameters with the macros of
//! [`cast`] (handles, strings, buffers) and [`out`] (out-parameters), and its body runs in
//! [`ffi_call!`](boundary::ffi_call), the panic boundary. Everything else is delegated to
//! the safe core (`crate::Client`, `crate::CancelToken`, `crate::Options`, `crate::Error`,
//! `crate::stream::StreamSession`, `crate::status`).
//!
//! Rules applied by every function here (the C API contract, docs/):
//! - the body is one `ffi_call!`, so no panic crosses the ABI;
//! - out-pointers get NULL stored through them before any check (`out!`);
//! - required pointers that are NULL, and strings that are not UTF-8, give
//!   `FASTGPT_E_INVALID_ARGUMENT` before any request is sent (`try_*!`).
//!
//! # Header groups
//!
//! The header is a manual: one group per module below, in this order, each opened by a
//! banner made from the module's `//! # Title` docs (tests/header.rs builds it; run
//! `make header`). Within a group, items appear in source order, types first.
//! - To add a function to a group, write it in that group's module (after the ones a
//!   reader meets first), with `@param NAME required|optional` for every parameter, its
//!   `@return`, and `Since:`; add it to abi/symbols.txt. What every function shares
//!   (ownership, threading, errors) is in the preamble (cbindgen.toml): do not repeat it.
//! - To add a group, add a module whose docs start with `//! # Title` and list it below
//!   in the place a reader should meet it.
//! - Helper modules (no `# Title`) hold no exports.

#![allow(non_camel_case_types)]
// The safety requirements of every exported function are its pointer rules, documented
// once for all in the header's preamble and per parameter ("required"/"optional").
#![allow(clippy::missing_safety_doc)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

// Helpers.
pub(crate) mod boundary;
pub(crate) mod cast;
pub(crate) mod out;

// Header groups, in the order of the header.
mod version;
mod lifecycle;
mod cancel;
mod chat;
mod pull_stream;
mod histories;
mod records;
mod analytics;
mod files;
mod request;

pub use analytics::*;
pub use cancel::*;
pub use chat::*;
pub use files::*;
pub use histories::*;
pub use lifecycle::*;
pub use pull_stream::*;
pub use records::*;
pub use request::*;
pub use version::*;
