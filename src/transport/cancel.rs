//! Cancel tokens (contract §8): an atomic flag plus an optional stored deadline, checked by
//! every phase of a call at least every 100 ms. No timer thread is started.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use once_cell::sync::Lazy;

/// The instant all deadlines are measured from, so they fit in one atomic.
static EPOCH: Lazy<Instant> = Lazy::new(Instant::now);

const NO_DEADLINE: u64 = u64::MAX;

#[derive(Debug)]
struct Inner {
    cancelled: AtomicBool,
    /// Nanoseconds after [`EPOCH`]; `NO_DEADLINE` when unset.
    deadline: AtomicU64,
}

/// A shareable, cheaply clonable cancellation token.
#[derive(Debug, Clone)]
pub struct CancelToken(Arc<Inner>);

impl Default for CancelToken {
    fn default() -> Self {
        Self::new()
    }
}

impl CancelToken {
    /// A token that is not cancelled.
    pub fn new() -> CancelToken {
        Lazy::force(&EPOCH);
        CancelToken(Arc::new(Inner {
            cancelled: AtomicBool::new(false),
            deadline: AtomicU64::new(NO_DEADLINE),
        }))
    }

    /// Cancels for good. Idempotent, callable from any thread.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
    }

    /// Cancels `ms` milliseconds from now; the earliest deadline wins; `ms <= 0` cancels now.
    pub fn cancel_after(&self, ms: i32) {
        if ms <= 0 {
            self.cancel();
            return;
        }
        let at = Instant::now() + Duration::from_millis(ms as u64);
        let nanos = at
            .saturating_duration_since(*EPOCH)
            .as_nanos()
            .min(NO_DEADLINE as u128 - 1) as u64;
        self.0.deadline.fetch_min(nanos, Ordering::SeqCst);
    }

    /// Whether the token is cancelled, by `cancel` or because its deadline has passed.
    pub fn is_cancelled(&self) -> bool {
        if self.0.cancelled.load(Ordering::SeqCst) {
            return true;
        }
        let d = self.0.deadline.load(Ordering::SeqCst);
        if d != NO_DEADLINE && EPOCH.elapsed().as_nanos() >= d as u128 {
            self.0.cancelled.store(true, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// The stored deadline, if any (lets waits end exactly on it).
    pub fn deadline(&self) -> Option<Instant> {
        match self.0.deadline.load(Ordering::SeqCst) {
            NO_DEADLINE => None,
            d => Some(*EPOCH + Duration::from_nanos(d)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_and_flags() {
        let t = CancelToken::new();
        assert!(!t.is_cancelled());
        t.cancel_after(10_000);
        t.cancel_after(20);
        t.cancel_after(50_000);
        assert!(!t.is_cancelled());
        std::thread::sleep(Duration::from_millis(40));
        assert!(t.is_cancelled());
        let u = CancelToken::new();
        u.cancel_after(0);
        assert!(u.is_cancelled());
        let w = u.clone();
        assert!(w.is_cancelled());
    }
}
