//! `cloudwatch-cmk-filter-incomplete`: a metric filter meant to count KMS key changes whose
//! pattern misses `DisableKey` or `ScheduleKeyDeletion`, or does not parse.
//!
//! ## What it does
//! For every `aws_cloudwatch_log_metric_filter` whose `pattern` is known, parses it
//! ([`crate::filter_pattern`]). A filter meant for KMS key changes (`super::kms_filter`: the
//! pattern names one of the two events, or KMS with a telling filter or metric name) is
//! reported when its pattern, evaluated on the real CloudTrail records of the two events,
//! does not match both (the message names the one it misses, and a likely slip: `&&` between
//! two event names, a value in the wrong case), or when it does not parse: then the finding
//! points at the error inside the string when the string is written without escapes (a
//! quoted string or a heredoc), else at the whole value. An evaluation that cannot decide
//! (`Match::Unknown`) reports nothing.
//!
//! ## Why is this bad?
//! CIS AWS Foundations 4.7 (5.7 in v6+) wants an alarm on this metric; a filter that never
//! counts a `ScheduleKeyDeletion` keeps the alarm silent when it matters. CloudWatch Logs
//! rejects a pattern that does not parse when the filter is created.
//!
//! ## Fix
//! None: the intended pattern cannot be guessed safely; the message shows the CIS pattern.
//!
//! The full documentation is `rules/cloudwatch-cmk-filter-incomplete.md`.

use std::ops::Range;

use super::kms_filter::{self, filter_names, hint, meant_for_key_changes, CIS_PATTERN, EVENTS};
use super::tri::Tri;
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::eval::ValueKind;
use crate::filter_pattern;
use crate::finding::{Finding, Severity};
use crate::project::ResourceId;
use crate::source::{FileRef, Span};
use crate::syntax::ExprKind;

pub struct CloudwatchCmkFilterIncomplete;

pub static META: RuleMeta = RuleMeta {
    id: "cloudwatch-cmk-filter-incomplete",
    summary: "Metric filter for KMS key changes that misses DisableKey or ScheduleKeyDeletion, or does not parse",
    severity: Severity::Warning,
    default_enabled: true,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/cloudwatch-cmk-filter-incomplete.md"),
    resource_types: &["aws_cloudwatch_log_metric_filter"],
    module_sources: &[],
    peer_ids: &[],
    // The alarm it feeds stays silent: like a trail that misses the events.
    security_severity: Some("4.5"),
    options: &[],
    cis: super::cis::CMK_CHANGE_ALARM,
};

const ATTR: &str = "pattern";

impl Rule for CloudwatchCmkFilterIncomplete {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for (id, _) in cx.resources("aws_cloudwatch_log_metric_filter") {
            if let Some(f) = check_filter(cx, id) {
                out.push(f);
            }
        }
    }
}

fn check_filter(cx: &RuleContext, id: ResourceId) -> Option<Finding> {
    let node = cx.node(id);
    let value = node.value(ATTR)?;
    let ValueKind::String(text) = &value.kind else {
        return None; // unknown, or not a string (Terraform rejects it)
    };
    let names = filter_names(cx, id);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let address = &cx.resource(id).reported_as;
    let written = cx.written(id);
    let attr = written.attribute(ATTR)?;
    let file = written.file_of(ATTR);
    // The string as written, and where the value starts in it: the provider trims the
    // pattern, so a plan holds a heredoc's text without its last newline.
    let written_text = match &attr.expr.kind {
        ExprKind::String(s) if s == text => Some((s, 0)),
        ExprKind::String(s) if s.trim() == text => Some((s, s.len() - s.trim_start().len())),
        _ => None,
    };
    let in_place = written_text.is_some();
    match filter_pattern::parse(text) {
        Err(error) => {
            if !kms_filter::text_meant_for_key_changes(text, &names) {
                return None;
            }
            let inside = written_text.and_then(|(s, lead)| {
                let range = error.span.start + lead..error.span.end + lead;
                span_in_string(file, &attr.expr.span, s, range)
            });
            let span = inside.unwrap_or_else(|| attr.expr.span.clone());
            let mut finding = cx
                .report(
                    id,
                    file,
                    span,
                    format!(
                        "metric filter `{address}` is meant to count KMS key changes, but its pattern does not parse: {}; CloudWatch Logs rejects it when the filter is created (CIS uses `{CIS_PATTERN}`)",
                        error.message
                    ),
                )
                .attribute(ATTR);
            // A pattern that comes from a variable or a local: show the error where it is written.
            if let Some(origin) = value.origin.as_ref().filter(|_| !in_place) {
                let at = span_in_string(&origin.file, &origin.span, text, error.span.clone())
                    .unwrap_or_else(|| origin.span.clone());
                finding = finding.related(
                    &origin.file,
                    at,
                    format!("the pattern comes from {}", origin.describe()),
                );
            }
            Some(finding.build())
        }
        Ok(pattern) => {
            if !meant_for_key_changes(&pattern, &names) {
                return None;
            }
            let matched = kms_filter::matches(&pattern);
            let missed: Vec<&str> = (0..2)
                .filter(|&e| matched[e] == Tri::No)
                .map(|e| EVENTS[e])
                .collect();
            // Undecided (an unsupported regex, an undocumented construct): no finding.
            if missed.is_empty() || matched.contains(&Tri::Unknown) {
                return None;
            }
            let what = if missed.len() == 2 {
                "matches neither DisableKey nor ScheduleKeyDeletion events".to_string()
            } else {
                format!("does not match {} events", missed[0])
            };
            let advice = match hint(&pattern) {
                Some(h) => h,
                None if missed.len() == 1 => format!(
                    "add `|| ($.eventName = {})` next to the other event",
                    missed[0]
                ),
                None => "match `$.eventSource` and `$.eventName` as CIS does".to_string(),
            };
            let mut finding = cx
                .report(
                    id,
                    file,
                    attr.span.clone(),
                    format!(
                        "metric filter `{address}` is meant to count KMS key changes, but its pattern {what}: {advice} (CIS uses `{CIS_PATTERN}`)"
                    ),
                )
                .attribute(ATTR);
            if let Some(origin) = value.origin.as_ref().filter(|_| !in_place) {
                finding = finding.related(
                    &origin.file,
                    origin.span.clone(),
                    format!("the pattern comes from {}", origin.describe()),
                );
            }
            Some(finding.build())
        }
    }
}

/// Where bytes `range` of the string `value` lie in the file, when the string is written at
/// `span` without escapes: a quoted string (`"…"`, in HCL or JSON) or a heredoc (`<<EOT`, or
/// `<<-EOT`, whose lines lose their common indentation: each line is mapped with its own
/// indentation). `None` otherwise (an escape, a template), and the caller shows the whole value.
pub fn span_in_string(
    file: &FileRef,
    span: &Span,
    value: &str,
    range: Range<usize>,
) -> Option<Span> {
    let raw = file.text.get(span.clone())?;
    if range.end > value.len() || range.start > range.end {
        return None;
    }
    if raw.len() >= 2 && raw.starts_with('"') && raw.ends_with('"') {
        return (raw.get(1..raw.len() - 1)? == value)
            .then(|| span.start + 1 + range.start..span.start + 1 + range.end);
    }
    if !raw.starts_with("<<") {
        return None;
    }
    // Line by line: each written line is the value's line after some indentation.
    let body = raw.find('\n')? + 1;
    let mut written_lines = raw[body..].split_inclusive('\n');
    let mut map = Vec::new(); // (value offset of a line, file offset of the same text)
    let mut at = span.start + body;
    let mut offset = 0;
    for line in value.split_inclusive('\n') {
        let w = written_lines.next()?;
        let indent = w.len().checked_sub(line.len())?;
        if !w.ends_with(line) || !w[..indent].chars().all(|c| c == ' ' || c == '\t') {
            return None;
        }
        map.push((offset, at + indent));
        offset += line.len();
        at += w.len();
    }
    let place = |o: usize| {
        let (start, file_at) = map.iter().rev().find(|(start, _)| *start <= o)?;
        Some(file_at + (o - start))
    };
    let start = place(range.start)?;
    let end = if range.end == range.start {
        start
    } else {
        place(range.end - 1)? + 1
    };
    Some(start..end)
}

#[cfg(test)]
mod tests {
    use super::span_in_string;
    use crate::source::{SourceFile, Syntax};
    use std::sync::Arc;

    /// The text `range` of `value` covers in the file, where the string is `written`.
    fn covered(written: &str, value: &str, range: std::ops::Range<usize>) -> Option<String> {
        let text = format!("x = {written}\n");
        let file = Arc::new(SourceFile::new(
            "main.tf".into(),
            "main.tf".into(),
            text.clone(),
            Syntax::Hcl,
        ));
        let span = 4..4 + written.len();
        span_in_string(&file, &span, value, range).map(|s| text[s].to_string())
    }

    #[test]
    fn byte_offsets_map_into_quoted_strings_and_heredocs() {
        assert_eq!(
            covered("\"{ a || }\"", "{ a || }", 7..8).as_deref(),
            Some("}")
        );
        // An escape: the offsets do not map.
        assert_eq!(covered("\"{ \\\"a\\\" }\"", "{ \"a\" }", 6..7), None);
        // A heredoc, and an indented one whose lines lose two spaces each.
        let value = "{\n  $.a == b\n}\n";
        assert_eq!(
            covered("<<EOT\n{\n  $.a == b\n}\nEOT", value, 8..10).as_deref(),
            Some("==")
        );
        assert_eq!(
            covered("<<-EOT\n  {\n    $.a == b\n  }\n  EOT", value, 8..10).as_deref(),
            Some("==")
        );
        assert_eq!(covered("<<EOT\n{ x }\nEOT", "{ y }\n", 2..3), None);
        assert_eq!(covered("\"abc\"", "abc", 2..9), None);
    }
}
