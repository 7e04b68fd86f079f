//! The policy pass: configuration (exclusions, enabled rules, severities), inline
//! suppressions ([`suppress`]) and the baseline ([`baseline`]), applied to a finished
//! [`LintOutput`]. The lint pipeline is not involved, so the same pass serves `check`,
//! `--fix`, `baseline` and the language server. Reading `.kmslint.toml` is [`crate::config`].

pub mod baseline;
pub mod suppress;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::config::{Config, ConfigError, Profile, FILE_NAME};
use crate::finding::{LintOutput, Severity, SuppressionKind};
use crate::paths::canonical;
use crate::rules::{self, RuleOptions};
use crate::source::FileRef;
use baseline::Baseline;

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
    /// `--profile`: wins over a configuration's `profile`.
    pub profile: Option<Profile>,
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
    profile: Option<Profile>,
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
            profile: options.profile,
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
        let enabled =
            |file: &FileRef, rule: &str| self.enabled(self.config_for(&file.path).as_deref(), rule);
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
            let rule = f.rule;
            let config = self.config_for(&f.file.path);
            let config = config.as_deref();
            if !self.enabled(config, rule) {
                return false;
            }
            if config.is_some_and(|c| c.is_excluded(&canonical(&f.file.path))) {
                return false;
            }
            // The configured severity, else the profile's.
            let profile = || self.profile(config)?.severity(rules::find(rule)?);
            if let Some(s) = config.and_then(|c| c.severity(rule)).or_else(profile) {
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

    /// The profile in force under `config`: `--profile`, else the configuration's.
    fn profile(&self, config: Option<&Config>) -> Option<Profile> {
        self.profile.or(config.and_then(|c| c.profile))
    }

    /// Whether a rule's findings are kept under `config`: its `enabled` setting, else what
    /// the profile says, else the rule's default; `--report-unused-ignores` turns
    /// `unused-suppression` on.
    fn enabled(&self, config: Option<&Config>, rule: &str) -> bool {
        if let Some(setting) = config.and_then(|c| c.enabled_setting(rule)) {
            return setting;
        }
        if rule == rules::unused_suppression::META.id {
            return self.suppress.report_unused;
        }
        let profile = self.profile(config);
        rules::find(rule).is_none_or(|m| {
            profile
                .and_then(|p| p.enables(m))
                .unwrap_or(m.default_enabled)
        })
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
                    if let Ok(file) = crate::read::read_source(path, &cwd) {
                        files.push(file);
                    }
                }
            }
        }
        files
    }

    /// The rule options configured for a root module's directory.
    pub fn rule_options(&self, dir: &Path) -> RuleOptions {
        let config = match &self.source {
            Source::Explicit(c) => Some(c.clone()),
            Source::Discover(_) => self.config_for_dir(&canonical(dir)),
        };
        config.map(|c| c.options.clone()).unwrap_or_default()
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
