//! Alerts from registered sources (`X-Api-Key`), and the duty desk's reading and handling of
//! them (bearer token).

use crate::api::case::{case_response, CaseResponse, LocationBody};
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{client_addr_of, ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use zhili_app::alert::AlertRequest;
use zhili_app::ports::AlertRow;
use zhili_domain::datetime::format_w3c;

/// An alert as a registered source sends it.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertBody {
    source: String,
    external_id: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    location: Option<LocationBody>,
    #[serde(default)]
    community_code: Option<String>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    priority: Option<String>,
}

/// An alert's own facts, beside its case.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertInfo {
    source: String,
    external_id: String,
    priority: String,
    occurred_at: Option<String>,
    received_at: String,
    ack_due_at: String,
    acknowledged_at: Option<String>,
    acknowledged_by: Option<String>,
    contacted_at: Option<String>,
    contacted_by: Option<String>,
    contact_note: Option<String>,
    escalated_at: Option<String>,
    /// Seconds from receipt to acknowledgement, and to first contact.
    seconds_to_acknowledge: Option<i64>,
    seconds_to_contact: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertResponse {
    #[serde(flatten)]
    case: CaseResponse,
    alert: Option<AlertInfo>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AlertListItem {
    case_id: i64,
    number: String,
    title: String,
    category: String,
    state: String,
    community_code: String,
    grid_code: Option<String>,
    assignee: Option<String>,
    due_at: Option<String>,
    #[serde(flatten)]
    alert: AlertInfo,
}

pub fn alert_info(a: &AlertRow) -> AlertInfo {
    let w3c = |v: Option<i64>| v.map(format_w3c);
    AlertInfo {
        source: a.source.clone(),
        external_id: a.external_id.clone(),
        priority: a.priority.clone(),
        occurred_at: w3c(a.occurred_at_ms),
        received_at: format_w3c(a.received_at_ms),
        ack_due_at: format_w3c(a.ack_due_at_ms),
        acknowledged_at: w3c(a.acknowledged_at_ms),
        acknowledged_by: a.acknowledged_by.clone(),
        contacted_at: w3c(a.contacted_at_ms),
        contacted_by: a.contacted_by.clone(),
        contact_note: a.contact_note.clone(),
        escalated_at: w3c(a.escalated_at_ms),
        seconds_to_acknowledge: a.acknowledged_at_ms.map(|t| (t - a.received_at_ms) / 1000),
        seconds_to_contact: a.contacted_at_ms.map(|t| (t - a.received_at_ms) / 1000),
    }
}

fn list_item(a: AlertRow) -> AlertListItem {
    AlertListItem {
        alert: alert_info(&a),
        case_id: a.case_id,
        number: a.number,
        title: a.title,
        category: a.category,
        state: a.state,
        community_code: a.community_code,
        grid_code: a.grid_code,
        assignee: a.assignee,
        due_at: a.due_at_ms.map(format_w3c),
    }
}

/// `POST /api/v1/alerts`: 201 with the new case, or 200 with the first case on a retry.
#[utoipa::path(
    post, path = "/api/v1/alerts", tag = "alerts", summary = "接收预警（凭 X-Api-Key；同一来源同一预警编号只生成一个案件）",
    security(("api_key" = [])),
    request_body = AlertBody,
    responses(
        (status = 201, description = "新案件（已派遣，期限以分钟计）及其 `alert`", body = AlertResponse),
        (status = 200, description = "重试：首次生成的同一案件", body = AlertResponse),
        (status = 403, description = "API 密钥缺失、无效或无权代表该来源", body = ErrorBody),
        (status = 422, description = "字段有误（来源、预警编号、时间、位置）", body = ErrorBody),
        (status = 429, description = "超过该来源每分钟上限（见 Retry-After）", body = ErrorBody),
    ),
)]
pub async fn receive(
    State(s): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(b): JsonBody<AlertBody>,
) -> ApiResult<(StatusCode, Json<AlertResponse>)> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    let key = s.app.authenticate_key(key).await?;
    let req = AlertRequest {
        source: b.source,
        external_id: b.external_id,
        category: b.category,
        title: b.title,
        description: b.description,
        location: b.location.map(|l| (l.lat, l.lon)),
        community_code: b.community_code,
        address: b.address,
        occurred_at: b.occurred_at,
        priority: b.priority,
    };
    let receipt = s.app.receive_alert(&key, req, &client_addr_of(&ci)).await?;
    let status = if receipt.replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(AlertResponse {
            case: case_response(receipt.case, s.app.now_ms()),
            alert: receipt.alert.as_ref().map(alert_info),
        }),
    ))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct AlertListQuery {
    /// Only alerts whose case is still open (default true).
    open: Option<bool>,
    /// How far back, in hours (default 24, at most 720).
    hours: Option<i64>,
}

/// `GET /api/v1/alerts`: the duty desk's list, oldest first.
#[utoipa::path(
    get, path = "/api/v1/alerts", tag = "alerts", summary = "预警值守：辖区内的预警，按接收时间先后",
    params(AlertListQuery),
    responses(
        (status = 200, description = "预警（案件、来源、优先级、签收与首次联系）", body = Vec<AlertListItem>),
        (status = 403, description = "该角色不值守预警", body = ErrorBody),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Query(q): Query<AlertListQuery>,
) -> ApiResult<Json<Vec<AlertListItem>>> {
    let hours = q.hours.unwrap_or(24).clamp(1, 720);
    let since = s.app.now_ms() - hours * 3_600_000;
    let rows = s
        .app
        .alerts(&u.actor, since, q.open.unwrap_or(true))
        .await?;
    Ok(Json(rows.into_iter().map(list_item).collect()))
}

/// `POST /api/v1/alerts/{id}/acknowledge`.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/acknowledge", tag = "alerts", summary = "签收预警（首次签收为准）",
    params(("id" = i64, Path, description = "案件 id")),
    responses(
        (status = 200, description = "签收后的预警", body = AlertListItem),
        (status = 404, description = "预警不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn acknowledge(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<AlertListItem>> {
    Ok(Json(list_item(
        s.app.acknowledge_alert(&u.actor, id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    note: String,
}

/// `POST /api/v1/alerts/{id}/contact`: the person was reached; what was done.
#[utoipa::path(
    post, path = "/api/v1/alerts/{id}/contact", tag = "alerts", summary = "记录首次联系（已联系当事人及处置情况）",
    params(("id" = i64, Path, description = "案件 id")),
    request_body = ContactBody,
    responses(
        (status = 200, description = "记录后的预警", body = AlertListItem),
        (status = 404, description = "预警不存在或不在辖区内", body = ErrorBody),
        (status = 422, description = "未填写处置情况", body = ErrorBody),
    ),
)]
pub async fn contact(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ContactBody>,
) -> ApiResult<Json<AlertListItem>> {
    Ok(Json(list_item(
        s.app.record_alert_contact(&u.actor, id, &b.note).await?,
    )))
}
