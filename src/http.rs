//! Sending one logical request: attempts, retries with backoff and `Retry-After` (§7),
//! timeouts and cancellation (§4, §8), and reading answers whole (§2.1).

use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ureq::unversioned::transport::{ConnectProxyConnector, Connector, RustlsConnector, SocksConnector};
use ureq::Agent;

use crate::cancel::CancelToken;
use crate::classify::{classify, BodyShape, SuccessRule};
use crate::error::{sanitize_body, Error, TimeoutKind};
use crate::options::{Options, ProxySetting, TlsRoots};
use crate::status::*;
use crate::transport::{
    parse_ca_certs, CallCtx, CancellableResolver, CancellableTcpConnector, Interrupt, CHECK_INTERVAL,
    PHASE_MARKER_TIMEOUT,
};

/// How a request is retried, timed and judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An envelope endpoint of the §5 table.
    Envelope,
    /// `fastgpt_create_chat_completion`.
    Completion,
    /// A streaming completion.
    Stream,
    /// `fastgpt_request`.
    Generic,
    /// An upload to chat-file storage (§6.2): an absolute URL, no credentials.
    Upload,
}

/// One request to send (possibly several times).
pub struct Request<'a> {
    pub method: &'static str,
    /// Path with its query string, appended to the base URL; for uploads, the whole URL.
    pub path_and_query: String,
    pub body: Option<&'a [u8]>,
    /// `Content-Type` of the body (API requests: `application/json`).
    pub content_type: Option<String>,
    /// Headers of this request only (uploads: those the presign answer demands).
    pub headers: Vec<(String, String)>,
    pub kind: Kind,
}

impl<'a> Request<'a> {
    /// A request to the FastGPT API, with a JSON body when there is one.
    pub fn api(method: &'static str, path_and_query: String, body: Option<&'a [u8]>, kind: Kind) -> Request<'a> {
        Request {
            method,
            path_and_query,
            body,
            content_type: body.map(|_| "application/json".to_string()),
            headers: Vec::new(),
            kind,
        }
    }
}

/// What a request produced when it succeeded.
pub enum Answer {
    /// A body read whole and classified as success (the body text).
    Whole(String),
    /// A 2xx event stream, ready to be decoded.
    Stream(Box<OpenStream>),
}

/// A 2xx response about to be decoded as SSE.
pub struct OpenStream {
    pub reader: ureq::BodyReader<'static>,
    /// Bytes already read while looking for the first non-whitespace byte.
    pub peeked: Vec<u8>,
    pub ctx: Arc<CallCtx>,
    pub meta: Meta,
}

/// What the error JSON says about the exchange.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub method: Option<&'static str>,
    pub url: Option<String>,
    pub attempts: u32,
    pub http_status: Option<u16>,
    pub request_id: Option<String>,
    pub retry_after_ms: Option<u64>,
}

impl Meta {
    pub fn apply(&self, e: &mut Error) {
        // `method` and `url` describe the last request attempted; none when nothing was
        // attempted (a token cancelled before the call).
        if self.attempts > 0 {
            e.method = self.method;
            e.url.clone_from(&self.url);
        }
        e.attempts = self.attempts;
        e.http_status = self.http_status;
        e.request_id.clone_from(&self.request_id);
        if e.retry_after_ms.is_none() {
            e.retry_after_ms = self.retry_after_ms;
        }
    }
}

/// The outcome of one attempt (short-lived: built and matched once per attempt).
#[allow(clippy::large_enum_variant)]
enum Attempt {
    Whole { status: u16, location: Option<String>, body: Vec<u8> },
    Stream(Box<OpenStream>),
    /// No complete response (or a body over the limit). `connect_failure`: the request was
    /// not written whole, so the server cannot have acted on it.
    Failed { error: Error, connect_failure: bool },
}

pub struct Http {
    agent: Agent,
    pub opts: Arc<Options>,
    secrets: Vec<String>,
}

impl Http {
    pub fn new(opts: Arc<Options>) -> Result<Http, Error> {
        let tls = {
            let b = ureq::tls::TlsConfig::builder();
            let roots = match (&opts.ca_cert_pem, opts.tls_roots) {
                (Some(pem), _) => ureq::tls::RootCerts::new_with_certs(&parse_ca_certs(pem)?),
                (None, TlsRoots::Platform) => ureq::tls::RootCerts::PlatformVerifier,
                (None, TlsRoots::WebPki) => ureq::tls::RootCerts::WebPki,
            };
            b.root_certs(roots).build()
        };
        let proxy = match &opts.proxy {
            ProxySetting::FromEnv => crate::proxy::from_env(&opts.base_url).and_then(|u| ureq::Proxy::new(&u).ok()),
            ProxySetting::Disabled => None,
            ProxySetting::Url(u) => Some(
                ureq::Proxy::new(u).map_err(|e| Error::invalid(format!("proxy is not valid: {e}")))?,
            ),
        };
        let mark = Some(PHASE_MARKER_TIMEOUT);
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .save_redirect_history(false)
            .max_idle_age(Duration::from_secs(4))
            .max_idle_connections(64)
            .max_idle_connections_per_host(32)
            .user_agent(opts.user_agent.as_str())
            .accept("application/json, text/event-stream")
            .proxy(proxy)
            .tls_config(tls)
            .timeout_resolve(mark)
            .timeout_connect(mark)
            .timeout_send_request(mark)
            .timeout_send_body(mark)
            .timeout_recv_response(mark)
            .timeout_recv_body(mark)
            .build();
        let connector = ()
            .chain(SocksConnector::default())
            .chain(ConnectProxyConnector::default())
            .chain(CancellableTcpConnector)
            .chain(RustlsConnector::default());
        let agent = Agent::with_parts(config, connector, CancellableResolver::default());
        let secrets = opts.secrets();
        Ok(Http { agent, opts, secrets })
    }

    /// Sends `req` (with retries) and returns the success answer or the classified error.
    /// `attempts` counts every request sent, across calls that share it (path fallback).
    pub fn send(&self, req: &Request, cancel: Option<&CancelToken>, attempts: &mut u32) -> Result<Answer, Error> {
        let url = match req.kind {
            Kind::Upload => req.path_and_query.clone(),
            _ => format!("{}{}", self.opts.base_url, req.path_and_query),
        };
        let mut meta = Meta { method: Some(req.method), url: Some(url.clone()), ..Meta::default() };
        let mut retry = 0u32;
        loop {
            meta.attempts = *attempts;
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(self.finish(cancelled_error(), &meta, None));
            }
            *attempts += 1;
            meta.attempts = *attempts;
            let attempt = self.attempt(req, &url, cancel, &mut meta);
            let (error, retryable, retry_after) = match attempt {
                Attempt::Stream(mut s) => {
                    s.meta = meta;
                    return Ok(Answer::Stream(s));
                }
                Attempt::Whole { status, location, body } => {
                    let rule = match req.kind {
                        Kind::Envelope => SuccessRule::Envelope,
                        Kind::Completion => SuccessRule::Completion,
                        Kind::Generic => SuccessRule::AnyJson,
                        Kind::Stream => SuccessRule::StreamJson,
                        Kind::Upload => SuccessRule::Any2xx,
                    };
                    match classify(status, &body, location.as_deref(), rule) {
                        Ok(text) => return Ok(Answer::Whole(text)),
                        Err(e) => {
                            let shape = BodyShape::of(&body);
                            let retryable = status == 429
                                || shape.envelope_is_429()
                                || (status == 503 && !shape.is_envelope())
                                || (self.idempotent(req) && matches!(status, 502 | 504));
                            let e = self.finish(e, &meta, Some(&body));
                            (e, retryable, meta.retry_after_ms)
                        }
                    }
                }
                Attempt::Failed { error, connect_failure } => {
                    // §7: a connect failure or connect timeout (nothing was sent) for every
                    // call; a transport error after the request was written only where a
                    // repeat cannot redo work. Never a cancellation, another timeout, or an
                    // oversized body (the same answer would come again).
                    let retryable = match error.status {
                        FASTGPT_E_TRANSPORT => connect_failure || self.idempotent(req),
                        FASTGPT_E_TIMEOUT => error.timeout == Some(TimeoutKind::Connect),
                        _ => false,
                    };
                    let e = self.finish(error, &meta, None);
                    (e, retryable, None)
                }
            };
            if !retryable || retry >= self.opts.max_retries {
                return Err(error);
            }
            let wait = match retry_after {
                Some(ms) if Duration::from_millis(ms) > self.opts.max_retry_after => return Err(error),
                Some(ms) => Duration::from_millis(ms),
                None => backoff(self.opts.retry_delay, retry),
            };
            retry += 1;
            if !sleep_unless_cancelled(wait, cancel) {
                let mut e = self.finish(cancelled_error(), &meta, None);
                e.attempts = *attempts;
                return Err(e);
            }
            meta.http_status = None;
            meta.request_id = None;
            meta.retry_after_ms = None;
        }
    }

    /// Calls that may be repeated after the request was written (§7).
    fn idempotent(&self, req: &Request) -> bool {
        match req.kind {
            Kind::Envelope | Kind::Upload => true,
            Kind::Generic => req.method != "POST",
            Kind::Completion | Kind::Stream => false,
        }
    }

    fn finish(&self, mut e: Error, meta: &Meta, body: Option<&[u8]>) -> Error {
        meta.apply(&mut e);
        if let Some(b) = body {
            e.body = Some(sanitize_body(b, &self.secrets));
        }
        e.mask(&self.secrets);
        e
    }

    fn attempt(&self, req: &Request, url: &str, cancel: Option<&CancelToken>, meta: &mut Meta) -> Attempt {
        let o = &self.opts;
        let (request_timeout, idle) = match req.kind {
            Kind::Envelope | Kind::Generic | Kind::Upload => (o.timeout, None),
            Kind::Completion => (o.completion_timeout, None),
            Kind::Stream => (None, o.stream_idle_timeout),
        };
        let ctx = CallCtx::new(cancel, o.connect_timeout, request_timeout, idle);
        let guard = ctx.install();
        let mut b = ureq::http::Request::builder().method(req.method).uri(url);
        // Storage gets neither the API key nor the extra headers (§6.2).
        if req.kind != Kind::Upload {
            b = b.header("Authorization", format!("Bearer {}", o.api_key));
            for (k, v) in &o.headers {
                b = b.header(k.as_str(), v.as_str());
            }
        }
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        if let Some(ct) = &req.content_type {
            b = b.header("Content-Type", ct.as_str());
        }
        let sent = match b.body(req.body.unwrap_or(&[])) {
            Ok(r) => self.agent.run(r),
            Err(e) => return Attempt::Failed { error: Error::invalid(format!("cannot build request: {e}")), connect_failure: false },
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return failed(&ctx, e),
        };
        let status = response.status().as_u16();
        let header = |n: &str| response.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        meta.http_status = Some(status);
        meta.request_id = header("x-request-id");
        meta.retry_after_ms = header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let location = header("location");
        let mut reader = response.into_body().into_with_config().reader();
        let limit = o.max_response_bytes;
        let mut body = Vec::new();
        if req.kind == Kind::Stream && (200..300).contains(&status) {
            // Rule 8: look at the first non-whitespace byte.
            match peek_non_whitespace(&mut reader, &mut body) {
                Ok(Some(b'{')) => {}
                Ok(_) => {
                    drop(guard);
                    return Attempt::Stream(Box::new(OpenStream { reader, peeked: body, ctx, meta: Meta::default() }));
                }
                Err(e) => return failed(&ctx, e),
            }
        }
        match read_limited(&mut reader, &mut body, limit) {
            Ok(true) => Attempt::Whole { status, location, body },
            Ok(false) => Attempt::Failed {
                error: Error::new(FASTGPT_E_PROTOCOL, format!("response body is larger than max_response_bytes ({limit} bytes)")),
                connect_failure: false,
            },
            Err(e) => failed(&ctx, e),
        }
    }
}

/// Reads up to `limit` bytes; false when the body is longer.
fn read_limited(r: &mut impl Read, out: &mut Vec<u8>, limit: usize) -> Result<bool, ureq::Error> {
    // One byte over the limit tells a body that is too long from one that fits exactly.
    r.take(limit as u64 + 1).read_to_end(out).map_err(ureq::Error::from)?;
    Ok(out.len() <= limit)
}

/// Reads until a non-whitespace byte (returned) or EOF (`None`); everything read is kept.
fn peek_non_whitespace(r: &mut impl Read, out: &mut Vec<u8>) -> Result<Option<u8>, ureq::Error> {
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = r.read(&mut chunk).map_err(ureq::Error::from)?;
        if n == 0 {
            return Ok(None);
        }
        out.extend_from_slice(&chunk[..n]);
        if let Some(&b) = chunk[..n].iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(Some(b));
        }
    }
}

pub fn cancelled_error() -> Error {
    Error::new(FASTGPT_E_CANCELLED, "the call was cancelled")
}

/// Turns a failed exchange into an error, using what the transport recorded.
pub fn interrupted_error(ctx: &CallCtx) -> Option<Error> {
    match ctx.interrupt()? {
        Interrupt::Cancelled => Some(cancelled_error()),
        Interrupt::Timeout(k) => {
            let mut e = Error::new(FASTGPT_E_TIMEOUT, format!("{} timeout expired", k.as_str()));
            e.timeout = Some(k);
            Some(e)
        }
    }
}

fn failed(ctx: &CallCtx, e: ureq::Error) -> Attempt {
    let written = ctx.request_written();
    if let Some(err) = interrupted_error(ctx) {
        let connect_failure = err.timeout == Some(TimeoutKind::Connect);
        return Attempt::Failed { error: err, connect_failure };
    }
    let (status, what) = match &e {
        ureq::Error::Protocol(_) | ureq::Error::BadUri(_) | ureq::Error::Http(_) => (FASTGPT_E_TRANSPORT, "malformed response"),
        ureq::Error::HostNotFound => (FASTGPT_E_TRANSPORT, "host not found"),
        ureq::Error::Tls(_) => (FASTGPT_E_TRANSPORT, "TLS failure"),
        ureq::Error::ConnectProxyFailed(_) => (FASTGPT_E_TRANSPORT, "proxy failure"),
        _ => (FASTGPT_E_TRANSPORT, "connection failure"),
    };
    let error = Error::new(status, format!("{what}: {e}"));
    Attempt::Failed { error, connect_failure: !written }
}

/// `retry_delay * 2^retry`, with jitter: a random point in the upper half of the step.
fn backoff(base: Duration, retry: u32) -> Duration {
    let step = base.saturating_mul(1u32 << retry.min(20));
    let half = step / 2;
    half + Duration::from_nanos(crate::random::below(half.as_nanos().min(u64::MAX as u128) as u64 + 1))
}

/// Sleeps in slices, returning false as soon as the token is cancelled.
fn sleep_unless_cancelled(d: Duration, cancel: Option<&CancelToken>) -> bool {
    let end = Instant::now() + d;
    loop {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(CHECK_INTERVAL));
    }
}

/// `Retry-After` in delta-seconds or as an HTTP-date, in milliseconds from `now`.
pub fn parse_retry_after(v: &str, now: SystemTime) -> Option<u64> {
    let v = v.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return Some(v.parse::<u64>().unwrap_or(u64::MAX / 1000).saturating_mul(1000));
    }
    let at = parse_http_date(v)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs();
    Some(at.saturating_sub(now).saturating_mul(1000))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 and asctime forms, as Unix seconds.
fn parse_http_date(s: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let parts: Vec<&str> = s.split([' ', ',', '-']).filter(|p| !p.is_empty()).collect();
    let month = |m: &str| MONTHS.iter().position(|x| m.eq_ignore_ascii_case(x)).map(|i| i as u64 + 1);
    let (day, mon, year, time) = match parts.as_slice() {
        [_, d, m, y, t, "GMT"] => (d.parse::<u64>().ok()?, month(m)?, y.parse::<u64>().ok()?, *t),
        [_, m, d, t, y] => (d.parse::<u64>().ok()?, month(m)?, y.parse::<u64>().ok()?, *t),
        _ => return None,
    };
    let year = if year < 100 { if year < 70 { 2000 + year } else { 1900 + year } } else { year };
    let hms: Vec<u64> = time.split(':').map(|x| x.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, se] = hms.as_slice() else { return None };
    if !(1..=31).contains(&day) || *h > 23 || *mi > 59 || *se > 60 || year < 1970 {
        return None;
    }
    // Days from the civil date (H. Hinnant's algorithm).
    let (y, m) = if mon <= 2 { (year - 1, mon + 9) } else { (year, mon - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + mi * 60 + se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = UNIX_EPOCH + Duration::from_secs(784111777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("120", now), Some(120_000));
        assert_eq!(parse_retry_after("411480", now), Some(411_480_000));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now), Some(10_000));
        assert_eq!(parse_retry_after("Sunday, 06-Nov-94 08:49:57 GMT", now), Some(20_000));
        assert_eq!(parse_retry_after("Sun Nov  6 08:49:38 1994", now), Some(1_000));
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now), Some(0));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for retry in 0..4 {
            let step = Duration::from_millis(1000) * (1 << retry);
            let d = backoff(Duration::from_millis(1000), retry);
            assert!(d >= step / 2 && d <= step, "{retry}: {d:?}");
        }
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }
}
