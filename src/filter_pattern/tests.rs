//! Unit tests: patterns evaluated against the two bundled CloudTrail records, and malformed
//! patterns with the span of their error.

use serde_json::Value;

use super::Match::{No, Unknown, Yes};
use super::*;

const CIS: &str =
    "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }";

fn p(pattern: &str) -> Pattern {
    match parse(pattern) {
        Ok(p) => p,
        Err(e) => panic!("{pattern:?} does not parse: {e}"),
    }
}

/// (DisableKey, ScheduleKeyDeletion)
fn both(pattern: &str) -> (Match, Match) {
    let pat = p(pattern);
    (
        pat.matches_json(&events::disable_key()),
        pat.matches_json(&events::schedule_key_deletion()),
    )
}

fn check(pattern: &str, disable: Match, schedule: Match) {
    assert_eq!(both(pattern), (disable, schedule), "pattern {pattern:?}");
    // The canonical form means the same thing.
    let printed = p(pattern).to_string();
    assert_eq!(
        p(&printed),
        p(pattern),
        "{pattern:?} printed as {printed:?}"
    );
    assert_eq!(both(&printed), (disable, schedule), "printed {printed:?}");
}

fn with(mut event: Value, path: &[&str], value: Value) -> Value {
    let mut target = &mut event;
    for (i, key) in path.iter().enumerate() {
        if i + 1 == path.len() {
            target[*key] = value;
            break;
        }
        target = &mut target[*key];
    }
    event
}

fn error(pattern: &str) -> PatternError {
    match parse(pattern) {
        Ok(p) => panic!("{pattern:?} parsed as {p:?}"),
        Err(e) => e,
    }
}

/// The error's span, and that its message contains `needle`.
fn error_at(pattern: &str, span: std::ops::Range<usize>, needle: &str) {
    let e = error(pattern);
    assert_eq!(e.span, span, "{pattern:?}: {e}");
    assert!(
        e.message.contains(needle),
        "{pattern:?}: message {:?} lacks {needle:?}",
        e.message
    );
    assert!(e.span.end <= pattern.len());
}

/// The byte offset of the `n`th (0-based) occurrence of `needle`.
fn at(pattern: &str, needle: &str, n: usize) -> usize {
    pattern
        .match_indices(needle)
        .nth(n)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("{needle:?} #{n} not in {pattern:?}"))
}

// ---------------------------------------------------------------------------------------------
// The fixtures
// ---------------------------------------------------------------------------------------------

#[test]
fn fixtures_are_the_documented_kms_events() {
    let d = events::disable_key();
    let s = events::schedule_key_deletion();
    for (e, name) in [(&d, "DisableKey"), (&s, "ScheduleKeyDeletion")] {
        assert_eq!(e["eventSource"], "kms.amazonaws.com");
        assert_eq!(e["eventName"], name);
        assert_eq!(e["eventVersion"], "1.08");
        assert_eq!(e["readOnly"], false);
        assert_eq!(e["managementEvent"], true);
        assert_eq!(e["eventCategory"], "Management");
        assert_eq!(e["userIdentity"]["type"], "IAMUser");
        assert_eq!(
            e["requestParameters"]["keyId"],
            "1234abcd-12ab-34cd-56ef-1234567890ab"
        );
    }
    assert_eq!(s["requestParameters"]["pendingWindowInDays"], 20);
    assert!(d["requestParameters"].get("pendingWindowInDays").is_none());
}

// ---------------------------------------------------------------------------------------------
// The CIS pattern and its near misses
// ---------------------------------------------------------------------------------------------

#[test]
fn cis_pattern_matches_both_events() {
    check(CIS, Yes, Yes);
    // As the real-world modules write it (terraform-aws-modules/cloudwatch cis-alarms, nozaq,
    // clouddrove): spaces around every operator.
    check(
        "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
        Yes,
        Yes,
    );
    // The same with every value quoted.
    check(
        r#"{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) }"#,
        Yes,
        Yes,
    );
    // Operands in another order, fewer parentheses.
    check(
        r#"{ ($.eventName = "ScheduleKeyDeletion" || $.eventName = DisableKey) && $.eventSource = "kms.amazonaws.com" }"#,
        Yes,
        Yes,
    );
}

#[test]
fn cis_pattern_does_not_match_other_kms_calls() {
    let cis = p(CIS);
    let encrypt = with(events::disable_key(), &["eventName"], "Encrypt".into());
    assert_eq!(cis.matches_json(&encrypt), No);
    let s3 = with(
        events::disable_key(),
        &["eventSource"],
        "s3.amazonaws.com".into(),
    );
    assert_eq!(cis.matches_json(&s3), No);
}

#[test]
fn swapping_and_and_or_matches_every_kms_event() {
    // `||` outside, `&&` inside: the `&&` half can never hold (one event has one name), so this
    // is just `$.eventSource = kms.amazonaws.com`: it matches both events, and every other KMS
    // call too.
    let swapped = "{($.eventSource = kms.amazonaws.com) || (($.eventName=DisableKey)&&($.eventName=ScheduleKeyDeletion))}";
    check(swapped, Yes, Yes);
    let encrypt = with(events::disable_key(), &["eventName"], "Encrypt".into());
    assert_eq!(p(swapped).matches_json(&encrypt), Yes);
    assert_eq!(p(CIS).matches_json(&encrypt), No);
}

#[test]
fn and_between_the_two_names_never_matches() {
    check(
        "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey && $.eventName = ScheduleKeyDeletion }",
        No,
        No,
    );
}

#[test]
fn and_binds_tighter_than_or() {
    // (source && DisableKey) || ScheduleKeyDeletion
    let p1 = "{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey || $.eventName = ScheduleKeyDeletion }";
    check(p1, Yes, Yes);
    // ScheduleKeyDeletion || (DisableKey && source = s3): DisableKey from KMS does not match.
    let p2 = "{ $.eventName = ScheduleKeyDeletion || $.eventName = DisableKey && $.eventSource = s3.amazonaws.com }";
    check(p2, No, Yes);
    // With parentheses the other way round, DisableKey from KMS needs source = s3: no match either,
    // and ScheduleKeyDeletion needs it too.
    let p3 = "{ ($.eventName = ScheduleKeyDeletion || $.eventName = DisableKey) && $.eventSource = s3.amazonaws.com }";
    check(p3, No, No);
    assert!(
        matches!(p(p1).kind(), PatternKind::Json(Expr::Or(items)) if matches!(items[0], Expr::And(_)))
    );
}

#[test]
fn a_pattern_for_one_event_only() {
    check("{ $.eventName = DisableKey }", Yes, No);
    check(r#"{ $.eventName = "ScheduleKeyDeletion" }"#, No, Yes);
    check(
        "{ $.eventSource = kms.amazonaws.com && $.requestParameters.pendingWindowInDays EXISTS }",
        No,
        Yes,
    );
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

#[test]
fn quoted_and_unquoted_values_are_equal() {
    check("{ $.userIdentity.type = IAMUser }", Yes, Yes);
    check(r#"{ $.userIdentity.type = "IAMUser" }"#, Yes, Yes);
    check(r#"{ $.userAgent = "AWS Internal" }"#, Yes, Yes);
    // A bare number compared with a string field compares the text.
    check("{ $.recipientAccountId = 111122223333 }", Yes, Yes);
    check(r#"{ $.recipientAccountId = "111122223333" }"#, Yes, Yes);
    // Escapes in quoted strings.
    let escaped = p(r#"{ $.a = "say \"hi\" \\ \x" }"#);
    let PatternKind::Json(Expr::Cond(c)) = escaped.kind() else {
        panic!("{escaped:?}")
    };
    assert_eq!(
        c.test,
        Test::Compare {
            op: CmpOp::Eq,
            value: Operand::Str {
                text: r#"say "hi" \ \x"#.to_string(),
                quoted: true
            }
        }
    );
}

#[test]
fn wildcards_at_the_start_and_end() {
    check("{ $.eventSource = kms.* }", Yes, Yes);
    check("{ $.eventSource = *.amazonaws.com }", Yes, Yes);
    check("{ $.eventName = *Key }", Yes, No);
    check(r#"{ $.eventName = "*Deletion" }"#, No, Yes);
    check("{ $.eventName = *Key* }", Yes, Yes);
    check("{ $.eventName = Disable* }", Yes, No);
    check("{ $.eventName = * }", Yes, Yes);
    check(r#"{ $.eventName = "*" }"#, Yes, Yes);
    // In the middle, `*` is a literal.
    check("{ $.eventName = Disable*Key }", No, No);
    let literal = with(events::disable_key(), &["eventName"], "Disable*Key".into());
    assert_eq!(
        p("{ $.eventName = Disable*Key }").matches_json(&literal),
        Yes
    );
    // `*` matches a number too.
    check("{ $.requestParameters.pendingWindowInDays = * }", No, Yes);
    check("{ $.requestParameters.pendingWindowInDays = 2* }", No, Yes);
}

#[test]
fn not_equal() {
    check("{ $.eventName != DisableKey }", No, Yes);
    check(
        "{ $.eventSource = kms.amazonaws.com && $.eventName != Decrypt }",
        Yes,
        Yes,
    );
    check("{ $.eventName != *Key }", No, Yes);
    // A missing field matches no comparison, `!=` included (DataBiosphere/azul#5884).
    check("{ $.errorCode != AccessDenied }", No, No);
    check(
        "{ $.eventSource = kms.amazonaws.com && $.userIdentity.invokedBy != \"cloudfront.amazonaws.com\" }",
        No,
        No,
    );
}

#[test]
fn case_sensitive() {
    check("{ $.eventName = disablekey }", No, No);
    check("{ $.eventName = DISABLEKEY }", No, No);
    check("{ $.eventSource = KMS.amazonaws.com }", No, No);
    check("{ $.EventName = DisableKey }", No, No);
    check("{ $.eventName = disable* }", No, No);
}

// ---------------------------------------------------------------------------------------------
// Existence, null and booleans
// ---------------------------------------------------------------------------------------------

#[test]
fn exists_not_exists_and_is_null() {
    check("{ $.errorCode NOT EXISTS }", Yes, Yes);
    check(
        "{ $.requestParameters.pendingWindowInDays NOT EXISTS }",
        Yes,
        No,
    );
    check(
        "{ $.requestParameters.pendingWindowInDays EXISTS }",
        No,
        Yes,
    );
    check("{ $.errorCode IS NULL }", No, No);
    check("{ $.eventName IS NULL }", No, No);
    // The corpus's root-usage pattern: not a KMS event filter.
    check(
        r#"{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }"#,
        No,
        No,
    );
    let null = with(events::disable_key(), &["errorCode"], Value::Null);
    assert_eq!(p("{ $.errorCode IS NULL }").matches_json(&null), Yes);
    assert_eq!(p("{ $.errorCode EXISTS }").matches_json(&null), Yes);
    assert_eq!(p("{ $.errorCode NOT EXISTS }").matches_json(&null), No);
    // Comparing null with `=` is not documented.
    assert_eq!(p("{ $.errorCode = x }").matches_json(&null), Unknown);
    // A path through null or a scalar does not exist.
    assert_eq!(p("{ $.errorCode.x NOT EXISTS }").matches_json(&null), Yes);
    check("{ $.eventName.length NOT EXISTS }", Yes, Yes);
}

#[test]
fn booleans() {
    check("{ $.readOnly IS FALSE }", Yes, Yes);
    check("{ $.readOnly IS TRUE }", No, No);
    check("{ $.managementEvent IS TRUE }", Yes, Yes);
    check("{ $.eventName IS TRUE }", No, No);
    check("{ $.missing IS FALSE }", No, No);
    // `=` on a boolean is not documented (the docs give `IS TRUE`/`IS FALSE`).
    check("{ $.readOnly = false }", Unknown, Unknown);
    check(
        "{ $.eventSource = kms.amazonaws.com && $.readOnly = false && $.eventName = Encrypt }",
        No,
        No,
    );
}

// ---------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------

#[test]
fn numeric_comparisons() {
    let w = "$.requestParameters.pendingWindowInDays";
    check(&format!("{{ {w} < 30 }}"), No, Yes);
    check(&format!("{{ {w} <= 20 }}"), No, Yes);
    check(&format!("{{ {w} < 20 }}"), No, No);
    check(&format!("{{ {w} > 20 }}"), No, No);
    check(&format!("{{ {w} >= 20 }}"), No, Yes);
    check(&format!("{{ {w} >= +7 }}"), No, Yes);
    check(&format!("{{ {w} > -1.5 }}"), No, Yes);
    check(&format!("{{ {w} = 20 }}"), No, Yes);
    check(&format!("{{ {w} = 20.0 }}"), No, Yes);
    check(&format!("{{ {w} = 2e1 }}"), No, Yes);
    check(&format!("{{ {w} < 3.05E+1 }}"), No, Yes);
    check(&format!("{{ {w} = \"20\" }}"), No, Yes);
    check(&format!("{{ {w} != 7 }}"), No, Yes);
    check(&format!("{{ {w} != 20 }}"), No, No);
    check(&format!("{{ {w}<30&&{w}>=7 }}"), No, Yes);
    // A string field: `No` unless it looks like a number (then AWS may convert it: `Unknown`).
    check("{ $.eventName > 1 }", No, No);
    check("{ $.recipientAccountId > 1 }", Unknown, Unknown);
    // An object is never compared.
    check("{ $.requestParameters > 1 }", No, No);
}

// ---------------------------------------------------------------------------------------------
// Selectors
// ---------------------------------------------------------------------------------------------

#[test]
fn arrays_and_objects_never_match_a_comparison() {
    check("{ $.requestParameters = * }", No, No);
    check("{ $.requestParameters != x }", No, No);
    check("{ $.resources = * }", No, No);
    check("{ $.resources != x }", No, No);
    check("{ $.userIdentity = IAMUser }", No, No);
    // They do exist.
    check("{ $.resources EXISTS }", Yes, Yes);
    check("{ $.requestParameters NOT EXISTS }", No, No);
}

#[test]
fn array_indexes() {
    check(r#"{ $.resources[0].ARN = "arn:aws:kms:*" }"#, Yes, Yes);
    check(r#"{ $.resources[0].type = "AWS::KMS::Key" }"#, No, Yes);
    check("{ $.resources[1].ARN = * }", No, No);
    check("{ $.resources[1] NOT EXISTS }", Yes, Yes);
    check(
        "{ $.resources[99999999999999999999999] NOT EXISTS }",
        Yes,
        Yes,
    );
    check("{ $.eventName[0] = D* }", No, No);
    let nested: Value = serde_json::json!({"coordinates": [[0, 1, 2], [4, 5, 6]]});
    assert_eq!(p("{ $.coordinates[1][2] = 6 }").matches_json(&nested), Yes);
    assert_eq!(p("{ $.coordinates[0] = 0 }").matches_json(&nested), No);
}

#[test]
fn undocumented_selectors_are_unknown() {
    // A member name on an array, and wildcard selectors: the docs do not say what they mean.
    check("{ $.resources.ARN = * }", Unknown, Unknown);
    check(r#"{ $.resources[*].ARN = "arn:*" }"#, Unknown, Unknown);
    check("{ $.userIdentity.* = IAMUser }", Unknown, Unknown);
    check("{ $.resources.ARN NOT EXISTS }", Unknown, Unknown);
    // Kleene logic: `No && Unknown` is `No`, `Yes || Unknown` is `Yes`.
    check("{ $.eventName = Encrypt && $.resources.ARN = * }", No, No);
    check("{ $.eventSource = kms.* || $.resources.ARN = * }", Yes, Yes);
    check(
        "{ $.eventName = DisableKey && $.resources.ARN = * }",
        Unknown,
        No,
    );
}

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

#[test]
fn whitespace_and_newlines() {
    // As in a Terraform heredoc.
    let heredoc = "\n{\n  ($.eventSource = kms.amazonaws.com) &&\n  (\n    ($.eventName = DisableKey) ||\n    ($.eventName = ScheduleKeyDeletion)\n  )\n}\n";
    check(heredoc, Yes, Yes);
    check("\t{\t$.eventName\t=\tDisableKey\t}\t", Yes, No);
    check(
        "{$.eventName=DisableKey||$.eventName=ScheduleKeyDeletion}",
        Yes,
        Yes,
    );
    check("{ $.eventName =\r\n DisableKey }", Yes, No);
    assert_eq!(p(CIS), p("{ ( $.eventSource=kms.amazonaws.com )&&( ( $.eventName=DisableKey )||( $.eventName=ScheduleKeyDeletion ) ) }"));
}

#[test]
fn nested_parentheses() {
    check(
        "{ ((((($.eventSource = kms.amazonaws.com))))) && (((($.eventName = DisableKey)) || (($.eventName = ScheduleKeyDeletion)))) }",
        Yes,
        Yes,
    );
    // Redundant parentheses do not change the tree.
    assert_eq!(p("{ ((($.a = b))) }"), p("{ $.a = b }"));
    let deep = format!(
        "{{ {}$.eventName = DisableKey{} }}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    check(&deep, Yes, No);
}

// ---------------------------------------------------------------------------------------------
// Regular expressions
// ---------------------------------------------------------------------------------------------

#[test]
fn regex_values() {
    check(
        "{ $.eventName = %DisableKey|ScheduleKeyDeletion% }",
        Yes,
        Yes,
    );
    check("{ $.eventName = %^Schedule% }", No, Yes);
    check("{ $.eventName = %[Dd]isable% }", Yes, No);
    check("{ $.eventName = %Key$% }", Yes, No);
    check("{ $.eventName != %Key$% }", No, Yes);
    check("{ $.eventName = %^[A-Z][a-z]+Key$% }", Yes, No);
    check(
        r"{ $.sourceIPAddress = %^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$% }",
        Yes,
        Yes,
    );
    check("{ $.eventName = %Sch.dule.*Del% }", No, Yes);
    check("{ $.eventName = %disablekey% }", No, No);
    check(
        "{ $.requestParameters.pendingWindowInDays = %^2\\d?$% }",
        No,
        Yes,
    );
    // Quoted, `%…%` is a string (aws-cdk#30451).
    check(r#"{ $.eventName = "%DisableKey%" }"#, No, No);
    let literal = with(events::disable_key(), &["eventName"], "%DisableKey%".into());
    assert_eq!(
        p(r#"{ $.eventName = "%DisableKey%" }"#).matches_json(&literal),
        Yes
    );
    // A regex AWS accepts (aws-cdk#36901).
    let lambda = p(r"%Task timed out after|^REPORT\s.+\sStatus: timeout%");
    assert_eq!(
        lambda.matches_text("REPORT RequestId: 1 Status: timeout"),
        Yes
    );
    assert_eq!(
        lambda.matches_text("x REPORT RequestId: 1 Status: timeout"),
        No
    );
    assert_eq!(
        lambda.matches_text("2024 Task timed out after 3.00 seconds"),
        Yes
    );
    // Flavour-dependent syntax parses but is not evaluated.
    check(r"{ $.eventName = %\bKey% }", Unknown, Unknown);
    check(
        r"{ $.eventSource = kms.* || $.eventName = %\bKey% }",
        Yes,
        Yes,
    );
    assert!(!match p(r"{ $.a = %\bKey% }").kind() {
        PatternKind::Json(Expr::Cond(Condition {
            test:
                Test::Compare {
                    value: Operand::Regex(r),
                    ..
                },
            ..
        })) => r.is_supported(),
        other => panic!("{other:?}"),
    });
}

#[test]
fn regex_matcher() {
    let m = |re: &str, text: &str| p(&format!("%{re}%")).matches_text(text);
    assert_eq!(m("AUTHORIZED", "[ERROR 401] UNAUTHORIZED REQUEST"), Yes);
    assert_eq!(m("colou?r", "colour"), Yes);
    assert_eq!(m("colou?r", "color"), Yes);
    assert_eq!(m("colou?r", "colr"), No);
    assert_eq!(m("gray|grey", "greyhound"), Yes);
    assert_eq!(m("^a+b*c{2,3}$", "aaacc"), Yes);
    assert_eq!(m("^a+b*c{2,3}$", "aaacccc"), No);
    assert_eq!(m("^a{3}$", "aaa"), Yes);
    assert_eq!(m("^a{3,}$", "aaaaa"), Yes);
    assert_eq!(m("^a{3,}$", "aa"), No);
    assert_eq!(m("[^a-c]", "abc"), No);
    assert_eq!(m("[^a-c]", "abcd"), Yes);
    assert_eq!(m(r"\s\S", "a b"), Yes);
    assert_eq!(m(r"\w\W\w", "a-b"), Yes);
    assert_eq!(m(r"10\.0\.0\.1", "10.0.0.1"), Yes);
    assert_eq!(m(r"10\.0\.0\.1", "10a0.0.1"), No);
    assert_eq!(m("a.c", "a\nc"), No);
    assert_eq!(m("x*", ""), Yes);
    assert_eq!(m("a*?b", "aab"), Yes);
    assert_eq!(m("a|", "zzz"), Yes);
    // Linear: no backtracking blow-up.
    let text = "a".repeat(20_000);
    assert_eq!(m("a*a*a*a*a*a*a*a*a*a*b", &text), No);
    assert_eq!(m(&format!("{}$", "a?".repeat(50)), &text), Yes);
    // Not evaluated.
    for re in [
        r"\bx", "a*+", "a**", "a{", "x}", "[]a]", "[[a]", "a{2000}", r"\n",
    ] {
        assert_eq!(m(re, "x"), Unknown, "{re}");
    }
}

// ---------------------------------------------------------------------------------------------
// Term patterns, standalone regexes, space-delimited patterns, the empty pattern
// ---------------------------------------------------------------------------------------------

#[test]
fn term_patterns_on_events() {
    check("DisableKey", Yes, No);
    check("\"kms.amazonaws.com\"", Yes, Yes);
    check("?DisableKey ?ScheduleKeyDeletion", Yes, Yes);
    check("\"kms.amazonaws.com\" -ScheduleKeyDeletion", Yes, No);
    check("\"kms.amazonaws.com\" - ScheduleKeyDeletion", Yes, No);
    check("\"AWS Internal\"", Yes, Yes);
    check("disablekey", No, No);
    check("pendingWindowInDays 20", No, Yes);
    check("Alice IAMUser", Yes, Yes);
    check("\" \"", Yes, Yes);
    // Could span two members, whose order and spacing we do not have.
    check("\"Key\\\",\\\"\"", Unknown, Unknown);
    check("\"eventName:DisableKey\"", Unknown, Unknown);
    // Found inside one value: decided even with a `:`.
    check("\"arn:aws:kms:us-west-2\"", Yes, Yes);
    // CDK's anyTermGroup: (DisableKey and Alice) or (ScheduleKeyDeletion and Bob).
    check("?DisableKey Alice ?ScheduleKeyDeletion Bob", Yes, No);
    // Terms before the first `?`: both readings agree here ...
    check("Alice ?DisableKey ?ScheduleKeyDeletion", Yes, Yes);
    check("Bob ?Nothing ?Neither", No, No);
    // ... and disagree here: only the first reading lets `?DisableKey` match without `Bob`.
    check("Bob ?DisableKey ?Nothing", Unknown, No);
    check("DisableKey ?Nothing ?Neither", Unknown, No);
}

#[test]
fn term_patterns_on_text() {
    let m = |pat: &str, line: &str| p(pat).matches_text(line);
    assert_eq!(m("ERROR", "Exiting with ERRORCODE: -1"), Yes);
    assert_eq!(m("ERROR ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS"), Yes);
    assert_eq!(m("ERROR ARGUMENTS", "[ERROR 400] BAD REQUEST"), No);
    assert_eq!(m("ERROR -ARGUMENTS", "[ERROR 419] MISSING ARGUMENTS"), No);
    assert_eq!(m("ERROR -ARGUMENTS", "[ERROR 400] BAD REQUEST"), Yes);
    assert_eq!(m("?ERROR ?WARN", "WARN message"), Yes);
    assert_eq!(m("?ERROR ?WARN", "INFO message"), No);
    assert_eq!(
        m(
            "\"INTERNAL SERVER ERROR\"",
            "[ERROR 500] INTERNAL SERVER ERROR"
        ),
        Yes
    );
    assert_eq!(m("\"INTERNAL SERVER ERROR\"", "INTERNAL ERROR SERVER"), No);
    assert_eq!(m("error", "ERROR"), No);
    assert_eq!(m("\" \"", "x"), Yes);
}

#[test]
fn standalone_regex() {
    check("%ScheduleKeyDeletion%", No, Yes);
    check("%Disable|Schedule%", Yes, Yes);
    check("%kms.amazonaws.com%", Yes, Yes);
    // Might match across members (`.` matches `"`), or anchored to a line we do not have.
    check("%Nothing.*Here%", Unknown, Unknown);
    check("%^Disable%", Unknown, Unknown);
    assert_eq!(p("%^Disable%").matches_text("DisableKey"), Yes);
}

#[test]
fn space_delimited_patterns() {
    let log =
        r#"127.0.0.1 Prod frank [10/Oct/2000:13:25:15 -0700] "GET /index.html HTTP/1.0" 404 1534"#;
    let m = |pat: &str| p(pat).matches_text(log);
    assert_eq!(
        m("[ip, user, username, timestamp, request, status_code, bytes]"),
        Yes
    );
    assert_eq!(
        m("[ip, user, username, timestamp, request, status_code]"),
        No
    );
    assert_eq!(
        m("[ip, user, username, timestamp, request =*.html*, status_code = 4*, bytes]"),
        Yes
    );
    assert_eq!(m("[..., request =*.html*, status_code = 4*, bytes]"), Yes);
    assert_eq!(
        m("[..., status_code = 404 || status_code = 410, bytes > 1000]"),
        Yes
    );
    assert_eq!(
        m("[..., status_code = 4* && status_code != 404, bytes]"),
        No
    );
    assert_eq!(m("[ip, ..., bytes < 1000]"), No);
    assert_eq!(m(r#"[ip = "127.0.0.1", ...]"#), Yes);
    assert_eq!(m("[ip, user = %^Pr%, ...]"), Yes);
    assert_eq!(m("[..., request=*.html*, status_code=4*,]"), No); // the last field is 1534
    let words = |pat: &str, line: &str| p(pat).matches_text(line);
    assert_eq!(words("[w1=ERROR, w2]", "ERROR message"), Yes);
    assert_eq!(words("[w1=ERROR, w2]", "ERROR WARN message"), No);
    assert_eq!(words("[w1=ERROR || w1=WARN, w2]", "WARN message"), Yes);
    let neither = "[w1!=ERROR && w1!=WARNING, w2]";
    assert_eq!(words(neither, "INFO message"), Yes);
    assert_eq!(words(neither, "WARNING message"), No);
    // On a JSON event the field split depends on text we do not have.
    check("[version, account, ...]", Unknown, Unknown);
}

#[test]
fn empty_pattern_matches_everything() {
    check("", Yes, Yes);
    check("  \n ", Yes, Yes);
    assert_eq!(p("").matches_text("anything"), Yes);
}

#[test]
fn json_pattern_on_text() {
    let cis = p(CIS);
    assert_eq!(cis.matches_text(events::DISABLE_KEY), Yes);
    assert_eq!(cis.matches_text(events::SCHEDULE_KEY_DELETION), Yes);
    assert_eq!(cis.matches_text("DisableKey kms.amazonaws.com"), No);
    assert_eq!(cis.matches_text(""), No);
    assert_eq!(cis.matches_text(&events::DISABLE_KEY[1..]), No);
}

// ---------------------------------------------------------------------------------------------
// Malformed patterns
// ---------------------------------------------------------------------------------------------

#[test]
fn unbalanced_braces() {
    let s = "{ $.eventName = DisableKey";
    error_at(s, s.len()..s.len(), "expected `}`");
    let s = "$.eventName = DisableKey }";
    error_at(s, 0..11, "enclosed in `{ }`");
    let s = "{ $.eventName = DisableKey } }";
    error_at(s, 29..30, "unexpected text after");
    let s = "{ { $.a = b } }";
    error_at(s, 2..3, "expected a condition");
}

#[test]
fn unbalanced_parentheses() {
    let s = "{ ($.eventName = DisableKey }";
    error_at(
        s,
        at(s, "}", 0)..at(s, "}", 0) + 1,
        "expected `)` to close the `(` at byte 2",
    );
    let s = "{ ($.eventName = DisableKey";
    error_at(s, s.len()..s.len(), "expected `)`");
    let s = "{ $.eventName = DisableKey) }";
    error_at(s, at(s, ")", 0)..at(s, ")", 0) + 1, "no `(` to close");
    let s = "{ ($.a = b) ($.c = d) }";
    error_at(s, 12..13, "expected `&&`, `||` or `}`");
}

#[test]
fn missing_operator() {
    let s = "{ $.eventName DisableKey }";
    error_at(s, 14..24, "expected an operator");
    let s = "{ $.eventName }";
    error_at(s, 14..15, "expected an operator");
    let s = "{ $.a is null }";
    error_at(s, 6..8, "upper case");
    let s = "{ $.eventName == DisableKey }";
    error_at(s, 14..16, "`==` is not an operator");
}

#[test]
fn empty_value() {
    let s = "{ $.eventName = }";
    error_at(s, 16..17, "expected a value after `=`, found `}`");
    let s = "{ ($.eventName =) }";
    error_at(s, 16..17, "expected a value after `=`, found `)`");
    let s = "{ $.eventName !=";
    error_at(s, s.len()..s.len(), "found end of pattern");
    let s = "{ $.eventName = && $.a = b }";
    error_at(s, 16..18, "expected a value after `=`, found `&&`");
}

#[test]
fn dangling_logical_operators() {
    let s = "{ $.eventName = DisableKey && }";
    error_at(s, 30..31, "after `&&`, found `}`");
    let s = "{ $.eventName = DisableKey || }";
    error_at(s, 30..31, "after `||`, found `}`");
    let s = "{ && $.a = b }";
    error_at(s, 2..4, "after `{`");
    let s = "{ $.a = b || || $.c = d }";
    error_at(s, 13..15, "after `||`, found `||`");
    let s = "{ $.a = b & $.c = d }";
    error_at(s, 10..11, "expected `&&`, `||` or `}`, found `&`");
    let s = "{ () }";
    error_at(s, 3..4, "after `(`, found `)`");
    let s = "{ }";
    error_at(s, 2..3, "expected a condition");
}

#[test]
fn unterminated_strings_and_regexes() {
    let s = "{ $.eventName = \"DisableKey }";
    error_at(s, 16..s.len(), "unterminated string");
    let s = "{ $.eventName = \"DisableKey\\\" }";
    error_at(s, 16..s.len(), "unterminated string");
    let s = "\"INTERNAL SERVER ERROR";
    error_at(s, 0..s.len(), "unterminated string");
    let s = "{ $.eventName = %Disable }";
    error_at(s, 16..s.len(), "unterminated regular expression");
}

#[test]
fn selector_errors() {
    // CDK's FilterPattern.stringValue("status", …) without `$.`: rejected by AWS (aws-cdk#15047).
    let s = r#"{ status = "401" }"#;
    error_at(s, 2..8, "expected a condition (`$.field …`)");
    let s = "{ $eventName = x }";
    error_at(s, 3..12, "`.` after `$`");
    let s = "{ $[0] = x }";
    error_at(s, 3..4, "`.` after `$`");
    let s = "{ $. = x }";
    error_at(s, 4..5, "property name after `.`, found a blank");
    let s = "{ $.a.= x }";
    error_at(s, 6..7, "property name after `.`, found `=`");
    let s = "{ $.['key with spaces'] = x }";
    error_at(s, 4..6, "bracket-quoted keys");
    let s = r#"{ $.a["b"] = x }"#;
    error_at(s, 5..7, "bracket-quoted keys");
    let s = "{ $.a[x] = x }";
    error_at(s, 6..7, "array index");
    let s = "{ $.a[0 = x }";
    error_at(
        s,
        7..8,
        "expected `]` to close the `[` at byte 5, found a blank",
    );
}

#[test]
fn value_errors() {
    let s = "{ $.userIdentity.type = 'Root' }";
    error_at(s, 24..25, "single quotes");
    let s = "{ $.a > abc }";
    error_at(s, 8..11, "expected a number after `>`");
    let s = "{ $.a >= \"5\" }";
    error_at(
        s,
        9..12,
        "expected a number after `>=`, found a quoted string",
    );
    let s = "{ $.a < %5% }";
    error_at(s, 8..9, "regular expression needs `=` or `!=`");
    let s = "{ $.a = b c }";
    error_at(s, 10..11, "expected `&&`, `||` or `}`, found `c`");
    let s = "{ $.a IS NOT NULL }";
    error_at(s, 6..12, "`IS NOT` is not supported");
    let s = "{ $.a IS MAYBE }";
    error_at(s, 9..14, "after `IS`");
    let s = "{ $.a NOT THERE }";
    error_at(s, 10..15, "`EXISTS` after `NOT`");
}

#[test]
fn regex_errors() {
    let s = "{ $.a = %ab(c)% }";
    error_at(s, 11..12, "parentheses are not supported");
    let s = "{ $.a = %something!% }";
    error_at(s, 18..19, "`!` is not allowed");
    let s = "{ $.a = %café% }";
    error_at(s, 12..14, "multi-byte");
    let s = "{ $.a = %*x% }";
    error_at(s, 9..10, "nothing to repeat");
    let s = "{ $.a = %x|+% }";
    error_at(s, 11..12, "nothing to repeat");
    let s = "{ $.a = %[abc% }";
    error_at(s, 9..13, "unterminated character class");
    let s = "{ $.a = %[z-a]% }";
    error_at(s, 10..13, "invalid range");
    let s = "{ $.a = %a{3,1}% }";
    error_at(s, 10..15, "invalid repetition");
    let s = "{ $.a = %a\\% }";
    error_at(s, 10..11, "cannot end with");
    let s = "{ $.a = %% }";
    error_at(s, 8..10, "empty regular expression");
    let s = "{ $.a = %a% || $.b = %b% || $.c = %c% }";
    error_at(s, 34..37, "at most 2 regular expressions");
    let s = "%abc% ERROR";
    error_at(s, 6..11, "stands alone");
}

#[test]
fn term_errors() {
    let s = "kms.amazonaws.com";
    error_at(s, 0..s.len(), "put it in double quotes");
    let s = "ERROR -";
    error_at(s, s.len()..s.len(), "expected a term after `-`");
    let s = "ERROR ? WARN";
    error_at(s, 6..7, "expected a term after `?`");
    let s = "\"ERROR\"WARN";
    error_at(s, 7..11, "a blank after the closing");
    let s = "?-ERROR";
    error_at(s, 1..7, "at most one `?` or `-`");
}

#[test]
fn space_delimited_errors() {
    let s = "[a, b";
    error_at(s, s.len()..s.len(), "expected `]`");
    let s = "[..., a, ...]";
    error_at(s, 9..12, "only one `...`");
    let s = "[]";
    error_at(s, 1..2, "a field name or `...`");
    let s = "[a,, b]";
    error_at(s, 3..4, "a field name or `...`");
    let s = "[w1=ERROR || W1=WARNING, w2]";
    error_at(s, 13..15, "may only test `w1`");
    let s = "[a = ]";
    error_at(s, 5..6, "expected a value after `=`");
    let s = "[a b]";
    error_at(s, 3..4, "an operator");
    let s = "[a] x";
    error_at(s, 4..5, "unexpected text after");
}

#[test]
fn nesting_limit() {
    let ok = format!(
        "{{ {}$.a = b{} }}",
        "(".repeat(MAX_NESTING),
        ")".repeat(MAX_NESTING)
    );
    assert!(parse(&ok).is_ok());
    let deep = format!(
        "{{ {}$.a = b{} }}",
        "(".repeat(MAX_NESTING + 1),
        ")".repeat(MAX_NESTING + 1)
    );
    error_at(
        &deep,
        2 + MAX_NESTING..3 + MAX_NESTING,
        "nested more than 100 deep",
    );
}

#[test]
fn errors_display_their_span() {
    let e = error("{ $.a = }");
    assert_eq!(
        e.to_string(),
        "expected a value after `=`, found `}` (bytes 8..9)"
    );
}
