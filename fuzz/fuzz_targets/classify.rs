//! Response classification (§2.1) of arbitrary bodies: no panic, a success is the body
//! itself and valid JSON, an error serialises to valid JSON.
#![no_main]
use fastgpt::http::classify::classify;
use fastgpt::http::Kind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let status = 100 + (u16::from_le_bytes([input[0], input[1]]) % 500);
    let rule = [
        Kind::Envelope,
        Kind::Completion,
        Kind::Generic,
        Kind::Stream,
        Kind::Upload,
    ][input[2] as usize % 5];
    let body = &input[3..];
    match classify(status, body, Some("http://x/\u{fffd}"), rule) {
        Ok(text) => {
            assert!((200..300).contains(&status));
            if rule == Kind::Upload {
                return; // storage answers: any body, not kept
            }
            assert_eq!(text.as_bytes(), body);
            // Valid JSON text (RFC 8259 sets no range on numbers, so no f64 round trip).
            serde_json::from_str::<serde::de::IgnoredAny>(&text).unwrap();
        }
        Err(mut e) => {
            e.body = Some(fastgpt::error::sanitize_body(body, &["k".into()]));
            serde_json::from_str::<serde_json::Value>(&e.to_json()).unwrap();
        }
    }
});
