//! Internal: how many grids each demo community gets.

/// Whether a community code names a residents' committee (居委会, codes …001–199, or the
/// like, …400–599): urban, denser, so more grids than a village.
fn urban(code: &str) -> bool {
    code.get(9..12)
        .and_then(|s| s.parse::<u32>().ok())
        .is_some_and(|v| !(200..400).contains(&v))
}

/// Grids per community: one each, then the rest of `target` by weight (4 for a residents'
/// committee, 1 for a village, times √(area / mean area)) with largest remainders, ties to
/// the earlier community; at most 999 each. The sum is `target` unless that is below the
/// number of communities (then one each) or the cap bites.
pub(crate) fn allocate(codes: &[&str], areas: &[f64], target: usize) -> Vec<usize> {
    let n = codes.len();
    if n == 0 {
        return Vec::new();
    }
    let mean = (areas.iter().sum::<f64>() / n as f64).max(f64::MIN_POSITIVE);
    let weights: Vec<f64> = codes
        .iter()
        .zip(areas)
        .map(|(c, a)| if urban(c) { 4.0 } else { 1.0 } * (a.max(0.0) / mean).sqrt())
        .collect();
    let total: f64 = weights.iter().sum();
    let extra = target.saturating_sub(n) as f64;
    let quotas: Vec<f64> = weights
        .iter()
        .map(|w| {
            if total > 0.0 {
                w / total * extra
            } else {
                extra / n as f64
            }
        })
        .collect();
    let mut counts: Vec<usize> = quotas.iter().map(|q| 1 + q.floor() as usize).collect();
    let left = target.saturating_sub(counts.iter().sum());
    let mut by_fraction: Vec<usize> = (0..n).collect();
    let frac = |i: usize| quotas[i] - quotas[i].floor();
    by_fraction.sort_by(|&a, &b| frac(b).total_cmp(&frac(a)).then(a.cmp(&b)));
    for &i in by_fraction.iter().cycle().take(left) {
        counts[i] += 1;
    }
    counts.iter_mut().for_each(|c| *c = (*c).min(999));
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_shared_out_exactly_with_at_least_one_each_and_more_in_town() {
        let codes = [
            "370602001001",
            "370602001201",
            "370602001202",
            "370602001401",
        ];
        let got = allocate(&codes, &[1.0, 1.0, 1.0, 1.0], 23);
        assert_eq!(got.iter().sum::<usize>(), 23);
        assert!(got.iter().all(|&c| c >= 1));
        assert!(got[0] > got[1] && got[3] > got[2], "{got:?}");
        assert_eq!(allocate(&codes, &[1.0; 4], 2), vec![1, 1, 1, 1]);
        assert_eq!(allocate(&codes, &[0.0; 4], 8).iter().sum::<usize>(), 8);
    }
}
