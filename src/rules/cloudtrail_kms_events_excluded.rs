//! `cloudtrail-kms-events-excluded`: a CloudTrail trail that would not record the KMS calls
//! that disable a key or schedule its deletion.
//!
//! ## What it does
//! Reports an `aws_cloudtrail` with `enable_logging = false`, or whose event selectors keep
//! neither `DisableKey` nor `ScheduleKeyDeletion` (or one of them): every basic
//! `event_selector` drops management events (`include_management_events = false`), write
//! events (`read_write_type = "ReadOnly"`) or KMS (`kms.amazonaws.com` in
//! `exclude_management_event_sources`); or no `advanced_event_selector` keeps the Management
//! category with write events from KMS (`readOnly` equal to true, `eventSource` `not_equals` /
//! `not_starts_with` kms.amazonaws.com, an `eventName` list without the event, data events
//! only). The logic is `super::cloudtrail`.
//!
//! ## Why is this bad?
//! Without these events nobody can see, or alarm on, a key being disabled or scheduled for
//! deletion (CIS AWS Foundations 4.7, 5.7 in v6+), and CIS "CloudTrail is enabled in all
//! regions" asks for every management event, read and write.
//!
//! ## Fix
//! A literal `kms.amazonaws.com` in `exclude_management_event_sources` or in an advanced
//! selector's `not_equals` / `not_starts_with` list is removed; when it is the only value of a
//! `not_*` list (which must not be empty) the field selector is removed. Safe.
//!
//! The full documentation is `rules/cloudtrail-kms-events-excluded.md`.

use super::cloudtrail::{capture, Reason, EVENTS};
use super::tri::Tri;
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::finding::{Finding, Related, Severity};

pub struct CloudtrailKmsEventsExcluded;

pub static META: RuleMeta = RuleMeta {
    id: "cloudtrail-kms-events-excluded",
    summary: "CloudTrail trail that does not record KMS DisableKey / ScheduleKeyDeletion",
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/cloudtrail-kms-events-excluded.md"),
    resource_types: &["aws_cloudtrail"],
    module_sources: &[],
    peer_ids: &[],
    // Key destruction goes unseen: above a recording gap in Config, below a key that does
    // not rotate.
    security_severity: Some("5.0"),
    options: &[],
    // Narrowed to the KMS events: the recommendation asks for every management event.
    cis: super::cis::CLOUDTRAIL_ALL_REGIONS,
};

impl Rule for CloudtrailKmsEventsExcluded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for (id, trail) in cx.resources("aws_cloudtrail") {
            let Some(capture) = capture(cx, id) else {
                continue;
            };
            let address = &trail.reported_as;
            if let Some(off) = &capture.logging_off {
                report(
                    cx,
                    id,
                    off,
                    format!(
                        "CloudTrail trail `{address}` does not record KMS key changes: {}; {}",
                        off.what, off.advice
                    ),
                    Vec::new(),
                )
                .push(out);
                continue;
            }
            let missing: Vec<usize> = (0..2).filter(|&e| capture.events[e] == Tri::No).collect();
            if missing.is_empty() {
                continue;
            }
            let relevant = |reasons: &[Reason]| -> Vec<Reason> {
                reasons
                    .iter()
                    .filter(|r| missing.iter().any(|&e| r.drops[e]))
                    .cloned()
                    .collect()
            };
            let selectors: Vec<Vec<Reason>> = capture
                .selectors
                .iter()
                .map(|s| relevant(s))
                .filter(|s| !s.is_empty())
                .collect();
            // A selector whose only reason can be fixed: fixing it makes the trail record.
            let fixable = selectors
                .iter()
                .position(|s| s.len() == 1 && s[0].fix.is_some());
            let Some(at) = fixable.or((!selectors.is_empty()).then_some(0)) else {
                continue;
            };
            let primary = &selectors[at][0];
            let events: Vec<&str> = missing.iter().map(|&e| EVENTS[e]).collect();
            let others: Vec<Related> = selectors
                .iter()
                .enumerate()
                .flat_map(|(i, s)| {
                    s.iter()
                        .enumerate()
                        .filter(move |(j, _)| !(i == at && *j == 0))
                        .map(|(_, r)| Related {
                            file: r.file.clone(),
                            span: r.span.clone(),
                            message: format!("also: {}", r.what),
                        })
                })
                .collect();
            let also = if selectors.len() > 1 {
                " (no other event selector keeps them either)"
            } else {
                ""
            };
            let message = format!(
                "CloudTrail trail `{address}` does not record KMS {}: {}; {}{also}",
                events.join(" or "),
                primary.what,
                primary.advice
            );
            let fix = if selectors[at].len() == 1 {
                primary.fix.clone()
            } else {
                None
            };
            report(cx, id, primary, message, others).fix(fix).push(out);
        }
    }
}

fn report(
    cx: &RuleContext,
    id: crate::project::ResourceId,
    reason: &Reason,
    message: String,
    others: Vec<Related>,
) -> super::FindingBuilder {
    cx.report(id, &reason.file, reason.span.clone(), message)
        .attribute(reason.attribute.clone())
        .related_all(reason.related.clone())
        .related_all(others)
}
