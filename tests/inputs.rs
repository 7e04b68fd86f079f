//! Values from outside the configuration's files: `--var`, `--var-file`, `TF_VAR_*` under
//! `--env-vars`, and the workspace (`--workspace`, `.terraform/environment`, `TF_WORKSPACE`),
//! in Terraform's precedence order (`TF_VAR_*` < `terraform.tfvars` < `*.auto.tfvars` <
//! `-var-file` / `-var` in command-line order).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use serde_json::Value;

const MAIN: &str = r#"variable "rotate" {
  type    = bool
  default = true
}

variable "ids" {
  type    = list(string)
  default = []
}

resource "aws_kms_key" "by_var" {
  enable_key_rotation = var.rotate
}

resource "aws_kms_key" "by_list" {
  enable_key_rotation = contains(var.ids, "x")
}

resource "aws_kms_key" "by_workspace" {
  enable_key_rotation = terraform.workspace != "prod"
}
"#;

fn setup(extra: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new();
    std::fs::write(tmp.path().join("main.tf"), MAIN).unwrap();
    std::fs::write(tmp.path().join("off.tfvars"), "rotate = false\n").unwrap();
    std::fs::write(tmp.path().join("on.tfvars.json"), "{\"rotate\": true}\n").unwrap();
    for (name, text) in extra {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    tmp
}

/// `kmslint check --format json ARGS .` in `dir` with `env` set (and `TF_*` cleared).
fn lint(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kmslint"));
    cmd.args(["check", "--format", "json"])
        .args(args)
        .arg(".")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("TF_WORKSPACE");
    for (k, _) in std::env::vars() {
        if k.starts_with("TF_VAR_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let code = out.status.code().expect("no signal");
    assert_ne!(code, 101, "{}", String::from_utf8_lossy(&out.stderr));
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, report)
}

/// Addresses with a rotation finding.
fn failing(report: &Value) -> Vec<String> {
    let mut out: Vec<String> = findings(report)
        .iter()
        .map(|f| string(&f["address"]).to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn var_file_and_var_apply_in_command_line_order() {
    let tmp = setup(&[]);
    let (_, r) = lint(tmp.path(), &[], &[]);
    assert_eq!(failing(&r), ["aws_kms_key.by_list"]);
    let (_, r) = lint(tmp.path(), &["--var-file", "off.tfvars"], &[]);
    assert_eq!(failing(&r), ["aws_kms_key.by_list", "aws_kms_key.by_var"]);
    // The finding says where the value comes from, and points there.
    let f = findings(&r)
        .iter()
        .find(|f| f["address"] == "aws_kms_key.by_var")
        .unwrap();
    assert!(string(&f["message"]).contains("off.tfvars"), "{f:#}");
    assert_eq!(string(&f["related"][0]["file"]), "off.tfvars", "{f:#}");
    // Later wins, across both flags.
    let (_, r) = lint(
        tmp.path(),
        &["--var-file", "off.tfvars", "--var", "rotate=true"],
        &[],
    );
    assert_eq!(failing(&r), ["aws_kms_key.by_list"]);
    let (_, r) = lint(
        tmp.path(),
        &["--var", "rotate=true", "--var-file", "off.tfvars"],
        &[],
    );
    assert_eq!(failing(&r), ["aws_kms_key.by_list", "aws_kms_key.by_var"]);
    let (_, r) = lint(
        tmp.path(),
        &["--var-file", "off.tfvars", "--var-file", "on.tfvars.json"],
        &[],
    );
    assert_eq!(failing(&r), ["aws_kms_key.by_list"]);
    // A value for a variable of another type than string is read as HCL.
    let (_, r) = lint(tmp.path(), &["--var", "ids=[\"x\"]"], &[]);
    assert!(failing(&r).is_empty(), "{r:#}");
    let (_, r) = lint(tmp.path(), &["--var", "rotate=false"], &[]);
    assert_eq!(failing(&r), ["aws_kms_key.by_list", "aws_kms_key.by_var"]);
}

#[test]
fn command_line_values_beat_tfvars_files_and_the_environment_loses_to_them() {
    let tmp = setup(&[("terraform.tfvars", "rotate = true\n")]);
    let (_, r) = lint(tmp.path(), &["--var-file", "off.tfvars"], &[]);
    assert!(
        failing(&r).contains(&"aws_kms_key.by_var".to_string()),
        "{r:#}"
    );
    // TF_VAR_* only with --env-vars, and below terraform.tfvars.
    let env = [("TF_VAR_rotate", "false")];
    let (_, r) = lint(tmp.path(), &["--env-vars"], &env);
    assert!(
        !failing(&r).contains(&"aws_kms_key.by_var".to_string()),
        "{r:#}"
    );
    let bare = setup(&[]);
    let (_, r) = lint(bare.path(), &[], &env);
    assert!(
        !failing(&r).contains(&"aws_kms_key.by_var".to_string()),
        "{r:#}"
    );
    let (_, r) = lint(bare.path(), &["--env-vars"], &env);
    assert!(
        failing(&r).contains(&"aws_kms_key.by_var".to_string()),
        "{r:#}"
    );
}

#[test]
fn workspace_from_the_flag_the_environment_file_or_tf_workspace() {
    let tmp = setup(&[]);
    let by_workspace = |r: &Value| failing(r).contains(&"aws_kms_key.by_workspace".to_string());
    // Unknown by default: nothing reported.
    assert!(!by_workspace(&lint(tmp.path(), &[], &[]).1));
    assert!(by_workspace(
        &lint(tmp.path(), &["--workspace", "prod"], &[]).1
    ));
    assert!(!by_workspace(
        &lint(tmp.path(), &["--workspace", "dev"], &[]).1
    ));
    // TF_WORKSPACE only with --env-vars.
    let env = [("TF_WORKSPACE", "prod")];
    assert!(!by_workspace(&lint(tmp.path(), &[], &env).1));
    assert!(by_workspace(&lint(tmp.path(), &["--env-vars"], &env).1));
    // What `terraform workspace select` recorded; the flag wins.
    let selected = setup(&[(".terraform/environment", "prod\n")]);
    assert!(by_workspace(&lint(selected.path(), &[], &[]).1));
    assert!(!by_workspace(
        &lint(selected.path(), &["--workspace", "dev"], &[]).1
    ));
}

#[test]
fn bad_values_are_usage_errors() {
    let tmp = setup(&[("broken.tfvars", "rotate = \n")]);
    for args in [
        &["--var", "rotate"][..],
        &["--var", "=true"],
        &["--var-file", "nope.tfvars"],
        &["--var-file", "broken.tfvars"],
    ] {
        let run = run_in(tmp.path(), &[&["check"], args, &["."]].concat());
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("--var"), "{args:?}: {}", run.stderr);
    }
}
