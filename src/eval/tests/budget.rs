//! Bounded evaluation: inputs that would allocate without limit, recurse without limit or
//! work for hours give unknown (or Terraform's own error), quickly, without panicking.
//! Terraform itself caps `range` at 1024 numbers (confirmed with terraform console 1.11.4);
//! everything else here is kmslint's budget ([`MAX_ELEMENTS`], [`MAX_STRING_BYTES`],
//! [`FUEL_PER_EVALUATION`], `MAX_DEPTH`).

use std::time::{Duration, Instant};

use super::*;

/// Evaluates `src` in a module with these locals; the test fails if it takes long.
fn timed(locals: &str, src: &str) -> EvalResult {
    let m = module(&[("main.tf", &format!("locals {{\n{locals}\n}}\n"))]);
    let start = Instant::now();
    let result = eval_in(&m, src);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "`{src}` took {:?}",
        start.elapsed()
    );
    result
}

fn unknown(locals: &str, src: &str) {
    match timed(locals, src) {
        Ok(v) => assert!(
            v.is_unknown(),
            "`{src}` should be unknown, got {:.200}",
            super::console_harness::render(&v)
        ),
        Err(e) => panic!("`{src}` should be unknown, got the error {}", e.message),
    }
}

#[test]
fn range_is_capped_by_terraform() {
    // terraform console: "more than 1024 values were generated".
    assert!(timed("", "range(1e9)").is_err());
    assert!(timed("", "range(0, 1e18, 1)").is_err());
    assert!(timed("", "range(1, 2, 0)").is_err());
    assert_eq!(
        plain(&timed("", "length(range(1024))").unwrap()).kind,
        num(1024.0)
    );
}

#[test]
fn a_for_over_too_many_elements_is_unknown() {
    let locals = "big = flatten([for i in range(1000) : range(90)])";
    assert_eq!(
        plain(&timed(locals, "length(local.big)").unwrap()).kind,
        num(90_000.0),
        "a 90,000-element list built of 1,000 small ones is fine"
    );
    unknown(locals, "[for x in local.big : [x, x]]");
    unknown("", "[for i in range(1000) : [for j in range(1000) : j]]");
}

#[test]
fn nested_loops_run_out_of_work() {
    // 1000 × 1000 × 10 iterations, each result small: the work budget stops it.
    unknown(
        "",
        "length([for i in range(1000) : length([for j in range(1000) : length([for k in range(10) : k])])])",
    );
}

/// A module of locals and one scope for it, so that locals evaluated once stay memoized
/// (each step of a chain is then shallow, and only the budgets stop it).
fn with_scope(locals: &str, f: impl FnOnce(&Scope)) {
    let m = module(&[("main.tf", &format!("locals {{\n{locals}}}\n"))]);
    let scope = Scope::new(&m);
    let start = Instant::now();
    f(&scope);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

fn in_scope(scope: &Scope, src: &str) -> Value {
    scope.eval(&expr(src)).expect("evaluates")
}

#[test]
fn doubling_locals_are_cut_off() {
    let mut locals = String::from("s0 = \"0123456789\"\nl0 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n");
    for i in 1..=40 {
        locals.push_str(&format!(
            "s{i} = \"${{local.s{p}}}${{local.s{p}}}\"\n",
            p = i - 1
        ));
        locals.push_str(&format!(
            "l{i} = concat(local.l{p}, local.l{p})\n",
            p = i - 1
        ));
    }
    with_scope(&locals, |scope| {
        for i in 1..=40 {
            in_scope(scope, &format!("local.s{i}"));
            in_scope(scope, &format!("local.l{i}"));
        }
        // 10 × 2^20 bytes is past the string budget, 10 × 2^14 elements the element one.
        let s = |i: usize| in_scope(scope, &format!("length(local.s{i})"));
        assert_eq!(plain(&s(15)).kind, num(327_680.0));
        // Counting the characters of 5 MB is past the work budget already.
        assert!(s(19).is_unknown());
        assert_eq!(
            plain(&in_scope(scope, "endswith(local.s19, \"9\")")).kind,
            boolean(true)
        );
        assert!(s(21).is_unknown());
        assert!(s(40).is_unknown());
        let l = |i: usize| in_scope(scope, &format!("length(local.l{i})"));
        assert_eq!(plain(&l(13)).kind, num(81_920.0));
        assert!(l(14).is_unknown());
        assert!(l(40).is_unknown());
    });
}

#[test]
fn nested_doubling_lists_are_cut_off() {
    let mut locals = String::from("n0 = [\"x\"]\n");
    for i in 1..=40 {
        locals.push_str(&format!("n{i} = [local.n{p}, local.n{p}]\n", p = i - 1));
    }
    with_scope(&locals, |scope| {
        for i in 1..=40 {
            let v = in_scope(scope, &format!("local.n{i}"));
            assert!(!collections::Size::of(&v).over());
        }
        // 2^16 strings and their lists: past the element budget.
        assert!(in_scope(scope, "local.n16").is_unknown());
        assert!(in_scope(scope, "local.n20").has_unknown());
        assert!(in_scope(scope, "jsonencode(local.n40)").is_unknown());
    });
    // Evaluated from the top, the depth limit cuts it off first.
    let v = timed(&locals, "local.n40").unwrap();
    assert!(v.has_unknown() && !collections::Size::of(&v).over());
}

#[test]
fn string_functions_respect_the_string_budget() {
    let locals = "mb = join(\"\", [for i in range(1000) : \"0123456789\"])\nmany = [for i in range(1000) : local.mb]";
    // 10 kB strings, a thousand of them: 10 MB.
    assert_eq!(
        plain(&timed(locals, "length(local.mb)").unwrap()).kind,
        num(10_000.0)
    );
    unknown(locals, "join(local.mb, local.many)");
    unknown(locals, "replace(local.mb, \"0\", local.mb)");
    unknown(locals, "replace(local.mb, \"/[0-9]/\", local.mb)");
    unknown(
        locals,
        "\"${join(\"\", local.many)}${join(\"\", local.many)}\"",
    );
    unknown(locals, "formatlist(\"%s%s\", local.many, local.many)");
}

#[test]
fn format_widths_are_bounded() {
    unknown("", "format(\"%0999999999d\", 1)");
    unknown("", "format(\"%.999999999f\", 1)");
    unknown("", "format(\"%99999999999999999999999s\", \"a\")");
}

#[test]
fn quadratic_functions_run_out_of_work() {
    let locals = "big = flatten([for i in range(100) : [for j in range(600) : \"${i}-${j}\"]])";
    // 60,000 distinct strings: comparing all pairs is 1.8 × 10^9 comparisons.
    unknown(locals, "distinct(local.big)");
    // Sets are ordered by sorting, not by comparing pairs.
    assert_eq!(
        plain(&timed(locals, "length(toset(local.big))").unwrap()).kind,
        num(60_000.0)
    );
}

#[test]
fn regexall_with_empty_matches_is_bounded() {
    let locals =
        "s = join(\"\", flatten([for i in range(200) : [for j in range(100) : \"abcdefghij\"]]))";
    // 200,001 empty matches.
    unknown(locals, "regexall(\"x*\", local.s)");
    assert_eq!(
        plain(&timed(locals, "length(regexall(\"a\", local.s))").unwrap()).kind,
        num(20_000.0)
    );
}

#[test]
fn split_into_too_many_parts_is_unknown() {
    let locals =
        "s = join(\"\", flatten([for i in range(300) : [for j in range(400) : \"a,b,c,d\"]]))";
    unknown(locals, "split(\",\", local.s)");
    unknown(locals, "split(\"\", local.s)");
}

#[test]
fn deeply_nested_json_is_unknown() {
    let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
    let src = format!("jsondecode({:?})", deep);
    unknown("", &src);
    // Deeper than the JSON reader accepts: Terraform would decode it, kmslint reports the
    // reader's error (which `try` sees).
    let deeper = format!("{}1{}", "[".repeat(600), "]".repeat(600));
    let _ = timed("", &format!("jsondecode({:?})", deeper));
    let shallow = format!("{}1{}", "[".repeat(20), "]".repeat(20));
    assert!(!timed("", &format!("jsondecode({:?})", shallow))
        .unwrap()
        .has_unknown());
}

#[test]
fn deeply_nested_values_are_cut_off() {
    // Each local nests one level deeper; evaluated from the bottom up, every step is
    // shallow, so only the value depth budget stops it.
    let mut locals = String::from("d0 = 1\n");
    for i in 1..=400 {
        locals.push_str(&format!("d{i} = [local.d{}]\n", i - 1));
    }
    with_scope(&locals, |scope| {
        for i in 1..=400 {
            in_scope(scope, &format!("local.d{i}"));
        }
        assert!(!in_scope(scope, "local.d100").has_unknown());
        assert!(in_scope(scope, "local.d129").is_unknown());
        assert!(in_scope(scope, "local.d400").has_unknown());
        assert!(in_scope(scope, "jsonencode(local.d300)").is_unknown());
        assert!(in_scope(scope, "local.d400 == local.d400").is_unknown());
    });
}

#[test]
fn deeply_nested_for_expressions() {
    let e = deep(300, node(ExprKind::Number(1.0)), |inner| {
        node(ExprKind::For(Box::new(crate::syntax::ForExpr {
            key_var: None,
            value_var: "x".to_string(),
            collection: node(ExprKind::Array(vec![node(ExprKind::Number(0.0))])),
            key: None,
            value: inner,
            cond: None,
            grouping: false,
        })))
    });
    let v = eval_expr(&e).expect("evaluates");
    assert!(v.has_unknown(), "cut off somewhere inside");
}

#[test]
fn deeply_nested_splats() {
    // `x[*][*][*]...`: one traversal with thousands of splats.
    let ops = (0..5000).map(|_| TraversalOp::FullSplat).collect();
    let e = node(ExprKind::Traversal(
        Box::new(node(ExprKind::Array(vec![node(ExprKind::Number(1.0))]))),
        ops,
    ));
    assert!(eval_expr(&e).expect("evaluates").has_unknown());
    let ops = (0..5000).map(|_| TraversalOp::AttrSplat).collect();
    let e = node(ExprKind::Traversal(
        Box::new(node(ExprKind::Array(vec![node(ExprKind::Number(1.0))]))),
        ops,
    ));
    let _ = eval_expr(&e);
}

#[test]
fn deeply_nested_type_constraints() {
    // `list(list(list(...)))` 500 levels deep, built directly (the parser stops at 64).
    let mut ty = node(ExprKind::Variable("string".to_string()));
    for _ in 0..500 {
        ty = node(ExprKind::FuncCall {
            name: "list".to_string(),
            args: vec![ty],
            expand_final: false,
        });
    }
    let mut m = module(&[("variables.tf", "variable \"x\" {\n  default = []\n}\n")]);
    m.variables.get_mut("x").unwrap().type_expr = Some(ty);
    assert!(eval_in(&m, "var.x").unwrap().is_unknown());
}

#[test]
fn huge_numbers_do_not_allocate() {
    assert!(timed("", "range(1e308)").is_err());
    let _ = timed("", "substr(\"abc\", 1e18, 1e18)");
    let _ = timed("", "chunklist([1, 2], 1e18)");
    let _ = timed("", "element([1, 2], 1e18)");
    let _ = timed("", "slice([1, 2], 0, 1e18)");
    let _ = timed("", "format(\"%[99999999999]d\", 1)");
    let _ = timed("", "[1, 2][1e300]");
    let _ = timed("", "\"abc\"[1e300]");
    let _ = timed("", "[for i in range(3) : i][-1e300]");
}

#[test]
fn string_work_is_charged() {
    // A 10 MB string scanned by a regular expression a thousand times.
    let locals = "mb = join(\"\", [for i in range(1000) : \"0123456789\"])\nbig = join(\"\", [for i in range(1000) : local.mb])";
    assert_eq!(
        plain(&timed(locals, "endswith(local.big, \"89\")").unwrap()).kind,
        boolean(true)
    );
    // Counting grapheme clusters of 10 MB is past the work budget.
    unknown(locals, "length(local.big)");
    unknown(
        locals,
        "[for i in range(1000) : length(regexall(\"9\", local.big))]",
    );
    unknown(locals, "[for i in range(1000) : length(local.big)]");
}
