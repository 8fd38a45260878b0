//! Internal clipping helpers for the demo map: a convex polygon by a half-plane, and a
//! general intersection (a convex cell with a possibly concave multipolygon) through the
//! `geo` crate's boolean operations.

use super::coord::LonLat;
use super::polygon::{open_ring, ring_area2, MultiPolygon, Polygon};
use ::geo::BooleanOps;

/// Clips a convex polygon to the half-plane `{p : (p − m) · n ≤ 0}` (Sutherland–Hodgman
/// against one line, which is exact for a convex subject).
pub(crate) fn clip_halfplane(poly: &[LonLat], m: LonLat, n: LonLat) -> Vec<LonLat> {
    let side = |p: LonLat| (p.lon - m.lon) * n.lon + (p.lat - m.lat) * n.lat;
    let len = poly.len();
    let mut out = Vec::with_capacity(len + 1);
    for i in 0..len {
        let (a, b) = (poly[i], poly[(i + 1) % len]);
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa <= 0.0) != (sb <= 0.0) {
            let t = sa / (sa - sb);
            out.push(LonLat::new(
                a.lon + t * (b.lon - a.lon),
                a.lat + t * (b.lat - a.lat),
            ));
        }
    }
    let out = open_ring(out);
    if out.len() < 3 {
        Vec::new()
    } else {
        out
    }
}

fn ring_to_geo(ring: &[LonLat]) -> ::geo::LineString<f64> {
    ::geo::LineString::from(ring.iter().map(|p| (p.lon, p.lat)).collect::<Vec<_>>())
}

fn polygon_to_geo(p: &Polygon) -> ::geo::Polygon<f64> {
    ::geo::Polygon::new(
        ring_to_geo(&p.exterior),
        p.holes.iter().map(|h| ring_to_geo(h)).collect(),
    )
}

pub(crate) fn to_geo(m: &MultiPolygon) -> ::geo::MultiPolygon<f64> {
    ::geo::MultiPolygon(m.0.iter().map(polygon_to_geo).collect())
}

/// Back from `geo`, dropping rings that have collapsed to (almost) nothing.
pub(crate) fn from_geo(m: &::geo::MultiPolygon<f64>, min_area2: f64) -> MultiPolygon {
    let ring = |l: &::geo::LineString<f64>| {
        let r = open_ring(l.0.iter().map(|c| LonLat::new(c.x, c.y)).collect());
        (r.len() >= 3 && ring_area2(&r).abs() > min_area2).then_some(r)
    };
    MultiPolygon(
        m.0.iter()
            .filter_map(|p| {
                let exterior = ring(p.exterior())?;
                Some(Polygon {
                    exterior,
                    holes: p.interiors().iter().filter_map(ring).collect(),
                })
            })
            .collect(),
    )
}

/// `cell ∩ region`, where `cell` is one convex ring.
pub(crate) fn intersect(
    cell: &[LonLat],
    region: &::geo::MultiPolygon<f64>,
    min_area2: f64,
) -> MultiPolygon {
    let c = ::geo::Polygon::new(ring_to_geo(cell), Vec::new());
    from_geo(&c.intersection(region), min_area2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sq(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<LonLat> {
        [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            .iter()
            .map(|&(x, y)| LonLat::new(x, y))
            .collect()
    }

    #[test]
    fn a_half_plane_cuts_a_square_in_two() {
        let s = sq(0.0, 0.0, 2.0, 2.0);
        let left = clip_halfplane(&s, LonLat::new(1.0, 0.0), LonLat::new(1.0, 0.0));
        let p = Polygon::new(left, vec![]);
        assert!((p.area() - 2.0).abs() < 1e-12);
        assert!(clip_halfplane(&s, LonLat::new(-1.0, 0.0), LonLat::new(1.0, 0.0)).is_empty());
    }

    #[test]
    fn a_convex_cell_clipped_by_a_concave_region_keeps_both_pieces() {
        // A "U": the square 0..3 without the slot 1..2 × 1..3; a cell across the top.
        let u = Polygon::new(
            [
                (0.0, 0.0),
                (3.0, 0.0),
                (3.0, 3.0),
                (2.0, 3.0),
                (2.0, 1.0),
                (1.0, 1.0),
                (1.0, 3.0),
                (0.0, 3.0),
            ]
            .iter()
            .map(|&(x, y)| LonLat::new(x, y))
            .collect(),
            vec![],
        );
        let got = intersect(&sq(-1.0, 2.0, 4.0, 4.0), &to_geo(&u.into()), 0.0);
        assert_eq!(got.0.len(), 2);
        assert!((got.area() - 2.0).abs() < 1e-9);
    }
}
