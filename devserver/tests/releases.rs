//! `--fastgpt-version` / `X-Dev-FastGPT-Version`: one test per release row of the FastGPT
//! versions reference (route table, parameter source, error style, new endpoints).

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;
use common::{call, Resp, Server, APP};

const C: &str = "/api/core/chat";

fn start() -> Server {
    common::start_with(&["--heartbeat-ms", "50"])
}

/// A client pinned to one release through the per-request header.
struct Rel<'a> {
    s: &'a Server,
    v: &'static str,
}

impl Rel<'_> {
    fn req(&self, method: &str, target: &str, extra: &[(&str, &str)], body: Option<Value>) -> Resp {
        let mut h: Vec<(&str, &str)> = vec![("X-Dev-FastGPT-Version", self.v)];
        h.extend_from_slice(extra);
        call(self.s, method, target, &h, body.as_ref())
    }
    fn post(&self, path: &str, body: Value) -> Resp {
        self.req("POST", path, &[], Some(body))
    }
    fn get(&self, target: &str) -> Resp {
        self.req("GET", target, &[], None)
    }
    /// A non-stream v1 round; returns (chatId, the AI item's dataId).
    fn round(&self, chat: &str, text: &str) -> String {
        let ai = format!("ai-{}-{}", chat, text.len());
        let r = self.post(
            "/api/v1/chat/completions",
            json!({"appId": APP, "chatId": chat, "responseChatItemId": ai,
                   "messages": [{"role": "user", "content": text}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        ai
    }
    fn records(&self, path: &str, chat: &str) -> Vec<String> {
        let r = self.post(
            path,
            json!({"appId": APP, "chatId": chat, "offset": 0, "pageSize": 50}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["data"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["dataId"].as_str().unwrap().to_string())
            .collect()
    }
}

fn is_next_404(r: &Resp) {
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(
        r.text().contains("404: This page could not be found"),
        "{}",
        r.text()
    );
}

fn wrong_key(rel: &Rel, path: &str) -> Resp {
    rel.req(
        "POST",
        path,
        &[("Authorization", "Bearer nope")],
        Some(json!({"appId": APP})),
    )
}

/// Event names of a stream, with `[DONE]` and the stop chunk named.
fn names(r: &Resp) -> Vec<String> {
    r.sse()
        .into_iter()
        .map(|(e, d)| {
            if d == "[DONE]" {
                "[DONE]".to_string()
            } else if d.contains("\"finish_reason\":\"stop\"") {
                "stop".to_string()
            } else {
                e
            }
        })
        .collect()
}

fn answer_text(events: &[(String, String)]) -> String {
    events
        .iter()
        .filter(|(e, d)| e == "answer" && d != "[DONE]")
        .filter_map(|(_, d)| serde_json::from_str::<Value>(d).ok())
        .filter_map(|v| {
            v["choices"][0]["delta"]["content"]
                .as_str()
                .map(String::from)
        })
        .collect()
}

#[test]
fn version_flag_header_and_route_listing() {
    let s = common::start_with(&["--fastgpt-version", "4.14.5"]);
    let v = |h: &[(&str, &str)]| {
        call(&s, "GET", "/__dev/version", h, None).json()["fastgptVersion"].clone()
    };
    assert_eq!(v(&[]), json!("4.14.5"));
    assert_eq!(v(&[("X-Dev-FastGPT-Version", "v4.16.1")]), json!("4.16.1"));
    assert_eq!(v(&[("X-Dev-FastGPT-Version", "compat")]), Value::Null);
    assert_eq!(v(&[("X-Dev-FastGPT-Version", "latest")]), json!("4.16.1"));
    // The flag's release routes: item/delete reads the body, record/delete is absent.
    let routes = call(&s, "GET", "/__dev/routes", &[], None).json();
    let row = |p: &str| {
        routes
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["path"] == p)
            .cloned()
    };
    assert_eq!(row("/api/core/chat/item/delete").unwrap()["params"], "body");
    assert_eq!(row("/api/core/chat/item/delete").unwrap()["method"], "POST");
    assert!(row("/api/core/chat/record/delete").is_none());
    assert!(row("/api/v2/chat/stop").is_some());
    is_next_404(&call(
        &s,
        "DELETE",
        "/api/core/chat/record/delete?appId=x",
        &[],
        None,
    ));
    // A bad header is a clear 400; a bad flag exits with 2.
    let r = call(
        &s,
        "GET",
        "/api/core/chat/init",
        &[("X-Dev-FastGPT-Version", "4.x.y")],
        None,
    );
    assert_eq!(r.status, 400);
    assert!(r.text().contains("X-Dev-FastGPT-Version"), "{}", r.text());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fastgpt-devserver"))
        .args(["--fastgpt-version", "five"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--fastgpt-version"));
}

#[test]
fn release_4_8_0_session_only_crud() {
    let s = start();
    let r = Rel { s: &s, v: "4.8.0" };
    // API keys are refused on chat CRUD before 4.8.12: unAuthorization, HTTP 200, Chinese text.
    let res = r.post(&format!("{}/getHistories", C), json!({"appId": APP}));
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["code"], 403);
    assert_eq!(res.json()["statusText"], "unAuthorization");
    assert_eq!(res.json()["message"], "凭证错误");
    is_next_404(&r.post(&format!("{}/getPaginationRecords", C), json!({})));
    is_next_404(&r.post("/api/v2/chat/completions", json!({})));
    // Completions take keys; a wrong one is "Api Key 不合法".
    let res = wrong_key(&r, "/api/v1/chat/completions");
    assert_eq!((res.status, res.json()["code"].clone()), (200, json!(514)));
    assert_eq!(res.json()["message"], "Api Key 不合法");
}

#[test]
fn release_4_8_12() {
    let s = start();
    let r = Rel { s: &s, v: "4.8.12" };
    // E1 errors: a known error is HTTP 200 with the catalogue entry; i18n keys since 4.8.9.
    let res = wrong_key(&r, &format!("{}/getHistories", C));
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["code"], 514);
    assert_eq!(res.json()["message"], "common:code_error.error_message.514");
    // Routes: flat only, v2 not yet, no presign.
    for p in [
        "/history/getHistories",
        "/record/getPaginationRecords",
        "/record/delete",
        "/presignChatFilePostUrl",
    ] {
        is_next_404(&r.post(&format!("{}{}", C, p), json!({"appId": APP})));
    }
    is_next_404(&r.post("/api/v2/chat/completions", json!({})));
    is_next_404(&r.post("/api/v2/chat/stop", json!({})));
    // item/delete reads the query: a body alone deletes nothing (silent success).
    let ai = r.round("c1", "hello");
    let del = format!("{}/item/delete", C);
    let res = r.req(
        "POST",
        &del,
        &[],
        Some(json!({"appId": APP, "chatId": "c1", "contentId": ai})),
    );
    assert_eq!((res.status, res.json()["data"].clone()), (200, Value::Null));
    assert_eq!(
        r.records(&format!("{}/getPaginationRecords", C), "c1")
            .len(),
        2
    );
    let res = r.req(
        "DELETE",
        &format!("{}?appId={}&chatId=c1&contentId={}", del, APP, ai),
        &[],
        None,
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        r.records(&format!("{}/getPaginationRecords", C), "c1")
            .len(),
        1
    );
    // 4.8.12 defaulted `source` to `online`: API chats are listed only with `source: "api"`.
    let h = format!("{}/getHistories", C);
    let total = |b: Value| r.post(&h, b).json()["data"]["total"].clone();
    assert_eq!(total(json!({"appId": APP, "pageSize": 10})), 0);
    assert_eq!(
        total(json!({"appId": APP, "pageSize": 10, "source": "api"})),
        1
    );
    // clearHistories with an API key: 4.8.12 clears the owner's online chats (not these),
    // 4.8.14 refuses.
    r.req(
        "DELETE",
        &format!("{}/clearHistories?appId={}", C, APP),
        &[],
        None,
    );
    assert_eq!(
        total(json!({"appId": APP, "pageSize": 10, "source": "api"})),
        1
    );
    let old = Rel { s: &s, v: "4.8.14" };
    let res = old.req(
        "DELETE",
        &format!("{}/clearHistories?appId={}", C, APP),
        &[],
        None,
    );
    assert_eq!(
        (res.status, res.json()["message"].clone()),
        (500, json!("Param are error"))
    );
    // Before 4.9.8 a non-stream answer without chatId has `id: ""`.
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(res.json()["id"], "");
    // getResData answered `{}` for nothing until 4.9.10; unknown feedback items were a no-op.
    let res = r.get(&format!(
        "{}/getResData?appId={}&chatId=c1&dataId=none",
        C, APP
    ));
    assert_eq!(res.json()["data"], json!({}));
    let res = r.post(
        &format!("{}/feedback/updateUserFeedback", C),
        json!({"appId": APP, "chatId": "c1", "dataId": "none"}),
    );
    assert_eq!((res.status, res.json()["code"].clone()), (200, json!(200)));
    // Stream: heartbeats exist, no workflowDuration yet, the stop chunk's delta is `{}`, and
    // v1 detail ends stop → [DONE] → flowResponses.
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "detail": true, "chatId": "s1",
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    let n = names(&res);
    assert!(!n.contains(&"workflowDuration".to_string()), "{:?}", n);
    assert_eq!(&n[n.len() - 3..], ["stop", "[DONE]", "flowResponses"]);
    let stop = res
        .sse()
        .into_iter()
        .find(|(_, d)| d.contains("\"stop\""))
        .unwrap()
        .1;
    assert!(stop.contains(r#""delta":{}"#), "{}", stop);
}

#[test]
fn release_4_13_x() {
    let s = start();
    let r = Rel { s: &s, v: "4.13.x" };
    // E2 errors from 4.13.2: always HTTP 500; plain errors have statusText "error".
    let res = wrong_key(&r, &format!("{}/getHistories", C));
    assert_eq!((res.status, res.json()["code"].clone()), (500, json!(514)));
    let res = r.post(
        &format!("{}/feedback/updateUserFeedback", C),
        json!({"appId": APP, "chatId": "c1", "dataId": "none"}),
    );
    assert_eq!(res.status, 500);
    assert_eq!(res.json()["message"], "Chat item not found");
    assert_eq!(res.json()["statusText"], "error");
    // v2 exists (4.9.4); still flat paths, no presign; item/delete still reads the query.
    let res = r.post(
        "/api/v2/chat/completions",
        json!({"messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(res.status, 200);
    is_next_404(&r.post(&format!("{}/history/getHistories", C), json!({})));
    is_next_404(&r.post(&format!("{}/presignChatFilePostUrl", C), json!({})));
    let ai = r.round("c2", "hello");
    let res = r.req(
        "DELETE",
        &format!("{}/item/delete?appId={}&chatId=c2&contentId={}", C, APP, ai),
        &[],
        None,
    );
    assert_eq!(res.status, 200);
    assert_eq!(
        r.records(&format!("{}/getPaginationRecords", C), "c2")
            .len(),
        1
    );
    let res = r.get(&format!(
        "{}/getResData?appId={}&chatId=c2&dataId=none",
        C, APP
    ));
    assert_eq!(res.json()["data"], json!([]));
    // 4.9.7–4.14.10 end sequence.
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "detail": true,
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    let n = names(&res);
    assert_eq!(
        &n[n.len() - 4..],
        ["workflowDuration", "stop", "[DONE]", "flowResponses"]
    );
}

#[test]
fn release_4_14_0() {
    let s = start();
    let r = Rel { s: &s, v: "4.14.0" };
    // item/delete reads the JSON body: the query alone is "contentId or chatId is empty".
    let ai = r.round("c3", "hello");
    let del = format!("{}/item/delete", C);
    let res = r.req(
        "DELETE",
        &format!("{}?appId={}&chatId=c3&contentId={}", del, APP, ai),
        &[],
        None,
    );
    assert_eq!(res.status, 500, "{}", res.text());
    assert_eq!(res.json()["message"], "contentId or chatId is empty");
    let res = r.post(&del, json!({"appId": APP, "chatId": "c3", "contentId": ai}));
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        r.records(&format!("{}/getPaginationRecords", C), "c3")
            .len(),
        1
    );
    // The flat presign answers a presigned POST policy; `file/` does not exist yet.
    let res = r.post(
        &format!("{}/presignChatFilePostUrl", C),
        json!({"appId": APP, "chatId": "c3", "filename": "a.txt"}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    let d = &res.json()["data"];
    assert!(
        d["fields"]["policy"].is_string() && d["maxSize"].is_number(),
        "{}",
        d
    );
    is_next_404(&r.post(&format!("{}/file/presignChatFilePostUrl", C), json!({})));
    // The flat presignChatFileGetUrl signs any key.
    let res = r.post(
        &format!("{}/presignChatFileGetUrl", C),
        json!({"appId": APP, "key": "chat/x"}),
    );
    assert!(
        res.json()["data"]
            .as_str()
            .unwrap()
            .contains("/__s3/fastgpt-private/chat/x?"),
        "{}",
        res.text()
    );
}

#[test]
fn release_4_14_5() {
    let s = start();
    let r = Rel { s: &s, v: "4.14.5" };
    // history/* and record/get* arrive, the flat ones stay as wrappers.
    r.round("c4", "hello");
    assert_eq!(
        r.records(&format!("{}/record/getPaginationRecords", C), "c4")
            .len(),
        2
    );
    assert_eq!(
        r.records(&format!("{}/getPaginationRecords", C), "c4")
            .len(),
        2
    );
    for p in ["/history/getHistories", "/getHistories"] {
        let res = r.post(
            &format!("{}{}", C, p),
            json!({"appId": APP, "pageSize": 10}),
        );
        assert_eq!(res.json()["data"]["total"], 1, "{}", p);
        assert!(res.json()["data"]["list"][0]
            .get("chatGenerateStatus")
            .is_none());
    }
    // Record delete is still item/delete with a body; record/delete comes in 4.14.11.
    is_next_404(&r.req(
        "DELETE",
        &format!("{}/record/delete?appId={}", C, APP),
        &[],
        None,
    ));
    // The flat presign is gone; file/ answers a presigned PUT without previewUrl.
    is_next_404(&r.post(&format!("{}/presignChatFilePostUrl", C), json!({})));
    let res = r.post(
        &format!("{}/file/presignChatFilePostUrl", C),
        json!({"appId": APP, "chatId": "c4", "filename": "a.txt"}),
    );
    let d = res.json()["data"].clone();
    assert!(
        d["url"].as_str().unwrap().contains("X-Amz-Signature="),
        "{}",
        d
    );
    assert!(
        d["headers"]["Content-Type"].is_string()
            && d["maxSize"].is_number()
            && d.get("previewUrl").is_none(),
        "{}",
        d
    );
    // Validation: HTTP 500, code 400, "Data validation error", no zodError until 4.14.7.
    let res = r.post(
        &format!("{}/history/getHistories", C),
        json!({"appId": APP, "source": "nope"}),
    );
    assert_eq!((res.status, res.json()["code"].clone()), (500, json!(400)));
    assert_eq!(res.json()["message"], "Data validation error");
    assert!(res.json().get("zodError").is_none());
    // New in 4.14.5: batchDelete, record/getRecords_v2, v2/chat/stop; not yet 4.14.11's.
    let res = r.post(
        &format!("{}/record/getRecords_v2", C),
        json!({"appId": APP, "chatId": "c4", "pageSize": 1}),
    );
    let d = res.json()["data"].clone();
    assert_eq!(
        (
            d["total"].clone(),
            d["hasMorePrev"].clone(),
            d["list"].as_array().unwrap().len()
        ),
        (json!(2), json!(true), 1)
    );
    assert!(d["list"][0]["id"].is_string());
    let res = r.post("/api/v2/chat/stop", json!({"appId": APP, "chatId": "c4"}));
    assert_eq!(res.json()["data"], json!({"success": true}));
    for p in ["/history/getHistoryStatus", "/history/markRead"] {
        is_next_404(&r.post(&format!("{}{}", C, p), json!({})));
    }
    is_next_404(&r.get(&format!("{}/resume?appId={}&chatId=c4", C, APP)));
    let res = r.post(
        &format!("{}/history/batchDelete", C),
        json!({"appId": APP, "chatIds": ["c4"]}),
    );
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        r.records(&format!("{}/record/getPaginationRecords", C), "c4")
            .len(),
        0
    );
}

#[test]
fn release_4_14_7() {
    let s = start();
    let r = Rel { s: &s, v: "4.14.7" };
    // zodError joins the validation body; x-request-id on every response.
    let res = r.post(
        &format!("{}/history/getHistories", C),
        json!({"appId": APP, "source": "nope"}),
    );
    assert_eq!(res.status, 500);
    assert_eq!(res.json()["zodError"][0]["path"][0], "source");
    assert!(res.header("x-request-id").is_some());
    // The 4.14.7 flowResponses bug (an object) and responseValueId on tool frames.
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "detail": true,
        "messages": [{"role": "user", "content": "/tool"}]}),
    );
    let ev = res.sse();
    let flow = &ev.iter().find(|(e, _)| e == "flowResponses").unwrap().1;
    assert!(flow.starts_with("{\"0\":"), "{}", flow);
    let call_ = &ev.iter().find(|(e, _)| e == "toolCall").unwrap().1;
    assert!(
        call_.contains("\"responseValueId\":\"call_1\""),
        "{}",
        call_
    );
}

#[test]
fn release_4_14_11() {
    let s = start();
    let r = Rel {
        s: &s,
        v: "4.14.11",
    };
    // Per-error statuses: unAuthApiKey HTTP 500 (code 514), unAuthorization 403,
    // validation 400 with zodError naming the field.
    let res = wrong_key(&r, &format!("{}/history/getHistories", C));
    assert_eq!((res.status, res.json()["code"].clone()), (500, json!(514)));
    assert_eq!(res.json()["message"], "common:code_error.error_message.514");
    let res = r.req(
        "POST",
        &format!("{}/history/getHistories", C),
        &[("Authorization", "")],
        Some(json!({})),
    );
    assert_eq!(res.status, 403);
    let res = r.get(&format!("{}/init?appId=nothex", C));
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["message"], "Data validation error");
    assert_eq!(res.json()["zodError"][0]["path"][0], "appId");
    // Validation of completions is JSON even for stream:true.
    let res = r.post(
        "/api/v2/chat/completions",
        json!({"stream": true, "appId": "bad", "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(res.status, 400);
    assert_eq!(res.json()["zodError"][0]["path"][0], "appId");
    // item/delete is gone; record/delete reads the query, `{}` data, strict ids.
    let ai = r.round("c5", "hello");
    is_next_404(&r.post(
        &format!("{}/item/delete", C),
        json!({"appId": APP, "chatId": "c5", "contentId": ai}),
    ));
    let del = format!("{}/record/delete", C);
    let res = r.post(&del, json!({"appId": APP, "chatId": "c5", "contentId": ai}));
    assert_eq!(
        res.status, 400,
        "the body is ignored: appId is missing from the query"
    );
    let res = r.req(
        "DELETE",
        &format!("{}?appId={}&chatId=c5", del, APP),
        &[],
        None,
    );
    assert_eq!(res.json()["message"], "contentId or chatId is empty");
    let res = r.req(
        "DELETE",
        &format!("{}?appId={}&chatId=c5&contentId={}", del, APP, ai),
        &[],
        None,
    );
    assert_eq!(res.json()["data"], json!({}));
    // History status and read marks; getHistories carries them.
    let res = r.post(
        &format!("{}/history/getHistoryStatus", C),
        json!({"appId": APP, "chatIds": ["c5", "none"]}),
    );
    let list = res.json()["data"]["list"].clone();
    assert_eq!(list.as_array().unwrap().len(), 1, "{}", list);
    assert_eq!(
        (
            list[0]["chatGenerateStatus"].clone(),
            list[0]["hasBeenRead"].clone()
        ),
        (json!(1), json!(false))
    );
    r.post(
        &format!("{}/history/markRead", C),
        json!({"appId": APP, "chatId": "c5"}),
    );
    let res = r.post(
        &format!("{}/history/getHistories", C),
        json!({"appId": APP, "pageSize": 10}),
    );
    assert_eq!(res.json()["data"]["list"][0]["hasBeenRead"], true);
    // The presign goes through FastGPT's upload proxy (a JWT path), answering envelopes.
    let res = r.post(
        &format!("{}/file/presignChatFilePostUrl", C),
        json!({"appId": APP, "chatId": "c5", "filename": "a.txt"}),
    );
    let d = res.json()["data"].clone();
    let url = d["url"].as_str().unwrap();
    assert!(
        url.contains("/api/system/file/upload/") && url.matches('.').count() >= 2,
        "{}",
        url
    );
    assert_eq!(d["headers"], json!({"content-type": "text/plain"}));
    assert!(d.get("previewUrl").is_none() && d.get("uploadMode").is_none());
    let path = &url[url.find("/api/").unwrap()..];
    let up = call(
        &s,
        "PUT",
        path,
        &[
            ("X-Dev-FastGPT-Version", "4.14.11"),
            ("Content-Type", "text/plain"),
        ],
        None,
    );
    assert_eq!(up.status, 500, "an empty upload is refused: {}", up.text());
    assert_eq!(up.json()["statusText"], "InvalidUploadFileType");
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.write_all(&common::request_bytes(
        &s.addr,
        "PUT",
        path,
        &[
            ("X-Dev-FastGPT-Version", "4.14.11"),
            ("Content-Type", "text/plain"),
        ],
        b"hello",
    ))
    .unwrap();
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).unwrap();
    let up = common::parse_response(&raw);
    assert_eq!(up.json()["data"], json!({"success": true}), "{}", up.text());
    let res = call(
        &s,
        "POST",
        path,
        &[("X-Dev-FastGPT-Version", "4.14.11")],
        None,
    );
    assert_eq!(res.status, 405);
    // Stream end: stop → flowResponses → [DONE].
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "detail": true,
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    let n = names(&res);
    assert_eq!(
        &n[n.len() - 4..],
        ["workflowDuration", "stop", "flowResponses", "[DONE]"]
    );
    // Resume of a finished chat: JSON state, or resumeCompleted + done over SSE.
    let res = r.get(&format!("{}/resume?appId={}&chatId=c5", C, APP));
    let d = res.json()["data"].clone();
    assert_eq!(
        (d["chatGenerateStatus"].clone(), d["hasBeenRead"].clone()),
        (json!(1), json!(true))
    );
    assert_eq!(d["records"]["total"], 1);
    let res = r.req(
        "GET",
        &format!("{}/resume?appId={}&chatId=c5", C, APP),
        &[("Accept", "text/event-stream")],
        None,
    );
    assert_eq!(names(&res), ["resumeCompleted", "[DONE]"]);
    assert_eq!(res.sse()[1].0, "done");
    let res = r.get(&format!("{}/resume?appId={}&chatId=nochat", C, APP));
    assert_eq!(
        (res.status, res.json()["message"].clone()),
        (500, json!("Chat not found"))
    );
}

#[test]
fn release_4_15_0_beta5_titles_even_without_detail() {
    let s = start();
    let r = Rel {
        s: &s,
        v: "4.15.0-beta5",
    };
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "chatId": "t1",
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    let ev = res.sse();
    assert!(
        ev.iter()
            .any(|(e, d)| e == "chatTitle" && d == r#"{"title":"hi"}"#),
        "{:?}",
        ev
    );
    // 4.15.0 and later: only with stream && detail.
    let r = Rel { s: &s, v: "4.15.0" };
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"stream": true, "chatId": "t2",
        "messages": [{"role": "user", "content": "hi"}]}),
    );
    assert!(!names(&res).contains(&"chatTitle".to_string()));
}

#[test]
fn release_4_16_1() {
    let s = start();
    let r = Rel { s: &s, v: "4.16.1" };
    // chatTitle: the first round of a chat, stream && detail, before the stop chunk.
    let body = |chat: &str| {
        json!({"stream": true, "detail": true, "chatId": chat, "appId": APP,
        "messages": [{"role": "user", "content": "hello there"}]})
    };
    let n = names(&r.post("/api/v1/chat/completions", body("c6")));
    assert_eq!(
        &n[n.len() - 5..],
        [
            "workflowDuration",
            "chatTitle",
            "stop",
            "flowResponses",
            "[DONE]"
        ]
    );
    assert!(
        !names(&r.post("/api/v1/chat/completions", body("c6"))).contains(&"chatTitle".to_string())
    );
    let res = r.post(
        "/api/v2/chat/completions",
        json!({"appId": APP, "chatId": "c7", "responseChatItemId": "dup1",
               "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(res.json()["title"], "x");
    assert_eq!(res.json()["id"], "c7");
    // 4.15.0-beta2: a responseChatItemId the chat already has is refused (UserError).
    let res = r.post(
        "/api/v2/chat/completions",
        json!({"appId": APP, "chatId": "c7", "responseChatItemId": "dup1",
        "messages": [{"role": "user", "content": "y"}]}),
    );
    assert_eq!(
        (res.status, res.json()["message"].clone()),
        (500, json!("Chat dataId already exists: dup1"))
    );
    assert_eq!(res.json()["errorType"], "UserError");
    // record/delete: body if it has any key, else the query; contentIds; `null` data.
    let a1 = r.round("c8", "one");
    let a2 = r.round("c8", "three");
    let del = format!("{}/record/delete", C);
    let res = r.req(
        "DELETE",
        &del,
        &[],
        Some(json!({"appId": APP, "chatId": "c8", "contentIds": [a1, a2]})),
    );
    assert_eq!(
        (res.status, res.json()["data"].clone()),
        (200, Value::Null),
        "{}",
        res.text()
    );
    assert_eq!(
        r.records(&format!("{}/record/getPaginationRecords", C), "c8")
            .len(),
        2
    );
    let res = r.req(
        "DELETE",
        &format!("{}?appId={}&chatId=c8", del, APP),
        &[],
        None,
    );
    assert_eq!(res.json()["data"], Value::Null, "no ids: a no-op");
    // Presign: the short upload token, previewUrl short link, uploadMode single.
    let res = r.post(
        &format!("{}/file/presignChatFilePostUrl", C),
        json!({"appId": APP, "chatId": "c8", "filename": "a.txt"}),
    );
    let d = res.json()["data"].clone();
    assert_eq!(d["uploadMode"], "single");
    let url = d["url"].as_str().unwrap().to_string();
    assert!(url.contains("/api/system/file/u/"), "{}", url);
    let mut c = TcpStream::connect(&s.addr).unwrap();
    let path = &url[url.find("/api/").unwrap()..];
    c.write_all(&common::request_bytes(
        &s.addr,
        "PUT",
        path,
        &[("X-Dev-FastGPT-Version", "4.16.1")],
        b"file body",
    ))
    .unwrap();
    let mut raw = Vec::new();
    c.read_to_end(&mut raw).unwrap();
    assert_eq!(common::parse_response(&raw).json()["data"]["success"], true);
    let preview = d["previewUrl"].as_str().unwrap();
    let got = r.get(&preview[preview.find("/api/").unwrap()..]);
    assert_eq!((got.status, got.text().as_str()), (200, "file body"));
    // presignChatFileGetUrl: needs chatId, checks the key's app and chat, a short link.
    let key = d["key"].as_str().unwrap();
    let get_url = format!("{}/file/presignChatFileGetUrl", C);
    let res = r.post(&get_url, json!({"appId": APP, "key": key}));
    assert_eq!(
        (res.status, res.json()["zodError"][0]["path"][0].clone()),
        (400, json!("chatId"))
    );
    let res = r.post(
        &get_url,
        json!({"appId": APP, "key": key, "chatId": "other"}),
    );
    assert_eq!(res.json()["statusText"], "unAuthChat");
    let res = r.post(&get_url, json!({"appId": APP, "key": key, "chatId": "c8"}));
    let link = res.json()["data"].as_str().unwrap().to_string();
    assert_eq!(
        r.get(&link[link.find("/api/").unwrap()..]).text(),
        "file body"
    );
    // App logs: totals (commercial) and the list (API keys from 4.15.2).
    let res = r.get(&format!(
        "/api/proApi/core/app/logs/getTotalData?appId={}",
        APP
    ));
    assert!(
        res.json()["data"]["totalChats"].as_u64().unwrap() >= 3,
        "{}",
        res.text()
    );
    let res = r.post(
        "/api/core/app/logs/list",
        json!({"appId": APP, "dateStart": "2020-01-01T00:00:00.000Z",
        "dateEnd": "2099-01-01T00:00:00.000Z", "pageSize": 2}),
    );
    let d = res.json()["data"].clone();
    assert!(
        d["total"].as_u64().unwrap() >= 3 && d["list"].as_array().unwrap().len() == 2,
        "{}",
        d
    );
    assert_eq!(d["list"][0]["messageCount"].as_u64().unwrap() % 2, 0);
    let res = Rel { s: &s, v: "4.15.1" }.post("/api/core/app/logs/list", json!({"appId": APP}));
    assert_eq!(
        res.json()["statusText"],
        "unAuthorization",
        "no API keys before 4.15.2"
    );
    // getHistoryStatus needs appId from beta6 (400); markRead, stop data shapes.
    let res = r.post(
        &format!("{}/history/getHistoryStatus", C),
        json!({"chatIds": ["c6"]}),
    );
    assert_eq!(res.status, 400);
    let res = r.post(
        "/api/v2/chat/stop",
        json!({"appId": APP, "chatId": "nochat"}),
    );
    assert_eq!(
        res.json()["data"],
        json!({"success": true, "completed": true, "chatGenerateStatus": 1})
    );
}

/// Start a slow stream in a thread; returns its handle yielding the whole raw response.
fn slow_stream(
    s: &Server,
    path: &'static str,
    chat: &str,
    extra: Vec<(&'static str, &'static str)>,
) -> std::thread::JoinHandle<Resp> {
    let addr = s.addr.clone();
    let body = json!({"stream": true, "detail": true, "chatId": chat,
        "messages": [{"role": "user", "content": "a fairly long question for a slow answer"}]})
    .to_string();
    std::thread::spawn(move || {
        let mut h: Vec<(&str, &str)> = vec![
            ("X-Dev-FastGPT-Version", "4.16.1"),
            ("X-Dev-Chunk-Delay-Ms", "60"),
        ];
        h.extend(extra);
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c.write_all(&common::request_bytes(
            &addr,
            "POST",
            path,
            &h,
            body.as_bytes(),
        ))
        .unwrap();
        let mut raw = Vec::new();
        let _ = c.read_to_end(&mut raw);
        common::parse_response(&raw)
    })
}

#[test]
fn stop_stops_only_v2_runs() {
    let s = start();
    let r = Rel { s: &s, v: "4.16.1" };
    let full = "You said: a fairly long question for a slow answer";
    // v2: stopped early; the stream still ends with its end sequence.
    let t = slow_stream(&s, "/api/v2/chat/completions", "st2", vec![]);
    std::thread::sleep(Duration::from_millis(300));
    let st = Instant::now();
    let res = r.post(
        "/api/v2/chat/stop",
        json!({"appId": "65f0000000000000000000aa", "chatId": "st2"}),
    );
    assert_eq!(res.json()["data"]["completed"], true, "{}", res.text());
    assert!(st.elapsed() < Duration::from_secs(2));
    let out = t.join().unwrap();
    let text = answer_text(&out.sse());
    assert!(!text.is_empty() && text.len() < full.len(), "{:?}", text);
    let n = names(&out);
    assert_eq!(n.last().unwrap(), "[DONE]");
    assert!(n.contains(&"stop".to_string()));
    // v1: the flag is set but nobody polls it; the answer is whole.
    let t = slow_stream(&s, "/api/v1/chat/completions", "st1", vec![]);
    std::thread::sleep(Duration::from_millis(300));
    let res = r.req(
        "POST",
        "/api/v2/chat/stop",
        &[("X-Dev-Stop-Wait-Ms", "200")],
        Some(json!({"appId": "65f0000000000000000000aa", "chatId": "st1"})),
    );
    assert_eq!(
        res.json()["data"],
        json!({"success": true, "completed": false, "chatGenerateStatus": 0})
    );
    // A chat still generating refuses another round (chatIsGenerating).
    let res = r.post(
        "/api/v1/chat/completions",
        json!({"chatId": "st1", "messages": [{"role": "user", "content": "x"}]}),
    );
    assert_eq!(
        (res.status, res.json()["code"].clone()),
        (500, json!(504001)),
        "{}",
        res.text()
    );
    assert_eq!(answer_text(&t.join().unwrap().sse()), full);
}

#[test]
fn resume_replays_mirrored_rounds() {
    let s = start();
    let r = Rel { s: &s, v: "4.16.1" };
    let app = "65f0000000000000000000aa";
    let full = "You said: a fairly long question for a slow answer";
    // Start a v2 round with the resume header, read a little, drop the connection.
    let body = json!({"stream": true, "detail": true, "chatId": "rs1",
        "messages": [{"role": "user", "content": "a fairly long question for a slow answer"}]})
    .to_string();
    let mut c = TcpStream::connect(&s.addr).unwrap();
    let h = [
        ("X-Dev-FastGPT-Version", "4.16.1"),
        ("X-Dev-Chunk-Delay-Ms", "60"),
        ("x-fastgpt-stream-resume", "1"),
    ];
    c.write_all(&common::request_bytes(
        &s.addr,
        "POST",
        "/api/v2/chat/completions",
        &h,
        body.as_bytes(),
    ))
    .unwrap();
    let mut first = [0u8; 600];
    let n = c.read(&mut first).unwrap();
    assert!(n > 0);
    drop(c);
    std::thread::sleep(Duration::from_millis(150));
    // Without SSE accept: 406 while generating.
    let target = format!("{}/resume?appId={}&chatId=rs1", C, app);
    let res = r.get(&target);
    assert_eq!(
        (res.status, res.json()["code"].clone()),
        (406, json!(406)),
        "{}",
        res.text()
    );
    // With it: catchup (the whole round from its start), live, the rest, [DONE].
    let res = r.req("GET", &target, &[("Accept", "text/event-stream")], None);
    assert_eq!(
        res.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let ev = res.sse();
    assert_eq!(ev[0], ("resumePhase".to_string(), "catchup".to_string()));
    let live = ev
        .iter()
        .position(|e| e.0 == "resumePhase" && e.1 == "live")
        .expect("live phase");
    assert!(live > 2, "catch-up replays frames: {:?}", ev);
    assert_eq!(answer_text(&ev), full, "catch-up + live = the whole answer");
    assert_eq!(ev.last().unwrap().1, "[DONE]");
    assert!(
        ev[1..live].iter().any(|e| e.0 == "flowNodeResponse"),
        "replay starts at the round's start"
    );
    // Round without the header: catchup, live, then silence until the client leaves.
    let t = slow_stream(&s, "/api/v2/chat/completions", "rs2", vec![]);
    std::thread::sleep(Duration::from_millis(200));
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(2500)))
        .unwrap();
    let target = format!("{}/resume?appId={}&chatId=rs2", C, app);
    c.write_all(&common::request_bytes(
        &s.addr,
        "GET",
        &target,
        &[
            ("X-Dev-FastGPT-Version", "4.16.1"),
            ("Accept", "text/event-stream"),
        ],
        b"",
    ))
    .unwrap();
    let mut raw = Vec::new();
    let st = Instant::now();
    let mut buf = [0u8; 4096];
    while let Ok(n) = c.read(&mut buf) {
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    assert!(st.elapsed() >= Duration::from_secs(2), "it waits");
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("data: catchup") && text.contains("data: live") && !text.contains("[DONE]"),
        "{}",
        text
    );
    drop(c);
    t.join().unwrap();
    // Memory pressure: resumeUnavailable, pings, then the completed state.
    let t = slow_stream(
        &s,
        "/api/v2/chat/completions",
        "rs3",
        vec![
            ("x-fastgpt-stream-resume", "1"),
            ("X-Dev-Fault", "resume-unavailable"),
        ],
    );
    std::thread::sleep(Duration::from_millis(200));
    let res = r.req(
        "GET",
        &format!("{}/resume?appId={}&chatId=rs3", C, app),
        &[
            ("Accept", "text/event-stream"),
            ("X-Dev-Heartbeat-Ms", "100"),
        ],
        None,
    );
    let ev = res.sse();
    assert_eq!(
        names(&res),
        [
            "resumePhase",
            "resumeUnavailable",
            "resumeCompleted",
            "[DONE]"
        ],
        "{:?}",
        ev
    );
    assert_eq!(ev[1].1, r#"{"reason":"memoryPressure"}"#);
    assert!(res.text().contains(": ping"));
    assert_eq!(t.join().unwrap().status, 200);
}

#[test]
fn cut_mid_stream_then_resume() {
    let s = start();
    let app = "65f0000000000000000000aa";
    let full = "You said: a fairly long question for a slow answer";
    let body = |chat: &str| {
        json!({"stream": true, "detail": true, "chatId": chat,
               "messages": [{"role": "user", "content": "a fairly long question for a slow answer"}]})
        .to_string()
    };
    // Compatibility mode, a resumable v2 round cut by the server: the client sees the stream
    // end early (no [DONE]); resume gives the whole answer.
    let h = [
        ("x-fastgpt-stream-resume", "1"),
        ("X-Dev-Fault", "cut-mid-stream:600"),
    ];
    let mut c = TcpStream::connect(&s.addr).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    c.write_all(&common::request_bytes(
        &s.addr,
        "POST",
        "/api/v2/chat/completions",
        &h,
        body("cut1").as_bytes(),
    ))
    .unwrap();
    let mut raw = Vec::new();
    let _ = c.read_to_end(&mut raw);
    let cut = common::parse_response(&raw);
    let partial = answer_text(&cut.sse());
    assert!(
        !partial.is_empty() && partial.len() < full.len(),
        "{:?}",
        partial
    );
    assert!(!cut.text().contains("[DONE]"));
    let target = format!("{}/resume?appId={}&chatId=cut1", C, app);
    let res = call(&s, "GET", &target, &[("Accept", "text/event-stream")], None);
    let ev = res.sse();
    assert_eq!(ev[0].1, "catchup");
    assert_eq!(answer_text(&ev), full);
    assert_eq!(ev.last().unwrap().1, "[DONE]");
    // v1 (4.16.1): a cut ends the round; resume reports the finished chat.
    let mut c = TcpStream::connect(&s.addr).unwrap();
    let h = [
        ("X-Dev-FastGPT-Version", "4.16.1"),
        ("X-Dev-Fault", "cut-mid-stream:600"),
    ];
    c.write_all(&common::request_bytes(
        &s.addr,
        "POST",
        "/api/v1/chat/completions",
        &h,
        body("cut2").as_bytes(),
    ))
    .unwrap();
    let mut raw = Vec::new();
    let _ = c.read_to_end(&mut raw);
    std::thread::sleep(Duration::from_millis(100));
    let target = format!("{}/resume?appId={}&chatId=cut2", C, app);
    let res = call(
        &s,
        "GET",
        &target,
        &[
            ("X-Dev-FastGPT-Version", "4.16.1"),
            ("Accept", "text/event-stream"),
        ],
        None,
    );
    assert_eq!(names(&res), ["resumeCompleted", "[DONE]"]);
}
