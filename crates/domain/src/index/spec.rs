//! A validated index specification: the tree of dimensions, the indicators at its leaves and
//! the warning rules. Built only by [`IndexSpec::parse`] (see `parse.rs`), so every reference in
//! it resolves, the tree has no cycle and every goalpost pair is usable.

use serde::Deserialize;

/// How a node combines its children's scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Weighted arithmetic mean: Σ wᵢxᵢ / Σ wᵢ.
    #[default]
    Arithmetic,
    /// Weighted geometric mean: Π xᵢ^(wᵢ/Σw). A zero child makes the node zero.
    Geometric,
    /// The smallest child (weights are ignored): a chain is as strong as its weakest link.
    Minimum,
}

/// Which way is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    #[default]
    Higher,
    Lower,
}

/// What to do when a unit has no value for an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MissingPolicy {
    /// Leave the indicator out for that unit; its siblings' weights are rescaled.
    #[default]
    Reweight,
    /// Use the mean of the other units' (transformed) values.
    Mean,
    /// Refuse to compute.
    Fail,
}

/// Where an indicator's value comes from. All three end up as a named column of
/// [`super::Inputs`]; the kind tells the caller where to fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A column of the data file named by the spec.
    Column(String),
    /// A value imported from another department (police, courts, …) per unit per period.
    Imported(String),
    /// A metric computed by the platform itself, by a stable name such as `cases.on_time_rate`.
    Platform(String),
}

impl Source {
    /// The key under which the value is looked up in [`super::Inputs`].
    pub fn key(&self) -> &str {
        match self {
            Source::Column(k) | Source::Imported(k) | Source::Platform(k) => k,
        }
    }
}

/// The transform applied to the raw value before normalisation.
#[derive(Debug, Clone, PartialEq)]
pub enum Transform {
    None,
    /// Natural logarithm (goalposts are written raw and logged too).
    Ln,
    /// value / population × 10,000 (population column from `[data] population`).
    Per10k,
    /// value / denominator × scale (e.g. scale 100 for a percentage).
    Rate {
        denominator: String,
        scale: f64,
    },
    /// (value − previous period's value) / |previous period's value|.
    Change,
}

/// How a transformed value becomes a comparable score.
#[derive(Debug, Clone, PartialEq)]
pub enum Normalisation {
    /// (x − min) / (max − min), flipped when lower is better. A bound left out comes from the
    /// data (the smallest or largest value among the units).
    MinMax { min: Option<f64>, max: Option<f64> },
    /// (x − mean) / standard deviation over the units, negated when lower is better.
    ZScore,
    /// 1 at or beyond `target`, 0 at `worst` (from the data when left out), linear between.
    Target { target: f64, worst: Option<f64> },
    /// Percentile rank among the units: 0 for the worst, 1 for the best, ties share.
    Rank,
}

/// A leaf of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub id: String,
    pub name: String,
    pub source: Source,
    pub transform: Transform,
    pub direction: Direction,
    pub normalisation: Normalisation,
    /// Clamp to the goalposts (min-max and target), so the score stays within 0..1.
    pub cap: bool,
    pub missing: MissingPolicy,
    pub weight: f64,
    /// The transformed value's expected band; outside it a warning may fire.
    pub band: Option<(Option<f64>, Option<f64>)>,
    pub rationale: Option<String>,
}

/// A child of a node: another dimension or an indicator (indices into the spec's lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    Node(usize),
    Indicator(usize),
}

/// A dimension (or the root, node 0).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub name: String,
    pub aggregation: Aggregation,
    pub weight: f64,
    pub children: Vec<Child>,
    pub rationale: Option<String>,
}

/// Where the data file is and which columns mean what.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DataSpec {
    /// Path of the data file, relative to the spec file.
    pub file: Option<String>,
    /// Column naming the unit (county, country, …).
    pub unit: String,
    /// Optional column with a readable name of the unit.
    pub label: Option<String>,
    /// Column with the resident population (needed by `per_10k`).
    pub population: Option<String>,
}

/// Warning colours, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningLevel {
    Red,
    Orange,
    Yellow,
    Blue,
}

impl WarningLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningLevel::Red => "red",
            WarningLevel::Orange => "orange",
            WarningLevel::Yellow => "yellow",
            WarningLevel::Blue => "blue",
        }
    }
    /// 红色 / 橙色 / 黄色 / 蓝色.
    pub fn label_zh(self) -> &'static str {
        match self {
            WarningLevel::Red => "红色预警",
            WarningLevel::Orange => "橙色预警",
            WarningLevel::Yellow => "黄色预警",
            WarningLevel::Blue => "蓝色预警",
        }
    }
}

/// When a warning fires.
#[derive(Debug, Clone, PartialEq)]
pub enum WarningRuleKind {
    /// The node's score (root = the index) is below the threshold.
    Below { node: usize, threshold: f64 },
    /// The score fell by more than `by` points against the previous period, or the rank fell
    /// by more than `ranks` places.
    Fall {
        by: Option<f64>,
        ranks: Option<usize>,
    },
    /// Among the last `n` ranks.
    Bottom { n: usize },
    /// An indicator's transformed value is outside its band (`band_min`..`band_max`); one
    /// indicator, or every indicator with a band when `None`.
    Band { indicator: Option<usize> },
}

/// A declared warning rule.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningRule {
    pub kind: WarningRuleKind,
    pub level: WarningLevel,
    /// Text shown with the warning (a default is written when absent).
    pub message: Option<String>,
}

/// Options of the sensitivity run.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivitySpec {
    /// Each weight is multiplied by a factor drawn uniformly from 1 ± spread.
    pub weight_spread: f64,
    /// Whether a run may swap every indicator's normalisation for min-max over the data or
    /// the percentile rank.
    pub vary_normalisation: bool,
}

impl Default for SensitivitySpec {
    fn default() -> Self {
        Self {
            weight_spread: 0.2,
            vary_normalisation: true,
        }
    }
}

/// A parsed and validated index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexSpec {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Scores are multiplied by this (e.g. 100 for a 0–100 index).
    pub scale: f64,
    /// Decimals to print (all when absent).
    pub decimals: Option<usize>,
    pub data: DataSpec,
    /// Node 0 is the root (the index itself); the rest in tree pre-order.
    pub nodes: Vec<Node>,
    pub indicators: Vec<Indicator>,
    pub warnings: Vec<WarningRule>,
    pub sensitivity: SensitivitySpec,
}

impl IndexSpec {
    /// The dimensions below the root in tree pre-order: the sub-score columns of a result.
    pub fn dimension_ids(&self) -> Vec<&str> {
        self.nodes.iter().skip(1).map(|n| n.id.as_str()).collect()
    }

    /// Every input column the spec needs: indicator sources, rate denominators, population.
    pub fn required_columns(&self) -> Vec<&str> {
        let mut cols: Vec<&str> = Vec::new();
        for ind in &self.indicators {
            cols.push(ind.source.key());
            if let Transform::Rate { denominator, .. } = &ind.transform {
                cols.push(denominator);
            }
        }
        if let Some(p) = &self.data.population {
            cols.push(p);
        }
        let mut seen = std::collections::HashSet::new();
        cols.retain(|c| seen.insert(*c));
        cols
    }
}
