//! The network layer under ureq: a resolver, a TCP connector and a TCP transport that check
//! the running call's cancel token and deadlines at least every 100 ms (the contract §4, §8).
//!
//! Mechanism (recorded as §8 asks): ureq 3 runs each request synchronously on the caller's
//! thread, so the state of the running attempt (its cancel token and deadlines) is installed
//! in a thread-local [`CallCtx`] for the duration of every ureq call and body read.
//! - DNS runs on a short-lived helper thread that the caller waits on in 50 ms slices
//!   (a blocking `getaddrinfo` cannot be interrupted; the helper ends by itself and holds
//!   nothing the caller can see). Results are cached for 60 s, as curl does.
//! - TCP connects run on the caller's thread when the call has no cancel token, and on a
//!   helper thread (bounded by `connect_timeout_ms`) when it has one.
//! - Reads and writes use socket timeouts of at most 50 ms; after each slice the token and
//!   the deadline of the current phase are checked. ureq's own phase timeouts are set to a
//!   year only so that it reports the phase (`NextTimeout::reason`) to the transport.
//!
//! - Proxies are connected by [`proxy_connect::ProxyConnector`] through the same TCP
//!   transport, in the connect phase: `CONNECT` tunnels and SOCKS5 handshakes are bounded by
//!   `connect_timeout_ms` and cancellable; `http://` targets behind an HTTP proxy are sent
//!   in absolute-form.
//! - Every send checks the token and the deadline, also one of zero bytes, and a run of
//!   empty sends (a body shorter than its announced length) ends the request.
//!
//! A transport that gives up returns an I/O error and records why in the [`CallCtx`]; the
//! caller then reports `FASTGPT_E_CANCELLED` or `FASTGPT_E_TIMEOUT` from that record.

pub mod call_ctx;
pub mod cancel;
pub mod dns;
pub mod proxy;
pub mod proxy_connect;
pub mod tcp;
pub mod tls;

pub use call_ctx::{CallCtx, CtxGuard, Interrupt, CHECK_INTERVAL};
pub use dns::CancellableResolver;
pub use tcp::{CancellableTcpConnector, CancellableTcpTransport, PHASE_MARKER_TIMEOUT};
