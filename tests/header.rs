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
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            count += 1;
            // The signature, up to the opening brace of the body.
            let sig: String = lines[i + 1..].iter().take_while(|l| !l.trim_end().ends_with('{')).chain(
                lines[i + 1..].iter().find(|l| l.trim_end().ends_with('{'))).cloned().collect::<Vec<_>>().join(" ");
            let name = sig.split("fn ").nth(1).and_then(|r| r.split('(').next()).unwrap_or("?").to_string();
            let doc: Vec<&str> = lines[..i].iter().rev().take_while(|l| l.trim_start().starts_with("///")).map(|l| l.trim_start().trim_start_matches("///").trim()).collect::<Vec<_>>().into_iter().rev().collect();
            let params: Vec<String> = sig
                .split_once('(')
                .map(|(_, r)| r.rsplit_once(')').map_or(r, |(a, _)| a))
                .unwrap_or("")
                .split(',')
                .filter_map(|p| p.split(':').next().map(str::trim).filter(|p| !p.is_empty()).map(str::to_string))
                .collect();
            let returns_value = sig.contains(") ->");
            if doc.first().is_none_or(|d| d.is_empty()) {
                problems.push(format!("{name}: no summary"));
            }
            for p in &params {
                if !doc.iter().any(|d| d.starts_with(&format!("@param {p} "))) {
                    problems.push(format!("{name}: no @param {p}"));
                }
            }
            if returns_value && !doc.iter().any(|d| d.starts_with("@return")) {
                problems.push(format!("{name}: no @return"));
            }
            for section in ["Errors:", "Ownership:", "Threading:", "Since:"] {
                if !doc.iter().any(|d| d.starts_with(section)) {
                    problems.push(format!("{name}: no {section} section"));
                }
            }
            if sig.contains("bool") || sig.contains("...") {
                problems.push(format!("{name}: bool or varargs in the signature"));
            }
            // The body, up to the end of the item, must use the boundary.
            let body: String = lines[i + 1..].iter().take_while(|l| !l.starts_with('}')).cloned().collect();
            if !["boundary", "json_call", "new_client", "FASTGPT_VERSION_NUMBER"].iter().any(|b| body.contains(b)) {
                problems.push(format!("{name} ({}) does not go through the panic boundary", path.display()));
            }
        }
    }
    assert!(count >= 31, "found only {count} exports");
    assert!(problems.is_empty(), "header documentation problems:\n{}", problems.join("\n"));
}
