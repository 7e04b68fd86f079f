//! reviewdog's Diagnostic Format, rdjson (`--format rdjson`): one `DiagnosticResult`
//! (reviewdog `proto/rdf/reviewdog.proto`, JSON schema `proto/rdf/jsonschema/`), for
//! `reviewdog -f=rdjson`, which posts findings as pull-request review comments.
//!
//! ```json
//! { "source": { "name": "kmslint", "url": "…" }, "severity": "WARNING",
//!   "diagnostics": [ { "message": "…", "severity": "WARNING",
//!     "location": { "path": "main.tf", "range": { "start": { "line": 3, "column": 3 },
//!                                                  "end": { "line": 3, "column": 30 } } },
//!     "code": { "value": "RULE-ID", "url": "…/rules/RULE-ID.md" },
//!     "suggestions": [ { "range": { … }, "text": "true" } ],
//!     "related_locations": [ { "message": "…", "location": { … } } ] } ] }
//! ```
//!
//! - Lines are 1-based; **columns are 1-based counts of UTF-8 bytes** from the start of the
//!   line as stored (a byte-order mark counts, since reviewdog indexes the line's bytes);
//!   `end` is exclusive.
//! - Severity: error → `ERROR`, warning → `WARNING`, note → `INFO`. The top-level severity
//!   (the default for diagnostics without one) is `WARNING`, kmslint's default; every
//!   diagnostic has its own.
//! - Every edit of a finding's fix in the finding's file is a suggestion (an insertion has
//!   `start == end`), so reviewdog's GitHub reporters post it as a suggested change; rdjson
//!   suggestions have no path of their own, so edits in other files are left out.
//! - Files that could not be linted are `ERROR` diagnostics: with code `parse-error` at the
//!   place in the file, or with only a path when the file could not be read. Suppressed
//!   findings are left out.

use serde::Serialize;

use super::INFORMATION_URI;
use crate::finding::LintOutput;
use crate::finding::{Finding, LintError, Severity};
use crate::source::{clamp_to_char_boundary, SourceFile, Span};

const PARSE_ERROR: &str = "parse-error";

#[derive(Serialize)]
struct DiagnosticResult<'a> {
    source: Source,
    severity: &'static str,
    diagnostics: Vec<Diagnostic<'a>>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: &'a str,
    location: Location<'a>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<Code<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suggestions: Vec<Suggestion<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
}

#[derive(Serialize)]
struct Code<'a> {
    value: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
struct Range {
    start: Position,
    end: Position,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
struct Position {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct Suggestion<'a> {
    range: Range,
    text: &'a str,
}

#[derive(Serialize)]
struct RelatedLocation<'a> {
    message: &'a str,
    location: Location<'a>,
}

pub fn render(out: &LintOutput) -> String {
    let mut diagnostics: Vec<Diagnostic> = out.errors.iter().map(error).collect();
    diagnostics.extend(super::unsuppressed(out).map(finding));
    let result = DiagnosticResult {
        source: Source {
            name: "kmslint",
            url: INFORMATION_URI,
        },
        severity: severity(Severity::Warning),
        diagnostics,
    };
    let mut s = serde_json::to_string_pretty(&result).unwrap_or_else(|_| "{}".to_string());
    s.push('\n');
    s
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Note => "INFO",
    }
}

/// 1-based line, 1-based UTF-8 byte column of an offset.
fn position(file: &SourceFile, offset: usize) -> Position {
    let offset = clamp_to_char_boundary(&file.text, offset);
    let lines = file.lines();
    let line0 = lines.line_of(offset);
    Position {
        line: line0 + 1,
        column: offset - lines.line_start(line0) + 1,
    }
}

fn range(file: &SourceFile, span: &Span) -> Range {
    Range {
        start: position(file, span.start),
        end: position(file, span.end.max(span.start)),
    }
}

fn location<'a>(file: &'a SourceFile, span: &Span) -> Location<'a> {
    Location {
        path: &file.display,
        range: Some(range(file, span)),
    }
}

fn finding(f: &Finding) -> Diagnostic<'_> {
    Diagnostic {
        message: &f.message,
        location: location(&f.file, &f.span),
        severity: severity(f.severity),
        code: Some(Code {
            value: f.rule,
            url: Some(super::rule_url(f.rule)),
        }),
        suggestions: f
            .fix
            .iter()
            .flat_map(|fix| &fix.edits)
            .filter(|e| e.file.path == f.file.path)
            .map(|e| Suggestion {
                range: range(&e.file, &e.span),
                text: &e.content,
            })
            .collect(),
        related_locations: f
            .related
            .iter()
            .map(|r| RelatedLocation {
                message: &r.message,
                location: location(&r.file, &r.span),
            })
            .collect(),
    }
}

fn error(e: &LintError) -> Diagnostic<'_> {
    let (location, code) = match &e.location {
        Some((file, span)) => (
            location(file, span),
            Some(Code {
                value: PARSE_ERROR,
                url: None,
            }),
        ),
        // Not a place in a file (a path that cannot be read): no range and no code.
        None => (
            Location {
                path: &e.path,
                range: None,
            },
            None,
        ),
    };
    Diagnostic {
        message: &e.message,
        location,
        severity: severity(Severity::Error),
        code,
        suggestions: Vec::new(),
        related_locations: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::source::Syntax;

    #[test]
    fn columns_count_utf8_bytes_from_the_stored_line_start() {
        let file = SourceFile::new(
            PathBuf::from("m.tf"),
            "m.tf".into(),
            "\u{feff}a\n  é🔑x = 1\n".into(),
            Syntax::Hcl,
        );
        let at = |line, column| Position { line, column };
        // The byte-order mark is 3 bytes of line 1.
        assert_eq!(position(&file, 3), at(1, 4));
        let x = file.text.find('x').unwrap();
        // Two spaces, é (2 bytes), 🔑 (4 bytes): x is at byte column 9.
        assert_eq!(position(&file, x), at(2, 9));
        // Inside 🔑: its start.
        assert_eq!(position(&file, x - 1), at(2, 5));
        assert_eq!(
            range(&file, &(x..x)),
            Range {
                start: at(2, 9),
                end: at(2, 9)
            }
        );
    }
}
