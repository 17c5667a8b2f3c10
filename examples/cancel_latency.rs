//! Measures how long a call takes to return FASTGPT_E_CANCELLED after its token is cancelled
//! from another thread, in each phase: TCP connect (a listener whose accept queue is full,
//! so SYNs are dropped), waiting for the response head, and reading a stalled stream.
//!
//!   cargo run --release --example cancel_latency [TRIES]
//!
//! Everything stays on 127.0.0.1. Prints the median, p99 and worst latency per phase.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fastgpt::status::FASTGPT_E_CANCELLED;
use fastgpt::{CancelToken, Client, Options};

fn client(url: &str) -> Arc<Client> {
    let opts = Options::from_json(&format!(
        r#"{{"api_key":"k","base_url":"{url}","max_retries":0,"connect_timeout_ms":60000,"timeout_ms":0,"stream_idle_timeout_ms":0,"proxy":""}}"#
    ))
    .unwrap();
    Arc::new(Client::new(opts).unwrap())
}

/// A server that accepts, reads the request, then sends `reply` and stalls forever.
fn stalling_server(reply: &'static [u8]) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = s.write_all(reply);
            held.push(s); // never closed
        }
    });
    url
}

/// A listener whose accept queue is full: further connects hang in SYN retransmission.
fn full_backlog() -> (String, Vec<TcpStream>, libc_listener::Listener) {
    let l = libc_listener::Listener::bind_backlog_0();
    let url = format!("http://127.0.0.1:{}", l.port);
    let mut fillers = Vec::new();
    // Fill the queue (backlog 0 holds one or two pending connections on Linux).
    for _ in 0..4 {
        match TcpStream::connect_timeout(
            &format!("127.0.0.1:{}", l.port).parse().unwrap(),
            Duration::from_millis(200),
        ) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    (url, fillers, l)
}

mod libc_listener {
    /// A listening socket with backlog 0 that never accepts (std has no backlog setter).
    pub struct Listener {
        fd: i32,
        pub port: u16,
    }

    impl Listener {
        pub fn bind_backlog_0() -> Listener {
            // SAFETY: plain socket calls on a fresh descriptor with correctly sized structs.
            unsafe {
                let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
                assert!(fd >= 0);
                let mut addr: libc::sockaddr_in = std::mem::zeroed();
                addr.sin_family = libc::AF_INET as libc::sa_family_t;
                addr.sin_addr.s_addr = u32::from_ne_bytes([127, 0, 0, 1]);
                let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
                assert_eq!(
                    libc::bind(fd, &addr as *const _ as *const libc::sockaddr, len),
                    0
                );
                assert_eq!(libc::listen(fd, 0), 0);
                let mut got: libc::sockaddr_in = std::mem::zeroed();
                let mut glen = len;
                libc::getsockname(fd, &mut got as *mut _ as *mut libc::sockaddr, &mut glen);
                Listener {
                    fd,
                    port: u16::from_be(got.sin_port),
                }
            }
        }
    }

    impl Drop for Listener {
        fn drop(&mut self) {
            // SAFETY: closing the descriptor this value owns.
            unsafe { libc::close(self.fd) };
        }
    }
}

fn measure(name: &str, tries: usize, run: impl Fn(&CancelToken) -> i32 + Sync) {
    let mut lat = Vec::with_capacity(tries);
    for i in 0..tries {
        let token = CancelToken::new();
        let t2 = token.clone();
        let wait = Duration::from_millis(30 + (i as u64 * 37) % 90);
        let (code, latency) = std::thread::scope(|s| {
            let h = s.spawn(|| {
                let code = run(&t2);
                (code, Instant::now())
            });
            std::thread::sleep(wait);
            let cancelled_at = Instant::now();
            token.cancel();
            let (code, returned_at) = h.join().unwrap();
            (code, returned_at.saturating_duration_since(cancelled_at))
        });
        assert_eq!(code, FASTGPT_E_CANCELLED, "{name}: try {i} returned {code}");
        lat.push(latency);
    }
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name:<22} tries {tries:>4}  median {:>6.1} ms  p99 {:>6.1} ms  worst {:>6.1} ms",
        ms(lat[tries / 2]),
        ms(lat[(tries * 99 / 100).min(tries - 1)]),
        ms(lat[tries - 1])
    );
}

fn main() {
    let tries: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    let code = |r: Result<String, fastgpt::Error>| r.err().map_or(0, |e| e.status);

    let (url, _fillers, _l) = full_backlog();
    let c = client(&url);
    measure("connect", tries, |t| {
        code(c.get_chat_init("a", "b", Some(t)))
    });

    let url = stalling_server(b"");
    let c = client(&url);
    measure("waiting for headers", tries, |t| {
        code(c.get_chat_init("a", "b", Some(t)))
    });

    let url = stalling_server(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n1c\r\ndata: {\"choices\":[]}\n\n\r\n",
    );
    let c = client(&url);
    measure("stream read", tries, |t| {
        code(c.stream_with(
            r#"{"messages":[{"role":"user","content":"hi"}]}"#,
            Some(t),
            |_| true,
        ))
    });
}
