//! 指数报告: the archive with its publish form (`/reports`) and one issue as a printable page
//! with its map, ranking, trends, dimension bars and warnings (`/reports/{index}/{n}`), or
//! as a workbook (`/reports/{index}/{n}.xlsx`). Readable with the session cookie or, for
//! scripts and the acceptance checks, a bearer token.

use super::{beijing_minute, error_page, render, Nav, EDITION_NOTE};
use crate::extract::{client_addr, PageUser};
use crate::svg;
use crate::svg::report::{choropleth, legend, sparkline};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use zhili_app::index::{manages_indices, month_of, specs};
use zhili_app::ports::SessionKind;
use zhili_app::report::ReportIssue;
use zhili_app::Actor;
use zhili_domain::geo::ZONE_HOSTS;

/// A reader of reports: the session cookie (with the header's navigation) or a bearer token.
pub struct Reader {
    pub actor: Actor,
    pub page: Option<PageUser>,
}

impl FromRequestParts<AppState> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(|t| t.trim().to_owned());
        if let Some(token) = bearer.filter(|t| !t.is_empty()) {
            return match state
                .app
                .authenticate(&token, SessionKind::Bearer, &client_addr(parts))
                .await
            {
                Ok((actor, _)) => Ok(Reader { actor, page: None }),
                Err(e) => Err(error_page(&e)),
            };
        }
        let page = PageUser::from_request_parts(parts, state).await?;
        Ok(Reader {
            actor: page.actor.clone(),
            page: Some(page),
        })
    }
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    entries: Vec<(String, String, String, String, String)>,
    indices: Vec<(String, String)>,
    can_publish: bool,
    csrf: String,
    default_period: String,
    error: Option<String>,
}

async fn archive(s: &AppState, r: &Reader, error: Option<String>) -> Response {
    let entries = match s.app.reports(&r.actor).await {
        Ok(e) => e,
        Err(e) => return error_page(&e),
    };
    let page = ReportsPage {
        nav: r.page.as_ref().and_then(Nav::of),
        edition_note: EDITION_NOTE,
        entries: entries
            .into_iter()
            .map(|e| {
                (
                    format!("/reports/{}/{}", e.index_id, e.issue_no),
                    e.title,
                    e.period,
                    beijing_minute(e.published_at_ms),
                    e.published_by,
                )
            })
            .collect(),
        indices: specs()
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        can_publish: r.page.is_some() && manages_indices(&r.actor),
        csrf: r.page.as_ref().map(|p| p.csrf.clone()).unwrap_or_default(),
        default_period: month_of(s.app.now_ms()).to_string(),
        error,
    };
    render(&page)
}

pub async fn reports(State(s): State<AppState>, r: Reader) -> Response {
    archive(&s, &r, None).await
}

#[derive(Deserialize)]
pub struct PublishForm {
    csrf: String,
    index: String,
    period: String,
}

pub async fn publish(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<PublishForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s
        .app
        .publish_report(&u.actor, &f.index, f.period.trim())
        .await
    {
        Ok(no) => Redirect::to(&format!("/reports/{}/{no}", f.index)).into_response(),
        Err(e @ zhili_app::AppError::Invalid(_)) => {
            let r = Reader {
                actor: u.actor.clone(),
                page: Some(u),
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                archive(&s, &r, Some(crate::error::describe(&e).1.message)).await,
            )
                .into_response()
        }
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    title: String,
    index_id: String,
    issue_no: i64,
    period: String,
    published: String,
    published_by: String,
    summary: Vec<String>,
    map: String,
    legend: String,
    zone_note: String,
    dims: Vec<String>,
    trend_span: String,
    /// Whether the issue holds rank intervals (issues published before do not).
    has_intervals: bool,
    sensitivity_note: String,
    rows: Vec<Row>,
    dim_charts: Vec<(String, String)>,
    warnings: Vec<WarnRow>,
}

struct Row {
    code: String,
    rank: String,
    name: String,
    note: String,
    score: String,
    change: String,
    rank_change: String,
    /// 「3–6」 and the median, or empty.
    interval: String,
    median: String,
    /// `real` (变化显著) or `uncertain` (在不确定范围内) with its label, or empty.
    change_class: &'static str,
    change_label: &'static str,
    dims: Vec<String>,
    spark: String,
    levels: Vec<(String, String)>,
}

struct WarnRow {
    level: String,
    label: String,
    name: String,
    message: String,
}

fn two(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.2}")).unwrap_or_else(|| "—".into())
}

fn signed(v: Option<f64>) -> String {
    match v {
        Some(x) if x > 0.0 => format!("+{x:.2}"),
        Some(x) => format!("{x:.2}"),
        None => "—".into(),
    }
}

fn issue_page(issue: ReportIssue, nav: Option<Nav>) -> ReportPage {
    let b = &issue.body;
    let names: HashMap<&str, &str> = b
        .units
        .iter()
        .map(|u| (u.unit.as_str(), u.name.as_str()))
        .collect();
    let mut on_map = HashMap::new();
    for u in &b.units {
        on_map.insert(u.unit.clone(), (u.name.clone(), u.score));
    }
    let mut zone_notes = Vec::new();
    let mut rows = Vec::new();
    for (k, u) in b.units.iter().enumerate() {
        let host = ZONE_HOSTS
            .iter()
            .find(|(z, _)| *z == u.unit)
            .map(|(_, h)| *h);
        let note = host
            .map(|h| format!("（地图上并入{}）", names.get(h).unwrap_or(&h)))
            .unwrap_or_default();
        if let Some(h) = host {
            zone_notes.push(format!(
                "{}位于{}境内，地图按{}着色，得分见排名表",
                u.name,
                names.get(h).unwrap_or(&h),
                names.get(h).unwrap_or(&h)
            ));
        }
        let mut levels: Vec<(String, String)> = Vec::new();
        for w in &u.warnings {
            if !levels.iter().any(|l| l.0 == w.level) {
                levels.push((w.level.clone(), w.level_label.clone()));
            }
        }
        rows.push(Row {
            code: u.unit.clone(),
            rank: u.rank.map(|r| r.to_string()).unwrap_or_else(|| "—".into()),
            name: u.name.clone(),
            note,
            score: two(u.score),
            change: signed(u.change),
            rank_change: match u.rank_change {
                Some(n) if n > 0 => format!("↑{n}"),
                Some(n) if n < 0 => format!("↓{}", -n),
                Some(_) => "—".into(),
                None => "".into(),
            },
            interval: u.rank_interval.map(|i| i.label()).unwrap_or_default(),
            median: u
                .rank_interval
                .map(|i| i.median.to_string())
                .unwrap_or_default(),
            change_class: match u.rank_change_significant {
                Some(true) => "real",
                Some(false) => "uncertain",
                None => "",
            },
            change_label: match u.rank_change_significant {
                Some(true) => "变化显著",
                Some(false) => "在不确定范围内",
                None => "",
            },
            dims: b
                .dimensions
                .iter()
                .map(|d| two(u.dimensions.get(&d.id).copied()))
                .collect(),
            spark: sparkline(
                &format!("t-{}", u.unit),
                &u.name,
                &b.trend_periods,
                b.trends.get(k).map(Vec::as_slice).unwrap_or(&[]),
            ),
            levels,
        });
    }
    let dim_charts = b
        .dimensions
        .iter()
        .map(|d| {
            let data: Vec<(String, i64)> = b
                .units
                .iter()
                .map(|u| {
                    (
                        u.name.clone(),
                        u.dimensions
                            .get(&d.id)
                            .map(|v| v.round() as i64)
                            .unwrap_or(0),
                    )
                })
                .collect();
            let chart = svg::bar_chart(
                &format!("d-{}", d.id),
                &format!("{}（分）", d.name),
                &data,
                svg::BLUE,
            );
            (d.name.clone(), chart)
        })
        .collect();
    let mut warnings: Vec<WarnRow> = Vec::new();
    for lv in ["red", "orange", "yellow", "blue"] {
        for u in &b.units {
            for w in u.warnings.iter().filter(|w| w.level == lv) {
                warnings.push(WarnRow {
                    level: w.level.clone(),
                    label: w.level_label.clone(),
                    name: u.name.clone(),
                    message: w.message.clone(),
                });
            }
        }
    }
    ReportPage {
        nav,
        edition_note: EDITION_NOTE,
        title: issue.title,
        index_id: issue.index_id,
        issue_no: issue.issue_no,
        period: issue.period,
        published: beijing_minute(issue.published_at_ms),
        published_by: issue.published_by,
        summary: b.summary.clone(),
        map: choropleth(
            "report-map",
            &format!("{} {} 各区市得分", b.index_name, b.period),
            &on_map,
        ),
        legend: legend("report-legend"),
        zone_note: if zone_notes.is_empty() {
            String::new()
        } else {
            format!("注：{}。", zone_notes.join("；"))
        },
        dims: b.dimensions.iter().map(|d| d.name.clone()).collect(),
        trend_span: match (b.trend_periods.first(), b.trend_periods.last()) {
            (Some(a), Some(z)) if a != z => format!("{a} 至 {z}"),
            (Some(a), _) => a.clone(),
            _ => String::new(),
        },
        has_intervals: b.units.iter().any(|u| u.rank_interval.is_some()),
        sensitivity_note: b
            .sensitivity
            .as_ref()
            .map(|i| i.explain_zh())
            .unwrap_or_default(),
        rows,
        dim_charts,
        warnings: std::mem::take(&mut warnings),
    }
}

/// `/reports/{index}/{n}` and `/reports/{index}/{n}.xlsx`.
pub async fn report(
    State(s): State<AppState>,
    r: Reader,
    Path((index, n)): Path<(String, String)>,
) -> Response {
    let (number, xlsx) = match n.strip_suffix(".xlsx") {
        Some(x) => (x, true),
        None => (n.as_str(), false),
    };
    let Ok(no) = number.parse::<i64>() else {
        return error_page(&zhili_app::AppError::NotFound { what: "report" });
    };
    let issue = match s.app.report(&r.actor, &index, no).await {
        Ok(i) => i,
        Err(e) => return error_page(&e),
    };
    if xlsx {
        return super::report_xlsx::workbook(&issue);
    }
    render(&issue_page(issue, r.page.as_ref().and_then(Nav::of)))
}
