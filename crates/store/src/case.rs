//! Cases: intake with its number, reads, guarded updates with their timeline entries.

use crate::{corrupt, run, Db, DbError};
use zhili_app::ports::{NewCaseEvent, StoreResult};
use zhili_domain::case::{
    Case, CaseEvent, CaseKind, CaseState, Channel, Ending, MediationSession, Point, Referral,
};
use zhili_domain::person::{Party, PartyRole};
use zhili_domain::{AuditEntry, DivisionCode, NodeCode, Role};

pub(crate) const CASE_COLUMNS: &str = "id, number, tracking_code, kind, category, title, description, channel, community_code, address, lat, lon, grid_code, \
     state, suspended_at, supervised, assignee_code, assigned_at, due_at, outcome, agreement, referral, escalations, rating, rating_comment, \
     created_by, created_at, updated_at, ended_at, closed_at, closed_on_time, version";

#[derive(sqlx::FromRow)]
pub(crate) struct CaseRow {
    pub(crate) id: i64,
    number: String,
    tracking_code: String,
    kind: String,
    category: String,
    title: String,
    description: String,
    channel: String,
    community_code: String,
    address: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    grid_code: Option<String>,
    state: String,
    suspended_at: Option<i64>,
    supervised: bool,
    assignee_code: Option<String>,
    assigned_at: Option<i64>,
    due_at: Option<i64>,
    outcome: Option<String>,
    agreement: Option<String>,
    referral: Option<String>,
    escalations: i64,
    rating: Option<i64>,
    rating_comment: Option<String>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    ended_at: Option<i64>,
    closed_at: Option<i64>,
    closed_on_time: Option<bool>,
    version: i64,
}

impl CaseRow {
    pub(crate) fn into_domain(self) -> Result<Case, DbError> {
        let c = |what: &str, e: zhili_domain::ParseError| corrupt(what, e);
        Ok(Case {
            id: self.id,
            number: self.number,
            tracking_code: self.tracking_code,
            kind: CaseKind::parse(&self.kind).map_err(|e| c("cases.kind", e))?,
            category: self.category,
            title: self.title,
            description: self.description,
            channel: Channel::parse(&self.channel).map_err(|e| c("cases.channel", e))?,
            community_code: DivisionCode::parse(&self.community_code)
                .map_err(|e| c("cases.community_code", e))?,
            address: self.address,
            location: match (self.lat, self.lon) {
                (Some(lat), Some(lon)) => Some(Point { lat, lon }),
                _ => None,
            },
            grid_code: self.grid_code,
            state: CaseState::parse(&self.state).map_err(|e| c("cases.state", e))?,
            suspended_at_ms: self.suspended_at,
            supervised: self.supervised,
            assignee: self
                .assignee_code
                .as_deref()
                .map(NodeCode::parse)
                .transpose()
                .map_err(|e| c("cases.assignee_code", e))?,
            assigned_at_ms: self.assigned_at,
            due_at_ms: self.due_at,
            ending: self.outcome.as_deref().and_then(Ending::parse),
            agreement: self.agreement,
            referral: self
                .referral
                .as_deref()
                .map(Referral::parse)
                .transpose()
                .map_err(|e| c("cases.referral", e))?,
            escalations: self.escalations,
            rating: self.rating,
            rating_comment: self.rating_comment,
            created_by: self.created_by,
            created_at_ms: self.created_at,
            updated_at_ms: self.updated_at,
            ended_at_ms: self.ended_at,
            closed_at_ms: self.closed_at,
            closed_on_time: self.closed_on_time,
            version: self.version,
            parties: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct PartyRow {
    role: String,
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: String,
    role: Option<String>,
    source: String,
    action: String,
    from_state: Option<String>,
    to_state: String,
    reason: String,
    payload: String,
}

impl EventRow {
    fn into_domain(self) -> Result<CaseEvent, DbError> {
        let c = |what: &str, e: zhili_domain::ParseError| corrupt(what, e);
        Ok(CaseEvent {
            id: self.id,
            at_ms: self.at,
            actor_id: self.actor_id,
            actor: self.actor,
            role: self
                .role
                .as_deref()
                .map(Role::parse)
                .transpose()
                .map_err(|e| c("case_events.role", e))?,
            source: self.source,
            action: self.action,
            from_state: self
                .from_state
                .as_deref()
                .map(CaseState::parse)
                .transpose()
                .map_err(|e| c("case_events.from_state", e))?,
            to_state: CaseState::parse(&self.to_state).map_err(|e| c("case_events.to_state", e))?,
            reason: self.reason,
            payload: self.payload,
        })
    }
}

pub(crate) const INSERT_EVENT: &str = "INSERT INTO case_events (case_id, at, actor_id, actor, role, source, action, from_state, to_state, reason, payload) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

/// Append a timeline entry inside a write transaction.
macro_rules! insert_event {
    ($tx:ident, $case_id:expr, $e:expr) => {{
        let e = $e;
        sqlx::query($crate::case::INSERT_EVENT)
            .bind($case_id)
            .bind(e.at_ms)
            .bind(e.actor_id)
            .bind(&e.actor)
            .bind(e.role.map(|r| r.as_str()))
            .bind(&e.source)
            .bind(&e.action)
            .bind(e.from_state.map(|s| s.as_str()))
            .bind(e.to_state.as_str())
            .bind(&e.reason)
            .bind(&e.payload)
            .execute(&mut *$tx)
            .await?;
    }};
}

impl Db {
    pub(crate) async fn case_impl(&self, id: i64) -> StoreResult<Option<(Case, Vec<NodeCode>)>> {
        run(async {
            let sql = format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1");
            let (row, parties, nodes): (Option<CaseRow>, Vec<PartyRow>, Vec<String>) = on_read!(self, |p| {
                let row = sqlx::query_as(&sql).bind(id).fetch_optional(p).await?;
                let parties = sqlx::query_as("SELECT role, name, phone, id_number FROM case_parties WHERE case_id = $1 ORDER BY position").bind(id).fetch_all(p).await?;
                let nodes = sqlx::query_scalar("SELECT node_code FROM case_nodes WHERE case_id = $1").bind(id).fetch_all(p).await?;
                (row, parties, nodes)
            });
            let Some(row) = row else { return Ok(None) };
            let mut case = row.into_domain()?;
            case.parties = parties
                .into_iter()
                .map(|p| {
                    Ok(Party {
                        role: PartyRole::parse(&p.role).map_err(|e| corrupt("case_parties.role", e))?,
                        name: p.name,
                        phone: p.phone,
                        id_number: p.id_number,
                    })
                })
                .collect::<Result<_, DbError>>()?;
            let nodes = nodes.iter().map(|n| NodeCode::parse(n).map_err(|e| corrupt("case_nodes.node_code", e))).collect::<Result<_, _>>()?;
            Ok(Some((case, nodes)))
        })
        .await
    }

    pub(crate) async fn case_by_tracking_impl(&self, code: &str) -> StoreResult<Option<Case>> {
        let id: Option<i64> = run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT id FROM cases WHERE tracking_code = $1"
            )
            .bind(code)
            .fetch_optional(p)
            .await?))
        })
        .await?;
        match id {
            Some(id) => Ok(self.case_impl(id).await?.map(|(c, _)| c)),
            None => Ok(None),
        }
    }

    pub(crate) async fn case_events_impl(&self, id: i64) -> StoreResult<Vec<CaseEvent>> {
        run(async {
            let rows: Vec<EventRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, at, actor_id, actor, role, source, action, from_state, to_state, reason, payload FROM case_events WHERE case_id = $1 ORDER BY id"
            )
            .bind(id)
            .fetch_all(p)
            .await?);
            rows.into_iter().map(EventRow::into_domain).collect()
        })
        .await
    }

    pub(crate) async fn update_case_impl(
        &self,
        c: &Case,
        expected_version: i64,
        event: NewCaseEvent,
        audit: AuditEntry,
        held_by: Option<&NodeCode>,
    ) -> StoreResult<bool> {
        run(async {
            Ok(on_write!(self, |tx| {
                let changed = sqlx::query(
                    "UPDATE cases SET state = $1, suspended_at = $2, supervised = $3, assignee_code = $4, assignee_level = $5, assigned_at = $6, \
                     due_at = $7, outcome = $8, agreement = $9, referral = $10, escalations = $11, rating = $12, rating_comment = $13, \
                     rated_at = $14, updated_at = $15, ended_at = $16, closed_at = $17, closed_on_time = $18, version = version + 1 \
                     WHERE id = $19 AND version = $20",
                )
                .bind(c.state.as_str())
                .bind(c.suspended_at_ms)
                .bind(c.supervised)
                .bind(c.assignee.as_ref().map(|a| a.to_string()))
                .bind(c.assignee.as_ref().map(|a| a.division().level().as_str()))
                .bind(c.assigned_at_ms)
                .bind(c.due_at_ms)
                .bind(c.ending.map(|e| e.as_str()))
                .bind(c.agreement.as_deref())
                .bind(c.referral.map(|r| r.as_str()))
                .bind(c.escalations)
                .bind(c.rating)
                .bind(c.rating_comment.as_deref())
                .bind(c.rating.map(|_| c.updated_at_ms))
                .bind(c.updated_at_ms)
                .bind(c.ended_at_ms)
                .bind(c.closed_at_ms)
                .bind(c.closed_on_time)
                .bind(c.id)
                .bind(expected_version)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if changed == 1 {
                    insert_event!(tx, c.id, &event);
                    if let Some(node) = held_by {
                        sqlx::query("INSERT INTO case_nodes (case_id, node_code) VALUES ($1, $2) ON CONFLICT DO NOTHING").bind(c.id).bind(node.to_string()).execute(&mut *tx).await?;
                    }
                    append_audit!(tx, audit);
                }
                changed == 1
            }))
        })
        .await
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    case_id: i64,
    held_at: i64,
    place: String,
    mediator: String,
    attendees: String,
    notes: String,
    created_by: Option<i64>,
    created_at: i64,
}

impl Db {
    pub(crate) async fn add_session_impl(
        &self,
        s: &MediationSession,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<MediationSession> {
        run(async {
            let id: i64 = on_write!(self, |tx| {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO mediation_sessions (case_id, held_at, place, mediator, attendees, notes, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(s.case_id)
                .bind(s.held_at_ms)
                .bind(&s.place)
                .bind(&s.mediator)
                .bind(&s.attendees)
                .bind(&s.notes)
                .bind(s.created_by)
                .bind(s.created_at_ms)
                .fetch_one(&mut *tx)
                .await?;
                insert_event!(tx, s.case_id, &event);
                append_audit!(tx, audit);
                id
            });
            Ok(MediationSession { id, ..s.clone() })
        })
        .await
    }

    pub(crate) async fn sessions_impl(&self, case_id: i64) -> StoreResult<Vec<MediationSession>> {
        run(async {
            let rows: Vec<SessionRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, case_id, held_at, place, mediator, attendees, notes, created_by, created_at FROM mediation_sessions WHERE case_id = $1 ORDER BY held_at, id"
            )
            .bind(case_id)
            .fetch_all(p)
            .await?);
            Ok(rows
                .into_iter()
                .map(|r| MediationSession {
                    id: r.id,
                    case_id: r.case_id,
                    held_at_ms: r.held_at,
                    place: r.place,
                    mediator: r.mediator,
                    attendees: r.attendees,
                    notes: r.notes,
                    created_by: r.created_by,
                    created_at_ms: r.created_at,
                })
                .collect())
        })
        .await
    }
}

pub(crate) use insert_event as insert_event_public;
