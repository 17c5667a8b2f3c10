//! JSON request bodies: the one builder every call uses ([`JsonObject`]), and the readers of
//! caller-supplied JSON that keep each member's value exactly as written.

use std::fmt::Write as _;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::Error;

/// A JSON object written member by member, in order, compactly (as serde_json writes it).
pub(crate) struct JsonObject {
    text: String,
}

impl JsonObject {
    /// An empty object.
    pub(crate) fn new() -> JsonObject {
        JsonObject::with_capacity(64)
    }

    /// An empty object with room for about `n` bytes.
    pub(crate) fn with_capacity(n: usize) -> JsonObject {
        let mut text = String::with_capacity(n);
        text.push('{');
        JsonObject { text }
    }

    fn key(&mut self, key: &str) {
        if self.text.len() > 1 {
            self.text.push(',');
        }
        write_json_string(&mut self.text, key);
        self.text.push(':');
    }

    /// A string member.
    pub(crate) fn str(mut self, key: &str, value: &str) -> JsonObject {
        self.key(key);
        write_json_string(&mut self.text, value);
        self
    }

    /// An integer member.
    pub(crate) fn int(mut self, key: &str, value: i64) -> JsonObject {
        self.key(key);
        write!(self.text, "{value}").ok();
        self
    }

    /// A boolean member.
    pub(crate) fn bool(mut self, key: &str, value: bool) -> JsonObject {
        self.key(key);
        write!(self.text, "{value}").ok();
        self
    }

    /// A member whose value is JSON text already validated (copied as written).
    pub(crate) fn raw(mut self, key: &str, json: &str) -> JsonObject {
        self.key(key);
        self.text.push_str(json);
        self
    }

    /// The object's text.
    pub(crate) fn finish(mut self) -> String {
        self.text.push('}');
        self.text
    }
}

fn write_json_string(out: &mut String, s: &str) {
    // serde_json's own escaping, so the bytes match a `json!` rendering.
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// A JSON object given by the caller, as written; `what` names the argument in errors.
pub(crate) fn parse_object<'a>(what: &str, text: &'a str) -> Result<&'a RawValue, Error> {
    let raw: &RawValue = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("{what} is not valid JSON: {e}")))?;
    if !raw.get().trim_start().starts_with('{') {
        return Err(Error::invalid(format!("{what} must be a JSON object")));
    }
    Ok(raw)
}

/// The members of a JSON object, in order, with their values as written.
pub(crate) fn object_members(
    what: &str,
    text: &str,
) -> Result<Vec<(String, Box<RawValue>)>, Error> {
    struct Members;
    impl<'de> Visitor<'de> for Members {
        type Value = Vec<(String, Box<RawValue>)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some((k, v)) = map.next_entry::<String, Box<RawValue>>()? {
                out.push((k, v));
            }
            Ok(out)
        }
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let members = de
        .deserialize_map(Members)
        .and_then(|m| de.end().map(|_| m))
        .map_err(|e| Error::invalid(format!("{what} must be a JSON object: {e}")))?;
    Ok(members)
}

/// Appends the members of the caller's `options_json` object, values as written, except
/// those named in `set` (the call's own parameters, which win). A name given twice keeps
/// its first place and its last value.
pub(crate) fn pass_through(
    mut body: JsonObject,
    options_json: Option<&str>,
    set: &[&str],
) -> Result<JsonObject, Error> {
    let Some(o) = options_json else {
        return Ok(body);
    };
    let mut members: Vec<(String, Box<RawValue>)> = Vec::new();
    for (k, v) in object_members("options_json", o)? {
        if set.contains(&k.as_str()) {
            continue;
        }
        match members.iter_mut().find(|(mk, _)| *mk == k) {
            Some(slot) => slot.1 = v,
            None => members.push((k, v)),
        }
    }
    for (k, v) in &members {
        body = body.raw(k, v.get());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_members_rejects_non_objects() {
        assert_eq!(object_members("q", r#"{"a":1,"b":"x"}"#).unwrap().len(), 2);
        assert!(object_members("q", "[1]").is_err());
        assert!(object_members("q", "{\"a\":1} trailing").is_err());
    }
}
