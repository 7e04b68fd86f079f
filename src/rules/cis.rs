//! The CIS AWS Foundations Benchmark recommendations kmslint's rules check, per version
//! (domain.md §4.1; numbers, assessment status and titles as in prowler's copies of the
//! benchmarks, `prowler/compliance/aws/cis_{1.4,…,7.0}_aws.json`, and the v1.2.0 control
//! titles). Rules point at these in [`RuleMeta::cis`](super::RuleMeta::cis).
//!
//! | recommendation | 1.2.0 | 1.4.0–2.0.0 | 3.0.0 | 4.0.0 | 5.0.0 | 6.0.0–7.0.0 |
//! |---|---|---|---|---|---|---|
//! | CloudTrail is enabled in all regions | 2.1 | 3.1 | 3.1 | 3.1 | 3.1 (Manual) | 4.1 (Manual) |
//! | AWS Config is enabled in all regions | 2.5 | 3.5 | 3.3 | 3.3 | 3.3 | 4.3 |
//! | rotation for customer created symmetric CMKs | 2.8 | 3.8 | 3.6 | 3.6 | 3.6 | 4.6 |
//! | disabling or scheduled deletion of CMKs is monitored (metric filter and alarm) | 3.7 | 4.7 | 4.7 | 4.7 (Manual) | 4.7 (Manual) | 5.7 (Manual) |
//!
//! Everything not marked Manual is Automated ("Scored" in v1.2.0).

use super::{CisAssessment, CisRef};

const AUTOMATED: CisAssessment = CisAssessment::Automated;
const MANUAL: CisAssessment = CisAssessment::Manual;

/// "Ensure CloudTrail is enabled in all regions" (multi-Region, logging, management events
/// with `ReadWriteType = All`).
pub static CLOUDTRAIL_ALL_REGIONS: &[CisRef] = &[
    CisRef {
        number: "2.1",
        versions: &["1.2.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.1",
        versions: &["1.4.0", "1.5.0", "2.0.0", "3.0.0", "4.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.1",
        versions: &["5.0.0"],
        assessment: MANUAL,
    },
    CisRef {
        number: "4.1",
        versions: &["6.0.0", "7.0.0"],
        assessment: MANUAL,
    },
];

/// "Ensure AWS Config is enabled in all regions".
pub static CONFIG_ALL_REGIONS: &[CisRef] = &[
    CisRef {
        number: "2.5",
        versions: &["1.2.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.5",
        versions: &["1.4.0", "1.5.0", "2.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.3",
        versions: &["3.0.0", "4.0.0", "5.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "4.3",
        versions: &["6.0.0", "7.0.0"],
        assessment: AUTOMATED,
    },
];

/// "Ensure rotation for customer created symmetric CMKs is enabled".
pub static KMS_ROTATION: &[CisRef] = &[
    CisRef {
        number: "2.8",
        versions: &["1.2.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.8",
        versions: &["1.4.0", "1.5.0", "2.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "3.6",
        versions: &["3.0.0", "4.0.0", "5.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "4.6",
        versions: &["6.0.0", "7.0.0"],
        assessment: AUTOMATED,
    },
];

/// "Ensure a log metric filter and alarm exist for disabling or scheduled deletion of
/// customer created CMKs" (from v4.0.0: "… is monitored").
pub static CMK_CHANGE_ALARM: &[CisRef] = &[
    CisRef {
        number: "3.7",
        versions: &["1.2.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "4.7",
        versions: &["1.4.0", "1.5.0", "2.0.0", "3.0.0"],
        assessment: AUTOMATED,
    },
    CisRef {
        number: "4.7",
        versions: &["4.0.0", "5.0.0"],
        assessment: MANUAL,
    },
    CisRef {
        number: "5.7",
        versions: &["6.0.0", "7.0.0"],
        assessment: MANUAL,
    },
];

/// `4.7 (v1.4.0–v3.0.0), …`: the numbers of a recommendation with their versions, for
/// messages and docs.
pub fn describe(refs: &[CisRef]) -> String {
    refs.iter()
        .map(|r| {
            let versions = match r.versions {
                [one] => format!("v{one}"),
                [first, .., last] => format!("v{first}–v{last}"),
                [] => String::new(),
            };
            format!("{} ({versions})", r.number)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn newest_version_decides_the_profile_severity() {
        let meta = |cis: &'static [CisRef]| crate::rules::RuleMeta {
            cis,
            ..crate::rules::invalid_suppression::META
        };
        assert_eq!(meta(KMS_ROTATION).cis_severity(), Some(Severity::Error));
        assert_eq!(
            meta(CONFIG_ALL_REGIONS).cis_severity(),
            Some(Severity::Error)
        );
        assert_eq!(
            meta(CMK_CHANGE_ALARM).cis_severity(),
            Some(Severity::Warning)
        );
        assert_eq!(
            meta(CLOUDTRAIL_ALL_REGIONS).cis_severity(),
            Some(Severity::Warning)
        );
        assert_eq!(meta(&[]).cis_severity(), None);
        assert_eq!(
            describe(CMK_CHANGE_ALARM),
            "3.7 (v1.2.0), 4.7 (v1.4.0–v3.0.0), 4.7 (v4.0.0–v5.0.0), 5.7 (v6.0.0–v7.0.0)"
        );
    }
}
