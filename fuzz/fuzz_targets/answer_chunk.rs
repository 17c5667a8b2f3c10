//! The answer-chunk reader against serde_json: FastGPT's own chunk shape is read by a
//! hand-written scanner (one pass, no allocation beyond the text), everything else by
//! serde_json. On any input both must agree on what `choices[0].delta.content`,
//! `reasoning_content` and `finish_reason` are, and the scanner, whenever it accepts,
//! must have read valid UTF-8 without NUL, CR or LF that serde_json reads as the same text.
#![no_main]
use fastgpt::stream::accumulate::{
    parse_answer_chunk, parse_answer_chunk_full, scan_text_chunk_prefix, CHUNK_PREFIX,
    CHUNK_SUFFIX,
};
use libfuzzer_sys::fuzz_target;

type Parsed = (Option<String>, Option<String>, Option<String>);

fn owned(c: Option<fastgpt::stream::accumulate::AnswerChunk<'_>>) -> Option<Parsed> {
    c.map(|c| {
        (
            c.content.map(|x| x.into_owned()),
            c.reasoning.map(|x| x.into_owned()),
            c.finish_reason.map(|x| x.into_owned()),
        )
    })
}

fuzz_target!(|input: &[u8]| {
    // Half of the inputs are wrapped in FastGPT's framing, so that the scanner's content
    // loop sees every byte sequence.
    let wrapped;
    let bytes: &[u8] = if input.first().is_some_and(|b| b & 1 == 1) {
        let mut w = CHUNK_PREFIX.to_vec();
        w.push(b'"');
        w.extend_from_slice(&input[1..]);
        w.push(b'"');
        w.extend_from_slice(CHUNK_SUFFIX);
        wrapped = w;
        &wrapped
    } else {
        input
    };
    let mut text = Vec::new();
    if let Some(n) = scan_text_chunk_prefix(bytes, &mut text) {
        let payload = std::str::from_utf8(&bytes[..n]).expect("the scanner read UTF-8");
        assert!(!payload.bytes().any(|b| b == 0 || b == b'\n' || b == b'\r'));
        let text = String::from_utf8(text).expect("the scanner's text is UTF-8");
        let full = owned(parse_answer_chunk_full(payload)).expect("a JSON object");
        assert_eq!(full, (Some(text), None, None));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        assert_eq!(owned(parse_answer_chunk(s)), owned(parse_answer_chunk_full(s)));
    }
});
