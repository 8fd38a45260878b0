//! Uncertainty of the ranking: a seeded Monte Carlo run that perturbs the weights (each
//! multiplied by a factor in 1 ± `weight_spread`) and, when allowed, swaps every indicator's
//! normalisation for min-max over the data or the percentile rank. Each unit gets the
//! interval its rank stays within, so a report can tell a real rank change from noise.

use super::compute::{evaluate, rank, ComputeError, Weights};
use super::inputs::Inputs;
use super::spec::{IndexSpec, Normalisation};
use super::transform::transformed;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Where one unit's rank lies across the runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RankInterval {
    pub unit: String,
    /// The rank with the spec as written.
    pub rank: usize,
    /// 5th and 95th percentile of the rank over the runs (the 90 % interval).
    pub low: usize,
    pub high: usize,
    pub median: usize,
    /// Best and worst rank seen.
    pub best: usize,
    pub worst: usize,
}

impl RankInterval {
    /// Whether a rank of last period lies outside this period's 90 % interval, i.e. the change
    /// is larger than the weights and normalisation choices alone explain.
    pub fn change_is_robust(&self, previous_rank: usize) -> bool {
        previous_rank < self.low || previous_rank > self.high
    }
}

/// Runs the index `runs` times with random weights and normalisations drawn from `seed`
/// (the same seed gives the same intervals). Units without a score are left out.
pub fn sensitivity(
    spec: &IndexSpec,
    inputs: &Inputs,
    runs: usize,
    seed: u64,
) -> Result<Vec<RankInterval>, ComputeError> {
    let columns = transformed(spec, inputs)?;
    let base_weights = Weights::of(spec);
    let base = evaluate(spec, inputs, &columns, &base_weights, None)?;
    let base_ranks = rank(&base[0]);
    let mut rng = StdRng::seed_from_u64(seed);
    let spread = spec.sensitivity.weight_spread;
    let alternatives = [
        Normalisation::MinMax {
            min: None,
            max: None,
        },
        Normalisation::Rank,
    ];
    let n = inputs.len();
    let mut seen: Vec<Vec<usize>> = vec![Vec::with_capacity(runs); n];
    let mut weights = base_weights.clone();
    for _ in 0..runs {
        let mut jitter = |w: f64| {
            if spread > 0.0 {
                w * rng.random_range(1.0 - spread..1.0 + spread)
            } else {
                w
            }
        };
        for (w, b) in weights.nodes.iter_mut().zip(&base_weights.nodes) {
            *w = jitter(*b);
        }
        for (w, b) in weights.indicators.iter_mut().zip(&base_weights.indicators) {
            *w = jitter(*b);
        }
        // One in three runs keeps the declared normalisation; the others use an alternative.
        let norm = if spec.sensitivity.vary_normalisation {
            match rng.random_range(0..3) {
                0 => None,
                k => Some(&alternatives[k - 1]),
            }
        } else {
            None
        };
        let values = evaluate(spec, inputs, &columns, &weights, norm)?;
        for (u, r) in rank(&values[0]).into_iter().enumerate() {
            if let Some(r) = r {
                seen[u].push(r);
            }
        }
    }
    let mut out = Vec::new();
    for (u, mut ranks) in seen.into_iter().enumerate() {
        let Some(rank) = base_ranks[u] else { continue };
        if ranks.is_empty() {
            ranks.push(rank);
        }
        ranks.sort_unstable();
        let at = |q: f64| ranks[((ranks.len() - 1) as f64 * q).round() as usize];
        out.push(RankInterval {
            unit: inputs.units()[u].clone(),
            rank,
            low: at(0.05),
            high: at(0.95),
            median: at(0.5),
            best: ranks[0],
            worst: ranks[ranks.len() - 1],
        });
    }
    Ok(out)
}
