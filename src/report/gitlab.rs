//! GitLab Code Quality (`--format gitlab`): a JSON array, one issue per unsuppressed finding
//! and one per file that could not be linted (ecosystem.md §3).
//!
//! Each issue has `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path` / `location.lines.begin`, plus the Code Climate fields `type`,
//! `engine_name` and `categories`. Severity: note → `info`, warning → `minor`,
//! error → `major`; a file kmslint could not read or parse is `critical` (nothing in it was
//! checked). The fingerprint is a 128-bit FNV-1a hash of rule, file, resource address,
//! attribute and line, so the same problem elsewhere gets a different one; a collision within
//! one report is made unique by hashing again with the occurrence number. No byte-order mark.

use std::collections::HashSet;

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
    let mut seen = HashSet::new();
    let mut issues: Vec<Value> = Vec::new();
    for e in &out.errors {
        let line = e
            .location
            .as_ref()
            .map_or(1, |(file, span)| file.position(span.start).line);
        let fp = unique(&mut seen, |n| {
            fnv1a_128(&[
                "parse-error",
                &e.path,
                &line.to_string(),
                &e.message,
                &n.to_string(),
            ])
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
    for f in super::unsuppressed(out) {
        let start = f.file.position(f.span.start);
        let end = f.file.position(f.span.end.max(f.span.start));
        let fp = unique(&mut seen, |n| {
            fnv1a_128(&[
                f.rule,
                &f.file.display,
                &f.address,
                f.attribute.as_deref().unwrap_or(""),
                &start.line.to_string(),
                &n.to_string(),
            ])
        });
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
    fn unique_retries_with_occurrence_numbers() {
        let mut seen = HashSet::new();
        let a = unique(&mut seen, |n| fnv1a_128(&["x", &n.to_string()]));
        let b = unique(&mut seen, |n| fnv1a_128(&["x", &n.to_string()]));
        assert_ne!(a, b);
    }
}
