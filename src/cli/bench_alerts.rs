//! `zhili bench alerts`: alert intake over HTTP with idempotency on — every tenth request
//! re-sends an alert already taken and must get the same case back (200), never a second one.

use super::bench::{drive, percentile};
use anyhow::{bail, Result};
use serde_json::json;
use std::process::ExitCode;
use zhili_app::ports::AlertSource;

pub async fn alerts(n: usize, concurrency: usize) -> Result<ExitCode> {
    let (base, _dir, app) = super::server::spawn_demo_for_bench().await?;
    let op = super::operator(&app).await?;
    let map = app.seed_demo_map(&op, 2026).await?;
    app.ensure_alert_sources(&op).await?;
    // The bench measures the server, not the source's brake.
    app.put_alert_source(
        &op,
        AlertSource {
            code: "fraud-warning".into(),
            name: "反诈预警平台".into(),
            default_category: "fraud".into(),
            per_minute: 1_000_000,
            ack_minutes: 5,
        },
    )
    .await?;
    let key = app.add_api_key(&op, "bench", None).await?.secret;
    println!(
        "demo map: {} grids; sending {n} alerts ({} replays), {concurrency} in flight",
        map.grids,
        n / 10
    );
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    // Points over 芝罘区 and 莱山区: most fall in a grid, the rest use the community given.
    let body = |i: usize| {
        let lat = 37.45 + (i * 7919 % 1000) as f64 * 0.00012;
        let lon = 121.25 + (i * 104_729 % 1000) as f64 * 0.0003;
        json!({ "source": "fraud-warning", "external_id": format!("BENCH-{i}"), "category": "fraud",
                "title": "涉诈预警", "description": "基准测试推送的涉诈预警", "community_code": "370602001001",
                "location": { "lat": lat, "lon": lon }, "occurred_at": "2026-11-26T09:30:00+08:00" })
    };
    let url = format!("{base}/api/v1/alerts");
    let send = move |i: usize| {
        let (http, url, key) = (http.clone(), url.clone(), key.clone());
        async move {
            // Every tenth request is a retry of an alert sent earlier (by a worker ahead of it).
            let (id, want) = if i.is_multiple_of(10) && i > 100 {
                (i - 100, [200u16, 201])
            } else {
                (i, [201, 201])
            };
            match http
                .post(&url)
                .header("X-Api-Key", &key)
                .json(&body(id))
                .send()
                .await
            {
                Ok(r) => want.contains(&r.status().as_u16()),
                Err(_) => false,
            }
        }
    };
    let load = drive(n, concurrency, "条", send).await?;
    let ok = load.latencies.len();
    let secs = load.elapsed.as_secs_f64();
    let taken = app.alerts_taken().await?;
    let expected = n - (11..=n).filter(|i| i % 10 == 0 && *i > 100).count();
    println!(
        "alerts: {ok} answered in {secs:.2} s = {:.0} alerts/s; latency p50 {:.1} ms, p99 {:.1} ms; {} failed; {taken} alert cases for {expected} distinct alerts; server {base}",
        ok as f64 / secs,
        percentile(&load.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&load.latencies, 0.99).as_secs_f64() * 1e3,
        load.failures,
    );
    if load.failures > 0 || taken as usize != expected {
        bail!(
            "{} requests failed or were answered wrongly; {taken} cases for {expected} alerts",
            load.failures
        );
    }
    Ok(ExitCode::SUCCESS)
}
