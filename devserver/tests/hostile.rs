//! The hostile-peer knobs (X-Dev-Fault specs for issue 11's suite): floods, trickles, odd
//! SSE, many tool frames, idle closes, hostile presign answers, echoed credentials.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;
use common::{call, dechunk, request_bytes, Server, APP};

fn start() -> Server {
    common::start_with(&[])
}

fn open(s: &Server, method: &str, target: &str, h: &[(&str, &str)], body: &[u8]) -> TcpStream {
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(&request_bytes(&s.addr, method, target, h, body))
        .unwrap();
    c
}

/// Read until `n` bytes arrived (or EOF); returns (head, raw body bytes after the head).
fn read_n(c: &mut TcpStream, n: usize) -> (String, Vec<u8>) {
    let mut raw = Vec::with_capacity(n + 4096);
    let mut buf = vec![0u8; 65536];
    while raw.len() < n {
        match c.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(k) => raw.extend_from_slice(&buf[..k]),
        }
    }
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("head");
    (
        String::from_utf8_lossy(&raw[..end]).into_owned(),
        raw[end + 4..].to_vec(),
    )
}

fn stream_body(text: &str) -> Vec<u8> {
    json!({"stream": true, "detail": true, "messages": [{"role": "user", "content": text}]})
        .to_string()
        .into_bytes()
}

#[test]
fn whitespace_floods_plain_and_gzip() {
    let s = start();
    for (spec, ct) in [
        ("whitespace-forever", "application/json"),
        ("whitespace-forever:sse", "text/event-stream"),
    ] {
        let mut c = open(
            &s,
            "POST",
            "/api/v1/chat/completions",
            &[("X-Dev-Fault", spec)],
            &stream_body("x"),
        );
        let (head, body) = read_n(&mut c, 4 << 20);
        assert!(
            head.starts_with("HTTP/1.1 200") && head.contains(ct),
            "{}",
            head
        );
        let data = dechunk(&body);
        assert!(data.len() > 3 << 20, "{} bytes", data.len());
        assert!(
            data.iter().all(|b| *b == b' ' || *b == b'\n'),
            "{}: whitespace only",
            spec
        );
    }
    // gzip: a small wire size that inflates to far more whitespace.
    let mut c = open(
        &s,
        "GET",
        "/api/core/chat/init",
        &[("X-Dev-Fault", "gzip-whitespace-forever")],
        b"",
    );
    let (head, body) = read_n(&mut c, 256 << 10);
    assert!(head.contains("Content-Encoding: gzip"), "{}", head);
    let wire = dechunk(&body);
    assert_eq!(&wire[..3], &[0x1f, 0x8b, 8]);
    let mut d = flate2::Decompress::new(false);
    let mut out = Vec::with_capacity(64 << 20);
    let _ = d.decompress_vec(&wire[10..], &mut out, flate2::FlushDecompress::Sync);
    assert!(
        out.len() > 100 * wire.len(),
        "{} → {}",
        wire.len(),
        out.len()
    );
    assert!(out.iter().all(|b| *b == b'\n'));
    // The server is still fine.
    assert_eq!(call(&s, "GET", "/__dev/health", &[], None).status, 200);
}

#[test]
fn trickle_bom_and_done_event() {
    let s = start();
    // trickle:MS: the frames up to the cut point, then one byte per HTTP chunk every MS.
    let mut c = open(
        &s,
        "POST",
        "/api/v1/chat/completions",
        &[("X-Dev-Fault", "trickle:40")],
        &stream_body("hello there"),
    );
    let (_, first) = read_n(&mut c, 1);
    let t = Instant::now();
    let mut raw = first;
    let mut buf = [0u8; 4096];
    while t.elapsed() < Duration::from_millis(1000) {
        if let Ok(k) = c.read(&mut buf) {
            raw.extend_from_slice(&buf[..k]);
        }
    }
    drop(c);
    let text = String::from_utf8_lossy(&raw);
    let ones = text.matches("\r\n1\r\n").count();
    assert!((5..=30).contains(&ones), "{} one-byte chunks in 1 s", ones);
    assert!(!text.contains("[DONE]") && !text.contains("\r\n0\r\n\r\n"));
    assert!(String::from_utf8_lossy(&dechunk(&raw)).contains(": keepa"));
    // bom: the body starts with EF BB BF, then the first frame.
    let r = call(
        &s,
        "POST",
        "/api/v1/chat/completions",
        &[("X-Dev-Fault", "bom")],
        Some(&json!({"stream": true,
        "messages": [{"role": "user", "content": "hi"}]})),
    );
    assert_eq!(&r.body[..3], "\u{feff}".as_bytes());
    assert!(
        r.body[3..].starts_with(b"data: {"),
        "{:?}",
        String::from_utf8_lossy(&r.body[..20])
    );
    // done-event: an event named done, then the rest of the stream.
    let r = call(
        &s,
        "POST",
        "/api/v1/chat/completions",
        &[("X-Dev-Fault", "done-event")],
        Some(&json!({"stream": true,
        "detail": true, "messages": [{"role": "user", "content": "hello"}]})),
    );
    let ev = r.sse();
    let i = ev
        .iter()
        .position(|(e, _)| e == "done")
        .expect("done event");
    assert_ne!(ev[i].1, "[DONE]");
    let answer: String = ev[i + 1..]
        .iter()
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect();
    assert!(!answer.is_empty(), "answer text follows the done event");
    assert!(ev[i + 1..].iter().any(|(_, d)| d == "[DONE]"));
}

#[test]
fn many_distinct_tool_calls() {
    let s = start();
    let n = 20_000;
    let t = Instant::now();
    let r = call(
        &s,
        "POST",
        "/api/v2/chat/completions",
        &[("X-Dev-Fault", &format!("tool-calls:{}", n))],
        Some(
            &json!({"stream": true, "detail": true, "messages": [{"role": "user", "content": "hi"}]}),
        ),
    );
    assert!(t.elapsed() < Duration::from_secs(10));
    let ev = r.sse();
    let ids: std::collections::HashSet<String> = ev
        .iter()
        .filter(|(e, _)| e == "toolCall")
        .map(|(_, d)| {
            serde_json::from_str::<Value>(d).unwrap()["tool"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids.len(), n);
    assert_eq!(ev.last().unwrap().1, "[DONE]");
}

#[test]
fn idle_close_without_connection_close() {
    let s = start();
    for (ms, min) in [(0u64, 0u64), (300, 250)] {
        let spec = format!("idle-close:{}", ms);
        let mut c = TcpStream::connect(&s.addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let req = format!("GET /api/core/chat/init?appId={}&chatId=x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer fastgpt-dev-key\r\nX-Dev-Fault: {}\r\n\r\n", APP, spec);
        let t = Instant::now();
        c.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = c.read_to_end(&mut raw);
        let took = t.elapsed();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            text.starts_with("HTTP/1.1 200") && text.contains("Connection: keep-alive"),
            "{}",
            text
        );
        assert!(!text.to_ascii_lowercase().contains("connection: close"));
        assert!(
            took >= Duration::from_millis(min) && took < Duration::from_millis(ms + 1500),
            "{:?}",
            took
        );
    }
}

#[test]
fn hostile_presign_answers() {
    let s = start();
    let presign = |fault: &str| {
        let r = call(
            &s,
            "POST",
            "/api/core/chat/file/presignChatFilePostUrl",
            &[("X-Dev-Presign", "put"), ("X-Dev-Fault", fault)],
            Some(&json!({"appId": APP, "chatId": "c1", "filename": "a.txt"})),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["data"].clone()
    };
    let d = presign("presign-content-length:7");
    assert_eq!(d["headers"]["Content-Length"], "7");
    let d = presign("presign-forbidden-headers");
    for k in [
        "Host",
        "Transfer-Encoding",
        "Authorization",
        "Connection",
        "Cookie",
    ] {
        assert!(d["headers"][k].is_string(), "{} in {}", k, d["headers"]);
    }
    let d = presign("presign-header:X-Extra=a%20b");
    assert_eq!(d["headers"]["X-Extra"], "a b");
    let d = presign("presign-userinfo");
    assert!(d["url"].as_str().unwrap().starts_with(&format!(
        "http://devuser:dev-secret-password@{}/__s3/",
        s.addr
    )));
    // The proxy shape (4.14.11+) takes the same faults.
    let r = call(
        &s,
        "POST",
        "/api/core/chat/file/presignChatFilePostUrl",
        &[
            ("X-Dev-FastGPT-Version", "4.16.1"),
            ("X-Dev-Fault", "presign-content-length,presign-userinfo"),
        ],
        Some(&json!({"appId": APP, "chatId": "c1", "filename": "a.txt"})),
    );
    let d = r.json()["data"].clone();
    assert_eq!(d["headers"]["Content-Length"], "1");
    assert!(d["url"]
        .as_str()
        .unwrap()
        .contains("devuser:dev-secret-password@"));
    // Storage refuses what a client would send for a userinfo URL (Authorization: Basic).
    let r = call(
        &s,
        "PUT",
        "/__s3/fastgpt-private/x",
        &[(
            "Authorization",
            "Basic ZGV2dXNlcjpkZXYtc2VjcmV0LXBhc3N3b3Jk",
        )],
        None,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn echo_auth_escapes_secrets() {
    let s = start();
    let key = r#"fastgpt-dev-key"q\uote"#;
    let auth = format!("Bearer {}", key);
    let r = call(
        &s,
        "GET",
        "/api/core/chat/init",
        &[
            ("Authorization", &auth),
            ("X-Secret", r#"s"e\c"#),
            ("X-Dev-Fault", "echo-auth"),
        ],
        None,
    );
    assert_eq!(r.status, 401);
    let text = r.text();
    assert!(
        text.contains(r#"fastgpt-dev-key\"q\\uote"#),
        "JSON-escaped in the body: {}",
        text
    );
    let v = r.json();
    assert_eq!(v["data"]["authorization"], auth);
    assert_eq!(v["data"]["headers"]["x-secret"], r#"s"e\c"#);
    assert!(v["message"].as_str().unwrap().ends_with(key));
}
