//! A small evaluator for Terraform expressions, with unknown values and provenance.
//!
//! It folds what can be known without running Terraform: literals, `var.` (tfvars, defaults,
//! module arguments, converted to the variable's type with `optional()` defaults), `local.`,
//! attribute and index access, splats, `for` expressions, conditionals, operators, templates
//! and the pure functions listed in `functions.rs`. Everything else — resource attributes,
//! data sources, `count`/`each` outside an instance, unsupported functions, variables without
//! a value — is [`ValueKind::Unknown`]. Rules never report on unknown values, which is how
//! kmslint avoids false positives on what cannot be known.
//!
//! **Terraform is the judge of values**: a value kmslint reports as known must be the value
//! `terraform plan` computes. Where kmslint cannot be sure (numbers an `f64` cannot hold
//! exactly, see [`crate::number`]; functions it does not model; values past the [budgets](MAX_ELEMENTS))
//! the value is unknown. An expression Terraform would reject is an [`EvalError`], which
//! `try`/`can` observe and everything else treats as unknown; evaluation never panics.
//!
//! Each value remembers where it was written when that place is a variable default, a tfvars
//! assignment or a local ([`Origin`]), so a finding can say "false because of variable `x`"
//! and point at the line to change.

mod collections;
mod format;
mod functions;
mod json;

mod strings;
pub mod types;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::Arc;

use crate::model::Module;
use crate::number;
use crate::source::{FileRef, Span};
use crate::syntax::{BinaryOp, Expr, ExprKind, ObjectKey, TemplatePart, TraversalOp, UnaryOp};

pub use types::Type;

// ---------------------------------------------------------------------------------------------
// Budgets
// ---------------------------------------------------------------------------------------------

/// At most this many elements (list, set and tuple items, map and object attributes, counted
/// recursively) in one value. A larger value — `range` is capped by Terraform itself, but a
/// `for` over a large list, `formatlist`, `concat` of big locals or doubling locals can get
/// there — is unknown. Real configurations stay far below it.
pub const MAX_ELEMENTS: usize = 100_000;

/// At most this many bytes of string in one value (all its strings together): 10 MiB.
/// Repeating a string through templates or `join`, `replace`, `format` widths beyond it gives
/// unknown.
pub const MAX_STRING_BYTES: usize = 10 << 20;

/// Work allowed for one top-level evaluation and for each local: one step per expression
/// node evaluated, per `for`/splat iteration, per element a function looks at, and the size
/// of every memoized value handed out again. Exhausted, the rest of the evaluation is unknown.
/// Nested loops (`[for a in x : [for b in x : ...]]`) and quadratic functions stop here.
pub const FUEL_PER_EVALUATION: u64 = 250_000;

/// Work allowed for all evaluations of one [`Scope`] together (a module instance).
pub const FUEL_PER_SCOPE: u64 = 2_500_000;

/// Guards against pathological nesting (long local chains, huge expressions, nested splats
/// and `for`s): 96 nested evaluations fit in a 2 MiB thread stack even in a debug build.
/// Deeper is unknown.
const MAX_DEPTH: u32 = 96;

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    Unknown,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// Tuples, lists and sets ([`Value::ty`] tells them apart). A set's elements are unique
    /// and in Terraform's order (strings lexically, numbers by value, false before true).
    List(Vec<Value>),
    /// Objects and maps, in key order of definition (duplicate keys: last wins on lookup).
    /// Terraform iterates both in lexical key order ([`Value::entries`]).
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
    /// The Terraform type of a list, set or map (`list(string)`). `None` for a tuple or an
    /// object — what `[...]` and `{...}` build — and for every other kind, whose type follows
    /// from the kind (see [`types::type_of`]).
    pub ty: Option<Arc<Type>>,
}

impl Value {
    pub fn new(kind: ValueKind) -> Value {
        Value {
            kind,
            origin: None,
            derived: false,
            ty: None,
        }
    }

    pub fn unknown() -> Value {
        Value::new(ValueKind::Unknown)
    }

    /// A tuple (`[...]`).
    pub fn tuple(items: Vec<Value>) -> Value {
        Value::new(ValueKind::List(items))
    }

    /// A list of `elem` values (the items must already have that type).
    pub fn list(items: Vec<Value>, elem: Type) -> Value {
        Value {
            ty: types::tag(Type::List(Box::new(elem))),
            ..Value::new(ValueKind::List(items))
        }
    }

    /// A set: de-duplicated and ordered as Terraform orders sets. A set with an unknown
    /// element is unknown (its length is).
    pub fn set(items: Vec<Value>, elem: Type) -> Value {
        match collections::set_elements(items) {
            Some(items) => Value {
                ty: types::tag(Type::Set(Box::new(elem))),
                ..Value::new(ValueKind::List(items))
            },
            None => Value::unknown(),
        }
    }

    /// A map of `elem` values, keys in lexical order (a repeated key: the last one wins).
    pub fn map(entries: Vec<(String, Value)>, elem: Type) -> Value {
        let entries = collections::sorted_entries(&entries)
            .into_iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value {
            ty: types::tag(Type::Map(Box::new(elem))),
            ..Value::new(ValueKind::Object(entries))
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.kind, ValueKind::Unknown)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }

    pub fn is_set(&self) -> bool {
        matches!(self.ty.as_deref(), Some(Type::Set(_)))
    }

    pub fn is_list(&self) -> bool {
        matches!(self.ty.as_deref(), Some(Type::List(_)))
    }

    pub fn is_map(&self) -> bool {
        matches!(self.ty.as_deref(), Some(Type::Map(_)))
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

    /// The attributes of an object or map as Terraform iterates them: lexical key order,
    /// one entry per key (the last one written).
    pub fn entries(&self) -> Vec<(&String, &Value)> {
        match &self.kind {
            ValueKind::Object(items) => collections::sorted_entries(items),
            _ => Vec::new(),
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

    /// Terraform's conversion to bool: `true`/`false` and the strings `"true"`/`"false"`
    /// (and `"1"`/`"0"`, as cty allows). `Ok(None)` means unknown.
    pub fn to_bool(&self) -> Result<Option<bool>, EvalError> {
        match &self.kind {
            ValueKind::Unknown => Ok(None),
            ValueKind::Bool(b) => Ok(Some(*b)),
            ValueKind::String(s) if s == "true" || s == "1" => Ok(Some(true)),
            ValueKind::String(s) if s == "false" || s == "0" => Ok(Some(false)),
            ValueKind::Null => Err(EvalError::new("argument must not be null")),
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
            ValueKind::Null => Err(EvalError::new("argument must not be null")),
            _ => Err(EvalError::new("a string is required")),
        }
    }

    /// Terraform's conversion to number (a string must be a decimal number, without spaces).
    /// `Ok(None)` means unknown.
    pub fn to_number(&self) -> Result<Option<f64>, EvalError> {
        match &self.kind {
            ValueKind::Unknown => Ok(None),
            ValueKind::Number(n) => Ok(Some(*n)),
            ValueKind::String(s) => {
                number::parse(s).map_err(|_| EvalError::new("a number is required"))
            }
            ValueKind::Null => Err(EvalError::new("argument must not be null")),
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

    /// Terraform equality: same type and value; `None` when unknown. A tuple never equals a
    /// list (`[1] == tolist([1])` is false), nor an object a map, nor a `list(string)` a
    /// `list(number)`, as in Terraform.
    pub fn equals(&self, other: &Value) -> Option<bool> {
        use ValueKind::*;
        Some(match (&self.kind, &other.kind) {
            (Unknown, _) | (_, Unknown) => return None,
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (String(a), String(b)) => a == b,
            (List(a), List(b)) => {
                if self.ty != other.ty || a.len() != b.len() {
                    return Some(false);
                }
                let pairwise = all_equal(a.iter().zip(b).map(|(x, y)| x.equals(y)));
                if self.is_set() && pairwise == Some(false) {
                    // Sets are ordered canonically, but values whose sort keys collide may
                    // sit in either order.
                    return all_equal(
                        a.iter()
                            .map(|x| Some(b.iter().any(|y| x.equals(y) == Some(true)))),
                    );
                }
                return pairwise;
            }
            (Object(_), Object(_)) => {
                if self.ty != other.ty {
                    return Some(false);
                }
                let (ea, eb) = (self.entries(), other.entries());
                if ea.len() != eb.len() || ea.iter().zip(&eb).any(|(x, y)| x.0 != y.0) {
                    return Some(false);
                }
                return all_equal(ea.iter().zip(&eb).map(|(x, y)| x.1.equals(y.1)));
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

/// Terraform's number-to-string conversion (see [`number::format`]).
pub fn format_number(n: f64) -> String {
    number::format(n)
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

// ---------------------------------------------------------------------------------------------
// Scope
// ---------------------------------------------------------------------------------------------

/// Names bound while evaluating one instance: `count`, `each`, a `dynamic` block iterator.
pub type Bindings = Vec<(String, Value)>;

/// What an expression is being evaluated for: values written literally inside a variable
/// default, tfvars value, local or module argument get that place as their origin; and the
/// names bound for the instance being evaluated (plus, inside a `for`, its variables).
#[derive(Clone)]
struct Frame<'b> {
    origin: Option<(OriginKind, FileRef)>,
    binds: &'b [(String, Value)],
    /// The frame a `for` expression's body is nested in.
    outer: Option<&'b Frame<'b>>,
}

impl Frame<'_> {
    fn at(kind: OriginKind, file: FileRef) -> Frame<'static> {
        Frame {
            origin: Some((kind, file)),
            binds: &[],
            outer: None,
        }
    }

    fn lookup(&self, name: &str) -> Option<&Value> {
        let mut frame = Some(self);
        while let Some(f) = frame {
            if let Some((_, v)) = f.binds.iter().rev().find(|(n, _)| n == name) {
                return Some(v);
            }
            frame = f.outer;
        }
        None
    }
}

enum LocalState {
    InProgress,
    Done(EvalResult),
}

/// Resolves `module.<name>` to the value Terraform gives that module call: an object of the
/// child's outputs (for a call with `count`/`for_each`, a tuple/object of such objects).
/// Called at most once per name and scope; return [`Value::unknown`] for what cannot be known.
pub type ModuleOutputs<'m> = Box<dyn Fn(&str) -> Value + 'm>;

/// A called module's argument values, asked for by name when a variable is first read
/// (`None`: the argument is not passed). Lazy, because an argument may use another call's
/// outputs, which need that call's module evaluated first.
pub type LazyInputs<'m> = Box<dyn Fn(&str) -> Option<Value> + 'm>;

/// Where a called module's variables get their values.
enum Inputs<'m> {
    Given(HashMap<String, Value>),
    Lazy(LazyInputs<'m>),
}

/// Evaluates expressions of one module. Locals and variables are evaluated lazily and
/// memoized; a cycle evaluates to unknown.
///
/// Hooks for what the evaluator cannot know by itself, both unknown by default:
/// * [`Scope::with_module_outputs`]: a resolver for `module.<name>` roots;
/// * [`Scope::with_workspace`] / [`Scope::set_workspace`]: the value of `terraform.workspace`.
pub struct Scope<'m> {
    module: &'m Module,
    /// Values passed by a `module` block for a called module; `None` for a root module,
    /// whose variables come from tfvars files and defaults.
    inputs: Option<Inputs<'m>>,
    locals: RefCell<HashMap<String, LocalState>>,
    variables: RefCell<HashMap<String, Value>>,
    module_values: RefCell<HashMap<String, Value>>,
    module_outputs: Option<ModuleOutputs<'m>>,
    workspace: Option<String>,
    depth: Cell<u32>,
    /// Work left for the current evaluation, and for the whole scope.
    fuel: Cell<u64>,
    total_fuel: Cell<u64>,
}

impl<'m> Scope<'m> {
    pub fn new(module: &'m Module) -> Scope<'m> {
        Scope {
            module,
            inputs: None,
            locals: RefCell::new(HashMap::new()),
            variables: RefCell::new(HashMap::new()),
            module_values: RefCell::new(HashMap::new()),
            module_outputs: None,
            workspace: None,
            depth: Cell::new(0),
            fuel: Cell::new(FUEL_PER_EVALUATION),
            total_fuel: Cell::new(FUEL_PER_SCOPE),
        }
    }

    /// A scope for a module called with these argument values (evaluated in the caller;
    /// they are converted to the child's variable types here).
    pub fn with_inputs(module: &'m Module, inputs: HashMap<String, Value>) -> Scope<'m> {
        Scope {
            inputs: Some(Inputs::Given(inputs)),
            ..Scope::new(module)
        }
    }

    /// A scope for a called module whose argument values `inputs` evaluates on demand (in
    /// the caller); they are converted to the child's variable types here.
    pub fn with_lazy_inputs(
        module: &'m Module,
        inputs: impl Fn(&str) -> Option<Value> + 'm,
    ) -> Scope<'m> {
        Scope {
            inputs: Some(Inputs::Lazy(Box::new(inputs))),
            ..Scope::new(module)
        }
    }

    /// Resolves `module.<name>` with `resolve` (the default resolver says unknown). For
    /// example, a project model that evaluated a child module's `output` blocks passes
    /// `move |name| outputs.get(name).cloned().unwrap_or_else(Value::unknown)`.
    pub fn with_module_outputs(mut self, resolve: impl Fn(&str) -> Value + 'm) -> Scope<'m> {
        self.set_module_outputs(resolve);
        self
    }

    /// Same as [`Scope::with_module_outputs`], on an existing scope (forgets values
    /// resolved so far).
    pub fn set_module_outputs(&mut self, resolve: impl Fn(&str) -> Value + 'm) {
        self.module_outputs = Some(Box::new(resolve));
        self.module_values.borrow_mut().clear();
    }

    /// `terraform.workspace` is `name` (unknown unless set).
    pub fn with_workspace(mut self, name: impl Into<String>) -> Scope<'m> {
        self.workspace = Some(name.into());
        self
    }

    /// Sets (or, with `None`, forgets) the workspace name `terraform.workspace` evaluates to.
    pub fn set_workspace(&mut self, name: Option<String>) {
        self.workspace = name;
    }

    pub fn workspace(&self) -> Option<&str> {
        self.workspace.as_deref()
    }

    /// Evaluates an expression written in a resource (no origin is recorded for its literals).
    pub fn eval(&self, expr: &Expr) -> EvalResult {
        self.eval_top(
            expr,
            &Frame {
                origin: None,
                binds: &[],
                outer: None,
            },
        )
    }

    /// Evaluates with names bound for one instance (`count`, `each`, a dynamic iterator).
    pub fn eval_with(&self, expr: &Expr, binds: &[(String, Value)]) -> EvalResult {
        self.eval_top(
            expr,
            &Frame {
                origin: None,
                binds,
                outer: None,
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
            .eval_top(
                expr,
                &Frame {
                    origin: Some((origin, file)),
                    binds,
                    outer: None,
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

    /// An evaluation from outside: it gets a fresh work budget.
    fn eval_top(&self, expr: &Expr, def: &Frame) -> EvalResult {
        if self.depth.get() == 0 {
            self.fuel.set(FUEL_PER_EVALUATION);
        }
        self.eval_in(expr, def)
    }

    /// Spends `n` steps of work; false (and nothing left) when the budget is exhausted.
    fn charge(&self, n: u64) -> bool {
        let (fuel, total) = (self.fuel.get(), self.total_fuel.get());
        if fuel < n || total < n {
            self.fuel.set(0);
            return false;
        }
        self.fuel.set(fuel - n);
        self.total_fuel.set(total - n);
        true
    }

    /// Runs `f` one nesting level deeper; unknown beyond [`MAX_DEPTH`].
    fn nested(&self, f: impl FnOnce() -> EvalResult) -> EvalResult {
        let depth = self.depth.get();
        if depth > MAX_DEPTH {
            return Ok(Value::unknown());
        }
        self.depth.set(depth + 1);
        let result = f();
        self.depth.set(depth);
        result
    }

    fn eval_in(&self, expr: &Expr, def: &Frame) -> EvalResult {
        if !self.charge(1) {
            return Ok(Value::unknown());
        }
        self.nested(|| self.eval_inner(expr, def))
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
            ExprKind::Number(n) if !n.is_finite() => Ok(Value::unknown()),
            ExprKind::Number(n) => literal(ValueKind::Number(*n)),
            ExprKind::String(s) => literal(ValueKind::String(s.clone())),
            ExprKind::Template(parts) => self.eval_template(parts, expr, def),
            ExprKind::Array(items) => self.eval_array(items, expr, def),
            ExprKind::Object(items) => self.eval_object(items, expr, def),
            ExprKind::Variable(_) | ExprKind::Traversal(..) => self.eval_reference(expr, def),
            ExprKind::FuncCall {
                name,
                args,
                expand_final,
            } => functions::call(self, name, args, *expand_final, &|e| self.eval_in(e, def)),
            ExprKind::Conditional(cond, t, f) => self.eval_conditional(cond, t, f, def),
            ExprKind::Unary(op, e) => self.eval_unary(*op, e, def),
            ExprKind::Binary(op, l, r) => self.eval_binary(*op, l, r, def),
            ExprKind::For(f) => self.eval_for(f, expr, def),
            ExprKind::Unsupported => Ok(Value::unknown()),
        }
    }

    #[inline(never)]
    fn eval_template(&self, parts: &[TemplatePart], expr: &Expr, def: &Frame) -> EvalResult {
        let mut out = String::new();
        let mut origin = None;
        if !self.template_parts(parts, def, &mut out, &mut origin)? {
            return Ok(Value::unknown());
        }
        Ok(
            Value::new(ValueKind::String(out))
                .with_origin(origin.or_else(|| self.stamp(expr, def))),
        )
    }

    /// Appends the text of template parts to `out`; `Ok(false)` when it is unknown.
    fn template_parts(
        &self,
        parts: &[TemplatePart],
        def: &Frame,
        out: &mut String,
        origin: &mut Option<Arc<Origin>>,
    ) -> Result<bool, EvalError> {
        for part in parts {
            match part {
                TemplatePart::Literal(s) => out.push_str(s),
                TemplatePart::Directive => return Ok(false),
                TemplatePart::Interpolation(e) => {
                    let v = self.eval_in(e, def)?;
                    if origin.is_none() {
                        origin.clone_from(&v.origin);
                    }
                    if v.is_null() {
                        return Err(EvalError::new(
                            "Invalid template interpolation value: the value is null",
                        ));
                    }
                    match v.to_str()? {
                        Some(s) => out.push_str(&s),
                        None => return Ok(false),
                    }
                }
                TemplatePart::If {
                    cond,
                    then,
                    otherwise,
                } => {
                    let c = self.eval_in(cond, def)?;
                    if c.is_null() {
                        return Err(EvalError::new(
                            "Invalid template directive: the condition is null",
                        ));
                    }
                    let branch = match c
                        .to_bool()
                        .map_err(|_| EvalError::new("Invalid template directive: bool required"))?
                    {
                        Some(true) => then,
                        Some(false) => otherwise,
                        None => return Ok(false),
                    };
                    if origin.is_none() {
                        origin.clone_from(&c.origin);
                    }
                    if !self.template_parts(branch, def, out, origin)? {
                        return Ok(false);
                    }
                }
                TemplatePart::For {
                    key_var,
                    value_var,
                    collection,
                    body,
                } => {
                    let coll = self.eval_in(collection, def)?;
                    let Some(pairs) = collections::iteration(&coll)? else {
                        return Ok(false);
                    };
                    for (k, v) in pairs {
                        if !self.charge(1) || out.len() > MAX_STRING_BYTES {
                            return Ok(false);
                        }
                        let mut binds = Vec::with_capacity(2);
                        if let Some(name) = key_var {
                            binds.push((name.clone(), k));
                        }
                        binds.push((value_var.clone(), v));
                        let frame = Frame {
                            origin: def.origin.clone(),
                            binds: &binds,
                            outer: Some(def),
                        };
                        if !self.template_parts(body, &frame, out, origin)? {
                            return Ok(false);
                        }
                    }
                }
            }
            if out.len() > MAX_STRING_BYTES {
                return Ok(false);
            }
        }
        Ok(true)
    }

    #[inline(never)]
    fn eval_array(&self, items: &[Expr], expr: &Expr, def: &Frame) -> EvalResult {
        let mut size = collections::Size::default();
        let mut values = Vec::with_capacity(items.len());
        for e in items {
            let v = self.eval_in(e, def)?;
            if !size.add(&v) {
                return Ok(Value::unknown());
            }
            values.push(v);
        }
        Ok(Value::tuple(values).with_origin(self.stamp(expr, def)))
    }

    #[inline(never)]
    fn eval_object(
        &self,
        items: &[crate::syntax::ObjectItem],
        expr: &Expr,
        def: &Frame,
    ) -> EvalResult {
        let mut size = collections::Size::default();
        let mut out = collections::Entries::default();
        for item in items {
            let key = match &item.key {
                ObjectKey::Name(n, _) => n.clone(),
                ObjectKey::Expr(e) => match self.eval_in(e, def)?.to_str()? {
                    Some(k) => k,
                    None => return Ok(Value::unknown()),
                },
            };
            let value = self.eval_in(&item.value, def)?;
            if !size.add(&value) {
                return Ok(Value::unknown());
            }
            // A repeated key: the last value wins, as in Terraform.
            out.insert(key, value);
        }
        Ok(Value::new(ValueKind::Object(out.into_vec())).with_origin(self.stamp(expr, def)))
    }

    /// `cond ? a : b`. Terraform evaluates both results and converts the chosen one to the
    /// type both unify to (`true ? 1 : "a"` is `"1"`; `true ? "a" : [1]` is an error). An
    /// error in the other result only matters through its type (see [`error_type`]).
    #[inline(never)]
    fn eval_conditional(&self, cond: &Expr, t: &Expr, f: &Expr, def: &Frame) -> EvalResult {
        let c = self.eval_in(cond, def)?;
        if c.is_null() {
            return Err(EvalError::new("Null condition"));
        }
        match c.to_bool()? {
            Some(b) => {
                let (taken, other) = if b { (t, f) } else { (f, t) };
                let v = self.eval_in(taken, def)?;
                let other_type = match self.eval_in(other, def) {
                    Ok(o) if o.is_unknown() || o.is_null() => types::Type::Any,
                    Ok(o) => types::type_of(&o),
                    Err(_) => match error_type(other) {
                        Some(t) => t,
                        // Terraform's verdict depends on the failed expression's type.
                        None => return Ok(Value::unknown()),
                    },
                };
                Ok(collections::unify_result(v, other_type)?.derived_from(c.origin))
            }
            None => {
                let (Ok(a), Ok(b)) = (self.eval_in(t, def), self.eval_in(f, def)) else {
                    return Ok(Value::unknown());
                };
                // Results of types that do not unify are an error, whatever the condition.
                if !a.is_unknown() && !b.is_unknown() && !a.is_null() && !b.is_null() {
                    collections::unify_result(a.clone(), types::type_of(&b))?;
                }
                // Terraform's result is unknown even when both branches agree
                // (`u ? false : false` plans as "known after apply").
                let _ = (a, b);
                Ok(Value::unknown())
            }
        }
    }

    #[inline(never)]
    fn eval_unary(&self, op: UnaryOp, e: &Expr, def: &Frame) -> EvalResult {
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

    #[inline(never)]
    fn eval_binary(&self, op: BinaryOp, l: &Expr, r: &Expr, def: &Frame) -> EvalResult {
        // Terraform evaluates both operands of `&&` and `||` (an error on the right is an
        // error even after `false &&`), and an unknown operand makes the result unknown:
        // `false && aws_kms_key.k.arn != ""` plans as "known after apply"
        // (fixtures/oracle/unknown-computed).
        let lv = self.eval_in(l, def)?;
        let rv = self.eval_in(r, def)?;
        let origin = lv.origin.clone().or_else(|| rv.origin.clone());
        let number = |n: Option<f64>| n.map_or(ValueKind::Unknown, ValueKind::Number);
        let kind = match op {
            BinaryOp::Eq | BinaryOp::NotEq => match lv.equals(&rv) {
                Some(eq) => ValueKind::Bool(eq == (op == BinaryOp::Eq)),
                None => ValueKind::Unknown,
            },
            BinaryOp::And | BinaryOp::Or => match (lv.to_bool()?, rv.to_bool()?) {
                (Some(a), Some(b)) => {
                    ValueKind::Bool(if op == BinaryOp::And { a && b } else { a || b })
                }
                _ => ValueKind::Unknown,
            },
            _ => match (lv.to_number()?, rv.to_number()?) {
                (Some(a), Some(b)) => match op {
                    BinaryOp::Less => ValueKind::Bool(a < b),
                    BinaryOp::LessEq => ValueKind::Bool(a <= b),
                    BinaryOp::Greater => ValueKind::Bool(a > b),
                    BinaryOp::GreaterEq => ValueKind::Bool(a >= b),
                    // Exact results only: Terraform's arithmetic is arbitrary-precision.
                    BinaryOp::Add => number(number::add(a, b)),
                    BinaryOp::Sub => number(number::sub(a, b)),
                    BinaryOp::Mul => number(number::mul(a, b)),
                    BinaryOp::Div if b != 0.0 => number(number::div(a, b)),
                    BinaryOp::Mod if b != 0.0 => number(number::rem(a, b)),
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

    /// `var.x...`, `local.x...`, `module.x...`, `terraform.workspace` and accesses into any
    /// value.
    fn eval_reference(&self, expr: &Expr, def: &Frame) -> EvalResult {
        let (base, ops) = match &expr.kind {
            ExprKind::Traversal(base, ops) => (base.as_ref(), ops.as_slice()),
            _ => (expr, &[][..]),
        };
        let ExprKind::Variable(root) = &base.kind else {
            let value = self.eval_in(base, def)?;
            return self.apply_ops(value, ops, def);
        };
        if let Some(bound) = def.lookup(root) {
            return self.apply_ops(bound.clone(), ops, def);
        }
        let Some(TraversalOp::GetAttr(name, _)) = ops.first() else {
            return Ok(Value::unknown());
        };
        let value = match root.as_str() {
            "var" => self.variable(name),
            "local" => self.local(name)?,
            "module" => self.module_output(name),
            "terraform" if name == "workspace" => match &self.workspace {
                Some(w) => Value::new(ValueKind::String(w.clone())),
                None => Value::unknown(),
            },
            // Resources, data sources, path/count/each/self: not known without running
            // Terraform.
            _ => return Ok(Value::unknown()),
        };
        self.apply_ops(value, &ops[1..], def)
    }

    fn apply_op(&self, value: Value, op: &TraversalOp, def: &Frame) -> EvalResult {
        match op {
            TraversalOp::GetAttr(name, _) => access_key(value, name),
            TraversalOp::Index(index) | TraversalOp::LegacyIndex(index) => {
                let key = self.eval_in(index, def)?;
                access_index(value, &key)
            }
            // Splats are handled by `apply_ops`.
            TraversalOp::FullSplat | TraversalOp::AttrSplat => Ok(Value::unknown()),
        }
    }

    /// The value of a `module.<name>` root, from the resolver hook.
    fn module_output(&self, name: &str) -> Value {
        let Some(resolve) = &self.module_outputs else {
            return Value::unknown();
        };
        if let Some(v) = self.module_values.borrow().get(name) {
            return v.clone();
        }
        // Unknown while it is being resolved: a cycle through modules ends there.
        self.module_values
            .borrow_mut()
            .insert(name.to_string(), Value::unknown());
        let v = resolve(name);
        self.module_values
            .borrow_mut()
            .insert(name.to_string(), v.clone());
        v
    }

    fn variable(&self, name: &str) -> Value {
        if let Some(v) = self.variables.borrow().get(name) {
            let cost = reuse_cost(v);
            return if self.charge(cost) {
                v.clone()
            } else {
                Value::unknown()
            };
        }
        // Unknown while it is being computed: a cycle (a module argument that uses the
        // module's own output) ends there.
        self.variables
            .borrow_mut()
            .insert(name.to_string(), Value::unknown());
        let v = self.variable_value(name);
        self.variables
            .borrow_mut()
            .insert(name.to_string(), v.clone());
        v
    }

    /// A variable's value as Terraform computes it: the caller's argument (a called module)
    /// or the winning tfvars value (the root module), else the default; converted to the
    /// declared type, `optional()` attributes taking their defaults. `nullable = false` makes
    /// a given null take the default.
    fn variable_value(&self, name: &str) -> Value {
        let module = self.module;
        if module.tfvars_incomplete && self.inputs.is_none() {
            return Value::unknown();
        }
        let Some(decl) = module.variables.get(name) else {
            return Value::unknown();
        };
        let default_frame = || {
            Frame::at(
                OriginKind::VariableDefault(name.to_string()),
                decl.file.clone(),
            )
        };
        let ty = match &decl.type_expr {
            None => Type::Any,
            Some(e) => {
                match types::parse_type(e, &mut |d| self.eval_in(d, &default_frame())) {
                    Ok(t) => t,
                    // Terraform rejects the configuration.
                    Err(_) => return Value::unknown(),
                }
            }
        };
        let default = || -> Value {
            let Some(default) = &decl.default else {
                // Required variable with no value: only known when Terraform runs.
                return Value::unknown();
            };
            match self.eval_in(default, &default_frame()) {
                Ok(v) if v.is_null() && !decl.nullable => Value::unknown(),
                Ok(v) => types::convert(v, &ty).unwrap_or_else(|_| Value::unknown()),
                Err(_) => Value::unknown(),
            }
        };
        let given = if let Some(inputs) = &self.inputs {
            // A called module: the caller's argument. tfvars are only read by the root
            // module.
            match inputs {
                Inputs::Given(values) => values.get(name).cloned(),
                Inputs::Lazy(resolve) => resolve(name),
            }
        } else if let Some(assign) = module.tfvars.get(name) {
            let def = Frame::at(OriginKind::Tfvars(name.to_string()), assign.file.clone());
            match self.eval_in(&assign.attribute.expr, &def) {
                Ok(v) => Some(v),
                Err(_) => return Value::unknown(),
            }
        } else {
            None
        };
        match given {
            None => default(),
            Some(v) if v.is_null() && !decl.nullable => default(),
            Some(v) => types::convert(v, &ty).unwrap_or_else(|_| Value::unknown()),
        }
    }

    fn local(&self, name: &str) -> EvalResult {
        match self.locals.borrow().get(name) {
            Some(LocalState::Done(v)) => {
                let cost = v.as_ref().map_or(0, reuse_cost);
                return if self.charge(cost) {
                    v.clone()
                } else {
                    Ok(Value::unknown())
                };
            }
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
        // Each local gets its own work budget, so its value does not depend on which
        // expression happened to need it first.
        let saved = self.fuel.replace(FUEL_PER_EVALUATION);
        let result = self.eval_in(&definition.attribute.expr, &def);
        self.fuel.set(saved);
        self.locals
            .borrow_mut()
            .insert(name.to_string(), LocalState::Done(result.clone()));
        result
    }
}

/// The work of handing out a memoized value again (it is copied): one step per 16 elements
/// or 4 KiB of string.
fn reuse_cost(v: &Value) -> u64 {
    let size = collections::Size::of(v);
    ((size.elements + size.bytes / 256) / 16) as u64
}

/// The type Terraform gives an expression whose evaluation failed, when we can tell: an
/// operator still has its result type; a reference, index or function call is of no
/// particular type. `None` for the rest (a failed element makes a tuple or object of
/// some type, a template may or may not be a string).
fn error_type(expr: &Expr) -> Option<Type> {
    match &expr.kind {
        ExprKind::Unary(UnaryOp::Not, _) => Some(Type::Bool),
        ExprKind::Unary(UnaryOp::Neg, _) => Some(Type::Number),
        ExprKind::Binary(op, ..) => Some(match op {
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => {
                Type::Number
            }
            _ => Type::Bool,
        }),
        // A failed splat still makes a tuple or list.
        ExprKind::Traversal(_, ops)
            if ops
                .iter()
                .any(|op| matches!(op, TraversalOp::FullSplat | TraversalOp::AttrSplat)) =>
        {
            None
        }
        // (A conditional that fails has the type its results unify to.)
        ExprKind::Variable(_) | ExprKind::Traversal(..) | ExprKind::FuncCall { .. } => {
            Some(Type::Any)
        }
        _ => None,
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
        (ValueKind::List(_), _) if value.is_set() => {
            Err(EvalError::new("elements of a set cannot be indexed"))
        }
        (ValueKind::List(items), _) => {
            let n = key.to_number()?.unwrap_or(f64::NAN);
            if n.fract() != 0.0 || n < 0.0 {
                return Err(EvalError::new("invalid index"));
            }
            if n >= items.len() as f64 {
                return Err(EvalError::new("index out of range"));
            }
            items
                .get(n as usize)
                .cloned()
                .ok_or_else(|| EvalError::new("index out of range"))
        }
        (ValueKind::Object(_), _) => {
            let k = key.to_str()?.ok_or_else(|| EvalError::new("invalid key"))?;
            access_key(value, &k)
        }
        _ => Err(EvalError::new("value cannot be indexed")),
    }
}

#[cfg(test)]
mod tests;
