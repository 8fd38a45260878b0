//! The audit log: appends go through `append_audit!` inside each write's transaction; this
//! module reads it back.

use crate::scope_sql::push_subtree;
use crate::{corrupt, run, Db, DbError};
use async_trait::async_trait;
use sqlx::QueryBuilder;
use zhili_app::ports::{AuditQuery, AuditStore, StoreResult};
use zhili_domain::{AuditEntry, AuditRecord, Outcome, Page, Paged, Role};

pub(crate) const INSERT_RECORD: &str = "INSERT INTO audit_log (seq, at, actor_id, actor, role, node, source, action, object, outcome, detail, prev_hash, hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

const COLUMNS: &str = "seq, at, actor_id, actor, role, node, source, action, object, outcome, detail, prev_hash, hash";

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: String,
    role: Option<String>,
    node: Option<String>,
    source: String,
    action: String,
    object: String,
    outcome: String,
    detail: String,
    prev_hash: String,
    hash: String,
}

impl AuditRow {
    fn into_domain(self) -> Result<AuditRecord, DbError> {
        Ok(AuditRecord {
            seq: self.seq,
            entry: AuditEntry {
                at_ms: self.at,
                actor_id: self.actor_id,
                actor: self.actor,
                role: self
                    .role
                    .as_deref()
                    .map(Role::parse)
                    .transpose()
                    .map_err(|e| corrupt("audit_log.role", e))?,
                node: self.node,
                source: self.source,
                action: self.action,
                object: self.object,
                outcome: Outcome::parse(&self.outcome)
                    .ok_or_else(|| corrupt("audit_log.outcome", &self.outcome))?,
                detail: self.detail,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
        })
    }
}

#[async_trait]
impl AuditStore for Db {
    async fn append_audit(&self, entry: AuditEntry) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| append_audit!(tx, entry));
            Ok(())
        })
        .await
    }

    async fn audit_page(&self, q: &AuditQuery, page: Page) -> StoreResult<Paged<AuditRecord>> {
        run(async {
            let (rows, total): (Vec<AuditRow>, i64) = on_read!(self, |p| {
                let filters = |qb: &mut QueryBuilder<'_, _>| {
                    if let Some(d) = &q.within {
                        push_subtree(qb, "node", d);
                    }
                    if let Some(a) = &q.action {
                        qb.push(" AND action = ").push_bind(a.clone());
                    }
                    if let Some(o) = &q.object {
                        qb.push(" AND object = ").push_bind(o.clone());
                    }
                    if let Some(a) = &q.actor {
                        qb.push(" AND actor = ").push_bind(a.clone());
                    }
                };
                let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM audit_log WHERE 1 = 1");
                filters(&mut qb);
                let total: i64 = qb.build_query_scalar().fetch_one(p).await?;
                let mut qb =
                    QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1"));
                filters(&mut qb);
                qb.push(format!(
                    " ORDER BY seq DESC LIMIT {} OFFSET {}",
                    page.limit(),
                    page.offset()
                ));
                (qb.build_query_as().fetch_all(p).await?, total)
            });
            crate::to_page(rows, total, page, AuditRow::into_domain)
        })
        .await
    }

    async fn audit_after(&self, after: i64, limit: i64) -> StoreResult<Vec<AuditRecord>> {
        run(async {
            let sql =
                format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
            let rows: Vec<AuditRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(after)
                .bind(limit)
                .fetch_all(p)
                .await?);
            rows.into_iter().map(AuditRow::into_domain).collect()
        })
        .await
    }
}
