//! Alerts pushed by other systems (fraud warnings, campus one-key alarms, railway monitors):
//! their priority and the minutes within which someone on duty must acknowledge them.

use crate::error::ParseError;
use serde::Serialize;

/// How fast an alert must be picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Someone may be harmed or lose money within minutes.
    Urgent,
    High,
    Normal,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Priority::Urgent, Priority::High, Priority::Normal];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "priority",
                    "alert.priority_invalid",
                    format!("优先级「{raw}」无效，应为 urgent、high 或 normal"),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Urgent => "urgent",
            Priority::High => "high",
            Priority::Normal => "normal",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Priority::Urgent => "特急",
            Priority::High => "紧急",
            Priority::Normal => "一般",
        }
    }

    /// The longest an alert of this priority may wait for acknowledgement.
    pub fn ack_cap_minutes(self) -> i64 {
        match self {
            Priority::Urgent => 5,
            Priority::High => 15,
            Priority::Normal => 30,
        }
    }

    /// The priority of an alert in `category` when the source does not give one: a fraud
    /// warning or a campus alarm is urgent (the person must be reached before the money moves
    /// or the harm is done); anything else from a feed is high.
    pub fn default_for(category: &str) -> Self {
        match category {
            "fraud" | "campus_alarm" => Priority::Urgent,
            _ => Priority::High,
        }
    }
}

/// When an alert received at `received_ms` must have been acknowledged: the source's own
/// window, never longer than its priority allows.
pub fn ack_due(received_ms: i64, priority: Priority, source_minutes: i64) -> i64 {
    let minutes = source_minutes.clamp(1, priority.ack_cap_minutes());
    received_ms + minutes * 60_000
}

/// A source's code or an alert's own id: 1–64 characters of letters, digits and `-_.:`.
pub fn check_identifier(field: &'static str, raw: &str) -> Result<(), ParseError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(ParseError::new(
            field,
            "alert.identifier_invalid",
            "须为 1–64 位字母、数字或 -_.:",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_round_trip_and_reject_unknown() {
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()).unwrap(), p);
        }
        assert_eq!(Priority::parse("asap").unwrap_err().field, "priority");
    }

    #[test]
    fn ack_window_is_the_sources_but_never_beyond_the_priority_cap() {
        assert_eq!(ack_due(0, Priority::Normal, 10), 10 * 60_000);
        assert_eq!(ack_due(0, Priority::Urgent, 10), 5 * 60_000);
        assert_eq!(ack_due(1_000, Priority::High, 0), 1_000 + 60_000);
    }

    #[test]
    fn fraud_and_campus_alarms_are_urgent_by_default() {
        assert_eq!(Priority::default_for("fraud"), Priority::Urgent);
        assert_eq!(Priority::default_for("campus_alarm"), Priority::Urgent);
        assert_eq!(Priority::default_for("railway"), Priority::High);
    }

    #[test]
    fn identifiers_are_bounded_and_plain() {
        assert!(check_identifier("external_id", "FW-2026-000001").is_ok());
        assert!(check_identifier("external_id", "").is_err());
        assert!(check_identifier("external_id", "a b").is_err());
        assert!(check_identifier("external_id", &"x".repeat(65)).is_err());
    }
}
