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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    /// `aws_kms_key.name` or `data.aws_kms_key.name` (module-relative, no instance key).
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
        overriding_file(&self.overridden, attribute, &self.file)
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
    /// The `type` when it is a bare name (`bool`, `number`, `string`, `any`, ...).
    pub type_name: Option<String>,
    /// The `type` constraint as an expression (`list(object({a = optional(bool, true)}))`),
    /// which the evaluator reads and converts values to. In JSON the type is a string; it
    /// is parsed as an HCL expression here.
    pub type_expr: Option<Expr>,
    /// `nullable = false`: a null value given by a caller or tfvars takes the default.
    /// Terraform's default is `true` (null stays null).
    pub nullable: bool,
}

/// A value defined in a `locals` block or a tfvars file: the attribute and its file.
#[derive(Debug)]
pub struct Definition {
    pub file: FileRef,
    pub attribute: Attribute,
}

/// A `module "name" { source = ... }` block.
#[derive(Debug)]
pub struct ModuleCall {
    pub name: String,
    pub file: FileRef,
    pub block: Block,
    /// Arguments an override file replaced, with that file.
    pub overridden: Vec<(String, FileRef)>,
}

impl ModuleCall {
    /// The `source` string as written.
    pub fn source(&self) -> Option<&str> {
        match &self.block.body.attribute("source")?.expr.kind {
            crate::syntax::ExprKind::String(s) => Some(s),
            _ => None,
        }
    }

    /// The file an argument's span points into.
    pub fn file_of(&self, argument: &str) -> &FileRef {
        overriding_file(&self.overridden, argument, &self.file)
    }
}

#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    pub files: Vec<FileRef>,
    pub resources: Vec<Resource>,
    pub module_calls: Vec<ModuleCall>,
    pub variables: BTreeMap<String, Variable>,
    pub locals: BTreeMap<String, Definition>,
    /// `output "name" { value = ... }`: the `value` attribute of each output.
    pub outputs: BTreeMap<String, Definition>,
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
                    overrides.push((file.clone(), body))
                }
                (FileRole::Config, Some(body)) => module.add_config(&file, body),
                (FileRole::AutoTfvars(rank), Some(body)) => tfvars_files.push((rank, file, body)),
                (FileRole::AutoTfvars(_), None) => module.tfvars_incomplete = true,
                _ => {}
            }
        }
        // Override files apply after every primary file, in lexical order (the order
        // `parsed` comes in).
        for (file, body) in overrides {
            module.apply_override(&file, body);
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

    /// Merges an override file (domain.md §6.2): per block matched by type and labels,
    /// attributes replace same-named ones, a nested block type replaces every block of that
    /// type, `lifecycle` merges per argument, locals merge per name. An override block
    /// with nothing to override is an error, as in Terraform.
    fn apply_override(&mut self, file: &FileRef, body: Body) {
        for block in body.blocks {
            let missing = |this: &mut Module, what: &str| {
                this.errors.push(LintError {
                    path: file.display.clone(),
                    message: format!("missing {what} to override"),
                    location: Some((file.clone(), block.header_span.clone())),
                });
            };
            match block.ident.as_str() {
                "resource" | "data" => {
                    let mode = if block.ident == "resource" {
                        ResourceMode::Managed
                    } else {
                        ResourceMode::Data
                    };
                    let (Some(type_name), Some(name)) = (block.label(0), block.label(1)) else {
                        continue;
                    };
                    let Some(base) = self
                        .resources
                        .iter_mut()
                        .find(|r| r.mode == mode && r.type_name == type_name && r.name == name)
                    else {
                        missing(self, &format!("{} `{type_name}.{name}`", block.ident));
                        continue;
                    };
                    merge_block_body(&mut base.block.body, block.body, file, &mut base.overridden);
                }
                "variable" => {
                    let Some(name) = block.label(0) else { continue };
                    let Some(var) = self.variables.get_mut(name) else {
                        missing(self, &format!("variable `{name}`"));
                        continue;
                    };
                    if let Some(default) = block.body.attribute("default") {
                        var.default = Some(default.expr.clone());
                        var.file = file.clone();
                    }
                    if let Some(t) = block.body.attribute("type") {
                        var.type_name = type_name_of(&t.expr);
                        var.type_expr = Some(type_expr_of(&t.expr, file));
                    }
                    if let Some(n) = block.body.attribute("nullable") {
                        var.nullable = nullable_of(&n.expr);
                    }
                }
                "locals" => {
                    for attribute in block.body.attributes {
                        self.locals.insert(
                            attribute.name.clone(),
                            Definition {
                                file: file.clone(),
                                attribute,
                            },
                        );
                    }
                }
                "output" => {
                    let Some(name) = block.label(0) else { continue };
                    if !self.outputs.contains_key(name) {
                        missing(self, &format!("output `{name}`"));
                        continue;
                    }
                    if let Some(value) = block.body.attribute("value") {
                        self.outputs.insert(
                            name.to_string(),
                            Definition {
                                file: file.clone(),
                                attribute: value.clone(),
                            },
                        );
                    }
                }
                "module" => {
                    let Some(name) = block.label(0) else { continue };
                    let Some(call) = self.module_calls.iter_mut().find(|c| c.name == name) else {
                        missing(self, &format!("module `{name}`"));
                        continue;
                    };
                    merge_block_body(&mut call.block.body, block.body, file, &mut call.overridden);
                }
                _ => {}
            }
        }
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
                    let type_attr = block.body.attribute("type");
                    let type_name = type_attr.and_then(|a| type_name_of(&a.expr));
                    let type_expr = type_attr.map(|a| type_expr_of(&a.expr, file));
                    let nullable = block
                        .body
                        .attribute("nullable")
                        .is_none_or(|a| nullable_of(&a.expr));
                    // A second declaration is a Terraform error; the first one stands.
                    self.variables.entry(name.clone()).or_insert(Variable {
                        name,
                        file: file.clone(),
                        default,
                        type_name,
                        type_expr,
                        nullable,
                    });
                }
                "module" => {
                    let Some(name) = block.label(0).map(str::to_string) else {
                        continue;
                    };
                    self.module_calls.push(ModuleCall {
                        name,
                        file: file.clone(),
                        block,
                        overridden: Vec::new(),
                    });
                }
                "output" => {
                    let Some(name) = block.label(0).map(str::to_string) else {
                        continue;
                    };
                    let Some(value) = block
                        .body
                        .attributes
                        .into_iter()
                        .rev()
                        .find(|a| a.name == "value")
                    else {
                        continue;
                    };
                    // A second declaration is a Terraform error; the first one stands.
                    self.outputs.entry(name).or_insert(Definition {
                        file: file.clone(),
                        attribute: value,
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

/// The last override file that replaced `name`, else `default`.
fn overriding_file<'a>(
    overridden: &'a [(String, FileRef)],
    name: &str,
    default: &'a FileRef,
) -> &'a FileRef {
    overridden
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map_or(default, |(_, f)| f)
}

/// The primitive type name of a variable's `type` (`bool`, or `"bool"` in JSON).
fn type_name_of(expr: &Expr) -> Option<String> {
    match &expr.kind {
        crate::syntax::ExprKind::Variable(t) | crate::syntax::ExprKind::String(t) => {
            Some(t.clone())
        }
        _ => None,
    }
}

/// A variable's `type` as an expression. In a JSON file the type is a string
/// (`"type": "list(string)"`), parsed here as the HCL type expression it holds; one that does
/// not parse stays a string, which is no valid type (as a quoted type in HCL is not, since
/// Terraform 0.12).
fn type_expr_of(expr: &Expr, file: &FileRef) -> Expr {
    if let (crate::syntax::ExprKind::String(text), crate::source::Syntax::Json) =
        (&expr.kind, file.syntax)
    {
        if let Some(parsed) = crate::hcl::parse_expression(text, expr.span.start + 1) {
            return parsed;
        }
    }
    expr.clone()
}

/// `nullable = false` (a literal; anything else keeps Terraform's default, true).
fn nullable_of(expr: &Expr) -> bool {
    !matches!(expr.kind, crate::syntax::ExprKind::Bool(false))
}

/// The type a nested block counts as for overriding: `dynamic "x"` is an `x` block.
fn block_type(block: &Block) -> &str {
    if block.ident == "dynamic" {
        block.label(0).unwrap_or("dynamic")
    } else {
        &block.ident
    }
}

fn merge_block_body(
    base: &mut Body,
    over: Body,
    file: &FileRef,
    overridden: &mut Vec<(String, FileRef)>,
) {
    for attribute in over.attributes {
        overridden.push((attribute.name.clone(), file.clone()));
        base.attributes.retain(|a| a.name != attribute.name);
        base.attributes.push(attribute);
    }
    let mut replaced: Vec<String> = Vec::new();
    for block in over.blocks {
        if block.ident == "lifecycle" {
            match base.blocks.iter_mut().find(|b| b.ident == "lifecycle") {
                Some(existing) => {
                    for attribute in block.body.attributes {
                        existing
                            .body
                            .attributes
                            .retain(|a| a.name != attribute.name);
                        existing.body.attributes.push(attribute);
                    }
                }
                None => base.blocks.push(block),
            }
            continue;
        }
        let kind = block_type(&block).to_string();
        if !replaced.contains(&kind) {
            base.blocks.retain(|b| block_type(b) != kind);
            overridden.push((kind.clone(), file.clone()));
            replaced.push(kind);
        }
        base.blocks.push(block);
    }
}

fn file_name(file: &FileRef) -> String {
    file.path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A value for a root module's variable from outside the module's files, in Terraform's
/// precedence order (later wins): `TF_VAR_*` environment variables, then the module's own
/// `terraform.tfvars` / `*.auto.tfvars` files, then `-var-file` and `-var` in command-line
/// order.
#[derive(Debug, Clone)]
pub enum RootInput {
    /// `TF_VAR_name=value`: below every tfvars file.
    Environment { name: String, value: String },
    /// `-var-file FILE`: its assignments, above the module's tfvars files.
    File(Vec<(String, Definition)>),
    /// `-var name=value`: above the module's tfvars files.
    Assignment { name: String, value: String },
}

impl Clone for Definition {
    fn clone(&self) -> Definition {
        Definition {
            file: self.file.clone(),
            attribute: self.attribute.clone(),
        }
    }
}

impl Module {
    /// Applies values given outside the module (see [`RootInput`]). They count only where
    /// the module is a root: a called module's variables come from its call, and tfvars
    /// values are ignored there.
    pub fn apply_root_inputs(&mut self, inputs: &[RootInput]) {
        for input in inputs {
            match input {
                RootInput::Environment { name, value } => {
                    if self.variables.contains_key(name) && !self.tfvars.contains_key(name) {
                        let definition = self.raw_value(name, value, "environment variable");
                        self.tfvars.insert(name.clone(), definition);
                    }
                }
                RootInput::File(assignments) => {
                    for (name, definition) in assignments {
                        self.tfvars.insert(name.clone(), definition.clone());
                    }
                }
                RootInput::Assignment { name, value } => {
                    if self.variables.contains_key(name) {
                        let definition = self.raw_value(name, value, "-var");
                        self.tfvars.insert(name.clone(), definition);
                    }
                }
            }
        }
    }

    /// A value written on the command line or in the environment, as Terraform reads it: a
    /// literal string for a variable of type `string` (or without a type), an HCL expression
    /// for any other type (`-var 'ids=["a","b"]'`, `-var rotate=false`).
    fn raw_value(&self, name: &str, value: &str, source: &str) -> Definition {
        let text = format!("{name} = {value}");
        let shown = if source == "-var" {
            format!("-var {name}={value}")
        } else {
            format!("TF_VAR_{name}")
        };
        let file: FileRef = std::sync::Arc::new(crate::source::SourceFile::new(
            PathBuf::from(&shown),
            shown,
            text.clone(),
            crate::source::Syntax::Hcl,
        ));
        let string_typed = self
            .variables
            .get(name)
            .is_none_or(|v| matches!(v.type_name.as_deref(), None | Some("string")));
        let value_span = name.len() + 3..text.len();
        let parsed = (!string_typed)
            .then(|| crate::hcl::parse_hcl(&text, 0).ok())
            .flatten()
            .and_then(|body| body.attributes.into_iter().next());
        let attribute = parsed.unwrap_or_else(|| Attribute {
            name: name.to_string(),
            name_span: 0..name.len(),
            span: 0..text.len(),
            expr: Expr::new(
                crate::syntax::ExprKind::String(value.to_string()),
                value_span,
            ),
        });
        Definition { file, attribute }
    }
}
