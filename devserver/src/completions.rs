//! Chat completions (v1 and v2): the dev "workflow", saving the round, and the streamed or
//! JSON answer. Depends on `app`, `sse`, `state`, `faults`, `util`.

use crate::app::{self, ApiError, Ctx, Style};
use crate::conn::Conn;
use crate::faults::{Disposition, Fault};
use crate::http::{Request, Response};
use crate::release::{beta, v};
use crate::sse::{error_frame_response, run, Ending, Frame, Kind, Live, SseOpts};
use crate::state::{Round, DONE, ERRORED, GENERATING};
use crate::util::{self, obj};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::thread::sleep;
use std::time::Duration;

/// App used by completions that carry no `appId` (and no `key-<appId>` credential).
pub const DEFAULT_APP_ID: &str = "65f0000000000000000000aa";
pub const CJK_ANSWER: &str = "你好，世界！这是一个测试回答。🙂";
pub const REASONING_TEXT: &str = "Let me think.";
pub const ERROR_EVENT_DATA: &str =
    r#"{"code":510,"statusText":"insufficientQuota","message":"AI points exhausted","data":null}"#;
const MANY_EVENT_TEXTS: [&str; 3] = ["ab", "中文", "c🙂"];

// ---------------------------------------------------------------------------------------
// Completions

fn chunk(delta: Value, finish: Option<&str>) -> String {
    json!({
        "id": "", "object": "", "created": 0, "model": "",
        "choices": [{"delta": delta, "index": 0, "finish_reason": finish}]
    })
    .to_string()
}

pub fn text_chunk(content: &str) -> String {
    chunk(json!({"role": "assistant", "content": content}), None)
}

pub fn stop_chunk() -> String {
    chunk(json!({"role": "assistant", "content": null}), Some("stop"))
}

fn reasoning_chunk(r: &str) -> String {
    chunk(json!({"role": "assistant", "reasoning_content": r}), None)
}

/// Text of a message's `content`: a string, or text parts joined with a space
/// (`image_url` → `[image]`, `file_url` → `[file]`).
pub fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(parts)) => {
            let mut out: Vec<String> = Vec::new();
            for p in parts {
                match p.get("type").and_then(|t| t.as_str()) {
                    Some("text") => out.push(
                        p.get("text")
                            .and_then(|t| t.as_str())
                            .unwrap_or("")
                            .to_string(),
                    ),
                    Some("image_url") => out.push("[image]".into()),
                    Some("file_url") => out.push("[file]".into()),
                    _ => {}
                }
            }
            out.join(" ")
        }
        _ => String::new(),
    }
}

/// Stored Human value for a message.
fn human_value(content: Option<&Value>) -> Value {
    match content {
        Some(Value::Array(parts)) => {
            let mut v = Vec::new();
            for p in parts {
                match p.get("type").and_then(|t| t.as_str()) {
                    Some("text") => v.push(
                        json!({"text": {"content": p.get("text").cloned().unwrap_or(json!(""))}}),
                    ),
                    Some("image_url") => v.push(json!({"file": {"type": "image", "name": "",
                        "url": p.pointer("/image_url/url").cloned().unwrap_or(json!(""))}})),
                    Some("file_url") => v.push(json!({"file": {"type": "file",
                        "name": p.get("name").cloned().unwrap_or(json!("")),
                        "url": p.get("url").cloned().unwrap_or(json!(""))}})),
                    _ => {}
                }
            }
            Value::Array(v)
        }
        other => json!([{"text": {"content": content_text(other)}}]),
    }
}

fn interactive_value() -> Value {
    json!({
        "type": "userSelect",
        "params": {
            "description": "Pick one",
            "userSelectOptions": [{"value": "Confirm", "key": "option1"}, {"value": "Cancel", "key": "option2"}]
        },
        "entryNodeIds": ["n1"],
        "memoryEdges": [],
        "nodeOutputs": []
    })
}

fn tool_value() -> Value {
    json!({"id": "call_1", "toolName": "Search", "toolAvatar": "", "functionName": "search",
           "params": "{\"q\":\"x\"}", "response": "found"})
}

fn slow_ms(q: &str) -> Option<u64> {
    let i = q.find("/slow:")?;
    let digits: String = q[i + 6..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[derive(Debug, PartialEq)]
enum Mode {
    Normal,
    Select,
    Continue(String),
}

struct Turn {
    chat_id: String,
    mode: Mode,
    answer: String,
    answer_chunks: Vec<String>,
    reasoning: Option<String>,
    tool: bool,
    variables: Map<String, Value>,
    all_variables: Map<String, Value>,
    nodes: Vec<Value>,
    duration: f64,
    slow_ms: u64,
    node_error: bool,
    /// The chat's first round (FastGPT titles a chat once: `chatTitle`).
    first_round: bool,
    title: String,
}

/// Header values that switch resume mirroring on (`x-fastgpt-stream-resume`).
fn truthy_header(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("1" | "true" | "yes" | "on")
    )
}

pub fn completions(ctx: &Ctx, version: u8, w: &mut Conn) -> Disposition {
    let req: &Request = ctx.req;
    let body = match app::parse_json_body(req) {
        Ok(b) => b,
        Err(resp) => return ctx.respond(w, resp),
    };
    let stream = body.get("stream") == Some(&Value::Bool(true));
    let detail = body.get("detail") == Some(&Value::Bool(true));
    let sse_errors = stream && ctx.style != Style::E3Compat;
    let fail = |w: &mut Conn, e: ApiError| -> Disposition {
        if sse_errors {
            error_frame_response(w, &e.body(ctx.style).to_string(), &ctx.extra_headers())
        } else {
            ctx.respond(w, ctx.render_error(&e))
        }
    };
    // 4.14.11: the zod schema is parsed before the handler's try-block, so its failures are
    // JSON even for `stream:true`; before 4.15.0 `null` members are rejected too.
    if ctx.since(v(4, 14, 11), false) {
        let json_fail = |w: &mut Conn, e: ApiError| ctx.respond(w, ctx.render_error(&e));
        if !ctx.since(v(4, 15, 0), false) {
            for k in [
                "chatId",
                "detail",
                "stream",
                "appId",
                "responseChatItemId",
                "variables",
            ] {
                if body.get(k) == Some(&Value::Null) {
                    return json_fail(
                        w,
                        ctx.invalid(
                            k,
                            "invalid_type",
                            "Invalid input: expected nonoptional, received null",
                        ),
                    );
                }
            }
        }
        if let Some(a) = body.get("appId").filter(|a| !a.is_null()) {
            if !a.as_str().map(util::is_object_id).unwrap_or(false) {
                return json_fail(w, ctx.invalid("appId", "invalid_format", HEX_MSG));
            }
        }
        if let Some(Value::String(c)) = body.get("chatId") {
            if c.chars().count() > 1024 {
                return json_fail(w, ctx.invalid("chatId", "too_big", TOO_BIG_MSG));
            }
        }
    }

    let key_app = match ctx.auth() {
        Ok(a) => a,
        Err(e) => return fail(w, e),
    };
    if stream && ctx.has(&Fault::ErrorEventFirst) {
        return error_frame_response(w, ERROR_EVENT_DATA, &ctx.extra_headers());
    }
    let app_id = match body.get("appId") {
        None | Some(Value::Null) => key_app.unwrap_or_else(|| DEFAULT_APP_ID.to_string()),
        Some(Value::String(s)) if util::is_object_id(s) => s.clone(),
        Some(_) => return fail(w, ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let messages = match body.get("messages") {
        Some(Value::Array(m)) => m.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return fail(w, ApiError::plain(500, "messages is not array")),
    };
    if messages.is_empty() {
        return fail(w, ApiError::plain(500, "messages is empty"));
    }
    let chat_id = match body.get("chatId") {
        Some(Value::String(s)) if !s.trim().is_empty() => {
            if s.chars().count() > 1024 && ctx.since(v(4, 14, 11), true) {
                return fail(w, ctx.invalid("chatId", "too_big", TOO_BIG_MSG));
            }
            s.clone()
        }
        _ => util::nanoid(24),
    };
    let given_item_id =
        matches!(body.get("responseChatItemId"), Some(Value::String(s)) if !s.is_empty());
    let response_item_id = match body.get("responseChatItemId") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => util::nanoid(24),
    };
    // Before 4.9.8 the non-stream `id` was the request's chatId, or "".
    let answer_id = if !ctx.since(v(4, 9, 8), true)
        && !matches!(body.get("chatId"), Some(Value::String(s)) if !s.trim().is_empty())
    {
        Some(String::new())
    } else {
        None
    };
    let variables = match body.get("variables") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let last = messages
        .iter()
        .rev()
        .find(|m| m.get("role").and_then(|r| r.as_str()) == Some("user"))
        .or(messages.last())
        .cloned()
        .unwrap_or(Value::Null);
    let question = content_text(last.get("content"));

    let turn = {
        let mut store = ctx.app.lock();
        // 4.14.11: a chat that is still generating refuses a new round.
        if ctx.since(v(4, 14, 11), false) && store.running_round(&app_id, &chat_id).is_some() {
            drop(store);
            return fail(
                w,
                ApiError::known(
                    504001,
                    "chatIsGenerating",
                    "common:code_error.chat_error.chat_generating",
                ),
            );
        }
        // Pending interactive on the last live AI item?
        let pending = store
            .live_items(&app_id, &chat_id)
            .into_iter()
            .rev()
            .find(|i| i.obj == "AI")
            .and_then(|i| {
                let inter = i
                    .value
                    .as_array()?
                    .iter()
                    .find_map(|v| v.get("interactive"))?;
                if inter.pointer("/params/userSelectedVal").is_some() {
                    return None;
                }
                let opts = inter.pointer("/params/userSelectOptions")?.as_array()?;
                Some((
                    i.data_id.clone(),
                    opts.iter()
                        .filter_map(|o| o.get("value").and_then(|v| v.as_str()).map(String::from))
                        .collect::<Vec<_>>(),
                ))
            });
        // 4.15.0-beta2: a responseChatItemId that the chat already has is refused.
        if given_item_id
            && ctx.since(beta(4, 15, 0, 2), false)
            && pending.is_none()
            && store
                .live_items(&app_id, &chat_id)
                .iter()
                .any(|i| i.data_id == response_item_id)
        {
            drop(store);
            let msg = format!("Chat dataId already exists: {}", response_item_id);
            return fail(w, ApiError::plain(500, &msg).user());
        }
        let mode = match &pending {
            Some((_, opts)) if opts.contains(&question) => Mode::Continue(question.clone()),
            _ if question.contains("/select") => Mode::Select,
            _ => Mode::Normal,
        };
        let mut answer = match &mode {
            Mode::Continue(v) => format!("You chose: {}", v),
            Mode::Select => String::new(),
            Mode::Normal if question.contains("/cjk") => CJK_ANSWER.to_string(),
            Mode::Normal => format!("You said: {}", question),
        };
        let mut answer_chunks = util::chunk_chars(&answer, 3);
        if stream && mode != Mode::Select {
            for f in &ctx.faults {
                match f {
                    Fault::BigEvent(n) => {
                        answer = "x".repeat(*n);
                        answer_chunks = vec![answer.clone()];
                    }
                    Fault::ManyEvents(n) => {
                        answer_chunks = (0..*n)
                            .map(|i| MANY_EVENT_TEXTS[i % 3].to_string())
                            .collect();
                        answer = answer_chunks.concat();
                    }
                    _ => {}
                }
            }
        }
        let reasoning = question
            .contains("/reasoning")
            .then(|| REASONING_TEXT.to_string());
        let tool = question.contains("/tool") && mode == Mode::Normal;
        let slow = slow_ms(&question).unwrap_or(0);
        let node_error = req.header("x-dev-node-error") == Some("1");
        let duration = round2(slow as f64 / 1000.0 + 0.05);

        // Node responses.
        let mut nodes = vec![json!({"id": util::nanoid(12), "nodeId": "448745",
            "moduleName": "common:core.module.template.work_start", "moduleType": "workflowStart", "runningTime": 0})];
        if tool {
            nodes.push(json!({"id": util::nanoid(12), "nodeId": "toolNode1", "moduleName": "Search",
                "moduleType": "tools", "runningTime": 0.01, "toolInput": {"q": "x"}, "toolRes": "found"}));
        }
        match &mode {
            Mode::Select => nodes.push(json!({"id": util::nanoid(12), "nodeId": "n1",
                "moduleName": "用户选择", "moduleType": "userSelect", "runningTime": 0})),
            Mode::Continue(v) => nodes.push(json!({"id": util::nanoid(12), "nodeId": "n1",
                "moduleName": "用户选择", "moduleType": "userSelect", "runningTime": 0, "userSelectResult": v})),
            Mode::Normal => {
                let mut n = json!({"id": util::nanoid(12), "nodeId": "chatNode1", "moduleName": "AI 对话",
                    "moduleType": "chatNode", "runningTime": duration, "totalPoints": 0.0123, "model": "dev-model",
                    "tokens": question.chars().count() + answer.chars().count(), "query": question, "maxToken": 2000,
                    "historyPreview": [{"obj": "Human", "value": question}, {"obj": "AI", "value": answer}],
                    "contextTotalLen": 2});
                if let Some(r) = &reasoning {
                    n["reasoningText"] = json!(r);
                }
                if node_error {
                    n["errorText"] = json!("node failed");
                }
                nodes.push(n);
            }
        }

        // Save.
        let skip_save = stream && ctx.has(&Fault::ErrorEventFirst);
        let mut all_variables = Map::new();
        let mut first_round = false;
        let mut title = String::new();
        if !skip_save {
            let chat = store.touch_chat(&app_id, &chat_id, &question);
            first_round = chat.rounds == 1;
            title = if chat.custom_title.is_empty() {
                chat.title.clone()
            } else {
                chat.custom_title.clone()
            };
            chat.generate_status = if stream { GENERATING } else { DONE };
            chat.has_been_read = false;
            for (k, v) in &variables {
                chat.variables.insert(k.clone(), v.clone());
            }
            all_variables = chat.variables.clone();
            let human_id = util::nanoid(24);
            store.push_item(
                &app_id,
                &chat_id,
                &human_id,
                "Human",
                human_value(last.get("content")),
                Value::Null,
                0.0,
            );
            let mut ai_value = Vec::new();
            if let Some(r) = &reasoning {
                ai_value.push(json!({"reasoning": {"content": r}}));
            }
            if tool {
                ai_value.push(json!({"tools": [tool_value()]}));
            }
            match &mode {
                Mode::Select => ai_value.push(json!({"interactive": interactive_value()})),
                _ => ai_value.push(json!({"text": {"content": answer}})),
            }
            match (&mode, &pending) {
                (Mode::Continue(v), Some((pending_id, _))) => {
                    let pending_id = pending_id.clone();
                    if let Some(item) = store.live_item_mut(&app_id, &chat_id, &pending_id) {
                        let mut inter = interactive_value();
                        inter["params"]["userSelectedVal"] = json!(v);
                        item.value = json!([{"interactive": inter}, {"text": {"content": answer}}]);
                        if let Value::Array(a) = &mut item.response_data {
                            a.extend(nodes.iter().cloned());
                        }
                        item.duration_seconds = round2(item.duration_seconds + duration);
                    }
                }
                _ => store.push_item(
                    &app_id,
                    &chat_id,
                    &response_item_id,
                    "AI",
                    Value::Array(ai_value),
                    Value::Array(nodes.clone()),
                    duration,
                ),
            }
        }
        Turn {
            chat_id: chat_id.clone(),
            mode,
            answer,
            answer_chunks,
            reasoning,
            tool,
            variables,
            all_variables,
            nodes,
            duration,
            slow_ms: slow,
            node_error,
            first_round,
            title,
        }
    };

    if !stream || ctx.has(&Fault::Json200Stream) {
        if turn.slow_ms > 0 {
            sleep(Duration::from_millis(turn.slow_ms));
        }
        let mut v = non_stream_body(&turn, detail);
        if let Some(id) = &answer_id {
            v["id"] = json!(id);
        }
        if ctx.since(beta(4, 15, 0, 5), false) {
            v["title"] = json!(turn.title);
        }
        if stream {
            set_status(ctx, &app_id, &chat_id, DONE);
        }
        return ctx.respond(w, Response::json(200, &v));
    }
    // The round, shared with `v2/chat/stop` and `core/chat/resume`.
    let wants_mirror = version == 2
        && ctx.since(v(4, 14, 11), true)
        && truthy_header(req.header("x-fastgpt-stream-resume"));
    let unavailable = wants_mirror && ctx.has(&Fault::ResumeUnavailable);
    let round = Arc::new(Round::new(
        version,
        wants_mirror && !unavailable,
        unavailable,
    ));
    {
        let mut store = ctx.app.lock();
        // Finished rounds are no longer needed (resume reads a finished chat's records).
        store.rounds.retain(|_, r| !r.is_done());
        store
            .rounds
            .insert((app_id.clone(), chat_id.clone()), Arc::clone(&round));
    }
    let live = Live {
        round: &round,
        // Compatibility mode: only rounds that ask to be resumable (or are cut on purpose).
        outlive_client: version == 2
            && ctx.since(
                v(4, 14, 5),
                truthy_header(req.header("x-fastgpt-stream-resume"))
                    || ctx
                        .faults
                        .iter()
                        .any(|f| matches!(f, Fault::CutMidStream(_))),
            ),
        cut: None,
    };
    let d = stream_turn(ctx, &turn, version, detail, w, Some(&live));
    // The chat's status first: whoever waits for the round (stop, resume) then reads it final.
    let errored = ctx.has(&Fault::ErrorEvent);
    set_status(ctx, &app_id, &chat_id, if errored { ERRORED } else { DONE });
    round.finish();
    d
}

fn set_status(ctx: &Ctx, app_id: &str, chat_id: &str, status: u8) {
    if let Some(c) = ctx.app.lock().chat_mut(app_id, chat_id) {
        c.generate_status = status;
    }
}

const HEX_MSG: &str = "Invalid string: must match pattern /^[0-9a-fA-F]{24}$/";
const TOO_BIG_MSG: &str = "Too big: expected string to have <=1024 characters";

fn non_stream_body(t: &Turn, detail: bool) -> Value {
    let content = match (&t.mode, detail) {
        (Mode::Select, true) => {
            let mut i = interactive_value();
            if let Value::Object(m) = &mut i {
                m.remove("entryNodeIds");
                m.remove("memoryEdges");
                m.remove("nodeOutputs");
            }
            json!([{"type": "interactive", "interactive": i}])
        }
        (Mode::Select, false) => json!(""),
        (_, true) if t.tool => json!([
            {"type": "tool", "tools": [tool_value()]},
            {"type": "text", "text": {"content": t.answer}}
        ]),
        _ => json!(t.answer),
    };
    let mut message = obj(vec![("role", json!("assistant")), ("content", content)]);
    if let Some(r) = &t.reasoning {
        message["reasoning_content"] = json!(r);
    }
    let mut v = json!({
        "id": t.chat_id,
        "model": "",
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 1},
        "choices": [{"message": message, "finish_reason": "stop", "index": 0}]
    });
    if t.node_error {
        v["error"] = json!({"message": "node failed"});
    }
    if detail {
        v["responseData"] = Value::Array(t.nodes.clone());
        v["newVariables"] = Value::Object(t.all_variables.clone());
    }
    v
}

fn stream_turn(
    ctx: &Ctx,
    t: &Turn,
    version: u8,
    detail: bool,
    w: &mut Conn,
    live: Option<&Live>,
) -> Disposition {
    let req = ctx.req;
    // Release facts (versions reference §6): compatibility mode keeps this server's
    // earlier stream (4.9.7–4.14.10 end sequence, no chatTitle).
    let heartbeats_on = ctx.since(v(4, 8, 12), true);
    let duration_on = ctx.since(v(4, 9, 7), true);
    let bare_duration = ctx
        .release
        .map(|r| r.within(v(4, 9, 7), Some(v(4, 9, 8))))
        .unwrap_or(false);
    let done_last = ctx.since(v(4, 14, 11), false);
    let title_frame = t.first_round
        && match ctx.release {
            Some(r) if r.within(beta(4, 15, 0, 5), Some(v(4, 15, 0))) => true,
            Some(r) => r >= v(4, 15, 0) && detail,
            None => false,
        };
    let old_stop = !ctx.since(v(4, 8, 20), true);
    let value_ids = ctx.since(v(4, 14, 7), false);
    let flow_object_bug = ctx
        .release
        .map(|r| r.within(v(4, 14, 7), Some(v(4, 14, 8))))
        .unwrap_or(false);
    let ev = |name: &'static str| if detail { Some(name) } else { None };
    let hb_ms = req
        .header("x-dev-heartbeat-ms")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(ctx.app.cfg.heartbeat_ms)
        .max(1);
    let chunk_delay = req
        .header("x-dev-chunk-delay-ms")
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(ctx.app.cfg.chunk_delay_ms);
    let heartbeat = || Frame::ev(ev("answer"), text_chunk(""), Kind::Heartbeat);
    let tool = |mut v: Value| {
        if value_ids {
            v["responseValueId"] = json!("call_1");
        }
        v.to_string()
    };
    let nodes_json = |n: &Value| n.to_string();

    let mut f: Vec<Frame> = Vec::new();
    if detail && !t.variables.is_empty() {
        f.push(Frame::ev(
            Some("updateVariables"),
            Value::Object(t.variables.clone()).to_string(),
            Kind::Other,
        ));
    }
    if detail && version == 2 {
        f.push(Frame::ev(
            Some("flowNodeResponse"),
            nodes_json(&t.nodes[0]),
            Kind::Other,
        ));
    }
    if detail {
        let name = if t.mode == Mode::Normal {
            "AI 对话"
        } else {
            "用户选择"
        };
        f.push(Frame::ev(
            Some("flowNodeStatus"),
            json!({"status": "running", "name": name}).to_string(),
            Kind::Other,
        ));
    }
    // Heartbeats: fault first, then the /slow:MS workflow time.
    let mut pending_delay = 0u64;
    for fault in &ctx.faults {
        if let Fault::Heartbeats(n) = fault {
            for _ in 0..*n {
                let mut h = heartbeat();
                *h.delay_mut() = hb_ms;
                f.push(h);
            }
        }
    }
    if t.slow_ms > 0 {
        let mut elapsed = 0;
        while heartbeats_on && elapsed + hb_ms <= t.slow_ms {
            let mut h = heartbeat();
            *h.delay_mut() = hb_ms;
            f.push(h);
            elapsed += hb_ms;
        }
        pending_delay = t.slow_ms - elapsed;
    }
    let mut push_delayed = |f: &mut Vec<Frame>, mut frame: Frame| {
        *frame.delay_mut() += pending_delay;
        pending_delay = 0;
        f.push(frame);
    };
    if t.tool && detail {
        let tool_call = json!({"tool": {"id": "call_1", "toolName": "Search", "toolAvatar": "",
            "functionName": "search", "params": "", "response": ""}});
        push_delayed(
            &mut f,
            Frame::ev(Some("toolCall"), tool(tool_call), Kind::Other),
        );
        f.push(Frame::ev(
            Some("toolParams"),
            tool(json!({"tool": {"id": "call_1", "params": "{\"q\":"}})),
            Kind::Other,
        ));
        f.push(Frame::ev(
            Some("toolParams"),
            tool(json!({"tool": {"id": "call_1", "params": "\"x\"}"}})),
            Kind::Other,
        ));
        f.push(Frame::ev(
            Some("toolResponse"),
            tool(json!({"tool": {"id": "call_1", "response": "found"}})),
            Kind::Other,
        ));
        if version == 2 {
            f.push(Frame::ev(
                Some("flowNodeResponse"),
                nodes_json(&t.nodes[1]),
                Kind::Other,
            ));
        }
    }
    if let Some(r) = &t.reasoning {
        for piece in util::chunk_chars(r, 3) {
            push_delayed(
                &mut f,
                Frame::ev(ev("answer"), reasoning_chunk(&piece), Kind::Reasoning),
            );
        }
    }
    if t.mode == Mode::Select {
        if detail {
            push_delayed(
                &mut f,
                Frame::ev(
                    Some("interactive"),
                    json!({"interactive": interactive_value()}).to_string(),
                    Kind::Other,
                ),
            );
        }
    } else {
        for (i, piece) in t.answer_chunks.iter().enumerate() {
            let mut fr = Frame::ev(ev("answer"), text_chunk(piece), Kind::AnswerText);
            if i > 0 {
                *fr.delay_mut() = chunk_delay;
            }
            push_delayed(&mut f, fr);
        }
    }
    if detail && version == 2 {
        let last = t.nodes.last().expect("nodes");
        push_delayed(
            &mut f,
            Frame::ev(Some("flowNodeResponse"), nodes_json(last), Kind::Other),
        );
    }
    if (detail && duration_on) || bare_duration {
        push_delayed(
            &mut f,
            Frame::ev(
                ev("workflowDuration"),
                json!({"durationSeconds": t.duration}).to_string(),
                Kind::Other,
            ),
        );
    }
    if title_frame {
        push_delayed(
            &mut f,
            Frame::ev(
                Some("chatTitle"),
                json!({"title": t.title}).to_string(),
                Kind::Other,
            ),
        );
    }
    let stop = if old_stop {
        chunk(json!({}), Some("stop"))
    } else {
        stop_chunk()
    };
    push_delayed(&mut f, Frame::ev(ev("answer"), stop, Kind::Stop));
    if !done_last {
        f.push(Frame::ev(ev("answer"), "[DONE]", Kind::Done));
    }
    let flow_responses = |as_object: bool| -> String {
        if as_object {
            let mut m = Map::new();
            for (i, n) in t.nodes.iter().enumerate() {
                m.insert(i.to_string(), n.clone());
            }
            Value::Object(m).to_string()
        } else {
            Value::Array(t.nodes.clone()).to_string()
        }
    };
    let v1_detail = detail && version == 1;
    if v1_detail {
        f.push(Frame::ev(
            Some("flowResponses"),
            flow_responses(ctx.has(&Fault::FlowResponsesObject) || flow_object_bug),
            Kind::Other,
        ));
    }
    if done_last {
        f.push(Frame::ev(ev("answer"), "[DONE]", Kind::Done));
    }

    // ---- stream faults ----
    let stop_idx = f
        .iter()
        .position(|x| x.kind() == Kind::Stop)
        .unwrap_or(f.len());
    if ctx.has(&Fault::MultilineData) {
        f.insert(
            stop_idx,
            Frame::ev(Some("devMultiline"), "line one\nline two", Kind::Other),
        );
    }
    if ctx.has(&Fault::InvalidUtf8) {
        let mut data = br#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","content":"bad "#.to_vec();
        data.push(0xFF);
        data.extend_from_slice(br#""},"index":0,"finish_reason":null}]}"#);
        let at = f
            .iter()
            .position(|x| x.kind() == Kind::AnswerText)
            .map(|i| i + 1)
            .unwrap_or_else(|| {
                f.iter()
                    .position(|x| x.kind() == Kind::Stop)
                    .unwrap_or(f.len())
            });
        f.insert(at, Frame::ev(ev("answer"), data, Kind::Other));
    }
    if ctx.has(&Fault::TrailingAfterDone) {
        if !v1_detail {
            f.push(Frame::ev(
                Some("flowResponses"),
                flow_responses(false),
                Kind::Other,
            ));
        }
        f.push(Frame::Raw {
            bytes: b"\xff\xfe not sse\n\n".to_vec(),
            delay_ms: 0,
        });
    }
    if ctx.has(&Fault::DoneEvent) {
        // A frame *named* done whose data is not [DONE]: the stream goes on after it.
        let at = f
            .iter()
            .position(|x| x.kind() == Kind::AnswerText)
            .map(|i| i + 1)
            .unwrap_or(0);
        f.insert(
            at,
            Frame::ev(Some("done"), r#"{"note":"not the end"}"#, Kind::Other),
        );
    }
    for fault in &ctx.faults {
        if let Fault::ToolCalls(n) = fault {
            // N toolCall frames with distinct ids, before the answer; batched into raw
            // writes of 1000 frames so that large N stays cheap to send.
            let at = f
                .iter()
                .position(|x| x.kind() == Kind::AnswerText)
                .unwrap_or(0);
            let mut batches = Vec::new();
            let mut buf = Vec::new();
            for i in 0..*n {
                let data = json!({"tool": {"id": format!("call_{}", i), "toolName": "Search", "toolAvatar": "",
                    "functionName": "search", "params": "", "response": ""}});
                let ev = if detail { "event: toolCall\n" } else { "" };
                buf.extend_from_slice(format!("{}data: {}\n\n", ev, data).as_bytes());
                if (i + 1) % 1000 == 0 {
                    batches.push(Frame::Raw {
                        bytes: std::mem::take(&mut buf),
                        delay_ms: 0,
                    });
                }
            }
            if !buf.is_empty() {
                batches.push(Frame::Raw {
                    bytes: buf,
                    delay_ms: 0,
                });
            }
            f.splice(at..at, batches);
        }
    }
    // cut-mid-stream:MS: the connection is cut at the cut point; the round goes on.
    let cut_at = cut_index(&f);
    let cut = ctx.faults.iter().find_map(|x| match x {
        Fault::CutMidStream(ms) => Some((cut_at, *ms)),
        _ => None,
    });
    let mut ending = Ending::Clean;
    for fault in &ctx.faults {
        match fault {
            Fault::Trickle(ms) => {
                let c = cut_index(&f);
                f.truncate(c);
                ending = Ending::Trickle(*ms);
                break;
            }
            Fault::ErrorEvent => {
                let c = cut_index(&f);
                f.truncate(c);
                f.push(Frame::ev(Some("error"), ERROR_EVENT_DATA, Kind::Other));
                break;
            }
            Fault::EofNoDone => {
                let c = cut_index(&f);
                f.truncate(c);
                break;
            }
            Fault::ResetMidStream => {
                let c = cut_index(&f);
                f.truncate(c);
                ending = Ending::Reset;
                break;
            }
            Fault::StallMidStream(ms) => {
                let c = cut_index(&f);
                f.truncate(c);
                ending = Ending::Stall(*ms);
                break;
            }
            _ => {}
        }
    }
    for fault in &ctx.faults {
        if let Fault::Slow(ms) = fault {
            for fr in f.iter_mut().skip(1) {
                *fr.delay_mut() += ms;
            }
        }
    }

    let mut opts = SseOpts::normal(&ctx.extra_headers());
    for fault in &ctx.faults {
        match fault {
            Fault::Crlf => opts.eol = b"\r\n",
            Fault::Cr => opts.eol = b"\r",
            Fault::Bytewise => opts.bytewise = true,
            Fault::NoSpace => opts.space = false,
            Fault::Comments => opts.comments = true,
            Fault::SseCloseDelimited => opts.chunked = false,
            Fault::Bom => opts.prefix = "\u{feff}".as_bytes().to_vec(),
            _ => {}
        }
    }
    let live = live.map(|l| Live {
        round: l.round,
        outlive_client: l.outlive_client,
        cut,
    });
    run(w, &opts, &f, ending, live.as_ref())
}

/// Index just after the 2nd answer-text frame (after the only one if there is one; before
/// the stop chunk if there is none): where the mid-stream faults cut the stream.
fn cut_index(f: &[Frame]) -> usize {
    let texts: Vec<usize> = f
        .iter()
        .enumerate()
        .filter(|(_, x)| x.kind() == Kind::AnswerText)
        .map(|(i, _)| i)
        .collect();
    match texts.len() {
        0 => f
            .iter()
            .position(|x| x.kind() == Kind::Stop)
            .unwrap_or(f.len()),
        1 => texts[0] + 1,
        _ => texts[1] + 1,
    }
}
