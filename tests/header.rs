//! The checked-in `include/fastgpt.h` must be exactly what cbindgen generates, and every
//! exported function must go through the panic boundary and be documented.

use std::path::Path;

fn generate() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let config = cbindgen::Config::from_file(Path::new(root).join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn checked_in_header_is_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/fastgpt.h");
    let want = generate();
    if std::env::var_os("FASTGPT_UPDATE_HEADER").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "include/fastgpt.h is out of date: run `make header` (FASTGPT_UPDATE_HEADER=1 cargo test --test header)"
    );
}

#[test]
fn every_export_is_documented_and_behind_the_boundary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            count += 1;
            let sig = lines[i + 1];
            assert!(lines[i - 1].trim_start().starts_with("///"), "{}: undocumented: {sig}", path.display());
            assert!(!sig.contains("bool") && !sig.contains("..."), "{sig}");
            // The body, up to the next item, must use the boundary.
            let body: String = lines[i + 1..].iter().take_while(|l| !l.starts_with('}')).cloned().collect();
            assert!(
                ["boundary", "json_call", "new_client", "FASTGPT_VERSION_NUMBER"].iter().any(|b| body.contains(b)),
                "{}: {sig} does not go through the panic boundary",
                path.display()
            );
        }
    }
    assert!(count >= 28, "found only {count} exports");
}
