//! The platform metrics the mediation index reads (`cases.*`, see `docs/indices.md`), for
//! every unit of a level at once: the store returns per-community counts from a few GROUP BY
//! queries; each unit sums its communities (a code prefix). Definitions follow
//! `docs/metrics.md` (`case_stats.rs`); population comes from the registry (`residents`),
//! or `FALLBACK_PER_COMMUNITY` for a community without registered residents.

use crate::error::AppResult;
use crate::ports::CaseAggregate;
use crate::App;
use std::collections::HashMap;
use zhili_domain::Level;

/// Residents assumed for a community with none in the registry: Yantai's ~7 million
/// residents over its ~6,700 villages and communities.
pub const FALLBACK_PER_COMMUNITY: f64 = 1_050.0;

/// Metric columns in the order of the units.
pub struct Metrics {
    pub aggregates: Vec<CaseAggregate>,
    pub population: Vec<f64>,
}

fn prefix_len(level: Level) -> usize {
    match level {
        Level::City => 4,
        Level::County => 6,
        Level::Township | Level::WorkArea => 9,
        Level::Community => 12,
    }
}

fn ratio(a: i64, b: i64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Median in days from an hour histogram (each bucket at its middle).
fn median_days(hist: &[(i64, i64)]) -> Option<f64> {
    let mut h: Vec<(i64, i64)> = hist.to_vec();
    h.sort_unstable();
    let n: i64 = h.iter().map(|x| x.1).sum();
    if n == 0 {
        return None;
    }
    let at = |k: i64| {
        let mut seen = 0;
        for (hour, c) in &h {
            seen += c;
            if seen > k {
                return *hour as f64 + 0.5;
            }
        }
        0.0
    };
    let m = if n % 2 == 1 {
        at(n / 2)
    } else {
        (at(n / 2 - 1) + at(n / 2)) / 2.0
    };
    Some(m / 24.0)
}

/// Whether a unit saw any case activity in the period (else its metrics are missing,
/// not zero: a community without cases is left out of the ranking).
fn active(a: &CaseAggregate) -> bool {
    a.received + a.closed + a.ended + a.rated > 0
}

fn add(a: &mut CaseAggregate, b: &CaseAggregate) {
    a.received += b.received;
    a.disputes += b.disputes;
    a.dispute_categories += b.dispute_categories;
    a.grid_reports += b.grid_reports;
    a.escalated += b.escalated;
    a.closed += b.closed;
    a.closed_on_time += b.closed_on_time;
    a.ended += b.ended;
    a.agreed += b.agreed;
    a.rated += b.rated;
    a.rating_sum += b.rating_sum;
    a.close_hours.extend_from_slice(&b.close_hours);
}

impl Metrics {
    /// The column of one metric by its stable name; unknown names give missing values.
    pub fn column(&self, metric: &str) -> Vec<Option<f64>> {
        self.aggregates
            .iter()
            .zip(&self.population)
            .map(|(a, pop)| match metric {
                "cases.dispute_per_10k" => {
                    (*pop > 0.0 && active(a)).then(|| a.disputes as f64 / pop * 10_000.0)
                }
                "cases.grid_found_share" | "cases.proactive_share" => {
                    ratio(a.grid_reports, a.received)
                }
                "cases.repeat_share" => ratio(a.disputes - a.dispute_categories, a.disputes),
                "cases.mediation_success_rate" | "cases.success_rate" => ratio(a.agreed, a.ended),
                "cases.on_time_rate" => ratio(a.closed_on_time, a.closed),
                "cases.satisfaction" => ratio(a.rating_sum, a.rated),
                "cases.escalation_rate" => ratio(a.escalated, a.received),
                "cases.median_days_to_close" => median_days(&a.close_hours),
                "cases.received" => Some(a.received as f64),
                _ => None,
            })
            .collect()
    }
}

/// What one period of an index is computed from, fetched once for every level: imported
/// values, per-community case counts and population per community.
pub(crate) struct PeriodData {
    pub values: Vec<(String, String, Option<f64>)>,
    pub aggregates: Vec<(String, CaseAggregate)>,
    pub population: Vec<(String, f64)>,
}

impl PeriodData {
    /// Case aggregates and population for every unit in `codes` (all at `level`), summed
    /// from their communities by code prefix.
    pub fn metrics(&self, level: Level, codes: &[String]) -> Metrics {
        let len = prefix_len(level);
        let pos: HashMap<&str, usize> = codes
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.get(..len).map(|p| (p, i)))
            .collect();
        let at = |community: &str| community.get(..len).and_then(|p| pos.get(p)).copied();
        let mut aggregates = vec![CaseAggregate::default(); codes.len()];
        for (community, a) in &self.aggregates {
            if let Some(i) = at(community) {
                add(&mut aggregates[i], a);
            }
        }
        let mut population = vec![0.0; codes.len()];
        for (community, n) in &self.population {
            if let Some(i) = at(community) {
                population[i] += n;
            }
        }
        Metrics {
            aggregates,
            population,
        }
    }
}

impl App {
    /// Fetches one period's data; case aggregates only when `platform` metrics are needed.
    pub(crate) async fn period_data(
        &self,
        index_id: &str,
        period: &str,
        bounds: Option<(i64, i64)>,
    ) -> AppResult<PeriodData> {
        let values = self.store.index_values(index_id, period).await?;
        let Some((from_ms, to_ms)) = bounds else {
            return Ok(PeriodData {
                values,
                aggregates: Vec::new(),
                population: Vec::new(),
            });
        };
        let aggregates = self.store.case_aggregates(from_ms, to_ms).await?;
        let registered: HashMap<String, i64> =
            self.store.resident_counts().await?.into_iter().collect();
        let population = self
            .store
            .index_units(Level::Community)
            .await?
            .into_iter()
            .map(|(community, _)| {
                let n = match registered.get(&community) {
                    Some(n) if *n > 0 => *n as f64,
                    _ => FALLBACK_PER_COMMUNITY,
                };
                (community, n)
            })
            .collect();
        Ok(PeriodData {
            values,
            aggregates,
            population,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_hour_histogram_is_in_days() {
        assert_eq!(median_days(&[]), None);
        assert_eq!(median_days(&[(47, 1)]), Some(47.5 / 24.0));
        assert_eq!(median_days(&[(23, 1), (71, 1)]), Some(47.5 / 24.0));
    }

    #[test]
    fn a_repeat_is_a_second_dispute_of_a_category() {
        let m = Metrics {
            aggregates: vec![CaseAggregate {
                received: 10,
                disputes: 8,
                dispute_categories: 6,
                grid_reports: 4,
                ..Default::default()
            }],
            population: vec![10_000.0],
        };
        assert_eq!(m.column("cases.repeat_share"), vec![Some(0.25)]);
        assert_eq!(m.column("cases.grid_found_share"), vec![Some(0.4)]);
        assert_eq!(m.column("cases.dispute_per_10k"), vec![Some(8.0)]);
        assert_eq!(m.column("cases.on_time_rate"), vec![None]);
    }
}
