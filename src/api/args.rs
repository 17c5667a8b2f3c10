//! Checks of caller arguments shared by the endpoint calls: ids and paging.

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
