use super::Paging;
use crate::error::ApiResult;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use zhili_app::user::NewUserRequest;
use zhili_domain::{Paged, User};

#[derive(Deserialize)]
pub struct CreateUserRequest {
    username: String,
    password: String,
    role: String,
    node: String,
    display_name: Option<String>,
}

pub async fn create_user(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(r): JsonBody<CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<User>)> {
    let req = NewUserRequest {
        username: &r.username,
        password: &r.password,
        role: &r.role,
        node: &r.node,
        display_name: r.display_name.as_deref(),
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.create_user(&u.actor, req).await?),
    ))
}

pub async fn list_users(
    State(s): State<AppState>,
    u: ApiUser,
    Query(p): Query<Paging>,
) -> ApiResult<Json<Paged<User>>> {
    Ok(Json(s.app.list_users(&u.actor, p.page()).await?))
}

pub async fn get_user(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.app.user(&u.actor, id).await?))
}

#[derive(Deserialize)]
pub struct RoleRequest {
    role: String,
}

pub async fn set_role(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(r): JsonBody<RoleRequest>,
) -> ApiResult<Json<User>> {
    Ok(Json(s.app.set_role(&u.actor, id, &r.role).await?))
}
