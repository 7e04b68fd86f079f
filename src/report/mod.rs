//! Rendering a lint run: human (miette), JSON, SARIF and the CI formats (GitHub workflow
//! commands, GitLab Code Quality, JUnit XML, compact lines). Only `human` depends on miette.

pub mod compact;
pub mod fingerprint;
pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use crate::finding::Finding;
use crate::finding::LintOutput;
use crate::fix::FixSummary;

/// The project's home page, used by SARIF (`informationUri`, `helpUri`).
pub const INFORMATION_URI: &str = "https://github.com/kmslint/kmslint";

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
    /// One `file:line:col: severity rule: message` line per finding.
    Compact,
}

pub fn render(out: &LintOutput, fixed: Option<&FixSummary>, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(out, fixed, color),
        Format::Json => json::render(out, fixed),
        Format::Sarif => sarif::render(out),
        Format::Github => github::render(out),
        Format::Gitlab => gitlab::render(out),
        Format::Junit => junit::render(out),
        Format::Compact => compact::render(out),
    }
}

/// The findings the CI formats show: suppressed ones are left out (JSON and SARIF keep them,
/// marked as suppressed).
pub fn unsuppressed(out: &LintOutput) -> impl Iterator<Item = &Finding> {
    out.findings.iter().filter(|f| f.suppression.is_none())
}
