//! Building a [`Project`] from configuration files: the root module, then every module
//! instance its calls create, evaluated with the caller's arguments.
//!
//! A `module` block whose `source` is a local path (`./x`, `../x`), or whose directory
//! `.terraform/modules/modules.json` records (registry and git modules after `terraform
//! init`), is instantiated once per call instance: the call's arguments, evaluated in the
//! caller, become the child's variable values (defaults where not passed; tfvars files are
//! only read by root modules). Other calls stay as [`CallInstance`]s without a child.
//!
//! Values flow both ways between module instances, as in Terraform: a child's variables are
//! its call's arguments, evaluated in the parent when first read, and the parent's
//! `module.<call>` is an object of the child's `output` values (a tuple of them for
//! `count`, an object by key for `for_each`), evaluated in the child when first read. A
//! cycle between the two (an argument that uses the call's own output) is unknown.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};

use super::instances::instances_of;
use super::sources::{Loader, ModuleSet, MAX_CALL_DEPTH};
use super::{CallInstance, Input, ModuleId, ModuleInstance, Note, Project, ResourceInstance};
use crate::eval::{Bindings, OriginKind, Scope, Value, ValueKind};
use crate::model::{Module, ModuleCall};

/// Meta-arguments of a `module` block, which are not variables of the child.
pub const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// Builds the project whose root module is `root` (in `root_dir`); `set` holds the modules
/// its calls reach (see [`ModuleSet::collect`]); `workspace` is `terraform.workspace`
/// (unknown when `None`).
pub fn build<'a>(
    root_dir: &Path,
    root: &'a Module,
    set: &'a ModuleSet,
    loader: &Loader,
    workspace: Option<&str>,
) -> Project<'a> {
    let root_calls = CallTable::new();
    let mut root_scope = Scope::new(root).with_module_outputs(root_calls.resolver());
    root_scope.set_workspace(workspace.map(str::to_string));
    let root_scope = Rc::new(root_scope);
    let mut project = Project {
        input: Input::Hcl {
            root: root_dir.to_path_buf(),
        },
        modules: vec![ModuleInstance {
            address: String::new(),
            parent: None,
            call: None,
            key: None,
            path: Vec::new(),
            module: root,
            scope: root_scope,
            downloaded: crate::paths::is_downloaded(&root.dir),
        }],
        resources: Vec::new(),
        calls: Vec::new(),
        changes: Vec::new(),
        removed_sources: Vec::new(),
        references: Default::default(),
        notes: Vec::new(),
    };
    let mut tables: HashMap<ModuleId, CallTable<'a>> = HashMap::new();
    tables.insert(0, root_calls);
    // Directories being evaluated up each module instance's call chain (a module calling
    // itself stops).
    let mut stacks: HashMap<ModuleId, Vec<PathBuf>> = HashMap::new();
    stacks.insert(0, vec![loader.canonical(root_dir)]);
    let mut queue = vec![0];
    while let Some(id) = queue.pop() {
        let stack = stacks.remove(&id).unwrap_or_default();
        let table = tables.remove(&id).unwrap_or_else(CallTable::new);
        for (call, child) in
            instantiate_calls(&project, id, root_dir, set, loader, &stack, workspace)
        {
            let call_id = project.calls.len();
            let child_id = child.map(|(instance, dir, child_calls)| {
                let child_id = project.modules.len();
                table.add(call.call, call.key.clone(), &instance);
                project.modules.push(ModuleInstance {
                    call: Some(call_id),
                    ..instance
                });
                let mut child_stack = stack.clone();
                child_stack.push(dir);
                stacks.insert(child_id, child_stack);
                tables.insert(child_id, child_calls);
                queue.push(child_id);
                child_id
            });
            if child_id.is_none() {
                table.unfollowed(call.call);
            }
            project.calls.push(CallInstance {
                child: child_id,
                ..call
            });
        }
        // After the calls: a resource's `count`/`for_each` may use their outputs.
        add_resources(&mut project, id);
        if stack.len() > MAX_CALL_DEPTH {
            if let Some(call) = project.modules[id].module.module_calls.first() {
                project.notes.push(Note {
                    file: call.file.clone(),
                    span: call.block.header_span.clone(),
                    message: format!(
                        "module calls nested deeper than {MAX_CALL_DEPTH} levels are not followed; resources below this call are not checked"
                    ),
                });
            }
        }
    }
    // Module instances were expanded depth-first from a stack; keep resources in module
    // order (root first, then calls in source order) so findings come out stably.
    project.resources.sort_by_key(|r| {
        (
            module_order(&project.modules, r.module),
            r.resource.block.span.start,
        )
    });
    project
}

/// The child module instances of one module instance's calls, by call name, from which its
/// scope answers `module.<call>`. Filled while the project is built; read when an
/// expression first needs a call's outputs.
struct CallTable<'a> {
    calls: Rc<RefCell<HashMap<String, CallEntry<'a>>>>,
}

#[derive(Default)]
struct CallEntry<'a> {
    /// `count`, `for_each` or neither: how `module.<call>` is shaped.
    repetition: Repetition,
    /// Each instance: its key and its scope.
    instances: Vec<(Option<String>, Weak<Scope<'a>>, &'a Module)>,
    /// The call's code is not read: its outputs are unknown.
    unfollowed: bool,
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
enum Repetition {
    #[default]
    Single,
    Count,
    ForEach,
}

impl<'a> CallTable<'a> {
    fn new() -> CallTable<'a> {
        CallTable {
            calls: Rc::new(RefCell::new(HashMap::new())),
        }
    }

    fn add(&self, call: &ModuleCall, key: Option<String>, child: &ModuleInstance<'a>) {
        let mut calls = self.calls.borrow_mut();
        let entry = calls.entry(call.name.clone()).or_default();
        entry.repetition = repetition(call);
        entry
            .instances
            .push((key, Rc::downgrade(&child.scope), child.module));
    }

    fn unfollowed(&self, call: &ModuleCall) {
        let mut calls = self.calls.borrow_mut();
        let entry = calls.entry(call.name.clone()).or_default();
        entry.unfollowed = true;
    }

    /// `module.<name>` as Terraform gives it to the caller.
    fn resolver(&self) -> impl Fn(&str) -> Value + 'a {
        let calls = Rc::clone(&self.calls);
        move |name| {
            let calls = calls.borrow();
            let Some(entry) = calls.get(name) else {
                return Value::unknown();
            };
            if entry.unfollowed {
                return Value::unknown();
            }
            let outputs = |scope: &Weak<Scope<'a>>, module: &Module| -> Value {
                let Some(scope) = scope.upgrade() else {
                    return Value::unknown();
                };
                Value::new(ValueKind::Object(
                    module
                        .outputs
                        .iter()
                        .map(|(output, d)| {
                            let v = scope
                                .eval(&d.attribute.expr)
                                .unwrap_or_else(|_| Value::unknown());
                            (output.clone(), v)
                        })
                        .collect(),
                ))
            };
            match entry.repetition {
                Repetition::Single => match entry.instances.first() {
                    Some((_, scope, module)) => outputs(scope, module),
                    // `lifecycle { enabled = false }`: no instance.
                    None => Value::new(ValueKind::Null),
                },
                Repetition::Count => Value::new(ValueKind::List(
                    entry
                        .instances
                        .iter()
                        .map(|(_, scope, module)| outputs(scope, module))
                        .collect(),
                )),
                Repetition::ForEach => Value::new(ValueKind::Object(
                    entry
                        .instances
                        .iter()
                        .map(|(key, scope, module)| {
                            (instance_key(key.as_deref()), outputs(scope, module))
                        })
                        .collect(),
                )),
            }
        }
    }
}

fn repetition(call: &ModuleCall) -> Repetition {
    let body = &call.block.body;
    if body.attribute("count").is_some() {
        Repetition::Count
    } else if body.attribute("for_each").is_some() {
        Repetition::ForEach
    } else {
        Repetition::Single
    }
}

/// `["a"]` → `a`: the `for_each` key an instance key suffix was made from.
fn instance_key(suffix: Option<&str>) -> String {
    let inner = suffix
        .and_then(|s| s.strip_prefix('['))
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or("");
    serde_json::from_str::<String>(inner).unwrap_or_else(|_| inner.to_string())
}

/// Sort key of a module instance: its call chain from the root, by call position.
fn module_order(modules: &[ModuleInstance], id: ModuleId) -> Vec<usize> {
    let mut chain = Vec::new();
    let mut at = id;
    while let Some(parent) = modules[at].parent {
        chain.push(at);
        at = parent;
    }
    chain.reverse();
    chain
}

fn add_resources(project: &mut Project, id: ModuleId) {
    let instance = &project.modules[id];
    let module = instance.module;
    let prefix = instance.prefix();
    let mut added = Vec::new();
    for resource in &module.resources {
        let (list, unknown) =
            instances_of(&instance.scope, &Bindings::new(), &resource.block.body).into_list();
        let block_address = format!("{prefix}{}", resource.address());
        for one in list {
            added.push(ResourceInstance {
                module: id,
                resource,
                address: format!("{block_address}{}", one.key.as_deref().unwrap_or("")),
                reported_as: block_address.clone(),
                key: one.key,
                binds: one.binds,
                source: None,
                change: None,
                unknown_repetition: unknown,
            });
        }
    }
    project.resources.extend(added);
}

type ChildInstance<'a> = Option<(ModuleInstance<'a>, PathBuf, CallTable<'a>)>;

/// The call instances of module instance `id`, each with its child module instance when
/// the code can be read (not yet numbered), and the child's own call table.
fn instantiate_calls<'a>(
    project: &Project<'a>,
    id: ModuleId,
    root_dir: &Path,
    set: &'a ModuleSet,
    loader: &Loader,
    stack: &[PathBuf],
    workspace: Option<&str>,
) -> Vec<(CallInstance<'a>, ChildInstance<'a>)> {
    let parent = &project.modules[id];
    let module: &'a Module = parent.module;
    let mut out = Vec::new();
    for call in &module.module_calls {
        let mut path = parent.path.clone();
        path.push(call.name.clone());
        let child_module = call
            .source()
            .filter(|_| stack.len() <= MAX_CALL_DEPTH)
            .and_then(|source| loader.call_dir(root_dir, &parent.module.dir, source, &path))
            .map(|(dir, _)| set.canonical(&dir))
            .filter(|dir| !stack.contains(dir))
            .and_then(|dir| set.get(&dir).map(|m| (m, dir)));
        let (list, _) = instances_of(&parent.scope, &Bindings::new(), &call.block.body).into_list();
        for one in list {
            let address = format!(
                "{}module.{}{}",
                parent.prefix(),
                call.name,
                one.key.as_deref().unwrap_or("")
            );
            let child = child_module.as_ref().map(|(child, dir)| {
                let child: &'a Module = child;
                let child_calls = CallTable::new();
                let mut scope = Scope::with_lazy_inputs(
                    child,
                    arguments(Rc::downgrade(&parent.scope), call, one.binds.clone()),
                )
                .with_module_outputs(child_calls.resolver());
                // One workspace for the whole configuration.
                scope.set_workspace(workspace.map(str::to_string));
                (
                    ModuleInstance {
                        address: address.clone(),
                        parent: Some(id),
                        call: None,
                        key: one.key.clone(),
                        path: path.clone(),
                        module: child,
                        scope: Rc::new(scope),
                        downloaded: crate::paths::is_downloaded(&child.dir),
                    },
                    dir.clone(),
                    child_calls,
                )
            });
            out.push((
                CallInstance {
                    module: id,
                    call,
                    key: one.key,
                    binds: one.binds,
                    address,
                    child: None,
                },
                child,
            ));
        }
    }
    out
}

/// The child's variable values: each argument, evaluated in the caller when first read.
fn arguments<'a>(
    caller: Weak<Scope<'a>>,
    call: &'a ModuleCall,
    binds: Bindings,
) -> impl Fn(&str) -> Option<Value> + 'a {
    move |name| {
        if META_ARGUMENTS.contains(&name) {
            return None;
        }
        let argument = call.block.body.attribute(name)?;
        let Some(caller) = caller.upgrade() else {
            return Some(Value::unknown());
        };
        let origin = OriginKind::ModuleArgument(call.name.clone(), name.to_string());
        Some(caller.eval_argument(&argument.expr, &binds, origin, call.file_of(name).clone()))
    }
}
