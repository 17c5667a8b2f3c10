//! SSE conformance vectors (from other SSE clients' test suites, and FastGPT's stream shapes),
//! driven through the public decoder (`fastgpt::stream::sse::Decoder`) and the public accumulator
//! (`fastgpt::stream::accumulate`).
//!
//! Two layers are checked:
//! - the raw decoder: `(event name, data)` pairs and whether a malformed event stopped it;
//! - the event layer: the library's `StreamSession` on top (event name defaults to
//!   `"answer"`, data `[DONE]` becomes `"done"`, `text` for `answer`/`fastAnswer`, `error`
//!   ends the stream, errors after the stream finished end it cleanly, EOF before it
//!   finished is incomplete) plus the §6 accumulated result.
//!
//! Every vector is fed whole, split in two at every byte offset, and byte by byte; all
//! feedings must give identical results.

use fastgpt::stream::accumulate::{parse_answer_chunk, Accumulator};
use fastgpt::stream::sse::Decoder;
use fastgpt::stream::StreamSession;
use serde_json::{json, Value};

const MIB: usize = 1 << 20;
const DEFAULT_MAX_EVENT: usize = 16 * MIB;
const DEFAULT_MAX_RESULT: usize = 64 * MIB;

// ---------------------------------------------------------------------------------------
// Harness

type Raw = (Option<String>, String);

/// The raw decoder fed `chunks`: the events decoded, and the malformed-event message if
/// decoding stopped on one.
#[derive(Debug, Clone, PartialEq)]
struct RawRun {
    events: Vec<Raw>,
    error: Option<String>,
}

fn decode_raw(chunks: &[&[u8]], max_event: usize) -> RawRun {
    let mut d = Decoder::new(max_event);
    let mut events = Vec::new();
    for c in chunks {
        d.push(c);
        loop {
            match d.next_event() {
                Ok(Some(e)) => events.push((
                    e.name.map(|n| n.as_str().to_string()),
                    e.data.as_str().to_string(),
                )),
                Ok(None) => break,
                Err(m) => {
                    return RawRun {
                        events,
                        error: Some(m.0),
                    }
                }
            }
        }
    }
    RawRun {
        events,
        error: None,
    }
}

/// One delivered event as the C API reports it (§6).
#[derive(Debug, Clone, PartialEq)]
struct Ev {
    event: String,
    data: String,
    text: Option<String>,
}

fn ev(event: &str, data: &str, text: Option<&str>) -> Ev {
    Ev {
        event: event.to_string(),
        data: data.to_string(),
        text: text.map(str::to_string),
    }
}

/// How a stream ended (status codes of §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// `FASTGPT_OK`: finished, then EOF or an error past the end.
    Ok,
    /// `FASTGPT_E_STREAM_INCOMPLETE`: EOF before `[DONE]` or a finish reason.
    Incomplete,
    /// `FASTGPT_E_API`: an `event: error` frame (delivered first).
    Api,
    /// `FASTGPT_E_PROTOCOL`: a malformed event before the stream finished.
    Protocol,
}

#[derive(Debug, Clone, PartialEq)]
struct Session {
    events: Vec<Ev>,
    end: End,
    result: Value,
}

/// Hands out the given chunks one read at a time, then EOF.
struct ChunkReader {
    chunks: Vec<Vec<u8>>,
    next: usize,
}

impl std::io::Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // Empty chunks are skipped: a zero-length read means EOF.
        while self.next < self.chunks.len() && self.chunks[self.next].is_empty() {
            self.next += 1;
        }
        let Some(c) = self.chunks.get_mut(self.next) else {
            return Ok(0);
        };
        let n = c.len().min(buf.len());
        buf[..n].copy_from_slice(&c[..n]);
        c.drain(..n);
        if c.is_empty() {
            self.next += 1;
        }
        Ok(n)
    }
}

/// The event layer: the library's own `StreamSession`, reading bytes that arrive in
/// `chunks` and then EOF.
fn run_session(chunks: &[&[u8]], max_event: usize, max_result: usize) -> Session {
    let reader = ChunkReader {
        chunks: chunks.iter().map(|c| c.to_vec()).collect(),
        next: 0,
    };
    let acc = Accumulator::new(None, "rid".to_string(), max_result);
    let mut session = StreamSession::from_reader(
        Box::new(reader),
        acc,
        max_event,
        std::sync::Arc::new(Vec::new()),
    );
    let mut events = Vec::new();
    let end = loop {
        match session.next_event() {
            Ok(Some(e)) => events.push(Ev {
                event: e.name.as_str().to_string(),
                data: e.data.as_str().to_string(),
                text: e.text.map(|t| t.as_str().to_string()),
            }),
            Ok(None) => break End::Ok,
            Err(e) => match e.status {
                fastgpt::status::FASTGPT_E_STREAM_INCOMPLETE => break End::Incomplete,
                fastgpt::status::FASTGPT_E_API => break End::Api,
                fastgpt::status::FASTGPT_E_PROTOCOL => break End::Protocol,
                other => panic!("unexpected status {other}: {e}"),
            },
        }
    };
    Session {
        events,
        end,
        result: session.result(),
    }
}

/// Feeds `input` whole, split in two at every byte offset, and byte by byte, through both
/// layers; asserts every feeding agrees and returns the (raw, session) outcome.
fn every_split_with(input: &[u8], max_event: usize, max_result: usize) -> (RawRun, Session) {
    let raw = decode_raw(&[input], max_event);
    let session = run_session(&[input], max_event, max_result);
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(
            decode_raw(&[a, b], max_event),
            raw,
            "raw, split at {i} of {:?}",
            show(input)
        );
        assert_eq!(
            run_session(&[a, b], max_event, max_result),
            session,
            "session, split at {i} of {:?}",
            show(input)
        );
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(
        decode_raw(&bytes, max_event),
        raw,
        "raw, byte by byte: {:?}",
        show(input)
    );
    assert_eq!(
        run_session(&bytes, max_event, max_result),
        session,
        "session, byte by byte: {:?}",
        show(input)
    );
    // An empty read between every two bytes changes nothing either.
    let mut with_empty: Vec<&[u8]> = Vec::new();
    for b in &bytes {
        with_empty.push(b"");
        with_empty.push(b);
    }
    assert_eq!(
        run_session(&with_empty, max_event, max_result),
        session,
        "session, with empty reads"
    );
    (raw, session)
}

fn every_split(input: &[u8]) -> (RawRun, Session) {
    every_split_with(input, DEFAULT_MAX_EVENT, DEFAULT_MAX_RESULT)
}

fn show(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    if s.len() > 300 {
        format!(
            "{}… ({} bytes)",
            &s[..s.char_indices().nth(200).map_or(s.len(), |(i, _)| i)],
            b.len()
        )
    } else {
        s.into_owned()
    }
}

fn raw(name: Option<&str>, data: &str) -> Raw {
    (name.map(str::to_string), data.to_string())
}

fn ok_raw(events: Vec<Raw>) -> RawRun {
    RawRun {
        events,
        error: None,
    }
}

/// An E2/E3 answer chunk with text (FastGPT's E2/E3 chunk shape).
fn chunk(text: &str) -> String {
    json!({"id":"","object":"","created":0,"model":"",
           "choices":[{"delta":{"role":"assistant","content":text},"index":0,"finish_reason":null}]})
    .to_string()
}

/// The E2/E3 stop chunk: content null, finish_reason "stop".
const STOP: &str = r#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","content":null},"index":0,"finish_reason":"stop"}]}"#;
/// The E0/E1 stop chunk: delta `{}`.
const STOP_E1: &str = r#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{},"index":0,"finish_reason":"stop"}]}"#;

fn frame(event: Option<&str>, data: &str) -> String {
    match event {
        Some(e) => format!("event: {e}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

// ---------------------------------------------------------------------------------------
// Line endings

#[test]
fn cr_lf_crlf_and_mixed_line_endings_decode_identically() {
    let c1 = chunk("中");
    let lf = format!("event: answer\ndata: {c1}\n\ndata: [DONE]\n\n");
    let crlf = lf.replace('\n', "\r\n");
    let cr = lf.replace('\n', "\r");
    // Every mix: CRLF line, LF blank, CR line, CRLF blank (a CR then CRLF), LF, CR.
    let mixed = format!("event: answer\r\ndata: {c1}\n\rdata: [DONE]\r\r\n");
    let want_raw = ok_raw(vec![raw(Some("answer"), &c1), raw(None, "[DONE]")]);
    let want_events = vec![ev("answer", &c1, Some("中")), ev("done", "[DONE]", None)];
    for (what, input) in [("lf", &lf), ("crlf", &crlf), ("cr", &cr), ("mixed", &mixed)] {
        let (r, s) = every_split(input.as_bytes());
        assert_eq!(r, want_raw, "{what}");
        assert_eq!(s.events, want_events, "{what}");
        assert_eq!(s.end, End::Ok, "{what}");
    }
}

#[test]
fn crlf_split_between_cr_and_lf_is_one_line_end() {
    // The split lands exactly between CR and LF; the LF must not be taken as a blank line
    // (which would dispatch early) nor be lost.
    let input = b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n";
    let want = ok_raw(vec![raw(None, "a\nb"), raw(None, "c")]);
    for i in input
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\r')
        .map(|(i, _)| i + 1)
    {
        let (a, b) = input.split_at(i);
        assert_eq!(decode_raw(&[a, b], 1000), want, "split after CR at {i}");
    }
    // CR as the last byte of a read, LF in a read of its own, then the rest.
    assert_eq!(
        decode_raw(
            &[
                &b"data: a\r"[..],
                b"\n",
                b"data: b\r",
                b"\n",
                b"\r",
                b"\n",
                b"data: c\r\n\r",
                b"\n"
            ],
            1000
        ),
        want
    );
    // A lone CR at the end of a read, then CR: a CR line end followed by a blank line.
    assert_eq!(
        decode_raw(&[&b"data: x\r"[..], b"\r"], 1000),
        ok_raw(vec![raw(None, "x")])
    );
    every_split(input);
}

#[test]
fn crlf_after_a_cr_line_end_does_not_lose_the_blank_line() {
    // "\r" ends a line; the following "\r\n" is a (blank) line of its own.
    let input = b"data: x\r\r\ndata: y\r\r\n";
    let (r, _) = every_split(input);
    assert_eq!(r, ok_raw(vec![raw(None, "x"), raw(None, "y")]));
    // "\n\r" is LF then CR: two line ends.
    let (r, _) = every_split(b"data: x\n\rdata: y\n\r");
    assert_eq!(r, ok_raw(vec![raw(None, "x"), raw(None, "y")]));
}

// ---------------------------------------------------------------------------------------
// Fields

#[test]
fn multi_line_data_is_joined_with_lf() {
    let (r, s) = every_split(b"event: devMultiline\ndata: line one\ndata: line two\n\n");
    assert_eq!(
        r,
        ok_raw(vec![raw(Some("devMultiline"), "line one\nline two")])
    );
    assert_eq!(
        s.events,
        vec![ev("devMultiline", "line one\nline two", None)]
    );
    // Empty data lines count: "data" alone and "data:" add empty lines.
    let (r, _) = every_split(b"data\ndata:\ndata: x\ndata\n\n");
    assert_eq!(r, ok_raw(vec![raw(None, "\n\nx\n")]));
    // An answer chunk spread over several data lines is still one JSON object.
    let (_, s) = every_split(b"data: {\"choices\":[{\"delta\":\ndata: {\"content\":\"hi\"}}]}\n\n");
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.events[0].text.as_deref(), Some("hi"));
    assert_eq!(
        s.events[0].data,
        "{\"choices\":[{\"delta\":\n{\"content\":\"hi\"}}]}"
    );
}

#[test]
fn data_without_a_space_and_with_two_spaces() {
    let c = chunk("x");
    let nospace = format!("event:answer\ndata:{c}\n\ndata:[DONE]\n\n");
    let (r, s) = every_split(nospace.as_bytes());
    assert_eq!(
        r,
        ok_raw(vec![raw(Some("answer"), &c), raw(None, "[DONE]")])
    );
    assert_eq!(
        s.events,
        vec![ev("answer", &c, Some("x")), ev("done", "[DONE]", None)]
    );
    // Only one space is stripped; the second is part of the value.
    let (r, _) = every_split(b"data:  two\nevent:  sp\n\n");
    assert_eq!(r, ok_raw(vec![raw(Some(" sp"), " two")]));
    // A tab is not stripped.
    let (r, _) = every_split(b"data:\tt\n\n");
    assert_eq!(r, ok_raw(vec![raw(None, "\tt")]));
    // Only the first colon separates field and value.
    let (r, _) = every_split(b"data: a: b:c\n\n");
    assert_eq!(r, ok_raw(vec![raw(None, "a: b:c")]));
}

#[test]
fn comments_retry_id_and_unknown_fields_are_ignored() {
    let c = chunk("a");
    let input = format!(
        ": connected\n\n: ping\nretry: 1000\nid: 1\nevent: answer\ndata: {c}\n\n:\n:ping\nid: 2\nfoo: bar\nDATA: no\n Data: no\ndata: [DONE]\nid\nretry\n\n"
    );
    let (r, s) = every_split(input.as_bytes());
    assert_eq!(
        r,
        ok_raw(vec![raw(Some("answer"), &c), raw(None, "[DONE]")])
    );
    assert_eq!(
        s.events,
        vec![ev("answer", &c, Some("a")), ev("done", "[DONE]", None)]
    );
    // A comment between data lines does not split the event.
    let (r, _) = every_split(b"data: 1\n: note\ndata: 2\n\n");
    assert_eq!(r, ok_raw(vec![raw(None, "1\n2")]));
}

#[test]
fn a_block_without_data_is_not_dispatched_and_does_not_leak_its_name() {
    // `event: x` + blank line: no event, and the next block has no name ("answer").
    let c = chunk("z");
    let input = format!("event: flowNodeStatus\n\nid: 9\n\n\n\ndata: {c}\n\n");
    let (r, s) = every_split(input.as_bytes());
    assert_eq!(r, ok_raw(vec![raw(None, &c)]));
    assert_eq!(s.events, vec![ev("answer", &c, Some("z"))]);
    // Only blank lines and comments: nothing.
    let (r, s) = every_split(b"\n\r\n\r: x\n\n");
    assert_eq!(r, ok_raw(vec![]));
    assert_eq!((s.events.len(), s.end), (0, End::Incomplete));
}

#[test]
fn last_event_line_wins_and_empty_event_name_means_answer() {
    let c = chunk("q");
    let (r, s) = every_split(
        format!("event: a\nevent: fastAnswer\ndata: {c}\n\nevent:\ndata: {c}\n\n").as_bytes(),
    );
    assert_eq!(r.events[0], raw(Some("fastAnswer"), &c));
    assert_eq!(
        s.events,
        vec![ev("fastAnswer", &c, Some("q")), ev("answer", &c, Some("q"))]
    );
}

// ---------------------------------------------------------------------------------------
// UTF-8

#[test]
fn four_byte_emoji_and_three_byte_cjk_split_across_reads() {
    let text = "中🙂文é";
    let c = chunk(text);
    let input = format!("data: {c}\n\nevent: x\ndata: 🙂中\n\n");
    // every_split covers every offset, including inside each multi-byte character.
    let (r, s) = every_split(input.as_bytes());
    assert_eq!(r, ok_raw(vec![raw(None, &c), raw(Some("x"), "🙂中")]));
    assert_eq!(s.events[0].text.as_deref(), Some(text));
    // And explicitly: every offset inside the emoji and the CJK character of the data.
    let bytes = input.as_bytes();
    let emoji = input.find('🙂').unwrap();
    let cjk = input.find('中').unwrap();
    for i in (emoji + 1..emoji + 4).chain(cjk + 1..cjk + 3) {
        let (a, b) = bytes.split_at(i);
        assert!(std::str::from_utf8(a).is_err(), "{i} is inside a character");
        assert_eq!(decode_raw(&[a, b], 1000), r);
    }
    // Three reads, each cutting a character.
    let e = "data: 🙂\n\n".as_bytes();
    assert_eq!(
        decode_raw(&[&e[..7], &e[7..9], &e[9..]], 100),
        ok_raw(vec![raw(None, "🙂")])
    );
}

#[test]
fn invalid_utf8_or_nul_is_malformed_in_every_chunking() {
    for bad in [
        &b"data: bad \xff\n\n"[..],
        b"data: a\0b\n\n",
        b": \xfe comment\n\n",
        b"event: \xc3\n\n",
        b"data: \xf0\x9f\x99\n\n",
    ] {
        let (r, s) = every_split(bad);
        assert!(r.error.is_some(), "{:?}", show(bad));
        assert_eq!(s.end, End::Protocol, "{:?}", show(bad));
    }
    // A JSON-escaped NUL in the content is fine, and becomes U+FFFD in text.
    let (_, s) = every_split(b"data: {\"choices\":[{\"delta\":{\"content\":\"a\\u0000b\"}}]}\n\n");
    assert_eq!(s.events[0].text.as_deref(), Some("a\u{FFFD}b"));
}

/// §6: "`answer`: every `text`, concatenated with no separator", and §1: "In `text`, U+0000
/// is replaced by U+FFFD". So a NUL sent as `\u0000` must reach `answer` as U+FFFD too.
#[test]
fn answer_is_the_concatenation_of_texts_even_with_an_escaped_nul() {
    let input =
        frame(None, r#"{"choices":[{"delta":{"content":"a\u0000b"}}]}"#) + &frame(None, "[DONE]");
    let s = run_session(&[input.as_bytes()], DEFAULT_MAX_EVENT, DEFAULT_MAX_RESULT);
    let texts: String = s.events.iter().filter_map(|e| e.text.clone()).collect();
    assert_eq!(texts, "a\u{FFFD}b");
    assert_eq!(
        s.result["answer"],
        texts.as_str(),
        "answer must equal the joined texts"
    );
}

// ---------------------------------------------------------------------------------------
// Size limit

/// Splits of a large input: the first and last few hundred offsets, and a stride.
fn sampled_splits(len: usize) -> Vec<usize> {
    let mut v: Vec<usize> = (0..=40.min(len)).collect();
    v.extend(len.saturating_sub(40)..=len);
    v.extend((0..len).step_by(65_537));
    v
}

#[test]
fn an_event_larger_than_one_mib() {
    let big = "中".repeat(MIB / 3 + 7); // > 1 MiB of 3-byte characters
    let input = format!("event: big\ndata: {big}\n\ndata: [DONE]\n\n");
    let event_len = "event: big".len() + "data: ".len() + big.len();
    assert!(big.len() > MIB);
    let want = ok_raw(vec![raw(Some("big"), &big), raw(None, "[DONE]")]);
    let bytes = input.as_bytes();
    // Limits above the event: decoded, wherever the reads are cut.
    for limit in [2 * MIB, event_len] {
        assert_eq!(decode_raw(&[bytes], limit), want, "limit {limit}");
        for i in sampled_splits(bytes.len())
            .into_iter()
            .filter(|_| limit == event_len)
        {
            let (a, b) = bytes.split_at(i);
            assert_eq!(
                decode_raw(&[a, b], limit),
                want,
                "limit {limit}, split at {i}"
            );
        }
        let reads: Vec<&[u8]> = bytes.chunks(16 * 1024).collect();
        assert_eq!(
            decode_raw(&reads, limit),
            want,
            "limit {limit}, 16 KiB reads"
        );
    }
    // Limits below it: malformed, wherever the reads are cut, and before the whole event
    // has arrived (an endless line is caught).
    for limit in [event_len - 1, MIB, 64 * 1024] {
        assert!(decode_raw(&[bytes], limit).error.is_some(), "limit {limit}");
        for i in sampled_splits(bytes.len())
            .into_iter()
            .filter(|_| limit == event_len - 1)
        {
            let (a, b) = bytes.split_at(i);
            let r = decode_raw(&[a, b], limit);
            assert!(
                r.error.is_some() && r.events.is_empty(),
                "limit {limit}, split at {i}"
            );
        }
        let mut d = Decoder::new(limit);
        d.push(&bytes[..(limit + 64).min("event: big\ndata: ".len() + big.len())]); // no line end yet
        assert!(
            d.next_event().is_err(),
            "limit {limit}: the over-long line is caught early"
        );
    }
    // Event layer: an over-limit answer before the end is a protocol error.
    let c = chunk(&"x".repeat(MIB + 1));
    let input = frame(None, &c) + &frame(None, STOP) + &frame(None, "[DONE]");
    let s = run_session(&[input.as_bytes()], MIB, DEFAULT_MAX_RESULT);
    assert_eq!((s.events.len(), s.end), (0, End::Protocol));
    let s = run_session(&[input.as_bytes()], 2 * MIB, DEFAULT_MAX_RESULT);
    assert_eq!((s.events.len(), s.end), (3, End::Ok));
    assert_eq!(s.result["answer"].as_str().unwrap().len(), MIB + 1);
    // The accumulated result has its own limit (max_response_bytes).
    let s = run_session(&[input.as_bytes()], 2 * MIB, MIB);
    assert_eq!((s.events.len(), s.end), (0, End::Protocol));
}

/// Not a §6 rule but a consequence of `max_event_bytes` defaulting to 16 MiB: decoding an
/// event must not cost time quadratic in its size when it arrives in network-sized reads.
/// (The decoder rescans the whole unfinished line on every push: measured in release, a
/// 4 MiB event in 1460-byte reads takes ~4 s, a 16 MiB one ~67 s.)
#[test]
fn a_large_event_in_small_reads_decodes_in_linear_time() {
    use std::time::{Duration, Instant};
    let input = format!("data: {}\n\n", "x".repeat(MIB));
    let bytes = input.as_bytes();
    let time = |size: usize| {
        let reads: Vec<&[u8]> = bytes.chunks(size).collect();
        let t = Instant::now();
        let r = decode_raw(&reads, 2 * MIB);
        assert_eq!(r.events.len(), 1);
        t.elapsed()
    };
    let whole = (0..3).map(|_| time(bytes.len())).min().unwrap();
    let small = time(1460); // one TCP segment
    assert!(
        small < whole * 10 + Duration::from_millis(50),
        "1 MiB event: {small:?} in 1460-byte reads vs {whole:?} in one read"
    );
}

#[test]
fn many_small_events_never_add_up_to_the_limit() {
    let input = "data: 0123456789\n\n".repeat(2000);
    let r = decode_raw(&[input.as_bytes()], 16);
    assert_eq!((r.events.len(), r.error), (2000, None));
    // Comments before an event count toward the event, but a blank line resets.
    let input = ": 0123456789\n\n".repeat(100) + "data: x\n\n";
    assert_eq!(decode_raw(&[input.as_bytes()], 16).events.len(), 1);
}

// ---------------------------------------------------------------------------------------
// Termination and errors

#[test]
fn error_event_after_answers_is_delivered_then_ends_the_stream() {
    let err = r#"{"code":510,"statusText":"insufficientQuota","message":"AI points exhausted","data":null}"#;
    let input = frame(None, &chunk("你"))
        + &frame(None, &chunk("好"))
        + &frame(Some("error"), err)
        + &frame(None, &chunk("never"))
        + &frame(None, "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(s.end, End::Api);
    assert_eq!(
        s.events,
        vec![
            ev("answer", &chunk("你"), Some("你")),
            ev("answer", &chunk("好"), Some("好")),
            ev("error", err, None)
        ]
    );
    assert_eq!(s.result["answer"], "你好");
    assert_eq!(s.result["event_count"], 3);
    assert_eq!(s.result["done"], false);
    // E1/E2 auth failure: the only frame.
    let lone = r#"{"code":514,"statusText":"unAuthApiKey","message":"common:code_error.error_message.514","data":null}"#;
    let (_, s) = every_split(frame(Some("error"), lone).as_bytes());
    assert_eq!((s.events, s.end), (vec![ev("error", lone, None)], End::Api));
    // A non-JSON error payload is still an error event.
    let (_, s) = every_split(b"event: error\ndata: boom\n\n");
    assert_eq!(s.end, End::Api);
}

#[test]
fn eof_without_done_and_incomplete_last_event() {
    let a = chunk("a");
    let b = chunk("b");
    // The second event has no blank line: it must not be dispatched at EOF.
    for tail in [
        format!("data: {b}\n"),
        format!("data: {b}"),
        format!("data: {b}\r"),
        format!("event: answer\ndata: {b}\r\n"),
    ] {
        let input = frame(None, &a) + &tail;
        let (r, s) = every_split(input.as_bytes());
        assert_eq!(r, ok_raw(vec![raw(None, &a)]), "{tail:?}");
        assert_eq!(s.events, vec![ev("answer", &a, Some("a"))]);
        assert_eq!(s.end, End::Incomplete);
        assert_eq!(s.result["answer"], "a");
    }
    // [DONE] without its blank line does not count either.
    let input = frame(None, &a) + "data: [DONE]\n";
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(
        (s.end, s.result["done"].clone()),
        (End::Incomplete, json!(false))
    );
    // A finish_reason without [DONE] is finished: EOF is clean.
    let input = frame(None, &a) + &frame(None, STOP);
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        (s.result["done"].clone(), s.result["finish_reason"].clone()),
        (json!(false), json!("stop"))
    );
    // [DONE] without a finish_reason is finished too.
    let input = frame(None, &a) + &frame(None, "[DONE]");
    assert_eq!(every_split(input.as_bytes()).1.end, End::Ok);
    // An empty body.
    assert_eq!(
        run_session(&[], DEFAULT_MAX_EVENT, DEFAULT_MAX_RESULT).end,
        End::Incomplete
    );
}

#[test]
fn trailing_bytes_after_done_end_the_stream_cleanly() {
    let flow = r#"[{"nodeId":"n1","moduleName":"AI 对话"}]"#;
    let input = frame(Some("answer"), &chunk("hi"))
        + &frame(Some("answer"), STOP)
        + &frame(Some("answer"), "[DONE]")
        + &frame(Some("flowResponses"), flow);
    let mut bytes = input.into_bytes();
    bytes.extend_from_slice(b"\xff\xfe not sse\n\ndata: {\"after\":1}\n\n");
    let (r, s) = every_split(&bytes);
    assert!(
        r.error.is_some(),
        "the raw decoder rejects the garbage line"
    );
    assert_eq!(r.events.len(), 4);
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        s.events
            .iter()
            .map(|e| e.event.as_str())
            .collect::<Vec<_>>(),
        ["answer", "answer", "done", "flowResponses"]
    );
    assert_eq!(
        s.result["flow_responses"],
        json!([{"nodeId":"n1","moduleName":"AI 对话"}])
    );
    // Other things after the end: a non-JSON answer, plain events, then EOF; all fine.
    let input = frame(None, "[DONE]") + &frame(None, "not json") + &frame(None, &chunk("late"));
    let (_, s) = every_split(input.as_bytes());
    assert_eq!((s.events.len(), s.end), (1, End::Ok));
    // Events after [DONE] that are well-formed are delivered and counted.
    let input = frame(None, "[DONE]") + &frame(Some("chatTitle"), r#"{"title":"t"}"#);
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(
        (s.events.len(), s.result["event_count"].clone()),
        (2, json!(2))
    );
}

#[test]
fn a_malformed_answer_before_the_end_is_a_protocol_error() {
    for bad in ["[1,2]", "\"text\"", "{bad", "", "null", " [DONE]"] {
        let input = frame(None, &chunk("a")) + &frame(None, bad) + &frame(None, "[DONE]");
        let (_, s) = every_split(input.as_bytes());
        assert_eq!((s.events.len(), s.end), (1, End::Protocol), "{bad:?}");
    }
    // The same payload on a non-answer event is delivered as received.
    let input = frame(Some("flowNodeStatus"), "{bad") + &frame(None, "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!((s.events.len(), s.end), (2, End::Ok));
}

#[test]
fn heartbeat_empty_answers() {
    let hb = chunk("");
    let mut input = String::new();
    for _ in 0..5 {
        input += &frame(Some("answer"), &hb);
    }
    input += &frame(None, &hb); // detail=false heartbeat: bare data
    input += &frame(Some("answer"), &chunk("ok"));
    input += &frame(Some("answer"), STOP);
    input += &frame(Some("answer"), "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(s.end, End::Ok);
    assert_eq!(s.events.len(), 9);
    assert!(s.events[..6]
        .iter()
        .all(|e| e.event == "answer" && e.text.as_deref() == Some("")));
    assert_eq!(s.result["answer"], "ok");
    assert_eq!(s.result["event_count"], 9);
    // Heartbeats alone do not finish a stream.
    let input = frame(None, &hb).repeat(3);
    assert_eq!(every_split(input.as_bytes()).1.end, End::Incomplete);
}

#[test]
fn unknown_event_names_are_passed_through() {
    let input = frame(Some("planStatus"), r#"{"planStatus":"x"}"#)
        + &frame(Some("sandboxStatus"), "not json at all")
        + &frame(Some("résumé🙂"), "{}")
        + &frame(None, &chunk("a"))
        + &frame(None, "[DONE]");
    let (r, s) = every_split(input.as_bytes());
    assert_eq!(r.events[2], raw(Some("résumé🙂"), "{}"));
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        s.events[..3],
        [
            ev("planStatus", r#"{"planStatus":"x"}"#, None),
            ev("sandboxStatus", "not json at all", None),
            ev("résumé🙂", "{}", None)
        ]
    );
    assert_eq!(s.result["event_count"], 5);
    assert_eq!(s.result["answer"], "a");
}

#[test]
fn done_under_any_event_name_is_the_done_event() {
    for name in [
        None,
        Some("answer"),
        Some("fastAnswer"),
        Some("flowResponses"),
        Some("whatever"),
    ] {
        let (_, s) = every_split(frame(name, "[DONE]").as_bytes());
        assert_eq!(s.events, vec![ev("done", "[DONE]", None)], "{name:?}");
        assert_eq!((s.end, s.result["done"].clone()), (End::Ok, json!(true)));
    }
}

/// Rev. 3: only the data `[DONE]` ends the answer; an event *named* `done` with other
/// data is an ordinary event (delivered under its name, not finishing the stream).
#[test]
fn an_event_named_done_with_other_data_is_ordinary() {
    for (data, lines) in [
        ("{}", "{}"),
        ("finished", "finished"),
        ("[DONE] ", "[DONE] "),
        (" [DONE]", " [DONE]"),
        ("[done]", "[done]"),
        ("[DONE]\n", "[DONE]\ndata:"), // two data lines
    ] {
        let mut input = frame(Some("done"), lines);
        input += &frame(None, &chunk("after"));
        let (_, s) = every_split(input.as_bytes());
        assert_eq!(
            s.events,
            vec![
                ev("done", data, None),
                ev("answer", &chunk("after"), Some("after"))
            ],
            "{data:?}"
        );
        // Not finished: EOF is an incomplete stream, and `done` stays false.
        assert_eq!(s.end, End::Incomplete, "{data:?}");
        assert_eq!(s.result["done"], false);
        assert_eq!(s.result["answer"], "after");
    }
}

/// Rev. 3: one UTF-8 BOM at the very start of the body is skipped, wherever the reads
/// split it; a second one, or one later in the body, is an ordinary character.
#[test]
fn a_leading_bom_is_skipped_once() {
    let body = format!("\u{FEFF}{}{}", frame(None, &chunk("a")), frame(None, STOP));
    let (r, s) = every_split(body.as_bytes());
    assert_eq!(r.events.len(), 2);
    assert_eq!(s.events[0], ev("answer", &chunk("a"), Some("a")));
    assert_eq!((s.end, s.result["answer"].clone()), (End::Ok, json!("a")));
    // With an event line first (detail mode).
    let body = format!(
        "\u{FEFF}{}{}",
        frame(Some("answer"), &chunk("b")),
        frame(None, STOP)
    );
    let (_, s) = every_split(body.as_bytes());
    assert_eq!(s.events[0], ev("answer", &chunk("b"), Some("b")));
    // Two BOMs: the second starts the first line's field name ("\u{FEFF}data", unknown).
    let body = format!(
        "\u{FEFF}\u{FEFF}{}{}",
        frame(None, &chunk("c")),
        frame(None, STOP)
    );
    let (_, s) = every_split(body.as_bytes());
    assert_eq!(s.events.len(), 1);
    assert_eq!(s.result["answer"], "");
    // A BOM after the start is part of a line.
    let body = format!(
        "{}\u{FEFF}{}{}",
        frame(None, &chunk("d")),
        frame(None, &chunk("e")),
        frame(None, STOP)
    );
    let (_, s) = every_split(body.as_bytes());
    assert_eq!(s.result["answer"], "d");
}

/// Rev. 3 (§6): `title` is the `title` of the last `chatTitle` event, else null.
#[test]
fn title_is_the_last_chat_title() {
    let mut t = frame(Some("chatTitle"), r#"{"title":"第一"}"#);
    t += &frame(None, &chunk("x"));
    t += &frame(Some("chatTitle"), r#"{"title":"Berlin trip 🙂"}"#);
    t += &frame(Some("chatTitle"), "not json");
    t += &frame(Some("chatTitle"), r#"{"other":1}"#);
    t += &frame(None, STOP);
    let (_, s) = every_split(t.as_bytes());
    assert_eq!(s.end, End::Ok);
    assert_eq!(s.result["title"], "Berlin trip 🙂");
    assert_eq!(s.events.len(), 6);
    let (_, s) =
        every_split(format!("{}{}", frame(None, &chunk("y")), frame(None, STOP)).as_bytes());
    assert_eq!(s.result["title"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Real FastGPT transcripts (FastGPT's E2/E3 chunk shape)

const DETAIL_FALSE: &str = "data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"电影\"},\"index\":0,\"finish_reason\":null}]}

data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null},\"index\":0,\"finish_reason\":\"stop\"}]}

data: [DONE]

";

const DETAIL_TRUE_V1: &str = "event: flowNodeStatus
data: {\"status\":\"running\",\"name\":\"AI 对话\"}

event: answer
data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"你好\"},\"index\":0,\"finish_reason\":null}]}

event: workflowDuration
data: {\"durationSeconds\":1.42}

event: answer
data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":null},\"index\":0,\"finish_reason\":\"stop\"}]}

event: answer
data: [DONE]

event: flowResponses
data: [{\"nodeId\":\"fdDgXQ6SYn8v\",\"moduleName\":\"AI 对话\",\"moduleType\":\"chatNode\",\"totalPoints\":0.033,\"runningTime\":1.42}]

";

#[test]
fn fastgpt_detail_false_transcript() {
    let (r, s) = every_split(DETAIL_FALSE.as_bytes());
    assert_eq!(
        r.events.iter().map(|e| e.0.clone()).collect::<Vec<_>>(),
        vec![None, None, None]
    );
    assert_eq!(
        s.events
            .iter()
            .map(|e| (e.event.as_str(), e.text.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("answer", Some("电影")),
            ("answer", Some("")),
            ("done", None)
        ]
    );
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        s.result,
        json!({"answer":"电影","reasoning":"","finish_reason":"stop","done":true,"event_count":3,
               "interactive":null,"variables":null,"flow_responses":null,"tool_calls":[],
               "title":null,"chat_id":null,"response_chat_item_id":"rid"})
    );
}

#[test]
fn fastgpt_detail_true_v1_transcript() {
    let (r, s) = every_split(DETAIL_TRUE_V1.as_bytes());
    assert!(
        r.events.iter().all(|e| e.0.is_some()),
        "every detail frame carries event:"
    );
    assert_eq!(
        s.events
            .iter()
            .map(|e| (e.event.as_str(), e.text.as_deref()))
            .collect::<Vec<_>>(),
        [
            ("flowNodeStatus", None),
            ("answer", Some("你好")),
            ("workflowDuration", None),
            ("answer", Some("")),
            ("done", None),
            ("flowResponses", None)
        ]
    );
    assert_eq!(s.events[4].data, "[DONE]");
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        s.result,
        json!({"answer":"你好","reasoning":"","finish_reason":"stop","done":true,"event_count":6,
               "interactive":null,"variables":null,
               "flow_responses":[{"nodeId":"fdDgXQ6SYn8v","moduleName":"AI 对话","moduleType":"chatNode","totalPoints":0.033,"runningTime":1.42}],
               "tool_calls":[],"title":null,"chat_id":null,"response_chat_item_id":"rid"})
    );
    // The same transcript in E3 order (flowResponses before [DONE]) gives the same result.
    let e3 = DETAIL_TRUE_V1.replace(
        "event: answer\ndata: [DONE]\n\nevent: flowResponses\ndata: [{\"nodeId\":\"fdDgXQ6SYn8v\",\"moduleName\":\"AI 对话\",\"moduleType\":\"chatNode\",\"totalPoints\":0.033,\"runningTime\":1.42}]\n\n",
        "event: flowResponses\ndata: [{\"nodeId\":\"fdDgXQ6SYn8v\",\"moduleName\":\"AI 对话\",\"moduleType\":\"chatNode\",\"totalPoints\":0.033,\"runningTime\":1.42}]\n\nevent: answer\ndata: [DONE]\n\n",
    );
    assert_ne!(e3, DETAIL_TRUE_V1);
    assert_eq!(every_split(e3.as_bytes()).1.result, s.result);
}

#[test]
fn e1_stop_delta_e2_stop_null_and_reasoning_only_chunks() {
    // E1: text deltas without role, stop delta {}; oldest docs: no model either.
    let e1_text = r#"{"id":"","object":"","created":0,"choices":[{"delta":{"content":"旧"},"index":0,"finish_reason":null}]}"#;
    let input = frame(None, e1_text) + &frame(None, STOP_E1) + &frame(None, "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(
        s.events
            .iter()
            .map(|e| e.text.as_deref())
            .collect::<Vec<_>>(),
        [Some("旧"), Some(""), None]
    );
    assert_eq!(
        (
            s.result["answer"].clone(),
            s.result["finish_reason"].clone()
        ),
        (json!("旧"), json!("stop"))
    );
    // E2/E3: reasoning-only chunks have no content; the stop chunk has content null.
    let r1 = r#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","reasoning_content":"Let"},"index":0,"finish_reason":null}]}"#;
    let r2 = r#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","reasoning_content":" me think."},"index":0,"finish_reason":null}]}"#;
    let input = frame(Some("answer"), r1)
        + &frame(Some("answer"), r2)
        + &frame(Some("answer"), &chunk("Hi"))
        + &frame(Some("answer"), STOP)
        + &frame(Some("answer"), "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(
        s.events
            .iter()
            .map(|e| e.text.as_deref())
            .collect::<Vec<_>>(),
        [Some(""), Some(""), Some("Hi"), Some(""), None]
    );
    assert_eq!(s.result["reasoning"], "Let me think.");
    assert_eq!(s.result["answer"], "Hi");
    assert_eq!(s.result["finish_reason"], "stop");
    // fastAnswer chunks count as answer text too.
    let input = frame(Some("fastAnswer"), &chunk("快"))
        + &frame(Some("answer"), &chunk("慢"))
        + &frame(None, "[DONE]");
    let (_, s) = every_split(input.as_bytes());
    assert_eq!(s.events[0], ev("fastAnswer", &chunk("快"), Some("快")));
    assert_eq!(s.result["answer"], "快慢");
    // A content that is not a string gives text "" (and no answer).
    let odd = r#"{"choices":[{"delta":{"content":5}}]}"#;
    let (_, s) = every_split((frame(None, odd) + &frame(None, "[DONE]")).as_bytes());
    assert_eq!(s.events[0].text.as_deref(), Some(""));
    // A chunk without choices is a JSON object: delivered, text "".
    let (_, s) = every_split((frame(None, "{}") + &frame(None, "[DONE]")).as_bytes());
    assert_eq!((s.events[0].text.as_deref(), s.end), (Some(""), End::Ok));
}

// ---------------------------------------------------------------------------------------
// The accumulated result (§6)

fn tool_frame(id: Option<&str>, members: Value) -> String {
    let mut t = members;
    if let Some(id) = id {
        t["id"] = json!(id);
    }
    json!({ "tool": t }).to_string()
}

/// A detail=true v1 transcript with every accumulated kind of event.
fn rich_detail_transcript(flow_as_object: bool) -> String {
    let mut s = String::new();
    s += &frame(Some("updateVariables"), r#"{"city":"Paris","n":1}"#);
    s += &frame(
        Some("flowNodeStatus"),
        r#"{"status":"running","name":"AI 对话"}"#,
    );
    s += &frame(Some("answer"), &chunk("")); // heartbeat
    s += &frame(
        Some("toolCall"),
        &tool_frame(
            Some("call_1"),
            json!({"toolName":"Search","toolAvatar":"","functionName":"search","params":"","response":""}),
        ),
    );
    s += &frame(
        Some("toolParams"),
        &tool_frame(Some("call_1"), json!({"params":"{\"q\":"})),
    );
    s += &frame(
        Some("toolParams"),
        &tool_frame(Some("call_1"), json!({"params":"\"x\"}"})),
    );
    s += &frame(
        Some("toolCall"),
        &tool_frame(
            Some("call_2"),
            json!({"toolName":"Calc","toolAvatar":"a.png","functionName":"calc","params":"","response":""}),
        ),
    );
    s += &frame(
        Some("toolParams"),
        &tool_frame(None, json!({"params":"1+1"})),
    ); // no id: the latest tool
    s += &frame(
        Some("toolResponse"),
        &tool_frame(Some("call_1"), json!({"response":"found","toolName":""})),
    );
    s += &frame(
        Some("toolResponse"),
        &tool_frame(None, json!({"response":"2"})),
    ); // no id: call_2
    s += &frame(
        Some("answer"),
        r#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","reasoning_content":"想一想"},"index":0,"finish_reason":null}]}"#,
    );
    s += &frame(Some("answer"), &chunk("你好"));
    s += &frame(Some("fastAnswer"), &chunk("，世界🙂"));
    s += &frame(
        Some("interactive"),
        r#"{"interactive":{"type":"userInput","params":{"description":"old"}}}"#,
    );
    s += &frame(
        Some("interactive"),
        r#"{"interactive":{"type":"userSelect","params":{"description":"测试","userSelectOptions":[{"value":"Confirm","key":"option1"},{"value":"Cancel","key":"option2"}]},"entryNodeIds":["n1"],"memoryEdges":[],"nodeOutputs":[]}}"#,
    );
    s += &frame(Some("updateVariables"), r#"{"city":"Berlin"}"#);
    s += &frame(Some("workflowDuration"), r#"{"durationSeconds":1.42}"#);
    s += &frame(Some("answer"), STOP);
    s += &frame(Some("answer"), "[DONE]");
    let nodes = if flow_as_object {
        r#"{"0":{"nodeId":"448745","moduleType":"workflowStart"},"1":{"nodeId":"n2","moduleType":"chatNode","runningTime":1.42}}"#
    } else {
        r#"[{"nodeId":"448745","moduleType":"workflowStart"},{"nodeId":"n2","moduleType":"chatNode","runningTime":1.42}]"#
    };
    s += &frame(Some("flowResponses"), nodes);
    s
}

fn rich_expected() -> Value {
    json!({
        "answer": "你好，世界🙂",
        "reasoning": "想一想",
        "finish_reason": "stop",
        "done": true,
        "event_count": 20,
        "interactive": {"type":"userSelect","params":{"description":"测试","userSelectOptions":[{"value":"Confirm","key":"option1"},{"value":"Cancel","key":"option2"}]},"entryNodeIds":["n1"],"memoryEdges":[],"nodeOutputs":[]},
        "variables": {"city":"Berlin"},
        "flow_responses": [{"nodeId":"448745","moduleType":"workflowStart"},{"nodeId":"n2","moduleType":"chatNode","runningTime":1.42}],
        "tool_calls": [
            {"id":"call_1","toolName":"Search","toolAvatar":"","functionName":"search","params":"{\"q\":\"x\"}","response":"found"},
            {"id":"call_2","toolName":"Calc","toolAvatar":"a.png","functionName":"calc","params":"1+1","response":"2"}
        ],
        "title": null,
        "chat_id": null,
        "response_chat_item_id": "rid"
    })
}

/// Compares tool objects member by member. A member whose only value ever sent was `""`
/// may be present as `""` or absent: §6 says only that later `""` members do not replace
/// stored ones, not whether the creating frame's `""` members are kept (see the report).
fn assert_tools_eq(actual: &Value, expected: &Value) {
    let (a, e) = (
        actual.as_array().expect("tool_calls array"),
        expected.as_array().unwrap(),
    );
    assert_eq!(a.len(), e.len(), "tool_calls: {actual}");
    for (ta, te) in a.iter().zip(e) {
        let (ta, te) = (ta.as_object().unwrap(), te.as_object().unwrap());
        for (k, v) in te {
            match ta.get(k) {
                Some(x) => assert_eq!(x, v, "tool member {k}: {actual}"),
                None => assert_eq!(v, "", "tool member {k} is missing: {actual}"),
            }
        }
        for k in ta.keys() {
            assert!(te.contains_key(k), "unexpected tool member {k}: {actual}");
        }
        // Key order: id first (first appearance order of members is not contractual).
    }
}

fn assert_result_eq(actual: &Value, expected: &Value) {
    let (mut a, mut e) = (actual.clone(), expected.clone());
    assert_tools_eq(&a["tool_calls"], &e["tool_calls"]);
    a["tool_calls"] = Value::Null;
    e["tool_calls"] = Value::Null;
    assert_eq!(a, e);
}

#[test]
fn accumulator_detail_transcript_gives_the_exact_result() {
    for as_object in [false, true] {
        let t = rich_detail_transcript(as_object);
        let (_, s) = every_split(t.as_bytes());
        assert_eq!(s.end, End::Ok);
        assert_eq!(s.events.len(), 20);
        assert_result_eq(&s.result, &rich_expected());
        // The result's members, in the §6 order.
        let keys: Vec<&str> = s
            .result
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        for k in [
            "answer",
            "reasoning",
            "finish_reason",
            "done",
            "event_count",
            "interactive",
            "variables",
            "flow_responses",
            "tool_calls",
            "chat_id",
            "response_chat_item_id",
        ] {
            assert!(keys.contains(&k), "{k}");
        }
    }
}

#[test]
fn accumulator_used_directly() {
    // The same rules without the decoder: Accumulator's public API.
    let mut a = Accumulator::new(
        Some("chat-1".into()),
        "Xq3vT9aLm2Rk8PzWc4Yd7NbE".into(),
        DEFAULT_MAX_RESULT,
    );
    assert!(!a.finished());
    let ca = chunk("A");
    let c = parse_answer_chunk(&ca).unwrap();
    a.add_answer(&c).unwrap();
    a.count();
    a.add_event("flowResponses", r#"{"1":{"n":"b"},"0":{"n":"a"}}"#)
        .unwrap();
    a.count();
    a.add_event("updateVariables", r#"{"k":1}"#).unwrap();
    a.add_event("updateVariables", r#"{"k":2,"j":[1]}"#)
        .unwrap();
    a.add_event("updateVariables", "not json").unwrap(); // unusable: left out
    a.count();
    a.add_done();
    a.count();
    assert!(a.finished());
    let v = a.to_value();
    assert_eq!(
        v["flow_responses"],
        json!([{"n":"a"},{"n":"b"}]),
        "keys \"0\",\"1\" in any order make an array"
    );
    assert_eq!(v["variables"], json!({"k":2,"j":[1]}));
    assert_eq!(v["chat_id"], "chat-1");
    assert_eq!(v["response_chat_item_id"], "Xq3vT9aLm2Rk8PzWc4Yd7NbE");
    assert_eq!(
        (
            v["event_count"].clone(),
            v["done"].clone(),
            v["finish_reason"].clone()
        ),
        (json!(4), json!(true), Value::Null)
    );

    // flowNodeResponse (v2): one per node, in order.
    let mut b = Accumulator::new(None, "r".into(), DEFAULT_MAX_RESULT);
    for n in 0..3 {
        b.add_event("flowNodeResponse", &json!({"nodeId": n}).to_string())
            .unwrap();
    }
    assert_eq!(
        b.to_value()["flow_responses"],
        json!([{"nodeId":0},{"nodeId":1},{"nodeId":2}])
    );
    // Other shapes of flowResponses are kept as they are.
    let mut c = Accumulator::new(None, "r".into(), DEFAULT_MAX_RESULT);
    c.add_event("flowResponses", r#"{"a":1}"#).unwrap();
    assert_eq!(c.to_value()["flow_responses"], json!({"a":1}));
    // interactive without the member, or not JSON: left out.
    let mut d = Accumulator::new(None, "r".into(), DEFAULT_MAX_RESULT);
    d.add_event("interactive", r#"{"interactive":{"type":"userSelect"}}"#)
        .unwrap();
    d.add_event("interactive", r#"{"other":1}"#).unwrap();
    d.add_event("interactive", "x").unwrap();
    assert_eq!(d.to_value()["interactive"], json!({"type":"userSelect"}));
}

#[test]
fn v2_transcript_with_flow_node_responses() {
    let mut t = String::new();
    t += &frame(
        Some("flowNodeResponse"),
        r#"{"nodeId":"448745","moduleType":"workflowStart"}"#,
    );
    t += &frame(
        Some("flowNodeStatus"),
        r#"{"status":"running","name":"AI 对话"}"#,
    );
    t += &frame(Some("answer"), &chunk("v2"));
    t += &frame(
        Some("flowNodeResponse"),
        r#"{"nodeId":"n2","moduleType":"chatNode"}"#,
    );
    t += &frame(Some("workflowDuration"), r#"{"durationSeconds":0.5}"#);
    t += &frame(Some("answer"), STOP);
    t += &frame(Some("answer"), "[DONE]");
    let (_, s) = every_split(t.as_bytes());
    assert_eq!(s.end, End::Ok);
    assert_eq!(
        s.result["flow_responses"],
        json!([{"nodeId":"448745","moduleType":"workflowStart"},{"nodeId":"n2","moduleType":"chatNode"}])
    );
    assert_eq!(s.result["event_count"], 7);
}

// ---------------------------------------------------------------------------------------
// Property-style: a long generated transcript in 200 random chunkings

/// xorshift64*: deterministic, no crates.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const PALETTE: &[&str] = &[
    "a", "Z", "0", " ", ":", "中", "文", "🙂", "é", "\\", "\"", "[", "}", "𝄞", "\t",
];

fn random_text(rng: &mut Rng, max_len: usize) -> String {
    (0..rng.below(max_len + 1))
        .map(|_| PALETTE[rng.below(PALETTE.len())])
        .collect()
}

/// Writes a line with a random line end, avoiding the one ambiguity of SSE: a CR line end
/// followed by an empty line that ends with a lone LF is read as one CRLF.
struct Writer<'r> {
    out: Vec<u8>,
    prev_cr: bool,
    rng: &'r mut Rng,
}

impl Writer<'_> {
    fn line(&mut self, s: &str) {
        self.out.extend_from_slice(s.as_bytes());
        let ends: &[&[u8]] = if self.prev_cr && s.is_empty() {
            &[b"\r", b"\r\n"]
        } else {
            &[b"\n", b"\r\n", b"\r"]
        };
        let end = ends[self.rng.below(ends.len())];
        self.out.extend_from_slice(end);
        self.prev_cr = end == b"\r";
    }
    fn field(&mut self, name: &str, value: &str) {
        // With or without the space; a value starting with a space needs the space.
        let sep = if value.starts_with(' ') || self.rng.chance(70) {
            ": "
        } else {
            ":"
        };
        self.line(&format!("{name}{sep}{value}"));
    }
}

/// A long transcript and the events the event layer must produce.
fn generate(seed: u64) -> (Vec<u8>, Vec<Ev>, String) {
    let mut rng = Rng(seed);
    let mut blocks: Vec<(Option<String>, Vec<String>)> = Vec::new();
    let mut expected = Vec::new();
    let mut answer = String::new();
    for i in 0..300 {
        match rng.below(10) {
            0..=4 => {
                let text = random_text(&mut rng, 12);
                let name = [None, Some("answer"), Some("fastAnswer")][rng.below(3)];
                let data = chunk(&text);
                // Sometimes spread the JSON over two data lines (joined by LF = whitespace).
                let lines = match data.find(",\"choices\"") {
                    Some(p) if rng.chance(30) => vec![data[..p].to_string(), data[p..].to_string()],
                    _ => vec![data.clone()],
                };
                let joined = lines.join("\n");
                expected.push(Ev {
                    event: name.unwrap_or("answer").into(),
                    data: joined,
                    text: Some(text.clone()),
                });
                answer += &text;
                blocks.push((name.map(str::to_string), lines));
            }
            5 => {
                let hb = chunk("");
                expected.push(ev("answer", &hb, Some("")));
                blocks.push((None, vec![hb]));
            }
            6 => {
                let lines: Vec<String> = (0..1 + rng.below(3))
                    .map(|_| random_text(&mut rng, 8))
                    .collect();
                let name = ["planStatus", "stepTitle", "x-unknown", "事件"][rng.below(4)];
                expected.push(ev(name, &lines.join("\n"), None));
                blocks.push((Some(name.to_string()), lines));
            }
            7 => {
                let d = json!({"status":"running","name": format!("node {i}")}).to_string();
                expected.push(ev("flowNodeStatus", &d, None));
                blocks.push((Some("flowNodeStatus".into()), vec![d]));
            }
            8 => blocks.push((Some("noData".into()), vec![])), // not dispatched
            _ => blocks.push((None, vec![])),                  // comment/id/retry only
        }
    }
    blocks.push((Some("answer".into()), vec![STOP.to_string()]));
    expected.push(ev("answer", STOP, Some("")));
    blocks.push((Some("answer".into()), vec!["[DONE]".to_string()]));
    expected.push(ev("done", "[DONE]", None));
    let flow = r#"{"0":{"nodeId":"a"},"1":{"nodeId":"b"}}"#;
    blocks.push((Some("flowResponses".into()), vec![flow.to_string()]));
    expected.push(ev("flowResponses", flow, None));

    let mut w = Writer {
        out: Vec::new(),
        prev_cr: false,
        rng: &mut rng,
    };
    for (name, lines) in &blocks {
        if w.rng.chance(20) {
            let c = format!(": {}", random_text(w.rng, 6));
            w.line(&c);
        }
        if w.rng.chance(10) {
            let n = w.rng.below(1000).to_string();
            w.field("id", &n);
        }
        if w.rng.chance(5) {
            w.field("retry", "1000");
        }
        if let Some(n) = name {
            w.field("event", n);
        }
        for l in lines {
            w.field("data", l);
        }
        w.line("");
        if w.rng.chance(5) {
            w.line(""); // extra blank lines are harmless
        }
    }
    (w.out, expected, answer)
}

#[test]
fn generated_transcript_in_200_random_chunkings() {
    for (seed, rounds) in [(0x9E37_79B9_7F4A_7C15u64, 200), (42, 30), (0xDEAD_BEEF, 30)] {
        let (bytes, expected, answer) = generate(seed);
        assert!(
            bytes.len() > 20_000,
            "a long transcript ({} bytes)",
            bytes.len()
        );
        let whole = run_session(&[&bytes], DEFAULT_MAX_EVENT, DEFAULT_MAX_RESULT);
        assert_eq!(whole.end, End::Ok);
        assert_eq!(whole.events.len(), expected.len());
        for (i, (a, e)) in whole.events.iter().zip(&expected).enumerate() {
            assert_eq!(a, e, "seed {seed:#x}, event {i}");
        }
        assert_eq!(whole.result["answer"], answer.as_str());
        assert_eq!(whole.result["event_count"], expected.len());
        assert_eq!(
            whole.result["flow_responses"],
            json!([{"nodeId":"a"},{"nodeId":"b"}])
        );
        let mut rng = Rng(seed ^ 0x5555);
        for round in 0..rounds {
            // Chunk sizes from 1 byte to a few KiB, biased small, with empty reads.
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut pos = 0;
            let max = [1, 3, 8, 64, 1500, 16 * 1024][round % 6];
            while pos < bytes.len() {
                let n = rng.below(max + 1).min(bytes.len() - pos);
                chunks.push(&bytes[pos..pos + n]);
                pos += n;
            }
            let got = run_session(&chunks, DEFAULT_MAX_EVENT, DEFAULT_MAX_RESULT);
            assert_eq!(
                got,
                whole,
                "seed {seed:#x}, chunking {round} ({} chunks)",
                chunks.len()
            );
        }
    }
}
