//! The checked-in `include/fastgpt.h` must be exactly what cbindgen generates (plus the
//! post-processing below: nullability marks, and the arrangement into groups with banners),
//! and every exported function must go through the panic boundary and be documented.

use std::path::Path;

fn generate() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    let config =
        cbindgen::Config::from_file(Path::new(root).join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    arrange_groups(
        &annotate_nullability(&String::from_utf8(out).unwrap()),
        &header_groups(),
    )
}

/// A group of the header: one module of src/ffi/ whose docs start with `//! # Title`.
struct Group {
    module: String,
    title: String,
    /// The module's other doc lines, the banner's text.
    text: Vec<String>,
    /// The C names the module declares (constants, types, functions).
    names: Vec<String>,
}

/// The header groups, in the order of the numbered list of modules in src/ffi/mod.rs's docs
/// (`//! 1. [`version`]: ...`).
fn header_groups() -> Vec<Group> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
    let front = std::fs::read_to_string(dir.join("mod.rs")).unwrap();
    let mut groups = Vec::new();
    for line in front.lines() {
        let Some(module) = line
            .strip_prefix("//! ")
            .and_then(|r| r.split_once(". [`"))
            .filter(|(n, _)| n.parse::<u32>().is_ok())
            .and_then(|(_, r)| r.split_once("`]"))
            .map(|(m, _)| m)
        else {
            continue;
        };
        assert!(
            front.contains(&format!("\nmod {module};")),
            "mod.rs lists {module} but does not declare it"
        );
        let text = std::fs::read_to_string(dir.join(format!("{module}.rs"))).unwrap();
        let docs: Vec<&str> = text
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let title = docs.first().and_then(|t| t.strip_prefix("# "));
        let Some(title) = title else {
            panic!("{module}.rs is a header group: its docs must start with `//! # Title`")
        };
        let mut body: Vec<String> = docs[1..].iter().map(|l| l.trim_end().to_string()).collect();
        while body.first().is_some_and(|l| l.is_empty()) {
            body.remove(0);
        }
        assert!(
            !body.iter().any(|l| l.contains("*/")),
            "{module}.rs: its docs cannot contain */"
        );
        let names = text
            .lines()
            .filter_map(|l| {
                [
                    "pub const ",
                    "pub struct ",
                    "pub type ",
                    "pub unsafe extern \"C\" fn ",
                    "pub extern \"C\" fn ",
                ]
                .iter()
                .find_map(|p| l.strip_prefix(p))
                .map(|r| {
                    r.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap()
                        .to_string()
                })
            })
            .collect();
        groups.push(Group {
            module: module.to_string(),
            title: title.to_string(),
            text: body,
            names,
        });
    }
    assert!(
        groups.len() >= 2,
        "no header groups found in src/ffi/mod.rs"
    );
    groups
}

/// The C name an item of the generated header declares.
fn item_name(item: &str) -> String {
    let decl = item.rsplit_once("*/").map_or(item, |(_, d)| d).trim();
    let ident = |s: &str| {
        s.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap()
            .to_string()
    };
    if let Some(r) = decl.strip_prefix("#define ") {
        ident(r)
    } else if let Some(r) = decl.strip_prefix("typedef struct ") {
        ident(r)
    } else if let Some((_, r)) = decl.split_once("(*") {
        ident(r)
    } else {
        let head = decl.split('(').next().unwrap();
        ident(head.rsplit([' ', '*']).next().unwrap())
    }
}

/// Puts the items cbindgen emitted (constants, then types, then functions) into the groups
/// of src/ffi/, each opened by a banner, and the whole list in one `extern "C"` block. An
/// item declared outside src/ffi/ (the status codes of src/status.rs) must be a constant and
/// goes to the first group.
fn arrange_groups(header: &str, groups: &[Group]) -> String {
    const CPP_OPEN: &str = "#ifdef __cplusplus\nextern \"C\" {\n#endif // __cplusplus";
    const CPP_CLOSE: &str = "#ifdef __cplusplus\n}  // extern \"C\"\n#endif  // __cplusplus";
    let paragraphs: Vec<&str> = header.split("\n\n").collect();
    let first = paragraphs
        .iter()
        .position(|p| p.starts_with("/**"))
        .expect("documented items");
    let last = paragraphs
        .iter()
        .rposition(|p| p.starts_with("/**"))
        .unwrap();
    let mut placed: Vec<Vec<&str>> = vec![Vec::new(); groups.len()];
    for p in &paragraphs[first..=last] {
        if *p == CPP_OPEN || *p == CPP_CLOSE {
            continue;
        }
        assert!(
            p.starts_with("/**"),
            "an undocumented item in the header:\n{p}"
        );
        let name = item_name(p);
        let group = match groups.iter().position(|g| g.names.contains(&name)) {
            Some(g) => g,
            None if p.contains("\n#define ") => 0,
            None => panic!("{name} is declared in no header group module of src/ffi/"),
        };
        placed[group].push(p);
    }
    let rule = "=".repeat(86);
    let mut body = vec![CPP_OPEN.to_string()];
    for (g, items) in groups.iter().zip(&placed) {
        assert!(
            !items.is_empty(),
            "header group {:?} declares nothing",
            g.title
        );
        let mut banner = format!("/* {rule}\n * {}\n *", g.title);
        for l in &g.text {
            banner.push_str(&if l.is_empty() {
                "\n *".to_string()
            } else {
                format!("\n * {l}")
            });
        }
        banner.push_str(&format!("\n * {rule} */"));
        body.push(banner);
        body.extend(items.iter().map(|s| s.to_string()));
    }
    body.push(CPP_CLOSE.to_string());
    let mut out: Vec<String> = paragraphs[..first].iter().map(|s| s.to_string()).collect();
    out.extend(body);
    out.extend(
        paragraphs[last + 1..]
            .iter()
            .map(|s| s.to_string())
            .filter(|p| p != CPP_CLOSE),
    );
    out.join("\n\n")
}

/// Marks every pointer of every declaration FASTGPT_NONNULL or FASTGPT_NULLABLE (the C API
/// contract, docs/): a parameter documented "required" is non-null, any other may be NULL; the pointer an
/// out-parameter points to may be NULL; returned pointers are non-null when the docs say
/// "never NULL". cbindgen cannot annotate raw pointers, and a Rust reference would make a
/// NULL from C undefined behaviour, so the docs are the source.
fn annotate_nullability(header: &str) -> String {
    let mut out = String::with_capacity(header.len() + 4096);
    let mut doc = String::new();
    let mut in_doc = false;
    let mut decl: Option<String> = None;
    for line in header.split_inclusive('\n') {
        if let Some(d) = &mut decl {
            d.push_str(line);
            if line.trim_end().ends_with(';') {
                out.push_str(&annotate_declaration(d, &doc));
                decl = None;
                doc.clear();
            }
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("/**") {
            in_doc = true;
            doc.clear();
        }
        if in_doc {
            doc.push_str(line);
            if t.contains("*/") {
                in_doc = false;
            }
            out.push_str(line);
            continue;
        }
        let starts_like_code = t.starts_with(|c: char| c.is_ascii_alphabetic());
        let is_decl = starts_like_code
            && line.contains('(')
            && (t.starts_with("typedef int32_t (*") || !t.starts_with("typedef"));
        if is_decl {
            if line.trim_end().ends_with(';') {
                out.push_str(&annotate_declaration(line, &doc));
                doc.clear();
            } else {
                decl = Some(line.to_string());
            }
            continue;
        }
        out.push_str(line);
    }
    out
}

fn annotate_declaration(decl: &str, doc: &str) -> String {
    let (head, rest) = decl.split_once('(').expect("a declaration has parameters");
    // The callback typedef: `typedef int32_t (*name)(params);`
    let (head, rest) = if head.trim_end().ends_with("typedef int32_t") {
        let (name, params) = rest.split_once('(').expect("callback parameters");
        (format!("{head}({name}"), params.to_string())
    } else {
        (head.to_string(), rest.to_string())
    };
    let is_callback = head.contains("fastgpt_stream_callback");
    let required = |name: &str| -> bool {
        if is_callback {
            return matches!(name, "event" | "data");
        }
        doc.lines().any(|l| {
            let l = l.trim_start().trim_start_matches('*').trim();
            l.strip_prefix("@param ")
                .and_then(|r| r.strip_prefix(name))
                .is_some_and(|r| r.starts_with(' ') && r.trim_start().starts_with("required"))
        })
    };
    // The return pointer.
    let head = match head.rfind('*') {
        Some(i) if !head.contains("typedef") => {
            let mark = if doc.contains("never NULL") {
                "FASTGPT_NONNULL"
            } else {
                "FASTGPT_NULLABLE"
            };
            format!("{}*{mark} {}", &head[..i], head[i + 1..].trim_start())
        }
        _ => head,
    };
    let (params, tail) = rest.rsplit_once(')').expect("closing parenthesis");
    let params: Vec<String> = params
        .split(',')
        .map(|p| {
            let Some(star) = p.rfind('*') else {
                // A function-pointer typedef is a pointer too.
                if let Some((ty, name)) = p
                    .trim_end()
                    .rsplit_once(' ')
                    .filter(|(ty, _)| ty.trim_end().ends_with("fastgpt_stream_callback"))
                {
                    let mark = if required(name.trim()) {
                        "FASTGPT_NONNULL"
                    } else {
                        "FASTGPT_NULLABLE"
                    };
                    return format!("{ty} {mark} {name}");
                }
                return p.to_string();
            };
            let name = p[star + 1..].trim();
            let outer = if required(name) {
                "FASTGPT_NONNULL"
            } else {
                "FASTGPT_NULLABLE"
            };
            let before = &p[..star];
            if let Some(inner) = before.rfind('*') {
                // An out-parameter: what it points to may be NULL.
                format!("{}*FASTGPT_NULLABLE *{outer} {name}", &before[..inner])
            } else {
                format!("{before}*{outer} {name}")
            }
        })
        .collect();
    format!("{head}({}){tail}", params.join(","))
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
    // Doc lines of every export, to find text repeated instead of stated once.
    let mut seen: std::collections::HashMap<String, Vec<String>> = Default::default();
    let groups = header_groups();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let is_group = groups.iter().any(|g| g.module == stem);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[no_mangle]" {
                continue;
            }
            count += 1;
            // The signature, up to the opening brace of the body.
            let sig: String = lines[i + 1..]
                .iter()
                .take_while(|l| !l.trim_end().ends_with('{'))
                .chain(lines[i + 1..].iter().find(|l| l.trim_end().ends_with('{')))
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            let name = sig
                .split("fn ")
                .nth(1)
                .and_then(|r| r.split('(').next())
                .unwrap_or("?")
                .to_string();
            let doc: Vec<&str> = lines[..i]
                .iter()
                .rev()
                .take_while(|l| l.trim_start().starts_with("///"))
                .map(|l| l.trim_start().trim_start_matches("///").trim())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let params: Vec<String> = sig
                .split_once('(')
                .map(|(_, r)| r.rsplit_once(')').map_or(r, |(a, _)| a))
                .unwrap_or("")
                .split(',')
                .filter_map(|p| {
                    p.split(':')
                        .next()
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                })
                .collect();
            let returns_value = sig.contains(") ->");
            if !is_group {
                problems.push(format!(
                    "{name}: in {}, which is not a header group (`//! # Title`)",
                    path.display()
                ));
            }
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
            if !doc.iter().any(|d| d.starts_with("Since: ")) {
                problems.push(format!("{name}: no Since: line"));
            }
            for d in doc.iter().filter(|d| d.len() > 40 && !d.starts_with('@')) {
                seen.entry(d.to_string()).or_default().push(name.clone());
            }
            if sig.contains("bool") || sig.contains("...") {
                problems.push(format!("{name}: bool or varargs in the signature"));
            }
            // The body, up to the end of the item, must be the panic boundary.
            let body: Vec<&str> = lines[i + 1..]
                .iter()
                .skip_while(|l| !l.trim_end().ends_with('{'))
                .skip(1)
                .take_while(|l| !l.starts_with('}'))
                .map(|l| l.trim())
                .filter(|l| !l.is_empty())
                .collect();
            let after_outs = body
                .iter()
                .skip_while(|l| l.starts_with("let ") && l.contains("out!("))
                .collect::<Vec<_>>();
            if after_outs
                .first()
                .is_none_or(|l| !l.starts_with("ffi_call!("))
            {
                problems.push(format!(
                    "{name} ({}): its body is not one ffi_call!",
                    path.display()
                ));
            }
        }
    }
    for (line, names) in &seen {
        if names.len() > 2 {
            problems.push(format!(
                "repeated in {} exports ({}); state it once in the preamble or a group banner: {line}",
                names.len(),
                names.join(", ")
            ));
        }
    }
    assert!(count >= 31, "found only {count} exports");
    assert!(
        problems.is_empty(),
        "header documentation problems:\n{}",
        problems.join("\n")
    );
}
