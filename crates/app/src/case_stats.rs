//! The headline metrics, with the definitions written in docs/metrics.md:
//! on-time rate, success rate, satisfaction, median days to close, escalation rate and the
//! share discovered proactively — for any division and period.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use serde::Serialize;
use zhili_domain::calendar::{day_start_ms, parse_date};
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

impl App {
    /// Metrics for `division` (default: the caller's home division) over `[from, to]` (dates,
    /// Beijing time, both inclusive).
    pub async fn case_stats(
        &self,
        actor: &Actor,
        division: Option<&str>,
        from: &str,
        to: &str,
    ) -> AppResult<CaseStats> {
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
