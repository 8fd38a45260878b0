//! `/api/v1/webhooks`: system admins list, add and remove subscriptions and read their
//! delivery log.

use crate::error::{ApiResult, ErrorBody};
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use zhili_app::ports::DeliveryRecord;
use zhili_app::webhook::{NewSubscriptionRequest, SubscriptionView};

#[utoipa::path(
    get, path = "/api/v1/webhooks", tag = "webhooks", summary = "外部推送订阅（系统管理员）",
    responses(
        (status = 200, description = "订阅（名称、地址、辖区、事件类型；不含密钥）", body = Vec<Object>),
        (status = 403, description = "仅系统管理员", body = ErrorBody),
    ),
)]
pub async fn list_webhooks(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(s.app.webhooks(&u.actor).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct WebhookRequest {
    name: String,
    url: String,
    division: String,
    /// `*`, a list of event types, or one string of them separated by commas.
    #[schema(value_type = Object)]
    events: Events,
    secret: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Events {
    One(String),
    Many(Vec<String>),
}

/// The subscription as created, with its signing secret: the only time it is shown.
#[derive(Serialize)]
pub struct CreatedWebhook {
    #[serde(flatten)]
    subscription: SubscriptionView,
    secret: String,
}

#[utoipa::path(
    post, path = "/api/v1/webhooks", tag = "webhooks", summary = "新增外部推送订阅（密钥仅此一次显示）",
    request_body = WebhookRequest,
    responses(
        (status = 201, description = "订阅及其签名密钥", body = Object),
        (status = 403, description = "仅系统管理员，且限本辖区", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
pub async fn add_webhook(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(b): JsonBody<WebhookRequest>,
) -> ApiResult<(StatusCode, Json<CreatedWebhook>)> {
    let events = match b.events {
        Events::One(s) => s,
        Events::Many(v) => v.join(","),
    };
    let req = NewSubscriptionRequest {
        name: &b.name,
        url: &b.url,
        division: &b.division,
        events: &events,
        secret: b.secret.as_deref(),
    };
    let (subscription, secret) = s.app.add_webhook(&u.actor, req).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            subscription,
            secret,
        }),
    ))
}

#[utoipa::path(
    delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", summary = "删除订阅",
    params(("id" = i64, Path, description = "订阅 id")),
    responses(
        (status = 204, description = "已删除"),
        (status = 404, description = "订阅不存在", body = ErrorBody),
    ),
)]
pub async fn remove_webhook(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.app.remove_webhook(&u.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub struct AttemptResponse {
    attempt: i64,
    at_ms: i64,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

#[derive(Serialize)]
pub struct DeliveryResponse {
    /// The `X-Zhili-Delivery` header's value.
    id: i64,
    event_id: i64,
    event_type: String,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    state: String,
    attempts: i64,
    created_at_ms: i64,
    /// When a pending delivery is next tried.
    next_at_ms: Option<i64>,
    delivered_at_ms: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
    log: Vec<AttemptResponse>,
}

impl From<DeliveryRecord> for DeliveryResponse {
    fn from(d: DeliveryRecord) -> Self {
        Self {
            next_at_ms: (d.state == "pending").then_some(d.next_at_ms),
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            state: d.state,
            attempts: d.attempts,
            created_at_ms: d.created_at_ms,
            delivered_at_ms: d.delivered_at_ms,
            last_status: d.last_status,
            last_error: d.last_error,
            log: d
                .log
                .into_iter()
                .map(|a| AttemptResponse {
                    attempt: a.attempt,
                    at_ms: a.at_ms,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
pub struct DeliveriesResponse {
    webhook: SubscriptionView,
    /// The latest deliveries, newest first (at most 100).
    items: Vec<DeliveryResponse>,
}

#[utoipa::path(
    get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", summary = "投递记录（状态、尝试次数、每次尝试）",
    params(("id" = i64, Path, description = "订阅 id")),
    responses(
        (status = 200, description = "最近的投递及其尝试", body = Object),
        (status = 404, description = "订阅不存在", body = ErrorBody),
    ),
)]
pub async fn list_deliveries(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<DeliveriesResponse>> {
    let (webhook, log) = s.app.webhook_deliveries(&u.actor, id).await?;
    Ok(Json(DeliveriesResponse {
        webhook,
        items: log.into_iter().map(DeliveryResponse::from).collect(),
    }))
}
