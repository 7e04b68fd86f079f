//! `kms-key-disable-planned`: a plan that disables a KMS key something uses.
//!
//! ## What it does
//! Plan input only. Reports a KMS key whose planned change turns `is_enabled` (`enabled` on
//! the other key types) from true to false while the key is in use: a resource of the
//! configuration passes it in a key argument (directly or through an alias, see
//! [`key_users`]), or a resource that stays is recorded in the prior state as depending on
//! it (`depends_on`, or its values hold the key's ARN or id). Once applied, AWS KMS refuses
//! every encrypt and decrypt with the key. Shown at the `is_enabled` line of the `.tf` file
//! when the configuration is on disk. Disabling a key nothing uses is silent.
//!
//! The full documentation is `rules/kms-key-disable-planned.md`.

use super::kms_key::{key_users, DESCRIBES_KEY, KEY_TYPES};
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Related, Severity};

pub struct KmsKeyDisablePlanned;

pub static META: RuleMeta = RuleMeta {
    id: "kms-key-disable-planned",
    summary: "Plan disables a KMS key that other resources use",
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/kms-key-disable-planned.md"),
    resource_types: KEY_TYPES,
    module_sources: &[],
    peer_ids: &[],
    // An outage of whatever encrypts with it once applied; reversible.
    security_severity: Some("5.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[],
};

impl Rule for KmsKeyDisablePlanned {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        let project = cx.project();
        let Some(plan_file) = project.plan_file() else {
            return;
        };
        for type_name in KEY_TYPES {
            for (id, key) in cx.resources(type_name) {
                let Some(change) = key.change.filter(|c| !c.replaces()) else {
                    continue;
                };
                let Some(before) = project.before_node(change) else {
                    continue;
                };
                let after = cx.node(id);
                let Some(name) = ["is_enabled", "enabled"]
                    .into_iter()
                    .find(|n| before.bool(n) == Some(true) && after.bool(n) == Some(false))
                else {
                    continue;
                };
                let Some(attr) = after.attribute(name) else {
                    continue;
                };
                let mut users: Vec<(String, Related)> = key_users(cx, id)
                    .into_iter()
                    .map(|u| (u.user, u.related))
                    .collect();
                for d in cx.state_dependents(change) {
                    if d.change.removes()
                        || DESCRIBES_KEY.contains(&d.change.type_name.as_str())
                        || users.iter().any(|(u, _)| *u == d.change.address)
                    {
                        continue;
                    }
                    let (span, how) = match &d.value_at {
                        Some((path, span)) => (
                            span.clone(),
                            format!("holds the key's ARN or id here (`{path}`)"),
                        ),
                        None => (
                            d.change.span.clone(),
                            "is recorded in the state as depending on the key".to_string(),
                        ),
                    };
                    let related = Related {
                        file: plan_file.clone(),
                        span,
                        message: format!("`{}` {how}", d.change.address),
                    };
                    users.push((d.change.address.clone(), related));
                }
                let Some((first, _)) = users.first() else {
                    continue;
                };
                let others = match users.len() {
                    1 => String::new(),
                    n => format!(" (and {} more)", n - 1),
                };
                let message = format!(
                    "The plan disables KMS key `{}` (`{name}` changes from true to false) while `{first}` uses it{others}: once applied, AWS KMS refuses every encrypt and decrypt with the key and they fail; keep `{name} = true`, or move them to another key first",
                    key.reported_as
                );
                cx.report(id, &key.resource.file, attr.span.clone(), message)
                    .attribute(name)
                    .related_all(users.into_iter().map(|(_, r)| r))
                    .push(out);
            }
        }
    }
}
