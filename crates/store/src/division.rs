//! Divisions: idempotent bulk load, reads within a scope, counts per level.

use crate::scope_sql::{push_scope, push_subtree, push_text, Table};
use crate::{corrupt, run, Db, DbError};
use async_trait::async_trait;
use sqlx::{Database, Encode, QueryBuilder, Type};
use std::collections::HashMap;
use zhili_app::ports::{DivisionQuery, DivisionStore, StoreResult, Upserted};
use zhili_domain::{
    AuditEntry, Division, DivisionCode, DivisionKind, Level, LevelCounts, Page, Paged, Scope,
};

const COLUMNS: &str = "code, name, level, kind, parent_code, edition, work_area_code";

#[derive(sqlx::FromRow, PartialEq)]
struct DivisionRow {
    code: String,
    name: String,
    level: String,
    kind: String,
    parent_code: Option<String>,
    edition: i64,
    work_area_code: Option<String>,
}

impl DivisionRow {
    fn into_domain(self) -> Result<Division, DbError> {
        let code = DivisionCode::parse(&self.code).map_err(|e| corrupt("divisions.code", e))?;
        let parent_code = self
            .parent_code
            .as_deref()
            .map(DivisionCode::parse)
            .transpose()
            .map_err(|e| corrupt("divisions.parent_code", e))?;
        Ok(Division {
            level: Level::parse(&self.level).map_err(|e| corrupt("divisions.level", e))?,
            kind: DivisionKind::parse(&self.kind).map_err(|e| corrupt("divisions.kind", e))?,
            code,
            name: self.name,
            parent_code,
            edition: self.edition as i32,
            work_area_code: self.work_area_code,
        })
    }

    fn same_as(&self, d: &Division) -> bool {
        self.name == d.name
            && self.level == d.level.as_str()
            && self.kind == d.kind.as_str()
            && self.parent_code.as_deref() == d.parent_code.as_ref().map(DivisionCode::as_str)
            && self.edition == i64::from(d.edition)
    }
}

fn push_filters<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, q: &DivisionQuery)
where
    String: Encode<'a, DB> + Type<DB>,
{
    push_scope(qb, Table::Divisions, &q.scope);
    if let Some(l) = q.level {
        qb.push(" AND level = ").push_bind(l.as_str().to_owned());
    }
    if let Some(p) = &q.parent {
        qb.push(" AND parent_code = ").push_bind(p.to_string());
    }
    if let Some(w) = &q.work_area {
        qb.push(" AND work_area_code = ").push_bind(w.to_string());
    }
    if let Some(t) = &q.text {
        push_text(qb, t);
    }
}

fn counts_from(rows: Vec<(String, i64)>) -> Result<LevelCounts, DbError> {
    let mut c = LevelCounts::default();
    for (level, n) in rows {
        c.add(
            Level::parse(&level).map_err(|e| corrupt("divisions.level", e))?,
            n,
        );
    }
    Ok(c)
}

#[async_trait]
impl DivisionStore for Db {
    async fn upsert_divisions(
        &self,
        divisions: &[Division],
        audit: AuditEntry,
    ) -> StoreResult<Upserted> {
        run(async {
            let now = audit.at_ms;
            Ok(on_write!(self, |tx| {
                let existing: Vec<DivisionRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM divisions")).fetch_all(&mut *tx).await?;
                let existing: HashMap<String, DivisionRow> = existing.into_iter().map(|r| (r.code.clone(), r)).collect();
                let (mut fresh, mut changed) = (Vec::new(), Vec::new());
                for d in divisions {
                    match existing.get(d.code.as_str()) {
                        None => fresh.push(d),
                        Some(row) if !row.same_as(d) => changed.push(d),
                        Some(_) => {}
                    }
                }
                for chunk in fresh.chunks(500) {
                    let mut qb = QueryBuilder::new("INSERT INTO divisions (code, name, level, kind, parent_code, edition, updated_at) ");
                    qb.push_values(chunk, |mut b, d| {
                        b.push_bind(d.code.to_string())
                            .push_bind(d.name.clone())
                            .push_bind(d.level.as_str())
                            .push_bind(d.kind.as_str())
                            .push_bind(d.parent_code.as_ref().map(|p| p.to_string()))
                            .push_bind(i64::from(d.edition))
                            .push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                for d in &changed {
                    sqlx::query("UPDATE divisions SET name = $1, level = $2, kind = $3, parent_code = $4, edition = $5, updated_at = $6 WHERE code = $7")
                        .bind(&d.name)
                        .bind(d.level.as_str())
                        .bind(d.kind.as_str())
                        .bind(d.parent_code.as_ref().map(|p| p.to_string()))
                        .bind(i64::from(d.edition))
                        .bind(now)
                        .bind(d.code.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                let mut audit = audit;
                audit.detail = format!("{}; {} inserted, {} updated", audit.detail, fresh.len(), changed.len());
                append_audit!(tx, audit);
                Upserted {
                    inserted: fresh.len() as u64,
                    updated: changed.len() as u64,
                }
            }))
        })
        .await
    }

    async fn division(&self, code: &DivisionCode) -> StoreResult<Option<Division>> {
        run(async {
            let sql = format!("SELECT {COLUMNS} FROM divisions WHERE code = $1");
            let row: Option<DivisionRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(code.as_str())
                .fetch_optional(p)
                .await?);
            row.map(DivisionRow::into_domain).transpose()
        })
        .await
    }

    async fn list_divisions(&self, q: &DivisionQuery, page: Page) -> StoreResult<Paged<Division>> {
        run(async {
            let (rows, total): (Vec<DivisionRow>, i64) = on_read!(self, |p| {
                let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM divisions WHERE 1 = 1");
                push_filters(&mut qb, q);
                let total: i64 = qb.build_query_scalar().fetch_one(p).await?;
                let mut qb =
                    QueryBuilder::new(format!("SELECT {COLUMNS} FROM divisions WHERE 1 = 1"));
                push_filters(&mut qb, q);
                qb.push(format!(
                    " ORDER BY code LIMIT {} OFFSET {}",
                    page.limit(),
                    page.offset()
                ));
                (qb.build_query_as().fetch_all(p).await?, total)
            });
            crate::to_page(rows, total, page, DivisionRow::into_domain)
        })
        .await
    }

    async fn descendant_counts(
        &self,
        scope: &Scope,
        root: &DivisionCode,
    ) -> StoreResult<LevelCounts> {
        run(async {
            let (rows, work_areas): (Vec<(String, i64)>, i64) = on_read!(self, |p| {
                let mut qb =
                    QueryBuilder::new("SELECT level, COUNT(*) FROM divisions WHERE code <> ");
                qb.push_bind(root.to_string());
                push_subtree(&mut qb, "code", root);
                push_scope(&mut qb, Table::Divisions, scope);
                qb.push(" GROUP BY level");
                let rows = qb.build_query_as().fetch_all(p).await?;
                let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM work_areas WHERE 1 = 1");
                push_subtree(&mut qb, "township_code", root);
                push_scope(&mut qb, Table::WorkAreas, scope);
                (rows, qb.build_query_scalar().fetch_one(p).await?)
            });
            let mut c = counts_from(rows)?;
            c.work_area = work_areas;
            Ok(c)
        })
        .await
    }

    async fn child_counts(
        &self,
        parent: &DivisionCode,
    ) -> StoreResult<Vec<(DivisionCode, LevelCounts)>> {
        let child_prefix = match parent.level() {
            Level::City => 6,
            Level::County => 9,
            _ => return Ok(Vec::new()),
        };
        run(async {
            let (rows, areas): (Vec<(String, String, i64)>, Vec<(String, i64)>) = on_read!(self, |p| {
                let mut qb = QueryBuilder::new(format!("SELECT substr(code, 1, {child_prefix}) AS p, level, COUNT(*) FROM divisions WHERE level <> "));
                qb.push_bind(parent.level().as_str().to_owned());
                push_subtree(&mut qb, "code", parent);
                qb.push(format!(" GROUP BY substr(code, 1, {child_prefix}), level"));
                let rows = qb.build_query_as().fetch_all(p).await?;
                let mut qb = QueryBuilder::new("SELECT township_code, COUNT(*) FROM work_areas WHERE 1 = 1");
                push_subtree(&mut qb, "township_code", parent);
                qb.push(" GROUP BY township_code");
                (rows, qb.build_query_as().fetch_all(p).await?)
            });
            let mut out: Vec<(DivisionCode, LevelCounts)> = Vec::new();
            for (prefix, level, n) in rows {
                let code = DivisionCode::parse(&format!("{prefix:0<12}")).map_err(|e| corrupt("divisions.code", e))?;
                let level = Level::parse(&level).map_err(|e| corrupt("divisions.level", e))?;
                if level == code.level() {
                    continue; // the child itself
                }
                match out.iter_mut().find(|(c, _)| *c == code) {
                    Some((_, c)) => c.add(level, n),
                    None => {
                        let mut c = LevelCounts::default();
                        c.add(level, n);
                        out.push((code, c));
                    }
                }
            }
            for (township, n) in areas {
                let code = DivisionCode::parse(&township).map_err(|e| corrupt("work_areas.township_code", e))?;
                // Under a county, each township's own work areas; under the city, summed per county.
                let key = if child_prefix == 9 { code } else { DivisionCode::parse(&format!("{:0<12}", &township[..6])).map_err(|e| corrupt("work_areas.township_code", e))? };
                match out.iter_mut().find(|(c, _)| *c == key) {
                    Some((_, c)) => c.work_area += n,
                    None => out.push((key, LevelCounts { work_area: n, ..Default::default() })),
                }
            }
            Ok(out)
        })
        .await
    }

    async fn count_divisions(&self) -> StoreResult<i64> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM divisions"
            )
            .fetch_one(p)
            .await?))
        })
        .await
    }

    async fn city(&self) -> StoreResult<Option<Division>> {
        run(async {
            let sql = format!(
                "SELECT {COLUMNS} FROM divisions WHERE level = 'city' ORDER BY code LIMIT 1"
            );
            let row: Option<DivisionRow> =
                on_read!(self, |p| sqlx::query_as(&sql).fetch_optional(p).await?);
            row.map(DivisionRow::into_domain).transpose()
        })
        .await
    }
}
