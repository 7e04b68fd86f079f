//! `.kmslint.toml` and the policy post-pass (configuration, suppressions, baseline).
//!
//! ```toml
//! exclude = ["legacy/**", "*.auto.tfvars"]   # path globs, relative to this file's directory
//!
//! [rules.kms-key-rotation-disabled]
//! enabled = true          # false: the rule's findings are dropped
//! severity = "error"      # "error" | "warning" | "note"
//! [rules.kms-key-rotation-disabled.options]  # rule options (no rule has any yet)
//! ```
//!
//! The configuration of a file is the nearest `.kmslint.toml` in its directory or above
//! (`--config FILE` replaces the search). Unknown keys, unknown rule ids, unknown options, bad
//! severities and bad globs are errors located at line and column.
//!
//! [`Policy::apply`] runs on a finished [`LintOutput`]: exclusion and rule settings, then
//! inline suppressions ([`crate::suppress`]), then the baseline ([`crate::baseline`]). The lint
//! pipeline is not involved, so the same pass serves `check`, `--fix` and `baseline`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use toml::Spanned;

use crate::baseline::Baseline;
use crate::finding::{Severity, SuppressionKind};
use crate::lint::LintOutput;
use crate::source::{FileRef, LineIndex};
use crate::suppress;

pub const FILE_NAME: &str = ".kmslint.toml";

/// A configuration problem: it stops the run (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as given or found.
    pub path: String,
    /// 1-based line and column (columns count characters); `None` when not inside the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

/// Settings of one rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleSettings {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

/// One parsed `.kmslint.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file.
    pub path: PathBuf,
    /// Its directory (absolute, canonical when possible): globs are relative to it.
    pub dir: PathBuf,
    pub rules: BTreeMap<String, RuleSettings>,
    pub exclude: Vec<Glob>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RawRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    enabled: Option<bool>,
    severity: Option<SeverityName>,
    options: Option<BTreeMap<Spanned<String>, toml::Value>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SeverityName {
    Error,
    Warning,
    Note,
}

/// Options each rule accepts in `[rules.<id>.options]`. No rule has options yet.
fn rule_options(_rule: &str) -> &'static [&'static str] {
    &[]
}

impl Config {
    /// Reads and parses a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown(path),
            position: None,
            message: format!("cannot read configuration: {e}"),
        })?;
        Config::parse(&text, path)
    }

    /// Parses the text of the configuration file `path`.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let error = |span: Option<std::ops::Range<usize>>, message: String| {
            let position = span.map(|s| {
                let p = LineIndex::new(text).position(text, s.start);
                (p.line, p.column)
            });
            ConfigError {
                path: shown(path),
                position,
                message,
            }
        };
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| error(e.span(), e.message().trim().to_string()))?;
        let known: Vec<&str> = crate::rules::RULES.iter().map(|r| r.meta().id).collect();
        let mut rules = BTreeMap::new();
        for (id, rule) in raw.rules {
            if !known.contains(&id.get_ref().as_str()) {
                return Err(error(
                    Some(id.span()),
                    format!(
                        "unknown rule `{}`; known rules: {}",
                        id.get_ref(),
                        known.join(", ")
                    ),
                ));
            }
            for option in rule.options.iter().flat_map(|o| o.keys()) {
                let allowed = rule_options(id.get_ref());
                if !allowed.contains(&option.get_ref().as_str()) {
                    return Err(error(
                        Some(option.span()),
                        if allowed.is_empty() {
                            format!(
                                "unknown option `{}`: rule `{}` has no options",
                                option.get_ref(),
                                id.get_ref()
                            )
                        } else {
                            format!(
                                "unknown option `{}` for rule `{}`; expected one of: {}",
                                option.get_ref(),
                                id.get_ref(),
                                allowed.join(", ")
                            )
                        },
                    ));
                }
            }
            rules.insert(
                id.into_inner(),
                RuleSettings {
                    enabled: rule.enabled,
                    severity: rule.severity.map(|s| match s {
                        SeverityName::Error => Severity::Error,
                        SeverityName::Warning => Severity::Warning,
                        SeverityName::Note => Severity::Note,
                    }),
                },
            );
        }
        let mut exclude = Vec::new();
        for pattern in raw.exclude {
            match Glob::new(pattern.get_ref()) {
                Ok(g) => exclude.push(g),
                Err(message) => return Err(error(Some(pattern.span()), message)),
            }
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        Ok(Config {
            path: path.to_path_buf(),
            dir: canonical(dir),
            rules,
            exclude,
        })
    }

    pub fn enabled(&self, rule: &str) -> bool {
        self.rules.get(rule).and_then(|r| r.enabled).unwrap_or(true)
    }

    pub fn severity(&self, rule: &str) -> Option<Severity> {
        self.rules.get(rule).and_then(|r| r.severity)
    }

    /// Whether a file (an absolute, canonical path) matches an `exclude` glob.
    pub fn is_excluded(&self, file: &Path) -> bool {
        let Ok(rel) = file.strip_prefix(&self.dir) else {
            return false;
        };
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        self.exclude.iter().any(|g| g.matches_path(&parts))
    }
}

/// A path as shown in messages: relative to the working directory when under it.
fn shown(path: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    crate::discover::display_path(path, &canonical(&cwd))
}

/// An absolute path with symlinks and `..` resolved when it exists; for a file that does not
/// exist (an editor buffer), its directory is resolved.
pub fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(dir)
            .map(|d| d.join(name))
            .unwrap_or(absolute),
        _ => absolute,
    }
}

// ---------------------------------------------------------------------------------------------
// Globs
// ---------------------------------------------------------------------------------------------

/// A path glob, matched against `/`-separated paths relative to the configuration's
/// directory: `*` (within a path segment), `?`, `[abc]`, `[a-z]`, `[!a]`, `\` (escape) and
/// `**` (any number of segments). A pattern without `/` matches a name at any depth, like
/// `.gitignore`; a pattern that matches a directory excludes everything below it; a trailing
/// `/` matches directories only.
///
/// Matching takes time proportional to pattern length × path length at worst (the classic
/// star-backtracking algorithm, at both the segment and the character level), so patterns
/// such as `*a*a*a*a*b` cannot blow up on long names.
///
/// Written here rather than taken from `globset`: these few lines cover what exclusion
/// needs, while `globset` would bring a regex engine into a binary that pre-commit builds
/// from source on every install.
#[derive(Debug, Clone)]
pub struct Glob {
    segments: Vec<Segment>,
    dir_only: bool,
}

/// One `/`-separated part of a pattern.
#[derive(Debug, Clone, PartialEq)]
enum Segment {
    /// `**`: any number of path segments, including none.
    AnyDirs,
    Name(Vec<Token>),
}

/// One element of a segment pattern.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `[...]`: single characters and inclusive ranges.
    Class {
        negate: bool,
        items: Vec<(char, char)>,
    },
}

impl Token {
    fn matches(&self, c: char) -> bool {
        match self {
            Token::Char(t) => *t == c,
            Token::One => true,
            Token::Star => false,
            Token::Class { negate, items } => {
                items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negate
            }
        }
    }
}

impl Glob {
    pub fn new(pattern: &str) -> Result<Glob, String> {
        let mut p = pattern.trim();
        if p.is_empty() {
            return Err("empty exclude pattern".to_string());
        }
        let dir_only = p.ends_with('/') && p.len() > 1;
        p = p.trim_end_matches('/');
        let anchored = p.contains('/');
        let p = p.trim_start_matches("./").trim_start_matches('/');
        let parts: Vec<&str> = p
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .collect();
        if parts.is_empty() {
            return Err(format!("exclude pattern `{pattern}` matches nothing"));
        }
        let mut segments = Vec::with_capacity(parts.len() + 1);
        for s in parts {
            if s == ".." {
                return Err(format!(
                    "exclude pattern `{pattern}`: `..` is not allowed; patterns are relative to the configuration file's directory"
                ));
            }
            segments.push(if s == "**" {
                Segment::AnyDirs
            } else {
                Segment::Name(
                    compile_segment(s).map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?,
                )
            });
        }
        if !anchored && segments[0] != Segment::AnyDirs {
            segments.insert(0, Segment::AnyDirs);
        }
        Ok(Glob { segments, dir_only })
    }

    /// `parts` are the segments of a relative file path: the pattern matches the file or one
    /// of its ancestor directories.
    pub fn matches_path(&self, parts: &[String]) -> bool {
        let last = if self.dir_only {
            parts.len().saturating_sub(1)
        } else {
            parts.len()
        };
        let names: Vec<Vec<char>> = parts[..last].iter().map(|p| p.chars().collect()).collect();
        (1..=last).any(|k| match_segments(&self.segments, &names[..k]))
    }
}

/// Parses one pattern segment (not `**`) into tokens.
fn compile_segment(s: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                }
                i += 1;
            }
            '?' => {
                tokens.push(Token::One);
                i += 1;
            }
            '\\' => {
                let Some(&c) = chars.get(i + 1) else {
                    return Err("a trailing `\\` escapes nothing".into());
                };
                tokens.push(Token::Char(c));
                i += 2;
            }
            '[' => {
                i += 1;
                let negate = matches!(chars.get(i), Some('!' | '^'));
                if negate {
                    i += 1;
                }
                let mut items = Vec::new();
                let mut first = true;
                loop {
                    match chars.get(i) {
                        None => return Err("`[` without a closing `]`".into()),
                        Some(']') if !first => break,
                        Some(&c) => {
                            first = false;
                            match (chars.get(i + 1), chars.get(i + 2)) {
                                (Some('-'), Some(&end)) if end != ']' => {
                                    items.push((c, end));
                                    i += 3;
                                }
                                _ => {
                                    items.push((c, c));
                                    i += 1;
                                }
                            }
                        }
                    }
                }
                i += 1; // the closing `]`
                tokens.push(Token::Class { negate, items });
            }
            c => {
                tokens.push(Token::Char(c));
                i += 1;
            }
        }
    }
    Ok(tokens)
}

/// Star-backtracking over elements: `is_star(p)` marks a pattern element that matches any
/// run of elements, `one(p, x)` says whether another matches exactly element `x`. Only the
/// last star seen is ever resumed, so the work is at most `pattern.len() × items.len()`
/// calls of `one`.
fn wildcard<P, T>(
    pattern: &[P],
    items: &[T],
    is_star: impl Fn(&P) -> bool,
    one: impl Fn(&P, &T) -> bool,
) -> bool {
    let (mut p, mut s) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while s < items.len() {
        if p < pattern.len() && is_star(&pattern[p]) {
            resume = Some((p, s));
            p += 1;
        } else if p < pattern.len() && one(&pattern[p], &items[s]) {
            p += 1;
            s += 1;
        } else if let Some((star, from)) = resume {
            // Let the last star take one more element and try again after it.
            p = star + 1;
            s = from + 1;
            resume = Some((star, from + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(is_star)
}

fn match_segments(pattern: &[Segment], parts: &[Vec<char>]) -> bool {
    wildcard(
        pattern,
        parts,
        |seg| *seg == Segment::AnyDirs,
        |seg, name| match seg {
            Segment::Name(tokens) => match_name(tokens, name),
            Segment::AnyDirs => false,
        },
    )
}

/// Matches one path segment against one pattern segment.
fn match_name(tokens: &[Token], name: &[char]) -> bool {
    wildcard(tokens, name, |t| *t == Token::Star, |t, &c| t.matches(c))
}

// ---------------------------------------------------------------------------------------------
// The policy pass
// ---------------------------------------------------------------------------------------------

/// `--fail-on`: the lowest severity that makes the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Note,
}

impl FailOn {
    pub fn threshold(self) -> Severity {
        match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Note => Severity::Note,
        }
    }
}

/// What the command line asks of the policy pass.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// `--config FILE`: used for every file instead of searching for `.kmslint.toml`.
    pub config: Option<PathBuf>,
    /// `--baseline FILE`.
    pub baseline: Option<PathBuf>,
    /// `--report-unused-ignores`.
    pub report_unused: bool,
}

enum Source {
    Explicit(Arc<Config>),
    /// Per directory (canonical): the nearest configuration, found upward.
    Discover(Mutex<HashMap<PathBuf, Option<Arc<Config>>>>),
}

/// Configuration, inline suppressions and baseline, applied to a finished lint.
pub struct Policy {
    paths: Vec<PathBuf>,
    source: Source,
    baseline: Option<Baseline>,
    suppress: suppress::Options,
    errors: Mutex<Vec<ConfigError>>,
}

impl Policy {
    /// Loads `--config`, or the configurations found upward from each path, and the baseline.
    pub fn new(paths: &[PathBuf], options: &PolicyOptions) -> Result<Policy, Vec<ConfigError>> {
        let source = match &options.config {
            Some(file) => Source::Explicit(Arc::new(Config::load(file).map_err(|e| vec![e])?)),
            None => Source::Discover(Mutex::new(HashMap::new())),
        };
        let baseline = match &options.baseline {
            Some(file) => Some(Baseline::load(file).map_err(|message| {
                vec![ConfigError {
                    path: file.display().to_string(),
                    position: None,
                    message,
                }]
            })?),
            None => None,
        };
        let policy = Policy {
            paths: paths.to_vec(),
            source,
            baseline,
            suppress: suppress::Options {
                report_unused: options.report_unused,
                ..suppress::Options::default()
            },
            errors: Mutex::new(Vec::new()),
        };
        // Find configuration errors before linting anything.
        for path in paths {
            let dir = if path.is_dir() {
                path.as_path()
            } else {
                path.parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
            };
            policy.config_for_dir(&canonical(dir));
        }
        let errors = policy.errors();
        if errors.is_empty() {
            Ok(policy)
        } else {
            Err(errors)
        }
    }

    /// Configuration errors met so far (files found while applying the policy count too).
    pub fn errors(&self) -> Vec<ConfigError> {
        self.errors.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// The configuration that applies to a file (a path as the linter saw it).
    pub fn config_for(&self, file: &Path) -> Option<Arc<Config>> {
        match &self.source {
            Source::Explicit(c) => Some(c.clone()),
            Source::Discover(_) => {
                let file = canonical(file);
                self.config_for_dir(file.parent().unwrap_or(Path::new("/")))
            }
        }
    }

    fn config_for_dir(&self, dir: &Path) -> Option<Arc<Config>> {
        let Source::Discover(cache) = &self.source else {
            return self.config_for(dir);
        };
        if let Some(hit) = cache.lock().ok()?.get(dir) {
            return hit.clone();
        }
        let candidate = dir.join(FILE_NAME);
        let found = if candidate.is_file() {
            match Config::load(&candidate) {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    if let Ok(mut errors) = self.errors.lock() {
                        if !errors.contains(&e) {
                            errors.push(e);
                        }
                    }
                    None
                }
            }
        } else {
            match dir.parent() {
                Some(parent) => self.config_for_dir(parent),
                None => None,
            }
        };
        if let Ok(mut cache) = cache.lock() {
            cache.insert(dir.to_path_buf(), found.clone());
        }
        found
    }

    /// Exclusion, rule settings, inline suppressions and the baseline, in that order.
    pub fn apply(&self, out: &mut LintOutput) {
        self.apply_config(out);
        let mut options = self.suppress.clone();
        if options.report_unused {
            options.extra_files = self.linted_files();
        }
        let enabled = |file: &FileRef, rule: &str| {
            self.config_for(&file.path).is_none_or(|c| c.enabled(rule))
        };
        suppress::apply(out, &options, &enabled);
        // The suppression pass adds findings of its own.
        self.apply_config(out);
        if let Some(baseline) = &self.baseline {
            out.baseline_stale = baseline.apply(out, &self.paths);
        }
    }

    /// Drops findings and errors in excluded files and findings of disabled rules; sets
    /// configured severities.
    fn apply_config(&self, out: &mut LintOutput) {
        out.findings.retain_mut(|f| {
            let Some(config) = self.config_for(&f.file.path) else {
                return true;
            };
            if !config.enabled(f.rule) || config.is_excluded(&canonical(&f.file.path)) {
                return false;
            }
            if let Some(s) = config.severity(f.rule) {
                f.severity = s;
            }
            true
        });
        out.errors.retain(|e| {
            let path = match &e.location {
                Some((file, _)) => file.path.clone(),
                None => PathBuf::from(&e.path),
            };
            self.config_for(&path)
                .is_none_or(|c| !c.is_excluded(&canonical(&path)))
        });
    }

    /// Every file the lint read and may report in, except excluded ones.
    fn linted_files(&self) -> Vec<FileRef> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let discovery = crate::discover::discover(&self.paths);
        let mut files = Vec::new();
        for spec in &discovery.modules {
            for path in &spec.files {
                let named = spec
                    .report_only
                    .as_ref()
                    .is_none_or(|names| path.file_name().is_some_and(|n| names.contains(n)));
                let excluded = self
                    .config_for(path)
                    .is_some_and(|c| c.is_excluded(&canonical(path)));
                if named && !excluded {
                    if let Ok(file) = crate::lint::read_source(path, &cwd) {
                        files.push(file);
                    }
                }
            }
        }
        files
    }

    /// The baseline in use, if any.
    pub fn baseline(&self) -> Option<&Baseline> {
        self.baseline.as_ref()
    }

    /// Lines for the end of the human report: suppressed findings and the baseline.
    pub fn human_notes(&self, out: &LintOutput) -> String {
        let count = |kind: Option<SuppressionKind>| {
            out.findings
                .iter()
                .filter(|f| match (&f.suppression, kind) {
                    (Some(s), Some(k)) => s.kind == k,
                    (Some(_), None) => true,
                    (None, _) => false,
                })
                .count()
        };
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut s = String::new();
        let suppressed = count(None);
        if suppressed > 0 {
            let comments =
                count(Some(SuppressionKind::Inline)) + count(Some(SuppressionKind::File));
            s.push_str(&format!(
                "{} not shown ({} by comments, {} by the baseline).\n",
                plural(suppressed, "suppressed finding", "suppressed findings"),
                comments,
                count(Some(SuppressionKind::Baseline)),
            ));
        }
        if let Some(b) = &self.baseline {
            s.push_str(&format!(
                "Baseline {}: {}{}.\n",
                b.path().display(),
                plural(out.baseline_stale, "stale entry", "stale entries"),
                if out.baseline_stale > 0 {
                    " (fixed or gone since it was recorded; run `kmslint baseline` to update it)"
                } else {
                    ""
                }
            ));
        }
        s
    }
}

/// True when an unsuppressed finding is at or above the threshold.
pub fn fails(out: &LintOutput, fail_on: FailOn) -> bool {
    out.findings
        .iter()
        .any(|f| f.suppression.is_none() && f.severity >= fail_on.threshold())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(p: &str) -> Vec<String> {
        p.split('/').map(str::to_string).collect()
    }

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap().matches_path(&parts(path))
    }

    #[test]
    fn globs() {
        assert!(matches("legacy/**", "legacy/a/main.tf"));
        assert!(matches("legacy", "legacy/main.tf"));
        assert!(matches("legacy", "modules/legacy/main.tf"));
        assert!(!matches("/legacy", "modules/legacy/main.tf"));
        assert!(matches("modules/*/main.tf", "modules/a/main.tf"));
        assert!(!matches("modules/*/main.tf", "modules/a/b/main.tf"));
        assert!(matches("modules/**/main.tf", "modules/a/b/main.tf"));
        assert!(matches("modules/**/main.tf", "modules/main.tf"));
        assert!(matches("*.tfvars", "env/prod.tfvars"));
        assert!(!matches("*.tfvars", "env/prod.tf"));
        assert!(matches("env/pro?.tf", "env/prod.tf"));
        assert!(matches("env/[a-p]rod.tf", "env/prod.tf"));
        assert!(!matches("env/[!p]rod.tf", "env/prod.tf"));
        assert!(matches("legacy/", "legacy/main.tf"));
        assert!(!matches("main.tf/", "main.tf"));
        assert!(matches("./a.tf", "a.tf"));
        assert!(matches("\\*.tf", "*.tf"));
        assert!(!matches("\\*.tf", "a.tf"));
        assert!(Glob::new("a/[b").is_err());
        assert!(Glob::new("../a").is_err());
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn globs_take_linear_time() {
        // Backtracking on every `*` would take longer than the universe on these.
        let start = std::time::Instant::now();
        let name = "a".repeat(200);
        let deep: Vec<String> = (0..12).map(|_| name.clone()).collect();
        let g = Glob::new("*a*a*a*a*a*a*a*a*a*b").unwrap();
        assert!(!g.matches_path(&deep));
        let g = Glob::new("**/a*/**/a*/**/a*/**/a*/**/a*/**/b").unwrap();
        assert!(!g.matches_path(&deep));
        let g = Glob::new("*a*a*a*a*a*a*a*a*a*").unwrap();
        assert!(g.matches_path(&deep));
        assert!(
            start.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn glob_stars_and_classes() {
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(matches("a*b*c", "abc"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("*", "x/y"));
        assert!(matches("a**b", "ab"));
        assert!(matches("[]]x", "]x"));
        assert!(matches("[!]]x", "ax"));
        assert!(!matches("[!]]x", "]x"));
        assert!(matches("x/**", "x/a/b"));
        assert!(matches("**/b/**/c.tf", "a/b/x/y/c.tf"));
        assert!(!matches("**/b/**/c.tf", "a/x/y/c.tf"));
        assert!(matches("?.tf", "a.tf"));
        assert!(!matches("?.tf", "ab.tf"));
    }

    #[test]
    fn config_errors_have_positions() {
        let path = Path::new("/x/.kmslint.toml");
        let e = Config::parse(
            "exclude = []\n[rules.kms-key-rotation-disabled]\n  bogus = 1\n",
            path,
        )
        .unwrap_err();
        assert_eq!(e.position, Some((3, 3)), "{e}");
        assert!(e.message.contains("bogus"), "{e}");
        let e = Config::parse("[rules.nope]\nenabled = false\n", path).unwrap_err();
        assert_eq!(e.position, Some((1, 8)), "{e}");
        let e = Config::parse(
            "[rules.kms-key-rotation-disabled]\nseverity = \"fatal\"\n",
            path,
        )
        .unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2), "{e}");
        let e =
            Config::parse("[rules.kms-key-rotation-disabled.options]\nx = 1\n", path).unwrap_err();
        assert_eq!(e.position, Some((2, 1)), "{e}");
        let e = Config::parse("exclude = [\"a/[b\"]\n", path).unwrap_err();
        assert_eq!(e.position, Some((1, 12)), "{e}");
        let c = Config::parse(
            "exclude = [\"legacy\"]\n[rules.kms-key-rotation-disabled]\nenabled = false\nseverity = \"note\"\n",
            path,
        )
        .unwrap();
        assert!(!c.enabled("kms-key-rotation-disabled"));
        assert!(c.enabled("config-recorder-kms-excluded"));
        assert_eq!(
            c.severity("kms-key-rotation-disabled"),
            Some(Severity::Note)
        );
    }
}
