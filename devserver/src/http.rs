//! Minimal HTTP/1.1 server side: request parsing (Content-Length and chunked bodies,
//! `Expect: 100-continue`, keep-alive) and response writing.

use crate::util;
use std::io::{self, BufRead, BufReader, Read, Write};

pub const MAX_LINE: usize = 16 * 1024;
pub const MAX_HEADERS: usize = 100;
pub const MAX_BODY: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Request target as sent (path + `?` + query).
    pub target: String,
    /// Path part of the target, not decoded.
    pub path: String,
    /// Query string without the `?`, not decoded.
    pub raw_query: String,
    /// Decoded query pairs in order.
    pub query: Vec<(String, String)>,
    pub version: String,
    /// Header names lowercased, in order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// First value of a query parameter.
    pub fn query_get(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn keep_alive(&self) -> bool {
        let conn = self
            .header("connection")
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_default();
        if self.version == "HTTP/1.0" {
            conn.split(',').any(|t| t.trim() == "keep-alive")
        } else {
            !conn.split(',').any(|t| t.trim() == "close")
        }
    }
}

#[derive(Debug)]
pub enum ReadError {
    /// Clean EOF before the first byte of a request.
    Eof,
    Io(io::Error),
    /// Malformed request: answer 400 and close.
    Bad(String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

/// Read one line terminated by LF (CR before it stripped). `None` on EOF before any byte.
fn read_line<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, ReadError> {
    let mut line = Vec::new();
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            if line.is_empty() {
                return Ok(None);
            }
            return Err(ReadError::Bad("unexpected EOF in line".into()));
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&buf[..i]);
            r.consume(i + 1);
            break;
        }
        let n = buf.len();
        line.extend_from_slice(buf);
        r.consume(n);
        if line.len() > MAX_LINE {
            return Err(ReadError::Bad("line too long".into()));
        }
    }
    if line.len() > MAX_LINE {
        return Err(ReadError::Bad("line too long".into()));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(line))
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Read one request; `100 Continue` is written to the reader's inner stream.
pub fn read_request<S: Read + Write>(r: &mut BufReader<S>) -> Result<Request, ReadError> {
    // Request line (skip up to a few leading empty lines, RFC 9112 §2.2).
    let mut line;
    let mut skipped = 0;
    loop {
        line = match read_line(r)? {
            None => return Err(ReadError::Eof),
            Some(l) => l,
        };
        if !line.is_empty() {
            break;
        }
        skipped += 1;
        if skipped > 4 {
            return Err(ReadError::Bad("empty lines".into()));
        }
    }
    let line =
        String::from_utf8(line).map_err(|_| ReadError::Bad("non-UTF-8 request line".into()))?;
    let parts: Vec<&str> = line.split(' ').collect();
    if parts.len() != 3 {
        return Err(ReadError::Bad("bad request line".into()));
    }
    let (method, target, version) = (parts[0], parts[1], parts[2]);
    if !is_token(method) {
        return Err(ReadError::Bad("bad method".into()));
    }
    if version != "HTTP/1.1" && version != "HTTP/1.0" {
        return Err(ReadError::Bad("bad version".into()));
    }
    if target.is_empty() || target.bytes().any(|b| b <= 0x20 || b == 0x7f) {
        return Err(ReadError::Bad("bad target".into()));
    }
    // Absolute-form targets: keep only the path.
    let origin_form = if let Some(rest) = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"))
    {
        match rest.find('/') {
            Some(i) => rest[i..].to_string(),
            None => "/".to_string(),
        }
    } else {
        target.to_string()
    };
    if !origin_form.starts_with('/') {
        return Err(ReadError::Bad("bad target".into()));
    }
    let no_frag = origin_form.split('#').next().unwrap_or("").to_string();
    let (path, raw_query) = match no_frag.find('?') {
        Some(i) => (no_frag[..i].to_string(), no_frag[i + 1..].to_string()),
        None => (no_frag.clone(), String::new()),
    };

    let mut headers = Vec::new();
    loop {
        let l = read_line(r)?.ok_or_else(|| ReadError::Bad("EOF in headers".into()))?;
        if l.is_empty() {
            break;
        }
        if l[0] == b' ' || l[0] == b'\t' {
            return Err(ReadError::Bad("obsolete line folding".into()));
        }
        let l = String::from_utf8_lossy(&l).into_owned();
        let i = l
            .find(':')
            .ok_or_else(|| ReadError::Bad("header without colon".into()))?;
        let name = &l[..i];
        if !is_token(name) {
            return Err(ReadError::Bad("bad header name".into()));
        }
        headers.push((
            name.to_ascii_lowercase(),
            l[i + 1..]
                .trim_matches(|c| c == ' ' || c == '\t')
                .to_string(),
        ));
        if headers.len() > MAX_HEADERS {
            return Err(ReadError::Bad("too many headers".into()));
        }
    }

    let mut req = Request {
        method: method.to_string(),
        target: target.to_string(),
        path,
        query: util::parse_query(&raw_query),
        raw_query,
        version: version.to_string(),
        headers,
        body: Vec::new(),
    };

    let chunked = req
        .header("transfer-encoding")
        .map(|v| v.to_ascii_lowercase().contains("chunked"))
        .unwrap_or(false);
    let content_length = {
        let vals: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k == "content-length")
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim())
            .collect();
        let mut len: Option<usize> = None;
        for v in vals {
            if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ReadError::Bad("bad Content-Length".into()));
            }
            let n: usize = v
                .parse()
                .map_err(|_| ReadError::Bad("bad Content-Length".into()))?;
            if len.is_some() && len != Some(n) {
                return Err(ReadError::Bad("conflicting Content-Length".into()));
            }
            len = Some(n);
        }
        len
    };
    if !chunked && req.header("transfer-encoding").is_some() {
        return Err(ReadError::Bad("unsupported Transfer-Encoding".into()));
    }
    let expects_body = chunked || content_length.unwrap_or(0) > 0;
    if expects_body
        && req
            .header("expect")
            .map(|v| v.eq_ignore_ascii_case("100-continue"))
            .unwrap_or(false)
    {
        let out = r.get_mut();
        out.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        out.flush()?;
    }

    if chunked {
        let mut body = Vec::new();
        loop {
            let l = read_line(r)?.ok_or_else(|| ReadError::Bad("EOF in chunk size".into()))?;
            let l = String::from_utf8_lossy(&l).into_owned();
            let size_s = l.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_s, 16)
                .map_err(|_| ReadError::Bad("bad chunk size".into()))?;
            if size == 0 {
                // trailers
                loop {
                    let t =
                        read_line(r)?.ok_or_else(|| ReadError::Bad("EOF in trailers".into()))?;
                    if t.is_empty() {
                        break;
                    }
                }
                break;
            }
            if body.len() + size > MAX_BODY {
                return Err(ReadError::Bad("body too large".into()));
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..])
                .map_err(|_| ReadError::Bad("truncated chunk".into()))?;
            let crlf = read_line(r)?.ok_or_else(|| ReadError::Bad("EOF after chunk".into()))?;
            if !crlf.is_empty() {
                return Err(ReadError::Bad("chunk not followed by CRLF".into()));
            }
        }
        req.body = body;
    } else if let Some(n) = content_length {
        if n > MAX_BODY {
            return Err(ReadError::Bad("body too large".into()));
        }
        let mut body = vec![0u8; n];
        r.read_exact(&mut body)
            .map_err(|_| ReadError::Bad("truncated body".into()))?;
        req.body = body;
    }
    Ok(req)
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn json(status: u16, v: &serde_json::Value) -> Response {
        Response::new(
            status,
            "application/json; charset=utf-8",
            serde_json::to_vec(v).unwrap_or_default(),
        )
    }

    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
    }
}

/// Write a complete response with `Content-Length`.
pub fn write_response<W: Write + ?Sized>(
    w: &mut W,
    resp: &Response,
    keep_alive: bool,
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str(&format!("Date: {}\r\n", util::http_date(util::now_ms())));
    if keep_alive {
        head.push_str("Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n");
    } else {
        head.push_str("Connection: close\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", resp.body.len()));
    let mut buf = head.into_bytes();
    buf.extend_from_slice(&resp.body);
    w.write_all(&buf)?;
    w.flush()
}
