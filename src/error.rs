//! The library's error value and its JSON form (contract §3).

use serde_json::{json, Map, Value};

use crate::status::*;

/// Which timeout fired (the error JSON's `timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    /// `connect_timeout_ms`: DNS, TCP, proxy and TLS handshakes.
    Connect,
    /// `timeout_ms` / `completion_timeout_ms`: one whole attempt.
    Request,
    /// `stream_idle_timeout_ms`: silence on a stream.
    Idle,
}

impl TimeoutKind {
    /// The name of this timeout in the error JSON's `timeout` member.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Request => "request",
            TimeoutKind::Idle => "idle",
        }
    }
}

/// The largest response body kept in an error, in bytes.
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// Everything a failed call reports. Serialised by [`Error::to_json`].
#[derive(Debug, Clone)]
pub struct Error {
    /// The status code (`FASTGPT_E_*`).
    pub status: i32,
    /// What happened, in words.
    pub message: String,
    /// The HTTP status of the last response, if one arrived.
    pub http_status: Option<u16>,
    /// The envelope's numeric `code`, when the server sent an envelope.
    pub api_code: Option<Value>,
    /// The envelope's `statusText` (or the OpenAI-style error's `code`/`type`).
    pub status_text: Option<String>,
    /// Already sanitised (UTF-8, secrets masked, at most 64 KiB).
    pub body: Option<String>,
    /// The wait the server asked for (`Retry-After`), in milliseconds.
    pub retry_after_ms: Option<u64>,
    /// The last response's `x-request-id` header.
    pub request_id: Option<String>,
    /// The method of the last request attempted.
    pub method: Option<&'static str>,
    /// The URL of the last request attempted.
    pub url: Option<String>,
    /// How many requests were sent.
    pub attempts: u32,
    /// Which timeout expired, for `FASTGPT_E_TIMEOUT`.
    pub timeout: Option<TimeoutKind>,
    /// Streaming calls: the accumulated result so far.
    pub partial: Option<Value>,
}

impl Error {
    /// An error with `status` and `message` and nothing else set.
    pub fn new(status: i32, message: impl Into<String>) -> Error {
        Error {
            status,
            message: message.into(),
            http_status: None,
            api_code: None,
            status_text: None,
            body: None,
            retry_after_ms: None,
            request_id: None,
            method: None,
            url: None,
            attempts: 0,
            timeout: None,
            partial: None,
        }
    }

    /// `FASTGPT_E_INVALID_ARGUMENT` with a message.
    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(FASTGPT_E_INVALID_ARGUMENT, message)
    }

    /// `FASTGPT_E_PANIC`: a panic caught at the C API boundary.
    pub fn panic(message: impl Into<String>) -> Error {
        Error::new(FASTGPT_E_PANIC, message)
    }

    /// The error JSON as a value (every member present, `null` when unknown).
    pub fn to_value(&self) -> Value {
        let mut e = Map::new();
        e.insert("status".into(), json!(self.status));
        e.insert("status_name".into(), json!(status_name(self.status)));
        e.insert("message".into(), json!(self.message));
        e.insert("http_status".into(), json!(self.http_status));
        e.insert(
            "api_code".into(),
            self.api_code.clone().unwrap_or(Value::Null),
        );
        e.insert("status_text".into(), json!(self.status_text));
        e.insert("body".into(), json!(self.body));
        e.insert("retry_after_ms".into(), json!(self.retry_after_ms));
        e.insert("request_id".into(), json!(self.request_id));
        e.insert("method".into(), json!(self.method));
        e.insert("url".into(), json!(self.url));
        e.insert("attempts".into(), json!(self.attempts));
        e.insert(
            "timeout".into(),
            json!(self.timeout.map(TimeoutKind::as_str)),
        );
        e.insert(
            "partial".into(),
            self.partial.clone().unwrap_or(Value::Null),
        );
        json!({ "error": Value::Object(e) })
    }

    /// Replaces every secret in the strings this error carries with `***` (§1).
    pub fn mask(&mut self, secrets: &[String]) {
        let mask = |s: &mut String| {
            for secret in secrets.iter().filter(|x| !x.is_empty()) {
                if s.contains(secret.as_str()) {
                    *s = s.replace(secret.as_str(), "***");
                }
            }
        };
        mask(&mut self.message);
        if let Some(t) = &mut self.status_text {
            mask(t);
        }
        if let Some(b) = &mut self.body {
            mask(b);
        }
    }

    /// The error JSON as text.
    pub fn to_json(&self) -> String {
        self.to_value().to_string()
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", status_name(self.status), self.message)
    }
}

impl std::error::Error for Error {}

/// Turns a raw response body into the error JSON's `body`: invalid UTF-8 becomes U+FFFD,
/// every secret is replaced by `***`, and the result is cut to 64 KiB on a character
/// boundary.
pub fn sanitize_body(raw: &[u8], secrets: &[String]) -> String {
    let mut text = String::from_utf8_lossy(raw).into_owned();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(s.as_str()) {
            text = text.replace(s.as_str(), "***");
        }
    }
    truncate_on_char_boundary(&mut text, MAX_ERROR_BODY);
    text
}

/// Cuts `s` to at most `max` bytes without splitting a character.
pub fn truncate_on_char_boundary(s: &mut String, max: usize) {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_json_has_every_field() {
        let v = Error::invalid("bad").to_value();
        let e = v["error"].as_object().unwrap();
        for k in [
            "status",
            "status_name",
            "message",
            "http_status",
            "api_code",
            "status_text",
            "body",
            "retry_after_ms",
            "request_id",
            "method",
            "url",
            "attempts",
            "timeout",
            "partial",
        ] {
            assert!(e.contains_key(k), "{k}");
        }
        assert_eq!(e["status_name"], "FASTGPT_E_INVALID_ARGUMENT");
    }

    #[test]
    fn body_is_masked_lossy_and_cut_on_a_char_boundary() {
        let raw = b"key=fastgpt-secret \xff end";
        let s = sanitize_body(raw, &["fastgpt-secret".into(), String::new()]);
        assert_eq!(s, "key=*** \u{FFFD} end");
        let big = "é".repeat(MAX_ERROR_BODY); // 2 bytes each
        let s = sanitize_body(big.as_bytes(), &[]);
        assert!(s.len() <= MAX_ERROR_BODY && s.len() >= MAX_ERROR_BODY - 1);
        assert!(s.chars().all(|c| c == 'é'));
    }
}
