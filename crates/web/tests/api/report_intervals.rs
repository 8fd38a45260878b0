//! Rank intervals in published issues: every county's interval holds its rank, a rank change
//! inside the interval is not called real (in the table, the summary and the workbook), one
//! outside it is, and issues published before intervals existed still render.

use crate::helpers::{operator, spawn_all, TestApp};
use crate::indices::{counties, page, upload, COLUMNS};
use reqwest::StatusCode;
use serde_json::Value;
use zhili_app::ports::{IndexStore, ReportRecord};
use zhili_domain::audit::Outcome;

/// One county's safety figures: `bad` steps worse than the best, with criminal cases and
/// fires moved by `crime` and `fires` (a trade-off between the two).
fn row(code: &str, period: &str, bad: f64, crime: f64, fires: f64) -> String {
    format!(
        "{code},{period},500000,{},{},{},{},{},{},400,{},{},0.99\n",
        50.0 + bad * 10.0 + crime,
        1000.0 + bad * 50.0,
        40.0 + bad * 3.0,
        1_500_000.0 + bad * 100_000.0,
        5.0 + bad + fires,
        1.0 + bad * 0.3,
        396.0 - bad * 4.0,
        (bad / 4.0).floor(),
    )
}

/// County k is k-th best, except that counties 4 (A) and 5 (B) sit together half a step
/// behind county 3 and trade criminal cases against fires: A is just ahead in September, B
/// just ahead from October (a swap the weights alone could make). In November county 12
/// jumps from last to first (a change no weighting explains).
fn figures(codes: &[String]) -> String {
    let mut out = format!("unit,period,{COLUMNS}\n");
    for (period, tilt) in [("2026-09", 1.0), ("2026-10", -1.0), ("2026-11", -1.0)] {
        for (k, c) in codes.iter().enumerate() {
            out.push_str(&match k {
                4 => row(c, period, 4.5, -20.0 - tilt, 4.0),
                5 => row(c, period, 4.5, 20.0 + tilt, -4.0),
                12 if period == "2026-11" => row(c, period, -1.0, 0.0, 0.0),
                _ => row(c, period, k as f64, 0.0, 0.0),
            });
        }
    }
    out
}

fn unit<'a>(units: &'a Value, code: &str) -> &'a Value {
    units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == code)
        .unwrap()
}

fn interval(u: &Value) -> (i64, i64, i64, i64) {
    let iv = &u["rank_interval"];
    (
        iv["low"].as_i64().unwrap_or(-1),
        u["rank"].as_i64().unwrap(),
        iv["high"].as_i64().unwrap_or(-1),
        iv["median"].as_i64().unwrap_or(-1),
    )
}

async fn publish(t: &TestApp, token: &str, period: &str) -> Value {
    let (s, b) = t
        .post(
            token,
            "/api/v1/reports",
            serde_json::json!({"index": "safety", "period": period}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{}: {b}", t.label);
    let n = b["issue_no"].as_i64().unwrap();
    let (s, issue) = t.get(token, &format!("/api/v1/reports/safety/{n}")).await;
    assert_eq!(s, StatusCode::OK, "{}: {issue}", t.label);
    issue
}

#[tokio::test]
async fn an_issue_gives_every_county_a_rank_interval_and_calls_only_changes_outside_it_real() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let codes = counties(&t, &office).await;
        let (s, b) = upload(&t, &office, "safety", &figures(&codes)).await;
        assert_eq!(s, StatusCode::OK, "{}: {b}", t.label);
        let (a, b) = (&codes[4], &codes[5]);

        let (s, scores) = t
            .get(
                &office,
                "/api/v1/indices/safety/scores?period=2026-10&sensitivity=1000",
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{}: {scores}", t.label);
        let started = std::time::Instant::now();
        let issue = publish(&t, &office, "2026-10").await;
        eprintln!(
            "{}: publishing with 1,000 runs: {:?}",
            t.label,
            started.elapsed()
        );
        let body = &issue["body"];
        assert_eq!(body["sensitivity"]["runs"], 1000, "{}: {body}", t.label);
        assert!(
            body["sensitivity"]["seed"].as_u64().is_some(),
            "{}",
            t.label
        );
        let units = &body["units"];
        assert_eq!(units.as_array().unwrap().len(), 13, "{}", t.label);
        for u in units.as_array().unwrap() {
            let (low, rank, high, median) = interval(u);
            assert!(
                1 <= low && low <= rank && rank <= high && high <= 13,
                "{}: {u}",
                t.label
            );
            assert!(low <= median && median <= high, "{}: {u}", t.label);
            // The API's `?sensitivity=1000` is the same seeded run.
            let code = u["unit"].as_str().unwrap();
            assert_eq!(
                u["rank_interval"],
                unit(&scores, code)["rank_interval"],
                "{}: {code}",
                t.label
            );
        }
        // A and B swapped places 5 and 6, within each other's interval.
        for (code, change) in [(a, -1), (b, 1)] {
            let u = unit(units, code);
            assert_eq!(u["rank_change"], change, "{}: {u}", t.label);
            let (low, _, high, _) = interval(u);
            assert!(low <= 5 && high >= 6, "{}: {u}", t.label);
            assert_eq!(u["rank_change_significant"], false, "{}: {u}", t.label);
        }
        let name_a = unit(units, a)["name"].as_str().unwrap().to_owned();
        let summary: Vec<&str> = body["summary"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        let about_a: Vec<&&str> = summary.iter().filter(|s| s.contains(&name_a)).collect();
        assert!(!about_a.is_empty(), "{}: {summary:?}", t.label);
        for line in &about_a {
            assert!(
                line.contains("不确定范围") && !line.contains("变化显著"),
                "{}: {line}",
                t.label
            );
        }
        assert!(
            summary
                .iter()
                .any(|s| s.contains("均在排名区间之内") && !s.contains("变化显著")),
            "{}: {summary:?}",
            t.label
        );
        let (s, html) = page(&t, &office, "/reports/safety/1").await;
        assert_eq!(s, StatusCode::OK, "{}", t.label);
        assert!(
            html.contains("<th class=\"num\">排名区间</th>"),
            "{}",
            t.label
        );
        assert_eq!(
            html.matches("class=\"rank-uncertain\">在不确定范围内")
                .count(),
            2,
            "{}",
            t.label
        );
        assert!(!html.contains("class=\"rank-real\""), "{}", t.label);
        assert!(
            html.contains("id=\"sensitivity-note\"") && html.contains("1,000 次蒙特卡洛模拟"),
            "{}",
            t.label
        );

        // November: county 12 jumps from last to first, beyond any interval.
        let issue = publish(&t, &office, "2026-11").await;
        let body = &issue["body"];
        let jumper = unit(&body["units"], &codes[12]);
        assert_eq!(
            (jumper["rank"].as_i64(), jumper["rank_change"].as_i64()),
            (Some(1), Some(12)),
            "{}: {jumper}",
            t.label
        );
        assert_eq!(jumper["rank_change_significant"], true, "{}", t.label);
        let name = jumper["name"].as_str().unwrap();
        assert!(
            body["summary"].as_array().unwrap().iter().any(|s| {
                let s = s.as_str().unwrap();
                s.starts_with("名次变化显著") && s.contains(&format!("{name}（上升 12 位）"))
            }),
            "{}: {}",
            t.label,
            body["summary"]
        );
        let (_, html) = page(&t, &office, "/reports/safety/2").await;
        assert!(html.contains("class=\"rank-real\">变化显著"), "{}", t.label);

        for bad in ["0", "10001", "many"] {
            let (s, b) = t
                .get(
                    &office,
                    &format!("/api/v1/indices/safety/scores?period=2026-10&sensitivity={bad}"),
                )
                .await;
            assert_eq!(
                (s, b["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("sensitivity")),
                "{}: {bad}: {b}",
                t.label
            );
        }
    }
}

#[tokio::test]
async fn an_issue_published_before_rank_intervals_still_renders() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let codes = counties(&t, &office).await;
        upload(&t, &office, "safety", &figures(&codes)).await;
        publish(&t, &office, "2026-10").await;
        // The same issue as it was stored before intervals: no rank_interval, no
        // rank_change_significant, no sensitivity.
        let stored = t.db.db.report("safety", 1).await.unwrap().unwrap();
        let mut body: Value = serde_json::from_str(&stored.body).unwrap();
        body.as_object_mut().unwrap().remove("sensitivity");
        for u in body["units"].as_array_mut().unwrap() {
            let u = u.as_object_mut().unwrap();
            u.remove("rank_interval");
            u.remove("rank_change_significant");
        }
        let old = ReportRecord {
            body: body.to_string(),
            ..stored
        };
        let audit = operator().audit(
            0,
            "report.publish",
            "safety/old".into(),
            Outcome::Success,
            String::new(),
        );
        let n = t.db.db.publish_report(&old, audit).await.unwrap();
        assert_eq!(n, 2, "{}", t.label);

        let (s, html) = page(&t, &office, "/reports/safety/2").await;
        assert_eq!(s, StatusCode::OK, "{}: {html}", t.label);
        assert!(
            html.contains("id=\"ranking\"") && html.contains("第2期"),
            "{}",
            t.label
        );
        assert!(
            !html.contains("排名区间</th>"),
            "{}: no interval column",
            t.label
        );
        assert!(!html.contains("sensitivity-note"), "{}", t.label);
        let (s, issue) = t.get(&office, "/api/v1/reports/safety/2").await;
        assert_eq!(s, StatusCode::OK, "{}", t.label);
        assert!(
            issue["body"]["units"][0].get("rank_interval").is_none(),
            "{}",
            t.label
        );
        let x = t
            .http
            .get(t.url("/reports/safety/2.xlsx"))
            .bearer_auth(&office)
            .send()
            .await
            .unwrap();
        assert_eq!(x.status(), StatusCode::OK, "{}", t.label);
    }
}
