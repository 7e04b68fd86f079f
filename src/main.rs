//! The `kmslint` command line. Exit codes: 0 no unsuppressed finding at or above `--fail-on`,
//! 1 such findings, 2 usage, configuration, I/O or parse errors (2 wins when both happen);
//! `--exit-zero` turns 1 and I/O or parse errors into 0, never usage or configuration errors.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kmslint::config::{FailOn, Policy, PolicyOptions};
use kmslint::report::terminal::{self, ColorChoice};
use kmslint::report::{self, Format, RenderOptions};
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
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Apply safe fixes in place, then report what remains.
        #[arg(long)]
        fix: bool,
        /// Colour the human report: `auto` colours a terminal unless NO_COLOR is set
        /// (FORCE_COLOR or CLICOLOR_FORCE colour a pipe; TERM=dumb does not).
        #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto,
              overrides_with = "no_color")]
        color: ColorChoice,
        /// The same as `--color never`.
        #[arg(long, overrides_with = "color")]
        no_color: bool,
        /// The configuration a plan JSON was made from (default: the plan file's directory);
        /// findings from the plan are reported at the matching `.tf` lines.
        #[arg(long, value_name = "DIR")]
        source: Option<PathBuf>,
        /// Write the report to FILE (atomically) instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        policy: PolicyArgs,
    },
    /// Record the current findings in a baseline file, so that `check --baseline FILE`
    /// reports only new ones.
    Baseline {
        /// Files or directories, as for `check`.
        paths: Vec<PathBuf>,
        /// Where to write the baseline.
        #[arg(long, short = 'o', value_name = "FILE", default_value = kmslint::baseline::DEFAULT_FILE)]
        output: PathBuf,
        /// Use this configuration file instead of looking for `.kmslint.toml` upward.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// Rule id, e.g. kms-key-rotation-disabled.
        rule: String,
    },
    /// Run the language server (LSP 3.17 over stdin/stdout) for editors.
    Lsp,
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
            color,
            no_color,
            source,
            output,
            policy,
        } => {
            let color = if no_color { ColorChoice::Never } else { color };
            check(paths, format, fix, color, source, output, policy)
        }
        Command::Baseline {
            paths,
            output,
            config,
        } => baseline(paths, output, config),
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
        Command::Lsp => ExitCode::from(kmslint::lsp::run_stdio() as u8),
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
    color: ColorChoice,
    source: Option<PathBuf>,
    output: Option<PathBuf>,
    policy_args: PolicyArgs,
) -> ExitCode {
    let paths = prepare(paths);
    let env = |name: &str| std::env::var_os(name);
    let is_terminal = std::io::stdout().is_terminal();
    let to_file = output.is_some();
    let options = RenderOptions {
        human: report::human::Options {
            color: terminal::use_color(color, &env, is_terminal, to_file),
            width: terminal::width(
                &env,
                (is_terminal && !to_file)
                    .then(terminal::stdout_width)
                    .flatten(),
            ),
        },
    };
    let policy = match Policy::new(&paths, &policy_args.options()) {
        Ok(policy) => policy,
        Err(errors) => return config_errors(&errors),
    };
    let (mut out, fixed) = if fix {
        let (out, summary) = kmslint::fix::fix_paths_with(&paths, &|out| policy.apply(out));
        (out, Some(summary))
    } else {
        let options = kmslint::lint::LintOptions { source };
        let mut out = kmslint::lint::lint(&paths, &Default::default(), &options);
        policy.apply(&mut out);
        (out, None)
    };
    let errors = policy.errors();
    if !errors.is_empty() {
        return config_errors(&errors);
    }
    let failing = kmslint::config::fails(&out, policy_args.fail_on);
    // JSON and SARIF show suppressed findings as such; so do the CI formats' renderers
    // (they leave them out). Human output leaves them out and says how many there were.
    let mut notes = String::new();
    if format == Format::Human {
        notes = policy.human_notes(&out);
        out.findings.retain(|f| f.suppression.is_none());
    }
    let rendered = report::render(&out, fixed.as_ref(), format, &options) + &notes;
    match &output {
        Some(file) => {
            if let Err(e) = kmslint::fix::write_atomically(file, &rendered) {
                eprintln!("error: cannot write {}: {e}", file.display());
                return ExitCode::from(EXIT_ERROR);
            }
        }
        None => print(&rendered),
    }
    ExitCode::from(if policy_args.exit_zero {
        EXIT_CLEAN
    } else if !out.errors.is_empty() {
        EXIT_ERROR
    } else if failing {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// `check`'s options for configuration, suppressions, baseline and exit code.
#[derive(clap::Args)]
struct PolicyArgs {
    /// Use this configuration file for every input instead of the nearest `.kmslint.toml`
    /// found upward from each file.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Treat the findings recorded in this baseline (see `kmslint baseline`) as suppressed;
    /// report only new ones and count stale entries.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Report `kmslint:ignore` comments that silence nothing (rule `unused-suppression`).
    #[arg(long)]
    report_unused_ignores: bool,
    /// The lowest severity of an unsuppressed finding that makes the exit code 1.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings or unreadable files (for jobs that must go on,
    /// e.g. to upload SARIF); usage and configuration errors still exit 2.
    #[arg(long)]
    exit_zero: bool,
}

impl PolicyArgs {
    fn options(&self) -> PolicyOptions {
        PolicyOptions {
            config: self.config.clone(),
            baseline: self.baseline.clone(),
            report_unused: self.report_unused_ignores,
        }
    }
}

/// Prints configuration errors; they stop the run with exit code 2.
fn config_errors(errors: &[kmslint::config::ConfigError]) -> ExitCode {
    for e in errors {
        eprintln!("error: {e}");
    }
    ExitCode::from(EXIT_ERROR)
}

/// `kmslint baseline`: lint (with configuration and inline suppressions) and record what
/// remains. Exit 0 when written; 2 on configuration errors, when the file cannot be written,
/// or when some input could not be read or parsed (the baseline is still written).
fn baseline(paths: Vec<PathBuf>, output: PathBuf, config: Option<PathBuf>) -> ExitCode {
    let paths = prepare(paths);
    let options = PolicyOptions {
        config,
        ..PolicyOptions::default()
    };
    let policy = match Policy::new(&paths, &options) {
        Ok(policy) => policy,
        Err(errors) => return config_errors(&errors),
    };
    let mut out = kmslint::lint_paths(&paths);
    policy.apply(&mut out);
    let errors = policy.errors();
    if !errors.is_empty() {
        return config_errors(&errors);
    }
    match kmslint::baseline::record(&out, &output) {
        Ok(n) => eprintln!(
            "Recorded {n} finding{} in {}.",
            if n == 1 { "" } else { "s" },
            output.display()
        ),
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", output.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    for e in &out.errors {
        eprintln!(
            "error: {}: {} (its findings are not in the baseline)",
            e.path, e.message
        );
    }
    ExitCode::from(if out.errors.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
    })
}

/// The paths to lint (default `.`), with worker threads sized for evaluation, which
/// recurses: they get 8 MiB of stack instead of the 2 MiB default.
fn prepare(paths: Vec<PathBuf>) -> Vec<PathBuf> {
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(8 << 20)
        .build_global();
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    }
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error worth a panic.
fn print(s: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(s.as_bytes());
    let _ = stdout.flush();
}
