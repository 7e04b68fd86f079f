//! Span-preserving JSON reader (used for `.tf.json`, `.tfvars.json` and, later, plan JSON).
//!
//! The reader accepts exactly one RFC 8259 JSON value, optionally surrounded by JSON
//! whitespace (space, tab, LF, CR) and optionally preceded by a single UTF-8 byte order
//! mark. Every value remembers the byte range it occupies in the input, and object members
//! additionally remember the byte range of their key, so diagnostics can point at the
//! exact place in the file.
//!
//! Decisions worth knowing about:
//!
//! * All spans and error offsets are byte offsets into the input exactly as given, i.e. a
//!   leading BOM counts (the first value after a BOM starts at offset 3).
//! * String spans include the surrounding quotes.
//! * Object members are kept in source order and duplicate keys are all kept;
//!   [`JsonValue::get`] returns the *last* one, like Go's `encoding/json`.
//! * Lone UTF-16 surrogates in `\uXXXX` escapes (a high surrogate not followed by a
//!   `\uDC00`..`\uDFFF` escape, or a low surrogate on its own) are not errors: each one is
//!   replaced with U+FFFD, matching Go's `encoding/json`, which HCL's JSON parser (and so
//!   Terraform) uses to decode strings. Such strings are reported with `verbatim == false`.
//! * Numbers keep their source text in `raw`; `value` is the nearest `f64`. Numbers too
//!   large for an `f64` (e.g. `1e400`) are accepted with an infinite `value` and the exact
//!   text in `raw`.
//! * Arrays and objects may be nested at most 512 levels deep; deeper input gives a "nesting
//!   too deep" error at the offending bracket. Containers are parsed with an explicit stack,
//!   not recursion, so parsing needs little stack space whatever the input.
//! * The reader never panics: every byte access is bounds-checked.
//! * For an unterminated string the error offset is the opening quote; for any other
//!   premature end of input it is the input length.
use std::ops::Range;

/// Maximum number of nested arrays/objects accepted by [`parse`].
const MAX_DEPTH: usize = 512;

/// A parsed JSON value together with its byte range in the input.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonValue {
    pub kind: JsonKind,
    /// Byte range of the value in the input (strings include their quotes).
    pub span: Range<usize>,
}

/// The kind (and payload) of a [`JsonValue`].
#[derive(Debug, Clone, PartialEq)]
pub enum JsonKind {
    Null,
    Bool(bool),
    Number(JsonNumber),
    String(JsonString),
    Array(Vec<JsonValue>),
    /// Members in source order; duplicate keys are kept (all of them).
    Object(Vec<JsonMember>),
}

/// A JSON number: its exact source text and its value as the nearest `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonNumber {
    pub raw: String,
    pub value: f64,
}

/// A decoded JSON string.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonString {
    /// Decoded value (escapes resolved).
    pub value: String,
    /// true when the text between the quotes contains no escape sequence, so that byte i of `value`
    /// is byte `span.start + 1 + i` of the input (callers use this to map offsets inside the string)
    pub verbatim: bool,
}

/// One `"key": value` member of an object.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonMember {
    /// Decoded key.
    pub key: String,
    /// Byte range of the key in the input, including its quotes.
    pub key_span: Range<usize>,
    pub value: JsonValue,
}

/// A syntax error: a short lower-case message and the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    pub offset: usize,
}

impl JsonError {
    /// The span to show for the error in `input` (the text given to [`parse`]): the character
    /// at `offset`, empty at the end of the input. Never `offset..offset + 1`: that split a
    /// multi-byte character or ran past the end of the file (found by fuzzing).
    pub fn span(&self, input: &str) -> Range<usize> {
        let mut start = self.offset.min(input.len());
        while !input.is_char_boundary(start) {
            start -= 1;
        }
        let len = input[start..].chars().next().map_or(0, char::len_utf8);
        start..start + len
    }
}

/// Parses `input` as exactly one JSON value (see the module documentation for details).
pub fn parse(input: &str) -> Result<JsonValue, JsonError> {
    let mut parser = Parser {
        src: input,
        bytes: input.as_bytes(),
        pos: 0,
    };
    if parser.bytes.starts_with(b"\xEF\xBB\xBF") {
        parser.pos = 3;
    }
    parser.skip_ws();
    let value = parser.parse_value()?;
    parser.skip_ws();
    if parser.pos < parser.bytes.len() {
        return Err(parser.expected("end of input after value", parser.pos));
    }
    Ok(value)
}

impl JsonValue {
    /// The value of the last member named `key`, if this is an object.
    pub fn get(&self, key: &str) -> Option<&JsonValue> {
        self.as_object()?
            .iter()
            .rev()
            .find(|member| member.key == key)
            .map(|member| &member.value)
    }

    /// The decoded string, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            JsonKind::String(s) => Some(&s.value),
            _ => None,
        }
    }

    /// The boolean, if this is `true` or `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.kind {
            JsonKind::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[JsonValue]> {
        match &self.kind {
            JsonKind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The members in source order, if this is an object.
    pub fn as_object(&self) -> Option<&[JsonMember]> {
        match &self.kind {
            JsonKind::Object(members) => Some(members),
            _ => None,
        }
    }
}

/// An array or object whose closing bracket has not been reached yet.
enum Frame {
    Array {
        start: usize,
        items: Vec<JsonValue>,
    },
    Object {
        start: usize,
        members: Vec<JsonMember>,
        /// Key (and its span) of the member whose value is being parsed.
        key: String,
        key_span: Range<usize>,
    },
}

struct Parser<'a> {
    src: &'a str,
    bytes: &'a [u8],
    /// Current byte offset. Invariant: `pos <= bytes.len()`, and whenever the parser stops at
    /// `pos` it is on a char boundary (it only ever steps over ASCII bytes one at a time and
    /// over string contents up to an ASCII delimiter).
    pos: usize,
}

impl<'a> Parser<'a> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(message: impl Into<String>, offset: usize) -> JsonError {
        JsonError {
            message: message.into(),
            offset,
        }
    }

    /// "expected WHAT, found X" at `at`, or "unexpected end of input, expected WHAT" when `at`
    /// is the end of the input.
    fn expected(&self, what: &str, at: usize) -> JsonError {
        if at >= self.bytes.len() {
            Self::error(format!("unexpected end of input, expected {what}"), at)
        } else {
            Self::error(format!("expected {what}, found {}", self.describe(at)), at)
        }
    }

    /// A short description of the text at byte `at`, for error messages: a whole word for
    /// letters/digits (so `NaN` reads as `NaN`, not `N`), the character in backticks for other
    /// visible characters, `U+XXXX` for control characters and exotic whitespace.
    fn describe(&self, at: usize) -> String {
        let rest = match self.src.get(at..) {
            Some(rest) => rest,
            None => {
                return match self.bytes.get(at) {
                    Some(b) => format!("byte 0x{b:02X}"),
                    None => "end of input".to_owned(),
                }
            }
        };
        let mut chars = rest.chars();
        let first = match chars.next() {
            Some(c) => c,
            None => return "end of input".to_owned(),
        };
        if first.is_control() || first.is_whitespace() || is_invisible(first) {
            return format!("U+{:04X}", u32::from(first));
        }
        if first.is_alphanumeric() || first == '_' {
            const MAX_WORD_BYTES: usize = 24;
            let mut end = first.len_utf8();
            let mut truncated = false;
            for (n, c) in rest.char_indices().skip(1) {
                if !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+') {
                    break;
                }
                if n >= MAX_WORD_BYTES {
                    truncated = true;
                    break;
                }
                end = n + c.len_utf8();
            }
            let word = rest.get(..end).unwrap_or("");
            return if truncated {
                format!("`{word}...`")
            } else {
                format!("`{word}`")
            };
        }
        format!("`{first}`")
    }

    /// A slice of the input between two offsets that are known to lie on char boundaries.
    fn slice(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        self.src
            .get(start..end)
            .ok_or_else(|| Self::error("invalid utf-8 boundary", start))
    }

    /// Parses one value (with everything nested in it) starting at `self.pos`, which must not
    /// be whitespace. Containers are handled with an explicit stack rather than recursion, so
    /// stack usage does not depend on the nesting depth of the input.
    fn parse_value(&mut self) -> Result<JsonValue, JsonError> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            let start = self.pos;
            let mut value = match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(Self::error(
                            format!("nesting too deep (more than {MAX_DEPTH} levels)"),
                            start,
                        ));
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            JsonValue {
                                kind: JsonKind::Array(Vec::new()),
                                span: start..self.pos,
                            }
                        } else {
                            stack.push(Frame::Array {
                                start,
                                items: Vec::new(),
                            });
                            continue 'value;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        JsonValue {
                            kind: JsonKind::Object(Vec::new()),
                            span: start..self.pos,
                        }
                    } else {
                        if self.peek() != Some(b'"') {
                            return Err(self.expected("string key or `}`", self.pos));
                        }
                        let (key, key_span) = self.parse_key()?;
                        stack.push(Frame::Object {
                            start,
                            members: Vec::new(),
                            key,
                            key_span,
                        });
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    let string = self.parse_string()?;
                    JsonValue {
                        kind: JsonKind::String(string),
                        span: start..self.pos,
                    }
                }
                Some(b't') => self.parse_literal("true", JsonKind::Bool(true))?,
                Some(b'f') => self.parse_literal("false", JsonKind::Bool(false))?,
                Some(b'n') => self.parse_literal("null", JsonKind::Null)?,
                Some(b'-' | b'0'..=b'9') => self.parse_number()?,
                _ => return Err(self.expected("value", start)),
            };

            // `value` is complete: hand it to the innermost open container, closing
            // containers for as long as their closing bracket follows.
            loop {
                let mut frame = match stack.pop() {
                    Some(frame) => frame,
                    None => return Ok(value),
                };
                let closed = match &mut frame {
                    Frame::Array { items, .. } => {
                        items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                if self.peek() == Some(b']') {
                                    return Err(self.expected("value after `,`", self.pos));
                                }
                                false
                            }
                            Some(b']') => true,
                            _ => {
                                return Err(
                                    self.expected("`,` or `]` after array element", self.pos)
                                )
                            }
                        }
                    }
                    Frame::Object {
                        members,
                        key,
                        key_span,
                        ..
                    } => {
                        members.push(JsonMember {
                            key: std::mem::take(key),
                            key_span: key_span.clone(),
                            value,
                        });
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                if self.peek() != Some(b'"') {
                                    return Err(self.expected("string key after `,`", self.pos));
                                }
                                (*key, *key_span) = self.parse_key()?;
                                false
                            }
                            Some(b'}') => true,
                            _ => {
                                return Err(
                                    self.expected("`,` or `}` after object member", self.pos)
                                )
                            }
                        }
                    }
                };
                if !closed {
                    stack.push(frame);
                    continue 'value;
                }
                self.pos += 1; // the closing bracket
                value = match frame {
                    Frame::Array { start, items } => JsonValue {
                        kind: JsonKind::Array(items),
                        span: start..self.pos,
                    },
                    Frame::Object { start, members, .. } => JsonValue {
                        kind: JsonKind::Object(members),
                        span: start..self.pos,
                    },
                };
            }
        }
    }

    /// Parses an object key (at the `"` at `self.pos`), the `:` after it and the whitespace
    /// around it, leaving `self.pos` at the start of the member value.
    fn parse_key(&mut self) -> Result<(String, Range<usize>), JsonError> {
        let key_start = self.pos;
        let key = self.parse_string()?.value;
        let key_span = key_start..self.pos;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.expected("`:` after object key", self.pos));
        }
        self.pos += 1;
        self.skip_ws();
        Ok((key, key_span))
    }

    fn parse_literal(&mut self, word: &str, kind: JsonKind) -> Result<JsonValue, JsonError> {
        let start = self.pos;
        let end = start + word.len();
        if self.bytes.get(start..end) == Some(word.as_bytes()) {
            self.pos = end;
            return Ok(JsonValue {
                kind,
                span: start..end,
            });
        }
        let rest = self.bytes.get(start..).unwrap_or(&[]);
        if word.as_bytes().starts_with(rest) {
            // A literal cut short by the end of the input, e.g. `tru`.
            return Err(self.expected(&format!("`{word}`"), self.bytes.len()));
        }
        Err(self.expected(&format!("`{word}`"), start))
    }

    fn parse_number(&mut self) -> Result<JsonValue, JsonError> {
        let start = self.pos;
        let bytes = self.bytes;
        let mut pos = start;
        if bytes.get(pos) == Some(&b'-') {
            pos += 1;
        }
        match bytes.get(pos) {
            Some(b'0') => {
                pos += 1;
                if let Some(b'0'..=b'9') = bytes.get(pos) {
                    return Err(Self::error(
                        "invalid number, leading zeros are not allowed",
                        pos - 1,
                    ));
                }
            }
            Some(b'1'..=b'9') => pos = skip_digits(bytes, pos + 1),
            _ => return Err(self.expected("digit after `-`", pos)),
        }
        if bytes.get(pos) == Some(&b'.') {
            pos += 1;
            if !matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                return Err(self.expected("digit after decimal point", pos));
            }
            pos = skip_digits(bytes, pos);
        }
        if let Some(b'e' | b'E') = bytes.get(pos) {
            pos += 1;
            if let Some(b'+' | b'-') = bytes.get(pos) {
                pos += 1;
            }
            if !matches!(bytes.get(pos), Some(b'0'..=b'9')) {
                return Err(self.expected("digit in exponent", pos));
            }
            pos = skip_digits(bytes, pos);
        }
        let raw = self.slice(start, pos)?;
        let value: f64 = raw
            .parse()
            .map_err(|_| Self::error("invalid number", start))?;
        self.pos = pos;
        Ok(JsonValue {
            kind: JsonKind::Number(JsonNumber {
                raw: raw.to_owned(),
                value,
            }),
            span: start..pos,
        })
    }

    /// Parses the string starting at the `"` at `self.pos` and leaves `self.pos` just after its
    /// closing quote.
    fn parse_string(&mut self) -> Result<JsonString, JsonError> {
        let bytes = self.bytes;
        let quote = self.pos;
        let content_start = quote + 1;

        // Fast path: no escapes, the value is a straight copy of the input.
        let mut pos = scan_plain(bytes, content_start);
        match bytes.get(pos) {
            Some(b'"') => {
                let value = self.slice(content_start, pos)?.to_owned();
                self.pos = pos + 1;
                return Ok(JsonString {
                    value,
                    verbatim: true,
                });
            }
            Some(b'\\') => {}
            Some(&b) => return Err(control_char_error(b, pos)),
            None => return Err(Self::error("unterminated string", quote)),
        }

        // Slow path: decode escapes, copying the runs between them as slices.
        let mut out = String::with_capacity(pos - content_start + 16);
        out.push_str(self.slice(content_start, pos)?);
        loop {
            // Here `bytes[pos]` is a backslash.
            let escape = match bytes.get(pos + 1) {
                Some(&b) => b,
                None => return Err(Self::error("unterminated string", quote)),
            };
            match escape {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{C}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let unit = self.hex4(pos + 2)?;
                    pos += 6;
                    out.push(self.decode_utf16(unit, &mut pos));
                    pos = self.continue_string(&mut out, pos, quote)?;
                    if bytes.get(pos) == Some(&b'"') {
                        break;
                    }
                    continue;
                }
                _ => {
                    return Err(Self::error(
                        format!(
                            "invalid escape in string, expected one of `\"\\/bfnrtu` after `\\`, \
                             found {}",
                            self.describe(pos + 1)
                        ),
                        pos,
                    ))
                }
            }
            pos = self.continue_string(&mut out, pos + 2, quote)?;
            if bytes.get(pos) == Some(&b'"') {
                break;
            }
        }
        self.pos = pos + 1;
        Ok(JsonString {
            value: out,
            verbatim: false,
        })
    }

    /// Copies the unescaped run starting at `from` into `out` and returns the offset of the
    /// closing quote or of the next backslash.
    fn continue_string(
        &self,
        out: &mut String,
        from: usize,
        quote: usize,
    ) -> Result<usize, JsonError> {
        let end = scan_plain(self.bytes, from);
        match self.bytes.get(end) {
            Some(b'"' | b'\\') => {
                out.push_str(self.slice(from, end)?);
                Ok(end)
            }
            Some(&b) => Err(control_char_error(b, end)),
            None => Err(Self::error("unterminated string", quote)),
        }
    }

    /// Turns the UTF-16 code unit of a `\uXXXX` escape into a char. For a high surrogate that
    /// is immediately followed by a `\uXXXX` low surrogate, the pair is combined and `pos`
    /// (just after the first escape) is advanced past the second one. Lone surrogates become
    /// U+FFFD.
    fn decode_utf16(&self, unit: u32, pos: &mut usize) -> char {
        match unit {
            0xD800..=0xDBFF => {
                let at = *pos;
                if self.bytes.get(at..at + 2) == Some(b"\\u") {
                    if let Ok(low @ 0xDC00..=0xDFFF) = self.hex4(at + 2) {
                        *pos = at + 6;
                        let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                        return char::from_u32(code).unwrap_or('\u{FFFD}');
                    }
                }
                '\u{FFFD}'
            }
            0xDC00..=0xDFFF => '\u{FFFD}',
            _ => char::from_u32(unit).unwrap_or('\u{FFFD}'),
        }
    }

    /// Reads the four hex digits of a `\u` escape starting at `at`.
    fn hex4(&self, at: usize) -> Result<u32, JsonError> {
        let mut unit = 0u32;
        for i in at..at + 4 {
            let digit = match self.bytes.get(i) {
                Some(&b) => (b as char).to_digit(16),
                None => None,
            };
            match digit {
                Some(d) => unit = unit * 16 + d,
                None => return Err(self.expected("4 hex digits after `\\u`", i)),
            }
        }
        Ok(unit)
    }
}

fn skip_digits(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(b'0'..=b'9') = bytes.get(pos) {
        pos += 1;
    }
    pos
}

/// Offset of the first byte at or after `from` that ends a run of plain string content: a
/// quote, a backslash or a control character; `bytes.len()` if there is none.
fn scan_plain(bytes: &[u8], from: usize) -> usize {
    let rest = bytes.get(from..).unwrap_or(&[]);
    match rest
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    {
        Some(n) => from + n,
        None => bytes.len(),
    }
}

/// Invisible formatting characters that would be confusing to print as they are.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

fn control_char_error(byte: u8, offset: usize) -> JsonError {
    JsonError {
        message: format!("control character U+{byte:04X} in string must be escaped"),
        offset,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> JsonValue {
        match parse(input) {
            Ok(v) => v,
            Err(e) => panic!("unexpected error for {input:?}: {e:?}"),
        }
    }

    fn err(input: &str) -> JsonError {
        match parse(input) {
            Ok(v) => panic!("expected an error for {input:?}, got {v:?}"),
            Err(e) => e,
        }
    }

    /// Asserts the error offset and that the message contains `needle`.
    fn assert_err(input: &str, offset: usize, needle: &str) {
        let e = err(input);
        assert_eq!(e.offset, offset, "offset for {input:?}: {e:?}");
        assert!(
            e.message.contains(needle),
            "message for {input:?} should contain {needle:?}: {e:?}"
        );
        // Lower-case apart from quoted input (between backticks) and `U+XXXX` code points.
        let unquoted: String = e.message.split('`').step_by(2).collect();
        for word in unquoted.split_whitespace() {
            if !word.starts_with("U+") {
                assert_eq!(
                    word,
                    word.to_lowercase(),
                    "message should be lower-case: {e:?}"
                );
            }
        }
    }

    fn number(v: &JsonValue) -> &JsonNumber {
        match &v.kind {
            JsonKind::Number(n) => n,
            other => panic!("not a number: {other:?}"),
        }
    }

    fn string(v: &JsonValue) -> &JsonString {
        match &v.kind {
            JsonKind::String(s) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    // ---- scalar kinds and spans -------------------------------------------------------

    #[test]
    fn literals_with_spans() {
        assert_eq!(
            ok("null"),
            JsonValue {
                kind: JsonKind::Null,
                span: 0..4
            }
        );
        assert_eq!(
            ok("  true "),
            JsonValue {
                kind: JsonKind::Bool(true),
                span: 2..6
            }
        );
        assert_eq!(
            ok("\tfalse\n"),
            JsonValue {
                kind: JsonKind::Bool(false),
                span: 1..6
            }
        );
    }

    #[test]
    fn numbers_raw_value_and_span() {
        let cases: &[(&str, f64)] = &[
            ("0", 0.0),
            ("-0", -0.0),
            ("7", 7.0),
            ("-12", -12.0),
            ("3.25", 3.25),
            ("0.5", 0.5),
            ("1e3", 1000.0),
            ("1E+2", 100.0),
            ("2.5e-3", 0.0025),
            ("-0.0E0", -0.0),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ];
        for &(text, value) in cases {
            let input = format!(" {text} ");
            let v = ok(&input);
            assert_eq!(v.span, 1..1 + text.len(), "{text}");
            let n = number(&v);
            assert_eq!(n.raw, text);
            assert_eq!(n.value, value, "{text}");
            assert_eq!(
                n.value.is_sign_negative(),
                value.is_sign_negative(),
                "{text}"
            );
        }
    }

    #[test]
    fn huge_number_is_infinite_but_raw_is_kept() {
        let v = ok("1e400");
        let n = number(&v);
        assert_eq!(n.raw, "1e400");
        assert!(n.value.is_infinite());
        let v = ok("-1e400");
        assert_eq!(number(&v).value, f64::NEG_INFINITY);
        assert_eq!(number(&ok("1e-400")).value, 0.0);
    }

    #[test]
    fn simple_string_is_verbatim() {
        let v = ok(r#" "abc" "#);
        assert_eq!(v.span, 1..6);
        assert_eq!(
            v.kind,
            JsonKind::String(JsonString {
                value: "abc".into(),
                verbatim: true
            })
        );
        let v = ok(r#""""#);
        assert_eq!(v.span, 0..2);
        assert_eq!(string(&v).value, "");
        assert!(string(&v).verbatim);
    }

    // ---- containers ---------------------------------------------------------------------

    #[test]
    fn empty_containers() {
        let v = ok("[]");
        assert_eq!(v.span, 0..2);
        assert_eq!(v.as_array(), Some(&[][..]));
        let v = ok("{ }");
        assert_eq!(v.span, 0..3);
        assert_eq!(v.as_object(), Some(&[][..]));
        let v = ok("[ \r\n ]");
        assert_eq!(v.span, 0..6);
        assert_eq!(v.as_array().map(<[_]>::len), Some(0));
    }

    #[test]
    fn array_element_spans() {
        //          0123456789012345678901
        let input = r#"[1, "two" ,null,[true]]"#;
        let v = ok(input);
        assert_eq!(v.span, 0..23);
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].span, 1..2);
        assert_eq!(number(&items[0]).raw, "1");
        assert_eq!(items[1].span, 4..9);
        assert_eq!(items[1].as_str(), Some("two"));
        assert_eq!(items[2].span, 11..15);
        assert_eq!(items[2].kind, JsonKind::Null);
        assert_eq!(items[3].span, 16..22);
        let inner = items[3].as_array().unwrap();
        assert_eq!(inner[0].span, 17..21);
        assert_eq!(inner[0].as_bool(), Some(true));
        for item in items {
            assert!(input.get(item.span.clone()).is_some());
        }
    }

    #[test]
    fn nested_object_spans_and_key_spans() {
        let input = "{\n  \"resource\": {\n    \"aws_kms_key\": {\"k\": {\"enable_key_rotation\": false}}\n  },\n  \"list\": [ {}, {\"a\": 1} ]\n}";
        let v = ok(input);
        assert_eq!(v.span, 0..input.len());
        let text = |span: &Range<usize>| &input[span.clone()];

        let members = v.as_object().unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].key, "resource");
        assert_eq!(text(&members[0].key_span), "\"resource\"");
        assert_eq!(members[0].key_span, 4..14);
        assert_eq!(members[0].value.span.start, 16);
        assert_eq!(
            text(&members[0].value.span),
            "{\n    \"aws_kms_key\": {\"k\": {\"enable_key_rotation\": false}}\n  }"
        );

        let kms = members[0].value.get("aws_kms_key").unwrap();
        assert_eq!(text(&kms.span), "{\"k\": {\"enable_key_rotation\": false}}");
        let k = kms.get("k").unwrap();
        let rot_member = &k.as_object().unwrap()[0];
        assert_eq!(text(&rot_member.key_span), "\"enable_key_rotation\"");
        assert_eq!(text(&rot_member.value.span), "false");
        let rot_start = input.find("false").unwrap();
        assert_eq!(rot_member.value.span, rot_start..rot_start + 5);
        assert_eq!(rot_member.value.as_bool(), Some(false));

        assert_eq!(members[1].key, "list");
        assert_eq!(text(&members[1].key_span), "\"list\"");
        let list = members[1].value.as_array().unwrap();
        assert_eq!(text(&members[1].value.span), "[ {}, {\"a\": 1} ]");
        assert_eq!(text(&list[0].span), "{}");
        assert_eq!(text(&list[1].span), "{\"a\": 1}");
        let a = &list[1].as_object().unwrap()[0];
        let a_key = input.find("\"a\"").unwrap();
        assert_eq!(a.key_span, a_key..a_key + 3);
        assert_eq!(a.value.span, a_key + 5..a_key + 6);
    }

    #[test]
    fn exact_object_structure() {
        let v = ok(r#"{"a":[1],"b":{}}"#);
        assert_eq!(
            v,
            JsonValue {
                span: 0..16,
                kind: JsonKind::Object(vec![
                    JsonMember {
                        key: "a".into(),
                        key_span: 1..4,
                        value: JsonValue {
                            span: 5..8,
                            kind: JsonKind::Array(vec![JsonValue {
                                span: 6..7,
                                kind: JsonKind::Number(JsonNumber {
                                    raw: "1".into(),
                                    value: 1.0
                                }),
                            }]),
                        },
                    },
                    JsonMember {
                        key: "b".into(),
                        key_span: 9..12,
                        value: JsonValue {
                            span: 13..15,
                            kind: JsonKind::Object(vec![]),
                        },
                    },
                ]),
            }
        );
    }

    #[test]
    fn duplicate_keys_are_kept_and_get_returns_last() {
        let v = ok(r#"{"a": 1, "b": 2, "a": 3}"#);
        let members = v.as_object().unwrap();
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].key, "a");
        assert_eq!(members[2].key, "a");
        assert_eq!(members[0].key_span, 1..4);
        assert_eq!(members[2].key_span, 17..20);
        let a = v.get("a").unwrap();
        assert_eq!(number(a).raw, "3");
        assert_eq!(a.span, 22..23);
        assert_eq!(number(v.get("b").unwrap()).raw, "2");
        assert!(v.get("c").is_none());
    }

    #[test]
    fn accessors_on_wrong_kinds() {
        let n = ok("1");
        assert!(n.get("a").is_none());
        assert!(n.as_str().is_none());
        assert!(n.as_bool().is_none());
        assert!(n.as_array().is_none());
        assert!(n.as_object().is_none());
        let s = ok(r#""true""#);
        assert_eq!(s.as_str(), Some("true"));
        assert!(s.as_bool().is_none());
        assert!(ok("[]").get("a").is_none());
        assert!(ok("null").as_str().is_none());
        assert!(ok("{}").as_array().is_none());
        assert!(ok("[]").as_object().is_none());
    }

    #[test]
    fn escaped_keys_are_decoded_and_key_span_covers_source() {
        let input = r#"{"a\u0062\n": true}"#;
        let v = ok(input);
        let m = &v.as_object().unwrap()[0];
        assert_eq!(m.key, "ab\n");
        assert_eq!(m.key_span, 1..12);
        assert_eq!(&input[m.key_span.clone()], r#""a\u0062\n""#);
        assert_eq!(v.get("ab\n").and_then(JsonValue::as_bool), Some(true));
    }

    // ---- whitespace, BOM ------------------------------------------------------------------

    #[test]
    fn bom_is_skipped_and_offsets_stay_raw() {
        let input = "\u{FEFF}{\"a\": 1}";
        let v = ok(input);
        assert_eq!(v.span, 3..11);
        let m = &v.as_object().unwrap()[0];
        assert_eq!(m.key_span, 4..7);
        assert_eq!(m.value.span, 9..10);

        let v = ok("\u{FEFF}  null\r\n");
        assert_eq!(v.span, 5..9);
    }

    #[test]
    fn bom_errors() {
        assert_err("\u{FEFF}", 3, "unexpected end of input");
        assert_err("\u{FEFF}  ", 5, "unexpected end of input");
        // Only one BOM, and only at the very start.
        assert_err("\u{FEFF}\u{FEFF}1", 3, "expected value, found U+FEFF");
        assert_err(" \u{FEFF}1", 1, "expected value, found U+FEFF");
        assert_err(
            "1\u{FEFF}",
            1,
            "expected end of input after value, found U+FEFF",
        );
    }

    #[test]
    fn crlf_and_tabs_are_whitespace() {
        let input = "{\r\n\t\"a\" :\r\n [\r\n  1 ,\r\n  2\r\n ]\r\n}\r\n";
        let v = ok(input);
        assert_eq!(v.span, 0..input.len() - 2);
        let m = &v.as_object().unwrap()[0];
        assert_eq!(m.key_span, 4..7);
        let arr = m.value.as_array().unwrap();
        assert_eq!(m.value.span.start, 12);
        assert_eq!(arr[0].span, 17..18);
        assert_eq!(arr[1].span, 24..25);
    }

    #[test]
    fn other_whitespace_is_rejected() {
        assert_err("\u{0C}1", 0, "expected value, found U+000C");
        assert_err("[1,\u{A0}2]", 3, "expected value, found U+00A0");
        assert_err("\u{0B}null", 0, "U+000B");
    }

    // ---- strings and escapes ----------------------------------------------------------------

    #[test]
    fn all_simple_escapes() {
        let v = ok(r#""\"\\\/\b\f\n\r\t""#);
        assert_eq!(v.span, 0..18);
        let s = string(&v);
        assert_eq!(s.value, "\"\\/\u{8}\u{C}\n\r\t");
        assert!(!s.verbatim);
    }

    #[test]
    fn escapes_mixed_with_plain_runs() {
        let v = ok(r#"  "ab\ncd\t\u0041z" "#);
        assert_eq!(v.span, 2..19);
        assert_eq!(string(&v).value, "ab\ncd\tAz");
        assert!(!string(&v).verbatim);
        // Escape first and last.
        assert_eq!(ok(r#""\nx\n""#).as_str(), Some("\nx\n"));
        assert_eq!(ok(r#""\\""#).as_str(), Some("\\"));
        assert_eq!(ok(r#""\u0000""#).as_str(), Some("\u{0}"));
    }

    #[test]
    fn unicode_escapes() {
        assert_eq!(ok(r#""\u00e9\u00E9""#).as_str(), Some("éé"));
        assert_eq!(ok(r#""\u20AC""#).as_str(), Some("€"));
        assert_eq!(ok(r#""\uFFFF""#).as_str(), Some("\u{FFFF}"));
        // Surrogate pair -> one supplementary character.
        let v = ok(r#""\uD83D\uDE00""#);
        assert_eq!(v.span, 0..14);
        assert_eq!(string(&v).value, "😀");
        assert!(!string(&v).verbatim);
        assert_eq!(ok(r#""a\ud834\udd1eb""#).as_str(), Some("a𝄞b"));
        assert_eq!(ok(r#""\uDBFF\uDFFF""#).as_str(), Some("\u{10FFFF}"));
    }

    #[test]
    fn lone_surrogates_become_replacement_char() {
        assert_eq!(ok(r#""\uD800""#).as_str(), Some("\u{FFFD}"));
        assert_eq!(ok(r#""\uDC00""#).as_str(), Some("\u{FFFD}"));
        assert_eq!(ok(r#""x\uD800y""#).as_str(), Some("x\u{FFFD}y"));
        // High surrogate followed by an escape that is not a low surrogate: the second
        // escape is decoded on its own.
        assert_eq!(ok(r#""\uD800\u0041""#).as_str(), Some("\u{FFFD}A"));
        assert_eq!(ok(r#""\uD800\n""#).as_str(), Some("\u{FFFD}\n"));
        assert_eq!(ok(r#""\uD800\uD800\uDC00""#).as_str(), Some("\u{FFFD}𐀀"));
        // Low then high: two replacement characters.
        assert_eq!(ok(r#""\uDC00\uD800""#).as_str(), Some("\u{FFFD}\u{FFFD}"));
        // The escape after a high surrogate is still validated.
        assert_err(r#""\uD800\uZZZZ""#, 9, "expected 4 hex digits after `\\u`");
    }

    #[test]
    fn verbatim_maps_offsets_including_non_ascii() {
        //                 0 1 2 3 4 5 6
        let input = "  \"é😀x\"";
        let v = ok(input);
        assert_eq!(v.span, 2..input.len());
        assert_eq!(v.span, 2..11);
        let s = string(&v);
        assert!(s.verbatim);
        assert_eq!(s.value, "é😀x");
        let x = s.value.find('x').unwrap();
        assert_eq!(&input[v.span.start + 1 + x..v.span.start + 2 + x], "x");
        let smile = s.value.find('😀').unwrap();
        assert_eq!(v.span.start + 1 + smile, input.find('😀').unwrap());
    }

    #[test]
    fn non_ascii_byte_spans() {
        let input = "{\"clé\": [\"😀\", \"naïve\"], \"ü\": 1}";
        let v = ok(input);
        assert_eq!(v.span, 0..input.len());
        let members = v.as_object().unwrap();
        assert_eq!(members[0].key, "clé");
        assert_eq!(members[0].key_span, 1..7); // "clé" is 6 bytes with quotes
        let arr = &members[0].value;
        assert_eq!(arr.span.start, 9);
        let items = arr.as_array().unwrap();
        assert_eq!(items[0].span, 10..16); // 4-byte emoji + quotes
        assert_eq!(items[0].as_str(), Some("😀"));
        assert_eq!(items[1].span, 18..26); // "naïve" is 6 bytes + quotes
        assert_eq!(items[1].as_str(), Some("naïve"));
        assert_eq!(arr.span, 9..27);
        assert_eq!(members[1].key_span, 29..33);
        assert_eq!(members[1].value.span, 35..36);
        assert_eq!(&input[members[1].key_span.clone()], "\"ü\"");
    }

    // ---- errors -----------------------------------------------------------------------

    #[test]
    fn truncated_input() {
        assert_err("", 0, "unexpected end of input, expected value");
        assert_err("   ", 3, "unexpected end of input, expected value");
        assert_err("[", 1, "unexpected end of input, expected value");
        assert_err("[1", 2, "unexpected end of input, expected `,` or `]`");
        assert_err("[1,", 3, "unexpected end of input, expected value");
        assert_err(
            "{",
            1,
            "unexpected end of input, expected string key or `}`",
        );
        assert_err(r#"{"a""#, 4, "unexpected end of input, expected `:`");
        assert_err(r#"{"a":"#, 5, "unexpected end of input, expected value");
        assert_err(
            r#"{"a":1"#,
            6,
            "unexpected end of input, expected `,` or `}`",
        );
        assert_err(
            r#"{"a":1,"#,
            7,
            "unexpected end of input, expected string key",
        );
        assert_err("tru", 3, "unexpected end of input, expected `true`");
        assert_err("fals", 4, "unexpected end of input, expected `false`");
        assert_err("n", 1, "unexpected end of input, expected `null`");
        assert_err("-", 1, "unexpected end of input, expected digit after `-`");
        assert_err(
            "1.",
            2,
            "unexpected end of input, expected digit after decimal point",
        );
        assert_err(
            "1e",
            2,
            "unexpected end of input, expected digit in exponent",
        );
        assert_err(
            "1e-",
            3,
            "unexpected end of input, expected digit in exponent",
        );
    }

    #[test]
    fn unterminated_strings_point_at_opening_quote() {
        assert_eq!(
            err(r#""abc"#),
            JsonError {
                message: "unterminated string".into(),
                offset: 0
            }
        );
        assert_err(r#"[1, "abc"#, 4, "unterminated string");
        assert_err(r#"{"ab"#, 1, "unterminated string");
        assert_err(r#""a\n"#, 0, "unterminated string");
        assert_err(r#""a\"#, 0, "unterminated string");
        assert_err(r#""a\""#, 0, "unterminated string");
        assert_err("\"\u{e9}", 0, "unterminated string");
        // Truncated inside a \u escape.
        assert_err(
            r#""\u12"#,
            5,
            "unexpected end of input, expected 4 hex digits",
        );
        assert_err(r#""\uD83D\"#, 0, "unterminated string");
        assert_err(r#""\uD83D"#, 0, "unterminated string");
    }

    #[test]
    fn trailing_commas() {
        assert_eq!(
            err("[1,]"),
            JsonError {
                message: "expected value after `,`, found `]`".into(),
                offset: 3
            }
        );
        assert_err("[1, \n ]", 6, "expected value after `,`, found `]`");
        assert_eq!(
            err(r#"{"a": 1,}"#),
            JsonError {
                message: "expected string key after `,`, found `}`".into(),
                offset: 8
            }
        );
        assert_err("[,]", 1, "expected value, found `,`");
        assert_err("[,1]", 1, "expected value, found `,`");
        assert_err("{,}", 1, "expected string key or `}`, found `,`");
        assert_err("[1,,2]", 3, "expected value, found `,`");
    }

    #[test]
    fn missing_colon_and_separators() {
        assert_eq!(
            err(r#"{"a" 1}"#),
            JsonError {
                message: "expected `:` after object key, found `1`".into(),
                offset: 5
            }
        );
        assert_eq!(
            err(r#"{"a"}"#),
            JsonError {
                message: "expected `:` after object key, found `}`".into(),
                offset: 4
            }
        );
        assert_err(r#"{"a":}"#, 5, "expected value, found `}`");
        assert_err(
            r#"{"a" = 1}"#,
            5,
            "expected `:` after object key, found `=`",
        );
        assert_err(
            "[1 2]",
            3,
            "expected `,` or `]` after array element, found `2`",
        );
        assert_err(
            r#"{"a":1 "b":2}"#,
            7,
            "expected `,` or `}` after object member, found `\"`",
        );
        assert_err(
            "[1}",
            2,
            "expected `,` or `]` after array element, found `}`",
        );
        assert_err(
            r#"{"a":1]"#,
            6,
            "expected `,` or `}` after object member, found `]`",
        );
        assert_err("{a:1}", 1, "expected string key or `}`, found `a`");
        assert_err("{'a':1}", 1, "expected string key or `}`, found `'`");
        assert_err(r#"{1:1}"#, 1, "expected string key or `}`, found `1`");
        assert_err("]", 0, "expected value, found `]`");
    }

    #[test]
    fn bad_numbers() {
        assert_eq!(
            err("01"),
            JsonError {
                message: "invalid number, leading zeros are not allowed".into(),
                offset: 0
            }
        );
        assert_err("-01", 1, "leading zeros");
        assert_err("[00]", 1, "leading zeros");
        assert_err(".5", 0, "expected value, found `.`");
        assert_err("+1", 0, "expected value, found `+`");
        assert_err("-", 1, "expected digit after `-`");
        assert_err("-a", 1, "expected digit after `-`, found `a`");
        assert_err("--1", 1, "expected digit after `-`, found `-`");
        assert_err("- 1", 1, "expected digit after `-`, found U+0020");
        assert_err("1.e5", 2, "expected digit after decimal point, found `e5`");
        assert_err("1.]", 2, "expected digit after decimal point, found `]`");
        assert_err("[1.,2]", 3, "expected digit after decimal point, found `,`");
        assert_err("1e+", 3, "expected digit in exponent");
        assert_err("1ex", 2, "expected digit in exponent, found `x`");
        assert_err("1E.5", 2, "expected digit in exponent, found `.`");
        assert_err("NaN", 0, "expected value, found `NaN`");
        assert_err("Infinity", 0, "expected value, found `Infinity`");
        assert_err("-Infinity", 1, "expected digit after `-`, found `Infinity`");
        assert_err("0x10", 1, "expected end of input after value, found `x10`");
        assert_err("1.5.2", 3, "expected end of input after value, found `.`");
        assert_err("1 2", 2, "expected end of input after value, found `2`");
        assert_err(
            "[1e5e5]",
            4,
            "expected `,` or `]` after array element, found `e5`",
        );
    }

    #[test]
    fn bad_literals() {
        assert_err("nul", 3, "unexpected end of input, expected `null`");
        assert_err("nulx", 0, "expected `null`, found `nulx`");
        assert_err("True", 0, "expected value, found `True`");
        assert_err("trUe", 0, "expected `true`, found `trUe`");
        assert_err("nulll", 4, "expected end of input after value, found `l`");
        assert_err(
            "[truex]",
            5,
            "expected `,` or `]` after array element, found `x`",
        );
        assert_err("undefined", 0, "expected value, found `undefined`");
        assert_err("f", 1, "unexpected end of input, expected `false`");
    }

    #[test]
    fn control_characters_in_strings() {
        assert_eq!(
            err("\"a\nb\""),
            JsonError {
                message: "control character U+000A in string must be escaped".into(),
                offset: 2
            }
        );
        assert_err("\"a\tb\"", 2, "control character U+0009");
        assert_err("\"\u{0}\"", 1, "control character U+0000");
        assert_err("\"\u{1F}\"", 1, "control character U+001F");
        // Also after an escape (slow path).
        assert_err("\"\\n\u{1}\"", 3, "control character U+0001");
        assert_err("{\"k\r\": 1}", 3, "control character U+000D");
        // DEL and C1 controls are allowed by RFC 8259.
        assert_eq!(ok("\"\u{7F}\u{85}\"").as_str(), Some("\u{7F}\u{85}"));
    }

    #[test]
    fn bad_escapes() {
        assert_eq!(
            err(r#""ab\x""#),
            JsonError {
                message:
                    "invalid escape in string, expected one of `\"\\/bfnrtu` after `\\`, found `x`"
                        .into(),
                offset: 3
            }
        );
        assert_err(r#""\a""#, 1, "invalid escape");
        assert_err(r#""\'""#, 1, "found `'`");
        assert_err(r#""\U0041""#, 1, "found `U0041`");
        assert_err("\"\\\u{e9}\"", 1, "found `é`");
        assert_err("\"\\\n\"", 1, "found U+000A");
        assert_err(
            r#""\u12G4""#,
            5,
            "expected 4 hex digits after `\\u`, found `G4`",
        );
        assert_err(
            r#""\u""#,
            3,
            "expected 4 hex digits after `\\u`, found `\"`",
        );
        assert_err(r#""\u-123""#, 3, "expected 4 hex digits");
        assert_err(r#""x\n\q""#, 4, "invalid escape");
    }

    #[test]
    fn trailing_garbage() {
        assert_eq!(
            err("{} x"),
            JsonError {
                message: "expected end of input after value, found `x`".into(),
                offset: 3
            }
        );
        assert_err("[]]", 2, "found `]`");
        assert_err("\"a\"\"b\"", 3, "found `\"`");
        assert_err("null\n,", 5, "found `,`");
        assert_err("1 é", 2, "found `é`");
        assert_err("1 😀", 2, "found `😀`");
        assert_err("1\u{0}", 1, "found U+0000");
        assert_err("{}//comment", 2, "found `/`");
    }

    #[test]
    fn non_ascii_error_offsets_are_byte_offsets() {
        assert_err("[\"é\", é]", 7, "expected value, found `é`");
        assert_err("{\"😀\" 1}", 8, "expected `:` after object key, found `1`");
        assert_err("\"😀\n\"", 5, "control character U+000A");
    }

    #[test]
    fn long_word_in_message_is_truncated() {
        let input = format!("[{}]", "x".repeat(1000));
        let e = err(&input);
        assert_eq!(e.offset, 1);
        assert!(e.message.len() < 80, "{e:?}");
        assert!(e.message.ends_with("...`"), "{e:?}");
    }

    // ---- nesting depth ------------------------------------------------------------------

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let input = "[".repeat(10_000);
        assert_eq!(
            err(&input),
            JsonError {
                message: "nesting too deep (more than 512 levels)".into(),
                offset: 512
            }
        );
        let input = "{\"a\":".repeat(10_000);
        let e = err(&input);
        assert!(e.message.starts_with("nesting too deep"), "{e:?}");
        assert_eq!(e.offset, 512 * 5);
        let input = "[{\"a\":".repeat(5_000);
        let e = err(&input);
        assert!(e.message.starts_with("nesting too deep"), "{e:?}");
        assert_eq!(e.offset, 256 * 6);
    }

    #[test]
    fn nesting_limit_is_exactly_512() {
        let ok_input = format!("{}{}", "[".repeat(512), "]".repeat(512));
        let v = ok(&ok_input);
        assert_eq!(v.span, 0..1024);
        let mut depth = 1;
        let mut cur = &v;
        while let Some([inner]) = cur.as_array() {
            depth += 1;
            cur = inner;
        }
        assert_eq!(depth, 512);
        assert_eq!(cur.span, 511..513);

        let too_deep = format!("{}{}", "[".repeat(513), "]".repeat(513));
        assert_err(&too_deep, 512, "nesting too deep");

        // Depth is released on the way out: many siblings at depth 512 are fine.
        let sibling = format!("{}{}", "[".repeat(511), "]".repeat(511));
        let wide = format!("[{sibling},{sibling},{sibling}]");
        assert_eq!(ok(&wide).as_array().map(<[_]>::len), Some(3));
    }

    #[test]
    fn deep_nesting_uses_little_stack() {
        // Containers are parsed without recursion; only dropping the tree recurses.
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(|| {
                let deepest = format!("{}1{}", "[{\"a\":".repeat(256), "}]".repeat(256));
                let v = parse(&deepest).map(|v| v.span);
                let too_deep = parse(&"[".repeat(100_000)).map(|v| v.span);
                (v, too_deep)
            })
            .unwrap();
        let (v, too_deep) = handle.join().unwrap();
        assert_eq!(v, Ok(0..256 * 8 + 1));
        assert_eq!(too_deep.unwrap_err().offset, 512);
    }

    // ---- robustness ---------------------------------------------------------------------

    const SAMPLE: &str = "\u{FEFF}{\"resource\": {\"aws_kms_key\": {\"k\": {\"description\": \"clé 😀 \\u00e9\\uD83D\\uDE00\\n\", \"enable_key_rotation\": true, \"deletion_window_in_days\": 7, \"policy\": null, \"tags\": [1, -2.5e+3, 0, \"x\", [], {}, false]}}}}\r\n";

    #[test]
    fn sample_parses() {
        let v = ok(SAMPLE);
        let k = v
            .get("resource")
            .and_then(|r| r.get("aws_kms_key"))
            .and_then(|r| r.get("k"))
            .unwrap();
        assert_eq!(
            k.get("description").and_then(JsonValue::as_str),
            Some("clé 😀 é😀\n")
        );
        assert_eq!(
            k.get("enable_key_rotation").and_then(JsonValue::as_bool),
            Some(true)
        );
        assert_eq!(number(k.get("deletion_window_in_days").unwrap()).value, 7.0);
        assert_eq!(
            k.get("tags").and_then(JsonValue::as_array).map(<[_]>::len),
            Some(7)
        );
        assert_eq!(v.span, 3..SAMPLE.len() - 2);
    }

    #[test]
    fn every_prefix_fails_without_panicking() {
        let body = SAMPLE.trim_end();
        for (i, _) in body.char_indices().skip(1) {
            let prefix = &body[..i];
            let e = err(prefix);
            assert!(e.offset <= prefix.len(), "{prefix:?}: {e:?}");
        }
    }

    /// Every span in the tree must be a valid slice of the input, and strings/numbers must
    /// re-read to themselves.
    fn check_spans(input: &str, v: &JsonValue) {
        let text = input.get(v.span.clone()).expect("span on char boundaries");
        match &v.kind {
            JsonKind::Null => assert_eq!(text, "null"),
            JsonKind::Bool(b) => assert_eq!(text, if *b { "true" } else { "false" }),
            JsonKind::Number(n) => assert_eq!(text, n.raw),
            JsonKind::String(s) => {
                assert!(text.starts_with('"') && text.ends_with('"') && text.len() >= 2);
                if s.verbatim {
                    assert_eq!(&text[1..text.len() - 1], s.value);
                }
                assert_eq!(ok(text).as_str(), Some(s.value.as_str()));
            }
            JsonKind::Array(items) => {
                assert!(text.starts_with('[') && text.ends_with(']'));
                for item in items {
                    assert!(item.span.start > v.span.start && item.span.end < v.span.end);
                    check_spans(input, item);
                }
            }
            JsonKind::Object(members) => {
                assert!(text.starts_with('{') && text.ends_with('}'));
                for m in members {
                    let key_text = input.get(m.key_span.clone()).expect("key span");
                    assert_eq!(ok(key_text).as_str(), Some(m.key.as_str()));
                    assert!(m.key_span.end <= m.value.span.start);
                    check_spans(input, &m.value);
                }
            }
        }
    }

    #[test]
    fn spans_are_consistent_on_sample() {
        check_spans(SAMPLE, &ok(SAMPLE));
    }

    #[test]
    fn random_mutations_never_panic() {
        // Tiny deterministic PRNG (xorshift), no dependencies.
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: Vec<char> =
            "{}[]:,\"\\/ \t\r\n0123456789-+.eEtrufalsnbxuDdAa\u{0}\u{1F}é😀\u{FEFF}"
                .chars()
                .collect();
        let base: Vec<char> = SAMPLE.chars().collect();
        let mut parsed_ok = 0;
        for round in 0..20_000 {
            let mut chars = if round % 4 == 0 {
                Vec::new()
            } else {
                base.clone()
            };
            let edits = 1 + (next() % 4) as usize;
            for _ in 0..edits {
                let c = alphabet[(next() % alphabet.len() as u64) as usize];
                let at = if chars.is_empty() {
                    0
                } else {
                    (next() % chars.len() as u64) as usize
                };
                match next() % 3 {
                    0 => chars.insert(at, c),
                    1 if !chars.is_empty() => chars[at] = c,
                    _ if !chars.is_empty() => {
                        chars.remove(at);
                    }
                    _ => chars.push(c),
                }
            }
            if round % 4 == 0 {
                // Short random documents.
                for _ in 0..(next() % 12) {
                    chars.push(alphabet[(next() % alphabet.len() as u64) as usize]);
                }
            }
            let input: String = chars.into_iter().collect();
            match parse(&input) {
                Ok(v) => {
                    parsed_ok += 1;
                    check_spans(&input, &v);
                }
                Err(e) => {
                    assert!(e.offset <= input.len(), "{input:?}: {e:?}");
                    assert!(input.is_char_boundary(e.offset), "{input:?}: {e:?}");
                    assert!(!e.message.is_empty());
                }
            }
        }
        assert!(parsed_ok > 0);
    }

    #[test]
    fn large_document() {
        let mut input = String::from("[");
        for i in 0..20_000 {
            if i > 0 {
                input.push(',');
            }
            input.push_str(&format!(
                "{{\"id\": {i}, \"name\": \"key-{i}\", \"esc\": \"a\\tb\", \"on\": true}}"
            ));
        }
        input.push(']');
        let v = ok(&input);
        let items = v.as_array().unwrap();
        assert_eq!(items.len(), 20_000);
        assert_eq!(
            items[19_999].get("name").and_then(JsonValue::as_str),
            Some("key-19999")
        );
        assert_eq!(
            items[5].get("esc").and_then(JsonValue::as_str),
            Some("a\tb")
        );
        check_spans(&input, &items[123]);
    }
}
