//! Compares kmslint's values with results recorded from `terraform console`: values are
//! rendered the way the console prints them (`tolist([...])`, `tomap({...})`, `toset`,
//! tuples as `[...]`, objects as `{...}`, unknown as `(known after apply)`), whitespace
//! collapsed.

use super::*;

/// What kmslint must give for a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Exactly Terraform's result (an error for `Error`).
    Same,
    /// Unknown, although Terraform knows the value (recorded as the result): a documented
    /// limitation, never a wrong value. (`u ? 1 : 1` is 1 in the console but "known after
    /// apply" in a real plan, fixtures/oracle/unknown-computed; kmslint follows the plan.)
    Unknown,
    /// Unknown where Terraform reports an error.
    ErrorOrUnknown,
    /// This value, where Terraform's plan says "known after apply" although every value of
    /// the unknown gives the same result (`[unknown, 1] == [2, 2]` is false).
    Decided(&'static str),
    /// This value, which differs from Terraform's, listed in the README: division and modulo
    /// by zero are errors where Terraform gives infinity or the dividend (pinned by older
    /// tests); an unknown has no type, so a type error Terraform sees in it
    /// (`coalesce({a = 1}, 100 / x)`) goes unnoticed.
    Deviation(&'static str),
}

const UNKNOWN_TEXT: &str = "(known after apply)";

/// The value as `terraform console` prints it, whitespace collapsed.
pub fn render(v: &Value) -> String {
    let mut out = String::new();
    write(v, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write(v: &Value, out: &mut String) {
    match &v.kind {
        ValueKind::Unknown => out.push_str(UNKNOWN_TEXT),
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(&b.to_string()),
        ValueKind::Number(n) => out.push_str(&format_number(*n)),
        ValueKind::String(s) if s.contains('\n') => {
            out.push_str("<<EOT\n");
            out.push_str(s);
            out.push_str("\nEOT");
        }
        ValueKind::String(s) => {
            out.push('"');
            for c in s.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c => out.push(c),
                }
            }
            out.push('"');
        }
        ValueKind::List(items) => {
            let (open, close) = if v.is_set() {
                ("toset([", "])")
            } else if v.is_list() {
                ("tolist([", "])")
            } else {
                ("[", "]")
            };
            out.push_str(open);
            for item in items {
                out.push(' ');
                write(item, out);
                out.push(',');
            }
            if !items.is_empty() {
                out.push(' ');
            }
            out.push_str(close);
        }
        ValueKind::Object(_) => {
            let (open, close) = if v.is_map() {
                ("tomap({", "})")
            } else {
                ("{", "}")
            };
            out.push_str(open);
            let entries = v.entries();
            for (k, item) in &entries {
                out.push_str(&format!(" \"{k}\" = "));
                write(item, out);
            }
            if !entries.is_empty() {
                out.push(' ');
            }
            out.push_str(close);
        }
    }
}

fn outcome(result: EvalResult) -> String {
    match result {
        Ok(v) => render(&v),
        Err(_) => "Error".to_string(),
    }
}

fn judge(label: &str, got: &str, expect: Expect, want: &str, failures: &mut Vec<String>) {
    let ok = match expect {
        Expect::Same => got == want,
        Expect::Unknown => got == UNKNOWN_TEXT && want != UNKNOWN_TEXT && want != "Error",
        Expect::ErrorOrUnknown => got == UNKNOWN_TEXT && want == "Error",
        Expect::Decided(value) => got == value && want == UNKNOWN_TEXT,
        Expect::Deviation(value) => got == value && want != value,
    };
    if !ok {
        failures.push(format!(
            "{label}\n      kmslint:   {got}\n      terraform: {want} (expected: {expect:?})"
        ));
    }
}

/// Evaluates every expression in a module made of `base` (as `main.tf`).
pub fn check(base: &str, cases: &[(&str, Expect, &str)]) {
    let m = module(&[("main.tf", base)]);
    let mut failures = Vec::new();
    for &(src, expect, want) in cases {
        let got = outcome(eval_in(&m, src));
        judge(src, &got, expect, want, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from terraform console:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

pub type VariableCase<'a> = (
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    Expect,
    &'a str,
);

/// Each case: `variable "x"` with this type, default and nullable, and this value in
/// `terraform.tfvars`.
pub fn check_variable(cases: &[VariableCase]) {
    let mut failures = Vec::new();
    for &(ty, default, tfvars, nullable, src, expect, want) in cases {
        let mut decl = format!("variable \"x\" {{\n  type = {ty}\n");
        if let Some(d) = default {
            decl.push_str(&format!("  default = {d}\n"));
        }
        if let Some(n) = nullable {
            decl.push_str(&format!("  nullable = {n}\n"));
        }
        decl.push_str("}\n");
        let tfvars = tfvars.map(|t| format!("x = {t}\n"));
        let mut files = vec![("variables.tf", decl.as_str())];
        if let Some(t) = &tfvars {
            files.push(("terraform.tfvars", t.as_str()));
        }
        let m = module(&files);
        let got = outcome(eval_in(&m, src));
        let label = format!(
            "type = {ty}, default = {default:?}, tfvars = {:?}, nullable = {nullable:?}: {src}",
            tfvars.as_deref().map(str::trim)
        );
        judge(&label, &got, expect, want, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} of {} variable cases differ from terraform console:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
}

/// Differential testing against `terraform console`: evaluates every line of the file named
/// by `KMSLINT_EXPRESSIONS` in the [`super::console`] base module and writes one rendered
/// result per line to `KMSLINT_RESULTS` (`oracle/fuzz.py` compares them with Terraform's).
#[test]
#[ignore]
fn evaluate_expressions_from_file() {
    let (Ok(input), Ok(output)) = (
        std::env::var("KMSLINT_EXPRESSIONS"),
        std::env::var("KMSLINT_RESULTS"),
    ) else {
        return;
    };
    let base = std::fs::read_to_string(std::env::var("KMSLINT_BASE").unwrap()).unwrap();
    let m = module(&[("main.tf", &base)]);
    let text = std::fs::read_to_string(input).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let got = match parse_hcl(&format!("x = {line}\n"), 0) {
            Ok(body) => outcome(Scope::new(&m).eval(&body.attribute("x").unwrap().expr)),
            Err(_) => "ParseError".to_string(),
        };
        out.push_str(&got);
        out.push('\n');
    }
    std::fs::write(output, out).unwrap();
}
