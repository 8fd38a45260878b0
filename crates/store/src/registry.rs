//! Grids, buildings, dwellings, residents and visits: reads within a division's subtree (code
//! ranges on indexed columns), the 人房两清 counts, and the few single-row writes.

use crate::scope_sql::push_subtree;
use crate::{corrupt, run, to_page, Db, DbError};
use async_trait::async_trait;
use zhili_app::ports::{
    BuildingRecord, DwellingRecord, ExportAfter, ExportKind, ExportPage, GridRecord, ImportMsg,
    ImportWritten, RegistryStore, ResidentQuery, ResidentRow, StoreResult, Visit,
};
use zhili_domain::case::Point;
use zhili_domain::registry::{BuildingCode, Consistency, DwellingCode, GridCode};
use zhili_domain::{AuditEntry, DivisionCode, Page, Paged};

const GRID_COLUMNS: &str = "code, community_code, name, geometry, min_lon, min_lat, max_lon, max_lat, worker, assistants, captains";

#[derive(sqlx::FromRow)]
struct GridRow {
    code: String,
    community_code: String,
    name: String,
    geometry: String,
    min_lon: f64,
    min_lat: f64,
    max_lon: f64,
    max_lat: f64,
    worker: Option<String>,
    assistants: String,
    captains: String,
}

impl GridRow {
    fn into_record(self) -> Result<GridRecord, DbError> {
        Ok(GridRecord {
            code: GridCode::parse(&self.code).map_err(|e| corrupt("grids.code", e))?,
            community_code: DivisionCode::parse(&self.community_code)
                .map_err(|e| corrupt("grids.community_code", e))?,
            name: self.name,
            geometry: self.geometry,
            bbox: [self.min_lon, self.min_lat, self.max_lon, self.max_lat],
            worker: self.worker,
            assistants: self.assistants,
            captains: self.captains,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct BuildingRow {
    code: String,
    community_code: String,
    grid_code: Option<String>,
    name: String,
    address: String,
    lon: Option<f64>,
    lat: Option<f64>,
    floors: Option<i64>,
}

impl BuildingRow {
    pub(crate) fn into_record(self) -> Result<BuildingRecord, DbError> {
        Ok(BuildingRecord {
            code: BuildingCode::parse(&self.code).map_err(|e| corrupt("buildings.code", e))?,
            community_code: DivisionCode::parse(&self.community_code)
                .map_err(|e| corrupt("buildings.community_code", e))?,
            grid_code: self
                .grid_code
                .as_deref()
                .map(GridCode::parse)
                .transpose()
                .map_err(|e| corrupt("buildings.grid_code", e))?,
            name: self.name,
            address: self.address,
            location: match (self.lat, self.lon) {
                (Some(lat), Some(lon)) => Some(Point { lat, lon }),
                _ => None,
            },
            floors: self.floors,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ResidentDbRow {
    id: i64,
    community_code: String,
    grid_code: Option<String>,
    name_enc: Vec<u8>,
    name_masked: String,
    id_enc: Vec<u8>,
    id_masked: String,
    phone_enc: Option<Vec<u8>>,
    phone_masked: Option<String>,
    sex: String,
    birth_date: String,
    ethnicity: String,
    relation: String,
    dwelling_code: Option<String>,
    confirmed_at: Option<i64>,
}

pub(crate) const RESIDENT_COLUMNS: &str = "r.id, r.community_code, r.grid_code, r.name_enc, r.name_masked, r.id_enc, r.id_masked, r.phone_enc, r.phone_masked, \
     r.sex, r.birth_date, r.ethnicity, r.relation, \
     (SELECT o.dwelling_code FROM occupancy o WHERE o.resident_id = r.id ORDER BY o.id LIMIT 1) AS dwelling_code, r.confirmed_at";

pub(crate) fn resident(r: ResidentDbRow) -> Result<ResidentRow, DbError> {
    Ok(ResidentRow {
        id: r.id,
        community_code: DivisionCode::parse(&r.community_code)
            .map_err(|e| corrupt("residents.community_code", e))?,
        grid_code: r.grid_code,
        name_enc: r.name_enc,
        name_masked: r.name_masked,
        id_enc: r.id_enc,
        id_masked: r.id_masked,
        phone_enc: r.phone_enc,
        phone_masked: r.phone_masked,
        sex: r.sex,
        birth_date: r.birth_date,
        ethnicity: r.ethnicity,
        relation: r.relation,
        dwelling_code: r.dwelling_code,
        confirmed_at_ms: r.confirmed_at,
    })
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: i64,
    grid_code: String,
    user_id: Option<i64>,
    username: String,
    at: i64,
    building_code: Option<String>,
    lon: Option<f64>,
    lat: Option<f64>,
    found: String,
    case_id: Option<i64>,
}

#[async_trait]
impl RegistryStore for Db {
    async fn import_rows(
        &self,
        rx: tokio::sync::mpsc::Receiver<ImportMsg>,
        skip_conflicts: bool,
    ) -> StoreResult<ImportWritten> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.import_rows_impl(rx, skip_conflicts, now).await
    }

    async fn grids_in(&self, within: &DivisionCode) -> StoreResult<Vec<GridRecord>> {
        run(async {
            let rows: Vec<GridRow> = on_read!(self, |p| {
                let mut qb = sqlx::QueryBuilder::new(format!(
                    "SELECT {GRID_COLUMNS} FROM grids WHERE 1 = 1"
                ));
                push_subtree(&mut qb, "community_code", within);
                qb.push(" ORDER BY code");
                qb.build_query_as().fetch_all(p).await?
            });
            rows.into_iter().map(GridRow::into_record).collect()
        })
        .await
    }

    async fn grid(&self, code: &GridCode) -> StoreResult<Option<GridRecord>> {
        run(async {
            let sql = format!("SELECT {GRID_COLUMNS} FROM grids WHERE code = $1");
            let row: Option<GridRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(code.as_str())
                .fetch_optional(p)
                .await?);
            row.map(GridRow::into_record).transpose()
        })
        .await
    }

    async fn grid_shapes(&self) -> StoreResult<Vec<(String, String)>> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_as(
                "SELECT code, geometry FROM grids ORDER BY code"
            )
            .fetch_all(p)
            .await?))
        })
        .await
    }

    async fn count_grids(&self) -> StoreResult<i64> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM grids"
            )
            .fetch_one(p)
            .await?))
        })
        .await
    }

    async fn next_building_seq(&self, community: &DivisionCode) -> StoreResult<u32> {
        run(async {
            let last: Option<String> = on_read!(self, |p| sqlx::query_scalar(
                "SELECT MAX(code) FROM buildings WHERE community_code = $1"
            )
            .bind(community.as_str())
            .fetch_one(p)
            .await?);
            Ok(last
                .and_then(|c| c.get(14..).and_then(|s| s.parse::<u32>().ok()))
                .unwrap_or(0)
                + 1)
        })
        .await
    }

    async fn buildings_in(
        &self,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        page: Page,
    ) -> StoreResult<Paged<BuildingRecord>> {
        run(async {
            let (rows, total): (Vec<BuildingRow>, i64) = on_read!(self, |p| {
                let mut qb = sqlx::QueryBuilder::new("SELECT code, community_code, grid_code, name, address, lon, lat, floors FROM buildings WHERE 1 = 1");
                push_subtree(&mut qb, "community_code", within);
                if let Some(g) = grid {
                    qb.push(" AND grid_code = ").push_bind(g.as_str());
                }
                qb.push(" ORDER BY code LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
                let rows = qb.build_query_as().fetch_all(p).await?;
                let mut qc = sqlx::QueryBuilder::new("SELECT COUNT(*) FROM buildings WHERE 1 = 1");
                push_subtree(&mut qc, "community_code", within);
                if let Some(g) = grid {
                    qc.push(" AND grid_code = ").push_bind(g.as_str());
                }
                let total: i64 = qc.build_query_scalar().fetch_one(p).await?;
                (rows, total)
            });
            to_page(rows, total, page, BuildingRow::into_record)
        })
        .await
    }

    async fn dwellings_of(&self, building: &BuildingCode) -> StoreResult<Vec<DwellingRecord>> {
        run(async {
            let rows: Vec<(String, String, String, Option<i64>, String, String, Option<f64>)> = on_read!(self, |p| sqlx::query_as(
                "SELECT code, building_code, unit, floor, room, use_type, area FROM dwellings WHERE building_code = $1 ORDER BY code"
            )
            .bind(building.as_str())
            .fetch_all(p)
            .await?);
            rows.into_iter()
                .map(|(code, b, unit, floor, room, use_type, area)| {
                    Ok(DwellingRecord {
                        code: DwellingCode::parse(&code).map_err(|e| corrupt("dwellings.code", e))?,
                        building_code: BuildingCode::parse(&b).map_err(|e| corrupt("dwellings.building_code", e))?,
                        unit,
                        floor,
                        room,
                        use_type,
                        area,
                    })
                })
                .collect()
        })
        .await
    }

    async fn residents(&self, q: &ResidentQuery, page: Page) -> StoreResult<Paged<ResidentRow>> {
        run(async {
            let (rows, total): (Vec<ResidentDbRow>, i64) = on_read!(self, |p| {
                let filter = |qb: &mut sqlx::QueryBuilder<'_, _>| {
                    push_subtree(qb, "r.community_code", &q.within);
                    if let Some(g) = &q.grid {
                        qb.push(" AND r.grid_code = ")
                            .push_bind(g.as_str().to_owned());
                    }
                    if let Some(h) = &q.lookup_hash {
                        qb.push(" AND (r.id_hash = ")
                            .push_bind(h.clone())
                            .push(" OR r.phone_hash = ")
                            .push_bind(h.clone())
                            .push(")");
                    }
                };
                let mut qb = sqlx::QueryBuilder::new(format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents r WHERE 1 = 1"
                ));
                filter(&mut qb);
                qb.push(" ORDER BY r.community_code, r.id LIMIT ")
                    .push_bind(page.limit())
                    .push(" OFFSET ")
                    .push_bind(page.offset());
                let rows = qb.build_query_as().fetch_all(p).await?;
                let mut qc =
                    sqlx::QueryBuilder::new("SELECT COUNT(*) FROM residents r WHERE 1 = 1");
                filter(&mut qc);
                let total: i64 = qc.build_query_scalar().fetch_one(p).await?;
                (rows, total)
            });
            to_page(rows, total, page, resident)
        })
        .await
    }

    async fn resident(&self, id: i64) -> StoreResult<Option<ResidentRow>> {
        run(async {
            let sql = format!("SELECT {RESIDENT_COLUMNS} FROM residents r WHERE r.id = $1");
            let row: Option<ResidentDbRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(id)
                .fetch_optional(p)
                .await?);
            row.map(resident).transpose()
        })
        .await
    }

    async fn party_of_case_held_by(&self, node: &str, id_number: &str) -> StoreResult<bool> {
        run(async {
            let n: i64 = on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM case_parties p JOIN case_nodes n ON n.case_id = p.case_id WHERE p.id_number = $1 AND n.node_code = $2"
            )
            .bind(id_number)
            .bind(node)
            .fetch_one(p)
            .await?);
            Ok(n > 0)
        })
        .await
    }

    async fn consistency(
        &self,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        today: &str,
        after: i64,
    ) -> StoreResult<Consistency> {
        crate::registry_report::consistency(self, within, grid, today, after).await
    }

    async fn record_visit(&self, v: &Visit, audit: AuditEntry) -> StoreResult<i64> {
        run(async {
            Ok(on_write!(self, |tx| {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO visits (grid_code, user_id, username, at, building_code, lon, lat, found, case_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(v.grid_code.as_str()).bind(v.user_id).bind(&v.username).bind(v.at_ms)
                .bind(v.building_code.as_ref().map(|b| b.as_str())).bind(v.location.map(|p| p.lon)).bind(v.location.map(|p| p.lat))
                .bind(&v.found).bind(v.case_id)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(b) = &v.building_code {
                    sqlx::query("UPDATE buildings SET confirmed_at = $1 WHERE code = $2").bind(v.at_ms).bind(b.as_str()).execute(&mut *tx).await?;
                    sqlx::query("UPDATE dwellings SET confirmed_at = $1 WHERE building_code = $2").bind(v.at_ms).bind(b.as_str()).execute(&mut *tx).await?;
                    sqlx::query(
                        "UPDATE residents SET confirmed_at = $1 WHERE id IN (SELECT o.resident_id FROM occupancy o JOIN dwellings d ON d.code = o.dwelling_code WHERE d.building_code = $2)",
                    )
                    .bind(v.at_ms).bind(b.as_str()).execute(&mut *tx).await?;
                }
                let mut audit = audit;
                audit.object = format!("visit:{id}");
                append_audit!(tx, audit);
                id
            }))
        })
        .await
    }

    async fn visits_in(&self, grid: &GridCode, limit: i64) -> StoreResult<Vec<Visit>> {
        run(async {
            let rows: Vec<VisitRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, grid_code, user_id, username, at, building_code, lon, lat, found, case_id FROM visits WHERE grid_code = $1 ORDER BY at DESC, id DESC LIMIT $2"
            )
            .bind(grid.as_str())
            .bind(limit)
            .fetch_all(p)
            .await?);
            rows.into_iter()
                .map(|r| {
                    Ok(Visit {
                        id: r.id,
                        grid_code: GridCode::parse(&r.grid_code).map_err(|e| corrupt("visits.grid_code", e))?,
                        user_id: r.user_id,
                        username: r.username,
                        at_ms: r.at,
                        building_code: r.building_code.as_deref().map(BuildingCode::parse).transpose().map_err(|e| corrupt("visits.building_code", e))?,
                        location: match (r.lat, r.lon) {
                            (Some(lat), Some(lon)) => Some(Point { lat, lon }),
                            _ => None,
                        },
                        found: r.found,
                        case_id: r.case_id,
                    })
                })
                .collect()
        })
        .await
    }

    async fn assign_grid_worker(
        &self,
        grid: &GridCode,
        username: Option<&str>,
        audit: AuditEntry,
    ) -> StoreResult<bool> {
        run(async {
            Ok(on_write!(self, |tx| {
                let n = sqlx::query("UPDATE grids SET worker = $1 WHERE code = $2")
                    .bind(username)
                    .bind(grid.as_str())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n > 0 {
                    append_audit!(tx, audit);
                }
                n > 0
            }))
        })
        .await
    }

    async fn grids_of_worker(&self, username: &str) -> StoreResult<Vec<GridRecord>> {
        run(async {
            let sql = format!("SELECT {GRID_COLUMNS} FROM grids WHERE worker = $1 ORDER BY code");
            let rows: Vec<GridRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(username)
                .fetch_all(p)
                .await?);
            rows.into_iter().map(GridRow::into_record).collect()
        })
        .await
    }

    async fn export_count(
        &self,
        kind: ExportKind,
        within: &DivisionCode,
        grid: Option<&GridCode>,
    ) -> StoreResult<i64> {
        crate::registry_export::export_count(self, kind, within, grid).await
    }

    async fn export_page(
        &self,
        kind: ExportKind,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        after: &ExportAfter,
        limit: i64,
    ) -> StoreResult<ExportPage> {
        crate::registry_export::export_page(self, kind, within, grid, after, limit).await
    }
}
