//! The rules. One file per rule: its id, its documentation, its logic and its fix.
//!
//! A rule sees one evaluated module at a time ([`RuleContext`]) and pushes [`Finding`]s.
//! Rules must not report on unknown values: a value that depends on an input kmslint cannot
//! see is "unknown", never "false".

mod config_recorder_kms_excluded;
mod kms_key_rotation_disabled;

use crate::eval::{Scope, Value, ValueKind};
use crate::finding::{Finding, Severity};
use crate::model::{Module, Resource};

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

/// Runs every rule on a module.
pub fn check_module(module: &Module) -> Vec<Finding> {
    let scope = Scope::new(module);
    let cx = RuleContext {
        module,
        scope: &scope,
    };
    let mut out = Vec::new();
    for rule in RULES {
        rule.check(&cx, &mut out);
    }
    out
}

impl RuleContext<'_> {
    /// True when `count = 0` or an empty `for_each` means the block creates nothing.
    /// Unknown repetition counts as "may exist".
    pub fn creates_no_instance(&self, resource: &Resource) -> bool {
        // OpenTofu: `lifecycle { enabled = false }` means the resource is not created.
        for lifecycle in resource.block.body.blocks_named("lifecycle") {
            if let Some(enabled) = lifecycle.body.attribute("enabled") {
                if self
                    .scope
                    .eval_or_unknown(&enabled.expr)
                    .to_bool()
                    .ok()
                    .flatten()
                    == Some(false)
                {
                    return true;
                }
            }
        }
        if let Some(count) = resource.attribute("count") {
            if let Ok(Some(n)) = self.scope.eval_or_unknown(&count.expr).to_number() {
                return n == 0.0;
            }
        }
        if let Some(for_each) = resource.attribute("for_each") {
            return match self.scope.eval_or_unknown(&for_each.expr).kind {
                ValueKind::List(items) => items.is_empty(),
                ValueKind::Object(items) => items.is_empty(),
                _ => false,
            };
        }
        false
    }

    /// The value of an attribute, or `None` when it is not written.
    pub fn value_of(&self, resource_body: &crate::syntax::Body, name: &str) -> Option<Value> {
        resource_body
            .attribute(name)
            .map(|a| self.scope.eval_or_unknown(&a.expr))
    }
}
