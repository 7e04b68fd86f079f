//! JUnit XML (`--format junit`): one `<testsuite name="kmslint">` with
//!
//! - an `<error>` testcase per file that could not be linted;
//! - a failed `<testcase>` per unsuppressed finding (`classname` = file, `name` =
//!   `[rule] address`, `<failure message=… type=rule>` whose text is `file:line:col: message`);
//! - a passing testcase per rule that reported nothing (`classname="kmslint"`,
//!   `name="[rule]"`), so a clean tree still has tests and Jenkins' `junit` step does not fail
//!   with "no test results". A rule that is disabled, or `unused-suppression` without
//!   `--report-unused-ignores`, reported nothing too.
//!
//! Columns count characters, as in the JSON report. Text is escaped for XML 1.0; characters
//! XML cannot carry are dropped.

use crate::finding::Finding;
use crate::finding::LintOutput;

/// Escapes text content: `& < > " '` as entities, `\r` as a character reference (a parser
/// would turn a raw one into `\n`), other control characters XML 1.0 forbids removed.
pub fn escape_text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value: as [`escape_text`], and tab and newline as character
/// references so attribute-value normalisation keeps them.
pub fn escape_attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' | '\t' => out.push(c),
            // Not allowed anywhere in an XML 1.0 document, not even as a reference.
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn location(f: &Finding) -> String {
    let p = f.file.position(f.span.start);
    format!("{}:{}:{}", f.file.display, p.line, p.column)
}

pub fn render(out: &LintOutput) -> String {
    let findings: Vec<&Finding> = super::unsuppressed(out).collect();
    let passed: Vec<&str> = crate::rules::all()
        .map(|m| m.id)
        .filter(|id| !findings.iter().any(|f| f.rule == *id))
        .collect();
    let tests = findings.len() + out.errors.len() + passed.len();
    let mut cases = String::new();
    for e in &out.errors {
        let text = match &e.location {
            Some((file, span)) => {
                let p = file.position(span.start);
                format!("{}:{}:{}: {}", file.display, p.line, p.column, e.message)
            }
            None => format!("{}: {}", e.path, e.message),
        };
        cases.push_str(&format!(
            "    <testcase classname=\"{path}\" name=\"[parse-error] {path}\" file=\"{path}\" time=\"0\">\n      <error message=\"{message}\" type=\"parse-error\">{text}</error>\n    </testcase>\n",
            path = escape_attr(&e.path),
            message = escape_attr(&e.message),
            text = escape_text(&text),
        ));
    }
    for f in &findings {
        let line = f.file.position(f.span.start).line;
        cases.push_str(&format!(
            "    <testcase classname=\"{file}\" name=\"[{rule}] {address}\" file=\"{file}\" line=\"{line}\" time=\"0\">\n      <failure message=\"{message}\" type=\"{rule}\">{text}</failure>\n    </testcase>\n",
            file = escape_attr(&f.file.display),
            rule = escape_attr(f.rule),
            address = escape_attr(&f.address),
            message = escape_attr(&f.message),
            text = escape_text(&format!("{}: {}", location(f), f.message)),
        ));
    }
    for rule in passed {
        cases.push_str(&format!(
            "    <testcase classname=\"kmslint\" name=\"[{}]\" time=\"0\"/>\n",
            escape_attr(rule)
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kmslint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  <testsuite name=\"kmslint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"0\">\n{cases}  </testsuite>\n</testsuites>\n",
        failures = findings.len(),
        errors = out.errors.len(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            escape_text("a & <b> \"c\" 'd'\u{1}\u{1b}[0m\te\nf\r"),
            "a &amp; &lt;b&gt; &quot;c&quot; &apos;d&apos;[0m\te\nf&#13;"
        );
        assert_eq!(escape_attr("x\ty\nz"), "x&#9;y&#10;z");
        assert_eq!(escape_text("é🔑\u{fffe}"), "é🔑");
    }
}
