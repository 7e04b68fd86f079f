//! SARIF 2.1.0 (`--format sarif`), shaped for GitHub code scanning (ecosystem.md §1).
//!
//! - Exactly one run. `tool.driver` lists every rule with its documentation, default level,
//!   tags, precision and `security-severity`.
//! - Paths are relative references against `%SRCROOT%` (the working directory, declared in
//!   `originalUriBaseIds`); a file outside the working directory gets an absolute `file://` URI.
//! - Regions are 1-based; columns, `charOffset` and `charLength` count UTF-16 code units
//!   (`columnKind: "utf16CodeUnits"`, like LSP); `endColumn` is exclusive. `charOffset` counts
//!   from the start of the text, after a byte-order mark.
//! - `partialFingerprints.primaryLocationLineHash` is GitHub's own line hash ([`super::fingerprint`]).
//! - Every fix becomes a `fixes` entry (`properties.safe` says whether `--fix` applies it);
//!   suppressed findings carry `suppressions`; files that could not be read or parsed are
//!   `toolExecutionNotifications` of the one invocation.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use super::{fingerprint, INFORMATION_URI};
use crate::finding::LintOutput;
use crate::finding::{Finding, Fix, LintError, Severity, Suppression, SuppressionKind};
use crate::rules::{self, RuleMeta};
use crate::source::{SourceFile, Span, Unit};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// GitHub's limit for `shortDescription` and `fullDescription`.
const MAX_DESCRIPTION: usize = 1024;

/// The SARIF log for a run, as text. Relative paths are against the working directory.
pub fn render(out: &LintOutput) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut s = serde_json::to_string_pretty(&log(out, &cwd))
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// The SARIF log for a run whose relative paths are relative to `root`.
pub fn log(out: &LintOutput, root: &Path) -> Value {
    let mut rules: Vec<Value> = rules::all().map(rule_descriptor).collect();
    let mut index: HashMap<&str, usize> =
        rules::all().enumerate().map(|(i, m)| (m.id, i)).collect();
    // A finding whose rule is not registered (none today) still needs a descriptor for
    // `ruleIndex` to point at.
    for f in &out.findings {
        if !index.contains_key(f.rule) {
            index.insert(f.rule, rules.len());
            rules.push(json!({
                "id": f.rule,
                "name": f.rule,
                "shortDescription": { "text": f.rule },
                "fullDescription": { "text": f.rule },
                "help": { "text": f.rule },
                "defaultConfiguration": { "level": f.severity.as_str() },
                "properties": { "tags": ["kmslint"] },
            }));
        }
    }

    let mut hashes = LineHashes::default();
    let results: Vec<Value> = out
        .findings
        .iter()
        .map(|f| result(f, index[f.rule], root, &mut hashes))
        .collect();
    let notifications: Vec<Value> = out.errors.iter().map(|e| notification(e, root)).collect();

    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "kmslint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": out.errors.is_empty(),
                "toolExecutionNotifications": notifications,
                "workingDirectory": { "uri": dir_uri(root) },
            }],
            "originalUriBaseIds": { SRCROOT: { "uri": dir_uri(root) } },
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    })
}

// ---------------------------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------------------------

pub fn help_uri(rule: &str) -> String {
    super::rule_url(rule)
}

fn rule_descriptor(meta: &RuleMeta) -> Value {
    // Rules that check resources, and rules about kmslint's own suppression comments.
    let tags = if meta.resource_types.is_empty() {
        json!(["security", "maintainability", "terraform", "opentofu"])
    } else {
        json!(["security", "terraform", "opentofu", "kms", "aws"])
    };
    let mut properties = json!({ "tags": tags, "precision": "very-high" });
    match meta.security_severity {
        Some(s) => properties["security-severity"] = json!(s),
        // A rule without one (none today) is an ordinary problem to GitHub.
        None => {
            properties["problem.severity"] = json!(match meta.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "recommendation",
            })
        }
    }
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": { "text": truncate(meta.summary, MAX_DESCRIPTION) },
        "fullDescription": { "text": full_description(meta) },
        "help": { "text": meta.doc, "markdown": meta.doc },
        "helpUri": help_uri(meta.id),
        "defaultConfiguration": { "level": level(meta.severity) },
        "properties": properties,
    })
}

/// The first paragraph of the rule's documentation after its `# id` heading, on one line.
pub fn full_description(meta: &RuleMeta) -> String {
    let mut lines = meta.doc.lines().peekable();
    if meta.doc.lines().any(|l| l.starts_with("# ")) {
        for l in lines.by_ref() {
            if l.starts_with("# ") {
                break;
            }
        }
    }
    let paragraph: Vec<&str> = lines
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let text = paragraph.join(" ");
    if text.is_empty() {
        truncate(meta.summary, MAX_DESCRIPTION)
    } else {
        truncate(&text, MAX_DESCRIPTION)
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn level(severity: Severity) -> &'static str {
    severity.as_str()
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// Line hashes per file, computed once per file.
#[derive(Default)]
struct LineHashes {
    by_file: HashMap<PathBuf, Vec<String>>,
}

impl LineHashes {
    fn get(&mut self, file: &SourceFile, line: usize) -> Option<String> {
        let hashes = self
            .by_file
            .entry(file.path.clone())
            .or_insert_with(|| fingerprint::line_hashes(&file.text));
        line.checked_sub(1).and_then(|i| hashes.get(i)).cloned()
    }
}

fn result(f: &Finding, rule_index: usize, root: &Path, hashes: &mut LineHashes) -> Value {
    let start_line = f.file.position(f.span.start).line;
    let mut primary = location(&f.file, &f.span, root);
    primary["logicalLocations"] = json!([{
        "fullyQualifiedName": f.address,
        "kind": "resource",
    }]);
    let mut r = json!({
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [primary],
        "partialFingerprints": {},
    });
    if let Some(h) = hashes.get(&f.file, start_line) {
        r["partialFingerprints"]["primaryLocationLineHash"] = json!(h);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                let mut l = location(&rel.file, &rel.span, root);
                l["id"] = json!(i + 1);
                l["message"] = json!({ "text": rel.message });
                l
            })
            .collect();
    }
    if let Some(fix) = &f.fix {
        r["fixes"] = json!([fix_object(fix, root)]);
    }
    if let Some(s) = &f.suppression {
        r["suppressions"] = json!([suppression(s, root)]);
    }
    r
}

fn fix_object(fix: &Fix, root: &Path) -> Value {
    // One artifactChange per file, in the order the files first appear.
    let mut changes: Vec<(&SourceFile, Vec<Value>)> = Vec::new();
    for e in &fix.edits {
        let start = e.file.position(e.span.start);
        let end = e.file.position(e.span.end);
        let replacement = json!({
            "deletedRegion": {
                "startLine": start.line,
                "startColumn": start.utf16_column,
                "endLine": end.line,
                "endColumn": end.utf16_column,
            },
            "insertedContent": { "text": e.content },
        });
        match changes
            .iter_mut()
            .find(|(file, _)| file.path == e.file.path)
        {
            Some((_, replacements)) => replacements.push(replacement),
            None => changes.push((&e.file, vec![replacement])),
        }
    }
    json!({
        "description": { "text": fix.title },
        "artifactChanges": changes
            .into_iter()
            .map(|(file, replacements)| json!({
                "artifactLocation": artifact_location(&file.display, root),
                "replacements": replacements,
            }))
            .collect::<Vec<_>>(),
        "properties": { "safe": fix.is_safe() },
    })
}

fn suppression(s: &Suppression, root: &Path) -> Value {
    let mut v = json!({
        "kind": match s.kind {
            SuppressionKind::Inline | SuppressionKind::File => "inSource",
            SuppressionKind::Baseline => "external",
        },
        "status": "accepted",
    });
    if !s.justification.is_empty() {
        v["justification"] = json!(s.justification);
    }
    if let Some((file, span)) = &s.location {
        v["location"] = location(file, span, root);
    }
    v
}

fn notification(e: &LintError, root: &Path) -> Value {
    let mut v = json!({ "level": "error" });
    match &e.location {
        Some((file, span)) => {
            // The same code the human and compact formats show.
            v["descriptor"] = json!({ "id": "parse-error" });
            v["message"] = json!({ "text": e.message });
            v["locations"] = json!([location(file, span, root)]);
        }
        None => {
            v["message"] = json!({ "text": format!("{}: {}", e.path, e.message) });
            v["locations"] = json!([{
                "physicalLocation": { "artifactLocation": artifact_location(&e.path, root) },
            }]);
        }
    }
    v
}

fn location(file: &SourceFile, span: &Span, root: &Path) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": artifact_location(&file.display, root),
            "region": region(file, span),
        }
    })
}

/// A full region: lines, UTF-16 columns (end exclusive), UTF-16 offset and length.
pub fn region(file: &SourceFile, span: &Span) -> Value {
    let start = file.position(span.start);
    let end = file.position(span.end.max(span.start));
    let from = file.bom_len.min(start.offset);
    let char_offset = file.len_in(&(from..start.offset), Unit::Utf16);
    let char_length = file.len_in(&(start.offset..end.offset), Unit::Utf16);
    json!({
        "startLine": start.line,
        "startColumn": start.utf16_column,
        "endLine": end.line,
        "endColumn": end.utf16_column,
        "charOffset": char_offset,
        "charLength": char_length,
    })
}

// ---------------------------------------------------------------------------------------------
// URIs
// ---------------------------------------------------------------------------------------------

/// `{uri, uriBaseId: "%SRCROOT%"}` for a path relative to the working directory (as display
/// paths are when the file is under it), an absolute `file://` URI otherwise.
pub fn artifact_location(display: &str, root: &Path) -> Value {
    let path = display.replace('\\', "/");
    let escapes_root = path == ".." || path.starts_with("../");
    if is_absolute(&path) {
        json!({ "uri": file_uri(&path) })
    } else if escapes_root {
        let abs = crate::paths::normalize(&root.join(&path));
        json!({ "uri": file_uri(&abs.to_string_lossy().replace('\\', "/")) })
    } else {
        let rel = path.strip_prefix("./").unwrap_or(&path);
        json!({ "uri": percent_encode(rel, false), "uriBaseId": SRCROOT })
    }
}

fn is_absolute(path: &str) -> bool {
    let b = path.as_bytes();
    path.starts_with('/') || (b.len() >= 3 && b[0].is_ascii_alphabetic() && &b[1..3] == b":/")
}

/// `file:///abs/path` for an absolute path written with `/`.
fn file_uri(path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}") // a Windows drive: file:///C:/…
    };
    format!("file://{}", percent_encode(&path, true))
}

/// The `file://` URI of a directory, with the trailing slash a base URI needs.
fn dir_uri(dir: &Path) -> String {
    let mut s = file_uri(&dir.to_string_lossy().replace('\\', "/"));
    if !s.ends_with('/') {
        s.push('/');
    }
    s
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/` (and `:` when
/// `keep_colon`, which is only safe after the scheme of an absolute URI: in a relative
/// reference a colon in the first segment would read as a scheme).
pub fn percent_encode(s: &str, keep_colon: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (keep_colon && b == b':');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_security_severity_in_range() {
        for meta in rules::all() {
            let id = meta.id;
            let s = meta
                .security_severity
                .unwrap_or_else(|| panic!("{id} has no security-severity in its RuleMeta"));
            if meta.resource_types.is_empty() {
                // A rule about kmslint's own comments: low.
                assert!(s.parse::<f64>().unwrap() < 4.0, "{id}: {s}");
            }
            let n: f64 = s.parse().unwrap();
            assert!((0.1..=10.0).contains(&n), "{id}: {s}");
            // GitHub reads one decimal place.
            assert_eq!(s.split('.').nth(1).map(str::len), Some(1), "{id}: {s}");
        }
    }

    #[test]
    fn full_description_is_the_first_paragraph_after_the_heading() {
        for meta in rules::all() {
            let d = full_description(meta);
            assert!(!d.is_empty() && !d.starts_with('#'), "{}: {d}", meta.id);
            assert!(d.chars().count() <= MAX_DESCRIPTION);
            assert!(!d.contains('\n'));
            let first_words: String = d.split(' ').take(3).collect::<Vec<_>>().join(" ");
            assert!(
                meta.doc.contains(&first_words),
                "{}: {first_words}",
                meta.id
            );
        }
    }

    fn finding(rule: &'static str, suppression: Option<Suppression>) -> Finding {
        use crate::source::Syntax;
        let text = "resource \"aws_kms_key\" \"x\" {}\n".to_string();
        let file = std::sync::Arc::new(SourceFile::new(
            PathBuf::from("/r/main.tf"),
            "main.tf".to_string(),
            text,
            Syntax::Hcl,
        ));
        Finding {
            rule,
            severity: Severity::Warning,
            message: "m".to_string(),
            file,
            span: 0..8,
            address: "aws_kms_key.x".to_string(),
            related: Vec::new(),
            fix: None,
            resource_span: None,
            attribute: None,
            corrected_value: None,
            instances: Vec::new(),
            suppression,
        }
    }

    #[test]
    fn a_finding_of_an_unregistered_rule_gets_a_descriptor() {
        let out = LintOutput {
            findings: vec![
                finding("kms-key-rotation-disabled", None),
                finding("x-new", None),
            ],
            ..LintOutput::default()
        };
        let log = log(&out, Path::new("/r"));
        let run = &log["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        assert_eq!(rules.len(), rules::all().count() + 1);
        for r in run["results"].as_array().unwrap() {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], r["ruleId"]);
        }
    }

    #[test]
    fn suppression_kinds() {
        let kinds = [
            (SuppressionKind::Inline, "inSource"),
            (SuppressionKind::File, "inSource"),
            (SuppressionKind::Baseline, "external"),
        ];
        for (kind, expected) in kinds {
            let s = Suppression {
                kind,
                justification: String::new(),
                location: None,
            };
            let out = LintOutput {
                findings: vec![finding("kms-key-rotation-disabled", Some(s))],
                ..LintOutput::default()
            };
            let log = log(&out, Path::new("/r"));
            let s = &log["runs"][0]["results"][0]["suppressions"][0];
            assert_eq!(s["kind"], expected);
            assert_eq!(s["status"], "accepted");
            // An empty reason is left out rather than written as "".
            assert!(s.get("justification").is_none());
        }
    }

    #[test]
    fn uris() {
        let root = Path::new("/work/my repo");
        assert_eq!(dir_uri(root), "file:///work/my%20repo/");
        assert_eq!(dir_uri(Path::new("/")), "file:///");
        assert_eq!(
            artifact_location("modules/kms key/main.tf", root),
            json!({"uri": "modules/kms%20key/main.tf", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("a:b/100%#é.tf", root),
            json!({"uri": "a%3Ab/100%25%23%C3%A9.tf", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            artifact_location("/other/x.tf", root),
            json!({"uri": "file:///other/x.tf"})
        );
        assert_eq!(
            artifact_location("../other/x.tf", root),
            json!({"uri": "file:///work/other/x.tf"})
        );
        assert_eq!(
            artifact_location("C:/src/x.tf", root),
            json!({"uri": "file:///C:/src/x.tf"})
        );
    }
}
