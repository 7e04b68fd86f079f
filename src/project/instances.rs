//! Terraform's repetition semantics: which instances a `resource` or `module` block
//! creates (`count`, `for_each`, OpenTofu's `lifecycle { enabled }`), and which nested
//! blocks a `dynamic` block generates.

use crate::eval::{Bindings, Scope, Value, ValueKind};
use crate::syntax::{Block, Body, Expr, ExprKind};

/// More instances than this are not expanded one by one: the block is treated as having
/// an unknown number of instances (what holds for every instance is still reported). Real
/// configurations stay far below it; a number taken from a file must never decide how much
/// is allocated.
pub const MAX_INSTANCES: usize = 10_000;

/// Evaluates an expression with names bound; errors are unknown.
pub fn eval(scope: &Scope, binds: &[(String, Value)], expr: &Expr) -> Value {
    scope
        .eval_with(expr, binds)
        .unwrap_or_else(|_| Value::unknown())
}

/// The instances a block creates.
pub enum Instances {
    /// Known instances; empty when `count = 0`, an empty `for_each`, or
    /// `lifecycle { enabled = false }` means nothing is created.
    Known(Vec<Instance>),
    /// The repetition cannot be known: one stand-in instance whose `count`/`each` are unknown,
    /// so only what holds for every instance is reported.
    Unknown(Instance),
}

impl Instances {
    /// The instances to evaluate, and whether they stand for an unknown repetition.
    pub fn into_list(self) -> (Vec<Instance>, bool) {
        match self {
            Instances::Known(list) => (list, false),
            Instances::Unknown(one) => (vec![one], true),
        }
    }
}

pub struct Instance {
    /// `[0]` or `["orders"]`; `None` for a block without repetition.
    pub key: Option<String>,
    pub binds: Bindings,
}

/// The instances a block with `count`/`for_each`/`lifecycle { enabled }` creates (resources
/// and module calls alike), evaluated in `scope` with `outer` bound.
pub fn instances_of(scope: &Scope, outer: &Bindings, body: &Body) -> Instances {
    // OpenTofu: `lifecycle { enabled = false }` means the resource is not created.
    for lifecycle in body.blocks_named("lifecycle") {
        if let Some(enabled) = lifecycle.body.attribute("enabled") {
            if eval(scope, outer, &enabled.expr).to_bool().ok().flatten() == Some(false) {
                return Instances::Known(Vec::new());
            }
        }
    }
    let bind = |name: &str, value: Value| {
        let mut binds = outer.clone();
        binds.push((name.to_string(), value));
        binds
    };
    let object = |items: Vec<(&str, Value)>| {
        Value::new(ValueKind::Object(
            items.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
        ))
    };
    if let Some(count) = body.attribute("count") {
        return match eval(scope, outer, &count.expr).to_number() {
            Ok(Some(n)) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_INSTANCES as f64 => {
                Instances::Known(
                    (0..n as usize)
                        .map(|i| Instance {
                            key: Some(format!("[{i}]")),
                            binds: bind(
                                "count",
                                object(vec![("index", Value::new(ValueKind::Number(i as f64)))]),
                            ),
                        })
                        .collect(),
                )
            }
            _ => Instances::Unknown(Instance {
                key: None,
                binds: bind("count", Value::unknown()),
            }),
        };
    }
    if let Some(for_each) = body.attribute("for_each") {
        let value = eval(scope, outer, &for_each.expr);
        let pairs: Option<Vec<(String, Value)>> = match &value.kind {
            ValueKind::Object(items) if items.len() <= MAX_INSTANCES => Some(items.clone()),
            ValueKind::List(items) if items.len() <= MAX_INSTANCES => items
                .iter()
                .map(|v| match &v.kind {
                    ValueKind::String(s) => Some((s.clone(), v.clone())),
                    _ => None,
                })
                .collect(),
            _ => None,
        };
        return match pairs {
            Some(pairs) => Instances::Known(
                pairs
                    .into_iter()
                    .map(|(k, v)| Instance {
                        key: Some(format!("[{k:?}]")),
                        binds: bind(
                            "each",
                            object(vec![
                                ("key", Value::new(ValueKind::String(k))),
                                ("value", v),
                            ]),
                        ),
                    })
                    .collect(),
            ),
            _ => Instances::Unknown(Instance {
                key: None,
                binds: bind("each", Value::unknown()),
            }),
        };
    }
    Instances::Known(vec![Instance {
        key: None,
        binds: outer.clone(),
    }])
}

/// When a block's `count` or `for_each` is known but asks for more than [`MAX_INSTANCES`]
/// instances (which are then one unknown stand-in, never allocated one by one): where, and a
/// note saying so. Only asked for blocks whose repetition came out unknown.
pub fn too_many_instances(scope: &Scope, body: &Body) -> Option<(crate::source::Span, String)> {
    let outer = Bindings::new();
    let over = |n: f64| {
        format!(
            "{n} instances are more than kmslint's limit of {MAX_INSTANCES}: they are checked as one instance of unknown count, so only what holds for all of them is reported"
        )
    };
    if let Some(count) = body.attribute("count") {
        let n = eval(scope, &outer, &count.expr)
            .to_number()
            .ok()
            .flatten()?;
        return (n > MAX_INSTANCES as f64).then(|| (count.span.clone(), over(n)));
    }
    let for_each = body.attribute("for_each")?;
    let n = match &eval(scope, &outer, &for_each.expr).kind {
        ValueKind::Object(items) => items.len(),
        ValueKind::List(items) => items.len(),
        _ => return None,
    };
    (n > MAX_INSTANCES).then(|| (for_each.span.clone(), over(n as f64)))
}

/// The nested blocks `ident` of `body`, with `dynamic "ident"` blocks expanded: each
/// `content` block comes with its iterator bound. `None` when a dynamic block's `for_each` is
/// unknown (the blocks cannot be known).
pub fn expand_blocks<'b>(
    scope: &Scope,
    outer: &Bindings,
    body: &'b Body,
    ident: &str,
) -> Option<Vec<(&'b Block, Bindings)>> {
    let mut out: Vec<(&'b Block, Bindings)> = body
        .blocks
        .iter()
        .filter(|b| b.ident == ident)
        .map(|b| (b, outer.clone()))
        .collect();
    for dynamic in body
        .blocks
        .iter()
        .filter(|d| d.ident == "dynamic" && d.label(0) == Some(ident))
    {
        let iterator = dynamic
            .body
            .attribute("iterator")
            .and_then(|a| match &a.expr.kind {
                ExprKind::Variable(name) => Some(name.clone()),
                _ => None,
            })
            .unwrap_or_else(|| ident.to_string());
        let Some(content) = dynamic.body.blocks.iter().find(|b| b.ident == "content") else {
            continue;
        };
        let for_each = dynamic.body.attribute("for_each")?;
        let value = eval(scope, outer, &for_each.expr);
        let pairs: Vec<(Value, Value)> = match value.kind {
            ValueKind::List(items) if items.len() <= MAX_INSTANCES => items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    // Sets are keyed by their value, lists by position.
                    let key = match &v.kind {
                        ValueKind::String(_) => v.clone(),
                        _ => Value::new(ValueKind::Number(i as f64)),
                    };
                    (key, v)
                })
                .collect(),
            ValueKind::Object(items) if items.len() <= MAX_INSTANCES => items
                .into_iter()
                .map(|(k, v)| (Value::new(ValueKind::String(k)), v))
                .collect(),
            _ => return None,
        };
        for (key, value) in pairs {
            let mut binds = outer.clone();
            binds.push((
                iterator.clone(),
                Value::new(ValueKind::Object(vec![
                    ("key".to_string(), key),
                    ("value".to_string(), value),
                ])),
            ));
            out.push((content, binds));
        }
    }
    Some(out)
}
