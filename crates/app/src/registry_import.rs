//! Bulk import of grids, buildings, dwellings, residents and occupancy from CSV, XLSX or (for
//! grids) GeoJSON. Rows are parsed and validated on a blocking thread and streamed to the store
//! in batches, which writes them in one transaction: a file with any invalid row imports
//! nothing unless `skip_invalid`, and then the report names exactly what was skipped. Memory
//! stays flat however long a CSV file is.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::import_rows::{parse_row, RowContext};
use crate::import_table::{Table, TableSource};
use crate::ports::ImportMsg;
use crate::registry::imports_registry;
use crate::App;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::Arc;
use zhili_domain::{DivisionCode, Outcome};

/// What is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Grids,
    Buildings,
    Dwellings,
    Residents,
    Occupancy,
}

impl ImportKind {
    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "grids" => Self::Grids,
            "buildings" => Self::Buildings,
            "dwellings" => Self::Dwellings,
            "residents" => Self::Residents,
            "occupancy" => Self::Occupancy,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grids => "grids",
            Self::Buildings => "buildings",
            Self::Dwellings => "dwellings",
            Self::Residents => "residents",
            Self::Occupancy => "occupancy",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Grids => "网格",
            Self::Buildings => "楼栋",
            Self::Dwellings => "房屋",
            Self::Residents => "人口",
            Self::Occupancy => "人房关系",
        }
    }

    /// The columns a file must have (Chinese headers are accepted too; see `import_rows`).
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            Self::Grids => &["code", "geometry"],
            Self::Buildings => &["community_code", "name", "address"],
            Self::Dwellings => &["building_code", "unit", "room"],
            Self::Residents => &["name", "id_number", "phone", "community_code"],
            Self::Occupancy => &["id_number", "dwelling_code", "kind"],
        }
    }
}

/// One invalid row: the line in the file (the header is line 1), the column and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub code: String,
    pub message: String,
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub kind: &'static str,
    /// Rows written (0 when nothing was committed).
    pub imported: u64,
    /// Data rows read.
    pub rows: u64,
    /// Rows left out (only with `skip_invalid`).
    pub skipped: u64,
    /// The first `MAX_ERRORS` errors; `error_count` has them all.
    pub errors: Vec<RowError>,
    pub error_count: u64,
    pub committed: bool,
}

/// Errors listed in a report; the count covers the rest.
pub const MAX_ERRORS: usize = 1000;
/// Rows per batch sent to the store.
const BATCH: usize = 2000;

#[derive(Clone, Default)]
pub struct ImportOptions {
    pub skip_invalid: bool,
    /// Coordinates are GCJ-02 (as most Chinese map data is): convert to WGS-84.
    pub gcj02: bool,
    /// Called with the number of data rows read so far.
    pub progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
}

impl App {
    pub async fn import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        source: TableSource,
        opts: ImportOptions,
    ) -> AppResult<ImportReport> {
        if !actor.may(imports_registry) {
            return Err(AppError::Forbidden {
                why: "import_not_for_role",
            });
        }
        let root = self.registry_root(actor)?;
        let communities = self.visible_communities(actor, &root).await?;
        let grid_index = match kind {
            ImportKind::Buildings => Some(self.grid_lookup().await?),
            _ => None,
        };
        let ctx = RowContext {
            kind,
            communities,
            vault: self.vault.clone(),
            grid_index,
            gcj02: opts.gcj02,
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<ImportMsg>(4);
        let store = self.store.clone();
        let skip = opts.skip_invalid;
        let writer = tokio::spawn(async move { store.import_rows(rx, skip).await });
        let audit = actor.audit(
            self.now_ms(),
            "registry.import",
            format!("import:{}", kind.as_str()),
            Outcome::Success,
            format!("导入{}", kind.label()),
        );
        let progress = opts.progress.clone();
        let parsed = tokio::task::spawn_blocking(move || {
            read_all(source, &ctx, skip, progress.as_deref(), &tx, audit)
        })
        .await
        .map_err(|e| AppError::Internal(format!("import reader: {e}")))??;
        let written = writer
            .await
            .map_err(|e| AppError::Internal(format!("import writer: {e}")))??;
        let mut report = parsed;
        report.error_count += written.conflicts.len() as u64;
        for c in written.conflicts {
            if report.errors.len() < MAX_ERRORS {
                report.errors.push(RowError {
                    row: c.line,
                    column: c.column.into(),
                    code: c.code.into(),
                    message: c.message,
                });
            }
        }
        report.errors.sort_by_key(|e| e.row);
        report.committed = written.committed;
        report.imported = if written.committed {
            written.written
        } else {
            0
        };
        if skip {
            report.skipped = report.error_count;
        }
        if report.committed && kind == ImportKind::Grids {
            self.forget_grid_index();
        }
        Ok(report)
    }

    /// The communities in the actor's jurisdiction under `root`.
    async fn visible_communities(
        &self,
        actor: &Actor,
        root: &DivisionCode,
    ) -> AppResult<Arc<HashSet<String>>> {
        let out: HashSet<String> = self
            .communities_in(&actor.scope)
            .await?
            .into_iter()
            .filter(|d| root.contains(d))
            .map(|d| d.to_string())
            .collect();
        Ok(Arc::new(out))
    }
}

/// Read every row, send valid ones in batches, and finish: commit if the file was clean (or
/// invalid rows may be skipped).
fn read_all(
    source: TableSource,
    ctx: &RowContext,
    skip: bool,
    progress: Option<&(dyn Fn(u64) + Send + Sync)>,
    tx: &tokio::sync::mpsc::Sender<ImportMsg>,
    audit: zhili_domain::AuditEntry,
) -> AppResult<ImportReport> {
    let mut report = ImportReport {
        kind: ctx.kind.as_str(),
        ..Default::default()
    };
    let mut table =
        Table::open(source, ctx.kind.required_columns()).map_err(|e| AppError::BadFile {
            file: ctx.kind.as_str().into(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
    let mut batch = Vec::new();
    let mut sending = true;
    let mut seen = HashSet::new();
    while let Some(rec) = table.next_record() {
        let rec = rec.map_err(|e| AppError::BadFile {
            file: ctx.kind.as_str().into(),
            line: e.line,
            column: e.column,
            message: e.message,
        })?;
        report.rows += 1;
        if report.rows.is_multiple_of(10_000) {
            if let Some(p) = progress {
                p(report.rows);
            }
        }
        let parsed = parse_row(ctx, &table, &rec).and_then(|row| match row.code() {
            Some(code) if !seen.insert(code.to_owned()) => Err(zhili_domain::ParseError::new(
                "code",
                "import.duplicate_code",
                format!("编码 {code} 在本文件中重复出现"),
            )),
            _ => Ok(row),
        });
        match parsed {
            Ok(row) => {
                if sending {
                    batch.push(row);
                }
            }
            Err(e) => {
                report.error_count += 1;
                if report.errors.len() < MAX_ERRORS {
                    report.errors.push(RowError {
                        row: rec.line,
                        column: e.field.to_owned(),
                        code: e.code.to_owned(),
                        message: e.message,
                    });
                }
                // Without skipping, nothing will be written: stop sending, keep checking.
                sending = skip;
                if !skip {
                    batch.clear();
                }
            }
        }
        if batch.len() >= BATCH && sending {
            let b = crate::import_rows::into_batch(ctx.kind, std::mem::take(&mut batch));
            if tx.blocking_send(ImportMsg::Batch(b)).is_err() {
                break;
            }
        }
    }
    if let Some(p) = progress {
        p(report.rows);
    }
    if sending && !batch.is_empty() {
        let b = crate::import_rows::into_batch(ctx.kind, batch);
        let _ = tx.blocking_send(ImportMsg::Batch(b));
    }
    let commit = skip || report.error_count == 0;
    let _ = tx.blocking_send(ImportMsg::Finish {
        commit,
        audit: Box::new(audit),
    });
    Ok(report)
}

/// An import running in the background, for the page that shows its progress.
#[derive(Debug, Clone, Serialize)]
pub struct ImportJob {
    pub id: u64,
    pub kind: ImportKind,
    pub owner: Option<i64>,
    pub rows_read: u64,
    pub done: bool,
    pub report: Option<ImportReport>,
    /// Why the import could not run at all (a missing column, an unreadable file).
    pub error: Option<String>,
}

/// The background imports of this process (kept until restart; a finished one is read once
/// or many times, it is small).
#[derive(Default)]
pub struct ImportJobs {
    next: std::sync::atomic::AtomicU64,
    jobs: std::sync::Mutex<std::collections::HashMap<u64, ImportJob>>,
}

impl ImportJobs {
    fn update(&self, id: u64, f: impl FnOnce(&mut ImportJob)) {
        if let Ok(mut m) = self.jobs.lock() {
            if let Some(j) = m.get_mut(&id) {
                f(j);
            }
        }
    }
}

impl App {
    /// Start an import in the background; its progress is read with `import_job`.
    pub fn start_import(
        &self,
        actor: &Actor,
        kind: ImportKind,
        source: TableSource,
        mut opts: ImportOptions,
    ) -> u64 {
        let jobs = self.import_jobs.clone();
        let id = jobs.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let job = ImportJob {
            id,
            kind,
            owner: actor.user.as_ref().map(|u| u.id),
            rows_read: 0,
            done: false,
            report: None,
            error: None,
        };
        if let Ok(mut m) = jobs.jobs.lock() {
            m.insert(id, job);
        }
        let progress_jobs = jobs.clone();
        opts.progress = Some(Arc::new(move |n| {
            progress_jobs.update(id, |j| j.rows_read = n)
        }));
        let (app, actor) = (self.clone(), actor.clone());
        tokio::spawn(async move {
            let r = app.import(&actor, kind, source, opts).await;
            jobs.update(id, |j| {
                j.done = true;
                match r {
                    Ok(rep) => {
                        j.rows_read = rep.rows;
                        j.report = Some(rep);
                    }
                    Err(e) => j.error = Some(e.to_string()),
                }
            });
        });
        id
    }

    /// A background import the actor started (404 for anyone else's).
    pub fn import_job(&self, actor: &Actor, id: u64) -> AppResult<ImportJob> {
        let j = self
            .import_jobs
            .jobs
            .lock()
            .ok()
            .and_then(|m| m.get(&id).cloned());
        match j {
            Some(j) if j.owner == actor.user.as_ref().map(|u| u.id) => Ok(j),
            _ => Err(AppError::NotFound { what: "import" }),
        }
    }
}
