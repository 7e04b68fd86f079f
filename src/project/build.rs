//! Building a [`Project`] from configuration files: the root module, then every module
//! instance its calls create, evaluated with the caller's arguments.
//!
//! A `module` block whose `source` is a local path (`./x`, `../x`), or whose directory
//! `.terraform/modules/modules.json` records (registry and git modules after `terraform
//! init`), is instantiated once per call instance: the call's arguments, evaluated in the
//! caller, become the child's variable values (defaults where not passed; tfvars files are
//! only read by root modules). Other calls stay as [`CallInstance`]s without a child.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::instances::instances_of;
use super::sources::{canonical_dir, Loader, ModuleSet, MAX_CALL_DEPTH};
use super::{CallInstance, Input, ModuleId, ModuleInstance, Note, Project, ResourceInstance};
use crate::eval::{Bindings, OriginKind, Scope, Value};
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
/// its calls reach (see [`ModuleSet::collect`]).
pub fn build<'a>(
    root_dir: &Path,
    root: &'a Module,
    set: &'a ModuleSet,
    loader: &Loader,
) -> Project<'a> {
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
            scope: Scope::new(root),
            downloaded: crate::paths::is_downloaded(&root.dir),
        }],
        resources: Vec::new(),
        calls: Vec::new(),
        changes: Vec::new(),
        removed_sources: Vec::new(),
        references: Default::default(),
        notes: Vec::new(),
    };
    // Directories being evaluated up each module instance's call chain (a module calling
    // itself stops).
    let mut stacks: HashMap<ModuleId, Vec<PathBuf>> = HashMap::new();
    stacks.insert(0, vec![canonical_dir(root_dir)]);
    let mut queue = vec![0];
    while let Some(id) = queue.pop() {
        add_resources(&mut project, id);
        let stack = stacks.remove(&id).unwrap_or_default();
        for (call, child) in instantiate_calls(&project, id, root_dir, set, loader, &stack) {
            let call_id = project.calls.len();
            let child_id = child.map(|(instance, dir)| {
                let child_id = project.modules.len();
                project.modules.push(ModuleInstance {
                    call: Some(call_id),
                    ..instance
                });
                let mut child_stack = stack.clone();
                child_stack.push(dir);
                stacks.insert(child_id, child_stack);
                queue.push(child_id);
                child_id
            });
            project.calls.push(CallInstance {
                child: child_id,
                ..call
            });
        }
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
    project.references = super::references::ReferenceIndex::from_hcl(&project);
    project
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

type ChildInstance<'a> = Option<(ModuleInstance<'a>, PathBuf)>;

/// The call instances of module instance `id`, each with its child module instance when
/// the code can be read (not yet numbered).
fn instantiate_calls<'a>(
    project: &Project<'a>,
    id: ModuleId,
    root_dir: &Path,
    set: &'a ModuleSet,
    loader: &Loader,
    stack: &[PathBuf],
) -> Vec<(CallInstance<'a>, ChildInstance<'a>)> {
    let parent = &project.modules[id];
    let mut out = Vec::new();
    for call in &parent.module.module_calls {
        let mut path = parent.path.clone();
        path.push(call.name.clone());
        let child_module = call
            .source()
            .filter(|_| stack.len() <= MAX_CALL_DEPTH)
            .and_then(|source| loader.call_dir(root_dir, &parent.module.dir, source, &path))
            .map(|(dir, _)| canonical_dir(&dir))
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
            let child = child_module.as_ref().map(|(module, dir)| {
                let (module, dir): (&Module, PathBuf) = (module, dir.clone());
                let inputs = arguments(&parent.scope, call, &one.binds);
                (
                    ModuleInstance {
                        address: address.clone(),
                        parent: Some(id),
                        call: None,
                        key: one.key.clone(),
                        path: path.clone(),
                        module,
                        scope: Scope::with_inputs(module, inputs),
                        downloaded: crate::paths::is_downloaded(&module.dir),
                    },
                    dir,
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

/// The child's variable values: each argument evaluated in the caller.
fn arguments(scope: &Scope, call: &ModuleCall, binds: &Bindings) -> HashMap<String, Value> {
    call.block
        .body
        .attributes
        .iter()
        .filter(|a| !META_ARGUMENTS.contains(&a.name.as_str()))
        .map(|a| {
            let origin = OriginKind::ModuleArgument(call.name.clone(), a.name.clone());
            let value = scope.eval_argument(&a.expr, binds, origin, call.file_of(&a.name).clone());
            (a.name.clone(), value)
        })
        .collect()
}
