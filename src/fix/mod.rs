//! `--fix`: applying safe fixes as byte-range edits.
//!
//! Edits never reformat a file. Each pass lints, applies every safe fix whose edits do not
//! overlap an earlier one, re-parses the result (a fix that would leave a file that does not
//! parse is dropped and reported), and writes the file ([`write_atomically`]). Passes repeat
//! until nothing changes, at most [`MAX_PASSES`] times. A dry run ([`FixMode::DryRun`], for
//! `--diff` and standard input) does the same in memory and writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::finding::LintOutput;
use crate::finding::{Edit, Fix, LintError};
use crate::lint::{lint, LintOptions, Overlay};
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

/// Whether fixed files are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixMode {
    /// Write every fixed file in place (`--fix`).
    Write,
    /// Keep the fixed texts in memory (`--diff`, standard input); nothing is written.
    DryRun,
}

/// One file `--fix` changed (or, in a dry run, would change).
#[derive(Debug, Clone)]
pub struct FileChange {
    /// The path as shown in reports.
    pub display: String,
    pub before: String,
    pub after: String,
}

/// The result of [`fix`].
#[derive(Debug, Default)]
pub struct FixRun {
    /// The lint of the fixed files (what is left).
    pub out: LintOutput,
    pub summary: FixSummary,
    /// Every changed file, by path.
    pub changes: BTreeMap<PathBuf, FileChange>,
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
    let run = fix(
        paths,
        &Overlay::new(),
        &LintOptions::default(),
        post,
        FixMode::Write,
    );
    (run.out, run.summary)
}

/// The `--fix` loop. Files in `overlay` are read from it instead of the disk (an editor
/// buffer or standard input); in [`FixMode::DryRun`] every fixed text goes into a copy of
/// it, so later passes see the fixed text and nothing is written.
pub fn fix(
    paths: &[PathBuf],
    overlay: &Overlay,
    options: &LintOptions,
    post: &dyn Fn(&mut LintOutput),
    mode: FixMode,
) -> FixRun {
    let mut overlay = overlay.clone();
    let lint = |overlay: &Overlay| {
        let mut out = lint(paths, overlay, options);
        post(&mut out);
        out
    };
    let mut summary = FixSummary::default();
    let mut changes: BTreeMap<PathBuf, FileChange> = BTreeMap::new();
    let mut rejected: BTreeSet<PathBuf> = BTreeSet::new();
    for _ in 0..MAX_PASSES {
        let out = lint(&overlay);
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
            let in_memory = mode == FixMode::DryRun || overlay.contains_key(&path);
            match apply_to_file(&file, &fixes, !in_memory) {
                Ok(Some((text, n))) => {
                    summary.fixed += n;
                    summary.files.insert(file.display.clone());
                    changes
                        .entry(path.clone())
                        .or_insert_with(|| FileChange {
                            display: file.display.clone(),
                            before: file.text.clone(),
                            after: String::new(),
                        })
                        .after = text.clone();
                    if in_memory {
                        overlay.insert(path, text);
                    }
                    changed = true;
                }
                Ok(None) => {}
                Err(e) => {
                    rejected.insert(path);
                    summary.errors.push(e);
                }
            }
        }
        if !changed {
            let mut out = out;
            out.errors.extend(summary.errors.iter().cloned());
            return FixRun {
                out,
                summary,
                changes,
            };
        }
    }
    let mut out = lint(&overlay);
    out.errors.extend(summary.errors.iter().cloned());
    FixRun {
        out,
        summary,
        changes,
    }
}

/// Applies the non-overlapping fixes to a file; returns the new text and how many fixes were
/// applied (`None` when none applies). With `write`, the file on disk is replaced.
fn apply_to_file(
    file: &FileRef,
    fixes: &[&Fix],
    write: bool,
) -> Result<Option<(String, usize)>, LintError> {
    let error = |message: String| LintError {
        path: file.display.clone(),
        message,
        location: None,
    };
    let (text, applied) = apply_edits(&file.text, fixes);
    if applied == 0 {
        return Ok(None);
    }
    if write {
        // Never write over a file that changed since it was read.
        let on_disk = crate::source::read_text(&file.path)
            .map_err(|e| error(format!("cannot re-read before fixing: {e}")))?;
        if on_disk != file.text {
            return Err(error("file changed while fixing; not modified".to_string()));
        }
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
    if write {
        write_atomically(&file.path, &candidate.text).map_err(|e| {
            error(format!(
                "cannot write the fixed file: {e}; file left unchanged"
            ))
        })?;
    }
    Ok(Some((candidate.text.clone(), applied)))
}

/// Applies whole fixes in order of their first edit, skipping any fix that overlaps one
/// already taken (it is retried in the next pass, against the new text).
pub fn apply_edits(text: &str, fixes: &[&Fix]) -> (String, usize) {
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|f| f.edits.first().map_or(0, |e| e.span.start));
    let mut taken: Vec<&Edit> = Vec::new();
    // The ranges taken so far by start offset; an insertion (empty span) occupies one byte,
    // so two insertions at one place, or an insertion inside a replacement, overlap. Taken
    // ranges never overlap each other, so only the neighbours of a new range can: looking
    // them up keeps many fixes in one file at n log n.
    let mut occupied: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let extent = |e: &Edit| (e.span.start, e.span.end.max(e.span.start + 1));
    let overlaps = |occupied: &std::collections::BTreeMap<usize, usize>,
                    (start, end): (usize, usize)| {
        occupied
            .range(..end)
            .next_back()
            .is_some_and(|(_, &taken_end)| taken_end > start)
    };
    let mut applied = 0;
    for fix in ordered {
        let clash = fix.edits.iter().enumerate().any(|(i, e)| {
            e.span.end > text.len()
                || e.span.start > e.span.end
                || !text.is_char_boundary(e.span.start)
                || !text.is_char_boundary(e.span.end)
                || overlaps(&occupied, extent(e))
                // The edits of one fix must not overlap each other either.
                || fix.edits[..i].iter().any(|o| {
                    let (a, b) = (extent(o), extent(e));
                    a.0 < b.1 && b.0 < a.1
                })
        });
        if clash {
            continue;
        }
        for e in &fix.edits {
            let (start, end) = extent(e);
            occupied.insert(start, end);
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

/// Writes `text` to `path` so that a crash never leaves a half-written file and the file
/// stays what it was apart from its contents:
///
/// - a symbolic link is followed: its target is written and the link stays a link;
/// - a file without any write permission bit is refused (also for root, who could write it
///   anyway), as is a file the process may not write;
/// - the new text goes to a temporary file in the target's directory (created private),
///   which gets the original's owner, group and mode and is renamed over it;
/// - a file with several hard links, or whose owner cannot be given to the temporary file
///   (someone else's file in a group-writable directory), is written in place instead, since
///   a rename would split the links or change the owner; that write is not atomic.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    let target = if is_link {
        std::fs::canonicalize(path).map_err(|e| {
            Error::new(
                e.kind(),
                format!(
                    "{} is a symbolic link whose target cannot be resolved: {e}",
                    path.display()
                ),
            )
        })?
    } else {
        path.to_path_buf()
    };
    let existing = match std::fs::metadata(&target) {
        Ok(meta) => Some(meta),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(meta) = &existing {
        if !meta.is_file() {
            return Err(Error::other(format!(
                "{} is not a regular file",
                target.display()
            )));
        }
        if is_read_only(meta) {
            return Err(Error::new(
                ErrorKind::PermissionDenied,
                format!(
                    "{} is read-only{}: make it writable to let kmslint change it",
                    target.display(),
                    mode_text(meta)
                ),
            ));
        }
        // The permission bits allow it; can this process write it?
        std::fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|e| {
                Error::new(
                    e.kind(),
                    format!("{} is not writable: {e}", target.display()),
                )
            })?;
        if hard_links(meta) > 1 {
            return write_in_place(&target, text);
        }
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.kmslint-{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    let result = (|| {
        let mut f = create_temp(&tmp, existing.is_some())?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Some(meta) = &existing {
            if !copy_owner(&f, meta) {
                return Ok(false);
            }
            // After the owner: changing the owner may clear set-id bits.
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        drop(f);
        std::fs::rename(&tmp, &target)?;
        Ok(true)
    })();
    match result {
        Ok(true) => Ok(()),
        Ok(false) => {
            let _ = std::fs::remove_file(&tmp);
            write_in_place(&target, text)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Overwrites a file's contents, keeping its inode (links, owner, mode, extended attributes).
fn write_in_place(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    f.write_all(text.as_bytes())?;
    f.set_len(text.len() as u64)?;
    f.sync_all()
}

/// True when no write permission bit is set: such a file is not edited even by root, who
/// could write it regardless.
#[cfg(unix)]
fn is_read_only(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o222 == 0
}

#[cfg(not(unix))]
fn is_read_only(meta: &std::fs::Metadata) -> bool {
    meta.permissions().readonly()
}

#[cfg(unix)]
fn mode_text(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    format!(" (mode {:04o})", meta.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_text(_: &std::fs::Metadata) -> String {
    String::new()
}

#[cfg(unix)]
fn hard_links(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::nlink(meta)
}

#[cfg(not(unix))]
fn hard_links(_: &std::fs::Metadata) -> u64 {
    1
}

/// The temporary file: readable by the owner only until it gets the original's mode; a new
/// file gets the usual mode (0666 less the umask).
fn create_temp(tmp: &Path, replacing: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if replacing {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = replacing;
    options.open(tmp)
}

/// Gives the temporary file the original's owner and group; false when that is not allowed.
#[cfg(unix)]
fn copy_owner(f: &std::fs::File, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(current) = f.metadata() else {
        return false;
    };
    if current.uid() == meta.uid() && current.gid() == meta.gid() {
        return true;
    }
    std::os::unix::fs::fchown(f, Some(meta.uid()), Some(meta.gid())).is_ok()
}

#[cfg(not(unix))]
fn copy_owner(_: &std::fs::File, _: &std::fs::Metadata) -> bool {
    true
}
