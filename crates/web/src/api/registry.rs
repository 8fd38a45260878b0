//! Grids, the registry and imports: `/api/v1/grids`, `/api/v1/residents`,
//! `/api/v1/registry/consistency`, `/api/v1/buildings`, `/api/v1/import/{kind}`.

use super::Paging;
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
use zhili_app::import_table::TableSource;
use zhili_app::ports::{BuildingRecord, DwellingRecord, Visit};
use zhili_app::registry::ResidentView;
use zhili_app::registry_import::{ImportKind, ImportOptions, ImportReport};
use zhili_app::AppError;
use zhili_domain::registry::Consistency;
use zhili_domain::Paged;

#[derive(Deserialize, Default)]
pub struct RegistryFilter {
    /// A division (any level) or, for grids, `community`.
    division: Option<String>,
    community: Option<String>,
    grid: Option<String>,
    /// An ID number or phone, matched exactly through its keyed hash.
    lookup: Option<String>,
    stale_days: Option<i64>,
}

impl RegistryFilter {
    fn division(&self) -> Option<&str> {
        self.division.as_deref().or(self.community.as_deref())
    }
}

/// `GET /api/v1/grids?community=CODE` → a GeoJSON FeatureCollection (WGS-84).
pub async fn grids(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<RegistryFilter>,
) -> ApiResult<Response> {
    let fc = s.app.grids_geojson(&u.actor, f.division()).await?;
    Ok(([(header::CONTENT_TYPE, "application/geo+json")], Json(fc)).into_response())
}

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

pub async fn resident(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(s.app.resident(&u.actor, id).await?))
}

#[derive(Deserialize)]
pub struct RevealBody {
    #[serde(default)]
    purpose: String,
}

pub async fn reveal(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<RevealBody>,
) -> ApiResult<Json<ResidentView>> {
    Ok(Json(s.app.reveal_resident(&u.actor, id, &b.purpose).await?))
}

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

pub async fn dwellings(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<Vec<DwellingRecord>>> {
    Ok(Json(s.app.dwellings(&u.actor, &code).await?))
}

#[derive(Deserialize)]
pub struct VisitBody {
    building_code: Option<String>,
    location: Option<super::case::LocationBody>,
    found: String,
    case_id: Option<i64>,
}

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

pub async fn visits(
    State(s): State<AppState>,
    u: ApiUser,
    Path(grid): Path<String>,
) -> ApiResult<Json<Vec<Visit>>> {
    Ok(Json(s.app.visits(&u.actor, &grid, 100).await?))
}

#[derive(Deserialize, Default)]
pub struct ImportQuery {
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
