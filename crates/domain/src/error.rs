use thiserror::Error;

/// Why a raw value could not become a domain value. `field` names what was being parsed so
/// the edge can say which field (or which column of which line) was wrong.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {message}")]
pub struct ParseError {
    pub field: &'static str,
    /// Stable machine code, e.g. `division.code_invalid`.
    pub code: &'static str,
    /// Simplified Chinese explanation for the user.
    pub message: String,
}

impl ParseError {
    pub fn new(field: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            code,
            message: message.into(),
        }
    }
}
