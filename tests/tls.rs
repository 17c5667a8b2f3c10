//! TLS (contract §4 `tls_roots`, `ca_cert_pem`; obs 12 of the hostile-peer issue): a test
//! CA and certificates made at test time with the `openssl` command, `openssl s_server` as
//! the HTTPS peer, `ca_cert_pem` as the only trust, a wrong host name, an expired
//! certificate, an unknown issuer, a handshake that never ends, plain HTTP on a TLS port,
//! and HTTPS through a real tinyproxy (CONNECT).
//!
//! Every test prints SKIP and passes when `openssl` is missing; the tinyproxy one also
//! when tinyproxy is missing.

mod devserver_exe;
use devserver_exe::devserver_exe;

mod hostile_support;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use hostile_support::*;
use serde_json::json;

const OK: i32 = 0;
const TRANSPORT: i32 = 2;
const TIMEOUT: i32 = 3;
const PROTOCOL: i32 = 6;

fn have(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA and server certificates signed by it, in a temporary directory.
pub struct Pki {
    pub dir: TempDir,
}

const EC: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

impl Pki {
    /// `None` (SKIP) when openssl is missing.
    pub fn make() -> Option<Pki> {
        if !have("openssl", "version") {
            eprintln!("SKIP: openssl is not installed");
            return None;
        }
        let dir = TempDir::new("pki");
        let d = &dir.0;
        for ca in ["ca", "other-ca"] {
            let (key, pem, subj) = (
                format!("{ca}.key"),
                format!("{ca}.pem"),
                format!("/CN=libfastgpt {ca}"),
            );
            let mut a = vec!["req", "-x509"];
            a.extend(EC);
            a.extend([
                "-nodes", "-keyout", &key, "-out", &pem, "-days", "2", "-subj", &subj,
            ]);
            a.extend([
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]);
            openssl(d, &a);
        }
        let ext = |san: &str| {
            format!("subjectAltName={san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n")
        };
        for (name, san) in [
            ("good", "DNS:localhost,IP:127.0.0.1"),
            ("wronghost", "DNS:other.example"),
        ] {
            let (key, csr, pem, cnf) = (
                format!("{name}.key"),
                format!("{name}.csr"),
                format!("{name}.pem"),
                format!("{name}.cnf"),
            );
            std::fs::write(d.join(&cnf), ext(san)).unwrap();
            let mut a = vec!["req", "-new"];
            a.extend(EC);
            a.extend([
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                "/CN=localhost",
            ]);
            openssl(d, &a);
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &csr,
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca.key",
                    "-CAcreateserial",
                    "-out",
                    &pem,
                    "-days",
                    "1",
                    "-extfile",
                    &cnf,
                ],
            );
        }
        // Expired: valid for one day in 2020 (`openssl ca` sets both dates).
        std::fs::write(d.join("index.txt"), "").unwrap();
        std::fs::write(d.join("serial"), "01\n").unwrap();
        let dd = d.display();
        std::fs::write(
            d.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = d\n[d]\ndatabase = {dd}/index.txt\nnew_certs_dir = {dd}\nserial = {dd}/serial\ndefault_md = sha256\npolicy = p\nx509_extensions = e\nunique_subject = no\n[p]\ncommonName = supplied\n[e]\n{}",
                ext("DNS:localhost,IP:127.0.0.1")
            ),
        )
        .unwrap();
        openssl(
            d,
            &[
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-cert",
                "ca.pem",
                "-keyfile",
                "ca.key",
                "-startdate",
                "20200101000000Z",
                "-enddate",
                "20200102000000Z",
                "-in",
                "good.csr",
                "-out",
                "expired.pem",
                "-notext",
            ],
        );
        std::fs::copy(d.join("good.key"), d.join("expired.key")).unwrap();
        Some(Pki { dir })
    }

    pub fn pem(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.0.join(format!("{name}.pem"))).unwrap()
    }
    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.0.join(file)
    }
}

/// `openssl s_server -WWW`: serves the files of a directory over HTTPS (HTTP/1.0, one
/// connection at a time) with the certificate `cert` of `pki`.
pub struct SServer {
    pub port: u16,
    child: Child,
    _www: TempDir,
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SServer {
    pub fn start(pki: &Pki, cert: &str) -> SServer {
        for _ in 0..5 {
            let www = TempDir::new("www");
            std::fs::create_dir_all(www.0.join("api")).unwrap();
            std::fs::write(
                www.0.join("api/ok.json"),
                r#"{"code":200,"statusText":"","message":"","data":"over tls"}"#,
            )
            .unwrap();
            let port = free_port();
            let child = Command::new("openssl")
                .args([
                    "s_server",
                    "-quiet",
                    "-WWW",
                    "-accept",
                    &format!("127.0.0.1:{port}"),
                ])
                .arg("-cert")
                .arg(pki.path(&format!("{cert}.pem")))
                .arg("-key")
                .arg(pki.path(&format!("{cert}.key")))
                .current_dir(&www.0)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn openssl s_server");
            let mut s = SServer {
                port,
                child,
                _www: www,
            };
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(5) {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return s;
                }
                if let Ok(Some(_)) = s.child.try_wait() {
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        panic!("openssl s_server did not start");
    }

    pub fn url(&self, host: &str) -> String {
        format!("https://{host}:{}", self.port)
    }
}

fn tls_client(base: &str, extra: serde_json::Value) -> Client {
    client_for(base, extra)
}

/// `ca_cert_pem` is the only trust: its CA works (by IP and by name), another CA does not,
/// and neither do the bundled roots.
#[test]
fn ca_cert_pem_is_the_only_trust() {
    let Some(pki) = Pki::make() else { return };
    let srv = SServer::start(&pki, "good");
    for host in ["127.0.0.1", "localhost"] {
        let c = tls_client(&srv.url(host), json!({"ca_cert_pem": pki.pem("ca")}));
        let out = c.request("GET", "/api/ok.json", None, None, None);
        out.assert_status(OK);
        assert_eq!(out.json["data"], "over tls");
    }
    let c = tls_client(
        &srv.url("127.0.0.1"),
        json!({"ca_cert_pem": pki.pem("other-ca")}),
    );
    let out = c.request("GET", "/api/ok.json", None, None, None);
    out.assert_status(TRANSPORT);
    assert_eq!(out.err()["http_status"], serde_json::Value::Null);
    // ca_cert_pem wins over tls_roots.
    let c = tls_client(
        &srv.url("127.0.0.1"),
        json!({"ca_cert_pem": pki.pem("other-ca"), "tls_roots": "webpki"}),
    );
    c.request("GET", "/api/ok.json", None, None, None)
        .assert_status(TRANSPORT);
    let c = tls_client(&srv.url("127.0.0.1"), json!({"tls_roots": "webpki"}));
    c.request("GET", "/api/ok.json", None, None, None)
        .assert_status(TRANSPORT);
}

/// A certificate for another host name is a TLS failure.
#[test]
fn wrong_host_name_is_transport() {
    let Some(pki) = Pki::make() else { return };
    let srv = SServer::start(&pki, "wronghost");
    let c = tls_client(&srv.url("localhost"), json!({"ca_cert_pem": pki.pem("ca")}));
    let out = c.request("GET", "/api/ok.json", None, None, None);
    out.assert_status(TRANSPORT);
    let m = out.err()["message"].as_str().unwrap().to_ascii_lowercase();
    assert!(m.contains("tls") || m.contains("certificate"), "{m}");
    assert_eq!(out.err()["attempts"], 1);
}

/// An expired certificate is a TLS failure.
#[test]
fn expired_certificate_is_transport() {
    let Some(pki) = Pki::make() else { return };
    let srv = SServer::start(&pki, "expired");
    let c = tls_client(&srv.url("127.0.0.1"), json!({"ca_cert_pem": pki.pem("ca")}));
    let out = c.request("GET", "/api/ok.json", None, None, None);
    out.assert_status(TRANSPORT);
    let m = out.err()["message"].as_str().unwrap().to_ascii_lowercase();
    assert!(m.contains("expired") || m.contains("certificate"), "{m}");
}

/// A TLS peer that never answers the ClientHello: the handshake is bounded by
/// connect_timeout_ms.
#[test]
fn silent_tls_handshake_is_bounded_by_connect_timeout() {
    let Some(pki) = Pki::make() else { return };
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    thread::spawn(move || {
        let mut held = Vec::new();
        for s in l.incoming().flatten() {
            held.push(s);
        }
    });
    let c = tls_client(
        &format!("https://127.0.0.1:{port}"),
        json!({"ca_cert_pem": pki.pem("ca"), "connect_timeout_ms": 500, "timeout_ms": 0}),
    );
    let (out, took) = within(Duration::from_secs(20), move || {
        c.request("GET", "/api/ok.json", None, None, None)
    });
    out.assert_status(TIMEOUT);
    assert_eq!(out.err()["timeout"], "connect");
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// Plain HTTP on the port of an https:// base URL: a TLS failure, not a hang.
#[test]
fn plain_http_peer_on_an_https_url_is_transport() {
    let Some(pki) = Pki::make() else { return };
    let server = serve(|conn, _| {
        let _ = conn.read_request(1 << 20);
        let _ = conn.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let c = tls_client(
        &format!("https://127.0.0.1:{}", server.port),
        json!({"ca_cert_pem": pki.pem("ca")}),
    );
    let (out, _) = within(Duration::from_secs(20), move || {
        c.request("GET", "/api/ok.json", None, None, None)
    });
    out.assert_status(TRANSPORT);
}

/// HTTPS through a real tinyproxy: a CONNECT tunnel, allowed when the port is a
/// `ConnectPort`, refused (a proxy failure) with only the shipped `ConnectPort 443`.
#[test]
fn https_through_tinyproxy() {
    let Some(pki) = Pki::make() else { return };
    if !have("tinyproxy", "-v") {
        eprintln!("SKIP: tinyproxy is not installed (apt-get install tinyproxy)");
        return;
    }
    let srv = SServer::start(&pki, "good");
    let proxy = tinyproxy(&format!("ConnectPort {}", srv.port)).expect("tinyproxy");
    let c = tls_client(
        &srv.url("localhost"),
        json!({"ca_cert_pem": pki.pem("ca"), "proxy": format!("http://127.0.0.1:{}", proxy.port)}),
    );
    let out = c.request("GET", "/api/ok.json", None, None, None);
    out.assert_status(OK);
    assert_eq!(out.json["data"], "over tls");
    let shipped = tinyproxy("").expect("tinyproxy");
    let c = tls_client(
        &srv.url("localhost"),
        json!({"ca_cert_pem": pki.pem("ca"), "proxy": format!("http://127.0.0.1:{}", shipped.port)}),
    );
    let out = c.request("GET", "/api/ok.json", None, None, None);
    out.assert_status(TRANSPORT);
    assert!(
        out.err()["message"].as_str().unwrap().contains("403"),
        "{}",
        out.text
    );
}

// ---------------------------------------------------------------------------------------
// The dev server over HTTPS (`--tls-cert`/`--tls-key`): completions, a stream and uploads,
// with `ca_cert_pem` as the only trust.

const DEV_KEY: &str = "fastgpt-dev-key";

/// The dev server over HTTPS, shared by the tests of this file: its URL and the PEM of the
/// CA that signed its certificate. It exits with this process (`--exit-on-stdin-eof`).
struct DevServer {
    url: String,
    ca_pem: String,
    _child: std::sync::Mutex<Child>,
}

/// `None` (SKIP) when openssl is missing.
fn https_devserver() -> Option<&'static DevServer> {
    static DEV: std::sync::OnceLock<Option<DevServer>> = std::sync::OnceLock::new();
    DEV.get_or_init(|| {
        // The server reads its certificate at start; the PKI is removed right after.
        let pki = Pki::make()?;
        Some(start_https_devserver(&pki))
    })
    .as_ref()
}

/// Builds the dev server (with the cargo that runs the tests) and starts it with TLS.
fn start_https_devserver(pki: &Pki) -> DevServer {
    use std::io::BufRead;
    let exe = devserver_exe();
    let mut child = Command::new(exe)
        .args(["--chunk-delay-ms", "0", "--exit-on-stdin-eof"])
        .arg("--tls-cert")
        .arg(pki.path("good.pem"))
        .arg("--tls-key")
        .arg(pki.path("good.key"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the dev server");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("banner");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("banner {line:?}"))
        .to_string();
    assert!(url.starts_with("https://"), "{url}");
    DevServer {
        url,
        ca_pem: pki.pem("ca"),
        _child: std::sync::Mutex::new(child),
    }
}

fn dev_client(dev: &DevServer, extra: serde_json::Value) -> Client {
    let mut o = json!({"api_key": DEV_KEY, "base_url": dev.url, "ca_cert_pem": dev.ca_pem, "proxy": "", "max_retries": 0});
    for (k, v) in extra.as_object().expect("object") {
        o[k] = v.clone();
    }
    try_client(&o).unwrap_or_else(|e| panic!("client: {}", e.text))
}

/// obs 12: completions, a stream, envelope calls and uploads (presigned POST and PUT) over
/// HTTPS; the upload's storage request is HTTPS too.
#[test]
fn devserver_over_https() {
    let Some(dev) = https_devserver() else { return };
    let c = dev_client(dev, json!({}));
    let out = c.completion(CHAT, None);
    out.assert_status(OK);
    assert!(out.json["choices"].is_array(), "{}", out.text);
    let (out, events) = c.stream(CHAT, None);
    out.assert_status(OK);
    assert!(events > 0);
    c.histories(None).assert_status(OK);
    for shape in ["post", "put"] {
        let c = dev_client(dev, json!({"headers": {"X-Dev-Presign": shape}}));
        let out = c.upload("note.txt", Some("text/plain"), b"hello over tls", None);
        out.assert_status(OK);
        assert!(
            out.json["key"].as_str().is_some_and(|k| !k.is_empty()),
            "{}",
            out.text
        );
    }
    // The same server is not trusted without the test CA.
    let c = client_for(&dev.url, json!({"api_key": DEV_KEY, "tls_roots": "webpki"}));
    c.histories(None).assert_status(TRANSPORT);
}

/// obs 4: an `http://` upload URL under an `https://` base URL, and an upload URL with
/// userinfo, are FASTGPT_E_PROTOCOL before anything is sent; the password never appears.
#[test]
fn devserver_hostile_upload_urls_over_https() {
    let Some(dev) = https_devserver() else { return };
    for fault in ["presign-http-url", "presign-userinfo"] {
        for shape in ["post", "put"] {
            let c = dev_client(
                dev,
                json!({"headers": {"X-Dev-Presign": shape, "X-Dev-Fault": fault}}),
            );
            let out = c.upload("a.txt", Some("text/plain"), b"secret file", None);
            out.assert_status(PROTOCOL);
            assert!(!out.text.contains("dev-secret-password"), "{}", out.text);
            let m = out.err()["message"].as_str().unwrap();
            assert!(
                m.contains("clear text") || m.contains("userinfo"),
                "{fault}/{shape}: {m}"
            );
        }
    }
}

/// The dev server's hostile knobs over HTTPS: whitespace floods before a stream (plain and
/// gzip), a connection closed while idle without `Connection: close`, and credentials
/// echoed JSON-escaped.
#[test]
fn devserver_hostile_knobs_over_https() {
    let Some(dev) = https_devserver() else { return };
    for fault in [
        "whitespace-forever:sse",
        "gzip-whitespace-forever:sse",
        "whitespace-forever:json",
    ] {
        let c = dev_client(
            dev,
            json!({"max_event_bytes": 1 << 20, "headers": {"X-Dev-Fault": fault}}),
        );
        let ((out, events), _) = within(Duration::from_secs(30), move || c.stream(CHAT, None));
        out.assert_status(PROTOCOL);
        assert_eq!(out.err()["http_status"], 200, "{fault}");
        assert_eq!(events, 0);
    }
    // obs 8: every call after the server closed the idle connection still succeeds.
    let c = dev_client(dev, json!({"headers": {"X-Dev-Fault": "idle-close:50"}}));
    for _ in 0..4 {
        c.histories(None).assert_status(OK);
        thread::sleep(Duration::from_millis(150));
    }
    // obs 7: a key with `"` and `\`, echoed JSON-escaped, is masked.
    let key = r#"fastgpt-dev"k\ey"#;
    let c = dev_client(
        dev,
        json!({"api_key": key, "headers": {"X-Dev-Fault": "echo-auth"}}),
    );
    let out = c.histories(None);
    out.assert_status(5);
    assert!(
        !out.err()["body"].as_str().unwrap().contains("fastgpt-dev"),
        "{}",
        out.text
    );
    assert!(
        !out.err()["message"]
            .as_str()
            .unwrap()
            .contains("fastgpt-dev"),
        "{}",
        out.text
    );
}
