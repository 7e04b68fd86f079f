//! Evaluation of parsed patterns against JSON events and log lines (semantics: see [`super`]).

use serde_json::Value;

use super::parse::{is_number, number_value};
use super::{
    CmpOp, Condition, Expr, Field, FieldCondition, Match, Operand, PatternKind, Regex, Segment,
    Selector, Term, TermKind, Test,
};

pub(super) fn matches_json(kind: &PatternKind, event: &Value) -> Match {
    match kind {
        PatternKind::All => Match::Yes,
        PatternKind::Json(expr) => expr_json(expr, event),
        PatternKind::Delimited(_) => Match::Unknown,
        PatternKind::Terms(terms) => {
            let tokens = json_tokens(event);
            terms_match(terms, |t| term_in_tokens(t, &tokens))
        }
        PatternKind::Regex(r) => regex_in_tokens(r, &json_tokens(event)),
    }
}

pub(super) fn matches_text(kind: &PatternKind, line: &str) -> Match {
    match kind {
        PatternKind::All => Match::Yes,
        PatternKind::Json(expr) => match serde_json::from_str::<Value>(line) {
            Ok(event) => expr_json(expr, &event),
            Err(_) => Match::No,
        },
        PatternKind::Delimited(fields) => delimited(fields, line),
        PatternKind::Terms(terms) => terms_match(terms, |t| {
            Match::from_bool(is_blank_phrase(t) || line.contains(t.text.as_str()))
        }),
        PatternKind::Regex(r) => regex_match(r, line),
    }
}

fn regex_match(r: &Regex, text: &str) -> Match {
    match r.search(text) {
        Some(b) => Match::from_bool(b),
        None => Match::Unknown,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON patterns
// ---------------------------------------------------------------------------------------------

fn expr_json(expr: &Expr, event: &Value) -> Match {
    match expr {
        Expr::Or(items) => {
            let mut result = Match::No;
            for item in items {
                result = result.or(expr_json(item, event));
                if result == Match::Yes {
                    break;
                }
            }
            result
        }
        Expr::And(items) => {
            let mut result = Match::Yes;
            for item in items {
                result = result.and(expr_json(item, event));
                if result == Match::No {
                    break;
                }
            }
            result
        }
        Expr::Cond(c) => condition(c, event),
    }
}

enum Resolved<'a> {
    Found(&'a Value),
    Missing,
    /// The documentation does not say what this selector means here.
    Undecided,
}

fn resolve<'a>(selector: &Selector, root: &'a Value) -> Resolved<'a> {
    if selector
        .segments
        .iter()
        .any(|s| matches!(s, Segment::AnyMember | Segment::AnyIndex))
    {
        return Resolved::Undecided;
    }
    let mut current = root;
    for segment in &selector.segments {
        current = match (segment, current) {
            (Segment::Member(name), Value::Object(map)) => match map.get(name) {
                Some(v) => v,
                None => return Resolved::Missing,
            },
            // A member of an array: implementations differ (look inside the elements or not).
            (Segment::Member(_), Value::Array(_)) => return Resolved::Undecided,
            (Segment::Index(i), Value::Array(items)) => match items.get(*i) {
                Some(v) => v,
                None => return Resolved::Missing,
            },
            _ => return Resolved::Missing,
        };
    }
    Resolved::Found(current)
}

fn condition(c: &Condition, event: &Value) -> Match {
    let value = match resolve(&c.selector, event) {
        Resolved::Found(v) => Some(v),
        Resolved::Missing => None,
        Resolved::Undecided => return Match::Unknown,
    };
    match &c.test {
        Test::Exists => Match::from_bool(value.is_some()),
        Test::NotExists => Match::from_bool(value.is_none()),
        Test::IsNull => Match::from_bool(matches!(value, Some(Value::Null))),
        Test::IsTrue => Match::from_bool(matches!(value, Some(Value::Bool(true)))),
        Test::IsFalse => Match::from_bool(matches!(value, Some(Value::Bool(false)))),
        Test::Compare { op, value: operand } => match value {
            // A missing field matches no comparison, `!=` included.
            None | Some(Value::Array(_) | Value::Object(_)) => Match::No,
            Some(Value::Null | Value::Bool(_)) => {
                if op.is_ordering() {
                    Match::No
                } else {
                    Match::Unknown
                }
            }
            Some(Value::String(s)) => compare_string(*op, operand, s),
            Some(Value::Number(n)) => match n.as_f64() {
                Some(f) => compare_number(*op, operand, f, &n.to_string()),
                None => Match::Unknown,
            },
        },
    }
}

fn compare_string(op: CmpOp, operand: &Operand, field: &str) -> Match {
    match op {
        CmpOp::Eq => text_equals(operand, field),
        CmpOp::Ne => text_equals(operand, field).not(),
        _ => {
            if is_number(field) {
                // Whether AWS converts a numeric string for `<`/`>` is not documented.
                Match::Unknown
            } else {
                Match::No
            }
        }
    }
}

/// `=` between a value and a string, as text (wildcards and regexes apply).
fn text_equals(operand: &Operand, field: &str) -> Match {
    match operand {
        Operand::Str { text, .. } => Match::from_bool(wildcard_match(text, field)),
        Operand::Number { text, .. } => Match::from_bool(text == field),
        Operand::Regex(r) => regex_match(r, field),
    }
}

fn compare_number(op: CmpOp, operand: &Operand, field: f64, field_text: &str) -> Match {
    let value = match operand {
        Operand::Number { value, .. } => Some(*value),
        Operand::Str { text, .. } => number_value(text),
        Operand::Regex(_) => None,
    };
    match op {
        CmpOp::Eq | CmpOp::Ne => {
            let equal = match value {
                Some(v) => Match::from_bool(field == v),
                // Not a number: match the number's text (`= 2*`, `= %^2%`).
                None => text_equals(operand, field_text),
            };
            if op == CmpOp::Eq {
                equal
            } else {
                equal.not()
            }
        }
        _ => match value {
            Some(v) => Match::from_bool(ordering_holds(op, field, v)),
            None => Match::No,
        },
    }
}

fn ordering_holds(op: CmpOp, field: f64, value: f64) -> bool {
    match op {
        CmpOp::Lt => field < value,
        CmpOp::Le => field <= value,
        CmpOp::Gt => field > value,
        CmpOp::Ge => field >= value,
        CmpOp::Eq => field == value,
        CmpOp::Ne => field != value,
    }
}

/// `*` at the start and/or end of `pattern` is a wildcard; anywhere else it is a literal.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (leading, rest) = match pattern.strip_prefix('*') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let (trailing, core) = match rest.strip_suffix('*') {
        Some(core) => (true, core),
        None => (false, rest),
    };
    match (leading, trailing) {
        (true, true) => text.contains(core),
        (true, false) => text.ends_with(core),
        (false, true) => text.starts_with(core),
        (false, false) => text == core,
    }
}

// ---------------------------------------------------------------------------------------------
// Term patterns
// ---------------------------------------------------------------------------------------------

fn is_blank_phrase(t: &Term) -> bool {
    t.quoted && t.text.trim().is_empty()
}

/// Combines per-term answers: see "Term patterns" in the module docs.
fn terms_match(terms: &[Term], contains: impl Fn(&Term) -> Match) -> Match {
    let required = |t: &Term| match t.kind {
        TermKind::Exclude => contains(t).not(),
        TermKind::Include | TermKind::Optional => contains(t),
    };
    let all = |ts: &[Term]| ts.iter().fold(Match::Yes, |acc, t| acc.and(required(t)));
    let Some(first) = terms.iter().position(|t| t.kind == TermKind::Optional) else {
        return all(terms);
    };
    // Each `?` term starts an alternative holding the terms up to the next `?` term.
    let mut alternatives = Match::No;
    let mut start = first;
    while start < terms.len() {
        let end = terms[start + 1..]
            .iter()
            .position(|t| t.kind == TermKind::Optional)
            .map_or(terms.len(), |p| start + 1 + p);
        alternatives = alternatives.or(all(&terms[start..end]));
        start = end;
    }
    if first == 0 {
        return alternatives;
    }
    // Terms before the first `?`: an alternative of their own, or required by every alternative?
    let leading = all(&terms[..first]);
    let own = leading.or(alternatives);
    let shared = leading.and(alternatives);
    if own == shared {
        own
    } else {
        Match::Unknown
    }
}

/// The member names and scalars of a JSON value, each JSON-encoded as it appears in the event's
/// text. Walks with an explicit stack, so any depth is fine.
fn json_tokens(event: &Value) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut stack = vec![event];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    tokens.push(encode_string(k));
                    stack.push(v);
                }
            }
            Value::Array(items) => stack.extend(items),
            Value::String(s) => tokens.push(encode_string(s)),
            Value::Number(n) => tokens.push(n.to_string()),
            Value::Bool(b) => tokens.push(b.to_string()),
            Value::Null => tokens.push("null".to_string()),
        }
    }
    tokens
}

fn encode_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Characters that separate or delimit the members of a JSON text.
const STRUCTURAL: [char; 8] = ['{', '}', '[', ']', ',', ':', '"', '\\'];
const BLANKS: [char; 4] = [' ', '\t', '\n', '\r'];

fn term_in_tokens(t: &Term, tokens: &[String]) -> Match {
    if is_blank_phrase(t) || tokens.iter().any(|tok| tok.contains(t.text.as_str())) {
        return Match::Yes;
    }
    let confined =
        !t.text.contains(STRUCTURAL) && !t.text.starts_with(BLANKS) && !t.text.ends_with(BLANKS);
    if confined {
        // Such a term can only occur inside one member name or scalar.
        Match::No
    } else {
        Match::Unknown
    }
}

fn regex_in_tokens(r: &Regex, tokens: &[String]) -> Match {
    if !r.is_supported() {
        return Match::Unknown;
    }
    let anchored = r.has_anchors();
    let found = |text: &str| r.search(text) == Some(true);
    // A regex that matches the empty string matches every line.
    if !anchored && (found("") || tokens.iter().any(|tok| found(tok))) {
        return Match::Yes;
    }
    if anchored || r.can_consume_any(&STRUCTURAL) || r.can_consume_any(&BLANKS) {
        Match::Unknown
    } else {
        Match::No
    }
}

// ---------------------------------------------------------------------------------------------
// Space-delimited patterns
// ---------------------------------------------------------------------------------------------

/// Splits a log line into fields: blanks separate them, and `"…"` or `[…]` is one field (without
/// its delimiters).
fn split_fields(line: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        let Some(first) = rest.chars().next() else {
            break;
        };
        let close = match first {
            '"' => Some('"'),
            '[' => Some(']'),
            _ => None,
        };
        match close {
            Some(close) => {
                let body = &rest[1..];
                match body.find(close) {
                    Some(end) => {
                        fields.push(&body[..end]);
                        rest = &body[end + 1..];
                    }
                    None => {
                        fields.push(body);
                        break;
                    }
                }
            }
            None => {
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                fields.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
    }
    fields
}

fn delimited(fields: &[Field], line: &str) -> Match {
    let values = split_fields(line);
    let (before, after) = match fields.iter().position(|f| matches!(f, Field::Ellipsis)) {
        Some(i) => (&fields[..i], &fields[i + 1..]),
        None => {
            if values.len() != fields.len() {
                return Match::No;
            }
            (fields, &fields[..0])
        }
    };
    if values.len() < before.len() + after.len() {
        return Match::No;
    }
    let tail = &values[values.len() - after.len()..];
    let pairs = before.iter().zip(&values).chain(after.iter().zip(tail));
    let mut result = Match::Yes;
    for (field, value) in pairs {
        if let Field::Named {
            condition: Some(c), ..
        } = field
        {
            result = result.and(field_condition(c, value));
            if result == Match::No {
                break;
            }
        }
    }
    result
}

fn field_condition(c: &FieldCondition, value: &str) -> Match {
    match c {
        FieldCondition::Or(items) => items
            .iter()
            .fold(Match::No, |acc, i| acc.or(field_condition(i, value))),
        FieldCondition::And(items) => items
            .iter()
            .fold(Match::Yes, |acc, i| acc.and(field_condition(i, value))),
        FieldCondition::Compare { op, value: operand } => match number_value(value) {
            // A numeric field compares as a number with a number, as text otherwise.
            Some(n) => compare_number(*op, operand, n, value),
            None => compare_string(*op, operand, value),
        },
    }
}
