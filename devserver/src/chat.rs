//! The envelope endpoints of chat histories, records, feedback, question guide, app logs
//! and chat file presigns. Each reads its parameters from `Ctx::params` (query or body, as
//! the route table says). Depends on `app`, `state`, `s3`, `util`.

use crate::app::{ApiError, Ctx, Style};
use crate::faults::Fault;
use crate::http::Request;
use crate::release::v;
use crate::routes::Ep;
use crate::state::Item;
use crate::util::{self, obj};
use serde_json::{json, Map, Value};

/// Run the handler of an envelope endpoint; `p` = its parameters.
pub fn dispatch(ctx: &Ctx, ep: Ep, p: &Map<String, Value>) -> Result<Value, ApiError> {
    match ep {
        Ep::GetHistories => get_histories(ctx, p),
        Ep::Init => init(ctx, p),
        Ep::Records => get_records(ctx, p),
        Ep::ResData => get_res_data(ctx, p),
        Ep::UpdateHistory => update_history(ctx, p),
        Ep::DelHistory => del_history(ctx, p),
        Ep::ClearHistories => clear_histories(ctx, p),
        Ep::DelRecord => del_record(ctx, p),
        Ep::Feedback => feedback(ctx, p),
        Ep::QuestionGuide => question_guide(ctx, p),
        Ep::ChartData => chart_data(ctx, p),
        Ep::PresignChatFile => presign_chat_file(ctx, p),
        other => Err(ApiError::plain(
            500,
            &format!("no envelope handler for {:?}", other),
        )),
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
            Err(_) => (
                Value::Null,
                Some(String::from_utf8_lossy(&req.body).into_owned()),
            ),
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

// ---------------------------------------------------------------------------------------
// Parameter helpers

fn empty_list() -> Value {
    json!({"list": [], "total": 0})
}

const HEX_MSG: &str = "Invalid string: must match pattern /^[0-9a-fA-F]{24}$/";
const REQUIRED_MSG: &str = "Invalid input: expected string, received undefined";
const MIN1_MSG: &str = "Too small: expected string to have >=1 characters";

/// Required 24-hex appId.
fn app_id_of(ctx: &Ctx, v: Option<&Value>) -> Result<String, ApiError> {
    match v {
        None | Some(Value::Null) => Err(ctx.invalid("appId", "invalid_type", REQUIRED_MSG)),
        Some(Value::String(s)) if util::is_object_id(s) => Ok(s.clone()),
        Some(_) => Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    }
}

/// A parameter as a string (query values always are).
fn str_of<'a>(p: &'a Map<String, Value>, k: &str) -> Option<&'a str> {
    p.get(k).and_then(|v| v.as_str())
}

fn query_val(ctx: &Ctx, k: &str) -> Option<Value> {
    ctx.req.query_get(k).map(|s| json!(s))
}

/// Required non-empty string.
fn req_str(ctx: &Ctx, v: Option<&Value>, field: &str) -> Result<String, ApiError> {
    match v {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        None | Some(Value::Null) => Err(ctx.invalid(field, "invalid_type", REQUIRED_MSG)),
        Some(Value::String(_)) => Err(ctx.invalid(field, "too_small", MIN1_MSG)),
        Some(_) => Err(ctx.invalid(field, "invalid_type", "Invalid input: expected string")),
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
            _ => Err(ctx.invalid(
                k,
                "invalid_type",
                "Invalid input: expected non-negative integer",
            )),
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
    "test",
    "online",
    "share",
    "api",
    "team",
    "feishu",
    "cronJob",
    "official_account",
    "wecom",
    "mcp",
    "wechat",
];

// ---------------------------------------------------------------------------------------
// Endpoints

fn get_histories(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = match body.get("appId") {
        None | Some(Value::Null) => return Ok(empty_list()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) if ctx.style == Style::E1 => return Ok(empty_list()),
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let (offset, size) = pagination(ctx, body)?;
    let source = match body.get("source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if ctx.style != Style::E1 && !SOURCES.contains(&s.as_str()) {
                return Err(ctx.invalid("source", "invalid_value", "Invalid option"));
            }
            Some(s.clone())
        }
        Some(_) if ctx.style == Style::E1 => Some(String::from("\u{0}")),
        Some(_) => {
            return Err(ctx.invalid("source", "invalid_type", "Invalid input: expected string"))
        }
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

fn init(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    // 4.14.5 gave init a zod schema (appId 24-hex, chatId required); before, no appId was
    // HTTP 501 "You don't have an app yet".
    let zod = ctx.since(v(4, 14, 5), ctx.style == Style::E3Compat);
    let app_id = match str_of(p, "appId") {
        None | Some("") if zod => return Err(ctx.invalid("appId", "invalid_type", REQUIRED_MSG)),
        None | Some("") => return Err(ApiError::plain(501, "You don't have an app yet")),
        Some(a) if util::is_object_id(a) => a.to_string(),
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let chat_id = str_of(p, "chatId").unwrap_or("").to_string();
    if zod && ctx.release.is_some() && chat_id.is_empty() {
        return Err(ctx.invalid("chatId", "too_small", MIN1_MSG));
    }
    let store = ctx.app.lock();
    let chat = store.live_chat(&app_id, &chat_id);
    let mut data = obj(vec![("chatId", json!(chat_id)), ("appId", json!(app_id))]);
    if let Some(c) = chat {
        let title = if c.custom_title.is_empty() {
            &c.title
        } else {
            &c.custom_title
        };
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
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let chat_id = match body.get("chatId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => return Ok(empty_list()),
        Some(_) if ctx.style == Style::E1 => return Ok(empty_list()),
        Some(_) => {
            return Err(ctx.invalid("chatId", "invalid_type", "Invalid input: expected string"))
        }
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

fn get_res_data(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let q = |k| str_of(p, k).filter(|s| !s.is_empty());
    let (app_id, chat_id, data_id) = match (q("appId"), q("chatId"), q("dataId")) {
        (Some(a), Some(c), Some(d)) => (a, c, d),
        _ => return Ok(json!([])),
    };
    if !util::is_object_id(app_id) {
        return Err(ctx.invalid("appId", "invalid_format", HEX_MSG));
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
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    let opt_string = |k: &str| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ctx.invalid(k, "invalid_type", "Invalid input: expected string")),
        }
    };
    let custom_title = opt_string("customTitle")?;
    let title = opt_string("title")?;
    let top = match body.get("top") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(ctx.invalid("top", "invalid_type", "Invalid input: expected boolean"))
        }
    };
    let mut store = ctx.app.lock();
    let now = store.tick();
    if let Some(c) = store
        .chat_mut(&app_id, &chat_id)
        .filter(|c| c.delete_time.is_none())
    {
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

fn del_history(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let chat_id = req_str(ctx, p.get("chatId"), "chatId")?;
    ctx.app.lock().delete_chat(&app_id, &chat_id);
    Ok(Value::Null)
}

fn clear_histories(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
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

fn del_record(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let q = |k| str_of(p, k).filter(|s| !s.is_empty());
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
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    let data_id = match body.get("dataId") {
        None | Some(Value::Null) if ctx.style == Style::E1 => {
            return Err(ApiError::plain(500, "dataId is required"))
        }
        v => req_str(ctx, v, "dataId")?,
    };
    let fb = |k: &str| -> Result<Option<Value>, ApiError> {
        match body.get(k) {
            None => Ok(None),
            Some(v @ Value::String(_)) | Some(v @ Value::Null) => Ok(Some(v.clone())),
            Some(_) => Err(ctx.invalid(k, "invalid_type", "Invalid input: expected string")),
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
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    match body.get("questionGuide") {
        None | Some(Value::Object(_)) => {}
        Some(_) => {
            return Err(ctx.invalid(
                "questionGuide",
                "invalid_type",
                "Invalid input: expected object",
            ))
        }
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
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.pointer("/text/content").and_then(|c| c.as_str()))
                        .collect()
                })
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

fn chart_data(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    app_id_of(ctx, body.get("appId"))?;
    req_str(ctx, body.get("dateStart"), "dateStart")?;
    req_str(ctx, body.get("dateEnd"), "dateEnd")?;
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

fn presign_chat_file(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let mut opts = crate::s3::presign_opts(ctx.req).map_err(|m| ApiError::plain(400, &m))?;
    opts.storage_error = ctx.has(&Fault::StorageError);
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    let filename = req_str(ctx, body.get("filename"), "filename")?;
    Ok(crate::s3::presign(
        &ctx.app.s3_secret,
        &ctx.base,
        &app_id,
        &chat_id,
        &filename,
        &opts,
    ))
}
