//! Working days on the Chinese calendar: weekends off, public holidays off, and the swapped
//! working weekends (调休) on. Times are UTC epoch milliseconds; days are counted in Beijing
//! time (UTC+8, no daylight saving). The calendar itself is data (`data/calendar/`).

use crate::error::ParseError;
use std::collections::BTreeSet;

const DAY_MS: i64 = 86_400_000;
const BEIJING_MS: i64 = 8 * 3_600_000;

/// Days since 1970-01-01 in Beijing time.
pub fn local_day(ms: i64) -> i64 {
    (ms + BEIJING_MS).div_euclid(DAY_MS)
}

/// Midnight (start) of a Beijing-time day, as UTC epoch ms.
pub fn day_start_ms(day: i64) -> i64 {
    day * DAY_MS - BEIJING_MS
}

/// Days since 1970-01-01 for a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` → day number.
pub fn parse_date(raw: &str) -> Option<i64> {
    let mut it = raw.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > 31 {
        return None;
    }
    let day = days_from_civil(y, m, d);
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339 in Beijing time, e.g. `2026-11-26T22:00:00+08:00`.
pub fn iso_beijing(ms: i64) -> String {
    let local = ms + BEIJING_MS;
    let secs = local.div_euclid(1000);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+08:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The Beijing-time year of an instant (for case numbers).
pub fn local_year(ms: i64) -> i64 {
    civil_from_days(local_day(ms)).0
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    holidays: BTreeSet<i64>,
    workdays: BTreeSet<i64>,
    /// First and last day the file covers; outside it only weekends are known.
    covers: Option<(i64, i64)>,
}

impl Calendar {
    /// Parse `date,type,name` lines (`type` is `holiday` or `workday`); `#` starts a comment.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let mut cal = Calendar::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with("date,") {
                continue;
            }
            let mut f = line.split(',');
            let bad = |why: &str| {
                ParseError::new(
                    "calendar",
                    "calendar.line_invalid",
                    format!("第 {} 行：{why}", i + 1),
                )
            };
            let day =
                parse_date(f.next().unwrap_or("")).ok_or_else(|| bad("日期应为 YYYY-MM-DD"))?;
            match f.next().map(str::trim) {
                Some("holiday") => cal.holidays.insert(day),
                Some("workday") => cal.workdays.insert(day),
                _ => return Err(bad("类型应为 holiday 或 workday")),
            };
            let (lo, hi) = cal.covers.unwrap_or((day, day));
            cal.covers = Some((lo.min(day), hi.max(day)));
        }
        Ok(cal)
    }

    pub fn is_working_day(&self, day: i64) -> bool {
        if self.workdays.contains(&day) {
            return true;
        }
        if self.holidays.contains(&day) {
            return false;
        }
        let weekday = (day + 3).rem_euclid(7); // 0 = Monday; 1970-01-01 was a Thursday
        weekday < 5
    }

    /// The end (24:00 Beijing time) of the `n`-th working day after the day of `start_ms`.
    pub fn add_working_days(&self, start_ms: i64, n: u32) -> i64 {
        let mut day = local_day(start_ms);
        let mut left = n;
        while left > 0 {
            day += 1;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day_start_ms(day + 1)
    }

    pub fn covers(&self) -> Option<(String, String)> {
        self.covers.map(|(a, b)| (format_date(a), format_date(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(date: &str, hh: i64) -> i64 {
        day_start_ms(parse_date(date).unwrap()) + hh * 3_600_000
    }

    fn cal() -> Calendar {
        Calendar::parse("date,type,name\n2026-10-01,holiday,国庆\n2026-10-02,holiday,国庆\n2026-10-05,holiday,国庆\n2026-10-06,holiday,国庆\n2026-10-07,holiday,国庆\n2026-10-10,workday,国庆调休\n").unwrap()
    }

    #[test]
    fn dates_round_trip_and_weekdays_are_right() {
        assert_eq!(format_date(parse_date("2026-11-26").unwrap()), "2026-11-26");
        assert!(parse_date("2026-02-30").is_none());
        let c = Calendar::default();
        assert!(
            c.is_working_day(parse_date("2026-11-26").unwrap()),
            "a Thursday"
        );
        assert!(
            !c.is_working_day(parse_date("2026-11-28").unwrap()),
            "a Saturday"
        );
        assert_eq!(local_year(at("2026-12-31", 23)), 2026);
        assert_eq!(
            iso_beijing(at("2026-11-26", 22)),
            "2026-11-26T22:00:00+08:00"
        );
        assert_eq!(
            local_year(day_start_ms(parse_date("2027-01-01").unwrap())),
            2027
        );
    }

    #[test]
    fn working_days_skip_the_holiday_and_count_the_swapped_saturday() {
        // Assigned on Wednesday 30 Sep 2026: 1 Oct–7 Oct are off (3–4 Oct a weekend),
        // Thursday 8 Oct is the 1st working day, Friday 9 Oct the 2nd, Saturday 10 Oct (调休) the 3rd.
        let c = cal();
        assert_eq!(
            c.add_working_days(at("2026-09-30", 10), 1),
            day_start_ms(parse_date("2026-10-09").unwrap())
        );
        assert_eq!(
            c.add_working_days(at("2026-09-30", 10), 3),
            day_start_ms(parse_date("2026-10-11").unwrap())
        );
        assert_eq!(
            c.add_working_days(at("2026-09-30", 10), 4),
            day_start_ms(parse_date("2026-10-13").unwrap()),
            "Sunday 11 Oct is off, Monday 12 Oct the 4th"
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let e = Calendar::parse("2026-10-01,holiday,x\n2026-13-01,holiday,y\n").unwrap_err();
        assert!(e.message.contains("第 2 行"), "{}", e.message);
    }
}
