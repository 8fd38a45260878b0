//! Internal: a county's communities for the demo map — seeds clustered by township, their
//! Voronoi cells clipped to the county outline.

use super::clip::{intersect, to_geo};
use super::coord::LonLat;
use super::index::GridIndex;
use super::polygon::{BBox, MultiPolygon, Polygon};
use super::rng::Rng;
use super::synth::County;
use super::voronoi::voronoi_cells;
use std::collections::BTreeMap;

fn rect(b: &BBox) -> Vec<LonLat> {
    let (dx, dy) = (
        (b.max_lon - b.min_lon) * 0.01,
        (b.max_lat - b.min_lat) * 0.01,
    );
    let (x0, y0, x1, y1) = (
        b.min_lon - dx,
        b.min_lat - dy,
        b.max_lon + dx,
        b.max_lat + dy,
    );
    vec![
        LonLat::new(x0, y0),
        LonLat::new(x1, y0),
        LonLat::new(x1, y1),
        LonLat::new(x0, y1),
    ]
}

pub(crate) fn ring_bbox(r: &[LonLat]) -> BBox {
    r.iter().fold(BBox::EMPTY, |mut b, &p| {
        b.extend(p);
        b
    })
}

pub(crate) fn single(ring: Vec<LonLat>) -> MultiPolygon {
    MultiPolygon(vec![Polygon {
        exterior: ring,
        holes: Vec::new(),
    }])
}

/// A community in the plane: its convex Voronoi cell, its area (cell ∩ county), and the
/// county edges near it (empty when the cell lies wholly inside the county).
pub(crate) struct Community {
    pub(crate) code: String,
    pub(crate) cell: Vec<LonLat>,
    pub(crate) area: MultiPolygon,
    pub(crate) near: Vec<BBox>,
    pub(crate) region: Option<::geo::MultiPolygon<f64>>,
}

/// Seeds clustered by township, their Voronoi cells, clipped to the county.
pub(crate) fn communities_of(
    county: &County,
    list: &[String],
    seed: u64,
    fwd: &impl Fn(LonLat) -> LonLat,
    township_areas: &BTreeMap<String, BBox>,
) -> Vec<Community> {
    let outline = county.outline.map_coords(fwd);
    // Thousands of coastline edges: test "inside the county" through an index, not edge by edge.
    let index = GridIndex::new(vec![(String::new(), outline.clone())]);
    let inside = |p: LonLat| index.locate_index(p).is_some();
    let bb = outline.bbox();
    let mut rng = Rng::new(seed, &county.code);
    let mut codes: Vec<&String> = list.iter().collect();
    codes.sort();
    codes.dedup();
    let mut towns: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for c in &codes {
        towns.entry(c.get(..9).unwrap_or(c)).or_default().push(c);
    }
    let sigma = 0.5 * (outline.area() / towns.len() as f64).sqrt();
    let mut seeds = Vec::with_capacity(codes.len());
    let mut order = Vec::with_capacity(codes.len());
    let project = |h: &BBox| {
        let (lo, hi) = (
            fwd(LonLat::new(h.min_lon, h.min_lat)),
            fwd(LonLat::new(h.max_lon, h.max_lat)),
        );
        BBox {
            min_lon: lo.lon,
            min_lat: lo.lat,
            max_lon: hi.lon,
            max_lat: hi.lat,
        }
    };
    // Hinted townships first: a centre in their box (if it meets the county); those boxes
    // are then kept for them, so no other township lands on, say, 长岛's islands.
    let mut hinted: BTreeMap<&str, (BBox, LonLat)> = BTreeMap::new();
    for town in towns.keys() {
        if let Some(h) = township_areas.get(*town).map(project) {
            if let Some(c) = rng.point_where(inside, &h, 10_000) {
                hinted.insert(*town, (h, c));
            }
        }
    }
    let reserved: Vec<BBox> = hinted.values().map(|(h, _)| *h).collect();
    let free = |p: LonLat| inside(p) && !reserved.iter().any(|b| b.contains(p));
    for (town, members) in &towns {
        let (hint, centre) = match hinted.get(town) {
            Some(&(h, c)) => (Some(h), c),
            None => match rng.point_where(free, &bb, 100_000) {
                Some(c) => (None, c),
                None => continue,
            },
        };
        let allowed = |p: LonLat| match hint {
            Some(h) => h.contains(p) && inside(p),
            None => free(p),
        };
        let within = hint.unwrap_or(bb);
        let s =
            sigma.min(0.3 * (within.max_lon - within.min_lon).min(within.max_lat - within.min_lat));
        for &code in members {
            let near = (0..30).find_map(|_| {
                let p = LonLat::new(centre.lon + s * rng.gauss(), centre.lat + s * rng.gauss());
                allowed(p).then_some(p)
            });
            if let Some(p) = near.or_else(|| rng.point_where(allowed, &within, 100_000)) {
                seeds.push(p);
                order.push(code.clone());
            }
        }
    }
    let edges: Vec<BBox> = outline
        .0
        .iter()
        .flat_map(|p| p.rings())
        .flat_map(|r| (0..r.len()).map(move |i| ring_bbox(&[r[i], r[(i + 1) % r.len()]])))
        .collect();
    let region = to_geo(&outline);
    voronoi_cells(&seeds, &rect(&bb))
        .into_iter()
        .zip(order)
        .map(|(cell, code)| {
            let cb = ring_bbox(&cell);
            let near: Vec<BBox> = edges
                .iter()
                .filter(|e| e.intersects(&cb))
                .copied()
                .collect();
            if near.is_empty() {
                Community {
                    code,
                    area: single(cell.clone()),
                    cell,
                    near,
                    region: None,
                }
            } else {
                let area = intersect(&cell, &region, 0.0);
                let region = Some(to_geo(&area));
                Community {
                    code,
                    cell,
                    area,
                    near,
                    region,
                }
            }
        })
        .collect()
}
