//! Durability is not traded for speed: a case answered with 201 survives `kill -9` of the
//! server at any moment. The test registers cases from many clients at once, kills the
//! server mid-burst, restarts it on the same database and finds every acknowledged case.
//! It runs on SQLite and, when `ZHILI_TEST_PG_URL` is set, on PostgreSQL.

use serde_json::{json, Value};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use zhili_store::testing::TestDb;

mod common;
use common::{healthy, login};

fn start(url: &str, dir: &std::path::Path) -> (std::process::Child, String) {
    common::start_demo(url, dir, &[])
}

#[tokio::test]
async fn every_acknowledged_case_survives_kill_dash_nine() {
    for t in TestDb::all().await {
        t.db.close().await;
        let dir = tempfile::tempdir().unwrap();
        let http = reqwest::Client::new();
        let (mut server, base) = start(&t.url, dir.path());
        healthy(&base, &http).await;
        let token = login(&http, &base, "xiangyang-clerk").await;
        let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut clients = Vec::new();
        for w in 0..16 {
            let (http, base, token, acked, stop) = (
                http.clone(),
                base.clone(),
                token.clone(),
                acked.clone(),
                stop.clone(),
            );
            clients.push(tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::SeqCst) && i < 10_000 {
                    i += 1;
                    let body = json!({"kind": "dispute", "category": "neighbour", "title": format!("耐久 {w}-{i}"), "description": "kill -9 test",
                        "channel": "window", "community_code": "370602001001", "parties": [{"name": format!("居民{w}x{i}"), "role": "applicant"}]});
                    match http.post(format!("{base}/api/v1/cases")).bearer_auth(&token).json(&body).send().await {
                        Ok(r) if r.status().as_u16() == 201 => {
                            let v: Value = match r.json().await {
                                Ok(v) => v,
                                Err(_) => break, // the body was cut off: not acknowledged
                            };
                            acked.lock().unwrap().push((v["id"].as_i64().unwrap(), v["number"].as_str().unwrap().to_owned()));
                        }
                        _ => break,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        server.kill().expect("SIGKILL the server"); // std's kill is SIGKILL on Unix
        server.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        for c in clients {
            let _ = c.await;
        }
        let acked = acked.lock().unwrap().clone();
        assert!(
            acked.len() > 20,
            "{}: the burst acknowledged only {} cases",
            t.label,
            acked.len()
        );
        let (mut again, base) = start(&t.url, dir.path());
        healthy(&base, &http).await;
        let disp = login(&http, &base, "xiangyang-dispatcher").await;
        for (id, number) in &acked {
            let r = http
                .get(format!("{base}/api/v1/cases/{id}"))
                .bearer_auth(&disp)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status().as_u16(),
                200,
                "{}: acknowledged case {number} (id {id}) lost after kill -9",
                t.label
            );
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["number"].as_str(), Some(number.as_str()));
        }
        let verify = Command::new(env!("CARGO_BIN_EXE_zhili"))
            .args(["audit", "verify", "--database-url", &t.url])
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{}: the audit chain is intact after the crash: {}",
            t.label,
            String::from_utf8_lossy(&verify.stdout)
        );
        again.kill().unwrap();
        again.wait().unwrap();
        eprintln!(
            "{}: {} acknowledged cases all present after kill -9",
            t.label,
            acked.len()
        );
    }
}
