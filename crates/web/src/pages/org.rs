//! The organisation browser: from the user's home node down to every community, with
//! counts, the bodies and departments at each level, and search by name or code.

use super::{error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhili_app::{Actor, App, AppResult};
use zhili_domain::{Level, LevelCounts, NodeCode, OrgUnit, Page};

pub struct Row {
    code: String,
    name: String,
    kind: String,
    counts: Vec<i64>,
}

pub struct UnitRow {
    code: String,
    name: String,
    kind: String,
    sector: String,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    crumbs: Vec<(String, String)>,
    q: String,
    title: String,
    subtitle: String,
    facts: Vec<(&'static str, i64)>,
    rows_title: String,
    count_heads: Vec<&'static str>,
    rows: Vec<Row>,
    more: i64,
    units: Vec<UnitRow>,
    empty_note: &'static str,
    /// A community's code, for the link to its QR poster.
    qr: Option<String>,
}

impl OrgPage {
    fn new(u: &PageUser, title: String) -> Self {
        Self {
            nav: Nav::of(u),
            edition_note: EDITION_NOTE,
            crumbs: Vec::new(),
            q: String::new(),
            title,
            subtitle: String::new(),
            facts: Vec::new(),
            rows_title: String::new(),
            count_heads: Vec::new(),
            rows: Vec::new(),
            more: 0,
            units: Vec::new(),
            empty_note: "此处没有下级单位。",
            qr: None,
        }
    }
}

fn unit_row(u: OrgUnit) -> UnitRow {
    let kind = match zhili_domain::MediationKind::parse(&u.kind) {
        Ok(k) => k.label().to_owned(),
        Err(_) => "部门".to_owned(),
    };
    UnitRow {
        code: u.code.to_string(),
        name: u.name,
        kind,
        sector: u.sector.map(|s| s.label().to_owned()).unwrap_or_default(),
    }
}

fn count_cells(level: Level, c: &LevelCounts) -> Vec<i64> {
    match level {
        Level::County => vec![c.township, c.community],
        Level::Township => vec![c.work_area, c.community],
        _ => vec![],
    }
}

#[derive(Deserialize)]
pub struct Search {
    q: Option<String>,
}

/// `/org`: the user's home node, or search results for `?q=`.
pub async fn org_index(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<Search>,
) -> Response {
    let q = f.q.unwrap_or_default().trim().to_owned();
    if q.is_empty() {
        return Redirect::to(&format!("/org/{}", u.actor.scope.home())).into_response();
    }
    match search(&s.app, &u, &q).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

async fn search(app: &App, u: &PageUser, q: &str) -> AppResult<OrgPage> {
    let mut p = OrgPage::new(u, format!("搜索「{q}」"));
    p.q = q.to_owned();
    let found = app
        .list_divisions(&u.actor, None, None, Some(q), Page::new(Some(1), Some(100)))
        .await?;
    p.rows_title = format!("行政区划（{} 个）", found.total);
    p.more = found.total - found.items.len() as i64;
    p.rows = found
        .items
        .into_iter()
        .map(|d| Row {
            code: d.code.to_string(),
            name: d.name.clone(),
            kind: format!("{} · {}", d.level.label(), d.kind.label()),
            counts: vec![],
        })
        .collect();
    let units = app
        .list_units(&u.actor, None, None, Some(q), Page::new(Some(1), Some(100)))
        .await?;
    p.units = units.items.into_iter().map(unit_row).collect();
    p.empty_note = "没有找到匹配的区划或单位。";
    Ok(p)
}

pub async fn org_node(
    State(s): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
) -> Response {
    let result = match NodeCode::parse(&code) {
        Ok(NodeCode::Division(_)) => division_page(&s.app, &u, &code).await,
        Ok(wa @ NodeCode::WorkArea { .. }) => work_area_page(&s.app, &u, &wa).await,
        Ok(_) => unit_page(&s.app, &u, &code).await,
        Err(_) => Err(zhili_app::AppError::NotFound { what: "division" }),
    };
    match result {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

async fn crumbs(
    app: &App,
    actor: &Actor,
    code: &zhili_domain::DivisionCode,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in app.visible_ancestors(actor, code) {
        let name = app
            .node_name(&NodeCode::Division(c.clone()))
            .await
            .unwrap_or_else(|_| c.to_string());
        out.push((c.to_string(), name));
    }
    out
}

async fn division_page(app: &App, u: &PageUser, code: &str) -> AppResult<OrgPage> {
    let d = app.division(&u.actor, code).await?;
    let div = &d.division;
    let mut p = OrgPage::new(u, div.name.clone());
    p.crumbs = crumbs(app, &u.actor, &div.code).await;
    p.subtitle = format!(
        "{} · {} · {}",
        div.code,
        div.level.label(),
        div.kind.label()
    );
    if div.level == Level::Community {
        p.qr = Some(div.code.to_string());
    }
    let c = d.counts;
    p.facts = super::home::facts_below(div.level, &c);
    let children = app.children(&u.actor, &div.code).await?;
    if let Some(first) = children.first() {
        let lvl = first.division.level;
        p.rows_title = format!("下辖{}（{} 个）", lvl.label(), children.len());
        p.count_heads = match lvl {
            Level::County => vec!["镇街", "村居"],
            Level::Township => vec!["工作区片", "村居"],
            _ => vec![],
        };
        p.rows = children
            .into_iter()
            .map(|r| Row {
                code: r.division.code.to_string(),
                name: r.short_name,
                kind: r.division.kind.label().to_owned(),
                counts: count_cells(r.division.level, &r.counts),
            })
            .collect();
    }
    if div.level == Level::Township {
        let areas = app.work_areas_of(&u.actor, &div.code).await?;
        if !areas.is_empty() {
            // Work areas first, as their own rows, then the communities.
            let mut rows: Vec<Row> = areas
                .into_iter()
                .map(|w| Row {
                    code: w.code.to_string(),
                    name: w.name,
                    kind: "工作区片".into(),
                    counts: vec![],
                })
                .collect();
            rows.append(&mut p.rows);
            p.rows = rows;
        }
    }
    p.units = app
        .units_at(&u.actor, &div.code)
        .await?
        .into_iter()
        .map(unit_row)
        .collect();
    Ok(p)
}

async fn work_area_page(app: &App, u: &PageUser, code: &NodeCode) -> AppResult<OrgPage> {
    let wa = app.work_area(&u.actor, code).await?;
    let mut p = OrgPage::new(u, wa.name.clone());
    p.crumbs = crumbs(app, &u.actor, &wa.township_code).await;
    if u.actor.scope.sees_division(&wa.township_code) {
        let name = app
            .node_name(&NodeCode::Division(wa.township_code.clone()))
            .await?;
        p.crumbs.push((wa.township_code.to_string(), name));
    }
    p.subtitle = format!("{} · 工作区片", wa.code);
    let members = app
        .list_divisions(
            &u.actor,
            None,
            Some(&wa.code.to_string()),
            None,
            Page::new(Some(1), Some(Page::MAX_SIZE)),
        )
        .await?;
    p.rows_title = format!("包含村居（{} 个）", members.total);
    p.rows = members
        .items
        .into_iter()
        .map(|d| Row {
            code: d.code.to_string(),
            name: d.short_name().to_owned(),
            kind: d.kind.label().to_owned(),
            counts: vec![],
        })
        .collect();
    Ok(p)
}

async fn unit_page(app: &App, u: &PageUser, code: &str) -> AppResult<OrgPage> {
    let unit = app.unit(&u.actor, code).await?;
    let mut p = OrgPage::new(u, unit.name.clone());
    p.crumbs = crumbs(app, &u.actor, &unit.division_code).await;
    if u.actor.scope.sees_division(&unit.division_code) {
        let name = app
            .node_name(&NodeCode::Division(unit.division_code.clone()))
            .await?;
        p.crumbs.push((unit.division_code.to_string(), name));
    }
    let row = unit_row(unit);
    p.subtitle = format!(
        "{} · {}{}",
        row.code,
        row.kind,
        if row.sector.is_empty() {
            String::new()
        } else {
            format!(" · {}", row.sector)
        }
    );
    p.empty_note = "案件、调解员等信息将在此显示。";
    Ok(p)
}
