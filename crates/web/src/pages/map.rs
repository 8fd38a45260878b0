//! 地图: Yantai's real county outlines; a county's or township's grids coloured by township or
//! community; each shape links one level down, a community's grids to the grid page.

use super::{error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::svg::map::{map, rings_of, Label, MapLayers, Shape};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use zhili_app::AppError;
use zhili_domain::geo::{yantai_county_outlines, County};
use zhili_domain::{DivisionCode, Level};

const PALETTE: [&str; 8] = [
    "#dbe9fb", "#e3f2df", "#fdebd3", "#efe1f5", "#fbe0e0", "#def3f3", "#f6f1d4", "#e6e6ef",
];

fn counties() -> &'static [County] {
    static C: OnceLock<Vec<County>> = OnceLock::new();
    C.get_or_init(|| {
        yantai_county_outlines().unwrap_or_else(|e| {
            tracing::error!(error = %e, "county outlines do not parse");
            Vec::new()
        })
    })
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    title: String,
    crumbs: Vec<(String, String)>,
    svg: String,
    legend: Vec<(String, &'static str)>,
    note: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MapQuery {
    division: String,
}

pub async fn map_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<MapQuery>,
) -> Response {
    match build(&s, &u, &q.division).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

async fn build(s: &AppState, u: &PageUser, division: &str) -> Result<MapPage, AppError> {
    let mut page = MapPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        title: "烟台市".into(),
        crumbs: vec![("/map".into(), "烟台市".into())],
        svg: String::new(),
        legend: Vec::new(),
        note: String::new(),
    };
    let code = match division.trim() {
        "" => None,
        d => Some(
            DivisionCode::parse(d)
                .map_err(|e| zhili_domain::ParseError::new("division", e.code, e.message))?,
        ),
    };
    let Some(code) = code.filter(|c| c.level() != Level::City) else {
        page.svg = city_map();
        page.note = "区市边界为真实数据（高德 GCJ-02 转 WGS-84）；高新区、经开区无单独边界，位于莱山区、福山区内。点击区市查看其网格。".into();
        return Ok(page);
    };
    let d = s.app.division(&u.actor, code.as_str()).await?;
    let mut up = Vec::new();
    let mut parent = code.parent();
    while let Some(p) = parent.filter(|p| p.level() != Level::City) {
        if let Ok(a) = s.app.division(&u.actor, p.as_str()).await {
            up.push((format!("/map?division={}", p), a.division.name));
        }
        parent = p.parent();
    }
    page.crumbs.extend(up.into_iter().rev());
    page.crumbs.push((
        format!("/map?division={}", d.division.code),
        d.division.name.clone(),
    ));
    page.title = d.division.name.clone();
    let grids = s.app.grids_in(&u.actor, Some(code.as_str())).await?;
    // Colour by the level below: townships in a county, communities in a township.
    let group_len = match code.level() {
        Level::County => 9,
        _ => 12,
    };
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for g in &grids {
        let n = groups.len();
        groups
            .entry(g.code.as_str()[..group_len].to_owned())
            .or_insert(n);
    }
    let names: BTreeMap<String, String> = s
        .app
        .children(&u.actor, &code)
        .await?
        .into_iter()
        .map(|c| (c.division.code.to_string(), c.division.name))
        .collect();
    let mut shapes = Vec::with_capacity(grids.len());
    for g in &grids {
        let key = &g.code.as_str()[..group_len];
        let i = groups.get(key).copied().unwrap_or(0);
        let child = if group_len == 9 {
            format!("{key}000")
        } else {
            key.to_owned()
        };
        let href = if group_len == 9 {
            format!("/map?division={child}")
        } else {
            format!("/grid?code={}", g.code)
        };
        shapes.push(Shape {
            rings: super::grid::rings(g),
            fill: PALETTE[i % PALETTE.len()].into(),
            stroke: "#8a94a3",
            stroke_width: if group_len == 9 { 0.3 } else { 0.6 },
            title: format!(
                "{} · {} {}",
                names.get(&child).map(String::as_str).unwrap_or(""),
                g.name,
                g.code
            ),
            href: Some(href),
        });
    }
    if let Some(c) = counties().iter().find(|c| c.code == code.as_str()) {
        shapes.push(Shape {
            rings: rings_of(&c.outline),
            fill: "none".into(),
            stroke: "#1d2733",
            stroke_width: 1.5,
            title: c.name.clone(),
            href: None,
        });
    }
    page.legend = groups
        .keys()
        .take(16)
        .map(|k| {
            let child = if group_len == 9 {
                format!("{k}000")
            } else {
                k.clone()
            };
            let i = groups.get(k).copied().unwrap_or(0);
            (
                names.get(&child).cloned().unwrap_or(child),
                PALETTE[i % PALETTE.len()],
            )
        })
        .collect();
    page.note = format!(
        "{} 个网格（演示地图为合成数据）。点击{}。",
        grids.len(),
        if group_len == 9 {
            "镇街查看其村居网格"
        } else {
            "网格进入网格工作页"
        }
    );
    page.svg = map(
        "division-map",
        &format!("{}网格地图", d.division.name),
        &page.note,
        720.0,
        &MapLayers {
            shapes,
            dots: Vec::new(),
            labels: Vec::new(),
        },
    );
    Ok(page)
}

/// The city: county outlines, each linking to its grids, labelled.
fn city_map() -> String {
    let cs = counties();
    let shapes = cs
        .iter()
        .enumerate()
        .map(|(i, c)| Shape {
            rings: rings_of(&c.outline),
            fill: PALETTE[i % PALETTE.len()].into(),
            stroke: "#1d2733",
            stroke_width: 1.0,
            title: format!("{} {}", c.name, c.code),
            href: Some(format!("/map?division={}", c.code)),
        })
        .collect();
    let labels = cs
        .iter()
        .filter_map(|c| {
            c.outline.representative_point().map(|p| Label {
                lon: p.lon,
                lat: p.lat,
                text: c.name.clone(),
            })
        })
        .collect();
    map(
        "city-map",
        "烟台市区市地图",
        "烟台市 11 个有边界的区市",
        720.0,
        &MapLayers {
            shapes,
            dots: Vec::new(),
            labels,
        },
    )
}
