//! The byte prefilter: in a directory walk, a module is evaluated only when it mentions a
//! resource type or module source some rule reads, or calls (through local paths,
//! transitively) a module that does. The others only get a structural check of each file,
//! done in a reused buffer. Most modules of a large tree are like that, and this keeps a walk
//! close to the speed of a plain text search.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{self, input_syntax};
use crate::finding::LintError;
use crate::hcl;
use crate::model::{file_role, FileRole};
use crate::paths::{display_path, normalize};
use crate::read::read_source;
use crate::source::SourceFile;

/// What a module's cheap pre-pass found.
pub struct ModulePrecheck {
    /// A file mentions a resource type or module source some rule understands.
    mentions: bool,
    /// Directories of local module calls (`source = "./x"`), resolved and normalized.
    children: Vec<PathBuf>,
    pub errors: Vec<LintError>,
}

impl ModulePrecheck {
    /// Directories of the module's local calls, normalized.
    pub fn children(&self) -> &[PathBuf] {
        &self.children
    }
}

pub fn precheck_module(files: &[PathBuf], cwd: &Path) -> ModulePrecheck {
    let results: Vec<(bool, Vec<String>, Option<LintError>)> =
        files.par_iter().map(|p| precheck(p, cwd)).collect();
    let dir = files
        .first()
        .and_then(|f| f.parent())
        .unwrap_or(Path::new("."));
    let mut out = ModulePrecheck {
        mentions: false,
        children: Vec::new(),
        errors: Vec::new(),
    };
    for (mentions, sources, error) in results {
        out.mentions |= mentions;
        out.children
            .extend(sources.iter().map(|s| normalize(&dir.join(s))));
        out.errors.extend(error);
    }
    out
}

/// Whether walked modules need evaluating: they, or a module they call, mention something
/// a rule looks at. Modules outside the walk are prechecked on demand.
pub struct Interest<'a> {
    prechecks: &'a HashMap<PathBuf, ModulePrecheck>,
    cwd: &'a Path,
    memo: std::sync::Mutex<HashMap<PathBuf, bool>>,
}

impl<'a> Interest<'a> {
    pub fn new(prechecks: &'a HashMap<PathBuf, ModulePrecheck>, cwd: &'a Path) -> Interest<'a> {
        Interest {
            prechecks,
            cwd,
            memo: std::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn is_interesting(&self, dir: &Path) -> bool {
        self.visit(dir, &mut Vec::new())
    }

    fn visit(&self, dir: &Path, stack: &mut Vec<PathBuf>) -> bool {
        if let Some(&known) = self.memo.lock().ok().as_ref().and_then(|m| m.get(dir)) {
            return known;
        }
        if stack.iter().any(|d| d == dir) || stack.len() > 16 {
            return false;
        }
        let outside;
        let pre = match self.prechecks.get(dir) {
            Some(pre) => pre,
            None => {
                let files = discover::module_files(dir).unwrap_or_default();
                outside = precheck_module(&files, self.cwd);
                &outside
            }
        };
        stack.push(dir.to_path_buf());
        // A module whose downloaded modules `terraform init` recorded calls code that is not
        // in the walk (`.terraform/` is skipped): evaluate it.
        let interesting = pre.mentions
            || pre.children.iter().any(|child| self.visit(child, stack))
            || dir.join(".terraform/modules/modules.json").is_file();
        stack.pop();
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(dir.to_path_buf(), interesting);
        }
        interesting
    }
}

/// The `source = "./…"` / `"../…"` strings of module calls in the text (HCL or JSON): a
/// module calling a local module is evaluated when the child may hold keys.
fn local_module_sources(text: &[u8]) -> Vec<String> {
    memchr::memmem::find_iter(text, b"source")
        .filter_map(|at| {
            let rest = trim_start(&text[at + 6..]);
            let rest = match rest.first() {
                Some(b'=') => &rest[1..],
                Some(b'"') if rest.get(1) == Some(&b':') => &rest[2..],
                _ => return None,
            };
            let rest = trim_start(rest).strip_prefix(b"\"")?;
            if !(rest.starts_with(b"./") || rest.starts_with(b"../")) {
                return None;
            }
            let end = memchr::memchr(b'"', rest)?;
            std::str::from_utf8(&rest[..end]).ok().map(str::to_string)
        })
        .collect()
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| matches!(c, b' ' | b'\t')).count();
    &b[n..]
}

/// Reads a file into a per-thread buffer and returns whether it is a configuration file
/// that mentions a resource type some rule checks (a byte search, so a mention in a comment
/// also counts: that only costs a full parse), and its structural error if any.
fn precheck(path: &Path, cwd: &Path) -> (bool, Vec<String>, Option<LintError>) {
    use std::cell::RefCell;
    use std::sync::OnceLock;
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    static FINDERS: OnceLock<Vec<memchr::memmem::Finder<'static>>> = OnceLock::new();
    let finders = FINDERS.get_or_init(|| {
        crate::rules::prefilter_needles()
            .into_iter()
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect()
    });
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        let read = crate::source::read_file_into(path, &mut buffer);
        if read.is_err() {
            // Let the full reader produce the error message.
            return (false, Vec::new(), read_source(path, cwd).err());
        }
        let Ok(text) = std::str::from_utf8(&buffer) else {
            return (false, Vec::new(), read_source(path, cwd).err());
        };
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let config = file_role(&name) == FileRole::Config;
        let mentions = config && finders.iter().any(|f| f.find(text.as_bytes()).is_some());
        let sources = if config {
            local_module_sources(text.as_bytes())
        } else {
            Vec::new()
        };
        let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let problem = match input_syntax(&name) {
            Some(crate::source::Syntax::Json) => crate::json::parse(&text[bom..])
                .err()
                .map(|e| (e.message, e.offset)),
            _ => hcl::lexcheck::check(&text[bom..]),
        };
        let error = problem.map(|(message, at)| {
            let file = Arc::new(SourceFile::new(
                path.to_path_buf(),
                display_path(path, cwd),
                text.to_string(),
                input_syntax(&name).unwrap_or(crate::source::Syntax::Hcl),
            ));
            let at = crate::source::clamp_to_char_boundary(&file.text, bom + at);
            let end = crate::source::clamp_to_char_boundary(&file.text, at + 1).max(at);
            LintError {
                path: file.display.clone(),
                message,
                location: Some((file, at..end)),
            }
        });
        // The buffer lives as long as its thread: one huge file must not keep its size.
        if buffer.capacity() > 16 << 20 {
            *buffer = Vec::new();
        }
        (mentions, sources, error)
    })
}
