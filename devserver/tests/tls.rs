//! HTTPS mode (`--tls-cert`/`--tls-key`): a test PKI made at test time by
//! `tls/make-certs.sh` (openssl), a rustls client, the API and the object storage over TLS,
//! and the certificate failures a client must see (unknown CA, expired, wrong host name).

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

mod common;
use common::{parse_response, request_bytes, Resp, Server, APP};

/// The test PKI, made once per test process in a fresh temporary directory.
fn pki() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("fastgpt-devserver-pki-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tls/make-certs.sh");
        let out = std::process::Command::new("bash")
            .arg(&script)
            .arg(&dir)
            .output()
            .expect("run tls/make-certs.sh (needs bash and openssl)");
        assert!(
            out.status.success(),
            "make-certs.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
}

fn start_tls(cert: &str, extra: &[&str]) -> Server {
    let d = pki();
    let c = d.join(format!("{}.pem", cert));
    let k = d.join(format!("{}.key", cert));
    let mut args = vec![
        "--tls-cert",
        c.to_str().unwrap(),
        "--tls-key",
        k.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::start_with(&args)
}

fn client_config(ca: &str) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(pki().join(ca)).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// One HTTPS request (Connection: close) trusting `ca`; the TLS or I/O error as text.
fn https(
    s: &Server,
    ca: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Resp, String> {
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let conn = rustls::ClientConnection::new(client_config(ca), name).map_err(|e| e.to_string())?;
    let tcp = TcpStream::connect(&s.addr).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(&request_bytes(&s.addr, method, target, headers, body))
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    // The server ends with close_notify: a clean EOF.
    tls.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    Ok(parse_response(&raw))
}

fn json_body(v: &Value) -> Vec<u8> {
    v.to_string().into_bytes()
}

#[test]
fn https_api_stream_and_uploads() {
    let s = start_tls("server", &[]);
    let ok =
        |m: &str, t: &str, h: &[(&str, &str)], b: &[u8]| https(&s, "ca.pem", m, t, h, b).unwrap();
    assert_eq!(
        ok("GET", "/__dev/health", &[], b"").json(),
        json!({"ok": true})
    );
    // A completion and a stream.
    let r = ok(
        "POST",
        "/api/v1/chat/completions",
        &[],
        &json_body(&json!({"chatId": "t1", "messages": [{"role": "user", "content": "hi"}]})),
    );
    assert_eq!(r.json()["choices"][0]["message"]["content"], "You said: hi");
    let r = ok(
        "POST",
        "/api/v2/chat/completions",
        &[],
        &json_body(
            &json!({"stream": true, "chatId": "t1", "messages": [{"role": "user", "content": "hi"}]}),
        ),
    );
    assert_eq!(r.sse().last().unwrap().1, "[DONE]");
    // Presigned PUT and POST: URLs on https://, uploads over TLS, read back.
    let presign = |shape: &str| {
        let r = ok(
            "POST",
            "/api/core/chat/file/presignChatFilePostUrl",
            &[("X-Dev-Presign", shape)],
            &json_body(&json!({"appId": APP, "chatId": "t1", "filename": "a.txt"})),
        );
        r.json()["data"].clone()
    };
    let d = presign("put");
    let url = d["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("https://{}/__s3/", s.addr)),
        "{}",
        url
    );
    let target = &url[url.find("/__s3/").unwrap()..];
    let h: Vec<(&str, &str)> = d["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
        .collect();
    let mut h = h;
    h.push(("Authorization", ""));
    let r = ok("PUT", target, &h, b"over tls");
    assert_eq!(r.status, 200, "{}", r.text());
    let key = d["key"].as_str().unwrap();
    let r = ok(
        "GET",
        &format!("/__s3/fastgpt-private/{}", key),
        &[("Authorization", "")],
        b"",
    );
    assert_eq!(r.text(), "over tls");
    let d = presign("post");
    assert!(d["url"].as_str().unwrap().starts_with("https://"));
    // 4.16.1's upload proxy over TLS.
    let r = ok(
        "POST",
        "/api/core/chat/file/presignChatFilePostUrl",
        &[("X-Dev-FastGPT-Version", "4.16.1")],
        &json_body(&json!({"appId": APP, "chatId": "t1", "filename": "b.txt"})),
    );
    let url = r.json()["data"]["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("https://"), "{}", url);
    let r = ok(
        "PUT",
        &url[url.find("/api/").unwrap()..],
        &[("X-Dev-FastGPT-Version", "4.16.1")],
        b"proxied",
    );
    assert_eq!(r.json()["data"]["success"], true, "{}", r.text());
    // A plain-HTTP request on the TLS port fails its handshake without harming the server.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"GET /__dev/health HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut sink = Vec::new();
    let _ = c.read_to_end(&mut sink);
    assert!(!String::from_utf8_lossy(&sink).contains("\"ok\""));
    assert_eq!(ok("GET", "/__dev/health", &[], b"").status, 200);
}

#[test]
fn certificate_failures() {
    let s = start_tls("server", &[]);
    let e = https(&s, "other-ca.pem", "GET", "/__dev/health", &[], b"")
        .err()
        .expect("unknown CA must fail");
    assert!(
        e.contains("UnknownIssuer") || e.contains("unknown issuer"),
        "{}",
        e
    );
    let s = start_tls("expired", &[]);
    let e = https(&s, "ca.pem", "GET", "/__dev/health", &[], b"")
        .err()
        .expect("expired must fail");
    assert!(e.contains("certificate expired"), "{}", e);
    let s = start_tls("wronghost", &[]);
    let e = https(&s, "ca.pem", "GET", "/__dev/health", &[], b"")
        .err()
        .expect("wrong host must fail");
    assert!(
        e.contains("NotValidForName") || e.contains("not valid for name"),
        "{}",
        e
    );
}

#[test]
fn bad_tls_arguments_exit_2() {
    let bin = env!("CARGO_BIN_EXE_fastgpt-devserver");
    let d = pki();
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).output().unwrap();
    let missing = d.join("nope.pem");
    let out = run(&[
        "--tls-cert",
        missing.to_str().unwrap(),
        "--tls-key",
        d.join("server.key").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--tls-cert"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A certificate with a key that is not its own.
    let out = run(&[
        "--tls-cert",
        d.join("server.pem").to_str().unwrap(),
        "--tls-key",
        d.join("expired.key").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--tls-cert", d.join("server.pem").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("go together"));
}

#[test]
fn presign_http_url_under_https() {
    let s = start_tls("server", &[]);
    let r = https(
        &s,
        "ca.pem",
        "POST",
        "/api/core/chat/file/presignChatFilePostUrl",
        &[
            ("X-Dev-Presign", "put"),
            ("X-Dev-Fault", "presign-http-url"),
        ],
        &json_body(&json!({"appId": APP, "chatId": "c1", "filename": "a.txt"})),
    )
    .unwrap();
    let url = r.json()["data"]["url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("http://{}/__s3/", s.addr)),
        "{}",
        url
    );
    let r = https(
        &s,
        "ca.pem",
        "POST",
        "/api/core/chat/file/presignChatFilePostUrl",
        &[("X-Dev-Presign", "put")],
        &json_body(&json!({"appId": APP, "chatId": "c1", "filename": "a.txt"})),
    )
    .unwrap();
    assert!(r.json()["data"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
}
