//! An incremental Server-Sent Events decoder (contract §6; WHATWG HTML "event stream
//! interpretation").
//!
//! Bytes go in with [`Decoder::push`], or are read straight into the decoder's buffer with
//! [`Decoder::spare`] and [`Decoder::filled`], in chunks of any size (a chunk may end
//! inside a UTF-8 character or between the CR and LF of a CRLF); events come out one at a
//! time with [`Decoder::next_event`]. An event borrows the decoder until the next call;
//! every string it gives is followed by a NUL, so the C layer hands them out without
//! copying.
//!
//! Accepted: one UTF-8 byte order mark at the very start, LF, CRLF and CR line ends,
//! `data:` with or without a space, multi-line data (joined with `\n`), comments,
//! `id:`/`retry:` and unknown fields (ignored). Rejected as malformed: a line that is not
//! UTF-8 or contains NUL, and an event whose lines exceed the size limit (checked while the
//! event is still arriving, so an endless line is caught).
//!
//! The common frame, `event: NAME\ndata: PAYLOAD\n\n` (or `data: PAYLOAD\n\n`) with the
//! whole frame received, takes a fast path: the bytes are read once to find the two line
//! ends, the strings are handed out where they lie in the receive buffer (the line end
//! after each is overwritten with the NUL), and checking them (UTF-8, no NUL) is left to
//! the caller through [`RawEvent::checked`] so that a caller that reads the payload anyway
//! checks it in the same pass ([`crate::stream::session`] does for answer chunks; anyone
//! else calls [`RawEvent::check`]). Every other shape takes the general, line-by-line path.

use std::ffi::CStr;

/// A decoding failure; the message says which rule was broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

/// A borrowed string followed by one NUL: `bytes` holds the string, and the byte after it
/// (not part of the slice) is 0.
#[derive(Debug, Clone, Copy)]
pub struct NulStr<'a> {
    with_nul: &'a [u8],
}

impl<'a> NulStr<'a> {
    /// # Safety-relevant invariant
    /// `with_nul` ends with its only NUL and the bytes before it are valid UTF-8.
    fn new_checked(with_nul: &'a [u8]) -> NulStr<'a> {
        debug_assert!(with_nul.last() == Some(&0));
        debug_assert!(std::str::from_utf8(&with_nul[..with_nul.len() - 1]).is_ok());
        debug_assert!(!with_nul[..with_nul.len() - 1].contains(&0));
        NulStr { with_nul }
    }

    pub fn as_str(&self) -> &'a str {
        // SAFETY: by the invariant, everything before the final NUL is valid UTF-8.
        unsafe { std::str::from_utf8_unchecked(&self.with_nul[..self.with_nul.len() - 1]) }
    }

    pub fn as_bytes(&self) -> &'a [u8] {
        &self.with_nul[..self.with_nul.len() - 1]
    }

    pub fn as_cstr(&self) -> &'a CStr {
        // SAFETY: by the invariant, the slice ends with its only NUL.
        unsafe { CStr::from_bytes_with_nul_unchecked(self.with_nul) }
    }
}

/// The names the event layer gives: `answer` for an event without a name, `done` for
/// `[DONE]`.
pub const ANSWER_NAME: NulStr<'static> = NulStr {
    with_nul: b"answer\0",
};
pub const DONE_NAME: NulStr<'static> = NulStr {
    with_nul: b"done\0",
};

/// A NUL-terminated UTF-8 buffer that is reused from event to event.
///
/// Invariant: the bytes are valid UTF-8 without NUL, followed by one NUL (or the buffer is
/// empty). Every way in keeps it, which lets the accessors skip re-checking.
#[derive(Debug, Default)]
pub struct CBuf(Vec<u8>);

impl CBuf {
    pub fn set_str(&mut self, s: &str) {
        debug_assert!(!s.contains('\0'));
        self.0.clear();
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(0);
    }

    /// Fills the buffer through `f`, which appends UTF-8 without NUL to the (cleared)
    /// vector and returns whether it did so; on `false` the buffer is left empty.
    pub fn fill_with(&mut self, f: impl FnOnce(&mut Vec<u8>) -> bool) -> bool {
        self.0.clear();
        if f(&mut self.0) {
            debug_assert!(std::str::from_utf8(&self.0).is_ok() && !self.0.contains(&0));
            self.0.push(0);
            true
        } else {
            self.0.clear();
            false
        }
    }

    /// Takes `bytes`, already checked to be UTF-8 without NUL, and leaves the previous
    /// buffer (cleared) in its place: no copy.
    fn take_checked(&mut self, bytes: &mut Vec<u8>) {
        std::mem::swap(&mut self.0, bytes);
        bytes.clear();
        self.0.push(0);
    }

    pub fn view(&self) -> NulStr<'_> {
        if self.0.is_empty() {
            return NulStr { with_nul: b"\0" };
        }
        NulStr::new_checked(&self.0)
    }

    pub fn as_str(&self) -> &str {
        self.view().as_str()
    }

    pub fn as_cstr(&self) -> &CStr {
        self.view().as_cstr()
    }
}

/// One decoded event, borrowed from the decoder until its next call. Its strings are
/// UTF-8 without NUL.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// The `event:` field, `None` when the event had none (or an empty one).
    pub name: Option<NulStr<'a>>,
    pub data: NulStr<'a>,
}

/// One event as the decoder found it: `name` and `data` are followed by a NUL in the
/// decoder's memory, and are known to be UTF-8 without NUL only when `checked` is true.
#[derive(Debug, Clone, Copy)]
pub struct RawEvent<'a> {
    name: Option<&'a [u8]>,
    data: &'a [u8],
    /// Name and data were checked by the decoder (general path).
    pub checked: bool,
    /// The data was recognised and read by the caller's scanner
    /// ([`Decoder::next_raw_with`]): it is UTF-8 without NUL; the name is unchecked.
    pub scanned: bool,
}

impl<'a> RawEvent<'a> {
    pub fn name_bytes(&self) -> Option<&'a [u8]> {
        self.name
    }

    pub fn data_bytes(&self) -> &'a [u8] {
        self.data
    }

    /// The event, once the caller has established (or had the decoder establish) that
    /// its strings are UTF-8 without NUL.
    ///
    /// # Safety
    /// `checked` is true, or the caller has checked `name` and `data` itself.
    pub unsafe fn assume_checked(&self) -> Event<'a> {
        // SAFETY: each slice is followed by the NUL the decoder wrote after it.
        let with_nul = |s: &'a [u8]| unsafe { std::slice::from_raw_parts(s.as_ptr(), s.len() + 1) };
        Event {
            name: self.name.map(|n| NulStr::new_checked(with_nul(n))),
            data: NulStr::new_checked(with_nul(self.data)),
        }
    }

    /// Checks the strings (UTF-8, no NUL) unless that was done, and gives the event.
    pub fn check(&self) -> Result<Event<'a>, Malformed> {
        if !self.checked {
            if let Some(n) = self.name {
                check_line(n)?;
            }
            if !self.scanned {
                check_line(self.data)?;
            }
        }
        // SAFETY: checked just now, or by the decoder.
        Ok(unsafe { self.assume_checked() })
    }
}

/// A line must be UTF-8 without NUL.
pub fn check_line(line: &[u8]) -> Result<(), Malformed> {
    if memchr::memchr(0, line).is_some() {
        return Err(Malformed("an SSE line contains a NUL byte".into()));
    }
    if std::str::from_utf8(line).is_err() {
        return Err(Malformed("an SSE line is not valid UTF-8".into()));
    }
    Ok(())
}

/// Where the last dispatched event's strings are.
#[derive(Debug, Clone, Copy)]
enum Out {
    None,
    /// In the receive buffer (fast path): `name` and `data` ranges, unchecked unless the
    /// caller's scanner recognised the data.
    InBuf {
        name: Option<(usize, usize)>,
        data: (usize, usize),
        scanned: bool,
    },
    /// In `out_name` / `out_data` (general path), checked line by line.
    Owned {
        has_name: bool,
    },
}

/// How many bytes a read asks for at least.
const READ_SIZE: usize = 16 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug)]
pub struct Decoder {
    /// Bytes received and not yet consumed: `buf[pos..end]`; `buf[end..]` is room to read
    /// into (initialised, so it can be handed out as a slice).
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// `buf[pos..searched]` holds no line end: a long line is scanned once, not once per read.
    searched: usize,
    /// The previous line ended with CR: a LF at the start of the next bytes belongs to it.
    after_cr: bool,
    /// Nothing of the body has been looked at yet: a BOM there is skipped.
    at_body_start: bool,
    /// The event being assembled on the general path.
    name: Vec<u8>,
    has_name: bool,
    data: Vec<u8>,
    has_data: bool,
    /// Bytes of the lines of the event being assembled (line ends not counted).
    event_bytes: usize,
    max_event_bytes: usize,
    /// The last dispatched event.
    out: Out,
    out_name: CBuf,
    out_data: CBuf,
}

impl Decoder {
    pub fn new(max_event_bytes: usize) -> Decoder {
        Decoder {
            buf: Vec::new(),
            pos: 0,
            end: 0,
            searched: 0,
            after_cr: false,
            at_body_start: true,
            name: Vec::new(),
            has_name: false,
            data: Vec::new(),
            has_data: false,
            event_bytes: 0,
            max_event_bytes,
            out: Out::None,
            out_name: CBuf::default(),
            out_data: CBuf::default(),
        }
    }

    /// Makes room for at least `min` more bytes at the end (the bytes of the last event
    /// may move: it is invalidated).
    fn reserve(&mut self, min: usize) {
        self.out = Out::None;
        if self.pos == self.end {
            self.pos = 0;
            self.end = 0;
            self.searched = 0;
        } else if self.pos > 0 && self.buf.len() - self.end < min {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.searched -= self.pos.min(self.searched);
            self.pos = 0;
        }
        if self.buf.len() - self.end < min {
            let want = (self.end + min).max(self.buf.len() * 2).max(2 * READ_SIZE);
            self.buf.resize(want, 0);
        }
    }

    /// Room to read the next bytes into; say how many arrived with [`Decoder::filled`].
    /// Invalidates the last event.
    pub fn spare(&mut self) -> &mut [u8] {
        self.reserve(READ_SIZE);
        let end = self.end;
        &mut self.buf[end..]
    }

    /// `n` bytes were written at the start of [`Decoder::spare`].
    pub fn filled(&mut self, n: usize) {
        assert!(
            self.end + n <= self.buf.len(),
            "more bytes than the room given"
        );
        self.end += n;
    }

    /// Appends received bytes (a copy; readers use `spare`/`filled`).
    pub fn push(&mut self, bytes: &[u8]) {
        self.reserve(bytes.len());
        self.buf[self.end..self.end + bytes.len()].copy_from_slice(bytes);
        self.end += bytes.len();
    }

    /// The bytes received but not yet part of a dispatched event.
    pub fn pending_bytes(&self) -> usize {
        self.end - self.pos + self.event_bytes
    }

    /// The last event returned by [`Decoder::next_raw`], for a caller that has since let go
    /// of the borrow.
    #[inline]
    pub fn last_raw(&self) -> Option<RawEvent<'_>> {
        match self.out {
            Out::None => None,
            Out::InBuf {
                name,
                data,
                scanned,
            } => Some(RawEvent {
                name: name.map(|(s, e)| &self.buf[s..e]),
                data: &self.buf[data.0..data.1],
                // The scanner's payload is UTF-8 without NUL (its contract); the name is
                // left to the caller.
                checked: false,
                scanned,
            }),
            Out::Owned { has_name } => Some(RawEvent {
                name: has_name.then(|| self.out_name.view().as_bytes()),
                data: self.out_data.view().as_bytes(),
                checked: true,
                scanned: false,
            }),
        }
    }

    /// The next complete event, checked; `Ok(None)` when more bytes are needed.
    pub fn next_event(&mut self) -> Result<Option<Event<'_>>, Malformed> {
        match self.next_raw()? {
            None => Ok(None),
            Some(raw) => raw.check().map(Some),
        }
    }

    /// The next complete event, possibly unchecked (see [`RawEvent`]); `Ok(None)` when more
    /// bytes are needed.
    pub fn next_raw(&mut self) -> Result<Option<RawEvent<'_>>, Malformed> {
        // SAFETY: a scanner that recognises nothing makes no claim.
        unsafe { self.next_raw_with(|_| None) }
    }

    /// [`Decoder::next_raw`] with a scanner for payloads: on the fast path `scan` is given
    /// the bytes from the start of the data value to the end of what was received, and may
    /// return the length `n` of a payload it recognises and has read; when the bytes after
    /// it are the frame's end (`\n\n`), the event is dispatched with that payload and
    /// [`RawEvent::scanned`] set, and no search for the line end is made.
    ///
    /// # Safety
    /// `scan` returns `Some(n)` only when the first `n` bytes it was given are valid UTF-8
    /// without NUL, CR or LF.
    #[inline]
    pub unsafe fn next_raw_with(
        &mut self,
        mut scan: impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<Option<RawEvent<'_>>, Malformed> {
        if self.step(&mut scan)? {
            Ok(self.last_raw())
        } else {
            Ok(None)
        }
    }

    /// Decodes up to the next event: true when one was dispatched.
    fn step(&mut self, scan: &mut impl FnMut(&[u8]) -> Option<usize>) -> Result<bool, Malformed> {
        self.out = Out::None;
        if self.at_body_start {
            let avail = &self.buf[self.pos..self.end];
            if avail.len() < BOM.len() && BOM.starts_with(avail) {
                return Ok(false); // maybe a BOM: wait for its other bytes
            }
            if avail.starts_with(BOM) {
                self.pos += BOM.len();
            }
            self.at_body_start = false;
        }
        loop {
            if self.after_cr && self.pos < self.end {
                if self.buf[self.pos] == b'\n' {
                    self.pos += 1;
                }
                self.after_cr = false;
            }
            // The fast path, at an event's start, unless these bytes were already searched
            // in vain for a line end (a long line arriving in pieces is scanned once).
            if !self.after_cr
                && !self.has_name
                && !self.has_data
                && self.event_bytes == 0
                && self.searched <= self.pos
                && self.fast_frame(scan)?
            {
                return Ok(true);
            }
            let rest = &self.buf[self.pos..self.end];
            let skip = self.searched.saturating_sub(self.pos);
            let Some(len) = memchr::memchr2(b'\n', b'\r', &rest[skip..]).map(|i| i + skip) else {
                if self.event_bytes + rest.len() > self.max_event_bytes {
                    return Err(self.too_big());
                }
                self.searched = self.end;
                return Ok(false);
            };
            let line_start = self.pos;
            if rest[len] == b'\r' {
                self.after_cr = true;
            }
            self.pos += len + 1;
            self.event_bytes += len;
            if self.event_bytes > self.max_event_bytes {
                return Err(self.too_big());
            }
            if len == 0 {
                self.event_bytes = 0;
                if self.dispatch() {
                    return Ok(true);
                }
                continue;
            }
            self.field(line_start, line_start + len)?;
        }
    }

    /// The fast path: a whole `[event: NAME\n]data: PAYLOAD\n\n` frame at `pos`. False
    /// (nothing consumed) for anything else: other fields, more data lines, CR line ends,
    /// a frame not yet complete. `scan` may recognise the payload (see
    /// [`Decoder::next_raw_with`]), which spares the search for its line end.
    fn fast_frame(
        &mut self,
        scan: &mut impl FnMut(&[u8]) -> Option<usize>,
    ) -> Result<bool, Malformed> {
        let b = &self.buf[self.pos..self.end];
        let mut i = 0;
        let mut name = None;
        if let Some(after) = b.strip_prefix(b"event:") {
            let vs = 6 + usize::from(after.first() == Some(&b' '));
            let value = &b[vs.min(b.len())..];
            // FastGPT's most frequent name first; other names are short, and a plain loop
            // beats a vector search's set-up for them.
            let len = if value.starts_with(b"answer\n") {
                6
            } else {
                let mut len = 0;
                while len < value.len() && len < 64 && value[len] != b'\n' && value[len] != b'\r' {
                    len += 1;
                }
                if len == value.len() {
                    return Ok(false);
                }
                if len == 64 {
                    match memchr::memchr2(b'\n', b'\r', value) {
                        Some(len) => len,
                        None => return Ok(false),
                    }
                } else {
                    len
                }
            };
            let nl = vs + len;
            if b[nl] != b'\n' {
                return Ok(false);
            }
            name = Some((vs, nl));
            i = nl + 1;
        }
        let Some(after) = b[i..].strip_prefix(b"data:") else {
            return Ok(false);
        };
        let ds = i + 5 + usize::from(after.first() == Some(&b' '));
        let payload = &b[ds.min(b.len())..];
        let (de, scanned) = match scan(payload) {
            Some(n) if payload.get(n..n + 2) == Some(b"\n\n") => (ds + n, true),
            _ => {
                let Some(nl) = memchr::memchr2(b'\n', b'\r', payload) else {
                    return Ok(false);
                };
                let de = ds + nl;
                if b[de] != b'\n' || b.get(de + 1) != Some(&b'\n') {
                    return Ok(false);
                }
                (de, false)
            }
        };
        // The lines' bytes, as the general path counts them.
        let line_bytes = name.map_or(0, |(_, nl): (usize, usize)| nl) + (de - i);
        if line_bytes > self.max_event_bytes {
            return Err(self.too_big());
        }
        let base = self.pos;
        self.buf[base + de] = 0;
        let name = match name {
            Some((vs, nl)) if nl > vs => {
                self.buf[base + nl] = 0;
                Some((base + vs, base + nl))
            }
            _ => None, // an empty event name is no name
        };
        self.out = Out::InBuf {
            name,
            data: (base + ds, base + de),
            scanned,
        };
        self.pos = base + de + 2;
        Ok(true)
    }

    fn too_big(&self) -> Malformed {
        Malformed(format!(
            "an SSE event is larger than max_event_bytes ({} bytes)",
            self.max_event_bytes
        ))
    }

    fn field(&mut self, start: usize, end: usize) -> Result<(), Malformed> {
        let line = &self.buf[start..end];
        check_line(line)?;
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match memchr::memchr(b':', line) {
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
            let has_name = self.has_name && !self.name.is_empty();
            if has_name {
                self.out_name.take_checked(&mut self.name);
            }
            self.out = Out::Owned { has_name };
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
    fn fast_path_hands_out_strings_in_place_and_leaves_checking_to_the_caller() {
        let mut d = Decoder::new(100);
        d.push(b"event: answer\ndata: {\"a\":1}\n\ndata: \xff\n\n");
        let raw = d.next_raw().unwrap().unwrap();
        assert!(!raw.checked && !raw.scanned);
        let e = raw.check().unwrap();
        assert_eq!(e.name.unwrap().as_cstr().to_bytes(), b"answer");
        assert_eq!(e.data.as_cstr().to_bytes(), b"{\"a\":1}");
        // Unchecked until checked: invalid UTF-8 is found by `check`, and by next_event.
        let raw = d.next_raw().unwrap().unwrap();
        assert!(raw.check().is_err());
        let mut d = Decoder::new(100);
        d.push(b"data: \xff\n\n");
        assert!(d.next_event().is_err());
    }

    #[test]
    fn a_scanner_spares_the_line_search_only_for_a_whole_frame() {
        // The scanner recognises "ok" at the start of a payload.
        let scan = |b: &[u8]| b.starts_with(b"ok").then_some(2);
        for (input, scanned, data) in [
            (&b"data: ok\n\n"[..], true, "ok"),
            (b"data: okay\n\n", false, "okay"), // more bytes on the line
            (b"data: ok\r\n\r\n", false, "ok"), // CRLF: the general path
            (b"event: x\ndata: ok\n\n", true, "ok"),
        ] {
            let mut d = Decoder::new(100);
            d.push(input);
            // SAFETY: "ok" is UTF-8 without NUL, CR or LF.
            let raw = unsafe { d.next_raw_with(scan) }.unwrap().unwrap();
            assert_eq!(raw.scanned, scanned, "{input:?}");
            assert_eq!(raw.check().unwrap().data.as_str(), data);
        }
    }

    #[test]
    fn bom_only_at_the_very_start() {
        let mut d = Decoder::new(100);
        d.push(b"\xEF");
        assert!(d.next_event().unwrap().is_none());
        d.push(b"\xBB");
        assert!(d.next_event().unwrap().is_none());
        d.push(b"\xBFdata: a\n\n\xEF\xBB\xBFdata: b\n\ndata: c\n\n");
        assert_eq!(d.next_event().unwrap().unwrap().data.as_str(), "a");
        assert_eq!(d.next_event().unwrap().unwrap().data.as_str(), "c");
    }

    #[test]
    fn incomplete_event_at_eof_is_not_dispatched() {
        assert!(decode_chunks(&[b"data: x\n"], 100).unwrap().is_empty());
    }
}
