//! `Idempotency-Key` rows: claimed before the request runs, completed with its response.

use crate::{corrupt, run, Db};
use async_trait::async_trait;
use zhili_app::ports::{
    IdempotencyRecord, IdempotencyScope, IdempotencyStore, StoreResult, StoredResponse,
};

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: String,
    status: Option<i64>,
    headers: Option<String>,
    body: Option<Vec<u8>>,
}

const KEY_MATCH: &str = "principal = $1 AND method = $2 AND path = $3 AND idem_key = $4";

/// Headers as stored: one `name: value` a line (header values hold no line breaks).
fn encode_headers(headers: &[(String, String)]) -> String {
    headers.iter().map(|(n, v)| format!("{n}: {v}\n")).collect()
}

fn decode_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect()
}

impl KeyRow {
    fn into_record(self) -> Result<IdempotencyRecord, crate::DbError> {
        let response = match self.status {
            None => None,
            Some(s) => Some(StoredResponse {
                status: u16::try_from(s).map_err(|e| corrupt("idempotency_keys.status", e))?,
                headers: decode_headers(self.headers.as_deref().unwrap_or("")),
                body: self.body.unwrap_or_default(),
            }),
        };
        Ok(IdempotencyRecord {
            request_hash: self.request_hash,
            response,
        })
    }
}

#[async_trait]
impl IdempotencyStore for Db {
    async fn claim_idempotency_key(
        &self,
        k: &IdempotencyScope,
        request_hash: &str,
        now_ms: i64,
        expired_before_ms: i64,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        run(async {
            let row: Option<KeyRow> = on_write!(self, |tx| {
                sqlx::query(&format!(
                    "DELETE FROM idempotency_keys WHERE {KEY_MATCH} AND created_at < $5"
                ))
                .bind(&k.principal)
                .bind(&k.method)
                .bind(&k.path)
                .bind(&k.key)
                .bind(expired_before_ms)
                .execute(&mut *tx)
                .await?;
                let claimed = sqlx::query(
                    "INSERT INTO idempotency_keys (principal, method, path, idem_key, request_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(&k.principal)
                .bind(&k.method)
                .bind(&k.path)
                .bind(&k.key)
                .bind(request_hash)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if claimed {
                    None
                } else {
                    sqlx::query_as(&format!(
                        "SELECT request_hash, status, headers, body FROM idempotency_keys WHERE {KEY_MATCH}"
                    ))
                    .bind(&k.principal)
                    .bind(&k.method)
                    .bind(&k.path)
                    .bind(&k.key)
                    .fetch_optional(&mut *tx)
                    .await?
                }
            });
            row.map(KeyRow::into_record).transpose()
        })
        .await
    }

    async fn complete_idempotency_key(
        &self,
        k: &IdempotencyScope,
        response: &StoredResponse,
        now_ms: i64,
    ) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| sqlx::query(&format!(
                "UPDATE idempotency_keys SET status = $5, headers = $6, body = $7, completed_at = $8 \
                 WHERE {KEY_MATCH}"
            ))
            .bind(&k.principal)
            .bind(&k.method)
            .bind(&k.path)
            .bind(&k.key)
            .bind(i64::from(response.status))
            .bind(encode_headers(&response.headers))
            .bind(&response.body)
            .bind(now_ms)
            .execute(&mut *tx)
            .await
            .map(|_| ())?);
            Ok(())
        })
        .await
    }

    async fn release_idempotency_key(&self, k: &IdempotencyScope) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| sqlx::query(&format!(
                "DELETE FROM idempotency_keys WHERE {KEY_MATCH} AND status IS NULL"
            ))
            .bind(&k.principal)
            .bind(&k.method)
            .bind(&k.path)
            .bind(&k.key)
            .execute(&mut *tx)
            .await
            .map(|_| ())?);
            Ok(())
        })
        .await
    }

    async fn purge_idempotency_keys(&self, before_ms: i64) -> StoreResult<u64> {
        run(async {
            Ok(on_write!(self, |tx| sqlx::query(
                "DELETE FROM idempotency_keys WHERE created_at < $1"
            )
            .bind(before_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_survive_the_round_trip() {
        let h = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("location".to_owned(), "/api/v1/cases/1".to_owned()),
        ];
        assert_eq!(decode_headers(&encode_headers(&h)), h);
    }
}
