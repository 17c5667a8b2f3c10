//! Proxies (contract §4 `proxy`), as curl does them:
//! - through an `http://` proxy, an `http://` target is requested in absolute-form
//!   (`GET http://host:port/path HTTP/1.1`, RFC 9112 §3.2.2) with the proxy credentials in
//!   `Proxy-Authorization` of each request; an `https://` target goes through a `CONNECT`
//!   tunnel (credentials on the `CONNECT`). Many proxies (squid, tinyproxy) allow `CONNECT`
//!   only to port 443, so tunnelling plain HTTP would fail there.
//! - through a `socks5://` (local name resolution) or `socks5h://` (the proxy resolves)
//!   proxy, a SOCKS5 handshake (RFC 1928, user/password by RFC 1929).
//!
//! Every byte of a handshake goes through [`CancellableTcpTransport`] in the connect phase,
//! so the handshakes are bounded by `connect_timeout_ms` and check the cancel token like a
//! TCP connect (ureq's own CONNECT and SOCKS connectors are replaced by this one: its SOCKS
//! connector blocks in a socket call that neither bounds nor cancels).

use std::fmt;

use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, NextTimeout, Transport,
};
use ureq::{ProxyProtocol, Timeout};

use crate::transport::tcp::connect_tcp;

/// The longest proxy answer head (`CONNECT` response) read.
const MAX_PROXY_HEAD: usize = 16 * 1024;

/// Connects through the configured proxy, if any (first in the connector chain).
#[derive(Debug, Default)]
pub struct ProxyConnector {
    /// The `User-Agent` sent on `CONNECT`.
    pub user_agent: String,
}

impl<In: Transport> Connector<In> for ProxyConnector {
    type Out = Either<In, Box<dyn Transport>>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        if let Some(t) = chained {
            return Ok(Some(Either::A(t)));
        }
        let Some(proxy) = details.config.proxy() else {
            return Ok(None);
        };
        if proxy.is_no_proxy(details.uri) {
            return Ok(None);
        }
        let proxy_addrs = details
            .resolver
            .resolve(proxy.uri(), details.config, details.timeout)?;
        let proxy_details = ConnectionDetails {
            uri: proxy.uri(),
            addrs: proxy_addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: details.now,
            timeout: details.timeout,
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        let mut tcp = connect_tcp(&proxy_details)?;
        let target = Target::of(details)?;
        let timeout = details.timeout;
        let creds = match (proxy.username(), proxy.password()) {
            (None, None) => None,
            (u, p) => Some((
                u.unwrap_or_default().to_string(),
                p.unwrap_or_default().to_string(),
            )),
        };
        let out: Box<dyn Transport> = match proxy.protocol() {
            ProxyProtocol::Http if target.tls => {
                connect_tunnel(&mut tcp, &target, creds.as_ref(), &self.user_agent, timeout)?;
                Box::new(tcp)
            }
            ProxyProtocol::Http => Box::new(AbsoluteForm {
                inner: Box::new(tcp),
                origin: format!("http://{}", target.authority),
                proxy_authorization: creds
                    .map(|(u, p)| format!("Basic {}", base64(&format!("{u}:{p}")))),
                at_request_start: true,
            }),
            ProxyProtocol::Socks5 | ProxyProtocol::Socks5h => {
                socks5(&mut tcp, &target, details, creds.as_ref(), timeout)?;
                Box::new(tcp)
            }
            other => {
                return Err(ureq::Error::ConnectProxyFailed(format!(
                    "the {other} proxy protocol is not supported (use http:// or socks5://)"
                )))
            }
        };
        Ok(Some(Either::B(out)))
    }
}

/// Where the request goes.
struct Target {
    /// Host as written in the URL (IPv6 in brackets).
    host: String,
    port: u16,
    /// `host:port` as in the URL (the port only when it was written).
    authority: String,
    tls: bool,
}

impl Target {
    fn of(details: &ConnectionDetails) -> Result<Target, ureq::Error> {
        let uri = details.uri;
        let tls = details.needs_tls();
        let host = uri
            .host()
            .ok_or_else(|| ureq::Error::BadUri(format!("no host in {uri}")))?
            .to_string();
        let port = uri.port_u16().unwrap_or(if tls { 443 } else { 80 });
        let authority = match uri.port_u16() {
            Some(p) => format!("{host}:{p}"),
            None => host.clone(),
        };
        Ok(Target {
            host,
            port,
            authority,
            tls,
        })
    }
}

fn proxy_failed(why: impl Into<String>) -> ureq::Error {
    ureq::Error::ConnectProxyFailed(why.into())
}

/// Writes `bytes` through the transport's output buffer.
fn send(t: &mut dyn Transport, bytes: &[u8], timeout: NextTimeout) -> Result<(), ureq::Error> {
    let mut off = 0;
    while off < bytes.len() {
        let out = t.buffers().output();
        let n = out.len().min(bytes.len() - off);
        if n == 0 {
            return Err(proxy_failed("no output buffer"));
        }
        out[..n].copy_from_slice(&bytes[off..off + n]);
        t.transmit_output(n, timeout)?;
        off += n;
    }
    Ok(())
}

/// Reads exactly `n` bytes of a handshake answer.
fn recv_exact(
    t: &mut dyn Transport,
    n: usize,
    timeout: NextTimeout,
) -> Result<Vec<u8>, ureq::Error> {
    loop {
        let input = t.buffers().input();
        if input.len() >= n {
            let v = input[..n].to_vec();
            t.buffers().input_consume(n);
            return Ok(v);
        }
        if !t.await_input(timeout)? {
            return Err(proxy_failed(
                "the proxy closed the connection during the handshake",
            ));
        }
    }
}

/// `CONNECT host:port`, then the proxy's answer head; anything but 2xx is a proxy failure.
fn connect_tunnel(
    t: &mut dyn Transport,
    target: &Target,
    creds: Option<&(String, String)>,
    user_agent: &str,
    timeout: NextTimeout,
) -> Result<(), ureq::Error> {
    let hp = format!("{}:{}", target.host, target.port);
    let mut head = format!("CONNECT {hp} HTTP/1.1\r\nHost: {hp}\r\n");
    if !user_agent.is_empty() {
        head.push_str(&format!("User-Agent: {user_agent}\r\n"));
    }
    if let Some((u, p)) = creds {
        head.push_str(&format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64(&format!("{u}:{p}"))
        ));
    }
    head.push_str("\r\n");
    send(t, head.as_bytes(), timeout)?;
    // The answer head, up to its blank line; bytes after it stay in the buffer (TLS).
    let end = loop {
        let input = t.buffers().input();
        if let Some(i) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if input.len() > MAX_PROXY_HEAD {
            return Err(proxy_failed("the proxy's answer to CONNECT is too long"));
        }
        if !t.await_input(timeout)? {
            return Err(proxy_failed("proxy server did not respond"));
        }
    };
    let head = String::from_utf8_lossy(&t.buffers().input()[..end]).into_owned();
    t.buffers().input_consume(end);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| proxy_failed("the proxy's answer to CONNECT is not HTTP"))?;
    if !(200..300).contains(&status) {
        if (400..500).contains(&status) {
            if let Some(c) = crate::transport::call_ctx::current() {
                c.mark_proxy_refused();
            }
        }
        return Err(proxy_failed(format!(
            "CONNECT proxy failed: proxy server responded {status}"
        )));
    }
    Ok(())
}

/// The SOCKS5 handshake (RFC 1928; RFC 1929 user/password when the URL has userinfo).
fn socks5(
    t: &mut dyn Transport,
    target: &Target,
    details: &ConnectionDetails,
    creds: Option<&(String, String)>,
    timeout: NextTimeout,
) -> Result<(), ureq::Error> {
    let greeting: &[u8] = if creds.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    send(t, greeting, timeout)?;
    let choice = recv_exact(t, 2, timeout)?;
    if choice[0] != 5 {
        return Err(proxy_failed("the proxy is not a SOCKS5 server"));
    }
    match (choice[1], creds) {
        (0, _) => {}
        (2, Some((u, p))) => {
            if u.len() > 255 || p.len() > 255 {
                return Err(proxy_failed(
                    "SOCKS5 user name and password are limited to 255 bytes",
                ));
            }
            let mut m = vec![1, u.len() as u8];
            m.extend_from_slice(u.as_bytes());
            m.push(p.len() as u8);
            m.extend_from_slice(p.as_bytes());
            send(t, &m, timeout)?;
            let r = recv_exact(t, 2, timeout)?;
            if r[1] != 0 {
                return Err(proxy_failed(
                    "the SOCKS5 proxy refused the user name or password",
                ));
            }
        }
        (0xff, _) | (_, _) => {
            return Err(proxy_failed(
                "the SOCKS5 proxy accepts none of the offered authentication methods",
            ))
        }
    }
    // socks5:// resolved the target locally (ureq filled `addrs`); socks5h:// sends the name.
    let mut req = vec![5, 1, 0];
    let host = target.host.trim_start_matches('[').trim_end_matches(']');
    match details
        .addrs
        .iter()
        .next()
        .map(|a| a.ip())
        .or_else(|| host.parse().ok())
    {
        Some(std::net::IpAddr::V4(ip)) => {
            req.push(1);
            req.extend_from_slice(&ip.octets());
        }
        Some(std::net::IpAddr::V6(ip)) => {
            req.push(4);
            req.extend_from_slice(&ip.octets());
        }
        None => {
            if host.len() > 255 {
                return Err(proxy_failed("host name too long for SOCKS5"));
            }
            req.push(3);
            req.push(host.len() as u8);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&target.port.to_be_bytes());
    send(t, &req, timeout)?;
    let r = recv_exact(t, 4, timeout)?;
    if r[0] != 5 {
        return Err(proxy_failed("the proxy is not a SOCKS5 server"));
    }
    if r[1] != 0 {
        let why = match r[1] {
            1 => "general failure",
            2 => "connection not allowed by ruleset",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "TTL expired",
            7 => "command not supported",
            8 => "address type not supported",
            _ => "unknown error",
        };
        return Err(proxy_failed(format!(
            "SOCKS5 proxy could not connect to the target: {why}"
        )));
    }
    let rest = match r[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => recv_exact(t, 1, timeout)?[0] as usize + 2,
        _ => {
            return Err(proxy_failed(
                "the SOCKS5 answer has an unknown address type",
            ))
        }
    };
    recv_exact(t, rest, timeout)?;
    Ok(())
}

/// A connection to an HTTP proxy for `http://` targets: the request line of each request
/// is rewritten to absolute-form and `Proxy-Authorization` is added after it.
struct AbsoluteForm {
    inner: Box<dyn Transport>,
    /// `http://host[:port]` of the target.
    origin: String,
    proxy_authorization: Option<String>,
    /// The next bytes sent in the send-request phase begin a request.
    at_request_start: bool,
}

impl fmt::Debug for AbsoluteForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AbsoluteForm")
            .field("origin", &self.origin)
            .finish()
    }
}

impl AbsoluteForm {
    /// The head with its request line in absolute-form and the proxy credentials added.
    fn rewrite(&self, head: &[u8]) -> Result<Vec<u8>, ureq::Error> {
        let bad = || ureq::Error::BadUri("request line not understood".into());
        let eol = head.windows(2).position(|w| w == b"\r\n").ok_or_else(bad)?;
        let line = std::str::from_utf8(&head[..eol]).map_err(|_| bad())?;
        let mut parts = line.splitn(3, ' ');
        let (method, target, version) = (
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
            parts.next().ok_or_else(bad)?,
        );
        let mut out = Vec::with_capacity(head.len() + self.origin.len() + 64);
        if target.starts_with('/') {
            out.extend_from_slice(
                format!("{method} {}{target} {version}\r\n", self.origin).as_bytes(),
            );
        } else {
            out.extend_from_slice(&head[..eol + 2]);
        }
        if let Some(a) = &self.proxy_authorization {
            out.extend_from_slice(format!("Proxy-Authorization: {a}\r\n").as_bytes());
        }
        out.extend_from_slice(&head[eol + 2..]);
        Ok(out)
    }
}

impl Transport for AbsoluteForm {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if timeout.reason == Timeout::SendRequest && self.at_request_start && amount > 0 {
            self.at_request_start = false;
            let head = self.inner.buffers().output()[..amount].to_vec();
            let out = self.rewrite(&head)?;
            return send(&mut *self.inner, &out, timeout);
        }
        self.inner.transmit_output(amount, timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Reading an answer: whatever is sent next starts a new request.
        self.at_request_start = true;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        self.inner.is_open()
    }
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(s: &str) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("user:pa@ss", "dXNlcjpwYUBzcw=="),
        ] {
            assert_eq!(base64(i), o);
        }
    }
}
