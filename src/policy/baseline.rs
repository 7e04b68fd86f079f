//! The baseline: findings recorded on purpose, so that only new ones are reported.
//!
//! `kmslint baseline [PATH...] --output .kmslint-baseline.json` records every unsuppressed
//! finding by a fingerprint that survives unrelated edits: the rule, the file (relative to the
//! baseline file's directory, `/`-separated), the resource address and the attribute path;
//! never a line number. Identical fingerprints are counted, so a second finding of the same
//! kind in the same place is new. `check --baseline FILE` marks up to `count` matching findings
//! as suppressed (kind `baseline`); entries that match nothing, in files that were checked,
//! are *stale* (the finding was fixed or its resource is gone) and are counted.
//!
//! ```json
//! {
//!   "version": 1,
//!   "findings": [
//!     { "rule": "kms-key-rotation-disabled", "file": "main.tf",
//!       "address": "aws_kms_key.logs", "attribute": "enable_key_rotation", "count": 1 }
//!   ]
//! }
//! ```

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::finding::{Finding, LintOutput, Suppression, SuppressionKind};
use crate::paths::canonical;

pub const DEFAULT_FILE: &str = ".kmslint-baseline.json";
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    findings: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: String,
    file: String,
    address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attribute: Option<String>,
    #[serde(default = "one")]
    count: usize,
}

fn one() -> usize {
    1
}

/// The fingerprint of a finding: what stays the same when unrelated lines move. GitLab Code
/// Quality fingerprints hash the same identity (`report::gitlab`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Key {
    pub rule: String,
    /// `/`-separated, relative to the baseline's directory.
    pub file: String,
    pub address: String,
    pub attribute: Option<String>,
}

/// A loaded baseline.
#[derive(Debug)]
pub struct Baseline {
    path: PathBuf,
    /// The directory file paths are relative to (canonical).
    dir: PathBuf,
    entries: BTreeMap<Key, usize>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text =
            crate::source::read_text(path).map_err(|e| format!("cannot read baseline: {e}"))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            format!(
                "not a kmslint baseline (line {}, column {}): {e}",
                e.line(),
                e.column()
            )
        })?;
        if file.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (expected {VERSION}); re-create it with `kmslint baseline`",
                file.version
            ));
        }
        let mut entries = BTreeMap::new();
        for e in file.findings {
            *entries
                .entry(Key {
                    rule: e.rule,
                    file: e.file,
                    address: e.address,
                    attribute: e.attribute,
                })
                .or_insert(0) += e.count;
        }
        Ok(Baseline {
            path: path.to_path_buf(),
            dir: base_dir(path),
            entries,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of findings recorded (duplicates counted).
    pub fn len(&self) -> usize {
        self.entries.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Marks unsuppressed findings that are in the baseline; returns the number of stale
    /// entries among those whose file is under one of `paths` (the rest were not checked).
    pub fn apply(&self, out: &mut LintOutput, paths: &[PathBuf]) -> usize {
        let mut left = self.entries.clone();
        let justification = format!("recorded in the baseline {}", self.path.display());
        for f in out.findings.iter_mut().filter(|f| f.suppression.is_none()) {
            if let Some(n) = left.get_mut(&key(f, &self.dir)).filter(|n| **n > 0) {
                *n -= 1;
                f.suppression = Some(Suppression {
                    kind: SuppressionKind::Baseline,
                    justification: justification.clone(),
                    location: None,
                });
            }
        }
        let scope: Vec<(PathBuf, bool)> =
            paths.iter().map(|p| (canonical(p), p.is_dir())).collect();
        left.iter()
            .filter(|(k, _)| {
                let file = crate::paths::normalize(&self.dir.join(&k.file));
                scope.iter().any(|(p, is_dir)| {
                    if *is_dir {
                        file.starts_with(p)
                    } else {
                        file == *p
                    }
                })
            })
            .map(|(_, n)| n)
            .sum()
    }
}

/// Writes the unsuppressed findings of `out` as a baseline at `path`; returns how many.
pub fn record(out: &LintOutput, path: &Path) -> std::io::Result<usize> {
    let dir = base_dir(path);
    let mut entries: BTreeMap<Key, usize> = BTreeMap::new();
    for f in out.findings.iter().filter(|f| f.suppression.is_none()) {
        *entries.entry(key(f, &dir)).or_insert(0) += 1;
    }
    let total = entries.values().sum();
    let file = BaselineFile {
        version: VERSION,
        findings: entries
            .into_iter()
            .map(|(k, count)| Entry {
                rule: k.rule,
                file: k.file,
                address: k.address,
                attribute: k.attribute,
                count,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).map_err(std::io::Error::other)?;
    text.push('\n');
    crate::fix::write_atomically(path, &text)?;
    Ok(total)
}

fn base_dir(path: &Path) -> PathBuf {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    canonical(dir)
}

/// The identity of a finding whose paths are relative to `dir` (canonical).
pub fn key(f: &Finding, dir: &Path) -> Key {
    key_in(f, file_key(&f.file.path, dir))
}

/// [`key`] with the file part already computed by [`file_key`] (it reads the file system, so
/// a caller with many findings per file computes it once per file).
pub fn key_in(f: &Finding, file: String) -> Key {
    Key {
        rule: f.rule.to_string(),
        file,
        address: f.address.clone(),
        attribute: f.attribute.clone(),
    }
}

/// The file part of a finding's identity: its path, canonical, relative to `dir`.
pub fn file_key(path: &Path, dir: &Path) -> String {
    relative(&canonical(path), dir)
}

/// `path` relative to `dir` (both absolute), `/`-separated, with `..` where needed.
fn relative(path: &Path, dir: &Path) -> String {
    let p: Vec<Component> = path.components().collect();
    let d: Vec<Component> = dir.components().collect();
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); d.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        let r = |p: &str, d: &str| relative(Path::new(p), Path::new(d));
        assert_eq!(r("/a/b/c.tf", "/a"), "b/c.tf");
        assert_eq!(r("/a/b/c.tf", "/a/x"), "../b/c.tf");
        assert_eq!(r("/a/c.tf", "/a"), "c.tf");
        assert_eq!(
            crate::paths::normalize(Path::new("/a/x/../b/./c.tf")),
            Path::new("/a/b/c.tf")
        );
    }
}
