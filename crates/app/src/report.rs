//! Periodic reports (第N期): an index's county results for a period, with trend lines and a
//! Chinese summary, computed once at publishing and stored as JSON — an issue never changes.
//! Issue numbers are allocated inside the store's write transaction, so publishing from the
//! command line while the server runs is safe.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::index::{
    check_reader, dimension_infos, manages_indices, parse_period, spec, DimensionInfo, ScoredUnit,
};
use crate::index_uncertainty::{seed_for, SensitivityInfo, REPORT_RUNS};
use crate::ports::ReportRecord;
use crate::App;
use serde::{Deserialize, Serialize};
use zhili_domain::audit::Outcome;
use zhili_domain::index::Period;
use zhili_domain::Level;

/// How many periods a report's trend lines go back (this one included).
pub const TREND_PERIODS: usize = 12;

/// What an issue holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportBody {
    pub index_id: String,
    pub index_name: String,
    pub period: String,
    pub dimensions: Vec<DimensionInfo>,
    pub units: Vec<ScoredUnit>,
    /// Oldest first; the last is the report's period.
    pub trend_periods: Vec<String>,
    /// Per unit (same order as `units`), its score in each trend period.
    pub trends: Vec<Vec<Option<f64>>>,
    pub summary: Vec<String>,
    /// How the counties' rank intervals were made; absent in issues published before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<SensitivityInfo>,
}

/// A published issue.
#[derive(Debug, Clone, Serialize)]
pub struct ReportIssue {
    pub index_id: String,
    pub issue_no: i64,
    pub period: String,
    pub title: String,
    pub published_by: String,
    pub published_at_ms: i64,
    pub body: ReportBody,
}

/// An issue in the archive.
#[derive(Debug, Clone, Serialize)]
pub struct ReportEntry {
    pub index_id: String,
    pub issue_no: i64,
    pub period: String,
    pub title: String,
    pub published_by: String,
    pub published_at_ms: i64,
}

fn fmt1(v: f64) -> String {
    format!("{v:.2}")
}

/// The automatic summary: the leader, the biggest rise and fall, which rank changes are real
/// (last period's rank outside this period's rank interval) and warnings by level. Without
/// intervals (`sens` absent) rank changes are reported as they are.
pub fn summarise(
    name: &str,
    period: &str,
    units: &[ScoredUnit],
    sens: Option<&SensitivityInfo>,
) -> Vec<String> {
    let mut out = Vec::new();
    let scored: Vec<&ScoredUnit> = units.iter().filter(|u| u.score.is_some()).collect();
    let (Some(first), Some(last)) = (scored.first(), scored.last()) else {
        out.push(format!("{period} 期间暂无{name}数据。"));
        return out;
    };
    let mean = scored.iter().filter_map(|u| u.score).sum::<f64>() / scored.len() as f64;
    out.push(format!(
        "{period}，全市 {} 个区市{name}平均 {} 分；{}以 {} 分居首，{}以 {} 分列末位。",
        scored.len(),
        fmt1(mean),
        first.name,
        fmt1(first.score.unwrap_or(0.0)),
        last.name,
        fmt1(last.score.unwrap_or(0.0))
    ));
    let mut moved: Vec<&&ScoredUnit> = scored.iter().filter(|u| u.change.is_some()).collect();
    moved.sort_by(|a, b| b.change.unwrap_or(0.0).total_cmp(&a.change.unwrap_or(0.0)));
    if let Some(up) = moved.first().filter(|u| u.change.unwrap_or(0.0) > 0.0) {
        out.push(format!(
            "较上期进步最大的是{}，上升 {} 分{}。",
            up.name,
            fmt1(up.change.unwrap_or(0.0)),
            rank_note(up)
        ));
    }
    if let Some(down) = moved.last().filter(|u| u.change.unwrap_or(0.0) < 0.0) {
        out.push(format!(
            "较上期下降最多的是{}，下降 {} 分{}。",
            down.name,
            fmt1(-down.change.unwrap_or(0.0)),
            rank_note(down)
        ));
    }
    if sens.is_some() {
        out.push(real_changes(&scored));
    }
    let count = |lv: &str| {
        units
            .iter()
            .filter(|u| u.warnings.iter().any(|w| w.level == lv))
            .count()
    };
    let (r, o, y, b) = (
        count("red"),
        count("orange"),
        count("yellow"),
        count("blue"),
    );
    if r + o + y + b > 0 {
        out.push(format!("预警：红色 {r} 个、橙色 {o} 个、黄色 {y} 个、蓝色 {b} 个区市，请相关区市对照预警事项落实整改。"));
    } else {
        out.push("本期无预警。".into());
    }
    out
}

/// Which rank changes lie outside the rank interval, and how many within it.
fn real_changes(scored: &[&ScoredUnit]) -> String {
    let changed: Vec<&&ScoredUnit> = scored
        .iter()
        .filter(|u| u.rank_change.is_some_and(|n| n != 0))
        .collect();
    if changed.is_empty() {
        return "本期各区市名次与上期相同。".into();
    }
    let real: Vec<String> = changed
        .iter()
        .filter(|u| u.rank_change_significant == Some(true))
        .map(|u| {
            let n = u.rank_change.unwrap_or(0);
            let dir = if n > 0 { "上升" } else { "下降" };
            format!("{}（{dir} {} 位）", u.name, n.abs())
        })
        .collect();
    let uncertain = changed.len() - real.len();
    if real.is_empty() {
        return format!(
            "本期 {uncertain} 个区市名次有变化，但均在排名区间之内（在不确定范围内），不能认定名次实质升降。"
        );
    }
    let rest = if uncertain > 0 {
        format!("；另有 {uncertain} 个区市名次变化在不确定范围内")
    } else {
        String::new()
    };
    format!(
        "名次变化显著（上期名次在本期排名区间之外）的有：{}{rest}。",
        real.join("、")
    )
}

fn rank_note(u: &ScoredUnit) -> String {
    let (n, dir) = match u.rank_change {
        Some(n) if n > 0 => (n, "上升"),
        Some(n) if n < 0 => (-n, "下降"),
        _ => return String::new(),
    };
    match (u.rank_change_significant, u.rank_interval) {
        (Some(true), Some(iv)) => format!(
            "，排名{dir} {n} 位（上期名次在本期排名区间 {} 之外，变化显著）",
            iv.label()
        ),
        (Some(false), Some(iv)) => format!(
            "，排名{dir} {n} 位，但上期名次仍在本期排名区间 {} 之内，在不确定范围内",
            iv.label()
        ),
        _ => format!("，排名{dir} {n} 位"),
    }
}

impl App {
    /// Publishes the next issue of index `id` for `period`.
    pub async fn publish_report(&self, actor: &Actor, id: &str, period: &str) -> AppResult<i64> {
        if !manages_indices(actor) {
            return Err(AppError::Forbidden {
                why: "only the back office and leaders at city or county level publish reports",
            });
        }
        let spec = spec(id)?;
        let p = parse_period(period)?;
        let sens = SensitivityInfo::new(spec, REPORT_RUNS, seed_for(&spec.id, &p.to_string()));
        let units = self
            .compute_index(spec, p, Level::County, Some(sens.clone()))
            .await?;
        let codes: Vec<String> = units.iter().map(|u| u.unit.clone()).collect();
        let mut periods: Vec<Period> = vec![p];
        while periods.len() < TREND_PERIODS {
            let before = periods[periods.len() - 1].previous();
            periods.push(before);
        }
        periods.reverse();
        let mut trends = vec![Vec::new(); codes.len()];
        for q in &periods {
            let scores = self.county_scores(spec, *q, &codes).await?;
            for (t, s) in trends.iter_mut().zip(scores) {
                t.push(s);
            }
        }
        // Leave out the leading periods without any data.
        let skip = (0..periods.len())
            .find(|&k| trends.iter().any(|t| t[k].is_some()))
            .unwrap_or(periods.len() - 1);
        let trend_periods = periods[skip..].iter().map(|q| q.to_string()).collect();
        let trends = trends.into_iter().map(|t| t[skip..].to_vec()).collect();
        let period = p.to_string();
        let body = ReportBody {
            index_id: spec.id.clone(),
            index_name: spec.name.clone(),
            period: period.clone(),
            dimensions: dimension_infos(spec),
            summary: summarise(&spec.name, &period, &units, Some(&sens)),
            units,
            sensitivity: Some(sens),
            trend_periods,
            trends,
        };
        let json = serde_json::to_string(&body).map_err(|e| AppError::Internal(e.to_string()))?;
        let now = self.now_ms();
        let record = ReportRecord {
            index_id: spec.id.clone(),
            issue_no: 0,
            title: format!("{}报告 · {period}", spec.name),
            period,
            body: json,
            published_by: actor.name(),
            published_at_ms: now,
        };
        let audit = actor.audit(
            now,
            "report.publish",
            format!("{}/{}", spec.id, record.period),
            Outcome::Success,
            String::new(),
        );
        Ok(self.store.publish_report(&record, audit).await?)
    }

    /// One issue, for leaders and the back office.
    pub async fn report(&self, actor: &Actor, id: &str, issue_no: i64) -> AppResult<ReportIssue> {
        check_reader(actor)?;
        let r = self
            .store
            .report(id, issue_no)
            .await?
            .ok_or(AppError::NotFound { what: "report" })?;
        let body: ReportBody = serde_json::from_str(&r.body)
            .map_err(|e| AppError::Internal(format!("report body: {e}")))?;
        Ok(ReportIssue {
            index_id: r.index_id,
            issue_no: r.issue_no,
            period: r.period,
            title: r.title,
            published_by: r.published_by,
            published_at_ms: r.published_at_ms,
            body,
        })
    }

    /// The archive, newest first.
    pub async fn reports(&self, actor: &Actor) -> AppResult<Vec<ReportEntry>> {
        check_reader(actor)?;
        Ok(self
            .store
            .reports()
            .await?
            .into_iter()
            .map(|r| ReportEntry {
                index_id: r.index_id,
                issue_no: r.issue_no,
                period: r.period,
                title: r.title,
                published_by: r.published_by,
                published_at_ms: r.published_at_ms,
            })
            .collect())
    }
}
