//! End-to-end tests of the `kmslint` binary against the modules in `fixtures/`.
//!
//! Every fixture directory is one Terraform module that proves one thing. Its findings are
//! asserted exactly: rule, file, start line and column, the exact source text the span covers
//! (which pins the byte offsets and the end position), address, whether a fix exists, and
//! related locations. Expected positions were counted by hand from the fixture text (1-based
//! lines, columns count characters); the covered text is read from the fixture bytes here,
//! independently of the binary.
//!
//! Every report goes through `assert_schema` (JSON schema version 1) and through the exit-code
//! contract (0 clean, 1 findings, 2 errors; 2 wins).
//!
//! `--fix` tests run on a copy of a fixture in a fresh temporary directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const ROTATION: &str = "kms-key-rotation-disabled";
/// Rules added after these fixtures were written, with their own cases in `fixtures/rules/`
/// (`tests/rules.rs`): a lone recorder here also has no status and no delivery channel, which
/// `config-recorder-not-recording` reports. Left out of every `check` run here, so that the
/// fixtures keep testing what they were written for.
const LATER_RULES: &str = "cis-cmk-change-alarm-missing,cloudtrail-kms-events-excluded,\
    cloudwatch-cmk-filter-incomplete,config-recorder-not-recording";
const RECORDER: &str = "config-recorder-kms-excluded";
/// The lifecycle rules (issue 11), known to the report's schema checks.
const LIFECYCLE: &[&str] = &[
    "kms-rotation-period-invalid",
    "kms-rotation-unsupported",
    "kms-imported-key-rotation",
    "kms-key-disabled-in-use",
    "kms-deletion-window-short",
    "kms-key-deletion-planned",
    "kms-key-disable-planned",
];
const KEY: &str = "aws_kms_key.x";
const REC: &str = "aws_config_configuration_recorder.main";

/// The first lines shared by every `recorder-*` fixture.
const REC_HEAD: &str = "resource \"aws_config_configuration_recorder\" \"main\" {\n  name     = \"main\"\n  role_arn = \"arn:aws:iam::123456789012:role/config\"\n";

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `kmslint ARGS` in `cwd`; fails on a panic or a signal.
fn run_in(cwd: &Path, args: &[&str]) -> Run {
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

/// `kmslint check --format json ARGS` in `cwd`: the exit code and the (validated) report.
fn check_in(cwd: &Path, args: &[&str]) -> (i32, Value) {
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
    (run.code, report)
}

/// Checks `fixtures/<name>` from the repository root (paths in the report start with `fixtures/`).
fn check_fixture(name: &str) -> Value {
    check_in(repo(), &[&format!("fixtures/{name}")]).1
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
}

fn num(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a non-negative integer, got {v}"))
}

fn string(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

// ---------------------------------------------------------------------------------------------
// Schema
// ---------------------------------------------------------------------------------------------

fn has_keys(v: &Value, keys: &[&str]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("expected an object, got {v}"));
    for key in keys {
        assert!(obj.contains_key(*key), "missing key `{key}` in {v:#}");
    }
}

fn assert_position(p: &Value) {
    has_keys(p, &["line", "column", "offset"]);
    assert!(num(&p["line"]) >= 1, "lines are 1-based: {p}");
    assert!(num(&p["column"]) >= 1, "columns are 1-based: {p}");
    num(&p["offset"]);
}

fn assert_span_schema(s: &Value) {
    has_keys(s, &["start", "end"]);
    assert_position(&s["start"]);
    assert_position(&s["end"]);
    let pos = |p: &Value| (num(&p["line"]), num(&p["column"]), num(&p["offset"]));
    let (start, end) = (pos(&s["start"]), pos(&s["end"]));
    assert!(start.2 <= end.2, "span ends before it starts: {s}");
    assert!(
        (start.0, start.1) <= (end.0, end.1),
        "span ends before it starts: {s}"
    );
}

fn assert_schema(r: &Value) {
    let obj = r.as_object().expect("the report is a JSON object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["errors", "findings", "notes", "summary", "version"],
        "top-level keys"
    );
    assert_eq!(r["version"], 1);
    let findings = arr(&r["findings"]);
    for f in findings {
        has_keys(
            f,
            &[
                "rule", "severity", "message", "file", "span", "address", "related", "fix",
            ],
        );
        assert!(
            ([ROTATION, RECORDER].contains(&string(&f["rule"]))
                || LIFECYCLE.contains(&string(&f["rule"]))),
            "unknown rule in {f}"
        );
        assert!(
            ["note", "warning", "error"].contains(&string(&f["severity"])),
            "severity in {f}"
        );
        assert!(!string(&f["message"]).is_empty(), "empty message in {f}");
        assert!(!string(&f["file"]).is_empty());
        assert!(!string(&f["address"]).is_empty());
        assert_span_schema(&f["span"]);
        for rel in arr(&f["related"]) {
            has_keys(rel, &["file", "span", "message"]);
            string(&rel["file"]);
            string(&rel["message"]);
            assert_span_schema(&rel["span"]);
        }
        let fix = &f["fix"];
        if !fix.is_null() {
            has_keys(fix, &["title", "safe", "edits"]);
            assert!(!string(&fix["title"]).is_empty());
            assert!(fix["safe"].is_boolean());
            assert!(!arr(&fix["edits"]).is_empty(), "a fix without edits: {f}");
            for edit in arr(&fix["edits"]) {
                has_keys(edit, &["file", "span", "content"]);
                string(&edit["file"]);
                string(&edit["content"]);
                assert_span_schema(&edit["span"]);
            }
        }
    }
    let errors = arr(&r["errors"]);
    for e in errors {
        has_keys(e, &["file", "message", "span"]);
        string(&e["file"]);
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
    for k in ["files", "modules", "fixed"] {
        num(&s[k]);
    }
    assert_eq!(
        num(&s["findings"]) as usize,
        findings.len(),
        "summary.findings"
    );
    assert_eq!(num(&s["errors"]) as usize, errors.len(), "summary.errors");
    let fixable = findings.iter().filter(|f| f["fix"]["safe"] == true).count();
    assert_eq!(num(&s["fixable"]) as usize, fixable, "summary.fixable");
}

// ---------------------------------------------------------------------------------------------
// Expected findings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct Expect {
    rule: &'static str,
    /// Relative to the fixture directory.
    file: &'static str,
    line: u64,
    column: u64,
    /// The exact source text the span covers.
    text: &'static str,
    address: &'static str,
    fix: bool,
    /// (file relative to the fixture directory, line, column, covered text)
    related: Vec<(&'static str, u64, u64, &'static str)>,
}

/// A `kms-key-rotation-disabled` finding on `aws_kms_key.x`, without a fix.
fn key(file: &'static str, line: u64, column: u64, text: &'static str) -> Expect {
    Expect {
        rule: ROTATION,
        file,
        line,
        column,
        text,
        address: KEY,
        fix: false,
        related: Vec::new(),
    }
}

/// A `config-recorder-kms-excluded` finding on the recorder `main`, without a fix.
fn recorder(file: &'static str, line: u64, column: u64, text: &'static str) -> Expect {
    Expect {
        rule: RECORDER,
        address: REC,
        ..key(file, line, column, text)
    }
}

impl Expect {
    fn fixable(mut self) -> Expect {
        self.fix = true;
        self
    }

    fn address(mut self, address: &'static str) -> Expect {
        self.address = address;
        self
    }

    fn related(mut self, file: &'static str, line: u64, column: u64, text: &'static str) -> Expect {
        self.related.push((file, line, column, text));
        self
    }
}

/// The header `resource "aws_kms_key" "x"` at the top of a file.
const HEADER_X: &str = "resource \"aws_kms_key\" \"x\"";

/// Checks that `span` in the file `base/file` starts at (line, column), covers exactly `text`,
/// and ends where `text` ends (line and column computed from `text` itself).
fn assert_span_covers(
    base: &Path,
    file: &str,
    span: &Value,
    line: u64,
    column: u64,
    text: &str,
    what: &str,
) {
    let (start, end) = (&span["start"], &span["end"]);
    assert_eq!(
        (num(&start["line"]), num(&start["column"])),
        (line, column),
        "{what}: start line/column in {file}: {span}"
    );
    let bytes = std::fs::read(base.join(file)).unwrap_or_else(|e| panic!("read {file}: {e}"));
    let (a, b) = (num(&start["offset"]) as usize, num(&end["offset"]) as usize);
    assert!(
        b <= bytes.len(),
        "{what}: span past the end of {file}: {span}"
    );
    assert_eq!(
        String::from_utf8_lossy(&bytes[a..b]),
        text,
        "{what}: text covered by the span in {file}: {span}"
    );
    let newlines = text.matches('\n').count() as u64;
    let expected_end = if newlines == 0 {
        (line, column + text.chars().count() as u64)
    } else {
        let last = text.rsplit('\n').next().unwrap_or("");
        (line + newlines, last.chars().count() as u64 + 1)
    };
    assert_eq!(
        (num(&end["line"]), num(&end["column"])),
        expected_end,
        "{what}: end line/column in {file}: {span}"
    );
}

/// `dir/file`, or `file` when `dir` is empty.
fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

/// Asserts the findings of a report exactly, in order. `dir` is the module directory as it
/// appears in the report (relative to `base`, the working directory of the run; empty for `.`).
fn assert_findings_in(base: &Path, dir: &str, report: &Value, expected: &[Expect]) {
    let findings = arr(&report["findings"]);
    assert_eq!(
        findings.len(),
        expected.len(),
        "{dir}: number of findings; got:\n{:#}",
        report["findings"]
    );
    for (f, e) in findings.iter().zip(expected) {
        let file = join(dir, e.file);
        let what = format!("{dir} {}", e.address);
        assert_eq!(f["rule"], e.rule, "{what}: rule");
        assert_eq!(f["severity"], "warning", "{what}: severity");
        assert_eq!(f["file"], file.as_str(), "{what}: file");
        assert_eq!(f["address"], e.address, "{what}: address");
        assert_span_covers(base, &file, &f["span"], e.line, e.column, e.text, &what);
        assert_eq!(
            f["fix"].is_object(),
            e.fix,
            "{what}: whether a fix exists: {f:#}"
        );
        if e.fix {
            assert_eq!(f["fix"]["safe"], true, "{what}: fixes are safe");
            for edit in arr(&f["fix"]["edits"]) {
                assert_eq!(
                    edit["file"],
                    file.as_str(),
                    "{what}: a fix edits the finding's file"
                );
            }
        }
        let related = arr(&f["related"]);
        assert_eq!(
            related.len(),
            e.related.len(),
            "{what}: related locations: {f:#}"
        );
        for (r, (rfile, line, column, text)) in related.iter().zip(&e.related) {
            let rfile = join(dir, rfile);
            assert_eq!(r["file"], rfile.as_str(), "{what}: related file");
            assert!(!string(&r["message"]).is_empty());
            assert_span_covers(
                base,
                &rfile,
                &r["span"],
                *line,
                *column,
                text,
                &format!("{what} (related)"),
            );
        }
    }
    assert!(
        arr(&report["errors"]).is_empty(),
        "{dir}: unexpected errors: {:#}",
        report["errors"]
    );
}

/// Checks a fixture and asserts its findings exactly; returns the report.
fn assert_fixture(name: &str, expected: &[Expect]) -> Value {
    let report = check_fixture(name);
    assert_findings_in(repo(), &format!("fixtures/{name}"), &report, expected);
    report
}

/// A fixture with no finding and no error, whose `files` input files were all read.
fn assert_clean(name: &str, files: u64) {
    let report = check_fixture(name);
    assert_findings_in(repo(), &format!("fixtures/{name}"), &report, &[]);
    assert_eq!(
        num(&report["summary"]["files"]),
        files,
        "{name}: files read"
    );
    assert_eq!(num(&report["summary"]["modules"]), 1, "{name}: modules");
}

fn message(report: &Value, i: usize) -> &str {
    string(&report["findings"][i]["message"])
}

// ---------------------------------------------------------------------------------------------
// Temporary copies (for --fix and runtime-only trees)
// ---------------------------------------------------------------------------------------------

static COUNTER: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("kmslint-cli-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    /// Copies `fixtures/<name>` to `<temp>/<name>` and returns the copy's path.
    fn copy_fixture(&self, name: &str) -> PathBuf {
        let dst = self.0.join(name);
        copy_dir(&repo().join("fixtures").join(name), &dst);
        dst
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("create dir");
    for entry in std::fs::read_dir(src).unwrap_or_else(|e| panic!("read {}: {e}", src.display())) {
        let entry = entry.expect("dir entry");
        let ty = entry.file_type().expect("file type");
        let to = dst.join(entry.file_name());
        if ty.is_dir() {
            copy_dir(&entry.path(), &to);
        } else if ty.is_file() {
            std::fs::copy(entry.path(), &to).expect("copy file");
        } else {
            panic!(
                "fixtures must not contain symlinks: {}",
                entry.path().display()
            );
        }
    }
}

/// Every file under `dir` (symlinks not followed), relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let entry = entry.expect("dir entry");
            let ty = entry.file_type().expect("file type");
            if ty.is_dir() {
                walk(root, &entry.path(), out);
            } else if ty.is_file() {
                let rel = entry
                    .path()
                    .strip_prefix(root)
                    .expect("under root")
                    .to_path_buf();
                out.insert(rel, std::fs::read(entry.path()).expect("read file"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Copies a fixture, runs `--fix`, and checks: the named file becomes exactly `expected`,
/// every other file is untouched, no fixable finding remains, the result still parses, and
/// a second `--fix` changes no byte. Returns the report of the `--fix` run.
fn assert_fix(fixture: &str, file: &str, expected: &str) -> Value {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture(fixture);
    let before = snapshot(&dir);
    assert!(
        before.contains_key(Path::new(file)),
        "{fixture} has no {file}"
    );

    let (_, report) = check_in(tmp.path(), &["--fix", fixture]);
    assert!(
        num(&report["summary"]["fixed"]) >= 1,
        "{fixture}: nothing fixed: {report:#}"
    );
    assert_eq!(
        num(&report["summary"]["fixable"]),
        0,
        "{fixture}: fixable findings remain: {report:#}"
    );
    assert!(
        arr(&report["errors"]).is_empty(),
        "{fixture}: errors after --fix: {report:#}"
    );

    let fixed = std::fs::read(dir.join(file)).expect("read fixed file");
    assert_eq!(
        String::from_utf8_lossy(&fixed),
        expected,
        "{fixture}/{file} after --fix"
    );
    let after = snapshot(&dir);
    for (path, bytes) in &before {
        if path != Path::new(file) {
            assert_eq!(
                &after[path],
                bytes,
                "{fixture}: --fix changed {}",
                path.display()
            );
        }
    }

    // The fixed module still parses and has nothing left to fix.
    let (_, again) = check_in(tmp.path(), &[fixture]);
    assert!(
        arr(&again["errors"]).is_empty(),
        "{fixture}: fixed files do not parse: {again:#}"
    );
    assert_eq!(num(&again["summary"]["fixable"]), 0, "{fixture}: {again:#}");

    // A second --fix is a no-op.
    let (_, second) = check_in(tmp.path(), &["--fix", fixture]);
    assert_eq!(
        num(&second["summary"]["fixed"]),
        0,
        "{fixture}: second --fix fixed something"
    );
    assert_eq!(
        snapshot(&dir),
        after,
        "{fixture}: second --fix changed bytes"
    );
    report
}

// =============================================================================================
// kms-key-rotation-disabled: literal values
// =============================================================================================

#[test]
fn rotation_literal_true_is_clean() {
    assert_clean("rotation-literal-true", 1);
}

#[test]
fn rotation_literal_false() {
    let r = assert_fixture(
        "rotation-literal-false",
        &[key("main.tf", 3, 3, "enable_key_rotation = false").fixable()],
    );
    assert!(
        message(&r, 0).contains("`aws_kms_key.x`"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn rotation_absent_points_at_the_block_header() {
    let r = assert_fixture(
        "rotation-absent",
        &[key("main.tf", 1, 1, HEADER_X).fixable()],
    );
    // Exact end position and byte offsets.
    let span = &r["findings"][0]["span"];
    assert_eq!(span["start"]["offset"], 0);
    assert_eq!(span["end"]["line"], 1);
    assert_eq!(span["end"]["column"], 27);
    assert_eq!(span["end"]["offset"], 26);
    assert!(message(&r, 0).contains("not set"), "{}", message(&r, 0));
}

#[test]
fn rotation_string_true_is_clean() {
    assert_clean("rotation-string-true", 1);
}

#[test]
fn rotation_string_false() {
    assert_fixture(
        "rotation-string-false",
        &[key("main.tf", 3, 3, "enable_key_rotation = \"false\"").fixable()],
    );
}

#[test]
fn rotation_null_is_the_default_false() {
    assert_fixture(
        "rotation-null",
        &[key("main.tf", 3, 3, "enable_key_rotation = null").fixable()],
    );
}

#[test]
fn rotation_explicit_symmetric_defaults_are_eligible() {
    assert_fixture(
        "rotation-eligible-explicit-defaults",
        &[key("main.tf", 1, 1, HEADER_X).fixable()],
    );
}

#[test]
fn rotation_literal_false_in_tofu_file() {
    assert_fixture(
        "rotation-tofu",
        &[key("main.tofu", 2, 3, "enable_key_rotation = false").fixable()],
    );
}

#[test]
fn rotation_count_one_is_reported() {
    assert_fixture(
        "rotation-count-one",
        &[key("main.tf", 1, 1, HEADER_X).fixable()],
    );
}

#[test]
fn rotation_two_keys_in_source_order() {
    assert_fixture(
        "rotation-two-keys",
        &[
            key("main.tf", 1, 1, "resource \"aws_kms_key\" \"a\"")
                .address("aws_kms_key.a")
                .fixable(),
            key("main.tf", 6, 3, "enable_key_rotation = false")
                .address("aws_kms_key.b")
                .fixable(),
        ],
    );
}

#[test]
fn rotation_absent_with_tab_indent() {
    assert_fixture(
        "rotation-absent-tab-indent",
        &[key("main.tf", 1, 1, HEADER_X).fixable()],
    );
}

#[test]
fn rotation_columns_count_characters_not_bytes() {
    // `resource "aws_kms_key" "x" { /* clé 🔑 */ ` is 41 characters but 45 bytes.
    let r = assert_fixture(
        "rotation-unicode-columns",
        &[key("main.tf", 1, 42, "enable_key_rotation = false").fixable()],
    );
    let span = &r["findings"][0]["span"];
    assert_eq!(span["start"]["offset"], 45);
    assert_eq!(span["end"]["offset"], 72);
    assert_eq!(span["end"]["column"], 69);
}

#[test]
fn rotation_crlf_file() {
    let r = assert_fixture("rotation-crlf", &[key("main.tf", 1, 1, HEADER_X).fixable()]);
    assert_eq!(r["findings"][0]["span"]["end"]["offset"], 26);
}

#[test]
fn rotation_bom_file_offsets_include_the_bom() {
    let r = check_fixture("rotation-bom");
    let f = &arr(&r["findings"])[..];
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["file"], "fixtures/rotation-bom/main.tf");
    assert_eq!(f[0]["span"]["start"]["line"], 1);
    // Offsets are bytes into the file as read, BOM included (src/report/json.rs).
    assert_eq!(f[0]["span"]["start"]["offset"], 3);
    assert_eq!(f[0]["span"]["end"]["offset"], 29);
    let text = std::fs::read(repo().join("fixtures/rotation-bom/main.tf")).unwrap();
    assert_eq!(&text[3..29], HEADER_X.as_bytes());
    assert!(f[0]["fix"].is_object());
}

#[test]
fn rotation_bom_is_not_counted_as_a_column() {
    // BUG: the invisible byte-order mark counts as a character, so the first character of
    // the file is reported at column 2 (editors, and LSP clients, which strip the BOM, say 1).
    let r = check_fixture("rotation-bom");
    let span = &r["findings"][0]["span"];
    assert_eq!(span["start"]["column"], 1, "{span}");
    assert_eq!(span["end"]["column"], 27, "{span}");
}

// =============================================================================================
// kms-key-rotation-disabled: keys and resources that are not reported
// =============================================================================================

#[test]
fn rotation_ineligible_asymmetric() {
    assert_clean("rotation-ineligible-asymmetric", 1);
}

#[test]
fn rotation_ineligible_hmac() {
    assert_clean("rotation-ineligible-hmac", 1);
}

#[test]
fn rotation_ineligible_sign_verify() {
    assert_clean("rotation-ineligible-sign-verify", 1);
}

#[test]
fn rotation_ineligible_custom_key_store() {
    assert_clean("rotation-ineligible-custom-key-store", 1);
}

#[test]
fn rotation_ineligible_external_key_store() {
    assert_clean("rotation-ineligible-xks", 1);
}

#[test]
fn rotation_disabled_key() {
    assert_clean("rotation-disabled-key", 1);
}

#[test]
fn rotation_data_source() {
    assert_clean("rotation-data-source", 1);
}

#[test]
fn rotation_external_key() {
    assert_clean("rotation-external-key", 1);
}

#[test]
fn rotation_replica_key() {
    assert_clean("rotation-replica-key", 1);
}

#[test]
fn rotation_count_zero() {
    assert_clean("rotation-count-zero", 1);
}

#[test]
fn rotation_for_each_empty() {
    assert_clean("rotation-for-each-empty", 1);
}

#[test]
fn rotation_resource_reference_is_unknown() {
    assert_clean("rotation-resource-reference", 1);
}

#[test]
fn rotation_unsupported_function_is_unknown() {
    assert_clean("rotation-fn-unsupported", 1);
}

#[test]
fn rotation_set_in_override_file() {
    assert_clean("rotation-override-file", 2);
}

#[test]
fn rotation_tofu_lifecycle_enabled_false_creates_nothing() {
    // BUG: OpenTofu 1.11 `lifecycle { enabled = false }` means the resource is not created
    // (domain.md §6.5), like `count = 0`; kmslint still reports the key.
    assert_clean("rotation-tofu-lifecycle-enabled-false", 1);
}

// =============================================================================================
// kms-key-rotation-disabled: variables, tfvars, locals
// =============================================================================================

#[test]
fn rotation_variable_default_false() {
    let r = assert_fixture(
        "rotation-variable-default-false",
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "variables.tf",
                3,
                13,
                "false",
            ),
        ],
    );
    assert!(
        message(&r, 0).contains("variable `rotate`"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn rotation_variable_without_default_is_unknown() {
    assert_clean("rotation-variable-no-default", 2);
}

#[test]
fn rotation_variable_default_true() {
    assert_clean("rotation-variable-default-true", 2);
}

#[test]
fn rotation_tfvars_overrides_default() {
    let r = assert_fixture(
        "rotation-tfvars-overrides-default",
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "terraform.tfvars",
                1,
                10,
                "false",
            ),
        ],
    );
    assert!(
        message(&r, 0).contains("variable `rotate`"),
        "{}",
        message(&r, 0)
    );
    assert!(
        message(&r, 0).contains("terraform.tfvars"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn rotation_later_auto_tfvars_true_wins() {
    // terraform.tfvars = false, a.auto.tfvars = false, b.auto.tfvars = true, default false.
    assert_clean("rotation-auto-tfvars-precedence", 5);
}

#[test]
fn rotation_later_auto_tfvars_false_wins() {
    let r = assert_fixture(
        "rotation-auto-tfvars-later-false",
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "b.auto.tfvars",
                1,
                10,
                "false",
            ),
        ],
    );
    assert!(
        message(&r, 0).contains("b.auto.tfvars"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn rotation_tfvars_json() {
    assert_fixture(
        "rotation-tfvars-json",
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "terraform.tfvars.json",
                2,
                13,
                "false",
            ),
        ],
    );
}

#[test]
fn rotation_tfvars_json_is_loaded_after_tfvars() {
    assert_fixture(
        "rotation-tfvars-json-over-tfvars",
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "terraform.tfvars.json",
                1,
                12,
                "false",
            ),
        ],
    );
}

#[test]
fn rotation_other_tfvars_files_are_not_loaded() {
    assert_clean("rotation-other-tfvars-ignored", 3);
}

#[test]
fn rotation_local() {
    let r = assert_fixture(
        "rotation-local",
        &[key("main.tf", 6, 3, "enable_key_rotation = local.rotate")
            .related("main.tf", 2, 12, "false")],
    );
    assert!(
        message(&r, 0).contains("local `rotate`"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn rotation_local_nested_object_points_at_the_nested_value() {
    let r = assert_fixture(
        "rotation-local-nested-object",
        &[key(
            "main.tf",
            10,
            3,
            "enable_key_rotation = local.cfg.kms.rotate",
        )
        .related("main.tf", 4, 16, "false")],
    );
    assert!(message(&r, 0).contains("local `cfg`"), "{}", message(&r, 0));
}

#[test]
fn rotation_variable_fix_is_not_offered_and_files_are_untouched() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("rotation-variable-default-false");
    let before = snapshot(&dir);
    let (code, r) = check_in(tmp.path(), &["--fix", "rotation-variable-default-false"]);
    assert_eq!(code, 1);
    assert_eq!(r["summary"]["fixed"], 0);
    assert_findings_in(
        tmp.path(),
        "rotation-variable-default-false",
        &r,
        &[
            key("main.tf", 2, 3, "enable_key_rotation = var.rotate").related(
                "variables.tf",
                3,
                13,
                "false",
            ),
        ],
    );
    assert_eq!(
        snapshot(&dir),
        before,
        "an unfixable finding must leave every file untouched"
    );
}

// =============================================================================================
// kms-key-rotation-disabled: expressions
// =============================================================================================

#[test]
fn rotation_conditional_with_known_condition() {
    // var.env defaults to "dev", so `var.env == "prod" ? true : false` is false.
    assert_fixture(
        "rotation-conditional-known",
        &[key(
            "main.tf",
            7,
            3,
            "enable_key_rotation = var.env == \"prod\" ? true : false",
        )
        .related("main.tf", 3, 13, "\"dev\"")],
    );
}

#[test]
fn rotation_conditional_with_unknown_condition() {
    assert_clean("rotation-conditional-unknown", 1);
}

#[test]
fn rotation_conditional_with_unknown_condition_and_equal_branches() {
    // Terraform plans `unknown ? false : false` as "known after apply" (a real plan:
    // fixtures/oracle/unknown-computed, `same_branches`), so the value is unknown here too.
    assert_clean("rotation-conditional-unknown-same-branches", 1);
}

#[test]
fn rotation_not_operator() {
    assert_fixture(
        "rotation-not",
        &[
            key("main.tf", 7, 3, "enable_key_rotation = !var.keep_static")
                .related("main.tf", 3, 13, "true"),
        ],
    );
}

#[test]
fn rotation_message_does_not_advise_setting_an_operand_to_true() {
    // BUG: when the false comes out of an operator, the message still says "set it to true
    // there" about the operand: for `!var.keep_static` (default true) that is its current
    // value, and for `var.env == "prod" ? ...` (default "dev") it is not even a bool.
    for fixture in ["rotation-not", "rotation-conditional-known"] {
        let r = check_fixture(fixture);
        let m = message(&r, 0);
        assert!(
            !m.contains("set it to true there"),
            "{fixture}: misleading advice: {m}"
        );
    }
}

#[test]
fn rotation_function_tobool() {
    assert_fixture(
        "rotation-fn-tobool",
        &[key(
            "main.tf",
            2,
            3,
            "enable_key_rotation = tobool(\"false\")",
        )],
    );
}

#[test]
fn rotation_function_lookup_finds_the_key() {
    assert_fixture(
        "rotation-fn-lookup",
        &[key(
            "main.tf",
            8,
            3,
            "enable_key_rotation = lookup(local.m, \"k\", true)",
        )
        .related("main.tf", 3, 9, "false")],
    );
}

#[test]
fn rotation_function_lookup_default() {
    assert_fixture(
        "rotation-fn-lookup-default",
        &[key(
            "main.tf",
            8,
            3,
            "enable_key_rotation = lookup(local.m, \"k\", false)",
        )],
    );
}

#[test]
fn rotation_function_try_falls_back() {
    assert_fixture(
        "rotation-fn-try",
        &[key(
            "main.tf",
            6,
            3,
            "enable_key_rotation = try(local.settings.rotate, false)",
        )],
    );
}

#[test]
fn rotation_function_coalesce_skips_null() {
    assert_fixture(
        "rotation-fn-coalesce",
        &[key(
            "main.tf",
            7,
            3,
            "enable_key_rotation = coalesce(var.rotate, false)",
        )],
    );
}

// =============================================================================================
// kms-key-rotation-disabled: JSON syntax
// =============================================================================================

#[test]
fn rotation_json_literal_false() {
    assert_fixture(
        "rotation-json-literal-false",
        &[key("main.tf.json", 6, 9, "\"enable_key_rotation\": false").fixable()],
    );
}

#[test]
fn rotation_json_absent_points_at_the_name_label() {
    assert_fixture(
        "rotation-json-absent",
        &[key("main.tf.json", 4, 7, "\"x\"").fixable()],
    );
}

#[test]
fn rotation_json_interpolation_of_a_variable() {
    let r = assert_fixture(
        "rotation-json-interpolation",
        &[key(
            "main.tf.json",
            5,
            9,
            "\"enable_key_rotation\": \"${var.rotate}\"",
        )
        .related("variables.tf.json", 5, 18, "false")],
    );
    assert!(
        message(&r, 0).contains("variable `rotate`"),
        "{}",
        message(&r, 0)
    );
}

// =============================================================================================
// config-recorder-kms-excluded
// =============================================================================================

#[test]
fn recorder_without_recording_group() {
    assert_clean("recorder-no-recording-group", 1);
}

#[test]
fn recorder_all_supported_true() {
    assert_clean("recorder-all-supported-true", 1);
}

#[test]
fn recorder_inclusion_missing_kms() {
    assert_fixture(
        "recorder-inclusion-missing-kms",
        &[recorder(
            "main.tf",
            7,
            5,
            "resource_types = [\"AWS::EC2::Volume\", \"AWS::S3::Bucket\"]",
        )
        .fixable()],
    );
}

#[test]
fn recorder_inclusion_has_kms() {
    assert_clean("recorder-inclusion-has-kms", 1);
}

#[test]
fn recorder_inclusion_empty_list() {
    assert_fixture(
        "recorder-inclusion-empty-list",
        &[recorder("main.tf", 7, 5, "resource_types = []").fixable()],
    );
}

#[test]
fn recorder_all_supported_false_without_types() {
    assert_fixture(
        "recorder-all-supported-false-no-types",
        &[recorder("main.tf", 6, 5, "all_supported = false").fixable()],
    );
}

#[test]
fn recorder_inclusion_strategy() {
    assert_fixture(
        "recorder-strategy-inclusion",
        &[recorder("main.tf", 7, 5, "resource_types = [\"AWS::EC2::Volume\"]").fixable()],
    );
}

#[test]
fn recorder_exclusion_names_kms_points_at_the_element() {
    let r = assert_fixture(
        "recorder-exclusion-names-kms",
        &[recorder("main.tf", 9, 25, "\"AWS::KMS::Key\"").fixable()],
    );
    let span = &r["findings"][0]["span"];
    assert_eq!(span["start"]["offset"], 233);
    assert_eq!(span["end"]["offset"], 248);
    assert_eq!(span["end"]["column"], 40);
}

#[test]
fn recorder_exclusion_only_kms() {
    assert_fixture(
        "recorder-exclusion-only-kms",
        &[recorder("main.tf", 9, 25, "\"AWS::KMS::Key\"").fixable()],
    );
}

#[test]
fn recorder_exclusion_multiline() {
    assert_fixture(
        "recorder-exclusion-multiline",
        &[recorder("main.tf", 11, 9, "\"AWS::KMS::Key\"").fixable()],
    );
}

#[test]
fn recorder_exclusion_without_kms() {
    assert_clean("recorder-exclusion-without-kms", 1);
}

#[test]
fn recorder_strategy_all_supported() {
    assert_clean("recorder-strategy-all", 1);
}

#[test]
fn recorder_types_from_variable() {
    let r = assert_fixture(
        "recorder-types-from-variable",
        &[
            recorder("main.tf", 7, 5, "resource_types = var.recorded_types").related(
                "variables.tf",
                3,
                13,
                "[\"AWS::EC2::Volume\"]",
            ),
        ],
    );
    assert!(
        message(&r, 0).contains("variable `recorded_types`"),
        "{}",
        message(&r, 0)
    );
}

#[test]
fn recorder_types_unknown() {
    assert_clean("recorder-types-unknown", 2);
}

#[test]
fn recorder_inclusion_multiline() {
    let r = assert_fixture(
        "recorder-inclusion-multiline",
        &[recorder(
            "main.tf",
            7,
            5,
            "resource_types = [\n      \"AWS::EC2::Volume\",\n      \"AWS::S3::Bucket\",\n    ]",
        )
        .fixable()],
    );
    let end = &r["findings"][0]["span"]["end"];
    assert_eq!(
        (end["line"].as_u64(), end["column"].as_u64()),
        (Some(10), Some(6))
    );
}

#[test]
fn recorder_inclusion_multiline_without_trailing_comma() {
    assert_fixture(
        "recorder-inclusion-multiline-no-trailing-comma",
        &[recorder(
            "main.tf",
            7,
            5,
            "resource_types = [\n      \"AWS::EC2::Volume\",\n      \"AWS::S3::Bucket\"\n    ]",
        )
        .fixable()],
    );
}

#[test]
fn recorder_inclusion_multiline_with_comment() {
    assert_fixture(
        "recorder-inclusion-multiline-comment",
        &[recorder(
            "main.tf",
            7,
            5,
            "resource_types = [\n      \"AWS::EC2::Volume\", # block storage\n    ]",
        )
        .fixable()],
    );
}

#[test]
fn recorder_json_inclusion() {
    assert_fixture(
        "recorder-json-inclusion",
        &[recorder(
            "main.tf.json",
            9,
            11,
            "\"resource_types\": [\"AWS::EC2::Volume\"]",
        )
        .fixable()],
    );
}

// =============================================================================================
// --fix
// =============================================================================================

#[test]
fn fix_absent_inserts_a_line_with_sibling_indentation() {
    assert_fix(
        "rotation-absent",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" {\n  description         = \"no rotation argument\"\n  enable_key_rotation = true\n}\n",
    );
}

#[test]
fn fix_absent_copies_tab_indentation() {
    assert_fix(
        "rotation-absent-tab-indent",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" {\n\tdescription         = \"tab indented\"\n\tenable_key_rotation = true\n}\n",
    );
}

#[test]
fn fix_literal_false_becomes_true() {
    let r = assert_fix(
        "rotation-literal-false",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" {\n  description         = \"rotation off\"\n  enable_key_rotation = true\n}\n",
    );
    assert_eq!(r["summary"]["fixed"], 1);
}

#[test]
fn fix_string_false_becomes_true() {
    assert_fix(
        "rotation-string-false",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" {\n  description         = \"string false\"\n  enable_key_rotation = true\n}\n",
    );
}

#[test]
fn fix_in_a_one_line_block_keeps_unicode_intact() {
    assert_fix(
        "rotation-unicode-columns",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" { /* clé 🔑 */ enable_key_rotation = true }\n",
    );
}

#[test]
fn fix_two_keys_in_one_run() {
    let r = assert_fix(
        "rotation-two-keys",
        "main.tf",
        "resource \"aws_kms_key\" \"a\" {\n  description         = \"absent\"\n  enable_key_rotation = true\n}\n\nresource \"aws_kms_key\" \"b\" {\n  enable_key_rotation = true\n}\n",
    );
    assert_eq!(r["summary"]["fixed"], 2);
    assert!(arr(&r["findings"]).is_empty());
}

#[test]
fn fix_crlf_file_keeps_crlf() {
    assert_fix(
        "rotation-crlf",
        "main.tf",
        "resource \"aws_kms_key\" \"x\" {\r\n  description         = \"crlf\"\r\n  enable_key_rotation = true\r\n}\r\n",
    );
}

#[test]
fn fix_bom_file_keeps_the_bom() {
    assert_fix(
        "rotation-bom",
        "main.tf",
        "\u{feff}resource \"aws_kms_key\" \"x\" {\n  description         = \"bom\"\n  enable_key_rotation = true\n}\n",
    );
}

#[test]
fn fix_tofu_file() {
    assert_fix(
        "rotation-tofu",
        "main.tofu",
        "resource \"aws_kms_key\" \"x\" {\n  enable_key_rotation = true\n}\n",
    );
}

#[test]
fn fix_json_absent_inserts_a_member() {
    assert_fix(
        "rotation-json-absent",
        "main.tf.json",
        "{\n  \"resource\": {\n    \"aws_kms_key\": {\n      \"x\": {\n        \"enable_key_rotation\": true,\n        \"description\": \"json absent\"\n      }\n    }\n  }\n}\n",
    );
}

#[test]
fn fix_json_literal_false() {
    assert_fix(
        "rotation-json-literal-false",
        "main.tf.json",
        "{\n  \"resource\": {\n    \"aws_kms_key\": {\n      \"x\": {\n        \"description\": \"json literal false\",\n        \"enable_key_rotation\": true\n      }\n    }\n  }\n}\n",
    );
}

#[test]
fn fix_append_to_one_line_list() {
    assert_fix(
        "recorder-inclusion-missing-kms",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported  = false\n    resource_types = [\"AWS::EC2::Volume\", \"AWS::S3::Bucket\", \"AWS::KMS::Key\"]\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_append_to_empty_list() {
    assert_fix(
        "recorder-inclusion-empty-list",
        "main.tf",
        &format!("{REC_HEAD}\n  recording_group {{\n    all_supported  = false\n    resource_types = [\"AWS::KMS::Key\"]\n  }}\n}}\n"),
    );
}

#[test]
fn fix_append_to_multiline_list_with_trailing_comma() {
    assert_fix(
        "recorder-inclusion-multiline",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n    resource_types = [\n      \"AWS::EC2::Volume\",\n      \"AWS::S3::Bucket\",\n      \"AWS::KMS::Key\",\n    ]\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_append_to_multiline_list_without_trailing_comma() {
    assert_fix(
        "recorder-inclusion-multiline-no-trailing-comma",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n    resource_types = [\n      \"AWS::EC2::Volume\",\n      \"AWS::S3::Bucket\",\n      \"AWS::KMS::Key\"\n    ]\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_append_keeps_a_line_comment_with_its_element() {
    // BUG: the new element is inserted between the last element's comma and its `# comment`,
    // so the comment ends up on the `"AWS::KMS::Key"` line.
    assert_fix(
        "recorder-inclusion-multiline-comment",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n    resource_types = [\n      \"AWS::EC2::Volume\", # block storage\n      \"AWS::KMS::Key\",\n    ]\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_append_in_json() {
    assert_fix(
        "recorder-json-inclusion",
        "main.tf.json",
        "{\n  \"resource\": {\n    \"aws_config_configuration_recorder\": {\n      \"main\": {\n        \"name\": \"main\",\n        \"role_arn\": \"arn:aws:iam::123456789012:role/config\",\n        \"recording_group\": {\n          \"all_supported\": false,\n          \"resource_types\": [\"AWS::EC2::Volume\", \"AWS::KMS::Key\"]\n        }\n      }\n    }\n  }\n}\n",
    );
}

#[test]
fn fix_remove_from_exclusion_list() {
    assert_fix(
        "recorder-exclusion-names-kms",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n\n    exclusion_by_resource_types {{\n      resource_types = [\"AWS::EC2::NetworkInterface\"]\n    }}\n\n    recording_strategy {{\n      use_only = \"EXCLUSION_BY_RESOURCE_TYPES\"\n    }}\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_remove_the_only_element_of_an_exclusion_list() {
    assert_fix(
        "recorder-exclusion-only-kms",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n\n    exclusion_by_resource_types {{\n      resource_types = []\n    }}\n\n    recording_strategy {{\n      use_only = \"EXCLUSION_BY_RESOURCE_TYPES\"\n    }}\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_remove_last_element_of_a_multiline_exclusion_list() {
    assert_fix(
        "recorder-exclusion-multiline",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported = false\n\n    exclusion_by_resource_types {{\n      resource_types = [\n        \"AWS::EC2::NetworkInterface\",\n      ]\n    }}\n\n    recording_strategy {{\n      use_only = \"EXCLUSION_BY_RESOURCE_TYPES\"\n    }}\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_insert_resource_types_into_recording_group() {
    assert_fix(
        "recorder-all-supported-false-no-types",
        "main.tf",
        &format!(
            "{REC_HEAD}\n  recording_group {{\n    all_supported  = false\n    resource_types = [\"AWS::KMS::Key\"]\n  }}\n}}\n"
        ),
    );
}

#[test]
fn fix_follows_terraform_fmt_alignment() {
    // main.tf.expected is `terraform fmt` run on the fixed file (terraform 1.11.4), committed
    // so that this test does not need terraform; main.tf itself is `terraform fmt`-clean.
    let expected =
        std::fs::read_to_string(repo().join("fixtures/fix-fmt-align/main.tf.expected")).unwrap();
    let r = assert_fix("fix-fmt-align", "main.tf", &expected);
    assert_eq!(r["summary"]["fixed"], 9, "{r:#}");
}

#[test]
fn fix_leaves_unaligned_neighbours_alone() {
    // Not `terraform fmt` layout: only the new line is written, nothing else moves.
    let tmp = TempDir::new();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    let text =
        "resource \"aws_kms_key\" \"x\" {\n  description   = \"x\"\n  is_enabled = true\n}\n";
    std::fs::write(dir.join("main.tf"), text).unwrap();
    let (code, _) = check_in(tmp.path(), &["--fix", "m"]);
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.join("main.tf")).unwrap(),
        "resource \"aws_kms_key\" \"x\" {\n  description   = \"x\"\n  is_enabled = true\n  enable_key_rotation = true\n}\n"
    );
}

#[test]
fn fix_leaves_a_broken_file_alone_and_fixes_the_others() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("bad-syntax");
    let broken = std::fs::read(dir.join("broken.tf")).unwrap();
    let (code, r) = check_in(tmp.path(), &["--fix", "bad-syntax"]);
    assert_eq!(code, 2);
    assert_eq!(r["summary"]["fixed"], 1);
    assert!(arr(&r["findings"]).is_empty(), "{r:#}");
    assert_eq!(arr(&r["errors"]).len(), 1, "{r:#}");
    assert_eq!(std::fs::read(dir.join("broken.tf")).unwrap(), broken);
    assert_eq!(
        std::fs::read_to_string(dir.join("good.tf")).unwrap(),
        "resource \"aws_kms_key\" \"good\" {\n  description         = \"still reported\"\n  enable_key_rotation = true\n}\n"
    );
}

#[test]
fn fix_in_explicit_file_mode_only_touches_named_files() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("explicit-file");
    let before = snapshot(&dir);
    // main.tf's finding comes from a variable (no fix); other.tf's is fixable but not named.
    let (code, r) = check_in(tmp.path(), &["--fix", "explicit-file/main.tf"]);
    assert_eq!(code, 1);
    assert_eq!(r["summary"]["fixed"], 0);
    assert_eq!(snapshot(&dir), before);
    let (code, r) = check_in(tmp.path(), &["--fix", "explicit-file/other.tf"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["fixed"], 1);
    let after = snapshot(&dir);
    assert_eq!(after[Path::new("main.tf")], before[Path::new("main.tf")]);
    assert_eq!(
        after[Path::new("variables.tf")],
        before[Path::new("variables.tf")]
    );
    assert_ne!(after[Path::new("other.tf")], before[Path::new("other.tf")]);
}

// =============================================================================================
// Bad input
// =============================================================================================

/// Asserts one error in `file` starting at (line, column) and returns it.
fn assert_one_error<'a>(r: &'a Value, file: &str, line: u64, column: u64) -> &'a Value {
    let errors = arr(&r["errors"]);
    assert_eq!(errors.len(), 1, "{r:#}");
    let e = &errors[0];
    assert_eq!(e["file"], file);
    assert!(!string(&e["message"]).is_empty());
    assert_eq!(
        (
            num(&e["span"]["start"]["line"]),
            num(&e["span"]["start"]["column"])
        ),
        (line, column),
        "{e:#}"
    );
    e
}

const GOOD: &str = "resource \"aws_kms_key\" \"good\"";

#[test]
fn bad_syntax_is_an_error_and_the_good_file_is_still_linted() {
    let r = check_fixture("bad-syntax");
    // The missing `}`: reported on line 4, the blank last line where the block should close.
    assert_one_error(&r, "fixtures/bad-syntax/broken.tf", 4, 1);
    let f = arr(&r["findings"]);
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["file"], "fixtures/bad-syntax/good.tf");
    assert_span_covers(
        repo(),
        "fixtures/bad-syntax/good.tf",
        &f[0]["span"],
        1,
        1,
        GOOD,
        "good.tf",
    );
}

#[test]
fn bad_utf8_is_an_error_at_the_bad_byte() {
    let r = check_fixture("bad-utf8");
    let e = assert_one_error(&r, "fixtures/bad-utf8/broken.tf", 2, 21);
    assert_eq!(e["span"]["start"]["offset"], 54);
    assert!(string(&e["message"]).contains("UTF-8"), "{e}");
    let f = arr(&r["findings"]);
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["file"], "fixtures/bad-utf8/good.tf");
}

#[test]
fn bad_json_is_an_error_at_the_end_of_input() {
    let r = check_fixture("bad-json");
    let e = assert_one_error(&r, "fixtures/bad-json/broken.tf.json", 5, 1);
    assert_eq!(e["span"]["start"]["offset"], 57);
    let f = arr(&r["findings"]);
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["file"], "fixtures/bad-json/good.tf");
}

#[test]
fn bad_tfvars_makes_variables_unknown() {
    let r = check_fixture("bad-tfvars");
    assert_one_error(&r, "fixtures/bad-tfvars/terraform.tfvars", 1, 10);
    assert!(arr(&r["findings"]).is_empty(), "{r:#}");
}

#[test]
fn bad_syntax_in_a_module_without_rule_resources() {
    // Such modules only get the fast structural check; the unclosed `{` is still an error.
    let r = check_fixture("bad-syntax-no-rule-resources");
    assert_one_error(&r, "fixtures/bad-syntax-no-rule-resources/main.tf", 1, 30);
    assert!(arr(&r["findings"]).is_empty());
}

#[test]
fn missing_path_is_an_error() {
    let (code, r) = check_in(repo(), &["fixtures/does-not-exist"]);
    assert_eq!(code, 2);
    let e = &arr(&r["errors"])[0];
    assert_eq!(e["file"], "fixtures/does-not-exist");
    assert!(e["span"].is_null());
}

// =============================================================================================
// Exit codes and commands
// =============================================================================================

#[test]
fn exit_codes() {
    assert_eq!(check_in(repo(), &["fixtures/rotation-literal-true"]).0, 0);
    assert_eq!(check_in(repo(), &["fixtures/rotation-absent"]).0, 1);
    assert_eq!(
        check_in(repo(), &["fixtures/bad-syntax-no-rule-resources"]).0,
        2
    );
    // Errors win over findings.
    assert_eq!(check_in(repo(), &["fixtures/bad-syntax"]).0, 2);
    assert_eq!(
        check_in(
            repo(),
            &[
                "fixtures/rotation-absent",
                "fixtures/bad-syntax-no-rule-resources"
            ]
        )
        .0,
        2
    );
    // The human format has the same exit codes.
    assert_eq!(
        run_in(repo(), &["check", "fixtures/rotation-literal-true"]).code,
        0
    );
    assert_eq!(
        run_in(repo(), &["check", "fixtures/rotation-absent"]).code,
        1
    );
    assert_eq!(run_in(repo(), &["check", "fixtures/bad-syntax"]).code, 2);
}

#[test]
fn human_output_names_rule_and_location() {
    let run = run_in(repo(), &["check", "fixtures/rotation-literal-false"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(ROTATION), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("fixtures/rotation-literal-false/main.tf:3:3"),
        "{}",
        run.stdout
    );
}

#[test]
fn several_paths_in_one_run() {
    let (code, r) = check_in(
        repo(),
        &[
            "fixtures/rotation-literal-false",
            "fixtures/rotation-absent",
        ],
    );
    assert_eq!(code, 1);
    let files: Vec<&str> = arr(&r["findings"])
        .iter()
        .map(|f| string(&f["file"]))
        .collect();
    // Sorted by file.
    assert_eq!(
        files,
        [
            "fixtures/rotation-absent/main.tf",
            "fixtures/rotation-literal-false/main.tf"
        ]
    );
    assert_eq!(r["summary"]["modules"], 2);
}

#[test]
fn check_without_paths_lints_the_current_directory() {
    let (code, r) = check_in(&repo().join("fixtures/rotation-literal-false"), &[]);
    assert_eq!(code, 1);
    assert_findings_in(
        &repo().join("fixtures/rotation-literal-false"),
        "",
        &r,
        &[key("main.tf", 3, 3, "enable_key_rotation = false").fixable()],
    );
}

#[test]
fn rules_lists_both_rules() {
    let run = run_in(repo(), &["rules"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains(ROTATION), "{}", run.stdout);
    assert!(run.stdout.contains(RECORDER), "{}", run.stdout);
}

#[test]
fn explain_prints_the_rule_documentation() {
    for rule in [ROTATION, RECORDER] {
        let run = run_in(repo(), &["explain", rule]);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout.starts_with(&format!("# {rule}\n")),
            "{}",
            run.stdout
        );
        let doc = std::fs::read_to_string(repo().join(format!("rules/{rule}.md"))).unwrap();
        assert_eq!(run.stdout.trim_end(), doc.trim_end());
    }
}

#[test]
fn explain_unknown_rule_is_a_usage_error() {
    let run = run_in(repo(), &["explain", "no-such-rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("no-such-rule"), "{}", run.stderr);
}

#[test]
fn bad_arguments_are_usage_errors() {
    for args in [
        &["check", "--no-such-flag"][..],
        &["check", "--format", "xml", "fixtures/rotation-absent"],
        &["no-such-command"],
        &[],
    ] {
        let run = run_in(repo(), args);
        assert_eq!(run.code, 2, "kmslint {args:?}");
        assert!(!run.stderr.is_empty(), "kmslint {args:?}: no message");
    }
    assert_eq!(run_in(repo(), &["--version"]).code, 0);
    assert_eq!(run_in(repo(), &["--help"]).code, 0);
}

// =============================================================================================
// Explicit-file mode
// =============================================================================================

#[test]
fn explicit_file_resolves_variables_from_sibling_files() {
    let (code, r) = check_in(repo(), &["fixtures/explicit-file/main.tf"]);
    assert_eq!(code, 1);
    assert_findings_in(
        repo(),
        "fixtures/explicit-file",
        &r,
        &[key("main.tf", 2, 3, "enable_key_rotation = var.rotate")
            .address("aws_kms_key.from_variable")
            .related("variables.tf", 3, 13, "false")],
    );
}

#[test]
fn explicit_file_does_not_report_findings_in_other_files() {
    // other.tf's finding is not reported when only main.tf is named...
    let (_, r) = check_in(repo(), &["fixtures/explicit-file/main.tf"]);
    assert!(arr(&r["findings"])
        .iter()
        .all(|f| f["file"] != "fixtures/explicit-file/other.tf"));
    // ...and is the only one when other.tf is named.
    let (code, r) = check_in(repo(), &["fixtures/explicit-file/other.tf"]);
    assert_eq!(code, 1);
    assert_findings_in(
        repo(),
        "fixtures/explicit-file",
        &r,
        &[
            key("other.tf", 1, 1, "resource \"aws_kms_key\" \"elsewhere\"")
                .address("aws_kms_key.elsewhere")
                .fixable(),
        ],
    );
}

#[test]
fn explicit_file_reports_a_finding_whose_value_is_set_in_the_named_file() {
    // Naming only variables.tf reports the main.tf finding its default causes (the related
    // location is in the named file), but not other.tf's.
    let (code, r) = check_in(repo(), &["fixtures/explicit-file/variables.tf"]);
    assert_eq!(code, 1);
    let files: Vec<&str> = arr(&r["findings"])
        .iter()
        .map(|f| string(&f["file"]))
        .collect();
    assert_eq!(files, ["fixtures/explicit-file/main.tf"]);
}

#[test]
fn explicit_file_in_the_current_directory() {
    let dir = repo().join("fixtures/explicit-file");
    let (code, r) = check_in(&dir, &["main.tf"]);
    assert_eq!(code, 1);
    assert_findings_in(
        &dir,
        "",
        &r,
        &[key("main.tf", 2, 3, "enable_key_rotation = var.rotate")
            .address("aws_kms_key.from_variable")
            .related("variables.tf", 3, 13, "false")],
    );
}

#[test]
fn explicit_file_errors_in_unnamed_files_are_not_reported() {
    let (code, r) = check_in(repo(), &["fixtures/bad-syntax/good.tf"]);
    assert_eq!(code, 1);
    assert!(arr(&r["errors"]).is_empty(), "{r:#}");
    assert_eq!(arr(&r["findings"]).len(), 1);
}

#[test]
fn explicit_non_terraform_file_is_ignored() {
    let (code, r) = check_in(repo(), &["fixtures/discovery/notes.txt"]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["files"], 0);
}

// =============================================================================================
// Discovery
// =============================================================================================

fn discovery_expected() -> Vec<Expect> {
    vec![
        key("main.tf", 1, 1, "resource \"aws_kms_key\" \"root\"")
            .address("aws_kms_key.root")
            .fixable(),
        key("modules/child/main.tf", 2, 3, "enable_key_rotation = false")
            .address("aws_kms_key.child")
            .fixable(),
        key(
            "modules/child/nested/main.tf",
            1,
            1,
            "resource \"aws_kms_key\" \"nested\"",
        )
        .address("aws_kms_key.nested")
        .fixable(),
        key(
            "shadow/keys.tofu",
            1,
            1,
            "resource \"aws_kms_key\" \"tofu\"",
        )
        .address("aws_kms_key.tofu")
        .fixable(),
    ]
}

#[test]
fn discovery_walks_nested_modules_and_skips_hidden_vendor_and_shadowed_files() {
    // Guard: the directories that must be skipped are really in the fixture.
    for skipped in [
        ".terraform/modules/vendored/main.tf",
        ".hidden/main.tf",
        "node_modules/pkg/main.tf",
        ".hidden.tf",
        "main.tf~",
        "#main.tf#",
        "shadow/keys.tf",
        "shadow/cfg.tf.json",
    ] {
        assert!(
            repo().join("fixtures/discovery").join(skipped).is_file(),
            "missing {skipped}"
        );
    }
    let r = check_fixture("discovery");
    assert_findings_in(repo(), "fixtures/discovery", &r, &discovery_expected());
    // discovery, modules/child, modules/child/nested, modules/no-kms, shadow
    assert_eq!(r["summary"]["modules"], 5);
    // main.tf ×3, no-kms/main.tf, keys.tofu, cfg.tofu.json
    assert_eq!(r["summary"]["files"], 6);
}

#[cfg(unix)]
#[test]
fn discovery_skips_git_and_survives_a_symlink_loop() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("discovery");
    std::fs::create_dir_all(dir.join(".git/objects")).unwrap();
    std::fs::copy(
        dir.join(".hidden/main.tf"),
        dir.join(".git/objects/main.tf"),
    )
    .unwrap();
    std::os::unix::fs::symlink("..", dir.join("modules/child/loop")).unwrap();
    let (code, r) = check_in(tmp.path(), &["discovery"]);
    assert_eq!(code, 1);
    assert_findings_in(tmp.path(), "discovery", &r, &discovery_expected());
    assert_eq!(r["summary"]["modules"], 5);
}

#[cfg(unix)]
#[test]
fn discovery_reports_a_directory_reached_through_a_symlink_once() {
    // BUG: a symlink to a directory already in the tree (`shadow/alias -> ../modules/child`)
    // makes its files linted and reported twice, under both paths; `--fix` then fails with
    // "file changed while fixing" on the second path and exits 2.
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("discovery");
    std::os::unix::fs::symlink("../modules/child", dir.join("shadow/alias")).unwrap();
    let (_, r) = check_in(tmp.path(), &["discovery"]);
    let mut addresses: Vec<&str> = arr(&r["findings"])
        .iter()
        .map(|f| string(&f["address"]))
        .collect();
    addresses.sort_unstable();
    assert_eq!(
        addresses,
        [
            "aws_kms_key.child",
            "aws_kms_key.nested",
            "aws_kms_key.root",
            "aws_kms_key.tofu"
        ],
        "{r:#}"
    );
    let (code, r) = check_in(tmp.path(), &["--fix", "discovery"]);
    assert_eq!(code, 0, "{r:#}");
}

// =============================================================================================
// Housekeeping
// =============================================================================================

#[test]
fn every_fixture_is_tested() {
    // Fixtures are tested here, in tests/policy.rs (suppress-*, config-*, baseline-*), in
    // tests/semantics.rs (plan-*, module-*, repeat-*, …), tests/project.rs, tests/rules.rs
    // (`fixtures/rules/<rule-id>/`) and tests/oracle.rs (oracle, plan-changes,
    // plan-monitoring: every directory inside them, by listing) and tests/fuzz_regressions.rs
    // (fuzz: every file inside it), tests/corpus.rs (corpus-findings.txt).
    let source = concat!(
        include_str!("cli.rs"),
        include_str!("policy.rs"),
        include_str!("semantics.rs"),
        include_str!("project.rs"),
        include_str!("rules.rs"),
        include_str!("oracle.rs"),
        include_str!("fuzz_regressions.rs"),
        include_str!("corpus.rs")
    );
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(repo().join("fixtures")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // .gitattributes
        }
        if !source.contains(&format!("\"{name}\""))
            && !source.contains(&format!("\"fixtures/{name}"))
        {
            missing.push(name);
        }
    }
    assert!(missing.is_empty(), "fixtures without a test: {missing:?}");
}

// =============================================================================================
// --fix that leaves files as they were, apart from the fix (issue 8)
// =============================================================================================

const ABSENT: &str =
    "resource \"aws_kms_key\" \"x\" {\n  description = \"no rotation argument\"\n}\n";
const ABSENT_FIXED: &str = "resource \"aws_kms_key\" \"x\" {\n  description         = \"no rotation argument\"\n  enable_key_rotation = true\n}\n";

/// `<temp>/m/main.tf` with a fixable finding.
fn fixable_module(tmp: &TempDir) -> PathBuf {
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("main.tf"), ABSENT).unwrap();
    dir
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
#[test]
fn fix_edits_a_symlinked_file_at_its_target() {
    let tmp = TempDir::new();
    let real = tmp.path().join("real");
    std::fs::create_dir_all(&real).unwrap();
    std::fs::write(real.join("key.tf"), ABSENT).unwrap();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("../real/key.tf", dir.join("main.tf")).unwrap();
    let (code, r) = check_in(tmp.path(), &["--fix", "m"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["fixed"], 1);
    let link = std::fs::symlink_metadata(dir.join("main.tf")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert_eq!(
        std::fs::read_link(dir.join("main.tf")).unwrap(),
        Path::new("../real/key.tf")
    );
    assert_eq!(
        std::fs::read_to_string(real.join("key.tf")).unwrap(),
        ABSENT_FIXED
    );
    // No temporary file is left next to the target or the link.
    for d in [&real, &dir] {
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 1, "{}", d.display());
    }
}

#[cfg(unix)]
#[test]
fn fix_refuses_a_read_only_file_even_as_root() {
    // Root can write a 0444 file; kmslint looks at the permission bits instead.
    let tmp = TempDir::new();
    let dir = fixable_module(&tmp);
    let file = dir.join("main.tf");
    set_mode(&file, 0o444);
    let (code, r) = check_in(tmp.path(), &["--fix", "m"]);
    assert_eq!(code, 2, "{r:#}");
    assert_eq!(r["summary"]["fixed"], 0);
    let errors = arr(&r["errors"]);
    assert_eq!(errors.len(), 1, "{r:#}");
    assert_eq!(errors[0]["file"], "m/main.tf");
    assert!(
        string(&errors[0]["message"]).contains("read-only (mode 0444)"),
        "{r:#}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), ABSENT);
    assert_eq!(mode(&file), 0o444);
    // The finding is still reported (and still fixable).
    assert_eq!(arr(&r["findings"]).len(), 1);
}

#[cfg(unix)]
#[test]
fn fix_keeps_mode_owner_and_group() {
    use std::os::unix::fs::MetadataExt;
    let tmp = TempDir::new();
    let dir = fixable_module(&tmp);
    let file = dir.join("main.tf");
    set_mode(&file, 0o640);
    let before = std::fs::metadata(&file).unwrap();
    // As root, give the file someone else's owner and group: a rename of a temporary file
    // created by root would make it root's.
    let owned = std::os::unix::fs::chown(&file, Some(4321), Some(4322)).is_ok();
    let (code, r) = check_in(tmp.path(), &["--fix", "m"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), ABSENT_FIXED);
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(mode(&file), 0o640);
    if owned {
        assert_eq!((after.uid(), after.gid()), (4321, 4322));
    } else {
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    }
}

#[cfg(unix)]
#[test]
fn fix_edits_a_hard_linked_file_in_place() {
    use std::os::unix::fs::MetadataExt;
    let tmp = TempDir::new();
    let dir = fixable_module(&tmp);
    let file = dir.join("main.tf");
    let other = tmp.path().join("elsewhere.tf.txt");
    std::fs::hard_link(&file, &other).unwrap();
    let inode = std::fs::metadata(&file).unwrap().ino();
    let (code, r) = check_in(tmp.path(), &["--fix", "m"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), ABSENT_FIXED);
    // Still one file with two names, not two files.
    assert_eq!(std::fs::read_to_string(&other).unwrap(), ABSENT_FIXED);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!((meta.ino(), meta.nlink()), (inode, 2));
}

#[test]
fn diff_prints_what_fix_would_write_and_changes_nothing() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("fix-fmt-align");
    let before = snapshot(&dir);
    let run = run_in(tmp.path(), &["check", "--diff", "fix-fmt-align"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(snapshot(&dir), before, "--diff changed files");
    assert!(
        run.stdout
            .starts_with("--- fix-fmt-align/main.tf\n+++ fix-fmt-align/main.tf\n@@ -2,"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("-  description = \"the new name is the widest: the group moves right\"\n"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .lines()
            .filter(|l| l.starts_with("+  enable_key_rotation"))
            .count(),
        8,
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains("Would fix 9 findings in 1 file."),
        "{}",
        run.stderr
    );
    // The diff applied to the original is what --fix writes.
    let fixed =
        std::fs::read_to_string(repo().join("fixtures/fix-fmt-align/main.tf.expected")).unwrap();
    let patch = tmp.path().join("fix.diff");
    std::fs::write(&patch, &run.stdout).unwrap();
    if let Ok(out) = Command::new("patch")
        .args(["-p0", "-s", "-i"])
        .arg(&patch)
        .current_dir(tmp.path())
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(dir.join("main.tf")).unwrap(), fixed);
    }
    // Nothing to fix: no diff, exit 0 (even though a finding without a fix remains).
    let run = run_in(
        repo(),
        &["check", "--diff", "fixtures/rotation-literal-true"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
    let run = run_in(
        repo(),
        &[
            "check",
            "--diff",
            "fixtures/rotation-variable-default-false",
        ],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

// =============================================================================================
// Nothing checked is not "all clear" (issue 8)
// =============================================================================================

#[test]
fn missing_path_exits_2_even_with_exit_zero_and_says_so_on_stderr() {
    for format in ["json", "sarif", "human"] {
        let run = run_in(
            repo(),
            &[
                "check",
                "--format",
                format,
                "--exit-zero",
                "fixtures/does-not-exist",
            ],
        );
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        if format != "human" {
            assert!(
                run.stderr
                    .contains("error: fixtures/does-not-exist: no such file or directory"),
                "{format}: {}",
                run.stderr
            );
        }
    }
    // Next to a path that exists, too.
    let run = run_in(
        repo(),
        &[
            "check",
            "--format",
            "json",
            "fixtures/rotation-literal-true",
            "fixtures/nope",
        ],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    serde_json::from_str::<Value>(&run.stdout).expect("stdout stays JSON");
}

#[test]
fn no_terraform_files_is_a_warning_and_exit_0() {
    let tmp = TempDir::new();
    std::fs::write(tmp.path().join("README.md"), "# nothing here\n").unwrap();
    let run = run_in(tmp.path(), &["check", "--format", "json", "."]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: no Terraform files found under ."),
        "{}",
        run.stderr
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("stdout stays JSON");
    assert_schema(&report);
    assert_eq!(report["summary"]["files"], 0);
    // --quiet leaves warnings out.
    let run = run_in(tmp.path(), &["check", "-q", "."]);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
}

#[test]
fn source_dir_that_does_not_exist_is_an_error() {
    let run = run_in(
        repo(),
        &[
            "check",
            "--source",
            "fixtures/no-such-dir",
            "fixtures/plan-modules",
        ],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("--source fixtures/no-such-dir: no such directory"),
        "{}",
        run.stderr
    );
    let run = run_in(
        repo(),
        &["check", "--source", "README.md", "fixtures/plan-modules"],
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a directory"), "{}", run.stderr);
}

// =============================================================================================
// Flags people reach for (issue 8)
// =============================================================================================

/// Runs `kmslint ARGS` in `cwd` with `input` on standard input.
fn run_with_stdin(cwd: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kmslint");
    // A usage error exits before reading: a broken pipe here is not the test's failure.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().expect("exit code");
    assert_ne!(code, 101, "kmslint {args:?} panicked:\n{stderr}");
    Run {
        code,
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr,
    }
}

#[test]
fn quiet_prints_findings_only() {
    let run = run_in(repo(), &["check", "-q", "fixtures/rotation-absent"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(ROTATION), "{}", run.stdout);
    assert!(!run.stdout.contains("1 finding in"), "{}", run.stdout);
    assert_eq!(run.stdout, run.stdout.trim_start());
    let full = run_in(repo(), &["check", "fixtures/rotation-absent"]);
    assert!(full.stdout.starts_with(&run.stdout), "{}", full.stdout);
    assert!(full.stdout.contains("1 finding in 1 module"));
    // Clean: nothing at all.
    let run = run_in(
        repo(),
        &["check", "--quiet", "fixtures/rotation-literal-true"],
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""));
    // Suppressed findings are not counted either.
    let run = run_in(repo(), &["check", "-q", "fixtures/suppress-line-above"]);
    assert!(!run.stdout.contains("not shown"), "{}", run.stdout);
    // Machine formats are unchanged.
    let q = run_in(
        repo(),
        &[
            "check",
            "-q",
            "--format",
            "json",
            "fixtures/rotation-absent",
        ],
    );
    let j = run_in(
        repo(),
        &["check", "--format", "json", "fixtures/rotation-absent"],
    );
    assert_eq!(q.stdout, j.stdout);
}

fn rules_of(report: &Value) -> Vec<String> {
    arr(&report["findings"])
        .iter()
        .map(|f| string(&f["rule"]).to_string())
        .collect()
}

#[test]
fn select_and_ignore_by_rule_and_peer_id() {
    let both = &[
        "fixtures/rotation-absent",
        "fixtures/recorder-inclusion-missing-kms",
    ];
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = both.to_vec();
        args.extend_from_slice(extra);
        check_in(repo(), &args)
    };
    // Findings are sorted by file: the recorder's fixture comes first.
    let (_, r) = with(&[]);
    assert_eq!(rules_of(&r), [RECORDER, ROTATION]);
    for id in [
        ROTATION,
        "CKV_AWS_7",
        "AVD-AWS-0065",
        "aws-kms-auto-rotate-keys",
        "ckv_aws_7",
    ] {
        let (code, r) = with(&["--select", id]);
        assert_eq!(
            (code, rules_of(&r)),
            (1, vec![ROTATION.to_string()]),
            "{id}"
        );
        let (_, r) = with(&["--ignore", id]);
        assert_eq!(rules_of(&r), [RECORDER], "{id}");
    }
    // Comma-separated and repeated.
    let (_, r) = with(&["--select", &format!("{RECORDER},CKV_AWS_7")]);
    assert_eq!(rules_of(&r), [RECORDER, ROTATION]);
    let (_, r) = with(&["--select", RECORDER, "--select", "CKV_AWS_7"]);
    assert_eq!(rules_of(&r), [RECORDER, ROTATION]);
    // --ignore wins; nothing left is exit 0.
    let (code, r) = with(&["--select", ROTATION, "--ignore", "AVD-AWS-0065"]);
    assert_eq!((code, rules_of(&r).len()), (0, 0));
    // --fix fixes only what is selected.
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("recorder-all-supported-false-no-types");
    std::fs::write(dir.join("key.tf"), ABSENT).unwrap();
    let (_, r) = check_in(
        tmp.path(),
        &[
            "--fix",
            "--select",
            "CKV_AWS_7",
            "recorder-all-supported-false-no-types",
        ],
    );
    assert_eq!(r["summary"]["fixed"], 1, "{r:#}");
    assert_eq!(
        std::fs::read_to_string(dir.join("key.tf")).unwrap(),
        ABSENT_FIXED
    );
}

#[test]
fn unknown_rule_ids_are_usage_errors_with_a_suggestion() {
    for (flag, id, hint) in [
        (
            "--select",
            "kms-key-rotaton-disabled",
            "did you mean `kms-key-rotation-disabled`?",
        ),
        ("--ignore", "CKV-AWS-7", "did you mean `CKV_AWS_7`?"),
        ("--select", "no-such-rule-at-all", "known rules: "),
    ] {
        let run = run_in(repo(), &["check", flag, id, "fixtures/rotation-absent"]);
        assert_eq!(run.code, 2, "{flag} {id}");
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.contains(&format!("{flag}: unknown rule `{id}`"))
                && run.stderr.contains(hint),
            "{}",
            run.stderr
        );
    }
}

const STDIN_KEY: &str = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.rotate\n}\n";

#[test]
fn stdin_is_linted_as_the_named_file_with_its_directory_as_context() {
    let tmp = TempDir::new();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    // A sibling file gives the variable its value; a sibling finding is not reported.
    std::fs::write(
        dir.join("variables.tf"),
        "variable \"rotate\" {\n  default = false\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("other.tf"), ABSENT).unwrap();
    // On disk the named file is clean; standard input wins.
    std::fs::write(dir.join("main.tf"), "# empty\n").unwrap();
    let run = run_with_stdin(
        tmp.path(),
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "m/main.tf",
        ],
        STDIN_KEY,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_schema(&r);
    let f = arr(&r["findings"]);
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["file"], "m/main.tf");
    assert_eq!(f[0]["address"], "aws_kms_key.k");
    assert_eq!(f[0]["related"][0]["file"], "m/variables.tf");
    // --stdin-filename alone implies `-`.
    let run = run_with_stdin(
        tmp.path(),
        &["check", "--format", "json", "--stdin-filename", "m/main.tf"],
        STDIN_KEY,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    // A file that does not exist yet (a new buffer) works the same.
    let run = run_with_stdin(
        tmp.path(),
        &[
            "check",
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "m/new.tf",
        ],
        STDIN_KEY,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["findings"][0]["file"], "m/new.tf");
}

#[test]
fn stdin_without_a_name_is_main_tf_in_the_current_directory() {
    let tmp = TempDir::new();
    std::fs::write(tmp.path().join("terraform.tfvars"), "rotate = false\n").unwrap();
    std::fs::write(tmp.path().join("variables.tf"), "variable \"rotate\" {}\n").unwrap();
    let run = run_with_stdin(tmp.path(), &["check", "--format", "json", "-"], STDIN_KEY);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(r["findings"][0]["file"], "main.tf", "{r:#}");
    assert_eq!(r["findings"][0]["related"][0]["file"], "terraform.tfvars");
    // Clean input: exit 0, and nothing was written anywhere.
    let run = run_with_stdin(
        tmp.path(),
        &["check", "-"],
        "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n",
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(!tmp.path().join("main.tf").exists());
    // Usage errors.
    for args in [
        &["check", "-", "fixtures"][..],
        &["check", "--stdin-filename", "x.tf", "fixtures"],
        &["check", "-", "--stdin-filename", "notes.txt"],
    ] {
        let run = run_with_stdin(tmp.path(), args, STDIN_KEY);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    }
    let run = run_with_stdin(tmp.path(), &["check", "-"], "\u{1}\u{0}");
    assert_eq!(run.code, 2);
}

#[test]
fn stdin_fix_writes_the_fixed_text_to_stdout() {
    let tmp = TempDir::new();
    let run = run_with_stdin(tmp.path(), &["check", "--fix", "-"], ABSENT);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, ABSENT_FIXED);
    assert!(run.stderr.contains("0 findings"), "{}", run.stderr);
    assert!(!tmp.path().join("main.tf").exists());
    // What cannot be fixed comes back unchanged, the finding on stderr, exit 1.
    let tmp2 = TempDir::new();
    std::fs::write(
        tmp2.path().join("variables.tf"),
        "variable \"rotate\" {\n  default = false\n}\n",
    )
    .unwrap();
    let run = run_with_stdin(
        tmp2.path(),
        &["check", "--fix", "--format", "compact", "-"],
        STDIN_KEY,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, STDIN_KEY);
    assert!(run.stderr.contains("main.tf:2:"), "{}", run.stderr);
    // Text that does not parse also comes back as it was, with exit 2.
    let broken = "resource \"aws_kms_key\" \"k\" {\n";
    let run = run_with_stdin(tmp.path(), &["check", "--fix", "-"], broken);
    assert_eq!((run.code, run.stdout.as_str()), (2, broken));
    // --diff works on standard input too.
    let run = run_with_stdin(tmp.path(), &["check", "--diff", "-"], ABSENT);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.starts_with("--- main.tf\n+++ main.tf\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn completions_for_every_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef kmslint"),
        ("fish", "complete -c kmslint"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer"),
    ] {
        let run = run_in(repo(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}:\n{}", run.stdout);
        assert!(run.stdout.contains("stdin-filename"), "{shell}");
    }
    assert_eq!(run_in(repo(), &["completions", "tcsh"]).code, 2);
}

#[test]
fn rules_json_lists_every_rule() {
    let run = run_in(repo(), &["rules", "--format", "json"]);
    assert_eq!(run.code, 0);
    let rules: Value = serde_json::from_str(&run.stdout).unwrap();
    let rules = arr(&rules);
    let ids: Vec<&str> = rules.iter().map(|r| string(&r["id"])).collect();
    assert_eq!(
        ids,
        [
            "cis-cmk-change-alarm-missing",
            "cloudtrail-kms-events-excluded",
            "cloudwatch-cmk-filter-incomplete",
            "config-recorder-kms-excluded",
            "config-recorder-not-recording",
            "invalid-suppression",
            "kms-deletion-window-short",
            "kms-imported-key-rotation",
            "kms-key-deletion-planned",
            "kms-key-disable-planned",
            "kms-key-disabled-in-use",
            ROTATION,
            "kms-rotation-period-invalid",
            "kms-rotation-unsupported",
            "unused-suppression"
        ]
    );
    for r in rules {
        has_keys(
            r,
            &[
                "id",
                "summary",
                "severity",
                "fix",
                "enabled_by_default",
                "meta",
                "peers",
                "doc",
            ],
        );
        assert!(!string(&r["summary"]).is_empty());
        assert!(["error", "warning", "note"].contains(&string(&r["severity"])));
        assert!(["never", "sometimes", "always"].contains(&string(&r["fix"])));
        assert!(repo().join(string(&r["doc"])).is_file(), "{r}");
    }
    let by_id = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap();
    let rotation = by_id(ROTATION);
    assert_eq!(
        rotation["peers"],
        serde_json::json!([
            "CKV_AWS_7",
            "aws-kms-auto-rotate-keys",
            "AVD-AWS-0065",
            "AWS019"
        ])
    );
    assert_eq!(rotation["enabled_by_default"], true);
    assert_eq!(by_id("unused-suppression")["enabled_by_default"], false);
    assert_eq!(by_id("invalid-suppression")["meta"], true);
    // The table is the default.
    assert!(run_in(repo(), &["rules"]).stdout.starts_with("RULE "));
}

#[test]
fn explain_by_peer_id_and_did_you_mean() {
    let doc = std::fs::read_to_string(repo().join(format!("rules/{ROTATION}.md"))).unwrap();
    for id in ["CKV_AWS_7", "avd-aws-0065", "aws-kms-auto-rotate-keys"] {
        let run = run_in(repo(), &["explain", id]);
        assert_eq!(run.code, 0, "{id}");
        assert_eq!(run.stdout.trim_end(), doc.trim_end(), "{id}");
    }
    let run = run_in(repo(), &["explain", "kms-key-rotation-disable"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "unknown rule `kms-key-rotation-disable`; did you mean `kms-key-rotation-disabled`?"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn lsp_accepts_stdio_and_answers_initialize() {
    use std::io::{BufRead, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["lsp", "--stdio"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let send = |stdin: &mut std::process::ChildStdin, body: &str| {
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        stdin.flush().unwrap();
    };
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#,
    );
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    stdout.read_exact(&mut body).unwrap();
    let response: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(response["id"], 1);
    assert_eq!(
        response["result"]["serverInfo"]["name"], "kmslint",
        "{response:#}"
    );
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#,
    );
    send(
        &mut stdin,
        r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#,
    );
    send(&mut stdin, r#"{"jsonrpc":"2.0","method":"exit"}"#);
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn statistics_count_findings_per_rule() {
    let args = [
        "check",
        "--statistics",
        "fixtures/rotation-two-keys",
        "fixtures/rotation-variable-default-false",
        "fixtures/recorder-inclusion-missing-kms",
    ];
    let run = run_in(repo(), &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // count, rule (padded), `[*]` when every finding of the rule is fixable, summary.
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .map(|l| l.split('\t').map(str::trim_end).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{}", run.stdout);
    assert_eq!(rows[0][..2], ["3", ROTATION], "{}", run.stdout);
    assert!(
        rows[0][2].starts_with("[ ] Customer-managed"),
        "{}",
        run.stdout
    );
    assert_eq!(rows[1][..2], ["1", RECORDER], "{}", run.stdout);
    assert!(rows[1][2].starts_with("[*] "), "{}", run.stdout);
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let run = run_in(repo(), &json_args);
    let stats: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(stats[0]["rule"], ROTATION);
    assert_eq!(stats[0]["count"], 3);
    assert_eq!(stats[0]["fixable"], 2);
    assert_eq!(stats[1]["count"], 1);
    // Errors go to stderr, not into the statistics.
    let run = run_in(
        repo(),
        &[
            "check",
            "--statistics",
            "--format",
            "json",
            "fixtures/bad-syntax",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("error: fixtures/bad-syntax/broken.tf:4:1:"),
        "{}",
        run.stderr
    );
    serde_json::from_str::<Value>(&run.stdout).unwrap();
    assert_eq!(
        run_in(repo(), &["check", "--statistics", "--format", "sarif", "."]).code,
        2
    );
}

#[test]
fn help_documents_the_flags_and_exit_codes() {
    let run = run_in(repo(), &["check", "--help"]);
    for flag in [
        "--quiet",
        "--select",
        "--ignore",
        "--stdin-filename",
        "--statistics",
        "--diff",
        "--fix",
        "Exit codes:",
    ] {
        assert!(
            run.stdout.contains(flag),
            "{flag} not in --help:\n{}",
            run.stdout
        );
    }
}
