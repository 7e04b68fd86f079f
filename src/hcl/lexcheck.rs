//! A fast structural check of native HCL, for files kmslint does not need to evaluate.
//!
//! Modules that contain none of the resource types any rule looks at are not parsed into a
//! tree (that is most of a large repository, and parsing dominates run time). Their files
//! still get this check, which catches the breakage a commit typically introduces — a
//! string, comment or heredoc left open, a bracket missing or mismatched — without
//! allocating. It never rejects a file that `hcl-edit` accepts (tested on the real-world
//! corpus); it can accept files `hcl-edit` would reject (e.g. `a = ` with no value).

/// The first structural error: a message and the byte offset it points at.
pub fn check(text: &str) -> Option<(String, usize)> {
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
                b'\n' => return Some(("unterminated string".to_string(), start)),
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
                None => return Some(("unterminated comment".to_string(), i)),
            },
            b'"' => {
                stack.push(Ctx::Str(i));
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => match heredoc_end(b, i) {
                Ok(end) => i = end,
                Err(msg) => return Some((msg, i)),
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
                    _ => return Some((format!("unexpected `{}`", c as char), i)),
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    stack.last().map(|ctx| match *ctx {
        Ctx::Bracket(o, at) => (format!("unclosed `{}`", o as char), at),
        Ctx::Str(at) => ("unterminated string".to_string(), at),
        Ctx::Interp(at) => ("unterminated template interpolation".to_string(), at),
    })
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
fn heredoc_end(b: &[u8], start: usize) -> Result<usize, String> {
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
        return Err("expected a heredoc delimiter after `<<`".to_string());
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
    Err(format!(
        "unterminated heredoc `{}`",
        String::from_utf8_lossy(ident)
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
    use super::check;

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
        assert_eq!(
            check("a = \"x\nb = 1\n"),
            Some(("unterminated string".into(), 4))
        );
        assert_eq!(
            check("r {\n  a = [1, 2\n}\n"),
            Some(("unexpected `}`".into(), 16))
        );
        assert_eq!(check("r {\n  a = 1\n"), Some(("unclosed `{`".into(), 2)));
        assert_eq!(check("/* x"), Some(("unterminated comment".into(), 0)));
        assert_eq!(
            check("a = <<EOT\nx\n"),
            Some(("unterminated heredoc `EOT`".into(), 4))
        );
        // The innermost open construct is reported: here the string opened inside `${`.
        assert_eq!(
            check("a = \"${x\""),
            Some(("unterminated string".into(), 8))
        );
        assert_eq!(
            check("a = \"${x"),
            Some(("unterminated template interpolation".into(), 5))
        );
    }
}
