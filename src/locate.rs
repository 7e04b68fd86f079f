//! Where findings are shown, decided in one place after the rules.
//!
//! - Instances of one block failing at one place are one finding that names them
//!   ([`merge_instances`]).
//! - A finding inside a downloaded module (under `.terraform/`, which users do not edit) is
//!   shown at the caller's argument that causes it, or not at all ([`point_at_callers`]).
//! - A finding on a plan resource is shown where the configuration writes the attribute
//!   when the configuration is on disk, else at the values inside the plan
//!   ([`plan_to_source`]).
//! - The same finding reached twice (a module linted alone and through a call, a plan next
//!   to its configuration) is reported once, naming the other places ([`dedupe`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::finding::{Finding, Fix, Related};
use crate::paths::{is_downloaded, normalize};
use crate::project::{Project, ResourceInstance};
use crate::source::{FileRef, Span};
use crate::syntax::ExprKind;

/// Merges findings of several instances of one block at one place into the first one,
/// whose message then names the failing instance keys (`(instances [0], ["b"])`).
pub fn merge_instances(findings: Vec<Finding>) -> Vec<Finding> {
    let mut merged: Vec<(Finding, Vec<String>)> = Vec::new();
    let mut index: HashMap<(&'static str, PathBuf, usize, usize, String), usize> = HashMap::new();
    for finding in findings {
        let key = (
            finding.rule,
            finding.file.path.clone(),
            finding.span.start,
            finding.span.end,
            finding.address.clone(),
        );
        let keys: Vec<String> = finding
            .instances
            .iter()
            .filter_map(|i| i.strip_prefix(finding.address.as_str()))
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        match index.get(&key) {
            Some(&at) => {
                let (first, first_keys) = &mut merged[at];
                first.instances.extend(finding.instances);
                first_keys.extend(keys);
            }
            None => {
                index.insert(key, merged.len());
                merged.push((finding, keys));
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut finding, keys)| {
            if !keys.is_empty() {
                finding.message = format!("{} (instances {})", finding.message, keys.join(", "));
            }
            finding
        })
        .collect()
}

/// A finding about an attribute whose value a module call passes in (`x = var.y`, with the
/// caller writing `y = ...`) is shown at the caller's argument — the outermost one when
/// the value goes through several calls — with the resource as a related location: each
/// call that makes the resource fail gets a finding of its own, at its own line, and
/// fixing one does not hide the others. When that argument is a literal and the rule knows
/// the value it should have, the finding carries a fix there.
///
/// Findings inside a downloaded module (under `.terraform/`, which users do not edit) that
/// are not caused by a caller are shown at their first related location outside it, or
/// dropped. Nothing moves when the linted root is itself under `.terraform/`.
pub fn point_at_callers(findings: Vec<Finding>, project: &Project, root: &Path) -> Vec<Finding> {
    let by_address: HashMap<&str, &ResourceInstance> = project
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r))
        .collect();
    let moved = findings.into_iter().map(|f| {
        let resource = f.instances.first().and_then(|a| by_address.get(a.as_str()));
        match resource {
            Some(r) => to_caller_argument(f, project, r),
            None => f,
        }
    });
    if is_downloaded(root) {
        return moved.collect();
    }
    moved.filter_map(point_at_caller).collect()
}

fn to_caller_argument(
    mut finding: Finding,
    project: &Project,
    resource: &ResourceInstance,
) -> Finding {
    let Some(path) = finding.attribute.as_deref() else {
        return finding;
    };
    let Some(attribute) = resource.resource.block.body.attribute_at(path) else {
        return finding;
    };
    // Only a finding about the attribute itself moves (not one about part of its value).
    if attribute.span != finding.span {
        return finding;
    }
    let chain = project.arguments_passing(resource.module, &attribute.expr);
    let Some(outermost) = chain.last() else {
        return finding;
    };
    let call = &project.calls[outermost.call];
    let argument = outermost.attribute;
    // The outermost argument only forwards a variable its own caller does not pass: the value
    // is a middle module's default, the same for every caller, so it stays where it is.
    let forwards_default = argument
        .expr
        .as_reference()
        .is_some_and(|(root, names)| root == "var" && names.len() == 1)
        && project.modules[call.module].call.is_some();
    if forwards_default {
        return finding;
    }
    let shown = Related {
        file: finding.file.clone(),
        span: finding.span.clone(),
        message: format!("`{}` gets the value here", resource.reported_as),
    };
    // A related location inside the argument (the literal it is written with) says nothing
    // the primary location does not.
    finding.related.retain(|r| {
        !(r.file.path == outermost.file.path
            && argument.span.start <= r.span.start
            && r.span.end <= argument.span.end)
    });
    finding.related.insert(0, shown);
    finding.fix = match &finding.corrected_value {
        Some(value) if argument.expr.is_literal() => Some(Fix::safe(
            format!("Set `{} = {value}`", argument.name),
            crate::edits::replace_expr(&outermost.file, &argument.expr, value),
        ))
        .filter(|_| !is_downloaded(&outermost.file.path)),
        _ => None,
    };
    finding.file = outermost.file.clone();
    finding.span = argument.span.clone();
    finding.resource_span = Some(call.call.block.span.clone());
    finding
}

fn point_at_caller(mut finding: Finding) -> Option<Finding> {
    if !is_downloaded(&finding.file.path) {
        return Some(finding);
    }
    let index = finding
        .related
        .iter()
        .position(|r| !is_downloaded(&r.file.path))?;
    let caller = finding.related.remove(index);
    finding.related.insert(
        0,
        Related {
            file: finding.file.clone(),
            span: finding.span.clone(),
            message: "in the downloaded module".to_string(),
        },
    );
    finding.file = caller.file;
    finding.span = caller.span;
    finding.fix = None;
    finding.resource_span = None;
    Some(finding)
}

/// Moves plan findings onto the configuration: at the attribute the finding is about when
/// the configuration writes it, else at the block header, with a related location at the
/// planned value. A resource of a called module is shown where the configuration's own lint
/// shows the same finding (`configuration_findings`, computed on first need), so that a
/// plan and its configuration agree on the caller's argument; one of a downloaded module
/// that the configuration's lint does not find is not shown. A finding a rule already placed
/// in the configuration block ([`ResourceInstance::source`]) keeps its place.
pub fn plan_to_source(
    findings: Vec<Finding>,
    project: &Project,
    configuration_findings: &mut dyn FnMut() -> Vec<Finding>,
) -> Vec<Finding> {
    let by_address: HashMap<&str, &ResourceInstance> = project
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r))
        .collect();
    let plan_file = match &project.input {
        crate::project::Input::Plan { file, .. } => file.display.clone(),
        crate::project::Input::Hcl { .. } => String::new(),
    };
    let mut hcl: Option<Vec<Finding>> = None;
    let mut out = Vec::new();
    for mut finding in findings {
        let instance = finding
            .instances
            .first()
            .and_then(|a| by_address.get(a.as_str()));
        let Some(source) = instance.and_then(|r| r.source.map(|s| (r, s))) else {
            out.push(finding);
            continue;
        };
        let (planned, source) = source;
        let planned_value = Related {
            file: finding.file.clone(),
            span: finding.span.clone(),
            message: format!("planned value in {plan_file}"),
        };
        // In a called module the configuration's own lint knows where the finding belongs
        // (a caller's argument, through the call's instance); use its place.
        let in_child = !project.modules[planned.module].path.is_empty();
        if in_child {
            let hcl = hcl.get_or_insert_with(&mut *configuration_findings);
            let same = hcl.iter().find(|h| {
                h.rule == finding.rule
                    && (h.address == finding.address || h.instances.contains(&finding.address))
            });
            if let Some(h) = same {
                finding.related = h.related.clone();
                finding.related.push(planned_value);
                finding.file = h.file.clone();
                finding.span = h.span.clone();
                finding.resource_span = h.resource_span.clone();
                out.push(finding);
                continue;
            }
        }
        if is_downloaded(&source.file.path) {
            continue; // users do not edit `.terraform/`; nothing of theirs causes it
        }
        // A rule that read the configuration block itself (to point inside a nested block
        // or a string the plan spells differently) has already placed the finding there.
        if finding.file.path == planned.resource.file.path {
            let (file, span) = source_span(planned.resource, source, &finding);
            finding.related.push(planned_value);
            finding.file = file;
            finding.span = span;
        }
        finding.resource_span = Some(source.block.span.clone());
        out.push(finding);
    }
    out
}

/// Where the configuration block `source` shows a finding made on the plan block `planned`:
/// the attribute at the finding's path if written (or, for a finding on one element of a
/// list, the element with the same value), else the block header.
fn source_span(
    planned: &crate::model::Resource,
    source: &crate::model::Resource,
    finding: &Finding,
) -> (FileRef, Span) {
    let header = (source.file.clone(), source.block.header_span.clone());
    let Some(path) = finding.attribute.as_deref() else {
        return header;
    };
    let first = path.split('.').next().unwrap_or(path);
    let file = source.file_of(first).clone();
    let Some(attribute) = source.block.body.attribute_at(path) else {
        return header;
    };
    // The finding points at one element of a list in the plan: find the same value in the
    // configuration's list.
    if let (Some(planned_attr), ExprKind::Array(items)) =
        (planned.block.body.attribute_at(path), &attribute.expr.kind)
    {
        if let ExprKind::Array(planned_items) = &planned_attr.expr.kind {
            let element = planned_items
                .iter()
                .find(|e| e.span == finding.span)
                .and_then(|e| match &e.kind {
                    ExprKind::String(s) => Some(s),
                    _ => None,
                });
            if let Some(value) = element {
                if let Some(item) = items
                    .iter()
                    .find(|i| matches!(&i.kind, ExprKind::String(s) if s == value))
                {
                    return (file, item.span.clone());
                }
            }
        }
    }
    (file, attribute.span.clone())
}

/// One finding per rule and place: a child module linted on its own and through a call,
/// or a plan next to its configuration, can find the same thing twice. The copy with more
/// related locations (the one that says why) is kept, and a copy with a fix (the HCL
/// linter's, rather than a plan's) before that. The addresses of the others are named.
pub fn dedupe(findings: &mut Vec<Finding>, cwd: &Path) {
    let mut best: HashMap<(&'static str, PathBuf, usize, usize), usize> = HashMap::new();
    let mut keep = vec![true; findings.len()];
    // Addresses of the copies dropped in favour of each kept finding.
    let mut others: HashMap<usize, Vec<String>> = HashMap::new();
    let score = |f: &Finding| {
        (
            f.fix.is_some(),
            f.related.len(),
            std::cmp::Reverse(f.address.len()),
        )
    };
    for i in 0..findings.len() {
        let f = &findings[i];
        let key = (
            f.rule,
            normalize(&cwd.join(&f.file.path)),
            f.span.start,
            f.span.end,
        );
        match best.get(&key).copied() {
            Some(j) => {
                let (winner, loser) = if score(f) > score(&findings[j]) {
                    (i, j)
                } else {
                    (j, i)
                };
                keep[loser] = false;
                let lost = std::mem::take(&mut findings[loser].instances);
                for instance in lost {
                    if !findings[winner].instances.contains(&instance) {
                        findings[winner].instances.push(instance);
                    }
                }
                let mut moved = others.remove(&loser).unwrap_or_default();
                moved.push(findings[loser].address.clone());
                others.entry(winner).or_default().extend(moved);
                best.insert(key, winner);
            }
            None => {
                best.insert(key, i);
            }
        }
    }
    // Other instances or calls that fail at the same place are named, not dropped.
    for (i, addresses) in others {
        let f = &mut findings[i];
        let mut extra: Vec<String> = Vec::new();
        for a in addresses {
            if a != f.address && !extra.contains(&a) && !f.message.contains(&a) {
                extra.push(a);
            }
        }
        if !extra.is_empty() {
            f.message = format!("{} (also {})", f.message, extra.join(", "));
        }
    }
    for f in findings.iter_mut() {
        f.instances.sort();
        f.instances.dedup();
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}
