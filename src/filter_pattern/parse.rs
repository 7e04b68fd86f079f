//! The filter-pattern parser: a hand-written recursive-descent reader over the pattern's bytes.
//! Recursion happens only at `(`, bounded by [`MAX_NESTING`]; everything else loops.

use std::ops::Range;

use super::regex;
use super::{
    CmpOp, Condition, Expr, Field, FieldCondition, Operand, PatternError, PatternKind, Segment,
    Selector, Term, TermKind, Test, MAX_NESTING, MAX_REGEXES,
};

pub(super) fn parse(src: &str) -> Result<PatternKind, PatternError> {
    let start = src.len() - src.trim_start().len();
    let end = src.trim_end().len();
    if start >= end {
        return Ok(PatternKind::All);
    }
    let mut p = Parser {
        src,
        pos: start,
        end,
        regexes: 0,
    };
    match p.peek() {
        Some('{') => p.json(),
        Some('[') => p.delimited(),
        Some('%') => p.standalone_regex(),
        _ => p.terms(),
    }
}

/// Where a bare value is being read: it stops at different characters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Json,
    Delimited,
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
    /// End of the pattern without trailing blanks.
    end: usize,
    regexes: usize,
}

fn err(message: impl Into<String>, span: Range<usize>) -> PatternError {
    PatternError {
        message: message.into(),
        span,
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters that end a bare value (besides blanks).
fn ends_bare(c: char, ctx: Ctx) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '(' | ')'
                | '{'
                | '}'
                | '['
                | ']'
                | '"'
                | '\''
                | '&'
                | '|'
                | '='
                | '!'
                | '<'
                | '>'
                | '%'
        )
        || (ctx == Ctx::Delimited && c == ',')
}

/// The documented number syntax: an integer or decimal with an optional sign, optionally in
/// scientific notation. (Rust's `f64::from_str` also takes `inf` and `NaN`, so check first.)
pub(super) fn is_number(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

/// The value of a string for which [`is_number`] holds.
pub(super) fn number_value(text: &str) -> Option<f64> {
    if is_number(text) {
        text.parse::<f64>().ok()
    } else {
        None
    }
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.rest().chars().nth(1)
    }

    fn skip_blanks(&mut self) {
        while let Some(c) = self.peek() {
            if !c.is_whitespace() {
                break;
            }
            self.pos += c.len_utf8();
        }
    }

    fn eat(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    fn eof_span(&self) -> Range<usize> {
        self.src.len()..self.src.len()
    }

    /// The token at the current position, for "found …" in messages: its span and a description.
    fn found(&self) -> (Range<usize>, String) {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return (self.eof_span(), "end of pattern".to_string());
        };
        for op in ["&&", "||", "!=", "<=", ">=", "==", "..."] {
            if rest.starts_with(op) {
                return (self.pos..self.pos + op.len(), format!("`{op}`"));
            }
        }
        let punct = |c: char| {
            matches!(
                c,
                '(' | ')'
                    | '{'
                    | '}'
                    | '['
                    | ']'
                    | '"'
                    | '\''
                    | '&'
                    | '|'
                    | '='
                    | '!'
                    | '<'
                    | '>'
                    | '%'
                    | ','
            )
        };
        if punct(c) {
            return (self.pos..self.pos + c.len_utf8(), format!("`{c}`"));
        }
        if c.is_whitespace() {
            return (self.pos..self.pos + c.len_utf8(), "a blank".to_string());
        }
        let len: usize = rest
            .chars()
            .take_while(|&c| !c.is_whitespace() && !punct(c))
            .map(char::len_utf8)
            .sum();
        let word = &rest[..len];
        let shown: String = word.chars().take(40).collect();
        let ellipsis = if shown.len() < word.len() { "…" } else { "" };
        (self.pos..self.pos + len, format!("`{shown}{ellipsis}`"))
    }

    fn expected(&self, what: &str) -> PatternError {
        let (span, found) = self.found();
        err(format!("expected {what}, found {found}"), span)
    }

    /// Fails unless only blanks remain.
    fn finish(&mut self, what: &str) -> Result<(), PatternError> {
        self.skip_blanks();
        if self.pos < self.end {
            return Err(err(
                format!("unexpected text after {what}"),
                self.pos..self.end,
            ));
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // JSON patterns
    // -----------------------------------------------------------------------------------------

    fn json(&mut self) -> Result<PatternKind, PatternError> {
        let open = self.pos;
        self.pos += 1;
        let expr = self.or_expr(0, "after `{`")?;
        self.skip_blanks();
        match self.peek() {
            Some('}') => self.pos += 1,
            None => {
                return Err(err(
                    format!("expected `}}` to close the JSON pattern opened at byte {open}"),
                    self.eof_span(),
                ))
            }
            Some(')') => {
                return Err(err(
                    "unexpected `)`: there is no `(` to close",
                    self.pos..self.pos + 1,
                ))
            }
            _ => return Err(self.expected("`&&`, `||` or `}`")),
        }
        self.finish("the `}` that closes the JSON pattern")?;
        Ok(PatternKind::Json(expr))
    }

    fn or_expr(&mut self, depth: usize, ctx: &str) -> Result<Expr, PatternError> {
        let mut items = vec![self.and_expr(depth, ctx)?];
        loop {
            self.skip_blanks();
            if !self.eat("||") {
                break;
            }
            items.push(self.and_expr(depth, "after `||`")?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and_expr(&mut self, depth: usize, ctx: &str) -> Result<Expr, PatternError> {
        let mut items = vec![self.primary(depth, ctx)?];
        loop {
            self.skip_blanks();
            if !self.eat("&&") {
                break;
            }
            items.push(self.primary(depth, "after `&&`")?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn primary(&mut self, depth: usize, ctx: &str) -> Result<Expr, PatternError> {
        self.skip_blanks();
        match self.peek() {
            Some('(') => {
                let open = self.pos;
                if depth >= MAX_NESTING {
                    return Err(err(
                        format!("parentheses are nested more than {MAX_NESTING} deep"),
                        open..open + 1,
                    ));
                }
                self.pos += 1;
                let expr = self.or_expr(depth + 1, "after `(`")?;
                self.skip_blanks();
                match self.peek() {
                    Some(')') => {
                        self.pos += 1;
                        Ok(expr)
                    }
                    None => Err(err(
                        format!("expected `)` to close the `(` at byte {open}"),
                        self.eof_span(),
                    )),
                    Some('}') => Err(err(
                        format!("expected `)` to close the `(` at byte {open}, found `}}`"),
                        self.pos..self.pos + 1,
                    )),
                    _ => Err(self.expected("`&&`, `||` or `)`")),
                }
            }
            Some('$') => Ok(Expr::Cond(self.condition()?)),
            _ => Err(self.expected(&format!("a condition (`$.field …`) or `(` {ctx}"))),
        }
    }

    fn condition(&mut self) -> Result<Condition, PatternError> {
        let selector = self.selector()?;
        self.skip_blanks();
        let op_start = self.pos;
        if let Some(op) = self.cmp_op()? {
            let value = self.value(op, op_start, Ctx::Json)?;
            return Ok(Condition {
                selector,
                test: Test::Compare { op, value },
            });
        }
        let word_start = self.pos;
        let word = self.word();
        let test = match word {
            "IS" => {
                self.skip_blanks();
                let second_start = self.pos;
                match self.word() {
                    "TRUE" => Test::IsTrue,
                    "FALSE" => Test::IsFalse,
                    "NULL" => Test::IsNull,
                    "NOT" => {
                        return Err(err(
                            "`IS NOT` is not supported by CloudWatch Logs; use `NOT EXISTS`, or `IS TRUE`/`IS FALSE`",
                            word_start..self.pos,
                        ))
                    }
                    _ => {
                        self.pos = second_start;
                        return Err(self.expected("`TRUE`, `FALSE` or `NULL` after `IS`"));
                    }
                }
            }
            "NOT" => {
                self.skip_blanks();
                let second_start = self.pos;
                if self.word() != "EXISTS" {
                    self.pos = second_start;
                    return Err(self.expected("`EXISTS` after `NOT`"));
                }
                Test::NotExists
            }
            "EXISTS" => Test::Exists,
            _ => {
                self.pos = word_start;
                let keyword = ["is", "not", "exists"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k));
                let hint = if keyword {
                    " (keywords are upper case)"
                } else {
                    ""
                };
                let (span, found) = self.found();
                return Err(err(
                    format!(
                        "expected an operator (`=`, `!=`, `<`, `<=`, `>`, `>=`, `IS TRUE`, `IS FALSE`, `IS NULL`, `EXISTS` or `NOT EXISTS`) after the selector, found {found}{hint}"
                    ),
                    span,
                ));
            }
        };
        Ok(Condition { selector, test })
    }

    /// A run of ASCII letters, digits and `_` (possibly empty).
    fn word(&mut self) -> &'a str {
        let rest = self.rest();
        let len = rest
            .bytes()
            .take_while(|b| is_word_char(*b as char))
            .count();
        self.pos += len;
        &rest[..len]
    }

    /// `=`, `!=`, `<`, `<=`, `>`, `>=`, or `None` (nothing consumed).
    fn cmp_op(&mut self) -> Result<Option<CmpOp>, PatternError> {
        let start = self.pos;
        let op = if self.eat("!=") {
            CmpOp::Ne
        } else if self.eat("<=") {
            CmpOp::Le
        } else if self.eat(">=") {
            CmpOp::Ge
        } else if self.eat("=") {
            if self.peek() == Some('=') {
                return Err(err("`==` is not an operator; use `=`", start..start + 2));
            }
            CmpOp::Eq
        } else if self.eat("<") {
            CmpOp::Lt
        } else if self.eat(">") {
            CmpOp::Gt
        } else {
            return Ok(None);
        };
        Ok(Some(op))
    }

    fn selector(&mut self) -> Result<Selector, PatternError> {
        self.pos += 1; // `$`
        if !self.eat(".") {
            return Err(self.expected("`.` after `$` (selectors start with `$.`)"));
        }
        let mut segments = Vec::new();
        loop {
            match self.peek() {
                Some('*') => {
                    self.pos += 1;
                    segments.push(Segment::AnyMember);
                }
                Some(c) if is_name_char(c) => {
                    let rest = self.rest();
                    let len = rest.bytes().take_while(|b| is_name_char(*b as char)).count();
                    segments.push(Segment::Member(rest[..len].to_string()));
                    self.pos += len;
                }
                Some('[') if matches!(self.peek_second(), Some('\'' | '"')) => {
                    return Err(err(
                        "bracket-quoted keys (`['…']`) are not part of the selector syntax; property names may contain letters, digits, `-` and `_`",
                        self.pos..self.pos + 2,
                    ))
                }
                _ => return Err(self.expected("a property name after `.`")),
            }
            while self.peek() == Some('[') {
                let open = self.pos;
                self.pos += 1;
                match self.peek() {
                    Some('*') => {
                        self.pos += 1;
                        segments.push(Segment::AnyIndex);
                    }
                    Some(c) if c.is_ascii_digit() => {
                        let rest = self.rest();
                        let len = rest.bytes().take_while(u8::is_ascii_digit).count();
                        let index = rest[..len].parse::<usize>().unwrap_or(usize::MAX);
                        segments.push(Segment::Index(index));
                        self.pos += len;
                    }
                    Some('\'' | '"') => {
                        return Err(err(
                            "bracket-quoted keys (`['…']`) are not part of the selector syntax; property names may contain letters, digits, `-` and `_`",
                            open..self.pos + 1,
                        ))
                    }
                    _ => return Err(self.expected("an array index (digits or `*`) after `[`")),
                }
                if !self.eat("]") {
                    let (span, found) = self.found();
                    return Err(err(
                        format!("expected `]` to close the `[` at byte {open}, found {found}"),
                        span,
                    ));
                }
            }
            if !self.eat(".") {
                break;
            }
        }
        Ok(Selector { segments })
    }

    /// The value after a comparison operator.
    fn value(&mut self, op: CmpOp, op_start: usize, ctx: Ctx) -> Result<Operand, PatternError> {
        self.skip_blanks();
        let start = self.pos;
        let op_text = op.as_str();
        match self.peek() {
            None => Err(err(
                format!("expected a value after `{op_text}`, found end of pattern"),
                self.eof_span(),
            )),
            Some('"') => {
                let (text, span) = self.quoted()?;
                if op.is_ordering() {
                    return Err(err(
                        format!("expected a number after `{op_text}`, found a quoted string"),
                        span,
                    ));
                }
                Ok(Operand::Str { text, quoted: true })
            }
            Some('%') => {
                if op.is_ordering() {
                    return Err(err(
                        format!(
                            "expected a number after `{op_text}`; a regular expression needs `=` or `!=`"
                        ),
                        start..start + 1,
                    ));
                }
                Ok(Operand::Regex(self.regex_value()?))
            }
            Some('\'') => Err(err(
                "single quotes do not delimit strings in filter patterns; use double quotes",
                start..start + 1,
            )),
            Some(c) if ends_bare(c, ctx) => {
                let (span, found) = self.found();
                let hint = if c == '=' && op == CmpOp::Eq && start == op_start + 1 {
                    " (`==` is not an operator; use `=`)"
                } else {
                    ""
                };
                Err(err(
                    format!("expected a value after `{op_text}`, found {found}{hint}"),
                    span,
                ))
            }
            Some(_) => {
                let rest = self.rest();
                let len: usize = rest
                    .chars()
                    .take_while(|&c| !ends_bare(c, ctx))
                    .map(char::len_utf8)
                    .sum();
                let text = &rest[..len];
                self.pos += len;
                if let Some(value) = number_value(text) {
                    return Ok(Operand::Number {
                        text: text.to_string(),
                        value,
                    });
                }
                if op.is_ordering() {
                    return Err(err(
                        format!("expected a number after `{op_text}`, found `{text}`"),
                        start..start + len,
                    ));
                }
                Ok(Operand::Str {
                    text: text.to_string(),
                    quoted: false,
                })
            }
        }
    }

    /// A double-quoted string at the current position: its unescaped text and its span.
    fn quoted(&mut self) -> Result<(String, Range<usize>), PatternError> {
        let start = self.pos;
        let mut text = String::new();
        let mut chars = self.rest().char_indices().skip(1);
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos = start + i + 1;
                    return Ok((text, start..self.pos));
                }
                '\\' => match chars.next() {
                    Some((_, e @ ('"' | '\\'))) => text.push(e),
                    Some((_, e)) => {
                        text.push('\\');
                        text.push(e);
                    }
                    None => break,
                },
                _ => text.push(c),
            }
        }
        Err(err(
            "unterminated string: expected a closing `\"`",
            start..self.src.len(),
        ))
    }

    /// `%regex%` as a comparison value.
    fn regex_value(&mut self) -> Result<regex::Regex, PatternError> {
        let start = self.pos;
        let r = self.regex_literal()?;
        self.regexes += 1;
        if self.regexes > MAX_REGEXES {
            return Err(err(
                format!(
                    "a JSON or space-delimited pattern may contain at most {MAX_REGEXES} regular expressions (CloudWatch Logs quota)"
                ),
                start..self.pos,
            ));
        }
        Ok(r)
    }

    fn regex_literal(&mut self) -> Result<regex::Regex, PatternError> {
        let start = self.pos;
        let body = &self.rest()[1..];
        let Some(len) = body.find('%') else {
            return Err(err(
                "unterminated regular expression: expected a closing `%`",
                start..self.src.len(),
            ));
        };
        if len == 0 {
            return Err(err("empty regular expression `%%`", start..start + 2));
        }
        let r = regex::Regex::parse(&body[..len], start + 1)?;
        self.pos = start + len + 2;
        Ok(r)
    }

    // -----------------------------------------------------------------------------------------
    // Standalone regex and term patterns
    // -----------------------------------------------------------------------------------------

    fn standalone_regex(&mut self) -> Result<PatternKind, PatternError> {
        let r = self.regex_literal()?;
        self.finish("the regular expression (a `%…%` pattern stands alone)")?;
        Ok(PatternKind::Regex(r))
    }

    fn terms(&mut self) -> Result<PatternKind, PatternError> {
        let mut terms = Vec::new();
        loop {
            self.skip_blanks();
            if self.pos >= self.end {
                break;
            }
            let prefix_start = self.pos;
            let kind = match self.peek() {
                Some('?') => {
                    self.pos += 1;
                    TermKind::Optional
                }
                Some('-') => {
                    self.pos += 1;
                    self.skip_blanks();
                    TermKind::Exclude
                }
                _ => TermKind::Include,
            };
            let prefix =
                &self.src[prefix_start..prefix_start + usize::from(kind != TermKind::Include)];
            let term_start = self.pos;
            match self.peek() {
                Some('"') => {
                    let (text, _) = self.quoted()?;
                    if let Some(c) = self.peek() {
                        if !c.is_whitespace() {
                            return Err(self.expected("a blank after the closing `\"`"));
                        }
                    }
                    terms.push(Term {
                        kind,
                        text,
                        quoted: true,
                    });
                }
                Some(c) if !c.is_whitespace() => {
                    let rest = self.rest();
                    let len: usize = rest
                        .chars()
                        .take_while(|c| !c.is_whitespace())
                        .map(char::len_utf8)
                        .sum();
                    let word = &rest[..len];
                    let span = term_start..term_start + len;
                    if let Some(bad) = word.chars().find(|&c| !is_word_char(c)) {
                        let hint = if word.starts_with('$') || word.starts_with('{') {
                            " (a JSON pattern is enclosed in `{ }`)"
                        } else if kind != TermKind::Include && (bad == '?' || bad == '-') {
                            " (a term has at most one `?` or `-`)"
                        } else {
                            ""
                        };
                        return Err(err(
                            format!(
                                "an unquoted term may contain only letters, digits and `_`, not `{bad}`; put it in double quotes{hint}"
                            ),
                            span,
                        ));
                    }
                    self.pos += len;
                    terms.push(Term {
                        kind,
                        text: word.to_string(),
                        quoted: false,
                    });
                }
                _ => {
                    let span = if self.peek().is_none() {
                        self.eof_span()
                    } else {
                        prefix_start..term_start
                    };
                    return Err(err(format!("expected a term after `{prefix}`"), span));
                }
            }
        }
        Ok(PatternKind::Terms(terms))
    }

    // -----------------------------------------------------------------------------------------
    // Space-delimited patterns
    // -----------------------------------------------------------------------------------------

    fn delimited(&mut self) -> Result<PatternKind, PatternError> {
        let open = self.pos;
        self.pos += 1;
        let mut fields = Vec::new();
        let mut ellipsis = false;
        let unclosed = |p: &Parser| {
            err(
                format!("expected `]` to close the space-delimited pattern opened at byte {open}"),
                p.eof_span(),
            )
        };
        loop {
            self.skip_blanks();
            match self.peek() {
                None => return Err(unclosed(self)),
                Some(']') if !fields.is_empty() => {
                    // A trailing comma, as in one of AWS's examples.
                    self.pos += 1;
                    break;
                }
                _ => {}
            }
            let field_start = self.pos;
            if self.eat("...") {
                if ellipsis {
                    return Err(err(
                        "only one `...` is allowed in a space-delimited pattern",
                        field_start..self.pos,
                    ));
                }
                ellipsis = true;
                fields.push(Field::Ellipsis);
            } else if self.peek().is_some_and(is_name_char) {
                let name = self.column_name();
                self.skip_blanks();
                let condition = match self.peek() {
                    None | Some(',' | ']') => None,
                    _ => Some(self.column_or(&name)?),
                };
                fields.push(Field::Named { name, condition });
            } else {
                return Err(self.expected("a field name or `...`"));
            }
            self.skip_blanks();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(']') => {
                    self.pos += 1;
                    break;
                }
                None => return Err(unclosed(self)),
                _ => return Err(self.expected("`,`, `]`, `&&` or `||` after a field")),
            }
        }
        self.finish("the `]` that closes the space-delimited pattern")?;
        Ok(PatternKind::Delimited(fields))
    }

    fn column_name(&mut self) -> String {
        let rest = self.rest();
        let len = rest
            .bytes()
            .take_while(|b| is_name_char(*b as char))
            .count();
        self.pos += len;
        rest[..len].to_string()
    }

    fn column_or(&mut self, name: &str) -> Result<FieldCondition, PatternError> {
        let mut items = vec![self.column_and(name, true)?];
        loop {
            self.skip_blanks();
            if !self.eat("||") {
                break;
            }
            items.push(self.column_and(name, false)?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            FieldCondition::Or(items)
        })
    }

    fn column_and(&mut self, name: &str, named: bool) -> Result<FieldCondition, PatternError> {
        let mut items = vec![self.column_compare(name, named)?];
        loop {
            self.skip_blanks();
            if !self.eat("&&") {
                break;
            }
            items.push(self.column_compare(name, false)?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            FieldCondition::And(items)
        })
    }

    /// `name op value`; the name has already been read when `named`.
    fn column_compare(&mut self, name: &str, named: bool) -> Result<FieldCondition, PatternError> {
        if !named {
            self.skip_blanks();
            let start = self.pos;
            if !self.peek().is_some_and(is_name_char) {
                return Err(self.expected(&format!("`{name}` and a comparison")));
            }
            let other = self.column_name();
            if other != name {
                return Err(err(
                    format!("a condition in field `{name}` may only test `{name}`, not `{other}`"),
                    start..self.pos,
                ));
            }
            self.skip_blanks();
        }
        let op_start = self.pos;
        let Some(op) = self.cmp_op()? else {
            return Err(self.expected(&format!(
                "`,`, `]` or an operator (`=`, `!=`, `<`, `<=`, `>`, `>=`) after `{name}`"
            )));
        };
        let value = self.value(op, op_start, Ctx::Delimited)?;
        Ok(FieldCondition::Compare { op, value })
    }
}
