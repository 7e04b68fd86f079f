//! Real CloudTrail records of the two events CIS wants a metric filter for, from the AWS KMS
//! Developer Guide's CloudTrail examples (sources and the few changes: `events/README.md`).

/// A `DisableKey` CloudTrail record (JSON text).
pub const DISABLE_KEY: &str = include_str!("events/disable_key.json");

/// A `ScheduleKeyDeletion` CloudTrail record (JSON text).
pub const SCHEDULE_KEY_DELETION: &str = include_str!("events/schedule_key_deletion.json");

/// [`DISABLE_KEY`], parsed.
pub fn disable_key() -> serde_json::Value {
    serde_json::from_str(DISABLE_KEY).expect("the bundled DisableKey record is valid JSON")
}

/// [`SCHEDULE_KEY_DELETION`], parsed.
pub fn schedule_key_deletion() -> serde_json::Value {
    serde_json::from_str(SCHEDULE_KEY_DELETION)
        .expect("the bundled ScheduleKeyDeletion record is valid JSON")
}
