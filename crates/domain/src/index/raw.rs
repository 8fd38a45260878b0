//! The spec file as TOML gives it, before validation. Fields that a validation error may
//! point at are `Spanned`, so the error can name the line.

use super::spec::{Aggregation, Direction, MissingPolicy, WarningLevel};
use serde::Deserialize;
use toml::Spanned;

type S<T> = Spanned<T>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSpec {
    pub index: RawIndex,
    #[serde(default)]
    pub data: Option<RawData>,
    #[serde(default)]
    pub dimension: Vec<RawDimension>,
    #[serde(default)]
    pub indicator: Vec<RawIndicator>,
    #[serde(default)]
    pub warning: Vec<RawWarning>,
    #[serde(default)]
    pub sensitivity: Option<RawSensitivity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndex {
    pub id: S<String>,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub aggregation: Aggregation,
    pub children: S<Vec<S<String>>>,
    #[serde(default)]
    pub weights_sum: Option<S<f64>>,
    #[serde(default)]
    pub scale: Option<S<f64>>,
    #[serde(default)]
    pub decimals: Option<usize>,
    #[serde(default)]
    pub missing: MissingPolicy,
    #[serde(default)]
    pub rationale: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawData {
    #[serde(default)]
    pub file: Option<String>,
    pub unit: String,
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub population: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDimension {
    pub id: S<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub aggregation: Aggregation,
    #[serde(default)]
    pub weight: Option<S<f64>>,
    pub children: S<Vec<S<String>>>,
    #[serde(default)]
    pub weights_sum: Option<S<f64>>,
    #[serde(default)]
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub(super) enum SourceKind {
    #[default]
    Column,
    Imported,
    Platform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub(super) enum TransformKind {
    #[default]
    None,
    Ln,
    #[serde(rename = "per_10k")]
    Per10k,
    Rate,
    Change,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub(super) enum NormKind {
    #[default]
    Minmax,
    Zscore,
    Target,
    Rank,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawIndicator {
    pub id: S<String>,
    #[serde(default)]
    pub name: Option<String>,
    /// The measurement unit, for readers (元, 起, %, …).
    #[serde(default)]
    #[allow(dead_code)]
    pub unit: Option<String>,
    #[serde(default)]
    pub source: Option<S<SourceKind>>,
    #[serde(default)]
    pub column: Option<String>,
    #[serde(default)]
    pub metric: Option<S<String>>,
    #[serde(default)]
    pub transform: Option<S<TransformKind>>,
    #[serde(default)]
    pub denominator: Option<String>,
    #[serde(default)]
    pub rate_scale: Option<f64>,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default)]
    pub normalise: Option<S<NormKind>>,
    #[serde(default)]
    pub min: Option<S<f64>>,
    #[serde(default)]
    pub max: Option<S<f64>>,
    #[serde(default)]
    pub target: Option<S<f64>>,
    #[serde(default)]
    pub worst: Option<S<f64>>,
    #[serde(default)]
    pub cap: Option<bool>,
    #[serde(default)]
    pub missing: Option<MissingPolicy>,
    #[serde(default)]
    pub weight: Option<S<f64>>,
    #[serde(default)]
    pub band_min: Option<S<f64>>,
    #[serde(default)]
    pub band_max: Option<S<f64>>,
    #[serde(default)]
    pub rationale: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum WarnKind {
    Below,
    Fall,
    Bottom,
    Band,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWarning {
    pub kind: S<WarnKind>,
    pub level: WarningLevel,
    #[serde(default)]
    pub node: Option<S<String>>,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub by: Option<f64>,
    #[serde(default)]
    pub ranks: Option<usize>,
    #[serde(default)]
    pub n: Option<usize>,
    #[serde(default)]
    pub indicator: Option<S<String>>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSensitivity {
    #[serde(default)]
    pub weight_spread: Option<S<f64>>,
    #[serde(default)]
    pub vary_normalisation: Option<bool>,
}
