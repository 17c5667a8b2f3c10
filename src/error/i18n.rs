//! FastGPT's error message keys in English (contract §3, `message` and `message_key`).
//!
//! From FastGPT 4.8.9 on, a known error's `message` is an untranslated i18n key such as
//! `common:code_error.error_message.514`; FastGPT's web client looks it up in its own
//! catalogue (`packages/web/i18n/en/common.json`). This table is that catalogue for the
//! errors an API-key client meets, with the `statusText` each one is sent with. Codes of
//! error families have moved between releases, so a key the table lacks is looked up by its
//! `statusText` instead.

/// One catalogue entry: the `statusText`, the message key and its English text.
struct Entry {
    status_text: &'static str,
    key: &'static str,
    text: &'static str,
}

const fn e(status_text: &'static str, key: &'static str, text: &'static str) -> Entry {
    Entry {
        status_text,
        key,
        text,
    }
}

/// FastGPT's `ERROR_RESPONSE` entries and their English texts (FastGPT 4.16.1).
const CATALOGUE: &[Entry] = &[
    e("unAuthorization", "common:code_error.error_message.403", "Credential Error"),
    e("unAuthApiKey", "common:code_error.error_message.514", "Invalid API Key"),
    e(
        "insufficientQuota",
        "common:code_error.error_message.510",
        "Insufficient Account Balance",
    ),
    e(
        "unAuthModel",
        "common:code_error.error_message.511",
        "You do not have permission to use this model",
    ),
    e("tooManyRequest", "common:error.too_many_request", "Too many request"),
    e(
        "uploadFileIntervalLimit",
        "common:error.upload_file_interval_limit",
        "Too many uploads in a short time or the current round limit was reached. Please try again later.",
    ),
    e("unAuthFile", "common:error.unAuthFile", "Unauthorized to read this file"),
    e("appUnExist", "common:code_error.app_error.not_exist", "App Does Not Exist"),
    e(
        "unAuthApp",
        "common:code_error.app_error.un_auth_app",
        "Unauthorized to Operate This App",
    ),
    e(
        "unAuthChat",
        "common:code_error.chat_error.un_auth",
        "You do not have permission to modify this Chat record",
    ),
    e(
        "chatIsGenerating",
        "common:code_error.chat_error.chat_generating",
        "This chat is still generating. Please wait until it finishes before sending another request.",
    ),
    e(
        "outlinkUnExist",
        "common:code_error.outlink_error.link_not_exist",
        "Share Link Does Not Exist",
    ),
    e(
        "unAuthLink",
        "common:code_error.outlink_error.invalid_link",
        "Invalid Share Link",
    ),
    e(
        "openapiUnExist",
        "common:code_error.openapi_error.api_key_not_exist",
        "API Key Does Not Exist",
    ),
    e(
        "openapiUnAuth",
        "common:code_error.openapi_error.un_auth",
        "Unauthorized to Operate This API Key",
    ),
    e(
        "openapiExceedLimit",
        "common:code_error.openapi_error.exceed_limit",
        "API key limit reached",
    ),
    e("invalidParams", "common:error.invalid_params", "Invalid parameter"),
    e("fileNotFound", "common:error.fileNotFound", "File not found~"),
    e("missingParams", "common:error.missingParams", "Insufficient parameters"),
    e(
        "aiPointsNotEnough",
        "common:code_error.team_error.ai_points_not_enough",
        "Insufficient AI Points",
    ),
    e(
        "InvalidUploadFileType",
        "common:error.s3_upload_invalid_file_type",
        "Unsupported file content or file extension does not match",
    ),
    e(
        "FileUploadDisabled",
        "common:error.file_upload_disabled",
        "File upload is disabled for the current app",
    ),
    e(
        "commercialFeature",
        "common:code_error.system_error.commercial_feature",
        "Commercial Edition exclusive feature",
    ),
    // The web client's texts for HTTP statuses (no statusText of their own).
    e("", "common:code_error.error_code.400", "Request Failed"),
    e("", "common:code_error.error_code.401", "No Access Permission"),
    e("", "common:code_error.error_code.403", "Access Forbidden"),
    e("", "common:code_error.error_code.404", "Request Not Found"),
    e("", "common:code_error.error_code.405", "Request Method Error"),
    e("", "common:code_error.error_code.406", "Request Format Error"),
    e("", "common:code_error.error_code.410", "Resource Deleted"),
    e("", "common:code_error.error_code.422", "Validation Error"),
    e("", "common:code_error.error_code.429", "Too many requests"),
    e("", "common:code_error.error_code.500", "Server Error"),
    e("", "common:code_error.error_code.502", "Gateway Error"),
    e(
        "",
        "common:code_error.error_code.503",
        "Server Overloaded or Under Maintenance",
    ),
    e("", "common:code_error.error_code.504", "Gateway Timeout"),
];

/// Whether `message` is an i18n key (`namespace:dotted.name`) rather than text: a lower-case
/// namespace, a colon, then letters, digits, `_`, `-` and `.` only.
pub(crate) fn is_message_key(message: &str) -> bool {
    let Some((ns, name)) = message.split_once(':') else {
        return false;
    };
    let mut ns_chars = ns.chars();
    ns_chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && ns_chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

/// The English text of a message key; a key the table lacks is looked up by the error's
/// `statusText`.
pub(crate) fn english(key: &str, status_text: Option<&str>) -> Option<&'static str> {
    if let Some(entry) = CATALOGUE.iter().find(|e| e.key == key) {
        return Some(entry.text);
    }
    let st = status_text.filter(|s| !s.is_empty())?;
    CATALOGUE
        .iter()
        .find(|e| e.status_text == st)
        .map(|e| e.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_told_from_text() {
        for key in [
            "common:code_error.error_message.514",
            "common:error.fileNotFound",
            "chat:some_key",
            "app:a-b.c_d",
        ] {
            assert!(is_message_key(key), "{key}");
        }
        for text in [
            "Data validation error",
            "Chat item not found",
            "http://host/x",
            "error: something failed",
            "common:",
            ":x",
            "Common:x",
            "common:has space",
            "common:.leading",
            "凭证错误",
            "",
        ] {
            assert!(!is_message_key(text), "{text}");
        }
    }

    #[test]
    fn catalogue_lookups() {
        assert_eq!(
            english("common:code_error.error_message.514", None),
            Some("Invalid API Key")
        );
        assert_eq!(
            english("common:code_error.chat_error.chat_generating", None).map(|t| &t[..29]),
            Some("This chat is still generating")
        );
        // Codes of families moved between releases: the statusText decides.
        assert_eq!(
            english(
                "common:code_error.error_message.507004",
                Some("missingParams")
            ),
            Some("Insufficient parameters")
        );
        assert_eq!(english("common:unknown.key", Some("nothingKnown")), None);
        assert_eq!(english("common:unknown.key", Some("")), None);
        // Every key is unique and every entry is a key.
        for (i, a) in CATALOGUE.iter().enumerate() {
            assert!(is_message_key(a.key), "{}", a.key);
            assert!(
                CATALOGUE[i + 1..].iter().all(|b| b.key != a.key),
                "{}",
                a.key
            );
        }
    }
}
