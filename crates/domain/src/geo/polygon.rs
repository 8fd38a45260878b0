//! Polygons with holes, multipolygons, bounding boxes, areas and point-in-polygon.
//!
//! Coordinates are degrees; areas from [`Polygon::area`] are planar in square degrees (use
//! [`Polygon::area_km2`] for an approximate ground area).

use super::coord::LonLat;
use serde::{Deserialize, Serialize};

/// An axis-aligned box in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// The empty box (extends to whatever is added first).
    pub const EMPTY: BBox = BBox {
        min_lon: f64::INFINITY,
        min_lat: f64::INFINITY,
        max_lon: f64::NEG_INFINITY,
        max_lat: f64::NEG_INFINITY,
    };

    pub fn is_empty(&self) -> bool {
        !(self.min_lon <= self.max_lon && self.min_lat <= self.max_lat)
    }

    pub fn extend(&mut self, p: LonLat) {
        self.min_lon = self.min_lon.min(p.lon);
        self.min_lat = self.min_lat.min(p.lat);
        self.max_lon = self.max_lon.max(p.lon);
        self.max_lat = self.max_lat.max(p.lat);
    }

    pub fn union(&self, o: &BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(o.min_lon),
            min_lat: self.min_lat.min(o.min_lat),
            max_lon: self.max_lon.max(o.max_lon),
            max_lat: self.max_lat.max(o.max_lat),
        }
    }

    /// Closed-box containment.
    pub fn contains(&self, p: LonLat) -> bool {
        p.lon >= self.min_lon
            && p.lon <= self.max_lon
            && p.lat >= self.min_lat
            && p.lat <= self.max_lat
    }

    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_lon <= o.max_lon
            && o.min_lon <= self.max_lon
            && self.min_lat <= o.max_lat
            && o.min_lat <= self.max_lat
    }
}

/// A polygon: one exterior ring and any number of holes. Rings are open (the first vertex is
/// not repeated) and may be in either orientation; containment is even-odd over all rings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Polygon {
    pub exterior: Vec<LonLat>,
    pub holes: Vec<Vec<LonLat>>,
}

/// Several polygons, e.g. a county with its islands. Empty means "no area".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MultiPolygon(pub Vec<Polygon>);

/// Whether the upward-half-open edge `a`–`b` crosses the ray going east from `p`.
///
/// The edge is taken lower end first whatever the ring's direction, so two polygons sharing
/// the edge compute the very same crossing abscissa and agree on which side `p` is.
#[inline(always)]
pub(crate) fn crosses(a: LonLat, b: LonLat, p: LonLat) -> bool {
    let (lo, hi) = if a.lat <= b.lat { (a, b) } else { (b, a) };
    if !(lo.lat <= p.lat && p.lat < hi.lat) {
        return false;
    }
    p.lon < lo.lon + (p.lat - lo.lat) * (hi.lon - lo.lon) / (hi.lat - lo.lat)
}

/// Crossings of the eastward ray from `p` with one ring.
fn ring_crossings(ring: &[LonLat], p: LonLat) -> usize {
    let n = ring.len();
    (0..n)
        .filter(|&i| crosses(ring[i], ring[(i + 1) % n], p))
        .count()
}

/// Twice the signed shoelace area (positive = counter-clockwise).
pub(crate) fn ring_area2(ring: &[LonLat]) -> f64 {
    let n = ring.len();
    let mut s = 0.0;
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + 1) % n]);
        s += (a.lon - ring[0].lon) * (b.lat - ring[0].lat)
            - (b.lon - ring[0].lon) * (a.lat - ring[0].lat);
    }
    s
}

/// Drops a repeated closing vertex and consecutive duplicates.
pub(crate) fn open_ring(mut ring: Vec<LonLat>) -> Vec<LonLat> {
    ring.dedup();
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    ring
}

impl Polygon {
    /// A polygon from rings given open or closed (a repeated closing vertex is dropped).
    pub fn new(exterior: Vec<LonLat>, holes: Vec<Vec<LonLat>>) -> Self {
        Self {
            exterior: open_ring(exterior),
            holes: holes.into_iter().map(open_ring).collect(),
        }
    }

    pub fn rings(&self) -> impl Iterator<Item = &[LonLat]> {
        std::iter::once(self.exterior.as_slice()).chain(self.holes.iter().map(Vec::as_slice))
    }

    pub fn bbox(&self) -> BBox {
        let mut b = BBox::EMPTY;
        self.exterior.iter().for_each(|&p| b.extend(p));
        b
    }

    /// Even-odd containment over the exterior and the holes.
    ///
    /// Boundary rule: a point is treated as if nudged an infinitesimal step east (and an even
    /// smaller step north). So a point on an edge shared by two polygons of a tiling belongs to
    /// exactly one of them — the one east of the edge, or north of a horizontal edge — and
    /// the answer is the same for any ring orientation or starting vertex.
    pub fn contains(&self, p: LonLat) -> bool {
        if !self.bbox().contains(p) {
            return false;
        }
        self.rings().map(|r| ring_crossings(r, p)).sum::<usize>() % 2 == 1
    }

    /// Planar area in square degrees: the exterior less the holes.
    pub fn area(&self) -> f64 {
        let ext = ring_area2(&self.exterior).abs();
        let holes: f64 = self.holes.iter().map(|h| ring_area2(h).abs()).sum();
        ((ext - holes) / 2.0).max(0.0)
    }

    /// Approximate ground area in km² (equirectangular at the polygon's latitude).
    pub fn area_km2(&self) -> f64 {
        let b = self.bbox();
        if b.is_empty() {
            return 0.0;
        }
        let lat = ((b.min_lat + b.max_lat) / 2.0).to_radians();
        self.area() * 111.32 * 111.32 * lat.cos()
    }

    /// The area-weighted centroid (may lie outside a concave polygon).
    pub fn centroid(&self) -> Option<LonLat> {
        let o = *self.exterior.first()?;
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for (k, ring) in self.rings().enumerate() {
            let (mut ra, mut rx, mut ry) = (0.0, 0.0, 0.0);
            let n = ring.len();
            for i in 0..n {
                let (p, q) = (ring[i], ring[(i + 1) % n]);
                let (px, py, qx, qy) = (p.lon - o.lon, p.lat - o.lat, q.lon - o.lon, q.lat - o.lat);
                let cross = px * qy - qx * py;
                ra += cross;
                rx += cross * (px + qx);
                ry += cross * (py + qy);
            }
            // Exterior counts positive and holes negative, whatever the rings' orientation.
            let s = if k == 0 { 1.0 } else { -1.0 } * ra.signum();
            (a, cx, cy) = (a + s * ra, cx + s * rx, cy + s * ry);
        }
        (a > 0.0).then(|| LonLat::new(o.lon + cx / (3.0 * a), o.lat + cy / (3.0 * a)))
    }

    /// A point guaranteed to be inside (by [`Polygon::contains`]), away from the boundary
    /// where possible: the midpoint of the widest inside interval over a few scanlines.
    /// `None` only for a polygon without area.
    pub fn representative_point(&self) -> Option<LonLat> {
        let b = self.bbox();
        if b.is_empty() || self.exterior.len() < 3 {
            return None;
        }
        let mut best: Option<(f64, LonLat)> = None;
        for f in [0.5, 0.3, 0.7, 0.15, 0.85, 0.4, 0.6, 0.05, 0.95] {
            let y = b.min_lat + (b.max_lat - b.min_lat) * f;
            let mut xs: Vec<f64> = Vec::new();
            for ring in self.rings() {
                let n = ring.len();
                for i in 0..n {
                    let (a, c) = (ring[i], ring[(i + 1) % n]);
                    let (lo, hi) = if a.lat <= c.lat { (a, c) } else { (c, a) };
                    if lo.lat <= y && y < hi.lat {
                        xs.push(lo.lon + (y - lo.lat) * (hi.lon - lo.lon) / (hi.lat - lo.lat));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            for w in xs.chunks_exact(2) {
                let p = LonLat::new((w[0] + w[1]) / 2.0, y);
                let width = w[1] - w[0];
                if width > 0.0 && best.is_none_or(|(bw, _)| width > bw) && self.contains(p) {
                    best = Some((width, p));
                }
            }
        }
        best.map(|(_, p)| p)
    }
}

impl MultiPolygon {
    pub fn polygons(&self) -> &[Polygon] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn bbox(&self) -> BBox {
        self.0.iter().fold(BBox::EMPTY, |b, p| b.union(&p.bbox()))
    }

    /// Even-odd over every ring of every polygon (same boundary rule as
    /// [`Polygon::contains`]); polygons of a valid multipolygon do not overlap.
    pub fn contains(&self, p: LonLat) -> bool {
        if !self.bbox().contains(p) {
            return false;
        }
        let n: usize = self
            .0
            .iter()
            .flat_map(|q| q.rings())
            .map(|r| ring_crossings(r, p))
            .sum();
        n % 2 == 1
    }

    pub fn area(&self) -> f64 {
        self.0.iter().map(Polygon::area).sum()
    }

    pub fn area_km2(&self) -> f64 {
        self.0.iter().map(Polygon::area_km2).sum()
    }

    /// The representative point of the largest polygon.
    pub fn representative_point(&self) -> Option<LonLat> {
        self.0
            .iter()
            .max_by(|a, b| a.area().total_cmp(&b.area()))
            .and_then(Polygon::representative_point)
    }

    /// Every vertex mapped by `f` (e.g. [`super::gcj02_to_wgs84`]).
    pub fn map_coords(&self, f: impl Fn(LonLat) -> LonLat) -> MultiPolygon {
        let ring = |r: &Vec<LonLat>| r.iter().map(|&p| f(p)).collect::<Vec<_>>();
        MultiPolygon(
            self.0
                .iter()
                .map(|p| Polygon {
                    exterior: ring(&p.exterior),
                    holes: p.holes.iter().map(ring).collect(),
                })
                .collect(),
        )
    }
}

impl From<Polygon> for MultiPolygon {
    fn from(p: Polygon) -> Self {
        MultiPolygon(vec![p])
    }
}
