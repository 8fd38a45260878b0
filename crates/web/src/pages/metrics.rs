//! The dashboard's headline tiles: each metric of `CaseStats` formatted for display, with its
//! definition (docs/metrics.md) for the tile's `title` and the page's 指标口径 list.

use crate::svg::pct;
use zhili_app::case_stats::CaseStats;

/// One headline figure.
pub struct Tile {
    pub label: &'static str,
    pub value: String,
    /// A second line under the value (may be empty).
    pub note: String,
    pub definition: &'static str,
    /// Draw attention (overdue cases).
    pub alert: bool,
}

pub const RECEIVED: &str = "统计期间内登记受理的案件数。";
pub const CLOSED: &str = "统计期间内结案的案件数：核查结案，或调解不成后移交（refer）结案。";
pub const OPEN: &str = "当前在办：尚未结案、也未不予受理的案件数（不受统计期间限制）。";
pub const OVERDUE: &str =
    "当前超期：在办、尚未办结且已过办理期限的案件数；中止期间期限顺延（不受统计期间限制）。";
pub const ON_TIME: &str = "统计期间内结案、且在结案时的办理期限（含中止顺延）之前结案的案件 ÷ 统计期间内结案数；未经派遣即结案的计为按期。分母为 0 时显示“—”。";
pub const SUCCESS: &str = "矛盾纠纷中调解达成协议的 ÷ 统计期间内调解终结（达成协议或调解不成）的矛盾纠纷；隐患、服务诉求和预警不计。";
pub const SATISFACTION: &str = "统计期间内群众评价（1–5 分）的平均分；满意率为其中 4–5 分评价的占比。每件结案案件凭查询码评价一次。";
pub const MEDIAN_DAYS: &str = "统计期间内结案案件从登记到结案所用天数的中位数。";
pub const ESCALATION: &str = "统计期间内受理的案件中，至少上报（提级）过一次的占比。";
pub const PROACTIVE: &str = "统计期间内受理的案件中，经网格员上报渠道（主动发现）的占比。";

/// A number with one decimal and a unit, or "—".
fn one_decimal(v: Option<f64>, unit: &str) -> String {
    v.map(|v| format!("{v:.1} {unit}"))
        .unwrap_or_else(|| "—".to_owned())
}

fn tile(label: &'static str, value: String, definition: &'static str) -> Tile {
    Tile {
        label,
        value,
        note: String::new(),
        definition,
        alert: false,
    }
}

/// The ten headline tiles, in reading order.
pub fn tiles(s: &CaseStats) -> Vec<Tile> {
    let mut overdue = tile("超期", s.overdue.to_string(), OVERDUE);
    overdue.alert = s.overdue > 0;
    let mut on_time = tile("按期办结率", pct(s.on_time_rate), ON_TIME);
    on_time.note = format!("结案 {} 件", s.closed);
    let mut satisfaction = tile("满意度", one_decimal(s.satisfaction, "分"), SATISFACTION);
    satisfaction.note = if s.rated > 0 {
        format!("满意率 {}（{} 条评价）", pct(s.satisfied_share), s.rated)
    } else {
        "暂无评价".to_owned()
    };
    vec![
        tile("受理量", s.received.to_string(), RECEIVED),
        tile("结案量", s.closed.to_string(), CLOSED),
        tile("在办", s.open.to_string(), OPEN),
        overdue,
        on_time,
        tile("调解成功率", pct(s.success_rate), SUCCESS),
        satisfaction,
        tile(
            "平均办结时长",
            one_decimal(s.median_days_to_close, "天"),
            MEDIAN_DAYS,
        ),
        tile("上报率", pct(s.escalation_rate), ESCALATION),
        tile("主动发现率", pct(s.proactive_share), PROACTIVE),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats() -> CaseStats {
        CaseStats {
            division: "370602000000".into(),
            from: "2026-01-01".into(),
            to: "2026-03-31".into(),
            received: 3,
            closed: 2,
            open: 1,
            overdue: 0,
            on_time_rate: Some(0.5),
            on_time_rate_due: None,
            success_rate: None,
            satisfaction: Some(4.5),
            satisfied_share: Some(1.0),
            rated: 2,
            median_days_to_close: Some(1.26),
            escalation_rate: Some(1.0 / 3.0),
            proactive_share: Some(0.0),
            by_state: vec![],
            by_category: vec![],
            by_channel: vec![],
        }
    }

    #[test]
    fn tiles_format_rates_with_one_decimal_and_unknowns_as_a_dash() {
        let t = tiles(&stats());
        let v = |label: &str| {
            let x = t.iter().find(|x| x.label == label).unwrap();
            (x.value.as_str(), x.note.as_str())
        };
        assert_eq!(t.len(), 10);
        assert_eq!(v("受理量").0, "3");
        assert_eq!(v("按期办结率"), ("50.0%", "结案 2 件"));
        assert_eq!(v("调解成功率").0, "—");
        assert_eq!(v("满意度"), ("4.5 分", "满意率 100.0%（2 条评价）"));
        assert_eq!(v("平均办结时长").0, "1.3 天");
        assert_eq!(v("上报率").0, "33.3%");
        assert_eq!(v("主动发现率").0, "0.0%");
        assert!(t.iter().all(|x| !x.definition.is_empty()));
    }
}
