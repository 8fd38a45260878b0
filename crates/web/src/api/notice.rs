use crate::error::ApiResult;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use zhili_app::ports::Notice;

#[derive(Deserialize)]
pub struct NoticeFilter {
    unread: Option<bool>,
}

pub async fn list_notices(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<NoticeFilter>,
) -> ApiResult<Json<Vec<Notice>>> {
    Ok(Json(
        s.app.notices(&u.actor, f.unread.unwrap_or(false)).await?,
    ))
}

#[derive(Deserialize)]
pub struct ReadBody {
    /// One notification; all of the node's when absent.
    id: Option<i64>,
}

pub async fn mark_read(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(b): JsonBody<ReadBody>,
) -> ApiResult<Json<Value>> {
    let n = s.app.mark_notices_read(&u.actor, b.id).await?;
    Ok(Json(json!({ "marked": n })))
}
