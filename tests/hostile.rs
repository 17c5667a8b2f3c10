//! Hostile peers (contract revision 3, §11): misbehaving servers and storage endpoints
//! written in this file, each checked for the exact status code and error JSON fields, and,
//! where memory or CPU is the point, for a bound measured on a child process.
//!
//! Which issue observation each test covers is named in its comment ("obs N").

mod hostile_support;

use std::io::Write;
use std::time::Duration;

use hostile_support::*;
use serde_json::{json, Value};

const OK: i32 = 0;
const INVALID: i32 = 1;
const TRANSPORT: i32 = 2;
const TIMEOUT: i32 = 3;
const HTTP: i32 = 4;
const API: i32 = 5;
const PROTOCOL: i32 = 6;
const CANCELLED: i32 = 9;

fn envelope_ok() -> Value {
    json!({"code": 200, "statusText": "", "message": "", "data": {"list": [], "total": 0}})
}

fn completion_ok() -> Value {
    json!({"id": "x", "choices": [{"message": {"role": "assistant", "content": "hello"}, "finish_reason": "stop", "index": 0}]})
}

/// Answers every request on every connection with `body` (keep-alive).
fn answering(body: Value) -> std::sync::Arc<Hostile> {
    serve(move |conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            if conn.respond_json("200 OK", &body).is_err() {
                return;
            }
        }
    })
}

// ---------------------------------------------------------------------------------------
// obs 1: floods of whitespace, plain and gzip; bodies over max_response_bytes; gzip bombs.
// Each runs in a child process whose peak RSS must stay under 2 × max_response_bytes +
// 64 MiB (the child is also capped at 2 GiB of address space, so that a regression fails
// fast instead of exhausting the machine).

const FLOOD_MAX_RESPONSE: u64 = 16 * MIB;
const FLOOD_MAX_EVENT: u64 = 4 * MIB;

fn flood_client(url: &str) -> Client {
    client_for(
        url,
        json!({"max_response_bytes": FLOOD_MAX_RESPONSE, "max_event_bytes": FLOOD_MAX_EVENT, "timeout_ms": 20000, "completion_timeout_ms": 20000, "stream_idle_timeout_ms": 20000}),
    )
}

/// The child side: runs one scenario and prints the outcome.
fn run_scenario(name: &str) -> Outcome {
    let sse_head =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    let gz_sse_head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n";
    let json_head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    let gz_json_head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n";
    let (head, byte, gzip, stream): (&str, u8, bool, bool) = match name {
        "stream-spaces" => (sse_head, b' ', false, true),
        "stream-newlines" => (sse_head, b'\n', false, true),
        "stream-gzip-newlines" => (gz_sse_head, b'\n', true, true),
        "stream-gzip-spaces" => (gz_sse_head, b' ', true, true),
        "whole-spaces" => (json_head, b' ', false, false),
        "whole-gzip-bomb" => (gz_json_head, b' ', true, false),
        "whole-gzip-bomb-json" => (gz_json_head, b'[', true, false),
        other => panic!("unknown scenario {other}"),
    };
    let head = head.to_string();
    let server = serve(move |conn, _| {
        if conn.read_request(1 << 20).is_none() {
            return;
        }
        if conn.write(head.as_bytes()).is_err() {
            return;
        }
        if gzip {
            gzip_flood(conn, byte)
        } else {
            flood(conn, byte)
        }
    });
    let client = flood_client(&server.url());
    if stream {
        client.stream(CHAT, None).0
    } else {
        client.completion(CHAT, None)
    }
}

#[test]
fn child_entry() {
    let Some(name) = child_scenario() else { return };
    let out = run_scenario(&name);
    println!("OUTCOME {}", out.text);
    report_peak_rss();
    if out.status == PROTOCOL && out.err()["http_status"] == 200 {
        println!("CHILD-OK");
    }
}

fn assert_bounded_flood(scenario: &str) {
    let r = run_child("child_entry", scenario, 2048, Duration::from_secs(60));
    let bound = 2 * FLOOD_MAX_RESPONSE + 64 * MIB;
    eprintln!(
        "{scenario}: peak RSS {} MiB, CPU {:?}",
        r.max_rss / MIB,
        r.cpu
    );
    assert!(
        r.ok,
        "{scenario}: the child did not end with FASTGPT_E_PROTOCOL / http_status 200:\n{}",
        r.output
    );
    assert!(
        r.max_rss < bound,
        "{scenario}: peak RSS {} MiB over {} MiB",
        r.max_rss / MIB,
        bound / MIB
    );
}

/// obs 1: `\n` forever after a 2xx stream head: more than max_event_bytes of leading
/// whitespace is FASTGPT_E_PROTOCOL (rule 8), with bounded memory.
#[test]
fn stream_newline_flood_is_protocol_with_bounded_rss() {
    assert_bounded_flood("stream-newlines");
}

/// obs 1: spaces forever (a line that never ends) on a stream.
#[test]
fn stream_space_flood_is_protocol_with_bounded_rss() {
    assert_bounded_flood("stream-spaces");
}

/// obs 1: the same floods through gzip (limits count decoded bytes).
#[test]
fn stream_gzip_whitespace_flood_is_protocol_with_bounded_rss() {
    assert_bounded_flood("stream-gzip-newlines");
    assert_bounded_flood("stream-gzip-spaces");
}

/// obs 1 (held before): a non-streaming 2xx body of spaces forever is cut at
/// max_response_bytes.
#[test]
fn whole_body_space_flood_is_protocol_with_bounded_rss() {
    assert_bounded_flood("whole-spaces");
}

/// Held before: gzip bombs (a few MB on the wire, unbounded decoded) on a body read whole.
#[test]
fn gzip_bomb_is_protocol_with_bounded_rss() {
    assert_bounded_flood("whole-gzip-bomb");
    assert_bounded_flood("whole-gzip-bomb-json");
}

/// obs 1: leading whitespace up to max_event_bytes is still accepted before SSE and before
/// a JSON error body of a stream request (rule 8).
#[test]
fn some_leading_whitespace_is_still_fine() {
    let server = serve(|conn, _| {
        let Some(req) = conn.read_request(1 << 20) else {
            return;
        };
        let ws = "\n".repeat(1000);
        if req.body.windows(5).any(|w| w == b"error") {
            let body =
                format!("{ws}{{\"code\":500,\"statusText\":\"boom\",\"message\":\"failed\"}}");
            let _ = conn.respond(
                "200 OK",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            );
        } else {
            let body = format!("{ws}data: {{\"choices\":[{{\"delta\":{{\"content\":\"hi\"}},\"finish_reason\":\"stop\"}}]}}\n\ndata: [DONE]\n\n");
            let _ = conn.respond(
                "200 OK",
                &[("Content-Type", "text/event-stream")],
                body.as_bytes(),
            );
        }
    });
    let client = client_for(&server.url(), json!({"max_event_bytes": 4096}));
    let (out, events) = client.stream(CHAT, None);
    out.assert_status(OK);
    assert!(events >= 1);
    let (out, _) = client.stream(r#"{"chatId":"error","messages":[]}"#, None);
    out.assert_status(API);
    assert_eq!(out.err()["api_code"], 500);
    assert_eq!(out.err()["status_text"], "boom");
}

/// obs 1: a stream's leading whitespace over max_event_bytes, quickly (in process).
#[test]
fn stream_leading_whitespace_over_max_event_bytes_is_protocol() {
    let server = serve(|conn, _| {
        let Some(_) = conn.read_request(1 << 20) else {
            return;
        };
        let body = format!("{}data: [DONE]\n\n", " ".repeat(10_000));
        let _ = conn.respond(
            "200 OK",
            &[("Content-Type", "text/event-stream")],
            body.as_bytes(),
        );
    });
    let client = client_for(&server.url(), json!({"max_event_bytes": 4096}));
    let (out, events) = client.stream(CHAT, None);
    out.assert_status(PROTOCOL);
    assert_eq!(events, 0);
    assert_eq!(out.err()["http_status"], 200);
}

/// Held before: a body over max_response_bytes is FASTGPT_E_PROTOCOL whatever the status.
#[test]
fn bodies_over_max_response_bytes_are_protocol_at_any_status() {
    for status in ["200 OK", "500 Internal Server Error"] {
        let server = serve(move |conn, _| {
            while conn.read_request(1 << 20).is_some() {
                let body = format!("{{\"code\":200,\"data\":\"{}\"}}", "x".repeat(20_000));
                let _ = conn.respond(
                    status,
                    &[("Content-Type", "application/json")],
                    body.as_bytes(),
                );
            }
        });
        let client = client_for(&server.url(), json!({"max_response_bytes": 10_000}));
        let out = client.histories(None);
        out.assert_status(PROTOCOL);
        assert_eq!(
            out.err()["http_status"],
            status[..3].parse::<i64>().unwrap()
        );
        assert_eq!(out.err()["attempts"], 1);
        // Exactly at the limit is fine.
        let server = serve(|conn, _| {
            while conn.read_request(1 << 20).is_some() {
                let mut body = "{\"code\":200,\"data\":\"".to_string();
                body.push_str(&"x".repeat(10_000 - body.len() - 2));
                body.push_str("\"}");
                let _ = conn.respond(
                    "200 OK",
                    &[("Content-Type", "application/json")],
                    body.as_bytes(),
                );
            }
        });
        client_for(&server.url(), json!({"max_response_bytes": 10_000}))
            .histories(None)
            .assert_status(OK);
    }
}

// ---------------------------------------------------------------------------------------
// obs 2 and 4: uploads with hostile presign answers and storage.

/// A FastGPT whose presign answer is `data` (with `{storage}` replaced by this server's
/// storage URL) and whose storage answers 200 to what it receives (recorded). Other paths
/// answer 404 with a non-envelope body.
fn upload_server(data: Value) -> std::sync::Arc<Hostile> {
    serve(move |conn, hs| {
        while let Some(req) = conn.read_request(256 << 20) {
            hs.record(&req);
            let port = conn.stream.local_addr().unwrap().port();
            let r = if req.path().contains("presignChatFileGetUrl") {
                // The download URL the library asks for after the upload (contract §6.2).
                let url = format!("http://127.0.0.1:{port}/storage/get?signed=1");
                conn.respond_json(
                    "200 OK",
                    &json!({"code": 200, "statusText": "", "message": "", "data": url}),
                )
            } else if req.path().contains("presign") {
                let text = data
                    .to_string()
                    .replace("{storage}", &format!("http://127.0.0.1:{port}/storage"));
                let d: Value = serde_json::from_str(&text).unwrap();
                conn.respond_json(
                    "200 OK",
                    &json!({"code": 200, "statusText": "", "message": "", "data": d}),
                )
            } else if req.path().starts_with("/storage") {
                conn.respond("200 OK", &[], b"")
            } else {
                conn.respond(
                    "404 Not Found",
                    &[("Content-Type", "text/plain")],
                    b"not found",
                )
            };
            if r.is_err() {
                return;
            }
        }
    })
}

fn storage_requests(h: &Hostile) -> Vec<Seen> {
    h.seen()
        .into_iter()
        .filter(|s| s.path().starts_with("/storage"))
        .collect()
}

/// obs 2: a presigned `Content-Length` that differs from the data was an endless 100% CPU
/// loop; now FASTGPT_E_PROTOCOL before anything reaches storage.
#[test]
fn presigned_content_length_mismatch_is_protocol_before_sending() {
    for cl in ["999", "3", "0", "abc", "-1"] {
        let server = upload_server(
            json!({"url": "{storage}/put?sig=1", "key": "chat/k.txt", "headers": {"Content-Length": cl}}),
        );
        let client = client_for(&server.url(), json!({"timeout_ms": 5000}));
        let h = server.clone();
        let (out, took) = within(Duration::from_secs(20), move || {
            let o = client.upload("a.txt", Some("text/plain"), b"0123456789", None);
            drop(client);
            o
        });
        out.assert_status(PROTOCOL);
        assert!(
            out.err()["message"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains("content-length"),
            "{}",
            out.text
        );
        assert!(
            storage_requests(&h).is_empty(),
            "storage got a request for Content-Length {cl}"
        );
        assert!(took < Duration::from_secs(3), "{took:?}");
    }
}

/// obs 2: a presigned `Content-Length` equal to the data length is accepted, and storage
/// gets exactly one `Content-Length`.
#[test]
fn presigned_content_length_equal_is_accepted() {
    let server = upload_server(
        json!({"url": "{storage}/put?sig=1", "key": "chat/k.txt", "headers": {"content-length": "10", "x-amz-meta-a": "b"}}),
    );
    let client = client_for(&server.url(), json!({}));
    let out = client.upload("a.txt", Some("text/plain"), b"0123456789", None);
    out.assert_status(OK);
    assert!(out.text.contains("/storage/get?signed=1"), "{}", out.text);
    let st = storage_requests(&server);
    assert_eq!(st.len(), 1);
    assert_eq!(st[0].method(), "PUT");
    assert_eq!(st[0].body, b"0123456789");
    assert_eq!(
        st[0]
            .headers
            .iter()
            .filter(|(k, _)| k == "content-length")
            .count(),
        1
    );
    assert_eq!(st[0].header("content-length"), Some("10"));
    assert_eq!(st[0].header("x-amz-meta-a"), Some("b"));
    assert_eq!(st[0].header("authorization"), None);
}

/// obs 2: presigned headers that would take over the connection or leak credentials.
#[test]
fn presigned_headers_that_are_refused() {
    for (name, value) in [
        ("Host", "evil.example"),
        ("host", "127.0.0.1"),
        ("Transfer-Encoding", "chunked"),
        ("transfer-encoding", "identity"),
        ("Connection", "close"),
        ("Authorization", "Bearer stolen"),
        ("AUTHORIZATION", "AWS4-HMAC-SHA256 x"),
        ("Proxy-Authorization", "Basic eDp5"),
        ("Cookie", "session=1"),
        ("cookie", "a=b"),
    ] {
        let server =
            upload_server(json!({"url": "{storage}/put", "key": "k", "headers": {name: value}}));
        let client = client_for(&server.url(), json!({"timeout_ms": 5000}));
        let h = server.clone();
        let (out, _) = within(Duration::from_secs(20), move || {
            client.upload("a.txt", None, b"data", None)
        });
        out.assert_status(PROTOCOL);
        assert!(
            out.err()["message"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .contains(&name.to_ascii_lowercase()),
            "{}",
            out.text
        );
        assert!(
            storage_requests(&h).is_empty(),
            "{name}: storage got a request"
        );
    }
}

/// Held before: CR/LF in a presigned header value is FASTGPT_E_PROTOCOL (no header
/// injection into the storage request).
#[test]
fn presigned_header_with_crlf_is_protocol() {
    let server = upload_server(
        json!({"url": "{storage}/put", "key": "k", "headers": {"X-A": "v\r\nX-Injected: 1"}}),
    );
    let client = client_for(&server.url(), json!({}));
    let out = client.upload("a.txt", None, b"data", None);
    out.assert_status(PROTOCOL);
    assert!(storage_requests(&server).is_empty());
}

/// A storage endpoint that reads the request head and then never reads the body.
fn stalling_storage() -> std::sync::Arc<Hostile> {
    serve(|conn, hs| {
        while let Some(req) = conn.read_request(0) {
            hs.record(&req);
            let port = conn.stream.local_addr().unwrap().port();
            if req.path().contains("presign") {
                // the presign body is small: read_request(0) left it unread; drain it.
                let len = req
                    .header("content-length")
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut b = vec![0u8; len];
                if std::io::Read::read_exact(&mut conn.reader, &mut b).is_err() {
                    return;
                }
                let d = json!({"url": format!("http://127.0.0.1:{port}/storage/put"), "key": "k", "headers": {}});
                if conn
                    .respond_json("200 OK", &json!({"code": 200, "data": d}))
                    .is_err()
                {
                    return;
                }
            } else {
                std::thread::sleep(Duration::from_secs(30));
                return;
            }
        }
    })
}

/// obs 2: sending the data is bounded by timeout_ms (reported as timeout "request").
#[test]
fn upload_send_phase_is_bounded_by_timeout_ms() {
    let server = stalling_storage();
    let client = client_for(&server.url(), json!({"timeout_ms": 1500}));
    let data = vec![b'z'; 24 << 20];
    let (out, took) = within(Duration::from_secs(20), move || {
        client.upload("big.bin", None, &data, None)
    });
    out.assert_status(TIMEOUT);
    assert_eq!(out.err()["timeout"], "request");
    assert_eq!(out.err()["method"], "PUT");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// obs 2: sending the data checks the cancel token.
#[test]
fn upload_send_phase_is_cancellable() {
    let server = stalling_storage();
    let client = client_for(&server.url(), json!({"timeout_ms": 0}));
    let data = vec![b'z'; 24 << 20];
    let token = Token::new();
    token.cancel_after(700);
    let (out, took) = within(Duration::from_secs(20), move || {
        client.upload("big.bin", None, &data, Some(&token))
    });
    out.assert_status(CANCELLED);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

/// obs 4: an upload URL with userinfo is refused before anything is sent, and the
/// password is never repeated.
#[test]
fn upload_url_with_userinfo_is_protocol() {
    let server = serve(|conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            let port = conn.stream.local_addr().unwrap().port();
            let d = json!({"url": format!("http://storeuser:store-secret-pw@127.0.0.1:{port}/storage/put"), "key": "k", "headers": {}});
            if conn
                .respond_json("200 OK", &json!({"code": 200, "data": d}))
                .is_err()
            {
                return;
            }
        }
    });
    let client = client_for(&server.url(), json!({}));
    let out = client.upload("a.txt", None, b"data", None);
    out.assert_status(PROTOCOL);
    assert!(!out.text.contains("store-secret-pw"), "{}", out.text);
    assert!(storage_requests(&server).is_empty());
    assert!(server.seen().iter().all(|s| s
        .header("authorization")
        .is_none_or(|a| !a.starts_with("Basic"))));
}

/// obs 4: a presigned POST form URL with userinfo too.
#[test]
fn presigned_post_url_with_userinfo_is_protocol() {
    let server = upload_server(
        json!({"url": "http://u:post-secret-pw@127.0.0.1:1/bucket", "fields": {"key": "k"}}),
    );
    let client = client_for(&server.url(), json!({}));
    let out = client.upload("a.txt", None, b"data", None);
    out.assert_status(PROTOCOL);
    assert!(!out.text.contains("post-secret-pw"), "{}", out.text);
}

// ---------------------------------------------------------------------------------------
// obs 5: base_url userinfo.

#[test]
fn base_url_userinfo_is_invalid_argument_and_never_echoed() {
    let server = answering(envelope_ok());
    let port = server.port;
    for base in [
        format!("http://alice:base-secret-pw@127.0.0.1:{port}"),
        format!("http://alice@127.0.0.1:{port}"),
        format!("http://:base-secret-pw@127.0.0.1:{port}/api"),
        "http://alice:base-secret-pw@127.0.0.1:99999".to_string(),
        "https://alice:base-secret-pw@[::1]:x/api/v1".to_string(),
    ] {
        let e = match try_client(&json!({"api_key": KEY, "base_url": base})) {
            Ok(_) => panic!("accepted {base}"),
            Err(e) => e,
        };
        e.assert_status(INVALID);
        assert!(!e.text.contains("base-secret-pw"), "{}", e.text);
    }
    assert_eq!(server.connection_count(), 0);
}

// ---------------------------------------------------------------------------------------
// obs 6: percent-encoded dot segments and separators in fastgpt_request paths.

#[test]
fn request_paths_with_encoded_dots_and_separators_are_refused() {
    let server = answering(envelope_ok());
    let client = client_for(&server.url(), json!({}));
    for path in [
        "/api/%2e%2e/admin",
        "/api/%2E%2E/admin",
        "/api/%2e%2E",
        "/api/.%2e/x",
        "/api/%2e./x",
        "/api/%2e/x",
        "/api/..%2Fadmin",
        "/api/..%2fadmin",
        "/api/a%2Fb",
        "/api/a%2fb",
        "/api/a%5cb",
        "/api/a%5Cb",
        "/%2e%2e",
        "/api/a/..",
        "/api\\x",
    ] {
        let out = client.request("GET", path, None, None, None);
        out.assert_status(INVALID);
        assert_eq!(out.err()["attempts"], 0, "{path}");
    }
    assert_eq!(server.connection_count(), 0);
    // Escapes that are not dots or separators still pass, byte for byte.
    for path in [
        "/api/a%20b",
        "/api/%2e%2ex",
        "/api/x%2e",
        "/api/...",
        "/api/%41",
    ] {
        client
            .request("GET", path, None, None, None)
            .assert_status(OK);
    }
    let seen: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.target().to_string())
        .collect();
    assert_eq!(
        seen,
        [
            "/api/a%20b",
            "/api/%2e%2ex",
            "/api/x%2e",
            "/api/...",
            "/api/%41"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// obs 7: secrets masked in escaped and percent-encoded forms.

#[test]
fn secrets_are_masked_in_escaped_and_encoded_forms() {
    // Printable ASCII that a JSON or form encoder escapes: `"`, `\`, `/`.
    let key = r#"fastgpt-k"e\y/9Z"#;
    let team = r#"team tok/en"x"#;
    let forms = [
        r#"fastgpt-k\"e\\y\/9Z"#.to_string(),
        r#"fastgpt-k\"e\\y/9Z"#.to_string(),
        r#"\u0066astgpt-k\u0022e\u005cy\u002f9Z"#.to_string(),
        r#"\u0066\u0061\u0073\u0074\u0067\u0070\u0074\u002D\u006B\u0022\u0065\u005C\u0079\u002F\u0039\u005A"#.to_string(),
        "fastgpt-k%22e%5Cy%2F9Z".to_string(),
        "fastgpt-k%22e%5cy%2f9Z".to_string(),
        "%66astgpt-k%22e%5Cy/9Z".to_string(),
        r#"team tok\/en\"x"#.to_string(),
        "team+tok%2Fen%22x".to_string(),
        "team%20tok%2Fen%22x".to_string(),
        r#"team\u0020tok\/en\u0022x"#.to_string(),
    ];
    let echoed = forms
        .iter()
        .enumerate()
        .map(|(i, f)| format!("\"e{i}\":\"{f}\""))
        .collect::<Vec<_>>()
        .join(",");
    let body = format!(
        "{{\"code\":401,\"statusText\":\"unAuthApiKey\",\"message\":\"bad key {}\",{echoed}}}",
        key.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let server = serve(move |conn, _| {
        while conn.read_request(1 << 20).is_some() {
            if conn
                .respond(
                    "401 Unauthorized",
                    &[("Content-Type", "application/json")],
                    body.as_bytes(),
                )
                .is_err()
            {
                return;
            }
        }
    });
    let client = try_client(&json!({"api_key": key, "base_url": server.url(), "proxy": "", "max_retries": 0, "headers": {"X-Team-Token": team}}))
        .unwrap_or_else(|e| panic!("{}", e.text));
    let out = client.histories(None);
    out.assert_status(API);
    let text = &out.text;
    let e = out.err();
    for needle in
        forms
            .iter()
            .map(String::as_str)
            .chain([key, team, "fastgpt-k", "tok%2Fen", r"tok\/en"])
    {
        assert!(!text.contains(needle), "{needle} appears in {text}");
        assert!(
            !e["body"].as_str().unwrap().contains(needle),
            "{needle} appears in the body"
        );
    }
    assert!(
        !e["message"].as_str().unwrap().contains("fastgpt-k"),
        "{}",
        e["message"]
    );
    assert!(
        e["body"].as_str().unwrap().matches("***").count() >= forms.len(),
        "{}",
        e["body"]
    );
}

// ---------------------------------------------------------------------------------------
// obs 8: pooled connections that the server closed while idle.

/// A server that closes every connection 150 ms after its last answer, without
/// `Connection: close` (Node.js's keep-alive timeout, shortened).
#[test]
fn idle_closed_pooled_connections_do_not_fail_calls() {
    let server = serve(|conn, hs| {
        conn.stream
            .set_read_timeout(Some(Duration::from_millis(150)))
            .unwrap();
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            if conn.respond_json("200 OK", &envelope_ok()).is_err() {
                return;
            }
        }
    });
    let client = client_for(&server.url(), json!({"max_retries": 0}));
    for _ in 0..6 {
        let out = client.histories(None);
        out.assert_status(OK);
        std::thread::sleep(Duration::from_millis(300));
    }
    assert_eq!(server.seen().len(), 6);
}

/// The close crosses the next request: the server reads the second request on a
/// connection and closes it without a byte of answer. The request is sent once more on a
/// new connection, for every call (completions included), and not counted against
/// max_retries (0 here).
#[test]
fn request_on_a_dead_pooled_connection_is_sent_once_more() {
    let server = serve(|conn, hs| {
        let Some(req) = conn.read_request(1 << 20) else {
            return;
        };
        hs.record(&req);
        let body = if req.path().contains("completions") {
            completion_ok()
        } else {
            envelope_ok()
        };
        if conn.respond_json("200 OK", &body).is_err() {
            return;
        }
        // The next request on this connection gets EOF.
        let _ = conn.read_request(1 << 20);
    });
    let client = client_for(&server.url(), json!({"max_retries": 0}));
    client.histories(None).assert_status(OK);
    for _ in 0..3 {
        let out = client.histories(None);
        out.assert_status(OK);
        let out = client.completion(CHAT, None);
        out.assert_status(OK);
    }
    // One resend only: a fresh connection that fails the same way is an error.
    let server = serve(|conn, hs| {
        let Some(req) = conn.read_request(1 << 20) else {
            return;
        };
        hs.record(&req);
        if hs.seen().len() == 1 {
            let _ = conn.respond_json("200 OK", &envelope_ok());
            let _ = conn.read_request(1 << 20);
        }
    });
    let client = client_for(&server.url(), json!({"max_retries": 0}));
    client.histories(None).assert_status(OK);
    let out = client.completion(CHAT, None);
    out.assert_status(TRANSPORT);
    assert_eq!(out.err()["http_status"], Value::Null);
    assert_eq!(out.err()["attempts"], 2);
    assert_eq!(server.seen().len(), 2);
}

/// §7: the resume calls are GETs and no event reached the caller while the stream opens,
/// so a 502/504 after the request was written is retried for them (never for a streaming
/// completion, a POST).
#[test]
fn resume_stream_is_retried_after_502_but_a_completion_stream_is_not() {
    let server = serve(|conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            if hs.seen().len() == 1 {
                if conn
                    .respond("502 Bad Gateway", &[], b"bad gateway")
                    .is_err()
                {
                    return;
                }
                continue;
            }
            let body = b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n";
            let _ = conn.respond("200 OK", &[("Content-Type", "text/event-stream")], body);
            return;
        }
    });
    let client = client_for(
        &server.url(),
        json!({"max_retries": 2, "retry_delay_ms": 10}),
    );
    let (out, events) = client.resume(None);
    out.assert_status(OK);
    assert!(events >= 1, "{events}");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen
        .iter()
        .all(|s| s.method() == "GET" && s.path().contains("resume")));

    let server = serve(|conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            if conn
                .respond("502 Bad Gateway", &[], b"bad gateway")
                .is_err()
            {
                return;
            }
        }
    });
    let client = client_for(
        &server.url(),
        json!({"max_retries": 2, "retry_delay_ms": 10}),
    );
    let (out, events) = client.stream(CHAT, None);
    out.assert_status(HTTP);
    assert_eq!(out.err()["attempts"], 1);
    assert_eq!(events, 0);
}

// ---------------------------------------------------------------------------------------
// obs 11: a total deadline on streams.

#[test]
fn trickling_stream_ends_at_stream_timeout_ms() {
    let server = serve(|conn, _| {
        let Some(_) = conn.read_request(1 << 20) else {
            return;
        };
        if conn
            .write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
            .is_err()
        {
            return;
        }
        for b in b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"
            .iter()
            .cycle()
        {
            std::thread::sleep(Duration::from_millis(100));
            if conn.stream.write_all(&[*b]).is_err() {
                return;
            }
        }
    });
    let client = client_for(
        &server.url(),
        json!({"stream_idle_timeout_ms": 1000, "stream_timeout_ms": 1500}),
    );
    let ((out, _), took) = within(Duration::from_secs(20), move || client.stream(CHAT, None));
    out.assert_status(TIMEOUT);
    assert_eq!(out.err()["timeout"], "request");
    assert_eq!(out.err()["http_status"], 200);
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[test]
fn stream_timeout_ms_is_validated_and_zero_means_no_limit() {
    for bad in [
        json!(-1),
        json!(1.5),
        json!("10"),
        json!(null),
        json!(2147483648u64),
    ] {
        try_client(&json!({"api_key": KEY, "stream_timeout_ms": bad}))
            .err()
            .expect("refused")
            .assert_status(INVALID);
    }
    assert!(try_client(&json!({"api_key": KEY, "stream_timeout_ms": 0})).is_ok());
    assert!(try_client(&json!({"api_key": KEY, "stream_timeout_ms": 2147483647})).is_ok());
}

/// stream_timeout_ms also bounds the wait for the response head (a head that trickles in
/// one byte every 100 ms, which keeps the idle timer busy).
#[test]
fn stream_timeout_ms_bounds_the_response_head() {
    let server = serve(|conn, _| {
        let Some(_) = conn.read_request(1 << 20) else {
            return;
        };
        if conn.write(b"HTTP/1.1 200 OK\r\nX-Slow: ").is_err() {
            return;
        }
        for _ in 0..100 {
            std::thread::sleep(Duration::from_millis(100));
            if conn.stream.write_all(b"a").is_err() {
                return;
            }
        }
    });
    let client = client_for(
        &server.url(),
        json!({"stream_idle_timeout_ms": 60000, "stream_timeout_ms": 800}),
    );
    let ((out, _), took) = within(Duration::from_secs(20), move || client.stream(CHAT, None));
    out.assert_status(TIMEOUT);
    assert_eq!(out.err()["timeout"], "request");
    assert_eq!(out.err()["http_status"], Value::Null);
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Held before: redirects, CRLF, conflicting framing.

#[test]
fn redirects_are_never_followed() {
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let server = serve(move |conn, hs| {
            while let Some(req) = conn.read_request(1 << 20) {
                hs.record(&req);
                let port = conn.stream.local_addr().unwrap().port();
                let loc = format!("http://127.0.0.1:{port}/elsewhere");
                if conn
                    .respond(status, &[("Location", loc.as_str())], b"")
                    .is_err()
                {
                    return;
                }
            }
        });
        let client = client_for(&server.url(), json!({}));
        let out = client.histories(None);
        out.assert_status(HTTP);
        assert_eq!(
            out.err()["http_status"],
            status[..3].parse::<i64>().unwrap()
        );
        assert!(
            out.err()["message"]
                .as_str()
                .unwrap()
                .contains("/elsewhere"),
            "{}",
            out.text
        );
        assert_eq!(server.seen().len(), 1);
        assert!(server.seen().iter().all(|s| s.path() != "/elsewhere"));
    }
}

#[test]
fn crlf_is_refused_everywhere_it_could_inject() {
    for bad in ["v\r\nX-Evil: 1", "v\nX-Evil: 1", "v\rX"] {
        try_client(&json!({"api_key": KEY, "headers": {"X-A": bad}}))
            .err()
            .expect("refused")
            .assert_status(INVALID);
    }
    try_client(&json!({"api_key": "k\r\nX-Evil: 1"}))
        .err()
        .expect("refused")
        .assert_status(INVALID);
    let server = answering(envelope_ok());
    let client = client_for(&server.url(), json!({}));
    client
        .request("GET", "/api/x\r\nX-Evil: 1", None, None, None)
        .assert_status(INVALID);
    // Escaped CR/LF stays escaped on the wire.
    client
        .request("GET", "/api/x%0d%0aX-Evil:%201", None, None, None)
        .assert_status(OK);
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].header("x-evil").is_none());
    // A query value with CR/LF is percent-encoded.
    client
        .request(
            "GET",
            "/api/q",
            Some(r#"{"a":"1\r\nX-Evil: 1"}"#),
            None,
            None,
        )
        .assert_status(OK);
    let seen = server.seen();
    assert!(seen[1].header("x-evil").is_none());
    assert!(seen[1].target().contains("%0D%0A"), "{}", seen[1].target());
}

/// Conflicting framing (a smuggling vector). Content-Length with chunked: the chunked
/// framing wins and the Content-Length is ignored (RFC 9112 §6.3), so the body is read
/// exactly and the next answer on the connection is not confused. Two different
/// Content-Lengths: FASTGPT_E_TRANSPORT (a malformed response).
#[test]
fn conflicting_framing() {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    let server = serve(move |conn, hs| {
        while let Some(req) = conn.read_request(1 << 20) {
            hs.record(&req);
            let body = json!({"code": 200, "data": {"n": hs.seen().len()}}).to_string();
            let chunked = format!("{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
            let mut all = head.as_bytes().to_vec();
            all.extend_from_slice(chunked.as_bytes());
            if conn.write(&all).is_err() {
                return;
            }
        }
    });
    let client = client_for(&server.url(), json!({}));
    for n in 1..=3 {
        let out = client.histories(None);
        out.assert_status(OK);
        assert_eq!(out.json["data"]["n"], n, "{}", out.text);
    }
    let server = serve(|conn, _| {
        while conn.read_request(1 << 20).is_some() {
            let body = envelope_ok().to_string();
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nContent-Length: 5\r\n\r\n{body}", body.len());
            if conn.write(head.as_bytes()).is_err() {
                return;
            }
        }
    });
    let client = client_for(&server.url(), json!({}));
    let out = client.histories(None);
    out.assert_status(TRANSPORT);
    assert_eq!(out.err()["attempts"], 1);
}

/// A response head that never ends is bounded (ureq's header limit), fast.
#[test]
fn endless_response_head_is_transport() {
    let server = serve(|conn, _| {
        let Some(_) = conn.read_request(1 << 20) else {
            return;
        };
        let _ = conn.stream.write_all(b"HTTP/1.1 200 OK\r\n");
        loop {
            if conn
                .stream
                .write_all(b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
                .is_err()
            {
                return;
            }
        }
    });
    let client = client_for(&server.url(), json!({}));
    let (out, took) = within(Duration::from_secs(20), move || client.histories(None));
    out.assert_status(TRANSPORT);
    assert!(took < Duration::from_secs(5));
}
