//! Streaming completions (§6): the SSE decoder, the accumulator of what a stream amounts to,
//! and the session that reads one stream through both.

pub mod accumulate;
pub mod session;
pub mod sse;

pub use session::{BodySource, EventView, StreamSession};
