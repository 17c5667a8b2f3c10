//! The envelope endpoints of chat histories, records, feedback, question guide, app logs
//! and chat file presigns. Each reads its parameters from `Ctx::params` (query or body, as
//! the route table says). Depends on `app`, `state`, `s3`, `util`.

use crate::app::{ApiError, Ctx, Style};
use crate::faults::Fault;
use crate::http::Request;
use crate::release::{beta, v};
use crate::routes::Ep;
use crate::state::{Item, GENERATING};
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
        Ep::PresignGetUrl => presign_get_url(ctx, p),
        Ep::RecordsV2 => records_v2(ctx, p),
        Ep::HistoryStatus => history_status(ctx, p),
        Ep::MarkRead => mark_read(ctx, p),
        Ep::BatchDelete => batch_delete(ctx, p),
        Ep::TotalData => total_data(ctx, p),
        Ep::LogsList => logs_list(ctx, p),
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

fn un_auth_chat() -> ApiError {
    ApiError::known(504000, "unAuthChat", "common:code_error.chat_error.un_auth")
}

fn get_histories(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let r = ctx.release;
    let target_schema = ctx.since(beta(4, 15, 0, 6), false);
    let lenient_app = ctx.style == Style::E1 || (r.is_some() && !target_schema);
    let app_id = match body.get("appId") {
        None | Some(Value::Null) if !ctx.since(v(4, 8, 11), true) => {
            return Err(ApiError::plain(500, "Params are error"))
        }
        None | Some(Value::Null) if target_schema => {
            return Err(ctx.invalid(
                "appId",
                "custom",
                "appId, skillId or share auth must be provided",
            ))
        }
        None | Some(Value::Null) if ctx.since(beta(4, 15, 0, 5), false) => {
            return Err(un_auth_chat())
        }
        None | Some(Value::Null) => return Ok(empty_list()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) if lenient_app => return Ok(empty_list()),
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let status_fields = ctx.since(v(4, 14, 11), false);
    let (offset, size) = pagination(ctx, body)?;
    // 4.8.12 defaulted `source` to `online`: API chats are then not listed.
    let default_online = ctx
        .release
        .map(|r| r.within(v(4, 8, 12), Some(v(4, 8, 13))))
        .unwrap_or(false);
    let source = match body.get("source") {
        None | Some(Value::Null) if default_online => Some("online".to_string()),
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            if ctx.since(v(4, 14, 5), ctx.style != Style::E1) && !SOURCES.contains(&s.as_str()) {
                return Err(ctx.invalid("source", "invalid_value", "Invalid option"));
            }
            Some(s.clone())
        }
        Some(_) if !ctx.since(v(4, 14, 5), ctx.style != Style::E1) => Some(String::from("\u{0}")),
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
            let mut h = json!({"chatId": c.chat_id, "updateTime": util::iso_ms(c.update_time), "appId": c.app_id,
                   "customTitle": c.custom_title, "title": c.title, "top": c.top});
            if status_fields {
                h["chatGenerateStatus"] = json!(c.generate_status);
                h["hasBeenRead"] = json!(c.has_been_read);
            }
            h
        })
        .collect();
    if !ctx.since(v(4, 8, 11), true) {
        return Ok(Value::Array(list));
    }
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
    let status_fields = ctx.since(v(4, 14, 11), false);
    let mut store = ctx.app.lock();
    if status_fields {
        // 4.14.11: opening a finished chat marks it read.
        if let Some(c) = store
            .chat_mut(&app_id, &chat_id)
            .filter(|c| c.delete_time.is_none())
        {
            if c.generate_status != GENERATING {
                c.has_been_read = true;
            }
        }
    }
    let chat = store.live_chat(&app_id, &chat_id);
    let mut data = obj(vec![("chatId", json!(chat_id)), ("appId", json!(app_id))]);
    if let Some(c) = chat {
        let title = if c.custom_title.is_empty() {
            &c.title
        } else {
            &c.custom_title
        };
        data["title"] = json!(title);
    } else if status_fields {
        data["title"] = json!("");
    }
    if let (true, Some(c)) = (status_fields, chat) {
        data["chatGenerateStatus"] = json!(c.generate_status);
        data["hasBeenRead"] = json!(c.has_been_read);
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

pub fn item_json(i: &Item, custom_feedbacks: bool) -> Value {
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
    // The zod body schema arrived in 4.14.11; before, a bad appId matched nothing.
    let lenient = !ctx.since(v(4, 14, 11), ctx.style != Style::E1);
    let app_id = match body.get("appId") {
        None | Some(Value::Null) => return Ok(empty_list()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) if lenient => return Ok(empty_list()),
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let chat_id = match body.get("chatId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        None | Some(Value::Null) | Some(Value::String(_)) => return Ok(empty_list()),
        Some(_) if lenient => return Ok(empty_list()),
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
    // 4.8.9–4.9.10 answered `{}` when there is nothing; `[]` from 4.9.11.
    let empty = if ctx.since(v(4, 9, 11), true) {
        json!([])
    } else {
        json!({})
    };
    let q = |k| str_of(p, k).filter(|s| !s.is_empty());
    let (app_id, chat_id, data_id) = match (q("appId"), q("chatId"), q("dataId")) {
        (Some(a), Some(c), Some(d)) => (a, c, d),
        _ => return Ok(empty),
    };
    if !util::is_object_id(app_id) {
        if !ctx.since(v(4, 14, 11), true) {
            return Ok(empty);
        }
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
        _ => empty,
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
    // What an API-key call clears: 4.8.12–4.8.13 the key owner's `online` chats (none of
    // the API chats); 4.8.14–4.8.15 a plain error; from 4.8.16 the app's `api` chats.
    if let Some(r) = ctx.release {
        if r.within(v(4, 8, 14), Some(v(4, 8, 16))) {
            return Err(ApiError::plain(500, "Param are error"));
        }
        if r.within(v(4, 8, 12), Some(v(4, 8, 14))) {
            app_id_of(ctx, p.get("appId"))?;
            return Ok(Value::Null);
        }
    }
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
    let q = |k| str_of(p, k).filter(|s| !s.is_empty());
    // Missing ids: a silent success until 4.13.x (and in compatibility mode), then
    // "contentId or chatId is empty" (4.14.0 – 4.15.0-beta4); 4.15.0-beta5 accepts
    // `contentIds` (an array, or a comma-separated string in a query) and is a no-op again.
    let strict = ctx
        .release
        .map(|r| r.within(v(4, 14, 0), Some(beta(4, 15, 0, 5))))
        .unwrap_or(false);
    let many = ctx.since(beta(4, 15, 0, 5), false);
    let data = if ctx
        .release
        .map(|r| r.within(v(4, 14, 11), Some(beta(4, 15, 0, 4))))
        .unwrap_or(false)
    {
        json!({})
    } else {
        Value::Null
    };
    let mut ids: Vec<String> = q("contentId")
        .map(|s| vec![s.to_string()])
        .unwrap_or_default();
    if many {
        match p.get("contentIds") {
            Some(Value::Array(a)) => {
                ids.extend(a.iter().filter_map(|x| x.as_str()).map(String::from))
            }
            Some(Value::String(s)) => {
                ids.extend(s.split(',').filter(|x| !x.is_empty()).map(String::from))
            }
            _ => {}
        }
    }
    // Before the zod schema (4.14.11) the handler looked at the ids before anything else.
    let ids_first = ctx.release.map(|r| r < v(4, 14, 11)).unwrap_or(false);
    let missing = q("chatId").is_none() || ids.is_empty();
    if ids_first && missing {
        return if strict {
            Err(ApiError::plain(500, "contentId or chatId is empty"))
        } else {
            Ok(data)
        };
    }
    let app_id = app_id_of(ctx, p.get("appId"))?;
    if strict && missing {
        return Err(ApiError::plain(500, "contentId or chatId is empty"));
    }
    let chat_id = match (q("chatId"), ids.is_empty()) {
        (Some(c), false) => c.to_string(),
        _ => return Ok(data),
    };
    let mut store = ctx.app.lock();
    let now = store.tick();
    for id in ids {
        if let Some(i) = store.live_item_mut(&app_id, &chat_id, &id) {
            i.delete_time = Some(now);
        }
    }
    Ok(data)
}

fn feedback(ctx: &Ctx, body: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    // `chatItemId` until 4.8.11, `dataId` from 4.8.12; a schema from 4.14.4.
    let id_field = if ctx.since(v(4, 8, 12), true) {
        "dataId"
    } else {
        "chatItemId"
    };
    let data_id = match body.get(id_field) {
        None | Some(Value::Null) if !ctx.since(v(4, 14, 4), ctx.style != Style::E1) => {
            return Err(ApiError::plain(500, &format!("{} is required", id_field)))
        }
        v => req_str(ctx, v, id_field)?,
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
        // An unknown item is an error from 4.12.0; before, a silent no-op.
        None if !ctx.since(v(4, 12, 0), true) => Ok(Value::Null),
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
    use crate::s3::Shape;
    let mut opts = crate::s3::presign_opts(ctx.req).map_err(|m| ApiError::plain(400, &m))?;
    opts.storage_error = ctx.has(&Fault::StorageError);
    let app_id = app_id_of(ctx, body.get("appId"))?;
    let chat_id = req_str(ctx, body.get("chatId"), "chatId")?;
    let filename = req_str(ctx, body.get("filename"), "filename")?;
    // The release's shape (versions reference §8.1) unless `X-Dev-Presign` picks one.
    let shape = opts.shape.unwrap_or(match ctx.release {
        None => Shape::Post,
        Some(r) if r < v(4, 14, 5) => Shape::Post,
        Some(r) if r < v(4, 14, 11) => Shape::PutS3,
        Some(_) => Shape::Proxy,
    });
    let mut d = if shape == Shape::Proxy {
        crate::s3::proxy_presign(ctx, &app_id, &chat_id, &filename, &opts)
    } else {
        crate::s3::presign(
            &ctx.app.s3_secret,
            &ctx.base,
            &app_id,
            &chat_id,
            &filename,
            &opts,
            shape,
        )
    };
    presign_faults(ctx, &mut d);
    Ok(d)
}

/// The hostile presign answers: headers a client must not send as given, and upload URLs it
/// must refuse. Header faults need a shape with `headers` (PUT and proxy shapes).
fn presign_faults(ctx: &Ctx, d: &mut Value) {
    for f in &ctx.faults {
        let headers = d.get_mut("headers").and_then(|h| h.as_object_mut());
        match (f, headers) {
            (Fault::PresignContentLength(n), Some(h)) => {
                h.insert("Content-Length".into(), json!(n.to_string()));
            }
            (Fault::PresignForbiddenHeaders, Some(h)) => {
                for (k, val) in [
                    ("Host", "evil.example"),
                    ("Transfer-Encoding", "chunked"),
                    ("Authorization", "Bearer stolen-by-storage"),
                    ("Connection", "close"),
                    ("Cookie", "session=stolen"),
                ] {
                    h.insert(k.into(), json!(val));
                }
            }
            (Fault::PresignHeader(k, val), Some(h)) => {
                h.insert(k.clone(), json!(val));
            }
            _ => {}
        }
        let url_of = |d: &Value| d.get("url").and_then(|u| u.as_str()).map(String::from);
        match f {
            Fault::PresignHttpUrl => {
                if let Some(u) = url_of(d) {
                    d["url"] = json!(u.replacen("https://", "http://", 1));
                }
            }
            Fault::PresignUserinfo => {
                if let Some(u) = url_of(d) {
                    if let Some(i) = u.find("://") {
                        d["url"] = json!(format!(
                            "{}devuser:dev-secret-password@{}",
                            &u[..i + 3],
                            &u[i + 3..]
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Endpoints of 4.14.x – 4.16 (versions reference §5)

/// `record/getRecords_v2`: cursor paging by dataId. No cursor → the newest `pageSize`;
/// `prevId` → older items before it; `nextId` → newer items after it; `initialId` → a
/// window centred on it. Lists are chronological; items carry `id` (= dataId).
pub fn records_page(
    ctx: &Ctx,
    app_id: &str,
    chat_id: &str,
    p: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let size = match p.get("pageSize") {
        None | Some(Value::Null) => 10usize,
        Some(v) => match as_num(v) {
            Some(n) if n.is_finite() && n.fract() == 0.0 && n > 0.0 => n as usize,
            _ => {
                return Err(ctx.invalid(
                    "pageSize",
                    "too_small",
                    "Too small: expected number to be >0",
                ))
            }
        },
    };
    let custom = p.get("loadCustomFeedbacks") == Some(&Value::Bool(true));
    let store = ctx.app.lock();
    let items = store.live_items(app_id, chat_id);
    let total = items.len();
    let find = |k: &str, what: &str| -> Result<Option<usize>, ApiError> {
        match str_of(p, k).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(id) => match items.iter().position(|i| i.data_id == id) {
                Some(ix) => Ok(Some(ix)),
                None => Err(ApiError::plain(500, &format!("{} item not found", what)).user()),
            },
        }
    };
    let (start, end, more_prev, more_next) = if let Some(ix) = find("prevId", "Prev")? {
        let start = ix.saturating_sub(size);
        (start, ix, start > 0, true)
    } else if let Some(ix) = find("nextId", "Next")? {
        let end = (ix + 1 + size).min(total);
        (ix + 1, end, true, end < total)
    } else if let Some(ix) = find("initialId", "Target")? {
        let half = size / 2;
        let start = ix.saturating_sub(half);
        let end = (start + size).min(total);
        let start = end.saturating_sub(size);
        (start, end, start > 0, end < total)
    } else {
        let start = total.saturating_sub(size);
        (start, total, start > 0, false)
    };
    let list: Vec<Value> = items[start..end]
        .iter()
        .map(|i| {
            let mut v = item_json(i, custom);
            v["id"] = json!(i.data_id);
            v
        })
        .collect();
    Ok(json!({"list": list, "total": total, "hasMorePrev": more_prev, "hasMoreNext": more_next}))
}

fn records_v2(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let chat_id = match str_of(p, "chatId") {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => {
            return Ok(json!({"list": [], "total": 0, "hasMorePrev": false, "hasMoreNext": false}))
        }
    };
    records_page(ctx, &app_id, &chat_id, p)
}

fn chat_ids(
    ctx: &Ctx,
    p: &Map<String, Value>,
    max: Option<usize>,
) -> Result<Vec<String>, ApiError> {
    let a = match p.get("chatIds") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Err(ctx.invalid(
                "chatIds",
                "invalid_type",
                "Invalid input: expected array, received undefined",
            ))
        }
        Some(_) => {
            return Err(ctx.invalid("chatIds", "invalid_type", "Invalid input: expected array"))
        }
    };
    if a.is_empty() {
        return Err(ctx.invalid(
            "chatIds",
            "too_small",
            "Too small: expected array to have >=1 items",
        ));
    }
    if let Some(m) = max {
        if a.len() > m {
            return Err(ctx.invalid(
                "chatIds",
                "too_big",
                &format!("Too big: expected array to have <={} items", m),
            ));
        }
    }
    let mut out = Vec::new();
    for v in a {
        match v.as_str() {
            Some(s) if !s.is_empty() => out.push(s.to_string()),
            _ => {
                return Err(ctx.invalid(
                    "chatIds",
                    "invalid_type",
                    "Invalid input: expected a non-empty string",
                ))
            }
        }
    }
    Ok(out)
}

/// `history/getHistoryStatus` (4.14.11): the caller's chats among `chatIds`.
fn history_status(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = match p.get("appId") {
        None | Some(Value::Null) if ctx.since(beta(4, 15, 0, 6), true) => {
            return Err(ctx.invalid("appId", "invalid_type", REQUIRED_MSG))
        }
        None | Some(Value::Null) if ctx.since(beta(4, 15, 0, 5), false) => {
            return Err(un_auth_chat())
        }
        None | Some(Value::Null) => None,
        v => Some(app_id_of(ctx, v)?),
    };
    let ids = chat_ids(ctx, p, Some(200))?;
    let Some(app_id) = app_id else {
        return Ok(json!({"list": []}));
    };
    let store = ctx.app.lock();
    let list: Vec<Value> = ids
        .iter()
        .filter_map(|id| store.live_chat(&app_id, id))
        .map(|c| {
            json!({"chatId": c.chat_id, "updateTime": util::iso_ms(c.update_time),
                   "chatGenerateStatus": c.generate_status, "hasBeenRead": c.has_been_read})
        })
        .collect();
    Ok(json!({"list": list}))
}

/// `history/markRead` (4.14.11): sets `hasBeenRead` and bumps `updateTime`.
fn mark_read(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let chat_id = req_str(ctx, p.get("chatId"), "chatId")?;
    let mut store = ctx.app.lock();
    let now = store.tick();
    if let Some(c) = store
        .chat_mut(&app_id, &chat_id)
        .filter(|c| c.delete_time.is_none())
    {
        c.has_been_read = true;
        c.update_time = now;
    }
    Ok(Value::Null)
}

/// `history/batchDelete` (4.14.5): hard delete of the chats and their items.
fn batch_delete(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let ids = chat_ids(ctx, p, None)?;
    let mut store = ctx.app.lock();
    for id in ids {
        store.hard_delete_chat(&app_id, &id);
    }
    Ok(Value::Null)
}

/// `presignChatFileGetUrl`: a readable URL for an uploaded key. The key must belong to the
/// app from 4.15.0-beta4, and to the chat from beta6 (which also requires `chatId`).
fn presign_get_url(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let key = req_str(ctx, p.get("key"), "key")?;
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let chat_scoped = ctx.since(beta(4, 15, 0, 6), true);
    let chat_id = if chat_scoped {
        Some(req_str(ctx, p.get("chatId"), "chatId")?)
    } else {
        None
    };
    let key_app = key.split('/').nth(1).unwrap_or("");
    let key_chat = key.split('/').nth(3).unwrap_or("");
    if ctx.since(beta(4, 15, 0, 4), true) && (!key.starts_with("chat/") || key_app != app_id) {
        return Err(un_auth_chat());
    }
    if let Some(c) = &chat_id {
        if key_chat != crate::s3::sanitize_chat_id(c) {
            return Err(un_auth_chat());
        }
    }
    if ctx.since(v(4, 15, 2), false) {
        return Ok(json!(crate::s3::short_link(ctx.app, &ctx.base, &key)));
    }
    Ok(json!(crate::s3::signed_get_url(
        &ctx.app.s3_secret,
        &ctx.base,
        &key
    )))
}

/// `proApi/core/app/logs/getTotalData` (commercial, 4.12.0): totals of the app.
fn total_data(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let store = ctx.app.lock();
    let chats = store
        .chats
        .iter()
        .filter(|c| c.app_id == app_id && c.delete_time.is_none())
        .count();
    let ai_items = store
        .items
        .iter()
        .filter(|i| i.app_id == app_id && i.obj == "AI" && i.delete_time.is_none())
        .count();
    Ok(
        json!({"totalUsers": if chats > 0 { 1 } else { 0 }, "totalChats": chats,
              "totalPoints": (ai_items as f64 * 0.0123 * 10000.0).round() / 10000.0}),
    )
}

/// `core/app/logs/list` (4.14.4; API keys from 4.15.2): one row per chat of the app whose
/// `updateTime` is within `dateStart`..`dateEnd`, newest first.
fn logs_list(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let app_id = app_id_of(ctx, p.get("appId"))?;
    let date = |k: &str| -> Result<u64, ApiError> {
        let s = req_str(ctx, p.get(k), k)?;
        crate::s3::parse_iso(&s)
            .or_else(|| crate::s3::parse_iso(&format!("{}T00:00:00.000Z", s)))
            .ok_or_else(|| ctx.invalid(k, "invalid_type", "Invalid input: expected date"))
    };
    let (from, to) = (date("dateStart")?, date("dateEnd")?);
    let (offset, size) = pagination(ctx, p)?;
    let store = ctx.app.lock();
    let mut chats: Vec<_> = store
        .chats
        .iter()
        .filter(|c| {
            c.app_id == app_id
                && c.delete_time.is_none()
                && c.update_time >= from
                && c.update_time <= to
        })
        .collect();
    chats.sort_by_key(|c| std::cmp::Reverse(c.update_time));
    let total = chats.len();
    let list: Vec<Value> = chats
        .into_iter()
        .skip(offset)
        .take(size)
        .map(|c| {
            let items = store.live_items(&c.app_id, &c.chat_id);
            let count = |f: &dyn Fn(&Item) -> bool| items.iter().filter(|i| f(i)).count();
            let ai: Vec<&&Item> = items.iter().filter(|i| i.obj == "AI").collect();
            let avg = if ai.is_empty() { 0.0 } else { ai.iter().map(|i| i.duration_seconds).sum::<f64>() / ai.len() as f64 };
            json!({"_id": c.chat_id, "chatId": c.chat_id, "title": c.title, "customTitle": c.custom_title,
                   "source": c.source, "sourceName": null, "updateTime": util::iso_ms(c.update_time),
                   "createTime": util::iso_ms(c.create_time), "messageCount": items.len(),
                   "userGoodFeedbackCount": count(&|i| i.good.as_ref().map(|g| !g.is_null()).unwrap_or(false)),
                   "userBadFeedbackCount": count(&|i| i.bad.as_ref().map(|g| !g.is_null()).unwrap_or(false)),
                   "customFeedbacksCount": 0, "markCount": 0,
                   "averageResponseTime": (avg * 100.0).round() / 100.0,
                   "errorCount": 0, "totalPoints": (ai.len() as f64 * 0.0123 * 10000.0).round() / 10000.0,
                   "outLinkUid": null, "tmbId": crate::s3::DEV_UID, "sourceMember": null,
                   "versionName": null, "originIp": "127.0.0.1", "region": null})
        })
        .collect();
    Ok(json!({"total": total, "list": list}))
}
