//! The dev server's executable for the integration tests that start it.
//!
//! Built once per test binary with the cargo that runs the tests, into a target directory of
//! its own: built alone, the dev server's dependencies get other features than in the
//! workspace's test build, and sharing `target/debug` would make every test run and every
//! `cargo test` rebuild them back and forth. The path comes from cargo's artifact messages.

use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The path of a freshly built `fastgpt-devserver`.
pub fn devserver_exe() -> &'static str {
    static EXE: OnceLock<String> = OnceLock::new();
    EXE.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let out = Command::new(env!("CARGO"))
            .args([
                "build",
                "-p",
                "fastgpt-devserver",
                "--bin",
                "fastgpt-devserver",
            ])
            .args(["--message-format=json", "--target-dir"])
            .arg(format!("{root}/target/devserver-for-tests"))
            .current_dir(root)
            .stderr(Stdio::inherit())
            .output()
            .expect("run cargo build -p fastgpt-devserver");
        assert!(out.status.success(), "building the dev server failed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| {
                m["reason"] == "compiler-artifact" && m["target"]["name"] == "fastgpt-devserver"
            })
            .find_map(|m| m["executable"].as_str().map(str::to_string))
            .expect("cargo reported the dev server executable")
    })
}
