//! End-to-end tests of the report formats (`--format sarif|github|gitlab|junit|compact`) and
//! `--output`, running the real binary on the modules in `fixtures/`.
//!
//! The JSON report (tested in `tests/cli.rs`) is the reference: every other format is checked
//! against what `--format json` says about the same run, with positions converted here from
//! the fixture bytes, independently of the binary.
//!
//! SARIF is validated against the official SARIF 2.1.0 JSON schema in
//! `tests/data/sarif-2.1.0.json`. That file is `sarif-2.1.0.json` as shipped in the npm package
//! `@microsoft/sarif-multitool-linux` 5.7.0 (MIT, from microsoft/sarif-sdk; obtained with
//! `npm pack @microsoft/sarif-multitool-linux@5.7.0`), unchanged. It is the OASIS schema in
//! draft 2020-12 form, and needs no network to load.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

const ROTATION: &str = "kms-key-rotation-disabled";

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
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
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

/// `kmslint check --format FORMAT PATHS` in `cwd`.
fn check(cwd: &Path, format: &str, paths: &[&str]) -> Run {
    let mut args = vec!["check", "--format", format];
    args.extend_from_slice(paths);
    run_in(cwd, &args)
}

fn json_of(run: &Run, what: &str) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{what}: not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

/// The JSON report and the SARIF log of the same paths, run in `cwd`.
fn json_and_sarif(cwd: &Path, paths: &[&str]) -> (Value, Value) {
    let j = check(cwd, "json", paths);
    let s = check(cwd, "sarif", paths);
    assert_eq!(j.code, s.code, "exit codes differ for {paths:?}");
    let sarif = json_of(&s, "sarif");
    assert_schema_valid(&sarif);
    (json_of(&j, "json"), sarif)
}

fn arr(v: &Value) -> &Vec<Value> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array, got {v}"))
}

fn num(v: &Value) -> usize {
    v.as_u64()
        .unwrap_or_else(|| panic!("expected a number, got {v}")) as usize
}

fn text(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("kmslint-formats-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        // The working directory kmslint sees is the resolved one.
        TempDir(path.canonicalize().expect("canonical temp dir"))
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

    fn write(&self, rel: &str, content: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
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
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy file");
        }
    }
}

/// Every file under `dir`, by path relative to it.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Positions, computed from the file text
// ---------------------------------------------------------------------------------------------

/// Byte offset of the start of each line (lines end at `\n`; a lone `\r` is not a break,
/// as in HCL).
fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
    starts
}

/// The 1-based UTF-16 column of a byte offset.
fn utf16_column(text: &str, offset: usize) -> usize {
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    text[start..offset].encode_utf16().count() + 1
}

/// The byte offset of a 1-based line and UTF-16 column (the inverse of [`utf16_column`]).
fn offset_of(text: &str, line: usize, utf16_col: usize) -> usize {
    let start = line_starts(text)[line - 1];
    let mut units = 1;
    for (i, c) in text[start..].char_indices() {
        if units == utf16_col {
            return start + i;
        }
        assert!(units < utf16_col, "column {utf16_col} splits a character");
        assert!(
            c != '\n',
            "column {utf16_col} is past the end of line {line}"
        );
        units += c.len_utf16();
    }
    assert_eq!(
        units, utf16_col,
        "column {utf16_col} is past the end of the text"
    );
    text.len()
}

fn read(cwd: &Path, display: &str) -> String {
    std::fs::read_to_string(cwd.join(display)).unwrap_or_else(|e| panic!("read {display}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// SARIF: schema
// ---------------------------------------------------------------------------------------------

fn schema_validator() -> &'static jsonschema::Validator {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(repo().join("tests/data/sarif-2.1.0.json"))
            .expect("tests/data/sarif-2.1.0.json");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

fn schema_errors(sarif: &Value) -> Vec<String> {
    schema_validator()
        .iter_errors(sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn assert_schema_valid(sarif: &Value) {
    let errors = schema_errors(sarif);
    assert!(
        errors.is_empty(),
        "SARIF does not validate against the 2.1.0 schema:\n{}\n{sarif:#}",
        errors.join("\n")
    );
}

/// `fixtures/<name>` for every fixture of the two rules and of unparsable files (the
/// configuration fixtures are left out: a bad configuration stops the whole run).
fn rule_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ["rotation-", "recorder-", "bad-"]
                .iter()
                .any(|p| n.starts_with(p))
        })
        .map(|n| format!("fixtures/{n}"))
        .collect();
    names.sort();
    assert!(names.len() > 50);
    names
}

/// A run with findings, related locations, fixes and a parse error.
fn rich_sarif() -> Value {
    json_and_sarif(
        repo(),
        &[
            "fixtures/rotation-literal-false",
            "fixtures/rotation-variable-default-false",
            "fixtures/recorder-inclusion-missing-kms",
            "fixtures/bad-syntax",
        ],
    )
    .1
}

#[test]
fn sarif_validates_against_the_official_schema() {
    // rich_sarif validates; also a clean run, a missing path and the whole fixture tree.
    let sarif = rich_sarif();
    assert!(!arr(&sarif["runs"][0]["results"]).is_empty());
    let (_, clean) = json_and_sarif(repo(), &["fixtures/rotation-literal-true"]);
    assert!(arr(&clean["runs"][0]["results"]).is_empty());
    json_and_sarif(repo(), &["fixtures/does-not-exist"]);
    let all = rule_fixtures();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    json_and_sarif(repo(), &all);
}

#[test]
fn the_schema_check_can_fail() {
    let good = rich_sarif();
    assert_schema_valid(&good);
    type Breaker = fn(&mut Value);
    let broken: Vec<(&str, Breaker)> = vec![
        ("level critical", |s| {
            s["runs"][0]["results"][0]["level"] = json!("critical")
        }),
        ("no version", |s| {
            s.as_object_mut().unwrap().remove("version");
        }),
        ("startLine 0", |s| {
            s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                json!(0)
        }),
        ("unknown run property", |s| s["runs"][0]["bogus"] = json!(1)),
        ("suppression kind", |s| {
            s["runs"][0]["results"][0]["suppressions"] = json!([{ "kind": "inline" }])
        }),
        ("driver without name", |s| {
            s["runs"][0]["tool"]["driver"]
                .as_object_mut()
                .unwrap()
                .remove("name");
        }),
    ];
    for (what, breakit) in broken {
        let mut s = good.clone();
        breakit(&mut s);
        assert!(
            !schema_errors(&s).is_empty(),
            "the schema accepted a SARIF log with {what}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF: run, driver and rules
// ---------------------------------------------------------------------------------------------

/// `file:///…/` for a directory, percent-encoded like kmslint does.
fn dir_uri(dir: &Path) -> String {
    let mut s = String::from("file://");
    for b in dir.to_str().unwrap().bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

#[test]
fn sarif_has_one_run_with_the_driver_and_base_uri() {
    let sarif = rich_sarif();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(text(&sarif["$schema"]).starts_with("https://"));
    let runs = arr(&sarif["runs"]);
    assert_eq!(runs.len(), 1, "exactly one run");
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "kmslint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], kmslint::report::INFORMATION_URI);
    assert_eq!(run["columnKind"], "utf16CodeUnits");
    let root = dir_uri(&repo().canonicalize().unwrap());
    assert_eq!(run["originalUriBaseIds"]["%SRCROOT%"]["uri"], root.as_str());
    assert!(root.starts_with("file:///") && root.ends_with('/'));
    assert_eq!(arr(&run["invocations"]).len(), 1);
}

#[test]
fn sarif_lists_every_rule_with_its_documentation() {
    let sarif = rich_sarif();
    let rules = arr(&sarif["runs"][0]["tool"]["driver"]["rules"]);
    let mut security_rules = 0;
    for meta in kmslint::rules::all() {
        let r = rules
            .iter()
            .find(|r| r["id"] == meta.id)
            .unwrap_or_else(|| panic!("{} is not in driver.rules", meta.id));
        assert_eq!(r["name"], meta.id);
        assert_eq!(r["shortDescription"]["text"], meta.summary);
        let full = text(&r["fullDescription"]["text"]);
        assert!(!full.is_empty() && full.chars().count() <= 1024, "{full}");
        // The first paragraph after the `# id` heading, joined onto one line.
        let after_heading = meta.doc.split_once('\n').unwrap().1.trim_start();
        let paragraph = after_heading.split("\n\n").next().unwrap();
        assert_eq!(
            full,
            paragraph.split_whitespace().collect::<Vec<_>>().join(" ")
        );
        assert_eq!(r["help"]["text"], meta.doc);
        assert_eq!(r["help"]["markdown"], meta.doc);
        // `kmslint explain` prints the same documentation.
        assert_eq!(run_in(repo(), &["explain", meta.id]).stdout, meta.doc);
        assert_eq!(
            r["helpUri"],
            format!(
                "https://github.com/kmslint/kmslint/blob/v{}/rules/{}.md",
                env!("CARGO_PKG_VERSION"),
                meta.id
            )
        );
        assert!(repo().join(format!("rules/{}.md", meta.id)).is_file());
        assert_eq!(r["defaultConfiguration"]["level"], meta.severity.as_str());
        let tags: Vec<&str> = arr(&r["properties"]["tags"]).iter().map(text).collect();
        assert!(tags.len() <= 10, "GitHub shows 10 tags");
        assert_eq!(r["properties"]["precision"], "very-high");
        // Every rule, the meta rules too, is a security rule to GitHub.
        let sev: f64 = text(&r["properties"]["security-severity"]).parse().unwrap();
        assert!((0.1..=10.0).contains(&sev), "{}: {sev}", meta.id);
        assert!(tags.contains(&"security"), "{}: tags {tags:?}", meta.id);
        if meta.resource_types.is_empty() {
            // invalid-suppression, unused-suppression: about kmslint's own comments, low.
            assert!(sev < 4.0, "{}: {sev}", meta.id);
            assert!(
                tags.contains(&"maintainability"),
                "{}: tags {tags:?}",
                meta.id
            );
            assert!(!tags.contains(&"kms"), "{}: tags {tags:?}", meta.id);
            continue;
        }
        security_rules += 1;
        for t in ["terraform", "kms"] {
            assert!(tags.contains(&t), "{}: tags {tags:?}", meta.id);
        }
    }
    assert!(security_rules >= 2);
    assert_eq!(rules.len(), kmslint::rules::all().count());
    assert_eq!(
        r_sev(rules, ROTATION),
        "5.5",
        "same as trivy's MEDIUM for AVD-AWS-0065"
    );
    // Results point at their rule by index.
    for res in arr(&sarif["runs"][0]["results"]) {
        assert_eq!(rules[num(&res["ruleIndex"])]["id"], res["ruleId"]);
    }
}

fn r_sev<'a>(rules: &'a [Value], id: &str) -> &'a str {
    text(&rules.iter().find(|r| r["id"] == id).unwrap()["properties"]["security-severity"])
}

// ---------------------------------------------------------------------------------------------
// SARIF: results
// ---------------------------------------------------------------------------------------------

/// Checks a SARIF region against a JSON-report span of the file `display` (under `cwd`).
fn assert_region(cwd: &Path, display: &str, region: &Value, span: &Value) {
    let text = read(cwd, display);
    let (s, e) = (num(&span["start"]["offset"]), num(&span["end"]["offset"]));
    assert_eq!(num(&region["startLine"]), num(&span["start"]["line"]));
    assert_eq!(num(&region["endLine"]), num(&span["end"]["line"]));
    assert_eq!(
        num(&region["startColumn"]),
        utf16_column(&text, s),
        "{region}"
    );
    assert_eq!(
        num(&region["endColumn"]),
        utf16_column(&text, e),
        "{region}"
    );
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    assert_eq!(
        num(&region["charOffset"]),
        text[bom.min(s)..s].encode_utf16().count()
    );
    assert_eq!(
        num(&region["charLength"]),
        text[s..e].encode_utf16().count()
    );
    // And back: line and column give the same bytes.
    let (sl, sc) = (num(&region["startLine"]), num(&region["startColumn"]));
    let (el, ec) = (num(&region["endLine"]), num(&region["endColumn"]));
    assert_eq!(offset_of(&text, sl, sc), s);
    assert_eq!(offset_of(&text, el, ec), e);
}

fn assert_artifact(location: &Value, display: &str) {
    assert_eq!(location["uri"], display, "{location}");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
}

#[test]
fn sarif_results_match_the_json_report() {
    let fixtures = [
        "fixtures/rotation-unicode-columns",
        "fixtures/rotation-literal-false",
        "fixtures/rotation-variable-default-false",
        "fixtures/rotation-crlf",
        "fixtures/recorder-inclusion-multiline",
        "fixtures/recorder-exclusion-names-kms",
        "fixtures/rotation-json-literal-false",
        "fixtures/rotation-two-keys",
    ];
    let (report, sarif) = json_and_sarif(repo(), &fixtures);
    let findings = arr(&report["findings"]);
    let results = arr(&sarif["runs"][0]["results"]);
    assert_eq!(results.len(), findings.len());
    assert!(findings.len() >= fixtures.len());
    for (f, r) in findings.iter().zip(results) {
        assert_eq!(r["ruleId"], f["rule"]);
        assert_eq!(r["level"], f["severity"]);
        assert_eq!(r["message"]["text"], f["message"]);
        let locations = arr(&r["locations"]);
        assert_eq!(locations.len(), 1);
        let phys = &locations[0]["physicalLocation"];
        let file = text(&f["file"]);
        assert_artifact(&phys["artifactLocation"], file);
        assert_region(repo(), file, &phys["region"], &f["span"]);
        assert_eq!(
            locations[0]["logicalLocations"][0]["fullyQualifiedName"],
            f["address"]
        );
        // Related locations, numbered from 1, with their message.
        let related = arr(&f["related"]);
        let rel = r.get("relatedLocations").map_or(&[][..], |v| arr(v));
        assert_eq!(rel.len(), related.len());
        for (i, (a, b)) in related.iter().zip(rel).enumerate() {
            assert_eq!(num(&b["id"]), i + 1);
            assert_eq!(b["message"]["text"], a["message"]);
            let bf = text(&a["file"]);
            assert_artifact(&b["physicalLocation"]["artifactLocation"], bf);
            assert_region(repo(), bf, &b["physicalLocation"]["region"], &a["span"]);
        }
        assert_eq!(r.get("fixes").is_some(), !f["fix"].is_null());
        assert!(r.get("suppressions").is_none());
    }
    // The variable case has a related location in another file.
    assert!(results.iter().any(|r| r.get("relatedLocations").is_some()));
}

#[test]
fn sarif_columns_count_utf16_code_units() {
    // `/* clé 🔑 */` before the attribute: é is one unit, 🔑 two, so the UTF-16 column is one
    // more than the JSON report's character column, and the byte offset is further still.
    let (report, sarif) = json_and_sarif(repo(), &["fixtures/rotation-unicode-columns"]);
    let span = &report["findings"][0]["span"];
    let region = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(num(&span["start"]["column"]), 42);
    assert_eq!(num(&region["startColumn"]), 43);
    assert_eq!(num(&span["end"]["column"]), 69);
    assert_eq!(num(&region["endColumn"]), 70);
    assert_eq!(num(&span["start"]["offset"]), 45);
    assert_eq!(num(&region["charOffset"]), 42);
}

#[test]
fn sarif_fingerprints_are_githubs_line_hash() {
    let (report, sarif) = json_and_sarif(
        repo(),
        &[
            "fixtures/rotation-literal-false",
            "fixtures/rotation-two-keys",
            "fixtures/rotation-crlf",
            "fixtures/rotation-unicode-columns",
        ],
    );
    for (f, r) in arr(&report["findings"])
        .iter()
        .zip(arr(&sarif["runs"][0]["results"]))
    {
        let hash = text(&r["partialFingerprints"]["primaryLocationLineHash"]);
        let (h, n) = hash.split_once(':').unwrap();
        assert!(
            h.len() <= 16 && u64::from_str_radix(h, 16).is_ok(),
            "{hash}"
        );
        assert!(n.parse::<usize>().unwrap() >= 1, "{hash}");
        let file = read(repo(), text(&f["file"]));
        let line = num(&f["span"]["start"]["line"]);
        assert_eq!(
            Some(hash.to_string()),
            kmslint::report::fingerprint::line_hash(&file, line)
        );
    }

    // The hash is of the line's text, so it survives lines added above the finding.
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("rotation-literal-false");
    let hash = |tmp: &TempDir| {
        let (_, s) = json_and_sarif(tmp.path(), &["rotation-literal-false"]);
        let r = &s["runs"][0]["results"][0];
        (
            r["partialFingerprints"]["primaryLocationLineHash"].clone(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (before, line_before) = hash(&tmp);
    let main = dir.join("main.tf");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, format!("# a comment\n\n# another\n{text}")).unwrap();
    let (after, line_after) = hash(&tmp);
    assert_eq!(num(&line_after), num(&line_before) + 3);
    assert_eq!(before, after);
}

/// Applies the SARIF fixes of every result to the files under `cwd` (in memory).
fn apply_sarif_fixes(cwd: &Path, sarif: &Value) -> BTreeMap<String, String> {
    let mut edits: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for r in arr(&sarif["runs"][0]["results"]) {
        let Some(fixes) = r.get("fixes") else {
            continue;
        };
        let fixes = arr(fixes);
        assert_eq!(fixes.len(), 1);
        assert!(!text(&fixes[0]["description"]["text"]).is_empty());
        for change in arr(&fixes[0]["artifactChanges"]) {
            let loc = &change["artifactLocation"];
            assert_eq!(loc["uriBaseId"], "%SRCROOT%");
            let file = text(&loc["uri"]).to_string();
            let content = read(cwd, &file);
            for rep in arr(&change["replacements"]) {
                let d = &rep["deletedRegion"];
                let s = offset_of(&content, num(&d["startLine"]), num(&d["startColumn"]));
                let e = offset_of(&content, num(&d["endLine"]), num(&d["endColumn"]));
                let inserted = text(&rep["insertedContent"]["text"]).to_string();
                edits
                    .entry(file.clone())
                    .or_default()
                    .push((s, e, inserted));
            }
        }
    }
    edits
        .into_iter()
        .map(|(file, mut es)| {
            let mut content = read(cwd, &file);
            es.sort_by_key(|e| std::cmp::Reverse(e.0));
            for (s, e, ins) in es {
                content.replace_range(s..e, &ins);
            }
            (file, content)
        })
        .collect()
}

#[test]
fn sarif_fixes_reproduce_fix() {
    for fixture in [
        "rotation-literal-false",
        "rotation-absent",
        "rotation-absent-tab-indent",
        "rotation-unicode-columns",
        "rotation-crlf",
        "rotation-bom",
        "rotation-json-absent",
        "rotation-two-keys",
        "recorder-inclusion-missing-kms",
        "recorder-inclusion-multiline",
        "recorder-exclusion-names-kms",
    ] {
        let tmp = TempDir::new();
        tmp.copy_fixture(fixture);
        let (report, sarif) = json_and_sarif(tmp.path(), &[fixture]);
        let fixable = num(&report["summary"]["fixable"]);
        assert!(fixable > 0, "{fixture} has no fix");
        let results = arr(&sarif["runs"][0]["results"]);
        assert_eq!(
            results.iter().filter(|r| r.get("fixes").is_some()).count(),
            fixable
        );
        for r in results.iter().filter_map(|r| r.get("fixes")) {
            assert_eq!(r[0]["properties"]["safe"], true);
        }
        let by_sarif = apply_sarif_fixes(tmp.path(), &sarif);

        let fixed = TempDir::new();
        let dir = fixed.copy_fixture(fixture);
        let run = check(fixed.path(), "json", &["--fix", fixture]);
        assert!(run.code == 0 || run.code == 1, "{fixture}: {}", run.stderr);
        let after = snapshot(&dir);
        for (file, content) in &by_sarif {
            let rel = Path::new(file).strip_prefix(fixture).unwrap();
            assert_eq!(
                content, &after[rel],
                "{fixture}: applying the SARIF fixes differs from --fix in {file}"
            );
        }
        // And --fix changed no file the SARIF fixes did not touch.
        let before = snapshot(&tmp.path().join(fixture));
        for (rel, content) in &after {
            let name = format!("{fixture}/{}", rel.to_str().unwrap());
            if !by_sarif.contains_key(&name) {
                assert_eq!(content, &before[rel], "{fixture}: {name}");
            }
        }
    }
}

#[test]
fn sarif_tool_errors_are_notifications() {
    let (report, sarif) = json_and_sarif(repo(), &["fixtures/bad-syntax", "fixtures/nope"]);
    let inv = &sarif["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = arr(&inv["toolExecutionNotifications"]);
    let errors = arr(&report["errors"]);
    assert_eq!(notes.len(), errors.len());
    assert_eq!(errors.len(), 2, "{report:#}");
    let mut with_span = 0;
    for (e, n) in errors.iter().zip(notes) {
        assert_eq!(n["level"], "error");
        let msg = text(&n["message"]["text"]);
        assert!(msg.contains(text(&e["message"])), "{msg}");
        let loc = &n["locations"][0]["physicalLocation"];
        if e["span"].is_null() {
            assert!(loc.get("region").is_none());
            assert!(msg.contains(text(&e["file"])));
            assert!(n.get("descriptor").is_none());
        } else {
            with_span += 1;
            assert_eq!(n["descriptor"]["id"], "parse-error");
            assert_artifact(&loc["artifactLocation"], text(&e["file"]));
            assert_region(repo(), text(&e["file"]), &loc["region"], &e["span"]);
        }
    }
    assert_eq!(with_span, 1);
    // The file that parsed is still reported.
    assert_eq!(arr(&sarif["runs"][0]["results"]).len(), 1);

    let (_, clean) = json_and_sarif(repo(), &["fixtures/rotation-literal-true"]);
    let inv = &clean["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true);
    assert!(arr(&inv["toolExecutionNotifications"]).is_empty());
}

#[test]
fn sarif_uris_are_relative_and_percent_encoded() {
    let tmp = TempDir::new();
    let body =
        std::fs::read_to_string(repo().join("fixtures/rotation-literal-false/main.tf")).unwrap();
    tmp.write("my mod/ké y#1.tf", &body);
    let (report, sarif) = json_and_sarif(tmp.path(), &["my mod"]);
    assert_eq!(report["findings"][0]["file"], "my mod/ké y#1.tf");
    let run = &sarif["runs"][0];
    assert_artifact(
        &run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"],
        "my%20mod/k%C3%A9%20y%231.tf",
    );
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        dir_uri(tmp.path()).as_str()
    );

    // A file outside the working directory gets an absolute file URI and no base.
    let outside = TempDir::new();
    let abs = tmp.path().join("my mod");
    let (_, sarif) = json_and_sarif(outside.path(), &[abs.to_str().unwrap()]);
    let loc =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert!(loc.get("uriBaseId").is_none(), "{loc}");
    assert_eq!(
        loc["uri"],
        format!("{}k%C3%A9%20y%231.tf", dir_uri(&abs)).as_str()
    );
}

#[test]
fn sarif_after_fix_reports_what_remains() {
    // After --fix, the SARIF log reports what remains (here: nothing) and stays valid.
    let tmp = TempDir::new();
    tmp.copy_fixture("rotation-literal-false");
    let run = check(tmp.path(), "sarif", &["--fix", "rotation-literal-false"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sarif = json_of(&run, "sarif");
    assert_schema_valid(&sarif);
    assert!(arr(&sarif["runs"][0]["results"]).is_empty());
}

// ---------------------------------------------------------------------------------------------
// GitHub workflow commands
// ---------------------------------------------------------------------------------------------

fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A module in a file whose name and resource name need escaping: `%`, `,`, `:`, CR and LF
/// (a `.tf.json` resource name can be any string).
fn escaping_module(tmp: &TempDir) {
    tmp.write(
        "k%1,2:3.tf.json",
        "{\"resource\": {\"aws_kms_key\": {\"a%b:c,d\\r\\ne\": {\"description\": \"x\"}}}}\n",
    );
}

#[test]
fn github_escapes_properties_and_data() {
    let tmp = TempDir::new();
    escaping_module(&tmp);
    let report = json_of(&check(tmp.path(), "json", &["."]), "json");
    let f = &report["findings"][0];
    let message = text(&f["message"]);
    assert!(message.contains("a%b:c,d\r\ne"), "{message}");
    let run = check(tmp.path(), "github", &["."]);
    assert_eq!(run.code, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "one annotation and the summary:\n{}",
        run.stdout
    );
    let expected = format!(
        "::warning file=k%251%2C2%3A3.tf.json,line=1,endLine=1,col={},endColumn={},title={ROTATION}::{}",
        num(&f["span"]["start"]["column"]),
        num(&f["span"]["end"]["column"]),
        gh_data(message),
    );
    assert_eq!(lines[0], expected);
    assert!(lines[0].contains("a%25b:c,d%0D%0Ae"));
    assert_eq!(gh_prop("k%1,2:3.tf.json"), "k%251%2C2%3A3.tf.json");
    assert_eq!(lines[1], "kmslint: 1 finding (1 warning); 1 file checked");
}

#[test]
fn github_annotations_match_the_json_report() {
    let paths = [
        "fixtures/rotation-unicode-columns",
        "fixtures/rotation-two-keys",
        "fixtures/recorder-inclusion-multiline",
        "fixtures/bad-syntax",
        "fixtures/nope",
    ];
    let report = json_of(&check(repo(), "json", &paths), "json");
    let run = check(repo(), "github", &paths);
    assert_eq!(run.code, 2);
    let mut expected = Vec::new();
    for e in arr(&report["errors"]) {
        let file = text(&e["file"]);
        let msg = gh_data(text(&e["message"]));
        if e["span"].is_null() {
            expected.push(format!("::error file={}::{msg}", gh_prop(file)));
        } else {
            let content = read(repo(), file);
            expected.push(format!(
                "::error {},title=parse-error::{msg}",
                gh_span(&content, file, &e["span"])
            ));
        }
    }
    for f in arr(&report["findings"]) {
        let file = text(&f["file"]);
        let content = read(repo(), file);
        expected.push(format!(
            "::warning {},title={}::{}",
            gh_span(&content, file, &f["span"]),
            text(&f["rule"]),
            gh_data(text(&f["message"]))
        ));
    }
    let n = arr(&report["findings"]).len();
    expected.push(format!(
        "kmslint: {n} findings ({n} warnings); 2 files could not be linted; {} files checked",
        num(&report["summary"]["files"])
    ));
    let got: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(got, expected);
    // Multi-line spans have no columns (GitHub rejects col with endLine != line).
    assert!(got
        .iter()
        .any(|l| l.contains("line=7,endLine=10,title=config-recorder-kms-excluded")));
    // UTF-16 columns, like SARIF.
    assert!(got.iter().any(|l| l.contains("col=43,endColumn=70")));
}

fn gh_span(content: &str, file: &str, span: &Value) -> String {
    let (sl, el) = (num(&span["start"]["line"]), num(&span["end"]["line"]));
    let mut s = format!("file={},line={sl},endLine={el}", gh_prop(file));
    if sl == el {
        s.push_str(&format!(
            ",col={},endColumn={}",
            utf16_column(content, num(&span["start"]["offset"])),
            utf16_column(content, num(&span["end"]["offset"]))
        ));
    }
    s
}

#[test]
fn github_clean_run_prints_only_the_summary() {
    let run = check(repo(), "github", &["fixtures/rotation-literal-true"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, "kmslint: 0 findings; 1 file checked\n");
}

// ---------------------------------------------------------------------------------------------
// GitLab Code Quality
// ---------------------------------------------------------------------------------------------

fn gitlab(cwd: &Path, paths: &[&str]) -> Vec<Value> {
    let run = check(cwd, "gitlab", paths);
    assert!(
        !run.stdout.starts_with('\u{feff}'),
        "GitLab rejects a byte-order mark"
    );
    arr(&json_of(&run, "gitlab")).clone()
}

#[test]
fn gitlab_code_quality_shape() {
    let paths = [
        "fixtures/rotation-literal-false",
        "fixtures/rotation-bom",
        "fixtures/recorder-inclusion-multiline",
        "fixtures/bad-syntax",
    ];
    let report = json_of(&check(repo(), "json", &paths), "json");
    let issues = gitlab(repo(), &paths);
    let findings = arr(&report["findings"]);
    let errors = arr(&report["errors"]);
    assert_eq!(issues.len(), findings.len() + errors.len());
    let (err_issues, finding_issues) = issues.split_at(errors.len());
    for (e, i) in errors.iter().zip(err_issues) {
        assert_eq!(i["check_name"], "parse-error");
        assert_eq!(i["description"], e["message"]);
        assert_eq!(i["location"]["path"], e["file"]);
        assert_eq!(i["severity"], "critical");
    }
    for (f, i) in findings.iter().zip(finding_issues) {
        assert_eq!(i["description"], f["message"]);
        assert_eq!(i["check_name"], f["rule"]);
        assert_eq!(i["severity"], "minor", "warning → minor");
        assert_eq!(i["location"]["path"], f["file"]);
        assert_eq!(i["location"]["lines"]["begin"], f["span"]["start"]["line"]);
        assert_eq!(i["location"]["lines"]["end"], f["span"]["end"]["line"]);
    }
    for i in &issues {
        let fp = text(&i["fingerprint"]);
        assert_eq!(fp.len(), 32);
        assert!(fp.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&text(&i["severity"])));
        assert!(num(&i["location"]["lines"]["begin"]) >= 1);
    }
}

#[test]
fn gitlab_fingerprints_are_unique_and_stable() {
    let fixtures = rule_fixtures();
    let fixtures: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    let all = gitlab(repo(), &fixtures);
    assert!(all.len() > 40);
    let fps: Vec<&str> = all.iter().map(|i| text(&i["fingerprint"])).collect();
    let unique: HashSet<&&str> = fps.iter().collect();
    assert_eq!(unique.len(), fps.len(), "duplicate fingerprints");
    let again = gitlab(repo(), &fixtures);
    let fps2: Vec<&str> = again.iter().map(|i| text(&i["fingerprint"])).collect();
    assert_eq!(fps, fps2, "fingerprints change between runs");

    // The same finding in two places (two copies of one module) gets two fingerprints.
    let tmp = TempDir::new();
    copy_dir(
        &repo().join("fixtures/rotation-literal-false"),
        &tmp.path().join("a"),
    );
    copy_dir(
        &repo().join("fixtures/rotation-literal-false"),
        &tmp.path().join("b"),
    );
    let two = gitlab(tmp.path(), &["a", "b"]);
    assert_eq!(two.len(), 2);
    assert_eq!(two[0]["description"], two[1]["description"]);
    assert_ne!(two[0]["fingerprint"], two[1]["fingerprint"]);
}

#[test]
fn gitlab_fingerprints_survive_code_moving_down() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("rotation-two-keys");
    let recorder = tmp.copy_fixture("recorder-inclusion-multiline");
    // The recorder's missing status and delivery channel are another rule's business.
    let paths = [
        "rotation-two-keys",
        "recorder-inclusion-multiline",
        "--ignore",
        "config-recorder-not-recording",
    ];
    let before = gitlab(tmp.path(), &paths);
    assert_eq!(before.len(), 3);
    // Two keys in one file: two problems, two fingerprints.
    assert_ne!(before[0]["fingerprint"], before[1]["fingerprint"]);
    for d in [&dir, &recorder] {
        let main = d.join("main.tf");
        let text = std::fs::read_to_string(&main).unwrap();
        std::fs::write(&main, format!("# moved down\n\n{text}")).unwrap();
    }
    let after = gitlab(tmp.path(), &paths);
    assert_eq!(after.len(), before.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(a["check_name"], b["check_name"]);
        assert_eq!(
            num(&a["location"]["lines"]["begin"]),
            num(&b["location"]["lines"]["begin"]) + 2
        );
        assert_eq!(a["fingerprint"], b["fingerprint"], "{a}\n{b}");
    }
}

#[test]
fn gitlab_clean_run_is_an_empty_array() {
    let issues = gitlab(repo(), &["fixtures/rotation-literal-true"]);
    assert!(issues.is_empty());
}

// ---------------------------------------------------------------------------------------------
// reviewdog rdjson
// ---------------------------------------------------------------------------------------------

/// reviewdog's rdjson schema (`tests/data/README.md` says where it comes from).
fn rdjson_validator() -> &'static jsonschema::Validator {
    static V: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        let path = repo().join("tests/data/reviewdog-rdjson-DiagnosticResult.json");
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("schema is JSON");
        jsonschema::options()
            .build(&schema)
            .expect("the rdjson schema compiles")
    })
}

fn rdjson_errors(v: &Value) -> Vec<String> {
    rdjson_validator()
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// `kmslint check --format rdjson PATHS`, validated against reviewdog's schema and checked
/// for the shape reviewdog's parser needs (the schema requires nothing).
fn rdjson(cwd: &Path, paths: &[&str]) -> (i32, Value) {
    let run = check(cwd, "rdjson", paths);
    let v = json_of(&run, "rdjson");
    let errors = rdjson_errors(&v);
    assert!(
        errors.is_empty(),
        "rdjson does not validate:\n{}\n{v:#}",
        errors.join("\n")
    );
    assert_eq!(v["source"]["name"], "kmslint");
    for d in arr(&v["diagnostics"]) {
        assert!(!text(&d["message"]).is_empty(), "{d}");
        assert!(!text(&d["location"]["path"]).is_empty(), "{d}");
        assert!(
            ["ERROR", "WARNING", "INFO"].contains(&text(&d["severity"])),
            "{d}"
        );
        if let Some(r) = d["location"].get("range") {
            for end in ["start", "end"] {
                assert!(
                    num(&r[end]["line"]) >= 1 && num(&r[end]["column"]) >= 1,
                    "{d}"
                );
            }
        }
    }
    (run.code, v)
}

/// The 1-based UTF-8 byte column of a byte offset.
fn byte_column(text: &str, offset: usize) -> usize {
    offset - text[..offset].rfind('\n').map_or(0, |i| i + 1) + 1
}

/// The byte offset of a 1-based line and byte column.
fn offset_of_bytes(text: &str, line: usize, column: usize) -> usize {
    let offset = line_starts(text)[line - 1] + column - 1;
    assert!(
        text.is_char_boundary(offset),
        "column {column} splits a character"
    );
    offset
}

fn assert_rd_range(cwd: &Path, display: &str, range: &Value, span: &Value) {
    // `fixtures/bad-utf8` is not UTF-8; kmslint reads it lossily, and so does this.
    let bytes = std::fs::read(cwd.join(display)).unwrap();
    let content = String::from_utf8_lossy(&bytes);
    for end in ["start", "end"] {
        let offset = num(&span[end]["offset"]);
        assert_eq!(
            num(&range[end]["line"]),
            num(&span[end]["line"]),
            "{display}"
        );
        assert_eq!(
            num(&range[end]["column"]),
            byte_column(&content, offset),
            "{display} {end}"
        );
    }
}

#[test]
fn rdjson_validates_and_matches_the_json_report() {
    let fixtures = rule_fixtures();
    let mut paths: Vec<&str> = fixtures.iter().map(String::as_str).collect();
    paths.push("fixtures/nope");
    let report = json_of(&check(repo(), "json", &paths), "json");
    let (code, v) = rdjson(repo(), &paths);
    assert_eq!(code, 2);
    let diagnostics = arr(&v["diagnostics"]);
    let errors = arr(&report["errors"]);
    let findings: Vec<&Value> = arr(&report["findings"])
        .iter()
        .filter(|f| f["suppression"].is_null())
        .collect();
    assert!(findings.len() > 40);
    assert_eq!(diagnostics.len(), errors.len() + findings.len());
    let (rd_errors, rd_findings) = diagnostics.split_at(errors.len());
    for (e, d) in errors.iter().zip(rd_errors) {
        assert_eq!(d["message"], e["message"]);
        assert_eq!(d["location"]["path"], e["file"]);
        assert_eq!(d["severity"], "ERROR");
        if e["span"].is_null() {
            assert!(d["location"].get("range").is_none(), "{d}");
            assert!(d.get("code").is_none(), "{d}");
        } else {
            assert_eq!(d["code"]["value"], "parse-error");
            assert_rd_range(
                repo(),
                text(&e["file"]),
                &d["location"]["range"],
                &e["span"],
            );
        }
    }
    let sarif = json_of(
        &check(repo(), "sarif", &["fixtures/rotation-literal-true"]),
        "sarif",
    );
    let rules = arr(&sarif["runs"][0]["tool"]["driver"]["rules"]);
    for (f, d) in findings.iter().zip(rd_findings) {
        let file = text(&f["file"]);
        assert_eq!(d["message"], f["message"]);
        assert_eq!(d["location"]["path"], f["file"]);
        assert_eq!(d["severity"], "WARNING");
        assert_eq!(d["code"]["value"], f["rule"]);
        // The documentation link is SARIF's helpUri.
        let rule = rules.iter().find(|r| r["id"] == f["rule"]).unwrap();
        assert_eq!(d["code"]["url"], rule["helpUri"]);
        assert_rd_range(repo(), file, &d["location"]["range"], &f["span"]);
        let related = arr(&f["related"]);
        match d.get("related_locations") {
            None => assert!(related.is_empty()),
            Some(rl) => {
                assert_eq!(arr(rl).len(), related.len());
                for (r, l) in related.iter().zip(arr(rl)) {
                    assert_eq!(l["message"], r["message"]);
                    assert_eq!(l["location"]["path"], r["file"]);
                    assert_rd_range(
                        repo(),
                        text(&r["file"]),
                        &l["location"]["range"],
                        &r["span"],
                    );
                }
            }
        }
        let edits: Vec<&Value> = f["fix"]["edits"]
            .as_array()
            .map(|e| e.iter().filter(|e| e["file"] == f["file"]).collect())
            .unwrap_or_default();
        match d.get("suggestions") {
            None => assert!(edits.is_empty(), "{d}"),
            Some(s) => {
                assert_eq!(arr(s).len(), edits.len());
                for (e, s) in edits.iter().zip(arr(s)) {
                    assert_eq!(s["text"], e["content"]);
                    assert_rd_range(repo(), file, &s["range"], &e["span"]);
                }
            }
        }
    }
}

#[test]
fn rdjson_columns_count_utf8_bytes() {
    let (_, v) = rdjson(
        repo(),
        &["fixtures/rotation-unicode-columns", "fixtures/rotation-bom"],
    );
    let d = arr(&v["diagnostics"]);
    let unicode = d
        .iter()
        .find(|d| text(&d["location"]["path"]).contains("unicode"))
        .unwrap();
    // `resource "aws_kms_key" "x" { /* clé 🔑 */ ` is 41 characters but 46 bytes.
    let content = read(repo(), text(&unicode["location"]["path"]));
    let at = content.find("enable_key_rotation").unwrap();
    assert_eq!(
        num(&unicode["location"]["range"]["start"]["column"]),
        at + 1
    );
    assert_ne!(content[..at].chars().count(), at);
    // In a file with a byte-order mark, the mark's three bytes are part of line 1.
    let bom = d
        .iter()
        .find(|d| text(&d["location"]["path"]).contains("bom"))
        .unwrap();
    let content = read(repo(), text(&bom["location"]["path"]));
    assert!(content.starts_with('\u{feff}'));
    let r = &bom["location"]["range"]["start"];
    if num(&r["line"]) == 1 {
        assert!(num(&r["column"]) >= 4, "{bom}");
    }
}

#[test]
fn rdjson_schema_check_can_fail() {
    let (_, good) = rdjson(repo(), &["fixtures/rotation-literal-false"]);
    assert!(!arr(&good["diagnostics"]).is_empty());
    type Breaker = fn(&mut Value);
    let broken: Vec<(&str, Breaker)> = vec![
        ("severity CRITICAL", |v| {
            v["diagnostics"][0]["severity"] = json!("CRITICAL")
        }),
        ("line as a string", |v| {
            v["diagnostics"][0]["location"]["range"]["start"]["line"] = json!("3")
        }),
        ("diagnostics not an array", |v| v["diagnostics"] = json!({})),
        ("suggestion text a number", |v| {
            v["diagnostics"][0]["suggestions"][0]["text"] = json!(1)
        }),
    ];
    for (what, breakit) in broken {
        let mut v = good.clone();
        breakit(&mut v);
        assert!(
            !rdjson_errors(&v).is_empty(),
            "the schema accepted rdjson with {what}"
        );
    }
}

/// Applies every suggestion of every diagnostic (in memory), as reviewdog would.
fn apply_rdjson_suggestions(cwd: &Path, v: &Value) -> BTreeMap<String, String> {
    let mut edits: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    for d in arr(&v["diagnostics"]) {
        let Some(suggestions) = d.get("suggestions") else {
            continue;
        };
        let file = text(&d["location"]["path"]).to_string();
        let content = read(cwd, &file);
        for s in arr(suggestions) {
            let r = &s["range"];
            let start = offset_of_bytes(
                &content,
                num(&r["start"]["line"]),
                num(&r["start"]["column"]),
            );
            let end = offset_of_bytes(&content, num(&r["end"]["line"]), num(&r["end"]["column"]));
            edits
                .entry(file.clone())
                .or_default()
                .push((start, end, text(&s["text"]).to_string()));
        }
    }
    edits
        .into_iter()
        .map(|(file, mut es)| {
            let mut content = read(cwd, &file);
            es.sort_by_key(|e| std::cmp::Reverse(e.0));
            for (s, e, ins) in es {
                content.replace_range(s..e, &ins);
            }
            (file, content)
        })
        .collect()
}

#[test]
fn rdjson_suggestions_reproduce_fix() {
    let mut insertions = 0;
    for fixture in [
        "rotation-literal-false",
        "rotation-absent",
        "rotation-unicode-columns",
        "rotation-crlf",
        "rotation-bom",
        "rotation-json-absent",
        "rotation-two-keys",
        "recorder-inclusion-missing-kms",
        "recorder-inclusion-multiline",
        "recorder-exclusion-names-kms",
    ] {
        let tmp = TempDir::new();
        tmp.copy_fixture(fixture);
        let (_, v) = rdjson(tmp.path(), &[fixture]);
        let suggestions: Vec<&Value> = arr(&v["diagnostics"])
            .iter()
            .filter_map(|d| d.get("suggestions"))
            .flat_map(|s| arr(s).iter())
            .collect();
        assert!(!suggestions.is_empty(), "{fixture} has no suggestion");
        insertions += suggestions
            .iter()
            .filter(|s| s["range"]["start"] == s["range"]["end"])
            .count();
        let by_rdjson = apply_rdjson_suggestions(tmp.path(), &v);

        let fixed = TempDir::new();
        let dir = fixed.copy_fixture(fixture);
        let run = check(fixed.path(), "json", &["--fix", fixture]);
        assert!(run.code == 0 || run.code == 1, "{fixture}: {}", run.stderr);
        let after = snapshot(&dir);
        let before = snapshot(&tmp.path().join(fixture));
        for (rel, content) in &after {
            let name = format!("{fixture}/{}", rel.to_str().unwrap());
            let expected = by_rdjson.get(&name).unwrap_or(&before[rel]);
            assert_eq!(
                content, expected,
                "{fixture}: applying the rdjson suggestions differs from --fix in {name}"
            );
        }
    }
    // Pure insertions are zero-width ranges.
    assert!(insertions > 0);
}

#[test]
fn rdjson_clean_run_has_no_diagnostics() {
    let (code, v) = rdjson(repo(), &["fixtures/rotation-literal-true"]);
    assert_eq!(code, 0);
    assert!(arr(&v["diagnostics"]).is_empty());
}

// ---------------------------------------------------------------------------------------------
// JUnit XML
// ---------------------------------------------------------------------------------------------

#[test]
fn junit_is_well_formed_with_one_testcase_per_problem() {
    let paths = [
        "fixtures/rotation-literal-false",
        "fixtures/rotation-unicode-columns",
        "fixtures/rotation-two-keys",
        "fixtures/bad-syntax",
        "fixtures/nope",
    ];
    let report = json_of(&check(repo(), "json", &paths), "json");
    let run = check(repo(), "junit", &paths);
    assert_eq!(run.code, 2);
    let doc = roxmltree::Document::parse(&run.stdout)
        .unwrap_or_else(|e| panic!("JUnit XML is not well-formed: {e}\n{}", run.stdout));
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(suite.attribute("name"), Some("kmslint"));
    let findings = arr(&report["findings"]);
    let errors = arr(&report["errors"]);
    let all: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    // Problems first, then a passing testcase per rule that reported nothing.
    let (cases, passed) = all.split_at(findings.len() + errors.len());
    assert!(cases.iter().all(|c| c.children().any(|n| n.is_element())));
    let failing_rules: HashSet<&str> = findings.iter().map(|f| text(&f["rule"])).collect();
    let rules = json_of(&check(repo(), "sarif", &["fixtures/nope"]), "sarif");
    let passing_rules: Vec<String> = arr(&rules["runs"][0]["tool"]["driver"]["rules"])
        .iter()
        .map(|r| text(&r["id"]))
        .filter(|id| !failing_rules.contains(id))
        .map(|id| format!("[{id}]"))
        .collect();
    assert!(!passing_rules.is_empty());
    let names: Vec<&str> = passed
        .iter()
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(names, passing_rules);
    for c in passed {
        assert_eq!(c.attribute("classname"), Some("kmslint"));
        assert_eq!(c.children().filter(|n| n.is_element()).count(), 0);
    }
    let total = all.len().to_string();
    assert_eq!(suite.attribute("tests"), Some(total.as_str()));
    assert_eq!(
        suite.attribute("failures"),
        Some(findings.len().to_string().as_str())
    );
    assert_eq!(
        suite.attribute("errors"),
        Some(errors.len().to_string().as_str())
    );
    let (error_cases, finding_cases) = cases.split_at(errors.len());
    for (e, c) in errors.iter().zip(error_cases) {
        let err = c.children().find(|n| n.has_tag_name("error")).unwrap();
        assert_eq!(err.attribute("message"), e["message"].as_str());
        assert_eq!(c.attribute("classname"), e["file"].as_str());
    }
    for (f, c) in findings.iter().zip(finding_cases) {
        let file = text(&f["file"]);
        assert_eq!(c.attribute("classname"), Some(file));
        assert_eq!(
            c.attribute("name").unwrap(),
            format!("[{}] {}", text(&f["rule"]), text(&f["address"]))
        );
        let failure = c.children().find(|n| n.has_tag_name("failure")).unwrap();
        assert_eq!(failure.attribute("type"), f["rule"].as_str());
        assert_eq!(failure.attribute("message"), f["message"].as_str());
        assert_eq!(
            failure.text().unwrap(),
            format!(
                "{file}:{}:{}: {}",
                num(&f["span"]["start"]["line"]),
                num(&f["span"]["start"]["column"]),
                text(&f["message"])
            )
        );
    }
}

#[test]
fn junit_escapes_markup_and_drops_control_characters() {
    let tmp = TempDir::new();
    // A JSON resource name may hold anything: markup, quotes, and control characters that
    // XML 1.0 cannot carry at all.
    tmp.write(
        "a&b<c>.tf.json",
        "{\"resource\": {\"aws_kms_key\": {\"k&<x>\\\"q\\\"'s'\\u0001\\u001b\": {}}}}\n",
    );
    let run = check(tmp.path(), "junit", &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains('\u{1}') && !run.stdout.contains('\u{1b}'));
    assert!(run
        .stdout
        .contains("name=\"[kms-key-rotation-disabled] aws_kms_key.k&amp;&lt;x&gt;&quot;q&quot;&apos;s&apos;\""));
    let doc = roxmltree::Document::parse(&run.stdout)
        .unwrap_or_else(|e| panic!("not well-formed: {e}\n{}", run.stdout));
    let case = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase"))
        .unwrap();
    assert_eq!(case.attribute("classname"), Some("a&b<c>.tf.json"));
    assert_eq!(
        case.attribute("name"),
        Some("[kms-key-rotation-disabled] aws_kms_key.k&<x>\"q\"'s'")
    );
}

#[test]
fn junit_clean_run_has_a_passing_testcase_per_rule() {
    // Jenkins' junit step fails a build whose report has no test results at all.
    let run = check(repo(), "junit", &["fixtures/rotation-literal-true"]);
    assert_eq!(run.code, 0);
    let doc = roxmltree::Document::parse(&run.stdout).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    let cases: Vec<_> = suite.children().filter(|n| n.is_element()).collect();
    assert!(cases.len() >= 2);
    assert_eq!(
        suite.attribute("tests"),
        Some(cases.len().to_string().as_str())
    );
    assert_eq!(suite.attribute("failures"), Some("0"));
    assert_eq!(suite.attribute("errors"), Some("0"));
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert!(names.contains(&"[kms-key-rotation-disabled]"), "{names:?}");
    assert!(
        names.contains(&"[config-recorder-kms-excluded]"),
        "{names:?}"
    );
    for c in &cases {
        assert!(c.has_tag_name("testcase"));
        assert_eq!(c.attribute("classname"), Some("kmslint"));
        assert_eq!(c.children().filter(|n| n.is_element()).count(), 0);
    }
}

// ---------------------------------------------------------------------------------------------
// Compact
// ---------------------------------------------------------------------------------------------

#[test]
fn compact_lines_are_exact() {
    let run = check(repo(), "compact", &["fixtures/rotation-literal-false"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "fixtures/rotation-literal-false/main.tf:3:3: warning kms-key-rotation-disabled: \
         KMS key `aws_kms_key.x` does not rotate: `enable_key_rotation` is false; set it to true\n"
    );

    let paths = [
        "fixtures/bad-syntax",
        "fixtures/nope",
        "fixtures/rotation-unicode-columns",
        "fixtures/recorder-inclusion-multiline",
    ];
    let report = json_of(&check(repo(), "json", &paths), "json");
    let run = check(repo(), "compact", &paths);
    assert_eq!(run.code, 2);
    let mut expected = String::new();
    for e in arr(&report["errors"]) {
        if e["span"].is_null() {
            expected.push_str(&format!(
                "{}: error: {}\n",
                text(&e["file"]),
                text(&e["message"])
            ));
        } else {
            expected.push_str(&format!(
                "{}:{}:{}: error parse-error: {}\n",
                text(&e["file"]),
                num(&e["span"]["start"]["line"]),
                num(&e["span"]["start"]["column"]),
                text(&e["message"])
            ));
        }
    }
    for f in arr(&report["findings"]) {
        expected.push_str(&format!(
            "{}:{}:{}: {} {}: {}\n",
            text(&f["file"]),
            num(&f["span"]["start"]["line"]),
            num(&f["span"]["start"]["column"]),
            text(&f["severity"]),
            text(&f["rule"]),
            text(&f["message"])
        ));
    }
    assert_eq!(run.stdout, expected);
    assert!(run.stdout.contains("fixtures/nope: error: "));
    assert!(run
        .stdout
        .contains("fixtures/bad-syntax/broken.tf:4:1: error parse-error: "));
    // Character columns, as in the JSON report.
    assert!(run
        .stdout
        .contains("fixtures/rotation-unicode-columns/main.tf:1:42: warning "));
}

#[test]
fn compact_keeps_one_line_per_problem() {
    let tmp = TempDir::new();
    escaping_module(&tmp);
    let run = check(tmp.path(), "compact", &["."]);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("a%b:c,d e"), "{}", run.stdout);
    let clean = check(repo(), "compact", &["fixtures/rotation-literal-true"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
}

// ---------------------------------------------------------------------------------------------
// --output
// ---------------------------------------------------------------------------------------------

#[test]
fn output_writes_the_report_to_a_file_for_every_format() {
    let tmp = TempDir::new();
    tmp.copy_fixture("rotation-literal-false");
    tmp.copy_fixture("bad-syntax");
    for format in [
        "human", "json", "sarif", "github", "gitlab", "junit", "compact",
    ] {
        let paths = ["rotation-literal-false", "bad-syntax"];
        let to_stdout = check(tmp.path(), format, &paths);
        let file = format!("report.{format}");
        let mut args = vec!["check", "--format", format, "--output", &file];
        args.extend_from_slice(&paths);
        let run = run_in(tmp.path(), &args);
        assert_eq!(run.stdout, "", "{format}: --output printed to stdout");
        assert_eq!(run.code, to_stdout.code, "{format}: exit code");
        assert_eq!(
            run.code, 2,
            "{format}: the parse error still decides the exit code"
        );
        let written = std::fs::read_to_string(tmp.path().join(format!("report.{format}")))
            .unwrap_or_else(|e| panic!("{format}: {e}"));
        assert_eq!(written, to_stdout.stdout, "{format}");
        assert!(!written.contains('\u{1b}'), "{format}: colour in a file");
        // No temporary file is left behind.
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // An existing file is replaced; `-o` is the short form.
    let run = run_in(
        tmp.path(),
        &[
            "check",
            "--format",
            "compact",
            "-o",
            "report.sarif",
            "rotation-literal-false",
        ],
    );
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    let written = std::fs::read_to_string(tmp.path().join("report.sarif")).unwrap();
    assert!(written.starts_with("rotation-literal-false/main.tf:3:3: warning "));
}

#[test]
fn output_to_an_unwritable_place_is_an_error() {
    let tmp = TempDir::new();
    let run = run_in(
        repo(),
        &[
            "check",
            "--format",
            "sarif",
            "--output",
            tmp.path().join("no/such/dir/out.sarif").to_str().unwrap(),
            "fixtures/rotation-literal-true",
        ],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Suppressed findings: marked in SARIF, left out of the CI formats
// ---------------------------------------------------------------------------------------------

/// Two unrotated keys; the first is silenced by a comment with a reason.
fn suppressed_module(tmp: &TempDir) {
    tmp.write(
        "main.tf",
        "# kmslint:ignore kms-key-rotation-disabled -- rotated by an external job\n\
         resource \"aws_kms_key\" \"quiet\" {\n  enable_key_rotation = false\n}\n\n\
         resource \"aws_kms_key\" \"loud\" {\n  enable_key_rotation = false\n}\n",
    );
}

#[test]
fn sarif_marks_inline_suppressions() {
    let tmp = TempDir::new();
    suppressed_module(&tmp);
    let run = check(tmp.path(), "sarif", &["."]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = json_of(&run, "sarif");
    assert_schema_valid(&sarif);
    let results = arr(&sarif["runs"][0]["results"]);
    assert_eq!(results.len(), 2, "suppressed findings stay in SARIF");
    let quiet = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains(".quiet`"))
        .unwrap();
    let loud = results
        .iter()
        .find(|r| r["message"]["text"].as_str().unwrap().contains(".loud`"))
        .unwrap();
    assert!(loud.get("suppressions").is_none());
    let s = arr(&quiet["suppressions"]);
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["kind"], "inSource");
    assert_eq!(s[0]["status"], "accepted");
    assert_eq!(s[0]["justification"], "rotated by an external job");
    let loc = &s[0]["location"]["physicalLocation"];
    assert_artifact(&loc["artifactLocation"], "main.tf");
    assert_eq!(loc["region"]["startLine"], 1);
}

#[test]
fn sarif_marks_baseline_suppressions_as_external() {
    let tmp = TempDir::new();
    tmp.copy_fixture("rotation-literal-false");
    let run = run_in(
        tmp.path(),
        &[
            "baseline",
            "rotation-literal-false",
            "--output",
            "base.json",
        ],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let run = run_in(
        tmp.path(),
        &[
            "check",
            "--format",
            "sarif",
            "--baseline",
            "base.json",
            "rotation-literal-false",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sarif = json_of(&run, "sarif");
    assert_schema_valid(&sarif);
    let results = arr(&sarif["runs"][0]["results"]);
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["suppressions"][0]["kind"], "external");
    assert!(results[0]["suppressions"][0].get("location").is_none());
}

#[test]
fn ci_formats_leave_suppressed_findings_out() {
    let tmp = TempDir::new();
    suppressed_module(&tmp);

    let gh = check(tmp.path(), "github", &["."]);
    let lines: Vec<&str> = gh.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", gh.stdout);
    assert!(lines[0].contains("aws_kms_key.loud`"), "{}", lines[0]);
    assert_eq!(
        lines[1],
        "kmslint: 1 finding (1 warning), 1 suppressed; 1 file checked"
    );

    let gl = gitlab(tmp.path(), &["."]);
    assert_eq!(gl.len(), 1);
    assert!(text(&gl[0]["description"]).contains(".loud`"));

    let junit = check(tmp.path(), "junit", &["."]);
    let doc = roxmltree::Document::parse(&junit.stdout).unwrap();
    // The failed testcases; the others are the passing ones of rules that reported nothing.
    let names: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.children().any(|c| c.has_tag_name("failure")))
        .map(|n| n.attribute("name").unwrap())
        .collect();
    assert_eq!(names, ["[kms-key-rotation-disabled] aws_kms_key.loud"]);
    assert!(!junit.stdout.contains("quiet"), "{}", junit.stdout);

    let compact = check(tmp.path(), "compact", &["."]);
    assert_eq!(compact.stdout.lines().count(), 1);
    assert!(
        compact.stdout.starts_with("main.tf:7:3: warning "),
        "{}",
        compact.stdout
    );
}
