//! `zhili bench alerts`: alert intake over HTTP with idempotency on — every tenth request
//! re-sends an alert already taken and must get the same case back (200), never a second one.

use super::bench::{drive, percentile};
use anyhow::{bail, Result};
use serde_json::json;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use zhili_app::ports::AlertSource;
use zhili_app::webhook::NewSubscriptionRequest;

/// A webhook receiver on loopback that answers 200 and counts what it got.
async fn receiver() -> Result<(String, Arc<AtomicU64>)> {
    let hits = Arc::new(AtomicU64::new(0));
    let counted = hits.clone();
    let router = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok((url, hits))
}

pub async fn alerts(n: usize, concurrency: usize, webhook: bool) -> Result<ExitCode> {
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
    // With --webhook: every event of the city goes to a receiver while the alerts come in.
    let hooks = if webhook {
        let (url, hits) = receiver().await?;
        let req = NewSubscriptionRequest {
            name: "基准接收端",
            url: &url,
            division: "370600000000",
            events: "*",
            secret: None,
        };
        app.add_webhook(&op, req).await?;
        let sender = zhili_web::webhook::HttpSender::new().map_err(anyhow::Error::msg)?;
        Some((app.spawn_webhooks(Arc::new(sender)), hits))
    } else {
        None
    };
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
            // Every tenth request is a retry of an alert sent just before (it may still be in
            // flight: then the two race, and one of them must answer the other's case).
            // The alert a retry repeats may itself arrive second and be answered as the retry.
            let (id, want) = if i.is_multiple_of(10) {
                (i - 5, [200u16, 201])
            } else if i % 10 == 5 {
                (i, [200, 201])
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
    let expected = n - n / 10;
    println!(
        "alerts: {ok} answered in {secs:.2} s = {:.0} alerts/s; latency p50 {:.1} ms, p99 {:.1} ms; {} failed; {taken} alert cases for {expected} distinct alerts; server {base}",
        ok as f64 / secs,
        percentile(&load.latencies, 0.50).as_secs_f64() * 1e3,
        percentile(&load.latencies, 0.99).as_secs_f64() * 1e3,
        load.failures,
    );
    if let Some((_workers, hits)) = &hooks {
        // Let delivery catch up: until nothing new arrives for three seconds (at most 5 min).
        let during = hits.load(Ordering::Relaxed);
        let t0 = std::time::Instant::now();
        let mut last = (during, std::time::Instant::now());
        while t0.elapsed() < std::time::Duration::from_secs(300) {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let now = hits.load(Ordering::Relaxed);
            if now != last.0 {
                last = (now, std::time::Instant::now());
            } else if last.1.elapsed() > std::time::Duration::from_secs(3) {
                break;
            }
        }
        println!(
            "webhooks: {during} deliveries received during intake, {} in all, the last {:.1} s after intake ended",
            last.0,
            (last.1 - t0).as_secs_f64()
        );
    }
    if load.failures > 0 || taken as usize != expected {
        bail!(
            "{} requests failed or were answered wrongly; {taken} cases for {expected} alerts",
            load.failures
        );
    }
    Ok(ExitCode::SUCCESS)
}
