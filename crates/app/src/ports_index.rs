//! Storage for the composite indices: imported department figures (versioned), the case
//! aggregates the platform metrics are computed from, and published report issues.

use crate::ports::StoreResult;
use async_trait::async_trait;
use zhili_domain::{AuditEntry, Level};

/// One imported value.
#[derive(Debug, Clone, PartialEq)]
pub struct NewIndexValue {
    pub unit: String,
    pub period: String,
    pub indicator: String,
    pub value: Option<f64>,
}

/// The case counts of one community over a period, from a few GROUP BY queries; every
/// higher level is the sum of its communities.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseAggregate {
    pub received: i64,
    pub disputes: i64,
    /// Distinct categories among the disputes received (a repeat is a second dispute of the
    /// same category in the same community and period).
    pub dispute_categories: i64,
    pub grid_reports: i64,
    pub escalated: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub ended: i64,
    pub agreed: i64,
    pub rated: i64,
    pub rating_sum: i64,
    /// Hours from creation to closure (floored) → cases closed.
    pub close_hours: Vec<(i64, i64)>,
}

/// A synthetic closed case for the demo's mediation index (no parties, no timeline).
#[derive(Debug, Clone)]
pub struct SyntheticCase {
    pub number: String,
    pub tracking_code: String,
    pub category: String,
    pub channel: &'static str,
    pub community_code: String,
    pub created_at_ms: i64,
    pub escalations: i64,
    /// `Some` for a closed case: closed at, on time, outcome (`agreement`/`failure`).
    pub closed: Option<(i64, bool, &'static str)>,
    pub rating: Option<(i64, i64)>,
}

/// One department upload, for the list of past uploads.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexUpload {
    pub version: i64,
    pub rows: i64,
    pub uploaded_by: String,
    pub uploaded_at_ms: i64,
}

/// A published issue as stored.
#[derive(Debug, Clone)]
pub struct ReportRecord {
    pub index_id: String,
    pub issue_no: i64,
    pub period: String,
    pub title: String,
    /// The issue's computed results, JSON.
    pub body: String,
    pub published_by: String,
    pub published_at_ms: i64,
}

#[async_trait]
pub trait IndexStore: Send + Sync {
    /// `(code, name)` of every division at `level`, by code.
    async fn index_units(&self, level: Level) -> StoreResult<Vec<(String, String)>>;
    /// `(unit, indicator, value)` of an index and period, the latest version last.
    async fn index_values(
        &self,
        index_id: &str,
        period: &str,
    ) -> StoreResult<Vec<(String, String, Option<f64>)>>;
    /// Periods with imported values, newest first.
    async fn index_periods(&self, index_id: &str) -> StoreResult<Vec<String>>;
    /// Writes one upload as the next version of the index, with its audit record, in one
    /// transaction; returns the version.
    async fn add_index_values(
        &self,
        index_id: &str,
        rows: &[NewIndexValue],
        uploaded_by: &str,
        at_ms: i64,
        audit: AuditEntry,
    ) -> StoreResult<i64>;
    /// The index's uploads, newest first, at most `limit`.
    async fn index_uploads(&self, index_id: &str, limit: i64) -> StoreResult<Vec<IndexUpload>>;
    /// Case counts per community over `[from_ms, to_ms)`.
    async fn case_aggregates(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<(String, CaseAggregate)>>;
    /// Residents in the registry per community.
    async fn resident_counts(&self) -> StoreResult<Vec<(String, i64)>>;
    /// Inserts synthetic cases (the demo); the caller guarantees unique numbers.
    async fn load_synthetic_cases(&self, cases: &[SyntheticCase]) -> StoreResult<()>;
    /// Stores the next issue of `r.index_id` (its number allocated inside the transaction,
    /// `r.issue_no` ignored) with its audit record; returns the number.
    async fn publish_report(&self, r: &ReportRecord, audit: AuditEntry) -> StoreResult<i64>;
    async fn report(&self, index_id: &str, issue_no: i64) -> StoreResult<Option<ReportRecord>>;
    /// Every issue (body left empty), newest first.
    async fn reports(&self) -> StoreResult<Vec<ReportRecord>>;
}
