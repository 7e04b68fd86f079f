//! `kms-key-deletion-planned`: a plan that deletes or replaces a KMS key.
//!
//! ## What it does
//! Plan input only. Reports a KMS key whose planned change deletes it (`["delete"]`) or
//! replaces it (`["delete","create"]`, `["create","delete"]`): destroying a key schedules
//! the deletion of its key material, and when the waiting period ends everything encrypted
//! under it is unreadable.
//!
//! - Error when the key is in use: for a key that stays configured (a replacement), a
//!   resource of the configuration passes it in a key argument (directly or through an
//!   alias, see [`key_users`]); for every deletion, the prior state records a resource as
//!   depending on it ([`state_dependents`](crate::project::Project::state_dependents):
//!   `depends_on`, or its values hold the key's ARN or id). A dependent that is deleted in
//!   the same plan counts only when it was attached to a resource that stays (a bucket's
//!   encryption configuration removed while the bucket, and the objects encrypted under the
//!   key, remain); a whole stack destroyed together does not.
//! - Warning otherwise.
//!
//! A replacement is shown at the attribute that forces it (`replace_paths`), in the `.tf`
//! file when the configuration is on disk; a deleted key, which has no block any more, at
//! its address in the plan's `resource_changes`.
//!
//! The full documentation is `rules/kms-key-deletion-planned.md`.

use super::kms_key::{key_users, DESCRIBES_KEY, KEY_TYPES};
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Related, Severity};
use crate::paths::is_downloaded;
use crate::project::{PlanChange, ResourceId, StateDependent};
use crate::source::{FileRef, Span};

pub struct KmsKeyDeletionPlanned;

pub static META: RuleMeta = RuleMeta {
    id: "kms-key-deletion-planned",
    summary: "Plan deletes or replaces a KMS key (its key material is scheduled for deletion)",
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/kms-key-deletion-planned.md"),
    resource_types: KEY_TYPES,
    module_sources: &[],
    peer_ids: &[],
    // Irreversible loss of access to data once the waiting period ends.
    security_severity: Some("7.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[],
};

impl Rule for KmsKeyDeletionPlanned {
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
                let Some(change) = key.change.filter(|c| c.replaces()) else {
                    continue;
                };
                out.push(replacement(cx, plan_file, id, change));
            }
        }
        for change in project.removals().filter(|c| c.deletes()) {
            if !KEY_TYPES.contains(&change.type_name.as_str()) {
                continue;
            }
            let users = dependents_that_count(cx, plan_file, change);
            let why = match change.action_reason.as_deref() {
                Some("delete_because_no_resource_config") => {
                    " (its block is no longer in the configuration)".to_string()
                }
                Some("delete_because_no_module") => {
                    " (its module is no longer in the configuration)".to_string()
                }
                Some(reason) if reason.starts_with("delete_because_") => {
                    format!(" (`{reason}`)")
                }
                _ => String::new(),
            };
            let lead = format!(
                "The plan deletes KMS key `{}`{why}: AWS KMS schedules its key material for deletion, and when the waiting period ends everything encrypted under it is unreadable",
                change.address
            );
            let configured = cx
                .project()
                .removed_source(change)
                .filter(|s| !is_downloaded(&s.file.path));
            let keep = if configured.is_some() {
                // Still in the configuration: a destroy plan, or a `count`/`for_each` that no
                // longer has the instance.
                "keep the key out of the destroy (`lifecycle { prevent_destroy = true }`, or a `removed` block with `lifecycle { destroy = false }` to stop managing it without deleting it)"
            } else {
                "keep the resource block (or a `removed` block with `lifecycle { destroy = false }` to stop managing the key without deleting it)"
            };
            // A destroy plan (or a shrunk `count`) still has the block: show it there.
            let (file, span, block) = match configured {
                Some(source) => (
                    source.file.clone(),
                    source.block.header_span.clone(),
                    source.block.span.clone(),
                ),
                None => (
                    plan_file.clone(),
                    change
                        .before
                        .as_ref()
                        .map_or(change.span.clone(), |b| b.block.header_span.clone()),
                    change.span.clone(),
                ),
            };
            let (message, severity) = match users.first() {
                Some(first) => (
                    format!(
                        "{lead}; the state shows `{}` using it{}: {keep}, or move that data to another key first",
                        first.user,
                        more(users.len())
                    ),
                    Severity::Error,
                ),
                None => (
                    format!(
                        "{lead}; no resource that stays after this plan uses it, as far as the state shows, but data encrypted under it elsewhere (backups, application data) is lost too: {keep} if unsure"
                    ),
                    Severity::Warning,
                ),
            };
            cx.report_change(change, &file, span, block, message)
                .severity(severity)
                .related_all(users.into_iter().map(|u| u.related))
                .push(out);
        }
    }
}

fn more(n: usize) -> String {
    match n {
        0 | 1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    }
}

struct User {
    user: String,
    related: Related,
}

/// A replaced key: shown at the attribute that forces the replacement.
fn replacement(
    cx: &RuleContext,
    plan_file: &FileRef,
    id: ResourceId,
    change: &PlanChange,
) -> Finding {
    let key = cx.resource(id);
    let mut users: Vec<User> = key_users(cx, id)
        .into_iter()
        .map(|u| User {
            user: u.user,
            related: u.related,
        })
        .collect();
    for u in dependents_that_count(cx, plan_file, change) {
        if !users.iter().any(|known| known.user == u.user) {
            users.push(u);
        }
    }
    let forced: Vec<String> = change
        .replace_paths
        .iter()
        .map(|p| p.join("."))
        .filter(|p| !p.is_empty())
        .collect();
    let body = &key.block().body;
    let at = forced
        .iter()
        .find_map(|p| body.attribute_at(p).map(|a| (p.clone(), a.span.clone())));
    let because = match forced.as_slice() {
        [] => String::new(),
        [one] => format!(" because `{one}` changed, which forces a new key"),
        many => format!(
            " because {} changed, which force a new key",
            many.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let lead = format!(
        "The plan replaces KMS key `{}`{because}: the old key is scheduled for deletion, and when the waiting period ends everything encrypted under it is unreadable",
        key.reported_as
    );
    let undo = "keep the old value";
    let (message, severity) = match users.first() {
        Some(first) => (
            format!(
                "{lead}; `{}` uses it{}: {undo}, or create the new key next to the old one and move the data before removing the old key",
                first.user,
                more(users.len())
            ),
            Severity::Error,
        ),
        None => (
            format!("{lead}; nothing in the configuration uses it: {undo} unless the key holds no data you need"),
            Severity::Warning,
        ),
    };
    let (span, attribute): (Span, Option<String>) = match at {
        Some((path, span)) => (span, Some(path)),
        None => (key.block().header_span.clone(), None),
    };
    let file = &key.resource.file;
    let mut finding = cx.report(id, file, span, message).severity(severity);
    if let Some(path) = attribute {
        finding = finding.attribute(path);
    }
    finding
        .related_all(users.into_iter().map(|u| u.related))
        .build()
}

/// The state's dependents of a key's change that make its deletion lose data: a dependent
/// that stays, or one deleted in the same plan while something it depends on (other than
/// the key) stays.
fn dependents_that_count(cx: &RuleContext, plan_file: &FileRef, change: &PlanChange) -> Vec<User> {
    let project = cx.project();
    let key_address = change.config_address();
    cx.state_dependents(change)
        .into_iter()
        .filter(|d| !DESCRIBES_KEY.contains(&d.change.type_name.as_str()))
        .filter(|d| {
            !d.change.removes()
                || d.change
                    .depends_on
                    .iter()
                    .any(|a| *a != key_address && project.changes_at(a).any(|c| !c.removes()))
        })
        .map(|d| User {
            user: d.change.address.clone(),
            related: related_for(cx, plan_file, &d),
        })
        .collect()
}

/// Where a dependent is shown: its attribute in the configuration when it is still
/// configured there, else the value (or its entry) in the plan.
fn related_for(cx: &RuleContext, plan_file: &FileRef, d: &StateDependent) -> Related {
    let project = cx.project();
    let address = &d.change.address;
    if let Some((path, span)) = &d.value_at {
        let in_source = project
            .resource_of_change(d.change)
            .and_then(|r| project.resources[r].source)
            .and_then(|s| {
                let a = s.block.body.attribute_at(path)?;
                let first = path.split('.').next().unwrap_or(path);
                Some((s.file_of(first).clone(), a.span.clone()))
            });
        let (file, span) = in_source.unwrap_or((plan_file.clone(), span.clone()));
        let gone = if d.change.removes() {
            "; it is deleted too, but what it was attached to stays"
        } else {
            ""
        };
        return Related {
            file,
            span,
            message: format!("`{address}` holds the key's ARN or id here (`{path}`){gone}"),
        };
    }
    let span = d
        .change
        .before
        .as_ref()
        .map_or(d.change.span.clone(), |b| b.block.header_span.clone());
    let gone = if d.change.removes() {
        "; it is deleted too, but what it was attached to stays"
    } else {
        ""
    };
    Related {
        file: plan_file.clone(),
        span,
        message: format!("the state records `{address}` as depending on the key{gone}"),
    }
}
