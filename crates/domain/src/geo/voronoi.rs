//! Internal: Voronoi cells of seeds inside a convex boundary, each cell the boundary clipped
//! by the perpendicular bisectors with the other seeds, nearest first, stopping once no
//! farther seed can reach the cell.

use super::clip::clip_halfplane;
use super::coord::LonLat;

fn d2(a: LonLat, b: LonLat) -> f64 {
    (a.lon - b.lon).powi(2) + (a.lat - b.lat).powi(2)
}

/// One convex cell per seed (empty for a seed that repeats an earlier one), together tiling
/// `bounds`, a convex ring. Seeds are plane coordinates; use a local projection first.
pub(crate) fn voronoi_cells(seeds: &[LonLat], bounds: &[LonLat]) -> Vec<Vec<LonLat>> {
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(seeds.len());
    seeds
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            order.clear();
            order.extend(
                seeds
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    .map(|(j, &t)| (d2(s, t), j)),
            );
            order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut cell = bounds.to_vec();
            for &(d, j) in order.iter() {
                if d == 0.0 {
                    if j < i {
                        return Vec::new();
                    }
                    continue;
                }
                let reach = cell.iter().map(|&v| d2(s, v)).fold(0.0, f64::max);
                if d > 4.0 * reach || cell.is_empty() {
                    break;
                }
                let t = seeds[j];
                let mid = LonLat::new((s.lon + t.lon) / 2.0, (s.lat + t.lat) / 2.0);
                cell = clip_halfplane(&cell, mid, LonLat::new(t.lon - s.lon, t.lat - s.lat));
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
        let seeds: Vec<LonLat> = (0..200).map(|_| LonLat::new(r(), r())).collect();
        let cells = voronoi_cells(&seeds, &bounds);
        let total: f64 = cells
            .iter()
            .map(|c| Polygon::new(c.clone(), vec![]).area())
            .sum();
        assert!((total - 100.0).abs() < 1e-9, "{total}");
        for (s, c) in seeds.iter().zip(&cells) {
            assert!(Polygon::new(c.clone(), vec![]).contains(*s));
        }
    }
}
