//! `kms-imported-key-rotation`: a key with imported key material, which AWS KMS never
//! rotates automatically.
//!
//! ## What it does
//! Reports every `aws_kms_external_key` and `aws_kms_replica_external_key` (and a
//! `terraform-aws-modules/kms/aws` call that was not downloaded with `create_external` or
//! `create_replica_external` true) at its block header, as a note: automatic rotation is not
//! available for imported material (domain.md §1.3, §1.4), so rotation is a manual process
//! the message describes — import new key material (`ImportType=NEW_KEY_MATERIAL`) and call
//! `RotateKeyOnDemand`, or create a new key and point the alias at it.
//!
//! No fix: nothing in Terraform turns it on.
//!
//! The full documentation is `rules/kms-imported-key-rotation.md`.

use super::kms_key::{known_module, module_key, ModuleKey, IMPORTED_KEY_TYPES};
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub struct KmsImportedKeyRotation;

pub static META: RuleMeta = RuleMeta {
    id: "kms-imported-key-rotation",
    summary: "KMS key with imported key material cannot rotate automatically",
    severity: Severity::Note,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/kms-imported-key-rotation.md"),
    resource_types: IMPORTED_KEY_TYPES,
    module_sources: &["terraform-aws-modules/kms/aws"],
    peer_ids: &[],
    // A process reminder, not a misconfiguration.
    security_severity: Some("1.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[],
};

const HOW: &str = "rotate it on demand (import new key material with `ImportType=NEW_KEY_MATERIAL`, then call `RotateKeyOnDemand`) on a schedule, or create a new key and point its alias at it";
const HOW_REPLICA: &str = "rotate it through its primary (import the same new key material into the primary and each replica with `ImportType=NEW_KEY_MATERIAL`, then call `RotateKeyOnDemand` on the primary), or create a new key and point its alias at it";

impl Rule for KmsImportedKeyRotation {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for type_name in IMPORTED_KEY_TYPES {
            for (id, key) in cx.resources(type_name) {
                let how = if *type_name == "aws_kms_replica_external_key" {
                    HOW_REPLICA
                } else {
                    HOW
                };
                let message = format!(
                    "KMS key `{}` holds imported key material, which AWS KMS cannot rotate automatically: {how}",
                    key.reported_as
                );
                cx.report(
                    id,
                    &key.resource.file,
                    key.block().header_span.clone(),
                    message,
                )
                .push(out);
            }
        }
        for (id, call) in cx.unfollowed_calls() {
            let Some(known) = call.call.source().and_then(known_module) else {
                continue;
            };
            let node = cx.call_node(id);
            let (flag, how) = match module_key(known, &node) {
                Some(ModuleKey::External) => ("create_external", HOW),
                Some(ModuleKey::ReplicaExternal) => ("create_replica_external", HOW_REPLICA),
                _ => continue,
            };
            let Some(attr) = node.attribute(flag) else {
                continue;
            };
            let block_address = call
                .address
                .strip_suffix(call.key.as_deref().unwrap_or(""))
                .unwrap_or(&call.address);
            let message = format!(
                "module `{block_address}` ({}) creates a KMS key with imported key material (`{flag} = true`), which AWS KMS cannot rotate automatically: {how}",
                known.source
            );
            cx.report_call(id, call.call.file_of(flag), attr.span.clone(), message)
                .attribute(flag)
                .push(out);
        }
    }
}
