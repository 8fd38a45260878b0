//! `/api/v1/webhooks`: system admins list, add and remove subscriptions and read their
//! delivery log.

use crate::error::ApiResult;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use zhili_app::ports::DeliveryRecord;
use zhili_app::webhook::{NewSubscriptionRequest, SubscriptionView};

pub async fn list_webhooks(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(s.app.webhooks(&u.actor).await?))
}

#[derive(Deserialize)]
pub struct WebhookRequest {
    name: String,
    url: String,
    division: String,
    /// `*`, a list of event types, or one string of them separated by commas.
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
