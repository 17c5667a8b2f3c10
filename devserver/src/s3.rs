//! Chat file uploads: FastGPT-style presign answers (presigned POST and presigned PUT) and
//! a small S3-compatible object endpoint under `/__s3/` that checks them. See UPLOADS.md
//! for the FastGPT sources these shapes follow, and README.md for the behaviour.

use crate::app::{ApiError, App, Ctx};
use crate::conn::Conn;
use crate::faults::Disposition;
use crate::http::{self, Request, Response};
use crate::multipart;
use crate::release::{beta, v};
use crate::sha256::{hex, hmac_sha256, sha256};
use crate::state::{ProxyToken, Upload};
use crate::util::{self, obj};
use serde_json::{json, Map, Value};

/// FastGPT's private bucket name (`S3Buckets.private`).
pub const BUCKET: &str = "fastgpt-private";
/// The "uId" segment of generated keys (FastGPT puts the tmbId there).
pub const DEV_UID: &str = "65f0000000000000000000ee";
pub const ACCESS_KEY: &str = "fastgptdevaccesskey";
pub const REGION: &str = "us-east-1";
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// Lifetime of a presign (FastGPT: 10 minutes; shorter here so tests can reason about it).
pub const PRESIGN_SECS: u64 = 60;
/// Lifetime of the PUT shape's `previewUrl`.
pub const PREVIEW_SECS: u64 = 3600;
pub const DEFAULT_MAX: u64 = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{url, fields, maxSize}`
    Post,
    /// `{url, fields}` (the earliest FastGPT result, no maxSize)
    PostBare,
    /// `{url, key, headers (x-amz-meta-* + Content-Type), previewUrl, maxSize}`
    Put,
    /// `{url, key, headers (x-amz-meta-* only)}` (no Content-Type, previewUrl, maxSize)
    PutBare,
    /// `{url, key, headers (x-amz-meta-* + Content-Type), maxSize}` (4.14.5–4.14.10)
    PutS3,
    /// `{url: <FastGPT upload proxy>, key, headers: {content-type}, maxSize, previewUrl?,
    /// uploadMode?}` (4.14.11+; the fields per release)
    Proxy,
}

#[derive(Debug, Clone)]
pub struct PresignOpts {
    /// `X-Dev-Presign`; `None` = the shape of the emulated release.
    pub shape: Option<Shape>,
    pub max: u64,
    pub expired: bool,
    pub storage_error: bool,
}

/// Parse the per-request knobs of the presign routes.
pub fn presign_opts(req: &Request) -> Result<PresignOpts, String> {
    let shape = match req
        .header("x-dev-presign")
        .map(|s| s.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("") => None,
        Some("post") => Some(Shape::Post),
        Some("post-bare") => Some(Shape::PostBare),
        Some("put") => Some(Shape::Put),
        Some("put-bare") => Some(Shape::PutBare),
        Some("put-s3") => Some(Shape::PutS3),
        Some("proxy") => Some(Shape::Proxy),
        Some(other) => return Err(format!("X-Dev-Presign: unknown value '{}'", other)),
    };
    let max = match req.header("x-dev-upload-max") {
        None => DEFAULT_MAX,
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => n,
            _ => return Err("X-Dev-Upload-Max: expected a positive integer".into()),
        },
    };
    let expired = req
        .header("x-dev-upload-expired")
        .map(|v| v.trim() == "1")
        .unwrap_or(false);
    Ok(PresignOpts {
        shape,
        max,
        expired,
        storage_error: false,
    })
}

// ---------------------------------------------------------------------------------------
// Small encoders

const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16
            | (*c.get(1).unwrap_or(&0) as u32) << 8
            | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=');
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for ch in s.bytes() {
        let v = B64.iter().position(|&b| b == ch)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Percent-encode everything but RFC 3986 unreserved characters (like encodeURIComponent,
/// which also keeps `!'()*`).
pub fn pct(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

/// JavaScript's encodeURIComponent.
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{:02X}", b));
        }
    }
    out
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---------------------------------------------------------------------------------------
// Time

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `20250101T000000Z` from Unix seconds.
pub fn amz_date(secs: u64) -> String {
    let iso = util::iso_ms(secs * 1000);
    format!(
        "{}{}{}T{}{}{}Z",
        &iso[0..4],
        &iso[5..7],
        &iso[8..10],
        &iso[11..13],
        &iso[14..16],
        &iso[17..19]
    )
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn secs_from_parts(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Option<u64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s).ok()
}

/// Unix seconds from `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(s: &str) -> Option<u64> {
    if s.len() != 16 || &s[8..9] != "T" || &s[15..16] != "Z" || !s.is_ascii() {
        return None;
    }
    secs_from_parts(
        num(&s[0..4])?,
        num(&s[4..6])?,
        num(&s[6..8])?,
        num(&s[9..11])?,
        num(&s[11..13])?,
        num(&s[13..15])?,
    )
}

/// Unix milliseconds from `YYYY-MM-DDTHH:MM:SS(.mmm)Z`.
pub fn parse_iso(s: &str) -> Option<u64> {
    if s.len() < 20 || !s.is_ascii() || !s.ends_with('Z') {
        return None;
    }
    let secs = secs_from_parts(
        num(&s[0..4])?,
        num(&s[5..7])?,
        num(&s[8..10])?,
        num(&s[11..13])?,
        num(&s[14..16])?,
        num(&s[17..19])?,
    )?;
    let frac = &s[19..s.len() - 1];
    let ms = match frac.strip_prefix('.') {
        None if frac.is_empty() => 0,
        Some(f) if !f.is_empty() => num(&format!("{:0<3}", &f[..f.len().min(3)]))? as u64,
        _ => return None,
    };
    Some(secs * 1000 + ms)
}

// ---------------------------------------------------------------------------------------
// Presign

/// FastGPT's `Mimes` table (by lower-cased extension), else application/octet-stream.
pub fn mime_for(filename: &str) -> &'static str {
    let ext = extension(filename)
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "xml" => "application/xml",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "mp3" => "audio/mpeg",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Node's path.extname without the dot: the part after the last `.` of the last path
/// component, unless that dot is its first character.
fn extension(name: &str) -> Option<&str> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    match base.rfind('.') {
        Some(i) if i > 0 && i + 1 < base.len() => Some(&base[i + 1..]),
        _ => None,
    }
}

/// A key segment made of `[A-Za-z0-9._-]` (anything else becomes `_`), at most `n` chars.
fn sanitize(s: &str, n: usize) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(n)
        .collect();
    if t.is_empty() {
        "_".into()
    } else {
        t
    }
}

/// The chat id as it appears in an object key.
pub fn sanitize_chat_id(chat_id: &str) -> String {
    sanitize(chat_id, 64)
}

/// `chat/<appId>/<uId>/<chatId>/<name>_<nanoid6>[.<ext>]` (FastGPT's pre-source-type layout).
pub fn make_key(app_id: &str, chat_id: &str, filename: &str) -> String {
    let base = filename.rsplit(['/', '\\']).next().unwrap_or(filename);
    let (stem, ext) = match extension(base) {
        Some(e) => (&base[..base.len() - e.len() - 1], Some(e)),
        None => (base, None),
    };
    let mut name = format!("{}_{}", sanitize(stem, 50), util::nanoid(6));
    if let Some(e) = ext {
        name.push('.');
        name.push_str(&sanitize(e, 16));
    }
    format!(
        "chat/{}/{}/{}/{}",
        app_id,
        DEV_UID,
        sanitize(chat_id, 64),
        name
    )
}

fn credential(secs: u64) -> String {
    format!(
        "{}/{}/{}/s3/aws4_request",
        ACCESS_KEY,
        &amz_date(secs)[..8],
        REGION
    )
}

/// Signature of a query-signed request: HMAC over method, decoded path, sorted decoded
/// query pairs (without X-Amz-Signature) and the signed headers' values (`host` excluded).
fn query_signature(
    secret: &[u8],
    method: &str,
    path: &str,
    query: &[(String, String)],
    header: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut pairs: Vec<&(String, String)> = query
        .iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .collect();
    pairs.sort();
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect();
    let mut canon = format!("{}\n{}\n{}\n", method, path, q.join("&"));
    let signed = query
        .iter()
        .find(|(k, _)| k == "X-Amz-SignedHeaders")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    for h in signed.split(';').filter(|h| !h.is_empty() && *h != "host") {
        let v = header(h).unwrap_or_else(|| "\u{0}missing".into());
        canon.push_str(&format!("{}:{}\n", h, v.trim()));
    }
    hex(&hmac_sha256(secret, canon.as_bytes()))
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A query-signed URL for `method` on `/__s3/<bucket>/<key>`.
#[allow(clippy::too_many_arguments)]
fn signed_url(
    secret: &[u8],
    base: &str,
    method: &str,
    key: &str,
    date: u64,
    expires: u64,
    headers: &[(String, String)],
    extra: &[(String, String)],
) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    names.push("host".into());
    names.sort();
    let mut q: Vec<(String, String)> = vec![
        ("X-Amz-Algorithm".into(), ALGORITHM.into()),
        ("X-Amz-Credential".into(), credential(date)),
        ("X-Amz-Date".into(), amz_date(date)),
        ("X-Amz-Expires".into(), expires.to_string()),
        ("X-Amz-SignedHeaders".into(), names.join(";")),
    ];
    q.extend_from_slice(extra);
    let path = format!("/{}/{}", BUCKET, key);
    let lookup = |h: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(h))
            .map(|(_, v)| v.clone())
    };
    let sig = query_signature(secret, method, &path, &q, &lookup);
    q.push(("X-Amz-Signature".into(), sig));
    let enc_key: Vec<String> = key.split('/').map(pct).collect();
    format!(
        "{}/__s3/{}/{}?{}",
        base,
        BUCKET,
        enc_key.join("/"),
        query_string(&q)
    )
}

/// Build the presign answer's `data`. `base` is `http://127.0.0.1:PORT`.
pub fn presign(
    secret: &[u8],
    base: &str,
    app_id: &str,
    chat_id: &str,
    filename: &str,
    o: &PresignOpts,
    shape: Shape,
) -> Value {
    let now = util::now_ms() / 1000;
    // An "expired" presign was issued long enough ago that its lifetime has passed.
    let issued = if o.expired {
        now - 2 * PRESIGN_SECS
    } else {
        now
    };
    let key = make_key(app_id, chat_id, filename);
    let content_type = mime_for(filename);
    let enc_name = encode_uri_component(filename);
    let meta: Vec<(String, String)> = vec![
        (
            "x-amz-meta-content-disposition".into(),
            format!("attachment; filename=\"{}\"", enc_name),
        ),
        ("x-amz-meta-origin-filename".into(), enc_name.clone()),
        ("x-amz-meta-upload-time".into(), util::iso_ms(issued * 1000)),
    ];
    match shape {
        Shape::Post | Shape::PostBare => {
            let date = amz_date(issued);
            let cred = credential(issued);
            let mut conditions = vec![
                json!(["eq", "$key", key]),
                json!(["eq", "$bucket", BUCKET]),
                json!(["eq", "$Content-Type", content_type]),
                json!(["content-length-range", 1, o.max]),
            ];
            for (k, v) in &meta {
                conditions.push(json!(["eq", format!("${}", k), v]));
            }
            conditions.push(json!(["eq", "$x-amz-date", date]));
            conditions.push(json!(["eq", "$x-amz-algorithm", ALGORITHM]));
            conditions.push(json!(["eq", "$x-amz-credential", cred]));
            let mut policy = obj(vec![
                (
                    "expiration",
                    json!(util::iso_ms((issued + PRESIGN_SECS) * 1000)),
                ),
                ("conditions", Value::Array(conditions)),
            ]);
            if o.storage_error {
                policy["devFault"] = json!("storage-error");
            }
            let policy_b64 = base64_encode(&serde_json::to_vec(&policy).unwrap_or_default());
            let sig = hex(&hmac_sha256(secret, policy_b64.as_bytes()));
            let mut fields = Map::new();
            fields.insert("key".into(), json!(key));
            fields.insert("bucket".into(), json!(BUCKET));
            fields.insert("Content-Type".into(), json!(content_type));
            for (k, v) in &meta {
                fields.insert(k.clone(), json!(v));
            }
            fields.insert("x-amz-date".into(), json!(date));
            fields.insert("x-amz-algorithm".into(), json!(ALGORITHM));
            fields.insert("x-amz-credential".into(), json!(cred));
            fields.insert("policy".into(), json!(policy_b64));
            fields.insert("x-amz-signature".into(), json!(sig));
            let mut d = obj(vec![
                ("url", json!(format!("{}/__s3/{}", base, BUCKET))),
                ("fields", Value::Object(fields)),
            ]);
            if shape == Shape::Post {
                d["maxSize"] = json!(o.max);
            }
            d
        }
        Shape::Proxy => unreachable!("proxy presigns are made by proxy_presign"),
        Shape::Put | Shape::PutBare | Shape::PutS3 => {
            let mut headers = meta.clone();
            if shape != Shape::PutBare {
                headers.push(("Content-Type".into(), content_type.into()));
            }
            let mut extra = vec![("X-Dev-Max-Size".to_string(), o.max.to_string())];
            if o.storage_error {
                extra.push(("X-Dev-Fault".into(), "storage-error".into()));
            }
            let url = signed_url(
                secret,
                base,
                "PUT",
                &key,
                issued,
                PRESIGN_SECS,
                &headers,
                &extra,
            );
            let mut hmap = Map::new();
            for (k, v) in &headers {
                hmap.insert(k.clone(), json!(v));
            }
            let mut d = obj(vec![
                ("url", json!(url)),
                ("key", json!(key)),
                ("headers", Value::Object(hmap)),
            ]);
            if shape == Shape::PutS3 {
                d["maxSize"] = json!(o.max);
            }
            if shape == Shape::Put {
                d["previewUrl"] = json!(signed_url(
                    secret,
                    base,
                    "GET",
                    &key,
                    now,
                    PREVIEW_SECS,
                    &[],
                    &[]
                ));
                d["maxSize"] = json!(o.max);
            }
            d
        }
    }
}

/// A GET URL for `key` on the object endpoint, signed for an hour (FastGPT 4.14.x
/// `presignChatFileGetUrl`, and `previewUrl` of 4.15.0-beta1 – 4.15.1).
pub fn signed_get_url(secret: &[u8], base: &str, key: &str) -> String {
    let now = util::now_ms() / 1000;
    signed_url(secret, base, "GET", key, now, PREVIEW_SECS, &[], &[])
}

/// A short download link `…/api/system/file/d/<alias>` (4.15.2+).
pub fn short_link(app: &App, base: &str, key: &str) -> String {
    let alias = util::nanoid(16);
    app.lock()
        .short_links
        .insert(alias.clone(), key.to_string());
    format!("{}/api/system/file/d/{}", base, alias)
}

fn b64url(data: &[u8]) -> String {
    base64_encode(data)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A 4.14.11+ presign: the upload goes through FastGPT's own proxy route, which checks the
/// token, the size and the type. `release` decides the URL form and the extra fields.
pub fn proxy_presign(
    ctx: &Ctx,
    app_id: &str,
    chat_id: &str,
    filename: &str,
    o: &PresignOpts,
) -> Value {
    let now = util::now_ms();
    let key = make_key(app_id, chat_id, filename);
    let content_type = mime_for(filename);
    let short_tokens = ctx.since(v(4, 15, 2), true);
    let token = if short_tokens {
        util::nanoid(40)
    } else {
        let head = b64url(br#"{"alg":"HS256","typ":"JWT"}"#);
        let body = b64url(
            json!({"key": key, "exp": now / 1000 + PRESIGN_SECS})
                .to_string()
                .as_bytes(),
        );
        let sig = b64url(&hmac_sha256(
            &ctx.app.s3_secret,
            format!("{}.{}", head, body).as_bytes(),
        ));
        format!("{}.{}.{}", head, body, sig)
    };
    let expires_ms = if o.expired {
        now - 1000
    } else {
        now + PRESIGN_SECS * 1000
    };
    ctx.app.lock().proxy_tokens.insert(
        token.clone(),
        ProxyToken {
            key: key.clone(),
            max: o.max,
            expires_ms,
            content_type: content_type.to_string(),
            filename: filename.to_string(),
            storage_error: o.storage_error,
        },
    );
    let route = if short_tokens { "u" } else { "upload" };
    let mut d = obj(vec![
        (
            "url",
            json!(format!("{}/api/system/file/{}/{}", ctx.base, route, token)),
        ),
        ("key", json!(key)),
        ("headers", json!({"content-type": content_type})),
        ("maxSize", json!(o.max)),
    ]);
    if ctx.since(beta(4, 15, 0, 1), true) {
        d["previewUrl"] = json!(if short_tokens {
            short_link(ctx.app, &ctx.base, &key)
        } else {
            signed_get_url(&ctx.app.s3_secret, &ctx.base, &key)
        });
    }
    if ctx.since(v(4, 16, 0), true) {
        d["uploadMode"] = json!("single");
    }
    d
}

/// `PUT /api/system/file/upload/<jwt>` (4.14.11–4.15.1), `PUT /api/system/file/u/<token>`
/// (4.15.2+): store the raw body under the token's key; answers are envelopes.
pub fn proxy_upload(ctx: &Ctx) -> Result<Value, ApiError> {
    let req = ctx.req;
    if req.method != "PUT" {
        return Err(ApiError::plain(405, "Method not allowed"));
    }
    let token = req.path.rsplit('/').next().unwrap_or("");
    let t = ctx.app.lock().proxy_tokens.get(token).cloned();
    let t = match t {
        Some(t) if t.expires_ms >= util::now_ms() => t,
        _ => {
            return Err(ApiError::known(
                507003,
                "unAuthFile",
                "common:error.unAuthFile",
            ))
        }
    };
    if t.storage_error {
        return Err(ApiError::plain(500, "Upload to object storage failed"));
    }
    let size = req.body.len() as u64;
    if size > t.max {
        return Err(
            ApiError::known(413, "EntityTooLarge", "common:error.file_too_large").with_http(413),
        );
    }
    if size == 0 {
        return Err(ApiError::known(
            510000,
            "InvalidUploadFileType",
            "common:error.s3_upload_invalid_file_type",
        ));
    }
    let sent = req.header("content-type").map(str::to_string);
    store(
        ctx.app,
        Upload {
            key: t.key.clone(),
            content_type: t.content_type.clone(),
            sent_content_type: sent,
            filename: t.filename.clone(),
            method: "PUT",
            bytes: req.body.clone(),
        },
    );
    Ok(json!({"success": true}))
}

/// `GET /api/system/file/d/<alias>` (4.15.2+ short links): the stored bytes.
pub fn proxy_download(ctx: &Ctx) -> Result<Response, ApiError> {
    let alias = ctx.req.path.rsplit('/').next().unwrap_or("");
    let s = ctx.app.lock();
    let key = s.short_links.get(alias).cloned();
    match key.and_then(|k| s.uploads.iter().find(|u| u.key == k)) {
        Some(u) => Ok(Response::new(200, &u.content_type, u.bytes.clone())),
        None => {
            Err(ApiError::known(507002, "fileNotFound", "common:error.fileNotFound").with_http(404))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The object endpoint

fn request_id() -> String {
    util::rand_hex(16).to_ascii_uppercase()
}

/// An S3 XML error answer.
fn s3_error(
    status: u16,
    code: &str,
    message: &str,
    extra: &[(&str, String)],
    resource: &str,
) -> Response {
    let id = request_id();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
    x.push_str(&format!(
        "<Code>{}</Code><Message>{}</Message>",
        code,
        xml_escape(message)
    ));
    for (k, v) in extra {
        x.push_str(&format!("<{}>{}</{}>", k, xml_escape(v), k));
    }
    x.push_str(&format!(
        "<Resource>{}</Resource><RequestId>{}</RequestId><HostId>{}</HostId></Error>",
        xml_escape(resource),
        id,
        hex(&sha256(id.as_bytes()))
    ));
    Response::new(status, "application/xml", x.into_bytes())
        .header("x-amz-request-id", &id)
        .header("Server", "fastgpt-devserver-s3")
}

fn internal_error(resource: &str) -> Response {
    s3_error(
        500,
        "InternalError",
        "We encountered an internal error. Please try again.",
        &[],
        resource,
    )
}

fn expired(resource: &str, expires_ms: u64) -> Response {
    s3_error(
        403,
        "AccessDenied",
        "Request has expired",
        &[
            ("Expires", util::iso_ms(expires_ms)),
            ("ServerTime", util::iso_ms(util::now_ms())),
        ],
        resource,
    )
}

fn too_large(resource: &str, size: u64, max: u64) -> Response {
    s3_error(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed size",
        &[
            ("ProposedSize", size.to_string()),
            ("MaxSizeAllowed", max.to_string()),
        ],
        resource,
    )
}

fn etag(data: &[u8]) -> String {
    format!("\"{}\"", &hex(&sha256(data))[..32])
}

fn store(app: &App, up: Upload) {
    let mut s = app.lock();
    match s.uploads.iter_mut().find(|u| u.key == up.key) {
        Some(slot) => *slot = up,
        None => s.uploads.push(up),
    }
}

/// JSON list for `GET /__dev/uploads`.
pub fn list(app: &App) -> Value {
    let s = app.lock();
    Value::Array(
        s.uploads
            .iter()
            .map(|u| {
                json!({"key": u.key, "contentType": u.content_type, "size": u.bytes.len(),
                       "filename": u.filename, "method": u.method, "sentContentType": u.sent_content_type})
            })
            .collect(),
    )
}

/// Handle any request under `/__s3/`.
pub fn handle(app: &App, req: &Request, w: &mut Conn) -> Disposition {
    let resp = answer(app, req, w);
    let written = if resp.status == 204 {
        write_no_content(w, &resp, req.keep_alive())
    } else {
        http::write_response(w, &resp, req.keep_alive())
    };
    match written {
        Ok(()) if req.keep_alive() => Disposition::KeepAlive,
        _ => Disposition::Close,
    }
}

/// 204 carries neither a body nor Content-Length (RFC 9110 §8.6).
fn write_no_content(w: &mut Conn, resp: &Response, keep_alive: bool) -> std::io::Result<()> {
    use std::io::Write;
    let mut head = String::from("HTTP/1.1 204 No Content\r\n");
    for (k, v) in &resp.headers {
        head.push_str(&format!("{}: {}\r\n", k, v));
    }
    head.push_str(&format!("Date: {}\r\n", util::http_date(util::now_ms())));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    w.write_all(head.as_bytes())?;
    w.flush()
}

/// A response without Content-Type (empty-bodied S3 successes).
fn bare(status: u16) -> Response {
    Response {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn answer(app: &App, req: &Request, w: &Conn) -> Response {
    let rest = req.path.strip_prefix("/__s3/").unwrap_or("");
    let (bucket, raw_key) = match rest.split_once('/') {
        Some((b, k)) => (b, k),
        None => (rest, ""),
    };
    let key = util::percent_decode(raw_key, false);
    let resource = format!("/{}/{}", bucket, key);
    let has_query_auth =
        req.query_get("X-Amz-Algorithm").is_some() || req.query_get("X-Amz-Signature").is_some();
    if req.header("authorization").is_some() {
        let msg = if has_query_auth {
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
        } else {
            "Unsupported Authorization Type"
        };
        return s3_error(
            400,
            "InvalidArgument",
            msg,
            &[("ArgumentName", "Authorization".into())],
            &resource,
        );
    }
    if bucket != BUCKET {
        return s3_error(
            404,
            "NoSuchBucket",
            "The specified bucket does not exist",
            &[("BucketName", bucket.into())],
            &resource,
        );
    }
    let base = w.base_url();
    match (req.method.as_str(), key.is_empty()) {
        ("POST", true) => post_object(app, req, &resource, &base),
        ("PUT", false) => put_object(app, req, &key, &resource),
        ("GET", false) => get_object(app, req, &key, &resource),
        _ => s3_error(
            405,
            "MethodNotAllowed",
            "The specified method is not allowed against this resource.",
            &[
                ("Method", req.method.clone()),
                (
                    "ResourceType",
                    if key.is_empty() { "BUCKET" } else { "OBJECT" }.into(),
                ),
            ],
            &resource,
        ),
    }
}

fn missing_field(name: &str, resource: &str) -> Response {
    s3_error(
        400,
        "InvalidArgument",
        &format!("Bucket POST must contain a field named '{}'.  If it is specified, please check the order of the fields.", name),
        &[("ArgumentName", name.into()), ("ArgumentValue", String::new())],
        resource,
    )
}

fn policy_failed(detail: &str, resource: &str) -> Response {
    s3_error(
        403,
        "AccessDenied",
        &format!("Invalid according to Policy: {}", detail),
        &[],
        resource,
    )
}

fn post_object(app: &App, req: &Request, resource: &str, base: &str) -> Response {
    let malformed = || {
        s3_error(
            400,
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
            &[],
            resource,
        )
    };
    let boundary = match multipart::boundary(req.header("content-type").unwrap_or("")) {
        Ok(b) => b,
        Err(_) => return malformed(),
    };
    let parts = match multipart::parse(&req.body, &boundary) {
        Ok(p) => p,
        Err(_) => return malformed(),
    };
    // Form fields up to the `file` part; S3 ignores fields after it.
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut file = None;
    for p in parts {
        if p.name.eq_ignore_ascii_case("file") {
            file = Some(p);
            break;
        }
        if fields.iter().any(|(k, _)| k.eq_ignore_ascii_case(&p.name)) {
            return s3_error(
                400,
                "InvalidArgument",
                &format!("POST form fields must be unique: {}", p.name),
                &[("ArgumentName", p.name.clone())],
                resource,
            );
        }
        let v = match String::from_utf8(p.data) {
            Ok(v) => v,
            Err(_) => return malformed(),
        };
        fields.push((p.name, v));
    }
    let field = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(n))
            .map(|(_, v)| v.as_str())
    };
    let file = match file {
        Some(f) => f,
        None => {
            return s3_error(
                400,
                "InvalidArgument",
                "POST requires exactly one file upload per request.",
                &[
                    ("ArgumentName", "file".into()),
                    ("ArgumentValue", "0".into()),
                ],
                resource,
            )
        }
    };
    let key = match field("key") {
        Some(k) if !k.is_empty() => k.to_string(),
        _ => return missing_field("key", resource),
    };
    let resource = &format!("/{}/{}", BUCKET, key);
    let policy_b64 = match field("policy") {
        Some(p) => p.to_string(),
        None => return s3_error(403, "AccessDenied", "Access Denied", &[], resource),
    };
    for required in [
        "x-amz-signature",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
    ] {
        if field(required).is_none() {
            return missing_field(required, resource);
        }
    }
    let expect = hex(&hmac_sha256(&app.s3_secret, policy_b64.as_bytes()));
    if field("x-amz-signature") != Some(expect.as_str()) {
        return s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            &[("StringToSign", policy_b64.clone())],
            resource,
        );
    }
    let policy: Value =
        match base64_decode(&policy_b64).and_then(|b| serde_json::from_slice(&b).ok()) {
            Some(v) => v,
            None => {
                return s3_error(
                    400,
                    "InvalidPolicyDocument",
                    "Invalid Policy: Invalid JSON.",
                    &[],
                    resource,
                )
            }
        };
    let expires = policy
        .get("expiration")
        .and_then(|e| e.as_str())
        .and_then(parse_iso)
        .unwrap_or(0);
    if expires < util::now_ms() {
        return expired(resource, expires);
    }
    if policy.get("devFault").and_then(|f| f.as_str()) == Some("storage-error") {
        return internal_error(resource);
    }
    let conditions = policy
        .get("conditions")
        .and_then(|c| c.as_array())
        .cloned()
        .unwrap_or_default();
    let mut range = (0u64, u64::MAX);
    let mut covered: Vec<String> = Vec::new();
    for c in &conditions {
        let a = c.as_array().cloned().unwrap_or_default();
        let op = a.first().and_then(|v| v.as_str()).unwrap_or("");
        if op == "content-length-range" {
            range = (
                a.get(1).and_then(|v| v.as_u64()).unwrap_or(0),
                a.get(2).and_then(|v| v.as_u64()).unwrap_or(u64::MAX),
            );
            continue;
        }
        let name = a
            .get(1)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .trim_start_matches('$')
            .to_string();
        let want = a.get(2).and_then(|v| v.as_str()).unwrap_or("");
        covered.push(name.to_ascii_lowercase());
        let got = field(&name).or(if name == "bucket" { Some(BUCKET) } else { None });
        if got != Some(want) {
            return policy_failed(
                &format!(
                    "Policy Condition failed: [\"eq\", \"${}\", \"{}\"]",
                    name, want
                ),
                resource,
            );
        }
    }
    let extra: Vec<&str> = fields
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| {
            let l = k.to_ascii_lowercase();
            !(l == "policy"
                || l == "x-amz-signature"
                || l.starts_with("x-ignore-")
                || covered.contains(&l))
        })
        .collect();
    if !extra.is_empty() {
        return policy_failed(
            &format!("Extra input fields: {}", extra.join(", ")),
            resource,
        );
    }
    let size = file.data.len() as u64;
    if size < range.0 {
        return s3_error(
            400,
            "EntityTooSmall",
            "Your proposed upload is smaller than the minimum allowed size",
            &[
                ("ProposedSize", size.to_string()),
                ("MinSizeAllowed", range.0.to_string()),
            ],
            resource,
        );
    }
    if size > range.1 {
        return too_large(resource, size, range.1);
    }
    let tag = etag(&file.data);
    let content_type = field("Content-Type")
        .map(str::to_string)
        .or_else(|| file.content_type.clone())
        .unwrap_or_else(|| "application/octet-stream".into());
    store(
        app,
        Upload {
            key: key.clone(),
            content_type,
            sent_content_type: file.content_type.clone(),
            filename: file.filename.clone().unwrap_or_default(),
            method: "POST",
            bytes: file.data,
        },
    );
    let enc_key: Vec<String> = key.split('/').map(pct).collect();
    bare(204)
        .header("ETag", &tag)
        .header(
            "Location",
            &format!("{}/__s3/{}/{}", base, BUCKET, enc_key.join("/")),
        )
        .header("x-amz-request-id", &request_id())
}

/// Check query-string auth; `Ok(max size)` or the error answer.
fn check_query_auth(
    app: &App,
    req: &Request,
    method: &str,
    key: &str,
    resource: &str,
) -> Result<Option<u64>, Response> {
    let q = |k: &str| req.query_get(k);
    if q("X-Amz-Algorithm").is_none() && q("X-Amz-Signature").is_none() {
        return Err(s3_error(
            403,
            "AccessDenied",
            "Access Denied",
            &[],
            resource,
        ));
    }
    let needed = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-Date",
        "X-Amz-SignedHeaders",
        "X-Amz-Expires",
    ];
    if needed.iter().any(|k| q(k).is_none()) {
        return Err(s3_error(
            400,
            "AuthorizationQueryParametersError",
            "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
            &[],
            resource,
        ));
    }
    if q("X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(s3_error(
            400,
            "AuthorizationQueryParametersError",
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"",
            &[],
            resource,
        ));
    }
    let header = |h: &str| {
        let vals: Vec<&str> = req
            .headers
            .iter()
            .filter(|(k, _)| k == h)
            .map(|(_, v)| v.as_str())
            .collect();
        if vals.is_empty() {
            None
        } else {
            Some(vals.join(","))
        }
    };
    let path = format!("/{}/{}", BUCKET, key);
    let expect = query_signature(&app.s3_secret, method, &path, &req.query, &header);
    if q("X-Amz-Signature") != Some(expect.as_str()) {
        return Err(s3_error(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            &[],
            resource,
        ));
    }
    let date = q("X-Amz-Date").and_then(parse_amz_date).unwrap_or(0);
    let secs: u64 = q("X-Amz-Expires").and_then(|e| e.parse().ok()).unwrap_or(0);
    if (date + secs) * 1000 < util::now_ms() {
        return Err(expired(resource, (date + secs) * 1000));
    }
    if q("X-Dev-Fault") == Some("storage-error") {
        return Err(internal_error(resource));
    }
    Ok(q("X-Dev-Max-Size").and_then(|m| m.parse().ok()))
}

fn put_object(app: &App, req: &Request, key: &str, resource: &str) -> Response {
    let max = match check_query_auth(app, req, "PUT", key, resource) {
        Ok(m) => m,
        Err(r) => return r,
    };
    let size = req.body.len() as u64;
    if let Some(max) = max {
        if size > max {
            return too_large(resource, size, max);
        }
    }
    let tag = etag(&req.body);
    let sent = req.header("content-type").map(str::to_string);
    let filename = req
        .header("x-amz-meta-origin-filename")
        .map(|f| util::percent_decode(f, false))
        .unwrap_or_else(|| key.rsplit('/').next().unwrap_or(key).to_string());
    store(
        app,
        Upload {
            key: key.to_string(),
            content_type: sent
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into()),
            sent_content_type: sent,
            filename,
            method: "PUT",
            bytes: req.body.clone(),
        },
    );
    bare(200)
        .header("ETag", &tag)
        .header("x-amz-request-id", &request_id())
}

fn get_object(app: &App, req: &Request, key: &str, resource: &str) -> Response {
    if req.query_get("X-Amz-Algorithm").is_some() || req.query_get("X-Amz-Signature").is_some() {
        if let Err(r) = check_query_auth(app, req, "GET", key, resource) {
            return r;
        }
    }
    let s = app.lock();
    match s.uploads.iter().find(|u| u.key == key) {
        Some(u) => Response::new(200, &u.content_type, u.bytes.clone())
            .header("ETag", &etag(&u.bytes))
            .header("x-amz-request-id", &request_id()),
        None => s3_error(
            404,
            "NoSuchKey",
            "The specified key does not exist.",
            &[("Key", key.into())],
            resource,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_and_dates() {
        for s in ["", "f", "fo", "foo", "foob", "fooba", "foobar"] {
            assert_eq!(
                base64_decode(&base64_encode(s.as_bytes())).unwrap(),
                s.as_bytes()
            );
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(amz_date(1_728_790_145), "20241013T032905Z");
        assert_eq!(parse_amz_date("20241013T032905Z"), Some(1_728_790_145));
        assert_eq!(
            parse_iso("2024-10-13T03:29:05.779Z"),
            Some(1_728_790_145_779)
        );
        assert_eq!(parse_iso("2024-10-13T03:29:05Z"), Some(1_728_790_145_000));
        assert_eq!(encode_uri_component("a b/é.png"), "a%20b%2F%C3%A9.png");
    }

    #[test]
    fn keys_and_mimes() {
        let k = make_key("0123456789abcdef01234567", "chat 1", "我的 photo.PNG");
        assert!(
            k.starts_with("chat/0123456789abcdef01234567/65f0000000000000000000ee/chat_1/"),
            "{}",
            k
        );
        assert!(k.ends_with(".PNG"), "{}", k);
        assert!(
            k.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/._-".contains(&b)),
            "{}",
            k
        );
        assert_eq!(mime_for("a.PNG"), "image/png");
        assert_eq!(mime_for(".bashrc"), "application/octet-stream");
        assert_eq!(mime_for("noext"), "application/octet-stream");
    }
}
