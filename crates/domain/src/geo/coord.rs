//! WGS-84 coordinates and the GCJ-02 (火星坐标) offset used by Chinese map providers.
//!
//! `wgs84_to_gcj02` is the widely published forward transform (Krasovsky ellipsoid
//! constants); `gcj02_to_wgs84` inverts it by fixed-point iteration to better than 1e-9°.
//! Outside China's rough bounding box there is no offset (both functions are identity).

use serde::{Deserialize, Serialize};

/// A WGS-84 position in degrees: `lon` east, `lat` north.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}

impl LonLat {
    pub const fn new(lon: f64, lat: f64) -> Self {
        Self { lon, lat }
    }

    /// Finite and within ±180° / ±90°.
    pub fn is_valid(&self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }
}

const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether GCJ-02 applies here (the customary rough box around mainland China).
pub fn in_china(p: LonLat) -> bool {
    (72.004..=137.8347).contains(&p.lon) && (0.8293..=55.8271).contains(&p.lat)
}

fn transform_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn transform_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset (Δlon, Δlat) at a WGS-84 point.
fn offset(p: LonLat) -> (f64, f64) {
    use std::f64::consts::PI;
    let (x, y) = (p.lon - 105.0, p.lat - 35.0);
    let rad = p.lat / 180.0 * PI;
    let magic = 1.0 - EE * rad.sin() * rad.sin();
    let sq = magic.sqrt();
    let dlat = transform_lat(x, y) * 180.0 / ((A * (1.0 - EE)) / (magic * sq) * PI);
    let dlon = transform_lon(x, y) * 180.0 / (A / sq * rad.cos() * PI);
    (dlon, dlat)
}

/// WGS-84 → GCJ-02 (what 高德 / WeChat / DataV show for a GPS position).
pub fn wgs84_to_gcj02(p: LonLat) -> LonLat {
    if !in_china(p) {
        return p;
    }
    let (dlon, dlat) = offset(p);
    LonLat::new(p.lon + dlon, p.lat + dlat)
}

/// GCJ-02 → WGS-84: the inverse of [`wgs84_to_gcj02`], by iteration (error < 1e-9°).
///
/// The offset varies slowly (≈ 1e-4 of a degree per degree), so each step gains about four
/// decimal digits; a handful of steps suffice.
pub fn gcj02_to_wgs84(g: LonLat) -> LonLat {
    if !in_china(g) || !g.lon.is_finite() || !g.lat.is_finite() {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (dx, dy) = (f.lon - g.lon, f.lat - g.lat);
        w = LonLat::new(w.lon - dx, w.lat - dy);
        if dx.abs() < 1e-12 && dy.abs() < 1e-12 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_offset_in_yantai_is_about_half_a_kilometre_east() {
        // README of the county outlines: about +0.0053° lon and +0.0010° lat in Yantai.
        let w = LonLat::new(121.447, 37.464);
        let g = wgs84_to_gcj02(w);
        assert!((g.lon - w.lon - 0.0053).abs() < 0.0015, "{g:?}");
        assert!((g.lat - w.lat - 0.0010).abs() < 0.0015, "{g:?}");
    }

    #[test]
    fn outside_china_there_is_no_offset() {
        let p = LonLat::new(2.35, 48.85);
        assert_eq!(wgs84_to_gcj02(p), p);
        assert_eq!(gcj02_to_wgs84(p), p);
    }

    proptest! {
        #[test]
        fn gcj02_round_trips_to_better_than_a_millionth_of_a_degree(
            lon in 73.0f64..135.0, lat in 18.0f64..53.0
        ) {
            let w = LonLat::new(lon, lat);
            let back = gcj02_to_wgs84(wgs84_to_gcj02(w));
            prop_assert!((back.lon - lon).abs() < 1e-6 && (back.lat - lat).abs() < 1e-6);
            let g = LonLat::new(lon, lat);
            let again = wgs84_to_gcj02(gcj02_to_wgs84(g));
            prop_assert!((again.lon - lon).abs() < 1e-6 && (again.lat - lat).abs() < 1e-6);
        }
    }
}
