//! Human output, in the layout of rustc and ruff:
//!
//! ```text
//! warning[kms-key-rotation-disabled]: KMS key `aws_kms_key.x` does not rotate: …
//!   --> main.tf:3:3
//!    |
//!  3 |   enable_key_rotation = false
//!    |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^ aws_kms_key.x
//!    |
//!    = help: fix: set `enable_key_rotation = true` (run `kmslint check --fix`)
//!    = docs: https://github.com/kmslint/kmslint/blob/v0.1.0/rules/kms-key-rotation-disabled.md
//! ```
//!
//! The severity is always written as a word, so the output reads the same without colour.
//! A source line wider than the output is cropped to a window around the span, with `...`
//! where text is left out (a `terraform show -json` plan is one line of megabytes); the cost
//! of a finding is bounded by the width, not by the line, and no column is too large. Tabs
//! are shown as four spaces, and control and bidirectional-override characters as `�`, so
//! source text cannot move the cursor or recolour the terminal. Lines are never wrapped, so
//! a path is never broken.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthChar;

use crate::finding::LintOutput;
use crate::finding::{Finding, LintError, Severity};
use crate::fix::FixSummary;
use crate::source::{clamp_to_char_boundary, SourceFile, Span};

/// How to lay out human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// ANSI colours (SGR escape sequences).
    pub color: bool,
    /// The width to fit source excerpts into, in terminal columns.
    pub width: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            color: false,
            width: DEFAULT_WIDTH,
        }
    }
}

/// The width when neither `COLUMNS` nor the terminal says.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrower than this, an excerpt would be mostly ellipsis.
const MIN_WIDTH: usize = 40;
/// What marks text left out of a cropped line.
const ELLIPSIS: &str = "...";
/// How a tab is shown.
const TAB: &str = "    ";
/// A multi-line span shows at most this many lines between its first and its last.
const MAX_MIDDLE_LINES: usize = 2;

pub fn render(out: &LintOutput, fixed: Option<&FixSummary>, options: &Options) -> String {
    let r = Renderer::new(options);
    let mut s = String::new();
    for e in &out.errors {
        r.error(&mut s, e);
    }
    for f in &out.findings {
        r.finding(&mut s, f);
    }
    let fixable = super::json::fixable(out);
    if let Some(fx) = fixed {
        if fx.fixed > 0 {
            let _ = writeln!(
                s,
                "Fixed {} in {}.",
                plural(fx.fixed, "finding"),
                plural(fx.files.len(), "file")
            );
        }
    }
    let _ = writeln!(
        s,
        "{} in {} ({} checked){}{}",
        plural(out.findings.len(), "finding"),
        plural(out.modules, "module"),
        plural(out.files, "file"),
        if out.errors.is_empty() {
            String::new()
        } else {
            format!(", {}", plural(out.errors.len(), "error"))
        },
        if fixable > 0 {
            format!("; {fixable} fixable with `kmslint check --fix`")
        } else {
            String::new()
        },
    );
    s
}

/// `1 finding`, `2 findings`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

// ---------------------------------------------------------------------------------------------
// Styles
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Style {
    Error,
    Warning,
    Note,
    /// Line numbers, `-->`, `|`, secondary marks.
    Gutter,
    /// The message of a diagnostic and the `help:` of a footer.
    Bold,
}

impl Style {
    fn of(severity: Severity) -> Style {
        match severity {
            Severity::Error => Style::Error,
            Severity::Warning => Style::Warning,
            Severity::Note => Style::Note,
        }
    }

    fn sgr(self) -> &'static str {
        match self {
            Style::Error => "\x1b[1;31m",
            Style::Warning => "\x1b[1;33m",
            Style::Note => "\x1b[1;36m",
            Style::Gutter => "\x1b[1;34m",
            Style::Bold => "\x1b[1m",
        }
    }
}

const RESET: &str = "\x1b[0m";

struct Renderer {
    color: bool,
    width: usize,
}

/// One span to underline in an excerpt.
struct Label {
    span: Span,
    primary: bool,
    text: String,
}

/// A piece of one source line to underline: a byte range inside the line's content (an
/// empty range is a position, drawn as one mark).
struct Mark {
    range: Span,
    primary: bool,
    text: String,
    /// False for the lines inside a multi-line span: shown, not marked.
    underline: bool,
}

impl Mark {
    fn new(range: Span, label: &Label, text: bool) -> Mark {
        Mark {
            range,
            primary: label.primary,
            text: if text {
                label.text.clone()
            } else {
                String::new()
            },
            underline: true,
        }
    }
}

/// One excerpt row: a window of a line with the marks under it. A line whose marks do not fit
/// one window is shown in several rows.
struct Row {
    line0: usize,
    marks: Vec<Mark>,
}

impl Renderer {
    fn new(options: &Options) -> Renderer {
        Renderer {
            color: options.color,
            width: options.width.max(MIN_WIDTH),
        }
    }

    fn paint(&self, s: &mut String, style: Style, text: &str) {
        if self.color && !text.is_empty() {
            s.push_str(style.sgr());
            s.push_str(text);
            s.push_str(RESET);
        } else {
            s.push_str(text);
        }
    }

    fn header(&self, s: &mut String, severity: Severity, code: &str, message: &str) {
        self.paint(
            s,
            Style::of(severity),
            &format!("{}[{code}]", severity.as_str()),
        );
        s.push_str(": ");
        self.paint(s, Style::Bold, &clean_message(message));
        s.push('\n');
    }

    fn finding(&self, s: &mut String, f: &Finding) {
        self.header(s, f.severity, f.rule, &f.message);
        let mut labels = vec![Label {
            span: f.span.clone(),
            primary: true,
            text: f.address.clone(),
        }];
        let mut footers: Vec<(&str, String)> = Vec::new();
        if let Some(fix) = &f.fix {
            let how = if fix.is_safe() {
                " (run `kmslint check --fix`)"
            } else {
                ""
            };
            footers.push(("help", format!("fix: {}{how}", fix.title)));
        }
        for r in &f.related {
            if r.file.path == f.file.path {
                labels.push(Label {
                    span: r.span.clone(),
                    primary: false,
                    text: r.message.clone(),
                });
            } else {
                footers.push((
                    "note",
                    format!("{}: {}", location(&r.file, &r.span), r.message),
                ));
            }
        }
        if f.instances.len() > 1 {
            footers.push(("note", instances(&f.instances)));
        }
        footers.push(("docs", super::rule_url(f.rule)));
        self.snippet(s, &f.file, f.severity, &labels, &footers);
    }

    fn error(&self, s: &mut String, e: &LintError) {
        match &e.location {
            Some((file, span)) => {
                self.header(s, Severity::Error, PARSE_ERROR, &e.message);
                let label = Label {
                    span: span.clone(),
                    primary: true,
                    text: String::new(),
                };
                self.snippet(s, file, Severity::Error, &[label], &[]);
            }
            None => {
                self.paint(s, Style::Error, "error");
                let _ = writeln!(s, ": {}: {}\n", e.path, clean_message(&e.message));
            }
        }
    }

    /// `--> file:line:col`, the excerpt and the footers, then a blank line. `labels[0]` is
    /// the primary one.
    fn snippet(
        &self,
        s: &mut String,
        file: &SourceFile,
        severity: Severity,
        labels: &[Label],
        footers: &[(&str, String)],
    ) {
        let rows = self.rows(file, labels);
        let last_line = rows.iter().map(|r| r.line0 + 1).max().unwrap_or(1);
        let gutter = last_line.to_string().len();
        let pad = " ".repeat(gutter);
        let start = labels.first().map_or(0, |l| l.span.start);
        s.push_str(&pad);
        self.paint(s, Style::Gutter, "-->");
        let _ = writeln!(s, " {}", location(file, &(start..start)));
        self.gutter_line(s, &pad);
        let mut previous: Option<usize> = None;
        for row in &rows {
            if let Some(p) = previous {
                if row.line0 > p + 1 {
                    self.paint(s, Style::Gutter, &format!("{:<w$}", "...", w = gutter + 2));
                    s.push('\n');
                }
            }
            previous = Some(row.line0);
            self.row(s, file, row, gutter, severity);
        }
        self.gutter_line(s, &pad);
        for (kind, text) in footers {
            let _ = write!(s, "{pad} ");
            self.paint(s, Style::Gutter, "=");
            s.push(' ');
            self.paint(s, Style::Bold, &format!("{kind}:"));
            let _ = writeln!(s, " {}", clean_message(text));
        }
        s.push('\n');
    }

    fn gutter_line(&self, s: &mut String, pad: &str) {
        s.push_str(pad);
        s.push(' ');
        self.paint(s, Style::Gutter, "|");
        s.push('\n');
    }

    /// The rows that show `labels`, in line order: a multi-line span marks the rest of its
    /// first line and the start of its last, with up to [`MAX_MIDDLE_LINES`] in between.
    fn rows(&self, file: &SourceFile, labels: &[Label]) -> Vec<Row> {
        let lines = file.lines();
        let text = &file.text;
        let mut marks: Vec<(usize, Mark)> = Vec::new();
        for label in labels {
            let start = clamp_to_char_boundary(text, label.span.start);
            let end = clamp_to_char_boundary(text, label.span.end).max(start);
            let first = lines.line_of(start);
            let mut last = lines.line_of(end);
            // A span that ends just after a line break ends on the line before.
            if last > first && end == lines.line_start(last) {
                last -= 1;
            }
            let c = line_content(file, first);
            let start = start.clamp(c.start, c.end);
            if first == last {
                let range = start..end.clamp(start, c.end);
                marks.push((first, Mark::new(range, label, true)));
                continue;
            }
            marks.push((first, Mark::new(start..c.end, label, false)));
            if last - first - 1 <= MAX_MIDDLE_LINES {
                for line0 in first + 1..last {
                    let c = line_content(file, line0);
                    let mut mark = Mark::new(c.start..c.start, label, false);
                    mark.underline = false;
                    marks.push((line0, mark));
                }
            }
            let c = line_content(file, last);
            let end = end.clamp(c.start, c.end);
            let body = text[c.start..end]
                .find(|ch: char| ch != ' ' && ch != '\t')
                .map_or(c.start, |i| c.start + i);
            marks.push((last, Mark::new(body..end, label, true)));
        }
        // Stable: on one line the primary label (pushed first) stays first.
        marks.sort_by_key(|(line0, m)| (*line0, m.range.start));
        let mut rows: Vec<Row> = Vec::new();
        for (line0, mark) in marks {
            let fits = rows.last().is_some_and(|r| {
                let from = r.marks.iter().map(|m| m.range.start).min().unwrap_or(0);
                r.line0 == line0
                    && fits_in(
                        text,
                        from..mark.range.end,
                        self.code_width(line0 + 1) - 2 * ELLIPSIS.len(),
                    )
            });
            match rows.last_mut() {
                Some(r) if fits => r.marks.push(mark),
                _ => rows.push(Row {
                    line0,
                    marks: vec![mark],
                }),
            }
        }
        rows
    }

    /// Columns left for source text after the gutter of a line number this wide.
    fn code_width(&self, last_line: usize) -> usize {
        let gutter = last_line.to_string().len() + 3;
        self.width.saturating_sub(gutter).max(MIN_WIDTH / 2)
    }

    /// A source row: the window of the line, then one line of marks per label.
    fn row(&self, s: &mut String, file: &SourceFile, row: &Row, gutter: usize, severity: Severity) {
        let content = line_content(file, row.line0);
        let from = row
            .marks
            .iter()
            .map(|m| m.range.start)
            .min()
            .unwrap_or(content.start);
        let to = row.marks.iter().map(|m| m.range.end).max().unwrap_or(from);
        let width = self.width.saturating_sub(gutter + 3).max(MIN_WIDTH / 2);
        let window = window(&file.text, content.clone(), from..to, width);
        let left_cut = window.start > content.start;
        let right_cut = window.end < content.end;
        let mut code = String::new();
        let mut col = 0;
        if left_cut {
            code.push_str(ELLIPSIS);
            col += ELLIPSIS.len();
        }
        // Display columns of each mark, start inclusive, end exclusive.
        let mut cols: Vec<(Option<usize>, usize)> = vec![(None, 0); row.marks.len()];
        for (i, ch) in file.text[window.clone()].char_indices() {
            let at = window.start + i;
            let w = show(&mut code, ch);
            for (m, c) in row.marks.iter().zip(cols.iter_mut()) {
                if c.0.is_none() && at >= m.range.start {
                    c.0 = Some(col);
                }
                if at < m.range.end {
                    c.1 = col + w;
                }
            }
            col += w;
        }
        if right_cut {
            code.push_str(ELLIPSIS);
        }
        let number = format!("{:>gutter$} |", row.line0 + 1);
        self.paint(s, Style::Gutter, &number);
        if !code.is_empty() {
            s.push(' ');
            s.push_str(&code);
        }
        s.push('\n');
        let pad = " ".repeat(gutter);
        for (m, (start, end)) in row.marks.iter().zip(cols) {
            if !m.underline {
                continue;
            }
            // A position at the end of the window is drawn just after it.
            let start = start.unwrap_or(col);
            let mut end = end.max(start + 1);
            if m.range.end > window.end && right_cut {
                end = end.max(col + ELLIPSIS.len());
            }
            s.push_str(&pad);
            s.push(' ');
            self.paint(s, Style::Gutter, "|");
            s.push(' ');
            s.push_str(&" ".repeat(start));
            let (glyph, style) = if m.primary {
                ("^", Style::of(severity))
            } else {
                ("-", Style::Gutter)
            };
            let mut marks = glyph.repeat(end - start);
            if !m.text.is_empty() {
                marks.push(' ');
                marks.push_str(&clean_message(&m.text));
            }
            self.paint(s, style, &marks);
            s.push('\n');
        }
    }
}

const PARSE_ERROR: &str = "parse-error";

/// `path:line:col` of the start of a span.
fn location(file: &SourceFile, span: &Span) -> String {
    let p = file.position(span.start);
    format!("{}:{}:{}", file.display, p.line, p.column)
}

/// `2 instances: a, b` (at most five named).
fn instances(all: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = format!("{}: ", plural(all.len(), "instance"));
    s.push_str(
        &all.iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
    );
    if all.len() > SHOWN {
        let _ = write!(s, " and {} more", all.len() - SHOWN);
    }
    s
}

/// The byte range of a 0-based line without its line break (`\n` or `\r\n`) and without a
/// byte-order mark.
fn line_content(file: &SourceFile, line0: usize) -> Span {
    let mut span = file.lines().line_span(&file.text, line0);
    if span.start == 0 {
        span.start = file.bom_len.min(span.end);
    }
    if span.end > span.start && file.text.as_bytes()[span.end - 1] == b'\r' {
        span.end -= 1;
    }
    span
}

/// Appends how a character is shown in an excerpt to `out`; returns its width in columns.
fn show(out: &mut String, ch: char) -> usize {
    match ch {
        '\t' => out.push_str(TAB),
        c if c.is_control() || is_bidi_control(c) => out.push('\u{fffd}'),
        c => out.push(c),
    }
    char_width(ch)
}

/// The width of a character in an excerpt, in columns.
fn char_width(ch: char) -> usize {
    match ch {
        '\t' => TAB.len(),
        c if c.is_control() || is_bidi_control(c) => 1,
        c => c.width().unwrap_or(0),
    }
}

/// Characters that reorder the text around them (CVE-2021-42574, "Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
}

/// Whether `span` of `text` is at most `columns` wide; stops counting when it is not.
fn fits_in(text: &str, span: Span, columns: usize) -> bool {
    let mut w = 0;
    text.get(span).is_some_and(|t| {
        t.chars().all(|c| {
            w += char_width(c);
            w <= columns
        })
    })
}

/// The part of the line `content` to show so that `marks` (a range inside it) is visible in
/// `width` columns: the whole line when it fits, otherwise a window around the marks with
/// room for an ellipsis at each end. Context is shared between the two sides, and a side the
/// line ends on gives its share to the other; no cut hides less than an ellipsis is wide.
/// Marks wider than the window are cut at its end.
/// The cost is bounded by `width`, whatever the length of the line or of the marks.
fn window(text: &str, content: Span, marks: Span, width: usize) -> Span {
    if fits_in(text, content.clone(), width) {
        return content;
    }
    let avail = width.saturating_sub(2 * ELLIPSIS.len()).max(1);
    let start = marks.start.clamp(content.start, content.end);
    let end = marks.end.clamp(start, content.end);
    // An empty span still needs a column for its mark.
    let (marks_end, used) = walk_right(text, start, end, avail);
    let spare = avail - used - usize::from(start == end);
    if marks_end < end {
        return walk_left(text, content.start, start, spare)..marks_end;
    }
    let left = walk_left(text, content.start, start, spare / 2);
    let used_left = columns(text, left..start);
    let (right, used_right) = walk_right(text, marks_end, content.end, spare - used_left);
    let mut left = if used_left + used_right < spare {
        walk_left(text, content.start, start, spare - used_right)
    } else {
        left
    };
    let mut right = right;
    // Cutting no more than an ellipsis is as wide would save nothing: show the text.
    if fits_in(text, content.start..left, ELLIPSIS.len()) {
        left = content.start;
    }
    if fits_in(text, right..content.end, ELLIPSIS.len()) {
        right = content.end;
    }
    left..right
}

/// Display columns of `span` of `text` (which must be short: the caller bounds it).
fn columns(text: &str, span: Span) -> usize {
    text.get(span)
        .map_or(0, |t| t.chars().map(char_width).sum())
}

/// The offset up to `columns` columns left of `from`, not before `limit`.
fn walk_left(text: &str, limit: usize, from: usize, columns: usize) -> usize {
    let mut at = from;
    let mut used = 0;
    for c in text[limit..from].chars().rev() {
        let w = char_width(c);
        if used + w > columns {
            break;
        }
        used += w;
        at -= c.len_utf8();
    }
    at
}

/// The offset up to `columns` columns right of `from`, not after `limit`, and the columns used.
fn walk_right(text: &str, from: usize, limit: usize, columns: usize) -> (usize, usize) {
    let mut at = from;
    let mut used = 0;
    for c in text[from..limit].chars() {
        let w = char_width(c);
        if used + w > columns {
            break;
        }
        used += w;
        at += c.len_utf8();
    }
    (at, used)
}

/// A message on one line of the terminal's own text: line breaks and tabs become spaces, other
/// control characters `�`.
fn clean_message(s: &str) -> String {
    s.replace("\r\n", " ")
        .chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() || is_bidi_control(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::finding::Related;
    use crate::source::{FileRef, Syntax};

    fn file(text: &str) -> FileRef {
        Arc::new(SourceFile::new(
            PathBuf::from("/r/main.tf"),
            "main.tf".to_string(),
            text.to_string(),
            Syntax::Hcl,
        ))
    }

    fn finding(file: &FileRef, span: Span) -> Finding {
        Finding {
            rule: "some-rule",
            severity: Severity::Warning,
            message: "m".to_string(),
            file: file.clone(),
            span,
            address: "aws_kms_key.x".to_string(),
            related: Vec::new(),
            fix: None,
            resource_span: None,
            attribute: None,
            corrected_value: None,
            instances: Vec::new(),
            suppression: None,
        }
    }

    fn render_one(f: Finding, width: usize) -> String {
        let out = LintOutput {
            findings: vec![f],
            ..LintOutput::default()
        };
        render(
            &out,
            None,
            &Options {
                color: false,
                width,
            },
        )
    }

    /// The excerpt rows (`N | …`) and mark rows (`  | ^^^`) of a rendering.
    fn excerpt(s: &str) -> Vec<&str> {
        s.lines()
            .filter(|l| {
                let t = l.trim_start();
                let digits = t.trim_start_matches(|c: char| c.is_ascii_digit());
                (digits.len() < t.len() && digits.starts_with(" |"))
                    || (t.starts_with('|') && t.len() > 1)
            })
            .collect()
    }

    #[test]
    fn a_short_line_is_shown_whole_with_the_span_under_it() {
        let text = "resource \"aws_kms_key\" \"x\" {\n  enable_key_rotation = false\n}\n";
        let f = file(text);
        let at = text.find("enable").unwrap();
        let s = render_one(finding(&f, at..at + 27), 100);
        assert!(
            s.starts_with("warning[some-rule]: m\n --> main.tf:2:3\n"),
            "{s}"
        );
        assert_eq!(
            excerpt(&s),
            [
                "2 |   enable_key_rotation = false",
                "  |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^ aws_kms_key.x",
            ]
        );
        assert!(s.contains("  = docs: https://github.com/kmslint/kmslint/blob/v"));
        assert!(
            s.ends_with("\n1 finding in 0 modules (0 files checked)\n"),
            "{s}"
        );
    }

    #[test]
    fn a_long_line_is_cropped_around_the_span() {
        let text = format!(
            "{}enable_key_rotation = false{}\n",
            "a".repeat(200_000),
            "b".repeat(200_000)
        );
        let f = file(&text);
        let at = 200_000;
        let s = render_one(finding(&f, at..at + 27), 100);
        assert!(s.contains("--> main.tf:1:200001"), "{s}");
        let rows = excerpt(&s);
        assert_eq!(rows.len(), 2, "{s}");
        assert!(
            rows[0].starts_with("1 | ...a") && rows[0].ends_with("b..."),
            "{s}"
        );
        assert!(rows[0].contains("aenable_key_rotation = falseb"), "{s}");
        // The marks sit under the span.
        let col = rows[0].find("enable").unwrap();
        assert_eq!(rows[1].find('^'), Some(col), "{s}");
        assert_eq!(rows[1].matches('^').count(), 27);
        for line in s.lines() {
            assert!(line.chars().count() <= 100, "{line}");
        }
        // At the start and the end of the line, only one side is cut.
        let s = render_one(finding(&f, 0..5), 100);
        assert!(excerpt(&s)[0].starts_with("1 | aaaa") && excerpt(&s)[0].ends_with("a..."));
        let end = text.len() - 1;
        let s = render_one(finding(&f, end..end), 100);
        let rows = excerpt(&s);
        assert!(
            rows[0].starts_with("1 | ...b") && rows[0].ends_with('b'),
            "{s}"
        );
        assert_eq!(rows[1].find('^'), Some(rows[0].len()), "{s}");
    }

    #[test]
    fn a_cut_never_hides_less_than_the_ellipsis() {
        // 96 columns for code, 90 without the ellipses, 63 to spare around the span: 31 on
        // the left would hide two of the 33 columns before it.
        let text = format!(
            "{}enable_key_rotation = false{}\n",
            "a".repeat(33),
            "b".repeat(10_000)
        );
        let f = file(&text);
        let s = render_one(finding(&f, 33..60), 100);
        let row = excerpt(&s)[0];
        assert!(row.starts_with("1 | aaaa"), "{row}");
        assert!(row.ends_with("b..."), "{row}");
    }

    #[test]
    fn a_span_wider_than_the_window_is_cut_at_its_end() {
        let text = format!("x = \"{}\"\n", "v".repeat(5000));
        let f = file(&text);
        let s = render_one(finding(&f, 4..text.len() - 1), 80);
        let rows = excerpt(&s);
        assert!(rows[0].ends_with("v..."), "{s}");
        assert!(rows[1].contains("^^^ aws_kms_key.x"), "{s}");
        assert!(s.lines().all(|l| l.chars().count() <= 100), "{s}");
    }

    #[test]
    fn wide_characters_tabs_and_control_characters_keep_marks_aligned() {
        let text = "\t日本 = \"\u{1b}[31m\u{202e}\" # x\n";
        let f = file(text);
        let at = text.find('#').unwrap();
        let s = render_one(finding(&f, at..at + 1), 100);
        let rows = excerpt(&s);
        assert_eq!(rows[0], "1 |     日本 = \"�[31m�\" # x", "{s}");
        // Tab 4 columns, 日本 2 each, ` = "` 4, 6 shown characters, `" ` 2.
        assert_eq!(
            rows[1],
            format!("  | {}^ aws_kms_key.x", " ".repeat(4 + 4 + 4 + 6 + 2))
        );
        assert!(!s.contains('\u{1b}'));
    }

    #[test]
    fn related_spans_in_the_same_file_are_marked_and_others_are_notes() {
        let text = "variable \"r\" {\n  default = false\n}\nresource \"aws_kms_key\" \"x\" {\n  enable_key_rotation = var.r\n}\n";
        let f = file(text);
        let other = Arc::new(SourceFile::new(
            PathBuf::from("/r/terraform.tfvars"),
            "terraform.tfvars".to_string(),
            "r = false\n".to_string(),
            Syntax::Hcl,
        ));
        let at = text.find("enable").unwrap();
        let mut fd = finding(&f, at..at + 27);
        let d = text.find("false").unwrap();
        fd.related = vec![
            Related {
                file: f.clone(),
                span: d..d + 5,
                message: "the default".to_string(),
            },
            Related {
                file: other.clone(),
                span: 4..9,
                message: "set here".to_string(),
            },
        ];
        let s = render_one(fd, 100);
        assert_eq!(
            excerpt(&s),
            [
                "2 |   default = false",
                "  |             ----- the default",
                "5 |   enable_key_rotation = var.r",
                "  |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^ aws_kms_key.x",
            ],
            "{s}"
        );
        assert!(s.contains("\n...\n") || s.contains("\n... \n"), "{s}");
        assert!(
            s.contains("  = note: terraform.tfvars:1:5: set here\n"),
            "{s}"
        );
    }

    #[test]
    fn spans_far_apart_on_one_line_get_a_row_each() {
        let text = format!("{{\"a\":1,{}\"b\":2}}", " ".repeat(10_000));
        let f = file(&text);
        let mut fd = finding(&f, 1..4);
        let b = text.find("\"b\"").unwrap();
        fd.related = vec![Related {
            file: f.clone(),
            span: b..b + 3,
            message: "here".to_string(),
        }];
        let s = render_one(fd, 100);
        let rows = excerpt(&s);
        assert_eq!(rows.len(), 4, "{s}");
        assert!(rows[0].starts_with("1 | {\"a\""));
        assert!(rows[2].starts_with("1 | ...") && rows[2].ends_with("\"b\":2}"));
        assert!(s.len() < 1000);
    }

    #[test]
    fn multi_line_spans_mark_their_first_and_last_lines() {
        let text = "a = [\n  1,\n  2,\n  3,\n  4,\n]\n";
        let f = file(text);
        let s = render_one(finding(&f, 4..text.len() - 1), 100);
        assert_eq!(
            excerpt(&s),
            ["1 | a = [", "  |     ^", "6 | ]", "  | ^ aws_kms_key.x"],
            "{s}"
        );
        let s = render_one(finding(&f, 4..10), 100);
        assert_eq!(
            excerpt(&s),
            [
                "1 | a = [",
                "  |     ^",
                "2 |   1,",
                "  |   ^^ aws_kms_key.x"
            ],
            "{s}"
        );
    }

    #[test]
    fn no_span_panics() {
        let texts = [
            "",
            "\u{feff}",
            "\u{feff}a = 1\r\n",
            "a🔑b\r\n\r\nc\td\n",
            "\n\n\n",
            "x\u{0}\u{7f}\u{85}y",
        ];
        for text in texts {
            let f = file(text);
            for start in 0..text.len() + 3 {
                for end in 0..text.len() + 3 {
                    for width in [0, 1, 40, 100] {
                        let s = render_one(finding(&f, start..end), width);
                        assert!(s.contains("warning[some-rule]"));
                    }
                }
            }
        }
        // Spans past the end of a long line, and a huge span.
        let long = "z".repeat(300_000);
        let f = file(&long);
        // (start, end): the reversed one is what a broken rule could produce.
        for (start, end) in [
            (299_999, 400_000),
            (400_000, 1),
            (0, usize::MAX),
            (usize::MAX, usize::MAX),
        ] {
            let s = render_one(finding(&f, start..end), 100);
            assert!(s.len() < 2_000, "{}", s.len());
        }
    }

    #[test]
    fn severities_are_words_and_colour_is_ansi() {
        let f = file("a = 1\n");
        let mut fd = finding(&f, 0..1);
        fd.severity = Severity::Note;
        let plain = render_one(fd.clone(), 100);
        assert!(plain.starts_with("note[some-rule]: m"));
        assert!(!plain.contains('\u{1b}'));
        let out = LintOutput {
            findings: vec![fd],
            ..LintOutput::default()
        };
        let colored = render(
            &out,
            None,
            &Options {
                color: true,
                width: 100,
            },
        );
        assert!(
            colored.contains("\u{1b}[1;36mnote[some-rule]\u{1b}[0m"),
            "{colored}"
        );
    }

    #[test]
    fn counts_are_pluralised() {
        assert_eq!(plural(1, "finding"), "1 finding");
        assert_eq!(plural(0, "finding"), "0 findings");
        assert_eq!(plural(2, "file"), "2 files");
        let fixed = FixSummary {
            fixed: 1,
            files: ["main.tf".to_string()].into_iter().collect(),
            errors: Vec::new(),
        };
        let s = render(&LintOutput::default(), Some(&fixed), &Options::default());
        assert!(
            s.starts_with("Fixed 1 finding in 1 file.\n0 findings in 0 modules"),
            "{s}"
        );
    }

    #[test]
    fn messages_stay_on_their_line() {
        assert_eq!(clean_message("a\r\nb\nc\td\u{1b}[0m"), "a b c d�[0m");
    }
}
