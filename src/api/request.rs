//! `fastgpt_request`: a call to any other FastGPT endpoint, with a checked path and query.

use crate::api::body::object_members;
use crate::api::Client;
use crate::error::Error;
use crate::http::url::checked_request_path;
use crate::http::url::query_string;
use crate::http::{Kind, Request};
use crate::transport::cancel::CancelToken;
use serde_json::Value;

impl Client {
    /// `fastgpt_request`: any other endpoint; `query_json` members become the query string,
    /// `body_json` is sent as written.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        query_json: Option<&str>,
        body_json: Option<&str>,
        cancel: Option<&CancelToken>,
    ) -> Result<String, Error> {
        let method: &'static str = match method {
            "GET" => "GET",
            "POST" => "POST",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            other => {
                return Err(Error::invalid(format!(
                    "method must be GET, POST, PUT or DELETE, not \"{other}\""
                )))
            }
        };
        let mut path_and_query = checked_request_path(path)?;
        if let Some(q) = query_json {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (k, raw) in object_members("query_json", q)? {
                let v: Value =
                    serde_json::from_str(raw.get()).map_err(|e| Error::invalid(e.to_string()))?;
                let text = match v {
                    Value::Null => continue,
                    Value::String(s) => s,
                    Value::Bool(b) => b.to_string(),
                    // A number is sent as its JSON text, as written (no float round trip).
                    Value::Number(_) => raw.get().trim().to_string(),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(Error::invalid(format!(
                            "query_json member \"{k}\" must be a string, number, boolean or null"
                        )))
                    }
                };
                pairs.push((k, text));
            }
            if !pairs.is_empty() {
                path_and_query.push('?');
                path_and_query.push_str(&query_string(
                    pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
                ));
            }
        }
        if let Some(b) = body_json {
            serde_json::from_str::<serde::de::IgnoredAny>(b)
                .map_err(|e| Error::invalid(format!("body_json is not valid JSON: {e}")))?;
        }
        let req = Request::api(
            method,
            path_and_query,
            body_json.map(str::as_bytes),
            Kind::Generic,
        );
        let mut attempts = 0;
        self.http().fetch(&req, cancel, &mut attempts)
    }
}
