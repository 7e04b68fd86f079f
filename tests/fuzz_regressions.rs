//! Regression tests for what fuzzing found: every crash, timeout or memory blow-up of a fuzz
//! target (`fuzz/`, see the README's "Fuzzing") is kept as an input in
//! `fixtures/fuzz/<target>/<name>` and run here through the same check as the target
//! (`fuzz/fuzz_targets/checks.rs`, included below), so it stays fixed.
//!
//! A timeout or OOM input must also finish quickly here: each input gets a time budget
//! ([`BUDGET`], generous for a debug build), well under libFuzzer's `-timeout=10` in release.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[path = "../fuzz/fuzz_targets/checks.rs"]
mod checks;

/// What one input may take in a debug build.
const BUDGET: Duration = Duration::from_secs(20);

/// A fuzz target's check, by name.
type Check = (&'static str, fn(&[u8]));

fn inputs(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn run(target: &str, check: fn(&[u8])) {
    for path in inputs(target) {
        let data = std::fs::read(&path).unwrap();
        let started = Instant::now();
        check(&data);
        let took = started.elapsed();
        assert!(
            took < BUDGET,
            "{} took {took:?} (budget {BUDGET:?})",
            path.display()
        );
    }
}

#[test]
fn hcl_module() {
    run("hcl_module", checks::hcl_module);
}

#[test]
fn tf_json() {
    run("tf_json", checks::tf_json);
}

#[test]
fn tfvars() {
    run("tfvars", checks::tfvars);
}

#[test]
fn plan_json() {
    run("plan_json", checks::plan_json);
}

#[test]
fn fix() {
    run("fix", checks::fix);
}

#[test]
fn lsp() {
    run("lsp", checks::lsp);
}

#[test]
fn filter_pattern() {
    run("filter_pattern", checks::filter_pattern);
}

/// Replays a whole fuzz corpus (`fuzz/corpus/<target>/`, built by `fuzz/seed.sh` and grown
/// by fuzzing) through the checks in this debug build, which has overflow checks:
/// `KMSLINT_FUZZ_CORPUS=hcl_module cargo test --test fuzz_regressions -- --ignored`.
#[test]
#[ignore = "needs a local fuzz corpus; see the README's Fuzzing section"]
fn replay_corpus() {
    let targets: [Check; 7] = [
        ("hcl_module", checks::hcl_module),
        ("tf_json", checks::tf_json),
        ("tfvars", checks::tfvars),
        ("plan_json", checks::plan_json),
        ("fix", checks::fix),
        ("lsp", checks::lsp),
        ("filter_pattern", checks::filter_pattern),
    ];
    let only = std::env::var("KMSLINT_FUZZ_CORPUS").ok();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (target, check) in targets {
        if only.as_deref().is_some_and(|o| o != target) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let started = Instant::now();
            let result = std::panic::catch_unwind(|| check(&data));
            assert!(result.is_ok(), "{target}: {} panicked", path.display());
            let took = started.elapsed();
            assert!(took < BUDGET, "{target}: {} took {took:?}", path.display());
        }
    }
}
