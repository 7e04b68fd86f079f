//! Collections: iteration order, sets, value sizes, `for` expressions and splats.

use std::collections::HashMap;

use super::types::{self, Type};
use super::{
    EvalError, EvalResult, Frame, Scope, Value, ValueKind, MAX_ELEMENTS, MAX_STRING_BYTES,
};
use crate::syntax::{Expr, ForExpr, TraversalOp};

/// The entries of an object or map as Terraform iterates them: lexical (byte) order of the
/// keys, the last entry of a repeated key.
pub(super) fn sorted_entries(items: &[(String, Value)]) -> Vec<(&String, &Value)> {
    let mut all: Vec<(&String, &Value)> = items.iter().map(|(k, v)| (k, v)).collect();
    // Stable: among repeated keys the last written stays last.
    all.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out: Vec<(&String, &Value)> = Vec::with_capacity(all.len());
    for entry in all {
        match out.last_mut() {
            Some(last) if last.0 == entry.0 => *last = entry,
            _ => out.push(entry),
        }
    }
    out
}

/// Collects object entries, a repeated key replacing the earlier value in place.
#[derive(Default)]
pub(super) struct Entries {
    items: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl Entries {
    pub fn insert(&mut self, key: String, value: Value) {
        match self.index.get(&key) {
            Some(&i) => self.items[i].1 = value,
            None => {
                self.index.insert(key.clone(), self.items.len());
                self.items.push((key, value));
            }
        }
    }

    pub fn into_vec(self) -> Vec<(String, Value)> {
        self.items
    }
}

/// How big a value is, for the budgets.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Size {
    pub elements: usize,
    pub bytes: usize,
    /// Nested deeper than [`MAX_VALUE_DEPTH`].
    pub too_deep: bool,
}

/// Values nested deeper than this are unknown, so that code walking a value (comparisons,
/// conversions, dropping it) never recurses without bound: every collection is built
/// through [`Size::add`] or [`bounded`].
pub(super) const MAX_VALUE_DEPTH: u32 = 128;

impl Size {
    /// The size of `v`, counted up to just past the budget.
    pub fn of(v: &Value) -> Size {
        let mut size = Size::default();
        size.walk(v, 0);
        size
    }

    fn walk(&mut self, v: &Value, depth: u32) {
        if self.over() {
            return;
        }
        if depth > MAX_VALUE_DEPTH {
            self.too_deep = true;
            return;
        }
        match &v.kind {
            ValueKind::String(s) => self.bytes += s.len(),
            ValueKind::List(items) => {
                self.elements += items.len();
                for i in items {
                    self.walk(i, depth + 1);
                    if self.over() {
                        return;
                    }
                }
            }
            ValueKind::Object(items) => {
                self.elements += items.len();
                for (k, i) in items {
                    self.bytes += k.len();
                    self.walk(i, depth + 1);
                    if self.over() {
                        return;
                    }
                }
            }
            _ => {}
        }
    }

    pub fn over(&self) -> bool {
        self.too_deep || self.elements > MAX_ELEMENTS || self.bytes > MAX_STRING_BYTES
    }

    /// Adds one more element `v` of a collection being built; false when the total is past
    /// the budget.
    pub fn add(&mut self, v: &Value) -> bool {
        self.elements += 1;
        self.walk(v, 1);
        !self.over()
    }
}

/// Unknown when the value is past the budgets.
pub(super) fn bounded(v: Value) -> Value {
    if Size::of(&v).over() {
        Value::unknown()
    } else {
        v
    }
}

// ---------------------------------------------------------------------------------------------
// Sets
// ---------------------------------------------------------------------------------------------

/// De-duplicates and orders the elements of a set as cty does: strings lexically, numbers
/// by value, false before true, null last; other element types by cty's canonical encoding
/// of the value (the bytes it hashes). `None` when an element is unknown.
pub(super) fn set_elements(items: Vec<Value>) -> Option<Vec<Value>> {
    if items.iter().any(Value::has_unknown) {
        return None;
    }
    let mut keyed: Vec<(SetKey, Value)> = items.into_iter().map(|v| (set_key(&v), v)).collect();
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<Value> = Vec::with_capacity(keyed.len());
    let mut run_start = 0;
    let mut last_key: Option<SetKey> = None;
    for (key, v) in keyed {
        if last_key.as_ref() != Some(&key) {
            run_start = out.len();
            last_key = Some(key);
        }
        if !out[run_start..].iter().any(|o| o.equals(&v) == Some(true)) {
            out.push(v);
        }
    }
    Some(out)
}

#[derive(Debug, Clone, PartialEq)]
enum SetKey {
    Bool(bool),
    Number(f64),
    Text(Vec<u8>),
    Null,
}

impl SetKey {
    fn rank(&self) -> u8 {
        match self {
            SetKey::Bool(_) => 0,
            SetKey::Number(_) => 1,
            SetKey::Text(_) => 2,
            SetKey::Null => 3,
        }
    }
}

impl Eq for SetKey {}

impl PartialOrd for SetKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SetKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (SetKey::Bool(a), SetKey::Bool(b)) => a.cmp(b),
            // -0 and 0 are one number in a set.
            (SetKey::Number(a), SetKey::Number(b)) => (a + 0.0).total_cmp(&(b + 0.0)),
            (SetKey::Text(a), SetKey::Text(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

fn set_key(v: &Value) -> SetKey {
    match &v.kind {
        ValueKind::Null => SetKey::Null,
        ValueKind::Bool(b) => SetKey::Bool(*b),
        ValueKind::Number(n) => SetKey::Number(*n),
        ValueKind::String(s) => SetKey::Text(s.as_bytes().to_vec()),
        _ => {
            let mut buf = String::new();
            encode(v, &mut buf, 0);
            SetKey::Text(buf.into_bytes())
        }
    }
}

/// cty's `appendSetHashBytes`.
fn encode(v: &Value, buf: &mut String, depth: u32) {
    if depth > 128 {
        return;
    }
    match &v.kind {
        ValueKind::Unknown => buf.push('?'),
        ValueKind::Null => buf.push('~'),
        ValueKind::Bool(b) => buf.push(if *b { 'T' } else { 'F' }),
        ValueKind::Number(n) => buf.push_str(&crate::number::format_g10(*n)),
        ValueKind::String(s) => go_quote(s, buf),
        ValueKind::List(items) => {
            let (open, close) = if v.ty.is_some() {
                ('[', ']')
            } else {
                ('<', '>')
            };
            buf.push(open);
            for i in items {
                encode(i, buf, depth + 1);
                buf.push(';');
            }
            buf.push(close);
        }
        ValueKind::Object(items) => {
            let map = v.is_map();
            buf.push(if map { '{' } else { '<' });
            for (k, i) in sorted_entries(items) {
                if map {
                    go_quote(k, buf);
                    buf.push(':');
                }
                encode(i, buf, depth + 1);
                buf.push(';');
            }
            buf.push(if map { '}' } else { '>' });
        }
    }
}

/// Go's `%q` (close enough for ordering: printable characters kept, the rest escaped).
fn go_quote(s: &str, buf: &mut String) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            '\t' => buf.push_str("\\t"),
            '\r' => buf.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                buf.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => buf.push(c),
        }
    }
    buf.push('"');
}

// ---------------------------------------------------------------------------------------------
// Conditional result types
// ---------------------------------------------------------------------------------------------

/// The chosen result of a conditional, converted to the type it unifies to with the other
/// result's type.
pub(super) fn unify_result(v: Value, other: Type) -> EvalResult {
    if v.is_unknown() || other == Type::Any {
        return Ok(v);
    }
    let tv = types::type_of(&v);
    if tv == other {
        return Ok(v);
    }
    match types::unify(&[tv, other]) {
        Some(t) => types::convert(v, &t),
        None => Err(EvalError::new(
            "Inconsistent conditional result types: the true and false result expressions must have consistent types",
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// `for` expressions and splats
// ---------------------------------------------------------------------------------------------

/// The (key, value) pairs a `for` expression iterates: index and element of a tuple or
/// list, element and element of a set, key and value of an object or map (lexical key
/// order). `None` when the collection is unknown.
pub(super) fn iteration(v: &Value) -> Result<Option<Vec<(Value, Value)>>, EvalError> {
    match &v.kind {
        ValueKind::Unknown => Ok(None),
        ValueKind::Null => Err(EvalError::new(
            "Iteration over null value: a null value cannot be used as the collection in a 'for' expression",
        )),
        ValueKind::List(items) if v.is_set() => {
            Ok(Some(items.iter().map(|x| (x.clone(), x.clone())).collect()))
        }
        ValueKind::List(items) => Ok(Some(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| (Value::new(ValueKind::Number(i as f64)), x.clone()))
                .collect(),
        )),
        ValueKind::Object(items) => Ok(Some(
            sorted_entries(items)
                .into_iter()
                .map(|(k, x)| (Value::new(ValueKind::String(k.clone())), x.clone()))
                .collect(),
        )),
        _ => Err(EvalError::new(
            "Iteration over non-iterable value: a 'for' expression needs a list, set, tuple, map or object",
        )),
    }
}

impl Scope<'_> {
    /// `[for ...]` builds a tuple, `{for ...}` an object; `...` groups values by key into
    /// tuples. An unknown collection, condition or key makes the whole result unknown (its
    /// length or keys are); a repeated key without `...` is an error.
    #[inline(never)]
    pub(super) fn eval_for(&self, f: &ForExpr, expr: &Expr, def: &Frame) -> EvalResult {
        let coll = self.eval_in(&f.collection, def)?;
        let Some(pairs) = iteration(&coll)? else {
            return Ok(Value::unknown());
        };
        if pairs.len() > MAX_ELEMENTS {
            return Ok(Value::unknown());
        }
        let mut size = Size::default();
        let mut tuple: Vec<Value> = Vec::new();
        let mut object: Vec<(String, Value)> = Vec::new();
        let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for (k, v) in pairs {
            if !self.charge(1) {
                return Ok(Value::unknown());
            }
            let mut binds = Vec::with_capacity(2);
            if let Some(name) = &f.key_var {
                binds.push((name.clone(), k));
            }
            binds.push((f.value_var.clone(), v));
            let frame = Frame {
                origin: def.origin.clone(),
                binds: &binds,
                outer: Some(def),
            };
            if let Some(cond) = &f.cond {
                let c = self.eval_in(cond, &frame)?;
                if c.is_null() {
                    return Err(EvalError::new(
                        "Condition is null: the value of the 'if' clause must not be null",
                    ));
                }
                let keep = c.to_bool().map_err(|_| {
                    EvalError::new(
                        "Invalid 'for' condition: the 'if' clause value is invalid: bool required",
                    )
                })?;
                match keep {
                    None => return Ok(Value::unknown()),
                    Some(false) => continue,
                    Some(true) => {}
                }
            }
            let Some(key_expr) = &f.key else {
                let value = self.eval_in(&f.value, &frame)?;
                if !size.add(&value) {
                    return Ok(Value::unknown());
                }
                tuple.push(value);
                continue;
            };
            let key = self.eval_in(key_expr, &frame)?;
            if key.is_null() {
                return Err(EvalError::new(
                    "Invalid object key: the key expression produced null",
                ));
            }
            let key = match key.to_str() {
                Ok(Some(k)) => k,
                Ok(None) => return Ok(Value::unknown()),
                Err(_) => {
                    return Err(EvalError::new(
                        "Invalid object key: the key expression produced an invalid result: string required",
                    ))
                }
            };
            let value = self.eval_in(&f.value, &frame)?;
            if !size.add(&value) {
                return Ok(Value::unknown());
            }
            if f.grouping {
                match index.get(&key) {
                    Some(&i) => groups[i].1.push(value),
                    None => {
                        index.insert(key.clone(), groups.len());
                        groups.push((key, vec![value]));
                    }
                }
            } else {
                if index.contains_key(&key) {
                    return Err(EvalError::new(format!(
                        "Duplicate object key: two different items produced the key \"{key}\" in this 'for' expression"
                    )));
                }
                index.insert(key.clone(), object.len());
                object.push((key, value));
            }
        }
        let result = match &f.key {
            None => Value::tuple(tuple),
            Some(_) if f.grouping => Value::new(ValueKind::Object(
                groups
                    .into_iter()
                    .map(|(k, vs)| (k, Value::tuple(vs)))
                    .collect(),
            )),
            Some(_) => Value::new(ValueKind::Object(object)),
        };
        Ok(result.with_origin(self.stamp(expr, def)))
    }

    /// Applies traversal operators, splats included: after `[*]` every following operator
    /// applies to each element; after `.*` the following attribute accesses (and legacy
    /// `.0` indexes) do, and the rest applies to the resulting tuple.
    pub(super) fn apply_ops(
        &self,
        mut value: Value,
        ops: &[TraversalOp],
        def: &Frame,
    ) -> EvalResult {
        let mut i = 0;
        while i < ops.len() {
            match &ops[i] {
                TraversalOp::FullSplat => {
                    let rest = &ops[i + 1..];
                    return self.splat(value, &|elem| self.apply_ops(elem, rest, def));
                }
                TraversalOp::AttrSplat => {
                    let end = ops[i + 1..]
                        .iter()
                        .position(|op| {
                            !matches!(op, TraversalOp::GetAttr(..) | TraversalOp::LegacyIndex(_))
                        })
                        .map_or(ops.len(), |p| i + 1 + p);
                    let each = &ops[i + 1..end];
                    value = self.splat(value, &|elem| self.apply_ops(elem, each, def))?;
                    i = end;
                }
                op => {
                    value = self.apply_op(value, op, def)?;
                    i += 1;
                }
            }
        }
        Ok(value)
    }

    /// A splat: `each` applied to every element of a list, set or tuple (a list, set or
    /// tuple gives a list, list or tuple); null gives an empty tuple; any other value is
    /// taken as a one-element tuple.
    fn splat(&self, value: Value, each: &dyn Fn(Value) -> EvalResult) -> EvalResult {
        self.nested(|| {
            let (items, typed) = match value.kind {
                ValueKind::Unknown => return Ok(Value::unknown()),
                ValueKind::Null => return Ok(Value::tuple(Vec::new())),
                ValueKind::List(items) => (items, value.ty.is_some()),
                _ => (vec![value], false),
            };
            let mut size = Size::default();
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                if !self.charge(1) {
                    return Ok(Value::unknown());
                }
                let v = each(item)?;
                if !size.add(&v) {
                    return Ok(Value::unknown());
                }
                out.push(v);
            }
            if !typed {
                return Ok(Value::tuple(out));
            }
            // The elements of a list have one type, and so have the results.
            match types::unify_values(&out) {
                Some(elem) => Ok(Value::list(out, elem)),
                None => Ok(Value::tuple(out)),
            }
        })
    }
}
