use super::MultiPolygon;
use serde_json::Value;
pub fn geometry_from_value(v: &Value) -> Result<MultiPolygon, String> {
    let t = v.get("type").and_then(|t| t.as_str()).ok_or("no type")?;
    let c = v.get("coordinates").ok_or("no coordinates")?;
    let ring = |r: &Value| -> Result<Vec<[f64; 2]>, String> {
        r.as_array()
            .ok_or("ring")?
            .iter()
            .map(|p| {
                let a = p.as_array().ok_or("pt")?;
                Ok([
                    a.first().and_then(|x| x.as_f64()).ok_or("x")?,
                    a.get(1).and_then(|x| x.as_f64()).ok_or("y")?,
                ])
            })
            .collect()
    };
    let poly = |p: &Value| -> Result<Vec<Vec<[f64; 2]>>, String> {
        p.as_array().ok_or("poly")?.iter().map(ring).collect()
    };
    match t {
        "Polygon" => Ok(MultiPolygon(vec![poly(c)?])),
        "MultiPolygon" => Ok(MultiPolygon(
            c.as_array()
                .ok_or("mp")?
                .iter()
                .map(poly)
                .collect::<Result<_, _>>()?,
        )),
        _ => Err("type".into()),
    }
}
pub fn geometry_to_value(m: &MultiPolygon) -> Value {
    serde_json::json!({"type": "MultiPolygon", "coordinates": m.0})
}
