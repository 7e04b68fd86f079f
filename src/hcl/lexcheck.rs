//! A fast structural check of native HCL, for files kmslint does not need to evaluate.
//!
//! Modules that contain none of the resource types any rule looks at are not parsed into a
//! tree (that is most of a large repository, and parsing dominates run time). Their files
//! still get this check, which catches the breakage a commit typically introduces — a
//! string, comment or heredoc left open, a bracket missing or mismatched — without
//! allocating. It never rejects a file that `hcl-edit` accepts (tested on the real-world
//! corpus); it can accept files `hcl-edit` would reject (e.g. `a = ` with no value).
//!
//! Problems are described with the summaries Terraform prints for the same mistakes
//! ("Invalid multi-line string", "Unclosed configuration block", …), so that users recognise
//! them, followed by what exactly is wrong.

/// A structural problem found by [`first_problem`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A quoted string that runs into a line break (`newline`) or the end of the file.
    UnterminatedString { newline: bool },
    /// `${` or `%{` not closed before the end of the file.
    UnterminatedInterpolation,
    /// `/*` without `*/`.
    UnterminatedComment,
    /// A heredoc without its closing marker.
    UnterminatedHeredoc(String),
    /// `<<` without a delimiter.
    HeredocDelimiter,
    /// A closing bracket that closes nothing open (`open: None`) or not the innermost open one.
    Unexpected { closer: u8, open: Option<u8> },
    /// A bracket still open at the end of the file.
    Unclosed(u8),
}

impl Problem {
    /// True for problems inside strings, comments and heredocs: where the problem starts,
    /// which a parser that backtracks reports later and less precisely.
    pub fn is_lexical(&self) -> bool {
        !matches!(self, Problem::Unexpected { .. } | Problem::Unclosed(_))
    }

    /// Terraform's summary, then the detail. `text` and `at` locate the problem.
    pub fn describe(&self, text: &str, at: usize) -> String {
        match self {
            Problem::UnterminatedString { newline: true } => "Invalid multi-line string: \
                quoted strings may not be split over multiple lines; use `\\n` for a line break, \
                or a heredoc (`<<EOT`)"
                .to_string(),
            Problem::UnterminatedString { newline: false } => {
                "Unterminated template string: no closing `\"` was found for the string".to_string()
            }
            Problem::UnterminatedInterpolation => "Unclosed template interpolation sequence: \
                there is no closing `}` for this interpolation before the end of the file"
                .to_string(),
            Problem::UnterminatedComment => {
                "Unterminated comment: no closing `*/` was found for this comment".to_string()
            }
            Problem::UnterminatedHeredoc(marker) => format!(
                "Unterminated template string: no closing marker `{marker}` was found for the heredoc"
            ),
            Problem::HeredocDelimiter => {
                "Invalid expression: expected a heredoc delimiter after `<<`".to_string()
            }
            Problem::Unexpected {
                closer: b'}',
                open: None,
            } => "Argument or block definition required: unexpected `}`".to_string(),
            Problem::Unexpected {
                closer,
                open: Some(b'['),
            } => format!(
                "Missing item separator: expected `,` or `]` before `{}`",
                *closer as char
            ),
            Problem::Unexpected { closer, .. } => format!("Unexpected `{}`", *closer as char),
            Problem::Unclosed(b'{') if opens_block(text, at) => "Unclosed configuration block: \
                there is no closing brace for this block before the end of the file"
                .to_string(),
            Problem::Unclosed(b'{') => "Unterminated object constructor expression: \
                there is no closing brace for this object before the end of the file"
                .to_string(),
            Problem::Unclosed(b'[') => "Unterminated tuple constructor expression: \
                there is no closing bracket for this tuple before the end of the file"
                .to_string(),
            Problem::Unclosed(_) if after_identifier(text, at) => "Unterminated function call: \
                there is no closing parenthesis for this function call before the end of the file"
                .to_string(),
            Problem::Unclosed(_) => "Unbalanced parentheses: \
                expected a closing parenthesis to terminate the expression"
                .to_string(),
        }
    }
}

/// The character before `at`, skipping spaces and tabs on the same line.
fn before(text: &str, at: usize) -> Option<u8> {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .rev()
        .find(|&&c| c != b' ' && c != b'\t')
        .copied()
}

/// A `{` after a label or a block type opens a block; after `=`, `:`, `(`, `[` or `,` an
/// object.
fn opens_block(text: &str, at: usize) -> bool {
    matches!(before(text, at), Some(c) if c == b'"' || c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// A `(` right after a name is a function call.
fn after_identifier(text: &str, at: usize) -> bool {
    text.as_bytes()[..at.min(text.len())]
        .last()
        .is_some_and(|&c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The first structural error: a message and the byte offset it points at.
pub fn check(text: &str) -> Option<(String, usize)> {
    first_problem(text).map(|(problem, at)| (problem.describe(text, at), at))
}

/// The first structural error and the byte offset it points at.
pub fn first_problem(text: &str) -> Option<(Problem, usize)> {
    #[derive(Clone, Copy)]
    enum Ctx {
        /// `{`, `[` or `(` opened at the offset.
        Bracket(u8, usize),
        /// A quoted string (template) opened at the offset.
        Str(usize),
        /// `${` or `%{` inside a quoted string, opened at the offset.
        Interp(usize),
    }
    let b = text.as_bytes();
    let mut stack: Vec<Ctx> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if let Some(Ctx::Str(start)) = stack.last().copied() {
            match c {
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\\' => i += 2,
                b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => i += 3,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(Ctx::Interp(i));
                    i += 2;
                }
                b'\n' => return Some((Problem::UnterminatedString { newline: true }, start)),
                _ => {
                    i += 1;
                    while i < b.len() && !STR_SPECIAL[b[i] as usize] {
                        i += 1;
                    }
                }
            }
            continue;
        }
        if !EXPR_SPECIAL[c as usize] {
            // Most bytes are plain: skip runs of them without going through the match.
            i += 1;
            while i < b.len() && !EXPR_SPECIAL[b[i] as usize] {
                i += 1;
            }
            continue;
        }
        match c {
            b'#' => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                Some(end) => i = end + 2,
                None => return Some((Problem::UnterminatedComment, i)),
            },
            b'"' => {
                stack.push(Ctx::Str(i));
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_end(b, i) {
                Ok(end) => i = end,
                Err(problem) => return Some((problem, i)),
            },
            b'{' | b'[' | b'(' => {
                stack.push(Ctx::Bracket(c, i));
                i += 1;
            }
            b'}' | b']' | b')' => {
                let open = match c {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                match stack.last() {
                    Some(Ctx::Interp(_)) if c == b'}' => {
                        stack.pop();
                    }
                    Some(Ctx::Bracket(o, _)) if *o == open => {
                        stack.pop();
                    }
                    _ => {
                        let open = stack.last().and_then(|ctx| match ctx {
                            Ctx::Bracket(o, _) => Some(*o),
                            _ => None,
                        });
                        return Some((Problem::Unexpected { closer: c, open }, i));
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    stack.last().map(|ctx| match *ctx {
        Ctx::Bracket(o, at) => (Problem::Unclosed(o), at),
        Ctx::Str(at) => (Problem::UnterminatedString { newline: false }, at),
        Ctx::Interp(at) => (Problem::UnterminatedInterpolation, at),
    })
}

/// Offsets at which `text` can be cut into pieces that are each a sequence of whole
/// top-level structures: the starts of lines outside every bracket, string, heredoc and
/// comment, at least `min_piece` bytes apart. `None` when the structure is broken (then the
/// file is parsed whole, for the parser's own error). Native HCL ends a top-level attribute
/// or block header at a line break outside brackets, so such a line start always begins a
/// new structure (or blank space, or a comment).
pub fn top_level_cuts(text: &str, min_piece: usize) -> Option<Vec<usize>> {
    let b = text.as_bytes();
    let mut cuts = Vec::new();
    let mut depth = 0usize;
    let mut next = min_piece;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' if depth == 0 => {
                if i + 1 >= next && i + 1 < b.len() {
                    cuts.push(i + 1);
                    next = i + 1 + min_piece;
                }
                i += 1;
            }
            // A line comment: on to its line break, which may be a cut.
            b'#' => i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n)
            }
            b'/' if b.get(i + 1) == Some(&b'*') => i = find(b, i + 2, b"*/")? + 2,
            b'"' => i = string_end(b, i)?,
            b'<' if b.get(i + 1) == Some(&b'<') => {
                // The closing marker's line break is taken with the heredoc: the line after
                // it may be a cut.
                i = heredoc_end(b, i).ok()?;
                if depth == 0 && i >= next && i < b.len() {
                    cuts.push(i);
                    next = i + min_piece;
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' | b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            _ => i += 1,
        }
    }
    (depth == 0).then_some(cuts)
}

/// The offset after the quoted string (template) opening at `start`, interpolations and
/// nested strings included; `None` when it is not closed on its line.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    // What is open inside the string: `"` (a string) or `{` (an interpolation or a brace).
    let mut stack: Vec<u8> = vec![b'"'];
    let mut i = start + 1;
    while let Some(&open) = stack.last() {
        let c = *b.get(i)?;
        if open == b'"' {
            match c {
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\\' => i += 2,
                b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => i += 3,
                b'$' | b'%' if b.get(i + 1) == Some(&b'{') => {
                    stack.push(b'{');
                    i += 2;
                }
                b'\n' => return None,
                _ => i += 1,
            }
        } else {
            match c {
                b'"' => {
                    stack.push(b'"');
                    i += 1;
                }
                b'{' => {
                    stack.push(b'{');
                    i += 1;
                }
                b'}' => {
                    stack.pop();
                    i += 1;
                }
                // Anything else inside an interpolation (a heredoc or a comment there is
                // rare enough to give up on: the file is then parsed whole).
                b'<' if b.get(i + 1) == Some(&b'<') => return None,
                b'#' | b'/' => return None,
                _ => i += 1,
            }
        }
    }
    Some(i)
}

const fn table(special: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < special.len() {
        t[special[i] as usize] = true;
        i += 1;
    }
    t
}

/// Bytes that matter outside strings, and inside them.
static EXPR_SPECIAL: [bool; 256] = table(b"#/\"<{}[]()");
static STR_SPECIAL: [bool; 256] = table(b"\"\\$%\n");

fn skip_line(b: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n + 1)
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b.get(from..)?, needle).map(|n| from + n)
}

/// `<<EOT` or `<<-EOT` up to the line holding only the delimiter; returns the offset after it.
fn heredoc_end(b: &[u8], start: usize) -> Result<usize, Problem> {
    let mut i = start + 2;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let ident_start = i;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'-') {
        i += 1;
    }
    let ident = &b[ident_start..i];
    if ident.is_empty() {
        return Err(Problem::HeredocDelimiter);
    }
    // The rest of the opening line must be blank.
    let mut line = skip_line(b, i);
    while line < b.len() {
        let next = skip_line(b, line);
        let content = &b[line..next];
        let trimmed = trim_ascii(content);
        if trimmed == ident {
            return Ok(next);
        }
        line = next;
    }
    Err(Problem::UnterminatedHeredoc(
        String::from_utf8_lossy(ident).into_owned(),
    ))
}

fn trim_ascii(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_level_cuts_are_line_starts_outside_every_structure() {
        let text = "a = 1\nb = [\n1]\nc = <<EOT\nx\nEOT\nd = \"${ {e = \"}\"} }\"\n# f {\ng {\n}\n";
        let cuts = top_level_cuts(text, 1).unwrap();
        let starts: Vec<&str> = cuts.iter().map(|&c| &text[c..c + 1]).collect();
        assert_eq!(starts, ["b", "c", "d", "#", "g"], "{cuts:?}");
        // Pieces are at least the minimum apart.
        let apart = top_level_cuts(text, 12).unwrap();
        assert!(apart.len() >= 2 && apart[0] >= 12, "{apart:?}");
        assert!(apart.windows(2).all(|w| w[1] - w[0] >= 12), "{apart:?}");
        // Broken structure: no cuts, the file is parsed whole.
        assert_eq!(top_level_cuts("a = [\n", 1), None);
        assert_eq!(top_level_cuts("a = \"x\n\"\n", 1), None);
        assert_eq!(top_level_cuts("}\n", 1), None);
    }

    #[test]
    fn accepts_valid_structure() {
        let ok = [
            "a = \"x ${f(\"}\")} %{if true}y%{endif} $${z} \\\" \"\n",
            "b = <<-EOT\n  text \" { [\n  EOT\nc = [1, { d = (2) }]\n",
            "# comment {\n// also {\n/* { */ e = 1\n",
            "f = <<EOF\n${\"}\"}\nEOF\n",
        ];
        for text in ok {
            assert_eq!(check(text), None, "{text:?}");
        }
    }

    #[test]
    fn reports_structural_errors_with_offsets() {
        use Problem::*;
        assert_eq!(
            first_problem("a = \"x\nb = 1\n"),
            Some((UnterminatedString { newline: true }, 4))
        );
        assert_eq!(
            first_problem("r {\n  a = [1, 2\n}\n"),
            Some((
                Unexpected {
                    closer: b'}',
                    open: Some(b'[')
                },
                16
            ))
        );
        assert_eq!(first_problem("r {\n  a = 1\n"), Some((Unclosed(b'{'), 2)));
        assert_eq!(first_problem("/* x"), Some((UnterminatedComment, 0)));
        assert_eq!(
            first_problem("a = <<EOT\nx\n"),
            Some((UnterminatedHeredoc("EOT".into()), 4))
        );
        // The innermost open construct is reported: here the string opened inside `${`.
        assert_eq!(
            first_problem("a = \"${x\""),
            Some((UnterminatedString { newline: false }, 8))
        );
        assert_eq!(
            first_problem("a = \"${x"),
            Some((UnterminatedInterpolation, 5))
        );
    }

    /// Each problem in the words of Terraform 1.11's summary for the same input
    /// (`terraform fmt` / `terraform validate`).
    #[test]
    fn describes_problems_as_terraform_does() {
        let summary = |text: &str| {
            let (message, _) = check(text).expect("a problem");
            message.split(':').next().unwrap().to_string()
        };
        for (text, terraform) in [
            ("a = \"abc\n}\n", "Invalid multi-line string"),
            ("a = \"abc", "Unterminated template string"),
            ("a = <<EOT\nabc\n", "Unterminated template string"),
            ("a = \"${x", "Unclosed template interpolation sequence"),
            (
                "resource \"x\" \"y\" {\n  a = 1\n",
                "Unclosed configuration block",
            ),
            ("a = [1, 2\n", "Unterminated tuple constructor expression"),
            ("a = foo(1, 2\n", "Unterminated function call"),
            ("a = (1 + 2\n", "Unbalanced parentheses"),
            ("a = 1\n}\n", "Argument or block definition required"),
            ("r {\n  a = [1, 2\n}\n", "Missing item separator"),
            ("a = <<\nabc\n", "Invalid expression"),
        ] {
            assert_eq!(summary(text), terraform, "{text:?}");
        }
        assert_eq!(
            check("a = { b = 1\n").unwrap().0.split(':').next(),
            Some("Unterminated object constructor expression")
        );
    }
}
