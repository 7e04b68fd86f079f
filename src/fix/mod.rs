//! `--fix`: applying safe fixes as byte-range edits.
//!
//! Edits never reformat a file. Each pass lints, applies every safe fix whose edits do not
//! overlap an earlier one, re-parses the result (a fix that would leave a file that does not
//! parse is dropped and reported), and writes the file atomically (temporary file + rename).
//! Passes repeat until nothing changes, at most [`MAX_PASSES`] times.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::finding::LintOutput;
use crate::finding::{Edit, Fix, LintError};
use crate::lint::lint_paths;
use crate::read::parse_source;
use crate::source::{FileRef, SourceFile};

pub const MAX_PASSES: usize = 10;

#[derive(Debug, Default)]
pub struct FixSummary {
    /// Number of fixes applied, over all passes.
    pub fixed: usize,
    /// Display paths of the files that changed.
    pub files: BTreeSet<String>,
    /// Fixes that could not be applied (would not parse, file changed, write failed).
    pub errors: Vec<LintError>,
}

/// Lints `paths`, applies safe fixes until nothing changes, and returns the final lint.
pub fn fix_paths(paths: &[PathBuf]) -> (LintOutput, FixSummary) {
    fix_paths_with(paths, &|_| {})
}

/// Like [`fix_paths`], running `post` (configuration, suppressions, baseline) on every lint
/// before fixes are chosen: suppressed findings are not fixed.
pub fn fix_paths_with(
    paths: &[PathBuf],
    post: &dyn Fn(&mut LintOutput),
) -> (LintOutput, FixSummary) {
    let lint = |paths: &[PathBuf]| {
        let mut out = lint_paths(paths);
        post(&mut out);
        out
    };
    let mut summary = FixSummary::default();
    let mut rejected: BTreeSet<PathBuf> = BTreeSet::new();
    for _ in 0..MAX_PASSES {
        let out = lint(paths);
        let mut by_file: BTreeMap<PathBuf, (FileRef, Vec<&Fix>)> = BTreeMap::new();
        for finding in out.findings.iter().filter(|f| f.suppression.is_none()) {
            let Some(fix) = finding.fix.as_ref().filter(|f| f.is_safe()) else {
                continue;
            };
            let Some(first) = fix.edits.first() else {
                continue;
            };
            // A fix edits one file; multi-file fixes are not produced by any rule yet.
            if fix.edits.iter().any(|e| e.file.path != first.file.path)
                || rejected.contains(&first.file.path)
            {
                continue;
            }
            by_file
                .entry(first.file.path.clone())
                .or_insert_with(|| (first.file.clone(), Vec::new()))
                .1
                .push(fix);
        }
        let mut changed = false;
        for (path, (file, fixes)) in by_file {
            match apply_to_file(&file, &fixes) {
                Ok(n) if n > 0 => {
                    summary.fixed += n;
                    summary.files.insert(file.display.clone());
                    changed = true;
                }
                Ok(_) => {}
                Err(e) => {
                    rejected.insert(path);
                    summary.errors.push(e);
                }
            }
        }
        if !changed {
            let mut out = out;
            out.errors.extend(summary.errors.iter().cloned());
            return (out, summary);
        }
    }
    let mut out = lint(paths);
    out.errors.extend(summary.errors.iter().cloned());
    (out, summary)
}

/// Applies the non-overlapping fixes to a file; returns how many were applied.
fn apply_to_file(file: &FileRef, fixes: &[&Fix]) -> Result<usize, LintError> {
    let error = |message: String| LintError {
        path: file.display.clone(),
        message,
        location: None,
    };
    let (text, applied) = apply_edits(&file.text, fixes);
    if applied == 0 {
        return Ok(0);
    }
    // Never write over a file that changed since it was read.
    let on_disk = std::fs::read_to_string(&file.path)
        .map_err(|e| error(format!("cannot re-read before fixing: {e}")))?;
    if on_disk != file.text {
        return Err(error("file changed while fixing; not modified".to_string()));
    }
    let candidate: FileRef = Arc::new(SourceFile::new(
        file.path.clone(),
        file.display.clone(),
        text,
        file.syntax,
    ));
    if let Err(e) = parse_source(&candidate) {
        return Err(error(format!(
            "a fix would leave the file unparsable ({}); file left unchanged",
            e.message
        )));
    }
    write_atomically(&file.path, &candidate.text)
        .map_err(|e| error(format!("cannot write fixed file: {e}")))?;
    Ok(applied)
}

/// Applies whole fixes in order of their first edit, skipping any fix that overlaps one
/// already taken (it is retried in the next pass, against the new text).
pub fn apply_edits(text: &str, fixes: &[&Fix]) -> (String, usize) {
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|f| f.edits.first().map_or(0, |e| e.span.start));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut applied = 0;
    for fix in ordered {
        let overlaps = fix.edits.iter().any(|e| {
            e.span.end > text.len()
                || taken.iter().any(|t| {
                    e.span.start < t.span.end.max(t.span.start + 1)
                        && t.span.start < e.span.end.max(e.span.start + 1)
                })
        });
        if overlaps {
            continue;
        }
        taken.extend(fix.edits.iter());
        applied += 1;
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in taken {
        out.push_str(&text[at..edit.span.start]);
        out.push_str(&edit.content);
        at = edit.span.end;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// Writes through a temporary file in the same directory and renames it over the target,
/// keeping the original permissions, so a crash never leaves a half-written file.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kmslint-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
