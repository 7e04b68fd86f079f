//! The whole configuration being linted, as one model every rule queries.
//!
//! A [`Project`] is built the same way from HCL ([`build`]: the root module plus every module
//! instance reached through local, downloaded or known registry calls, per `count` /
//! `for_each` instance) and from a plan ([`from_plan`]: resources grouped by their
//! `module_address`). It holds:
//!
//! - module instances ([`ModuleInstance`]): an address (`module.a["x"]`), the module's
//!   declarations ([`Module`]) and the evaluation scope of that instance (its inputs);
//! - resource instances ([`ResourceInstance`]): address, module instance, the block that
//!   defines it and the names bound for the instance (`count`, `each`), so any attribute can be
//!   evaluated ([`Node::value`]: known, unknown or absent);
//! - module call instances ([`CallInstance`]), followed into the child or not (a registry
//!   module that was not downloaded is judged by its arguments);
//! - a reference index ([`references::ReferenceIndex`]): which resources refer to which,
//!   through which attribute, at which span, through locals and module inputs and outputs.
//!
//! Terraform's repetition semantics (`count`, `for_each`, OpenTofu's `lifecycle { enabled }`,
//! `dynamic` blocks) live in [`instances`]. Nothing here knows about rules or output.

pub mod build;
pub mod from_plan;
pub mod instances;
pub mod references;
pub mod sources;

use std::path::PathBuf;

use crate::eval::{Bindings, Scope, Value};
use crate::model::{Module, ModuleCall, Resource, ResourceMode};
use crate::source::{FileRef, Span};
use crate::syntax::{Attribute, Block, Body, Expr, ExprKind};

pub use crate::plan::PlanChange;
pub use references::{Reference, ReferenceIndex};

/// Index of a module instance in [`Project::modules`]; the root is 0.
pub type ModuleId = usize;
/// Index of a resource instance in [`Project::resources`].
pub type ResourceId = usize;
/// Index of a module call instance in [`Project::calls`].
pub type CallId = usize;

/// The root module instance.
pub const ROOT: ModuleId = 0;

/// What the project was built from.
#[derive(Debug, Clone)]
pub enum Input {
    /// Configuration files; the root module's directory.
    Hcl { root: PathBuf },
    /// A plan file; `root` is the directory of the configuration it was made from.
    Plan { file: FileRef, root: PathBuf },
}

/// The configuration being linted.
pub struct Project<'a> {
    pub input: Input,
    pub modules: Vec<ModuleInstance<'a>>,
    pub resources: Vec<ResourceInstance<'a>>,
    pub calls: Vec<CallInstance<'a>>,
    /// Every change of a plan (deletions included); empty for HCL.
    pub changes: Vec<&'a PlanChange>,
    /// For changes that leave no resource behind (deletions) whose block is still in the
    /// configuration on disk (a destroy plan, a `count` that shrank): that block, by the
    /// change's address.
    pub removed_sources: Vec<(String, &'a Resource)>,
    /// Built on first use (most projects never ask who refers to what): see
    /// [`Project::references`].
    pub(crate) references: std::cell::OnceCell<ReferenceIndex>,
    /// Things the builder could not follow, for the pipeline to report (e.g. a call chain
    /// deeper than the limit).
    pub notes: Vec<Note>,
}

/// Something the model could not represent faithfully, with where it happened.
#[derive(Debug, Clone)]
pub struct Note {
    pub file: FileRef,
    pub span: crate::source::Span,
    pub message: String,
}

/// One instance of a module: the root, or one instance of a `module` call.
pub struct ModuleInstance<'a> {
    /// `""` for the root, else e.g. `module.a["x"].module.b`.
    pub address: String,
    pub parent: Option<ModuleId>,
    /// The call instance that created it (configuration only: a plan has no call blocks).
    pub call: Option<CallId>,
    /// The instance key of the call that created it (`[0]`, `["a"]`).
    pub key: Option<String>,
    /// Call names from the root (`["a", "b"]`), instance keys dropped.
    pub path: Vec<String>,
    pub module: &'a Module,
    /// Evaluates expressions of this instance (its variables have this instance's inputs,
    /// `module.x` the outputs of its calls). Shared: a child's inputs are evaluated in its
    /// parent's scope on demand, and a parent's `module.x` in the children's.
    pub scope: std::rc::Rc<Scope<'a>>,
    /// The module's code is under `.terraform/` (downloaded by `terraform init`).
    pub downloaded: bool,
}

impl ModuleInstance<'_> {
    /// The address prefix of things inside it: `""` or `module.a["x"].`.
    pub fn prefix(&self) -> String {
        if self.address.is_empty() {
            String::new()
        } else {
            format!("{}.", self.address)
        }
    }
}

/// One instance of a `module` block.
pub struct CallInstance<'a> {
    /// The module instance the block is written in.
    pub module: ModuleId,
    pub call: &'a ModuleCall,
    /// `[0]`, `["a"]`, or `None` without repetition.
    pub key: Option<String>,
    /// `count` / `each` for this instance.
    pub binds: Bindings,
    /// Full address, e.g. `module.a["x"]`.
    pub address: String,
    /// The child module instance when its code was read; `None` for a registry or git
    /// module that is not downloaded, or a source that cannot be read.
    pub child: Option<ModuleId>,
}

/// One instance of a resource (or data source).
pub struct ResourceInstance<'a> {
    pub module: ModuleId,
    /// The block that defines it: the configuration block, or for a plan the planned values
    /// lowered into a block (spans into the plan file).
    pub resource: &'a Resource,
    /// `[0]`, `["a"]`, or `None` without repetition (or for the stand-in instance of a block
    /// whose repetition is unknown).
    pub key: Option<String>,
    pub binds: Bindings,
    /// Full address, e.g. `module.a.aws_kms_key.k["x"]`.
    pub address: String,
    /// The address findings about it carry: in configuration, the block's address (the
    /// instances failing at one place are merged into one finding that names them); in a
    /// plan, the instance's own address (each instance is a resource of its own there).
    pub reported_as: String,
    /// For a plan resource: its configuration block, when the configuration is on disk.
    pub source: Option<&'a Resource>,
    /// For a plan resource: its planned change.
    pub change: Option<&'a PlanChange>,
    /// The block's `count`/`for_each` could not be evaluated: this one instance stands for
    /// all of them, with `count`/`each` unknown.
    pub unknown_repetition: bool,
}

impl ResourceInstance<'_> {
    pub fn type_name(&self) -> &str {
        &self.resource.type_name
    }

    pub fn is_managed(&self) -> bool {
        self.resource.mode == ResourceMode::Managed
    }

    /// The file an attribute's span points into (an override file, or the block's file).
    pub fn file_of(&self, attribute: &str) -> &FileRef {
        self.resource.file_of(attribute)
    }

    pub fn block(&self) -> &Block {
        &self.resource.block
    }
}

impl<'a> Project<'a> {
    /// The reference index, built from the configuration on first use (a plan's is built
    /// with the project, from its `configuration` section).
    pub fn references(&self) -> &ReferenceIndex {
        self.references
            .get_or_init(|| ReferenceIndex::from_hcl(self))
    }

    pub fn is_plan(&self) -> bool {
        matches!(self.input, Input::Plan { .. })
    }

    /// Managed resource instances of a type, in module order then source order.
    pub fn resources_of_type<'p>(
        &'p self,
        type_name: &'p str,
    ) -> impl Iterator<Item = (ResourceId, &'p ResourceInstance<'a>)> + 'p {
        self.resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.is_managed() && r.type_name() == type_name)
    }

    /// Module call instances whose module code was not read (judged by their arguments).
    pub fn unfollowed_calls(&self) -> impl Iterator<Item = (CallId, &CallInstance<'a>)> {
        self.calls
            .iter()
            .enumerate()
            .filter(|(_, c)| c.child.is_none())
    }

    pub fn module(&self, id: ModuleId) -> &ModuleInstance<'a> {
        &self.modules[id]
    }

    /// The attribute body of a resource instance, ready to evaluate.
    pub fn node<'p>(&'p self, id: ResourceId) -> Node<'p, 'a> {
        let r = &self.resources[id];
        Node {
            project: self,
            module: r.module,
            body: &r.resource.block.body,
            binds: r.binds.clone(),
        }
    }

    /// The body of a module call instance (its arguments), ready to evaluate.
    pub fn call_node<'p>(&'p self, id: CallId) -> Node<'p, 'a> {
        let c = &self.calls[id];
        Node {
            project: self,
            module: c.module,
            body: &c.call.block.body,
            binds: c.binds.clone(),
        }
    }
}

/// A resource the prior state of a plan records as depending on another (see
/// [`Project::state_dependents`]).
pub struct StateDependent<'p> {
    pub change: &'p PlanChange,
    /// Where its values name the other resource (`before`, else `after`): the attribute
    /// path through nested blocks and the value's span in the plan file. `None` when only
    /// the state's `depends_on` records the dependency.
    pub value_at: Option<(String, Span)>,
}

impl<'a> Project<'a> {
    /// The plan file of a project built from a plan.
    pub fn plan_file(&self) -> Option<&FileRef> {
        match &self.input {
            Input::Plan { file, .. } => Some(file),
            Input::Hcl { .. } => None,
        }
    }

    /// Changes of managed resources that are gone once the plan is applied (deleted and not
    /// created again, or forgotten). They have no resource instance in
    /// [`Project::resources`].
    pub fn removals(&self) -> impl Iterator<Item = &'a PlanChange> + '_ {
        self.changes
            .iter()
            .copied()
            .filter(|c| c.mode == ResourceMode::Managed && c.removes())
    }

    /// The configuration block of a change that leaves no resource behind, when the
    /// configuration on disk still has it.
    pub fn removed_source(&self, change: &PlanChange) -> Option<&'a Resource> {
        self.removed_sources
            .iter()
            .find(|(address, _)| *address == change.address)
            .map(|(_, r)| *r)
    }

    /// The resource instance a change leaves behind, if any.
    pub fn resource_of_change(&self, change: &PlanChange) -> Option<ResourceId> {
        self.resources
            .iter()
            .position(|r| r.change.is_some_and(|c| std::ptr::eq(c, change)))
    }

    /// The values of a change before it (`None` for a create), ready to evaluate.
    pub fn before_node<'p>(&'p self, change: &'p PlanChange) -> Option<Node<'p, 'a>> {
        let before = change.before.as_ref()?;
        let module = self
            .modules
            .iter()
            .position(|m| m.address == change.module_address)
            .unwrap_or(ROOT);
        Some(Node {
            project: self,
            module,
            body: &before.block.body,
            binds: Bindings::new(),
        })
    }

    /// The changes of resources the plan's prior state records as depending on `change`'s
    /// resource: its `depends_on` names the resource's configuration address, or its values
    /// (before the change, else after) hold the resource's `arn` or `id` as a string (a
    /// reference Terraform no longer sees, such as an ARN written literally). Nearest
    /// evidence first: a value when there is one.
    pub fn state_dependents(&self, change: &PlanChange) -> Vec<StateDependent<'a>> {
        let Some(before) = &change.before else {
            return Vec::new();
        };
        let ids: Vec<&str> = ["arn", "id"]
            .iter()
            .filter_map(|name| match &before.block.body.attribute(name)?.expr.kind {
                ExprKind::String(s) if !s.is_empty() => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let address = change.config_address();
        let mut out = Vec::new();
        for &other in &self.changes {
            if std::ptr::eq(other, change)
                || other.address == change.address
                || other.mode != ResourceMode::Managed
            {
                continue;
            }
            let value_at = [other.before.as_ref(), other.after.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|r| string_in_body(&r.block.body, "", &ids));
            if value_at.is_some() || other.depends_on.contains(&address) {
                out.push(StateDependent {
                    change: other,
                    value_at,
                });
            }
        }
        out
    }

    /// The changes of resources with this configuration address (`module.a.type.name`).
    pub fn changes_at<'p>(
        &'p self,
        config_address: &'p str,
    ) -> impl Iterator<Item = &'a PlanChange> + 'p {
        self.changes
            .iter()
            .copied()
            .filter(move |c| c.config_address() == config_address)
    }
}

/// The first attribute (a dotted path through nested blocks) whose value is, or holds, a
/// string equal to one of `wanted`, with that string's span.
fn string_in_body(body: &Body, prefix: &str, wanted: &[&str]) -> Option<(String, Span)> {
    if wanted.is_empty() {
        return None;
    }
    for attribute in &body.attributes {
        let mut pending = vec![&attribute.expr];
        while let Some(e) = pending.pop() {
            match &e.kind {
                ExprKind::String(s) if wanted.contains(&s.as_str()) => {
                    return Some((format!("{prefix}{}", attribute.name), e.span.clone()));
                }
                ExprKind::Array(items) => pending.extend(items),
                ExprKind::Object(items) => pending.extend(items.iter().map(|i| &i.value)),
                _ => {}
            }
        }
    }
    for block in &body.blocks {
        if let Some(hit) = string_in_body(&block.body, &format!("{prefix}{}.", block.ident), wanted)
        {
            return Some(hit);
        }
    }
    None
}

/// A module call argument a value is passed through (see [`Project::arguments_passing`]).
pub struct PassedThrough<'a> {
    pub call: CallId,
    /// The file the argument is written in (an override file, or the call's file).
    pub file: FileRef,
    pub attribute: &'a Attribute,
}

impl<'a> Project<'a> {
    /// The module call arguments an expression of module instance `module` passes through
    /// when it is exactly `var.NAME`: the argument `NAME` of the call that created the
    /// instance, then, while that argument is itself `var.NAME2`, the argument `NAME2` of the
    /// call above, and so on. Nearest first; empty at the root or when the variable is not
    /// passed (its default is used).
    pub fn arguments_passing(&self, module: ModuleId, expr: &Expr) -> Vec<PassedThrough<'a>> {
        let mut out = Vec::new();
        let (mut module, mut expr) = (module, expr);
        while let Some((root, names)) = expr.as_reference() {
            let [name] = names.as_slice() else { break };
            if root != "var" {
                break;
            }
            let Some(call_id) = self.modules[module].call else {
                break;
            };
            let call = &self.calls[call_id];
            let Some(attribute) = call.call.block.body.attribute(name) else {
                break;
            };
            out.push(PassedThrough {
                call: call_id,
                file: call.call.file_of(name).clone(),
                attribute,
            });
            // Bounded by the depth of module calls; a self-referencing chain cannot loop
            // because each step moves to the parent.
            module = call.module;
            expr = &attribute.expr;
        }
        out
    }
}

/// A body (a resource's, a nested block's, a module call's) in the context of one
/// instance: attributes can be read, evaluated and nested blocks expanded.
#[derive(Clone)]
pub struct Node<'p, 'a> {
    pub project: &'p Project<'a>,
    pub module: ModuleId,
    pub body: &'p Body,
    pub binds: Bindings,
}

impl<'p, 'a> Node<'p, 'a> {
    fn scope(&self) -> &'p Scope<'a> {
        &self.project.modules[self.module].scope
    }

    /// The attribute as written, or `None`.
    pub fn attribute(&self, name: &str) -> Option<&'p Attribute> {
        self.body.attribute(name)
    }

    /// Evaluates an expression for this instance; errors are unknown.
    pub fn eval(&self, expr: &Expr) -> Value {
        instances::eval(self.scope(), &self.binds, expr)
    }

    /// The value of an attribute, or `None` when it is not written.
    pub fn value(&self, name: &str) -> Option<Value> {
        self.attribute(name).map(|a| self.eval(&a.expr))
    }

    /// The value of a bool attribute: `Some(b)` when known, `None` when absent, unknown or
    /// not a bool.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(|v| v.to_bool().ok().flatten())
    }

    /// The nested blocks `ident`, with `dynamic "ident"` blocks expanded (each `content`
    /// block with its iterator bound). `None` when a dynamic block's `for_each` is unknown.
    pub fn blocks(&self, ident: &str) -> Option<Vec<(&'p Block, Node<'p, 'a>)>> {
        let expanded = instances::expand_blocks(self.scope(), &self.binds, self.body, ident)?;
        Some(
            expanded
                .into_iter()
                .map(|(block, binds)| {
                    (
                        block,
                        Node {
                            project: self.project,
                            module: self.module,
                            body: &block.body,
                            binds,
                        },
                    )
                })
                .collect(),
        )
    }
}
