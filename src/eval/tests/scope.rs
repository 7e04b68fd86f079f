//! The scope's hooks (module outputs, workspace), module arguments converted to the
//! child's variable types (with `optional()` defaults and `nullable`), HCL-JSON templates
//! with `for` and splats, and where values come from. The semantics were confirmed with
//! terraform console 1.11.4 (see `console.rs`, variables section, for the same conversions
//! from defaults and tfvars).

use std::cell::Cell;
use std::collections::HashMap;

use super::*;

fn obj_value(items: Vec<(&str, Value)>) -> Value {
    Value::new(obj(items))
}

// ---------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------

#[test]
fn module_outputs_are_unknown_without_a_resolver() {
    assert_eq!(k("module.kms.key_arn"), ValueKind::Unknown);
    assert_eq!(k("module.kms"), ValueKind::Unknown);
}

#[test]
fn module_outputs_come_from_the_resolver() {
    let m = Module::default();
    let calls = Cell::new(0);
    let scope = Scope::new(&m).with_module_outputs(|name| {
        calls.set(calls.get() + 1);
        match name {
            "kms" => obj_value(vec![
                ("rotate", b(true)),
                ("aliases", Value::tuple(vec![s("a"), s("b")])),
            ]),
            _ => Value::unknown(),
        }
    });
    let ev = |src: &str| plain(&scope.eval(&expr(src)).unwrap()).kind;
    assert_eq!(ev("module.kms.rotate"), boolean(true));
    assert_eq!(ev("module.kms.aliases[1]"), string("b"));
    assert_eq!(ev("module.kms.aliases[*]"), list(vec![s("a"), s("b")]));
    assert_eq!(ev("module.other.rotate"), ValueKind::Unknown);
    assert_eq!(ev("!module.kms.rotate"), boolean(false));
    assert!(scope.eval(&expr("module.kms.missing")).is_err());
    // One call per name, however often it is referenced.
    assert_eq!(calls.get(), 2);
}

#[test]
fn workspace_is_unknown_unless_set() {
    assert_eq!(k("terraform.workspace"), ValueKind::Unknown);
    let m = Module::default();
    let mut scope = Scope::new(&m).with_workspace("prod");
    assert_eq!(scope.workspace(), Some("prod"));
    let ev = |scope: &Scope, src: &str| plain(&scope.eval(&expr(src)).unwrap()).kind;
    assert_eq!(ev(&scope, "terraform.workspace"), string("prod"));
    assert_eq!(
        ev(&scope, "terraform.workspace == \"prod\" ? true : false"),
        boolean(true)
    );
    scope.set_workspace(Some("dev".to_string()));
    assert_eq!(ev(&scope, "terraform.workspace"), string("dev"));
    scope.set_workspace(None);
    assert_eq!(ev(&scope, "terraform.workspace"), ValueKind::Unknown);
    // Other `terraform.` attributes stay unknown.
    assert_eq!(ev(&scope, "terraform.anything"), ValueKind::Unknown);
}

// ---------------------------------------------------------------------------------------------
// Module arguments
// ---------------------------------------------------------------------------------------------

const CHILD: &str = r#"
variable "settings" {
  type = object({
    rotate = optional(bool, true)
    days   = optional(number)
    tags   = optional(map(string), {})
  })
}

variable "enabled" {
  type    = bool
  default = true
}

variable "strict" {
  type     = bool
  default  = true
  nullable = false
}

variable "names" {
  type    = set(string)
  default = []
}
"#;

fn child_scope_eval(inputs: Vec<(&str, Value)>, src: &str) -> ValueKind {
    let m = module(&[("variables.tf", CHILD)]);
    let inputs: HashMap<String, Value> = inputs
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let scope = Scope::with_inputs(&m, inputs);
    plain(&scope.eval(&expr(src)).unwrap()).kind
}

#[test]
fn module_arguments_take_optional_defaults() {
    let given = vec![("settings", obj_value(vec![]))];
    assert_eq!(
        child_scope_eval(given.clone(), "var.settings.rotate"),
        boolean(true)
    );
    assert_eq!(
        child_scope_eval(given.clone(), "var.settings.days"),
        ValueKind::Null
    );
    assert_eq!(
        child_scope_eval(given, "var.settings.tags"),
        Value::map(Vec::new(), Type::String).kind
    );
    let given = vec![(
        "settings",
        obj_value(vec![("rotate", s("false")), ("extra", n(1.0))]),
    )];
    assert_eq!(
        child_scope_eval(given.clone(), "var.settings.rotate"),
        boolean(false)
    );
    // Extra attributes are dropped.
    assert!(Scope::with_inputs(
        &module(&[("variables.tf", CHILD)]),
        given.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    )
    .eval(&expr("var.settings.extra"))
    .is_err());
}

#[test]
fn module_arguments_are_converted() {
    assert_eq!(
        child_scope_eval(vec![("enabled", s("false"))], "var.enabled"),
        boolean(false)
    );
    assert_eq!(
        child_scope_eval(
            vec![("names", Value::tuple(vec![s("b"), s("a"), s("b")]))],
            "var.names"
        ),
        Value::set(vec![s("a"), s("b")], Type::String).kind
    );
    // A value Terraform would reject makes the variable unknown.
    assert_eq!(
        child_scope_eval(vec![("enabled", s("yes"))], "var.enabled"),
        ValueKind::Unknown
    );
    assert_eq!(
        child_scope_eval(vec![("settings", s("x"))], "var.settings"),
        ValueKind::Unknown
    );
    assert_eq!(
        child_scope_eval(vec![("enabled", Value::unknown())], "var.enabled"),
        ValueKind::Unknown
    );
}

#[test]
fn module_arguments_and_nullable() {
    // nullable (the default): a null argument stays null.
    assert_eq!(
        child_scope_eval(vec![("enabled", null())], "var.enabled"),
        ValueKind::Null
    );
    // nullable = false: a null argument takes the default.
    assert_eq!(
        child_scope_eval(vec![("strict", null())], "var.strict"),
        boolean(true)
    );
    // Not passed: the default.
    assert_eq!(child_scope_eval(vec![], "var.enabled"), boolean(true));
    // A required variable not passed is unknown.
    assert_eq!(child_scope_eval(vec![], "var.settings"), ValueKind::Unknown);
}

#[test]
fn tfvars_null_and_nullable() {
    let vars = "variable \"a\" {\n  default = \"d\"\n}\nvariable \"b\" {\n  default  = \"d\"\n  nullable = false\n}\nvariable \"c\" {\n  nullable = false\n}\n";
    let files = [
        ("variables.tf", vars),
        ("terraform.tfvars", "a = null\nb = null\nc = null\n"),
    ];
    assert_eq!(kind(&files, "var.a"), ValueKind::Null);
    assert_eq!(kind(&files, "var.b"), string("d"));
    // Terraform: "required variable may not be set to null".
    assert_eq!(kind(&files, "var.c"), ValueKind::Unknown);
}

#[test]
fn nullable_is_read_from_overrides() {
    let files = [
        ("variables.tf", "variable \"a\" {\n  default = 1\n}\n"),
        ("override.tf", "variable \"a\" {\n  nullable = false\n}\n"),
        ("terraform.tfvars", "a = null\n"),
    ];
    assert_eq!(kind(&files, "var.a"), num(1.0));
    let m = module(&files);
    assert!(!m.variables["a"].nullable);
}

#[test]
fn variable_type_from_an_override_file() {
    let files = [
        (
            "variables.tf",
            "variable \"a\" {\n  default = [\"b\", \"a\", \"b\"]\n}\n",
        ),
        ("override.tf", "variable \"a\" {\n  type = set(string)\n}\n"),
    ];
    assert_eq!(
        kind(&files, "var.a"),
        Value::set(vec![s("a"), s("b")], Type::String).kind
    );
}

// ---------------------------------------------------------------------------------------------
// HCL JSON
// ---------------------------------------------------------------------------------------------

#[test]
fn json_templates_with_for_and_splats() {
    let text = r#"{
  "locals": {
    "objs": [{"name": "a", "on": true}, {"name": "b", "on": false}],
    "names": "${local.objs[*].name}",
    "on": "${[for o in local.objs : o.name if o.on]}",
    "by_name": "${{for o in local.objs : o.name => o.on}}",
    "grouped": "${{for o in local.objs : o.on => o.name...}}",
    "text": "names: ${join(\",\", local.objs.*.name)}"
  }
}"#;
    let files = [("main.tf.json", text)];
    assert_eq!(kind(&files, "local.names"), list(vec![s("a"), s("b")]));
    assert_eq!(kind(&files, "local.on"), list(vec![s("a")]));
    assert_eq!(
        kind(&files, "local.by_name"),
        obj(vec![("a", b(true)), ("b", b(false))])
    );
    assert_eq!(
        kind(&files, "local.grouped"),
        obj(vec![
            ("true", Value::tuple(vec![s("a")])),
            ("false", Value::tuple(vec![s("b")])),
        ])
    );
    assert_eq!(kind(&files, "local.text"), string("names: a,b"));
}

#[test]
fn json_variable_types_are_parsed() {
    let text = r#"{
  "variable": {
    "l": {"type": "list(string)", "default": [1, true]},
    "o": {"type": "object({rotate = optional(bool, true), days = optional(number, 90)})", "default": {"days": "365"}},
    "n": {"type": "string", "default": "d", "nullable": false},
    "bad": {"type": "lisst(string)", "default": []}
  }
}"#;
    let files = [
        ("variables.tf.json", text),
        ("terraform.tfvars.json", "{\"n\": null}"),
    ];
    assert_eq!(
        kind(&files, "var.l"),
        Value::list(vec![s("1"), s("true")], Type::String).kind
    );
    assert_eq!(kind(&files, "var.o.rotate"), boolean(true));
    assert_eq!(kind(&files, "var.o.days"), num(365.0));
    assert_eq!(kind(&files, "var.n"), string("d"));
    // A type Terraform does not know: the configuration is invalid.
    assert_eq!(kind(&files, "var.bad"), ValueKind::Unknown);
}

#[test]
fn quoted_types_in_hcl_are_invalid() {
    // Terraform 1.x: "Invalid quoted type constraints".
    let files = [(
        "variables.tf",
        "variable \"a\" {\n  type    = \"list(string)\"\n  default = []\n}\n",
    )];
    assert_eq!(kind(&files, "var.a"), ValueKind::Unknown);
}

// ---------------------------------------------------------------------------------------------
// Origins
// ---------------------------------------------------------------------------------------------

#[test]
fn for_and_splat_results_keep_the_origins_of_their_elements() {
    let vars = "variable \"keys\" {\n  default = [{ name = \"a\", rotate = false }]\n}\n";
    let m = module(&[("variables.tf", vars)]);
    let v = eval_in(&m, "[for k in var.keys : k.rotate][0]").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    assert_eq!(
        origin_of(&v).kind,
        OriginKind::VariableDefault("keys".to_string())
    );
    assert_eq!(origin_of(&v).span, span_of(vars, "false"));
    // `[*]` would apply `[0]` to each element; `.*` ends before it.
    let v = eval_in(&m, "var.keys.*.rotate[0]").unwrap();
    assert_eq!(origin_of(&v).span, span_of(vars, "false"));
    let v = eval_in(&m, "{for k in var.keys : k.name => k.rotate}.a").unwrap();
    assert_eq!(origin_of(&v).span, span_of(vars, "false"));
}

#[test]
fn converted_values_keep_their_origin() {
    let vars = "variable \"rotate\" {\n  type    = bool\n  default = \"false\"\n}\n";
    let m = module(&[("variables.tf", vars)]);
    let v = eval_in(&m, "var.rotate").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    assert_eq!(origin_of(&v).span, span_of(vars, "\"false\""));
    assert!(!v.derived);
}

#[test]
fn an_optional_default_points_at_the_type_constraint() {
    let vars = "variable \"k\" {\n  type    = object({ rotate = optional(bool, false) })\n  default = {}\n}\n";
    let m = module(&[("variables.tf", vars)]);
    let v = eval_in(&m, "var.k.rotate").unwrap();
    assert_eq!(v.kind, ValueKind::Bool(false));
    assert_eq!(
        origin_of(&v).kind,
        OriginKind::VariableDefault("k".to_string())
    );
    assert_eq!(origin_of(&v).span, span_of(vars, "false"));
}

#[test]
fn a_for_expression_in_a_local_is_stamped_with_the_local() {
    let text = "locals {\n  l = [for x in [1, 2] : x]\n}\n";
    let m = module(&[("main.tf", text)]);
    let v = eval_in(&m, "local.l").unwrap();
    assert_eq!(origin_of(&v).kind, OriginKind::Local("l".to_string()));
    assert_eq!(origin_of(&v).span, span_of(text, "[for x in [1, 2] : x]"));
}

// ---------------------------------------------------------------------------------------------
// Equality and sets built directly
// ---------------------------------------------------------------------------------------------

#[test]
fn sets_are_canonical() {
    let a = Value::set(vec![s("b"), s("a"), s("b")], Type::String);
    let b2 = Value::set(vec![s("a"), s("b")], Type::String);
    assert_eq!(a.equals(&b2), Some(true));
    assert_eq!(plain(&a).kind, list(vec![s("a"), s("b")]));
    let objects = Value::set(
        vec![
            obj_value(vec![("a", n(10.0))]),
            obj_value(vec![("a", n(9.0))]),
            obj_value(vec![("a", n(10.0))]),
        ],
        Type::Any,
    );
    // cty orders sets of objects by their encoding: `<10;>` before `<9;>`
    // (terraform console: toset([{a=10},{a=9}]) lists 10 first).
    assert_eq!(
        plain(&objects).kind,
        list(vec![
            obj_value(vec![("a", n(10.0))]),
            obj_value(vec![("a", n(9.0))]),
        ])
    );
    assert!(Value::set(vec![s("a"), Value::unknown()], Type::String).is_unknown());
}

#[test]
fn tuples_lists_and_sets_are_different_types() {
    let tuple = Value::tuple(vec![s("a")]);
    let listv = Value::list(vec![s("a")], Type::String);
    let setv = Value::set(vec![s("a")], Type::String);
    assert_eq!(tuple.equals(&listv), Some(false));
    assert_eq!(listv.equals(&setv), Some(false));
    assert_eq!(listv.equals(&listv.clone()), Some(true));
    let numbers = Value::list(Vec::new(), Type::Number);
    let strings = Value::list(Vec::new(), Type::String);
    assert_eq!(numbers.equals(&strings), Some(false));
}
