//! `kms-rotation-period-invalid`: a `rotation_period_in_days` the provider rejects, that
//! does nothing, or that rotates less often than the configured maximum.
//!
//! ## What it does
//! Reads `rotation_period_in_days` of every `aws_kms_key` (and the input of the same name of
//! a `terraform-aws-modules/kms/aws` call that was not downloaded) and reports, in this
//! order, one finding per key:
//! - outside 90–2560 or not a whole number (error: the provider rejects it at plan);
//! - set while the `enable_key_rotation` argument is not written (error: Terraform says
//!   "Missing required argument", the argument is `RequiredWith`);
//! - set while `enable_key_rotation` is false (warning: the provider only sends the period
//!   with `EnableKeyRotation`, so it does nothing);
//! - above the option `maximum_days` (default 365, the yearly cadence CIS assumes) on a key
//!   that rotates (warning).
//!
//! Unknown values are silent. No fix: the right period is a decision.
//!
//! The full documentation is `rules/kms-rotation-period-invalid.md`.

use super::kms_key::{
    integer_setting, known_module, module_key, rotation_eligibility, Eligibility, ModuleKey,
    ROTATION_PERIOD_MAX, ROTATION_PERIOD_MIN,
};
use super::{FindingBuilder, FixAvailability, OptionKind, Rule, RuleContext, RuleMeta, RuleOption};
use crate::eval::{format_number, ValueKind};
use crate::finding::{Finding, Severity};
use crate::project::Node;
use crate::source::Span;

pub struct KmsRotationPeriodInvalid;

pub static META: RuleMeta = RuleMeta {
    id: "kms-rotation-period-invalid",
    summary: "KMS key rotation period the provider rejects, that does nothing, or longer than allowed",
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/kms-rotation-period-invalid.md"),
    resource_types: &["aws_kms_key"],
    module_sources: &["terraform-aws-modules/kms/aws"],
    peer_ids: &[],
    // A period that breaks the plan or silently does nothing: medium-low; a long period
    // widens the window leaked key material stays useful.
    security_severity: Some("3.5"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[RuleOption {
        name: "maximum_days",
        doc: "The longest rotation period accepted without a warning (days). The default, 365, is the yearly rotation CIS AWS Foundations assumes and AWS's own default period.",
        kind: OptionKind::Integer {
            default: 365,
            min: ROTATION_PERIOD_MIN,
            max: ROTATION_PERIOD_MAX,
        },
    }],
};

const PERIOD: &str = "rotation_period_in_days";
const ROTATION: &str = "enable_key_rotation";

impl Rule for KmsRotationPeriodInvalid {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        let maximum = cx.integer_option("maximum_days");
        for (id, key) in cx.resources("aws_kms_key") {
            let node = cx.node(id);
            let address = &key.reported_as;
            let subject = Subject {
                what: format!("KMS key `{address}`"),
                node: &node,
                // The argument must be written; the provider has no default to fall back on.
                rotation_default: None,
            };
            let file = key.file_of(PERIOD);
            if let Some(f) = check_period(&subject, maximum, &|span, message| {
                cx.report(id, file, span, message)
            }) {
                out.push(f);
            }
        }
        for (id, call) in cx.unfollowed_calls() {
            let Some(known) = call.call.source().and_then(known_module) else {
                continue;
            };
            let node = cx.call_node(id);
            if !known.passes_period_and_enabled || module_key(known, &node) != Some(ModuleKey::Key)
            {
                continue;
            }
            let block_address = call
                .address
                .strip_suffix(call.key.as_deref().unwrap_or(""))
                .unwrap_or(&call.address);
            let subject = Subject {
                what: format!("the KMS key of module `{block_address}` ({})", known.source),
                node: &node,
                rotation_default: Some(known.rotation_default),
            };
            let file = call.call.file_of(PERIOD);
            if let Some(f) = check_period(&subject, maximum, &|span, message| {
                cx.report_call(id, file, span, message)
            }) {
                out.push(f);
            }
        }
    }
}

/// A key, or a module call that creates one, with its attributes under the resource's
/// names.
struct Subject<'s, 'p, 'a> {
    what: String,
    node: &'s Node<'p, 'a>,
    /// `enable_key_rotation` when not written: `None` for the resource (the argument is then
    /// missing), the module's default for a call.
    rotation_default: Option<bool>,
}

fn check_period(
    subject: &Subject,
    maximum: i64,
    report: &dyn Fn(Span, String) -> FindingBuilder,
) -> Option<Finding> {
    let node = subject.node;
    let attr = node.attribute(PERIOD)?;
    let (days, value) = integer_setting(node, PERIOD).ok()??;
    let what = &subject.what;
    let shown = format_number(days);
    // Where the number comes from, for the message and a related location.
    let (from, related) = match &value.origin {
        Some(o) if !value.derived => (
            format!(" (from {})", o.describe()),
            Some((o.file.clone(), o.span.clone())),
        ),
        Some(o) => (
            format!(" (computed from {})", o.describe()),
            Some((o.file.clone(), o.span.clone())),
        ),
        None => (String::new(), None),
    };
    let there = if related.is_some() { " there" } else { "" };
    let finding = |message: String, severity: Severity| {
        let mut b = report(attr.span.clone(), message)
            .attribute(PERIOD)
            .severity(severity);
        if let Some((file, span)) = &related {
            b = b.related(file, span.clone(), "the value is set here");
        }
        b.build()
    };
    if days.fract() != 0.0
        || !(ROTATION_PERIOD_MIN as f64..=ROTATION_PERIOD_MAX as f64).contains(&days)
    {
        return Some(finding(
            format!(
                "{what} has `{PERIOD} = {shown}`{from}: the provider accepts only whole numbers from {ROTATION_PERIOD_MIN} to {ROTATION_PERIOD_MAX} days and rejects this value at plan; change it{there} to a value in that range"
            ),
            Severity::Error,
        ));
    }
    let rotation = match node.attribute(ROTATION) {
        Some(a) => {
            let v = node.eval(&a.expr);
            if matches!(v.kind, ValueKind::Null) {
                subject.rotation_default.map(Ok).unwrap_or(Err(()))
            } else {
                match v.to_bool() {
                    Ok(Some(b)) => Ok(b),
                    _ => return None, // unknown, or not a bool (Terraform rejects it)
                }
            }
        }
        None => subject.rotation_default.map(Ok).unwrap_or(Err(())),
    };
    let Ok(rotation) = rotation else {
        return Some(finding(
            format!(
                "{what} sets `{PERIOD}` without the `{ROTATION}` argument: Terraform rejects the configuration (\"Missing required argument\": `{PERIOD}` requires `{ROTATION}`); add `{ROTATION} = true`"
            ),
            Severity::Error,
        ));
    };
    if !rotation {
        return Some(finding(
            format!(
                "{what} sets `{PERIOD} = {shown}` but `{ROTATION}` is false, so the period does nothing: the key never rotates; set `{ROTATION} = true` or remove `{PERIOD}`"
            ),
            Severity::Warning,
        ));
    }
    if days > maximum as f64 && rotation_eligibility(node) == Eligibility::Eligible {
        return Some(finding(
            format!(
                "{what} rotates only every {shown} days{from}, less often than the {maximum} days allowed (option `maximum_days`); set `{PERIOD}`{there} to {maximum} or less"
            ),
            Severity::Warning,
        ));
    }
    None
}
