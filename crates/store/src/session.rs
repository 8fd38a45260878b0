//! Sessions (cookie and bearer), keyed by the SHA-256 of their token.

use crate::user::{UserRow, USER_COLUMNS};
use crate::{corrupt, run, Db};
use async_trait::async_trait;
use zhili_app::ports::{SessionKind, SessionRecord, SessionStore, StoreResult};
use zhili_domain::AuditEntry;

#[derive(sqlx::FromRow)]
struct SessionRow {
    token_hash: String,
    kind: String,
    csrf_token: String,
    created_at: i64,
    last_seen_at: i64,
    expires_at: i64,
    #[sqlx(flatten)]
    user: UserRow,
}

#[async_trait]
impl SessionStore for Db {
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>> {
        run(async {
            let cols = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
            let sql = format!(
                "SELECT s.token_hash, s.kind, s.csrf_token, s.created_at, s.last_seen_at, s.expires_at, {cols} \
                 FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1"
            );
            let row: Option<SessionRow> = on_read!(self, |p| sqlx::query_as(&sql).bind(token_hash).fetch_optional(p).await?);
            let Some(r) = row else { return Ok(None) };
            let kind = match r.kind.as_str() {
                "cookie" => SessionKind::Cookie,
                "bearer" => SessionKind::Bearer,
                other => return Err(corrupt("sessions.kind", other)),
            };
            Ok(Some(SessionRecord {
                token_hash: r.token_hash,
                kind,
                csrf_token: r.csrf_token,
                created_at_ms: r.created_at,
                last_seen_at_ms: r.last_seen_at,
                expires_at_ms: r.expires_at,
                user: r.user.into_domain()?,
            }))
        })
        .await
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        last_seen_at_ms: i64,
        expires_at_ms: i64,
    ) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                sqlx::query(
                    "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
                )
                .bind(last_seen_at_ms)
                .bind(expires_at_ms)
                .bind(token_hash)
                .execute(&mut *tx)
                .await?;
            });
            Ok(())
        })
        .await
    }

    async fn end_session(&self, token_hash: &str, audit: AuditEntry) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&mut *tx)
                    .await?;
                append_audit!(tx, audit);
            });
            Ok(())
        })
        .await
    }

    async fn purge_sessions(&self, now_ms: i64) -> StoreResult<u64> {
        run(async {
            Ok(on_write!(self, |tx| sqlx::query(
                "DELETE FROM sessions WHERE expires_at <= $1"
            )
            .bind(now_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()))
        })
        .await
    }
}
