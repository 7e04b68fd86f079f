//! Reading `.kmslint.toml`: exclusion globs and per-rule settings (enabled, severity, typed
//! options validated against the rule's [`RuleMeta`](crate::rules::RuleMeta)).
//!
//! ```toml
//! exclude = ["legacy/**", "*.auto.tfvars"]   # path globs, relative to this file's directory
//! profile = "cis"         # turn on every rule CIS AWS Foundations asks for, at CIS severities
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

/// A named set of rule settings, chosen with `--profile` or `profile = "..."`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Profile {
    /// Every rule the CIS AWS Foundations Benchmark asks for ([`RuleMeta::cis`](
    /// crate::rules::RuleMeta::cis)) is on, at its CIS severity
    /// ([`RuleMeta::cis_severity`](crate::rules::RuleMeta::cis_severity)).
    Cis,
}

impl Profile {
    pub const ALL: &'static [Profile] = &[Profile::Cis];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Cis => "cis",
        }
    }

    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Whether the profile turns the rule on: `None` when it says nothing about it.
    pub fn enables(self, meta: &crate::rules::RuleMeta) -> Option<bool> {
        match self {
            Profile::Cis => (!meta.cis.is_empty()).then_some(true),
        }
    }

    /// The severity the profile gives the rule's findings, if any.
    pub fn severity(self, meta: &crate::rules::RuleMeta) -> Option<Severity> {
        match self {
            Profile::Cis => meta.cis_severity(),
        }
    }
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
    /// `profile = "cis"`; `--profile` on the command line wins.
    pub profile: Option<Profile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    profile: Option<Spanned<String>>,
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
        let text = crate::source::read_text(path).map_err(|e| ConfigError {
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
        let profile = match raw.profile {
            None => None,
            Some(name) => match Profile::from_name(name.get_ref()) {
                Some(p) => Some(p),
                None => {
                    let known: Vec<&str> = Profile::ALL.iter().map(|p| p.name()).collect();
                    return Err(error(
                        Some(name.span()),
                        format!(
                            "unknown profile `{}`; known profiles: {}",
                            name.get_ref(),
                            known.join(", ")
                        ),
                    ));
                }
            },
        };
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
            profile,
        })
    }

    /// `enabled = true|false` for the rule, if this file says.
    pub fn enabled_setting(&self, rule: &str) -> Option<bool> {
        self.rules.get(rule).and_then(|r| r.enabled)
    }

    /// Whether the rule runs under this configuration: its setting, else what its profile
    /// says, else its default.
    pub fn enabled(&self, rule: &str) -> bool {
        self.enabled_setting(rule).unwrap_or_else(|| {
            rules::find(rule).is_none_or(|m| {
                self.profile
                    .and_then(|p| p.enables(m))
                    .unwrap_or(m.default_enabled)
            })
        })
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
        assert_eq!(c.profile, None);
    }

    #[test]
    fn profiles() {
        let path = Path::new("/x/.kmslint.toml");
        let c = Config::parse("profile = \"cis\"\n", path).unwrap();
        assert_eq!(c.profile, Some(Profile::Cis));
        let e = Config::parse("exclude = []\nprofile = \"cys\"\n", path).unwrap_err();
        assert_eq!(e.position, Some((2, 11)), "{e}");
        assert!(
            e.message
                .contains("unknown profile `cys`; known profiles: cis"),
            "{e}"
        );
        let e = Config::parse("profile = true\n", path).unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(1), "{e}");
    }
}
