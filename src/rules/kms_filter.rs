//! CloudWatch Logs metric filters for KMS key changes (domain.md §4.4), shared by
//! `cloudwatch-cmk-filter-incomplete` and the CIS chain rule: whether a filter is meant to
//! count `DisableKey` / `ScheduleKeyDeletion`, and whether its pattern, evaluated on the real
//! CloudTrail records ([`crate::filter_pattern::events`]), matches each.
//!
//! Meaning, not spelling: the pattern is parsed and evaluated ([`crate::filter_pattern`]).
//! A filter is *meant* for key changes when one of its pattern's values (a comparison's
//! value, a term, a regular expression) names `DisableKey` or `ScheduleKeyDeletion` (ASCII case
//! ignored, `*` wildcards trimmed), or when a value names `kms.amazonaws.com` and the
//! filter's or its metric's name speaks of disabling, deletion or CMKs. A KMS filter for
//! something else (`Decrypt`, `AccessDenied`) is not.

use super::tri::Tri;
use super::RuleContext;
use crate::eval::ValueKind;
use crate::filter_pattern::{
    self, events, CmpOp, Expr, FieldCondition, Operand, Pattern, PatternKind, Test,
};
use crate::project::ResourceId;

/// The CIS pattern (CIS 4.7 remediation), for messages.
pub const CIS_PATTERN: &str = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion))}";

/// The two events, in the order of [`matches`].
pub const EVENTS: [&str; 2] = ["DisableKey", "ScheduleKeyDeletion"];
const KMS: &str = "kms.amazonaws.com";

/// The filter's own name and its metric's, for judging what it is meant for.
pub fn filter_names(cx: &RuleContext, id: ResourceId) -> Vec<String> {
    let node = cx.node(id);
    let mut names = Vec::new();
    if let Some(ValueKind::String(s)) = node.value("name").map(|v| v.kind) {
        names.push(s);
    }
    for (_, t) in node.blocks("metric_transformation").unwrap_or_default() {
        if let Some(ValueKind::String(s)) = t.value("name").map(|v| v.kind) {
            names.push(s);
        }
    }
    names
}

/// Whether the pattern matches each of [`EVENTS`].
pub fn matches(pattern: &Pattern) -> [Tri; 2] {
    [
        pattern.matches_json(&events::disable_key()).into(),
        pattern
            .matches_json(&events::schedule_key_deletion())
            .into(),
    ]
}

/// Every value a pattern compares with or searches for, as written (unescaped).
fn values(pattern: &Pattern) -> Vec<String> {
    fn operand(o: &Operand, out: &mut Vec<String>) {
        match o {
            Operand::Str { text, .. } => out.push(text.clone()),
            Operand::Number { text, .. } => out.push(text.clone()),
            Operand::Regex(r) => out.push(r.source().to_string()),
        }
    }
    fn field(c: &FieldCondition, out: &mut Vec<String>) {
        match c {
            FieldCondition::Or(items) | FieldCondition::And(items) => {
                items.iter().for_each(|i| field(i, out))
            }
            FieldCondition::Compare { value, .. } => operand(value, out),
        }
    }
    let mut out = Vec::new();
    match pattern.kind() {
        PatternKind::All => {}
        PatternKind::Json(e) => {
            let mut stack = vec![e];
            while let Some(e) = stack.pop() {
                match e {
                    Expr::Or(items) | Expr::And(items) => stack.extend(items),
                    Expr::Cond(c) => {
                        if let Test::Compare { value, .. } = &c.test {
                            operand(value, &mut out);
                        }
                    }
                }
            }
        }
        PatternKind::Delimited(fields) => {
            for f in fields {
                if let filter_pattern::Field::Named {
                    condition: Some(c), ..
                } = f
                {
                    field(c, &mut out);
                }
            }
        }
        PatternKind::Terms(terms) => out.extend(terms.iter().map(|t| t.text.clone())),
        PatternKind::Regex(r) => out.push(r.source().to_string()),
    }
    out
}

/// `value` names `word`: equal once `*` wildcards are trimmed, or contains it when it is a
/// regular expression's source; ASCII case ignored.
fn names(value: &str, word: &str) -> bool {
    let trimmed = value.trim_matches('*');
    trimmed.eq_ignore_ascii_case(word)
        || (value.len() > word.len()
            && value
                .to_ascii_lowercase()
                .contains(&word.to_ascii_lowercase())
            && value.contains(['|', '(', '[', '\\', '^', '$', '.', '+', '?']))
}

/// Whether a filter with this pattern and these names (the filter's and its metric's) is meant
/// to count KMS key changes.
pub fn meant_for_key_changes(pattern: &Pattern, names_of_filter: &[&str]) -> bool {
    let values = values(pattern);
    let names_event = values.iter().any(|v| {
        EVENTS
            .iter()
            .any(|e| names(v, e) && !v.eq_ignore_ascii_case(KMS))
    });
    names_event || (values.iter().any(|v| names(v, KMS)) && speaks_of_key_changes(names_of_filter))
}

/// The same judgement on a pattern that does not parse: its text names an event, or KMS with
/// a telling name.
pub fn text_meant_for_key_changes(text: &str, names_of_filter: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    EVENTS
        .iter()
        .any(|e| lower.contains(&e.to_ascii_lowercase()))
        || (lower.contains(KMS) && speaks_of_key_changes(names_of_filter))
}

fn speaks_of_key_changes(names: &[&str]) -> bool {
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        ["disabl", "delet", "cmk", "schedul"]
            .iter()
            .any(|w| n.contains(w))
    })
}

/// Why a pattern that is meant for the events misses some, when a common slip explains it.
pub fn hint(pattern: &Pattern) -> Option<String> {
    let PatternKind::Json(e) = pattern.kind() else {
        return None;
    };
    // `$.eventName = A && $.eventName = B`: no event has two names.
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match e {
            Expr::And(items) => {
                let mut names: Vec<String> = Vec::new();
                let mut flat = items.iter().collect::<Vec<_>>();
                while let Some(item) = flat.pop() {
                    match item {
                        Expr::And(inner) => flat.extend(inner),
                        Expr::Cond(c) => {
                            if let (
                                [filter_pattern::Segment::Member(m)],
                                Test::Compare {
                                    op: CmpOp::Eq,
                                    value: Operand::Str { text, .. },
                                },
                            ) = (c.selector.segments.as_slice(), &c.test)
                            {
                                if m == "eventName" && !names.contains(text) {
                                    names.push(text.clone());
                                }
                            }
                        }
                        Expr::Or(_) => stack.push(item),
                    }
                }
                if names.len() >= 2 {
                    names.sort();
                    return Some(format!(
                        "`&&` joins `$.eventName = {}` and `$.eventName = {}`, and no event has two names: join them with `||`",
                        names[0], names[1]
                    ));
                }
            }
            Expr::Or(items) => stack.extend(items),
            Expr::Cond(_) => {}
        }
    }
    // Case: values are compared case-sensitively.
    for v in values(pattern) {
        let trimmed = v.trim_matches('*');
        for word in EVENTS.iter().copied().chain([KMS]) {
            if trimmed.eq_ignore_ascii_case(word) && trimmed != word {
                return Some(format!(
                    "values are case-sensitive, and `{trimmed}` is not `{word}`"
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Pattern {
        filter_pattern::parse(text).unwrap()
    }

    #[test]
    fn intent_and_matches() {
        let cis = p(CIS_PATTERN);
        assert!(meant_for_key_changes(&cis, &[]));
        assert_eq!(matches(&cis), [Tri::Yes, Tri::Yes]);
        let swapped = p("{ $.eventSource = kms.amazonaws.com && ($.eventName = DisableKey && $.eventName = ScheduleKeyDeletion) }");
        assert_eq!(matches(&swapped), [Tri::No, Tri::No]);
        assert!(hint(&swapped).unwrap().contains("`||`"));
        let decrypt = p("{ $.eventSource = kms.amazonaws.com && $.eventName = Decrypt }");
        assert!(!meant_for_key_changes(&decrypt, &["kms-decrypt"]));
        let denied = p("{ $.eventSource = kms.amazonaws.com && $.errorCode = AccessDenied }");
        assert!(!meant_for_key_changes(&denied, &["KMSAccessDenied"]));
        assert!(meant_for_key_changes(&denied, &["CMKDeletion"]));
        let rotation = p("{ $.eventName = DisableKeyRotation }");
        assert!(!meant_for_key_changes(&rotation, &[]));
        let lower = p("{ $.eventSource = kms.amazonaws.com && ($.eventName = disablekey || $.eventName = ScheduleKeyDeletion) }");
        assert!(meant_for_key_changes(&lower, &[]));
        assert_eq!(matches(&lower), [Tri::No, Tri::Yes]);
        assert!(hint(&lower).unwrap().contains("case-sensitive"));
        let regex = p("{ $.eventName = %DisableKey|ScheduleKeyDeletion% }");
        assert!(meant_for_key_changes(&regex, &[]));
        assert!(text_meant_for_key_changes(
            "{ $.eventName = DisableKey && }",
            &[]
        ));
    }
}
