//! `zhili bench indices`: load synthetic cases (default 1,000,000, spread over twelve
//! months) into a fresh SQLite database beside the demo's organisation and index figures,
//! then time both indices (current month, with the previous month for the changes) for the
//! 13 counties, 159 townships and 6,509 communities.

use anyhow::{Context, Result};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use zhili_app::index::month_of;
use zhili_app::ports::{IndexStore, SyntheticCase};
use zhili_app::{App, Settings, SystemClock};
use zhili_domain::Level;
use zhili_store::{DatabaseUrl, Db};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub async fn indices(cases: usize, repeat: usize) -> Result<ExitCode> {
    let dir = tempfile::tempdir()?;
    // `ZHILI_BENCH_DIR` keeps the database for a look afterwards.
    let path = std::env::var_os("ZHILI_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().to_path_buf());
    let db = Arc::new(Db::open(&DatabaseUrl::sqlite_in(&path)).await?);
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let op = super::operator(&app).await?;
    app.prepare_demo(&op).await?;
    app.seed_demo_indices(&op).await?;
    let communities: Vec<String> = db
        .index_units(Level::Community)
        .await?
        .into_iter()
        .map(|c| c.0)
        .collect();
    let cats: Vec<String> = app
        .categories()
        .await?
        .into_iter()
        .filter(|c| c.kind == zhili_domain::case::CaseKind::Dispute && c.parent.is_some())
        .map(|c| c.code)
        .collect();
    let now = app.now_ms();
    let day = 86_400_000i64;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let t0 = Instant::now();
    let mut loaded = 0usize;
    while loaded < cases {
        let n = (cases - loaded).min(50_000);
        let rows: Vec<SyntheticCase> = (0..n)
            .map(|k| {
                let seq = loaded + k;
                let created = now - (rng.next() % (365 * day) as u64) as i64;
                let closed_at = created + (rng.unit() * 20.0 * day as f64) as i64;
                let closes = closed_at < now && rng.below(10) < 8;
                SyntheticCase {
                    number: format!("BI-{seq:09}"),
                    tracking_code: format!("BI{seq:09}"),
                    category: cats[rng.below(cats.len())].clone(),
                    channel: if rng.below(3) == 0 {
                        "grid_report"
                    } else {
                        "window"
                    },
                    community_code: communities[rng.below(communities.len())].clone(),
                    created_at_ms: created,
                    escalations: i64::from(rng.below(10) == 0),
                    closed: closes.then(|| {
                        (
                            closed_at,
                            rng.below(20) != 0,
                            if rng.below(25) != 0 {
                                "agreement"
                            } else {
                                "failure"
                            },
                        )
                    }),
                    rating: closes.then(|| (3 + rng.below(3) as i64, closed_at)),
                }
            })
            .collect();
        db.load_synthetic_cases(&rows)
            .await
            .context("loading cases")?;
        loaded += n;
    }
    db.analyze().await?;
    println!(
        "loaded {cases} cases in {:.1} s",
        t0.elapsed().as_secs_f64()
    );
    let period = month_of(now).to_string();
    let mut total_best = f64::MAX;
    let (from, to) = zhili_app::index::period_bounds(month_of(now));
    let t = Instant::now();
    let agg = db.case_aggregates(from, to).await?;
    println!(
        "  case aggregates of one month: {} communities in {:.1} ms",
        agg.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let levels = [Level::County, Level::Township, Level::Community];
    for run in 0..repeat.max(1) {
        let t_all = Instant::now();
        for id in ["safety", "mediation"] {
            let t = Instant::now();
            let all = app
                .index_scores_at_levels(&op, id, &period, &levels)
                .await?;
            if run == 0 {
                let counts: Vec<String> = levels
                    .iter()
                    .zip(&all)
                    .map(|(l, s)| {
                        let ranked = s.iter().filter(|u| u.rank.is_some()).count();
                        format!("{} {}/{}", l.as_str(), ranked, s.len())
                    })
                    .collect();
                println!(
                    "  {id:<9} {:>7.1} ms  (ranked/units: {})",
                    t.elapsed().as_secs_f64() * 1e3,
                    counts.join(", ")
                );
            }
        }
        let s = t_all.elapsed().as_secs_f64();
        total_best = total_best.min(s);
        println!(
            "run {}: both indices, all three levels, {period} (+ previous month): {:.3} s",
            run + 1,
            s
        );
    }
    println!("best: {total_best:.3} s (bar: ≤ 1 s)");
    for id in ["safety", "mediation"] {
        let t = Instant::now();
        let counties = app
            .index_scores_with_intervals(&op, id, &period, Some("county"), Some(1000))
            .await?;
        let with = counties
            .iter()
            .filter(|u| u.rank_interval.is_some())
            .count();
        println!(
            "  {id:<9} counties with 1,000-run rank intervals (a report's): {:.1} ms ({with} intervals; bar: ≤ 2 s)",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    Ok(ExitCode::SUCCESS)
}
