//! Reading `.kmslint.toml`: exclusion globs and per-rule settings (enabled, severity, typed
//! options validated against the rule's [`RuleMeta`](crate::rules::RuleMeta)).
//!
//! ```toml
//! exclude = ["legacy/**", "*.auto.tfvars"]   # path globs, relative to this file's directory
//!
//! [rules.kms-key-rotation-disabled]
//! enabled = true          # false: the rule's findings are dropped
//! severity = "error"      # "error" | "warning" | "note"
//! [rules.kms-key-rotation-disabled.options]  # the rule's options (see `kmslint explain`)
//! ```
//!
//! The configuration of a file is the nearest `.kmslint.toml` in its directory or above
//! (`--config FILE` replaces the search). Unknown keys, unknown rule ids, unknown options, bad
//! severities and bad globs are errors located at line and column.
//!
//! Applying the settings to a lint is the policy pass, [`crate::policy`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Severity;
use crate::paths::canonical;
use crate::rules::{self, OptionValue, RuleOptions};
use crate::source::LineIndex;

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
    /// `[rules.<id>.options]`, validated; rules fall back to their defaults.
    pub options: RuleOptions,
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
    options: Option<BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum SeverityName {
    Error,
    Warning,
    Note,
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
        let known: Vec<&str> = rules::all().map(|m| m.id).collect();
        let mut settings = BTreeMap::new();
        let mut options = RuleOptions::default();
        for (id, rule) in raw.rules {
            let Some(meta) = rules::find(id.get_ref()) else {
                return Err(error(
                    Some(id.span()),
                    format!(
                        "unknown rule `{}`; known rules: {}",
                        id.get_ref(),
                        known.join(", ")
                    ),
                ));
            };
            for (option, value) in rule.options.iter().flatten() {
                let Some(declared) = meta.options.iter().find(|o| o.name == option.get_ref())
                else {
                    let names: Vec<&str> = meta.options.iter().map(|o| o.name).collect();
                    return Err(error(
                        Some(option.span()),
                        if names.is_empty() {
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
                                names.join(", ")
                            )
                        },
                    ));
                };
                let parsed = match value.get_ref() {
                    toml::Value::Integer(n) => Some(OptionValue::Integer(*n)),
                    toml::Value::Boolean(b) => Some(OptionValue::Bool(*b)),
                    _ => None,
                };
                match parsed.map(|v| declared.validate(v)) {
                    Some(Ok(v)) => options.set(meta.id, declared.name, v),
                    Some(Err(message)) => return Err(error(Some(value.span()), message)),
                    None => {
                        return Err(error(
                            Some(value.span()),
                            format!(
                                "option `{}` of rule `{}` must be {}",
                                declared.name,
                                meta.id,
                                declared.kind.describe()
                            ),
                        ))
                    }
                }
            }
            settings.insert(
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
            rules: settings,
            options,
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
    crate::paths::display_path(path, &canonical(&cwd))
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
/// Written here rather than taken from `globset`: these few lines cover what exclusion
/// needs, while `globset` would bring a regex engine into a binary that pre-commit builds
/// from source on every install.
#[derive(Debug, Clone)]
pub struct Glob {
    segments: Vec<String>,
    dir_only: bool,
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
        let mut segments: Vec<String> = p
            .split('/')
            .filter(|s| !s.is_empty() && *s != ".")
            .map(str::to_string)
            .collect();
        if segments.is_empty() {
            return Err(format!("exclude pattern `{pattern}` matches nothing"));
        }
        for s in &segments {
            if s == ".." {
                return Err(format!(
                    "exclude pattern `{pattern}`: `..` is not allowed; patterns are relative to the configuration file's directory"
                ));
            }
            check_segment(s).map_err(|e| format!("exclude pattern `{pattern}`: {e}"))?;
        }
        if !anchored && segments[0] != "**" {
            segments.insert(0, "**".to_string());
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
        (1..=last).any(|k| match_segments(&self.segments, &parts[..k]))
    }
}

fn check_segment(s: &str) -> Result<(), String> {
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.next().is_none() => return Err("a trailing `\\` escapes nothing".into()),
            '[' => {
                let mut first = true;
                loop {
                    match chars.next() {
                        None => return Err("`[` without a closing `]`".into()),
                        Some(']') if !first => break,
                        Some('!' | '^') if first => {}
                        Some(_) => first = false,
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn match_segments(pattern: &[String], parts: &[String]) -> bool {
    match pattern.split_first() {
        None => parts.is_empty(),
        Some((p, rest)) if p == "**" => {
            (0..=parts.len()).any(|skip| match_segments(rest, &parts[skip..]))
        }
        Some((p, rest)) => match parts.split_first() {
            Some((first, others)) => {
                let p: Vec<char> = p.chars().collect();
                let name: Vec<char> = first.chars().collect();
                match_name(&p, &name) && match_segments(rest, others)
            }
            None => false,
        },
    }
}

/// Matches one path segment against one pattern segment.
fn match_name(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|k| match_name(&p[1..], &s[k..])),
        Some('?') => !s.is_empty() && match_name(&p[1..], &s[1..]),
        Some('[') => {
            let Some(&c) = s.first() else {
                return false;
            };
            let mut i = 1;
            let negate = matches!(p.get(i), Some('!' | '^'));
            if negate {
                i += 1;
            }
            let mut hit = false;
            let mut first = true;
            while i < p.len() && (p[i] != ']' || first) {
                first = false;
                if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
                    hit |= p[i] <= c && c <= p[i + 2];
                    i += 3;
                } else {
                    hit |= p[i] == c;
                    i += 1;
                }
            }
            hit != negate && match_name(&p[(i + 1).min(p.len())..], &s[1..])
        }
        Some('\\') if p.len() > 1 => s.first() == Some(&p[1]) && match_name(&p[2..], &s[1..]),
        Some(&c) => s.first() == Some(&c) && match_name(&p[1..], &s[1..]),
    }
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
