//! End-to-end tests of inline suppressions, `.kmslint.toml`, the baseline and the exit-code
//! options (`--fail-on`, `--exit-zero`), on the `fixtures/suppress-*`, `fixtures/config-*`
//! and `fixtures/baseline-*` modules.
//!
//! Findings are compared as `(rule, file, line, address, suppression kind)`; where a span
//! matters (meta-rule findings about comments) the exact source text it covers is checked,
//! read from the fixture bytes here. Expiry dates are far in the past (2000) or the future
//! (2999), so the tests do not depend on the day they run.

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
const INVALID: &str = "invalid-suppression";
const UNUSED: &str = "unused-suppression";
const REC: &str = "aws_config_configuration_recorder.main";

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
    Run {
        code,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}

/// `kmslint check --format json ARGS` in `cwd`: exit code and report.
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
    assert_suppression_schema(&report);
    (run.code, report)
}

fn check(args: &[&str]) -> (i32, Value) {
    check_in(repo(), args)
}

/// Every finding has `suppression` (null or an object of the documented shape), and the
/// summary counts suppressed findings and stale baseline entries.
fn assert_suppression_schema(r: &Value) {
    let findings = r["findings"].as_array().expect("findings");
    for f in findings {
        let s = f
            .get("suppression")
            .unwrap_or_else(|| panic!("no `suppression` key in {f:#}"));
        if s.is_null() {
            continue;
        }
        let kind = s["kind"].as_str().expect("suppression.kind");
        assert!(["inline", "file", "baseline"].contains(&kind), "{s}");
        assert!(s["justification"].is_string(), "{s}");
        if kind == "baseline" {
            assert!(s["file"].is_null() && s["span"].is_null(), "{s}");
        } else {
            assert!(s["file"].is_string(), "{s}");
            assert!(s["span"]["start"]["line"].as_u64().unwrap() >= 1, "{s}");
        }
    }
    let suppressed = findings
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .count();
    assert_eq!(
        r["summary"]["suppressed"].as_u64(),
        Some(suppressed as u64),
        "summary.suppressed in {:#}",
        r["summary"]
    );
    assert!(
        r["summary"]["baseline_stale"].is_u64(),
        "{:#}",
        r["summary"]
    );
    let fixable = findings
        .iter()
        .filter(|f| f["suppression"].is_null() && f["fix"]["safe"] == true)
        .count();
    assert_eq!(r["summary"]["fixable"].as_u64(), Some(fixable as u64));
}

/// A finding as `(rule, file, line, address, suppression kind or "")`.
type Row = (String, String, u64, String, String);

fn rows(r: &Value) -> Vec<Row> {
    r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["span"]["start"]["line"].as_u64().unwrap(),
                f["address"].as_str().unwrap().to_string(),
                f["suppression"]["kind"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn row(rule: &str, file: &str, line: u64, address: &str, kind: &str) -> Row {
    (
        rule.to_string(),
        file.to_string(),
        line,
        address.to_string(),
        kind.to_string(),
    )
}

fn assert_rows(r: &Value, expected: &[Row]) {
    assert_eq!(rows(r), expected, "findings of\n{r:#}");
}

/// The text a finding's span covers, read from the file on disk (relative to `root`).
fn covered(root: &Path, f: &Value) -> String {
    let text = std::fs::read(root.join(f["file"].as_str().unwrap())).unwrap();
    let start = f["span"]["start"]["offset"].as_u64().unwrap() as usize;
    let end = f["span"]["end"]["offset"].as_u64().unwrap() as usize;
    String::from_utf8(text[start..end].to_vec()).unwrap()
}

fn findings_of<'a>(r: &'a Value, rule: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------------------------

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kmslint-policy-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

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
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inline suppressions
// ---------------------------------------------------------------------------------------------

#[test]
fn suppression_on_the_line_above_the_finding() {
    let (code, r) = check(&["fixtures/suppress-above-attribute"]);
    let file = "fixtures/suppress-above-attribute/main.tf";
    assert_rows(
        &r,
        &[
            row(ROTATION, file, 4, "aws_kms_key.silenced", "inline"),
            // A blank line between comment and finding: not directly above.
            row(ROTATION, file, 10, "aws_kms_key.reported", ""),
            // A comment at the end of the finding's line.
            row(ROTATION, file, 14, "aws_kms_key.trailing", "inline"),
            // A suppression for another rule does not apply.
            row(ROTATION, file, 19, "aws_kms_key.other_rule", ""),
        ],
    );
    let s = &r["findings"][0]["suppression"];
    assert_eq!(s["justification"], "rotated by the key-rotation Lambda");
    assert_eq!(s["file"], file);
    assert_eq!(s["span"]["start"]["line"], 3);
    assert_eq!(s["span"]["start"]["column"], 3);
    assert_eq!(r["findings"][2]["suppression"]["justification"], "");
    assert_eq!(code, 1, "unsuppressed findings remain");
}

#[test]
fn suppression_above_the_block_header_covers_the_block() {
    let (code, r) = check(&["fixtures/suppress-above-block"]);
    let file = "fixtures/suppress-above-block/main.tf";
    assert_rows(
        &r,
        &[
            row(ROTATION, file, 2, "aws_kms_key.header", "inline"),
            // The comment sits in a run of comment lines directly above the header, and the
            // finding is on an attribute line inside the block.
            row(ROTATION, file, 12, "aws_kms_key.inside", "inline"),
            row(ROTATION, file, 15, "aws_kms_key.reported", ""),
        ],
    );
    assert_eq!(
        r["findings"][1]["suppression"]["justification"],
        "a run of comment lines is still directly above"
    );
    assert_eq!(code, 1);
}

#[test]
fn ignore_file_covers_its_file_only() {
    let (code, r) = check(&["fixtures/suppress-ignore-file"]);
    let dir = "fixtures/suppress-ignore-file";
    assert_rows(
        &r,
        &[
            // Above the comment, too: the whole file.
            row(
                ROTATION,
                &format!("{dir}/main.tf"),
                1,
                "aws_kms_key.a",
                "file",
            ),
            row(
                ROTATION,
                &format!("{dir}/main.tf"),
                8,
                "aws_kms_key.b",
                "file",
            ),
            row(ROTATION, &format!("{dir}/other.tf"), 1, "aws_kms_key.c", ""),
        ],
    );
    assert_eq!(
        r["findings"][0]["suppression"]["justification"],
        "sandbox account, keys live for a day"
    );
    assert_eq!(code, 1);

    // Only suppressed findings left: exit 0, and they are still in the JSON.
    let (code, r) = check(&["fixtures/suppress-ignore-file/main.tf"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["findings"].as_array().unwrap().len(), 2);
    assert_eq!(r["summary"]["suppressed"], 2);
    assert_eq!(r["summary"]["findings"], 2);
}

#[test]
fn expired_suppressions_stop_working() {
    let (code, r) = check(&["fixtures/suppress-expiry"]);
    let file = "fixtures/suppress-expiry/main.tf";
    assert_rows(
        &r,
        &[
            row(ROTATION, file, 2, "aws_kms_key.expired", ""),
            row(ROTATION, file, 6, "aws_kms_key.active", "inline"),
            row(ROTATION, file, 10, "aws_kms_key.tfsec_expired", ""),
            row(ROTATION, file, 14, "aws_kms_key.trivy_active", "inline"),
        ],
    );
    assert_eq!(
        r["findings"][1]["suppression"]["justification"],
        "until the migration is done"
    );
    assert_eq!(code, 1);
}

#[test]
fn slash_and_block_comments_but_not_strings_or_heredocs() {
    let (_, r) = check(&["fixtures/suppress-comment-styles"]);
    let file = "fixtures/suppress-comment-styles/main.tf";
    assert_rows(
        &r,
        &[
            row(ROTATION, file, 2, "aws_kms_key.slashes", "inline"),
            row(ROTATION, file, 6, "aws_kms_key.block", "inline"),
            row(ROTATION, file, 12, "aws_kms_key.multiline", "inline"),
            row(ROTATION, file, 16, "aws_kms_key.inline_block", "inline"),
            row(ROTATION, file, 19, "aws_kms_key.in_string", ""),
            row(ROTATION, file, 27, "aws_kms_key.in_heredoc", ""),
        ],
    );
    assert_eq!(
        r["findings"][2]["suppression"]["justification"],
        "multi-line block comment"
    );
}

#[test]
fn peer_syntax_for_the_equivalent_check() {
    let (_, r) = check(&["fixtures/suppress-peers"]);
    let file = "fixtures/suppress-peers/main.tf";
    assert_rows(
        &r,
        &[
            row(ROTATION, file, 1, "aws_kms_key.checkov", "inline"),
            row(ROTATION, file, 6, "aws_kms_key.checkov_other_check", ""),
            row(ROTATION, file, 12, "aws_kms_key.tfsec", "inline"),
            row(ROTATION, file, 17, "aws_kms_key.tfsec_legacy_id", "inline"),
            row(ROTATION, file, 21, "aws_kms_key.trivy", "inline"),
            row(
                ROTATION,
                file,
                25,
                "aws_kms_key.trivy_long_id_with_expiry",
                "inline",
            ),
            row(ROTATION, file, 29, "aws_kms_key.tfsec_other_check", ""),
            // checkov reads skips only inside the block.
            row(ROTATION, file, 33, "aws_kms_key.checkov_above", ""),
        ],
    );
    let s = &r["findings"][0]["suppression"];
    assert_eq!(s["justification"], "Rotation is handled outside Terraform");
    assert_eq!(s["span"]["start"]["line"], 2);
}

#[test]
fn unknown_rules_and_malformed_suppressions_are_reported() {
    let (code, r) = check(&["fixtures/suppress-unknown-rule"]);
    let file = "fixtures/suppress-unknown-rule/main.tf";
    assert_rows(
        &r,
        &[
            row(INVALID, file, 1, "", ""),
            row(ROTATION, file, 2, "aws_kms_key.typo", ""),
            row(INVALID, file, 5, "", ""),
            row(ROTATION, file, 6, "aws_kms_key.mixed", "inline"),
            row(INVALID, file, 9, "", ""),
            row(ROTATION, file, 10, "aws_kms_key.bad_date", ""),
            row(INVALID, file, 13, "", ""),
            row(ROTATION, file, 14, "aws_kms_key.no_rule", ""),
            row(INVALID, file, 17, "", ""),
            row(ROTATION, file, 18, "aws_kms_key.unknown_directive", ""),
        ],
    );
    let invalid = findings_of(&r, INVALID);
    let texts: Vec<String> = invalid.iter().map(|f| covered(repo(), f)).collect();
    assert_eq!(
        texts,
        [
            "kms-key-rotation-disable",
            "bogus-rule",
            "exp:2025-02-30",
            "# kmslint:ignore",
            "kmslint:disable",
        ]
    );
    assert!(invalid[0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown rule `kms-key-rotation-disable`"));
    assert_eq!(invalid[0]["severity"], "warning");
    assert!(invalid[0]["fix"].is_null());
    assert_eq!(code, 1);

    // The meta rule is documented like the others.
    let run = run_in(repo(), &["explain", INVALID]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.starts_with("# invalid-suppression"));
}

#[test]
fn unused_suppressions_only_with_the_flag() {
    let (_, r) = check(&["fixtures/suppress-unused"]);
    assert!(findings_of(&r, UNUSED).is_empty(), "{r:#}");

    let (code, r) = check(&["fixtures/suppress-unused", "--report-unused-ignores"]);
    let dir = "fixtures/suppress-unused";
    assert_rows(
        &r,
        &[
            // In a file without any finding, too.
            row(UNUSED, &format!("{dir}/clean.tf"), 2, "", ""),
            row(
                ROTATION,
                &format!("{dir}/main.tf"),
                2,
                "aws_kms_key.used",
                "inline",
            ),
            // Not the expired one (line 9), not the peer's comment (line 14).
            row(UNUSED, &format!("{dir}/main.tf"), 5, "", ""),
        ],
    );
    let unused = findings_of(&r, UNUSED);
    assert_eq!(covered(repo(), unused[0]), RECORDER);
    assert_eq!(covered(repo(), unused[1]), ROTATION);
    assert_eq!(code, 1);

    // With a named file, only that file is looked at.
    let (_, r) = check(&[
        "fixtures/suppress-unused/clean.tf",
        "--report-unused-ignores",
    ]);
    assert_rows(&r, &[row(UNUSED, &format!("{dir}/clean.tf"), 2, "", "")]);

    // Disabled in the configuration: not reported.
    let tmp = TempDir::new("unused");
    let dir = tmp.copy_fixture("suppress-unused");
    std::fs::write(
        dir.join(".kmslint.toml"),
        "[rules.unused-suppression]\nenabled = false\n",
    )
    .unwrap();
    let (code, r) = check_in(&dir, &["--report-unused-ignores"]);
    assert!(findings_of(&r, UNUSED).is_empty(), "{r:#}");
    assert_eq!(code, 0);
}

#[test]
fn human_output_leaves_suppressed_findings_out_and_counts_them() {
    let run = run_in(repo(), &["check", "fixtures/suppress-above-block"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("aws_kms_key.reported"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("aws_kms_key.header"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("2 suppressed findings not shown (2 by comments, 0 by the baseline)."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("1 finding in 1 module"),
        "{}",
        run.stdout
    );
}

#[test]
fn fix_leaves_suppressed_findings_alone() {
    let tmp = TempDir::new("fix");
    let dir = tmp.copy_fixture("suppress-above-block");
    let before = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let (code, r) = check_in(&dir, &["--fix"]);
    let after = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    assert_eq!(r["summary"]["fixed"], 1, "{r:#}");
    assert_eq!(code, 0, "only suppressed findings remain: {r:#}");
    // Only the unsuppressed key changed.
    let expected = before.replace(
        "resource \"aws_kms_key\" \"reported\" {\n  description = \"no suppression\"\n}",
        "resource \"aws_kms_key\" \"reported\" {\n  description         = \"no suppression\"\n  enable_key_rotation = true\n}",
    );
    assert_ne!(expected, before);
    assert_eq!(after, expected);
    assert_rows(
        &r,
        &[
            row(ROTATION, "main.tf", 2, "aws_kms_key.header", "inline"),
            row(ROTATION, "main.tf", 12, "aws_kms_key.inside", "inline"),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[test]
fn config_disables_a_rule() {
    let (code, r) = check(&["fixtures/config-disable"]);
    assert_rows(
        &r,
        &[row(
            RECORDER,
            "fixtures/config-disable/main.tf",
            11,
            REC,
            "",
        )],
    );
    assert_eq!(code, 1);
    // The recorder finding is a warning: below `--fail-on error`.
    let (code, _) = check(&["fixtures/config-disable", "--fail-on", "error"]);
    assert_eq!(code, 0);
}

#[test]
fn config_severities_decide_fail_on() {
    let (code, r) = check(&["fixtures/config-severity"]);
    let severities: Vec<(&str, &str)> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
        .collect();
    assert_eq!(severities, [(ROTATION, "error"), (RECORDER, "note")]);
    assert_eq!(code, 1);
    assert_eq!(
        check(&["fixtures/config-severity", "--fail-on", "error"]).0,
        1
    );

    // Lowered to a note: the default threshold (warning) passes, `--fail-on note` fails.
    let (code, r) = check(&["fixtures/config-upward"]);
    assert_eq!(r["findings"][0]["severity"], "note");
    assert_eq!(code, 0);
    assert_eq!(check(&["fixtures/config-upward", "--fail-on", "note"]).0, 1);
    assert_eq!(
        check(&["fixtures/config-upward", "--fail-on", "warning"]).0,
        0
    );
}

#[test]
fn config_exclude_globs() {
    let (code, r) = check(&["fixtures/config-exclude"]);
    assert_rows(
        &r,
        &[row(
            ROTATION,
            "fixtures/config-exclude/app/main.tf",
            1,
            "aws_kms_key.x",
            "",
        )],
    );
    assert_eq!(code, 1);
    // Also when the excluded file is named (as pre-commit does).
    let (code, r) = check(&["fixtures/config-exclude/legacy/main.tf"]);
    assert_rows(&r, &[]);
    assert_eq!(code, 0);
}

#[test]
fn config_exclude_glob_with_many_stars_on_a_deep_tree_returns_at_once() {
    // A backtracking matcher needs ~C(200, 9) steps per name here; a linear one, microseconds.
    let tmp = TempDir::new("glob-time");
    let segment = "a".repeat(200);
    let mut dir = tmp.0.clone();
    for _ in 0..8 {
        dir = dir.join(&segment);
    }
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_kms_key\" \"x\" {\n  description = \"k\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        tmp.0.join(".kmslint.toml"),
        "exclude = [\"*a*a*a*a*a*a*a*a*a*b\", \"**/a*a*a*a*a*a*a*a*a*a*a*a*a*b/**\"]\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["check", "--format", "json", "."])
        .current_dir(&tmp.0)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Generous for a loaded 2-core machine; the old matcher did not finish in hours.
    let limit = std::time::Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kmslint did not finish within {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let report: Value = serde_json::from_str(&stdout).unwrap();
    // Nothing is excluded (no name ends in `b`): the finding is reported.
    assert_eq!(status.code(), Some(1), "{report:#}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
}

/// A configuration error: exit 2, nothing on stdout, `file:line:column: message` on stderr.
fn assert_config_error(args: &[&str], expected: &str) {
    let mut full = vec!["check"];
    full.extend_from_slice(args);
    let run = run_in(repo(), &full);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(expected),
        "expected `{expected}` in:\n{}",
        run.stderr
    );
}

#[test]
fn config_unknown_key_is_an_error_with_its_position() {
    assert_config_error(
        &["fixtures/config-unknown-key"],
        "error: fixtures/config-unknown-key/.kmslint.toml:3:3: unknown field `severty`, expected one of `enabled`, `severity`, `options`",
    );
    // Found upward from a named file as well.
    assert_config_error(
        &["fixtures/config-unknown-key/main.tf"],
        "fixtures/config-unknown-key/.kmslint.toml:3:3:",
    );
    // `--exit-zero` does not hide a configuration error.
    assert_config_error(&["fixtures/config-unknown-key", "--exit-zero"], ":3:3:");
}

/// `(rule, severity)` of every finding, in order.
fn severities(r: &Value) -> Vec<(String, String)> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn profile_cis_sets_cis_severities_and_configuration_wins() {
    let pair = |rule: &str, severity: &str| (rule.to_string(), severity.to_string());
    // Without a profile: the defaults (config-severity sets both rules; config-disable one).
    let (_, r) = check(&["fixtures/config-disable"]);
    assert_eq!(severities(&r), [pair(RECORDER, "warning")]);
    // `--profile cis`: Automated CIS recommendations are errors.
    let (code, r) = check(&["fixtures/config-disable", "--profile", "cis"]);
    assert_eq!(severities(&r), [pair(RECORDER, "error")]);
    assert_eq!(code, 1);
    assert_eq!(
        check(&[
            "fixtures/config-disable",
            "--profile",
            "cis",
            "--fail-on",
            "error"
        ])
        .0,
        1
    );
    // `enabled = false` in the configuration stays off under the profile.
    assert!(rows(&r).iter().all(|row| row.0 != ROTATION), "{r:#}");
    // `profile = "cis"` in `.kmslint.toml`; the file's own severity wins over the profile's.
    let (_, r) = check(&["fixtures/config-profile"]);
    assert_eq!(
        severities(&r),
        [pair(ROTATION, "error"), pair(RECORDER, "note")]
    );
    let (_, r) = check(&["fixtures/config-severity", "--profile", "cis"]);
    assert_eq!(
        severities(&r),
        [pair(ROTATION, "error"), pair(RECORDER, "note")]
    );
}

/// The rules (`rule`, severity) of `kmslint check --format json ARGS`, every rule included.
fn all_rules(args: &[&str]) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run kmslint");
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    severities(&report)
}

#[test]
fn a_rule_off_by_default_is_on_under_the_profile_or_when_enabled() {
    const CIS: &str = "cis-cmk-change-alarm-missing";
    let cis = |rows: Vec<(String, String)>| -> Vec<String> {
        rows.into_iter()
            .filter(|(r, _)| r == CIS)
            .map(|(_, s)| s)
            .collect()
    };
    let no_trail = "fixtures/rules/cis-cmk-change-alarm-missing/bad-no-trail";
    assert!(cis(all_rules(&[no_trail])).is_empty());
    assert_eq!(cis(all_rules(&[no_trail, "--profile", "cis"])), ["warning"]);
    // `enabled = true` in `.kmslint.toml`, without the profile.
    assert_eq!(cis(all_rules(&["fixtures/config-enable-cis"])), ["warning"]);
    // `enabled = false` wins over the profile.
    let off = [
        "fixtures/config-enable-cis",
        "--profile",
        "cis",
        "--config",
        "fixtures/config-enable-cis/off.toml",
    ];
    assert!(cis(all_rules(&off)).is_empty());
}

#[test]
fn config_unknown_profile_is_an_error_with_its_position() {
    assert_config_error(
        &["fixtures/config-unknown-profile"],
        "error: fixtures/config-unknown-profile/.kmslint.toml:1:11: unknown profile `cis-v5`; known profiles: cis",
    );
    let run = run_in(
        repo(),
        &["check", "--profile", "nist", "fixtures/config-profile"],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid value 'nist'"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_unknown_rule_is_an_error_with_its_position() {
    assert_config_error(
        &["fixtures/config-unknown-rule"],
        "error: fixtures/config-unknown-rule/.kmslint.toml:3:8: unknown rule `kms-key-rotation`; known rules: ",
    );
}

#[test]
fn config_bad_values_are_errors_with_their_position() {
    assert_config_error(
        &["fixtures/config-bad-severity"],
        "fixtures/config-bad-severity/.kmslint.toml:2:12: unknown variant `critical`, expected one of `error`, `warning`, `note`",
    );
    assert_config_error(
        &["fixtures/config-unknown-option"],
        "fixtures/config-unknown-option/.kmslint.toml:2:1: unknown option `max_rotation_days`: rule `kms-key-rotation-disabled` has no options",
    );
    assert_config_error(
        &[
            "fixtures/rotation-absent",
            "--config",
            "fixtures/no-such.toml",
        ],
        "fixtures/no-such.toml: cannot read configuration",
    );
}

#[test]
fn config_flag_overrides_the_search() {
    // The nearest `.kmslint.toml` disables the rule...
    let (code, r) = check(&["fixtures/config-override"]);
    assert_rows(&r, &[]);
    assert_eq!(code, 0);
    // ... `--config` replaces it.
    let (code, r) = check(&[
        "fixtures/config-override",
        "--config",
        "fixtures/config-override/strict.toml",
    ]);
    assert_rows(
        &r,
        &[row(
            ROTATION,
            "fixtures/config-override/main.tf",
            1,
            "aws_kms_key.x",
            "",
        )],
    );
    assert_eq!(r["findings"][0]["severity"], "error");
    assert_eq!(code, 1);
}

#[test]
fn config_is_found_upward_from_each_path() {
    for path in [
        "fixtures/config-upward/envs/prod",
        "fixtures/config-upward/envs/prod/main.tf",
    ] {
        let (code, r) = check(&[path]);
        assert_rows(
            &r,
            &[row(
                ROTATION,
                "fixtures/config-upward/envs/prod/main.tf",
                1,
                "aws_kms_key.x",
                "",
            )],
        );
        assert_eq!(r["findings"][0]["severity"], "note", "{path}");
        assert_eq!(code, 0, "{path}");
    }
    // From inside the directory, with the default path `.`.
    let (_, r) = check_in(&repo().join("fixtures/config-upward/envs/prod"), &[]);
    assert_eq!(r["findings"][0]["severity"], "note");
    // Each file gets its own nearest configuration.
    let (_, r) = check(&[
        "fixtures/config-upward/envs/prod",
        "fixtures/rotation-absent",
    ]);
    let severities: Vec<&str> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["note", "warning"]);
}

// ---------------------------------------------------------------------------------------------
// Baseline
// ---------------------------------------------------------------------------------------------

fn kinds(r: &Value) -> Vec<(String, String)> {
    rows(r).into_iter().map(|(_, _, _, a, k)| (a, k)).collect()
}

#[test]
fn baseline_records_and_hides_known_findings() {
    let tmp = TempDir::new("baseline");
    let dir = tmp.copy_fixture("baseline-basic");
    let run = run_in(&dir, &["baseline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run
        .stderr
        .contains("Recorded 4 findings in .kmslint-baseline.json"));
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".kmslint-baseline.json")).unwrap())
            .unwrap();
    assert_eq!(recorded["version"], 1);
    let entries: Vec<String> = recorded["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {} {}",
                e["rule"].as_str().unwrap(),
                e["file"].as_str().unwrap(),
                e["address"].as_str().unwrap(),
                e["attribute"].as_str().unwrap_or("-"),
                e["count"]
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            format!("{RECORDER} main.tf {REC} recording_group.resource_types 1"),
            format!("{ROTATION} keys.tf aws_kms_key.backups enable_key_rotation 1"),
            format!("{ROTATION} main.tf aws_kms_key.data enable_key_rotation 1"),
            format!("{ROTATION} main.tf aws_kms_key.logs enable_key_rotation 1"),
        ]
    );

    // Nothing new: exit 0, every finding suppressed by the baseline.
    let (code, r) = check_in(&dir, &["--baseline", ".kmslint-baseline.json"]);
    assert_eq!(code, 0, "{r:#}");
    assert!(kinds(&r).iter().all(|(_, k)| k == "baseline"), "{r:#}");
    assert_eq!(r["summary"]["suppressed"], 4);
    assert_eq!(r["summary"]["baseline_stale"], 0);

    // Unrelated edits that move every line still match.
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let edited = format!(
        "# Keys of the logging stack.\n\nlocals {{\n  team = \"platform\"\n}}\n\n{}",
        main.replace("log encryption", "log encryption (moved)")
    );
    std::fs::write(dir.join("main.tf"), &edited).unwrap();
    let (code, r) = check_in(&dir, &["--baseline", ".kmslint-baseline.json"]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["suppressed"], 4);

    // A new finding is reported; the others stay hidden.
    std::fs::write(
        dir.join("main.tf"),
        format!("{edited}\nresource \"aws_kms_key\" \"new\" {{\n}}\n"),
    )
    .unwrap();
    let (code, r) = check_in(&dir, &["--baseline", ".kmslint-baseline.json"]);
    assert_eq!(code, 1);
    let new: Vec<(String, String)> = kinds(&r)
        .into_iter()
        .filter(|(_, k)| k.is_empty())
        .collect();
    assert_eq!(new, [("aws_kms_key.new".to_string(), String::new())]);

    // A fixed finding leaves a stale entry, counted in JSON and in human output.
    std::fs::write(
        dir.join("keys.tf"),
        "resource \"aws_kms_key\" \"backups\" {\n  enable_key_rotation = true\n}\n",
    )
    .unwrap();
    let (_, r) = check_in(&dir, &["--baseline", ".kmslint-baseline.json"]);
    assert_eq!(r["summary"]["baseline_stale"], 1);
    let run = run_in(&dir, &["check", "--baseline", ".kmslint-baseline.json"]);
    assert!(
        run.stdout
            .contains("Baseline .kmslint-baseline.json: 1 stale entry"),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("3 suppressed findings not shown (0 by comments, 3 by the baseline)."));

    // Entries of files that were not checked are not stale.
    let (_, r) = check_in(&dir, &["main.tf", "--baseline", ".kmslint-baseline.json"]);
    assert_eq!(r["summary"]["baseline_stale"], 0);
    let (_, r) = check_in(&dir, &["keys.tf", "--baseline", ".kmslint-baseline.json"]);
    assert_eq!(r["summary"]["baseline_stale"], 1);
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let tmp = TempDir::new("baseline-cwd");
    let dir = tmp.copy_fixture("baseline-basic");
    let out = dir.join("ci/baseline.json");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    let run = run_in(
        repo(),
        &[
            "baseline",
            dir.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\"file\": \"../keys.tf\""), "{text}");
    // Checked from another working directory.
    let (code, r) = check_in(
        &tmp.0,
        &[
            "baseline-basic",
            "--baseline",
            "baseline-basic/ci/baseline.json",
        ],
    );
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(r["summary"]["suppressed"], 4);
}

#[test]
fn baseline_counts_duplicate_fingerprints() {
    let tmp = TempDir::new("baseline-dup");
    let dir = tmp.copy_fixture("suppress-unknown-rule");
    let run = run_in(&dir, &["baseline", "--output", "b.json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let recorded = std::fs::read_to_string(dir.join("b.json")).unwrap();
    // Five `invalid-suppression` findings share one fingerprint (no resource address).
    assert!(recorded.contains("\"count\": 5"), "{recorded}");
    let (code, _) = check_in(&dir, &["--baseline", "b.json"]);
    assert_eq!(code, 0);
    // One more of the same kind is new.
    let main = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        format!("{main}\n# kmslint:ignore nope\n"),
    )
    .unwrap();
    let (code, r) = check_in(&dir, &["--baseline", "b.json"]);
    assert_eq!(code, 1);
    let new: Vec<Row> = rows(&r).into_iter().filter(|r| r.4.is_empty()).collect();
    assert_eq!(new.len(), 1, "{r:#}");
    assert_eq!(new[0].0, INVALID);
}

#[test]
fn bad_baseline_files_are_errors() {
    let run = run_in(
        repo(),
        &[
            "check",
            "fixtures/rotation-absent",
            "--baseline",
            "fixtures/none.json",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("cannot read baseline"),
        "{}",
        run.stderr
    );
    let run = run_in(
        repo(),
        &[
            "check",
            "fixtures/rotation-absent",
            "--baseline",
            "fixtures/config-upward/.kmslint.toml",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a kmslint baseline"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------------------------

#[test]
fn exit_zero() {
    let (code, r) = check(&["fixtures/rotation-absent", "--exit-zero"]);
    assert_eq!(r["findings"].as_array().unwrap().len(), 1);
    assert_eq!(code, 0);
    // Unparsable files too (they are in the report).
    let (code, r) = check(&["fixtures/bad-syntax", "--exit-zero"]);
    assert!(!r["errors"].as_array().unwrap().is_empty());
    assert_eq!(code, 0);
    let (code, _) = check(&["fixtures/bad-syntax"]);
    assert_eq!(code, 2);
    // A usage error is not hidden.
    let run = run_in(repo(), &["check", "--exit-zero", "--fail-on", "fatal"]);
    assert_eq!(run.code, 2);
}

#[test]
fn meta_rules_are_listed() {
    let run = run_in(repo(), &["rules"]);
    assert_eq!(run.code, 0);
    for id in [INVALID, UNUSED, ROTATION, RECORDER] {
        assert!(run.stdout.contains(id), "{id} in\n{}", run.stdout);
    }
    for id in [INVALID, UNUSED] {
        let doc = std::fs::read_to_string(repo().join(format!("rules/{id}.md"))).unwrap();
        assert_eq!(run_in(repo(), &["explain", id]).stdout, doc);
    }
}
