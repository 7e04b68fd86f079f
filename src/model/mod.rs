//! One typed view of a Terraform module: its resources, variables, locals and tfvars values.
//!
//! A module is one directory; all of its configuration files form one document, so the model
//! is built from every file's parsed body at once. Variables are given values the way
//! Terraform's root module gets them: `terraform.tfvars`, `terraform.tfvars.json`, then
//! `*.auto.tfvars(.json)` in lexical order, later files winning.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::finding::LintError;
use crate::source::FileRef;
use crate::syntax::{Attribute, Block, Body, Expr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceMode {
    Managed,
    Data,
}

#[derive(Debug)]
pub struct Resource {
    pub mode: ResourceMode,
    pub type_name: String,
    pub name: String,
    pub file: FileRef,
    pub block: Block,
    /// Attributes and nested block types that an override file replaced, with that file:
    /// their spans point into it.
    pub overridden: Vec<(String, FileRef)>,
}

impl Resource {
    /// `aws_kms_key.name` or `data.aws_kms_key.name`.
    pub fn address(&self) -> String {
        match self.mode {
            ResourceMode::Managed => format!("{}.{}", self.type_name, self.name),
            ResourceMode::Data => format!("data.{}.{}", self.type_name, self.name),
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.block.body.attribute(name)
    }

    /// The file an attribute's span points into (an override file, or the block's file).
    pub fn file_of(&self, attribute: &str) -> &FileRef {
        self.overridden
            .iter()
            .rev()
            .find(|(n, _)| n == attribute)
            .map_or(&self.file, |(_, f)| f)
    }

    /// The file a nested block type's spans point into.
    pub fn file_of_block(&self, ident: &str) -> &FileRef {
        self.file_of(ident)
    }
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub file: FileRef,
    pub default: Option<Expr>,
    /// A primitive `type` (`bool`, `number`, `string`), which values are converted to.
    pub type_name: Option<String>,
}

/// A value defined in a `locals` block or a tfvars file: the attribute and its file.
#[derive(Debug)]
pub struct Definition {
    pub file: FileRef,
    pub attribute: Attribute,
}

#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileRef>,
    pub resources: Vec<Resource>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Definition>,
    /// The winning tfvars assignment for each variable.
    pub tfvars: BTreeMap<String, Definition>,
    /// True when a tfvars file that Terraform would load failed to parse: variable values
    /// can then not be known, so every variable evaluates to unknown.
    pub tfvars_incomplete: bool,
    pub errors: Vec<LintError>,
}

/// How Terraform treats a file of the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// `.tf`, `.tofu`, `.tf.json`, `.tofu.json`.
    Config,
    /// A variables file Terraform loads automatically, with its precedence rank
    /// (higher wins; `terraform.tfvars` < `terraform.tfvars.json` < `*.auto.tfvars*`).
    AutoTfvars(u8),
    /// Any other `.tfvars` file: only used with `-var-file`, so parsed but not applied.
    OtherTfvars,
}

pub fn file_role(file_name: &str) -> FileRole {
    if file_name == "terraform.tfvars" {
        FileRole::AutoTfvars(0)
    } else if file_name == "terraform.tfvars.json" {
        FileRole::AutoTfvars(1)
    } else if file_name.ends_with(".auto.tfvars") || file_name.ends_with(".auto.tfvars.json") {
        FileRole::AutoTfvars(2)
    } else if file_name.ends_with(".tfvars") || file_name.ends_with(".tfvars.json") {
        FileRole::OtherTfvars
    } else {
        FileRole::Config
    }
}

impl Module {
    /// Builds the model from parsed files. `parsed` holds, for each file in `files` order,
    /// its role and body, or `None` when it failed to parse (the error is already recorded).
    pub fn build(
        dir: PathBuf,
        parsed: Vec<(FileRef, FileRole, Option<Body>)>,
        errors: Vec<LintError>,
    ) -> Module {
        let mut module = Module {
            dir,
            errors,
            ..Module::default()
        };
        // tfvars precedence: by rank, then lexical file name; later assignments overwrite.
        let mut tfvars_files = Vec::new();
        let mut overrides = Vec::new();
        for (file, role, body) in parsed {
            module.files.push(file.clone());
            match (role, body) {
                (FileRole::Config, Some(body)) if is_override_file(&file_name(&file)) => {
                    overrides.push(body)
                }
                (FileRole::Config, Some(body)) => module.add_config(&file, body),
                (FileRole::AutoTfvars(rank), Some(body)) => tfvars_files.push((rank, file, body)),
                (FileRole::AutoTfvars(_), None) => module.tfvars_incomplete = true,
                _ => {}
            }
        }
        // Override files are not merged yet: a resource they touch is left out rather than
        // judged on half of its configuration (no finding is better than a wrong one).
        for body in overrides {
            for block in body
                .blocks
                .iter()
                .filter(|b| b.ident == "resource" || b.ident == "data")
            {
                module.resources.retain(|r| {
                    let mode = if block.ident == "resource" {
                        ResourceMode::Managed
                    } else {
                        ResourceMode::Data
                    };
                    !(r.mode == mode
                        && Some(r.type_name.as_str()) == block.label(0)
                        && Some(r.name.as_str()) == block.label(1))
                });
            }
        }
        tfvars_files.sort_by_key(|(rank, file, _)| (*rank, file_name(file)));
        for (_, file, body) in tfvars_files {
            for attribute in body.attributes {
                module.tfvars.insert(
                    attribute.name.clone(),
                    Definition {
                        file: file.clone(),
                        attribute,
                    },
                );
            }
        }
        module
    }

    fn add_config(&mut self, file: &FileRef, body: Body) {
        for block in body.blocks {
            match block.ident.as_str() {
                "resource" | "data" => {
                    let (Some(type_name), Some(name)) = (block.label(0), block.label(1)) else {
                        continue;
                    };
                    let mode = if block.ident == "resource" {
                        ResourceMode::Managed
                    } else {
                        ResourceMode::Data
                    };
                    self.resources.push(Resource {
                        mode,
                        type_name: type_name.to_string(),
                        name: name.to_string(),
                        file: file.clone(),
                        block,
                        overridden: Vec::new(),
                    });
                }
                "variable" => {
                    let Some(name) = block.label(0).map(str::to_string) else {
                        continue;
                    };
                    let default = block.body.attribute("default").map(|a| a.expr.clone());
                    // `type = bool` in HCL; `"type": "bool"` in JSON.
                    let type_name = block
                        .body
                        .attribute("type")
                        .and_then(|a| match &a.expr.kind {
                            crate::syntax::ExprKind::Variable(t) => Some(t.clone()),
                            crate::syntax::ExprKind::String(t) => Some(t.clone()),
                            _ => None,
                        });
                    // A second declaration is a Terraform error; the first one stands.
                    self.variables.entry(name.clone()).or_insert(Variable {
                        name,
                        file: file.clone(),
                        default,
                        type_name,
                    });
                }
                "locals" => {
                    for attribute in block.body.attributes {
                        self.locals
                            .entry(attribute.name.clone())
                            .or_insert(Definition {
                                file: file.clone(),
                                attribute,
                            });
                    }
                }
                _ => {}
            }
        }
    }

    pub fn resources_of_type<'a>(
        &'a self,
        type_name: &'a str,
    ) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources
            .iter()
            .filter(move |r| r.mode == ResourceMode::Managed && r.type_name == type_name)
    }
}

/// `override.tf`, `x_override.tf`, and their `.tf.json` / `.tofu` / `.tofu.json` variants.
pub fn is_override_file(name: &str) -> bool {
    let stem = [".tf.json", ".tofu.json", ".tf", ".tofu"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

fn file_name(file: &FileRef) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
