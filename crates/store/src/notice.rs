//! Notifications and the once-only record of deadline notices.

use crate::{corrupt, run, Db};
use async_trait::async_trait;
use zhili_app::ports::{DueCase, NewNotice, Notice, NoticeStore, StoreResult};
use zhili_domain::{DivisionCode, NodeCode};

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    number: String,
    title: String,
    community_code: String,
    assignee_code: Option<String>,
    due_at: i64,
}

#[derive(sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    node_code: String,
    case_id: Option<i64>,
    kind: String,
    message: String,
    created_at: i64,
    read_at: Option<i64>,
}

/// Open, running cases due before `$1` (the horizon), and the notice each is owed given `$2`
/// (now): the deadline scan's selection, shared with the list benchmark's settling.
pub(crate) const DUE_CASES: &str =
    "FROM cases c WHERE c.state NOT IN ('closed', 'rejected', 'resolved') \
     AND c.suspended_at IS NULL AND c.due_at < $1";
pub(crate) const DEADLINE_KIND: &str = "CASE WHEN c.due_at < $2 THEN 'overdue' ELSE 'due_soon' END";

pub(crate) const INSERT_NOTICE: &str = "INSERT INTO notifications (node_code, case_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)";

#[async_trait]
impl NoticeStore for Db {
    async fn due_without_notice(
        &self,
        now_ms: i64,
        horizon_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<(DueCase, &'static str)>> {
        run(async {
            let sql = format!(
                "SELECT c.id, c.number, c.title, c.community_code, c.assignee_code, c.due_at {DUE_CASES} \
                 AND NOT EXISTS (SELECT 1 FROM deadline_notices n WHERE n.case_id = c.id AND n.due_at = c.due_at \
                   AND n.kind = {DEADLINE_KIND}) ORDER BY c.due_at LIMIT $3"
            );
            let rows: Vec<DueRow> = on_read!(self, |p| sqlx::query_as(&sql)
            .bind(horizon_ms)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(p)
            .await?);
            rows.into_iter()
                .map(|r| {
                    let kind = if r.due_at < now_ms { "overdue" } else { "due_soon" };
                    Ok((
                        DueCase {
                            id: r.id,
                            number: r.number,
                            title: r.title,
                            community_code: DivisionCode::parse(&r.community_code).map_err(|e| corrupt("cases.community_code", e))?,
                            assignee: r.assignee_code.as_deref().map(NodeCode::parse).transpose().map_err(|e| corrupt("cases.assignee_code", e))?,
                            due_at_ms: r.due_at,
                        },
                        kind,
                    ))
                })
                .collect()
        })
        .await
    }

    async fn record_deadline_notice(
        &self,
        case_id: i64,
        kind: &str,
        due_at_ms: i64,
        now_ms: i64,
        notices: &[NewNotice],
    ) -> StoreResult<bool> {
        run(async {
            Ok(on_write!(self, |tx| {
                let fresh = sqlx::query("INSERT INTO deadline_notices (case_id, kind, due_at, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(case_id)
                    .bind(kind)
                    .bind(due_at_ms)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if fresh {
                    for n in notices {
                        sqlx::query(INSERT_NOTICE).bind(n.node.to_string()).bind(n.case_id).bind(&n.kind).bind(&n.message).bind(now_ms).execute(&mut *tx).await?;
                    }
                }
                fresh
            }))
        })
        .await
    }

    async fn notify(&self, notices: &[NewNotice], now_ms: i64) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                for n in notices {
                    sqlx::query(INSERT_NOTICE)
                        .bind(n.node.to_string())
                        .bind(n.case_id)
                        .bind(&n.kind)
                        .bind(&n.message)
                        .bind(now_ms)
                        .execute(&mut *tx)
                        .await?;
                }
            });
            Ok(())
        })
        .await
    }

    async fn notices_for(
        &self,
        node: &NodeCode,
        unread_only: bool,
        limit: i64,
    ) -> StoreResult<Vec<Notice>> {
        run(async {
            let sql = format!(
                "SELECT id, node_code, case_id, kind, message, created_at, read_at FROM notifications WHERE node_code = $1{} ORDER BY id DESC LIMIT $2",
                if unread_only { " AND read_at IS NULL" } else { "" }
            );
            let rows: Vec<NoticeRow> = on_read!(self, |p| sqlx::query_as(&sql).bind(node.to_string()).bind(limit).fetch_all(p).await?);
            Ok(rows
                .into_iter()
                .map(|r| Notice { id: r.id, node: r.node_code, case_id: r.case_id, kind: r.kind, message: r.message, created_at_ms: r.created_at, read_at_ms: r.read_at })
                .collect())
        })
        .await
    }

    async fn count_unread(&self, node: &NodeCode) -> StoreResult<i64> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM notifications WHERE node_code = $1 AND read_at IS NULL"
            )
            .bind(node.to_string())
            .fetch_one(p)
            .await?))
        })
        .await
    }

    async fn mark_read(&self, node: &NodeCode, id: Option<i64>, now_ms: i64) -> StoreResult<u64> {
        run(async {
            Ok(on_write!(self, |tx| {
                let q = match id {
                    Some(_) => "UPDATE notifications SET read_at = $1 WHERE node_code = $2 AND read_at IS NULL AND id = $3",
                    None => "UPDATE notifications SET read_at = $1 WHERE node_code = $2 AND read_at IS NULL AND $3 = $3",
                };
                sqlx::query(q).bind(now_ms).bind(node.to_string()).bind(id.unwrap_or(0)).execute(&mut *tx).await?.rows_affected()
            }))
        })
        .await
    }
}
