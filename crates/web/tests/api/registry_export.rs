//! Exports through the real server on both backends: buildings and dwellings leave in the
//! import's columns and import again into a fresh registry unchanged (CSV and XLSX), residents
//! leave masked and only from the caller's jurisdiction, and every export is audited with its
//! row count.

use crate::helpers::*;
use crate::registry::id_number;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";
const OTHER_TOWN: &str = "370602002000";
const OTHER_COMM: &str = "370602002001";

/// GET an export: status, the row count header, and the body.
async fn export(app: &TestApp, token: &str, path: &str) -> (StatusCode, Option<i64>, Vec<u8>) {
    let r = app
        .http
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let rows = r
        .headers()
        .get("x-zhili-rows")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    (r.status(), rows, r.bytes().await.unwrap().to_vec())
}

fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).unwrap()
}

fn grid() -> String {
    json!({ "type": "FeatureCollection", "features": [{ "type": "Feature", "properties": { "code": format!("{COMM}001") },
        "geometry": { "type": "Polygon", "coordinates": [[[121.40, 37.50], [121.41, 37.50], [121.41, 37.51], [121.40, 37.51], [121.40, 37.50]]] } }] })
        .to_string()
}

/// A grid, three buildings (one outside the grid, one with a comma and quotes in its name)
/// and their dwellings.
async fn seed_places(app: &TestApp, disp: &str) {
    let (status, rep) = import(app, disp, "grids", "application/geo+json", grid()).await;
    assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);
    let buildings = format!(
        "code,community_code,name,address,lon,lat,floors\n\
         {COMM}-B0001,{COMM},1号楼,友谊街1号,121.4051234,37.5057,6\n\
         {COMM}-B0002,{COMM},\"2号楼, \"\"东\"\"\",友谊街2号,,,4\n\
         {COMM}-B0003,{COMM},3号楼,友谊街3号,121.45,37.55,\n"
    );
    let (status, rep) = import(app, disp, "buildings", "text/csv", buildings).await;
    assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);
    let dwellings = format!(
        "building_code,unit,room,floor,use,area\n\
         {COMM}-B0001,1,0101,1,住宅,88.5\n\
         {COMM}-B0001,1,0102,1,commercial,\n\
         {COMM}-B0002,2,0301,3,,120\n\
         {COMM}-B0003,1,0001,,office,\n"
    );
    let (status, rep) = import(app, disp, "dwellings", "text/csv", dwellings).await;
    assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);
}

#[tokio::test]
async fn exported_buildings_and_dwellings_import_again_into_a_fresh_registry() {
    for (from, to) in spawn_all().await.into_iter().zip(spawn_all().await) {
        let disp = from.user("disp", "dispatcher", TOWN).await;
        seed_places(&from, &disp).await;
        let (status, rows, buildings) = export(&from, &disp, "/api/v1/export/buildings").await;
        assert_eq!((status, rows), (StatusCode::OK, Some(3)), "{}", from.label);
        let csv = text(&buildings);
        assert!(
            csv.starts_with("\u{feff}code,community_code,name,address,lon,lat,floors,grid_code\n"),
            "{}: {csv}",
            from.label
        );
        assert!(
            csv.contains(&format!(
                "{COMM}-B0001,{COMM},1号楼,友谊街1号,121.4051234,37.5057,6,{COMM}001\n"
            )) && csv.contains("\"2号楼, \"\"东\"\"\""),
            "{}: {csv}",
            from.label
        );
        let (_, rows, dwellings) = export(&from, &disp, "/api/v1/export/dwellings").await;
        assert_eq!(rows, Some(4));
        let (status, _, dwellings_xlsx) =
            export(&from, &disp, "/api/v1/export/dwellings?format=xlsx").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            dwellings_xlsx.starts_with(b"PK\x03\x04"),
            "an XLSX (zip) file"
        );

        // Into a fresh database: the grid, then the exported buildings (CSV) and dwellings
        // (the XLSX export); exporting again gives the same files.
        let disp2 = to.user("disp", "dispatcher", TOWN).await;
        let (status, _) = import(&to, &disp2, "grids", "application/geo+json", grid()).await;
        assert_eq!(status, StatusCode::OK);
        let (status, rep) = import(&to, &disp2, "buildings", "text/csv", buildings.clone()).await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(3)),
            "{}: {rep}",
            to.label
        );
        let (status, rep) = import(
            &to,
            &disp2,
            "dwellings",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            dwellings_xlsx,
        )
        .await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(4)),
            "{}: {rep}",
            to.label
        );
        let (_, _, again) = export(&to, &disp2, "/api/v1/export/buildings").await;
        assert_eq!(text(&again), csv, "{}: buildings round trip", to.label);
        let (_, _, again) = export(&to, &disp2, "/api/v1/export/dwellings").await;
        assert_eq!(
            text(&again),
            text(&dwellings),
            "{}: dwellings round trip",
            to.label
        );

        // One grid: the buildings outside it (or without a point) and their dwellings are left out.
        let (_, rows, body) = export(
            &from,
            &disp,
            &format!("/api/v1/export/dwellings?grid={COMM}001"),
        )
        .await;
        assert_eq!(rows, Some(2), "{}", from.label);
        let body = text(&body);
        assert!(body.contains("B0001") && !body.contains("B0002") && !body.contains("B0003"));
    }
}

#[tokio::test]
async fn residents_leave_masked_from_the_callers_jurisdiction_only_and_the_export_is_audited() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let other = app.user("other", "dispatcher", OTHER_TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        let aud = app.user("aud", "auditor", "370600000000").await;
        let sec = app.admin.clone();
        seed_places(&app, &disp).await;
        let ids: Vec<String> = (1..=3)
            .map(|i| id_number("370602", "19800101", i))
            .collect();
        let csv = format!(
            "name,id_number,phone,community_code,dwelling_code,kind\n\
             王小明,{},13912345678,{COMM},{COMM}-B0001-1-0101,owner\n\
             李四,{},13912345679,{COMM},,\n",
            ids[0], ids[1]
        );
        let (status, rep) = import(&app, &disp, "residents", "text/csv", csv).await;
        assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);
        let csv = format!(
            "name,id_number,phone,community_code\n赵六,{},13800000003,{OTHER_COMM}\n",
            ids[2]
        );
        let (status, rep) = import(&app, &other, "residents", "text/csv", csv).await;
        assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);

        let (status, rows, body) = export(&app, &disp, "/api/v1/export/residents").await;
        assert_eq!((status, rows), (StatusCode::OK, Some(2)), "{}", app.label);
        let out = text(&body);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{}: {out}", app.label);
        assert_eq!(
            lines[0],
            "\u{feff}name,id_number,phone,sex,birth_date,ethnicity,relation,community_code,grid_code,dwelling_code,confirmed_on"
        );
        assert!(
            lines[1].starts_with(&format!(
                "王**,370602********{},139****5678,male,",
                &ids[0][14..]
            )) && lines[1].contains(&format!("{COMM}-B0001-1-0101")),
            "{}: {out}",
            app.label
        );
        for secret in [&ids[0], &ids[1], "13912345678", "王小明", "赵", &ids[2]] {
            assert!(!out.contains(secret), "{}: {secret} in {out}", app.label);
        }
        // The grid worker exports masked too; XLSX as well.
        let (status, rows, xlsx) = export(
            &app,
            &gw,
            &format!("/api/v1/export/residents?division={COMM}&format=xlsx"),
        )
        .await;
        assert_eq!((status, rows), (StatusCode::OK, Some(2)), "{}", app.label);
        assert!(xlsx.starts_with(b"PK\x03\x04"));

        // Outside the jurisdiction: 404; admins: 403; bad kind 404; bad format 422 on `format`.
        let (status, _, _) = export(
            &app,
            &disp,
            &format!("/api/v1/export/residents?division={OTHER_COMM}"),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = export(&app, &sec, "/api/v1/export/residents").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, _) = export(&app, &disp, "/api/v1/export/cases").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, body) = export(&app, &disp, "/api/v1/export/residents?format=pdf").await;
        let e: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("format")),
            "{}: {e}",
            app.label
        );

        // The auditor sees who exported what, with the row count; the admin's attempt too.
        let (status, log) = app
            .get(&aud, "/api/v1/audit?action=registry.export&page_size=50")
            .await;
        assert_eq!(status, StatusCode::OK, "{}: {log}", app.label);
        let seen: Vec<(String, String, String)> = items(&log)
            .iter()
            .map(|e| {
                (
                    e["actor"].as_str().unwrap_or("").to_owned(),
                    e["outcome"].as_str().unwrap_or("").to_owned(),
                    e["detail"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        assert!(
            seen.iter().any(|(a, o, d)| a == "disp"
                && o == "success"
                && d == "kind=residents format=csv rows=2"),
            "{}: {seen:?}",
            app.label
        );
        assert!(
            seen.iter().any(|(a, o, d)| a == "gridw"
                && o == "success"
                && d == "kind=residents format=xlsx rows=2"),
            "{}: {seen:?}",
            app.label
        );
        assert!(
            seen.iter().any(|(_, o, _)| o == "denied"),
            "{}: the admin's attempt is recorded: {seen:?}",
            app.label
        );
    }
}

#[tokio::test]
async fn the_registry_page_links_exports_that_download_with_the_session() {
    for app in spawn_all().await {
        app.user("disp", "dispatcher", TOWN).await;
        let disp = app.login("disp", "Acc-pass-12345").await;
        seed_places(&app, &disp).await;
        let session = app.page_login("disp", "Acc-pass-12345").await;
        let page = app.page(&session, "/registry").await.text().await.unwrap();
        let link = "/registry/export/buildings?division=&#38;format=csv";
        assert!(page.contains(link), "{}: {page}", app.label);
        let r = app
            .page(&session, "/registry/export/buildings?division=&format=csv")
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers()["content-disposition"],
            "attachment; filename=\"buildings-370602001000.csv\""
        );
        assert_eq!(text(&r.bytes().await.unwrap()).lines().count(), 4);
    }
}
