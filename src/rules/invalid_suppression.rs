//! `invalid-suppression`: a kmslint suppression comment that cannot work (an unknown rule,
//! no rule, a bad expiry date, a misspelled directive). Reported by the suppression pass
//! (`crate::policy::suppress`), which reads comments; this file holds the rule's facts.

use super::{FixAvailability, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "invalid-suppression",
    summary: "A kmslint suppression comment that cannot work (unknown rule, bad date, typo)",
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/invalid-suppression.md"),
    resource_types: &[],
    module_sources: &[],
    peer_ids: &[],
    // Low: a suppression that does not work, or silences nothing, hides no finding today,
    // but the first is not what its author meant and the second would silence a future one
    // unseen.
    security_severity: Some("3.0"),
    options: &[],
    cis: &[],
};
