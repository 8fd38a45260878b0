//! Alerts from registered sources: API keys, one case per alert id (even when retries race),
//! dispatch at intake by point, the duty desk's acknowledgement and first contact, escalation
//! when nobody acknowledges in time, and the per-source rate limit.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use zhili_app::ports::AlertSource;
use zhili_app::{App, ManualClock, Settings};

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";

async fn grid_and_keys(app: &TestApp) -> (String, String) {
    let disp = app.user("disp", "dispatcher", TOWN).await;
    import_youyi_grid(app, &disp).await;
    let op = operator();
    app.core.ensure_alert_sources(&op).await.unwrap();
    let any = app.core.add_api_key(&op, "test feed", None).await.unwrap();
    let campus = app
        .core
        .add_api_key(&op, "campus", Some("campus-alarm"))
        .await
        .unwrap();
    assert!(any.secret.starts_with("zk_") && any.secret.len() == 67);
    (any.secret, campus.secret)
}

fn alert(id: &str) -> Value {
    json!({ "source": "fraud-warning", "external_id": id, "category": "fraud", "title": "涉诈预警",
            "description": "疑似冒充客服诈骗，需立即劝阻", "location": { "lat": 37.505, "lon": 121.405 },
            "occurred_at": "2026-11-26T09:30:00+08:00" })
}

async fn post_alert(app: &TestApp, key: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut req = app.http.post(app.url("/api/v1/alerts")).json(body);
    if let Some(k) = key {
        req = req.header("X-Api-Key", k);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_alert_becomes_one_dispatched_case_however_often_it_is_sent() {
    for app in spawn_all().await {
        let (key, campus_key) = grid_and_keys(&app).await;
        let body = alert("FW-2026-000001");
        for (k, why) in [
            (None, "no key"),
            (Some("zk_wrong"), "unknown key"),
            (Some(campus_key.as_str()), "a key for another source"),
        ] {
            let (status, err) = post_alert(&app, k, &body).await;
            assert_eq!(
                (status, err["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("apikey.invalid")),
                "{}: {why}",
                app.label
            );
        }
        let (status, first) = post_alert(&app, Some(&key), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{}: {first}", app.label);
        assert_eq!(
            first["state"], "assigned",
            "alerts are dispatched at intake"
        );
        assert_eq!(first["channel"], "alert");
        assert_eq!(
            first["grid_code"],
            format!("{COMM}001"),
            "placed in the grid by its point"
        );
        assert!(
            first["assignee"]["node"]
                .as_str()
                .unwrap()
                .starts_with("370602001"),
            "{first}"
        );
        assert_eq!(first["alert"]["priority"], "urgent");
        assert_eq!(first["alert"]["occurred_at"], "2026-11-26T09:30:00+08:00");
        let (status, again) = post_alert(&app, Some(&key), &body).await;
        assert_eq!(
            (status, &again["id"]),
            (StatusCode::OK, &first["id"]),
            "a retry answers the first case"
        );

        // Retries racing each other still make one case.
        let racing = alert("FW-2026-000002");
        let answers = futures_join(&app, &key, &racing, 8).await;
        let created = answers
            .iter()
            .filter(|(s, _)| *s == StatusCode::CREATED)
            .count();
        let ids: std::collections::HashSet<String> =
            answers.iter().map(|(_, v)| v["id"].to_string()).collect();
        assert_eq!((created, ids.len()), (1, 1), "{}: {answers:?}", app.label);

        // Bad input names its field and makes nothing.
        let mut no_place = alert("FW-3");
        no_place.as_object_mut().unwrap().remove("location");
        let mut bad_time = alert("FW-4");
        bad_time["occurred_at"] = json!("2026-11-26 09:30");
        let mut unknown = alert("FW-5");
        unknown["source"] = json!("weather");
        for (b, field) in [
            (no_place, "location"),
            (bad_time, "occurred_at"),
            (unknown, "source"),
        ] {
            let (status, err) = post_alert(&app, Some(&key), &b).await;
            assert_eq!(
                (status, err["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{}: {err}",
                app.label
            );
        }
        let city_desk = app.user("citydesk", "dispatcher", "370600000000").await;
        let (_, list) = app.get(&city_desk, "/api/v1/alerts?open=false").await;
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(2),
            "{}: only the two good alerts exist: {list}",
            app.label
        );
    }
}

async fn futures_join(
    app: &TestApp,
    key: &str,
    body: &Value,
    n: usize,
) -> Vec<(StatusCode, Value)> {
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (http, url, key, body) = (
            app.http.clone(),
            app.url("/api/v1/alerts"),
            key.to_owned(),
            body.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .header("X-Api-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap();
            let s = r.status();
            (s, r.json::<Value>().await.unwrap())
        }));
    }
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test]
async fn the_duty_desk_acknowledges_records_contact_and_late_alerts_escalate_once() {
    for app in spawn_all().await {
        let (key, _) = grid_and_keys(&app).await;
        let (_, a) = post_alert(&app, Some(&key), &alert("FW-10")).await;
        let (_, b) = post_alert(&app, Some(&key), &alert("FW-11")).await;
        let desk = app.user("desk", "dispatcher", TOWN).await;
        let elsewhere = app.user("far", "dispatcher", "370613000000").await;
        let (status, list) = app.get(&desk, "/api/v1/alerts").await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&Value> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|x| &x["case_id"])
            .collect();
        assert_eq!(ids, [&a["id"], &b["id"]], "oldest first");
        let (_, far) = app.get(&elsewhere, "/api/v1/alerts").await;
        assert_eq!(far, json!([]), "another county sees none");
        let path = format!("/api/v1/alerts/{}/acknowledge", a["id"]);
        let (status, _) = app.post(&elsewhere, &path, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, acked) = app.post(&desk, &path, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{acked}");
        assert_eq!(acked["acknowledged_by"], "desk");
        assert!(acked["seconds_to_acknowledge"].as_i64().unwrap() >= 0);
        let (status, contacted) = app
            .post(
                &desk,
                &format!("/api/v1/alerts/{}/contact", a["id"]),
                json!({ "note": "已电话联系当事人，劝阻转账" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(contacted["contact_note"], "已电话联系当事人，劝阻转账");
        let (status, err) = app
            .post(
                &desk,
                &format!("/api/v1/alerts/{}/contact", a["id"]),
                json!({ "note": " " }),
            )
            .await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("note"))
        );

        // Ten minutes later, on a clock moved forward: only the unacknowledged one escalates, once.
        let clock = Arc::new(ManualClock::at(app.core.now_ms() + 10 * 60_000));
        let later = App::new(app.db.db.clone(), clock, Settings::default());
        assert_eq!(later.scan_alerts().await.unwrap(), 1, "{}", app.label);
        assert_eq!(later.scan_alerts().await.unwrap(), 0, "escalated once");
        let (_, list) = app.get(&desk, "/api/v1/alerts").await;
        let escalated: Vec<bool> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["escalated_at"].is_string())
            .collect();
        assert_eq!(escalated, [false, true], "{}: {list}", app.label);
    }
}

#[tokio::test]
async fn a_source_over_its_rate_gets_429_with_retry_after() {
    for app in spawn_all().await {
        let (key, _) = grid_and_keys(&app).await;
        let slow = AlertSource {
            code: "fraud-warning".into(),
            name: "反诈预警平台".into(),
            default_category: "fraud".into(),
            per_minute: 2,
            ack_minutes: 5,
        };
        app.core.put_alert_source(&operator(), slow).await.unwrap();
        let mut statuses = Vec::new();
        let mut retry_after = None;
        for i in 0..3 {
            let resp = app
                .http
                .post(app.url("/api/v1/alerts"))
                .header("X-Api-Key", &key)
                .json(&alert(&format!("R-{i}")))
                .send()
                .await
                .unwrap();
            statuses.push(resp.status());
            retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned())
                .or(retry_after);
        }
        assert_eq!(
            statuses,
            [
                StatusCode::CREATED,
                StatusCode::CREATED,
                StatusCode::TOO_MANY_REQUESTS
            ],
            "{}",
            app.label
        );
        assert!(retry_after.unwrap().parse::<u64>().unwrap() <= 60);
        let (status, _) = post_alert(&app, Some(&key), &alert("R-0")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "a retry of an alert already taken is answered, not limited"
        );
    }
}

#[tokio::test]
async fn the_duty_desk_page_lists_alerts_by_age_and_acknowledges_with_a_form() {
    for app in spawn_all().await {
        let (key, _) = grid_and_keys(&app).await;
        let (_, a) = post_alert(&app, Some(&key), &alert("FW-20")).await;
        app.user("deskp", "dispatcher", TOWN).await;
        let session = app.page_login("deskp", "Acc-pass-12345").await;
        let page = app.page(&session, "/alerts").await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let number = a["number"].as_str().unwrap();
        assert!(
            html.contains(number) && html.contains("待签收") && html.contains("特急"),
            "{}",
            app.label
        );
        let csrf = hidden(&html, "csrf");
        let resp = post_form(
            &app,
            &session,
            &format!("/alerts/{}/acknowledge", a["id"]),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let resp = post_form(
            &app,
            &session,
            &format!("/alerts/{}/contact", a["id"]),
            &[("csrf", &csrf), ("note", "已上门劝阻")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let html = app.page(&session, "/alerts").await.text().await.unwrap();
        assert!(
            html.contains("deskp 已签收") && html.contains("已上门劝阻"),
            "{}",
            app.label
        );
        let resp = post_form(
            &app,
            &session,
            &format!("/alerts/{}/acknowledge", a["id"]),
            &[("csrf", "forged")],
        )
        .await;
        assert_ne!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "a forged form is refused"
        );
        // The auditor has no duty desk.
        app.user("audp", "auditor", "370600000000").await;
        let aud = app.page_login("audp", "Acc-pass-12345").await;
        assert_eq!(
            app.page(&aud, "/alerts").await.status(),
            StatusCode::FORBIDDEN
        );
    }
}
