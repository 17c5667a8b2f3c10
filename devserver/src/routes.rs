//! The route table, as data: which path answers in which FastGPT release, the method
//! FastGPT's web client uses, where the handler reads its parameters, and since when API
//! keys are accepted. Facts: the FastGPT versions reference (§3). Depends only on `release`.
//!
//! FastGPT never checks `req.method` on these routes, so neither does this server: the
//! method column is what the web client sends (README), the parameter source is what the
//! handler reads.

use crate::release::{beta, v, Version};

/// What a route does (one handler each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ep {
    CompletionsV1,
    CompletionsV2,
    Stop,
    Resume,
    GetHistories,
    Init,
    Records,
    RecordsV2,
    ResData,
    UpdateHistory,
    DelHistory,
    ClearHistories,
    BatchDelete,
    HistoryStatus,
    MarkRead,
    DelRecord,
    Feedback,
    QuestionGuide,
    ChartData,
    TotalData,
    LogsList,
    PresignChatFile,
    PresignGetUrl,
    /// `PUT /api/system/file/upload/<token>` (4.14.11–4.15.1) and `/api/system/file/u/<token>`.
    ProxyUpload,
    /// `GET /api/system/file/d/<alias>` (4.15.2+ short download links).
    ProxyDownload,
    Echo,
}

/// The method FastGPT's web client uses (informational: not enforced, as in FastGPT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
    Any,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
            Method::Any => "any",
        }
    }
}

/// Where the handler reads its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    /// The query string (values are strings).
    Query,
    /// The JSON body (invalid JSON → HTTP 400 `Invalid JSON` before auth).
    Body,
    /// The JSON body if it has any key, else the query (`record/delete` from 4.15.0-beta5).
    BodyElseQuery,
    /// The raw body (uploads) and the path.
    Raw,
}

impl Src {
    pub fn as_str(self) -> &'static str {
        match self {
            Src::Query => "query",
            Src::Body => "body",
            Src::BodyElseQuery => "body, else query",
            Src::Raw => "path token (+ raw body)",
        }
    }
    pub fn reads_body(self) -> bool {
        matches!(self, Src::Body | Src::BodyElseQuery)
    }
}

/// Path family of the dev server's compatibility mode (no `--fastgpt-version`), chosen per
/// request by `X-Dev-Paths: current|legacy|both`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Routed in every compatibility family.
    Shared,
    /// The flat `/api/core/chat/<name>` paths (`legacy`).
    Legacy,
    /// `history/`, `record/`, `file/` (`current`).
    Current,
    /// Not in compatibility mode (a release-only variant of a path).
    No,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Exact path.
    Exact,
    /// The path starts with this prefix followed by a non-empty token.
    Prefix,
}

/// One row: `path` answers with `ep` in releases `first <= V < until`.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub path: &'static str,
    pub matching: Match,
    pub ep: Ep,
    pub method: Method,
    pub src: Src,
    pub first: Version,
    /// The first release without this row (`None`: still there in the newest release).
    pub until: Option<Version>,
    /// API keys are accepted from this release on (before: `unAuthorization`).
    pub api_key_from: Version,
    pub compat: Family,
}

const fn row(
    path: &'static str,
    ep: Ep,
    method: Method,
    src: Src,
    first: Version,
    until: Option<Version>,
) -> Route {
    Route {
        path,
        matching: Match::Exact,
        ep,
        method,
        src,
        first,
        until,
        api_key_from: v(4, 8, 12),
        compat: Family::Shared,
    }
}

impl Route {
    const fn compat(mut self, f: Family) -> Route {
        self.compat = f;
        self
    }
    const fn keys_from(mut self, r: Version) -> Route {
        self.api_key_from = r;
        self
    }
    const fn prefix(mut self) -> Route {
        self.matching = Match::Prefix;
        self
    }
    fn matches(&self, path: &str) -> bool {
        match self.matching {
            Match::Exact => self.path == path,
            Match::Prefix => path
                .strip_prefix(self.path)
                .map(|t| !t.is_empty() && !t.contains('/'))
                .unwrap_or(false),
        }
    }
}

use Ep::*;
use Family::{Current, Legacy};
use Method::{Delete, Get, Post, Put};
use Src::{Body, BodyElseQuery, Query, Raw};

const V48: Version = v(4, 8, 0);
const V4145: Version = v(4, 14, 5);
const V41411: Version = v(4, 14, 11);

macro_rules! p {
    ($rest:literal) => {
        concat!("/api/core/chat", $rest)
    };
}

/// Every route. Several rows may share a path when a release changed how it reads its
/// parameters; for any one release at most one row per path applies (unit-tested).
pub const ROUTES: &[Route] = &[
    // ---- completions (API keys always) ----
    row(
        "/api/v1/chat/completions",
        CompletionsV1,
        Post,
        Body,
        V48,
        None,
    )
    .keys_from(V48),
    row(
        "/api/v2/chat/completions",
        CompletionsV2,
        Post,
        Body,
        v(4, 9, 4),
        None,
    )
    .keys_from(V48),
    row("/api/v2/chat/stop", Stop, Post, Body, V4145, None),
    row(p!("/resume"), Resume, Get, Query, V41411, None),
    // ---- histories ----
    row(p!("/getHistories"), GetHistories, Post, Body, V48, None).compat(Legacy),
    row(
        p!("/history/getHistories"),
        GetHistories,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(p!("/updateHistory"), UpdateHistory, Put, Body, V48, None).compat(Legacy),
    row(
        p!("/history/updateHistory"),
        UpdateHistory,
        Put,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(p!("/delHistory"), DelHistory, Delete, Query, V48, None).compat(Legacy),
    row(
        p!("/history/delHistory"),
        DelHistory,
        Delete,
        Query,
        V4145,
        None,
    )
    .compat(Current),
    row(
        p!("/clearHistories"),
        ClearHistories,
        Delete,
        Query,
        V48,
        None,
    )
    .compat(Legacy),
    row(
        p!("/history/clearHistories"),
        ClearHistories,
        Delete,
        Query,
        V4145,
        None,
    )
    .compat(Current),
    row(
        p!("/history/batchDelete"),
        BatchDelete,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(
        p!("/history/getHistoryStatus"),
        HistoryStatus,
        Post,
        Body,
        V41411,
        None,
    )
    .compat(Current),
    row(p!("/history/markRead"), MarkRead, Post, Body, V41411, None).compat(Current),
    // ---- init and records ----
    row(p!("/init"), Init, Get, Query, V48, None),
    row(
        p!("/getPaginationRecords"),
        Records,
        Post,
        Body,
        v(4, 8, 11),
        None,
    )
    .compat(Legacy),
    row(
        p!("/record/getPaginationRecords"),
        Records,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(
        p!("/getRecords_v2"),
        RecordsV2,
        Post,
        Body,
        v(4, 14, 4),
        Some(V4145),
    )
    .compat(Legacy),
    row(
        p!("/record/getRecords_v2"),
        RecordsV2,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(p!("/getResData"), ResData, Get, Query, v(4, 8, 9), None).compat(Legacy),
    row(p!("/record/getResData"), ResData, Get, Query, V4145, None).compat(Current),
    // ---- record delete: item/delete (query, then JSON body) → record/delete ----
    row(
        p!("/item/delete"),
        DelRecord,
        Delete,
        Query,
        V48,
        Some(v(4, 14, 0)),
    )
    .compat(Legacy),
    row(
        p!("/item/delete"),
        DelRecord,
        Post,
        Body,
        v(4, 14, 0),
        Some(V41411),
    )
    .compat(Family::No),
    row(
        p!("/record/delete"),
        DelRecord,
        Delete,
        Query,
        V41411,
        Some(beta(4, 15, 0, 5)),
    )
    .compat(Current),
    row(
        p!("/record/delete"),
        DelRecord,
        Delete,
        BodyElseQuery,
        beta(4, 15, 0, 5),
        None,
    )
    .compat(Family::No),
    // ---- feedback, question guide ----
    row(
        p!("/feedback/updateUserFeedback"),
        Feedback,
        Post,
        Body,
        V48,
        None,
    )
    .keys_from(v(4, 8, 5)),
    row(
        "/api/core/ai/agent/v2/createQuestionGuide",
        QuestionGuide,
        Post,
        Body,
        v(4, 8, 14),
        None,
    ),
    // ---- app logs (proApi = commercial; API-key support before 4.15 unknown: assumed) ----
    row(
        "/api/proApi/core/app/logs/getChartData",
        ChartData,
        Post,
        Body,
        v(4, 12, 0),
        None,
    ),
    row(
        "/api/proApi/core/app/logs/getTotalData",
        TotalData,
        Get,
        Query,
        v(4, 12, 0),
        None,
    ),
    row(
        "/api/core/app/logs/list",
        LogsList,
        Post,
        Body,
        v(4, 14, 4),
        None,
    )
    .keys_from(v(4, 15, 2)),
    // ---- chat files ----
    row(
        p!("/presignChatFilePostUrl"),
        PresignChatFile,
        Post,
        Body,
        v(4, 14, 0),
        Some(V4145),
    )
    .compat(Legacy),
    row(
        p!("/file/presignChatFilePostUrl"),
        PresignChatFile,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(
        p!("/presignChatFileGetUrl"),
        PresignGetUrl,
        Post,
        Body,
        v(4, 14, 0),
        Some(V4145),
    )
    .compat(Legacy),
    row(
        p!("/file/presignChatFileGetUrl"),
        PresignGetUrl,
        Post,
        Body,
        V4145,
        None,
    )
    .compat(Current),
    row(
        "/api/system/file/upload/",
        ProxyUpload,
        Put,
        Raw,
        V41411,
        Some(v(4, 15, 2)),
    )
    .prefix(),
    row(
        "/api/system/file/u/",
        ProxyUpload,
        Put,
        Raw,
        v(4, 15, 2),
        None,
    )
    .prefix(),
    row(
        "/api/system/file/d/",
        ProxyDownload,
        Get,
        Raw,
        v(4, 15, 2),
        None,
    )
    .prefix(),
    // ---- the dev server's own ----
    row("/api/__dev/echo", Echo, Method::Any, Query, V48, None).keys_from(V48),
];

/// Which table a request is routed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// A FastGPT release.
    Release(Version),
    /// Compatibility mode with the families of `X-Dev-Paths`.
    Compat { legacy: bool, current: bool },
}

/// The row that answers `path`, if any.
pub fn resolve(path: &str, t: Table) -> Option<&'static Route> {
    ROUTES.iter().find(|r| {
        r.matches(path)
            && match t {
                Table::Release(ver) => ver.within(r.first, r.until),
                Table::Compat { legacy, current } => match r.compat {
                    Family::Shared => true,
                    Family::Legacy => legacy,
                    Family::Current => current,
                    Family::No => false,
                },
            }
    })
}

/// `first–last` of a row as text (`4.14.0 – 4.14.10` is written `4.14.0 .. <4.14.11`).
pub fn range_text(r: &Route) -> String {
    match r.until {
        None => format!("{} ..", r.first),
        Some(u) => format!("{} .. <{}", r.first, u),
    }
}

/// The rows that apply under `t`, as JSON (for `GET /__dev/routes`).
pub fn describe(t: Table) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = ROUTES
        .iter()
        .filter(|r| match t {
            Table::Release(ver) => ver.within(r.first, r.until),
            Table::Compat { .. } => r.compat != Family::No,
        })
        .map(|r| {
            serde_json::json!({
                "path": r.path,
                "prefix": r.matching == Match::Prefix,
                "endpoint": format!("{:?}", r.ep),
                "method": r.method.as_str(),
                "params": r.src.as_str(),
                "releases": range_text(r),
                "apiKeysFrom": r.api_key_from.to_string(),
                "compatFamily": format!("{:?}", r.compat),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

/// The route table as a Markdown table (README "Route table"; a unit test keeps the two equal).
#[cfg(test)]
pub fn markdown() -> String {
    let mut out = String::from(
        "| path | endpoint | web-client method | parameters | releases | API keys from | compat family |\n|---|---|---|---|---|---|---|\n",
    );
    for r in ROUTES {
        let path = match r.matching {
            Match::Exact => format!("`{}`", r.path),
            Match::Prefix => format!("`{}<token>`", r.path),
        };
        let releases = match r.until {
            None => format!("{} →", r.first),
            Some(u) => format!("{} – (before {})", r.first, u),
        };
        out.push_str(&format!(
            "| {} | {:?} | {} | {} | {} | {} | {:?} |\n",
            path,
            r.ep,
            r.method.as_str(),
            r.src.as_str(),
            releases,
            r.api_key_from,
            r.compat
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readme_has_the_table() {
        let readme = include_str!("../README.md");
        let t = markdown();
        assert!(
            readme.contains(&t),
            "README route table is stale; it should be:\n{}",
            t
        );
    }

    #[test]
    fn one_row_per_path_per_release() {
        let probes = [
            "4.8.0",
            "4.8.9",
            "4.8.11",
            "4.8.12",
            "4.9.4",
            "4.12.0",
            "4.13.2",
            "4.14.0",
            "4.14.4",
            "4.14.5",
            "4.14.10",
            "4.14.11",
            "4.15.0-beta4",
            "4.15.0-beta5",
            "4.15.2",
            "4.16.1",
        ];
        for p in probes {
            let ver = Version::parse(p).unwrap();
            for a in ROUTES {
                let n = ROUTES
                    .iter()
                    .filter(|b| b.path == a.path && ver.within(b.first, b.until))
                    .count();
                assert!(n <= 1, "{} has {} rows at {}", a.path, n, p);
            }
        }
        // Compatibility mode: one row per path too.
        for a in ROUTES {
            let n = ROUTES
                .iter()
                .filter(|b| b.path == a.path && b.compat != Family::No)
                .count();
            assert!(n <= 1, "{} has {} compat rows", a.path, n);
        }
    }

    #[test]
    fn release_facts() {
        let at = |p: &str, s: &str| {
            resolve(p, Table::Release(Version::parse(s).unwrap())).map(|r| (r.ep, r.src))
        };
        assert_eq!(at(p!("/item/delete"), "4.13.2"), Some((DelRecord, Query)));
        assert_eq!(at(p!("/item/delete"), "4.14.0"), Some((DelRecord, Body)));
        assert_eq!(at(p!("/item/delete"), "4.14.10"), Some((DelRecord, Body)));
        assert_eq!(at(p!("/item/delete"), "4.14.11"), None);
        assert_eq!(at(p!("/record/delete"), "4.14.10"), None);
        assert_eq!(
            at(p!("/record/delete"), "4.16.1"),
            Some((DelRecord, BodyElseQuery))
        );
        assert_eq!(at(p!("/history/getHistories"), "4.14.4"), None);
        assert!(at(p!("/history/getHistories"), "4.14.5").is_some());
        assert!(
            at(p!("/getHistories"), "4.16.1").is_some(),
            "flat wrapper kept"
        );
        assert!(at(p!("/presignChatFilePostUrl"), "4.14.4").is_some());
        assert_eq!(at(p!("/presignChatFilePostUrl"), "4.14.5"), None);
        assert_eq!(at("/api/v2/chat/completions", "4.9.3"), None);
        assert!(at("/api/system/file/u/abc", "4.16.1").is_some());
        assert_eq!(at("/api/system/file/u/", "4.16.1"), None);
    }
}
