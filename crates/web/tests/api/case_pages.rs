//! The staff's case pages through the real server: intake with the duplicate warning, the
//! case page's action forms (CSRF, status codes), jurisdiction, the workbench and the list.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASS: &str = "Acc-pass-12345";
const COMMUNITY: &str = "370602001001";

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_owned()
}

/// The intake form, filled in: a neighbours' dispute at 友谊街社区.
fn intake<'a>(csrf: &'a str, title: &'a str, applicant: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("kind", "dispute"),
        ("category", "neighbour"),
        ("channel", "window"),
        ("community_code", COMMUNITY),
        ("address", "友谊街 12 号"),
        ("title", title),
        ("description", "楼上住户装修噪音，协商未果。"),
        ("applicant_name", applicant),
        ("applicant_phone", "13800000001"),
        ("applicant_id", ""),
        ("respondent_name", "李四"),
        ("respondent_phone", ""),
        ("third_name", ""),
        ("third_phone", ""),
    ]
}

async fn case_total(app: &TestApp, token: &str) -> i64 {
    let (status, body) = app.get(token, "/api/v1/cases").await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.label);
    body["total"].as_i64().unwrap()
}

/// A case registered over the API by a clerk of 向阳街道; returns its id.
async fn api_case(app: &TestApp, clerk: &str, title: &str) -> i64 {
    let (status, body) = app
        .post(
            clerk,
            "/api/v1/cases",
            json!({
                "kind": "dispute", "category": "neighbour", "title": title,
                "description": "邻里通行纠纷。", "channel": "window",
                "community_code": COMMUNITY,
                "parties": [{"name": "王五", "phone": "13900000002"}, {"role": "respondent", "name": "赵六"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{}: {body}", app.label);
    body["id"].as_i64().unwrap()
}

async fn case_json(app: &TestApp, token: &str, id: i64) -> Value {
    let (status, body) = app.get(token, &format!("/api/v1/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{}: {body}", app.label);
    body
}

#[tokio::test]
async fn a_clerk_registers_at_the_window_and_is_warned_about_open_cases_naming_the_same_people() {
    for app in spawn_all().await {
        let token = app.user("clerk1", "window_clerk", "370602001000").await;
        let session = app.page_login("clerk1", PASS).await;
        let form = app.page(&session, "/cases/new").await;
        assert_eq!(form.status(), StatusCode::OK, "{}", app.label);
        let html = form.text().await.unwrap();
        assert!(
            html.contains("<datalist id=\"communities\">") && html.contains("友谊街社区"),
            "{}: a township clerk picks from its communities",
            app.label
        );
        assert!(html.contains("autofocus"), "{}", app.label);
        let csrf = hidden(&html, "csrf");

        let resp = post_form(
            &app,
            &session,
            "/cases",
            &intake(&csrf, "装修噪音扰民", "张三"),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let to = location(&resp);
        assert!(to.ends_with("?created=1"), "{}: {to}", app.label);
        let id: i64 = to["/cases/".len()..to.find('?').unwrap()].parse().unwrap();
        let case = case_json(&app, &token, id).await;
        let html = app.page(&session, &to).await.text().await.unwrap();
        let code = case["tracking_code"].as_str().unwrap();
        assert!(
            html.contains("查询码")
                && html.contains(code)
                && html.contains(case["number"].as_str().unwrap()),
            "{}: the clerk sees the tracking code to give the resident",
            app.label
        );
        assert!(
            html.contains("张三") && html.contains("13800000001"),
            "{}",
            app.label
        );

        // The same applicant again: a warning naming the open case, and nothing written.
        let again = intake(&csrf, "又来反映噪音", "张三");
        let resp = post_form(&app, &session, "/cases", &again).await;
        assert_eq!(resp.status(), StatusCode::OK, "{}", app.label);
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("可能重复")
                && html.contains(case["number"].as_str().unwrap())
                && html.contains("confirm_duplicate")
                && html.contains("又来反映噪音"),
            "{}: the warning lists the open case and keeps what was typed",
            app.label
        );
        assert_eq!(case_total(&app, &token).await, 1, "{}", app.label);
        let mut confirmed = again.clone();
        confirmed.push(("confirm_duplicate", "1"));
        let resp = post_form(&app, &session, "/cases", &confirmed).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", app.label);
        assert_eq!(case_total(&app, &token).await, 2, "{}", app.label);

        // A missing title: the form again with the message and the values, nothing written.
        let mut untitled = intake(&csrf, "  ", "孙七");
        untitled.push(("confirm_duplicate", "1"));
        let resp = post_form(&app, &session, "/cases", &untitled).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        let html = resp.text().await.unwrap();
        assert!(
            html.contains("「标题」不能为空")
                && html.contains("孙七")
                && html.contains("楼上住户装修噪音"),
            "{}: {html}",
            app.label
        );
        // A bad phone lands next to the applicant's phone.
        let mut bad = intake(&csrf, "电话有误", "周八");
        bad[9] = ("applicant_phone", "12345");
        let resp = post_form(&app, &session, "/cases", &bad).await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        assert!(resp.text().await.unwrap().contains("申请人：电话号码无效"));
        assert_eq!(case_total(&app, &token).await, 2, "{}", app.label);

        // A forged token is refused.
        let resp = post_form(&app, &session, "/cases", &intake("forged", "伪造", "吴九")).await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", app.label);
        assert_eq!(case_total(&app, &token).await, 2, "{}", app.label);
    }
}

#[tokio::test]
async fn a_dispatcher_accepts_and_assigns_from_the_case_page_and_the_mediator_finds_it_on_the_workbench(
) {
    for app in spawn_all().await {
        let clerk = app.user("clerk2", "window_clerk", "370602001000").await;
        let id = api_case(&app, &clerk, "通道堆放杂物").await;
        let path = format!("/cases/{id}");
        let actions = format!("/cases/{id}/actions");
        app.user("disp2", "dispatcher", "370602001000").await;
        let disp = app.page_login("disp2", PASS).await;

        let work = app.page(&disp, "/work").await.text().await.unwrap();
        assert!(
            work.contains("我的待办（1）") && work.contains("通道堆放杂物"),
            "{}: the new case waits for the dispatcher",
            app.label
        );
        let html = app.page(&disp, &path).await.text().await.unwrap();
        assert!(
            html.contains("value=\"accept\"") && html.contains("value=\"reject\""),
            "{}",
            app.label
        );
        let csrf = hidden(&html, "csrf");

        let forged = post_form(
            &app,
            &disp,
            &actions,
            &[("csrf", "forged"), ("action", "accept")],
        )
        .await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{}", app.label);
        assert_eq!(case_json(&app, &clerk, id).await["state"], "submitted");

        let resp = post_form(
            &app,
            &disp,
            &actions,
            &[("csrf", &csrf), ("action", "accept")],
        )
        .await;
        assert_eq!(
            (resp.status(), location(&resp)),
            (StatusCode::SEE_OTHER, path.clone()),
            "{}",
            app.label
        );
        // Accepting twice is an illegal transition: the page again, with why.
        let resp = post_form(
            &app,
            &disp,
            &actions,
            &[("csrf", &csrf), ("action", "accept")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CONFLICT, "{}", app.label);
        assert!(
            resp.text().await.unwrap().contains("不能执行"),
            "{}",
            app.label
        );
        // Rejecting needs a reason (and is no longer possible anyway); assign by the rules.
        let resp = post_form(
            &app,
            &disp,
            &actions,
            &[("csrf", &csrf), ("action", "assign"), ("assignee", "")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let case = case_json(&app, &clerk, id).await;
        assert_eq!(case["state"], "assigned", "{}", app.label);
        let node = case["assignee"]["node"].as_str().unwrap().to_owned();
        assert_eq!(node, "370602001001-M01", "{}", app.label);
        let html = app.page(&disp, &path).await.text().await.unwrap();
        assert!(
            html.contains("已派遣") && html.contains("派遣") && html.contains("办理期限"),
            "{}",
            app.label
        );

        // The sibling township does not know the case exists.
        app.user("t2-disp", "dispatcher", "370602002000").await;
        let other = app.page_login("t2-disp", PASS).await;
        assert_eq!(
            app.page(&other, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{}",
            app.label
        );
        let resp = post_form(
            &app,
            &other,
            &actions,
            &[
                (
                    "csrf",
                    &hidden(
                        &app.page(&other, "/work").await.text().await.unwrap(),
                        "csrf",
                    ),
                ),
                ("action", "transfer"),
                ("assignee", "370602002000"),
                ("reason", "x"),
            ],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{}", app.label);

        // The mediator of the assigned committee finds it waiting on the workbench.
        app.user("med2", "mediator", &node).await;
        let med = app.page_login("med2", PASS).await;
        let work = app.page(&med, "/work").await.text().await.unwrap();
        assert!(
            work.contains("我的待办（1）") && work.contains(&format!("/cases/{id}")),
            "{}: {work}",
            app.label
        );
        let html = app.page(&med, &path).await.text().await.unwrap();
        assert!(
            html.contains("value=\"start\"") && html.contains("value=\"return\""),
            "{}",
            app.label
        );
        // A leader reads the case but takes no handler's action: 403 on the page.
        app.user("lead2", "leader", "370602001000").await;
        let lead = app.page_login("lead2", PASS).await;
        let html = app.page(&lead, &path).await.text().await.unwrap();
        assert!(
            html.contains("已脱敏") && !html.contains("13900000002"),
            "{}",
            app.label
        );
        let csrf = hidden(&html, "csrf");
        let resp = post_form(
            &app,
            &lead,
            &actions,
            &[("csrf", &csrf), ("action", "start")],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", app.label);
    }
}

#[tokio::test]
async fn a_settled_dispute_prints_its_mediation_agreement_and_the_list_finds_cases_by_filter() {
    for app in spawn_all().await {
        let clerk = app.user("clerk3", "window_clerk", "370602001000").await;
        let id = api_case(&app, &clerk, "院墙渗水").await;
        let disp = app.user("disp3", "dispatcher", "370602001000").await;
        for action in ["accept", "assign"] {
            let (s, b) = app
                .post(
                    &disp,
                    &format!("/api/v1/cases/{id}/actions"),
                    json!({ "action": action }),
                )
                .await;
            assert_eq!(s, StatusCode::OK, "{}: {b}", app.label);
        }
        app.user("med3", "mediator", "370602001001-M01").await;
        let med = app.page_login("med3", PASS).await;
        let path = format!("/cases/{id}");
        let actions = format!("/cases/{id}/actions");
        let csrf = hidden(&app.page(&med, &path).await.text().await.unwrap(), "csrf");
        assert_eq!(
            app.page(&med, &format!("{path}/agreement")).await.status(),
            StatusCode::NOT_FOUND,
            "{}: no agreement yet",
            app.label
        );
        let start = post_form(
            &app,
            &med,
            &actions,
            &[("csrf", &csrf), ("action", "start")],
        )
        .await;
        assert_eq!(start.status(), StatusCode::SEE_OTHER, "{}", app.label);
        // Resolving a dispute needs the agreed terms: 422, the page says so.
        let resp = post_form(
            &app,
            &med,
            &actions,
            &[("csrf", &csrf), ("action", "resolve"), ("agreement", "")],
        )
        .await;
        assert_eq!(
            resp.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        assert!(resp
            .text()
            .await
            .unwrap()
            .contains("调解成功须填写协议内容"));
        let terms = "赵六于 2026 年 5 月 31 日前修复院墙防水，费用自理。";
        let resp = post_form(
            &app,
            &med,
            &actions,
            &[("csrf", &csrf), ("action", "resolve"), ("agreement", terms)],
        )
        .await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let html = app.page(&med, &path).await.text().await.unwrap();
        assert!(
            html.contains(terms) && html.contains("/agreement"),
            "{}",
            app.label
        );

        let doc = app.page(&med, &format!("{path}/agreement")).await;
        assert_eq!(doc.status(), StatusCode::OK, "{}", app.label);
        let doc = doc.text().await.unwrap();
        assert!(
            doc.contains("人民调解协议书")
                && doc.contains(terms)
                && doc.contains("王五")
                && doc.contains("第三十一条")
                && doc.contains("友谊街社区人民调解委员会"),
            "{}: {doc}",
            app.label
        );

        // The list: filters narrow it, and they survive paging links.
        let sess = app.page_login("disp3", PASS).await;
        let list = app
            .page(&sess, "/cases?state=resolved&category=neighbour")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            list.contains("院墙渗水") && list.contains("共 1 件"),
            "{}",
            app.label
        );
        let none = app
            .page(&sess, "/cases?state=closed")
            .await
            .text()
            .await
            .unwrap();
        assert!(none.contains("共 0 件"), "{}", app.label);
        let bad = app.page(&sess, "/cases?from=2026-13-01").await;
        assert_eq!(
            bad.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            app.label
        );
        for n in 0..50 {
            api_case(&app, &clerk, &format!("批量 {n}")).await;
        }
        let page1 = app
            .page(&sess, "/cases?q=%E6%89%B9%E9%87%8F")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page1.contains("共 50 件") && !page1.contains("rel=\"next\""),
            "{}",
            app.label
        );
        let all = app
            .page(&sess, "/cases?kind=dispute")
            .await
            .text()
            .await
            .unwrap()
            .replace("&#38;", "&");
        assert!(
            all.contains("共 51 件")
                && all.contains("href=\"/cases?kind=dispute&page=2\" rel=\"next\""),
            "{}: the next page keeps the filters",
            app.label
        );
    }
}
