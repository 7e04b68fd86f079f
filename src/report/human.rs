//! Human output: miette's graphical reports (colour on a terminal, plain otherwise).

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use crate::finding::LintOutput;
use crate::finding::{Finding, LintError, Severity};
use crate::fix::FixSummary;
use crate::source::{SourceFile, Span};

struct Report {
    message: String,
    code: String,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

fn source_span(file: &SourceFile, span: &Span) -> SourceSpan {
    let start = span.start.min(file.text.len());
    let end = span.end.clamp(start, file.text.len());
    (start, end - start).into()
}

fn location(file: &SourceFile, span: &Span) -> String {
    let p = file.position(span.start);
    format!("{}:{}:{}", file.display, p.line, p.column)
}

fn finding_report(f: &Finding) -> Report {
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(f.address.clone()),
        source_span(&f.file, &f.span),
    )];
    let mut help = Vec::new();
    if let Some(fix) = &f.fix {
        let how = if fix.is_safe() {
            " (run `kmslint check --fix`)"
        } else {
            ""
        };
        help.push(format!("fix: {}{how}", fix.title));
    }
    for r in &f.related {
        if r.file.path == f.file.path {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                source_span(&r.file, &r.span),
            ));
        } else {
            help.push(format!("{}: {}", location(&r.file, &r.span), r.message));
        }
    }
    Report {
        message: format!("{}: {}", location(&f.file, &f.span), f.message),
        code: f.rule.to_string(),
        severity: match f.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        },
        help: (!help.is_empty()).then(|| help.join("\n")),
        source: NamedSource::new(&f.file.display, f.file.text.clone()),
        labels,
    }
}

fn error_report(e: &LintError) -> Option<Report> {
    let (file, span) = e.location.as_ref()?;
    Some(Report {
        message: format!("{}: {}", location(file, span), e.message),
        code: "parse-error".to_string(),
        severity: miette::Severity::Error,
        help: None,
        source: NamedSource::new(&file.display, file.text.clone()),
        labels: vec![LabeledSpan::new_primary_with_span(
            Some("here".to_string()),
            source_span(file, span),
        )],
    })
}

pub fn render(out: &LintOutput, fixed: Option<&FixSummary>, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut s = String::new();
    let render = |s: &mut String, r: &Report| {
        if handler.render_report(s, r).is_err() {
            s.push_str(&r.message);
        }
        s.push('\n');
    };
    for e in &out.errors {
        match error_report(e) {
            Some(r) => render(&mut s, &r),
            None => s.push_str(&format!("error: {}: {}\n\n", e.path, e.message)),
        }
    }
    for f in &out.findings {
        render(&mut s, &finding_report(f));
    }
    let fixable = super::json::fixable(out);
    if let Some(fx) = fixed {
        if fx.fixed > 0 {
            s.push_str(&format!(
                "Fixed {} finding(s) in {} file(s).\n",
                fx.fixed,
                fx.files.len()
            ));
        }
    }
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    s.push_str(&format!(
        "{} in {} ({} checked){}{}\n",
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
    ));
    s
}
