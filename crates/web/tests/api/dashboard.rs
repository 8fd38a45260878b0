//! The dashboard (统计分析) through the real server: the figures of cases made over the API,
//! the charts, the drill-down, jurisdiction (404), the admin duties (403), the range limit.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const PASS: &str = "Acc-pass-12345";
const COMMUNITY: &str = "370602001001";
const TOWN: &str = "370602001000";
const COUNTY: &str = "370602000000";

async fn act(app: &TestApp, token: &str, id: i64, body: Value) {
    let (status, c) = app
        .post(token, &format!("/api/v1/cases/{id}/actions"), body)
        .await;
    assert_eq!(status, StatusCode::OK, "{}: {c}", app.label);
}

/// A neighbours' dispute registered at the window of 向阳街道; returns its id.
async fn register(app: &TestApp, clerk: &str, title: &str) -> i64 {
    let (status, c) = app
        .post(
            clerk,
            "/api/v1/cases",
            json!({
                "kind": "dispute", "category": "neighbour", "title": title,
                "description": "楼上住户夜间装修。", "channel": "window",
                "community_code": COMMUNITY,
                "parties": [{"name": "张三", "phone": "13800000001"}, {"role": "respondent", "name": "李四"}]
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{}: {c}", app.label);
    c["id"].as_i64().unwrap()
}

async fn page_text(app: &TestApp, session: &str, path: &str) -> (StatusCode, String) {
    let resp = app.page(session, path).await;
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn the_county_dashboard_shows_the_figures_the_charts_and_the_townships() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let med = app.user("med", "mediator", "370602001001-M01").await;
        app.user("county-leader", "leader", COUNTY).await;
        app.user("town-leader", "leader", TOWN).await;

        // One dispute mediated to an agreement, closed and rated 5; one still waiting.
        let id = register(&app, &clerk, "装修噪音纠纷").await;
        act(&app, &disp, id, json!({"action": "accept"})).await;
        act(&app, &disp, id, json!({"action": "assign"})).await;
        act(&app, &med, id, json!({"action": "start"})).await;
        let agreed = json!({"action": "resolve", "agreement": "晚十点后停止施工"});
        act(&app, &med, id, agreed).await;
        let close = json!({"action": "verify_and_close", "reason": "回访核实"});
        act(&app, &disp, id, close).await;
        let (_, c) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        let code = c["tracking_code"].as_str().unwrap().to_owned();
        let (status, _) = app
            .post(
                "",
                &format!("/api/v1/track/{code}/rating"),
                json!({"score": 5}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        register(&app, &clerk, "邻居占用楼道").await;

        let leader = app.page_login("county-leader", PASS).await;
        let (status, home) = page_text(&app, &leader, "/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            home.contains("href=\"/dashboard\">统计分析</a>"),
            "{}: the nav and the home page link to the dashboard",
            app.label
        );
        // The default division is the leader's own county, the period this year.
        let (status, html) = page_text(&app, &leader, "/dashboard").await;
        assert_eq!(status, StatusCode::OK, "{}: {html}", app.label);
        for tile in ["<b>2</b><span>受理量</span>", "<b>1</b><span>结案量</span>"] {
            assert!(html.contains(tile), "{}: {tile}", app.label);
        }
        for rate in ["按期办结率", "调解成功率"] {
            assert!(
                html.contains(&format!("<b>100.0%</b><span>{rate}</span>")),
                "{}: {rate} is 100.0%",
                app.label
            );
        }
        assert!(
            html.contains("<b>5.0 分</b><span>满意度</span>")
                && html.contains("满意率 100.0%（1 条评价）"),
            "{}",
            app.label
        );
        assert!(
            html.contains("<b>0.0%</b><span>主动发现率</span>")
                && html.contains("<b>0.0%</b><span>上报率</span>"),
            "{}",
            app.label
        );
        assert!(
            html.contains("title=\"统计期间内登记受理的案件数。\""),
            "{}: each tile carries its definition",
            app.label
        );
        assert!(
            html.contains("<svg") && html.contains("role=\"img\""),
            "{}",
            app.label
        );
        assert!(
            html.contains("邻里 2") && html.contains("窗口 2") && html.contains("已结案 1"),
            "{}: the charts describe their figures",
            app.label
        );
        assert!(
            !html.contains("<script") && !html.contains("style="),
            "{}: no scripts and no inline styles (CSP)",
            app.label
        );
        // Drill down: the township is listed with its own figures and links to its page.
        let row = &html[html
            .find(&format!("division={TOWN}"))
            .expect("drill-down link")..];
        assert!(
            row.contains("向阳街道")
                && row[..row.find("</tr>").unwrap()].contains("<td class=\"num\">2</td>"),
            "{}: {row:.600}",
            app.label
        );
        let (status, town) = page_text(
            &app,
            &leader,
            &format!("/dashboard?division={TOWN}&from=2000-01-01&to=2000-12-31"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        assert!(
            town.contains(&format!("division={COMMUNITY}"))
                && town.contains("<b>0</b><span>受理量</span>")
                && town.contains("暂无数据")
                && town.contains("<b>—</b><span>按期办结率</span>"),
            "{}: a township lists its communities; no data shows as —",
            app.label
        );

        // A township's user does not see the county: 404, like anything outside.
        let town_leader = app.page_login("town-leader", PASS).await;
        let (status, _) =
            page_text(&app, &town_leader, &format!("/dashboard?division={COUNTY}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{}", app.label);
        let (status, own) = page_text(&app, &town_leader, "/dashboard").await;
        assert_eq!(status, StatusCode::OK, "{}", app.label);
        assert!(own.contains("<b>2</b><span>受理量</span>"), "{}", app.label);

        // The security admin reads no case statistics.
        let admin = app.page_login("admin", "zhili-demo").await;
        let (status, _) = page_text(&app, &admin, "/dashboard").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}", app.label);
        let (_, admin_home) = page_text(&app, &admin, "/").await;
        assert!(!admin_home.contains("/dashboard"), "{}", app.label);

        // More than 24 months: the form again with the reason.
        let (status, html) = page_text(
            &app,
            &leader,
            "/dashboard?division=370602000000&from=2024-01-01&to=2026-06-30",
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
        assert!(
            html.contains("最多 24 个月") && html.contains("name=\"from\" value=\"2024-01-01\""),
            "{}",
            app.label
        );
        let (status, _) = page_text(&app, &leader, "/dashboard?from=2026-13-01").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", app.label);
    }
}
