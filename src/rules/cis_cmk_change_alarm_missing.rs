//! `cis-cmk-change-alarm-missing`: the configuration lacks the CIS chain that alarms when a
//! KMS key is disabled or scheduled for deletion (off by default; on under `--profile cis`).
//!
//! ## What it does
//! Follows the chain of CIS AWS Foundations 4.7 (5.7 in v6+), domain.md §4.4:
//!
//! 1. an `aws_cloudtrail` with `is_multi_region_trail = true` that records the two KMS calls
//!    (logging on, selectors keeping them: `super::cloudtrail`);
//! 2. its `cloud_watch_logs_group_arn`: a reference to an `aws_cloudwatch_log_group`, or a known
//!    ARN `arn:aws:logs:<region>:<account>:log-group:G:*` naming group `G`;
//! 3. an `aws_cloudwatch_log_metric_filter` on that group (`log_group_name`, by reference or
//!    known name) whose pattern matches `DisableKey` and `ScheduleKeyDeletion`
//!    (`super::kms_filter`);
//! 4. an `aws_cloudwatch_metric_alarm` on the filter's metric (`metric_name` and `namespace`
//!    equal to the filter's `metric_transformation`, by reference or known value, directly or in
//!    a `metric_query`);
//! 5. with `alarm_actions` that is not empty (and `actions_enabled` not false).
//!
//! Reported once per configuration (`report_configuration`), at the trail that gets furthest
//! (or at the first file of the root module when there is no trail), naming the first missing
//! link, with related locations at the links that exist. A link that is unknown rather than
//! absent (in a plan, `cloud_watch_logs_group_arn` and `alarm_actions` are unknown until apply;
//! the chain then goes through the plan's references) makes the rule silent, and so does a
//! module call whose code was not read. A configuration with neither a trail nor a metric
//! filter for key changes is not the one that sets up this monitoring and gets nothing (a
//! trail in another configuration is a link the rule cannot see).
//!
//! ## Fix
//! None: the missing resources need names, roles and topics only the author can choose.
//!
//! The full documentation is `rules/cis-cmk-change-alarm-missing.md`.

use super::cloudtrail::capture;
use super::kms_filter::{self, filter_names, CIS_PATTERN};
use super::tri::Tri;
use super::{FixAvailability, Rule, RuleContext, RuleMeta};
use crate::eval::ValueKind;
use crate::filter_pattern;
use crate::finding::{Finding, Related, Severity};
use crate::project::{ResourceId, ROOT};
use crate::source::{FileRef, Span};

pub struct CisCmkChangeAlarmMissing;

pub static META: RuleMeta = RuleMeta {
    id: "cis-cmk-change-alarm-missing",
    summary: "No CIS alarm on KMS key disabling or scheduled deletion: multi-Region trail → CloudWatch Logs → metric filter → alarm → actions",
    severity: Severity::Warning,
    default_enabled: false,
    fix: FixAvailability::Never,
    doc: include_str!("../../rules/cis-cmk-change-alarm-missing.md"),
    resource_types: &[TRAIL, FILTER],
    module_sources: &[],
    peer_ids: &[],
    // A monitoring gap, not an exposure: medium (prowler rates the check medium).
    security_severity: Some("4.0"),
    options: &[],
    cis: super::cis::CMK_CHANGE_ALARM,
};

const TRAIL: &str = "aws_cloudtrail";
const GROUP: &str = "aws_cloudwatch_log_group";
const FILTER: &str = "aws_cloudwatch_log_metric_filter";
const ALARM: &str = "aws_cloudwatch_metric_alarm";

impl Rule for CisCmkChangeAlarmMissing {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        if let Some(f) = check_chain(cx) {
            out.push(f);
        }
    }
}

/// A place in the configuration, for findings and related locations.
fn header(cx: &RuleContext, id: ResourceId) -> (FileRef, Span) {
    let w = cx.written(id);
    (w.file.clone(), w.block.header_span.clone())
}

fn related(cx: &RuleContext, id: ResourceId, message: impl Into<String>) -> Related {
    let (file, span) = header(cx, id);
    Related {
        file,
        span,
        message: message.into(),
    }
}

fn known_string(cx: &RuleContext, id: ResourceId, name: &str) -> Option<Option<String>> {
    match cx.node(id).value(name).map(|v| v.kind) {
        None | Some(ValueKind::Null) => Some(None),
        Some(ValueKind::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

/// The log group(s) a trail delivers to.
#[derive(Default)]
struct Target {
    ids: Vec<ResourceId>,
    names: Vec<String>,
    /// Every group's name is known (so a filter naming another group is on another group).
    complete: bool,
}

/// `arn:aws:logs:us-east-1:111122223333:log-group:NAME:*` → `NAME`.
fn group_from_arn(arn: &str) -> Option<String> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(6, ':');
    let (_partition, service, _region, _account, kind) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    if service != "logs" || kind != "log-group" {
        return None;
    }
    let name = parts.next()?;
    let name = name.strip_suffix(":*").unwrap_or(name);
    (!name.is_empty() && !name.contains(':')).then(|| name.to_string())
}

/// Link 2: where the trail delivers. `Tri::No` when it does not deliver to CloudWatch Logs.
fn target(cx: &RuleContext, trail: ResourceId) -> (Tri, Target) {
    let ids: Vec<ResourceId> = cx
        .references_from(trail)
        .filter(|r| r.attribute == "cloud_watch_logs_group_arn")
        .map(|r| r.to)
        .filter(|&to| cx.resource(to).type_name() == GROUP)
        .collect();
    let mut t = Target {
        complete: true,
        ..Target::default()
    };
    for &id in &ids {
        match known_string(cx, id, "name") {
            Some(Some(n)) => t.names.push(n),
            _ => t.complete = false,
        }
    }
    t.ids = ids;
    match known_string(cx, trail, "cloud_watch_logs_group_arn") {
        Some(None) if t.ids.is_empty() => (Tri::No, t),
        Some(Some(arn)) => match group_from_arn(&arn) {
            Some(name) => {
                t.names.push(name);
                (Tri::Yes, t)
            }
            None if !t.ids.is_empty() => (Tri::Yes, t),
            None => (Tri::Unknown, t),
        },
        _ if !t.ids.is_empty() => (Tri::Yes, t),
        _ => (Tri::Unknown, t),
    }
}

/// What is known of a metric filter.
struct FilterFacts {
    id: ResourceId,
    /// Groups it refers to, and the names it may read (its own known value, the referred
    /// groups' known names); `complete` when every one is known.
    group_ids: Vec<ResourceId>,
    group_names: Vec<String>,
    complete: bool,
    /// Its pattern matches both events.
    matches: Tri,
    meant_for_kms: bool,
    metric: (Option<String>, Option<String>),
}

fn filter_facts(cx: &RuleContext, id: ResourceId) -> FilterFacts {
    let group_ids: Vec<ResourceId> = cx
        .references_from(id)
        .filter(|r| r.attribute == "log_group_name")
        .map(|r| r.to)
        .filter(|&to| cx.resource(to).type_name() == GROUP)
        .collect();
    let mut group_names = Vec::new();
    let mut complete = true;
    match known_string(cx, id, "log_group_name") {
        Some(Some(n)) => group_names.push(n),
        _ if group_ids.is_empty() => complete = false,
        _ => {}
    }
    for &g in &group_ids {
        match known_string(cx, g, "name") {
            Some(Some(n)) => group_names.push(n),
            _ => complete = complete && !group_names.is_empty(),
        }
    }
    let names = filter_names(cx, id);
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (matches, meant_for_kms) = match known_string(cx, id, "pattern") {
        Some(Some(text)) => match filter_pattern::parse(&text) {
            Ok(p) => {
                let m = kms_filter::matches(&p);
                (
                    m[0].and(m[1]),
                    kms_filter::meant_for_key_changes(&p, &names),
                )
            }
            Err(_) => (
                Tri::No,
                kms_filter::text_meant_for_key_changes(&text, &names),
            ),
        },
        Some(None) => (Tri::No, false),
        None => (Tri::Unknown, false),
    };
    let node = cx.node(id);
    let metric = node
        .blocks("metric_transformation")
        .and_then(|b| b.into_iter().next())
        .map(|(_, t)| {
            let s = |name: &str| match t.value(name).map(|v| v.kind) {
                Some(ValueKind::String(s)) => Some(s),
                _ => None,
            };
            (s("name"), s("namespace"))
        })
        .unwrap_or((None, None));
    FilterFacts {
        id,
        group_ids,
        group_names,
        complete,
        matches,
        meant_for_kms,
        metric,
    }
}

/// Link 3 (first half): the filter reads the trail's group.
fn on_group(f: &FilterFacts, t: &Target) -> Tri {
    if f.group_ids.iter().any(|g| t.ids.contains(g))
        || f.group_names.iter().any(|n| t.names.contains(n))
    {
        return Tri::Yes;
    }
    if f.complete && t.complete && !t.names.is_empty() {
        Tri::No
    } else {
        Tri::Unknown
    }
}

/// Link 4: the alarm watches the filter's metric.
fn on_metric(cx: &RuleContext, alarm: ResourceId, f: &FilterFacts) -> Tri {
    let refers = |attribute: &str| {
        cx.references_from(alarm)
            .any(|r| r.to == f.id && r.attribute == attribute)
    };
    let same = |prefix: &str,
                value: Option<crate::eval::Value>,
                attribute: &str,
                want: &Option<String>| {
        if refers(&format!("{prefix}{attribute}")) {
            return Tri::Yes;
        }
        match (value.map(|v| v.kind), want) {
            (None | Some(ValueKind::Null), _) => Tri::No,
            (Some(ValueKind::String(a)), Some(b)) => Tri::from(Some(a == *b)),
            _ => Tri::Unknown,
        }
    };
    let node = cx.node(alarm);
    let direct = same("", node.value("metric_name"), "metric_name", &f.metric.0).and(same(
        "",
        node.value("namespace"),
        "namespace",
        &f.metric.1,
    ));
    let Some(queries) = node.blocks("metric_query") else {
        return direct.or(Tri::Unknown);
    };
    let mut any = direct;
    for (_, q) in queries {
        let Some(metrics) = q.blocks("metric") else {
            any = any.or(Tri::Unknown);
            continue;
        };
        for (_, m) in metrics {
            let prefix = "metric_query.metric.";
            any = any.or(
                same(prefix, m.value("metric_name"), "metric_name", &f.metric.0).and(same(
                    prefix,
                    m.value("namespace"),
                    "namespace",
                    &f.metric.1,
                )),
            );
        }
    }
    any
}

/// Link 5: the alarm notifies someone.
fn actions(cx: &RuleContext, alarm: ResourceId) -> Tri {
    let node = cx.node(alarm);
    let enabled = match node.value("actions_enabled").map(|v| v.kind) {
        None | Some(ValueKind::Null) => Tri::Yes,
        Some(_) => Tri::from(node.bool("actions_enabled")),
    };
    let listed = match node.value("alarm_actions").map(|v| v.kind) {
        None | Some(ValueKind::Null) => Tri::No,
        Some(ValueKind::List(items)) => Tri::from(Some(!items.is_empty())),
        Some(_) => {
            // Unknown (in a plan until apply): a reference means something is listed.
            if cx
                .references_from(alarm)
                .any(|r| r.attribute == "alarm_actions")
            {
                Tri::Yes
            } else {
                Tri::Unknown
            }
        }
    };
    enabled.and(listed)
}

/// The first missing link of the path that gets furthest.
struct Missing {
    depth: usize,
    at: (FileRef, Span),
    message: String,
    related: Vec<Related>,
}

/// Keeps the path that gets furthest (the first of equals).
fn consider(m: Missing, best: &mut Option<Missing>) {
    if best.as_ref().is_none_or(|b| m.depth > b.depth) {
        *best = Some(m);
    }
}

fn check_chain(cx: &RuleContext) -> Option<Finding> {
    let trails: Vec<ResourceId> = cx.resources(TRAIL).map(|(id, _)| id).collect();
    let filters: Vec<FilterFacts> = cx
        .resources(FILTER)
        .map(|(id, _)| filter_facts(cx, id))
        .collect();
    // Without a trail or a filter for key changes, the configuration is not the one that sets
    // up this monitoring (an account's trail often lives in another configuration): a link
    // the rule cannot see is not a missing link.
    if trails.is_empty() && !filters.iter().any(|f| f.meant_for_kms) {
        return None;
    }
    // A module we cannot read may hold any link.
    if cx.unfollowed_calls().next().is_some() {
        return None;
    }
    let alarms: Vec<ResourceId> = cx.resources(ALARM).map(|(id, _)| id).collect();
    let alarm_actions: Vec<Tri> = alarms.iter().map(|&a| actions(cx, a)).collect();

    let mut chain = Tri::No;
    let mut best: Option<Missing> = None;
    for &trail in &trails {
        let address = cx.resource(trail).reported_as.clone();
        let at = header(cx, trail);
        // Link 1.
        let multi = match cx
            .node(trail)
            .value("is_multi_region_trail")
            .map(|v| v.kind)
        {
            None | Some(ValueKind::Null) => Tri::No,
            Some(_) => Tri::from(cx.node(trail).bool("is_multi_region_trail")),
        };
        let captured = capture(cx, trail);
        let records = captured
            .as_ref()
            .map_or(Tri::Unknown, |c| c.events[0].and(c.events[1]));
        let link1 = multi.and(records);
        if link1 == Tri::No {
            let why = if multi == Tri::No {
                "it is not multi-Region (`is_multi_region_trail` is not true), so it misses the other Regions' keys; set `is_multi_region_trail = true`".to_string()
            } else {
                let reason = captured.as_ref().and_then(|c| {
                    c.logging_off
                        .as_ref()
                        .or_else(|| c.selectors.iter().flatten().next())
                        .map(|r| r.what.clone())
                });
                format!(
                    "it does not record KMS DisableKey and ScheduleKeyDeletion ({}); see cloudtrail-kms-events-excluded",
                    reason.unwrap_or_else(|| "its event selectors drop them".to_string())
                )
            };
            consider(
                Missing {
                    depth: 1,
                    at: at.clone(),
                    message: format!("CIS alarm chain for KMS key changes: trail `{address}` cannot start it: {why}"),
                    related: Vec::new(),
                },
                &mut best,
            );
            continue;
        }
        // Link 2.
        let (delivers, target) = target(cx, trail);
        if delivers == Tri::No {
            consider(
                Missing {
                    depth: 2,
                    at: at.clone(),
                    message: format!("CIS alarm chain for KMS key changes: trail `{address}` does not deliver to CloudWatch Logs; set `cloud_watch_logs_group_arn` (with `:*`) and `cloud_watch_logs_role_arn`, so that a metric filter can count DisableKey and ScheduleKeyDeletion"),
                    related: Vec::new(),
                },
                &mut best,
            );
            continue;
        }
        let head = link1.and(delivers);
        let group_name = target
            .names
            .first()
            .map(|n| format!("log group `{n}`"))
            .or_else(|| {
                target
                    .ids
                    .first()
                    .map(|&g| format!("log group `{}`", cx.resource(g).reported_as))
            })
            .unwrap_or_else(|| "the log group".to_string());
        // The finding is at the trail; the links after it are related locations.
        let group_rel: Vec<Related> = target
            .ids
            .iter()
            .map(|&g| related(cx, g, "the log group the trail delivers to"))
            .collect();
        // Link 3.
        let mut found_filter = false;
        let mut near_misses = Vec::new();
        for f in &filters {
            let on = on_group(f, &target);
            let link3 = on.and(f.matches);
            if on != Tri::No && f.matches == Tri::No {
                near_misses.push(related(
                    cx,
                    f.id,
                    "a metric filter on this group whose pattern misses DisableKey or ScheduleKeyDeletion",
                ));
            }
            if on == Tri::No && f.meant_for_kms {
                near_misses.push(related(
                    cx,
                    f.id,
                    "a metric filter for KMS key changes on another log group",
                ));
            }
            if link3 == Tri::No {
                continue;
            }
            found_filter = true;
            let filter_address = cx.resource(f.id).reported_as.clone();
            let metric = match &f.metric {
                (Some(n), Some(ns)) => format!("`{ns}/{n}`"),
                _ => "its metric".to_string(),
            };
            let mut filter_rel = group_rel.clone();
            filter_rel.push(related(cx, f.id, "the metric filter"));
            // Links 4 and 5.
            let mut alarmed = Tri::No;
            let mut silent_alarm = None;
            for (i, &a) in alarms.iter().enumerate() {
                let watches = on_metric(cx, a, f);
                alarmed = alarmed.or(watches.and(alarm_actions[i]));
                if watches != Tri::No && alarm_actions[i] == Tri::No && silent_alarm.is_none() {
                    silent_alarm = Some(a);
                }
            }
            chain = chain.or(head.and(link3).and(alarmed));
            if alarmed != Tri::No {
                continue;
            }
            match silent_alarm {
                Some(a) => {
                    let mut rel = filter_rel.clone();
                    rel.push(related(cx, a, "the alarm"));
                    consider(
                        Missing {
                            depth: 5,
                            at: at.clone(),
                            message: format!("CIS alarm chain for KMS key changes: alarm `{}` on metric {metric} notifies nobody (`alarm_actions` is empty or `actions_enabled` is false); add an SNS topic ARN to `alarm_actions`", cx.resource(a).reported_as),
                            related: rel,
                        },
                        &mut best,
                    );
                }
                None => consider(
                    Missing {
                        depth: 4,
                        at: at.clone(),
                        message: format!("CIS alarm chain for KMS key changes: no `aws_cloudwatch_metric_alarm` watches metric {metric} of metric filter `{filter_address}`; add one with that `metric_name` and `namespace` (statistic `Sum`, threshold 1) and `alarm_actions`"),
                        related: filter_rel,
                    },
                    &mut best,
                ),
            }
        }
        if !found_filter {
            let mut rel = group_rel.clone();
            rel.extend(near_misses);
            consider(
                Missing {
                    depth: 3,
                    at: at.clone(),
                    message: format!("CIS alarm chain for KMS key changes: no metric filter on {group_name}, which trail `{address}` delivers to, matches DisableKey and ScheduleKeyDeletion; add an `aws_cloudwatch_log_metric_filter` on it with the CIS pattern `{CIS_PATTERN}`"),
                    related: rel,
                },
                &mut best,
            );
        }
    }
    // Complete, or a link unknown rather than absent on some path: nothing to report.
    if chain != Tri::No {
        return None;
    }
    let missing = match best {
        Some(m) => m,
        None => no_trail(cx, &filters)?,
    };
    Some(
        cx.report_configuration(&missing.at.0, missing.at.1, missing.message)
            .related_all(missing.related)
            .build(),
    )
}

/// No trail at all: the finding goes at the start of the first file (by path) that holds a
/// resource of the root module (of any module when the root has none), with the metric
/// filters that would count the events as related locations.
fn no_trail(cx: &RuleContext, filters: &[FilterFacts]) -> Option<Missing> {
    let project = cx.project();
    let first = |root_only: bool| {
        project
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| !root_only || r.module == ROOT)
            .map(|(id, _)| cx.written(id).file.clone())
            .min_by(|a, b| a.path.cmp(&b.path))
    };
    let file = first(true).or_else(|| first(false))?;
    let related = filters
        .iter()
        .filter(|f| f.matches == Tri::Yes)
        .map(|f| {
            related(
                cx,
                f.id,
                "a metric filter for KMS key changes, but no trail feeds it",
            )
        })
        .collect();
    Some(Missing {
        depth: 0,
        at: (file, 0..0),
        message: "CIS alarm chain for KMS key changes: the configuration has no `aws_cloudtrail`; CIS 4.7 (5.7 in v6.0.0 and later) needs a multi-Region trail with logging on, delivering to a CloudWatch Logs group with a metric filter for DisableKey and ScheduleKeyDeletion and an alarm with `alarm_actions`".to_string(),
        related,
    })
}

#[cfg(test)]
mod tests {
    use super::group_from_arn;

    #[test]
    fn log_group_arns() {
        let arn = "arn:aws:logs:us-east-1:111122223333:log-group:cloudtrail:*";
        assert_eq!(group_from_arn(arn).as_deref(), Some("cloudtrail"));
        assert_eq!(
            group_from_arn("arn:aws-us-gov:logs:us-gov-west-1:1:log-group:/aws/cloudtrail/main")
                .as_deref(),
            Some("/aws/cloudtrail/main")
        );
        assert_eq!(
            group_from_arn("arn:aws:logs:us-east-1:1:log-group::*"),
            None
        );
        assert_eq!(group_from_arn("arn:aws:s3:::bucket"), None);
        assert_eq!(group_from_arn("cloudtrail"), None);
    }
}
