//! The rules. One file per rule: its id, its documentation, its logic and its fix.
//!
//! A rule sees one evaluated module at a time ([`RuleContext`]) and pushes [`Finding`]s.
//! Rules must not report on unknown values: a value that depends on an input kmslint cannot
//! see is "unknown", never "false".

mod config_recorder_kms_excluded;
mod kms_key_rotation_disabled;

use crate::eval::{Bindings, Scope, Value, ValueKind};
use crate::finding::{Finding, Severity};
use crate::model::{Module, Resource};
use crate::syntax::{Block, Body};

pub use config_recorder_kms_excluded::ConfigRecorderKmsExcluded;
pub use kms_key_rotation_disabled::KmsKeyRotationDisabled;

/// Whether a rule can offer a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixAvailability {
    Never,
    Sometimes,
    Always,
}

/// Static facts about a rule; the engine stamps id and severity onto its findings.
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable, kebab-case id; never reused.
    pub id: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    /// The Markdown doc from `rules/<id>.md`, embedded at build time.
    pub doc: &'static str,
    /// Resource types the rule looks at.
    pub resource_types: &'static [&'static str],
}

pub struct RuleContext<'a> {
    pub module: &'a Module,
    pub scope: &'a Scope<'a>,
    /// Names bound for the instance being checked (`count`, `each`, dynamic iterators).
    pub binds: Bindings,
    /// `module.keys.` for resources of a called module; empty at the root.
    pub module_prefix: String,
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>);
}

/// Every rule, in id order.
pub static RULES: &[&dyn Rule] = &[
    &ConfigRecorderKmsExcluded,
    &crate::suppress::InvalidSuppression,
    &KmsKeyRotationDisabled,
    &crate::suppress::UnusedSuppression,
];

pub fn find(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

/// Runs every rule on a root module (variables from tfvars and defaults).
pub fn check_module(module: &Module) -> Vec<Finding> {
    check_with_scope(module, &Scope::new(module), String::new())
}

/// Runs every rule on a module evaluated in `scope`.
pub fn check_with_scope(module: &Module, scope: &Scope, module_prefix: String) -> Vec<Finding> {
    let cx = RuleContext {
        module,
        scope,
        binds: Bindings::new(),
        module_prefix,
    };
    let mut out = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut out);
    }
    out
}

/// Sources of registry modules some rule understands without their code.
pub const KNOWN_MODULE_SOURCES: &[&str] =
    &["terraform-aws-modules/kms/aws", "cloudposse/kms-key/aws"];

/// Findings for a call of a well-known module that is not downloaded, judged by its
/// arguments (see `kms_key_rotation_disabled::check_known_module`).
pub fn check_known_module_call(cx: &RuleContext, call: &crate::model::ModuleCall) -> Vec<Finding> {
    kms_key_rotation_disabled::check_known_module(cx, call)
}

/// The instances a `resource` block creates.
pub enum Instances {
    /// Known instances; empty when `count = 0`, an empty `for_each`, or
    /// `lifecycle { enabled = false }` means nothing is created.
    Known(Vec<Instance>),
    /// The repetition cannot be known: one stand-in instance whose `count`/`each` are unknown,
    /// so only what holds for every instance is reported.
    Unknown(Instance),
}

pub struct Instance {
    /// `[0]` or `["orders"]`; `None` for a block without repetition.
    pub key: Option<String>,
    pub binds: Bindings,
}

impl RuleContext<'_> {
    /// Evaluates an expression for the current instance; errors are unknown.
    pub fn eval(&self, expr: &crate::syntax::Expr) -> Value {
        self.scope
            .eval_with(expr, &self.binds)
            .unwrap_or_else(|_| Value::unknown())
    }

    /// The value of an attribute, or `None` when it is not written.
    pub fn value_of(&self, body: &Body, name: &str) -> Option<Value> {
        body.attribute(name).map(|a| self.eval(&a.expr))
    }

    /// The same context with more names bound.
    pub fn with_binds(&self, binds: Bindings) -> RuleContext<'_> {
        RuleContext {
            module: self.module,
            scope: self.scope,
            binds,
            module_prefix: self.module_prefix.clone(),
        }
    }

    /// The resource's address, with the module path of a called module.
    pub fn address(&self, resource: &Resource) -> String {
        format!("{}{}", self.module_prefix, resource.address())
    }

    pub fn instances(&self, resource: &Resource) -> Instances {
        self.instances_of(&resource.block.body)
    }

    /// The instances a block with `count`/`for_each`/`lifecycle { enabled }` creates
    /// (resources and module calls alike).
    pub fn instances_of(&self, body: &Body) -> Instances {
        // OpenTofu: `lifecycle { enabled = false }` means the resource is not created.
        for lifecycle in body.blocks_named("lifecycle") {
            if let Some(enabled) = lifecycle.body.attribute("enabled") {
                if self.eval(&enabled.expr).to_bool().ok().flatten() == Some(false) {
                    return Instances::Known(Vec::new());
                }
            }
        }
        let bind = |name: &str, value: Value| {
            let mut binds = self.binds.clone();
            binds.push((name.to_string(), value));
            binds
        };
        let object = |items: Vec<(&str, Value)>| {
            Value::new(ValueKind::Object(
                items.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            ))
        };
        if let Some(count) = body.attribute("count") {
            return match self.eval(&count.expr).to_number() {
                Ok(Some(n)) if n >= 0.0 && n.fract() == 0.0 => Instances::Known(
                    (0..n as usize)
                        .map(|i| Instance {
                            key: Some(format!("[{i}]")),
                            binds: bind(
                                "count",
                                object(vec![("index", Value::new(ValueKind::Number(i as f64)))]),
                            ),
                        })
                        .collect(),
                ),
                _ => Instances::Unknown(Instance {
                    key: None,
                    binds: bind("count", Value::unknown()),
                }),
            };
        }
        if let Some(for_each) = body.attribute("for_each") {
            let value = self.eval(&for_each.expr);
            let pairs: Option<Vec<(String, Value)>> = match &value.kind {
                ValueKind::Object(items) => Some(items.clone()),
                ValueKind::List(items) => items
                    .iter()
                    .map(|v| match &v.kind {
                        ValueKind::String(s) => Some((s.clone(), v.clone())),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            };
            return match pairs {
                Some(pairs) => Instances::Known(
                    pairs
                        .into_iter()
                        .map(|(k, v)| Instance {
                            key: Some(format!("[{k:?}]")),
                            binds: bind(
                                "each",
                                object(vec![
                                    ("key", Value::new(ValueKind::String(k))),
                                    ("value", v),
                                ]),
                            ),
                        })
                        .collect(),
                ),
                _ => Instances::Unknown(Instance {
                    key: None,
                    binds: bind("each", Value::unknown()),
                }),
            };
        }
        Instances::Known(vec![Instance {
            key: None,
            binds: self.binds.clone(),
        }])
    }

    /// Runs `check` once per instance of `resource` and merges the results: one finding per
    /// place, naming the failing instance keys when the block is repeated.
    pub fn each_instance(
        &self,
        resource: &Resource,
        check: impl Fn(&RuleContext) -> Vec<Finding>,
    ) -> Vec<Finding> {
        let instances = match self.instances(resource) {
            Instances::Known(list) => list,
            Instances::Unknown(one) => vec![one],
        };
        let mut merged: Vec<(Finding, Vec<String>)> = Vec::new();
        for instance in instances {
            let cx = self.with_binds(instance.binds);
            let full = format!(
                "{}{}",
                self.address(resource),
                instance.key.as_deref().unwrap_or("")
            );
            for mut finding in check(&cx) {
                let same = merged.iter_mut().find(|(f, _)| {
                    f.rule == finding.rule
                        && f.span == finding.span
                        && f.file.path == finding.file.path
                });
                match same {
                    Some((f, keys)) => {
                        keys.extend(instance.key.clone());
                        f.instances.push(full.clone());
                    }
                    None => {
                        finding.instances = vec![full.clone()];
                        merged.push((finding, instance.key.clone().into_iter().collect()))
                    }
                }
            }
        }
        merged
            .into_iter()
            .map(|(mut finding, keys)| {
                if !keys.is_empty() {
                    finding.message =
                        format!("{} (instances {})", finding.message, keys.join(", "));
                }
                finding
            })
            .collect()
    }

    /// The nested blocks `ident` of `body`, with `dynamic "ident"` blocks expanded: each
    /// `content` block comes with its iterator bound. `None` when a dynamic block's
    /// `for_each` is unknown (the blocks cannot be known).
    pub fn expand_blocks<'b>(
        &self,
        body: &'b Body,
        ident: &str,
    ) -> Option<Vec<(&'b Block, Bindings)>> {
        let mut out: Vec<(&'b Block, Bindings)> = body
            .blocks
            .iter()
            .filter(|b| b.ident == ident)
            .map(|b| (b, self.binds.clone()))
            .collect();
        for dynamic in body
            .blocks
            .iter()
            .filter(|d| d.ident == "dynamic" && d.label(0) == Some(ident))
        {
            let iterator = dynamic
                .body
                .attribute("iterator")
                .and_then(|a| match &a.expr.kind {
                    crate::syntax::ExprKind::Variable(name) => Some(name.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| ident.to_string());
            let Some(content) = dynamic.body.blocks.iter().find(|b| b.ident == "content") else {
                continue;
            };
            let for_each = dynamic.body.attribute("for_each")?;
            let value = self.eval(&for_each.expr);
            let pairs: Vec<(Value, Value)> = match value.kind {
                ValueKind::List(items) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        // Sets are keyed by their value, lists by position.
                        let key = match &v.kind {
                            ValueKind::String(_) => v.clone(),
                            _ => Value::new(ValueKind::Number(i as f64)),
                        };
                        (key, v)
                    })
                    .collect(),
                ValueKind::Object(items) => items
                    .into_iter()
                    .map(|(k, v)| (Value::new(ValueKind::String(k)), v))
                    .collect(),
                _ => return None,
            };
            for (key, value) in pairs {
                let mut binds = self.binds.clone();
                binds.push((
                    iterator.clone(),
                    Value::new(ValueKind::Object(vec![
                        ("key".to_string(), key),
                        ("value".to_string(), value),
                    ])),
                ));
                out.push((content, binds));
            }
        }
        Some(out)
    }
}
