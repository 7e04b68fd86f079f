//! Robustness sweep over the real-world corpus (`../shared/corpus/realworld`), when present.
//!
//! 1. `kmslint check` on the whole tree exits with 0, 1 or 2 (never a panic) and prints valid JSON.
//! 2. Every file, parsed in full and checked as part of its module, never panics; and the fast
//!    structural check used for modules that are not evaluated never rejects a file that the
//!    full parser accepts (the promise made in `src/hcl/lexcheck.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

use rayon::prelude::*;

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
        "structural check rejects valid files:\n{}",
        disagreements.join("\n")
    );
}
