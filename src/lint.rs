//! The pipeline: discover → read and parse (with spans) → model → rules → findings.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{self, display_path, input_syntax, normalize, ModuleSpec};
use crate::eval::Scope;
use crate::finding::{Finding, LintError};
use crate::hcl;
use crate::model::calls::{check_calls, Caller, Loader};
use crate::model::{file_role, FileRole, Module};
use crate::rules;
use crate::source::{FileRef, SourceFile};
use crate::syntax::Body;

/// A file with its role and its body (`None` when it did not parse).
type ParsedFile = (FileRef, FileRole, Option<Body>);

/// Everything one run found.
#[derive(Debug, Default)]
pub struct LintOutput {
    /// Sorted by file, then offset, then rule.
    pub findings: Vec<Finding>,
    /// Sorted by file.
    pub errors: Vec<LintError>,
    pub files: usize,
    pub modules: usize,
    /// Baseline entries that matched no finding (set by the `--baseline` post-pass).
    pub baseline_stale: usize,
}

/// In-memory file contents that take precedence over the disk (an editor's unsaved buffers),
/// keyed by the path as it will be found (absolute paths for absolute inputs).
pub type Overlay = HashMap<PathBuf, String>;

/// Options of a lint run beyond the paths.
#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// The root module of plan files (default: each plan's own directory).
    pub source: Option<PathBuf>,
}

/// Lints files and directories as the `check` command does.
pub fn lint_paths(paths: &[PathBuf]) -> LintOutput {
    lint(paths, &Overlay::new(), &LintOptions::default())
}

/// Lints with some files' contents taken from `overlay` instead of the disk. Overlay files
/// in the directory of a named file belong to its module even if they are not on disk yet.
pub fn lint_paths_with(paths: &[PathBuf], overlay: &Overlay) -> LintOutput {
    lint(paths, overlay, &LintOptions::default())
}

/// The whole pipeline: discover, read and parse, evaluate, check; modules and plans.
pub fn lint(paths: &[PathBuf], overlay: &Overlay, options: &LintOptions) -> LintOutput {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut discovery = discover::discover(paths);
    // A named file that exists only in the overlay (a new, unsaved buffer).
    for path in paths {
        if overlay.contains_key(path) && !path.exists() {
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            discovery
                .errors
                .retain(|e| e.path != path.to_string_lossy());
            let name = path
                .file_name()
                .map(|n| n.to_os_string())
                .unwrap_or_default();
            match discovery.modules.iter_mut().find(|m| m.dir == dir) {
                Some(m) => {
                    if let Some(named) = &mut m.report_only {
                        named.insert(name);
                    }
                }
                None => discovery.modules.push(ModuleSpec {
                    // The rest of the directory is its context, as for a file on disk.
                    files: discover::module_files(&dir).unwrap_or_default(),
                    dir,
                    report_only: Some([name].into_iter().collect()),
                }),
            }
        }
    }
    for spec in &mut discovery.modules {
        for path in overlay.keys() {
            let same_dir = path.parent() == Some(spec.dir.as_path());
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if same_dir && input_syntax(&name).is_some() && !spec.files.contains(path) {
                spec.files.push(path.clone());
            }
        }
        spec.files.sort();
    }
    // Child modules are read once per run, whoever calls them.
    let load = |dir: &Path| load_module(dir, &cwd, overlay);
    let loader = Loader::new(&load);
    // In a directory walk, a module is evaluated only when it mentions a resource type a
    // rule looks at, or calls (through local paths, transitively) a module that does; the
    // others only get a structural check of each file, done in a reused buffer. Most modules
    // of a large tree are like that, and this keeps a walk close to the speed of a plain
    // text search. Files named on the command line are always parsed in full.
    let walked = |spec: &ModuleSpec| spec.report_only.is_none() && overlay.is_empty();
    let prechecks: HashMap<PathBuf, ModulePrecheck> = discovery
        .modules
        .par_iter()
        .filter(|spec| walked(spec))
        .map(|spec| (normalize(&spec.dir), precheck_module(&spec.files, &cwd)))
        .collect();
    let interest = Interest::new(&prechecks, &cwd);
    let results: Vec<(Vec<Finding>, Vec<LintError>, usize)> = discovery
        .modules
        .par_iter()
        .map(|spec| {
            if walked(spec) {
                if let Some(pre) = prechecks.get(&normalize(&spec.dir)) {
                    if !interest.is_interesting(&normalize(&spec.dir)) {
                        return (Vec::new(), pre.errors.clone(), spec.files.len());
                    }
                }
            }
            lint_module(spec, &cwd, overlay, &loader)
        })
        .collect();
    let plan_results: Vec<(Vec<Finding>, Vec<LintError>, usize)> = discovery
        .plans
        .par_iter()
        .map(|path| lint_plan(path, &cwd, options, &loader))
        .collect();
    let mut out = LintOutput {
        errors: discovery.errors,
        modules: discovery.modules.len(),
        ..LintOutput::default()
    };
    for (findings, errors, files) in results.into_iter().chain(plan_results) {
        out.findings.extend(findings);
        out.errors.extend(errors);
        out.files += files;
    }
    dedupe(&mut out.findings, &cwd);
    out.findings.sort_by(|a, b| {
        (&a.file.display, a.span.start, a.rule, &a.address).cmp(&(
            &b.file.display,
            b.span.start,
            b.rule,
            &b.address,
        ))
    });
    out.errors.sort_by(|a, b| {
        (&a.path, a.location.as_ref().map(|l| l.1.start))
            .cmp(&(&b.path, b.location.as_ref().map(|l| l.1.start)))
    });
    out
}

/// Lints a plan file: its resources are checked, and findings are mapped to the
/// configuration when it is on disk.
fn lint_plan(
    path: &Path,
    cwd: &Path,
    options: &LintOptions,
    loader: &Loader,
) -> (Vec<Finding>, Vec<LintError>, usize) {
    let display = display_path(path, cwd);
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let error = LintError {
                path: display,
                message: format!("cannot read file: {e}"),
                location: None,
            };
            return (Vec::new(), vec![error], 0);
        }
    };
    let utf16 = matches!(bytes.get(..2), Some([0xFF, 0xFE] | [0xFE, 0xFF]));
    let text = match crate::plan::decode(bytes) {
        Ok(text) => text,
        Err(message) => {
            let error = LintError {
                path: display,
                message,
                location: None,
            };
            return (Vec::new(), vec![error], 1);
        }
    };
    let mut source = SourceFile::new(
        path.to_path_buf(),
        display,
        text,
        crate::source::Syntax::Json,
    );
    source.stored_as_utf16 = utf16;
    let file: FileRef = Arc::new(source);
    let plan = match crate::plan::load(&file) {
        Ok(Some(plan)) => plan,
        Ok(None) => return (Vec::new(), Vec::new(), 0),
        Err(e) => return (Vec::new(), vec![e], 1),
    };
    let root = options
        .source
        .clone()
        .unwrap_or_else(|| match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        });
    let has_config = discover::module_files(&root)
        .unwrap_or_default()
        .iter()
        .any(|p| {
            p.file_name()
                .is_some_and(|n| file_role(&n.to_string_lossy()) == FileRole::Config)
        });
    let mut findings = Vec::new();
    let root_findings = std::sync::OnceLock::new();
    for (mut finding, index) in crate::plan::check(&plan) {
        let planned = &plan.resources[index];
        let source = has_config
            .then(|| crate::plan::module_dir(&plan, &root, &planned.module_path))
            .flatten()
            .and_then(|dir| loader.module(&dir));
        let block = source.as_ref().and_then(|module| {
            module
                .resources
                .iter()
                .find(|r| {
                    r.mode == planned.resource.mode
                        && r.type_name == planned.resource.type_name
                        && r.name == planned.resource.name
                })
                .map(|r| {
                    let (file, span) = crate::plan::source_span(r, finding.attribute.as_deref());
                    (file, span, r.block.span.clone())
                })
        });
        // A key inside a downloaded module is reported where the HCL linter reports it: at
        // the caller's argument that causes it, or not at all (users do not edit
        // `.terraform/`).
        if let Some((source_file, _, _)) = &block {
            if in_downloaded_module(&source_file.path) {
                let hcl = root_findings.get_or_init(|| hcl_findings_with_calls(&root, loader));
                if let Some(hcl) = hcl
                    .iter()
                    .find(|h| h.rule == finding.rule && h.address == finding.address)
                {
                    finding.related = hcl.related.clone();
                    finding.related.push(crate::finding::Related {
                        file: finding.file.clone(),
                        span: finding.span.clone(),
                        message: format!("planned value in {}", plan.file.display),
                    });
                    finding.file = hcl.file.clone();
                    finding.span = hcl.span.clone();
                    finding.resource_span = None;
                    findings.push(finding);
                }
                continue;
            }
        }
        if let Some((source_file, span, resource_span)) = block {
            finding.related.push(crate::finding::Related {
                file: finding.file.clone(),
                span: finding.span.clone(),
                message: format!("planned value in {}", plan.file.display),
            });
            finding.file = source_file;
            finding.span = span;
            finding.resource_span = Some(resource_span);
        }
        findings.push(finding);
    }
    (findings, Vec::new(), 1)
}

fn in_downloaded_module(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == ".terraform")
}

/// The HCL linter's findings for a root module and the modules it calls.
fn hcl_findings_with_calls(root: &Path, loader: &Loader) -> Vec<Finding> {
    let Some(module) = loader.module(root) else {
        return Vec::new();
    };
    let mut findings = rules::check_module(&module);
    findings.extend(call_findings(&module, root, loader));
    findings
}

/// Findings in the modules a root module calls (evaluated with its arguments).
fn call_findings(module: &Module, root: &Path, loader: &Loader) -> Vec<Finding> {
    if module.module_calls.is_empty() {
        return Vec::new();
    }
    let scope = Scope::new(module);
    let caller = Caller {
        module,
        scope: &scope,
        root,
        path: Vec::new(),
        prefix: String::new(),
        stack: vec![std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf())],
    };
    check_calls(&caller, loader)
}

/// One finding per rule and place: a child module linted on its own and through a call,
/// or a plan next to its configuration, can find the same thing twice. The copy with more
/// related locations (the one that says why) is kept, and a copy with a fix (the HCL
/// linter's, rather than a plan's) before that.
fn dedupe(findings: &mut Vec<Finding>, cwd: &Path) {
    let mut best: HashMap<(&'static str, PathBuf, usize, usize), usize> = HashMap::new();
    let mut keep = vec![true; findings.len()];
    // Addresses of the copies dropped in favour of each kept finding.
    let mut others: HashMap<usize, Vec<String>> = HashMap::new();
    let score = |f: &Finding| {
        (
            f.fix.is_some(),
            f.related.len(),
            std::cmp::Reverse(f.address.len()),
        )
    };
    for i in 0..findings.len() {
        let f = &findings[i];
        let key = (
            f.rule,
            normalize(&cwd.join(&f.file.path)),
            f.span.start,
            f.span.end,
        );
        match best.get(&key).copied() {
            Some(j) => {
                let (winner, loser) = if score(f) > score(&findings[j]) {
                    (i, j)
                } else {
                    (j, i)
                };
                keep[loser] = false;
                let lost = std::mem::take(&mut findings[loser].instances);
                for instance in lost {
                    if !findings[winner].instances.contains(&instance) {
                        findings[winner].instances.push(instance);
                    }
                }
                let mut moved = others.remove(&loser).unwrap_or_default();
                moved.push(findings[loser].address.clone());
                others.entry(winner).or_default().extend(moved);
                best.insert(key, winner);
            }
            None => {
                best.insert(key, i);
            }
        }
    }
    // Other instances or calls that fail at the same place are named, not dropped.
    for (i, addresses) in others {
        let f = &mut findings[i];
        let mut extra: Vec<String> = Vec::new();
        for a in addresses {
            if a != f.address && !extra.contains(&a) && !f.message.contains(&a) {
                extra.push(a);
            }
        }
        if !extra.is_empty() {
            f.message = format!("{} (also {})", f.message, extra.join(", "));
        }
    }
    for f in findings.iter_mut() {
        f.instances.sort();
        f.instances.dedup();
    }
    let mut i = 0;
    findings.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

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
    let bytes = std::fs::read(path).map_err(|e| LintError {
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

/// Reads, parses and checks one module; returns its reported findings, its errors and the
/// number of files read.
fn lint_module(
    spec: &ModuleSpec,
    cwd: &Path,
    overlay: &Overlay,
    loader: &Loader,
) -> (Vec<Finding>, Vec<LintError>, usize) {
    // A module read from disk is read once per run, whether it is linted as a root or
    // called by another; with named files or editor buffers it is built for this request.
    let built;
    let module: &Module = if spec.report_only.is_none() && overlay.is_empty() {
        match loader.module(&spec.dir) {
            Some(module) => {
                built = module;
                &built
            }
            None => return (Vec::new(), Vec::new(), 0),
        }
    } else {
        built = Arc::new(build_module(spec.dir.clone(), &spec.files, cwd, overlay));
        &built
    };
    let files = module.files.len();
    let mut findings = rules::check_module(module);
    findings.extend(call_findings(module, &spec.dir, loader));
    if let Some(named) = &spec.report_only {
        let in_named = |file: &FileRef| {
            file.path.parent() == Some(spec.dir.as_path())
                && file.path.file_name().is_some_and(|n| named.contains(n))
        };
        findings.retain(|f| in_named(&f.file) || f.related.iter().any(|r| in_named(&r.file)));
        // Errors in files that were not named are not the caller's business; the values they
        // would have defined are simply unknown.
        let errors = module
            .errors
            .iter()
            .filter(|e| e.location.as_ref().is_none_or(|(f, _)| in_named(f)))
            .cloned()
            .collect();
        return (findings, errors, files);
    }
    (findings, module.errors.clone(), files)
}

/// What a module's cheap pre-pass found.
struct ModulePrecheck {
    /// A file mentions a resource type or module source some rule understands.
    mentions: bool,
    /// Directories of local module calls (`source = "./x"`), resolved and normalized.
    children: Vec<PathBuf>,
    errors: Vec<LintError>,
}

fn precheck_module(files: &[PathBuf], cwd: &Path) -> ModulePrecheck {
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
struct Interest<'a> {
    prechecks: &'a HashMap<PathBuf, ModulePrecheck>,
    cwd: &'a Path,
    memo: std::sync::Mutex<HashMap<PathBuf, bool>>,
}

impl<'a> Interest<'a> {
    fn new(prechecks: &'a HashMap<PathBuf, ModulePrecheck>, cwd: &'a Path) -> Interest<'a> {
        Interest {
            prechecks,
            cwd,
            memo: std::sync::Mutex::new(HashMap::new()),
        }
    }

    fn is_interesting(&self, dir: &Path) -> bool {
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

/// Reads and builds a module that is called by another (its errors are not reported: the
/// directory is reported when it is linted itself).
fn load_module(dir: &Path, cwd: &Path, overlay: &Overlay) -> Option<Module> {
    let files = discover::module_files(dir).ok()?;
    if files.is_empty() {
        return None;
    }
    Some(build_module(dir.to_path_buf(), &files, cwd, overlay))
}

/// Reads, parses and models the files of one module; read and parse errors are kept in
/// `Module::errors`.
fn build_module(dir: PathBuf, files: &[PathBuf], cwd: &Path, overlay: &Overlay) -> Module {
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

/// Reads a file into a per-thread buffer and returns whether it is a configuration file
/// that mentions a resource type some rule checks (a byte search, so a mention in a comment
/// also counts: that only costs a full parse), and its structural error if any.
fn precheck(path: &Path, cwd: &Path) -> (bool, Vec<String>, Option<LintError>) {
    use std::cell::RefCell;
    use std::io::Read;
    use std::sync::OnceLock;
    thread_local! {
        static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    static FINDERS: OnceLock<Vec<memchr::memmem::Finder<'static>>> = OnceLock::new();
    let finders = FINDERS.get_or_init(|| {
        rules::RULES
            .iter()
            .flat_map(|r| r.meta().resource_types.iter())
            .chain(rules::KNOWN_MODULE_SOURCES)
            .map(|t| memchr::memmem::Finder::new(t.as_bytes()))
            .collect()
    });
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        buffer.clear();
        let read = std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut buffer));
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
        (mentions, sources, error)
    })
}

fn file_name(file: &FileRef) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
