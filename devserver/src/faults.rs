//! Misbehaviour knobs selected by the `X-Dev-Fault` request header.

use crate::conn::Conn;
use crate::http::{Request, Response};

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    // ---- any request: replace the whole response ----
    Status {
        code: u16,
        retry_after: Option<String>,
    },
    StatusPlain(u16),
    Html502,
    Html504,
    Envelope429,
    Redirect,
    OpenaiError,
    Garbage200,
    BigBody(usize),
    ResetBeforeHeaders,
    CloseBeforeHeaders,
    StallBeforeHeaders(u64),
    TruncatedBody,
    MalformedStatus,
    ResetMidBody,
    TruncatedChunked,
    GzipBody,
    /// 200 with a body of whitespace that never ends (`Flood::gzip`: gzip-encoded).
    WhitespaceForever(Flood),
    /// An error envelope that echoes the request's Authorization and header values.
    EchoAuth,
    // ---- any request: after a normal keep-alive response, close the idle connection (no
    // `Connection: close`) after MS ----
    IdleClose(u64),
    // ---- chat file presign only: the answer itself misbehaves ----
    PresignContentLength(u64),
    PresignForbiddenHeaders,
    PresignHeader(String, String),
    PresignHttpUrl,
    PresignUserinfo,
    // ---- createQuestionGuide only ----
    GuideObject,
    // ---- chat file presign only: the later upload answers S3 500 InternalError ----
    StorageError,
    // ---- v2 completions with `x-fastgpt-stream-resume: 1`: no mirror (memory pressure) ----
    ResumeUnavailable,
    // ---- stream:true completions only ----
    Crlf,
    Cr,
    Bytewise,
    ErrorEvent,
    ErrorEventFirst,
    EofNoDone,
    ResetMidStream,
    StallMidStream(u64),
    TrailingAfterDone,
    InvalidUtf8,
    BigEvent(usize),
    ManyEvents(usize),
    Heartbeats(usize),
    NoSpace,
    Comments,
    MultilineData,
    Json200Stream,
    FlowResponsesObject,
    SseCloseDelimited,
    Slow(u64),
    /// Frames up to the cut point, then one byte every MS forever.
    Trickle(u64),
    /// The connection is cut (FIN both ways) at the cut point; a v2 round goes on after a
    /// pause of MS (for `core/chat/resume`).
    CutMidStream(u64),
    /// A UTF-8 BOM before the first frame.
    Bom,
    /// An `event: done` frame whose data is not `[DONE]`, after the first answer chunk.
    DoneEvent,
    /// N `toolCall` frames with distinct ids (detail streams).
    ToolCalls(usize),
}

/// The whitespace flood's framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flood {
    /// `application/json` (false) or `text/event-stream` (true).
    pub sse: bool,
    pub gzip: bool,
}

impl Fault {
    /// Faults that replace the response of any request.
    pub fn is_generic(&self) -> bool {
        matches!(
            self,
            Fault::Status { .. }
                | Fault::StatusPlain(_)
                | Fault::Html502
                | Fault::Html504
                | Fault::Envelope429
                | Fault::Redirect
                | Fault::OpenaiError
                | Fault::Garbage200
                | Fault::BigBody(_)
                | Fault::ResetBeforeHeaders
                | Fault::CloseBeforeHeaders
                | Fault::StallBeforeHeaders(_)
                | Fault::TruncatedBody
                | Fault::MalformedStatus
                | Fault::ResetMidBody
                | Fault::TruncatedChunked
                | Fault::GzipBody
                | Fault::WhitespaceForever(_)
                | Fault::EchoAuth
        )
    }
}

fn num<T: std::str::FromStr>(arg: Option<&str>, spec: &str) -> Result<T, String> {
    arg.ok_or_else(|| format!("fault '{}' needs a number", spec))?
        .parse::<T>()
        .map_err(|_| format!("fault '{}': bad number", spec))
}

fn num_or<T: std::str::FromStr>(arg: Option<&str>, default: T, spec: &str) -> Result<T, String> {
    match arg {
        None | Some("") => Ok(default),
        Some(_) => num(arg, spec),
    }
}

/// Parse a comma-separated list of fault specs.
pub fn parse(spec: &str) -> Result<Vec<Fault>, String> {
    let mut out = Vec::new();
    // Split on commas, except that a `status:CODE:retry-after=VALUE` item takes the rest
    // of the header (an HTTP date contains a comma).
    let mut items = Vec::new();
    let mut rest = spec;
    while !rest.is_empty() {
        let next = rest.find(',');
        let token = &rest[..next.unwrap_or(rest.len())];
        if token.trim_start().starts_with("status:") && token.contains(":retry-after=") {
            items.push(rest.trim());
            break;
        }
        items.push(token.trim());
        rest = match next {
            Some(i) => &rest[i + 1..],
            None => "",
        };
    }
    for one in items.into_iter().filter(|s| !s.is_empty()) {
        let (name, arg) = match one.find(':') {
            Some(i) => (&one[..i], Some(&one[i + 1..])),
            None => (one, None),
        };
        let f = match name {
            "status" => {
                let arg = arg.ok_or("fault 'status' needs a code")?;
                let (code_s, rest) = match arg.find(':') {
                    Some(i) => (&arg[..i], Some(&arg[i + 1..])),
                    None => (arg, None),
                };
                let code: u16 = num(Some(code_s), one)?;
                let retry_after = match rest {
                    None => None,
                    Some(r) => Some(
                        r.strip_prefix("retry-after=")
                            .ok_or_else(|| format!("fault '{}': expected retry-after=VALUE", one))?
                            .replace("%20", " "),
                    ),
                };
                if !(100..=999).contains(&code) {
                    return Err(format!("fault '{}': status out of range", one));
                }
                Fault::Status { code, retry_after }
            }
            "status-plain" => {
                let code: u16 = num(arg, one)?;
                if !(100..=999).contains(&code) {
                    return Err(format!("fault '{}': status out of range", one));
                }
                Fault::StatusPlain(code)
            }
            "html502" => Fault::Html502,
            "html504" => Fault::Html504,
            "envelope429" => Fault::Envelope429,
            "redirect" => Fault::Redirect,
            "openai-error" => Fault::OpenaiError,
            "garbage-200" => Fault::Garbage200,
            "big-body" => Fault::BigBody(num(arg, one)?),
            "reset-before-headers" => Fault::ResetBeforeHeaders,
            "close-before-headers" => Fault::CloseBeforeHeaders,
            "stall-before-headers" => Fault::StallBeforeHeaders(num_or(arg, 60_000, one)?),
            "truncated-body" => Fault::TruncatedBody,
            "malformed-status" => Fault::MalformedStatus,
            "reset-mid-body" => Fault::ResetMidBody,
            "truncated-chunked" => Fault::TruncatedChunked,
            "gzip-body" => Fault::GzipBody,
            "whitespace-forever" | "gzip-whitespace-forever" => {
                let sse = match arg {
                    None | Some("") | Some("json") => false,
                    Some("sse") => true,
                    Some(_) => return Err(format!("fault '{}': expected :json or :sse", one)),
                };
                Fault::WhitespaceForever(Flood {
                    sse,
                    gzip: name.starts_with("gzip"),
                })
            }
            "echo-auth" => Fault::EchoAuth,
            "idle-close" => Fault::IdleClose(num_or(arg, 0, one)?),
            "presign-content-length" => Fault::PresignContentLength(num_or(arg, 1, one)?),
            "presign-forbidden-headers" => Fault::PresignForbiddenHeaders,
            "presign-header" => {
                let (k, v) = arg.and_then(|a| a.split_once('=')).ok_or_else(|| {
                    format!("fault '{}': expected presign-header:NAME=VALUE", one)
                })?;
                Fault::PresignHeader(k.to_string(), v.replace("%20", " ").replace("%2C", ","))
            }
            "presign-http-url" => Fault::PresignHttpUrl,
            "presign-userinfo" => Fault::PresignUserinfo,
            "trickle" => Fault::Trickle(num_or(arg, 900, one)?),
            "cut-mid-stream" => Fault::CutMidStream(num_or(arg, 1000, one)?),
            "bom" => Fault::Bom,
            "done-event" => Fault::DoneEvent,
            "tool-calls" => Fault::ToolCalls(num(arg, one)?),
            "guide-object" => Fault::GuideObject,
            "storage-error" => Fault::StorageError,
            "resume-unavailable" => Fault::ResumeUnavailable,
            "crlf" => Fault::Crlf,
            "cr" => Fault::Cr,
            "bytewise" => Fault::Bytewise,
            "error-event" => Fault::ErrorEvent,
            "error-event-first" => Fault::ErrorEventFirst,
            "eof-no-done" => Fault::EofNoDone,
            "reset-mid-stream" => Fault::ResetMidStream,
            "stall-mid-stream" => Fault::StallMidStream(num_or(arg, 60_000, one)?),
            "trailing-after-done" => Fault::TrailingAfterDone,
            "invalid-utf8" => Fault::InvalidUtf8,
            "big-event" => Fault::BigEvent(num(arg, one)?),
            "many-events" => Fault::ManyEvents(num(arg, one)?),
            "heartbeats" => Fault::Heartbeats(num(arg, one)?),
            "no-space" => Fault::NoSpace,
            "comments" => Fault::Comments,
            "multiline-data" => Fault::MultilineData,
            "json-200-stream" => Fault::Json200Stream,
            "flowresponses-object" => Fault::FlowResponsesObject,
            "sse-close-delimited" => Fault::SseCloseDelimited,
            "slow" => Fault::Slow(num(arg, one)?),
            _ => return Err(format!("unknown fault spec '{}'", one)),
        };
        out.push(f);
    }
    Ok(out)
}

pub const NGINX_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n";
pub const NGINX_504: &str = "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n";
pub const RATE_LIMIT_MSG: &str =
    "Rate limit exceeded. Maximum 30 requests per 60 seconds for this team. Please try again in 5 seconds.";

/// What the connection loop does after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    KeepAlive,
    /// The response said keep-alive; close the idle connection after MS anyway (FIN).
    IdleClose(u64),
    /// Orderly close (FIN).
    Close,
    /// Abortive close (RST).
    Reset,
}

/// Outcome of a generic fault.
pub enum GenericOutcome {
    /// Send this response (normally, with Content-Length).
    Respond(Response),
    /// The fault wrote (or did not write) on its own; then dispose like this.
    Done(Disposition),
}

pub fn apply_generic(f: &Fault, req: &Request, w: &mut Conn) -> GenericOutcome {
    use std::io::Write;
    let envelope = |code: u16, msg: &str| serde_json::json!({"code": code, "statusText": "", "message": msg, "data": null});
    match f {
        Fault::Status { code, retry_after } => {
            let mut r = Response::json(*code, &envelope(*code, "fault"));
            if let Some(v) = retry_after {
                r = r.header("Retry-After", v);
            }
            GenericOutcome::Respond(r)
        }
        Fault::StatusPlain(code) => GenericOutcome::Respond(Response::new(
            *code,
            "text/plain; charset=utf-8",
            b"fault".to_vec(),
        )),
        Fault::Html502 => GenericOutcome::Respond(
            Response::new(502, "text/html", NGINX_502.as_bytes().to_vec())
                .header("Server", "nginx/1.25.3"),
        ),
        Fault::Html504 => GenericOutcome::Respond(
            Response::new(504, "text/html", NGINX_504.as_bytes().to_vec())
                .header("Server", "nginx/1.25.3"),
        ),
        Fault::Envelope429 => {
            GenericOutcome::Respond(Response::json(200, &envelope(429, RATE_LIMIT_MSG)))
        }
        Fault::Redirect => GenericOutcome::Respond(
            Response::new(302, "text/plain; charset=utf-8", Vec::new())
                .header("Location", "http://127.0.0.1:1/elsewhere"),
        ),
        Fault::OpenaiError => GenericOutcome::Respond(Response::json(
            400,
            &serde_json::json!({"error": {"message": "bad model", "type": "invalid_request_error", "code": "model_not_found"}}),
        )),
        Fault::Garbage200 => GenericOutcome::Respond(Response::new(
            200,
            "application/json; charset=utf-8",
            b"{not json".to_vec(),
        )),
        Fault::BigBody(n) => {
            let v = serde_json::json!({"code": 200, "statusText": "", "message": "", "data": "x".repeat(*n)});
            GenericOutcome::Respond(Response::json(200, &v))
        }
        Fault::ResetBeforeHeaders => GenericOutcome::Done(Disposition::Reset),
        Fault::CloseBeforeHeaders => GenericOutcome::Done(Disposition::Close),
        Fault::StallBeforeHeaders(ms) => {
            std::thread::sleep(std::time::Duration::from_millis(*ms));
            GenericOutcome::Done(Disposition::Close)
        }
        Fault::TruncatedBody => {
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 100\r\nConnection: keep-alive\r\n\r\n{\"code\":20",
            );
            let _ = w.flush();
            GenericOutcome::Done(Disposition::Close)
        }
        Fault::MalformedStatus => {
            let _ = w.write_all(b"HTTP/1.1 abc\r\n\r\n");
            let _ = w.flush();
            GenericOutcome::Done(Disposition::Close)
        }
        Fault::ResetMidBody => {
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 100\r\n\r\n{\"code\":20",
            );
            let _ = w.flush();
            std::thread::sleep(std::time::Duration::from_millis(50));
            GenericOutcome::Done(Disposition::Reset)
        }
        Fault::TruncatedChunked => {
            let _ = w.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"code\":200,\"stat",
            );
            let _ = w.flush();
            GenericOutcome::Done(Disposition::Close)
        }
        Fault::GzipBody => {
            let body = serde_json::json!({"code": 200, "statusText": "", "message": "", "data": {"gzip": true}});
            let gz = gzip_stored(body.to_string().as_bytes());
            GenericOutcome::Respond(
                Response::new(200, "application/json; charset=utf-8", gz)
                    .header("Content-Encoding", "gzip"),
            )
        }
        Fault::WhitespaceForever(flood) => GenericOutcome::Done(whitespace_forever(*flood, w)),
        Fault::EchoAuth => {
            let mut headers = serde_json::Map::new();
            for (k, v) in &req.headers {
                headers.insert(k.clone(), serde_json::json!(v));
            }
            let auth = req.header("authorization").unwrap_or("");
            let body = serde_json::json!({"code": 401, "statusText": "unAuthApiKey",
                "message": format!("Invalid credential: {}", auth),
                "data": {"authorization": auth, "headers": headers}});
            GenericOutcome::Respond(Response::json(401, &body))
        }
        _ => GenericOutcome::Done(Disposition::Close),
    }
}

/// 200, chunked, then whitespace (`" \n"` repeated; gzip-encoded when asked) as fast as the
/// peer reads, until it goes away (or a 30 s write stall).
fn whitespace_forever(flood: Flood, w: &mut Conn) -> Disposition {
    use std::io::Write;
    let _ = w
        .tcp()
        .set_write_timeout(Some(std::time::Duration::from_secs(30)));
    let ct = if flood.sse {
        "text/event-stream;charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    let enc = if flood.gzip {
        "Content-Encoding: gzip\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {}\r\n{}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        ct, enc
    );
    if w.write_all(head.as_bytes()).is_err() {
        return Disposition::Close;
    }
    let chunk = |data: &[u8]| {
        let mut c = format!("{:x}\r\n", data.len()).into_bytes();
        c.extend_from_slice(data);
        c.extend_from_slice(b"\r\n");
        c
    };
    let (first, repeat) = if flood.gzip {
        let (f, r) = deflate_run(b'\n');
        let mut first = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        first.extend_from_slice(&f);
        (chunk(&first), chunk(&r.repeat(16)))
    } else {
        (Vec::new(), chunk(&b" \n".repeat(32 * 1024)))
    };
    if w.write_all(&first).is_err() {
        return Disposition::Close;
    }
    loop {
        if w.write_all(&repeat).is_err() {
            return Disposition::Close;
        }
    }
}

/// Deflate blocks (fixed Huffman) that expand to `byte` forever: the first block holds the
/// literal and 1022 copies of <length 258, distance 1>; the second only the copies, and can
/// be repeated (each block is a whole number of bytes and not final). ~1.6 KB → 263 KB.
pub fn deflate_run(byte: u8) -> (Vec<u8>, Vec<u8>) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, v: u64, n: u32) {
            self.acc |= v << self.n;
            self.n += n;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// A Huffman code goes MSB first.
        fn code(&mut self, c: u64, len: u32) {
            let mut r = 0;
            for i in 0..len {
                r |= ((c >> i) & 1) << (len - 1 - i);
            }
            self.put(r, len);
        }
    }
    let block = |literal: Option<u8>| {
        let mut b = Bits {
            out: Vec::new(),
            acc: 0,
            n: 0,
        };
        b.put(0, 1); // BFINAL = 0
        b.put(1, 2); // BTYPE = 01, fixed Huffman
        if let Some(l) = literal {
            // literals 0–143: 8-bit codes 0x30 + value
            b.code(0x30 + l as u64, 8);
        }
        for _ in 0..1022 {
            b.code(0b1100_0101, 8); // length 258 = symbol 285: 8-bit code 11000101
            b.code(0, 5); // distance 1 = distance code 0
        }
        b.code(0, 7); // end of block = symbol 256: 7-bit 0000000
        debug_assert_eq!(b.n, 0, "block not byte aligned");
        b.out
    };
    (block(Some(byte)), block(None))
}

/// A gzip member holding `data` in stored (uncompressed) deflate blocks: valid gzip that
/// needs no compressor.
pub fn gzip_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut chunks = data.chunks(65535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(c) = chunks.next() {
        out.push(if chunks.peek().is_none() { 1 } else { 0 });
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(
            parse("crlf,status:429:retry-after=Wed,%2021%20Oct%202015%2007:28:00%20GMT").unwrap(),
            vec![
                Fault::Crlf,
                Fault::Status {
                    code: 429,
                    retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT".into())
                }
            ]
        );
        assert_eq!(
            parse("status:503:retry-after=2").unwrap(),
            vec![Fault::Status {
                code: 503,
                retry_after: Some("2".into())
            }]
        );
        assert_eq!(
            parse("crlf, bytewise,slow:5").unwrap(),
            vec![Fault::Crlf, Fault::Bytewise, Fault::Slow(5)]
        );
        assert_eq!(
            parse("stall-before-headers").unwrap(),
            vec![Fault::StallBeforeHeaders(60_000)]
        );
        assert!(parse("nope").is_err());
    }
}
