//! Request dispatch: dev control routes, object storage, fault selection, the route table
//! lookup for the emulated release (or the compatibility families), auth, then the handler.
//! The top of the dependency order: it uses every handler module.

use crate::app::{envelope, html_404, parse_json_body, App, Ctx, Style};
use crate::conn::Conn;
use crate::faults::{self, Disposition, Fault, GenericOutcome};
use crate::http::{self, Request, Response};
use crate::release::{v, Version};
use crate::routes::{self, Ep, Table};
use crate::{chat, completions, rounds, s3, util};
use serde_json::json;

fn text(status: u16, msg: String) -> Response {
    Response::new(status, "text/plain; charset=utf-8", msg.into_bytes())
}

/// The release a request is answered as: `X-Dev-FastGPT-Version` (any request), else
/// `--fastgpt-version`; `None` = compatibility mode. `Err` = an unparsable header.
fn release_of(app: &App, req: &Request) -> Result<Option<Version>, String> {
    match req.header("x-dev-fastgpt-version").map(str::trim) {
        None | Some("") => Ok(app.cfg.version),
        Some(s) if s.eq_ignore_ascii_case("compat") => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("latest") => Ok(Some(crate::release::LATEST)),
        Some(s) => Version::parse(s).map(Some),
    }
}

pub fn handle(app: &App, req: &Request, w: &mut Conn) -> Disposition {
    if app.cfg.log {
        eprintln!("[devserver] {} {}", req.method, req.target);
    }
    let ka = req.keep_alive();
    let send = |w: &mut Conn, r: Response| match http::write_response(w, &r, ka) {
        Ok(()) if ka => Disposition::KeepAlive,
        _ => Disposition::Close,
    };

    // Object storage for chat file uploads: never faulted by headers, no FastGPT auth.
    if req.path.starts_with("/__s3/") {
        return s3::handle(app, req, w);
    }

    // Dev control endpoints: never faulted, no auth.
    if let Some(rest) = req.path.strip_prefix("/__dev/") {
        return match rest {
            "count" => {
                let key = req.query_get("key").unwrap_or("");
                let n = app.lock().fault_counts.get(key).copied().unwrap_or(0);
                send(w, Response::json(200, &json!({"count": n})))
            }
            "reset" => {
                app.lock().reset();
                send(w, Response::json(200, &json!({"ok": true})))
            }
            "health" => send(w, Response::json(200, &json!({"ok": true}))),
            "uploads" => send(w, Response::json(200, &s3::list(app))),
            "routes" => {
                let t = match release_of(app, req).ok().flatten() {
                    Some(r) => Table::Release(r),
                    None => Table::Compat {
                        legacy: true,
                        current: true,
                    },
                };
                send(w, Response::json(200, &routes::describe(t)))
            }
            "version" => {
                let r = release_of(app, req).ok().flatten();
                send(
                    w,
                    Response::json(200, &json!({"fastgptVersion": r.map(|r| r.to_string())})),
                )
            }
            _ => send(w, html_404()),
        };
    }

    let release = match release_of(app, req) {
        Ok(r) => r,
        Err(msg) => return send(w, text(400, format!("X-Dev-FastGPT-Version: {}", msg))),
    };
    let (style, table) = match release {
        Some(r) => (Style::of_release(r), Table::Release(r)),
        None => {
            let style = match req
                .header("x-dev-errors")
                .map(|s| s.to_ascii_lowercase())
                .as_deref()
            {
                Some("e1") => Style::E1,
                Some("e3") => Style::E3Compat,
                _ => Style::E2,
            };
            let paths = req.header("x-dev-paths").map(|s| s.to_ascii_lowercase());
            let (legacy, current) = match paths.as_deref() {
                Some("current") => (false, true),
                Some("legacy") => (true, false),
                _ => (true, true),
            };
            (style, Table::Compat { legacy, current })
        }
    };
    // `x-request-id` on every response from 4.14.7.
    let req_id = match release {
        Some(r) => r >= v(4, 14, 7),
        None => style == Style::E3Compat,
    };
    let mut ctx = Ctx {
        app,
        req,
        release,
        style,
        route: None,
        req_id: req_id.then(util::uuid_like),
        faults: Vec::new(),
        base: w.base_url(),
    };

    // Fault selection and per-key counting.
    let count = req
        .header("x-dev-fault-key")
        .map(|k| app.lock().count_fault_key(k));
    if let Some(spec) = req.header("x-dev-fault") {
        let parsed = match faults::parse(spec) {
            Ok(f) => f,
            Err(msg) => return ctx.respond(w, text(400, format!("X-Dev-Fault: {}", msg))),
        };
        let active = match req.header("x-dev-fault-times") {
            None => true,
            Some(t) => match t.trim().parse::<u64>() {
                Ok(times) => count.unwrap_or(1) <= times,
                Err(_) => return ctx.respond(w, text(400, "bad X-Dev-Fault-Times".into())),
            },
        };
        if active {
            ctx.faults = parsed;
        }
    }
    let d = dispatch(&mut ctx, table, w);
    // `idle-close:MS`: the response said keep-alive; the connection goes away anyway.
    let idle = ctx.faults.iter().find_map(|f| match f {
        Fault::IdleClose(ms) => Some(*ms),
        _ => None,
    });
    match (d, idle) {
        (Disposition::KeepAlive, Some(ms)) => Disposition::IdleClose(ms),
        _ => d,
    }
}

/// After fault selection: generic faults, the route table, auth, the handler.
fn dispatch(ctx: &mut Ctx, table: Table, w: &mut Conn) -> Disposition {
    let req = ctx.req;
    let release = ctx.release;
    if let Some(g) = ctx.faults.iter().find(|f| f.is_generic()).cloned() {
        return match faults::apply_generic(&g, req, w) {
            GenericOutcome::Respond(r) => ctx.respond(w, r),
            GenericOutcome::Done(d) => d,
        };
    }

    let route = match routes::resolve(&req.path, table) {
        Some(r) => r,
        None => return ctx.respond(w, html_404()),
    };
    ctx.route = Some(route);
    let ep = route.ep;
    if ep == Ep::Echo || req.header("x-dev-echo") == Some("1") {
        return ctx.respond(w, Response::json(200, &envelope(chat::echo_data(req))));
    }
    // Next.js' body limits answer before FastGPT code runs (versions reference §7).
    if let Some(r) = release {
        let mb = match ep {
            Ep::CompletionsV1 | Ep::CompletionsV2 if r >= v(4, 15, 3) => 10,
            Ep::CompletionsV1 | Ep::CompletionsV2 if r >= v(4, 8, 1) => 20,
            Ep::ProxyUpload | Ep::Resume | Ep::Echo => usize::MAX / (1024 * 1024),
            _ => 1,
        };
        if req.body.len() > mb * 1024 * 1024 {
            return ctx.respond(w, text(413, format!("Body exceeded {}mb limit", mb)));
        }
    }
    match ep {
        Ep::CompletionsV1 => return completions::completions(ctx, 1, w),
        Ep::CompletionsV2 => return completions::completions(ctx, 2, w),
        // The upload proxy authorises by its token; short links are public.
        Ep::ProxyUpload => {
            let r = match s3::proxy_upload(ctx) {
                Ok(d) => Response::json(200, &envelope(d)),
                Err(e) => ctx.render_error(&e),
            };
            return ctx.respond(w, r);
        }
        Ep::ProxyDownload => {
            let r = s3::proxy_download(ctx).unwrap_or_else(|e| ctx.render_error(&e));
            return ctx.respond(w, r);
        }
        _ => {}
    }

    // Envelope endpoints.
    if ep == Ep::PresignChatFile {
        if let Err(msg) = s3::presign_opts(req) {
            return ctx.respond(w, text(400, msg));
        }
    }
    let body = if route.src.reads_body() {
        match parse_json_body(req) {
            Ok(b) => b,
            Err(r) => return ctx.respond(w, r),
        }
    } else {
        Default::default()
    };
    if let Err(e) = ctx.auth() {
        let r = ctx.render_error(&e);
        return ctx.respond(w, r);
    }
    if ep == Ep::Resume {
        return rounds::resume(ctx, w);
    }
    let params = ctx.params(&body);
    let result = match ep {
        Ep::Stop => rounds::stop(ctx, &params),
        _ => chat::dispatch(ctx, ep, &params),
    };
    let resp = match result {
        Ok(data) => Response::json(200, &envelope(data)),
        Err(e) => ctx.render_error(&e),
    };
    ctx.respond(w, resp)
}
