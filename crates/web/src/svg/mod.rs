//! Charts as inline SVG, drawn on the server (pages run no JavaScript; the CSP allows no
//! inline styles, so only presentation attributes). Pure functions: labelled values in, an
//! SVG string out, every text escaped. Each chart is `role="img"` with a `<title>` and a
//! `<desc>` listing the figures; text takes the page's font (no web fonts). With nothing to
//! draw, a chart says 暂无数据 instead of scaling by zero.

pub mod map;
pub mod report;
mod trend;

use std::fmt::Write;
pub use trend::{trend_chart, Series};

pub(crate) const WIDTH: f64 = 400.0;
pub(crate) const INK: &str = "#1d2733";
pub(crate) const MUTED: &str = "#5b6777";
pub(crate) const LINE: &str = "#d9dee5";
pub const BLUE: &str = "#1a5fb4";
pub const GREEN: &str = "#1e7b34";
pub const RED: &str = "#b3261e";
pub const EMPTY: &str = "暂无数据";

/// Escape text for SVG/HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for an attribute: one decimal at most.
pub(crate) fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

/// At most `max` characters, with an ellipsis when cut.
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// The opening tag, title and description.
pub(crate) fn open(id: &str, title: &str, desc: &str, height: f64) -> String {
    let id = escape(id);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-labelledby=\"{id}-t {id}-d\"><title id=\"{id}-t\">{t}</title>\
         <desc id=\"{id}-d\">{d}</desc>",
        w = n(WIDTH),
        h = n(height),
        t = escape(title),
        d = escape(desc),
    )
}

/// The chart when there is nothing to draw.
pub(crate) fn empty(id: &str, title: &str) -> String {
    let mut s = open(id, title, EMPTY, 60.0);
    let _ = write!(
        s,
        "<rect x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"59\" rx=\"4\" fill=\"none\" \
         stroke=\"{LINE}\" stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"35\" \
         text-anchor=\"middle\" font-size=\"14\" fill=\"{MUTED}\">{EMPTY}</text></svg>",
        n(WIDTH - 1.0),
        n(WIDTH / 2.0)
    );
    s
}

const ROW: f64 = 28.0;
const LABEL_W: f64 = 112.0;
const BAR_MAX: f64 = 236.0;

/// Horizontal bars, one row per `(label, value)` in the given order; the largest value gets
/// the full length and the others are proportional to it.
pub fn bar_chart(id: &str, title: &str, data: &[(String, i64)], color: &str) -> String {
    let max = data.iter().map(|(_, v)| *v).max().unwrap_or(0);
    if max <= 0 {
        return empty(id, title);
    }
    let desc: Vec<String> = data.iter().map(|(l, v)| format!("{l} {v}")).collect();
    let height = 8.0 + ROW * data.len() as f64;
    let mut s = open(id, title, &desc.join("，"), height);
    for (i, (label, value)) in data.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let w = BAR_MAX * (*value).max(0) as f64 / max as f64;
        let _ = write!(
            s,
            "<g><title>{full}：{value}</title>\
             <text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"14\" fill=\"{INK}\">{label}</text>\
             <rect class=\"bar\" x=\"{bx}\" y=\"{by}\" width=\"{w}\" height=\"{bh}\" rx=\"2\" fill=\"{color}\"/>\
             <text x=\"{vx}\" y=\"{ty}\" font-size=\"14\" fill=\"{INK}\">{value}</text></g>",
            full = escape(label),
            label = escape(&short(label, 7)),
            color = escape(color),
            lx = n(LABEL_W - 6.0),
            ty = n(y + 19.0),
            bx = n(LABEL_W),
            by = n(y + 4.0),
            w = n(w),
            bh = n(ROW - 8.0),
            vx = n(LABEL_W + w + 5.0),
        );
    }
    s.push_str("</svg>");
    s
}

/// A share as a percentage with one decimal, or "—" when unknown.
pub fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "—".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values of `attr` on every element that carries `class="{class}"`.
    pub(crate) fn attr_of(svg: &str, class: &str, attr: &str) -> Vec<String> {
        svg.split(&format!("class=\"{class}\""))
            .skip(1)
            .map(|rest| {
                let at = rest.find(&format!(" {attr}=\"")).unwrap() + attr.len() + 3;
                rest[at..at + rest[at..].find('"').unwrap()].to_owned()
            })
            .collect()
    }

    fn data(v: &[(&str, i64)]) -> Vec<(String, i64)> {
        v.iter().map(|(l, n)| (l.to_string(), *n)).collect()
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let svg = bar_chart(
            "c",
            "A & <B>",
            &data(&[("<script>\"x\"</script>", 3)]),
            BLUE,
        );
        assert!(!svg.contains("<script>") && !svg.contains("<B>"), "{svg}");
        assert!(svg.contains("A &amp; &lt;B&gt;") && svg.contains("&lt;script&gt;&quot;x"));
        let t = trend_chart(
            "t",
            "t",
            &["<m>".to_owned()],
            &[Series {
                name: "a&b",
                values: &[1],
                color: BLUE,
            }],
            None,
        );
        assert!(!t.contains("<m>") && t.contains("&lt;m&gt;") && t.contains("a&amp;b"));
    }

    #[test]
    fn bars_are_proportional_to_the_values() {
        let svg = bar_chart(
            "c",
            "按状态",
            &data(&[("甲", 10), ("乙", 5), ("丙", 0)]),
            BLUE,
        );
        let w: Vec<f64> = attr_of(&svg, "bar", "width")
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(w, [BAR_MAX, BAR_MAX / 2.0, 0.0]);
        assert!(svg.starts_with("<svg") && svg.contains("role=\"img\"") && svg.contains("<title"));
        assert!(
            svg.contains("甲 10，乙 5，丙 0"),
            "the description lists the figures"
        );
    }

    #[test]
    fn nothing_to_draw_says_so_instead_of_dividing_by_zero() {
        for svg in [
            bar_chart("c", "空", &[], BLUE),
            bar_chart("c", "零", &data(&[("甲", 0)]), BLUE),
            trend_chart("t", "空", &[], &[], None),
            trend_chart(
                "t",
                "零",
                &["1月".to_owned()],
                &[Series {
                    name: "受理",
                    values: &[0],
                    color: BLUE,
                }],
                Some(("按期", &[None])),
            ),
        ] {
            assert!(svg.contains(EMPTY), "{svg}");
            assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
            assert!(svg.contains("role=\"img\"") && svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn shares_have_one_decimal_or_a_dash() {
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(Some(2.0 / 3.0)), "66.7%");
        assert_eq!(pct(None), "—");
    }
}
