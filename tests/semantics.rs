//! Terraform semantics (issue 3), end to end through the real binary: plan JSON input and its
//! mapping back to the configuration, local and downloaded module calls, known registry
//! modules, `count`/`for_each`, `dynamic` blocks, override files, OpenTofu files and unknown
//! top-level blocks.
//!
//! Fixtures: `fixtures/plan-*` hold real `terraform show -json` output (Terraform 1.11.4,
//! `hashicorp/aws` 5.100.0 from an offline mirror, fake credentials, `terraform plan
//! -refresh=false`) next to the configuration it was made from; `plan-utf16`, `plan-utf8-bom`,
//! `plan-ci-wrapped`, `plan-truncated` and `plan-format-2` are byte-level copies of the
//! `plan-kms-and-config` plan (see their README.md). Expected positions were counted by hand
//! from the fixture text, or, inside a plan, found in the plan's own `resource_changes` entry
//! for the address; the text a span covers is always read back from the file's bytes.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

// =============================================================================================
// Helpers
// =============================================================================================

/// The byte range of the `resource_changes` entry for `address` in a (compact) plan text.
fn change_entry(plan: &str, address: &str) -> std::ops::Range<usize> {
    let list = plan
        .find("\"resource_changes\":[")
        .expect("the plan has resource_changes");
    let needle = format!("{{\"address\":{}", serde_json::to_string(address).unwrap());
    let start = list
        + plan[list..].find(&needle).unwrap_or_else(|| {
            panic!("no resource_changes entry for {address}");
        });
    // Find the matching closing brace, skipping strings.
    let bytes = plan.as_bytes();
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (i, &b) in bytes.iter().enumerate().skip(start) {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return start..i + 1;
                }
            }
            _ => {}
        }
    }
    panic!("unterminated entry for {address}");
}

/// Where `text` is inside the `resource_changes` entry of `address` in a one-line plan:
/// (line 1, column) — all plan text here is ASCII, so the column is the offset + 1.
fn in_entry(plan: &str, address: &str, text: &str) -> (u64, u64) {
    let entry = change_entry(plan, address);
    let at = plan[entry.clone()]
        .find(text)
        .unwrap_or_else(|| panic!("`{text}` is not in the entry of {address}"));
    assert!(!plan[..entry.start + at].contains('\n'));
    (1, (entry.start + at) as u64 + 1)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// True when some finding of `rule` names the instance `call` + `key` (e.g. `module.each` and
/// `["b"]`), either in its address or in its message.
fn names_instance(report: &Value, rule: &str, call: &str, key: &str) -> bool {
    let full = format!("{call}{key}");
    findings(report).iter().any(|f| {
        let address = string(&f["address"]);
        let message = string(&f["message"]);
        f["rule"] == rule
            && (address.contains(&full)
                || message.contains(&full)
                || (address.starts_with(&format!("{call}.")) && message.contains(key)))
    })
}

fn file_names(report: &Value) -> Vec<String> {
    findings(report)
        .iter()
        .map(|f| string(&f["file"]).to_string())
        .collect()
}

// =============================================================================================
// Plan JSON: the shared `kms-and-config` sample
// =============================================================================================

const KAC: &str = "plan-kms-and-config";
const LOGS: &str = "aws_kms_key.logs";
const TEAM: &str = "module.team_keys.aws_kms_key.team";
const REC: &str = "aws_config_configuration_recorder.main";
const LOGS_ATTR: &str = "enable_key_rotation = var.environment == \"prod\"";
const REC_TYPES: &str = "resource_types = [\"AWS::EC2::Volume\", \"AWS::RDS::DBInstance\"]";
const TEAM_ATTR: &str = "enable_key_rotation = var.rotation";
const TEAM_ARG: &str = "rotation = false";

/// What the HCL linter reports for `plan-kms-and-config`.
fn kac_hcl() -> Vec<Exp> {
    vec![
        key(LOGS, "main.tf", 8, 3, LOGS_ATTR).related("main.tf", 3, 13, "\"staging\""),
        recorder(REC, "main.tf", 34, 5, REC_TYPES).fixable(),
        // Caused by the caller's argument: shown there, with a fix, the key as related.
        key(TEAM, "main.tf", 25, 3, TEAM_ARG).fixable().related(
            "modules/keys/main.tf",
            8,
            3,
            TEAM_ATTR,
        ),
    ]
}

/// The same places, as a plan reports them: no fix, and the planned value as related location.
fn kac_from_plan(plan_file: &str) -> Vec<Exp> {
    let plan = read(&fixture(KAC).join("plan.json"));
    let value = |address: &str, text: &str| {
        let (line, column) = in_entry(&plan, address, text);
        loc(plan_file, line, column, text)
    };
    let off = "\"enable_key_rotation\":false";
    let types = "\"resource_types\":[\"AWS::EC2::Volume\",\"AWS::RDS::DBInstance\"]";
    let mut logs = key(LOGS, "main.tf", 8, 3, LOGS_ATTR);
    logs.related.push(value(LOGS, off));
    let mut rec = recorder(REC, "main.tf", 34, 5, REC_TYPES);
    rec.related.push(value(REC, types));
    let mut team =
        key(TEAM, "main.tf", 25, 3, TEAM_ARG).related("modules/keys/main.tf", 8, 3, TEAM_ATTR);
    team.related.push(value(TEAM, off));
    vec![logs, rec, team]
}

/// The findings located inside the plan file itself.
fn kac_inside_plan(plan_file: &str) -> Vec<Exp> {
    let plan = read(&fixture(KAC).join("plan.json"));
    let at = |rule: &'static str, address: &str, text: &str| {
        let (line, column) = in_entry(&plan, address, text);
        exp(rule, address, loc(plan_file, line, column, text))
    };
    let off = "\"enable_key_rotation\":false";
    vec![
        at(ROTATION, LOGS, off),
        at(
            RECORDER,
            REC,
            "\"resource_types\":[\"AWS::EC2::Volume\",\"AWS::RDS::DBInstance\"]",
        ),
        at(ROTATION, TEAM, off),
    ]
}

#[test]
fn plan_findings_land_on_the_same_lines_as_the_hcl_linter() {
    // HCL: the configuration alone (no plan next to it).
    let tmp = TempDir::new();
    let config = tmp.copy_fixture(KAC, &["plan.json"]);
    let hcl = check_in(tmp.path(), &[KAC]);
    assert_findings(tmp.path(), &config, &hcl, &kac_hcl());

    // Plan: named on the command line, its directory holds the configuration.
    let plan = check(&["fixtures/plan-kms-and-config/plan.json"]);
    assert_findings(repo(), &fixture(KAC), &plan, &kac_from_plan("plan.json"));
    assert_eq!(num(&plan["summary"]["files"]), 1, "{plan:#}");

    // The exact (rule, address, file, line, column) of both are equal.
    let expected = vec![
        (RECORDER, REC, "main.tf", 34, 5),
        (ROTATION, LOGS, "main.tf", 8, 3),
        (ROTATION, TEAM, "main.tf", 25, 3),
    ];
    let expected: Vec<(String, String, String, u64, u64)> = expected
        .into_iter()
        .map(|(r, a, f, l, c)| (r.to_string(), a.to_string(), f.to_string(), l, c))
        .collect();
    assert_eq!(triples(tmp.path(), &config, &hcl), expected);
    assert_eq!(triples(repo(), &fixture(KAC), &plan), expected);
}

#[test]
fn plan_and_its_configuration_together_report_each_finding_once() {
    // A directory walk finds plan.json next to the .tf files.
    let walked = check(&["fixtures/plan-kms-and-config"]);
    assert_eq!(findings(&walked).len(), 3, "{walked:#}");
    assert_eq!(
        triples(repo(), &fixture(KAC), &walked),
        triples(
            repo(),
            &fixture(KAC),
            &check(&["fixtures/plan-kms-and-config/plan.json"])
        )
    );
    // The HCL copy, which has a fix, is the one kept for the recorder.
    let rec = findings(&walked)
        .iter()
        .find(|f| f["rule"] == RECORDER)
        .unwrap();
    assert!(rec["fix"].is_object(), "{rec:#}");
}

#[test]
fn plan_and_its_configuration_named_together_report_each_finding_once() {
    // `kmslint check main.tf plan.json` (what a pre-commit hook passes) must not report the
    // root module's findings twice: once from the HCL, once from the plan.
    let walked = check(&["fixtures/plan-kms-and-config"]);
    let named = check(&[
        "fixtures/plan-kms-and-config/main.tf",
        "fixtures/plan-kms-and-config/plan.json",
    ]);
    assert_eq!(
        triples(repo(), &fixture(KAC), &named),
        triples(repo(), &fixture(KAC), &walked),
        "{named:#}"
    );
}

#[test]
fn plan_alone_reports_the_same_findings_inside_the_plan_file() {
    let tmp = TempDir::new();
    std::fs::copy(fixture(KAC).join("plan.json"), tmp.path().join("plan.json")).unwrap();
    let report = check_in(tmp.path(), &["plan.json"]);
    assert_findings(
        tmp.path(),
        tmp.path(),
        &report,
        &kac_inside_plan("plan.json"),
    );
    // The same rules and addresses as the HCL linter's.
    let mut got: Vec<(&str, &str)> = findings(&report)
        .iter()
        .map(|f| (string(&f["rule"]), string(&f["address"])))
        .collect();
    got.sort_unstable();
    assert_eq!(got, [(RECORDER, REC), (ROTATION, LOGS), (ROTATION, TEAM)]);
    // Also when the empty folder is walked.
    let walked = check_in(tmp.path(), &["."]);
    assert_findings(
        tmp.path(),
        tmp.path(),
        &walked,
        &kac_inside_plan("plan.json"),
    );
}

#[test]
fn plan_with_source_dir_is_mapped_to_that_configuration() {
    let tmp = TempDir::new();
    std::fs::copy(fixture(KAC).join("plan.json"), tmp.path().join("plan.json")).unwrap();
    let source = fixture(KAC);
    let report = check_in(
        tmp.path(),
        &["--source", source.to_str().unwrap(), "plan.json"],
    );
    let mut expected = kac_from_plan("plan.json");
    for e in &mut expected {
        // The related planned value (the last) is in the copy, which `base` does not hold.
        e.related.pop();
    }
    let stripped: Value = {
        let mut r = report.clone();
        for f in r["findings"].as_array_mut().unwrap() {
            let related = f["related"].as_array_mut().unwrap();
            let planned = related.pop().unwrap_or_else(|| panic!("no planned value"));
            assert_eq!(
                resolve(tmp.path(), string(&planned["file"])),
                resolve(tmp.path(), "plan.json")
            );
        }
        r
    };
    assert_findings(tmp.path(), &source, &stripped, &expected);
}

#[test]
fn plan_is_recognised_by_content_under_any_json_name() {
    let tmp = TempDir::new();
    let plan = std::fs::read(fixture(KAC).join("plan.json")).unwrap();
    std::fs::write(tmp.path().join("output.json"), &plan).unwrap();
    let named = check_in(tmp.path(), &["output.json"]);
    assert_findings(
        tmp.path(),
        tmp.path(),
        &named,
        &kac_inside_plan("output.json"),
    );
    // A walk reads only the plan names: output.json is not one of them.
    let walked = check_in(tmp.path(), &["."]);
    assert!(findings(&walked).is_empty(), "{walked:#}");
    assert_eq!(num(&walked["summary"]["files"]), 0, "{walked:#}");
    for name in ["tfplan.json", "prod.tfplan.json"] {
        let dir = tmp.path().join(name.replace('.', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), &plan).unwrap();
        let walked = check_in(&dir, &["."]);
        assert_findings(&dir, &dir, &walked, &kac_inside_plan(name));
    }
}

#[test]
fn json_files_that_are_not_plans_are_ignored() {
    let tmp = TempDir::new();
    std::fs::write(tmp.path().join("package.json"), "{\"name\":\"x\"}\n").unwrap();
    // `terraform providers schema -json` also has a format_version.
    std::fs::write(
        tmp.path().join("schema.json"),
        "{\"format_version\":\"1.0\",\"provider_schemas\":{}}\n",
    )
    .unwrap();
    let report = check_in(tmp.path(), &["package.json", "schema.json"]);
    assert!(
        findings(&report).is_empty() && errors(&report).is_empty(),
        "{report:#}"
    );
}

#[test]
fn plan_format_versions_0_1_to_1_2_and_later_minors_are_read() {
    let text = read(&fixture(KAC).join("plan.json"));
    assert!(text.starts_with("{\"format_version\":\"1.2\","));
    for version in ["0.1", "0.2", "1.0", "1.1", "1.2", "1.3"] {
        let tmp = TempDir::new();
        let edited = text.replacen("\"1.2\"", &format!("\"{version}\""), 1);
        std::fs::write(tmp.path().join("plan.json"), edited).unwrap();
        let report = check_in(tmp.path(), &["plan.json"]);
        assert_findings(
            tmp.path(),
            tmp.path(),
            &report,
            &kac_inside_plan("plan.json"),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Encodings and bad plan input
// ---------------------------------------------------------------------------------------------

#[test]
fn plan_in_utf16_with_bom_gives_the_same_lines_and_columns() {
    let bytes = std::fs::read(fixture("plan-utf16").join("plan.json")).unwrap();
    assert_eq!(
        &bytes[..2],
        [0xFF, 0xFE],
        "the fixture is UTF-16LE with a BOM"
    );
    let utf16 = check(&["fixtures/plan-utf16/plan.json"]);
    let tmp = TempDir::new();
    std::fs::copy(fixture(KAC).join("plan.json"), tmp.path().join("plan.json")).unwrap();
    let utf8 = check_in(tmp.path(), &["plan.json"]);
    let positions = |r: &Value| -> Vec<(String, String, u64, u64, u64, u64)> {
        let mut v: Vec<_> = findings(r)
            .iter()
            .map(|f| {
                let (l, c) = start(&f["span"]);
                (
                    string(&f["rule"]).to_string(),
                    string(&f["address"]).to_string(),
                    l,
                    c,
                    num(&f["span"]["end"]["line"]),
                    num(&f["span"]["end"]["column"]),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(findings(&utf16).len(), 3, "{utf16:#}");
    assert_eq!(positions(&utf16), positions(&utf8));
    for f in findings(&utf16) {
        assert_eq!(f["file"], "fixtures/plan-utf16/plan.json");
    }
}

#[test]
fn plan_in_utf16_offsets_are_byte_offsets_into_the_stored_file() {
    // README: `offset` is a byte offset into the file as stored. In a UTF-16LE file with a
    // BOM, the character at column c of this one-line ASCII plan starts at byte 2 + 2(c-1).
    let report = check(&["fixtures/plan-utf16/plan.json"]);
    assert_eq!(findings(&report).len(), 3);
    for f in findings(&report) {
        for end in ["start", "end"] {
            let p = &f["span"][end];
            assert_eq!(
                num(&p["offset"]),
                2 + 2 * (num(&p["column"]) - 1),
                "{} {end}: {p}",
                f["address"]
            );
        }
    }
}

#[test]
fn plan_in_utf16_with_source_dir_is_mapped_to_the_configuration() {
    let report = check(&[
        "--source",
        "fixtures/plan-kms-and-config",
        "fixtures/plan-utf16/plan.json",
    ]);
    let expected = vec![
        (RECORDER, REC, "main.tf", 34, 5),
        (ROTATION, LOGS, "main.tf", 8, 3),
        (ROTATION, TEAM, "main.tf", 25, 3),
    ];
    let expected: Vec<(String, String, String, u64, u64)> = expected
        .into_iter()
        .map(|(r, a, f, l, c)| (r.to_string(), a.to_string(), f.to_string(), l, c))
        .collect();
    assert_eq!(
        triples(repo(), &fixture(KAC), &report),
        expected,
        "{report:#}"
    );
}

#[test]
fn plan_in_utf8_with_bom_offsets_include_the_bom() {
    let report = check(&["fixtures/plan-utf8-bom/plan.json"]);
    let plan = read(&fixture(KAC).join("plan.json"));
    assert_eq!(findings(&report).len(), 3, "{report:#}");
    for e in kac_inside_plan("plan.json") {
        let f = findings(&report)
            .iter()
            .find(|f| f["address"] == e.address.as_str())
            .unwrap();
        // Columns do not count the BOM; offsets do.
        assert_eq!(start(&f["span"]), (e.at.line, e.at.column), "{f:#}");
        assert_eq!(
            num(&f["span"]["start"]["offset"]),
            3 + e.at.column - 1,
            "{f:#}"
        );
        assert_eq!(
            covered(repo(), string(&f["file"]), &f["span"]),
            e.at.text,
            "{f:#}"
        );
        assert!(plan.contains(&e.at.text));
    }
}

/// A bad plan is one error naming the file, exit code 2, and the other inputs are still linted.
fn assert_bad_plan(file: &str, reason: &[&str]) -> Value {
    let report = check(&[file, "fixtures/plan-kms-and-config/plan.json"]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(errs[0]["file"], file, "{report:#}");
    let message = string(&errs[0]["message"]);
    for r in reason {
        assert!(message.contains(r), "`{message}` should say `{r}`");
    }
    assert_eq!(
        triples(repo(), &fixture(KAC), &report),
        triples(
            repo(),
            &fixture(KAC),
            &check(&["fixtures/plan-kms-and-config/plan.json"])
        ),
        "the good plan is still linted"
    );
    report
}

#[test]
fn plan_wrapped_in_setup_terraform_output_is_a_clear_error() {
    let text = read(&fixture("plan-ci-wrapped").join("plan.json"));
    assert!(text.starts_with("[command]"));
    assert!(text.contains("\n::set-output name=stdout::{"));
    let report = assert_bad_plan(
        "fixtures/plan-ci-wrapped/plan.json",
        &["wrapped", "[command]"],
    );
    let span = &errors(&report)[0]["span"];
    assert_eq!(start(span), (1, 1), "{span}");
}

#[test]
fn plan_followed_by_ci_lines_is_a_clear_error() {
    let report = assert_bad_plan(
        "fixtures/plan-ci-wrapped/trailing-noise.json",
        &["invalid plan JSON"],
    );
    // Located at the first line that is not JSON.
    let span = &errors(&report)[0]["span"];
    assert_eq!(start(span), (2, 1), "{span}");
}

#[test]
fn truncated_plan_is_a_clear_error() {
    let full = std::fs::metadata(fixture(KAC).join("plan.json"))
        .unwrap()
        .len();
    let cut = std::fs::metadata(fixture("plan-truncated").join("plan.json"))
        .unwrap()
        .len();
    assert!(cut < full);
    let report = assert_bad_plan("fixtures/plan-truncated/plan.json", &["invalid plan JSON"]);
    let span = &errors(&report)[0]["span"];
    assert!(num(&span["start"]["offset"]) <= cut, "{span}");
}

#[test]
fn unknown_major_format_version_is_a_clear_error() {
    let report = assert_bad_plan(
        "fixtures/plan-format-2/plan.json",
        &["format_version", "2.0"],
    );
    let error = &errors(&report)[0];
    assert_span(
        repo(),
        "fixtures/plan-format-2/plan.json",
        &error["span"],
        1,
        19,
        "\"2.0\"",
    );
}

// ---------------------------------------------------------------------------------------------
// Plan semantics
// ---------------------------------------------------------------------------------------------

#[test]
fn plan_value_unknown_at_plan_time_gives_no_finding() {
    // The fixture really has the value unknown: absent from `after`, `true` in `after_unknown`.
    let plan: Value =
        serde_json::from_str(&read(&fixture("plan-unknown").join("plan.json"))).unwrap();
    let change = arr(&plan["resource_changes"])
        .iter()
        .find(|c| c["address"] == "aws_kms_key.depends")
        .unwrap();
    assert!(change["change"]["after"]
        .get("enable_key_rotation")
        .is_none());
    assert_eq!(
        change["change"]["after_unknown"]["enable_key_rotation"],
        true
    );
    let recorder = arr(&plan["resource_changes"])
        .iter()
        .find(|c| c["address"] == "aws_config_configuration_recorder.main")
        .unwrap();
    assert_eq!(
        recorder["change"]["after_unknown"]["recording_group"][0]["resource_types"],
        true
    );

    let report = check(&["fixtures/plan-unknown/plan.json"]);
    assert!(findings(&report).is_empty(), "{report:#}");
    assert!(errors(&report).is_empty(), "{report:#}");
    assert_eq!(num(&report["summary"]["files"]), 1, "the plan was read");
    // Not even without the configuration to map to.
    let tmp = TempDir::new();
    std::fs::copy(
        fixture("plan-unknown").join("plan.json"),
        tmp.path().join("plan.json"),
    )
    .unwrap();
    let alone = check_in(tmp.path(), &["plan.json"]);
    assert!(findings(&alone).is_empty(), "{alone:#}");
    // And the HCL linter agrees.
    let hcl = check(&["fixtures/plan-unknown/main.tf"]);
    assert!(findings(&hcl).is_empty(), "{hcl:#}");
}

#[test]
fn plan_delete_and_forget_changes_are_skipped() {
    let plan: Value =
        serde_json::from_str(&read(&fixture("plan-delete-only").join("plan.json"))).unwrap();
    let actions: Vec<(String, String)> = arr(&plan["resource_changes"])
        .iter()
        .map(|c| {
            (
                string(&c["address"]).to_string(),
                c["change"]["actions"].to_string(),
            )
        })
        .collect();
    assert!(actions.contains(&("aws_kms_key.gone".into(), "[\"delete\"]".into())));
    assert!(actions.contains(&("aws_kms_key.forgotten".into(), "[\"forget\"]".into())));

    let report = check(&["fixtures/plan-delete-only/plan.json"]);
    let addresses: Vec<&str> = findings(&report)
        .iter()
        .map(|f| string(&f["address"]))
        .collect();
    for gone in ["aws_kms_key.gone", "aws_kms_key.forgotten"] {
        assert!(!addresses.contains(&gone), "{gone}: {report:#}");
    }
    let base = fixture("plan-delete-only");
    let at = |address: &str| {
        findings(&report)
            .iter()
            .find(|f| f["address"] == address)
            .unwrap_or_else(|| panic!("no finding for {address}: {report:#}"))
    };
    // A replacement (`["delete","create"]`) and a create are linted, at the .tf lines.
    let replaced = at("aws_kms_key.replaced");
    assert_eq!(
        relative(repo(), string(&replaced["file"]), &base),
        "main.tf"
    );
    assert_span(
        repo(),
        string(&replaced["file"]),
        &replaced["span"],
        4,
        3,
        "enable_key_rotation      = false",
    );
    let created = at("aws_kms_key.created");
    assert_span(
        repo(),
        string(&created["file"]),
        &created["span"],
        9,
        3,
        "enable_key_rotation = false",
    );
}

#[test]
fn plan_delete_only_change_is_skipped_by_its_action_even_with_values() {
    // hand-edited.json: `aws_kms_key.created` became `["delete"]`, its `after` kept.
    let report = check(&["fixtures/plan-delete-only/hand-edited.json"]);
    let addresses: Vec<&str> = findings(&report)
        .iter()
        .map(|f| string(&f["address"]))
        .collect();
    assert!(!addresses.contains(&"aws_kms_key.created"), "{report:#}");
    assert!(addresses.contains(&"aws_kms_key.replaced"), "{report:#}");
    assert!(errors(&report).is_empty(), "{report:#}");
}

#[test]
fn plan_no_op_key_from_the_state_is_linted() {
    // `aws_kms_key.kept` is unchanged (`["no-op"]`); its `after` comes from the state, where
    // the AWS provider stores unset optional strings as "" (`custom_key_store_id: ""`,
    // `xks_key_id: ""`). It does not rotate and must be reported like the others.
    let report = check(&["fixtures/plan-delete-only/plan.json"]);
    let kept = findings(&report)
        .iter()
        .find(|f| f["address"] == "aws_kms_key.kept");
    let kept = kept.unwrap_or_else(|| panic!("no finding for aws_kms_key.kept: {report:#}"));
    assert_span(
        repo(),
        string(&kept["file"]),
        &kept["span"],
        14,
        3,
        "enable_key_rotation = false",
    );
}

#[test]
fn plan_repeated_blocks_land_on_the_hcl_spans() {
    let tmp = TempDir::new();
    let config = tmp.copy_fixture("plan-repeat", &["plan.json"]);
    let hcl = check_in(tmp.path(), &["plan-repeat"]);
    assert_findings(
        tmp.path(),
        &config,
        &hcl,
        &[
            key(
                "aws_kms_key.counted",
                "main.tf",
                4,
                3,
                "enable_key_rotation = count.index == 0",
            )
            .says("(instances [1])"),
            key(
                "aws_kms_key.by_map",
                "main.tf",
                18,
                3,
                "enable_key_rotation = each.value",
            )
            .says("(instances [\"billing\"])"),
            key(
                "aws_kms_key.by_set",
                "main.tf",
                21,
                1,
                "resource \"aws_kms_key\" \"by_set\"",
            )
            .fixable()
            .says("[\"blue\"], [\"red\"]"),
            recorder(
                REC,
                "main.tf",
                35,
                7,
                "resource_types = [\"AWS::S3::Bucket\", \"AWS::EC2::Volume\"]",
            )
            .fixable(),
        ],
    );
    let plan = check(&["fixtures/plan-repeat/plan.json"]);
    let places = |cwd: &Path, base: &Path, r: &Value| {
        let mut v: Vec<(String, String, u64, u64)> = triples(cwd, base, r)
            .into_iter()
            .map(|(rule, _, file, l, c)| (rule, file, l, c))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        places(repo(), &fixture("plan-repeat"), &plan),
        places(tmp.path(), &config, &hcl),
        "{plan:#}"
    );
    // No finding for the passing instances.
    for f in findings(&plan) {
        let address = string(&f["address"]);
        assert!(
            !address.contains("counted[0]") && !address.contains("orders"),
            "{f:#}"
        );
    }
}

#[test]
fn plan_repeated_block_finding_names_every_failing_instance() {
    // Both `by_set` instances fail; mapped to the one block, the plan's finding must name both
    // (as the HCL linter's does), not silently keep one of them.
    let plan = check(&["fixtures/plan-repeat/plan.json"]);
    let by_set: Vec<&Value> = findings(&plan)
        .iter()
        .filter(|f| string(&f["address"]).starts_with("aws_kms_key.by_set"))
        .collect();
    assert_eq!(by_set.len(), 1, "{plan:#}");
    let text = format!("{} {}", by_set[0]["address"], by_set[0]["message"]);
    assert!(
        text.contains("blue") && text.contains("red"),
        "names only some instances: {text}"
    );
}

#[test]
fn plan_repeated_blocks_alone_are_one_finding_per_instance_inside_the_plan() {
    let tmp = TempDir::new();
    std::fs::copy(
        fixture("plan-repeat").join("plan.json"),
        tmp.path().join("plan.json"),
    )
    .unwrap();
    let report = check_in(tmp.path(), &["plan.json"]);
    let plan = read(&fixture("plan-repeat").join("plan.json"));
    let off = "\"enable_key_rotation\":false";
    let at = |rule: &'static str, address: &str, text: &str| {
        let (line, column) = in_entry(&plan, address, text);
        exp(rule, address, loc("plan.json", line, column, text))
    };
    assert_findings(
        tmp.path(),
        tmp.path(),
        &report,
        &[
            at(ROTATION, "aws_kms_key.counted[1]", off),
            at(ROTATION, "aws_kms_key.by_map[\"billing\"]", off),
            at(ROTATION, "aws_kms_key.by_set[\"blue\"]", off),
            at(ROTATION, "aws_kms_key.by_set[\"red\"]", off),
            at(
                RECORDER,
                REC,
                "\"resource_types\":[\"AWS::EC2::Volume\",\"AWS::S3::Bucket\"]",
            ),
        ],
    );
}

/// The failing module instances of `plan-modules`, and the passing ones.
const MODULES_FAILING: &[(&str, &str)] = &[
    ("module.single", ""),
    ("module.counted", "[0]"),
    ("module.each", "[\"b\"]"),
    ("module.nested", ".module.inner"),
];
const MODULES_PASSING: &[(&str, &str)] = &[
    ("module.counted", "[1]"),
    ("module.each", "[\"a\"]"),
    ("module.defaults", ""),
];

#[test]
fn plan_module_instances_alone_are_located_inside_the_plan() {
    let tmp = TempDir::new();
    std::fs::copy(
        fixture("plan-modules").join("plan.json"),
        tmp.path().join("plan.json"),
    )
    .unwrap();
    let report = check_in(tmp.path(), &["plan.json"]);
    let plan = read(&fixture("plan-modules").join("plan.json"));
    let off = "\"enable_key_rotation\":false";
    let expected: Vec<Exp> = MODULES_FAILING
        .iter()
        .map(|(call, key)| {
            let address = format!("{call}{key}.aws_kms_key.this");
            let (line, column) = in_entry(&plan, &address, off);
            exp(ROTATION, &address, loc("plan.json", line, column, off))
        })
        .collect();
    assert_findings(tmp.path(), tmp.path(), &report, &expected);
}

#[test]
fn plan_module_instances_mapped_to_the_child_are_all_reported() {
    // Four module instances fail at the same child line (modules/key/main.tf:8). Mapped to the
    // configuration they must not collapse into one finding that names only one of them: each
    // is shown where the HCL linter shows it, at its caller's argument, except the one whose
    // value is a middle module's default (the same for every caller), shown at the child.
    let report = check(&["fixtures/plan-modules/plan.json"]);
    let base = fixture("plan-modules");
    let mut places: Vec<(String, String, (u64, u64))> = findings(&report)
        .iter()
        .map(|f| {
            (
                string(&f["address"]).to_string(),
                relative(repo(), string(&f["file"]), &base),
                start(&f["span"]),
            )
        })
        .collect();
    places.sort();
    let place = |a: &str, f: &str, at: (u64, u64)| (a.to_string(), f.to_string(), at);
    assert_eq!(
        places,
        [
            place("module.counted[0].aws_kms_key.this", "main.tf", (9, 3)),
            place("module.each[\"b\"].aws_kms_key.this", "main.tf", (18, 3)),
            place(
                "module.nested.module.inner.aws_kms_key.this",
                "modules/key/main.tf",
                (8, 3)
            ),
            place("module.single.aws_kms_key.this", "main.tf", (3, 3)),
        ],
        "{report:#}"
    );
    for (call, key) in MODULES_FAILING {
        assert!(
            names_instance(&report, ROTATION, call, key),
            "{call}{key} is not reported: {report:#}"
        );
    }
    for (call, key) in MODULES_PASSING {
        assert!(
            !names_instance(&report, ROTATION, call, key),
            "{call}{key}: {report:#}"
        );
    }
}

#[test]
fn plan_with_override_files_lands_on_the_override_lines() {
    let tmp = TempDir::new();
    let config = tmp.copy_fixture("plan-override", &["plan.json"]);
    let hcl = check_in(tmp.path(), &["plan-override"]);
    assert_findings(
        tmp.path(),
        &config,
        &hcl,
        &[
            key(
                "aws_kms_key.from_json",
                "keys_override.tf.json",
                5,
                9,
                "\"enable_key_rotation\": false",
            )
            .fixable(),
            key(
                "aws_kms_key.switched_off",
                "override.tf",
                2,
                3,
                "enable_key_rotation = false",
            )
            .fixable(),
            recorder(
                REC,
                "override.tf",
                8,
                5,
                "resource_types = [\"AWS::S3::Bucket\"]",
            )
            .fixable(),
        ],
    );
    let plan = check(&["fixtures/plan-override/plan.json"]);
    assert_eq!(
        triples(repo(), &fixture("plan-override"), &plan),
        triples(tmp.path(), &config, &hcl),
        "{plan:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// Downloaded modules and plans
// ---------------------------------------------------------------------------------------------

const DOWNLOADED: &str = "plan-module-downloaded";

/// At the caller's argument, with a fix there (the caller's file is the user's own); the
/// resource inside `.terraform/` is the related location.
fn downloaded_hcl() -> Exp {
    key(
        "module.keys.aws_kms_key.this",
        "main.tf",
        3,
        3,
        "enable_key_rotation = false",
    )
    .fixable()
    .related(
        ".terraform/modules/keys/main.tf",
        9,
        3,
        "enable_key_rotation = var.enable_key_rotation",
    )
}

#[test]
fn downloaded_module_finding_points_at_the_callers_argument() {
    let report = check(&["fixtures/plan-module-downloaded/main.tf"]);
    assert_findings(repo(), &fixture(DOWNLOADED), &report, &[downloaded_hcl()]);
}

#[test]
fn plan_of_a_downloaded_module_lands_where_the_hcl_linter_reports() {
    // The HCL linter reports `module.keys.aws_kms_key.this` at the caller's argument
    // (main.tf:3:3) and never inside `.terraform/`; the plan must agree.
    let report = check(&["fixtures/plan-module-downloaded/plan.json"]);
    for f in findings(&report) {
        assert!(
            !string(&f["file"]).contains(".terraform/"),
            "a plan finding inside .terraform/: {f:#}"
        );
    }
    let this = findings(&report)
        .iter()
        .find(|f| f["address"] == "module.keys.aws_kms_key.this")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(
        relative(repo(), string(&this["file"]), &fixture(DOWNLOADED)),
        "main.tf",
        "{this:#}"
    );
    assert_span(
        repo(),
        string(&this["file"]),
        &this["span"],
        3,
        3,
        "enable_key_rotation = false",
    );
    // And together they report it once.
    let both = check(&[
        "fixtures/plan-module-downloaded/main.tf",
        "fixtures/plan-module-downloaded/plan.json",
    ]);
    let this: Vec<&Value> = findings(&both)
        .iter()
        .filter(|f| string(&f["address"]).starts_with("module.keys.aws_kms_key.this"))
        .collect();
    assert_eq!(this.len(), 1, "{both:#}");
}

// =============================================================================================
// Local modules
// =============================================================================================

#[test]
fn local_module_call_binds_arguments_and_defaults() {
    let report = check(&["fixtures/module-local/root"]);
    assert_findings(
        repo(),
        &fixture("module-local"),
        &report,
        &[
            // Only because of the caller's argument: at the argument (with a fix there),
            // related at the child's attribute.
            key(
                "module.off.aws_kms_key.this",
                "root/main.tf",
                4,
                3,
                "rotation    = false",
            )
            .fixable()
            .related(
                "modules/rotating/main.tf",
                13,
                3,
                "enable_key_rotation = var.rotation",
            )
            .says("argument `rotation` of module `off`"),
            // Not passed: the child's default.
            key(
                "module.static_defaults.aws_kms_key.this",
                "modules/static/main.tf",
                8,
                3,
                "enable_key_rotation = var.rotation",
            )
            .related("modules/static/main.tf", 3, 13, "false"),
        ],
    );
}

#[test]
fn local_child_module_linted_on_its_own_uses_its_defaults() {
    let report = check(&["fixtures/module-local/modules/static"]);
    assert_findings(
        repo(),
        &fixture("module-local"),
        &report,
        &[key(
            "aws_kms_key.this",
            "modules/static/main.tf",
            8,
            3,
            "enable_key_rotation = var.rotation",
        )
        .related("modules/static/main.tf", 3, 13, "false")],
    );
    // The caller passes `rotation = false` to `rotating`, whose default is true.
    let clean = check(&["fixtures/module-local/modules/rotating"]);
    assert_findings(repo(), &fixture("module-local"), &clean, &[]);
}

#[test]
fn local_module_paths_in_the_report_are_normalized() {
    // `source = "../modules/rotating"` from `root/`: the report names the files by their
    // plain path, not `fixtures/module-local/root/../modules/rotating/main.tf`.
    let report = check(&["fixtures/module-local/root"]);
    let mut files = file_names(&report);
    for f in findings(&report) {
        files.extend(
            arr(&f["related"])
                .iter()
                .map(|r| string(&r["file"]).to_string()),
        );
    }
    files.sort();
    files.dedup();
    assert_eq!(
        files,
        [
            "fixtures/module-local/modules/rotating/main.tf",
            "fixtures/module-local/modules/static/main.tf",
            "fixtures/module-local/root/main.tf"
        ],
        "{report:#}"
    );
}

#[test]
fn local_module_walk_reports_a_default_finding_once() {
    // `modules/static` linted on its own and through `root`'s call without arguments find the
    // same thing (same line, same cause: the default): one finding.
    let report = check(&["fixtures/module-local"]);
    let at_static: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| {
            relative(repo(), string(&f["file"]), &fixture("module-local"))
                == "modules/static/main.tf"
        })
        .collect();
    assert_eq!(at_static.len(), 1, "{report:#}");
    assert_eq!(findings(&report).len(), 2, "{report:#}");
}

#[test]
fn nested_module_calls_two_deep_bind_the_root_argument() {
    let report = check(&["fixtures/module-nested/passed"]);
    assert_findings(
        repo(),
        &fixture("module-nested"),
        &report,
        // At the root's argument, two calls up; the resource is the related location.
        &[key(
            "module.passed.module.inner.aws_kms_key.this",
            "passed/main.tf",
            3,
            3,
            "rotation = false",
        )
        .fixable()
        .related(
            "modules/outer/inner/main.tf",
            8,
            3,
            "enable_key_rotation = var.rotation",
        )],
    );
}

#[test]
fn nested_module_calls_use_the_middle_modules_default() {
    let report = check(&["fixtures/module-nested/defaulted"]);
    assert_findings(
        repo(),
        &fixture("module-nested"),
        &report,
        &[key(
            "module.defaulted.module.inner.aws_kms_key.this",
            "modules/outer/inner/main.tf",
            8,
            3,
            "enable_key_rotation = var.rotation",
        )
        .related("modules/outer/main.tf", 3, 13, "false")],
    );
    let on = check(&["fixtures/module-nested/on"]);
    assert_findings(repo(), &fixture("module-nested"), &on, &[]);
}

#[test]
fn module_count_and_for_each_bind_count_and_each() {
    let report = check(&["fixtures/module-repeat"]);
    assert!(errors(&report).is_empty(), "{report:#}");
    // count = 2, rotation = count.index == 1: instance [0] fails.
    assert!(
        names_instance(&report, ROTATION, "module.counted", "[0]"),
        "{report:#}"
    );
    assert!(
        !names_instance(&report, ROTATION, "module.counted", "[1]"),
        "{report:#}"
    );
    // for_each = toset(["x", "y"]), rotation = each.key == "x": ["y"] fails.
    assert!(
        names_instance(&report, ROTATION, "module.set", "[\"y\"]"),
        "{report:#}"
    );
    assert!(
        !names_instance(&report, ROTATION, "module.set", "[\"x\"]"),
        "{report:#}"
    );
    // for_each map, rotation = each.value: ["b"] fails.
    assert!(
        names_instance(&report, ROTATION, "module.mapped", "[\"b\"]"),
        "{report:#}"
    );
    assert!(
        !names_instance(&report, ROTATION, "module.mapped", "[\"a\"]"),
        "{report:#}"
    );
    // count = 0 creates nothing.
    assert!(
        !findings(&report)
            .iter()
            .any(|f| string(&f["address"]).starts_with("module.zero")),
        "{report:#}"
    );
    // The finding is at the caller's `rotation` argument, with the child's attribute as the
    // related location.
    let base = fixture("module-repeat");
    for (call, child, argument_line, argument) in [
        (
            "module.counted",
            "counted",
            4,
            "rotation = count.index == 1",
        ),
        ("module.set", "set", 19, "rotation = each.key == \"x\""),
    ] {
        let f = findings(&report)
            .iter()
            .find(|f| string(&f["address"]).starts_with(call))
            .unwrap();
        assert_eq!(relative(repo(), string(&f["file"]), &base), "main.tf");
        assert_span(
            repo(),
            string(&f["file"]),
            &f["span"],
            argument_line,
            3,
            argument,
        );
        let related = arr(&f["related"]);
        assert_eq!(related.len(), 1, "{f:#}");
        assert_eq!(
            relative(repo(), string(&related[0]["file"]), &base),
            format!("modules/{child}/main.tf")
        );
        assert_span(
            repo(),
            string(&related[0]["file"]),
            &related[0]["span"],
            8,
            3,
            "enable_key_rotation = var.rotation",
        );
    }
}

#[test]
fn module_for_each_value_finding_has_the_callers_argument_as_related() {
    // `rotation = each.value` (module.mapped["b"]): the finding exists only because of the
    // caller, so it is shown in the caller's `module "mapped"` block (lines 7-14 of main.tf),
    // at the argument, with the child's attribute as the related location.
    let report = check(&["fixtures/module-repeat"]);
    let f = findings(&report)
        .iter()
        .find(|f| string(&f["address"]).starts_with("module.mapped"))
        .unwrap_or_else(|| panic!("{report:#}"));
    let base = fixture("module-repeat");
    assert_eq!(relative(repo(), string(&f["file"]), &base), "main.tf");
    let (line, _) = start(&f["span"]);
    assert!((7..=14).contains(&line), "{f:#}");
    assert_eq!(
        covered(repo(), string(&f["file"]), &f["span"]),
        "rotation = each.value"
    );
    let related = arr(&f["related"]);
    assert_eq!(related.len(), 1, "{f:#}");
    assert_eq!(
        relative(repo(), string(&related[0]["file"]), &base),
        "modules/mapped/main.tf"
    );
}

#[test]
fn module_count_with_every_instance_failing_names_all_instances() {
    // `module "both"` (count = 2, rotation = false): one finding per block naming [0] and [1].
    let report = check(&["fixtures/module-repeat"]);
    let both: Vec<&Value> = findings(&report)
        .iter()
        .filter(|f| string(&f["address"]).starts_with("module.both"))
        .collect();
    assert_eq!(both.len(), 1, "{report:#}");
    assert!(
        names_instance(&report, ROTATION, "module.both", "[0]"),
        "{report:#}"
    );
    assert!(
        names_instance(&report, ROTATION, "module.both", "[1]"),
        "{report:#}"
    );
}

#[test]
fn different_module_calls_of_one_child_are_each_reported() {
    // plan-modules without its plan: four calls of modules/key fail for four different
    // reasons (an argument, count.index, each.value, a default two calls deep). Each must be
    // reported, not merged into the first.
    let tmp = TempDir::new();
    tmp.copy_fixture("plan-modules", &["plan.json"]);
    let report = check_in(&tmp.path().join("plan-modules"), &["."]);
    // `modules/key` and `modules/pair` are called by the root, so they are checked through
    // their calls only (not also alone with their defaults): every failing instance is named
    // in a finding's `instances`, no passing one is.
    let instances = |report: &Value| -> Vec<String> {
        findings(report)
            .iter()
            .filter(|f| f["rule"] == ROTATION)
            .flat_map(|f| arr(&f["instances"]).iter().map(|i| string(i).to_string()))
            .collect()
    };
    let found = instances(&report);
    for (call, key) in MODULES_FAILING {
        let address = format!("{call}{key}.aws_kms_key.this");
        assert!(
            found.contains(&address),
            "{address} is not reported: {report:#}"
        );
    }
    for (call, key) in MODULES_PASSING {
        let address = format!("{call}{key}.aws_kms_key.this");
        assert!(!found.contains(&address), "{address}: {report:#}");
    }
    assert!(
        found.iter().all(|a| a.starts_with("module.")),
        "a called module was also checked alone: {found:?}"
    );
}

// =============================================================================================
// Registry modules
// =============================================================================================

#[test]
fn registry_module_is_followed_through_modules_json() {
    let text = read(&fixture("module-registry").join(".terraform/modules/modules.json"));
    assert!(text.contains("\"Key\":\"keys\""));
    let report = check(&["fixtures/module-registry/main.tf"]);
    // At the caller's argument; `audit`, which does not depend on the caller, is not reported
    // (src/model/calls.rs).
    assert_findings(
        repo(),
        &fixture("module-registry"),
        &report,
        &[key(
            "module.keys.aws_kms_key.this",
            "main.tf",
            4,
            3,
            "enable_key_rotation = false",
        )
        .fixable()
        .related(
            ".terraform/modules/keys/main.tf",
            8,
            3,
            "enable_key_rotation = var.enable_key_rotation",
        )
        .says("argument `enable_key_rotation` of module `keys`")],
    );
}

#[test]
fn registry_module_is_followed_when_its_directory_is_walked() {
    // `kmslint check DIR` must find what `kmslint check DIR/main.tf` finds: the walk skips the
    // root module because nothing in it mentions a key and its only call is not a local path.
    let named = check(&["fixtures/module-registry/main.tf"]);
    let walked = check(&["fixtures/module-registry"]);
    assert_eq!(
        triples(repo(), &fixture("module-registry"), &walked),
        triples(repo(), &fixture("module-registry"), &named),
        "{walked:#}"
    );
    let walked = check(&[
        "fixtures/plan-module-downloaded/main.tf",
        "fixtures/module-registry",
    ]);
    assert_eq!(findings(&walked).len(), 2, "{walked:#}");
}

#[test]
fn known_kms_registry_modules_are_judged_by_their_inputs() {
    let report = check(&["fixtures/module-known-registry"]);
    assert_findings(
        repo(),
        &fixture("module-known-registry"),
        &report,
        &[
            key(
                "module.tam_literal",
                "main.tf",
                14,
                3,
                "enable_key_rotation = false",
            )
            .fixable()
            .says("terraform-aws-modules/kms/aws"),
            key(
                "module.tam_variable",
                "main.tf",
                20,
                3,
                "enable_key_rotation = var.rotate",
            )
            .related("main.tf", 3, 13, "false"),
            key(
                "module.cp_literal",
                "main.tf",
                32,
                3,
                "enable_key_rotation = false",
            )
            .fixable()
            .says("cloudposse/kms-key/aws"),
            key(
                "module.cp_local",
                "main.tf",
                38,
                3,
                "enable_key_rotation = local.rotate",
            )
            .related("main.tf", 7, 12, "false"),
        ],
    );
}

// =============================================================================================
// Repetition and dynamic blocks
// =============================================================================================

#[test]
fn count_zero_two_and_three_one_finding_per_block() {
    let report = check(&["fixtures/repeat-count"]);
    assert_findings(
        repo(),
        &fixture("repeat-count"),
        &report,
        &[
            key(
                "aws_kms_key.two",
                "main.tf",
                9,
                3,
                "enable_key_rotation = count.index == 0",
            )
            .says("(instances [1])"),
            key(
                "aws_kms_key.absent",
                "main.tf",
                12,
                1,
                "resource \"aws_kms_key\" \"absent\"",
            )
            .fixable()
            .says("(instances [0], [1], [2])"),
        ],
    );
    assert!(!string(&findings(&report)[0]["message"]).contains("[0]"));
}

#[test]
fn for_each_maps_sets_and_toset_name_the_failing_keys() {
    let report = check(&["fixtures/repeat-for-each"]);
    assert_findings(
        repo(),
        &fixture("repeat-for-each"),
        &report,
        &[
            key(
                "aws_kms_key.map",
                "main.tf",
                12,
                3,
                "enable_key_rotation = each.value",
            )
            .says("(instances [\"billing\"])"),
            key(
                "aws_kms_key.toset",
                "main.tf",
                17,
                3,
                "enable_key_rotation = each.key == \"red\"",
            )
            .says("(instances [\"blue\"])"),
            key(
                "aws_kms_key.set_variable",
                "main.tf",
                22,
                3,
                "enable_key_rotation = each.value != \"y\"",
            )
            .related("main.tf", 3, 19, "\"y\"")
            .says("(instances [\"y\"])"),
            key(
                "aws_kms_key.all",
                "main.tf",
                27,
                3,
                "enable_key_rotation = false",
            )
            .fixable()
            .says("(instances [\"a\"], [\"b\"])"),
        ],
    );
    for f in findings(&report) {
        let m = string(&f["message"]);
        for passing in ["orders", "[\"red\"]", "[\"x\"]"] {
            assert!(!m.contains(passing), "{m}");
        }
    }
}

#[test]
fn unknown_repetition_reports_only_what_holds_for_every_instance() {
    let report = check(&["fixtures/repeat-unknown"]);
    assert_findings(
        repo(),
        &fixture("repeat-unknown"),
        &report,
        &[
            key(
                "aws_kms_key.literal",
                "main.tf",
                11,
                3,
                "enable_key_rotation = false",
            )
            .fixable(),
            key(
                "aws_kms_key.absent",
                "main.tf",
                19,
                1,
                "resource \"aws_kms_key\" \"absent\"",
            )
            .fixable(),
        ],
    );
    for f in findings(&report) {
        assert!(!string(&f["message"]).contains("instances"), "{f:#}");
    }
}

#[test]
fn dynamic_recording_group_is_expanded_with_its_iterator() {
    let report = check(&["fixtures/dynamic-recording-group"]);
    assert_findings(
        repo(),
        &fixture("dynamic-recording-group"),
        &report,
        &[
            recorder(
                "aws_config_configuration_recorder.iterator",
                "main.tf",
                10,
                7,
                "resource_types = group.value",
            ),
            recorder(
                "aws_config_configuration_recorder.default_iterator",
                "main.tf",
                23,
                7,
                "resource_types = [\"AWS::S3::Bucket\"]",
            )
            .fixable(),
            recorder(
                "aws_config_configuration_recorder.nested",
                "main.tf",
                64,
                9,
                "resource_types = excluded.value",
            )
            .says("excluded"),
        ],
    );
}

#[test]
fn dynamic_recording_group_with_unknown_for_each_gives_no_finding() {
    let report = check(&["fixtures/dynamic-unknown"]);
    assert_findings(repo(), &fixture("dynamic-unknown"), &report, &[]);
    assert_eq!(num(&report["summary"]["files"]), 1);
}

// =============================================================================================
// Override files
// =============================================================================================

#[test]
fn override_attribute_replaces_and_the_finding_points_at_the_override_file() {
    let report = check(&["fixtures/override-attribute"]);
    assert_findings(
        repo(),
        &fixture("override-attribute"),
        &report,
        &[
            key(
                "aws_kms_key.x",
                "override.tf",
                2,
                3,
                "enable_key_rotation = false",
            )
            .fixable(),
            key(
                "aws_kms_key.z",
                "main.tf",
                11,
                1,
                "resource \"aws_kms_key\" \"z\"",
            )
            .fixable(),
        ],
    );
    let x = findings(&report)
        .iter()
        .find(|f| f["address"] == "aws_kms_key.x")
        .unwrap();
    for edit in arr(&x["fix"]["edits"]) {
        assert_eq!(edit["file"], "fixtures/override-attribute/override.tf");
    }
}

#[test]
fn fixing_an_override_finding_edits_the_override_file() {
    let tmp = TempDir::new();
    let dir = tmp.copy_fixture("override-attribute", &[]);
    let main_before = read(&dir.join("main.tf"));
    check_in(tmp.path(), &["--fix", "override-attribute"]);
    let over = read(&dir.join("override.tf"));
    assert_eq!(
        over,
        read(&fixture("override-attribute").join("override.tf")).replacen(
            "enable_key_rotation = false",
            "enable_key_rotation = true",
            1
        ),
        "the override's `false` becomes `true`"
    );
    // main.tf only gains the attribute `z` lacks; `x` is untouched there.
    let main = read(&dir.join("main.tf"));
    assert!(main
        .starts_with(&main_before[..main_before.find("resource \"aws_kms_key\" \"z\"").unwrap()]));
    assert!(main.contains("enable_key_rotation = true\n}\n"), "{main}");
    let again = check_in(tmp.path(), &["override-attribute"]);
    assert!(findings(&again).is_empty(), "{again:#}");
}

#[test]
fn override_suffix_files_apply_in_lexical_order() {
    let report = check(&["fixtures/override-suffix"]);
    assert_findings(
        repo(),
        &fixture("override-suffix"),
        &report,
        &[key(
            "aws_kms_key.b",
            "a_override.tf",
            6,
            3,
            "enable_key_rotation = false",
        )
        .fixable()],
    );
}

#[test]
fn override_tf_json_points_at_the_json_override() {
    let report = check(&["fixtures/override-json"]);
    assert_findings(
        repo(),
        &fixture("override-json"),
        &report,
        &[key(
            "aws_kms_key.x",
            "override.tf.json",
            5,
            9,
            "\"enable_key_rotation\": false",
        )
        .fixable()],
    );
}

#[test]
fn override_tofu_and_tofu_json_files() {
    let report = check(&["fixtures/override-tofu"]);
    assert_findings(
        repo(),
        &fixture("override-tofu"),
        &report,
        &[
            key(
                "aws_kms_key.x",
                "x_override.tofu",
                2,
                3,
                "enable_key_rotation = false",
            )
            .fixable(),
            key(
                "aws_kms_key.y",
                "y_override.tofu.json",
                1,
                37,
                "\"enable_key_rotation\": false",
            )
            .fixable(),
        ],
    );
}

#[test]
fn override_nested_block_type_replaces_every_block_of_that_type() {
    let report = check(&["fixtures/override-nested-block"]);
    assert_findings(
        repo(),
        &fixture("override-nested-block"),
        &report,
        &[
            recorder(
                "aws_config_configuration_recorder.replaced",
                "override.tf",
                4,
                5,
                "resource_types = [\"AWS::S3::Bucket\"]",
            )
            .fixable(),
            // A `dynamic "recording_group"` in the override replaces the static block.
            recorder(
                "aws_config_configuration_recorder.by_dynamic",
                "override.tf",
                20,
                7,
                "resource_types = recording_group.value",
            ),
        ],
    );
}

#[test]
fn override_without_a_base_block_is_an_error() {
    let report = check(&["fixtures/override-missing-base"]);
    let errs = errors(&report);
    assert_eq!(errs.len(), 1, "{report:#}");
    assert_eq!(
        errs[0]["file"],
        "fixtures/override-missing-base/override.tf"
    );
    assert!(
        string(&errs[0]["message"]).contains("aws_kms_key.nope"),
        "{report:#}"
    );
    assert_span(
        repo(),
        "fixtures/override-missing-base/override.tf",
        &errs[0]["span"],
        1,
        1,
        "resource \"aws_kms_key\" \"nope\"",
    );
    // The rest of the module is still linted.
    assert_eq!(findings(&report).len(), 1, "{report:#}");
    assert_span(
        repo(),
        "fixtures/override-missing-base/main.tf",
        &findings(&report)[0]["span"],
        2,
        3,
        "enable_key_rotation = false",
    );
}

// =============================================================================================
// OpenTofu files and other top-level blocks
// =============================================================================================

#[test]
fn tofu_files_shadow_their_tf_twins() {
    let report = check(&["fixtures/tofu-shadow"]);
    assert_findings(
        repo(),
        &fixture("tofu-shadow"),
        &report,
        &[key(
            "aws_kms_key.only",
            "only.tf",
            1,
            1,
            "resource \"aws_kms_key\" \"only\"",
        )
        .fixable()],
    );
    // main.tofu, keys.tofu.json, override.tofu and only.tf; not main.tf, keys.tf.json, override.tf.
    assert_eq!(num(&report["summary"]["files"]), 4, "{report:#}");
}

#[test]
fn tofu_lifecycle_enabled_false_creates_no_instance() {
    let report = check(&["fixtures/tofu-lifecycle"]);
    assert_findings(
        repo(),
        &fixture("tofu-lifecycle"),
        &report,
        &[key(
            "aws_kms_key.on",
            "main.tofu",
            23,
            3,
            "enable_key_rotation = false",
        )
        .fixable()],
    );
}

#[test]
fn unknown_top_level_blocks_are_accepted() {
    let report = check(&["fixtures/blocks-top-level"]);
    assert_findings(
        repo(),
        &fixture("blocks-top-level"),
        &report,
        &[key(
            "aws_kms_key.x",
            "main.tf",
            50,
            3,
            "enable_key_rotation = false",
        )
        .fixable()],
    );
    assert_eq!(num(&report["summary"]["files"]), 2, "{report:#}");
}

// =============================================================================================
// Real-world plans
// =============================================================================================

fn json_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            json_files(&path, out);
        } else if name.ends_with(".json")
            && !name.ends_with(".tf.json")
            && !name.ends_with(".tfvars.json")
        {
            out.push(path);
        }
    }
}

#[test]
fn every_real_world_plan_loads_or_gives_a_clear_error() {
    let corpus = repo().join("../shared/corpus/realworld");
    if !corpus.is_dir() {
        eprintln!("corpus not found at {}; skipping", corpus.display());
        return;
    }
    let mut files = Vec::new();
    json_files(&corpus, &mut files);
    files.sort();
    let mut plans = 0;
    for path in &files {
        let shown = path.to_str().unwrap();
        let report = check(&[shown]);
        let parsed: Option<Value> = std::fs::read(path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        let is_plan = parsed.as_ref().is_some_and(|v| {
            v.get("format_version").is_some()
                && (v.get("planned_values").is_some() || v.get("resource_changes").is_some())
        });
        if !is_plan {
            continue;
        }
        plans += 1;
        let errs = errors(&report);
        if errs.is_empty() {
            assert_eq!(
                num(&report["summary"]["files"]),
                1,
                "{shown}: not read: {report:#}"
            );
        } else {
            for e in errs {
                assert!(!string(&e["message"]).is_empty());
                assert!(
                    string(&e["file"]).ends_with(path.file_name().unwrap().to_str().unwrap()),
                    "{shown}: the error names the file: {report:#}"
                );
            }
        }
    }
    assert!(plans > 0, "no plan found among {files:?}");
    // All at once, too.
    let all: Vec<&str> = files.iter().map(|p| p.to_str().unwrap()).collect();
    check(&all);
}

// =============================================================================================
// The published-module layout: examples calling `../../`, run from every starting directory
// =============================================================================================

const LAYOUT: &str = "module-layout";

/// `(address, file relative to the fixture, line, column, covered text)` of every finding.
fn layout_places(cwd: &Path, report: &Value) -> Vec<(String, String, u64, u64, String)> {
    let base = fixture(LAYOUT);
    let mut out: Vec<_> = findings(report)
        .iter()
        .map(|f| {
            let (line, column) = start(&f["span"]);
            (
                string(&f["address"]).to_string(),
                relative(cwd, string(&f["file"]), &base),
                line,
                column,
                covered(cwd, string(&f["file"]), &f["span"]),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn published_module_layout_gives_the_same_findings_from_every_starting_directory() {
    let base = fixture(LAYOUT);
    let complete = base.join("examples/complete");
    let at = |address: &str, line: u64, text: &str| {
        (
            address.to_string(),
            "examples/complete/main.tf".to_string(),
            line,
            3,
            text.to_string(),
        )
    };
    // Each failing call at its own argument (the two calls of the root module included);
    // the root module alone (its defaults rotate) and `examples/simple` report nothing.
    let expected = vec![
        at("module.alias.aws_kms_key.alias_key", 18, "rotate = false"),
        at(
            "module.kms.aws_kms_key.this",
            3,
            "enable_key_rotation = false",
        ),
        at(
            "module.kms_again.aws_kms_key.this",
            8,
            "enable_key_rotation = false",
        ),
        at("module.shared.aws_kms_key.shared", 23, "rotate = false"),
    ];
    let absolute = std::fs::canonicalize(&base).unwrap();
    let runs: Vec<(&Path, Vec<&str>)> = vec![
        (&base, vec!["."]),
        (&base, vec![]),
        (&complete, vec!["."]),
        (&complete, vec!["main.tf"]),
        (&complete, vec!["../.."]),
        (repo(), vec!["fixtures/module-layout"]),
        (repo(), vec!["fixtures/module-layout/examples/complete"]),
        (repo(), vec![absolute.to_str().unwrap()]),
    ];
    for (cwd, args) in runs {
        let report = check_in(cwd, &args);
        assert_eq!(
            layout_places(cwd, &report),
            expected,
            "from {} with {args:?}: {report:#}",
            cwd.display()
        );
        for f in findings(&report) {
            // Fixable at the caller's literal argument.
            assert!(f["fix"].is_object(), "{f:#}");
        }
    }
    // The absolute path of the example too.
    let report = check_in(
        repo(),
        &[complete.canonicalize().unwrap().to_str().unwrap()],
    );
    assert_eq!(layout_places(repo(), &report), expected, "{report:#}");
}

#[test]
fn a_called_module_directory_is_not_also_checked_alone_but_a_named_one_is() {
    // `modules/alias` and `examples/shared` are called by `examples/complete`: a walk checks
    // them through that call only. Named on the command line, each is a root of its own,
    // with its defaults (which rotate: nothing to report).
    let report = check(&["fixtures/module-layout"]);
    assert!(
        findings(&report)
            .iter()
            .all(|f| string(&f["address"]).starts_with("module.")),
        "{report:#}"
    );
    let tmp = TempDir::new();
    let copy = tmp.copy_fixture(LAYOUT, &[]);
    // A shared module whose default does not rotate, and every caller passes true.
    std::fs::write(
        copy.join("modules/alias/main.tf"),
        "variable \"rotate\" {\n  type    = bool\n  default = false\n}\n\nresource \"aws_kms_key\" \"alias_key\" {\n  enable_key_rotation = var.rotate\n}\n",
    )
    .unwrap();
    std::fs::write(
        copy.join("examples/complete/main.tf"),
        "module \"alias\" {\n  source = \"../../modules/alias\"\n  rotate = true\n}\n",
    )
    .unwrap();
    let walked = check_in(&copy, &["."]);
    assert!(findings(&walked).is_empty(), "{walked:#}");
    // Named explicitly, it is checked as a root with its default.
    let named = check_in(&copy, &["modules/alias"]);
    assert_eq!(findings(&named).len(), 1, "{named:#}");
    assert_eq!(
        string(&findings(&named)[0]["address"]),
        "aws_kms_key.alias_key"
    );
}
