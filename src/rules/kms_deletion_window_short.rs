//! `kms-deletion-window-short`: a KMS key whose deletion waiting period is shorter than the
//! configured minimum.
//!
//! ## What it does
//! Reports `deletion_window_in_days` below the option `minimum_days` (default 30, what AWS
//! uses when the argument is not set) on `aws_kms_key`, `aws_kms_replica_key`,
//! `aws_kms_external_key` and `aws_kms_replica_external_key`, and on calls of the two known
//! registry modules that were not downloaded (`cloudposse/kms-key/aws` defaults to 10 days).
//! The window is the time left to notice and cancel an accidental `ScheduleKeyDeletion`
//! before the key material, and everything encrypted under it, is gone.
//!
//! ## Fix
//! A literal (or a module that relies on its default) gets `minimum_days`, as an unsafe fix:
//! an explicit window is often a deliberate choice (short-lived test keys), so `--fix` does
//! not overwrite it; editors offer it.
//!
//! The full documentation is `rules/kms-deletion-window-short.md`.

use super::kms_key::{
    integer_setting, known_module, module_key, DELETION_WINDOW_MAX, DELETION_WINDOW_MIN, KEY_TYPES,
    KNOWN_MODULE_SOURCES,
};
use super::{FixAvailability, OptionKind, Rule, RuleContext, RuleMeta, RuleOption};
use crate::edits;
use crate::eval::format_number;
use crate::finding::{Finding, Fix, Severity};

pub struct KmsDeletionWindowShort;

pub static META: RuleMeta = RuleMeta {
    id: "kms-deletion-window-short",
    summary: "KMS key deletion waiting period shorter than the minimum",
    severity: Severity::Note,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/kms-deletion-window-short.md"),
    resource_types: KEY_TYPES,
    module_sources: KNOWN_MODULE_SOURCES,
    peer_ids: &[],
    // Less time to recover from a mistake; no exposure by itself.
    security_severity: Some("2.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[RuleOption {
        name: "minimum_days",
        doc: "The shortest deletion waiting period accepted without a note (days, 7 to 30). The default, 30, is what AWS uses when `deletion_window_in_days` is not set.",
        kind: OptionKind::Integer {
            default: DELETION_WINDOW_MAX,
            min: DELETION_WINDOW_MIN,
            max: DELETION_WINDOW_MAX,
        },
    }],
};

const ATTR: &str = "deletion_window_in_days";

impl Rule for KmsDeletionWindowShort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        let minimum = cx.integer_option("minimum_days");
        for type_name in KEY_TYPES {
            for (id, key) in cx.resources(type_name) {
                let node = cx.node(id);
                let Some(attr) = node.attribute(ATTR) else {
                    continue; // AWS uses 30
                };
                let Ok(Some((days, value))) = integer_setting(&node, ATTR) else {
                    continue;
                };
                if days >= minimum as f64 {
                    continue;
                }
                let file = key.file_of(ATTR);
                let shown = format_number(days);
                let lead = format!(
                    "KMS key `{}` can be deleted {shown} days after `ScheduleKeyDeletion`, less than the {minimum} days allowed (option `minimum_days`), which leaves little time to notice and cancel a mistaken deletion",
                    key.reported_as
                );
                let finding = cx
                    .report(id, file, attr.span.clone(), String::new())
                    .attribute(ATTR);
                let finding = match &value.origin {
                    Some(origin) => finding
                        .related(&origin.file, origin.span.clone(), "the value is set here")
                        .message(format!(
                            "{lead}; the value comes from {}: set it to {minimum} there",
                            origin.describe()
                        ))
                        .build(),
                    None if attr.expr.is_literal() => finding
                        .fix(Some(Fix::unsafe_fix(
                            format!("Set `{ATTR} = {minimum}`"),
                            edits::replace_expr(file, &attr.expr, &minimum.to_string()),
                        )))
                        .message(format!("{lead}; set `{ATTR} = {minimum}`"))
                        .build(),
                    None => finding
                        .message(format!(
                            "{lead}; change the expression so it is at least {minimum}"
                        ))
                        .build(),
                };
                out.push(finding);
            }
        }
        for (id, call) in cx.unfollowed_calls() {
            let Some(known) = call.call.source().and_then(known_module) else {
                continue;
            };
            let node = cx.call_node(id);
            if module_key(known, &node).is_none() {
                continue;
            }
            let block_address = call
                .address
                .strip_suffix(call.key.as_deref().unwrap_or(""))
                .unwrap_or(&call.address);
            let what = format!("module `{block_address}` ({})", known.source);
            let tail = format!("less than the {minimum} days allowed (option `minimum_days`), which leaves little time to notice and cancel a mistaken deletion");
            let file = call.call.file_of(ATTR);
            let Some(attr) = node.attribute(ATTR) else {
                let Some(days) = known.deletion_window_default.filter(|d| *d < minimum) else {
                    continue;
                };
                let fix = Fix::unsafe_fix(
                    format!("Add `{ATTR} = {minimum}`"),
                    edits::insert_attribute(file, &call.call.block, ATTR, &minimum.to_string()),
                );
                cx.report_call(
                    id,
                    file,
                    call.call.block.header_span.clone(),
                    format!(
                        "{what} creates a KMS key that can be deleted {days} days after `ScheduleKeyDeletion` (the module's default `{ATTR}`), {tail}; add `{ATTR} = {minimum}`"
                    ),
                )
                .fix(Some(fix))
                .push(out);
                continue;
            };
            let Ok(Some((days, value))) = integer_setting(&node, ATTR) else {
                continue;
            };
            if days >= minimum as f64 {
                continue;
            }
            let shown = format_number(days);
            let lead = format!(
                "{what} creates a KMS key that can be deleted {shown} days after `ScheduleKeyDeletion`, {tail}"
            );
            let finding = cx
                .report_call(id, file, attr.span.clone(), String::new())
                .attribute(ATTR);
            let finding = match &value.origin {
                Some(origin) => finding
                    .related(&origin.file, origin.span.clone(), "the value is set here")
                    .message(format!(
                        "{lead}; the value comes from {}: set it to {minimum} there",
                        origin.describe()
                    ))
                    .build(),
                None if attr.expr.is_literal() => finding
                    .fix(Some(Fix::unsafe_fix(
                        format!("Set `{ATTR} = {minimum}`"),
                        edits::replace_expr(file, &attr.expr, &minimum.to_string()),
                    )))
                    .message(format!("{lead}; set `{ATTR} = {minimum}`"))
                    .build(),
                None => finding
                    .message(format!(
                        "{lead}; change the expression so it is at least {minimum}"
                    ))
                    .build(),
            };
            out.push(finding);
        }
    }
}
