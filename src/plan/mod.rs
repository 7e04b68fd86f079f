//! Plan JSON (`terraform show -json` / `tofu show -json`) as input.
//!
//! A plan is recognised by its content — a top-level `format_version` with
//! `resource_changes` or `planned_values` — whenever a `.json` file is named on the command
//! line, and for `*.tfplan.json`, `tfplan.json` and `plan.json` found while walking. Its
//! resources come from `resource_changes[].change.after` (changes that only delete or forget
//! are skipped), with `after_unknown` marking unknown values (only a literal `true` counts):
//! unknown values become unknown expressions, so the rules never report on them.
//!
//! Findings are reported where the HCL linter would report them when the configuration is on
//! disk (the plan's directory, or `--source DIR`): each plan resource is mapped back to its
//! block through the plan's module calls (local sources, or `.terraform/modules/modules.json`),
//! at the attribute if it is written, else the block header. Otherwise they are located at
//! the resource's values inside the plan file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::finding::{Finding, LintError};
use crate::hcl::json_syntax::lower_values;
use crate::json::{self, JsonKind, JsonValue};
use crate::model::{Module, Resource, ResourceMode};
use crate::source::{FileRef, Span, Syntax};
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind, Label};

/// File names a directory walk treats as plans.
pub fn is_plan_name(name: &str) -> bool {
    name.ends_with(".tfplan.json") || name == "tfplan.json" || name == "plan.json"
}

/// Decodes a plan file: UTF-8 (with or without BOM) or UTF-16 with a BOM (what a
/// PowerShell redirect writes).
pub fn decode(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |le: bool| {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], c.get(1).copied().unwrap_or(0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16 text".to_string())
    };
    match bytes.get(..2) {
        Some([0xFF, 0xFE]) => utf16(true),
        Some([0xFE, 0xFF]) => utf16(false),
        _ => String::from_utf8(bytes).map_err(|e| {
            format!(
                "file is not valid UTF-8 or UTF-16 with a byte-order mark (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            )
        }),
    }
}

/// One resource instance of a plan.
#[derive(Debug)]
pub struct PlanResource {
    /// `module.a["x"].aws_kms_key.k[0]`
    pub address: String,
    /// Module call names from the root, instance keys dropped (`["a"]`).
    pub module_path: Vec<String>,
    pub resource: Resource,
}

#[derive(Debug)]
pub struct Plan {
    pub file: FileRef,
    pub resources: Vec<PlanResource>,
    /// `source` of each module call by call path (`a`, `a.b`), from `configuration`.
    pub call_sources: HashMap<String, String>,
}

/// Reads a plan. `Ok(None)` when the file is valid JSON but not a plan.
pub fn load(file: &FileRef) -> Result<Option<Plan>, LintError> {
    let text = file.body_text();
    let base = file.bom_len;
    let error = |message: String, span: Span| LintError {
        path: file.display.clone(),
        message,
        location: Some((file.clone(), span)),
    };
    let trimmed = text.trim_start();
    if !trimmed.starts_with('{') {
        if text.contains("\"format_version\"") {
            let first_line = text.lines().next().unwrap_or("").trim();
            let shown: String = first_line.chars().take(40).collect();
            return Err(error(
                format!(
                    "plan JSON is wrapped in other output (the file starts with `{shown}`); write only the output of `terraform show -json PLANFILE` to the file"
                ),
                base..base + first_line.len().max(1).min(text.len()),
            ));
        }
        return Ok(None);
    }
    let root = json::parse(text).map_err(|e| {
        error(
            format!("invalid plan JSON: {}", e.message),
            base + e.offset..base + e.offset + 1,
        )
    })?;
    let Some(version) = root.get("format_version") else {
        return Ok(None);
    };
    if root.get("resource_changes").is_none() && root.get("planned_values").is_none() {
        return Ok(None);
    }
    let version_text = version.as_str().unwrap_or("");
    let major = version_text
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if !matches!(major, Some(0 | 1)) {
        return Err(error(
            format!("unsupported plan format_version `{version_text}`: kmslint reads versions 0.x and 1.x"),
            shift(&version.span, base),
        ));
    }
    let mut plan = Plan {
        file: file.clone(),
        resources: Vec::new(),
        call_sources: HashMap::new(),
    };
    if let Some(calls) = root
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .and_then(|m| m.get("module_calls"))
    {
        collect_call_sources(calls, "", &mut plan.call_sources);
    }
    for change in root
        .get("resource_changes")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
    {
        if let Some(resource) = plan_resource(file, change, base) {
            plan.resources.push(resource);
        }
    }
    Ok(Some(plan))
}

fn shift(span: &Span, base: usize) -> Span {
    span.start + base..span.end + base
}

fn collect_call_sources(calls: &JsonValue, prefix: &str, out: &mut HashMap<String, String>) {
    for member in calls.as_object().unwrap_or(&[]) {
        let key = if prefix.is_empty() {
            member.key.clone()
        } else {
            format!("{prefix}.{}", member.key)
        };
        if let Some(source) = member.value.get("source").and_then(JsonValue::as_str) {
            out.insert(key.clone(), source.to_string());
        }
        if let Some(nested) = member
            .value
            .get("module")
            .and_then(|m| m.get("module_calls"))
        {
            collect_call_sources(nested, &key, out);
        }
    }
}

/// `module.a["x"].module.b[0]` → `["a", "b"]`.
fn module_path(module_address: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = module_address;
    while let Some(after) = rest.strip_prefix("module.") {
        let end = after.find(['[', '.']).unwrap_or(after.len());
        out.push(after[..end].to_string());
        rest = &after[end..];
        // Skip an instance key (which may contain dots inside quotes) and the dot.
        if rest.starts_with('[') {
            let mut depth = 0;
            let mut in_string = false;
            let mut cut = rest.len();
            for (i, c) in rest.char_indices() {
                match c {
                    '"' => in_string = !in_string,
                    '[' if !in_string => depth += 1,
                    ']' if !in_string => {
                        depth -= 1;
                        if depth == 0 {
                            cut = i + 1;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            rest = &rest[cut..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    out
}

fn plan_resource(file: &FileRef, change: &JsonValue, base: usize) -> Option<PlanResource> {
    let text = |key: &str| change.get(key).and_then(JsonValue::as_str);
    let address = text("address")?.to_string();
    let type_name = text("type")?.to_string();
    let name = text("name")?.to_string();
    let mode = match text("mode") {
        Some("data") => ResourceMode::Data,
        _ => ResourceMode::Managed,
    };
    let details = change.get("change")?;
    let actions: Vec<&str> = details
        .get("actions")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(JsonValue::as_str)
        .collect();
    if actions.iter().all(|a| matches!(*a, "delete" | "forget")) {
        return None;
    }
    let after = details.get("after")?;
    if !matches!(after.kind, JsonKind::Object(_)) {
        return None;
    }
    let mut body = lower_values(after);
    if let Some(unknown) = details.get("after_unknown") {
        mark_unknown(&mut body, unknown);
    }
    shift_body(&mut body, base);
    let label = |key: &str, value: &str| Label {
        value: value.to_string(),
        span: change.get(key).map_or(0..0, |v| shift(&v.span, base)),
    };
    let header = change
        .get("address")
        .map_or_else(|| shift(&change.span, base), |v| shift(&v.span, base));
    let block = Block {
        ident: if mode == ResourceMode::Data {
            "data"
        } else {
            "resource"
        }
        .to_string(),
        labels: vec![label("type", &type_name), label("name", &name)],
        span: shift(&change.span, base),
        header_span: header,
        open_brace: after.span.start + base,
        close_brace: after.span.end.saturating_sub(1) + base,
        syntax: Syntax::Json,
        body,
    };
    let module_path = text("module_address").map(module_path).unwrap_or_default();
    Some(PlanResource {
        resource: Resource {
            mode,
            type_name,
            name,
            file: file.clone(),
            block,
            overridden: Vec::new(),
            address_override: Some(address.clone()),
        },
        address,
        module_path,
    })
}

/// Makes the values `after_unknown` marks with a literal `true` unknown expressions (and
/// adds them when `after` omits them), recursing into nested blocks.
fn mark_unknown(body: &mut Body, unknown: &JsonValue) {
    for member in unknown.as_object().unwrap_or(&[]) {
        let key = member.key.as_str();
        match &member.value.kind {
            JsonKind::Bool(true) => set_unknown(body, key, &member.key_span),
            JsonKind::Array(items) => {
                let blocks: Vec<usize> = (0..body.blocks.len())
                    .filter(|&i| body.blocks[i].ident == key)
                    .collect();
                if blocks.is_empty() {
                    if contains_true(&member.value) {
                        set_unknown(body, key, &member.key_span);
                    }
                    continue;
                }
                for (index, item) in blocks.into_iter().zip(items) {
                    match item.kind {
                        JsonKind::Bool(true) => {
                            body.blocks[index].body = Body::default();
                            set_unknown(body, key, &member.key_span);
                        }
                        _ => mark_unknown(&mut body.blocks[index].body, item),
                    }
                }
            }
            JsonKind::Object(_) => {
                if let Some(block) = body.blocks.iter_mut().find(|b| b.ident == key) {
                    mark_unknown(&mut block.body, &member.value);
                } else if contains_true(&member.value) {
                    set_unknown(body, key, &member.key_span);
                }
            }
            _ => {}
        }
    }
}

fn contains_true(value: &JsonValue) -> bool {
    match &value.kind {
        JsonKind::Bool(true) => true,
        JsonKind::Array(items) => items.iter().any(contains_true),
        JsonKind::Object(members) => members.iter().any(|m| contains_true(&m.value)),
        _ => false,
    }
}

fn set_unknown(body: &mut Body, key: &str, span: &Span) {
    match body.attributes.iter_mut().find(|a| a.name == key) {
        Some(attribute) => attribute.expr.kind = ExprKind::Unsupported,
        None => body.attributes.push(Attribute {
            name: key.to_string(),
            name_span: span.clone(),
            span: span.clone(),
            expr: Expr::new(ExprKind::Unsupported, span.clone()),
        }),
    }
}

/// Adds a BOM's length to every span of a lowered body.
fn shift_body(body: &mut Body, base: usize) {
    if base == 0 {
        return;
    }
    fn expr(e: &mut Expr, base: usize) {
        e.span = shift(&e.span, base);
        match &mut e.kind {
            ExprKind::Array(items) => items.iter_mut().for_each(|i| expr(i, base)),
            ExprKind::Object(items) => items.iter_mut().for_each(|i| expr(&mut i.value, base)),
            _ => {}
        }
    }
    for a in &mut body.attributes {
        a.span = shift(&a.span, base);
        a.name_span = shift(&a.name_span, base);
        expr(&mut a.expr, base);
    }
    for b in &mut body.blocks {
        b.span = shift(&b.span, base);
        b.header_span = shift(&b.header_span, base);
        b.open_brace += base;
        b.close_brace += base;
        shift_body(&mut b.body, base);
    }
}

/// Runs the rules on a plan's resources. Fixes are dropped: a plan is not edited.
pub fn check(plan: &Plan) -> Vec<(Finding, usize)> {
    let mut out = Vec::new();
    for (index, planned) in plan.resources.iter().enumerate() {
        let module = Module {
            dir: plan
                .file
                .path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
            files: vec![plan.file.clone()],
            resources: vec![clone_resource(&planned.resource)],
            ..Module::default()
        };
        for mut finding in crate::rules::check_module(&module) {
            finding.fix = None;
            finding.instances = vec![planned.address.clone()];
            out.push((finding, index));
        }
    }
    out
}

fn clone_resource(r: &Resource) -> Resource {
    Resource {
        mode: r.mode,
        type_name: r.type_name.clone(),
        name: r.name.clone(),
        file: r.file.clone(),
        block: r.block.clone(),
        overridden: r.overridden.clone(),
        address_override: r.address_override.clone(),
    }
}

/// Finds the directory of a module call path for a plan whose root module is `root`.
pub fn module_dir(plan: &Plan, root: &Path, path: &[String]) -> Option<PathBuf> {
    let mut dir = root.to_path_buf();
    for depth in 1..=path.len() {
        let key = path[..depth].join(".");
        let source = plan.call_sources.get(&key)?;
        if crate::model::calls::is_local_source(source) {
            dir = crate::discover::normalize(&dir.join(source));
        } else {
            dir = crate::model::calls::downloaded_dir(root, &key)?;
        }
    }
    Some(dir)
}

/// The span the HCL linter would use for a finding about `attribute` (a dotted path) of
/// `resource`: the attribute if written (for an excluded type, its list element), else the
/// block header.
pub fn source_span(resource: &Resource, attribute: Option<&str>) -> (FileRef, Span) {
    let header = (resource.file.clone(), resource.block.header_span.clone());
    let Some(path) = attribute else { return header };
    let parts: Vec<&str> = path.split('.').collect();
    let Some((last, blocks)) = parts.split_last() else {
        return header;
    };
    let mut body = &resource.block.body;
    let file = blocks.first().map_or_else(
        || resource.file_of(last).clone(),
        |b| resource.file_of_block(b).clone(),
    );
    for ident in blocks {
        let next = body
            .blocks
            .iter()
            .find(|b| b.ident == *ident || (b.ident == "dynamic" && b.label(0) == Some(ident)));
        let Some(mut block) = next else { return header };
        if block.ident == "dynamic" {
            match block.body.blocks.iter().find(|b| b.ident == "content") {
                Some(content) => block = content,
                None => return header,
            }
        }
        body = &block.body;
    }
    let Some(attribute) = body.attribute(last) else {
        return header;
    };
    if path.ends_with("exclusion_by_resource_types.resource_types") {
        if let ExprKind::Array(items) = &attribute.expr.kind {
            if let Some(item) = items
                .iter()
                .find(|i| matches!(&i.kind, ExprKind::String(s) if s == "AWS::KMS::Key"))
            {
                return (file, item.span.clone());
            }
        }
    }
    (file, attribute.span.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_drop_instance_keys() {
        assert_eq!(module_path("module.a[\"x.y\"].module.b[0]"), vec!["a", "b"]);
        assert_eq!(module_path("module.team_keys"), vec!["team_keys"]);
        assert!(module_path("").is_empty());
    }

    #[test]
    fn utf16_with_bom_decodes() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "{\"a\":1}".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        assert_eq!(decode(bytes).unwrap(), "{\"a\":1}");
        assert!(decode(vec![0xC3, 0x28]).is_err());
    }
}
