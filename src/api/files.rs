//! Download URLs of chat files (§5 `get_chat_file_url`, §6.2 the upload result's `url`).

use serde_json::Value;

use crate::api::args::check_id;
use crate::api::body::JsonObject;
use crate::api::paths::{is_plain_404, post};
use crate::api::Client;
use crate::error::Error;
use crate::status::*;
use crate::transport::cancel::CancelToken;

impl Client {
    /// `fastgpt_get_chat_file_url`: a download URL (valid about an hour) for `key`, a file
    /// uploaded to this chat. The envelope's `data` is a string; one that is a path is
    /// returned resolved against the base URL's origin.
    pub fn get_chat_file_url(
        &self,
        app_id: &str,
        chat_id: &str,
        key: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("key", key)?;
        let body = JsonObject::new()
            .str("key", key)
            .str("appId", app_id)
            .str("chatId", chat_id)
            .finish();
        let envelope = self.call_envelope(
            post(
                "/api/core/chat/file/presignChatFileGetUrl",
                Some("/api/core/chat/presignChatFileGetUrl"),
                &body,
            ),
            cancel,
        )?;
        let mut v: Value = serde_json::from_str(&envelope).map_err(|e| {
            Error::new(
                FASTGPT_E_PROTOCOL,
                format!("the file URL envelope is not JSON: {e}"),
            )
        })?;
        let resolved = match v.get("data") {
            Some(Value::String(url)) => resolve_against_origin(url, &self.options().base_url),
            _ => {
                return Err(Error::new(
                    FASTGPT_E_PROTOCOL,
                    "the file URL envelope's data is not a string",
                ))
            }
        };
        match resolved {
            // A path: the envelope with `data` resolved.
            Some(url) => {
                v["data"] = Value::String(url);
                Ok(v.to_string())
            }
            // Already absolute: the envelope as received.
            None => Ok(envelope),
        }
    }

    /// The upload result's `url` (§6.2, revision 3): a URL the model can fetch. The preview
    /// URL when the presign gave one; else the file URL route's answer for `key`; only when
    /// that route is missing (a 404 that is not an envelope), `storage_url`, the object's
    /// address in the bucket. A path is resolved against the base URL's origin.
    pub(crate) fn fetchable_url(
        &self,
        app_id: &str,
        chat_id: &str,
        key: &str,
        preview_url: Option<&str>,
        storage_url: String,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let base = &self.options().base_url;
        if let Some(p) = preview_url.filter(|p| !p.is_empty()) {
            return Ok(resolve_against_origin(p, base).unwrap_or_else(|| p.to_string()));
        }
        let answer = self.get_chat_file_url(app_id, chat_id, key, cancel);
        if is_plain_404(&answer) {
            return Ok(storage_url);
        }
        let envelope = answer.map_err(|mut e| {
            e.message = format!(
                "the file was uploaded (key \"{key}\"), but asking FastGPT for its URL failed: {}",
                e.message
            );
            e
        })?;
        serde_json::from_str::<Value>(&envelope)
            .ok()
            .and_then(|v| v.get("data").and_then(Value::as_str).map(str::to_string))
            .ok_or_else(|| {
                Error::new(
                    FASTGPT_E_PROTOCOL,
                    "the file URL envelope's data is not a string",
                )
            })
    }
}

/// `url` resolved against the origin of `base_url` when it is an absolute path (`/...`, not
/// `//...`); `None` when it is anything else (an absolute URL is kept as it is).
pub(crate) fn resolve_against_origin(url: &str, base_url: &str) -> Option<String> {
    if !url.starts_with('/') || url.starts_with("//") {
        return None;
    }
    let (scheme, rest) = base_url.split_once("://")?;
    let origin = rest.split('/').next().unwrap_or(rest);
    Some(format!("{scheme}://{origin}{url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_against_the_origin() {
        let base = "https://fastgpt.example.com/base";
        assert_eq!(
            resolve_against_origin("/api/system/file/d/abc", base).as_deref(),
            Some("https://fastgpt.example.com/api/system/file/d/abc")
        );
        assert_eq!(
            resolve_against_origin("/x?y=1", "http://127.0.0.1:3000").as_deref(),
            Some("http://127.0.0.1:3000/x?y=1")
        );
        for kept in ["http://s3/x", "//evil/x", "relative", ""] {
            assert_eq!(resolve_against_origin(kept, base), None, "{kept}");
        }
    }
}
