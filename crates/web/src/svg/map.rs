//! Maps as inline SVG: outlines in WGS-84 longitude/latitude drawn with an equirectangular
//! projection scaled by cos(latitude) (true to shape at a city's scale), layers drawn in
//! order, each shape optionally a link with a hover title, points as dots.

use super::{escape, n};
use std::fmt::Write;

/// One shape on a map: its rings (outer and holes alike; drawn even-odd), how it is
/// painted, and what it says when hovered or where it links.
pub struct Shape {
    pub rings: Vec<Vec<(f64, f64)>>,
    pub fill: String,
    pub stroke: &'static str,
    pub stroke_width: f64,
    pub title: String,
    pub href: Option<String>,
}

/// A labelled point (a building, a case).
pub struct Dot {
    pub lon: f64,
    pub lat: f64,
    pub color: &'static str,
    pub title: String,
}

/// A text label at a point.
pub struct Label {
    pub lon: f64,
    pub lat: f64,
    pub text: String,
}

pub struct MapLayers {
    pub shapes: Vec<Shape>,
    pub dots: Vec<Dot>,
    pub labels: Vec<Label>,
}

/// Draw the layers `width` pixels wide, fitted to their extent. `title` and `desc` make the
/// map accessible.
pub fn map(id: &str, title: &str, desc: &str, width: f64, layers: &MapLayers) -> String {
    let mut bb = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let mut grow = |x: f64, y: f64| {
        bb = [bb[0].min(x), bb[1].min(y), bb[2].max(x), bb[3].max(y)];
    };
    for s in &layers.shapes {
        s.rings.iter().flatten().for_each(|&(x, y)| grow(x, y));
    }
    layers.dots.iter().for_each(|d| grow(d.lon, d.lat));
    if bb[0] > bb[2] {
        return format!(
            r#"<svg id="{id}" class="map" role="img" viewBox="0 0 {w} 60" width="{w}" height="60"><title>{t}</title><text x="10" y="35" fill="{m}">{e}</text></svg>"#,
            id = escape(id),
            w = n(width),
            t = escape(title),
            m = super::MUTED,
            e = super::EMPTY
        );
    }
    let k = ((bb[1] + bb[3]) / 2.0).to_radians().cos().max(0.1);
    let (dx, dy) = (((bb[2] - bb[0]) * k).max(1e-9), (bb[3] - bb[1]).max(1e-9));
    let pad = 8.0;
    let scale = (width - 2.0 * pad) / dx;
    let height = (dy * scale + 2.0 * pad).clamp(60.0, width * 1.6);
    let scale = scale.min((height - 2.0 * pad) / dy);
    let px = |lon: f64| pad + (lon - bb[0]) * k * scale;
    let py = |lat: f64| pad + (bb[3] - lat) * scale;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg id="{}" class="map" role="img" viewBox="0 0 {} {}" width="{}" height="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title><desc>{}</desc>"#,
        escape(id),
        n(width),
        n(height),
        n(width),
        n(height),
        escape(title),
        escape(desc)
    );
    for s in &layers.shapes {
        let mut d = String::new();
        for ring in &s.rings {
            for (i, &(x, y)) in ring.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if i == 0 { "M" } else { "L" },
                    n(px(x)),
                    n(py(y))
                );
            }
            d.push('Z');
        }
        let path = format!(
            r#"<path d="{d}" fill="{}" fill-rule="evenodd" stroke="{}" stroke-width="{}"><title>{}</title></path>"#,
            escape(&s.fill),
            s.stroke,
            n(s.stroke_width),
            escape(&s.title)
        );
        match &s.href {
            Some(h) => {
                let _ = write!(out, r#"<a href="{}">{path}</a>"#, escape(h));
            }
            None => out.push_str(&path),
        }
    }
    for d in &layers.dots {
        let _ = write!(
            out,
            r#"<circle cx="{}" cy="{}" r="3" fill="{}"><title>{}</title></circle>"#,
            n(px(d.lon)),
            n(py(d.lat)),
            d.color,
            escape(&d.title)
        );
    }
    for l in &layers.labels {
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="{}">{}</text>"#,
            n(px(l.lon)),
            n(py(l.lat)),
            super::INK,
            escape(&l.text)
        );
    }
    out.push_str("</svg>");
    out
}

/// A multipolygon's rings (outer and holes) as map rings.
pub fn rings_of(mp: &zhili_domain::geo::MultiPolygon) -> Vec<Vec<(f64, f64)>> {
    mp.polygons()
        .iter()
        .flat_map(|poly| poly.rings())
        .map(|ring| ring.iter().map(|c| (c.lon, c.lat)).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_fit_the_width_keep_north_up_and_escape_their_titles() {
        let sq = vec![(121.0, 37.0), (121.1, 37.0), (121.1, 37.1), (121.0, 37.1)];
        let svg = map(
            "m",
            "地图",
            "一个网格",
            400.0,
            &MapLayers {
                shapes: vec![Shape {
                    rings: vec![sq],
                    fill: "#eee".into(),
                    stroke: "#333",
                    stroke_width: 1.0,
                    title: "<网格>".into(),
                    href: Some("/grid?code=1".into()),
                }],
                dots: vec![Dot {
                    lon: 121.05,
                    lat: 37.1,
                    color: "#f00",
                    title: "楼".into(),
                }],
                labels: vec![],
            },
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("&lt;网格&gt;") && svg.contains(r#"href="/grid?code=1""#));
        // The northern edge is at the top (y = pad), the dot on it.
        assert!(svg.contains(r#"cy="8""#), "{svg}");
        assert!(map(
            "e",
            "空",
            "",
            300.0,
            &MapLayers {
                shapes: vec![],
                dots: vec![],
                labels: vec![]
            }
        )
        .contains("暂无数据"));
    }
}
