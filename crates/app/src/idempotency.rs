//! `Idempotency-Key`: a client that retries a creating request with the same key gets the
//! first response back instead of a second record. Keys belong to a principal (the bearer
//! token's user or an API key), live 24 hours and are purged by the server's janitor.
//! The HTTP side (reading the body, replaying the response) is `zhili_web::idempotency`.

use crate::ports::SessionKind;
use crate::ports::{IdempotencyScope, StoredResponse};
use crate::{App, AppResult};
use sha2::{Digest, Sha256};
use zhili_domain::ParseError;

/// How long a key is remembered.
pub const KEY_TTL_MS: i64 = 24 * 3600 * 1000;
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// What to do with a request that carries a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First time: run it, then `complete_idempotent` (or `release_idempotent`).
    Run,
    /// The same request completed before: answer this.
    Replay(StoredResponse),
    /// The same request is still running.
    InProgress,
    /// The key was used for a different request.
    KeyReused,
}

/// A key as sent: 1 to 255 visible ASCII characters.
pub fn parse_key(raw: &str) -> Result<String, ParseError> {
    if raw.is_empty() || raw.len() > MAX_KEY_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ParseError::new(
            "Idempotency-Key",
            "idempotency.key_invalid",
            format!("Idempotency-Key 须为 1 至 {MAX_KEY_LEN} 个可见 ASCII 字符"),
        ));
    }
    Ok(raw.to_owned())
}

/// The fingerprint of a request: its query string and body bytes.
pub fn request_hash(query: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update((query.len() as u64).to_be_bytes());
    h.update(query.as_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

impl App {
    /// Whose keys a request uses: the user of a live bearer session, or the API key itself
    /// (by its hash). `None` for anonymous requests, whose keys are ignored. Reading the
    /// session here changes nothing (the handler authenticates as usual).
    pub async fn idempotency_principal(
        &self,
        bearer: Option<&str>,
        api_key: Option<&str>,
    ) -> AppResult<Option<String>> {
        if let Some(token) = bearer {
            let now = self.now_ms();
            let live = self
                .store
                .session(&crate::auth::token_hash(token))
                .await?
                .filter(|s| {
                    s.kind == SessionKind::Bearer && s.expires_at_ms > now && !s.user.disabled
                });
            return Ok(live.map(|s| format!("user:{}", s.user.id)));
        }
        Ok(api_key.map(|k| format!("api_key:{}", crate::auth::token_hash(k))))
    }

    /// Claim `scope` for a request with fingerprint `hash`.
    pub async fn claim_idempotent(&self, scope: &IdempotencyScope, hash: &str) -> AppResult<Claim> {
        let now = self.now_ms();
        let earlier = self
            .store
            .claim_idempotency_key(scope, hash, now, now - KEY_TTL_MS)
            .await?;
        Ok(match earlier {
            None => Claim::Run,
            Some(r) if r.request_hash != hash => Claim::KeyReused,
            Some(r) => match r.response {
                Some(resp) => Claim::Replay(resp),
                None => Claim::InProgress,
            },
        })
    }

    pub async fn complete_idempotent(
        &self,
        scope: &IdempotencyScope,
        response: &StoredResponse,
    ) -> AppResult<()> {
        Ok(self
            .store
            .complete_idempotency_key(scope, response, self.now_ms())
            .await?)
    }

    pub async fn release_idempotent(&self, scope: &IdempotencyScope) -> AppResult<()> {
        Ok(self.store.release_idempotency_key(scope).await?)
    }

    /// Forget keys older than 24 hours (the server's janitor calls this hourly).
    pub async fn purge_idempotency_keys(&self) -> AppResult<u64> {
        Ok(self
            .store
            .purge_idempotency_keys(self.now_ms() - KEY_TTL_MS)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert!(parse_key("a").is_ok());
        assert!(parse_key(&"k".repeat(255)).is_ok());
        let e = parse_key(&"k".repeat(256)).unwrap_err();
        assert_eq!(e.code, "idempotency.key_invalid");
        assert!(parse_key("").is_err());
        assert!(parse_key("with space").is_err());
        assert!(parse_key("中文").is_err());
    }

    #[test]
    fn the_query_string_is_part_of_the_fingerprint() {
        assert_ne!(request_hash("name=a", b"x"), request_hash("name=b", b"x"));
        assert_ne!(request_hash("a", b"bc"), request_hash("ab", b"c"));
        assert_eq!(request_hash("", b"x"), request_hash("", b"x"));
    }
}
