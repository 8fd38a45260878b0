//! What the binary's kill-and-restart tests share: start `zhili demo` on a database and a
//! data directory, wait until it answers, sign in.

use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `zhili demo` on a free port over `url`, with extra environment; returns the child and base URL.
pub fn start_demo(url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_zhili"))
        .args([
            "demo",
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
            "--data-dir",
        ])
        .arg(dir)
        .env("ZHILI_LOG", "warn")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start zhili demo");
    (child, format!("http://127.0.0.1:{port}"))
}

pub async fn healthy(base: &str, http: &reqwest::Client) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(60) {
        if http
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server at {base} not healthy");
}

/// Sign in as a demo account (password `zhili-demo`); returns the bearer token.
pub async fn login(http: &reqwest::Client, base: &str, user: &str) -> String {
    let v: Value = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"username": user, "password": "zhili-demo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["token"].as_str().expect("token").to_owned()
}
