//! reviewdog's Diagnostic Format, rdjson (`--format rdjson`): one `DiagnosticResult`
//! (reviewdog `proto/rdf/reviewdog.proto`, JSON schema `proto/rdf/jsonschema/`), for
//! `reviewdog -f=rdjson`, which posts findings as pull-request review comments.
//!
//! ```json
//! { "source": { "name": "kmslint", "url": "…" }, "severity": "WARNING",
//!   "diagnostics": [ { "message": "…", "severity": "WARNING",
//!     "location": { "path": "main.tf", "range": { "start": { "line": 3, "column": 3 },
//!                                                  "end": { "line": 3, "column": 30 } } },
//!     "code": { "value": "kms-key-rotation-disabled", "url": "…/rules/….md" },
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

use serde_json::{json, Value};

use super::INFORMATION_URI;
use crate::finding::{Finding, LintError, Severity};
use crate::lint::LintOutput;
use crate::source::{clamp_to_char_boundary, SourceFile, Span};

const PARSE_ERROR: &str = "parse-error";

pub fn render(out: &LintOutput) -> String {
    let mut diagnostics: Vec<Value> = out.errors.iter().map(error).collect();
    diagnostics.extend(super::unsuppressed(out).map(finding));
    let result = json!({
        "source": { "name": "kmslint", "url": INFORMATION_URI },
        "severity": severity(Severity::Warning),
        "diagnostics": diagnostics,
    });
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

/// `{line, column}` of an offset: 1-based line, 1-based UTF-8 byte column.
fn position(file: &SourceFile, offset: usize) -> Value {
    let offset = clamp_to_char_boundary(&file.text, offset);
    let lines = file.lines();
    let line0 = lines.line_of(offset);
    json!({
        "line": line0 + 1,
        "column": offset - lines.line_start(line0) + 1,
    })
}

fn range(file: &SourceFile, span: &Span) -> Value {
    json!({
        "start": position(file, span.start),
        "end": position(file, span.end.max(span.start)),
    })
}

fn location(file: &SourceFile, span: &Span) -> Value {
    json!({ "path": file.display, "range": range(file, span) })
}

fn finding(f: &Finding) -> Value {
    let mut d = json!({
        "message": f.message,
        "location": location(&f.file, &f.span),
        "severity": severity(f.severity),
        "code": { "value": f.rule, "url": super::rule_url(f.rule) },
    });
    if let Some(fix) = &f.fix {
        let suggestions: Vec<Value> = fix
            .edits
            .iter()
            .filter(|e| e.file.path == f.file.path)
            .map(|e| json!({ "range": range(&e.file, &e.span), "text": e.content }))
            .collect();
        if !suggestions.is_empty() {
            d["suggestions"] = json!(suggestions);
        }
    }
    if !f.related.is_empty() {
        d["related_locations"] = f
            .related
            .iter()
            .map(|r| json!({ "message": r.message, "location": location(&r.file, &r.span) }))
            .collect();
    }
    d
}

fn error(e: &LintError) -> Value {
    match &e.location {
        Some((file, span)) => json!({
            "message": e.message,
            "location": location(file, span),
            "severity": severity(Severity::Error),
            "code": { "value": PARSE_ERROR },
        }),
        // Not a place in a file (a path that cannot be read): no range and no code.
        None => json!({
            "message": e.message,
            "location": { "path": e.path },
            "severity": severity(Severity::Error),
        }),
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
        // The byte-order mark is 3 bytes of line 1.
        assert_eq!(position(&file, 3), json!({"line": 1, "column": 4}));
        let x = file.text.find('x').unwrap();
        // Two spaces, é (2 bytes), 🔑 (4 bytes): x is at byte column 9.
        assert_eq!(position(&file, x), json!({"line": 2, "column": 9}));
        // Inside 🔑: its start.
        assert_eq!(position(&file, x - 1), json!({"line": 2, "column": 5}));
        assert_eq!(
            range(&file, &(x..x)),
            json!({"start": {"line": 2, "column": 9}, "end": {"line": 2, "column": 9}})
        );
    }
}
