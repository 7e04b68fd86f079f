//! GitHub Actions workflow commands (`--format github`): one annotation per finding and per
//! file that could not be linted, then a plain summary line (a runner shows only 10 error and
//! 10 warning annotations per step and drops the rest silently).
//!
//! `::warning file=F,line=L,endLine=L2,col=C,endColumn=C2,title=RULE::MESSAGE`; `col` and
//! `endColumn` only when the span is on one line (GitHub rejects them otherwise). Columns are
//! 1-based UTF-16 code units like SARIF's, `endColumn` exclusive. Severity error → `error`,
//! warning → `warning`, note → `notice`. Escaping follows actions/toolkit `command.ts`.
//! Suppressed findings are not shown.

use crate::finding::LintOutput;
use crate::finding::Severity;
use crate::source::{SourceFile, Span};

/// actions/toolkit `escapeData`: for the message after `::`.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// actions/toolkit `escapeProperty`: for `key=value` properties.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = properties
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect();
    format!("::{name} {}::{}\n", props.join(","), escape_data(message))
}

fn span_properties(file: &SourceFile, span: &Span) -> Vec<(&'static str, String)> {
    let start = file.position(span.start);
    let end = file.position(span.end.max(span.start));
    let mut p = vec![
        ("file", file.display.clone()),
        ("line", start.line.to_string()),
        ("endLine", end.line.to_string()),
    ];
    if start.line == end.line {
        p.push(("col", start.utf16_column.to_string()));
        p.push(("endColumn", end.utf16_column.to_string()));
    }
    p
}

pub fn render(out: &LintOutput) -> String {
    let mut s = String::new();
    for e in &out.errors {
        let props = match &e.location {
            Some((file, span)) => {
                let mut p = span_properties(file, span);
                p.push(("title", "parse-error".to_string()));
                p
            }
            None => vec![("file", e.path.clone())],
        };
        s.push_str(&command("error", &props, &e.message));
    }
    let (mut errors, mut warnings, mut notes) = (0, 0, 0);
    for f in super::unsuppressed(out) {
        let name = match f.severity {
            Severity::Error => {
                errors += 1;
                "error"
            }
            Severity::Warning => {
                warnings += 1;
                "warning"
            }
            Severity::Note => {
                notes += 1;
                "notice"
            }
        };
        let mut props = span_properties(&f.file, &f.span);
        props.push(("title", f.rule.to_string()));
        s.push_str(&command(name, &props, &f.message));
    }
    s.push_str(&summary(out, errors, warnings, notes));
    s
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// `kmslint: 3 findings (1 error, 2 warnings), 1 suppressed; 1 file could not be linted; 4 files checked`
fn summary(out: &LintOutput, errors: usize, warnings: usize, notes: usize) -> String {
    let total = errors + warnings + notes;
    let mut s = format!("kmslint: {}", plural(total, "finding"));
    let parts: Vec<String> = [(errors, "error"), (warnings, "warning"), (notes, "note")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| plural(*n, w))
        .collect();
    if !parts.is_empty() {
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    let suppressed = out.findings.len() - total;
    if suppressed > 0 {
        s.push_str(&format!(", {suppressed} suppressed"));
    }
    if !out.errors.is_empty() {
        let n = out.errors.len();
        s.push_str(&format!(
            "; {} could not be linted",
            if n == 1 {
                "1 file".to_string()
            } else {
                format!("{n} files")
            }
        ));
    }
    s.push_str(&format!("; {} checked\n", plural(out.files, "file")));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_matches_the_toolkit() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b,c\r\nd"),
            "100%25 a%3Ab%2Cc%0D%0Ad"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn command_shape() {
        assert_eq!(
            command(
                "warning",
                &[("file", "a,b.tf".into()), ("line", "3".into())],
                "m"
            ),
            "::warning file=a%2Cb.tf,line=3::m\n"
        );
    }
}
