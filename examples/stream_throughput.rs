//! Decodes a canned SSE stream from a file through the whole stream session (decoder, event
//! rules, accumulator), in memory, to measure the per-event cost without a network.
//!
//!   python3 bench/gen_data.py /tmp/benchdata
//!   cargo run --release --example stream_throughput /tmp/benchdata/sse200k/api/v1/chat/completions
//!
//! Run it under `valgrind --tool=callgrind` to count instructions.

use std::io::Read;
use std::sync::Arc;
use std::time::Instant;

use fastgpt::stream::accumulate::Accumulator;
use fastgpt::stream::StreamSession;

/// Hands out the data in 16 KiB reads, as a socket would.
struct Chunks(Vec<u8>, usize);

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (self.0.len() - self.1).min(buf.len()).min(16 * 1024);
        buf[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
        self.1 += n;
        Ok(n)
    }
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: stream_throughput FILE [RUNS]");
    let runs: usize = std::env::args()
        .nth(2)
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let data = std::fs::read(&path).expect("read the stream file");
    for _ in 0..runs {
        let acc = Accumulator::new(None, "id".into(), 64 << 20);
        let mut s = StreamSession::from_reader(
            Box::new(Chunks(data.clone(), 0)),
            acc,
            16 << 20,
            Arc::new(vec![]),
        );
        let t = Instant::now();
        let mut events = 0u64;
        let mut text_bytes = 0usize;
        while let Some(e) = s.next_event().expect("a valid stream") {
            events += 1;
            text_bytes += e.text.map_or(0, |t| t.as_cstr().to_bytes().len());
        }
        let r = s.result();
        let el = t.elapsed();
        println!(
            "{events} events, {text_bytes} text bytes, answer {} bytes, in {:.1} ms ({:.0} ns/event)",
            r["answer"].as_str().map_or(0, str::len),
            el.as_secs_f64() * 1e3,
            el.as_nanos() as f64 / events as f64
        );
    }
}
