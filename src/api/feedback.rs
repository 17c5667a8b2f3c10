//! Feedback on a record and the suggested follow-up questions (§5).

use crate::api::args::check_id;
use crate::api::body::{parse_object, JsonObject};
use crate::api::paths::post;
use crate::api::Client;
use crate::error::Error;
use crate::transport::cancel::CancelToken;

impl Client {
    /// `fastgpt_send_feedback`: sets (a string) or clears (`None`) the good and bad feedback
    /// of a record.
    pub fn send_feedback(
        &self,
        app_id: &str,
        chat_id: &str,
        data_id: &str,
        good: Option<&str>,
        bad: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("data_id", data_id)?;
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .str("dataId", data_id);
        if let Some(g) = good {
            body = body.str("userGoodFeedback", g);
        }
        if let Some(b) = bad {
            body = body.str("userBadFeedback", b);
        }
        let body = body.finish();
        self.call_envelope(
            post("/api/core/chat/feedback/updateUserFeedback", None, &body),
            cancel,
        )
    }

    /// `fastgpt_get_suggested_questions`: follow-up questions for a chat, with an optional
    /// `questionGuide` object copied as written.
    pub fn get_suggested_questions(
        &self,
        app_id: &str,
        chat_id: &str,
        question_guide_json: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id);
        if let Some(g) = question_guide_json {
            let raw = parse_object("question_guide_json", g)?;
            body = body.raw("questionGuide", raw.get().trim());
        }
        let body = body.finish();
        self.call_envelope(
            post("/api/core/ai/agent/v2/createQuestionGuide", None, &body),
            cancel,
        )
    }
}
