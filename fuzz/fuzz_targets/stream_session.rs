//! The whole stream path (decoder, event rules, accumulator) over random bytes in random
//! chunks: no panic, the same events and outcome whatever the chunking, and every string
//! handed out is NUL-free UTF-8 and the result valid JSON.
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

fn run(
    data: &[u8],
    step: usize,
    max_event: usize,
    max_result: usize,
) -> (Vec<(String, String, Option<String>)>, Result<String, i32>) {
    let acc = Accumulator::new(None, "id".into(), max_result);
    let reader = Chunks {
        data: data.to_vec(),
        pos: 0,
        step,
    };
    let mut s = StreamSession::from_reader(Box::new(reader), acc, max_event, Arc::new(vec![]));
    let mut events = Vec::new();
    loop {
        match s.next_event() {
            Ok(Some(e)) => {
                for v in [Some(e.name), Some(e.data), e.text].into_iter().flatten() {
                    assert!(!v.as_str().contains('\0'));
                    assert_eq!(v.as_cstr().to_bytes(), v.as_str().as_bytes());
                }
                // The text agrees with a general JSON parse of the data (this checks the
                // shortcut for FastGPT's own chunk shape against the full parser).
                if let (Some(t), Ok(v)) = (
                    e.text,
                    serde_json::from_str::<serde_json::Value>(e.data.as_str()),
                ) {
                    let want = v["choices"][0]["delta"]["content"]
                        .as_str()
                        .unwrap_or("")
                        .replace('\0', "\u{FFFD}");
                    assert_eq!(t.as_str(), want);
                }
                events.push((
                    e.name.as_str().to_string(),
                    e.data.as_str().to_string(),
                    e.text.map(|t| t.as_str().to_string()),
                ));
            }
            Ok(None) => {
                let r = s.result().to_string();
                serde_json::from_str::<serde_json::Value>(&r).unwrap();
                return (events, Ok(r));
            }
            Err(e) => {
                let j = e.to_json();
                serde_json::from_str::<serde_json::Value>(&j).unwrap();
                assert_eq!(s.next_event().err().map(|x| x.status), Some(e.status));
                return (events, Err(e.status));
            }
        }
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 4 {
        return;
    }
    let step = 1 + input[0] as usize % 23;
    let max_event = 8 + input[1] as usize * 8;
    let max_result = 8 + input[2] as usize * 16;
    let body = &input[3..];
    let a = run(body, usize::MAX, max_event, max_result);
    let b = run(body, step, max_event, max_result);
    assert_eq!(a, b);
});
