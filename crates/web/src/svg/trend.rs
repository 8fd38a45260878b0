//! The trend chart: counts per period as lines, and a rate as a dashed line on its own axis.

use super::{empty, escape, n, open, pct, INK, LINE, MUTED, RED, WIDTH};
use std::fmt::Write;

/// One line of counts in a trend chart.
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [i64],
    pub color: &'a str,
}

/// A round upper bound for the count axis and its tick step.
fn scale(max: i64) -> (i64, i64) {
    let raw = (max as f64 / 4.0).max(1.0);
    let mag = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag) as i64;
    let step = step.max(1);
    (step * ((max + step - 1) / step).max(1), step)
}

const TREND_H: f64 = 250.0;
const LEFT: f64 = 40.0;
const TOP: f64 = 34.0;
const BOTTOM: f64 = 210.0;

/// Counts per period as lines on the left axis (from zero), and optionally a rate (0–1) as a
/// dashed line on a right axis of 0–100 % that breaks where the rate is unknown.
pub fn trend_chart(
    id: &str,
    title: &str,
    x_labels: &[String],
    series: &[Series],
    rate: Option<(&str, &[Option<f64>])>,
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0);
    let n_x = x_labels.len();
    if n_x == 0 || max <= 0 {
        return empty(id, title);
    }
    let right = if rate.is_some() {
        WIDTH - 44.0
    } else {
        WIDTH - 12.0
    };
    let x = |i: usize| {
        if n_x == 1 {
            (LEFT + right) / 2.0
        } else {
            LEFT + (right - LEFT) * i as f64 / (n_x - 1) as f64
        }
    };
    let (top, step) = scale(max);
    let y = |v: f64| BOTTOM - (BOTTOM - TOP) * v / top as f64;
    let mut desc = Vec::new();
    for (i, label) in x_labels.iter().enumerate() {
        let mut parts: Vec<String> = series
            .iter()
            .map(|s| format!("{} {}", s.name, s.values.get(i).copied().unwrap_or(0)))
            .collect();
        if let Some((name, r)) = rate {
            parts.push(format!("{name} {}", pct(r.get(i).copied().flatten())));
        }
        desc.push(format!("{label}：{}", parts.join("，")));
    }
    let mut s = open(id, title, &desc.join("；"), TREND_H);
    // Grid and the count axis.
    let mut tick = 0;
    while tick <= top {
        let ty = y(tick as f64);
        let _ = write!(
            s,
            "<line x1=\"{l}\" x2=\"{r}\" y1=\"{ty}\" y2=\"{ty}\" stroke=\"{LINE}\"/>\
             <text x=\"{tx}\" y=\"{ly}\" text-anchor=\"end\" font-size=\"12\" fill=\"{MUTED}\">{tick}</text>",
            l = n(LEFT),
            r = n(right),
            ty = n(ty),
            tx = n(LEFT - 5.0),
            ly = n(ty + 4.0),
        );
        tick += step;
    }
    // Month labels: at most about six, so they never overlap.
    let every = n_x.div_ceil(6);
    for (i, label) in x_labels.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"12\" fill=\"{MUTED}\">{}</text>",
                n(x(i)),
                n(BOTTOM + 18.0),
                escape(label)
            );
        }
    }
    // Legend.
    let mut lx = LEFT;
    let mut legend = |s: &mut String, name: &str, color: &str, dashed: bool| {
        let dash = if dashed {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let _ = write!(
            s,
            "<line x1=\"{a}\" x2=\"{b}\" y1=\"12\" y2=\"12\" stroke=\"{c}\" stroke-width=\"2.5\"{dash}/>\
             <text x=\"{t}\" y=\"16\" font-size=\"13\" fill=\"{INK}\">{name}</text>",
            a = n(lx),
            b = n(lx + 18.0),
            c = escape(color),
            t = n(lx + 22.0),
            name = escape(name),
        );
        lx += 30.0 + 13.0 * name.chars().count() as f64;
    };
    for se in series {
        legend(&mut s, se.name, se.color, false);
    }
    if let Some((name, _)) = rate {
        legend(&mut s, name, RED, true);
    }
    for se in series {
        let pts: Vec<String> = (0..n_x)
            .map(|i| {
                let v = se.values.get(i).copied().unwrap_or(0) as f64;
                format!("{},{}", n(x(i)), n(y(v)))
            })
            .collect();
        let _ = write!(
            s,
            "<polyline class=\"line\" points=\"{}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2.5\"/>",
            pts.join(" "),
            c = escape(se.color)
        );
        for (i, label) in x_labels.iter().enumerate() {
            let v = se.values.get(i).copied().unwrap_or(0);
            let _ = write!(
                s,
                "<circle cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{c}\"><title>{l} {name} {v}</title></circle>",
                n(x(i)),
                n(y(v as f64)),
                c = escape(se.color),
                l = escape(label),
                name = escape(se.name),
            );
        }
    }
    if let Some((name, r)) = rate {
        rate_line(&mut s, name, r, x_labels, &x, right);
    }
    s.push_str("</svg>");
    s
}

/// The rate's right axis (0 and 100 %) and its dashed line, broken where it is unknown.
fn rate_line(
    s: &mut String,
    name: &str,
    r: &[Option<f64>],
    labels: &[String],
    x: &dyn Fn(usize) -> f64,
    right: f64,
) {
    let y = |v: f64| BOTTOM - (BOTTOM - TOP) * v.clamp(0.0, 1.0);
    for (v, label) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{RED}\">{label}</text>",
            n(right + 5.0),
            n(y(v) + 4.0)
        );
    }
    let mut runs: Vec<Vec<String>> = vec![Vec::new()];
    for (i, v) in r.iter().enumerate() {
        match v {
            Some(v) => {
                runs.last_mut()
                    .unwrap()
                    .push(format!("{},{}", n(x(i)), n(y(*v))));
                let _ = write!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"6\" height=\"6\" fill=\"{RED}\"><title>{} {} {}</title></rect>",
                    n(x(i) - 3.0),
                    n(y(*v) - 3.0),
                    escape(labels.get(i).map(String::as_str).unwrap_or("")),
                    escape(name),
                    pct(Some(*v))
                );
            }
            None => runs.push(Vec::new()),
        }
    }
    for run in runs.into_iter().filter(|r| r.len() > 1) {
        let _ = write!(
            s,
            "<polyline class=\"rate\" points=\"{}\" fill=\"none\" stroke=\"{RED}\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>",
            run.join(" ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::attr_of;
    use super::*;
    use crate::svg::BLUE;

    #[test]
    fn trend_lines_rise_with_the_counts_and_the_rate_breaks_where_unknown() {
        let labels: Vec<String> = ["1月", "2月", "3月", "4月"].map(String::from).to_vec();
        let svg = trend_chart(
            "t",
            "按月趋势",
            &labels,
            &[Series {
                name: "受理",
                values: &[0, 4, 8, 2],
                color: BLUE,
            }],
            Some(("按期办结率", &[Some(1.0), Some(0.5), None, Some(1.0)])),
        );
        let pts = &attr_of(&svg, "line", "points")[0];
        let ys: Vec<f64> = pts
            .split(' ')
            .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(ys[0], BOTTOM, "zero sits on the axis");
        assert_eq!(ys[2], TOP, "the maximum (8, a round top) reaches the top");
        assert!(ys[1] > ys[2] && ys[1] < ys[0] && ys[3] > ys[1]);
        // 1.0 and 0.5 are joined; the lone point after the gap has no line.
        assert_eq!(attr_of(&svg, "rate", "points").len(), 1);
        assert!(svg.contains("按期办结率 50.0%"));
        assert!(svg.contains("3月：受理 8，按期办结率 —"));
    }

    #[test]
    fn the_count_axis_is_round() {
        assert_eq!(scale(1), (1, 1));
        assert_eq!(scale(7), (8, 2));
        assert_eq!(scale(100), (100, 50));
        assert_eq!(scale(13), (15, 5));
    }
}
