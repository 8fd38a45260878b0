//! What feeds from other systems need from storage: alert sources, API keys, alerts.

use crate::ports::StoreResult;
use zhili_domain::{NodeCode, Scope};

/// A registered system that pushes alerts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSource {
    pub code: String,
    pub name: String,
    /// The category an alert gets when it names none.
    pub default_category: String,
    /// Alerts accepted per minute; more are refused with 429.
    pub per_minute: i64,
    /// Minutes within which someone must acknowledge (capped by the alert's priority).
    pub ack_minutes: i64,
}

/// A stored API key (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The one alert source this key may post for; `None`: any source, and Open311.
    pub source: Option<String>,
    /// The key's first characters, to tell keys apart in lists.
    pub prefix: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
}

/// The alert row written in the intake transaction, with the system's dispatch.
#[derive(Debug, Clone)]
pub struct NewAlertRecord {
    pub source: String,
    pub external_id: String,
    pub priority: String,
    pub occurred_at_ms: Option<i64>,
    pub ack_due_at_ms: i64,
    /// Accepted and assigned at intake: the routed node and the deadline in minutes.
    pub assignee: NodeCode,
    pub due_at_ms: i64,
    /// Notices written in the same transaction (to the assignee and the grid's community);
    /// their `case_id` is filled in by the store.
    pub notices: Vec<crate::ports::NewNotice>,
}

/// An alert as the duty desk sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    pub case_id: i64,
    pub number: String,
    pub title: String,
    pub category: String,
    pub state: String,
    pub community_code: String,
    pub grid_code: Option<String>,
    pub assignee: Option<String>,
    pub source: String,
    pub external_id: String,
    pub priority: String,
    pub occurred_at_ms: Option<i64>,
    pub received_at_ms: i64,
    pub ack_due_at_ms: i64,
    pub acknowledged_at_ms: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub contacted_at_ms: Option<i64>,
    pub contacted_by: Option<String>,
    pub contact_note: Option<String>,
    pub escalated_at_ms: Option<i64>,
    pub due_at_ms: Option<i64>,
}

#[async_trait::async_trait]
pub trait FeedStore: Send + Sync {
    async fn alert_sources(&self) -> StoreResult<Vec<AlertSource>>;
    /// Insert or update a source by code.
    async fn put_alert_source(&self, s: &AlertSource, at_ms: i64) -> StoreResult<()>;
    async fn insert_api_key(
        &self,
        name: &str,
        source: Option<&str>,
        key_hash: &str,
        prefix: &str,
        at_ms: i64,
    ) -> StoreResult<ApiKey>;
    /// The live key with this SHA-256 (hex), if any.
    async fn api_key_by_hash(&self, key_hash: &str) -> StoreResult<Option<ApiKey>>;
    async fn api_keys(&self) -> StoreResult<Vec<ApiKey>>;
    /// The case made for a source's alert id, if any.
    async fn alert_case_id(&self, source: &str, external_id: &str) -> StoreResult<Option<i64>>;
    async fn alert(&self, case_id: i64) -> StoreResult<Option<AlertRow>>;
    /// Alerts received since `since_ms` within `scope`, oldest first; open cases only when
    /// `open_only`.
    async fn alerts_in(
        &self,
        scope: &Scope,
        since_ms: i64,
        open_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<AlertRow>>;
    /// First acknowledgement wins; false when already acknowledged.
    async fn acknowledge_alert(&self, case_id: i64, at_ms: i64, by: &str) -> StoreResult<bool>;
    /// First contact wins; false when already recorded.
    async fn record_alert_contact(
        &self,
        case_id: i64,
        at_ms: i64,
        by: &str,
        note: &str,
    ) -> StoreResult<bool>;
    /// Unacknowledged, unescalated alerts whose acknowledgement was due before `now_ms`.
    async fn unacknowledged_due(&self, now_ms: i64, limit: i64) -> StoreResult<Vec<AlertRow>>;
    /// How many alerts have been taken in, ever.
    async fn count_alerts(&self) -> StoreResult<i64>;
    async fn mark_alert_escalated(&self, case_id: i64, at_ms: i64) -> StoreResult<bool>;
}
