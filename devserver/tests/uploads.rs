//! Integration tests for chat file uploads: presign routes and the `/__s3/` object store.

use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::{Server, APP, KEY};

const CURRENT: &str = "/api/core/chat/file/presignChatFilePostUrl";
const LEGACY: &str = "/api/core/chat/presignChatFilePostUrl";

fn start() -> Server {
    common::start_with(&[])
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// `<Code>` of an S3 XML error.
    fn s3_code(&self) -> String {
        let t = self.text();
        assert!(t.starts_with("<?xml"), "not XML: {}", t);
        assert_eq!(self.header("content-type"), Some("application/xml"));
        let a = t.find("<Code>").expect("Code") + 6;
        let b = t.find("</Code>").expect("/Code");
        t[a..b].to_string()
    }
}

/// Send one request (`Connection: close`) and read the answer until EOF.
fn raw(s: &Server, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut c = TcpStream::connect(&s.addr).expect("connect");
    c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
        method,
        target,
        s.addr,
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str("\r\n");
    c.write_all(head.as_bytes()).unwrap();
    c.write_all(body).unwrap();
    let mut buf = Vec::new();
    c.read_to_end(&mut buf).expect("read");
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head end");
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_string(), v.trim().to_string())
        })
        .collect();
    Resp {
        status,
        headers,
        body: buf[end + 4..].to_vec(),
    }
}

/// Target (path + query) of an absolute `http://127.0.0.1:PORT/...` URL on this server.
fn target(s: &Server, url: &str) -> String {
    let prefix = format!("http://{}", s.addr);
    url.strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{} not on {}", url, prefix))
        .to_string()
}

fn presign(s: &Server, path: &str, extra: &[(&str, &str)], body: Value) -> Resp {
    let auth = format!("Bearer {}", KEY);
    let mut h = vec![
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
    ];
    h.extend_from_slice(extra);
    raw(s, "POST", path, &h, body.to_string().as_bytes())
}

/// Presign and return the envelope's `data`.
fn presign_data(s: &Server, path: &str, extra: &[(&str, &str)], filename: &str) -> Value {
    let r = presign(
        s,
        path,
        extra,
        json!({"appId": APP, "chatId": "chat-1", "filename": filename}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["code"], 200);
    v["data"].clone()
}

const BOUNDARY: &str = "----devserverBoundary7MA4YWxkTrZu0gW";

/// multipart/form-data body: the fields in order, then (optionally) the file part.
fn form(
    fields: &[(String, String)],
    file: Option<(&str, &str, &[u8])>,
    after: &[(String, String)],
) -> Vec<u8> {
    let mut b = Vec::new();
    let field = |b: &mut Vec<u8>, k: &str, v: &str| {
        b.extend_from_slice(
            format!(
                "--{}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n",
                BOUNDARY, k, v
            )
            .as_bytes(),
        );
    };
    for (k, v) in fields {
        field(&mut b, k, v);
    }
    if let Some((name, ct, data)) = file {
        b.extend_from_slice(
            format!("--{}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n", BOUNDARY, name, ct)
                .as_bytes(),
        );
        b.extend_from_slice(data);
        b.extend_from_slice(b"\r\n");
    }
    for (k, v) in after {
        field(&mut b, k, v);
    }
    b.extend_from_slice(format!("--{}--\r\n", BOUNDARY).as_bytes());
    b
}

fn fields_of(data: &Value) -> Vec<(String, String)> {
    data["fields"]
        .as_object()
        .expect("fields")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string field").to_string()))
        .collect()
}

fn post_form(s: &Server, data: &Value, body: &[u8], extra: &[(&str, &str)]) -> Resp {
    let ct = format!("multipart/form-data; boundary={}", BOUNDARY);
    let mut h = vec![("Content-Type", ct.as_str())];
    h.extend_from_slice(extra);
    raw(
        s,
        "POST",
        &target(s, data["url"].as_str().unwrap()),
        &h,
        body,
    )
}

fn put(s: &Server, data: &Value, body: &[u8], skip: Option<&str>, extra: &[(&str, &str)]) -> Resp {
    let hs: Vec<(String, String)> = data["headers"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    let mut h: Vec<(&str, &str)> = hs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    h.extend_from_slice(extra);
    raw(
        s,
        "PUT",
        &target(s, data["url"].as_str().unwrap()),
        &h,
        body,
    )
}

fn uploads(s: &Server) -> Vec<Value> {
    raw(s, "GET", "/__dev/uploads", &[], b"")
        .json()
        .as_array()
        .cloned()
        .unwrap()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-png-bytes";

#[test]
fn post_shape_upload_and_preview() {
    let s = start();
    let d = presign_data(&s, CURRENT, &[], "cat photo.png");
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["url", "fields", "maxSize"]);
    assert_eq!(d["maxSize"], 10 * 1024 * 1024);
    assert_eq!(d["url"], format!("http://{}/__s3/fastgpt-private", s.addr));
    let names: Vec<String> = fields_of(&d).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        names,
        [
            "key",
            "bucket",
            "Content-Type",
            "x-amz-meta-content-disposition",
            "x-amz-meta-origin-filename",
            "x-amz-meta-upload-time",
            "x-amz-date",
            "x-amz-algorithm",
            "x-amz-credential",
            "policy",
            "x-amz-signature"
        ]
    );
    let key = d["fields"]["key"].as_str().unwrap().to_string();
    assert!(
        key.starts_with(&format!("chat/{}/", APP)) && key.ends_with(".png"),
        "{}",
        key
    );
    assert_eq!(d["fields"]["Content-Type"], "image/png");
    assert_eq!(d["fields"]["x-amz-meta-origin-filename"], "cat%20photo.png");

    let r = post_form(
        &s,
        &d,
        &form(
            &fields_of(&d),
            Some(("cat photo.png", "image/png", PNG)),
            &[],
        ),
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(r.body.is_empty());
    assert!(r.header("content-length").is_none());
    assert!(r.header("etag").is_some());

    // Preview: the storage URL is url + "/" + key.
    let g = raw(
        &s,
        "GET",
        &format!("/__s3/fastgpt-private/{}", key),
        &[],
        b"",
    );
    assert_eq!(g.status, 200);
    assert_eq!(g.body, PNG);
    assert_eq!(g.header("content-type"), Some("image/png"));

    let list = uploads(&s);
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0],
        json!({"key": key, "contentType": "image/png", "size": PNG.len(), "filename": "cat photo.png",
               "method": "POST", "sentContentType": "image/png"})
    );

    // The stored type is the Content-Type *field* (from the name); the part's type is recorded.
    let d = presign_data(&s, CURRENT, &[], "notes");
    assert_eq!(d["fields"]["Content-Type"], "application/octet-stream");
    let r = post_form(
        &s,
        &d,
        &form(&fields_of(&d), Some(("notes", "text/plain", b"hello")), &[]),
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text());
    let u = uploads(&s)
        .into_iter()
        .find(|u| u["key"] == d["fields"]["key"])
        .unwrap();
    assert_eq!(u["contentType"], "application/octet-stream");
    assert_eq!(u["sentContentType"], "text/plain");

    // /__dev/reset also clears uploads; unknown keys are NoSuchKey.
    raw(&s, "POST", "/__dev/reset", &[], b"");
    assert!(uploads(&s).is_empty());
    let g = raw(
        &s,
        "GET",
        &format!("/__s3/fastgpt-private/{}", key),
        &[],
        b"",
    );
    assert_eq!((g.status, g.s3_code()), (404, "NoSuchKey".into()));
}

#[test]
fn post_policy_checks() {
    let s = start();
    let d = presign_data(&s, CURRENT, &[], "a.txt");
    let f = fields_of(&d);
    let file = Some(("a.txt", "text/plain", &b"abc"[..]));
    let with = |name: &str, value: &str| -> Vec<(String, String)> {
        f.iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == name {
                        value.to_string()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect()
    };
    let without = |name: &str| -> Vec<(String, String)> {
        f.iter().filter(|(k, _)| k != name).cloned().collect()
    };

    let r = post_form(
        &s,
        &d,
        &form(&with("key", "chat/other.txt"), file, &[]),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));
    assert!(r.text().contains("Policy Condition failed"), "{}", r.text());

    let r = post_form(
        &s,
        &d,
        &form(&without("x-amz-meta-upload-time"), file, &[]),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));

    let mut extra = f.clone();
    extra.push(("acl".into(), "public-read".into()));
    let r = post_form(&s, &d, &form(&extra, file, &[]), &[]);
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));
    assert!(r.text().contains("Extra input fields: acl"), "{}", r.text());

    let policy = d["fields"]["policy"].as_str().unwrap();
    let r = post_form(
        &s,
        &d,
        &form(&with("policy", &format!("{}AA", policy)), file, &[]),
        &[],
    );
    assert_eq!(
        (r.status, r.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );

    let r = post_form(
        &s,
        &d,
        &form(&with("x-amz-signature", &"0".repeat(64)), file, &[]),
        &[],
    );
    assert_eq!(
        (r.status, r.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );

    // Fields after the file are ignored, as by S3.
    let r = post_form(&s, &d, &form(&[], file, &f), &[]);
    assert_eq!((r.status, r.s3_code()), (400, "InvalidArgument".into()));
    assert!(
        r.text().contains("must contain a field named 'key'"),
        "{}",
        r.text()
    );

    let r = post_form(&s, &d, &form(&f, None, &[]), &[]);
    assert_eq!((r.status, r.s3_code()), (400, "InvalidArgument".into()));

    let r = post_form(&s, &d, b"not multipart", &[]);
    assert_eq!(
        (r.status, r.s3_code()),
        (400, "MalformedPOSTRequest".into())
    );

    // content-length-range starts at 1, as FastGPT sets it.
    let r = post_form(
        &s,
        &d,
        &form(&f, Some(("a.txt", "text/plain", b"")), &[]),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (400, "EntityTooSmall".into()));

    assert!(uploads(&s).is_empty());
    let r = post_form(&s, &d, &form(&f, file, &[]), &[]);
    assert_eq!(r.status, 204, "{}", r.text());
}

#[test]
fn put_shape_upload_and_preview() {
    let s = start();
    let d = presign_data(
        &s,
        LEGACY,
        &[("X-Dev-Presign", "put"), ("X-Dev-Paths", "legacy")],
        "report.pdf",
    );
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["url", "key", "headers", "previewUrl", "maxSize"]);
    let key = d["key"].as_str().unwrap().to_string();
    let url = d["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!(
            "http://{}/__s3/fastgpt-private/{}?X-Amz-Algorithm=AWS4-HMAC-SHA256&",
            s.addr, key
        )),
        "{}",
        url
    );
    assert!(url.contains("X-Amz-Signature="), "{}", url);
    let hk: Vec<&str> = d["headers"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(
        hk,
        [
            "x-amz-meta-content-disposition",
            "x-amz-meta-origin-filename",
            "x-amz-meta-upload-time",
            "Content-Type"
        ]
    );
    assert_eq!(d["headers"]["Content-Type"], "application/pdf");
    assert_eq!(
        d["headers"]["x-amz-meta-content-disposition"],
        "attachment; filename=\"report.pdf\""
    );

    // Every demanded header is signed: leaving one out or changing it fails.
    let r = put(&s, &d, b"%PDF-1.4", Some("x-amz-meta-upload-time"), &[]);
    assert_eq!(
        (r.status, r.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );
    let r = put(
        &s,
        &d,
        b"%PDF-1.4",
        Some("Content-Type"),
        &[("Content-Type", "text/plain")],
    );
    assert_eq!(
        (r.status, r.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );
    let tampered = target(&s, url).replace("X-Dev-Max-Size=10485760", "X-Dev-Max-Size=99999999");
    let mut h: Vec<(String, String)> = d["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().into()))
        .collect();
    h.truncate(4);
    let hh: Vec<(&str, &str)> = h.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = raw(&s, "PUT", &tampered, &hh, b"x");
    assert_eq!(
        (r.status, r.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );
    // Without query auth at all: anonymous, denied.
    let r = raw(
        &s,
        "PUT",
        &format!("/__s3/fastgpt-private/{}", key),
        &hh,
        b"x",
    );
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));

    let r = put(&s, &d, b"%PDF-1.4 body", None, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.header("etag").is_some());

    let p = raw(
        &s,
        "GET",
        &target(&s, d["previewUrl"].as_str().unwrap()),
        &[],
        b"",
    );
    assert_eq!(p.status, 200, "{}", p.text());
    assert_eq!(p.body, b"%PDF-1.4 body");
    assert_eq!(p.header("content-type"), Some("application/pdf"));
    // The storage URL (url without its query) serves it too.
    let g = raw(
        &s,
        "GET",
        url.split('?')
            .next()
            .map(|u| target(&s, u))
            .unwrap()
            .as_str(),
        &[],
        b"",
    );
    assert_eq!(g.body, b"%PDF-1.4 body");
    // A tampered preview signature is refused.
    let bad = target(&s, d["previewUrl"].as_str().unwrap())
        .replace("X-Amz-Expires=3600", "X-Amz-Expires=9999");
    let g = raw(&s, "GET", &bad, &[], b"");
    assert_eq!(
        (g.status, g.s3_code()),
        (403, "SignatureDoesNotMatch".into())
    );

    assert_eq!(
        uploads(&s),
        vec![
            json!({"key": key, "contentType": "application/pdf", "size": 13, "filename": "report.pdf",
                    "method": "PUT", "sentContentType": "application/pdf"})
        ]
    );
}

#[test]
fn bare_shapes() {
    let s = start();
    let d = presign_data(&s, CURRENT, &[("X-Dev-Presign", "post-bare")], "a.png");
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["url", "fields"]);

    let d = presign_data(&s, CURRENT, &[("X-Dev-Presign", "put-bare")], "a.png");
    let keys: Vec<&str> = d.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(keys, ["url", "key", "headers"]);
    assert!(d["headers"].get("Content-Type").is_none());
    // Content-Type is not demanded, so the client's own one is stored.
    let r = put(&s, &d, PNG, None, &[("Content-Type", "image/webp")]);
    assert_eq!(r.status, 200, "{}", r.text());
    let u = &uploads(&s)[0];
    assert_eq!(u["contentType"], "image/webp");
    assert_eq!(u["filename"], "a.png");
}

#[test]
fn size_limit() {
    let s = start();
    let max = [("X-Dev-Upload-Max", "10")];
    let d = presign_data(&s, CURRENT, &max, "a.bin");
    assert_eq!(d["maxSize"], 10);
    let r = post_form(
        &s,
        &d,
        &form(
            &fields_of(&d),
            Some(("a.bin", "application/octet-stream", &[7u8; 11])),
            &[],
        ),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (400, "EntityTooLarge".into()));
    assert!(
        r.text().contains("<MaxSizeAllowed>10</MaxSizeAllowed>"),
        "{}",
        r.text()
    );
    let r = post_form(
        &s,
        &d,
        &form(
            &fields_of(&d),
            Some(("a.bin", "application/octet-stream", &[7u8; 10])),
            &[],
        ),
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text());

    let d = presign_data(
        &s,
        CURRENT,
        &[("X-Dev-Upload-Max", "10"), ("X-Dev-Presign", "put")],
        "a.bin",
    );
    assert_eq!(d["maxSize"], 10);
    let r = put(&s, &d, &[7u8; 11], None, &[]);
    assert_eq!((r.status, r.s3_code()), (400, "EntityTooLarge".into()));
    let r = put(&s, &d, &[7u8; 10], None, &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(uploads(&s).len(), 2);

    let r = presign(
        &s,
        CURRENT,
        &[("X-Dev-Upload-Max", "0")],
        json!({"appId": APP, "chatId": "c", "filename": "a"}),
    );
    assert_eq!(r.status, 400);
}

#[test]
fn expired_presigns() {
    let s = start();
    let exp = ("X-Dev-Upload-Expired", "1");
    let d = presign_data(&s, CURRENT, &[exp], "a.txt");
    let r = post_form(
        &s,
        &d,
        &form(&fields_of(&d), Some(("a.txt", "text/plain", b"x")), &[]),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));
    assert!(r.text().contains("Request has expired"), "{}", r.text());

    let d = presign_data(&s, CURRENT, &[exp, ("X-Dev-Presign", "put")], "a.txt");
    let r = put(&s, &d, b"x", None, &[]);
    assert_eq!((r.status, r.s3_code()), (403, "AccessDenied".into()));
    assert!(r.text().contains("Request has expired"), "{}", r.text());
    assert!(uploads(&s).is_empty());
}

#[test]
fn authorization_header_is_rejected_by_storage() {
    let s = start();
    let bearer = format!("Bearer {}", KEY);
    let auth = [("Authorization", bearer.as_str())];
    let d = presign_data(&s, CURRENT, &[], "a.txt");
    let r = post_form(
        &s,
        &d,
        &form(&fields_of(&d), Some(("a.txt", "text/plain", b"x")), &[]),
        &auth,
    );
    assert_eq!((r.status, r.s3_code()), (400, "InvalidArgument".into()));
    assert!(
        r.text()
            .contains("<ArgumentName>Authorization</ArgumentName>"),
        "{}",
        r.text()
    );
    assert!(!r.text().contains(KEY));

    let d = presign_data(&s, CURRENT, &[("X-Dev-Presign", "put")], "a.txt");
    let r = put(&s, &d, b"x", None, &auth);
    assert_eq!((r.status, r.s3_code()), (400, "InvalidArgument".into()));
    assert!(
        r.text().contains("Only one auth mechanism allowed"),
        "{}",
        r.text()
    );
    assert!(uploads(&s).is_empty());

    let r = put(&s, &d, b"x", None, &[]);
    assert_eq!(r.status, 200);
    let g = raw(
        &s,
        "GET",
        &target(&s, d["previewUrl"].as_str().unwrap()),
        &auth,
        b"",
    );
    assert_eq!((g.status, g.s3_code()), (400, "InvalidArgument".into()));
}

#[test]
fn storage_error_fault() {
    let s = start();
    let fault = ("X-Dev-Fault", "storage-error");
    let d = presign_data(&s, CURRENT, &[fault], "a.txt");
    let r = post_form(
        &s,
        &d,
        &form(&fields_of(&d), Some(("a.txt", "text/plain", b"x")), &[]),
        &[],
    );
    assert_eq!((r.status, r.s3_code()), (500, "InternalError".into()));
    let d = presign_data(&s, CURRENT, &[fault, ("X-Dev-Presign", "put")], "a.txt");
    let r = put(&s, &d, b"x", None, &[]);
    assert_eq!((r.status, r.s3_code()), (500, "InternalError".into()));
    assert!(uploads(&s).is_empty());
    // With Fault-Times, only the first presign carries the fault.
    let times = [fault, ("X-Dev-Fault-Key", "up"), ("X-Dev-Fault-Times", "1")];
    let d1 = presign_data(&s, CURRENT, &times, "a.txt");
    let d2 = presign_data(&s, CURRENT, &times, "a.txt");
    let r = post_form(
        &s,
        &d1,
        &form(&fields_of(&d1), Some(("a.txt", "text/plain", b"x")), &[]),
        &[],
    );
    assert_eq!(r.status, 500);
    let r = post_form(
        &s,
        &d2,
        &form(&fields_of(&d2), Some(("a.txt", "text/plain", b"x")), &[]),
        &[],
    );
    assert_eq!(r.status, 204, "{}", r.text());
}

#[test]
fn presign_routing_auth_and_validation() {
    let s = start();
    let ok = json!({"appId": APP, "chatId": "c1", "filename": "a.png"});
    // Path families.
    let r = presign(&s, LEGACY, &[("X-Dev-Paths", "current")], ok.clone());
    assert_eq!(r.status, 404);
    assert!(r.text().contains("This page could not be found"));
    let r = presign(&s, CURRENT, &[("X-Dev-Paths", "legacy")], ok.clone());
    assert_eq!(r.status, 404);
    assert_eq!(presign(&s, LEGACY, &[], ok.clone()).status, 200);
    // Auth.
    let r = raw(
        &s,
        "POST",
        CURRENT,
        &[("Content-Type", "application/json")],
        ok.to_string().as_bytes(),
    );
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["statusText"], "unAuthorization");
    // Validation.
    for (body, field) in [
        (json!({"chatId": "c", "filename": "a"}), "appId"),
        (
            json!({"appId": "xyz", "chatId": "c", "filename": "a"}),
            "appId",
        ),
        (
            json!({"appId": APP, "chatId": "", "filename": "a"}),
            "chatId",
        ),
        (json!({"appId": APP, "chatId": "c"}), "filename"),
        (
            json!({"appId": APP, "chatId": "c", "filename": 5}),
            "filename",
        ),
    ] {
        let r = presign(&s, CURRENT, &[("X-Dev-Errors", "e3")], body);
        assert_eq!(r.status, 400, "{}", r.text());
        assert_eq!(r.json()["zodError"][0]["path"][0], field);
    }
    let r = presign(&s, CURRENT, &[("X-Dev-Presign", "bogus")], ok.clone());
    assert_eq!(r.status, 400);
    assert!(r.text().contains("X-Dev-Presign"));
    // Unknown bucket / method.
    let r = raw(&s, "GET", "/__s3/other/x", &[], b"");
    assert_eq!((r.status, r.s3_code()), (404, "NoSuchBucket".into()));
    let r = raw(&s, "DELETE", "/__s3/fastgpt-private/x", &[], b"");
    assert_eq!((r.status, r.s3_code()), (405, "MethodNotAllowed".into()));
}
