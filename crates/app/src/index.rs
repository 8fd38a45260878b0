//! The two city indices (平安指数, 矛调指数) in the product: their specs (shipped in
//! `data/indices/`), who may read them, and their scores per unit per period, computed from
//! imported department figures and the platform's own case metrics (`index_metrics.rs`);
//! the computing itself is in `index_compute.rs`, the rank intervals in
//! `index_uncertainty.rs`.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
pub use crate::index_uncertainty::{RankRange, SensitivityInfo};
use crate::App;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;
use zhili_domain::calendar::{day_start_ms, days_from_civil};
use zhili_domain::index::{IndexSpec, Period, Results};
use zhili_domain::{Level, ParseError, Role};

const SPECS: [&str; 2] = [
    include_str!("../../../data/indices/safety.toml"),
    include_str!("../../../data/indices/mediation.toml"),
];

/// The shipped specs, parsed once. A spec that does not parse is left out and logged (the
/// spec tests keep that from happening).
pub fn specs() -> &'static [IndexSpec] {
    static PARSED: OnceLock<Vec<IndexSpec>> = OnceLock::new();
    PARSED.get_or_init(|| {
        SPECS
            .iter()
            .filter_map(|t| match IndexSpec::parse(t) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::error!(error = %e, "index spec refused");
                    None
                }
            })
            .collect()
    })
}

pub fn spec(id: &str) -> AppResult<&'static IndexSpec> {
    specs()
        .iter()
        .find(|s| s.id == id)
        .ok_or(AppError::NotFound { what: "index" })
}

/// Leaders and the back office (平安法治办) read indices and reports.
pub fn reads_indices(role: Role) -> bool {
    matches!(role, Role::Leader | Role::Dispatcher)
}

/// The back office (平安法治办) and leaders at city or county level upload figures and
/// publish reports.
pub fn manages_indices(actor: &Actor) -> bool {
    match &actor.user {
        None => true,
        Some(u) => {
            reads_indices(u.role)
                && matches!(u.node.division().level(), Level::City | Level::County)
        }
    }
}

pub(crate) fn check_reader(actor: &Actor) -> AppResult<()> {
    if actor.may(reads_indices) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            why: "only leaders and the back office read indices",
        })
    }
}

/// An index in the list.
#[derive(Debug, Clone, Serialize)]
pub struct IndexSummary {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub dimensions: Vec<DimensionInfo>,
    /// Periods with imported figures, newest first.
    pub periods: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DimensionInfo {
    pub id: String,
    pub name: String,
}

/// A warning on a unit.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitWarning {
    /// `red`, `orange`, `yellow`, `blue`.
    pub level: String,
    pub level_label: String,
    pub kind: String,
    pub subject: String,
    pub value: f64,
    pub message: String,
}

/// One unit's score in a period.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoredUnit {
    pub unit: String,
    pub name: String,
    pub score: Option<f64>,
    pub rank: Option<usize>,
    pub change: Option<f64>,
    pub rank_change: Option<i64>,
    pub warnings: Vec<UnitWarning>,
    /// Sub-score per dimension id.
    pub dimensions: HashMap<String, f64>,
    /// Where the rank lies when weights and normalisations are perturbed (a published
    /// issue's counties, or `?sensitivity=N`); absent in issues published before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_interval: Option<RankRange>,
    /// Whether last period's rank lies outside `rank_interval`: the rank change is larger
    /// than the weights and normalisation choices alone explain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_change_significant: Option<bool>,
}

/// Parses `county`, `township` or `community`.
pub fn parse_level(raw: Option<&str>) -> AppResult<Level> {
    match raw.unwrap_or("county") {
        "county" => Ok(Level::County),
        "township" => Ok(Level::Township),
        "community" => Ok(Level::Community),
        other => Err(ParseError::new(
            "level",
            "index.level_invalid",
            format!("层级应为 county、township 或 community，收到「{other}」"),
        )
        .into()),
    }
}

pub fn parse_period(raw: &str) -> AppResult<Period> {
    Period::parse(raw)
        .map_err(|e| ParseError::new("period", "index.period_invalid", e.to_string()).into())
}

/// `[start, end)` of a period in UTC epoch milliseconds, Beijing calendar.
pub fn period_bounds(p: Period) -> (i64, i64) {
    let (first, last) = p.months();
    let y = i64::from(p.year());
    let start = days_from_civil(y, u32::from(first), 1);
    let end = if last == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, u32::from(last) + 1, 1)
    };
    (day_start_ms(start), day_start_ms(end))
}

/// The period (month) containing `ms`, Beijing time.
pub fn month_of(ms: i64) -> Period {
    let (y, m, _) = zhili_domain::calendar::civil_from_days(zhili_domain::calendar::local_day(ms));
    Period::Month {
        year: y as i32,
        month: m as u8,
    }
}

pub(crate) fn to_scored(
    spec: &IndexSpec,
    results: &Results,
    names: &HashMap<String, String>,
) -> Vec<ScoredUnit> {
    let mut out: Vec<ScoredUnit> = results
        .units
        .iter()
        .map(|u| ScoredUnit {
            unit: u.unit.clone(),
            name: names.get(&u.unit).cloned().unwrap_or_default(),
            score: u.score.map(|s| round(s, spec.decimals.unwrap_or(2))),
            rank: u.rank,
            change: u.change.map(|s| round(s, spec.decimals.unwrap_or(2))),
            rank_change: u.rank_change,
            warnings: u
                .warnings
                .iter()
                .map(|w| UnitWarning {
                    level: w.level.as_str().into(),
                    level_label: w.level.label_zh().into(),
                    kind: w.kind.as_str().into(),
                    subject: w.subject.clone(),
                    value: w.value,
                    message: w.message.clone(),
                })
                .collect(),
            dimensions: u
                .nodes
                .iter()
                .map(|(k, v)| (k.clone(), round(*v, 2)))
                .collect(),
            rank_interval: None,
            rank_change_significant: None,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.rank.unwrap_or(usize::MAX), &a.unit).cmp(&(b.rank.unwrap_or(usize::MAX), &b.unit))
    });
    out
}

pub(crate) fn round(v: f64, d: usize) -> f64 {
    let f = 10f64.powi(d.min(6) as i32);
    (v * f).round() / f
}

pub fn dimension_infos(spec: &IndexSpec) -> Vec<DimensionInfo> {
    spec.nodes
        .iter()
        .skip(1)
        .map(|n| DimensionInfo {
            id: n.id.clone(),
            name: n.name.clone(),
        })
        .collect()
}

impl App {
    /// The indices, for leaders and the back office.
    pub async fn indices(&self, actor: &Actor) -> AppResult<Vec<IndexSummary>> {
        check_reader(actor)?;
        let mut out = Vec::new();
        for s in specs() {
            out.push(IndexSummary {
                id: s.id.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                dimensions: dimension_infos(s),
                periods: self.store.index_periods(&s.id).await?,
            });
        }
        Ok(out)
    }
}
