//! The records (messages) of one chat: paged list, one record's detail, delete (§5).

use crate::api::args::{check_id, check_paging};
use crate::api::body::JsonObject;
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
    /// `fastgpt_delete_chat_record`: deletes one record of a chat.
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
        self.call_envelope(
            query(
                "DELETE",
                "/api/core/chat/record/delete",
                Some("/api/core/chat/item/delete"),
                q,
            ),
            cancel,
        )
    }
}
