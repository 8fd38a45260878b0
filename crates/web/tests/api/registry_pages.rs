//! The registry's pages through the real server: the grid worker's phone page (map, visit,
//! reporting a problem that lands in the grid), the map, and the dispatcher's registry page
//! with an import watched to the end and an audited reveal.

use crate::helpers::*;
use crate::registry::id_number;
use reqwest::StatusCode;
use serde_json::json;

const PASS: &str = "Acc-pass-12345";
const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";

#[tokio::test]
async fn a_grid_worker_records_a_visit_and_reports_a_problem_from_the_phone_page() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        app.user("gridw", "grid_worker", COMM).await;
        let grid = json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "properties": { "code": format!("{COMM}001"), "name": "友谊一网格" },
            "geometry": { "type": "Polygon", "coordinates": [[[121.40, 37.50], [121.41, 37.50], [121.41, 37.51], [121.40, 37.51], [121.40, 37.50]]] } }] });
        let r = app
            .http
            .post(app.url("/api/v1/import/grids"))
            .bearer_auth(&disp)
            .header("content-type", "application/geo+json")
            .body(grid.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let b = format!("code,community_code,name,address,lon,lat\n{COMM}-B0001,{COMM},1号楼,友谊街1号,121.405,37.505\n");
        let r = app
            .http
            .post(app.url("/api/v1/import/buildings"))
            .bearer_auth(&disp)
            .header("content-type", "text/csv")
            .body(b)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let s = app.page_login("gridw", PASS).await;
        let html = app.page(&s, "/grid").await.text().await.unwrap();
        assert!(
            html.contains("友谊一网格") && html.contains("<svg") && html.contains("1号楼"),
            "{}: {html}",
            app.label
        );
        let csrf = hidden(&html, "csrf");
        let building = format!("{COMM}-B0001");
        let grid_code = format!("{COMM}001");
        let r = post_form(
            &app,
            &s,
            "/grid/visits",
            &[
                ("csrf", &csrf),
                ("grid", &grid_code),
                ("building_code", &building),
                ("found", "楼道灯坏了"),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let html = app
            .page(&s, &format!("/grid?code={grid_code}&ok=visit"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("走访记录已保存") && html.contains("楼道灯坏了"));
        // A problem at the building: a case with channel grid_report, placed in the grid.
        let r = post_form(
            &app,
            &s,
            "/grid/report",
            &[
                ("csrf", &csrf),
                ("grid", &grid_code),
                ("building_code", &building),
                ("category", "fire.passage"),
                ("title", "楼道堆放杂物"),
                ("description", "三楼楼道堆满纸箱"),
                ("lat", ""),
                ("lon", ""),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", app.label);
        let id: i64 = r.headers()["location"]
            .to_str()
            .unwrap()
            .trim_start_matches("/cases/")
            .parse()
            .unwrap();
        let (_, c) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        let c = if c["case"].is_object() {
            c["case"].clone()
        } else {
            c
        };
        assert_eq!(
            (c["channel"].as_str(), c["grid_code"].as_str()),
            (Some("grid_report"), Some(&*grid_code)),
            "{}: {c}",
            app.label
        );
        // Without a title: the form comes back with the reason, nothing written.
        let r = post_form(
            &app,
            &s,
            "/grid/report",
            &[
                ("csrf", &csrf),
                ("grid", &grid_code),
                ("building_code", ""),
                ("category", "fire.passage"),
                ("title", ""),
                ("description", "x"),
                ("lat", ""),
                ("lon", ""),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
        // The map of the township links to the grid.
        let html = app
            .page(&s, &format!("/map?division={COMM}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            html.contains("<svg") && html.contains(&format!("/grid?code={grid_code}")),
            "{}",
            app.label
        );
        let html = app.page(&s, "/map").await.text().await.unwrap();
        assert!(html.contains("芝罘区") && html.contains("/map?division=370602000000"));
    }
}

#[tokio::test]
async fn the_registry_page_imports_with_progress_and_reveals_with_a_purpose() {
    for app in spawn_all().await {
        app.user("disp", "dispatcher", TOWN).await;
        let s = app.page_login("disp", PASS).await;
        let html = app.page(&s, "/registry").await.text().await.unwrap();
        let csrf = hidden(&html, "csrf");
        let id = id_number("370602", "19750505", 51);
        let csv = format!("name,id_number,phone,community_code\n赵六,{id},13800000066,{COMM}\n");
        let form = reqwest::multipart::Form::new()
            .text("csrf", csrf.clone())
            .text("kind", "residents")
            .text("crs", "wgs84")
            .part(
                "file",
                reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("people.csv"),
            );
        let r = app
            .http
            .post(app.url("/registry/import"))
            .header("cookie", &s)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let job = r.headers()["location"].to_str().unwrap().to_owned();
        let mut html = String::new();
        for _ in 0..50 {
            html = app.page(&s, &job).await.text().await.unwrap();
            if !html.contains("http-equiv=\"refresh\"") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(
            html.contains("导入完成") && html.contains("写入 1 行"),
            "{}: {html}",
            app.label
        );
        let html = app.page(&s, "/registry").await.text().await.unwrap();
        assert!(html.contains(&format!("370602********{}", &id[14..])) && !html.contains(&id));
        let rid = html
            .split("/registry/residents/")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let r = post_form(
            &app,
            &s,
            &format!("/registry/residents/{rid}/reveal"),
            &[("csrf", &csrf), ("purpose", "核实调解当事人")],
        )
        .await;
        assert_eq!(r.headers()["cache-control"], "no-store");
        let html = r.text().await.unwrap();
        assert!(html.contains(&id) && html.contains("赵六"), "{}", app.label);
        // Another user's import job is not theirs to watch.
        app.user("disp2", "dispatcher", TOWN).await;
        let s2 = app.page_login("disp2", PASS).await;
        assert_eq!(app.page(&s2, &job).await.status(), StatusCode::NOT_FOUND);
    }
}
