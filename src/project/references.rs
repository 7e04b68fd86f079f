//! The reference index: for every resource instance, which other resource instances refer
//! to it, through which attribute, at which span.
//!
//! References are matched by address, syntactically (as tflint does): the `<type>.<name>`
//! root of every traversal in every attribute of a resource — inside nested and `dynamic`
//! blocks, conditionals, function calls and templates — is a reference to that resource in
//! the same module instance. `local.x` is followed into the local's expression,
//! `module.m.out` into the output `out` of each instance of module `m`, and `var.v` of a
//! child module into the caller's argument `v`. An index written as a known value
//! (`aws_kms_key.k["a"]`, `aws_kms_key.k[count.index]`) narrows the reference to that
//! instance; anything else (a splat, an unknown index) refers to every instance.
//!
//! From HCL the expressions come from the configuration; from a plan from its
//! `configuration` section's `expressions.*.references` (see [`super::from_plan`]). Both
//! produce [`Target`]s through one resolver.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use super::{ModuleId, Project, ResourceId};
use crate::eval::{Bindings, ValueKind};
use crate::model::ResourceMode;
use crate::source::{FileRef, Span};
use crate::syntax::{Block, Body, Expr, ExprKind, TraversalOp};

/// One resource instance referring to another.
#[derive(Debug, Clone)]
pub struct Reference {
    /// The referring resource instance.
    pub from: ResourceId,
    /// The resource instance referred to.
    pub to: ResourceId,
    /// The attribute of `from` the reference is written in, as a dotted path through nested
    /// blocks (`rule.apply_server_side_encryption_by_default.kms_master_key_id`).
    pub attribute: String,
    /// Where, in `from`'s attribute: the expression that leads to `to` (a traversal of the
    /// resource, or of the local, module output or variable it goes through).
    pub file: FileRef,
    pub span: Span,
}

impl Reference {
    /// The last name of [`Reference::attribute`] (`kms_master_key_id`).
    pub fn argument(&self) -> &str {
        self.attribute.rsplit('.').next().unwrap_or(&self.attribute)
    }
}

/// Every reference between resource instances of a project.
#[derive(Debug, Default)]
pub struct ReferenceIndex {
    refs: Vec<Reference>,
    by_target: HashMap<ResourceId, Vec<usize>>,
    by_source: HashMap<ResourceId, Vec<usize>>,
}

impl ReferenceIndex {
    fn from_refs(mut refs: Vec<Reference>) -> ReferenceIndex {
        refs.sort_by(|a, b| {
            (a.from, a.to, &a.attribute, a.span.start).cmp(&(
                b.from,
                b.to,
                &b.attribute,
                b.span.start,
            ))
        });
        refs.dedup_by(|a, b| a.from == b.from && a.to == b.to && a.attribute == b.attribute);
        let mut index = ReferenceIndex {
            refs,
            ..ReferenceIndex::default()
        };
        for (i, r) in index.refs.iter().enumerate() {
            index.by_target.entry(r.to).or_default().push(i);
            index.by_source.entry(r.from).or_default().push(i);
        }
        index
    }

    /// The references to a resource instance, by referrer.
    pub fn referrers(&self, to: ResourceId) -> impl Iterator<Item = &Reference> {
        self.by_target
            .get(&to)
            .into_iter()
            .flatten()
            .map(|&i| &self.refs[i])
    }

    /// The references a resource instance makes.
    pub fn references_from(&self, from: ResourceId) -> impl Iterator<Item = &Reference> {
        self.by_source
            .get(&from)
            .into_iter()
            .flatten()
            .map(|&i| &self.refs[i])
    }

    pub fn all(&self) -> &[Reference] {
        &self.refs
    }

    pub fn len(&self) -> usize {
        self.refs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.refs.is_empty()
    }

    /// The index of a project built from configuration files.
    pub fn from_hcl(project: &Project) -> ReferenceIndex {
        let defs = HclDefinitions { project };
        let resolver = Resolver::new(project, &defs);
        let mut refs = Vec::new();
        for (id, r) in project.resources.iter().enumerate() {
            let mut found = Vec::new();
            collect_body(&r.resource.block.body, "", &mut |path, expr| {
                let file = r.file_of(path.split('.').next().unwrap_or(path)).clone();
                found.push((path.to_string(), file, expr));
            });
            for (attribute, file, expr) in found {
                for (target, span) in
                    targets_in(expr, &|e| index_key(project, r.module, &r.binds, e))
                {
                    for to in resolver.resolve(r.module, &target) {
                        if to != id {
                            refs.push(Reference {
                                from: id,
                                to,
                                attribute: attribute.clone(),
                                file: file.clone(),
                                span: span.clone(),
                            });
                        }
                    }
                }
            }
        }
        ReferenceIndex::from_refs(refs)
    }

    /// The index from references already parsed (a plan): `(from, attribute, file, span,
    /// target)` per reference written in a resource.
    pub fn from_targets(
        project: &Project,
        defs: &dyn Definitions,
        written: Vec<(ResourceId, String, FileRef, Span, Target)>,
    ) -> ReferenceIndex {
        let resolver = Resolver::new(project, defs);
        let mut refs = Vec::new();
        for (from, attribute, file, span, target) in written {
            let module = project.resources[from].module;
            for to in resolver.resolve(module, &target) {
                if to != from {
                    refs.push(Reference {
                        from,
                        to,
                        attribute: attribute.clone(),
                        file: file.clone(),
                        span: span.clone(),
                    });
                }
            }
        }
        ReferenceIndex::from_refs(refs)
    }
}

/// What a traversal refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// `type.name`, `data.type.name`, with an instance key when one is known.
    Resource {
        mode: ResourceMode,
        type_name: String,
        name: String,
        key: Option<String>,
    },
    /// `module.call.output` (every instance of the call, or the one with `key`).
    ModuleOutput {
        call: String,
        key: Option<String>,
        output: String,
    },
    Variable(String),
    Local(String),
}

/// Names that begin a traversal but never name a resource.
const NOT_RESOURCES: &[&str] = &[
    "var",
    "local",
    "module",
    "data",
    "count",
    "each",
    "path",
    "terraform",
    "self",
];

/// Reads a reference from its parts: the root name, then attribute names and index keys
/// (`Some(key)` for a known index, `None` for a splat or an unknown index). Shared by the
/// HCL walker and the plan's reference strings.
pub fn target_of(root: &str, parts: &[Part]) -> Option<Target> {
    let name = |i: usize| match parts.get(i) {
        Some(Part::Attr(n)) => Some(n.clone()),
        _ => None,
    };
    let key = |i: usize| match parts.get(i) {
        Some(Part::Index(k)) => k.clone(),
        _ => None,
    };
    match root {
        "var" => name(0).map(Target::Variable),
        "local" => name(0).map(Target::Local),
        "module" => {
            let call = name(0)?;
            let (key, output_at) = match parts.get(1) {
                Some(Part::Index(k)) => (k.clone(), 2),
                _ => (None, 1),
            };
            Some(Target::ModuleOutput {
                call,
                key,
                output: name(output_at)?,
            })
        }
        "data" => Some(Target::Resource {
            mode: ResourceMode::Data,
            type_name: name(0)?,
            name: name(1)?,
            key: key(2),
        }),
        _ if NOT_RESOURCES.contains(&root) => None,
        _ => Some(Target::Resource {
            mode: ResourceMode::Managed,
            type_name: root.to_string(),
            name: name(0)?,
            key: key(1),
        }),
    }
}

/// One step of a traversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Attr(String),
    /// `[key]` with the key as an address suffix (`[0]`, `["a"]`) when known.
    Index(Option<String>),
}

/// Calls `f(attribute path, expression)` for every attribute of a body, nested blocks
/// included (`dynamic "x"` blocks count as `x`, their `content` as the block's body).
fn collect_body<'b>(body: &'b Body, prefix: &str, f: &mut dyn FnMut(&str, &'b Expr)) {
    for attribute in &body.attributes {
        f(&format!("{prefix}{}", attribute.name), &attribute.expr);
    }
    for block in &body.blocks {
        collect_block(block, prefix, f);
    }
}

fn collect_block<'b>(block: &'b Block, prefix: &str, f: &mut dyn FnMut(&str, &'b Expr)) {
    if block.ident == "dynamic" {
        let Some(label) = block.label(0) else { return };
        let inner = format!("{prefix}{label}.");
        for attribute in &block.body.attributes {
            f(&format!("{inner}{}", attribute.name), &attribute.expr);
        }
        for content in block.body.blocks_named("content") {
            collect_body(&content.body, &inner, f);
        }
        return;
    }
    collect_body(&block.body, &format!("{prefix}{}.", block.ident), f);
}

/// The references in an expression, each with the span of the traversal it is read from.
/// `key` turns an index expression into an address suffix when it is known.
pub fn targets_in(expr: &Expr, key: &dyn Fn(&Expr) -> Option<String>) -> Vec<(Target, Span)> {
    let mut out = Vec::new();
    let mut pending = vec![expr];
    // Iterative: expressions nest arbitrarily deep in hostile input.
    while let Some(e) = pending.pop() {
        if let Some(target) = traversal_target(e, key) {
            out.push((target, e.span.clone()));
        }
        e.for_each_child(&mut |child| pending.push(child));
    }
    out.sort_by_key(|(_, span)| span.start);
    out
}

fn traversal_target(expr: &Expr, key: &dyn Fn(&Expr) -> Option<String>) -> Option<Target> {
    let ExprKind::Traversal(base, ops) = &expr.kind else {
        return None;
    };
    let ExprKind::Variable(root) = &base.kind else {
        return None;
    };
    let parts: Vec<Part> = ops
        .iter()
        .map(|op| match op {
            TraversalOp::GetAttr(name, _) => Part::Attr(name.clone()),
            TraversalOp::Index(index) | TraversalOp::LegacyIndex(index) => Part::Index(key(index)),
            TraversalOp::FullSplat | TraversalOp::AttrSplat => Part::Index(None),
        })
        .collect();
    target_of(root, &parts)
}

/// `[0]` / `["a"]` for an index expression whose value is known for this instance.
fn index_key(
    project: &Project,
    module: ModuleId,
    binds: &Bindings,
    index: &Expr,
) -> Option<String> {
    let value = super::instances::eval(&project.modules[module].scope, binds, index);
    key_suffix(&value.kind)
}

/// The address suffix of an instance key value.
pub fn key_suffix(kind: &ValueKind) -> Option<String> {
    match kind {
        ValueKind::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(format!("[{}]", *n as u64)),
        ValueKind::String(s) => Some(format!("[{s:?}]")),
        _ => None,
    }
}

/// The definitions references go through: a module instance's locals and outputs, and the
/// arguments its call passes (written in the parent).
pub trait Definitions {
    /// The references in local `name` of module instance `module`.
    fn local(&self, module: ModuleId, name: &str) -> Vec<Target>;
    /// The references in output `name` of module instance `module`.
    fn output(&self, module: ModuleId, name: &str) -> Vec<Target>;
    /// The references in the argument `name` of the call that created `module` (to be
    /// resolved in its parent).
    fn input(&self, module: ModuleId, name: &str) -> Vec<Target>;
}

/// Definitions read from configuration files.
struct HclDefinitions<'p, 'a> {
    project: &'p Project<'a>,
}

impl Definitions for HclDefinitions<'_, '_> {
    fn local(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let m = &self.project.modules[module];
        m.module.locals.get(name).map_or_else(Vec::new, |d| {
            let no_binds = Bindings::new();
            only_targets(targets_in(&d.attribute.expr, &|e| {
                index_key(self.project, module, &no_binds, e)
            }))
        })
    }

    fn output(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let m = &self.project.modules[module];
        m.module.outputs.get(name).map_or_else(Vec::new, |d| {
            let no_binds = Bindings::new();
            only_targets(targets_in(&d.attribute.expr, &|e| {
                index_key(self.project, module, &no_binds, e)
            }))
        })
    }

    fn input(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let m = &self.project.modules[module];
        let (Some(call), Some(parent)) = (m.call, m.parent) else {
            return Vec::new();
        };
        let call = &self.project.calls[call];
        call.call
            .block
            .body
            .attribute(name)
            .map_or_else(Vec::new, |a| {
                only_targets(targets_in(&a.expr, &|e| {
                    index_key(self.project, parent, &call.binds, e)
                }))
            })
    }
}

fn only_targets(found: Vec<(Target, Span)>) -> Vec<Target> {
    found.into_iter().map(|(t, _)| t).collect()
}

/// Resolves targets to resource instances, following locals, outputs and inputs (memoized;
/// a cycle resolves to nothing).
struct Resolver<'d, 'p, 'a> {
    project: &'p Project<'a>,
    defs: &'d dyn Definitions,
    /// Resource instances by (module instance, mode, type, name).
    by_name: HashMap<(ModuleId, ResourceMode, &'p str, &'p str), Vec<ResourceId>>,
    /// Child module instances by (parent, call name).
    children: HashMap<(ModuleId, &'p str), Vec<ModuleId>>,
    memo: RefCell<HashMap<(ModuleId, Target), Vec<ResourceId>>>,
    in_progress: RefCell<HashSet<(ModuleId, Target)>>,
}

/// Deeper chains of locals, outputs and inputs than this are not followed.
const MAX_HOPS: usize = 64;

impl<'d, 'p, 'a> Resolver<'d, 'p, 'a> {
    fn new(project: &'p Project<'a>, defs: &'d dyn Definitions) -> Resolver<'d, 'p, 'a> {
        let mut by_name: HashMap<_, Vec<ResourceId>> = HashMap::new();
        for (id, r) in project.resources.iter().enumerate() {
            by_name
                .entry((
                    r.module,
                    r.resource.mode,
                    r.resource.type_name.as_str(),
                    r.resource.name.as_str(),
                ))
                .or_default()
                .push(id);
        }
        let mut children: HashMap<_, Vec<ModuleId>> = HashMap::new();
        for (id, m) in project.modules.iter().enumerate() {
            if let (Some(parent), Some(name)) = (m.parent, m.path.last()) {
                children
                    .entry((parent, name.as_str()))
                    .or_default()
                    .push(id);
            }
        }
        Resolver {
            project,
            defs,
            by_name,
            children,
            memo: RefCell::new(HashMap::new()),
            in_progress: RefCell::new(HashSet::new()),
        }
    }

    fn resolve(&self, module: ModuleId, target: &Target) -> Vec<ResourceId> {
        self.resolve_at(module, target, 0)
    }

    fn resolve_at(&self, module: ModuleId, target: &Target, hops: usize) -> Vec<ResourceId> {
        if let Target::Resource {
            mode,
            type_name,
            name,
            key,
        } = target
        {
            let all = self
                .by_name
                .get(&(module, *mode, type_name.as_str(), name.as_str()))
                .cloned()
                .unwrap_or_default();
            return match key {
                Some(key) => all
                    .into_iter()
                    .filter(|&id| self.project.resources[id].key.as_deref() == Some(key))
                    .collect(),
                None => all,
            };
        }
        if hops > MAX_HOPS {
            return Vec::new();
        }
        let memo_key = (module, target.clone());
        if let Some(hit) = self.memo.borrow().get(&memo_key) {
            return hit.clone();
        }
        if !self.in_progress.borrow_mut().insert(memo_key.clone()) {
            return Vec::new(); // a cycle
        }
        let mut out = Vec::new();
        match target {
            Target::Resource { .. } => {}
            Target::Local(name) => {
                for t in self.defs.local(module, name) {
                    out.extend(self.resolve_at(module, &t, hops + 1));
                }
            }
            Target::Variable(name) => {
                if let Some(parent) = self.project.modules[module].parent {
                    for t in self.defs.input(module, name) {
                        out.extend(self.resolve_at(parent, &t, hops + 1));
                    }
                }
            }
            Target::ModuleOutput { call, key, output } => {
                for &child in self
                    .children
                    .get(&(module, call.as_str()))
                    .into_iter()
                    .flatten()
                {
                    if key.is_some() && self.project.modules[child].key != *key {
                        continue;
                    }
                    for t in self.defs.output(child, output) {
                        out.extend(self.resolve_at(child, &t, hops + 1));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        self.in_progress.borrow_mut().remove(&memo_key);
        self.memo.borrow_mut().insert(memo_key, out.clone());
        out
    }
}
