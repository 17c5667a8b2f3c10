//! The stream's limits over arbitrary bytes (a BOM or not at the start): no event's data
//! is larger than `max_event_bytes`, the decoder never holds more than that limit plus one
//! read, the accumulated result stays within `max_response_bytes` (plus the result's fixed
//! members and escaping), and only the data `[DONE]` sets `done`.
#![no_main]
use std::io::Read;
use std::sync::Arc;

use fastgpt::stream::accumulate::Accumulator;
use fastgpt::stream::StreamSession;
use libfuzzer_sys::fuzz_target;

struct Chunks {
    data: Vec<u8>,
    pos: usize,
    step: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 4 {
        return;
    }
    let step = 1 + input[0] as usize % 64;
    let max_event = 1 + input[1] as usize * 4;
    let max_result = input[2] as usize * 8;
    let mut body = Vec::new();
    if input[3] & 1 == 1 {
        body.extend_from_slice(b"\xEF\xBB\xBF");
    }
    body.extend_from_slice(&input[4..]);
    let acc = Accumulator::new(None, "id".into(), max_result);
    let reader = Chunks { data: body, pos: 0, step };
    let mut s = StreamSession::from_reader(Box::new(reader), acc, max_event, Arc::new(vec![]));
    let mut saw_done = false;
    let end = loop {
        match s.next_event() {
            Ok(Some(e)) => {
                assert!(e.data.as_str().len() <= max_event);
                if e.name.as_str() == "done" && e.data.as_str() == "[DONE]" {
                    saw_done = true;
                }
            }
            Ok(None) => break s.result(),
            Err(e) => break e.partial.expect("an error carries the partial result"),
        }
    };
    assert_eq!(end["done"], saw_done);
    // What the limit counts: the kept texts and payloads, before JSON escaping (at most
    // 6 bytes per byte), plus the fixed members.
    let kept = end.to_string().len();
    assert!(kept <= 6 * max_result + 512, "{kept} bytes for a limit of {max_result}");
});
