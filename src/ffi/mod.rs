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
//! The header is a manual: one group per module, in the order of this list (tests/header.rs
//! reads it; run `make header`), each opened by a banner made from the module's
//! `//! # Title` docs. Within a group, items appear in source order, types first.
//!
//! 1. [`version`]: versions and status codes
//! 2. [`lifecycle`]: client_new, client_new_with_options, client_free, string_free
//! 3. [`cancel`]: cancel tokens
//! 4. [`chat`]: the chat completion and its streaming twin (callback)
//! 5. [`pull_stream`]: stream_open, stream_next, stream_result, stream_free
//! 6. [`histories`]: the chats of an app
//! 7. [`records`]: the records of a chat, and feedback
//! 8. [`analytics`]: suggested questions and app logs
//! 9. [`files`]: chat file uploads
//! 10. [`request`]: fastgpt_request, any endpoint
//!
//! - To add a function to a group, write it in that group's module (after the ones a
//!   reader meets first), with `@param NAME  required|optional...` for every parameter,
//!   its `@return`, and `Since:`, and add it to abi/symbols.txt. What every function shares
//!   (ownership, threading, errors, retries) is in the preamble (cbindgen.toml): do not
//!   repeat it (tests/header.rs fails on a doc line repeated in more than two exports).
//! - To add a group, add a module whose docs start with `//! # Title` and put it in this
//!   list where a reader should meet it.
//!   A typical endpoint call is:
//!   ```text
//!   /// Summary (`METHOD /api/path`).
//!   ///
//!   /// @param client    required.
//!   /// @param app_id    required.
//!   /// @param cancel    optional.
//!   /// @param out_json  optional; the envelope as received, or the error JSON.
//!   /// @return FASTGPT_OK or an error code.
//!   /// Since: 0.2.0
//!   #[no_mangle]
//!   pub unsafe extern "C" fn fastgpt_do_thing(
//!       client: *const fastgpt_client,
//!       app_id: *const c_char,
//!       cancel: *const fastgpt_cancel_token,
//!       out_json: *mut *mut c_char,
//!   ) -> i32 {
//!       ffi_call!(out_json, try_arc!(client)?.do_thing(try_str!(app_id)?, opt_token!(cancel).as_ref()))
//!   }
//!   ```
//! - The FastGPT 4.14-4.16 calls of revision 3 sit with their kin: stop_chat_completion
//!   and resume_chat_completion_stream in [`chat`]; stream_resume_open in [`pull_stream`];
//!   get_history_status, mark_chat_read and delete_chat_histories in [`histories`];
//!   get_chat_records_v2 in [`records`]; get_chat_file_url in [`files`]; get_app_logs_total
//!   and get_app_logs in [`analytics`].
//! - Helper modules ([`boundary`], [`cast`], [`out`]: no `# Title`) hold no exports.

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

// Header groups (their order in the header is the list above).
mod analytics;
mod cancel;
mod chat;
mod files;
mod histories;
mod lifecycle;
mod pull_stream;
mod records;
mod request;
mod version;

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
