//! The pre-commit hooks, proven with the real `pre-commit` (installed by `.ci/run` from PyPI
//! into `.ci/.venv` and put on PATH).
//!
//! The hook repository is a committed copy of this working tree (tracked and untracked, not
//! ignored files), because pre-commit installs hooks from a git revision. pre-commit then
//! builds kmslint itself with `cargo install` (`language: rust`), in a throwaway consumer
//! repository with a bad and a clean Terraform file.
//!
//! Build time: the hook's build goes to a target directory under `CARGO_TARGET_TMPDIR` that
//! survives between runs, and the release profile is switched to unoptimised incremental
//! builds through `CARGO_PROFILE_RELEASE_*` variables (pre-commit passes the environment on
//! to cargo). The first run compiles the dependencies (a minute or two); later runs take
//! seconds. What is tested (the manifest, the install, the hook's behaviour) does not depend
//! on the optimisation level.
//!
//! Without `pre-commit` on PATH the test fails under CI (`CI=true`, as CI services and
//! `.ci/run` set it) and is skipped, loudly, otherwise (`common::when_missing` decides).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{when_missing, WhenMissing};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("kmslint-precommit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A command with the environment of a plain shell: no git variables leaking in from a
/// surrounding hook or worktree.
fn command(program: &Path, cwd: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(cwd);
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_OBJECT_DIRECTORY",
    ] {
        c.env_remove(var);
    }
    c
}

fn git(cwd: &Path, args: &[&str]) -> String {
    let out = command(Path::new("git"), cwd)
        .args([
            "-c",
            "user.name=kmslint tests",
            "-c",
            "user.email=tests@kmslint.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?} in {}: {}",
        cwd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies the files of the working tree that git would see (tracked or untracked, not
/// ignored); without git metadata, everything but build output and virtualenvs.
fn copy_worktree(src: &Path, dst: &Path) {
    let listed = command(Path::new("git"), src)
        .args([
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success() && !o.stdout.is_empty());
    let files: Vec<PathBuf> = match listed {
        Some(o) => o
            .stdout
            .split(|&b| b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| PathBuf::from(String::from_utf8_lossy(p).into_owned()))
            .collect(),
        None => {
            let mut files = Vec::new();
            walk(src, Path::new(""), &mut files);
            files
        }
    };
    for rel in files {
        let from = src.join(&rel);
        if !from.is_file() {
            continue; // deleted in the working tree
        }
        let to = dst.join(&rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    }
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(root.join(rel)).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let path = rel.join(&name);
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            let n = name.to_string_lossy();
            if !(n == "target" || n == ".git" || n == ".venv" || n == "node_modules") {
                walk(root, &path, out);
            }
        } else if ty.is_file() {
            out.push(path);
        }
    }
}

struct PreCommit {
    program: PathBuf,
    home: PathBuf,
}

impl PreCommit {
    fn run(&self, cwd: &Path, args: &[&str]) -> (i32, String) {
        let out: Output = command(&self.program, cwd)
            .args(args)
            .env("PRE_COMMIT_HOME", &self.home)
            .env("PRE_COMMIT_COLOR", "never")
            .env("NO_COLOR", "1")
            .env(
                "CARGO_TARGET_DIR",
                Path::new(env!("CARGO_TARGET_TMPDIR")).join("precommit-hook-target"),
            )
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
            .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "true")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .output()
            .expect("run pre-commit");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    }
}

const BAD: &str = "resource \"aws_kms_key\" \"logs\" {\n  description = \"no rotation\"\n}\n";
const CLEAN: &str = "resource \"aws_kms_key\" \"logs\" {\n  enable_key_rotation = true\n}\n";

#[test]
fn pre_commit_hook_fails_on_a_bad_file_and_passes_a_clean_one() {
    let Some(program) = find_on_path("pre-commit") else {
        return common::missing_program(
            "`pre-commit` (PyPI)",
            "`python3 -m venv .ci/.venv && .ci/.venv/bin/pip install 'pre-commit==4.*'` and \
             `PATH=$PWD/.ci/.venv/bin:$PATH cargo test --test precommit`",
        );
    };
    let tmp = TempDir::new();
    let pre_commit = PreCommit {
        program,
        home: tmp.0.join("pre-commit-home"),
    };

    // The hook repository: this working tree, committed.
    let hook = tmp.0.join("kmslint");
    copy_worktree(repo(), &hook);
    assert!(hook.join(".pre-commit-hooks.yaml").is_file());
    git(&hook, &["init", "-q"]);
    git(&hook, &["add", "-A"]);
    git(&hook, &["commit", "-q", "-m", "kmslint under test"]);
    let rev = git(&hook, &["rev-parse", "HEAD"]).trim().to_string();
    let hook_path = hook.to_str().unwrap();

    let (code, out) = pre_commit.run(&hook, &["validate-manifest", ".pre-commit-hooks.yaml"]);
    assert_eq!(code, 0, "{out}");

    // The consumer: a module with a finding, a clean one, and a file the hook ignores.
    let consumer = tmp.0.join("consumer");
    for (path, text) in [
        ("modules/kms/main.tf", BAD),
        ("modules/kms/variables.tf", "variable \"unused\" {}\n"),
        ("ok/main.tf", CLEAN),
        ("README.md", "# infra\n"),
    ] {
        let p = consumer.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    git(&consumer, &["init", "-q"]);
    git(&consumer, &["add", "-A"]);

    // A bad file fails the hook, with the finding in the output.
    let (code, out) = pre_commit.run(
        &consumer,
        &[
            "try-repo",
            hook_path,
            "kmslint",
            "--verbose",
            "--files",
            "modules/kms/main.tf",
            "README.md",
        ],
    );
    assert_eq!(code, 1, "pre-commit output:\n{out}");
    for expected in [
        "Failed",
        "- exit code: 1",
        "kms-key-rotation-disabled",
        "modules/kms/main.tf:1:1",
        "aws_kms_key.logs",
    ] {
        assert!(out.contains(expected), "`{expected}` not in:\n{out}");
    }

    // A clean file passes.
    let (code, out) = pre_commit.run(
        &consumer,
        &["try-repo", hook_path, "kmslint", "--files", "ok/main.tf"],
    );
    assert_eq!(code, 0, "pre-commit output:\n{out}");
    assert!(out.contains("Passed"), "{out}");

    // The `.pre-commit-config.yaml` form the README shows (with a local path as the repo).
    std::fs::write(
        consumer.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {hook_path}\n    rev: {rev}\n    hooks:\n      - id: kmslint\n      - id: kmslint-plan\n"
        ),
    )
    .unwrap();
    git(&consumer, &["add", "-A"]);
    let (code, out) = pre_commit.run(&consumer, &["run", "--all-files"]);
    assert_eq!(code, 1, "pre-commit output:\n{out}");
    assert!(out.contains("kms-key-rotation-disabled"), "{out}");
    assert!(
        out.contains("kmslint (plan JSON)") && out.contains("no files to check"),
        "{out}"
    );

    // Fixing the file (here with a suppression comment) makes the hook pass.
    std::fs::write(
        consumer.join("modules/kms/main.tf"),
        format!("# kmslint:ignore kms-key-rotation-disabled -- tested\n{BAD}"),
    )
    .unwrap();
    git(&consumer, &["add", "-A"]);
    let (code, out) = pre_commit.run(&consumer, &["run", "--all-files"]);
    assert_eq!(code, 0, "pre-commit output:\n{out}");
}

#[test]
fn a_missing_program_fails_under_ci_and_skips_locally() {
    use std::ffi::OsStr;
    for ci in ["true", "1", "yes", "TRUE", "woodpecker"] {
        assert_eq!(
            when_missing(Some(OsStr::new(ci))),
            WhenMissing::Fail,
            "CI={ci}"
        );
    }
    for ci in [None, Some(""), Some("0"), Some("false"), Some("False")] {
        assert_eq!(
            when_missing(ci.map(OsStr::new)),
            WhenMissing::Skip,
            "CI={ci:?}"
        );
    }
}
