//! Outbound webhooks through the real server and a real receiver on loopback, both backends:
//! signatures, division and event-type filtering, retries with growing delays, and delivery
//! across a restart in the middle of a request.

use crate::helpers::*;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxStatus, Uri};
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zhili_app::vault::Vault;
use zhili_app::webhook_delivery::WebhookSettings;
use zhili_app::{App, Settings, SystemClock};
use zhili_web::webhook::HttpSender;

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";
const KEY: &str = "0101010101010101010101010101010101010101010101010101010101010101";

/// Quick loops for tests: retries 200 ms, 400 ms, 800 ms; four attempts at most.
fn fast() -> Settings {
    Settings {
        vault: Some(Vault::from_hex(KEY).unwrap()),
        webhooks: WebhookSettings {
            poll_ms: 30,
            retry_base_ms: 200,
            retry_cap_ms: 5_000,
            max_attempts: 4,
            lease_ms: 10_000,
            timeout_ms: 5_000,
            concurrency: 4,
            ..WebhookSettings::default()
        },
        ..Settings::default()
    }
}

/// One request as the receiver got it.
#[derive(Debug, Clone)]
struct Hit {
    path: String,
    delivery: i64,
    event: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Hit {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A test receiver: records every request; `/fail` answers 500, `/flaky` 500 twice then 200,
/// anything else 200. While `hang` is set it records and never answers.
#[derive(Clone, Default)]
struct Receiver {
    hits: Arc<Mutex<Vec<Hit>>>,
    hang: Arc<AtomicBool>,
    base: String,
}

impl Receiver {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let r = Receiver {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Default::default()
        };
        let router = axum::Router::new().fallback(receive).with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        r
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> Vec<Hit> {
        let hits = self.hits.lock().unwrap();
        hits.iter().filter(|h| h.path == path).cloned().collect()
    }
}

async fn receive(
    State(r): State<Receiver>,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> AxStatus {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let path = uri.path().to_owned();
    let seen = {
        let mut hits = r.hits.lock().unwrap();
        hits.push(Hit {
            path: path.clone(),
            delivery: h("x-zhili-delivery").parse().unwrap_or(-1),
            event: h("x-zhili-event"),
            timestamp: h("x-zhili-timestamp"),
            signature: h("x-zhili-signature"),
            body,
        });
        hits.iter().filter(|x| x.path == path).count()
    };
    if r.hang.load(Ordering::SeqCst) {
        std::future::pending::<()>().await;
    }
    match path.as_str() {
        "/fail" => AxStatus::INTERNAL_SERVER_ERROR,
        "/flaky" if seen <= 2 => AxStatus::INTERNAL_SERVER_ERROR,
        _ => AxStatus::OK,
    }
}

/// Wait up to 30 s for `cond`, checking every 25 ms.
async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !cond() {
        assert!(t0.elapsed() < Duration::from_secs(30), "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Stop the loops and close the pool before the test database is dropped: a loop aborted
/// mid-transaction would otherwise hold PostgreSQL locks that the schema's DROP waits for.
async fn finish(app: &TestApp, hooks: zhili_app::webhook_delivery::WebhookWorkers) {
    hooks.shutdown().await;
    app.db().close().await;
}

fn sender() -> Arc<HttpSender> {
    Arc::new(HttpSender::new().unwrap())
}

fn expected_signature(secret: &str, ts: &str, body: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(format!("{ts}.{body}").as_bytes());
    format!("sha256={}", hex::encode(m.finalize().into_bytes()))
}

async fn subscribe(app: &TestApp, sys: &str, body: Value) -> (i64, String) {
    let (status, s) = app.post(sys, "/api/v1/webhooks", body).await;
    assert_eq!(status, StatusCode::CREATED, "{}: {s}", app.label);
    (
        s["id"].as_i64().unwrap(),
        s["secret"].as_str().unwrap().to_owned(),
    )
}

async fn new_case(app: &TestApp, clerk: &str, title: &str) -> i64 {
    let (status, c) = app
        .post(clerk, "/api/v1/cases", crate::cases::dispute(title))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{}: {c}", app.label);
    c["id"].as_i64().unwrap()
}

async fn deliveries(app: &TestApp, sys: &str, id: i64) -> Vec<Value> {
    let (status, d) = app
        .get(sys, &format!("/api/v1/webhooks/{id}/deliveries"))
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {d}", app.label);
    items(&d).clone()
}

#[tokio::test]
async fn webhooks_are_signed_and_reach_only_their_division_and_event_types() {
    for app in spawn_all_with(fast).await {
        let recv = Receiver::start().await;
        let sys = app.login("sysadmin", "zhili-demo").await;
        let (all, secret) = subscribe(&app, &sys, json!({"name": "街道全部事件", "url": recv.url("/all"), "division": TOWN, "events": "*"})).await;
        let (accepted, _) = subscribe(&app, &sys, json!({"name": "只要受理", "url": recv.url("/accepted"), "division": TOWN, "events": ["case.accepted"]})).await;
        let (closed, _) = subscribe(&app, &sys, json!({"name": "只要结案", "url": recv.url("/closed"), "division": TOWN, "events": ["case.closed"]})).await;
        let (elsewhere, _) = subscribe(&app, &sys, json!({"name": "莱山区", "url": recv.url("/elsewhere"), "division": "370613000000", "events": "*"})).await;
        let (_, list) = app.get(&sys, "/api/v1/webhooks").await;
        assert_eq!(list.as_array().unwrap().len(), 4, "{}", app.label);
        assert!(
            list[0].get("secret").is_none(),
            "the secret is shown only once"
        );

        let hooks = app.core.spawn_webhooks(sender());
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let id = new_case(&app, &clerk, "邻里噪音").await;
        let (status, _) = crate::cases::act(&app, &disp, id, json!({"action": "accept"})).await;
        assert_eq!(status, StatusCode::OK);

        eventually("the subtree's subscriptions hear of the case", || {
            recv.hits("/all").len() >= 2 && !recv.hits("/accepted").is_empty()
        })
        .await;
        let hits = recv.hits("/all");
        // Both events, in whatever order the concurrent requests arrived.
        let types: BTreeSet<&str> = hits.iter().map(|h| h.event.as_str()).collect();
        assert_eq!(
            types,
            BTreeSet::from(["case.created", "case.accepted"]),
            "{}",
            app.label
        );
        assert_eq!(hits.len(), 2, "{}", app.label);
        for h in &hits {
            // The signature covers the timestamp and the exact body, under this secret only.
            assert_eq!(
                h.signature,
                expected_signature(&secret, &h.timestamp, &h.body)
            );
            assert_ne!(
                h.signature,
                expected_signature("another-secret-123", &h.timestamp, &h.body)
            );
            let ts: i64 = h.timestamp.parse().unwrap();
            assert!(
                (ts * 1000 - app.core.now_ms()).abs() < 60_000,
                "a current timestamp"
            );
            let b = h.json();
            assert_eq!(b["type"], h.event);
            assert_eq!(b["case"]["id"], id);
            assert_eq!(b["case"]["community_code"], COMM);
            assert!(
                !h.body.contains("张三") && !h.body.contains("13800000001"),
                "no personal data: {}",
                h.body
            );
        }
        for h in &hits {
            let state = if h.event == "case.accepted" {
                "accepted"
            } else {
                "submitted"
            };
            assert_eq!(h.json()["case"]["state"], state);
        }
        // The log names the delivery id the receiver saw, delivered at the first attempt. The
        // receiver records a hit before the server has its answer and marks the delivery, so
        // wait for the marks.
        let mut log = deliveries(&app, &sys, all).await;
        for _ in 0..100 {
            if log.iter().all(|d| d["state"] == "delivered") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            log = deliveries(&app, &sys, all).await;
        }
        let ids: BTreeSet<i64> = log.iter().map(|d| d["id"].as_i64().unwrap()).collect();
        assert_eq!(ids, hits.iter().map(|h| h.delivery).collect());
        assert!(log
            .iter()
            .all(|d| d["state"] == "delivered" && d["attempts"] == 1));
        let only = recv.hits("/accepted");
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].event, "case.accepted");

        // The dispatcher wrote every subscription's rows with the ones above, in one
        // transaction: another division and another event type got none, then or later.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(recv.hits("/closed").is_empty() && recv.hits("/elsewhere").is_empty());
        assert!(deliveries(&app, &sys, closed).await.is_empty());
        assert!(deliveries(&app, &sys, elsewhere).await.is_empty());
        assert_eq!(deliveries(&app, &sys, accepted).await.len(), 1);

        // Removed: nothing more is sent, the list and the log no longer show it.
        let r = app
            .http
            .delete(app.url(&format!("/api/v1/webhooks/{all}")))
            .bearer_auth(&sys)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
        let later = new_case(&app, &clerk, "删除后的案件").await;
        crate::cases::act(&app, &disp, later, json!({"action": "accept"})).await;
        eventually("the remaining subscription hears of the later case", || {
            recv.hits("/accepted").len() == 2
        })
        .await;
        assert_eq!(recv.hits("/all").len(), hits.len(), "{}", app.label);
        let (status, _) = app
            .get(&sys, &format!("/api/v1/webhooks/{all}/deliveries"))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        finish(&app, hooks).await;
    }
}

#[tokio::test]
async fn subscriptions_are_for_system_admins_within_their_jurisdiction_and_bad_input_names_its_field(
) {
    for app in spawn_all_with(fast).await {
        let sys = app.login("sysadmin", "zhili-demo").await;
        let ok =
            json!({"name": "n", "url": "http://127.0.0.1:9/x", "division": TOWN, "events": "*"});
        for (field, value, name) in [
            ("url", json!("ftp://127.0.0.1/x"), "url"),
            ("url", json!("http://"), "url"),
            ("events", json!(["case.create"]), "events"),
            ("events", json!(""), "events"),
            ("division", json!("3706"), "division"),
            ("name", json!(" "), "name"),
            ("secret", json!("short"), "secret"),
        ] {
            let mut body = ok.clone();
            body[field] = value;
            let (status, e) = app.post(&sys, "/api/v1/webhooks", body).await;
            assert_eq!(
                status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {e}",
                app.label
            );
            assert_eq!(e["field"], name, "{e}");
        }
        let (_, list) = app.get(&sys, "/api/v1/webhooks").await;
        assert_eq!(list, json!([]), "bad input changes nothing");

        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        assert_eq!(
            app.post(&clerk, "/api/v1/webhooks", ok.clone()).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get(&clerk, "/api/v1/webhooks").await.0,
            StatusCode::FORBIDDEN
        );
        let county = app.user("zhifu-sys", "system_admin", "370602000000").await;
        let mut other = ok.clone();
        other["division"] = json!("370613000000");
        let (status, e) = app.post(&county, "/api/v1/webhooks", other).await;
        assert_eq!(
            (status, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("division"))
        );
        let (id, _) = subscribe(&app, &sys, {
            let mut b = ok.clone();
            b["division"] = json!("370613000000");
            b
        })
        .await;
        // The county admin neither sees nor removes the other county's subscription.
        assert_eq!(app.get(&county, "/api/v1/webhooks").await.1, json!([]));
        let r = app
            .http
            .delete(app.url(&format!("/api/v1/webhooks/{id}")))
            .bearer_auth(&county)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let (_, audit) = app
            .get(
                &app.login("auditor", "zhili-demo").await,
                "/api/v1/audit?action=webhook.add",
            )
            .await;
        let outcomes: Vec<(&str, &str)> = items(&audit)
            .iter()
            .map(|r| (r["actor"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
            .collect();
        // The clerk's attempt is audited as denied; the county admin's bad division changed nothing.
        assert_eq!(
            outcomes,
            [("sysadmin", "success"), ("clerk", "denied")],
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn a_failing_receiver_gets_retries_with_growing_delays_and_each_attempt_is_logged() {
    for app in spawn_all_with(fast).await {
        let recv = Receiver::start().await;
        let sys = app.login("sysadmin", "zhili-demo").await;
        let ev = ["case.created"];
        let (fail, _) = subscribe(
            &app,
            &sys,
            json!({"name": "坏的", "url": recv.url("/fail"), "division": TOWN, "events": ev}),
        )
        .await;
        let (flaky, _) = subscribe(
            &app,
            &sys,
            json!({"name": "时好时坏", "url": recv.url("/flaky"), "division": TOWN, "events": ev}),
        )
        .await;
        let hooks = app.core.spawn_webhooks(sender());
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        new_case(&app, &clerk, "接收方出错").await;

        eventually("four attempts at the failing receiver", || {
            recv.hits("/fail").len() >= 4
        })
        .await;
        eventually("three at the flaky one", || recv.hits("/flaky").len() >= 3).await;
        let mut failed = Vec::new();
        for _ in 0..200 {
            failed = deliveries(&app, &sys, fail).await;
            if failed[0]["state"] == "failed" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert_eq!(failed.len(), 1, "{}", app.label);
        let d = &failed[0];
        assert_eq!(
            (d["state"].as_str(), d["attempts"].as_i64()),
            (Some("failed"), Some(4)),
            "{d}"
        );
        assert_eq!(d["last_error"], "HTTP 500");
        let log = d["log"].as_array().unwrap();
        assert_eq!(log.len(), 4, "every attempt logged: {d}");
        let at: Vec<i64> = log.iter().map(|a| a["at_ms"].as_i64().unwrap()).collect();
        for (i, a) in log.iter().enumerate() {
            assert_eq!(
                (a["attempt"].as_i64(), a["status_code"].as_i64()),
                (Some(i as i64 + 1), Some(500))
            );
        }
        // Waits of at least 200, 400 and 800 ms: each longer than the one before.
        let gaps: Vec<i64> = at.windows(2).map(|w| w[1] - w[0]).collect();
        for (i, g) in gaps.iter().enumerate() {
            assert!(*g >= 200 << i, "{}: gaps {gaps:?}", app.label);
        }
        assert!(gaps[1] > gaps[0] && gaps[2] > gaps[1], "{gaps:?}");
        assert_eq!(recv.hits("/fail").len(), 4, "nothing after giving up");
        // Every attempt carried the same delivery id.
        let ids: BTreeSet<i64> = recv.hits("/fail").iter().map(|h| h.delivery).collect();
        assert_eq!(ids, BTreeSet::from([d["id"].as_i64().unwrap()]));

        // The flaky receiver: two 500s, then delivered at the third attempt.
        let mut ok = Vec::new();
        for _ in 0..200 {
            ok = deliveries(&app, &sys, flaky).await;
            if ok[0]["state"] == "delivered" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let d = &ok[0];
        assert_eq!(
            (d["state"].as_str(), d["attempts"].as_i64()),
            (Some("delivered"), Some(3)),
            "{d}"
        );
        let codes: Vec<i64> = d["log"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["status_code"].as_i64().unwrap())
            .collect();
        assert_eq!(codes, [500, 500, 200]);
        finish(&app, hooks).await;
    }
}

/// A lease of 1.5 s: a delivery claimed by a stopped server is sent again soon after.
fn restartable() -> Settings {
    let mut s = fast();
    s.webhooks.lease_ms = 1_500;
    s.webhooks.timeout_ms = 60_000;
    s.webhooks.concurrency = 2;
    s
}

#[tokio::test]
async fn a_restart_in_the_middle_of_deliveries_loses_nothing_and_a_receiver_deduping_on_the_delivery_id_sees_each_event_once(
) {
    for app in spawn_all_with(restartable).await {
        let recv = Receiver::start().await;
        recv.hang.store(true, Ordering::SeqCst);
        let sys = app.login("sysadmin", "zhili-demo").await;
        let (sub, _) = subscribe(&app, &sys, json!({"name": "重启", "url": recv.url("/r"), "division": TOWN, "events": ["case.created"]})).await;
        let clerk = app.user("clerk", "window_clerk", TOWN).await;

        let first = app.core.spawn_webhooks(sender());
        let mut cases = BTreeSet::new();
        for i in 0..6 {
            cases.insert(new_case(&app, &clerk, &format!("重启前 {i}")).await);
        }
        eventually("two requests in flight", || recv.hits("/r").len() >= 2).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let in_flight: BTreeSet<i64> = recv.hits("/r").iter().map(|h| h.delivery).collect();
        assert_eq!(in_flight.len(), 2, "{}: at most two in flight", app.label);
        // Stop the server's loops while the receiver holds both requests unanswered.
        first.shutdown().await;
        let before = deliveries(&app, &sys, sub).await;
        assert!(
            before.iter().all(|d| d["state"] == "pending"),
            "nothing counts as delivered without an answer: {before:?}"
        );
        // Cases keep arriving while no loop runs.
        for i in 0..3 {
            cases.insert(new_case(&app, &clerk, &format!("停机时 {i}")).await);
        }
        recv.hang.store(false, Ordering::SeqCst);

        // A new application on the same database, as after a restart.
        let restarted = App::new(app.db(), Arc::new(SystemClock), restartable());
        let second = restarted.spawn_webhooks(sender());
        let mut log = Vec::new();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(30) {
            log = deliveries(&app, &sys, sub).await;
            if log.len() == 9 && log.iter().all(|d| d["state"] == "delivered") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(
            log.len(),
            9,
            "{}: one delivery per case: {log:?}",
            app.label
        );
        assert!(log.iter().all(|d| d["state"] == "delivered"), "{log:?}");

        let hits = recv.hits("/r");
        let mut by_id: BTreeMap<i64, Vec<&Hit>> = BTreeMap::new();
        for h in &hits {
            by_id.entry(h.delivery).or_default().push(h);
        }
        // Deduplicated by delivery id: every case exactly once.
        let seen: BTreeSet<i64> = by_id
            .values()
            .map(|v| v[0].json()["case"]["id"].as_i64().unwrap())
            .collect();
        assert_eq!(seen, cases, "{}", app.label);
        assert_eq!(by_id.len(), 9);
        for (id, v) in &by_id {
            // The interrupted requests came again, with the same body; the rest came once.
            let want = if in_flight.contains(id) { 2 } else { 1 };
            assert_eq!(v.len(), want, "{}: delivery {id}", app.label);
            assert!(v.iter().all(|h| h.body == v[0].body));
        }
        for d in log
            .iter()
            .filter(|d| in_flight.contains(&d["id"].as_i64().unwrap()))
        {
            assert_eq!(d["attempts"], 2, "the cut attempt counts: {d}");
        }
        finish(&app, second).await;
    }
}

#[tokio::test]
async fn the_webhook_page_adds_a_subscription_shows_its_secret_once_and_lists_deliveries() {
    for app in spawn_all_with(fast).await {
        let recv = Receiver::start().await;
        let session = app.page_login("sysadmin", "zhili-demo").await;
        let page = app.page(&session, "/admin/webhooks").await;
        assert_eq!(page.status(), StatusCode::OK, "{}", app.label);
        let html = page.text().await.unwrap();
        assert!(html.contains("外部推送") && html.contains("还没有订阅"));
        let csrf = hidden(&html, "csrf");
        let r = post_form(
            &app,
            &session,
            "/admin/webhooks",
            &[
                ("csrf", csrf.as_str()),
                ("name", "区综治平台"),
                ("url", &recv.url("/page")),
                ("division", TOWN),
                ("events", "case.created"),
                ("secret", ""),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(
            html.contains("已添加订阅「区综治平台」") && html.contains("只显示这一次"),
            "{html}"
        );
        let hooks = app.core.spawn_webhooks(sender());
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        new_case(&app, &clerk, "页面上看推送").await;
        eventually("the receiver hears of the case", || {
            !recv.hits("/page").is_empty()
        })
        .await;
        let mut html = String::new();
        for _ in 0..100 {
            html = app
                .page(&session, "/admin/webhooks")
                .await
                .text()
                .await
                .unwrap();
            if html.contains("已送达") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            html.contains("已送达") && html.contains("case.created"),
            "{html}"
        );
        assert!(
            !html.contains("只显示这一次"),
            "the secret is not shown again"
        );
        // A bad address is refused with its reason, and nothing is added.
        let r = post_form(
            &app,
            &session,
            "/admin/webhooks",
            &[
                ("csrf", csrf.as_str()),
                ("name", "坏地址"),
                ("url", "ftp://x"),
                ("division", TOWN),
                ("events", "*"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().await.unwrap().contains("接收地址无效"));
        // Others' roles get no page.
        let clerk_session = app.page_login("clerk", "Acc-pass-12345").await;
        let r = app.page(&clerk_session, "/admin/webhooks").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        finish(&app, hooks).await;
    }
}
