//! The one place where use-case errors become Open311 errors: the spec's status codes (400
//! bad input, 403 API key, 404 not found) and its body, `[{"code","description"}]` or
//! `<errors><error><code/><description/></error></errors>`, in the format asked for.

use super::form::Format;
use super::render::X;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use zhili_app::AppError;

/// An Open311 error on its way to the client.
pub struct Open311Error {
    pub status: StatusCode,
    pub description: String,
    pub format: Format,
    pub retry_after_s: Option<u64>,
}

impl Open311Error {
    pub fn new(status: StatusCode, description: impl Into<String>, format: Format) -> Self {
        Self {
            status,
            description: description.into(),
            format,
            retry_after_s: None,
        }
    }

    pub fn from_app(e: AppError, format: Format) -> Self {
        let (status, description) = match &e {
            AppError::Invalid(p) if p.field.is_empty() => {
                (StatusCode::BAD_REQUEST, p.message.clone())
            }
            AppError::Invalid(p) => (
                StatusCode::BAD_REQUEST,
                format!("{}: {}", p.field, p.message),
            ),
            AppError::NotFound { what } => {
                (StatusCode::NOT_FOUND, format!("{what} not found / 找不到"))
            }
            AppError::ApiKeyRejected => (
                StatusCode::FORBIDDEN,
                "api_key: 缺失、无效、已停用，或只用于某一预警来源".into(),
            ),
            AppError::Forbidden { .. } | AppError::Unauthenticated => {
                (StatusCode::FORBIDDEN, "无权执行此操作".into())
            }
            AppError::RateLimited { retry_after_s } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("提交过于频繁，请 {retry_after_s} 秒后重试"),
            ),
            AppError::Conflict { message, .. } => (StatusCode::BAD_REQUEST, message.clone()),
            AppError::InvalidCredentials | AppError::Locked { .. } | AppError::BadFile { .. } => {
                (StatusCode::BAD_REQUEST, e.to_string())
            }
            AppError::Internal(cause) => {
                tracing::error!(%cause, "open311: internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "内部错误".into())
            }
        };
        let mut out = Self::new(status, description, format);
        if let AppError::RateLimited { retry_after_s } = e {
            out.retry_after_s = Some(retry_after_s);
        }
        out
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let body = X::List(
            "error",
            vec![X::Obj(vec![
                ("code", X::Int(i64::from(self.status.as_u16()))),
                ("description", X::Text(self.description)),
            ])],
        );
        let mut r = super::respond(self.format, "errors", body);
        *r.status_mut() = self.status;
        if let Some(s) = self.retry_after_s {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}
