//! Storage for outbound webhooks: subscriptions, the dispatch cursor over `case_events`, the
//! outbox of deliveries and their attempt log. See `docs/webhooks.md`.

use crate::ports::StoreResult;
use async_trait::async_trait;
use zhili_domain::webhook::{EventFilter, WebhookUrl};
use zhili_domain::{AuditEntry, DivisionCode};

/// A subscription as stored. `secret` is the vault's ciphertext of the signing secret.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: i64,
    pub name: String,
    pub url: WebhookUrl,
    pub secret: String,
    pub division: DivisionCode,
    pub events: EventFilter,
    pub active: bool,
    pub created_at_ms: i64,
}

/// Where the dispatcher has got to in `case_events`. On SQLite the event id alone (one
/// writer: ids commit in order); on PostgreSQL the inserting transaction's id first, then the
/// event id (ids from a sequence can commit out of order; transaction ids below the oldest
/// running one cannot change any more).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventCursor {
    pub txid: i64,
    pub event_id: i64,
}

/// A new timeline entry with what a webhook may say about its case (no personal data).
#[derive(Debug, Clone)]
pub struct HookEvent {
    pub cursor: EventCursor,
    pub event_id: i64,
    pub at_ms: i64,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub case_id: i64,
    pub number: String,
    pub kind: String,
    pub category: String,
    pub channel: String,
    pub community_code: String,
    pub grid_code: Option<String>,
}

/// One delivery to put in the outbox.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub subscription_id: i64,
    pub event_id: i64,
    pub event_type: String,
    pub body: String,
    pub next_at_ms: i64,
}

/// A delivery claimed for sending: its lease runs until the attempt is recorded.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub subscription_id: i64,
    pub event_type: String,
    pub body: String,
    /// This attempt's number (1 for the first).
    pub attempt: i64,
    pub url: String,
    pub secret: String,
}

/// What an attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    Delivered,
    /// Try again at this time.
    Retry {
        at_ms: i64,
    },
    /// No more attempts.
    Failed,
}

/// One attempt, for the delivery log.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: i64,
    pub attempt: i64,
    pub at_ms: i64,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// A delivery with its state, for the admin's list.
#[derive(Debug, Clone)]
pub struct DeliveryRecord {
    pub id: i64,
    pub event_id: i64,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub state: String,
    pub attempts: i64,
    pub created_at_ms: i64,
    pub next_at_ms: i64,
    pub delivered_at_ms: Option<i64>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub log: Vec<AttemptRecord>,
}

#[async_trait]
pub trait WebhookStore: Send + Sync {
    async fn insert_subscription(
        &self,
        s: &Subscription,
        audit: AuditEntry,
    ) -> StoreResult<Subscription>;
    /// Every subscription not removed, oldest first.
    async fn subscriptions(&self) -> StoreResult<Vec<Subscription>>;
    /// Remove a subscription and cancel its pending deliveries; false when there was none.
    async fn remove_subscription(&self, id: i64, audit: AuditEntry) -> StoreResult<bool>;
    /// Up to `limit` timeline entries after the stored cursor that can no longer be
    /// preceded by an uncommitted one, in cursor order; and the cursor they start after.
    async fn new_case_events(&self, limit: i64) -> StoreResult<(EventCursor, Vec<HookEvent>)>;
    /// Put deliveries in the outbox and move the cursor from `from` to `to`, in one
    /// transaction; false (nothing written) when another dispatcher moved it first.
    async fn enqueue_deliveries(
        &self,
        from: EventCursor,
        to: EventCursor,
        rows: &[NewDelivery],
    ) -> StoreResult<bool>;
    /// Claim up to `limit` pending deliveries due at `now_ms`, leasing them until `lease_until_ms`
    /// and counting the attempt. A delivery whose lease ran out (its sender died) is due again.
    async fn claim_deliveries(
        &self,
        now_ms: i64,
        lease_until_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Log attempts and set their deliveries' states, all in one transaction.
    async fn record_attempts(
        &self,
        attempts: &[(AttemptRecord, AttemptOutcome)],
    ) -> StoreResult<()>;
    /// A subscription's latest deliveries, newest first, each with its attempts.
    async fn deliveries(
        &self,
        subscription_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>>;
}
