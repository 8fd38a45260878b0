//! Step one of a computation: each indicator's raw values → transformed values, with the
//! missing-data policy applied (mean imputation, or failure).

use super::compute::ComputeError;
use super::inputs::Inputs;
use super::spec::{IndexSpec, Indicator, MissingPolicy, Transform};

/// Transformed values, `[indicator][unit]`.
pub(super) type Columns = Vec<Vec<Option<f64>>>;

pub(super) fn transformed(spec: &IndexSpec, inputs: &Inputs) -> Result<Columns, ComputeError> {
    let population = match &spec.data.population {
        Some(p)
            if spec
                .indicators
                .iter()
                .any(|i| i.transform == Transform::Per10k) =>
        {
            Some(
                inputs
                    .column(p)
                    .ok_or_else(|| ComputeError::MissingColumn {
                        indicator: "population".into(),
                        key: p.clone(),
                    })?,
            )
        }
        _ => None,
    };
    spec.indicators
        .iter()
        .map(|ind| {
            let mut col = one(ind, inputs, population)?;
            apply_missing(ind, inputs, &mut col)?;
            Ok(col)
        })
        .collect()
}

fn one(
    ind: &Indicator,
    inputs: &Inputs,
    population: Option<&[Option<f64>]>,
) -> Result<Vec<Option<f64>>, ComputeError> {
    let key = ind.source.key();
    let values = inputs
        .column(key)
        .ok_or_else(|| ComputeError::MissingColumn {
            indicator: ind.id.clone(),
            key: key.to_owned(),
        })?;
    let denominator = match &ind.transform {
        Transform::Rate { denominator, .. } => Some(inputs.column(denominator).ok_or_else(
            || ComputeError::MissingColumn {
                indicator: ind.id.clone(),
                key: denominator.clone(),
            },
        )?),
        _ => None,
    };
    let mut out = Vec::with_capacity(values.len());
    for (u, v) in values.iter().enumerate() {
        let t = match (v, &ind.transform) {
            (None, _) => None,
            (Some(x), Transform::None) => Some(*x),
            (Some(x), Transform::Ln) => {
                if *x <= 0.0 {
                    return Err(ComputeError::Log {
                        indicator: ind.id.clone(),
                        unit: inputs.units()[u].clone(),
                        value: *x,
                    });
                }
                Some(x.ln())
            }
            (Some(x), Transform::Per10k) => population
                .and_then(|p| p[u])
                .filter(|p| *p > 0.0)
                .map(|p| x / p * 10_000.0),
            (Some(x), Transform::Rate { scale, .. }) => denominator
                .and_then(|d| d[u])
                .filter(|d| *d != 0.0)
                .map(|d| x / d * scale),
            (Some(x), Transform::Change) => inputs
                .get_previous(u, key)
                .filter(|p| *p != 0.0)
                .map(|p| (x - p) / p.abs()),
        };
        out.push(t);
    }
    Ok(out)
}

fn apply_missing(
    ind: &Indicator,
    inputs: &Inputs,
    col: &mut [Option<f64>],
) -> Result<(), ComputeError> {
    match ind.missing {
        MissingPolicy::Reweight => Ok(()),
        MissingPolicy::Fail => match col.iter().position(Option::is_none) {
            Some(u) => Err(ComputeError::Missing {
                indicator: ind.id.clone(),
                unit: inputs.units()[u].clone(),
            }),
            None => Ok(()),
        },
        MissingPolicy::Mean => {
            let present: Vec<f64> = col.iter().flatten().copied().collect();
            if present.is_empty() {
                return Ok(());
            }
            let mean = present.iter().sum::<f64>() / present.len() as f64;
            for v in col.iter_mut().filter(|v| v.is_none()) {
                *v = Some(mean);
            }
            Ok(())
        }
    }
}
