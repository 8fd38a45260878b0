//! Geography: coordinates, polygons, GeoJSON, the point → grid index and the demo map.
//!
//! Everything here is pure: coordinates in, coordinates out; the only data read is the
//! embedded Yantai county outlines (`yantai.rs`, `include_str!`).
//!
//! - Coordinates are stored as WGS-84 ([`LonLat`]). Chinese map data (高德, WeChat, DataV) is
//!   GCJ-02: convert it at the edge with [`gcj02_to_wgs84`] or
//!   [`FeatureCollection::to_wgs84_from_gcj02`].
//! - Rings are stored open (the first vertex is not repeated at the end); GeoJSON output
//!   closes them and orients exteriors counter-clockwise, holes clockwise (RFC 7946).
//! - Point-in-polygon is even-odd over all rings with one boundary rule (see
//!   [`Polygon::contains`]): a point exactly on an edge shared by two polygons belongs to
//!   exactly one of them, the one to its east (on a horizontal edge, the one to its north).
//! - [`GridIndex`] answers point → grid code; [`synthesize`] makes the demo's communities and
//!   grids from real county outlines, deterministically for a seed.
//!
//! At a glance, for the storage and web layers:
//!
//! ```
//! use zhili_domain::geo::{yantai_demo_map, FeatureCollection, Datum, GridIndex, LonLat};
//!
//! // The demo: community codes in (from the divisions), communities and grids out.
//! let codes = vec!["370602001001".to_owned(), "370602001002".to_owned()];
//! let map = yantai_demo_map(&codes, 5, 2024).unwrap();
//! assert_eq!(map.grids.len(), 5);
//! let geojson: String = map.grids_geojson().to_json_string(); // properties: code, community_code
//!
//! // Import: GeoJSON (WGS-84 or GCJ-02) → features with a `code` property each.
//! let fc = FeatureCollection::parse_in(&geojson, Datum::Wgs84).unwrap();
//! let grids = fc.features.iter().map(|f| (f.property_str("code").unwrap(), f.geometry.clone()));
//!
//! // Point → grid; the community is the grid code's first 12 digits.
//! let index = GridIndex::new(grids.collect());
//! let inside = map.grids[0].polygon.representative_point().unwrap();
//! assert_eq!(index.locate(inside), Some(map.grids[0].code.as_str()));
//! assert_eq!(index.locate(LonLat::new(0.0, 0.0)), None);
//! ```

mod allocate;
mod clip;
mod community;
pub mod coord;
pub mod geojson;
pub mod index;
pub mod polygon;
mod rng;
pub mod svg;
pub mod synth;
mod voronoi;
pub mod yantai;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_map;

pub use coord::{gcj02_to_wgs84, in_china, wgs84_to_gcj02, LonLat};
pub use geojson::{Datum, Feature, FeatureCollection};
pub use index::GridIndex;
pub use polygon::{BBox, MultiPolygon, Polygon};
pub use synth::{synthesize, synthesize_with_areas, County, SynthGrid, SynthMap};
pub use yantai::{
    fold_zones_into_hosts, township_areas, yantai_county_outlines, yantai_demo_map, TOWNSHIP_AREAS,
    ZONE_HOSTS,
};

use thiserror::Error;

/// Why geographic input could not be used. Bad input is an error, never a panic.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GeoError {
    /// The text is not JSON, or not a GeoJSON FeatureCollection.
    #[error("GeoJSON: {0}")]
    Json(String),
    /// One feature is malformed; `index` counts from 0 in the `features` array.
    #[error("GeoJSON feature {index}: {reason}")]
    Feature { index: usize, reason: String },
    /// A geometry outside a feature (e.g. a bare geometry object) is malformed.
    #[error("geometry: {0}")]
    Geometry(String),
    /// `synthesize` was given communities for a county with no outline.
    #[error("county {0} has communities but no outline (fold it into a host county first)")]
    NoOutline(String),
    /// A county outline is empty or has no area.
    #[error("county {0}: outline has no area")]
    EmptyOutline(String),
}
