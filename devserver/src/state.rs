//! In-memory store: chats (histories), chat items (records), fault counters and uploads.

use crate::util;
use serde_json::{Map, Value};
use std::collections::HashMap;

#[derive(Debug, Clone)]
pub struct Chat {
    pub app_id: String,
    pub chat_id: String,
    pub update_time: u64,
    pub custom_title: String,
    pub title: String,
    pub top: bool,
    pub source: String,
    pub delete_time: Option<u64>,
    pub variables: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct Item {
    /// 24-hex `_id`; also gives the insertion order.
    pub oid: String,
    pub app_id: String,
    pub chat_id: String,
    pub data_id: String,
    /// "Human" | "AI"
    pub obj: String,
    pub value: Value,
    pub time: u64,
    /// `Some(v)` = field present (v may be null).
    pub good: Option<Value>,
    pub bad: Option<Value>,
    pub response_data: Value,
    pub duration_seconds: f64,
    pub delete_time: Option<u64>,
}

/// One stored object (chat file upload).
#[derive(Debug, Clone)]
pub struct Upload {
    pub key: String,
    pub content_type: String,
    /// Content-Type the client sent: the `file` part's header (POST) or the request header (PUT).
    pub sent_content_type: Option<String>,
    pub filename: String,
    pub method: &'static str,
    pub bytes: Vec<u8>,
}

#[derive(Default)]
pub struct Store {
    pub chats: Vec<Chat>,
    pub items: Vec<Item>,
    pub fault_counts: HashMap<String, u64>,
    /// Objects stored through `/__s3/` or the upload proxy (chat file uploads).
    pub uploads: Vec<Upload>,
    seq: u64,
    last_ms: u64,
}

impl Store {
    pub fn reset(&mut self) {
        *self = Store::default();
    }

    /// Strictly increasing timestamps, so ordering by `updateTime` is deterministic.
    pub fn tick(&mut self) -> u64 {
        let now = util::now_ms().max(self.last_ms + 1);
        self.last_ms = now;
        now
    }

    pub fn new_oid(&mut self) -> String {
        self.seq += 1;
        let secs = (util::now_ms() / 1000) as u32;
        format!("{:08x}{:016x}", secs, self.seq)
    }

    pub fn chat(&self, app_id: &str, chat_id: &str) -> Option<&Chat> {
        self.chats
            .iter()
            .find(|c| c.app_id == app_id && c.chat_id == chat_id)
    }

    pub fn chat_mut(&mut self, app_id: &str, chat_id: &str) -> Option<&mut Chat> {
        self.chats
            .iter_mut()
            .find(|c| c.app_id == app_id && c.chat_id == chat_id)
    }

    /// Live (not deleted) chat.
    pub fn live_chat(&self, app_id: &str, chat_id: &str) -> Option<&Chat> {
        self.chat(app_id, chat_id)
            .filter(|c| c.delete_time.is_none())
    }

    /// Create the chat if needed (or revive a deleted one); bump updateTime.
    pub fn touch_chat(&mut self, app_id: &str, chat_id: &str, first_question: &str) -> &mut Chat {
        let now = self.tick();
        if let Some(i) = self
            .chats
            .iter()
            .position(|c| c.app_id == app_id && c.chat_id == chat_id)
        {
            let c = &mut self.chats[i];
            if c.delete_time.is_some() {
                c.delete_time = None;
                c.title = util::truncate_chars(first_question, 20);
                c.custom_title.clear();
                c.top = false;
                c.variables = Map::new();
            }
            c.update_time = now;
            return c;
        }
        self.chats.push(Chat {
            app_id: app_id.into(),
            chat_id: chat_id.into(),
            update_time: now,
            custom_title: String::new(),
            title: util::truncate_chars(first_question, 20),
            top: false,
            source: "api".into(),
            delete_time: None,
            variables: Map::new(),
        });
        self.chats.last_mut().expect("just pushed")
    }

    #[allow(clippy::too_many_arguments)]
    pub fn push_item(
        &mut self,
        app_id: &str,
        chat_id: &str,
        data_id: &str,
        obj: &str,
        value: Value,
        response_data: Value,
        duration_seconds: f64,
    ) {
        let oid = self.new_oid();
        let time = self.tick();
        self.items.push(Item {
            oid,
            app_id: app_id.into(),
            chat_id: chat_id.into(),
            data_id: data_id.into(),
            obj: obj.into(),
            value,
            time,
            good: None,
            bad: None,
            response_data,
            duration_seconds,
            delete_time: None,
        });
    }

    /// Live items of a chat in insertion order.
    pub fn live_items(&self, app_id: &str, chat_id: &str) -> Vec<&Item> {
        self.items
            .iter()
            .filter(|i| i.app_id == app_id && i.chat_id == chat_id && i.delete_time.is_none())
            .collect()
    }

    pub fn live_item_mut(
        &mut self,
        app_id: &str,
        chat_id: &str,
        data_id: &str,
    ) -> Option<&mut Item> {
        self.items.iter_mut().find(|i| {
            i.app_id == app_id
                && i.chat_id == chat_id
                && i.data_id == data_id
                && i.delete_time.is_none()
        })
    }

    /// Soft-delete a chat and its items.
    pub fn delete_chat(&mut self, app_id: &str, chat_id: &str) {
        let now = self.tick();
        for c in self.chats.iter_mut() {
            if c.app_id == app_id && c.chat_id == chat_id && c.delete_time.is_none() {
                c.delete_time = Some(now);
            }
        }
        for i in self.items.iter_mut() {
            if i.app_id == app_id && i.chat_id == chat_id && i.delete_time.is_none() {
                i.delete_time = Some(now);
            }
        }
    }

    /// Count a request carrying `X-Dev-Fault-Key`; returns the new count.
    pub fn count_fault_key(&mut self, key: &str) -> u64 {
        let c = self.fault_counts.entry(key.to_string()).or_insert(0);
        *c += 1;
        *c
    }
}
