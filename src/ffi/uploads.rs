//! Chat file uploads (contract §6.2).

use std::ffi::{c_char, c_void};

use super::{client_arg, fastgpt_cancel_token, fastgpt_client, json_call, opt_str_arg, str_arg, token_arg};
use crate::error::Error;

/// Uploads the file at `file_path` to FastGPT's chat storage and returns a reference for an
/// `image_url` or `file_url` message part (the reference SDK's upload_chat_image /
/// upload_chat_file).
///
/// Asks FastGPT for a presigned upload (`POST /api/core/chat/file/presignChatFilePostUrl`,
/// legacy `/api/core/chat/presignChatFilePostUrl`), then sends the file to the storage URL it
/// returns: a multipart POST with the presigned fields, or a PUT with the presigned headers.
/// The storage request carries no Authorization header and none of the `headers` option.
///
/// @param client     required.
/// @param app_id     required.
/// @param chat_id    required.
/// @param file_path  required; the file is read whole before any request is sent; its name
///                   is the last path component; its content type is detected from its
///                   leading bytes (PNG, JPEG, GIF, WebP, ...), then from the extension.
/// @param cancel     optional.
/// @param out_json   optional; `{"url","key","name","type","preview_url"}` (`type` is
///                   "image" for image/ content types, else "file"; `url` is the preview URL
///                   when the server gives one, else the object's storage URL), or the error
///                   JSON.
/// @return FASTGPT_OK; FASTGPT_E_INVALID_ARGUMENT for a file that cannot be read, and for a
///         file over the size limit the server states (nothing is uploaded then);
///         FASTGPT_E_HTTP when storage rejects the upload (its XML error in `body`); the
///         codes of the endpoint calls for the presign request.
///
/// Retries: as the endpoint calls. Timeouts: `connect_timeout_ms` and `timeout_ms`, per request.
/// Threading: blocks the calling thread; any thread.
/// Errors: see @return; the error JSON written to out_json says why.
/// Ownership: arguments (and the data) are borrowed for the call; *out_json is the
/// caller's, freed with fastgpt_string_free.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_upload_chat_file(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    file_path: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            c.upload_chat_file(
                str_arg(app_id, "app_id")?,
                str_arg(chat_id, "chat_id")?,
                str_arg(file_path, "file_path")?,
                token_arg(cancel).as_ref(),
            )
        })
    }
}

/// Uploads `data_len` bytes at `data` as `file_name` to FastGPT's chat storage; otherwise
/// as fastgpt_upload_chat_file.
///
/// @param client        required.
/// @param app_id        required.
/// @param chat_id       required.
/// @param file_name     required; non-empty.
/// @param content_type  optional; NULL or "" detects it from the data, then the name.
/// @param data          the bytes; NULL only when data_len is 0. Borrowed for the call.
/// @param data_len      the number of bytes.
/// @param cancel        optional.
/// @param out_json      optional; as for fastgpt_upload_chat_file.
/// @return as fastgpt_upload_chat_file.
///
/// Threading: blocks the calling thread; any thread.
/// Errors: see @return; the error JSON written to out_json says why.
/// Ownership: arguments (and the data) are borrowed for the call; *out_json is the
/// caller's, freed with fastgpt_string_free.
/// Since: 0.1.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_upload_chat_bytes(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    file_name: *const c_char,
    content_type: *const c_char,
    data: *const c_void,
    data_len: usize,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    // SAFETY: pointer arguments follow the contract.
    unsafe {
        json_call(out_json, || {
            let c = client_arg(client)?;
            let app_id = str_arg(app_id, "app_id")?;
            let chat_id = str_arg(chat_id, "chat_id")?;
            let file_name = str_arg(file_name, "file_name")?;
            let content_type = opt_str_arg(content_type, "content_type")?;
            let bytes: &[u8] = if data_len == 0 {
                &[]
            } else if data.is_null() {
                return Err(Error::invalid("data must not be NULL when data_len is not 0"));
            } else if data_len > isize::MAX as usize {
                return Err(Error::invalid(format!("data_len {data_len} is not a valid size (a negative value cast to size_t?)")));
            } else {
                // SAFETY: the caller passes `data_len` readable bytes at `data` (checked
                // non-NULL and within isize::MAX above), borrowed for the call.
                std::slice::from_raw_parts(data as *const u8, data_len)
            };
            c.upload_chat_bytes(app_id, chat_id, file_name, content_type, bytes, token_arg(cancel).as_ref())
        })
    }
}
