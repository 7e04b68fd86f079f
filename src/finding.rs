//! What rules produce: findings with spans, related locations and fixes.

use serde::Serialize;

use crate::source::{FileRef, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How far a fix can be trusted (ordered like ruff's `Applicability`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Shown to the user, never applied automatically.
    DisplayOnly,
    /// May change behaviour beyond the finding; applied only on request.
    Unsafe,
    /// Keeps everything but the flagged setting as it was; `--fix` applies it.
    Safe,
}

/// Replace the bytes `span` of `file` with `content` (an empty span inserts).
#[derive(Debug, Clone)]
pub struct Edit {
    pub file: FileRef,
    pub span: Span,
    pub content: String,
}

#[derive(Debug, Clone)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    /// Sorted by start offset, non-overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn safe(title: impl Into<String>, mut edits: Vec<Edit>) -> Fix {
        edits.sort_by_key(|e| e.span.start);
        Fix {
            title: title.into(),
            applicability: Applicability::Safe,
            edits,
        }
    }

    /// A fix that changes what the configuration does beyond the flagged setting (turning
    /// a feature off, removing an argument): shown and offered, never applied by `--fix`.
    pub fn unsafe_fix(title: impl Into<String>, mut edits: Vec<Edit>) -> Fix {
        edits.sort_by_key(|e| e.span.start);
        Fix {
            title: title.into(),
            applicability: Applicability::Unsafe,
            edits,
        }
    }

    pub fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }
}

/// A secondary location that explains a finding (e.g. where a variable got its value).
#[derive(Debug, Clone)]
pub struct Related {
    pub file: FileRef,
    pub span: Span,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: FileRef,
    pub span: Span,
    /// Terraform address of the resource, e.g. `aws_kms_key.logs`.
    pub address: String,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
    /// The whole `resource` block the finding belongs to, in `file` (suppression comments
    /// above its header cover every finding inside it).
    pub resource_span: Option<Span>,
    /// The attribute the finding is about, as a dotted path inside the resource
    /// (`enable_key_rotation`, `recording_group.resource_types`); `None` for the block itself.
    pub attribute: Option<String>,
    /// The literal the attribute should have (`true`), when the rule knows it: a finding
    /// shown at a caller's argument that is written literally gets a fix there.
    pub corrected_value: Option<String>,
    /// Full Terraform addresses of every resource (or module call) instance this finding
    /// stands for, e.g. `module.a["x"].aws_kms_key.k[1]`: findings of several instances at
    /// one place are merged into one, and this keeps which instances failed.
    pub instances: Vec<String>,
    /// Set when a suppression comment or the baseline silences the finding. Suppressed
    /// findings are still reported (JSON, SARIF) but do not count towards the exit code.
    pub suppression: Option<Suppression>,
}

/// Why a finding is silenced.
#[derive(Debug, Clone)]
pub struct Suppression {
    /// `inline` (a comment), `file` (an ignore-file comment) or `baseline`.
    pub kind: SuppressionKind,
    /// The reason given with the suppression, if any.
    pub justification: String,
    /// Where the suppression is written (not set for the baseline).
    pub location: Option<(FileRef, Span)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SuppressionKind {
    Inline,
    File,
    Baseline,
}

/// A file that could not be read or parsed. Other files are still linted.
#[derive(Debug, Clone)]
pub struct LintError {
    /// Path as shown to users.
    pub path: String,
    pub message: String,
    /// The file and byte span, when the problem is inside a file we could read.
    pub location: Option<(FileRef, Span)>,
}

/// Everything one run found.
#[derive(Debug, Default)]
pub struct LintOutput {
    /// Sorted by [`sort_findings`].
    pub findings: Vec<Finding>,
    /// Sorted by file.
    pub errors: Vec<LintError>,
    /// What was not checked because a limit was reached (a module call nested too deep, a
    /// `count` past the instance limit, a local past an evaluation budget or in a cycle),
    /// sorted by file. Not errors: they do not change the exit code. Same shape as errors.
    pub notes: Vec<LintError>,
    pub files: usize,
    pub modules: usize,
    /// Baseline entries that matched no finding (set by the `--baseline` post-pass).
    pub baseline_stale: usize,
}

/// The one order findings are reported in: file, offset, rule, address.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.file.display, a.span.start, a.rule, &a.address).cmp(&(
            &b.file.display,
            b.span.start,
            b.rule,
            &b.address,
        ))
    });
}

/// The order errors are reported in: file, then offset.
pub fn sort_errors(errors: &mut [LintError]) {
    errors.sort_by(|a, b| {
        (&a.path, a.location.as_ref().map(|l| l.1.start))
            .cmp(&(&b.path, b.location.as_ref().map(|l| l.1.start)))
    });
}
