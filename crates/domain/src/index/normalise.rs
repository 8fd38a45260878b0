//! Normalisation of one indicator's column (transformed values, one per unit) into scores
//! where higher is better: min-max, z-score, distance to target, percentile rank.

use super::spec::{Direction, Normalisation};

/// Normalises `values`; a missing value stays missing.
///
/// - min-max: (x − min)/(max − min), or (max − x)/(max − min) when lower is better; bounds
///   left out come from the data; when all values are equal every unit scores 1.
/// - z-score: (x − mean)/sd (population sd), negated when lower is better; 0 when sd = 0.
/// - target: (x − worst)/(target − worst); `worst` from the data when left out (the lowest
///   value, or the highest when lower is better).
/// - rank: the share of other units that do worse (ties count half), 0..1.
///
/// `cap` clamps min-max and target scores to 0..1 (values beyond the goalposts).
pub(super) fn normalise(
    values: &[Option<f64>],
    norm: &Normalisation,
    direction: Direction,
    cap: bool,
) -> Vec<Option<f64>> {
    let lower = direction == Direction::Lower;
    let clamp = |v: f64| if cap { v.clamp(0.0, 1.0) } else { v };
    match norm {
        Normalisation::MinMax { min, max } => {
            let (dmin, dmax) = extent(values);
            let lo = min.or(dmin);
            let hi = max.or(dmax);
            let (Some(lo), Some(hi)) = (lo, hi) else {
                return vec![None; values.len()];
            };
            let span = hi - lo;
            map(values, |x| {
                if span == 0.0 {
                    return 1.0;
                }
                let v = (x - lo) / span;
                clamp(if lower { 1.0 - v } else { v })
            })
        }
        Normalisation::ZScore => {
            let present: Vec<f64> = values.iter().flatten().copied().collect();
            if present.is_empty() {
                return vec![None; values.len()];
            }
            let n = present.len() as f64;
            let mean = present.iter().sum::<f64>() / n;
            let var = present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt();
            map(values, |x| {
                if sd == 0.0 {
                    return 0.0;
                }
                let z = (x - mean) / sd;
                if lower {
                    -z
                } else {
                    z
                }
            })
        }
        Normalisation::Target { target, worst } => {
            let (dmin, dmax) = extent(values);
            let worst = worst.or(if lower { dmax } else { dmin });
            let Some(worst) = worst else {
                return vec![None; values.len()];
            };
            let span = target - worst;
            map(values, |x| {
                if span == 0.0 {
                    return 1.0;
                }
                clamp((x - worst) / span)
            })
        }
        Normalisation::Rank => percentile(values, lower),
    }
}

fn map(values: &[Option<f64>], f: impl Fn(f64) -> f64) -> Vec<Option<f64>> {
    values.iter().map(|v| v.map(&f)).collect()
}

/// Smallest and largest present value.
fn extent(values: &[Option<f64>]) -> (Option<f64>, Option<f64>) {
    let mut it = values.iter().flatten().copied();
    let Some(first) = it.next() else {
        return (None, None);
    };
    let (lo, hi) = it.fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x)));
    (Some(lo), Some(hi))
}

fn percentile(values: &[Option<f64>], lower_is_better: bool) -> Vec<Option<f64>> {
    let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    map(values, |x| {
        if n <= 1 {
            return 1.0;
        }
        let below = sorted.partition_point(|v| *v < x);
        let equal = sorted.partition_point(|v| *v <= x) - below;
        let above = n - below - equal;
        let worse = if lower_is_better { above } else { below };
        (worse as f64 + (equal as f64 - 1.0) / 2.0) / (n as f64 - 1.0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(v: &[f64]) -> Vec<Option<f64>> {
        v.iter().map(|x| Some(*x)).collect()
    }
    fn close(a: &[Option<f64>], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x.unwrap() - y).abs() < 1e-12, "{a:?} vs {b:?}");
        }
    }
    const UP: Direction = Direction::Higher;
    const DOWN: Direction = Direction::Lower;

    #[test]
    fn min_max_with_fixed_goalposts_caps_beyond_them() {
        let n = Normalisation::MinMax {
            min: Some(0.0),
            max: Some(10.0),
        };
        close(
            &normalise(&col(&[5.0, 12.0, -1.0]), &n, UP, true),
            &[0.5, 1.0, 0.0],
        );
        close(&normalise(&col(&[5.0, 12.0]), &n, UP, false), &[0.5, 1.2]);
        close(&normalise(&col(&[2.0, 10.0]), &n, DOWN, true), &[0.8, 0.0]);
    }

    #[test]
    fn min_max_from_the_data_spans_zero_to_one() {
        let n = Normalisation::MinMax {
            min: None,
            max: None,
        };
        let out = normalise(&[Some(2.0), None, Some(4.0), Some(3.0)], &n, UP, true);
        assert_eq!(out, vec![Some(0.0), None, Some(1.0), Some(0.5)]);
        close(&normalise(&col(&[7.0, 7.0]), &n, UP, true), &[1.0, 1.0]);
    }

    #[test]
    fn z_scores_are_negated_when_lower_is_better() {
        let up = normalise(&col(&[1.0, 3.0]), &Normalisation::ZScore, UP, true);
        close(&up, &[-1.0, 1.0]);
        let down = normalise(&col(&[1.0, 3.0]), &Normalisation::ZScore, DOWN, true);
        close(&down, &[1.0, -1.0]);
    }

    #[test]
    fn distance_to_target_reaches_one_at_the_target() {
        let n = Normalisation::Target {
            target: 0.99,
            worst: Some(0.89),
        };
        close(
            &normalise(&col(&[0.99, 0.94, 1.0, 0.5]), &n, UP, true),
            &[1.0, 0.5, 1.0, 0.0],
        );
        // Lower is better, worst from the data: 10 days is the worst, 2 the target.
        let n = Normalisation::Target {
            target: 2.0,
            worst: None,
        };
        close(
            &normalise(&col(&[2.0, 6.0, 10.0, 1.0]), &n, DOWN, true),
            &[1.0, 0.5, 0.0, 1.0],
        );
    }

    #[test]
    fn percentile_ranks_share_ties() {
        let out = normalise(
            &col(&[10.0, 20.0, 20.0, 30.0]),
            &Normalisation::Rank,
            UP,
            true,
        );
        close(&out, &[0.0, 0.5, 0.5, 1.0]);
        let out = normalise(&col(&[10.0, 20.0, 30.0]), &Normalisation::Rank, DOWN, true);
        close(&out, &[1.0, 0.5, 0.0]);
    }
}
