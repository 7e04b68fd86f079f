//! The pipeline, and only the orchestration of it: discover → read and parse ([`read`],
//! with the [`prefilter`] deciding what a directory walk evaluates) → model
//! ([`project`]) → rules ([`rules::RULES`], run here and nowhere else) → where findings are
//! shown ([`locate`]). The policy pass (configuration, suppressions, baseline) runs after,
//! on the [`LintOutput`] ([`crate::policy`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::discover::{self, input_syntax, ModuleSpec};
use crate::finding::{sort_errors, sort_findings, Finding, LintError};
use crate::locate;
use crate::model::{file_role, FileRole, Module, RootInput};
use crate::paths::{display_path, normalize};
use crate::prefilter::{self, Interest, ModulePrecheck};
use crate::project::from_plan::Configuration;
use crate::project::sources::{Loader, ModuleSet};
use crate::project::{self, Project};
use crate::read::{build_module, load_module};
use crate::rules::{self, RuleContext, RuleOptions};
use crate::source::{FileRef, SourceFile};

pub use crate::finding::LintOutput;
pub use crate::read::{parse_source, read_source, read_source_with, Overlay};

/// Options of a lint run beyond the paths.
#[derive(Default)]
pub struct LintOptions<'o> {
    /// The root module of plan files (default: each plan's own directory).
    pub source: Option<PathBuf>,
    /// The rule options that apply to a root module's directory (from `.kmslint.toml`);
    /// the defaults when `None`.
    pub rule_options: Option<&'o (dyn Fn(&Path) -> RuleOptions + Sync)>,
    /// Values for root modules' variables from outside their files (`-var`, `-var-file`,
    /// `TF_VAR_*`), in Terraform's precedence order.
    pub root_inputs: Vec<RootInput>,
    /// `terraform.workspace` (`--workspace`); else what `.terraform/environment` in a root
    /// module's directory says; else unknown.
    pub workspace: Option<String>,
    /// The process exits right after this one run (`kmslint check`): the parsed modules are
    /// left for the exit to release at once instead of being freed node by node, which was
    /// a few percent of a corpus run. The language server and `--fix` (several runs) free.
    pub one_shot: bool,
}

impl LintOptions<'_> {
    fn options_for(&self, dir: &Path) -> RuleOptions {
        self.rule_options.map(|f| f(dir)).unwrap_or_default()
    }

    /// The workspace a root module in `dir` is evaluated for.
    fn workspace_for(&self, dir: &Path) -> Option<String> {
        self.workspace.clone().or_else(|| selected_workspace(dir))
    }
}

/// The workspace `terraform workspace select` recorded for a root module, if any.
pub fn selected_workspace(dir: &Path) -> Option<String> {
    let text = crate::source::read_text(&dir.join(".terraform/environment")).ok()?;
    let name = text.trim();
    (!name.is_empty() && !name.contains(['\n', '/'])).then(|| name.to_string())
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

/// What one module or plan gives: findings, errors, notes ([`LintOutput::notes`]) and the
/// number of files read.
type ModuleResult = (Vec<Finding>, Vec<LintError>, Vec<LintError>, usize);

/// Lints files given by path and text only, as if they were on disk: the whole pipeline
/// (discovery, reading and parsing, module calls through local `source`s, tfvars, evaluation,
/// every rule) with nothing read from the disk for these paths. Every file is named, so its
/// findings are reported; a `.json` file that is not a Terraform file (`plan.json`,
/// `x.tfplan.json`) is read as a plan, with the configuration files of its directory as its
/// configuration. For fuzzing and for tools that lint generated text; pick paths that do
/// not exist on disk (the rest of their directories would be read as context).
pub fn lint_sources(files: &[(PathBuf, String)]) -> LintOutput {
    let overlay: Overlay = files.iter().cloned().collect();
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    lint(&paths, &overlay, &LintOptions::default())
}

/// The whole pipeline: discover, read and parse, evaluate, check; modules and plans.
pub fn lint(paths: &[PathBuf], overlay: &Overlay, options: &LintOptions) -> LintOutput {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut discovery = discover::discover(paths);
    // A named file that exists only in the overlay (a new, unsaved buffer).
    for path in paths {
        if overlay.contains_key(path) && !path.exists() {
            let is_plan = path.file_name().is_some_and(|n| {
                let n = n.to_string_lossy();
                input_syntax(&n).is_none() && n.ends_with(".json")
            });
            if is_plan {
                // A plan that exists only in memory.
                discovery
                    .errors
                    .retain(|e| e.path != path.to_string_lossy());
                if !discovery.plans.contains(path) {
                    discovery.plans.push(path.clone());
                }
                continue;
            }
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
    let load = |dir: &Path| {
        let mut module = load_module(dir, &cwd, overlay)?;
        module.apply_root_inputs(&options.root_inputs);
        Some(module)
    };
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
        .map(|spec| {
            (
                normalize(&spec.dir),
                prefilter::precheck_module(&spec.files, &cwd),
            )
        })
        .collect();
    let interest = Interest::new(&prechecks, &cwd);
    let walked_dirs: Vec<PathBuf> = discovery
        .modules
        .iter()
        .filter(|spec| walked(spec))
        .map(|spec| normalize(&spec.dir))
        .collect();
    let explicit: HashSet<PathBuf> = paths
        .iter()
        .filter(|p| p.is_dir())
        .map(|p| normalize(p))
        .collect();
    let roots = select_roots(&walked_dirs, &explicit, &|dir| {
        prechecks.get(dir).map_or(&[][..], |p| p.children())
    });
    let results: Vec<ModuleResult> = discovery
        .modules
        .par_iter()
        .map(|spec| {
            if walked(spec) {
                let dir = normalize(&spec.dir);
                if let Some(pre) = prechecks.get(&dir) {
                    if !interest.is_interesting(&dir) {
                        return (Vec::new(), pre.errors.clone(), Vec::new(), spec.files.len());
                    }
                }
                if !roots.contains(&dir) {
                    // Checked through its callers; its own read and parse errors are reported
                    // here, once.
                    let errors = loader
                        .module(&spec.dir)
                        .map(|m| m.errors.clone())
                        .unwrap_or_default();
                    return (Vec::new(), errors, Vec::new(), spec.files.len());
                }
            }
            lint_module(spec, &cwd, overlay, &loader, options)
        })
        .collect();
    let plan_results: Vec<ModuleResult> = discovery
        .plans
        .par_iter()
        .map(|path| lint_plan(path, &cwd, overlay, options, &loader))
        .collect();
    let mut out = LintOutput {
        errors: discovery.errors,
        modules: discovery.modules.len(),
        ..LintOutput::default()
    };
    for (findings, errors, notes, files) in results.into_iter().chain(plan_results) {
        out.findings.extend(findings);
        out.errors.extend(errors);
        out.notes.extend(notes);
        out.files += files;
    }
    locate::dedupe(&mut out.findings, &cwd);
    sort_findings(&mut out.findings);
    sort_errors(&mut out.errors);
    // A module called from several roots notes the same thing once per root.
    sort_errors(&mut out.notes);
    out.notes.dedup_by(|a, b| {
        a.message == b.message
            && a.location.as_ref().map(|l| (&l.0.path, l.1.start))
                == b.location.as_ref().map(|l| (&l.0.path, l.1.start))
    });
    if options.one_shot {
        std::mem::forget(loader);
        std::mem::forget(prechecks);
    }
    out
}

/// Which walked directories are checked as root modules (tflint's model, with local calls
/// followed): a directory that another walked directory calls through a local `source` is
/// checked through its callers, with their arguments, not also alone with its defaults; a
/// directory nothing calls is a root; a directory named on the command line is always a
/// root. Directories that only call each other in a cycle, with no root above them, get
/// their first one as a root, so nothing is left unchecked.
fn select_roots<'c>(
    dirs: &[PathBuf],
    explicit: &HashSet<PathBuf>,
    calls: &dyn Fn(&Path) -> &'c [PathBuf],
) -> HashSet<PathBuf> {
    let walked: HashSet<&PathBuf> = dirs.iter().collect();
    let called: HashSet<&PathBuf> = dirs
        .iter()
        .flat_map(|d| calls(d).iter().filter(move |c| *c != d))
        .filter(|c| walked.contains(c))
        .collect();
    let mut roots: HashSet<PathBuf> = dirs
        .iter()
        .filter(|d| explicit.contains(*d) || !called.contains(d))
        .cloned()
        .collect();
    // Everything reachable from a root is checked through it.
    let mut covered: HashSet<PathBuf> = HashSet::new();
    let cover = |start: &PathBuf, covered: &mut HashSet<PathBuf>| {
        let mut stack = vec![start.clone()];
        while let Some(d) = stack.pop() {
            if covered.insert(d.clone()) {
                stack.extend(calls(&d).iter().filter(|c| walked.contains(c)).cloned());
            }
        }
    };
    for d in dirs.iter().filter(|d| roots.contains(*d)) {
        cover(d, &mut covered);
    }
    for d in dirs {
        if !covered.contains(d) {
            roots.insert(d.clone());
            cover(d, &mut covered);
        }
    }
    roots
}

/// Runs every rule on a project: the one place rules are run.
pub fn run_rules(project: &Project, options: &RuleOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in rules::RULES {
        let cx = RuleContext::new(project, rule.meta(), options);
        rule.check(&cx, &mut out);
    }
    out
}

/// The findings of a root module and every module it calls, located.
pub fn check_root(
    dir: &Path,
    module: &Module,
    loader: &Loader,
    options: &RuleOptions,
    workspace: Option<&str>,
) -> Vec<Finding> {
    check_root_noted(dir, module, loader, options, workspace).0
}

/// [`check_root`], with the notes of what could not be checked ([`LintOutput::notes`]).
pub fn check_root_noted(
    dir: &Path,
    module: &Module,
    loader: &Loader,
    options: &RuleOptions,
    workspace: Option<&str>,
) -> (Vec<Finding>, Vec<LintError>) {
    let set = ModuleSet::collect(dir, module, loader);
    let project = project::build::build(dir, module, &set, loader, workspace);
    let findings = locate::merge_instances(run_rules(&project, options));
    let notes = project_notes(&project);
    (locate::point_at_callers(findings, &project, dir), notes)
}

/// The builder's notes and the evaluator's (collected after the rules ran: evaluation is
/// lazy), once each.
fn project_notes(project: &Project) -> Vec<LintError> {
    let mut notes: Vec<LintError> = Vec::new();
    let mut seen = HashSet::new();
    let evaluated = project.modules.iter().flat_map(|m| m.scope.notes());
    let all = project
        .notes
        .iter()
        .map(|n| (n.file.clone(), n.span.clone(), n.message.clone()))
        .chain(evaluated.map(|n| (n.file, n.span, n.message)));
    for (file, span, message) in all {
        if seen.insert((file.path.clone(), span.start, message.clone())) {
            notes.push(LintError {
                path: file.display.clone(),
                message,
                location: Some((file, span)),
            });
        }
    }
    notes
}

/// Lints a plan file: its project is checked, and findings are shown in the configuration
/// when it is on disk.
fn lint_plan(
    path: &Path,
    cwd: &Path,
    overlay: &Overlay,
    options: &LintOptions,
    loader: &Loader,
) -> ModuleResult {
    let plan = match read_plan(path, cwd, overlay) {
        Ok(Some(plan)) => plan,
        Ok(None) => return (Vec::new(), Vec::new(), Vec::new(), 0),
        Err((e, files)) => return (Vec::new(), vec![e], Vec::new(), files),
    };
    let root = plan_root(path, options.source.as_deref());
    let rule_options = options.options_for(&root);
    let mut notes = Vec::new();
    let findings = with_plan(&plan, &root, overlay, loader, |project, root_module| {
        let findings = locate::merge_instances(run_rules(project, &rule_options));
        notes = project_notes(project);
        let mut configuration = || match root_module {
            Some(module) => {
                let (findings, config_notes) = check_root_noted(
                    &root,
                    module,
                    loader,
                    &rule_options,
                    options.workspace_for(&root).as_deref(),
                );
                notes.extend(config_notes);
                findings
            }
            None => Vec::new(),
        };
        locate::plan_to_source(findings, project, &mut configuration)
    });
    (findings, Vec::new(), notes, 1)
}

/// Reads and decodes a plan file (from the overlay when it is there). `Ok(None)` for JSON
/// that is not a plan; errors come with the number of files they count as (0 when
/// unreadable).
fn read_plan(
    path: &Path,
    cwd: &Path,
    overlay: &Overlay,
) -> Result<Option<crate::plan::Plan>, (LintError, usize)> {
    let display = display_path(path, cwd);
    if let Some(text) = overlay.get(path) {
        let source = SourceFile::new(
            path.to_path_buf(),
            display,
            text.clone(),
            crate::source::Syntax::Json,
        );
        return crate::plan::load(&Arc::new(source)).map_err(|e| (e, 1));
    }
    let bytes = crate::source::read_file(path).map_err(|e| {
        let error = LintError {
            path: display.clone(),
            message: format!("cannot read file: {e}"),
            location: None,
        };
        (error, 0)
    })?;
    let utf16 = matches!(bytes.get(..2), Some([0xFF, 0xFE] | [0xFE, 0xFF]));
    let text = crate::plan::decode(bytes).map_err(|message| {
        let error = LintError {
            path: display.clone(),
            message,
            location: None,
        };
        (error, 1)
    })?;
    let mut source = SourceFile::new(
        path.to_path_buf(),
        display,
        text,
        crate::source::Syntax::Json,
    );
    source.stored_as_utf16 = utf16;
    let file: FileRef = Arc::new(source);
    crate::plan::load(&file).map_err(|e| (e, 1))
}

/// The configuration directory of a plan: `--source`, else the plan's own directory.
fn plan_root(path: &Path, source: Option<&Path>) -> PathBuf {
    source
        .map(Path::to_path_buf)
        .unwrap_or_else(|| match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        })
}

/// Builds a plan's project (with its configuration when `root` holds one) and calls `f`
/// with it and the configuration's root module.
fn with_plan<R>(
    plan: &crate::plan::Plan,
    root: &Path,
    overlay: &Overlay,
    loader: &Loader,
    f: impl FnOnce(&Project, Option<&Module>) -> R,
) -> R {
    let has_config = crate::read::module_files_with(root, overlay)
        .unwrap_or_default()
        .iter()
        .any(|p| {
            p.file_name()
                .is_some_and(|n| file_role(&n.to_string_lossy()) == FileRole::Config)
        });
    let root_module = has_config.then(|| loader.module(root)).flatten();
    let set = root_module
        .as_ref()
        .map(|m| ModuleSet::collect(root, m, loader));
    let config = root_module
        .as_deref()
        .zip(set.as_ref())
        .map(|(root, modules)| Configuration { root, modules });
    let project = project::from_plan::build(plan, root, config, loader);
    f(&project, root_module.as_deref())
}

/// Builds the project of the root module in `dir` (its files read from disk) and calls `f`
/// with it; `None` when the directory has no configuration files. For tests and tools that
/// query the model.
pub fn with_project<R>(dir: &Path, f: impl FnOnce(&Project) -> R) -> Option<R> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let overlay = Overlay::new();
    let load = |d: &Path| load_module(d, &cwd, &overlay);
    let loader = Loader::new(&load);
    let module = loader.module(dir)?;
    let set = ModuleSet::collect(dir, &module, &loader);
    let project = project::build::build(
        dir,
        &module,
        &set,
        &loader,
        selected_workspace(dir).as_deref(),
    );
    Some(f(&project))
}

/// Builds the project of a plan file (with the configuration in `source`, default the
/// plan's directory) and calls `f` with it; `Ok(None)` for JSON that is not a plan.
pub fn with_plan_project<R>(
    plan: &Path,
    source: Option<&Path>,
    f: impl FnOnce(&Project) -> R,
) -> Result<Option<R>, LintError> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let overlay = Overlay::new();
    let Some(parsed) = read_plan(plan, &cwd, &overlay).map_err(|(e, _)| e)? else {
        return Ok(None);
    };
    let load = |d: &Path| load_module(d, &cwd, &overlay);
    let loader = Loader::new(&load);
    let root = plan_root(plan, source);
    Ok(Some(with_plan(
        &parsed,
        &root,
        &overlay,
        &loader,
        |p, _| f(p),
    )))
}

/// Reads, parses and checks one module; returns its reported findings, its errors and the
/// number of files read.
fn lint_module(
    spec: &ModuleSpec,
    cwd: &Path,
    overlay: &Overlay,
    loader: &Loader,
    options: &LintOptions,
) -> ModuleResult {
    // A module read from disk is read once per run, whether it is linted as a root or
    // called by another; with named files or editor buffers it is built for this request.
    let built;
    let module: &Module = if spec.report_only.is_none() && overlay.is_empty() {
        match loader.module(&spec.dir) {
            Some(module) => {
                built = module;
                &built
            }
            None => return (Vec::new(), Vec::new(), Vec::new(), 0),
        }
    } else {
        let mut module = build_module(spec.dir.clone(), &spec.files, cwd, overlay);
        module.apply_root_inputs(&options.root_inputs);
        built = Arc::new(module);
        &built
    };
    let files = module.files.len();
    let (mut findings, notes) = check_root_noted(
        &spec.dir,
        module,
        loader,
        &options.options_for(&spec.dir),
        options.workspace_for(&spec.dir).as_deref(),
    );
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
        return (findings, errors, notes, files);
    }
    (findings, module.errors.clone(), notes, files)
}
