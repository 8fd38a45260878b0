//! Grids and the registry through the real server on both backends: point → grid on polygons
//! with a hole and a shared edge, all-or-nothing imports naming the bad row, masking for the
//! grid worker, an audited reveal that needs a purpose, and who may do what.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";

/// Three grids of one community: A is a square with a square hole, C fills the hole, and B
/// shares A's east edge.
fn grids() -> Value {
    let sq = |x0: f64, y0: f64, x1: f64, y1: f64| {
        json!([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])
    };
    json!({
        "type": "FeatureCollection",
        "features": [
            { "type": "Feature", "properties": { "code": format!("{COMM}001"), "name": "一网格" },
              "geometry": { "type": "Polygon", "coordinates": [sq(121.40, 37.50, 121.41, 37.51), sq(121.403, 37.503, 121.406, 37.506)] } },
            { "type": "Feature", "properties": { "code": format!("{COMM}002"), "name": "二网格" },
              "geometry": { "type": "Polygon", "coordinates": [sq(121.41, 37.50, 121.42, 37.51)] } },
            { "type": "Feature", "properties": { "code": format!("{COMM}003"), "name": "三网格" },
              "geometry": { "type": "MultiPolygon", "coordinates": [[sq(121.403, 37.503, 121.406, 37.506)]] } },
        ]
    })
}

pub fn id_number(region: &str, birth: &str, seq: u32) -> String {
    let first = format!("{region}{birth}{seq:03}");
    let check = zhili_domain::person::IdCardNo::check_char(&first).unwrap();
    format!("{first}{check}")
}

async fn hazard_at(app: &TestApp, token: &str, lon: f64, lat: f64) -> Value {
    let (status, c) = app
        .post(token, "/api/v1/cases", json!({
            "kind": "hazard", "category": "fire", "title": "楼道堆放杂物", "description": "消防通道堵塞",
            "channel": "grid_report", "community_code": COMM, "parties": [],
            "location": { "lat": lat, "lon": lon }
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{}: {c}", app.label);
    c
}

#[tokio::test]
async fn a_case_at_a_point_lands_in_its_grid_across_holes_and_shared_edges() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        let (status, rep) = import(
            &app,
            &disp,
            "grids",
            "application/geo+json",
            grids().to_string(),
        )
        .await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(3)),
            "{}: {rep}",
            app.label
        );
        let (status, fc) = app
            .get(&gw, &format!("/api/v1/grids?community={COMM}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let codes: Vec<&str> = fc["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                format!("{COMM}001"),
                format!("{COMM}002"),
                format!("{COMM}003")
            ]
        );
        for (lon, lat, want) in [
            (121.401, 37.501, Some("001")), // in A's ring
            (121.404, 37.504, Some("003")), // in A's hole, which C fills
            (121.415, 37.505, Some("002")),
            (121.43, 37.505, None), // outside every grid: the community given, no grid
        ] {
            let c = hazard_at(&app, &gw, lon, lat).await;
            assert_eq!(
                c["grid_code"].as_str(),
                want.map(|w| format!("{COMM}{w}")).as_deref(),
                "{}: ({lon}, {lat})",
                app.label
            );
            assert_eq!(c["community_code"], COMM);
        }
        // A point on the edge A and B share belongs to exactly one of them.
        let c = hazard_at(&app, &gw, 121.41, 37.505).await;
        let g = c["grid_code"].as_str().unwrap_or_default().to_owned();
        assert!(
            g.ends_with("001") || g.ends_with("002"),
            "{}: shared edge gave {g:?}",
            app.label
        );
        // A grid whose code is not in its community, or a broken outline: 422 naming the row.
        let mut bad = grids();
        bad["features"][1]["geometry"]["coordinates"] = json!([[[121.41, 37.5], [121.42, 37.5]]]);
        let (status, rep) = import(
            &app,
            &disp,
            "grids",
            "application/geo+json",
            bad.to_string(),
        )
        .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {rep}",
            app.label
        );
        assert_eq!(
            (
                rep["errors"][0]["row"].as_i64(),
                rep["errors"][0]["column"].as_str()
            ),
            (Some(3), Some("geometry"))
        );
    }
}

#[tokio::test]
async fn an_import_with_one_bad_id_number_imports_nothing_and_names_that_row() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let mut csv = String::from("name,id_number,phone,community_code\n");
        let mut rows: Vec<String> = (0..10_000)
            .map(|i| {
                format!(
                    "居民{i},{},139{i:08},{COMM}",
                    id_number(
                        "370602",
                        &format!("19{:02}0{}1{}", 50 + i % 49, 1 + i % 9, i % 10),
                        i % 1000
                    )
                )
            })
            .collect();
        let good = rows.clone();
        // Row 4321 (line 4322 of the file) gets a wrong check character.
        let id = rows[4321].split(',').nth(1).unwrap().to_owned();
        let wrong = format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' });
        rows[4321] = rows[4321].replace(&id, &wrong);
        csv.push_str(&rows.join("\n"));
        let (status, rep) = import(&app, &disp, "residents", "text/csv", csv).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}: {rep}",
            app.label
        );
        assert_eq!(rep["imported"], 0);
        assert_eq!(rep["errors"].as_array().unwrap().len(), 1);
        assert_eq!(
            (
                rep["errors"][0]["row"].as_i64(),
                rep["errors"][0]["column"].as_str()
            ),
            (Some(4323), Some("id_number"))
        );
        let (_, list) = app
            .get(
                &disp,
                &format!("/api/v1/residents?division={COMM}&page_size=1"),
            )
            .await;
        assert_eq!(list["total"], 0, "{}: nothing written", app.label);
        // The clean file imports whole; a second run refuses the duplicates and writes nothing.
        let clean = format!("name,id_number,phone,community_code\n{}\n", good.join("\n"));
        let (status, rep) = import(&app, &disp, "residents", "text/csv", clean.clone()).await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(10_000)),
            "{}: {rep}",
            app.label
        );
        let (status, rep) = import(&app, &disp, "residents", "text/csv", clean).await;
        assert_eq!(
            (status, rep["errors"][0]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("resident.duplicate"))
        );
        let (_, list) = app
            .get(
                &disp,
                &format!("/api/v1/residents?division={COMM}&page_size=1"),
            )
            .await;
        assert_eq!(list["total"], 10_000);
        // With skip_invalid the valid rows go in and the report names the skipped one.
        let more = format!(
            "name,id_number,phone,community_code\n新居民,{},13900000001,{COMM}\n错号,370602199001011230,13900000002,{COMM}\n",
            id_number("370602", "20000101", 7)
        );
        let r = app
            .http
            .post(app.url("/api/v1/import/residents?skip_invalid=true"))
            .bearer_auth(&disp)
            .header("content-type", "text/csv")
            .body(more)
            .send()
            .await
            .unwrap();
        let rep: Value = r.json().await.unwrap();
        assert_eq!(
            (
                rep["imported"].as_i64(),
                rep["skipped"].as_i64(),
                rep["errors"][0]["row"].as_i64()
            ),
            (Some(1), Some(1), Some(3)),
            "{}: {rep}",
            app.label
        );
        // A long file (past the point where SQLite builds the phone index at the end) whose
        // last row repeats its first: nothing written, that line named, and the index is back.
        let mut long: Vec<String> = (0..6_000)
            .map(|i| {
                format!(
                    "新{i},{},138{i:08},{COMM}",
                    id_number(
                        "370602",
                        &format!("20{:02}0{}1{}", 1 + i % 20, 1 + i % 9, i % 10),
                        i % 1000
                    )
                )
            })
            .collect();
        long[5_999] = long[0].replace("新0,", "重复,");
        let body = format!("name,id_number,phone,community_code\n{}\n", long.join("\n"));
        let (status, rep) = import(&app, &disp, "residents", "text/csv", body).await;
        assert_eq!(
            (
                status,
                rep["errors"][0]["row"].as_i64(),
                rep["errors"][0]["code"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(6_001),
                Some("resident.duplicate")
            ),
            "{}: {rep}",
            app.label
        );
        long[5_999] = format!(
            "新末,{},13800009999,{COMM}",
            id_number("370602", "20300101", 1)
        );
        let body = format!("name,id_number,phone,community_code\n{}\n", long.join("\n"));
        let (status, rep) = import(&app, &disp, "residents", "text/csv", body).await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(6_000)),
            "{}: {rep}",
            app.label
        );
        for (phone, name) in [("13800009999", "新*"), ("13800000005", "新*")] {
            let (_, found) = app
                .get(&disp, &format!("/api/v1/residents?lookup={phone}"))
                .await;
            assert_eq!(found["total"], 1, "{}: {phone}: {found}", app.label);
            assert_eq!(found["items"][0]["name"], name, "{}", app.label);
        }
    }
}

#[tokio::test]
async fn grid_workers_see_masked_data_and_a_reveal_needs_a_purpose_and_is_audited() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        let aud = app.user("aud", "auditor", "370600000000").await;
        let other = app.user("other", "dispatcher", "370602002000").await;
        let id = id_number("370602", "19800101", 41);
        let csv =
            format!("姓名,身份证号,电话,村居代码,民族\n王小明,{id},13912345678,{COMM},汉族\n");
        let (status, rep) = import(&app, &disp, "residents", "text/csv", csv).await;
        assert_eq!(status, StatusCode::OK, "{}: {rep}", app.label);
        let (status, list) = app
            .get(&gw, &format!("/api/v1/residents?division={COMM}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = list.to_string();
        assert!(
            !text.contains(&id) && !text.contains("13912345678") && !text.contains("王小明"),
            "{}: {text}",
            app.label
        );
        let r = &items(&list)[0];
        assert_eq!(
            (
                r["id_number"].as_str(),
                r["sex"].as_str(),
                r["birth_date"].as_str()
            ),
            (
                Some(&*format!("370602********{}", &id[14..])),
                Some("male"),
                Some("1980")
            ),
            "masked views show the birth year only: with the masked ID the full date would give the number away"
        );
        let rid = r["id"].as_i64().unwrap();
        // Find by ID number through the keyed hash.
        let (_, found) = app
            .get(&disp, &format!("/api/v1/residents?lookup={id}"))
            .await;
        assert_eq!(found["total"], 1);
        // No purpose: 422 on `purpose`; a grid worker: 403; another township's dispatcher: 404.
        let (status, e) = app
            .post(&disp, &format!("/api/v1/residents/{rid}/reveal"), json!({}))
            .await;
        assert_eq!(
            (status, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("purpose"))
        );
        let (status, _) = app
            .post(
                &gw,
                &format!("/api/v1/residents/{rid}/reveal"),
                json!({ "purpose": "核实身份" }),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .post(
                &other,
                &format!("/api/v1/residents/{rid}/reveal"),
                json!({ "purpose": "核实身份" }),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, full) = app
            .post(
                &disp,
                &format!("/api/v1/residents/{rid}/reveal"),
                json!({ "purpose": "调解需要核实当事人身份" }),
            )
            .await;
        assert_eq!(
            (
                status,
                full["id_number"].as_str(),
                full["phone"].as_str(),
                full["name"].as_str()
            ),
            (
                StatusCode::OK,
                Some(&*id),
                Some("13912345678"),
                Some("王小明")
            )
        );
        let (status, au) = app
            .get(&aud, &format!("/api/v1/audit?subject=resident:{rid}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        let recs = items(&au);
        let ok: Vec<&Value> = recs.iter().filter(|a| a["outcome"] == "success").collect();
        assert_eq!(ok.len(), 1, "{}: {au}", app.label);
        assert_eq!(
            (ok[0]["actor"].as_str(), ok[0]["detail"].as_str()),
            (Some("disp"), Some("调解需要核实当事人身份"))
        );
        assert!(
            recs.iter()
                .any(|a| a["actor"] == "gridw" && a["outcome"] == "denied"),
            "the refused attempt is on record too"
        );
        // The security admin sees no residents; the auditor reads the log, not the registry.
        let (status, _) = app.get(&app.admin, "/api/v1/residents").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.get(&aud, "/api/v1/residents").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Nothing personal is stored in the clear.
        let (_, c) = app
            .get(
                &disp,
                &format!("/api/v1/registry/consistency?division={COMM}"),
            )
            .await;
        assert_eq!(
            (
                c["residents"].as_i64(),
                c["residents_without_dwelling"].as_i64()
            ),
            (Some(1), Some(1)),
            "{}: {c}",
            app.label
        );
    }
}
