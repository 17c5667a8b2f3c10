//! An incremental Server-Sent Events decoder (contract §6; WHATWG HTML "event stream
//! interpretation").
//!
//! Bytes go in with [`Decoder::push`] in chunks of any size (a chunk may end inside a UTF-8
//! character or between the CR and LF of a CRLF); events come out one at a time with
//! [`Decoder::next_event`]. The event returned borrows the decoder's buffers, which also
//! keep a NUL after each string so the C layer can hand them out without copying.
//!
//! Accepted: LF, CRLF and CR line ends, `data:` with or without a space, multi-line data
//! (joined with `\n`), comments, `id:`/`retry:` and unknown fields (ignored). Rejected as
//! malformed: a line that is not UTF-8 or contains NUL, and an event whose lines exceed the
//! size limit (checked while the event is still arriving, so an endless line is caught).

use std::ffi::CStr;

/// A decoding failure; the message says which rule was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// A NUL-terminated UTF-8 buffer that is reused from event to event.
///
/// Invariant: the bytes are valid UTF-8 without NUL, followed by one NUL (or the buffer is
/// empty). Every way in (`set_str`, and the decoder's validated lines) keeps it, which
/// lets the accessors skip re-checking on the hot path.
#[derive(Debug, Default)]
pub struct CBuf(Vec<u8>);

impl CBuf {
    /// Replaces the contents with `s` (which holds no NUL).
    pub fn set_str(&mut self, s: &str) {
        debug_assert!(!s.contains('\0'));
        self.0.clear();
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }

    /// Takes `bytes`, already checked to be UTF-8 without NUL, and leaves the previous
    /// buffer (cleared) in its place: no copy.
    fn take_checked(&mut self, bytes: &mut Vec<u8>) {
        std::mem::swap(&mut self.0, bytes);
        bytes.clear();
        self.0.push(0);
    }

    /// The text, without the trailing NUL.
    pub fn as_str(&self) -> &str {
        match self.0.split_last() {
            // SAFETY: by the invariant, everything before the final NUL is valid UTF-8.
            Some((_, body)) => unsafe { std::str::from_utf8_unchecked(body) },
            None => "",
        }
    }

    /// The text as a C string (valid until the buffer changes).
    pub fn as_cstr(&self) -> &CStr {
        if self.0.is_empty() {
            return c"";
        }
        // SAFETY: by the invariant, the buffer ends with its only NUL.
        unsafe { CStr::from_bytes_with_nul_unchecked(&self.0) }
    }
}

/// One decoded event, borrowed from the decoder until the next call.
#[derive(Debug)]
pub struct Event<'a> {
    /// The `event:` field, `None` when the event had none.
    pub name: Option<&'a CBuf>,
    /// The `data:` lines, joined with `\n`.
    pub data: &'a CBuf,
}

#[derive(Debug)]
/// Decodes an event stream pushed in arbitrary chunks, one event at a time.
pub struct Decoder {
    /// Bytes received and not yet consumed: `buf[pos..]`.
    buf: Vec<u8>,
    pos: usize,
    /// `buf[pos..searched]` holds no line end: a long line is scanned once, not once per push.
    searched: usize,
    /// The previous line ended with CR: a LF at the start of the next bytes belongs to it.
    after_cr: bool,
    /// The event being assembled.
    name: Vec<u8>,
    has_name: bool,
    data: Vec<u8>,
    has_data: bool,
    /// Bytes of the lines of the event being assembled (line ends not counted).
    event_bytes: usize,
    max_event_bytes: usize,
    /// The last dispatched event.
    out_name: CBuf,
    out_has_name: bool,
    out_data: CBuf,
}

impl Decoder {
    /// A decoder that rejects any event larger than `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            searched: 0,
            after_cr: false,
            name: Vec::new(),
            has_name: false,
            data: Vec::new(),
            has_data: false,
            event_bytes: 0,
            max_event_bytes,
            out_name: CBuf::default(),
            out_has_name: false,
            out_data: CBuf::default(),
        }
    }

    /// The data of the last event returned by [`Decoder::next_event`].
    pub fn last_data(&self) -> &CBuf {
        &self.out_data
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
            self.searched = 0;
        } else if self.pos > 64 * 1024 && self.pos * 2 > self.buf.len() {
            self.buf.drain(..self.pos);
            self.searched = self.searched.saturating_sub(self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// The bytes received but not yet part of a dispatched event.
    pub fn pending_bytes(&self) -> usize {
        self.buf.len() - self.pos + self.event_bytes
    }

    /// The next complete event, `Ok(None)` when more bytes are needed.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, Malformed> {
        loop {
            if self.after_cr && self.pos < self.buf.len() {
                if self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.after_cr = false;
            }
            let rest = &self.buf[self.pos..];
            let skip = self.searched.saturating_sub(self.pos);
            let Some(end) = memchr::memchr2(b'\n', b'\r', &rest[skip..]).map(|i| i + skip) else {
                if self.event_bytes + rest.len() > self.max_event_bytes {
                    return Err(self.too_big());
                }
                self.searched = self.buf.len();
                return Ok(None);
            };
            let line_start = self.pos;
            let term = rest[end];
            self.pos += end + 1;
            if term == b'\r' {
                self.after_cr = true;
            }
            self.event_bytes += end;
            if self.event_bytes > self.max_event_bytes {
                return Err(self.too_big());
            }
            let line_end = line_start + end;
            if end == 0 {
                self.event_bytes = 0;
                if self.dispatch() {
                    return Ok(Some(Event {
                        name: self.out_has_name.then_some(&self.out_name),
                        data: &self.out_data,
                    }));
                }
                continue;
            }
            self.field(line_start, line_end)?;
        }
    }

    fn too_big(&self) -> Malformed {
        Malformed(format!(
            "an SSE event is larger than max_event_bytes ({} bytes)",
            self.max_event_bytes
        ))
    }

    fn field(&mut self, start: usize, end: usize) -> Result<(), Malformed> {
        let line = &self.buf[start..end];
        if memchr::memchr(0, line).is_some() {
            return Err(Malformed("an SSE line contains a NUL byte".into()));
        }
        if std::str::from_utf8(line).is_err() {
            return Err(Malformed("an SSE line is not valid UTF-8".into()));
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &line[line.len()..]),
        };
        match field {
            b"data" => {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            b"event" => {
                self.name.clear();
                self.name.extend_from_slice(value);
                self.has_name = true;
            }
            _ => {} // id, retry and unknown fields
        }
        Ok(())
    }

    /// Ends the event at a blank line; true when it had data and was dispatched.
    fn dispatch(&mut self) -> bool {
        let had_data = self.has_data;
        if had_data {
            // Lines were checked to be UTF-8 without NUL, so the buffers can be handed over.
            self.out_data.take_checked(&mut self.data);
            self.out_has_name = self.has_name && !self.name.is_empty();
            if self.out_has_name {
                self.out_name.take_checked(&mut self.name);
            }
        }
        self.data.clear();
        self.has_data = false;
        self.name.clear();
        self.has_name = false;
        had_data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes `input` fed in the given chunks; events as (name, data).
    pub fn decode_chunks(
        chunks: &[&[u8]],
        max: usize,
    ) -> Result<Vec<(Option<String>, String)>, Malformed> {
        let mut d = Decoder::new(max);
        let mut out = Vec::new();
        for c in chunks {
            d.push(c);
            while let Some(e) = d.next_event()? {
                out.push((
                    e.name.map(|n| n.as_str().to_string()),
                    e.data.as_str().to_string(),
                ));
            }
        }
        Ok(out)
    }

    fn every_split(input: &[u8], max: usize) -> Vec<(Option<String>, String)> {
        let whole = decode_chunks(&[input], max).unwrap();
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            assert_eq!(decode_chunks(&[a, b], max).unwrap(), whole, "split at {i}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(decode_chunks(&bytes, max).unwrap(), whole, "byte by byte");
        whole
    }

    fn ev(name: Option<&str>, data: &str) -> (Option<String>, String) {
        (name.map(str::to_string), data.to_string())
    }

    #[test]
    fn line_endings_all_decode_the_same() {
        let lf = b"event: a\ndata: 1\n\ndata: 2\n\n";
        let crlf = b"event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n";
        let cr = b"event: a\rdata: 1\r\rdata: 2\r\r";
        let mixed = b"event: a\r\ndata: 1\r\n\ndata: 2\r\r\n";
        let want = vec![ev(Some("a"), "1"), ev(None, "2")];
        for input in [&lf[..], &crlf[..], &cr[..], &mixed[..]] {
            assert_eq!(
                every_split(input, 1 << 20),
                want,
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn fields_comments_and_multiline_data() {
        let input = b": ping\nid: 7\nretry: 1000\ndata:no-space\ndata: two\nfoo: bar\nevent:x\n\n\n\nevent: nodata\n\n";
        assert_eq!(
            every_split(input, 1 << 20),
            vec![ev(Some("x"), "no-space\ntwo")]
        );
        // A data line with only the field name, and a value keeping its second space.
        assert_eq!(
            every_split(b"data\ndata:  x\n\n", 100),
            vec![ev(None, "\n x")]
        );
    }

    #[test]
    fn utf8_split_anywhere_and_invalid_rejected() {
        let input = "data: {\"c\":\"中文🙂\"}\n\n".as_bytes();
        assert_eq!(
            every_split(input, 100),
            vec![ev(None, "{\"c\":\"中文🙂\"}")]
        );
        assert!(decode_chunks(&[b"data: \xff\n\n"], 100).is_err());
        assert!(decode_chunks(&[b"data: a\0b\n\n"], 100).is_err());
        assert!(decode_chunks(&[b": \xff comment\n\n"], 100).is_err());
    }

    #[test]
    fn size_limit_counts_the_event_and_catches_endless_lines() {
        let big = format!("data: {}\n\n", "x".repeat(2 << 20));
        assert_eq!(
            decode_chunks(&[big.as_bytes()], 4 << 20).unwrap()[0]
                .1
                .len(),
            2 << 20
        );
        assert!(decode_chunks(&[big.as_bytes()], 1 << 20).is_err());
        let mut d = Decoder::new(1000);
        d.push(&[b'x'; 600]);
        assert!(d.next_event().unwrap().is_none());
        d.push(&[b'x'; 600]);
        assert!(d.next_event().is_err());
        // Many small events never add up.
        let many = "data: 0123456789\n\n".repeat(1000);
        assert_eq!(decode_chunks(&[many.as_bytes()], 20).unwrap().len(), 1000);
    }

    #[test]
    fn incomplete_event_at_eof_is_not_dispatched() {
        assert!(decode_chunks(&[b"data: x\n"], 100).unwrap().is_empty());
    }
}
