//! Per-call cancel and deadline state: the [`CallCtx`] of the running attempt, installed in a
//! thread-local for the duration of every ureq call and body read, and the checks the
//! transport runs against it at least every 50 ms.

use std::cell::RefCell;
use std::io;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use ureq::unversioned::transport::NextTimeout;
use ureq::Timeout;

use crate::error::TimeoutKind;
use crate::transport::cancel::CancelToken;

/// The longest a blocking socket operation or wait runs before the token is checked again.
/// Half the contract's 100 ms, so that a cancellation is seen well within 100 ms.
pub const CHECK_INTERVAL: Duration = Duration::from_millis(50);

/// Why a call stopped doing I/O.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// The cancel token was cancelled.
    Cancelled,
    /// A deadline passed.
    Timeout(TimeoutKind),
}

#[derive(Debug)]
pub(crate) struct CtxState {
    last_activity: Instant,
    interrupt: Option<Interrupt>,
    /// A first buffer of the request (its head, at least) reached the socket in the Send
    /// phase; the rest may not have (§7: a failure after it is not retried for
    /// completions).
    request_written: bool,
    /// This attempt tried to open a connection (otherwise it reused a pooled one).
    connected: bool,
    /// This attempt began sending its request.
    sending: bool,
    /// A byte of the response arrived.
    response_started: bool,
    /// The proxy answered CONNECT with a 4xx (it would again: not retried).
    proxy_refused: bool,
}

/// The state of one attempt of one call, shared with the transport through a thread-local.
#[derive(Debug)]
pub struct CallCtx {
    pub(crate) cancel: Option<CancelToken>,
    pub(crate) connect_deadline: Instant,
    /// `timeout_ms` / `completion_timeout_ms`, from the start of the attempt.
    pub(crate) request_deadline: Option<Instant>,
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

pub(crate) fn current() -> Option<Arc<CallCtx>> {
    CURRENT.with(|c| c.borrow().last().cloned())
}

impl CallCtx {
    /// The state of a new attempt: deadlines start now.
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
                connected: false,
                sending: false,
                response_started: false,
                proxy_refused: false,
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

    /// Why the attempt stopped doing I/O, if it did.
    pub fn interrupt(&self) -> Option<Interrupt> {
        self.lock().interrupt
    }

    /// Whether a first buffer of the request reached the socket (not necessarily all of it).
    pub fn request_written(&self) -> bool {
        self.lock().request_written
    }

    pub(crate) fn mark_written(&self) {
        self.lock().request_written = true;
    }

    /// Records that the attempt tries to open a new connection.
    pub(crate) fn mark_connected(&self) {
        self.lock().connected = true;
    }

    /// Records that the attempt begins sending its request.
    pub(crate) fn mark_sending(&self) {
        self.lock().sending = true;
    }

    /// Records that a byte of the response arrived.
    pub(crate) fn mark_response_started(&self) {
        self.lock().response_started = true;
    }

    /// Records that the proxy refused CONNECT with a 4xx (407, 403, ...).
    pub(crate) fn mark_proxy_refused(&self) {
        self.lock().proxy_refused = true;
    }

    /// Whether the proxy refused CONNECT with a 4xx.
    pub fn proxy_refused(&self) -> bool {
        self.lock().proxy_refused
    }

    /// The attempt sent (or began sending) its request on a pooled connection, which
    /// failed before a single response byte arrived, and was not interrupted: the server had closed the idle connection (§7:
    /// the request is sent once more on a new connection).
    pub fn failed_on_stale_pooled_connection(&self) -> bool {
        let s = self.lock();
        s.sending && !s.connected && !s.response_started && s.interrupt.is_none()
    }

    /// Records that bytes arrived (restarts the idle timer).
    pub(crate) fn touch(&self) {
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
    pub(crate) fn check(&self, phase: Phase) -> Result<Duration, io::Error> {
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

    pub(crate) fn record(&self, why: Interrupt) -> io::Error {
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
pub(crate) enum Phase {
    Connect,
    Send,
    Receive,
}

pub(crate) fn phase_of(t: &NextTimeout) -> Phase {
    match t.reason {
        Timeout::Resolve | Timeout::Connect => Phase::Connect,
        Timeout::SendRequest | Timeout::SendBody | Timeout::Await100 => Phase::Send,
        _ => Phase::Receive,
    }
}

/// Waits for `rx` in slices, checking the current context; used for helper-thread work.
pub(crate) fn wait_for<T>(
    rx: &mpsc::Receiver<T>,
    ctx: Option<&CallCtx>,
    phase: Phase,
) -> Result<T, io::Error> {
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
