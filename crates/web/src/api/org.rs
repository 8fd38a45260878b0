use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhili_app::org::NewUnit;
use zhili_app::AppError;
use zhili_domain::{DivisionCode, OrgUnit, Page, Paged, WorkArea};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BodyFilter {
    /// 所在区划代码（含其下级）
    division: Option<String>,
    /// body（调解组织）或 department（部门）
    #[serde(rename = "type")]
    unit_type: Option<String>,
    /// 名称包含
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// A mediation body or department as the API shows it.
#[derive(Serialize, ToSchema)]
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

#[utoipa::path(
    get, path = "/api/v1/bodies", tag = "organisation", summary = "调解组织与部门",
    params(BodyFilter),
    responses(
        (status = 200, description = "一页组织", body = super::Paged<UnitResponse>),
        (status = 422, description = "筛选条件有误", body = ErrorBody),
    ),
)]
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

#[utoipa::path(
    get, path = "/api/v1/bodies/{code}", tag = "organisation", summary = "一个调解组织或部门",
    params(("code" = String, Path, description = "组织代码，如 `370602001000-M01`")),
    responses(
        (status = 200, description = "组织", body = UnitResponse),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn get_body(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<UnitResponse>> {
    Ok(Json(s.app.unit(&u.actor, &code).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct CreateUnitRequest {
    /// body（调解组织）或 department（部门）
    #[serde(rename = "type")]
    unit_type: String,
    name: String,
    kind: Option<String>,
    sector: Option<String>,
    division: String,
}

#[utoipa::path(
    post, path = "/api/v1/bodies", tag = "organisation", summary = "新建调解组织或部门（系统管理员）",
    request_body = CreateUnitRequest,
    responses(
        (status = 201, description = "已创建", body = UnitResponse),
        (status = 403, description = "无权新建", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkAreaFilter {
    /// 乡镇（街道）代码
    township: String,
}

#[derive(Serialize, ToSchema)]
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

#[utoipa::path(
    get, path = "/api/v1/work-areas", tag = "organisation", summary = "一个乡镇（街道）的工作片区",
    params(WorkAreaFilter),
    responses(
        (status = 200, description = "片区", body = Vec<WorkAreaResponse>),
        (status = 404, description = "乡镇不存在或不在辖区内", body = ErrorBody),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
pub struct CreateWorkAreaRequest {
    /// 乡镇（街道）代码
    township: String,
    name: String,
    communities: Vec<String>,
}

#[utoipa::path(
    post, path = "/api/v1/work-areas", tag = "organisation", summary = "新建工作片区（系统管理员）",
    request_body = CreateWorkAreaRequest,
    responses(
        (status = 201, description = "已创建", body = WorkAreaResponse),
        (status = 403, description = "无权新建", body = ErrorBody),
        (status = 422, description = "字段有误（如社区不属于该乡镇）", body = ErrorBody),
    ),
)]
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
