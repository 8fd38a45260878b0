//! Open311 reads (`Open311Store`): public cases (hazards and service requests only) by the
//! GeoReport v2 filters, tokens, and the timeline of public cases by time. The Open311 row
//! itself is written by the case intake transaction (`case.rs`, `insert_case!`).

use crate::case::{CaseRow, CASE_COLUMNS};
use crate::scope_sql::push_subtree;
use crate::{corrupt, run, Db};
use async_trait::async_trait;
use sqlx::{Database, Encode, QueryBuilder, Type};
use zhili_app::ports::{Open311Case, Open311Query, Open311Store, Open311Update, StoreResult};
use zhili_domain::case::CaseState;
use zhili_domain::open311::PUBLIC_KINDS;
use zhili_domain::DivisionCode;

/// ` AND kind IN ('hazard', 'service_request')`: the kinds Open311 may ever show.
fn push_public_kinds<DB: Database>(qb: &mut QueryBuilder<'_, DB>, col: &str) {
    let kinds: Vec<String> = PUBLIC_KINDS
        .iter()
        .map(|k| format!("'{}'", k.as_str()))
        .collect();
    qb.push(format!(" AND {col} IN ({})", kinds.join(", ")));
}

fn push_in<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, col: &str, values: &[String])
where
    String: Encode<'a, DB> + Type<DB>,
{
    if values.is_empty() {
        return;
    }
    qb.push(format!(" AND {col} IN ("));
    let mut sep = qb.separated(", ");
    for v in values {
        sep.push_bind(v.clone());
    }
    qb.push(")");
}

fn push_filters<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, q: &Open311Query)
where
    String: Encode<'a, DB> + Type<DB>,
    i64: Encode<'a, DB> + Type<DB>,
{
    push_subtree(qb, "community_code", &q.within);
    push_public_kinds(qb, "kind");
    push_in(qb, "number", &q.numbers);
    push_in(qb, "category", &q.categories);
    let states: Vec<String> = q.states.iter().map(|s| s.as_str().to_owned()).collect();
    push_in(qb, "state", &states);
    if let Some(f) = q.from_ms {
        qb.push(" AND created_at >= ").push_bind(f);
    }
    if let Some(t) = q.to_ms {
        qb.push(" AND created_at <= ").push_bind(t);
    }
}

#[derive(sqlx::FromRow)]
struct UpdateRow {
    id: i64,
    number: String,
    at: i64,
    action: String,
    to_state: String,
}

#[async_trait]
impl Open311Store for Db {
    async fn open311_cases(&self, q: &Open311Query) -> StoreResult<Vec<Open311Case>> {
        run(async {
            let (rows, media): (Vec<CaseRow>, Vec<(i64, String)>) = on_read!(self, |p| {
                let mut qb =
                    QueryBuilder::new(format!("SELECT {CASE_COLUMNS} FROM cases WHERE 1 = 1"));
                push_filters(&mut qb, q);
                qb.push(format!(
                    " ORDER BY created_at DESC, id DESC LIMIT {}",
                    q.limit.clamp(0, 1000)
                ));
                let rows: Vec<CaseRow> = qb.build_query_as().fetch_all(p).await?;
                let mut qb = QueryBuilder::new(
                    "SELECT case_id, media_url FROM open311_requests WHERE media_url IS NOT NULL AND case_id IN (0",
                );
                for r in &rows {
                    qb.push(", ").push_bind(r.id);
                }
                qb.push(")");
                (rows, qb.build_query_as().fetch_all(p).await?)
            });
            rows.into_iter()
                .map(|r| {
                    let case = r.into_domain()?;
                    let media_url = media
                        .iter()
                        .find(|(id, _)| *id == case.id)
                        .map(|(_, u)| u.clone());
                    Ok(Open311Case { case, media_url })
                })
                .collect()
        })
        .await
    }

    async fn open311_number_by_token(&self, token: &str) -> StoreResult<Option<String>> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT c.number FROM open311_requests o JOIN cases c ON c.id = o.case_id WHERE o.token = $1"
            )
            .bind(token)
            .fetch_optional(p)
            .await?))
        })
        .await
    }

    async fn open311_updates(
        &self,
        within: &DivisionCode,
        from_ms: i64,
        to_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<Open311Update>> {
        run(async {
            let rows: Vec<UpdateRow> = on_read!(self, |p| {
                let mut qb = QueryBuilder::new(
                    "SELECT e.id, c.number, e.at, e.action, e.to_state FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.at >= ",
                );
                qb.push_bind(from_ms).push(" AND e.at < ").push_bind(to_ms);
                push_subtree(&mut qb, "c.community_code", within);
                push_public_kinds(&mut qb, "c.kind");
                qb.push(format!(" ORDER BY e.at, e.id LIMIT {}", limit.clamp(0, 1000)));
                qb.build_query_as().fetch_all(p).await?
            });
            rows.into_iter()
                .map(|r| {
                    Ok(Open311Update {
                        to_state: CaseState::parse(&r.to_state)
                            .map_err(|e| corrupt("case_events.to_state", e))?,
                        event_id: r.id,
                        case_number: r.number,
                        at_ms: r.at,
                        action: r.action,
                    })
                })
                .collect()
        })
        .await
    }
}
