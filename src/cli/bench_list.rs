//! `zhili bench list`: the case list against a large table, served by `zhili serve` in a
//! process of its own so that its memory is measured alone.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use zhili_app::{App, Settings, SystemClock};
use zhili_domain::Page;
use zhili_store::{BenchCase, DatabaseUrl, Db};

/// A small deterministic generator (xorshift64*), so every run loads the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The server child, stopped when the benchmark ends (or fails).
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn list(cases: usize, requests: usize) -> Result<ExitCode> {
    let tmp = tempfile::tempdir()?;
    // ZHILI_BENCH_KEEP=1 leaves the database behind (for looking at query plans).
    let (path, _guard) = if std::env::var_os("ZHILI_BENCH_KEEP").is_some() {
        let kept = tmp.keep();
        println!("database kept in {}", kept.display());
        (kept, None)
    } else {
        (tmp.path().to_path_buf(), Some(tmp))
    };
    let db = Arc::new(Db::open(&DatabaseUrl::sqlite_in(&path)).await?);
    let app = App::new(db.clone(), Arc::new(SystemClock), Settings::default());
    let op = super::operator(&app).await?;
    app.prepare_demo(&op).await?;
    let mut communities = Vec::new();
    for n in 1..=7 {
        let page = app
            .list_divisions(
                &op,
                Some("community"),
                None,
                None,
                Page::new(Some(n), Some(1000)),
            )
            .await?;
        communities.extend(page.items.into_iter().map(|d| d.code.to_string()));
    }
    let cats = app
        .categories()
        .await?
        .into_iter()
        .filter(|c| c.kind == zhili_domain::case::CaseKind::Dispute)
        .map(|c| c.code)
        .collect::<Vec<_>>();
    const STATES: [&str; 6] = [
        "submitted",
        "accepted",
        "assigned",
        "in_progress",
        "resolved",
        "closed",
    ];
    const CHANNELS: [&str; 4] = ["window", "portal", "grid_report", "hotline"];
    let now = app.now_ms();
    let year_ms = 365 * 86_400_000i64;
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let bar = ProgressBar::new(cases as u64);
    bar.set_style(
        ProgressStyle::with_template("载入 loading {bar:40} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let t0 = Instant::now();
    let mut loaded = 0usize;
    while loaded < cases {
        let n = (cases - loaded).min(50_000);
        let rows: Vec<BenchCase> = (0..n)
            .map(|_| {
                // 芝罘区 (the demo users' county) gets a fair share; the rest spread over the city.
                let c = if rng.below(10) == 0 {
                    &communities[rng.below(158)]
                } else {
                    &communities[rng.below(communities.len())]
                };
                let state = STATES[rng.below(STATES.len())];
                let created = now - (rng.next() % year_ms as u64) as i64;
                BenchCase {
                    community_code: c.clone(),
                    category: cats[rng.below(cats.len())].clone(),
                    channel: CHANNELS[rng.below(CHANNELS.len())],
                    state,
                    assignee: (state != "submitted" && state != "accepted")
                        .then(|| format!("{c}-M01")),
                    created_at_ms: created,
                    due_at_ms: (state != "submitted" && state != "accepted")
                        .then(|| created + 15 * 86_400_000),
                }
            })
            .collect();
        db.load_bench_cases(loaded as i64, &rows)
            .await
            .context("loading cases")?;
        loaded += n;
        bar.set_position(loaded as u64);
    }
    bar.finish_and_clear();
    // As a server running all along would have: the deadline warnings are already sent.
    db.settle_bench_deadlines(now, now + zhili_app::notice::DUE_SOON_MS)
        .await
        .context("recording the deadline warnings")?;
    db.analyze().await?;
    let load_s = t0.elapsed().as_secs_f64();
    // The server is the real binary, `zhili serve`, on the loaded database, so its memory is
    // the server's alone (not this loader's or the client's).
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = Server(
        std::process::Command::new(std::env::current_exe()?)
            .args([
                "serve",
                "--addr",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(&path)
            .env("ZHILI_LOG", "warn")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .context("starting zhili serve")?,
    );
    let pid = server.0.id();
    let http = reqwest::Client::new();
    let t_up = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        if t_up.elapsed() > Duration::from_secs(60) || server.0.try_wait()?.is_some() {
            anyhow::bail!("zhili serve did not come up at {base}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let login = |user: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let v: Value = http
                .post(format!("{base}/api/v1/auth/login"))
                .json(&json!({"username": user, "password": "zhili-demo"}))
                .send()
                .await?
                .json()
                .await?;
            anyhow::Ok(v["token"].as_str().unwrap_or_default().to_owned())
        }
    };
    println!(
        "loaded {cases} cases in {load_s:.1} s; server (zhili serve, pid {pid}) RSS before listing {:.0} MB",
        super::bench::memory_mb(pid).0
    );
    let scenarios: [(&str, &str, &str); 6] = [
        (
            "township dispatcher, all",
            "xiangyang-dispatcher",
            "page_size=50",
        ),
        (
            "township dispatcher, assigned",
            "xiangyang-dispatcher",
            "page_size=50&state=assigned",
        ),
        (
            "county dispatcher, overdue",
            "zhifu-dispatcher",
            "page_size=50&overdue=true",
        ),
        (
            "county dispatcher, category",
            "zhifu-dispatcher",
            "page_size=50&category=neighbour&page=3",
        ),
        (
            "city leader, assigned",
            "leader",
            "page_size=50&state=assigned",
        ),
        (
            "city leader, hotline in a county",
            "leader",
            "page_size=50&channel=hotline&division=370682000000",
        ),
    ];
    let mut worst_p99 = Duration::ZERO;
    for (name, user, query) in scenarios {
        let token = login(user).await?;
        let mut lat = Vec::with_capacity(requests);
        let mut total = 0;
        for _ in 0..requests {
            let t = Instant::now();
            let v: Value = http
                .get(format!("{base}/api/v1/cases?{query}"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            lat.push(t.elapsed());
            total = v["total"].as_i64().unwrap_or(-1);
        }
        lat.sort();
        let p = |q: f64| lat[((lat.len() as f64 * q) as usize).min(lat.len() - 1)];
        worst_p99 = worst_p99.max(p(0.99));
        println!(
            "{name:<36} total {total:>7}  p50 {:>6.1} ms  p99 {:>6.1} ms  server RSS {:>4.0} MB",
            p(0.5).as_secs_f64() * 1e3,
            p(0.99).as_secs_f64() * 1e3,
            super::bench::memory_mb(pid).0
        );
    }
    let (rss, peak) = super::bench::memory_mb(pid);
    println!(
        "worst p99 {:.1} ms; server RSS {rss:.0} MB now, {peak:.0} MB at its peak",
        worst_p99.as_secs_f64() * 1e3
    );
    drop(server);
    Ok(ExitCode::SUCCESS)
}
