//! The grid worker's phone page (网格工作): my grid's map with its buildings, the 人房两清
//! counts, record a visit, report a problem at a point (a case with channel 网格上报).

use super::{beijing, error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::svg::map::{map, Dot, Label, MapLayers, Shape};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::case::NewCaseRequest;
use zhili_app::ports::{BuildingRecord, GridRecord};
use zhili_app::AppError;
use zhili_domain::case::CaseKind;
use zhili_domain::registry::Consistency;
use zhili_domain::Page;

/// A grid's outline as map rings.
pub fn rings(g: &GridRecord) -> Vec<Vec<(f64, f64)>> {
    let v: serde_json::Value = serde_json::from_str(&g.geometry).unwrap_or_default();
    match zhili_app::grid::parse_geometry(&v, false) {
        Ok(mp) => crate::svg::map::rings_of(&mp),
        Err(_) => Vec::new(),
    }
}

struct VisitRow {
    at: String,
    who: String,
    building: String,
    found: String,
    case_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "grid.html")]
struct GridPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    grids: Vec<(String, String)>,
    grid: Option<GridRecord>,
    map_svg: String,
    buildings: Vec<BuildingRecord>,
    buildings_total: i64,
    consistency: Option<Consistency>,
    visits: Vec<VisitRow>,
    categories: Vec<(String, String)>,
    message: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct GridQuery {
    code: String,
    ok: String,
    case: Option<i64>,
}

pub async fn grid_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<GridQuery>,
) -> Response {
    match build(&s, &u, &q.code, None).await {
        Ok(mut p) => {
            p.message = match (q.ok.as_str(), q.case) {
                ("visit", _) => Some("走访记录已保存。".into()),
                ("report", Some(id)) => Some(format!("问题已上报，案件编号见案件页（#{id}）。")),
                _ => None,
            };
            render(&p)
        }
        Err(e) => error_page(&e),
    }
}

async fn build(
    s: &AppState,
    u: &PageUser,
    code: &str,
    error: Option<String>,
) -> Result<GridPage, AppError> {
    let app = &s.app;
    let mut mine = app.my_grids(&u.actor).await?;
    if mine.is_empty() {
        mine = app
            .grids_in(&u.actor, None)
            .await?
            .into_iter()
            .take(200)
            .collect();
    }
    let grids: Vec<(String, String)> = mine
        .iter()
        .map(|g| (g.code.to_string(), g.name.clone()))
        .collect();
    let chosen = if code.is_empty() {
        grids.first().map(|g| g.0.clone())
    } else {
        Some(code.to_owned())
    };
    let mut page = GridPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        grids,
        grid: None,
        map_svg: String::new(),
        buildings: Vec::new(),
        buildings_total: 0,
        consistency: None,
        visits: Vec::new(),
        categories: Vec::new(),
        message: None,
        error,
    };
    let Some(code) = chosen else { return Ok(page) };
    let g = app.grid(&u.actor, &code).await?;
    let community = g.community_code.to_string();
    let siblings = app.grids_in(&u.actor, Some(&community)).await?;
    let b = app
        .buildings(
            &u.actor,
            Some(&community),
            Some(&code),
            Page {
                number: 1,
                size: 500,
            },
        )
        .await?;
    let mut shapes: Vec<Shape> = siblings
        .iter()
        .filter(|x| x.code != g.code)
        .map(|x| Shape {
            rings: rings(x),
            fill: "#f1f3f5".into(),
            stroke: "#adb5bd",
            stroke_width: 0.8,
            title: format!("{} {}", x.name, x.code),
            href: Some(format!("/grid?code={}", x.code)),
        })
        .collect();
    shapes.push(Shape {
        rings: rings(&g),
        fill: "#dbe9fb".into(),
        stroke: "#1a5fb4",
        stroke_width: 2.0,
        title: format!("{} {}", g.name, g.code),
        href: None,
    });
    let dots = b
        .items
        .iter()
        .filter_map(|x| {
            x.location.map(|p| Dot {
                lon: p.lon,
                lat: p.lat,
                color: "#b3261e",
                title: format!("{} {}", x.name, x.code),
            })
        })
        .collect::<Vec<_>>();
    let labels = Vec::<Label>::new();
    page.map_svg = map(
        "grid-map",
        &format!("{}地图", g.name),
        &format!("本网格及同村居其他网格，{} 栋楼", dots.len()),
        480.0,
        &MapLayers {
            shapes,
            dots,
            labels,
        },
    );
    page.consistency = Some(
        app.consistency(&u.actor, Some(&community), Some(&code), None)
            .await?,
    );
    page.visits = app
        .visits(&u.actor, &code, 20)
        .await?
        .into_iter()
        .map(|v| VisitRow {
            at: beijing(v.at_ms),
            who: v.username,
            building: v.building_code.map(|b| b.to_string()).unwrap_or_default(),
            found: v.found,
            case_id: v.case_id,
        })
        .collect();
    page.categories = app
        .categories()
        .await?
        .into_iter()
        .filter(|c| {
            c.parent.is_some() && matches!(c.kind, CaseKind::Hazard | CaseKind::ServiceRequest)
        })
        .map(|c| (c.code, c.name))
        .collect();
    page.buildings_total = b.total;
    page.buildings = b.items;
    page.grid = Some(g);
    Ok(page)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct VisitForm {
    csrf: String,
    grid: String,
    building_code: String,
    found: String,
}

pub async fn add_visit(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<VisitForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let location = building_point(&s, &u, &f.grid, &f.building_code).await;
    match s
        .app
        .record_visit(
            &u.actor,
            &f.grid,
            Some(&f.building_code),
            location,
            &f.found,
            None,
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/grid?code={}&ok=visit", f.grid)).into_response(),
        Err(AppError::Invalid(e)) => again(&s, &u, &f.grid, e.message).await,
        Err(e) => error_page(&e),
    }
}

/// The building's point, when the visit or report names a building.
async fn building_point(
    s: &AppState,
    u: &PageUser,
    grid: &str,
    building: &str,
) -> Option<(f64, f64)> {
    if building.is_empty() {
        return None;
    }
    let b = s
        .app
        .buildings(
            &u.actor,
            Some(grid.get(..12)?),
            Some(grid),
            Page {
                number: 1,
                size: 1000,
            },
        )
        .await
        .ok()?;
    b.items
        .into_iter()
        .find(|x| x.code.as_str() == building)?
        .location
        .map(|p| (p.lat, p.lon))
}

async fn again(s: &AppState, u: &PageUser, grid: &str, msg: String) -> Response {
    match build(s, u, grid, Some(msg)).await {
        Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReportForm {
    csrf: String,
    grid: String,
    building_code: String,
    category: String,
    title: String,
    description: String,
    lat: String,
    lon: String,
    /// 已就地解决: checked when the worker fixed it there and then …
    on_spot: String,
    /// … and what they did.
    done: String,
}

/// Report a problem found on patrol: a case at the building's (or the typed) point, recorded
/// as a visit too. Checked 已就地解决, the case is created resolved (就地办结) and waits for
/// the dispatcher's verification.
pub async fn report(State(s): State<AppState>, u: PageUser, Form(f): Form<ReportForm>) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let typed = f
        .lat
        .trim()
        .parse::<f64>()
        .ok()
        .zip(f.lon.trim().parse::<f64>().ok());
    let location = match typed {
        Some(p) => Some(p),
        None => building_point(&s, &u, &f.grid, &f.building_code).await,
    };
    let kind = match s.app.category(f.category.trim()).await {
        Ok(c) => c.kind.as_str().to_owned(),
        Err(e) => return again(&s, &u, &f.grid, super::super::error::describe(&e).1.message).await,
    };
    let req = NewCaseRequest {
        kind,
        category: f.category.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        channel: "grid_report".into(),
        community_code: f.grid.get(..12).unwrap_or_default().to_owned(),
        parties: Vec::new(),
        address: (!f.building_code.is_empty()).then(|| f.building_code.clone()),
        location,
    };
    let on_spot = !f.on_spot.is_empty();
    let created = if on_spot {
        s.app.report_resolved_on_spot(&u.actor, req, &f.done).await
    } else {
        s.app.create_case(&u.actor, req).await
    };
    let created = match created {
        Ok(c) => c,
        Err(AppError::Invalid(e)) => return again(&s, &u, &f.grid, e.message).await,
        Err(e) => return error_page(&e),
    };
    let id = created.case.id;
    let found = if on_spot {
        format!(
            "发现问题并就地解决：{}（{}）：{}",
            f.title.trim(),
            created.case.number,
            f.done.trim()
        )
    } else {
        format!(
            "发现问题并上报：{}（{}）",
            f.title.trim(),
            created.case.number
        )
    };
    if let Err(e) = s
        .app
        .record_visit(
            &u.actor,
            &f.grid,
            Some(&f.building_code),
            location,
            &found,
            Some(id),
        )
        .await
    {
        tracing::warn!(error = %e, "visit for a reported problem was not recorded");
    }
    Redirect::to(&format!("/cases/{id}")).into_response()
}
