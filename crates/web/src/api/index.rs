//! Indices and reports: `/api/v1/indices…`, `/api/v1/reports`.

use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use zhili_app::index::{month_of, IndexSummary, ScoredUnit};
use zhili_app::report::{ReportEntry, ReportIssue};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// 期间：YYYY-MM 或 YYYY-Qn（默认为本月）
    period: Option<String>,
    /// 层级：county、township、community
    level: Option<String>,
    /// Runs of the sensitivity: each unit then carries its `rank_interval`.
    sensitivity: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/indices", tag = "indices", summary = "可查看的综合指数",
    responses(
        (status = 200, description = "指数（id、名称、指标）", body = Vec<Object>),
        (status = 403, description = "无权查看", body = ErrorBody),
    ),
)]
pub async fn list_indices(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<IndexSummary>>> {
    Ok(Json(s.app.indices(&u.actor).await?))
}

#[utoipa::path(
    get, path = "/api/v1/indices/{id}/scores", tag = "indices", summary = "指数得分、排名与环比",
    params(("id" = String, Path, description = "指数 ID，如 `ping_an`"), ScoreQuery),
    responses(
        (status = 200, description = "各单位得分", body = Vec<Object>),
        (status = 404, description = "指数不存在", body = ErrorBody),
        (status = 422, description = "期间或层级有误", body = ErrorBody),
    ),
)]
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
#[utoipa::path(
    post, path = "/api/v1/indices/{id}/data", tag = "indices", summary = "部门上报指标数据（CSV 或 XLSX，整份校验）",
    params(("id" = String, Path, description = "指数 ID")),
    request_body(content = Vec<u8>, description = "CSV（UTF-8）或 XLSX 文件内容，至多 20 MB", content_type = "text/csv"),
    responses(
        (status = 200, description = "`{\"imported\": n, \"version\": v}`", body = Object),
        (status = 403, description = "无权上报", body = ErrorBody),
        (status = 404, description = "指数不存在", body = ErrorBody),
        (status = 422, description = "`index.data_invalid`：`errors` 列出每处错误的行、列与原因，未写入任何数据", body = Object),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
pub struct PublishRequest {
    /// 指数 ID
    index: String,
    /// 期间：YYYY-MM 或 YYYY-Qn
    period: String,
}

#[utoipa::path(
    get, path = "/api/v1/reports", tag = "reports", summary = "已发布的指数报告",
    responses(
        (status = 200, description = "报告（指数、期号、期间、标题、发布时间）", body = Vec<Object>),
        (status = 403, description = "无权查看", body = ErrorBody),
    ),
)]
pub async fn list_reports(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<ReportEntry>>> {
    Ok(Json(s.app.reports(&u.actor).await?))
}

/// One issue as stored: `{index_id, issue_no, period, title, published_by, published_at_ms,
/// body: {units: [{…, rank_interval, rank_change_significant}], summary, sensitivity, …}}`.
#[utoipa::path(
    get, path = "/api/v1/reports/{index}/{n}", tag = "reports", summary = "一期报告（含排名区间）",
    params(("index" = String, Path, description = "指数 id"), ("n" = i64, Path, description = "期号")),
    responses(
        (status = 200, description = "报告正文（排名、排名区间、变化是否显著、摘要）", body = Object),
        (status = 403, description = "无权查看", body = ErrorBody),
        (status = 404, description = "报告不存在", body = ErrorBody),
    ),
)]
pub async fn report(
    State(s): State<AppState>,
    u: ApiUser,
    Path((index, n)): Path<(String, i64)>,
) -> ApiResult<Json<ReportIssue>> {
    Ok(Json(s.app.report(&u.actor, &index, n).await?))
}

#[utoipa::path(
    post, path = "/api/v1/reports", tag = "reports", summary = "发布一期指数报告（计算一次，永久保存）",
    request_body = PublishRequest,
    responses(
        (status = 201, description = "`{\"index\", \"issue_no\", \"url\"}`", body = Object),
        (status = 403, description = "无权发布", body = ErrorBody),
        (status = 404, description = "指数不存在", body = ErrorBody),
        (status = 422, description = "期间有误", body = ErrorBody),
    ),
)]
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
