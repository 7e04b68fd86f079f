//! The pure Terraform functions kmslint evaluates. Any other function is unknown.

use super::{EvalError, EvalResult, Scope, Value, ValueKind};
use crate::syntax::Expr;

type Eval<'a> = &'a dyn Fn(&Expr) -> EvalResult;

pub(super) fn call(
    _scope: &Scope,
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
    if !is_supported(name) {
        return Ok(Value::unknown());
    }
    let mut values = args.iter().map(eval).collect::<Result<Vec<_>, _>>()?;
    if expand_final {
        match values.pop().map(|v| v.kind) {
            Some(ValueKind::List(items)) => values.extend(items),
            _ => return Ok(Value::unknown()),
        }
    }
    apply(name, values)
}

fn is_supported(name: &str) -> bool {
    matches!(
        name,
        "tobool"
            | "tostring"
            | "tonumber"
            | "lower"
            | "upper"
            | "contains"
            | "concat"
            | "coalesce"
            | "length"
            | "lookup"
            | "merge"
            | "toset"
            | "tolist"
            | "tomap"
            | "keys"
            | "values"
            | "element"
            | "distinct"
            | "compact"
            | "flatten"
            | "join"
            | "trimspace"
    )
}

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

fn arity(name: &str, values: &[Value], n: usize) -> Result<(), EvalError> {
    if values.len() == n {
        Ok(())
    } else {
        Err(EvalError::new(format!("`{name}` takes {n} argument(s)")))
    }
}

fn apply(name: &str, values: Vec<Value>) -> EvalResult {
    // Any wholly unknown argument makes these functions unknown, except for the collection
    // functions that can still answer (handled below).
    let origin = values.iter().find_map(|v| v.origin.clone());
    let known = |kind: ValueKind| {
        Ok(Value {
            kind,
            origin: origin.clone(),
            derived: origin.is_some(),
        })
    };
    let unknown = || Ok(Value::unknown());
    match name {
        "tobool" | "tostring" | "tonumber" | "lower" | "upper" | "trimspace" => {
            arity(name, &values, 1)?;
            let v = &values[0];
            if matches!(v.kind, ValueKind::Null) {
                return Ok(v.clone());
            }
            match name {
                "tobool" => match v.to_bool()? {
                    Some(b) => Ok(Value {
                        kind: ValueKind::Bool(b),
                        origin: v.origin.clone(),
                        derived: v.derived,
                    }),
                    None => unknown(),
                },
                "tonumber" => match v.to_number()? {
                    Some(n) => known(ValueKind::Number(n)),
                    None => unknown(),
                },
                _ => match v.to_str()? {
                    Some(s) => known(ValueKind::String(match name {
                        "lower" => s.to_lowercase(),
                        "upper" => s.to_uppercase(),
                        "trimspace" => s.trim().to_string(),
                        _ => s,
                    })),
                    None => unknown(),
                },
            }
        }
        "contains" => {
            arity(name, &values, 2)?;
            let ValueKind::List(items) = &values[0].kind else {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(EvalError::new("`contains` needs a list"))
                };
            };
            let mut undecided = false;
            for item in items {
                match item.equals(&values[1]) {
                    Some(true) => return known(ValueKind::Bool(true)),
                    None => undecided = true,
                    Some(false) => {}
                }
            }
            if undecided {
                unknown()
            } else {
                known(ValueKind::Bool(false))
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for v in values {
                match v.kind {
                    ValueKind::List(items) => out.extend(items),
                    ValueKind::Unknown => return unknown(),
                    _ => return Err(EvalError::new("`concat` needs lists")),
                }
            }
            known(ValueKind::List(out))
        }
        "coalesce" => {
            for v in values {
                match &v.kind {
                    ValueKind::Unknown => return unknown(),
                    ValueKind::Null => continue,
                    ValueKind::String(s) if s.is_empty() => continue,
                    _ => return Ok(v),
                }
            }
            Err(EvalError::new(
                "no non-null, non-empty argument to `coalesce`",
            ))
        }
        "length" => {
            arity(name, &values, 1)?;
            let n = match &values[0].kind {
                ValueKind::Unknown => return unknown(),
                // Terraform counts user-perceived characters (grapheme clusters).
                ValueKind::String(s) => {
                    unicode_segmentation::UnicodeSegmentation::graphemes(s.as_str(), true).count()
                }
                ValueKind::List(items) => items.len(),
                ValueKind::Object(items) => items.len(),
                _ => return Err(EvalError::new("`length` needs a collection or string")),
            };
            known(ValueKind::Number(n as f64))
        }
        "lookup" => {
            if values.len() != 2 && values.len() != 3 {
                return Err(EvalError::new("`lookup` takes 2 or 3 arguments"));
            }
            let key = match values[1].to_str()? {
                Some(k) => k,
                None => return unknown(),
            };
            match &values[0].kind {
                ValueKind::Unknown => unknown(),
                ValueKind::Object(_) => match values[0].get(&key) {
                    Some(v) => Ok(v.clone()),
                    None => values
                        .get(2)
                        .cloned()
                        .ok_or_else(|| EvalError::new(format!("key `{key}` not found"))),
                },
                _ => Err(EvalError::new("`lookup` needs a map")),
            }
        }
        "merge" => {
            let mut out: Vec<(String, Value)> = Vec::new();
            for v in values {
                match v.kind {
                    ValueKind::Null => {}
                    ValueKind::Object(items) => {
                        for (k, v) in items {
                            out.retain(|(existing, _)| existing != &k);
                            out.push((k, v));
                        }
                    }
                    ValueKind::Unknown => return unknown(),
                    _ => return Err(EvalError::new("`merge` needs maps or objects")),
                }
            }
            known(ValueKind::Object(out))
        }
        "toset" | "tolist" | "distinct" => {
            arity(name, &values, 1)?;
            let ValueKind::List(items) = &values[0].kind else {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(EvalError::new(format!("`{name}` needs a list")))
                };
            };
            if name == "tolist" {
                return Ok(values[0].clone());
            }
            let mut out: Vec<Value> = Vec::new();
            for item in items {
                match out
                    .iter()
                    .map(|o| o.equals(item))
                    .find(|e| *e != Some(false))
                {
                    Some(Some(true)) => {}
                    Some(None) => return unknown(),
                    _ => out.push(item.clone()),
                }
            }
            if name == "toset" {
                // Sets are ordered like go-cty: false before true, numbers by value, strings
                // lexically. Mixed element types keep their order.
                let rank = |v: &Value| match &v.kind {
                    ValueKind::Bool(_) => 0,
                    ValueKind::Number(_) => 1,
                    ValueKind::String(_) => 2,
                    _ => 3,
                };
                let first = out.first().map(rank);
                if first.is_some_and(|r| r < 3) && out.iter().all(|v| Some(rank(v)) == first) {
                    out.sort_by(|a, b| match (&a.kind, &b.kind) {
                        (ValueKind::Bool(x), ValueKind::Bool(y)) => x.cmp(y),
                        (ValueKind::Number(x), ValueKind::Number(y)) => x.total_cmp(y),
                        (ValueKind::String(x), ValueKind::String(y)) => x.cmp(y),
                        _ => std::cmp::Ordering::Equal,
                    });
                }
            }
            known(ValueKind::List(out))
        }
        "tomap" => {
            arity(name, &values, 1)?;
            match &values[0].kind {
                ValueKind::Object(_) | ValueKind::Unknown => Ok(values[0].clone()),
                _ => Err(EvalError::new("`tomap` needs an object")),
            }
        }
        "keys" | "values" => {
            arity(name, &values, 1)?;
            match &values[0].kind {
                ValueKind::Unknown => unknown(),
                ValueKind::Object(items) => {
                    let mut sorted = items.clone();
                    sorted.sort_by(|a, b| a.0.cmp(&b.0));
                    known(ValueKind::List(
                        sorted
                            .into_iter()
                            .map(|(k, v)| {
                                if name == "keys" {
                                    Value::new(ValueKind::String(k))
                                } else {
                                    v
                                }
                            })
                            .collect(),
                    ))
                }
                _ => Err(EvalError::new(format!("`{name}` needs a map"))),
            }
        }
        "element" => {
            arity(name, &values, 2)?;
            let ValueKind::List(items) = &values[0].kind else {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(EvalError::new("`element` needs a list"))
                };
            };
            let Some(i) = values[1].to_number()? else {
                return unknown();
            };
            if items.is_empty() || i < 0.0 {
                return Err(EvalError::new("invalid index for `element`"));
            }
            Ok(items[(i as usize) % items.len()].clone())
        }
        "compact" => {
            arity(name, &values, 1)?;
            let ValueKind::List(items) = &values[0].kind else {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(EvalError::new("`compact` needs a list"))
                };
            };
            if items.iter().any(Value::is_unknown) {
                return unknown();
            }
            known(ValueKind::List(
                items
                    .iter()
                    .filter(|v| {
                        !matches!(&v.kind, ValueKind::Null)
                            && !matches!(&v.kind, ValueKind::String(s) if s.is_empty())
                    })
                    .cloned()
                    .collect(),
            ))
        }
        "flatten" => {
            arity(name, &values, 1)?;
            fn flat(v: &Value, out: &mut Vec<Value>) -> bool {
                match &v.kind {
                    ValueKind::List(items) => items.iter().all(|i| flat(i, out)),
                    ValueKind::Unknown => false,
                    _ => {
                        out.push(v.clone());
                        true
                    }
                }
            }
            let mut out = Vec::new();
            if !matches!(values[0].kind, ValueKind::List(_)) {
                return if values[0].is_unknown() {
                    unknown()
                } else {
                    Err(EvalError::new("`flatten` needs a list"))
                };
            }
            if !flat(&values[0], &mut out) {
                return unknown();
            }
            known(ValueKind::List(out))
        }
        "join" => {
            if values.len() < 2 {
                return Err(EvalError::new("`join` takes a separator and lists"));
            }
            let Some(sep) = values[0].to_str()? else {
                return unknown();
            };
            let mut parts = Vec::new();
            for list in &values[1..] {
                match &list.kind {
                    ValueKind::List(items) => {
                        for item in items {
                            match item.to_str()? {
                                Some(s) => parts.push(s),
                                None => return unknown(),
                            }
                        }
                    }
                    ValueKind::Unknown => return unknown(),
                    _ => return Err(EvalError::new("`join` needs lists")),
                }
            }
            known(ValueKind::String(parts.join(&sep)))
        }
        _ => unknown(),
    }
}
