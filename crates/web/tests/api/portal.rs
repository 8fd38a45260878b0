//! The resident portal (解纷码) and the QR poster, through the real server.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const COMMUNITY: &str = "370602001001"; // 友谊街社区, 向阳街道, 芝罘区
const TOWNSHIP: &str = "370602001000";
const APPLICANT: &str = "王小明";
const PHONE: &str = "13912345678";
const RESPONDENT: &str = "赵大力";

/// A filled-in dispute form (without the CSRF token).
fn dispute(phone: &str) -> Vec<(&'static str, String)> {
    vec![
        ("kind", "dispute".into()),
        ("category", "neighbour".into()),
        ("title", "楼上夜间装修噪音".into()),
        ("description", "楼上住户连续一周夜间施工，协商未果。".into()),
        ("name", APPLICANT.into()),
        ("phone", phone.into()),
        ("respondent", RESPONDENT.into()),
        ("address", "幸福小区 3 号楼".into()),
    ]
}

/// Open a portal page: its status, its double-submit cookie (if set) and its HTML.
async fn open(app: &TestApp, path: &str) -> (StatusCode, Option<String>, String) {
    let resp = app.http.get(app.url(path)).send().await.unwrap();
    let c = cookie(&resp, "zhili_portal_csrf");
    (resp.status(), c, resp.text().await.unwrap())
}

/// Open the community's page and post the form with its cookie and token.
async fn submit(app: &TestApp, fields: Vec<(&'static str, String)>) -> (StatusCode, String) {
    let path = format!("/m/{COMMUNITY}");
    let (status, c, html) = open(app, &path).await;
    assert_eq!(status, StatusCode::OK, "{}", app.label);
    let mut form = fields;
    form.push(("csrf", hidden(&html, "csrf")));
    let resp = app
        .http
        .post(app.url(&path))
        .header("cookie", c.expect("portal CSRF cookie"))
        .form(&form)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

fn tracking_code(html: &str) -> String {
    let marker = "id=\"tracking-code\">";
    let at = html.find(marker).expect("a tracking code") + marker.len();
    html[at..at + html[at..].find('<').unwrap()]
        .trim()
        .to_owned()
}

async fn portal_cases(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, body) = app.get(token, "/api/v1/cases?channel=portal").await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.label);
    items(&body).clone()
}

async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> Value {
    let (status, v) = app
        .post(token, &format!("/api/v1/cases/{id}/actions"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {v}", app.label);
    v
}

#[tokio::test]
async fn a_resident_submits_a_dispute_that_the_dispatcher_sees_and_tracks_it_anonymously() {
    for app in spawn_all().await {
        let (status, c, html) = open(&app, &format!("/m/{COMMUNITY}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        assert!(c.is_some(), "the form sets its double-submit cookie");
        for text in [
            "友谊街社区",
            "芝罘区",
            "向阳街道",
            "矛盾纠纷",
            "安全隐患",
            "服务诉求",
        ] {
            assert!(html.contains(text), "{}: the page shows {text}", app.label);
        }
        assert!(!html.contains("<script"), "no JavaScript");
        assert!(!html.contains("/admin/"), "no staff navigation");

        let (status, done) = submit(&app, dispute(PHONE)).await;
        assert_eq!(status, StatusCode::OK, "{}: {done}", app.label);
        let code = tracking_code(&done);
        assert_eq!(code.len(), 10, "{}", app.label);
        assert!(done.contains(&format!("/m/track/{code}")));

        let disp = app.user("portal-disp", "dispatcher", TOWNSHIP).await;
        let cases = portal_cases(&app, &disp).await;
        assert_eq!(cases.len(), 1, "{}", app.label);
        let listed = &cases[0];
        assert_eq!(
            (listed["channel"].as_str(), listed["tracking_code"].as_str()),
            (Some("portal"), Some(code.as_str()))
        );
        assert_eq!(listed["community_code"], COMMUNITY);
        assert_eq!(listed["state"], "submitted");
        let number = listed["number"].as_str().unwrap().to_owned();
        assert!(done.contains(&number), "the result page shows the number");
        let id = listed["id"].as_i64().unwrap();
        let (status, full) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{}: {full}", app.label);
        let parties = full["parties"].as_array().unwrap();
        assert!(parties
            .iter()
            .any(|p| p["role"] == "applicant" && p["name"] == APPLICANT && p["phone"] == PHONE));
        assert!(parties
            .iter()
            .any(|p| p["role"] == "respondent" && p["name"] == RESPONDENT));
        assert_eq!(full["address"], "幸福小区 3 号楼");
        assert_eq!(full["events"][0]["actor"], "resident", "{}", app.label);

        let (status, _, track) = open(&app, &format!("/m/track/{code}")).await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        assert!(track.contains("待受理") && track.contains(&number));
        assert!(track.contains("邻里"), "the category is shown");
        for secret in [PHONE, APPLICANT, RESPONDENT, "幸福小区"] {
            assert!(
                !track.contains(secret),
                "{}: track leaks {secret}",
                app.label
            );
        }
        assert!(
            !track.contains("name=\"score\""),
            "no rating before closure"
        );

        // The lookup form: codes as residents type them.
        let lower = format!("{}-{}", &code[..5], &code[5..]).to_lowercase();
        let resp = app
            .http
            .get(app.url(&format!("/m/track?code={lower}")))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()["location"], format!("/m/track/{code}"));
        let (status, _, page) = open(&app, "/m/track/ABCDEFGH23").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.label);
        assert!(page.contains("解纷码") && page.contains("找不到"));
    }
}

#[tokio::test]
async fn unknown_communities_bad_input_and_forged_forms_write_nothing() {
    for app in spawn_all().await {
        for path in ["/m/370602001999", "/m/abc", &format!("/m/{TOWNSHIP}")] {
            let (status, _, html) = open(&app, path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{}: {path}", app.label);
            assert!(html.contains("找不到"));
        }
        let resp = app
            .http
            .post(app.url("/m/370602001999"))
            .form(&dispute(PHONE))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::NOT_FOUND);

        let (status, html) = submit(&app, dispute("12345")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        assert!(html.contains("电话号码无效"), "{}: {html}", app.label);
        assert!(
            html.contains("value=\"楼上夜间装修噪音\"") && html.contains("value=\"12345\""),
            "the values are kept"
        );
        assert!(html.contains("value=\"neighbour\" selected"));
        assert!(html.contains("value=\"dispute\" required checked"));

        let mut hazard = dispute(PHONE);
        hazard[0].1 = "hazard".into();
        let (status, html) = submit(&app, hazard).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        assert!(html.contains("不属于"), "the category must match the kind");

        let mut alert = dispute(PHONE);
        alert[0].1 = "alert".into();
        alert[1].1 = "fraud".into();
        let (status, _) = submit(&app, alert).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "residents do not raise alerts"
        );

        // A form without the cookie, or with a token that does not match it.
        let resp = app
            .http
            .post(app.url(&format!("/m/{COMMUNITY}")))
            .form(&[("csrf", "forged"), ("kind", "dispute")])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", app.label);

        let disp = app.user("portal-disp", "dispatcher", TOWNSHIP).await;
        assert!(
            portal_cases(&app, &disp).await.is_empty(),
            "{}: nothing written",
            app.label
        );
    }
}

#[tokio::test]
async fn submissions_from_one_address_are_rate_limited() {
    for app in spawn_all().await {
        for i in 0..5 {
            let (status, _) = submit(&app, dispute(PHONE)).await;
            assert_eq!(status, StatusCode::OK, "{}: submission {i}", app.label);
        }
        let (status, html) = submit(&app, dispute(PHONE)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{}", app.label);
        assert!(html.contains("提交过于频繁"));
        let disp = app.user("portal-disp", "dispatcher", TOWNSHIP).await;
        assert_eq!(portal_cases(&app, &disp).await.len(), 5, "{}", app.label);
    }
}

#[tokio::test]
async fn a_closed_case_is_rated_once_on_its_track_page() {
    for app in spawn_all().await {
        let (status, done) = submit(&app, dispute(PHONE)).await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        let code = tracking_code(&done);
        let disp = app.user("portal-disp", "dispatcher", TOWNSHIP).await;
        let id = portal_cases(&app, &disp).await[0]["id"].as_i64().unwrap();
        act(&app, &disp, id, json!({ "action": "accept" })).await;
        let assigned = act(&app, &disp, id, json!({ "action": "assign" })).await;
        let body = assigned["assignee"]["node"].as_str().unwrap().to_owned();
        assert_eq!(body, format!("{COMMUNITY}-M01"), "{}", app.label);
        let med = app.user("portal-med", "mediator", &body).await;
        act(&app, &med, id, json!({ "action": "start" })).await;
        let resolve = json!({ "action": "resolve", "reason": "双方达成协议", "agreement": "晚十点后停止施工" });
        act(&app, &med, id, resolve).await;
        let close = json!({ "action": "verify_and_close", "reason": "回访核实" });
        act(&app, &disp, id, close).await;

        let path = format!("/m/track/{code}");
        let (status, c, html) = open(&app, &path).await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        assert!(html.contains("已结案") && html.contains("name=\"score\""));
        for secret in [PHONE, APPLICANT, RESPONDENT] {
            assert!(
                !html.contains(secret),
                "{}: track leaks {secret}",
                app.label
            );
        }
        let (c, csrf) = (c.expect("rating CSRF cookie"), hidden(&html, "csrf"));
        let rate = |score: &'static str| {
            app.http
                .post(app.url(&format!("{path}/rating")))
                .header("cookie", &c)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("score", score),
                    ("comment", "满意"),
                ])
                .send()
        };
        let resp = rate("4").await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let thanks = resp.headers()["location"].to_str().unwrap().to_owned();
        let (_, _, html) = open(&app, &thanks).await;
        assert!(
            html.contains("感谢您的评价") && html.contains("4 星"),
            "{html}"
        );
        assert!(!html.contains("name=\"score\""), "rated once");
        assert_eq!(rate("5").await.unwrap().status(), StatusCode::CONFLICT);
        let (_, full) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(full["rating"], 4, "{}", app.label);
    }
}

#[tokio::test]
async fn the_qr_poster_is_printable_for_communities_the_user_sees() {
    for app in spawn_all().await {
        app.user("portal-lead", "leader", TOWNSHIP).await;
        let session = app.page_login("portal-lead", "Acc-pass-12345").await;
        let org = app.page(&session, &format!("/org/{COMMUNITY}")).await;
        let org = org.text().await.unwrap();
        assert!(org.contains(&format!("/admin/qr/{COMMUNITY}")) && org.contains("打印解纷码海报"));

        let resp = app.page(&session, &format!("/admin/qr/{COMMUNITY}")).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", app.label);
        let html = resp.text().await.unwrap();
        assert!(html.contains("<svg") && html.contains("扫码反映问题 · 解纷码"));
        assert!(html.contains("友谊街社区"));
        assert!(
            html.contains(&app.url(&format!("/m/{COMMUNITY}"))),
            "{}: the QR code encodes this server's /m/ URL",
            app.label
        );
        let with_base = format!("/admin/qr/{COMMUNITY}?base=https://zhili.example.cn/");
        let html = app.page(&session, &with_base).await.text().await.unwrap();
        assert!(html.contains(&format!("https://zhili.example.cn/m/{COMMUNITY}")));
        let bad_base = format!("/admin/qr/{COMMUNITY}?base=javascript:alert(1)");
        let status = app.page(&session, &bad_base).await.status();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        for outside in ["/admin/qr/370602002001", &format!("/admin/qr/{TOWNSHIP}")] {
            let status = app.page(&session, outside).await.status();
            assert_eq!(status, StatusCode::NOT_FOUND, "{}: {outside}", app.label);
        }
        let anon = app.http.get(app.url(&format!("/admin/qr/{COMMUNITY}")));
        let resp = anon.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "staff only");
    }
}
