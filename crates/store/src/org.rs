//! Work areas, departments and mediation bodies.

use crate::scope_sql::{push_scope, push_subtree, push_text, Table};
use crate::{corrupt, run, Db, DbError};
use async_trait::async_trait;
use sqlx::QueryBuilder;
use std::collections::HashMap;
use zhili_app::ports::{OrgStore, StoreResult, UnitQuery, Upserted};
use zhili_domain::{
    AuditEntry, DivisionCode, Level, NodeCode, OrgUnit, Page, Paged, Sector, UnitType, WorkArea,
};

const UNIT_COLUMNS: &str = "code, unit_type, name, kind, sector, division_code, level";

#[derive(sqlx::FromRow)]
struct UnitRow {
    code: String,
    unit_type: String,
    name: String,
    kind: String,
    sector: Option<String>,
    division_code: String,
    level: String,
}

impl UnitRow {
    fn into_domain(self) -> Result<OrgUnit, DbError> {
        Ok(OrgUnit {
            code: NodeCode::parse(&self.code).map_err(|e| corrupt("org_units.code", e))?,
            unit_type: UnitType::parse(&self.unit_type)
                .map_err(|e| corrupt("org_units.unit_type", e))?,
            name: self.name,
            kind: self.kind,
            sector: self
                .sector
                .as_deref()
                .map(Sector::parse)
                .transpose()
                .map_err(|e| corrupt("org_units.sector", e))?,
            division_code: DivisionCode::parse(&self.division_code)
                .map_err(|e| corrupt("org_units.division_code", e))?,
            level: Level::parse(&self.level).map_err(|e| corrupt("org_units.level", e))?,
        })
    }

    fn same_as(&self, u: &OrgUnit) -> bool {
        self.name == u.name
            && self.kind == u.kind
            && self.sector.as_deref() == u.sector.map(Sector::as_str)
            && self.level == u.level.as_str()
    }
}

#[derive(sqlx::FromRow)]
struct WorkAreaRow {
    code: String,
    name: String,
    township_code: String,
}

impl WorkAreaRow {
    fn into_domain(self) -> Result<WorkArea, DbError> {
        Ok(WorkArea {
            code: NodeCode::parse(&self.code).map_err(|e| corrupt("work_areas.code", e))?,
            name: self.name,
            township_code: DivisionCode::parse(&self.township_code)
                .map_err(|e| corrupt("work_areas.township_code", e))?,
        })
    }
}

#[async_trait]
impl OrgStore for Db {
    async fn upsert_work_areas(
        &self,
        areas: &[(WorkArea, Vec<DivisionCode>)],
        audit: AuditEntry,
    ) -> StoreResult<Upserted> {
        run(async {
            let now = audit.at_ms;
            Ok(on_write!(self, |tx| {
                let existing: Vec<(String, String)> = sqlx::query_as("SELECT code, name FROM work_areas").fetch_all(&mut *tx).await?;
                let existing: HashMap<String, String> = existing.into_iter().collect();
                let mut n = Upserted::default();
                for (wa, members) in areas {
                    let code = wa.code.to_string();
                    match existing.get(&code) {
                        Some(name) if *name == wa.name => {}
                        Some(_) => {
                            sqlx::query("UPDATE work_areas SET name = $1, updated_at = $2 WHERE code = $3").bind(&wa.name).bind(now).bind(&code).execute(&mut *tx).await?;
                            n.updated += 1;
                        }
                        None => {
                            sqlx::query("INSERT INTO work_areas (code, name, township_code, updated_at) VALUES ($1, $2, $3, $4)")
                                .bind(&code)
                                .bind(&wa.name)
                                .bind(wa.township_code.as_str())
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            n.inserted += 1;
                        }
                    }
                    for chunk in members.chunks(500) {
                        let mut qb = QueryBuilder::new("UPDATE divisions SET work_area_code = ");
                        qb.push_bind(code.clone()).push(" WHERE (work_area_code IS NULL OR work_area_code <> ").push_bind(code.clone()).push(") AND code IN (");
                        let mut sep = qb.separated(", ");
                        for c in chunk {
                            sep.push_bind(c.to_string());
                        }
                        qb.push(")");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                if n.inserted + n.updated > 0 {
                    append_audit!(tx, audit);
                }
                n
            }))
        })
        .await
    }

    async fn work_area(&self, code: &NodeCode) -> StoreResult<Option<WorkArea>> {
        run(async {
            let row: Option<WorkAreaRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT code, name, township_code FROM work_areas WHERE code = $1"
            )
            .bind(code.to_string())
            .fetch_optional(p)
            .await?);
            row.map(WorkAreaRow::into_domain).transpose()
        })
        .await
    }

    async fn work_areas_of(&self, township: &DivisionCode) -> StoreResult<Vec<WorkArea>> {
        run(async {
            let rows: Vec<WorkAreaRow> = on_read!(self, |p| sqlx::query_as("SELECT code, name, township_code FROM work_areas WHERE township_code = $1 ORDER BY code")
                .bind(township.as_str())
                .fetch_all(p)
                .await?);
            rows.into_iter().map(WorkAreaRow::into_domain).collect()
        })
        .await
    }

    async fn work_area_communities(&self, code: &NodeCode) -> StoreResult<Vec<DivisionCode>> {
        run(async {
            let rows: Vec<String> = on_read!(self, |p| sqlx::query_scalar(
                "SELECT code FROM divisions WHERE work_area_code = $1 ORDER BY code"
            )
            .bind(code.to_string())
            .fetch_all(p)
            .await?);
            rows.iter()
                .map(|c| DivisionCode::parse(c).map_err(|e| corrupt("divisions.code", e)))
                .collect()
        })
        .await
    }

    async fn upsert_units(&self, units: &[OrgUnit], audit: AuditEntry) -> StoreResult<Upserted> {
        run(async {
            let now = audit.at_ms;
            Ok(on_write!(self, |tx| {
                let existing: Vec<UnitRow> = sqlx::query_as(&format!("SELECT {UNIT_COLUMNS} FROM org_units")).fetch_all(&mut *tx).await?;
                let existing: HashMap<String, UnitRow> = existing.into_iter().map(|r| (r.code.clone(), r)).collect();
                let (mut fresh, mut changed) = (Vec::new(), Vec::new());
                for u in units {
                    match existing.get(&u.code.to_string()) {
                        None => fresh.push(u),
                        Some(row) if !row.same_as(u) => changed.push(u),
                        Some(_) => {}
                    }
                }
                for chunk in fresh.chunks(500) {
                    let mut qb = QueryBuilder::new("INSERT INTO org_units (code, unit_type, name, kind, sector, division_code, level, updated_at) ");
                    qb.push_values(chunk, |mut b, u| {
                        b.push_bind(u.code.to_string())
                            .push_bind(u.unit_type.as_str())
                            .push_bind(u.name.clone())
                            .push_bind(u.kind.clone())
                            .push_bind(u.sector.map(Sector::as_str))
                            .push_bind(u.division_code.to_string())
                            .push_bind(u.level.as_str())
                            .push_bind(now);
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                for u in &changed {
                    sqlx::query("UPDATE org_units SET name = $1, kind = $2, sector = $3, level = $4, updated_at = $5 WHERE code = $6")
                        .bind(&u.name)
                        .bind(&u.kind)
                        .bind(u.sector.map(Sector::as_str))
                        .bind(u.level.as_str())
                        .bind(now)
                        .bind(u.code.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                let n = Upserted {
                    inserted: fresh.len() as u64,
                    updated: changed.len() as u64,
                };
                if n.inserted + n.updated > 0 {
                    append_audit!(tx, audit);
                }
                n
            }))
        })
        .await
    }

    async fn unit(&self, code: &NodeCode) -> StoreResult<Option<OrgUnit>> {
        run(async {
            let sql = format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE code = $1");
            let row: Option<UnitRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(code.to_string())
                .fetch_optional(p)
                .await?);
            row.map(UnitRow::into_domain).transpose()
        })
        .await
    }

    async fn node_names(&self, codes: &[NodeCode]) -> StoreResult<Vec<(String, String)>> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        run(async {
            Ok(on_read!(self, |p| {
                // Codes of the three kinds never collide, so each table gets the whole list.
                let mut qb = QueryBuilder::new("");
                for (i, table) in ["divisions", "work_areas", "org_units"].iter().enumerate() {
                    if i > 0 {
                        qb.push(" UNION ALL ");
                    }
                    qb.push(format!("SELECT code, name FROM {table} WHERE code IN ("));
                    let mut sep = qb.separated(", ");
                    for c in codes {
                        sep.push_bind(c.to_string());
                    }
                    qb.push(")");
                }
                qb.build_query_as().fetch_all(p).await?
            }))
        })
        .await
    }

    async fn list_units(&self, q: &UnitQuery, page: Page) -> StoreResult<Paged<OrgUnit>> {
        run(async {
            let (rows, total): (Vec<UnitRow>, i64) = on_read!(self, |p| {
                let filters = |qb: &mut QueryBuilder<'_, _>| {
                    push_scope(qb, Table::Units, &q.scope);
                    if let Some(d) = &q.within {
                        push_subtree(qb, "division_code", d);
                    }
                    if let Some(d) = &q.at {
                        qb.push(" AND division_code = ").push_bind(d.to_string());
                    }
                    if let Some(t) = q.unit_type {
                        qb.push(" AND unit_type = ")
                            .push_bind(t.as_str().to_owned());
                    }
                    if let Some(t) = &q.text {
                        push_text(qb, t);
                    }
                };
                let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM org_units WHERE 1 = 1");
                filters(&mut qb);
                let total: i64 = qb.build_query_scalar().fetch_one(p).await?;
                let mut qb =
                    QueryBuilder::new(format!("SELECT {UNIT_COLUMNS} FROM org_units WHERE 1 = 1"));
                filters(&mut qb);
                qb.push(format!(
                    " ORDER BY division_code, unit_type, code LIMIT {} OFFSET {}",
                    page.limit(),
                    page.offset()
                ));
                (qb.build_query_as().fetch_all(p).await?, total)
            });
            crate::to_page(rows, total, page, UnitRow::into_domain)
        })
        .await
    }

    async fn max_unit_seq(&self, division: &DivisionCode, unit_type: UnitType) -> StoreResult<u16> {
        run(async {
            let codes: Vec<String> = on_read!(self, |p| sqlx::query_scalar(
                "SELECT code FROM org_units WHERE division_code = $1 AND unit_type = $2"
            )
            .bind(division.as_str())
            .bind(unit_type.as_str())
            .fetch_all(p)
            .await?);
            Ok(codes
                .iter()
                .filter_map(|c| match NodeCode::parse(c) {
                    Ok(NodeCode::Department { seq, .. } | NodeCode::Body { seq, .. }) => Some(seq),
                    _ => None,
                })
                .max()
                .unwrap_or(0))
        })
        .await
    }
}
