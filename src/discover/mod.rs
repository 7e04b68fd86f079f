//! Finding the inputs: which files to read, grouped into modules (one per directory).
//!
//! Directories are walked recursively; `.terraform/`, `.git/`, `node_modules/` and hidden
//! directories are skipped; symlinked directories are followed with loop detection. A file
//! named on the command line is linted together with the rest of its directory (so its
//! variables and locals resolve), but only findings in named files are reported — that is
//! what a pre-commit hook that passes single files needs.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::finding::LintError;
use crate::source::Syntax;

/// The files of one module and which of them findings may be reported in.
#[derive(Debug, Clone)]
pub struct ModuleSpec {
    pub dir: PathBuf,
    /// Configuration and tfvars files, sorted by name.
    pub files: Vec<PathBuf>,
    /// File names findings are reported in; `None` means every file.
    pub report_only: Option<BTreeSet<OsString>>,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub modules: Vec<ModuleSpec>,
    /// Plan JSON candidates: `.json` files named on the command line, and `*.tfplan.json`,
    /// `tfplan.json` and `plan.json` found while walking (recognised by content later).
    pub plans: Vec<PathBuf>,
    pub errors: Vec<LintError>,
}

/// What kind of input a file name is, or `None` when kmslint does not read it.
pub fn input_syntax(name: &str) -> Option<Syntax> {
    // Editor backups, emacs lock files and hidden files are never configuration.
    if name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
    {
        return None;
    }
    if [".tf", ".tofu", ".tfvars"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        Some(Syntax::Hcl)
    } else if [".tf.json", ".tofu.json", ".tfvars.json"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        Some(Syntax::Json)
    } else {
        None
    }
}

/// File names a directory walk treats as plans (recognised by content later).
pub fn is_plan_name(name: &str) -> bool {
    name.ends_with(".tfplan.json") || name == "tfplan.json" || name == "plan.json"
}

fn is_skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

/// Lists the input files directly inside `dir` (one module).
pub fn module_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // The listing's file type needs no stat; only a symlink is resolved.
        let is_file = match entry.file_type() {
            Ok(t) if !t.is_symlink() => t.is_file(),
            _ => entry.path().is_file(),
        };
        if is_file && input_syntax(&name.to_string_lossy()).is_some() {
            files.push(dir.join(name));
        }
    }
    files.sort();
    Ok(drop_shadowed(files))
}

/// OpenTofu's rule: `x.tofu` shadows `x.tf` and `x.tofu.json` shadows `x.tf.json`.
pub fn drop_shadowed(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let names: BTreeSet<String> = files
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".tofu") || n.ends_with(".tofu.json"))
        .collect();
    if names.is_empty() {
        return files;
    }
    files
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let twin = if let Some(stem) = name.strip_suffix(".tf.json") {
                format!("{stem}.tofu.json")
            } else if let Some(stem) = name.strip_suffix(".tf") {
                format!("{stem}.tofu")
            } else {
                return true;
            };
            !names.contains(&twin)
        })
        .collect()
}

/// What discovery knows about one directory.
#[derive(Default)]
struct DirState {
    /// Input files found by a directory walk (so no second listing is needed).
    walked: Option<Vec<PathBuf>>,
    /// Files named on the command line.
    named: BTreeSet<OsString>,
}

/// Resolves command-line paths into modules.
pub fn discover(paths: &[PathBuf]) -> Discovery {
    let mut out = Discovery::default();
    let mut order: Vec<PathBuf> = Vec::new();
    let mut dirs: HashMap<PathBuf, DirState> = HashMap::new();
    // With several inputs the same directory may be reached twice under different names.
    let dedupe = paths.len() > 1;
    let state_for = |dir: PathBuf,
                     order: &mut Vec<PathBuf>,
                     dirs: &mut HashMap<PathBuf, DirState>|
     -> PathBuf {
        let key = if dedupe {
            std::fs::canonicalize(&dir).unwrap_or(dir)
        } else {
            dir
        };
        if !dirs.contains_key(&key) {
            dirs.insert(key.clone(), DirState::default());
            order.push(key.clone());
        }
        key
    };
    let mut saw_symlink = false;
    let mut pending: Vec<(PathBuf, Option<PathBuf>)> = Vec::new(); // (dir key, walked file | named file)
    for path in paths {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                out.errors.push(LintError {
                    path: path.to_string_lossy().into_owned(),
                    message: format!("cannot read path: {e}"),
                    location: None,
                });
                continue;
            }
        };
        if !meta.is_dir() && !meta.is_file() {
            // A FIFO would block the read forever, a device never end it.
            out.errors.push(LintError {
                path: path.to_string_lossy().into_owned(),
                message: "not a regular file or directory (a FIFO, device or socket is not read)"
                    .to_string(),
                location: None,
            });
            continue;
        }
        if meta.is_dir() {
            let plans = &mut out.plans;
            saw_symlink |= walk(path, &mut out.errors, plans, &mut |dir, file| {
                let key = state_for(dir.to_path_buf(), &mut order, &mut dirs);
                dirs.entry(key)
                    .or_default()
                    .walked
                    .get_or_insert_with(Vec::new)
                    .push(file);
            });
        } else {
            let name = path.file_name().map(OsString::from).unwrap_or_default();
            let name_str = name.to_string_lossy();
            if input_syntax(&name_str).is_none() && name_str.ends_with(".json") {
                out.plans.push(path.clone());
                continue;
            }
            if input_syntax(&name_str).is_none() {
                // Not a Terraform file (a pre-commit hook may pass anything): ignore it.
                continue;
            }
            let parent = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let key = state_for(parent, &mut order, &mut dirs);
            pending.push((key, Some(PathBuf::from(&name))));
        }
    }
    for (key, name) in pending {
        let state = dirs.entry(key).or_default();
        if let Some(name) = name {
            state.named.insert(name.into_os_string());
        }
    }
    // A directory reached through a symlinked directory is the same module as its target:
    // lint it once, under the first path it was found by.
    if saw_symlink && !dedupe {
        let mut seen = HashMap::new();
        order.retain(|dir| {
            let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
            match seen.entry(canonical) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(dir.clone());
                    true
                }
                std::collections::hash_map::Entry::Occupied(first) => {
                    let named = dirs.remove(dir).map(|s| s.named).unwrap_or_default();
                    if let Some(state) = dirs.get_mut(first.get()) {
                        state.named.extend(named);
                    }
                    false
                }
            }
        });
    }
    for dir in order {
        let Some(state) = dirs.remove(&dir) else {
            continue;
        };
        let (files, report_only) = match state.walked {
            // A walked directory reports everything, named files or not.
            Some(mut files) => {
                files.sort();
                (Ok(drop_shadowed(files)), None)
            }
            None => (module_files(&dir), Some(state.named)),
        };
        match files {
            Ok(files) if !files.is_empty() => out.modules.push(ModuleSpec {
                dir,
                files,
                report_only,
            }),
            Ok(_) => {}
            Err(e) => out.errors.push(LintError {
                path: dir.to_string_lossy().into_owned(),
                message: format!("cannot list directory: {e}"),
                location: None,
            }),
        }
    }
    out
}

/// Calls `found(dir, file)` for every input file under `root`.
/// Returns whether a symlinked directory was followed.
fn walk(
    root: &Path,
    errors: &mut Vec<LintError>,
    plans: &mut Vec<PathBuf>,
    found: &mut dyn FnMut(&Path, PathBuf),
) -> bool {
    // The walk does not ask walkdir to follow links: that costs a stat of every entry, where
    // the directory listing already says what each entry is. A symlink is resolved here
    // instead, and a linked directory is walked as a walk of its own, once per target (a
    // second link to the same place would only find the same module, deduplicated later),
    // and never when it points at a directory that contains it (a loop).
    let mut saw_symlink = false;
    let mut linked_targets: HashSet<PathBuf> = HashSet::new();
    let mut starts: Vec<PathBuf> = vec![root.to_path_buf()];
    while let Some(start) = starts.pop() {
        let walker = walkdir::WalkDir::new(&start).into_iter().filter_entry(|e| {
            e.depth() == 0
                || !e.file_type().is_dir()
                || !is_skipped_dir(&e.file_name().to_string_lossy())
        });
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    errors.push(LintError {
                        path: e.path().map_or_else(
                            || start.to_string_lossy().into_owned(),
                            |p| p.to_string_lossy().into_owned(),
                        ),
                        message: format!("cannot read: {e}"),
                        location: None,
                    });
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy();
            let mut is_file = entry.file_type().is_file();
            if entry.file_type().is_symlink() && entry.depth() > 0 {
                // A link that cannot be resolved (dangling, or to itself) is reported, as a
                // link-following walk does; one to a FIFO or device is not an input: skipped.
                let meta = match std::fs::metadata(entry.path()) {
                    Ok(meta) => meta,
                    Err(e) => {
                        errors.push(LintError {
                            path: entry.path().to_string_lossy().into_owned(),
                            message: format!("cannot read: {e}"),
                            location: None,
                        });
                        continue;
                    }
                };
                if meta.is_dir() {
                    if is_skipped_dir(&name) {
                        continue;
                    }
                    saw_symlink = true;
                    let Ok(target) = std::fs::canonicalize(entry.path()) else {
                        continue;
                    };
                    let parent = entry
                        .path()
                        .parent()
                        .and_then(|p| std::fs::canonicalize(p).ok());
                    let is_loop = parent.is_some_and(|p| p.starts_with(&target));
                    if !is_loop && linked_targets.insert(target) {
                        starts.push(entry.path().to_path_buf());
                    }
                    continue;
                }
                is_file = meta.is_file();
            }
            if is_file && is_plan_name(&name) {
                plans.push(entry.into_path());
                continue;
            }
            if !is_file || input_syntax(&name).is_none() {
                continue;
            }
            let path = entry.into_path();
            if let Some(dir) = path.parent() {
                let dir = dir.to_path_buf();
                found(&dir, path);
            }
        }
    }
    saw_symlink
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_kinds() {
        assert_eq!(input_syntax("main.tf"), Some(Syntax::Hcl));
        assert_eq!(input_syntax("main.tofu"), Some(Syntax::Hcl));
        assert_eq!(input_syntax("x.auto.tfvars"), Some(Syntax::Hcl));
        assert_eq!(input_syntax("main.tf.json"), Some(Syntax::Json));
        assert_eq!(input_syntax("a.tfvars.json"), Some(Syntax::Json));
        assert_eq!(input_syntax("main.tf~"), None);
        assert_eq!(input_syntax("#main.tf#"), None);
        assert_eq!(input_syntax(".hidden.tf"), None);
        assert_eq!(input_syntax("test.tftest.hcl"), None);
        assert_eq!(input_syntax("plan.json"), None);
    }
}
