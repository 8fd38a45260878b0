//! The report's pictures: the county choropleth (zones fold into their host county's
//! outline colour only in the table — the map notes it), its legend, a sparkline per county
//! and the class colours.

use super::map::{map, rings_of, Label, MapLayers, Shape};
use super::{escape, n, EMPTY, MUTED};
use std::collections::HashMap;
use std::fmt::Write;

/// Score classes of the map, best first: lower bound, colour, label.
pub const CLASSES: [(f64, &str, &str); 5] = [
    (90.0, "#1e7b34", "90 分及以上"),
    (80.0, "#6aaa5f", "80–90 分"),
    (70.0, "#d4d36a", "70–80 分"),
    (60.0, "#f0a742", "60–70 分"),
    (f64::MIN, "#c9372c", "60 分以下"),
];
const NO_DATA: &str = "#d9dee5";

pub fn class_colour(score: Option<f64>) -> &'static str {
    match score {
        None => NO_DATA,
        Some(s) => CLASSES
            .iter()
            .find(|c| s >= c.0)
            .map(|c| c.1)
            .unwrap_or(NO_DATA),
    }
}

/// The choropleth of the counties: `scores` by 12-digit county code → (name, score).
pub fn choropleth(
    id: &str,
    title: &str,
    scores: &HashMap<String, (String, Option<f64>)>,
) -> String {
    let outlines = zhili_domain::geo::yantai_county_outlines().unwrap_or_default();
    let mut layers = MapLayers {
        shapes: vec![],
        dots: vec![],
        labels: vec![],
    };
    let mut desc = Vec::new();
    for c in &outlines {
        let (name, score) = scores
            .get(&c.code)
            .cloned()
            .unwrap_or_else(|| (c.name.clone(), None));
        let rings = rings_of(&c.outline);
        let (mut sx, mut sy, mut k) = (0.0, 0.0, 0.0);
        if let Some(outer) = rings.iter().max_by_key(|r| r.len()) {
            for &(x, y) in outer {
                sx += x;
                sy += y;
                k += 1.0;
            }
        }
        let shown = score
            .map(|s| format!("{s:.2}"))
            .unwrap_or_else(|| EMPTY.into());
        desc.push(format!("{name} {shown}"));
        if k > 0.0 {
            layers.labels.push(Label {
                lon: sx / k,
                lat: sy / k,
                text: format!("{} {shown}", short_name(&name)),
            });
        }
        layers.shapes.push(Shape {
            rings,
            fill: class_colour(score).into(),
            stroke: "#ffffff",
            stroke_width: 1.2,
            title: format!("{name}：{shown}"),
            href: Some(format!("#u-{}", c.code)),
        });
    }
    map(id, title, &desc.join("；"), 640.0, &layers)
}

fn short_name(name: &str) -> String {
    name.trim_end_matches(['区', '市', '县'])
        .chars()
        .take(4)
        .collect()
}

/// The legend as a small SVG (the page's CSP allows no inline styles).
pub fn legend(id: &str) -> String {
    let mut out = format!(
        r#"<svg id="{}" class="legend" role="img" viewBox="0 0 640 24" width="640" height="24" xmlns="http://www.w3.org/2000/svg"><title>图例</title>"#,
        escape(id)
    );
    let items = CLASSES.iter().map(|c| (c.1, c.2)).chain([(NO_DATA, EMPTY)]);
    for (i, (colour, label)) in items.enumerate() {
        let x = i as f64 * 105.0;
        let _ = write!(
            out,
            r#"<rect x="{}" y="5" width="14" height="14" fill="{colour}"/><text x="{}" y="17" font-size="12" fill="{MUTED}">{}</text>"#,
            n(x),
            n(x + 19.0),
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

/// A county's trend: its scores over the periods as a line (gaps where missing).
pub fn sparkline(id: &str, name: &str, periods: &[String], values: &[Option<f64>]) -> String {
    let (w, h, pad) = (160.0, 34.0, 4.0);
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let desc: Vec<String> = periods
        .iter()
        .zip(values)
        .map(|(p, v)| {
            format!(
                "{p} {}",
                v.map(|x| format!("{x:.2}")).unwrap_or_else(|| EMPTY.into())
            )
        })
        .collect();
    let mut out = format!(
        r#"<svg id="{}" class="spark" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg"><title>{}趋势</title><desc>{}</desc>"#,
        escape(id),
        escape(name),
        escape(&desc.join("；"))
    );
    if present.is_empty() {
        let _ = write!(
            out,
            r#"<text x="4" y="22" font-size="11" fill="{MUTED}">{EMPTY}</text></svg>"#
        );
        return out;
    }
    let lo = present.iter().copied().fold(f64::MAX, f64::min) - 2.0;
    let hi = present.iter().copied().fold(f64::MIN, f64::max) + 2.0;
    let step = if values.len() > 1 {
        (w - 2.0 * pad) / (values.len() - 1) as f64
    } else {
        0.0
    };
    let y = |v: f64| pad + (hi - v) / (hi - lo) * (h - 2.0 * pad);
    let mut d = String::new();
    let mut pen_up = true;
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let _ = write!(
                    d,
                    "{}{} {}",
                    if pen_up { "M" } else { "L" },
                    n(pad + step * i as f64),
                    n(y(*v))
                );
                pen_up = false;
            }
            None => pen_up = true,
        }
    }
    let _ = write!(
        out,
        r##"<path d="{d}" fill="none" stroke="#1a5fb4" stroke-width="1.6"/>"##
    );
    if let Some((i, Some(v))) = values.iter().enumerate().rev().find(|(_, v)| v.is_some()) {
        let _ = write!(
            out,
            r##"<circle cx="{}" cy="{}" r="2.5" fill="#1a5fb4"/>"##,
            n(pad + step * i as f64),
            n(y(*v))
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choropleth_draws_every_county_outline() {
        let mut scores = HashMap::new();
        scores.insert("370602000000".to_owned(), ("芝罘区".to_owned(), Some(91.5)));
        let svg = choropleth("m", "平安指数", &scores);
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<path").count(), 11);
        assert!(svg.contains("芝罘区：91.50"));
        assert!(svg.contains(CLASSES[0].1));
    }

    #[test]
    fn a_sparkline_breaks_where_a_period_is_missing() {
        let p = vec![
            "2026-09".to_owned(),
            "2026-10".to_owned(),
            "2026-11".to_owned(),
        ];
        let s = sparkline("s", "芝罘区", &p, &[Some(80.0), None, Some(85.0)]);
        assert_eq!(s.matches('M').count(), 2);
        assert!(sparkline("s", "x", &p, &[None, None, None]).contains(EMPTY));
    }
}
