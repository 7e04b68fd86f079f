//! Where a module call's code is: local paths, directories `terraform init` downloaded
//! (`.terraform/modules/modules.json`), and loading those modules once per run.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::model::Module;
use crate::paths::normalize;

/// Calls nested deeper than this are not followed (real configurations rarely pass 4); the
/// project records a note at the call that was not followed.
pub const MAX_CALL_DEPTH: usize = 8;

/// True for `./x` and `../x` (Terraform's local paths; absolute paths are not local).
pub fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../") || source == "." || source == ".."
}

/// A registry source without host and sub-directory: `registry.terraform.io/ns/name/aws//x`
/// → `ns/name/aws`.
pub fn registry_address(source: &str) -> &str {
    let source = source.split("//").next().unwrap_or(source);
    source
        .strip_prefix("registry.terraform.io/")
        .or_else(|| source.strip_prefix("registry.opentofu.org/"))
        .unwrap_or(source)
}

/// `modules.json` entries: (call path `a.b`, directory relative to the root module).
pub type Manifest = Arc<Vec<(String, PathBuf)>>;

/// `.terraform/modules/modules.json`: `{"Modules":[{"Key","Source","Dir"}]}`.
pub fn read_manifest(root: &Path) -> Vec<(String, PathBuf)> {
    let Ok(text) = crate::source::read_text(&root.join(".terraform/modules/modules.json")) else {
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

/// Reads modules by directory, each once per run, and remembers each root's manifest.
pub struct Loader<'f> {
    load: &'f (dyn Fn(&Path) -> Option<Module> + Sync),
    cache: Mutex<HashMap<PathBuf, Option<Arc<Module>>>>,
    manifests: Mutex<HashMap<PathBuf, Manifest>>,
    /// Directory → canonical directory, resolved once per run (each resolution is a walk
    /// of system calls over the path's components).
    canonical: Mutex<HashMap<PathBuf, PathBuf>>,
}

impl<'f> Loader<'f> {
    /// `load` reads and parses the module in a directory (`None` when it has no files).
    pub fn new(load: &'f (dyn Fn(&Path) -> Option<Module> + Sync)) -> Loader<'f> {
        Loader {
            load,
            cache: Mutex::new(HashMap::new()),
            manifests: Mutex::new(HashMap::new()),
            canonical: Mutex::new(HashMap::new()),
        }
    }

    /// The module in `dir`, read and built once.
    pub fn module(&self, dir: &Path) -> Option<Arc<Module>> {
        let key = self.canonical(dir);
        if let Some(hit) = self.cache.lock().ok()?.get(&key) {
            return hit.clone();
        }
        let loaded = (self.load)(dir).map(Arc::new);
        self.cache.lock().ok()?.insert(key, loaded.clone());
        loaded
    }

    /// A directory's identity for cycle detection and lookups, resolved once per run.
    pub fn canonical(&self, dir: &Path) -> PathBuf {
        if let Some(hit) = self.canonical.lock().ok().and_then(|c| c.get(dir).cloned()) {
            return hit;
        }
        let resolved = canonical_dir(dir);
        if let Ok(mut cache) = self.canonical.lock() {
            cache.insert(dir.to_path_buf(), resolved.clone());
        }
        resolved
    }

    /// Where `terraform init` put the module with this call path (`a.b`) for `root`.
    pub fn downloaded(&self, root: &Path, key: &str) -> Option<PathBuf> {
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
            .map(|(_, dir)| normalize(&root.join(dir)))
    }

    /// The directory of a call's code, and whether it was downloaded: a local path relative
    /// to the calling module, or the manifest's entry for the call path. `None` for a source
    /// whose code is not on disk.
    pub fn call_dir(
        &self,
        root: &Path,
        caller_dir: &Path,
        source: &str,
        path: &[String],
    ) -> Option<(PathBuf, bool)> {
        if is_local_source(source) {
            Some((normalize(&caller_dir.join(source)), false))
        } else {
            self.downloaded(root, &path.join(".")).map(|d| (d, true))
        }
    }
}

/// The modules one project needs, read before it is built (the project borrows them).
#[derive(Default)]
pub struct ModuleSet {
    /// By canonical directory.
    modules: HashMap<PathBuf, Arc<Module>>,
    /// Directories as calls name them → canonical directory.
    aliases: HashMap<PathBuf, PathBuf>,
}

impl ModuleSet {
    /// Every module reachable from `root` through module calls, up to [`MAX_CALL_DEPTH`].
    /// Which calls are followed depends only on their `source` and their names, never on
    /// values, so this can be decided before anything is evaluated.
    pub fn collect(root_dir: &Path, root: &Module, loader: &Loader) -> ModuleSet {
        let mut set = ModuleSet::default();
        let mut stack = vec![loader.canonical(root_dir)];
        set.visit(root_dir, root, loader, &mut Vec::new(), &mut stack);
        set
    }

    fn visit(
        &mut self,
        root_dir: &Path,
        module: &Module,
        loader: &Loader,
        path: &mut Vec<String>,
        stack: &mut Vec<PathBuf>,
    ) {
        if stack.len() > MAX_CALL_DEPTH {
            return;
        }
        for call in &module.module_calls {
            let Some(source) = call.source() else {
                continue;
            };
            path.push(call.name.clone());
            if let Some((dir, _)) = loader.call_dir(root_dir, &module.dir, source, path) {
                let canonical = loader.canonical(&dir);
                if !stack.contains(&canonical) {
                    if let Some(child) = loader.module(&dir) {
                        self.modules.insert(canonical.clone(), child.clone());
                        self.aliases.insert(dir.clone(), canonical.clone());
                        stack.push(canonical);
                        self.visit(root_dir, &child, loader, path, stack);
                        stack.pop();
                    }
                }
            }
            path.pop();
        }
    }

    pub fn get(&self, dir: &Path) -> Option<&Module> {
        let canonical = match self.aliases.get(dir) {
            Some(c) => c.clone(),
            None => canonical_dir(dir),
        };
        self.modules.get(&canonical).map(|m| m.as_ref())
    }

    /// The canonical form of a directory a call of this set names.
    pub fn canonical(&self, dir: &Path) -> PathBuf {
        self.aliases
            .get(dir)
            .cloned()
            .unwrap_or_else(|| canonical_dir(dir))
    }
}

/// A directory's identity for cycle detection and lookups.
pub fn canonical_dir(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}
