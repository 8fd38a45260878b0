//! Exports of the registry (buildings, dwellings, residents) within the caller's jurisdiction,
//! optionally one division or grid, as CSV (streamed page by page) or XLSX (capped at
//! `XLSX_MAX_ROWS`). Residents are exported masked, exactly as lists show them. The export is
//! audited (`registry.export`, with the row count) before the first row leaves.
//!
//! Buildings and dwellings carry the import's columns, so an exported file imports again.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{ExportAfter, ExportKind, ExportPage, Store};
use crate::registry::ResidentView;
use crate::App;
use std::sync::Arc;
use zhili_domain::registry::GridCode;
use zhili_domain::{DivisionCode, Outcome, ParseError};

/// The most rows an XLSX export holds; larger exports are CSV only.
pub const XLSX_MAX_ROWS: i64 = 200_000;

/// Rows read per query.
const PAGE_ROWS: i64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    pub fn parse(raw: Option<&str>) -> Result<Self, ParseError> {
        match raw.map(str::trim).unwrap_or("csv") {
            "" | "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(ParseError::new(
                "format",
                "export.format_invalid",
                format!("导出格式「{other}」无效，可选：csv、xlsx"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

impl ExportKind {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "buildings" => Some(Self::Buildings),
            "dwellings" => Some(Self::Dwellings),
            "residents" => Some(Self::Residents),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Buildings => "buildings",
            Self::Dwellings => "dwellings",
            Self::Residents => "residents",
        }
    }

    /// The header row: the import's column names (see `import_rows`).
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::Buildings => &[
                "code",
                "community_code",
                "name",
                "address",
                "lon",
                "lat",
                "floors",
                "grid_code",
            ],
            Self::Dwellings => &[
                "code",
                "building_code",
                "unit",
                "floor",
                "room",
                "use",
                "area",
            ],
            Self::Residents => &[
                "name",
                "id_number",
                "phone",
                "sex",
                "birth_date",
                "ethnicity",
                "relation",
                "community_code",
                "grid_code",
                "dwelling_code",
                "confirmed_on",
            ],
        }
    }
}

/// An export under way: the rows it counted when it started, and where it has read to.
pub struct Export {
    store: Arc<dyn Store>,
    pub kind: ExportKind,
    pub format: ExportFormat,
    /// Rows in the jurisdiction when the export started (what the audit record names).
    pub rows: i64,
    pub within: DivisionCode,
    pub grid: Option<GridCode>,
    after: ExportAfter,
    done: bool,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

impl Export {
    /// `residents-370602000000.csv`, `buildings-370602001001001.xlsx`.
    pub fn file_name(&self) -> String {
        let at = self
            .grid
            .as_ref()
            .map_or(self.within.as_str(), |g| g.as_str());
        format!("{}-{at}.{}", self.kind.as_str(), self.format.as_str())
    }

    /// The next rows in order, `None` when all are read.
    pub async fn next_rows(&mut self) -> AppResult<Option<Vec<Vec<String>>>> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .store
            .export_page(
                self.kind,
                &self.within,
                self.grid.as_ref(),
                &self.after,
                PAGE_ROWS,
            )
            .await?;
        let rows: Vec<Vec<String>> = match page {
            ExportPage::Buildings(bs) => {
                if let Some(last) = bs.last() {
                    self.after = ExportAfter::Code(last.code.to_string());
                }
                bs.into_iter()
                    .map(|b| {
                        vec![
                            b.code.to_string(),
                            b.community_code.to_string(),
                            b.name,
                            b.address,
                            opt(b.location.map(|p| p.lon)),
                            opt(b.location.map(|p| p.lat)),
                            opt(b.floors),
                            opt(b.grid_code),
                        ]
                    })
                    .collect()
            }
            ExportPage::Dwellings(ds) => {
                if let Some(last) = ds.last() {
                    self.after = ExportAfter::Code(last.code.to_string());
                }
                ds.into_iter()
                    .map(|d| {
                        vec![
                            d.code.to_string(),
                            d.building_code.to_string(),
                            d.unit,
                            opt(d.floor),
                            d.room,
                            d.use_type,
                            opt(d.area),
                        ]
                    })
                    .collect()
            }
            ExportPage::Residents(rs) => {
                if let Some(last) = rs.last() {
                    self.after = ExportAfter::Resident(last.community_code.to_string(), last.id);
                }
                rs.into_iter()
                    .map(|r| {
                        // Masked, through the same view every list uses.
                        let v = ResidentView::masked(r);
                        let confirmed = v.confirmed_at_ms.map(|ms| {
                            zhili_domain::calendar::format_date(zhili_domain::calendar::local_day(
                                ms,
                            ))
                        });
                        vec![
                            v.name,
                            v.id_number,
                            opt(v.phone),
                            v.sex,
                            v.birth_date,
                            v.ethnicity,
                            v.relation,
                            v.community_code,
                            opt(v.grid_code),
                            opt(v.dwelling_code),
                            opt(confirmed),
                        ]
                    })
                    .collect()
            }
        };
        if (rows.len() as i64) < PAGE_ROWS {
            self.done = true;
        }
        Ok((!rows.is_empty()).then_some(rows))
    }
}

/// Rows as CSV text (RFC 4180 quoting); with `bom`, a UTF-8 byte-order mark first so that
/// Excel reads the Chinese text (the importer skips it).
pub fn csv_bytes(rows: &[Vec<String>], bom: bool) -> Vec<u8> {
    let mut out = if bom {
        "\u{feff}".as_bytes().to_vec()
    } else {
        Vec::new()
    };
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut out);
        for r in rows {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(r);
        }
        let _ = w.flush();
    }
    out
}

impl App {
    /// Start an export: check role and jurisdiction, count the rows, refuse an XLSX over
    /// `XLSX_MAX_ROWS`, and audit it before any row is read.
    pub async fn start_export(
        &self,
        actor: &Actor,
        kind: ExportKind,
        division: Option<&str>,
        grid: Option<&str>,
        format: Option<&str>,
    ) -> AppResult<Export> {
        let format = ExportFormat::parse(format)?;
        let within = match self.registry_division(actor, division) {
            Err(e @ AppError::Forbidden { .. }) => {
                let denied = actor.audit(
                    self.now_ms(),
                    "registry.export",
                    format!("export:{}", kind.as_str()),
                    Outcome::Denied,
                    String::new(),
                );
                self.store.append_audit(denied).await?;
                return Err(e);
            }
            other => other?,
        };
        let grid = grid
            .filter(|g| !g.trim().is_empty())
            .map(|g| GridCode::parse(g.trim()))
            .transpose()
            .map_err(|e| ParseError::new("grid", e.code, e.message))?;
        if let Some(g) = &grid {
            if !within.contains(&g.community()) {
                return Err(AppError::NotFound { what: "grid" });
            }
        }
        let rows = self
            .store
            .export_count(kind, &within, grid.as_ref())
            .await?;
        if format == ExportFormat::Xlsx && rows > XLSX_MAX_ROWS {
            return Err(ParseError::new(
                "format",
                "export.too_large",
                format!(
                    "共 {rows} 行，超过 XLSX 导出上限 {XLSX_MAX_ROWS} 行：请改用 CSV 导出（format=csv），或选择更小的区划或网格"
                ),
            )
            .into());
        }
        let export = Export {
            store: self.store.clone(),
            kind,
            format,
            rows,
            within,
            grid,
            after: ExportAfter::Start,
            done: false,
        };
        let object = match &export.grid {
            Some(g) => format!("grid:{g}"),
            None => format!("division:{}", export.within),
        };
        let e = actor.audit(
            self.now_ms(),
            "registry.export",
            object,
            Outcome::Success,
            format!(
                "kind={} format={} rows={}",
                kind.as_str(),
                format.as_str(),
                rows
            ),
        );
        self.store.append_audit(e).await?;
        Ok(export)
    }
}
