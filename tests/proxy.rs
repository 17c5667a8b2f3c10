//! Proxies (contract §4 `proxy`, obs 9 of the hostile-peer issue): a real tinyproxy with
//! its shipped `ConnectPort 443` rule in front of an `http://` target (absolute-form, not
//! `CONNECT`), an in-test proxy that checks the request form and `Proxy-Authorization`, and
//! SOCKS5 servers that never answer the handshake (bounded by `connect_timeout_ms`,
//! cancellable) or that relay with user/password authentication.
//!
//! The tinyproxy tests print SKIP and pass when `tinyproxy` is not installed (`.ci/run`
//! installs it).

mod hostile_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use hostile_support::*;
use serde_json::{json, Value};

const OK: i32 = 0;
const TRANSPORT: i32 = 2;
const TIMEOUT: i32 = 3;
const HTTP: i32 = 4;
const CANCELLED: i32 = 9;

fn envelope_ok() -> Value {
    json!({"code": 200, "statusText": "", "message": "", "data": {"list": [], "total": 0}})
}

fn target() -> Arc<Hostile> {
    serve(|conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            if conn.respond_json("200 OK", &envelope_ok()).is_err() {
                return;
            }
        }
    })
}

/// obs 9: an `http://` FastGPT on a port other than 443 through a real tinyproxy: sent in
/// absolute-form, so the `ConnectPort 443` rule does not apply (a `CONNECT` gets 403).
#[test]
fn http_target_through_tinyproxy() {
    let Some(proxy) = tinyproxy("") else { return };
    let server = target();
    let client = client_for(
        &server.url(),
        json!({"proxy": format!("http://127.0.0.1:{}", proxy.port)}),
    );
    for _ in 0..3 {
        client.histories(None).assert_status(OK);
    }
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for s in &seen {
        assert_eq!(s.path(), "/api/core/chat/history/getHistories");
        assert!(
            s.header("via").is_some_and(|v| v.contains("tinyproxy")),
            "not through tinyproxy: {s:?}"
        );
        assert_eq!(
            s.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert_eq!(s.header("proxy-authorization"), None);
    }
    // A completion and a stream go the same way.
    let out = client.request("POST", "/api/core/dataset/list", None, Some("{}"), None);
    out.assert_status(OK);
}

/// What an in-test HTTP proxy saw: request lines and headers.
fn recording_proxy(answer: &'static str) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let h = serve(move |conn, _| {
        while let Some(req) = conn.read_request(1 << 20) {
            s2.lock().unwrap().push(req.clone());
            let r = match answer {
                "ok" => conn.respond_json("200 OK", &envelope_ok()),
                _ => conn.respond(
                    "407 Proxy Authentication Required",
                    &[
                        ("Content-Type", "text/html"),
                        ("Proxy-Authenticate", "Basic realm=\"p\""),
                    ],
                    format!(
                        "<html>denied {}</html>",
                        req.header("proxy-authorization").unwrap_or("")
                    )
                    .as_bytes(),
                ),
            };
            if r.is_err() {
                return;
            }
        }
    });
    let port = h.port;
    std::mem::forget(h);
    (port, seen)
}

fn b64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// obs 9: absolute-form request line, `Proxy-Authorization` on every request of a
/// keep-alive proxy connection, and `Authorization` for the target.
#[test]
fn http_proxy_gets_absolute_form_and_proxy_authorization() {
    let (port, seen) = recording_proxy("ok");
    let client = client_for(
        "http://fastgpt.internal.example:3000",
        json!({"proxy": format!("http://puser:proxy-pass%40x@127.0.0.1:{port}")}),
    );
    client.histories(None).assert_status(OK);
    client
        .request(
            "GET",
            "/api/core/dataset/list",
            Some(r#"{"a":"b c"}"#),
            None,
            None,
        )
        .assert_status(OK);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].line,
        "POST http://fastgpt.internal.example:3000/api/core/chat/history/getHistories HTTP/1.1"
    );
    assert_eq!(
        seen[1].line,
        "GET http://fastgpt.internal.example:3000/api/core/dataset/list?a=b%20c HTTP/1.1"
    );
    for s in &seen {
        assert_eq!(
            s.header("proxy-authorization"),
            Some(format!("Basic {}", b64("puser:proxy-pass@x")).as_str())
        );
        assert_eq!(
            s.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert_eq!(s.header("host"), Some("fastgpt.internal.example:3000"));
    }
}

/// The proxy's own error is FASTGPT_E_HTTP and its credentials never appear in the error.
#[test]
fn http_proxy_error_is_http_and_credentials_are_masked() {
    let (port, _) = recording_proxy("deny");
    let client = client_for(
        "http://fastgpt.internal.example:3000",
        json!({"proxy": format!("http://puser:proxy-pass@127.0.0.1:{port}")}),
    );
    let out = client.histories(None);
    out.assert_status(HTTP);
    assert_eq!(out.err()["http_status"], 407);
    assert!(!out.text.contains("proxy-pass"), "{}", out.text);
    assert!(!out.text.contains(&b64("puser:proxy-pass")), "{}", out.text);
}

/// A proxy taken from the environment (`HTTP_PROXY`) has its credentials masked like an
/// explicit one. Run in a child process: the environment is process-wide.
#[test]
fn env_proxy_credentials_are_masked() {
    if std::env::var_os("PROXY_ENV_CHILD").is_some() {
        let (port, seen) = recording_proxy("deny");
        // Only this test runs in the child, and the proxy's thread never reads the environment.
        std::env::set_var(
            "HTTP_PROXY",
            format!("http://puser:env-pass-7@127.0.0.1:{port}"),
        );
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
        let client = try_client(&json!({
            "api_key": KEY, "base_url": "http://fastgpt.internal.example:3000", "max_retries": 0
        }))
        .unwrap_or_else(|e| panic!("client: {}", e.text));
        let out = client.histories(None);
        out.assert_status(HTTP);
        assert_eq!(out.err()["http_status"], 407);
        assert_eq!(
            seen.lock().unwrap().len(),
            1,
            "the call went through the proxy"
        );
        assert!(!out.text.contains("env-pass-7"), "{}", out.text);
        assert!(!out.text.contains(&b64("puser:env-pass-7")), "{}", out.text);
        println!("CHILD-OK");
        return;
    }
    let exe = std::env::current_exe().expect("current exe");
    let out = Command::new(exe)
        .args([
            "env_proxy_credentials_are_masked",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PROXY_ENV_CHILD", "1")
        .output()
        .expect("run the child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("CHILD-OK"),
        "child failed: {text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------------------------------
// SOCKS5

/// A SOCKS5 server that accepts connections and never answers.
fn silent_socks() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    port
}

/// obs 9: a SOCKS5 handshake is bounded by connect_timeout_ms.
#[test]
fn socks5_handshake_is_bounded_by_connect_timeout() {
    let port = silent_socks();
    for scheme in ["socks5", "socks5h"] {
        let client = client_for(
            "http://127.0.0.1:9",
            json!({"proxy": format!("{scheme}://127.0.0.1:{port}"), "connect_timeout_ms": 500, "timeout_ms": 0}),
        );
        let (out, took) = within(Duration::from_secs(20), move || client.histories(None));
        out.assert_status(TIMEOUT);
        assert_eq!(out.err()["timeout"], "connect");
        assert!(took < Duration::from_secs(3), "{took:?}");
    }
}

/// obs 9: a SOCKS5 handshake checks the cancel token.
#[test]
fn socks5_handshake_is_cancellable() {
    let port = silent_socks();
    let client = client_for(
        "http://127.0.0.1:9",
        json!({"proxy": format!("socks5://127.0.0.1:{port}"), "connect_timeout_ms": 60000, "timeout_ms": 0}),
    );
    let token = Token::new();
    token.cancel_after(400);
    let (out, took) = within(Duration::from_secs(20), move || {
        client.histories(Some(&token))
    });
    out.assert_status(CANCELLED);
    assert!(took < Duration::from_secs(2), "{took:?}");
}

/// A minimal SOCKS5 relay (RFC 1928, RFC 1929 when `auth` is set). Records the
/// destination of each CONNECT as written (`"1:127.0.0.1:80"` for IPv4, `"3:host:80"` for
/// a name).
fn socks_relay(auth: Option<(&'static str, &'static str)>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let dests = Arc::new(Mutex::new(Vec::new()));
    let d2 = dests.clone();
    thread::spawn(move || {
        for s in l.incoming().flatten() {
            let d3 = d2.clone();
            thread::spawn(move || {
                let _ = socks_session(s, auth, d3);
            });
        }
    });
    (port, dests)
}

fn socks_session(
    mut s: TcpStream,
    auth: Option<(&str, &str)>,
    dests: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut b = [0u8; 2];
    s.read_exact(&mut b)?;
    let mut methods = vec![0u8; b[1] as usize];
    s.read_exact(&mut methods)?;
    match auth {
        None => s.write_all(&[5, 0])?,
        Some((user, pass)) => {
            if !methods.contains(&2) {
                s.write_all(&[5, 0xff])?;
                return Ok(());
            }
            s.write_all(&[5, 2])?;
            let mut v = [0u8; 2];
            s.read_exact(&mut v)?;
            let mut u = vec![0u8; v[1] as usize];
            s.read_exact(&mut u)?;
            let mut pl = [0u8; 1];
            s.read_exact(&mut pl)?;
            let mut p = vec![0u8; pl[0] as usize];
            s.read_exact(&mut p)?;
            if u != user.as_bytes() || p != pass.as_bytes() {
                s.write_all(&[1, 1])?;
                return Ok(());
            }
            s.write_all(&[1, 0])?;
        }
    }
    let mut h = [0u8; 4];
    s.read_exact(&mut h)?;
    let (dest, host) = match h[3] {
        1 => {
            let mut a = [0u8; 4];
            s.read_exact(&mut a)?;
            let ip = std::net::Ipv4Addr::from(a).to_string();
            (format!("1:{ip}"), ip)
        }
        3 => {
            let mut l = [0u8; 1];
            s.read_exact(&mut l)?;
            let mut n = vec![0u8; l[0] as usize];
            s.read_exact(&mut n)?;
            let name = String::from_utf8_lossy(&n).to_string();
            (format!("3:{name}"), name)
        }
        _ => return Ok(()),
    };
    let mut p = [0u8; 2];
    s.read_exact(&mut p)?;
    let port = u16::from_be_bytes(p);
    dests.lock().unwrap().push(format!("{dest}:{port}"));
    let up = match TcpStream::connect((host.as_str(), port)) {
        Ok(u) => u,
        Err(_) => {
            s.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])?;
            return Ok(());
        }
    };
    s.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0])?;
    let (mut a, mut b2) = (s.try_clone()?, up.try_clone()?);
    let (mut s2, mut up2) = (s, up);
    thread::spawn(move || {
        let _ = std::io::copy(&mut a, &mut up2);
        let _ = up2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut b2, &mut s2);
    let _ = s2.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// obs 9: the library's SOCKS5 client works: no authentication, user/password, local
/// resolution for `socks5://`, the proxy's for `socks5h://`.
#[test]
fn socks5_relay_works() {
    let server = target();
    let (port, dests) = socks_relay(None);
    let client = client_for(
        &server.url(),
        json!({"proxy": format!("socks5://127.0.0.1:{port}")}),
    );
    client.histories(None).assert_status(OK);
    client.histories(None).assert_status(OK);
    assert_eq!(
        dests.lock().unwrap()[0],
        format!("1:127.0.0.1:{}", server.port)
    );

    let (port, dests) = socks_relay(Some(("suser", "socks-pass")));
    let client = client_for(
        &format!("http://localhost:{}", server.port),
        json!({"proxy": format!("socks5h://suser:socks-pass@127.0.0.1:{port}")}),
    );
    client.histories(None).assert_status(OK);
    assert_eq!(
        dests.lock().unwrap()[0],
        format!("3:localhost:{}", server.port)
    );
    assert_eq!(server.seen().len(), 3);
    assert!(server
        .seen()
        .iter()
        .all(|s| s.header("proxy-authorization").is_none()));

    // A wrong password is a proxy failure, and the password is not repeated.
    let client = client_for(
        &server.url(),
        json!({"proxy": format!("socks5://suser:wrong-socks-pass@127.0.0.1:{port}")}),
    );
    let out = client.histories(None);
    out.assert_status(TRANSPORT);
    assert!(!out.text.contains("wrong-socks-pass"), "{}", out.text);
    assert_eq!(out.err()["http_status"], Value::Null);
}

/// A proxy that answers CONNECT with 407 or 403 would answer the same again: the call
/// fails at once, not after max_retries more CONNECTs (a connection refused is retried).
#[test]
fn connect_refused_by_the_proxy_with_4xx_is_not_retried() {
    for status in ["407 Proxy Authentication Required", "403 Forbidden"] {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s2 = seen.clone();
        let h = serve(move |conn, _| {
            while let Some(req) = conn.read_request(1 << 20) {
                s2.lock().unwrap().push(req);
                if conn.respond(status, &[], b"").is_err() {
                    return;
                }
            }
        });
        let client = client_for(
            "https://fastgpt.example:8443/api",
            json!({"proxy": format!("http://127.0.0.1:{}", h.port), "max_retries": 3}),
        );
        let out = client.histories(None);
        out.assert_status(TRANSPORT);
        assert_eq!(out.err()["attempts"], 1, "{status}: {}", out.text);
        assert_eq!(seen.lock().unwrap().len(), 1, "{status}");
    }
}

/// obs 9: an `https://` target goes through `CONNECT host:port` with the proxy
/// credentials on the `CONNECT` only; the API key never reaches the proxy. A refused
/// `CONNECT` is a proxy failure (FASTGPT_E_TRANSPORT) that names the proxy's status.
#[test]
fn https_target_gets_connect_with_proxy_authorization() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    let h = serve(move |conn, _| {
        if let Some(req) = conn.read_request(1 << 20) {
            s2.lock().unwrap().push(req);
            let _ = conn.respond(
                "403 Forbidden",
                &[("Content-Type", "text/html")],
                b"<html>no</html>",
            );
        }
    });
    let client = client_for(
        "https://fastgpt.example:8443/api",
        json!({"proxy": format!("http://puser:proxy-pass@127.0.0.1:{}", h.port)}),
    );
    let out = client.histories(None);
    out.assert_status(TRANSPORT);
    assert!(
        out.err()["message"].as_str().unwrap().contains("403"),
        "{}",
        out.text
    );
    assert_eq!(out.err()["http_status"], Value::Null);
    assert!(!out.text.contains("proxy-pass"), "{}", out.text);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].line, "CONNECT fastgpt.example:8443 HTTP/1.1");
    assert_eq!(seen[0].header("host"), Some("fastgpt.example:8443"));
    assert_eq!(
        seen[0].header("proxy-authorization"),
        Some(format!("Basic {}", b64("puser:proxy-pass")).as_str())
    );
    assert_eq!(seen[0].header("authorization"), None);
    assert!(seen[0].headers.iter().all(|(_, v)| !v.contains(KEY)));
}
