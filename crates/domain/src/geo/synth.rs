//! The demo map: plausible communities and grids inside real county outlines.
//!
//! There are no public grid polygons, so `synthesize` makes them, deterministically for a
//! seed. Per county: a centre for each township at a random point of the county; each of
//! the township's communities at a random point near that centre (so a township's
//! communities cluster); community areas are the Voronoi cells of those points clipped to the
//! county outline. Then `target_grids` is shared out — at least one grid per community, the
//! rest by weight (residents' committees, codes …001–199 and …400–599, weigh 4, villages 1,
//! times √(area / mean area)) — and each community is split by a Voronoi of random points
//! inside it (a draw that loses a sliver part is redrawn, so the total is exact). Grids tile
//! their community and communities tile their county, up to floating-point error (the
//! clipping snaps to a lattice of about 1e-9°). Work is done in a local plane (longitude ×
//! cos(mid-latitude)). [`synthesize_with_areas`] adds boxes that keep chosen townships in
//! place (长岛's islands); the draws use no `sin`/`ln`, only IEEE-exact arithmetic.

use super::allocate::allocate;
use super::clip::intersect;
use super::community::{communities_of, ring_bbox, single, Community};
use super::coord::LonLat;
use super::geojson::{Feature, FeatureCollection};
use super::polygon::{BBox, MultiPolygon};
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
        // A draw can lose a part (a seed whose cell meets the community in a sliver the
        // clipping drops): draw again, a few times, before settling for fewer grids.
        let mut parts = split(c, n, &mut rng);
        for _ in 0..8 {
            if parts.len() >= n {
                break;
            }
            let again = split(c, n, &mut rng);
            if again.len() > parts.len() {
                parts = again;
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

/// The community split into `n` grids by the Voronoi cells of `n` random points in it.
fn split(c: &Community, n: usize, rng: &mut Rng) -> Vec<MultiPolygon> {
    let seeds: Vec<LonLat> = (0..n)
        .filter_map(|_| rng.point_in_parts(&c.area, 1000))
        .collect();
    if n <= 1 || seeds.len() <= 1 {
        return vec![c.area.clone()];
    }
    let mut parts = Vec::with_capacity(n);
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
    parts
}
