//! Pure SVG helpers for maps: an equirectangular projection scaled by cos(latitude) and
//! polygon outlines as `<path d="…">` strings (even-odd fill draws the holes).

use super::coord::LonLat;
use super::polygon::{BBox, MultiPolygon};
use std::fmt::Write;

/// A projection of `bbox` into a `width` × `height` viewport (y down), keeping the aspect
/// ratio true at the box's middle latitude and centring the map.
pub fn project(bbox: BBox, width: f64, height: f64) -> impl Fn(LonLat) -> (f64, f64) {
    let k = ((bbox.min_lat + bbox.max_lat) / 2.0).to_radians().cos();
    let w = ((bbox.max_lon - bbox.min_lon) * k).max(1e-12);
    let h = (bbox.max_lat - bbox.min_lat).max(1e-12);
    let s = (width / w).min(height / h);
    let (ox, oy) = ((width - w * s) / 2.0, (height - h * s) / 2.0);
    move |p: LonLat| {
        (
            ox + (p.lon - bbox.min_lon) * k * s,
            oy + (bbox.max_lat - p.lat) * s,
        )
    }
}

/// The `d` attribute of a path drawing every ring (use `fill-rule="evenodd"`), with
/// coordinates rounded to 0.1 unit.
pub fn path_d(m: &MultiPolygon, proj: &impl Fn(LonLat) -> (f64, f64)) -> String {
    let mut d = String::new();
    for ring in m.0.iter().flat_map(|p| p.rings()) {
        for (i, &p) in ring.iter().enumerate() {
            let (x, y) = proj(p);
            let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
        }
        if !ring.is_empty() {
            d.push('Z');
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::Polygon;

    #[test]
    fn a_square_is_drawn_as_one_closed_path_inside_the_viewport() {
        let sq = Polygon::new(
            vec![
                LonLat::new(121.0, 37.0),
                LonLat::new(122.0, 37.0),
                LonLat::new(122.0, 38.0),
                LonLat::new(121.0, 38.0),
            ],
            vec![],
        );
        let m = MultiPolygon::from(sq);
        let proj = project(m.bbox(), 200.0, 100.0);
        let d = path_d(&m, &proj);
        assert!(
            d.starts_with('M') && d.ends_with('Z') && d.matches('L').count() == 3,
            "{d}"
        );
        let (x, y) = proj(LonLat::new(121.0, 38.0));
        assert!((0.0..=200.0).contains(&x) && y.abs() < 1e-9, "{x} {y}");
    }
}
