//! What the dev server's integration tests share: starting the binary on an ephemeral port.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

pub const KEY: &str = "fastgpt-dev-key";
pub const APP: &str = "0123456789abcdef01234567";

/// A running dev server, killed when dropped.
pub struct Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `--chunk-delay-ms 0 --exit-on-stdin-eof` and `extra` arguments,
/// and waits for its `listening on` line.
pub fn start_with(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastgpt-devserver"))
        .args(["--chunk-delay-ms", "0", "--exit-on-stdin-eof"])
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn devserver");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read banner");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("bad banner {:?}", line))
        .to_string();
    Server { child, addr }
}
