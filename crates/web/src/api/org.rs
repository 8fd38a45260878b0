use crate::error::ApiResult;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use zhili_app::org::NewUnit;
use zhili_app::AppError;
use zhili_domain::{DivisionCode, OrgUnit, Page, Paged, WorkArea};

#[derive(Deserialize)]
pub struct BodyFilter {
    division: Option<String>,
    #[serde(rename = "type")]
    unit_type: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// A mediation body or department as the API shows it.
#[derive(Serialize)]
pub struct UnitResponse {
    code: String,
    name: String,
    #[serde(rename = "type")]
    unit_type: &'static str,
    kind: String,
    sector: Option<&'static str>,
    sector_label: Option<&'static str>,
    level: &'static str,
    division_code: String,
}

impl From<OrgUnit> for UnitResponse {
    fn from(u: OrgUnit) -> Self {
        Self {
            code: u.code.to_string(),
            name: u.name,
            unit_type: u.unit_type.as_str(),
            kind: u.kind,
            sector: u.sector.map(|s| s.as_str()),
            sector_label: u.sector.map(|s| s.label()),
            level: u.level.as_str(),
            division_code: u.division_code.to_string(),
        }
    }
}

pub async fn list_bodies(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<BodyFilter>,
) -> ApiResult<Json<Paged<UnitResponse>>> {
    let page = s
        .app
        .list_units(
            &u.actor,
            f.division.as_deref(),
            f.unit_type.as_deref(),
            f.q.as_deref(),
            Page::new(f.page, f.page_size),
        )
        .await?;
    Ok(Json(page.map(UnitResponse::from)))
}

pub async fn get_body(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<UnitResponse>> {
    Ok(Json(s.app.unit(&u.actor, &code).await?.into()))
}

#[derive(Deserialize)]
pub struct CreateUnitRequest {
    #[serde(rename = "type")]
    unit_type: String,
    name: String,
    kind: Option<String>,
    sector: Option<String>,
    division: String,
}

pub async fn create_body(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(r): JsonBody<CreateUnitRequest>,
) -> ApiResult<(StatusCode, Json<UnitResponse>)> {
    let new = NewUnit {
        unit_type: &r.unit_type,
        name: &r.name,
        kind: r.kind.as_deref(),
        sector: r.sector.as_deref(),
        division: &r.division,
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_unit(&u.actor, new).await?.into()),
    ))
}

#[derive(Deserialize)]
pub struct WorkAreaFilter {
    township: String,
}

#[derive(Serialize)]
pub struct WorkAreaResponse {
    code: String,
    name: String,
    township_code: String,
}

impl From<WorkArea> for WorkAreaResponse {
    fn from(w: WorkArea) -> Self {
        Self {
            code: w.code.to_string(),
            name: w.name,
            township_code: w.township_code.to_string(),
        }
    }
}

pub async fn list_work_areas(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<WorkAreaFilter>,
) -> ApiResult<Json<Vec<WorkAreaResponse>>> {
    let township =
        DivisionCode::parse(&f.township).map_err(|_| AppError::NotFound { what: "division" })?;
    if !u.actor.scope.sees_division(&township) {
        return Err(AppError::NotFound { what: "division" }.into());
    }
    let areas = s.app.work_areas_of(&u.actor, &township).await?;
    Ok(Json(
        areas.into_iter().map(WorkAreaResponse::from).collect(),
    ))
}

#[derive(Deserialize)]
pub struct CreateWorkAreaRequest {
    township: String,
    name: String,
    communities: Vec<String>,
}

pub async fn create_work_area(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(r): JsonBody<CreateWorkAreaRequest>,
) -> ApiResult<(StatusCode, Json<WorkAreaResponse>)> {
    let wa = s
        .app
        .create_work_area(&u.actor, &r.township, &r.name, &r.communities)
        .await?;
    Ok((StatusCode::CREATED, Json(wa.into())))
}
