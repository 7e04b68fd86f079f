//! Terraform's `format` (cty's printf): verbs `%v %#v %t %s %q %d %b %o %x %X %e %E %f %g
//! %G %%`, flags `-+ #0`, width, precision, and `%[n]` argument indexes.
//!
//! Numbers are formatted from the `f64`; a result that Terraform's 512-bit number could
//! format differently (an inexact value such as `0.35` rounded at a digit where the two
//! differ) is unknown, as are `%q` of non-ASCII punctuation and widths beyond the string
//! budget.

use super::{EvalError, EvalResult, Value, ValueKind, MAX_STRING_BYTES};
use crate::number;

#[derive(Default, Debug)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    sharp: bool,
    zero: bool,
    width: Option<usize>,
    precision: Option<usize>,
}

/// Why a verb produced nothing: Terraform's error, or we cannot tell.
enum Fail {
    Error(EvalError),
    Unknown,
}

impl From<EvalError> for Fail {
    fn from(e: EvalError) -> Fail {
        Fail::Error(e)
    }
}

fn err(message: impl Into<String>) -> Fail {
    Fail::Error(EvalError::new(message))
}

pub fn format(fmt: &str, args: &[Value]) -> EvalResult {
    // A null or (partly) unknown argument makes the result unknown before anything is
    // checked, as in cty.
    if args.iter().any(|a| a.is_null() || a.has_unknown()) {
        return Ok(Value::unknown());
    }
    format_row(fmt, args)
}

/// One row of `formatlist`: an unknown argument gives an unknown row, a null one is an error.
pub fn format_row(fmt: &str, args: &[Value]) -> EvalResult {
    if let Some(i) = args.iter().position(Value::is_null) {
        return Err(EvalError::new(format!(
            "unsupported value for argument {}: null value cannot be formatted",
            i + 1
        )));
    }
    match run(fmt, args) {
        Ok(s) => Ok(Value::new(ValueKind::String(s))),
        Err(Fail::Error(e)) => Err(e),
        Err(Fail::Unknown) => Ok(Value::unknown()),
    }
}

fn run(fmt: &str, args: &[Value]) -> Result<String, Fail> {
    let bytes = fmt.as_bytes();
    let mut out = String::new();
    let mut next_arg = 0usize;
    let mut max_used = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            let start = i;
            while i < bytes.len() && bytes[i] != b'%' {
                i += 1;
            }
            out.push_str(&fmt[start..i]);
            continue;
        }
        let verb_start = i;
        i += 1;
        if i >= bytes.len() {
            return Err(err(format!(
                "invalid format string starting at offset {}",
                verb_start + 1
            )));
        }
        if bytes[i] == b'%' {
            out.push('%');
            i += 1;
            continue;
        }
        let mut spec = Spec::default();
        while i < bytes.len() {
            match bytes[i] {
                b'-' => spec.minus = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.sharp = true,
                b'0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut index = |i: &mut usize| -> Result<(), Fail> {
            if *i < bytes.len() && bytes[*i] == b'[' {
                let close = bytes[*i..]
                    .iter()
                    .position(|&b| b == b']')
                    .map(|p| *i + p)
                    .ok_or_else(|| err("unterminated argument index"))?;
                let n: usize = fmt[*i + 1..close]
                    .parse()
                    .map_err(|_| err("invalid argument index"))?;
                if n == 0 {
                    return Err(err("invalid argument index"));
                }
                next_arg = n - 1;
                *i = close + 1;
            }
            Ok(())
        };
        index(&mut i)?;
        let digits = |i: &mut usize| -> Option<usize> {
            let start = *i;
            while *i < bytes.len() && bytes[*i].is_ascii_digit() {
                *i += 1;
            }
            (start != *i).then(|| fmt[start..*i].parse().unwrap_or(usize::MAX))
        };
        spec.width = digits(&mut i);
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            spec.precision = Some(digits(&mut i).unwrap_or(0));
        }
        index(&mut i)?;
        if spec.width.unwrap_or(0) > MAX_STRING_BYTES || spec.precision.unwrap_or(0) > 10_000 {
            return Err(Fail::Unknown);
        }
        let Some(verb) = fmt[i.min(fmt.len())..].chars().next() else {
            return Err(err(format!(
                "invalid format string starting at offset {}",
                verb_start + 1
            )));
        };
        if !verb.is_ascii_alphabetic() {
            return Err(err(format!(
                "unrecognized format character '{verb}' at offset {i}"
            )));
        }
        i += verb.len_utf8();
        if !"vtsqdboxXeEfgG".contains(verb) {
            return Err(err(format!(
                "unsupported format verb '{verb}' in \"{}\" at offset {verb_start}",
                &fmt[verb_start..i]
            )));
        }
        let Some(arg) = args.get(next_arg) else {
            return Err(err(format!(
                "not enough arguments for \"{}\" at {verb_start}: need index {} but have {} total",
                &fmt[verb_start..i],
                next_arg + 1,
                args.len()
            )));
        };
        next_arg += 1;
        max_used = max_used.max(next_arg);
        if arg.has_unknown() || arg.is_null() {
            return Err(Fail::Unknown);
        }
        let text = verb_text(verb, &spec, arg).map_err(|f| match f {
            Fail::Error(e) => Fail::Error(EvalError::new(format!(
                "unsupported value for \"{}\" at {verb_start}: {}",
                &fmt[verb_start..i],
                e.message
            ))),
            Fail::Unknown => Fail::Unknown,
        })?;
        out.push_str(&text);
        if out.len() > MAX_STRING_BYTES {
            return Err(Fail::Unknown);
        }
    }
    if max_used < args.len() {
        return Err(err(format!(
            "too many arguments; only {max_used} used by format string"
        )));
    }
    Ok(out)
}

fn verb_text(verb: char, spec: &Spec, arg: &Value) -> Result<String, Fail> {
    match verb {
        'v' if spec.sharp => Ok(pad(spec, json(arg)?)),
        'v' => match &arg.kind {
            ValueKind::List(_) | ValueKind::Object(_) => Ok(pad(spec, json(arg)?)),
            _ => {
                let s = arg.to_str()?.ok_or(Fail::Unknown)?;
                Ok(pad(spec, s))
            }
        },
        // cty ignores the width of `%t`.
        't' => Ok(arg.to_bool()?.ok_or(Fail::Unknown)?.to_string()),
        's' | 'q' => {
            let mut s = arg
                .to_str()
                .map_err(|_| err("string required"))?
                .ok_or(Fail::Unknown)?;
            if let Some(p) = spec.precision {
                s = s.chars().take(p).collect();
            }
            if verb == 'q' {
                s = quote(&s).ok_or(Fail::Unknown)?;
            }
            Ok(pad(spec, s))
        }
        'd' | 'b' | 'o' | 'x' | 'X' => {
            let n = arg
                .to_number()
                .map_err(|_| err("a number is required"))?
                .ok_or(Fail::Unknown)?;
            if n.fract() != 0.0 {
                return Err(err("an integer is required"));
            }
            if !number::is_exact(n) {
                return Err(Fail::Unknown);
            }
            let negative = n < 0.0;
            let digits = if verb == 'd' {
                format!("{:.0}", n.abs())
            } else {
                if n.abs() >= 1.8e19 {
                    return Err(Fail::Unknown);
                }
                let m = n.abs() as u64;
                match verb {
                    'b' => format!("{m:b}"),
                    'o' => format!("{m:o}"),
                    'x' => format!("{m:x}"),
                    _ => format!("{m:X}"),
                }
            };
            let digits = match spec.precision {
                Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
                _ => digits,
            };
            let prefix = match (spec.sharp, verb) {
                (true, 'x') => "0x",
                (true, 'X') => "0X",
                (true, 'o') => "0",
                (true, 'b') => "0b",
                _ => "",
            };
            Ok(sign_pad(spec, negative, &format!("{prefix}{digits}")))
        }
        'e' | 'E' | 'f' | 'g' | 'G' => {
            let n = arg
                .to_number()
                .map_err(|_| err("a number is required"))?
                .ok_or(Fail::Unknown)?;
            let text = robust_float(n, verb, spec.precision).ok_or(Fail::Unknown)?;
            let negative = n < 0.0 || (n == 0.0 && n.is_sign_negative());
            Ok(sign_pad(spec, negative, &text))
        }
        _ => Err(Fail::Unknown),
    }
}

/// jsonencode for `%v` of collections and `%#v`.
fn json(arg: &Value) -> Result<String, Fail> {
    match super::json::encode(arg)?.kind {
        ValueKind::String(s) => Ok(s),
        _ => Err(Fail::Unknown),
    }
}

/// Formats |n|. An exact value is formatted from the `f64`. An inexact one (a literal such
/// as `0.1`, which Terraform holds to 512 bits) is formatted from its decimal digits, which
/// is what Terraform's value rounds like, except at an exact tie (`0.35` to one decimal),
/// where the two may round differently: unknown.
fn robust_float(n: f64, verb: char, precision: Option<usize>) -> Option<String> {
    if !n.is_finite() {
        return None;
    }
    let n = n.abs();
    if number::is_exact(n) || (precision.is_none() && matches!(verb, 'g' | 'G')) {
        // The shortest representation of a faithful literal is the literal.
        return Some(float(n, verb, precision));
    }
    let (digits, point) = decimal_digits(n)?;
    // Terraform's 512-bit value has about 154 correct decimal digits; past them it differs
    // from the decimal literal.
    let wanted = match verb {
        'f' => point.max(0) + precision.unwrap_or(6) as i64,
        _ => precision.unwrap_or(6) as i64 + 1,
    };
    if wanted > 150 {
        return None;
    }
    let rounded = |keep: i64| -> Option<(String, i64)> {
        // Keep `keep` digits of `digits` (which has its decimal point after `point`).
        if keep < 0 {
            return Some((String::new(), point));
        }
        let keep = keep as usize;
        if keep >= digits.len() {
            return Some((digits.clone(), point));
        }
        let dropped = &digits[keep..];
        let first = dropped.as_bytes()[0];
        if first == b'5' && dropped[1..].bytes().all(|b| b == b'0') {
            return None;
        }
        let mut kept: Vec<u8> = digits[..keep].bytes().collect();
        let mut point = point;
        if first >= b'5' {
            let mut i = kept.len();
            loop {
                if i == 0 {
                    kept.insert(0, b'1');
                    point += 1;
                    break;
                }
                i -= 1;
                if kept[i] == b'9' {
                    kept[i] = b'0';
                } else {
                    kept[i] += 1;
                    break;
                }
            }
        }
        Some((String::from_utf8(kept).ok()?, point))
    };
    match verb {
        'f' => {
            let p = precision.unwrap_or(6);
            let (kept, point) = rounded(point + p as i64)?;
            Some(fixed(&kept, point, p))
        }
        'e' | 'E' => {
            let p = precision.unwrap_or(6);
            let (kept, point) = rounded(p as i64 + 1)?;
            let mut mantissa = kept.clone();
            mantissa.extend(std::iter::repeat_n('0', (p + 1).saturating_sub(kept.len())));
            let (first, rest) = mantissa.split_at(1);
            let exp = point - 1;
            let body = if p == 0 {
                first.to_string()
            } else {
                format!("{first}.{rest}")
            };
            let s = go_exponent(&format!("{body}e{exp}"));
            Some(if verb == 'E' { s.to_uppercase() } else { s })
        }
        // `%g` with a precision of an inexact value: rare, unknown.
        _ => None,
    }
}

/// The shortest decimal digits of a positive finite `n` and where its decimal point goes
/// (`0.35` is ("35", 0), `3.14159` is ("314159", 1), `0.001` is ("1", -2)).
fn decimal_digits(n: f64) -> Option<(String, i64)> {
    let sci = format!("{:e}", n);
    let (m, e) = sci.split_once('e')?;
    let exp: i64 = e.parse().ok()?;
    let digits: String = m.chars().filter(|c| c.is_ascii_digit()).collect();
    Some((digits, exp + 1))
}

/// Digits with the decimal point after `point`, written with `p` decimals.
fn fixed(digits: &str, point: i64, p: usize) -> String {
    let mut int = String::new();
    let mut frac = String::new();
    for (i, c) in digits.chars().enumerate() {
        if (i as i64) < point {
            int.push(c);
        } else {
            frac.push(c);
        }
    }
    if point > digits.len() as i64 {
        int.extend(std::iter::repeat_n(
            '0',
            (point - digits.len() as i64) as usize,
        ));
    }
    if point < 0 {
        frac = format!("{}{frac}", "0".repeat((-point) as usize));
    }
    if int.is_empty() {
        int.push('0');
    }
    frac.truncate(p);
    frac.extend(std::iter::repeat_n('0', p.saturating_sub(frac.len())));
    if p == 0 {
        int
    } else {
        format!("{int}.{frac}")
    }
}

/// Formats a positive `f64` as Go formats that exact value.
fn float(n: f64, verb: char, precision: Option<usize>) -> String {
    match verb {
        'f' => format!("{:.*}", precision.unwrap_or(6), n),
        'e' | 'E' => {
            let s = go_exponent(&format!("{:.*e}", precision.unwrap_or(6), n));
            if verb == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => {
            let s = match precision {
                None => {
                    // Shortest representation; exponent form below 1e-4 or from 1e6.
                    let sci = format!("{:e}", n);
                    let exp = sci
                        .split_once('e')
                        .and_then(|(_, e)| e.parse::<i32>().ok())
                        .unwrap_or(0);
                    if !(-4..6).contains(&exp) {
                        go_exponent(&sci)
                    } else {
                        format!("{n}")
                    }
                }
                Some(p) => {
                    let p = p.max(1);
                    let sci = format!("{:.*e}", p - 1, n);
                    let exp = sci
                        .split_once('e')
                        .and_then(|(_, e)| e.parse::<i32>().ok())
                        .unwrap_or(0);
                    if exp < -4 || exp >= p as i32 {
                        let (m, e) = sci.split_once('e').unwrap_or((&sci, "0"));
                        let m = if m.contains('.') {
                            m.trim_end_matches('0').trim_end_matches('.')
                        } else {
                            m
                        };
                        go_exponent(&format!("{m}e{e}"))
                    } else {
                        let decimals = (p as i32 - 1 - exp).max(0) as usize;
                        let f = format!("{:.*}", decimals, n);
                        if f.contains('.') {
                            f.trim_end_matches('0').trim_end_matches('.').to_string()
                        } else {
                            f
                        }
                    }
                }
            };
            if verb == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
    }
}

/// Rust's `1.5e3` → Go's `1.5e+03`.
fn go_exponent(s: &str) -> String {
    let Some((m, e)) = s.split_once('e') else {
        return s.to_string();
    };
    let (sign, digits) = match e.strip_prefix('-') {
        Some(d) => ('-', d),
        None => ('+', e),
    };
    format!("{m}e{sign}{digits:0>2}")
}

/// Sign, zero padding after the sign, then width padding.
fn sign_pad(spec: &Spec, negative: bool, digits: &str) -> String {
    let sign = if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let len = sign.len() + digits.chars().count();
    if spec.zero && !spec.minus {
        if let Some(w) = spec.width {
            if w > len {
                return format!("{sign}{}{digits}", "0".repeat(w - len));
            }
        }
    }
    pad(spec, format!("{sign}{digits}"))
}

/// Pads to the width with spaces (left, or right with `-`); zeros for `0` without `-`
/// (Go pads strings with zeros too: `%05s` of "ab" is "000ab").
fn pad(spec: &Spec, s: String) -> String {
    let Some(w) = spec.width else {
        return s;
    };
    let len = s.chars().count();
    if len >= w {
        return s;
    }
    if spec.minus {
        format!("{s}{}", " ".repeat(w - len))
    } else if spec.zero {
        format!("{}{s}", "0".repeat(w - len))
    } else {
        format!("{}{s}", " ".repeat(w - len))
    }
}

/// Go's `strconv.Quote` for what we can tell apart from Go's notion of printable.
fn quote(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_ascii() || c.is_alphanumeric() => out.push(c),
            _ => return None,
        }
    }
    out.push('"');
    Some(out)
}
