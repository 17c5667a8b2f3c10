//! `fastgpt::Client` against the FastGPT-compatible dev server (devserver/README.md):
//! streaming in both forms, error classification (contract §2.1, §6), the `api_paths`
//! fallback (§4), retries and `Retry-After` (§7), the idle timeout (§4) and cancellation (§8).
//!
//! One dev server is built (with the same cargo that runs the tests) and spawned for the
//! whole file; tests run in parallel and tell their requests apart with unique
//! `X-Dev-Fault-Key`s.

mod devserver_exe;
use devserver_exe::devserver_exe;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use fastgpt::error::TimeoutKind;
use fastgpt::status::*;
use fastgpt::stream::EventView;
use fastgpt::{CancelToken, Client, Error, Options};
use serde_json::{json, Value};

const KEY: &str = "fastgpt-dev-key";
const APP: &str = "0123456789abcdef01234567";

// ---------------------------------------------------------------------------------------
// Harness

struct Server {
    url: String,
    /// Kept so that stdin stays open: the server exits when this process does
    /// (`--exit-on-stdin-eof`).
    _child: Mutex<Child>,
}

/// Builds the dev server once (the path comes from cargo's own artifact messages, so a
/// custom target dir works) and spawns it.
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

/// A key no other request uses.
fn fault_key(what: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    format!(
        "{what}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A client with fast retries; `extra` is merged over the defaults (`headers` as given).
fn client_with(extra: Value) -> Client {
    let mut o =
        json!({"api_key": KEY, "base_url": server(), "retry_delay_ms": 10, "max_retries": 2});
    for (k, v) in extra.as_object().expect("object") {
        o[k] = v.clone();
    }
    Client::new(Options::from_json(&o.to_string()).expect("options")).expect("client")
}

fn client(headers: &[(&str, &str)]) -> Client {
    let h: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    client_with(json!({ "headers": h }))
}

/// Requests counted by the dev server under `key`.
fn count(key: &str) -> u64 {
    let body = client(&[])
        .request(
            "GET",
            "/__dev/count",
            Some(&json!({ "key": key }).to_string()),
            None,
            None,
        )
        .expect("count");
    serde_json::from_str::<Value>(&body).unwrap()["count"]
        .as_u64()
        .unwrap()
}

fn completion(question: &str, detail: bool) -> String {
    json!({"messages":[{"role":"user","content":question}],"detail":detail}).to_string()
}

/// One delivered event: (event, data, text).
type Ev = (String, String, Option<String>);

fn capture(e: &EventView) -> Ev {
    (
        e.name.as_str().to_string(),
        e.data.as_str().to_string(),
        e.text.map(|t| t.as_str().to_string()),
    )
}

/// Events whose data depends on timing or ids are compared by name only.
fn normalized(events: &[Ev]) -> Vec<Ev> {
    events
        .iter()
        .map(|(n, d, t)| match n.as_str() {
            "workflowDuration" | "flowResponses" | "flowNodeResponse" => {
                (n.clone(), "<varies>".into(), t.clone())
            }
            _ => (n.clone(), d.clone(), t.clone()),
        })
        .collect()
}

/// The callback form: events, then the result or the error.
fn stream_cb(
    c: &Client,
    req: &str,
    cancel: Option<&CancelToken>,
) -> (Vec<Ev>, Result<Value, Error>) {
    let mut events = Vec::new();
    let r = c.stream_with(req, cancel, |e| {
        events.push(capture(e));
        true
    });
    (
        events,
        r.map(|s| serde_json::from_str(&s).expect("result JSON")),
    )
}

/// The pull form: events, then the result or the error (the end must be sticky).
fn stream_pull(
    c: &Client,
    req: &str,
    cancel: Option<&CancelToken>,
) -> (Vec<Ev>, Result<Value, Error>) {
    let mut s = match c.open_stream(req, cancel) {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut events = Vec::new();
    loop {
        match s.next_event() {
            Ok(Some(e)) => events.push(capture(&e)),
            Ok(None) => {
                assert!(matches!(s.next_event(), Ok(None)), "a clean end is sticky");
                return (events, Ok(s.result()));
            }
            Err(e) => {
                let again = s.next_event().expect_err("an error end is sticky");
                assert_eq!(again.status, e.status);
                assert_eq!(
                    s.result(),
                    *e.partial.as_ref().expect("a stream error carries partial")
                );
                return (events, Err(e));
            }
        }
    }
}

fn err_of<T: std::fmt::Debug>(r: Result<T, Error>) -> Error {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e,
    }
}

fn strip_ids(mut v: Value) -> Value {
    v["response_chat_item_id"] = Value::Null;
    v["chat_id"] = Value::Null;
    v["flow_responses"] = json!(v["flow_responses"].as_array().map(Vec::len));
    v
}

/// Tool objects compared member by member; a member sent only as `""` may be absent
/// (§6 leaves open whether the creating frame's `""` members are stored).
fn assert_tool(actual: &Value, expected: Value) {
    let a = actual.as_object().expect("tool object");
    for (k, v) in expected.as_object().unwrap() {
        match a.get(k) {
            Some(x) => assert_eq!(x, v, "tool member {k}: {actual}"),
            None => assert_eq!(v, "", "tool member {k} missing: {actual}"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Streaming

#[test]
fn callback_and_pull_forms_agree_on_events_and_result() {
    for api in ["v1", "v2"] {
        for detail in [true, false] {
            let c = client_with(json!({ "completions_api": api }));
            let req = json!({"messages":[{"role":"user","content":"hello /tool /reasoning"}],"detail":detail,
                             "variables":{"city":"Paris"},"responseChatItemId":"rid-fixed-000000000000001"})
            .to_string();
            let (ev_cb, r_cb) = stream_cb(&c, &req, None);
            let (ev_pull, r_pull) = stream_pull(&c, &req, None);
            let (r_cb, r_pull) = (r_cb.expect("callback form"), r_pull.expect("pull form"));
            assert_eq!(
                normalized(&ev_cb),
                normalized(&ev_pull),
                "{api} detail={detail}"
            );
            assert_eq!(
                strip_ids(r_cb.clone()),
                strip_ids(r_pull.clone()),
                "{api} detail={detail}"
            );

            let want_answer = "You said: hello /tool /reasoning";
            let r = &r_cb;
            assert_eq!(r["answer"], want_answer);
            assert_eq!(r["reasoning"], "Let me think.");
            assert_eq!(r["finish_reason"], "stop");
            assert_eq!(r["done"], true);
            assert_eq!(r["event_count"], ev_cb.len());
            assert_eq!(r["response_chat_item_id"], "rid-fixed-000000000000001");
            assert_eq!(r["chat_id"], Value::Null);
            // The texts of answer events join to the answer; every other event has no text.
            let texts: String = ev_cb.iter().filter_map(|e| e.2.clone()).collect();
            assert_eq!(texts, want_answer);
            for (n, _, t) in &ev_cb {
                assert_eq!(t.is_some(), n == "answer" || n == "fastAnswer", "{n}");
            }
            let names: Vec<&str> = ev_cb.iter().map(|e| e.0.as_str()).collect();
            assert_eq!(names.iter().filter(|n| **n == "done").count(), 1);
            if detail {
                assert_eq!(r["variables"], json!({"city":"Paris"}));
                assert_eq!(
                    r["tool_calls"].as_array().unwrap().len(),
                    1,
                    "{}",
                    r["tool_calls"]
                );
                assert_tool(
                    &r["tool_calls"][0],
                    json!({"id":"call_1","toolName":"Search","toolAvatar":"","functionName":"search","params":"{\"q\":\"x\"}","response":"found"}),
                );
                assert!(
                    r["flow_responses"].as_array().is_some_and(|a| a.len() >= 2),
                    "{api}: {}",
                    r["flow_responses"]
                );
                if api == "v1" {
                    assert_eq!(
                        names.last(),
                        Some(&"flowResponses"),
                        "v1 sends flowResponses after [DONE]"
                    );
                } else {
                    assert!(
                        names.contains(&"flowNodeResponse") && !names.contains(&"flowResponses")
                    );
                }
            } else {
                assert!(
                    names.iter().all(|n| *n == "answer" || *n == "done"),
                    "{names:?}"
                );
                assert_eq!(r["tool_calls"], json!([]));
                assert_eq!(r["flow_responses"], Value::Null);
                assert_eq!(r["variables"], Value::Null);
            }
        }
    }
}

#[test]
fn generated_response_chat_item_id_and_chat_id_are_reported() {
    let c = client(&[]);
    let req =
        json!({"messages":[{"role":"user","content":"hi"}],"chatId":"chat-gen-1"}).to_string();
    let (_, r) = stream_cb(&c, &req, None);
    let r = r.unwrap();
    assert_eq!(r["chat_id"], "chat-gen-1");
    let rid = r["response_chat_item_id"].as_str().unwrap();
    assert!(
        rid.len() == 24 && rid.bytes().all(|b| b.is_ascii_alphanumeric()),
        "{rid}"
    );
    // It is the AI item's dataId (the completion used the dev server's default app).
    let recs = c
        .get_chat_records("65f0000000000000000000aa", "chat-gen-1", 0, 10, false, None)
        .unwrap();
    let recs: Value = serde_json::from_str(&recs).unwrap();
    let ai: Vec<&Value> = recs["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["obj"] == "AI")
        .collect();
    assert_eq!(ai.last().unwrap()["dataId"], rid);
}

/// §1: "In `text`, U+0000 is replaced by U+FFFD"; §6: "`answer`: every `text`,
/// concatenated". The dev server echoes the question, so a NUL in it comes back as `\u0000`.
#[test]
fn a_nul_in_the_content_is_u_fffd_in_text_and_answer() {
    let (events, r) = stream_cb(&client(&[]), &completion("nul\u{0}x", false), None);
    let texts: String = events.iter().filter_map(|e| e.2.clone()).collect();
    assert_eq!(texts, "You said: nul\u{FFFD}x");
    assert!(events
        .iter()
        .all(|e| !e.2.as_deref().unwrap_or("").contains('\0')));
    assert_eq!(
        r.unwrap()["answer"],
        texts.as_str(),
        "answer must equal the joined texts"
    );
}

#[test]
fn wire_variants_give_identical_events() {
    let req = completion("wire /cjk /tool", true);
    let (plain, r) = stream_cb(&client(&[]), &req, None);
    let plain_result = strip_ids(r.unwrap());
    assert_eq!(plain_result["answer"], "你好，世界！这是一个测试回答。🙂");
    for fault in [
        "crlf",
        "cr",
        "bytewise",
        "no-space",
        "comments",
        "sse-close-delimited",
        "crlf,bytewise",
        "cr,bytewise,no-space,comments",
        "cr,sse-close-delimited,bytewise",
    ] {
        let c = client(&[("X-Dev-Fault", fault)]);
        for (form, (events, result)) in [
            ("callback", stream_cb(&c, &req, None)),
            ("pull", stream_pull(&c, &req, None)),
        ] {
            let result = result.unwrap_or_else(|e| panic!("{fault} {form}: {}", e.to_json()));
            assert_eq!(normalized(&events), normalized(&plain), "{fault} {form}");
            assert_eq!(strip_ids(result), plain_result, "{fault} {form}");
        }
    }
    // Multi-line data: one extra event with the lines joined by LF.
    let (events, r) = stream_cb(&client(&[("X-Dev-Fault", "multiline-data,cr")]), &req, None);
    r.unwrap();
    assert!(events
        .iter()
        .any(|e| e.0 == "devMultiline" && e.1 == "line one\nline two"));
    assert_eq!(events.len(), plain.len() + 1);
}

#[test]
fn callback_returning_false_aborts_with_partial() {
    let c = client(&[]);
    let mut n = 0;
    let e = err_of(
        c.stream_with(&completion("abort me please", false), None, |_| {
            n += 1;
            n < 2
        }),
    );
    assert_eq!(e.status, FASTGPT_E_ABORTED);
    assert_eq!(n, 2);
    let p = e.partial.expect("partial");
    assert_eq!(p["event_count"], 2);
    assert_eq!(p["done"], false);
}

#[test]
fn stream_faults_map_to_their_status() {
    let req = completion("fault stream test", true);
    // event: error after answers (§6): delivered, then FASTGPT_E_API with the frame's fields.
    for form in ["callback", "pull"] {
        let c = client(&[("X-Dev-Fault", "error-event")]);
        let (events, r) = if form == "callback" {
            stream_cb(&c, &req, None)
        } else {
            stream_pull(&c, &req, None)
        };
        let e = err_of(r);
        assert_eq!(e.status, FASTGPT_E_API, "{form}");
        assert_eq!(e.api_code, Some(json!(510)));
        assert_eq!(e.status_text.as_deref(), Some("insufficientQuota"));
        assert!(e.message.contains("AI points exhausted"), "{}", e.message);
        assert_eq!(e.http_status, Some(200));
        let last = events.last().unwrap();
        assert_eq!(last.0, "error");
        assert_eq!(e.body.as_deref(), Some(last.1.as_str()));
        let p = e.partial.unwrap();
        assert_eq!(
            p["answer"], "You sa",
            "{form}: frames up to the 2nd text chunk (3 scalars each)"
        );
        assert_eq!(p["event_count"], events.len());
    }
    let cases: &[(&str, i32)] = &[
        ("eof-no-done", FASTGPT_E_STREAM_INCOMPLETE),
        (
            "eof-no-done,sse-close-delimited",
            FASTGPT_E_STREAM_INCOMPLETE,
        ),
        ("reset-mid-stream", FASTGPT_E_STREAM_INCOMPLETE),
        ("invalid-utf8", FASTGPT_E_PROTOCOL),
        ("json-200-stream", FASTGPT_E_PROTOCOL),
    ];
    for (fault, status) in cases {
        for form in ["callback", "pull"] {
            let c = client(&[("X-Dev-Fault", fault)]);
            let (events, r) = if form == "callback" {
                stream_cb(&c, &req, None)
            } else {
                stream_pull(&c, &req, None)
            };
            let e = err_of(r);
            assert_eq!(e.status, *status, "{fault} {form}: {}", e.to_json());
            assert_eq!(e.attempts, 1, "{fault}: a completion is not retried");
            assert_eq!(e.method, Some("POST"));
            assert!(e
                .url
                .as_deref()
                .unwrap()
                .ends_with("/api/v1/chat/completions"));
            if *fault != "json-200-stream" {
                assert_eq!(
                    e.partial.as_ref().unwrap()["event_count"],
                    events.len(),
                    "{fault}"
                );
                assert!(
                    e.partial.as_ref().unwrap()["answer"]
                        .as_str()
                        .unwrap()
                        .starts_with("You"),
                    "{fault}"
                );
            }
        }
    }
    // Trailing garbage after [DONE] and flowResponses: a clean end.
    let (events, r) = stream_cb(
        &client(&[("X-Dev-Fault", "trailing-after-done")]),
        &req,
        None,
    );
    let r = r.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(events.last().unwrap().0, "flowResponses");
    assert!(r["flow_responses"].is_array());
    // flowResponses as an object with keys "0", "1", ...: an array in the result.
    let (_, r) = stream_pull(
        &client(&[("X-Dev-Fault", "flowresponses-object")]),
        &req,
        None,
    );
    let fr = r.unwrap()["flow_responses"].clone();
    assert!(
        fr.as_array()
            .is_some_and(|a| a.len() >= 2 && a[0]["nodeId"] == "448745"),
        "{fr}"
    );
}

#[test]
fn event_size_limits_over_the_wire() {
    let n = 300_000;
    let req = completion("big", false);
    let (_, r) = stream_cb(
        &client_with(
            json!({"headers":{"X-Dev-Fault": format!("big-event:{n}")},"max_event_bytes": 1 << 20}),
        ),
        &req,
        None,
    );
    assert_eq!(r.unwrap()["answer"].as_str().unwrap().len(), n);
    let (_, r) = stream_cb(
        &client_with(
            json!({"headers":{"X-Dev-Fault": format!("big-event:{n},bytewise")},"max_event_bytes": 1 << 20}),
        ),
        &req,
        None,
    );
    assert_eq!(r.unwrap()["answer"].as_str().unwrap().len(), n);
    let (events, r) = stream_pull(
        &client_with(
            json!({"headers":{"X-Dev-Fault": format!("big-event:{n}")},"max_event_bytes": 100_000}),
        ),
        &req,
        None,
    );
    assert_eq!(err_of(r).status, FASTGPT_E_PROTOCOL);
    assert!(events.is_empty());
    let (_, r) = stream_pull(
        &client_with(
            json!({"headers":{"X-Dev-Fault": format!("big-event:{n}")},"max_response_bytes": 100_000}),
        ),
        &req,
        None,
    );
    assert_eq!(err_of(r).status, FASTGPT_E_PROTOCOL);
}

#[test]
fn heartbeats_keep_the_idle_timer_alive() {
    // 6 heartbeats 150 ms apart (900 ms of "workflow") under a 400 ms idle timeout.
    let c = client_with(json!({"stream_idle_timeout_ms": 400,
        "headers": {"X-Dev-Fault": "heartbeats:6", "X-Dev-Heartbeat-Ms": "150"}}));
    let t = Instant::now();
    let (events, r) = stream_cb(&c, &completion("beat", true), None);
    let r = r.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert!(t.elapsed() >= Duration::from_millis(850));
    let heartbeats = events
        .iter()
        .filter(|e| {
            e.0 == "answer" && e.2.as_deref() == Some("") && e.1.contains("\"content\":\"\"")
        })
        .count();
    assert_eq!(heartbeats, 6);
    assert_eq!(r["answer"], "You said: beat");
}

/// A three-minute workflow with FastGPT's 10 s heartbeats, scaled down 1:100: 18 heartbeats
/// 100 ms apart under a 300 ms idle timeout (FastGPT: 30 s) and a 500 ms `timeout_ms` and
/// `completion_timeout_ms`, which must never cut a stream (§4).
#[test]
fn a_long_heartbeat_stream_outlives_every_non_stream_timeout() {
    let c = client_with(
        json!({"stream_idle_timeout_ms": 300, "timeout_ms": 500, "completion_timeout_ms": 500,
        "headers": {"X-Dev-Fault": "heartbeats:18", "X-Dev-Heartbeat-Ms": "100"}}),
    );
    let t = Instant::now();
    let (events, r) = stream_pull(&c, &completion("long workflow", true), None);
    let r = r.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert!(
        t.elapsed() >= Duration::from_millis(1700),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e.2.as_deref() == Some("") && e.1.contains("\"content\":\"\""))
            .count(),
        18
    );
    assert_eq!(r["answer"], "You said: long workflow");
    // The same silence without heartbeats trips the idle timer.
    let c = client_with(
        json!({"stream_idle_timeout_ms": 300, "headers": {"X-Dev-Fault": "stall-mid-stream:2000"}}),
    );
    let e = err_of(stream_pull(&c, &completion("stall", true), None).1);
    assert_eq!(
        (e.status, e.timeout),
        (FASTGPT_E_TIMEOUT, Some(fastgpt::error::TimeoutKind::Idle))
    );
}

// ---------------------------------------------------------------------------------------
// Error classification (§2.1)

#[test]
fn auth_errors_in_each_server_era() {
    let bad =
        |style: &str| client_with(json!({"api_key":"wrong-key","headers":{"X-Dev-Errors": style}}));
    // Envelope endpoints: E1 HTTP 200, E2 HTTP 500, E3 HTTP 401; always FASTGPT_E_API.
    for (style, http) in [("e1", 200), ("e2", 500), ("e3", 401)] {
        let e = err_of(bad(style).get_chat_histories(APP, 0, 10, None, None));
        assert_eq!(e.status, FASTGPT_E_API, "{style}");
        assert_eq!(e.http_status, Some(http), "{style}");
        assert_eq!(e.api_code, Some(json!(514)), "{style}");
        assert_eq!(e.status_text.as_deref(), Some("unAuthApiKey"), "{style}");
        assert_eq!(e.attempts, 1, "{style}");
        assert_eq!(
            e.request_id.is_some(),
            style == "e3",
            "{style}: x-request-id"
        );
        assert!(!e.body.as_deref().unwrap().contains("wrong-key"));
        assert!(e.body.as_deref().unwrap().contains("unAuthApiKey"));
    }
    // Streams: E1/E2 answer a lone `event: error` frame (HTTP 200, no Content-Type), which
    // open_stream accepts and next_event delivers before the error.
    for style in ["e1", "e2"] {
        let c = bad(style);
        let mut s = c
            .open_stream(&completion("x", false), None)
            .unwrap_or_else(|e| panic!("{style}: {}", e.to_json()));
        {
            let ev = s.next_event().expect("the error event").expect("an event");
            assert_eq!(ev.name.as_str(), "error");
            assert!(ev.text.is_none());
            assert!(ev.data.as_str().contains("\"code\":514"));
        }
        let e = err_of(s.next_event().map(|o| o.map(|e| capture(&e))));
        assert_eq!(
            (e.status, e.api_code.clone(), e.status_text.as_deref()),
            (FASTGPT_E_API, Some(json!(514)), Some("unAuthApiKey")),
            "{style}"
        );
        assert_eq!(e.http_status, Some(200));
        assert_eq!(e.partial.as_ref().unwrap()["event_count"], 1);
        let again = err_of(s.next_event().map(|o| o.map(|e| capture(&e))));
        assert_eq!(again.status, FASTGPT_E_API, "sticky");
        // The callback form delivers it too.
        let (events, r) = stream_cb(&c, &completion("x", false), None);
        assert_eq!(events.len(), 1);
        assert_eq!(err_of(r).status, FASTGPT_E_API);
    }
    // E3: JSON with the E3 status, returned by open.
    let e = err_of(
        bad("e3")
            .open_stream(&completion("x", false), None)
            .map(|_| ()),
    );
    assert_eq!(
        (e.status, e.http_status, e.api_code.clone()),
        (FASTGPT_E_API, Some(401), Some(json!(514)))
    );
    assert!(e.partial.is_some());
}

#[test]
fn http_protocol_and_transport_classification() {
    let c0 =
        |fault: &str| client_with(json!({"max_retries": 0, "headers": {"X-Dev-Fault": fault}}));
    let e = err_of(c0("html502").get_chat_init(APP, "c1", None));
    assert_eq!((e.status, e.http_status), (FASTGPT_E_HTTP, Some(502)));
    assert!(e.body.as_deref().unwrap().contains("nginx"));
    let e = err_of(c0("html504").create_chat_completion(&completion("x", false), None));
    assert_eq!((e.status, e.http_status), (FASTGPT_E_HTTP, Some(504)));
    let e = err_of(c0("openai-error").get_chat_init(APP, "c1", None));
    assert_eq!(
        (e.status, e.http_status, e.status_text.as_deref()),
        (FASTGPT_E_API, Some(400), Some("model_not_found"))
    );
    assert!(e.message.contains("bad model"), "{}", e.message);
    let e = err_of(c0("garbage-200").get_chat_init(APP, "c1", None));
    assert_eq!((e.status, e.http_status), (FASTGPT_E_PROTOCOL, Some(200)));
    let e = err_of(c0("redirect").get_chat_init(APP, "c1", None));
    assert_eq!((e.status, e.http_status), (FASTGPT_E_HTTP, Some(302)));
    assert!(
        e.message.contains("http://127.0.0.1:1/elsewhere"),
        "{}",
        e.message
    );
    for fault in [
        "truncated-body",
        "malformed-status",
        "close-before-headers",
        "reset-before-headers",
    ] {
        let e = err_of(c0(fault).get_chat_init(APP, "c1", None));
        assert_eq!(e.status, FASTGPT_E_TRANSPORT, "{fault}: {}", e.to_json());
    }
    let e = err_of(c0("status:500").get_chat_init(APP, "c1", None));
    assert_eq!(
        (e.status, e.api_code.clone()),
        (FASTGPT_E_API, Some(json!(500)))
    );
    let e = err_of(c0("status-plain:500").get_chat_init(APP, "c1", None));
    assert_eq!(e.status, FASTGPT_E_HTTP);
    // An envelope 429 at HTTP 200 is an API error (after retries).
    let e = err_of(c0("envelope429").get_chat_init(APP, "c1", None));
    assert_eq!(
        (e.status, e.http_status, e.api_code.clone()),
        (FASTGPT_E_API, Some(200), Some(json!(429)))
    );
    // A body over max_response_bytes.
    let c = client_with(
        json!({"max_response_bytes": 1000, "headers": {"X-Dev-Fault": "big-body:5000"}}),
    );
    assert_eq!(
        err_of(c.get_chat_init(APP, "c1", None)).status,
        FASTGPT_E_PROTOCOL
    );
    // A non-stream completion whose node failed is still a success (rule 6).
    let c = client(&[("X-Dev-Node-Error", "1")]);
    let body: Value = serde_json::from_str(
        &c.create_chat_completion(&completion("node", false), None)
            .unwrap(),
    )
    .unwrap();
    assert!(body["error"].is_object() && body["choices"].is_array());
    // Stream requests answered with an error before the stream: returned by open.
    for (fault, status, http) in [
        ("html502", FASTGPT_E_HTTP, 502),
        ("openai-error", FASTGPT_E_API, 400),
        ("status:500", FASTGPT_E_API, 500),
    ] {
        let e = err_of(
            c0(fault)
                .open_stream(&completion("x", false), None)
                .map(|_| ()),
        );
        assert_eq!((e.status, e.http_status), (status, Some(http)), "{fault}");
    }
    // Nothing listening: a connect failure, retried for any call.
    let c = client_with(json!({"base_url": "http://127.0.0.1:1", "max_retries": 2}));
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert_eq!(
        (e.status, e.attempts, e.http_status),
        (FASTGPT_E_TRANSPORT, 3, None)
    );
    let e = err_of(c.open_stream(&completion("x", false), None).map(|_| ()));
    assert_eq!((e.status, e.attempts), (FASTGPT_E_TRANSPORT, 3));
}

// ---------------------------------------------------------------------------------------
// api_paths (§4)

#[test]
fn auto_paths_fall_back_to_legacy_and_remember_it() {
    let key = fault_key("paths");
    // A wrong key makes every answer an error envelope, which shows attempts and url.
    let c = client_with(
        json!({"api_key":"wrong-key","headers":{"X-Dev-Paths":"legacy","X-Dev-Fault-Key": key}}),
    );
    let e = err_of(c.get_chat_histories(APP, 0, 10, None, None));
    assert_eq!(
        (e.status, e.api_code.clone()),
        (FASTGPT_E_API, Some(json!(514)))
    );
    assert_eq!(
        e.attempts, 2,
        "the 404 on the current path, then the legacy path"
    );
    assert!(
        e.url
            .as_deref()
            .unwrap()
            .ends_with("/api/core/chat/getHistories"),
        "{:?}",
        e.url
    );
    assert_eq!(count(&key), 2);
    // Remembered for that function only (revision 3): FastGPT moved its routes one by one,
    // so another function probes its own current path first, then remembers its answer.
    let e = err_of(c.get_chat_histories(APP, 0, 10, None, None));
    assert_eq!(e.attempts, 1);
    let e = err_of(c.get_chat_records(APP, "c1", 0, 10, false, None));
    assert_eq!(e.attempts, 2);
    let e = err_of(c.get_chat_records(APP, "c1", 0, 10, false, None));
    assert_eq!(e.attempts, 1);
    assert!(
        e.url
            .as_deref()
            .unwrap()
            .ends_with("/api/core/chat/getPaginationRecords"),
        "{:?}",
        e.url
    );
    let e = err_of(c.delete_chat_record(APP, "c1", "d1", None));
    assert!(
        e.url
            .as_deref()
            .unwrap()
            .contains("/api/core/chat/item/delete?"),
        "{:?}",
        e.url
    );
    assert_eq!(
        e.method,
        Some("POST"),
        "the legacy delete is a POST (query and body)"
    );
    assert_eq!(count(&key), 8);

    // With a valid key, echo shows the path each request reached.
    let key = fault_key("paths-echo");
    let c = client(&[
        ("X-Dev-Paths", "legacy"),
        ("X-Dev-Echo", "1"),
        ("X-Dev-Fault-Key", &key),
    ]);
    let path_of = |s: String| {
        serde_json::from_str::<Value>(&s).unwrap()["data"]["path"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        path_of(c.get_chat_histories(APP, 0, 10, None, None).unwrap()),
        "/api/core/chat/getHistories"
    );
    assert_eq!(
        path_of(c.clear_chat_histories(APP, None).unwrap()),
        "/api/core/chat/clearHistories"
    );
    assert_eq!(count(&key), 4, "each function probes once");
    // Calls without a legacy path are unaffected.
    assert_eq!(
        path_of(c.get_chat_init(APP, "c1", None).unwrap()),
        "/api/core/chat/init"
    );

    // A current server: one request, current path remembered.
    let key = fault_key("paths-current");
    let c = client(&[("X-Dev-Echo", "1"), ("X-Dev-Fault-Key", &key)]);
    assert_eq!(
        path_of(c.get_chat_histories(APP, 0, 10, None, None).unwrap()),
        "/api/core/chat/history/getHistories"
    );
    assert_eq!(count(&key), 1);

    // "legacy" and "current" never probe.
    let c = client_with(json!({"api_paths":"current","headers":{"X-Dev-Paths":"legacy"}}));
    let e = err_of(c.get_chat_histories(APP, 0, 10, None, None));
    assert_eq!(
        (e.status, e.http_status, e.attempts),
        (FASTGPT_E_HTTP, Some(404), 1)
    );
    let c = client_with(
        json!({"api_paths":"legacy","headers":{"X-Dev-Paths":"legacy","X-Dev-Echo":"1"}}),
    );
    assert_eq!(
        path_of(c.get_record_detail(APP, "c", "d", None).unwrap()),
        "/api/core/chat/getResData"
    );
}

#[test]
fn auto_paths_without_an_envelope_do_not_fix_the_family() {
    // Both paths answer a non-envelope 404: the fallback is tried each time.
    let c = client(&[("X-Dev-Fault", "status-plain:404")]);
    for _ in 0..2 {
        let e = err_of(c.get_chat_histories(APP, 0, 10, None, None));
        assert_eq!(
            (e.status, e.http_status, e.attempts),
            (FASTGPT_E_HTTP, Some(404), 2)
        );
        assert!(e
            .url
            .as_deref()
            .unwrap()
            .ends_with("/api/core/chat/getHistories"));
    }
    // An envelope 404 is an answer: no fallback.
    let c = client(&[("X-Dev-Fault", "status:404")]);
    let e = err_of(c.get_chat_histories(APP, 0, 10, None, None));
    assert_eq!(
        (e.status, e.attempts, e.api_code.clone()),
        (FASTGPT_E_API, 1, Some(json!(404)))
    );
}

// ---------------------------------------------------------------------------------------
// Retries and Retry-After (§7)

/// A client whose requests carry `fault` for the first `times` requests of a fresh key.
fn faulty(fault: &str, times: u32, extra: Value) -> (Client, String) {
    let key = fault_key("retry");
    let mut o = json!({"headers": {"X-Dev-Fault": fault, "X-Dev-Fault-Key": key, "X-Dev-Fault-Times": times.to_string()}});
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    (client_with(o), key)
}

/// Answers that would come again are not retried, even on endpoints that may be repeated:
/// a body over max_response_bytes, garbage with a 200, a 4xx (§7).
#[test]
fn oversized_or_malformed_answers_are_not_retried() {
    for (fault, extra, status) in [
        (
            "big-body:5000",
            json!({"max_response_bytes": 1000}),
            FASTGPT_E_PROTOCOL,
        ),
        ("garbage-200", json!({}), FASTGPT_E_PROTOCOL),
        ("status-plain:404", json!({}), FASTGPT_E_HTTP),
    ] {
        let (c, key) = faulty(fault, 5, extra);
        let e = err_of(c.get_chat_init(APP, "c1", None));
        assert_eq!(
            (e.status, e.attempts),
            (status, 1),
            "{fault}: {}",
            e.to_json()
        );
        assert_eq!(count(&key), 1, "{fault}");
    }
}

#[test]
fn retry_attempt_counts() {
    // Retryable for every call: HTTP 429, envelope 429, non-envelope 503.
    for fault in ["status:429", "envelope429", "status-plain:503"] {
        let (c, key) = faulty(fault, 2, json!({}));
        c.get_chat_init(APP, "c1", None)
            .unwrap_or_else(|e| panic!("{fault}: {}", e.to_json()));
        assert_eq!(count(&key), 3, "{fault}: two failures, then success");
        let (c, key) = faulty(fault, 2, json!({}));
        let (_, r) = stream_cb(&c, &completion("retry", false), None);
        r.unwrap_or_else(|e| panic!("{fault} stream: {}", e.to_json()));
        assert_eq!(count(&key), 3, "{fault}: completions retry it too");
        let (c, key) = faulty(fault, 5, json!({}));
        let e = err_of(c.get_chat_init(APP, "c1", None));
        assert_eq!(e.attempts, 3, "{fault}: 1 + max_retries");
        assert_eq!(count(&key), 3);
        assert_eq!(e.retry_after_ms, None, "{fault}: no Retry-After sent");
    }
    // An envelope 503 is a FastGPT answer: not retried.
    let (c, key) = faulty("status:503", 2, json!({}));
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert_eq!((e.status, e.attempts, count(&key)), (FASTGPT_E_API, 1, 1));
    // 502/504 and a reset after writing: retried for envelope endpoints, not completions.
    for fault in ["html502", "html504", "reset-before-headers"] {
        let (c, key) = faulty(fault, 1, json!({}));
        c.get_chat_init(APP, "c1", None)
            .unwrap_or_else(|e| panic!("{fault}: {}", e.to_json()));
        assert_eq!(count(&key), 2, "{fault}");
        let (c, key) = faulty(fault, 1, json!({}));
        let e = err_of(c.create_chat_completion(&completion("x", false), None));
        assert_eq!((e.attempts, count(&key)), (1, 1), "{fault}: completion");
        let (c, key) = faulty(fault, 1, json!({}));
        let e = err_of(c.open_stream(&completion("x", false), None).map(|_| ()));
        assert_eq!((e.attempts, count(&key)), (1, 1), "{fault}: stream");
        // fastgpt_request: GET retried, POST follows the completion rule.
        let (c, key) = faulty(fault, 1, json!({}));
        c.request(
            "GET",
            "/api/core/chat/init",
            Some(&json!({"appId":APP,"chatId":"c"}).to_string()),
            None,
            None,
        )
        .unwrap();
        assert_eq!(count(&key), 2, "{fault}: GET");
        let (c, key) = faulty(fault, 1, json!({}));
        let e = err_of(c.request("POST", "/api/core/chat/init", None, Some("{}"), None));
        assert_eq!((e.attempts, count(&key)), (1, 1), "{fault}: POST");
    }
    // max_retries 0.
    let (c, key) = faulty("status:429", 1, json!({"max_retries": 0}));
    assert_eq!(err_of(c.get_chat_init(APP, "c1", None)).attempts, 1);
    assert_eq!(count(&key), 1);
    // A stream is never retried once an event reached the caller.
    let (c, key) = faulty("reset-mid-stream", 5, json!({}));
    let (events, r) = stream_cb(&c, &completion("x y z", false), None);
    assert!(!events.is_empty());
    assert_eq!((err_of(r).attempts, count(&key)), (1, 1));
}

#[test]
fn retry_after_is_waited_for_or_reported() {
    // Retry-After: 1 replaces a 5 s backoff step.
    let (c, key) = faulty(
        "status:429:retry-after=1",
        1,
        json!({"retry_delay_ms": 5000}),
    );
    let t = Instant::now();
    c.get_chat_init(APP, "c1", None).unwrap();
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(950) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    assert_eq!(count(&key), 2);
    // An HTTP-date in the past: retry at once.
    let (c, key) = faulty(
        "status:429:retry-after=Wed,%2021%20Oct%202015%2007:28:00%20GMT",
        1,
        json!({"retry_delay_ms": 5000}),
    );
    let t = Instant::now();
    c.get_chat_init(APP, "c1", None).unwrap();
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(count(&key), 2);
    // Longer than max_retry_after_ms: the call ends at once and reports it (a peer project's test vector:
    // 429 with Retry-After 411480).
    let (c, key) = faulty("status:429:retry-after=411480", 1, json!({}));
    let t = Instant::now();
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert!(t.elapsed() < Duration::from_millis(500));
    assert_eq!(
        (e.status, e.http_status, e.attempts, e.retry_after_ms),
        (FASTGPT_E_API, Some(429), 1, Some(411_480_000))
    );
    assert_eq!(count(&key), 1);
    assert_eq!(e.to_value()["error"]["retry_after_ms"], 411_480_000u64);
    let (c, _) = faulty(
        "status:429:retry-after=2",
        1,
        json!({"max_retry_after_ms": 1000}),
    );
    let e = err_of(c.open_stream(&completion("x", false), None).map(|_| ()));
    assert_eq!((e.attempts, e.retry_after_ms), (1, Some(2000)));
    // Reported on a non-retryable answer too.
    let (c, _) = faulty("status:400:retry-after=7", 1, json!({}));
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert_eq!((e.attempts, e.retry_after_ms), (1, Some(7000)));
}

// ---------------------------------------------------------------------------------------
// Timeouts (§4)

#[test]
fn idle_timeout_on_a_stalled_stream() {
    let c = client_with(
        json!({"stream_idle_timeout_ms": 300, "headers": {"X-Dev-Fault": "stall-mid-stream:5000"}}),
    );
    for form in ["callback", "pull"] {
        let t = Instant::now();
        let (events, r) = if form == "callback" {
            stream_cb(&c, &completion("stall here", false), None)
        } else {
            stream_pull(&c, &completion("stall here", false), None)
        };
        let took = t.elapsed();
        let e = err_of(r);
        assert_eq!(
            (e.status, e.timeout),
            (FASTGPT_E_TIMEOUT, Some(TimeoutKind::Idle)),
            "{form}: {}",
            e.to_json()
        );
        assert_eq!(e.to_value()["error"]["timeout"], "idle");
        assert!(
            took >= Duration::from_millis(290) && took < Duration::from_millis(1500),
            "{form}: {took:?}"
        );
        assert_eq!(e.attempts, 1);
        assert_eq!(e.partial.unwrap()["answer"], "You sa");
        assert_eq!(events.len(), 2);
    }
    // Before the response head.
    let c = client_with(
        json!({"stream_idle_timeout_ms": 300, "headers": {"X-Dev-Fault": "stall-before-headers:5000"}}),
    );
    let t = Instant::now();
    let e = err_of(c.open_stream(&completion("x", false), None).map(|_| ()));
    assert_eq!(
        (e.status, e.timeout, e.attempts),
        (FASTGPT_E_TIMEOUT, Some(TimeoutKind::Idle), 1)
    );
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    // A non-stream call: the request timeout, never retried.
    let c = client_with(
        json!({"timeout_ms": 300, "headers": {"X-Dev-Fault": "stall-before-headers:5000"}}),
    );
    let t = Instant::now();
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert_eq!(
        (e.status, e.timeout, e.attempts),
        (FASTGPT_E_TIMEOUT, Some(TimeoutKind::Request), 1)
    );
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    // A slow stream whose gaps stay below the idle timeout is fine.
    let c =
        client_with(json!({"stream_idle_timeout_ms": 400, "headers": {"X-Dev-Fault": "slow:100"}}));
    let (_, r) = stream_cb(&c, &completion("slow but steady", false), None);
    r.unwrap_or_else(|e| panic!("{}", e.to_json()));
}

// ---------------------------------------------------------------------------------------
// Cancellation (§8)

/// Cancels `token` after `after` on another thread; returns when it happened.
fn cancel_later(token: &CancelToken, after: Duration) -> Arc<Mutex<Option<Instant>>> {
    let at = Arc::new(Mutex::new(None));
    let (t, a) = (token.clone(), at.clone());
    thread::spawn(move || {
        thread::sleep(after);
        *a.lock().unwrap() = Some(Instant::now());
        t.cancel();
    });
    at
}

fn latency(at: &Mutex<Option<Instant>>) -> Duration {
    let at = at.lock().unwrap().expect("the token was cancelled");
    Instant::now().saturating_duration_since(at)
}

#[test]
fn cancel_from_another_thread_while_a_stream_stalls() {
    let c = client_with(json!({"headers": {"X-Dev-Fault": "stall-mid-stream:10000"}}));
    // Callback form: cancel 200 ms after the first event.
    let token = CancelToken::new();
    let mut at = None;
    let mut events = 0;
    let r = c.stream_with(&completion("cancel me", false), Some(&token), |_| {
        events += 1;
        if at.is_none() {
            at = Some(cancel_later(&token, Duration::from_millis(200)));
        }
        true
    });
    let lat = latency(at.as_ref().unwrap());
    let e = err_of(r);
    assert_eq!(e.status, FASTGPT_E_CANCELLED, "{}", e.to_json());
    assert!(lat < Duration::from_millis(500), "cancel latency {lat:?}");
    assert_eq!(events, 2);
    assert_eq!(e.partial.unwrap()["answer"], "You sa");

    // Pull form: next_event blocked on this thread, cancel from another.
    let token = CancelToken::new();
    let mut s = c
        .open_stream(&completion("cancel me", false), Some(&token))
        .unwrap();
    s.next_event().unwrap().unwrap();
    s.next_event().unwrap().unwrap();
    let at = cancel_later(&token, Duration::from_millis(200));
    let e = err_of(s.next_event().map(|o| o.map(|e| capture(&e))));
    let lat = latency(&at);
    assert_eq!(e.status, FASTGPT_E_CANCELLED);
    assert!(lat < Duration::from_millis(500), "cancel latency {lat:?}");
    assert_eq!(
        err_of(s.next_event().map(|o| o.map(|e| capture(&e)))).status,
        FASTGPT_E_CANCELLED,
        "sticky"
    );
}

#[test]
fn cancel_while_waiting_for_the_head_or_a_retry() {
    // Waiting for the response head.
    let c = client_with(json!({"headers": {"X-Dev-Fault": "stall-before-headers:10000"}}));
    let token = CancelToken::new();
    let at = cancel_later(&token, Duration::from_millis(200));
    let e = err_of(
        c.open_stream(&completion("x", false), Some(&token))
            .map(|_| ()),
    );
    let lat = latency(&at);
    assert_eq!(e.status, FASTGPT_E_CANCELLED);
    assert!(lat < Duration::from_millis(500), "{lat:?}");
    // Waiting between retries (a 10 s backoff step).
    let (c, key) = faulty("status:429", 5, json!({"retry_delay_ms": 10000}));
    let token = CancelToken::new();
    let at = cancel_later(&token, Duration::from_millis(200));
    let e = err_of(c.get_chat_init(APP, "c1", Some(&token)));
    let lat = latency(&at);
    assert_eq!((e.status, e.attempts), (FASTGPT_E_CANCELLED, 1));
    assert!(lat < Duration::from_millis(500), "{lat:?}");
    assert_eq!(count(&key), 1);
    // cancel_after as a deadline over a whole call.
    let c = client_with(json!({"headers": {"X-Dev-Fault": "stall-mid-stream:10000"}}));
    let token = CancelToken::new();
    token.cancel_after(300);
    let t = Instant::now();
    let (_, r) = stream_pull(&c, &completion("deadline", false), Some(&token));
    assert_eq!(err_of(r).status, FASTGPT_E_CANCELLED);
    assert!(
        t.elapsed() < Duration::from_millis(800),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_pre_cancelled_token_sends_nothing() {
    let key = fault_key("precancel");
    let c = client(&[("X-Dev-Fault-Key", &key)]);
    let token = CancelToken::new();
    token.cancel();
    let expired = CancelToken::new();
    expired.cancel_after(0);
    for t in [&token, &expired] {
        let results: Vec<(&str, Error)> = vec![
            (
                "histories",
                err_of(c.get_chat_histories(APP, 0, 10, None, Some(t))),
            ),
            ("init", err_of(c.get_chat_init(APP, "c1", Some(t)))),
            (
                "completion",
                err_of(c.create_chat_completion(&completion("x", false), Some(t))),
            ),
            (
                "open_stream",
                err_of(c.open_stream(&completion("x", false), Some(t)).map(|_| ())),
            ),
            (
                "stream_with",
                err_of(c.stream_with(&completion("x", false), Some(t), |_| panic!("no callback"))),
            ),
            (
                "request",
                err_of(c.request("GET", "/api/core/chat/init", None, None, Some(t))),
            ),
        ];
        for (what, e) in results {
            assert_eq!(e.status, FASTGPT_E_CANCELLED, "{what}");
            assert_eq!(e.attempts, 0, "{what}");
            assert_eq!(e.http_status, None, "{what}");
        }
    }
    assert_eq!(count(&key), 0, "no request reached the server");
}

// ---------------------------------------------------------------------------------------
// Scripted one-connection servers, for wire situations the dev server has no knob for

/// Serves one connection: reads the request head and body, then hands the socket to
/// `script`. Returns the base URL.
fn scripted(script: impl FnOnce(std::net::TcpStream) + Send + 'static) -> String {
    use std::io::Read;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        let mut buf = Vec::new();
        let mut b = [0u8; 4096];
        let head_end = loop {
            let n = s.read(&mut b).unwrap();
            assert!(n > 0, "request head");
            buf.extend_from_slice(&b[..n]);
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        while buf.len() < head_end + len {
            let n = s.read(&mut b).unwrap();
            assert!(n > 0, "request body");
            buf.extend_from_slice(&b[..n]);
        }
        script(s);
    });
    url
}

fn write_all(s: &mut std::net::TcpStream, bytes: &[u8]) {
    use std::io::Write;
    s.write_all(bytes).unwrap();
    s.flush().unwrap();
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

fn sse_finished_body() -> String {
    format!(
        "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
        json!({"choices":[{"delta":{"content":"ok"},"index":0,"finish_reason":null}]}),
        json!({"choices":[{"delta":{"content":null},"index":0,"finish_reason":"stop"}]})
    )
}

fn scripted_client(url: &str, extra: Value) -> Client {
    let mut o = json!({"api_key": KEY, "base_url": url, "max_retries": 0});
    for (k, v) in extra.as_object().unwrap() {
        o[k] = v.clone();
    }
    Client::new(Options::from_json(&o.to_string()).unwrap()).unwrap()
}

#[test]
fn idle_timeout_or_reset_after_the_stream_finished_is_ok() {
    // Finished ([DONE]), then silence without EOF: the idle timeout ends it cleanly (§6).
    let url = scripted(|mut s| {
        write_all(&mut s, SSE_HEAD);
        write_all(&mut s, sse_finished_body().as_bytes());
        thread::sleep(Duration::from_secs(3));
    });
    let c = scripted_client(&url, json!({"stream_idle_timeout_ms": 300}));
    let t = Instant::now();
    let (events, r) = stream_cb(&c, &completion("x", false), None);
    let r = r.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert!(
        t.elapsed() < Duration::from_millis(2000),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        (events.len(), r["answer"].clone(), r["done"].clone()),
        (3, json!("ok"), json!(true))
    );

    // Finished by a finish_reason only, then the connection is reset.
    let url = scripted(|mut s| {
        write_all(&mut s, SSE_HEAD);
        let body = sse_finished_body();
        let cut = body.find("data: [DONE]").unwrap();
        write_all(&mut s, &body.as_bytes()[..cut]);
        thread::sleep(Duration::from_millis(100));
        reset(s);
    });
    let (_, r) = stream_pull(
        &scripted_client(&url, json!({})),
        &completion("x", false),
        None,
    );
    let r = r.unwrap_or_else(|e| panic!("{}", e.to_json()));
    assert_eq!(
        (r["finish_reason"].clone(), r["done"].clone()),
        (json!("stop"), json!(false))
    );
}

/// Closes with RST (SO_LINGER 0).
fn reset(s: std::net::TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a correctly sized option value.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &linger as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
    drop(s);
}

#[test]
fn a_2xx_stream_body_starting_with_a_brace_is_read_whole() {
    // Rule 8: whitespace, then `{`: classified by rules 1–4, else a protocol error.
    for (body, status, api_code) in [
        ("  \r\n\t{\"code\":514,\"statusText\":\"unAuthApiKey\",\"message\":\"m\",\"data\":null}", FASTGPT_E_API, Some(json!(514))),
        ("\n{\"error\":{\"message\":\"bad\",\"type\":\"t\"}}", FASTGPT_E_API, None),
        ("{\"choices\":[]}", FASTGPT_E_PROTOCOL, None),
        ("{not json", FASTGPT_E_PROTOCOL, None),
    ] {
        let b = body.to_string();
        let url = scripted(move |mut s| {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", b.len());
            write_all(&mut s, head.as_bytes());
            write_all(&mut s, b.as_bytes());
        });
        let e = err_of(scripted_client(&url, json!({})).open_stream(&completion("x", false), None).map(|_| ()));
        assert_eq!((e.status, e.api_code.clone(), e.http_status), (status, api_code, Some(200)), "{body:?}");
    }
    // Whitespace then an SSE field: decoded as SSE, whatever the Content-Type.
    let url = scripted(|mut s| {
        write_all(
            &mut s,
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n\r\n\r\n",
        );
        write_all(&mut s, sse_finished_body().as_bytes());
    });
    let (_, r) = stream_cb(
        &scripted_client(&url, json!({})),
        &completion("x", false),
        None,
    );
    assert_eq!(
        r.unwrap_or_else(|e| panic!("{}", e.to_json()))["answer"],
        "ok"
    );
}

#[test]
fn secrets_are_masked_in_error_bodies() {
    let secret_header = "team-secret-value";
    let url = scripted(move |mut s| {
        let body = format!("{{\"code\":500,\"statusText\":\"error\",\"message\":\"key {KEY} and {secret_header}\",\"data\":null}}");
        let head = format!("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        write_all(&mut s, head.as_bytes());
        write_all(&mut s, body.as_bytes());
    });
    let c = scripted_client(&url, json!({"headers": {"X-Team": secret_header}}));
    let e = err_of(c.get_chat_init(APP, "c1", None));
    assert_eq!(e.status, FASTGPT_E_API);
    assert!(
        e.body.as_deref().unwrap().contains("key *** and ***"),
        "{:?}",
        e.body
    );
}

/// §1: "The library never writes the API key, the values of `headers` or proxy credentials
/// into a string it composes." The error JSON's `message` is composed from the server's
/// message; a server that reflects the key there (or in an `event: error` frame, or in an
/// OpenAI-style error) must not make the library leak it.
#[test]
fn secrets_never_appear_in_composed_error_strings() {
    let secret_header = "team-secret-value";
    let leak = format!("key {KEY} and {secret_header}");
    let envelope = json!({"code":500,"statusText":"error","message":leak,"data":null}).to_string();
    let openai = json!({"error":{"message":leak,"type":"invalid_request_error"}}).to_string();
    let frame = format!(
        "event: error\ndata: {}\n\n",
        json!({"code":514,"statusText":"unAuthApiKey","message":leak,"data":null})
    );
    let mut leaks = Vec::new();
    for (what, head, body, stream) in [
        (
            "envelope",
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json",
            envelope,
            false,
        ),
        (
            "openai-style",
            "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json",
            openai,
            false,
        ),
        ("error frame", "HTTP/1.1 200 OK", frame, true),
    ] {
        let (h, b) = (head.to_string(), body.clone());
        let url = scripted(move |mut s| {
            write_all(
                &mut s,
                format!(
                    "{h}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            );
            write_all(&mut s, b.as_bytes());
        });
        let c = scripted_client(&url, json!({"headers": {"X-Team": secret_header}}));
        let e = if stream {
            err_of(stream_cb(&c, &completion("x", false), None).1)
        } else {
            err_of(c.get_chat_init(APP, "c1", None))
        };
        assert_eq!(e.status, FASTGPT_E_API, "{what}");
        let j = e.to_json();
        if j.contains(KEY) || j.contains(secret_header) {
            leaks.push(format!("{what}: {j}"));
        }
    }
    assert!(
        leaks.is_empty(),
        "secrets leaked in {} case(s):\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn headers_and_body_reach_the_server() {
    // Echo: what the dev server received.
    let c = client_with(
        json!({"headers": {"X-Dev-Echo": "1", "X-Team": "a b", "User-Agent": "mine/1"}}),
    );
    let echo: Value = serde_json::from_str(&c.get_chat_init(APP, "c1", None).unwrap()).unwrap();
    let h = &echo["data"]["headers"];
    assert_eq!(h["authorization"], format!("Bearer {KEY}"));
    assert_eq!(h["x-team"], "a b");
    assert_eq!(h["user-agent"], "mine/1");
    let c = client(&[("X-Dev-Echo", "1")]);
    let echo: Value = serde_json::from_str(&c.get_chat_init(APP, "c1", None).unwrap()).unwrap();
    assert_eq!(
        echo["data"]["headers"]["user-agent"],
        format!("libfastgpt/{}", env!("CARGO_PKG_VERSION"))
    );
    // The completion body: stream set, responseChatItemId added, members kept as written.
    let c = client(&[("X-Dev-Echo", "1")]);
    let req = r#"{"messages":[{"role":"user","content":"hi"}],"big":12345678901234567890123,"stream":false}"#;
    let e = err_of(c.open_stream(req, None).map(|_| ()));
    // An echo envelope answers a stream request with JSON: a protocol error, body = echo.
    assert_eq!(e.status, FASTGPT_E_PROTOCOL);
    let echo: Value = serde_json::from_str(e.body.as_deref().unwrap()).unwrap();
    assert_eq!(echo["data"]["body"]["stream"], true);
    assert!(echo["data"]["body"]["responseChatItemId"]
        .as_str()
        .is_some_and(|s| s.len() == 24));
    assert!(
        e.body
            .as_deref()
            .unwrap()
            .contains("12345678901234567890123")
            || echo["data"]["body"]["big"].is_number()
    );
}
