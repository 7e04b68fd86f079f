//! CloudWatch Logs filter patterns: a parser and an evaluator.
//!
//! CIS AWS Foundations asks for a metric filter that counts the CloudTrail events that disable or
//! schedule the deletion of a KMS key. Whether a filter does that is a question about what its
//! pattern *means*, not about how it is spelt: `{($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)}`
//! and `{ $.eventName = "ScheduleKeyDeletion" || $.eventName = DisableKey }` are the same filter,
//! while `{ $.eventName = DisableKey && $.eventName = ScheduleKeyDeletion }` looks almost the same and
//! never matches anything. So a rule parses the pattern with [`parse`] and asks
//! [`Pattern::matches_json`] about real CloudTrail records ([`events`]).
//!
//! ```
//! use kmslint::filter_pattern::{events, parse, Match};
//!
//! let cis = parse(
//!     "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
//! )
//! .unwrap();
//! assert_eq!(cis.matches_json(&events::disable_key()), Match::Yes);
//! assert_eq!(cis.matches_json(&events::schedule_key_deletion()), Match::Yes);
//!
//! let err = parse("{ $.eventName = DisableKey && }").unwrap_err();
//! assert_eq!(err.span, 30..31); // the `}` where a condition was expected
//! ```
//!
//! The parser never panics, uses recursion only for parentheses (at most [`MAX_NESTING`] deep; deeper
//! input is an error, not a stack overflow) and is linear in the length of the pattern. No regular
//! expression is used to read a pattern. Evaluating a JSON pattern walks one selector per condition;
//! a term costs one search of the event's text; a `%regex%` value costs O(text × regex) (a
//! Thompson-style simulation, never backtracking).
//!
//! # Grammar
//!
//! Whitespace (`char::is_whitespace`: spaces, tabs, newlines from Terraform heredocs) may appear
//! between any two tokens and around the pattern. The first non-blank character selects the form.
//!
//! ```text
//! pattern     = blank                                  (* matches every event *)
//!             | "{" or-expr "}"                        (* JSON pattern *)
//!             | "[" fields "]"                         (* space-delimited pattern *)
//!             | regex                                  (* standalone regular expression *)
//!             | term { term } ;                        (* term pattern *)
//!
//! (* JSON patterns *)
//! or-expr     = and-expr { "||" and-expr } ;           (* && binds tighter than || *)
//! and-expr    = primary { "&&" primary } ;
//! primary     = "(" or-expr ")" | condition ;          (* at most MAX_NESTING nested "(" *)
//! condition   = selector ( cmp-op value | "IS" ( "TRUE" | "FALSE" | "NULL" ) | "NOT" "EXISTS" | "EXISTS" ) ;
//! selector    = "$." step { "." step | index } ;       (* no blanks inside a selector *)
//! step        = name | "*" ;
//! index       = "[" ( digit { digit } | "*" ) "]" ;
//! name        = ( letter | digit | "-" | "_" ) { letter | digit | "-" | "_" } ;  (* ASCII *)
//! cmp-op      = "=" | "!=" | "<" | "<=" | ">" | ">=" ;
//! value       = quoted | regex | bare ;                 (* after < <= > >=: a bare number only *)
//! quoted      = '"' { any-char - '"' - "\" | "\" any-char } '"' ;   (* \" and \\ are escapes *)
//! regex       = "%" regex-char { regex-char } "%" ;     (* see "Regular expressions" *)
//! bare        = bare-char { bare-char } ;
//! bare-char   = any-char - blank - ( "(" | ")" | "{" | "}" | "[" | "]" | '"' | "'"
//!                                  | "&" | "|" | "=" | "!" | "<" | ">" | "%" ) ;
//! number      = [ "+" | "-" ] ( digits [ "." [ digits ] ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ] ;
//!
//! (* space-delimited patterns *)
//! fields      = field { "," field } [ "," ] ;              (* at most one "..." *)
//! field       = "..." | name [ cmp-op value { ( "&&" | "||" ) name cmp-op value } ] ;
//!                         (* && binds tighter; every name in a field is that field's own;
//!                            a bare value here also stops at "," *)
//!
//! (* term patterns: terms are separated by blanks; a quoted phrase is followed by a blank or the end *)
//! term        = [ "?" | "-" { blank } ] ( quoted | word ) ;
//! word        = ( letter | digit | "_" ) { letter | digit | "_" } ;  (* ASCII *)
//! ```
//!
//! A bare value that is a `number` is a number literal; any other bare value is a string. A JSON or
//! space-delimited pattern may contain at most [`MAX_REGEXES`] regular expressions (the CloudWatch
//! Logs quota). Keywords (`IS`, `TRUE`, `FALSE`, `NULL`, `NOT`, `EXISTS`) are upper case.
//!
//! # Semantics
//!
//! Sources (cited below by tag):
//!
//! * **\[FPS\]** CloudWatch Logs User Guide, "Filter pattern syntax for metric filters, subscription
//!   filters, filter log events, and Live Tail",
//!   <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html>. The
//!   regex section and quotas are read from the current page; the JSON, term and space-delimited
//!   sections from the page's published source in `awsdocs/amazon-cloudwatch-logs-user-guide`
//!   (`doc_source/FilterAndPatternSyntax.md`, revisions 1487b94 of 2018-08-30 and 5bd7d24 of
//!   2022-03-25, the last before the repository was archived; its JSON section is "Using metric
//!   filters to match terms and extract values from JSON log events"). Of the current split-out page
//!   **\[JSON\]**, "Using filter patterns to match terms in JSON log events"
//!   (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html>),
//!   our copy has only the opening, which shows the same examples (`{ $.eventType = "UpdateTrail" }`,
//!   `{ $.sourceIPAddress != 123.123.* }`); a rule that disagrees with the current page is a bug here.
//! * **\[CDK\]** `aws/aws-cdk`, `packages/aws-cdk-lib/aws-logs/lib/pattern.ts`: AWS's own generator of
//!   patterns (`FilterPattern.exists` = `$.f = "*"`, `isNull` = `IS NULL`, `notExists` =
//!   `NOT EXISTS`, `booleanValue` = `IS TRUE`/`IS FALSE`, `regexValue` = `%…%`, `anyTermGroup` =
//!   `?"a" "b" ?"c" "d"`; quoted strings escape `\` and `"` with a backslash).
//! * **\[AZUL\]** DataBiosphere/azul#5884: tested in the console, `{($.errorCode = "AccessDenied") &&
//!   ($.userIdentity.invokedBy != "cloudfront.amazonaws.com")}` does **not** match an event without
//!   `invokedBy`. **\[MYMOVE\]** transcom/mymove#2320: "If you only give `!=` and do not include
//!   `NOT EXISTS` then the filter does not return lines where the given property was not defined";
//!   "The `*` in the middle of a value is treated as a literal".
//! * **\[KMS\]** AWS KMS Developer Guide, CloudTrail examples for DisableKey and ScheduleKeyDeletion
//!   (see `src/filter_pattern/events/README.md`).
//! * Reports of patterns AWS rejected or accepted: single-quoted strings are "user error"
//!   (hashicorp/terraform-provider-aws#2945); `{ status = "401" }`, without `$.`, fails with
//!   `InvalidParameterException` (aws-cdk#15047); a space-delimited field condition naming another
//!   field, `status_code = 4* && bytes > 1000`, gives "Invalid filter pattern" (awsdocs
//!   amazon-cloudwatch-logs-user-guide#21); a *quoted* `"%bar%"` is a string, not a regex
//!   (aws-cdk#30451); `%Task timed out after|^REPORT\s.+\sStatus: timeout%` is accepted (aws-cdk#36901).
//!
//! Decisions, JSON patterns (evaluated by [`Pattern::matches_json`]):
//!
//! | case | result | source / note |
//! |---|---|---|
//! | `&&` / `||` / parentheses | Kleene three-valued logic over [`Match`]; `&&` binds tighter | \[FPS\] "() > && > \|\|" |
//! | strings | case-sensitive, exact | \[FPS\] |
//! | `*` at the start and/or end of a value (quoted or bare) | suffix / prefix / substring match; `*` alone matches any string or number | \[FPS\], \[CDK\] quotes wildcards; CIS uses `"*UnauthorizedOperation"` |
//! | `*` anywhere else | a literal `*` | \[FPS\] "`Ev*ent` will only match the actual string", \[MYMOVE\] |
//! | selector resolves to an array or object | `=`, `!=`, `<`… and regex never match | \[FPS\] "both `{$.users = 1}` and `{$.users != 1}` will fail to match" |
//! | selector does not resolve (missing member, index out of range, member of a scalar, through `null`) | every comparison, `!=` included, is `No`; `NOT EXISTS` is `Yes` | \[FPS\] "If arrayKey is not an array this will be false", \[AZUL\], \[MYMOVE\] |
//! | `IS NULL` | `Yes` only for a JSON `null` | \[FPS\] "only be true if the specified object is set to null" |
//! | `IS TRUE` / `IS FALSE` | `Yes` only for a JSON `true` / `false` (not the strings `"true"`/`"false"`) | \[FPS\] |
//! | `EXISTS` | the negation of `NOT EXISTS` | **uncertain**: the 2022 page says "`IS NOT` and `EXISTS` currently aren't supported", and \[CDK\] spells "exists" as `= "*"`. We accept it rather than call a possibly valid pattern broken. `IS NOT` is a parse error. |
//! | `=`/`!=` on a string field | text comparison with the value's text (a bare number is compared as text, so `$.recipientAccountId = 111122223333` matches the string `"111122223333"`) | \[FPS\] lists "the recipientAccountId is 123456789012" among what JSON filters express; CloudTrail writes account ids as strings |
//! | `=`/`!=` on a number field | numeric when the value's text is a number (quoted or bare: `= 20`, `= 2e1`, `= "20"`); otherwise the value is matched, with wildcards, against the number's decimal text (`= 2*`) | \[FPS\] "Use the asterisk as a wild card to match numbers" |
//! | `=`/`!=` on `true`/`false`/`null` | `Unknown` | **uncertain**: the docs say a selector must point at a string or number and give `IS` for the others |
//! | `<` `<=` `>` `>=` on a number field | numeric (`f64`) | \[FPS\] |
//! | … on a string field | `Unknown` if the string is a number (AWS may or may not convert it), `No` otherwise | **uncertain** |
//! | … on `true`/`false`/`null` | `No` | |
//! | `$.a.*`, `$.a[*]` | parsed; any condition using them is `Unknown` | **not documented** in the pages we read; the semantics (any element? all?) cannot be decided |
//! | a member name applied to an array (`$.resources.ARN`) | `Unknown` | **not documented**: an implementation may or may not look inside the elements |
//! | `$.['key']`, `$["key"]` | parse error | not in the documented selector syntax ("alphanumeric strings that also support `-` and `_`") |
//! | `%regex%` values | evaluated when the regex uses only the subset below, else `Unknown` | \[FPS\] |
//!
//! `!=` on a missing field is the decision that matters most for lint rules: a pattern such as
//! `{ $.eventName != Decrypt }` does not match events that have no `eventName`, so `!=` never turns a
//! filter into "everything else".
//!
//! Term patterns: a term (word or quoted phrase) matches when the log text contains it, case-sensitively
//! (`ERROR` matches `ERRORCODE`, \[FPS\]). Plain terms must all match, `-term`s must not. With `?term`s,
//! each `?` term starts an alternative that takes the plain and `-` terms after it, and the pattern
//! matches when one alternative does, as \[CDK\]'s `anyTermGroup` generates it. Terms *before* the first
//! `?` term are not described anywhere: we evaluate both readings (an alternative of their own, or
//! required by every alternative) and answer `Unknown` when they disagree. A blank quoted phrase (`" "`,
//! `""`) matches every event (\[FPS\] "You can match everything … with `" "`"). Unquoted terms may contain
//! only letters, digits and `_` (\[FPS\] "terms that include characters other than alphanumeric or
//! underscore must be placed inside double quotes"); anything else is a parse error. A standalone
//! `%regex%` pattern matches when the regex matches anywhere in the text.
//!
//! A term or standalone regex on a *JSON event* ([`Pattern::matches_json`]) is judged against the
//! event's JSON text, which we do not have byte for byte (member order and blanks are CloudTrail's).
//! We look for the term inside each member name and each scalar, JSON-encoded with standard escapes
//! (we assume CloudTrail's are the same): found → `Yes`; not found → `No` when the term has no
//! `{ } [ ] , : " \` and no leading or trailing blank (so it could not match across two members),
//! `Unknown` otherwise. Regexes likewise: found in one member → `Yes` (a regex that matches the empty
//! string matches every event); not found → `No` only when no step of the regex can consume one of
//! those characters or a blank and it has no `^`/`$`, else `Unknown`.
//!
//! [`Pattern::matches_text`] with a JSON pattern parses the line with `serde_json` (nesting up to 128
//! levels); a line that is not one JSON value does not match.
//!
//! Space-delimited patterns are parsed completely (\[FPS\]: `...` stands for any number of fields;
//! without it the number of fields must be equal; `"…"` and `[…]` in the log line are one field; a
//! field's conditions may name only that field, awsdocs issue #21). [`Pattern::matches_text`] evaluates
//! them. On a JSON event they are `Unknown`: how a CloudTrail record's JSON text splits into fields
//! depends on bytes we do not have. A CloudTrail metric filter should be a JSON pattern anyway.
//!
//! # Regular expressions
//!
//! Allowed characters (\[FPS\]): ASCII letters and digits, `_ # = @ / ; , -`, the operators
//! `^ $ ? [ ] { } | \ * + .`, and also `:` and space (AWS's own \[CDK\] example `%bind: address already
//! in use%` needs them). `(`, `)`, other symbols and multi-byte characters are parse errors, as \[FPS\]
//! says they are rejected. We evaluate: literals, `.` (any character but `\n`, `\r`), classes `[a-z]`,
//! `[^…]`, `\d \w \s \D \W \S` (ASCII), escaped symbols (`\.`), `*`, `+`, `?`, `{m}`, `{m,}`,
//! `{m,n}` (up to 1000), top-level `|`, and `^`/`$` anchored at the start/end of the
//! value (or of the line, for a standalone regex). The match is a search (`%AUTHORIZED%` matches
//! `UNAUTHORIZED`, \[FPS\]). Anything whose meaning depends on the regex flavour (`\b` and other escaped
//! letters, possessive or stacked quantifiers, a `{` that is not a quantifier, a lone `}`, `[]…]`,
//! nested classes) parses but evaluates to `Unknown`. Lazy quantifiers (`*?`, `+?`, `??`) give the same
//! yes/no answer as greedy ones and are evaluated.
//!
//! # Open questions
//!
//! * Which characters AWS accepts in a *bare* value: the docs say only alphanumerics need no
//!   quotes, yet CIS itself writes `kms.amazonaws.com` bare and the docs write `123.123.*`. We accept
//!   the liberal `bare-char` set above, so a few patterns AWS would reject parse here.
//! * `EXISTS` (see above), `=` on booleans and `null`, numeric comparison of numeric strings, wildcard
//!   selectors, member names on arrays: `Unknown` or documented guesses, as listed.
//! * Whether keywords are case-insensitive (we require upper case, as documented), and whether escapes
//!   other than `\"` and `\\` exist in quoted strings (we keep any other `\x` as the two characters).
//! * Space-delimited details the docs leave open: a trailing `,` (shown in one AWS example; we ignore
//!   it) and more than one `...` (we reject it, as \[CDK\] does).
//! * The API limit of [`MAX_PATTERN_LENGTH`] characters is not checked by [`parse`].

mod eval;
pub mod events;
mod parse;
mod regex;

#[cfg(test)]
mod fuzz;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;

pub use regex::Regex;

/// Deepest nesting of parentheses [`parse`] accepts in a JSON pattern.
pub const MAX_NESTING: usize = 100;
/// Most `%regex%` values a JSON or space-delimited pattern may contain (CloudWatch Logs quota, \[FPS\]).
pub const MAX_REGEXES: usize = 2;
/// Longest `filterPattern` the CloudWatch Logs API accepts (`PutMetricFilter`); not enforced by [`parse`].
pub const MAX_PATTERN_LENGTH: usize = 1024;

/// A parsed filter pattern. [`fmt::Display`] prints it in a canonical form that [`parse`] reads
/// back to an equal `Pattern`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    kind: PatternKind,
}

/// The four forms of filter pattern, plus the empty pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum PatternKind {
    /// An empty or blank pattern: matches every event.
    All,
    /// `{ … }`.
    Json(Expr),
    /// `[ip, user, ..., status = 4*]`.
    Delimited(Vec<Field>),
    /// `ERROR -DEBUG ?"a phrase"`.
    Terms(Vec<Term>),
    /// `%regex%` on its own.
    Regex(Regex),
}

/// A JSON-pattern expression. `And` and `Or` always have at least two operands; an operand of the
/// same kind (`And` inside `And`) only comes from parentheses.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Cond(Condition),
}

/// `selector test`, e.g. `$.eventName = DisableKey` or `$.errorCode NOT EXISTS`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub selector: Selector,
    pub test: Test,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare { op: CmpOp, value: Operand },
    IsTrue,
    IsFalse,
    IsNull,
    Exists,
    NotExists,
}

/// `$.a.b[0]`: the steps after `$`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    pub segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// `.name`
    Member(String),
    /// `[3]` (an index too large for `usize` is kept as `usize::MAX`, which never resolves)
    Index(usize),
    /// `.*` (undocumented; evaluates to [`Match::Unknown`])
    AnyMember,
    /// `[*]` (undocumented; evaluates to [`Match::Unknown`])
    AnyIndex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// `<`, `<=`, `>`, `>=`: the operators that take only a number.
    pub fn is_ordering(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }
}

/// The right-hand side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A string, after unescaping; `quoted` says whether it was written in double quotes.
    /// A leading and/or trailing `*` is a wildcard.
    Str { text: String, quoted: bool },
    /// A bare number literal, with its source text.
    Number { text: String, value: f64 },
    /// `%regex%`.
    Regex(Regex),
}

/// One field of a space-delimited pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `...`: any number of fields.
    Ellipsis,
    /// `name` or `name = 4* && name != 403`.
    Named {
        name: String,
        condition: Option<FieldCondition>,
    },
}

/// Conditions on one space-delimited field (no parentheses; `&&` binds tighter than `||`).
#[derive(Debug, Clone, PartialEq)]
pub enum FieldCondition {
    Or(Vec<FieldCondition>),
    And(Vec<FieldCondition>),
    Compare { op: CmpOp, value: Operand },
}

/// One term of a term pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub kind: TermKind,
    /// The word, or the phrase after unescaping.
    pub text: String,
    pub quoted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// `term`: must occur.
    Include,
    /// `-term`: must not occur.
    Exclude,
    /// `?term`: starts an alternative.
    Optional,
}

/// A pattern that does not parse: what was expected, and where (bytes into the pattern text).
#[derive(Debug, Clone, PartialEq)]
pub struct PatternError {
    pub message: String,
    pub span: Range<usize>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (bytes {}..{})",
            self.message, self.span.start, self.span.end
        )
    }
}

impl std::error::Error for PatternError {}

/// The answer to "does this pattern match this event?".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    /// The semantics cannot be decided (an unsupported regex, an undocumented construct, …).
    Unknown,
}

impl Match {
    fn from_bool(b: bool) -> Match {
        if b {
            Match::Yes
        } else {
            Match::No
        }
    }

    fn not(self) -> Match {
        match self {
            Match::Yes => Match::No,
            Match::No => Match::Yes,
            Match::Unknown => Match::Unknown,
        }
    }

    fn and(self, other: Match) -> Match {
        match (self, other) {
            (Match::No, _) | (_, Match::No) => Match::No,
            (Match::Yes, Match::Yes) => Match::Yes,
            _ => Match::Unknown,
        }
    }

    fn or(self, other: Match) -> Match {
        match (self, other) {
            (Match::Yes, _) | (_, Match::Yes) => Match::Yes,
            (Match::No, Match::No) => Match::No,
            _ => Match::Unknown,
        }
    }
}

/// Parses a CloudWatch Logs filter pattern (the `pattern` of an `aws_cloudwatch_log_metric_filter`).
pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    parse::parse(pattern).map(|kind| Pattern { kind })
}

impl Pattern {
    pub fn kind(&self) -> &PatternKind {
        &self.kind
    }

    /// Whether this pattern matches a JSON log event, such as a CloudTrail record.
    pub fn matches_json(&self, event: &serde_json::Value) -> Match {
        eval::matches_json(&self.kind, event)
    }

    /// Whether this pattern matches a raw log line. JSON patterns parse the line as JSON (a line that
    /// is not JSON does not match); the other forms read the text.
    pub fn matches_text(&self, line: &str) -> Match {
        eval::matches_text(&self.kind, line)
    }
}

// ---------------------------------------------------------------------------------------------
// Canonical printing
// ---------------------------------------------------------------------------------------------

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            PatternKind::All => Ok(()),
            PatternKind::Json(e) => write!(f, "{{ {e} }}"),
            PatternKind::Delimited(fields) => {
                f.write_str("[")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match field {
                        Field::Ellipsis => f.write_str("...")?,
                        Field::Named { name, condition } => match condition {
                            None => f.write_str(name)?,
                            Some(c) => write_field_condition(f, name, c)?,
                        },
                    }
                }
                f.write_str("]")
            }
            PatternKind::Terms(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match t.kind {
                        TermKind::Include => {}
                        TermKind::Exclude => f.write_str("-")?,
                        TermKind::Optional => f.write_str("?")?,
                    }
                    if t.quoted {
                        write_quoted(f, &t.text)?;
                    } else {
                        f.write_str(&t.text)?;
                    }
                }
                Ok(())
            }
            PatternKind::Regex(r) => write!(f, "%{}%", r.source()),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Or(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    if matches!(item, Expr::Or(_)) {
                        write!(f, "({item})")?;
                    } else {
                        write!(f, "{item}")?;
                    }
                }
                Ok(())
            }
            Expr::And(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" && ")?;
                    }
                    if matches!(item, Expr::Or(_) | Expr::And(_)) {
                        write!(f, "({item})")?;
                    } else {
                        write!(f, "{item}")?;
                    }
                }
                Ok(())
            }
            Expr::Cond(c) => write!(f, "{c}"),
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.selector)?;
        match &self.test {
            Test::Compare { op, value } => write!(f, " {} {value}", op.as_str()),
            Test::IsTrue => f.write_str(" IS TRUE"),
            Test::IsFalse => f.write_str(" IS FALSE"),
            Test::IsNull => f.write_str(" IS NULL"),
            Test::Exists => f.write_str(" EXISTS"),
            Test::NotExists => f.write_str(" NOT EXISTS"),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for s in &self.segments {
            match s {
                Segment::Member(name) => write!(f, ".{name}")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::AnyMember => f.write_str(".*")?,
                Segment::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Str { text, quoted: true } => write_quoted(f, text),
            Operand::Str {
                text,
                quoted: false,
            } => f.write_str(text),
            Operand::Number { text, .. } => f.write_str(text),
            Operand::Regex(r) => write!(f, "%{}%", r.source()),
        }
    }
}

fn write_field_condition(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    c: &FieldCondition,
) -> fmt::Result {
    match c {
        FieldCondition::Or(items) | FieldCondition::And(items) => {
            let sep = if matches!(c, FieldCondition::Or(_)) {
                " || "
            } else {
                " && "
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(sep)?;
                }
                write_field_condition(f, name, item)?;
            }
            Ok(())
        }
        FieldCondition::Compare { op, value } => write!(f, "{name} {} {value}", op.as_str()),
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}
