//! The one place where use-case errors become HTTP responses: a status and a JSON body
//! `{"code", "message", "field"}` with a stable machine code and a Chinese message.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use zhili_app::AppError;

/// Every error's body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// 稳定的机器码，如 `case.illegal_transition`
    #[schema(example = "request.invalid_field")]
    pub code: String,
    /// 中文说明
    pub message: String,
    /// 出错的字段（若有）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// 导入文件中出错的行号（若有）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

/// An error on its way to the client.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

/// Status, code, message and field for an error (shared by the API and the pages).
pub fn describe(e: &AppError) -> (StatusCode, ErrorBody) {
    let body = |code: &str, message: String, field: Option<&str>| ErrorBody {
        code: code.into(),
        message,
        field: field.filter(|f| !f.is_empty()).map(str::to_owned),
        line: None,
    };
    match e {
        AppError::Invalid(p) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            body(p.code, p.message.clone(), Some(p.field)),
        ),
        AppError::NotFound { what } => (
            StatusCode::NOT_FOUND,
            body(&format!("{what}.not_found"), "找不到该对象".into(), None),
        ),
        AppError::Forbidden { .. } => (
            StatusCode::FORBIDDEN,
            body("auth.forbidden", "您的角色无权执行此操作".into(), None),
        ),
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            body("auth.required", "请先登录".into(), None),
        ),
        AppError::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            body("auth.invalid_credentials", "用户名或密码错误".into(), None),
        ),
        AppError::Locked { .. } => (
            StatusCode::UNAUTHORIZED,
            body(
                "auth.locked",
                "登录失败次数过多，账号已临时锁定，请稍后再试".into(),
                None,
            ),
        ),
        AppError::Conflict {
            field,
            code,
            message,
        } => (
            StatusCode::CONFLICT,
            body(code, message.clone(), Some(field)),
        ),
        AppError::BadFile {
            file,
            line,
            column,
            message,
        } => {
            let mut b = body(
                "import.invalid_row",
                format!("{file} 第 {line} 行「{column}」列：{message}"),
                Some(column),
            );
            b.line = Some(*line);
            (StatusCode::UNPROCESSABLE_ENTITY, b)
        }
        AppError::ApiKeyRejected => (
            StatusCode::FORBIDDEN,
            body(
                "apikey.invalid",
                "API 密钥缺失、无效或已停用，或无权代表该来源推送".into(),
                Some("api_key"),
            ),
        ),
        AppError::RateLimited { retry_after_s } => (
            StatusCode::TOO_MANY_REQUESTS,
            body(
                "rate.limited",
                format!("推送过于频繁，请 {retry_after_s} 秒后重试"),
                None,
            ),
        ),
        AppError::Internal(cause) => {
            tracing::error!(%cause, "internal error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                body("internal", "服务器内部错误，请稍后再试".into(), None),
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = describe(&self.0);
        let mut response = (status, axum::Json(body)).into_response();
        if let AppError::RateLimited { retry_after_s } = self.0 {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_s),
            );
        }
        response
    }
}

/// A request the API cannot even read (bad JSON, bad query string).
pub fn bad_request(code: &str, message: String, field: Option<String>) -> Response {
    let status = if code == "request.invalid_field" {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::BAD_REQUEST
    };
    (
        status,
        axum::Json(ErrorBody {
            code: code.into(),
            message,
            field,
            line: None,
        }),
    )
        .into_response()
}

pub type ApiResult<T> = Result<T, ApiError>;
