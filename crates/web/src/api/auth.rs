use super::user::UserSchema;
use crate::error::ApiResult;
use crate::extract::{client_addr_of, ApiUser, JsonBody};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::ToSchema;
use zhili_app::ports::SessionKind;
use zhili_domain::User;

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// 令牌：以 `Authorization: Bearer <token>` 发送
    token: String,
    /// 令牌的绝对过期时间（UTC 毫秒）；闲置 2 小时亦失效
    expires_at_ms: i64,
    #[schema(value_type = UserSchema)]
    user: User,
}

#[utoipa::path(
    post, path = "/api/v1/auth/login", tag = "auth", summary = "登录，取得令牌",
    security(()),
    request_body = LoginRequest,
    responses(
        (status = 200, description = "已登录", body = LoginResponse),
        (status = 401, description = "用户名或密码错误（`auth.invalid_credentials`），或账号已临时锁定（`auth.locked`）", body = crate::error::ErrorBody),
    ),
)]
pub async fn login(
    State(s): State<AppState>,
    ci: axum::extract::ConnectInfo<SocketAddr>,
    _h: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    let ok = s
        .app
        .login(
            &req.username,
            &req.password,
            SessionKind::Bearer,
            &client_addr_of(&ci),
        )
        .await?;
    Ok(Json(LoginResponse {
        token: ok.token,
        expires_at_ms: ok.expires_at_ms,
        user: ok.user,
    }))
}

#[utoipa::path(
    post, path = "/api/v1/auth/logout", tag = "auth", summary = "退出（令牌作废）",
    responses((status = 204, description = "已退出")),
)]
pub async fn logout(State(s): State<AppState>, u: ApiUser) -> ApiResult<StatusCode> {
    s.app.logout(&u.actor, &u.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct MeResponse {
    #[schema(value_type = Option<UserSchema>)]
    user: Option<User>,
    /// 用户所在节点（区划、片区、部门或调解组织）的代码
    home: String,
    home_name: String,
}

#[utoipa::path(
    get, path = "/api/v1/me", tag = "auth", summary = "当前用户及其所在节点",
    responses((status = 200, description = "当前用户", body = MeResponse)),
)]
pub async fn me(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<MeResponse>> {
    let home = u.actor.scope.home();
    let home_name = s.app.node_name(&home).await?;
    Ok(Json(MeResponse {
        user: u.actor.user,
        home: home.to_string(),
        home_name,
    }))
}
