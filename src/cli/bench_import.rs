//! `zhili bench import-residents`: write a residents CSV of N rows (default 7,000,000, valid
//! ID numbers, every community), import it into a fresh SQLite database through the same path
//! as `zhili import residents`, and report the time, rows/s and the process's peak memory.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use zhili_app::import_table::TableSource;
use zhili_app::registry_import::{ImportKind, ImportOptions};
use zhili_app::{App, Settings, SystemClock};
use zhili_domain::person::IdCardNo;
use zhili_store::{DatabaseUrl, Db};

pub async fn import_residents(rows: u64) -> Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    let db = Arc::new(Db::open(&DatabaseUrl::sqlite_in(dir.path())).await?);
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let op = super::operator(&app).await?;
    app.prepare_demo(&op).await?;
    let root = zhili_domain::DivisionCode::parse("370600000000").map_err(|e| anyhow::anyhow!(e))?;
    let communities = app.communities_under(&root).await?;
    let path = dir.path().join("residents.csv");
    let t0 = Instant::now();
    {
        let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path)?);
        writeln!(w, "name,id_number,phone,community_code")?;
        // Ordered by community, as an export from a city's system is.
        let per = rows.div_ceil(communities.len() as u64).max(1);
        for i in 0..rows {
            let c = communities[((i / per) as usize).min(communities.len() - 1)].as_str();
            // A distinct (birth day, sequence) per row keeps every ID number unique.
            let (y, m, d) =
                zhili_domain::calendar::civil_from_days(-7305 + (i / 1000) as i64 % 29_000);
            let first = format!("{}{y:04}{m:02}{d:02}{:03}", &c[..6], i % 1000);
            let check = IdCardNo::check_char(&first).unwrap_or('0');
            writeln!(w, "居民{i},{first}{check},1{:010},{c}", 3_000_000_000 + i)?;
        }
        w.flush()?;
    }
    let size_mb = std::fs::metadata(&path)?.len() as f64 / 1e6;
    let gen_s = t0.elapsed().as_secs_f64();
    let (rss0, _) = super::bench::memory_mb(std::process::id());
    let bar = ProgressBar::new(rows).with_message("导入人口 / importing residents");
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {per_sec} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(500));
    let b = bar.clone();
    let opts = ImportOptions {
        skip_invalid: false,
        gcj02: false,
        progress: Some(Arc::new(move |n| b.set_position(n))),
    };
    let file = std::fs::File::open(&path).context("opening the CSV")?;
    let source = TableSource::Csv(Box::new(std::io::BufReader::with_capacity(1 << 20, file)));
    let t1 = Instant::now();
    let r = app.import(&op, ImportKind::Residents, source, opts).await;
    bar.finish_and_clear();
    let r = r?;
    let secs = t1.elapsed().as_secs_f64();
    let (rss1, peak) = super::bench::memory_mb(std::process::id());
    let db_mb = std::fs::metadata(dir.path().join("zhili.db"))
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);
    println!(
        "zhili bench import-residents — SQLite, {} CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("  CSV: {rows} rows, {size_mb:.0} MB, written in {gen_s:.1} s");
    println!(
        "  import: {} written in {secs:.1} s = {:.0} rows/s (committed: {}, errors: {})",
        r.imported,
        r.rows as f64 / secs.max(1e-9),
        r.committed,
        r.error_count
    );
    println!("  memory: RSS {rss0:.0} MB before, {rss1:.0} MB after, peak {peak:.0} MB; database {db_mb:.0} MB");
    Ok(if r.committed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
