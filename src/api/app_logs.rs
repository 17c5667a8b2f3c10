//! App logs: the chart data, the totals and the list of an app's chat logs (§5).

use crate::api::args::{check_id, check_paging};
use crate::api::body::{object_members, pass_through, JsonObject};
use crate::api::paths::{post, query};
use crate::api::Client;
use crate::error::Error;
use crate::http::url::query_string;
use crate::transport::cancel::CancelToken;
use serde_json::value::RawValue;

impl Client {
    /// `fastgpt_get_app_logs_chart`: the chart data of the app's logs between two dates;
    /// `options_json` members override the defaults (`offset`, `source`, the timespans).
    pub fn get_app_logs_chart(
        &self,
        app_id: &str,
        date_start: &str,
        date_end: &str,
        options_json: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let mut members: Vec<(String, Box<RawValue>)> = [
            ("offset", "1"),
            ("source", "[\"api\"]"),
            ("userTimespan", "\"day\""),
            ("chatTimespan", "\"day\""),
            ("appTimespan", "\"day\""),
        ]
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                RawValue::from_string(v.to_string()).expect("valid JSON"),
            )
        })
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
        let mut body = JsonObject::new()
            .str("appId", app_id)
            .str("dateStart", date_start)
            .str("dateEnd", date_end);
        for (k, v) in &members {
            body = body.raw(k, v.get());
        }
        let body = body.finish();
        self.call_envelope(
            post("/api/proApi/core/app/logs/getChartData", None, &body),
            cancel,
        )
    }

    /// `fastgpt_get_app_logs_total` (commercial edition): `{totalUsers, totalChats,
    /// totalPoints}` of the app.
    pub fn get_app_logs_total(
        &self,
        app_id: &str,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        let q = query_string([("appId", app_id)]);
        self.call_envelope(
            query("GET", "/api/proApi/core/app/logs/getTotalData", None, q),
            cancel,
        )
    }

    /// `fastgpt_get_app_logs`: one page of the app's chat logs between two dates;
    /// `options_json` members (`sources`, `tmbIds`, `chatSearch`, `feedbackType`,
    /// `unreadOnly`, `errorFilter`, ...) are passed through.
    // The parameters of `fastgpt_get_app_logs`, one for one.
    #[allow(clippy::too_many_arguments)]
    pub fn get_app_logs(
        &self,
        app_id: &str,
        date_start: &str,
        date_end: &str,
        offset: i32,
        page_size: i32,
        options_json: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        check_id("app_id", app_id)?;
        check_paging(offset, page_size)?;
        let body = JsonObject::new()
            .str("appId", app_id)
            .str("dateStart", date_start)
            .str("dateEnd", date_end)
            .int("offset", offset.into())
            .int("pageSize", page_size.into());
        let body = pass_through(
            body,
            options_json,
            &["appId", "dateStart", "dateEnd", "offset", "pageSize"],
        )?
        .finish();
        self.call_envelope(post("/api/core/app/logs/list", None, &body), cancel)
    }
}
