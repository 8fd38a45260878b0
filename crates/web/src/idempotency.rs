//! The `Idempotency-Key` layer on the JSON API. A POST that carries the header and comes
//! from a principal (a live bearer session's user, or an `X-Api-Key`) runs once per key: the
//! first response (2xx or 4xx) is stored and every replay of the same request gets it back
//! with `Idempotent-Replayed: true`. The same key with another request → 422
//! `idempotency.key_reused`; a replay while the first still runs → 409
//! `idempotency.in_progress`; a 5xx or an abandoned request stores nothing, so a retry runs
//! again. Anonymous requests and other methods pass through untouched. The rules and the
//! storage are `zhili_app::idempotency`.

use crate::error::ErrorBody;
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
pub use zhili_app::idempotency::MAX_KEY_LEN;
use zhili_app::idempotency::{parse_key, request_hash, Claim};
use zhili_app::ports::{IdempotencyScope, StoredResponse};
use zhili_app::App;

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED: &str = "Idempotent-Replayed";
/// The header that names a machine client's key.
pub const API_KEY_HEADER: &str = "X-Api-Key";
/// The largest body read here: the largest route limit (imports). Each route still applies
/// its own, smaller limit to the bytes passed on.
const MAX_BODY: usize = 64 * 1024 * 1024;
/// The response headers kept with a stored response.
const KEPT_HEADERS: [HeaderName; 3] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CONTENT_DISPOSITION,
];

pub async fn layer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(raw) = req.headers().get(HEADER) else {
        return next.run(req).await;
    };
    let key = match raw
        .to_str()
        .map_err(|_| ())
        .and_then(|r| parse_key(r).map_err(|_| ()))
    {
        Ok(k) => k,
        Err(()) => {
            let msg = format!("{HEADER} 须为 1 至 {MAX_KEY_LEN} 个可见 ASCII 字符");
            return error(StatusCode::BAD_REQUEST, "idempotency.key_invalid", msg);
        }
    };
    let bearer = crate::extract::bearer_token(req.headers());
    let api_key = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok());
    let principal = match s.app.idempotency_principal(bearer, api_key).await {
        Ok(Some(p)) => p,
        Ok(None) => return next.run(req).await,
        Err(e) => return crate::error::ApiError(e).into_response(),
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too_large",
            "请求体过大或未能读完".into(),
        );
    };
    let scope = IdempotencyScope {
        principal,
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        key,
    };
    let hash = request_hash(parts.uri.query().unwrap_or(""), &bytes);
    match s.app.claim_idempotent(&scope, &hash).await {
        Err(e) => crate::error::ApiError(e).into_response(),
        Ok(Claim::Replay(stored)) => replay(stored),
        Ok(Claim::InProgress) => error(
            StatusCode::CONFLICT,
            "idempotency.in_progress",
            "使用同一幂等键的请求仍在处理中，请稍后重试".into(),
        ),
        Ok(Claim::KeyReused) => error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency.key_reused",
            "该幂等键已用于另一个不同的请求，请为新请求使用新的 Idempotency-Key".into(),
        ),
        Ok(Claim::Run) => {
            let guard = Release {
                app: s.app.clone(),
                scope: Some(scope),
            };
            let resp = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            guard.finish(resp).await
        }
    }
}

/// Releases the claim if the request is dropped before it completes (a timeout, a closed
/// connection), so that a retry runs again instead of meeting 409 for a day.
struct Release {
    app: App,
    scope: Option<IdempotencyScope>,
}

impl Release {
    async fn finish(mut self, resp: Response) -> Response {
        let Some(scope) = self.scope.take() else {
            return resp;
        };
        let status = resp.status();
        // A 401 means the key's principal was not one after all (an unknown `X-Api-Key`):
        // nothing to remember.
        let completed = status.is_success() || status.is_client_error();
        if !completed || status == StatusCode::UNAUTHORIZED {
            release(&self.app, &scope).await;
            return resp;
        }
        let (parts, body) = resp.into_parts();
        let bytes = match to_bytes(body, usize::MAX).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "idempotency: the response body could not be read");
                release(&self.app, &scope).await;
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        let stored = StoredResponse {
            status: status.as_u16(),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|n| {
                    let v = parts.headers.get(n)?.to_str().ok()?;
                    Some((n.as_str().to_owned(), v.to_owned()))
                })
                .collect(),
            body: bytes.to_vec(),
        };
        if let Err(e) = self.app.complete_idempotent(&scope, &stored).await {
            tracing::warn!(error = %e, "idempotency: the response could not be stored");
            release(&self.app, &scope).await;
        }
        Response::from_parts(parts, Body::from(bytes))
    }
}

impl Drop for Release {
    fn drop(&mut self) {
        let Some(scope) = self.scope.take() else {
            return;
        };
        let app = self.app.clone();
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move { release(&app, &scope).await });
        }
    }
}

async fn release(app: &App, scope: &IdempotencyScope) {
    if let Err(e) = app.release_idempotent(scope).await {
        tracing::warn!(error = %e, "idempotency: a claim could not be released");
    }
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut resp = (status, stored.body).into_response();
    let headers = resp.headers_mut();
    headers.remove(header::CONTENT_TYPE);
    for (n, v) in stored.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::try_from(n), HeaderValue::try_from(v)) {
            headers.insert(n, v);
        }
    }
    headers.insert(
        HeaderName::from_static("idempotent-replayed"),
        HeaderValue::from_static("true"),
    );
    resp
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    let field = Some(HEADER.to_owned());
    let body = ErrorBody {
        code: code.into(),
        message,
        field,
        line: None,
    };
    (status, axum::Json(body)).into_response()
}
