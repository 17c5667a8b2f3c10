//! Non-cryptographic randomness for backoff jitter and generated ids, from the standard
//! library's randomly keyed SipHash (no extra dependency).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

use once_cell::sync::Lazy;

static KEYS: Lazy<RandomState> = Lazy::new(RandomState::new);
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A random 64-bit value.
pub fn next_u64() -> u64 {
    let mut h = KEYS.build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// A value in `0..n` (0 when `n` is 0).
pub fn below(n: u64) -> u64 {
    if n == 0 {
        0
    } else {
        next_u64() % n
    }
}

/// `len` random characters from `[A-Za-z0-9]` (FastGPT's nanoid alphabet for chat item ids).
pub fn alphanumeric_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALPHABET[below(ALPHABET.len() as u64) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_alphanumeric_and_differ() {
        let a = super::alphanumeric_id(24);
        let b = super::alphanumeric_id(24);
        assert_eq!(a.len(), 24);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
