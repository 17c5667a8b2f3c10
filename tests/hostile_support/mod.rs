//! Shared harness of the hostile-peer suites (`tests/hostile.rs`, `tests/proxy.rs`,
//! `tests/tls.rs`): the public C ABI called from Rust, misbehaving loopback servers written
//! in the test, and child processes whose peak RSS and CPU time are measured.
//!
//! The suites go through the C functions of `include/fastgpt.h`, exactly as a C caller does,
//! so that what they check is the contract (status codes and error JSON fields), whatever the
//! library's internal layout.

#![allow(dead_code)]

use std::ffi::{c_char, c_void, CStr, CString};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use fastgpt as _;
use serde_json::{json, Value};

pub const KEY: &str = "fastgpt-hostile-key";
pub const APP: &str = "0123456789abcdef01234567";

#[repr(C)]
pub struct RawClient {
    _p: [u8; 0],
}
#[repr(C)]
pub struct RawToken {
    _p: [u8; 0],
}

pub type StreamCb = extern "C" fn(*mut c_void, *const c_char, *const c_char, *const c_char) -> i32;

extern "C" {
    fn fastgpt_client_new_with_options(
        o: *const c_char,
        out: *mut *mut RawClient,
        err: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_client_free(c: *mut RawClient);
    fn fastgpt_string_free(s: *mut c_char);
    fn fastgpt_cancel_token_new() -> *mut RawToken;
    fn fastgpt_cancel_token_cancel(t: *const RawToken);
    fn fastgpt_cancel_token_cancel_after(t: *const RawToken, ms: i32);
    fn fastgpt_cancel_token_free(t: *mut RawToken);
    fn fastgpt_request(
        c: *const RawClient,
        method: *const c_char,
        path: *const c_char,
        query: *const c_char,
        body: *const c_char,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_create_chat_completion(
        c: *const RawClient,
        req: *const c_char,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_create_chat_completion_stream(
        c: *const RawClient,
        req: *const c_char,
        cb: Option<StreamCb>,
        user: *mut c_void,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_resume_chat_completion_stream(
        c: *const RawClient,
        app: *const c_char,
        chat: *const c_char,
        cb: Option<StreamCb>,
        user: *mut c_void,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_upload_chat_bytes(
        c: *const RawClient,
        app: *const c_char,
        chat: *const c_char,
        name: *const c_char,
        ct: *const c_char,
        data: *const c_void,
        len: usize,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
    fn fastgpt_get_chat_histories(
        c: *const RawClient,
        app: *const c_char,
        offset: i32,
        page_size: i32,
        source: *const c_char,
        cancel: *const RawToken,
        out: *mut *mut c_char,
    ) -> i32;
}

/// A status and the JSON the call wrote (`Value::Null` when it wrote nothing).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: i32,
    pub json: Value,
    /// The JSON as text, for "never appears" checks.
    pub text: String,
}

impl Outcome {
    pub fn err(&self) -> &Value {
        &self.json["error"]
    }
    pub fn assert_status(&self, want: i32) -> &Self {
        assert_eq!(
            self.status,
            want,
            "status {} ({}), json {}",
            self.status,
            self.err()["status_name"],
            self.text
        );
        if want != 0 {
            assert_eq!(self.err()["status"], json!(want), "{}", self.text);
        }
        self
    }
}

fn take_string(p: *mut c_char) -> (Value, String) {
    if p.is_null() {
        return (Value::Null, String::new());
    }
    let text = unsafe { CStr::from_ptr(p) }
        .to_str()
        .expect("UTF-8")
        .to_string();
    unsafe { fastgpt_string_free(p) };
    (
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")),
        text,
    )
}

fn c(s: &str) -> CString {
    CString::new(s).expect("no NUL")
}

fn opt(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

pub struct Client(*mut RawClient);
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

impl Drop for Client {
    fn drop(&mut self) {
        unsafe { fastgpt_client_free(self.0) }
    }
}

/// `fastgpt_client_new_with_options`: the client, or the status and error JSON.
pub fn try_client(options: &Value) -> Result<Client, Outcome> {
    let o = c(&options.to_string());
    let mut client = std::ptr::null_mut();
    let mut err = std::ptr::null_mut();
    let status = unsafe { fastgpt_client_new_with_options(o.as_ptr(), &mut client, &mut err) };
    let (json, text) = take_string(err);
    if status == 0 {
        assert!(!client.is_null());
        Ok(Client(client))
    } else {
        assert!(client.is_null());
        Err(Outcome { status, json, text })
    }
}

/// A client for `base_url` with fast retries; `extra` is merged over the defaults.
pub fn client_for(base_url: &str, extra: Value) -> Client {
    let mut o = json!({"api_key": KEY, "base_url": base_url, "retry_delay_ms": 10, "max_retries": 0, "proxy": ""});
    for (k, v) in extra.as_object().expect("object") {
        o[k] = v.clone();
    }
    try_client(&o).unwrap_or_else(|e| panic!("client: {}", e.text))
}

pub struct Token(*mut RawToken);
unsafe impl Send for Token {}
unsafe impl Sync for Token {}

impl Token {
    pub fn new() -> Arc<Token> {
        Arc::new(Token(unsafe { fastgpt_cancel_token_new() }))
    }
    pub fn cancel(&self) {
        unsafe { fastgpt_cancel_token_cancel(self.0) }
    }
    pub fn cancel_after(&self, ms: i32) {
        unsafe { fastgpt_cancel_token_cancel_after(self.0, ms) }
    }
}

impl Drop for Token {
    fn drop(&mut self) {
        unsafe { fastgpt_cancel_token_free(self.0) }
    }
}

fn tok(t: Option<&Token>) -> *const RawToken {
    t.map_or(std::ptr::null(), |t| t.0 as *const RawToken)
}

impl Client {
    pub fn request(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        body: Option<&str>,
        cancel: Option<&Token>,
    ) -> Outcome {
        let (m, p) = (c(method), c(path));
        let (q, b) = (query.map(c), body.map(c));
        let mut out = std::ptr::null_mut();
        let status = unsafe {
            fastgpt_request(
                self.0,
                m.as_ptr(),
                p.as_ptr(),
                opt(&q),
                opt(&b),
                tok(cancel),
                &mut out,
            )
        };
        let (json, text) = take_string(out);
        Outcome { status, json, text }
    }

    pub fn completion(&self, req: &str, cancel: Option<&Token>) -> Outcome {
        let r = c(req);
        let mut out = std::ptr::null_mut();
        let status =
            unsafe { fastgpt_create_chat_completion(self.0, r.as_ptr(), tok(cancel), &mut out) };
        let (json, text) = take_string(out);
        Outcome { status, json, text }
    }

    /// A streaming completion; returns the outcome and the number of events delivered.
    pub fn stream(&self, req: &str, cancel: Option<&Token>) -> (Outcome, usize) {
        extern "C" fn count(
            user: *mut c_void,
            _e: *const c_char,
            _d: *const c_char,
            _t: *const c_char,
        ) -> i32 {
            unsafe { *(user as *mut usize) += 1 };
            0
        }
        let r = c(req);
        let mut out = std::ptr::null_mut();
        let mut n: usize = 0;
        let status = unsafe {
            fastgpt_create_chat_completion_stream(
                self.0,
                r.as_ptr(),
                Some(count),
                &mut n as *mut usize as *mut c_void,
                tok(cancel),
                &mut out,
            )
        };
        let (json, text) = take_string(out);
        (Outcome { status, json, text }, n)
    }

    /// Resumes the stream of chat `chat1`; returns the outcome and the number of events.
    pub fn resume(&self, cancel: Option<&Token>) -> (Outcome, usize) {
        extern "C" fn count(
            user: *mut c_void,
            _e: *const c_char,
            _d: *const c_char,
            _t: *const c_char,
        ) -> i32 {
            unsafe { *(user as *mut usize) += 1 };
            0
        }
        let (a, ch) = (c(APP), c("chat1"));
        let mut out = std::ptr::null_mut();
        let mut n: usize = 0;
        let status = unsafe {
            fastgpt_resume_chat_completion_stream(
                self.0,
                a.as_ptr(),
                ch.as_ptr(),
                Some(count),
                &mut n as *mut usize as *mut c_void,
                tok(cancel),
                &mut out,
            )
        };
        let (json, text) = take_string(out);
        (Outcome { status, json, text }, n)
    }

    pub fn upload(
        &self,
        name: &str,
        content_type: Option<&str>,
        data: &[u8],
        cancel: Option<&Token>,
    ) -> Outcome {
        let (a, ch, n) = (c(APP), c("chat1"), c(name));
        let ct = content_type.map(c);
        let mut out = std::ptr::null_mut();
        let status = unsafe {
            fastgpt_upload_chat_bytes(
                self.0,
                a.as_ptr(),
                ch.as_ptr(),
                n.as_ptr(),
                opt(&ct),
                data.as_ptr() as *const c_void,
                data.len(),
                tok(cancel),
                &mut out,
            )
        };
        let (json, text) = take_string(out);
        Outcome { status, json, text }
    }

    pub fn histories(&self, cancel: Option<&Token>) -> Outcome {
        let a = c(APP);
        let mut out = std::ptr::null_mut();
        let status = unsafe {
            fastgpt_get_chat_histories(
                self.0,
                a.as_ptr(),
                0,
                10,
                std::ptr::null(),
                tok(cancel),
                &mut out,
            )
        };
        let (json, text) = take_string(out);
        Outcome { status, json, text }
    }
}

pub const CHAT: &str = r#"{"chatId":"c1","messages":[{"role":"user","content":"hi"}]}"#;

// ---------------------------------------------------------------------------------------
// Misbehaving servers

/// One HTTP request as a hostile server saw it.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    /// The request line, e.g. `GET /x HTTP/1.1`.
    pub line: String,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    pub fn method(&self) -> &str {
        self.line.split(' ').next().unwrap_or("")
    }
    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
    pub fn path(&self) -> &str {
        let t = self.target();
        t.split('?').next().unwrap_or(t)
    }
}

/// A connection of a hostile server.
pub struct Conn {
    pub reader: BufReader<TcpStream>,
    pub stream: TcpStream,
    /// Requests read on this connection so far.
    pub served: usize,
}

impl Conn {
    /// Reads one request head and its `Content-Length` body (up to `max_body`; the rest
    /// is left unread). `None` at EOF or on a read error.
    pub fn read_request(&mut self, max_body: usize) -> Option<Seen> {
        let mut seen = Seen::default();
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if !line.trim().is_empty() {
                break;
            }
        }
        seen.line = line.trim_end().to_string();
        loop {
            line.clear();
            if self.reader.read_line(&mut line).ok()? == 0 {
                return None;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                seen.headers
                    .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
            }
        }
        let len = seen
            .header("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len.min(max_body)];
        self.reader.read_exact(&mut body).ok()?;
        seen.body = body;
        self.served += 1;
        Some(seen)
    }

    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// A complete response with `Content-Length`.
    pub fn respond(
        &mut self,
        status: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<()> {
        let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let mut all = head.into_bytes();
        all.extend_from_slice(body);
        self.write(&all)
    }

    pub fn respond_json(&mut self, status: &str, body: &Value) -> std::io::Result<()> {
        self.respond(
            status,
            &[("Content-Type", "application/json")],
            body.to_string().as_bytes(),
        )
    }
}

pub type Handler = Arc<dyn Fn(&mut Conn, &Hostile) + Send + Sync>;

/// A loopback server whose every connection runs `handler` on its own thread.
pub struct Hostile {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
    pub requests: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Records a request (for checks after the call).
    pub fn record(&self, s: &Seen) {
        self.requests.lock().unwrap().push(s.clone());
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub fn serve(handler: impl Fn(&mut Conn, &Hostile) + Send + Sync + 'static) -> Arc<Hostile> {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let h = Arc::new(Hostile {
        port,
        connections: Arc::new(AtomicUsize::new(0)),
        requests: Arc::new(Mutex::new(Vec::new())),
    });
    let handler: Handler = Arc::new(handler);
    let hs = h.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            hs.connections.fetch_add(1, Ordering::SeqCst);
            let (handler, hs2) = (handler.clone(), hs.clone());
            thread::spawn(move || {
                let reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut conn = Conn {
                    reader,
                    stream,
                    served: 0,
                };
                handler(&mut conn, &hs2);
            });
        }
    });
    h
}

/// Runs `f` on a thread and fails the test when it does not return within `limit`
/// (a hang is a failure, not a stuck suite).
pub fn within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> (T, Duration) {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => (v, start.elapsed()),
        Err(_) => panic!("the call did not return within {limit:?}"),
    }
}

/// An unbounded stream of `byte` written to `conn` until the peer goes away.
pub fn flood(conn: &mut Conn, byte: u8) {
    let chunk = vec![byte; 64 * 1024];
    while conn.stream.write_all(&chunk).is_ok() {}
}

// ---------------------------------------------------------------------------------------
// A deflate stream of one byte repeated forever (fixed Huffman codes: one literal, then
// length 258 / distance 1 matches, 13 bits each), for gzip floods and bombs.

struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    /// `bits` LSB first (header fields and extra bits).
    fn put(&mut self, value: u64, bits: u32) {
        self.acc |= value << self.n;
        self.n += bits;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }
    /// A Huffman code, MSB first.
    fn code(&mut self, code: u64, bits: u32) {
        let mut rev = 0u64;
        for i in 0..bits {
            rev |= ((code >> i) & 1) << (bits - 1 - i);
        }
        self.put(rev, bits);
    }
    fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }
}

/// A gzip member header, then an endless deflate block expanding to `byte` repeated:
/// `pump(w)` writes about 2 MiB of decompressed data per 13 KiB written.
pub struct GzipFlood {
    bw: BitWriter,
}

impl GzipFlood {
    pub fn new(byte: u8) -> (GzipFlood, Vec<u8>) {
        let mut bw = BitWriter {
            out: Vec::new(),
            acc: 0,
            n: 0,
        };
        bw.put(0, 1); // BFINAL = 0
        bw.put(1, 2); // BTYPE = 01 (fixed Huffman)
        let lit = byte as u64;
        if lit < 144 {
            bw.code(0x30 + lit, 8);
        } else {
            bw.code(0x190 + (lit - 144), 9);
        }
        let mut head = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
        head.extend(bw.take());
        (GzipFlood { bw }, head)
    }

    /// The next `n` matches (258 bytes each).
    pub fn chunk(&mut self, n: usize) -> Vec<u8> {
        for _ in 0..n {
            self.bw.code(0b11000101, 8); // length code 285 = 258
            self.bw.code(0, 5); // distance code 0 = 1
        }
        self.bw.take()
    }
}

/// Writes an endless gzip flood of `byte` until the peer goes away.
pub fn gzip_flood(conn: &mut Conn, byte: u8) {
    let (mut g, head) = GzipFlood::new(byte);
    if conn.stream.write_all(&head).is_err() {
        return;
    }
    loop {
        let c = g.chunk(8192);
        if conn.stream.write_all(&c).is_err() {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Child processes: a scenario runs in a fresh copy of the test binary, so that its peak RSS
// and CPU time are its own.

/// What a child measured about itself.
#[derive(Debug)]
pub struct ChildReport {
    pub ok: bool,
    pub output: String,
    /// Peak RSS of the child (its `VmHWM`, which starts again at `exec`; `ru_maxrss` would
    /// include the parent's pages from before the `exec`), bytes; 0 when the child did not
    /// report it.
    pub max_rss: u64,
    /// User + system CPU time of the child.
    pub cpu: Duration,
}

/// Runs the test named `test_name` of this binary in a child with `HOSTILE_CHILD=scenario`,
/// an address-space limit of `as_limit_mb` MiB and a wall-clock limit.
pub fn run_child(test_name: &str, scenario: &str, as_limit_mb: u64, wall: Duration) -> ChildReport {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().expect("current exe");
    let mut cmd = std::process::Command::new(exe);
    cmd.args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env("HOSTILE_CHILD", scenario)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let limit = as_limit_mb << 20;
    unsafe {
        cmd.pre_exec(move || {
            if limit > 0 {
                let r = libc::rlimit {
                    rlim_cur: limit as libc::rlim_t,
                    rlim_max: limit as libc::rlim_t,
                };
                libc::setrlimit(libc::RLIMIT_AS, &r);
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn child");
    let pid = child.id() as libc::pid_t;
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let reader = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        let mut e = String::new();
        let _ = err.read_to_string(&mut e);
        s + &e
    });
    let start = Instant::now();
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if start.elapsed() > wall {
            unsafe { libc::kill(pid, libc::SIGKILL) };
            unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    std::mem::forget(child);
    let output = reader.join().unwrap_or_default();
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let max_rss = output
        .lines()
        .find_map(|l| l.strip_prefix("CHILD-VMHWM-KB "))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024);
    ChildReport {
        max_rss,
        ok: libc::WIFEXITED(status)
            && libc::WEXITSTATUS(status) == 0
            && output.contains("CHILD-OK"),
        output,

        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
    }
}

/// Prints this process's peak RSS (`VmHWM` of /proc/self/status) for [`run_child`].
pub fn report_peak_rss() {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .map(|v| v.trim().trim_end_matches("kB").trim().to_string())
        .unwrap_or_default();
    println!("CHILD-VMHWM-KB {kb}");
}

/// The scenario this process runs as a child, if any.
pub fn child_scenario() -> Option<String> {
    std::env::var("HOSTILE_CHILD").ok()
}

pub const MIB: u64 = 1 << 20;

// ---------------------------------------------------------------------------------------
// tinyproxy

/// A tinyproxy on 127.0.0.1, stopped when dropped.
pub struct Tinyproxy {
    pub port: u16,
    child: std::process::Child,
    _dir: TempDir,
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A directory removed with its contents when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let p = std::env::temp_dir().join(format!("fastgpt-{tag}-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port that was free on 127.0.0.1 a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts tinyproxy on 127.0.0.1 with the upstream default `ConnectPort 443` and `563`
/// (plus `extra` lines); `None` when tinyproxy is not installed.
pub fn tinyproxy(extra: &str) -> Option<Tinyproxy> {
    if std::process::Command::new("tinyproxy")
        .arg("-v")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("SKIP: tinyproxy is not installed (apt-get install tinyproxy)");
        return None;
    }
    for _ in 0..5 {
        let dir = TempDir::new("tinyproxy");
        let port = free_port();
        let conf = dir.0.join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!("Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nLogLevel Error\nConnectPort 443\nConnectPort 563\n{extra}\n"),
        )
        .unwrap();
        let child = std::process::Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn tinyproxy");
        let mut t = Tinyproxy {
            port,
            child,
            _dir: dir,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(5) {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(t);
            }
            if let Ok(Some(_)) = t.child.try_wait() {
                break; // the port was taken in between: try another
            }
            thread::sleep(Duration::from_millis(20));
        }
        drop(t);
    }
    panic!("tinyproxy did not start");
}
