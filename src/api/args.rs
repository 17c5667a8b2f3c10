//! Checks of caller arguments shared by the endpoint calls: ids, id lists and paging.

use crate::error::Error;

/// Required ids: non-empty, no control characters.
pub(crate) fn check_id(name: &str, v: &str) -> Result<(), Error> {
    if v.is_empty() {
        return Err(Error::invalid(format!("{name} must not be empty")));
    }
    if v.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{name} must not contain control characters"
        )));
    }
    Ok(())
}

/// Paging arguments: `offset >= 0`, `page_size >= 1`.
pub(crate) fn check_paging(offset: i32, page_size: i32) -> Result<(), Error> {
    if offset < 0 {
        return Err(Error::invalid(format!("offset must be >= 0, not {offset}")));
    }
    if page_size < 1 {
        return Err(Error::invalid(format!(
            "page_size must be >= 1, not {page_size}"
        )));
    }
    Ok(())
}

/// `chat_ids_json`: a JSON array of 1 to `max` non-empty strings; returned as compact JSON.
pub(crate) fn chat_id_list(chat_ids_json: &str, max: usize) -> Result<String, Error> {
    let ids: Vec<serde_json::Value> = serde_json::from_str(chat_ids_json).map_err(|e| {
        Error::invalid(format!(
            "chat_ids_json must be a JSON array of non-empty strings: {e}"
        ))
    })?;
    if ids.is_empty() || ids.len() > max {
        return Err(Error::invalid(if max == usize::MAX {
            "chat_ids_json must hold at least one chat id".to_string()
        } else {
            format!(
                "chat_ids_json must hold 1 to {max} chat ids, not {}",
                ids.len()
            )
        }));
    }
    for (i, id) in ids.iter().enumerate() {
        match id.as_str() {
            Some(s) if !s.is_empty() => {}
            Some(_) => return Err(Error::invalid(format!("chat_ids_json[{i}] is empty"))),
            None => {
                return Err(Error::invalid(format!(
                    "chat_ids_json[{i}] is not a string"
                )))
            }
        }
    }
    Ok(serde_json::Value::Array(ids).to_string())
}
