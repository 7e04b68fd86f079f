//! `config-recorder-kms-excluded`: an AWS Config recorder that does not record KMS keys.
//!
//! ## What it does
//! Reports an `aws_config_configuration_recorder` whose effective recording group leaves
//! out `AWS::KMS::Key` (domain.md §2.2): an inclusion list (`use_only =
//! "INCLUSION_BY_RESOURCE_TYPES"`, or `all_supported = false` without exclusions) that lacks
//! it — empty or absent included — or an `exclusion_by_resource_types` list that names it.
//! An omitted `recording_group`, `all_supported = true` and `ALL_SUPPORTED_RESOURCE_TYPES`
//! record every supported type and are fine.
//!
//! ## Why is this bad?
//! CIS AWS Foundations 3.3 ("AWS Config is enabled in all regions"), narrowed to KMS keys:
//! without the recording, AWS Config rules such as `cmk-backing-key-rotation-enabled` see
//! nothing.
//!
//! ## Fix
//! Append `"AWS::KMS::Key"` to a literal inclusion list, remove it from a literal exclusion
//! list, or add `resource_types = ["AWS::KMS::Key"]` where no list exists. All safe.
//!
//! The full documentation is `rules/config-recorder-kms-excluded.md`.

use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::edits;
use crate::eval::{Value, ValueKind};
use crate::finding::{Finding, Fix, Related, Severity};
use crate::project::{Node, ResourceId};
use crate::source::{FileRef, Span};
use crate::syntax::{Attribute, Block, ExprKind};

pub struct ConfigRecorderKmsExcluded;

pub static META: RuleMeta = RuleMeta {
    id: "config-recorder-kms-excluded",
    summary: "AWS Config recorder does not record AWS::KMS::Key",
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/config-recorder-kms-excluded.md"),
    resource_types: &["aws_config_configuration_recorder"],
    module_sources: &[],
    peer_ids: &[],
    // A recording gap hides key changes from AWS Config rules: medium, below the key
    // itself not rotating.
    security_severity: Some("4.0"),
    options: &[],
    // Narrowed to KMS keys: the recommendation asks for every supported type.
    cis: super::cis::CONFIG_ALL_REGIONS,
};

const KMS_TYPE: &str = "AWS::KMS::Key";
const KMS_ITEM: &str = "\"AWS::KMS::Key\"";

impl Rule for ConfigRecorderKmsExcluded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for (id, _) in cx.resources("aws_config_configuration_recorder") {
            check_recorder(cx, id, out);
        }
    }
}

/// How the recording group selects resource types.
enum Strategy {
    All,
    Inclusion,
    Exclusion,
}

fn check_recorder(cx: &RuleContext, id: ResourceId, out: &mut Vec<Finding>) {
    let recorder = cx.resource(id);
    let node = cx.node(id);
    // `dynamic` blocks are expanded; when their `for_each` is unknown, nothing can be said.
    let Some(groups) = node.blocks("recording_group") else {
        return;
    };
    let Some((group, group_node)) = groups.into_iter().next() else {
        return; // AWS default: all supported regional types, KMS keys included
    };
    let Some(strategies) = group_node.blocks("recording_strategy") else {
        return;
    };
    let use_only = strategies
        .first()
        .and_then(|(b, n)| b.body.attribute("use_only").map(|a| (a, n.eval(&a.expr))));
    let Some(exclusions) = group_node.blocks("exclusion_by_resource_types") else {
        return;
    };
    let all_supported = group.body.attribute("all_supported");
    let strategy = match &use_only {
        Some((_, value)) => match &value.kind {
            ValueKind::String(s) if s == "ALL_SUPPORTED_RESOURCE_TYPES" => Strategy::All,
            ValueKind::String(s) if s == "INCLUSION_BY_RESOURCE_TYPES" => Strategy::Inclusion,
            ValueKind::String(s) if s == "EXCLUSION_BY_RESOURCE_TYPES" => Strategy::Exclusion,
            _ => return, // unknown or invalid
        },
        None if !exclusions.is_empty() => Strategy::Exclusion,
        None => match all_supported.map(|a| group_node.eval(&a.expr)) {
            None => Strategy::All, // all_supported defaults to true
            Some(v) if matches!(v.kind, ValueKind::Null) => Strategy::All,
            Some(v) => match v.to_bool() {
                Ok(Some(true)) => Strategy::All,
                Ok(Some(false)) => Strategy::Inclusion,
                _ => return,
            },
        },
    };
    let use_only = use_only.map(|(a, _)| a);
    let file = recorder.resource.file_of_block("recording_group");
    let at = Place {
        cx,
        id,
        file,
        address: &recorder.reported_as,
    };
    match strategy {
        Strategy::All => {}
        Strategy::Inclusion => {
            let written = group.body.attribute("resource_types").is_some();
            let attribute = if written || selector_missing(all_supported, use_only) {
                "recording_group.resource_types"
            } else if all_supported.is_some() {
                "recording_group.all_supported"
            } else {
                "recording_group.recording_strategy.use_only"
            };
            if let Some(f) = check_inclusion(&at, group, &group_node, all_supported.or(use_only)) {
                out.push(f.attribute(attribute).build());
            }
        }
        Strategy::Exclusion => {
            for (exclusion, exclusion_node) in exclusions {
                if let Some(f) = check_exclusion(&at, exclusion, &exclusion_node) {
                    out.push(
                        f.attribute("recording_group.exclusion_by_resource_types.resource_types")
                            .build(),
                    );
                }
            }
        }
    }
}

/// Where this rule's findings about one recorder go.
struct Place<'c, 'p, 'a> {
    cx: &'c RuleContext<'p, 'a>,
    id: ResourceId,
    file: &'c FileRef,
    address: &'c str,
}

impl Place<'_, '_, '_> {
    fn report(&self, span: Span, message: String) -> super::FindingBuilder {
        self.cx.report(self.id, self.file, span, message)
    }
}

fn selector_missing(all_supported: Option<&Attribute>, use_only: Option<&Attribute>) -> bool {
    all_supported.is_none() && use_only.is_none()
}

fn related_origin(value: &Value) -> Vec<Related> {
    value
        .origin
        .iter()
        .map(|o| Related {
            file: o.file.clone(),
            span: o.span.clone(),
            message: "the value is set here".to_string(),
        })
        .collect()
}

fn check_inclusion(
    at: &Place,
    group: &Block,
    group_node: &Node,
    selector: Option<&Attribute>,
) -> Option<super::FindingBuilder> {
    let (address, file) = (at.address, at.file);
    let Some(types) = group.body.attribute("resource_types") else {
        let span = selector.map_or(group.header_span.clone(), |a| a.span.clone());
        let fix = Fix::safe(
            format!("Add `resource_types = [{KMS_ITEM}]`"),
            edits::insert_attribute(file, group, "resource_types", &format!("[{KMS_ITEM}]")),
        );
        return Some(
            at.report(
                span,
                format!(
                    "Config recorder `{address}` records only listed resource types and lists none, so KMS keys are not recorded; add `resource_types = [{KMS_ITEM}]` or record all supported types"
                ),
            )
            .fix(Some(fix)),
        );
    };
    let value = group_node.eval(&types.expr);
    let items = match &value.kind {
        ValueKind::List(items) => items.as_slice(),
        ValueKind::Null => &[],
        _ => return None, // unknown
    };
    if items
        .iter()
        .any(|i| matches!(&i.kind, ValueKind::String(s) if s == KMS_TYPE))
    {
        return None;
    }
    if items.iter().any(Value::has_unknown) {
        return None; // an unknown element might be AWS::KMS::Key
    }
    let literal_list = matches!(types.expr.kind, ExprKind::Array(_));
    let in_place =
        value.origin.is_none() && (literal_list || matches!(types.expr.kind, ExprKind::Null));
    let (message_tail, related, fix) = if in_place {
        let edits = if literal_list {
            edits::append_to_list(file, &types.expr, KMS_ITEM)
        } else {
            edits::replace_expr(file, &types.expr, &format!("[{KMS_ITEM}]"))
        };
        (
            format!("add {KMS_ITEM} to `resource_types`"),
            Vec::new(),
            Some(Fix::safe(
                format!("Add {KMS_ITEM} to `resource_types`"),
                edits,
            )),
        )
    } else {
        let tail = match &value.origin {
            Some(o) => format!("the list comes from {}; add {KMS_ITEM} there", o.describe()),
            None => format!("change the expression so the list includes {KMS_ITEM}"),
        };
        (tail, related_origin(&value), None)
    };
    Some(
        at.report(
            types.span.clone(),
            format!("Config recorder `{address}` does not record KMS keys: `resource_types` lacks {KMS_ITEM}; {message_tail}"),
        )
        .related_all(related)
        .fix(fix),
    )
}

fn check_exclusion(
    at: &Place,
    exclusion: &Block,
    exclusion_node: &Node,
) -> Option<super::FindingBuilder> {
    let (address, file) = (at.address, at.file);
    let types = exclusion.body.attribute("resource_types")?;
    let value = exclusion_node.eval(&types.expr);
    let ValueKind::List(items) = &value.kind else {
        return None;
    };
    let index = items
        .iter()
        .position(|i| matches!(&i.kind, ValueKind::String(s) if s == KMS_TYPE))?;
    let message = format!("Config recorder `{address}` does not record KMS keys: {KMS_ITEM} is excluded from recording");
    // The element is written in place: point at it and offer to remove it.
    if let ExprKind::Array(elements) = &types.expr.kind {
        let element = &elements[index.min(elements.len().saturating_sub(1))];
        if items[index].origin.is_none() && elements.len() == items.len() {
            let fix = Fix::safe(
                format!("Remove {KMS_ITEM} from the exclusion list"),
                edits::remove_from_list(file, &types.expr, index),
            );
            return Some(
                at.report(
                    element.span.clone(),
                    format!("{message}; remove it from `exclusion_by_resource_types`"),
                )
                .fix(Some(fix)),
            );
        }
    }
    let origin = items[index].origin.clone().or(value.origin.clone());
    let shown = Value {
        origin,
        ..Value::new(ValueKind::Null)
    };
    let tail = match &shown.origin {
        Some(o) => format!("; the list comes from {}: remove it there", o.describe()),
        None => "; remove it from the list".to_string(),
    };
    Some(
        at.report(types.span.clone(), format!("{message}{tail}"))
            .related_all(related_origin(&shown)),
    )
}
