//! Numbers: Terraform's are arbitrary-precision (cty uses 512-bit binary floats, parsed from
//! the decimal text), kmslint's are `f64`. The two agree whenever the `f64` *is* the decimal
//! number that was written and every operation on it is exact; everywhere else kmslint's
//! answer could differ from Terraform's (`0.1 + 0.2 == 0.3` is true in Terraform, false in
//! `f64`), so the result is unknown instead:
//!
//! * a literal with more than 15 significant digits that an `f64` does not hold exactly
//!   (`9007199254740993`, `0.10000000000000001`), or out of range (`1e400`), is unknown;
//! * `+ - * /` give a number only when both operands are exactly their decimal value
//!   ([`is_exact`]) and the `f64` operation rounds nothing; `1 / 3`, `0.1 + 0.2` are unknown.

/// True when `n` is exactly the decimal number of its shortest representation: `3`, `1.5`,
/// `0.25`, `1e20`; not `0.1` (an `f64` holds 0.1000000000000000055…) nor `1e23`.
pub fn is_exact(n: f64) -> bool {
    if !n.is_finite() {
        return false;
    }
    if n == 0.0 {
        return true;
    }
    let Some((digits, exp)) = decimal_parts(&format!("{:e}", n.abs())) else {
        return false;
    };
    dyadic_fits(&digits, exp)
}

/// `text` is a number literal and `value` the nearest `f64`: true when `value` stands for it
/// without loss that could change a comparison or a printed value.
pub fn is_faithful(text: &str, value: f64) -> bool {
    if !value.is_finite() {
        return false;
    }
    let Some((digits, exp)) = decimal_parts(text) else {
        // Not a decimal literal we understand: trust the parser.
        return true;
    };
    if digits.len() <= 15 {
        // 15 significant digits always survive a round trip through an f64.
        return true;
    }
    // Longer literals must be exactly the f64's value.
    let Some(shortest) = decimal_parts(&format!("{:e}", value.abs())) else {
        return false;
    };
    shortest == (digits.clone(), exp) && dyadic_fits(&digits, exp)
}

/// Splits a decimal literal (`-12.50e3`) into its significant digits without leading or
/// trailing zeros (`"125"`) and the power of ten of the last one (`1`): value = digits × 10^exp.
/// Zero is `("", 0)`. `None` when the text is not a plain decimal number.
fn decimal_parts(text: &str) -> Option<(String, i64)> {
    let t = text.trim_start_matches(['+', '-']);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    if int.is_empty() && frac.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let all: String = format!("{int}{frac}");
    let mut exp = exp.checked_sub(frac.len() as i64)?;
    let trimmed = all.trim_start_matches('0');
    let without_trailing = trimmed.trim_end_matches('0');
    exp = exp.checked_add((trimmed.len() - without_trailing.len()) as i64)?;
    if without_trailing.is_empty() {
        return Some((String::new(), 0));
    }
    Some((without_trailing.to_string(), exp))
}

/// True when digits × 10^exp is a binary fraction with a 53-bit odd part (an f64 holds it).
fn dyadic_fits(digits: &str, exp: i64) -> bool {
    if digits.is_empty() {
        return true;
    }
    if digits.len() > 38 {
        return false;
    }
    let Ok(d) = digits.parse::<u128>() else {
        return false;
    };
    const LIMIT: u128 = 1 << 53;
    let odd = |mut x: u128| {
        while x.is_multiple_of(2) {
            x /= 2;
        }
        x
    };
    if exp >= 0 {
        // d × 2^exp × 5^exp: the odd part is odd(d) × 5^exp.
        if exp > 22 {
            return false;
        }
        let Some(v) = odd(d).checked_mul(5u128.pow(exp as u32)) else {
            return false;
        };
        v < LIMIT && exp < 970
    } else {
        // d / (2^m × 5^m): 5^m must divide d.
        let m = -exp;
        if m > 27 {
            return false;
        }
        let p = 5u128.pow(m as u32);
        d % p == 0 && odd(d / p) < LIMIT && m < 1000
    }
}

/// `a + b` when exact (both operands exact, nothing rounded).
pub fn add(a: f64, b: f64) -> Option<f64> {
    let s = a + b;
    if !(is_exact(a) && is_exact(b) && s.is_finite()) {
        return None;
    }
    // Knuth's TwoSum: the rounding error of `a + b`.
    let bb = s - a;
    let err = (a - (s - bb)) + (b - bb);
    (err == 0.0).then_some(s)
}

pub fn sub(a: f64, b: f64) -> Option<f64> {
    add(a, -b)
}

pub fn mul(a: f64, b: f64) -> Option<f64> {
    let p = a * b;
    if !(is_exact(a) && is_exact(b) && p.is_finite()) {
        return None;
    }
    (a.mul_add(b, -p) == 0.0).then_some(p)
}

/// `a / b` for `b != 0`, when exact.
pub fn div(a: f64, b: f64) -> Option<f64> {
    let q = a / b;
    if !(is_exact(a) && is_exact(b) && q.is_finite()) {
        return None;
    }
    (q.mul_add(b, -a) == 0.0).then_some(q)
}

/// `a % b` for `b != 0`: Terraform's is `a - b × trunc(a / b)`, which `f64`'s `%` computes
/// exactly.
pub fn rem(a: f64, b: f64) -> Option<f64> {
    let r = a % b;
    (is_exact(a) && is_exact(b) && r.is_finite()).then_some(r)
}

/// A string Terraform does not accept as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// Parses a string the way Terraform converts a string to a number (Go's
/// `big.ParseFloat(s, 10, ...)`): `[+-]digits[.digits][e[+-]digits]`, no spaces, no
/// hexadecimal, no underscores. `Err` when Terraform rejects the text; `Ok(None)` when it is a
/// number an `f64` cannot hold faithfully (including `Inf`).
pub fn parse(text: &str) -> Result<Option<f64>, NotANumber> {
    let t = text.strip_prefix(['+', '-']).unwrap_or(text);
    if t == "Inf" || t == "inf" {
        return Ok(None);
    }
    let bytes = t.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if i < bytes.len() && bytes[i] == b'.' {
        i += 1;
        frac = digits(&mut i);
    }
    if int + frac == 0 {
        return Err(NotANumber);
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        i += 1;
        if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return Err(NotANumber);
        }
    }
    if i != bytes.len() {
        return Err(NotANumber);
    }
    let value: f64 = text.parse().map_err(|_| NotANumber)?;
    Ok(is_faithful(text, value).then_some(value))
}

/// Terraform's number-to-string conversion (`big.Float.Text('f', -1)`): all digits, no
/// exponent (`1e20` is `100000000000000000000`), `-0` for negative zero.
pub fn format(n: f64) -> String {
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// Go's `big.Float.Text('g', 10)` (what cty writes for a number when it orders a set):
/// 10 significant digits, trailing zeros dropped, an exponent when it is below -4 or at
/// least 10.
pub fn format_g10(n: f64) -> String {
    if n == 0.0 {
        return if n.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    if !n.is_finite() {
        return if n > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let sci = format!("{:.9e}", n);
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return sci;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..10).contains(&exp) {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", exp.abs());
    }
    let decimals = (9 - exp).max(0) as usize;
    let fixed = format!("{:.*}", decimals, n);
    if fixed.contains('.') {
        fixed
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    } else {
        fixed
    }
}

/// A number as a whole `i64`, as Terraform requires for indexes and counts: `Err` for a
/// fraction or out of range.
pub fn whole(n: f64) -> Result<i64, String> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() >= 9.2e18 {
        return Err(
            "value must be a whole number, between -9223372036854775808 and 9223372036854775807"
                .to_string(),
        );
    }
    Ok(n as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactness() {
        for n in [0.0, 1.0, -3.0, 1.5, 0.25, 1e20, 1e22, 9007199254740992.0] {
            assert!(is_exact(n), "{n} is exact");
        }
        for n in [0.1, 0.3, 1e23, 1.0 / 3.0, f64::INFINITY, f64::NAN] {
            assert!(!is_exact(n), "{n} is not exact");
        }
    }

    #[test]
    fn faithful_literals() {
        assert!(is_faithful("0.1", 0.1));
        assert!(is_faithful("123456789012345", 123456789012345.0));
        assert!(is_faithful("9007199254740992", 9007199254740992.0));
        assert!(!is_faithful("9007199254740993", 9007199254740993.0));
        assert!(!is_faithful("0.10000000000000001", 0.1));
        assert!(!is_faithful("1e400", f64::INFINITY));
        assert!(is_faithful("100000000000000000000", 1e20));
    }

    #[test]
    fn arithmetic_is_exact_or_nothing() {
        assert_eq!(add(1.0, 2.0), Some(3.0));
        assert_eq!(add(0.1, 0.2), None);
        assert_eq!(div(10.0, 4.0), Some(2.5));
        assert_eq!(div(1.0, 3.0), None);
        assert_eq!(mul(1e300, 1e300), None);
        assert_eq!(rem(5.5, 2.0), Some(1.5));
        assert_eq!(rem(-5.0, 3.0), Some(-2.0));
    }

    #[test]
    fn parse_like_go() {
        assert_eq!(parse("+1"), Ok(Some(1.0)));
        assert_eq!(parse(".5"), Ok(Some(0.5)));
        assert_eq!(parse("1."), Ok(Some(1.0)));
        assert_eq!(parse("1e3"), Ok(Some(1000.0)));
        assert_eq!(parse("Inf"), Ok(None));
        assert_eq!(parse(" 1"), Err(NotANumber));
        assert_eq!(parse("0x10"), Err(NotANumber));
        assert_eq!(parse("1_000"), Err(NotANumber));
        assert_eq!(parse(""), Err(NotANumber));
        assert_eq!(parse("."), Err(NotANumber));
        assert_eq!(parse("1e"), Err(NotANumber));
    }

    #[test]
    fn formats() {
        assert_eq!(format(1e20), "100000000000000000000");
        assert_eq!(format(1.5e-7), "0.00000015");
        assert_eq!(format(-0.0), "-0");
        assert_eq!(format_g10(1000000.0), "1000000");
        assert_eq!(format_g10(12345678901.0), "1.23456789e+10");
        assert_eq!(format_g10(1.5), "1.5");
        assert_eq!(format_g10(0.00001), "1e-05");
    }
}
