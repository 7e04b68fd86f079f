//! The rules. One file per rule: its facts ([`RuleMeta`]), its documentation (`rules/<id>.md`,
//! embedded), its logic and its fix.
//!
//! A rule is a small function over the [`Project`](crate::project::Project), reached through
//! a [`RuleContext`]: resources of a type, the evaluated value of an attribute for each
//! instance, who references a resource, and a finding builder. Rules never walk files and
//! never know output formats; only the pipeline ([`crate::lint`]) runs them, once per
//! project. Rules must not report on unknown values: a value that depends on an input
//! kmslint cannot see is "unknown", never "false".
//!
//! Adding a rule: a file here with a `pub static META: RuleMeta` and a `Rule` impl, its line
//! in [`RULES`], its doc in `rules/<id>.md`, and its cases in `fixtures/rules/<id>/`.

pub mod cis;
mod cis_cmk_change_alarm_missing;
mod cloudtrail;
mod cloudtrail_kms_events_excluded;
mod cloudwatch_cmk_filter_incomplete;
mod config_recorder_kms_excluded;
mod config_recorder_not_recording;
mod context;
pub mod invalid_suppression;
mod kms_deletion_window_short;
mod kms_filter;
mod kms_imported_key_rotation;
mod kms_key;
mod kms_key_deletion_planned;
mod kms_key_disable_planned;
mod kms_key_disabled_in_use;
mod kms_key_rotation_disabled;
mod kms_rotation_period_invalid;
mod kms_rotation_unsupported;
mod tri;
pub mod unused_suppression;

use std::collections::BTreeMap;

use crate::finding::{Finding, Severity};

pub use context::{FindingBuilder, RuleContext};

/// Every rule the pipeline runs, in id order.
pub static RULES: &[&dyn Rule] = &[
    &cis_cmk_change_alarm_missing::CisCmkChangeAlarmMissing,
    &cloudtrail_kms_events_excluded::CloudtrailKmsEventsExcluded,
    &cloudwatch_cmk_filter_incomplete::CloudwatchCmkFilterIncomplete,
    &config_recorder_kms_excluded::ConfigRecorderKmsExcluded,
    &config_recorder_not_recording::ConfigRecorderNotRecording,
    &kms_deletion_window_short::KmsDeletionWindowShort,
    &kms_imported_key_rotation::KmsImportedKeyRotation,
    &kms_key_deletion_planned::KmsKeyDeletionPlanned,
    &kms_key_disable_planned::KmsKeyDisablePlanned,
    &kms_key_disabled_in_use::KmsKeyDisabledInUse,
    &kms_key_rotation_disabled::KmsKeyRotationDisabled,
    &kms_rotation_period_invalid::KmsRotationPeriodInvalid,
    &kms_rotation_unsupported::KmsRotationUnsupported,
];

/// Rules whose findings come from the policy pass (suppression comments), not from the
/// model: they have facts and docs like the others but no [`Rule::check`].
pub static META_RULES: &[&RuleMeta] = &[&invalid_suppression::META, &unused_suppression::META];

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    /// Reports the rule's findings on one project.
    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>);
}

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    Never,
    Sometimes,
    Always,
}

impl FixAvailability {
    pub fn as_str(self) -> &'static str {
        match self {
            FixAvailability::Never => "no",
            FixAvailability::Sometimes => "some",
            FixAvailability::Always => "yes",
        }
    }
}

/// A peer tool's id for the same check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerId {
    pub tool: Peer,
    pub id: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    Checkov,
    Tfsec,
    Trivy,
}

impl Peer {
    pub fn as_str(self) -> &'static str {
        match self {
            Peer::Checkov => "checkov",
            Peer::Tfsec => "tfsec",
            Peer::Trivy => "trivy",
        }
    }
}

/// Static facts about a rule; the finding builder stamps id and severity onto its findings.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable, kebab-case id; never reused.
    pub id: &'static str,
    pub summary: &'static str,
    /// Default severity (configuration may change it).
    pub severity: Severity,
    /// Whether the rule runs without being turned on.
    pub default_enabled: bool,
    pub fix: FixAvailability,
    /// The Markdown doc from `rules/<id>.md`, embedded at build time.
    pub doc: &'static str,
    /// Resource types the rule reads. A directory walk evaluates only modules that mention
    /// one of these, or one of [`RuleMeta::module_sources`] (a byte search).
    pub resource_types: &'static [&'static str],
    /// Registry module sources the rule understands without their code.
    pub module_sources: &'static [&'static str],
    /// The same check in checkov, tfsec and trivy: their suppression comments silence this
    /// rule, and `--select`/`--ignore`/`explain` accept these ids.
    pub peer_ids: &'static [PeerId],
    /// GitHub code scanning's `security-severity` (`"0.1"`..`"10.0"`), or `None` for a rule
    /// that reports problems with kmslint's own input rather than security findings.
    pub security_severity: Option<&'static str>,
    /// Options accepted in `[rules.<id>.options]`.
    pub options: &'static [RuleOption],
    /// The CIS AWS Foundations Benchmark recommendations the rule checks (all or part of),
    /// per benchmark version; `--profile cis` turns on every rule with one, at
    /// [`RuleMeta::cis_severity`].
    pub cis: &'static [CisRef],
}

impl RuleMeta {
    /// The severity under `--profile cis`: `error` when the newest benchmark version that
    /// has the recommendation assesses it as Automated (a pass/fail control), `warning` when
    /// Manual; `None` for a rule CIS does not ask for.
    pub fn cis_severity(&self) -> Option<Severity> {
        let newest = self
            .cis
            .iter()
            .flat_map(|r| r.versions.iter().map(move |v| (version_key(v), r)))
            .max_by_key(|(key, _)| *key)?;
        Some(match newest.1.assessment {
            CisAssessment::Automated => Severity::Error,
            CisAssessment::Manual => Severity::Warning,
        })
    }
}

/// `"1.4.0"` → `(1, 4, 0)`; parts that are not numbers count as 0.
fn version_key(version: &str) -> (u32, u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

/// One CIS AWS Foundations Benchmark recommendation, with the versions that give it this
/// number and assessment status (domain.md §4.1).
#[derive(Debug)]
pub struct CisRef {
    /// The recommendation's number in these versions, e.g. `"4.7"`.
    pub number: &'static str,
    /// Benchmark versions, e.g. `["1.4.0", "1.5.0", "2.0.0"]`.
    pub versions: &'static [&'static str],
    pub assessment: CisAssessment,
}

/// How CIS assesses a recommendation ("Scored" in v1.2.0 is `Automated`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CisAssessment {
    Automated,
    Manual,
}

impl CisAssessment {
    pub fn as_str(self) -> &'static str {
        match self {
            CisAssessment::Automated => "Automated",
            CisAssessment::Manual => "Manual",
        }
    }
}

/// A typed rule option with its default.
#[derive(Debug)]
pub struct RuleOption {
    pub name: &'static str,
    pub doc: &'static str,
    pub kind: OptionKind,
}

#[derive(Debug, Clone, Copy)]
pub enum OptionKind {
    /// An integer within `min..=max`.
    Integer {
        default: i64,
        min: i64,
        max: i64,
    },
    Bool {
        default: bool,
    },
}

impl OptionKind {
    pub fn describe(&self) -> String {
        match self {
            OptionKind::Integer { min, max, .. } => format!("an integer from {min} to {max}"),
            OptionKind::Bool { .. } => "true or false".to_string(),
        }
    }

    fn default_value(&self) -> OptionValue {
        match self {
            OptionKind::Integer { default, .. } => OptionValue::Integer(*default),
            OptionKind::Bool { default } => OptionValue::Bool(*default),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionValue {
    Integer(i64),
    Bool(bool),
}

impl RuleOption {
    /// Validates a configured value against the option's type and bounds.
    pub fn validate(&self, value: OptionValue) -> Result<OptionValue, String> {
        match (self.kind, value) {
            (OptionKind::Integer { min, max, .. }, OptionValue::Integer(n))
                if (min..=max).contains(&n) =>
            {
                Ok(value)
            }
            (OptionKind::Bool { .. }, OptionValue::Bool(_)) => Ok(value),
            (kind, _) => Err(format!(
                "option `{}` must be {}",
                self.name,
                kind.describe()
            )),
        }
    }
}

/// Configured option values (validated); a rule reads its options through
/// [`RuleContext::integer_option`] and gets the default when nothing is configured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleOptions {
    values: BTreeMap<(&'static str, &'static str), OptionValue>,
}

impl RuleOptions {
    pub fn set(&mut self, rule: &'static str, option: &'static str, value: OptionValue) {
        self.values.insert((rule, option), value);
    }

    /// The value of an option of `meta`: configured, else its default.
    pub fn get(&self, meta: &RuleMeta, option: &str) -> Option<OptionValue> {
        let declared = meta.options.iter().find(|o| o.name == option)?;
        Some(
            self.values
                .get(&(meta.id, declared.name))
                .copied()
                .unwrap_or_else(|| declared.kind.default_value()),
        )
    }
}

/// Every rule's facts: the checking rules, then the meta rules, in id order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = RULES
        .iter()
        .map(|r| r.meta())
        .chain(META_RULES.iter().copied())
        .collect();
    metas.sort_by_key(|m| m.id);
    metas.into_iter()
}

/// The rule with this id.
pub fn find(id: &str) -> Option<&'static RuleMeta> {
    all().find(|m| m.id == id)
}

/// True for the rules whose findings come from the policy pass.
pub fn is_meta_rule(id: &str) -> bool {
    META_RULES.iter().any(|m| m.id == id)
}

/// Rules that have a peer id (any tool, compared without regard to case) equal to `id`.
pub fn with_peer_id(id: &str, tools: &[Peer]) -> Vec<&'static RuleMeta> {
    all()
        .filter(|m| {
            m.peer_ids
                .iter()
                .any(|p| tools.contains(&p.tool) && p.id.eq_ignore_ascii_case(id))
        })
        .collect()
}

/// The rules an id names on the command line (`--select`, `--ignore`, `explain`): a rule id
/// names itself; a peer's id (checkov `CKV_AWS_7`, trivy `AVD-AWS-0065`, tfsec
/// `aws-kms-auto-rotate-keys`, compared without regard to case) names the rules that declare
/// it. Empty for an unknown id.
pub fn for_id(id: &str) -> Vec<&'static RuleMeta> {
    match find(id) {
        Some(meta) => vec![meta],
        None => with_peer_id(id, &[Peer::Checkov, Peer::Tfsec, Peer::Trivy]),
    }
}

/// Strings a byte search looks for to decide whether a module can matter to any rule.
pub fn prefilter_needles() -> Vec<&'static str> {
    let mut needles: Vec<&'static str> = RULES
        .iter()
        .flat_map(|r| {
            let m = r.meta();
            m.resource_types.iter().chain(m.module_sources).copied()
        })
        .collect();
    needles.sort_unstable();
    needles.dedup();
    needles
}
