//! Exports: a division's (or one grid's) buildings, dwellings or residents in pages keyed by
//! the last row read (keyset paging on indexed columns), so a jurisdiction of millions is read
//! in short queries and no connection is held while the client downloads.

use crate::registry::{resident, BuildingRow, ResidentDbRow, RESIDENT_COLUMNS};
use crate::scope_sql::push_subtree;
use crate::{corrupt, run, Db, DbError};
use zhili_app::ports::{DwellingRecord, ExportAfter, ExportKind, ExportPage, StoreResult};
use zhili_domain::registry::{BuildingCode, DwellingCode, GridCode};
use zhili_domain::DivisionCode;

#[derive(sqlx::FromRow)]
struct DwellingRow {
    code: String,
    building_code: String,
    unit: String,
    floor: Option<i64>,
    room: String,
    use_type: String,
    area: Option<f64>,
}

impl DwellingRow {
    fn into_record(self) -> Result<DwellingRecord, DbError> {
        Ok(DwellingRecord {
            code: DwellingCode::parse(&self.code).map_err(|e| corrupt("dwellings.code", e))?,
            building_code: BuildingCode::parse(&self.building_code)
                .map_err(|e| corrupt("dwellings.building_code", e))?,
            unit: self.unit,
            floor: self.floor,
            room: self.room,
            use_type: self.use_type,
            area: self.area,
        })
    }
}

/// `FROM … WHERE …` of an export: the subtree, the grid. Dwellings have no grid of their own:
/// theirs is their building's.
fn push_from<'a, DB: sqlx::Database>(
    qb: &mut sqlx::QueryBuilder<'a, DB>,
    kind: ExportKind,
    within: &DivisionCode,
    grid: Option<&GridCode>,
) where
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let (table, alias) = match kind {
        ExportKind::Buildings => ("buildings", "b"),
        ExportKind::Dwellings => ("dwellings", "d"),
        ExportKind::Residents => ("residents", "r"),
    };
    qb.push(format!(" FROM {table} {alias} WHERE 1 = 1"));
    push_subtree(qb, &format!("{alias}.community_code"), within);
    if kind != ExportKind::Residents {
        // A building's or dwelling's code starts with its community's: the same range on the
        // primary key lets one index give both the subtree and the order.
        push_subtree(qb, &format!("{alias}.code"), within);
    }
    if let Some(g) = grid {
        match kind {
            ExportKind::Dwellings => {
                qb.push(" AND d.building_code IN (SELECT code FROM buildings WHERE grid_code = ")
                    .push_bind(g.as_str().to_owned())
                    .push(")");
            }
            _ => {
                qb.push(format!(" AND {alias}.grid_code = "))
                    .push_bind(g.as_str().to_owned());
            }
        }
    }
}

pub(crate) async fn export_count(
    db: &Db,
    kind: ExportKind,
    within: &DivisionCode,
    grid: Option<&GridCode>,
) -> StoreResult<i64> {
    run(async {
        Ok(on_read!(db, |p| {
            let mut qb = sqlx::QueryBuilder::new("SELECT COUNT(*)");
            push_from(&mut qb, kind, within, grid);
            qb.build_query_scalar().fetch_one(p).await?
        }))
    })
    .await
}

pub(crate) async fn export_page(
    db: &Db,
    kind: ExportKind,
    within: &DivisionCode,
    grid: Option<&GridCode>,
    after: &ExportAfter,
    limit: i64,
) -> StoreResult<ExportPage> {
    run(async {
        match kind {
            ExportKind::Buildings => {
                let rows: Vec<BuildingRow> = on_read!(db, |p| {
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT b.code, b.community_code, b.grid_code, b.name, b.address, b.lon, b.lat, b.floors",
                    );
                    push_from(&mut qb, kind, within, grid);
                    if let ExportAfter::Code(c) = after {
                        qb.push(" AND b.code > ").push_bind(c.clone());
                    }
                    qb.push(" ORDER BY b.code LIMIT ").push_bind(limit);
                    qb.build_query_as().fetch_all(p).await?
                });
                let records = rows.into_iter().map(BuildingRow::into_record);
                Ok(ExportPage::Buildings(records.collect::<Result<_, _>>()?))
            }
            ExportKind::Dwellings => {
                let rows: Vec<DwellingRow> = on_read!(db, |p| {
                    let mut qb = sqlx::QueryBuilder::new(
                        "SELECT d.code, d.building_code, d.unit, d.floor, d.room, d.use_type, d.area",
                    );
                    push_from(&mut qb, kind, within, grid);
                    if let ExportAfter::Code(c) = after {
                        qb.push(" AND d.code > ").push_bind(c.clone());
                    }
                    qb.push(" ORDER BY d.code LIMIT ").push_bind(limit);
                    qb.build_query_as().fetch_all(p).await?
                });
                let records = rows.into_iter().map(DwellingRow::into_record);
                Ok(ExportPage::Dwellings(records.collect::<Result<_, _>>()?))
            }
            ExportKind::Residents => {
                let rows: Vec<ResidentDbRow> = on_read!(db, |p| {
                    let mut qb = sqlx::QueryBuilder::new(format!("SELECT {RESIDENT_COLUMNS}"));
                    push_from(&mut qb, kind, within, grid);
                    if let ExportAfter::Resident(c, id) = after {
                        // (community_code, id) > (c, id), spelled out for both planners.
                        qb.push(" AND (r.community_code > ")
                            .push_bind(c.clone())
                            .push(" OR (r.community_code = ")
                            .push_bind(c.clone())
                            .push(" AND r.id > ")
                            .push_bind(*id)
                            .push("))");
                    }
                    qb.push(" ORDER BY r.community_code, r.id LIMIT ")
                        .push_bind(limit);
                    qb.build_query_as().fetch_all(p).await?
                });
                let records = rows.into_iter().map(resident);
                Ok(ExportPage::Residents(records.collect::<Result<_, _>>()?))
            }
        }
    })
    .await
}
