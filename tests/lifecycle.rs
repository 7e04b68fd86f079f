//! The plan-change rules on the real plans of `fixtures/plan-changes/` (see its README):
//! what `tests/rules.rs` cannot see from places alone — the severity (error when the key is
//! in use, warning otherwise) and which users the finding names as related locations.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const DELETION: &str = "kms-key-deletion-planned";
const DISABLE: &str = "kms-key-disable-planned";

fn findings(case: &str, rule: &str) -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/plan-changes")
        .join(case);
    let dir = if dir.is_dir() {
        dir
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/rules")
            .join(case)
    };
    let out = Command::new(env!("CARGO_BIN_EXE_kmslint"))
        .args(["check", "--format", "json", "--select", rule, "plan.json"])
        .current_dir(&dir)
        .output()
        .expect("run kmslint");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{case}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    report["findings"].as_array().unwrap().clone()
}

/// `(severity, file of each related location but the planned value)`.
fn summary(case: &str, rule: &str) -> Vec<(String, Vec<String>)> {
    findings(case, rule)
        .iter()
        .map(|f| {
            let related = f["related"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| !r["message"].as_str().unwrap().starts_with("planned value"))
                .map(|r| {
                    format!(
                        "{}:{}",
                        r["file"].as_str().unwrap(),
                        r["message"].as_str().unwrap()
                    )
                })
                .collect();
            (f["severity"].as_str().unwrap().to_string(), related)
        })
        .collect()
}

fn one(case: &str, rule: &str) -> (String, Vec<String>) {
    let mut all = summary(case, rule);
    assert_eq!(all.len(), 1, "{case}: {all:#?}");
    all.remove(0)
}

#[test]
fn a_deleted_or_replaced_key_in_use_is_an_error_otherwise_a_warning() {
    for case in ["delete-key", "replace-key-usage", "replace-key-spec"] {
        let (severity, related) = one(case, DELETION);
        assert_eq!(severity, "warning", "{case}");
        assert!(related.is_empty(), "{case}: {related:?}");
    }
    for case in [
        "replace-key-usage-consumer",
        "replace-multi-region-consumer",
        "delete-key-consumer-in-state",
        "delete-key-consumer-in-config",
    ] {
        let (severity, related) = one(case, DELETION);
        assert_eq!(severity, "error", "{case}");
        assert_eq!(related.len(), 1, "{case}: {related:?}");
        assert!(
            related[0].contains("aws_s3_bucket_server_side_encryption_configuration.data"),
            "{case}: {related:?}"
        );
    }
}

#[test]
fn a_stack_destroyed_whole_is_a_warning_shown_at_the_block() {
    let case = "kms-key-deletion-planned/bad-destroy-whole-stack";
    let found = findings(case, DELETION);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["file"], "main.tf");
    assert!(found[0]["related"].as_array().unwrap().is_empty());
}

#[test]
fn an_alias_is_not_a_use() {
    let (severity, related) = one(
        "kms-key-deletion-planned/bad-replace-key-spec-alias-only",
        DELETION,
    );
    assert_eq!(severity, "warning");
    assert!(related.is_empty(), "{related:?}");
}

#[test]
fn a_consumer_known_only_from_the_state_is_shown_where_it_is() {
    // Still configured (with the key's ARN written literally): at its `.tf` attribute.
    let (_, related) = one("delete-key-consumer-in-config", DELETION);
    assert!(related[0].starts_with("main.tf:"), "{related:?}");
    assert!(related[0].contains("holds the key's ARN"), "{related:?}");
    // Deleted with the key while its bucket stays: its values in the plan.
    let (_, related) = one("delete-key-consumer-in-state", DELETION);
    assert!(related[0].starts_with("plan.json:"), "{related:?}");
    assert!(related[0].contains("deleted too"), "{related:?}");
}

#[test]
fn updates_are_not_deletions_and_disabling_needs_a_user() {
    for case in ["disable-key", "disable-key-consumer"] {
        assert!(summary(case, DELETION).is_empty(), "{case}");
    }
    assert!(summary("disable-key", DISABLE).is_empty());
    let (severity, related) = one("disable-key-consumer", DISABLE);
    assert_eq!(severity, "error");
    assert_eq!(related.len(), 1, "{related:?}");
    for case in ["replace-key-usage-consumer", "delete-key-consumer-in-state"] {
        assert!(summary(case, DISABLE).is_empty(), "{case}");
    }
}
