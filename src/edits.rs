//! Building text edits from syntax-tree spans, in either syntax, without reformatting: what
//! rules attach to findings as fixes. Applying them is [`crate::fix`].
//!
//! Every helper returns byte-range [`Edit`]s against the original text. They copy the
//! indentation and newline style already in the file; the fixer re-parses the result before
//! writing, so a helper that meets unusual layout (comments between tokens) can at worst
//! produce a fix that is rejected, never a broken file.

use crate::finding::Edit;
use crate::source::{line_indent, line_start, FileRef, Syntax};
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind};

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
            // `terraform fmt` aligns the `=` of consecutive one-line attributes: when the new
            // line joins such a group that is aligned already, align the group again.
            if let Some(group) = aligned_group(text, &block.body, ls, &indent) {
                let lead = columns(&indent) + columns(name);
                let width = group.lead.max(lead);
                let mut edits: Vec<Edit> = if width > group.lead {
                    let pad = " ".repeat(width - group.lead);
                    group
                        .equals
                        .iter()
                        .map(|&at| edit(at, at, pad.clone()))
                        .collect()
                } else {
                    Vec::new()
                };
                let pad = " ".repeat(width - lead + 1);
                edits.push(edit(ls, ls, format!("{indent}{name}{pad}= {value}{nl}")));
                return edits;
            }
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
        // A one-line block (`{ a = 1 }`) may hold only one attribute: make it multi-line,
        // with the two `=` aligned as `terraform fmt` would.
        let existing = match (&block.body.attributes[..], block.body.blocks.is_empty()) {
            ([a], true) if text.get(a.span.clone()) == Some(inner.trim()) => {
                let eq = a.name_span.end + 1;
                (text.get(a.name_span.end..eq + 1) == Some(" =")).then(|| {
                    let (lead, rest) =
                        (&text[a.span.start..a.name_span.end], &text[eq..a.span.end]);
                    let width = columns(lead).max(columns(name));
                    let pad_a = " ".repeat(width - columns(lead) + 1);
                    let pad = " ".repeat(width - columns(name) + 1);
                    format!("{lead}{pad_a}{rest}{nl}{indent}{name}{pad}= {value}")
                })
            }
            _ => None,
        };
        let lines = existing.unwrap_or_else(|| format!("{}{nl}{indent}{line}", inner.trim()));
        vec![edit(
            open + 1,
            close,
            format!("{nl}{indent}{lines}{nl}{outer_indent}"),
        )]
    }
}

/// The one-line attributes whose `=` `terraform fmt` aligns with a line inserted at `at` (a
/// line start), when they are aligned already.
struct Group {
    /// Offsets of each line's `=`.
    equals: Vec<usize>,
    /// The widest indentation + name, in columns (grapheme clusters, as `terraform fmt`).
    lead: usize,
}

/// `terraform fmt` (hclwrite's `formatCells`) aligns the `=` of a run of consecutive lines that
/// each hold a whole one-line attribute: one space after the widest name. Returns the run
/// that ends on the line above `at`, if it is aligned that way and indented like `indent`;
/// `None` when the new line starts a run of its own or the layout is not `terraform fmt`'s
/// (then nothing but the new line is written).
fn aligned_group(text: &str, body: &Body, at: usize, indent: &str) -> Option<Group> {
    let mut attributes: Vec<&Attribute> = body.attributes.iter().collect();
    attributes.sort_by_key(|a| a.span.start);
    let last_block = body.blocks.iter().map(|b| b.span.start).max();
    let mut line_above = at.checked_sub(1).map(|end| line_start(text, end))?;
    let mut equals = Vec::new();
    let mut lead = 0;
    let mut leads = Vec::new();
    let mut first_has_comment = false;
    let is_comment = |s: &str| s.starts_with('#') || s.starts_with("//") || s.starts_with("/*");
    for a in attributes.iter().rev() {
        if last_block.is_some_and(|b| b > a.span.start) {
            break;
        }
        let start = line_start(text, a.span.start);
        let rest_of_line = text[a.span.end..].split('\n').next().unwrap_or("").trim();
        let own_line = start == line_above
            && text[start..a.span.start] == *indent
            && !text[a.span.clone()].contains('\n')
            && (rest_of_line.is_empty() || is_comment(rest_of_line));
        if !own_line {
            break;
        }
        first_has_comment = !rest_of_line.is_empty();
        let gap = text[a.name_span.end..]
            .find(|c: char| c != ' ')
            .unwrap_or(0);
        let eq = a.name_span.end + gap;
        if gap == 0 || text.get(eq..eq + 1) != Some("=") {
            return None;
        }
        let this_lead = columns(&text[start..a.name_span.end]);
        lead = lead.max(this_lead);
        leads.push(columns(&text[start..eq]));
        equals.push(eq);
        match start.checked_sub(1) {
            Some(end) => line_above = line_start(text, end),
            None => break,
        }
    }
    if equals.is_empty() || leads.iter().any(|&c| c != lead + 1) {
        return None;
    }
    // Trailing comments are aligned too, over runs of lines that have one; moving every `=` of
    // the group moves its comments with them, which is right unless such a run goes on above
    // the group (a commented block header): then leave the layout alone.
    let above = text[line_above..].split('\n').next().unwrap_or("");
    if first_has_comment && (above.contains('#') || above.contains("//") || above.contains("/*")) {
        return None;
    }
    equals.reverse();
    Some(Group { equals, lead })
}

/// Width in grapheme clusters, the unit `terraform fmt` aligns by.
fn columns(s: &str) -> usize {
    use unicode_segmentation::UnicodeSegmentation;
    s.graphemes(true).count()
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

/// Removes a nested block of native HCL with the lines it occupies (its indentation and
/// line end included), when nothing but blanks shares those lines; a blank line left right
/// above it goes too, so that two blank lines do not meet. No edit for JSON or other
/// layouts.
pub fn remove_block(file: &FileRef, block: &Block) -> Vec<Edit> {
    if block.syntax == Syntax::Json {
        return Vec::new();
    }
    let text = &file.text;
    let (start, end) = (block.span.start, block.span.end);
    if end > text.len() || start >= end || text.get(end - 1..end) != Some("}") {
        return Vec::new();
    }
    let from = line_start(text, start);
    if !text[from..start].chars().all(|c| c == ' ' || c == '\t') {
        return Vec::new();
    }
    let rest = &text[end..];
    let eol = rest.find('\n').map_or(text.len(), |n| end + n + 1);
    if !text[end..eol].trim().is_empty() {
        return Vec::new();
    }
    // A blank line above, with a blank line (or the body's end) below: drop one of them.
    let mut from = from;
    let above = text[..from]
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t));
    if let Some(above) = above {
        let prev = line_start(above, above.len());
        let below_blank = text[eol..]
            .split('\n')
            .next()
            .is_some_and(|l| l.trim().is_empty() || l.trim() == "}");
        if above[prev..].trim().is_empty() && below_blank && prev < from {
            from = prev;
        }
    }
    vec![Edit {
        file: file.clone(),
        span: from..eol,
        content: String::new(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use std::sync::Arc;

    fn file(text: &str) -> FileRef {
        Arc::new(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            text.to_string(),
            Syntax::Hcl,
        ))
    }

    /// Removes the `n`th nested block of the first resource.
    fn without_block(text: &str, outer: &str, n: usize) -> String {
        let f = file(text);
        let body = crate::hcl::parse_hcl(text, 0).unwrap();
        let block = body.blocks[0].body.blocks_named(outer).next().unwrap();
        let inner = &block.body.blocks[n];
        let edits = remove_block(&f, inner);
        assert_eq!(edits.len(), 1, "{text}");
        let e = &edits[0];
        format!("{}{}", &text[..e.span.start], &text[e.span.end..])
    }

    #[test]
    fn remove_block_takes_its_lines_and_one_blank_line() {
        let text = "resource \"a\" \"b\" {\n  s {\n    x {\n      f = 1\n    }\n\n    y {\n      f = 2\n    }\n  }\n}\n";
        assert_eq!(
            without_block(text, "s", 1),
            "resource \"a\" \"b\" {\n  s {\n    x {\n      f = 1\n    }\n  }\n}\n"
        );
        assert_eq!(
            without_block(text, "s", 0),
            "resource \"a\" \"b\" {\n  s {\n\n    y {\n      f = 2\n    }\n  }\n}\n"
        );
        // CRLF line ends go with their lines.
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(
            without_block(&crlf, "s", 1),
            "resource \"a\" \"b\" {\r\n  s {\r\n    x {\r\n      f = 1\r\n    }\r\n  }\r\n}\r\n"
        );
        // Something else on the block's line: no edit.
        let f = file("resource \"a\" \"b\" {\n  s {\n    x { f = 1 } # note\n  }\n}\n");
        let body = crate::hcl::parse_hcl(&f.text, 0).unwrap();
        let s = body.blocks[0].body.blocks_named("s").next().unwrap();
        assert!(remove_block(&f, &s.body.blocks[0]).is_empty());
    }
}
