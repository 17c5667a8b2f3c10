//! fastgpt-devserver: a FastGPT-compatible HTTP server for local development and tests.
//! Binds 127.0.0.1 only. See README.md for every knob.

// Module order = dependency order: each uses only modules listed above it.
mod app;
mod chat;
mod completions;
mod conn;
mod faults;
mod http;
mod multipart;
mod release;
mod rounds;
mod routes;
mod s3;
mod server;
mod sha256;
mod sse;
mod state;
mod util;

use app::{App, Config};
use conn::Conn;
use faults::Disposition;
use release::Version;
use std::io::{BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str =
    "usage: fastgpt-devserver [--addr 127.0.0.1:PORT] [--api-key KEY] [--heartbeat-ms MS] \
[--chunk-delay-ms MS] [--port-file PATH] [--exit-on-stdin-eof] [--fastgpt-version V|compat] \
[--tls-cert FILE --tls-key FILE]";

struct Args {
    addr: String,
    api_key: String,
    heartbeat_ms: u64,
    chunk_delay_ms: u64,
    port_file: Option<String>,
    exit_on_stdin_eof: bool,
    version: Option<Version>,
    tls_cert: Option<String>,
    tls_key: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        addr: "127.0.0.1:0".into(),
        api_key: "fastgpt-dev-key".into(),
        heartbeat_ms: 10_000,
        chunk_delay_ms: 20,
        port_file: None,
        exit_on_stdin_eof: false,
        version: None,
        tls_cert: None,
        tls_key: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{} needs a value", name))
        };
        let num = |v: String, n: &str| v.parse::<u64>().map_err(|_| format!("{}: not a number", n));
        match name.as_str() {
            "--addr" => a.addr = value()?,
            "--api-key" => a.api_key = value()?,
            "--heartbeat-ms" => a.heartbeat_ms = num(value()?, &name)?,
            "--chunk-delay-ms" => a.chunk_delay_ms = num(value()?, &name)?,
            "--port-file" => a.port_file = Some(value()?),
            "--exit-on-stdin-eof" => a.exit_on_stdin_eof = true,
            "--fastgpt-version" => {
                let v = value()?;
                a.version = if v.eq_ignore_ascii_case("compat") {
                    None
                } else if v.eq_ignore_ascii_case("latest") {
                    Some(release::LATEST)
                } else {
                    Some(Version::parse(&v).map_err(|e| format!("--fastgpt-version: {}", e))?)
                };
            }
            "--tls-cert" => a.tls_cert = Some(value()?),
            "--tls-key" => a.tls_key = Some(value()?),
            "-h" | "--help" => {
                eprintln!("{}", USAGE);
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument '{}'", other)),
        }
    }
    if a.tls_cert.is_some() != a.tls_key.is_some() {
        return Err("--tls-cert and --tls-key go together".into());
    }
    Ok(a)
}

/// The rustls server configuration from PEM files: the certificate chain (leaf first) and
/// its private key (PKCS#8, PKCS#1 or SEC1). Uses the ring provider, as the library does.
fn tls_config(cert: &str, key: &str) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("--tls-cert {}: {}", cert, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {}: {}", cert, e))?;
    if certs.is_empty() {
        return Err(format!("--tls-cert {}: no CERTIFICATE in the file", cert));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("--tls-key {}: {}", key, e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {}", e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("TLS certificate/key: {}", e))?;
    Ok(Arc::new(cfg))
}

extern "C" fn on_signal(_: libc::c_int) {
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(0) }
}

fn install_signal_handlers() {
    // SAFETY: installing a handler that only calls _exit.
    unsafe {
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        // Writes to a closed socket must return EPIPE, not kill the process.
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

fn write_port_file(path: &str, url: &str) -> std::io::Result<()> {
    let tmp = format!("{}.tmp.{}", path, std::process::id());
    std::fs::write(&tmp, url)?;
    std::fs::rename(&tmp, path)
}

fn serve_conn(app: &App, conn: Conn) {
    let _ = conn.tcp().set_nodelay(true);
    // Node's keep-alive timeout is 5 s; also bounds slow request bodies.
    conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(conn);
    let disposition = loop {
        match http::read_request(&mut reader) {
            Ok(req) => {
                let d = server::handle(app, &req, reader.get_mut());
                if d != Disposition::KeepAlive {
                    break d;
                }
            }
            Err(http::ReadError::Eof) => break Disposition::Close,
            Err(http::ReadError::Io(e)) => {
                if app.cfg.log {
                    eprintln!("[devserver] read error: {}", e);
                }
                break Disposition::Close;
            }
            Err(http::ReadError::Bad(msg)) => {
                if app.cfg.log {
                    eprintln!("[devserver] bad request: {}", msg);
                }
                let body = format!("Bad Request: {}", msg);
                let w = reader.get_mut();
                let _ = write!(
                    w,
                    "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                    body.len(),
                    body
                );
                let _ = w.flush();
                break Disposition::Close;
            }
        }
    };
    let mut conn = reader.into_inner();
    if let Disposition::IdleClose(ms) = disposition {
        std::thread::sleep(Duration::from_millis(ms));
    }
    match disposition {
        Disposition::Reset => conn.set_linger_zero(),
        _ => {
            conn.finish(false);
            // Drain briefly so that unread request bytes do not turn our FIN into an RST.
            conn.set_read_timeout(Some(Duration::from_millis(200)));
            let mut sink = [0u8; 4096];
            let tcp = conn.tcp();
            for _ in 0..64 {
                match (&*tcp).read(&mut sink) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }
    drop(conn);
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fastgpt-devserver: {}\n{}", e, USAGE);
            std::process::exit(2);
        }
    };
    let addr: SocketAddr = match args.addr.parse() {
        Ok(a) => a,
        Err(_) => {
            eprintln!("fastgpt-devserver: bad --addr '{}'", args.addr);
            std::process::exit(2);
        }
    };
    if !addr.ip().is_loopback() || addr.is_ipv6() {
        eprintln!(
            "fastgpt-devserver: refusing to bind {}; only 127.0.0.1 is allowed",
            addr
        );
        std::process::exit(2);
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => match tls_config(c, k) {
            Ok(cfg) => Some(cfg),
            Err(e) => {
                eprintln!("fastgpt-devserver: {}", e);
                std::process::exit(2);
            }
        },
        _ => None,
    };
    install_signal_handlers();
    let listener = match TcpListener::bind(addr) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("fastgpt-devserver: bind {}: {}", addr, e);
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{}://127.0.0.1:{}", scheme, port);
    if let Some(p) = &args.port_file {
        if let Err(e) = write_port_file(p, &url) {
            eprintln!("fastgpt-devserver: port file {}: {}", p, e);
            std::process::exit(1);
        }
    }
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", url);
        let _ = out.flush();
    }
    if args.exit_on_stdin_eof {
        std::thread::spawn(|| {
            let mut sink = [0u8; 1024];
            let mut stdin = std::io::stdin();
            loop {
                match stdin.read(&mut sink) {
                    Ok(0) => std::process::exit(0),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => std::process::exit(0),
                }
            }
        });
    }
    let log = std::env::var("FASTGPT_DEVSERVER_LOG")
        .map(|v| v == "1")
        .unwrap_or(false);
    if !log {
        // Keep stderr quiet unless logging was asked for.
        std::panic::set_hook(Box::new(|_| {}));
    }
    let app = Arc::new(App::new(Config {
        api_key: args.api_key,
        heartbeat_ms: args.heartbeat_ms,
        chunk_delay_ms: args.chunk_delay_ms,
        log,
        version: args.version,
    }));
    for conn in listener.incoming() {
        let stream = match conn {
            Ok(s) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let app = Arc::clone(&app);
        let tls = tls.clone();
        let _ = std::thread::Builder::new()
            .name("conn".into())
            .spawn(move || {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    {
                        let conn = match tls {
                            // The handshake runs on the first read, under the read timeout.
                            Some(cfg) => match rustls::ServerConnection::new(cfg) {
                                Ok(c) => Conn::Tls(Box::new(rustls::StreamOwned::new(c, stream))),
                                Err(_) => return,
                            },
                            None => Conn::Plain(stream),
                        };
                        serve_conn(&app, conn)
                    }
                }));
            });
    }
}
