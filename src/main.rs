//! The `kmslint` command line. Exit codes: 0 no findings, 1 findings, 2 usage, I/O or parse
//! errors (2 wins when both happen).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmslint::report::{self, Format};
use kmslint::rules::{self, FixAvailability};

#[derive(Parser)]
#[command(
    name = "kmslint",
    version,
    about = "Lint Terraform/OpenTofu for AWS KMS key hygiene, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and directories (default: the current directory).
    Check {
        /// Files or directories. A file is linted with the rest of its directory as context,
        /// but only findings located in a named file, or with a related location in one
        /// (e.g. the tfvars value that causes it), are reported.
        paths: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Apply safe fixes in place, then report what remains.
        #[arg(long)]
        fix: bool,
        /// Disable colour (also disabled by a non-empty NO_COLOR or when stdout is not a terminal).
        #[arg(long)]
        no_color: bool,
        /// The configuration a plan JSON was made from (default: the plan file's directory);
        /// findings from the plan are reported at the matching `.tf` lines.
        #[arg(long, value_name = "DIR")]
        source: Option<PathBuf>,
    },
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. kms-key-rotation-disabled.
        rule: String,
    },
}

// Parsing allocates many small nodes from several threads; mimalloc roughly halves the run
// time of a large tree compared with the system allocator (see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            });
        }
    };
    match cli.command {
        Command::Check {
            paths,
            format,
            fix,
            no_color,
            source,
        } => check(paths, format, fix, no_color, source),
        Command::Rules => {
            let mut s = format!(
                "{:<30} {:<8} {:<6} {}\n",
                "RULE", "SEVERITY", "FIX", "SUMMARY"
            );
            for rule in rules::RULES {
                let m = rule.meta();
                let fix = match m.fix {
                    FixAvailability::Never => "no",
                    FixAvailability::Sometimes => "some",
                    FixAvailability::Always => "yes",
                };
                s.push_str(&format!(
                    "{:<30} {:<8} {:<6} {}\n",
                    m.id,
                    m.severity.as_str(),
                    fix,
                    m.summary
                ));
            }
            print(&s);
            ExitCode::from(EXIT_CLEAN)
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                print(r.meta().doc);
                ExitCode::from(EXIT_CLEAN)
            }
            None => {
                let ids: Vec<&str> = rules::RULES.iter().map(|r| r.meta().id).collect();
                eprintln!(
                    "error: unknown rule `{rule}`; known rules: {}",
                    ids.join(", ")
                );
                ExitCode::from(EXIT_ERROR)
            }
        },
    }
}

fn check(
    paths: Vec<PathBuf>,
    format: Format,
    fix: bool,
    no_color: bool,
    source: Option<PathBuf>,
) -> ExitCode {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    // Evaluation recurses; give worker threads room beyond the 2 MiB default.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 << 20)
        .build_global();
    let color = !no_color
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let (out, fixed) = if fix {
        let (out, summary) = kmslint::fix::fix_paths(&paths);
        (out, Some(summary))
    } else {
        let options = kmslint::lint::LintOptions { source };
        (
            kmslint::lint::lint(&paths, &Default::default(), &options),
            None,
        )
    };
    print(&report::render(&out, fixed.as_ref(), format, color));
    ExitCode::from(if !out.errors.is_empty() {
        EXIT_ERROR
    } else if !out.findings.is_empty() {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error worth a panic.
fn print(s: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(s.as_bytes());
    let _ = stdout.flush();
}
