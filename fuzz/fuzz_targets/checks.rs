//! The checks the fuzz targets run, one function per target. Shared with the root crate's
//! `tests/fuzz_regressions.rs` (included there with `#[path]`), so a regression test runs
//! exactly what the target ran. Only kmslint's public API, `lsp-server` and `serde_json`
//! (all dependencies of the root crate too).
//!
//! A check panics on a bug: a panic anywhere in kmslint, a violated invariant (a span out of
//! bounds, a fix that breaks a file that parsed, a second `--fix` pass that changes
//! something, a filter pattern that does not print back to itself). Hangs and memory
//! blow-ups are caught by libFuzzer's `-timeout` and `-rss_limit_mb`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kmslint::filter_pattern::{self, events, Match, PatternKind};
use kmslint::finding::LintOutput;
use kmslint::fix::{self, FixMode};
use kmslint::lint::{lint_sources, LintOptions, Overlay};
use kmslint::policy::{Policy, PolicyOptions};
use kmslint::report::{self, human, Format, RenderOptions};
use kmslint::source::{SourceFile, Span};

/// Separates the files of one input (a byte that does not occur in Terraform text).
pub const SEPARATOR: u8 = 0;

/// Where the in-memory files live: a directory that does not exist, so nothing else is read
/// as context.
pub const ROOT: &str = "/kmslint-fuzz";

const FORMATS: [Format; 8] = [
    Format::Human,
    Format::Json,
    Format::Sarif,
    Format::Github,
    Format::Gitlab,
    Format::Junit,
    Format::Rdjson,
    Format::Compact,
];

/// The input cut at [`SEPARATOR`] into at most `n` parts (the last one keeps any further
/// separators), each as text (invalid UTF-8 replaced, as an editor would).
pub fn split(data: &[u8], n: usize) -> Vec<String> {
    data.splitn(n, |b| *b == SEPARATOR)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

fn path(dir: &str, name: &str) -> PathBuf {
    Path::new(ROOT).join(dir).join(name)
}

/// `hcl_module`: up to four files of one module (`main.tf`, `variables.tf`,
/// `terraform.tfvars`, and `child/main.tf`, which the module calls), linted and rendered.
pub fn hcl_module(data: &[u8]) {
    let names = [
        "main.tf",
        "variables.tf",
        "terraform.tfvars",
        "child/main.tf",
    ];
    let mut files: Vec<(PathBuf, String)> = split(data, names.len())
        .into_iter()
        .zip(names)
        .map(|(text, name)| (path("module", name), text))
        .collect();
    if files.len() == names.len() {
        files.push((
            path("module", "zz_fuzz_call.tf"),
            "module \"kmslint_fuzz_child\" {\n  source = \"./child\"\n}\n".to_string(),
        ));
    }
    lint_and_render(&files);
}

/// `tf_json`: the input as `main.tf.json`.
pub fn tf_json(data: &[u8]) {
    let files = [(path("json", "main.tf.json"), lossy(data))];
    lint_and_render(&files);
}

/// A configuration whose KMS settings come from variables of every kind.
const TFVARS_MAIN: &str = r#"variable "rotation" {
  type    = bool
  default = false
}
variable "window" {
  type = number
}
variable "period" {
  default = 365
}
variable "tags" {
  type = map(string)
}
variable "keys" {
  type = list(object({
    name   = string
    rotate = optional(bool, true)
    spec   = optional(string)
  }))
  default = []
}
variable "anything" {}
resource "aws_kms_key" "k" {
  description             = var.anything
  enable_key_rotation     = var.rotation
  deletion_window_in_days = var.window
  rotation_period_in_days = var.period
  tags                    = var.tags
}
resource "aws_kms_key" "each" {
  for_each                 = { for k in var.keys : k.name => k }
  enable_key_rotation      = each.value.rotate
  customer_master_key_spec = each.value.spec
}
resource "aws_kms_key" "counted" {
  count               = length(var.keys)
  enable_key_rotation = var.keys[count.index].rotate
}
"#;

/// `tfvars`: the input as `terraform.tfvars` and as `x.auto.tfvars.json`, beside a fixed
/// `main.tf` that uses the variables.
pub fn tfvars(data: &[u8]) {
    let text = lossy(data);
    let files = [
        (path("tfvars", "main.tf"), TFVARS_MAIN.to_string()),
        (path("tfvars", "terraform.tfvars"), text.clone()),
        (path("tfvars", "x.auto.tfvars.json"), text),
    ];
    lint_and_render(&files);
}

/// The configuration beside a plan in [`plan_json`].
const PLAN_MAIN: &str = r#"resource "aws_kms_key" "k" {
  description         = "key"
  enable_key_rotation = true
}
resource "aws_kms_alias" "a" {
  name          = "alias/k"
  target_key_id = aws_kms_key.k.key_id
}
module "m" {
  source = "./m"
}
"#;

/// `plan_json`: the input as a plan (`terraform show -json`), alone and beside a
/// configuration.
pub fn plan_json(data: &[u8]) {
    let text = lossy(data);
    // The loader itself.
    let file = Arc::new(SourceFile::new(
        path("plan", "plan.json"),
        "plan.json".to_string(),
        text.clone(),
        kmslint::source::Syntax::Json,
    ));
    let _ = kmslint::plan::load(&file);
    lint_and_render(&[(path("plan-alone", "plan.json"), text.clone())]);
    lint_and_render(&[
        (path("plan-config", "x.tfplan.json"), text),
        (path("plan-config", "main.tf"), PLAN_MAIN.to_string()),
        (
            path("plan-config", "m/main.tf"),
            "resource \"aws_kms_key\" \"k\" {}\n".to_string(),
        ),
    ]);
}

/// Lints `files`, checks every span, applies the policy (inline suppressions), and renders
/// the result in every format.
pub fn lint_and_render(files: &[(PathBuf, String)]) {
    let mut out = lint_sources(files);
    check_spans(&out);
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    if let Ok(policy) = Policy::new(&paths, &PolicyOptions::default()) {
        policy.apply(&mut out);
    }
    check_spans(&out);
    render_all(&out);
}

/// Renders `out` in every format (and the human one in colour and narrow too).
pub fn render_all(out: &LintOutput) {
    for format in FORMATS {
        let _ = report::render(out, None, format, &RenderOptions::default());
    }
    let narrow = RenderOptions {
        human: human::Options {
            color: true,
            width: 40,
        },
    };
    let _ = report::render(out, None, Format::Human, &narrow);
}

fn check_span(file: &SourceFile, span: &Span, what: &str) {
    let text = &file.text;
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what} span {span:?} out of bounds of {} ({} bytes)",
        file.display,
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what} span {span:?} splits a character in {}",
        file.display
    );
}

/// Every span of a lint result lies in its file, on character boundaries.
pub fn check_spans(out: &LintOutput) {
    for f in &out.findings {
        check_span(&f.file, &f.span, f.rule);
        if let Some(span) = &f.resource_span {
            check_span(&f.file, span, "resource");
        }
        for r in &f.related {
            check_span(&r.file, &r.span, "related");
        }
        for e in f.fix.iter().flat_map(|fix| &fix.edits) {
            check_span(&e.file, &e.span, "edit");
        }
        if let Some((file, span)) = f.suppression.as_ref().and_then(|s| s.location.as_ref()) {
            check_span(file, span, "suppression");
        }
    }
    for e in &out.errors {
        if let Some((file, span)) = &e.location {
            check_span(file, span, "error");
        }
    }
}

fn parses(path: &Path, text: &str) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let syntax = kmslint::discover::input_syntax(&name).unwrap_or(kmslint::source::Syntax::Hcl);
    let file = Arc::new(SourceFile::new(
        path.to_path_buf(),
        name,
        text.to_string(),
        syntax,
    ));
    kmslint::lint::parse_source(&file).is_ok()
}

/// `fix`: the input as `main.tf` (and, after a separator, `terraform.tfvars`). Every safe fix
/// of one lint, applied together, leaves each file that parsed still parsing; the `--fix`
/// loop (a dry run, in memory) reports no failed fix; and a second `--fix` changes nothing.
pub fn fix(data: &[u8]) {
    let names = ["main.tf", "terraform.tfvars"];
    let files: Vec<(PathBuf, String)> = split(data, names.len())
        .into_iter()
        .zip(names)
        .map(|(text, name)| (path("fix", name), text))
        .collect();
    let overlay: Overlay = files.iter().cloned().collect();
    let paths: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();

    // One pass by hand: all safe fixes of each file at once.
    let out = lint_sources(&files);
    let mut by_file: BTreeMap<PathBuf, Vec<&kmslint::finding::Fix>> = BTreeMap::new();
    for fix in out.findings.iter().filter_map(|f| f.fix.as_ref()) {
        if fix.is_safe() {
            if let Some(first) = fix.edits.first() {
                by_file
                    .entry(first.file.path.clone())
                    .or_default()
                    .push(fix);
            }
        }
    }
    for (path, fixes) in &by_file {
        let Some(before) = overlay.get(path) else {
            continue;
        };
        if !parses(path, before) {
            continue;
        }
        let (after, _) = fix::apply_edits(before, fixes);
        assert!(
            parses(path, &after),
            "fixing {} leaves a file that does not parse:\n{after}",
            path.display()
        );
    }

    // The `--fix` loop, then again on its result.
    let run = fix::fix(
        &paths,
        &overlay,
        &LintOptions::default(),
        &|_| {},
        FixMode::DryRun,
    );
    assert!(
        run.summary.errors.is_empty(),
        "--fix failed: {:?}",
        run.summary
            .errors
            .iter()
            .map(|e| &e.message)
            .collect::<Vec<_>>()
    );
    check_spans(&run.out);
    render_all(&run.out);
    if run.changes.is_empty() {
        return;
    }
    let mut fixed = overlay.clone();
    for (path, change) in &run.changes {
        fixed.insert(path.clone(), change.after.clone());
    }
    let again = fix::fix(
        &paths,
        &fixed,
        &LintOptions::default(),
        &|_| {},
        FixMode::DryRun,
    );
    let changed: Vec<(&PathBuf, &String)> =
        again.changes.iter().map(|(p, c)| (p, &c.after)).collect();
    assert!(
        again.summary.fixed == 0 && changed.is_empty(),
        "a second --fix changed {changed:?} after the first produced {:?}",
        run.changes.values().map(|c| &c.after).collect::<Vec<_>>()
    );
}

/// `lsp`: the input as everything a client writes to the server's stdin: framed by
/// `read_message`, dispatched by `serve` over an in-memory connection. Every reply is
/// serialised as it would be written.
pub fn lsp(data: &[u8]) {
    use kmslint::lsp::transport::read_message;
    use lsp_server::{Connection, Message};

    let (server, client) = Connection::memory();
    let mut input = data;
    // As the stdio reader thread does (`kmslint::lsp::transport::stdio`), but from memory.
    loop {
        match read_message(&mut input) {
            Ok(Some(Ok(message))) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if client.sender.send(message).is_err() || exit {
                    break;
                }
            }
            Ok(Some(Err(reply))) => {
                if let Some(reply) = reply {
                    let _ = serde_json::to_vec(&reply);
                }
            }
            Ok(None) | Err(_) => break,
        }
    }
    let Connection { sender, receiver } = client;
    drop(sender);
    let _ = kmslint::lsp::serve(server);
    let mut sink = Vec::new();
    for message in receiver.try_iter() {
        message.write(&mut sink).expect("write to memory");
    }
}

/// `filter_pattern`: parse; on success, evaluate on both CloudTrail records (as JSON and as
/// text, which must agree) and print and re-parse to an equal pattern; on failure, the
/// error's span lies in the text.
pub fn filter_pattern(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match filter_pattern::parse(text) {
        Ok(pattern) => {
            for (event, raw) in [
                (events::disable_key(), events::DISABLE_KEY),
                (
                    events::schedule_key_deletion(),
                    events::SCHEDULE_KEY_DELETION,
                ),
            ] {
                let on_json = pattern.matches_json(&event);
                let compact = serde_json::to_string(&event).expect("serialise an event");
                let on_text = pattern.matches_text(&compact);
                let _ = pattern.matches_text(raw);
                match pattern.kind() {
                    PatternKind::Json(_) | PatternKind::All => {
                        assert_eq!(on_json, on_text, "{text:?} on the compact event")
                    }
                    PatternKind::Terms(_) | PatternKind::Regex(_) => {
                        if on_json != Match::Unknown {
                            assert_eq!(on_json, on_text, "{text:?} on the compact event");
                        }
                    }
                    PatternKind::Delimited(_) => assert_eq!(on_json, Match::Unknown),
                }
            }
            let printed = pattern.to_string();
            match filter_pattern::parse(&printed) {
                Ok(again) => assert_eq!(again, pattern, "{text:?} printed as {printed:?}"),
                Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
            }
        }
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= text.len(),
                "{text:?}: error span {:?} out of bounds",
                e.span
            );
            assert!(
                text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end),
                "{text:?}: error span {:?} splits a character",
                e.span
            );
        }
    }
}

fn lossy(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}
