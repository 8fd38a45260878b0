use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use zhili_app::ports::Notice;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeFilter {
    /// 只要未读的
    unread: Option<bool>,
}

#[utoipa::path(
    get, path = "/api/v1/notifications", tag = "notifications", summary = "本节点的站内通知",
    params(NoticeFilter),
    responses((status = 200, description = "通知（id、node_code、case_id、kind、message、created_at_ms、read_at_ms）", body = Vec<Object>)),
)]
pub async fn list_notices(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<NoticeFilter>,
) -> ApiResult<Json<Vec<Notice>>> {
    Ok(Json(
        s.app.notices(&u.actor, f.unread.unwrap_or(false)).await?,
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct ReadBody {
    /// One notification; all of the node's when absent.
    id: Option<i64>,
}

#[utoipa::path(
    post, path = "/api/v1/notifications/read", tag = "notifications", summary = "标为已读",
    request_body = ReadBody,
    responses(
        (status = 200, description = "`{\"marked\": n}`：标记的条数", body = Object),
        (status = 404, description = "通知不存在", body = ErrorBody),
    ),
)]
pub async fn mark_read(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(b): JsonBody<ReadBody>,
) -> ApiResult<Json<Value>> {
    let n = s.app.mark_notices_read(&u.actor, b.id).await?;
    Ok(Json(json!({ "marked": n })))
}
