//! The syntax tree every configuration file is lowered into, whatever it was written in.
//!
//! Native HCL (via `hcl-edit`) and HCL's JSON variant produce the same tree, so the model, the
//! evaluator and the rules never care which syntax a file uses. Every node keeps the byte span
//! of the text it came from; fixes are built from those spans.

use crate::source::{Span, Syntax};

/// The contents of a file or of a block.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    /// The attribute with this name. HCL forbids duplicates; in JSON the last one wins.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().rev().find(|a| a.name == name)
    }

    /// The attribute at a dotted path through nested blocks (`a.b.c`: attribute `c` of the
    /// first `b` block in the first `a` block); a `dynamic "b"` block counts as a `b`
    /// block, its `content` as the body.
    pub fn attribute_at(&self, path: &str) -> Option<&Attribute> {
        let parts: Vec<&str> = path.split('.').collect();
        let (last, blocks) = parts.split_last()?;
        let mut body = self;
        for ident in blocks {
            let block = body.blocks.iter().find(|b| {
                b.ident == *ident || (b.ident == "dynamic" && b.label(0) == Some(ident))
            })?;
            body = if block.ident == "dynamic" {
                &block
                    .body
                    .blocks
                    .iter()
                    .find(|b| b.ident == "content")?
                    .body
            } else {
                &block.body
            };
        }
        body.attribute(last)
    }

    pub fn blocks_named<'a>(&'a self, ident: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.ident == ident)
    }

    /// Start offset of the first attribute or block, in source order.
    pub fn first_item_start(&self) -> Option<usize> {
        let a = self.attributes.iter().map(|a| a.span.start).min();
        let b = self.blocks.iter().map(|b| b.span.start).min();
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.blocks.is_empty()
    }
}

/// `name = expr` (HCL) or `"name": value` (JSON).
#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub name_span: Span,
    /// From the first byte of the name to the last byte of the value.
    pub span: Span,
    pub expr: Expr,
}

/// `ident "label" ... { body }`.
#[derive(Debug, Clone)]
pub struct Block {
    pub ident: String,
    pub labels: Vec<Label>,
    /// From the identifier (or JSON key of the outermost label) through the closing brace.
    pub span: Span,
    /// From the identifier through the last label: where a finding about the block points.
    pub header_span: Span,
    /// Offset of `{` and of `}` (exclusive end is `close + 1`).
    pub open_brace: usize,
    pub close_brace: usize,
    pub syntax: Syntax,
    pub body: Body,
}

impl Block {
    pub fn label(&self, i: usize) -> Option<&str> {
        self.labels.get(i).map(|l| l.value.as_str())
    }
}

#[derive(Debug, Clone)]
pub struct Label {
    pub value: String,
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    Null,
    Bool(bool),
    Number(f64),
    /// A string with no interpolation.
    String(String),
    /// A string with interpolations; a template that is one interpolation is lowered to the
    /// interpolated expression itself (HCL's "interpolation unwrapping").
    Template(Vec<TemplatePart>),
    Array(Vec<Expr>),
    Object(Vec<ObjectItem>),
    /// A bare name such as `var` or `local` (the root of a traversal).
    Variable(String),
    /// `expr.attr`, `expr[index]`, splats.
    Traversal(Box<Expr>, Vec<TraversalOp>),
    FuncCall {
        name: String,
        args: Vec<Expr>,
        /// `f(list...)`
        expand_final: bool,
    },
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `[for k, v in coll : value if cond]` or `{for k, v in coll : key => value... if cond}`.
    For(Box<ForExpr>),
    /// Syntax the evaluator does not model (template directives, ...).
    /// It always evaluates to unknown.
    Unsupported,
}

/// A `for` expression.
#[derive(Debug, Clone)]
pub struct ForExpr {
    /// `k` in `for k, v in ...` (the index of a list, the key of a map).
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// `Some` for an object `for` (`{for ... : key => value}`), `None` for a tuple `[for ...]`.
    pub key: Option<Expr>,
    pub value: Expr,
    pub cond: Option<Expr>,
    /// `...` after the value: values with the same key are grouped into a tuple.
    pub grouping: bool,
}

#[derive(Debug, Clone)]
pub enum TemplatePart {
    /// Text, with the whitespace that `~` strip markers remove already removed.
    Literal(String),
    Interpolation(Expr),
    /// `%{ if cond }...%{ else }...%{ endif }`.
    If {
        cond: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    /// `%{ for k, v in coll }...%{ endfor }`.
    For {
        key_var: Option<String>,
        value_var: String,
        collection: Expr,
        body: Vec<TemplatePart>,
    },
    /// A template construct the evaluator does not model: makes the template unknown.
    Directive,
}

#[derive(Debug, Clone)]
pub struct ObjectItem {
    pub key: ObjectKey,
    pub value: Expr,
}

#[derive(Debug, Clone)]
pub enum ObjectKey {
    /// `key = value` with a bare identifier.
    Name(String, Span),
    /// `(expr) = value` or `"key" = value`.
    Expr(Expr),
}

#[derive(Debug, Clone)]
pub enum TraversalOp {
    GetAttr(String, Span),
    Index(Expr),
    /// `.0`: an index written as an attribute. Like `[0]`, except that it continues an
    /// attribute-only splat (`a.*.b.0`).
    LegacyIndex(Expr),
    /// `[*]`: every following operator of the traversal applies to each element.
    FullSplat,
    /// `.*`: the following attribute accesses (and legacy indexes) apply to each element.
    AttrSplat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

/// The sub-expressions of template parts, directives' included.
fn template_children<'e>(parts: &'e [TemplatePart], f: &mut dyn FnMut(&'e Expr)) {
    for part in parts {
        match part {
            TemplatePart::Literal(_) | TemplatePart::Directive => {}
            TemplatePart::Interpolation(e) => f(e),
            TemplatePart::If {
                cond,
                then,
                otherwise,
            } => {
                f(cond);
                template_children(then, f);
                template_children(otherwise, f);
            }
            TemplatePart::For {
                collection, body, ..
            } => {
                f(collection);
                template_children(body, f);
            }
        }
    }
}

impl Expr {
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        Expr { kind, span }
    }

    /// `var.name` / `local.name` / `aws_kms_key.x.arn` as a dotted path of plain attribute
    /// names, when the expression is exactly that.
    pub fn as_reference(&self) -> Option<(String, Vec<&str>)> {
        match &self.kind {
            ExprKind::Variable(root) => Some((root.clone(), Vec::new())),
            ExprKind::Traversal(base, ops) => {
                let ExprKind::Variable(root) = &base.kind else {
                    return None;
                };
                let mut names = Vec::with_capacity(ops.len());
                for op in ops {
                    match op {
                        TraversalOp::GetAttr(n, _) => names.push(n.as_str()),
                        _ => return None,
                    }
                }
                Some((root.clone(), names))
            }
            _ => None,
        }
    }

    /// Calls `f` on each direct sub-expression (object keys included), in source order.
    /// Exhaustive on purpose: a new kind of expression must say what it contains.
    pub fn for_each_child<'e>(&'e self, f: &mut dyn FnMut(&'e Expr)) {
        match &self.kind {
            ExprKind::Null
            | ExprKind::Bool(_)
            | ExprKind::Number(_)
            | ExprKind::String(_)
            | ExprKind::Variable(_)
            | ExprKind::Unsupported => {}
            ExprKind::Template(parts) => template_children(parts, f),
            ExprKind::Array(items) => items.iter().for_each(f),
            ExprKind::Object(items) => {
                for item in items {
                    if let ObjectKey::Expr(k) = &item.key {
                        f(k);
                    }
                    f(&item.value);
                }
            }
            ExprKind::Traversal(base, ops) => {
                f(base);
                for op in ops {
                    if let TraversalOp::Index(e) | TraversalOp::LegacyIndex(e) = op {
                        f(e);
                    }
                }
            }
            ExprKind::For(for_expr) => {
                f(&for_expr.collection);
                if let Some(k) = &for_expr.key {
                    f(k);
                }
                f(&for_expr.value);
                if let Some(c) = &for_expr.cond {
                    f(c);
                }
            }
            ExprKind::FuncCall { args, .. } => args.iter().for_each(f),
            ExprKind::Conditional(c, t, e) => {
                f(c);
                f(t);
                f(e);
            }
            ExprKind::Unary(_, e) => f(e),
            ExprKind::Binary(_, l, r) => {
                f(l);
                f(r);
            }
        }
    }

    /// True for `true`, `false`, numbers, plain strings and `null`: values written in place.
    pub fn is_literal(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Null | ExprKind::Bool(_) | ExprKind::Number(_) | ExprKind::String(_)
        )
    }
}
