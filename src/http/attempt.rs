//! One attempt: build the request, run it on the agent under a fresh [`CallCtx`], and read
//! the answer whole (bounded by `max_response_bytes`) or hand over a 2xx event stream.

use std::io::Read;
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::{Error, TimeoutKind};
use crate::http::classify::classify;
use crate::http::retry_after::parse_retry_after;
use crate::http::{Http, Kind, Meta, OpenStream, Request};
use crate::status::*;
use crate::transport::cancel::CancelToken;
use crate::transport::{CallCtx, CtxGuard, Interrupt};

/// Why an attempt produced no success.
pub(crate) enum Failure {
    /// A complete answer that is not a success: its status, its body and the error that
    /// classification (§2.1) made of it.
    Answer {
        status: u16,
        body: Vec<u8>,
        error: Error,
    },
    /// No complete answer (or a body over the limit). `connect_failure`: the request was
    /// not written whole, so the server cannot have acted on it.
    Exchange { error: Error, connect_failure: bool },
    /// The request went out on a pooled connection that failed before a single response
    /// byte arrived: the server had closed it while it was idle. Sent once more on a new
    /// connection, not counted against `max_retries` (§7).
    StalePooled { error: Error, connect_failure: bool },
    /// The proxy answered CONNECT with a 4xx (credentials missing or wrong, target not
    /// allowed): the same answer would come again, so it is never retried.
    ProxyRefused { error: Error },
}

/// A response whose head arrived; its body is still to be read under the same context.
struct Exchange {
    ctx: Arc<CallCtx>,
    guard: CtxGuard,
    status: u16,
    location: Option<String>,
    reader: ureq::BodyReader<'static>,
}

impl Http {
    /// One attempt whose answer is read whole and classified: the body text on success.
    pub(crate) fn attempt_whole(
        &self,
        req: &Request,
        url: &str,
        cancel: Option<&CancelToken>,
        meta: &mut Meta,
    ) -> Result<String, Failure> {
        let ex = self.exchange(req, url, cancel, meta)?;
        self.read_and_classify(ex, Vec::new(), req.kind)
    }

    /// One attempt of a streaming request: a 2xx answer that does not start with `{` is an
    /// event stream (rule 8); any other answer is read whole and is a failure.
    pub(crate) fn attempt_stream(
        &self,
        req: &Request,
        url: &str,
        cancel: Option<&CancelToken>,
        meta: &mut Meta,
    ) -> Result<OpenStream, Failure> {
        let mut ex = self.exchange(req, url, cancel, meta)?;
        let mut body = Vec::new();
        if (200..300).contains(&ex.status) {
            // Rule 8: look at the first non-whitespace byte; the whitespace before it counts
            // toward max_event_bytes.
            let max_ws = self.opts.max_event_bytes;
            match peek_non_whitespace(&mut ex.reader, &mut body, max_ws) {
                Ok(Peeked::Byte(b'{')) => {}
                Ok(Peeked::TooMuchWhitespace) => {
                    drop(ex.guard);
                    return Err(Failure::Exchange {
                        error: Error::new(
                            FASTGPT_E_PROTOCOL,
                            format!(
                                "the HTTP {} answer starts with more than max_event_bytes ({max_ws} bytes) of whitespace",
                                ex.status
                            ),
                        ),
                        connect_failure: false,
                    });
                }
                Ok(Peeked::Byte(_) | Peeked::Eof) => {
                    let Exchange {
                        ctx, guard, reader, ..
                    } = ex;
                    drop(guard);
                    return Ok(OpenStream {
                        reader,
                        peeked: body,
                        ctx,
                        meta: Meta::default(),
                    });
                }
                Err(e) => return Err(failed(&ex.ctx, e)),
            }
        }
        let status = ex.status;
        match self.read_and_classify(ex, body, Kind::Stream) {
            Err(f) => Err(f),
            // A JSON answer to a streaming request is never a success (rule 8).
            Ok(text) => Err(Failure::Answer {
                status,
                body: text.into_bytes(),
                error: Error::new(
                    FASTGPT_E_PROTOCOL,
                    format!("HTTP {status} response is not an event stream"),
                ),
            }),
        }
    }

    /// Sends the request and reads the response head; `meta` records what it says.
    fn exchange(
        &self,
        req: &Request,
        url: &str,
        cancel: Option<&CancelToken>,
        meta: &mut Meta,
    ) -> Result<Exchange, Failure> {
        let o = &self.opts;
        let (request_timeout, idle) = match req.kind {
            Kind::Envelope | Kind::Generic | Kind::Upload => (o.timeout, None),
            Kind::Completion => (o.completion_timeout, None),
            Kind::Stream => (o.stream_timeout, o.stream_idle_timeout),
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
            Err(e) => {
                return Err(Failure::Exchange {
                    error: Error::invalid(format!("cannot build request: {e}")),
                    connect_failure: false,
                })
            }
        };
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(failed(&ctx, e)),
        };
        let status = response.status().as_u16();
        let header = |n: &str| {
            response
                .headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        meta.http_status = Some(status);
        meta.request_id = header("x-request-id");
        meta.retry_after_ms =
            header("retry-after").and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let location = header("location");
        let reader = response.into_body().into_with_config().reader();
        Ok(Exchange {
            ctx,
            guard,
            status,
            location,
            reader,
        })
    }

    /// Reads the rest of the body (after `body`, already read) within `max_response_bytes`
    /// and classifies it by the success rule of `kind`.
    fn read_and_classify(
        &self,
        mut ex: Exchange,
        mut body: Vec<u8>,
        kind: Kind,
    ) -> Result<String, Failure> {
        let limit = self.opts.max_response_bytes;
        let read = read_limited(&mut ex.reader, &mut body, limit);
        drop(ex.guard);
        match read {
            Ok(true) => classify(ex.status, &body, ex.location.as_deref(), kind).map_err(|error| {
                Failure::Answer {
                    status: ex.status,
                    body,
                    error,
                }
            }),
            Ok(false) => Err(Failure::Exchange {
                error: Error::new(
                    FASTGPT_E_PROTOCOL,
                    format!("response body is larger than max_response_bytes ({limit} bytes)"),
                ),
                connect_failure: false,
            }),
            Err(e) => Err(failed(&ex.ctx, e)),
        }
    }
}

/// Reads up to `limit` bytes; false when the body is longer.
fn read_limited(r: &mut impl Read, out: &mut Vec<u8>, limit: usize) -> Result<bool, ureq::Error> {
    // One byte over the limit tells a body that is too long from one that fits exactly.
    r.take(limit as u64 + 1)
        .read_to_end(out)
        .map_err(ureq::Error::from)?;
    Ok(out.len() <= limit)
}

/// What the start of a body holds.
#[derive(Debug, PartialEq, Eq)]
enum Peeked {
    /// The first non-whitespace byte.
    Byte(u8),
    /// The body ended (only whitespace, or nothing).
    Eof,
    /// More than the allowed whitespace came first.
    TooMuchWhitespace,
}

/// Reads until a non-whitespace byte, EOF, or more than `max_ws` bytes of whitespace;
/// everything read is kept (at most `max_ws` plus one read).
fn peek_non_whitespace(
    r: &mut impl Read,
    out: &mut Vec<u8>,
    max_ws: usize,
) -> Result<Peeked, ureq::Error> {
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let n = r.read(&mut chunk).map_err(ureq::Error::from)?;
        if n == 0 {
            return Ok(Peeked::Eof);
        }
        if let Some(i) = chunk[..n].iter().position(|b| !b.is_ascii_whitespace()) {
            if out.len() + i > max_ws {
                return Ok(Peeked::TooMuchWhitespace);
            }
            out.extend_from_slice(&chunk[..n]);
            return Ok(Peeked::Byte(chunk[i]));
        }
        if out.len() + n > max_ws {
            return Ok(Peeked::TooMuchWhitespace);
        }
        out.extend_from_slice(&chunk[..n]);
    }
}

/// The error of a call stopped by its cancel token.
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

/// The failure of an exchange that ureq reported as an error.
fn failed(ctx: &CallCtx, e: ureq::Error) -> Failure {
    let written = ctx.request_written();
    if let Some(err) = interrupted_error(ctx) {
        let connect_failure = err.timeout == Some(TimeoutKind::Connect);
        return Failure::Exchange {
            error: err,
            connect_failure,
        };
    }
    let (status, what) = match &e {
        ureq::Error::Protocol(_) | ureq::Error::BadUri(_) | ureq::Error::Http(_) => {
            (FASTGPT_E_TRANSPORT, "malformed response")
        }
        ureq::Error::HostNotFound => (FASTGPT_E_TRANSPORT, "host not found"),
        ureq::Error::Tls(_) => (FASTGPT_E_TRANSPORT, "TLS failure"),
        ureq::Error::ConnectProxyFailed(_) => (FASTGPT_E_TRANSPORT, "proxy failure"),
        _ => (FASTGPT_E_TRANSPORT, "connection failure"),
    };
    let error = Error::new(status, format!("{what}: {e}"));
    if ctx.proxy_refused() {
        return Failure::ProxyRefused { error };
    }
    if ctx.failed_on_stale_pooled_connection() {
        return Failure::StalePooled {
            error,
            connect_failure: !written,
        };
    }
    Failure::Exchange {
        error,
        connect_failure: !written,
    }
}
