//! One attempt: build the request, run it on the agent under a fresh [`CallCtx`], and read
//! the answer whole (bounded by `max_response_bytes`) or hand over a 2xx event stream.

use std::io::Read;
use std::time::SystemTime;

use crate::error::{Error, TimeoutKind};
use crate::http::retry_after::parse_retry_after;
use crate::http::{Http, Kind, Meta, OpenStream, Request};
use crate::status::*;
use crate::transport::cancel::CancelToken;
use crate::transport::{CallCtx, Interrupt};


/// The outcome of one attempt (short-lived: built and matched once per attempt).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Attempt {
    Whole { status: u16, location: Option<String>, body: Vec<u8> },
    Stream(Box<OpenStream>),
    /// No complete response (or a body over the limit). `connect_failure`: the request was
    /// not written whole, so the server cannot have acted on it.
    Failed { error: Error, connect_failure: bool },
}

impl Http {

    pub(crate) fn attempt(&self, req: &Request, url: &str, cancel: Option<&CancelToken>, meta: &mut Meta) -> Attempt {
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
