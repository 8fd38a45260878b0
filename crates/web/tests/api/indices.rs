//! The two indices and their reports: scores for every county with change against the
//! previous period, department uploads (validated, versioned), numbered immutable issues,
//! and who may read them.

use crate::helpers::{items, spawn_all, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

pub(crate) const COLUMNS: &str = "population,criminal_cases,valid_police_calls,fraud_cases,fraud_losses,fires,traffic_deaths,hazards_found,hazards_fixed,opinion_incidents,key_place_coverage";

pub(crate) async fn counties(t: &TestApp, token: &str) -> Vec<String> {
    let (s, b) = t
        .get(token, "/api/v1/divisions?level=county&page_size=50")
        .await;
    assert_eq!(s, StatusCode::OK, "{b}");
    items(&b)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// A wide CSV of safety figures for every county in `periods`; county k is k-th best.
fn safety_csv(codes: &[String], periods: &[&str]) -> String {
    let mut out = format!("unit,period,{COLUMNS}\n");
    for (p, period) in periods.iter().enumerate() {
        for (k, c) in codes.iter().enumerate() {
            let bad = (k + p) as f64;
            out.push_str(&format!(
                "{c},{period},500000,{},{},{},{},{},{},400,{},{},0.99\n",
                50.0 + bad * 10.0,
                1000.0 + bad * 50.0,
                40.0 + bad * 3.0,
                1_500_000.0 + bad * 100_000.0,
                5.0 + bad,
                1.0 + bad * 0.3,
                396.0 - bad * 4.0,
                bad as i64 / 4,
            ));
        }
    }
    out
}

pub(crate) async fn upload(t: &TestApp, token: &str, id: &str, csv: &str) -> (StatusCode, Value) {
    let resp = t
        .http
        .post(t.url(&format!("/api/v1/indices/{id}/data")))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    (resp.status(), resp.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn page(t: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let resp = t
        .http
        .get(t.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (resp.status(), resp.text().await.unwrap())
}

#[tokio::test]
async fn every_county_is_ranked_with_its_change_against_the_previous_period() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let leader = t.user("city-lead", "leader", "370600000000").await;
        let (s, list) = t.get(&leader, "/api/v1/indices").await;
        assert_eq!(s, StatusCode::OK, "{}: {list}", t.label);
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["safety", "mediation"], "{}", t.label);
        let codes = counties(&t, &leader).await;
        assert_eq!(codes.len(), 13, "{}: the 13 county-level units", t.label);
        let (s, b) = upload(
            &t,
            &office,
            "safety",
            &safety_csv(&codes, &["2026-09", "2026-10"]),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", t.label);
        assert_eq!(
            b,
            json!({"imported": 2 * 13 * 11, "version": 1}),
            "{}",
            t.label
        );

        let (s, sc) = t
            .get(
                &leader,
                "/api/v1/indices/safety/scores?period=2026-10&level=county",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}: {sc}", t.label);
        let sc = sc.as_array().unwrap();
        assert_eq!(sc.len(), 13, "{}", t.label);
        let ranks: Vec<i64> = sc.iter().map(|u| u["rank"].as_i64().unwrap()).collect();
        assert_eq!(
            ranks,
            (1..=13).collect::<Vec<_>>(),
            "{}: sorted by rank",
            t.label
        );
        assert_eq!(
            sc[0]["unit"], codes[0],
            "{}: the best figures rank first",
            t.label
        );
        for u in sc {
            assert!(
                u["name"].as_str().is_some_and(|n| !n.is_empty()),
                "{}: {u}",
                t.label
            );
            assert!(
                u["change"].as_f64().is_some(),
                "{}: change vs 2026-09: {u}",
                t.label
            );
            assert!(u["rank_change"].as_i64().is_some(), "{}: {u}", t.label);
            assert!(u["warnings"].is_array(), "{}", t.label);
        }
        // Every county got worse figures in October than in September.
        assert!(
            sc.iter().all(|u| u["change"].as_f64().unwrap() <= 0.0),
            "{}",
            t.label
        );
        assert!(
            sc[12]["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w["level"] == "yellow"),
            "{}: the bottom three are flagged",
            t.label
        );

        let (s, m) = t
            .get(
                &leader,
                "/api/v1/indices/mediation/scores?period=2026-10&level=county",
            )
            .await;
        assert_eq!(
            (s, m.as_array().map(Vec::len)),
            (StatusCode::OK, Some(13)),
            "{}: {m}",
            t.label
        );
        let (s, tw) = t
            .get(
                &leader,
                "/api/v1/indices/mediation/scores?period=2026-10&level=township",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}", t.label);
        assert!(tw.as_array().unwrap().len() > 100, "{}", t.label);
        let (s, _) = t
            .get(&leader, "/api/v1/indices/safety/scores?period=2026-13")
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        let (s, _) = t
            .get(&leader, "/api/v1/indices/nope/scores?period=2026-10")
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", t.label);
    }
}

#[tokio::test]
async fn a_bad_upload_names_row_and_column_and_writes_nothing() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let csv = "unit,period,indicator,value\n\
                   370602000000,2026-10,criminal_cases,10\n\
                   379999000000,2026-10,criminal_cases,10\n\
                   370602000000,2026-10,bananas,1\n\
                   370611000000,2026-10,fires,many\n\
                   370602000000,2026-10,criminal_cases,12\n";
        let (s, b) = upload(&t, &office, "safety", csv).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", t.label);
        let errors = b["errors"].as_array().unwrap();
        let got: Vec<(i64, &str, &str)> = errors
            .iter()
            .map(|e| {
                (
                    e["row"].as_i64().unwrap(),
                    e["column"].as_str().unwrap(),
                    e["code"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (3, "unit", "index.unit_unknown"),
                (4, "indicator", "index.indicator_unknown"),
                (5, "value", "index.value_invalid"),
                (6, "value", "index.value_duplicate"),
            ],
            "{}: {b}",
            t.label
        );
        assert!(
            errors
                .iter()
                .all(|e| !e["message"].as_str().unwrap().is_empty()),
            "{}",
            t.label
        );
        let (_, list) = t.get(&office, "/api/v1/indices").await;
        assert_eq!(
            list[0]["periods"],
            json!([]),
            "{}: nothing written",
            t.label
        );
        let (s, b) = upload(
            &t,
            &office,
            "safety",
            "unit,period,criminal_cases,wrong\n370602000000,2026-10,1,2\n",
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{}: {b}", t.label);
        assert_eq!(b["errors"][0]["column"], "wrong", "{}", t.label);
    }
}

#[tokio::test]
async fn a_second_upload_is_the_next_version_and_wins() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let codes = counties(&t, &office).await;
        let (s, b) = upload(&t, &office, "safety", &safety_csv(&codes, &["2026-10"])).await;
        assert_eq!(
            (s, b["version"].as_i64()),
            (StatusCode::OK, Some(1)),
            "{}: {b}",
            t.label
        );
        let score = |v: &Value, code: &str| {
            v.as_array()
                .unwrap()
                .iter()
                .find(|u| u["unit"] == code)
                .map(|u| (u["score"].as_f64(), u["rank"].as_i64()))
                .unwrap()
        };
        let (_, before) = t
            .get(&office, "/api/v1/indices/safety/scores?period=2026-10")
            .await;
        // The best county's police report a surge in criminal cases.
        let fix = format!(
            "unit,period,indicator,value\n{},2026-10,criminal_cases,900\n",
            codes[0]
        );
        let (s, b) = upload(&t, &office, "safety", &fix).await;
        assert_eq!(b, json!({"imported": 1, "version": 2}), "{}: {s}", t.label);
        let (_, after) = t
            .get(&office, "/api/v1/indices/safety/scores?period=2026-10")
            .await;
        assert_eq!(score(&before, &codes[0]).1, Some(1), "{}", t.label);
        assert!(
            score(&after, &codes[0]).0 < score(&before, &codes[0]).0,
            "{}",
            t.label
        );
        assert!(score(&after, &codes[0]).1 > Some(1), "{}: {after}", t.label);
    }
}

#[tokio::test]
async fn a_published_issue_is_numbered_and_never_changes() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let leader = t.user("city-lead", "leader", "370600000000").await;
        let codes = counties(&t, &office).await;
        upload(
            &t,
            &office,
            "safety",
            &safety_csv(&codes, &["2026-09", "2026-10"]),
        )
        .await;
        let (s, b) = t
            .post(
                &office,
                "/api/v1/reports",
                json!({"index": "safety", "period": "2026-10"}),
            )
            .await;
        assert_eq!(
            (s, b["issue_no"].as_i64()),
            (StatusCode::CREATED, Some(1)),
            "{}: {b}",
            t.label
        );
        let (s, first) = page(&t, &leader, "/reports/safety/1").await;
        assert_eq!(s, StatusCode::OK, "{}: {first}", t.label);
        assert!(
            first.contains("<svg id=\"report-map\""),
            "{}: the choropleth",
            t.label
        );
        assert!(
            first.contains("第1期") && first.contains("id=\"ranking\""),
            "{}",
            t.label
        );
        assert!(
            first.contains("较上期") && first.contains("预警"),
            "{}",
            t.label
        );
        let fix = format!(
            "unit,period,indicator,value\n{},2026-10,criminal_cases,900\n",
            codes[0]
        );
        upload(&t, &office, "safety", &fix).await;
        let (s, b) = t
            .post(
                &leader,
                "/api/v1/reports",
                json!({"index": "safety", "period": "2026-10"}),
            )
            .await;
        assert_eq!(
            (s, b["issue_no"].as_i64()),
            (StatusCode::CREATED, Some(2)),
            "{}: {b}",
            t.label
        );
        let (_, again) = page(&t, &leader, "/reports/safety/1").await;
        assert_eq!(again, first, "{}: issue 1 is unchanged", t.label);
        let (_, second) = page(&t, &leader, "/reports/safety/2").await;
        assert!(second.contains("第2期") && second != first, "{}", t.label);
        let (s, list) = t.get(&leader, "/api/v1/reports").await;
        assert_eq!(
            (s, list.as_array().map(Vec::len)),
            (StatusCode::OK, Some(2)),
            "{}",
            t.label
        );
        let x = t
            .http
            .get(t.url("/reports/safety/1.xlsx"))
            .bearer_auth(&leader)
            .send()
            .await
            .unwrap();
        assert_eq!(x.status(), StatusCode::OK, "{}", t.label);
        assert!(
            x.headers()["content-type"]
                .to_str()
                .unwrap()
                .contains("spreadsheetml"),
            "{}",
            t.label
        );
        assert!(x.bytes().await.unwrap().starts_with(b"PK"), "{}", t.label);
        let (s, _) = page(&t, &leader, "/reports/safety/9").await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{}", t.label);
        // The archive and its publish form, with the session cookie.
        let session = t.page_login("city-office", "Acc-pass-12345").await;
        let html = t.page(&session, "/reports").await.text().await.unwrap();
        assert!(
            html.contains("/reports/safety/2") && html.contains("发布新一期"),
            "{}",
            t.label
        );
    }
}

#[tokio::test]
async fn grid_workers_and_clerks_read_no_indices_and_only_the_office_uploads() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        t.post(
            &office,
            "/api/v1/reports",
            json!({"index": "mediation", "period": "2026-10"}),
        )
        .await;
        for who in ["youyi-grid", "xiangyang-clerk", "youyi-mediator"] {
            let token = t.login(who, "zhili-demo").await;
            let (s, _) = t.get(&token, "/api/v1/indices").await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{}: {who}", t.label);
            let (s, _) = t
                .get(&token, "/api/v1/indices/safety/scores?period=2026-10")
                .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{}: {who}", t.label);
            let (s, _) = page(&t, &token, "/reports/mediation/1").await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{}: {who}", t.label);
            let (s, _) = upload(
                &t,
                &token,
                "safety",
                "unit,period,fires\n370602000000,2026-10,1\n",
            )
            .await;
            assert_eq!(s, StatusCode::FORBIDDEN, "{}: {who}", t.label);
        }
        let township = t.user("town-lead", "leader", "370602001000").await;
        let (s, _) = upload(
            &t,
            &township,
            "safety",
            "unit,period,fires\n370602000000,2026-10,1\n",
        )
        .await;
        assert_eq!(
            s,
            StatusCode::FORBIDDEN,
            "{}: township level uploads nothing",
            t.label
        );
        let (s, _) = page(&t, &township, "/reports/mediation/1").await;
        assert_eq!(s, StatusCode::OK, "{}: but reads the reports", t.label);
        let (s, _) = page(&t, "", "/reports/mediation/1").await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{}: anonymous → login", t.label);
    }
}
