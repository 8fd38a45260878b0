//! What the use cases need from storage. The store crate implements these traits for
//! SQLite and PostgreSQL; tests can implement them in memory. Every write that changes the
//! organisation or accounts takes the `AuditEntry` describing it and commits both together.

pub use crate::ports_feed::*;
pub use crate::ports_idempotency::*;
pub use crate::ports_index::*;
pub use crate::ports_open311::*;
pub use crate::ports_registry::*;
pub use crate::ports_webhook::*;
use async_trait::async_trait;
use thiserror::Error;
use zhili_domain::case::{
    Attachment, Case, CaseEvent, CaseKind, CaseState, Channel, MediationSession, Point,
};
use zhili_domain::category::Category;
use zhili_domain::person::Party;
use zhili_domain::routing::RoutingRule;
use zhili_domain::{
    AuditEntry, AuditRecord, Division, DivisionCode, Level, LevelCounts, MediationKind, NodeCode,
    OrgUnit, Page, Paged, Role, Scope, Sector, UnitType, User, Username, WorkArea,
};

/// Storage failures, with backend details kept inside.
#[derive(Debug, Error)]
pub enum StoreError {
    /// A uniqueness or reference constraint refused the write; `constraint` names it.
    #[error("constraint {constraint} refused the write")]
    Conflict { constraint: String },
    #[error("storage: {0}")]
    Backend(String),
    /// A stored value no longer parses as its domain type (data written by something else).
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Which divisions to list.
#[derive(Debug, Clone)]
pub struct DivisionQuery {
    pub scope: Scope,
    pub level: Option<Level>,
    pub parent: Option<DivisionCode>,
    pub work_area: Option<NodeCode>,
    /// A name fragment or a code prefix.
    pub text: Option<String>,
}

/// Which departments and bodies to list.
#[derive(Debug, Clone)]
pub struct UnitQuery {
    pub scope: Scope,
    /// At or under this division.
    pub within: Option<DivisionCode>,
    /// Exactly at this division.
    pub at: Option<DivisionCode>,
    pub unit_type: Option<UnitType>,
    pub text: Option<String>,
}

/// How many inserted and updated by an idempotent load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Upserted {
    pub inserted: u64,
    pub updated: u64,
}

pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub node: NodeCode,
    pub at_ms: i64,
}

/// What sign-in needs to know about an account.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// Browser pages: cookie plus CSRF token.
    Cookie,
    /// The JSON API: `Authorization: Bearer …`.
    Bearer,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Bearer => "bearer",
        }
    }
}

pub struct NewSession {
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: String,
    pub user_id: i64,
    pub kind: SessionKind,
    pub csrf_token: String,
    pub source: String,
    pub created_at_ms: i64,
    pub expires_at_ms: i64,
}

pub struct SessionRecord {
    pub token_hash: String,
    pub kind: SessionKind,
    pub csrf_token: String,
    pub created_at_ms: i64,
    pub last_seen_at_ms: i64,
    pub expires_at_ms: i64,
    pub user: User,
}

/// Which audit records an auditor asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Records whose actor sits inside this division (None: all, for a city auditor).
    pub within: Option<DivisionCode>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub actor: Option<String>,
}

#[async_trait]
pub trait DivisionStore: Send + Sync {
    /// Insert or update by code, all in one transaction.
    async fn upsert_divisions(
        &self,
        divisions: &[Division],
        audit: AuditEntry,
    ) -> StoreResult<Upserted>;
    async fn division(&self, code: &DivisionCode) -> StoreResult<Option<Division>>;
    async fn list_divisions(&self, q: &DivisionQuery, page: Page) -> StoreResult<Paged<Division>>;
    /// Counts per level strictly below `root`, limited to what `scope` sees.
    async fn descendant_counts(
        &self,
        scope: &Scope,
        root: &DivisionCode,
    ) -> StoreResult<LevelCounts>;
    /// For each child of `parent`, the counts below it (one query for the whole list).
    async fn child_counts(
        &self,
        parent: &DivisionCode,
    ) -> StoreResult<Vec<(DivisionCode, LevelCounts)>>;
    async fn count_divisions(&self) -> StoreResult<i64>;
    /// The one city-level division (the root of the tree), once imported.
    async fn city(&self) -> StoreResult<Option<Division>>;
}

#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Insert or update work areas by code and set each listed community's work area.
    async fn upsert_work_areas(
        &self,
        areas: &[(WorkArea, Vec<DivisionCode>)],
        audit: AuditEntry,
    ) -> StoreResult<Upserted>;
    async fn work_area(&self, code: &NodeCode) -> StoreResult<Option<WorkArea>>;
    async fn work_areas_of(&self, township: &DivisionCode) -> StoreResult<Vec<WorkArea>>;
    async fn work_area_communities(&self, code: &NodeCode) -> StoreResult<Vec<DivisionCode>>;
    async fn upsert_units(&self, units: &[OrgUnit], audit: AuditEntry) -> StoreResult<Upserted>;
    async fn unit(&self, code: &NodeCode) -> StoreResult<Option<OrgUnit>>;
    /// `(code, name)` of every listed division, work area and unit that exists, in one read.
    async fn node_names(&self, codes: &[NodeCode]) -> StoreResult<Vec<(String, String)>>;
    async fn list_units(&self, q: &UnitQuery, page: Page) -> StoreResult<Paged<OrgUnit>>;
    /// The highest sequence number used for this type of unit in this division.
    async fn max_unit_seq(&self, division: &DivisionCode, unit_type: UnitType) -> StoreResult<u16>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    async fn create_user(&self, user: &NewUser, audit: AuditEntry) -> StoreResult<User>;
    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>>;
    async fn user(&self, id: i64) -> StoreResult<Option<User>>;
    async fn list_users(&self, scope: &Scope, page: Page) -> StoreResult<Paged<User>>;
    async fn set_role(
        &self,
        id: i64,
        role: Role,
        node: &NodeCode,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    async fn count_users(&self) -> StoreResult<i64>;
    /// Record a failed sign-in: the new failure count and lock (if any), with its audit record.
    async fn record_login_failure(
        &self,
        user_id: Option<i64>,
        failed_logins: i64,
        locked_until_ms: Option<i64>,
        audit: AuditEntry,
    ) -> StoreResult<()>;
    /// Record a successful sign-in: reset the counters, open the session, audit it.
    async fn record_login_success(
        &self,
        session: &NewSession,
        audit: AuditEntry,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn session(&self, token_hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn touch_session(
        &self,
        token_hash: &str,
        last_seen_at_ms: i64,
        expires_at_ms: i64,
    ) -> StoreResult<()>;
    async fn end_session(&self, token_hash: &str, audit: AuditEntry) -> StoreResult<()>;
    async fn purge_sessions(&self, now_ms: i64) -> StoreResult<u64>;
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Append one record to the chain (for events that change nothing else, such as a denied request).
    async fn append_audit(&self, entry: AuditEntry) -> StoreResult<()>;
    async fn audit_page(&self, q: &AuditQuery, page: Page) -> StoreResult<Paged<AuditRecord>>;
    /// Records with `seq > after`, in order, at most `limit`: for streaming verification.
    async fn audit_after(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>>;
}

/// Everything the use cases need, in one object.
pub trait Store:
    DivisionStore
    + OrgStore
    + UserStore
    + SessionStore
    + AuditStore
    + CaseStore
    + NoticeStore
    + RegistryStore
    + IndexStore
    + FeedStore
    + WebhookStore
    + IdempotencyStore
    + Open311Store
{
    /// `sqlite` or `postgres`, for logs and the health page.
    fn backend(&self) -> &'static str;
}

/// A case to insert; the store allocates its number (per county, per year) in the same
/// transaction.
#[derive(Clone)]
pub struct NewCaseRecord {
    pub kind: CaseKind,
    pub category: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub community_code: DivisionCode,
    pub year: i64,
    pub address: Option<String>,
    pub location: Option<Point>,
    /// The grid the point lies in, if any.
    pub grid_code: Option<String>,
    pub parties: Vec<Party>,
    pub created_by: Option<i64>,
    pub tracking_code: String,
    pub at_ms: i64,
    /// For an alert from a feed: its row, and the dispatch done at intake.
    pub alert: Option<NewAlertRecord>,
    /// For a request posted through Open311: its token, key and media URL.
    pub open311: Option<NewOpen311Record>,
    /// 就地办结: resolved at intake by the grid worker who reported it.
    pub on_spot: Option<NewOnSpot>,
}

/// A report resolved on the spot: who handled it, what was done (the agreement of a
/// dispute), its timeline entry and audit record, written in the intake transaction.
#[derive(Clone)]
pub struct NewOnSpot {
    pub handler: NodeCode,
    pub agreement: Option<String>,
    pub event: NewCaseEvent,
    pub audit: AuditEntry,
}

/// A timeline entry to append.
#[derive(Clone)]
pub struct NewCaseEvent {
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: Option<Role>,
    pub source: String,
    pub action: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub reason: String,
    pub payload: String,
}

/// Which cases to list: always within a scope.
#[derive(Debug, Clone)]
pub struct CaseQuery {
    pub scope: Scope,
    pub division: Option<DivisionCode>,
    pub state: Option<CaseState>,
    pub kind: Option<CaseKind>,
    pub category: Option<String>,
    pub channel: Option<Channel>,
    /// Only cases held now by this node.
    pub assignee: Option<NodeCode>,
    /// Some(now): only overdue at `now`; the flag says overdue (true) or not (false).
    pub overdue: Option<(bool, i64)>,
    /// Due between now and this time, still open (the "due soon" list).
    pub due_before: Option<(i64, i64)>,
    pub supervised: Option<bool>,
    pub open_only: bool,
    pub created_from_ms: Option<i64>,
    pub created_to_ms: Option<i64>,
    /// A fragment of the title, number or address.
    pub text: Option<String>,
}

impl CaseQuery {
    pub fn new(scope: Scope) -> Self {
        Self {
            scope,
            division: None,
            state: None,
            kind: None,
            category: None,
            channel: None,
            assignee: None,
            overdue: None,
            due_before: None,
            supervised: None,
            open_only: false,
            created_from_ms: None,
            created_to_ms: None,
            text: None,
        }
    }
}

/// Raw counts for the metrics over `[from, to)` within one division.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseCounts {
    pub received: i64,
    pub closed: i64,
    pub closed_on_time: i64,
    pub due_in_period: i64,
    pub due_met: i64,
    pub disputes_ended: i64,
    pub disputes_agreed: i64,
    pub rated: i64,
    pub rating_sum: i64,
    pub rated_4_5: i64,
    pub escalated: i64,
    pub grid_reports: i64,
    pub overdue_open: i64,
    pub open: i64,
    /// Milliseconds from creation to closure for every case closed in the period.
    pub close_durations_ms: Vec<i64>,
    pub by_state: Vec<(String, i64)>,
    pub by_category: Vec<(String, i64)>,
    pub by_channel: Vec<(String, i64)>,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    async fn categories(&self) -> StoreResult<Vec<Category>>;
    async fn upsert_categories(
        &self,
        categories: &[Category],
        audit: AuditEntry,
    ) -> StoreResult<Upserted>;
    async fn routing_rules(&self) -> StoreResult<Vec<RoutingRule>>;
    async fn delete_routing_rule(&self, id: i64, audit: AuditEntry) -> StoreResult<()>;
    /// Add rules (ids are assigned by the store).
    async fn insert_routing_rules(
        &self,
        rules: &[RoutingRule],
        audit: AuditEntry,
    ) -> StoreResult<u64>;
    async fn create_case(
        &self,
        new: &NewCaseRecord,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Case>;
    /// A case with every node that has held it.
    async fn case(&self, id: i64) -> StoreResult<Option<(Case, Vec<NodeCode>)>>;
    async fn case_by_tracking(&self, code: &str) -> StoreResult<Option<Case>>;
    async fn case_events(&self, id: i64) -> StoreResult<Vec<CaseEvent>>;
    /// Write the case's new state if its version is still `expected_version`, with its
    /// timeline entry, audit record and (when it moved) the node now holding it.
    /// `Ok(false)` when someone else changed the case first.
    async fn update_case(
        &self,
        case: &Case,
        expected_version: i64,
        event: NewCaseEvent,
        audit: AuditEntry,
        held_by: Option<&NodeCode>,
    ) -> StoreResult<bool>;
    async fn list_cases(&self, q: &CaseQuery, page: Page) -> StoreResult<Paged<Case>>;
    /// Open cases in a community that name one of these parties (by name or phone).
    async fn open_cases_naming(
        &self,
        community: &DivisionCode,
        names: &[String],
        phones: &[String],
    ) -> StoreResult<Vec<Case>>;
    async fn case_counts(
        &self,
        within: &DivisionCode,
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> StoreResult<CaseCounts>;
    /// Record a mediation session with its timeline entry and audit record.
    async fn add_session(
        &self,
        session: &MediationSession,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<MediationSession>;
    async fn sessions(&self, case_id: i64) -> StoreResult<Vec<MediationSession>>;
    /// Record an attachment already written to disk, with its timeline entry and audit record.
    async fn add_attachment(
        &self,
        a: &Attachment,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Attachment>;
    async fn attachments(&self, case_id: i64) -> StoreResult<Vec<Attachment>>;
    /// Find a unit for routing: at `division`, of this type, kind and sector.
    async fn find_unit(
        &self,
        division: &DivisionCode,
        unit_type: UnitType,
        kind: Option<MediationKind>,
        sector: Option<Sector>,
    ) -> StoreResult<Option<OrgUnit>>;
}

/// A notification for everyone at a node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Notice {
    pub id: i64,
    pub node: String,
    pub case_id: Option<i64>,
    pub kind: String,
    pub message: String,
    pub created_at_ms: i64,
    pub read_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewNotice {
    pub node: NodeCode,
    pub case_id: Option<i64>,
    pub kind: String,
    pub message: String,
}

/// An open case whose due time falls before the scan's horizon.
#[derive(Debug, Clone)]
pub struct DueCase {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub community_code: DivisionCode,
    pub assignee: Option<NodeCode>,
    pub due_at_ms: i64,
}

#[async_trait]
pub trait NoticeStore: Send + Sync {
    /// Open, unsuspended cases due before `horizon_ms` with no `kind` notice yet for their
    /// current due time (`kind` is `overdue` for due < now, else `due_soon`).
    async fn due_without_notice(
        &self,
        now_ms: i64,
        horizon_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(DueCase, &'static str)>>;
    /// Record that a deadline notice went out and write its notifications, once: `false`
    /// when it had already been recorded (another scan got there first).
    async fn record_deadline_notice(
        &self,
        case_id: i64,
        kind: &str,
        due_at_ms: i64,
        now_ms: i64,
        notices: &[NewNotice],
    ) -> StoreResult<bool>;
    async fn notify(&self, notices: &[NewNotice], now_ms: i64) -> StoreResult<()>;
    async fn notices_for(
        &self,
        node: &NodeCode,
        unread_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Notice>>;
    async fn count_unread(&self, node: &NodeCode) -> StoreResult<i64>;
    async fn mark_read(&self, node: &NodeCode, id: Option<i64>, now_ms: i64) -> StoreResult<u64>;
}
