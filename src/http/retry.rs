//! The retry loop of one logical request (§7): which failures are repeated, the backoff with
//! jitter, `Retry-After`, and waits that end as soon as the token is cancelled.

use std::time::{Duration, Instant};

use crate::error::{Error, TimeoutKind};
use crate::http::attempt::{cancelled_error, Failure};
use crate::http::classify::BodyShape;
use crate::http::{Http, Kind, Meta, Request};
use crate::status::*;
use crate::transport::cancel::CancelToken;
use crate::transport::CHECK_INTERVAL;

impl Http {
    /// Runs `attempt` until it succeeds, fails for good, or the retries of §7 are spent;
    /// returns the success with what the error JSON would have said about the exchange.
    /// `attempts` counts every request sent, across calls that share it (path fallback).
    pub(crate) fn with_retries<T>(
        &self,
        req: &Request,
        cancel: Option<&CancelToken>,
        attempts: &mut u32,
        mut attempt: impl FnMut(&str, &mut Meta) -> Result<T, Failure>,
    ) -> Result<(T, Meta), Error> {
        let url = match req.kind {
            Kind::Upload => req.path_and_query.clone(),
            _ => format!("{}{}", self.opts.base_url, req.path_and_query),
        };
        let mut meta = Meta {
            method: Some(req.method),
            url: Some(url.clone()),
            ..Meta::default()
        };
        let mut retry = 0u32;
        let mut resent = false;
        loop {
            meta.attempts = *attempts;
            if cancel.is_some_and(CancelToken::is_cancelled) {
                return Err(self.finish(cancelled_error(), &meta, None));
            }
            *attempts += 1;
            meta.attempts = *attempts;
            let outcome = match attempt(&url, &mut meta) {
                // §7: once, at once, on a new connection (the pool's next idle connection
                // was checked for EOF before reuse; this one died in between).
                Err(Failure::StalePooled { .. }) if !resent => {
                    resent = true;
                    meta.http_status = None;
                    meta.request_id = None;
                    meta.retry_after_ms = None;
                    continue;
                }
                // A second stale connection is an exchange failure (the arm below).
                other => other,
            };
            let (error, retryable, retry_after) = match outcome {
                Ok(v) => return Ok((v, meta)),
                Err(Failure::Answer {
                    status,
                    body,
                    error,
                }) => {
                    let shape = BodyShape::of(&body);
                    let retryable = status == 429
                        || shape.envelope_is_429()
                        || (status == 503 && !shape.is_envelope())
                        || (self.idempotent(req) && matches!(status, 502 | 504));
                    let e = self.finish(error, &meta, Some(&body));
                    (e, retryable, meta.retry_after_ms)
                }
                Err(
                    Failure::Exchange {
                        error,
                        connect_failure,
                    }
                    | Failure::StalePooled {
                        error,
                        connect_failure,
                    },
                ) => {
                    // §7: a connect failure or connect timeout (nothing was sent) for every
                    // call; a transport error after the request was written only where a
                    // repeat cannot redo work. Never a cancellation, another timeout, or an
                    // oversized body (the same answer would come again).
                    let retryable = match error.status {
                        FASTGPT_E_TRANSPORT => connect_failure || self.idempotent(req),
                        FASTGPT_E_TIMEOUT => error.timeout == Some(TimeoutKind::Connect),
                        _ => false,
                    };
                    let e = self.finish(error, &meta, None);
                    (e, retryable, None)
                }
                Err(Failure::ProxyRefused { error }) => {
                    (self.finish(error, &meta, None), false, None)
                }
            };
            if !retryable || retry >= self.opts.max_retries {
                return Err(error);
            }
            let wait = match retry_after {
                Some(ms) if Duration::from_millis(ms) > self.opts.max_retry_after => {
                    return Err(error)
                }
                Some(ms) => Duration::from_millis(ms),
                None => backoff(self.opts.retry_delay, retry),
            };
            retry += 1;
            if !sleep_unless_cancelled(wait, cancel) {
                let mut e = self.finish(cancelled_error(), &meta, None);
                e.attempts = *attempts;
                return Err(e);
            }
            meta.http_status = None;
            meta.request_id = None;
            meta.retry_after_ms = None;
        }
    }
}

/// `retry_delay * 2^retry`, with jitter: a random point in the upper half of the step.
fn backoff(base: Duration, retry: u32) -> Duration {
    let step = base.saturating_mul(1u32 << retry.min(20));
    let half = step / 2;
    half + Duration::from_nanos(crate::util::random::below(
        half.as_nanos().min(u64::MAX as u128) as u64 + 1,
    ))
}

/// Sleeps in slices, returning false as soon as the token is cancelled.
fn sleep_unless_cancelled(d: Duration, cancel: Option<&CancelToken>) -> bool {
    let end = Instant::now() + d;
    loop {
        if cancel.is_some_and(CancelToken::is_cancelled) {
            return false;
        }
        let now = Instant::now();
        if now >= end {
            return true;
        }
        std::thread::sleep((end - now).min(CHECK_INTERVAL));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter() {
        for retry in 0..4 {
            let step = Duration::from_millis(1000) * (1 << retry);
            let d = backoff(Duration::from_millis(1000), retry);
            assert!(d >= step / 2 && d <= step, "{retry}: {d:?}");
        }
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }
}
