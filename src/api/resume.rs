//! Stream resume (FastGPT ≥ 4.14.11): `GET /api/core/chat/resume` picks up the stream of a
//! chat whose client went away, for rounds started by a v2 streaming completion with
//! `x-fastgpt-stream-resume: 1` (the `stream_resume` option).
//!
//! The answer is an ordinary event stream with four events of its own, each delivered like
//! any other: `resumePhase` (`catchup`, then `live`; plain words), `resumeUnavailable`
//! (`{"reason"}`: FastGPT could not mirror the round), `resumeCompleted` (the chat's final
//! state, when it is not generating any more) and `done` / `[DONE]`. The catch-up phase
//! replays the mirrored round from its start, so the accumulated result is the whole
//! round's; [`ResumeStream`] adds what the resume events said (`"resume"` in the result:
//! the last phase, whether the round had completed, why no replay was available, and the
//! final records that `resumeCompleted` carried).

use serde_json::{json, Value};

use crate::api::args::check_id;
use crate::api::Client;
use crate::error::Error;
use crate::http::url::query_string;
use crate::http::{Kind, Request};
use crate::stream::accumulate::Accumulator;
use crate::stream::{EventView, StreamSession};
use crate::transport::cancel::CancelToken;

/// What the resume events of a stream said so far.
#[derive(Debug, Default, Clone)]
struct ResumeState {
    /// The data of the last `resumePhase` event.
    phase: Option<String>,
    /// A `resumeCompleted` event arrived.
    completed: bool,
    /// The `reason` of a `resumeUnavailable` event (its data when it has none).
    unavailable_reason: Option<String>,
    /// The `dataId` of the last AI record of `resumeCompleted`'s records.
    last_ai_data_id: Option<String>,
    /// `resumeCompleted`'s `records` (`{list, total, hasMorePrev, hasMoreNext}`): the chat's
    /// final state, which FastGPT says to trust over a replay.
    records: Option<Value>,
}

impl ResumeState {
    fn observe(&mut self, name: &str, data: &str) {
        match name {
            "resumePhase" => self.phase = Some(data.trim().to_string()),
            "resumeUnavailable" => {
                let reason = serde_json::from_str::<Value>(data)
                    .ok()
                    .and_then(|v| v.get("reason").and_then(Value::as_str).map(str::to_string));
                self.unavailable_reason = Some(reason.unwrap_or_else(|| data.to_string()));
            }
            "resumeCompleted" => {
                self.completed = true;
                let state = serde_json::from_str::<Value>(data).ok();
                self.last_ai_data_id = state.as_ref().and_then(last_ai_data_id);
                self.records = state.and_then(|mut v| v.get_mut("records").map(Value::take));
            }
            _ => {}
        }
    }

    /// The result with `"resume"` added; `response_chat_item_id` is the round's AI record
    /// when `resumeCompleted` named it, else null (a resume does not know it).
    fn complete(&self, result: Value) -> Value {
        let Value::Object(mut o) = result else {
            return result;
        };
        let id = self
            .last_ai_data_id
            .clone()
            .map_or(Value::Null, Value::String);
        o.insert("response_chat_item_id".into(), id);
        o.insert(
            "resume".into(),
            json!({
                "phase": self.phase,
                "completed": self.completed,
                "unavailable_reason": self.unavailable_reason,
                "records": self.records,
            }),
        );
        Value::Object(o)
    }
}

/// The `dataId` (or `id`) of the last AI item of `records.list` in a `resumeCompleted`
/// payload.
fn last_ai_data_id(state: &Value) -> Option<String> {
    let list = state.get("records")?.get("list")?.as_array()?;
    list.iter()
        .rev()
        .find(|item| item.get("obj").and_then(Value::as_str) == Some("AI"))
        .and_then(|item| item.get("dataId").or_else(|| item.get("id")))
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// A resumed stream: the session that reads it, and the resume events seen.
pub struct ResumeStream {
    session: StreamSession,
    state: ResumeState,
}

impl ResumeStream {
    /// The next event, as [`StreamSession::next_event`]; an error's `partial` carries the
    /// `"resume"` member too.
    pub fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error> {
        match self.session.next_event() {
            Ok(Some(ev)) => {
                self.state.observe(ev.name.as_str(), ev.data.as_str());
                Ok(Some(ev))
            }
            Ok(None) => Ok(None),
            Err(mut e) => {
                e.partial = e.partial.map(|p| self.state.complete(p));
                Err(e)
            }
        }
    }

    /// The accumulated result so far (§6 shape) with `"resume"`.
    pub fn result(&self) -> Value {
        self.state.complete(self.session.result())
    }

    /// The same as JSON text.
    pub fn result_json(&self) -> String {
        self.result().to_string()
    }

    /// Ends the stream early (the caller stopped it) and fills the error's request fields.
    pub fn annotate(&mut self, e: Error) -> Error {
        self.session.annotate(e)
    }
}

impl crate::stream::session::EventSource for ResumeStream {
    fn next_event(&mut self) -> Result<Option<EventView<'_>>, Error> {
        ResumeStream::next_event(self)
    }
    fn result(&self) -> Value {
        ResumeStream::result(self)
    }
    fn result_json(&self) -> String {
        ResumeStream::result_json(self)
    }
    fn annotate(&mut self, e: Error) -> Error {
        ResumeStream::annotate(self, e)
    }
}

impl Client {
    /// `fastgpt_stream_resume_open`: sends the resume request and returns once the response
    /// head was classified.
    pub fn open_resume_stream(
        &self,
        app_id: &str,
        chat_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<ResumeStream, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id)]);
        let mut req = Request::api(
            "GET",
            format!("/api/core/chat/resume?{q}"),
            None,
            Kind::Stream,
        );
        req.headers
            .push(("Accept".to_string(), "text/event-stream".to_string()));
        let acc = Accumulator::new(
            Some(chat_id.to_string()),
            String::new(),
            self.options().max_response_bytes,
        );
        let state = ResumeState::default();
        let mut attempts = 0;
        match self.http().open_stream(&req, cancel, &mut attempts) {
            Ok(open) => Ok(ResumeStream {
                session: StreamSession::new(
                    open,
                    cancel.cloned(),
                    acc,
                    self.options().max_event_bytes,
                    self.http().secrets().clone(),
                ),
                state,
            }),
            Err(mut e) => {
                e.partial = Some(state.complete(acc.to_value()));
                Err(e)
            }
        }
    }

    /// `fastgpt_resume_chat_completion_stream`: `on_event` returns false to abort.
    pub fn resume_stream_with(
        &self,
        app_id: &str,
        chat_id: &str,
        cancel: Option<&CancelToken>,
        on_event: impl FnMut(&EventView) -> bool,
    ) -> Result<String, Error> {
        let stream = self.open_resume_stream(app_id, chat_id, cancel)?;
        crate::stream::session::drive(stream, on_event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resume_events_fill_the_resume_member() {
        let mut s = ResumeState::default();
        let base = json!({"answer": "a", "response_chat_item_id": ""});
        let r = s.complete(base.clone());
        assert_eq!(
            r["resume"],
            json!({"phase": null, "completed": false, "unavailable_reason": null, "records": null})
        );
        assert_eq!(r["response_chat_item_id"], Value::Null);
        s.observe("resumePhase", "catchup");
        s.observe("answer", "{}");
        s.observe("resumePhase", "live");
        assert_eq!(s.complete(base.clone())["resume"]["phase"], "live");
        s.observe("resumeUnavailable", r#"{"reason":"memoryPressure"}"#);
        s.observe(
            "resumeCompleted",
            r#"{"chatGenerateStatus":1,"hasBeenRead":true,"records":{"list":[{"obj":"Human","dataId":"h"},{"obj":"AI","dataId":"ai1","id":"ai1"}],"total":2}}"#,
        );
        let r = s.complete(base);
        assert_eq!(r["resume"]["completed"], true);
        assert_eq!(r["resume"]["unavailable_reason"], "memoryPressure");
        assert_eq!(r["response_chat_item_id"], "ai1");
        assert_eq!(r["resume"]["records"]["total"], 2);
        assert_eq!(r["resume"]["records"]["list"][1]["dataId"], "ai1");
        assert_eq!(r["answer"], "a");
        // A reason that is not JSON is kept as sent.
        let mut odd = ResumeState::default();
        odd.observe("resumeUnavailable", "busy");
        assert_eq!(odd.unavailable_reason.as_deref(), Some("busy"));
    }
}
