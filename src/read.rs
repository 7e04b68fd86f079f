//! Reading and parsing: files into [`SourceFile`]s (UTF-8 checked, editor buffers
//! preferred), each parsed according to its role, and a directory's files into a
//! [`Module`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{self, input_syntax};
use crate::finding::LintError;
use crate::hcl;
use crate::model::{file_role, FileRole, Module};
use crate::paths::display_path;
use crate::source::{FileRef, SourceFile};
use crate::syntax::Body;

/// In-memory file contents that take precedence over the disk (an editor's unsaved buffers),
/// keyed by the path as it will be found (absolute paths for absolute inputs).
pub type Overlay = HashMap<PathBuf, String>;

/// A file with its role and its body (`None` when it did not parse).
type ParsedFile = (FileRef, FileRole, Option<Body>);

/// Reads a file; a file that is not UTF-8 becomes an error located at the first bad byte.
pub fn read_source(path: &Path, cwd: &Path) -> Result<FileRef, LintError> {
    read_source_with(path, cwd, &Overlay::new())
}

/// Like [`read_source`], preferring the overlay's text.
pub fn read_source_with(path: &Path, cwd: &Path, overlay: &Overlay) -> Result<FileRef, LintError> {
    let display = display_path(path, cwd);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let syntax = input_syntax(&name).unwrap_or(crate::source::Syntax::Hcl);
    if let Some(text) = overlay.get(path) {
        return Ok(Arc::new(SourceFile::new(
            path.to_path_buf(),
            display,
            text.clone(),
            syntax,
        )));
    }
    let bytes = crate::source::read_file(path).map_err(|e| LintError {
        path: display.clone(),
        message: format!("cannot read file: {e}"),
        location: None,
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Arc::new(SourceFile::new(
            path.to_path_buf(),
            display,
            text,
            syntax,
        ))),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            // The bad byte became U+FFFD (3 bytes) in the lossy text: span that character.
            let end = at + text[at..].chars().next().map_or(0, char::len_utf8);
            let file = Arc::new(SourceFile::new(
                path.to_path_buf(),
                display.clone(),
                text,
                syntax,
            ));
            Err(LintError {
                path: display,
                message: format!("file is not valid UTF-8 (invalid byte at offset {at})"),
                location: Some((file, at..end)),
            })
        }
    }
}

/// Parses one file according to its role in the module.
pub fn parse_source(file: &FileRef) -> Result<Body, LintError> {
    let parsed = match file_role(&file_name(file)) {
        FileRole::Config => hcl::parse_file(file),
        FileRole::AutoTfvars(_) | FileRole::OtherTfvars => hcl::parse_tfvars(file),
    };
    parsed.map_err(|e| LintError {
        path: file.display.clone(),
        message: e.message,
        location: Some((file.clone(), e.span)),
    })
}

/// Reads and builds a module that is called by another (its errors are not reported: the
/// directory is reported when it is linted itself).
pub fn load_module(dir: &Path, cwd: &Path, overlay: &Overlay) -> Option<Module> {
    let files = module_files_with(dir, overlay).ok()?;
    if files.is_empty() {
        return None;
    }
    Some(build_module(dir.to_path_buf(), &files, cwd, overlay))
}

/// The input files of the module in `dir`: those on disk and those in the overlay (an
/// unsaved buffer, or a file that exists only in memory), OpenTofu's shadowing applied.
/// An error only when the directory cannot be listed and the overlay has nothing in it.
pub fn module_files_with(dir: &Path, overlay: &Overlay) -> std::io::Result<Vec<PathBuf>> {
    let mut extra: Vec<PathBuf> = overlay
        .keys()
        .filter(|p| p.parent() == Some(dir))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| input_syntax(&n.to_string_lossy()).is_some())
        })
        .cloned()
        .collect();
    let mut files = match discover::module_files(dir) {
        Ok(files) => files,
        Err(e) if extra.is_empty() => return Err(e),
        Err(_) => Vec::new(),
    };
    if extra.is_empty() {
        return Ok(files);
    }
    extra.retain(|p| !files.contains(p));
    files.extend(extra);
    files.sort();
    Ok(discover::drop_shadowed(files))
}

/// Reads, parses and models the files of one module; read and parse errors are kept in
/// `Module::errors`.
pub fn build_module(dir: PathBuf, files: &[PathBuf], cwd: &Path, overlay: &Overlay) -> Module {
    let loaded: Vec<(Option<ParsedFile>, Option<LintError>)> = files
        .par_iter()
        .map(|path| {
            let file = match read_source_with(path, cwd, overlay) {
                Ok(file) => file,
                Err(e) => return (None, Some(e)),
            };
            let role = file_role(&file_name(&file));
            match parse_source(&file) {
                Ok(body) => (Some((file, role, Some(body))), None),
                Err(e) => (Some((file, role, None)), Some(e)),
            }
        })
        .collect();
    let mut parsed = Vec::with_capacity(loaded.len());
    let mut errors = Vec::new();
    for (file, error) in loaded {
        parsed.extend(file);
        errors.extend(error);
    }
    Module::build(dir, parsed, errors)
}

fn file_name(file: &FileRef) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
