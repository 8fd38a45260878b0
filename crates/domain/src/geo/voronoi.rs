//! Internal: Voronoi cells of seeds inside a convex boundary. Each cell is the boundary
//! clipped by the perpendicular bisectors with the other seeds, taken ring by ring of a
//! bucket grid around its seed, stopping once no farther seed can reach the cell.

use super::clip::clip_halfplane;
use super::coord::LonLat;

fn d2(a: LonLat, b: LonLat) -> f64 {
    (a.lon - b.lon).powi(2) + (a.lat - b.lat).powi(2)
}

/// One convex cell per seed (empty for a seed that repeats an earlier one), together tiling
/// `bounds`, a convex ring. Seeds are plane coordinates; use a local projection first.
pub(crate) fn voronoi_cells(seeds: &[LonLat], bounds: &[LonLat]) -> Vec<Vec<LonLat>> {
    let n = seeds.len();
    if n == 0 {
        return Vec::new();
    }
    // Buckets of about two seeds each over the seeds' box.
    let (mut x0, mut y0, mut x1, mut y1) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for s in seeds {
        (x0, y0, x1, y1) = (x0.min(s.lon), y0.min(s.lat), x1.max(s.lon), y1.max(s.lat));
    }
    let side = (((x1 - x0) * (y1 - y0)).max(0.0) / n as f64 * 2.0)
        .sqrt()
        .max(1e-12);
    let (nx, ny) = (
        ((x1 - x0) / side) as usize + 1,
        ((y1 - y0) / side) as usize + 1,
    );
    let at = |s: LonLat| {
        (((s.lon - x0) / side) as usize).min(nx - 1)
            + (((s.lat - y0) / side) as usize).min(ny - 1) * nx
    };
    let mut start = vec![0usize; nx * ny + 1];
    seeds.iter().for_each(|&s| start[at(s) + 1] += 1);
    (0..nx * ny).for_each(|i| start[i + 1] += start[i]);
    let mut fill = start.clone();
    let mut members = vec![0usize; n];
    for (i, &s) in seeds.iter().enumerate() {
        members[fill[at(s)]] = i;
        fill[at(s)] += 1;
    }

    let mut ring_seeds: Vec<(f64, usize)> = Vec::new();
    (0..n)
        .map(|i| {
            let s = seeds[i];
            let (bx, by) = (at(s) % nx, at(s) / nx);
            let mut cell = bounds.to_vec();
            for r in 0..nx.max(ny) {
                // Seeds outside rings 0..=r are farther than r·side: stop if they cannot cut.
                let reach = cell.iter().map(|&v| d2(s, v)).fold(0.0, f64::max);
                if r > 0 && ((r - 1) as f64 * side).powi(2) > 4.0 * reach || cell.is_empty() {
                    break;
                }
                ring_seeds.clear();
                let (lx, hx, ly, hy) = (
                    bx.saturating_sub(r),
                    (bx + r).min(nx - 1),
                    by.saturating_sub(r),
                    (by + r).min(ny - 1),
                );
                for y in ly..=hy {
                    for x in lx..=hx {
                        if x.abs_diff(bx).max(y.abs_diff(by)) != r {
                            continue;
                        }
                        let b = y * nx + x;
                        ring_seeds.extend(
                            members[start[b]..start[b + 1]]
                                .iter()
                                .filter(|&&j| j != i)
                                .map(|&j| (d2(s, seeds[j]), j)),
                        );
                    }
                }
                ring_seeds.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for &(d, j) in &ring_seeds {
                    if d == 0.0 {
                        if j < i {
                            return Vec::new();
                        }
                        continue;
                    }
                    let t = seeds[j];
                    let mid = LonLat::new((s.lon + t.lon) / 2.0, (s.lat + t.lat) / 2.0);
                    cell = clip_halfplane(&cell, mid, LonLat::new(t.lon - s.lon, t.lat - s.lat));
                }
            }
            cell
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::polygon::Polygon;

    #[test]
    fn voronoi_cells_tile_their_bounds_and_hold_their_seeds() {
        let bounds: Vec<LonLat> = [(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
            .iter()
            .map(|&(x, y)| LonLat::new(x, y))
            .collect();
        let mut x = 12345u64;
        let mut r = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 11) as f64 / (1u64 << 53) as f64 * 10.0
        };
        // Uniform seeds, a tight cluster, and a repeated seed.
        let mut seeds: Vec<LonLat> = (0..200).map(|_| LonLat::new(r(), r())).collect();
        seeds.extend((0..50).map(|_| LonLat::new(5.0 + r() / 100.0, 5.0 + r() / 100.0)));
        seeds.push(seeds[3]);
        let cells = voronoi_cells(&seeds, &bounds);
        let total: f64 = cells
            .iter()
            .map(|c| Polygon::new(c.clone(), vec![]).area())
            .sum();
        assert!((total - 100.0).abs() < 1e-9, "{total}");
        for (k, (s, c)) in seeds.iter().zip(&cells).enumerate() {
            if k == seeds.len() - 1 {
                assert!(c.is_empty());
                continue;
            }
            let cell = Polygon::new(c.clone(), vec![]);
            assert!(cell.contains(*s));
            // No other seed is nearer to any vertex of the cell than its own seed.
            for v in c {
                let own = d2(*s, *v);
                assert!(seeds.iter().all(|t| d2(*t, *v) >= own - 1e-9), "cell {k}");
            }
        }
    }
}
