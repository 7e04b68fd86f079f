//! Terraform's types (cty's), as far as kmslint needs them: the type of a value, the type
//! constraints of variables (with `optional()` attributes and their defaults), conversion of a
//! value to a type, and unification (the one type several values can all be converted to,
//! as `tolist`, `[a, b]`-to-list conversions and conditionals need).
//!
//! A [`Value`] knows its type from its kind, except for lists, sets and maps, which carry it
//! in [`Value::ty`]; `[...]` is a tuple and `{...}` an object, as in Terraform. Unknown values
//! and `null` have no type of their own here (cty's "dynamic" type), which is what Terraform
//! gives a literal `null` and what kmslint knows about an unknown.

use std::sync::Arc;

use super::{EvalError, Value, ValueKind};
use crate::number;
use crate::syntax::{Expr, ExprKind, ObjectKey};

/// A Terraform type or type constraint.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// `any`, cty's dynamic pseudo-type: any value, unchanged.
    Any,
    Bool,
    Number,
    String,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Tuple(Vec<Type>),
    /// Attributes sorted by name, without duplicates.
    Object(Vec<Attr>),
}

/// An attribute of an object type. `optional` and `default` only occur in type constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub name: String,
    pub ty: Type,
    pub optional: bool,
    /// `optional(T, default)`: already converted to `ty`.
    pub default: Option<Value>,
}

/// Nesting beyond this in a type constraint or during a conversion is unknown (the parser
/// limits expressions to 64 levels; values can be as deep as their expressions).
const MAX_TYPE_DEPTH: u32 = 128;

impl Type {
    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// True when `any` occurs anywhere in the type.
    pub fn has_any(&self) -> bool {
        match self {
            Type::Any => true,
            Type::Bool | Type::Number | Type::String => false,
            Type::List(t) | Type::Set(t) | Type::Map(t) => t.has_any(),
            Type::Tuple(ts) => ts.iter().any(Type::has_any),
            Type::Object(attrs) => attrs.iter().any(|a| a.ty.has_any()),
        }
    }

    /// Terraform's name for the type in messages (`list of string`).
    pub fn describe(&self) -> String {
        match self {
            Type::Any => "any".to_string(),
            Type::Bool => "bool".to_string(),
            Type::Number => "number".to_string(),
            Type::String => "string".to_string(),
            Type::List(t) => format!("list of {}", t.describe()),
            Type::Set(t) => format!("set of {}", t.describe()),
            Type::Map(t) => format!("map of {}", t.describe()),
            Type::Tuple(_) => "tuple".to_string(),
            Type::Object(_) => "object".to_string(),
        }
    }

    /// Drops `optional` markers and defaults: the type a converted value has.
    fn concrete(&self) -> Type {
        match self {
            Type::List(t) => Type::List(Box::new(t.concrete())),
            Type::Set(t) => Type::Set(Box::new(t.concrete())),
            Type::Map(t) => Type::Map(Box::new(t.concrete())),
            Type::Tuple(ts) => Type::Tuple(ts.iter().map(Type::concrete).collect()),
            Type::Object(attrs) => Type::Object(
                attrs
                    .iter()
                    .map(|a| Attr {
                        name: a.name.clone(),
                        ty: a.ty.concrete(),
                        optional: false,
                        default: None,
                    })
                    .collect(),
            ),
            t => t.clone(),
        }
    }
}

/// The type of a value; [`Type::Any`] for unknown and null.
pub fn type_of(v: &Value) -> Type {
    match &v.kind {
        ValueKind::Unknown | ValueKind::Null => Type::Any,
        ValueKind::Bool(_) => Type::Bool,
        ValueKind::Number(_) => Type::Number,
        ValueKind::String(_) => Type::String,
        ValueKind::List(items) => match &v.ty {
            Some(t) => (**t).clone(),
            None => Type::Tuple(items.iter().map(type_of).collect()),
        },
        ValueKind::Object(items) => match &v.ty {
            Some(t) => (**t).clone(),
            None => Type::Object(
                super::collections::sorted_entries(items)
                    .into_iter()
                    .map(|(k, v)| Attr {
                        name: k.clone(),
                        ty: type_of(v),
                        optional: false,
                        default: None,
                    })
                    .collect(),
            ),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Type constraints
// ---------------------------------------------------------------------------------------------

/// Reads a variable's `type` constraint. `default` evaluates the default of an `optional()`
/// attribute. `Err` when Terraform would reject the constraint.
pub fn parse_type(
    expr: &Expr,
    default: &mut dyn FnMut(&Expr) -> Result<Value, EvalError>,
) -> Result<Type, EvalError> {
    parse_at(expr, default, 0)
}

fn parse_at(
    expr: &Expr,
    default: &mut dyn FnMut(&Expr) -> Result<Value, EvalError>,
    depth: u32,
) -> Result<Type, EvalError> {
    let invalid = || EvalError::new("invalid type constraint");
    if depth > MAX_TYPE_DEPTH {
        return Err(invalid());
    }
    match &expr.kind {
        ExprKind::Variable(name) => match name.as_str() {
            "any" => Ok(Type::Any),
            "bool" => Ok(Type::Bool),
            "number" => Ok(Type::Number),
            "string" => Ok(Type::String),
            // Terraform 0.11's bare collection keywords mean a collection of `any`.
            "list" => Ok(Type::List(Box::new(Type::Any))),
            "set" => Ok(Type::Set(Box::new(Type::Any))),
            "map" => Ok(Type::Map(Box::new(Type::Any))),
            _ => Err(invalid()),
        },
        ExprKind::FuncCall {
            name,
            args,
            expand_final: false,
        } => match (name.as_str(), args.as_slice()) {
            ("list", [t]) => Ok(Type::List(Box::new(parse_at(t, default, depth + 1)?))),
            ("set", [t]) => Ok(Type::Set(Box::new(parse_at(t, default, depth + 1)?))),
            ("map", [t]) => Ok(Type::Map(Box::new(parse_at(t, default, depth + 1)?))),
            ("tuple", [list]) => match &list.kind {
                ExprKind::Array(items) => Ok(Type::Tuple(
                    items
                        .iter()
                        .map(|t| parse_at(t, default, depth + 1))
                        .collect::<Result<_, _>>()?,
                )),
                _ => Err(invalid()),
            },
            ("object", [attrs]) => {
                let ExprKind::Object(items) = &attrs.kind else {
                    return Err(invalid());
                };
                let mut out: Vec<Attr> = Vec::with_capacity(items.len());
                for item in items {
                    let name = match &item.key {
                        ObjectKey::Name(n, _) => n.clone(),
                        ObjectKey::Expr(e) => match &e.kind {
                            ExprKind::String(s) | ExprKind::Variable(s) => s.clone(),
                            _ => return Err(invalid()),
                        },
                    };
                    let attr = parse_attr(name, &item.value, default, depth + 1)?;
                    if out.iter().any(|a| a.name == attr.name) {
                        return Err(invalid());
                    }
                    out.push(attr);
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
                Ok(Type::Object(out))
            }
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}

fn parse_attr(
    name: String,
    expr: &Expr,
    default: &mut dyn FnMut(&Expr) -> Result<Value, EvalError>,
    depth: u32,
) -> Result<Attr, EvalError> {
    if let ExprKind::FuncCall {
        name: f,
        args,
        expand_final: false,
    } = &expr.kind
    {
        if f == "optional" {
            let (t, d) = match args.as_slice() {
                [t] => (t, None),
                [t, d] => (t, Some(d)),
                _ => return Err(EvalError::new("invalid type constraint")),
            };
            let ty = parse_at(t, default, depth)?;
            let default = match d {
                Some(d) => {
                    let v = default(d)?;
                    if v.is_unknown() {
                        // Terraform requires a constant; we cannot tell what it is.
                        return Err(EvalError::new(
                            "the default of an optional attribute is unknown",
                        ));
                    }
                    Some(convert(v, &ty)?)
                }
                None => None,
            };
            return Ok(Attr {
                name,
                ty,
                optional: true,
                default,
            });
        }
    }
    Ok(Attr {
        name,
        ty: parse_at(expr, default, depth)?,
        optional: false,
        default: None,
    })
}

// ---------------------------------------------------------------------------------------------
// Conversion
// ---------------------------------------------------------------------------------------------

/// Converts a value to a type (constraint) as Terraform does for variables and function
/// arguments: primitives convert to each other where cty allows (`"true"`→true, `1`→`"1"`),
/// collections element by element, objects attribute by attribute (absent optional
/// attributes take their default or null, extra attributes are dropped, a missing required
/// one is an error), sets are de-duplicated and ordered as cty orders them. Unknown stays
/// unknown; null stays null.
pub fn convert(value: Value, ty: &Type) -> Result<Value, EvalError> {
    convert_at(value, ty, 0)
}

fn convert_at(value: Value, ty: &Type, depth: u32) -> Result<Value, EvalError> {
    if depth > MAX_TYPE_DEPTH {
        return Ok(Value::unknown());
    }
    if matches!(value.kind, ValueKind::Unknown | ValueKind::Null) || *ty == Type::Any {
        return Ok(value);
    }
    let required = || EvalError::new(format!("{} required", ty.describe()));
    let keep = |kind: ValueKind, from: &Value| Value {
        kind,
        origin: from.origin.clone(),
        derived: from.derived,
        ty: None,
    };
    match ty {
        Type::Any => Ok(value),
        Type::Bool => match &value.kind {
            ValueKind::Bool(_) => Ok(value),
            ValueKind::String(s) => match s.as_str() {
                "true" | "1" => Ok(keep(ValueKind::Bool(true), &value)),
                "false" | "0" => Ok(keep(ValueKind::Bool(false), &value)),
                _ => Err(EvalError::new(format!(
                    "cannot convert \"{s}\" to bool; only the strings \"true\" or \"false\" are allowed"
                ))),
            },
            _ => Err(EvalError::new("bool required")),
        },
        Type::Number => match &value.kind {
            ValueKind::Number(_) => Ok(value),
            ValueKind::String(s) => match number::parse(s) {
                Ok(Some(n)) => Ok(keep(ValueKind::Number(n), &value)),
                Ok(None) => Ok(Value::unknown()),
                Err(number::NotANumber) => Err(EvalError::new(format!(
                    "cannot convert \"{s}\" to number; given string must be a decimal representation of a number"
                ))),
            },
            _ => Err(EvalError::new("number required")),
        },
        Type::String => match &value.kind {
            ValueKind::String(_) => Ok(value),
            ValueKind::Number(n) => Ok(keep(ValueKind::String(number::format(*n)), &value)),
            ValueKind::Bool(b) => Ok(keep(ValueKind::String(b.to_string()), &value)),
            _ => Err(EvalError::new("string required")),
        },
        Type::List(elem) | Type::Set(elem) => {
            let ValueKind::List(items) = &value.kind else {
                return Err(required());
            };
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(
                    convert_at(item.clone(), elem, depth + 1)
                        .map_err(|e| EvalError::new(format!("element {i}: {}", e.message)))?,
                );
            }
            let elem_ty = if elem.has_any() {
                let unified = unify_values(&out).ok_or_else(|| {
                    EvalError::new(if matches!(ty, Type::Set(_)) {
                        "all set elements must have the same type"
                    } else {
                        "all list elements must have the same type"
                    })
                })?;
                if unified != Type::Any {
                    out = out
                        .into_iter()
                        .map(|v| convert_at(v, &unified, depth + 1))
                        .collect::<Result<_, _>>()?;
                } else if !same_types(&out) {
                    // cty cannot build a collection of mixed types (`[null, [1]]`).
                    return Err(EvalError::new(if matches!(ty, Type::Set(_)) {
                        "all set elements must have the same type"
                    } else {
                        "all list elements must have the same type"
                    }));
                }
                unified
            } else {
                elem.concrete()
            };
            let origin = value.origin.clone();
            let built = if matches!(ty, Type::Set(_)) {
                Value::set(out, elem_ty)
            } else {
                Value::list(out, elem_ty)
            };
            Ok(built.with_origin(origin))
        }
        Type::Map(elem) => {
            let ValueKind::Object(items) = &value.kind else {
                return Err(required());
            };
            let mut out = Vec::with_capacity(items.len());
            for (k, v) in super::collections::sorted_entries(items) {
                out.push((
                    k.clone(),
                    convert_at(v.clone(), elem, depth + 1)
                        .map_err(|e| EvalError::new(format!("element \"{k}\": {}", e.message)))?,
                ));
            }
            let elem_ty = if elem.has_any() {
                let values: Vec<Value> = out.iter().map(|(_, v)| v.clone()).collect();
                let unified = unify_values(&values)
                    .ok_or_else(|| EvalError::new("all map elements must have the same type"))?;
                if unified != Type::Any {
                    for (_, v) in &mut out {
                        *v = convert_at(std::mem::replace(v, Value::unknown()), &unified, depth + 1)?;
                    }
                }
                unified
            } else {
                elem.concrete()
            };
            Ok(Value::map(out, elem_ty).with_origin(value.origin.clone()))
        }
        Type::Tuple(elems) => {
            let ValueKind::List(items) = &value.kind else {
                return Err(EvalError::new("tuple required"));
            };
            if value.is_set() || items.len() != elems.len() {
                return Err(EvalError::new("tuple required"));
            }
            let out = items
                .iter()
                .zip(elems)
                .enumerate()
                .map(|(i, (v, t))| {
                    convert_at(v.clone(), t, depth + 1)
                        .map_err(|e| EvalError::new(format!("element {i}: {}", e.message)))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::new(ValueKind::List(out)).with_origin(value.origin.clone()))
        }
        Type::Object(attrs) => {
            if !matches!(value.kind, ValueKind::Object(_)) {
                return Err(EvalError::new("object required"));
            }
            let mut out = Vec::with_capacity(attrs.len());
            for attr in attrs {
                let given = value.get(&attr.name).cloned();
                let v = match given {
                    Some(v) if !matches!(v.kind, ValueKind::Null) => {
                        convert_at(v, &attr.ty, depth + 1).map_err(|e| {
                            EvalError::new(format!("attribute \"{}\": {}", attr.name, e.message))
                        })?
                    }
                    Some(v) if !attr.optional => v,
                    given => match &attr.default {
                        Some(d) => d.clone(),
                        None if attr.optional => given.unwrap_or_else(|| Value::new(ValueKind::Null)),
                        None => {
                            return Err(EvalError::new(format!(
                                "attribute \"{}\" is required",
                                attr.name
                            )))
                        }
                    },
                };
                out.push((attr.name.clone(), v));
            }
            Ok(Value::new(ValueKind::Object(out)).with_origin(value.origin.clone()))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Unification
// ---------------------------------------------------------------------------------------------

/// The type all of these values can be converted to (cty's unsafe unification); `None`
/// when there is none.
pub fn unify_values(values: &[Value]) -> Option<Type> {
    let types: Vec<Type> = values.iter().map(type_of).collect();
    unify(&types)
}

/// cty's `convert.UnifyUnsafe`: collections of one kind unify their element types; tuples
/// and lists unify as a list, objects and maps as a map; otherwise the most general of the
/// given types that every other one converts to (a string beats numbers and bools).
pub fn unify(types: &[Type]) -> Option<Type> {
    unify_at(types, 0)
}

fn unify_at(types: &[Type], depth: u32) -> Option<Type> {
    if depth > MAX_TYPE_DEPTH {
        return None;
    }
    if types.is_empty() {
        return Some(Type::Any);
    }
    let count = |f: fn(&Type) -> bool| types.iter().filter(|t| f(t)).count();
    let maps = count(|t| matches!(t, Type::Map(_)));
    let lists = count(|t| matches!(t, Type::List(_)));
    let sets = count(|t| matches!(t, Type::Set(_)));
    let objects = count(|t| matches!(t, Type::Object(_)));
    let tuples = count(|t| matches!(t, Type::Tuple(_)));
    let dynamic = count(|t| matches!(t, Type::Any));
    let n = types.len();
    let elems = |want: fn(&Type) -> Option<Vec<Type>>| -> Vec<Type> {
        types.iter().filter_map(want).flatten().collect()
    };
    let collection_elem = |t: &Type| match t {
        Type::List(e) | Type::Set(e) | Type::Map(e) => Some(vec![(**e).clone()]),
        _ => None,
    };
    if maps > 0 && maps + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Any);
        }
        return Some(Type::Map(Box::new(unify_at(
            &elems(collection_elem),
            depth + 1,
        )?)));
    }
    if maps > 0 && maps + objects + dynamic == n {
        let mut all = elems(collection_elem);
        all.extend(elems(|t| match t {
            Type::Object(a) => Some(a.iter().map(|a| a.ty.clone()).collect()),
            _ => None,
        }));
        if let Some(e) = unify_at(&all, depth + 1) {
            return Some(Type::Map(Box::new(e)));
        }
    }
    if lists > 0 && lists + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Any);
        }
        return Some(Type::List(Box::new(unify_at(
            &elems(collection_elem),
            depth + 1,
        )?)));
    }
    if lists > 0 && lists + tuples + dynamic == n {
        let mut all = elems(collection_elem);
        all.extend(elems(|t| match t {
            Type::Tuple(ts) => Some(ts.clone()),
            _ => None,
        }));
        if let Some(e) = unify_at(&all, depth + 1) {
            return Some(Type::List(Box::new(e)));
        }
    }
    if sets > 0 && sets + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Any);
        }
        return Some(Type::Set(Box::new(unify_at(
            &elems(collection_elem),
            depth + 1,
        )?)));
    }
    if objects > 0 && objects + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Any);
        }
        let attr_sets: Vec<&Vec<Attr>> = types
            .iter()
            .filter_map(|t| match t {
                Type::Object(a) => Some(a),
                _ => None,
            })
            .collect();
        let first = attr_sets[0];
        let same_names = attr_sets
            .iter()
            .all(|a| a.len() == first.len() && a.iter().zip(first).all(|(x, y)| x.name == y.name));
        if same_names {
            let mut out = Vec::with_capacity(first.len());
            for (i, attr) in first.iter().enumerate() {
                let tys: Vec<Type> = attr_sets.iter().map(|a| a[i].ty.clone()).collect();
                out.push(Attr {
                    name: attr.name.clone(),
                    ty: unify_at(&tys, depth + 1)?,
                    optional: false,
                    default: None,
                });
            }
            return Some(Type::Object(out));
        }
        let all: Vec<Type> = attr_sets
            .iter()
            .flat_map(|a| a.iter().map(|a| a.ty.clone()))
            .collect();
        return Some(Type::Map(Box::new(unify_at(&all, depth + 1)?)));
    }
    if tuples > 0 && tuples + dynamic == n {
        if dynamic > 0 {
            return Some(Type::Any);
        }
        let tuple_elems: Vec<&Vec<Type>> = types
            .iter()
            .filter_map(|t| match t {
                Type::Tuple(ts) => Some(ts),
                _ => None,
            })
            .collect();
        let len = tuple_elems[0].len();
        if tuple_elems.iter().all(|t| t.len() == len) {
            let mut out = Vec::with_capacity(len);
            for i in 0..len {
                let tys: Vec<Type> = tuple_elems.iter().map(|t| t[i].clone()).collect();
                out.push(unify_at(&tys, depth + 1)?);
            }
            return Some(Type::Tuple(out));
        }
        let all: Vec<Type> = tuple_elems.iter().flat_map(|t| t.iter().cloned()).collect();
        return Some(Type::List(Box::new(unify_at(&all, depth + 1)?)));
    }
    if objects > 0 && tuples > 0 {
        return None;
    }
    // The most general given type that all the others convert to.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| preference(&types[i]));
    'candidates: for &want in &order {
        for (i, t) in types.iter().enumerate() {
            if i != want && *t != types[want] && !convertible(t, &types[want], depth + 1) {
                continue 'candidates;
            }
        }
        return Some(types[want].clone());
    }
    None
}

/// Lower is preferred as the result of a unification (cty's `sortTypes`).
fn preference(t: &Type) -> u8 {
    match t {
        Type::String | Type::List(_) | Type::Map(_) => 0,
        Type::Bool | Type::Number | Type::Tuple(_) | Type::Object(_) => 1,
        Type::Set(_) => 2,
        Type::Any => 9,
    }
}

/// True when cty could convert some value of type `from` to `to` (unsafe conversions
/// allowed: `"true"` to bool, a string to a number).
fn convertible(from: &Type, to: &Type, depth: u32) -> bool {
    if depth > MAX_TYPE_DEPTH {
        return false;
    }
    match (from, to) {
        (_, Type::Any) | (Type::Any, _) => true,
        (a, b) if a.is_primitive() && b.is_primitive() => {
            a == b || *b == Type::String || *a == Type::String
        }
        (Type::List(e) | Type::Set(e), Type::List(t) | Type::Set(t)) => {
            convertible(e, t, depth + 1)
        }
        (Type::Tuple(es), Type::List(t) | Type::Set(t)) => {
            es.iter().all(|e| convertible(e, t, depth + 1))
        }
        (Type::Map(e), Type::Map(t)) => convertible(e, t, depth + 1),
        (Type::Object(attrs), Type::Map(t)) => {
            attrs.iter().all(|a| convertible(&a.ty, t, depth + 1))
        }
        (Type::Tuple(es), Type::Tuple(ts)) => {
            es.len() == ts.len() && es.iter().zip(ts).all(|(e, t)| convertible(e, t, depth + 1))
        }
        (Type::Object(have), Type::Object(want)) => {
            want.iter()
                .all(|w| match have.iter().find(|h| h.name == w.name) {
                    Some(h) => convertible(&h.ty, &w.ty, depth + 1),
                    None => w.optional,
                })
        }
        (Type::Map(e), Type::Object(want)) => want.iter().all(|w| convertible(e, &w.ty, depth + 1)),
        _ => false,
    }
}

/// True when all values have one type (null and unknown counting as their own).
fn same_types(values: &[Value]) -> bool {
    let mut types = values.iter().map(type_of);
    match types.next() {
        Some(first) => types.all(|t| t == first),
        None => true,
    }
}

/// The type of a collection value's elements when it is a list, set or map.
pub fn element_type(v: &Value) -> Option<&Type> {
    match v.ty.as_deref() {
        Some(Type::List(e) | Type::Set(e) | Type::Map(e)) => Some(e),
        _ => None,
    }
}

/// Wraps a type for [`Value::ty`].
pub(super) fn tag(t: Type) -> Option<Arc<Type>> {
    Some(Arc::new(t))
}
