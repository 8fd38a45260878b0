//! Webhooks survive `kill -9`: the server is killed while a receiver holds its requests
//! unanswered, restarted on the same database and data directory, and every case's event
//! reaches the receiver; deduplicated by the delivery id, exactly once. SQLite and, when
//! `ZHILI_TEST_PG_URL` is set, PostgreSQL.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zhili_store::testing::TestDb;

mod common;
use common::{healthy, login};

/// Two requests in flight; a delivery cut off by the kill is due again 2 s after its claim.
fn start(url: &str, dir: &std::path::Path) -> (std::process::Child, String) {
    common::start_demo(
        url,
        dir,
        &[
            ("ZHILI_WEBHOOK_CONCURRENCY", "2"),
            ("ZHILI_WEBHOOK_LEASE_MS", "2000"),
            ("ZHILI_WEBHOOK_TIMEOUT_MS", "1500"),
            ("ZHILI_WEBHOOK_POLL_MS", "50"),
        ],
    )
}

async fn new_case(http: &reqwest::Client, base: &str, token: &str, title: &str) -> i64 {
    let body = json!({"kind": "dispute", "category": "neighbour", "title": title, "description": "webhook kill test",
        "channel": "window", "community_code": "370602001001", "parties": [{"name": "王五", "role": "applicant"}]});
    let r = http
        .post(format!("{base}/api/v1/cases"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// (delivery id, signature, timestamp, body) of every request, in arrival order.
type Hits = Arc<Mutex<Vec<(i64, String, String, String)>>>;

#[derive(Clone, Default)]
struct Receiver {
    hits: Hits,
    hang: Arc<AtomicBool>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: String) -> StatusCode {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    r.hits.lock().unwrap().push((
        h("x-zhili-delivery").parse().unwrap_or(-1),
        h("x-zhili-signature"),
        h("x-zhili-timestamp"),
        body,
    ));
    if r.hang.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    StatusCode::NO_CONTENT
}

async fn wait_until(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(
            t0.elapsed() < Duration::from_secs(secs),
            "timed out: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn killing_the_server_mid_delivery_loses_no_event_and_duplicates_carry_the_same_delivery_id()
{
    for t in TestDb::all().await {
        t.db.close().await;
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let recv = Receiver::default();
        recv.hang.store(true, Ordering::SeqCst);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
        let router = axum::Router::new()
            .fallback(receive)
            .with_state(recv.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });

        let (mut server, base) = start(&t.url, dir.path());
        healthy(&base, &http).await;
        let sys = login(&http, &base, "sysadmin").await;
        let r = http
            .post(format!("{base}/api/v1/webhooks"))
            .bearer_auth(&sys)
            .json(&json!({"name": "外部系统", "url": hook_url, "division": "370602001000", "events": ["case.created"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        let sub: Value = r.json().await.unwrap();
        let secret = sub["secret"].as_str().unwrap().to_owned();
        let clerk = login(&http, &base, "xiangyang-clerk").await;
        let mut cases = BTreeSet::new();
        for i in 0..6 {
            cases.insert(new_case(&http, &base, &clerk, &format!("杀进程前 {i}")).await);
        }
        wait_until("requests in flight", 30, || {
            recv.hits.lock().unwrap().len() >= 2
        })
        .await;
        server.kill().expect("SIGKILL the server");
        server.wait().unwrap();
        let cut: BTreeSet<i64> = recv.hits.lock().unwrap().iter().map(|h| h.0).collect();
        assert_eq!(cut.len(), 2, "{}: two requests were in flight", t.label);
        recv.hang.store(false, Ordering::SeqCst);

        let (mut again, base) = start(&t.url, dir.path());
        healthy(&base, &http).await;
        let clerk = login(&http, &base, "xiangyang-clerk").await;
        for i in 0..2 {
            cases.insert(new_case(&http, &base, &clerk, &format!("重启后 {i}")).await);
        }
        wait_until("every case delivered", 60, || {
            let hits = recv.hits.lock().unwrap();
            hits.iter().map(|h| h.0).collect::<BTreeSet<_>>().len() >= cases.len()
                && cut
                    .iter()
                    .all(|c| hits.iter().filter(|h| h.0 == *c).count() >= 2)
        })
        .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        again.kill().unwrap();
        again.wait().unwrap();

        let hits = recv.hits.lock().unwrap().clone();
        let mut by_id: BTreeMap<i64, Vec<&(i64, String, String, String)>> = BTreeMap::new();
        for h in &hits {
            // Every request is signed with the secret shown at creation (the restarted server
            // read it back with the data directory's key).
            let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
            m.update(format!("{}.{}", h.2, h.3).as_bytes());
            assert_eq!(
                h.1,
                format!("sha256={}", hex::encode(m.finalize().into_bytes()))
            );
            by_id.entry(h.0).or_default().push(h);
        }
        let seen: BTreeSet<i64> = by_id
            .values()
            .map(|v| {
                let b: Value = serde_json::from_str(&v[0].3).unwrap();
                b["case"]["id"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(seen, cases, "{}: deduplicated, every case once", t.label);
        for (id, v) in &by_id {
            let want = if cut.contains(id) { 2 } else { 1 };
            assert_eq!(v.len(), want, "{}: delivery {id}", t.label);
            assert!(v.iter().all(|h| h.3 == v[0].3), "the same body again");
        }
        eprintln!(
            "{}: {} events, {} requests ({} sent again after kill -9)",
            t.label,
            cases.len(),
            hits.len(),
            cut.len()
        );
    }
}
