//! kmslint: an offline linter for AWS KMS key hygiene in Terraform and OpenTofu.
//!
//! Data flows one way: [`discover`] → [`hcl`] (parse with spans) → [`model`] → [`eval`] →
//! [`rules`] → [`finding`]s → [`report`] / [`fix`]. [`lint::lint_paths`] runs the whole pipeline.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod baseline;
pub mod config;
pub mod discover;
pub mod eval;
pub mod filter_pattern;
pub mod finding;
pub mod fix;
pub mod hcl;
pub mod json;
pub mod lint;
pub mod lsp;
pub mod model;
pub mod plan;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
pub mod syntax;

pub use lint::{lint_paths, LintOutput};
