//! W3C date-times (RFC 3339 with a zone) as exchanged with other systems: parsed to epoch
//! milliseconds, written in Beijing time (`+08:00`).

use crate::error::ParseError;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// Parse `2026-11-26T09:30:00+08:00` (or `…Z`) to epoch milliseconds. A date-time without a
/// zone is refused: it would be read in the wrong zone by somebody.
pub fn parse_w3c(field: &'static str, raw: &str) -> Result<i64, ParseError> {
    let t = OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| {
        ParseError::new(
            field,
            "datetime.invalid",
            format!("「{raw}」不是带时区的 W3C 日期时间，例如 2026-11-26T09:30:00+08:00"),
        )
    })?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// Epoch milliseconds as `YYYY-MM-DDThh:mm:ss+08:00`.
pub fn format_w3c(ms: i64) -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    let t = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(beijing)
        .replace_nanosecond(0)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    t.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_honoured_and_written_as_beijing_time() {
        let a = parse_w3c("t", "2026-11-26T09:30:00+08:00").unwrap();
        let b = parse_w3c("t", "2026-11-26T01:30:00Z").unwrap();
        assert_eq!(a, b);
        assert_eq!(format_w3c(a), "2026-11-26T09:30:00+08:00");
        assert_eq!(format_w3c(a + 999), "2026-11-26T09:30:00+08:00");
    }

    #[test]
    fn a_time_without_zone_is_refused_with_the_field() {
        let e = parse_w3c("occurred_at", "2026-11-26T09:30:00").unwrap_err();
        assert_eq!(e.field, "occurred_at");
        assert!(parse_w3c("t", "yesterday").is_err());
    }
}
