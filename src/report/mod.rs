//! Rendering a lint run: human (rustc-style excerpts), JSON, SARIF and the CI formats (GitHub
//! workflow commands, GitLab Code Quality, JUnit XML, reviewdog's rdjson, compact lines).
//!
//! Every renderer costs time linear in the number of findings, whatever the shape of the
//! files: positions come from [`crate::source::LineIndex`] (binary searches), and the human
//! renderer reads a window of each line bounded by the output width.

pub mod compact;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rdjson;
pub mod sarif;
pub mod terminal;

use crate::finding::Finding;
use crate::finding::LintOutput;
use crate::fix::FixSummary;

/// The project's home page, used by SARIF (`informationUri`, `helpUri`).
pub const INFORMATION_URI: &str = "https://github.com/kmslint/kmslint";

/// Where a rule's documentation is published for this version: SARIF's `helpUri`, rdjson's
/// `code.url`, the LSP's `codeDescription` and the human output's `docs:` line.
pub fn rule_url(rule: &str) -> String {
    format!(
        "{INFORMATION_URI}/blob/v{}/rules/{rule}.md",
        env!("CARGO_PKG_VERSION")
    )
}

/// How to render, beyond the format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Human output only: colours and the width to fit excerpts into.
    pub human: human::Options,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source excerpts (colour on a terminal).
    Human,
    /// The JSON report, schema version 1 (see the README).
    Json,
    /// SARIF 2.1.0 (GitHub code scanning and other SARIF consumers).
    Sarif,
    /// GitHub Actions workflow commands (annotations) and a summary line.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// JUnit XML.
    Junit,
    /// reviewdog's Diagnostic JSON (`reviewdog -f=rdjson`), with fixes as suggestions.
    Rdjson,
    /// One `file:line:col: severity rule: message` line per finding.
    Compact,
}

pub fn render(
    out: &LintOutput,
    fixed: Option<&FixSummary>,
    format: Format,
    options: &RenderOptions,
) -> String {
    match format {
        Format::Human => human::render(out, fixed, &options.human),
        Format::Json => json::render(out, fixed),
        Format::Sarif => sarif::render(out),
        Format::Github => github::render(out),
        Format::Gitlab => gitlab::render(out),
        Format::Junit => junit::render(out),
        Format::Rdjson => rdjson::render(out),
        Format::Compact => compact::render(out),
    }
}

/// The findings the CI formats show: suppressed ones are left out (JSON and SARIF keep them,
/// marked as suppressed).
pub fn unsuppressed(out: &LintOutput) -> impl Iterator<Item = &Finding> {
    out.findings.iter().filter(|f| f.suppression.is_none())
}
