//! The records (messages) of one chat: paged list, cursor-paged list (v2), one record's
//! detail, delete (§5).

use crate::api::args::{check_id, check_paging};
use crate::api::body::{pass_through, JsonObject};
use crate::api::paths::{post, query};
use crate::api::Client;
use crate::error::Error;
use crate::http::url::query_string;
use crate::transport::cancel::CancelToken;

impl Client {
    /// `fastgpt_get_chat_records`: one page of a chat's records.
    pub fn get_chat_records(
        &self,
        app_id: &str,
        chat_id: &str,
        offset: i32,
        page_size: i32,
        load_custom_feedbacks: bool,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_paging(offset, page_size)?;
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .int("offset", offset.into())
            .int("pageSize", page_size.into());
        if load_custom_feedbacks {
            body = body.bool("loadCustomFeedbacks", true);
        }
        let body = body.finish();
        self.call_envelope(
            post(
                "/api/core/chat/record/getPaginationRecords",
                Some("/api/core/chat/getPaginationRecords"),
                &body,
            ),
            cancel,
        )
    }

    /// `fastgpt_get_record_detail`: the node responses of one record.
    pub fn get_record_detail(
        &self,
        app_id: &str,
        chat_id: &str,
        data_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("data_id", data_id)?;
        let q = query_string([("appId", app_id), ("chatId", chat_id), ("dataId", data_id)]);
        self.call_envelope(
            query(
                "GET",
                "/api/core/chat/record/getResData",
                Some("/api/core/chat/getResData"),
                q,
            ),
            cancel,
        )
    }

    /// `fastgpt_delete_chat_record`: deletes one record of a chat (legacy: `POST
    /// item/delete` with the ids in the query and in a JSON body).
    pub fn delete_chat_record(
        &self,
        app_id: &str,
        chat_id: &str,
        content_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_id("content_id", content_id)?;
        let q = query_string([
            ("appId", app_id),
            ("chatId", chat_id),
            ("contentId", content_id),
        ]);
        // The legacy item/delete carries the ids in the query and in a JSON body: FastGPT
        // 4.8.12-4.13 read the query, 4.14.0-4.14.10 the body.
        let body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .str("contentId", content_id)
            .finish();
        let ep = query(
            "DELETE",
            "/api/core/chat/record/delete",
            Some("/api/core/chat/item/delete"),
            q,
        )
        .legacy_as("POST", Some(body.as_bytes()));
        self.call_envelope(ep, cancel)
    }

    /// `fastgpt_get_chat_records_v2`: cursor paging of a chat's records; `options_json`
    /// members (`prevId`, `nextId`, `initialId`, `loadCustomFeedbacks`, `includeDeleted`,
    /// `type`, ...) are passed through.
    pub fn get_chat_records_v2(
        &self,
        app_id: &str,
        chat_id: &str,
        page_size: i32,
        options_json: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_id("chat_id", chat_id)?;
        check_paging(0, page_size)?;
        let body = JsonObject::new()
            .str("appId", app_id)
            .str("chatId", chat_id)
            .int("pageSize", page_size.into());
        let body = pass_through(body, options_json, &["appId", "chatId", "pageSize"])?.finish();
        self.call_envelope(
            post(
                "/api/core/chat/record/getRecords_v2",
                Some("/api/core/chat/getRecords_v2"),
                &body,
            ),
            cancel,
        )
    }
}
