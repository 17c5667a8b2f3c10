//! Path fallback (§4 `api_paths`, §5 table): the requests of a function that FastGPT served
//! under two paths, and the memory, per function, of which one answered.
//!
//! FastGPT moved its routes one by one (4.14.0, 4.14.4, 4.14.5, 4.14.11), not as a family:
//! a 4.14.5–4.14.10 server has `history/*` and `record/get*` but only the legacy
//! `item/delete`. So `"auto"` decides for each function on its own: the current path first,
//! the legacy one after a 404 that is not an envelope, and the first path that answers with
//! an envelope (any `code`) is remembered for that function for the client's life.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::api::Client;
use crate::error::Error;
use crate::http::{Kind, Request};
use crate::options::ApiPaths;
use crate::status::*;
use crate::transport::cancel::CancelToken;

/// The current path of every function of the §5 table that has a legacy path too; a
/// function's memory slot is its index here.
const TWO_PATH_FUNCTIONS: &[&str] = &[
    "/api/core/chat/history/getHistories",
    "/api/core/chat/record/getPaginationRecords",
    "/api/core/chat/record/getResData",
    "/api/core/chat/history/updateHistory",
    "/api/core/chat/history/delHistory",
    "/api/core/chat/history/clearHistories",
    "/api/core/chat/record/delete",
    "/api/core/chat/file/presignChatFilePostUrl",
    "/api/core/chat/file/presignChatFileGetUrl",
    "/api/core/chat/record/getRecords_v2",
];

const UNKNOWN: u8 = 0;
const CURRENT: u8 = 1;
const LEGACY: u8 = 2;

/// Which path each two-path function uses: fixed by `api_paths`, or, for `"auto"`, the one
/// that first answered with an envelope.
#[derive(Debug)]
pub(crate) struct PathMemory {
    setting: ApiPaths,
    answered: [AtomicU8; TWO_PATH_FUNCTIONS.len()],
}

impl PathMemory {
    /// Nothing remembered yet.
    pub(crate) fn new(setting: ApiPaths) -> PathMemory {
        PathMemory {
            setting,
            answered: std::array::from_fn(|_| AtomicU8::new(UNKNOWN)),
        }
    }

    fn slot(current: &str) -> Option<usize> {
        TWO_PATH_FUNCTIONS.iter().position(|p| *p == current)
    }

    /// `CURRENT`, `LEGACY`, or `UNKNOWN` (probe both) for the function of `current`.
    fn choice(&self, current: &str) -> u8 {
        match self.setting {
            ApiPaths::Current => CURRENT,
            ApiPaths::Legacy => LEGACY,
            ApiPaths::Auto => {
                Self::slot(current).map_or(UNKNOWN, |i| self.answered[i].load(Ordering::Relaxed))
            }
        }
    }

    fn remember(&self, current: &str, which: u8) {
        if let Some(i) = Self::slot(current) {
            self.answered[i].store(which, Ordering::Relaxed);
        }
    }

    /// What `"auto"` has learnt so far, per current path: `"current"`, `"legacy"` or none.
    pub(crate) fn learnt(&self) -> Vec<(&'static str, Option<&'static str>)> {
        TWO_PATH_FUNCTIONS
            .iter()
            .zip(&self.answered)
            .map(|(p, a)| {
                let v = match a.load(Ordering::Relaxed) {
                    CURRENT => Some("current"),
                    LEGACY => Some("legacy"),
                    _ => None,
                };
                (*p, v)
            })
            .collect()
    }
}

/// An endpoint of the §5 table.
pub(crate) struct Endpoint<'a> {
    pub(crate) method: &'static str,
    current: &'static str,
    legacy: Option<&'static str>,
    query: Option<String>,
    body: Option<&'a [u8]>,
    /// The legacy request's own method and body, when they differ from the current one's.
    legacy_request: Option<(&'static str, Option<&'a [u8]>)>,
}

impl<'a> Endpoint<'a> {
    /// The legacy path is requested with `method` and `body` (the query stays the same).
    pub(crate) fn legacy_as(mut self, method: &'static str, body: Option<&'a [u8]>) -> Self {
        self.legacy_request = Some((method, body));
        self
    }
}

impl Client {
    /// Sends an envelope call on the path `api_paths` selects for its function (§4).
    pub(crate) fn call_envelope(
        &self,
        ep: Endpoint,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let mut attempts = 0;
        let send = |path: &str, method: &'static str, body: Option<&[u8]>, n: &mut u32| {
            let path_and_query = match &ep.query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            };
            let req = Request::api(method, path_and_query, body, Kind::Envelope);
            self.http().fetch(&req, cancel, n)
        };
        let send_current = |n: &mut u32| send(ep.current, ep.method, ep.body, n);
        let Some(legacy) = ep.legacy else {
            return send_current(&mut attempts);
        };
        let (legacy_method, legacy_body) = ep.legacy_request.unwrap_or((ep.method, ep.body));
        let send_legacy = |n: &mut u32| send(legacy, legacy_method, legacy_body, n);
        let memory = self.paths();
        match memory.choice(ep.current) {
            CURRENT => send_current(&mut attempts),
            LEGACY => send_legacy(&mut attempts),
            _ => {
                let first = send_current(&mut attempts);
                if !is_plain_404(&first) {
                    if carries_envelope(&first) {
                        memory.remember(ep.current, CURRENT);
                    }
                    return first;
                }
                let second = send_legacy(&mut attempts);
                if carries_envelope(&second) {
                    memory.remember(ep.current, LEGACY);
                }
                second
            }
        }
    }
}

/// An HTTP 404 whose body is not an envelope (a route the server does not have).
pub(crate) fn is_plain_404(r: &Result<String, Error>) -> bool {
    matches!(r, Err(e) if e.status == FASTGPT_E_HTTP && e.http_status == Some(404))
}

/// Whether an outcome came from a FastGPT envelope (which fixes the function's path).
fn carries_envelope(r: &Result<String, Error>) -> bool {
    match r {
        Ok(_) => true,
        Err(e) => e.api_code.is_some(),
    }
}

/// A POST endpoint with a JSON body.
pub(crate) fn post<'a>(
    current: &'static str,
    legacy: Option<&'static str>,
    body: &'a str,
) -> Endpoint<'a> {
    debug_assert!(legacy.is_none() || PathMemory::slot(current).is_some());
    Endpoint {
        method: "POST",
        current,
        legacy,
        query: None,
        body: Some(body.as_bytes()),
        legacy_request: None,
    }
}

/// An endpoint that takes its arguments in the query string.
pub(crate) fn query(
    method: &'static str,
    current: &'static str,
    legacy: Option<&'static str>,
    q: String,
) -> Endpoint<'static> {
    debug_assert!(legacy.is_none() || PathMemory::slot(current).is_some());
    Endpoint {
        method,
        current,
        legacy,
        query: Some(q),
        body: None,
        legacy_request: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_per_function() {
        let m = PathMemory::new(ApiPaths::Auto);
        let records = "/api/core/chat/record/getPaginationRecords";
        let delete = "/api/core/chat/record/delete";
        assert_eq!(m.choice(records), UNKNOWN);
        m.remember(records, CURRENT);
        m.remember(delete, LEGACY);
        assert_eq!(m.choice(records), CURRENT);
        assert_eq!(m.choice(delete), LEGACY);
        assert_eq!(m.choice("/api/core/chat/history/getHistories"), UNKNOWN);
        // A path of no two-path function is never remembered.
        m.remember("/api/core/chat/init", CURRENT);
        assert_eq!(m.choice("/api/core/chat/init"), UNKNOWN);
        let learnt = m.learnt();
        assert!(learnt.contains(&(records, Some("current"))));
        assert!(learnt.contains(&(delete, Some("legacy"))));
        // Fixed settings ignore the memory.
        let fixed = PathMemory::new(ApiPaths::Legacy);
        fixed.remember(records, CURRENT);
        assert_eq!(fixed.choice(records), LEGACY);
        assert_eq!(PathMemory::new(ApiPaths::Current).choice(delete), CURRENT);
    }
}
