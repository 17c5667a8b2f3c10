//! The HTTP layer: one logical request to FastGPT or to chat-file storage, sent with the
//! client's agent, retried (§7), bounded by timeouts and the cancel token (§4, §8), and its
//! answer classified (§2.1).

use std::sync::Arc;
use std::time::Duration;

use ureq::unversioned::transport::{Connector, RustlsConnector};
use ureq::Agent;

use crate::error::{sanitize_body, Error};
use crate::options::{Options, ProxySetting, TlsRoots};
use crate::transport::cancel::CancelToken;
use crate::transport::proxy_connect::ProxyConnector;
use crate::transport::{
    CallCtx, CancellableResolver, CancellableTcpConnector, PHASE_MARKER_TIMEOUT,
};

pub mod attempt;
pub mod classify;
pub mod retry;
pub mod retry_after;
pub mod url;

pub use attempt::{cancelled_error, interrupted_error};

/// What a request is: how it is retried (§7), timed (§4) and judged (§2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An envelope endpoint of the §5 table. Success (rule 5): an envelope with
    /// `code == 200`.
    Envelope,
    /// `fastgpt_create_chat_completion`. Success (rule 6): a JSON object with a `choices`
    /// array.
    Completion,
    /// A streaming completion. Rule 8: a JSON body is never a success.
    Stream,
    /// `fastgpt_request`. Success (rule 7): any JSON.
    Generic,
    /// An upload to chat-file storage (§6.2): an absolute URL, no credentials. Success: any
    /// 2xx answer, whatever its body.
    Upload,
}

/// One request to send (possibly several times).
pub struct Request<'a> {
    /// `GET`, `POST`, `PUT` or `DELETE`.
    pub method: &'static str,
    /// Path with its query string, appended to the base URL; for uploads, the whole URL.
    pub path_and_query: String,
    /// The body, if any.
    pub body: Option<&'a [u8]>,
    /// `Content-Type` of the body (API requests: `application/json`).
    pub content_type: Option<String>,
    /// Headers of this request only (uploads: those the presign answer demands).
    pub headers: Vec<(String, String)>,
    /// How the request is retried, timed and judged.
    pub kind: Kind,
}

impl<'a> Request<'a> {
    /// A request to the FastGPT API, with a JSON body when there is one.
    pub fn api(
        method: &'static str,
        path_and_query: String,
        body: Option<&'a [u8]>,
        kind: Kind,
    ) -> Request<'a> {
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

/// A 2xx response about to be decoded as SSE.
pub struct OpenStream {
    /// The rest of the body.
    pub reader: ureq::BodyReader<'static>,
    /// Bytes already read while looking for the first non-whitespace byte.
    pub peeked: Vec<u8>,
    /// The call's cancel and deadline state, which reading the stream keeps using.
    pub ctx: Arc<CallCtx>,
    /// What the error JSON says about the exchange that opened the stream.
    pub meta: Meta,
}

/// What the error JSON says about the exchange.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The method of the last request attempted.
    pub method: Option<&'static str>,
    /// The URL of the last request attempted.
    pub url: Option<String>,
    /// Requests sent so far.
    pub attempts: u32,
    /// The last response's HTTP status.
    pub http_status: Option<u16>,
    /// The last response's `x-request-id` header.
    pub request_id: Option<String>,
    /// The last response's `Retry-After`, in milliseconds.
    pub retry_after_ms: Option<u64>,
}

impl Meta {
    /// Copies what is known about the exchange into `e`.
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

/// The client's HTTP machinery: the ureq agent (pool, TLS, proxy, cancellable transport),
/// the options and the secrets that errors must never show.
pub struct Http {
    agent: Agent,
    /// The client's options.
    pub opts: Arc<Options>,
    /// Built once from the options; shared with the streams this client opens.
    secrets: Arc<Vec<String>>,
}

impl Http {
    /// Builds the agent (TLS roots, proxy, cancellable transport) from `opts`.
    pub fn new(opts: Arc<Options>) -> Result<Http, Error> {
        let tls = {
            let b = ureq::tls::TlsConfig::builder();
            let roots = match (&opts.ca_certs, opts.tls_roots) {
                (Some(certs), _) => certs.root_certs(),
                (None, TlsRoots::Platform) => ureq::tls::RootCerts::PlatformVerifier,
                (None, TlsRoots::WebPki) => ureq::tls::RootCerts::WebPki,
            };
            b.root_certs(roots).build()
        };
        let mut secrets = opts.secrets();
        let proxy = match &opts.proxy {
            ProxySetting::FromEnv => {
                crate::transport::proxy::from_env(&opts.base_url).and_then(|u| {
                    // Credentials from HTTPS_PROXY & co. are as secret as an explicit proxy's.
                    secrets.extend(crate::transport::proxy::proxy_credentials(&u));
                    ureq::Proxy::new(&u).ok()
                })
            }
            ProxySetting::Disabled => None,
            ProxySetting::Url(u) => Some(
                ureq::Proxy::new(u)
                    .map_err(|e| Error::invalid(format!("proxy is not valid: {e}")))?,
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
        // The proxy connector does HTTP proxies (absolute-form or CONNECT) and SOCKS5 itself,
        // through the cancellable TCP transport (§4 `proxy`).
        let connector = ()
            .chain(ProxyConnector {
                user_agent: opts.user_agent.clone(),
            })
            .chain(CancellableTcpConnector)
            .chain(RustlsConnector::default());
        let agent = Agent::with_parts(config, connector, CancellableResolver::default());
        let secrets = Arc::new(secrets);
        Ok(Http {
            agent,
            opts,
            secrets,
        })
    }

    /// The strings that must never appear in an error JSON (see [`Options::secrets`]).
    pub fn secrets(&self) -> &Arc<Vec<String>> {
        &self.secrets
    }

    /// Sends `req` (with retries) and returns the body of the success answer, read whole,
    /// or the classified error. `attempts` counts every request sent, across calls that
    /// share it (path fallback).
    pub fn fetch(
        &self,
        req: &Request,
        cancel: Option<&CancelToken>,
        attempts: &mut u32,
    ) -> Result<String, Error> {
        self.with_retries(req, cancel, attempts, |url, meta| {
            self.attempt_whole(req, url, cancel, meta)
        })
        .map(|(text, _)| text)
    }

    /// Sends a streaming `req` (with retries) and returns the event stream of the 2xx
    /// answer, or the classified error.
    pub fn open_stream(
        &self,
        req: &Request,
        cancel: Option<&CancelToken>,
        attempts: &mut u32,
    ) -> Result<OpenStream, Error> {
        let (mut stream, meta) = self.with_retries(req, cancel, attempts, |url, meta| {
            self.attempt_stream(req, url, cancel, meta)
        })?;
        stream.meta = meta;
        Ok(stream)
    }

    /// Calls that may be repeated after the request was written (§7).
    pub(crate) fn idempotent(&self, req: &Request) -> bool {
        match req.kind {
            Kind::Envelope | Kind::Upload => true,
            Kind::Generic => req.method != "POST",
            // The resume calls (GET): no event reached the caller while the stream opens.
            Kind::Stream => req.method == "GET",
            Kind::Completion => false,
        }
    }

    pub(crate) fn finish(&self, mut e: Error, meta: &Meta, body: Option<&[u8]>) -> Error {
        meta.apply(&mut e);
        if let Some(b) = body {
            e.body = Some(sanitize_body(b, &self.secrets));
        }
        e.mask(&self.secrets);
        e
    }
}
