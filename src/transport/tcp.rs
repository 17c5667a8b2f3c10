//! TCP connections whose connect, reads and writes check the call's cancel token and
//! deadlines in slices of at most 50 ms.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, Transport,
};

use crate::error::TimeoutKind;
use crate::transport::call_ctx::{current, phase_of, wait_for, Interrupt, Phase};

/// ureq's phase timeouts: long enough never to fire, present so that ureq reports phases.
pub const PHASE_MARKER_TIMEOUT: Duration = Duration::from_secs(365 * 24 * 3600);

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
        connect_tcp(details).map(|t| Some(Either::B(t)))
    }
}

/// Connects to `details.addrs` within `connect_timeout_ms` (and `timeout_ms`), checking the
/// cancel token; used directly by the proxy connector for the proxy's address.
pub(crate) fn connect_tcp(
    details: &ConnectionDetails,
) -> Result<CancellableTcpTransport, ureq::Error> {
    let addrs: Vec<SocketAddr> = details.addrs.iter().copied().collect();
    let ctx = current();
    if let Some(c) = &ctx {
        c.mark_connected();
    }
    let deadline = ctx.as_ref().map(|c| {
        c.connect_deadline
            .min(c.request_deadline.unwrap_or(c.connect_deadline))
    });
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
    Ok(CancellableTcpTransport {
        stream,
        buffers,
        read_timeout: None,
        write_timeout: None,
        zero_writes: 0,
    })
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
    /// Consecutive calls that asked to send nothing (see [`MAX_ZERO_WRITES`]).
    zero_writes: u32,
}

/// ureq asks to send 0 bytes when a request body ended before the length it announced
/// (a `Content-Length` larger than the body): its send loop then never ends. That many
/// consecutive empty sends end the request with an error instead of spinning.
const MAX_ZERO_WRITES: u32 = 1000;

impl std::fmt::Debug for CancellableTcpTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CancellableTcpTransport")
            .field("peer", &self.stream.peer_addr().ok())
            .finish()
    }
}

fn is_slice_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl Transport for CancellableTcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let phase = phase_of(&timeout);
        let ctx = current();
        // Every call checks the token and the deadline, even one that sends nothing, so
        // that no loop above it outlives them.
        if let Some(c) = &ctx {
            if phase == Phase::Send {
                c.mark_sending();
            }
            c.check(phase)?;
        }
        if amount == 0 {
            self.zero_writes += 1;
            if self.zero_writes >= MAX_ZERO_WRITES {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "the request body ended before the length it announced",
                )
                .into());
            }
            return Ok(());
        }
        self.zero_writes = 0;
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
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "connection closed while sending",
                    )
                    .into())
                }
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
                        if n > 0 && phase == Phase::Receive {
                            c.mark_response_started();
                        }
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
        let open =
            matches!(self.stream.read(&mut b), Err(e) if e.kind() == io::ErrorKind::WouldBlock);
        open && self.stream.set_nonblocking(false).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::cancel::CancelToken;
    use crate::transport::CallCtx;
    use std::net::TcpListener;

    fn transport() -> (CancellableTcpTransport, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let stream = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (peer, _) = l.accept().unwrap();
        let t = CancellableTcpTransport {
            stream,
            buffers: LazyBuffers::new(1024, 1024),
            read_timeout: None,
            write_timeout: None,
            zero_writes: 0,
        };
        (t, peer)
    }

    fn send_body_timeout() -> NextTimeout {
        NextTimeout {
            reason: ureq::Timeout::SendBody,
            ..NextTimeout::default()
        }
    }

    /// A body shorter than its announced length made ureq ask for empty sends forever
    /// (the presigned `Content-Length` spin): a run of them is an error, not a loop.
    #[test]
    fn a_run_of_empty_sends_ends_the_request() {
        let (mut t, _peer) = transport();
        let mut n = 0;
        let err = loop {
            match t.transmit_output(0, send_body_timeout()) {
                Ok(()) => n += 1,
                Err(e) => break e,
            }
            assert!(n < 10 * MAX_ZERO_WRITES, "no end");
        };
        assert_eq!(n, MAX_ZERO_WRITES - 1);
        assert!(err.to_string().contains("ended before"), "{err}");
        // A real send in between resets the run.
        let (mut t, _peer) = transport();
        for _ in 0..3 * MAX_ZERO_WRITES {
            if t.zero_writes + 1 == MAX_ZERO_WRITES {
                t.buffers().output()[0] = b'x';
                t.transmit_output(1, send_body_timeout()).unwrap();
            }
            t.transmit_output(0, send_body_timeout()).unwrap();
        }
    }

    /// Even an empty send checks the cancel token.
    #[test]
    fn empty_sends_check_the_token() {
        let (mut t, _peer) = transport();
        let token = CancelToken::new();
        let ctx = CallCtx::new(Some(&token), Duration::from_secs(10), None, None);
        let _g = ctx.install();
        t.transmit_output(0, send_body_timeout()).unwrap();
        token.cancel();
        assert!(t.transmit_output(0, send_body_timeout()).is_err());
        assert_eq!(ctx.interrupt(), Some(Interrupt::Cancelled));
    }
}
