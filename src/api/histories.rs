//! Chat histories (conversations) of an app: list, init, rename or pin, delete, clear, and
//! (FastGPT 4.14.5+) generation status, read marks and batch delete (§5).

use crate::api::args::{chat_id_list, check_id, check_paging};
use crate::api::body::JsonObject;
use crate::api::paths::{post, query};
use crate::api::Client;
use crate::error::Error;
use crate::http::url::query_string;
use crate::transport::cancel::CancelToken;

impl Client {
    /// `fastgpt_get_chat_histories`: one page of the app's chats (`source` defaults to
    /// `"api"`; an empty `source` sends none).
    pub fn get_chat_histories(
        &self,
        app_id: &str,
        offset: i32,
        page_size: i32,
        source: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_paging(offset, page_size)?;
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .int("offset", offset.into())
            .int("pageSize", page_size.into());
        match source {
            None => body = body.str("source", "api"),
            Some("") => {}
            Some(s) => body = body.str("source", s),
        }
        let body = body.finish();
        self.call_envelope(
            post(
                "/api/core/chat/history/getHistories",
                Some("/api/core/chat/getHistories"),
                &body,
            ),
            cancel,
        )
    }

    /// `fastgpt_get_chat_init`: the app and chat configuration a chat window opens with.
    pub fn get_chat_init(
        &self,
        app_id: &str,
        chat_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id)]);
        self.call_envelope(query("GET", "/api/core/chat/init", None, q), cancel)
    }

    /// `fastgpt_update_chat_history`: renames (`custom_title`) and/or pins (`top`: 1 pin,
    /// 0 unpin, -1 leave) a chat.
    pub fn update_chat_history(
        &self,
        app_id: &str,
        chat_id: &str,
        custom_title: Option<&str>,
        top: i32,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        if !(-1..=1).contains(&top) {
            return Err(Error::invalid(format!(
                "top must be -1 (leave), 0 (unpin) or 1 (pin), not {top}"
            )));
        }
        if custom_title.is_none() && top == -1 {
            return Err(Error::invalid(
                "nothing to update: custom_title is NULL and top is -1",
            ));
        }
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id);
        if let Some(t) = custom_title {
            body = body.str("customTitle", t);
        }
        if top >= 0 {
            body = body.bool("top", top == 1);
        }
        let body = body.finish();
        let mut ep = post(
            "/api/core/chat/history/updateHistory",
            Some("/api/core/chat/updateHistory"),
            &body,
        );
        ep.method = "PUT";
        self.call_envelope(ep, cancel)
    }

    /// `fastgpt_delete_chat_history`: deletes one chat.
    pub fn delete_chat_history(
        &self,
        app_id: &str,
        chat_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id)]);
        self.call_envelope(
            query(
                "DELETE",
                "/api/core/chat/history/delHistory",
                Some("/api/core/chat/delHistory"),
                q,
            ),
            cancel,
        )
    }

    /// `fastgpt_clear_chat_histories`: deletes every chat of the app made through the API.
    pub fn clear_chat_histories(
        &self,
        app_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let q = query_string([("appId", app_id)]);
        self.call_envelope(
            query(
                "DELETE",
                "/api/core/chat/history/clearHistories",
                Some("/api/core/chat/clearHistories"),
                q,
            ),
            cancel,
        )
    }

    /// `fastgpt_get_history_status`: the generation status and read mark of up to 200
    /// chats (`chat_ids_json`: a JSON array of 1 to 200 non-empty strings).
    pub fn get_history_status(
        &self,
        app_id: &str,
        chat_ids_json: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let chat_ids = chat_id_list(chat_ids_json, 200)?;
        let body = JsonObject::new()
            .str("appId", app_id)
            .raw("chatIds", &chat_ids)
            .finish();
        self.call_envelope(
            post("/api/core/chat/history/getHistoryStatus", None, &body),
            cancel,
        )
    }

    /// `fastgpt_mark_chat_read`: marks a chat read (FastGPT also moves it to the top of the
    /// history list).
    pub fn mark_chat_read(
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
        self.call_envelope(post("/api/core/chat/history/markRead", None, &body), cancel)
    }

    /// `fastgpt_delete_chat_histories`: deletes the chats of `chat_ids_json` (a JSON array
    /// of at least one non-empty string) for good.
    pub fn delete_chat_histories(
        &self,
        app_id: &str,
        chat_ids_json: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let chat_ids = chat_id_list(chat_ids_json, usize::MAX)?;
        let body = JsonObject::new()
            .str("appId", app_id)
            .raw("chatIds", &chat_ids)
            .finish();
        self.call_envelope(
            post("/api/core/chat/history/batchDelete", None, &body),
            cancel,
        )
    }
}
