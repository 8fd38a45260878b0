//! Storage for `Idempotency-Key`: one row per (principal, method, path, key), claimed before
//! the request runs and completed with its response.

use crate::ports::StoreResult;
use async_trait::async_trait;

/// Whose key, on which operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyScope {
    /// `user:{id}` for a bearer token, `api_key:{sha256}` for an `X-Api-Key`.
    pub principal: String,
    pub method: String,
    pub path: String,
    pub key: String,
}

/// A stored response: status, the headers that matter, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What is stored under a key that was already claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// SHA-256 of the first request (query string and body).
    pub request_hash: String,
    /// `None` while the first request is still running.
    pub response: Option<StoredResponse>,
}

#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claim the key for a request with `request_hash`: a row created before `expired_before_ms`
    /// is replaced. `None` when this call claimed it; otherwise what the earlier claim holds.
    async fn claim_idempotency_key(
        &self,
        scope: &IdempotencyScope,
        request_hash: &str,
        now_ms: i64,
        expired_before_ms: i64,
    ) -> StoreResult<Option<IdempotencyRecord>>;
    /// Store the response of the request that claimed the key.
    async fn complete_idempotency_key(
        &self,
        scope: &IdempotencyScope,
        response: &StoredResponse,
        now_ms: i64,
    ) -> StoreResult<()>;
    /// Forget a claim whose request did not complete (a 5xx, a dropped connection), so that a
    /// retry runs again.
    async fn release_idempotency_key(&self, scope: &IdempotencyScope) -> StoreResult<()>;
    /// Delete keys created before `before_ms`; how many went.
    async fn purge_idempotency_keys(&self, before_ms: i64) -> StoreResult<u64>;
}
