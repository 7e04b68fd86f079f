//! One line per problem (`--format compact`), for editors' error lists and `grep`:
//!
//! ```text
//! file:line:col: severity rule: message
//! file:line:col: error parse-error: message     (a file that could not be parsed)
//! file: error: message                           (a problem with no place in a file)
//! ```
//!
//! Lines and columns are 1-based and count characters, as in the JSON report. Files that
//! could not be linted come first, then findings in report order. Suppressed findings are
//! not shown. A line break inside a message is written as a space, so every problem stays
//! on one line.

use crate::finding::LintOutput;

fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\r', '\n'], " ")
}

pub fn render(out: &LintOutput) -> String {
    let mut s = String::new();
    for e in &out.errors {
        match &e.location {
            Some((file, span)) => {
                let p = file.position(span.start);
                s.push_str(&format!(
                    "{}:{}:{}: error parse-error: {}\n",
                    file.display,
                    p.line,
                    p.column,
                    one_line(&e.message)
                ));
            }
            None => s.push_str(&format!("{}: error: {}\n", e.path, one_line(&e.message))),
        }
    }
    for f in super::unsuppressed(out) {
        let p = f.file.position(f.span.start);
        s.push_str(&format!(
            "{}:{}:{}: {} {}: {}\n",
            f.file.display,
            p.line,
            p.column,
            f.severity.as_str(),
            f.rule,
            one_line(&f.message)
        ));
    }
    s
}
