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
use crate::eval::{Value, ValueKind};
use crate::finding::{Finding, Fix, Related, Severity};
use crate::fix::edits;
use crate::model::Resource;
use crate::source::Span;
use crate::syntax::{Attribute, Block, ExprKind};

pub struct ConfigRecorderKmsExcluded;

static META: RuleMeta = RuleMeta {
    id: "config-recorder-kms-excluded",
    summary: "AWS Config recorder does not record AWS::KMS::Key",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/config-recorder-kms-excluded.md"),
    resource_types: &["aws_config_configuration_recorder"],
};

const KMS_TYPE: &str = "AWS::KMS::Key";
const KMS_ITEM: &str = "\"AWS::KMS::Key\"";

impl Rule for ConfigRecorderKmsExcluded {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for recorder in cx
            .module
            .resources_of_type("aws_config_configuration_recorder")
        {
            out.extend(cx.each_instance(recorder, |cx| {
                let mut found = Vec::new();
                check_recorder(cx, recorder, &mut found);
                found
            }));
        }
    }
}

/// How the recording group selects resource types.
enum Strategy {
    All,
    Inclusion,
    Exclusion,
}

fn check_recorder(cx: &RuleContext, recorder: &Resource, out: &mut Vec<Finding>) {
    let body = &recorder.block.body;
    // `dynamic` blocks are expanded; when their `for_each` is unknown, nothing can be said.
    let Some(groups) = cx.expand_blocks(body, "recording_group") else {
        return;
    };
    let Some((group, binds)) = groups.into_iter().next() else {
        return; // AWS default: all supported regional types, KMS keys included
    };
    let cx = &cx.with_binds(binds);
    let Some(strategies) = cx.expand_blocks(&group.body, "recording_strategy") else {
        return;
    };
    let use_only = strategies
        .first()
        .and_then(|(b, binds)| b.body.attribute("use_only").map(|a| (a, binds.clone())));
    let Some(exclusions) = cx.expand_blocks(&group.body, "exclusion_by_resource_types") else {
        return;
    };
    let all_supported = group.body.attribute("all_supported");
    let use_only_value = use_only
        .as_ref()
        .map(|(a, binds)| cx.with_binds(binds.clone()).eval(&a.expr));
    let use_only = use_only.map(|(a, _)| a);

    let strategy = match use_only_value {
        Some(value) => match value.kind {
            ValueKind::String(s) if s == "ALL_SUPPORTED_RESOURCE_TYPES" => Strategy::All,
            ValueKind::String(s) if s == "INCLUSION_BY_RESOURCE_TYPES" => Strategy::Inclusion,
            ValueKind::String(s) if s == "EXCLUSION_BY_RESOURCE_TYPES" => Strategy::Exclusion,
            _ => return, // unknown or invalid
        },
        None if !exclusions.is_empty() => Strategy::Exclusion,
        None => match all_supported.map(|a| cx.eval(&a.expr)) {
            None => Strategy::All, // all_supported defaults to true
            Some(v) if matches!(v.kind, ValueKind::Null) => Strategy::All,
            Some(v) => match v.to_bool() {
                Ok(Some(true)) => Strategy::All,
                Ok(Some(false)) => Strategy::Inclusion,
                _ => return,
            },
        },
    };
    let address = cx.address(recorder);
    let file = recorder.file_of_block("recording_group");
    let finding = |span: Span, message: String, related: Vec<Related>, fix: Option<Fix>| Finding {
        rule: META.id,
        severity: META.severity,
        message,
        file: file.clone(),
        span,
        address: address.clone(),
        related,
        fix,
        resource_span: Some(recorder.block.span.clone()),
        attribute: None,
        instances: Vec::new(),
        suppression: None,
    };
    match strategy {
        Strategy::All => {}
        Strategy::Inclusion => {
            if let Some(mut f) =
                check_inclusion(cx, recorder, group, all_supported.or(use_only), &finding)
            {
                let written = group.body.attribute("resource_types").is_some();
                f.attribute = Some(if written || selector_missing(all_supported, use_only) {
                    "recording_group.resource_types".to_string()
                } else if all_supported.is_some() {
                    "recording_group.all_supported".to_string()
                } else {
                    "recording_group.recording_strategy.use_only".to_string()
                });
                out.push(f);
            }
        }
        Strategy::Exclusion => {
            for (exclusion, binds) in exclusions {
                let cx = &cx.with_binds(binds);
                if let Some(mut f) = check_exclusion(cx, recorder, exclusion, &finding) {
                    f.attribute = Some(
                        "recording_group.exclusion_by_resource_types.resource_types".to_string(),
                    );
                    out.push(f);
                }
            }
        }
    }
}

fn selector_missing(all_supported: Option<&Attribute>, use_only: Option<&Attribute>) -> bool {
    all_supported.is_none() && use_only.is_none()
}

type MakeFinding<'a> = dyn Fn(Span, String, Vec<Related>, Option<Fix>) -> Finding + 'a;

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
    cx: &RuleContext,
    recorder: &Resource,
    group: &Block,
    selector: Option<&Attribute>,
    finding: &MakeFinding,
) -> Option<Finding> {
    let address = cx.address(recorder);
    let file = recorder.file_of_block("recording_group");
    let Some(types) = group.body.attribute("resource_types") else {
        let span = selector.map_or(group.header_span.clone(), |a| a.span.clone());
        let fix = Fix::safe(
            format!("Add `resource_types = [{KMS_ITEM}]`"),
            edits::insert_attribute(file, group, "resource_types", &format!("[{KMS_ITEM}]")),
        );
        return Some(finding(
            span,
            format!(
                "Config recorder `{address}` records only listed resource types and lists none, so KMS keys are not recorded; add `resource_types = [{KMS_ITEM}]` or record all supported types"
            ),
            Vec::new(),
            (!fix.edits.is_empty()).then_some(fix),
        ));
    };
    let value = cx.eval(&types.expr);
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
    Some(finding(
        types.span.clone(),
        format!("Config recorder `{address}` does not record KMS keys: `resource_types` lacks {KMS_ITEM}; {message_tail}"),
        related,
        fix,
    ))
}

fn check_exclusion(
    cx: &RuleContext,
    recorder: &Resource,
    exclusion: &Block,
    finding: &MakeFinding,
) -> Option<Finding> {
    let address = cx.address(recorder);
    let file = recorder.file_of_block("recording_group");
    let types = exclusion.body.attribute("resource_types")?;
    let value = cx.eval(&types.expr);
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
            return Some(finding(
                element.span.clone(),
                format!("{message}; remove it from `exclusion_by_resource_types`"),
                Vec::new(),
                Some(fix),
            ));
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
    Some(finding(
        types.span.clone(),
        format!("{message}{tail}"),
        related_origin(&shown),
        None,
    ))
}
