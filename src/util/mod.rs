//! Small helpers with no knowledge of FastGPT.

pub mod random;
