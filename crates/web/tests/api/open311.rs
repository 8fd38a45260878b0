//! Open311 GeoReport v2 through HTTP: services and definitions, a form-encoded POST with an
//! API key becoming a case on channel `api` that a dispatcher sees, the request read back by
//! id, token and filters, FixMyStreet's `servicerequestupdates`, and the spec's errors. Every
//! JSON answer is validated against the official schemas (`tests/open311_schemas/`); every
//! XML answer is parsed and its element names checked.

use crate::cases::{act, dispute};
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const TOWN: &str = "370602001000";
const COMM: &str = "370602001001";
/// A point inside the test grid `COMM` + `001`.
const LAT: &str = "37.505";
const LONG: &str = "121.405";

fn schema_text(name: &str) -> Value {
    let path = format!(
        "{}/tests/open311_schemas/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Validate `v` against the vendored schema `name` (its `$ref`s resolved to the siblings).
fn validate(name: &str, v: &Value) {
    let errors = schema_errors(name, v);
    assert!(errors.is_empty(), "{name}: {errors:?}\n{v}");
}

fn schema_errors(name: &str, v: &Value) -> Vec<String> {
    let mut opts = jsonschema::options().should_validate_formats(true);
    for sibling in ["request.json", "service.json"] {
        let r = jsonschema::Resource::from_contents(schema_text(sibling)).unwrap();
        opts = opts.with_resource(format!("json-schema:///{sibling}"), r);
    }
    let validator = opts.build(&schema_text(name)).expect("schema compiles");
    validator
        .iter_errors(v)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect()
}

#[test]
fn the_vendored_schemas_refuse_what_the_spec_refuses() {
    let good = json!([{ "service_request_id": "1", "status": "open", "service_code": "a", "requested_datetime": "2026-11-26T09:30:00+08:00" }]);
    assert!(schema_errors("requests.json", &good).is_empty());
    for (k, bad) in [
        ("status", json!("pending")),
        ("requested_datetime", json!("yesterday")),
        ("lat", json!("37.5")),
        ("media_url", json!("not a uri")),
    ] {
        let mut v = good.clone();
        v[0][k] = bad;
        assert!(!schema_errors("requests.json", &v).is_empty(), "{k}");
    }
    assert!(!schema_errors(
        "request-response.json",
        &json!([{ "service_request_id": "1", "account_id": null }])
    )
    .is_empty());
    assert!(!schema_errors("services.json", &json!([{ "service_code": "a", "service_name": "b", "metadata": false, "type": "sometimes" }])).is_empty());
}

async fn get_raw(app: &TestApp, path: &str) -> (StatusCode, String, String) {
    let r = app.http.get(app.url(path)).send().await.unwrap();
    let ctype = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status(), ctype, r.text().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let (s, ctype, body) = get_raw(app, path).await;
    assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
    (s, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Parse an XML answer: the declaration is there, the root is `root`; the child element
/// names of each item.
fn xml_items(body: &str, root: &str) -> Vec<Vec<String>> {
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "{body}"
    );
    let doc = roxmltree::Document::parse(body).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), root, "{body}");
    doc.root_element()
        .children()
        .filter(|n| n.is_element())
        .map(|item| {
            item.children()
                .filter(|n| n.is_element())
                .map(|n| n.tag_name().name().to_owned())
                .collect()
        })
        .collect()
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = app
        .http
        .post(app.url(path))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The error body of the spec, in JSON: one `{code, description}` with the HTTP status.
fn assert_error(status: StatusCode, body: &str, want: StatusCode, why: &str) {
    assert_eq!(status, want, "{why}: {body}");
    let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    assert_eq!(
        v[0]["code"].as_i64(),
        Some(i64::from(want.as_u16())),
        "{why}: {body}"
    );
    assert!(
        v[0]["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{why}: {body}"
    );
}

/// A grid around (LAT, LONG), a dispatcher of the town, a key for Open311 and one bound to an
/// alert source.
async fn setup(app: &TestApp) -> (String, String, String) {
    let disp = app.user("disp", "dispatcher", TOWN).await;
    import_youyi_grid(app, &disp).await;
    let op = operator();
    app.core.ensure_alert_sources(&op).await.unwrap();
    let key = app
        .core
        .add_api_key(&op, "城市服务 App", None)
        .await
        .unwrap()
        .secret;
    let bound = app
        .core
        .add_api_key(&op, "campus", Some("campus-alarm"))
        .await
        .unwrap()
        .secret;
    (disp, key, bound)
}

fn streetlight(key: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", key),
        ("service_code", "municipal.streetlight"),
        ("lat", LAT),
        ("long", LONG),
        ("address_string", "芝罘区幸福街道 幸福路 12 号对面"),
        (
            "description",
            "路灯不亮，夜间行人不便。联系电话 13812345678",
        ),
        ("attribute[fault]", "dark"),
        ("attribute[pole_number]", "ZF-0123"),
        ("first_name", "小明"),
        ("last_name", "王"),
        ("phone", "13812345678"),
        ("email", "wang@example.com"),
        ("media_url", "https://img.example.com/p/1.jpg"),
    ]
}

#[tokio::test]
async fn services_are_the_public_categories_with_definitions_in_both_formats() {
    for app in spawn_all().await {
        let (status, services) = get_json(&app, "/open311/v2/services.json").await;
        assert_eq!(status, StatusCode::OK);
        validate("services.json", &services);
        let codes: Vec<&str> = services
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        assert!(
            codes.contains(&"municipal.streetlight") && codes.contains(&"fire"),
            "{codes:?}"
        );
        let (_, cats) = app.get(&app.admin, "/api/v1/categories").await;
        for c in cats["items"].as_array().or(cats.as_array()).unwrap() {
            let public = matches!(c["kind"].as_str(), Some("hazard" | "service_request"));
            assert_eq!(
                codes.contains(&c["code"].as_str().unwrap()),
                public,
                "{}: {c}",
                app.label
            );
        }
        let light = services
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_code"] == "municipal.streetlight")
            .unwrap();
        assert_eq!(
            (
                light["metadata"].as_bool(),
                light["type"].as_str(),
                light["group"].as_str()
            ),
            (Some(true), Some("realtime"), Some("市政设施"))
        );

        let (status, ctype, xml) = get_raw(&app, "/open311/v2/services.xml").await;
        assert_eq!(status, StatusCode::OK);
        assert!(ctype.starts_with("text/xml"), "{ctype}");
        let items = xml_items(&xml, "services");
        assert_eq!(items.len(), codes.len());
        assert_eq!(
            items[0],
            [
                "service_code",
                "service_name",
                "description",
                "metadata",
                "type",
                "keywords",
                "group"
            ]
        );

        let (status, def) = get_json(&app, "/open311/v2/services/municipal.streetlight.json").await;
        assert_eq!(status, StatusCode::OK);
        validate("service-definition.json", &def);
        assert_eq!(def["attributes"][1]["code"], "fault");
        assert_eq!(
            def["attributes"][1]["values"][0],
            json!({ "key": "dark", "name": "不亮" })
        );
        let (_, _, xml) = get_raw(&app, "/open311/v2/services/municipal.streetlight.xml").await;
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_definition");
        let keys: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("key"))
            .filter_map(|n| n.text())
            .collect();
        assert_eq!(keys, ["dark", "flicker", "daylight", "damaged"]);

        for path in [
            "/open311/v2/services/neighbour.noise.json",
            "/open311/v2/services/fraud.json",
            "/open311/v2/services/nothing.json",
            "/open311/v2/services.json?jurisdiction_id=110000000000",
        ] {
            let (status, _, body) = get_raw(&app, path).await;
            assert_error(status, &body, StatusCode::NOT_FOUND, path);
        }
        let (status, _, body) = get_raw(&app, "/open311/v2/services/neighbour.noise.xml").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(xml_items(&body, "errors"), [["code", "description"]]);
        let (status, _, _) = get_raw(&app, "/open311/v2/services.html").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get_json(
            &app,
            "/open311/v2/services.json?jurisdiction_id=370600000000",
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        let (status, d) = get_json(&app, "/open311/discovery.json").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            d["endpoints"][0]["specification"],
            "http://wiki.open311.org/GeoReport_v2"
        );
        assert!(d["endpoints"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/open311/v2"));
        let (_, _, xml) = get_raw(&app, "/open311/v2/discovery.xml").await;
        assert!(xml.contains("<format>text/xml</format>"), "{xml}");
    }
}

#[tokio::test]
async fn a_form_post_with_a_key_becomes_an_api_case_the_dispatcher_sees() {
    for app in spawn_all().await {
        let (disp, key, bound) = setup(&app).await;
        let form = streetlight(&key);
        let without: Vec<_> = form
            .iter()
            .copied()
            .filter(|(k, _)| *k != "api_key")
            .collect();
        let (status, body) = post_form(&app, "/open311/v2/requests.json", &without).await;
        assert_error(status, &body, StatusCode::FORBIDDEN, "no key");
        for k in ["zk_wrong", bound.as_str()] {
            let mut f = without.clone();
            f.push(("api_key", k));
            let (status, body) = post_form(&app, "/open311/v2/requests.json", &f).await;
            assert_error(
                status,
                &body,
                StatusCode::FORBIDDEN,
                "a wrong key, or one bound to an alert source",
            );
        }
        let (status, body) = post_form(&app, "/open311/v2/requests.xml", &without).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(xml_items(&body, "errors"), [["code", "description"]]);

        let (status, body) = post_form(&app, "/open311/v2/requests.json", &form).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", app.label);
        let receipt: Value = serde_json::from_str(&body).unwrap();
        validate("request-response.json", &receipt);
        let id = receipt[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let token = receipt[0]["token"].as_str().unwrap().to_owned();
        assert!(id.starts_with("370602-20"), "{id}");

        let (status, one) = get_json(&app, &format!("/open311/v2/requests/{id}.json")).await;
        assert_eq!(status, StatusCode::OK);
        validate("requests.json", &one);
        assert_eq!(
            one.as_array().unwrap().len(),
            1,
            "an array even for one request"
        );
        let r = &one[0];
        assert_eq!(
            (r["service_request_id"].as_str(), r["status"].as_str()),
            (Some(id.as_str()), Some("open"))
        );
        assert_eq!(
            (r["service_code"].as_str(), r["service_name"].as_str()),
            (Some("municipal.streetlight"), Some("路灯"))
        );
        assert_eq!(
            (r["lat"].as_f64(), r["long"].as_f64()),
            (Some(37.505), Some(121.405))
        );
        assert_eq!(r["media_url"], "https://img.example.com/p/1.jpg");
        assert!(r["requested_datetime"]
            .as_str()
            .unwrap()
            .ends_with("+08:00"));
        let d = r["description"].as_str().unwrap();
        assert!(d.contains("故障情况：不亮") && d.contains("ZF-0123"), "{d}");
        for secret in ["13812345678", "王小明", "小明", "wang@example.com"] {
            assert!(
                !one.to_string().contains(secret),
                "{}: {secret} leaked: {one}",
                app.label
            );
        }

        let (_, _, xml) = get_raw(&app, &format!("/open311/v2/requests/{id}.xml")).await;
        let fields = xml_items(&xml, "service_requests");
        assert_eq!(fields.len(), 1);
        for name in [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url",
        ] {
            assert!(fields[0].iter().any(|n| n == name), "{name} missing: {xml}");
        }

        let (status, t) = get_json(&app, &format!("/open311/v2/tokens/{token}.json")).await;
        assert_eq!(status, StatusCode::OK);
        validate("token-response.json", &t);
        assert_eq!(t[0]["service_request_id"], id.as_str());
        let (_, _, xml) = get_raw(&app, &format!("/open311/v2/tokens/{token}.xml")).await;
        assert_eq!(
            xml_items(&xml, "service_requests"),
            [["service_request_id", "token"]]
        );
        for path in [
            "/open311/v2/tokens/NOSUCHTOKEN.json",
            "/open311/v2/requests/does-not-exist-999.json",
        ] {
            let (status, _, body) = get_raw(&app, path).await;
            assert_error(status, &body, StatusCode::NOT_FOUND, path);
        }

        // The dispatcher of the town sees it: channel api, in the grid, the applicant kept.
        let (_, list) = app.get(&disp, "/api/v1/cases?channel=api").await;
        let found = items(&list)
            .iter()
            .find(|c| c["number"] == id.as_str())
            .expect("listed")
            .clone();
        let (status, case) = app
            .get(&disp, &format!("/api/v1/cases/{}", found["id"]))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            (case["channel"].as_str(), case["kind"].as_str()),
            (Some("api"), Some("service_request"))
        );
        assert_eq!(case["grid_code"], format!("{COMM}001"));
        assert_eq!(case["parties"][0]["name"], "王小明", "{case}");
        let session = app.page_login("disp", "Acc-pass-12345").await;
        let page = app.page(&session, "/cases").await.text().await.unwrap();
        assert!(
            page.contains(&id),
            "{}: the request is on the /cases page",
            app.label
        );
    }
}

#[tokio::test]
async fn bad_posts_are_400_naming_the_field_and_write_nothing() {
    for app in spawn_all().await {
        let (disp, key, _) = setup(&app).await;
        let base = streetlight(&key);
        let with = |k: &'static str, v: &'static str| -> Vec<(&str, &str)> {
            let mut f: Vec<_> = base.iter().copied().filter(|(x, _)| *x != k).collect();
            f.push((k, v));
            f
        };
        for (form, field) in [
            (with("service_code", ""), "service_code"),
            (with("service_code", "neighbour.noise"), "service_code"),
            (with("service_code", "fraud"), "service_code"),
            (with("lat", "north"), "lat"),
            (with("lat", "95"), "lat"),
            (with("lat", "39.9"), "lat"),
            (with("description", " "), "description"),
            (with("attribute[fault]", "sparks"), "attribute"),
            (with("attribute[colour]", "red"), "attribute"),
            (with("media_url", "javascript:alert(1)"), "media_url"),
            (with("phone", "12345"), "phone"),
            (with("address_id", "110101001001"), "address_id"),
            (with("jurisdiction_id", "110000000000"), ""),
        ] {
            let (status, body) = post_form(&app, "/open311/v2/requests.json", &form).await;
            if field.is_empty() {
                assert_error(status, &body, StatusCode::NOT_FOUND, "another jurisdiction");
                continue;
            }
            assert_error(status, &body, StatusCode::BAD_REQUEST, field);
            let v: Value = serde_json::from_str(&body).unwrap();
            assert!(
                v[0]["description"].as_str().unwrap().starts_with(field),
                "{field}: {body}"
            );
        }
        let r = app
            .http
            .post(app.url("/open311/v2/requests.json"))
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let big = format!("api_key={key}&description={}", "x".repeat(70_000));
        let r = app
            .http
            .post(app.url("/open311/v2/requests.json"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let (_, list) = app.get(&disp, "/api/v1/cases?channel=api").await;
        assert_eq!(
            list["total"].as_i64(),
            Some(0),
            "{}: nothing written",
            app.label
        );

        // A community code as address_id places a request without a point.
        let form: Vec<(&str, &str)> = vec![
            ("api_key", &key),
            ("service_code", "sanitation"),
            ("address_id", COMM),
            ("description", "垃圾桶满溢"),
        ];
        let (status, body) = post_form(&app, "/open311/v2/requests.json", &form).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn requests_filter_by_the_spec_and_updates_show_the_finer_stages() {
    for app in spawn_all().await {
        let (disp, key, _) = setup(&app).await;
        let (_, body) = post_form(&app, "/open311/v2/requests.json", &streetlight(&key)).await;
        let light: Value = serde_json::from_str(&body).unwrap();
        let light = light[0]["service_request_id"].as_str().unwrap().to_owned();
        let form: Vec<(&str, &str)> = vec![
            ("api_key", &key),
            ("service_code", "sanitation"),
            ("lat", LAT),
            ("long", LONG),
            ("description", "垃圾桶满溢"),
        ];
        let (_, body) = post_form(&app, "/open311/v2/requests.json", &form).await;
        let trash: Value = serde_json::from_str(&body).unwrap();
        let trash = trash[0]["service_request_id"].as_str().unwrap().to_owned();
        // A dispute registered by staff never appears.
        let (_, d) = app.post(&disp, "/api/v1/cases", dispute("邻里纠纷")).await;
        let dispute_no = d["number"].as_str().unwrap().to_owned();

        let ids = |v: &Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (status, all) = get_json(&app, "/open311/v2/requests.json").await;
        assert_eq!(status, StatusCode::OK);
        validate("requests.json", &all);
        assert_eq!(
            ids(&all),
            [trash.clone(), light.clone()],
            "newest first, no dispute"
        );
        let (_, _, xml) = get_raw(&app, "/open311/v2/requests.xml").await;
        assert_eq!(xml_items(&xml, "service_requests").len(), 2);
        let (status, _, body) =
            get_raw(&app, &format!("/open311/v2/requests/{dispute_no}.json")).await;
        assert_error(status, &body, StatusCode::NOT_FOUND, "a dispute by id");

        for (query, want) in [
            ("service_code=sanitation", vec![trash.clone()]),
            (
                "service_code=sanitation,municipal.streetlight",
                vec![trash.clone(), light.clone()],
            ),
            (
                &*format!("service_request_id={light},{dispute_no}&status=closed"),
                vec![light.clone()],
            ),
            ("status=closed", vec![]),
            ("status=open", vec![trash.clone(), light.clone()]),
            ("start_date=2099-01-01T00:00:00Z", vec![]),
            ("end_date=2000-01-01T00:00:00%2B08:00", vec![]),
            (
                "jurisdiction_id=370600000000&status=open,closed",
                vec![trash.clone(), light.clone()],
            ),
        ] {
            let (status, v) = get_json(&app, &format!("/open311/v2/requests.json?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {v}");
            validate("requests.json", &v);
            assert_eq!(ids(&v), want, "{}: {query}", app.label);
        }
        for (query, want) in [
            ("status=pending", StatusCode::BAD_REQUEST),
            ("start_date=yesterday", StatusCode::BAD_REQUEST),
            (
                "start_date=2026-01-02T00:00:00Z&end_date=2026-01-01T00:00:00Z",
                StatusCode::BAD_REQUEST,
            ),
            (
                "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                StatusCode::BAD_REQUEST,
            ),
            ("jurisdiction_id=310000000000", StatusCode::NOT_FOUND),
        ] {
            let (status, _, body) =
                get_raw(&app, &format!("/open311/v2/requests.json?{query}")).await;
            assert_error(status, &body, want, query);
        }

        // The dispatcher turns the rubbish request away: closed, not_councils_responsibility.
        let (_, list) = app.get(&disp, "/api/v1/cases?channel=api").await;
        let case_id = items(&list)
            .iter()
            .find(|c| c["number"] == trash.as_str())
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let (status, _) = act(
            &app,
            &disp,
            case_id,
            json!({"action": "reject", "reason": "属物业管理范围，已告知物业"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let (_, v) = get_json(&app, "/open311/v2/requests.json?status=closed").await;
        validate("requests.json", &v);
        assert_eq!(ids(&v), vec![trash.clone()]);
        assert_eq!(v[0]["extended_status"], "not_councils_responsibility");
        assert_eq!(v[0]["expected_datetime"], Value::Null);

        let (status, u) = get_json(&app, "/open311/v2/servicerequestupdates.json").await;
        assert_eq!(status, StatusCode::OK);
        let steps: Vec<(&str, &str)> = u
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["service_request_id"].as_str().unwrap(),
                    x["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            steps.contains(&(trash.as_str(), "not_councils_responsibility")),
            "{u}"
        );
        assert!(steps.contains(&(light.as_str(), "open")), "{u}");
        assert!(
            !steps.iter().any(|(n, _)| *n == dispute_no),
            "no dispute in the updates"
        );
        assert!(
            !u.to_string().contains("物业管理范围"),
            "reasons are not published: {u}"
        );
        for x in u.as_array().unwrap() {
            assert!(x["updated_datetime"].as_str().unwrap().ends_with("+08:00"));
            assert!(x["update_id"].as_str().is_some());
        }
        let (_, _, xml) = get_raw(&app, "/open311/v2/servicerequestupdates.xml").await;
        assert_eq!(
            xml_items(&xml, "service_request_updates")[0],
            [
                "update_id",
                "service_request_id",
                "status",
                "updated_datetime",
                "description",
                "media_url"
            ]
        );
        let (status, _, body) =
            get_raw(&app, "/open311/v2/servicerequestupdates.json?start_date=x").await;
        assert_error(status, &body, StatusCode::BAD_REQUEST, "bad start_date");
    }
}
