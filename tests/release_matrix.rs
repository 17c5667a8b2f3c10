//! The release matrix: every operation of the library, on one client per FastGPT release
//! (`api_paths: "auto"`), against the dev server emulating that release
//! (`X-Dev-FastGPT-Version`, devserver/README.md "FastGPT releases").
//!
//! Each operation is checked for what it did, not only for its status (a deleted record is
//! gone, an uploaded file can be fetched from the URL returned, ...). An operation that a
//! release lacks must fail with the clean `FASTGPT_E_HTTP` of a 404, never a wrong success.
//! The measured table must equal the one in docs/versions-table.md;
//! `FASTGPT_UPDATE_VERSIONS_TABLE=1 cargo test --test release_matrix` rewrites it.
//!
//! Also here: stream resume after a connection cut mid-stream (callback and pull form), and
//! readable error messages (`message`, `message_key`, validation field paths) per release.

// The library's own error value travels in the results, as the library returns it.
#![allow(clippy::result_large_err, clippy::large_enum_variant)]

mod devserver_exe;
use devserver_exe::devserver_exe;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use fastgpt::status::*;
use fastgpt::stream::EventView;
use fastgpt::{Client, Error, Options};
use serde_json::{json, Value};

const KEY: &str = "fastgpt-dev-key";

/// The releases emulated, oldest first: one per era of FastGPT's chat routes (API keys on
/// chat routes, presigned uploads, `history/` and `record/`, resume), the newest, plus
/// 4.14.4 (records v2 on its flat path) and 4.15.2 (app logs for API keys).
const RELEASES: &[&str] = &[
    "4.8.12", "4.13.x", "4.14.0", "4.14.4", "4.14.5", "4.14.11", "4.15.2", "4.16.1",
];

// ---------------------------------------------------------------------------------------
// Harness

struct Server {
    url: String,
    _child: Mutex<Child>,
}

/// Builds the dev server once and spawns it (compatibility mode; each client picks its
/// release with a header).
fn server() -> &'static str {
    static SERVER: OnceLock<Server> = OnceLock::new();
    &SERVER
        .get_or_init(|| {
            let exe = devserver_exe();
            let mut child = Command::new(exe)
                .args(["--chunk-delay-ms", "0", "--exit-on-stdin-eof"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn the dev server");
            let mut line = String::new();
            BufReader::new(child.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("banner");
            let url = line
                .trim()
                .strip_prefix("listening on ")
                .unwrap_or_else(|| panic!("banner {line:?}"))
                .to_string();
            Server {
                url,
                _child: Mutex::new(child),
            }
        })
        .url
}

/// A client of `release` (`api_paths` "auto"); `extra` options are merged in, and
/// `headers` adds request headers.
fn client(release: &str, extra: Value, headers: &[(&str, &str)]) -> Client {
    let mut h = serde_json::Map::new();
    h.insert("X-Dev-FastGPT-Version".into(), json!(release));
    for (k, v) in headers {
        h.insert(k.to_string(), json!(v));
    }
    let mut o = json!({"api_key": KEY, "base_url": server(), "retry_delay_ms": 10,
                       "api_paths": "auto", "headers": h});
    for (k, v) in extra.as_object().expect("object") {
        o[k] = v.clone();
    }
    Client::new(Options::from_json(&o.to_string()).expect("options")).expect("client")
}

/// A fresh 24-hex app id and chat-id prefix, so that releases and tests do not share data.
fn fresh(what: &str) -> (String, String) {
    static N: AtomicU64 = AtomicU64::new(1);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id() as u64;
    (
        format!("{:08x}{:08x}{:08x}", pid & 0xffff_ffff, n, 0xa11u64),
        format!("{what}-{pid}-{n}"),
    )
}

fn question(app: &str, chat: &str, text: &str, detail: bool) -> String {
    json!({"appId": app, "chatId": chat, "detail": detail,
           "messages": [{"role": "user", "content": text}]})
    .to_string()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// GET of an absolute `http://127.0.0.1:PORT/...` URL with a plain socket: the status and
/// the body (no credentials, as the model would fetch it).
fn fetch(url: &str) -> (u16, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut s = TcpStream::connect(host).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "GET {} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n",
        if path.is_empty() { "/" } else { path }
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = raw[end + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(
                String::from_utf8_lossy(&rest[..eol])
                    .split(';')
                    .next()
                    .unwrap()
                    .trim(),
                16,
            )
            .unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    (status, body)
}

// ---------------------------------------------------------------------------------------
// Outcomes

/// What one operation did on one release.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Success, and the effect checked.
    Works,
    /// `FASTGPT_E_HTTP` with HTTP 404: the release lacks the route.
    NotFound,
    /// `FASTGPT_E_API` with this `statusText`: the release refuses the call.
    Refused(String),
    /// Success, but the release does not do what the call asks (a FastGPT bug).
    NoEffect,
    /// Anything else: a failure or a wrong success, with the reason.
    Wrong(String),
}

impl Outcome {
    fn cell(&self) -> String {
        match self {
            Outcome::Works => "✓".into(),
            Outcome::NotFound => "404".into(),
            Outcome::Refused(st) => format!("API: {st}"),
            Outcome::NoEffect => "no effect".into(),
            Outcome::Wrong(why) => format!("WRONG: {why}"),
        }
    }
}

/// An operation's result: `Ok` once its effect was checked.
type Res = Result<(), Failure>;

enum Failure {
    Call(Error),
    Check(String),
    NoEffect,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::Call(e)
    }
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Failure::Check(format!($($msg)+)));
        }
    };
}

fn outcome(r: Res) -> Outcome {
    match r {
        Ok(()) => Outcome::Works,
        Err(Failure::Check(why)) => Outcome::Wrong(why),
        Err(Failure::NoEffect) => Outcome::NoEffect,
        Err(Failure::Call(e)) if e.status == FASTGPT_E_HTTP && e.http_status == Some(404) => {
            // A clean 404: the HTML page's status and nothing else.
            if e.api_code.is_some() || e.body.is_none() {
                Outcome::Wrong(format!("unclean 404: {}", e.to_json()))
            } else {
                Outcome::NotFound
            }
        }
        Err(Failure::Call(e)) if e.status == FASTGPT_E_API => {
            Outcome::Refused(e.status_text.clone().unwrap_or_else(|| "?".into()))
        }
        Err(Failure::Call(e)) => Outcome::Wrong(format!("{} {}", status_name(e.status), e.message)),
    }
}

fn data(envelope: &str) -> Value {
    parse(envelope)["data"].clone()
}

/// `release >= since`, numerically (`4.13.x` is the newest 4.13).
fn at_least(release: &str, since: &str) -> bool {
    let key = |r: &str| -> Vec<u32> {
        r.split('.')
            .map(|p| if p == "x" { 9999 } else { p.parse().unwrap() })
            .collect()
    };
    key(release) >= key(since)
}

/// What each release does, from FastGPT's history (the route table of devserver/README.md):
/// the release that brought each route, and the app-log list's API keys (4.15.2).
fn expected(op: &str, release: &str) -> Outcome {
    let since = match op {
        "fastgpt_get_suggested_questions" => "4.8.14",
        "fastgpt_create_chat_completion_stream (v2 completions)" => "4.9.4",
        "fastgpt_get_app_logs_chart" | "fastgpt_get_app_logs_total" => "4.12.0",
        "fastgpt_upload_chat_bytes" | "fastgpt_get_chat_file_url" => "4.14.0",
        "fastgpt_get_chat_records_v2" => "4.14.4",
        "fastgpt_stop_chat_completion" | "fastgpt_delete_chat_histories" => "4.14.5",
        "fastgpt_resume_chat_completion_stream"
        | "fastgpt_stream_resume_open"
        | "fastgpt_get_history_status"
        | "fastgpt_mark_chat_read" => "4.14.11",
        "fastgpt_get_app_logs" => "4.14.4",
        _ => "4.8.12",
    };
    if !at_least(release, since) {
        return Outcome::NotFound;
    }
    // 4.8.12-4.8.13 clear the key owner's `online` chats: none of the API chats.
    if op == "fastgpt_clear_chat_histories" && !at_least(release, "4.8.14") {
        return Outcome::NoEffect;
    }
    if op == "fastgpt_get_app_logs" && !at_least(release, "4.15.2") {
        return Outcome::Refused("unAuthorization".into());
    }
    Outcome::Works
}

// ---------------------------------------------------------------------------------------
// The operations of one release

struct Run {
    release: String,
    rows: Vec<(String, Outcome)>,
    /// Which path "auto" settled on, per two-path function.
    paths: Vec<(&'static str, Option<&'static str>)>,
    elapsed: Duration,
}

fn run_release(release: &str) -> Run {
    let t0 = Instant::now();
    let c = client(release, json!({}), &[]);
    let v2 = client(
        release,
        json!({"completions_api": "v2", "stream_resume": true}),
        &[],
    );
    let (app, prefix) = fresh("matrix");
    let chat = |n: u32| format!("{prefix}-c{n}");
    let (c1, c2, c3, c4) = (chat(1), chat(2), chat(3), chat(4));
    let ai1 = format!("ai1{}", &app[..21]);
    let mut rows: Vec<(String, Outcome)> = Vec::new();
    let mut record = |op: &str, r: Res| rows.push((op.to_string(), outcome(r)));

    let histories = |c: &Client| -> Result<Vec<Value>, Error> {
        let env = c.get_chat_histories(&app, 0, 50, None, None)?;
        Ok(data(&env)["list"].as_array().cloned().unwrap_or_default())
    };
    let has_chat = |list: &[Value], id: &str| list.iter().any(|h| h["chatId"] == id);
    let records = |c: &Client, chat: &str| -> Result<Vec<Value>, Error> {
        let env = c.get_chat_records(&app, chat, 0, 50, false, None)?;
        Ok(data(&env)["list"].as_array().cloned().unwrap_or_default())
    };

    // Completions, in their four forms.
    record(
        "fastgpt_create_chat_completion",
        (|| {
            let mut req = parse(&question(&app, &c1, "hello matrix", false));
            req["responseChatItemId"] = json!(ai1);
            let out = parse(&c.create_chat_completion(&req.to_string(), None)?);
            let content = &out["choices"][0]["message"]["content"];
            ensure!(content == "You said: hello matrix", "content {content}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_create_chat_completion_stream",
        (|| {
            let mut n = 0;
            let r =
                parse(
                    &c.stream_with(&question(&app, &c1, "second turn", true), None, |_| {
                        n += 1;
                        true
                    })?,
                );
            ensure!(
                r["answer"] == "You said: second turn",
                "answer {}",
                r["answer"]
            );
            ensure!(
                r["event_count"] == n && n > 3,
                "event_count {} vs {n}",
                r["event_count"]
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_stream_open",
        (|| {
            let mut s = c.open_stream(&question(&app, &c2, "pulled", false), None)?;
            let mut text = String::new();
            while let Some(ev) = s.next_event()? {
                text.push_str(ev.text.map_or("", |t| t.as_str()));
            }
            ensure!(text == "You said: pulled", "text {text}");
            ensure!(s.result()["answer"] == "You said: pulled", "result");
            Ok(())
        })(),
    );
    let mut has_v2 = false;
    record(
        "fastgpt_create_chat_completion_stream (v2 completions)",
        (|| {
            let r = parse(&v2.stream_with(&question(&app, &c3, "via v2", true), None, |_| true)?);
            ensure!(r["answer"] == "You said: via v2", "answer {}", r["answer"]);
            ensure!(r["flow_responses"].is_array(), "v2 node responses");
            has_v2 = true;
            Ok(())
        })(),
    );
    // Before v2 completions (4.9.4) the third chat is a v1 one.
    if !has_v2 {
        c.create_chat_completion(&question(&app, &c3, "via v1", false), None)
            .expect("a v1 turn");
    }

    // Histories and records.
    record(
        "fastgpt_get_chat_histories",
        (|| {
            let list = histories(&c)?;
            ensure!(
                has_chat(&list, &c1) && has_chat(&list, &c2) && has_chat(&list, &c3),
                "list {list:?}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_chat_init",
        (|| {
            let d = data(&c.get_chat_init(&app, &c1, None)?);
            ensure!(d["chatId"] == c1.as_str(), "init {d}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_chat_records",
        (|| {
            let list = records(&c, &c1)?;
            ensure!(list.len() == 4, "{} records", list.len());
            ensure!(list.iter().any(|r| r["dataId"] == ai1.as_str()), "no {ai1}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_record_detail",
        (|| {
            let d = data(&c.get_record_detail(&app, &c1, &ai1, None)?);
            ensure!(d.as_array().is_some_and(|a| !a.is_empty()), "detail {d}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_update_chat_history",
        (|| {
            c.update_chat_history(&app, &c1, Some("renamed"), 1, None)?;
            let list = histories(&c)?;
            let h = list.iter().find(|h| h["chatId"] == c1.as_str());
            ensure!(
                h.is_some_and(|h| h["customTitle"] == "renamed" && h["top"] == true),
                "history {h:?}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_send_feedback",
        (|| {
            c.send_feedback(&app, &c1, &ai1, Some("good"), None, None)?;
            let list = records(&c, &c1)?;
            let item = list.iter().find(|r| r["dataId"] == ai1.as_str());
            ensure!(
                item.is_some_and(|r| r["userGoodFeedback"] == "good"),
                "item {item:?}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_suggested_questions",
        (|| {
            let d = data(&c.get_suggested_questions(&app, &c1, None, None)?);
            ensure!(d.as_array().is_some_and(|a| a.len() == 3), "guide {d}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_delete_chat_record",
        (|| {
            c.delete_chat_record(&app, &c1, &ai1, None)?;
            let list = records(&c, &c1)?;
            ensure!(
                list.len() == 3 && !list.iter().any(|r| r["dataId"] == ai1.as_str()),
                "the record is still there ({} records)",
                list.len()
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_delete_chat_history",
        (|| {
            c.delete_chat_history(&app, &c2, None)?;
            ensure!(!has_chat(&histories(&c)?, &c2), "the chat is still listed");
            Ok(())
        })(),
    );

    // Files.
    let bytes = format!("file of {release}").into_bytes();
    let mut key = String::from("chat/none/none/none/absent.txt");
    record(
        "fastgpt_upload_chat_bytes",
        (|| {
            let up = parse(&c.upload_chat_bytes(&app, &c1, "note.txt", None, &bytes, None)?);
            key = up["key"].as_str().unwrap_or_default().to_string();
            ensure!(!key.is_empty() && up["type"] == "file", "upload {up}");
            let url = up["url"].as_str().unwrap_or_default();
            let (status, body) = fetch(url);
            ensure!(
                status == 200 && body == bytes,
                "url {url} answered {status} with {} bytes",
                body.len()
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_chat_file_url",
        (|| {
            let url = data(&c.get_chat_file_url(&app, &c1, &key, None)?);
            let url = url.as_str().unwrap_or_default();
            let (status, body) = fetch(url);
            ensure!(
                status == 200 && body == bytes,
                "url {url} answered {status}"
            );
            Ok(())
        })(),
    );

    // Running rounds: stop, resume.
    record(
        "fastgpt_stop_chat_completion",
        (|| {
            let slow = client(
                release,
                json!({"completions_api": "v2"}),
                // ~20 chunks, 150 ms apart: about 3 s for the stop to land on a loaded machine.
                &[("X-Dev-Chunk-Delay-Ms", "150")],
            );
            let long = "a question long enough for about twenty chunks of answer";
            let (tx, rx) = std::sync::mpsc::channel();
            let t = std::time::Instant::now();
            let streamed = std::thread::scope(|s| {
                let (slow, app_id, chat_id) = (&slow, app.as_str(), c4.as_str());
                // `tx` moves in: a stream that fails at once drops it, which ends the wait.
                let h = s.spawn(move || {
                    let mut sent = false;
                    slow.stream_with(
                        &question(app_id, chat_id, long, true),
                        None,
                        |ev: &EventView| {
                            if !sent && ev.name.as_str() == "answer" {
                                sent = tx.send(()).is_ok();
                            }
                            true
                        },
                    )
                });
                let _ = rx.recv_timeout(Duration::from_secs(10));
                let stopped = c.stop_chat_completion(&app, &c4, None);
                (stopped, h.join().expect("stream thread"))
            });
            let (stopped, streamed) = streamed;
            let d = data(&stopped?);
            ensure!(d["success"] == true, "stop data {d}");
            let r = parse(&streamed?);
            let answer = r["answer"].as_str().unwrap_or_default();
            ensure!(
                answer.len() < format!("You said: {long}").len() && r["finish_reason"] == "stop",
                "the round was not stopped: {answer:?} after {:?}",
                t.elapsed()
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_resume_chat_completion_stream",
        (|| {
            let mut names = Vec::new();
            let r = parse(&c.resume_stream_with(&app, &c3, None, |ev| {
                names.push(ev.name.as_str().to_string());
                true
            })?);
            ensure!(
                names == ["resumeCompleted", "done"] && r["resume"]["completed"] == true,
                "events {names:?}, result {r}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_stream_resume_open",
        (|| {
            let mut s = c.open_resume_stream(&app, &c3, None)?;
            let mut names = Vec::new();
            while let Some(ev) = s.next_event()? {
                names.push(ev.name.as_str().to_string());
            }
            let r = s.result();
            ensure!(
                names == ["resumeCompleted", "done"] && r["resume"]["completed"] == true,
                "events {names:?}, result {r}"
            );
            Ok(())
        })(),
    );

    // The 4.14–4.16 history and record calls.
    record(
        "fastgpt_get_history_status",
        (|| {
            let ids = json!([c1, c3, "unknown-chat"]).to_string();
            let d = data(&c.get_history_status(&app, &ids, None)?);
            let list = d["list"].as_array().cloned().unwrap_or_default();
            ensure!(
                list.len() == 2 && has_chat(&list, &c1) && has_chat(&list, &c3),
                "status {d}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_mark_chat_read",
        (|| {
            c.mark_chat_read(&app, &c1, None)?;
            let ids = json!([c1]).to_string();
            let d = data(&c.get_history_status(&app, &ids, None)?);
            ensure!(
                d["list"][0]["hasBeenRead"] == true,
                "status after markRead {d}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_chat_records_v2",
        (|| {
            let d = data(&c.get_chat_records_v2(&app, &c1, 2, None, None)?);
            let list = d["list"].as_array().cloned().unwrap_or_default();
            ensure!(
                list.len() == 2 && d["total"] == 3 && d["hasMorePrev"] == true,
                "records v2 {d}"
            );
            // The page before the first item of this one.
            let first = list[0]["id"].as_str().unwrap_or_default().to_string();
            let opts = json!({ "prevId": first }).to_string();
            let d = data(&c.get_chat_records_v2(&app, &c1, 2, Some(&opts), None)?);
            ensure!(
                d["list"].as_array().is_some_and(|l| l.len() == 1),
                "prev page {d}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_delete_chat_histories",
        (|| {
            c.delete_chat_histories(&app, &json!([c3]).to_string(), None)?;
            ensure!(!has_chat(&histories(&c)?, &c3), "the chat is still listed");
            Ok(())
        })(),
    );

    // App logs.
    record(
        "fastgpt_get_app_logs_chart",
        (|| {
            let d = data(&c.get_app_logs_chart(
                &app,
                "2025-01-01T00:00:00.000Z",
                "2025-01-03T00:00:00.000Z",
                None,
                None,
            )?);
            ensure!(
                d["chatData"].is_array() && d["userData"].is_array(),
                "chart {d}"
            );
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_app_logs_total",
        (|| {
            let d = data(&c.get_app_logs_total(&app, None)?);
            ensure!(d["totalChats"].is_number(), "totals {d}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_get_app_logs",
        (|| {
            let d = data(&c.get_app_logs(
                &app,
                "2000-01-01T00:00:00.000Z",
                "2100-01-01T00:00:00.000Z",
                0,
                20,
                None,
                None,
            )?);
            let list = d["list"].as_array().cloned().unwrap_or_default();
            ensure!(has_chat(&list, &c1), "logs {d}");
            Ok(())
        })(),
    );

    // Any endpoint, and last the one that empties the app.
    record(
        "fastgpt_request",
        (|| {
            let q = json!({"appId": app, "chatId": c1}).to_string();
            let out = parse(&c.request("GET", "/api/core/chat/init", Some(&q), None, None)?);
            ensure!(out["data"]["chatId"] == c1.as_str(), "init {out}");
            Ok(())
        })(),
    );
    record(
        "fastgpt_clear_chat_histories",
        (|| {
            c.clear_chat_histories(&app, None)?;
            if !histories(&c)?.is_empty() {
                return Err(Failure::NoEffect);
            }
            Ok(())
        })(),
    );

    Run {
        release: release.to_string(),
        rows,
        paths: c.remembered_paths(),
        elapsed: t0.elapsed(),
    }
}

// ---------------------------------------------------------------------------------------
// The matrix and its table

fn render(runs: &[Run]) -> String {
    let mut t = String::new();
    t.push_str("| operation |");
    for r in runs {
        t.push_str(&format!(" {} |", r.release));
    }
    t.push_str("\n|---|");
    for _ in runs {
        t.push_str("---|");
    }
    t.push('\n');
    for (i, (op, _)) in runs[0].rows.iter().enumerate() {
        let label = match op.split_once(' ') {
            Some((name, note)) => format!("`{name}` {note}"),
            None => format!("`{op}`"),
        };
        t.push_str(&format!("| {label} |"));
        for r in runs {
            t.push_str(&format!(" {} |", r.rows[i].1.cell()));
        }
        t.push('\n');
    }
    t.push_str("\nThe path `\"auto\"` settled on, per function (current = the first path of the");
    t.push_str(" contract's table, legacy = the second; – = no envelope answered):\n\n");
    t.push_str("| function's current path |");
    for r in runs {
        t.push_str(&format!(" {} |", r.release));
    }
    t.push_str("\n|---|");
    for _ in runs {
        t.push_str("---|");
    }
    t.push('\n');
    for (i, (path, _)) in runs[0].paths.iter().enumerate() {
        t.push_str(&format!("| `{path}` |"));
        for r in runs {
            t.push_str(&format!(" {} |", r.paths[i].1.unwrap_or("–")));
        }
        t.push('\n');
    }
    t
}

const BEGIN: &str = "<!-- release-matrix:begin (generated by tests/release_matrix.rs) -->\n";
const END: &str = "<!-- release-matrix:end -->";

#[test]
fn every_operation_on_every_release() {
    server();
    let runs: Vec<Run> = std::thread::scope(|s| {
        let handles: Vec<_> = RELEASES
            .iter()
            .map(|r| s.spawn(move || run_release(r)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut problems = Vec::new();
    for run in &runs {
        eprintln!("{}: {:?}", run.release, run.elapsed);
        assert!(
            run.elapsed < Duration::from_secs(20),
            "{} took {:?}",
            run.release,
            run.elapsed
        );
        for (op, got) in &run.rows {
            let want = expected(op, &run.release);
            if *got != want {
                problems.push(format!(
                    "{} {op}: measured {}, expected {}",
                    run.release,
                    got.cell(),
                    want.cell()
                ));
            }
        }
    }
    let table = render(&runs);
    eprintln!("{table}");
    let doc_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/versions-table.md");
    let doc = std::fs::read_to_string(&doc_path).unwrap_or_default();
    let in_doc = doc
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(t, _)| t);
    if std::env::var_os("FASTGPT_UPDATE_VERSIONS_TABLE").is_some() {
        let (head, tail) = match (doc.split_once(BEGIN), in_doc) {
            (Some((head, rest)), Some(_)) => (
                head.to_string(),
                rest.split_once(END).map(|(_, t)| t.to_string()).unwrap(),
            ),
            _ => (doc.clone(), "\n".to_string()),
        };
        std::fs::write(&doc_path, format!("{head}{BEGIN}{table}{END}{tail}")).unwrap();
    } else if in_doc != Some(table.as_str()) {
        problems.push(format!(
            "docs/versions-table.md does not show the measured table; rerun with \
             FASTGPT_UPDATE_VERSIONS_TABLE=1 after checking it:\n{table}"
        ));
    }
    // The README shows the operation table (the generated block's first table) too.
    let ops = table.split("\n\n").next().unwrap_or_default();
    let readme_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).unwrap_or_default();
    let shown = readme.find("| operation |").map(|at| {
        let len = readme[at..].find("\n\n").unwrap_or(readme.len() - at);
        at..at + len
    });
    match shown {
        Some(r) if std::env::var_os("FASTGPT_UPDATE_VERSIONS_TABLE").is_some() => {
            let mut updated = readme.clone();
            updated.replace_range(r, ops.trim_end());
            std::fs::write(&readme_path, updated).unwrap();
        }
        Some(r) if readme[r.clone()].trim_end() == ops.trim_end() => {}
        _ => problems.push(format!(
            "README.md's \"Which FastGPT versions\" table differs from the measured one; rerun \
             with FASTGPT_UPDATE_VERSIONS_TABLE=1 after checking it:\n{ops}"
        )),
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Resume after a cut

/// A v2 round cut mid-stream by the server (`cut-mid-stream`), then resumed: the callback
/// form and the pull form both end with the whole answer, catch-up replay included.
#[test]
fn resume_after_a_cut_mid_stream() {
    for release in ["4.14.11", "4.16.1"] {
        for pull in [false, true] {
            let (app, prefix) = fresh("cut");
            let chat = format!("{prefix}-{pull}");
            let text = "a question long enough for a resumed answer";
            let cut = client(
                release,
                json!({"completions_api": "v2", "stream_resume": true}),
                &[("X-Dev-Fault", "cut-mid-stream:1000")],
            );
            let e = cut
                .stream_with(&question(&app, &chat, text, true), None, |_| true)
                .expect_err("the server cut the stream");
            assert_eq!(e.status, FASTGPT_E_STREAM_INCOMPLETE, "{}", e.to_json());
            let partial = e.partial.clone().unwrap()["answer"]
                .as_str()
                .unwrap()
                .to_string();
            let full = format!("You said: {text}");
            assert!(
                !partial.is_empty() && partial.len() < full.len(),
                "{partial}"
            );

            let c = client(release, json!({}), &[]);
            let (names, result) = if pull {
                let mut s = c.open_resume_stream(&app, &chat, None).expect("resume");
                let mut names = Vec::new();
                while let Some(ev) = s.next_event().expect("event") {
                    names.push(ev.name.as_str().to_string());
                }
                (names, s.result())
            } else {
                let mut names = Vec::new();
                let r = c
                    .resume_stream_with(&app, &chat, None, |ev| {
                        names.push(ev.name.as_str().to_string());
                        true
                    })
                    .expect("resume");
                (names, parse(&r))
            };
            let ctx = format!("{release} pull={pull}: {names:?} {result}");
            assert_eq!(result["answer"], full.as_str(), "{ctx}");
            assert_eq!(result["done"], true, "{ctx}");
            assert_eq!(result["chat_id"], chat.as_str(), "{ctx}");
            assert_eq!(result["resume"]["phase"], "live", "{ctx}");
            assert_eq!(result["resume"]["completed"], false, "{ctx}");
            assert_eq!(result["resume"]["unavailable_reason"], Value::Null, "{ctx}");
            assert_eq!(
                names.first().map(String::as_str),
                Some("resumePhase"),
                "{ctx}"
            );
            assert!(
                names.iter().filter(|n| *n == "resumePhase").count() == 2,
                "{ctx}"
            );
            assert_eq!(names.last().map(String::as_str), Some("done"), "{ctx}");
            assert_eq!(result["event_count"], names.len(), "{ctx}");
        }
    }
}

/// A round whose mirror could not be made (`resume-unavailable`): the resume says so, waits
/// for the round and ends with its final state.
#[test]
fn resume_of_a_round_without_mirror_reports_why() {
    let release = "4.16.1";
    let (app, chat) = fresh("unavailable");
    let slow = client(
        release,
        json!({"completions_api": "v2", "stream_resume": true}),
        &[("X-Dev-Fault", "cut-mid-stream:300,resume-unavailable")],
    );
    let e = slow
        .stream_with(&question(&app, &chat, "no mirror here", true), None, |_| {
            true
        })
        .expect_err("cut");
    assert_eq!(e.status, FASTGPT_E_STREAM_INCOMPLETE, "{}", e.to_json());
    let c = client(release, json!({}), &[("X-Dev-Heartbeat-Ms", "50")]);
    let r = parse(
        &c.resume_stream_with(&app, &chat, None, |_| true)
            .expect("resume"),
    );
    assert_eq!(r["resume"]["unavailable_reason"], "memoryPressure", "{r}");
    assert_eq!(r["resume"]["completed"], true, "{r}");
    assert_eq!(r["done"], true, "{r}");
}

// ---------------------------------------------------------------------------------------
// Readable errors

#[test]
fn readable_error_messages_per_release() {
    let mut seen = BTreeMap::new();
    for release in RELEASES {
        let (app, chat) = fresh("errors");
        // A wrong key: FastGPT sends the i18n key of "Invalid API Key".
        let mut bad = json!({"api_key": "fastgpt-wrong", "base_url": server(),
                             "headers": {"X-Dev-FastGPT-Version": release}});
        bad["max_retries"] = json!(0);
        let c = Client::new(Options::from_json(&bad.to_string()).unwrap()).unwrap();
        let e = c.get_chat_init(&app, &chat, None).expect_err("wrong key");
        let v = e.to_value();
        assert_eq!(e.status, FASTGPT_E_API, "{release}: {v}");
        assert_eq!(
            v["error"]["message"], "Invalid API Key (unAuthApiKey)",
            "{release}: {v}"
        );
        assert_eq!(
            v["error"]["message_key"], "common:code_error.error_message.514",
            "{release}: {v}"
        );
        assert_eq!(v["error"]["status_text"], "unAuthApiKey", "{release}: {v}");

        // A validation error names the field (from 4.14.7, whose errors carry zodError).
        let c = client(release, json!({}), &[]);
        let r = c.get_chat_init("0123456789abcdef0123456g", &chat, None);
        let msg = match &r {
            Ok(_) => "(success)".to_string(),
            Err(e) => e.message.clone(),
        };
        seen.insert(release.to_string(), msg.clone());
        if at_least(release, "4.14.7") {
            let e = r.expect_err("a validation error");
            assert_eq!(e.to_value()["error"]["message_key"], Value::Null);
            assert!(
                msg.starts_with("Data validation error: appId: "),
                "{release}: {msg}"
            );
        }
    }
    eprintln!("{seen:#?}");
    // A message that is not a key is kept, and message_key is null.
    let c = client("4.16.1", json!({}), &[]);
    let (app, chat) = fresh("plain");
    let e = c
        .send_feedback(&app, &chat, "no-such-item", Some("x"), None, None)
        .expect_err("unknown item");
    let v = e.to_value();
    assert_eq!(v["error"]["message"], "Chat item not found", "{v}");
    assert_eq!(v["error"]["message_key"], Value::Null, "{v}");
}
