//! `kms-rotation-unsupported`: `enable_key_rotation = true` on a key AWS cannot rotate.
//!
//! ## What it does
//! Reports an `aws_kms_key` whose `enable_key_rotation` evaluates to true while the key
//! cannot rotate automatically (domain.md §1.2): asymmetric or HMAC
//! `customer_master_key_spec`, `key_usage` other than `ENCRYPT_DECRYPT`, or a custom key
//! store (`custom_key_store_id`, `xks_key_id`). Terraform plans it; AWS rejects the
//! `EnableKeyRotation` call at apply. Calls of `terraform-aws-modules/kms/aws` and
//! `cloudposse/kms-key/aws` that were not downloaded are judged by their inputs: both
//! default `enable_key_rotation` to true, so an HMAC or asymmetric key made with them must
//! pass `enable_key_rotation = false`.
//!
//! ## Fix
//! Unsafe (it turns a setting off): set the literal to `false`, or add
//! `enable_key_rotation = false` to a module call that relies on the module's default.
//!
//! The full documentation is `rules/kms-rotation-unsupported.md`.

use super::kms_key::{
    known_module, module_key, rotation_eligibility, Eligibility, ModuleKey, KNOWN_MODULE_SOURCES,
};
use super::{FindingBuilder, FixAvailability, Rule, RuleContext, RuleMeta};
use crate::edits;
use crate::finding::{Finding, Fix, Severity};
use crate::project::Node;
use crate::source::{FileRef, Span};
use crate::syntax::Block;

pub struct KmsRotationUnsupported;

pub static META: RuleMeta = RuleMeta {
    id: "kms-rotation-unsupported",
    summary: "Automatic rotation turned on for a KMS key that cannot rotate (apply fails)",
    severity: Severity::Error,
    default_enabled: true,
    fix: FixAvailability::Sometimes,
    doc: include_str!("../../rules/kms-rotation-unsupported.md"),
    resource_types: &["aws_kms_key"],
    module_sources: KNOWN_MODULE_SOURCES,
    peer_ids: &[],
    // Not a weakness of the key, a change that fails at apply: low.
    security_severity: Some("2.0"),
    // Not a CIS AWS Foundations recommendation.
    cis: &[],
    options: &[],
};

const ATTR: &str = "enable_key_rotation";

impl Rule for KmsRotationUnsupported {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleContext, out: &mut Vec<Finding>) {
        for (id, key) in cx.resources("aws_kms_key") {
            let node = cx.node(id);
            let subject = Subject {
                what: format!("KMS key `{}`", key.reported_as),
                node: &node,
                block: key.block(),
                default: None,
            };
            let file_of = |name: &str| key.file_of(name).clone();
            if let Some(f) = check(&subject, &file_of, &|file, span, message| {
                cx.report(id, file, span, message)
            }) {
                out.push(f);
            }
        }
        for (id, call) in cx.unfollowed_calls() {
            let Some(known) = call.call.source().and_then(known_module) else {
                continue;
            };
            let node = cx.call_node(id);
            if module_key(known, &node) != Some(ModuleKey::Key) {
                continue;
            }
            let block_address = call
                .address
                .strip_suffix(call.key.as_deref().unwrap_or(""))
                .unwrap_or(&call.address);
            let subject = Subject {
                what: format!(
                    "module `{block_address}` ({}) creates a KMS key that",
                    known.source
                ),
                node: &node,
                block: &call.call.block,
                default: Some(known.rotation_default),
            };
            let file_of = |name: &str| call.call.file_of(name).clone();
            if let Some(f) = check(&subject, &file_of, &|file, span, message| {
                cx.report_call(id, file, span, message)
            }) {
                out.push(f);
            }
        }
    }
}

struct Subject<'s, 'p, 'a> {
    what: String,
    node: &'s Node<'p, 'a>,
    block: &'s Block,
    /// The module's default for `enable_key_rotation`; `None` for the resource (false).
    default: Option<bool>,
}

/// What makes a key unable to rotate, in words.
fn kind(attribute: &str, reason: &str) -> &'static str {
    match attribute {
        "custom_key_store_id" => "its key material is in a custom key store",
        "xks_key_id" => "its key material is in an external key store",
        _ if reason.contains("HMAC") || reason.contains("GENERATE_VERIFY_MAC") => {
            "it is an HMAC key"
        }
        _ if reason.contains("KEY_AGREEMENT") => "it is a key agreement key",
        "key_usage" if !reason.contains("SIGN_VERIFY") => "its key usage is not ENCRYPT_DECRYPT",
        _ => "it is an asymmetric key",
    }
}

fn check(
    subject: &Subject,
    file_of: &dyn Fn(&str) -> FileRef,
    report: &dyn Fn(&FileRef, Span, String) -> FindingBuilder,
) -> Option<Finding> {
    let node = subject.node;
    let Eligibility::Ineligible { attribute, reason } = rotation_eligibility(node) else {
        return None;
    };
    let why = kind(attribute, &reason);
    let what = &subject.what;
    let lead = format!("{what} cannot rotate automatically ({reason}: {why})");
    let Some(attr) = node.attribute(ATTR) else {
        // Only a module's default turns rotation on when the argument is not written.
        if subject.default != Some(true) {
            return None;
        }
        let file = file_of(ATTR);
        let at = subject.block.body.attribute(attribute)?;
        let fix = Fix::unsafe_fix(
            format!("Add `{ATTR} = false`"),
            edits::insert_attribute(&file, subject.block, ATTR, "false"),
        );
        return Some(
            report(
                &file_of(attribute),
                at.span.clone(),
                format!(
                    "{lead}, but the module turns `{ATTR}` on by default: Terraform plans it and AWS rejects it at apply; add `{ATTR} = false`"
                ),
            )
            .attribute(attribute)
            .fix(Some(fix))
            .build(),
        );
    };
    let value = node.eval(&attr.expr);
    if value.to_bool().ok().flatten() != Some(true) {
        return None;
    }
    let file = file_of(ATTR);
    let finding = |message: String| report(&file, attr.span.clone(), message).attribute(ATTR);
    let tail = "Terraform plans it and AWS rejects it at apply";
    Some(match &value.origin {
        Some(origin) => finding(format!(
            "{lead}, but `{ATTR}` is true because of {}: {tail}; set it to false there, or remove `{ATTR}` from this key",
            origin.describe()
        ))
        .related(&origin.file, origin.span.clone(), "the value is set here")
        .build(),
        None if attr.expr.is_literal() => finding(format!(
            "{lead}, but `{ATTR} = true`: {tail}; remove `{ATTR}` or set it to false"
        ))
        .fix(Some(Fix::unsafe_fix(
            format!("Set `{ATTR} = false`"),
            edits::replace_expr(&file, &attr.expr, "false"),
        )))
        .build(),
        None => finding(format!(
            "{lead}, but `{ATTR}` evaluates to true: {tail}; change the expression so it is false"
        ))
        .build(),
    })
}
