//! Case lists within a scope, duplicate look-ups, the metrics' raw counts, and the
//! `CaseStore` implementation.

use crate::case::{CaseRow, CASE_COLUMNS};
use crate::scope_sql::push_subtree;
use crate::{run, Db};
use async_trait::async_trait;
use sqlx::{Database, Encode, QueryBuilder, Type};
use zhili_app::ports::{
    CaseCounts, CaseQuery, CaseStore, NewCaseEvent, NewCaseRecord, StoreResult, Upserted,
};
use zhili_domain::case::{Attachment, Case, CaseEvent, MediationSession};
use zhili_domain::category::Category;
use zhili_domain::routing::RoutingRule;
use zhili_domain::{
    AuditEntry, DivisionCode, MediationKind, NodeCode, OrgUnit, Page, Paged, Scope, Sector,
    UnitType,
};

/// ` AND …` keeping cases inside a scope: by where the case is (division users) or by who has
/// held it (departments and bodies).
pub(crate) fn push_case_scope<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, scope: &Scope)
where
    String: Encode<'a, DB> + Type<DB>,
{
    match scope {
        Scope::Subtree(d) => push_subtree(qb, "community_code", d),
        Scope::WorkArea { communities, .. } => {
            qb.push(" AND community_code IN (");
            let mut sep = qb.separated(", ");
            sep.push("''");
            for c in communities {
                sep.push_bind(c.to_string());
            }
            qb.push(")");
        }
        Scope::Unit { code, .. } => {
            qb.push(" AND id IN (SELECT case_id FROM case_nodes WHERE node_code = ")
                .push_bind(code.to_string())
                .push(")");
        }
    }
}

fn push_case_filters<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, q: &CaseQuery)
where
    String: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
{
    match (&q.scope, &q.division) {
        // A division inside the user's subtree: its range alone is the tighter bound, and an
        // index can seek on one range only.
        (Scope::Subtree(s), Some(d)) if s.contains(d) => push_subtree(qb, "community_code", d),
        (Scope::Subtree(s), Some(d)) if d.contains(s) => push_subtree(qb, "community_code", s),
        (scope, division) => {
            push_case_scope(qb, scope);
            if let Some(d) = division {
                push_subtree(qb, "community_code", d);
            }
        }
    }
    if let Some(s) = q.state {
        qb.push(" AND state = ").push_bind(s.as_str().to_owned());
    }
    if let Some(k) = q.kind {
        qb.push(" AND kind = ").push_bind(k.as_str().to_owned());
    }
    if let Some(c) = &q.category {
        // A category and its children (`neighbour`, `neighbour.noise`) as a list of codes, so
        // the (category, community_code) index seeks each code's rows within the range.
        qb.push(" AND category IN (SELECT code FROM categories WHERE code = ")
            .push_bind(c.clone())
            .push(" OR parent_code = ")
            .push_bind(c.clone())
            .push(")");
    }
    if let Some(c) = q.channel {
        qb.push(" AND channel = ").push_bind(c.as_str().to_owned());
    }
    if let Some(a) = &q.assignee {
        qb.push(" AND assignee_code = ").push_bind(a.to_string());
    }
    const OPEN: &str = " AND state NOT IN ('closed', 'rejected', 'resolved')";
    if let Some((overdue, now)) = q.overdue {
        if overdue {
            qb.push(OPEN)
                .push(" AND due_at < COALESCE(suspended_at, ")
                .push_bind(now)
                .push(")");
        } else {
            qb.push(" AND NOT (state NOT IN ('closed', 'rejected', 'resolved') AND due_at IS NOT NULL AND due_at < COALESCE(suspended_at, ").push_bind(now).push("))");
        }
    }
    if let Some((now, until)) = q.due_before {
        qb.push(OPEN)
            .push(" AND suspended_at IS NULL AND due_at >= ")
            .push_bind(now)
            .push(" AND due_at < ")
            .push_bind(until);
    }
    if let Some(s) = q.supervised {
        qb.push(" AND supervised = ")
            .push(if s { "TRUE" } else { "FALSE" });
    }
    if q.open_only {
        qb.push(" AND state NOT IN ('closed', 'rejected')");
    }
    if let Some(f) = q.created_from_ms {
        qb.push(" AND created_at >= ").push_bind(f);
    }
    if let Some(t) = q.created_to_ms {
        qb.push(" AND created_at < ").push_bind(t);
    }
    if let Some(t) = &q.text {
        let pat = format!("%{}%", t.replace(['%', '_', '\\'], ""));
        qb.push(" AND (title LIKE ")
            .push_bind(pat.clone())
            .push(" OR number LIKE ")
            .push_bind(pat.clone())
            .push(" OR address LIKE ")
            .push_bind(pat)
            .push(")");
    }
}

/// A case list counts its matches up to here; past it the total reads "10000+" rather than
/// every match being counted on every page (two hundred pages of 50 is more than anyone
/// reads; the dashboard gives exact counts).
pub const COUNT_CAP: i64 = 10_000;

/// On SQLite, a page is read by walking the table newest first when the walk should reach
/// the page's last row within this many rows (estimated from the share of cases matching).
const WALK_ROWS: i64 = 20_000;

#[async_trait]
impl CaseStore for Db {
    async fn categories(&self) -> StoreResult<Vec<Category>> {
        self.categories_impl().await
    }

    async fn upsert_categories(
        &self,
        categories: &[Category],
        audit: AuditEntry,
    ) -> StoreResult<Upserted> {
        self.upsert_categories_impl(categories, audit).await
    }

    async fn routing_rules(&self) -> StoreResult<Vec<RoutingRule>> {
        self.routing_rules_impl().await
    }

    async fn delete_routing_rule(&self, id: i64, audit: AuditEntry) -> StoreResult<()> {
        self.delete_routing_rule_impl(id, audit).await
    }

    async fn insert_routing_rules(
        &self,
        rules: &[RoutingRule],
        audit: AuditEntry,
    ) -> StoreResult<u64> {
        self.insert_routing_rules_impl(rules, audit).await
    }

    async fn create_case(
        &self,
        new: &NewCaseRecord,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Case> {
        self.create_case_impl(new, event, audit).await
    }

    async fn case(&self, id: i64) -> StoreResult<Option<(Case, Vec<NodeCode>)>> {
        self.case_impl(id).await
    }

    async fn case_by_tracking(&self, code: &str) -> StoreResult<Option<Case>> {
        self.case_by_tracking_impl(code).await
    }

    async fn case_events(&self, id: i64) -> StoreResult<Vec<CaseEvent>> {
        self.case_events_impl(id).await
    }

    async fn update_case(
        &self,
        case: &Case,
        expected_version: i64,
        event: NewCaseEvent,
        audit: AuditEntry,
        held_by: Option<&NodeCode>,
    ) -> StoreResult<bool> {
        self.update_case_impl(case, expected_version, event, audit, held_by)
            .await
    }

    async fn list_cases(&self, q: &CaseQuery, page: Page) -> StoreResult<Paged<Case>> {
        let sqlite = matches!(self.backend, crate::Backend::Sqlite { .. });
        run(async {
            let (rows, matched): (Vec<CaseRow>, i64) = on_read!(self, |p| {
                let mut qb =
                    QueryBuilder::new("SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE 1 = 1");
                push_case_filters(&mut qb, q);
                qb.push(format!(" LIMIT {}) AS capped", COUNT_CAP + 1));
                let matched: i64 = qb.build_query_scalar().fetch_one(p).await?;
                if matched <= page.offset() && matched <= COUNT_CAP {
                    (Vec::new(), matched)
                } else {
                    // SQLite's planner cannot tell how many cases a filter keeps; when they
                    // are common, walking the table newest first reaches the page sooner than
                    // gathering every match from an index and sorting it.
                    let walk = sqlite && {
                        let newest: i64 =
                            sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM cases")
                                .fetch_one(p)
                                .await?;
                        (page.offset() + page.limit()).saturating_mul(newest) / matched.max(1)
                            <= WALK_ROWS
                    };
                    let from = if walk { "cases NOT INDEXED" } else { "cases" };
                    let mut qb =
                        QueryBuilder::new(format!("SELECT {CASE_COLUMNS} FROM {from} WHERE 1 = 1"));
                    push_case_filters(&mut qb, q);
                    qb.push(format!(
                        " ORDER BY id DESC LIMIT {} OFFSET {}",
                        page.limit(),
                        page.offset()
                    ));
                    (qb.build_query_as().fetch_all(p).await?, matched)
                }
            });
            let mut paged =
                crate::to_page(rows, matched.min(COUNT_CAP), page, CaseRow::into_domain)?;
            paged.total_exact = matched <= COUNT_CAP;
            Ok(paged)
        })
        .await
    }

    async fn open_cases_naming(
        &self,
        community: &DivisionCode,
        names: &[String],
        phones: &[String],
    ) -> StoreResult<Vec<Case>> {
        if names.is_empty() && phones.is_empty() {
            return Ok(Vec::new());
        }
        run(async {
            let rows: Vec<CaseRow> = on_read!(self, |p| {
                let mut qb = QueryBuilder::new(format!(
                    "SELECT {CASE_COLUMNS} FROM cases WHERE community_code = "
                ));
                qb.push_bind(community.to_string());
                qb.push(" AND state NOT IN ('closed', 'rejected') AND id IN (SELECT case_id FROM case_parties WHERE name IN (");
                let mut sep = qb.separated(", ");
                sep.push("''");
                for n in names {
                    sep.push_bind(n.clone());
                }
                qb.push(") OR phone IN (");
                let mut sep = qb.separated(", ");
                sep.push("''");
                for ph in phones {
                    sep.push_bind(ph.clone());
                }
                qb.push(")) ORDER BY id DESC LIMIT 10");
                qb.build_query_as().fetch_all(p).await?
            });
            rows.into_iter().map(CaseRow::into_domain).collect()
        })
        .await
    }

    async fn case_counts(
        &self,
        within: &DivisionCode,
        from_ms: i64,
        to_ms: i64,
        now_ms: i64,
    ) -> StoreResult<CaseCounts> {
        let (lo, hi) = within.subtree_range();
        let hi = hi.unwrap_or_else(|| "~".into());
        run(async {
            let where_in = "community_code >= $1 AND community_code < $2";
            let one = |cond: &str| format!("SELECT COUNT(*) FROM cases WHERE {where_in} AND {cond}");
            Ok(on_read!(self, |p| {
                let count = |sql: String| {
                    let (lo, hi) = (lo.clone(), hi.clone());
                    async move { sqlx::query_scalar::<_, i64>(&sql).bind(lo).bind(hi).bind(from_ms).bind(to_ms).bind(now_ms).fetch_one(p).await }
                };
                let received = count(one("created_at >= $3 AND created_at < $4 AND $5 = $5")).await?;
                let closed = count(one("closed_at >= $3 AND closed_at < $4 AND $5 = $5")).await?;
                let closed_on_time = count(one("closed_at >= $3 AND closed_at < $4 AND closed_on_time = TRUE AND $5 = $5")).await?;
                let due_in_period = count(one("due_at >= $3 AND due_at < $4 AND due_at <= $5")).await?;
                let due_met = count(one("due_at >= $3 AND due_at < $4 AND due_at <= $5 AND closed_at IS NOT NULL AND closed_at <= due_at")).await?;
                let disputes_ended = count(one("kind = 'dispute' AND ended_at >= $3 AND ended_at < $4 AND outcome IS NOT NULL AND $5 = $5")).await?;
                let disputes_agreed = count(one("kind = 'dispute' AND ended_at >= $3 AND ended_at < $4 AND outcome = 'agreement' AND $5 = $5")).await?;
                let rated = count(one("rating IS NOT NULL AND rated_at >= $3 AND rated_at < $4 AND $5 = $5")).await?;
                let rated_4_5 = count(one("rating >= 4 AND rated_at >= $3 AND rated_at < $4 AND $5 = $5")).await?;
                let rating_sum: Option<i64> = sqlx::query_scalar(&format!("SELECT CAST(SUM(rating) AS BIGINT) FROM cases WHERE {where_in} AND rating IS NOT NULL AND rated_at >= $3 AND rated_at < $4"))
                    .bind(lo.clone()).bind(hi.clone()).bind(from_ms).bind(to_ms).fetch_one(p).await?;
                let escalated = count(one("created_at >= $3 AND created_at < $4 AND escalations > 0 AND $5 = $5")).await?;
                let grid_reports = count(one("created_at >= $3 AND created_at < $4 AND channel = 'grid_report' AND $5 = $5")).await?;
                let overdue_open = count(one("state NOT IN ('closed', 'rejected', 'resolved') AND due_at < COALESCE(suspended_at, $5) AND $3 = $3 AND $4 = $4")).await?;
                let open = count(one("state NOT IN ('closed', 'rejected') AND $3 = $3 AND $4 = $4 AND $5 = $5")).await?;
                let durations: Vec<i64> = sqlx::query_scalar(&format!("SELECT closed_at - created_at FROM cases WHERE {where_in} AND closed_at >= $3 AND closed_at < $4"))
                    .bind(lo.clone()).bind(hi.clone()).bind(from_ms).bind(to_ms).fetch_all(p).await?;
                let group = |col: &str| format!("SELECT {col}, COUNT(*) FROM cases WHERE {where_in} AND created_at >= $3 AND created_at < $4 GROUP BY {col} ORDER BY COUNT(*) DESC");
                let by_state: Vec<(String, i64)> = sqlx::query_as(&group("state")).bind(lo.clone()).bind(hi.clone()).bind(from_ms).bind(to_ms).fetch_all(p).await?;
                let by_category: Vec<(String, i64)> = sqlx::query_as(&group("category")).bind(lo.clone()).bind(hi.clone()).bind(from_ms).bind(to_ms).fetch_all(p).await?;
                let by_channel: Vec<(String, i64)> = sqlx::query_as(&group("channel")).bind(lo.clone()).bind(hi.clone()).bind(from_ms).bind(to_ms).fetch_all(p).await?;
                CaseCounts {
                    received,
                    closed,
                    closed_on_time,
                    due_in_period,
                    due_met,
                    disputes_ended,
                    disputes_agreed,
                    rated,
                    rating_sum: rating_sum.unwrap_or(0),
                    rated_4_5,
                    escalated,
                    grid_reports,
                    overdue_open,
                    open,
                    close_durations_ms: durations,
                    by_state,
                    by_category,
                    by_channel,
                }
            }))
        })
        .await
    }

    async fn add_session(
        &self,
        session: &MediationSession,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<MediationSession> {
        self.add_session_impl(session, event, audit).await
    }

    async fn sessions(&self, case_id: i64) -> StoreResult<Vec<MediationSession>> {
        self.sessions_impl(case_id).await
    }

    async fn add_attachment(
        &self,
        a: &Attachment,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Attachment> {
        self.add_attachment_impl(a, event, audit).await
    }

    async fn attachments(&self, case_id: i64) -> StoreResult<Vec<Attachment>> {
        self.attachments_impl(case_id).await
    }

    async fn find_unit(
        &self,
        division: &DivisionCode,
        unit_type: UnitType,
        kind: Option<MediationKind>,
        sector: Option<Sector>,
    ) -> StoreResult<Option<OrgUnit>> {
        let units = zhili_app::ports::OrgStore::list_units(
            self,
            &zhili_app::ports::UnitQuery {
                scope: Scope::Subtree(division.clone()),
                within: None,
                at: Some(division.clone()),
                unit_type: Some(unit_type),
                text: None,
            },
            Page::new(Some(1), Some(Page::MAX_SIZE)),
        )
        .await?;
        Ok(units.items.into_iter().find(|u| {
            kind.is_none_or(|k| u.kind == k.as_str()) && sector.is_none_or(|s| u.sector == Some(s))
        }))
    }
}
