//! Alert sources, API keys and alerts (`FeedStore`). The alert row itself is written by the
//! case intake transaction (`case.rs`, `insert_case!`), so a case and its alert id commit
//! together and a duplicate id rolls the whole intake back.

use crate::case_query::push_case_scope;
use crate::{run, Db};
use async_trait::async_trait;
use sqlx::QueryBuilder;
use zhili_app::ports::{AlertRow, AlertSource, ApiKey, FeedStore, StoreResult};
use zhili_domain::Scope;

#[derive(sqlx::FromRow)]
struct SourceRow {
    code: String,
    name: String,
    default_category: String,
    per_minute: i64,
    ack_minutes: i64,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    name: String,
    source: Option<String>,
    prefix: String,
    created_at: i64,
    revoked_at: Option<i64>,
}

impl From<KeyRow> for ApiKey {
    fn from(r: KeyRow) -> Self {
        ApiKey {
            id: r.id,
            name: r.name,
            source: r.source,
            prefix: r.prefix,
            created_at_ms: r.created_at,
            revoked_at_ms: r.revoked_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AlertDbRow {
    case_id: i64,
    number: String,
    title: String,
    category: String,
    state: String,
    community_code: String,
    grid_code: Option<String>,
    assignee_code: Option<String>,
    source: String,
    external_id: String,
    priority: String,
    occurred_at: Option<i64>,
    received_at: i64,
    ack_due_at: i64,
    acknowledged_at: Option<i64>,
    acknowledged_by: Option<String>,
    contacted_at: Option<i64>,
    contacted_by: Option<String>,
    contact_note: Option<String>,
    escalated_at: Option<i64>,
    due_at: Option<i64>,
}

impl From<AlertDbRow> for AlertRow {
    fn from(r: AlertDbRow) -> Self {
        AlertRow {
            case_id: r.case_id,
            number: r.number,
            title: r.title,
            category: r.category,
            state: r.state,
            community_code: r.community_code,
            grid_code: r.grid_code,
            assignee: r.assignee_code,
            source: r.source,
            external_id: r.external_id,
            priority: r.priority,
            occurred_at_ms: r.occurred_at,
            received_at_ms: r.received_at,
            ack_due_at_ms: r.ack_due_at,
            acknowledged_at_ms: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by,
            contacted_at_ms: r.contacted_at,
            contacted_by: r.contacted_by,
            contact_note: r.contact_note,
            escalated_at_ms: r.escalated_at,
            due_at_ms: r.due_at,
        }
    }
}

const ALERT_SELECT: &str = "SELECT a.case_id, c.number, c.title, c.category, c.state, c.community_code, c.grid_code, \
     c.assignee_code, a.source, a.external_id, a.priority, a.occurred_at, a.received_at, a.ack_due_at, \
     a.acknowledged_at, a.acknowledged_by, a.contacted_at, a.contacted_by, a.contact_note, a.escalated_at, c.due_at \
     FROM alerts a JOIN cases c ON c.id = a.case_id";

const KEY_COLUMNS: &str = "id, name, source, prefix, created_at, revoked_at";

#[async_trait]
impl FeedStore for Db {
    async fn alert_sources(&self) -> StoreResult<Vec<AlertSource>> {
        run(async {
            let rows: Vec<SourceRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT code, name, default_category, per_minute, ack_minutes FROM alert_sources ORDER BY code"
            )
            .fetch_all(p)
            .await?);
            Ok(rows
                .into_iter()
                .map(|r| AlertSource {
                    code: r.code,
                    name: r.name,
                    default_category: r.default_category,
                    per_minute: r.per_minute,
                    ack_minutes: r.ack_minutes,
                })
                .collect())
        })
        .await
    }

    async fn put_alert_source(&self, s: &AlertSource, at_ms: i64) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| sqlx::query(
                "INSERT INTO alert_sources (code, name, default_category, per_minute, ack_minutes, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                 default_category = excluded.default_category, per_minute = excluded.per_minute, ack_minutes = excluded.ack_minutes"
            )
            .bind(&s.code)
            .bind(&s.name)
            .bind(&s.default_category)
            .bind(s.per_minute)
            .bind(s.ack_minutes)
            .bind(at_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected());
            Ok(())
        })
        .await
    }

    async fn insert_api_key(
        &self,
        name: &str,
        source: Option<&str>,
        key_hash: &str,
        prefix: &str,
        at_ms: i64,
    ) -> StoreResult<ApiKey> {
        run(async {
            let row: KeyRow = on_write!(self, |tx| sqlx::query_as(&format!(
                "INSERT INTO api_keys (name, source, key_hash, prefix, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING {KEY_COLUMNS}"
            ))
            .bind(name)
            .bind(source)
            .bind(key_hash)
            .bind(prefix)
            .bind(at_ms)
            .fetch_one(&mut *tx)
            .await?);
            Ok(row.into())
        })
        .await
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>> {
        run(async {
            let row: Option<KeyRow> = on_read!(self, |p| sqlx::query_as(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"
            ))
            .bind(key_hash)
            .fetch_optional(p)
            .await?);
            Ok(row.map(Into::into))
        })
        .await
    }

    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>> {
        run(async {
            let rows: Vec<KeyRow> = on_read!(self, |p| sqlx::query_as(&format!(
                "SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"
            ))
            .fetch_all(p)
            .await?);
            Ok(rows.into_iter().map(Into::into).collect())
        })
        .await
    }

    async fn alert_case_id(&self, source: &str, external_id: &str) -> StoreResult<Option<i64>> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT case_id FROM alerts WHERE source = $1 AND external_id = $2"
            )
            .bind(source)
            .bind(external_id)
            .fetch_optional(p)
            .await?))
        })
        .await
    }

    async fn alert(&self, case_id: i64) -> StoreResult<Option<AlertRow>> {
        run(async {
            let row: Option<AlertDbRow> = on_read!(self, |p| sqlx::query_as(&format!(
                "{ALERT_SELECT} WHERE a.case_id = $1"
            ))
            .bind(case_id)
            .fetch_optional(p)
            .await?);
            Ok(row.map(Into::into))
        })
        .await
    }

    async fn alerts_in(
        &self,
        scope: &Scope,
        since_ms: i64,
        open_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<AlertRow>> {
        run(async {
            let rows: Vec<AlertDbRow> = on_read!(self, |p| {
                let mut qb = QueryBuilder::new(ALERT_SELECT);
                qb.push(" WHERE a.received_at >= ").push_bind(since_ms);
                push_case_scope(&mut qb, scope);
                if open_only {
                    qb.push(" AND c.state NOT IN ('closed', 'rejected', 'resolved', 'failed')");
                }
                qb.push(" ORDER BY a.received_at LIMIT ").push_bind(limit);
                qb.build_query_as().fetch_all(p).await?
            });
            Ok(rows.into_iter().map(Into::into).collect())
        })
        .await
    }

    async fn acknowledge_alert(&self, case_id: i64, at_ms: i64, by: &str) -> StoreResult<bool> {
        run(async {
            let n = on_write!(self, |tx| sqlx::query(
                "UPDATE alerts SET acknowledged_at = $1, acknowledged_by = $2 WHERE case_id = $3 AND acknowledged_at IS NULL"
            )
            .bind(at_ms)
            .bind(by)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected());
            Ok(n == 1)
        })
        .await
    }

    async fn record_alert_contact(
        &self,
        case_id: i64,
        at_ms: i64,
        by: &str,
        note: &str,
    ) -> StoreResult<bool> {
        run(async {
            let n = on_write!(self, |tx| sqlx::query(
                "UPDATE alerts SET contacted_at = $1, contacted_by = $2, contact_note = $3 WHERE case_id = $4 AND contacted_at IS NULL"
            )
            .bind(at_ms)
            .bind(by)
            .bind(note)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected());
            Ok(n == 1)
        })
        .await
    }

    async fn unacknowledged_due(&self, now_ms: i64, limit: i64) -> StoreResult<Vec<AlertRow>> {
        run(async {
            let rows: Vec<AlertDbRow> = on_read!(self, |p| sqlx::query_as(&format!(
                "{ALERT_SELECT} WHERE a.acknowledged_at IS NULL AND a.escalated_at IS NULL AND a.ack_due_at < $1 \
                 AND c.state NOT IN ('closed', 'rejected') ORDER BY a.ack_due_at LIMIT $2"
            ))
            .bind(now_ms)
            .bind(limit)
            .fetch_all(p)
            .await?);
            Ok(rows.into_iter().map(Into::into).collect())
        })
        .await
    }

    async fn count_alerts(&self) -> StoreResult<i64> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM alerts"
            )
            .fetch_one(p)
            .await?))
        })
        .await
    }

    async fn mark_alert_escalated(&self, case_id: i64, at_ms: i64) -> StoreResult<bool> {
        run(async {
            let n = on_write!(self, |tx| sqlx::query(
                "UPDATE alerts SET escalated_at = $1 WHERE case_id = $2 AND escalated_at IS NULL AND acknowledged_at IS NULL"
            )
            .bind(at_ms)
            .bind(case_id)
            .execute(&mut *tx)
            .await?
            .rows_affected());
            Ok(n == 1)
        })
        .await
    }
}
