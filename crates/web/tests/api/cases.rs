use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const COMM: &str = "370602001001"; // 友谊街社区, 向阳街道, 芝罘区
const TOWN: &str = "370602001000";

pub(crate) fn dispute(title: &str) -> Value {
    json!({
        "kind": "dispute", "category": "neighbour", "title": title,
        "description": "楼上住户夜间装修，多次协商未果。", "channel": "window", "community_code": COMM,
        "parties": [{"name": "张三", "phone": "13800000001", "role": "applicant"},
                    {"name": "李四", "phone": "13800000002", "role": "respondent"}]
    })
}

pub(crate) async fn act(app: &TestApp, token: &str, id: i64, body: Value) -> (StatusCode, Value) {
    app.post(token, &format!("/api/v1/cases/{id}/actions"), body)
        .await
}

#[tokio::test]
async fn a_walk_in_dispute_goes_from_intake_to_a_rated_closure_and_the_stats_show_it() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let leader = app.user("county-leader", "leader", "370602000000").await;
        let (status, c) = app
            .post(&clerk, "/api/v1/cases", dispute("邻居装修噪音纠纷"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{}: {c}", app.label);
        let number = c["number"].as_str().unwrap();
        assert!(
            number.starts_with("370602-20") && number.len() == 18,
            "{number}"
        );
        assert_eq!(c["state"], "submitted");
        let id = c["id"].as_i64().unwrap();
        assert_eq!(
            act(&app, &disp, id, json!({"action": "accept"})).await.0,
            StatusCode::OK
        );
        let (status, c) = act(&app, &disp, id, json!({"action": "assign"})).await;
        assert_eq!(status, StatusCode::OK, "{c}");
        assert_eq!(
            (
                c["assignee"]["node"].as_str(),
                c["assignee"]["level"].as_str()
            ),
            (Some("370602001001-M01"), Some("community")),
            "{}: routed to the community committee",
            app.label
        );
        assert!(c["due_at"].as_str().unwrap().ends_with("+08:00"));
        let med = app.user("med", "mediator", "370602001001-M01").await;
        assert_eq!(
            act(&app, &med, id, json!({"action": "start"})).await.0,
            StatusCode::OK
        );
        let (status, body) = act(
            &app,
            &med,
            id,
            json!({"action": "resolve", "reason": "达成协议"}),
        )
        .await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("agreement")),
            "a dispute resolves with its agreed terms"
        );
        assert_eq!(
            act(
                &app,
                &med,
                id,
                json!({"action": "resolve", "agreement": "晚十点后停止施工"})
            )
            .await
            .0,
            StatusCode::OK
        );
        let (status, body) = act(&app, &med, id, json!({"action": "verify_and_close"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.forbidden"))
        );
        let (status, c) = act(
            &app,
            &disp,
            id,
            json!({"action": "verify_and_close", "reason": "回访核实"}),
        )
        .await;
        assert_eq!(
            (status, c["state"].as_str(), c["closed_on_time"].as_bool()),
            (StatusCode::OK, Some("closed"), Some(true))
        );
        let events: Vec<&str> = c["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            events,
            [
                "create",
                "accept",
                "assign",
                "start",
                "resolve",
                "verify_and_close"
            ],
            "{}",
            app.label
        );
        let code = c["tracking_code"].as_str().unwrap().to_owned();
        let (status, tr) = app.get("", &format!("/api/v1/track/{code}")).await;
        assert_eq!(
            (status, tr["state"].as_str(), tr["can_rate"].as_bool()),
            (StatusCode::OK, Some("closed"), Some(true))
        );
        let text = tr.to_string();
        assert!(
            !text.contains("李四") && !text.contains("13800000002") && !text.contains("张三"),
            "{text}"
        );
        let (status, _) = app
            .post(
                "",
                &format!("/api/v1/track/{code}/rating"),
                json!({"score": 6}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            app.post(
                "",
                &format!("/api/v1/track/{code}/rating"),
                json!({"score": 5, "comment": "满意"})
            )
            .await
            .0,
            StatusCode::OK
        );
        assert_eq!(
            app.post(
                "",
                &format!("/api/v1/track/{code}/rating"),
                json!({"score": 1})
            )
            .await
            .0,
            StatusCode::CONFLICT,
            "a case is rated once"
        );
        let (status, st) = app
            .get(
                &leader,
                "/api/v1/stats?division=370602000000&from=2000-01-01&to=2100-01-01",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (st["received"].as_i64(), st["closed"].as_i64()),
            (Some(1), Some(1)),
            "{}: {st}",
            app.label
        );
        assert_eq!(
            (
                st["on_time_rate"].as_f64(),
                st["success_rate"].as_f64(),
                st["satisfaction"].as_f64()
            ),
            (Some(1.0), Some(1.0), Some(5.0))
        );
        let (_, other) = app
            .get(
                &leader,
                "/api/v1/stats?division=370611000000&from=2000-01-01&to=2100-01-01",
            )
            .await;
        assert_eq!(
            other["code"], "division.not_found",
            "another county is outside 芝罘区"
        );
    }
}

#[tokio::test]
async fn escalation_keeps_the_number_and_both_levels_see_the_whole_timeline() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let med = app.user("med", "mediator", "370602001001-M01").await;
        let other = app.user("other-disp", "dispatcher", "370602002000").await;
        let (_, c) = app
            .post(&clerk, "/api/v1/cases", dispute("宅基地边界争议"))
            .await;
        let id = c["id"].as_i64().unwrap();
        for a in ["accept", "assign"] {
            assert_eq!(
                act(&app, &disp, id, json!({"action": a})).await.0,
                StatusCode::OK
            );
        }
        act(&app, &med, id, json!({"action": "start"})).await;
        let session = json!({"held_at": "2026-11-20T09:30", "place": "友谊街社区调解室", "mediator": "王调解员", "attendees": "张三、李四", "notes": "双方各执一词"});
        let (status, s) = app
            .post(
                &med,
                &format!("/api/v1/cases/{id}/sessions"),
                session.clone(),
            )
            .await;
        assert_eq!(
            (status, s["held_at"].as_str()),
            (StatusCode::CREATED, Some("2026-11-20T09:30:00+08:00")),
            "{}: {s}",
            app.label
        );
        assert_eq!(
            app.post(&other, &format!("/api/v1/cases/{id}/sessions"), session)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (status, body) = act(&app, &med, id, json!({"action": "escalate"})).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
            "escalating needs a reason"
        );
        let (status, up) = act(
            &app,
            &med,
            id,
            json!({"action": "escalate", "reason": "社区无法化解"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(up["number"], c["number"]);
        assert_eq!(
            (
                up["assignee"]["node"].as_str(),
                up["assignee"]["level"].as_str(),
                up["escalations"].as_i64()
            ),
            (Some("370602001000-M01"), Some("township"), Some(1)),
            "{}",
            app.label
        );
        let (status, mine) = app.get(&med, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "the community mediator still sees what it sent up"
        );
        assert_eq!(
            mine["events"].as_array().unwrap().len(),
            up["events"].as_array().unwrap().len()
        );
        assert_eq!(
            mine["actions"].as_array().unwrap().len(),
            0,
            "but may no longer act on it"
        );
        let town_med = app.user("town-med", "mediator", "370602001000-M01").await;
        let (_, seen) = app.get(&town_med, &format!("/api/v1/cases/{id}")).await;
        assert!(
            seen["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "start"),
            "the township committee takes it up: {seen}"
        );
        assert_eq!(
            app.get(&other, &format!("/api/v1/cases/{id}")).await.0,
            StatusCode::NOT_FOUND,
            "{}: another township",
            app.label
        );
        let (_, listed) = app.get(&other, "/api/v1/cases").await;
        assert_eq!(listed["total"].as_i64(), Some(0));
    }
}

#[tokio::test]
async fn bad_input_is_422_with_the_field_and_writes_nothing() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let cases = [
            (json!({"title": ""}), "title"),
            (json!({"category": "no_such"}), "category"),
            (json!({"category": "fire"}), "category"),
            (json!({"community_code": "370602002001"}), "community_code"),
            (json!({"community_code": "370699999999"}), "community_code"),
            (json!({"channel": "fax"}), "channel"),
            (
                json!({"parties": [{"name": "张三", "phone": "123", "role": "applicant"}]}),
                "phone",
            ),
            (
                json!({"parties": [{"name": "张三", "id_number": "370602199001011234", "role": "applicant"}]}),
                "id_number",
            ),
            (json!({"parties": []}), "parties"),
        ];
        for (patch, field) in cases {
            let mut body = dispute("x");
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            let (status, err) = app.post(&clerk, "/api/v1/cases", body).await;
            assert_eq!(
                (status, err["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{}: {patch} -> {err}",
                app.label
            );
        }
        let (status, err) = app
            .post(&clerk, "/api/v1/cases", json!({"kind": "dispute"}))
            .await;
        assert_eq!(
            (status, err["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("category")),
            "a missing field is named: {err}"
        );
        let leader = app.user("leader2", "leader", TOWN).await;
        assert_eq!(
            app.get(&leader, "/api/v1/cases").await.1["total"].as_i64(),
            Some(0),
            "{}: nothing was written",
            app.label
        );
    }
}

#[tokio::test]
async fn roles_are_enforced_and_illegal_transitions_are_409() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", TOWN).await;
        let disp = app.user("disp", "dispatcher", TOWN).await;
        let (_, c) = app.post(&clerk, "/api/v1/cases", dispute("测试")).await;
        let id = c["id"].as_i64().unwrap();
        let (status, body) = act(&app, &app.admin, id, json!({"action": "accept"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("auth.forbidden")),
            "the security admin handles no cases"
        );
        assert_eq!(
            act(&app, &clerk, id, json!({"action": "accept"})).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, body) = act(&app, &disp, id, json!({"action": "verify_and_close"})).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::CONFLICT, Some("case.illegal_transition"))
        );
        assert_eq!(
            act(&app, &disp, id, json!({"action": "fly"})).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let leader = app.user("t-leader", "leader", TOWN).await;
        assert_eq!(
            app.post(&leader, "/api/v1/cases", dispute("领导登记"))
                .await
                .0,
            StatusCode::FORBIDDEN,
            "leaders read, they do not register"
        );
        // Suspension stops the clock and blocks work until resumed.
        act(&app, &disp, id, json!({"action": "accept"})).await;
        let (_, assigned) = act(&app, &disp, id, json!({"action": "assign"})).await;
        let due = assigned["due_at_ms"].as_i64().unwrap();
        let (_, s) = act(
            &app,
            &disp,
            id,
            json!({"action": "suspend", "reason": "当事人住院"}),
        )
        .await;
        assert_eq!(s["suspended"], true);
        let med = app.user("med", "mediator", "370602001001-M01").await;
        assert_eq!(
            act(&app, &med, id, json!({"action": "start"})).await.0,
            StatusCode::CONFLICT
        );
        let (_, r) = act(&app, &disp, id, json!({"action": "resume"})).await;
        assert!(
            r["due_at_ms"].as_i64().unwrap() >= due && r["suspended"] == false,
            "{}: {r}",
            app.label
        );
        assert_eq!(
            act(&app, &med, id, json!({"action": "start"})).await.0,
            StatusCode::OK
        );
        // A leader may press on a case but sees the parties masked; the dispatcher's read is audited.
        assert_eq!(
            act(&app, &leader, id, json!({"action": "supervise"}))
                .await
                .0,
            StatusCode::OK
        );
        let (_, seen) = app.get(&leader, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(
            (
                seen["masked"].as_bool(),
                seen["parties"][0]["phone"].as_str(),
                seen["supervised"].as_bool()
            ),
            (Some(true), Some("138****0001"), Some(true)),
            "{seen}"
        );
        let (_, full) = app.get(&disp, &format!("/api/v1/cases/{id}")).await;
        assert_eq!(full["parties"][0]["phone"], "13800000001");
        let auditor = app.login("auditor", "zhili-demo").await;
        let (_, log) = app
            .get(
                &auditor,
                &format!("/api/v1/audit?object=case:{id}&action=case.read_personal"),
            )
            .await;
        assert!(
            items(&log).iter().any(|r| r["actor"] == "disp"),
            "{}: the unmasked read is audited",
            app.label
        );
    }
}

#[tokio::test]
async fn case_numbers_count_per_county_and_lists_filter() {
    for app in spawn_all().await {
        let clerk = app.user("clerk", "window_clerk", "370602000000").await;
        let mut numbers = Vec::new();
        for i in 0..3 {
            let (_, c) = app
                .post(&clerk, "/api/v1/cases", dispute(&format!("案件{i}")))
                .await;
            numbers.push(c["number"].as_str().unwrap().to_owned());
        }
        let seqs: Vec<&str> = numbers.iter().map(|n| &n[12..]).collect();
        assert_eq!(seqs, ["000001", "000002", "000003"], "{}", app.label);
        let labour = json!({"kind": "dispute", "category": "labour.wages", "title": "拖欠工资", "description": "工地拖欠三个月工资", "channel": "hotline",
            "community_code": "370602002001", "parties": [{"name": "王五", "role": "applicant"}]});
        let (_, l) = app.post(&clerk, "/api/v1/cases", labour).await;
        let disp = app.user("county-disp", "dispatcher", "370602000000").await;
        let id = l["id"].as_i64().unwrap();
        act(&app, &disp, id, json!({"action": "accept"})).await;
        let (_, routed) = act(&app, &disp, id, json!({"action": "assign"})).await;
        assert_eq!(
            (
                routed["assignee"]["kind"].as_str(),
                routed["assignee"]["level"].as_str()
            ),
            (Some("body"), Some("county")),
            "{}: labour goes to the county's labour body: {routed}",
            app.label
        );
        let (_, hot) = app.get(&disp, "/api/v1/cases?channel=hotline").await;
        assert_eq!(hot["total"].as_i64(), Some(1));
        let (_, neigh) = app
            .get(&disp, "/api/v1/cases?category=neighbour&state=submitted")
            .await;
        assert_eq!(neigh["total"].as_i64(), Some(3));
        let (_, t) = app.get(&disp, "/api/v1/cases?division=370602002000").await;
        assert_eq!(t["total"].as_i64(), Some(1));
        assert_eq!(
            app.get(&disp, "/api/v1/cases?overdue=maybe").await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
