//! A small evaluator for Terraform expressions, with unknown values and provenance.
//!
//! It folds what can be known without running Terraform: literals, `var.` (tfvars, defaults),
//! `local.`, attribute and index access, conditionals, operators, templates and the common
//! pure functions. Everything else — resource attributes, data sources, `count`/`each`,
//! unsupported functions, variables without a value — is [`ValueKind::Unknown`]. Rules never
//! report on unknown values, which is how kmslint avoids false positives on what cannot be known.
//!
//! Each value remembers where it was written when that place is a variable default, a tfvars
//! assignment or a local ([`Origin`]), so a finding can say "false because of variable `x`"
//! and point at the line to change.

mod functions;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Module;
use crate::source::{FileRef, Span};
use crate::syntax::{BinaryOp, Expr, ExprKind, ObjectKey, TemplatePart, TraversalOp, UnaryOp};

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Unknown,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// Tuples, lists and sets.
    List(Vec<Value>),
    /// Objects and maps, in key order of definition (duplicate keys: last wins on lookup).
    Object(Vec<(String, Value)>),
}

/// Where a value was written.
#[derive(Debug, Clone)]
pub struct Origin {
    pub kind: OriginKind,
    pub file: FileRef,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OriginKind {
    VariableDefault(String),
    Tfvars(String),
    Local(String),
    /// `module "call" { arg = ... }`: (call name, argument name).
    ModuleArgument(String, String),
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        self.kind == other.kind && self.span == other.span && self.file.path == other.file.path
    }
}

impl Origin {
    /// "variable `x` (default)", "variable `x` (set in terraform.tfvars)", "local `x`".
    pub fn describe(&self) -> String {
        match &self.kind {
            OriginKind::VariableDefault(n) => format!("variable `{n}` (its default)"),
            OriginKind::Tfvars(n) => format!("variable `{n}` (set in {})", self.file.display),
            OriginKind::Local(n) => format!("local `{n}`"),
            OriginKind::ModuleArgument(call, arg) => {
                format!(
                    "argument `{arg}` of module `{call}` (in {})",
                    self.file.display
                )
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub origin: Option<Arc<Origin>>,
    /// True when the value was computed from the one at `origin` (`!var.x`,
    /// `var.env == "prod"`) rather than being that value itself; "set it to true there"
    /// is then the wrong advice.
    pub derived: bool,
}

impl Value {
    pub fn new(kind: ValueKind) -> Value {
        Value {
            kind,
            origin: None,
            derived: false,
        }
    }

    pub fn unknown() -> Value {
        Value::new(ValueKind::Unknown)
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, ValueKind::Unknown)
    }

    /// True when the value or anything inside it is unknown.
    pub fn has_unknown(&self) -> bool {
        match &self.kind {
            ValueKind::Unknown => true,
            ValueKind::List(items) => items.iter().any(Value::has_unknown),
            ValueKind::Object(items) => items.iter().any(|(_, v)| v.has_unknown()),
            _ => false,
        }
    }

    /// Attaches the origin of an operand to a computed value.
    fn derived_from(mut self, origin: Option<Arc<Origin>>) -> Value {
        if self.origin.is_none() && origin.is_some() {
            self.origin = origin;
            self.derived = true;
        }
        self
    }

    fn with_origin(mut self, origin: Option<Arc<Origin>>) -> Value {
        if self.origin.is_none() {
            self.origin = origin;
        }
        self
    }

    /// Terraform's conversion to bool: `true`/`false` and the strings `"true"`/`"false"`.
    /// `Ok(None)` means unknown.
    pub fn to_bool(&self) -> Result<Option<bool>, EvalError> {
        match &self.kind {
            ValueKind::Unknown => Ok(None),
            ValueKind::Bool(b) => Ok(Some(*b)),
            ValueKind::String(s) if s == "true" => Ok(Some(true)),
            ValueKind::String(s) if s == "false" => Ok(Some(false)),
            _ => Err(EvalError::new("a bool is required")),
        }
    }

    /// Terraform's conversion to string (numbers, bools, strings). `Ok(None)` means unknown.
    pub fn to_str(&self) -> Result<Option<String>, EvalError> {
        match &self.kind {
            ValueKind::Unknown => Ok(None),
            ValueKind::String(s) => Ok(Some(s.clone())),
            ValueKind::Bool(b) => Ok(Some(b.to_string())),
            ValueKind::Number(n) => Ok(Some(format_number(*n))),
            _ => Err(EvalError::new("a string is required")),
        }
    }

    pub fn to_number(&self) -> Result<Option<f64>, EvalError> {
        match &self.kind {
            ValueKind::Unknown => Ok(None),
            ValueKind::Number(n) => Ok(Some(*n)),
            ValueKind::String(s) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| EvalError::new("a number is required")),
            _ => Err(EvalError::new("a number is required")),
        }
    }

    /// Element lookup in an object or map by key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match &self.kind {
            ValueKind::Object(items) => items.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Terraform equality: same type and value; `None` when unknown.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        use ValueKind::*;
        Some(match (&self.kind, &other.kind) {
            (Unknown, _) | (_, Unknown) => return None,
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                return all_equal(a.iter().zip(b).map(|(x, y)| x.equals(y)));
            }
            (Object(a), Object(b)) => {
                if a.len() != b.len() {
                    return Some(false);
                }
                return all_equal(
                    a.iter()
                        .map(|(k, x)| other.get(k).map_or(Some(false), |y| x.equals(y))),
                );
            }
            _ => false,
        })
    }
}

/// Combines element comparisons: false if any is false, else unknown if any is unknown.
fn all_equal(results: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    let mut all = Some(true);
    for r in results {
        match r {
            Some(false) => return Some(false),
            None => all = None,
            Some(true) => {}
        }
    }
    all
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// An expression that Terraform itself would reject (wrong type, missing key, ...).
/// `try`/`can` observe it; everywhere else it is treated like an unknown value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub message: String,
}

impl EvalError {
    pub fn new(message: impl Into<String>) -> EvalError {
        EvalError {
            message: message.into(),
        }
    }
}

pub type EvalResult = Result<Value, EvalError>;

/// Names bound while evaluating one instance: `count`, `each`, a `dynamic` block iterator.
pub type Bindings = Vec<(String, Value)>;

/// What an expression is being evaluated for: values written literally inside a variable
/// default, tfvars value, local or module argument get that place as their origin; and the
/// names bound for the instance being evaluated.
#[derive(Clone)]
struct Frame<'b> {
    origin: Option<(OriginKind, FileRef)>,
    binds: &'b [(String, Value)],
}

impl Frame<'_> {
    fn at(kind: OriginKind, file: FileRef) -> Frame<'static> {
        Frame {
            origin: Some((kind, file)),
            binds: &[],
        }
    }
}

enum LocalState {
    InProgress,
    Done(EvalResult),
}

/// Evaluates expressions of one module. Locals are evaluated lazily and memoized; a cycle
/// evaluates to unknown.
pub struct Scope<'m> {
    module: &'m Module,
    /// Values passed by a `module` block for a called module; `None` for a root module,
    /// whose variables come from tfvars files and defaults.
    inputs: Option<HashMap<String, Value>>,
    locals: RefCell<HashMap<String, LocalState>>,
    depth: std::cell::Cell<u32>,
}

/// Guards against pathological nesting (long local chains, huge expressions): 96 nested
/// evaluations fit in a 2 MiB thread stack even in a debug build. Deeper is unknown.
const MAX_DEPTH: u32 = 96;

impl<'m> Scope<'m> {
    pub fn new(module: &'m Module) -> Scope<'m> {
        Scope {
            module,
            inputs: None,
            locals: RefCell::new(HashMap::new()),
            depth: std::cell::Cell::new(0),
        }
    }

    /// A scope for a module called with these argument values.
    pub fn with_inputs(module: &'m Module, inputs: HashMap<String, Value>) -> Scope<'m> {
        Scope {
            inputs: Some(inputs),
            ..Scope::new(module)
        }
    }

    /// Evaluates an expression written in a resource (no origin is recorded for its literals).
    pub fn eval(&self, expr: &Expr) -> EvalResult {
        self.eval_in(
            expr,
            &Frame {
                origin: None,
                binds: &[],
            },
        )
    }

    /// Evaluates with names bound for one instance (`count`, `each`, a dynamic iterator).
    pub fn eval_with(&self, expr: &Expr, binds: &[(String, Value)]) -> EvalResult {
        self.eval_in(
            expr,
            &Frame {
                origin: None,
                binds,
            },
        )
    }

    /// Evaluates an argument of a module call: literals in it get the argument as origin.
    pub fn eval_argument(
        &self,
        expr: &Expr,
        binds: &[(String, Value)],
        origin: OriginKind,
        file: FileRef,
    ) -> Value {
        let whole = Arc::new(Origin {
            kind: origin.clone(),
            file: file.clone(),
            span: expr.span.clone(),
        });
        let value = self
            .eval_in(
                expr,
                &Frame {
                    origin: Some((origin, file)),
                    binds,
                },
            )
            .unwrap_or_else(|_| Value::unknown());
        // A value built from `each.value` or `count.index` has no written origin: the
        // argument itself is where it comes from.
        if value.origin.is_none() && !value.is_unknown() {
            return value.derived_from(Some(whole));
        }
        value
    }

    /// Evaluates, mapping errors to unknown: what rules use.
    pub fn eval_or_unknown(&self, expr: &Expr) -> Value {
        self.eval(expr).unwrap_or_else(|_| Value::unknown())
    }

    fn eval_in(&self, expr: &Expr, def: &Frame) -> EvalResult {
        let depth = self.depth.get();
        if depth > MAX_DEPTH {
            return Ok(Value::unknown());
        }
        self.depth.set(depth + 1);
        let result = self.eval_inner(expr, def);
        self.depth.set(depth);
        result
    }

    fn stamp(&self, expr: &Expr, def: &Frame) -> Option<Arc<Origin>> {
        def.origin.as_ref().map(|(kind, file)| {
            Arc::new(Origin {
                kind: kind.clone(),
                file: file.clone(),
                span: expr.span.clone(),
            })
        })
    }

    fn eval_inner(&self, expr: &Expr, def: &Frame) -> EvalResult {
        let literal = |kind: ValueKind| Ok(Value::new(kind).with_origin(self.stamp(expr, def)));
        match &expr.kind {
            ExprKind::Null => literal(ValueKind::Null),
            ExprKind::Bool(b) => literal(ValueKind::Bool(*b)),
            ExprKind::Number(n) => literal(ValueKind::Number(*n)),
            ExprKind::String(s) => literal(ValueKind::String(s.clone())),
            ExprKind::Template(parts) => {
                let mut out = String::new();
                let mut origin = None;
                for part in parts {
                    match part {
                        TemplatePart::Literal(s) => out.push_str(s),
                        TemplatePart::Directive => return Ok(Value::unknown()),
                        TemplatePart::Interpolation(e) => {
                            let v = self.eval_in(e, def)?;
                            origin = origin.or(v.origin.clone());
                            match v.to_str()? {
                                Some(s) => out.push_str(&s),
                                None => return Ok(Value::unknown()),
                            }
                        }
                    }
                }
                Ok(Value::new(ValueKind::String(out))
                    .with_origin(origin.or_else(|| self.stamp(expr, def))))
            }
            ExprKind::Array(items) => {
                let values = items
                    .iter()
                    .map(|e| self.eval_in(e, def))
                    .collect::<Result<Vec<_>, _>>()?;
                literal(ValueKind::List(values))
            }
            ExprKind::Object(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let key = match &item.key {
                        ObjectKey::Name(n, _) => n.clone(),
                        ObjectKey::Expr(e) => match self.eval_in(e, def)?.to_str()? {
                            Some(k) => k,
                            None => return Ok(Value::unknown()),
                        },
                    };
                    out.push((key, self.eval_in(&item.value, def)?));
                }
                literal(ValueKind::Object(out))
            }
            ExprKind::Variable(_) | ExprKind::Traversal(..) => self.eval_reference(expr, def),
            ExprKind::FuncCall {
                name,
                args,
                expand_final,
            } => functions::call(self, name, args, *expand_final, &|e| self.eval_in(e, def)),
            ExprKind::Conditional(cond, t, f) => {
                let c = self.eval_in(cond, def)?;
                match c.to_bool()? {
                    Some(true) => Ok(self.eval_in(t, def)?.derived_from(c.origin)),
                    Some(false) => Ok(self.eval_in(f, def)?.derived_from(c.origin)),
                    None => {
                        // Both branches agree: the condition does not matter.
                        let (a, b) = (self.eval_in(t, def)?, self.eval_in(f, def)?);
                        if a.equals(&b) == Some(true) {
                            Ok(a.derived_from(b.origin))
                        } else {
                            Ok(Value::unknown())
                        }
                    }
                }
            }
            ExprKind::Unary(op, e) => {
                let v = self.eval_in(e, def)?;
                let origin = v.origin.clone();
                let kind = match op {
                    UnaryOp::Not => match v.to_bool()? {
                        Some(b) => ValueKind::Bool(!b),
                        None => ValueKind::Unknown,
                    },
                    UnaryOp::Neg => match v.to_number()? {
                        Some(n) => ValueKind::Number(-n),
                        None => ValueKind::Unknown,
                    },
                };
                Ok(Value::new(kind).derived_from(origin))
            }
            ExprKind::Binary(op, l, r) => self.eval_binary(*op, l, r, def),
            ExprKind::Unsupported => Ok(Value::unknown()),
        }
    }

    fn eval_binary(&self, op: BinaryOp, l: &Expr, r: &Expr, def: &Frame) -> EvalResult {
        let lv = self.eval_in(l, def)?;
        // Short-circuit on a known left operand, as the result is then certain.
        match (op, lv.to_bool()) {
            (BinaryOp::And, Ok(Some(false))) => {
                return Ok(Value::new(ValueKind::Bool(false)).derived_from(lv.origin))
            }
            (BinaryOp::Or, Ok(Some(true))) => {
                return Ok(Value::new(ValueKind::Bool(true)).derived_from(lv.origin))
            }
            _ => {}
        }
        let rv = self.eval_in(r, def)?;
        let origin = lv.origin.clone().or_else(|| rv.origin.clone());
        let kind = match op {
            BinaryOp::Eq | BinaryOp::NotEq => match lv.equals(&rv) {
                Some(eq) => ValueKind::Bool(eq == (op == BinaryOp::Eq)),
                None => ValueKind::Unknown,
            },
            BinaryOp::And | BinaryOp::Or => match (lv.to_bool()?, rv.to_bool()?) {
                (Some(a), Some(b)) => {
                    ValueKind::Bool(if op == BinaryOp::And { a && b } else { a || b })
                }
                (_, Some(false)) if op == BinaryOp::And => ValueKind::Bool(false),
                (_, Some(true)) if op == BinaryOp::Or => ValueKind::Bool(true),
                _ => ValueKind::Unknown,
            },
            _ => match (lv.to_number()?, rv.to_number()?) {
                (Some(a), Some(b)) => match op {
                    BinaryOp::Less => ValueKind::Bool(a < b),
                    BinaryOp::LessEq => ValueKind::Bool(a <= b),
                    BinaryOp::Greater => ValueKind::Bool(a > b),
                    BinaryOp::GreaterEq => ValueKind::Bool(a >= b),
                    BinaryOp::Add => ValueKind::Number(a + b),
                    BinaryOp::Sub => ValueKind::Number(a - b),
                    BinaryOp::Mul => ValueKind::Number(a * b),
                    BinaryOp::Div if b != 0.0 => ValueKind::Number(a / b),
                    BinaryOp::Mod if b != 0.0 => ValueKind::Number(a % b),
                    BinaryOp::Div | BinaryOp::Mod => {
                        return Err(EvalError::new("division by zero"))
                    }
                    _ => ValueKind::Unknown,
                },
                _ => ValueKind::Unknown,
            },
        };
        Ok(Value::new(kind).derived_from(origin))
    }

    /// `var.x...`, `local.x...` and accesses into any value.
    fn eval_reference(&self, expr: &Expr, def: &Frame) -> EvalResult {
        let (base, ops) = match &expr.kind {
            ExprKind::Traversal(base, ops) => (base.as_ref(), ops.as_slice()),
            _ => (expr, &[][..]),
        };
        if let ExprKind::Variable(root) = &base.kind {
            if let Some((_, bound)) = def.binds.iter().rev().find(|(name, _)| name == root) {
                let mut value = bound.clone();
                for op in ops {
                    value = self.apply_op(value, op, def)?;
                }
                return Ok(value);
            }
        }
        let (mut value, rest) = match (&base.kind, ops.first()) {
            (ExprKind::Variable(root), Some(TraversalOp::GetAttr(name, _))) if root == "var" => {
                (self.variable(name), &ops[1..])
            }
            (ExprKind::Variable(root), Some(TraversalOp::GetAttr(name, _))) if root == "local" => {
                (self.local(name)?, &ops[1..])
            }
            // Resources, data sources, modules, path/terraform/count/each/self: not known
            // without running Terraform.
            (ExprKind::Variable(_), _) => return Ok(Value::unknown()),
            _ => (self.eval_in(base, def)?, ops),
        };
        for op in rest {
            value = self.apply_op(value, op, def)?;
        }
        Ok(value)
    }

    fn apply_op(&self, value: Value, op: &TraversalOp, def: &Frame) -> EvalResult {
        match op {
            TraversalOp::GetAttr(name, _) => access_key(value, name),
            TraversalOp::Index(index) => {
                let key = self.eval_in(index, def)?;
                access_index(value, &key)
            }
            TraversalOp::Splat => Ok(Value::unknown()),
        }
    }

    fn variable(&self, name: &str) -> Value {
        let module = self.module;
        if module.tfvars_incomplete && self.inputs.is_none() {
            return Value::unknown();
        }
        let Some(decl) = module.variables.get(name) else {
            return Value::unknown();
        };
        if let Some(inputs) = &self.inputs {
            // A called module: the caller's argument, else the default. tfvars are only read
            // by the root module.
            if let Some(v) = inputs.get(name) {
                return convert_to_type(v.clone(), decl.type_name.as_deref());
            }
            let Some(default) = &decl.default else {
                return Value::unknown();
            };
            let def = Frame::at(
                OriginKind::VariableDefault(name.to_string()),
                decl.file.clone(),
            );
            return match self.eval_in(default, &def) {
                Ok(v) => convert_to_type(v, decl.type_name.as_deref()),
                Err(_) => Value::unknown(),
            };
        }
        let value = if let Some(assign) = module.tfvars.get(name) {
            let def = Frame::at(OriginKind::Tfvars(name.to_string()), assign.file.clone());
            self.eval_in(&assign.attribute.expr, &def)
        } else if let Some(default) = &decl.default {
            let def = Frame::at(
                OriginKind::VariableDefault(name.to_string()),
                decl.file.clone(),
            );
            self.eval_in(default, &def)
        } else {
            // Required variable with no value: only known when Terraform runs.
            return Value::unknown();
        };
        match value {
            Ok(v) => convert_to_type(v, decl.type_name.as_deref()),
            Err(_) => Value::unknown(),
        }
    }

    fn local(&self, name: &str) -> EvalResult {
        match self.locals.borrow().get(name) {
            Some(LocalState::Done(v)) => return v.clone(),
            Some(LocalState::InProgress) => return Ok(Value::unknown()),
            None => {}
        }
        let Some(definition) = self.module.locals.get(name) else {
            return Ok(Value::unknown());
        };
        self.locals
            .borrow_mut()
            .insert(name.to_string(), LocalState::InProgress);
        let def = Frame::at(OriginKind::Local(name.to_string()), definition.file.clone());
        let result = self.eval_in(&definition.attribute.expr, &def);
        self.locals
            .borrow_mut()
            .insert(name.to_string(), LocalState::Done(result.clone()));
        result
    }
}

/// Terraform converts a variable's value to its declared primitive type (`"false"` → false
/// for `type = bool`). Collection types are left as written; a failed conversion is an error
/// Terraform would report, so the value is unknown here.
fn convert_to_type(value: Value, type_name: Option<&str>) -> Value {
    let origin = value.origin.clone();
    if matches!(value.kind, ValueKind::Null | ValueKind::Unknown) {
        return value;
    }
    let kind = match type_name {
        Some("bool") => value.to_bool().ok().flatten().map(ValueKind::Bool),
        Some("number") => value.to_number().ok().flatten().map(ValueKind::Number),
        Some("string") => value.to_str().ok().flatten().map(ValueKind::String),
        _ => return value,
    };
    match kind {
        Some(kind) => Value {
            kind,
            origin,
            derived: value.derived,
        },
        None => Value::unknown(),
    }
}

fn access_key(value: Value, key: &str) -> EvalResult {
    match &value.kind {
        ValueKind::Unknown => Ok(Value::unknown()),
        ValueKind::Object(_) => value
            .get(key)
            .cloned()
            .ok_or_else(|| EvalError::new(format!("object has no attribute `{key}`"))),
        ValueKind::Null => Err(EvalError::new("attempt to get an attribute of null")),
        _ => Err(EvalError::new(format!(
            "cannot access attribute `{key}` of this value"
        ))),
    }
}

fn access_index(value: Value, key: &Value) -> EvalResult {
    match (&value.kind, &key.kind) {
        (ValueKind::Unknown, _) | (_, ValueKind::Unknown) => Ok(Value::unknown()),
        (ValueKind::List(items), _) => {
            let n = key.to_number()?.unwrap_or(f64::NAN);
            if n.fract() != 0.0 || n < 0.0 {
                return Err(EvalError::new("invalid index"));
            }
            items
                .get(n as usize)
                .cloned()
                .ok_or_else(|| EvalError::new("index out of range"))
        }
        (ValueKind::Object(_), _) => {
            let k = key.to_str()?.unwrap_or_default();
            access_key(value, &k)
        }
        _ => Err(EvalError::new("value cannot be indexed")),
    }
}

#[cfg(test)]
mod tests;
