//! `zhili bench …`: load over HTTP, with figures to report. Without `--url` the bench starts
//! its own demo server (SQLite in a temporary directory) in this process.

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Register cases through `POST /api/v1/cases` as fast as the server allows.
    Intake {
        /// A running server (default: start one here on a fresh SQLite database).
        #[arg(long)]
        url: Option<String>,
        #[arg(long, default_value = "xiangyang-clerk")]
        username: String,
        #[arg(long, default_value = "zhili-demo")]
        password: String,
        /// How many cases to register.
        #[arg(long, default_value_t = 20_000)]
        cases: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
    },
    /// Push alerts through `POST /api/v1/alerts` (idempotency on: every tenth request is a
    /// retry that must answer the first case) on a fresh demo with its map.
    Alerts {
        #[arg(long, default_value_t = 20_000)]
        alerts: usize,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        /// Also deliver every event to a webhook receiver on loopback while the alerts come in
        /// (compare the rate with a run without it).
        #[arg(long)]
        webhook: bool,
    },
    /// Load synthetic cases into a fresh SQLite database (default 1,000,000), then time the
    /// case list (page of 50, filtered) for users at township, county and city level, and
    /// report the resident memory of the server (`zhili serve` on the loaded database, in a
    /// process of its own).
    List {
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        /// List requests per scenario.
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Write a residents CSV (default 7,000,000 rows) and import it into a fresh SQLite
    /// database the way `zhili import residents` does; report time, rows/s and peak memory.
    ImportResidents {
        #[arg(long, default_value_t = 7_000_000)]
        rows: u64,
    },
    /// Load synthetic cases into a fresh SQLite database (default 1,000,000, over twelve
    /// months), then time both indices for every county, township and community.
    Indices {
        #[arg(long, default_value_t = 1_000_000)]
        cases: usize,
        /// Timed runs (the best is reported).
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
}

pub async fn bench(c: BenchCommand) -> Result<ExitCode> {
    match c {
        BenchCommand::Intake {
            url,
            username,
            password,
            cases,
            concurrency,
        } => intake(url, username, password, cases, concurrency).await,
        BenchCommand::Alerts {
            alerts,
            concurrency,
            webhook,
        } => super::bench_alerts::alerts(alerts, concurrency, webhook).await,
        BenchCommand::List { cases, requests } => super::bench_list::list(cases, requests).await,
        BenchCommand::ImportResidents { rows } => super::bench_import::import_residents(rows).await,
        BenchCommand::Indices { cases, repeat } => super::bench_index::indices(cases, repeat).await,
    }
}

async fn intake(
    url: Option<String>,
    username: String,
    password: String,
    cases: usize,
    concurrency: usize,
) -> Result<ExitCode> {
    let (base, _server) = match url {
        Some(u) => (u.trim_end_matches('/').to_owned(), None),
        None => {
            let (base, server, _) = super::server::spawn_demo_for_bench().await?;
            (base, Some(server))
        }
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let login: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .context("logging in")?
        .json()
        .await?;
    let Some(token) = login["token"].as_str().map(str::to_owned) else {
        bail!("登录失败 / login failed: {login}");
    };
    let body = |i: usize| {
        json!({
            "kind": "dispute", "category": "neighbour", "title": format!("压测案件 {i}"),
            "description": "基准测试登记的邻里纠纷。", "channel": "window", "community_code": "370602001001",
            "parties": [{"name": format!("居民{i}"), "phone": format!("139{:08}", i), "role": "applicant"}]
        })
    };
    let url_shown = base.clone();
    let send = move |i: usize| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            match http
                .post(format!("{base}/api/v1/cases"))
                .bearer_auth(&token)
                .json(&body(i))
                .send()
                .await
            {
                Ok(r) => r.status().as_u16() == 201,
                Err(_) => false,
            }
        }
    };
    let load = drive(cases, concurrency, "件", send).await?;
    let (l, elapsed, failures) = (load.latencies, load.elapsed, load.failures);
    let pct = |p: f64| percentile(&l, p);
    let ok = l.len();
    println!(
        "intake: {ok} cases in {:.2} s = {:.0} cases/s; latency p50 {:.1} ms, p99 {:.1} ms; {} failed; concurrency {concurrency}; server {}",
        elapsed.as_secs_f64(),
        ok as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        failures,
        url_shown
    );
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What a load run measured: sorted latencies of the successes, the wall time, the failures.
pub struct Load {
    pub latencies: Vec<Duration>,
    pub elapsed: Duration,
    pub failures: usize,
}

/// The `p` quantile of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted
        .get(((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(Duration::ZERO)
}

/// Call `send(i)` for i in 1..=n with `concurrency` in flight, with a progress bar; `send`
/// answers whether the request succeeded.
pub async fn drive<F, Fut>(n: usize, concurrency: usize, unit: &str, send: F) -> Result<Load>
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} {{per_sec}}"))
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = Arc::new(Mutex::new(0usize));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let failures = Arc::new(Mutex::new(0usize));
    let t0 = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (send, next, latencies, failures, bar) = (
            send.clone(),
            next.clone(),
            latencies.clone(),
            failures.clone(),
            bar.clone(),
        );
        workers.push(tokio::spawn(async move {
            loop {
                let i = {
                    let mut k = next.lock().await;
                    if *k >= n {
                        break;
                    }
                    *k += 1;
                    *k
                };
                let t = Instant::now();
                let ok = send(i).await;
                let took = t.elapsed();
                if ok {
                    latencies.lock().await.push(took);
                } else {
                    *failures.lock().await += 1;
                }
                bar.inc(1);
            }
        }));
    }
    for w in workers {
        w.await?;
    }
    let elapsed = t0.elapsed();
    bar.finish_and_clear();
    let mut latencies = std::mem::take(&mut *latencies.lock().await);
    latencies.sort();
    let failures = *failures.lock().await;
    Ok(Load {
        latencies,
        elapsed,
        failures,
    })
}

/// A process's resident memory now and at its peak, in MB (Linux `/proc/PID/status`).
pub(super) fn memory_mb(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|k| k.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
