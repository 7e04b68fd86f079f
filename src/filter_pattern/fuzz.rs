//! Property tests with a small deterministic generator (no dependency): the parser never panics
//! (random and mutated strings, pathological nesting), printing and re-parsing gives the same
//! tree, and evaluation never panics and agrees between `matches_json` and `matches_text`.

use serde_json::{json, Map, Value};

use super::*;

/// Iterations per generated test: `default`, times `KMSLINT_FUZZ_SCALE` if set (e.g. `100` for a
/// long run: `KMSLINT_FUZZ_SCALE=100 cargo test --release --lib filter_pattern::fuzz`).
fn iterations(default: usize) -> usize {
    let scale = std::env::var("KMSLINT_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1);
    default.saturating_mul(scale)
}

/// The seed of a generated test, offset by `KMSLINT_FUZZ_SEED` if set.
fn seed(base: u64) -> u64 {
    let offset = std::env::var("KMSLINT_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0);
    base.wrapping_add(offset.wrapping_mul(1000))
}

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn string_from(&mut self, alphabet: &[char], min: usize, max: usize) -> String {
        let len = min + self.below(max - min + 1);
        (0..len).map(|_| *self.pick(alphabet)).collect()
    }
}

/// Characters that mean something in some pattern form, and some that do not.
const NOISE: &[char] = &[
    '{', '}', '(', ')', '[', ']', '$', '.', '=', '!', '<', '>', '&', '|', '"', '\'', '\\', '%',
    '*', '?', '-', '+', ',', ' ', ' ', ' ', '\n', '\t', 'a', 'b', 'Z', '0', '1', '9', 'e', 'E',
    '_', ':', '/', '^', 'é', '€', '😀', '\u{2028}', '\u{0}',
];

const WORDS: &[&str] = &[
    "$.eventName",
    "$.a.b[0]",
    "$.*",
    "[*]",
    "=",
    "!=",
    "<=",
    ">=",
    "&&",
    "||",
    "IS",
    "TRUE",
    "FALSE",
    "NULL",
    "NOT",
    "EXISTS",
    "...",
    "DisableKey",
    "kms.amazonaws.com",
    "\"q\"",
    "%a|b%",
    "1e3",
    "-2.5",
    "*Key",
];

const SEEDS: &[&str] = &[
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }",
    r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
    r#"{(($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*")) && (($.sourceIPAddress!="delivery.logs.amazonaws.com") && ($.eventName!="HeadBucket"))}"#,
    "{ $.requestParameters.pendingWindowInDays >= 7 && $.a[0][1] IS NULL || $.b = %^x{2,3}$% }",
    "[ip, user, ..., status_code = 4* && status_code != 403 || status_code = 5*, bytes > 1000,]",
    "?ERROR -\"Exiting now\" ?WARN Deadlock",
    "%AUTHORIZED|[Dd]enied\\.%",
    "",
];

fn events() -> Vec<Value> {
    vec![
        events::disable_key(),
        events::schedule_key_deletion(),
        json!({}),
        json!([1, "two", null]),
        json!("DisableKey"),
        json!({"a": {"b": [[1, 2], {"c": null}]}, "eventName": "x"}),
    ]
}

const LINES: &[&str] = &[
    "",
    "ERROR WARN message",
    "127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 1534",
    "{\"eventName\":\"DisableKey\",\"eventSource\":\"kms.amazonaws.com\"}",
    "{\"a\": [1, 2",
    "\"unterminated [field",
    "é € 😀",
];

/// Everything a caller can do with a pattern; must not panic.
fn exercise(pattern: &Pattern, events: &[Value]) {
    for e in events {
        let _ = pattern.matches_json(e);
    }
    for line in LINES {
        let _ = pattern.matches_text(line);
    }
}

fn check_parse(text: &str, events: &[Value]) {
    match parse(text) {
        Ok(pattern) => {
            exercise(&pattern, events);
            let printed = pattern.to_string();
            match parse(&printed) {
                Ok(again) => assert_eq!(again, pattern, "{text:?} printed as {printed:?}"),
                Err(e) => panic!("{text:?} printed as {printed:?}, which does not parse: {e}"),
            }
        }
        Err(e) => {
            assert!(
                e.span.start <= e.span.end && e.span.end <= text.len(),
                "{text:?}: span {:?} out of bounds",
                e.span
            );
            assert!(
                text.is_char_boundary(e.span.start) && text.is_char_boundary(e.span.end),
                "{text:?}: span {:?} splits a character",
                e.span
            );
            assert!(!e.message.is_empty());
        }
    }
}

#[test]
fn parse_never_panics_on_random_strings() {
    let events = events();
    let mut rng = Rng::new(seed(1));
    for _ in 0..iterations(6000) {
        let mut s = String::new();
        if rng.one_in(3) {
            s.push(*rng.pick(&['{', '[', '%', '?', '"']));
        }
        for _ in 0..rng.below(24) {
            if rng.one_in(3) {
                s.push_str(rng.pick::<&str>(WORDS));
            } else {
                s.push(*rng.pick(NOISE));
            }
        }
        if rng.one_in(3) {
            s.push(*rng.pick(&['}', ']', '%', ')']));
        }
        check_parse(&s, &events);
    }
}

#[test]
fn parse_never_panics_on_mutated_patterns() {
    let events = events();
    let mut rng = Rng::new(seed(2));
    for _ in 0..iterations(6000) {
        let mut chars: Vec<char> = rng.pick(SEEDS).chars().collect();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(chars.len() + 1);
            match rng.below(4) {
                0 => chars.insert(at, *rng.pick(NOISE)),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                2 if at < chars.len() => {
                    let end = (at + 1 + rng.below(8)).min(chars.len());
                    let copy: Vec<char> = chars[at..end].to_vec();
                    let to = rng.below(chars.len() + 1);
                    chars.splice(to..to, copy);
                }
                _ => {
                    let word: Vec<char> = rng.pick(WORDS).chars().collect();
                    chars.splice(at..at, word);
                }
            }
        }
        let s: String = chars.into_iter().collect();
        check_parse(&s, &events);
    }
}

#[test]
fn pathological_inputs_are_errors_not_crashes() {
    let events = events();
    let n = 100_000;
    let open = "(".repeat(n);
    let close = ")".repeat(n);
    for text in [
        open.clone(),
        format!("{{{open}"),
        format!("{{ {open}$.a = b{close} }}"),
        format!("{{ $.a = b{close} }}"),
        "{".repeat(n),
        "[".repeat(n),
        "%".repeat(n),
        "\"".repeat(n),
        "$.".repeat(n),
        format!("{{ $.{} = x }}", "a.".repeat(n)),
        format!("{{ $.a{} = x }}", "[0]".repeat(n)),
        format!("{{ $.a = %{}% }}", "a*".repeat(n / 2)),
        format!("{{ $.a = %{}% }}", "[a-z]{1000}".repeat(5)),
    ] {
        check_parse(&text, &events);
    }
    let deep = parse(&format!("{{ {open}$.a = b{close} }}")).unwrap_err();
    assert_eq!(deep.span, 2 + MAX_NESTING..3 + MAX_NESTING);
    // Long flat chains are fine (and linear: an `&&` chain of 20,000 conditions).
    let chain = vec!["$.eventName = DisableKey"; 20_000].join(" && ");
    let pattern = parse(&format!("{{ {chain} }}")).unwrap();
    assert_eq!(pattern.matches_json(&events::disable_key()), Match::Yes);
    assert_eq!(
        pattern.matches_json(&events::schedule_key_deletion()),
        Match::No
    );
    let terms = vec!["?DisableKey"; 20_000].join(" ");
    assert_eq!(
        parse(&terms).unwrap().matches_json(&events::disable_key()),
        Match::Yes
    );
    // A deep JSON event.
    let mut v = json!("DisableKey");
    for _ in 0..10_000 {
        v = Value::Array(vec![v]); // not `json!([v])`: that re-serializes `v` recursively
    }
    exercise(&parse("{ $.a = b }").unwrap(), std::slice::from_ref(&v));
    exercise(&parse("DisableKey").unwrap(), std::slice::from_ref(&v));
    assert_eq!(parse("DisableKey").unwrap().matches_json(&v), Match::Yes);
    std::mem::forget(v); // serde_json drops nested arrays recursively
}

// ---------------------------------------------------------------------------------------------
// Generated trees
// ---------------------------------------------------------------------------------------------

const NAME: &[char] = &['a', 'b', 'Z', '0', '7', '_', '-', 'e'];
const WORD: &[char] = &['a', 'B', 'z', '0', '5', '_', 'K', 'y'];
const BARE: &[char] = &[
    'a', 'B', 'k', '0', '9', '_', '.', '-', ':', '/', '@', '*', '+', '#', '~', ';', 'é', '€',
];
const ANY: &[char] = &[
    'a', 'Z', '0', ' ', '"', '\\', '*', '%', '}', ')', ']', ',', '&', '|', '\n', 'é', '😀', '\'',
];
const REGEXES: &[&str] = &[
    "abc",
    "^a+b*$",
    "x|y|",
    "[a-z]{2,3}",
    r"\d+\.\d",
    "a.c",
    r"\bword",
    "[^,: ]",
    "Disable|Schedule",
    "k{0,}",
];

struct Gen {
    rng: Rng,
    regexes: usize,
}

impl Gen {
    fn name(&mut self) -> String {
        self.rng.string_from(NAME, 1, 6)
    }

    fn number(&mut self) -> Operand {
        let text = self
            .rng
            .pick(&[
                "0", "20", "-12", "+3.5", "1e3", "2E-7", ".5", "5.", "1e999", "007",
            ])
            .to_string();
        let value = text.parse().unwrap();
        Operand::Number { text, value }
    }

    fn operand(&mut self, op: CmpOp) -> Operand {
        if op.is_ordering() {
            return self.number();
        }
        match self.rng.below(4) {
            0 => self.number(),
            1 if self.regexes < MAX_REGEXES => {
                self.regexes += 1;
                let source = self.rng.pick(REGEXES);
                Operand::Regex(Regex::parse(source, 0).unwrap())
            }
            2 => Operand::Str {
                text: self.rng.string_from(ANY, 0, 8),
                quoted: true,
            },
            _ => loop {
                let text = self.rng.string_from(BARE, 1, 8);
                if !parse::is_number(&text) {
                    break Operand::Str {
                        text,
                        quoted: false,
                    };
                }
            },
        }
    }

    fn op(&mut self) -> CmpOp {
        *self.rng.pick(&[
            CmpOp::Eq,
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ])
    }

    fn selector(&mut self) -> Selector {
        let mut segments = vec![if self.rng.one_in(8) {
            Segment::AnyMember
        } else {
            Segment::Member(self.pick_key())
        }];
        for _ in 0..self.rng.below(4) {
            segments.push(match self.rng.below(8) {
                0 => Segment::AnyMember,
                1 => Segment::AnyIndex,
                2 | 3 => Segment::Index(*self.rng.pick(&[0, 1, 2, usize::MAX])),
                _ => Segment::Member(self.pick_key()),
            });
        }
        Selector { segments }
    }

    /// Keys that the generated events use, so selectors resolve often.
    fn pick_key(&mut self) -> String {
        if self.rng.one_in(4) {
            self.name()
        } else {
            self.rng
                .pick(&["a", "b", "c", "eventName", "x-y", "_z", "0"])
                .to_string()
        }
    }

    fn condition(&mut self) -> Condition {
        let test = match self.rng.below(10) {
            0 => Test::IsTrue,
            1 => Test::IsFalse,
            2 => Test::IsNull,
            3 => Test::Exists,
            4 => Test::NotExists,
            _ => {
                let op = self.op();
                Test::Compare {
                    op,
                    value: self.operand(op),
                }
            }
        };
        Condition {
            selector: self.selector(),
            test,
        }
    }

    fn expr(&mut self, depth: usize) -> Expr {
        if depth == 0 || self.rng.one_in(3) {
            return Expr::Cond(self.condition());
        }
        let items = (0..2 + self.rng.below(3))
            .map(|_| self.expr(depth - 1))
            .collect();
        if self.rng.one_in(2) {
            Expr::And(items)
        } else {
            Expr::Or(items)
        }
    }

    fn terms(&mut self) -> Vec<Term> {
        (0..1 + self.rng.below(6))
            .map(|_| {
                let kind = *self.rng.pick(&[
                    TermKind::Include,
                    TermKind::Include,
                    TermKind::Exclude,
                    TermKind::Optional,
                ]);
                if self.rng.one_in(3) {
                    Term {
                        kind,
                        text: self.rng.string_from(ANY, 0, 8),
                        quoted: true,
                    }
                } else {
                    Term {
                        kind,
                        text: self.rng.string_from(WORD, 1, 6),
                        quoted: false,
                    }
                }
            })
            .collect()
    }

    fn field_compare(&mut self) -> FieldCondition {
        let op = self.op();
        FieldCondition::Compare {
            op,
            value: self.operand(op),
        }
    }

    fn field_condition(&mut self) -> FieldCondition {
        let and = |g: &mut Gen| {
            if g.rng.one_in(2) {
                g.field_compare()
            } else {
                FieldCondition::And((0..2 + g.rng.below(2)).map(|_| g.field_compare()).collect())
            }
        };
        if self.rng.one_in(2) {
            and(self)
        } else {
            FieldCondition::Or((0..2 + self.rng.below(2)).map(|_| and(self)).collect())
        }
    }

    fn fields(&mut self) -> Vec<Field> {
        let mut ellipsis = false;
        (0..1 + self.rng.below(5))
            .map(|_| {
                if !ellipsis && self.rng.one_in(4) {
                    ellipsis = true;
                    return Field::Ellipsis;
                }
                let name = self.name();
                let condition = if self.rng.one_in(2) {
                    None
                } else {
                    Some(self.field_condition())
                };
                Field::Named { name, condition }
            })
            .collect()
    }

    fn pattern(&mut self) -> Pattern {
        self.regexes = 0;
        let kind = match self.rng.below(8) {
            0 => PatternKind::All,
            1 => PatternKind::Terms(self.terms()),
            2 => PatternKind::Delimited(self.fields()),
            3 => PatternKind::Regex(Regex::parse(self.rng.pick::<&str>(REGEXES), 0).unwrap()),
            _ => PatternKind::Json(self.expr(5)),
        };
        Pattern { kind }
    }

    fn json(&mut self, depth: usize) -> Value {
        let scalar = |g: &mut Gen| match g.rng.below(7) {
            0 => Value::Null,
            1 => Value::Bool(g.rng.one_in(2)),
            2 => json!(g.rng.below(30)),
            3 => json!(*g.rng.pick(&[-1.5, 20.0, 1e300, 0.1])),
            _ => Value::String(if g.rng.one_in(2) {
                g.rng.string_from(ANY, 0, 6)
            } else {
                g.rng
                    .pick(&[
                        "DisableKey",
                        "kms.amazonaws.com",
                        "",
                        "a*b",
                        "20",
                        "1e3",
                        "é x",
                    ])
                    .to_string()
            }),
        };
        if depth == 0 || self.rng.one_in(3) {
            return scalar(self);
        }
        if self.rng.one_in(3) {
            Value::Array(
                (0..self.rng.below(4))
                    .map(|_| self.json(depth - 1))
                    .collect(),
            )
        } else {
            let mut map = Map::new();
            for _ in 0..self.rng.below(5) {
                let key = self.pick_key();
                map.insert(key, self.json(depth - 1));
            }
            Value::Object(map)
        }
    }
}

#[test]
fn generated_trees_print_and_parse_back_the_same() {
    let mut g = Gen {
        rng: Rng::new(seed(3)),
        regexes: 0,
    };
    for _ in 0..iterations(4000) {
        let pattern = g.pattern();
        let printed = pattern.to_string();
        match parse(&printed) {
            Ok(back) => assert_eq!(back, pattern, "printed as {printed:?}"),
            Err(e) => panic!("{pattern:?} printed as {printed:?}, which does not parse: {e}"),
        }
    }
}

#[test]
fn evaluation_never_panics_and_json_agrees_with_its_text() {
    let mut g = Gen {
        rng: Rng::new(seed(4)),
        regexes: 0,
    };
    let mut fixed = events();
    fixed.truncate(2);
    for _ in 0..iterations(3000) {
        let pattern = g.pattern();
        let mut events: Vec<Value> = (0..3).map(|_| g.json(4)).collect();
        events.extend(fixed.iter().cloned());
        for event in &events {
            let on_json = pattern.matches_json(event);
            let text = serde_json::to_string(event).unwrap();
            let on_text = pattern.matches_text(&text);
            match pattern.kind() {
                // A JSON pattern parses the text back to the same event.
                PatternKind::Json(_) | PatternKind::All => {
                    assert_eq!(on_json, on_text, "{pattern} on {text}")
                }
                // Decided on the event means decided on any rendering of it, compact included.
                PatternKind::Terms(_) | PatternKind::Regex(_) => {
                    if on_json != Match::Unknown {
                        assert_eq!(on_json, on_text, "{pattern} on {text}");
                    }
                }
                PatternKind::Delimited(_) => assert_eq!(on_json, Match::Unknown),
            }
        }
        for line in LINES {
            let _ = pattern.matches_text(line);
        }
    }
}
