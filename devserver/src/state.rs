//! In-memory store: chats (histories), chat items (records), fault counters and uploads.

use crate::util;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// `ChatGenerateStatusEnum`: 0 generating, 1 done, 2 error.
pub const GENERATING: u8 = 0;
pub const DONE: u8 = 1;
pub const ERRORED: u8 = 2;

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
    pub create_time: u64,
    /// `chatGenerateStatus` (4.14.11+).
    pub generate_status: u8,
    pub has_been_read: bool,
    /// Rounds answered so far (the first one sends `chatTitle`).
    pub rounds: u32,
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
    /// Running (or recently finished) streamed rounds by (appId, chatId).
    pub rounds: HashMap<(String, String), Arc<Round>>,
    /// Upload proxy tokens (4.14.11+ presigns) → what they allow.
    pub proxy_tokens: HashMap<String, ProxyToken>,
    /// Short download links (`/api/system/file/d/<alias>`, 4.15.2+) → object key.
    pub short_links: HashMap<String, String>,
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
                c.rounds = 0;
                c.create_time = now;
                c.title = util::truncate_chars(first_question, 20);
                c.custom_title.clear();
                c.top = false;
                c.variables = Map::new();
            }
            c.update_time = now;
            c.rounds += 1;
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
            create_time: now,
            generate_status: DONE,
            has_been_read: false,
            rounds: 1,
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

    /// Remove chats and their items for good (`history/batchDelete`).
    pub fn hard_delete_chat(&mut self, app_id: &str, chat_id: &str) {
        self.chats
            .retain(|c| !(c.app_id == app_id && c.chat_id == chat_id));
        self.items
            .retain(|i| !(i.app_id == app_id && i.chat_id == chat_id));
    }

    /// The round of a chat that is still generating.
    pub fn running_round(&self, app_id: &str, chat_id: &str) -> Option<Arc<Round>> {
        self.rounds
            .get(&(app_id.to_string(), chat_id.to_string()))
            .filter(|r| !r.is_done())
            .cloned()
    }

    /// Count a request carrying `X-Dev-Fault-Key`; returns the new count.
    pub fn count_fault_key(&mut self, key: &str) -> u64 {
        let c = self.fault_counts.entry(key.to_string()).or_insert(0);
        *c += 1;
        *c
    }
}

/// What an upload proxy token allows (4.14.11+ presigns).
#[derive(Debug, Clone)]
pub struct ProxyToken {
    pub key: String,
    pub max: u64,
    pub expires_ms: u64,
    pub content_type: String,
    pub filename: String,
    /// The `storage-error` fault of the presign: the upload answers 500.
    pub storage_error: bool,
}

/// A streamed completions round, shared between the connection that produces it, the stop
/// endpoint and resume readers.
pub struct Round {
    /// 1 or 2 (only v2 rounds poll the stop flag, and only v2 rounds are mirrored).
    pub version: u8,
    /// Frames are mirrored for `core/chat/resume` (v2 with `x-fastgpt-stream-resume: 1`).
    pub mirrored: bool,
    /// Asked for a mirror, but none could be made (`resumeUnavailable`, memoryPressure).
    pub unavailable: bool,
    st: Mutex<RoundState>,
    cv: Condvar,
}

#[derive(Default)]
struct RoundState {
    frames: Vec<Vec<u8>>,
    done: bool,
    stop: bool,
}

impl Round {
    pub fn new(version: u8, mirrored: bool, unavailable: bool) -> Round {
        Round {
            version,
            mirrored,
            unavailable,
            st: Mutex::new(RoundState::default()),
            cv: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, RoundState> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One SSE frame as written to the client (kept only when mirrored).
    pub fn push(&self, bytes: &[u8]) {
        if self.mirrored {
            self.lock().frames.push(bytes.to_vec());
            self.cv.notify_all();
        }
    }

    pub fn request_stop(&self) {
        self.lock().stop = true;
        self.cv.notify_all();
    }

    pub fn stop_requested(&self) -> bool {
        self.lock().stop
    }

    pub fn finish(&self) {
        self.lock().done = true;
        self.cv.notify_all();
    }

    pub fn is_done(&self) -> bool {
        self.lock().done
    }

    /// Wait until the round is done or `timeout` passed; true if done.
    pub fn wait_done(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        while !st.done {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            st = self
                .cv
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }

    /// Mirrored frames from index `from`, waiting up to `timeout` for one to arrive; and
    /// whether the round is done.
    pub fn frames_from(&self, from: usize, timeout: Duration) -> (Vec<Vec<u8>>, bool) {
        let deadline = Instant::now() + timeout;
        let mut st = self.lock();
        loop {
            if st.frames.len() > from || st.done {
                let out = st
                    .frames
                    .get(from..)
                    .map(|f| f.to_vec())
                    .unwrap_or_default();
                return (out, st.done);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return (Vec::new(), false);
            }
            st = self
                .cv
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
