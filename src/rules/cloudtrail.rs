//! Whether an `aws_cloudtrail` records the KMS `DisableKey` and `ScheduleKeyDeletion` calls
//! (domain.md §3), shared by `cloudtrail-kms-events-excluded` and the CIS chain rule.
//!
//! Both are management write events with `eventSource = kms.amazonaws.com`. A trail without
//! selectors logs every management event; otherwise an event is logged when *any* selector
//! keeps it:
//!
//! - a basic `event_selector` keeps it unless `include_management_events = false`,
//!   `read_write_type = "ReadOnly"` or `kms.amazonaws.com` is in
//!   `exclude_management_event_sources`;
//! - an `advanced_event_selector` keeps it when every `field_selector` matches the event
//!   (its operators are and-ed; `equals`, `starts_with`, `ends_with` match any listed value,
//!   their `not_` forms none). The event's fields are those of the real records in
//!   [`crate::filter_pattern::events`] (`eventCategory = Management`, `readOnly = false`,
//!   `eventSource`, `eventName`, `eventType = AwsApiCall`); any other field (`userIdentity.arn`,
//!   `resources.ARN`, …) depends on who made the call and is unknown.
//!
//! `enable_logging = false` records nothing. Every answer is three-valued ([`Tri`]): a value
//! nobody gave, or a `dynamic` block over an unknown collection, gives `Unknown`.
//!
//! A [`Reason`] says where a selector drops the events. For a plan the values are the plan's
//! but the place is the configuration's (see [`RuleContext::written`]): selectors are matched
//! by position and field selectors (a set, which the plan sorts by `field`) by their `field`.

use super::tri::Tri;
use super::RuleContext;
use crate::edits;
use crate::eval::{Value, ValueKind};
use crate::finding::{Fix, Related};
use crate::model::Resource;
use crate::project::{Node, ResourceId};
use crate::source::{FileRef, Span};
use crate::syntax::{Block, Body, ExprKind};

pub const KMS: &str = "kms.amazonaws.com";
/// The two events, in the order of [`Capture::events`].
pub const EVENTS: [&str; 2] = ["DisableKey", "ScheduleKeyDeletion"];

/// Why (part of) a trail misses the events, where to say so and how to fix it.
#[derive(Debug, Clone)]
pub struct Reason {
    pub file: FileRef,
    pub span: Span,
    /// The attribute, as a dotted path inside the trail.
    pub attribute: String,
    /// What drops the events, e.g. ``read_write_type = "ReadOnly"` keeps read events only``.
    pub what: String,
    /// What to change.
    pub advice: String,
    /// Which of [`EVENTS`] this drops.
    pub drops: [bool; 2],
    /// A safe edit that removes the cause (configuration only).
    pub fix: Option<Fix>,
    /// Where a value comes from (a variable, a local).
    pub related: Vec<Related>,
}

/// What a trail records of the two events.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Per event of [`EVENTS`].
    pub events: [Tri; 2],
    /// `enable_logging = false`.
    pub logging_off: Option<Reason>,
    /// The reasons of each selector that drops an event, in the order written.
    pub selectors: Vec<Vec<Reason>>,
}

/// The trail being judged: values from the evaluated block, places from the written one.
struct Trail<'p> {
    written: &'p Resource,
    /// The written block is the evaluated one (not a plan with its configuration).
    identity: bool,
}

/// A nested block as evaluated and, when found, as written.
struct Pair<'p, 'a> {
    node: Node<'p, 'a>,
    written: Option<&'p Block>,
}

impl<'p> Trail<'p> {
    /// The file a top-level attribute or nested block type is written in.
    fn file(&self, top: &str) -> &'p FileRef {
        self.written.file_of(top)
    }

    fn header(&self) -> (FileRef, Span) {
        (
            self.written.file.clone(),
            self.written.block.header_span.clone(),
        )
    }

    /// Nested blocks `ident` of an evaluated body paired with the written ones: the same
    /// block for configuration; by position in a plan, when the configuration writes them
    /// without `dynamic`.
    fn pairs<'b>(
        &self,
        blocks: Vec<(&'p Block, Node<'p, 'b>)>,
        written: Option<&'p Body>,
        ident: &str,
    ) -> Vec<(Pair<'p, 'b>, &'p Block)> {
        let written_blocks: Option<Vec<&'p Block>> = written.and_then(|w| {
            let dynamic = w
                .blocks
                .iter()
                .any(|b| b.ident == "dynamic" && b.label(0) == Some(ident));
            let list: Vec<&'p Block> = w.blocks.iter().filter(|b| b.ident == ident).collect();
            (!dynamic && list.len() == blocks.len()).then_some(list)
        });
        blocks
            .into_iter()
            .enumerate()
            .map(|(i, (block, node))| {
                let written = if self.identity {
                    Some(block)
                } else {
                    written_blocks.as_ref().map(|w| w[i])
                };
                (Pair { node, written }, block)
            })
            .collect()
    }

    /// Where an attribute of a nested block is shown: the written attribute, else the
    /// written block, else the trail's header.
    fn at(&self, top: &str, written: Option<&'p Block>, name: &str) -> (FileRef, Span) {
        match written {
            Some(b) => match b.body.attribute(name) {
                Some(a) => (self.file(top).clone(), a.span.clone()),
                None => (self.file(top).clone(), b.header_span.clone()),
            },
            None => self.header(),
        }
    }

    /// Where element `value` of list attribute `name` is shown, with a fix removing it
    /// (configuration only, a literal list whose elements are all written in place).
    fn element(
        &self,
        top: &str,
        written: Option<&'p Block>,
        name: &str,
        value: &Value,
        index: usize,
    ) -> (FileRef, Span, Option<Fix>, Vec<Related>) {
        let (file, span) = self.at(top, written, name);
        let attr = written.and_then(|b| b.body.attribute(name));
        let ValueKind::List(items) = &value.kind else {
            return (file, span, None, related_origin(value));
        };
        let origin = items
            .get(index)
            .and_then(|i| i.origin.clone())
            .or(value.origin.clone());
        if origin.is_some() {
            let shown = Value {
                origin,
                ..Value::new(ValueKind::Null)
            };
            return (file, span, None, related_origin(&shown));
        }
        let Some(attr) = attr else {
            return (file, span, None, Vec::new());
        };
        let ExprKind::Array(elements) = &attr.expr.kind else {
            return (file, span, None, Vec::new());
        };
        let wanted = match items.get(index).map(|i| &i.kind) {
            Some(ValueKind::String(s)) => s.as_str(),
            _ => return (file, span, None, Vec::new()),
        };
        let Some(at) = elements
            .iter()
            .position(|e| matches!(&e.kind, ExprKind::String(s) if s == wanted))
        else {
            return (file, span, None, Vec::new());
        };
        let fix = (self.identity && elements.len() == items.len()).then(|| {
            Fix::safe(
                format!("Remove \"{wanted}\" from `{name}`"),
                edits::remove_from_list(&file, &attr.expr, at),
            )
        });
        (file, elements[at].span.clone(), fix, Vec::new())
    }
}

fn related_origin(value: &Value) -> Vec<Related> {
    value
        .origin
        .iter()
        .map(|o| Related {
            file: o.file.clone(),
            span: o.span.clone(),
            message: format!("the value comes from {}", o.describe()),
        })
        .collect()
}

/// What a trail records of the two events; `None` when it cannot be told at all (both kinds
/// of selector, which Terraform rejects).
pub fn capture(cx: &RuleContext, id: ResourceId) -> Option<Capture> {
    let trail = Trail {
        written: cx.written(id),
        identity: cx.written_is_evaluated(id),
    };
    let node = cx.node(id);
    let logging = match node.value("enable_logging").map(|v| v.kind) {
        None | Some(ValueKind::Null) => Tri::Yes,
        Some(_) => Tri::from(node.bool("enable_logging")),
    };
    let logging_off = (logging == Tri::No).then(|| {
        let (file, span) = match trail.written.attribute("enable_logging") {
            Some(a) => (trail.file("enable_logging").clone(), a.span.clone()),
            None => trail.header(),
        };
        let value = node.value("enable_logging").unwrap_or_else(Value::unknown);
        Reason {
            file,
            span,
            attribute: "enable_logging".to_string(),
            what: "`enable_logging` is false, so the trail records nothing".to_string(),
            advice: match &value.origin {
                Some(o) => format!("set it to true in {}", o.describe()),
                None => "set it to true".to_string(),
            },
            drops: [true, true],
            fix: None,
            related: related_origin(&value),
        }
    });
    let basic = node.blocks("event_selector");
    let advanced = node.blocks("advanced_event_selector");
    let (Some(basic), Some(advanced)) = (basic, advanced) else {
        // A `dynamic` block over an unknown collection: the selectors are unknown.
        return Some(Capture {
            events: [logging.and(Tri::Unknown), logging.and(Tri::Unknown)],
            logging_off,
            selectors: Vec::new(),
        });
    };
    if !basic.is_empty() && !advanced.is_empty() {
        return None;
    }
    let written_body = (!trail.identity).then_some(&trail.written.block.body);
    let mut events = [Tri::Yes, Tri::Yes];
    let mut selectors = Vec::new();
    if !basic.is_empty() {
        events = [Tri::No, Tri::No];
        for (pair, _) in trail.pairs(basic, written_body, "event_selector") {
            let (keeps, reasons) = basic_selector(&trail, &pair);
            for event in &mut events {
                *event = event.or(keeps);
            }
            if !reasons.is_empty() {
                selectors.push(reasons);
            }
        }
    } else if !advanced.is_empty() {
        events = [Tri::No, Tri::No];
        for (pair, _) in trail.pairs(advanced, written_body, "advanced_event_selector") {
            let (keeps, reasons) = advanced_selector(&trail, &pair);
            for (event, keep) in events.iter_mut().zip(keeps) {
                *event = event.or(keep);
            }
            if !reasons.is_empty() {
                selectors.push(reasons);
            }
        }
    }
    Some(Capture {
        events: [logging.and(events[0]), logging.and(events[1])],
        logging_off,
        selectors,
    })
}

/// A basic selector: whether it keeps the (two, alike) events, and why not.
fn basic_selector(trail: &Trail, pair: &Pair) -> (Tri, Vec<Reason>) {
    const TOP: &str = "event_selector";
    let node = &pair.node;
    let mut reasons = Vec::new();
    let reason =
        |(file, span): (FileRef, Span), name: &str, what: String, advice: &str, value: &Value| {
            Reason {
                file,
                span,
                attribute: format!("{TOP}.{name}"),
                what,
                advice: match &value.origin {
                    Some(o) => format!("{advice} (the value comes from {})", o.describe()),
                    None => advice.to_string(),
                },
                drops: [true, true],
                fix: None,
                related: related_origin(value),
            }
        };
    let management = match node.value("include_management_events") {
        None => Tri::Yes,
        Some(v) if matches!(v.kind, ValueKind::Null) => Tri::Yes,
        Some(v) => {
            let t = Tri::from(v.to_bool().ok().flatten());
            if t == Tri::No {
                reasons.push(reason(
                    trail.at(TOP, pair.written, "include_management_events"),
                    "include_management_events",
                    "`include_management_events = false`: the selector logs no management events"
                        .to_string(),
                    "set `include_management_events = true`",
                    &v,
                ));
            }
            t
        }
    };
    let writes = match node.value("read_write_type") {
        None => Tri::Yes,
        Some(v) => match &v.kind {
            ValueKind::Null => Tri::Yes,
            ValueKind::String(s) if s == "All" || s == "WriteOnly" => Tri::Yes,
            ValueKind::String(s) if s == "ReadOnly" => {
                reasons.push(reason(
                    trail.at(TOP, pair.written, "read_write_type"),
                    "read_write_type",
                    "`read_write_type = \"ReadOnly\"` keeps read events only, and both are write events".to_string(),
                    "set `read_write_type = \"All\"` (CIS asks for `All`)",
                    &v,
                ));
                Tri::No
            }
            _ => Tri::Unknown,
        },
    };
    let sources = "exclude_management_event_sources";
    let not_excluded = match node.value(sources) {
        None => Tri::Yes,
        Some(v) => match &v.kind {
            ValueKind::Null => Tri::Yes,
            ValueKind::List(items) => {
                match items
                    .iter()
                    .position(|i| matches!(&i.kind, ValueKind::String(s) if s == KMS))
                {
                    Some(index) => {
                        let (file, span, fix, related) =
                            trail.element(TOP, pair.written, sources, &v, index);
                        reasons.push(Reason {
                            file,
                            span,
                            attribute: format!("{TOP}.{sources}"),
                            what: format!("\"{KMS}\" is in `{sources}`"),
                            advice: match related.first() {
                                Some(r) => format!("remove it where it is set ({})", r.message),
                                None => format!("remove it from `{sources}`"),
                            },
                            drops: [true, true],
                            fix,
                            related,
                        });
                        Tri::No
                    }
                    None if items.iter().any(Value::has_unknown) => Tri::Unknown,
                    None => Tri::Yes,
                }
            }
            _ => Tri::Unknown,
        },
    };
    (management.and(writes).and(not_excluded), reasons)
}

/// The value of a field of the two events: known, or unknown (who made the call, on what).
fn event_field(field: &str, event: usize) -> Option<String> {
    Some(match field {
        "eventCategory" => "Management".to_string(),
        "readOnly" => "false".to_string(),
        "eventSource" => KMS.to_string(),
        "eventName" => EVENTS[event].to_string(),
        "eventType" => "AwsApiCall".to_string(),
        _ => return None,
    })
}

const OPERATORS: [&str; 6] = [
    "equals",
    "not_equals",
    "starts_with",
    "not_starts_with",
    "ends_with",
    "not_ends_with",
];

/// An advanced selector: whether it keeps each event, and why not.
fn advanced_selector(trail: &Trail, pair: &Pair) -> ([Tri; 2], Vec<Reason>) {
    const TOP: &str = "advanced_event_selector";
    let Some(fields) = pair.node.blocks("field_selector") else {
        return ([Tri::Unknown, Tri::Unknown], Vec::new());
    };
    let written_fields: Vec<&Block> = pair
        .written
        .map(|w| {
            w.body
                .blocks
                .iter()
                .filter(|b| b.ident == "field_selector")
                .collect()
        })
        .unwrap_or_default();
    let mut keeps = [Tri::Yes, Tri::Yes];
    let mut reasons: Vec<Reason> = Vec::new();
    let count = fields.len();
    for (block, node) in &fields {
        let field = match node.value("field").map(|v| v.kind) {
            Some(ValueKind::String(s)) => s,
            _ => {
                keeps = [keeps[0].and(Tri::Unknown), keeps[1].and(Tri::Unknown)];
                continue;
            }
        };
        // The written field selector: itself, or the one with the same literal `field`.
        let written = if trail.identity {
            Some(*block)
        } else {
            let same: Vec<&&Block> = written_fields
                .iter()
                .filter(|b| {
                    b.body
                        .attribute("field")
                        .is_some_and(|a| matches!(&a.expr.kind, ExprKind::String(s) if *s == field))
                })
                .collect();
            match same.as_slice() {
                [one] => Some(**one),
                _ => None,
            }
            .or(pair.written)
        };
        let written_fs = written.filter(|b| b.ident == "field_selector");
        for op in OPERATORS {
            let Some(value) = node.value(op) else {
                continue;
            };
            let items: Vec<Option<String>> = match &value.kind {
                ValueKind::Null => continue,
                ValueKind::List(items) if items.is_empty() => continue,
                ValueKind::List(items) => items.iter().map(|i| i.to_str().ok().flatten()).collect(),
                _ => {
                    keeps = [keeps[0].and(Tri::Unknown), keeps[1].and(Tri::Unknown)];
                    continue;
                }
            };
            let mut drops = [false, false];
            let mut matched_at = None;
            for (e, keep) in keeps.iter_mut().enumerate() {
                let Some(actual) = event_field(&field, e) else {
                    *keep = keep.and(Tri::Unknown);
                    continue;
                };
                let test = |x: &str| match op {
                    "equals" | "not_equals" => actual == x,
                    "starts_with" | "not_starts_with" => actual.starts_with(x),
                    _ => actual.ends_with(x),
                };
                let mut any = Tri::No;
                for (i, item) in items.iter().enumerate() {
                    let t = match item {
                        Some(x) => Tri::from(Some(test(x))),
                        None => Tri::Unknown,
                    };
                    if t == Tri::Yes && matched_at.is_none() {
                        matched_at = Some(i);
                    }
                    any = any.or(t);
                }
                let t = if op.starts_with("not_") {
                    any.not()
                } else {
                    any
                };
                drops[e] = t == Tri::No;
                *keep = keep.and(t);
            }
            if drops == [false, false] {
                continue;
            }
            let shown: Vec<String> = items
                .iter()
                .map(|i| i.clone().map_or("?".to_string(), |s| format!("\"{s}\"")))
                .collect();
            let shown = shown.join(", ");
            if op.starts_with("not_") {
                // The listed value that matches the events: point at it, offer to remove it.
                let index = matched_at.unwrap_or(0);
                let (file, span, mut fix, related) = if written_fs.is_some() || trail.identity {
                    trail.element(TOP, written_fs, op, &value, index)
                } else {
                    let (f, s) = trail.header();
                    (f, s, None, Vec::new())
                };
                // `not_equals = []` is rejected (at least one item): remove the field selector.
                if items.len() == 1 && fix.is_some() {
                    let only_field_and_op = block.body.blocks.is_empty()
                        && block
                            .body
                            .attributes
                            .iter()
                            .all(|a| a.name == "field" || a.name == op);
                    fix = (only_field_and_op && count > 1)
                        .then(|| {
                            Fix::safe(
                                format!("Remove the `{field}` field selector"),
                                edits::remove_block(&file, block),
                            )
                        })
                        .filter(|f| !f.edits.is_empty());
                }
                reasons.push(Reason {
                    file,
                    span,
                    attribute: format!("{TOP}.field_selector.{op}"),
                    what: format!("`{field}` {op} [{shown}]"),
                    advice: match related.first() {
                        Some(r) => format!("remove the value where it is set ({})", r.message),
                        None if items.len() == 1 => {
                            format!("remove this `{field}` field selector")
                        }
                        None => format!("remove the value from `{op}`"),
                    },
                    drops,
                    fix,
                    related,
                });
            } else {
                let (file, span) = trail.at(TOP, written_fs.or(written), op);
                let missing: Vec<&str> = (0..2).filter(|&e| drops[e]).map(|e| EVENTS[e]).collect();
                let (what, advice) = match field.as_str() {
                    "eventCategory" => (
                        format!("`eventCategory` {op} [{shown}] keeps no management events"),
                        "add a selector with `eventCategory` equal to \"Management\"".to_string(),
                    ),
                    "readOnly" => (
                        format!("`readOnly` {op} [{shown}] keeps read events only"),
                        "drop the `readOnly` field selector, or make it \"false\"".to_string(),
                    ),
                    "eventName" => (
                        format!(
                            "`eventName` {op} [{shown}] leaves out {}",
                            missing.join(" and ")
                        ),
                        format!("add {} to the list", missing.join(" and ")),
                    ),
                    _ => (
                        format!(
                            "`{field}` {op} [{shown}] does not match {}",
                            missing.join(" or ")
                        ),
                        format!(
                            "include \"{}\" there",
                            event_field(&field, 0).unwrap_or_default()
                        ),
                    ),
                };
                reasons.push(Reason {
                    file,
                    span,
                    attribute: format!("{TOP}.field_selector.{op}"),
                    what,
                    advice,
                    drops,
                    fix: None,
                    related: related_origin(&value),
                });
            }
        }
    }
    (keeps, reasons)
}
