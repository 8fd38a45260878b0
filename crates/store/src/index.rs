//! Composite indices: imported figures (one version per upload), the per-community case
//! aggregates behind the platform metrics (five GROUP BY queries, whatever the number of
//! units), and published report issues (numbered inside the write transaction).

use crate::{run, Db};
use async_trait::async_trait;
use std::collections::BTreeMap;
use zhili_app::ports::{
    CaseAggregate, IndexStore, IndexUpload, NewIndexValue, ReportRecord, StoreResult, SyntheticCase,
};
use zhili_domain::{AuditEntry, Level};

// Per community over `[$1, $2)`; grouped by an expression so that SQLite reads the covering
// time index (0009) rather than walking the community index in order.
const RECEIVED: &str = "SELECT SUBSTR(community_code, 1, 12), COUNT(*), \
     SUM(CASE WHEN kind = 'dispute' THEN 1 ELSE 0 END), \
     COUNT(DISTINCT CASE WHEN kind = 'dispute' THEN category END), \
     SUM(CASE WHEN channel = 'grid_report' THEN 1 ELSE 0 END), \
     SUM(CASE WHEN escalations > 0 THEN 1 ELSE 0 END) \
     FROM cases WHERE created_at >= $1 AND created_at < $2 GROUP BY SUBSTR(community_code, 1, 12)";
const CLOSED: &str =
    "SELECT SUBSTR(community_code, 1, 12), (closed_at - created_at) / 3600000, COUNT(*), \
     SUM(CASE WHEN closed_on_time THEN 1 ELSE 0 END) \
     FROM cases WHERE closed_at >= $1 AND closed_at < $2 GROUP BY 1, 2";
const ENDED: &str = "SELECT SUBSTR(community_code, 1, 12), COUNT(*), \
     SUM(CASE WHEN outcome = 'agreement' THEN 1 ELSE 0 END) \
     FROM cases WHERE kind = 'dispute' AND ended_at >= $1 AND ended_at < $2 \
     AND outcome IS NOT NULL GROUP BY SUBSTR(community_code, 1, 12)";
const RATED: &str = "SELECT SUBSTR(community_code, 1, 12), COUNT(*), CAST(SUM(rating) AS BIGINT) FROM cases \
     WHERE rating IS NOT NULL AND rated_at >= $1 AND rated_at < $2 GROUP BY SUBSTR(community_code, 1, 12)";

type ReportRow = (String, i64, String, String, String, String, i64);

fn to_record(r: ReportRow) -> ReportRecord {
    ReportRecord {
        index_id: r.0,
        issue_no: r.1,
        period: r.2,
        title: r.3,
        body: r.4,
        published_by: r.5,
        published_at_ms: r.6,
    }
}

#[async_trait]
impl IndexStore for Db {
    async fn index_units(&self, level: Level) -> StoreResult<Vec<(String, String)>> {
        run(async {
            Ok(on_read!(self, |p| {
                sqlx::query_as("SELECT code, name FROM divisions WHERE level = $1 ORDER BY code")
                    .bind(level.as_str())
                    .fetch_all(p)
                    .await?
            }))
        })
        .await
    }

    async fn index_values(
        &self,
        index_id: &str,
        period: &str,
    ) -> StoreResult<Vec<(String, String, Option<f64>)>> {
        run(async {
            Ok(on_read!(self, |p| {
                sqlx::query_as(
                    "SELECT unit_code, indicator, value FROM index_values \
                     WHERE index_id = $1 AND period = $2 ORDER BY version, id",
                )
                .bind(index_id)
                .bind(period)
                .fetch_all(p)
                .await?
            }))
        })
        .await
    }

    async fn index_periods(&self, index_id: &str) -> StoreResult<Vec<String>> {
        run(async {
            Ok(on_read!(self, |p| {
                sqlx::query_scalar(
                    "SELECT DISTINCT period FROM index_values WHERE index_id = $1 ORDER BY period DESC",
                )
                .bind(index_id)
                .fetch_all(p)
                .await?
            }))
        })
        .await
    }

    async fn add_index_values(
        &self,
        index_id: &str,
        rows: &[NewIndexValue],
        uploaded_by: &str,
        at_ms: i64,
        audit: AuditEntry,
    ) -> StoreResult<i64> {
        run(async {
            Ok(on_write!(self, |tx| {
                let version: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(version), 0) + 1 FROM index_uploads WHERE index_id = $1",
                )
                .bind(index_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO index_uploads (index_id, version, rows, uploaded_by, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(index_id)
                .bind(version)
                .bind(rows.len() as i64)
                .bind(uploaded_by)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
                for chunk in rows.chunks(1000) {
                    let mut qb = sqlx::QueryBuilder::new(
                        "INSERT INTO index_values (index_id, version, unit_code, period, indicator, value, uploaded_by) ",
                    );
                    qb.push_values(chunk, |mut b, r| {
                        b.push_bind(index_id)
                            .push_bind(version)
                            .push_bind(r.unit.clone())
                            .push_bind(r.period.clone())
                            .push_bind(r.indicator.clone())
                            .push_bind(r.value)
                            .push_bind(uploaded_by);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                let mut audit = audit.clone();
                audit.detail = format!("version {version}; {}", audit.detail);
                append_audit!(tx, audit);
                version
            }))
        })
        .await
    }

    async fn index_uploads(&self, index_id: &str, limit: i64) -> StoreResult<Vec<IndexUpload>> {
        run(async {
            let rows: Vec<(i64, i64, String, i64)> = on_read!(self, |p| {
                sqlx::query_as(
                    "SELECT version, rows, uploaded_by, uploaded_at FROM index_uploads \
                     WHERE index_id = $1 ORDER BY version DESC LIMIT $2",
                )
                .bind(index_id)
                .bind(limit)
                .fetch_all(p)
                .await?
            });
            Ok(rows
                .into_iter()
                .map(|r| IndexUpload {
                    version: r.0,
                    rows: r.1,
                    uploaded_by: r.2,
                    uploaded_at_ms: r.3,
                })
                .collect())
        })
        .await
    }

    async fn case_aggregates(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> StoreResult<Vec<(String, CaseAggregate)>> {
        run(async {
            let mut out: BTreeMap<String, CaseAggregate> = BTreeMap::new();
            // The four queries run at once, each on its own reader connection.
            let (received, closed, ended, rated) = on_read!(self, |p| {
                tokio::try_join!(
                    sqlx::query_as::<_, (String, i64, i64, i64, i64, i64)>(RECEIVED)
                        .bind(from_ms)
                        .bind(to_ms)
                        .fetch_all(p),
                    sqlx::query_as::<_, (String, i64, i64, i64)>(CLOSED)
                        .bind(from_ms)
                        .bind(to_ms)
                        .fetch_all(p),
                    sqlx::query_as::<_, (String, i64, i64)>(ENDED)
                        .bind(from_ms)
                        .bind(to_ms)
                        .fetch_all(p),
                    sqlx::query_as::<_, (String, i64, i64)>(RATED)
                        .bind(from_ms)
                        .bind(to_ms)
                        .fetch_all(p),
                )?
            });
            for (c, n, d, dc, g, e) in received {
                let a = out.entry(c).or_default();
                (
                    a.received,
                    a.disputes,
                    a.dispute_categories,
                    a.grid_reports,
                    a.escalated,
                ) = (n, d, dc, g, e);
            }
            for (c, hours, n, on_time) in closed {
                let a = out.entry(c).or_default();
                a.closed += n;
                a.closed_on_time += on_time;
                a.close_hours.push((hours, n));
            }
            for (c, n, agreed) in ended {
                let a = out.entry(c).or_default();
                (a.ended, a.agreed) = (n, agreed);
            }
            for (c, n, sum) in rated {
                let a = out.entry(c).or_default();
                (a.rated, a.rating_sum) = (n, sum);
            }
            Ok(out.into_iter().collect())
        })
        .await
    }

    async fn resident_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        run(async {
            Ok(on_read!(self, |p| {
                sqlx::query_as(
                    "SELECT community_code, COUNT(*) FROM residents GROUP BY community_code",
                )
                .fetch_all(p)
                .await?
            }))
        })
        .await
    }

    async fn load_synthetic_cases(&self, cases: &[SyntheticCase]) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                for chunk in cases.chunks(500) {
                    let mut qb = sqlx::QueryBuilder::new(
                        "INSERT INTO cases (number, tracking_code, kind, category, title, description, channel, \
                         community_code, state, escalations, outcome, ended_at, closed_at, closed_on_time, \
                         rating, rated_at, created_at, updated_at) ",
                    );
                    qb.push_values(chunk, |mut b, c| {
                        let closed = c.closed;
                        b.push_bind(c.number.clone())
                            .push_bind(c.tracking_code.clone())
                            .push_bind("dispute")
                            .push_bind(c.category.clone())
                            .push_bind("演示纠纷（指数样例）")
                            .push_bind("演示数据：为平安指数、矛调指数生成的样例纠纷")
                            .push_bind(c.channel)
                            .push_bind(c.community_code.clone())
                            .push_bind(if closed.is_some() { "closed" } else { "in_progress" })
                            .push_bind(c.escalations)
                            .push_bind(closed.map(|x| x.2))
                            .push_bind(closed.map(|x| x.0))
                            .push_bind(closed.map(|x| x.0))
                            .push_bind(closed.map(|x| x.1))
                            .push_bind(c.rating.map(|x| x.0))
                            .push_bind(c.rating.map(|x| x.1))
                            .push_bind(c.created_at_ms)
                            .push_bind(closed.map(|x| x.0).unwrap_or(c.created_at_ms));
                    });
                    qb.build().execute(&mut *tx).await?;
                }
            });
            Ok(())
        })
        .await
    }

    async fn publish_report(&self, r: &ReportRecord, audit: AuditEntry) -> StoreResult<i64> {
        run(async {
            Ok(on_write!(self, |tx| {
                let no: i64 = sqlx::query_scalar(
                    "SELECT COALESCE(MAX(issue_no), 0) + 1 FROM index_reports WHERE index_id = $1",
                )
                .bind(&r.index_id)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO index_reports (index_id, issue_no, period, title, body, published_by, published_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&r.index_id)
                .bind(no)
                .bind(&r.period)
                .bind(format!("{} 第{no}期", r.title))
                .bind(&r.body)
                .bind(&r.published_by)
                .bind(r.published_at_ms)
                .execute(&mut *tx)
                .await?;
                let mut audit = audit.clone();
                audit.object = format!("{}/{no}", r.index_id);
                append_audit!(tx, audit);
                no
            }))
        })
        .await
    }

    async fn report(&self, index_id: &str, issue_no: i64) -> StoreResult<Option<ReportRecord>> {
        run(async {
            let row: Option<ReportRow> = on_read!(self, |p| {
                sqlx::query_as(
                    "SELECT index_id, issue_no, period, title, body, published_by, published_at \
                     FROM index_reports WHERE index_id = $1 AND issue_no = $2",
                )
                .bind(index_id)
                .bind(issue_no)
                .fetch_optional(p)
                .await?
            });
            Ok(row.map(to_record))
        })
        .await
    }

    async fn reports(&self) -> StoreResult<Vec<ReportRecord>> {
        run(async {
            let rows: Vec<ReportRow> = on_read!(self, |p| {
                sqlx::query_as(
                    "SELECT index_id, issue_no, period, title, '', published_by, published_at \
                     FROM index_reports ORDER BY published_at DESC, index_id, issue_no DESC",
                )
                .fetch_all(p)
                .await?
            });
            Ok(rows.into_iter().map(to_record).collect())
        })
        .await
    }
}
