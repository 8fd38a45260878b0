//! Computing an index for every unit of a level and period: each period's figures and case
//! metrics are read once, the previous period gives the changes, and on request the
//! sensitivity run gives each unit's rank interval (`index_uncertainty.rs`).

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::index::{
    check_reader, parse_level, parse_period, period_bounds, round, spec, to_scored, ScoredUnit,
};
use crate::index_metrics::PeriodData;
use crate::index_uncertainty::{attach, check_runs, seed_for, SensitivityInfo};
use crate::App;
use std::collections::HashMap;
use zhili_domain::index::{compute, IndexSpec, Inputs, Period, Source};
use zhili_domain::Level;

impl App {
    /// Scores of every unit at `level` in `period`, with change against the previous period;
    /// below the county level only the units in the caller's jurisdiction.
    pub async fn index_scores(
        &self,
        actor: &Actor,
        id: &str,
        period: &str,
        level: Option<&str>,
    ) -> AppResult<Vec<ScoredUnit>> {
        self.index_scores_with_intervals(actor, id, period, level, None)
            .await
    }

    /// [`App::index_scores`], and with `runs` each unit's rank interval from that many
    /// sensitivity runs (seeded by index and period, see `index_uncertainty::seed_for`).
    pub async fn index_scores_with_intervals(
        &self,
        actor: &Actor,
        id: &str,
        period: &str,
        level: Option<&str>,
        runs: Option<usize>,
    ) -> AppResult<Vec<ScoredUnit>> {
        check_reader(actor)?;
        let spec = spec(id)?;
        let period = parse_period(period)?;
        let level = parse_level(level)?;
        let sens = match runs {
            Some(n) => Some(SensitivityInfo::new(
                spec,
                check_runs(n)?,
                seed_for(&spec.id, &period.to_string()),
            )),
            None => None,
        };
        let mut units = self.compute_index(spec, period, level, sens).await?;
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
    /// changes), with rank intervals when `sens` is given. No permission check: callers check.
    pub(crate) async fn compute_index(
        &self,
        spec: &'static IndexSpec,
        period: Period,
        level: Level,
        sens: Option<SensitivityInfo>,
    ) -> AppResult<Vec<ScoredUnit>> {
        let mut all = self.compute_levels(spec, period, &[level], sens).await?;
        Ok(all.pop().unwrap_or_default())
    }

    /// Computes `spec` at each of `levels`, fetching each period's data once for all of them;
    /// with `sens`, runs the sensitivity at each level too (on a blocking thread: thousands of
    /// runs over thousands of communities take a while).
    pub(crate) async fn compute_levels(
        &self,
        spec: &'static IndexSpec,
        period: Period,
        levels: &[Level],
        sens: Option<SensitivityInfo>,
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
                        rank_interval: None,
                        rank_change_significant: None,
                    });
                }
            }
            if let Some(info) = sens.clone() {
                scored = tokio::task::spawn_blocking(move || {
                    attach(spec, &now, &info, &mut scored).map(|()| scored)
                })
                .await
                .map_err(|e| AppError::Internal(format!("sensitivity: {e}")))??;
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
        self.compute_levels(spec, period, levels, None).await
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
