//! Client options (contract §4): parsed from a JSON object, strictly validated.

use std::time::Duration;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::http::url::normalize_base_url;
use crate::transport::proxy;
use crate::transport::tls::CaCerts;

/// The base URL when `base_url` is not given.
pub const DEFAULT_BASE_URL: &str = "http://localhost:3000";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// `api_paths`: which path a function with two paths (§5) calls.
pub enum ApiPaths {
    /// The current path first, the legacy one after a 404 that is not an envelope; each
    /// function remembers the path that answered with an envelope.
    Auto,
    /// Only the current paths.
    Current,
    /// Only the legacy paths.
    Legacy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// `tls_roots`: where trusted roots come from when `ca_cert_pem` is not set.
pub enum TlsRoots {
    /// The platform's verifier and certificate store.
    Platform,
    /// The Mozilla roots built into the library (webpki-roots).
    WebPki,
}

/// Where the proxy comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySetting {
    /// The option is absent: honour the environment.
    FromEnv,
    /// `""`: no proxy, the environment is ignored.
    Disabled,
    /// An explicit proxy URL.
    Url(String),
}

/// Validated client configuration. Immutable after creation.
#[derive(Debug, Clone)]
pub struct Options {
    /// The FastGPT API key, sent as `Authorization: Bearer`.
    pub api_key: String,
    /// The normalised base URL (no trailing `/`, `/api`, `/api/v1`, `/api/v2`).
    pub base_url: String,
    /// `connect_timeout_ms`.
    pub connect_timeout: Duration,
    /// `None` = no limit.
    pub timeout: Option<Duration>,
    /// `completion_timeout_ms`; `None` = no limit.
    pub completion_timeout: Option<Duration>,
    /// `stream_idle_timeout_ms`; `None` = no limit.
    pub stream_idle_timeout: Option<Duration>,
    /// `stream_timeout_ms`: the longest one streaming attempt may take; `None` = no limit.
    pub stream_timeout: Option<Duration>,
    /// Retries after the first attempt (§7).
    pub max_retries: u32,
    /// `retry_delay_ms`: the first backoff step.
    pub retry_delay: Duration,
    /// `max_retry_after_ms`: the longest `Retry-After` that is waited for.
    pub max_retry_after: Duration,
    /// Extra headers, in the order given; names as given.
    pub headers: Vec<(String, String)>,
    /// The `User-Agent` header.
    pub user_agent: String,
    /// Trusted roots when `ca_cert_pem` is not set.
    pub tls_roots: TlsRoots,
    /// `ca_cert_pem`, parsed: when set, the only roots TLS trusts.
    pub ca_certs: Option<CaCerts>,
    /// `proxy`: from the environment, disabled, or a URL.
    pub proxy: ProxySetting,
    /// Which path the functions with two paths call.
    pub api_paths: ApiPaths,
    /// `/api/v1/chat/completions` or `/api/v2/chat/completions`.
    pub completions_path: &'static str,
    /// `stream_resume`: streaming completions ask FastGPT to keep a replay
    /// (`x-fastgpt-stream-resume: 1`) for `fastgpt_resume_chat_completion_stream`.
    pub stream_resume: bool,
    /// The largest response body read whole, in bytes.
    pub max_response_bytes: usize,
    /// The largest single SSE event, in bytes.
    pub max_event_bytes: usize,
}

const KEYS: &[&str] = &[
    "api_key",
    "base_url",
    "connect_timeout_ms",
    "timeout_ms",
    "completion_timeout_ms",
    "stream_idle_timeout_ms",
    "stream_timeout_ms",
    "max_retries",
    "retry_delay_ms",
    "max_retry_after_ms",
    "headers",
    "tls_roots",
    "ca_cert_pem",
    "proxy",
    "api_paths",
    "completions_api",
    "stream_resume",
    "max_response_bytes",
    "max_event_bytes",
];

const REFUSED_HEADERS: &[&str] = &[
    "authorization",
    "host",
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
];

impl Options {
    /// Parses the `options_json` of `fastgpt_client_new_with_options`.
    pub fn from_json(text: &str) -> Result<Options, Error> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("options_json is not valid JSON: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::invalid("options_json must be a JSON object"));
        };
        Options::from_map(&map)
    }

    /// Validates the members of an options object (unknown members are errors).
    pub fn from_map(map: &Map<String, Value>) -> Result<Options, Error> {
        if let Some(k) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(Error::invalid(format!(
                "unknown option \"{k}\" (known options: {})",
                KEYS.join(", ")
            )));
        }
        let api_key = match map.get("api_key") {
            None => return Err(Error::invalid("option \"api_key\" is required")),
            Some(v) => string_opt(v, "api_key")?.to_string(),
        };
        check_api_key(&api_key)?;
        let base_url = match map.get("base_url") {
            None => DEFAULT_BASE_URL.to_string(),
            Some(v) => string_opt(v, "base_url")?.to_string(),
        };
        let base_url = normalize_base_url(&base_url)?;
        let ms = |key: &str, default: u32, min: i64| -> Result<u32, Error> {
            match map.get(key) {
                None => Ok(default),
                Some(v) => int_opt(v, key, min),
            }
        };
        let optional_limit = |v: u32| (v > 0).then(|| Duration::from_millis(v as u64));

        let mut headers = Vec::new();
        let mut user_agent = format!("libfastgpt/{}", env!("CARGO_PKG_VERSION"));
        if let Some(v) = map.get("headers") {
            let Value::Object(h) = v else {
                return Err(Error::invalid(
                    "option \"headers\" must be an object of strings",
                ));
            };
            for (name, value) in h {
                let Value::String(value) = value else {
                    return Err(Error::invalid(format!(
                        "header \"{name}\" must have a string value"
                    )));
                };
                check_header(name, value)?;
                if name.eq_ignore_ascii_case("user-agent") {
                    user_agent = value.clone();
                } else {
                    headers.push((name.clone(), value.clone()));
                }
            }
        }

        let tls_roots = match map.get("tls_roots") {
            None => TlsRoots::Platform,
            Some(v) => match string_opt(v, "tls_roots")? {
                "platform" => TlsRoots::Platform,
                "webpki" => TlsRoots::WebPki,
                other => {
                    return Err(Error::invalid(format!(
                        "option \"tls_roots\" must be \"platform\" or \"webpki\", not \"{other}\""
                    )))
                }
            },
        };
        let ca_certs = match map.get("ca_cert_pem") {
            None => None,
            Some(v) => Some(CaCerts::parse(string_opt(v, "ca_cert_pem")?)?),
        };
        let proxy = match map.get("proxy") {
            None => ProxySetting::FromEnv,
            Some(v) => match string_opt(v, "proxy")? {
                "" => ProxySetting::Disabled,
                url => {
                    proxy::check_proxy_url(url)?;
                    ProxySetting::Url(url.to_string())
                }
            },
        };
        let api_paths = match map.get("api_paths") {
            None => ApiPaths::Auto,
            Some(v) => match string_opt(v, "api_paths")? {
                "auto" => ApiPaths::Auto,
                "current" => ApiPaths::Current,
                "legacy" => ApiPaths::Legacy,
                other => {
                    return Err(Error::invalid(format!(
                        "option \"api_paths\" must be \"auto\", \"current\" or \"legacy\", not \"{other}\""
                    )))
                }
            },
        };
        let completions_path = match map.get("completions_api") {
            None => "/api/v1/chat/completions",
            Some(v) => match string_opt(v, "completions_api")? {
                "v1" => "/api/v1/chat/completions",
                "v2" => "/api/v2/chat/completions",
                other => {
                    return Err(Error::invalid(format!(
                        "option \"completions_api\" must be \"v1\" or \"v2\", not \"{other}\""
                    )))
                }
            },
        };
        let stream_resume = match map.get("stream_resume") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(Error::invalid(
                    "option \"stream_resume\" must be true or false",
                ))
            }
        };

        Ok(Options {
            api_key,
            base_url,
            connect_timeout: Duration::from_millis(ms("connect_timeout_ms", 10_000, 1)? as u64),
            timeout: optional_limit(ms("timeout_ms", 60_000, 0)?),
            completion_timeout: optional_limit(ms("completion_timeout_ms", 600_000, 0)?),
            stream_idle_timeout: optional_limit(ms("stream_idle_timeout_ms", 60_000, 0)?),
            stream_timeout: optional_limit(ms("stream_timeout_ms", 0, 0)?),
            max_retries: ms("max_retries", 2, 0)?,
            retry_delay: Duration::from_millis(ms("retry_delay_ms", 1000, 0)? as u64),
            max_retry_after: Duration::from_millis(ms("max_retry_after_ms", 60_000, 0)? as u64),
            headers,
            user_agent,
            tls_roots,
            ca_certs,
            proxy,
            api_paths,
            completions_path,
            stream_resume,
            max_response_bytes: ms("max_response_bytes", 64 << 20, 0)? as usize,
            max_event_bytes: ms("max_event_bytes", 16 << 20, 0)? as usize,
        })
    }

    /// Strings that must never appear in an error JSON: the key, the extra header values and
    /// the proxy's credentials.
    pub fn secrets(&self) -> Vec<String> {
        let mut s = vec![self.api_key.clone()];
        s.extend(
            self.headers
                .iter()
                .map(|(_, v)| v.clone())
                .filter(|v| v.len() >= 4),
        );
        if let ProxySetting::Url(u) = &self.proxy {
            s.extend(proxy::proxy_credentials(u));
        }
        s
    }
}

fn string_opt<'a>(v: &'a Value, key: &str) -> Result<&'a str, Error> {
    v.as_str()
        .ok_or_else(|| Error::invalid(format!("option \"{key}\" must be a string")))
}

fn int_opt(v: &Value, key: &str, min: i64) -> Result<u32, Error> {
    match v.as_i64() {
        Some(n) if (min..=i32::MAX as i64).contains(&n) => Ok(n as u32),
        _ => Err(Error::invalid(format!(
            "option \"{key}\" must be an integer from {min} to 2147483647"
        ))),
    }
}

fn check_api_key(key: &str) -> Result<(), Error> {
    if key.is_empty() {
        return Err(Error::invalid("api_key must not be empty"));
    }
    if !key.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(Error::invalid(
            "api_key may contain only printable ASCII characters without spaces",
        ));
    }
    Ok(())
}

/// An HTTP token (RFC 9110 §5.6.2).
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn check_header(name: &str, value: &str) -> Result<(), Error> {
    if !is_token(name) {
        return Err(Error::invalid(format!(
            "header name \"{name}\" is not an HTTP token"
        )));
    }
    if REFUSED_HEADERS.iter().any(|r| name.eq_ignore_ascii_case(r)) {
        return Err(Error::invalid(format!(
            "header \"{name}\" is set by the library and cannot be given in \"headers\""
        )));
    }
    if !value
        .bytes()
        .all(|b| b == b'\t' || (0x20..=0x7e).contains(&b))
    {
        return Err(Error::invalid(format!(
            "the value of header \"{name}\" may contain only printable ASCII, space and tab"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Options, Error> {
        Options::from_json(s)
    }

    #[test]
    fn defaults() {
        let o = parse(r#"{"api_key":"fastgpt-x"}"#).unwrap();
        assert_eq!(o.base_url, "http://localhost:3000");
        assert_eq!(o.connect_timeout, Duration::from_secs(10));
        assert_eq!(o.timeout, Some(Duration::from_secs(60)));
        assert_eq!(o.completion_timeout, Some(Duration::from_secs(600)));
        assert_eq!(o.max_retries, 2);
        assert_eq!(o.api_paths, ApiPaths::Auto);
        assert!(!o.stream_resume);
        assert_eq!(o.max_response_bytes, 64 << 20);
        assert!(o.user_agent.starts_with("libfastgpt/"));
    }

    #[test]
    fn rejects_what_the_contract_rejects() {
        for bad in [
            r#"[]"#,
            r#"{}"#,
            r#"{"api_key":""}"#,
            r#"{"api_key":"a b"}"#,
            r#"{"api_key":"k","typo":1}"#,
            r#"{"api_key":"k","timeout_ms":null}"#,
            r#"{"api_key":"k","timeout_ms":-1}"#,
            r#"{"api_key":"k","timeout_ms":1.5}"#,
            r#"{"api_key":"k","timeout_ms":"5"}"#,
            r#"{"api_key":"k","timeout_ms":2147483648}"#,
            r#"{"api_key":"k","connect_timeout_ms":0}"#,
            r#"{"api_key":"k","headers":{"Authorization":"x"}}"#,
            r#"{"api_key":"k","headers":{"bad name":"x"}}"#,
            r#"{"api_key":"k","headers":{"X-A":"line\nbreak"}}"#,
            r#"{"api_key":"k","headers":{"X-A":1}}"#,
            r#"{"api_key":"k","tls_roots":"os"}"#,
            r#"{"api_key":"k","ca_cert_pem":""}"#,
            r#"{"api_key":"k","api_paths":"new"}"#,
            r#"{"api_key":"k","completions_api":"v3"}"#,
            r#"{"api_key":"k","stream_resume":1}"#,
            r#"{"api_key":"k","stream_resume":"true"}"#,
            r#"{"api_key":"k","stream_resume":null}"#,
            r#"{"api_key":"k","proxy":"ftp://x"}"#,
            r#"{"api_key":"k","base_url":"localhost:3000"}"#,
        ] {
            let e = parse(bad).err().unwrap_or_else(|| panic!("accepted {bad}"));
            assert_eq!(e.status, crate::status::FASTGPT_E_INVALID_ARGUMENT, "{bad}");
        }
    }

    #[test]
    fn zero_means_no_limit_and_user_agent_replaces() {
        let o = parse(
            r#"{"api_key":"k","timeout_ms":0,"stream_idle_timeout_ms":0,
                "headers":{"user-agent":"mine/1","X-Team":"a b"},"proxy":""}"#,
        )
        .unwrap();
        assert_eq!(o.timeout, None);
        assert_eq!(o.stream_idle_timeout, None);
        assert_eq!(o.user_agent, "mine/1");
        assert_eq!(o.headers, vec![("X-Team".to_string(), "a b".to_string())]);
        assert_eq!(o.proxy, ProxySetting::Disabled);
        assert!(
            parse(r#"{"api_key":"k","stream_resume":true}"#)
                .unwrap()
                .stream_resume
        );
    }
}
