//! Parsing configuration files into the span-carrying [`syntax`](crate::syntax) tree.
//!
//! Native HCL goes through `hcl-edit`, which keeps the byte span of every node; `.tf.json` goes
//! through our span-preserving JSON reader and the HCL JSON mapping in [`json_syntax`].

pub mod json_syntax;
pub mod lexcheck;

use hcl_edit::expr::{self as hexpr, Expression as HExpr};
use hcl_edit::structure as hstruct;
use hcl_edit::template as htemplate;

use crate::source::{SourceFile, Span, Syntax};
use crate::syntax::*;

/// A syntax error at a byte span in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

/// Parses a configuration file (either syntax) into a [`Body`].
pub fn parse_file(file: &SourceFile) -> Result<Body, ParseError> {
    match file.syntax {
        Syntax::Hcl => parse_hcl_config(file.body_text(), file.bom_len),
        Syntax::Json => json_syntax::parse_config(file.body_text(), file.bom_len),
    }
}

/// Files from this size on are parsed in pieces.
const PIECE_BYTES: usize = 1 << 20;

/// Parses a native HCL configuration file. A large one is cut at top-level line starts into
/// pieces of about [`PIECE_BYTES`], parsed in parallel and concatenated: `hcl-edit`'s tree of
/// a whole 100 MB file would need several GB at once, a piece's tree is freed as soon as it
/// is lowered. A top-level structure never spans a cut, so the result is the same as one
/// parse; when a piece fails, or pieces define one attribute twice, the file is parsed whole
/// so that errors (and their repairs) are exactly those of a whole parse.
fn parse_hcl_config(text: &str, base: usize) -> Result<Body, ParseError> {
    if text.len() < 2 * PIECE_BYTES {
        return parse_hcl(text, base);
    }
    parse_in_pieces(text, base, PIECE_BYTES)
}

/// [`parse_hcl_config`] with pieces of at least `piece` bytes (public for the corpus test
/// that compares it with whole parses).
pub fn parse_in_pieces(text: &str, base: usize, piece: usize) -> Result<Body, ParseError> {
    use rayon::prelude::*;
    let cuts = lexcheck::top_level_cuts(text, piece);
    let Some(cuts) = cuts.filter(|c| !c.is_empty()) else {
        return parse_hcl(text, base);
    };
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let pieces: Result<Vec<Body>, ParseError> = bounds
        .par_iter()
        .map(|&(start, end)| parse_hcl(&text[start..end], base + start))
        .collect();
    let Ok(pieces) = pieces else {
        return parse_hcl(text, base);
    };
    let mut body = Body {
        attributes: Vec::new(),
        blocks: Vec::new(),
    };
    for piece in pieces {
        body.attributes.extend(piece.attributes);
        body.blocks.extend(piece.blocks);
    }
    let mut names: Vec<&str> = body.attributes.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return parse_hcl(text, base);
    }
    Ok(body)
}

/// Parses a `.tfvars` / `.tfvars.json` file: a flat list of attributes whose values are
/// literals. (In JSON, tfvars strings are never templates.)
pub fn parse_tfvars(file: &SourceFile) -> Result<Body, ParseError> {
    match file.syntax {
        Syntax::Hcl => parse_hcl(file.body_text(), file.bom_len),
        Syntax::Json => json_syntax::parse_tfvars(file.body_text(), file.bom_len),
    }
}

/// Parses native HCL. `base` is added to every span (the length of a skipped BOM).
pub fn parse_hcl(text: &str, base: usize) -> Result<Body, ParseError> {
    let first = match hcl_edit::parser::parse_body(text) {
        Ok(body) => return Ok(Lower { text, base }.body(&body, base..base + text.len())),
        Err(e) => e,
    };
    let to_error = |e: &hcl_edit::parser::Error| {
        let at = e.location().offset().min(text.len());
        let (message, at) = terraform_wording(text, at, e.message());
        ParseError {
            message,
            span: base + at..base + next_char_end(text, at),
        }
    };
    // `hcl-edit` is stricter than Terraform in two ways seen in real modules: it rejects a
    // line break before or after an operator inside brackets (`cond\n ? a\n : b`) and
    // duplicate keys in an object constructor (Terraform keeps the last). Such files are
    // repaired with same-length byte patches and parsed again, so every span still points
    // into the original text; objects with a renamed duplicate key evaluate to unknown.
    let mut patched = text.to_string();
    let mut renamed_keys = Vec::new();
    let mut error = first;
    for attempt in 0..MAX_REPAIRS {
        if !repair(&mut patched, &error, attempt, &mut renamed_keys) {
            return Err(to_error(&error));
        }
        match hcl_edit::parser::parse_body(&patched) {
            Ok(body) => {
                let mut lowered = Lower {
                    text: &patched,
                    base,
                }
                .body(&body, base..base + text.len());
                for at in &renamed_keys {
                    poison_objects_containing(&mut lowered, base + at);
                }
                return Ok(lowered);
            }
            Err(e) => error = e,
        }
    }
    Err(to_error(&error))
}

const MAX_REPAIRS: usize = 64;

/// Applies one same-length patch for a known `hcl-edit` strictness at the error; returns
/// false when the error is not one of those (the file is then really invalid).
fn repair(
    text: &mut String,
    error: &hcl_edit::parser::Error,
    attempt: usize,
    renamed: &mut Vec<usize>,
) -> bool {
    let at = error.location().offset().min(text.len());
    let bytes = text.as_bytes();
    if error.message().contains("redefined object key") {
        // Rename the repeated key to a placeholder of the same length.
        let (start, quoted) = if bytes.get(at) == Some(&b'"') {
            (at + 1, true)
        } else {
            (at, false)
        };
        let end = (start..bytes.len())
            .find(|&i| {
                let c = bytes[i];
                if quoted {
                    c == b'"' || c == b'\\'
                } else {
                    !(c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
                }
            })
            .unwrap_or(bytes.len());
        if end == start || !bytes[start..end].is_ascii() || renamed.contains(&at) {
            return false;
        }
        let width = end - start;
        let tag = format!("_{attempt:x}");
        let placeholder = format!("{:_>width$}", &tag[tag.len().saturating_sub(width)..]);
        text.replace_range(start..end, &placeholder);
        renamed.push(at);
        return true;
    }
    // A line break next to an operator: find the whitespace run around the error.
    let is_ws = |c: u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    let mut gap_start = at;
    while gap_start > 0 && is_ws(bytes[gap_start - 1]) {
        gap_start -= 1;
    }
    let mut gap_end = at;
    while gap_end < bytes.len() && is_ws(bytes[gap_end]) {
        gap_end += 1;
    }
    let before = gap_start.checked_sub(1).map(|i| bytes[i]);
    let after = bytes.get(gap_end).copied();
    let operator_before = matches!(
        before,
        Some(
            b'?' | b':'
                | b'&'
                | b'|'
                | b'>'
                | b'='
                | b'+'
                | b'-'
                | b'*'
                | b'/'
                | b'%'
                | b'!'
                | b'<'
        )
    );
    let operator_after = matches!(
        after,
        Some(b'?' | b':' | b'&' | b'|' | b'+' | b'*' | b'/' | b'%' | b'=' | b'!' | b'<' | b'>')
    );
    if !bytes[gap_start..gap_end].contains(&b'\n') || !(operator_before || operator_after) {
        return false;
    }
    let spaces = " ".repeat(gap_end - gap_start);
    text.replace_range(gap_start..gap_end, &spaces);
    true
}

/// Makes every object constructor whose span contains `offset` unsupported (unknown).
fn poison_objects_containing(body: &mut Body, offset: usize) {
    fn expr(e: &mut Expr, offset: usize) {
        if !(e.span.start <= offset && offset < e.span.end) {
            return;
        }
        match &mut e.kind {
            ExprKind::Object(_) => e.kind = ExprKind::Unsupported,
            ExprKind::Array(items) => items.iter_mut().for_each(|i| expr(i, offset)),
            ExprKind::Template(parts) => template(parts, offset),
            ExprKind::Traversal(b, ops) => {
                expr(b, offset);
                ops.iter_mut().for_each(|op| {
                    if let TraversalOp::Index(i) | TraversalOp::LegacyIndex(i) = op {
                        expr(i, offset)
                    }
                })
            }
            ExprKind::FuncCall { args, .. } => args.iter_mut().for_each(|a| expr(a, offset)),
            ExprKind::Conditional(a, b, c) => {
                expr(a, offset);
                expr(b, offset);
                expr(c, offset);
            }
            ExprKind::Unary(_, a) => expr(a, offset),
            ExprKind::Binary(_, a, b) => {
                expr(a, offset);
                expr(b, offset);
            }
            ExprKind::For(f) => {
                expr(&mut f.collection, offset);
                if let Some(k) = &mut f.key {
                    expr(k, offset);
                }
                expr(&mut f.value, offset);
                if let Some(c) = &mut f.cond {
                    expr(c, offset);
                }
            }
            _ => {}
        }
    }
    fn template(parts: &mut [TemplatePart], offset: usize) {
        for p in parts {
            match p {
                TemplatePart::Interpolation(i) => expr(i, offset),
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    expr(cond, offset);
                    template(then, offset);
                    template(otherwise, offset);
                }
                TemplatePart::For {
                    collection, body, ..
                } => {
                    expr(collection, offset);
                    template(body, offset);
                }
                TemplatePart::Literal(_) | TemplatePart::Directive => {}
            }
        }
    }
    for a in &mut body.attributes {
        expr(&mut a.expr, offset);
    }
    for b in &mut body.blocks {
        poison_objects_containing(&mut b.body, offset);
    }
}

/// An `hcl-edit` error in the words Terraform uses for the same mistake: its diagnostic
/// summary ("Unclosed configuration block", "Missing newline after argument", …), then the
/// parser's detail, where the mistake is clear from the message and the text at the error.
/// A problem inside a string, comment or heredoc is reported where it starts (`hcl-edit`
/// backtracks to the start of the attribute). Returns the message and the offset to report.
pub fn terraform_wording(text: &str, at: usize, message: &str) -> (String, usize) {
    let at = crate::source::clamp_to_char_boundary(text, at);
    // "invalid expression; expected …" → "expected …": the summary says the first part.
    let detail = match message.split_once("; ") {
        Some((context, rest)) if context.starts_with("invalid ") => rest,
        _ => message,
    };
    let here = text[at..].chars().next();
    let invalid_char =
        here.is_some_and(|c| matches!(c, '$' | '@' | ';' | '\'' | '\\' | '`' | '^' | '~'));
    let with = |summary: &str| (format!("{summary}: {detail}"), at);
    if message.contains("redefined attribute") {
        return with("Attribute redefined");
    }
    if message.starts_with("invalid escape sequence") {
        return with("Invalid escape sequence");
    }
    if message.contains("heredoc") {
        return with("Unterminated template string");
    }
    if message.starts_with("invalid expression") {
        if here == Some('\'') {
            return (
                "Invalid character: single quotes are not valid; use double quotes (\") to enclose strings".to_string(),
                at,
            );
        }
        return with("Invalid expression");
    }
    if message.starts_with("expected `]`") {
        return with("Missing item separator");
    }
    // What comes before the error on its line, spaces and tabs skipped.
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..at].trim_end_matches([' ', '\t']);
    if message == "expected newline or eof" {
        if invalid_char {
            return with("Invalid character");
        }
        if before.ends_with('}') {
            return with("Missing newline after block definition");
        }
        return with("Missing newline after argument");
    }
    if message.starts_with("invalid block body") || message == "unexpected token" {
        // An open string, comment or heredoc on the line where the parser gave up is the
        // cause: report it where it starts.
        if let Some((problem, p)) = lexcheck::first_problem(text) {
            let same_line = p >= line_start && !text[line_start..p].contains('\n');
            if problem.is_lexical() && same_line {
                return (problem.describe(text, p), p);
            }
        }
        if text[at..].trim().is_empty() {
            return with("Unclosed configuration block");
        }
        if invalid_char {
            return with("Invalid character");
        }
        if before.contains('{') && !before.ends_with('{') {
            return with("Invalid single-argument block definition");
        }
        let ident = text[at..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(text.len() - at);
        let after_ident = text[at + ident..].trim_start_matches([' ', '\t']);
        if ident > 0 && after_ident.starts_with('=') && !after_ident.starts_with("==") {
            // The value of this attribute did not parse; hcl-edit does not say where.
            return (message.to_string(), at);
        }
        return with("Argument or block definition required");
    }
    (message.to_string(), at)
}

/// End of the character starting at `offset` (for one-character error spans).
fn next_char_end(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8())
}

/// Lowers `hcl-edit` nodes into our tree, shifting spans by `base`.
struct Lower<'a> {
    text: &'a str,
    base: usize,
}

impl Lower<'_> {
    fn span_of(&self, node: &impl hcl_edit::Span, fallback: &Span) -> Span {
        node.span()
            .map(|r| r.start + self.base..r.end + self.base)
            .unwrap_or_else(|| fallback.clone())
    }

    fn body(&self, body: &hstruct::Body, fallback: Span) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                hstruct::Structure::Attribute(attr) => {
                    let span = self.span_of(attr, &fallback);
                    let name_span = self.span_of(&attr.key, &span);
                    out.attributes.push(Attribute {
                        name: attr.key.as_str().to_string(),
                        name_span,
                        expr: self.expr(&attr.value, &span),
                        span,
                    });
                }
                hstruct::Structure::Block(block) => out.blocks.push(self.block(block, &fallback)),
            }
        }
        out
    }

    fn block(&self, block: &hstruct::Block, fallback: &Span) -> Block {
        let span = self.span_of(block, fallback);
        let ident_span = self.span_of(&block.ident, &span);
        let labels: Vec<Label> = block
            .labels
            .iter()
            .map(|l| Label {
                value: l.as_str().to_string(),
                span: self.span_of(l, &span),
            })
            .collect();
        let header_end = labels.last().map_or(ident_span.end, |l| l.span.end);
        let open_brace = self.text[header_end.saturating_sub(self.base)..]
            .find('{')
            .map_or(span.start, |i| header_end + i);
        let close_brace = span.end.saturating_sub(1);
        Block {
            ident: block.ident.as_str().to_string(),
            labels,
            header_span: span.start..header_end,
            open_brace,
            close_brace,
            syntax: Syntax::Hcl,
            body: self.body(&block.body, open_brace + 1..close_brace),
            span,
        }
    }

    fn expr(&self, expr: &HExpr, fallback: &Span) -> Expr {
        let span = self.span_of(expr, fallback);
        let kind = match expr {
            HExpr::Null(_) => ExprKind::Null,
            HExpr::Bool(b) => ExprKind::Bool(*b.value()),
            HExpr::Number(n) => {
                // A literal that an f64 cannot hold faithfully (more than 15 significant
                // digits, or out of range) is unknown: Terraform's numbers are exact.
                let text = span
                    .start
                    .checked_sub(self.base)
                    .zip(span.end.checked_sub(self.base))
                    .and_then(|(a, b)| self.text.get(a..b));
                let mut value = n.as_f64().unwrap_or(f64::NAN);
                if value == 0.0 && text.is_some_and(|t| t.trim_start().starts_with('-')) {
                    // `-0` is a number of its own in Terraform (`tostring(-0)` is "-0").
                    value = -0.0;
                }
                match text {
                    Some(t) if !crate::number::is_faithful(t, value) => ExprKind::Unsupported,
                    _ => ExprKind::Number(value),
                }
            }
            HExpr::String(s) => ExprKind::String(s.value().clone()),
            HExpr::Array(a) => ExprKind::Array(a.iter().map(|e| self.expr(e, &span)).collect()),
            HExpr::Object(o) => ExprKind::Object(
                o.iter()
                    .map(|(k, v)| ObjectItem {
                        key: match k {
                            hexpr::ObjectKey::Ident(id) => {
                                ObjectKey::Name(id.as_str().to_string(), self.span_of(id, &span))
                            }
                            hexpr::ObjectKey::Expression(e) => ObjectKey::Expr(self.expr(e, &span)),
                        },
                        value: self.expr(v.expr(), &span),
                    })
                    .collect(),
            ),
            HExpr::StringTemplate(t) => return self.template(t, span),
            HExpr::HeredocTemplate(h) => return self.template(&h.template, span),
            HExpr::Parenthesis(p) => return self.expr(p.inner(), &span),
            HExpr::Variable(v) => ExprKind::Variable(v.as_str().to_string()),
            HExpr::Conditional(c) => ExprKind::Conditional(
                Box::new(self.expr(&c.cond_expr, &span)),
                Box::new(self.expr(&c.true_expr, &span)),
                Box::new(self.expr(&c.false_expr, &span)),
            ),
            HExpr::FuncCall(f) => {
                let mut name = String::new();
                for ns in &f.name.namespace {
                    name.push_str(ns.as_str());
                    name.push_str("::");
                }
                name.push_str(f.name.name.as_str());
                ExprKind::FuncCall {
                    name,
                    args: f.args.iter().map(|a| self.expr(a, &span)).collect(),
                    expand_final: f.args.expand_final(),
                }
            }
            HExpr::Traversal(t) => {
                let base = self.expr(&t.expr, &span);
                let ops = t
                    .operators
                    .iter()
                    .map(|op| match op.value() {
                        hexpr::TraversalOperator::GetAttr(id) => {
                            TraversalOp::GetAttr(id.as_str().to_string(), self.span_of(op, &span))
                        }
                        hexpr::TraversalOperator::Index(e) => {
                            TraversalOp::Index(self.expr(e, &span))
                        }
                        hexpr::TraversalOperator::LegacyIndex(i) => {
                            let s = self.span_of(op, &span);
                            TraversalOp::LegacyIndex(Expr::new(
                                ExprKind::Number(*i.value() as f64),
                                s,
                            ))
                        }
                        hexpr::TraversalOperator::AttrSplat(_) => TraversalOp::AttrSplat,
                        hexpr::TraversalOperator::FullSplat(_) => TraversalOp::FullSplat,
                    })
                    .collect();
                ExprKind::Traversal(Box::new(base), ops)
            }
            HExpr::UnaryOp(u) => {
                let op = match u.operator.value() {
                    hexpr::UnaryOperator::Not => UnaryOp::Not,
                    hexpr::UnaryOperator::Neg => UnaryOp::Neg,
                };
                ExprKind::Unary(op, Box::new(self.expr(&u.expr, &span)))
            }
            HExpr::BinaryOp(b) => {
                use hexpr::BinaryOperator as B;
                let op = match b.operator.value() {
                    B::Eq => BinaryOp::Eq,
                    B::NotEq => BinaryOp::NotEq,
                    B::LessEq => BinaryOp::LessEq,
                    B::GreaterEq => BinaryOp::GreaterEq,
                    B::Less => BinaryOp::Less,
                    B::Greater => BinaryOp::Greater,
                    B::Plus => BinaryOp::Add,
                    B::Minus => BinaryOp::Sub,
                    B::Mul => BinaryOp::Mul,
                    B::Div => BinaryOp::Div,
                    B::Mod => BinaryOp::Mod,
                    B::And => BinaryOp::And,
                    B::Or => BinaryOp::Or,
                };
                ExprKind::Binary(
                    op,
                    Box::new(self.expr(&b.lhs_expr, &span)),
                    Box::new(self.expr(&b.rhs_expr, &span)),
                )
            }
            HExpr::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: self.expr(&f.intro.collection_expr, &span),
                key: f.key_expr.as_ref().map(|e| self.expr(e, &span)),
                value: self.expr(&f.value_expr, &span),
                cond: f.cond.as_ref().map(|c| self.expr(&c.expr, &span)),
                grouping: f.grouping,
            })),
        };
        Expr::new(kind, span)
    }

    fn template(&self, template: &htemplate::Template, span: Span) -> Expr {
        lower_template(template, span, |e, fallback| self.expr(e, fallback))
    }
}

/// Parses `text` as one HCL expression (a JSON file's type string), spans shifted by
/// `base`. `None` when it does not parse.
pub fn parse_expression(text: &str, base: usize) -> Option<Expr> {
    let expr = hcl_edit::parser::parse_expr(text).ok()?;
    Some(lower_expr_at(&expr, text, base, &(base..base + text.len())))
}

/// Lowers one `hcl-edit` expression parsed from `text`, shifting its spans by `base`.
pub(crate) fn lower_expr_at(expr: &HExpr, text: &str, base: usize, fallback: &Span) -> Expr {
    Lower { text, base }.expr(expr, fallback)
}

/// Lowers a template, unwrapping a template that is exactly one interpolation.
pub(crate) fn lower_template(
    template: &htemplate::Template,
    span: Span,
    mut lower_expr: impl FnMut(&HExpr, &Span) -> Expr,
) -> Expr {
    let parts = lower_parts(template, &span, &mut lower_expr, 0);
    match parts.as_slice() {
        [TemplatePart::Interpolation(e)] => e.clone(),
        [] => Expr::new(ExprKind::String(String::new()), span),
        [TemplatePart::Literal(s)] => Expr::new(ExprKind::String(s.clone()), span),
        _ => Expr::new(ExprKind::Template(parts), span),
    }
}

/// One element of a template being lowered, with its strip markers: `~` before removes the
/// whitespace at the end of the literal before it, `~` after the whitespace at the start of
/// the literal after it.
struct Lowered {
    part: TemplatePart,
    strip_before: bool,
    strip_after: bool,
}

fn lower_parts(
    template: &htemplate::Template,
    span: &Span,
    lower_expr: &mut dyn FnMut(&HExpr, &Span) -> Expr,
    depth: u32,
) -> Vec<TemplatePart> {
    let mut out: Vec<Lowered> = Vec::new();
    for element in template.iter() {
        let lowered = match element {
            htemplate::Element::Literal(s) => Lowered {
                part: TemplatePart::Literal(s.value().clone()),
                strip_before: false,
                strip_after: false,
            },
            htemplate::Element::Interpolation(i) => Lowered {
                part: TemplatePart::Interpolation(lower_expr(&i.expr, span)),
                strip_before: i.strip.strip_start(),
                strip_after: i.strip.strip_end(),
            },
            // Directives nest templates; past this depth they stay unmodelled.
            htemplate::Element::Directive(_) if depth > 32 => Lowered {
                part: TemplatePart::Directive,
                strip_before: false,
                strip_after: false,
            },
            htemplate::Element::Directive(dir) => match dir.as_ref() {
                htemplate::Directive::If(d) => {
                    let mut then = lower_parts(&d.if_expr.template, span, lower_expr, depth + 1);
                    let mut otherwise = match &d.else_expr {
                        Some(e) => lower_parts(&e.template, span, lower_expr, depth + 1),
                        None => Vec::new(),
                    };
                    if d.if_expr.strip.strip_end() {
                        trim_first(&mut then);
                    }
                    match &d.else_expr {
                        Some(e) => {
                            if e.strip.strip_start() {
                                trim_last(&mut then);
                            }
                            if e.strip.strip_end() {
                                trim_first(&mut otherwise);
                            }
                            if d.endif_expr.strip.strip_start() {
                                trim_last(&mut otherwise);
                            }
                        }
                        None => {
                            if d.endif_expr.strip.strip_start() {
                                trim_last(&mut then);
                            }
                        }
                    }
                    Lowered {
                        part: TemplatePart::If {
                            cond: lower_expr(&d.if_expr.cond_expr, span),
                            then,
                            otherwise,
                        },
                        strip_before: d.if_expr.strip.strip_start(),
                        strip_after: d.endif_expr.strip.strip_end(),
                    }
                }
                htemplate::Directive::For(d) => {
                    let f = &d.for_expr;
                    let mut body = lower_parts(&f.template, span, lower_expr, depth + 1);
                    if f.strip.strip_end() {
                        trim_first(&mut body);
                    }
                    if d.endfor_expr.strip.strip_start() {
                        trim_last(&mut body);
                    }
                    Lowered {
                        part: TemplatePart::For {
                            key_var: f.key_var.as_ref().map(|k| k.as_str().to_string()),
                            value_var: f.value_var.as_str().to_string(),
                            collection: lower_expr(&f.collection_expr, span),
                            body,
                        },
                        strip_before: f.strip.strip_start(),
                        strip_after: d.endfor_expr.strip.strip_end(),
                    }
                }
            },
        };
        out.push(lowered);
    }
    // Apply the strip markers to the literals next to them.
    for i in 0..out.len() {
        if out[i].strip_before && i > 0 {
            if let TemplatePart::Literal(s) = &mut out[i - 1].part {
                s.truncate(s.trim_end().len());
            }
        }
        if out[i].strip_after && i + 1 < out.len() {
            if let TemplatePart::Literal(s) = &mut out[i + 1].part {
                *s = s.trim_start().to_string();
            }
        }
    }
    out.into_iter()
        .map(|l| l.part)
        .filter(|p| !matches!(p, TemplatePart::Literal(s) if s.is_empty()))
        .collect()
}

/// Strips the whitespace at the start of a template's first part, when it is a literal.
fn trim_first(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(s)) = parts.first_mut() {
        *s = s.trim_start().to_string();
    }
}

/// Strips the whitespace at the end of a template's last part, when it is a literal.
fn trim_last(parts: &mut [TemplatePart]) {
    if let Some(TemplatePart::Literal(s)) = parts.last_mut() {
        s.truncate(s.trim_end().len());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_parsed_in_pieces_is_the_file_parsed_whole() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut texts = vec![
            "a = 1\nb = \"x ${f(\"}\")} %{if true}{%{endif}\"\n# c {\n/* { */\nresource \"t\" \"n\" {\n  x = <<EOT\n}\nEOT\n}\n".to_string(),
            "locals {\n  a = \"${ {b = 1}.b }\"\n}\n\nresource \"t\" \"m\" { y = [1,\n 2] }\n// end".to_string(),
        ];
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "tf") {
                    texts.extend(std::fs::read_to_string(&p).ok());
                }
            }
        }
        assert!(texts.len() > 50);
        for text in &texts {
            let whole = super::parse_hcl(text, 3).map(|b| format!("{b:?}"));
            for piece in [1, 7, 64] {
                let pieces = super::parse_in_pieces(text, 3, piece).map(|b| format!("{b:?}"));
                assert_eq!(whole, pieces, "{text}");
            }
        }
    }

    use super::*;

    /// Broken files and the first summary Terraform 1.11 prints for each (`terraform fmt
    /// -check main.tf`, run by hand), with where kmslint reports it (line, column).
    #[test]
    fn parse_errors_use_terraforms_summaries() {
        const KEY: &str = "resource \"aws_kms_key\" \"x\" {\n";
        for (body, terraform, line, column) in [
            (
                "  description = \"abc\n}\n",
                "Invalid multi-line string",
                2,
                17,
            ),
            (
                "  d = \"abc ${var.x\n}\n",
                "Invalid multi-line string",
                2,
                7,
            ),
            (
                "  d = \"a\" e = true\n}\n",
                "Missing newline after argument",
                2,
                11,
            ),
            ("  d = \"a\"\n", "Unclosed configuration block", 2, 10),
            (
                "  d = \"a\"\n}\n}\n",
                "Argument or block definition required",
                4,
                1,
            ),
            ("  d = \"a\" @\n}\n", "Invalid character", 2, 11),
            ("  $foo = 1\n}\n", "Invalid character", 2, 3),
            ("  d = \n}\n", "Invalid expression", 3, 1),
            ("  a = 1\n  a = 2\n}\n", "Attribute redefined", 3, 3),
            ("  a = [1, 2\n}\n", "Missing item separator", 3, 1),
            ("  a = { b = 1\n}\n", "Unclosed configuration block", 3, 2),
            (
                "  a = <<EOT\nabc\n}\n",
                "Unterminated template string",
                3,
                1,
            ),
            ("  a = \"x\\q\"\n}\n", "Invalid escape sequence", 2, 11),
            ("  a = 'x'\n}\n", "Invalid character", 2, 7),
        ] {
            let text = format!("{KEY}{body}");
            let e = parse_hcl(&text, 0).expect_err(body);
            let summary = e.message.split(':').next().unwrap();
            assert_eq!(summary, terraform, "{body:?}: {}", e.message);
            let p = crate::source::LineIndex::new(&text).position(&text, e.span.start);
            assert_eq!((p.line, p.column), (line, column), "{body:?}");
            // The parser's detail is kept after the summary.
            assert!(e.message.len() > terraform.len() + 2, "{}", e.message);
        }
        // A one-line block with two arguments.
        let e = parse_hcl("resource \"aws_kms_key\" \"x\" { a = 1 b = 2 }\n", 0).unwrap_err();
        assert!(
            e.message
                .starts_with("Invalid single-argument block definition: "),
            "{}",
            e.message
        );
    }

    #[test]
    fn spans_of_blocks_attributes_and_labels() {
        let src = "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = false\n}\n";
        let body = parse_hcl(src, 0).unwrap();
        let block = &body.blocks[0];
        assert_eq!(
            &src[block.header_span.clone()],
            "resource \"aws_kms_key\" \"k\""
        );
        assert_eq!(&src[block.span.clone()], src.trim_end());
        assert_eq!(&src[block.open_brace..block.open_brace + 1], "{");
        assert_eq!(&src[block.close_brace..block.close_brace + 1], "}");
        let attr = block.body.attribute("enable_key_rotation").unwrap();
        assert_eq!(&src[attr.span.clone()], "enable_key_rotation = false");
        assert_eq!(&src[attr.name_span.clone()], "enable_key_rotation");
        assert_eq!(&src[attr.expr.span.clone()], "false");
        assert_eq!(block.label(0), Some("aws_kms_key"));
    }

    #[test]
    fn one_line_blocks_crlf_and_bom_offsets() {
        let src =
            "\u{feff}locals {\r\n  a = { b = [1, \"x\"] }\r\n}\r\nresource \"a\" \"b\" {}\r\n";
        let body = parse_hcl(&src[3..], 3).unwrap();
        let locals = &body.blocks[0];
        let a = locals.body.attribute("a").unwrap();
        assert_eq!(&src[a.expr.span.clone()], "{ b = [1, \"x\"] }");
        let empty = &body.blocks[1];
        assert_eq!(&src[empty.open_brace..=empty.close_brace], "{}");
        assert!(empty.body.is_empty());
    }

    #[test]
    fn template_with_single_interpolation_is_unwrapped() {
        let src = "a = \"${var.x}\"\nb = \"x-${var.y}\"\n";
        let body = parse_hcl(src, 0).unwrap();
        let a = &body.attribute("a").unwrap().expr;
        assert_eq!(a.as_reference(), Some(("var".to_string(), vec!["x"])));
        assert!(matches!(
            body.attribute("b").unwrap().expr.kind,
            ExprKind::Template(_)
        ));
    }

    #[test]
    fn line_breaks_around_operators_inside_brackets_are_accepted() {
        let src = "locals {\n  a = { for k, v in var.m : k =>\n    v.x\n    ? 1\n    : 2 }\n  b = (true &&\n  false)\n}\n";
        let body = parse_hcl(src, 0).unwrap();
        let b = body.blocks[0].body.attribute("b").unwrap();
        assert_eq!(
            &src[b.expr.span.clone()],
            "(true &&\n  false)"
                .trim_start_matches('(')
                .trim_end_matches(')')
        );
    }

    #[test]
    fn duplicate_object_keys_parse_and_make_the_object_unknown() {
        let src = "locals {\n  o = {\n    port = 80\n    port = 81\n  }\n  p = 1\n}\n";
        let body = parse_hcl(src, 0).unwrap();
        let locals = &body.blocks[0].body;
        assert!(matches!(
            locals.attribute("o").unwrap().expr.kind,
            ExprKind::Unsupported
        ));
        assert!(matches!(
            locals.attribute("p").unwrap().expr.kind,
            ExprKind::Number(_)
        ));
    }

    #[test]
    fn for_expressions_and_splats_are_lowered() {
        let src = "a = [for k, v in var.m : v if k != \"x\"]\nb = {for x in var.l : x.k => x...}\nc = var.l[*].a.b\nd = var.l.*.a.0\ne = -0\n";
        let body = parse_hcl(src, 0).unwrap();
        let ExprKind::For(a) = &body.attribute("a").unwrap().expr.kind else {
            panic!("a is a for expression");
        };
        assert_eq!(a.key_var.as_deref(), Some("k"));
        assert_eq!(a.value_var, "v");
        assert!(a.key.is_none() && a.cond.is_some() && !a.grouping);
        assert_eq!(&src[a.collection.span.clone()], "var.m");
        let ExprKind::For(b) = &body.attribute("b").unwrap().expr.kind else {
            panic!("b is a for expression");
        };
        assert!(b.key.is_some() && b.grouping && b.key_var.is_none());
        let ExprKind::Traversal(_, ops) = &body.attribute("c").unwrap().expr.kind else {
            panic!("c is a traversal");
        };
        assert!(matches!(
            ops.as_slice(),
            [
                TraversalOp::GetAttr(..),
                TraversalOp::FullSplat,
                TraversalOp::GetAttr(..),
                TraversalOp::GetAttr(..)
            ]
        ));
        let ExprKind::Traversal(_, ops) = &body.attribute("d").unwrap().expr.kind else {
            panic!("d is a traversal");
        };
        assert!(matches!(
            ops.as_slice(),
            [
                TraversalOp::GetAttr(..),
                TraversalOp::AttrSplat,
                TraversalOp::GetAttr(..),
                TraversalOp::LegacyIndex(_)
            ]
        ));
        let ExprKind::Number(e) = body.attribute("e").unwrap().expr.kind else {
            panic!("e is a number");
        };
        assert!(e == 0.0 && e.is_sign_negative());
    }

    #[test]
    fn numbers_an_f64_cannot_hold_are_unsupported() {
        // (`hcl-edit` rejects a literal beyond the f64 range, such as 1e400, outright.)
        let body = parse_hcl("a = 9007199254740993\nb = 0.1\n", 0).unwrap();
        assert!(matches!(
            body.attribute("a").unwrap().expr.kind,
            ExprKind::Unsupported
        ));
        assert!(matches!(
            body.attribute("b").unwrap().expr.kind,
            ExprKind::Number(_)
        ));
    }

    #[test]
    fn real_errors_are_still_errors() {
        assert!(parse_hcl("a = 1\nb = \n", 0).is_err());
        assert!(parse_hcl("r {\n  a = (1 +\n", 0).is_err());
    }

    #[test]
    fn parse_error_has_a_span() {
        let err = parse_hcl("a = \n", 0).unwrap_err();
        assert!(!err.message.is_empty());
        assert!(err.span.start <= 5);
    }
}
