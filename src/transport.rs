//! The network layer under ureq: a resolver, a TCP connector and a TCP transport that check
//! the running call's cancel token and deadlines at least every 100 ms (contract §4, §8).
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
//! A transport that gives up returns an I/O error and records why in the [`CallCtx`]; the
//! caller then reports `FASTGPT_E_CANCELLED` or `FASTGPT_E_TIMEOUT` from that record.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
};
use ureq::Timeout;

use crate::cancel::CancelToken;
use crate::error::{Error, TimeoutKind};

/// The longest a blocking socket operation or wait runs before the token is checked again.
/// Half the contract's 100 ms, so that a cancellation is seen well within 100 ms.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// How long a resolved address is reused.
const DNS_CACHE_TTL: Duration = Duration::from_secs(60);

/// Why a call stopped doing I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    Cancelled,
    Timeout(TimeoutKind),
}

#[derive(Debug)]
struct CtxState {
    last_activity: Instant,
    interrupt: Option<Interrupt>,
    /// The whole request reached the socket (§7: such a failure is not retried for
    /// completions).
    request_written: bool,
}

/// The state of one attempt of one call, shared with the transport through a thread-local.
#[derive(Debug)]
pub struct CallCtx {
    cancel: Option<CancelToken>,
    connect_deadline: Instant,
    /// `timeout_ms` / `completion_timeout_ms`, from the start of the attempt.
    request_deadline: Option<Instant>,
    /// `stream_idle_timeout_ms`, for streaming calls.
    idle: Option<Duration>,
    state: Mutex<CtxState>,
}

thread_local! {
    static CURRENT: RefCell<Vec<Arc<CallCtx>>> = const { RefCell::new(Vec::new()) };
}

/// Keeps a [`CallCtx`] installed on this thread until dropped.
pub struct CtxGuard(());

impl Drop for CtxGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| {
            c.borrow_mut().pop();
        });
    }
}

fn current() -> Option<Arc<CallCtx>> {
    CURRENT.with(|c| c.borrow().last().cloned())
}

impl CallCtx {
    pub fn new(
        cancel: Option<&CancelToken>,
        connect_timeout: Duration,
        request_timeout: Option<Duration>,
        idle: Option<Duration>,
    ) -> Arc<CallCtx> {
        let now = Instant::now();
        Arc::new(CallCtx {
            cancel: cancel.cloned(),
            connect_deadline: now + connect_timeout,
            request_deadline: request_timeout.map(|t| now + t),
            idle,
            state: Mutex::new(CtxState {
                last_activity: now,
                interrupt: None,
                request_written: false,
            }),
        })
    }

    /// Installs this context on the calling thread (nesting is allowed: a stream callback
    /// may run another call).
    pub fn install(self: &Arc<Self>) -> CtxGuard {
        CURRENT.with(|c| c.borrow_mut().push(self.clone()));
        CtxGuard(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CtxState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn interrupt(&self) -> Option<Interrupt> {
        self.lock().interrupt
    }

    pub fn request_written(&self) -> bool {
        self.lock().request_written
    }

    fn mark_written(&self) {
        self.lock().request_written = true;
    }

    /// Records that bytes arrived (restarts the idle timer).
    fn touch(&self) {
        self.lock().last_activity = Instant::now();
    }

    /// Restarts the idle timer when the caller resumes reading after a pause of its own
    /// (the time spent in a callback is not server silence).
    pub fn resume_reading(&self) {
        self.touch();
    }

    fn is_cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
    }

    /// The earliest deadline that applies in `phase`, and which timeout it is.
    fn deadline(&self, phase: Phase) -> Option<(Instant, TimeoutKind)> {
        let mut best: Option<(Instant, TimeoutKind)> = None;
        let mut consider = |d: Option<Instant>, k: TimeoutKind| {
            if let Some(d) = d {
                if best.is_none_or(|(b, _)| d < b) {
                    best = Some((d, k));
                }
            }
        };
        consider(self.request_deadline, TimeoutKind::Request);
        match phase {
            Phase::Connect => consider(Some(self.connect_deadline), TimeoutKind::Connect),
            Phase::Send | Phase::Receive => {
                if let Some(idle) = self.idle {
                    consider(Some(self.lock().last_activity + idle), TimeoutKind::Idle);
                }
            }
        }
        best
    }

    /// Checks the token and the deadline of `phase`; on failure records the interrupt and
    /// returns the error to give to ureq. Otherwise returns how long the next blocking slice
    /// may last.
    fn check(&self, phase: Phase) -> Result<Duration, io::Error> {
        if self.is_cancelled() {
            return Err(self.record(Interrupt::Cancelled));
        }
        let mut slice = CHECK_INTERVAL;
        if let Some((deadline, kind)) = self.deadline(phase) {
            let now = Instant::now();
            if now >= deadline {
                return Err(self.record(Interrupt::Timeout(kind)));
            }
            slice = slice.min(deadline - now);
        }
        if let Some(d) = self.cancel.as_ref().and_then(|c| c.deadline()) {
            slice = slice.min(d.saturating_duration_since(Instant::now()));
        }
        Ok(slice.max(Duration::from_millis(1)))
    }

    fn record(&self, why: Interrupt) -> io::Error {
        let mut s = self.lock();
        s.interrupt.get_or_insert(why);
        match why {
            Interrupt::Cancelled => io::Error::new(io::ErrorKind::Interrupted, "cancelled"),
            Interrupt::Timeout(k) => {
                io::Error::new(io::ErrorKind::TimedOut, format!("{} timeout", k.as_str()))
            }
        }
    }

    /// Checks the token directly (between phases, and in backoff waits).
    pub fn check_cancelled(&self) -> bool {
        if self.is_cancelled() {
            self.record(Interrupt::Cancelled);
            true
        } else {
            false
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Connect,
    Send,
    Receive,
}

fn phase_of(t: &NextTimeout) -> Phase {
    match t.reason {
        Timeout::Resolve | Timeout::Connect => Phase::Connect,
        Timeout::SendRequest | Timeout::SendBody | Timeout::Await100 => Phase::Send,
        _ => Phase::Receive,
    }
}

/// ureq's phase timeouts: long enough never to fire, present so that ureq reports phases.
pub const PHASE_MARKER_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

/// Waits for `rx` in slices, checking the current context; used for helper-thread work.
fn wait_for<T>(rx: &mpsc::Receiver<T>, ctx: Option<&CallCtx>, phase: Phase) -> Result<T, io::Error> {
    loop {
        let slice = match ctx {
            Some(c) => c.check(phase)?,
            None => Duration::from_secs(3600),
        };
        match rx.recv_timeout(slice) {
            Ok(v) => return Ok(v),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("helper thread ended without a result"))
            }
        }
    }
}

/// Resolves host names on a helper thread, with a 60 s cache.
#[derive(Debug, Default)]
pub struct CancellableResolver {
    cache: Mutex<HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CancellableResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().ok_or_else(|| ureq::Error::BadUri(format!("no host in {uri}")))?;
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let mut out = self.empty();
        if let Ok(ip) = host.parse::<IpAddr>() {
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = (host.trim_end_matches('.').to_ascii_lowercase(), port);
        // RFC 6761 §6.4: names under "invalid." never resolve; answer without a query.
        if key.0 == "invalid" || key.0.ends_with(".invalid") {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("could not resolve host {host}: the .invalid domain never resolves (RFC 6761)"),
            )));
        }
        if let Some((at, addrs)) = self.cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            if at.elapsed() < DNS_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        let (tx, rx) = mpsc::channel();
        let target = key.0.clone();
        std::thread::Builder::new()
            .name("fastgpt-dns".into())
            .spawn(move || {
                let _ = tx.send((target.as_str(), port).to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
            })
            .map_err(ureq::Error::Io)?;
        let ctx = current();
        let found = wait_for(&rx, ctx.as_deref(), Phase::Connect)?.map_err(|e| {
            ureq::Error::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("could not resolve host {host}: {e}"),
            ))
        })?;
        if found.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        for a in found.into_iter().take(16) {
            out.push(a);
        }
        self.cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, (Instant::now(), out.clone()));
        Ok(out)
    }
}

/// Connects TCP sockets within `connect_timeout_ms`, interruptible by the cancel token.
#[derive(Debug, Default)]
pub struct CancellableTcpConnector;

impl<In: Transport> Connector<In> for CancellableTcpConnector {
    type Out = Either<In, CancellableTcpTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(t) = chained {
            return Ok(Some(Either::A(t)));
        }
        let addrs: Vec<SocketAddr> = details.addrs.iter().copied().collect();
        let ctx = current();
        let deadline = ctx.as_ref().map(|c| c.connect_deadline.min(c.request_deadline.unwrap_or(c.connect_deadline)));
        let stream = match &ctx {
            Some(c) if c.cancel.is_some() => {
                let (tx, rx) = mpsc::channel();
                std::thread::Builder::new()
                    .name("fastgpt-connect".into())
                    .spawn(move || {
                        let _ = tx.send(connect_any(&addrs, deadline));
                    })
                    .map_err(ureq::Error::Io)?;
                wait_for(&rx, Some(c), Phase::Connect)?
            }
            _ => connect_any(&addrs, deadline),
        };
        let stream = match stream {
            Ok(s) => s,
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                if let Some(c) = &ctx {
                    c.check(Phase::Connect)?;
                    return Err(c.record(Interrupt::Timeout(TimeoutKind::Connect)).into());
                }
                return Err(e.into());
            }
            Err(e) => return Err(e.into()),
        };
        stream.set_nodelay(true)?;
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Some(Either::B(CancellableTcpTransport { stream, buffers, read_timeout: None, write_timeout: None })))
    }
}

fn connect_any(addrs: &[SocketAddr], deadline: Option<Instant>) -> io::Result<TcpStream> {
    let mut last = io::Error::new(io::ErrorKind::ConnectionRefused, "no address to connect to");
    for addr in addrs {
        let r = match deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "connect timeout"));
                }
                TcpStream::connect_timeout(addr, left)
            }
            None => TcpStream::connect(addr),
        };
        match r {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == io::ErrorKind::TimedOut => return Err(e),
            Err(e) => last = io::Error::new(e.kind(), format!("connect to {addr}: {e}")),
        }
    }
    Err(last)
}

/// A TCP connection whose every blocking read or write lasts at most 100 ms.
pub struct CancellableTcpTransport {
    stream: TcpStream,
    buffers: LazyBuffers,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
}

impl std::fmt::Debug for CancellableTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancellableTcpTransport").field("peer", &self.stream.peer_addr().ok()).finish()
    }
}

fn is_slice_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted)
}

impl Transport for CancellableTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let phase = phase_of(&timeout);
        let ctx = current();
        let mut written = 0;
        while written < amount {
            let slice = match &ctx {
                Some(c) => Some(c.check(phase)?),
                None => None,
            };
            if slice != self.write_timeout {
                self.stream.set_write_timeout(slice)?;
                self.write_timeout = slice;
            }
            let output = &self.buffers.output()[written..amount];
            match self.stream.write(output) {
                Ok(0) => return Err(io::Error::new(io::ErrorKind::WriteZero, "connection closed while sending").into()),
                Ok(n) => written += n,
                Err(e) if is_slice_timeout(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        if phase == Phase::Send {
            if let Some(c) = &ctx {
                c.mark_written();
                c.touch();
            }
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        let phase = phase_of(&timeout);
        let ctx = current();
        loop {
            let slice = match &ctx {
                Some(c) => Some(c.check(phase)?),
                None => None,
            };
            if slice != self.read_timeout {
                self.stream.set_read_timeout(slice)?;
                self.read_timeout = slice;
            }
            let input = self.buffers.input_append_buf();
            match self.stream.read(input) {
                Ok(n) => {
                    self.buffers.input_appended(n);
                    if let Some(c) = &ctx {
                        c.touch();
                    }
                    return Ok(n > 0);
                }
                Err(e) if is_slice_timeout(&e) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn is_open(&mut self) -> bool {
        // A pooled connection is usable when a non-blocking read finds nothing to read.
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut b = [0u8; 1];
        let open = matches!(self.stream.read(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        open && self.stream.set_nonblocking(false).is_ok()
    }
}

/// Parses `ca_cert_pem`: at least one certificate, nothing unparsable.
pub fn parse_ca_certs(pem: &str) -> Result<Vec<ureq::tls::Certificate<'static>>, Error> {
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(pem.as_bytes()) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(Error::invalid(format!("ca_cert_pem is not valid PEM: {e}"))),
        }
    }
    if certs.is_empty() {
        return Err(Error::invalid("ca_cert_pem contains no certificate"));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_must_hold_a_certificate() {
        assert!(parse_ca_certs("").is_err());
        assert!(parse_ca_certs("not pem").is_err());
    }
}
