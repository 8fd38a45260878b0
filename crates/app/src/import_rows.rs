//! One row of an import file → one validated record, or the column and reason it is wrong.
//! Columns (English or the Chinese header in `import_table`), documented in `docs/registry.md`:
//! - grids: `code`, `geometry` (GeoJSON Polygon/MultiPolygon), `community_code`, `name`,
//!   `worker`, `assistants`, `captains`;
//! - buildings: `community_code`, `name`, `address`, `code`, `lon`, `lat`, `floors`;
//! - dwellings: `building_code`, `unit`, `room`, `code`, `floor`, `use`, `area`;
//! - residents: `name`, `id_number`, `phone`, `community_code`, `sex`, `birth_date`,
//!   `ethnicity`, `relation`, `dwelling_code`, `kind`;
//! - occupancy: `id_number`, `dwelling_code`, `kind`, `from`, `to`.

use crate::grid::{parse_geometry, GridLookup};
use crate::import_table::{Record, Table};
use crate::ports::{
    BuildingRecord, DwellingRecord, GridRecord, ImportBatch, NewOccupancy, NewResident,
};
use crate::registry_import::ImportKind;
use crate::vault::Vault;
use std::collections::HashSet;
use std::sync::Arc;
use zhili_domain::case::Point;
use zhili_domain::person::{mask_id_number, mask_name, mask_phone, IdCardNo, PhoneNo};
use zhili_domain::registry::{id_facts, BuildingCode, DwellingCode, GridCode, OccupancyKind, Sex};
use zhili_domain::{DivisionCode, ParseError};

pub(crate) struct RowContext {
    pub kind: ImportKind,
    /// Community codes the importer may write to.
    pub communities: Arc<HashSet<String>>,
    pub vault: Vault,
    pub grid_index: Option<Arc<GridLookup>>,
    pub gcj02: bool,
}

pub(crate) enum Row {
    Grid(u64, GridRecord),
    Building(u64, BuildingRecord),
    Dwelling(u64, DwellingRecord),
    Resident(NewResident),
    Occupancy(NewOccupancy),
}

fn err(field: &'static str, code: &'static str, msg: impl Into<String>) -> ParseError {
    ParseError::new(field, code, msg)
}

fn required<'a>(t: &Table, r: &'a Record, col: &'static str) -> Result<&'a str, ParseError> {
    t.get(r, col)
        .ok_or_else(|| err(col, "import.required", format!("{col} 不能为空")))
}

fn text(t: &Table, r: &Record, col: &'static str, max: usize) -> Result<String, ParseError> {
    let v = t.get(r, col).unwrap_or("");
    if v.chars().count() > max {
        return Err(err(
            col,
            "import.too_long",
            format!("{col} 不超过 {max} 字"),
        ));
    }
    Ok(v.to_owned())
}

fn number<T: std::str::FromStr>(
    t: &Table,
    r: &Record,
    col: &'static str,
) -> Result<Option<T>, ParseError> {
    t.get(r, col)
        .map(|v| {
            v.parse::<T>()
                .map_err(|_| err(col, "import.not_a_number", format!("{col} 应为数字：{v}")))
        })
        .transpose()
}

fn community(ctx: &RowContext, raw: &str, col: &'static str) -> Result<DivisionCode, ParseError> {
    let d = DivisionCode::parse(raw).map_err(|e| err(col, e.code, e.message))?;
    if !ctx.communities.contains(d.as_str()) {
        return Err(err(
            col,
            "import.community_unknown",
            "找不到该村居，或不在您的管辖范围内",
        ));
    }
    Ok(d)
}

fn date(t: &Table, r: &Record, col: &'static str) -> Result<Option<String>, ParseError> {
    t.get(r, col)
        .map(|v| {
            zhili_domain::calendar::parse_date(v)
                .map(zhili_domain::calendar::format_date)
                .ok_or_else(|| {
                    err(
                        col,
                        "import.date_invalid",
                        format!("{col} 应为日期 YYYY-MM-DD：{v}"),
                    )
                })
        })
        .transpose()
}

pub(crate) fn parse_row(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    match ctx.kind {
        ImportKind::Grids => grid(ctx, t, r),
        ImportKind::Buildings => building(ctx, t, r),
        ImportKind::Dwellings => dwelling(ctx, t, r),
        ImportKind::Residents => resident(ctx, t, r),
        ImportKind::Occupancy => occupancy(ctx, t, r),
    }
}

fn grid(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    let code =
        GridCode::parse(required(t, r, "code")?).map_err(|e| err("code", e.code, e.message))?;
    let community_code = code.community();
    if let Some(c) = t.get(r, "community_code") {
        if c != community_code.as_str() {
            return Err(err(
                "community_code",
                "grid.community_mismatch",
                "网格编码的前 12 位应为所属村居代码",
            ));
        }
    }
    community(ctx, community_code.as_str(), "code")?;
    let raw = required(t, r, "geometry")?;
    let v: serde_json::Value = serde_json::from_str(raw).map_err(|e| {
        err(
            "geometry",
            "grid.geometry_invalid",
            format!("边界不是有效的 GeoJSON：{e}"),
        )
    })?;
    let mp = parse_geometry(&v, ctx.gcj02)?;
    let b = mp.bbox();
    let bbox = [b.min_lon, b.min_lat, b.max_lon, b.max_lat];
    let geometry = zhili_domain::geo::geojson::geometry_value(&mp).to_string();
    Ok(Row::Grid(
        r.line,
        GridRecord {
            name: t
                .get(r, "name")
                .map(str::to_owned)
                .unwrap_or_else(|| format!("第{}网格", &code.as_str()[12..])),
            code,
            community_code,
            geometry,
            bbox,
            worker: t.get(r, "worker").map(str::to_owned),
            assistants: text(t, r, "assistants", 200)?,
            captains: text(t, r, "captains", 500)?,
        },
    ))
}

fn point(ctx: &RowContext, t: &Table, r: &Record) -> Result<Option<Point>, ParseError> {
    match (number::<f64>(t, r, "lon")?, number::<f64>(t, r, "lat")?) {
        (Some(lon), Some(lat)) => {
            let (lon, lat) = if ctx.gcj02 {
                let p = zhili_domain::geo::coord::gcj02_to_wgs84(zhili_domain::geo::LonLat {
                    lon,
                    lat,
                });
                (p.lon, p.lat)
            } else {
                (lon, lat)
            };
            Point::new(lat, lon).map(Some)
        }
        (None, None) => Ok(None),
        _ => Err(err(
            "lon",
            "building.point_incomplete",
            "经度和纬度应同时填写",
        )),
    }
}

fn building(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    let community_code = community(ctx, required(t, r, "community_code")?, "community_code")?;
    let code = match t.get(r, "code") {
        Some(c) => {
            let b = BuildingCode::parse(c).map_err(|e| err("code", e.code, e.message))?;
            if b.community() != community_code {
                return Err(err(
                    "code",
                    "building.community_mismatch",
                    "楼栋编码的前 12 位应为所属村居代码",
                ));
            }
            b
        }
        None => {
            return Err(err(
                "code",
                "import.required",
                "code 不能为空（楼栋编码：村居代码-B序号）",
            ))
        }
    };
    let location = point(ctx, t, r)?;
    let grid_code = match (location, &ctx.grid_index) {
        (Some(p), Some(ix)) => ix.locate(p).filter(|g| g.community() == community_code),
        _ => None,
    };
    Ok(Row::Building(
        r.line,
        BuildingRecord {
            code,
            community_code,
            grid_code,
            name: text(t, r, "name", 100)?,
            address: text(t, r, "address", 200)?,
            location,
            floors: number(t, r, "floors")?,
        },
    ))
}

fn dwelling(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    let building_code = BuildingCode::parse(required(t, r, "building_code")?)?;
    community(ctx, building_code.community().as_str(), "building_code")?;
    let unit = required(t, r, "unit")?;
    let room = required(t, r, "room")?;
    let code = match t.get(r, "code") {
        Some(c) => DwellingCode::parse(c)?,
        None => DwellingCode::new(&building_code, unit, room)
            .map_err(|e| err("room", e.code, "单元和房号只能是字母和数字（不超过 8 位）"))?,
    };
    if code.building() != building_code {
        return Err(err(
            "code",
            "dwelling.building_mismatch",
            "房屋编码应以楼栋编码开头",
        ));
    }
    let use_type =
        match t.get(r, "use").unwrap_or("residential") {
            "residential" | "住宅" => "residential",
            "commercial" | "商业" | "商铺" => "commercial",
            "office" | "办公" => "office",
            "other" | "其他" => "other",
            _ => return Err(err(
                "use",
                "dwelling.use_invalid",
                "用途应为 residential（住宅）、commercial（商业）、office（办公）或 other（其他）",
            )),
        };
    Ok(Row::Dwelling(
        r.line,
        DwellingRecord {
            code,
            building_code,
            unit: unit.to_owned(),
            floor: number(t, r, "floor")?,
            room: room.to_owned(),
            use_type: use_type.to_owned(),
            area: number(t, r, "area")?,
        },
    ))
}

fn resident(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    let name = required(t, r, "name")?;
    if name.chars().count() > 50 {
        return Err(err("name", "person.name_invalid", "姓名不超过 50 字"));
    }
    let id = IdCardNo::parse(required(t, r, "id_number")?)?;
    let phone = t.get(r, "phone").map(PhoneNo::parse).transpose()?;
    let community_code = community(ctx, required(t, r, "community_code")?, "community_code")?;
    let (sex, birth) = id_facts(&id);
    if let Some(s) = t.get(r, "sex") {
        if Sex::parse(s) != Some(sex) {
            return Err(err(
                "sex",
                "resident.sex_mismatch",
                format!("性别与身份证号码不符（号码显示为{}）", sex.label()),
            ));
        }
    }
    if let Some(b) = date(t, r, "birth_date")? {
        if b != birth {
            return Err(err(
                "birth_date",
                "resident.birth_mismatch",
                format!("出生日期与身份证号码不符（号码显示为 {birth}）"),
            ));
        }
    }
    let dwelling = match t.get(r, "dwelling_code") {
        Some(d) => {
            let d = DwellingCode::parse(d)?;
            Some((d, OccupancyKind::parse(t.get(r, "kind").unwrap_or(""))?))
        }
        None => None,
    };
    let v = &ctx.vault;
    Ok(Row::Resident(NewResident {
        line: r.line,
        community_code,
        grid_code: None,
        name_enc: v.seal(name),
        name_masked: mask_name(name),
        id_enc: v.seal(id.as_str()),
        id_hash: v.lookup_hash(id.as_str()),
        id_masked: mask_id_number(id.as_str()),
        phone_enc: phone.as_ref().map(|p| v.seal(p.as_str())),
        phone_hash: phone.as_ref().map(|p| v.lookup_hash(p.as_str())),
        phone_masked: phone.as_ref().map(|p| mask_phone(p.as_str())),
        sex: sex.as_str(),
        birth_date: birth,
        ethnicity: text(t, r, "ethnicity", 20)?,
        relation: text(t, r, "relation", 20)?,
        dwelling,
    }))
}

fn occupancy(ctx: &RowContext, t: &Table, r: &Record) -> Result<Row, ParseError> {
    let id = IdCardNo::parse(required(t, r, "id_number")?)?;
    let dwelling_code = DwellingCode::parse(required(t, r, "dwelling_code")?)?;
    community(
        ctx,
        dwelling_code.building().community().as_str(),
        "dwelling_code",
    )?;
    let kind = OccupancyKind::parse(required(t, r, "kind")?)?;
    let from_date = date(t, r, "from")?;
    let to_date = date(t, r, "to")?;
    if let (Some(f), Some(to)) = (&from_date, &to_date) {
        if to < f {
            return Err(err(
                "to",
                "occupancy.dates_reversed",
                "截止日期早于起始日期",
            ));
        }
    }
    Ok(Row::Occupancy(NewOccupancy {
        line: r.line,
        id_hash: ctx.vault.lookup_hash(id.as_str()),
        dwelling_code,
        kind,
        from_date,
        to_date,
    }))
}

impl Row {
    /// The code a row writes under, for catching a code twice in one file.
    pub(crate) fn code(&self) -> Option<&str> {
        match self {
            Row::Grid(_, g) => Some(g.code.as_str()),
            Row::Building(_, b) => Some(b.code.as_str()),
            Row::Dwelling(_, d) => Some(d.code.as_str()),
            Row::Resident(_) | Row::Occupancy(_) => None,
        }
    }
}

/// A batch of rows of one kind for the store.
pub(crate) fn into_batch(kind: ImportKind, rows: Vec<Row>) -> ImportBatch {
    macro_rules! collect {
        ($variant:ident, $pat:pat => $out:expr) => {
            ImportBatch::$variant(
                rows.into_iter()
                    .filter_map(|r| match r {
                        $pat => Some($out),
                        _ => None,
                    })
                    .collect(),
            )
        };
    }
    match kind {
        ImportKind::Grids => collect!(Grids, Row::Grid(l, g) => (l, g)),
        ImportKind::Buildings => collect!(Buildings, Row::Building(l, b) => (l, b)),
        ImportKind::Dwellings => collect!(Dwellings, Row::Dwelling(l, d) => (l, d)),
        ImportKind::Residents => collect!(Residents, Row::Resident(x) => x),
        ImportKind::Occupancy => collect!(Occupancy, Row::Occupancy(x) => x),
    }
}
