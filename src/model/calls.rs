//! Module calls: evaluating child modules with their caller's arguments.
//!
//! A `module` block whose `source` is a local path (`./x`, `../x`), or whose directory
//! `.terraform/modules/modules.json` records (registry and git modules after `terraform
//! init`), is evaluated once per call instance: the call's arguments, evaluated in the
//! caller, become the child's variable values (defaults where not passed; tfvars files are
//! only read by root modules). The rules then run on the child, and its findings carry the
//! call path in their address (`module.keys.aws_kms_key.this`).
//!
//! Where a finding exists only because of a caller's argument, its primary location is the
//! child's attribute and a related location points at the argument in the caller. For a
//! downloaded module (under `.terraform/`), which users do not edit, it is the reverse: the
//! finding points at the caller's argument, and findings that do not depend on the caller
//! are not reported at all.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::eval::{OriginKind, Scope, Value};
use crate::finding::{Finding, Related};
use crate::model::{Module, ModuleCall};
use crate::rules::{self, Instances, RuleContext};

/// Calls nested deeper than this are not followed (real configurations rarely pass 4).
const MAX_DEPTH: usize = 8;

/// Meta-arguments of a `module` block, which are not variables of the child.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// `modules.json` entries: (call path `a.b`, directory relative to the root module).
type Manifest = Arc<Vec<(String, PathBuf)>>;

/// Loads child modules by directory, each once per run.
pub struct Loader<'a> {
    load: &'a (dyn Fn(&Path) -> Option<Module> + Sync),
    cache: Mutex<HashMap<PathBuf, Option<Arc<Module>>>>,
    /// `modules.json` of root directories, by root directory.
    manifests: Mutex<HashMap<PathBuf, Manifest>>,
}

impl<'a> Loader<'a> {
    pub fn new(load: &'a (dyn Fn(&Path) -> Option<Module> + Sync)) -> Loader<'a> {
        Loader {
            load,
            cache: Mutex::new(HashMap::new()),
            manifests: Mutex::new(HashMap::new()),
        }
    }

    /// The module in `dir`, read and built once.
    pub fn module(&self, dir: &Path) -> Option<Arc<Module>> {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        if let Some(hit) = self.cache.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let loaded = (self.load)(dir).map(Arc::new);
        self.cache.lock().ok()?.insert(key, loaded.clone());
        loaded
    }

    /// Where `terraform init` put the module with this call path (`a.b`), if it did.
    fn downloaded(&self, root: &Path, key: &str) -> Option<PathBuf> {
        let manifest = {
            let mut manifests = self.manifests.lock().ok()?;
            manifests
                .entry(root.to_path_buf())
                .or_insert_with(|| Arc::new(read_manifest(root)))
                .clone()
        };
        manifest
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, dir)| crate::discover::normalize(&root.join(dir)))
    }
}

/// `.terraform/modules/modules.json`: `{"Modules":[{"Key","Source","Dir"}]}`.
fn read_manifest(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(text) = std::fs::read_to_string(root.join(".terraform/modules/modules.json")) else {
        return Vec::new();
    };
    let Ok(json) = crate::json::parse(text.trim_start_matches('\u{feff}')) else {
        return Vec::new();
    };
    json.get("Modules")
        .and_then(|m| m.as_array())
        .unwrap_or(&[])
        .iter()
        .filter_map(|m| {
            Some((
                m.get("Key")?.as_str()?.to_string(),
                PathBuf::from(m.get("Dir")?.as_str()?),
            ))
        })
        .collect()
}

/// Where `terraform init` put the module with call path `key` (`a.b`) for root `root`.
pub fn downloaded_dir(root: &Path, key: &str) -> Option<PathBuf> {
    read_manifest(root)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, dir)| crate::discover::normalize(&root.join(dir)))
}

/// True for `./x` and `../x` (Terraform's local paths; absolute paths are not local).
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// Where a call is evaluated from.
pub struct Caller<'a> {
    pub module: &'a Module,
    pub scope: &'a Scope<'a>,
    /// The root module's directory (where `.terraform/modules/modules.json` lives).
    pub root: &'a Path,
    /// Call names from the root, e.g. `["a", "b"]`.
    pub path: Vec<String>,
    /// Address prefix, e.g. `module.a["x"].`.
    pub prefix: String,
    /// Directories being evaluated up the call chain (a module calling itself stops).
    pub stack: Vec<PathBuf>,
}

/// Runs the rules on every module called from `caller`, recursively.
pub fn check_calls(caller: &Caller, loader: &Loader) -> Vec<Finding> {
    let mut out = Vec::new();
    if caller.stack.len() > MAX_DEPTH {
        return out;
    }
    let cx = RuleContext {
        module: caller.module,
        scope: caller.scope,
        binds: Vec::new(),
        module_prefix: caller.prefix.clone(),
    };
    for call in &caller.module.module_calls {
        let Some(source) = call.source() else {
            continue;
        };
        let mut path = caller.path.clone();
        path.push(call.name.clone());
        let (dir, downloaded) = if is_local_source(source) {
            (
                crate::discover::normalize(&caller.module.dir.join(source)),
                false,
            )
        } else {
            match loader.downloaded(caller.root, &path.join(".")) {
                Some(dir) => (dir, true),
                None => {
                    // Not downloaded: the best-known KMS modules are judged by their inputs.
                    out.extend(rules::check_known_module_call(&cx, call));
                    continue;
                }
            }
        };
        let canonical = std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        if caller.stack.contains(&canonical) {
            continue;
        }
        let Some(child) = loader.module(&dir) else {
            continue;
        };
        let instances = match cx.instances_of(&call.block.body) {
            Instances::Known(list) => list,
            Instances::Unknown(one) => vec![one],
        };
        for instance in instances {
            let inputs = arguments(caller, call, &instance.binds);
            let scope = Scope::with_inputs(&child, inputs);
            let prefix = format!(
                "{}module.{}{}.",
                caller.prefix,
                call.name,
                instance.key.as_deref().unwrap_or("")
            );
            let mut found = rules::check_with_scope(&child, &scope, prefix.clone());
            let mut stack = caller.stack.clone();
            stack.push(canonical.clone());
            let nested = Caller {
                module: &child,
                scope: &scope,
                root: caller.root,
                path: path.clone(),
                prefix,
                stack,
            };
            found.extend(check_calls(&nested, loader));
            if downloaded {
                found = found.into_iter().filter_map(point_at_caller).collect();
            }
            out.extend(found);
        }
    }
    out
}

/// The child's variable values: each argument evaluated in the caller.
fn arguments(
    caller: &Caller,
    call: &ModuleCall,
    binds: &[(String, Value)],
) -> HashMap<String, Value> {
    call.block
        .body
        .attributes
        .iter()
        .filter(|a| !META_ARGUMENTS.contains(&a.name.as_str()))
        .map(|a| {
            let origin = OriginKind::ModuleArgument(call.name.clone(), a.name.clone());
            let value =
                caller
                    .scope
                    .eval_argument(&a.expr, binds, origin, call.file_of(&a.name).clone());
            (a.name.clone(), value)
        })
        .collect()
}

/// For a finding inside a downloaded module: the first related location outside
/// `.terraform/` becomes the primary one; findings with none are dropped.
fn point_at_caller(mut finding: Finding) -> Option<Finding> {
    let in_vendor =
        |f: &crate::source::FileRef| f.path.components().any(|c| c.as_os_str() == ".terraform");
    if !in_vendor(&finding.file) {
        return Some(finding);
    }
    let index = finding.related.iter().position(|r| !in_vendor(&r.file))?;
    let caller = finding.related.remove(index);
    finding.related.insert(
        0,
        Related {
            file: finding.file.clone(),
            span: finding.span.clone(),
            message: "in the downloaded module".to_string(),
        },
    );
    finding.file = caller.file;
    finding.span = caller.span;
    finding.fix = None;
    finding.resource_span = None;
    Some(finding)
}
