//! The project model and its reference index, queried through the library: references
//! through locals, module outputs and inputs, `for_each` instances, splats, `dynamic`
//! blocks, JSON syntax, and a plan's `configuration` section.

use std::path::{Path, PathBuf};

use kmslint::project::{Project, Reference};

struct Dir(PathBuf);

impl Dir {
    fn new(files: &[(&str, &str)]) -> Dir {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kmslint-project-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Dir(dir)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(referrer address, attribute, referred address, text the span covers)` for every
/// reference of the project, sorted.
fn edges(project: &Project) -> Vec<(String, String, String, String)> {
    let mut out: Vec<_> = project
        .references()
        .all()
        .iter()
        .map(|r: &Reference| {
            (
                project.resources[r.from].address.clone(),
                r.attribute.clone(),
                project.resources[r.to].address.clone(),
                r.file.slice(&r.span).to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn edge(from: &str, attribute: &str, to: &str, text: &str) -> (String, String, String, String) {
    (from.into(), attribute.into(), to.into(), text.into())
}

fn hcl_edges(files: &[(&str, &str)]) -> Vec<(String, String, String, String)> {
    let dir = Dir::new(files);
    kmslint::lint::with_project(&dir.0, edges).expect("a module")
}

#[test]
fn direct_references_and_references_through_a_local() {
    let found = hcl_edges(&[(
        "main.tf",
        r#"
resource "aws_kms_key" "k" {}
locals {
  key_arn = aws_kms_key.k.arn
  chained = local.key_arn
}
resource "aws_s3_bucket_server_side_encryption_configuration" "direct" {
  rule {
    apply_server_side_encryption_by_default {
      kms_master_key_id = aws_kms_key.k.arn
    }
  }
}
resource "aws_sns_topic" "local" {
  kms_master_key_id = "${local.chained}"
}
"#,
    )]);
    assert_eq!(
        found,
        vec![
            edge(
                "aws_s3_bucket_server_side_encryption_configuration.direct",
                "rule.apply_server_side_encryption_by_default.kms_master_key_id",
                "aws_kms_key.k",
                "aws_kms_key.k.arn"
            ),
            edge(
                "aws_sns_topic.local",
                "kms_master_key_id",
                "aws_kms_key.k",
                "local.chained"
            ),
        ]
    );
}

#[test]
fn references_through_module_outputs_and_inputs() {
    let found = hcl_edges(&[
        (
            "main.tf",
            r#"
module "kms" {
  source = "./kms"
}
resource "aws_kms_key" "outer" {}
module "logs" {
  source = "./logs"
  key_id = aws_kms_key.outer.key_id
}
resource "aws_cloudtrail" "t" {
  kms_key_id = module.kms.key_arn
}
"#,
        ),
        (
            "kms/main.tf",
            "resource \"aws_kms_key\" \"this\" {}\noutput \"key_arn\" { value = aws_kms_key.this.arn }\n",
        ),
        (
            "logs/main.tf",
            "variable \"key_id\" {}\nresource \"aws_cloudwatch_log_group\" \"g\" {\n  kms_key_id = var.key_id\n}\n",
        ),
    ]);
    assert_eq!(
        found,
        vec![
            edge(
                "aws_cloudtrail.t",
                "kms_key_id",
                "module.kms.aws_kms_key.this",
                "module.kms.key_arn"
            ),
            edge(
                "module.logs.aws_cloudwatch_log_group.g",
                "kms_key_id",
                "aws_kms_key.outer",
                "var.key_id"
            ),
        ]
    );
}

#[test]
fn for_each_instances_splats_and_dynamic_blocks() {
    let found = hcl_edges(&[(
        "main.tf",
        r#"
resource "aws_kms_key" "k" {
  for_each = toset(["a", "b"])
}
resource "aws_kms_alias" "one" {
  target_key_id = aws_kms_key.k["a"].key_id
}
resource "aws_kms_grant" "splat" {
  key_id = aws_kms_key.k[*].key_id
}
resource "aws_ebs_volume" "each" {
  for_each   = toset(["b"])
  kms_key_id = aws_kms_key.k[each.key].arn
}
resource "aws_s3_bucket_server_side_encryption_configuration" "dyn" {
  dynamic "rule" {
    for_each = [1]
    content {
      apply_server_side_encryption_by_default {
        kms_master_key_id = aws_kms_key.k["b"].arn
      }
    }
  }
}
"#,
    )]);
    let k = |key: &str| format!("aws_kms_key.k[\"{key}\"]");
    assert_eq!(
        found,
        vec![
            edge(
                "aws_ebs_volume.each[\"b\"]",
                "kms_key_id",
                &k("b"),
                "aws_kms_key.k[each.key].arn"
            ),
            edge(
                "aws_kms_alias.one",
                "target_key_id",
                &k("a"),
                "aws_kms_key.k[\"a\"].key_id"
            ),
            edge(
                "aws_kms_grant.splat",
                "key_id",
                &k("a"),
                "aws_kms_key.k[*].key_id"
            ),
            edge(
                "aws_kms_grant.splat",
                "key_id",
                &k("b"),
                "aws_kms_key.k[*].key_id"
            ),
            edge(
                "aws_s3_bucket_server_side_encryption_configuration.dyn",
                "rule.apply_server_side_encryption_by_default.kms_master_key_id",
                &k("b"),
                "aws_kms_key.k[\"b\"].arn"
            ),
        ]
    );
}

#[test]
fn references_in_json_syntax() {
    let found = hcl_edges(&[(
        "main.tf.json",
        r#"{
  "resource": {
    "aws_kms_key": { "k": {} },
    "aws_kms_alias": { "a": { "name": "alias/x", "target_key_id": "${aws_kms_key.k.key_id}" } }
  }
}"#,
    )]);
    assert_eq!(
        found,
        vec![edge(
            "aws_kms_alias.a",
            "target_key_id",
            "aws_kms_key.k",
            "aws_kms_key.k.key_id"
        )]
    );
}

#[test]
fn a_reference_cycle_through_locals_ends() {
    let found = hcl_edges(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.a\n}\nresource \"aws_kms_key\" \"k\" {}\nresource \"aws_sns_topic\" \"t\" {\n  kms_master_key_id = local.a\n}\n",
    )]);
    assert!(found.is_empty(), "{found:?}");
}

const KAC: &str = "fixtures/plan-kms-and-config";

/// The status resource refers to the recorder, in the configuration and in its plan, at the
/// same place.
#[test]
fn plan_kms_and_config_status_refers_to_its_recorder_in_hcl_and_plan() {
    let status = edge(
        "aws_config_configuration_recorder_status.main",
        "name",
        "aws_config_configuration_recorder.main",
        "aws_config_configuration_recorder.main.name",
    );
    let span = |project: &Project| {
        let r = project
            .references()
            .all()
            .iter()
            .find(|r| project.resources[r.from].address == status.0)
            .expect("the status refers to something");
        let p = r.file.position(r.span.start);
        (r.file.display.clone(), p.line, p.column)
    };
    let dir = repo().join(KAC);
    let (hcl, hcl_span) = kmslint::lint::with_project(&dir, |p| (edges(p), span(p))).unwrap();
    let (plan, plan_span) =
        kmslint::lint::with_plan_project(&dir.join("plan.json"), None, |p| (edges(p), span(p)))
            .unwrap()
            .unwrap();
    assert!(hcl.contains(&status), "{hcl:#?}");
    assert!(plan.contains(&status), "{plan:#?}");
    assert_eq!(hcl_span.1, 39);
    assert_eq!(hcl_span.2, 16);
    assert_eq!((plan_span.1, plan_span.2), (hcl_span.1, hcl_span.2));
    assert!(plan_span.0.ends_with("main.tf"), "{plan_span:?}");
}

/// Without the configuration on disk, the plan's `configuration` section alone gives the
/// references, located at the reference string inside the plan.
#[test]
fn a_plan_alone_gives_references_from_its_configuration_section() {
    let dir = Dir::new(&[]);
    std::fs::create_dir_all(&dir.0).unwrap();
    let copy = dir.0.join("plan.json");
    std::fs::copy(repo().join(KAC).join("plan.json"), &copy).unwrap();
    let found = kmslint::lint::with_plan_project(&copy, None, edges)
        .unwrap()
        .unwrap();
    assert_eq!(
        found,
        vec![edge(
            "aws_config_configuration_recorder_status.main",
            "name",
            "aws_config_configuration_recorder.main",
            "\"aws_config_configuration_recorder.main.name\""
        )]
    );
}

#[test]
fn plan_module_instances_and_references_through_module_outputs() {
    let found = {
        let dir = Dir::new(&[]);
        std::fs::create_dir_all(&dir.0).unwrap();
        let plan = dir.0.join("plan.json");
        std::fs::write(
            &plan,
            r#"{"format_version":"1.2","resource_changes":[
 {"address":"module.kms[0].aws_kms_key.this","module_address":"module.kms[0]","mode":"managed","type":"aws_kms_key","name":"this","change":{"actions":["create"],"after":{"is_enabled":false},"after_unknown":{}}},
 {"address":"aws_cloudtrail.t","mode":"managed","type":"aws_cloudtrail","name":"t","change":{"actions":["create"],"after":{"name":"t"},"after_unknown":{"kms_key_id":true}}}
],
"configuration":{"root_module":{
 "resources":[{"address":"aws_cloudtrail.t","mode":"managed","type":"aws_cloudtrail","name":"t","expressions":{"kms_key_id":{"references":["module.kms[0].key_arn","module.kms[0]","module.kms"]}}}],
 "module_calls":{"kms":{"source":"./kms","count_expression":{"constant_value":1},"module":{
   "resources":[{"address":"aws_kms_key.this","mode":"managed","type":"aws_kms_key","name":"this"}],
   "outputs":{"key_arn":{"expression":{"references":["aws_kms_key.this.arn","aws_kms_key.this"]}}}}}}}}}"#,
        )
        .unwrap();
        kmslint::lint::with_plan_project(&plan, None, |p| {
            let modules: Vec<String> = p.modules.iter().map(|m| m.address.clone()).collect();
            assert_eq!(modules, ["", "module.kms[0]"]);
            edges(p)
        })
        .unwrap()
        .unwrap()
    };
    assert_eq!(
        found,
        vec![edge(
            "aws_cloudtrail.t",
            "kms_key_id",
            "module.kms[0].aws_kms_key.this",
            "\"module.kms[0].key_arn\""
        )]
    );
}
