//! Proxy settings (contract §4 `proxy`): explicit URLs, and the environment variables that
//! curl and Go honour when the option is absent.

use crate::error::Error;

/// Accepts `http://` and `socks5://` proxy URLs (userinfo allowed).
pub fn check_proxy_url(url: &str) -> Result<(), Error> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("http://")
        || lower.starts_with("socks5://")
        || lower.starts_with("socks5h://"))
    {
        return Err(Error::invalid(format!(
            "proxy \"{}\" must be an http:// or socks5:// URL",
            mask_userinfo(url)
        )));
    }
    ureq::Proxy::new(url).map(|_| ()).map_err(|e| {
        Error::invalid(format!(
            "proxy \"{}\" is not valid: {e}",
            mask_userinfo(url)
        ))
    })
}

/// The user name and password of a proxy URL, as written and percent-decoded.
pub fn proxy_credentials(url: &str) -> Vec<String> {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return vec![];
    };
    let authority = rest.split('/').next().unwrap_or("");
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return vec![];
    };
    let mut out = Vec::new();
    for part in userinfo.split(':').filter(|p| !p.is_empty()) {
        out.push(part.to_string());
        let decoded = percent_decode(part);
        if decoded != part {
            out.push(decoded);
        }
    }
    // The `Proxy-Authorization: Basic` token, which a proxy may echo in an error page.
    let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    out.push(crate::transport::proxy_connect::base64(&format!(
        "{}:{}",
        percent_decode(user),
        percent_decode(pass)
    )));
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && b[i + 1].is_ascii_hexdigit()
            && b[i + 2].is_ascii_hexdigit()
        {
            let hex = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mask_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split('/').next().and_then(|a| a.rsplit_once('@')) {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// The proxy the environment asks for when reaching `base_url`, as curl and Go choose it:
/// `https_proxy`/`HTTPS_PROXY` for https, `http_proxy`/`HTTP_PROXY` for http, then
/// `all_proxy`/`ALL_PROXY`; none when `no_proxy`/`NO_PROXY` matches the host.
pub fn from_env(base_url: &str) -> Option<String> {
    from_vars(base_url, |name| {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    })
}

fn from_vars(base_url: &str, var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let https = base_url.to_ascii_lowercase().starts_with("https://");
    let names: &[&str] = if https {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"]
    };
    let proxy = names.iter().find_map(|n| var(n))?;
    let host = host_of(base_url);
    let no_proxy = var("no_proxy")
        .or_else(|| var("NO_PROXY"))
        .unwrap_or_default();
    if no_proxy_matches(&no_proxy, &host) {
        return None;
    }
    // A bare host:port means an http proxy, as curl reads it.
    Some(if proxy.contains("://") {
        proxy
    } else {
        format!("http://{proxy}")
    })
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or("");
    let host = if let Some(end) = host.strip_prefix('[').and_then(|h| h.find(']')) {
        &host[1..=end]
    } else {
        host.split(':').next().unwrap_or("")
    };
    host.to_ascii_lowercase()
}

/// `NO_PROXY`: comma-separated hosts, domains (`example.com` and `.example.com` match the
/// domain and its subdomains) or `*`; ports are ignored.
fn no_proxy_matches(list: &str, host: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let entry = entry.to_ascii_lowercase();
            let entry = match entry.strip_prefix('[') {
                Some(e) => e.split(']').next().unwrap_or("").to_string(),
                None if entry.matches(':').count() == 1 => {
                    entry.split(':').next().unwrap_or("").to_string()
                }
                None => entry,
            };
            let domain = entry.trim_start_matches('.');
            host == domain || host.ends_with(&format!(".{domain}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls() {
        assert!(check_proxy_url("http://user:pa%40ss@proxy:3128").is_ok());
        assert!(check_proxy_url("socks5://127.0.0.1:1080").is_ok());
        let e = check_proxy_url("ftp://user:secret@p").unwrap_err();
        assert!(!e.message.contains("secret"));
        assert_eq!(
            proxy_credentials("http://user:pa%40ss@proxy:3128")[..3],
            ["user", "pa%40ss", "pa@ss"]
        );
        // ... and the Proxy-Authorization token (base64 of "user:pa@ss").
        assert_eq!(
            proxy_credentials("http://user:pa%40ss@proxy:3128")[3],
            "dXNlcjpwYUBzcw=="
        );
        assert!(proxy_credentials("http://proxy:3128").is_empty());
    }

    #[test]
    fn environment_as_curl_reads_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |n: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            }
        };
        let vars = env(&[
            ("HTTPS_PROXY", "http://s:1"),
            ("http_proxy", "p:2"),
            ("NO_PROXY", "internal.example, .corp,[::1]"),
        ]);
        assert_eq!(
            from_vars("https://cloud.fastgpt.cn", vars).as_deref(),
            Some("http://s:1")
        );
        assert_eq!(
            from_vars("http://h:3000", vars).as_deref(),
            Some("http://p:2")
        );
        assert_eq!(from_vars("http://internal.example:3000/api", vars), None);
        assert_eq!(from_vars("http://a.internal.example", vars), None);
        assert_eq!(from_vars("http://x.corp", vars), None);
        assert_eq!(from_vars("http://corp", vars), None);
        assert_eq!(from_vars("http://[::1]:3000", vars), None);
        assert_eq!(
            from_vars("http://notinternal.example", vars).as_deref(),
            Some("http://p:2")
        );
        let all = env(&[("ALL_PROXY", "socks5://s:9"), ("no_proxy", "*")]);
        assert_eq!(from_vars("http://h", all), None);
        let all = env(&[("ALL_PROXY", "socks5://s:9")]);
        assert_eq!(from_vars("http://h", all).as_deref(), Some("socks5://s:9"));
        assert_eq!(from_vars("http://h", env(&[])), None);
    }
}
