//! Unit tests for the expression evaluator: values, Terraform's variable precedence, locals,
//! operators, functions, provenance and robustness against pathological input.

use std::path::PathBuf;
use std::sync::Arc;

use super::*;
use crate::hcl::{parse_file, parse_hcl, parse_tfvars};
use crate::model::{file_role, FileRole, Module};
use crate::source::{SourceFile, Syntax};
use crate::syntax::{Body, Expr};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const DIR: &str = "/kmslint-test-module";

fn source(name: &str, text: &str) -> FileRef {
    let syntax = if name.ends_with(".json") {
        Syntax::Json
    } else {
        Syntax::Hcl
    };
    Arc::new(SourceFile::new(
        PathBuf::from(DIR).join(name),
        name.to_string(),
        text.to_string(),
        syntax,
    ))
}

/// Builds a module from `(file name, text)`; a `None` text is a file that failed to parse.
fn build(files: &[(&str, Option<&str>)]) -> Module {
    let parsed = files
        .iter()
        .map(|&(name, text)| {
            let role = file_role(name);
            let file = source(name, text.unwrap_or(""));
            let body: Option<Body> = text.map(|_| {
                let result = match role {
                    FileRole::Config => parse_file(&file),
                    FileRole::AutoTfvars(_) | FileRole::OtherTfvars => parse_tfvars(&file),
                };
                result.unwrap_or_else(|e| panic!("test file {name} does not parse: {e:?}"))
            });
            (file, role, body)
        })
        .collect();
    Module::build(PathBuf::from(DIR), parsed, Vec::new())
}

fn module(files: &[(&str, &str)]) -> Module {
    let files: Vec<(&str, Option<&str>)> = files.iter().map(|&(n, t)| (n, Some(t))).collect();
    build(&files)
}

/// Parses one expression, written as the value of an attribute.
fn expr(src: &str) -> Expr {
    let body = parse_hcl(&format!("x = {src}\n"), 0)
        .unwrap_or_else(|e| panic!("expression `{src}` does not parse: {e:?}"));
    body.attribute("x").expect("attribute x").expr.clone()
}

fn eval_in(module: &Module, src: &str) -> EvalResult {
    Scope::new(module).eval(&expr(src))
}

fn eval(files: &[(&str, &str)], src: &str) -> EvalResult {
    eval_in(&module(files), src)
}

/// The value without any origin, recursively, so that it can be compared with literals.
fn plain(v: &Value) -> Value {
    let kind = match &v.kind {
        ValueKind::List(items) => ValueKind::List(items.iter().map(plain).collect()),
        ValueKind::Object(items) => {
            ValueKind::Object(items.iter().map(|(k, v)| (k.clone(), plain(v))).collect())
        }
        other => other.clone(),
    };
    Value::new(kind)
}

fn kind_in(module: &Module, src: &str) -> ValueKind {
    match eval_in(module, src) {
        Ok(v) => plain(&v).kind,
        Err(e) => panic!("`{src}` failed to evaluate: {}", e.message),
    }
}

/// Evaluates `src` in a module made of `files` and returns its kind, origins stripped.
fn kind(files: &[(&str, &str)], src: &str) -> ValueKind {
    kind_in(&module(files), src)
}

/// Evaluates an expression that needs no module.
fn k(src: &str) -> ValueKind {
    kind(&[], src)
}

fn n(x: f64) -> Value {
    Value::new(ValueKind::Number(x))
}

fn s(x: &str) -> Value {
    Value::new(ValueKind::String(x.to_string()))
}

fn b(x: bool) -> Value {
    Value::new(ValueKind::Bool(x))
}

fn null() -> Value {
    Value::new(ValueKind::Null)
}

fn list(items: Vec<Value>) -> ValueKind {
    ValueKind::List(items)
}

fn obj(items: Vec<(&str, Value)>) -> ValueKind {
    ValueKind::Object(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn num(x: f64) -> ValueKind {
    ValueKind::Number(x)
}

fn string(x: &str) -> ValueKind {
    ValueKind::String(x.to_string())
}

fn boolean(x: bool) -> ValueKind {
    ValueKind::Bool(x)
}

/// The span of the only occurrence of `needle` in `text`.
fn span_of(text: &str, needle: &str) -> Span {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "`{needle}` must occur exactly once in the test text"
    );
    let start = text.find(needle).unwrap();
    start..start + needle.len()
}

fn origin_of(v: &Value) -> &Origin {
    v.origin.as_deref().expect("the value has an origin")
}

/// A variable declared without a default: its value is unknown.
const UNKNOWN: (&str, &str) = ("unknown.tf", "variable \"u\" {}\n");

// ---------------------------------------------------------------------------------------------
// Literals, templates, heredocs
// ---------------------------------------------------------------------------------------------

#[test]
fn literal_bools() {
    assert_eq!(k("true"), boolean(true));
    assert_eq!(k("false"), boolean(false));
}

#[test]
fn literal_numbers() {
    assert_eq!(k("42"), num(42.0));
    assert_eq!(k("1.5"), num(1.5));
    assert_eq!(k("-3"), num(-3.0));
    assert_eq!(k("1e3"), num(1000.0));
}

#[test]
fn literal_strings() {
    assert_eq!(k("\"hello\""), string("hello"));
    assert_eq!(k("\"\""), string(""));
    assert_eq!(k("\"a\\nb\""), string("a\nb"));
}

#[test]
fn literal_null() {
    assert_eq!(k("null"), ValueKind::Null);
}

#[test]
fn literal_list() {
    assert_eq!(
        k("[1, \"a\", true, null]"),
        list(vec![n(1.0), s("a"), b(true), null()])
    );
    assert_eq!(k("[]"), list(vec![]));
    assert_eq!(
        k("[[1], []]"),
        list(vec![
            Value::new(list(vec![n(1.0)])),
            Value::new(list(vec![]))
        ])
    );
}

#[test]
fn literal_object() {
    assert_eq!(
        k("{ a = 1, \"b\" = \"x\", c = { d = false } }"),
        obj(vec![
            ("a", n(1.0)),
            ("b", s("x")),
            ("c", Value::new(obj(vec![("d", b(false))]))),
        ])
    );
    assert_eq!(k("{}"), obj(vec![]));
}

#[test]
fn literal_object_with_expression_key() {
    let files = [("main.tf", "variable \"k\" { default = \"name\" }\n")];
    assert_eq!(kind(&files, "{ (var.k) = 1 }"), obj(vec![("name", n(1.0))]));
    assert_eq!(kind(&[UNKNOWN], "{ (var.u) = 1 }"), ValueKind::Unknown);
}

#[test]
fn values_written_in_the_expression_are_plain() {
    // No origin anywhere, so the raw result equals the expected value exactly.
    let v = eval(&[], "[1, { a = true }]").unwrap();
    assert_eq!(
        v,
        Value::new(list(vec![n(1.0), Value::new(obj(vec![("a", b(true))]))]))
    );
}

#[test]
fn template_with_known_interpolation() {
    let files = [("main.tf", "variable \"x\" { default = \"b\" }\n")];
    assert_eq!(kind(&files, "\"a-${var.x}\""), string("a-b"));
    assert_eq!(kind(&files, "\"${var.x}-${var.x}!\""), string("b-b!"));
}

#[test]
fn template_converts_numbers_and_bools() {
    assert_eq!(k("\"n-${1}-${1.5}-${true}\""), string("n-1-1.5-true"));
}

#[test]
fn template_single_interpolation_keeps_the_type() {
    // `"${x}"` is the raw value of x (HCL's interpolation unwrapping).
    assert_eq!(k("\"${true}\""), boolean(true));
    assert_eq!(k("\"${[1]}\""), list(vec![n(1.0)]));
}

#[test]
fn template_with_unknown_interpolation_is_unknown() {
    assert_eq!(kind(&[UNKNOWN], "\"a-${var.u}\""), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "\"a-${var.u}-${1}\""), ValueKind::Unknown);
    assert_eq!(k("\"arn:${aws_kms_key.k.arn}\""), ValueKind::Unknown);
}

#[test]
fn template_directives() {
    // Checked with terraform console 1.11.4.
    assert_eq!(k("\"%{if true}yes%{endif}\""), string("yes"));
    assert_eq!(k("\"%{if false}yes%{else}no%{endif}\""), string("no"));
    assert_eq!(k("\"%{for x in [1, 2]}${x},%{endfor}\""), string("1,2,"));
    assert_eq!(
        k("\"%{for k, v in {b = 2, a = 1}}${k}=${v};%{endfor}\""),
        string("a=1;b=2;")
    );
    assert_eq!(
        kind(&[UNKNOWN], "\"%{if var.u}yes%{endif}\""),
        ValueKind::Unknown
    );
    assert!(eval(&[], "\"%{if null}yes%{endif}\"").is_err());
    assert!(eval(&[], "\"%{if 1}yes%{endif}\"").is_err());
}

#[test]
fn template_interpolating_null_or_a_list_is_an_error() {
    assert!(eval(&[], "\"a-${null}\"").is_err());
    assert!(eval(&[], "\"a-${[1]}\"").is_err());
}

#[test]
fn heredoc() {
    assert_eq!(k("<<EOT\nhello\nworld\nEOT"), string("hello\nworld\n"));
}

#[test]
fn heredoc_with_interpolation() {
    let files = [("main.tf", "variable \"x\" { default = \"b\" }\n")];
    assert_eq!(kind(&files, "<<EOT\nkey-${var.x}\nEOT"), string("key-b\n"));
    assert_eq!(
        kind(&[UNKNOWN], "<<EOT\nkey-${var.u}\nEOT"),
        ValueKind::Unknown
    );
}

#[test]
fn indented_heredoc_is_dedented() {
    assert_eq!(k("<<-EOT\n    a\n      b\n    EOT"), string("a\n  b\n"));
}

// ---------------------------------------------------------------------------------------------
// Variables and tfvars precedence
// ---------------------------------------------------------------------------------------------

const VARS: &str = "variable \"x\" {\n  default = false\n}\n\nvariable \"y\" {\n  default = \"dflt\"\n}\n\nvariable \"req\" {\n  type = string\n}\n";

#[test]
fn variable_with_default() {
    let files = [("variables.tf", VARS)];
    assert_eq!(kind(&files, "var.x"), boolean(false));
    assert_eq!(kind(&files, "var.y"), string("dflt"));
}

#[test]
fn variable_with_null_default_is_null() {
    let files = [("variables.tf", "variable \"x\" {\n  default = null\n}\n")];
    assert_eq!(kind(&files, "var.x"), ValueKind::Null);
}

#[test]
fn variable_with_object_default_and_access() {
    let files = [(
        "variables.tf",
        "variable \"o\" {\n  default = { kms = { rotate = true }, ids = [\"a\", \"b\"] }\n}\n",
    )];
    assert_eq!(kind(&files, "var.o.kms.rotate"), boolean(true));
    assert_eq!(kind(&files, "var.o.ids[1]"), string("b"));
    assert_eq!(kind(&files, "var.o[\"kms\"][\"rotate\"]"), boolean(true));
}

#[test]
fn variable_without_default_is_unknown() {
    let files = [("variables.tf", VARS)];
    assert_eq!(kind(&files, "var.req"), ValueKind::Unknown);
    assert_eq!(kind(&files, "var.req.anything[0]"), ValueKind::Unknown);
}

#[test]
fn undeclared_variable_is_unknown() {
    let files = [("variables.tf", VARS)];
    assert_eq!(kind(&files, "var.nope"), ValueKind::Unknown);
    assert_eq!(kind(&[], "var.nope"), ValueKind::Unknown);
}

#[test]
fn tfvars_value_for_undeclared_variable_is_ignored() {
    let files = [
        ("variables.tf", VARS),
        ("terraform.tfvars", "nope = true\n"),
    ];
    assert_eq!(kind(&files, "var.nope"), ValueKind::Unknown);
}

#[test]
fn terraform_tfvars_overrides_default() {
    let files = [("variables.tf", VARS), ("terraform.tfvars", "x = true\n")];
    assert_eq!(kind(&files, "var.x"), boolean(true));
    // Variables it does not set keep their default.
    assert_eq!(kind(&files, "var.y"), string("dflt"));
}

#[test]
fn terraform_tfvars_gives_a_required_variable_its_value() {
    let files = [
        ("variables.tf", VARS),
        ("terraform.tfvars", "req = \"r\"\n"),
    ];
    assert_eq!(kind(&files, "var.req"), string("r"));
}

#[test]
fn terraform_tfvars_json_beats_terraform_tfvars() {
    // Listed first on purpose: precedence does not depend on the order files are found in.
    let files = [
        ("variables.tf", VARS),
        ("terraform.tfvars.json", "{\"y\": \"json\"}"),
        ("terraform.tfvars", "y = \"hcl\"\nx = true\n"),
    ];
    assert_eq!(kind(&files, "var.y"), string("json"));
    assert_eq!(kind(&files, "var.x"), boolean(true));
}

#[test]
fn auto_tfvars_beat_terraform_tfvars_and_json() {
    // `a.auto.tfvars` sorts before `terraform.tfvars*` by name but still wins.
    let files = [
        ("a.auto.tfvars", "y = \"auto\"\n"),
        ("variables.tf", VARS),
        ("terraform.tfvars", "y = \"hcl\"\n"),
        ("terraform.tfvars.json", "{\"y\": \"json\", \"x\": true}"),
    ];
    assert_eq!(kind(&files, "var.y"), string("auto"));
    assert_eq!(kind(&files, "var.x"), boolean(true));
}

#[test]
fn auto_tfvars_apply_in_lexical_order() {
    let files = [
        ("variables.tf", VARS),
        ("b.auto.tfvars", "y = \"b\"\n"),
        ("a.auto.tfvars", "y = \"a\"\nx = true\n"),
    ];
    assert_eq!(kind(&files, "var.y"), string("b"));
    assert_eq!(kind(&files, "var.x"), boolean(true));
}

#[test]
fn auto_tfvars_json_files_share_the_lexical_order() {
    let files = [
        ("variables.tf", VARS),
        ("b.auto.tfvars", "y = \"b\"\n"),
        ("a.auto.tfvars.json", "{\"y\": \"a-json\"}"),
    ];
    assert_eq!(kind(&files, "var.y"), string("b"));
    let files = [
        ("variables.tf", VARS),
        ("a.auto.tfvars.json", "{\"y\": \"a-json\"}"),
        ("a.auto.tfvars", "y = \"a\"\n"),
    ];
    assert_eq!(kind(&files, "var.y"), string("a-json"));
}

#[test]
fn tfvars_map_values_replace_and_do_not_merge() {
    let files = [
        (
            "variables.tf",
            "variable \"m\" {\n  default = { a = 0 }\n}\n",
        ),
        ("terraform.tfvars", "m = { a = 1 }\n"),
        ("z.auto.tfvars", "m = { b = 2 }\n"),
    ];
    assert_eq!(kind(&files, "var.m"), obj(vec![("b", n(2.0))]));
}

#[test]
fn auto_tfvars_that_failed_to_parse_makes_every_variable_unknown() {
    let m = build(&[
        ("variables.tf", Some(VARS)),
        ("terraform.tfvars", Some("y = \"hcl\"\n")),
        ("broken.auto.tfvars", None),
    ]);
    assert!(m.tfvars_incomplete);
    assert_eq!(kind_in(&m, "var.x"), ValueKind::Unknown);
    assert_eq!(kind_in(&m, "var.y"), ValueKind::Unknown);
    assert_eq!(kind_in(&m, "var.req"), ValueKind::Unknown);
}

#[test]
fn terraform_tfvars_that_failed_to_parse_makes_every_variable_unknown() {
    let m = build(&[("variables.tf", Some(VARS)), ("terraform.tfvars", None)]);
    assert_eq!(kind_in(&m, "var.x"), ValueKind::Unknown);
    assert_eq!(kind_in(&m, "var.y"), ValueKind::Unknown);
}

#[test]
fn non_auto_tfvars_is_not_applied() {
    let files = [
        ("variables.tf", VARS),
        ("prod.tfvars", "x = true\ny = \"prod\"\n"),
    ];
    assert_eq!(kind(&files, "var.x"), boolean(false));
    assert_eq!(kind(&files, "var.y"), string("dflt"));
    let files = [
        ("variables.tf", VARS),
        ("prod.tfvars.json", "{\"x\": true}"),
    ];
    assert_eq!(kind(&files, "var.x"), boolean(false));
}

#[test]
fn non_auto_tfvars_that_failed_to_parse_changes_nothing() {
    let m = build(&[("variables.tf", Some(VARS)), ("prod.tfvars", None)]);
    assert!(!m.tfvars_incomplete);
    assert_eq!(kind_in(&m, "var.x"), boolean(false));
}

#[test]

fn tfvars_value_is_converted_to_the_declared_type() {
    // Terraform converts every input value to the variable's type constraint, so a bool
    // variable set to "false" is the bool false and `var.rotate == false` is true.
    let files = [
        (
            "variables.tf",
            "variable \"rotate\" {\n  type = bool\n}\n\nvariable \"n\" {\n  type    = number\n  default = \"3\"\n}\n",
        ),
        ("terraform.tfvars", "rotate = \"false\"\n"),
    ];
    assert_eq!(kind(&files, "var.rotate"), boolean(false));
    assert_eq!(kind(&files, "var.rotate == false"), boolean(true));
    assert_eq!(kind(&files, "var.n == 3"), boolean(true));
}

// ---------------------------------------------------------------------------------------------
// Locals
// ---------------------------------------------------------------------------------------------

const LOCALS: &str = r#"
variable "x" {
  default = false
}

locals {
  a     = local.b
  b     = local.c
  c     = "end"
  cfg   = { kms = { rotate = false, days = 90 } }
  list  = ["zero", "one", "two"]
  map   = { k = "v", "with space" = 1 }
  o     = { a = 1 }
  lists = [[1], [2, 3]]
  from  = var.x
  key   = "k"
}
"#;

#[test]
fn local_chain() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "local.c"), string("end"));
    assert_eq!(kind(&files, "local.a"), string("end"));
}

#[test]
fn local_chain_evaluated_in_any_order_in_one_scope() {
    let m = module(&[("main.tf", LOCALS)]);
    let scope = Scope::new(&m);
    for src in ["local.c", "local.a", "local.b", "local.a"] {
        assert_eq!(plain(&scope.eval(&expr(src)).unwrap()).kind, string("end"));
    }
}

#[test]
fn local_nested_object_access() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "local.cfg.kms.rotate"), boolean(false));
    assert_eq!(kind(&files, "local.cfg.kms.days"), num(90.0));
    assert_eq!(kind(&files, "local.cfg[\"kms\"].rotate"), boolean(false));
}

#[test]
fn local_list_index() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "local.list[1]"), string("one"));
    assert_eq!(kind(&files, "local.list[0]"), string("zero"));
    assert_eq!(kind(&files, "local.list.2"), string("two"));
    // A string index is converted to a number, as Terraform does.
    assert_eq!(kind(&files, "local.list[\"1\"]"), string("one"));
}

#[test]
fn local_list_index_out_of_range_is_an_error() {
    let files = [("main.tf", LOCALS)];
    assert!(eval(&files, "local.list[3]").is_err());
    assert!(eval(&files, "local.list[-1]").is_err());
    assert!(eval(&files, "local.list[0.5]").is_err());
}

#[test]
fn local_list_with_unknown_index_is_unknown() {
    let files = [("main.tf", LOCALS), UNKNOWN];
    assert_eq!(kind(&files, "local.list[var.u]"), ValueKind::Unknown);
}

#[test]
fn local_map_index() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "local.map[\"k\"]"), string("v"));
    assert_eq!(kind(&files, "local.map[\"with space\"]"), num(1.0));
    assert_eq!(kind(&files, "local.map[local.key]"), string("v"));
    assert_eq!(kind(&files, "local.map.k"), string("v"));
}

#[test]
fn local_whole_values() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(
        kind(&files, "local.list"),
        list(vec![s("zero"), s("one"), s("two")])
    );
    assert_eq!(kind(&files, "local.o"), obj(vec![("a", n(1.0))]));
    assert_eq!(kind(&files, "local.from"), boolean(false));
}

#[test]
fn local_cycle_is_unknown() {
    let files = [("main.tf", "locals {\n  a = local.b\n  b = local.a\n}\n")];
    let m = module(&files);
    assert_eq!(kind_in(&m, "local.a"), ValueKind::Unknown);
    assert_eq!(kind_in(&m, "local.b"), ValueKind::Unknown);
    // Both in one scope, in turn.
    let scope = Scope::new(&m);
    assert_eq!(
        scope.eval(&expr("local.a")).unwrap().kind,
        ValueKind::Unknown
    );
    assert_eq!(
        scope.eval(&expr("local.b")).unwrap().kind,
        ValueKind::Unknown
    );
}

#[test]
fn local_self_reference_is_unknown() {
    let files = [(
        "main.tf",
        "locals {\n  a = local.a\n  b = [local.b, 1]\n  c = local.c ? 1 : 2\n}\n",
    )];
    assert_eq!(kind(&files, "local.a"), ValueKind::Unknown);
    assert_eq!(
        kind(&files, "local.b"),
        list(vec![Value::unknown(), n(1.0)])
    );
    assert_eq!(kind(&files, "local.c"), ValueKind::Unknown);
}

#[test]
fn undeclared_local_is_unknown() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "local.nope"), ValueKind::Unknown);
}

#[test]
fn local_missing_attribute_is_an_error() {
    let files = [("main.tf", LOCALS)];
    assert!(eval(&files, "local.o.missing").is_err());
    assert!(eval(&files, "local.cfg.kms.missing").is_err());
    assert!(eval(&files, "local.map[\"missing\"]").is_err());
}

#[test]
fn attribute_of_null_or_scalar_is_an_error() {
    assert!(eval(&[], "null.a").is_err());
    let files = [("main.tf", LOCALS)];
    assert!(eval(&files, "local.c.a").is_err());
}

#[test]
fn try_catches_a_missing_attribute() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "try(local.o.missing, false)"), boolean(false));
    assert_eq!(kind(&files, "try(local.o.a, false)"), num(1.0));
    assert_eq!(
        kind(&files, "try(local.o.missing, local.cfg.nope, \"third\")"),
        string("third")
    );
}

#[test]
fn can_observes_a_missing_attribute() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "can(local.o.missing)"), boolean(false));
    assert_eq!(kind(&files, "can(local.o.a)"), boolean(true));
}

#[test]
fn eval_or_unknown_maps_errors_to_unknown() {
    let m = module(&[("main.tf", LOCALS)]);
    let scope = Scope::new(&m);
    assert!(scope.eval_or_unknown(&expr("local.o.missing")).is_unknown());
    assert_eq!(
        plain(&scope.eval_or_unknown(&expr("local.o.a"))).kind,
        num(1.0)
    );
}

// ---------------------------------------------------------------------------------------------
// References that need Terraform to run
// ---------------------------------------------------------------------------------------------

#[test]
fn resource_references_are_unknown() {
    let files = [(
        "main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n",
    )];
    assert_eq!(kind(&files, "aws_kms_key.k.arn"), ValueKind::Unknown);
    // Even an argument written in the configuration is not read through a reference.
    assert_eq!(
        kind(&files, "aws_kms_key.k.enable_key_rotation"),
        ValueKind::Unknown
    );
    assert_eq!(kind(&files, "aws_kms_key.k[0].arn"), ValueKind::Unknown);
    assert_eq!(kind(&files, "aws_kms_key.k"), ValueKind::Unknown);
}

#[test]
fn data_source_references_are_unknown() {
    assert_eq!(
        k("data.aws_caller_identity.current.account_id"),
        ValueKind::Unknown
    );
}

#[test]
fn module_output_references_are_unknown() {
    assert_eq!(k("module.kms.key_arn"), ValueKind::Unknown);
}

#[test]
fn path_terraform_self_references_are_unknown() {
    assert_eq!(k("path.module"), ValueKind::Unknown);
    assert_eq!(k("path.root"), ValueKind::Unknown);
    assert_eq!(k("terraform.workspace"), ValueKind::Unknown);
    assert_eq!(k("self.arn"), ValueKind::Unknown);
}

#[test]
fn count_and_each_references_are_unknown() {
    assert_eq!(k("count.index"), ValueKind::Unknown);
    assert_eq!(k("each.key"), ValueKind::Unknown);
    assert_eq!(k("each.value.rotate"), ValueKind::Unknown);
}

#[test]
fn bare_roots_are_unknown() {
    assert_eq!(k("var"), ValueKind::Unknown);
    assert_eq!(k("local"), ValueKind::Unknown);
}

#[test]
fn unknown_propagates_through_access() {
    assert_eq!(k("aws_kms_key.k.tags[\"a\"].b"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "var.u.a[0].b"), ValueKind::Unknown);
}

// Splats and `for` expressions were unknown before issue 10; they are evaluated now (see
// `tests/for_expr.rs` and `tests/splat.rs`). What stays unknown: over an unknown value.

#[test]
fn splat_is_unknown() {
    let files = [("main.tf", LOCALS), UNKNOWN];
    assert_eq!(kind(&files, "var.u[*]"), ValueKind::Unknown);
}

#[test]
fn for_expression_is_unknown() {
    assert_eq!(kind(&[UNKNOWN], "[for v in var.u : v]"), ValueKind::Unknown);
}

// ---------------------------------------------------------------------------------------------
// Conditionals and operators
// ---------------------------------------------------------------------------------------------

#[test]
fn conditional_with_known_condition() {
    assert_eq!(k("true ? \"a\" : \"b\""), string("a"));
    assert_eq!(k("false ? \"a\" : \"b\""), string("b"));
    let files = [("variables.tf", VARS)];
    assert_eq!(kind(&files, "var.x ? 1 : 2"), num(2.0));
    assert_eq!(kind(&files, "var.y == \"dflt\" ? 1 : 2"), num(1.0));
}

#[test]
fn conditional_only_evaluates_the_chosen_branch() {
    let files = [("main.tf", LOCALS), UNKNOWN];
    assert_eq!(kind(&files, "true ? 1 : var.u"), num(1.0));
    assert_eq!(kind(&files, "false ? var.u : 2"), num(2.0));
}

#[test]
fn conditional_with_unknown_condition_and_equal_branches() {
    // Unknown, as in Terraform's plan (fixtures/oracle/unknown-computed, `same_branches`),
    // although the console answers the branches' common value.
    let files = [UNKNOWN];
    assert_eq!(kind(&files, "var.u ? true : true"), ValueKind::Unknown);
    assert_eq!(
        kind(&files, "var.u ? \"same\" : \"same\""),
        ValueKind::Unknown
    );
}

#[test]
fn conditional_with_unknown_condition_and_different_branches() {
    let files = [UNKNOWN];
    assert_eq!(kind(&files, "var.u ? true : false"), ValueKind::Unknown);
    assert_eq!(kind(&files, "var.u ? 1 : \"1\""), ValueKind::Unknown);
    assert_eq!(kind(&files, "var.u ? 1 : var.u"), ValueKind::Unknown);
}

#[test]
fn conditional_on_string_bool() {
    assert_eq!(k("\"true\" ? 1 : 2"), num(1.0));
    assert_eq!(k("\"false\" ? 1 : 2"), num(2.0));
}

#[test]
fn conditional_on_a_non_bool_is_an_error() {
    assert!(eval(&[], "1 ? 1 : 2").is_err());
    assert!(eval(&[], "\"yes\" ? 1 : 2").is_err());
}

#[test]
fn not_operator() {
    assert_eq!(k("!true"), boolean(false));
    assert_eq!(k("!false"), boolean(true));
    assert_eq!(k("!!true"), boolean(true));
    assert_eq!(k("!\"false\""), boolean(true));
    assert_eq!(kind(&[UNKNOWN], "!var.u"), ValueKind::Unknown);
    assert!(eval(&[], "!1").is_err());
}

#[test]
fn and_or_with_known_operands() {
    assert_eq!(k("true && true"), boolean(true));
    assert_eq!(k("true && false"), boolean(false));
    assert_eq!(k("false || true"), boolean(true));
    assert_eq!(k("false || false"), boolean(false));
}

/// Terraform does not short-circuit: both operands are evaluated, and an unknown one makes
/// `&&` / `||` unknown (confirmed by a real plan: fixtures/oracle/unknown-computed, where
/// `false && aws_kms_key.base.arn != ""` and `true || ...` are "known after apply").
#[test]
fn and_or_do_not_short_circuit() {
    assert_eq!(kind(&[UNKNOWN], "false && var.u"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "true || var.u"), ValueKind::Unknown);
    // The right operand is evaluated: its error is the result's.
    let files = [("main.tf", LOCALS)];
    assert!(eval(&files, "false && local.o.missing").is_err());
    assert!(eval(&files, "true || local.o.missing").is_err());
}

#[test]
fn unknown_left_operand_of_and_or() {
    assert_eq!(kind(&[UNKNOWN], "var.u && true"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "var.u || false"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "true && var.u"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "false || var.u"), ValueKind::Unknown);
    // Even when the other operand decides it: Terraform's plan says unknown.
    assert_eq!(kind(&[UNKNOWN], "var.u && false"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "var.u || true"), ValueKind::Unknown);
}

#[test]
fn and_or_need_bools() {
    assert!(eval(&[], "1 && true").is_err());
    assert!(eval(&[], "true && 1").is_err());
    assert_eq!(k("\"true\" && true"), boolean(true));
}

#[test]
fn comparisons() {
    assert_eq!(k("1 < 2"), boolean(true));
    assert_eq!(k("2 < 2"), boolean(false));
    assert_eq!(k("2 <= 2"), boolean(true));
    assert_eq!(k("3 > 2"), boolean(true));
    assert_eq!(k("2 >= 3"), boolean(false));
    assert_eq!(k("\"10\" > 9"), boolean(true));
    assert_eq!(kind(&[UNKNOWN], "var.u < 3"), ValueKind::Unknown);
    assert!(eval(&[], "\"a\" < 1").is_err());
}

#[test]
fn arithmetic() {
    assert_eq!(k("1 + 2 * 3"), num(7.0));
    assert_eq!(k("(1 + 2) * 3"), num(9.0));
    assert_eq!(k("10 - 4"), num(6.0));
    assert_eq!(k("10 / 4"), num(2.5));
    assert_eq!(k("7 % 3"), num(1.0));
    assert_eq!(k("-(2 + 3)"), num(-5.0));
    assert_eq!(k("\"1\" + 1"), num(2.0));
    assert_eq!(kind(&[UNKNOWN], "var.u + 1"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "-var.u"), ValueKind::Unknown);
}

#[test]
fn division_by_zero_is_an_error() {
    assert!(eval(&[], "1 / 0").is_err());
    assert!(eval(&[], "1 % 0").is_err());
}

#[test]
fn equality() {
    assert_eq!(k("1 == 1"), boolean(true));
    assert_eq!(k("1 != 1"), boolean(false));
    assert_eq!(k("\"a\" == \"a\""), boolean(true));
    assert_eq!(k("\"a\" != \"b\""), boolean(true));
    assert_eq!(k("null == null"), boolean(true));
    assert_eq!(k("null == \"a\""), boolean(false));
    assert_eq!(k("[1, 2] == [1, 2]"), boolean(true));
    assert_eq!(k("[1, 2] == [1]"), boolean(false));
    assert_eq!(k("{ a = 1 } == { a = 1 }"), boolean(true));
    assert_eq!(k("{ a = 1 } == { a = 2 }"), boolean(false));
    assert_eq!(kind(&[UNKNOWN], "var.u == 1"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "[var.u, 1] == [2, 2]"), boolean(false));
}

#[test]
fn equality_compares_types() {
    assert_eq!(k("\"true\" == true"), boolean(false));
    assert_eq!(k("true == \"true\""), boolean(false));
    assert_eq!(k("\"true\" != true"), boolean(true));
    assert_eq!(k("1 == \"1\""), boolean(false));
}

#[test]

fn equality_of_objects_with_different_keys_is_false() {
    // `Value::equals` does `other.get(k)?` and so answers "unknown" for a missing key.
    assert_eq!(k("{ a = 1 } == { b = 1 }"), boolean(false));
    assert_eq!(k("{ a = 1 } != { b = 1 }"), boolean(true));
    assert_eq!(
        kind(&[UNKNOWN], "var.u ? { a = 1 } : { b = 1 }"),
        ValueKind::Unknown
    );
}

#[test]
fn to_bool_accepts_bool_strings() {
    assert_eq!(s("true").to_bool(), Ok(Some(true)));
    assert_eq!(s("false").to_bool(), Ok(Some(false)));
    assert_eq!(b(true).to_bool(), Ok(Some(true)));
    assert_eq!(Value::unknown().to_bool(), Ok(None));
    assert!(s("yes").to_bool().is_err());
    assert!(n(1.0).to_bool().is_err());
    assert!(null().to_bool().is_err());
}

#[test]
fn to_str_and_to_number_conversions() {
    assert_eq!(n(1.0).to_str(), Ok(Some("1".to_string())));
    assert_eq!(n(1.5).to_str(), Ok(Some("1.5".to_string())));
    assert_eq!(b(false).to_str(), Ok(Some("false".to_string())));
    assert_eq!(s("12").to_number(), Ok(Some(12.0)));
    assert!(s("x").to_number().is_err());
    assert!(Value::new(list(vec![])).to_str().is_err());
}

#[test]
fn has_unknown_looks_inside_collections() {
    assert!(Value::new(list(vec![n(1.0), Value::unknown()])).has_unknown());
    assert!(Value::new(obj(vec![("a", Value::unknown())])).has_unknown());
    assert!(!Value::new(list(vec![n(1.0)])).has_unknown());
    assert!(!Value::new(list(vec![n(1.0)])).is_unknown());
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

#[test]
fn fn_tobool() {
    assert_eq!(k("tobool(true)"), boolean(true));
    assert_eq!(k("tobool(\"true\")"), boolean(true));
    assert_eq!(k("tobool(\"false\")"), boolean(false));
    assert_eq!(k("tobool(null)"), ValueKind::Null);
    assert_eq!(kind(&[UNKNOWN], "tobool(var.u)"), ValueKind::Unknown);
    assert!(eval(&[], "tobool(\"yes\")").is_err());
    assert!(eval(&[], "tobool(1)").is_err());
}

#[test]
fn fn_tostring() {
    assert_eq!(k("tostring(1)"), string("1"));
    assert_eq!(k("tostring(1.5)"), string("1.5"));
    assert_eq!(k("tostring(true)"), string("true"));
    assert_eq!(k("tostring(\"a\")"), string("a"));
    assert_eq!(k("tostring(null)"), ValueKind::Null);
    assert_eq!(kind(&[UNKNOWN], "tostring(var.u)"), ValueKind::Unknown);
    assert!(eval(&[], "tostring([1])").is_err());
}

#[test]
fn fn_tonumber() {
    assert_eq!(k("tonumber(\"5\")"), num(5.0));
    assert_eq!(k("tonumber(5)"), num(5.0));
    assert!(eval(&[], "tonumber(\"five\")").is_err());
}

#[test]
fn fn_lower_upper_trimspace() {
    assert_eq!(k("lower(\"AbC\")"), string("abc"));
    assert_eq!(k("upper(\"AbC\")"), string("ABC"));
    assert_eq!(k("trimspace(\"  a b \\n\")"), string("a b"));
    assert_eq!(kind(&[UNKNOWN], "lower(var.u)"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "upper(var.u)"), ValueKind::Unknown);
}

#[test]

fn fn_lower_upper_convert_primitives_to_string() {
    // Terraform converts arguments to the parameter type `string` first: lower(1) is "1".
    assert_eq!(k("lower(1)"), string("1"));
    assert_eq!(k("upper(true)"), string("TRUE"));
}

#[test]
fn fn_contains() {
    assert_eq!(k("contains([\"a\", \"b\"], \"a\")"), boolean(true));
    assert_eq!(k("contains([\"a\", \"b\"], \"c\")"), boolean(false));
    assert_eq!(k("contains([], \"c\")"), boolean(false));
    assert_eq!(k("contains([1, 2], 2)"), boolean(true));
}

#[test]
fn fn_contains_with_unknowns() {
    let files = [UNKNOWN];
    // An unknown element may or may not be the one looked for...
    assert_eq!(kind(&files, "contains([var.u], \"a\")"), ValueKind::Unknown);
    assert_eq!(
        kind(&files, "contains([\"b\", var.u], \"a\")"),
        ValueKind::Unknown
    );
    // ...unless a known element already matches.
    assert_eq!(
        kind(&files, "contains([var.u, \"a\"], \"a\")"),
        boolean(true)
    );
    assert_eq!(kind(&files, "contains([\"a\"], var.u)"), ValueKind::Unknown);
    assert_eq!(kind(&files, "contains(var.u, \"a\")"), ValueKind::Unknown);
    assert!(eval(&[], "contains(\"abc\", \"a\")").is_err());
}

#[test]
fn fn_concat() {
    assert_eq!(
        k("concat([1], [2, 3], [])"),
        list(vec![n(1.0), n(2.0), n(3.0)])
    );
    assert_eq!(kind(&[UNKNOWN], "concat([1], var.u)"), ValueKind::Unknown);
    assert!(eval(&[], "concat([1], 2)").is_err());
}

#[test]
fn fn_concat_with_expanded_argument() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(
        kind(&files, "concat(local.lists...)"),
        list(vec![n(1.0), n(2.0), n(3.0)])
    );
    assert_eq!(
        kind(&files, "concat([0], local.lists...)"),
        list(vec![n(0.0), n(1.0), n(2.0), n(3.0)])
    );
    assert_eq!(kind(&[UNKNOWN], "concat(var.u...)"), ValueKind::Unknown);
}

#[test]
fn fn_coalesce() {
    assert_eq!(k("coalesce(null, \"\", \"x\", \"y\")"), string("x"));
    assert_eq!(k("coalesce(\"a\", \"b\")"), string("a"));
    assert_eq!(k("coalesce(null, 1)"), num(1.0));
    assert_eq!(
        kind(&[UNKNOWN], "coalesce(null, var.u, \"x\")"),
        ValueKind::Unknown
    );
    assert!(eval(&[], "coalesce(null, \"\")").is_err());
}

#[test]
fn fn_length() {
    assert_eq!(k("length(\"abc\")"), num(3.0));
    assert_eq!(k("length(\"é🔑\")"), num(2.0));
    assert_eq!(k("length([1, 2])"), num(2.0));
    assert_eq!(k("length({ a = 1 })"), num(1.0));
    assert_eq!(k("length([])"), num(0.0));
    assert_eq!(kind(&[UNKNOWN], "length(var.u)"), ValueKind::Unknown);
    // The length of a list with unknown elements is still known.
    assert_eq!(kind(&[UNKNOWN], "length([var.u, 1])"), num(2.0));
    assert!(eval(&[], "length(1)").is_err());
}

#[test]

fn fn_length_counts_grapheme_clusters() {
    // The example of Terraform's documentation for `length`, and a combining accent.
    assert_eq!(k("length(\"\u{1F47E}\u{1F579}\u{FE0F}\")"), num(2.0));
    assert_eq!(k("length(\"e\u{301}\")"), num(1.0));
}

#[test]
fn fn_lookup() {
    assert_eq!(k("lookup({ a = 1, b = 2 }, \"b\")"), num(2.0));
    assert_eq!(k("lookup({ a = 1 }, \"a\", 0)"), num(1.0));
    assert_eq!(k("lookup({ a = 1 }, \"z\", 0)"), num(0.0));
    assert_eq!(
        kind(&[UNKNOWN], "lookup(var.u, \"a\", 0)"),
        ValueKind::Unknown
    );
    assert_eq!(
        kind(&[UNKNOWN], "lookup({ a = 1 }, var.u, 0)"),
        ValueKind::Unknown
    );
}

#[test]
fn fn_lookup_missing_key_without_default_is_an_error() {
    assert!(eval(&[], "lookup({ a = 1 }, \"z\")").is_err());
    assert_eq!(
        k("try(lookup({ a = 1 }, \"z\"), \"fallback\")"),
        string("fallback")
    );
    assert!(eval(&[], "lookup([1], \"a\", 0)").is_err());
}

#[test]
fn fn_merge() {
    assert_eq!(
        k("merge({ a = 1, b = 1 }, { b = 2 }, { c = 3 })"),
        obj(vec![("a", n(1.0)), ("b", n(2.0)), ("c", n(3.0))])
    );
    assert_eq!(k("merge({ a = 1 }, null)"), obj(vec![("a", n(1.0))]));
    assert_eq!(k("merge()"), obj(vec![]));
    assert_eq!(
        kind(&[UNKNOWN], "merge({ a = 1 }, var.u)"),
        ValueKind::Unknown
    );
    assert!(eval(&[], "merge({ a = 1 }, [1])").is_err());
}

#[test]
fn fn_merge_later_wins_for_lookup() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(kind(&files, "merge(local.o, { a = 2 }).a"), num(2.0));
    assert_eq!(kind(&files, "merge({ a = 2 }, local.o).a"), num(1.0));
}

#[test]
fn fn_toset_dedupes_and_sorts_strings() {
    assert_eq!(
        k("toset([\"b\", \"a\", \"b\", \"c\"])"),
        list(vec![s("a"), s("b"), s("c")])
    );
    assert_eq!(k("toset([])"), list(vec![]));
    assert_eq!(kind(&[UNKNOWN], "toset(var.u)"), ValueKind::Unknown);
    assert_eq!(
        kind(&[UNKNOWN], "toset([\"a\", var.u])"),
        ValueKind::Unknown
    );
}

#[test]

fn fn_toset_sorts_numbers_and_bools() {
    // cty's set ordering (`setRules.Less`): numbers by value, false before true.
    assert_eq!(k("toset([3, 1, 2, 1])"), list(vec![n(1.0), n(2.0), n(3.0)]));
    assert_eq!(k("toset([true, false])"), list(vec![b(false), b(true)]));
}

#[test]
fn fn_distinct_keeps_first_order() {
    assert_eq!(
        k("distinct([\"b\", \"a\", \"b\"])"),
        list(vec![s("b"), s("a")])
    );
}

#[test]
fn fn_tolist_and_tomap() {
    assert_eq!(k("tolist([\"b\", \"a\"])"), list(vec![s("b"), s("a")]));
    assert_eq!(k("tomap({ a = 1 })"), obj(vec![("a", n(1.0))]));
    assert_eq!(kind(&[UNKNOWN], "tolist(var.u)"), ValueKind::Unknown);
    assert!(eval(&[], "tolist(\"a\")").is_err());
}

#[test]
fn fn_try() {
    assert_eq!(k("try(1, 2)"), num(1.0));
    assert_eq!(k("try(null.a, 2)"), num(2.0));
    assert_eq!(kind(&[UNKNOWN], "try(var.u, 2)"), ValueKind::Unknown);
    assert_eq!(kind(&[UNKNOWN], "try([var.u], 2)"), ValueKind::Unknown);
    assert!(eval(&[], "try(null.a, null.b)").is_err());
}

#[test]
fn fn_can() {
    assert_eq!(k("can(1)"), boolean(true));
    assert_eq!(k("can(null.a)"), boolean(false));
    assert_eq!(k("can(tobool(\"yes\"))"), boolean(false));
    assert_eq!(kind(&[UNKNOWN], "can(var.u)"), ValueKind::Unknown);
}

#[test]
fn fn_keys_and_values() {
    assert_eq!(k("keys({ b = 1, a = 2 })"), list(vec![s("a"), s("b")]));
    assert_eq!(k("values({ b = 1, a = 2 })"), list(vec![n(2.0), n(1.0)]));
    assert_eq!(kind(&[UNKNOWN], "keys(var.u)"), ValueKind::Unknown);
    assert!(eval(&[], "keys([1])").is_err());
}

#[test]
fn fn_element() {
    assert_eq!(k("element([\"a\", \"b\", \"c\"], 1)"), string("b"));
    // The index wraps around.
    assert_eq!(k("element([\"a\", \"b\", \"c\"], 4)"), string("b"));
    assert_eq!(
        kind(&[UNKNOWN], "element([\"a\"], var.u)"),
        ValueKind::Unknown
    );
    assert_eq!(kind(&[UNKNOWN], "element(var.u, 0)"), ValueKind::Unknown);
    assert!(eval(&[], "element([], 0)").is_err());
}

#[test]
fn fn_compact() {
    assert_eq!(
        k("compact([\"a\", \"\", null, \"b\"])"),
        list(vec![s("a"), s("b")])
    );
    assert_eq!(
        kind(&[UNKNOWN], "compact([\"a\", var.u])"),
        ValueKind::Unknown
    );
}

#[test]
fn fn_flatten() {
    assert_eq!(
        k("flatten([[1, [2]], 3, []])"),
        list(vec![n(1.0), n(2.0), n(3.0)])
    );
    assert_eq!(
        kind(&[UNKNOWN], "flatten([[1], var.u])"),
        ValueKind::Unknown
    );
    assert!(eval(&[], "flatten(1)").is_err());
}

#[test]
fn fn_join() {
    assert_eq!(k("join(\",\", [\"a\", \"b\"])"), string("a,b"));
    assert_eq!(k("join(\"-\", [\"a\"], [\"b\", 1])"), string("a-b-1"));
    assert_eq!(k("join(\",\", [])"), string(""));
    assert_eq!(
        kind(&[UNKNOWN], "join(\",\", [\"a\", var.u])"),
        ValueKind::Unknown
    );
    assert!(eval(&[], "join(\",\")").is_err());
}

#[test]
fn unsupported_functions_are_unknown() {
    // (`jsonencode` was the example here until issue 10 made it supported.)
    assert_eq!(k("uuid()"), ValueKind::Unknown);
    assert_eq!(k("file(\"policy.json\")"), ValueKind::Unknown);
    assert_eq!(k("timestamp()"), ValueKind::Unknown);
    assert_eq!(k("provider::aws::arn_parse(\"x\")"), ValueKind::Unknown);
    // Even when an argument would fail.
    assert_eq!(k("filebase64(null.a)"), ValueKind::Unknown);
}

#[test]
fn function_arity_errors() {
    assert!(eval(&[], "tobool(true, false)").is_err());
    assert!(eval(&[], "length()").is_err());
    assert!(eval(&[], "can(1, 2)").is_err());
}

#[test]
fn nested_function_calls() {
    let files = [("main.tf", LOCALS)];
    assert_eq!(
        kind(&files, "contains(keys(merge(local.o, { z = 1 })), \"z\")"),
        boolean(true)
    );
    assert_eq!(
        kind(&files, "length(flatten(local.lists)) == 3"),
        boolean(true)
    );
}

#[test]
fn template_escapes_are_literal() {
    assert_eq!(k("\"$${var.x}\""), string("${var.x}"));
    assert_eq!(k("\"%%{if}\""), string("%{if}"));
}

// ---------------------------------------------------------------------------------------------
// JSON syntax
// ---------------------------------------------------------------------------------------------

#[test]
fn tfvars_json_strings_are_not_templates() {
    let files = [
        ("variables.tf", VARS),
        ("terraform.tfvars.json", "{\"y\": \"${var.x}\"}"),
    ];
    assert_eq!(kind(&files, "var.y"), string("${var.x}"));
}

#[test]
fn tfvars_json_values_of_every_type() {
    let files = [
        (
            "variables.tf",
            "variable \"a\" {}\nvariable \"b\" {}\nvariable \"c\" {}\nvariable \"d\" {}\n",
        ),
        (
            "terraform.tfvars.json",
            "{\"a\": 1.5, \"b\": [true, null], \"c\": {\"k\": \"v\"}, \"d\": false}",
        ),
    ];
    assert_eq!(kind(&files, "var.a"), num(1.5));
    assert_eq!(kind(&files, "var.b"), list(vec![b(true), null()]));
    assert_eq!(kind(&files, "var.c"), obj(vec![("k", s("v"))]));
    assert_eq!(kind(&files, "var.c.k"), string("v"));
    assert_eq!(kind(&files, "var.d"), boolean(false));
}

#[test]
fn json_configuration_variables_and_locals() {
    let json = r#"{
  "variable": {
    "x": { "default": false },
    "raw": { "default": "${not_a_template}" }
  },
  "locals": {
    "from_var": "${var.x}",
    "greeting": "hello-${var.raw}"
  }
}"#;
    let files = [("main.tf.json", json)];
    assert_eq!(kind(&files, "var.x"), boolean(false));
    // Variable defaults in JSON are literal values.
    assert_eq!(kind(&files, "var.raw"), string("${not_a_template}"));
    // Locals in JSON are expressions: `"${x}"` is the raw value of x.
    assert_eq!(kind(&files, "local.from_var"), boolean(false));
    assert_eq!(
        kind(&files, "local.greeting"),
        string("hello-${not_a_template}")
    );
    let m = module(&files);
    let v = eval_in(&m, "local.from_var").unwrap();
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::VariableDefault("x".to_string()));
    assert_eq!(o.span, span_of(json, "false"));
}

// ---------------------------------------------------------------------------------------------
// Provenance
// ---------------------------------------------------------------------------------------------

#[test]
fn origin_of_variable_default() {
    let m = module(&[("variables.tf", VARS)]);
    let v = eval_in(&m, "var.x").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::VariableDefault("x".to_string()));
    assert_eq!(o.file.path, PathBuf::from(DIR).join("variables.tf"));
    assert_eq!(o.span, span_of(VARS, "false"));
    assert_eq!(o.file.slice(&o.span), "false");
    assert_eq!(o.describe(), "variable `x` (its default)");
}

#[test]
fn origin_of_tfvars_value() {
    let tfvars = "# values\nx = true\n";
    let m = module(&[("variables.tf", VARS), ("terraform.tfvars", tfvars)]);
    let v = eval_in(&m, "var.x").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(true));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Tfvars("x".to_string()));
    assert_eq!(o.file.path, PathBuf::from(DIR).join("terraform.tfvars"));
    assert_eq!(o.span, span_of(tfvars, "true"));
    assert_eq!(o.describe(), "variable `x` (set in terraform.tfvars)");
}

#[test]
fn origin_of_winning_auto_tfvars_value() {
    let a = "x = false\n";
    let b = "\nx = true\n";
    let m = module(&[
        ("variables.tf", VARS),
        ("b.auto.tfvars", b),
        ("a.auto.tfvars", a),
    ]);
    let v = eval_in(&m, "var.x").unwrap();
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Tfvars("x".to_string()));
    assert_eq!(o.file.path, PathBuf::from(DIR).join("b.auto.tfvars"));
    assert_eq!(o.span, span_of(b, "true"));
}

#[test]
fn origin_of_tfvars_json_value() {
    let json = "{\n  \"x\": true\n}\n";
    let m = module(&[("variables.tf", VARS), ("terraform.tfvars.json", json)]);
    let v = eval_in(&m, "var.x").unwrap();
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Tfvars("x".to_string()));
    assert_eq!(
        o.file.path,
        PathBuf::from(DIR).join("terraform.tfvars.json")
    );
    assert_eq!(o.span, span_of(json, "true"));
}

#[test]
fn local_keeps_the_variable_origin() {
    let main = "locals {\n  a = var.x\n  b = local.a\n}\n";
    let m = module(&[("variables.tf", VARS), ("main.tf", main)]);
    for src in ["local.a", "local.b"] {
        let v = eval_in(&m, src).unwrap();
        assert_eq!(v.kind, ValueKind::Bool(false));
        let o = origin_of(&v);
        assert_eq!(o.kind, OriginKind::VariableDefault("x".to_string()));
        assert_eq!(o.file.path, PathBuf::from(DIR).join("variables.tf"));
        assert_eq!(o.span, span_of(VARS, "false"));
    }
}

#[test]
fn origin_of_a_local_literal() {
    let main = "locals {\n  rotate = false\n}\n";
    let m = module(&[("main.tf", main)]);
    let v = eval_in(&m, "local.rotate").unwrap();
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Local("rotate".to_string()));
    assert_eq!(o.file.path, PathBuf::from(DIR).join("main.tf"));
    assert_eq!(o.span, span_of(main, "false"));
    assert_eq!(o.describe(), "local `rotate`");
}

#[test]
fn origin_of_a_nested_local_value_is_the_inner_literal() {
    let main = "locals {\n  cfg = {\n    kms = { rotate = false, days = 90 }\n  }\n}\n";
    let m = module(&[("main.tf", main)]);
    let v = eval_in(&m, "local.cfg.kms.rotate").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Local("cfg".to_string()));
    assert_eq!(o.span, span_of(main, "false"));
    let days = eval_in(&m, "local.cfg[\"kms\"][\"days\"]").unwrap();
    assert_eq!(origin_of(&days).span, span_of(main, "90"));
}

#[test]
fn origin_of_a_nested_variable_default_is_the_inner_literal() {
    let vars = "variable \"o\" {\n  default = { kms = { rotate = false } }\n}\n";
    let m = module(&[("variables.tf", vars)]);
    let v = eval_in(&m, "var.o.kms.rotate").unwrap();
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::VariableDefault("o".to_string()));
    assert_eq!(o.span, span_of(vars, "false"));
}

#[test]
fn value_written_in_the_expression_has_no_origin() {
    for src in ["false", "\"a\"", "[1]", "{ a = true }", "1 + 1", "!true"] {
        let v = eval(&[("variables.tf", VARS)], src).unwrap();
        assert_eq!(v.origin, None, "`{src}` should have no origin");
    }
}

#[test]
fn comparison_keeps_the_origin_of_the_variable() {
    let vars = "variable \"env\" {\n  default = \"dev\"\n}\n";
    let m = module(&[("variables.tf", vars)]);
    let v = eval_in(&m, "var.env == \"prod\"").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::VariableDefault("env".to_string()));
    assert_eq!(o.span, span_of(vars, "\"dev\""));
    // Also with the variable on the right.
    let v = eval_in(&m, "\"prod\" == var.env").unwrap();
    assert_eq!(origin_of(&v).span, span_of(vars, "\"dev\""));
}

#[test]
fn conditional_result_takes_the_origin_of_a_known_condition() {
    let m = module(&[("variables.tf", VARS)]);
    let v = eval_in(&m, "var.x ? \"on\" : \"off\"").unwrap();
    assert_eq!(v.kind, string("off"));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::VariableDefault("x".to_string()));
    assert_eq!(o.span, span_of(VARS, "false"));
}

#[test]
fn not_keeps_the_origin() {
    let m = module(&[("variables.tf", VARS)]);
    let v = eval_in(&m, "!var.x").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(true));
    assert_eq!(origin_of(&v).span, span_of(VARS, "false"));
}

#[test]
fn function_result_keeps_the_origin_of_its_argument() {
    let tfvars = "y = \"TRUE\"\n";
    let m = module(&[("variables.tf", VARS), ("terraform.tfvars", tfvars)]);
    let v = eval_in(&m, "tobool(lower(var.y))").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(true));
    let o = origin_of(&v);
    assert_eq!(o.kind, OriginKind::Tfvars("y".to_string()));
    assert_eq!(o.span, span_of(tfvars, "\"TRUE\""));
}

// ---------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------

const DEPTH: usize = 300;

fn known_or_unknown(result: EvalResult, expected: ValueKind) {
    let v = result.expect("deep expressions evaluate without error");
    let v = plain(&v).kind;
    assert!(
        v == expected || v == ValueKind::Unknown,
        "expected {expected:?} or Unknown, got {v:?}"
    );
}

/// An expression built directly, with an empty span: the parser caps nesting at 64 levels,
/// so deeper trees can only reach the evaluator this way (or from JSON, or through locals).
fn node(kind: ExprKind) -> Expr {
    Expr::new(kind, 0..0)
}

fn deep(depth: usize, leaf: Expr, wrap: impl Fn(Expr) -> Expr) -> Expr {
    (0..depth).fold(leaf, |inner, _| wrap(inner))
}

fn eval_expr(e: &Expr) -> EvalResult {
    Scope::new(&Module::default()).eval(e)
}

#[test]
fn deeply_parenthesised_expression() {
    // Within the parser's limit, parentheses are transparent.
    let src = format!("{}1{}", "(".repeat(60), ")".repeat(60));
    assert_eq!(k(&src), num(1.0));
    // Beyond it, parsing fails cleanly: nothing reaches the evaluator, nothing overflows.
    let src = format!("x = {}1{}\n", "(".repeat(DEPTH), ")".repeat(DEPTH));
    if let Ok(body) = parse_hcl(&src, 0) {
        let e = &body.attribute("x").unwrap().expr;
        known_or_unknown(eval_expr(e), num(1.0));
    }
}

#[test]
fn nested_conditional_within_the_parser_limit() {
    let mut src = "1".to_string();
    for _ in 0..30 {
        src = format!("true ? ({src}) : 0");
    }
    assert_eq!(k(&src), num(1.0));
}

#[test]
fn deeply_nested_conditional_in_the_true_branch() {
    let e = deep(DEPTH, node(ExprKind::Number(1.0)), |inner| {
        node(ExprKind::Conditional(
            Box::new(node(ExprKind::Bool(true))),
            Box::new(inner),
            Box::new(node(ExprKind::Number(0.0))),
        ))
    });
    known_or_unknown(eval_expr(&e), num(1.0));
}

#[test]
fn deeply_nested_conditional_in_the_false_branch() {
    let e = deep(DEPTH, node(ExprKind::Number(1.0)), |inner| {
        node(ExprKind::Conditional(
            Box::new(node(ExprKind::Bool(false))),
            Box::new(node(ExprKind::Number(0.0))),
            Box::new(inner),
        ))
    });
    known_or_unknown(eval_expr(&e), num(1.0));
}

#[test]
fn deeply_nested_conditional_with_unknown_conditions() {
    // Both branches are evaluated at every level: must still terminate quickly.
    let unknown = || node(ExprKind::Variable("count".to_string()));
    let e = deep(DEPTH, node(ExprKind::Number(1.0)), |inner| {
        node(ExprKind::Conditional(
            Box::new(unknown()),
            Box::new(inner),
            Box::new(node(ExprKind::Number(1.0))),
        ))
    });
    known_or_unknown(eval_expr(&e), num(1.0));
}

#[test]
fn deeply_nested_arithmetic() {
    let e = deep(DEPTH, node(ExprKind::Number(0.0)), |inner| {
        node(ExprKind::Binary(
            BinaryOp::Add,
            Box::new(node(ExprKind::Number(1.0))),
            Box::new(inner),
        ))
    });
    known_or_unknown(eval_expr(&e), num(DEPTH as f64));
}

#[test]
fn deeply_nested_not() {
    let e = deep(DEPTH, node(ExprKind::Bool(true)), |inner| {
        node(ExprKind::Unary(UnaryOp::Not, Box::new(inner)))
    });
    known_or_unknown(eval_expr(&e), boolean(true));
}

#[test]
fn deeply_nested_function_calls_and_templates() {
    let e = deep(DEPTH, node(ExprKind::String("x".to_string())), |inner| {
        node(ExprKind::FuncCall {
            name: "lower".to_string(),
            args: vec![inner],
            expand_final: false,
        })
    });
    known_or_unknown(eval_expr(&e), string("x"));
    let e = deep(DEPTH, node(ExprKind::String(String::new())), |inner| {
        node(ExprKind::Template(vec![
            TemplatePart::Literal("a".to_string()),
            TemplatePart::Interpolation(inner),
        ]))
    });
    known_or_unknown(eval_expr(&e), string(&"a".repeat(DEPTH)));
}

#[test]
fn deeply_nested_lists() {
    let e = deep(DEPTH, node(ExprKind::Number(1.0)), |inner| {
        node(ExprKind::Array(vec![inner]))
    });
    let v = eval_expr(&e).expect("evaluates");
    // Either fully known or cut off with an unknown somewhere inside.
    let mut depth = 0;
    let mut cur = &v;
    while let ValueKind::List(items) = &cur.kind {
        depth += 1;
        cur = &items[0];
    }
    assert!(
        (depth == DEPTH && cur.kind == ValueKind::Number(1.0)) || cur.is_unknown(),
        "depth {depth}, leaf {:?}",
        cur.kind
    );
}

#[test]
fn very_deep_expression_is_cut_off() {
    // Far beyond any sensible configuration: the depth guard must stop the recursion.
    let e = deep(20_000, node(ExprKind::Bool(true)), |inner| {
        node(ExprKind::Unary(UnaryOp::Not, Box::new(inner)))
    });
    known_or_unknown(eval_expr(&e), boolean(true));
    // Drop iteratively-ish: hand the tree to a thread with a large stack so the test is
    // about the evaluator, not about `Drop` of a 20 000-deep box chain.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || drop(e))
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn long_local_chain() {
    let mut text = String::from("locals {\n");
    for i in 0..DEPTH {
        text.push_str(&format!("  l{i} = local.l{}\n", i + 1));
    }
    text.push_str(&format!("  l{DEPTH} = \"end\"\n}}\n"));
    let m = module(&[("main.tf", &text)]);
    known_or_unknown(eval_in(&m, "local.l0"), string("end"));
    // A short suffix of the chain is fully known.
    assert_eq!(
        kind_in(&m, &format!("local.l{}", DEPTH - 10)),
        string("end")
    );
}

#[test]
fn long_local_chain_of_conditionals() {
    let mut text = String::from("locals {\n");
    for i in 0..DEPTH {
        text.push_str(&format!(
            "  l{i} = local.l{} ? local.l{} : false\n",
            i + 1,
            i + 1
        ));
    }
    text.push_str(&format!("  l{DEPTH} = true\n}}\n"));
    let m = module(&[("main.tf", &text)]);
    known_or_unknown(eval_in(&m, "local.l0"), boolean(true));
}

#[test]
fn long_local_cycle() {
    let mut text = String::from("locals {\n");
    for i in 0..DEPTH {
        text.push_str(&format!("  l{i} = local.l{}\n", (i + 1) % DEPTH));
    }
    text.push_str("}\n");
    let m = module(&[("main.tf", &text)]);
    assert_eq!(kind_in(&m, "local.l0"), ValueKind::Unknown);
    assert_eq!(kind_in(&m, "local.l150"), ValueKind::Unknown);
}

mod budget;
mod console;
mod console_harness;
mod scope;
