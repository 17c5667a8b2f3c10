//! # Chat files (uploads)
//!
//! Uploads a file (from a path, or from memory) to FastGPT's chat storage and returns a
//! reference to put in an `image_url` or `file_url` part of a chat message, and gets a
//! download URL for an uploaded file. Put both the result's `url` and its `key` into the
//! message part (`{"type":"image_url","image_url":{"url":...},"key":...}` or
//! `{"type":"file_url","name":...,"url":...,"key":...}`): FastGPT re-signs the URL from
//! the key whenever the history is read, so the chat outlives the URL.

use std::ffi::{c_char, c_void};

use super::boundary::ffi_call;
use super::cast::{opt_str, opt_token, try_arc, try_bytes, try_str};
use super::{fastgpt_cancel_token, fastgpt_client};

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
///                   "image" for image/ content types, else "file"; `url` is one the model
///                   can fetch: the preview URL when the server gives one, else the answer
///                   of fastgpt_get_chat_file_url for the key, and only when that route is
///                   missing the object's storage URL), or the error JSON.
/// @return FASTGPT_OK; FASTGPT_E_INVALID_ARGUMENT for a file that cannot be read, for a
///         path that is not a regular file (a FIFO, a device, a directory), for a file
///         larger than the library's size limit, the `max_response_bytes` option (also
///         one that grows past it while it is read), and for a file over the size limit
///         the server states (nothing is uploaded then);
///         FASTGPT_E_HTTP when storage rejects the upload (its XML error in `body`); the
///         codes of the endpoint calls for the presign request.
///
/// Retries: as the other endpoint calls. Timeouts: `connect_timeout_ms` and `timeout_ms`,
/// per request.
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
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        c.upload_chat_file(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            try_str!(file_path)?,
            opt_token!(cancel).as_ref(),
        )
    })
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
    ffi_call!(out_json, {
        let c = try_arc!(client)?;
        let (app_id, chat_id, file_name) =
            (try_str!(app_id)?, try_str!(chat_id)?, try_str!(file_name)?);
        let content_type = opt_str!(content_type)?;
        let data = try_bytes!(data, data_len)?;
        c.upload_chat_bytes(
            app_id,
            chat_id,
            file_name,
            content_type,
            data,
            opt_token!(cancel).as_ref(),
        )
    })
}

/// Gets a download URL, valid about an hour, for a file uploaded to this chat
/// (`POST /api/core/chat/file/presignChatFileGetUrl`, legacy
/// `/api/core/chat/presignChatFileGetUrl`; FastGPT >= 4.14.0). The reference SDK's
/// presign_chat_file_get_url. The upload functions call it for their `url`.
///
/// @param client    required.
/// @param app_id    required.
/// @param chat_id   required; the chat the file was uploaded to.
/// @param key       required; the upload result's `key`.
/// @param cancel    optional.
/// @param out_json  optional; the envelope, whose `data` is the URL (a path answered by
///                  the server is resolved against the base URL's origin), or the error
///                  JSON.
/// @return FASTGPT_OK or an error code (a key of another app or chat is FASTGPT_E_API,
///         unAuthChat, from FastGPT 4.15).
/// Since: 0.2.0
#[no_mangle]
pub unsafe extern "C" fn fastgpt_get_chat_file_url(
    client: *const fastgpt_client,
    app_id: *const c_char,
    chat_id: *const c_char,
    key: *const c_char,
    cancel: *const fastgpt_cancel_token,
    out_json: *mut *mut c_char,
) -> i32 {
    ffi_call!(
        out_json,
        try_arc!(client)?.get_chat_file_url(
            try_str!(app_id)?,
            try_str!(chat_id)?,
            try_str!(key)?,
            opt_token!(cancel).as_ref()
        )
    )
}
