//! Name resolution that honours the call's cancel token and deadline, with a 60 s cache.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

use crate::transport::call_ctx::{current, wait_for, Phase};

/// How long a resolved address is reused.
const DNS_CACHE_TTL: Duration = Duration::from_secs(60);

/// The most host names cached at once.
const DNS_CACHE_MAX: usize = 256;

/// Resolves host names on a helper thread, with a 60 s cache.
#[derive(Debug, Default)]
pub struct CancellableResolver {
    cache: Mutex<HashMap<(String, u16), (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CancellableResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        _config: &ureq::config::Config,
        _timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri
            .host()
            .ok_or_else(|| ureq::Error::BadUri(format!("no host in {uri}")))?;
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        });
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let mut out = self.empty();
        if let Ok(ip) = host.parse::<IpAddr>() {
            out.push(SocketAddr::new(ip, port));
            return Ok(out);
        }
        let key = (host.trim_end_matches('.').to_ascii_lowercase(), port);
        // RFC 6761 §6.4: names under "invalid." never resolve; answer without a query.
        if key.0 == "invalid" || key.0.ends_with(".invalid") {
            return Err(ureq::Error::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!(
                    "could not resolve host {host}: the .invalid domain never resolves (RFC 6761)"
                ),
            )));
        }
        if let Some((at, addrs)) = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            if at.elapsed() < DNS_CACHE_TTL {
                return Ok(addrs.clone());
            }
        }
        let (tx, rx) = mpsc::channel();
        let target = key.0.clone();
        std::thread::Builder::new()
            .name("fastgpt-dns".into())
            .spawn(move || {
                let _ = tx.send(
                    (target.as_str(), port)
                        .to_socket_addrs()
                        .map(|a| a.collect::<Vec<_>>()),
                );
            })
            .map_err(ureq::Error::Io)?;
        let ctx = current();
        let found = wait_for(&rx, ctx.as_deref(), Phase::Connect)?.map_err(|e| {
            ureq::Error::Io(io::Error::new(
                io::ErrorKind::NotFound,
                format!("could not resolve host {host}: {e}"),
            ))
        })?;
        if found.is_empty() {
            return Err(ureq::Error::HostNotFound);
        }
        for a in found.into_iter().take(16) {
            out.push(a);
        }
        self.remember(key, Instant::now(), out.clone());
        Ok(out)
    }
}

impl CancellableResolver {
    /// Caches `addrs` for `key`. Upload hosts come from the server, so the cache is
    /// bounded: expired entries go first, then the oldest beyond [`DNS_CACHE_MAX`].
    fn remember(&self, key: (String, u16), at: Instant, addrs: ResolvedSocketAddrs) {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, (t, _)| t.elapsed() < DNS_CACHE_TTL);
        while cache.len() >= DNS_CACHE_MAX && !cache.contains_key(&key) {
            let Some(oldest) = cache
                .iter()
                .min_by_key(|(_, (t, _))| *t)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            cache.remove(&oldest);
        }
        cache.insert(key, (at, addrs));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_drops_expired_entries_and_stays_bounded() {
        let r = CancellableResolver::default();
        let now = Instant::now();
        let old = now.checked_sub(DNS_CACHE_TTL * 2).unwrap_or(now);
        r.remember(("expired".into(), 80), old, r.empty());
        for i in 0..DNS_CACHE_MAX + 50 {
            let at = now + Duration::from_millis(i as u64);
            r.remember((format!("h{i}"), 443), at, r.empty());
        }
        let cache = r.cache.lock().unwrap();
        assert_eq!(cache.len(), DNS_CACHE_MAX);
        if old < now {
            assert!(!cache.contains_key(&("expired".into(), 80)));
        }
        // The oldest went first; the newest are kept.
        assert!(!cache.contains_key(&("h0".into(), 443)));
        assert!(cache.contains_key(&(format!("h{}", DNS_CACHE_MAX + 49), 443)));
        assert!(cache.contains_key(&("h50".into(), 443)));
        assert!(!cache.contains_key(&("h49".into(), 443)));
    }
}
