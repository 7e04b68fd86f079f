//! Differential test against Terraform (issue 10, item 5): Terraform is the judge of values.
//!
//! Every directory `fixtures/oracle/<name>/` holds a small configuration and the real
//! `terraform show -json` output Terraform 1.11.4 (`hashicorp/aws` 5.100.0) produced for it
//! (`plan.json`, next to the root module's files; see `fixtures/oracle/README.md`). From each
//! plan this test computes **Terraform's verdict** per resource instance for the two rules,
//! with the small predicates below (re-implemented from `domain.md`, independent of kmslint's
//! code), then runs the real binary twice:
//!
//! * on the plan file (`kmslint check --format json DIR/plan.json`), and
//! * on the configuration (`kmslint check --format json DIR`), in a temporary copy of the
//!   fixture without its plan files, so that the walk does not read the plan and only the HCL
//!   evaluator decides;
//!
//! and asserts that the set of `(rule, instance address)` kmslint reports — from each finding's
//! `instances` — equals the expected set, for both inputs. Every mismatch of every fixture is
//! collected and printed before the test fails once.
//!
//! The root module is the directory that holds `plan.json` (for the published-module layout
//! that is `examples/complete/`, which calls `../../`); kmslint is run on that directory, not
//! on the fixture, because linting a called module on its own (with its defaults) is something
//! Terraform never planned. A plan made in another workspace (`plan.<workspace>.json`) is
//! compared for plan input only: the configuration alone does not say which workspace is
//! selected.
//!
//! The real plans made for issues 11 and 12 (`fixtures/plan-changes/`, changes against a prior
//! state; `fixtures/plan-monitoring/`) are compared the same way, and two more tests pin that
//! they show what their READMEs describe, for the tests of those issues to rely on.
//!
//! New fixtures need no registration: the directory listing is the list.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{copy_dir, repo, TempDir, RECORDER, ROTATION};
use serde_json::Value;

/// `(rule, instance address)`.
type Key = (String, String);

const KMS_KEY_TYPE: &str = "AWS::KMS::Key";

// =============================================================================================
// Terraform's verdict, from the plan
// =============================================================================================

/// `after_unknown` marks an unknown leaf with literal `true` (known list elements show as
/// `false`, known blocks as objects; domain.md §5.4).
fn wholly_unknown(unknown: Option<&Value>) -> bool {
    unknown == Some(&Value::Bool(true))
}

/// Some part of the value is unknown.
fn partly_unknown(unknown: Option<&Value>) -> bool {
    match unknown {
        Some(Value::Bool(b)) => *b,
        Some(Value::Array(items)) => items.iter().any(|v| partly_unknown(Some(v))),
        Some(Value::Object(members)) => members.values().any(|v| partly_unknown(Some(v))),
        _ => false,
    }
}

/// A known string argument; `""` when absent or null (the provider stores `""` for an unset
/// string in state). `None` when unknown.
fn known_str<'a>(after: &'a Value, unknown: &Value, name: &str) -> Option<&'a str> {
    if partly_unknown(unknown.get(name)) {
        return None;
    }
    Some(after.get(name).and_then(Value::as_str).unwrap_or(""))
}

/// What Terraform decided for an `aws_kms_key` instance, for `kms-key-rotation-disabled`
/// (domain.md §1.1, §1.2): `Ok(())` when the rule must fail it, `Err(why not)` otherwise.
///
/// It fails iff it is known to be eligible for automatic rotation (symmetric encryption key,
/// `customer_master_key_spec` SYMMETRIC_DEFAULT, `key_usage` ENCRYPT_DECRYPT, key material in
/// AWS KMS: no `custom_key_store_id`, no `xks_key_id`), it is not disabled (`is_enabled` is not
/// false — the rule skips keys known to be disabled, so an unknown `is_enabled` does not save
/// a key), and `enable_key_rotation` is known to be false. An unknown rotation never fails.
fn rotation_verdict(after: &Value, unknown: &Value) -> Result<(), String> {
    let spec = known_str(after, unknown, "customer_master_key_spec");
    let usage = known_str(after, unknown, "key_usage");
    let store = known_str(after, unknown, "custom_key_store_id");
    let xks = known_str(after, unknown, "xks_key_id");
    match (spec, usage, store, xks) {
        (Some("" | "SYMMETRIC_DEFAULT"), Some("" | "ENCRYPT_DECRYPT"), Some(""), Some("")) => {}
        (Some(spec), Some(usage), Some(store), Some(xks)) => {
            return Err(format!(
                "cannot rotate (spec {spec:?}, usage {usage:?}, custom_key_store_id {store:?}, xks_key_id {xks:?})"
            ))
        }
        _ => return Err("eligibility unknown".to_string()),
    }
    if after.get("is_enabled") == Some(&Value::Bool(false)) {
        return Err("disabled (is_enabled = false)".to_string());
    }
    if partly_unknown(unknown.get("enable_key_rotation")) {
        return Err("enable_key_rotation unknown".to_string());
    }
    match after.get("enable_key_rotation") {
        Some(Value::Bool(false)) => Ok(()),
        other => Err(format!(
            "enable_key_rotation = {}",
            other.unwrap_or(&Value::Null)
        )),
    }
}

/// What Terraform decided for an `aws_config_configuration_recorder` instance, for
/// `config-recorder-kms-excluded` (domain.md §2.2): `Ok(())` when the rule must fail it.
///
/// The provider computes the blocks a configuration leaves out, so the plan shows an omitted
/// `recording_group`, `recording_strategy` or `exclusion_by_resource_types` as wholly unknown
/// (`true` in `after_unknown`); such a block is read as not written. (A `dynamic` block over
/// an unknown collection looks the same; for `recording_group` both mean no finding.)
fn recorder_verdict(after: &Value, unknown: &Value) -> Result<(), String> {
    let group_unknown = unknown.get("recording_group");
    if wholly_unknown(group_unknown) {
        return Err("recording_group omitted (AWS default: all supported types) or unknown".into());
    }
    let Some(group) = after.get("recording_group").and_then(|g| g.get(0)) else {
        return Err("no recording_group: all supported types".into());
    };
    let gu = group_unknown.and_then(|g| g.get(0)).unwrap_or(&Value::Null);
    if wholly_unknown(Some(gu)) {
        return Err("recording_group unknown".into());
    }
    // The strategy, if written.
    let strategy_unknown = gu.get("recording_strategy");
    let use_only = if wholly_unknown(strategy_unknown) {
        None
    } else if partly_unknown(strategy_unknown) {
        return Err("recording_strategy.use_only unknown".into());
    } else {
        group
            .get("recording_strategy")
            .and_then(|s| s.get(0))
            .and_then(|s| s.get("use_only"))
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    // The exclusion lists, if written.
    let exclusions_unknown = gu.get("exclusion_by_resource_types");
    let exclusions: Vec<&Value> = if wholly_unknown(exclusions_unknown) {
        Vec::new()
    } else if partly_unknown(exclusions_unknown) {
        return Err("exclusion_by_resource_types unknown".into());
    } else {
        group
            .get("exclusion_by_resource_types")
            .and_then(Value::as_array)
            .map(|v| v.iter().collect())
            .unwrap_or_default()
    };
    let strategy = match use_only {
        Some(s) => s,
        None if !exclusions.is_empty() => "EXCLUSION_BY_RESOURCE_TYPES",
        None => {
            if partly_unknown(gu.get("all_supported")) {
                return Err("all_supported unknown".into());
            }
            // all_supported defaults to true.
            match group.get("all_supported") {
                Some(Value::Bool(false)) => "INCLUSION_BY_RESOURCE_TYPES",
                _ => "ALL_SUPPORTED_RESOURCE_TYPES",
            }
        }
    };
    let names = |list: Option<&Value>| -> Vec<String> {
        list.and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    match strategy {
        "ALL_SUPPORTED_RESOURCE_TYPES" => Err("all supported types".into()),
        "INCLUSION_BY_RESOURCE_TYPES" => {
            if partly_unknown(gu.get("resource_types")) {
                return Err("resource_types unknown".into());
            }
            let types = names(group.get("resource_types"));
            if types.iter().any(|t| t == KMS_KEY_TYPE) {
                Err(format!("inclusion list has {KMS_KEY_TYPE}"))
            } else {
                Ok(())
            }
        }
        "EXCLUSION_BY_RESOURCE_TYPES" => {
            let excluded: Vec<String> = exclusions
                .iter()
                .flat_map(|e| names(e.get("resource_types")))
                .collect();
            if excluded.iter().any(|t| t == KMS_KEY_TYPE) {
                Ok(())
            } else {
                Err(format!("exclusion list without {KMS_KEY_TYPE}"))
            }
        }
        other => Err(format!("use_only {other:?}")),
    }
}

/// Terraform's verdict for every instance of the plan: the expected findings, and why each
/// other instance is not one (for the failure messages).
struct Verdict {
    expected: BTreeSet<Key>,
    why_not: BTreeMap<String, String>,
}

fn verdict(plan: &Value) -> Verdict {
    let mut out = Verdict {
        expected: BTreeSet::new(),
        why_not: BTreeMap::new(),
    };
    for rc in plan["resource_changes"].as_array().into_iter().flatten() {
        let address = rc["address"].as_str().unwrap_or_default().to_string();
        let rule = match rc["type"].as_str() {
            Some("aws_kms_key") => ROTATION,
            Some("aws_config_configuration_recorder") => RECORDER,
            _ => continue,
        };
        if rc["mode"] != "managed" {
            continue;
        }
        let change = &rc["change"];
        let actions: Vec<&str> = change["actions"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // A delete-only (or forget) change leaves nothing to judge.
        if actions.iter().all(|a| matches!(*a, "delete" | "forget")) {
            out.why_not
                .insert(address, format!("planned for {}", actions.join("+")));
            continue;
        }
        let (after, unknown) = (&change["after"], &change["after_unknown"]);
        let result = if rule == ROTATION {
            rotation_verdict(after, unknown)
        } else {
            recorder_verdict(after, unknown)
        };
        match result {
            Ok(()) => {
                out.expected.insert((rule.to_string(), address));
            }
            Err(why) => {
                out.why_not.insert(address, why);
            }
        }
    }
    out
}

// =============================================================================================
// What kmslint reports
// =============================================================================================

/// `(rule, instance)` for every finding of the two rules, from `instances` (the address of
/// every instance a finding stands for; findings of several instances at one place are
/// merged). A finding without `instances` counts by its `address`.
fn kmslint(cwd: &Path, target: &Path, extra: &[String]) -> Result<BTreeSet<Key>, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["check", "--format", "json"])
        .args(extra)
        .arg(target)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot run kmslint: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code().is_none_or(|c| c > 2) || stderr.contains("panicked") {
        return Err(format!("kmslint crashed ({}):\n{stderr}", out.status));
    }
    let report: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("kmslint's report is not JSON ({e}); stderr:\n{stderr}"))?;
    if let Some(errors) = report["errors"].as_array().filter(|e| !e.is_empty()) {
        let shown: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e["file"], e["message"]))
            .collect();
        return Err(format!(
            "kmslint reported errors for a configuration Terraform accepted:\n      {}",
            shown.join("\n      ")
        ));
    }
    let mut found = BTreeSet::new();
    for f in report["findings"].as_array().into_iter().flatten() {
        let rule = f["rule"].as_str().unwrap_or_default();
        if rule != ROTATION && rule != RECORDER {
            continue;
        }
        let instances: Vec<&str> = f["instances"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if instances.is_empty() {
            found.insert((rule.to_string(), f["address"].as_str().unwrap_or("").into()));
        }
        for instance in instances {
            found.insert((rule.to_string(), instance.to_string()));
        }
    }
    Ok(found)
}

// =============================================================================================
// The comparison
// =============================================================================================

/// The fixture sets compared with Terraform: the oracle fixtures, and the real plans made
/// for issues 11 and 12 (changes against a prior state, monitoring), whose keys and recorders
/// are judged the same way.
const FIXTURE_SETS: [&str; 3] = [
    "fixtures/oracle",
    "fixtures/plan-changes",
    "fixtures/plan-monitoring",
];

/// The fixture directories of a set (every directory: no registration).
fn fixture_dirs(set: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join(set))
        .unwrap_or_else(|e| panic!("{set}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The plan files under a fixture: `plan.json` and `plan.<workspace>.json`, wherever the root
/// module is.
fn plan_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            out.extend(plan_files(&path));
        } else if is_plan_file(&name) {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn is_plan_file(name: &str) -> bool {
    name == "plan.json" || (name.starts_with("plan.") && name.ends_with(".json"))
}

/// Where the disagreements kmslint still has with Terraform are recorded, one per line.
const GAPS_FILE: &str = "fixtures/oracle/known-gaps.txt";

/// The entries of [`GAPS_FILE`]: `PLAN, INPUT: missing|unexpected RULE ADDRESS` (the text
/// after two spaces, Terraform's reason, is not part of the entry).
fn known_gaps() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join(GAPS_FILE)).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// The entry a disagreement has in [`GAPS_FILE`].
fn gap_entry(plan: &str, input: &str, line: &str) -> String {
    let line = line.split("  (").next().unwrap_or(line);
    format!(
        "{plan}, {input}: {}",
        line.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// The differences between Terraform's verdict and kmslint's report, as lines.
fn diff(verdict: &Verdict, got: &BTreeSet<Key>) -> Vec<String> {
    let mut lines = Vec::new();
    for (rule, address) in verdict.expected.difference(got) {
        lines.push(format!(
            "missing    {rule} {address}  (Terraform: known to fail)"
        ));
    }
    for (rule, address) in got.difference(&verdict.expected) {
        let why = verdict
            .why_not
            .get(address)
            .map_or("not in the plan".to_string(), |w| w.clone());
        lines.push(format!("unexpected {rule} {address}  (Terraform: {why})"));
    }
    lines
}

#[test]
fn kmslint_agrees_with_terraform() {
    let oracle = fixture_dirs(FIXTURE_SETS[0]);
    assert!(oracle.len() >= 45, "{} oracle fixtures", oracle.len());
    let fixtures: Vec<PathBuf> = FIXTURE_SETS.iter().flat_map(|s| fixture_dirs(s)).collect();

    let tmp = TempDir::new();
    let gaps = known_gaps();
    let mut seen_gaps: BTreeSet<String> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    let (mut compared, mut plans) = (0usize, 0usize);
    let (mut hcl_bad, mut plan_bad) = (0usize, 0usize);
    for fixture in &fixtures {
        let set = fixture.parent().unwrap();
        let name = fixture
            .strip_prefix(repo().join("fixtures"))
            .unwrap()
            .display()
            .to_string();
        let plan_paths = plan_files(fixture);
        if plan_paths.is_empty() {
            failures.push(format!("{name}: no plan.json"));
            continue;
        }
        if !fixture.join("README.md").is_file() {
            failures.push(format!("{name}: no README.md"));
        }
        // The configuration without any plan file, for the HCL runs.
        let skip: Vec<String> = plan_paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let skip: Vec<&str> = skip.iter().map(String::as_str).collect();
        let copy = tmp.path().join(fixture.strip_prefix(repo()).unwrap());
        copy_dir(fixture, &copy, &skip);

        for plan_path in &plan_paths {
            plans += 1;
            let rel = plan_path
                .strip_prefix(set.parent().unwrap())
                .unwrap()
                .display()
                .to_string();
            let text = std::fs::read_to_string(plan_path).unwrap();
            let plan: Value = match serde_json::from_str(&text) {
                Ok(plan) => plan,
                Err(e) => {
                    failures.push(format!("{rel}: not JSON: {e}"));
                    continue;
                }
            };
            let verdict = verdict(&plan);
            compared += verdict.expected.len() + verdict.why_not.len();
            let root = plan_path.parent().unwrap();
            let mut inputs = vec![("plan input", repo().to_path_buf(), plan_path.clone())];
            let file_name = plan_path.file_name().unwrap().to_string_lossy();
            // `plan.X.json` may come with `plan.X.args`: the options Terraform was run with
            // (`--workspace staging`), for the HCL input of the same configuration.
            let args_file = plan_path.with_extension("args");
            let extra: Vec<String> = std::fs::read_to_string(&args_file)
                .map(|t| t.split_whitespace().map(str::to_string).collect())
                .unwrap_or_default();
            if file_name == "plan.json" || args_file.is_file() {
                let inside = root.strip_prefix(fixture).unwrap();
                let root_in_copy = if inside.as_os_str().is_empty() {
                    copy.clone()
                } else {
                    copy.join(inside)
                };
                inputs.push(("HCL input", tmp.path().to_path_buf(), root_in_copy));
            }
            for (what, cwd, target) in inputs {
                let extra: &[String] = if what == "HCL input" { &extra } else { &[] };
                let lines = match kmslint(&cwd, &target, extra) {
                    Ok(got) => diff(&verdict, &got),
                    Err(e) => vec![e],
                };
                // Disagreements recorded in known-gaps.txt are expected (and must still
                // happen: a fixed one is to be removed from the list).
                let lines: Vec<String> = lines
                    .into_iter()
                    .filter(|line| {
                        let entry = gap_entry(&rel, what, line);
                        let known = gaps.contains(&entry);
                        if known {
                            seen_gaps.insert(entry);
                        }
                        !known
                    })
                    .collect();
                if !lines.is_empty() {
                    if what == "HCL input" {
                        hcl_bad += 1;
                    } else {
                        plan_bad += 1;
                    }
                    failures.push(format!(
                        "{rel}, {what} (kmslint check {}):\n    {}",
                        target.strip_prefix(&cwd).unwrap_or(&target).display(),
                        lines.join("\n    ")
                    ));
                }
            }
        }
    }
    for stale in gaps.difference(&seen_gaps) {
        failures.push(format!(
            "{stale}\n    kmslint now agrees with Terraform here: remove the line from {GAPS_FILE}"
        ));
    }
    eprintln!(
        "oracle: {} fixtures, {plans} plans, {compared} resource instances judged; \
         mismatching: {hcl_bad} HCL inputs, {plan_bad} plan inputs (besides {} known gaps)",
        fixtures.len(),
        seen_gaps.len()
    );
    assert!(
        failures.is_empty(),
        "kmslint disagrees with Terraform ({} mismatching inputs):\n\n{}\n",
        failures.len(),
        failures.join("\n\n")
    );
}

// =============================================================================================
// The predicates themselves
// =============================================================================================

#[test]
fn the_predicates_follow_domain_md() {
    let key = |after: Value, unknown: Value| rotation_verdict(&after, &unknown).is_ok();
    let sym = serde_json::json!({
        "customer_master_key_spec": "SYMMETRIC_DEFAULT", "key_usage": "ENCRYPT_DECRYPT",
        "custom_key_store_id": null, "xks_key_id": null, "is_enabled": true,
        "enable_key_rotation": false
    });
    assert!(key(sym.clone(), serde_json::json!({})));
    let with = |k: &str, v: Value| {
        let mut a = sym.clone();
        a[k] = v;
        a
    };
    assert!(!key(
        with("enable_key_rotation", Value::Bool(true)),
        serde_json::json!({})
    ));
    assert!(!key(
        with("customer_master_key_spec", "HMAC_256".into()),
        serde_json::json!({})
    ));
    assert!(!key(
        with("custom_key_store_id", "cks-1".into()),
        serde_json::json!({})
    ));
    assert!(key(
        with("custom_key_store_id", "".into()),
        serde_json::json!({})
    ));
    assert!(!key(
        with("is_enabled", Value::Bool(false)),
        serde_json::json!({})
    ));
    assert!(!key(
        sym.clone(),
        serde_json::json!({"enable_key_rotation": true})
    ));
    assert!(!key(sym, serde_json::json!({"key_usage": true})));

    let rec = |after: Value, unknown: Value| recorder_verdict(&after, &unknown).is_ok();
    assert!(!rec(
        serde_json::json!({}),
        serde_json::json!({"recording_group": true})
    ));
    let group = |g: Value| serde_json::json!({ "recording_group": [g] });
    let computed = serde_json::json!({"recording_group": [{
        "exclusion_by_resource_types": true, "recording_strategy": true
    }]});
    assert!(rec(
        group(serde_json::json!({"all_supported": false, "resource_types": ["AWS::S3::Bucket"]})),
        computed.clone()
    ));
    assert!(!rec(
        group(serde_json::json!({"all_supported": false, "resource_types": [KMS_KEY_TYPE]})),
        computed.clone()
    ));
    assert!(!rec(
        group(serde_json::json!({"all_supported": true, "resource_types": ["AWS::S3::Bucket"]})),
        computed
    ));
    assert!(rec(
        group(serde_json::json!({
            "all_supported": false,
            "exclusion_by_resource_types": [{"resource_types": [KMS_KEY_TYPE]}],
            "recording_strategy": [{"use_only": "EXCLUSION_BY_RESOURCE_TYPES"}]
        })),
        serde_json::json!({"recording_group": [{
            "exclusion_by_resource_types": [{"resource_types": [false]}],
            "recording_strategy": [{}]
        }]})
    ));
    assert!(!rec(
        group(serde_json::json!({"all_supported": false})),
        serde_json::json!({"recording_group": [{
            "exclusion_by_resource_types": true, "recording_strategy": true,
            "resource_types": true
        }]})
    ));
}

// =============================================================================================
// The plans made for tests to come (issues 11 and 12) show what their READMEs say
// =============================================================================================

fn read_plan(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let plan: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(plan["terraform_version"], "1.11.4", "{}", path.display());
    assert_eq!(plan["format_version"], "1.2", "{}", path.display());
    plan
}

fn change<'a>(plan: &'a Value, address: &str) -> Option<&'a Value> {
    plan["resource_changes"]
        .as_array()?
        .iter()
        .find(|rc| rc["address"] == address)
        .map(|rc| &rc["change"])
}

fn actions(change: &Value) -> Vec<&str> {
    change["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn plan_change_fixtures_show_the_change_their_readme_describes() {
    // (fixture, actions on aws_kms_key.k, the attribute that forces a replacement, actions on
    // the consumer — the bucket encryption configuration — if there is one)
    type Case = (
        &'static str,
        &'static [&'static str],
        Option<&'static str>,
        Option<&'static str>,
    );
    let cases: [Case; 9] = [
        (
            "replace-key-usage-consumer",
            &["delete", "create"],
            Some("key_usage"),
            Some("update"),
        ),
        (
            "replace-key-usage",
            &["delete", "create"],
            Some("key_usage"),
            None,
        ),
        (
            "replace-key-spec",
            &["delete", "create"],
            Some("customer_master_key_spec"),
            None,
        ),
        (
            "replace-multi-region-consumer",
            &["delete", "create"],
            Some("multi_region"),
            Some("update"),
        ),
        ("disable-key-consumer", &["update"], None, Some("no-op")),
        ("disable-key", &["update"], None, None),
        ("delete-key", &["delete"], None, None),
        (
            "delete-key-consumer-in-state",
            &["delete"],
            None,
            Some("delete"),
        ),
        (
            "delete-key-consumer-in-config",
            &["delete"],
            None,
            Some("no-op"),
        ),
    ];
    let dirs = fixture_dirs("fixtures/plan-changes");
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut listed: Vec<&str> = cases.iter().map(|c| c.0).collect();
    listed.sort_unstable();
    assert_eq!(names, listed, "every plan-change fixture is described here");
    for (name, key_actions, replaced, consumer) in cases {
        let dir = repo().join("fixtures/plan-changes").join(name);
        assert!(dir.join("README.md").is_file(), "{name}: README.md");
        assert!(
            dir.join("terraform.tfstate").is_file(),
            "{name}: terraform.tfstate"
        );
        let plan = read_plan(&dir.join("plan.json"));
        let key = change(&plan, "aws_kms_key.k").unwrap_or_else(|| panic!("{name}: no key"));
        assert_eq!(actions(key), key_actions, "{name}");
        let paths = serde_json::json!([[replaced]]);
        match replaced {
            Some(_) => assert_eq!(key["replace_paths"], paths, "{name}"),
            None => assert!(key.get("replace_paths").is_none(), "{name}"),
        }
        if key_actions == ["update"] {
            assert_eq!(key["before"]["is_enabled"], true, "{name}");
            assert_eq!(key["after"]["is_enabled"], false, "{name}");
        }
        let sse = change(
            &plan,
            "aws_s3_bucket_server_side_encryption_configuration.data",
        );
        assert_eq!(
            sse.map(actions),
            consumer.map(|c| vec![c]),
            "{name}: consumer"
        );
    }
}

#[test]
fn monitoring_fixtures_hold_the_resources_their_readme_describes() {
    // (fixture, resource addresses the plan creates, resource types it must not have)
    type Case = (
        &'static str,
        &'static [&'static str],
        &'static [&'static str],
    );
    let cases: [Case; 9] = [
        (
            "cis-4-7-chain",
            &[
                "aws_cloudtrail.main",
                "aws_cloudwatch_log_group.trail",
                "aws_cloudwatch_log_metric_filter.kms",
                "aws_cloudwatch_metric_alarm.kms",
                "aws_sns_topic.alerts",
                "aws_sns_topic_subscription.alerts",
            ],
            &[],
        ),
        ("trail-read-only-selector", &["aws_cloudtrail.main"], &[]),
        ("trail-advanced-excludes-kms", &["aws_cloudtrail.main"], &[]),
        ("trail-advanced-data-only", &["aws_cloudtrail.main"], &[]),
        (
            "trail-advanced-data-and-management",
            &["aws_cloudtrail.main"],
            &[],
        ),
        (
            "recorder-status-by-reference",
            &[
                "aws_config_configuration_recorder.main",
                "aws_config_configuration_recorder_status.main",
                "aws_config_delivery_channel.main",
            ],
            &[],
        ),
        (
            "recorder-status-by-literal-name",
            &[
                "aws_config_configuration_recorder.main",
                "aws_config_configuration_recorder_status.main",
                "aws_config_delivery_channel.main",
            ],
            &[],
        ),
        (
            "recorder-no-status",
            &[
                "aws_config_configuration_recorder.main",
                "aws_config_delivery_channel.main",
            ],
            &["aws_config_configuration_recorder_status"],
        ),
        (
            "recorder-no-delivery-channel",
            &[
                "aws_config_configuration_recorder.main",
                "aws_config_configuration_recorder_status.main",
            ],
            &["aws_config_delivery_channel"],
        ),
    ];
    let dirs = fixture_dirs("fixtures/plan-monitoring");
    assert_eq!(
        dirs.len(),
        cases.len(),
        "every monitoring fixture is described here"
    );
    for (name, created, absent) in cases {
        let dir = repo().join("fixtures/plan-monitoring").join(name);
        assert!(dir.join("README.md").is_file(), "{name}: README.md");
        let plan = read_plan(&dir.join("plan.json"));
        for address in created {
            let c = change(&plan, address).unwrap_or_else(|| panic!("{name}: no {address}"));
            assert_eq!(actions(c), ["create"], "{name}: {address}");
        }
        for rc in plan["resource_changes"].as_array().unwrap() {
            assert!(
                !absent.contains(&rc["type"].as_str().unwrap()),
                "{name}: {}",
                rc["address"]
            );
        }
    }
    // The CIS chain is visible only through references: the trail's log group ARN and the
    // alarm's actions are unknown in the plan.
    let chain = read_plan(&repo().join("fixtures/plan-monitoring/cis-4-7-chain/plan.json"));
    let trail = change(&chain, "aws_cloudtrail.main").unwrap();
    assert_eq!(trail["after_unknown"]["cloud_watch_logs_group_arn"], true);
    let alarm = change(&chain, "aws_cloudwatch_metric_alarm.kms").unwrap();
    assert_eq!(alarm["after_unknown"]["alarm_actions"], true);
    assert_eq!(alarm["after"]["metric_name"], "KMSKeyDisableOrDeletion");
}
