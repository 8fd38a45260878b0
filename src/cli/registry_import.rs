//! `zhili import grids|buildings|dwellings|residents|occupancy FILE`: streams the file through
//! the same validation as the web upload, with a progress bar over the bytes read.

use super::admin::RegistryImport;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use zhili_app::import_table::TableSource;
use zhili_app::registry_import::{ImportKind, ImportOptions};
use zhili_app::{Actor, App};

/// Counts bytes as they are read, for the progress bar.
struct Counting<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

pub async fn run(
    app: &App,
    actor: &Actor,
    kind: ImportKind,
    a: RegistryImport,
) -> Result<ExitCode> {
    let path = &a.file;
    let file =
        std::fs::File::open(path).with_context(|| format!("打开 / opening {}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size).with_message(format!(
        "导入{} / importing {}",
        kind.label(),
        kind.as_str()
    ));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {elapsed} {prefix}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // Keeps the clock moving while the database finishes (indexes, commit) after the last byte.
    bar.enable_steady_tick(std::time::Duration::from_millis(500));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let source = match ext.as_str() {
        "xlsx" | "xlsm" => {
            let mut bytes = Vec::new();
            Counting {
                inner: file,
                bar: bar.clone(),
            }
            .read_to_end(&mut bytes)?;
            TableSource::Xlsx(bytes)
        }
        "geojson" | "json" => {
            let mut bytes = Vec::new();
            Counting {
                inner: file,
                bar: bar.clone(),
            }
            .read_to_end(&mut bytes)?;
            TableSource::GeoJson(bytes)
        }
        _ => TableSource::Csv(Box::new(std::io::BufReader::with_capacity(
            1 << 20,
            Counting {
                inner: file,
                bar: bar.clone(),
            },
        ))),
    };
    let rows_bar = bar.clone();
    let opts = ImportOptions {
        skip_invalid: a.skip_invalid,
        gcj02: a.crs.eq_ignore_ascii_case("gcj02"),
        progress: Some(Arc::new(move |n| {
            rows_bar.set_prefix(format!("{n} 行 rows"))
        })),
    };
    let started = std::time::Instant::now();
    let r = app.import(actor, kind, source, opts).await;
    bar.finish_and_clear();
    let r = r?;
    let secs = started.elapsed().as_secs_f64();
    for e in &r.errors {
        eprintln!(
            "{}:{}: {}: {} ({})",
            path.display(),
            e.row,
            e.column,
            e.message,
            e.code
        );
    }
    if r.error_count as usize > r.errors.len() {
        eprintln!(
            "… 另有 / and {} more",
            r.error_count as usize - r.errors.len()
        );
    }
    if r.committed {
        println!(
            "{}导入完成 / imported: {} 行 rows read, {} written, {} skipped, {:.1} s ({:.0} rows/s)",
            kind.label(),
            r.rows,
            r.imported,
            r.skipped,
            secs,
            r.rows as f64 / secs.max(1e-9)
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "未导入 / nothing imported: {} 行 rows read, {} invalid (use --skip-invalid to import the rest)",
            r.rows, r.error_count
        );
        Ok(ExitCode::from(1))
    }
}
