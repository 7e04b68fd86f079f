//! Findings and parse errors as LSP diagnostics.
//!
//! A finding located in a document becomes a diagnostic there. A finding located in another
//! file whose related location lies in the document (e.g. the `terraform.tfvars` value that
//! makes a key not rotate) becomes a diagnostic at that related location, pointing back at
//! the finding. The first parse error of a document becomes one Error diagnostic.
//! Suppressed findings are not shown.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Range, TextEdit, Uri,
};
use serde::{Deserialize, Serialize};

use super::position::{Encoding, LineIndex};
use crate::config::ConfigError;
use crate::finding::LintOutput;
use crate::finding::{Finding, LintError, Severity};
use crate::source::{line_indent, line_start, FileRef, Syntax};

pub const SOURCE: &str = "kmslint";
/// The code of a diagnostic for something a limit kept from being checked.
pub const LIMIT_CODE: &str = "limit";

/// What a diagnostic carries in `data`, round-tripped to `textDocument/codeAction`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticData {
    pub rule: String,
    /// The document version the ranges below refer to.
    pub version: Option<i32>,
    pub fix: Option<FixData>,
    /// The edit that adds a `# kmslint:ignore` comment above the finding.
    pub ignore: Option<TextEdit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixData {
    pub title: String,
    pub safe: bool,
    pub edits: Vec<FileEdit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEdit {
    pub uri: Uri,
    /// The version of the open document the range refers to (`None`: the file on disk).
    pub version: Option<i32>,
    pub range: Range,
    pub new_text: String,
}

/// One open document, as the conversion needs it.
pub struct OpenDoc<'a> {
    pub uri: &'a Uri,
    pub path: &'a Path,
    pub version: i32,
}

/// A document's share of a lint.
#[derive(Debug, Default)]
pub struct DocResult {
    pub diagnostics: Vec<Diagnostic>,
    /// The unsuppressed findings located in the document (for fix-all and for clients that
    /// do not round-trip `data`), each with its diagnostic's range.
    pub findings: Vec<(Finding, Range)>,
}

/// Converts byte spans to ranges, caching one line index per file.
pub struct Converter<'a> {
    pub encoding: Encoding,
    docs: &'a [OpenDoc<'a>],
    indexes: HashMap<PathBuf, LineIndex>,
}

impl<'a> Converter<'a> {
    pub fn new(encoding: Encoding, docs: &'a [OpenDoc<'a>]) -> Converter<'a> {
        Converter {
            encoding,
            docs,
            indexes: HashMap::new(),
        }
    }

    pub fn range(&mut self, file: &FileRef, span: &crate::source::Span) -> Range {
        let index = self
            .indexes
            .entry(file.path.clone())
            .or_insert_with(|| LineIndex::new(&file.text));
        index.range(&file.text, span, self.encoding)
    }

    fn open(&self, path: &Path) -> Option<&OpenDoc<'a>> {
        self.docs.iter().find(|d| d.path == path)
    }

    /// The URI a location in `path` is reported under: the client's own URI for an open
    /// document, otherwise one built from the path.
    pub fn uri(&self, path: &Path) -> Option<Uri> {
        match self.open(path) {
            Some(d) => Some(d.uri.clone()),
            None => super::uri::from_path(path),
        }
    }

    fn location(&mut self, file: &FileRef, span: &crate::source::Span) -> Option<Location> {
        let uri = self.uri(&file.path)?;
        Some(Location::new(uri, self.range(file, span)))
    }

    fn fix_data(&mut self, finding: &Finding) -> Option<FixData> {
        let fix = finding.fix.as_ref()?;
        let mut edits = Vec::with_capacity(fix.edits.len());
        for e in &fix.edits {
            edits.push(FileEdit {
                uri: self.uri(&e.file.path)?,
                version: self.open(&e.file.path).map(|d| d.version),
                range: self.range(&e.file, &e.span),
                new_text: e.content.clone(),
            });
        }
        Some(FixData {
            title: fix.title.clone(),
            safe: fix.is_safe(),
            edits,
        })
    }

    /// The insertion of `# kmslint:ignore RULE -- reason` on a new line above the finding's
    /// line, indented like it. JSON files have no comments.
    fn ignore_edit(&mut self, finding: &Finding) -> Option<TextEdit> {
        let file = &finding.file;
        if file.syntax == Syntax::Json {
            return None;
        }
        let at = line_start(&file.text, finding.span.start).max(file.bom_len);
        let indent = line_indent(&file.text, finding.span.start);
        let text = format!(
            "{indent}# kmslint:ignore {} -- {IGNORE_REASON}{}",
            finding.rule,
            file.newline()
        );
        Some(TextEdit::new(self.range(file, &(at..at)), text))
    }
}

/// The placeholder reason the "ignore" action writes, for the user to replace.
pub const IGNORE_REASON: &str = "TODO: reason";

/// Where a rule's documentation is published for this version.
pub fn rule_href(rule: &str) -> Option<Uri> {
    Uri::from_str(&crate::report::rule_url(rule)).ok()
}

fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

fn diagnostic(rule: &str, sev: Severity, range: Range, message: String) -> Diagnostic {
    Diagnostic {
        range,
        severity: Some(severity(sev)),
        code: Some(NumberOrString::String(rule.to_string())),
        code_description: rule_href(rule).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: None,
        tags: None,
        data: None,
    }
}

/// Splits one lint of a directory into the diagnostics of each open document in it.
pub fn split(out: &LintOutput, docs: &[OpenDoc], encoding: Encoding) -> Vec<DocResult> {
    let mut conv = Converter::new(encoding, docs);
    let mut results: Vec<DocResult> = docs.iter().map(|_| DocResult::default()).collect();
    let index_of = |path: &Path| docs.iter().position(|d| d.path == path);
    for e in &out.errors {
        if let Some(i) = error_doc(e, &index_of, docs) {
            if results[i].diagnostics.iter().any(|d| d.code.is_none()) {
                continue; // one parse error per document
            }
            // An error without a span (the file cannot be read, is too large) is shown at
            // the top: the lint of that document failed, which must not look like a pass.
            let range = match e.location.as_ref() {
                Some((file, span)) => conv.range(file, span),
                None => Range::default(),
            };
            results[i].diagnostics.push(Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some(SOURCE.to_string()),
                message: e.message.clone(),
                ..Diagnostic::default()
            });
        }
    }
    // What a limit kept from being checked (LintOutput::notes): the lint of that part
    // failed, so it is an error where it happened, not silence.
    for n in &out.notes {
        let Some((file, span)) = n.location.as_ref() else {
            continue;
        };
        if let Some(i) = index_of(&file.path) {
            let range = conv.range(file, span);
            results[i].diagnostics.push(Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(LIMIT_CODE.into())),
                source: Some(SOURCE.to_string()),
                message: n.message.clone(),
                ..Diagnostic::default()
            });
        }
    }
    for f in out.findings.iter().filter(|f| f.suppression.is_none()) {
        if let Some(i) = index_of(&f.file.path) {
            let range = conv.range(&f.file, &f.span);
            let mut d = diagnostic(f.rule, f.severity, range, f.message.clone());
            let related: Vec<_> = f
                .related
                .iter()
                .filter_map(|r| {
                    Some(DiagnosticRelatedInformation {
                        location: conv.location(&r.file, &r.span)?,
                        message: r.message.clone(),
                    })
                })
                .collect();
            d.related_information = (!related.is_empty()).then_some(related);
            let data = DiagnosticData {
                rule: f.rule.to_string(),
                version: Some(docs[i].version),
                fix: conv.fix_data(f),
                ignore: conv.ignore_edit(f),
            };
            d.data = serde_json::to_value(&data).ok();
            results[i].diagnostics.push(d);
            results[i].findings.push((f.clone(), range));
            continue;
        }
        // Not in an open document: show it where it is caused, if that is one.
        let Some((i, r)) = f
            .related
            .iter()
            .find_map(|r| index_of(&r.file.path).map(|i| (i, r)))
        else {
            continue;
        };
        let range = conv.range(&r.file, &r.span);
        let message = format!("{} ({})", f.message, r.message);
        let mut d = diagnostic(f.rule, f.severity, range, message);
        let mut related = Vec::new();
        if let Some(location) = conv.location(&f.file, &f.span) {
            related.push(DiagnosticRelatedInformation {
                location,
                message: format!("`{}` is reported here", f.address),
            });
        }
        for other in f.related.iter().filter(|o| !std::ptr::eq(*o, r)) {
            if let Some(location) = conv.location(&other.file, &other.span) {
                related.push(DiagnosticRelatedInformation {
                    location,
                    message: other.message.clone(),
                });
            }
        }
        d.related_information = (!related.is_empty()).then_some(related);
        let data = DiagnosticData {
            rule: f.rule.to_string(),
            version: Some(docs[i].version),
            fix: conv.fix_data(f),
            ignore: None,
        };
        d.data = serde_json::to_value(&data).ok();
        results[i].diagnostics.push(d);
    }
    for r in &mut results {
        r.diagnostics
            .sort_by_key(|d| (d.range.start.line, d.range.start.character));
    }
    results
}

/// A `.kmslint.toml` that does not parse, shown at the top of a document it governs.
pub fn config_error(e: &ConfigError) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: format!("invalid kmslint configuration, ignored: {e}"),
        related_information: super::uri::from_path(Path::new(&e.path)).map(|uri| {
            let (line, column) = e.position.unwrap_or((1, 1));
            // The configuration's column counts characters; close enough for a pointer.
            let at = lsp_types::Position::new(
                line.saturating_sub(1) as u32,
                column.saturating_sub(1) as u32,
            );
            vec![DiagnosticRelatedInformation {
                location: Location::new(uri, Range::new(at, at)),
                message: e.message.clone(),
            }]
        }),
        ..Diagnostic::default()
    }
}

fn error_doc(
    e: &LintError,
    index_of: &impl Fn(&Path) -> Option<usize>,
    docs: &[OpenDoc],
) -> Option<usize> {
    match e.location.as_ref() {
        Some((file, _)) => index_of(&file.path),
        // Not located: its path as shown (relative to the working directory, or absolute).
        None => {
            let cwd = std::env::current_dir().unwrap_or_default();
            let path = crate::paths::normalize(&cwd.join(&e.path));
            docs.iter().position(|d| d.path == path)
        }
    }
}

/// The diagnostic of a lint that failed without saying where (an internal error): shown at
/// the top of each document of the directory.
pub fn internal_error(why: &str) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(DiagnosticSeverity::ERROR),
        source: Some(SOURCE.to_string()),
        message: format!(
            "kmslint could not lint this file (internal error: {why}); please report it"
        ),
        ..Diagnostic::default()
    }
}
