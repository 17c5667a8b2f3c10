//! The client and every endpoint call of the contract (§4, §5), in safe Rust.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{json, Value};

use crate::accumulate::Accumulator;
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::http::{Answer, Http, Kind, Request};
use crate::options::{ApiPaths, Options};
use crate::status::*;
use crate::stream::{EventView, StreamSession};
use crate::url::{checked_request_path, query_string};

const FAMILY_UNKNOWN: u8 = 0;
const FAMILY_CURRENT: u8 = 1;
const FAMILY_LEGACY: u8 = 2;

/// A FastGPT client: configuration, connection pool and the remembered path family.
pub struct Client {
    http: Http,
    secrets: Arc<Vec<String>>,
    /// For `api_paths: "auto"`: the family the first envelope answer came from.
    family: AtomicU8,
}

/// An endpoint of the §5 table.
pub(crate) struct Endpoint<'a> {
    method: &'static str,
    current: &'static str,
    legacy: Option<&'static str>,
    query: Option<String>,
    body: Option<&'a [u8]>,
}

impl Client {
    pub fn new(opts: Options) -> Result<Client, Error> {
        let opts = Arc::new(opts);
        let secrets = Arc::new(opts.secrets());
        let family = match opts.api_paths {
            ApiPaths::Auto => FAMILY_UNKNOWN,
            ApiPaths::Current => FAMILY_CURRENT,
            ApiPaths::Legacy => FAMILY_LEGACY,
        };
        Ok(Client { http: Http::new(opts)?, secrets, family: AtomicU8::new(family) })
    }

    pub fn options(&self) -> &Options {
        &self.http.opts
    }

    pub(crate) fn http(&self) -> &Http {
        &self.http
    }

    pub(crate) fn call_envelope(&self, ep: Endpoint, cancel: Option<&CancelToken>) -> Result<String, Error> {
        let mut attempts = 0;
        let with_query = |path: &str| match &ep.query {
            Some(q) => format!("{path}?{q}"),
            None => path.to_string(),
        };
        let send = |path: &str, attempts: &mut u32| {
            let req = Request::api(ep.method, with_query(path), ep.body, Kind::Envelope);
            self.http.send(&req, cancel, attempts).map(|a| match a {
                Answer::Whole(s) => s,
                Answer::Stream(_) => unreachable!("envelope requests are read whole"),
            })
        };
        let Some(legacy) = ep.legacy else { return send(ep.current, &mut attempts) };
        match self.family.load(Ordering::Relaxed) {
            FAMILY_CURRENT => send(ep.current, &mut attempts),
            FAMILY_LEGACY => send(legacy, &mut attempts),
            _ => {
                let first = send(ep.current, &mut attempts);
                let not_found = matches!(&first, Err(e) if e.status == FASTGPT_E_HTTP && e.http_status == Some(404));
                if !not_found {
                    if carries_envelope(&first) {
                        self.family.store(FAMILY_CURRENT, Ordering::Relaxed);
                    }
                    return first;
                }
                let second = send(legacy, &mut attempts);
                if carries_envelope(&second) {
                    self.family.store(FAMILY_LEGACY, Ordering::Relaxed);
                }
                second
            }
        }
    }

    pub fn get_chat_histories(&self, app_id: &str, offset: i32, page_size: i32, source: Option<&str>, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_paging(offset, page_size)?;
        let mut body = json!({"appId": app_id, "offset": offset, "pageSize": page_size});
        match source {
            None => body["source"] = json!("api"),
            Some("") => {}
            Some(s) => body["source"] = json!(s),
        }
        let body = body.to_string();
        self.call_envelope(post("/api/core/chat/history/getHistories", Some("/api/core/chat/getHistories"), &body), cancel)
    }

    pub fn get_chat_init(&self, app_id: &str, chat_id: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id)]);
        self.call_envelope(query("GET", "/api/core/chat/init", None, q), cancel)
    }

    pub fn get_chat_records(&self, app_id: &str, chat_id: &str, offset: i32, page_size: i32, load_custom_feedbacks: bool, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_paging(offset, page_size)?;
        let mut body = json!({"appId": app_id, "chatId": chat_id, "offset": offset, "pageSize": page_size});
        if load_custom_feedbacks {
            body["loadCustomFeedbacks"] = json!(true);
        }
        let body = body.to_string();
        self.call_envelope(post("/api/core/chat/record/getPaginationRecords", Some("/api/core/chat/getPaginationRecords"), &body), cancel)
    }

    pub fn get_record_detail(&self, app_id: &str, chat_id: &str, data_id: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("data_id", data_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id), ("dataId", data_id)]);
        self.call_envelope(query("GET", "/api/core/chat/record/getResData", Some("/api/core/chat/getResData"), q), cancel)
    }

    pub fn update_chat_history(&self, app_id: &str, chat_id: &str, custom_title: Option<&str>, top: i32, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        if !(-1..=1).contains(&top) {
            return Err(Error::invalid(format!("top must be -1 (leave), 0 (unpin) or 1 (pin), not {top}")));
        }
        if custom_title.is_none() && top == -1 {
            return Err(Error::invalid("nothing to update: custom_title is NULL and top is -1"));
        }
        let mut body = json!({"appId": app_id, "chatId": chat_id});
        if let Some(t) = custom_title {
            body["customTitle"] = json!(t);
        }
        if top >= 0 {
            body["top"] = json!(top == 1);
        }
        let body = body.to_string();
        let mut ep = post("/api/core/chat/history/updateHistory", Some("/api/core/chat/updateHistory"), &body);
        ep.method = "PUT";
        self.call_envelope(ep, cancel)
    }

    pub fn delete_chat_history(&self, app_id: &str, chat_id: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id)]);
        self.call_envelope(query("DELETE", "/api/core/chat/history/delHistory", Some("/api/core/chat/delHistory"), q), cancel)
    }

    pub fn clear_chat_histories(&self, app_id: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let q = query_string([("appId", app_id)]);
        self.call_envelope(query("DELETE", "/api/core/chat/history/clearHistories", Some("/api/core/chat/clearHistories"), q), cancel)
    }

    pub fn delete_chat_record(&self, app_id: &str, chat_id: &str, content_id: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("content_id", content_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id), ("contentId", content_id)]);
        self.call_envelope(query("DELETE", "/api/core/chat/record/delete", Some("/api/core/chat/item/delete"), q), cancel)
    }

    pub fn send_feedback(&self, app_id: &str, chat_id: &str, data_id: &str, good: Option<&str>, bad: Option<&str>, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("data_id", data_id)?;
        let mut body = json!({"appId": app_id, "chatId": chat_id, "dataId": data_id});
        if let Some(g) = good {
            body["userGoodFeedback"] = json!(g);
        }
        if let Some(b) = bad {
            body["userBadFeedback"] = json!(b);
        }
        let body = body.to_string();
        self.call_envelope(post("/api/core/chat/feedback/updateUserFeedback", None, &body), cancel)
    }

    pub fn get_suggested_questions(&self, app_id: &str, chat_id: &str, question_guide_json: Option<&str>, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let mut body = String::new();
        write!(body, "{{\"appId\":{},\"chatId\":{}", json!(app_id), json!(chat_id)).ok();
        if let Some(g) = question_guide_json {
            let raw = parse_object("question_guide_json", g)?;
            write!(body, ",\"questionGuide\":{}", raw.get().trim()).ok();
        }
        body.push('}');
        self.call_envelope(post("/api/core/ai/agent/v2/createQuestionGuide", None, &body), cancel)
    }

    pub fn get_app_logs_chart(&self, app_id: &str, date_start: &str, date_end: &str, options_json: Option<&str>, cancel: Option<&CancelToken>) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let mut members: Vec<(String, Box<RawValue>)> = [
            ("offset", "1"),
            ("source", "[\"api\"]"),
            ("userTimespan", "\"day\""),
            ("chatTimespan", "\"day\""),
            ("appTimespan", "\"day\""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), RawValue::from_string(v.to_string()).expect("valid JSON")))
        .collect();
        if let Some(o) = options_json {
            for (k, v) in object_members("options_json", o)? {
                match members.iter_mut().find(|(mk, _)| *mk == k) {
                    Some(slot) => slot.1 = v,
                    None => members.push((k, v)),
                }
            }
        }
        members.retain(|(k, _)| !matches!(k.as_str(), "appId" | "dateStart" | "dateEnd"));
        let mut body = format!("{{\"appId\":{},\"dateStart\":{},\"dateEnd\":{}", json!(app_id), json!(date_start), json!(date_end));
        for (k, v) in &members {
            write!(body, ",{}:{}", json!(k), v.get()).ok();
        }
        body.push('}');
        self.call_envelope(post("/api/proApi/core/app/logs/getChartData", None, &body), cancel)
    }

    /// `fastgpt_request`: any other endpoint.
    pub fn request(&self, method: &str, path: &str, query_json: Option<&str>, body_json: Option<&str>, cancel: Option<&CancelToken>) -> Result<String, Error> {
        let method: &'static str = match method {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            other => return Err(Error::invalid(format!("method must be GET, POST, PUT or DELETE, not \"{other}\""))),
        };
        let mut path_and_query = checked_request_path(path)?;
        if let Some(q) = query_json {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (k, raw) in object_members("query_json", q)? {
                let v: Value = serde_json::from_str(raw.get()).map_err(|e| Error::invalid(e.to_string()))?;
                let text = match v {
                    Value::Null => continue,
                    Value::String(s) => s,
                    Value::Bool(b) => b.to_string(),
                    // A number is sent as its JSON text, as written (no float round trip).
                    Value::Number(_) => raw.get().trim().to_string(),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(Error::invalid(format!("query_json member \"{k}\" must be a string, number, boolean or null")))
                    }
                };
                pairs.push((k, text));
            }
            if !pairs.is_empty() {
                path_and_query.push('?');
                path_and_query.push_str(&query_string(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))));
            }
        }
        if let Some(b) = body_json {
            serde_json::from_str::<serde::de::IgnoredAny>(b)
                .map_err(|e| Error::invalid(format!("body_json is not valid JSON: {e}")))?;
        }
        let req = Request::api(method, path_and_query, body_json.map(str::as_bytes), Kind::Generic);
        let mut attempts = 0;
        match self.http.send(&req, cancel, &mut attempts)? {
            Answer::Whole(s) => Ok(s),
            Answer::Stream(_) => unreachable!("generic requests are read whole"),
        }
    }

    /// `fastgpt_create_chat_completion`.
    pub fn create_chat_completion(&self, request_json: &str, cancel: Option<&CancelToken>) -> Result<String, Error> {
        let prepared = prepare_completion(request_json, false)?;
        let req = Request::api("POST", self.options().completions_path.to_string(), Some(prepared.body.as_bytes()), Kind::Completion);
        let mut attempts = 0;
        match self.http.send(&req, cancel, &mut attempts)? {
            Answer::Whole(s) => Ok(s),
            Answer::Stream(_) => unreachable!("non-streaming completions are read whole"),
        }
    }

    /// Sends a streaming completion and returns once the response head was classified.
    pub fn open_stream(&self, request_json: &str, cancel: Option<&CancelToken>) -> Result<StreamSession, Error> {
        let prepared = prepare_completion(request_json, true)?;
        let req = Request::api("POST", self.options().completions_path.to_string(), Some(prepared.body.as_bytes()), Kind::Stream);
        let mut attempts = 0;
        let acc = Accumulator::new(prepared.chat_id, prepared.response_chat_item_id, self.options().max_response_bytes);
        match self.http.send(&req, cancel, &mut attempts) {
            Ok(Answer::Stream(open)) => Ok(StreamSession::new(*open, cancel.cloned(), acc, self.options().max_event_bytes, self.secrets.clone())),
            Ok(Answer::Whole(_)) => unreachable!("a JSON answer to a stream request is never a success"),
            Err(mut e) => {
                e.partial = Some(acc.to_value());
                Err(e)
            }
        }
    }

    /// `fastgpt_create_chat_completion_stream`: `on_event` returns false to abort.
    pub fn stream_with(&self, request_json: &str, cancel: Option<&CancelToken>, mut on_event: impl FnMut(&EventView) -> bool) -> Result<String, Error> {
        let mut session = self.open_stream(request_json, cancel)?;
        loop {
            match session.next_event() {
                Ok(Some(ev)) => {
                    let go_on = on_event(&ev);
                    if !go_on && !ev.is_error() {
                        let mut e = Error::new(FASTGPT_E_ABORTED, "the stream callback returned non-zero");
                        e.partial = Some(session.result());
                        return Err(session.annotate(e));
                    }
                }
                Ok(None) => return Ok(session.result_json()),
                Err(e) => return Err(e),
            }
        }
    }
}

fn carries_envelope(r: &Result<String, Error>) -> bool {
    match r {
        Ok(_) => true,
        Err(e) => e.api_code.is_some(),
    }
}

pub(crate) fn post<'a>(current: &'static str, legacy: Option<&'static str>, body: &'a str) -> Endpoint<'a> {
    Endpoint { method: "POST", current, legacy, query: None, body: Some(body.as_bytes()) }
}

fn query(method: &'static str, current: &'static str, legacy: Option<&'static str>, q: String) -> Endpoint<'static> {
    Endpoint { method, current, legacy, query: Some(q), body: None }
}

/// Required ids: non-empty, no control characters.
pub(crate) fn check_id(name: &str, v: &str) -> Result<(), Error> {
    if v.is_empty() {
        return Err(Error::invalid(format!("{name} must not be empty")));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(format!("{name} must not contain control characters")));
    }
    Ok(())
}

fn check_paging(offset: i32, page_size: i32) -> Result<(), Error> {
    if offset < 0 {
        return Err(Error::invalid(format!("offset must be >= 0, not {offset}")));
    }
    if page_size < 1 {
        return Err(Error::invalid(format!("page_size must be >= 1, not {page_size}")));
    }
    Ok(())
}

fn parse_object<'a>(what: &str, text: &'a str) -> Result<&'a RawValue, Error> {
    let raw: &RawValue = serde_json::from_str(text).map_err(|e| Error::invalid(format!("{what} is not valid JSON: {e}")))?;
    if !raw.get().trim_start().starts_with('{') {
        return Err(Error::invalid(format!("{what} must be a JSON object")));
    }
    Ok(raw)
}

/// The members of a JSON object, in order, with their values as written.
fn object_members(what: &str, text: &str) -> Result<Vec<(String, Box<RawValue>)>, Error> {
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Box<RawValue>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let members = de
        .deserialize_map(Members)
        .and_then(|m| de.end().map(|_| m))
        .map_err(|e| Error::invalid(format!("{what} must be a JSON object: {e}")))?;
    Ok(members)
}

/// A completion body ready to send.
pub struct PreparedCompletion {
    pub body: String,
    pub chat_id: Option<String>,
    pub response_chat_item_id: String,
}

/// Sets `stream` and adds a `responseChatItemId` when there is no string one; every other
/// member is copied as written (§5).
pub fn prepare_completion(request_json: &str, stream: bool) -> Result<PreparedCompletion, Error> {
    let members = object_members("request_json", request_json)?;
    let string_member = |name: &str| {
        members
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| serde_json::from_str::<Value>(v.get()).ok())
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let chat_id = string_member("chatId");
    let given_id = string_member("responseChatItemId");
    let response_chat_item_id = given_id.clone().unwrap_or_else(|| crate::random::alphanumeric_id(24));
    let mut body = String::with_capacity(request_json.len() + 64);
    body.push('{');
    let mut first = true;
    let mut sep = |body: &mut String| {
        if !first {
            body.push(',');
        }
        first = false;
    };
    for (k, v) in &members {
        if k == "stream" || (given_id.is_none() && k == "responseChatItemId") {
            continue;
        }
        sep(&mut body);
        write!(body, "{}:{}", json!(k), v.get()).ok();
    }
    sep(&mut body);
    write!(body, "\"stream\":{stream}").ok();
    if given_id.is_none() {
        write!(body, ",\"responseChatItemId\":{}", json!(response_chat_item_id)).ok();
    }
    body.push('}');
    Ok(PreparedCompletion { body, chat_id, response_chat_item_id })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_body_keeps_members_as_written() {
        let p = prepare_completion(r#"{"messages":[{"role":"user","content":"hi"}],"big":12345678901234567890123,"stream":false,"chatId":"c1"}"#, true).unwrap();
        assert!(p.body.starts_with(r#"{"messages":[{"role":"user","content":"hi"}],"big":12345678901234567890123,"chatId":"c1","stream":true,"responseChatItemId":""#));
        assert_eq!(p.chat_id.as_deref(), Some("c1"));
        assert_eq!(p.response_chat_item_id.len(), 24);
        let v: Value = serde_json::from_str(&p.body).unwrap();
        assert_eq!(v["responseChatItemId"], p.response_chat_item_id.as_str());
        let p = prepare_completion(r#"{"responseChatItemId":"mine","messages":[]}"#, false).unwrap();
        assert_eq!(p.body, r#"{"responseChatItemId":"mine","messages":[],"stream":false}"#);
        assert_eq!(p.chat_id, None);
        // A non-string id is replaced by a generated one.
        let p = prepare_completion(r#"{"responseChatItemId":5}"#, false).unwrap();
        assert!(!p.body.contains(":5"));
        for bad in ["[]", "\"x\"", "{", "{} x", ""] {
            assert!(prepare_completion(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn object_members_rejects_non_objects() {
        assert_eq!(object_members("q", r#"{"a":1,"b":"x"}"#).unwrap().len(), 2);
        assert!(object_members("q", "[1]").is_err());
        assert!(object_members("q", "{\"a\":1} trailing").is_err());
    }
}
