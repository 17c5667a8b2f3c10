//! Running rounds: `POST /api/v2/chat/stop` (4.14.5) and `GET /api/core/chat/resume`
//! (4.14.11). Facts: versions reference §5.1–5.2. Depends on `app`, `chat`, `sse`, `state`.

use crate::app::{envelope, ApiError, Ctx};
use crate::chat;
use crate::conn::Conn;
use crate::faults::Disposition;
use crate::http::Response;
use crate::release::beta;
use crate::sse::{head, SseOpts};
use crate::state::{DONE, GENERATING};
use crate::util;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::time::{Duration, Instant};

const HEX_MSG: &str = "Invalid string: must match pattern /^[0-9a-fA-F]{24}$/";

fn app_and_chat(ctx: &Ctx, p: &Map<String, Value>) -> Result<(String, String), ApiError> {
    let app_id = match p.get("appId").and_then(|a| a.as_str()) {
        Some(a) if util::is_object_id(a) => a.to_string(),
        None => {
            return Err(ctx.invalid(
                "appId",
                "invalid_type",
                "Invalid input: expected string, received undefined",
            ))
        }
        Some(_) => return Err(ctx.invalid("appId", "invalid_format", HEX_MSG)),
    };
    let chat_id = match p.get("chatId").and_then(|a| a.as_str()) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => {
            return Err(ctx.invalid(
                "chatId",
                "too_small",
                "Too small: expected string to have >=1 characters",
            ))
        }
    };
    Ok((app_id, chat_id))
}

/// `POST /api/v2/chat/stop`: set the stop flag and wait (up to 5 s, or
/// `X-Dev-Stop-Wait-Ms`) for the run to end. Only v2 runs poll the flag.
pub fn stop(ctx: &Ctx, p: &Map<String, Value>) -> Result<Value, ApiError> {
    let (app_id, chat_id) = app_and_chat(ctx, p)?;
    let wait = ctx
        .req
        .header("x-dev-stop-wait-ms")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(5000);
    let round = ctx.app.lock().running_round(&app_id, &chat_id);
    if let Some(r) = &round {
        r.request_stop();
        r.wait_done(Duration::from_millis(wait));
    }
    let status = if round.map(|r| r.is_done()).unwrap_or(true) {
        ctx.app
            .lock()
            .live_chat(&app_id, &chat_id)
            .map(|c| {
                if c.generate_status == GENERATING {
                    DONE
                } else {
                    c.generate_status
                }
            })
            .unwrap_or(DONE)
    } else {
        GENERATING
    };
    if !ctx.since(beta(4, 15, 0, 2), true) {
        return Ok(json!({"success": true}));
    }
    Ok(json!({"success": true, "completed": status != GENERATING, "chatGenerateStatus": status}))
}

/// The finished state of a chat: marks it read and gives the latest 10 records.
fn completed_state(ctx: &Ctx, app_id: &str, chat_id: &str) -> Result<Value, ApiError> {
    let status = {
        let mut s = ctx.app.lock();
        match s
            .chat_mut(app_id, chat_id)
            .filter(|c| c.delete_time.is_none())
        {
            Some(c) => {
                c.has_been_read = true;
                c.generate_status
            }
            None => DONE,
        }
    };
    let records = chat::records_page(ctx, app_id, chat_id, &Map::new())?;
    Ok(json!({"chatGenerateStatus": status, "hasBeenRead": true, "records": records}))
}

struct Sse<'a> {
    w: &'a mut Conn,
}

impl Sse<'_> {
    fn send(&mut self, bytes: &[u8]) -> bool {
        let mut b = format!("{:x}\r\n", bytes.len()).into_bytes();
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
        self.w.write_all(&b).and_then(|_| self.w.flush()).is_ok()
    }
    fn event(&mut self, name: &str, data: &str) -> bool {
        self.send(format!("event: {}\ndata: {}\n\n", name, data).as_bytes())
    }
    fn end(&mut self) -> Disposition {
        let _ = self.w.write_all(b"0\r\n\r\n");
        let _ = self.w.flush();
        Disposition::Close
    }
}

/// `GET /api/core/chat/resume?appId&chatId`.
pub fn resume(ctx: &Ctx, w: &mut Conn) -> Disposition {
    let p = ctx.params(&Map::new());
    let (app_id, chat_id) = match app_and_chat(ctx, &p) {
        Ok(x) => x,
        Err(e) => return ctx.respond(w, ctx.render_error(&e)),
    };
    if ctx.app.lock().live_chat(&app_id, &chat_id).is_none() {
        return ctx.respond(w, ctx.render_error(&ApiError::plain(500, "Chat not found")));
    }
    let sse_accept = ctx
        .req
        .header("accept")
        .map(|a| a.to_ascii_lowercase().contains("text/event-stream"))
        .unwrap_or(false);
    let round = ctx.app.lock().running_round(&app_id, &chat_id);
    let round = match round {
        None => {
            // Not generating: the final state.
            let state = match completed_state(ctx, &app_id, &chat_id) {
                Ok(s) => s,
                Err(e) => return ctx.respond(w, ctx.render_error(&e)),
            };
            if !sse_accept {
                return ctx.respond(w, Response::json(200, &envelope(state)));
            }
            let mut opts = resume_opts(ctx);
            opts.chunked = true;
            if w.write_all(head(&opts).as_bytes()).is_err() {
                return Disposition::Close;
            }
            let mut out = Sse { w };
            if out.event("resumeCompleted", &state.to_string()) {
                out.event("done", "[DONE]");
            }
            return out.end();
        }
        Some(r) => r,
    };
    if !sse_accept {
        let e = ApiError::plain(
            406,
            "This chat is still generating. Retry /api/core/chat/resume with Accept: text/event-stream.",
        );
        // The route exists only in releases with per-error statuses: 406 in every mode.
        return ctx.respond(w, Response::json(406, &e.body(ctx.style)));
    }
    let opts = resume_opts(ctx);
    if w.write_all(head(&opts).as_bytes()).is_err() {
        return Disposition::Close;
    }
    let mut out = Sse { w };
    if !out.event("resumePhase", "catchup") {
        return Disposition::Close;
    }
    if round.unavailable {
        // No mirror: poll the stored state, with `: ping` comments, until the round ends.
        if !out.event("resumeUnavailable", r#"{"reason":"memoryPressure"}"#) {
            return Disposition::Close;
        }
        let ping = ctx
            .req
            .header("x-dev-heartbeat-ms")
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(3000)
            .max(1);
        let deadline = Instant::now() + Duration::from_secs(300);
        while !round.wait_done(Duration::from_millis(ping)) {
            if Instant::now() > deadline || !out.send(b": ping\n\n") {
                return Disposition::Close;
            }
        }
        if let Ok(state) = completed_state(ctx, &app_id, &chat_id) {
            out.event("resumeCompleted", &state.to_string());
        }
        out.event("done", "[DONE]");
        return out.end();
    }
    if !round.mirrored {
        // A round started without `x-fastgpt-stream-resume: 1` has no mirror: FastGPT sits
        // in the live phase sending nothing until the client gives up (bounded here by the
        // mirror TTL, 300 s).
        if !out.event("resumePhase", "live") {
            return Disposition::Close;
        }
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline && !out.w.peer_closed() {
            std::thread::sleep(Duration::from_millis(100));
        }
        return Disposition::Close;
    }
    // Catch-up: the whole mirrored round from its start, then live frames.
    let (frames, mut done) = round.frames_from(0, Duration::ZERO);
    let mut next = frames.len();
    for f in &frames {
        if !out.send(f) {
            return Disposition::Close;
        }
    }
    if !out.event("resumePhase", "live") {
        return Disposition::Close;
    }
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done && Instant::now() < deadline {
        let (more, d) = round.frames_from(next, Duration::from_millis(500));
        done = d;
        next += more.len();
        for f in &more {
            if !out.send(f) {
                return Disposition::Close;
            }
        }
    }
    out.end()
}

fn resume_opts(ctx: &Ctx) -> SseOpts {
    let mut headers = vec![
        (
            "Content-Type".to_string(),
            "text/event-stream; charset=utf-8".to_string(),
        ),
        (
            "Cache-Control".to_string(),
            "no-cache, no-transform".to_string(),
        ),
        ("Connection".to_string(), "keep-alive".to_string()),
        ("X-Accel-Buffering".to_string(), "no".to_string()),
    ];
    headers.extend(ctx.extra_headers());
    let mut o = SseOpts::normal(&[]);
    o.headers = headers;
    o
}
