use crate::error::ApiResult;
use crate::extract::{client_addr_of, ApiUser, JsonBody};
use crate::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use std::net::SocketAddr;
use zhili_app::ports::SessionKind;

#[derive(Deserialize)]
pub struct LoginRequest {
    username: String,
    password: String,
}

pub async fn login(
    State(s): State<AppState>,
    ci: axum::extract::ConnectInfo<SocketAddr>,
    _h: HeaderMap,
    JsonBody(req): JsonBody<LoginRequest>,
) -> ApiResult<Json<Value>> {
    let ok = s
        .app
        .login(
            &req.username,
            &req.password,
            SessionKind::Bearer,
            &client_addr_of(&ci),
        )
        .await?;
    Ok(Json(json!({
        "token": ok.token,
        "expires_at_ms": ok.expires_at_ms,
        "user": ok.user,
    })))
}

pub async fn logout(State(s): State<AppState>, u: ApiUser) -> ApiResult<StatusCode> {
    s.app.logout(&u.actor, &u.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn me(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<Value>> {
    let home = u.actor.scope.home();
    let home_name = s.app.node_name(&home).await?;
    Ok(Json(
        json!({ "user": u.actor.user, "home": home.to_string(), "home_name": home_name }),
    ))
}
