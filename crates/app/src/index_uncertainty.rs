//! Rank intervals (排名区间): the engine's seeded Monte Carlo sensitivity run
//! (`zhili_domain::index::sensitivity`) attached to scored units, so that a report can tell a
//! rank change that is real from one the weights and normalisation choices alone explain.

use crate::error::{AppError, AppResult};
use crate::index::ScoredUnit;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use zhili_domain::index::{sensitivity, IndexSpec, Inputs};
use zhili_domain::ParseError;

/// Runs of a published issue's sensitivity (the 13 counties: a few milliseconds).
pub const REPORT_RUNS: usize = 1000;
/// The most runs an API caller may ask for.
pub const MAX_RUNS: usize = 10_000;

/// Where a unit's rank lies across the runs: the 5th–95th percentile (`low`–`high`, widened
/// to include the published rank when the percentiles miss it), the median, best and worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RankRange {
    pub low: usize,
    pub median: usize,
    pub high: usize,
    pub best: usize,
    pub worst: usize,
}

impl RankRange {
    /// 「3–6」, or 「4」 when the rank never moves.
    pub fn label(&self) -> String {
        if self.low == self.high {
            self.low.to_string()
        } else {
            format!("{}–{}", self.low, self.high)
        }
    }
}

/// How the intervals were made: stored with an issue and shown under its ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityInfo {
    pub runs: usize,
    pub seed: u64,
    /// Each weight × a factor in 1 ± `weight_spread`.
    pub weight_spread: f64,
    /// Whether two runs in three swap every indicator's normalisation.
    pub vary_normalisation: bool,
}

impl SensitivityInfo {
    pub fn new(spec: &IndexSpec, runs: usize, seed: u64) -> Self {
        Self {
            runs,
            seed,
            weight_spread: spec.sensitivity.weight_spread,
            vary_normalisation: spec.sensitivity.vary_normalisation,
        }
    }

    /// The short explanation printed under a ranking.
    pub fn explain_zh(&self) -> String {
        let s = self.weight_spread;
        let norm = if self.vary_normalisation {
            "，并在约三分之二的模拟中把全部指标的标准化方法换为按本期数据的极小—极大值法或百分位排名法"
        } else {
            ""
        };
        format!(
            "排名区间：按 {} 次蒙特卡洛模拟计算（随机种子 {}，可复现）。每次模拟把各维度和指标的权重分别乘以 {:.2}–{:.2} 之间的随机系数{norm}；\
             区间为名次的第 5 至第 95 百分位（90% 区间，并包含本期公布的名次），括号内为中位名次。\
             上期名次落在本期区间之外的，排名变化标为「变化显著」；落在区间之内的标为「在不确定范围内」，不能据此认定名次实质升降。",
            group_thousands(self.runs),
            self.seed,
            1.0 - s,
            1.0 + s
        )
    }
}

fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The seed of an index's run for a period: FNV-1a of `index/period`, cut to 32 bits, so the
/// same figures always give the same intervals.
pub fn seed_for(index_id: &str, period: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in index_id.bytes().chain(*b"/").chain(period.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h & 0xffff_ffff
}

/// Checks a requested number of runs (`?sensitivity=N`).
pub fn check_runs(runs: usize) -> AppResult<usize> {
    if (1..=MAX_RUNS).contains(&runs) {
        Ok(runs)
    } else {
        Err(ParseError::new(
            "sensitivity",
            "index.sensitivity_invalid",
            format!("模拟次数应在 1 至 {MAX_RUNS} 之间，收到 {runs}"),
        )
        .into())
    }
}

/// Runs the sensitivity over `inputs` (the units that were scored, with their previous
/// values) and fills each unit's interval and whether its rank change is significant: last
/// period's rank (`rank + rank_change`) outside this period's interval.
pub(crate) fn attach(
    spec: &IndexSpec,
    inputs: &Inputs,
    info: &SensitivityInfo,
    units: &mut [ScoredUnit],
) -> AppResult<()> {
    let intervals = sensitivity(spec, inputs, info.runs, info.seed)
        .map_err(|e| AppError::Internal(format!("sensitivity: {e}")))?;
    let at: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(k, u)| (u.unit.as_str(), k))
        .collect();
    let mut found = Vec::with_capacity(intervals.len());
    for iv in &intervals {
        if let Some(&k) = at.get(iv.unit.as_str()) {
            found.push((k, iv));
        }
    }
    for (k, iv) in found {
        let u = &mut units[k];
        let rank = u.rank.unwrap_or(iv.rank);
        let range = RankRange {
            low: iv.low.min(rank),
            median: iv.median,
            high: iv.high.max(rank),
            best: iv.best.min(rank),
            worst: iv.worst.max(rank),
        };
        u.rank_change_significant = u.rank_change.filter(|&rc| rc != 0).map(|rc| {
            let before = rank as i64 + rc;
            before < range.low as i64 || before > range.high as i64
        });
        u.rank_interval = Some(range);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_stable_and_fits_in_32_bits() {
        assert_eq!(seed_for("safety", "2026-10"), seed_for("safety", "2026-10"));
        assert_ne!(seed_for("safety", "2026-10"), seed_for("safety", "2026-09"));
        assert!(seed_for("mediation", "2026-Q4") <= u64::from(u32::MAX));
    }

    #[test]
    fn runs_are_grouped_by_thousands() {
        assert_eq!(group_thousands(1000), "1,000");
        assert_eq!(group_thousands(10000), "10,000");
        assert_eq!(group_thousands(999), "999");
    }
}
