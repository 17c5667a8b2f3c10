//! One accepted connection: plain TCP, or TLS over TCP. Handlers read and write through
//! `Conn`; socket-level knobs (timeouts, RST, half-close) go to the TCP socket underneath.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::io::AsRawFd;
use std::time::Duration;

pub enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Conn {
    pub fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(t) => &t.sock,
        }
    }

    pub fn is_tls(&self) -> bool {
        matches!(self, Conn::Tls(_))
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`: the origin clients reached.
    pub fn base_url(&self) -> String {
        let scheme = if self.is_tls() { "https" } else { "http" };
        self.tcp()
            .local_addr()
            .map(|a| format!("{}://{}", scheme, a))
            .unwrap_or_default()
    }

    pub fn set_read_timeout(&self, d: Option<Duration>) {
        let _ = self.tcp().set_read_timeout(d);
    }

    /// Orderly end of our side: TLS `close_notify` (unless `abrupt`), then FIN.
    pub fn finish(&mut self, abrupt: bool) {
        if let Conn::Tls(t) = self {
            if !abrupt {
                t.conn.send_close_notify();
            }
            // Flush what TLS has to send (alerts, close_notify) without waiting to read.
            while t.conn.wants_write() {
                if t.conn.write_tls(&mut t.sock).is_err() {
                    break;
                }
            }
        }
        let _ = self.tcp().shutdown(Shutdown::Write);
    }

    /// The peer has closed its side (a non-blocking peek reads EOF) or the socket failed.
    pub fn peer_closed(&self) -> bool {
        let mut b = [0u8; 1];
        // SAFETY: valid fd; the buffer is a live 1-byte array; MSG_PEEK leaves data queued.
        let n = unsafe {
            libc::recv(
                self.tcp().as_raw_fd(),
                b.as_mut_ptr() as *mut libc::c_void,
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n == 0 {
            return true;
        }
        n < 0 && {
            let e = io::Error::last_os_error();
            !matches!(
                e.kind(),
                io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
            )
        }
    }

    /// Make the next close of the socket abortive (RST) via `SO_LINGER {1, 0}`.
    pub fn set_linger_zero(&self) {
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: valid fd owned by the TcpStream; pointer and length describe a live
        // `linger` value for the duration of the call.
        unsafe {
            libc::setsockopt(
                self.tcp().as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                &linger as *const libc::linger as *const libc::c_void,
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(t) => t.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(t) => t.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(t) => t.flush(),
        }
    }
}
