//! The SSE decoder fed in random splits must produce the same events as fed whole, never
//! panic, and never hold more than the event limit (plus a BOM's first bytes at the start).
#![no_main]
use fastgpt::stream::sse::Decoder;
use libfuzzer_sys::fuzz_target;

fn decode(chunks: &[&[u8]], max: usize) -> (Vec<(Option<String>, String)>, bool) {
    let mut d = Decoder::new(max);
    let mut out = Vec::new();
    for c in chunks {
        d.push(c);
        loop {
            match d.next_event() {
                Ok(Some(e)) => {
                    assert!(e.data.as_str().len() <= max);
                    assert!(!e.data.as_str().contains('\0'));
                    out.push((
                        e.name.map(|n| n.as_str().to_string()),
                        e.data.as_str().to_string(),
                    ))
                }
                Ok(None) => break,
                Err(_) => return (out, true),
            }
        }
        // Up to two bytes of a BOM that may still be completing are held on top.
        assert!(d.pending_bytes() <= max + 2);
    }
    (out, false)
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let max = 1 + input[0] as usize * 4;
    let step = 1 + input[1] as usize % 17;
    let body = &input[2..];
    let whole = decode(&[body], max);
    let chunks: Vec<&[u8]> = body.chunks(step).collect();
    let split = decode(&chunks, max);
    if !whole.1 && !split.1 {
        assert_eq!(whole.0, split.0);
    } else {
        // A failure is found in both feedings, after the same events.
        assert_eq!(whole.1, split.1);
        assert_eq!(whole.0, split.0);
    }
});
