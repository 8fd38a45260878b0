//! GeoJSON FeatureCollections of Polygon / MultiPolygon features, in and out (RFC 7946).
//!
//! Parsing checks every position (two finite numbers within ±180 / ±90; a third, the
//! altitude, is ignored) and every ring (at least three distinct positions) and names the
//! feature and the reason when one is wrong. Output closes rings and orients them the RFC
//! way (exteriors counter-clockwise, holes clockwise).

use super::coord::{gcj02_to_wgs84, LonLat};
use super::polygon::{open_ring, ring_area2, MultiPolygon, Polygon};
use super::GeoError;
use serde_json::{json, Map, Value};

/// One feature: its properties as given, and its geometry as a multipolygon.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feature {
    pub properties: Map<String, Value>,
    pub geometry: MultiPolygon,
}

impl Feature {
    /// A string property (numbers are given as their decimal text), e.g. `code`.
    pub fn property_str(&self, key: &str) -> Option<String> {
        match self.properties.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// The datum of incoming coordinates. Zhili stores WGS-84; Chinese web maps (高德, WeChat,
/// DataV) give GCJ-02. GeoJSON cannot say which, so the caller does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Datum {
    #[default]
    Wgs84,
    Gcj02,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FeatureCollection {
    pub features: Vec<Feature>,
}

impl FeatureCollection {
    /// Parses GeoJSON text: a `FeatureCollection` (or a single `Feature`).
    pub fn parse(text: &str) -> Result<Self, GeoError> {
        let v: Value = serde_json::from_str(text).map_err(|e| GeoError::Json(e.to_string()))?;
        Self::from_value(&v)
    }

    /// Parses GeoJSON text given in `datum` and returns it in WGS-84.
    pub fn parse_in(text: &str, datum: Datum) -> Result<Self, GeoError> {
        let fc = Self::parse(text)?;
        Ok(match datum {
            Datum::Wgs84 => fc,
            Datum::Gcj02 => fc.to_wgs84_from_gcj02(),
        })
    }

    pub fn from_value(v: &Value) -> Result<Self, GeoError> {
        match v.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => {
                let feats = v.get("features").and_then(Value::as_array).ok_or_else(|| {
                    GeoError::Json("FeatureCollection without a features array".into())
                })?;
                let features = feats
                    .iter()
                    .enumerate()
                    .map(|(index, f)| {
                        parse_feature(f).map_err(|reason| GeoError::Feature { index, reason })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Self { features })
            }
            Some("Feature") => {
                let f =
                    parse_feature(v).map_err(|reason| GeoError::Feature { index: 0, reason })?;
                Ok(Self { features: vec![f] })
            }
            Some(other) => Err(GeoError::Json(format!(
                "expected a FeatureCollection, found type \"{other}\""
            ))),
            None => Err(GeoError::Json(
                "expected a FeatureCollection: no \"type\"".into(),
            )),
        }
    }

    /// Every coordinate converted from GCJ-02 (高德 / WeChat / DataV) to WGS-84.
    pub fn to_wgs84_from_gcj02(&self) -> Self {
        Self {
            features: self
                .features
                .iter()
                .map(|f| Feature {
                    properties: f.properties.clone(),
                    geometry: f.geometry.map_coords(gcj02_to_wgs84),
                })
                .collect(),
        }
    }

    pub fn to_value(&self) -> Value {
        let features: Vec<Value> = self
            .features
            .iter()
            .map(|f| json!({"type": "Feature", "properties": f.properties, "geometry": geometry_value(&f.geometry)}))
            .collect();
        json!({"type": "FeatureCollection", "features": features})
    }

    pub fn to_json_string(&self) -> String {
        self.to_value().to_string()
    }
}

fn parse_feature(f: &Value) -> Result<Feature, String> {
    if f.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err("not a Feature (\"type\" must be \"Feature\")".into());
    }
    let properties = match f.get("properties") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err("\"properties\" must be an object or null".into()),
    };
    let g = f
        .get("geometry")
        .filter(|g| !g.is_null())
        .ok_or("no geometry")?;
    Ok(Feature {
        properties,
        geometry: parse_geometry(g)?,
    })
}

/// A GeoJSON `Polygon` or `MultiPolygon` geometry object.
pub fn parse_geometry(g: &Value) -> Result<MultiPolygon, String> {
    let coords = g
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or("geometry without coordinates")?;
    match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => Ok(MultiPolygon(vec![
            polygon(coords).map_err(|e| format!("polygon: {e}"))?
        ])),
        Some("MultiPolygon") => coords
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let rings = p
                    .as_array()
                    .ok_or_else(|| format!("polygon {i}: not an array of rings"))?;
                polygon(rings).map_err(|e| format!("polygon {i}: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(MultiPolygon),
        Some(t) => Err(format!(
            "geometry type \"{t}\" is not Polygon or MultiPolygon"
        )),
        None => Err("geometry without a type".into()),
    }
}

fn polygon(rings: &[Value]) -> Result<Polygon, String> {
    let mut rs = rings
        .iter()
        .enumerate()
        .map(|(i, r)| ring(r).map_err(|e| format!("ring {i}: {e}")));
    let exterior = rs.next().ok_or("no rings")??;
    Ok(Polygon {
        exterior,
        holes: rs.collect::<Result<_, _>>()?,
    })
}

fn ring(r: &Value) -> Result<Vec<LonLat>, String> {
    let pts = r.as_array().ok_or("not an array of positions")?;
    let ring = pts
        .iter()
        .enumerate()
        .map(|(i, p)| position(p).ok_or_else(|| format!("position {i} is not [lon, lat] in range")))
        .collect::<Result<Vec<_>, _>>()?;
    let ring = open_ring(ring);
    if ring.len() < 3 {
        return Err("fewer than 3 distinct positions".into());
    }
    if ring_area2(&ring) == 0.0 {
        return Err("the ring has no area".into());
    }
    Ok(ring)
}

fn position(p: &Value) -> Option<LonLat> {
    let a = p.as_array()?;
    if a.len() < 2 {
        return None;
    }
    let ll = LonLat::new(a[0].as_f64()?, a[1].as_f64()?);
    ll.is_valid().then_some(ll)
}

fn ring_value(r: &[LonLat], ccw: bool) -> Value {
    let mut pts: Vec<LonLat> = r.to_vec();
    if (ring_area2(&pts) > 0.0) != ccw {
        pts.reverse();
    }
    if let Some(&first) = pts.first() {
        pts.push(first);
    }
    Value::Array(pts.iter().map(|p| json!([p.lon, p.lat])).collect())
}

/// A multipolygon as a GeoJSON geometry: `Polygon` when it has one part, else `MultiPolygon`.
pub fn geometry_value(m: &MultiPolygon) -> Value {
    let poly = |p: &Polygon| {
        let mut rings = vec![ring_value(&p.exterior, true)];
        rings.extend(p.holes.iter().map(|h| ring_value(h, false)));
        Value::Array(rings)
    };
    match m.0.as_slice() {
        [one] => json!({"type": "Polygon", "coordinates": poly(one)}),
        many => {
            json!({"type": "MultiPolygon", "coordinates": many.iter().map(poly).collect::<Vec<_>>()})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE_WITH_HOLE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"code":"370602001001001"},"geometry":{"type":"Polygon",
       "coordinates":[[[121,37],[121,38],[122,38],[122,37],[121,37]],
                      [[121.4,37.4],[121.6,37.4],[121.6,37.6],[121.4,37.6],[121.4,37.4]]]}}]}"#;

    #[test]
    fn a_feature_collection_round_trips_with_its_holes_and_properties() {
        let fc = FeatureCollection::parse(SQUARE_WITH_HOLE).unwrap();
        let f = &fc.features[0];
        assert_eq!(f.property_str("code").as_deref(), Some("370602001001001"));
        assert_eq!(f.geometry.0[0].exterior.len(), 4);
        assert_eq!(f.geometry.0[0].holes.len(), 1);
        assert!(!f.geometry.contains(LonLat::new(121.5, 37.5)));
        assert!(f.geometry.contains(LonLat::new(121.2, 37.5)));
        let again = FeatureCollection::parse(&fc.to_json_string()).unwrap();
        assert_eq!(again.features[0].properties, f.properties);
        assert!((again.features[0].geometry.area() - f.geometry.area()).abs() < 1e-12);
        // RFC 7946 orientation on output: exterior counter-clockwise, hole clockwise.
        let g = &again.features[0].geometry.0[0];
        assert!(ring_area2(&g.exterior) > 0.0 && ring_area2(&g.holes[0]) < 0.0);
    }

    #[test]
    fn a_malformed_feature_is_named_with_the_reason() {
        let bad = r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}},
          {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,"x"],[2,2],[1,1]]]}}]}"#;
        match FeatureCollection::parse(bad) {
            Err(GeoError::Feature { index: 1, reason }) => {
                assert!(reason.contains("position 1"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":null,
            "geometry":{"type":"Point","coordinates":[1,2]}}]}"#;
        assert!(matches!(
            FeatureCollection::parse(point),
            Err(GeoError::Feature { index: 0, .. })
        ));
        assert!(matches!(
            FeatureCollection::parse("[1,2"),
            Err(GeoError::Json(_))
        ));
        assert!(matches!(
            FeatureCollection::parse(r#"{"type":"Point"}"#),
            Err(GeoError::Json(_))
        ));
    }

    #[test]
    fn gcj02_input_is_moved_back_by_about_half_a_kilometre() {
        let fc = FeatureCollection::parse(SQUARE_WITH_HOLE)
            .unwrap()
            .to_wgs84_from_gcj02();
        let p = fc.features[0].geometry.0[0].exterior[0];
        assert!(
            p.lon < 121.0 && p.lon > 120.99 && p.lat < 37.0 && p.lat > 36.99,
            "{p:?}"
        );
    }
}
