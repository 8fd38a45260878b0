//! The two city indices (平安指数, 矛调指数) in the product: their specs (shipped in
//! `data/indices/`), who may read them, and their scores per unit per period, computed from
//! imported department figures and the platform's own case metrics (`index_metrics.rs`).

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::index_metrics::PeriodData;
use crate::App;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::OnceLock;
use zhili_domain::calendar::{day_start_ms, days_from_civil};
use zhili_domain::index::{compute, IndexSpec, Inputs, Period, Results, Source};
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
        })
        .collect();
    out.sort_by(|a, b| {
        (a.rank.unwrap_or(usize::MAX), &a.unit).cmp(&(b.rank.unwrap_or(usize::MAX), &b.unit))
    });
    out
}

fn round(v: f64, d: usize) -> f64 {
    let f = 10f64.powi(d.min(6) as i32);
    (v * f).round() / f
}

/// The units that have at least one indicator value this period, with every column the
/// spec needs (a key nobody supplied is all missing, so the spec's missing-data policy
/// applies). A unit without any value is left out — no score, no rank — rather than
/// imputed from the others.
fn with_data(spec: &IndexSpec, all: &Inputs) -> Inputs {
    let keys = spec.required_columns();
    let indicators: Vec<&str> = spec.indicators.iter().map(|i| i.source.key()).collect();
    let keep: Vec<usize> = (0..all.len())
        .filter(|&u| indicators.iter().any(|k| all.get(u, k).is_some()))
        .collect();
    let mut out = Inputs::new(keep.iter().map(|&u| all.units()[u].clone())).unwrap_or_default();
    for key in keys {
        out.set_column(key, keep.iter().map(|&u| all.get(u, key)).collect());
    }
    out
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

    /// Scores of every unit at `level` in `period`, with change against the previous period;
    /// below the county level only the units in the caller's jurisdiction.
    pub async fn index_scores(
        &self,
        actor: &Actor,
        id: &str,
        period: &str,
        level: Option<&str>,
    ) -> AppResult<Vec<ScoredUnit>> {
        check_reader(actor)?;
        let spec = spec(id)?;
        let period = parse_period(period)?;
        let level = parse_level(level)?;
        let mut units = self.compute_index(spec, period, level).await?;
        if level != Level::County {
            units.retain(|u| {
                zhili_domain::DivisionCode::parse(&u.unit)
                    .map(|d| actor.scope.sees_division(&d))
                    .unwrap_or(false)
            });
        }
        Ok(units)
    }

    /// Computes `spec` for every unit at `level` in `period` (and the previous period for the
    /// changes). No permission check: callers check.
    pub(crate) async fn compute_index(
        &self,
        spec: &IndexSpec,
        period: Period,
        level: Level,
    ) -> AppResult<Vec<ScoredUnit>> {
        let mut all = self.compute_levels(spec, period, &[level]).await?;
        Ok(all.pop().unwrap_or_default())
    }

    /// Computes `spec` at each of `levels`, fetching each period's data once for all of them.
    pub(crate) async fn compute_levels(
        &self,
        spec: &IndexSpec,
        period: Period,
        levels: &[Level],
    ) -> AppResult<Vec<Vec<ScoredUnit>>> {
        let (now_data, before_data) = tokio::try_join!(
            self.fetch(spec, period),
            self.fetch(spec, period.previous())
        )?;
        let mut out = Vec::with_capacity(levels.len());
        for &level in levels {
            let units = self.store.index_units(level).await?;
            let names: HashMap<String, String> = units.iter().cloned().collect();
            let codes: Vec<String> = units.into_iter().map(|(c, _)| c).collect();
            let before = inputs_for(spec, &before_data, level, &codes)?;
            let mut now = inputs_for(spec, &now_data, level, &codes)?;
            for (u, unit) in before.units().iter().enumerate() {
                for key in spec.required_columns() {
                    now.set_previous(unit, key, before.get(u, key));
                }
            }
            let previous =
                compute(spec, &before, None).map_err(|e| AppError::Internal(e.to_string()))?;
            let results = compute(spec, &now, Some(&previous))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            let mut scored = to_scored(spec, &results, &names);
            for code in codes {
                if results.unit(&code).is_none() {
                    scored.push(ScoredUnit {
                        name: names.get(&code).cloned().unwrap_or_default(),
                        unit: code,
                        score: None,
                        rank: None,
                        change: None,
                        rank_change: None,
                        warnings: Vec::new(),
                        dimensions: HashMap::new(),
                    });
                }
            }
            out.push(scored);
        }
        Ok(out)
    }

    /// Both indices' scores at every level the caller names, for the benchmark and batch
    /// use: each period's data is read once for all levels.
    pub async fn index_scores_at_levels(
        &self,
        actor: &Actor,
        id: &str,
        period: &str,
        levels: &[Level],
    ) -> AppResult<Vec<Vec<ScoredUnit>>> {
        check_reader(actor)?;
        let spec = spec(id)?;
        let period = parse_period(period)?;
        self.compute_levels(spec, period, levels).await
    }

    /// County scores only (no previous period), for a report's trend lines, in the order of
    /// `codes`.
    pub(crate) async fn county_scores(
        &self,
        spec: &IndexSpec,
        period: Period,
        codes: &[String],
    ) -> AppResult<Vec<Option<f64>>> {
        let data = self.fetch(spec, period).await?;
        let inputs = inputs_for(spec, &data, Level::County, codes)?;
        let r = compute(spec, &inputs, None).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(codes
            .iter()
            .map(|c| r.unit(c).and_then(|u| u.score).map(|s| round(s, 2)))
            .collect())
    }

    async fn fetch(&self, spec: &IndexSpec, period: Period) -> AppResult<PeriodData> {
        let platform = spec
            .indicators
            .iter()
            .any(|i| matches!(i.source, Source::Platform(_)));
        self.period_data(
            &spec.id,
            &period.to_string(),
            platform.then(|| period_bounds(period)),
        )
        .await
    }
}

/// The input table of one level: imported values (latest version wins; a unit's value is
/// what its department reported for it, never a sum of its parts) and platform metrics.
fn inputs_for(
    spec: &IndexSpec,
    data: &PeriodData,
    level: Level,
    codes: &[String],
) -> AppResult<Inputs> {
    let mut inputs =
        Inputs::new(codes.iter().cloned()).map_err(|e| AppError::Internal(e.to_string()))?;
    for (unit, key, value) in &data.values {
        inputs.set(unit, key, *value);
    }
    let platform: Vec<&str> = spec
        .indicators
        .iter()
        .filter_map(|i| match &i.source {
            Source::Platform(m) => Some(m.as_str()),
            _ => None,
        })
        .collect();
    if !platform.is_empty() {
        let metrics = data.metrics(level, codes);
        for m in platform {
            inputs.set_column(m, metrics.column(m));
        }
        if let Some(p) = &spec.data.population {
            // An imported population for a unit and period wins over the registry's.
            for (u, code) in codes.iter().enumerate() {
                if inputs.get(u, p).is_none() {
                    inputs.set(code, p, metrics.population.get(u).copied());
                }
            }
        }
    }
    Ok(with_data(spec, &inputs))
}
