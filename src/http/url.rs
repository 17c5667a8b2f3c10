//! Base URL normalisation, query strings and the path rules of `fastgpt_request` (§4, §5).

use crate::error::Error;

/// Normalises a base URL: it must be `http://` or `https://` with a host; a trailing `/`
/// and then a trailing `/api`, `/api/v1` or `/api/v2` are removed.
pub fn normalize_base_url(url: &str) -> Result<String, Error> {
    // A password in the URL is never repeated, whatever else is wrong with it.
    let shown = redact_userinfo(url);
    let bad = |why: &str| Error::invalid(format!("base_url \"{shown}\" {why}"));
    let lower = url.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &url[7..]
    } else if lower.starts_with("https://") {
        &url[8..]
    } else {
        return Err(bad("must start with http:// or https://"));
    };
    if authority_of(rest).contains('@') {
        return Err(bad(
            "must not contain userinfo (user:password@): FastGPT authenticates by the API key only",
        ));
    }
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

/// The authority of the part of a URL after `scheme://`.
fn authority_of(rest: &str) -> &str {
    &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())]
}

/// `url` with the userinfo of its authority (if any) replaced by `***`, for messages.
pub fn redact_userinfo(url: &str) -> String {
    let Some(i) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[i + 3..];
    let authority = authority_of(rest);
    match authority.rfind('@') {
        Some(at) => format!("{}://***@{}", &url[..i], &rest[at + 1..]),
        None => url.to_string(),
    }
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
    // Dot segments, also percent-encoded: a normalising proxy or server resolves them.
    if path.split('/').any(|seg| {
        let seg = seg.to_ascii_lowercase().replace("%2e", ".");
        seg == "." || seg == ".."
    }) {
        return Err(bad("must not contain a '.' or '..' segment (also as %2e)"));
    }
    // Encoded separators: a normalising proxy would turn them into `/` or `\\`.
    let lower = path.to_ascii_lowercase();
    if lower.contains("%2f") || lower.contains("%5c") {
        return Err(bad("must not contain %2F or %5C (an encoded '/' or '\\')"));
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
        // Userinfo is refused (revision 3) and the password never repeated.
        for bad in [
            "http://u:pw-secret@h",
            "http://u@h:3000/api",
            "https://:pw-secret@h",
            "ftp://u:pw-secret@h",
            "http://u:pw-secret@h:99999",
        ] {
            let e = normalize_base_url(bad).unwrap_err();
            assert!(!e.message.contains("pw-secret"), "{}", e.message);
        }
        assert_eq!(normalize_base_url("http://h/a@b").unwrap(), "http://h/a@b");
        assert_eq!(redact_userinfo("https://u:p@h/x@y"), "https://***@h/x@y");
        assert_eq!(redact_userinfo("https://h/x@y"), "https://h/x@y");
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
        // Revision 3: an encoded '/' (%2F) is refused; other escapes are kept as given.
        assert_eq!(
            checked_request_path("/api/a%20b/%zz").unwrap(),
            "/api/a%20b/%25zz"
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
            "/api/%2e%2e/x",
            "/api/%2E%2E",
            "/api/.%2e/x",
            "/api/%2e/x",
            "/api/..%2Fx",
            "/api/a%2fb",
            "/api/a%5cb",
            "/api/a%5Cb",
        ] {
            assert!(checked_request_path(bad).is_err(), "{bad}");
        }
        assert!(checked_request_path("/a/.../b").is_ok());
        assert!(checked_request_path("/a/%2e%2ex/b").is_ok());
    }
}
