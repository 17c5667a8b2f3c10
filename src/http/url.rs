//! Base URL normalisation, query strings and the path rules of `fastgpt_request` (§4, §5).

use crate::error::Error;

/// Normalises a base URL: it must be `http://` or `https://` with a host; a trailing `/`
/// and then a trailing `/api`, `/api/v1` or `/api/v2` are removed.
pub fn normalize_base_url(url: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid(format!("base_url \"{url}\" {why}"));
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return Err(bad("must start with http:// or https://"));
    };
    if url.bytes().any(|b| b <= 0x20 || b == 0x7f || b == b'\\') {
        return Err(bad(
            "must not contain spaces, control characters or backslashes",
        ));
    }
    if url.contains(['?', '#']) {
        return Err(bad("must not contain a query or a fragment"));
    }
    let host_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..host_end];
    let host = authority.rsplit('@').next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(bad("has no host"));
    }
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| !host.ends_with(']')) {
        if port.parse::<u16>().is_err() {
            return Err(bad("has an invalid port"));
        }
    }
    let mut s = url.trim_end_matches('/').to_string();
    for suffix in ["/api/v1", "/api/v2", "/api"] {
        if s.len() > suffix.len() && s.to_ascii_lowercase().ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            break;
        }
    }
    let s = s.trim_end_matches('/').to_string();
    if s.len() <= url.len() - rest.len() {
        return Err(bad("has no host"));
    }
    Ok(s)
}

/// Percent-encodes everything but the RFC 3986 unreserved characters.
pub fn percent_encode(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            push_escape(b, out);
        }
    }
}

fn push_escape(b: u8, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[(b >> 4) as usize] as char);
    out.push(HEX[(b & 15) as usize] as char);
}

/// `k1=v1&k2=v2`, percent-encoded.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut q = String::new();
    for (k, v) in pairs {
        if !q.is_empty() {
            q.push('&');
        }
        percent_encode(k, &mut q);
        q.push('=');
        percent_encode(v, &mut q);
    }
    q
}

/// Checks the `path` of `fastgpt_request` and returns it with non-ASCII bytes and characters
/// that are not allowed in a URL path percent-encoded (existing `%XX` escapes are kept).
pub fn checked_request_path(path: &str) -> Result<String, Error> {
    let bad = |why: &str| Error::invalid(format!("path \"{path}\" {why}"));
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(bad("must start with exactly one '/'"));
    }
    if let Some(c) = path
        .chars()
        .find(|c| matches!(c, '?' | '#' | '\\' | ' ') || c.is_ascii_control())
    {
        return Err(bad(&format!("must not contain {c:?}")));
    }
    if path.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad("must not contain a '.' or '..' segment"));
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let is_escape = b == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit();
        if is_escape {
            out.push_str(&path[i..i + 3]);
            i += 3;
            continue;
        }
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            push_escape(b, &mut out);
        }
        i += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_users_paste_all_work() {
        for (given, want) in [
            ("http://localhost:3000", "http://localhost:3000"),
            ("http://localhost:3000/", "http://localhost:3000"),
            ("http://localhost:3000/api", "http://localhost:3000"),
            ("http://localhost:3000/api/", "http://localhost:3000"),
            (
                "https://cloud.fastgpt.cn/api/v1",
                "https://cloud.fastgpt.cn",
            ),
            (
                "https://cloud.fastgpt.cn/api/v2/",
                "https://cloud.fastgpt.cn",
            ),
            ("http://h/base/api", "http://h/base"),
            ("http://[::1]:8080/api/v1", "http://[::1]:8080"),
            ("HTTP://H", "HTTP://H"),
        ] {
            assert_eq!(normalize_base_url(given).unwrap(), want, "{given}");
        }
        for bad in [
            "localhost:3000",
            "ftp://h",
            "http://",
            "http:///api",
            "http://h?x=1",
            "http://h#f",
            "http://h x",
            "http://h:99999",
            "http://h:abc",
        ] {
            assert!(normalize_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn query_is_percent_encoded() {
        assert_eq!(
            query_string([("appId", "a b&c=d"), ("chatId", "中/?#")]),
            "appId=a%20b%26c%3Dd&chatId=%E4%B8%AD%2F%3F%23"
        );
    }

    #[test]
    fn request_paths() {
        assert_eq!(
            checked_request_path("/api/core/dataset/list").unwrap(),
            "/api/core/dataset/list"
        );
        assert_eq!(
            checked_request_path("/api/x/中").unwrap(),
            "/api/x/%E4%B8%AD"
        );
        assert_eq!(
            checked_request_path("/api/a%2Fb/%zz").unwrap(),
            "/api/a%2Fb/%25zz"
        );
        assert_eq!(
            checked_request_path("/a\"<>{}").unwrap(),
            "/a%22%3C%3E%7B%7D"
        );
        assert_eq!(checked_request_path("/api/%4").unwrap(), "/api/%254");
        for bad in [
            "",
            "api",
            "//evil.com/x",
            "/a?b",
            "/a#b",
            "/a\\b",
            "/a b",
            "/a\tb",
            "/a/../b",
            "/.",
            "/a/./b",
            "/a/..",
        ] {
            assert!(checked_request_path(bad).is_err(), "{bad}");
        }
        assert!(checked_request_path("/a/.../b").is_ok());
    }
}
