//! 就地办结 through the real server on both backends: a grid worker reports a problem already
//! fixed, the case is created resolved in one step with what was done on its timeline, and a
//! dispatcher still verifies and closes it; others cannot take the shortcut.

use crate::cases::act;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASS: &str = "Acc-pass-12345";
const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";

fn report(done: Option<&str>) -> Value {
    let mut b = json!({
        "kind": "hazard", "category": "fire.passage", "title": "楼道堆放杂物",
        "description": "三楼楼道堆满纸箱", "channel": "grid_report", "community_code": COMM, "parties": []
    });
    if let Some(d) = done {
        b["resolved_on_spot"] = json!(d);
    }
    b
}

#[tokio::test]
async fn a_grid_worker_resolves_on_the_spot_and_the_dispatcher_verifies_and_closes() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        let aud = app.user("aud", "auditor", "370600000000").await;
        let (status, c) = app
            .post(&gw, "/api/v1/cases", report(Some("已联系住户清走纸箱")))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {c}", app.label);
        let id = c["id"].as_i64().unwrap();
        assert_eq!(
            (c["state"].as_str(), c["ending"].as_str()),
            (Some("resolved"), Some("agreement")),
            "{}: {c}",
            app.label
        );
        let (_, seen) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        let steps: Vec<(&str, &str, &str)> = seen["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["to_state"].as_str().unwrap(),
                    e["reason"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("create", "submitted", ""),
                ("resolve_on_spot", "resolved", "已联系住户清走纸箱")
            ],
            "{}: {seen}",
            app.label
        );
        assert_eq!(seen["assignee"]["node"], COMM, "the reporter holds it");
        let (_, list) = app.get(&disp, "/api/v1/cases?page_size=5").await;
        assert_eq!(
            list["items"][0]["assignee"]["name"], seen["assignee"]["name"],
            "{}: the list names a community as the case page does",
            app.label
        );
        assert!(
            seen["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "verify_and_close"),
            "{}: {seen}",
            app.label
        );
        let (status, closed) = act(&app, &disp, id, json!({ "action": "verify_and_close" })).await;
        assert_eq!(
            (status, closed["state"].as_str()),
            (StatusCode::OK, Some("closed")),
            "{}: {closed}",
            app.label
        );
        let (_, log) = app
            .get(&aud, &format!("/api/v1/audit?object=case:{id}"))
            .await;
        let actions: Vec<&str> = items(&log)
            .iter()
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert!(
            actions.contains(&"case.create") && actions.contains(&"case.resolve_on_spot"),
            "{}: {log}",
            app.label
        );
    }
}

#[tokio::test]
async fn closing_on_the_spot_needs_what_was_done_and_a_grid_worker() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        let (_, before) = app.get(&disp, "/api/v1/cases").await;
        let (status, e) = app.post(&gw, "/api/v1/cases", report(Some("  "))).await;
        assert_eq!(
            (status, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("resolved_on_spot")),
            "{}: {e}",
            app.label
        );
        let (status, _) = app
            .post(&disp, "/api/v1/cases", report(Some("处理好了")))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", app.label);
        let (_, after) = app.get(&disp, "/api/v1/cases").await;
        assert_eq!(before["total"], after["total"], "nothing was created");
        // A stored submitted case never takes the shortcut, not even from a grid worker.
        let (_, c) = app.post(&gw, "/api/v1/cases", report(None)).await;
        let id = c["id"].as_i64().unwrap();
        let (status, _) = act(
            &app,
            &gw,
            id,
            json!({ "action": "resolve_on_spot", "reason": "修好了" }),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", app.label);
    }
}

#[tokio::test]
async fn the_grid_page_reports_a_problem_already_solved() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        app.user("gridw", "grid_worker", COMM).await;
        import_youyi_grid(&app, &disp).await;
        let s = app.page_login("gridw", PASS).await;
        let html = app.page(&s, "/grid").await.text().await.unwrap();
        assert!(html.contains("已就地解决"), "{}: {html}", app.label);
        let csrf = hidden(&html, "csrf");
        let grid_code = format!("{COMM}001");
        let form = |done: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("grid", grid_code.clone()),
                ("building_code", String::new()),
                ("category", "fire.passage".into()),
                ("title", "消防通道被占".into()),
                ("description", "电动车停在通道".into()),
                ("lat", "37.505".into()),
                ("lon", "121.405".into()),
                ("on_spot", "1".into()),
                ("done", done.into()),
            ]
        };
        let post = |f: Vec<(&'static str, String)>| {
            let s = s.clone();
            let app = &app;
            async move {
                let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
                post_form(app, &s, "/grid/report", &f).await
            }
        };
        let r = post(form("")).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        assert!(r.text().await.unwrap().contains("就地解决须填写处理情况"));
        let r = post(form("劝离车主，已挪走")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let id: i64 = r.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/cases/")
            .parse()
            .unwrap();
        let (_, c) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            (
                c["state"].as_str(),
                c["channel"].as_str(),
                c["grid_code"].as_str()
            ),
            (Some("resolved"), Some("grid_report"), Some(&*grid_code)),
            "{}: {c}",
            app.label
        );
        let html = app.page(&s, "/grid").await.text().await.unwrap();
        assert!(
            html.contains("发现问题并就地解决：消防通道被占")
                && html.contains(&format!("/cases/{id}")),
            "{}: the visit list shows it",
            app.label
        );
    }
}
