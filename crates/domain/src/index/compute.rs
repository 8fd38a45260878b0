//! Computing an index: transform → normalise → aggregate up the tree → rank → compare with
//! the previous period → warnings.

use super::inputs::Inputs;
use super::normalise::normalise;
use super::spec::{Aggregation, Child, IndexSpec, Normalisation};
use super::transform::{transformed, Columns};
use super::warning::{self, Warning};
use std::collections::{BTreeMap, HashMap};

/// Why an index could not be computed from these inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComputeError {
    #[error("指标 `{indicator}` 需要的列 `{key}` 不在数据中 / column missing")]
    MissingColumn { indicator: String, key: String },
    #[error("单位 `{unit}` 缺少指标 `{indicator}` 的值（missing = \"fail\"）/ missing value")]
    Missing { indicator: String, unit: String },
    #[error("指标 `{indicator}`：单位 `{unit}` 的值 {value} 不能取对数 / ln of a value ≤ 0")]
    Log {
        indicator: String,
        unit: String,
        value: f64,
    },
    #[error(
        "维度 `{node}`：几何平均遇到负数（单位 `{unit}`）/ negative value in a geometric mean"
    )]
    NegativeGeometric { node: String, unit: String },
}

/// One unit's result.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitResult {
    pub unit: String,
    /// The index (root node × scale); `None` when every indicator is missing.
    pub score: Option<f64>,
    /// 1 = best; equal scores share a rank.
    pub rank: Option<usize>,
    /// Every dimension's sub-score (× scale), by dimension id.
    pub nodes: BTreeMap<String, f64>,
    /// Score minus the previous period's score.
    pub change: Option<f64>,
    /// Places moved up since the previous period (negative = fell).
    pub rank_change: Option<i64>,
    pub warnings: Vec<Warning>,
}

/// A computed index for one period.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub index: String,
    /// Dimension ids in tree pre-order (the root excluded): the sub-score columns.
    pub dimensions: Vec<String>,
    /// In the order of the inputs' units.
    pub units: Vec<UnitResult>,
}

impl Results {
    pub fn unit(&self, unit: &str) -> Option<&UnitResult> {
        self.units.iter().find(|u| u.unit == unit)
    }
}

/// Weights used by one evaluation (the spec's, or perturbed ones in a sensitivity run).
#[derive(Debug, Clone)]
pub(super) struct Weights {
    pub nodes: Vec<f64>,
    pub indicators: Vec<f64>,
}

impl Weights {
    pub fn of(spec: &IndexSpec) -> Self {
        Weights {
            nodes: spec.nodes.iter().map(|n| n.weight).collect(),
            indicators: spec.indicators.iter().map(|i| i.weight).collect(),
        }
    }
}

/// Computes the index for every unit of `inputs`. With `previous` (last period's results,
/// matched by unit name), fills `change` and `rank_change` and the fall warnings.
pub fn compute(
    spec: &IndexSpec,
    inputs: &Inputs,
    previous: Option<&Results>,
) -> Result<Results, ComputeError> {
    let columns = transformed(spec, inputs)?;
    let values = evaluate(spec, inputs, &columns, &Weights::of(spec), None)?;
    let scores: Vec<Option<f64>> = values[0]
        .iter()
        .map(|v| v.map(|x| x * spec.scale))
        .collect();
    let ranks = rank(&scores);
    let prev: HashMap<&str, &UnitResult> = previous
        .map(|p| p.units.iter().map(|u| (u.unit.as_str(), u)).collect())
        .unwrap_or_default();
    let dimensions: Vec<String> = spec.nodes.iter().skip(1).map(|n| n.id.clone()).collect();
    let mut units = Vec::with_capacity(inputs.len());
    for (u, name) in inputs.units().iter().enumerate() {
        let nodes = spec
            .nodes
            .iter()
            .enumerate()
            .skip(1)
            .filter_map(|(k, n)| values[k][u].map(|v| (n.id.clone(), v * spec.scale)))
            .collect();
        let before = prev.get(name.as_str());
        let change = match (scores[u], before.and_then(|b| b.score)) {
            (Some(now), Some(then)) => Some(now - then),
            _ => None,
        };
        let rank_change = match (ranks[u], before.and_then(|b| b.rank)) {
            (Some(now), Some(then)) => Some(then as i64 - now as i64),
            _ => None,
        };
        units.push(UnitResult {
            unit: name.clone(),
            score: scores[u],
            rank: ranks[u],
            nodes,
            change,
            rank_change,
            warnings: Vec::new(),
        });
    }
    let mut results = Results {
        index: spec.id.clone(),
        dimensions,
        units,
    };
    warning::attach(spec, &columns, &mut results);
    Ok(results)
}

/// Normalises and aggregates: node values `[node][unit]`, unscaled. `norm` replaces every
/// indicator's normalisation (sensitivity runs).
pub(super) fn evaluate(
    spec: &IndexSpec,
    inputs: &Inputs,
    columns: &Columns,
    weights: &Weights,
    norm: Option<&Normalisation>,
) -> Result<Vec<Vec<Option<f64>>>, ComputeError> {
    let normalised: Vec<Vec<Option<f64>>> = spec
        .indicators
        .iter()
        .zip(columns)
        .map(|(ind, col)| {
            normalise(
                col,
                norm.unwrap_or(&ind.normalisation),
                ind.direction,
                ind.cap,
            )
        })
        .collect();
    let n = inputs.len();
    let mut values: Vec<Vec<Option<f64>>> = vec![Vec::new(); spec.nodes.len()];
    // Pre-order: every child comes after its parent, so walk backwards.
    for k in (0..spec.nodes.len()).rev() {
        let node = &spec.nodes[k];
        let child = |c: &Child, u: usize| match *c {
            Child::Node(i) => (values[i][u], weights.nodes[i]),
            Child::Indicator(i) => (normalised[i][u], weights.indicators[i]),
        };
        let mut col = Vec::with_capacity(n);
        for u in 0..n {
            let parts = node.children.iter().filter_map(|c| {
                let (v, w) = child(c, u);
                v.map(|v| (v, w))
            });
            let v = aggregate(node.aggregation, parts).map_err(|()| {
                ComputeError::NegativeGeometric {
                    node: node.id.clone(),
                    unit: inputs.units()[u].clone(),
                }
            })?;
            col.push(v);
        }
        values[k] = col;
    }
    Ok(values)
}

/// Combines the present children `(value, weight)`; `None` when none is present (or all
/// present weights are zero); `Err` on a negative value in a geometric mean.
pub(super) fn aggregate(
    how: Aggregation,
    parts: impl Iterator<Item = (f64, f64)>,
) -> Result<Option<f64>, ()> {
    let (mut sum, mut wsum, mut zero, mut min) = (0.0, 0.0, false, f64::INFINITY);
    for (v, w) in parts {
        match how {
            Aggregation::Arithmetic => sum += w * v,
            Aggregation::Geometric if v < 0.0 => return Err(()),
            Aggregation::Geometric if v == 0.0 => zero |= w > 0.0,
            Aggregation::Geometric => sum += w * v.ln(),
            Aggregation::Minimum => min = min.min(v),
        }
        wsum += w;
    }
    if how == Aggregation::Minimum {
        return Ok(min.is_finite().then_some(min));
    }
    if wsum <= 0.0 {
        return Ok(None);
    }
    Ok(Some(match how {
        Aggregation::Geometric if zero => 0.0,
        Aggregation::Geometric => (sum / wsum).exp(),
        _ => sum / wsum,
    }))
}

/// Competition ranking, highest score first: 1, 2, 2, 4. Missing scores get no rank.
pub fn rank(scores: &[Option<f64>]) -> Vec<Option<usize>> {
    let mut order: Vec<(usize, f64)> = scores
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s)))
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut ranks = vec![None; scores.len()];
    let mut last: Option<(f64, usize)> = None;
    for (pos, (i, s)) in order.into_iter().enumerate() {
        let r = match last {
            Some((prev, r)) if prev == s => r,
            _ => pos + 1,
        };
        ranks[i] = Some(r);
        last = Some((s, r));
    }
    ranks
}
