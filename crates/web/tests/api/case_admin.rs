//! Attachments and routing-rule administration, through the real server on both backends.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";

fn dispute(title: &str) -> Value {
    crate::cases::dispute(title)
}

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    crate::cases::act(app, token, id, body).await
}

#[tokio::test]
async fn attachments_are_type_and_size_checked_stored_and_their_downloads_audited() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let (_, c) = app
            .post(&clerk, "/api/v1/cases", dispute("带附件的纠纷"))
            .await;
        let id = c["id"].as_i64().unwrap();
        let url = |name: &str| app.url(&format!("/api/v1/cases/{id}/attachments?name={name}"));
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
        let r = app
            .http
            .post(url("%E5%90%88%E5%90%8C.pdf"))
            .bearer_auth(&clerk)
            .header("content-type", "application/pdf")
            .body(pdf.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED, "{}", app.label);
        let a: Value = r.json().await.unwrap();
        assert_eq!(
            (a["file_name"].as_str(), a["size"].as_i64()),
            (Some("合同.pdf"), Some(pdf.len() as i64))
        );
        // An executable calling itself a PDF, a lie about the type, and an oversize file: 422 on `file`, nothing stored.
        for (body, ctype) in [
            (b"MZ\x90\x00 not a pdf".to_vec(), "application/pdf"),
            (pdf.clone(), "image/png"),
        ] {
            let r = app
                .http
                .post(url("x.pdf"))
                .bearer_auth(&clerk)
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.json::<Value>().await.unwrap()["field"], "file");
        }
        let mut big = b"%PDF-".to_vec();
        big.resize(10 * 1024 * 1024 + 1, b'0');
        let r = app
            .http
            .post(url("big.pdf"))
            .bearer_auth(&clerk)
            .header("content-type", "application/pdf")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: over 10 MB",
            app.label
        );
        let (_, list) = app
            .get(&clerk, &format!("/api/v1/cases/{id}/attachments"))
            .await;
        assert_eq!(
            list.as_array().map(Vec::len),
            Some(1),
            "only the good file was kept"
        );
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let aid = a["id"].as_i64().unwrap();
        let got = app
            .http
            .get(app.url(&format!("/api/v1/cases/{id}/attachments/{aid}")))
            .bearer_auth(&disp)
            .send()
            .await
            .unwrap();
        assert_eq!(got.headers()["content-type"], "application/pdf");
        assert_eq!(got.bytes().await.unwrap().to_vec(), pdf);
        let other = app.user("other", "dispatcher", "370602002000").await;
        assert_eq!(
            app.get(&other, &format!("/api/v1/cases/{id}/attachments/{aid}"))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let auditor = app.login("auditor", "zhili-demo").await;
        let (_, log) = app
            .get(
                &auditor,
                &format!("/api/v1/audit?object=case:{id}&action=case.read_attachment"),
            )
            .await;
        assert!(
            items(&log).iter().any(|r| r["actor"] == "disp"),
            "{}: the download is audited",
            app.label
        );
    }
}

#[tokio::test]
async fn the_case_page_uploads_an_attachment_with_the_csrf_token_and_links_it() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let (_, c) = app
            .post(&clerk, "/api/v1/cases", dispute("页面上传附件"))
            .await;
        let id = c["id"].as_i64().unwrap();
        let session = app.page_login("clerk", "Acc-pass-12345").await;
        let html = app
            .page(&session, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        let csrf = hidden(&html, "csrf");
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let form = |csrf: &str| {
            let part = reqwest::multipart::Part::bytes(png.clone())
                .file_name("现场照片.png")
                .mime_str("image/png")
                .unwrap();
            reqwest::multipart::Form::new()
                .text("csrf", csrf.to_owned())
                .part("file", part)
        };
        let forged = app
            .http
            .post(app.url(&format!("/cases/{id}/attachments")))
            .header("cookie", &session)
            .multipart(form("forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{}", app.label);
        let ok = app
            .http
            .post(app.url(&format!("/cases/{id}/attachments")))
            .header("cookie", &session)
            .multipart(form(&csrf))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let html = app
            .page(&session, &format!("/cases/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("现场照片.png") && html.contains(&format!("/cases/{id}/attachments/")),
            "{}",
            app.label
        );
    }
}

#[tokio::test]
async fn a_system_admin_edits_the_routing_rules_and_assignment_follows_them() {
    for app in spawn_all().await {
        let sys = app.login("sysadmin", "zhili-demo").await;
        let (_, rules) = app.get(&sys, "/api/v1/routing-rules").await;
        assert!(
            rules.as_array().unwrap().len() >= 10,
            "{}: the default rules",
            app.label
        );
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        assert_eq!(
            app.post(
                &disp,
                "/api/v1/routing-rules",
                json!({"target": "committee:township"})
            )
            .await
            .0,
            StatusCode::FORBIDDEN,
            "dispatchers read, system admins edit"
        );
        let (status, bad) = app
            .post(
                &sys,
                "/api/v1/routing-rules",
                json!({"target": "sector:county"}),
            )
            .await;
        assert_eq!(
            (status, bad["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("target"))
        );
        // In 向阳街道, neighbour disputes now go to the township committee.
        let (status, rule) = app.post(&sys, "/api/v1/routing-rules", json!({"within": TOWN, "kind": "dispute", "category": "neighbour", "target": "committee:township"})).await;
        assert_eq!(status, StatusCode::CREATED, "{rule}");
        let (_, c) = app.post(&clerk, "/api/v1/cases", dispute("规则测试")).await;
        let id = c["id"].as_i64().unwrap();
        act(&app, &disp, id, json!({"action": "accept"})).await;
        let (_, routed) = act(&app, &disp, id, json!({"action": "assign"})).await;
        assert_eq!(
            routed["assignee"]["node"], "370602001000-M01",
            "{}: the more specific rule wins",
            app.label
        );
        let rid = rule["id"].as_i64().unwrap();
        let del = app
            .http
            .delete(app.url(&format!("/api/v1/routing-rules/{rid}")))
            .bearer_auth(&sys)
            .send()
            .await
            .unwrap();
        assert_eq!(del.status(), StatusCode::NO_CONTENT);
        let (_, c2) = app
            .post(&clerk, "/api/v1/cases", dispute("规则删除后"))
            .await;
        let id2 = c2["id"].as_i64().unwrap();
        act(&app, &disp, id2, json!({"action": "accept"})).await;
        let (_, routed2) = act(&app, &disp, id2, json!({"action": "assign"})).await;
        assert_eq!(routed2["assignee"]["node"], "370602001001-M01");
        // The list names each holder as the case page does (one read for the whole page).
        let (_, list) = app.get(&disp, "/api/v1/cases?page_size=50").await;
        let held: Vec<&Value> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !c["assignee"].is_null())
            .collect();
        assert!(held.len() >= 2, "{}: {list}", app.label);
        for c in held {
            let (_, one) = app.get(&disp, &format!("/api/v1/cases/{}", c["id"])).await;
            assert_eq!(
                c["assignee"]["name"], one["assignee"]["name"],
                "{}",
                app.label
            );
            assert_ne!(
                c["assignee"]["name"], c["assignee"]["node"],
                "a name, not a code"
            );
        }
    }
}

#[tokio::test]
async fn the_assigned_body_reads_its_notifications_on_a_page_and_marks_them_read() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        app.user("med", "mediator", "370602001001-M01").await;
        let (_, c) = app.post(&clerk, "/api/v1/cases", dispute("通知测试")).await;
        let id = c["id"].as_i64().unwrap();
        act(&app, &disp, id, json!({"action": "accept"})).await;
        act(&app, &disp, id, json!({"action": "assign"})).await;
        let session = app.page_login("med", "Acc-pass-12345").await;
        let html = app
            .page(&session, "/notifications")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("新派案件")
                && html.contains(&format!("/cases/{id}"))
                && html.contains("未读 1 条"),
            "{}",
            app.label
        );
        let csrf = hidden(&html, "csrf");
        let r = app
            .http
            .post(app.url("/notifications/read"))
            .header("cookie", &session)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let html = app
            .page(&session, "/notifications")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("未读 0 条"), "{}", app.label);
    }
}
