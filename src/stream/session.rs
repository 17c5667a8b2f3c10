//! A streaming completion being read: the one code path behind the callback form and the
//! pull form (contract §6, §6.1).

use std::io::Read;
use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{sanitize_body, Error};
use crate::http::{cancelled_error, interrupted_error, Meta, OpenStream};
use crate::status::*;
use crate::stream::accumulate::{
    parse_answer_chunk_full, scan_text_chunk, scan_text_chunk_prefix, Accumulator,
};
use crate::stream::sse::{check_line, CBuf, Decoder, NulStr, ANSWER_NAME, DONE_NAME};
use crate::transport::cancel::CancelToken;

/// One delivered event, borrowed from the session until its next call.
#[derive(Debug, Clone, Copy)]
pub struct EventView<'a> {
    /// The event name: `answer` when the stream gave none, `done` for `[DONE]`.
    pub name: NulStr<'a>,
    /// The event's data, as received.
    pub data: NulStr<'a>,
    /// Set for `answer`/`fastAnswer` events only.
    pub text: Option<NulStr<'a>>,
}

impl EventView<'_> {
    /// An `error` event (delivered, then the stream ends with an error).
    pub fn is_error(&self) -> bool {
        self.name.as_str() == "error"
    }
}

/// Where a session's bytes come from: the response body, or any reader in tests and fuzzing.
pub type BodySource = Box<dyn Read + Send>;

/// One streaming completion being read: decoded, accumulated, and bounded by the call's
/// token and idle timeout. The callback and pull forms of the C API both read through it.
pub struct StreamSession {
    reader: Option<BodySource>,
    ctx: Arc<crate::transport::CallCtx>,
    cancel: Option<CancelToken>,
    meta: Meta,
    secrets: Arc<Vec<String>>,
    decoder: Decoder,
    acc: Accumulator,
    /// The sticky end: `Ok` for a clean finish.
    end: Option<Result<(), Error>>,
    /// What the event now in the decoder is delivered as.
    kind: Kind,
    text: CBuf,
}

/// How the current event is named when delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// No `event:` line: delivered as `answer`.
    Unnamed,
    /// The data `[DONE]`: delivered as `done`.
    Done,
    /// Delivered under its own name (`answer` and `fastAnswer` included).
    Named,
}

#[derive(Deserialize)]
struct ErrorFrame {
    code: Option<Value>,
    #[serde(rename = "statusText")]
    status_text: Option<Value>,
    message: Option<Value>,
}

impl StreamSession {
    /// A session over a 2xx event stream opened by the HTTP layer.
    pub fn new(
        open: OpenStream,
        cancel: Option<CancelToken>,
        acc: Accumulator,
        max_event_bytes: usize,
        secrets: Arc<Vec<String>>,
    ) -> StreamSession {
        let mut s =
            StreamSession::from_reader(Box::new(open.reader), acc, max_event_bytes, secrets);
        s.decoder.push(&open.peeked);
        s.ctx = open.ctx;
        s.cancel = cancel;
        s.meta = open.meta;
        s
    }

    /// A session over any byte source, with no deadlines and no cancel token (tests, fuzzing).
    pub fn from_reader(
        reader: BodySource,
        acc: Accumulator,
        max_event_bytes: usize,
        secrets: Arc<Vec<String>>,
    ) -> StreamSession {
        StreamSession {
            reader: Some(reader),
            ctx: crate::transport::CallCtx::new(
                None,
                std::time::Duration::from_secs(3600),
                None,
                None,
            ),
            cancel: None,
            meta: Meta::default(),
            secrets,
            decoder: Decoder::new(max_event_bytes),
            acc,
            end: None,
            kind: Kind::Unnamed,
            text: CBuf::default(),
        }
    }

    /// Ends the stream early (the caller stopped it) and fills the error's request fields.
    pub fn annotate(&mut self, mut e: Error) -> Error {
        self.reader = None;
        self.meta.apply(&mut e);
        e
    }

    /// The accumulated result so far (§6 shape).
    pub fn result(&self) -> Value {
        self.acc.to_value()
    }

    /// The same as JSON text, without an intermediate value.
    pub fn result_json(&self) -> String {
        self.acc.to_json()
    }

    /// The next event; `Ok(None)` once the stream finished cleanly. The end is sticky: later
    /// calls return the same outcome without I/O.
    pub fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error> {
        if self.end.is_none() {
            match self.advance() {
                Ok(Some(has_text)) => return Ok(Some(self.view(has_text))),
                Ok(None) => {}
                Err(e) => self.stop(Err(e)),
            }
        }
        match self.end.as_ref().expect("the stream has ended") {
            Ok(()) => Ok(None),
            Err(e) => {
                let mut e = e.clone();
                e.partial = Some(self.acc.to_value());
                Err(e)
            }
        }
    }

    /// The event now in the decoder, which [`StreamSession::interpret`] has checked.
    fn view(&self, has_text: bool) -> EventView<'_> {
        let raw = self.decoder.last_raw().expect("an event was dispatched");
        // SAFETY: `interpret` checked the name and data (UTF-8, no NUL) before the event
        // was let through, by the scanner or by `check_line`.
        let ev = unsafe { raw.assume_checked() };
        let name = match self.kind {
            Kind::Unnamed => ANSWER_NAME,
            Kind::Done => DONE_NAME,
            Kind::Named => ev.name.expect("a named event"),
        };
        EventView {
            name,
            data: ev.data,
            text: has_text.then(|| self.text.view()),
        }
    }

    fn stop(&mut self, outcome: Result<(), Error>) {
        self.reader = None; // closes the connection; never pooled mid-stream
        self.end = Some(outcome.map_err(|mut e| {
            self.meta.apply(&mut e);
            e.mask(&self.secrets);
            e
        }));
    }

    /// Ends the stream with `status`, unless the stream already finished: then errors past
    /// the end are ignored (§6).
    fn fail_unless_finished<T>(&mut self, e: Error) -> Result<Option<T>, Error> {
        if self.acc.finished() && e.status != FASTGPT_E_CANCELLED {
            self.stop(Ok(()));
            return Ok(None);
        }
        Err(e)
    }

    /// Moves to the next event: `Some(has_text)` when one is ready to be delivered.
    fn advance(&mut self) -> Result<Option<bool>, Error> {
        loop {
            if self.cancel.as_ref().is_some_and(CancelToken::is_cancelled) {
                return Err(cancelled_error());
            }
            let text = &mut self.text;
            let scan = |bytes: &[u8]| {
                let mut n = None;
                text.fill_with(|t| {
                    n = scan_text_chunk_prefix(bytes, t);
                    n.is_some()
                });
                n
            };
            // SAFETY: the chunk scanner's lengths cover UTF-8 without NUL, CR or LF (its
            // contract, checked by its tests and the property tests).
            match unsafe { self.decoder.next_raw_with(scan) } {
                Err(m) => return self.fail_unless_finished(Error::new(FASTGPT_E_PROTOCOL, m.0)),
                Ok(Some(_)) => return self.interpret(),
                Ok(None) => {
                    if !self.read_more()? {
                        return Ok(None);
                    }
                }
            }
        }
    }

    /// Reads more bytes, straight into the decoder's buffer; false at a clean end.
    fn read_more(&mut self) -> Result<bool, Error> {
        let Some(reader) = self.reader.as_mut() else {
            return Ok(false);
        };
        let guard = self.ctx.install();
        self.ctx.resume_reading();
        let r = reader.read(self.decoder.spare());
        drop(guard);
        match r {
            Ok(0) => {
                if self.acc.finished() {
                    self.stop(Ok(()));
                    Ok(false)
                } else {
                    Err(Error::new(
                        FASTGPT_E_STREAM_INCOMPLETE,
                        "the stream ended before it was finished (no [DONE] and no finish_reason)",
                    ))
                }
            }
            Ok(n) => {
                self.decoder.filled(n);
                Ok(true)
            }
            Err(e) => {
                let err = match interrupted_error(&self.ctx) {
                    Some(err) => err,
                    None => Error::new(
                        FASTGPT_E_STREAM_INCOMPLETE,
                        format!("the connection failed before the stream was finished: {e}"),
                    ),
                };
                self.fail_unless_finished::<()>(err).map(|_| false)
            }
        }
    }

    /// Interprets the event now in the decoder: `Some(has_text)` when it is to be
    /// delivered. Checks what the decoder left unchecked (UTF-8, no NUL), reading an answer
    /// chunk of FastGPT's own shape in the same pass.
    fn interpret(&mut self) -> Result<Option<bool>, Error> {
        let raw = self.decoder.last_raw().expect("an event was dispatched");
        let data = raw.data_bytes();
        let (answer, name) = match raw.name_bytes() {
            None => (true, None),
            Some(n @ (b"answer" | b"fastAnswer")) => (true, Some(n)),
            Some(n) => {
                if !raw.checked {
                    if let Err(m) = check_line(n) {
                        return self.fail_unless_finished(Error::new(FASTGPT_E_PROTOCOL, m.0));
                    }
                }
                (false, Some(n))
            }
        };
        self.kind = if name.is_some() {
            Kind::Named
        } else {
            Kind::Unnamed
        };
        if data == b"[DONE]" {
            self.kind = Kind::Done;
            self.acc.add_done();
            self.acc.count();
            return Ok(Some(false));
        }
        // The common case: FastGPT's text chunk, read and checked in one pass (while the
        // decoder looked for the frame's end, or now).
        if answer && (raw.scanned || self.text.fill_with(|t| scan_text_chunk(data, t))) {
            return match self.acc.add_text(self.text.as_str()) {
                Ok(()) => {
                    self.acc.count();
                    Ok(Some(true))
                }
                Err(_) => self.fail_unless_finished(too_big()),
            };
        }
        if !raw.checked && !raw.scanned {
            if let Err(m) = check_line(data) {
                return self.fail_unless_finished(Error::new(FASTGPT_E_PROTOCOL, m.0));
            }
        }
        // SAFETY: both are checked now: UTF-8 (and the name is, if it is one of the fixed names).
        let data = unsafe { std::str::from_utf8_unchecked(data) };
        let name = name.map_or("answer", |n| unsafe { std::str::from_utf8_unchecked(n) });
        let outcome: Result<(), Error> = if answer {
            match parse_answer_chunk_full(data) {
                None => Err(Error::new(
                    FASTGPT_E_PROTOCOL,
                    format!("an \"{name}\" event's data is neither [DONE] nor a JSON object"),
                )),
                Some(mut chunk) => {
                    // U+0000 becomes U+FFFD in `text`, and so in `answer`, which joins them.
                    if chunk.content.as_deref().is_some_and(|t| t.contains('\0')) {
                        chunk.content = chunk.content.map(|t| t.replace('\0', "\u{FFFD}").into());
                    }
                    self.text.set_str(chunk.content.as_deref().unwrap_or(""));
                    let r = self.acc.add_answer(&chunk).map_err(|_| too_big());
                    if r.is_ok() {
                        self.acc.count();
                        return Ok(Some(true));
                    }
                    r
                }
            }
        } else if name == "error" {
            let mut e = Error::new(FASTGPT_E_API, "the server sent an error event");
            if let Ok(f) = serde_json::from_str::<ErrorFrame>(data) {
                e.api_code = f.code.filter(|c| c.is_number());
                e.status_text = f
                    .status_text
                    .and_then(|s| s.as_str().map(str::to_string))
                    .filter(|s| !s.is_empty());
                if let Some(m) = f
                    .message
                    .as_ref()
                    .and_then(Value::as_str)
                    .filter(|m| !m.is_empty())
                {
                    e.set_server_message(Some(m), None);
                }
            }
            e.body = Some(sanitize_body(data.as_bytes(), &self.secrets));
            // Delivered first; the next call reports it.
            self.acc.count();
            self.stop(Err(e));
            return Ok(Some(false));
        } else {
            // `name`, `data` (in the decoder) and the accumulator are disjoint fields.
            self.acc.add_event(name, data).map_err(|_| too_big())
        };
        match outcome {
            Ok(()) => {
                self.acc.count();
                Ok(Some(false))
            }
            Err(e) => self.fail_unless_finished(e),
        }
    }
}

fn too_big() -> Error {
    Error::new(
        FASTGPT_E_PROTOCOL,
        "the stream's result is larger than max_response_bytes",
    )
}

/// A stream that hands out events one at a time: a [`StreamSession`], or a session with
/// more state around it (a resumed stream). [`drive`] runs the callback form over one.
pub trait EventSource {
    /// The next event, `None` at a clean end.
    fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error>;
    /// The accumulated result so far.
    fn result(&self) -> Value;
    /// The accumulated result as JSON text.
    fn result_json(&self) -> String;
    /// Ends the stream early and fills the error's request fields.
    fn annotate(&mut self, e: Error) -> Error;
}

/// The callback form (`fastgpt_create_chat_completion_stream` and its resume twin): every
/// event goes to `on_event`, which returns false to stop the transfer (FASTGPT_E_ABORTED,
/// with the result so far as `partial`; an error event's return value is ignored).
pub fn drive(
    mut source: impl EventSource,
    mut on_event: impl FnMut(&EventView) -> bool,
) -> Result<String, Error> {
    loop {
        match source.next_event()? {
            Some(ev) => {
                let go_on = on_event(&ev);
                if !go_on && !ev.is_error() {
                    let mut e =
                        Error::new(FASTGPT_E_ABORTED, "the stream callback returned non-zero");
                    e.partial = Some(source.result());
                    return Err(source.annotate(e));
                }
            }
            None => return Ok(source.result_json()),
        }
    }
}

impl EventSource for StreamSession {
    fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error> {
        StreamSession::next_event(self)
    }
    fn result(&self) -> Value {
        StreamSession::result(self)
    }
    fn result_json(&self) -> String {
        StreamSession::result_json(self)
    }
    fn annotate(&mut self, e: Error) -> Error {
        StreamSession::annotate(self, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    /// Hands out the input in chunks of the given sizes, cycling, then EOF or an error.
    struct Chunked {
        data: Vec<u8>,
        pos: usize,
        sizes: Vec<usize>,
        turn: usize,
        reset_at_end: bool,
    }

    impl Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.pos == self.data.len() {
                return if self.reset_at_end {
                    Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"))
                } else {
                    Ok(0)
                };
            }
            let n = self.sizes[self.turn % self.sizes.len()]
                .max(1)
                .min(buf.len())
                .min(self.data.len() - self.pos);
            self.turn += 1;
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    type Events = Vec<(String, String, Option<String>)>;

    fn run(input: &str, sizes: &[usize], reset: bool) -> (Events, Result<Value, Error>) {
        let reader = Chunked {
            data: input.as_bytes().to_vec(),
            pos: 0,
            sizes: sizes.to_vec(),
            turn: 0,
            reset_at_end: reset,
        };
        let acc = Accumulator::new(Some("chat".into()), "rid".into(), 1 << 20);
        let mut s = StreamSession::from_reader(
            Box::new(reader),
            acc,
            1 << 16,
            Arc::new(vec!["secret".into()]),
        );
        let mut events = Vec::new();
        loop {
            match s.next_event() {
                Ok(Some(e)) => events.push((
                    e.name.as_str().into(),
                    e.data.as_str().into(),
                    e.text.map(|t| t.as_str().into()),
                )),
                Ok(None) => return (events, Ok(s.result())),
                Err(e) => {
                    // The end is sticky.
                    assert_eq!(s.next_event().err().map(|x| x.status), Some(e.status));
                    return (events, Err(e));
                }
            }
        }
    }

    const DETAIL: &str = "event: flowNodeStatus\ndata: {\"status\":\"running\",\"name\":\"AI\"}\n\n\
event: answer\ndata: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"你好\"},\"index\":0,\"finish_reason\":null}]}\n\n\
event: answer\ndata: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null},\"index\":0,\"finish_reason\":\"stop\"}]}\n\n\
event: answer\ndata: [DONE]\n\n\
event: flowResponses\ndata: [{\"nodeId\":\"n\"}]\n\n";

    #[test]
    fn detail_stream_in_any_chunking() {
        let (whole, r) = run(DETAIL, &[usize::MAX], false);
        let names: Vec<&str> = whole.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            names,
            [
                "flowNodeStatus",
                "answer",
                "answer",
                "done",
                "flowResponses"
            ]
        );
        assert_eq!(whole[1].2.as_deref(), Some("你好"));
        assert_eq!(whole[2].2.as_deref(), Some(""));
        assert_eq!(whole[3], ("done".into(), "[DONE]".into(), None));
        assert_eq!(whole[0].2, None);
        let r = r.unwrap();
        assert_eq!(r["answer"], "你好");
        assert_eq!(r["finish_reason"], "stop");
        assert_eq!(r["done"], true);
        assert_eq!(r["event_count"], 5);
        assert_eq!(r["flow_responses"][0]["nodeId"], "n");
        for sizes in [&[1][..], &[2, 3], &[7, 1, 13]] {
            let (events, r2) = run(DETAIL, sizes, false);
            assert_eq!(events, whole);
            assert_eq!(r2.unwrap(), r);
        }
    }

    #[test]
    fn endings() {
        // EOF before [DONE] or a finish_reason.
        let partial = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
        let (_, r) = run(partial, &[5], false);
        let e = r.unwrap_err();
        assert_eq!(e.status, FASTGPT_E_STREAM_INCOMPLETE);
        assert_eq!(e.partial.unwrap()["answer"], "a");
        // A reset before the end, and after it.
        assert_eq!(
            run(partial, &[5], true).1.unwrap_err().status,
            FASTGPT_E_STREAM_INCOMPLETE
        );
        let (_, r) = run(DETAIL, &[5], true);
        assert!(r.is_ok());
        // A finish_reason without [DONE] is a finished stream.
        let stop = "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
        assert_eq!(run(stop, &[3], false).1.unwrap()["done"], false);
        // Garbage after the end is ignored, before it is an error.
        let trailing = format!("{DETAIL}data: \u{1}\n\nnot sse \u{fffd}\n");
        assert!(run(&trailing, &[4], false).1.is_ok());
        let bad = "data: [1,2]\n\ndata: [DONE]\n\n";
        assert_eq!(
            run(bad, &[4], false).1.unwrap_err().status,
            FASTGPT_E_PROTOCOL
        );
        let bad_after = format!("{DETAIL}data: [1,2]\n\n");
        assert!(run(&bad_after, &[4], false).1.is_ok());
    }

    #[test]
    fn error_event_is_delivered_then_reported() {
        let input = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\nevent: error\ndata: {\"code\":510,\"statusText\":\"insufficientQuota\",\"message\":\"no points (secret)\",\"data\":null}\n\n";
        let (events, r) = run(input, &[9], false);
        assert_eq!(events.last().unwrap().0, "error");
        assert_eq!(events.last().unwrap().2, None);
        let e = r.unwrap_err();
        assert_eq!(e.status, FASTGPT_E_API);
        assert_eq!(e.api_code, Some(serde_json::json!(510)));
        assert_eq!(e.status_text.as_deref(), Some("insufficientQuota"));
        assert!(
            e.body.as_deref().unwrap().contains("***")
                && !e.body.as_deref().unwrap().contains("secret")
        );
        assert_eq!(e.partial.unwrap()["event_count"], 2);
    }

    #[test]
    fn numbers_of_any_size_survive_into_result_and_partial() {
        let input = "event: updateVariables\ndata: {\"big\":123456789012345678901234567890,\"huge\":1e400}\n\n";
        let (_, r) = run(input, &[7], false);
        let e = r.unwrap_err(); // EOF before the end
        let p = e.partial.unwrap();
        assert_eq!(
            p["variables"]["big"].to_string(),
            "123456789012345678901234567890"
        );
        assert!(p["variables"]["huge"].is_number(), "{p}"); // 1e400, beyond f64
    }

    #[test]
    fn nul_in_text_becomes_replacement_character() {
        let input = "data: {\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\"},\"finish_reason\":\"stop\"}]}\n\n";
        let (events, r) = run(input, &[100], false);
        assert_eq!(events[0].2.as_deref(), Some("a\u{FFFD}b"));
        assert_eq!(r.unwrap()["answer"], "a\u{FFFD}b");
    }
}
