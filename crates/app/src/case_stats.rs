//! The headline metrics, with the definitions written in docs/metrics.md:
//! on-time rate, success rate, satisfaction, median days to close, escalation rate and the
//! share discovered proactively — for any division and period.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use serde::Serialize;
use zhili_domain::calendar::{
    civil_from_days, day_start_ms, days_from_civil, format_date, local_day, parse_date,
};
use zhili_domain::DivisionCode;

#[derive(Debug, Clone, Serialize)]
pub struct CaseStats {
    pub division: String,
    pub from: String,
    pub to: String,
    pub received: i64,
    pub closed: i64,
    pub open: i64,
    pub overdue: i64,
    /// Closed within their due time ÷ closed in the period.
    pub on_time_rate: Option<f64>,
    /// Of the cases due in the period (and already due), the share closed by their due time.
    pub on_time_rate_due: Option<f64>,
    /// Disputes resolved by agreement ÷ disputes whose mediation ended in the period.
    pub success_rate: Option<f64>,
    /// Mean rating (1–5) of cases rated in the period.
    pub satisfaction: Option<f64>,
    /// Share of ratings that are 4 or 5.
    pub satisfied_share: Option<f64>,
    pub rated: i64,
    pub median_days_to_close: Option<f64>,
    /// Cases received in the period that were escalated at least once ÷ received.
    pub escalation_rate: Option<f64>,
    /// Grid reports ÷ all received.
    pub proactive_share: Option<f64>,
    pub by_state: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

fn median(mut v: Vec<i64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    let m = if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    };
    Some(m / 86_400_000.0)
}

/// One calendar month (Beijing time) of the trend; the first and last months are cut to the
/// period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthPoint {
    /// `YYYY-MM`.
    pub month: String,
    pub received: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    /// `closed_on_time ÷ closed`; `None` when nothing closed that month.
    pub on_time_rate: Option<f64>,
}

/// The longest period the monthly trend covers.
pub const MAX_TREND_MONTHS: i64 = 24;

/// The default period: from 1 January of the current Beijing year to today (`YYYY-MM-DD`).
pub fn default_period(now_ms: i64) -> (String, String) {
    let today = format_date(local_day(now_ms));
    (format!("{}-01-01", &today[..4]), today)
}

/// The calendar months `[start day, end day)` that `[from, to]` (day numbers) spans, cut to it.
fn months(from: i64, to: i64) -> Vec<(String, i64, i64)> {
    let mut out = Vec::new();
    let (mut y, mut m, _) = civil_from_days(from);
    let mut start = from;
    while start <= to {
        let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let next = days_from_civil(ny, nm, 1);
        out.push((format!("{y:04}-{m:02}"), start, next.min(to + 1)));
        (y, m, start) = (ny, nm, next);
    }
    out
}

impl App {
    /// Check the caller may read statistics of the division (default: their home division)
    /// and parse the period; returns the division and the first and last day numbers.
    fn stats_target(
        &self,
        actor: &Actor,
        division: Option<&str>,
        from: &str,
        to: &str,
    ) -> AppResult<(DivisionCode, i64, i64)> {
        if !actor.may(|r| !r.is_admin_duty()) {
            return Err(AppError::Forbidden {
                why: "administrators read no case statistics",
            });
        }
        let d = match division.filter(|s| !s.is_empty()) {
            Some(raw) => {
                DivisionCode::parse(raw).map_err(|_| AppError::NotFound { what: "division" })?
            }
            None => actor.scope.home().division().clone(),
        };
        if !actor.scope.sees_division(&d) {
            return Err(AppError::NotFound { what: "division" });
        }
        let day = |field: &'static str, raw: &str| {
            parse_date(raw).ok_or_else(|| {
                zhili_domain::ParseError::new(field, "stats.date_invalid", "日期应为 YYYY-MM-DD")
            })
        };
        let (f, t) = (day("from", from)?, day("to", to)?);
        if t < f {
            return Err(zhili_domain::ParseError::new(
                "to",
                "stats.range_invalid",
                "结束日期不能早于开始日期",
            )
            .into());
        }
        Ok((d, f, t))
    }

    /// Received, closed and closed on time per calendar month (Beijing time) of `[from, to]`,
    /// for the same division and with the same checks as `case_stats`; at most
    /// `MAX_TREND_MONTHS` months.
    pub async fn case_trend(
        &self,
        actor: &Actor,
        division: Option<&str>,
        from: &str,
        to: &str,
    ) -> AppResult<Vec<MonthPoint>> {
        let (d, f, t) = self.stats_target(actor, division, from, to)?;
        let months = months(f, t);
        if months.len() as i64 > MAX_TREND_MONTHS {
            return Err(zhili_domain::ParseError::new(
                "to",
                "stats.range_too_long",
                format!("按月趋势最多 {MAX_TREND_MONTHS} 个月，请缩短统计期间"),
            )
            .into());
        }
        let now = self.now_ms();
        let mut points = Vec::with_capacity(months.len());
        for (month, start, end) in months {
            let c = self
                .store
                .case_counts(&d, day_start_ms(start), day_start_ms(end), now)
                .await?;
            points.push(MonthPoint {
                month,
                received: c.received,
                closed: c.closed,
                closed_on_time: c.closed_on_time,
                on_time_rate: ratio(c.closed_on_time, c.closed),
            });
        }
        Ok(points)
    }

    /// Metrics for `division` (default: the caller's home division) over `[from, to]` (dates,
    /// Beijing time, both inclusive).
    pub async fn case_stats(
        &self,
        actor: &Actor,
        division: Option<&str>,
        from: &str,
        to: &str,
    ) -> AppResult<CaseStats> {
        let (d, f, t) = self.stats_target(actor, division, from, to)?;
        let c = self
            .store
            .case_counts(&d, day_start_ms(f), day_start_ms(t + 1), self.now_ms())
            .await?;
        Ok(CaseStats {
            division: d.to_string(),
            from: from.into(),
            to: to.into(),
            received: c.received,
            closed: c.closed,
            open: c.open,
            overdue: c.overdue_open,
            on_time_rate: ratio(c.closed_on_time, c.closed),
            on_time_rate_due: ratio(c.due_met, c.due_in_period),
            success_rate: ratio(c.disputes_agreed, c.disputes_ended),
            satisfaction: ratio(c.rating_sum, c.rated),
            satisfied_share: ratio(c.rated_4_5, c.rated),
            rated: c.rated,
            median_days_to_close: median(c.close_durations_ms),
            escalation_rate: ratio(c.escalated, c.received),
            proactive_share: ratio(c.grid_reports, c.received),
            by_state: c.by_state,
            by_category: c.by_category,
            by_channel: c.by_channel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> i64 {
        parse_date(s).unwrap()
    }

    #[test]
    fn months_are_cut_to_the_period() {
        let m = months(day("2025-11-15"), day("2026-02-03"));
        let names: Vec<&str> = m.iter().map(|x| x.0.as_str()).collect();
        assert_eq!(names, ["2025-11", "2025-12", "2026-01", "2026-02"]);
        assert_eq!((m[0].1, m[0].2), (day("2025-11-15"), day("2025-12-01")));
        assert_eq!((m[3].1, m[3].2), (day("2026-02-01"), day("2026-02-04")));
        assert_eq!(months(day("2026-03-31"), day("2026-03-31")).len(), 1);
        assert_eq!(months(day("2024-01-01"), day("2026-06-30")).len(), 30);
    }

    #[test]
    fn the_default_period_starts_on_new_year_in_beijing() {
        // 2025-12-31T16:30Z is already 2026-01-01 in Beijing.
        let ms = day_start_ms(day("2026-01-01")) + 30 * 60_000;
        assert_eq!(
            default_period(ms),
            ("2026-01-01".to_owned(), "2026-01-01".to_owned())
        );
    }
}
