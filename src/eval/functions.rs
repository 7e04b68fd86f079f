//! The pure Terraform functions kmslint evaluates, with Terraform's semantics (checked with
//! `terraform console`, see the tests). Any other function is unknown.
//!
//! Arguments are converted to the parameter types Terraform declares (`startswith(1, "1")`
//! is true, `sort([3, 20])` sorts strings), a wholly unknown argument makes the result
//! unknown, and a call Terraform would reject is an [`EvalError`].

use super::collections::{bounded, Size};
use super::types::{convert, element_type, type_of, unify, unify_values, Type};
use super::{EvalError, EvalResult, Scope, Value, ValueKind, MAX_ELEMENTS};
use crate::number;
use crate::syntax::Expr;

type Eval<'a> = &'a dyn Fn(&Expr) -> EvalResult;

/// Every function kmslint evaluates (besides `try` and `can`), with the least and most
/// number of arguments it takes (`None`: any number).
pub const SUPPORTED: &[(&str, usize, Option<usize>)] = &[
    ("abs", 1, Some(1)),
    ("alltrue", 1, Some(1)),
    ("anytrue", 1, Some(1)),
    ("ceil", 1, Some(1)),
    ("chunklist", 2, Some(2)),
    ("coalesce", 0, None),
    ("coalescelist", 0, None),
    ("compact", 1, Some(1)),
    ("concat", 0, None),
    ("contains", 2, Some(2)),
    ("distinct", 1, Some(1)),
    ("element", 2, Some(2)),
    ("endswith", 2, Some(2)),
    ("flatten", 1, Some(1)),
    ("floor", 1, Some(1)),
    ("format", 1, None),
    ("formatlist", 1, None),
    ("index", 2, Some(2)),
    ("join", 1, None),
    ("jsondecode", 1, Some(1)),
    ("jsonencode", 1, Some(1)),
    ("keys", 1, Some(1)),
    ("length", 1, Some(1)),
    ("lookup", 2, Some(3)),
    ("lower", 1, Some(1)),
    ("max", 0, None),
    ("merge", 0, None),
    ("min", 0, None),
    ("one", 1, Some(1)),
    ("range", 1, Some(3)),
    ("regex", 2, Some(2)),
    ("regexall", 2, Some(2)),
    ("replace", 3, Some(3)),
    ("reverse", 1, Some(1)),
    ("sensitive", 1, Some(1)),
    ("setintersection", 1, None),
    ("setsubtract", 2, Some(2)),
    ("setunion", 1, None),
    ("slice", 3, Some(3)),
    ("sort", 1, Some(1)),
    ("split", 2, Some(2)),
    ("startswith", 2, Some(2)),
    ("strcontains", 2, Some(2)),
    ("substr", 3, Some(3)),
    ("sum", 1, Some(1)),
    ("title", 1, Some(1)),
    ("tobool", 1, Some(1)),
    ("tolist", 1, Some(1)),
    ("tomap", 1, Some(1)),
    ("tonumber", 1, Some(1)),
    ("toset", 1, Some(1)),
    ("tostring", 1, Some(1)),
    ("transpose", 1, Some(1)),
    ("trim", 2, Some(2)),
    ("trimprefix", 2, Some(2)),
    ("trimspace", 1, Some(1)),
    ("chomp", 1, Some(1)),
    ("trimsuffix", 2, Some(2)),
    ("upper", 1, Some(1)),
    ("values", 1, Some(1)),
    ("zipmap", 2, Some(2)),
];

pub(super) fn call(
    scope: &Scope,
    name: &str,
    args: &[Expr],
    expand_final: bool,
    eval: Eval,
) -> EvalResult {
    // `try` and `can` look at errors, so they evaluate their arguments themselves.
    match name {
        "try" => return try_(args, eval),
        "can" => return can(args, eval),
        _ => {}
    }
    let Some(&(_, min, max)) = SUPPORTED.iter().find(|(n, ..)| *n == name) else {
        return Ok(Value::unknown());
    };
    // Terraform checks the number of arguments before anything else.
    if !expand_final && (args.len() < min || max.is_some_and(|max| args.len() > max)) {
        return Err(EvalError::new(format!(
            "Call to function \"{name}\" has the wrong number of arguments"
        )));
    }
    let mut values = args.iter().map(eval).collect::<Result<Vec<_>, _>>()?;
    // An argument of unknown type makes the result unknown before the function checks its
    // arguments (cty's rule), except for `coalesce`, which looks at its arguments in order.
    if name != "coalesce" && values.iter().any(Value::is_unknown) {
        return Ok(Value::unknown());
    }
    if expand_final {
        let last = values.pop();
        match last.as_ref().map(|v| &v.kind) {
            Some(ValueKind::List(items)) => values.extend(items.iter().cloned()),
            Some(ValueKind::Unknown) => return Ok(Value::unknown()),
            _ => {
                return Err(EvalError::new(
                    "Invalid expanding argument value: the expanding argument (indicated by ...) must be of a tuple, list, or set type",
                ))
            }
        }
    }
    let origin = values.iter().find_map(|v| v.origin.clone());
    let result = bounded(apply(scope, name, values)?);
    // A function that hands back (a conversion of) one of its arguments keeps that value's
    // own origin; any other result is computed from its first argument with one.
    if PASS_THROUGH.contains(&name) {
        return Ok(result);
    }
    Ok(result.derived_from(origin))
}

/// Functions whose result is one of their arguments, or an element of one, as it is.
const PASS_THROUGH: &[&str] = &[
    "coalesce",
    "coalescelist",
    "element",
    "lookup",
    "one",
    "sensitive",
    "tobool",
    "tolist",
    "tomap",
    "tonumber",
    "tostring",
];

fn try_(args: &[Expr], eval: Eval) -> EvalResult {
    for arg in args {
        match eval(arg) {
            Ok(v) if v.has_unknown() => return Ok(Value::unknown()),
            Ok(v) => return Ok(v),
            Err(_) => continue,
        }
    }
    Err(EvalError::new("no expression given to `try` succeeded"))
}

fn can(args: &[Expr], eval: Eval) -> EvalResult {
    let [arg] = args else {
        return Err(EvalError::new("`can` takes one argument"));
    };
    Ok(match eval(arg) {
        Ok(v) if v.has_unknown() => Value::unknown(),
        Ok(_) => Value::new(ValueKind::Bool(true)),
        Err(_) => Value::new(ValueKind::Bool(false)),
    })
}

// ---------------------------------------------------------------------------------------------
// Argument helpers
// ---------------------------------------------------------------------------------------------

fn err(message: impl Into<String>) -> EvalError {
    EvalError::new(message)
}

fn unknown() -> EvalResult {
    Ok(Value::unknown())
}

fn arity(name: &str, values: &[Value], n: usize) -> Result<(), EvalError> {
    if values.len() == n {
        Ok(())
    } else {
        Err(err(format!("`{name}` takes {n} argument(s)")))
    }
}

fn arity_between(name: &str, values: &[Value], min: usize, max: usize) -> Result<(), EvalError> {
    if (min..=max).contains(&values.len()) {
        Ok(())
    } else {
        Err(err(format!("`{name}` takes {min} to {max} arguments")))
    }
}

fn not_null(v: &Value) -> Result<(), EvalError> {
    if v.is_null() {
        Err(err("argument must not be null"))
    } else {
        Ok(())
    }
}

/// A `string` parameter: `None` when unknown.
fn string_arg(v: &Value) -> Result<Option<String>, EvalError> {
    not_null(v)?;
    v.to_str()
}

/// A `number` parameter: `None` when unknown.
fn number_arg(v: &Value) -> Result<Option<f64>, EvalError> {
    not_null(v)?;
    v.to_number()
}

/// A whole-number parameter (an index, a count): `None` when unknown.
fn int_arg(v: &Value) -> Result<Option<i64>, EvalError> {
    match number_arg(v)? {
        Some(n) => number::whole(n).map(Some).map_err(err),
        None => Ok(None),
    }
}

/// The elements of a list, tuple or set argument: `None` when unknown.
fn seq_arg<'a>(name: &str, v: &'a Value) -> Result<Option<&'a [Value]>, EvalError> {
    match &v.kind {
        ValueKind::Unknown => Ok(None),
        ValueKind::List(items) => Ok(Some(items)),
        ValueKind::Null => Err(err(format!("`{name}`: argument must not be null"))),
        _ => Err(err(format!("`{name}` needs a list, tuple or set"))),
    }
}

/// An argument converted to a parameter type; `None` when the result is unknown.
fn typed_arg(v: &Value, ty: &Type) -> Result<Option<Value>, EvalError> {
    not_null(v)?;
    let c = convert(v.clone(), ty)?;
    Ok((!c.is_unknown()).then_some(c))
}

/// A `list(T)` parameter's elements, with the list's element type.
fn list_arg(v: &Value, elem: Type) -> Result<Option<(Vec<Value>, Type)>, EvalError> {
    let Some(list) = typed_arg(v, &Type::List(Box::new(elem)))? else {
        return Ok(None);
    };
    let elem = element_type(&list).cloned().unwrap_or(Type::Any);
    match list.kind {
        ValueKind::List(items) => Ok(Some((items, elem))),
        _ => Ok(None),
    }
}

/// A list of `elem` when `elem` is a known type, else a tuple.
fn list_or_tuple(items: Vec<Value>, elem: Option<Type>) -> Value {
    match elem {
        Some(t) => Value::list(items, t),
        None => Value::tuple(items),
    }
}

fn string(s: String) -> Value {
    Value::new(ValueKind::String(s))
}

fn boolean(b: bool) -> Value {
    Value::new(ValueKind::Bool(b))
}

fn num(n: f64) -> Value {
    Value::new(ValueKind::Number(n))
}

// ---------------------------------------------------------------------------------------------
// Dispatch
// ---------------------------------------------------------------------------------------------

fn apply(scope: &Scope, name: &str, values: Vec<Value>) -> EvalResult {
    // Work on strings is linear in their length: one step per 256 bytes looked at, or per
    // 16 bytes where grapheme clusters are counted (which is slow).
    let bytes: usize = values
        .iter()
        .map(|v| match &v.kind {
            ValueKind::String(s) => s.len(),
            _ => 0,
        })
        .sum();
    let per_step = if matches!(name, "length" | "substr") {
        16
    } else {
        256
    };
    if !scope.charge((bytes / per_step) as u64) {
        return unknown();
    }
    match name {
        "tobool" | "tostring" | "tonumber" => {
            arity(name, &values, 1)?;
            let ty = match name {
                "tobool" => Type::Bool,
                "tonumber" => Type::Number,
                _ => Type::String,
            };
            convert(values[0].clone(), &ty)
        }
        "tolist" | "toset" | "tomap" => {
            arity(name, &values, 1)?;
            let ty = match name {
                "tolist" => Type::List(Box::new(Type::Any)),
                "toset" => Type::Set(Box::new(Type::Any)),
                _ => Type::Map(Box::new(Type::Any)),
            };
            convert(values[0].clone(), &ty).map_err(|e| {
                err(format!(
                    "Invalid value for \"v\" parameter: cannot convert to {}: {}",
                    ty.describe(),
                    e.message
                ))
            })
        }
        "sensitive" => {
            arity(name, &values, 1)?;
            Ok(values[0].clone())
        }
        "chomp" => {
            arity(name, &values, 1)?;
            let Some(s) = string_arg(&values[0])? else {
                return unknown();
            };
            // Terraform removes every trailing `\n`, `\r\n` and `\r`.
            Ok(string(s.trim_end_matches(['\n', '\r']).to_string()))
        }
        "lower" | "upper" | "trimspace" | "title" => {
            arity(name, &values, 1)?;
            let Some(s) = string_arg(&values[0])? else {
                return unknown();
            };
            let out = match name {
                "lower" => super::strings::map_chars(&s, false),
                "upper" => super::strings::map_chars(&s, true),
                "title" => super::strings::title(&s),
                _ => Some(s.trim().to_string()),
            };
            Ok(out.map_or_else(Value::unknown, string))
        }
        "startswith" | "endswith" | "strcontains" | "trimprefix" | "trimsuffix" | "trim" => {
            arity(name, &values, 2)?;
            let (Some(s), Some(p)) = (string_arg(&values[0])?, string_arg(&values[1])?) else {
                return unknown();
            };
            Ok(match name {
                "startswith" => boolean(s.starts_with(&p)),
                "endswith" => boolean(s.ends_with(&p)),
                "strcontains" => boolean(s.contains(&p)),
                "trimprefix" => string(s.strip_prefix(&p).unwrap_or(&s).to_string()),
                "trimsuffix" => string(s.strip_suffix(&p).unwrap_or(&s).to_string()),
                _ => string(s.trim_matches(|c| p.contains(c)).to_string()),
            })
        }
        "substr" => {
            arity(name, &values, 3)?;
            let (Some(s), Some(offset), Some(length)) = (
                string_arg(&values[0])?,
                int_arg(&values[1])?,
                int_arg(&values[2])?,
            ) else {
                return unknown();
            };
            Ok(string(super::strings::substr(&s, offset, length)))
        }
        "split" => {
            arity(name, &values, 2)?;
            let (Some(sep), Some(s)) = (string_arg(&values[0])?, string_arg(&values[1])?) else {
                return unknown();
            };
            super::strings::split(&sep, &s)
        }
        "replace" => {
            arity(name, &values, 3)?;
            let (Some(s), Some(search), Some(with)) = (
                string_arg(&values[0])?,
                string_arg(&values[1])?,
                string_arg(&values[2])?,
            ) else {
                return unknown();
            };
            super::strings::replace(&s, &search, &with)
        }
        "regex" | "regexall" => {
            arity(name, &values, 2)?;
            let (Some(pattern), Some(s)) = (string_arg(&values[0])?, string_arg(&values[1])?)
            else {
                return unknown();
            };
            super::strings::regex(&pattern, &s, name == "regexall")
        }
        "format" => {
            let Some((fmt, rest)) = values.split_first() else {
                return Err(err("`format` needs a format string"));
            };
            let Some(fmt) = string_arg(fmt)? else {
                return unknown();
            };
            super::format::format(&fmt, rest)
        }
        "formatlist" => formatlist(scope, values),
        "join" => join(values),
        "jsonencode" => {
            arity(name, &values, 1)?;
            super::json::encode(&values[0])
        }
        "jsondecode" => {
            arity(name, &values, 1)?;
            let Some(s) = string_arg(&values[0])? else {
                return unknown();
            };
            super::json::decode(&s)
        }
        "length" => length(values),
        "abs" | "ceil" | "floor" => {
            arity(name, &values, 1)?;
            let Some(n) = number_arg(&values[0])? else {
                return unknown();
            };
            Ok(num(match name {
                "abs" => n.abs(),
                "ceil" => n.ceil(),
                _ => n.floor(),
            }))
        }
        "min" | "max" => {
            if values.is_empty() {
                return Err(err("must pass at least one number"));
            }
            let mut best: Option<f64> = None;
            for v in &values {
                let Some(n) = number_arg(v)? else {
                    return unknown();
                };
                best = Some(match best {
                    Some(b) if (name == "min") == (b <= n) => b,
                    _ => n,
                });
            }
            Ok(best.map_or_else(Value::unknown, num))
        }
        "sum" => sum(scope, values),
        "range" => range(values),
        "alltrue" | "anytrue" => {
            arity(name, &values, 1)?;
            let Some((items, _)) = list_arg(&values[0], Type::Bool)? else {
                return unknown();
            };
            let all = name == "alltrue";
            let mut undecided = false;
            for item in &items {
                match &item.kind {
                    ValueKind::Bool(b) if *b != all => return Ok(boolean(!all)),
                    ValueKind::Bool(_) => {}
                    // A null element is false for both.
                    ValueKind::Null if all => return Ok(boolean(false)),
                    ValueKind::Null => {}
                    _ => undecided = true,
                }
            }
            if undecided {
                unknown()
            } else {
                Ok(boolean(all))
            }
        }
        "contains" => contains(scope, values),
        "index" => index(scope, values),
        "concat" => concat(values),
        "coalesce" => coalesce(values),
        "coalescelist" => {
            if values.is_empty() {
                return Err(err("no non-null arguments"));
            }
            if values
                .iter()
                .any(|v| v.is_set() || !matches!(v.kind, ValueKind::List(_)))
            {
                return Err(err("coalescelist arguments must be lists or tuples"));
            }
            for v in values {
                match &v.kind {
                    ValueKind::List(items) if items.is_empty() => continue,
                    _ => return Ok(v),
                }
            }
            Err(err("no non-null arguments"))
        }
        "lookup" => lookup(values),
        "merge" => merge(values),
        "keys" | "values" => {
            arity(name, &values, 1)?;
            let v = &values[0];
            match &v.kind {
                ValueKind::Unknown => unknown(),
                ValueKind::Object(_) => {
                    let entries = v.entries();
                    if name == "keys" {
                        let keys = entries.iter().map(|(k, _)| string((*k).clone())).collect();
                        Ok(list_or_tuple(keys, v.is_map().then_some(Type::String)))
                    } else {
                        let vals = entries.iter().map(|(_, v)| (*v).clone()).collect();
                        Ok(list_or_tuple(vals, element_type(v).cloned()))
                    }
                }
                _ => Err(err(format!("`{name}` needs a map or an object"))),
            }
        }
        "zipmap" => zipmap(values),
        "element" => {
            arity(name, &values, 2)?;
            let v = &values[0];
            if v.is_set() {
                return Err(err("cannot read elements from a set"));
            }
            let Some(items) = seq_arg(name, v)? else {
                return unknown();
            };
            let Some(i) = int_arg(&values[1])? else {
                return unknown();
            };
            if items.is_empty() {
                return Err(err("cannot use element function with an empty list"));
            }
            if i < 0 {
                return Err(err("invalid index for `element`"));
            }
            let len = items.len() as i64;
            items
                .get((i % len) as usize)
                .cloned()
                .ok_or_else(|| err("invalid index for `element`"))
        }
        "one" => {
            arity(name, &values, 1)?;
            let Some(items) = seq_arg(name, &values[0])? else {
                return unknown();
            };
            match items {
                [] => Ok(Value::new(ValueKind::Null)),
                [one] => Ok(one.clone()),
                _ => Err(err(
                    "must be a list, set, or tuple value with either zero or one elements",
                )),
            }
        }
        "reverse" => {
            arity(name, &values, 1)?;
            let v = &values[0];
            let Some(items) = seq_arg(name, v)? else {
                return unknown();
            };
            let reversed: Vec<Value> = items.iter().rev().cloned().collect();
            Ok(list_or_tuple(reversed, element_type(v).cloned()))
        }
        "slice" => {
            arity(name, &values, 3)?;
            let v = &values[0];
            if v.is_set() {
                return Err(err("a set cannot be sliced"));
            }
            let Some(items) = seq_arg(name, v)? else {
                return unknown();
            };
            let (Some(start), Some(end)) = (int_arg(&values[1])?, int_arg(&values[2])?) else {
                return unknown();
            };
            if start < 0 {
                return Err(err("start index must not be less than zero"));
            }
            if end > items.len() as i64 {
                return Err(err(
                    "end index must not be greater than the length of the list",
                ));
            }
            if start > end {
                return Err(err("start index must not be greater than end index"));
            }
            let slice = items[start as usize..end as usize].to_vec();
            Ok(list_or_tuple(slice, element_type(v).cloned()))
        }
        "sort" => {
            arity(name, &values, 1)?;
            let Some((mut items, _)) = list_arg(&values[0], Type::String)? else {
                return unknown();
            };
            if items.iter().any(Value::is_unknown) {
                // Terraform knows the length, not the order.
                let n = items.len();
                return Ok(Value::list(vec![Value::unknown(); n], Type::String));
            }
            if items.iter().any(Value::is_null) {
                return Err(err("given list element is null"));
            }
            if !scope.charge(items.len() as u64 * 4) {
                return unknown();
            }
            items.sort_by(|a, b| match (&a.kind, &b.kind) {
                (ValueKind::String(x), ValueKind::String(y)) => x.as_bytes().cmp(y.as_bytes()),
                _ => std::cmp::Ordering::Equal,
            });
            Ok(Value::list(items, Type::String))
        }
        "distinct" => {
            arity(name, &values, 1)?;
            let Some((items, elem)) = list_arg(&values[0], Type::Any)? else {
                return unknown();
            };
            if items.iter().any(Value::has_unknown) {
                return unknown();
            }
            let Some(out) = dedupe(scope, items) else {
                return unknown();
            };
            Ok(Value::list(out, elem))
        }
        "compact" => {
            arity(name, &values, 1)?;
            let Some((items, _)) = list_arg(&values[0], Type::String)? else {
                return unknown();
            };
            if items.iter().any(Value::is_unknown) {
                return unknown();
            }
            let kept = items
                .into_iter()
                .filter(|v| {
                    !v.is_null() && !matches!(&v.kind, ValueKind::String(s) if s.is_empty())
                })
                .collect();
            Ok(Value::list(kept, Type::String))
        }
        "flatten" => {
            arity(name, &values, 1)?;
            fn flat(v: &Value, out: &mut Vec<Value>, depth: u32) -> Option<()> {
                match &v.kind {
                    ValueKind::List(items) if depth < 128 => {
                        for i in items {
                            flat(i, out, depth + 1)?;
                        }
                        Some(())
                    }
                    ValueKind::Unknown | ValueKind::List(_) => None,
                    _ => {
                        out.push(v.clone());
                        Some(())
                    }
                }
            }
            if !matches!(values[0].kind, ValueKind::List(_)) {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(err("`flatten` needs a list"))
                };
            }
            let mut out = Vec::new();
            if flat(&values[0], &mut out, 0).is_none() {
                return unknown();
            }
            Ok(Value::tuple(out))
        }
        "chunklist" => {
            arity(name, &values, 2)?;
            let Some((items, elem)) = list_arg(&values[0], Type::Any)? else {
                return unknown();
            };
            let Some(size) = int_arg(&values[1])? else {
                return unknown();
            };
            if size < 0 {
                return Err(err("the size argument must be positive"));
            }
            let chunk_ty = Type::List(Box::new(elem.clone()));
            if items.is_empty() {
                return Ok(Value::list(Vec::new(), chunk_ty));
            }
            let size = if size == 0 {
                items.len()
            } else {
                (size as usize).min(items.len())
            };
            let chunks = items
                .chunks(size)
                .map(|c| Value::list(c.to_vec(), elem.clone()))
                .collect();
            Ok(Value::list(chunks, chunk_ty))
        }
        "transpose" => {
            arity(name, &values, 1)?;
            let ty = Type::Map(Box::new(Type::List(Box::new(Type::String))));
            let Some(m) = typed_arg(&values[0], &ty)? else {
                return unknown();
            };
            if m.has_unknown() {
                return unknown();
            }
            let mut out: Vec<(String, Vec<Value>)> = Vec::new();
            for (k, list) in m.entries() {
                let ValueKind::List(items) = &list.kind else {
                    continue;
                };
                for item in items {
                    let ValueKind::String(s) = &item.kind else {
                        return Err(err("transpose: the map values must not contain null"));
                    };
                    let key = string(k.clone());
                    match out.iter_mut().find(|(o, _)| o == s) {
                        Some(slot) => slot.1.push(key),
                        None => out.push((s.clone(), vec![key])),
                    }
                }
            }
            let entries = out
                .into_iter()
                .map(|(k, vs)| (k, Value::list(vs, Type::String)))
                .collect();
            Ok(Value::map(entries, Type::List(Box::new(Type::String))))
        }
        "setunion" | "setintersection" | "setsubtract" => set_operation(scope, name, values),
        _ => unknown(),
    }
}

// ---------------------------------------------------------------------------------------------
// Functions with more to them
// ---------------------------------------------------------------------------------------------

fn length(values: Vec<Value>) -> EvalResult {
    arity("length", &values, 1)?;
    let v = &values[0];
    let n = match &v.kind {
        ValueKind::Unknown => return unknown(),
        ValueKind::Null => return Err(err("argument must not be null")),
        // Terraform counts user-perceived characters (grapheme clusters).
        ValueKind::String(s) => {
            unicode_segmentation::UnicodeSegmentation::graphemes(s.as_str(), true).count()
        }
        ValueKind::List(items) => items.len(),
        ValueKind::Object(_) => v.entries().len(),
        _ => return Err(err("`length` needs a collection or string")),
    };
    Ok(num(n as f64))
}

fn contains(scope: &Scope, values: Vec<Value>) -> EvalResult {
    arity("contains", &values, 2)?;
    let ValueKind::List(items) = &values[0].kind else {
        return if values[0].is_unknown() {
            unknown()
        } else {
            Err(err("argument must be list, tuple, or set"))
        };
    };
    if !scope.charge(items.len() as u64) {
        return unknown();
    }
    let mut undecided = false;
    for item in items {
        match item.equals(&values[1]) {
            Some(true) => return Ok(boolean(true)),
            None => undecided = true,
            Some(false) => {}
        }
    }
    if undecided {
        unknown()
    } else {
        Ok(boolean(false))
    }
}

fn index(scope: &Scope, values: Vec<Value>) -> EvalResult {
    arity("index", &values, 2)?;
    if values[0].is_set() {
        return Err(err("argument must be a list or tuple"));
    }
    let Some(items) = seq_arg("index", &values[0])? else {
        return unknown();
    };
    if !scope.charge(items.len() as u64) {
        return unknown();
    }
    for (i, item) in items.iter().enumerate() {
        match item.equals(&values[1]) {
            Some(true) => return Ok(num(i as f64)),
            // An unknown element before the match may be the one.
            None => return unknown(),
            Some(false) => {}
        }
    }
    Err(err("item not found"))
}

fn concat(values: Vec<Value>) -> EvalResult {
    if values.is_empty() {
        return Err(err("at least one argument is required"));
    }
    let mut out = Vec::new();
    let mut size = Size::default();
    // All lists of one element type give a list; anything else a tuple.
    let mut list_type: Option<Option<Type>> = None;
    for v in &values {
        match &v.kind {
            ValueKind::List(_) if v.is_set() => {
                return Err(err("all arguments must be lists or tuples; got a set"))
            }
            ValueKind::List(items) => {
                let this = if v.is_list() {
                    element_type(v).cloned()
                } else {
                    None
                };
                list_type = Some(match list_type {
                    None => this,
                    Some(prev) if prev == this => prev,
                    Some(_) => None,
                });
                for item in items {
                    if !size.add(item) {
                        return unknown();
                    }
                    out.push(item.clone());
                }
            }
            ValueKind::Unknown => return unknown(),
            _ => return Err(err("`concat` needs lists")),
        }
    }
    Ok(list_or_tuple(out, list_type.flatten()))
}

fn coalesce(values: Vec<Value>) -> EvalResult {
    if values.is_empty() {
        return Err(err("no non-null, non-empty-string arguments"));
    }
    let ty = unify_values(&values).ok_or_else(|| err("all arguments must have the same type"))?;
    for v in values {
        match &v.kind {
            ValueKind::Unknown => return unknown(),
            ValueKind::Null => continue,
            _ => {}
        }
        let v = convert(v, &ty)?;
        if matches!(&v.kind, ValueKind::String(s) if s.is_empty()) {
            continue;
        }
        return Ok(v);
    }
    Err(err("no non-null, non-empty-string arguments"))
}

fn lookup(values: Vec<Value>) -> EvalResult {
    arity_between("lookup", &values, 2, 3)?;
    let Some(key) = string_arg(&values[1])? else {
        return unknown();
    };
    let m = &values[0];
    match &m.kind {
        ValueKind::Unknown => unknown(),
        ValueKind::Object(_) => match m.get(&key) {
            Some(v) => Ok(v.clone()),
            None => {
                let Some(default) = values.get(2) else {
                    return Err(err(format!("the given object has no attribute \"{key}\"")));
                };
                match element_type(m) {
                    // A map's default must convert to the element type.
                    Some(elem) if m.is_map() => convert(default.clone(), elem).map_err(|_| {
                        err("the default value must have the same type as the map elements")
                    }),
                    _ => Ok(default.clone()),
                }
            }
        },
        _ => Err(err("`lookup` needs a map")),
    }
}

fn merge(values: Vec<Value>) -> EvalResult {
    let mut out = super::collections::Entries::default();
    let mut map_type: Option<Option<Type>> = None;
    for v in &values {
        match &v.kind {
            ValueKind::Null => {}
            ValueKind::Object(items) => {
                let this = if v.is_map() {
                    element_type(v).cloned()
                } else {
                    None
                };
                map_type = Some(match map_type {
                    None => this,
                    Some(prev) if prev == this => prev,
                    Some(_) => None,
                });
                for (k, v) in items {
                    out.insert(k.clone(), v.clone());
                }
            }
            ValueKind::Unknown => return unknown(),
            _ => return Err(err("arguments must be maps or objects")),
        }
    }
    let mut out = out.into_vec();
    out.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(match map_type.flatten() {
        Some(elem) => Value::map(out, elem),
        None => Value::new(ValueKind::Object(out)),
    })
}

fn zipmap(values: Vec<Value>) -> EvalResult {
    arity("zipmap", &values, 2)?;
    let Some((keys, _)) = list_arg(&values[0], Type::String)? else {
        return unknown();
    };
    let Some(vals) = seq_arg("zipmap", &values[1])? else {
        return unknown();
    };
    if keys.len() != vals.len() {
        return Err(err(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            vals.len()
        )));
    }
    let mut out = Vec::with_capacity(keys.len());
    for (k, v) in keys.iter().zip(vals) {
        match &k.kind {
            ValueKind::String(k) => out.push((k.clone(), v.clone())),
            ValueKind::Unknown => return unknown(),
            _ => return Err(err("keys must not be null")),
        }
    }
    Ok(if values[1].ty.is_some() {
        Value::map(out, element_type(&values[1]).cloned().unwrap_or(Type::Any))
    } else {
        let entries = super::collections::sorted_entries(&out)
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::new(ValueKind::Object(entries))
    })
}

fn join(values: Vec<Value>) -> EvalResult {
    if values.len() < 2 {
        return Err(err("`join` takes a separator and lists"));
    }
    let Some(sep) = string_arg(&values[0])? else {
        return unknown();
    };
    let mut parts = Vec::new();
    for list in &values[1..] {
        let Some((items, _)) = list_arg(list, Type::String)? else {
            return unknown();
        };
        for (i, item) in items.into_iter().enumerate() {
            match item.kind {
                ValueKind::String(s) => parts.push(s),
                ValueKind::Null => {
                    return Err(err(format!(
                        "element {i} is null; cannot concatenate null values"
                    )))
                }
                _ => return unknown(),
            }
        }
    }
    let total = parts.iter().map(String::len).sum::<usize>()
        + sep.len().saturating_mul(parts.len().saturating_sub(1));
    if total > super::MAX_STRING_BYTES {
        return unknown();
    }
    Ok(string(parts.join(&sep)))
}

fn formatlist(scope: &Scope, values: Vec<Value>) -> EvalResult {
    let Some((fmt, rest)) = values.split_first() else {
        return Err(err("`formatlist` needs a format string"));
    };
    let Some(fmt) = string_arg(fmt)? else {
        return unknown();
    };
    if rest.iter().any(Value::is_null) {
        return unknown();
    }
    // List arguments are iterated together (they must have one length); other arguments
    // are repeated.
    let mut len: Option<usize> = None;
    for v in rest {
        match &v.kind {
            ValueKind::Unknown => return unknown(),
            ValueKind::List(items) => match len {
                Some(l) if l != items.len() => {
                    return Err(err(
                        "all list arguments to formatlist must have the same length",
                    ))
                }
                _ => len = Some(items.len()),
            },
            _ => {}
        }
    }
    let n = len.unwrap_or(1);
    if n > MAX_ELEMENTS {
        return unknown();
    }
    let mut out = Vec::with_capacity(n);
    let mut bytes = 0usize;
    for i in 0..n {
        if !scope.charge(1 + rest.len() as u64) {
            return unknown();
        }
        let args: Vec<Value> = rest
            .iter()
            .map(|v| match &v.kind {
                ValueKind::List(items) => items.get(i).cloned().unwrap_or_else(Value::unknown),
                _ => v.clone(),
            })
            .collect();
        let s = super::format::format_row(&fmt, &args)?;
        if let ValueKind::String(text) = &s.kind {
            bytes += text.len();
            if bytes > super::MAX_STRING_BYTES {
                return unknown();
            }
        }
        out.push(s);
    }
    Ok(Value::list(out, Type::String))
}

fn sum(scope: &Scope, values: Vec<Value>) -> EvalResult {
    arity("sum", &values, 1)?;
    let Some(items) = seq_arg("sum", &values[0])? else {
        return unknown();
    };
    if items.is_empty() {
        return Err(err("cannot sum an empty list"));
    }
    if !scope.charge(items.len() as u64) {
        return unknown();
    }
    let mut total = 0.0;
    for item in items {
        if item.is_null() {
            return Err(err("argument must be list, set, or tuple of number values"));
        }
        let Some(n) = item.to_number()? else {
            return unknown();
        };
        let Some(t) = number::add(total, n) else {
            return unknown();
        };
        total = t;
    }
    Ok(num(total))
}

/// `range(limit)`, `range(start, limit)`, `range(start, limit, step)`: at most 1024
/// numbers, as in Terraform.
fn range(values: Vec<Value>) -> EvalResult {
    arity_between("range", &values, 1, 3)?;
    let mut nums = Vec::with_capacity(3);
    for v in &values {
        let Some(n) = number_arg(v)? else {
            return unknown();
        };
        nums.push(n);
    }
    let (start, end, step) = match nums.as_slice() {
        [end] => (0.0, *end, if *end < 0.0 { -1.0 } else { 1.0 }),
        [start, end] => (*start, *end, if end < start { -1.0 } else { 1.0 }),
        [start, end, step] => {
            if *step < 0.0 && end > start {
                return Err(err("end must be less than start when step is negative"));
            }
            if *step > 0.0 && end < start {
                return Err(err("end must be greater than start when step is positive"));
            }
            (*start, *end, *step)
        }
        _ => return unknown(),
    };
    let mut out = Vec::new();
    let mut v = start;
    while (step < 0.0 && v > end) || (step >= 0.0 && v < end) {
        out.push(num(v));
        if out.len() > 1024 {
            return Err(err(
                "more than 1024 values were generated; either decrease the difference between start and end or use a smaller step",
            ));
        }
        let Some(next) = number::add(v, step) else {
            return unknown();
        };
        v = next;
    }
    Ok(Value::list(out, Type::Number))
}

/// `setunion`, `setintersection`, `setsubtract`: the arguments' elements unified to one
/// type; the result is a set.
fn set_operation(scope: &Scope, name: &str, values: Vec<Value>) -> EvalResult {
    if values.is_empty() || (name == "setsubtract" && values.len() != 2) {
        return Err(err(format!("`{name}` needs sets")));
    }
    let mut sets: Vec<&[Value]> = Vec::with_capacity(values.len());
    for v in &values {
        match seq_arg(name, v)? {
            Some(items) => sets.push(items),
            None => return unknown(),
        }
    }
    let all: Vec<Type> = sets
        .iter()
        .flat_map(|s| s.iter().map(type_of))
        .chain(values.iter().filter_map(|v| element_type(v).cloned()))
        .collect();
    let elem =
        unify(&all).ok_or_else(|| err("given sets must all have compatible element types"))?;
    let mut converted: Vec<Vec<Value>> = Vec::with_capacity(sets.len());
    for s in &sets {
        let items = s
            .iter()
            .map(|v| convert(v.clone(), &elem))
            .collect::<Result<Vec<_>, _>>()?;
        if items.iter().any(Value::has_unknown) {
            return unknown();
        }
        converted.push(items);
    }
    let work: u64 = converted
        .iter()
        .map(|s| s.len() as u64)
        .product::<u64>()
        .max(1);
    if !scope.charge(work.min(u64::MAX / 2)) {
        return unknown();
    }
    let in_set = |v: &Value, set: &[Value]| set.iter().any(|x| x.equals(v) == Some(true));
    let items: Vec<Value> = match name {
        "setunion" => converted.concat(),
        "setintersection" => {
            let (first, rest) = converted
                .split_first()
                .map_or((&[][..], &[][..]), |(f, r)| (f.as_slice(), r));
            first
                .iter()
                .filter(|v| rest.iter().all(|s| in_set(v, s)))
                .cloned()
                .collect()
        }
        _ => converted[0]
            .iter()
            .filter(|v| !in_set(v, &converted[1]))
            .cloned()
            .collect(),
    };
    Ok(Value::set(items, elem))
}

/// Removes repeated elements, keeping the first; `None` when out of work.
fn dedupe(scope: &Scope, items: Vec<Value>) -> Option<Vec<Value>> {
    let n = items.len() as u64;
    if !scope.charge(n.saturating_mul(n) / 2 + 1) {
        return None;
    }
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|o| o.equals(&item) == Some(true)) {
            out.push(item);
        }
    }
    Some(out)
}
