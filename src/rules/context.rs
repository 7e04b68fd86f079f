//! What a rule sees: the project, typed queries over it, its options, and the one place
//! findings are built.

use super::{OptionValue, RuleMeta, RuleOptions};
use crate::finding::{Finding, Fix, Related, Severity};
use crate::model::Resource;
use crate::project::{
    CallId, CallInstance, Node, PlanChange, Project, Reference, ResourceId, ResourceInstance,
    StateDependent,
};
use crate::source::{FileRef, Span};

/// One rule's view of one project.
pub struct RuleContext<'p, 'a> {
    project: &'p Project<'a>,
    meta: &'static RuleMeta,
    options: &'p RuleOptions,
}

impl<'p, 'a> RuleContext<'p, 'a> {
    pub fn new(
        project: &'p Project<'a>,
        meta: &'static RuleMeta,
        options: &'p RuleOptions,
    ) -> RuleContext<'p, 'a> {
        RuleContext {
            project,
            meta,
            options,
        }
    }

    pub fn project(&self) -> &'p Project<'a> {
        self.project
    }

    /// Managed resource instances of a type, every module instance included.
    pub fn resources(
        &self,
        type_name: &'p str,
    ) -> impl Iterator<Item = (ResourceId, &'p ResourceInstance<'a>)> + 'p {
        self.project.resources_of_type(type_name)
    }

    pub fn resource(&self, id: ResourceId) -> &'p ResourceInstance<'a> {
        &self.project.resources[id]
    }

    /// A resource instance's body, ready to evaluate.
    pub fn node(&self, id: ResourceId) -> Node<'p, 'a> {
        self.project.node(id)
    }

    /// The resource instances that refer to `id`, with the attribute and span of each
    /// reference.
    pub fn referrers(&self, id: ResourceId) -> impl Iterator<Item = &'p Reference> + 'p {
        self.project.references().referrers(id)
    }

    /// The references a resource instance makes, with the attribute and span of each.
    pub fn references_from(&self, id: ResourceId) -> impl Iterator<Item = &'p Reference> + 'p {
        self.project.references().references_from(id)
    }

    /// Every resource instance of a type, data sources included.
    pub fn all_of_type(
        &self,
        type_name: &'p str,
    ) -> impl Iterator<Item = (ResourceId, &'p ResourceInstance<'a>)> + 'p {
        self.project
            .resources
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.type_name() == type_name)
    }

    /// The block a resource instance is written as, where findings about it belong: its own
    /// block for configuration; for a plan resource, its configuration block when the
    /// configuration is on disk, else the planned values (spans into the plan file). For a
    /// plan with its configuration, the values are the plan's and the places the
    /// configuration's: a rule matches them up itself (nested blocks by position, set
    /// elements by content), and a finding placed in the configuration stays there.
    pub fn written(&self, id: ResourceId) -> &'p Resource {
        let r = &self.project.resources[id];
        r.source.unwrap_or(r.resource)
    }

    /// Whether [`RuleContext::written`] is the block the values come from (always, except
    /// for a plan with its configuration on disk).
    pub fn written_is_evaluated(&self, id: ResourceId) -> bool {
        let r = &self.project.resources[id];
        std::ptr::eq(self.written(id), r.resource)
    }

    /// Module call instances whose code was not read (registry modules not downloaded).
    pub fn unfollowed_calls(&self) -> impl Iterator<Item = (CallId, &'p CallInstance<'a>)> + 'p {
        self.project.unfollowed_calls()
    }

    /// A module call instance's arguments, ready to evaluate.
    pub fn call_node(&self, id: CallId) -> Node<'p, 'a> {
        self.project.call_node(id)
    }

    /// An integer option of this rule: configured, else its default.
    pub fn integer_option(&self, name: &str) -> i64 {
        match self.options.get(self.meta, name) {
            Some(OptionValue::Integer(n)) => n,
            _ => panic!("rule `{}` has no integer option `{name}`", self.meta.id),
        }
    }

    /// A bool option of this rule: configured, else its default.
    pub fn bool_option(&self, name: &str) -> bool {
        match self.options.get(self.meta, name) {
            Some(OptionValue::Bool(b)) => b,
            _ => panic!("rule `{}` has no bool option `{name}`", self.meta.id),
        }
    }

    /// A finding about a resource instance, at `span` of `file`.
    pub fn report(
        &self,
        id: ResourceId,
        file: &FileRef,
        span: Span,
        message: String,
    ) -> FindingBuilder {
        let r = &self.project.resources[id];
        self.builder(
            file,
            span,
            message,
            r.reported_as.clone(),
            r.address.clone(),
            Some(r.resource.block.span.clone()),
        )
    }

    /// A finding about a module call instance (a registry module judged by its arguments).
    pub fn report_call(
        &self,
        id: CallId,
        file: &FileRef,
        span: Span,
        message: String,
    ) -> FindingBuilder {
        let c = &self.project.calls[id];
        let block_address = match &c.key {
            Some(key) => c.address.strip_suffix(key.as_str()).unwrap_or(&c.address),
            None => &c.address,
        };
        self.builder(
            file,
            span,
            message,
            block_address.to_string(),
            c.address.clone(),
            Some(c.call.block.span.clone()),
        )
    }

    /// A finding about a planned change whose resource is gone after the plan (a deletion:
    /// no resource instance exists), at `span` of `file` (the plan, or the block still in the
    /// configuration, `block` being the span of the whole entry or block), carrying the
    /// change's address.
    pub fn report_change(
        &self,
        change: &PlanChange,
        file: &FileRef,
        span: Span,
        block: Span,
        message: String,
    ) -> FindingBuilder {
        self.builder(
            file,
            span,
            message,
            change.address.clone(),
            change.address.clone(),
            Some(block),
        )
    }

    /// The resources the plan's prior state records as depending on a change's resource.
    pub fn state_dependents(&self, change: &PlanChange) -> Vec<StateDependent<'a>> {
        self.project.state_dependents(change)
    }

    /// A finding about the configuration as a whole (no resource), at `span` of `file`.
    pub fn report_configuration(
        &self,
        file: &FileRef,
        span: Span,
        message: String,
    ) -> FindingBuilder {
        self.builder(file, span, message, String::new(), String::new(), None)
    }

    fn builder(
        &self,
        file: &FileRef,
        span: Span,
        message: String,
        address: String,
        instance: String,
        resource_span: Option<Span>,
    ) -> FindingBuilder {
        FindingBuilder {
            finding: Finding {
                rule: self.meta.id,
                severity: self.meta.severity,
                message,
                file: file.clone(),
                span,
                address,
                related: Vec::new(),
                fix: None,
                resource_span,
                attribute: None,
                corrected_value: None,
                instances: if instance.is_empty() {
                    Vec::new()
                } else {
                    vec![instance]
                },
                suppression: None,
            },
            // A plan is not edited: fixes belong to the configuration's findings.
            fixable: !self.project.is_plan(),
        }
    }
}

/// Builds one finding; created by [`RuleContext::report`] with the rule's id, severity and
/// the resource's address already stamped.
#[must_use]
pub struct FindingBuilder {
    finding: Finding,
    fixable: bool,
}

impl FindingBuilder {
    /// The attribute the finding is about, as a dotted path inside the resource.
    pub fn attribute(mut self, path: impl Into<String>) -> Self {
        self.finding.attribute = Some(path.into());
        self
    }

    pub fn related(mut self, file: &FileRef, span: Span, message: impl Into<String>) -> Self {
        self.finding.related.push(Related {
            file: file.clone(),
            span,
            message: message.into(),
        });
        self
    }

    pub fn related_all(mut self, related: impl IntoIterator<Item = Related>) -> Self {
        self.finding.related.extend(related);
        self
    }

    /// The literal the attribute should have; lets the finding carry a fix when it is shown
    /// at a caller's argument instead of the attribute (see `crate::locate`).
    pub fn corrected_value(mut self, value: impl Into<String>) -> Self {
        self.finding.corrected_value = Some(value.into());
        self
    }

    /// A fix; a fix without edits (the layout could not be handled) is no fix.
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.finding.fix = fix.filter(|f| self.fixable && !f.edits.is_empty());
        self
    }

    /// Replaces the message (for findings whose wording depends on what is attached).
    pub fn message(mut self, message: String) -> Self {
        self.finding.message = message;
        self
    }

    /// A severity other than the rule's default, for this finding.
    pub fn severity(mut self, severity: Severity) -> Self {
        self.finding.severity = severity;
        self
    }

    pub fn build(self) -> Finding {
        self.finding
    }

    pub fn push(self, out: &mut Vec<Finding>) {
        out.push(self.finding);
    }
}
