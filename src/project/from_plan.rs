//! Building a [`Project`] from a plan: one module instance per `module_address`, one
//! resource instance per change that leaves a resource behind (its `after` values), and the
//! reference index from the plan's `configuration` section.
//!
//! When the configuration the plan was made from is on disk, each resource instance also
//! gets its configuration block ([`ResourceInstance::source`]), which is where findings are
//! shown, and references point at the attribute there; `local.x` references (the plan does
//! not describe locals) are followed through the configuration's locals.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::references::{key_suffix, target_of, targets_in, Definitions, Part, Target};
use super::sources::{Loader, ModuleSet};
use super::{Input, ModuleId, ModuleInstance, Project, ResourceInstance};
use crate::eval::{Scope, ValueKind};
use crate::model::Module;
use crate::plan::{Plan, RefString};

/// The configuration a plan was made from, when it is on disk.
pub struct Configuration<'a> {
    pub root: &'a Module,
    pub modules: &'a ModuleSet,
}

/// Builds the project of a plan whose configuration's root module is in `root_dir`.
pub fn build<'a>(
    plan: &'a Plan,
    root_dir: &Path,
    config: Option<Configuration<'a>>,
    loader: &Loader,
) -> Project<'a> {
    let mut project = Project {
        input: Input::Plan {
            file: plan.file.clone(),
            root: root_dir.to_path_buf(),
        },
        modules: vec![instance(plan, String::new(), None, Vec::new(), None)],
        resources: Vec::new(),
        calls: Vec::new(),
        changes: plan.changes.iter().collect(),
        removed_sources: Vec::new(),
        references: Default::default(),
        notes: Vec::new(),
    };
    let mut by_address: HashMap<String, ModuleId> = HashMap::new();
    by_address.insert(String::new(), 0);
    // Configuration modules by call path, found lazily.
    let mut dirs: HashMap<Vec<String>, Option<PathBuf>> = HashMap::new();
    let mut module_of = |path: &[String]| -> Option<&'a Module> {
        let config = config.as_ref()?;
        let dir = module_dir(plan, root_dir, path, loader, &mut dirs)?;
        if path.is_empty() {
            Some(config.root)
        } else {
            config.modules.get(&dir)
        }
    };
    for change in &plan.changes {
        let module = module_instance(&mut project, &mut by_address, plan, &change.module_address);
        let source = module_of(&change.module_path).and_then(|m| {
            m.resources.iter().find(|r| {
                r.mode == change.mode && r.type_name == change.type_name && r.name == change.name
            })
        });
        let Some(after) = &change.after else {
            if let Some(source) = source {
                project
                    .removed_sources
                    .push((change.address.clone(), source));
            }
            continue;
        };
        project.resources.push(ResourceInstance {
            module,
            resource: after,
            key: change.key.clone(),
            binds: Vec::new(),
            address: change.address.clone(),
            reported_as: change.address.clone(),
            source,
            change: Some(change),
            unknown_repetition: false,
        });
    }
    // Configuration modules of each module instance, for locals.
    let hcl: Vec<Option<&'a Module>> = project.modules.iter().map(|m| module_of(&m.path)).collect();
    let defs = PlanDefinitions {
        plan,
        project: &project,
        hcl: &hcl,
    };
    let mut written = Vec::new();
    for (id, r) in project.resources.iter().enumerate() {
        let path = &project.modules[r.module].path;
        let Some(config) = plan.config_module(path) else {
            continue;
        };
        let Some(attributes) = config.resources.get(&r.resource.address()) else {
            continue;
        };
        for refs in attributes {
            // Where the reference is written: in the configuration when it is on disk (the
            // same traversal, else the attribute), else the reference string in the plan.
            let in_source = r.source.and_then(|s| {
                let attribute = s.block.body.attribute_at(&refs.attribute)?;
                Some((s.file_of(first(&refs.attribute)).clone(), attribute))
            });
            for reference in &refs.references {
                let Some(target) = parse_reference(&reference.text) else {
                    continue;
                };
                let (file, span) = match &in_source {
                    Some((file, attribute)) => {
                        let traversal = targets_in(&attribute.expr, &|_| None)
                            .into_iter()
                            .find(|(t, _)| *t == target)
                            .map(|(_, span)| span);
                        (
                            file.clone(),
                            traversal.unwrap_or_else(|| attribute.span.clone()),
                        )
                    }
                    None => (plan.file.clone(), reference.span.clone()),
                };
                written.push((id, refs.attribute.clone(), file, span, target));
            }
        }
    }
    let index = super::references::ReferenceIndex::from_targets(&project, &defs, written);
    let _ = project.references.set(index);
    project
}

fn instance<'a>(
    plan: &'a Plan,
    address: String,
    parent: Option<ModuleId>,
    path: Vec<String>,
    key: Option<String>,
) -> ModuleInstance<'a> {
    ModuleInstance {
        address,
        parent,
        call: None,
        key,
        path,
        module: &plan.empty,
        scope: std::rc::Rc::new(Scope::new(&plan.empty)),
        downloaded: false,
    }
}

/// The module instance with this address, creating it and its ancestors.
fn module_instance<'a>(
    project: &mut Project<'a>,
    by_address: &mut HashMap<String, ModuleId>,
    plan: &'a Plan,
    address: &str,
) -> ModuleId {
    if let Some(&id) = by_address.get(address) {
        return id;
    }
    let mut parent = 0;
    let mut prefix = String::new();
    let mut path = Vec::new();
    for (name, key) in module_segments(address) {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        prefix.push_str("module.");
        prefix.push_str(&name);
        prefix.push_str(key.as_deref().unwrap_or(""));
        path.push(name);
        parent = match by_address.get(&prefix) {
            Some(&id) => id,
            None => {
                let id = project.modules.len();
                project.modules.push(instance(
                    plan,
                    prefix.clone(),
                    Some(parent),
                    path.clone(),
                    key,
                ));
                by_address.insert(prefix.clone(), id);
                id
            }
        };
    }
    parent
}

/// `module.a["x.y"].module.b[0]` → `[("a", Some("[\"x.y\"]")), ("b", Some("[0]"))]`.
pub fn module_segments(address: &str) -> Vec<(String, Option<String>)> {
    let Some((root, parts)) = split_reference(&format!("root.{address}")) else {
        return Vec::new();
    };
    debug_assert_eq!(root, "root");
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        match (&parts[i], parts.get(i + 1)) {
            (Part::Attr(m), Some(Part::Attr(name))) if m == "module" => {
                let key = match parts.get(i + 2) {
                    Some(Part::Index(k)) => k.clone(),
                    _ => None,
                };
                i += if key.is_some() { 3 } else { 2 };
                out.push((name.clone(), key));
            }
            _ => break,
        }
    }
    out
}

/// Parses a plan reference string (`aws_kms_key.k["a"].arn`, `module.m.out`, `var.v`).
pub fn parse_reference(text: &str) -> Option<Target> {
    let (root, parts) = split_reference(text)?;
    target_of(&root, &parts)
}

/// Splits `a.b["k.x"][0].c` into `a` and `[Attr b, Index ["k.x"], Index [0], Attr c]`.
fn split_reference(text: &str) -> Option<(String, Vec<Part>)> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let name = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i] != b'.' && bytes[*i] != b'[' {
            *i += 1;
        }
        text[start..*i].to_string()
    };
    let root = name(&mut i);
    if root.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    while i < bytes.len() {
        match bytes[i] {
            b'.' => {
                i += 1;
                let n = name(&mut i);
                if n.is_empty() {
                    return None;
                }
                parts.push(Part::Attr(n));
            }
            b'[' => {
                let start = i;
                let mut in_string = false;
                let mut escaped = false;
                i += 1;
                while i < bytes.len() {
                    let c = bytes[i];
                    i += 1;
                    if in_string {
                        match c {
                            _ if escaped => escaped = false,
                            b'\\' => escaped = true,
                            b'"' => in_string = false,
                            _ => {}
                        }
                    } else if c == b'"' {
                        in_string = true;
                    } else if c == b']' {
                        break;
                    }
                }
                let inner = text.get(start + 1..i.saturating_sub(1)).unwrap_or("");
                let key = if inner == "*" {
                    None
                } else if let Ok(n) = inner.parse::<f64>() {
                    key_suffix(&ValueKind::Number(n))
                } else {
                    serde_json::from_str::<String>(inner)
                        .ok()
                        .and_then(|s| key_suffix(&ValueKind::String(s)))
                };
                parts.push(Part::Index(key));
            }
            _ => return None,
        }
    }
    Some((root, parts))
}

/// The directory of the configuration module at a call path, through the plan's call
/// sources (local paths, or `modules.json` for downloaded modules).
fn module_dir(
    plan: &Plan,
    root: &Path,
    path: &[String],
    loader: &Loader,
    memo: &mut HashMap<Vec<String>, Option<PathBuf>>,
) -> Option<PathBuf> {
    if let Some(hit) = memo.get(path) {
        return hit.clone();
    }
    let dir = match path.split_last() {
        None => Some(root.to_path_buf()),
        Some((_, parents)) => {
            let parent = module_dir(plan, root, parents, loader, memo);
            parent.and_then(|parent| {
                let source = plan.call_source(path)?;
                loader
                    .call_dir(root, &parent, source, path)
                    .map(|(dir, _)| dir)
            })
        }
    };
    memo.insert(path.to_vec(), dir.clone());
    dir
}

fn first(path: &str) -> &str {
    path.split('.').next().unwrap_or(path)
}

/// Definitions read from the plan's `configuration` section (locals from the configuration
/// files, which the plan does not describe).
struct PlanDefinitions<'p, 'a> {
    plan: &'a Plan,
    project: &'p Project<'a>,
    hcl: &'p [Option<&'a Module>],
}

fn parsed(refs: &[RefString]) -> Vec<Target> {
    refs.iter()
        .filter_map(|r| parse_reference(&r.text))
        .collect()
}

impl Definitions for PlanDefinitions<'_, '_> {
    fn local(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let Some(Some(hcl)) = self.hcl.get(module) else {
            return Vec::new();
        };
        hcl.locals.get(name).map_or_else(Vec::new, |d| {
            targets_in(&d.attribute.expr, &|_| None)
                .into_iter()
                .map(|(t, _)| t)
                .collect()
        })
    }

    fn output(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let path = &self.project.modules[module].path;
        self.plan
            .config_module(path)
            .and_then(|m| m.outputs.get(name))
            .map_or_else(Vec::new, |refs| parsed(refs))
    }

    fn input(&self, module: ModuleId, name: &str) -> Vec<Target> {
        let path = &self.project.modules[module].path;
        let Some((last, parents)) = path.split_last() else {
            return Vec::new();
        };
        self.plan
            .config_module(parents)
            .and_then(|m| m.calls.get(last))
            .and_then(|c| c.inputs.get(name))
            .map_or_else(Vec::new, |refs| parsed(refs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ResourceMode;

    #[test]
    fn reference_strings() {
        assert_eq!(
            parse_reference("aws_kms_key.k[\"a.b\"].arn"),
            Some(Target::Resource {
                mode: ResourceMode::Managed,
                type_name: "aws_kms_key".into(),
                name: "k".into(),
                key: Some("[\"a.b\"]".into()),
            })
        );
        assert_eq!(
            parse_reference("module.kms[0].key_arn"),
            Some(Target::ModuleOutput {
                call: "kms".into(),
                key: Some("[0]".into()),
                output: "key_arn".into(),
            })
        );
        assert_eq!(parse_reference("var.x"), Some(Target::Variable("x".into())));
        assert_eq!(parse_reference("each.value"), None);
        assert_eq!(parse_reference("count.index"), None);
        assert_eq!(
            parse_reference("data.aws_iam_policy_document.p.json"),
            Some(Target::Resource {
                mode: ResourceMode::Data,
                type_name: "aws_iam_policy_document".into(),
                name: "p".into(),
                key: None,
            })
        );
    }

    #[test]
    fn module_addresses() {
        assert_eq!(
            module_segments("module.a[\"x.y\"].module.b[0]"),
            vec![
                ("a".to_string(), Some("[\"x.y\"]".to_string())),
                ("b".to_string(), Some("[0]".to_string()))
            ]
        );
        assert_eq!(
            module_segments("module.team_keys"),
            vec![("team_keys".to_string(), None)]
        );
        assert!(module_segments("").is_empty());
    }
}
