//! The stream accumulator (contract §6): what a whole stream amounts to.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// What an `answer`/`fastAnswer` chunk carries.
#[derive(Debug, Default, PartialEq)]
pub struct AnswerChunk<'a> {
    /// `choices[0].delta.content` when it is a string.
    pub content: Option<Cow<'a, str>>,
    /// `choices[0].delta.reasoning_content` when it is a string.
    pub reasoning: Option<Cow<'a, str>>,
    /// `choices[0].finish_reason` when it is not null (a non-string is kept as its JSON).
    pub finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TypedChunk<'a> {
    #[serde(borrow, default)]
    choices: Option<Vec<TypedChoice<'a>>>,
}

#[derive(Deserialize)]
struct TypedChoice<'a> {
    #[serde(borrow, default)]
    delta: Option<TypedDelta<'a>>,
    #[serde(borrow, default)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TypedDelta<'a> {
    #[serde(borrow, default)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    reasoning_content: Option<Cow<'a, str>>,
}

/// The answer chunk FastGPT writes for a piece of text (E2/E3 `textAdaptGptResponse`),
/// around the content string: `PREFIX "content" SUFFIX`.
pub const CHUNK_PREFIX: &[u8] =
    br#"{"id":"","object":"","created":0,"model":"","choices":[{"delta":{"role":"assistant","content":"#;
pub const CHUNK_SUFFIX: &[u8] = br#"},"index":0,"finish_reason":null}]}"#;

/// Reads a chunk of exactly FastGPT's text-chunk shape: appends its content, unescaped, to
/// `text` and returns true. The payload's bytes need not have been checked: on true every
/// byte was read, the fixed parts matched byte for byte and the content is valid UTF-8
/// with only the escapes `\" \\ \/ \b \f \n \r \t`, so the payload is a valid JSON
/// object whose `choices[0].delta.content` is what was appended, and nothing contains NUL.
/// Anything else (other servers' shapes, `\u` escapes, stop chunks, invalid bytes) gives
/// false, leaving `text` in an unspecified state, and goes to the full parser.
pub fn scan_text_chunk(payload: &[u8], text: &mut Vec<u8>) -> bool {
    scan_text_chunk_prefix(payload, text) == Some(payload.len())
}

/// [`scan_text_chunk`] on a chunk followed by anything: the length of the chunk at the
/// start of `bytes`. The chunk's bytes are UTF-8 without NUL, CR or LF.
#[inline]
pub fn scan_text_chunk_prefix(bytes: &[u8], text: &mut Vec<u8>) -> Option<usize> {
    let rest = bytes.strip_prefix(CHUNK_PREFIX)?.strip_prefix(b"\"")?;
    let mut i = 0;
    loop {
        // A run of bytes that stand for themselves.
        let start = i;
        let mut high = 0u8;
        while let Some(&b) = rest.get(i) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            high |= b;
            i += 1;
        }
        let run = &rest[start..i];
        if high >= 0x80 && std::str::from_utf8(run).is_err() {
            return None;
        }
        text.extend_from_slice(run);
        match rest.get(i) {
            Some(b'"') => {
                return rest[i + 1..]
                    .starts_with(CHUNK_SUFFIX)
                    .then_some(CHUNK_PREFIX.len() + 1 + i + 1 + CHUNK_SUFFIX.len())
            }
            Some(b'\\') => {
                let c = match rest.get(i + 1) {
                    Some(b'"') => b'"',
                    Some(b'\\') => b'\\',
                    Some(b'/') => b'/',
                    Some(b'b') => 0x08,
                    Some(b'f') => 0x0c,
                    Some(b'n') => b'\n',
                    Some(b'r') => b'\r',
                    Some(b't') => b'\t',
                    _ => return None, // \u escapes (surrogates, NUL) and invalid ones
                };
                text.push(c);
                i += 2;
            }
            _ => return None, // a control character, or the end of the payload
        }
    }
}

/// Parses an answer chunk; `None` when the payload is not a JSON object. FastGPT's own
/// text chunks are read by [`scan_text_chunk`], everything else by serde_json.
pub fn parse_answer_chunk(payload: &str) -> Option<AnswerChunk<'_>> {
    let mut text = Vec::new();
    if scan_text_chunk(payload.as_bytes(), &mut text) {
        let content = String::from_utf8(text).expect("the scanner checked the text");
        return Some(AnswerChunk {
            content: Some(Cow::Owned(content)),
            reasoning: None,
            finish_reason: None,
        });
    }
    parse_answer_chunk_full(payload)
}

/// [`parse_answer_chunk`] without the scanner: serde_json only.
pub fn parse_answer_chunk_full(payload: &str) -> Option<AnswerChunk<'_>> {
    if !payload.trim_start().starts_with('{') {
        return None;
    }
    if let Ok(c) = serde_json::from_str::<TypedChunk>(payload) {
        let first = c.choices.and_then(|v| v.into_iter().next());
        return Some(match first {
            None => AnswerChunk::default(),
            Some(ch) => AnswerChunk {
                content: ch.delta.as_ref().and_then(|d| d.content.clone()),
                reasoning: ch.delta.and_then(|d| d.reasoning_content),
                finish_reason: ch.finish_reason,
            },
        });
    }
    // Members of unexpected types: read what can be read from a full parse.
    let Ok(Value::Object(o)) = serde_json::from_str::<Value>(payload) else {
        return None;
    };
    let choice = o
        .get("choices")
        .and_then(Value::as_array)
        .and_then(|a| a.first());
    let delta = choice.and_then(|c| c.get("delta"));
    let string = |v: Option<&Value>| v.and_then(Value::as_str).map(|s| Cow::Owned(s.to_string()));
    Some(AnswerChunk {
        content: string(delta.and_then(|d| d.get("content"))),
        reasoning: string(delta.and_then(|d| d.get("reasoning_content"))),
        finish_reason: choice
            .and_then(|c| c.get("finish_reason"))
            .and_then(|f| match f {
                Value::Null => None,
                Value::String(s) => Some(Cow::Owned(s.clone())),
                other => Some(Cow::Owned(other.to_string())),
            }),
    })
}

/// The accumulated result of a stream.
#[derive(Debug)]
pub struct Accumulator {
    answer: String,
    reasoning: String,
    finish_reason: Option<String>,
    done: bool,
    event_count: u64,
    interactive: Option<Box<RawValue>>,
    variables: Option<Box<RawValue>>,
    flow_responses: Option<Value>,
    node_responses: Vec<Box<RawValue>>,
    node_bytes: usize,
    /// Tool calls in order of first appearance, and where each string `id` is in it.
    tools: Vec<Map<String, Value>>,
    tool_index: HashMap<String, usize>,
    tool_bytes: usize,
    title: Option<Box<RawValue>>,
    chat_id: Option<String>,
    response_chat_item_id: String,
    max_bytes: usize,
}

/// Adding an event would take the result over `max_response_bytes`.
#[derive(Debug)]
pub struct TooBig;

#[derive(Deserialize)]
struct InteractiveFrame {
    interactive: Option<Box<RawValue>>,
}

#[derive(Deserialize)]
struct TitleFrame {
    title: Option<Box<RawValue>>,
}

impl Accumulator {
    /// An empty accumulator; `max_bytes` bounds what it keeps.
    pub fn new(
        chat_id: Option<String>,
        response_chat_item_id: String,
        max_bytes: usize,
    ) -> Accumulator {
        Accumulator {
            answer: String::new(),
            reasoning: String::new(),
            finish_reason: None,
            done: false,
            event_count: 0,
            interactive: None,
            variables: None,
            flow_responses: None,
            node_responses: Vec::new(),
            node_bytes: 0,
            tools: Vec::new(),
            tool_index: HashMap::new(),
            tool_bytes: 0,
            title: None,
            chat_id,
            response_chat_item_id,
            max_bytes,
        }
    }

    /// `[DONE]` was seen, or a chunk carried a finish reason.
    pub fn finished(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }

    /// Events delivered so far.
    pub fn event_count(&self) -> u64 {
        self.event_count
    }

    fn size(&self) -> usize {
        self.answer.len()
            + self.reasoning.len()
            + self.interactive.as_ref().map_or(0, |r| r.get().len())
            + self.variables.as_ref().map_or(0, |r| r.get().len())
            + self.title.as_ref().map_or(0, |r| r.get().len())
            + self.node_bytes
            + self.tool_bytes
    }

    fn check(&self, adding: usize) -> Result<(), TooBig> {
        if self.size().saturating_add(adding) > self.max_bytes {
            Err(TooBig)
        } else {
            Ok(())
        }
    }

    /// Counts a delivered event.
    pub fn count(&mut self) {
        self.event_count += 1;
    }

    /// Records `[DONE]`.
    pub fn add_done(&mut self) {
        self.done = true;
    }

    /// Adds the text of an answer chunk that carries nothing else (the scanner's chunks).
    pub fn add_text(&mut self, text: &str) -> Result<(), TooBig> {
        self.check(text.len())?;
        self.answer.push_str(text);
        Ok(())
    }

    /// Adds an answer chunk's text, reasoning and finish reason.
    pub fn add_answer(&mut self, chunk: &AnswerChunk) -> Result<(), TooBig> {
        let adding = chunk.content.as_ref().map_or(0, |c| c.len())
            + chunk.reasoning.as_ref().map_or(0, |c| c.len());
        self.check(adding)?;
        if let Some(c) = &chunk.content {
            self.answer.push_str(c);
        }
        if let Some(r) = &chunk.reasoning {
            self.reasoning.push_str(r);
        }
        if let Some(f) = &chunk.finish_reason {
            self.finish_reason = Some(f.to_string());
        }
        Ok(())
    }

    /// Any event other than answers, `[DONE]` and errors.
    pub fn add_event(&mut self, name: &str, data: &str) -> Result<(), TooBig> {
        match name {
            "interactive" => {
                if let Ok(InteractiveFrame {
                    interactive: Some(i),
                }) = serde_json::from_str(data)
                {
                    self.check(i.get().len())?;
                    self.interactive = Some(i);
                }
            }
            "chatTitle" => {
                if let Ok(TitleFrame { title: Some(t) }) = serde_json::from_str(data) {
                    self.check(t.get().len())?;
                    self.title = Some(t);
                }
            }
            "updateVariables" => {
                if let Ok(v) = serde_json::from_str::<Box<RawValue>>(data) {
                    self.check(v.get().len())?;
                    self.variables = Some(v);
                }
            }
            "flowResponses" => {
                if let Ok(v) = serde_json::from_str::<Value>(data) {
                    self.check(data.len())?;
                    self.node_bytes += data.len();
                    self.flow_responses = Some(numbered_object_to_array(v));
                }
            }
            "flowNodeResponse" => {
                if let Ok(v) = serde_json::from_str::<Box<RawValue>>(data) {
                    self.check(data.len())?;
                    self.node_bytes += data.len();
                    self.node_responses.push(v);
                }
            }
            "toolCall" | "toolParams" | "toolResponse" => {
                if let Ok(Value::Object(mut frame)) = serde_json::from_str::<Value>(data) {
                    if let Some(Value::Object(tool)) = frame.remove("tool") {
                        self.check(data.len())?;
                        self.tool_bytes += data.len();
                        self.merge_tool(name == "toolParams", tool);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Merges a tool frame (§6): one tool per `id`, found through the index, so a frame
    /// costs the same whatever the number of tools. A frame without a string `id` applies
    /// to the tool most recently created. A tool's stored `id` never changes (it is its
    /// key), whatever a later frame's `id` member says.
    fn merge_tool(&mut self, is_params: bool, tool: Map<String, Value>) {
        let index = match tool.get("id").and_then(Value::as_str) {
            Some(id) => self.tool_index.get(id).copied(),
            None => self.tools.len().checked_sub(1),
        };
        let Some(index) = index else {
            // The frame that creates a tool is kept whole, "" members included.
            if let Some(id) = tool.get("id").and_then(Value::as_str) {
                self.tool_index.insert(id.to_string(), self.tools.len());
            }
            self.tools.push(tool);
            return;
        };
        let stored = &mut self.tools[index];
        for (k, v) in tool {
            if k == "id" {
                continue;
            }
            if is_params && k == "params" {
                if let Value::String(more) = v {
                    match stored.get_mut("params") {
                        Some(Value::String(p)) => p.push_str(&more),
                        _ => {
                            stored.insert(k, Value::String(more));
                        }
                    }
                }
                continue;
            }
            if !matches!(&v, Value::String(s) if s.is_empty()) {
                stored.insert(k, v);
            }
        }
    }

    /// The §6 result as JSON text, serialised straight from the accumulated state (no copy
    /// of the answer; payloads kept as received, large numbers included).
    pub fn to_json(&self) -> String {
        let flow = match (&self.flow_responses, self.node_responses.is_empty()) {
            (Some(v), _) => Flow::Whole(v),
            (None, false) => Flow::Nodes(&self.node_responses),
            (None, true) => Flow::None,
        };
        let view = ResultView {
            answer: &self.answer,
            reasoning: &self.reasoning,
            finish_reason: self.finish_reason.as_deref(),
            done: self.done,
            event_count: self.event_count,
            interactive: self.interactive.as_deref(),
            variables: self.variables.as_deref(),
            flow_responses: flow,
            tool_calls: &self.tools,
            title: self.title.as_deref(),
            chat_id: self.chat_id.as_deref(),
            response_chat_item_id: &self.response_chat_item_id,
        };
        serde_json::to_string(&view).expect("the result serialises")
    }

    /// The §6 result as a value (for an error's `partial`).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.to_json()).unwrap_or(Value::Null)
    }
}

#[derive(Serialize)]
struct ResultView<'a> {
    answer: &'a str,
    reasoning: &'a str,
    finish_reason: Option<&'a str>,
    done: bool,
    event_count: u64,
    interactive: Option<&'a RawValue>,
    variables: Option<&'a RawValue>,
    flow_responses: Flow<'a>,
    tool_calls: &'a [Map<String, Value>],
    title: Option<&'a RawValue>,
    chat_id: Option<&'a str>,
    response_chat_item_id: &'a str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Flow<'a> {
    Whole(&'a Value),
    Nodes(&'a [Box<RawValue>]),
    None,
}

/// `{"0":a,"1":b}` becomes `[a,b]`; anything else is kept.
fn numbered_object_to_array(v: Value) -> Value {
    match v {
        Value::Object(o)
            if !o.is_empty() && (0..o.len()).all(|i| o.contains_key(&i.to_string())) =>
        {
            let mut o = o;
            Value::Array(
                (0..o.len())
                    .map(|i| o.remove(&i.to_string()).unwrap_or(Value::Null))
                    .collect(),
            )
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn acc() -> Accumulator {
        Accumulator::new(Some("c1".into()), "rid".into(), 1 << 20)
    }

    #[test]
    fn answer_chunks_in_their_shapes() {
        let c = parse_answer_chunk(r#"{"choices":[{"delta":{"role":"assistant","content":"你好"},"index":0,"finish_reason":null}]}"#).unwrap();
        assert_eq!(c.content.as_deref(), Some("你好"));
        assert_eq!(c.finish_reason, None);
        let stop =
            parse_answer_chunk(r#"{"choices":[{"delta":{},"index":0,"finish_reason":"stop"}]}"#)
                .unwrap();
        assert_eq!(
            (stop.content, stop.finish_reason.as_deref()),
            (None, Some("stop"))
        );
        let r = parse_answer_chunk(
            r#"{"choices":[{"delta":{"role":"assistant","reasoning_content":"think"}}]}"#,
        )
        .unwrap();
        assert_eq!((r.content, r.reasoning.as_deref()), (None, Some("think")));
        let odd = parse_answer_chunk(r#"{"choices":[{"delta":{"content":5},"finish_reason":1}]}"#)
            .unwrap();
        assert_eq!(
            (odd.content, odd.finish_reason.as_deref()),
            (None, Some("1"))
        );
        assert_eq!(
            parse_answer_chunk(r#"{"choices":"x"}"#),
            Some(AnswerChunk::default())
        );
        assert_eq!(parse_answer_chunk(r#"{}"#), Some(AnswerChunk::default()));
        assert!(parse_answer_chunk("[1]").is_none());
        assert!(parse_answer_chunk("\"x\"").is_none());
        assert!(parse_answer_chunk("{bad").is_none());
        let esc =
            parse_answer_chunk(r#"{"choices":[{"delta":{"content":"a\nb\u0000"}}]}"#).unwrap();
        assert_eq!(esc.content.as_deref(), Some("a\nb\0"));
    }

    /// The shortcut for FastGPT's own text chunks agrees with the full parser.
    #[test]
    fn plain_text_chunks_parse_like_any_other() {
        let full = |p: &str| -> Option<(Option<String>, Option<String>, Option<String>)> {
            let v: Value = serde_json::from_str(p).ok()?;
            let c = &v["choices"][0];
            let s = |x: &Value| x.as_str().map(str::to_string);
            Some((
                s(&c["delta"]["content"]),
                s(&c["delta"]["reasoning_content"]),
                s(&c["finish_reason"]),
            ))
        };
        for content in [
            "",
            "FastGPT",
            " 😀 中文",
            r"tab\there",
            r#"quote\"x"#,
            r"back\\slash",
            r"\u0000",
            r"a\nb",
            "\u{7f}",
            "raw\u{1}control",
        ] {
            let payload = chunk_with(&format!("\"{content}\""));
            let mut text = Vec::new();
            let fast = scan_text_chunk(payload.as_bytes(), &mut text);
            let got = parse_answer_chunk(&payload).map(|c| {
                (
                    c.content.map(|x| x.into_owned()),
                    c.reasoning.map(|x| x.into_owned()),
                    c.finish_reason.map(|x| x.into_owned()),
                )
            });
            assert_eq!(got, full(&payload), "{payload}");
            // \u escapes and raw control characters are never taken by the scanner; plain
            // text and the short escapes are, and give the text serde_json gives.
            if content.contains("\\u") || content.chars().any(|c| (c as u32) < 0x20) {
                assert!(!fast, "{payload}");
            } else {
                assert!(fast, "{payload}");
                assert_eq!(
                    Some(String::from_utf8(text).unwrap()),
                    full(&payload).unwrap().0
                );
            }
        }
        // A template with something after it, or an unescaped quote, is not the template.
        let mut t = Vec::new();
        assert!(!scan_text_chunk(
            format!("{} ", chunk_with("\"x\"")).as_bytes(),
            &mut t
        ));
        assert!(!scan_text_chunk(chunk_with("\"x\"\"").as_bytes(), &mut t));
        assert!(!scan_text_chunk(chunk_with("\"x").as_bytes(), &mut t));
        assert!(!scan_text_chunk(chunk_with("null").as_bytes(), &mut t));
        assert!(!scan_text_chunk(b"{\"id\"", &mut t));
        // Invalid UTF-8 in the content is refused (the caller then checks the line).
        let mut bad = CHUNK_PREFIX.to_vec();
        bad.extend_from_slice(b"\"\xe4\xb8\"");
        bad.extend_from_slice(CHUNK_SUFFIX);
        assert!(!scan_text_chunk(&bad, &mut t));
    }

    fn chunk_with(content_json: &str) -> String {
        format!(
            "{}{content_json}{}",
            std::str::from_utf8(CHUNK_PREFIX).unwrap(),
            std::str::from_utf8(CHUNK_SUFFIX).unwrap()
        )
    }

    #[test]
    fn tools_merge_by_id() {
        let mut a = acc();
        a.add_event(
            "toolCall",
            r#"{"tool":{"id":"t1","toolName":"Search","params":"","response":""}}"#,
        )
        .unwrap();
        a.add_event("toolParams", r#"{"tool":{"id":"t1","params":"{\"q\":"}}"#)
            .unwrap();
        a.add_event("toolParams", r#"{"tool":{"params":"1}"}}"#)
            .unwrap();
        a.add_event("toolCall", r#"{"tool":{"id":"t2","toolName":"Calc"}}"#)
            .unwrap();
        a.add_event(
            "toolResponse",
            r#"{"tool":{"id":"t1","response":"found","toolName":""}}"#,
        )
        .unwrap();
        let v = a.to_value();
        assert_eq!(v["tool_calls"][0]["params"], "{\"q\":1}");
        assert_eq!(v["tool_calls"][0]["response"], "found");
        assert_eq!(v["tool_calls"][0]["toolName"], "Search");
        assert_eq!(v["tool_calls"][1]["toolName"], "Calc");
        assert_eq!(v["tool_calls"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_tool_keeps_its_id_and_title_is_the_last_chat_title() {
        let mut a = acc();
        a.add_event("toolCall", r#"{"tool":{"id":"t1","toolName":"A"}}"#)
            .unwrap();
        // No string id: applies to the last tool, but does not change its id.
        a.add_event("toolResponse", r#"{"tool":{"id":5,"response":"r"}}"#)
            .unwrap();
        a.add_event("toolParams", r#"{"tool":{"id":"t1","params":"p"}}"#)
            .unwrap();
        let v = a.to_value();
        assert_eq!(v["tool_calls"].as_array().unwrap().len(), 1);
        assert_eq!(v["tool_calls"][0]["id"], "t1");
        assert_eq!(v["tool_calls"][0]["response"], "r");
        assert_eq!(v["tool_calls"][0]["params"], "p");
        assert_eq!(v["title"], Value::Null);
        a.add_event("chatTitle", r#"{"title":"one"}"#).unwrap();
        a.add_event("chatTitle", r#"{"title":"two"}"#).unwrap();
        a.add_event("chatTitle", "{").unwrap();
        assert_eq!(a.to_value()["title"], "two");
    }

    #[test]
    fn flow_responses_variables_interactive() {
        let mut a = acc();
        a.add_event("flowResponses", r#"{"0":{"n":1},"1":{"n":2}}"#)
            .unwrap();
        a.add_event("updateVariables", r#"{"k":"v"}"#).unwrap();
        a.add_event("updateVariables", r#"{"k":"w"}"#).unwrap();
        a.add_event("interactive", r#"{"interactive":{"type":"userSelect"}}"#)
            .unwrap();
        a.add_event("interactive", "not json").unwrap();
        let v = a.to_value();
        assert_eq!(v["flow_responses"], json!([{"n":1},{"n":2}]));
        assert_eq!(v["variables"], json!({"k":"w"}));
        assert_eq!(v["interactive"]["type"], "userSelect");
        let mut b = acc();
        b.add_event("flowNodeResponse", r#"{"n":1}"#).unwrap();
        b.add_event("flowNodeResponse", r#"{"n":2}"#).unwrap();
        assert_eq!(b.to_value()["flow_responses"], json!([{"n":1},{"n":2}]));
        assert_eq!(acc().to_value()["flow_responses"], Value::Null);
        assert_eq!(acc().to_value()["chat_id"], "c1");
    }

    #[test]
    fn size_limit() {
        let mut a = Accumulator::new(None, "r".into(), 10);
        let c = AnswerChunk {
            content: Some("12345".into()),
            ..Default::default()
        };
        a.add_answer(&c).unwrap();
        a.add_answer(&c).unwrap();
        assert!(a.add_answer(&c).is_err());
    }
}
