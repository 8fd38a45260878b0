//! The demo map: plausible communities and grids inside real county outlines.
//!
//! There are no public grid polygons, so `synthesize` makes them, deterministically for a
//! seed. Per county: a centre for each township at a random point of the county; each of
//! the township's communities at a random point near that centre (so a township's
//! communities cluster); community areas are the Voronoi cells of those points clipped to the
//! county outline. Then `target_grids` is shared out — at least one grid per community, the
//! rest by weight (residents' committees, codes …001–199 and …400–599, weigh 4, villages 1,
//! times √(area / mean area)) — and each community is split by a Voronoi of random points
//! inside it. Grids tile their community and communities tile their county, up to
//! floating-point error. Work is done in a local plane (longitude × cos(mid-latitude)).

use super::allocate::allocate;
use super::clip::{intersect, to_geo};
use super::coord::LonLat;
use super::geojson::{Feature, FeatureCollection};
use super::polygon::{BBox, MultiPolygon, Polygon};
use super::rng::Rng;
use super::voronoi::voronoi_cells;
use super::GeoError;
use std::collections::BTreeMap;

/// A county-level unit with its outline (WGS-84).
#[derive(Debug, Clone, PartialEq)]
pub struct County {
    /// 12-digit NBS code, e.g. `370602000000`.
    pub code: String,
    pub name: String,
    pub outline: MultiPolygon,
}

/// One synthetic grid: `code` is its community's code followed by `001`, `002`, …
#[derive(Debug, Clone, PartialEq)]
pub struct SynthGrid {
    pub code: String,
    pub community_code: String,
    pub polygon: MultiPolygon,
}

/// The synthetic map, in WGS-84. `communities` in the order of the input lists (county by
/// county in code order); `grids` community by community, numbered from 001.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SynthMap {
    pub communities: Vec<(String, MultiPolygon)>,
    pub grids: Vec<SynthGrid>,
}

impl SynthMap {
    /// The grids as GeoJSON features with properties `code` and `community_code`.
    pub fn grids_geojson(&self) -> FeatureCollection {
        let features = self.grids.iter().map(|g| {
            feature(
                &[("code", &g.code), ("community_code", &g.community_code)],
                &g.polygon,
            )
        });
        FeatureCollection {
            features: features.collect(),
        }
    }

    /// The communities as GeoJSON features with the property `code`.
    pub fn communities_geojson(&self) -> FeatureCollection {
        let features = self
            .communities
            .iter()
            .map(|(code, m)| feature(&[("code", code)], m));
        FeatureCollection {
            features: features.collect(),
        }
    }
}

fn feature(props: &[(&str, &String)], m: &MultiPolygon) -> Feature {
    let properties = props
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).clone())))
        .collect();
    Feature {
        properties,
        geometry: m.clone(),
    }
}

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

fn ring_bbox(r: &[LonLat]) -> BBox {
    r.iter().fold(BBox::EMPTY, |mut b, &p| {
        b.extend(p);
        b
    })
}

fn single(ring: Vec<LonLat>) -> MultiPolygon {
    MultiPolygon(vec![Polygon {
        exterior: ring,
        holes: Vec::new(),
    }])
}

/// A community in the plane: its convex Voronoi cell, its area (cell ∩ county), and the
/// county edges near it (empty when the cell lies wholly inside the county).
struct Community {
    code: String,
    cell: Vec<LonLat>,
    area: MultiPolygon,
    near: Vec<BBox>,
    region: Option<::geo::MultiPolygon<f64>>,
}

/// Makes the demo map; see the module documentation. `communities_per_county` maps a county
/// code to its communities' 12-digit codes; every county named there must be in `counties`
/// (fold outline-less zones into a host first, see [`super::fold_zones_into_hosts`]).
/// A community gets at most 999 grids; if `target_grids` is below the number of communities,
/// each still gets one.
pub fn synthesize(
    counties: &[County],
    communities_per_county: &BTreeMap<String, Vec<String>>,
    target_grids: usize,
    seed: u64,
) -> Result<SynthMap, GeoError> {
    synthesize_with_areas(
        counties,
        communities_per_county,
        target_grids,
        seed,
        &BTreeMap::new(),
    )
}

/// [`synthesize`] with placement hints: `township_areas` maps a township's 9-digit code to
/// a box (WGS-84) where its centre and its communities are drawn, within the county (e.g.
/// the islands of 长岛). A box that misses the county is ignored.
pub fn synthesize_with_areas(
    counties: &[County],
    communities_per_county: &BTreeMap<String, Vec<String>>,
    target_grids: usize,
    seed: u64,
    township_areas: &BTreeMap<String, BBox>,
) -> Result<SynthMap, GeoError> {
    let used: Vec<(&County, &Vec<String>)> = communities_per_county
        .iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(code, list)| {
            let c = counties
                .iter()
                .find(|c| &c.code == code)
                .ok_or_else(|| GeoError::NoOutline(code.clone()))?;
            if c.outline.area() <= 0.0 {
                return Err(GeoError::EmptyOutline(code.clone()));
            }
            Ok((c, list))
        })
        .collect::<Result<_, _>>()?;
    let all = used
        .iter()
        .fold(BBox::EMPTY, |b, (c, _)| b.union(&c.outline.bbox()));
    if all.is_empty() {
        return Ok(SynthMap::default());
    }
    let k = ((all.min_lat + all.max_lat) / 2.0).to_radians().cos();
    let (fwd, back) = (
        |p: LonLat| LonLat::new(p.lon * k, p.lat),
        |p: LonLat| LonLat::new(p.lon / k, p.lat),
    );

    let mut comms: Vec<Community> = Vec::new();
    for (county, list) in used {
        comms.extend(communities_of(county, list, seed, &fwd, township_areas));
    }
    let codes: Vec<&str> = comms.iter().map(|c| c.code.as_str()).collect();
    let areas: Vec<f64> = comms.iter().map(|c| c.area.area()).collect();
    let counts = allocate(&codes, &areas, target_grids);

    let mut map = SynthMap::default();
    for (c, &n) in comms.iter().zip(&counts) {
        let mut rng = Rng::new(seed, &c.code);
        let mut parts = Vec::new();
        let bb = c.area.bbox();
        let seeds: Vec<LonLat> = (0..n)
            .filter_map(|_| rng.point_in(&c.area, &bb, 1000))
            .collect();
        if seeds.len() <= 1 {
            parts.push(c.area.clone());
        } else {
            for cell in voronoi_cells(&seeds, &c.cell) {
                let cb = ring_bbox(&cell);
                let part = match &c.region {
                    Some(region) if c.near.iter().any(|e| e.intersects(&cb)) => {
                        intersect(&cell, region, 0.0)
                    }
                    _ if cell.len() >= 3 => single(cell),
                    _ => continue,
                };
                if !part.is_empty() {
                    parts.push(part);
                }
            }
        }
        for (i, part) in parts.into_iter().enumerate() {
            map.grids.push(SynthGrid {
                code: format!("{}{:03}", c.code, i + 1),
                community_code: c.code.clone(),
                polygon: part.map_coords(back),
            });
        }
    }
    map.communities = comms
        .into_iter()
        .map(|c| (c.code, c.area.map_coords(back)))
        .collect();
    Ok(map)
}

/// Seeds clustered by township, their Voronoi cells, clipped to the county.
fn communities_of(
    county: &County,
    list: &[String],
    seed: u64,
    fwd: &impl Fn(LonLat) -> LonLat,
    township_areas: &BTreeMap<String, BBox>,
) -> Vec<Community> {
    let outline = county.outline.map_coords(fwd);
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
    for (town, members) in &towns {
        // Where this township's points are drawn: its hinted box (if it meets the county).
        let hint = township_areas.get(*town).map(|h| {
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
        });
        let area = hint.and_then(|h| rng.point_in(&outline, &h, 10_000).map(|c| (h, c)));
        let (within, centre) = match area {
            Some((h, c)) => (h, Some(c)),
            None => (bb, rng.point_in(&outline, &bb, 100_000)),
        };
        let Some(centre) = centre else { continue };
        let s =
            sigma.min(0.3 * (within.max_lon - within.min_lon).min(within.max_lat - within.min_lat));
        for &code in members {
            let near = (0..30).find_map(|_| {
                let p = LonLat::new(centre.lon + s * rng.gauss(), centre.lat + s * rng.gauss());
                (within.contains(p) && outline.contains(p)).then_some(p)
            });
            let anywhere = || rng.point_in(&outline, &within, 100_000);
            if let Some(p) = near.or_else(anywhere) {
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
