//! kmslint: an offline linter for AWS KMS key hygiene in Terraform and OpenTofu.
//!
//! Data flows one way:
//!
//! 1. [`discover`]: which files, grouped into modules, and which plans;
//! 2. [`read`] and [`hcl`] / [`plan`]: read and parse with spans ([`prefilter`] decides what
//!    a directory walk needs to evaluate);
//! 3. [`model`] (one module's declarations) → [`project`]: the whole configuration, every
//!    module and resource instance, and the reference index;
//! 4. [`eval`]: values of expressions, known or unknown;
//! 5. [`rules`]: small functions over the project, run by the pipeline ([`lint`]) only;
//! 6. [`locate`]: where each [`finding`] is shown;
//! 7. [`policy`]: configuration ([`config`]), suppressions and the baseline;
//! 8. [`report`] / [`fix`] / [`lsp`].
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod discover;
pub mod edits;
pub mod eval;
pub mod filter_pattern;
pub mod finding;
pub mod fix;
pub mod hcl;
pub mod json;
pub mod lint;
pub mod locate;
pub mod lsp;
pub mod model;
pub mod number;
pub mod paths;
pub mod plan;
pub mod policy;
pub mod prefilter;
pub mod project;
pub mod read;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;

pub use finding::LintOutput;
pub use lint::lint_paths;
