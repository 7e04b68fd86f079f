//! String functions whose Terraform semantics need care: case mapping (Go maps one
//! character to one character), `title`, `substr` (grapheme clusters), `split`, `replace`
//! and the regular expression functions (Go's RE2 syntax, run with the `regex` crate).

use unicode_segmentation::UnicodeSegmentation;

use super::types::Type;
use super::{EvalError, EvalResult, Value, ValueKind, MAX_ELEMENTS, MAX_STRING_BYTES};

fn string(s: String) -> Value {
    Value::new(ValueKind::String(s))
}

/// Go's `strings.ToUpper`/`ToLower`: each character mapped on its own. `None` (unknown) when
/// a character's Unicode mapping is not one character (`ß`, `İ`), where Go and Rust differ.
pub fn map_chars(s: &str, upper: bool) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            });
            continue;
        }
        let mut mapped = if upper {
            c.to_uppercase().collect::<Vec<_>>()
        } else {
            c.to_lowercase().collect::<Vec<_>>()
        };
        if mapped.len() != 1 {
            return None;
        }
        out.push(mapped.remove(0));
    }
    Some(out)
}

/// Go's (deprecated) `strings.Title`, which Terraform's `title` uses: the first letter of
/// each word in title case, where words are separated by anything but ASCII letters, digits
/// and `_` (and, beyond ASCII, only by white space). `None` for characters whose title case
/// Rust cannot give as Go does.
pub fn title(s: &str) -> Option<String> {
    let separator = |c: char| {
        if c.is_ascii() {
            !(c.is_ascii_alphanumeric() || c == '_')
        } else {
            c.is_whitespace()
        }
    };
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for c in s.chars() {
        if separator(prev) {
            match c {
                // Digraphs whose title case differs from their upper case.
                '\u{1C4}'..='\u{1CC}' | '\u{1F1}'..='\u{1F3}' => {
                    out.push(match c {
                        '\u{1C4}'..='\u{1C6}' => '\u{1C5}',
                        '\u{1C7}'..='\u{1C9}' => '\u{1C8}',
                        '\u{1CA}'..='\u{1CC}' => '\u{1CB}',
                        _ => '\u{1F2}',
                    });
                }
                c if c.is_ascii() => out.push(c.to_ascii_uppercase()),
                c => {
                    let mapped: Vec<char> = c.to_uppercase().collect();
                    if mapped.len() != 1 {
                        return None;
                    }
                    out.push(mapped[0]);
                }
            }
        } else {
            out.push(c);
        }
        prev = c;
    }
    Some(out)
}

/// cty's `substr`: offsets and lengths in grapheme clusters; a negative offset counts from
/// the end (clamped to the start), a negative length means "to the end".
pub fn substr(s: &str, offset: i64, length: i64) -> String {
    let total = s.graphemes(true).count() as i64;
    let mut offset = offset;
    if offset < 0 {
        offset = (offset + total).max(0);
    }
    if offset >= total || length == 0 {
        return String::new();
    }
    let mut starts = s
        .grapheme_indices(true)
        .map(|(i, _)| i)
        .skip(offset as usize);
    let start = starts.next().unwrap_or(s.len());
    let end = if length < 0 {
        s.len()
    } else {
        // The start of the grapheme `length` after `start`, or the end.
        s[start..]
            .grapheme_indices(true)
            .nth(usize::try_from(length).unwrap_or(usize::MAX))
            .map_or(s.len(), |(i, _)| start + i)
    };
    s[start..end].to_string()
}

/// Go's `strings.Split`: an empty separator splits into characters.
pub fn split(sep: &str, s: &str) -> EvalResult {
    let parts: Vec<&str> = if sep.is_empty() {
        if s.chars().count() > MAX_ELEMENTS {
            return Ok(Value::unknown());
        }
        s.char_indices()
            .map(|(i, c)| &s[i..i + c.len_utf8()])
            .collect()
    } else {
        if s.matches(sep).count() >= MAX_ELEMENTS {
            return Ok(Value::unknown());
        }
        s.split(sep).collect()
    };
    Ok(Value::list(
        parts.into_iter().map(|p| string(p.to_string())).collect(),
        Type::String,
    ))
}

/// `replace(s, search, with)`: `search` in slashes (`/re/`) is a regular expression and
/// `with` may name its groups (`$1`, `${name}`).
pub fn replace(s: &str, search: &str, with: &str) -> EvalResult {
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let Some(re) = compile(&search[1..search.len() - 1])? else {
            return Ok(Value::unknown());
        };
        // The result can be at most (matches + 1) × |with| longer than `s`.
        let matches = re.find_iter(s).take(MAX_STRING_BYTES).count();
        if expanded_len(s.len(), matches, with.len()) > MAX_STRING_BYTES {
            return Ok(Value::unknown());
        }
        let out = re.replace_all(s, with).into_owned();
        if out.len() > MAX_STRING_BYTES {
            return Ok(Value::unknown());
        }
        return Ok(string(out));
    }
    let matches = if search.is_empty() {
        s.chars().count() + 1
    } else {
        s.matches(search).count()
    };
    if expanded_len(s.len(), matches, with.len()) > MAX_STRING_BYTES {
        return Ok(Value::unknown());
    }
    Ok(string(s.replace(search, with)))
}

fn expanded_len(len: usize, matches: usize, with: usize) -> usize {
    len.saturating_add(matches.saturating_mul(with.saturating_mul(2).saturating_add(1)))
}

/// `regex(pattern, s)` (the first match) and `regexall(pattern, s)` (every match): with no
/// capture groups a match is the matched string, with unnamed groups a tuple of the
/// captures, with named groups an object; an unmatched group is null.
pub fn regex(pattern: &str, s: &str, all: bool) -> EvalResult {
    let Some(re) = compile(pattern)? else {
        return Ok(Value::unknown());
    };
    let names: Vec<Option<&str>> = re.capture_names().skip(1).collect();
    let named = names.iter().filter(|n| n.is_some()).count();
    let unnamed = names.len() - named;
    if named > 0 && unnamed > 0 {
        return Err(EvalError::new(
            "invalid regexp pattern: cannot mix both named and unnamed capture groups",
        ));
    }
    let result_type = if names.is_empty() {
        Type::String
    } else if named > 0 {
        let mut attrs: Vec<super::types::Attr> = names
            .iter()
            .flatten()
            .map(|n| super::types::Attr {
                name: n.to_string(),
                ty: Type::String,
                optional: false,
                default: None,
            })
            .collect();
        attrs.sort_by(|a, b| a.name.cmp(&b.name));
        Type::Object(attrs)
    } else {
        Type::Tuple(vec![Type::String; unnamed])
    };
    let one = |caps: regex::Captures| -> Value {
        let group = |m: Option<regex::Match>| match m {
            Some(m) => string(m.as_str().to_string()),
            None => Value::new(ValueKind::Null),
        };
        if names.is_empty() {
            return group(caps.get(0));
        }
        if named > 0 {
            let mut entries: Vec<(String, Value)> = names
                .iter()
                .flatten()
                .map(|n| (n.to_string(), group(caps.name(n))))
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            return Value::new(ValueKind::Object(entries));
        }
        Value::tuple((1..=names.len()).map(|i| group(caps.get(i))).collect())
    };
    if all {
        let mut out = Vec::new();
        for caps in re.captures_iter(s) {
            if out.len() >= MAX_ELEMENTS {
                return Ok(Value::unknown());
            }
            out.push(one(caps));
        }
        return Ok(Value::list(out, result_type));
    }
    match re.captures(s) {
        Some(caps) => Ok(one(caps)),
        None => Err(EvalError::new(
            "pattern did not match any part of the given string",
        )),
    }
}

/// Compiles a Go (RE2) pattern. `Ok(None)` when the `regex` crate cannot take it (it might
/// still be valid for Go, so the result is unknown rather than an error).
///
/// Differences handled: Go's `\d`, `\w`, `\s`, `\b` are ASCII-only (the crate's are
/// Unicode), Go has `\Q...\E` literals, and Go rejects repeat counts above 1000. Patterns
/// that would need a translation we do not do (`\D` inside a class) are unknown.
fn compile(pattern: &str) -> Result<Option<regex::Regex>, EvalError> {
    thread_local! {
        // Compiled patterns, as `regex` in a `for` compiles the same one again and again.
        static CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<regex::Regex>>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    if let Some(hit) = CACHE.with(|c| c.borrow().get(pattern).cloned()) {
        return Ok(hit);
    }
    let compiled = translate(pattern).and_then(|translated| {
        regex::RegexBuilder::new(&translated)
            .size_limit(1 << 22)
            .dfa_size_limit(1 << 22)
            .nest_limit(100)
            .build()
            .ok()
    });
    if pattern.len() <= 4096 {
        CACHE.with(|c| {
            let mut cache = c.borrow_mut();
            if cache.len() >= 64 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), compiled.clone());
        });
    }
    Ok(compiled)
}

/// Rewrites Go regexp syntax into the `regex` crate's; `None` when unsure.
fn translate(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = *chars.get(i + 1)?;
                i += 2;
                match (next, in_class) {
                    ('d', false) => out.push_str("[0-9]"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    ('s', false) => out.push_str("[\\t\\n\\f\\r ]"),
                    ('S', false) => out.push_str("[^\\t\\n\\f\\r ]"),
                    ('d', true) => out.push_str("0-9"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('s', true) => out.push_str("\\t\\n\\f\\r "),
                    ('D' | 'W' | 'S', true) => return None,
                    ('b', false) => out.push_str("(?-u:\\b)"),
                    ('B', false) => out.push_str("(?-u:\\B)"),
                    ('Q', _) => {
                        // Literal text up to `\E` (or the end).
                        let mut lit = String::new();
                        while i < chars.len() {
                            if chars[i] == '\\' && chars.get(i + 1) == Some(&'E') {
                                i += 2;
                                break;
                            }
                            lit.push(chars[i]);
                            i += 1;
                        }
                        if in_class {
                            return None;
                        }
                        out.push_str(&regex::escape(&lit));
                    }
                    // Rust and Go disagree about (or Rust lacks) these.
                    ('C' | 'Z' | 'G' | 'K' | 'R' | 'X' | 'h' | 'H' | 'v' | 'V' | 'N', _) => {
                        return None
                    }
                    (other, _) => {
                        out.push('\\');
                        out.push(other);
                    }
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                // A `]` (or `^]`) right after the opening bracket is literal.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
                continue;
            }
            '[' if in_class && chars.get(i + 1) == Some(&':') => {
                // A POSIX class `[:alpha:]` inside a class.
                let end = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']')?;
                out.extend(&chars[i..end + 2]);
                i = end + 2;
                continue;
            }
            '[' if in_class => {
                // Literal `[` in a class: the crate would read a nested class.
                out.push_str("\\[");
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '{' if !in_class => {
                // Go rejects repeat counts above 1000.
                let close = (i + 1..chars.len()).find(|&j| chars[j] == '}');
                if let Some(close) = close {
                    let inner: String = chars[i + 1..close].iter().collect();
                    let counts: Vec<&str> = inner.split(',').collect();
                    let is_repeat = !inner.is_empty()
                        && counts.len() <= 2
                        && counts[0].chars().all(|c| c.is_ascii_digit())
                        && !counts[0].is_empty()
                        && counts.iter().all(|c| c.chars().all(|c| c.is_ascii_digit()));
                    if is_repeat
                        && counts
                            .iter()
                            .any(|c| c.parse::<u32>().map_or(!c.is_empty(), |n| n > 1000))
                    {
                        return None;
                    }
                }
                out.push('{');
            }
            '&' | '~' | '-' if in_class && chars.get(i + 1) == Some(&c) => {
                // `&&`, `~~`, `--` are set operations for the crate, literal for Go.
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
        i += 1;
    }
    if in_class {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_classes_are_ascii() {
        let re = compile("\\d+").unwrap().unwrap();
        assert!(!re.is_match("٣"));
        assert!(compile("[\\D]").unwrap().is_none());
        assert!(compile("a{1001}").unwrap().is_none());
        assert_eq!(translate("\\Qa.b\\E").unwrap(), "a\\.b");
        assert!(compile("[[:alpha:]]+").unwrap().unwrap().is_match("ab"));
    }
}
