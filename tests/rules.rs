//! Every rule's cases in `fixtures/rules/<id>/` (see its README), run through the real
//! binary: `bad-*` cases report exactly their `expected` findings of the rule, `good-*`
//! cases report none, and a case with a `plan.json` gives the same findings from the plan.
//! A rule without a doc, a bad case or a good case fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cases_dir() -> PathBuf {
    repo().join("fixtures/rules")
}

/// `(file relative to the case, line, column, covered text)`.
type Place = (String, u64, u64, String);

fn run(cwd: &Path, args: &[String]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run kmslint");
    let code = out.status.code().expect("exit code");
    assert!(
        code == 0 || code == 1,
        "kmslint {args:?} in {}: exit {code}\n{}\n{}",
        cwd.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON report")
}

/// The unsuppressed findings of `rule`, as places relative to `base`.
fn places(report: &Value, rule: &str, base: &Path, cwd: &Path) -> BTreeSet<Place> {
    let base = std::fs::canonicalize(base).unwrap();
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule && f["suppression"].is_null())
        .map(|f| {
            let file = std::fs::canonicalize(cwd.join(f["file"].as_str().unwrap())).unwrap();
            let text = std::fs::read_to_string(&file).unwrap();
            let start = f["span"]["start"]["offset"].as_u64().unwrap() as usize;
            let end = f["span"]["end"]["offset"].as_u64().unwrap() as usize;
            (
                file.strip_prefix(&base)
                    .unwrap_or_else(|_| panic!("{} outside the case", file.display()))
                    .to_string_lossy()
                    .into_owned(),
                f["span"]["start"]["line"].as_u64().unwrap(),
                f["span"]["start"]["column"].as_u64().unwrap(),
                text[start..end].replace('\n', "\\n"),
            )
        })
        .collect()
}

fn read_expected(path: &Path) -> BTreeSet<Place> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeSet::new();
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let mut parts = line.splitn(4, ':');
            let (file, l, c, text) = (
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts.next().unwrap(),
                parts
                    .next()
                    .unwrap_or_else(|| panic!("{}: `{line}`", path.display())),
            );
            (
                file.to_string(),
                l.parse().unwrap(),
                c.parse().unwrap(),
                text.strip_prefix(' ').unwrap_or(text).to_string(),
            )
        })
        .collect()
}

fn copy_without_plan(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "plan.json" {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_without_plan(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn every_rule_has_a_doc_and_bad_and_good_cases_that_hold() {
    let mut problems = Vec::new();
    let ids: Vec<&str> = kmslint::rules::all().map(|m| m.id).collect();
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().unwrap().is_dir() && !ids.contains(&name.as_str()) {
            problems.push(format!("fixtures/rules/{name}: no rule has this id"));
        }
    }
    let tmp = std::env::temp_dir().join(format!("kmslint-rules-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut checked = 0;
    for meta in kmslint::rules::all() {
        let id = meta.id;
        if meta.doc.trim().is_empty() || !repo().join(format!("rules/{id}.md")).is_file() {
            problems.push(format!("{id}: no doc in rules/{id}.md"));
        }
        let dir = cases_dir().join(id);
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().path())
                    .filter(|p| p.is_dir())
                    .collect()
            })
            .unwrap_or_default();
        cases.sort();
        let named = |prefix: &str| {
            cases.iter().any(|c| {
                c.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(prefix))
            })
        };
        if !named("bad-") || !named("good-") {
            problems.push(format!(
                "{id}: needs a bad-* and a good-* case in fixtures/rules/{id}/"
            ));
        }
        for case in &cases {
            let case_name = case.file_name().unwrap().to_string_lossy().into_owned();
            let bad = case_name.starts_with("bad-");
            if !bad && !case_name.starts_with("good-") {
                problems.push(format!("{id}/{case_name}: a case is named bad-* or good-*"));
                continue;
            }
            let expected = read_expected(&case.join("expected"));
            let plan_expected = case.join("expected-plan");
            if bad && expected.is_empty() && read_expected(&plan_expected).is_empty() {
                problems.push(format!(
                    "{id}/{case_name}: a bad case lists what it expects"
                ));
            }
            if !bad && (case.join("expected").exists() || plan_expected.exists()) {
                problems.push(format!("{id}/{case_name}: a good case expects nothing"));
            }
            let args: Vec<String> = std::fs::read_to_string(case.join("args"))
                .map(|t| {
                    t.lines()
                        .map(str::to_string)
                        .filter(|l| !l.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            // The configuration alone (a plan beside it would be linted too).
            let copy = tmp.join(id).join(&case_name);
            copy_without_plan(case, &copy);
            let mut hcl_args = args.clone();
            hcl_args.push(".".into());
            let report = run(&copy, &hcl_args);
            let found = places(&report, id, &copy, &copy);
            if found != expected {
                problems.push(format!(
                    "{id}/{case_name}: expected {expected:#?}\nfound {found:#?}\nreport {report:#}"
                ));
            }
            if case.join("plan.json").exists() {
                let mut plan_args = args.clone();
                plan_args.push("plan.json".into());
                let report = run(case, &plan_args);
                let found = places(&report, id, case, case);
                let want = if plan_expected.exists() {
                    read_expected(&plan_expected)
                } else {
                    expected.clone()
                };
                if found != want {
                    problems.push(format!(
                        "{id}/{case_name} (plan.json): expected {want:#?}\nfound {found:#?}"
                    ));
                }
            }
            checked += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    assert!(checked >= 8, "only {checked} cases");
}
