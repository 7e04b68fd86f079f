//! End-to-end tests of how `kmslint check` writes its report (issue 8): colour and width of
//! the human output, the format flags, what goes to stdout and stderr, and every format on a
//! one-line plan with findings past column 100,000. They run the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Variables that change colour or width, removed unless a test sets them.
const ENV: [&str; 7] = [
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR",
    "CLICOLOR_FORCE",
    "TERM",
    "COLUMNS",
    "GITHUB_ACTIONS",
];

/// Runs `kmslint ARGS` in `cwd` with exactly the colour variables in `env`; fails on a panic.
fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kmslint"));
    cmd.args(args).current_dir(cwd);
    for name in ENV {
        cmd.env_remove(name);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run kmslint");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("kmslint {args:?} was killed by a signal\n{stderr}"));
    assert_ne!(code, 101, "kmslint {args:?} panicked:\n{stderr}");
    assert!(!stderr.contains("panicked"), "kmslint {args:?}:\n{stderr}");
    Run {
        code,
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr,
    }
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_env(repo(), args, env)
}

const ESC: char = '\u{1b}';
const FIXTURE: &str = "fixtures/rotation-literal-false";

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("kmslint-output-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path.canonicalize().expect("canonical temp dir"))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// ---------------------------------------------------------------------------------------------
// Colour
// ---------------------------------------------------------------------------------------------

fn colored(args: &[&str], env: &[(&str, &str)]) -> bool {
    let mut all = vec!["check", FIXTURE];
    all.extend_from_slice(args);
    let r = run(&all, env);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains("warning[kms-key-rotation-disabled]"),
        "{}",
        r.stdout
    );
    r.stdout.contains(ESC)
}

#[test]
fn color_always_colours_a_pipe_and_never_does_not() {
    assert!(colored(&["--color", "always"], &[]));
    assert!(
        colored(&["--color=always"], &[("NO_COLOR", "1")]),
        "the flag wins"
    );
    assert!(!colored(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(!colored(&["--no-color"], &[("FORCE_COLOR", "1")]));
    // The last of `--color` and `--no-color` wins.
    assert!(colored(&["--no-color", "--color", "always"], &[]));
    assert!(!colored(&["--color", "always", "--no-color"], &[]));
}

#[test]
fn color_auto_follows_the_environment_on_a_pipe() {
    assert!(!colored(&[], &[]), "a pipe is not a terminal");
    assert!(!colored(&["--color", "auto"], &[]));
    assert!(colored(&[], &[("FORCE_COLOR", "1")]));
    assert!(!colored(&[], &[("FORCE_COLOR", "0")]));
    assert!(colored(&[], &[("CLICOLOR_FORCE", "1")]));
    // NO_COLOR wins over FORCE_COLOR in auto mode; an empty NO_COLOR is not set.
    assert!(!colored(&[], &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("NO_COLOR", ""), ("FORCE_COLOR", "1")]));
    assert!(colored(&[], &[("TERM", "dumb"), ("FORCE_COLOR", "1")]));
}

#[test]
fn color_is_for_the_human_report_only() {
    for format in [
        "json", "sarif", "github", "gitlab", "junit", "compact", "rdjson",
    ] {
        let r = run(&["check", "--color", "always", "-f", format, FIXTURE], &[]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(!r.stdout.contains(ESC), "{format}:\n{}", r.stdout);
    }
}

#[test]
fn bad_color_values_are_usage_errors() {
    let r = run(&["check", "--color", "sometimes", FIXTURE], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("sometimes"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

/// Runs a shell command line in a pseudo-terminal (util-linux `script`), `None` if there is
/// no `script`.
fn in_terminal(command: &str) -> Option<String> {
    let probe = Command::new("script").arg("--version").output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: no `script` to make a terminal");
        return None;
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", command, "/dev/null"]).current_dir(repo());
    for name in ENV {
        cmd.env_remove(name);
    }
    let out = cmd.output().expect("run script");
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    assert!(!stdout.contains("panicked"), "{stdout}");
    Some(stdout)
}

#[test]
fn color_auto_colours_a_terminal_unless_told_not_to() {
    let bin = env!("CARGO_BIN_EXE_kmslint");
    let tty = |prefix: &str, args: &str| {
        in_terminal(&format!(
            "stty rows 40 cols 120; {prefix} '{bin}' check {FIXTURE} {args}"
        ))
    };
    let Some(plain) = tty("", "") else {
        return;
    };
    assert!(plain.contains(ESC), "{plain}");
    for (prefix, args) in [
        ("env NO_COLOR=1", ""),
        ("env TERM=dumb", ""),
        ("env CLICOLOR=0", ""),
        ("", "--no-color"),
        ("", "--color never"),
    ] {
        let out = tty(prefix, args).unwrap();
        assert!(out.contains("warning[kms-key-rotation-disabled]"), "{out}");
        assert!(!out.contains(ESC), "{prefix} {args}:\n{out}");
    }
    // Written to a file, the report is not coloured, even from a terminal.
    let tmp = TempDir::new();
    let file = tmp.path().join("report.txt");
    tty("", &format!("--output '{}'", file.display())).unwrap();
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("warning[kms-key-rotation-disabled]"));
    assert!(!written.contains(ESC), "{written}");
}

// ---------------------------------------------------------------------------------------------
// Width and flags
// ---------------------------------------------------------------------------------------------

/// A module whose finding is on a line far wider than any terminal.
fn wide_module(tmp: &TempDir) -> PathBuf {
    let dir = tmp
        .path()
        .join("wide modules dir with a long name/and more of it");
    std::fs::create_dir_all(&dir).unwrap();
    let padding = "x".repeat(3000);
    std::fs::write(
        dir.join("main.tf"),
        format!(
            "resource \"aws_kms_key\" \"k\" {{\n  description = \"d\"\n  enable_key_rotation = false # {padding}\n}}\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn human_width_comes_from_columns_and_never_breaks_paths() {
    let tmp = TempDir::new();
    let dir = wide_module(&tmp);
    let display = dir.display().to_string();
    for (columns, limit) in [("60", 60), ("132", 132), ("", 100), ("nonsense", 100)] {
        let env: &[(&str, &str)] = if columns.is_empty() {
            &[]
        } else {
            &[("COLUMNS", columns)]
        };
        let r = run(&["check", &display], env);
        assert_eq!(r.code, 1, "{}", r.stderr);
        for line in r.stdout.lines() {
            let t = line.trim_start();
            let after_number = t.trim_start_matches(|c: char| c.is_ascii_digit());
            let excerpt = after_number.starts_with(" |") || t.starts_with('|');
            if excerpt {
                assert!(line.chars().count() <= limit, "COLUMNS={columns}: {line}");
            }
        }
        // The location line holds the whole path, however narrow the output.
        assert!(
            r.stdout.contains(&format!("--> {display}/main.tf:3:3")),
            "COLUMNS={columns}:\n{}",
            r.stdout
        );
        assert!(r.stdout.contains("..."), "{}", r.stdout);
    }
}

#[test]
fn f_is_short_for_format() {
    let long = run(&["check", "--format", "json", FIXTURE], &[]);
    let short = run(&["check", "-f", "json", FIXTURE], &[]);
    let glued = run(&["check", "-fjson", FIXTURE], &[]);
    assert_eq!(long.code, 1);
    assert_eq!(long.stdout, short.stdout);
    assert_eq!(long.stdout, glued.stdout);
    serde_json::from_str::<Value>(&short.stdout).expect("JSON");
}

// ---------------------------------------------------------------------------------------------
// Human output
// ---------------------------------------------------------------------------------------------

#[test]
fn human_output_names_severity_rule_place_fix_and_documentation() {
    let r = run(&["check", FIXTURE], &[]);
    assert_eq!(r.code, 1);
    let sarif = run(&["check", "-f", "sarif", FIXTURE], &[]);
    let sarif: Value = serde_json::from_str(&sarif.stdout).unwrap();
    let help_uri = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "kms-key-rotation-disabled")
        .unwrap()["helpUri"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = format!(
        "warning[kms-key-rotation-disabled]: KMS key `aws_kms_key.x` does not rotate: `enable_key_rotation` is false; set it to true
 --> {FIXTURE}/main.tf:3:3
  |
3 |   enable_key_rotation = false
  |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^ aws_kms_key.x
  |
  = help: fix: Set `enable_key_rotation = true` (run `kmslint check --fix`)
  = docs: {help_uri}

1 finding in 1 module (1 file checked); 1 fixable with `kmslint check --fix`
"
    );
    assert_eq!(r.stdout, expected);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn human_counts_are_pluralised() {
    let r = run(&["check", "fixtures/rotation-two-keys"], &[]);
    assert!(
        r.stdout
            .contains("\n2 findings in 1 module (1 file checked)"),
        "{}",
        r.stdout
    );
    let r = run(&["check", "fixtures/rotation-literal-true"], &[]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "0 findings in 1 module (1 file checked)\n");

    let tmp = TempDir::new();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n",
    )
    .unwrap();
    let r = run_env(tmp.path(), &["check", "--fix", "m"], &[]);
    assert!(
        r.stdout.contains("Fixed 1 finding in 1 file.\n"),
        "{}",
        r.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// stdout and stderr
// ---------------------------------------------------------------------------------------------

#[test]
fn machine_formats_write_only_the_report_to_stdout() {
    let paths = [FIXTURE, "fixtures/bad-syntax", "fixtures/nope"];
    for format in [
        "json", "sarif", "gitlab", "rdjson", "junit", "github", "compact",
    ] {
        let mut args = vec!["check", "-f", format];
        args.extend_from_slice(&paths);
        let r = run(&args, &[]);
        assert_eq!(r.code, 2, "{format}");
        // The run's own errors (the missing path) go to stderr, as messages.
        assert!(
            r.stderr
                .lines()
                .all(|l| l.starts_with("error: ") || l.starts_with("warning: ")),
            "{format}: {}",
            r.stderr
        );
        match format {
            "junit" => assert!(r.stdout.starts_with("<?xml")),
            "github" => assert!(r
                .stdout
                .lines()
                .all(|l| l.starts_with("::") || l.starts_with("kmslint: "))),
            "compact" => assert!(r
                .stdout
                .lines()
                .all(|l| l.contains(": error") || l.contains(": warning"))),
            _ => {
                serde_json::from_str::<Value>(&r.stdout)
                    .unwrap_or_else(|e| panic!("{format}: {e}\n{}", r.stdout));
            }
        }
        // With --output, nothing at all on stdout.
        let tmp = TempDir::new();
        let file = tmp.path().join("report");
        let file = file.to_str().unwrap();
        args.extend(["--output", file]);
        let r = run(&args, &[]);
        assert_eq!(r.code, 2, "{format}");
        assert!(
            r.stdout.is_empty()
                && r.stderr
                    .lines()
                    .all(|l| l.starts_with("error: ") || l.starts_with("warning: ")),
            "{format}: {}{}",
            r.stdout,
            r.stderr
        );
    }
    // A configuration error goes to stderr, and no report is written.
    let tmp = TempDir::new();
    std::fs::write(tmp.path().join(".kmslint.toml"), "bogus = 1\n").unwrap();
    std::fs::write(tmp.path().join("main.tf"), "").unwrap();
    let r = run_env(tmp.path(), &["check", "-f", "json", "."], &[]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

// ---------------------------------------------------------------------------------------------
// A one-line plan with findings past column 100,000
// ---------------------------------------------------------------------------------------------

/// `fixtures/plan-kms-and-config/plan.json`, minified, with `pad` no-op resources before its
/// resource changes, alone in a directory (so findings are reported in the plan itself).
fn one_line_plan(tmp: &TempDir, pad: usize) -> (PathBuf, String) {
    let text = std::fs::read_to_string(repo().join("fixtures/plan-kms-and-config/plan.json"))
        .expect("plan fixture");
    let mut plan: Value = serde_json::from_str(&text).unwrap();
    let changes = plan["resource_changes"].as_array_mut().unwrap();
    let noop = |i: usize| {
        json!({
            "address": format!("aws_s3_bucket.pad{i}"),
            "mode": "managed",
            "type": "aws_s3_bucket",
            "name": format!("pad{i}"),
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {
                "actions": ["no-op"],
                "before": { "bucket": format!("pad-{i}") },
                "after": { "bucket": format!("pad-{i}") },
                "after_unknown": {},
            },
        })
    };
    let padded: Vec<Value> = (0..pad).map(noop).chain(changes.drain(..)).collect();
    *changes = padded;
    let minified = serde_json::to_string(&plan).unwrap();
    assert!(!minified.contains('\n'));
    let path = tmp.path().join("tfplan.json");
    std::fs::write(&path, &minified).unwrap();
    (path, minified)
}

const FORMATS: [&str; 8] = [
    "human", "json", "sarif", "github", "gitlab", "junit", "compact", "rdjson",
];

#[test]
fn a_one_line_plan_with_findings_past_column_100000_in_every_format() {
    let tmp = TempDir::new();
    let (path, plan) = one_line_plan(&tmp, 1000);
    // Text from the middle of the padding, which no report should repeat.
    let middle = &plan[plan.len() / 3..plan.len() / 3 + 300];
    let path = path.to_str().unwrap();
    let report = run(&["check", "-f", "json", path], &[]);
    assert_eq!(report.code, 1, "{}", report.stderr);
    let report: Value = serde_json::from_str(&report.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 3, "{report:#}");
    for f in findings {
        assert_eq!(f["span"]["start"]["line"], 1);
        assert!(
            f["span"]["start"]["column"].as_u64().unwrap() > 100_000,
            "{f}"
        );
    }
    // The same plan almost without padding: the report must not grow with the line.
    let small_tmp = TempDir::new();
    let (small, _) = one_line_plan(&small_tmp, 10);
    let small = small.to_str().unwrap();
    for format in FORMATS {
        let r = run(&["check", "-f", format, path], &[]);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        assert!(r.stderr.is_empty(), "{format}: {}", r.stderr);
        // Bounded: a report never carries the line itself, and is as long as the report of
        // the short line but for the wider column numbers and paths.
        assert!(!r.stdout.contains(middle), "{format}");
        let base = run(&["check", "-f", format, small], &[]).stdout.len();
        assert!(
            r.stdout.len() < base + 4096,
            "{format}: {} bytes of output for a {}-byte plan, {base} for a short one",
            r.stdout.len(),
            plan.len()
        );
        match format {
            "human" | "github" | "compact" => {}
            "junit" => assert!(r.stdout.starts_with("<?xml")),
            _ => {
                serde_json::from_str::<Value>(&r.stdout)
                    .unwrap_or_else(|e| panic!("{format}: {e}"));
            }
        }
    }

    let human = run(&["check", path], &[]);
    let lines: Vec<&str> = human.stdout.lines().collect();
    // The source is shown once per finding: one excerpt row each, cropped on both sides.
    let rows: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].starts_with("1 | "))
        .collect();
    assert_eq!(rows.len(), findings.len(), "{}", human.stdout);
    for (&i, f) in rows.iter().zip(findings) {
        let row = lines[i];
        assert!(row.starts_with("1 | ...") && row.ends_with("..."), "{row}");
        assert!(row.chars().count() <= 100, "{row}");
        // The marks are under the span: the text above them is the span's text.
        let marks = lines[i + 1];
        let from = marks.find('^').expect("marks");
        let to = marks.rfind('^').unwrap() + 1;
        let offset = f["span"]["start"]["offset"].as_u64().unwrap() as usize;
        let end = f["span"]["end"]["offset"].as_u64().unwrap() as usize;
        assert_eq!(&row[from..to], &plan[offset..end], "{row}\n{marks}");
        assert!(marks[to..].starts_with(&format!(" {}", f["address"].as_str().unwrap())));
        let location = format!(
            "--> {path}:1:{}",
            f["span"]["start"]["column"].as_u64().unwrap()
        );
        assert!(human.stdout.contains(&location), "{location}");
    }
}

// ---------------------------------------------------------------------------------------------
// Parse errors
// ---------------------------------------------------------------------------------------------

#[test]
fn parse_errors_read_like_terraforms() {
    // Full parse (the module has a KMS key) and the fast structural check (it has none).
    for (fixture, summary, place) in [
        (
            "fixtures/bad-syntax",
            "Unclosed configuration block",
            "fixtures/bad-syntax/broken.tf:4:1",
        ),
        (
            "fixtures/bad-syntax-no-rule-resources",
            "Unclosed configuration block",
            "fixtures/bad-syntax-no-rule-resources/main.tf:1:30",
        ),
    ] {
        let r = run(&["check", fixture], &[]);
        assert_eq!(r.code, 2);
        let header = format!("error[parse-error]: {summary}: ");
        assert!(r.stdout.starts_with(&header), "{}", r.stdout);
        assert!(r.stdout.contains(&format!("--> {place}\n")), "{}", r.stdout);
        let compact = run(&["check", "-f", "compact", fixture], &[]);
        assert!(
            compact
                .stdout
                .contains(&format!("{place}: error parse-error: {summary}: ")),
            "{}",
            compact.stdout
        );
    }
    let tmp = TempDir::new();
    let dir = tmp.path().join("m");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.tf"),
        "resource \"aws_kms_key\" \"k\" {\n  description = \"never closed\n}\n",
    )
    .unwrap();
    let r = run_env(tmp.path(), &["check", "-f", "compact", "m"], &[]);
    assert_eq!(
        r.stdout
            .lines()
            .next()
            .unwrap()
            .split(": ")
            .take(3)
            .collect::<Vec<_>>(),
        [
            "m/main.tf:2:17",
            "error parse-error",
            "Invalid multi-line string"
        ],
        "{}",
        r.stdout
    );
}
