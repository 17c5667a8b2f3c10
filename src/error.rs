//! The library's error value and its JSON form (contract §3).

use serde_json::{json, Map, Value};

use crate::status::*;

pub(crate) mod i18n;

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

/// The largest `message` and `status_text` kept in an error, in bytes (before the `…`
/// that marks a cut).
pub(crate) const MAX_ERROR_TEXT: usize = 4 * 1024;

/// Everything a failed call reports. Serialised by [`Error::to_json`].
#[derive(Debug, Clone)]
pub struct Error {
    /// The status code (`FASTGPT_E_*`).
    pub status: i32,
    /// What happened, in readable English (a FastGPT message key is given as its text).
    pub message: String,
    /// The message key FastGPT sent as its message (`common:code_error.error_message.514`),
    /// when it sent one.
    pub message_key: Option<String>,
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
            message_key: None,
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

    /// Sets `message` from what FastGPT sent (`api_code` and `status_text` already set):
    /// an i18n key becomes its English text followed by the `statusText`, and the key is
    /// kept in `message_key`; the issues of a validation error (`zodError`, or zod's issue
    /// list sent as the message by FastGPT 4.14.4) add their field paths; no message at all
    /// gives a summary of the code.
    pub fn set_server_message(&mut self, message: Option<&str>, zod_error: Option<&Value>) {
        let status_text = self.status_text.as_deref().filter(|s| !s.is_empty());
        let with_status_text = |text: &str| match status_text {
            Some(st) => format!("{text} ({st})"),
            None => text.to_string(),
        };
        let code = self
            .api_code
            .as_ref()
            .map_or_else(String::new, |c| format!(" {c}"));
        // Bounded before any copy or parse; `mask` cuts the result to MAX_ERROR_TEXT.
        let message = message
            .map(|m| cut_str(m, MAX_ERROR_BODY).trim())
            .filter(|m| !m.is_empty());
        self.message_key = None;
        self.message = match message {
            Some(m) if i18n::is_message_key(m) => {
                self.message_key = Some(m.to_string());
                match i18n::english(m, status_text) {
                    Some(text) => with_status_text(text),
                    None => with_status_text(&format!("FastGPT error{code}: {m}")),
                }
            }
            Some(m) => match zod_issues(&serde_json::from_str(m).unwrap_or(Value::Null)) {
                // FastGPT 4.14.4 sent zod's issue list, as JSON text, as the message.
                Some(issues) => format!("Data validation error: {issues}"),
                None => m.to_string(),
            },
            None => with_status_text(&format!("FastGPT error{code}")),
        };
        if let Some(issues) = zod_error.and_then(zod_issues) {
            self.message = format!("{}: {issues}", self.message);
        }
    }

    /// The error JSON as a value (every member present, `null` when unknown).
    pub fn to_value(&self) -> Value {
        let mut e = Map::new();
        e.insert("status".into(), json!(self.status));
        e.insert("status_name".into(), json!(status_name(self.status)));
        e.insert("message".into(), json!(self.message));
        e.insert("message_key".into(), json!(self.message_key));
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
    /// `message` and `status_text` (from the server, up to the whole body) are cut to
    /// [`MAX_ERROR_TEXT`] bytes, marked with `…`, the body to 64 KiB.
    pub fn mask(&mut self, secrets: &[String]) {
        let mask = |s: &mut String| {
            *s = mask_secrets(s, secrets);
        };
        // Only what can be kept is masked: the bound plus a margin for a secret that
        // straddles it in its longest encoded form, as in `sanitize_body`.
        let margin = secrets.iter().map(|s| s.len() * 12).max().unwrap_or(0);
        let cut_mask = |s: &mut String| {
            let long = s.len() > MAX_ERROR_TEXT;
            truncate_on_char_boundary(s, MAX_ERROR_TEXT + margin);
            mask(s);
            if long {
                truncate_on_char_boundary(s, MAX_ERROR_TEXT);
                s.push('…');
            }
        };
        cut_mask(&mut self.message);
        if let Some(t) = &mut self.status_text {
            cut_mask(t);
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

/// The issues of a zod validation error (`[{"path":["appId"],"message":"..."}, ...]`) as
/// `appId: message; other.0: message`, at most 10 of them, each message cut to 300 bytes;
/// `None` when `v` is not such a list.
fn zod_issues(v: &Value) -> Option<String> {
    const MAX_ISSUES: usize = 10;
    let issues = v.as_array().filter(|a| !a.is_empty())?;
    let mut parts = Vec::new();
    for issue in issues.iter().take(MAX_ISSUES) {
        let mut message = issue.get("message")?.as_str()?.to_string();
        truncate_on_char_boundary(&mut message, 300);
        let path: Vec<String> = issue
            .get("path")
            .and_then(Value::as_array)
            .map(|p| {
                p.iter()
                    .map(|seg| match seg {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        parts.push(if path.is_empty() {
            message
        } else {
            format!("{}: {message}", path.join("."))
        });
    }
    if issues.len() > MAX_ISSUES {
        parts.push(format!("and {} more", issues.len() - MAX_ISSUES));
    }
    Some(parts.join("; "))
}

/// Turns a raw response body into the error JSON's `body`: invalid UTF-8 becomes U+FFFD,
/// every secret is replaced by `***`, and the result is cut to 64 KiB on a character
/// boundary.
pub fn sanitize_body(raw: &[u8], secrets: &[String]) -> String {
    // Only what can end up in the kept 64 KiB is masked: the cut, then a margin for a
    // secret that straddles it in its longest encoded form (`\\uXXXX`: 6 bytes a byte).
    let margin = secrets.iter().map(|s| s.len() * 12).max().unwrap_or(0);
    let raw = &raw[..raw.len().min(MAX_ERROR_BODY + margin)];
    let mut text = mask_secrets(&String::from_utf8_lossy(raw), secrets);
    truncate_on_char_boundary(&mut text, MAX_ERROR_BODY);
    text
}

/// Replaces every occurrence of each secret in `text` with `***`: in the raw form and in
/// every form a JSON or form encoder may have given it (§1): JSON escapes (`\"`, `\\`,
/// `\/`, `\b`, `\f`, `\n`, `\r`, `\t`, `\uXXXX` in either case, surrogate pairs included),
/// percent-encoding (`%XX` in either case) and `+` for a space, in any mix, character by
/// character.
pub fn mask_secrets(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if let Some(masked) = mask_one(&out, s.as_bytes()) {
            out = masked;
        }
    }
    out
}

/// `text` with every encoded occurrence of `secret` replaced, or `None` when there is none.
fn mask_one(text: &str, secret: &[u8]) -> Option<String> {
    let t = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0;
    let mut i = 0;
    let mut seen = std::collections::HashSet::new();
    while i < t.len() {
        let c = t[i];
        let may_start = c == secret[0] || c == b'\\' || c == b'%' || c == b'+';
        if may_start {
            seen.clear();
            if let Some(end) = match_from(t, i, secret, 0, &mut seen) {
                let o = out.get_or_insert_with(|| Vec::with_capacity(t.len()));
                o.extend_from_slice(&t[copied..i]);
                o.extend_from_slice(b"***");
                copied = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    let mut o = out?;
    o.extend_from_slice(&t[copied..]);
    // Cuts fall before and after whole encoded characters of a valid UTF-8 secret, so the
    // result is valid UTF-8; stay lossless-safe anyway.
    Some(
        String::from_utf8(o).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
    )
}

/// Where an encoded `secret[k..]` that starts at `t[j]` ends, if it does. `seen` holds
/// the `(j, k)` states already tried (a secret of backslashes has many parses). Iterative:
/// plain bytes advance in a loop; only a byte that matches both as itself and as the start
/// of an escape (`\`, `%`, `+`) leaves the other way on a heap stack, at most once per state.
fn match_from(
    t: &[u8],
    j: usize,
    secret: &[u8],
    k: usize,
    seen: &mut std::collections::HashSet<(usize, usize)>,
) -> Option<usize> {
    let mut todo = vec![(j, k)];
    while let Some((mut j, mut k)) = todo.pop() {
        loop {
            if k == secret.len() {
                return Some(j);
            }
            if j >= t.len() || !seen.insert((j, k)) {
                break;
            }
            let escaped = escape_step(t, j, secret, k);
            if t[j] == secret[k] {
                // The byte as it is first; the escape reading after.
                if let Some(next) = escaped {
                    todo.push(next);
                }
                j += 1;
                k += 1;
                continue;
            }
            match escaped {
                Some((nj, nk)) => (j, k) = (nj, nk),
                None => break,
            }
        }
    }
    None
}

/// The state after the escape at `t[j]` when it encodes the next byte(s) of `secret[k..]`.
fn escape_step(t: &[u8], j: usize, secret: &[u8], k: usize) -> Option<(usize, usize)> {
    let want = secret[k];
    match t[j] {
        b'\\' if j + 1 < t.len() => {
            let simple = match t[j + 1] {
                b'"' => Some(b'"'),
                b'\\' => Some(b'\\'),
                b'/' => Some(b'/'),
                b'b' => Some(8),
                b'f' => Some(12),
                b'n' => Some(b'\n'),
                b'r' => Some(b'\r'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(d) = simple {
                return (d == want).then_some((j + 2, k + 1));
            }
            if t[j + 1] == b'u' {
                let (cp, used) = json_unicode_escape(t, j)?;
                let mut buf = [0u8; 4];
                let enc = char::from_u32(cp)?.encode_utf8(&mut buf).as_bytes();
                if secret[k..].starts_with(enc) {
                    return Some((j + used, k + enc.len()));
                }
            }
            None
        }
        b'%' if j + 2 < t.len() => {
            let d = hex(t[j + 1])? << 4 | hex(t[j + 2])?;
            (d == want).then_some((j + 3, k + 1))
        }
        b'+' if want == b' ' => Some((j + 1, k + 1)),
        _ => None,
    }
}

/// `\uXXXX` at `t[j]`, or a surrogate pair `\uD8xx\uDCxx`: the code point and the length.
fn json_unicode_escape(t: &[u8], j: usize) -> Option<(u32, usize)> {
    let unit = |at: usize| -> Option<u32> {
        if at + 6 > t.len() || t[at] != b'\\' || t[at + 1] != b'u' {
            return None;
        }
        let mut v = 0u32;
        for &b in &t[at + 2..at + 6] {
            v = v << 4 | hex(b)? as u32;
        }
        Some(v)
    };
    let hi = unit(j)?;
    if (0xD800..0xDC00).contains(&hi) {
        let lo = unit(j + 6)?;
        if (0xDC00..0xE000).contains(&lo) {
            return Some((0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00), 12));
        }
        return None;
    }
    Some((hi, 6))
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `s` cut to at most `max` bytes without splitting a character.
fn cut_str(s: &str, max: usize) -> &str {
    let mut cut = max.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
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
            "message_key",
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
        assert_eq!(e["message_key"], Value::Null);
    }

    fn server_error(code: i64, status_text: &str) -> Error {
        let mut e = Error::new(FASTGPT_E_API, "");
        e.api_code = Some(json!(code));
        e.status_text = Some(status_text.to_string()).filter(|s| !s.is_empty());
        e
    }

    #[test]
    fn message_keys_become_english_with_the_status_text() {
        let mut e = server_error(514, "unAuthApiKey");
        e.set_server_message(Some("common:code_error.error_message.514"), None);
        assert_eq!(e.message, "Invalid API Key (unAuthApiKey)");
        assert_eq!(
            e.message_key.as_deref(),
            Some("common:code_error.error_message.514")
        );
        assert_eq!(
            e.to_value()["error"]["message_key"],
            "common:code_error.error_message.514"
        );
        // A key of a moved family code: found by its statusText.
        let mut e = server_error(507004, "missingParams");
        e.set_server_message(Some("common:code_error.error_message.507004"), None);
        assert_eq!(e.message, "Insufficient parameters (missingParams)");
        // An unknown key is named, never dropped.
        let mut e = server_error(599999, "");
        e.set_server_message(Some("common:code_error.brand_new"), None);
        assert_eq!(
            e.message,
            "FastGPT error 599999: common:code_error.brand_new"
        );
        assert_eq!(
            e.message_key.as_deref(),
            Some("common:code_error.brand_new")
        );
        // Text stays text; no message gives the code.
        let mut e = server_error(500, "error");
        e.set_server_message(Some("Chat item not found"), None);
        assert_eq!(
            (e.message.as_str(), e.message_key),
            ("Chat item not found", None)
        );
        let mut e = server_error(429, "");
        e.set_server_message(None, None);
        assert_eq!(e.message, "FastGPT error 429");
    }

    #[test]
    fn validation_errors_name_their_fields() {
        let zod = json!([
            {"origin":"string","code":"invalid_format","path":["appId"],"message":"Invalid ObjectId"},
            {"code":"too_small","path":["chatIds", 0],"message":"Too small"},
            {"code":"custom","path":[],"message":"appId, skillId or share auth must be provided"}
        ]);
        let mut e = server_error(400, "error");
        e.set_server_message(Some("Data validation error"), Some(&zod));
        assert_eq!(
            e.message,
            "Data validation error: appId: Invalid ObjectId; chatIds.0: Too small; appId, skillId or share auth must be provided"
        );
        assert_eq!(e.message_key, None);
        // zod's list as the message itself (FastGPT 4.14.4).
        let mut e = server_error(500, "");
        e.set_server_message(
            Some(r#"[{"code":"too_small","minimum":1,"path":["dataId"],"message":"String must contain at least 1 character(s)"}]"#),
            None,
        );
        assert_eq!(
            e.message,
            "Data validation error: dataId: String must contain at least 1 character(s)"
        );
        // Not issues: ignored.
        let mut e = server_error(400, "error");
        e.set_server_message(Some("Data validation error"), Some(&json!({"x": 1})));
        assert_eq!(e.message, "Data validation error");
        let many: Vec<Value> = (0..12)
            .map(|i| json!({"path":[format!("f{i}")],"message":"bad"}))
            .collect();
        let mut e = server_error(400, "error");
        e.set_server_message(Some("Data validation error"), Some(&Value::Array(many)));
        assert!(e.message.ends_with("f9: bad; and 2 more"), "{}", e.message);
    }

    #[test]
    fn secrets_are_masked_in_every_encoded_form() {
        let secrets = vec![r#"k"e\y/1 2"#.to_string(), "\u{1F600}pw".to_string()];
        for form in [
            r#"k"e\y/1 2"#,
            r#"k\"e\\y\/1 2"#,
            r#"k\"e\\y/1 2"#,
            r#"\u006b\u0022e\u005Cy\u002f1\u00202"#,
            "k%22e%5Cy%2F1%202",
            "k%22e%5cy/1+2",
            r#"\ud83d\ude00pw"#,
            "%F0%9F%98%80pw",
            "\u{1F600}pw",
        ] {
            let text = format!("[{form}]");
            assert_eq!(mask_secrets(&text, &secrets), "[***]", "{form}");
        }
        assert_eq!(mask_secrets("no secret here", &secrets), "no secret here");
        assert_eq!(mask_secrets("k\"e", &secrets), "k\"e");
        // Backslash-only secrets have many parses; the search stays linear.
        let bs = vec!["\\".repeat(40)];
        let text = "\\".repeat(5000);
        let t = std::time::Instant::now();
        assert!(mask_secrets(&text, &bs).contains("***"));
        assert!(t.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn server_message_and_status_text_are_cut_before_masking() {
        let mut e = server_error(500, &"é".repeat(1 << 20));
        e.set_server_message(Some(&format!("sk-secret {}", "ü".repeat(1 << 20))), None);
        e.mask(&["sk-secret".to_string()]);
        for s in [&e.message, e.status_text.as_ref().unwrap()] {
            assert!(s.len() <= MAX_ERROR_TEXT + '…'.len_utf8(), "{}", s.len());
            assert!(s.ends_with('…'), "{}", &s[s.len() - 8..]);
        }
        assert!(e.message.starts_with("*** üü"), "{}", &e.message[..20]);
        assert!(e.status_text.as_ref().unwrap().starts_with("éé"));
        // Short texts are kept whole, without the marker.
        let mut e = server_error(500, "short");
        e.set_server_message(Some("plain"), None);
        e.mask(&[]);
        assert_eq!(
            (e.message.as_str(), e.status_text.as_deref()),
            ("plain", Some("short"))
        );
    }

    #[test]
    fn a_long_echoed_secret_is_masked_without_deep_recursion() {
        // The match walked one stack frame a byte: 1 MiB of secret overflowed the stack.
        let secret = "s".repeat(1 << 20);
        let text = format!("<{secret}>");
        let secrets = vec![secret];
        let run = move || mask_secrets(&text, &secrets);
        let out = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(run)
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(out, "<***>");
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
