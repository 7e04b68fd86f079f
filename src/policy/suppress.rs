//! Inline suppressions: comments that silence findings, as a post-pass on a [`LintOutput`].
//!
//! Recognised comments (`#`, `//` and `/* */` alike):
//!
//! - `kmslint:ignore RULE[,RULE] [exp:YYYY-MM-DD] [-- reason]` on the line directly above a
//!   finding's line (a run of comment lines counts as directly above), at the end of that line,
//!   or the same above the `resource` block header, which covers every finding in the block;
//! - `kmslint:ignore-file RULE[,RULE] [exp:…] [-- reason]` anywhere in a file: the whole file;
//! - the peers' syntax for the checks a rule declares as equivalent (its
//!   [`RuleMeta::peer_ids`]): `checkov:skip=ID[:reason]` anywhere inside the resource block (as
//!   checkov reads it), `tfsec:ignore:ID` and `trivy:ignore:ID` (each with an optional
//!   `:exp:YYYY-MM-DD`) placed like `kmslint:ignore`.
//!
//! An expiry date ends a suppression at the start of that day (UTC), as trivy and tfsec do.
//! Suppressed findings stay in the output with [`Finding::suppression`] set.
//!
//! Problems with `kmslint:` comments are findings of two meta rules: `invalid-suppression`
//! (an unknown rule, no rule, a bad date, an unknown `kmslint:` directive) and, on request,
//! `unused-suppression` (a suppression that silenced nothing). The peers' comments are never reported:
//! they are written for other tools.
//!
//! Comments are only looked for in files that have findings (and, when unused suppressions
//! are reported, in every file linted), and only when a byte search finds a marker.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::finding::{sort_findings, Finding, LintOutput, Suppression, SuppressionKind};
use crate::rules::{self, invalid_suppression, is_meta_rule, unused_suppression, Peer, RuleMeta};
use crate::source::{FileRef, Span, Syntax};

/// Byte strings whose absence means a file has no suppression comment.
const MARKERS: &[&str] = &["kmslint:", "tfsec:", "trivy:", "checkov:", "bridgecrew:"];

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

/// A calendar date (proleptic Gregorian, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses exactly `YYYY-MM-DD` and checks that the day exists.
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = &s[r];
            part.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (digits(0..4)? as i32, digits(5..7)?, digits(8..10)?);
        ((1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
            .then_some(Date { year, month, day })
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((secs / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------------------------
// Comments
// ---------------------------------------------------------------------------------------------

/// One comment: its whole span, the span of its text (without `#`, `//`, `/*`, `*/`), and
/// its 0-based first and last lines.
#[derive(Debug, Clone)]
struct Comment {
    content: Span,
    start_line: usize,
    end_line: usize,
    span: Span,
}

/// The comments of an HCL file and, per line, whether it holds code and whether it holds a
/// comment.
#[derive(Debug, Default)]
struct Scan {
    comments: Vec<Comment>,
    code: Vec<bool>,
    commented: Vec<bool>,
    /// Per line, [`Scan::after_comments`]; built on first use.
    run_ends: std::sync::OnceLock<Vec<usize>>,
}

enum Ctx {
    /// Expressions; `depth` counts open `{` so that `}` can end a template interpolation.
    Code {
        depth: usize,
    },
    Str,
    Heredoc {
        marker: String,
        line_start: bool,
    },
}

/// Finds the comments of HCL text, skipping strings, template interpolations and heredocs.
fn scan(text: &str, from: usize) -> Scan {
    let b = text.as_bytes();
    let lines = b.iter().filter(|&&c| c == b'\n').count() + 1;
    let mut out = Scan {
        comments: Vec::new(),
        code: vec![false; lines],
        commented: vec![false; lines],
        run_ends: std::sync::OnceLock::new(),
    };
    let mut stack = vec![Ctx::Code { depth: 0 }];
    let mut line = 0;
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let top = stack.last_mut().expect("the code context is never popped");
        match top {
            Ctx::Code { depth } => match c {
                b'\n' => {
                    line += 1;
                    i += 1;
                }
                b' ' | b'\t' | b'\r' => i += 1,
                b'#' | b'/' if c == b'#' || next == Some(b'/') => {
                    let start = i;
                    let body = i + if c == b'#' { 1 } else { 2 };
                    let end = memchr::memchr(b'\n', &b[body..]).map_or(b.len(), |n| body + n);
                    let content_end = if end > body && b[end - 1] == b'\r' {
                        end - 1
                    } else {
                        end
                    };
                    out.commented[line] = true;
                    out.comments.push(Comment {
                        content: body..content_end,
                        start_line: line,
                        end_line: line,
                        span: start..content_end,
                    });
                    i = end;
                }
                b'/' if next == Some(b'*') => {
                    let start = i;
                    let body = i + 2;
                    let close = memchr::memmem::find(&b[body..], b"*/");
                    let (content_end, end) =
                        close.map_or((b.len(), b.len()), |n| (body + n, body + n + 2));
                    let start_line = line;
                    for &ch in &b[start..end] {
                        if ch == b'\n' {
                            out.commented[line] = true;
                            line += 1;
                        }
                    }
                    out.commented[line] = true;
                    out.comments.push(Comment {
                        content: body..content_end,
                        start_line,
                        end_line: line,
                        span: start..end,
                    });
                    i = end;
                }
                b'"' => {
                    out.code[line] = true;
                    stack.push(Ctx::Str);
                    i += 1;
                }
                b'{' => {
                    out.code[line] = true;
                    *depth += 1;
                    i += 1;
                }
                b'}' => {
                    out.code[line] = true;
                    if *depth == 0 {
                        if stack.len() > 1 {
                            stack.pop();
                        }
                    } else {
                        *depth -= 1;
                    }
                    i += 1;
                }
                b'<' if next == Some(b'<') => {
                    out.code[line] = true;
                    match heredoc_marker(b, i + 2) {
                        Some((marker, body)) => {
                            stack.push(Ctx::Heredoc {
                                marker,
                                line_start: true,
                            });
                            line += 1;
                            i = body;
                        }
                        None => i += 2,
                    }
                }
                _ => {
                    out.code[line] = true;
                    i += 1;
                }
            },
            Ctx::Str => match c {
                b'\\' => {
                    out.code[line] = true;
                    i += 2;
                }
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\n' => {
                    // A quoted string cannot span lines: recover at the line end.
                    stack.pop();
                }
                b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 3,
                b'$' | b'%' if next == Some(b'{') => {
                    stack.push(Ctx::Code { depth: 0 });
                    i += 2;
                }
                _ => {
                    out.code[line] = true;
                    i += 1;
                }
            },
            Ctx::Heredoc { marker, line_start } => {
                if *line_start {
                    *line_start = false;
                    let end = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n);
                    out.code[line] = true;
                    if text[i..end].trim() == marker {
                        stack.pop();
                        i = end;
                        continue;
                    }
                }
                match c {
                    b'\n' => {
                        line += 1;
                        i += 1;
                        *line_start = true;
                    }
                    b'$' | b'%' if next == Some(c) && b.get(i + 2) == Some(&b'{') => i += 3,
                    b'$' | b'%' if next == Some(b'{') => {
                        stack.push(Ctx::Code { depth: 0 });
                        i += 2;
                    }
                    _ => i += 1,
                }
            }
        }
    }
    out
}

/// After `<<`: an optional `-`, an identifier, then the end of the line. Returns the
/// identifier and the offset of the first body line.
fn heredoc_marker(b: &[u8], mut i: usize) -> Option<(String, usize)> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    if i == start || !b[start].is_ascii_alphabetic() && b[start] != b'_' {
        return None;
    }
    let marker = String::from_utf8_lossy(&b[start..i]).into_owned();
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t' || b[i] == b'\r') {
        i += 1;
    }
    (b.get(i) == Some(&b'\n')).then_some((marker, i + 1))
}

// ---------------------------------------------------------------------------------------------
// Directives
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The target line, or the block whose header is on it.
    Line,
    /// The resource block the comment is inside (checkov).
    Block,
    /// The whole file.
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Kmslint,
    Peer,
}

/// One parsed suppression comment.
#[derive(Debug)]
struct Directive {
    origin: Origin,
    scope: Scope,
    /// The rules it names that exist, with the span of each name.
    rules: Vec<(&'static str, Span)>,
    reason: String,
    /// `None`: never expires.
    expires: Option<Date>,
    /// Whether an expiry date that could not be read makes it inactive (peers' rule).
    broken_date: bool,
    /// 0-based line it applies to (for [`Scope::Line`]).
    target: usize,
    /// Where it is written: the whole comment.
    span: Span,
    /// Per entry of `rules`: did it silence a finding?
    used: Vec<bool>,
}

impl Directive {
    fn active(&self, today: Date) -> bool {
        !self.broken_date && self.expires.is_none_or(|d| today < d)
    }
}

/// A problem with a `kmslint:` comment, reported as an `invalid-suppression` finding.
struct Problem {
    span: Span,
    message: String,
}

/// The line a comment applies to: its own line when it shares it with code, otherwise the
/// first line after the run of comment-only lines it belongs to.
fn target_line(scan: &Scan, c: &Comment) -> usize {
    if scan.code[c.start_line] {
        return c.start_line;
    }
    if scan.code[c.end_line] {
        return c.end_line;
    }
    scan.after_comments(c.end_line + 1)
}

impl Scan {
    /// The first line at or after `line` that is not a comment-only line (a run of comment
    /// lines counts as directly above the code after it). Computed once per file, so that a
    /// file of many consecutive comments stays linear.
    fn after_comments(&self, line: usize) -> usize {
        let ends = self.run_ends.get_or_init(|| {
            let n = self.code.len();
            let mut ends = vec![0; n + 1];
            ends[n] = n;
            for l in (0..n).rev() {
                ends[l] = if self.commented[l] && !self.code[l] {
                    ends[l + 1]
                } else {
                    l
                };
            }
            ends
        });
        ends.get(line).copied().unwrap_or(line)
    }
}

/// Parses every suppression comment of a file.
fn directives(file: &FileRef, problems: &mut Vec<Problem>) -> Vec<Directive> {
    let text = file.text.as_str();
    if file.syntax != Syntax::Hcl
        || !MARKERS
            .iter()
            .any(|m| memchr::memmem::find(text.as_bytes(), m.as_bytes()).is_some())
    {
        return Vec::new();
    }
    let scan = scan(text, file.bom_len);
    let mut out = Vec::new();
    for c in &scan.comments {
        let content = &text[c.content.clone()];
        if !MARKERS.iter().any(|m| content.contains(m)) {
            continue;
        }
        let target = target_line(&scan, c);
        // `kmslint:` must start a line of the comment (after spaces, and the `*`s of a
        // `/** */` comment).
        let mut kmslint = false;
        let mut line_start = c.content.start;
        for line in content.split('\n') {
            let line_end = line_start + line.trim_end_matches('\r').len();
            let lead = line.len() - line.trim_start_matches([' ', '\t', '*']).len();
            if line[lead..].starts_with("kmslint:") {
                kmslint = true;
                let at = line_start + lead;
                if let Some(d) = parse_kmslint(text, at, line_end, target, c, problems) {
                    out.push(d);
                }
            }
            line_start += line.len() + 1;
        }
        if !kmslint {
            peer_directives(text, c, target, &mut out);
        }
    }
    out
}

/// Parses `kmslint:ignore[-file] RULES [exp:DATE] [-- reason]` from `at` to `end`.
fn parse_kmslint(
    text: &str,
    at: usize,
    end: usize,
    target: usize,
    c: &Comment,
    problems: &mut Vec<Problem>,
) -> Option<Directive> {
    let s = &text[at..end];
    let verb_end = s[8..]
        .find(|ch: char| ch.is_whitespace() || ch == ',')
        .map_or(s.len(), |n| 8 + n);
    let scope = match &s[8..verb_end] {
        "ignore" => Scope::Line,
        "ignore-file" => Scope::File,
        other => {
            problems.push(Problem {
                span: at..at + verb_end,
                message: format!(
                    "unknown directive `kmslint:{other}`; use `kmslint:ignore RULE` or `kmslint:ignore-file RULE`"
                ),
            });
            return None;
        }
    };
    let rest_start = at + verb_end;
    let rest = &text[rest_start..end];
    // The reason follows the first `--` that starts a word.
    let (list_len, reason) = match find_reason_separator(rest) {
        Some(n) => (n, rest[n + 2..].trim().to_string()),
        None => (rest.len(), String::new()),
    };
    let mut d = Directive {
        origin: Origin::Kmslint,
        scope,
        rules: Vec::new(),
        reason,
        expires: None,
        broken_date: false,
        target,
        span: c.span.clone(),
        used: Vec::new(),
    };
    let mut named = 0;
    for (offset, token) in tokens(&rest[..list_len]) {
        let span = rest_start + offset..rest_start + offset + token.len();
        if let Some(date) = token.strip_prefix("exp:") {
            match Date::parse(date) {
                Some(date) => d.expires = Some(date),
                None => {
                    d.broken_date = true;
                    problems.push(Problem {
                        span,
                        message: format!(
                            "invalid expiry date `{date}`; write `exp:YYYY-MM-DD`; the suppression is ignored until it is fixed"
                        ),
                    });
                }
            }
            continue;
        }
        named += 1;
        match rules::find(token) {
            Some(rule) if is_meta_rule(rule.id) => problems.push(Problem {
                span,
                message: format!(
                    "`{token}` cannot be suppressed with a comment; disable it in .kmslint.toml instead"
                ),
            }),
            Some(rule) => d.rules.push((rule.id, span)),
            None => problems.push(Problem {
                span,
                message: format!(
                    "unknown rule `{token}` in suppression; known rules: {}",
                    suppressible_ids().join(", ")
                ),
            }),
        }
    }
    if named == 0 {
        problems.push(Problem {
            span: c.span.clone(),
            message: format!(
                "`kmslint:{}` names no rule; write e.g. `kmslint:ignore {} -- reason`",
                if scope == Scope::File {
                    "ignore-file"
                } else {
                    "ignore"
                },
                suppressible_ids().first().copied().unwrap_or("RULE")
            ),
        });
    }
    d.used = vec![false; d.rules.len()];
    Some(d)
}

fn suppressible_ids() -> Vec<&'static str> {
    rules::all()
        .map(|m| m.id)
        .filter(|id| !is_meta_rule(id))
        .collect()
}

/// The offset of a `--` that begins a word (the reason separator).
fn find_reason_separator(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(1))
        .find(|&i| b[i] == b'-' && b[i + 1] == b'-' && (i == 0 || b[i - 1].is_ascii_whitespace()))
}

/// Words separated by commas and white space, with their offsets.
fn tokens(s: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        let sep = c == ',' || c.is_whitespace();
        match (sep, start) {
            (true, Some(st)) => {
                out.push((st, &s[st..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, &s[st..]));
    }
    out
}

/// The peers' comments in one comment: `checkov:skip=ID[:reason]` (or `bridgecrew:skip=`)
/// and any number of `tfsec:ignore:ID[...][:exp:DATE]` / `trivy:ignore:…` words.
fn peer_directives(text: &str, c: &Comment, target: usize, out: &mut Vec<Directive>) {
    let content = &text[c.content.clone()];
    let peer = |rules: Vec<(&'static str, Span)>, scope, reason, expires, broken_date| Directive {
        origin: Origin::Peer,
        scope,
        used: vec![false; rules.len()],
        rules,
        reason,
        expires,
        broken_date,
        target,
        span: c.span.clone(),
    };
    for prefix in ["checkov:skip=", "bridgecrew:skip="] {
        if let Some(n) = content.find(prefix) {
            let rest = content[n + prefix.len()..].trim_start_matches(' ');
            let id_len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            let id = &rest[..id_len];
            let reason = rest[id_len..]
                .strip_prefix(':')
                .map_or(String::new(), |r| r.trim().to_string());
            let matching = rules::with_peer_id(id, &[Peer::Checkov]);
            if !matching.is_empty() {
                let start = c.content.start + (content.len() - rest.len());
                out.push(peer(
                    matching
                        .iter()
                        .map(|m| (m.id, start..start + id_len))
                        .collect(),
                    Scope::Block,
                    reason,
                    None,
                    false,
                ));
            }
        }
    }
    for (offset, word) in tokens(content) {
        let word_trimmed = word.trim_start_matches(['#', '/', '*']);
        let Some(sections) = word_trimmed
            .strip_prefix("tfsec:")
            .or_else(|| word_trimmed.strip_prefix("trivy:"))
        else {
            continue;
        };
        let parts: Vec<&str> = sections.split(':').collect();
        let mut id = None;
        let mut expires = None;
        let mut broken_date = false;
        let mut with_params = false;
        for pair in parts.chunks(2) {
            match pair {
                ["ignore", value] => {
                    with_params = value.contains('[');
                    id = Some(value.split('[').next().unwrap_or(""));
                }
                ["exp", value] => match Date::parse(value) {
                    Some(d) => expires = Some(d),
                    None => broken_date = true,
                },
                _ => {}
            }
        }
        // Parameterised ignores (`[ws=dev]`, attribute values) cannot be judged here.
        let Some(id) = id.filter(|_| !with_params) else {
            continue;
        };
        let matching = rules::with_peer_id(id, &[Peer::Tfsec, Peer::Trivy]);
        if !matching.is_empty() {
            let start = c.content.start + offset + (word.len() - word_trimmed.len());
            out.push(peer(
                matching
                    .iter()
                    .map(|m| (m.id, start..start + word_trimmed.len()))
                    .collect(),
                Scope::Line,
                String::new(),
                expires,
                broken_date,
            ));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The pass
// ---------------------------------------------------------------------------------------------

/// What the suppression pass needs besides the lint output.
#[derive(Debug, Clone)]
pub struct Options {
    /// The date expiry is judged against (normally [`Date::today`]).
    pub today: Date,
    /// Report suppressions that silenced nothing (`--report-unused-ignores`).
    pub report_unused: bool,
    /// Files to look in besides those with findings (every linted file, for unused reports).
    pub extra_files: Vec<FileRef>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            today: Date::today(),
            report_unused: false,
            extra_files: Vec::new(),
        }
    }
}

/// Marks suppressed findings and adds `invalid-suppression` / `unused-suppression` findings.
/// `enabled` says whether a rule runs (a suppression for a disabled rule is not "unused").
/// Findings that are already suppressed are left as they are.
pub fn apply(out: &mut LintOutput, opts: &Options, enabled: &dyn Fn(&FileRef, &str) -> bool) {
    // Files in order of first appearance, with the indices of their findings.
    let mut files: Vec<(FileRef, Vec<usize>)> = Vec::new();
    let mut index: HashMap<PathBuf, usize> = HashMap::new();
    for (i, f) in out.findings.iter().enumerate() {
        let slot = *index.entry(f.file.path.clone()).or_insert_with(|| {
            files.push((f.file.clone(), Vec::new()));
            files.len() - 1
        });
        files[slot].1.push(i);
    }
    for file in &opts.extra_files {
        index.entry(file.path.clone()).or_insert_with(|| {
            files.push((file.clone(), Vec::new()));
            files.len() - 1
        });
    }
    let mut meta = Vec::new();
    for (file, findings) in &files {
        let mut problems = Vec::new();
        let mut ds = directives(file, &mut problems);
        for p in problems {
            meta.push(meta_finding(
                &invalid_suppression::META,
                file,
                p.span,
                p.message,
            ));
        }
        if ds.is_empty() {
            continue;
        }
        // Directives by what they cover, so each finding looks only at its candidates.
        let mut by_line: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut whole_file = Vec::new();
        let mut blocks: Vec<(usize, usize)> = Vec::new(); // (start offset, index)
        for (k, d) in ds.iter().enumerate() {
            match d.scope {
                Scope::File => whole_file.push(k),
                Scope::Line => by_line.entry(d.target).or_default().push(k),
                Scope::Block => blocks.push((d.span.start, k)),
            }
        }
        blocks.sort_unstable();
        for &i in findings {
            let f = &mut out.findings[i];
            if f.suppression.is_some() || is_meta_rule(f.rule) {
                continue;
            }
            let line = f.file.position(f.span.start).line - 1;
            let header = f
                .resource_span
                .as_ref()
                .map(|r| f.file.position(r.start).line - 1);
            let mut candidates: Vec<usize> = whole_file.clone();
            candidates.extend(by_line.get(&line).into_iter().flatten());
            if let Some(h) = header.filter(|h| *h != line) {
                candidates.extend(by_line.get(&h).into_iter().flatten());
            }
            if let Some(r) = &f.resource_span {
                let from = blocks.partition_point(|(start, _)| *start < r.start);
                candidates.extend(
                    blocks[from..]
                        .iter()
                        .take_while(|(start, _)| *start < r.end)
                        .map(|(_, k)| *k),
                );
            }
            // In source order, as a comment earlier in the file wins.
            candidates.sort_unstable();
            candidates.dedup();
            for k in candidates {
                let d = &mut ds[k];
                let covers = match d.scope {
                    Scope::File => true,
                    Scope::Line => d.target == line || Some(d.target) == header,
                    Scope::Block => f
                        .resource_span
                        .as_ref()
                        .is_some_and(|r| r.start <= d.span.start && d.span.end <= r.end),
                };
                if !covers || !d.active(opts.today) {
                    continue;
                }
                let Some(k) = d.rules.iter().position(|(r, _)| *r == f.rule) else {
                    continue;
                };
                d.used[k] = true;
                if f.suppression.is_none() {
                    f.suppression = Some(Suppression {
                        kind: if d.scope == Scope::File {
                            SuppressionKind::File
                        } else {
                            SuppressionKind::Inline
                        },
                        justification: d.reason.clone(),
                        location: Some((file.clone(), d.span.clone())),
                    });
                }
            }
        }
        if opts.report_unused {
            for d in &ds {
                if d.origin != Origin::Kmslint || !d.active(opts.today) {
                    continue;
                }
                for ((rule, span), used) in d.rules.iter().zip(&d.used) {
                    if !used && enabled(file, rule) {
                        meta.push(meta_finding(
                            &unused_suppression::META,
                            file,
                            span.clone(),
                            format!("unused suppression: no `{rule}` finding here to silence; remove it"),
                        ));
                    }
                }
            }
        }
    }
    if !meta.is_empty() {
        out.findings.extend(meta);
        sort_findings(&mut out.findings);
    }
}

fn meta_finding(meta: &'static RuleMeta, file: &FileRef, span: Span, message: String) -> Finding {
    Finding {
        rule: meta.id,
        severity: meta.severity,
        message,
        file: file.clone(),
        span,
        address: String::new(),
        related: Vec::new(),
        fix: None,
        resource_span: None,
        attribute: None,
        corrected_value: None,
        instances: Vec::new(),
        suppression: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn file(text: &str) -> FileRef {
        Arc::new(crate::source::SourceFile::new(
            PathBuf::from("main.tf"),
            "main.tf".into(),
            text.into(),
            Syntax::Hcl,
        ))
    }

    #[test]
    fn dates() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(19_723).to_string(), "2024-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert_eq!(Date::from_days(-1).to_string(), "1969-12-31");
        assert_eq!(Date::from_days(11_016).to_string(), "2000-02-29");
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("1900-02-29").is_none());
        assert!(Date::parse("2025-13-01").is_none());
        assert!(Date::parse("2025-1-01").is_none());
        assert!(Date::parse("2025-01-+1").is_none());
        assert!(Date::parse("2025-01-01") < Date::parse("2025-01-02"));
        assert!(Date::today() > Date::parse("2024-01-01").unwrap());
    }

    #[test]
    fn comments_skip_strings_interpolations_and_heredocs() {
        let text = "a = \"# not\" # one\nb = \"${x}\" // two\nc = \"${ {k = \"#\"} }\" /* three */\nd = <<EOT\n# no\nEOT\n# four\n";
        let s = scan(text, 0);
        let contents: Vec<&str> = s
            .comments
            .iter()
            .map(|c| text[c.content.clone()].trim())
            .collect();
        assert_eq!(contents, ["one", "two", "three", "four"]);
        assert_eq!(s.code, [true, true, true, true, true, true, false, false]);
        assert_eq!(
            s.commented,
            [true, true, true, false, false, false, true, false]
        );
    }

    #[test]
    fn target_lines() {
        let text = "# a\n/* b\n c */\nresource {\n  x = 1 # d\n\n  # e\n\n}\n";
        let s = scan(text, 0);
        let targets: Vec<usize> = s.comments.iter().map(|c| target_line(&s, c)).collect();
        assert_eq!(targets, [3, 3, 4, 7]);
    }

    #[test]
    fn kmslint_directives_and_problems() {
        let f = file("# kmslint:ignore kms-key-rotation-disabled, nope exp:2025-02-30 -- because -- yes\n# kmslint:ignor x\n// kmslint:ignore-file\nx = 1\n");
        let mut problems = Vec::new();
        let ds = directives(&f, &mut problems);
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].rules.len(), 1);
        assert_eq!(
            &f.text[ds[0].rules[0].1.clone()],
            "kms-key-rotation-disabled"
        );
        assert_eq!(ds[0].reason, "because -- yes");
        assert!(ds[0].broken_date);
        assert_eq!(ds[0].target, 3);
        assert_eq!(ds[1].scope, Scope::File);
        let spans: Vec<&str> = problems.iter().map(|p| &f.text[p.span.clone()]).collect();
        assert_eq!(
            spans,
            [
                "nope",
                "exp:2025-02-30",
                "kmslint:ignor",
                "// kmslint:ignore-file"
            ]
        );
    }

    #[test]
    fn peer_directives_map_only_the_equivalent_check() {
        let f = file("#tfsec:ignore:aws-kms-auto-rotate-keys:exp:2030-01-01 tfsec:ignore:aws-s3-x\n# trivy:ignore:AVD-AWS-0065[ws=dev]\nresource \"aws_kms_key\" \"k\" {\n  #checkov:skip=CKV_AWS_7:not needed here\n  #checkov:skip=CKV_AWS_33:other\n}\n");
        let mut problems = Vec::new();
        let ds = directives(&f, &mut problems);
        assert!(problems.is_empty());
        assert_eq!(ds.len(), 2);
        assert_eq!(ds[0].expires, Date::parse("2030-01-01"));
        assert_eq!(ds[0].target, 2);
        assert_eq!(ds[1].scope, Scope::Block);
        assert_eq!(ds[1].reason, "not needed here");
    }
}
