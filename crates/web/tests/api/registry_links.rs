//! Buildings, dwellings, occupancy and visits: the links the 人房两清 report counts, XLSX
//! imports with Chinese headers, and a visit confirming a building's people.

use crate::helpers::*;
use crate::registry::id_number;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";

fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn buildings_dwellings_and_people_link_up_and_the_report_counts_the_gaps() {
    for app in spawn_all().await {
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let gw = app.user("gridw", "grid_worker", COMM).await;
        import_youyi_grid(&app, &disp).await;
        let b1 = format!("{COMM}-B0001");
        let b2 = format!("{COMM}-B0002");
        let buildings = format!("code,community_code,name,address,lon,lat,floors\n{b1},{COMM},1号楼,友谊街1号,121.405,37.505,6\n{b2},{COMM},2号楼,友谊街2号,,,4\n");
        let (status, rep) =
            import(&app, &disp, "buildings", "text/csv", buildings.into_bytes()).await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(2)),
            "{}: {rep}",
            app.label
        );
        let (_, list) = app
            .get(&disp, &format!("/api/v1/buildings?division={COMM}"))
            .await;
        let grids: Vec<Value> = items(&list)
            .iter()
            .map(|b| b["grid_code"].clone())
            .collect();
        assert_eq!(
            grids,
            [json!(format!("{COMM}001")), Value::Null],
            "the building with a point is placed in its grid"
        );
        // A dwelling in a building that does not exist: 422 naming that row, nothing written.
        let dw = format!(
            "building_code,unit,room,floor\n{b1},1,101,1\n{b1},1,102,1\n{COMM}-B0099,1,101,1\n"
        );
        let (status, rep) = import(&app, &disp, "dwellings", "text/csv", dw.into_bytes()).await;
        assert_eq!(
            (
                status,
                rep["errors"][0]["row"].as_i64(),
                rep["errors"][0]["column"].as_str()
            ),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(4),
                Some("building_code")
            ),
            "{}: {rep}",
            app.label
        );
        // The same as XLSX with Chinese headers, without the bad row.
        let x = xlsx(&[
            vec!["楼栋编码", "单元", "房号", "楼层"],
            vec![&b1, "1", "101", "1"],
            vec![&b1, "1", "102", "1"],
            vec![&b2, "1", "201", "2"],
        ]);
        let (status, rep) = import(
            &app,
            &disp,
            "dwellings",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            x,
        )
        .await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(3)),
            "{}: {rep}",
            app.label
        );
        // Three people: one in 101, one in 101 and (as a tenant) in 201 at once, one with no dwelling.
        let (a, b, c) = (
            id_number("370602", "19700101", 11),
            id_number("370602", "19800202", 22),
            id_number("370602", "19900303", 33),
        );
        let d101 = format!("{b1}-1-101");
        let d201 = format!("{b2}-1-201");
        let people = format!("name,id_number,phone,community_code,dwelling_code,kind\n甲,{a},13900000011,{COMM},{d101},owner\n乙,{b},13900000022,{COMM},{d101},resident\n丙,{c},,{COMM},,\n");
        let (status, rep) = import(&app, &disp, "residents", "text/csv", people.into_bytes()).await;
        assert_eq!(
            (status, rep["imported"].as_i64()),
            (StatusCode::OK, Some(3)),
            "{}: {rep}",
            app.label
        );
        let occ = format!("id_number,dwelling_code,kind,from,to\n{b},{d201},tenant,2025-01-01,\n{c},{COMM}-B0001-9-999,resident,,\n");
        let (status, rep) = import(&app, &disp, "occupancy", "text/csv", occ.into_bytes()).await;
        assert_eq!(
            (status, rep["errors"][0]["row"].as_i64()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(3)),
            "an unknown dwelling names its row: {rep}"
        );
        let occ = format!("id_number,dwelling_code,kind,from,to\n{b},{d201},tenant,2025-01-01,\n");
        let (status, _) = import(&app, &disp, "occupancy", "text/csv", occ.into_bytes()).await;
        assert_eq!(status, StatusCode::OK);
        let (_, r) = app
            .get(
                &disp,
                &format!("/api/v1/registry/consistency?division={COMM}"),
            )
            .await;
        let got = |k: &str| r[k].as_i64().unwrap_or(-1);
        assert_eq!(
            (
                got("buildings"),
                got("dwellings"),
                got("residents"),
                got("dwellings_without_occupant"),
                got("residents_without_dwelling"),
                got("conflicting_links"),
                got("unconfirmed_residents")
            ),
            (2, 3, 3, 1, 1, 1, 3),
            "{}: {r}",
            app.label
        );
        // The grid worker visits building 1: its dwellings and their people are confirmed.
        let (status, v) = app
            .post(
                &gw,
                &format!("/api/v1/grids/{COMM}001/visits"),
                json!({ "building_code": b1, "found": "入户核实，人房一致" }),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {v}", app.label);
        let (_, r) = app
            .get(
                &disp,
                &format!("/api/v1/registry/consistency?division={COMM}"),
            )
            .await;
        assert_eq!(
            (
                r["unconfirmed_residents"].as_i64(),
                r["unconfirmed_dwellings"].as_i64()
            ),
            (Some(1), Some(1)),
            "{}: {r}",
            app.label
        );
        let (_, visits) = app
            .get(&gw, &format!("/api/v1/grids/{COMM}001/visits"))
            .await;
        assert_eq!(visits[0]["found"], "入户核实，人房一致");
        // A visit needs what was found.
        let (status, e) = app
            .post(
                &gw,
                &format!("/api/v1/grids/{COMM}001/visits"),
                json!({ "found": " " }),
            )
            .await;
        assert_eq!(
            (status, e["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("found"))
        );
        // A grid worker may not import.
        let (status, _) = import(
            &app,
            &gw,
            "residents",
            "text/csv",
            b"name,id_number,phone,community_code\n".to_vec(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
