//! `jsonencode` and `jsondecode` as Terraform implements them (cty's JSON with Go's
//! `encoding/json` string escaping).

use super::collections::Size;
use super::{EvalError, EvalResult, Value, ValueKind, MAX_STRING_BYTES};
use crate::json::{JsonKind, JsonValue};
use crate::number;

/// Decoded JSON nested deeper than this is unknown (Terraform would decode it).
const MAX_JSON_DEPTH: u32 = 128;

/// `jsonencode`: object and map keys in lexical order, no spaces, numbers in full
/// (`1e20` is `100000000000000000000`), `<`, `>`, `&`, U+2028 and U+2029 escaped as Go does.
/// Unknown anywhere inside makes the result unknown.
pub fn encode(v: &Value) -> EvalResult {
    let mut out = String::new();
    match write(v, &mut out, 0) {
        Some(()) => Ok(Value::new(ValueKind::String(out))),
        None => Ok(Value::unknown()),
    }
}

fn write(v: &Value, out: &mut String, depth: u32) -> Option<()> {
    if depth > MAX_JSON_DEPTH || out.len() > MAX_STRING_BYTES {
        return None;
    }
    match &v.kind {
        ValueKind::Unknown => return None,
        ValueKind::Null => out.push_str("null"),
        ValueKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ValueKind::Number(n) => {
            if !n.is_finite() {
                return None;
            }
            out.push_str(&number::format(*n));
        }
        ValueKind::String(s) => write_string(s, out),
        ValueKind::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(item, out, depth + 1)?;
            }
            out.push(']');
        }
        ValueKind::Object(items) => {
            out.push('{');
            for (i, (k, item)) in super::collections::sorted_entries(items)
                .into_iter()
                .enumerate()
            {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write(item, out, depth + 1)?;
            }
            out.push('}');
        }
    }
    (out.len() <= MAX_STRING_BYTES).then_some(())
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `jsondecode`: objects become objects, arrays tuples. Invalid JSON is an error; a number
/// an `f64` cannot hold faithfully, or nesting past [`MAX_JSON_DEPTH`], is unknown.
pub fn decode(s: &str) -> EvalResult {
    if s.starts_with('\u{feff}') {
        return Err(EvalError::new(
            "invalid character looking for beginning of value",
        ));
    }
    let parsed = crate::json::parse(s).map_err(|e| EvalError::new(e.message))?;
    let mut size = Size::default();
    Ok(lower(&parsed, 0, &mut size).unwrap_or_else(Value::unknown))
}

fn lower(v: &JsonValue, depth: u32, size: &mut Size) -> Option<Value> {
    if depth > MAX_JSON_DEPTH {
        return None;
    }
    let kind = match &v.kind {
        JsonKind::Null => ValueKind::Null,
        JsonKind::Bool(b) => ValueKind::Bool(*b),
        JsonKind::Number(n) => {
            if !number::is_faithful(&n.raw, n.value) {
                return None;
            }
            ValueKind::Number(n.value)
        }
        JsonKind::String(s) => ValueKind::String(s.value.clone()),
        JsonKind::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let v = lower(item, depth + 1, size)?;
                if !size.add(&Value::new(ValueKind::Null)) {
                    return None;
                }
                out.push(v);
            }
            ValueKind::List(out)
        }
        JsonKind::Object(members) => {
            let mut out = super::collections::Entries::default();
            for m in members {
                let v = lower(&m.value, depth + 1, size)?;
                if !size.add(&Value::new(ValueKind::Null)) {
                    return None;
                }
                // A repeated key: the last one wins, as in Go.
                out.insert(m.key.clone(), v);
            }
            ValueKind::Object(out.into_vec())
        }
    };
    Some(Value::new(kind))
}
