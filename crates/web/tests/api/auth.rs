use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn health_answers_and_names_the_database() {
    for app in spawn_all().await {
        let (status, body) = app.get("", "/healthz").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["database"], app.label);
    }
}

#[tokio::test]
async fn a_wrong_password_is_401_with_a_stable_code_and_no_token() {
    for app in spawn_all().await {
        let (status, body) = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "admin", "password": "wrong"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{}", app.label);
        assert_eq!(body["code"], "auth.invalid_credentials");
        assert!(body.get("token").is_none());
        let (status, body) = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "nobody-here", "password": "wrong"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.invalid_credentials")),
            "an unknown user looks the same"
        );
    }
}

#[tokio::test]
async fn calls_without_a_valid_token_are_401_and_logout_ends_the_token() {
    for app in spawn_all().await {
        let (status, body) = app.get("", "/api/v1/divisions/370600000000").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.required"))
        );
        let (status, _) = app.get("not-a-token", "/api/v1/me").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let token = app.login("leader", "zhili-demo").await;
        let (status, me) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            (status, me["user"]["role"].as_str()),
            (StatusCode::OK, Some("leader"))
        );
        let (status, _) = app.post(&token, "/api/v1/auth/logout", json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app.get(&token, "/api/v1/me").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{}: a logged-out token is dead",
            app.label
        );
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account() {
    for app in spawn_all().await {
        app.user("locked-out", "leader", "370602000000").await;
        let mut last = serde_json::Value::Null;
        for _ in 0..5 {
            last = app
                .post(
                    "",
                    "/api/v1/auth/login",
                    json!({"username": "locked-out", "password": "Wrong-pass-000"}),
                )
                .await
                .1;
        }
        assert_eq!(last["code"], "auth.locked", "{}", app.label);
        let (status, body) = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "locked-out", "password": "Acc-pass-12345"}),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("auth.locked")),
            "the right password does not open a locked account"
        );
    }
}

#[tokio::test]
async fn only_the_auditor_reads_the_audit_log_and_it_holds_every_login() {
    for app in spawn_all().await {
        let _ = app
            .post(
                "",
                "/api/v1/auth/login",
                json!({"username": "leader", "password": "nope-nope-1"}),
            )
            .await;
        let sys = app.login("sysadmin", "zhili-demo").await;
        let (status, body) = app.get(&sys, "/api/v1/audit").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.forbidden")),
            "{}: 三权分立",
            app.label
        );
        let (status, _) = app.get(&app.admin, "/api/v1/audit").await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "the security admin does not read the audit log either"
        );
        let auditor = app.login("auditor", "zhili-demo").await;
        let (status, body) = app
            .get(&auditor, "/api/v1/audit?action=auth.login&page_size=200")
            .await;
        assert_eq!(status, StatusCode::OK);
        let logins = items(&body);
        assert!(
            logins.iter().any(|r| r["actor"] == "leader"
                && r["outcome"] == "failure"
                && r["source"] == "127.0.0.1"),
            "{}",
            app.label
        );
        assert!(logins
            .iter()
            .any(|r| r["actor"] == "sysadmin" && r["outcome"] == "success"));
        let (status, v) = app.get(&auditor, "/api/v1/audit/verify").await;
        assert_eq!(
            (status, v["broken"].is_null()),
            (StatusCode::OK, true),
            "{v}"
        );
    }
}
