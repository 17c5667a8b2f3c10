//! Strict `multipart/form-data` parsing (RFC 7578 / RFC 2046): CRLF line ends, exact
//! boundary delimiters, a closing delimiter.

#[derive(Debug, Clone)]
pub struct Part {
    /// `name` from `Content-Disposition: form-data`.
    pub name: String,
    /// `filename` (or decoded `filename*`), if present.
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// The `boundary` parameter of a `multipart/form-data` Content-Type.
pub fn boundary(content_type: &str) -> Result<String, String> {
    let mut it = content_type.split(';');
    let mime = it.next().unwrap_or("").trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!(
            "Content-Type is not multipart/form-data: {:?}",
            mime
        ));
    }
    for p in it {
        let p = p.trim();
        if let Some((k, v)) = p.split_once('=') {
            if k.trim().eq_ignore_ascii_case("boundary") {
                let v = v.trim();
                let v = v
                    .strip_prefix('"')
                    .and_then(|x| x.strip_suffix('"'))
                    .unwrap_or(v);
                if v.is_empty() || v.len() > 70 {
                    return Err("bad boundary".into());
                }
                return Ok(v.to_string());
            }
        }
    }
    Err("missing boundary".into())
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// Split a header parameter list (`form-data; name="a"; filename="b"`), honouring quoted
/// strings with backslash escapes.
fn params(v: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let b: Vec<char> = v.chars().collect();
    let mut i = 0;
    // skip the disposition type
    while i < b.len() && b[i] != ';' {
        i += 1;
    }
    while i < b.len() {
        i += 1; // ';'
        while i < b.len() && b[i].is_whitespace() {
            i += 1;
        }
        let mut name = String::new();
        while i < b.len() && b[i] != '=' && b[i] != ';' {
            name.push(b[i]);
            i += 1;
        }
        let mut val = String::new();
        if i < b.len() && b[i] == '=' {
            i += 1;
            if i < b.len() && b[i] == '"' {
                i += 1;
                while i < b.len() && b[i] != '"' {
                    if b[i] == '\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    val.push(b[i]);
                    i += 1;
                }
                i += 1; // closing quote
                while i < b.len() && b[i] != ';' {
                    i += 1;
                }
            } else {
                while i < b.len() && b[i] != ';' {
                    val.push(b[i]);
                    i += 1;
                }
                val = val.trim().to_string();
            }
        }
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() {
            out.push((name, val));
        }
    }
    out
}

/// RFC 5987 `UTF-8''percent-encoded`.
fn ext_value(v: &str) -> Option<String> {
    let (charset, rest) = v.split_once('\'')?;
    let (_, enc) = rest.split_once('\'')?;
    if !charset.eq_ignore_ascii_case("utf-8") {
        return None;
    }
    Some(crate::util::percent_decode(enc, false))
}

/// Parse a complete body. Errors are human-readable reasons.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let dash = format!("--{}", boundary).into_bytes();
    let delim = format!("\r\n--{}", boundary).into_bytes();
    // First delimiter: at the very start, or after a preamble ending in CRLF.
    let mut pos = if body.starts_with(&dash) {
        dash.len()
    } else {
        find(body, &delim, 0).ok_or("no boundary delimiter found")? + delim.len()
    };
    let mut parts = Vec::new();
    loop {
        // After a delimiter: "--" (close) or CRLF (next part); transport padding allowed.
        if body[pos..].starts_with(b"--") {
            return Ok(parts);
        }
        while pos < body.len() && (body[pos] == b' ' || body[pos] == b'\t') {
            pos += 1;
        }
        if !body[pos..].starts_with(b"\r\n") {
            return Err("boundary delimiter not followed by CRLF".into());
        }
        pos += 2;
        let (head, data_start) = if body[pos..].starts_with(b"\r\n") {
            (&body[pos..pos], pos + 2)
        } else {
            let e = find(body, b"\r\n\r\n", pos)
                .ok_or("part headers not terminated by an empty line")?;
            (&body[pos..e], e + 4)
        };
        let head = std::str::from_utf8(head).map_err(|_| "part headers are not UTF-8")?;
        let mut name = None;
        let mut filename = None;
        let mut filename_star = None;
        let mut content_type = None;
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            let (k, v) = line.split_once(':').ok_or("part header without colon")?;
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            match k.as_str() {
                "content-disposition" => {
                    let ty = v.split(';').next().unwrap_or("").trim();
                    if !ty.eq_ignore_ascii_case("form-data") {
                        return Err(format!("part disposition is {:?}, not form-data", ty));
                    }
                    for (pk, pv) in params(v) {
                        match pk.as_str() {
                            "name" => name = Some(pv),
                            "filename" => filename = Some(pv),
                            "filename*" => filename_star = ext_value(&pv),
                            _ => {}
                        }
                    }
                }
                "content-type" => content_type = Some(v.to_string()),
                _ => {}
            }
        }
        let name = name.ok_or("part without Content-Disposition name")?;
        let data_end =
            find(body, &delim, data_start).ok_or("part not closed by a boundary delimiter")?;
        parts.push(Part {
            name,
            filename: filename_star.or(filename),
            content_type,
            data: body[data_start..data_end].to_vec(),
        });
        pos = data_end + delim.len();
        if pos > body.len() {
            return Err("truncated body".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_fields_and_file() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nchat/a b\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"q\\\".png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--XyZ--\r\n";
        let p = parse(body, "XyZ").unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].name, "key");
        assert_eq!(p[0].data, b"chat/a b");
        assert_eq!(p[1].filename.as_deref(), Some("a \"q\".png"));
        assert_eq!(p[1].content_type.as_deref(), Some("image/png"));
        assert_eq!(p[1].data, b"\x89PNG");
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\"").unwrap(),
            "XyZ"
        );
        assert!(boundary("application/json").is_err());
        // LF-only line ends are rejected.
        assert!(parse(
            b"--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nx\n--XyZ--\n",
            "XyZ"
        )
        .is_err());
        // Missing closing delimiter.
        assert!(parse(
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx",
            "XyZ"
        )
        .is_err());
        let p = parse(
            b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E4%BD%A0.txt\r\n\r\n\r\n--b--",
            "b",
        )
        .unwrap();
        assert_eq!(p[0].filename.as_deref(), Some("你.txt"));
        assert!(p[0].data.is_empty());
    }
}
