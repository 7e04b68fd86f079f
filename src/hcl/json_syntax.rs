//! HCL's JSON syntax (`.tf.json`, `.tofu.json`, `.tfvars.json`) lowered into our syntax tree.
//!
//! The mapping follows the HCL JSON specification as Terraform applies it: root keys are block
//! types, each block label is one level of object nesting, a JSON array at any of those levels
//! holds several blocks, and strings in expression positions are templates (`"${var.x}"` yields
//! the raw value of `var.x`). JSON has no syntax that tells a nested block from an object-valued
//! attribute, so the names of the nested block types we look into are listed here.

use crate::hcl::{lower_expr_at, lower_template, ParseError};
use crate::json::{self, JsonKind, JsonValue};
use crate::source::{Span, Syntax};
use crate::syntax::*;

/// Number of labels of each top-level block type (Terraform's configuration schema).
fn label_count(block_type: &str) -> Option<usize> {
    Some(match block_type {
        "resource" | "data" | "ephemeral" | "list" | "action" => 2,
        "variable" | "output" | "module" | "provider" | "check" => 1,
        "locals" | "terraform" | "moved" | "import" | "removed" => 0,
        _ => return None,
    })
}

/// Nested block types inside resources that kmslint reads, with their label count.
fn nested_block_labels(name: &str) -> Option<usize> {
    Some(match name {
        "dynamic" | "provisioner" => 1,
        "recording_group"
        | "exclusion_by_resource_types"
        | "recording_strategy"
        | "recording_mode"
        | "recording_mode_override"
        | "lifecycle"
        | "content"
        | "connection"
        | "event_selector"
        | "advanced_event_selector"
        | "field_selector"
        | "data_resource"
        | "insight_selector"
        | "metric_transformation"
        | "timeouts"
        | "validation"
        // Where resources name the KMS key they encrypt with (S3 bucket encryption,
        // DynamoDB, EC2 block devices, EKS), so references and plan values keep their path
        // (`rule.apply_server_side_encryption_by_default.kms_master_key_id`).
        | "rule"
        | "apply_server_side_encryption_by_default"
        | "server_side_encryption"
        | "server_side_encryption_configuration"
        | "ebs_block_device"
        | "root_block_device"
        | "encryption_config" => 0,
        _ => return None,
    })
}

/// Attributes whose JSON strings are literal values, not templates (per block type).
fn is_literal_attribute(block_type: &str, attribute: &str) -> bool {
    matches!(
        (block_type, attribute),
        ("variable", "default" | "type" | "description")
    )
}

fn error(e: json::JsonError, text: &str, base: usize) -> ParseError {
    let span = e.span(text);
    ParseError {
        message: e.message,
        span: base + span.start..base + span.end,
    }
}

/// Parses a `.tf.json` file.
pub fn parse_config(text: &str, base: usize) -> Result<Body, ParseError> {
    let root = json::parse(text).map_err(|e| error(e, text, base))?;
    let lower = JsonLower {
        base,
        literal: false,
    };
    let members = root_members(
        &root,
        &lower,
        "the root of a Terraform JSON file must be an object",
    )?;
    let mut body = Body::default();
    for member in members {
        if member.key == "//" {
            continue;
        }
        // Unknown top-level block types are accepted and ignored, as Terraform's future
        // blocks should not break the linter.
        let Some(labels) = label_count(&member.key) else {
            continue;
        };
        lower.blocks(
            &member.key,
            labels,
            &member.value,
            &mut Vec::new(),
            &mut body.blocks,
        )?;
    }
    Ok(body)
}

/// Lowers an object of resolved values (a plan's `change.after`) into a resource body:
/// strings are literal values and nested block types become blocks.
pub fn lower_values(value: &JsonValue) -> Body {
    JsonLower {
        base: 0,
        literal: true,
    }
    .body("resource", value)
}

/// Parses a `.tfvars.json` file: one object whose members are literal variable values.
pub fn parse_tfvars(text: &str, base: usize) -> Result<Body, ParseError> {
    let root = json::parse(text).map_err(|e| error(e, text, base))?;
    let lower = JsonLower {
        base,
        literal: false,
    };
    let members = root_members(&root, &lower, "a variables file in JSON must be an object")?;
    let attributes = members
        .iter()
        .map(|m| Attribute {
            name: m.key.clone(),
            name_span: lower.span(&m.key_span),
            span: lower.span(&(m.key_span.start..m.value.span.end)),
            expr: lower.literal(&m.value),
        })
        .collect();
    Ok(Body {
        attributes,
        blocks: Vec::new(),
    })
}

/// The members of a file's root object, or an error saying what the root must be.
fn root_members<'a>(
    root: &'a JsonValue,
    lower: &JsonLower,
    message: &str,
) -> Result<&'a [json::JsonMember], ParseError> {
    root.as_object().ok_or_else(|| ParseError {
        message: message.to_string(),
        span: lower.span(&root.span),
    })
}

struct JsonLower {
    base: usize,
    /// Every string is a literal value (plan JSON), never a template.
    literal: bool,
}

impl JsonLower {
    fn span(&self, span: &Span) -> Span {
        span.start + self.base..span.end + self.base
    }

    /// Collects the blocks of type `ident` from `value`, consuming `remaining` label levels.
    fn blocks(
        &self,
        ident: &str,
        remaining: usize,
        value: &JsonValue,
        labels: &mut Vec<Label>,
        out: &mut Vec<Block>,
    ) -> Result<(), ParseError> {
        match &value.kind {
            JsonKind::Array(items) => {
                for item in items {
                    self.blocks(ident, remaining, item, labels, out)?;
                }
                Ok(())
            }
            JsonKind::Object(members) if remaining > 0 => {
                for member in members {
                    if member.key == "//" {
                        continue;
                    }
                    labels.push(Label {
                        value: member.key.clone(),
                        span: self.span(&member.key_span),
                    });
                    self.blocks(ident, remaining - 1, &member.value, labels, out)?;
                    labels.pop();
                }
                Ok(())
            }
            JsonKind::Object(_) => {
                out.push(self.block(ident, labels.clone(), value));
                Ok(())
            }
            _ => Err(ParseError {
                message: format!("expected an object for a `{ident}` block"),
                span: self.span(&value.span),
            }),
        }
    }

    fn block(&self, ident: &str, labels: Vec<Label>, value: &JsonValue) -> Block {
        let span = self.span(&value.span);
        let header_span = labels
            .last()
            .map_or(span.start..span.start + 1, |l| l.span.clone());
        let start = labels
            .first()
            .map_or(span.start, |l| l.span.start)
            .min(span.start);
        Block {
            ident: ident.to_string(),
            body: self.body(ident, value),
            labels,
            header_span,
            open_brace: span.start,
            close_brace: span.end.saturating_sub(1),
            syntax: Syntax::Json,
            span: start..span.end,
        }
    }

    fn body(&self, block_type: &str, value: &JsonValue) -> Body {
        let mut body = Body::default();
        let Some(members) = value.as_object() else {
            return body;
        };
        for member in members {
            if member.key == "//" {
                continue;
            }
            if let Some(labels) = nested_block_labels(&member.key) {
                if is_block_shaped(&member.value) {
                    // Nested blocks never fail: a shape error simply yields no block.
                    let _ = self.blocks(
                        &member.key,
                        labels,
                        &member.value,
                        &mut Vec::new(),
                        &mut body.blocks,
                    );
                    continue;
                }
            }
            let expr = if self.literal || is_literal_attribute(block_type, &member.key) {
                self.literal(&member.value)
            } else {
                self.expr(&member.value)
            };
            body.attributes.push(Attribute {
                name: member.key.clone(),
                name_span: self.span(&member.key_span),
                span: self.span(&(member.key_span.start..member.value.span.end)),
                expr,
            });
        }
        body
    }

    /// A JSON value in an expression position: strings are templates.
    fn expr(&self, value: &JsonValue) -> Expr {
        self.lower(value, true)
    }

    /// A JSON value taken literally (variable defaults, tfvars).
    fn literal(&self, value: &JsonValue) -> Expr {
        self.lower(value, false)
    }

    fn lower(&self, value: &JsonValue, templates: bool) -> Expr {
        let span = self.span(&value.span);
        let kind = match &value.kind {
            JsonKind::Null => ExprKind::Null,
            JsonKind::Bool(b) => ExprKind::Bool(*b),
            // Terraform's numbers are exact: one an f64 cannot hold faithfully is unknown.
            JsonKind::Number(n) if !crate::number::is_faithful(&n.raw, n.value) => {
                ExprKind::Unsupported
            }
            JsonKind::Number(n) => ExprKind::Number(n.value),
            JsonKind::String(s) => {
                if templates && (s.value.contains("${") || s.value.contains("%{")) {
                    return self.template(&s.value, s.verbatim, span);
                }
                ExprKind::String(s.value.clone())
            }
            JsonKind::Array(items) => {
                ExprKind::Array(items.iter().map(|i| self.lower(i, templates)).collect())
            }
            JsonKind::Object(members) => ExprKind::Object(
                members
                    .iter()
                    .filter(|m| m.key != "//")
                    .map(|m| ObjectItem {
                        key: ObjectKey::Name(m.key.clone(), self.span(&m.key_span)),
                        value: self.lower(&m.value, templates),
                    })
                    .collect(),
            ),
        };
        Expr::new(kind, span)
    }

    /// Parses a JSON string as an HCL template. When the string had no escapes, spans inside
    /// it map exactly onto the file; otherwise every node gets the whole string's span.
    fn template(&self, text: &str, verbatim: bool, span: Span) -> Expr {
        let Ok(template) = hcl_edit::parser::parse_template(text) else {
            return Expr::new(ExprKind::Unsupported, span);
        };
        // Inside the quotes: content starts one byte after the opening quote.
        let inner_base = span.start + 1;
        let mut expr = lower_template(&template, span.clone(), |e, fallback| {
            lower_expr_at(e, text, inner_base, fallback)
        });
        if !verbatim {
            respan(&mut expr, &span);
        }
        expr
    }
}

fn is_block_shaped(value: &JsonValue) -> bool {
    match &value.kind {
        JsonKind::Object(_) => true,
        JsonKind::Array(items) => items.iter().all(|i| matches!(i.kind, JsonKind::Object(_))),
        _ => false,
    }
}

fn respan_parts(parts: &mut [TemplatePart], span: &Span) {
    for p in parts {
        match p {
            TemplatePart::Interpolation(e) => respan(e, span),
            TemplatePart::If {
                cond,
                then,
                otherwise,
            } => {
                respan(cond, span);
                respan_parts(then, span);
                respan_parts(otherwise, span);
            }
            TemplatePart::For {
                collection, body, ..
            } => {
                respan(collection, span);
                respan_parts(body, span);
            }
            TemplatePart::Literal(_) | TemplatePart::Directive => {}
        }
    }
}

/// Gives every node of `expr` the same span.
fn respan(expr: &mut Expr, span: &Span) {
    expr.span = span.clone();
    match &mut expr.kind {
        ExprKind::Template(parts) => respan_parts(parts, span),
        ExprKind::Array(items) => items.iter_mut().for_each(|e| respan(e, span)),
        ExprKind::Object(items) => items.iter_mut().for_each(|i| {
            if let ObjectKey::Expr(k) = &mut i.key {
                respan(k, span);
            }
            if let ObjectKey::Name(_, s) = &mut i.key {
                *s = span.clone();
            }
            respan(&mut i.value, span)
        }),
        ExprKind::Traversal(base, ops) => {
            respan(base, span);
            for op in ops {
                match op {
                    TraversalOp::GetAttr(_, s) => *s = span.clone(),
                    TraversalOp::Index(e) | TraversalOp::LegacyIndex(e) => respan(e, span),
                    TraversalOp::FullSplat | TraversalOp::AttrSplat => {}
                }
            }
        }
        ExprKind::FuncCall { args, .. } => args.iter_mut().for_each(|e| respan(e, span)),
        ExprKind::Conditional(a, b, c) => {
            respan(a, span);
            respan(b, span);
            respan(c, span);
        }
        ExprKind::Unary(_, e) => respan(e, span),
        ExprKind::Binary(_, a, b) => {
            respan(a, span);
            respan(b, span);
        }
        ExprKind::For(f) => {
            respan(&mut f.collection, span);
            if let Some(k) = &mut f.key {
                respan(k, span);
            }
            respan(&mut f.value, span);
            if let Some(c) = &mut f.cond {
                respan(c, span);
            }
        }
        ExprKind::Null
        | ExprKind::Bool(_)
        | ExprKind::Number(_)
        | ExprKind::String(_)
        | ExprKind::Variable(_)
        | ExprKind::Unsupported => {}
    }
}
