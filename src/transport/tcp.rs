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
        let addrs: Vec<SocketAddr> = details.addrs.iter().copied().collect();
        let ctx = current();
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
        Ok(Some(Either::B(CancellableTcpTransport {
            stream,
            buffers,
            read_timeout: None,
            write_timeout: None,
        })))
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
