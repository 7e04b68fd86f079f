//! Robustness sweep over the real-world corpus (`../shared/corpus/realworld`), when present.
//!
//! 1. `kmslint check` on the whole tree exits with 0, 1 or 2 (never a panic) and prints valid JSON.
//! 2. Every file, parsed in full and checked as part of its module, never panics; and the fast
//!    structural check used for modules that are not evaluated never rejects a file that the
//!    full parser accepts (the promise made in `src/hcl/lexcheck.rs`); every `.tf` file that
//!    `hcl-edit` (the grammar kmslint parses with) accepts is also accepted by kmslint's lowering.
//! 3. `--fix` on a copy of the corpus leaves every changed file parseable (by kmslint and by
//!    `hcl-edit`), changes only lines that a reported safe fix edits, and a second run finds
//!    nothing more to fix (`--diff` exits 0).

use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

mod common;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/realworld");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("corpus not found at {}; skipping", dir.display());
        None
    }
}

#[test]
fn check_on_the_corpus_completes_with_a_valid_report() {
    let Some(dir) = corpus() else { return };
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["check", "--format", "json"])
        .arg(&dir)
        .output()
        .expect("run kmslint");
    let code = out.status.code().expect("exit code (no signal)");
    assert!(
        matches!(code, 0..=2),
        "exit code {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["version"], 1);
    assert!(report["summary"]["files"].as_u64().unwrap() > 5000);

    // The corpus findings are pinned: a change that is meant to be only faster or more robust
    // must leave them as they are; one that changes them on purpose re-blesses the list
    // (`KMSLINT_BLESS=1 cargo test --test corpus`) and the diff shows what moved.
    let mut lines: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            format!(
                "{} {}:{}:{} {}",
                f["rule"].as_str().unwrap(),
                // Shown relative to the working directory: keep what follows the corpus root.
                file.split_once("realworld/").map_or(file, |(_, rest)| rest),
                f["span"]["start"]["line"],
                f["span"]["start"]["column"],
                f["address"].as_str().unwrap_or("")
            )
        })
        .collect();
    lines.sort();
    let actual = lines.join("\n") + "\n";
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/corpus-findings.txt");
    if std::env::var_os("KMSLINT_BLESS").is_some() {
        std::fs::write(&pinned, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&pinned).unwrap_or_default();
    assert!(
        actual == expected,
        "corpus findings changed (KMSLINT_BLESS=1 to accept):\n{}",
        similar::TextDiff::from_lines(&expected, &actual).unified_diff()
    );
}

#[test]
fn full_parse_of_every_module_never_panics_and_agrees_with_the_structural_check() {
    let Some(dir) = corpus() else { return };
    let cwd = std::env::current_dir().unwrap();
    let discovery = kmslint::discover::discover(&[dir]);
    let overlay = kmslint::read::Overlay::new();
    let load = |dir: &std::path::Path| kmslint::read::load_module(dir, &cwd, &overlay);
    let loader = kmslint::project::sources::Loader::new(&load);
    let disagreements: Vec<String> = discovery
        .modules
        .par_iter()
        .flat_map_iter(|spec| {
            let mut parsed = Vec::new();
            let mut errors = Vec::new();
            let mut disagreements = Vec::new();
            for path in &spec.files {
                let Ok(file) = kmslint::read::read_source(path, &cwd) else {
                    continue;
                };
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let role = kmslint::model::file_role(&name);
                let grammar_accepts = file.syntax == kmslint::source::Syntax::Hcl
                    && hcl_edit::parser::parse_body(file.body_text()).is_ok();
                if grammar_accepts && file.text.len() >= 16 << 10 {
                    // Large files are parsed in pieces: the same tree as a whole parse.
                    let whole = kmslint::hcl::parse_hcl(file.body_text(), file.bom_len)
                        .map(|b| format!("{b:?}"));
                    let pieces =
                        kmslint::hcl::parse_in_pieces(file.body_text(), file.bom_len, 4096)
                            .map(|b| format!("{b:?}"));
                    if whole != pieces {
                        disagreements
                            .push(format!("{}: parsed in pieces, another tree", file.display));
                    }
                }
                match kmslint::read::parse_source(&file) {
                    Ok(body) => {
                        if file.syntax == kmslint::source::Syntax::Hcl {
                            if let Some((message, at)) =
                                kmslint::hcl::lexcheck::check(file.body_text())
                            {
                                disagreements.push(format!("{}: {message} at {at}", file.display));
                            }
                        }
                        parsed.push((file, role, Some(body)));
                    }
                    Err(e) => {
                        if grammar_accepts {
                            disagreements.push(format!(
                                "{}: hcl-edit accepts it, kmslint rejects it: {}",
                                file.display, e.message
                            ));
                        }
                        errors.push(e);
                        parsed.push((file, role, None));
                    }
                }
            }
            let module = kmslint::model::Module::build(spec.dir.clone(), parsed, errors);
            let _ =
                kmslint::lint::check_root(&spec.dir, &module, &loader, &Default::default(), None);
            disagreements
        })
        .collect();
    assert!(
        disagreements.is_empty(),
        "valid files rejected:\n{}",
        disagreements.join("\n")
    );
}

/// Copies a directory tree (regular files and directories only; the corpus has no links).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let kind = entry.file_type().unwrap();
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap();
            // The shared corpus is read-only, and --fix rightly refuses read-only files.
            let mut permissions = std::fs::metadata(&target).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&target, permissions).unwrap();
        }
    }
}

/// Every file below `dir`, by path relative to it, with its bytes.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let rel = entry.path().strip_prefix(dir).unwrap().to_path_buf();
                files.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn fix_on_a_copy_of_the_corpus_edits_only_fixed_lines_and_is_idempotent() {
    let Some(dir) = corpus() else { return };
    let temp = common::TempDir::new();
    let copy = temp.path().join("realworld");
    copy_tree(&dir, &copy);
    let before = snapshot(&copy);
    let kmslint = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
            .args(args)
            .current_dir(&copy)
            .output()
            .expect("run kmslint");
        let code = out.status.code().expect("exit code (no signal)");
        assert!(
            matches!(code, 0..=2),
            "{args:?}: exit code {code}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (code, out.stdout)
    };

    // The lines each file's safe fixes edit, as reported before fixing (1-based, inclusive).
    let (_, report) = kmslint(&["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_slice(&report).expect("valid JSON");
    let mut fixed_lines: std::collections::BTreeMap<PathBuf, Vec<(u64, u64)>> = Default::default();
    for finding in report["findings"].as_array().unwrap() {
        let fix = &finding["fix"];
        if fix.is_null() || fix["safe"] != true {
            continue;
        }
        for edit in fix["edits"].as_array().unwrap() {
            let file = PathBuf::from(edit["file"].as_str().unwrap());
            let file = file.strip_prefix(".").unwrap_or(&file).to_path_buf();
            let span = &edit["span"];
            fixed_lines.entry(file).or_default().push((
                span["start"]["line"].as_u64().unwrap(),
                span["end"]["line"].as_u64().unwrap(),
            ));
        }
    }
    assert!(
        !fixed_lines.is_empty(),
        "the corpus has safe fixes to apply"
    );

    kmslint(&["check", "--fix", "--quiet", "."]);
    let after = snapshot(&copy);
    assert_eq!(before.len(), after.len(), "--fix adds or removes no file");
    let mut changed = 0;
    for (path, old) in &before {
        let new = &after[path];
        if old == new {
            continue;
        }
        changed += 1;
        let lines = fixed_lines
            .get(path)
            .unwrap_or_else(|| panic!("{} changed without a reported fix", path.display()));
        let new_text = std::str::from_utf8(new).expect("fixed file is UTF-8");
        let old_text = std::str::from_utf8(old).unwrap();
        if path.extension().is_some_and(|e| e == "tf") {
            assert!(
                hcl_edit::parser::parse_body(new_text).is_ok(),
                "{} no longer parses (hcl-edit)",
                path.display()
            );
        }
        // Every changed line of the old text is one a fix edits (insertions land next to
        // the line their span is on).
        let diff = similar::TextDiff::from_lines(old_text, new_text);
        for op in diff.ops() {
            if matches!(op.tag(), similar::DiffTag::Equal) {
                continue;
            }
            let old_range = op.old_range();
            let (first, last) = (
                old_range.start as u64,
                old_range.end.max(old_range.start + 1) as u64,
            );
            assert!(
                lines.iter().any(|&(s, e)| first < e + 1 && s <= last + 1),
                "{}: lines {}..{} changed, but fixes edit only {lines:?}",
                path.display(),
                first + 1,
                last
            );
        }
    }
    assert!(changed > 0, "--fix changed some file");

    // Everything fixable was fixed, and the result parses for kmslint too.
    let (code, diff) = kmslint(&["check", "--diff", "."]);
    assert_eq!(
        code,
        0,
        "a second --fix would still change:\n{}",
        String::from_utf8_lossy(&diff)
    );
    let (_, report) = kmslint(&["check", "--format", "json", "."]);
    let report: serde_json::Value = serde_json::from_slice(&report).unwrap();
    for error in report["errors"].as_array().unwrap() {
        let file = error["file"]
            .as_str()
            .or(error["path"].as_str())
            .unwrap_or("");
        let rel = PathBuf::from(file.trim_start_matches("./"));
        assert!(
            before.get(&rel) == after.get(&rel),
            "a fixed file has an error now: {error}"
        );
    }
}
