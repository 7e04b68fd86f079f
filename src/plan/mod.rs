//! Reading plan JSON (`terraform show -json` / `tofu show -json`).
//!
//! A plan is recognised by its content — a top-level `format_version` with
//! `resource_changes` or `planned_values` — whenever a `.json` file is named on the command
//! line, and for `*.tfplan.json`, `tfplan.json` and `plan.json` found while walking. Every
//! `resource_changes[]` entry becomes a [`PlanChange`]: its address, actions and
//! `replace_paths`, with `change.after` (and `change.before`) lowered into resource blocks
//! whose spans point into the plan file; `after_unknown` marks unknown values (only a literal
//! `true` counts), which become unknown expressions, so the rules never report on them.
//! The `configuration` section gives module call sources and, per module, the references
//! each resource, module argument and output is written with ([`ConfigModule`]).
//!
//! Turning a plan into the model rules query is [`crate::project::from_plan`].

use std::collections::BTreeMap;

use crate::finding::LintError;
use crate::hcl::json_syntax::lower_values;
use crate::json::{self, JsonKind, JsonValue};
use crate::model::{Module, Resource, ResourceMode};
use crate::source::{FileRef, Span, Syntax};
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind, Label};

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

/// One `resource_changes[]` entry.
#[derive(Debug)]
pub struct PlanChange {
    /// `module.a["x"].aws_kms_key.k[0]`
    pub address: String,
    /// `module.a["x"]`; empty at the root.
    pub module_address: String,
    /// Module call names from the root, instance keys dropped (`["a"]`).
    pub module_path: Vec<String>,
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    /// The instance key as an address suffix (`[0]`, `["x"]`).
    pub key: Option<String>,
    /// `create`, `update`, `delete`, `no-op`, `read`, `forget`, in order.
    pub actions: Vec<String>,
    /// Attribute paths that force a replacement (`[["key_usage"]]`).
    pub replace_paths: Vec<Vec<String>>,
    /// The values after the change, as a block; `None` when the resource is deleted or
    /// forgotten (or `after` is not an object).
    pub after: Option<Resource>,
    /// The values before the change (`None` for a create).
    pub before: Option<Resource>,
    /// `action_reason` (`delete_because_no_resource_config`, `replace_because_cannot_update`,
    /// …), when the plan gives one.
    pub action_reason: Option<String>,
    /// The configuration addresses (`module.a.aws_kms_key.k`, no instance keys) the prior
    /// state records this instance as depending on (`prior_state` resources' `depends_on`);
    /// empty without prior state.
    pub depends_on: Vec<String>,
    /// The whole entry in the plan file.
    pub span: Span,
}

impl PlanChange {
    /// The change deletes the resource, alone or as part of a replacement.
    pub fn deletes(&self) -> bool {
        self.actions.iter().any(|a| a == "delete")
    }

    /// `["delete","create"]` or `["create","delete"]`.
    pub fn replaces(&self) -> bool {
        self.deletes() && self.actions.iter().any(|a| a == "create")
    }

    /// The resource is gone after the plan is applied: deleted and not created again (or
    /// forgotten).
    pub fn removes(&self) -> bool {
        self.actions
            .iter()
            .all(|a| matches!(a.as_str(), "delete" | "forget"))
            && !self.actions.is_empty()
    }

    /// The configuration address: `module.a.module.b.type.name` (`data.` for data sources),
    /// instance keys dropped; what `depends_on` in the state names.
    pub fn config_address(&self) -> String {
        let mut out = String::new();
        for name in &self.module_path {
            out.push_str("module.");
            out.push_str(name);
            out.push('.');
        }
        if self.mode == ResourceMode::Data {
            out.push_str("data.");
        }
        out.push_str(&self.type_name);
        out.push('.');
        out.push_str(&self.name);
        out
    }
}

/// What the plan's `configuration` section says about one module.
#[derive(Debug, Default)]
pub struct ConfigModule {
    /// By `type.name` (`data.type.name` for data sources).
    pub resources: BTreeMap<String, Vec<WrittenRefs>>,
    /// Module calls by name.
    pub calls: BTreeMap<String, ConfigCall>,
    /// Outputs by name: the references of their `expression`.
    pub outputs: BTreeMap<String, Vec<RefString>>,
}

#[derive(Debug, Default)]
pub struct ConfigCall {
    pub source: Option<String>,
    /// Arguments by name: their references.
    pub inputs: BTreeMap<String, Vec<RefString>>,
    pub module: ConfigModule,
}

/// The references one attribute of a resource is written with.
#[derive(Debug)]
pub struct WrittenRefs {
    /// Dotted path through nested blocks.
    pub attribute: String,
    pub references: Vec<RefString>,
}

/// One entry of an `expressions.*.references` list, with its span in the plan file.
#[derive(Debug, Clone)]
pub struct RefString {
    pub text: String,
    pub span: Span,
}

#[derive(Debug)]
pub struct Plan {
    pub file: FileRef,
    pub changes: Vec<PlanChange>,
    /// The root module of the `configuration` section.
    pub config: ConfigModule,
    /// A module with no declarations: plan values need no variables or locals, and every
    /// module instance of a plan is evaluated in a scope of it.
    pub empty: Module,
}

impl Plan {
    /// The configuration of the module at a call path (`["a", "b"]`).
    pub fn config_module(&self, path: &[String]) -> Option<&ConfigModule> {
        let mut module = &self.config;
        for name in path {
            module = &module.calls.get(name)?.module;
        }
        Some(module)
    }

    /// The `source` of the call at a path (`["a", "b"]` → call `b` inside `a`).
    pub fn call_source(&self, path: &[String]) -> Option<&str> {
        let (last, parents) = path.split_last()?;
        self.config_module(parents)?
            .calls
            .get(last)?
            .source
            .as_deref()
    }
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
            let first_char = text.chars().next().map_or(0, char::len_utf8);
            let shown: String = first_line.chars().take(40).collect();
            return Err(error(
                format!(
                    "plan JSON is wrapped in other output (the file starts with `{shown}`); write only the output of `terraform show -json PLANFILE` to the file"
                ),
                // The whole first line, untrimmed (a trimmed length could end inside a character).
                base..base + text.lines().next().unwrap_or("").len().max(first_char),
            ));
        }
        return Ok(None);
    }
    let root = json::parse(text).map_err(|e| {
        error(
            format!("invalid plan JSON: {}", e.message),
            shift(&e.span(text), base),
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
    let config = root
        .get("configuration")
        .and_then(|c| c.get("root_module"))
        .map(|m| config_module(m, base))
        .unwrap_or_default();
    let mut depends_on = BTreeMap::new();
    if let Some(module) = root
        .get("prior_state")
        .and_then(|s| s.get("values"))
        .and_then(|v| v.get("root_module"))
    {
        prior_dependencies(module, &mut depends_on, 0);
    }
    let changes = root
        .get("resource_changes")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|change| plan_change(file, change, base))
        .map(|mut change| {
            if let Some(d) = depends_on.remove(&change.address) {
                change.depends_on = d;
            }
            change
        })
        .collect();
    Ok(Some(Plan {
        file: file.clone(),
        changes,
        config,
        empty: Module::default(),
    }))
}

/// `prior_state` module values: each resource instance's `depends_on`, by address, through
/// `child_modules` (depth bounded against hostile input).
fn prior_dependencies(module: &JsonValue, out: &mut BTreeMap<String, Vec<String>>, depth: usize) {
    if depth > 64 {
        return;
    }
    for resource in module
        .get("resources")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
    {
        let Some(address) = resource.get("address").and_then(JsonValue::as_str) else {
            continue;
        };
        let depends: Vec<String> = resource
            .get("depends_on")
            .and_then(JsonValue::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(JsonValue::as_str)
            .map(str::to_string)
            .collect();
        if !depends.is_empty() {
            out.insert(address.to_string(), depends);
        }
    }
    for child in module
        .get("child_modules")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
    {
        prior_dependencies(child, out, depth + 1);
    }
}

/// Reads one module of the `configuration` section.
fn config_module(module: &JsonValue, base: usize) -> ConfigModule {
    let mut out = ConfigModule::default();
    for resource in module
        .get("resources")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
    {
        let Some(address) = resource.get("address").and_then(JsonValue::as_str) else {
            continue;
        };
        let mut written = Vec::new();
        if let Some(expressions) = resource.get("expressions") {
            expression_refs(expressions, "", base, &mut written);
        }
        out.resources.insert(address.to_string(), written);
    }
    for member in module
        .get("module_calls")
        .and_then(JsonValue::as_object)
        .unwrap_or(&[])
    {
        let call = &member.value;
        let mut inputs = BTreeMap::new();
        for input in call
            .get("expressions")
            .and_then(JsonValue::as_object)
            .unwrap_or(&[])
        {
            inputs.insert(input.key.clone(), ref_strings(&input.value, base));
        }
        out.calls.insert(
            member.key.clone(),
            ConfigCall {
                source: call
                    .get("source")
                    .and_then(JsonValue::as_str)
                    .map(str::to_string),
                inputs,
                module: call
                    .get("module")
                    .map(|m| config_module(m, base))
                    .unwrap_or_default(),
            },
        );
    }
    for output in module
        .get("outputs")
        .and_then(JsonValue::as_object)
        .unwrap_or(&[])
    {
        let refs = output
            .value
            .get("expression")
            .map(|e| ref_strings(e, base))
            .unwrap_or_default();
        out.outputs.insert(output.key.clone(), refs);
    }
    out
}

/// Collects `{ "attr": { "references": [...] }, "block": [ { ... } ] }` recursively: an
/// array is a list of nested blocks, an object an expression.
fn expression_refs(expressions: &JsonValue, prefix: &str, base: usize, out: &mut Vec<WrittenRefs>) {
    for member in expressions.as_object().unwrap_or(&[]) {
        let path = format!("{prefix}{}", member.key);
        match &member.value.kind {
            JsonKind::Array(blocks) => {
                for block in blocks {
                    expression_refs(block, &format!("{path}."), base, out);
                }
            }
            JsonKind::Object(_) => {
                let references = ref_strings(&member.value, base);
                if !references.is_empty() {
                    out.push(WrittenRefs {
                        attribute: path,
                        references,
                    });
                }
            }
            _ => {}
        }
    }
}

fn ref_strings(expression: &JsonValue, base: usize) -> Vec<RefString> {
    expression
        .get("references")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| {
            Some(RefString {
                text: r.as_str()?.to_string(),
                span: shift(&r.span, base),
            })
        })
        .collect()
}

fn shift(span: &Span, base: usize) -> Span {
    span.start + base..span.end + base
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

fn plan_change(file: &FileRef, change: &JsonValue, base: usize) -> Option<PlanChange> {
    let text = |key: &str| change.get(key).and_then(JsonValue::as_str);
    let address = text("address")?.to_string();
    let type_name = text("type")?.to_string();
    let name = text("name")?.to_string();
    let mode = match text("mode") {
        Some("data") => ResourceMode::Data,
        _ => ResourceMode::Managed,
    };
    let details = change.get("change")?;
    let actions: Vec<String> = details
        .get("actions")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(JsonValue::as_str)
        .map(str::to_string)
        .collect();
    let replace_paths = details
        .get("replace_paths")
        .and_then(JsonValue::as_array)
        .unwrap_or(&[])
        .iter()
        .map(|p| {
            p.as_array()
                .unwrap_or(&[])
                .iter()
                .map(|step| match &step.kind {
                    JsonKind::String(s) => s.value.clone(),
                    JsonKind::Number(n) => crate::eval::format_number(n.value),
                    _ => String::new(),
                })
                .collect()
        })
        .collect();
    let key = change.get("index").and_then(|i| match &i.kind {
        JsonKind::Number(n) => Some(format!("[{}]", crate::eval::format_number(n.value))),
        JsonKind::String(s) => Some(format!("[{:?}]", s.value)),
        _ => None,
    });
    let block = |values: &JsonValue, unknown: Option<&JsonValue>| -> Option<Resource> {
        if !matches!(values.kind, JsonKind::Object(_)) {
            return None;
        }
        let mut body = lower_values(values);
        if let Some(unknown) = unknown {
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
        Some(Resource {
            mode,
            type_name: type_name.clone(),
            name: name.clone(),
            file: file.clone(),
            block: Block {
                ident: if mode == ResourceMode::Data {
                    "data"
                } else {
                    "resource"
                }
                .to_string(),
                labels: vec![label("type", &type_name), label("name", &name)],
                span: shift(&change.span, base),
                header_span: header,
                open_brace: values.span.start + base,
                close_brace: values.span.end.saturating_sub(1) + base,
                syntax: Syntax::Json,
                body,
            },
            overridden: Vec::new(),
        })
    };
    let only_removes = actions
        .iter()
        .all(|a| matches!(a.as_str(), "delete" | "forget"));
    let after = if only_removes {
        None
    } else {
        details
            .get("after")
            .and_then(|after| block(after, details.get("after_unknown")))
    };
    let before = details.get("before").and_then(|b| block(b, None));
    let module_address = text("module_address").unwrap_or("").to_string();
    Some(PlanChange {
        module_path: module_path(&module_address),
        module_address,
        address,
        mode,
        type_name: type_name.clone(),
        name: name.clone(),
        key,
        actions,
        replace_paths,
        after,
        before,
        action_reason: change
            .get("action_reason")
            .and_then(JsonValue::as_str)
            .map(str::to_string),
        depends_on: Vec::new(),
        span: shift(&change.span, base),
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
