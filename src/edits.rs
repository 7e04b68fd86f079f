//! Building text edits from syntax-tree spans, in either syntax, without reformatting: what
//! rules attach to findings as fixes. Applying them is [`crate::fix`].
//!
//! Every helper returns byte-range [`Edit`]s against the original text. They copy the
//! indentation and newline style already in the file; the fixer re-parses the result before
//! writing, so a helper that meets unusual layout (comments between tokens) can at worst
//! produce a fix that is rejected, never a broken file.

use crate::finding::Edit;
use crate::source::{line_indent, line_start, FileRef, Syntax};
use crate::syntax::{Block, Expr, ExprKind};

/// Inserts `name = value` (HCL) or `"name": value` (JSON) into a block's body.
pub fn insert_attribute(file: &FileRef, block: &Block, name: &str, value: &str) -> Vec<Edit> {
    let text = &file.text;
    let (open, close) = (block.open_brace, block.close_brace);
    if close <= open
        || text.get(open..open + 1) != Some("{")
        || text.get(close..close + 1) != Some("}")
    {
        return Vec::new();
    }
    let edit = |start: usize, end: usize, content: String| Edit {
        file: file.clone(),
        span: start..end,
        content,
    };
    let inner = &text[open + 1..close];
    if block.syntax == Syntax::Json {
        let member = format!("\"{name}\": {value}");
        let Some(first) = inner.find(|c: char| !c.is_whitespace()) else {
            return vec![edit(open + 1, close, member)];
        };
        let gap = &inner[..first];
        return vec![edit(
            open + 1 + first,
            open + 1 + first,
            format!("{member},{gap}"),
        )];
    }
    let nl = file.newline();
    let outer_indent = line_indent(text, block.span.start);
    let unit = if outer_indent.contains('\t') {
        "\t"
    } else {
        "  "
    };
    let indent = match block.body.first_item_start() {
        Some(first) if line_start(text, first) > open => line_indent(text, first).to_string(),
        _ => format!("{outer_indent}{unit}"),
    };
    let line = format!("{name} = {value}");
    if inner.contains('\n') {
        let ls = line_start(text, close);
        if text[ls..close].trim().is_empty() {
            vec![edit(ls, ls, format!("{indent}{line}{nl}"))]
        } else {
            vec![edit(
                close,
                close,
                format!("{nl}{indent}{line}{nl}{outer_indent}"),
            )]
        }
    } else if inner.trim().is_empty() {
        vec![edit(
            open + 1,
            close,
            format!("{nl}{indent}{line}{nl}{outer_indent}"),
        )]
    } else {
        // A one-line block (`{ a = 1 }`) may hold only one attribute: make it multi-line.
        vec![edit(
            open + 1,
            close,
            format!(
                "{nl}{indent}{}{nl}{indent}{line}{nl}{outer_indent}",
                inner.trim()
            ),
        )]
    }
}

/// Replaces an expression with new text (the same in both syntaxes for the values we write).
pub fn replace_expr(file: &FileRef, expr: &Expr, content: &str) -> Vec<Edit> {
    vec![Edit {
        file: file.clone(),
        span: expr.span.clone(),
        content: content.to_string(),
    }]
}

/// Appends `item` to a literal list, following its one-line or one-item-per-line layout.
pub fn append_to_list(file: &FileRef, list: &Expr, item: &str) -> Vec<Edit> {
    let ExprKind::Array(items) = &list.kind else {
        return Vec::new();
    };
    let text = &file.text;
    let edit = |at: usize, content: String| Edit {
        file: file.clone(),
        span: at..at,
        content,
    };
    let Some(last) = items.last() else {
        let inner = list.span.start + 1..list.span.end.saturating_sub(1);
        return vec![Edit {
            file: file.clone(),
            span: inner,
            content: item.to_string(),
        }];
    };
    let after = last.span.end;
    let rest = text.get(after..).unwrap_or("");
    let trailing_comma = rest
        .trim_start()
        .starts_with(',')
        .then(|| after + rest.find(',').unwrap_or(0));
    let one_per_line = line_start(text, last.span.start) > list.span.start;
    if one_per_line {
        let nl = file.newline();
        let indent = line_indent(text, last.span.start);
        // A line comment after the last element stays on that element's line: the new
        // element goes on the next line.
        let from = trailing_comma.map_or(after, |c| c + 1);
        let line_rest = &text[from..];
        let eol = from + line_rest.find('\n').unwrap_or(line_rest.len());
        let eol = if text[..eol].ends_with('\r') {
            eol - 1
        } else {
            eol
        };
        let rest = text[from..eol].trim_start();
        let comment_follows = rest.starts_with('#') || rest.starts_with("//");
        match (trailing_comma, comment_follows) {
            (Some(_), true) => vec![edit(eol, format!("{nl}{indent}{item},"))],
            (None, true) => vec![
                edit(after, ",".to_string()),
                edit(eol, format!("{nl}{indent}{item}")),
            ],
            (Some(c), false) => vec![edit(c + 1, format!("{nl}{indent}{item},"))],
            (None, false) => vec![edit(after, format!(",{nl}{indent}{item}"))],
        }
    } else {
        match trailing_comma {
            Some(c) => vec![edit(c + 1, format!(" {item}"))],
            None => vec![edit(after, format!(", {item}"))],
        }
    }
}

/// Removes element `index` of a literal list together with its separator.
pub fn remove_from_list(file: &FileRef, list: &Expr, index: usize) -> Vec<Edit> {
    let ExprKind::Array(items) = &list.kind else {
        return Vec::new();
    };
    let Some(element) = items.get(index) else {
        return Vec::new();
    };
    let span = if items.len() == 1 {
        list.span.start + 1..list.span.end.saturating_sub(1)
    } else if let Some(next) = items.get(index + 1) {
        element.span.start..next.span.start
    } else {
        items[index - 1].span.end..element.span.end
    };
    vec![Edit {
        file: file.clone(),
        span,
        content: String::new(),
    }]
}
