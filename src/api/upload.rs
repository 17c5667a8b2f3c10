//! Chat file uploads (contract §6.2), like the reference SDK's `upload_chat_image` /
//! `upload_chat_file`.
//!
//! FastGPT's presign routes (`projects/app/src/pages/api/core/chat/file/presignChatFilePostUrl.ts`,
//! legacy `projects/app/src/pages/api/core/chat/presignChatFilePostUrl.ts`) answer, depending on
//! the server version, with one of the shapes of `CreatePostPresignedUrlResponseType`:
//! - a presigned POST `{url, fields, maxSize?}` built by MinIO's `presignedPostPolicy`
//!   (`packages/service/common/s3/type.ts`, `packages/service/common/s3/buckets/base.ts`
//!   `createPostPresignedUrl`): the browser posts a multipart form with every field, then the
//!   file as part `file` (`useFileUpload.tsx`, `postS3UploadFile`); S3 answers 204;
//! - a presigned PUT `{url, key, headers, previewUrl?, maxSize?}`
//!   (`packages/global/common/file/s3/type.ts`, `packages/service/common/s3/contracts/type.ts`,
//!   `createPresignedPutUrl`): the raw bytes with exactly `headers` (`putFileToS3`); 200.
//!
//! `maxSize` is in bytes. Neither upload carries FastGPT credentials. The research behind
//! this, with commits, is in `devserver/UPLOADS.md`.

use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::api::args::check_id;
use crate::api::body::JsonObject;
use crate::api::paths::post;
use crate::api::Client;
use crate::error::Error;
use crate::http::{Kind, Request};
use crate::status::*;
use crate::transport::cancel::CancelToken;

/// The `data` of a presign answer.
#[derive(Deserialize)]
struct Presign {
    url: String,
    fields: Option<Map<String, Value>>,
    key: Option<String>,
    headers: Option<Map<String, Value>>,
    #[serde(rename = "previewUrl")]
    preview_url: Option<String>,
    #[serde(rename = "maxSize")]
    max_size: Option<f64>,
}

#[derive(Deserialize)]
struct Envelope {
    data: Presign,
}

impl Client {
    /// `fastgpt_upload_chat_file`: reads the whole file first; its name is the last
    /// component of the path.
    pub fn upload_chat_file(
        &self,
        app_id: &str,
        chat_id: &str,
        file_path: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let path = std::path::Path::new(file_path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                Error::invalid(format!("file_path \"{file_path}\" does not name a file"))
            })?
            .to_string();
        let data = read_regular_file(path, file_path, self.options().max_response_bytes)?;
        self.upload_chat_bytes(app_id, chat_id, &name, None, &data, cancel)
    }

    /// `fastgpt_upload_chat_bytes`.
    pub fn upload_chat_bytes(
        &self,
        app_id: &str,
        chat_id: &str,
        file_name: &str,
        content_type: Option<&str>,
        data: &[u8],
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        if file_name.is_empty() {
            return Err(Error::invalid("file_name must not be empty"));
        }
        if file_name.chars().any(char::is_control) {
            return Err(Error::invalid(
                "file_name must not contain control characters",
            ));
        }
        let content_type = match content_type {
            Some(ct) if !ct.is_empty() => {
                if !ct.bytes().all(|b| (0x20..0x7f).contains(&b)) {
                    return Err(Error::invalid("content_type must be printable ASCII"));
                }
                ct.to_string()
            }
            _ => detect_content_type(data, file_name).to_string(),
        };

        // 1. Presign.
        let body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .str("filename", file_name)
            .finish();
        let envelope = self.call_envelope(
            post(
                "/api/core/chat/file/presignChatFilePostUrl",
                Some("/api/core/chat/presignChatFilePostUrl"),
                &body,
            ),
            cancel,
        )?;
        let mut presign = serde_json::from_str::<Envelope>(&envelope)
            .map_err(|e| {
                Error::new(
                    FASTGPT_E_PROTOCOL,
                    format!("the presign answer's data is not a presigned POST or PUT: {e}"),
                )
            })?
            .data;
        // Newer FastGPT builds its upload URL from FILE_DOMAIN or FE_DOMAIN; with neither set
        // it is a path on FastGPT's own origin.
        presign.url = storage_url(&presign.url, &self.options().base_url)?;
        if let Some(max) = presign.max_size {
            if data.len() as f64 > max {
                return Err(Error::invalid(format!(
                    "\"{file_name}\" is {} bytes, over the server's upload limit of {max} bytes (maxSize); nothing was uploaded",
                    data.len()
                )));
            }
        }

        // 2. Upload.
        let (req, key, storage_url) = match (&presign.fields, &presign.headers) {
            (Some(fields), _) => {
                let key = fields
                    .get("key")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        Error::new(
                            FASTGPT_E_PROTOCOL,
                            "the presigned POST has no string fields.key",
                        )
                    })?;
                let (form, boundary) = multipart(fields, file_name, &content_type, data)?;
                let req = Request {
                    method: "POST",
                    path_and_query: presign.url.clone(),
                    body: None,
                    content_type: Some(format!("multipart/form-data; boundary={boundary}")),
                    headers: Vec::new(),
                    kind: Kind::Upload,
                };
                let url = format!("{}/{}", presign.url.trim_end_matches('/'), key);
                (Upload { req, body: form }, key, url)
            }
            (None, Some(headers)) => {
                let key = presign.key.clone().ok_or_else(|| {
                    Error::new(FASTGPT_E_PROTOCOL, "the presigned PUT has no key")
                })?;
                let mut hs = Vec::new();
                for (k, v) in headers {
                    let v = v.as_str().ok_or_else(|| {
                        Error::new(
                            FASTGPT_E_PROTOCOL,
                            format!("the presigned PUT header \"{k}\" is not a string"),
                        )
                    })?;
                    if !crate::options::is_token(k)
                        || !v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
                    {
                        return Err(Error::new(
                            FASTGPT_E_PROTOCOL,
                            format!("the presigned PUT header \"{k}\" is not a valid header"),
                        ));
                    }
                    if let Some(keep) = check_presigned_header(k, v, data.len())? {
                        hs.push((k.clone(), keep));
                    }
                }
                let has_ct = hs
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
                let req = Request {
                    method: "PUT",
                    path_and_query: presign.url.clone(),
                    body: None,
                    content_type: (!has_ct).then(|| content_type.clone()),
                    headers: hs,
                    kind: Kind::Upload,
                };
                let url = presign
                    .url
                    .split(['?', '#'])
                    .next()
                    .unwrap_or("")
                    .to_string();
                (
                    Upload {
                        req,
                        body: data.to_vec(),
                    },
                    key,
                    url,
                )
            }
            (None, None) => {
                return Err(Error::new(
                    FASTGPT_E_PROTOCOL,
                    "the presign answer has neither fields (POST) nor headers (PUT)",
                ))
            }
        };
        let Upload { mut req, body } = req;
        req.body = Some(&body);
        let mut attempts = 0;
        self.http().fetch(&req, cancel, &mut attempts)?;
        let kind = if content_type.to_ascii_lowercase().starts_with("image/") {
            "image"
        } else {
            "file"
        };
        // §6.2 (revision 3): a URL the model can fetch, not the private bucket's address.
        let url = self.fetchable_url(
            app_id,
            chat_id,
            &key,
            presign.preview_url.as_deref(),
            storage_url,
            cancel,
        )?;
        Ok(json!({
            "url": url,
            "key": key,
            "name": file_name,
            "type": kind,
            "preview_url": presign.preview_url,
        })
        .to_string())
    }
}

/// Presigned PUT headers that would take over the storage request's host, framing or
/// connection, or send credentials there (§6.2).
const REFUSED_PRESIGNED_HEADERS: &[&str] = &[
    "host",
    "transfer-encoding",
    "connection",
    "authorization",
    "proxy-authorization",
    "cookie",
];

/// Checks one presigned PUT header (§6.2): the value to send, or `None` for a
/// `Content-Length` equal to the data length (the library sends its own, from the body; one
/// that differs would leave the request unfinished).
fn check_presigned_header(
    name: &str,
    value: &str,
    data_len: usize,
) -> Result<Option<String>, Error> {
    if REFUSED_PRESIGNED_HEADERS
        .iter()
        .any(|r| name.eq_ignore_ascii_case(r))
    {
        return Err(Error::new(
            FASTGPT_E_PROTOCOL,
            format!(
                "the presigned PUT header \"{name}\" is refused: the presign answer may not set Host, Transfer-Encoding, Connection, Authorization, Proxy-Authorization or Cookie; nothing was uploaded"
            ),
        ));
    }
    if name.eq_ignore_ascii_case("content-length") {
        if value.trim().parse::<u64>().ok() != Some(data_len as u64)
            || value.trim().starts_with('+')
        {
            return Err(Error::new(
                FASTGPT_E_PROTOCOL,
                format!(
                    "the presigned PUT header Content-Length \"{value}\" differs from the data length ({data_len} bytes); nothing was uploaded"
                ),
            ));
        }
        return Ok(None);
    }
    Ok(Some(value.to_string()))
}

/// Reads the regular file at `path` whole, refusing (`FASTGPT_E_INVALID_ARGUMENT`) what is
/// not a regular file (a FIFO would block for ever, `/dev/zero` never ends) and a file over
/// `limit` bytes, also one that grows past it while it is read.
fn read_regular_file(path: &std::path::Path, shown: &str, limit: usize) -> Result<Vec<u8>, Error> {
    use std::io::Read as _;
    let cannot = |e: std::io::Error| Error::invalid(format!("cannot read \"{shown}\": {e}"));
    let too_big = || {
        Error::invalid(format!(
            "\"{shown}\" is larger than max_response_bytes ({limit} bytes)"
        ))
    };
    // O_NONBLOCK: opening a FIFO with no writer must not block; a regular file ignores it.
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(Error::invalid(format!("\"{shown}\" is not a regular file")));
    }
    if meta.len() > limit as u64 {
        return Err(too_big());
    }
    let mut data = Vec::with_capacity(meta.len() as usize);
    file.take(limit as u64 + 1)
        .read_to_end(&mut data)
        .map_err(cannot)?;
    if data.len() > limit {
        return Err(too_big());
    }
    Ok(data)
}

struct Upload<'a> {
    req: Request<'a>,
    body: Vec<u8>,
}

/// The absolute upload URL: `url` itself when it is http(s), or a path (`/...`) on the
/// origin of the base URL. Refused (§6.2): userinfo (it would send `Authorization: Basic`
/// to storage), and `http://` under an `https://` base URL (the file would go out in clear
/// text). A password in the URL is never repeated.
fn storage_url(url: &str, base_url: &str) -> Result<String, Error> {
    let shown = crate::http::url::redact_userinfo(url);
    let refuse = |why: &str| {
        Error::new(
            FASTGPT_E_PROTOCOL,
            format!("the presigned upload URL \"{shown}\" {why}"),
        )
    };
    let bad = || refuse("is not an http(s) URL");
    // What the request builder would refuse (non-ASCII bytes, `"`, `{`, `|`, a bad port)
    // is refused here, before the upload, as the server's fault.
    // The parser of `http` takes these; ureq then refuses them once the presign is spent.
    let uri_byte = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    let parses = |full: String| match full.parse::<ureq::http::Uri>() {
        Ok(u)
            if u.host().is_some_and(|h| !h.is_empty())
                && u.authority()
                    .is_some_and(|a| match a.as_str().rsplit_once(':') {
                        Some((_, port)) if !port.contains(']') => port.parse::<u16>().is_ok(),
                        _ => true,
                    })
                && full.bytes().all(uri_byte) =>
        {
            Ok(full)
        }
        _ => Err(bad()),
    };
    if url.bytes().any(|b| b <= 0x20 || b == 0x7f) {
        return Err(bad());
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        let rest = &url[url.find("://").map_or(0, |i| i + 3)..];
        let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
        if authority.contains('@') {
            return Err(refuse(
                "carries userinfo (user:password@); no credentials are sent to storage",
            ));
        }
        if lower.starts_with("http://") && base_url.to_ascii_lowercase().starts_with("https://") {
            return Err(refuse(
                "is http:// under an https:// base URL: the file would go out in clear text",
            ));
        }
        return parses(url.to_string());
    }
    if url.starts_with('/') && !url.starts_with("//") {
        let (scheme, rest) = base_url.split_once("://").ok_or_else(bad)?;
        let origin = rest.split('/').next().unwrap_or(rest);
        return parses(format!("{scheme}://{origin}{url}"));
    }
    Err(bad())
}

/// Quotes a name for a `Content-Disposition` parameter as browsers do (WHATWG HTML
/// "multipart/form-data encoding algorithm": `"` → `%22`, CR → `%0D`, LF → `%0A`).
fn quote(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

/// The multipart body: every field in order, values byte for byte, then the file as `file`.
fn multipart(
    fields: &Map<String, Value>,
    file_name: &str,
    content_type: &str,
    data: &[u8],
) -> Result<(Vec<u8>, String), Error> {
    let boundary = loop {
        let b = format!("----libfastgpt{}", crate::util::random::alphanumeric_id(24));
        let found = data.windows(b.len()).any(|w| w == b.as_bytes())
            || fields
                .values()
                .any(|v| v.as_str().is_some_and(|s| s.contains(&b)));
        if !found {
            break b;
        }
    };
    let mut out = Vec::with_capacity(data.len() + 1024);
    for (k, v) in fields {
        let v = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(Error::new(
                    FASTGPT_E_PROTOCOL,
                    format!("the presigned POST field \"{k}\" is not a string"),
                ))
            }
        };
        write!(
            FmtVec(&mut out),
            "--{boundary}\r\nContent-Disposition: form-data; name="
        )
        .ok();
        quote(k, &mut out);
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    write!(
        FmtVec(&mut out),
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename="
    )
    .ok();
    quote(file_name, &mut out);
    write!(FmtVec(&mut out), "\r\nContent-Type: {content_type}\r\n\r\n").ok();
    out.extend_from_slice(data);
    write!(FmtVec(&mut out), "\r\n--{boundary}--\r\n").ok();
    Ok((out, boundary))
}

struct FmtVec<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for FmtVec<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The content type from the data's leading bytes, then from the name's extension, else
/// `application/octet-stream`.
pub fn detect_content_type(data: &[u8], name: &str) -> &'static str {
    let starts = |p: &[u8]| data.starts_with(p);
    let sniffed = if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && starts(b"RIFF") && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else if starts(b"BM") && data.len() >= 14 {
        Some("image/bmp")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some("image/tiff")
    } else if data.len() >= 12
        && &data[4..8] == b"ftyp"
        && matches!(&data[8..12], b"avif" | b"avis")
    {
        Some("image/avif")
    } else if data.len() >= 12
        && &data[4..8] == b"ftyp"
        && matches!(&data[8..12], b"heic" | b"heix" | b"mif1" | b"msf1")
    {
        Some("image/heic")
    } else if starts(b"\0\0\x01\0") {
        Some("image/x-icon")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    };
    if let Some(t) = sniffed {
        return t;
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "html" | "htm" => "text/html",
        "csv" => "text/csv",
        "json" => "application/json",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ppt" => "application/vnd.ms-powerpoint",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_urls() {
        let base = "https://fastgpt.example.com/base";
        // Revision 3: http:// storage only under an http:// base URL.
        assert_eq!(
            storage_url("http://s3:9000/b?x=1", "http://fastgpt:3000").unwrap(),
            "http://s3:9000/b?x=1"
        );
        assert_eq!(
            storage_url("https://s3:9000/b?x=1", base).unwrap(),
            "https://s3:9000/b?x=1"
        );
        let e = storage_url("http://s3:9000/b?x=1", base).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_PROTOCOL);
        for url in [
            "https://u:pw-secret@s3/b",
            "http://u:pw-secret@s3/b",
            "https://u@s3/b?x=@",
        ] {
            let e = storage_url(url, "http://fastgpt:3000").unwrap_err();
            assert_eq!(e.status, FASTGPT_E_PROTOCOL, "{url}");
            assert!(!e.message.contains("pw-secret"), "{}", e.message);
        }
        assert!(storage_url("https://s3/b?sig=a@b", base).is_ok());
        assert_eq!(
            storage_url("/api/system/file/u/tok", base).unwrap(),
            "https://fastgpt.example.com/api/system/file/u/tok"
        );
        for bad in [
            "//evil/x",
            "ftp://x",
            "relative/path",
            "http://a b",
            "",
            "https://s3/b\u{e9}",
            "https://s3/b\"q",
            "https://s3/b{x}",
            "https://s3/b|x",
            "https://s3:99999/b",
            "https://s3:port/b",
            "/api/file/{x}",
        ] {
            assert!(storage_url(bad, base).is_err(), "{bad}");
        }
    }

    #[test]
    fn upload_file_reads_only_bounded_regular_files() {
        let dir = std::env::temp_dir().join(format!("fastgpt-upload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("a.txt");
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_regular_file(&f, "a.txt", 10).unwrap(), b"0123456789");
        let e = read_regular_file(&f, "a.txt", 9).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_INVALID_ARGUMENT);
        assert!(e.message.contains("max_response_bytes"), "{}", e.message);
        // A directory, a character device that never ends, a FIFO with no writer: refused
        // at once, never read.
        let fifo = dir.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        let _ = std::fs::remove_file(&fifo);
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        for p in [
            dir.as_path(),
            std::path::Path::new("/dev/zero"),
            fifo.as_path(),
        ] {
            let t = std::time::Instant::now();
            let e = read_regular_file(p, "x", 1 << 20).unwrap_err();
            assert_eq!(e.status, FASTGPT_E_INVALID_ARGUMENT, "{p:?}");
            assert!(e.message.contains("is not a regular file"), "{}", e.message);
            assert!(t.elapsed() < std::time::Duration::from_secs(2));
        }
        let e = read_regular_file(&dir.join("missing"), "missing", 10).unwrap_err();
        assert_eq!(e.status, FASTGPT_E_INVALID_ARGUMENT);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn presigned_headers() {
        assert_eq!(
            check_presigned_header("x-amz-acl", "private", 3)
                .unwrap()
                .as_deref(),
            Some("private")
        );
        assert_eq!(
            check_presigned_header("Content-Length", "3", 3).unwrap(),
            None
        );
        for (k, v) in [
            ("Content-Length", "4"),
            ("content-length", "+3"),
            ("Content-Length", "-3"),
            ("Content-Length", ""),
        ] {
            assert_eq!(
                check_presigned_header(k, v, 3).unwrap_err().status,
                FASTGPT_E_PROTOCOL,
                "{k}: {v}"
            );
        }
        for k in [
            "Host",
            "TRANSFER-ENCODING",
            "connection",
            "Authorization",
            "proxy-authorization",
            "Cookie",
        ] {
            assert_eq!(
                check_presigned_header(k, "x", 3).unwrap_err().status,
                FASTGPT_E_PROTOCOL,
                "{k}"
            );
        }
    }

    #[test]
    fn content_type_by_content_then_extension() {
        assert_eq!(
            detect_content_type(b"\x89PNG\r\n\x1a\n....", "photo.jpg"),
            "image/png"
        );
        assert_eq!(detect_content_type(b"\xff\xd8\xff\xe0", "x"), "image/jpeg");
        assert_eq!(
            detect_content_type(b"RIFF\0\0\0\0WEBPVP8 ", "x.bin"),
            "image/webp"
        );
        assert_eq!(detect_content_type(b"GIF89a", "a"), "image/gif");
        assert_eq!(
            detect_content_type(b"%PDF-1.7", "report"),
            "application/pdf"
        );
        assert_eq!(detect_content_type(b"hello", "notes.md"), "text/markdown");
        assert_eq!(
            detect_content_type(b"PK\x03\x04", "r.DOCX"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        );
        assert_eq!(
            detect_content_type(b"", "noext"),
            "application/octet-stream"
        );
    }

    #[test]
    fn multipart_keeps_fields_in_order_and_escapes_names() {
        let mut fields = Map::new();
        fields.insert("key".into(), json!("chat/a/b/x.png"));
        fields.insert(
            "x-amz-meta-content-disposition".into(),
            json!("attachment; filename=\"a%20b.png\""),
        );
        let (body, boundary) = multipart(&fields, "a\"b\n.png", "image/png", b"\x89PNG").unwrap();
        let text = String::from_utf8_lossy(&body);
        let key_at = text.find("name=\"key\"").unwrap();
        let meta_at = text.find("name=\"x-amz-meta-content-disposition\"\r\n\r\nattachment; filename=\"a%20b.png\"\r\n").unwrap();
        let file_at = text
            .find("name=\"file\"; filename=\"a%22b%0A.png\"\r\nContent-Type: image/png\r\n\r\n")
            .unwrap();
        assert!(key_at < meta_at && meta_at < file_at);
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        let mut bad = Map::new();
        bad.insert("k".into(), json!({"nested": 1}));
        assert!(multipart(&bad, "f", "t", b"").is_err());
    }
}
