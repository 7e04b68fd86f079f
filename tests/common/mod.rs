//! Helpers shared by integration tests that run the real `kmslint` binary.
//!
//! Expected findings are matched by rule and address (exactly one finding each, and no other
//! finding); files are compared as canonical paths, so a report path such as
//! `root/../modules/x/main.tf` still matches `modules/x/main.tf` here (a separate test pins the
//! display form). Every span is checked against the bytes of the file it points into.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

pub const ROTATION: &str = "kms-key-rotation-disabled";
pub const RECORDER: &str = "config-recorder-kms-excluded";
/// The lifecycle rules (issue 11), known to the report's schema checks.
pub const LIFECYCLE: &[&str] = &[
    "kms-rotation-period-invalid",
    "kms-rotation-unsupported",
    "kms-imported-key-rotation",
    "kms-key-disabled-in-use",
    "kms-deletion-window-short",
    "kms-key-deletion-planned",
    "kms-key-disable-planned",
];
/// Rules added after these fixtures were written, with their own cases in `fixtures/rules/`
/// (`tests/rules.rs`): a lone recorder here also has no status and no delivery channel, which
/// `config-recorder-not-recording` reports. Left out of every `check` run here, so that the
/// fixtures keep testing what they were written for.
pub const LATER_RULES: &str = "cis-cmk-change-alarm-missing,cloudtrail-kms-events-excluded,\
    cloudwatch-cmk-filter-incomplete,config-recorder-not-recording";

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    repo().join("fixtures").join(name)
}

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `kmslint ARGS` in `cwd`; fails on a panic or a signal.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let mut args = args.to_vec();
    if args.first() == Some(&"check") {
        args.splice(1..1, ["--ignore", LATER_RULES]);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(&args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kmslint");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("kmslint {args:?} was killed by a signal\n{stderr}"));
    assert_ne!(code, 101, "kmslint {args:?} panicked:\n{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "kmslint {args:?} panicked:\n{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).expect("stdout is UTF-8");
    Run {
        code,
        stdout,
        stderr,
    }
}

/// `kmslint check --format json ARGS` in `cwd`: the report, validated, after checking the
/// exit-code contract (0 clean, 1 findings, 2 errors; 2 wins).
pub fn check_in(cwd: &Path, args: &[&str]) -> Value {
    let mut full = vec!["check", "--format", "json"];
    full.extend_from_slice(args);
    let run = run_in(cwd, &full);
    let report: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "kmslint {full:?}: stdout is not JSON ({e}):\n{}\n{}",
            run.stdout, run.stderr
        )
    });
    assert_schema(&report);
    let expected = if !arr(&report["errors"]).is_empty() {
        2
    } else if arr(&report["findings"])
        .iter()
        // Notes are below the default `--fail-on warning`.
        .any(|f| f["severity"] != "note")
    {
        1
    } else {
        0
    };
    assert_eq!(
        run.code, expected,
        "exit code of kmslint {full:?}; report:\n{report:#}"
    );
    report
}

/// `kmslint check --format json ARGS` from the repository root.
pub fn check(args: &[&str]) -> Value {
    check_in(repo(), args)
}

pub fn arr(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
}

pub fn num(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a non-negative integer, got {v}"))
}

pub fn string(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

pub fn findings(report: &Value) -> &Vec<Value> {
    arr(&report["findings"])
}

pub fn errors(report: &Value) -> &Vec<Value> {
    arr(&report["errors"])
}

// ---------------------------------------------------------------------------------------------
// Schema (version 1)
// ---------------------------------------------------------------------------------------------

fn has_keys(v: &Value, keys: &[&str]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"));
    for key in keys {
        assert!(obj.contains_key(*key), "missing key `{key}` in {v:#}");
    }
}

fn assert_span_schema(s: &Value) {
    has_keys(s, &["start", "end"]);
    for p in [&s["start"], &s["end"]] {
        has_keys(p, &["line", "column", "offset"]);
        assert!(
            num(&p["line"]) >= 1 && num(&p["column"]) >= 1,
            "1-based: {p}"
        );
    }
    assert!(
        num(&s["start"]["offset"]) <= num(&s["end"]["offset"]),
        "span ends before it starts: {s}"
    );
}

pub fn assert_schema(r: &Value) {
    let obj = r.as_object().expect("the report is a JSON object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["errors", "findings", "summary", "version"]);
    assert_eq!(r["version"], 1);
    for f in findings(r) {
        has_keys(
            f,
            &[
                "rule", "severity", "message", "file", "span", "address", "related", "fix",
            ],
        );
        assert!(
            ([ROTATION, RECORDER].contains(&string(&f["rule"]))
                || LIFECYCLE.contains(&string(&f["rule"]))),
            "{f}"
        );
        assert!(!string(&f["message"]).is_empty());
        assert!(!string(&f["file"]).is_empty());
        assert!(!string(&f["address"]).is_empty());
        assert_span_schema(&f["span"]);
        for rel in arr(&f["related"]) {
            has_keys(rel, &["file", "span", "message"]);
            assert_span_schema(&rel["span"]);
        }
    }
    for e in errors(r) {
        has_keys(e, &["file", "message", "span"]);
        assert!(!string(&e["message"]).is_empty());
        if !e["span"].is_null() {
            assert_span_schema(&e["span"]);
        }
    }
    let s = &r["summary"];
    has_keys(
        s,
        &["files", "modules", "findings", "fixable", "errors", "fixed"],
    );
    assert_eq!(num(&s["findings"]) as usize, findings(r).len());
    assert_eq!(num(&s["errors"]) as usize, errors(r).len());
}

// ---------------------------------------------------------------------------------------------
// Paths and spans
// ---------------------------------------------------------------------------------------------

/// The canonical path of a report path (relative to the run's working directory `cwd`).
pub fn resolve(cwd: &Path, file: &str) -> PathBuf {
    let path = cwd.join(file);
    std::fs::canonicalize(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A report path relative to `base` (both canonicalized), with `/` separators.
pub fn relative(cwd: &Path, file: &str, base: &Path) -> String {
    let base = std::fs::canonicalize(base).unwrap();
    let path = resolve(cwd, file);
    path.strip_prefix(&base)
        .unwrap_or_else(|_| panic!("{} is not under {}", path.display(), base.display()))
        .to_string_lossy()
        .replace('\\', "/")
}

/// The text a span covers in the (UTF-8) file `cwd/file`, by byte offsets.
pub fn covered(cwd: &Path, file: &str, span: &Value) -> String {
    let bytes = std::fs::read(cwd.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"));
    let (a, b) = (
        num(&span["start"]["offset"]) as usize,
        num(&span["end"]["offset"]) as usize,
    );
    assert!(b <= bytes.len(), "span past the end of {file}: {span}");
    String::from_utf8_lossy(&bytes[a..b]).into_owned()
}

pub fn start(span: &Value) -> (u64, u64) {
    (num(&span["start"]["line"]), num(&span["start"]["column"]))
}

/// Checks that a span of `cwd/file` starts at (line, column), covers exactly `text`, and ends
/// where `text` ends.
pub fn assert_span(cwd: &Path, file: &str, span: &Value, line: u64, column: u64, text: &str) {
    assert_eq!(start(span), (line, column), "start of {span} in {file}");
    assert_eq!(covered(cwd, file, span), text, "text of {span} in {file}");
    let newlines = text.matches('\n').count() as u64;
    let end = if newlines == 0 {
        (line, column + text.chars().count() as u64)
    } else {
        let last = text.rsplit('\n').next().unwrap_or("");
        (line + newlines, last.chars().count() as u64 + 1)
    };
    assert_eq!(
        (num(&span["end"]["line"]), num(&span["end"]["column"])),
        end,
        "end of {span} in {file}"
    );
}

// ---------------------------------------------------------------------------------------------
// Expected findings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct Loc {
    /// Relative to the expectation's base directory.
    pub file: String,
    pub line: u64,
    pub column: u64,
    /// The exact text the span covers.
    pub text: String,
}

pub fn loc(file: &str, line: u64, column: u64, text: &str) -> Loc {
    Loc {
        file: file.to_string(),
        line,
        column,
        text: text.to_string(),
    }
}

#[derive(Debug, Clone)]
pub struct Exp {
    pub rule: &'static str,
    pub address: String,
    pub at: Loc,
    pub fix: bool,
    pub related: Vec<Loc>,
    /// Substrings the message must contain.
    pub says: Vec<String>,
}

pub fn exp(rule: &'static str, address: &str, at: Loc) -> Exp {
    Exp {
        rule,
        address: address.to_string(),
        at,
        fix: false,
        related: Vec::new(),
        says: Vec::new(),
    }
}

/// A `kms-key-rotation-disabled` finding.
pub fn key(address: &str, file: &str, line: u64, column: u64, text: &str) -> Exp {
    exp(ROTATION, address, loc(file, line, column, text))
}

/// A `config-recorder-kms-excluded` finding.
pub fn recorder(address: &str, file: &str, line: u64, column: u64, text: &str) -> Exp {
    exp(RECORDER, address, loc(file, line, column, text))
}

impl Exp {
    pub fn fixable(mut self) -> Exp {
        self.fix = true;
        self
    }

    pub fn related(mut self, file: &str, line: u64, column: u64, text: &str) -> Exp {
        self.related.push(loc(file, line, column, text));
        self
    }

    pub fn says(mut self, text: &str) -> Exp {
        self.says.push(text.to_string());
        self
    }
}

fn check_loc(cwd: &Path, base: &Path, file: &str, span: &Value, want: &Loc, what: &str) {
    let expected = std::fs::canonicalize(base.join(&want.file))
        .unwrap_or_else(|e| panic!("{what}: {}: {e}", want.file));
    assert_eq!(resolve(cwd, file), expected, "{what}: file `{file}`");
    assert_eq!(
        start(span),
        (want.line, want.column),
        "{what}: start in {file}: {span}"
    );
    assert_span(cwd, file, span, want.line, want.column, &want.text);
}

/// Asserts the report's findings exactly (any order): one finding per expectation, matched by
/// rule and address, and nothing else; no errors. `cwd` is where kmslint ran, `base` the
/// directory expectation files are relative to.
pub fn assert_findings(cwd: &Path, base: &Path, report: &Value, expected: &[Exp]) {
    let got = findings(report);
    let summary: Vec<String> = got
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{}",
                string(&f["rule"]),
                string(&f["address"]),
                string(&f["file"]),
                num(&f["span"]["start"]["line"]),
                num(&f["span"]["start"]["column"])
            )
        })
        .collect();
    assert_eq!(
        got.len(),
        expected.len(),
        "number of findings; got:\n{}\n{:#}",
        summary.join("\n"),
        report["findings"]
    );
    for e in expected {
        let matching: Vec<&Value> = got
            .iter()
            .filter(|f| f["rule"] == e.rule && f["address"] == e.address.as_str())
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "one {} finding on {}; got:\n{}",
            e.rule,
            e.address,
            summary.join("\n")
        );
        let f = matching[0];
        let what = format!("{} {}", e.rule, e.address);
        assert_eq!(f["severity"], "warning", "{what}");
        check_loc(cwd, base, string(&f["file"]), &f["span"], &e.at, &what);
        assert_eq!(
            f["fix"].is_object(),
            e.fix,
            "{what}: whether a fix exists: {f:#}"
        );
        let related = arr(&f["related"]);
        assert_eq!(related.len(), e.related.len(), "{what}: related: {f:#}");
        for (r, want) in related.iter().zip(&e.related) {
            check_loc(
                cwd,
                base,
                string(&r["file"]),
                &r["span"],
                want,
                &format!("{what} (related)"),
            );
        }
        for text in &e.says {
            assert!(
                string(&f["message"]).contains(text.as_str()),
                "{what}: message should contain `{text}`: {}",
                f["message"]
            );
        }
    }
    assert!(
        errors(report).is_empty(),
        "unexpected errors: {:#}",
        report["errors"]
    );
}

/// Findings as (rule, address, file relative to `base`, line, column), sorted.
pub fn triples(cwd: &Path, base: &Path, report: &Value) -> Vec<(String, String, String, u64, u64)> {
    let mut out: Vec<_> = findings(report)
        .iter()
        .map(|f| {
            let (line, column) = start(&f["span"]);
            (
                string(&f["rule"]).to_string(),
                string(&f["address"]).to_string(),
                relative(cwd, string(&f["file"]), base),
                line,
                column,
            )
        })
        .collect();
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------------------------

pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kmslint-semantics-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Copies `fixtures/<name>` (hidden directories such as `.terraform/` included) to
    /// `<temp>/<name>`, leaving out the file names in `skip`.
    pub fn copy_fixture(&self, name: &str, skip: &[&str]) -> PathBuf {
        let dst = self.0.join(name);
        copy_dir(&fixture(name), &dst, skip);
        dst
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn copy_dir(src: &Path, dst: &Path, skip: &[&str]) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if skip.contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_dir(&entry.path(), &dst.join(&name), skip);
        } else {
            assert!(
                kind.is_file(),
                "fixtures hold no symlinks: {}",
                entry.path().display()
            );
            std::fs::copy(entry.path(), dst.join(&name)).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// External programs some tests need (pre-commit, Neovim, pytest-lsp)
// ---------------------------------------------------------------------------------------------

/// Whether the tests run under CI: `CI` set to anything but empty, `0` or `false`. GitHub
/// Actions, GitLab CI and most other services set `CI=true`; so does `.ci/run`.
pub fn under_ci(ci: Option<&std::ffi::OsStr>) -> bool {
    ci.map(|v| v.to_string_lossy().trim().to_ascii_lowercase())
        .is_some_and(|v| !(v.is_empty() || v == "0" || v == "false"))
}

/// What a test does when a program it needs is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenMissing {
    /// Under CI: the test fails, so that a broken install step cannot pass as green.
    Fail,
    /// Locally: the test returns early, after a visible message.
    Skip,
}

pub fn when_missing(ci: Option<&std::ffi::OsStr>) -> WhenMissing {
    if under_ci(ci) {
        WhenMissing::Fail
    } else {
        WhenMissing::Skip
    }
}

/// Call when `what` is not installed, then return from the test: panics under CI; otherwise
/// prints a SKIPPED banner straight to the process's stderr (the test harness captures
/// `eprintln!` of a passing test, which would make the skip silent).
pub fn missing_program(what: &str, how: &str) {
    match when_missing(std::env::var_os("CI").as_deref()) {
        WhenMissing::Fail => panic!(
            "{what} is required under CI (CI={:?}) but was not found: {how}",
            std::env::var_os("CI").unwrap_or_default()
        ),
        WhenMissing::Skip => {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n{stars}\n  SKIPPED: {what} not found. Run `bash .ci/run` once (it installs it),\n  \
                 or {how}.\n{stars}\n",
                stars = "*".repeat(76)
            );
        }
    }
}
