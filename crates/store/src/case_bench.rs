//! Synthetic cases for `zhili bench list`, loaded straight into the table.

use crate::notice::{DEADLINE_KIND, DUE_CASES};
use crate::{run, Db};
use zhili_app::ports::StoreResult;

/// One synthetic case for `zhili bench list` (only the columns lists read).
pub struct BenchCase {
    pub community_code: String,
    pub category: String,
    pub channel: &'static str,
    pub state: &'static str,
    pub assignee: Option<String>,
    pub created_at_ms: i64,
    pub due_at_ms: Option<i64>,
}

impl Db {
    /// Load synthetic cases straight into the table, in large batches, for the list benchmark.
    /// Not for real data: no parties, timeline or audit records are written.
    pub async fn load_bench_cases(&self, first_seq: i64, rows: &[BenchCase]) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                for (chunk_no, chunk) in rows.chunks(2000).enumerate() {
                    let mut qb = sqlx::QueryBuilder::new(
                        "INSERT INTO cases (number, tracking_code, kind, category, title, description, channel, community_code, state, \
                         assignee_code, due_at, created_at, updated_at) ",
                    );
                    qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
                        let seq = first_seq + (chunk_no * 2000 + i) as i64;
                        b.push_bind(format!("{}-B-{seq:08}", &r.community_code[..6]))
                            .push_bind(format!("B{seq:09}"))
                            .push_bind("dispute")
                            .push_bind(r.category.clone())
                            .push_bind(format!("基准案件 {seq}"))
                            .push_bind("synthetic")
                            .push_bind(r.channel)
                            .push_bind(r.community_code.clone())
                            .push_bind(r.state)
                            .push_bind(r.assignee.clone())
                            .push_bind(r.due_at_ms)
                            .push_bind(r.created_at_ms)
                            .push_bind(r.created_at_ms);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
            });
            Ok(())
        })
        .await
    }

    /// Record the deadline warnings a server running all along would already have sent for the
    /// loaded cases (the deadline scan's own selection at `now_ms` up to `horizon_ms`), so that
    /// the benchmark's server does not spend its first minutes warning about a million cases.
    pub async fn settle_bench_deadlines(&self, now_ms: i64, horizon_ms: i64) -> StoreResult<u64> {
        let sql = format!(
            "INSERT INTO deadline_notices (case_id, kind, due_at, sent_at) \
             SELECT c.id, {DEADLINE_KIND}, c.due_at, $2 {DUE_CASES} ON CONFLICT DO NOTHING"
        );
        run(async {
            Ok(on_write!(self, |tx| {
                sqlx::query(&sql)
                    .bind(horizon_ms)
                    .bind(now_ms)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            }))
        })
        .await
    }
}
