//! The SSE writer: frames, their serialisation (with the framing faults), and a whole
//! streamed response. Depends on `conn`, `faults`, `state`, `util`.

use crate::conn::Conn;
use crate::faults::Disposition;
use crate::state::Round;
use crate::util;
use std::io::Write;
use std::thread::sleep;
use std::time::Duration;

// ---------------------------------------------------------------------------------------
// SSE writer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AnswerText,
    Heartbeat,
    Reasoning,
    Stop,
    Done,
    Other,
}

#[derive(Debug, Clone)]
pub enum Frame {
    /// `event:` line (if any), one `data:` line per `\n`-separated line of `data`.
    Event {
        event: Option<String>,
        data: Vec<u8>,
        kind: Kind,
        delay_ms: u64,
    },
    /// Bytes written verbatim.
    Raw { bytes: Vec<u8>, delay_ms: u64 },
}

impl Frame {
    pub fn ev(event: Option<&str>, data: impl Into<Vec<u8>>, kind: Kind) -> Frame {
        Frame::Event {
            event: event.map(|s| s.to_string()),
            data: data.into(),
            kind,
            delay_ms: 0,
        }
    }
    pub fn kind(&self) -> Kind {
        match self {
            Frame::Event { kind, .. } => *kind,
            Frame::Raw { .. } => Kind::Other,
        }
    }
    pub fn delay_mut(&mut self) -> &mut u64 {
        match self {
            Frame::Event { delay_ms, .. } | Frame::Raw { delay_ms, .. } => delay_ms,
        }
    }
}

pub struct SseOpts {
    pub eol: &'static [u8],
    pub space: bool,
    pub bytewise: bool,
    pub comments: bool,
    pub chunked: bool,
    /// Bytes before the first frame (e.g. a UTF-8 BOM).
    pub prefix: Vec<u8>,
    /// Header lines after the status line (without Date/Connection/Transfer-Encoding).
    pub headers: Vec<(String, String)>,
}

impl SseOpts {
    pub fn normal(extra: &[(String, String)]) -> SseOpts {
        let mut headers = vec![
            (
                "Content-Type".to_string(),
                "text/event-stream;charset=utf-8".to_string(),
            ),
            (
                "Cache-Control".to_string(),
                "no-cache, no-transform".to_string(),
            ),
            ("X-Accel-Buffering".to_string(), "no".to_string()),
            ("Access-Control-Allow-Origin".to_string(), "*".to_string()),
        ];
        headers.extend(extra.iter().cloned());
        SseOpts {
            eol: b"\n",
            space: true,
            bytewise: false,
            comments: false,
            chunked: true,
            prefix: Vec::new(),
            headers,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Terminating chunk (if chunked), then FIN.
    Clean,
    /// RST after a short pause (so the written bytes reach the client).
    Reset,
    /// Silence for MS, then FIN without the terminating chunk.
    Stall(u64),
    /// One byte every MS, forever (until the client leaves).
    Trickle(u64),
}

struct Out<'a> {
    w: &'a mut Conn,
    chunked: bool,
    bytewise: bool,
}

impl Out<'_> {
    fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        if self.bytewise {
            for b in bytes {
                self.send_one(std::slice::from_ref(b))?;
            }
            Ok(())
        } else {
            self.send_one(bytes)
        }
    }
    fn send_one(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if self.chunked {
            let mut buf = format!("{:x}\r\n", bytes.len()).into_bytes();
            buf.extend_from_slice(bytes);
            buf.extend_from_slice(b"\r\n");
            self.w.write_all(&buf)?;
        } else {
            self.w.write_all(bytes)?;
        }
        self.w.flush()
    }
}

fn serialize(frame: &Frame, opts: &SseOpts, index: usize) -> Vec<u8> {
    match frame {
        Frame::Raw { bytes, .. } => bytes.clone(),
        Frame::Event { event, data, .. } => {
            let sep: &[u8] = if opts.space { b": " } else { b":" };
            let mut out = Vec::new();
            if opts.comments {
                out.extend_from_slice(b": ping");
                out.extend_from_slice(opts.eol);
                if index == 0 {
                    out.extend_from_slice(b"retry");
                    out.extend_from_slice(sep);
                    out.extend_from_slice(b"1000");
                    out.extend_from_slice(opts.eol);
                }
                out.extend_from_slice(b"id");
                out.extend_from_slice(sep);
                out.extend_from_slice((index + 1).to_string().as_bytes());
                out.extend_from_slice(opts.eol);
            }
            if let Some(e) = event {
                out.extend_from_slice(b"event");
                out.extend_from_slice(sep);
                out.extend_from_slice(e.as_bytes());
                out.extend_from_slice(opts.eol);
            }
            for line in data.split(|&b| b == b'\n') {
                out.extend_from_slice(b"data");
                out.extend_from_slice(sep);
                out.extend_from_slice(line);
                out.extend_from_slice(opts.eol);
            }
            out.extend_from_slice(opts.eol);
            out
        }
    }
}

/// How a streamed round relates to a shared `Round` (stop flag, resume mirror).
pub struct Live<'a> {
    pub round: &'a Round,
    /// Keep producing after the client left (v2 from 4.14.5: only `v2/chat/stop` ends it).
    pub outlive_client: bool,
    /// Cut the connection before frame N, then pause MS (the `cut-mid-stream` fault).
    pub cut: Option<(usize, u64)>,
}

/// Frames a stop request skips (the stopped stream then ends with its end sequence).
fn skipped_when_stopped(k: Kind) -> bool {
    matches!(k, Kind::AnswerText | Kind::Heartbeat | Kind::Reasoning)
}

/// Sleep `ms`, in slices, returning early when a stop was requested.
fn pause(ms: u64, live: Option<&Live>) {
    let mut left = ms;
    while left > 0 {
        if live
            .map(|l| l.round.version == 2 && l.round.stop_requested())
            .unwrap_or(false)
        {
            return;
        }
        let step = left.min(25);
        sleep(Duration::from_millis(step));
        left -= step;
    }
}

/// The response head of a stream.
pub fn head(opts: &SseOpts) -> String {
    let mut head = String::from("HTTP/1.1 200 OK\r\n");
    for (k, v) in &opts.headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str(&format!("Date: {}\r\n", util::http_date(util::now_ms())));
    if !opts
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("connection"))
    {
        head.push_str("Connection: close\r\n");
    }
    if opts.chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Write a whole SSE response. Write errors (client gone) end it quietly, unless `live`
/// says the round outlives its client: then the frames are still produced (for the resume
/// mirror and the stored state) until the end or a stop request.
pub fn run(
    w: &mut Conn,
    opts: &SseOpts,
    frames: &[Frame],
    ending: Ending,
    live: Option<&Live>,
) -> Disposition {
    let mut gone = w
        .write_all(head(opts).as_bytes())
        .and_then(|_| w.flush())
        .is_err();
    if gone && !live.map(|l| l.outlive_client).unwrap_or(false) {
        return Disposition::Close;
    }
    let mut out = Out {
        w,
        chunked: opts.chunked,
        bytewise: opts.bytewise,
    };
    let mut preamble = opts.prefix.clone();
    if opts.comments {
        preamble.extend_from_slice(b": connected");
        preamble.extend_from_slice(opts.eol);
        preamble.extend_from_slice(opts.eol);
    }
    if !gone && out.send(&preamble).is_err() {
        return Disposition::Close;
    }
    let mut event_index = 0;
    let mut stopped = false;
    for (index, f) in frames.iter().enumerate() {
        if let Some((at, ms)) = live.and_then(|l| l.cut) {
            if index == at && !gone {
                let _ = out.w.flush();
                let _ = out.w.tcp().shutdown(std::net::Shutdown::Both);
                gone = true;
                if !live.map(|l| l.outlive_client).unwrap_or(false) {
                    return Disposition::Close;
                }
                pause(ms, live);
            }
        }
        if let Some(l) = live {
            if l.round.version == 2 && l.round.stop_requested() {
                stopped = true;
            }
        }
        if stopped && skipped_when_stopped(f.kind()) {
            continue;
        }
        let delay = match f {
            Frame::Event { delay_ms, .. } | Frame::Raw { delay_ms, .. } => *delay_ms,
        };
        if delay > 0 {
            pause(delay, live);
            if live
                .map(|l| l.round.version == 2 && l.round.stop_requested())
                .unwrap_or(false)
            {
                stopped = true;
                if skipped_when_stopped(f.kind()) {
                    continue;
                }
            }
        }
        let bytes = serialize(f, opts, event_index);
        if matches!(f, Frame::Event { .. }) {
            event_index += 1;
        }
        if let Some(l) = live {
            l.round.push(&bytes);
        }
        if !gone && out.send(&bytes).is_err() {
            gone = true;
            if !live.map(|l| l.outlive_client).unwrap_or(false) {
                return Disposition::Close;
            }
        }
    }
    if gone {
        return Disposition::Close;
    }
    match if stopped { Ending::Clean } else { ending } {
        Ending::Clean => {
            if opts.chunked {
                let _ = out.w.write_all(b"0\r\n\r\n");
                let _ = out.w.flush();
            }
            Disposition::Close
        }
        Ending::Reset => {
            sleep(Duration::from_millis(100));
            Disposition::Reset
        }
        Ending::Stall(ms) => {
            sleep(Duration::from_millis(ms));
            Disposition::Close
        }
        Ending::Trickle(ms) => {
            // A comment line repeated forever, one byte per write: valid SSE that never ends.
            let pattern = b": keepalive\n";
            let mut i = 0;
            loop {
                sleep(Duration::from_millis(ms.max(1)));
                if out
                    .send_one(&pattern[i % pattern.len()..i % pattern.len() + 1])
                    .is_err()
                {
                    return Disposition::Close;
                }
                i += 1;
            }
        }
    }
}

/// A lone `event: error` frame, as FastGPT E1/E2 writes handler errors on a stream: HTTP 200,
/// no Content-Type (headers were never set), then close.
pub fn error_frame_response(w: &mut Conn, data: &str, extra: &[(String, String)]) -> Disposition {
    let opts = SseOpts {
        headers: extra.to_vec(),
        ..SseOpts::normal(&[])
    };
    let frames = [Frame::ev(Some("error"), data.as_bytes(), Kind::Other)];
    run(w, &opts, &frames, Ending::Clean, None)
}
