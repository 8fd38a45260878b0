use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_hierarchy_reads_back_with_the_real_counts() {
    for app in spawn_all().await {
        let (status, city) = app.get(&app.admin, "/api/v1/divisions/370600000000").await;
        assert_eq!(status, StatusCode::OK);
        let c = &city["counts"];
        assert_eq!(
            (
                c["county"].as_i64(),
                c["township"].as_i64(),
                c["community"].as_i64()
            ),
            (Some(13), Some(159), Some(6509)),
            "{}",
            app.label
        );
        assert_eq!(
            (
                city["name"].as_str(),
                city["level"].as_str(),
                city["kind"].as_str()
            ),
            (Some("烟台市"), Some("city"), Some("prefecture_city"))
        );
        let (_, counties) = app
            .get(&app.admin, "/api/v1/divisions?level=county&page_size=100")
            .await;
        assert_eq!(items(&counties).len(), 13);
        assert!(items(&counties)
            .iter()
            .any(|d| d["name"] == "芝罘区" && d["parent_code"] == "370600000000"));
        let (_, comms) = app
            .get(
                &app.admin,
                "/api/v1/divisions?level=community&parent=370602001000&page_size=500",
            )
            .await;
        assert_eq!(items(&comms).len(), 8, "向阳街道 has 8 communities");
        let (_, paged) = app
            .get(
                &app.admin,
                "/api/v1/divisions?level=community&page_size=1000&page=7",
            )
            .await;
        assert_eq!(
            (paged["total"].as_i64(), items(&paged).len()),
            (Some(6509), 509),
            "{}: paging",
            app.label
        );
        let (_, found) = app
            .get(&app.admin, "/api/v1/divisions?q=%E5%90%91%E9%98%B3")
            .await;
        assert!(
            items(&found).iter().any(|d| d["code"] == "370602001000"),
            "search by name finds 向阳街道"
        );
    }
}

#[tokio::test]
async fn a_township_user_gets_404_for_a_sibling_township_and_its_bodies() {
    for app in spawn_all().await {
        let t1 = app
            .user("t1-dispatcher", "dispatcher", "370602001000")
            .await;
        assert_eq!(
            app.get(&t1, "/api/v1/divisions/370602001000").await.0,
            StatusCode::OK
        );
        let (status, body) = app.get(&t1, "/api/v1/divisions/370602002000").await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("division.not_found")),
            "{}",
            app.label
        );
        assert_eq!(
            app.get(&t1, "/api/v1/divisions/370602000000").await.0,
            StatusCode::NOT_FOUND,
            "not even the county above"
        );
        assert_eq!(
            app.get(&t1, "/api/v1/divisions/379999999999").await.0,
            StatusCode::NOT_FOUND,
            "an absent code looks the same"
        );
        assert_eq!(
            app.get(&t1, "/api/v1/bodies?division=370602002000").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&t1, "/api/v1/bodies/370602002001-M01").await.0,
            StatusCode::NOT_FOUND
        );
        let (_, mine) = app.get(&t1, "/api/v1/bodies?page_size=100").await;
        assert!(items(&mine).iter().all(|b| b["division_code"]
            .as_str()
            .unwrap()
            .starts_with("370602001")));
        let (_, listed) = app
            .get(&t1, "/api/v1/divisions?level=township&page_size=100")
            .await;
        assert_eq!(
            items(&listed).len(),
            1,
            "{}: lists show only the user's own subtree",
            app.label
        );
    }
}

#[tokio::test]
async fn bodies_cover_every_community_and_the_city_sector_bodies() {
    for app in spawn_all().await {
        let (_, city) = app
            .get(
                &app.admin,
                "/api/v1/bodies?division=370600000000&type=body&page_size=1",
            )
            .await;
        assert_eq!(city["total"].as_i64(), Some(6509 + 159 + 13 * 4 + 11 + 16), "{}: committees; 4 bodies per county and a court-guided centre in the 11 with courts; 16 city bodies", app.label);
        let (_, youyi) = app
            .get(&app.admin, "/api/v1/bodies?division=370602001001")
            .await;
        let b = &items(&youyi)[0];
        assert_eq!(
            (b["code"].as_str(), b["kind"].as_str(), b["level"].as_str()),
            (
                Some("370602001001-M01"),
                Some("peoples_committee"),
                Some("community")
            )
        );
    }
}

#[tokio::test]
async fn a_system_admin_groups_communities_into_a_work_area_and_its_user_sees_only_them() {
    for app in spawn_all().await {
        let sys = app.login("sysadmin", "zhili-demo").await;
        let req = serde_json::json!({"township": "370602001000", "name": "向阳街道第一片区", "communities": ["370602001001", "370602001002"]});
        let (status, body) = app
            .post(&app.admin, "/api/v1/work-areas", req.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{}: only the system admin configures the organisation: {body}",
            app.label
        );
        let bad = serde_json::json!({"township": "370602001000", "name": "越界", "communities": ["370602002001"]});
        let (status, body) = app.post(&sys, "/api/v1/work-areas", bad).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("communities"))
        );
        let (status, wa) = app.post(&sys, "/api/v1/work-areas", req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(wa["code"], "370602001000-W01");
        let w = app.user("wa-leader", "leader", "370602001000-W01").await;
        let (_, seen) = app
            .get(&w, "/api/v1/divisions?parent=370602001000-W01")
            .await;
        let codes: Vec<_> = items(&seen)
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(codes, ["370602001001", "370602001002"], "{}", app.label);
        assert_eq!(
            app.get(&w, "/api/v1/divisions/370602001003").await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&w, "/api/v1/divisions/370602001000").await.0,
            StatusCode::NOT_FOUND,
            "not the township itself"
        );
        let (_, bodies) = app.get(&w, "/api/v1/bodies?page_size=50").await;
        assert_eq!(items(&bodies).len(), 2, "the two communities' committees");
    }
}
