//! Composite indices (指数): a spec file declares a tree of dimensions with indicators at its
//! leaves; the engine transforms, normalises, aggregates, ranks, compares with the previous
//! period and raises warnings. Pure: values come in as an [`Inputs`] table, results go out.
//! See `docs/indices.md` for the spec format.

mod compute;
mod inputs;
mod normalise;
mod parse;
mod parse_indicator;
mod parse_warning;
mod period;
mod raw;
mod sensitivity;
mod spec;
mod transform;
mod warning;

#[cfg(test)]
mod tests;

pub use compute::{compute, rank, ComputeError, Results, UnitResult};
pub use inputs::{DuplicateUnit, Inputs};
pub use parse::SpecError;
pub use period::{Period, PeriodError};
pub use sensitivity::{sensitivity, RankInterval};
pub use spec::{
    Aggregation, Child, DataSpec, Direction, IndexSpec, Indicator, MissingPolicy, Node,
    Normalisation, SensitivitySpec, Source, Transform, WarningLevel, WarningRule, WarningRuleKind,
};
pub use warning::{Warning, WarningKind};
