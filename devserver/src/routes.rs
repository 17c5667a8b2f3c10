//! Request dispatch, error styles, auth and the envelope endpoints.

use crate::faults::{self, Disposition, Fault, GenericOutcome};
use crate::http::{self, Request, Response};
use crate::state::{Item, Store};
use crate::stream;
use crate::util::{self, obj};
use serde_json::{json, Map, Value};
use std::net::TcpStream;
use std::sync::{Mutex, MutexGuard};

pub struct Config {
    pub api_key: String,
    pub heartbeat_ms: u64,
    pub chunk_delay_ms: u64,
    pub log: bool,
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
            s3_secret: (0..4).flat_map(|_| util::rand_u64().to_le_bytes()).collect(),
        }
    }
    /// Lock the store; a poisoned lock (a panicking handler) is recovered.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    E1,
    E2,
    E3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paths {
    Current,
    Legacy,
    Both,
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
    /// Plain error that E3 maps to 404.
    NotFound,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub kind: ErrKind,
    pub code: u32,
    pub status_text: String,
    pub message: String,
    pub zod: Option<Box<Value>>,
}

impl ApiError {
    pub fn business(code: u32, key: &str) -> ApiError {
        ApiError {
            kind: ErrKind::Business,
            code,
            status_text: key.into(),
            message: format!("common:code_error.error_message.{}", code),
            zod: None,
        }
    }
    pub fn plain(code: u32, msg: &str) -> ApiError {
        ApiError {
            kind: ErrKind::Plain,
            code,
            status_text: String::new(),
            message: msg.into(),
            zod: None,
        }
    }
    pub fn not_found(msg: &str) -> ApiError {
        ApiError {
            kind: ErrKind::NotFound,
            ..ApiError::plain(500, msg)
        }
    }
    pub fn validation(field: &str, msg: &str) -> ApiError {
        ApiError {
            kind: ErrKind::Validation,
            code: 400,
            status_text: String::new(),
            message: "Data validation error".into(),
            zod: Some(Box::new(json!([{"code": "custom", "path": [field], "message": msg}]))),
        }
    }

    pub fn body(&self, style: Style) -> Value {
        let plain_text = if style == Style::E1 { "" } else { "error" };
        match (self.kind, style) {
            (ErrKind::Validation, Style::E1) => json!({"code": 500, "statusText": "",
                "message": self.message, "data": null}),
            (ErrKind::Validation, _) => json!({"code": 400, "statusText": plain_text,
                "message": self.message, "data": null, "zodError": self.zod.as_deref().cloned().unwrap_or(json!([]))}),
            (ErrKind::Business, _) => json!({"code": self.code, "statusText": self.status_text,
                "message": self.message, "data": null}),
            (ErrKind::Plain, _) | (ErrKind::NotFound, _) => json!({"code": self.code,
                "statusText": plain_text, "message": self.message, "data": null}),
        }
    }

    pub fn status(&self, style: Style) -> u16 {
        let as_status = |c: u32| if (400..=599).contains(&c) { c as u16 } else { 500 };
        match style {
            Style::E1 => match self.kind {
                ErrKind::Business => 200,
                ErrKind::Plain | ErrKind::NotFound => as_status(self.code),
                ErrKind::Validation => 500,
            },
            Style::E2 => 500,
            Style::E3 => match self.kind {
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

pub const HTML_404: &str = "<!DOCTYPE html><html><head><meta charSet=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/><title>404: This page could not be found</title></head><body><div id=\"__next\"><div style=\"font-family:system-ui,sans-serif;height:100vh;text-align:center;display:flex;flex-direction:column;align-items:center;justify-content:center\"><div><h1 class=\"next-error-h1\">404</h1><div style=\"display:inline-block\"><h2>This page could not be found.</h2></div></div></div></div></body></html>";

pub fn html_404() -> Response {
    Response::new(404, "text/html; charset=utf-8", HTML_404.as_bytes().to_vec())
}

// ---------------------------------------------------------------------------------------
// Context

pub struct Ctx<'a> {
    pub app: &'a App,
    pub req: &'a Request,
    pub style: Style,
    pub req_id: Option<String>,
    pub faults: Vec<Fault>,
}

impl Ctx<'_> {
    pub fn has(&self, f: &Fault) -> bool {
        self.faults.contains(f)
    }

    pub fn extra_headers(&self) -> Vec<(String, String)> {
        match &self.req_id {
            Some(id) => vec![("x-request-id".to_string(), id.clone())],
            None => Vec::new(),
        }
    }

    pub fn respond(&self, w: &mut TcpStream, mut resp: Response) -> Disposition {
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

    /// `Authorization: Bearer <key>`, parsed as `split(' ')[1]`. Accepts the configured key
    /// or `<key>-<24 hex appId>`; returns that appId if given.
    pub fn auth(&self) -> Result<Option<String>, ApiError> {
        let h = self.req.header("authorization").unwrap_or("");
        let key = h.split(' ').nth(1).unwrap_or("");
        if key.is_empty() {
            return Err(ApiError::business(403, "unAuthorization"));
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
        Err(ApiError::business(514, "unAuthApiKey"))
    }
}

// ---------------------------------------------------------------------------------------
// Routing

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ep {
    GetHistories,
    Init,
    Records,
    ResData,
    UpdateHistory,
    DelHistory,
    ClearHistories,
    DelRecord,
    Feedback,
    QuestionGuide,
    ChartData,
    Echo,
    CompletionsV1,
    CompletionsV2,
    PresignChatFile,
}

const CURRENT: &[(&str, Ep)] = &[
    ("/api/core/chat/history/getHistories", Ep::GetHistories),
    ("/api/core/chat/record/getPaginationRecords", Ep::Records),
    ("/api/core/chat/record/getResData", Ep::ResData),
    ("/api/core/chat/history/updateHistory", Ep::UpdateHistory),
    ("/api/core/chat/history/delHistory", Ep::DelHistory),
    ("/api/core/chat/history/clearHistories", Ep::ClearHistories),
    ("/api/core/chat/record/delete", Ep::DelRecord),
    ("/api/core/chat/file/presignChatFilePostUrl", Ep::PresignChatFile),
];

const LEGACY: &[(&str, Ep)] = &[
    ("/api/core/chat/getHistories", Ep::GetHistories),
    ("/api/core/chat/getPaginationRecords", Ep::Records),
    ("/api/core/chat/getResData", Ep::ResData),
    ("/api/core/chat/updateHistory", Ep::UpdateHistory),
    ("/api/core/chat/delHistory", Ep::DelHistory),
    ("/api/core/chat/clearHistories", Ep::ClearHistories),
    ("/api/core/chat/item/delete", Ep::DelRecord),
    ("/api/core/chat/presignChatFilePostUrl", Ep::PresignChatFile),
];

const SHARED: &[(&str, Ep)] = &[
    ("/api/core/chat/init", Ep::Init),
    ("/api/core/chat/feedback/updateUserFeedback", Ep::Feedback),
    ("/api/core/ai/agent/v2/createQuestionGuide", Ep::QuestionGuide),
    ("/api/proApi/core/app/logs/getChartData", Ep::ChartData),
    ("/api/__dev/echo", Ep::Echo),
    ("/api/v1/chat/completions", Ep::CompletionsV1),
    ("/api/v2/chat/completions", Ep::CompletionsV2),
];

pub fn resolve(path: &str, paths: Paths) -> Option<Ep> {
    let find = |t: &[(&str, Ep)]| t.iter().find(|(p, _)| *p == path).map(|(_, e)| *e);
    find(SHARED)
        .or_else(|| if paths != Paths::Legacy { find(CURRENT) } else { None })
        .or_else(|| if paths != Paths::Current { find(LEGACY) } else { None })
}

pub fn envelope(data: Value) -> Value {
    json!({"code": 200, "statusText": "", "message": "", "data": data})
}

fn dev_json(status: u16, v: Value) -> Response {
    Response::json(status, &v)
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
        Err(_) => Err(Response::new(400, "text/plain; charset=utf-8", b"Invalid JSON".to_vec())),
    }
}

pub fn echo_data(req: &Request) -> Value {
    let mut query = Map::new();
    for (k, v) in &req.query {
        match query.get_mut(k) {
            Some(Value::Array(a)) => a.push(json!(v)),
            Some(prev) => {
                let p = prev.take();
                *prev = json!([p, v]);
            }
            None => {
                query.insert(k.clone(), json!(v));
            }
        }
    }
    let mut headers = Map::new();
    for (k, v) in &req.headers {
        match headers.get_mut(k) {
            Some(Value::String(s)) => {
                s.push_str(", ");
                s.push_str(v);
            }
            _ => {
                headers.insert(k.clone(), json!(v));
            }
        }
    }
    let (body, raw) = if req.body.is_empty() {
        (Value::Null, None)
    } else {
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) => (v, None),
            Err(_) => (Value::Null, Some(String::from_utf8_lossy(&req.body).into_owned())),
        }
    };
    let mut d = obj(vec![
        ("method", json!(req.method)),
        ("path", json!(req.path)),
        ("query", Value::Object(query)),
        ("rawQuery", json!(req.raw_query)),
        ("body", body),
        ("headers", Value::Object(headers)),
    ]);
    if let Some(r) = raw {
        d["bodyRaw"] = json!(r);
    }
    d
}

pub fn handle(app: &App, req: &Request, w: &mut TcpStream) -> Disposition {
    if app.cfg.log {
        eprintln!("[devserver] {} {}", req.method, req.target);
    }
    let ka = req.keep_alive();
    let send = |w: &mut TcpStream, r: Response| match http::write_response(w, &r, ka) {
        Ok(()) if ka => Disposition::KeepAlive,
        _ => Disposition::Close,
    };

    // Object storage for chat file uploads: never faulted by headers, no FastGPT auth.
    if req.path.starts_with("/__s3/") {
        return crate::s3::handle(app, req, w);
    }

    // Dev control endpoints: never faulted, no auth.
    if let Some(rest) = req.path.strip_prefix("/__dev/") {
        return match rest {
            "count" => {
                let key = req.query_get("key").unwrap_or("");
                let n = app.lock().fault_counts.get(key).copied().unwrap_or(0);
                send(w, dev_json(200, json!({"count": n})))
            }
            "reset" => {
                app.lock().reset();
                send(w, dev_json(200, json!({"ok": true})))
            }
            "health" => send(w, dev_json(200, json!({"ok": true}))),
            "uploads" => send(w, dev_json(200, crate::s3::list(app))),
            _ => send(w, html_404()),
        };
    }

    let style = match req.header("x-dev-errors").map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("e1") => Style::E1,
        Some("e3") => Style::E3,
        _ => Style::E2,
    };
    let paths = match req.header("x-dev-paths").map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("current") => Paths::Current,
        Some("legacy") => Paths::Legacy,
        _ => Paths::Both,
    };
    let mut ctx = Ctx {
        app,
        req,
        style,
        req_id: (style == Style::E3).then(util::uuid_like),
        faults: Vec::new(),
    };

    // Fault selection and per-key counting.
    let count = req
        .header("x-dev-fault-key")
        .map(|k| app.lock().count_fault_key(k));
    if let Some(spec) = req.header("x-dev-fault") {
        let parsed = match faults::parse(spec) {
            Ok(f) => f,
            Err(msg) => {
                return ctx.respond(
                    w,
                    Response::new(400, "text/plain; charset=utf-8", format!("X-Dev-Fault: {}", msg).into_bytes()),
                )
            }
        };
        let active = match req.header("x-dev-fault-times") {
            None => true,
            Some(t) => match t.trim().parse::<u64>() {
                Ok(times) => count.unwrap_or(1) <= times,
                Err(_) => {
                    return ctx.respond(
                        w,
                        Response::new(400, "text/plain; charset=utf-8", b"bad X-Dev-Fault-Times".to_vec()),
                    )
                }
            },
        };
        if active {
            ctx.faults = parsed;
        }
    }
    if let Some(g) = ctx.faults.iter().find(|f| f.is_generic()).cloned() {
        return match faults::apply_generic(&g, w) {
            GenericOutcome::Respond(r) => ctx.respond(w, r),
            GenericOutcome::Done(d) => d,
        };
    }

    let ep = match resolve(&req.path, paths) {
        Some(ep) => ep,
        None => return ctx.respond(w, html_404()),
    };
    if ep == Ep::Echo || req.header("x-dev-echo") == Some("1") {
        return ctx.respond(w, Response::json(200, &envelope(echo_data(req))));
    }
    match ep {
        Ep::CompletionsV1 => return stream::completions(&ctx, 1, w),
        Ep::CompletionsV2 => return stream::completions(&ctx, 2, w),
        _ => {}
    }

    // Envelope endpoints.
    let body_reading = matches!(
        ep,
        Ep::GetHistories
            | Ep::Records
            | Ep::UpdateHistory
            | Ep::Feedback
            | Ep::QuestionGuide
            | Ep::ChartData
            | Ep::PresignChatFile
    );
    let presign_opts = if ep == Ep::PresignChatFile {
        match crate::s3::presign_opts(req) {
            Ok(mut o) => {
                o.storage_error = ctx.has(&Fault::StorageError);
                Some(o)
            }
            Err(msg) => {
                return ctx.respond(w, Response::new(400, "text/plain; charset=utf-8", msg.into_bytes()));
            }
        }
    } else {
        None
    };
    let body = if body_reading {
        match parse_json_body(req) {
            Ok(b) => b,
            Err(r) => return ctx.respond(w, r),
        }
    } else {
        Map::new()
    };
    if let Err(e) = ctx.auth() {
        let r = ctx.render_error(&e);
        return ctx.respond(w, r);
    }
    let result = match ep {
        Ep::GetHistories => get_histories(&ctx, &body),
        Ep::Init => init(&ctx),
        Ep::Records => get_records(&ctx, &body),
        Ep::ResData => get_res_data(&ctx),
        Ep::UpdateHistory => update_history(&ctx, &body),
        Ep::DelHistory => del_history(&ctx),
        Ep::ClearHistories => clear_histories(&ctx),
        Ep::DelRecord => del_record(&ctx),
        Ep::Feedback => feedback(&ctx, &body),
        Ep::QuestionGuide => question_guide(&ctx, &body),
        Ep::ChartData => chart_data(&ctx, &body),
        Ep::PresignChatFile => {
            let base = w.local_addr().map(|a| format!("http://{}", a)).unwrap_or_default();
            presign_chat_file(&ctx, &body, &base, presign_opts.as_ref().expect("set above"))
        }
        Ep::Echo | Ep::CompletionsV1 | Ep::CompletionsV2 => unreachable!("handled above"),
    };
    let resp = match result {
        Ok(data) => Response::json(200, &envelope(data)),
        Err(e) => ctx.render_error(&e),
    };
    ctx.respond(w, resp)
}

// ---------------------------------------------------------------------------------------
// Parameter helpers

fn empty_list() -> Value {
    json!({"list": [], "total": 0})
}

/// Required 24-hex appId.
fn app_id_of(v: Option<&Value>) -> Result<String, ApiError> {
    match v {
        None | Some(Value::Null) => Err(ApiError::validation("appId", "Required")),
        Some(Value::String(s)) if util::is_object_id(s) => Ok(s.clone()),
        Some(_) => Err(ApiError::validation("appId", "Invalid ObjectId")),
    }
}

fn query_val(ctx: &Ctx, k: &str) -> Option<Value> {
    ctx.req.query_get(k).map(|s| json!(s))
}

/// Required non-empty string.
fn req_str(v: Option<&Value>, field: &str) -> Result<String, ApiError> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => Err(ApiError::validation(field, "Required")),
        Some(Value::String(_)) => Err(ApiError::validation(field, "String must contain at least 1 character(s)")),
        Some(_) => Err(ApiError::validation(field, "Expected string")),
    }
}

fn as_num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => {
            let t = s.trim();
            if t.is_empty() {
                Some(0.0)
            } else {
                t.parse::<f64>().ok()
            }
        }
        Value::Null => Some(0.0),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

/// wire §2.4: the group comes from the body if it has `pageSize`, else from the query if it
/// has `pageSize`, else defaults (offset 0, pageSize 10).
fn pagination(ctx: &Ctx, body: &Map<String, Value>) -> Result<(usize, usize), ApiError> {
    type Getter<'a> = Box<dyn Fn(&str) -> Option<Value> + 'a>;
    let get: Getter = if body.contains_key("pageSize") {
        Box::new(|k: &str| body.get(k).cloned())
    } else if ctx.req.query_get("pageSize").is_some() {
        Box::new(|k: &str| query_val(ctx, k))
    } else {
        return Ok((0, 10));
    };
    let int = |k: &str, v: &Value| -> Result<f64, ApiError> {
        match as_num(v) {
            Some(n) if n.is_finite() && n.fract() == 0.0 && n >= 0.0 => Ok(n),
            _ => Err(ApiError::validation(k, "Expected non-negative integer")),
        }
    };
    let size = int("pageSize", &get("pageSize").unwrap_or(Value::Null))?;
    if size == 0.0 {
        return Err(ApiError::business(507004, "missingParams"));
    }
    let offset_v = get("offset");
    let offset = if util::truthy(offset_v.as_ref()) {
        int("offset", offset_v.as_ref().expect("truthy"))?
    } else {
        let page = match get("pageNum") {
            None | Some(Value::Null) => 1.0,
            Some(v) => int("pageNum", &v)?.max(1.0),
        };
        (page - 1.0) * size
    };
    Ok((offset as usize, size as usize))
}

const SOURCES: &[&str] = &[
    "test", "online", "share", "api", "team", "feishu", "cronJob", "official_account", "wecom", "mcp", "wechat",
];

// ---------------------------------------------------------------------------------------
// Endpoints

fn get_histories(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = match body.get("appId") {
        None | Some(Value::Null) => return Ok(empty_list()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) if ctx.style == Style::E1 => return Ok(empty_list()),
        Some(_) => return Err(ApiError::validation("appId", "Invalid ObjectId")),
    };
    let (offset, size) = pagination(ctx, body)?;
    let source = match body.get("source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if ctx.style != Style::E1 && !SOURCES.contains(&s.as_str()) {
                return Err(ApiError::validation("source", "Invalid enum value"));
            }
            Some(s.clone())
        }
        Some(_) if ctx.style == Style::E1 => Some(String::from("\u{0}")),
        Some(_) => return Err(ApiError::validation("source", "Expected string")),
    };
    let store = ctx.app.lock();
    let mut chats: Vec<_> = store
        .chats
        .iter()
        .filter(|c| c.app_id == app_id && c.delete_time.is_none())
        .filter(|c| source.as_ref().map(|s| *s == c.source).unwrap_or(true))
        .collect();
    chats.sort_by(|a, b| b.top.cmp(&a.top).then(b.update_time.cmp(&a.update_time)));
    let total = chats.len();
    let list: Vec<Value> = chats
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|c| {
            json!({"chatId": c.chat_id, "updateTime": util::iso_ms(c.update_time), "appId": c.app_id,
                   "customTitle": c.custom_title, "title": c.title, "top": c.top})
        })
        .collect();
    Ok(json!({"list": list, "total": total}))
}

fn init(ctx: &Ctx) -> Result<Value, ApiError> {
    let app_id = match ctx.req.query_get("appId") {
        None | Some("") if ctx.style == Style::E3 => return Err(ApiError::validation("appId", "Required")),
        None | Some("") => return Err(ApiError::plain(501, "You don't have an app yet")),
        Some(a) if util::is_object_id(a) => a.to_string(),
        Some(_) => return Err(ApiError::validation("appId", "Invalid ObjectId")),
    };
    let chat_id = ctx.req.query_get("chatId").unwrap_or("").to_string();
    let store = ctx.app.lock();
    let chat = store.live_chat(&app_id, &chat_id);
    let mut data = obj(vec![("chatId", json!(chat_id)), ("appId", json!(app_id))]);
    if let Some(c) = chat {
        let title = if c.custom_title.is_empty() { &c.title } else { &c.custom_title };
        data["title"] = json!(title);
    }
    data["variables"] = Value::Object(chat.map(|c| c.variables.clone()).unwrap_or_default());
    data["app"] = json!({
        "chatConfig": {
            "questionGuide": true,
            "ttsConfig": {"type": "web"},
            "whisperConfig": {"open": false, "autoSend": false, "autoTTSResponse": false},
            "chatInputGuide": {"open": false, "textList": [], "customUrl": ""},
            "instruction": "",
            "variables": [],
            "fileSelectConfig": {"canSelectFile": true, "canSelectImg": true, "maxFiles": 10},
            "welcomeText": ""
        },
        "chatModels": ["dev-model"],
        "name": "Dev App",
        "avatar": "",
        "intro": "",
        "type": "advanced",
        "pluginInputs": []
    });
    Ok(data)
}

fn item_json(i: &Item, custom_feedbacks: bool) -> Value {
    let mut v = obj(vec![
        ("_id", json!(i.oid)),
        ("dataId", json!(i.data_id)),
        ("obj", json!(i.obj)),
        ("value", i.value.clone()),
        ("time", json!(util::iso_ms(i.time))),
    ]);
    if let Some(g) = &i.good {
        v["userGoodFeedback"] = g.clone();
    }
    if let Some(b) = &i.bad {
        v["userBadFeedback"] = b.clone();
    }
    if custom_feedbacks {
        v["customFeedbacks"] = json!([]);
    }
    if i.obj == "AI" {
        let nodes = i.response_data.as_array().cloned().unwrap_or_default();
        let total_running: f64 = nodes
            .iter()
            .filter_map(|n| n.get("runningTime").and_then(|r| r.as_f64()))
            .sum();
        let llm = nodes
            .iter()
            .filter(|n| n.get("moduleType").and_then(|t| t.as_str()) == Some("chatNode"))
            .count();
        v["durationSeconds"] = json!(i.duration_seconds);
        v["llmModuleAccount"] = json!(llm);
        v["totalQuoteList"] = json!([]);
        v["totalRunningTime"] = json!((total_running * 100.0).round() / 100.0);
        v["historyPreviewLength"] = json!(if llm > 0 { 2 } else { 0 });
    }
    v
}

fn get_records(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = match body.get("appId") {
        None | Some(Value::Null) => return Ok(empty_list()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) if ctx.style == Style::E1 => return Ok(empty_list()),
        Some(_) => return Err(ApiError::validation("appId", "Invalid ObjectId")),
    };
    let chat_id = match body.get("chatId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => return Ok(empty_list()),
        Some(_) if ctx.style == Style::E1 => return Ok(empty_list()),
        Some(_) => return Err(ApiError::validation("chatId", "Expected string")),
    };
    let (offset, size) = pagination(ctx, body)?;
    let custom = body.get("loadCustomFeedbacks") == Some(&Value::Bool(true));
    let store = ctx.app.lock();
    let items = store.live_items(&app_id, &chat_id);
    let total = items.len();
    let mut page: Vec<Value> = items
        .iter()
        .rev()
        .skip(offset)
        .take(size)
        .map(|i| item_json(i, custom))
        .collect();
    page.reverse();
    Ok(json!({"list": page, "total": total}))
}

fn get_res_data(ctx: &Ctx) -> Result<Value, ApiError> {
    let q = |k| ctx.req.query_get(k).filter(|s| !s.is_empty());
    let (app_id, chat_id, data_id) = match (q("appId"), q("chatId"), q("dataId")) {
        (Some(a), Some(c), Some(d)) => (a, c, d),
        _ => return Ok(json!([])),
    };
    if !util::is_object_id(app_id) {
        return Err(ApiError::validation("appId", "Invalid ObjectId"));
    }
    let store = ctx.app.lock();
    let found = store
        .live_items(app_id, chat_id)
        .into_iter()
        .find(|i| i.data_id == data_id && i.obj == "AI")
        .map(|i| i.response_data.clone());
    Ok(match found {
        Some(Value::Array(a)) => Value::Array(a),
        _ => json!([]),
    })
}

fn update_history(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(body.get("appId"))?;
    let chat_id = req_str(body.get("chatId"), "chatId")?;
    let opt_string = |k: &str| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::validation(k, "Expected string")),
        }
    };
    let custom_title = opt_string("customTitle")?;
    let title = opt_string("title")?;
    let top = match body.get("top") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ApiError::validation("top", "Expected boolean")),
    };
    let mut store = ctx.app.lock();
    let now = store.tick();
    if let Some(c) = store.chat_mut(&app_id, &chat_id).filter(|c| c.delete_time.is_none()) {
        c.update_time = now;
        if let Some(t) = custom_title {
            c.custom_title = t;
        }
        if let Some(t) = title {
            c.title = t;
        }
        if let Some(t) = top {
            c.top = t;
        }
    }
    Ok(Value::Null)
}

fn del_history(ctx: &Ctx) -> Result<Value, ApiError> {
    let app_id = app_id_of(query_val(ctx, "appId").as_ref())?;
    let chat_id = req_str(query_val(ctx, "chatId").as_ref(), "chatId")?;
    ctx.app.lock().delete_chat(&app_id, &chat_id);
    Ok(Value::Null)
}

fn clear_histories(ctx: &Ctx) -> Result<Value, ApiError> {
    let app_id = app_id_of(query_val(ctx, "appId").as_ref())?;
    let mut store = ctx.app.lock();
    let ids: Vec<String> = store
        .chats
        .iter()
        .filter(|c| c.app_id == app_id && c.source == "api" && c.delete_time.is_none())
        .map(|c| c.chat_id.clone())
        .collect();
    for id in ids {
        store.delete_chat(&app_id, &id);
    }
    Ok(Value::Null)
}

fn del_record(ctx: &Ctx) -> Result<Value, ApiError> {
    let app_id = app_id_of(query_val(ctx, "appId").as_ref())?;
    let q = |k| ctx.req.query_get(k).filter(|s| !s.is_empty());
    let (chat_id, content_id) = match (q("chatId"), q("contentId")) {
        (Some(c), Some(d)) => (c, d),
        _ => return Ok(Value::Null),
    };
    let mut store = ctx.app.lock();
    let now = store.tick();
    if let Some(i) = store.live_item_mut(&app_id, chat_id, content_id) {
        i.delete_time = Some(now);
    }
    Ok(Value::Null)
}

fn feedback(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(body.get("appId"))?;
    let chat_id = req_str(body.get("chatId"), "chatId")?;
    let data_id = match body.get("dataId") {
        None | Some(Value::Null) if ctx.style == Style::E1 => {
            return Err(ApiError::plain(500, "dataId is required"))
        }
        v => req_str(v, "dataId")?,
    };
    let fb = |k: &str| -> Result<Option<Value>, ApiError> {
        match body.get(k) {
            None => Ok(None),
            Some(v @ Value::String(_)) | Some(v @ Value::Null) => Ok(Some(v.clone())),
            Some(_) => Err(ApiError::validation(k, "Expected string")),
        }
    };
    let good = fb("userGoodFeedback")?;
    let bad = fb("userBadFeedback")?;
    let mut store = ctx.app.lock();
    match store.live_item_mut(&app_id, &chat_id, &data_id) {
        Some(i) => {
            i.good = good;
            i.bad = bad;
            Ok(Value::Null)
        }
        None => Err(ApiError::not_found("Chat item not found")),
    }
}

fn question_guide(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(body.get("appId"))?;
    let chat_id = req_str(body.get("chatId"), "chatId")?;
    match body.get("questionGuide") {
        None | Some(Value::Object(_)) => {}
        Some(_) => return Err(ApiError::validation("questionGuide", "Expected object")),
    }
    let store = ctx.app.lock();
    let topic = store
        .live_items(&app_id, &chat_id)
        .into_iter()
        .rev()
        .find(|i| i.obj == "Human")
        .map(|i| {
            let text: Vec<&str> = i
                .value
                .as_array()
                .map(|a| a.iter().filter_map(|v| v.pointer("/text/content").and_then(|c| c.as_str())).collect())
                .unwrap_or_default();
            util::truncate_chars(&text.join(" "), 20)
        })
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "this topic".to_string());
    let qs = vec![
        format!("Tell me more about {}?", topic),
        format!("Why does {} matter?", topic),
        format!("What else is related to {}?", topic),
    ];
    if ctx.has(&Fault::GuideObject) {
        return Ok(json!({"questions": qs}));
    }
    Ok(json!(qs))
}

fn chart_data(_ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    app_id_of(body.get("appId"))?;
    req_str(body.get("dateStart"), "dateStart")?;
    req_str(body.get("dateEnd"), "dateEnd")?;
    let base: u64 = 1_735_689_600_000; // 2025-01-01T00:00:00Z
    let day = 86_400_000u64;
    let pts = |f: &dyn Fn(u64) -> Value| -> Value { Value::Array((0..3).map(f).collect()) };
    Ok(json!({
        "userData": pts(&|i| json!({"timestamp": base + i * day, "userCount": i + 1,
            "newUserCount": i, "retentionUserCount": 1, "points": (i + 1) as f64 * 0.5,
            "sourceCountMap": {"api": i + 1}})),
        "chatData": pts(&|i| json!({"timestamp": base + i * day, "chatItemCount": 2 * (i + 1),
            "chatCount": i + 1, "errorCount": 0, "pointsPerChat": 0.5})),
        "appData": pts(&|i| json!({"timestamp": base + i * day, "goodFeedBackCount": i,
            "badFeedBackCount": 0, "chatCount": i + 1, "totalResponseTime": 1.5 * (i + 1) as f64})),
        "request": Value::Object(body.clone())
    }))
}

fn presign_chat_file(
    ctx: &Ctx,
    body: &Map<String, Value>,
    base: &str,
    opts: &crate::s3::PresignOpts,
) -> Result<Value, ApiError> {
    let app_id = app_id_of(body.get("appId"))?;
    let chat_id = req_str(body.get("chatId"), "chatId")?;
    let filename = req_str(body.get("filename"), "filename")?;
    Ok(crate::s3::presign(&ctx.app.s3_secret, base, &app_id, &chat_id, &filename, opts))
}
