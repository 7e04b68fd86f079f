//! The invariants of the pipeline's shape (README "How it works"), checked on the source:
//!
//! - no import cycle between the crate's top-level modules;
//! - rules (`src/rules/**`) do not depend on output, the editor, applying fixes, the
//!   policy pass, discovery, plan reading or the pipeline;
//! - the model side (`src/{model,project,plan,eval,discover,hcl}/**`) never mentions rules or
//!   the pipeline;
//! - only the pipeline (`src/lint.rs`) calls `Rule::check`;
//! - a rule id appears in a string only in `src/rules/` (and in `rules/*.md` and tests).
//!
//! The graph is read from the text: every `crate::<module>` path in a file (in `use`
//! declarations and inline paths), with comments and strings left out; `super::` inside a
//! module stays inside it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `src/`, with its path relative to `src/`.
fn files() -> Vec<(String, String)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&src(), &src(), &mut out);
    assert!(out.len() > 20, "found the sources");
    out
}

/// The top-level module a file belongs to (`rules` for `rules/kms_key.rs`).
fn module_of(rel: &str) -> String {
    rel.split('/')
        .next()
        .unwrap()
        .trim_end_matches(".rs")
        .to_string()
}

/// The code of a file without comments and string contents, and the string literals it
/// contains, up to a top-level `#[cfg(test)]` (unit tests are exempt).
fn split(text: &str) -> (String, Vec<String>) {
    let text = match text.find("\n#[cfg(test)]") {
        Some(at) => &text[..at],
        None => text,
    };
    let b = text.as_bytes();
    let mut code = String::new();
    let mut strings = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2);
                i = end;
            }
            b'r' if matches!(b.get(i + 1), Some(b'#' | b'"'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                // Raw string r#"..."#.
                let mut j = i + 1;
                let mut hashes = 0;
                while b.get(j) == Some(&b'#') {
                    hashes += 1;
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    code.push('r');
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let end = text[j + 1..].find(&close).map_or(b.len(), |n| j + 1 + n);
                strings.push(text[j + 1..end].to_string());
                code.push_str("\"\"");
                i = (end + close.len()).min(b.len());
            }
            b'\'' => {
                // A char literal ('"', '\'') or a lifetime ('a).
                if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else if b.get(i + 1) == Some(&b'\\') {
                    let end = text[i + 2..].find('\'').map_or(b.len(), |n| i + 2 + n + 1);
                    i = end;
                } else {
                    code.push('\'');
                    i += 1;
                }
            }
            b'"' => {
                let mut j = i + 1;
                let mut s = String::new();
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    if let Some(&c) = b.get(j) {
                        s.push(c as char);
                    }
                    j += 1;
                }
                strings.push(s);
                code.push_str("\"\"");
                i = j + 1;
            }
            c => {
                code.push(c as char);
                i += 1;
            }
        }
    }
    (code, strings)
}

/// Top-level modules a file's code refers to with `crate::x`.
fn dependencies(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + 7..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name.clone());
        } else if let Some(group) = after.strip_prefix('{') {
            // `use crate::{a, b::{c, d}}`: the first name of each top-level item.
            let bytes = group.as_bytes();
            let (mut depth, mut item_start, mut i) = (0, true, 0);
            while i < bytes.len() {
                match bytes[i] {
                    b'{' => depth += 1,
                    b'}' if depth == 0 => break,
                    b'}' => depth -= 1,
                    b',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphanumeric() || c == b'_') => {
                        let end = group[i..]
                            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                            .map_or(group.len(), |n| i + n);
                        out.insert(group[i..end].to_string());
                        item_start = false;
                        i = end;
                        continue;
                    }
                    _ => {}
                }
                i += 1;
            }
        }
        rest = &after[name.len().max(1).min(after.len())..];
    }
    out
}

struct Source {
    rel: String,
    module: String,
    code: String,
    strings: Vec<String>,
    deps: BTreeSet<String>,
}

fn sources() -> Vec<Source> {
    files()
        .into_iter()
        .filter(|(rel, _)| rel != "main.rs" && !rel.ends_with("/tests.rs"))
        .map(|(rel, text)| {
            let (code, strings) = split(&text);
            let module = module_of(&rel);
            let deps = dependencies(&code)
                .into_iter()
                .filter(|d| *d != module)
                .collect();
            Source {
                rel,
                module,
                code,
                strings,
                deps,
            }
        })
        .collect()
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources() {
        graph.entry(s.module.clone()).or_default().extend(s.deps);
    }
    // Depth-first search for a back edge; report the cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
    // The graph really was read: the pipeline depends on the model and the rules.
    let lint = &graph["lint"];
    assert!(
        lint.contains("project") && lint.contains("rules"),
        "{lint:?}"
    );
}

#[test]
fn rules_depend_only_on_the_model_side() {
    const FORBIDDEN: &[&str] = &[
        "report",
        "lsp",
        "fix",
        "config",
        "policy",
        "discover",
        "plan",
        "lint",
        "read",
        "prefilter",
        "locate",
    ];
    let mut bad = Vec::new();
    for s in sources().iter().filter(|s| s.module == "rules") {
        for d in &s.deps {
            if FORBIDDEN.contains(&d.as_str()) {
                bad.push(format!("{} uses crate::{d}", s.rel));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_model_side_never_mentions_rules_or_the_pipeline() {
    const MODEL: &[&str] = &["model", "project", "plan", "eval", "discover", "hcl"];
    const FORBIDDEN: &[&str] = &[
        "rules",
        "lint",
        "locate",
        "prefilter",
        "policy",
        "report",
        "fix",
        "lsp",
    ];
    let mut bad = Vec::new();
    for s in sources()
        .iter()
        .filter(|s| MODEL.contains(&s.module.as_str()))
    {
        for d in &s.deps {
            if FORBIDDEN.contains(&d.as_str()) {
                bad.push(format!("{} uses crate::{d}", s.rel));
            }
        }
        for word in ["Rule::check", "RuleContext", "RULES"] {
            if s.code.contains(word) {
                bad.push(format!("{} mentions {word}", s.rel));
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn only_the_pipeline_runs_rules() {
    let mut calls = Vec::new();
    for s in sources() {
        if s.code.contains(".check(") {
            calls.push(s.rel.clone());
        }
    }
    assert_eq!(calls, ["lint.rs"], "files calling `.check(`");
}

/// Rule ids, read from the `id: "..."` of each rule's `RuleMeta` under `src/rules/`.
fn rule_ids(sources: &[Source]) -> Vec<String> {
    let mut ids = Vec::new();
    for s in sources.iter().filter(|s| s.module == "rules") {
        let text = std::fs::read_to_string(src().join(&s.rel)).unwrap();
        for line in text.lines() {
            // The `RuleMeta`'s own field (peer ids are nested deeper).
            if let Some(rest) = line.strip_prefix("    id: \"") {
                ids.push(rest.trim_end_matches("\",").to_string());
            }
        }
    }
    ids
}

#[test]
fn rule_ids_are_written_only_in_the_rules() {
    let sources = sources();
    let ids = rule_ids(&sources);
    assert!(ids.len() >= 4, "{ids:?}");
    for id in &ids {
        assert!(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("rules/{id}.md"))
                .is_file(),
            "{id} has no doc"
        );
    }
    let mut bad = Vec::new();
    for s in sources.iter().filter(|s| s.module != "rules") {
        for string in &s.strings {
            for id in &ids {
                if string.contains(id.as_str()) {
                    bad.push(format!("{}: {string:?} names {id}", s.rel));
                }
            }
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}

#[test]
fn the_text_reader_sees_code_comments_and_strings() {
    let (code, strings) = split(
        "use crate::a; // crate::b\nlet x = \"crate::c\"; /* crate::d */ let y = r#\"q\"#; let c = '\"'; fn f<'a>() { crate::e::f() }\n#[cfg(test)]\nmod tests { use crate::g; }",
    );
    assert_eq!(
        dependencies(&code).into_iter().collect::<Vec<_>>(),
        ["a", "e"]
    );
    assert_eq!(strings, ["crate::c", "q"]);
    assert_eq!(
        dependencies("use crate::{finding::X, rules::{self, Y}};")
            .into_iter()
            .collect::<Vec<_>>(),
        ["finding", "rules"]
    );
}
