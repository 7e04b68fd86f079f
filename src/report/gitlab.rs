//! GitLab Code Quality (`--format gitlab`): a JSON array, one issue per unsuppressed finding
//! and one per file that could not be linted (ecosystem.md §3).
//!
//! Each issue has `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`, plus the Code Climate fields `type`,
//! `engine_name` and `categories`. Severity: note → `info`, warning → `minor`,
//! error → `major`; a file kmslint could not read or parse is `critical` (nothing in it was
//! checked). No byte-order mark.
//!
//! The fingerprint is a 128-bit FNV-1a hash of the finding's baseline identity
//! ([`crate::policy::baseline::key`]: rule, file relative to the working directory, resource address,
//! attribute path) and never of a line number, so code that moves is not shown as one problem
//! fixed and a new one found; the same problem in another file or resource gets another
//! fingerprint. Findings whose identities are equal are told apart by an occurrence number,
//! in report order (GitLab collapses equal fingerprints into one entry). A file that could not
//! be linted is fingerprinted by its path and the message.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde_json::{json, Value};

use crate::finding::LintOutput;
use crate::finding::Severity;

/// 128-bit FNV-1a of some bytes.
fn fnv1a_128_bytes(bytes: impl IntoIterator<Item = u8>) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    bytes
        .into_iter()
        .fold(OFFSET, |h, b| (h ^ u128::from(b)).wrapping_mul(PRIME))
}

/// 128-bit FNV-1a of `parts`, each followed by a NUL, as 32 lowercase hex digits.
pub fn fnv1a_128(parts: &[&str]) -> String {
    let bytes = parts
        .iter()
        .flat_map(|p| p.bytes().chain(std::iter::once(0u8)));
    format!("{:032x}", fnv1a_128_bytes(bytes))
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Note => "info",
        Severity::Warning => "minor",
        Severity::Error => "major",
    }
}

/// The fingerprint of a finding identity and its occurrence number among equal identities.
fn fingerprint(key: &crate::policy::baseline::Key, occurrence: usize) -> String {
    fnv1a_128(&[
        &key.rule,
        &key.file,
        &key.address,
        key.attribute.as_deref().unwrap_or(""),
        &occurrence.to_string(),
    ])
}

/// Makes `fingerprint(0)` unique among `seen` by trying occurrence numbers 1, 2, …
fn unique(seen: &mut HashSet<String>, fingerprint: impl Fn(usize) -> String) -> String {
    let mut n = 0;
    loop {
        let fp = fingerprint(n);
        if seen.insert(fp.clone()) {
            return fp;
        }
        n += 1;
    }
}

pub fn render(out: &LintOutput) -> String {
    let cwd = crate::paths::canonical(&std::env::current_dir().unwrap_or_default());
    let mut seen = HashSet::new();
    let mut issues: Vec<Value> = Vec::new();
    for e in &out.errors {
        let line = e
            .location
            .as_ref()
            .map_or(1, |(file, span)| file.position(span.start).line);
        let fp = unique(&mut seen, |n| {
            fnv1a_128(&["parse-error", &e.path, &e.message, &n.to_string()])
        });
        issues.push(json!({
            "type": "issue",
            "engine_name": "kmslint",
            "check_name": "parse-error",
            "description": e.message,
            "categories": ["Bug Risk"],
            "fingerprint": fp,
            "severity": "critical",
            "location": { "path": e.path, "lines": { "begin": line } },
        }));
    }
    // The file part of the identity reads the file system: once per file.
    let mut files: HashMap<PathBuf, String> = HashMap::new();
    for f in super::unsuppressed(out) {
        let start = f.file.position(f.span.start);
        let end = f.file.position(f.span.end.max(f.span.start));
        let file = files
            .entry(f.file.path.clone())
            .or_insert_with(|| crate::policy::baseline::file_key(&f.file.path, &cwd))
            .clone();
        let key = crate::policy::baseline::key_in(f, file);
        let fp = unique(&mut seen, |n| fingerprint(&key, n));
        issues.push(json!({
            "type": "issue",
            "engine_name": "kmslint",
            "check_name": f.rule,
            "description": f.message,
            "categories": ["Security"],
            "fingerprint": fp,
            "severity": severity(f.severity),
            "location": {
                "path": f.file.display,
                "lines": { "begin": start.line, "end": end.line },
            },
        }));
    }
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_128_known_values() {
        // Reference values of 128-bit FNV-1a (draft-eastlake-fnv test vectors).
        let raw = |s: &str| format!("{:032x}", fnv1a_128_bytes(s.bytes()));
        assert_eq!(raw(""), "6c62272e07bb014262b821756295c58d");
        assert_eq!(raw("a"), "d228cb696f1a8caf78912b704e4a8964");
        assert_eq!(raw("foobar"), "343e1662793c64bf6f0d3597ba446f18");
        // Parts are NUL-terminated, so ("ab","") and ("a","b") differ.
        assert_ne!(fnv1a_128(&["ab", ""]), fnv1a_128(&["a", "b"]));
        assert_eq!(fnv1a_128(&["a"]).len(), 32);
    }

    #[test]
    fn fingerprints_hash_the_identity_and_never_a_line() {
        use crate::finding::{Finding, Severity};
        use crate::source::{SourceFile, Syntax};
        let finding = |text: &str, attribute: &str| {
            let file = std::sync::Arc::new(SourceFile::new(
                std::path::PathBuf::from("/nonexistent/kmslint/main.tf"),
                "main.tf".to_string(),
                text.to_string(),
                Syntax::Hcl,
            ));
            let at = text.find('e').unwrap_or(0);
            Finding {
                rule: "some-rule",
                severity: Severity::Warning,
                message: "m".to_string(),
                file,
                span: at..at + 1,
                address: "aws_kms_key.x".to_string(),
                related: Vec::new(),
                fix: None,
                resource_span: None,
                attribute: Some(attribute.to_string()),
                corrected_value: None,
                instances: Vec::new(),
                suppression: None,
            }
        };
        let fps = |findings: Vec<Finding>| -> Vec<String> {
            let out = LintOutput {
                findings,
                ..LintOutput::default()
            };
            let v: Value = serde_json::from_str(&render(&out)).unwrap();
            v.as_array()
                .unwrap()
                .iter()
                .map(|i| i["fingerprint"].as_str().unwrap().to_string())
                .collect()
        };
        let here = fps(vec![finding("e = 1\n", "e")]);
        let moved = fps(vec![finding("\n\n\n  e = 1\n", "e")]);
        assert_eq!(here, moved);
        // Another attribute is another problem.
        assert_ne!(here, fps(vec![finding("e = 1\n", "f")]));
        // Two findings with one identity get two fingerprints, the first as when alone.
        let two = fps(vec![finding("e = 1\n", "e"), finding("e = 1\n", "e")]);
        assert_eq!(two[0], here[0]);
        assert_ne!(two[0], two[1]);
    }

    #[test]
    fn unique_retries_with_occurrence_numbers() {
        let mut seen = HashSet::new();
        let a = unique(&mut seen, |n| fnv1a_128(&["x", &n.to_string()]));
        let b = unique(&mut seen, |n| fnv1a_128(&["x", &n.to_string()]));
        assert_ne!(a, b);
    }
}
