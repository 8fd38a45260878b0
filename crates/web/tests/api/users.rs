use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_security_admin_creates_users_and_bad_input_names_the_field() {
    for app in spawn_all().await {
        let ok = json!({"username": "new-clerk", "password": "Acc-pass-12345", "role": "window_clerk", "node": "370602001000"});
        let (status, body) = app.post(&app.admin, "/api/v1/users", ok.clone()).await;
        assert_eq!(
            (status, body["role"].as_str()),
            (StatusCode::CREATED, Some("window_clerk")),
            "{}: {body}",
            app.label
        );
        let (status, body) = app.post(&app.admin, "/api/v1/users", ok).await;
        assert_eq!(
            (status, body["code"].as_str(), body["field"].as_str()),
            (
                StatusCode::CONFLICT,
                Some("user.username_taken"),
                Some("username")
            )
        );
        for (patch, field) in [
            (json!({"password": "short"}), "password"),
            (json!({"role": "root"}), "role"),
            (
                json!({"node": "370602001001-M01", "role": "window_clerk"}),
                "node",
            ),
            (json!({"node": "not-a-code"}), "node"),
            (json!({"username": "Bad Name"}), "username"),
        ] {
            let mut req = json!({"username": "someone-else", "password": "Acc-pass-12345", "role": "dispatcher", "node": "370602001000"});
            for (k, v) in patch.as_object().unwrap() {
                req[k] = v.clone();
            }
            let (status, body) = app.post(&app.admin, "/api/v1/users", req).await;
            assert_eq!(
                (status, body["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{}: {patch} -> {body}",
                app.label
            );
        }
        let (status, body) = app
            .post(
                &app.admin,
                "/api/v1/users",
                json!({"username": "x-y-z", "role": "leader", "node": "370602001000"}),
            )
            .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("password")),
            "a missing field is named: {body}"
        );
        let resp = app
            .http
            .post(app.url("/api/v1/users"))
            .bearer_auth(&app.admin)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let (_, users) = app.get(&app.admin, "/api/v1/users?page_size=100").await;
        assert!(
            !items(&users)
                .iter()
                .any(|u| u["username"] == "someone-else"),
            "{}: nothing written",
            app.label
        );
    }
}

#[tokio::test]
async fn only_security_admins_grant_roles_and_only_inside_their_subtree() {
    for app in spawn_all().await {
        let sys = app.login("sysadmin", "zhili-demo").await;
        let (status, body) = app.post(&sys, "/api/v1/users", json!({"username": "by-sysadmin", "password": "Acc-pass-12345", "role": "auditor", "node": "370600000000"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.forbidden")),
            "{}: the system admin does not manage users",
            app.label
        );
        let t_sa = app
            .user("t1-security", "security_admin", "370602001000")
            .await;
        let (status, _) = app.post(&t_sa, "/api/v1/users", json!({"username": "t1-med", "password": "Acc-pass-12345", "role": "mediator", "node": "370602001001-M01"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, body) = app.post(&t_sa, "/api/v1/users", json!({"username": "t2-med", "password": "Acc-pass-12345", "role": "mediator", "node": "370602002001-M01"})).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("node")),
            "{}: outside the subtree",
            app.label
        );
        let (_, mine) = app.get(&t_sa, "/api/v1/users?page_size=100").await;
        let names: Vec<_> = items(&mine)
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            names.contains(&"xiangyang-clerk".to_owned())
                && !names.contains(&"admin".to_owned())
                && !names.contains(&"zhifu-dispatcher".to_owned()),
            "{names:?}"
        );
        // Role change: by the security admin, not on itself.
        let clerk_id = items(&mine)
            .iter()
            .find(|u| u["username"] == "xiangyang-clerk")
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let r = app
            .http
            .put(app.url(&format!("/api/v1/users/{clerk_id}/role")))
            .bearer_auth(&t_sa)
            .json(&json!({"role": "dispatcher"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let admin_id = 1;
        let r = app
            .http
            .put(app.url(&format!("/api/v1/users/{admin_id}/role")))
            .bearer_auth(&t_sa)
            .json(&json!({"role": "leader"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "{}: the city admin is outside the township",
            app.label
        );
    }
}
