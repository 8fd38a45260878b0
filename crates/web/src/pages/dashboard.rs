//! 统计分析: one division's case metrics over a period (docs/metrics.md) as tiles, charts drawn
//! on the server (`crate::svg`), a monthly trend, and a drill-down to the division's children
//! with each child's headline figures.

use super::metrics::{tiles, Tile};
use super::{error_page, render, url_encode, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::svg::{self, pct, Series};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use zhili_app::case_stats::{default_period, CaseStats, MonthPoint};
use zhili_app::{App, AppError, AppResult};
use zhili_domain::case::{CaseState, Channel};
use zhili_domain::{DivisionCode, NodeCode, Page, Scope};

/// The most children listed (a township may have many communities).
const MAX_CHILDREN: u32 = 50;
const TOP_CATEGORIES: usize = 10;

#[derive(Deserialize)]
pub struct DashQuery {
    division: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// One child division in the drill-down table.
pub struct ChildRow {
    name: String,
    code: String,
    link: String,
    received: i64,
    closed: i64,
    on_time: String,
    success: String,
    satisfaction: String,
}

pub struct MonthRow {
    month: String,
    received: i64,
    closed: i64,
    on_time: String,
}

/// What the page shows once the figures are in.
pub struct Figures {
    tiles: Vec<Tile>,
    by_state: String,
    by_category: String,
    categories_hidden: usize,
    by_channel: String,
    trend: String,
    months: Vec<MonthRow>,
    child_level: &'static str,
    children: Vec<ChildRow>,
    children_hidden: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    division: String,
    name: String,
    /// Visible ancestors, city first: (link, name).
    crumbs: Vec<(String, String)>,
    /// Divisions to pick in the form: (code, name).
    choices: Vec<(String, String)>,
    from: String,
    to: String,
    error: Option<String>,
    figures: Option<Figures>,
}

/// `/dashboard?division=…&from=…&to=…`.
fn link(division: &str, from: &str, to: &str) -> String {
    format!(
        "/dashboard?division={}&from={}&to={}",
        url_encode(division),
        url_encode(from),
        url_encode(to)
    )
}

pub async fn dashboard(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DashQuery>,
) -> Response {
    let (year_start, today) = default_period(s.app.now_ms());
    let given = |v: Option<String>| v.map(|x| x.trim().to_owned()).filter(|x| !x.is_empty());
    let from = given(q.from).unwrap_or(year_start);
    let to = given(q.to).unwrap_or(today);
    // A work area is no division: its users start at their first community.
    let division = given(q.division).or_else(|| match &u.actor.scope {
        Scope::WorkArea { communities, .. } => communities.first().map(|c| c.to_string()),
        _ => None,
    });
    let mut page = DashboardPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        division: division.clone().unwrap_or_default(),
        name: String::new(),
        crumbs: Vec::new(),
        choices: Vec::new(),
        from,
        to,
        error: None,
        figures: None,
    };
    let app = &s.app;
    let stats = match app
        .case_stats(&u.actor, division.as_deref(), &page.from, &page.to)
        .await
    {
        Ok(st) => st,
        Err(e) => return refused(page, e),
    };
    let code = match DivisionCode::parse(&stats.division) {
        Ok(c) => c,
        Err(e) => return error_page(&AppError::Internal(e.to_string())),
    };
    page.division = stats.division.clone();
    match fill(app, &u, &code, stats, &mut page).await {
        Ok(()) => render(&page),
        Err(e) => refused(page, e),
    }
}

/// Bad input shows the form again with the message (422); anything else is an error page.
fn refused(mut page: DashboardPage, e: AppError) -> Response {
    match e {
        AppError::Invalid(_) => {
            let (status, body) = crate::error::describe(&e);
            page.error = Some(body.message);
            page.figures = None;
            (status, render(&page)).into_response()
        }
        other => error_page(&other),
    }
}

async fn fill(
    app: &App,
    u: &PageUser,
    code: &DivisionCode,
    stats: CaseStats,
    page: &mut DashboardPage,
) -> AppResult<()> {
    let (from, to) = (page.from.clone(), page.to.clone());
    let trend = app
        .case_trend(&u.actor, Some(code.as_str()), &from, &to)
        .await?;
    page.name = app.node_name(&NodeCode::Division(code.clone())).await?;
    for a in app.visible_ancestors(&u.actor, code) {
        let name = app.node_name(&NodeCode::Division(a.clone())).await?;
        page.crumbs
            .push((link(a.as_str(), &from, &to), name.clone()));
        page.choices.push((a.to_string(), name));
    }
    page.choices.push((code.to_string(), page.name.clone()));
    let kids = app
        .list_divisions(
            &u.actor,
            None,
            Some(code.as_str()),
            None,
            Page::new(Some(1), Some(MAX_CHILDREN)),
        )
        .await?;
    let mut children = Vec::with_capacity(kids.items.len());
    for k in &kids.items {
        let c = app
            .case_stats(&u.actor, Some(k.code.as_str()), &from, &to)
            .await?;
        page.choices
            .push((k.code.to_string(), k.short_name().to_owned()));
        children.push(ChildRow {
            name: k.short_name().to_owned(),
            code: k.code.to_string(),
            link: link(k.code.as_str(), &from, &to),
            received: c.received,
            closed: c.closed,
            on_time: pct(c.on_time_rate),
            success: pct(c.success_rate),
            satisfaction: c
                .satisfaction
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "—".to_owned()),
        });
    }
    let names: HashMap<String, String> = app
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect();
    let (by_category, categories_hidden) = top_categories(&stats.by_category, &names);
    page.figures = Some(Figures {
        tiles: tiles(&stats),
        by_state: svg::bar_chart(
            "by-state",
            "按状态统计（期间内受理的案件）",
            &by_state(&stats.by_state),
            svg::BLUE,
        ),
        by_category: svg::bar_chart(
            "by-category",
            "按类别统计（前 10 类）",
            &by_category,
            svg::GREEN,
        ),
        categories_hidden,
        by_channel: svg::bar_chart(
            "by-channel",
            "按来源渠道统计",
            &by_channel(&stats.by_channel),
            svg::BLUE,
        ),
        trend: trend_chart(&trend),
        months: trend
            .iter()
            .map(|p| MonthRow {
                month: p.month.clone(),
                received: p.received,
                closed: p.closed,
                on_time: pct(p.on_time_rate),
            })
            .collect(),
        child_level: kids.items.first().map(|k| k.level.label()).unwrap_or(""),
        children,
        children_hidden: (kids.total - kids.items.len() as i64).max(0),
    });
    Ok(())
}

fn count_of(counts: &[(String, i64)], key: &str) -> i64 {
    counts
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, n)| n)
        .sum()
}

/// Every state in the order of a case's life, zeros included.
fn by_state(counts: &[(String, i64)]) -> Vec<(String, i64)> {
    CaseState::ALL
        .iter()
        .map(|s| (s.label().to_owned(), count_of(counts, s.as_str())))
        .collect()
}

/// The channels that occur, most first.
fn by_channel(counts: &[(String, i64)]) -> Vec<(String, i64)> {
    let mut v: Vec<(String, i64)> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| {
            let label = Channel::parse(k).map(|c| c.label().to_owned());
            (label.unwrap_or_else(|_| k.clone()), *n)
        })
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// The ten largest categories by name, most first, and how many more there are.
fn top_categories(
    counts: &[(String, i64)],
    names: &HashMap<String, String>,
) -> (Vec<(String, i64)>, usize) {
    let mut v: Vec<(String, i64)> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| (names.get(k).cloned().unwrap_or_else(|| k.clone()), *n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let hidden = v.len().saturating_sub(TOP_CATEGORIES);
    v.truncate(TOP_CATEGORIES);
    (v, hidden)
}

/// Received and closed per month, with the on-time rate as a dashed line.
fn trend_chart(points: &[MonthPoint]) -> String {
    let one_year = points
        .first()
        .zip(points.last())
        .is_some_and(|(a, b)| a.month[..4] == b.month[..4]);
    let labels: Vec<String> = points
        .iter()
        .map(|p| {
            if one_year {
                format!("{}月", p.month[5..].trim_start_matches('0'))
            } else {
                p.month.clone()
            }
        })
        .collect();
    let title = match (points.first(), one_year) {
        (Some(p), true) => format!("{} 年按月受理与结案", &p.month[..4]),
        _ => "按月受理与结案".to_owned(),
    };
    let received: Vec<i64> = points.iter().map(|p| p.received).collect();
    let closed: Vec<i64> = points.iter().map(|p| p.closed).collect();
    let rate: Vec<Option<f64>> = points.iter().map(|p| p.on_time_rate).collect();
    svg::trend_chart(
        "trend",
        &title,
        &labels,
        &[
            Series {
                name: "受理",
                values: &received,
                color: svg::BLUE,
            },
            Series {
                name: "结案",
                values: &closed,
                color: svg::GREEN,
            },
        ],
        Some(("按期办结率", &rate)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[(&str, i64)]) -> Vec<(String, i64)> {
        v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn states_are_labelled_in_life_order_and_channels_most_first() {
        let s = by_state(&counts(&[("closed", 2), ("submitted", 1)]));
        assert_eq!(s[0], ("待受理".to_owned(), 1));
        assert_eq!(s.len(), CaseState::ALL.len());
        assert_eq!(s.last(), Some(&("已结案".to_owned(), 2)));
        let c = by_channel(&counts(&[("window", 1), ("grid_report", 3), ("odd", 0)]));
        assert_eq!(
            c,
            [("网格上报".to_owned(), 3), ("窗口".to_owned(), 1)].to_vec()
        );
    }

    #[test]
    fn only_the_ten_largest_categories_are_drawn() {
        let raw: Vec<(String, i64)> = (1..=12).map(|i| (format!("c{i}"), i)).collect();
        let names = HashMap::from([("c12".to_owned(), "邻里".to_owned())]);
        let (top, hidden) = top_categories(&raw, &names);
        assert_eq!((top.len(), hidden), (10, 2));
        assert_eq!(top[0], ("邻里".to_owned(), 12));
        assert_eq!(top[9].1, 3);
    }

    #[test]
    fn one_year_of_months_is_labelled_by_month() {
        let p = |m: &str, r| MonthPoint {
            month: m.into(),
            received: r,
            closed: 0,
            closed_on_time: 0,
            on_time_rate: None,
        };
        let svg = trend_chart(&[p("2026-01", 1), p("2026-02", 0), p("2026-10", 2)]);
        assert!(svg.contains("2026 年按月受理与结案") && svg.contains(">10月<"));
        let svg = trend_chart(&[p("2025-12", 1), p("2026-01", 1)]);
        assert!(svg.contains(">2025-12<"));
    }
}
