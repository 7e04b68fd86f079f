//! Rendering a lint run: human (miette), JSON. Only `human` depends on miette.

pub mod human;
pub mod json;

use crate::fix::FixSummary;
use crate::lint::LintOutput;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn render(out: &LintOutput, fixed: Option<&FixSummary>, format: Format, color: bool) -> String {
    match format {
        Format::Human => human::render(out, fixed, color),
        Format::Json => json::render(out, fixed),
    }
}
