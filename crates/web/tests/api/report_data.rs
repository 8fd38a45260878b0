//! 部门数据上报, the page: the back office downloads the template, uploads a filled CSV or
//! XLSX for a chosen period (the values then count in the scores), sees a bad file refused
//! row by row and column by column with nothing written, and the list of past uploads.

use crate::helpers::{hidden, spawn_all, TestApp};
use crate::indices::counties;
use reqwest::StatusCode;
use serde_json::Value;

const PASS: &str = "Acc-pass-12345";

async fn send(
    t: &TestApp,
    session: &str,
    csrf: &str,
    period: &str,
    file: (&str, Vec<u8>),
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_owned())
        .text("index", "safety")
        .text("period", period.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(file.1).file_name(file.0.to_owned()),
        );
    t.http
        .post(t.url("/reports/data"))
        .header("cookie", session)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn scores(t: &TestApp, token: &str) -> Value {
    let (s, b) = t
        .get(token, "/api/v1/indices/safety/scores?period=2026-10")
        .await;
    assert_eq!(s, StatusCode::OK, "{}: {b}", t.label);
    b
}

#[tokio::test]
async fn the_upload_page_takes_a_filled_template_and_refuses_a_bad_file_by_row_and_column() {
    for t in spawn_all().await {
        let office = t.user("city-office", "dispatcher", "370600000000").await;
        let session = t.page_login("city-office", PASS).await;
        let archive = t.page(&session, "/reports").await.text().await.unwrap();
        assert!(
            archive.contains("href=\"/reports/data\""),
            "{}: linked",
            t.label
        );
        let html = t
            .page(&session, "/reports/data?index=safety&period=2026-10")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("部门数据上报") && html.contains("<code>criminal_cases</code>"),
            "{}",
            t.label
        );
        assert!(html.contains("尚无上报记录"), "{}", t.label);
        let csrf = hidden(&html, "csrf");

        // The template: the header and a row per county, values empty.
        let r = t
            .page(
                &session,
                "/reports/data/template.csv?index=safety&period=2026-10",
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{}", t.label);
        let template = r.text().await.unwrap();
        let template = template.trim_start_matches('\u{feff}');
        let lines: Vec<&str> = template.lines().collect();
        assert_eq!(lines.len(), 14, "{}: {template}", t.label);
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(&header[..3], ["unit", "name", "period"], "{}", t.label);
        let mut wanted: Vec<&str> = crate::indices::COLUMNS.split(',').collect();
        let mut got = header[3..].to_vec();
        wanted.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, wanted, "{}: every importable column", t.label);
        // Fill it in: county k is k-th best.
        let mut filled = format!("{}\n", lines[0]);
        for (k, line) in lines[1..].iter().enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            assert_eq!(cells[2], "2026-10", "{}", t.label);
            let bad = k as f64;
            let value = |col: &str| match col {
                "population" => 500000.0,
                "criminal_cases" => 50.0 + bad * 10.0,
                "valid_police_calls" => 1000.0 + bad * 50.0,
                "fraud_cases" => 40.0 + bad * 3.0,
                "fraud_losses" => 1_500_000.0 + bad * 100_000.0,
                "fires" => 5.0 + bad,
                "traffic_deaths" => 1.0 + bad * 0.3,
                "hazards_found" => 400.0,
                "hazards_fixed" => 396.0 - bad * 4.0,
                "opinion_incidents" => 0.0,
                _ => 0.99,
            };
            let v: Vec<String> = header[3..].iter().map(|c| value(c).to_string()).collect();
            filled.push_str(&format!(
                "{},{},{},{}\n",
                cells[0],
                cells[1],
                cells[2],
                v.join(",")
            ));
        }
        let r = send(
            &t,
            &session,
            &csrf,
            "2026-10",
            ("公安数据.csv", filled.into_bytes()),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", t.label);
        let next = r.headers()["location"].to_str().unwrap().to_owned();
        let done = t.page(&session, &next).await.text().await.unwrap();
        assert!(
            done.contains("已写入平安指数第 1 版，共 143 个数值"),
            "{}: {done}",
            t.label
        );
        assert!(done.contains("<td>city-office</td>"), "{}: who", t.label);
        let codes = counties(&t, &office).await;
        let before = scores(&t, &office).await;
        let ranked: Vec<&str> = before
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["unit"].as_str().unwrap())
            .collect();
        assert_eq!(
            ranked, codes,
            "{}: the uploaded figures rank the counties",
            t.label
        );

        // A bad file: a bad number, an unknown unit, another period, a duplicate.
        let bad = format!(
            "unit,period,criminal_cases,fires\n\
             {c0},2026-10,12,3\n\
             {c1},2026-10,abc,1\n\
             379999000000,2026-10,1,1\n\
             {c2},2026-09,1,1\n\
             {c0},2026-10,13,3\n",
            c0 = codes[0],
            c1 = codes[1],
            c2 = codes[2]
        );
        let r = send(
            &t,
            &session,
            &csrf,
            "2026-10",
            ("bad.csv", bad.into_bytes()),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{}", t.label);
        let html = r.text().await.unwrap();
        assert!(html.contains("未写入任何数据"), "{}: {html}", t.label);
        let table = &html[html.find("id=\"upload-errors\"").expect("the error table")..];
        for (row, column, why) in [
            ("第 3 行", "criminal_cases", "「abc」不是数字"),
            ("第 4 行", "unit", "单位「379999000000」"),
            ("第 5 行", "period", "与所选期间 2026-10 不一致"),
            ("第 6 行", "criminal_cases", "已在第 2 行给出"),
        ] {
            let at = table
                .find(row)
                .unwrap_or_else(|| panic!("{}: {row}: {table}", t.label));
            let line = &table[at..at + table[at..].find("</tr>").unwrap()];
            assert!(
                line.contains(&format!("<code>{column}</code>")) && line.contains(why),
                "{}: {line}",
                t.label
            );
        }
        assert_eq!(
            scores(&t, &office).await,
            before,
            "{}: nothing written",
            t.label
        );
        let html = t
            .page(&session, "/reports/data?index=safety")
            .await
            .text()
            .await
            .unwrap();
        let uploads = &html[html.find("id=\"uploads\"").unwrap()..];
        assert_eq!(
            uploads.matches("<td>city-office</td>").count(),
            1,
            "{}",
            t.label
        );

        // An XLSX for the same period: the best county's police report a surge.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "unit").unwrap();
        ws.write_string(0, 1, "criminal_cases").unwrap();
        ws.write_string(1, 0, &codes[0]).unwrap();
        ws.write_number(1, 1, 900.0).unwrap();
        let xlsx = wb.save_to_buffer().unwrap();
        let r = send(&t, &session, &csrf, "2026-10", ("公安.xlsx", xlsx)).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", t.label);
        let after = scores(&t, &office).await;
        let first = after
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit"] == codes[0].as_str())
            .unwrap();
        assert!(first["rank"].as_i64() > Some(1), "{}: {first}", t.label);

        // A forged form is refused; a township leader reads reports but uploads nothing.
        let r = send(
            &t,
            &session,
            "forged",
            "2026-10",
            ("x.csv", b"unit\n".to_vec()),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", t.label);
        t.user("town-lead", "leader", "370602001000").await;
        let town = t.page_login("town-lead", PASS).await;
        let r = t.page(&town, "/reports/data").await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{}", t.label);
        let archive = t.page(&town, "/reports").await.text().await.unwrap();
        assert!(!archive.contains("href=\"/reports/data\""), "{}", t.label);
    }
}
