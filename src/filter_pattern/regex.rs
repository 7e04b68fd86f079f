//! `%regex%` values: the character set CloudWatch Logs allows, and a small matcher for the part of
//! the syntax whose meaning does not depend on the regex flavour (see the module docs of
//! [`super`]). The matcher simulates all positions at once (no backtracking), so it costs
//! O(text × regex) whatever the input.

use std::fmt;

use super::PatternError;

/// Most repetitions in `{m,n}` we evaluate; larger counts evaluate to `Unknown`.
const MAX_REPEAT: u32 = 1000;
/// Most matcher steps a regex may expand to; larger regexes evaluate to `Unknown`.
const MAX_ELEMS: usize = 4096;

/// A `%regex%` value. Two regexes are equal when their sources are.
#[derive(Clone)]
pub struct Regex {
    source: String,
    /// `None`: the regex is valid but uses syntax we do not evaluate.
    program: Option<Vec<Vec<Elem>>>,
}

impl PartialEq for Regex {
    fn eq(&self, other: &Regex) -> bool {
        self.source == other.source
    }
}

impl fmt::Debug for Regex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Regex(%{}%", self.source)?;
        if self.program.is_none() {
            f.write_str(", unsupported")?;
        }
        f.write_str(")")
    }
}

#[derive(Debug, Clone)]
struct Elem {
    atom: Atom,
    rep: Rep,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rep {
    One,
    Optional,
    Star,
}

#[derive(Debug, Clone)]
enum Atom {
    Char(char),
    /// `.`
    Any,
    Class(Class),
    /// `^`
    Start,
    /// `$`
    End,
}

#[derive(Debug, Clone)]
struct Class {
    negated: bool,
    items: Vec<ClassItem>,
}

#[derive(Debug, Clone, Copy)]
enum ClassItem {
    Range(char, char),
    /// `\d` (`true`: `\D`)
    Digit(bool),
    /// `\w` (`true`: `\W`)
    Word(bool),
    /// `\s` (`true`: `\S`)
    Space(bool),
}

impl ClassItem {
    fn matches(self, c: char) -> bool {
        match self {
            ClassItem::Range(lo, hi) => lo <= c && c <= hi,
            ClassItem::Digit(neg) => c.is_ascii_digit() != neg,
            ClassItem::Word(neg) => (c.is_ascii_alphanumeric() || c == '_') != neg,
            ClassItem::Space(neg) => matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r') != neg,
        }
    }
}

impl Atom {
    /// Whether this atom consumes `c` (anchors consume nothing).
    fn consumes(&self, c: char) -> bool {
        match self {
            Atom::Char(x) => *x == c,
            Atom::Any => c != '\n' && c != '\r',
            Atom::Class(class) => class.items.iter().any(|i| i.matches(c)) != class.negated,
            Atom::Start | Atom::End => false,
        }
    }
}

/// A piece before expansion: an atom and how often it repeats.
struct Piece {
    atom: Atom,
    min: u32,
    max: Option<u32>,
    quantified: bool,
}

/// Characters \[FPS\] allows in a regex, plus `:` and space (see the module docs).
fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '_' | '#'
                | '='
                | '@'
                | '/'
                | ';'
                | ','
                | '-'
                | ':'
                | ' '
                | '^'
                | '$'
                | '?'
                | '['
                | ']'
                | '{'
                | '}'
                | '|'
                | '\\'
                | '*'
                | '+'
                | '.'
        )
}

/// Why parsing stopped: a hard error, or syntax we accept but do not evaluate.
enum Stop {
    Error(String, std::ops::Range<usize>),
    Unsupported,
}

impl Regex {
    /// Parses the text between the `%`s; `offset` is its byte offset in the pattern, for errors.
    pub(super) fn parse(source: &str, offset: usize) -> Result<Regex, PatternError> {
        for (i, c) in source.char_indices() {
            let span = offset + i..offset + i + c.len_utf8();
            let message = if !c.is_ascii() {
                "multi-byte characters are not supported in filter-pattern regular expressions"
                    .to_string()
            } else if c == '(' || c == ')' {
                "parentheses are not supported in filter-pattern regular expressions".to_string()
            } else if !allowed(c) {
                format!(
                    "`{}` is not allowed in a filter-pattern regular expression",
                    c.escape_debug()
                )
            } else {
                continue;
            };
            return Err(PatternError { message, span });
        }
        let program = match compile(source, offset) {
            Ok(p) => Some(p),
            Err(Stop::Unsupported) => None,
            Err(Stop::Error(message, span)) => return Err(PatternError { message, span }),
        };
        Ok(Regex {
            source: source.to_string(),
            program,
        })
    }

    /// The text between the `%`s.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether [`super::Pattern`] can evaluate this regex (otherwise matches are `Unknown`).
    pub fn is_supported(&self) -> bool {
        self.program.is_some()
    }

    /// Whether the regex matches anywhere in `text`; `None` when it is not supported.
    pub(super) fn search(&self, text: &str) -> Option<bool> {
        let program = self.program.as_ref()?;
        Some(program.iter().any(|branch| search_branch(branch, text)))
    }

    pub(super) fn has_anchors(&self) -> bool {
        self.program.as_ref().is_some_and(|p| {
            p.iter()
                .flatten()
                .any(|e| matches!(e.atom, Atom::Start | Atom::End))
        })
    }

    /// Whether some step of the regex consumes one of `chars`.
    pub(super) fn can_consume_any(&self, chars: &[char]) -> bool {
        self.program.as_ref().is_none_or(|p| {
            p.iter()
                .flatten()
                .any(|e| chars.iter().any(|&c| e.atom.consumes(c)))
        })
    }
}

fn compile(source: &str, offset: usize) -> Result<Vec<Vec<Elem>>, Stop> {
    // The source is ASCII (checked by the caller), so bytes are characters.
    let b = source.as_bytes();
    let mut branches: Vec<Vec<Piece>> = vec![Vec::new()];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let here = offset + i..offset + i + 1;
        match c {
            b'|' => {
                branches.push(Vec::new());
                i += 1;
            }
            b'*' | b'+' | b'?' | b'{' => {
                let (min, max, next) = if c == b'{' {
                    match counted(b, i) {
                        Some(q) => q,
                        // `{` that is not a quantifier: a literal in some flavours, an error in others.
                        None => return Err(Stop::Unsupported),
                    }
                } else {
                    match c {
                        b'*' => (0, None, i + 1),
                        b'+' => (1, None, i + 1),
                        _ => (0, Some(1), i + 1),
                    }
                };
                let end = offset + next;
                let Some(last) = branches.last_mut().and_then(|br| br.last_mut()) else {
                    return Err(Stop::Error(
                        format!("`{}` has nothing to repeat", &source[i..next]),
                        offset + i..end,
                    ));
                };
                if last.quantified {
                    if c == b'?' {
                        // Lazy: the same yes/no answer.
                        i = next;
                        continue;
                    }
                    // Possessive (`*+`) or stacked quantifiers: flavour-dependent.
                    return Err(Stop::Unsupported);
                }
                if matches!(last.atom, Atom::Start | Atom::End) {
                    return Err(Stop::Unsupported);
                }
                if let Some(max) = max {
                    if max < min {
                        return Err(Stop::Error(
                            format!(
                                "invalid repetition `{}`: the maximum is less than the minimum",
                                &source[i..next]
                            ),
                            offset + i..end,
                        ));
                    }
                }
                if min > MAX_REPEAT || max.is_some_and(|m| m > MAX_REPEAT) {
                    return Err(Stop::Unsupported);
                }
                last.min = min;
                last.max = max;
                last.quantified = true;
                i = next;
            }
            b'}' => return Err(Stop::Unsupported),
            b'[' => {
                let (class, next) = class(b, i, offset)?;
                push(&mut branches, Atom::Class(class));
                i = next;
            }
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return Err(Stop::Error(
                        "a regular expression cannot end with `\\`".to_string(),
                        here,
                    ));
                };
                let atom = match escape_class(e) {
                    Some(item) => Atom::Class(Class {
                        negated: false,
                        items: vec![item],
                    }),
                    None if e.is_ascii_alphanumeric() => return Err(Stop::Unsupported),
                    None => Atom::Char(e as char),
                };
                push(&mut branches, atom);
                i += 2;
            }
            b'.' => {
                push(&mut branches, Atom::Any);
                i += 1;
            }
            b'^' => {
                push(&mut branches, Atom::Start);
                i += 1;
            }
            b'$' => {
                push(&mut branches, Atom::End);
                i += 1;
            }
            _ => {
                push(&mut branches, Atom::Char(c as char));
                i += 1;
            }
        }
    }
    let mut program = Vec::with_capacity(branches.len());
    let mut total = 0usize;
    for branch in branches {
        let mut elems = Vec::new();
        for piece in branch {
            let min = piece.min as usize;
            let extra = piece.max.map(|m| (m - piece.min) as usize);
            total += min + extra.unwrap_or(1);
            if total > MAX_ELEMS {
                return Err(Stop::Unsupported);
            }
            for _ in 0..min {
                elems.push(Elem {
                    atom: piece.atom.clone(),
                    rep: Rep::One,
                });
            }
            match extra {
                Some(n) => {
                    for _ in 0..n {
                        elems.push(Elem {
                            atom: piece.atom.clone(),
                            rep: Rep::Optional,
                        });
                    }
                }
                None => elems.push(Elem {
                    atom: piece.atom.clone(),
                    rep: Rep::Star,
                }),
            }
        }
        program.push(elems);
    }
    Ok(program)
}

fn push(branches: &mut [Vec<Piece>], atom: Atom) {
    if let Some(branch) = branches.last_mut() {
        branch.push(Piece {
            atom,
            min: 1,
            max: Some(1),
            quantified: false,
        });
    }
}

fn escape_class(e: u8) -> Option<ClassItem> {
    Some(match e {
        b'd' => ClassItem::Digit(false),
        b'D' => ClassItem::Digit(true),
        b'w' => ClassItem::Word(false),
        b'W' => ClassItem::Word(true),
        b's' => ClassItem::Space(false),
        b'S' => ClassItem::Space(true),
        _ => return None,
    })
}

/// `{m}`, `{m,}` or `{m,n}` at `b[i]`: (min, max, index after `}`).
fn counted(b: &[u8], i: usize) -> Option<(u32, Option<u32>, usize)> {
    let mut j = i + 1;
    let number = |j: &mut usize| -> Option<u32> {
        let start = *j;
        let mut n: u32 = 0;
        while *j < b.len() && b[*j].is_ascii_digit() {
            n = n.saturating_mul(10).saturating_add(u32::from(b[*j] - b'0'));
            *j += 1;
        }
        (*j > start).then_some(n)
    };
    let min = number(&mut j)?;
    let max = if b.get(j) == Some(&b',') {
        j += 1;
        if b.get(j) == Some(&b'}') {
            None
        } else {
            Some(number(&mut j)?)
        }
    } else {
        Some(min)
    };
    (b.get(j) == Some(&b'}')).then_some((min, max, j + 1))
}

/// A bracket class starting at `b[open] == b'['`.
fn class(b: &[u8], open: usize, offset: usize) -> Result<(Class, usize), Stop> {
    let unterminated = || {
        Stop::Error(
            "unterminated character class: expected `]`".to_string(),
            offset + open..offset + b.len(),
        )
    };
    let mut i = open + 1;
    let negated = b.get(i) == Some(&b'^');
    if negated {
        i += 1;
    }
    if b.get(i) == Some(&b']') {
        // `[]…]` / `[^]…]`: a literal `]` in some flavours, an empty class in others.
        return Err(Stop::Unsupported);
    }
    let mut items = Vec::new();
    loop {
        let Some(&c) = b.get(i) else {
            return Err(unterminated());
        };
        let lo = match c {
            b']' => break,
            b'[' => return Err(Stop::Unsupported),
            b'\\' => {
                let Some(&e) = b.get(i + 1) else {
                    return Err(unterminated());
                };
                i += 2;
                if let Some(item) = escape_class(e) {
                    items.push(item);
                    continue;
                }
                if e.is_ascii_alphanumeric() {
                    return Err(Stop::Unsupported);
                }
                e as char
            }
            _ => {
                i += 1;
                c as char
            }
        };
        if b.get(i) == Some(&b'-') && b.get(i + 1).is_some_and(|&n| n != b']') {
            let hi = b[i + 1];
            if hi == b'\\' || hi == b'[' {
                return Err(Stop::Unsupported);
            }
            let hi = hi as char;
            if hi < lo {
                return Err(Stop::Error(
                    format!("invalid range `{lo}-{hi}` in a character class"),
                    offset + i - 1..offset + i + 2,
                ));
            }
            items.push(ClassItem::Range(lo, hi));
            i += 2;
        } else {
            items.push(ClassItem::Range(lo, lo));
        }
    }
    Ok((Class { negated, items }, i + 1))
}

/// Whether one `|` branch matches somewhere in `text`: every start position is tried at once by
/// adding state 0 at each step.
fn search_branch(elems: &[Elem], text: &str) -> bool {
    let len = elems.len();
    let n = text.chars().count();
    let mut seen = vec![0u32; len + 1];
    let mut generation = 0u32;
    let mut current: Vec<usize> = Vec::with_capacity(len + 1);
    let mut next: Vec<usize> = Vec::with_capacity(len + 1);
    let mut work: Vec<usize> = Vec::new();
    let mut chars = text.chars();
    let mut t = 0;
    generation += 1;
    loop {
        let at_start = t == 0;
        let at_end = t == n;
        // Start a match here, and follow every step that consumes nothing.
        if close(
            elems,
            0,
            at_start,
            at_end,
            &mut current,
            &mut seen,
            generation,
            &mut work,
        ) {
            return true;
        }
        let Some(c) = chars.next() else {
            return false;
        };
        generation += 1;
        next.clear();
        let (next_start, next_end) = (false, t + 1 == n);
        for &s in &current {
            let Some(e) = elems.get(s) else { continue };
            if !e.atom.consumes(c) {
                continue;
            }
            let target = if e.rep == Rep::Star { s } else { s + 1 };
            if close(
                elems, target, next_start, next_end, &mut next, &mut seen, generation, &mut work,
            ) {
                return true;
            }
        }
        std::mem::swap(&mut current, &mut next);
        t += 1;
    }
}

/// Adds `state` and everything reachable from it without consuming to `set`; true when the end of
/// the branch is reached (a match).
#[allow(clippy::too_many_arguments)]
fn close(
    elems: &[Elem],
    state: usize,
    at_start: bool,
    at_end: bool,
    set: &mut Vec<usize>,
    seen: &mut [u32],
    generation: u32,
    work: &mut Vec<usize>,
) -> bool {
    work.clear();
    work.push(state);
    while let Some(s) = work.pop() {
        if seen[s] == generation {
            continue;
        }
        seen[s] = generation;
        if s == elems.len() {
            return true;
        }
        set.push(s);
        let e = &elems[s];
        let pass = match e.atom {
            Atom::Start => at_start,
            Atom::End => at_end,
            _ => e.rep != Rep::One,
        };
        if pass {
            work.push(s + 1);
        }
    }
    false
}
