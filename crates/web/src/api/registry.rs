//! Grids, the registry and imports: `/api/v1/grids`, `/api/v1/residents`,
//! `/api/v1/registry/consistency`, `/api/v1/buildings`, `/api/v1/import/{kind}`.

use super::Paging;
use crate::error::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use zhili_app::import_table::TableSource;
use zhili_app::ports::{BuildingRecord, DwellingRecord, Visit};
use zhili_app::registry::ResidentView;
use zhili_app::registry_import::{ImportKind, ImportOptions, ImportReport};
use zhili_app::AppError;
use zhili_domain::registry::Consistency;
use zhili_domain::Paged;

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegistryFilter {
    /// A division (any level) or, for grids, `community`.
    division: Option<String>,
    /// 社区代码（同 `division`）
    community: Option<String>,
    /// 网格代码
    grid: Option<String>,
    /// An ID number or phone, matched exactly through its keyed hash.
    lookup: Option<String>,
    /// 多少天未走访算「久未走访」（人房两清统计用）
    stale_days: Option<i64>,
}

impl RegistryFilter {
    fn division(&self) -> Option<&str> {
        self.division.as_deref().or(self.community.as_deref())
    }
}

/// `GET /api/v1/grids?community=CODE` → a GeoJSON FeatureCollection (WGS-84).
#[utoipa::path(
    get, path = "/api/v1/grids", tag = "registry", summary = "网格边界（GeoJSON，WGS-84）",
    params(RegistryFilter),
    responses(
        (status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json", body = Object),
        (status = 404, description = "区划不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn grids(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<RegistryFilter>,
) -> ApiResult<Response> {
    let fc = s.app.grids_geojson(&u.actor, f.division()).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(fc)).into_response())
}

#[utoipa::path(
    get, path = "/api/v1/residents", tag = "registry", summary = "辖区内的人口（证件号、电话已脱敏）",
    params(RegistryFilter, Paging),
    responses(
        (status = 200, description = "一页人口", body = super::Paged<Object>),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 422, description = "筛选条件有误", body = ErrorBody),
    ),
)]
pub async fn residents(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<RegistryFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Paged<ResidentView>>> {
    Ok(Json(
        s.app
            .residents(
                &u.actor,
                f.division(),
                f.grid.as_deref(),
                f.lookup.as_deref(),
                p.page(),
            )
            .await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/residents/{id}", tag = "registry", summary = "一位居民（已脱敏）",
    params(("id" = i64, Path, description = "居民 ID")),
    responses(
        (status = 200, description = "居民", body = Object),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn resident(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(s.app.resident(&u.actor, id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RevealBody {
    /// 查看原文的事由（必填，记入审计）
    #[serde(default)]
    purpose: String,
}

#[utoipa::path(
    post, path = "/api/v1/residents/{id}/reveal", tag = "registry", summary = "查看居民的未脱敏信息（须说明事由，记入审计）",
    params(("id" = i64, Path, description = "居民 ID")),
    request_body = RevealBody,
    responses(
        (status = 200, description = "未脱敏的居民信息", body = Object),
        (status = 403, description = "该角色不能查看原文", body = ErrorBody),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
        (status = 422, description = "未说明事由", body = ErrorBody),
    ),
)]
pub async fn reveal(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<RevealBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(s.app.reveal_resident(&u.actor, id, &b.purpose).await?))
}

#[utoipa::path(
    get, path = "/api/v1/registry/consistency", tag = "registry", summary = "人房两清统计",
    params(RegistryFilter),
    responses(
        (status = 200, description = "各项计数", body = Object),
        (status = 404, description = "区划或网格不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn consistency(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<RegistryFilter>,
) -> ApiResult<Json<Consistency>> {
    Ok(Json(
        s.app
            .consistency(&u.actor, f.division(), f.grid.as_deref(), f.stale_days)
            .await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/buildings", tag = "registry", summary = "辖区内的楼栋",
    params(RegistryFilter, Paging),
    responses(
        (status = 200, description = "一页楼栋", body = super::Paged<Object>),
        (status = 404, description = "区划不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn buildings(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<RegistryFilter>,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Paged<BuildingRecord>>> {
    Ok(Json(
        s.app
            .buildings(&u.actor, f.division(), f.grid.as_deref(), p.page())
            .await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/buildings/{code}/dwellings", tag = "registry", summary = "一栋楼的房屋",
    params(("code" = String, Path, description = "楼栋代码（社区代码-B0001）")),
    responses(
        (status = 200, description = "房屋", body = Vec<Object>),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn dwellings(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<DwellingRecord>>> {
    Ok(Json(s.app.dwellings(&u.actor, &code).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct VisitBody {
    /// 走访的楼栋代码
    building_code: Option<String>,
    location: Option<super::case::LocationBody>,
    /// 走访所见（必填）
    found: String,
    /// 因此登记的案件
    case_id: Option<i64>,
}

#[utoipa::path(
    post, path = "/api/v1/grids/{code}/visits", tag = "registry", summary = "记录一次网格走访",
    params(("code" = String, Path, description = "网格代码")),
    request_body = VisitBody,
    responses(
        (status = 201, description = "`{\"id\": n}`", body = Object),
        (status = 403, description = "无权记录", body = ErrorBody),
        (status = 404, description = "网格不存在或不在辖区内", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
pub async fn add_visit(
    State(s): State<AppState>,
    u: ApiUser,
    Path(grid): Path<String>,
    JsonBody(b): JsonBody<VisitBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let id = s
        .app
        .record_visit(
            &u.actor,
            &grid,
            b.building_code.as_deref(),
            b.location.map(|l| (l.lat, l.lon)),
            &b.found,
            b.case_id,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": id }))))
}

#[utoipa::path(
    get, path = "/api/v1/grids/{code}/visits", tag = "registry", summary = "网格最近的走访（至多 100 条）",
    params(("code" = String, Path, description = "网格代码")),
    responses(
        (status = 200, description = "走访记录", body = Vec<Object>),
        (status = 404, description = "网格不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn visits(
    State(s): State<AppState>,
    u: ApiUser,
    Path(grid): Path<String>,
) -> ApiResult<Json<Vec<Visit>>> {
    Ok(Json(s.app.visits(&u.actor, &grid, 100).await?))
}

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// 跳过有错的行，只导入正确的
    skip_invalid: Option<bool>,
    /// `gcj02` when coordinates come from a Chinese web map.
    crs: Option<String>,
}

/// The body as a table: XLSX by its content type (or its zip signature), GeoJSON by
/// `application/geo+json` / `application/json`, CSV otherwise.
pub fn table_source(headers: &HeaderMap, body: Bytes) -> TableSource {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.contains("spreadsheetml") || ct.contains("ms-excel") || body.starts_with(b"PK\x03\x04") {
        TableSource::Xlsx(body.to_vec())
    } else if ct.contains("json") {
        TableSource::GeoJson(body.to_vec())
    } else {
        TableSource::Csv(Box::new(std::io::Cursor::new(body)))
    }
}

/// `POST /api/v1/import/{kind}` → 200 with the report, or 422 with it and nothing written.
#[utoipa::path(
    post, path = "/api/v1/import/{kind}", tag = "import", summary = "批量导入（整份无误才写入，除非 skip_invalid）",
    params(("kind" = String, Path, description = "grids、buildings、dwellings、residents、occupancy"), ImportQuery),
    request_body(content = Vec<u8>, description = "CSV（中文表头）、XLSX 或 GeoJSON（网格），至多 64 MB", content_type = "text/csv"),
    responses(
        (status = 200, description = "已导入：各项计数", body = Object),
        (status = 403, description = "无权导入", body = ErrorBody),
        (status = 404, description = "无此导入类型", body = ErrorBody),
        (status = 422, description = "有错误，未写入：报告列出每处错误的行、列与原因", body = Object),
    ),
)]
pub async fn import(
    State(s): State<AppState>,
    u: ApiUser,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    let kind = ImportKind::parse(&kind).ok_or(ApiError(AppError::NotFound {
        what: "import kind",
    }))?;
    let opts = ImportOptions {
        skip_invalid: q.skip_invalid.unwrap_or(false),
        gcj02: q.crs.as_deref() == Some("gcj02"),
        progress: None,
    };
    let report = s
        .app
        .import(&u.actor, kind, table_source(&headers, body), opts)
        .await?;
    let status = if report.committed {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)))
}
