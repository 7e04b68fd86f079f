//! The `kmslint` command line. Exit codes: 0 no unsuppressed finding at or above `--fail-on`,
//! 1 such findings, 2 usage, configuration, I/O or parse errors (2 wins when both happen);
//! `--exit-zero` turns 1 and I/O or parse errors into 0, never usage or configuration errors
//! (a path that does not exist is a usage error). `--diff` exits 1 when there is a diff.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use kmslint::finding::LintError;
use kmslint::finding::LintOutput;
use kmslint::fix::{FixMode, FixRun};
use kmslint::lint::{LintOptions, Overlay};
use kmslint::model::RootInput;
use kmslint::policy::{FailOn, Policy, PolicyOptions};
use kmslint::report::terminal::{self, ColorChoice};
use kmslint::report::{self, Format, RenderOptions};
use kmslint::rules::{self, FixAvailability};

const EXIT_CODES: &str = "\
Exit codes:
  0  no unsuppressed finding at or above --fail-on (also: no Terraform file found, with a warning)
  1  an unsuppressed finding at or above --fail-on; with --diff: there is a diff
  2  usage or configuration error, a path that does not exist, or a file that cannot be read
     or parsed (2 wins over 1); --exit-zero turns 1 and unreadable files into 0, never usage
     or configuration errors";

#[derive(Parser)]
#[command(
    name = "kmslint",
    version,
    about = "Lint Terraform/OpenTofu for AWS KMS key hygiene, offline",
    after_help = EXIT_CODES
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint files and directories (default: the current directory).
    #[command(after_help = EXIT_CODES)]
    Check(Box<CheckArgs>),
    /// Record the current findings in a baseline file, so that `check --baseline FILE`
    /// reports only new ones.
    Baseline {
        /// Files or directories, as for `check`.
        paths: Vec<PathBuf>,
        /// Where to write the baseline.
        #[arg(long, short = 'o', value_name = "FILE", default_value = kmslint::policy::baseline::DEFAULT_FILE)]
        output: PathBuf,
        /// Use this configuration file instead of looking for `.kmslint.toml` upward.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// List the rules.
    Rules {
        /// `table` for people, `json` for tools: every rule with its id, summary, default
        /// severity, fix availability, whether it runs by default and the peers' ids.
        #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
        format: RulesFormat,
    },
    /// Print a rule's documentation (by rule id or a peer's id, e.g. CKV_AWS_7).
    Explain {
        /// Rule id, e.g. kms-key-rotation-disabled, or a peer's id: CKV_AWS_7, AVD-AWS-0065,
        /// aws-kms-auto-rotate-keys.
        rule: String,
    },
    /// Run the language server (LSP 3.17 over stdin/stdout) for editors.
    Lsp {
        /// Accepted and ignored: stdin/stdout is the only transport. VS Code's language
        /// client appends it.
        #[arg(long)]
        stdio: bool,
    },
    /// Print a shell completion script, e.g. `kmslint completions bash > ~/.local/share/bash-completion/completions/kmslint`.
    Completions {
        /// bash, zsh, fish, powershell or elvish.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// Files or directories. A file is linted with the rest of its directory as context,
    /// but only findings located in a named file, or with a related location in one
    /// (e.g. the tfvars value that causes it), are reported. `-` reads one file from
    /// standard input (see --stdin-filename).
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Apply safe fixes in place, then report what remains. With `-` (standard input), the
    /// fixed text is written to stdout and the report to stderr.
    #[arg(long)]
    fix: bool,
    /// Print the unified diff of what --fix would write, change nothing; exit 1 when there
    /// is a diff, 0 when there is none.
    #[arg(long, conflicts_with = "statistics")]
    diff: bool,
    /// Only findings (and errors): no summary line, no count of suppressed findings, no
    /// warnings. Machine formats are unchanged.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Report only these rules (comma-separated or repeated); rule ids or the peers' ids
    /// (CKV_AWS_7, AVD-AWS-0065, aws-kms-auto-rotate-keys). A rule disabled in
    /// `.kmslint.toml` stays off.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    select: Vec<String>,
    /// Do not report these rules (comma-separated or repeated); ids as for --select.
    /// Wins over --select.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    ignore: Vec<String>,
    /// With `-`: lint standard input as if it were this file (default: main.tf in the
    /// current directory), with the rest of its directory as context. Given without a path,
    /// it implies `-`.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Print the number of findings per rule instead of the findings (`--format json` for
    /// JSON, other formats a table).
    #[arg(long)]
    statistics: bool,
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
    /// Set a root module variable, as `terraform plan -var` does (repeatable; with
    /// --var-file, later wins, in command-line order, above the module's tfvars files).
    /// A string-typed variable takes VALUE as it is; other types read it as HCL
    /// (`--var 'ids=["a"]'`).
    #[arg(long, value_name = "NAME=VALUE")]
    var: Vec<String>,
    /// Read root module variables from FILE, as `terraform plan -var-file` does
    /// (repeatable; `.tfvars` or `.tfvars.json`).
    #[arg(long, value_name = "FILE")]
    var_file: Vec<String>,
    /// Also read `TF_VAR_<name>` environment variables (below every tfvars file, as in
    /// Terraform) and `TF_WORKSPACE`. Off by default, so that a shell's leftovers do not
    /// change results.
    #[arg(long)]
    env_vars: bool,
    /// The workspace `terraform.workspace` evaluates to (default: the one
    /// `.terraform/environment` records, else unknown).
    #[arg(long, value_name = "NAME")]
    workspace: Option<String>,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    #[command(flatten)]
    policy: PolicyArgs,
}

// Parsing allocates many small nodes from several threads; mimalloc roughly halves the run
// time of a large tree compared with the system allocator (see bench/README.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXIT_CLEAN: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
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
        Command::Check(args) => {
            let order = matches
                .subcommand_matches("check")
                .map(variable_order)
                .unwrap_or_default();
            check(*args, order)
        }
        Command::Baseline {
            paths,
            output,
            config,
        } => baseline(paths, output, config),
        Command::Rules { format } => {
            print(&match format {
                RulesFormat::Table => rules_table(),
                RulesFormat::Json => rules_json(),
            });
            ExitCode::from(EXIT_CLEAN)
        }
        Command::Lsp { stdio: _ } => ExitCode::from(kmslint::lsp::run_stdio() as u8),
        Command::Explain { rule } => match resolve_ids(&[rule], "") {
            Ok(ids) => {
                let docs: Vec<&str> = ids
                    .iter()
                    .filter_map(|id| rules::find(id))
                    .map(|m| m.doc)
                    .collect();
                print(&docs.join("\n"));
                ExitCode::from(EXIT_CLEAN)
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(EXIT_ERROR)
            }
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kmslint", &mut script);
            print(&String::from_utf8_lossy(&script));
            ExitCode::from(EXIT_CLEAN)
        }
    }
}

fn fix_name(fix: FixAvailability) -> &'static str {
    match fix {
        FixAvailability::Never => "never",
        FixAvailability::Sometimes => "sometimes",
        FixAvailability::Always => "always",
    }
}

fn rules_table() -> String {
    let w = rules::all().map(|m| m.id.len()).max().unwrap_or(0).max(30);
    let mut s = format!(
        "{:<w$} {:<8} {:<6} {}\n",
        "RULE", "SEVERITY", "FIX", "SUMMARY"
    );
    for m in rules::all() {
        s.push_str(&format!(
            "{:<w$} {:<8} {:<6} {}\n",
            m.id,
            m.severity.as_str(),
            m.fix.as_str(),
            m.summary
        ));
    }
    s
}

/// `kmslint rules --format json`: one object per rule, in id order.
fn rules_json() -> String {
    let rules: Vec<serde_json::Value> = rules::all()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "summary": m.summary,
                "severity": m.severity.as_str(),
                "fix": fix_name(m.fix),
                "enabled_by_default": m.default_enabled,
                "meta": rules::is_meta_rule(m.id),
                "peers": m.peer_ids.iter().map(|p| p.id).collect::<Vec<_>>(),
                "peer_tools": m.peer_ids.iter().map(|p| p.tool.as_str()).collect::<Vec<_>>(),
                "security_severity": m.security_severity,
                "cis": m.cis.iter().map(|c| serde_json::json!({
                    "number": c.number, "versions": c.versions, "assessment": c.assessment.as_str(),
                })).collect::<Vec<_>>(),
                "cis_severity": m.cis_severity().map(|s| s.as_str()),
                "resource_types": m.resource_types,
                "doc": format!("rules/{}.md", m.id),
            })
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&rules).unwrap_or_default();
    s.push('\n');
    s
}

/// Every id the command line accepts: rule ids, then the peers' ids.
fn known_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = rules::all().map(|m| m.id).collect();
    for m in rules::all() {
        ids.extend(m.peer_ids.iter().map(|p| p.id));
    }
    ids
}

/// Resolves rule or peer ids (see [`rules::for_id`]) to rule ids; an unknown id is
/// an error with a suggestion. `flag` names the option in messages (`""` for `explain`).
fn resolve_ids(ids: &[String], flag: &str) -> Result<BTreeSet<&'static str>, String> {
    let mut out = BTreeSet::new();
    for id in ids {
        let id = id.trim();
        let found: Vec<&'static str> = rules::for_id(id).iter().map(|m| m.id).collect();
        if found.is_empty() {
            let prefix = if flag.is_empty() {
                String::new()
            } else {
                format!("{flag}: ")
            };
            let hint = match did_you_mean(id, &known_ids()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "known rules: {}",
                    rules::all().map(|m| m.id).collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(format!("{prefix}unknown rule `{id}`; {hint}"));
        }
        out.extend(found);
    }
    Ok(out)
}

/// The candidate closest to `input` by edit distance (ignoring case), if it is close enough
/// to be a typo.
fn did_you_mean<'a>(input: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let input = input.to_lowercase();
    let (distance, best) = candidates
        .iter()
        .map(|c| (edit_distance(&input, &c.to_lowercase()), *c))
        .min_by_key(|(d, _)| *d)?;
    let len = input.chars().count();
    (distance > 0 && distance <= 3.max(len / 3) && distance < len).then_some(best)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A read-only input given as `-`: its text and the path it is linted as.
struct Stdin {
    path: PathBuf,
    text: String,
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_ERROR)
}

/// `--var` and `--var-file` in command-line order (Terraform's precedence: later wins):
/// `(true, file)` for a file, `(false, assignment)` for an assignment.
fn variable_order(m: &clap::ArgMatches) -> Vec<(bool, String)> {
    let mut out: Vec<(usize, bool, String)> = Vec::new();
    for (id, file) in [("var", false), ("var_file", true)] {
        if let (Some(indices), Some(values)) = (m.indices_of(id), m.get_many::<String>(id)) {
            out.extend(indices.zip(values).map(|(i, v)| (i, file, v.clone())));
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, file, v)| (file, v)).collect()
}

/// The values root modules' variables get from outside their files: `TF_VAR_*` (with
/// `--env-vars`), then `--var-file` and `--var` in command-line order.
fn root_inputs(order: &[(bool, String)], env_vars: bool) -> Result<Vec<RootInput>, String> {
    let mut inputs = Vec::new();
    if env_vars {
        let mut env: Vec<(String, String)> = std::env::vars_os()
            .filter_map(|(k, v)| {
                let name = k.to_str()?.strip_prefix("TF_VAR_")?.to_string();
                Some((name, v.to_str()?.to_string()))
            })
            .collect();
        env.sort();
        inputs.extend(
            env.into_iter()
                .map(|(name, value)| RootInput::Environment { name, value }),
        );
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    for (is_file, text) in order {
        if *is_file {
            let path = PathBuf::from(text);
            let file = kmslint::read::read_source(&path, &cwd)
                .map_err(|e| format!("--var-file {text}: {}", e.message))?;
            let body = kmslint::read::parse_source(&file).map_err(|e| {
                let at = e
                    .location
                    .as_ref()
                    .map(|(f, span)| {
                        let p = f.position(span.start);
                        format!(":{}:{}", p.line, p.column)
                    })
                    .unwrap_or_default();
                format!("--var-file {text}{at}: {}", e.message)
            })?;
            inputs.push(RootInput::File(
                body.attributes
                    .into_iter()
                    .map(|attribute| {
                        let name = attribute.name.clone();
                        (
                            name,
                            kmslint::model::Definition {
                                file: file.clone(),
                                attribute,
                            },
                        )
                    })
                    .collect(),
            ));
        } else {
            let Some((name, value)) = text.split_once('=') else {
                return Err(format!(
                    "--var {text}: expected NAME=VALUE (e.g. --var enable_rotation=true)"
                ));
            };
            if name.is_empty() {
                return Err(format!("--var {text}: the variable name is empty"));
            }
            inputs.push(RootInput::Assignment {
                name: name.to_string(),
                value: value.to_string(),
            });
        }
    }
    Ok(inputs)
}

fn check(args: CheckArgs, variables: Vec<(bool, String)>) -> ExitCode {
    let root_inputs = match root_inputs(&variables, args.env_vars) {
        Ok(inputs) => inputs,
        Err(message) => return usage_error(message),
    };
    let workspace = args.workspace.clone().or_else(|| {
        args.env_vars
            .then(|| std::env::var("TF_WORKSPACE").ok())
            .flatten()
            .filter(|w| !w.is_empty())
    });
    let select = match resolve_ids(&args.select, "--select") {
        Ok(ids) => ids,
        Err(message) => return usage_error(message),
    };
    let ignore = match resolve_ids(&args.ignore, "--ignore") {
        Ok(ids) => ids,
        Err(message) => return usage_error(message),
    };
    if args.statistics && !matches!(args.format, Format::Human | Format::Json) {
        return usage_error("--statistics prints a table, or JSON with --format json");
    }
    if let Some(dir) = &args.source {
        if !dir.is_dir() {
            return usage_error(format!(
                "--source {}: {}",
                dir.display(),
                if dir.exists() {
                    "not a directory"
                } else {
                    "no such directory"
                }
            ));
        }
    }
    // Standard input: `-` alone, or --stdin-filename without paths.
    let dash = args.paths.iter().any(|p| p.as_os_str() == "-");
    if dash && args.paths.len() > 1 {
        return usage_error("`-` (standard input) cannot be combined with other paths");
    }
    if args.stdin_filename.is_some() && !dash && !args.paths.is_empty() {
        return usage_error(
            "--stdin-filename names standard input: use it with `-`, not with paths",
        );
    }
    let stdin = if dash || args.stdin_filename.is_some() {
        match read_stdin(args.stdin_filename.as_deref()) {
            Ok(stdin) => Some(stdin),
            Err(message) => return usage_error(message),
        }
    } else {
        None
    };
    // A path that does not exist means nothing was checked there: exit 2, --exit-zero or not.
    let missing: Vec<&PathBuf> = if stdin.is_some() {
        Vec::new()
    } else {
        args.paths
            .iter()
            .filter(|p| std::fs::symlink_metadata(p).is_err())
            .collect()
    };
    // The human report lists them with the other errors; machine formats keep stdout clean.
    if args.format != Format::Human || args.statistics || args.diff {
        for path in &missing {
            eprintln!("error: {}: no such file or directory", path.display());
        }
    }

    let paths = match &stdin {
        Some(s) => prepare(vec![s.path.clone()]),
        None => prepare(args.paths.clone()),
    };
    let mut overlay = Overlay::new();
    if let Some(s) = &stdin {
        overlay.insert(s.path.clone(), s.text.clone());
    }
    let render_options = {
        let choice = if args.no_color {
            ColorChoice::Never
        } else {
            args.color
        };
        let env = |name: &str| std::env::var_os(name);
        let is_terminal = std::io::stdout().is_terminal();
        let to_file = args.output.is_some();
        RenderOptions {
            human: report::human::Options {
                color: terminal::use_color(choice, &env, is_terminal, to_file),
                width: terminal::width(
                    &env,
                    (is_terminal && !to_file)
                        .then(terminal::stdout_width)
                        .flatten(),
                ),
            },
        }
    };
    let policy = match Policy::new(&paths, &args.policy.options()) {
        Ok(policy) => policy,
        Err(errors) => return config_errors(&errors),
    };
    let post = |out: &mut LintOutput| {
        policy.apply(out);
        out.findings
            .retain(|f| (select.is_empty() || select.contains(f.rule)) && !ignore.contains(f.rule));
    };
    let rule_options = |dir: &Path| policy.rule_options(dir);
    let options = LintOptions {
        source: args.source.clone(),
        rule_options: Some(&rule_options),
        root_inputs,
        workspace,
    };
    let fixing = args.fix || args.diff;
    let run: FixRun = if fixing {
        let mode = if args.diff || stdin.is_some() {
            FixMode::DryRun
        } else {
            FixMode::Write
        };
        kmslint::fix::fix(&paths, &overlay, &options, &post, mode)
    } else {
        let mut out = kmslint::lint::lint(&paths, &overlay, &options);
        post(&mut out);
        FixRun {
            out,
            ..FixRun::default()
        }
    };
    let errors = policy.errors();
    if !errors.is_empty() {
        return config_errors(&errors);
    }
    let FixRun {
        mut out,
        summary,
        changes,
    } = run;
    if out.files == 0
        && out.errors.is_empty()
        && missing.is_empty()
        && stdin.is_none()
        && !args.quiet
    {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        eprintln!(
            "warning: no Terraform files found under {}",
            shown.join(", ")
        );
    }
    let exit = |failing: bool, errors: bool| {
        ExitCode::from(if !missing.is_empty() {
            EXIT_ERROR
        } else if args.policy.exit_zero {
            EXIT_CLEAN
        } else if errors {
            EXIT_ERROR
        } else if failing {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        })
    };

    if args.diff {
        print_errors(&out.errors);
        let diff = unified_diff(&changes);
        if !args.quiet && !changes.is_empty() {
            eprintln!(
                "Would fix {} finding{} in {} file{}.",
                summary.fixed,
                plural(summary.fixed),
                changes.len(),
                plural(changes.len())
            );
        }
        if let Err(code) = emit(&args.output, &diff) {
            return code;
        }
        return exit(!diff.is_empty(), !out.errors.is_empty());
    }

    let failing = kmslint::policy::fails(&out, args.policy.fail_on);
    if args.statistics {
        print_errors(&out.errors);
        let text = statistics(&out, args.format == Format::Json);
        if let Err(code) = emit(&args.output, &text) {
            return code;
        }
        return exit(failing, !out.errors.is_empty());
    }

    // JSON and SARIF show suppressed findings as such; so do the CI formats' renderers
    // (they leave them out). Human output leaves them out and says how many there were.
    let mut notes = String::new();
    if args.format == Format::Human {
        if !args.quiet {
            notes = policy.human_notes(&out);
        }
        out.findings.retain(|f| f.suppression.is_none());
    }
    let fixed = fixing.then_some(&summary);
    let rendered = if args.format == Format::Human && args.quiet {
        without_summary(report::render(&out, None, args.format, &render_options))
    } else {
        report::render(&out, fixed, args.format, &render_options) + &notes
    };
    if let (Some(s), true) = (&stdin, args.fix) {
        // An editor replaces its buffer with stdout: always the whole text, fixed or not.
        let text = changes.get(&s.path).map_or(&s.text, |c| &c.after);
        print(text);
        match &args.output {
            Some(_) => {
                if let Err(code) = emit(&args.output, &rendered) {
                    return code;
                }
            }
            None => {
                let _ = std::io::stderr().write_all(rendered.as_bytes());
            }
        }
    } else if let Err(code) = emit(&args.output, &rendered) {
        return code;
    }
    exit(failing, !out.errors.is_empty())
}

/// Reads standard input for `check -`; the path is made absolute so that it matches the
/// paths discovery finds for the rest of its directory.
fn read_stdin(name: Option<&Path>) -> Result<Stdin, String> {
    let name = name.unwrap_or(Path::new("main.tf"));
    let file_name = name
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if kmslint::discover::input_syntax(&file_name).is_none() {
        return Err(format!(
            "--stdin-filename {}: not a Terraform file name (.tf, .tofu, .tfvars, .tf.json, .tofu.json, .tfvars.json)",
            name.display()
        ));
    }
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let path = kmslint::paths::normalize(&cwd.join(name));
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(kmslint::source::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    if bytes.len() as u64 > kmslint::source::MAX_FILE_BYTES {
        return Err(format!(
            "standard input is larger than {} MiB",
            kmslint::source::MAX_FILE_BYTES >> 20
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "standard input is not valid UTF-8 (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(Stdin { path, text })
}

/// Writes to `--output FILE` or stdout.
fn emit(output: &Option<PathBuf>, text: &str) -> Result<(), ExitCode> {
    match output {
        Some(file) => kmslint::fix::write_atomically(file, text).map_err(|e| {
            eprintln!("error: cannot write {}: {e}", file.display());
            ExitCode::from(EXIT_ERROR)
        }),
        None => {
            print(text);
            Ok(())
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Errors on stderr, `error: file:line:column: message`, for outputs that have no place for
/// them (the diff, statistics).
fn print_errors(errors: &[LintError]) {
    for e in errors {
        match &e.location {
            Some((file, span)) => {
                let p = file.position(span.start);
                eprintln!("error: {}:{}:{}: {}", e.path, p.line, p.column, e.message);
            }
            None => eprintln!("error: {}: {}", e.path, e.message),
        }
    }
}

/// The human report without its closing summary line (`--quiet`): the renderer always ends
/// with it.
fn without_summary(mut rendered: String) -> String {
    let body = rendered.strip_suffix('\n').unwrap_or(&rendered);
    let cut = body.rfind('\n').map_or(0, |i| i + 1);
    rendered.truncate(cut);
    // The blank line that separated the last report from the summary.
    while rendered.ends_with("\n\n") {
        rendered.pop();
    }
    rendered
}

/// `--diff`: a unified diff per changed file, `--- file` / `+++ file` (apply with `patch -p0`).
fn unified_diff(changes: &BTreeMap<PathBuf, kmslint::fix::FileChange>) -> String {
    let mut s = String::new();
    for change in changes.values() {
        if change.before == change.after {
            continue;
        }
        let diff = similar::TextDiff::from_lines(&change.before, &change.after);
        s.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&change.display, &change.display)
                .to_string(),
        );
    }
    s
}

/// `--statistics`: unsuppressed findings per rule, most frequent first (like ruff's).
fn statistics(out: &LintOutput, json: bool) -> String {
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in out.findings.iter().filter(|f| f.suppression.is_none()) {
        let entry = counts.entry(f.rule).or_default();
        entry.0 += 1;
        if f.fix.as_ref().is_some_and(|x| x.is_safe()) {
            entry.1 += 1;
        }
    }
    let mut rows: Vec<(&str, usize, usize)> =
        counts.into_iter().map(|(r, (n, fx))| (r, n, fx)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let summary = |rule: &str| rules::find(rule).map_or("", |m| m.summary);
    if json {
        let rows: Vec<serde_json::Value> = rows
            .iter()
            .map(|(rule, count, fixable)| {
                serde_json::json!({
                    "rule": rule,
                    "count": count,
                    "fixable": fixable,
                    "summary": summary(rule),
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&rows).unwrap_or_default();
        s.push('\n');
        return s;
    }
    let count_width = rows
        .iter()
        .map(|r| r.1.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let any_fixable = rows.iter().any(|r| r.2 > 0);
    let mut s = String::new();
    for (rule, count, fixable) in rows {
        let marker = match (any_fixable, fixable == count) {
            (false, _) => "",
            (true, true) => "[*] ",
            (true, false) => "[ ] ",
        };
        s.push_str(&format!(
            "{count:>count_width$}\t{rule:<rule_width$}\t{marker}{}\n",
            summary(rule)
        ));
    }
    s
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
    /// `cis`: turn on every rule the CIS AWS Foundations Benchmark asks for, at CIS
    /// severities (see `kmslint rules`); `.kmslint.toml` settings still win.
    #[arg(long, value_enum, value_name = "PROFILE")]
    profile: Option<kmslint::config::Profile>,
    /// The lowest severity of an unsuppressed finding that makes the exit code 1.
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Warning)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings or unreadable files (for jobs that must go on,
    /// e.g. to upload SARIF); usage and configuration errors, and paths that do not exist,
    /// still exit 2.
    #[arg(long)]
    exit_zero: bool,
}

impl PolicyArgs {
    fn options(&self) -> PolicyOptions {
        PolicyOptions {
            config: self.config.clone(),
            baseline: self.baseline.clone(),
            report_unused: self.report_unused_ignores,
            profile: self.profile,
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
    match kmslint::policy::baseline::record(&out, &output) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggestions() {
        let ids = known_ids();
        assert_eq!(
            did_you_mean("kms-key-rotaton-disabled", &ids),
            rules::for_id("CKV_AWS_7").first().map(|m| m.id)
        );
        assert_eq!(did_you_mean("ckv_aws_07", &ids), Some("CKV_AWS_7"));
        assert_eq!(did_you_mean("something-else-entirely", &ids), None);
        assert_eq!(did_you_mean("x", &ids), None);
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn quiet_drops_the_summary_line() {
        assert_eq!(without_summary("a\nb\n\n3 findings\n".into()), "a\nb\n");
        assert_eq!(without_summary("0 findings in 1 module\n".into()), "");
    }
}
