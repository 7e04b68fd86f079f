//! `kms-key-disabled-in-use`: a disabled KMS key that other resources encrypt with.
//!
//! ## What it does
//! Reports a KMS key (`aws_kms_key`, `aws_kms_replica_key`, `aws_kms_external_key`,
//! `aws_kms_replica_external_key`) whose `is_enabled` / `enabled` evaluates to false while
//! another resource passes it in a key argument (see [`consumes_key`]: `kms_key_id`,
//! `kms_master_key_id`, `kms_key_arn`, …), directly, through an `aws_kms_alias` whose
//! `target_key_id` is the key, or through locals, module inputs and outputs (the reference
//! index follows those). The finding is at the `is_enabled` line; every use is a related
//! location at the reference. AWS KMS refuses every cryptographic operation with a disabled
//! key, so those resources fail to encrypt or decrypt.
//!
//! Unknown `is_enabled` is silent; a disabled key nothing uses is silent.
//!
//! The full documentation is `rules/kms-key-disabled-in-use.md`.

use super::kms_key::{key_users, KEY_TYPES};
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Severity};

pub struct KmsKeyDisabledInUse;

pub static META: RuleMeta = RuleMeta {
    id: "kms-key-disabled-in-use",
    summary: "Disabled KMS key still used by other resources",
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/kms-key-disabled-in-use.md"),
    resource_types: KEY_TYPES,
    module_sources: &[],
    peer_ids: &[],
    // An outage of whatever encrypts with it, not an exposure.
    security_severity: Some("4.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[],
};

impl Rule for KmsKeyDisabledInUse {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for type_name in KEY_TYPES {
            for (id, key) in cx.resources(type_name) {
                let node = cx.node(id);
                let Some(name) = ["is_enabled", "enabled"]
                    .into_iter()
                    .find(|n| node.bool(n) == Some(false))
                else {
                    continue;
                };
                let uses = key_users(cx, id);
                let Some(first) = uses.first() else {
                    continue; // nothing uses it: disabling an unused key is fine
                };
                let Some(attr) = node.attribute(name) else {
                    continue;
                };
                let value = node.eval(&attr.expr);
                let others = match uses.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                let because = match &value.origin {
                    Some(o) => format!(" because of {}", o.describe()),
                    None => String::new(),
                };
                let message = format!(
                    "KMS key `{}` is disabled (`{name}` is false{because}) but `{}` uses it{others}: AWS KMS refuses every encrypt and decrypt with a disabled key, so they fail; enable the key (`{name} = true`) or point them at another key",
                    key.reported_as, first.user
                );
                let mut finding = cx
                    .report(id, key.file_of(name), attr.span.clone(), message)
                    .attribute(name);
                if let Some(o) = &value.origin {
                    finding = finding.related(&o.file, o.span.clone(), "the value is set here");
                }
                finding
                    .related_all(uses.into_iter().map(|u| u.related))
                    .push(out);
            }
        }
    }
}
