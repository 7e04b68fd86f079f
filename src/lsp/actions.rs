//! `textDocument/codeAction`: the quick fix carried in a diagnostic's `data`, an action that
//! adds a `# kmslint:ignore` comment, and `source.fixAll.kmslint`.

use std::collections::{BTreeMap, HashMap};

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Diagnostic, DocumentChanges,
    NumberOrString, OneOf, OptionalVersionedTextDocumentIdentifier, Range, TextDocumentEdit,
    TextEdit, Uri, WorkspaceEdit,
};

use super::diagnostics::{DiagnosticData, FileEdit, SOURCE};
use super::position::LineIndex;
use super::{Server, FIX_ALL_KIND};
use crate::finding::{Edit, Fix};

/// Whether an action of `kind` passes the client's `only` filter (kinds are hierarchical:
/// `source` admits `source.fixAll.kmslint`).
fn wanted(only: Option<&Vec<CodeActionKind>>, kind: &str) -> bool {
    only.is_none_or(|only| {
        only.iter().any(|k| {
            let k = k.as_str();
            kind == k || (kind.starts_with(k) && kind.as_bytes().get(k.len()) == Some(&b'.'))
        })
    })
}

impl Server {
    pub(super) fn code_actions(&mut self, params: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = params.text_document.uri;
        let only = params.context.only.as_ref();
        let document_changes = self.document_changes;
        let Some(doc) = self.fresh(&uri) else {
            return Vec::new();
        };
        let Some(lint) = doc.lint.as_ref() else {
            return Vec::new();
        };
        let version = doc.version;
        let mut actions = Vec::new();
        if wanted(only, CodeActionKind::QUICKFIX.as_str()) {
            let mut diagnostics: Vec<Diagnostic> = params
                .context
                .diagnostics
                .into_iter()
                .filter(|d| d.source.as_deref() == Some(SOURCE))
                .collect();
            if diagnostics.is_empty() {
                // The client did not say which diagnostics it means: take ours under the range.
                diagnostics = lint
                    .diagnostics
                    .iter()
                    .filter(|d| overlaps(&d.range, &params.range))
                    .cloned()
                    .collect();
            }
            let mut fixes = Vec::new();
            let mut ignores = Vec::new();
            for diagnostic in diagnostics {
                let Some(mut data) = data_of(&diagnostic, &lint.diagnostics) else {
                    continue;
                };
                let mut diagnostic = diagnostic;
                if data.version != Some(version) && !document_changes {
                    // The client asks about diagnostics of an older text (it edited since they
                    // were published): offer the current ones of the same rule under the range.
                    let fresh = lint.diagnostics.iter().find_map(|d| {
                        let fresh = data_of(d, &[])?;
                        (fresh.rule == data.rule && overlaps(&d.range, &params.range))
                            .then(|| (d.clone(), fresh))
                    });
                    if let Some((d, fresh)) = fresh {
                        diagnostic = d;
                        data = fresh;
                    }
                }
                let current = data.version == Some(version);
                if let Some(fix) = data.fix.as_ref() {
                    // Stale edits are only safe when the client can check the version.
                    if current || document_changes {
                        fixes.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: fix.title.clone(),
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: Some(vec![diagnostic.clone()]),
                            edit: Some(workspace_edit(&fix.edits, document_changes)),
                            is_preferred: Some(fix.safe),
                            ..CodeAction::default()
                        }));
                    }
                }
                if let Some(ignore) = data.ignore.as_ref() {
                    if current || document_changes {
                        let edit = FileEdit {
                            uri: uri.clone(),
                            version: data.version,
                            range: ignore.range,
                            new_text: ignore.new_text.clone(),
                        };
                        ignores.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: format!(
                                "Ignore this finding (`# kmslint:ignore {}`)",
                                data.rule
                            ),
                            kind: Some(CodeActionKind::QUICKFIX),
                            diagnostics: Some(vec![diagnostic]),
                            edit: Some(workspace_edit(&[edit], document_changes)),
                            is_preferred: Some(false),
                            ..CodeAction::default()
                        }));
                    }
                }
            }
            actions.extend(fixes);
            actions.extend(ignores);
        }
        if wanted(only, FIX_ALL_KIND) {
            let doc = &self.docs[&uri];
            if let Some(edits) = fix_all_edits(doc, self.encoding) {
                let n = edits.len();
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!(
                        "Fix all auto-fixable kmslint findings ({n} edit{})",
                        if n == 1 { "" } else { "s" }
                    ),
                    kind: Some(CodeActionKind::new(FIX_ALL_KIND)),
                    edit: Some(workspace_edit(&edits, document_changes)),
                    ..CodeAction::default()
                }));
            }
        }
        actions
    }
}

/// A diagnostic's data; for a client that does not keep `data`, the data of our diagnostic
/// with the same rule and range.
fn data_of(diagnostic: &Diagnostic, ours: &[Diagnostic]) -> Option<DiagnosticData> {
    let parse =
        |d: &Diagnostic| -> Option<DiagnosticData> { serde_json::from_value(d.data.clone()?).ok() };
    parse(diagnostic).or_else(|| {
        let NumberOrString::String(rule) = diagnostic.code.as_ref()? else {
            return None;
        };
        ours.iter()
            .filter(|d| d.range == diagnostic.range)
            .filter_map(parse)
            .find(|data| &data.rule == rule)
    })
}

/// Whether two ranges share a line (a cursor anywhere on a finding's line counts as on it).
fn overlaps(a: &Range, b: &Range) -> bool {
    a.start.line <= b.end.line && b.start.line <= a.end.line
}

/// Every safe fix of the document that lies wholly in it, without overlaps, chosen exactly as
/// `kmslint check --fix` chooses them in one pass ([`crate::fix::apply_edits`]).
fn fix_all_edits(doc: &super::Document, encoding: super::Encoding) -> Option<Vec<FileEdit>> {
    let path = doc.path.as_deref()?;
    let lint = doc.lint.as_ref()?;
    let fixes: Vec<&Fix> = lint
        .findings
        .iter()
        .filter_map(|(f, _)| f.fix.as_ref())
        .filter(|fix| fix.is_safe() && fix.edits.iter().all(|e| e.file.path == path))
        .collect();
    let file = fixes.first()?.edits.first()?.file.clone();
    let edits = select_edits(file.text.len(), &fixes);
    let index = LineIndex::new(&file.text);
    let out: Vec<FileEdit> = edits
        .into_iter()
        .map(|e| FileEdit {
            uri: doc.uri.clone(),
            version: Some(doc.version),
            range: index.range(&file.text, &e.span, encoding),
            new_text: e.content.clone(),
        })
        .collect();
    (!out.is_empty()).then_some(out)
}

/// The edits of the fixes [`crate::fix::apply_edits`] would apply, in order.
pub(crate) fn select_edits<'f>(text_len: usize, fixes: &[&'f Fix]) -> Vec<&'f Edit> {
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|f| f.edits.first().map_or(0, |e| e.span.start));
    let mut taken: Vec<&Edit> = Vec::new();
    for fix in ordered {
        let overlaps = fix.edits.iter().any(|e| {
            e.span.end > text_len
                || taken.iter().any(|t| {
                    e.span.start < t.span.end.max(t.span.start + 1)
                        && t.span.start < e.span.end.max(e.span.start + 1)
                })
        });
        if !overlaps {
            taken.extend(fix.edits.iter());
        }
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    taken
}

/// A workspace edit, versioned (`documentChanges`) when the client supports it.
// `lsp_types::Uri` hashes and compares its string only; the interior mutability clippy sees is
// fluent-uri's, never used here, and `WorkspaceEdit::changes` is keyed by `Uri` anyway.
#[allow(clippy::mutable_key_type)]
fn workspace_edit(edits: &[FileEdit], document_changes: bool) -> WorkspaceEdit {
    let mut by_uri: BTreeMap<&str, (&Uri, Option<i32>, Vec<TextEdit>)> = BTreeMap::new();
    for e in edits {
        let entry = by_uri
            .entry(e.uri.as_str())
            .or_insert((&e.uri, e.version, Vec::new()));
        entry.2.push(TextEdit::new(e.range, e.new_text.clone()));
    }
    if document_changes {
        let changes = by_uri
            .into_values()
            .map(|(uri, version, edits)| TextDocumentEdit {
                text_document: OptionalVersionedTextDocumentIdentifier {
                    uri: uri.clone(),
                    version,
                },
                edits: edits.into_iter().map(OneOf::Left).collect(),
            })
            .collect();
        WorkspaceEdit {
            document_changes: Some(DocumentChanges::Edits(changes)),
            ..WorkspaceEdit::default()
        }
    } else {
        let changes: HashMap<Uri, Vec<TextEdit>> = by_uri
            .into_values()
            .map(|(uri, _, edits)| (uri.clone(), edits))
            .collect();
        WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Fix;
    use crate::source::{SourceFile, Syntax};
    use std::sync::Arc;

    #[test]
    fn only_filters_are_hierarchical() {
        let k = |s: &'static str| vec![CodeActionKind::new(s)];
        assert!(wanted(None, FIX_ALL_KIND));
        assert!(wanted(Some(&k("source")), FIX_ALL_KIND));
        assert!(wanted(Some(&k("source.fixAll")), FIX_ALL_KIND));
        assert!(!wanted(Some(&k("source.fix")), FIX_ALL_KIND));
        assert!(!wanted(Some(&k("quickfix")), FIX_ALL_KIND));
        assert!(wanted(Some(&k("quickfix")), "quickfix"));
    }

    #[test]
    fn fix_all_selects_what_check_fix_applies() {
        let text = "abcdefghij";
        let file = Arc::new(SourceFile::new(
            "/m/main.tf".into(),
            "main.tf".into(),
            text.into(),
            Syntax::Hcl,
        ));
        let edit = |a: usize, b: usize, s: &str| Edit {
            file: file.clone(),
            span: a..b,
            content: s.into(),
        };
        let fixes = [
            Fix::safe("one", vec![edit(1, 3, "X")]),
            Fix::safe("overlaps one", vec![edit(2, 4, "Y")]),
            Fix::safe("insert", vec![edit(5, 5, "+"), edit(8, 9, "Z")]),
            Fix::safe("insert at the same place", vec![edit(5, 5, "-")]),
            Fix::safe("past the end", vec![edit(9, 11, "!")]),
        ];
        let refs: Vec<&Fix> = fixes.iter().collect();
        let chosen = select_edits(text.len(), &refs);
        let mut applied = String::new();
        let mut at = 0;
        for e in &chosen {
            applied.push_str(&text[at..e.span.start]);
            applied.push_str(&e.content);
            at = e.span.end;
        }
        applied.push_str(&text[at..]);
        assert_eq!(applied, crate::fix::apply_edits(text, &refs).0);
        assert_eq!(applied, "aXde+fghZj");
    }
}
