//! `config-recorder-not-recording`: an AWS Config recorder that is created but never records.
//!
//! ## What it does
//! Reports an `aws_config_configuration_recorder` when no
//! `aws_config_configuration_recorder_status` with `is_enabled = true` names it, or when the
//! configuration has no `aws_config_delivery_channel` (domain.md §2.1: a recorder is created
//! stopped; recording needs an enabled status and a delivery channel). A status names a
//! recorder by reference (`name = aws_config_configuration_recorder.main.name`, through
//! locals, module inputs and outputs) or by an equal known name (the recorder's `name`
//! defaults to `"default"`).
//!
//! It is silent whenever the answer depends on something it cannot see: a status whose
//! `name` or `is_enabled` is unknown, a status or channel block whose `count`/`for_each` is
//! unknown, or a module call whose code was not read (it may hold the status or the channel).
//! Recorders and statuses in called modules count with every instance.
//!
//! ## Why is this bad?
//! A stopped recorder records nothing: AWS Config rules about KMS keys see no keys. CIS AWS
//! Foundations "Ensure AWS Config is enabled in all regions" (3.3 in v3–v5) audits
//! `recording: true`.
//!
//! ## Fix
//! A matched status written with the literal `is_enabled = false` gets `true` (safe).
//!
//! The full documentation is `rules/config-recorder-not-recording.md`.

use super::tri::Tri;
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::edits;
use crate::eval::ValueKind;
use crate::finding::{Finding, Fix, Severity};
use crate::project::ResourceId;

pub struct ConfigRecorderNotRecording;

pub static META: RuleMeta = RuleMeta {
    id: "config-recorder-not-recording",
    summary: "AWS Config recorder that never records (no enabled recorder status, or no delivery channel)",
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/config-recorder-not-recording.md"),
    resource_types: &["aws_config_configuration_recorder"],
    module_sources: &[],
    peer_ids: &[],
    // Like a recording group without KMS keys, but for every type: medium.
    security_severity: Some("4.0"),
    options: &[],
    cis: super::cis::CONFIG_ALL_REGIONS,
};

const RECORDER: &str = "aws_config_configuration_recorder";
const STATUS: &str = "aws_config_configuration_recorder_status";
const CHANNEL: &str = "aws_config_delivery_channel";
const ENABLED: &str = "is_enabled";

impl Rule for ConfigRecorderNotRecording {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        let recorders: Vec<ResourceId> = cx.resources(RECORDER).map(|(id, _)| id).collect();
        // A module whose code was not read may create the status or the channel.
        if recorders.is_empty() || cx.unfollowed_calls().next().is_some() {
            return;
        }
        let statuses: Vec<ResourceId> = cx.resources(STATUS).map(|(id, _)| id).collect();
        let channel = presence(cx, CHANNEL);
        for recorder in recorders {
            check_recorder(cx, recorder, &statuses, channel, out);
        }
    }
}

/// Whether a managed resource of this type exists (one whose repetition is unknown may not).
fn presence(cx: &RuleContext, type_name: &'static str) -> Tri {
    cx.resources(type_name).fold(Tri::No, |acc, (id, _)| {
        acc.or(if cx.resource(id).unknown_repetition {
            Tri::Unknown
        } else {
            Tri::Yes
        })
    })
}

/// A `name` as Terraform would send it: known, or unknown. `None` when not written.
enum Name {
    Known(String),
    Unknown,
}

fn name_of(cx: &RuleContext, id: ResourceId, default: Option<&str>) -> Option<Name> {
    let Some(value) = cx.node(id).value("name") else {
        return default.map(|d| Name::Known(d.to_string()));
    };
    Some(match value.kind {
        ValueKind::String(s) => Name::Known(s),
        ValueKind::Null => match default {
            Some(d) => Name::Known(d.to_string()),
            None => return None,
        },
        _ => Name::Unknown,
    })
}

/// Whether status `status` is for recorder `recorder`.
fn names_recorder(cx: &RuleContext, status: ResourceId, recorder: ResourceId) -> Tri {
    let by_name = |r: &&crate::project::Reference| r.from == status && r.attribute == "name";
    if cx.referrers(recorder).any(|r| by_name(&r)) {
        return Tri::Yes;
    }
    let recorder_name = name_of(cx, recorder, Some("default"));
    match (name_of(cx, status, None), recorder_name) {
        (Some(Name::Known(a)), Some(Name::Known(b))) => Tri::from(Some(a == b)),
        (None, _) => Tri::No, // no name: Terraform rejects the status
        _ => {
            // An unknown name that refers to another recorder is that recorder's.
            let other = cx.references_from(status).any(|r| {
                r.attribute == "name"
                    && r.to != recorder
                    && cx.resource(r.to).type_name() == RECORDER
            });
            if other {
                Tri::No
            } else {
                Tri::Unknown
            }
        }
    }
}

fn check_recorder(
    cx: &RuleContext,
    recorder: ResourceId,
    statuses: &[ResourceId],
    channel: Tri,
    out: &mut Vec<Finding>,
) {
    let r = cx.resource(recorder);
    let address = &r.reported_as;
    let mut recording = Tri::No;
    // Matched statuses known to be disabled, and statuses that name other recorders.
    let mut disabled = Vec::new();
    let mut others = Vec::new();
    for &status in statuses {
        let mut matched = names_recorder(cx, status, recorder);
        if matched == Tri::No {
            others.push(status);
            continue;
        }
        if cx.resource(status).unknown_repetition {
            matched = matched.and(Tri::Unknown);
        }
        let enabled = Tri::from(cx.node(status).bool(ENABLED));
        if matched == Tri::Yes && enabled == Tri::No {
            disabled.push(status);
        }
        recording = recording.or(matched.and(enabled));
    }
    let name = match name_of(cx, recorder, Some("default")) {
        Some(Name::Known(n)) => format!("{n:?}"),
        _ => "its name".to_string(),
    };
    let no_channel = channel == Tri::No;
    let channel_text = format!(
        "the configuration has no `{CHANNEL}`, and AWS starts no recorder without one; add one (an S3 bucket for the snapshots)"
    );
    if recording == Tri::No {
        if let Some(&status) = disabled.first() {
            out.push(disabled_status(cx, recorder, status));
            if !no_channel {
                return;
            }
        } else {
            let mut message = format!(
                "Config recorder `{address}` never records: no `{STATUS}` with `name = {name}` and `{ENABLED} = true`; add one (`name = {}.name`)",
                r.resource.address()
            );
            if no_channel {
                message.push_str(&format!("; also, {channel_text}"));
            }
            let mut finding = cx.report(
                recorder,
                &r.resource.file,
                r.block().header_span.clone(),
                message,
            );
            for &other in &others {
                let s = cx.written(other);
                if let Some(attr) = s.attribute("name") {
                    finding = finding.related(
                        s.file_of("name"),
                        attr.span.clone(),
                        "this status names another recorder",
                    );
                }
            }
            finding.push(out);
            return;
        }
    }
    if no_channel {
        cx.report(
            recorder,
            &r.resource.file,
            r.block().header_span.clone(),
            format!("Config recorder `{address}` cannot record: {channel_text}"),
        )
        .push(out);
    }
}

/// A status that names the recorder but has `is_enabled` false.
fn disabled_status(cx: &RuleContext, recorder: ResourceId, status: ResourceId) -> Finding {
    let s = cx.resource(status);
    let node = cx.node(status);
    let file = s.file_of(ENABLED);
    let recorder_address = &cx.resource(recorder).reported_as;
    let head = format!(
        "Config recorder `{recorder_address}` never records: `{ENABLED}` of its status `{}`",
        s.reported_as
    );
    let Some(attr) = node.attribute(ENABLED) else {
        // Known false, so written; a header finding keeps this total.
        return cx
            .report(
                status,
                &s.resource.file,
                s.block().header_span.clone(),
                format!("{head} is false; set it to true"),
            )
            .build();
    };
    let value = node.eval(&attr.expr);
    let finding = |message: String| {
        cx.report(status, file, attr.span.clone(), message)
            .attribute(ENABLED)
            .corrected_value("true")
    };
    let r = cx.written(recorder);
    let related = (r.file.clone(), r.block.header_span.clone());
    if let Some(origin) = &value.origin {
        let message = if value.derived {
            format!(
                "{head} evaluates to false, computed from {}; change that value or the expression so it is true",
                origin.describe()
            )
        } else {
            format!(
                "{head} is false because of {}; set it to true there",
                origin.describe()
            )
        };
        return finding(message)
            .related(&origin.file, origin.span.clone(), "the value is set here")
            .related(&related.0, related.1, "the recorder")
            .build();
    }
    if attr.expr.is_literal() {
        return finding(format!("{head} is false; set it to true"))
            .fix(Some(Fix::safe(
                format!("Set `{ENABLED} = true`"),
                edits::replace_expr(file, &attr.expr, "true"),
            )))
            .related(&related.0, related.1, "the recorder")
            .build();
    }
    finding(format!(
        "{head} evaluates to false; change the expression so it is true"
    ))
    .related(&related.0, related.1, "the recorder")
    .build()
}
