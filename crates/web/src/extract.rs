//! Extractors: the acting user (bearer token for the API, cookie for pages), the client
//! address, and JSON bodies whose rejections speak our error format.

use crate::error::{bad_request, ApiError};
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use zhili_app::ports::SessionKind;
use zhili_app::{Actor, AppError};

pub const SESSION_COOKIE: &str = "zhili_session";

/// The client's address (the socket peer; Zhili is meant to sit directly on the network or
/// behind a proxy that the operator configures to pass the peer through).
pub fn client_addr(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn client_addr_of(ci: &ConnectInfo<SocketAddr>) -> String {
    ci.0.ip().to_string()
}

/// The token of `Authorization: Bearer …`, if any.
pub fn bearer_token(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The user behind `Authorization: Bearer …`.
pub struct ApiUser {
    pub actor: Actor,
    pub token: String,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or(ApiError(AppError::Unauthenticated))?
            .to_owned();
        let (actor, _) = state
            .app
            .authenticate(&token, SessionKind::Bearer, &client_addr(parts))
            .await?;
        Ok(ApiUser { actor, token })
    }
}

/// The user behind the session cookie, with the session's CSRF token. Without a valid
/// session the page redirects to the login form.
pub struct PageUser {
    pub actor: Actor,
    pub token: String,
    pub csrf: String,
}

impl PageUser {
    /// Forms carry the session's CSRF token; anything else is refused.
    pub fn check_csrf(&self, sent: &str) -> Result<(), CsrfRejected> {
        if !sent.is_empty() && constant_time_eq(sent.as_bytes(), self.csrf.as_bytes()) {
            Ok(())
        } else {
            Err(CsrfRejected)
        }
    }
}

/// A form without the session's CSRF token.
#[derive(Debug)]
pub struct CsrfRejected;

impl IntoResponse for CsrfRejected {
    fn into_response(self) -> Response {
        let msg = "CSRF 校验失败，请刷新页面后重试 / CSRF check failed";
        (axum::http::StatusCode::FORBIDDEN, msg).into_response()
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let jar = CookieJar::from_headers(&parts.headers);
        let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
            return Err(Redirect::to("/login").into_response());
        };
        match state
            .app
            .authenticate(&token, SessionKind::Cookie, &client_addr(parts))
            .await
        {
            Ok((actor, csrf)) => Ok(PageUser { actor, token, csrf }),
            Err(AppError::Unauthenticated) => Err(Redirect::to("/login").into_response()),
            Err(e) => Err(crate::pages::error_page(&e)),
        }
    }
}

/// A JSON body; malformed JSON is 400 `request.invalid_json`, a missing or mistyped field is
/// 422 `request.invalid_field` naming it.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                let text = e.body_text();
                let field = text.split('`').nth(1).map(str::to_owned);
                Err(bad_request(
                    "request.invalid_field",
                    format!("字段有误：{text}"),
                    field,
                ))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => Err(bad_request(
                "request.content_type",
                "请求体须为 application/json".into(),
                None,
            )),
            Err(e) => Err(bad_request(
                "request.invalid_json",
                format!("无法解析 JSON：{}", e.body_text()),
                None,
            )),
        }
    }
}
