//! `Idempotency-Key` on the JSON API: a replay returns the first response and creates
//! nothing; another request under the same key is refused; keys are per user.

use crate::cases::dispute;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";

struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn send(r: reqwest::RequestBuilder) -> Answer {
    let resp = r.send().await.unwrap();
    Answer {
        status: resp.status(),
        replayed: resp
            .headers()
            .get("idempotent-replayed")
            .is_some_and(|v| v == "true"),
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

async fn post_keyed(app: &TestApp, token: &str, path: &str, body: &Value, key: &str) -> Answer {
    send(
        app.http
            .post(app.url(path))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(body),
    )
    .await
}

async fn cases_titled(app: &TestApp, token: &str, title: &str) -> i64 {
    let (status, list) = app.get(token, &format!("/api/v1/cases?q={title}")).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["total"].as_i64().unwrap()
}

#[tokio::test]
async fn creating_a_case_twice_with_the_same_key_makes_one_case_and_returns_the_identical_body() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let body = dispute("重放测试一");
        let first = post_keyed(&app, &clerk, "/api/v1/cases", &body, "intake-0001").await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            first.json()
        );
        assert!(!first.replayed);
        let again = post_keyed(&app, &clerk, "/api/v1/cases", &body, "intake-0001").await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", app.label);
        assert!(again.replayed, "{}: Idempotent-Replayed: true", app.label);
        assert_eq!(again.body, first.body, "{}: the identical bytes", app.label);
        assert_eq!(
            cases_titled(&app, &clerk, "重放测试一").await,
            1,
            "{}",
            app.label
        );
        // Without a key, the same body is a second case, as before.
        let (status, _) = app.post(&clerk, "/api/v1/cases", body).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(
            cases_titled(&app, &clerk, "重放测试一").await,
            2,
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_refused_with_422_and_changes_nothing() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let first = post_keyed(&app, &clerk, "/api/v1/cases", &dispute("重放测试二"), "k-2").await;
        assert_eq!(first.status, StatusCode::CREATED);
        let other = post_keyed(&app, &clerk, "/api/v1/cases", &dispute("重放测试三"), "k-2").await;
        assert_eq!(
            other.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let e = other.json();
        assert_eq!(e["code"], "idempotency.key_reused", "{}: {e}", app.label);
        assert_eq!(e["field"], "Idempotency-Key");
        assert!(e["message"].as_str().unwrap().contains("幂等键"), "{e}");
        assert_eq!(
            cases_titled(&app, &clerk, "重放测试三").await,
            0,
            "{}",
            app.label
        );
        // The same key on another path is another key.
        let (status, _) = app.get(&clerk, "/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn another_user_with_the_same_key_gets_an_independent_request() {
    for app in spawn_all().await {
        let a = app.user("clerk-a", "window_clerk", TOWN).await;
        let b = app.user("clerk-b", "window_clerk", TOWN).await;
        let body = dispute("重放测试四");
        let first = post_keyed(&app, &a, "/api/v1/cases", &body, "shared-key").await;
        let second = post_keyed(&app, &b, "/api/v1/cases", &body, "shared-key").await;
        assert_eq!(first.status, StatusCode::CREATED);
        assert_eq!(second.status, StatusCode::CREATED, "{}", app.label);
        assert!(!second.replayed, "{}", app.label);
        assert_ne!(first.json()["id"], second.json()["id"]);
        assert_eq!(
            cases_titled(&app, &a, "重放测试四").await,
            2,
            "{}",
            app.label
        );
        // A second sign-in of the same user shares the user's keys.
        let a2 = app.login("clerk-a", "Acc-pass-12345").await;
        let third = post_keyed(&app, &a2, "/api/v1/cases", &body, "shared-key").await;
        assert!(third.replayed, "{}", app.label);
        assert_eq!(third.body, first.body);
    }
}

#[tokio::test]
async fn bad_keys_are_refused_with_400_before_anything_runs() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let body = dispute("重放测试五");
        let long = "k".repeat(256);
        let r = post_keyed(&app, &clerk, "/api/v1/cases", &body, &long).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", app.label);
        assert_eq!(r.json()["code"], "idempotency.key_invalid");
        let r = post_keyed(&app, &clerk, "/api/v1/cases", &body, "").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", app.label);
        assert_eq!(cases_titled(&app, &clerk, "重放测试五").await, 0);
        let ok = post_keyed(&app, &clerk, "/api/v1/cases", &body, &"k".repeat(255)).await;
        assert_eq!(
            ok.status,
            StatusCode::CREATED,
            "{}: 255 characters are fine",
            app.label
        );
    }
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused_and_anonymous_requests_ignore_keys() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let bad = json!({"kind": "dispute"});
        let first = post_keyed(&app, &clerk, "/api/v1/cases", &bad, "bad-1").await;
        assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
        let again = post_keyed(&app, &clerk, "/api/v1/cases", &bad, "bad-1").await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.replayed, "{}: a 4xx is stored too", app.label);
        assert_eq!(again.body, first.body);
        // Sign-in carries no principal: each attempt runs and gets its own token.
        let login = json!({"username": "clerk", "password": "Acc-pass-12345"});
        let one = post_keyed(&app, "", "/api/v1/auth/login", &login, "login-1").await;
        let two = post_keyed(&app, "", "/api/v1/auth/login", &login, "login-1").await;
        assert_eq!((one.status, two.status), (StatusCode::OK, StatusCode::OK));
        assert!(!two.replayed);
        assert_ne!(one.json()["token"], two.json()["token"], "{}", app.label);
        // An unknown API key is refused, and the refusal is not remembered.
        for _ in 0..2 {
            let r = send(
                app.http
                    .post(app.url("/api/v1/cases"))
                    .header("X-Api-Key", "not-a-key")
                    .header("Idempotency-Key", "api-1")
                    .json(&bad),
            )
            .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", app.label);
            assert!(!r.replayed, "{}", app.label);
        }
    }
}

#[tokio::test]
async fn an_attachment_upload_is_keyed_on_its_bytes_and_its_query() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let (_, c) = app.post(&clerk, "/api/v1/cases", dispute("附件重放")).await;
        let path = format!("/api/v1/cases/{}/attachments", c["id"]);
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        let upload = |name: &str, key: &str| {
            app.http
                .post(app.url(&format!("{path}?name={name}")))
                .bearer_auth(&clerk)
                .header("Idempotency-Key", key)
                .header("content-type", "application/pdf")
                .body(pdf.clone())
        };
        let first = send(upload("a.pdf", "up-1")).await;
        assert_eq!(
            first.status,
            StatusCode::CREATED,
            "{}: {}",
            app.label,
            first.json()
        );
        let again = send(upload("a.pdf", "up-1")).await;
        assert!(again.replayed);
        assert_eq!(again.body, first.body);
        let renamed = send(upload("b.pdf", "up-1")).await;
        assert_eq!(
            renamed.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let (_, list) = app.get(&clerk, &path).await;
        assert_eq!(
            list.as_array().unwrap().len(),
            1,
            "{}: one file stored",
            app.label
        );
    }
}
