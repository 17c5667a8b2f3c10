//! Path fallback between FastGPT's two route families (§5): an endpoint's current and legacy
//! paths, and the per-client memory of which family answered (`api_paths`).

use std::sync::atomic::{AtomicU8, Ordering};

use crate::api::Client;
use crate::error::Error;
use crate::http::{Http, Kind, Request};
use crate::options::ApiPaths;
use crate::status::*;
use crate::transport::cancel::CancelToken;

const FAMILY_UNKNOWN: u8 = 0;
const FAMILY_CURRENT: u8 = 1;
const FAMILY_LEGACY: u8 = 2;

/// The route family a client uses: fixed by `api_paths`, or learnt from the first envelope
/// answer when `api_paths` is `"auto"`.
#[derive(Debug)]
pub(crate) struct PathFamily(AtomicU8);

impl PathFamily {
    /// The family that `api_paths` fixes, or none yet for `"auto"`.
    pub(crate) fn new(setting: ApiPaths) -> PathFamily {
        PathFamily(AtomicU8::new(match setting {
            ApiPaths::Auto => FAMILY_UNKNOWN,
            ApiPaths::Current => FAMILY_CURRENT,
            ApiPaths::Legacy => FAMILY_LEGACY,
        }))
    }

    fn get(&self) -> u8 {
        self.0.load(Ordering::Relaxed)
    }

    fn set(&self, family: u8) {
        self.0.store(family, Ordering::Relaxed);
    }
}

/// An endpoint of the §5 table.
pub(crate) struct Endpoint<'a> {
    pub(crate) method: &'static str,
    current: &'static str,
    legacy: Option<&'static str>,
    query: Option<String>,
    body: Option<&'a [u8]>,
}

impl Client {
    /// Sends an envelope call, on the current path, the legacy one, or the current one first
    /// and the legacy one after a 404 (only while the family is unknown).
    pub(crate) fn call_envelope(
        &self,
        ep: Endpoint,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        call_envelope(self.http(), &self.family, ep, cancel)
    }
}

fn call_envelope(
    http: &Http,
    family: &PathFamily,
    ep: Endpoint,
    cancel: Option<&CancelToken>,
) -> Result<String, Error> {
    let mut attempts = 0;
    let with_query = |path: &str| match &ep.query {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    let send = |path: &str, attempts: &mut u32| {
        let req = Request::api(ep.method, with_query(path), ep.body, Kind::Envelope);
        http.fetch(&req, cancel, attempts)
    };
    let Some(legacy) = ep.legacy else {
        return send(ep.current, &mut attempts);
    };
    match family.get() {
        FAMILY_CURRENT => send(ep.current, &mut attempts),
        FAMILY_LEGACY => send(legacy, &mut attempts),
        _ => {
            let first = send(ep.current, &mut attempts);
            let not_found = matches!(&first, Err(e) if e.status == FASTGPT_E_HTTP && e.http_status == Some(404));
            if !not_found {
                if carries_envelope(&first) {
                    family.set(FAMILY_CURRENT);
                }
                return first;
            }
            let second = send(legacy, &mut attempts);
            if carries_envelope(&second) {
                family.set(FAMILY_LEGACY);
            }
            second
        }
    }
}

/// Whether an outcome came from a FastGPT envelope (which fixes the family).
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
    Endpoint {
        method: "POST",
        current,
        legacy,
        query: None,
        body: Some(body.as_bytes()),
    }
}

/// An endpoint that takes its arguments in the query string.
pub(crate) fn query(
    method: &'static str,
    current: &'static str,
    legacy: Option<&'static str>,
    q: String,
) -> Endpoint<'static> {
    Endpoint {
        method,
        current,
        legacy,
        query: Some(q),
        body: None,
    }
}
