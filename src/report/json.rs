//! The JSON report (`--format json`), schema version 1. Documented in the README.
//!
//! Lines and columns are 1-based (columns count characters), offsets are 0-based bytes, and
//! `end` is exclusive. Paths are relative to the working directory when the input is under it.

use serde::Serialize;

use crate::finding::LintOutput;
use crate::finding::{Finding, LintError, Suppression, SuppressionKind};
use crate::fix::FixSummary;
use crate::source::{Position, SourceFile, Span};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    errors: Vec<JsonError<'a>>,
    /// What a limit kept from being checked (same shape as errors; not counted as errors).
    notes: Vec<JsonError<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
pub struct JsonSpan {
    pub start: Position,
    pub end: Position,
}

impl JsonSpan {
    pub fn new(file: &SourceFile, span: &Span) -> JsonSpan {
        JsonSpan {
            start: file.position(span.start),
            end: file.position(span.end),
        }
    }
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    file: &'a str,
    span: JsonSpan,
    address: &'a str,
    related: Vec<JsonRelated<'a>>,
    fix: Option<JsonFix<'a>>,
    /// Full addresses of the resource or module-call instances the finding stands for.
    instances: &'a [String],
    /// `null` unless a comment or the baseline silences the finding.
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: SuppressionKind,
    justification: &'a str,
    file: Option<&'a str>,
    span: Option<JsonSpan>,
}

fn suppression(s: &Suppression) -> JsonSuppression<'_> {
    JsonSuppression {
        kind: s.kind,
        justification: &s.justification,
        file: s.location.as_ref().map(|(file, _)| file.display.as_str()),
        span: s
            .location
            .as_ref()
            .map(|(file, span)| JsonSpan::new(file, span)),
    }
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    span: JsonSpan,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    safe: bool,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: &'a str,
    span: JsonSpan,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    file: &'a str,
    message: &'a str,
    span: Option<JsonSpan>,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    modules: usize,
    findings: usize,
    fixable: usize,
    errors: usize,
    /// Fixes applied by `--fix` (0 without it).
    fixed: usize,
    /// Findings in `findings` that a comment or the baseline silences.
    suppressed: usize,
    /// Baseline entries that matched nothing (0 without `--baseline`).
    baseline_stale: usize,
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule,
        severity: f.severity.as_str(),
        message: &f.message,
        file: &f.file.display,
        span: JsonSpan::new(&f.file, &f.span),
        address: &f.address,
        instances: &f.instances,
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                file: &r.file.display,
                span: JsonSpan::new(&r.file, &r.span),
                message: &r.message,
            })
            .collect(),
        fix: f.fix.as_ref().map(|fix| JsonFix {
            title: &fix.title,
            safe: fix.is_safe(),
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    file: &e.file.display,
                    span: JsonSpan::new(&e.file, &e.span),
                    content: &e.content,
                })
                .collect(),
        }),
        suppression: f.suppression.as_ref().map(suppression),
    }
}

fn error(e: &LintError) -> JsonError<'_> {
    JsonError {
        file: &e.path,
        message: &e.message,
        span: e
            .location
            .as_ref()
            .map(|(file, span)| JsonSpan::new(file, span)),
    }
}

pub fn render(out: &LintOutput, fixed: Option<&FixSummary>) -> String {
    let report = Report {
        version: 1,
        findings: out.findings.iter().map(finding).collect(),
        errors: out.errors.iter().map(error).collect(),
        notes: out.notes.iter().map(error).collect(),
        summary: Summary {
            files: out.files,
            modules: out.modules,
            findings: out.findings.len(),
            fixable: fixable(out),
            errors: out.errors.len(),
            fixed: fixed.map_or(0, |f| f.fixed),
            suppressed: out
                .findings
                .iter()
                .filter(|f| f.suppression.is_some())
                .count(),
            baseline_stale: out.baseline_stale,
        },
    };
    let mut s =
        serde_json::to_string_pretty(&report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

pub fn fixable(out: &LintOutput) -> usize {
    out.findings
        .iter()
        .filter(|f| f.suppression.is_none() && f.fix.as_ref().is_some_and(|x| x.is_safe()))
        .count()
}
