use crate::ports::StoreError;
use thiserror::Error;
use zhili_domain::ParseError;

/// Everything a use case can answer instead of a result. The web layer maps each variant to
/// one HTTP status and a stable machine code, in one place.
#[derive(Debug, Error)]
pub enum AppError {
    /// Input that does not parse or breaks a rule; names the field.
    #[error(transparent)]
    Invalid(#[from] ParseError),
    /// Not there, or outside the caller's jurisdiction: the two are indistinguishable.
    #[error("not found: {what}")]
    NotFound { what: &'static str },
    /// Visible to the caller, but not the caller's role to do.
    #[error("forbidden: {why}")]
    Forbidden { why: &'static str },
    /// No valid session or token.
    #[error("authentication required")]
    Unauthenticated,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("account locked until {until_ms}")]
    Locked { until_ms: i64 },
    /// A write that clashes with what is stored (a taken username, …).
    #[error("{message}")]
    Conflict {
        field: &'static str,
        code: &'static str,
        message: String,
    },
    /// Bad input in a file: which file, which line, which column, why.
    #[error("{file}:{line}: {column}: {message}")]
    BadFile {
        file: String,
        line: u64,
        column: String,
        message: String,
    },
    /// A missing, unknown or revoked API key, or one not for this source.
    #[error("API key rejected")]
    ApiKeyRejected,
    /// Too many requests from one source; try again after this many seconds.
    #[error("rate limited for {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    #[error("internal: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { constraint } => AppError::Conflict {
                field: "",
                code: "store.conflict",
                message: format!("与已有数据冲突（{constraint}）"),
            },
            other => AppError::Internal(other.to_string()),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
