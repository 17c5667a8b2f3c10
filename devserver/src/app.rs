//! What every handler shares: the server's configuration and state (`App`), the per-request
//! context (`Ctx`), FastGPT's error envelope and its per-release HTTP statuses (`ApiError`,
//! `Style`). Depends on `http`, `conn`, `faults`, `state`, `release`, `routes`, `util`.

use crate::conn::Conn;
use crate::faults::{Disposition, Fault};
use crate::http::{self, Request, Response};
use crate::release::{v, Version};
use crate::routes::{Route, Src};
use crate::state::Store;
use crate::util;
use serde_json::{json, Map, Value};
use std::sync::{Mutex, MutexGuard};

pub struct Config {
    pub api_key: String,
    pub heartbeat_ms: u64,
    pub chunk_delay_ms: u64,
    pub log: bool,
    /// `--fastgpt-version`; `None` = compatibility mode (the `X-Dev-Errors`/`X-Dev-Paths` eras).
    pub version: Option<Version>,
}

pub struct App {
    pub cfg: Config,
    store: Mutex<Store>,
    /// Per-process key for presigned upload signatures.
    pub s3_secret: Vec<u8>,
}

impl App {
    pub fn new(cfg: Config) -> App {
        App {
            cfg,
            store: Mutex::new(Store::default()),
            s3_secret: (0..4)
                .flat_map(|_| util::rand_u64().to_le_bytes())
                .collect(),
        }
    }
    /// Lock the store; a poisoned lock (a panicking handler) is recovered.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How errors are rendered (FastGPT versions reference §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// 4.8–4.8.17 and compatibility `e1`: a known error is HTTP 200; a plain error's HTTP
    /// status is its code; `statusText` of plain errors is `""`.
    E1,
    /// 4.8.18–4.13.1: HTTP = the code passed by the entry (500); `statusText` `""`.
    E1b,
    /// 4.13.2–4.14.10 and compatibility `e2`: always HTTP 500; plain `statusText` `"error"`.
    E2,
    /// 4.14.11+: a body code 400–499 is the status, else the catalogue entry's own
    /// `httpStatus`, else 500.
    E3,
    /// Compatibility `e3` (this server's earlier model): 514 → 401, 507004 → 400,
    /// `Chat item not found` → 404, plain code 400–599 → that.
    E3Compat,
}

impl Style {
    pub fn of_release(r: Version) -> Style {
        if r < v(4, 8, 18) {
            Style::E1
        } else if r < v(4, 13, 2) {
            Style::E1b
        } else if r < v(4, 14, 11) {
            Style::E2
        } else {
            Style::E3
        }
    }
}

// ---------------------------------------------------------------------------------------
// Errors

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrKind {
    /// Known FastGPT error (`statusText` = error key).
    Business,
    /// Thrown string / Error.
    Plain,
    /// Zod validation.
    Validation,
    /// Plain error that compatibility `e3` maps to 404.
    NotFound,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrKind,
    pub code: u32,
    pub status_text: String,
    pub message: String,
    /// The catalogue entry's own HTTP status (4.14.11+), e.g. 404 for `fileNotFound`.
    pub http_status: Option<u16>,
    pub zod: Option<Box<Value>>,
    /// `"errorType":"UserError"` in the body.
    pub user_error: bool,
}

impl ApiError {
    /// A catalogue error whose message key is `common:code_error.error_message.<code>`.
    pub fn business(code: u32, key: &str) -> ApiError {
        ApiError::known(
            code,
            key,
            &format!("common:code_error.error_message.{}", code),
        )
    }
    /// A catalogue error with its own message key.
    pub fn known(code: u32, key: &str, message: &str) -> ApiError {
        ApiError {
            kind: ErrKind::Business,
            code,
            status_text: key.into(),
            message: message.into(),
            http_status: None,
            zod: None,
            user_error: false,
        }
    }
    pub fn plain(code: u32, msg: &str) -> ApiError {
        ApiError {
            kind: ErrKind::Plain,
            code,
            status_text: String::new(),
            message: msg.into(),
            http_status: None,
            zod: None,
            user_error: false,
        }
    }
    pub fn not_found(msg: &str) -> ApiError {
        ApiError {
            kind: ErrKind::NotFound,
            ..ApiError::plain(500, msg)
        }
    }
    /// A zod failure with one issue.
    pub fn validation(issue: Value) -> ApiError {
        ApiError {
            kind: ErrKind::Validation,
            code: 400,
            status_text: String::new(),
            message: "Data validation error".into(),
            http_status: None,
            zod: Some(Box::new(json!([issue]))),
            user_error: false,
        }
    }
    pub fn with_http(mut self, s: u16) -> ApiError {
        self.http_status = Some(s);
        self
    }
    pub fn user(mut self) -> ApiError {
        self.user_error = true;
        self
    }
    /// Drop `zodError` from the body (4.14.5–4.14.6).
    pub fn without_zod(mut self) -> ApiError {
        self.zod = None;
        self
    }

    pub fn body(&self, style: Style) -> Value {
        let plain_text = if matches!(style, Style::E1 | Style::E1b) {
            ""
        } else {
            "error"
        };
        let mut b = match (self.kind, style) {
            (ErrKind::Validation, Style::E1) => json!({"code": 500, "statusText": "",
                "message": self.message, "data": null}),
            (ErrKind::Validation, _) => {
                let mut b = json!({"code": 400, "statusText": "error", "message": self.message, "data": null});
                if let Some(z) = &self.zod {
                    b["zodError"] = z.as_ref().clone();
                }
                b
            }
            (ErrKind::Business, _) => json!({"code": self.code, "statusText": self.status_text,
                "message": self.message, "data": null}),
            (ErrKind::Plain, _) | (ErrKind::NotFound, _) => json!({"code": self.code,
                "statusText": plain_text, "message": self.message, "data": null}),
        };
        if self.user_error && style == Style::E3 {
            b["errorType"] = json!("UserError");
        }
        b
    }

    pub fn status(&self, style: Style) -> u16 {
        let as_status = |c: u32| {
            if (400..=599).contains(&c) {
                c as u16
            } else {
                500
            }
        };
        match style {
            Style::E1 => match self.kind {
                ErrKind::Business => 200,
                ErrKind::Plain | ErrKind::NotFound => as_status(self.code),
                ErrKind::Validation => 500,
            },
            Style::E1b => match self.kind {
                ErrKind::Plain | ErrKind::NotFound => as_status(self.code),
                ErrKind::Business | ErrKind::Validation => 500,
            },
            Style::E2 => 500,
            Style::E3 => match self.kind {
                ErrKind::Validation => 400,
                _ if (400..=499).contains(&self.code) => self.code as u16,
                _ => self.http_status.unwrap_or(500),
            },
            Style::E3Compat => match self.kind {
                ErrKind::Validation => 400,
                ErrKind::NotFound => 404,
                ErrKind::Plain => as_status(self.code),
                ErrKind::Business => match self.code {
                    403 => 403,
                    514 => 401,
                    429 => 429,
                    507004 => 400,
                    _ => 500,
                },
            },
        }
    }
}

/// A zod issue as FastGPT's zod 4 reports it.
pub fn issue(code: &str, field: &str, message: &str) -> Value {
    json!({"code": code, "path": [field], "message": message})
}

pub const HTML_404: &str = "<!DOCTYPE html><html><head><meta charSet=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/><title>404: This page could not be found</title></head><body><div id=\"__next\"><div style=\"font-family:system-ui,sans-serif;height:100vh;text-align:center;display:flex;flex-direction:column;align-items:center;justify-content:center\"><div><h1 class=\"next-error-h1\">404</h1><div style=\"display:inline-block\"><h2>This page could not be found.</h2></div></div></div></div></body></html>";

/// Next.js' 404 page (every release: an unknown route is not an envelope).
pub fn html_404() -> Response {
    Response::new(
        404,
        "text/html; charset=utf-8",
        HTML_404.as_bytes().to_vec(),
    )
}

pub fn envelope(data: Value) -> Value {
    json!({"code": 200, "statusText": "", "message": "", "data": data})
}

/// Parse the body as JSON: empty → `{}`, non-object → `{}`, invalid → HTTP 400 `Invalid JSON`
/// (as Next.js' body parser answers).
pub fn parse_json_body(req: &Request) -> Result<Map<String, Value>, Response> {
    if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Ok(Map::new()),
        Err(_) => Err(Response::new(
            400,
            "text/plain; charset=utf-8",
            b"Invalid JSON".to_vec(),
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Context

pub struct Ctx<'a> {
    pub app: &'a App,
    pub req: &'a Request,
    /// The emulated release; `None` = compatibility mode.
    pub release: Option<Version>,
    pub style: Style,
    pub route: Option<&'static Route>,
    pub req_id: Option<String>,
    pub faults: Vec<Fault>,
    /// `http://127.0.0.1:PORT` or `https://…` (for URLs this server hands out).
    pub base: String,
}

impl Ctx<'_> {
    pub fn has(&self, f: &Fault) -> bool {
        self.faults.contains(f)
    }

    /// Release-dependent behaviour: `true` from release `first` on; in compatibility mode
    /// `compat`.
    pub fn since(&self, first: Version, compat: bool) -> bool {
        match self.release {
            Some(r) => r >= first,
            None => compat,
        }
    }

    pub fn extra_headers(&self) -> Vec<(String, String)> {
        match &self.req_id {
            Some(id) => vec![("x-request-id".to_string(), id.clone())],
            None => Vec::new(),
        }
    }

    pub fn respond(&self, w: &mut Conn, mut resp: Response) -> Disposition {
        resp.headers.extend(self.extra_headers());
        let ka = self.req.keep_alive();
        match http::write_response(w, &resp, ka) {
            Ok(()) if ka => Disposition::KeepAlive,
            _ => Disposition::Close,
        }
    }

    pub fn render_error(&self, e: &ApiError) -> Response {
        Response::json(e.status(self.style), &e.body(self.style))
    }

    /// The parameters of this route from where its handler reads them (query values are
    /// strings). `body` is the parsed JSON body (empty for query routes).
    pub fn params(&self, body: &Map<String, Value>) -> Map<String, Value> {
        let query = || {
            let mut m = Map::new();
            for (k, val) in &self.req.query {
                m.entry(k.clone()).or_insert_with(|| json!(val));
            }
            m
        };
        match self.route.map(|r| r.src) {
            Some(Src::Body) => body.clone(),
            Some(Src::BodyElseQuery) if !body.is_empty() => body.clone(),
            _ => query(),
        }
    }

    /// A validation failure, rendered as the release would: before 4.14.4 no route has a
    /// schema (the bad value reaches MongoDB: a plain error, here `<field>: <message>`); 4.14.4 a plain error with
    /// zod's text; 4.14.5–4.14.6 the mapped body without `zodError`; then with it.
    pub fn invalid(&self, field: &str, code: &str, message: &str) -> ApiError {
        let is = issue(code, field, message);
        match self.release {
            Some(r) if r < v(4, 14, 4) => ApiError::plain(500, &format!("{}: {}", field, message)),
            Some(r) if r < v(4, 14, 5) => ApiError::plain(
                500,
                &serde_json::to_string_pretty(&json!([is])).unwrap_or_default(),
            ),
            Some(r) if r < v(4, 14, 7) => ApiError::validation(is).without_zod(),
            _ => ApiError::validation(is),
        }
    }

    /// `Authorization: Bearer <key>`, parsed as `split(' ')[1]`. Accepts the configured key
    /// or `<key>-<24 hex appId>`; returns that appId if given. Before the route's
    /// `api_key_from` release any key is `unAuthorization` (session-only routes).
    pub fn auth(&self) -> Result<Option<String>, ApiError> {
        let h = self.req.header("authorization").unwrap_or("");
        let key = h.split(' ').nth(1).unwrap_or("");
        if key.is_empty() {
            return Err(self.un_authorization());
        }
        if let (Some(r), Some(route)) = (self.release, self.route) {
            if r < route.api_key_from {
                return Err(self.un_authorization());
            }
        }
        if key == self.app.cfg.api_key {
            return Ok(None);
        }
        if let Some(rest) = key.strip_prefix(self.app.cfg.api_key.as_str()) {
            if let Some(app) = rest.strip_prefix('-') {
                if util::is_object_id(app) {
                    return Ok(Some(app.to_string()));
                }
            }
        }
        let mut e = ApiError::business(514, "unAuthApiKey");
        if !self.since(v(4, 8, 9), true) {
            e.message = "Api Key 不合法".into();
        }
        Err(e)
    }

    fn un_authorization(&self) -> ApiError {
        let mut e = ApiError::business(403, "unAuthorization");
        if !self.since(v(4, 8, 9), true) {
            e.message = "凭证错误".into();
        }
        e
    }
}
