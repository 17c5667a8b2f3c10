//! Chat completions (§5): the request body as sent, the whole answer, and the stream.

use crate::api::args::check_id;
use crate::api::body::{object_members, JsonObject};
use crate::api::paths::post;
use crate::api::Client;
use crate::error::Error;
use crate::http::{Kind, Request};
use crate::stream::accumulate::Accumulator;
use crate::stream::{EventView, StreamSession};
use crate::transport::cancel::CancelToken;
use serde_json::Value;

impl Client {
    /// `fastgpt_create_chat_completion`: sends `request_json` with `stream: false` and
    /// returns the completion object.
    pub fn create_chat_completion(
        &self,
        request_json: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let prepared = prepare_completion(request_json, false)?;
        let req = Request::api(
            "POST",
            self.options().completions_path.to_string(),
            Some(prepared.body.as_bytes()),
            Kind::Completion,
        );
        let mut attempts = 0;
        self.http().fetch(&req, cancel, &mut attempts)
    }

    /// Sends a streaming completion and returns once the response head was classified.
    pub fn open_stream(
        &self,
        request_json: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<StreamSession, Error> {
        let prepared = prepare_completion(request_json, true)?;
        let mut req = Request::api(
            "POST",
            self.options().completions_path.to_string(),
            Some(prepared.body.as_bytes()),
            Kind::Stream,
        );
        if self.options().stream_resume {
            // FastGPT (4.14.11+, v2) then mirrors the stream for core/chat/resume.
            req.headers
                .push(("x-fastgpt-stream-resume".to_string(), "1".to_string()));
        }
        let mut attempts = 0;
        let acc = Accumulator::new(
            prepared.chat_id,
            prepared.response_chat_item_id,
            self.options().max_response_bytes,
        );
        match self.http().open_stream(&req, cancel, &mut attempts) {
            Ok(open) => Ok(StreamSession::new(
                open,
                cancel.cloned(),
                acc,
                self.options().max_event_bytes,
                self.http().secrets().clone(),
            )),
            Err(mut e) => {
                e.partial = Some(acc.to_value());
                Err(e)
            }
        }
    }

    /// `fastgpt_create_chat_completion_stream`: `on_event` returns false to abort.
    pub fn stream_with(
        &self,
        request_json: &str,
        cancel: Option<&CancelToken>,
        on_event: impl FnMut(&EventView) -> bool,
    ) -> Result<String, Error> {
        crate::stream::session::drive(self.open_stream(request_json, cancel)?, on_event)
    }

    /// `fastgpt_stop_chat_completion`: stops the running generation of a chat (v2 runs
    /// poll the stop flag; v1 runs stop only when their client disconnects).
    pub fn stop_chat_completion(
        &self,
        app_id: &str,
        chat_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .finish();
        self.call_envelope(post("/api/v2/chat/stop", None, &body), cancel)
    }
}

/// A completion body ready to send.
pub struct PreparedCompletion {
    /// The JSON body to send.
    pub body: String,
    /// The request's string `chatId`, if any.
    pub chat_id: Option<String>,
    /// The request's string `responseChatItemId`, or the one generated for it.
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
    let response_chat_item_id = given_id
        .clone()
        .unwrap_or_else(|| crate::util::random::alphanumeric_id(24));
    let mut body = JsonObject::with_capacity(request_json.len() + 64);
    for (k, v) in &members {
        if k == "stream" || (given_id.is_none() && k == "responseChatItemId") {
            continue;
        }
        body = body.raw(k, v.get());
    }
    body = body.bool("stream", stream);
    if given_id.is_none() {
        body = body.str("responseChatItemId", &response_chat_item_id);
    }
    let body = body.finish();
    Ok(PreparedCompletion {
        body,
        chat_id,
        response_chat_item_id,
    })
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
        let p =
            prepare_completion(r#"{"responseChatItemId":"mine","messages":[]}"#, false).unwrap();
        assert_eq!(
            p.body,
            r#"{"responseChatItemId":"mine","messages":[],"stream":false}"#
        );
        assert_eq!(p.chat_id, None);
        // A non-string id is replaced by a generated one.
        let p = prepare_completion(r#"{"responseChatItemId":5}"#, false).unwrap();
        assert!(!p.body.contains(":5"));
        for bad in ["[]", "\"x\"", "{", "{} x", ""] {
            assert!(prepare_completion(bad, false).is_err(), "{bad}");
        }
    }
}
