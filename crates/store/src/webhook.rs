//! Webhook subscriptions, the dispatch cursor, the outbox and its attempt log.

use crate::dialect::Dialect as _;
use crate::{corrupt, run, Backend, Db, DbError};
use async_trait::async_trait;
use std::collections::HashMap;
use zhili_app::ports::{
    AttemptOutcome, AttemptRecord, ClaimedDelivery, DeliveryRecord, EventCursor, HookEvent,
    NewDelivery, StoreResult, Subscription, WebhookStore,
};
use zhili_domain::webhook::{EventFilter, WebhookUrl};
use zhili_domain::{AuditEntry, DivisionCode};

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: i64,
    name: String,
    url: String,
    secret: String,
    division_code: String,
    events: String,
    active: bool,
    created_at: i64,
}

impl SubscriptionRow {
    fn into_domain(self) -> Result<Subscription, DbError> {
        Ok(Subscription {
            id: self.id,
            name: self.name,
            url: WebhookUrl::parse(&self.url)
                .map_err(|e| corrupt("webhook_subscriptions.url", e))?,
            secret: self.secret,
            division: DivisionCode::parse(&self.division_code)
                .map_err(|e| corrupt("webhook_subscriptions.division_code", e))?,
            events: EventFilter::parse(&self.events)
                .map_err(|e| corrupt("webhook_subscriptions.events", e))?,
            active: self.active,
            created_at_ms: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    txid: i64,
    id: i64,
    at: i64,
    action: String,
    from_state: Option<String>,
    to_state: String,
    case_id: i64,
    number: String,
    kind: String,
    category: String,
    channel: String,
    community_code: String,
    grid_code: Option<String>,
}

const EVENT_COLUMNS: &str = "e.id, e.at, e.action, e.from_state, e.to_state, e.case_id, c.number, c.kind, \
     c.category, c.channel, c.community_code, c.grid_code FROM case_events e JOIN cases c ON c.id = e.case_id";

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: i64,
    subscription_id: i64,
    event_type: String,
    body: String,
    attempts: i64,
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    event_id: i64,
    event_type: String,
    state: String,
    attempts: i64,
    created_at: i64,
    next_at: i64,
    delivered_at: Option<i64>,
    last_status: Option<i64>,
    last_error: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    outbox_id: i64,
    attempt: i64,
    at: i64,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

#[async_trait]
impl WebhookStore for Db {
    async fn insert_subscription(
        &self,
        s: &Subscription,
        audit: AuditEntry,
    ) -> StoreResult<Subscription> {
        run(async {
            let id: i64 = on_write!(self, |tx| {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO webhook_subscriptions (name, url, secret, division_code, events, active, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(&s.name)
                .bind(s.url.as_str())
                .bind(&s.secret)
                .bind(s.division.as_str())
                .bind(s.events.to_string())
                .bind(s.active)
                .bind(s.created_at_ms)
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.object = format!("webhook:{id}");
                append_audit!(tx, audit);
                id
            });
            Ok(Subscription { id, ..s.clone() })
        })
        .await
    }

    async fn subscriptions(&self) -> StoreResult<Vec<Subscription>> {
        run(async {
            let rows: Vec<SubscriptionRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, name, url, secret, division_code, events, active, created_at \
                 FROM webhook_subscriptions WHERE removed_at IS NULL ORDER BY id"
            )
            .fetch_all(p)
            .await?);
            rows.into_iter().map(SubscriptionRow::into_domain).collect()
        })
        .await
    }

    async fn remove_subscription(&self, id: i64, audit: AuditEntry) -> StoreResult<bool> {
        run(async {
            Ok(on_write!(self, |tx| {
                let now = audit.at_ms;
                let n = sqlx::query(
                    "UPDATE webhook_subscriptions SET active = FALSE, removed_at = $1 WHERE id = $2 AND removed_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n > 0 {
                    sqlx::query("UPDATE webhook_outbox SET state = 'cancelled' WHERE subscription_id = $1 AND state = 'pending'")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    append_audit!(tx, audit);
                }
                n > 0
            }))
        })
        .await
    }

    async fn new_case_events(&self, limit: i64) -> StoreResult<(EventCursor, Vec<HookEvent>)> {
        run(async {
            let (txid, event_id): (i64, i64) = on_read!(self, |p| sqlx::query_as(
                "SELECT txid, event_id FROM webhook_cursor WHERE id = 1"
            )
            .fetch_one(p)
            .await?);
            let from = EventCursor { txid, event_id };
            let rows: Vec<EventRow> = match &self.backend {
                // One writer commits in id order: nothing can appear below an id already seen.
                Backend::Sqlite { read, .. } => {
                    sqlx::query_as(&format!(
                        "SELECT 0 AS txid, {EVENT_COLUMNS} WHERE e.id > $1 ORDER BY e.id LIMIT $2"
                    ))
                    .bind(event_id)
                    .bind(limit)
                    .fetch_all(read)
                    .await?
                }
                // Only entries of transactions older than every running one: the set of those
                // is final, and every later one sorts after them by transaction id.
                Backend::Postgres(p) => {
                    sqlx::query_as(&format!(
                        "SELECT e.txid::text::bigint AS txid, {EVENT_COLUMNS} \
                         WHERE e.txid IS NOT NULL AND (e.txid, e.id) > ($1::text::xid8, $2) \
                         AND e.txid < pg_snapshot_xmin(pg_current_snapshot()) \
                         ORDER BY e.txid, e.id LIMIT $3"
                    ))
                    .bind(txid.to_string())
                    .bind(event_id)
                    .bind(limit)
                    .fetch_all(p)
                    .await?
                }
            };
            let events = rows
                .into_iter()
                .map(|r| HookEvent {
                    cursor: EventCursor {
                        txid: r.txid,
                        event_id: r.id,
                    },
                    event_id: r.id,
                    at_ms: r.at,
                    action: r.action,
                    from_state: r.from_state,
                    to_state: r.to_state,
                    case_id: r.case_id,
                    number: r.number,
                    kind: r.kind,
                    category: r.category,
                    channel: r.channel,
                    community_code: r.community_code,
                    grid_code: r.grid_code,
                })
                .collect();
            Ok((from, events))
        })
        .await
    }

    async fn enqueue_deliveries(
        &self,
        from: EventCursor,
        to: EventCursor,
        rows: &[NewDelivery],
    ) -> StoreResult<bool> {
        run(async {
            Ok(on_write!(self, |tx| {
                let moved = sqlx::query(
                    "UPDATE webhook_cursor SET txid = $1, event_id = $2 WHERE id = 1 AND txid = $3 AND event_id = $4",
                )
                .bind(to.txid)
                .bind(to.event_id)
                .bind(from.txid)
                .bind(from.event_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                    == 1;
                if moved {
                    for chunk in rows.chunks(500) {
                        let mut qb = sqlx::QueryBuilder::new(
                            "INSERT INTO webhook_outbox (subscription_id, event_id, event_type, body, next_at, created_at) ",
                        );
                        qb.push_values(chunk, |mut b, r| {
                            b.push_bind(r.subscription_id)
                                .push_bind(r.event_id)
                                .push_bind(&r.event_type)
                                .push_bind(&r.body)
                                .push_bind(r.next_at_ms)
                                .push_bind(r.next_at_ms);
                        });
                        qb.push(" ON CONFLICT (subscription_id, event_id) DO NOTHING");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                moved
            }))
        })
        .await
    }

    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        run(async {
            // Look before taking the write lock: an idle outbox costs a read, not a write.
            let due: Option<i64> = on_read!(self, |p| sqlx::query_scalar(
                "SELECT id FROM webhook_outbox WHERE state = 'pending' AND next_at <= $1 LIMIT 1"
            )
            .bind(now_ms)
            .fetch_optional(p)
            .await?);
            if due.is_none() {
                return Ok(Vec::new());
            }
            Ok(on_write!(self, |tx| {
                let sql = format!(
                    "UPDATE webhook_outbox SET next_at = $1, attempts = attempts + 1 WHERE id IN \
                     (SELECT id FROM webhook_outbox WHERE state = 'pending' AND next_at <= $2 ORDER BY next_at, id LIMIT $3{}) \
                     RETURNING id, subscription_id, event_type, body, attempts",
                    tx.skip_locked()
                );
                let rows: Vec<ClaimRow> = sqlx::query_as(&sql)
                    .bind(lease_until_ms)
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(&mut *tx)
                    .await?;
                let subs: HashMap<i64, (String, String)> = if rows.is_empty() {
                    HashMap::new()
                } else {
                    sqlx::query_as::<_, (i64, String, String)>("SELECT id, url, secret FROM webhook_subscriptions")
                        .fetch_all(&mut *tx)
                        .await?
                        .into_iter()
                        .map(|(id, url, secret)| (id, (url, secret)))
                        .collect()
                };
                let mut out = Vec::with_capacity(rows.len());
                for r in rows {
                    let (url, secret) = subs
                        .get(&r.subscription_id)
                        .cloned()
                        .ok_or_else(|| corrupt("webhook_outbox.subscription_id", r.subscription_id))?;
                    out.push(ClaimedDelivery {
                        id: r.id,
                        subscription_id: r.subscription_id,
                        event_type: r.event_type,
                        body: r.body,
                        attempt: r.attempts,
                        url,
                        secret,
                    });
                }
                out
            }))
        })
        .await
    }

    async fn record_attempts(
        &self,
        attempts: &[(AttemptRecord, AttemptOutcome)],
    ) -> StoreResult<()> {
        if attempts.is_empty() {
            return Ok(());
        }
        run(async {
            on_write!(self, |tx| for (a, outcome) in attempts {
                sqlx::query(
                    "INSERT INTO webhook_attempts (outbox_id, attempt, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.delivery_id)
                .bind(a.attempt)
                .bind(a.at_ms)
                .bind(a.status_code)
                .bind(a.error.as_deref())
                .bind(a.duration_ms)
                .execute(&mut *tx)
                .await?;
                // A delivery is delivered whoever sent it; a retry or a give-up only applies
                // while this attempt is still the latest (a sender past its lease may be late).
                match outcome {
                    AttemptOutcome::Delivered => sqlx::query(
                        "UPDATE webhook_outbox SET state = 'delivered', delivered_at = $1, last_status = $2, last_error = NULL \
                         WHERE id = $3 AND state = 'pending'",
                    )
                    .bind(a.at_ms)
                    .bind(a.status_code)
                    .bind(a.delivery_id)
                    .execute(&mut *tx)
                    .await?,
                    AttemptOutcome::Retry { at_ms } => sqlx::query(
                        "UPDATE webhook_outbox SET next_at = $1, last_status = $2, last_error = $3 \
                         WHERE id = $4 AND state = 'pending' AND attempts = $5",
                    )
                    .bind(*at_ms)
                    .bind(a.status_code)
                    .bind(a.error.as_deref())
                    .bind(a.delivery_id)
                    .bind(a.attempt)
                    .execute(&mut *tx)
                    .await?,
                    AttemptOutcome::Failed => sqlx::query(
                        "UPDATE webhook_outbox SET state = 'failed', last_status = $1, last_error = $2 \
                         WHERE id = $3 AND state = 'pending' AND attempts = $4",
                    )
                    .bind(a.status_code)
                    .bind(a.error.as_deref())
                    .bind(a.delivery_id)
                    .bind(a.attempt)
                    .execute(&mut *tx)
                    .await?,
                };
            });
            Ok(())
        })
        .await
    }

    async fn deliveries(
        &self,
        subscription_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        run(async {
            let rows: Vec<OutboxRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, event_id, event_type, state, attempts, created_at, next_at, delivered_at, last_status, last_error \
                 FROM webhook_outbox WHERE subscription_id = $1 ORDER BY id DESC LIMIT $2"
            )
            .bind(subscription_id)
            .bind(limit)
            .fetch_all(p)
            .await?);
            let Some(oldest) = rows.last().map(|r| r.id) else {
                return Ok(Vec::new());
            };
            let attempts: Vec<AttemptRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT a.outbox_id, a.attempt, a.at, a.status_code, a.error, a.duration_ms FROM webhook_attempts a \
                 JOIN webhook_outbox o ON o.id = a.outbox_id WHERE o.subscription_id = $1 AND o.id >= $2 \
                 ORDER BY a.outbox_id, a.attempt, a.id"
            )
            .bind(subscription_id)
            .bind(oldest)
            .fetch_all(p)
            .await?);
            let mut log: HashMap<i64, Vec<AttemptRecord>> = HashMap::new();
            for a in attempts {
                log.entry(a.outbox_id).or_default().push(AttemptRecord {
                    delivery_id: a.outbox_id,
                    attempt: a.attempt,
                    at_ms: a.at,
                    status_code: a.status_code,
                    error: a.error,
                    duration_ms: a.duration_ms,
                });
            }
            Ok(rows
                .into_iter()
                .map(|r| DeliveryRecord {
                    log: log.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    event_id: r.event_id,
                    event_type: r.event_type,
                    state: r.state,
                    attempts: r.attempts,
                    created_at_ms: r.created_at,
                    next_at_ms: r.next_at,
                    delivered_at_ms: r.delivered_at,
                    last_status: r.last_status,
                    last_error: r.last_error,
                })
                .collect())
        })
        .await
    }
}
