//! `unused-suppression`: a kmslint suppression comment that silences nothing (reported with
//! `--report-unused-ignores`). Reported by the suppression pass (`crate::policy::suppress`);
//! this file holds the rule's facts.

use super::{FixAvailability, RuleMeta};
use crate::finding::Severity;

pub static META: RuleMeta = RuleMeta {
    id: "unused-suppression",
    summary: "A kmslint suppression comment that silences nothing (--report-unused-ignores)",
    severity: Severity::Warning,
    // Off unless `--report-unused-ignores` (or `enabled = true` in `.kmslint.toml`).
    default_enabled: false,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/unused-suppression.md"),
    resource_types: &[],
    module_sources: &[],
    peer_ids: &[],
    // Low: a suppression that does not work, or silences nothing, hides no finding today,
    // but the first is not what its author meant and the second would silence a future one
    // unseen.
    security_severity: Some("2.0"),
    options: &[],
    cis: &[],
};
