//! Classifying a response that was read whole (contract §2.1).

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::Error;
use crate::http::Kind;
use crate::status::*;

/// The members of a body that classification looks at.
#[derive(Deserialize, Default)]
struct Probe<'a> {
    #[serde(borrow)]
    code: Option<&'a RawValue>,
    #[serde(borrow, rename = "statusText")]
    status_text: Option<&'a RawValue>,
    #[serde(borrow)]
    message: Option<&'a RawValue>,
    #[serde(borrow)]
    error: Option<&'a RawValue>,
    #[serde(borrow)]
    choices: Option<&'a RawValue>,
    /// The issues of a FastGPT validation error (4.14.7+).
    #[serde(borrow, rename = "zodError")]
    zod_error: Option<&'a RawValue>,
}

/// What the body is, as far as §2.1 cares.
pub struct BodyShape<'a> {
    /// Valid UTF-8 without NUL bytes, and valid JSON.
    pub json: Option<&'a str>,
    probe: Option<Probe<'a>>,
}

impl<'a> BodyShape<'a> {
    /// Looks at `body` once: UTF-8, JSON, and the members classification needs.
    pub fn of(body: &'a [u8]) -> BodyShape<'a> {
        let text = match std::str::from_utf8(body) {
            Ok(t) if !body.contains(&0) => t,
            _ => {
                return BodyShape {
                    json: None,
                    probe: None,
                }
            }
        };
        let is_object = text.trim_start().starts_with('{');
        if is_object {
            // Deserialising the probe also validates the whole document.
            if let Ok(p) = serde_json::from_str::<Probe>(text) {
                return BodyShape {
                    json: Some(text),
                    probe: Some(p),
                };
            }
            // Duplicate members or odd types: still JSON, judged by a full parse.
            if let Ok(Value::Object(_)) = serde_json::from_str::<Value>(text) {
                return BodyShape {
                    json: Some(text),
                    probe: Some(Probe::default()),
                };
            }
            return BodyShape {
                json: None,
                probe: None,
            };
        }
        match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => BodyShape {
                json: Some(text),
                probe: None,
            },
            Err(_) => BodyShape {
                json: None,
                probe: None,
            },
        }
    }

    /// The numeric `code` of an envelope.
    pub fn envelope_code(&self) -> Option<Value> {
        let raw = self.probe.as_ref()?.code?;
        match serde_json::from_str::<Value>(raw.get()) {
            Ok(v @ Value::Number(_)) => Some(v),
            _ => None,
        }
    }

    /// The body is an envelope (a JSON object with a numeric `code`).
    pub fn is_envelope(&self) -> bool {
        self.envelope_code().is_some()
    }

    fn envelope_code_is(&self, want: i64) -> bool {
        self.envelope_code()
            .and_then(|c| c.as_f64())
            .is_some_and(|c| c == want as f64)
    }

    /// The body is an envelope with `code == 429` (rate limited).
    pub fn envelope_is_429(&self) -> bool {
        self.envelope_code_is(429)
    }

    fn has_choices_array(&self) -> bool {
        self.probe
            .as_ref()
            .and_then(|p| p.choices)
            .is_some_and(|c| c.get().starts_with('['))
    }
}

fn raw_string(raw: Option<&RawValue>) -> Option<String> {
    serde_json::from_str::<Value>(raw?.get())
        .ok()?
        .as_str()
        .map(str::to_string)
}

/// Applies rules 2–7 to a complete response. `Ok` carries the body text on success; the
/// error has `status`, `message`, `api_code` and `status_text` set, and the caller adds the
/// rest (HTTP status, body, URL...).
pub fn classify(
    status: u16,
    body: &[u8],
    location: Option<&str>,
    kind: Kind,
) -> Result<String, Error> {
    let shape = BodyShape::of(body);
    // Rule 2: an envelope with code != 200, whatever the HTTP status.
    if let Some(code) = shape.envelope_code() {
        if !shape.envelope_code_is(200) {
            let p = shape.probe.as_ref().expect("an envelope has a probe");
            let mut e = Error::new(FASTGPT_E_API, String::new());
            e.api_code = Some(code);
            e.status_text = raw_string(p.status_text).filter(|s| !s.is_empty());
            // The server's message in English (§3), with the fields of a validation error.
            let zod = p
                .zod_error
                .and_then(|z| serde_json::from_str::<Value>(z.get()).ok());
            e.set_server_message(raw_string(p.message).as_deref(), zod.as_ref());
            return Err(e);
        }
    }
    // Rule 3: an OpenAI-style {"error": ...} without choices.
    if let Some(p) = &shape.probe {
        if let (Some(err), None) = (p.error, p.choices) {
            let err: Value = serde_json::from_str(err.get()).unwrap_or(Value::Null);
            let message = match &err {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("message").and_then(Value::as_str).map(str::to_string),
                _ => None,
            };
            let status_text = match &err {
                Value::Object(o) => o
                    .get("code")
                    .and_then(Value::as_str)
                    .or_else(|| o.get("type").and_then(Value::as_str))
                    .map(str::to_string),
                _ => None,
            };
            let message = message
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "the server answered with an error object".into());
            let mut e = Error::new(FASTGPT_E_API, message);
            e.status_text = status_text;
            return Err(e);
        }
    }
    // Rule 4: any other non-2xx.
    if !(200..300).contains(&status) {
        let mut message = format!(
            "HTTP {status}{}",
            reason_phrase(status)
                .map(|r| format!(" {r}"))
                .unwrap_or_default()
        );
        if (300..400).contains(&status) {
            message.push_str(&format!(
                " (redirects are not followed; Location: {})",
                location.unwrap_or("none")
            ));
        }
        return Err(Error::new(FASTGPT_E_HTTP, message));
    }
    let (ok, what) = match kind {
        Kind::Envelope => (shape.envelope_code_is(200), "a FastGPT envelope"),
        Kind::Completion => (
            shape.has_choices_array(),
            "a completion object with a \"choices\" array",
        ),
        Kind::Generic => (shape.json.is_some(), "JSON"),
        Kind::Stream => (false, "an event stream"),
        Kind::Upload => return Ok(String::from_utf8_lossy(body).into_owned()),
    };
    if let (true, Some(json)) = (ok, shape.json) {
        return Ok(json.to_string());
    }
    let found = if shape.json.is_some() {
        "other JSON"
    } else {
        "a body that is not JSON"
    };
    Err(Error::new(
        FASTGPT_E_PROTOCOL,
        format!("HTTP {status} response is not {what} (found {found})"),
    ))
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    ureq::http::StatusCode::from_u16(status)
        .ok()?
        .canonical_reason()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<String, Error>) -> i32 {
        r.map(|_| FASTGPT_OK).unwrap_or_else(|e| e.status)
    }

    #[test]
    fn envelope_rules() {
        let ok = br#"{"code":200,"statusText":"","message":"","data":{"list":[]}}"#;
        assert_eq!(code(classify(200, ok, None, Kind::Envelope)), FASTGPT_OK);
        // E1: HTTP 200 with an error envelope.
        let e1 = br#"{"code":514,"statusText":"unAuthApiKey","message":"m","data":null}"#;
        let e = classify(200, e1, None, Kind::Envelope).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_API);
        assert_eq!(e.api_code, Some(serde_json::json!(514)));
        assert_eq!(e.status_text.as_deref(), Some("unAuthApiKey"));
        assert_eq!((e.message.as_str(), e.message_key), ("m", None));
        let key = br#"{"code":514,"statusText":"unAuthApiKey","message":"common:code_error.error_message.514","data":null}"#;
        let e = classify(500, key, None, Kind::Envelope).unwrap_err();
        assert_eq!(e.message, "Invalid API Key (unAuthApiKey)");
        assert_eq!(
            e.message_key.as_deref(),
            Some("common:code_error.error_message.514")
        );
        let zod = br#"{"code":400,"statusText":"error","message":"Data validation error","data":null,"zodError":[{"code":"invalid_format","path":["appId"],"message":"Invalid ObjectId"}]}"#;
        let e = classify(400, zod, None, Kind::Envelope).unwrap_err();
        assert_eq!(e.message, "Data validation error: appId: Invalid ObjectId");
        // E2: HTTP 500 with the envelope.
        assert_eq!(
            classify(500, e1, None, Kind::Envelope).unwrap_err().status,
            FASTGPT_E_API
        );
        // An HTML 502.
        assert_eq!(
            code(classify(
                502,
                b"<html>bad gateway</html>",
                None,
                Kind::Envelope
            )),
            FASTGPT_E_HTTP
        );
        // 2xx that is not an envelope.
        assert_eq!(
            code(classify(200, b"[1,2]", None, Kind::Envelope)),
            FASTGPT_E_PROTOCOL
        );
        assert_eq!(
            code(classify(200, b"{not json", None, Kind::Envelope)),
            FASTGPT_E_PROTOCOL
        );
        assert_eq!(
            code(classify(200, br#"{"code":"200"}"#, None, Kind::Envelope)),
            FASTGPT_E_PROTOCOL
        );
        assert_eq!(
            code(classify(
                200,
                b"{\"code\":200,\"x\":\"\0\"}",
                None,
                Kind::Envelope
            )),
            FASTGPT_E_PROTOCOL
        );
        // A 3xx names its Location.
        let e = classify(302, b"", Some("http://x/y"), Kind::Envelope).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_HTTP);
        assert!(e.message.contains("http://x/y"));
    }

    #[test]
    fn openai_style_and_completion_rules() {
        let e = classify(400, br#"{"error":{"message":"bad","type":"invalid_request_error","code":"model_not_found"}}"#, None, Kind::Completion).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_API);
        assert_eq!(e.status_text.as_deref(), Some("model_not_found"));
        assert!(e.message.contains("bad"));
        let e = classify(200, br#"{"error":"boom"}"#, None, Kind::Completion).unwrap_err();
        assert_eq!((e.status, e.status_text), (FASTGPT_E_API, None));
        // A node failed, but the turn was saved.
        let ok =
            br#"{"id":"c","choices":[{"message":{"content":"x"}}],"error":{"message":"node"}}"#;
        assert_eq!(code(classify(200, ok, None, Kind::Completion)), FASTGPT_OK);
        assert_eq!(
            code(classify(200, br#"{"id":"c"}"#, None, Kind::Completion)),
            FASTGPT_E_PROTOCOL
        );
        assert_eq!(code(classify(200, b"[]", None, Kind::Generic)), FASTGPT_OK);
        assert_eq!(code(classify(200, b"3", None, Kind::Generic)), FASTGPT_OK);
        assert_eq!(
            code(classify(200, b"", None, Kind::Generic)),
            FASTGPT_E_PROTOCOL
        );
        assert_eq!(
            code(classify(200, b"{}", None, Kind::Stream)),
            FASTGPT_E_PROTOCOL
        );
        // An envelope 429 at HTTP 200 is an API error.
        assert_eq!(
            code(classify(
                200,
                br#"{"code":429,"message":"slow"}"#,
                None,
                Kind::Completion
            )),
            FASTGPT_E_API
        );
    }
}
