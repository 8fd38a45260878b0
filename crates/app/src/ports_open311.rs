//! What Open311 needs from storage: its row beside a case, the public cases by filter, and the
//! timeline entries of public cases by time.

use crate::ports::StoreResult;
use zhili_domain::case::{Case, CaseState};
use zhili_domain::DivisionCode;

/// The Open311 row written in the intake transaction of a case posted through Open311.
#[derive(Debug, Clone)]
pub struct NewOpen311Record {
    pub token: String,
    pub api_key_id: i64,
    pub media_url: Option<String>,
}

/// Which public cases (hazards and service requests) to list, newest first.
#[derive(Debug, Clone)]
pub struct Open311Query {
    /// The jurisdiction: cases in this division's subtree only.
    pub within: DivisionCode,
    /// Case numbers; empty: any.
    pub numbers: Vec<String>,
    /// Category codes, exactly; empty: any public category.
    pub categories: Vec<String>,
    /// States; empty: any.
    pub states: Vec<CaseState>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    pub limit: i64,
}

/// A public case with its Open311 media URL, if it came through Open311 with one.
#[derive(Debug, Clone)]
pub struct Open311Case {
    pub case: Case,
    pub media_url: Option<String>,
}

/// One timeline entry of a public case (no actor, no reason: those may name people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open311Update {
    pub event_id: i64,
    pub case_number: String,
    pub at_ms: i64,
    pub action: String,
    pub to_state: CaseState,
}

#[async_trait::async_trait]
pub trait Open311Store: Send + Sync {
    async fn open311_cases(&self, q: &Open311Query) -> StoreResult<Vec<Open311Case>>;
    /// The case number an Open311 token stands for.
    async fn open311_number_by_token(&self, token: &str) -> StoreResult<Option<String>>;
    /// Timeline entries of public cases within `within`, `[from, to)`, oldest first.
    async fn open311_updates(
        &self,
        within: &DivisionCode,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<Open311Update>>;
}
