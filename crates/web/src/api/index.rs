//! Indices and reports: `/api/v1/indices…`, `/api/v1/reports`.

use crate::error::ApiResult;
use crate::extract::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use zhili_app::index::{month_of, IndexSummary, ScoredUnit};
use zhili_app::report::{ReportEntry, ReportIssue};

#[derive(Deserialize)]
pub struct ScoreQuery {
    period: Option<String>,
    level: Option<String>,
    /// Runs of the sensitivity: each unit then carries its `rank_interval`.
    sensitivity: Option<String>,
}

pub async fn list_indices(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<IndexSummary>>> {
    Ok(Json(s.app.indices(&u.actor).await?))
}

pub async fn scores(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<String>,
    Query(q): Query<ScoreQuery>,
) -> ApiResult<Json<Vec<ScoredUnit>>> {
    let period = q
        .period
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| month_of(s.app.now_ms()).to_string());
    let runs = match q.sensitivity.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(raw.parse::<usize>().map_err(|_| {
            zhili_app::AppError::from(zhili_domain::ParseError::new(
                "sensitivity",
                "index.sensitivity_invalid",
                format!("模拟次数应为正整数，收到「{raw}」"),
            ))
        })?),
    };
    Ok(Json(
        s.app
            .index_scores_with_intervals(&u.actor, &id, &period, q.level.as_deref(), runs)
            .await?,
    ))
}

/// Whether a body is a workbook (by content type, or by the zip signature).
pub fn is_xlsx(headers: &HeaderMap, body: &[u8]) -> bool {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    ct.contains("spreadsheetml") || ct.contains("ms-excel") || body.starts_with(b"PK\x03\x04")
}

#[derive(Deserialize)]
pub struct UploadQuery {
    /// Fills a missing period column; a given one must match it.
    period: Option<String>,
}

/// A CSV or XLSX upload (`?period=` optional): 200 `{imported, version}` or 422 `{errors: [{row, column, code,
/// message}]}` with nothing written.
pub async fn upload(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<String>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let r = s
        .app
        .import_index_data(
            &u.actor,
            &id,
            &body,
            is_xlsx(&headers, &body),
            q.period.as_deref(),
        )
        .await?;
    if r.errors.is_empty() {
        return Ok(Json(json!({"imported": r.imported, "version": r.version})).into_response());
    }
    let first = &r.errors[0];
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(json!({
            "code": "index.data_invalid",
            "message": format!("第 {} 行「{}」列：{}（共 {} 处错误，未写入任何数据）", first.row, first.column, first.message, r.errors.len()),
            "errors": r.errors,
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct PublishRequest {
    index: String,
    period: String,
}

pub async fn list_reports(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<ReportEntry>>> {
    Ok(Json(s.app.reports(&u.actor).await?))
}

/// One issue as stored: `{index_id, issue_no, period, title, published_by, published_at_ms,
/// body: {units: [{…, rank_interval, rank_change_significant}], summary, sensitivity, …}}`.
pub async fn report(
    State(s): State<AppState>,
    u: ApiUser,
    Path((index, n)): Path<(String, i64)>,
) -> ApiResult<Json<ReportIssue>> {
    Ok(Json(s.app.report(&u.actor, &index, n).await?))
}

pub async fn publish(
    State(s): State<AppState>,
    u: ApiUser,
    crate::extract::JsonBody(r): crate::extract::JsonBody<PublishRequest>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let no = s.app.publish_report(&u.actor, &r.index, &r.period).await?;
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"index": r.index, "issue_no": no, "url": format!("/reports/{}/{no}", r.index)}),
        ),
    ))
}
