//! The OpenAPI document: public, valid OpenAPI 3, listing every route the API serves, and
//! agreeing with the router and with real responses.

use crate::cases::dispute;
use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Every operation of the JSON API (method, path) as of this document's introduction.
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/api/v1/alerts"),
    ("get", "/api/v1/export/{kind}"),
    ("post", "/api/v1/alerts"),
    ("post", "/api/v1/alerts/{id}/acknowledge"),
    ("post", "/api/v1/alerts/{id}/contact"),
    ("get", "/api/v1/reports/{index}/{n}"),
    ("get", "/api/v1/webhooks"),
    ("post", "/api/v1/webhooks"),
    ("delete", "/api/v1/webhooks/{id}"),
    ("get", "/api/v1/webhooks/{id}/deliveries"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/me"),
    ("get", "/api/v1/divisions"),
    ("get", "/api/v1/divisions/{code}"),
    ("get", "/api/v1/bodies"),
    ("post", "/api/v1/bodies"),
    ("get", "/api/v1/bodies/{code}"),
    ("get", "/api/v1/work-areas"),
    ("post", "/api/v1/work-areas"),
    ("get", "/api/v1/users"),
    ("post", "/api/v1/users"),
    ("get", "/api/v1/users/{id}"),
    ("put", "/api/v1/users/{id}/role"),
    ("get", "/api/v1/categories"),
    ("get", "/api/v1/cases"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{id}"),
    ("post", "/api/v1/cases/{id}/actions"),
    ("get", "/api/v1/cases/{id}/sessions"),
    ("post", "/api/v1/cases/{id}/sessions"),
    ("get", "/api/v1/cases/{id}/attachments"),
    ("post", "/api/v1/cases/{id}/attachments"),
    ("get", "/api/v1/cases/{id}/attachments/{aid}"),
    ("get", "/api/v1/routing-rules"),
    ("post", "/api/v1/routing-rules"),
    ("delete", "/api/v1/routing-rules/{id}"),
    ("get", "/api/v1/track/{code}"),
    ("post", "/api/v1/track/{code}/rating"),
    ("get", "/api/v1/stats"),
    ("get", "/api/v1/indices"),
    ("get", "/api/v1/indices/{id}/scores"),
    ("post", "/api/v1/indices/{id}/data"),
    ("get", "/api/v1/reports"),
    ("post", "/api/v1/reports"),
    ("get", "/api/v1/notifications"),
    ("post", "/api/v1/notifications/read"),
    ("get", "/api/v1/grids"),
    ("get", "/api/v1/grids/{code}/visits"),
    ("post", "/api/v1/grids/{code}/visits"),
    ("get", "/api/v1/residents"),
    ("get", "/api/v1/residents/{id}"),
    ("post", "/api/v1/residents/{id}/reveal"),
    ("get", "/api/v1/registry/consistency"),
    ("get", "/api/v1/buildings"),
    ("get", "/api/v1/buildings/{code}/dwellings"),
    ("post", "/api/v1/import/{kind}"),
    ("get", "/api/v1/audit"),
    ("get", "/api/v1/audit/verify"),
];

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

async fn document(app: &TestApp) -> Value {
    let resp = app
        .http
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{}", app.label);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    resp.json().await.unwrap()
}

/// Every (method, path, operation) in the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut v = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                v.push((m.to_owned(), path.clone(), op.clone()));
            }
        }
    }
    v
}

#[tokio::test]
async fn the_openapi_document_is_public_valid_openapi_3_and_every_operation_has_responses() {
    for app in spawn_all().await {
        let doc = document(&app).await;
        let parsed = oas3::from_json(doc.to_string()).expect("the document parses as OpenAPI 3.1");
        assert!(parsed.openapi.starts_with("3.1"), "{}", parsed.openapi);
        let paths = parsed.paths.as_ref().unwrap();
        assert!(paths.len() >= 10, "{}", paths.len());
        let schemes = &parsed.components.as_ref().unwrap().security_schemes;
        assert!(schemes.contains_key("bearer") && schemes.contains_key("api_key"));
        for (path, item) in paths {
            for (method, op) in item.methods() {
                assert!(
                    op.responses.as_ref().is_some_and(|r| !r.is_empty()),
                    "{method} {path}"
                );
            }
        }
        let tags: Vec<&str> = doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        for (method, path, op) in operations(&doc) {
            let what = format!("{method} {path}");
            let responses = op["responses"].as_object().expect(&what);
            assert!(
                responses.keys().any(|s| s.starts_with('2')),
                "{what}: a success response"
            );
            assert!(responses.contains_key("default"), "{what}: the error body");
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}"
            );
            let tag = op["tags"][0].as_str().expect(&what);
            assert!(tags.contains(&tag), "{what}: tag {tag} is declared");
            let public = op["security"] == serde_json::json!([{}]);
            let machine = op["security"] == serde_json::json!([{ "api_key": [] }]);
            if !public && !machine {
                assert_eq!(op["security"][0]["bearer"], serde_json::json!([]), "{what}");
                assert!(responses.contains_key("401"), "{what}");
            }
            let takes_key = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header");
            assert_eq!(
                takes_key,
                method == "post" && !public,
                "{what}: Idempotency-Key"
            );
        }
        let public: Vec<String> = operations(&doc)
            .into_iter()
            .filter(|(_, _, op)| op["security"] == serde_json::json!([{}]))
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect();
        assert_eq!(
            public,
            [
                "post /api/v1/auth/login",
                "get /api/v1/track/{code}",
                "post /api/v1/track/{code}/rating"
            ]
        );
    }
}

#[tokio::test]
async fn the_document_lists_every_api_route_and_every_documented_route_is_served() {
    for app in spawn_all().await {
        let doc = document(&app).await;
        let listed: Vec<(String, String)> = operations(&doc)
            .into_iter()
            .map(|(m, p, _)| (m, p))
            .collect();
        for (m, p) in OPERATIONS {
            assert!(
                listed.contains(&(m.to_string(), p.to_string())),
                "{m} {p} is in the document"
            );
        }
        // The router answers every documented operation: no documented path falls through
        // to the API's 404 or answers 405.
        for (m, p) in &listed {
            let url = app.url(&p.replace("{kind}", "residents").replace(['{', '}'], ""));
            let method = reqwest::Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let resp = app.http.request(method, url).send().await.unwrap();
            let status = resp.status();
            let body: Value = resp.json().await.unwrap_or(Value::Null);
            assert_ne!(body["code"], "route.not_found", "{m} {p}");
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{m} {p}");
        }
    }
}

#[test]
fn the_api_router_registers_routes_only_through_their_annotations() {
    // `routes!(handler)` adds a handler to the router and to the document together; a bare
    // `.route(` would serve an undocumented operation.
    let src = include_str!("../../src/api/mod.rs");
    assert!(
        !src.contains(".route("),
        "api/mod.rs registers a route without routes!()"
    );
    let doc = zhili_web::api::openapi();
    let n: usize = doc
        .paths
        .paths
        .values()
        .map(|i| {
            [&i.get, &i.post, &i.put, &i.delete, &i.patch]
                .iter()
                .filter(|o| o.is_some())
                .count()
        })
        .sum();
    assert_eq!(
        n,
        OPERATIONS.len(),
        "every operation is listed in this test"
    );
}

/// The keys of a JSON object are properties of the named schema, and its required
/// properties are there.
fn conforms(doc: &Value, schema: &str, v: &Value) {
    let s = &doc["components"]["schemas"][schema];
    let props = s["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("schema {schema}"));
    let obj = v.as_object().unwrap_or_else(|| panic!("{schema}: {v}"));
    for k in obj.keys() {
        assert!(props.contains_key(k), "{schema} documents `{k}`");
    }
    for r in s["required"].as_array().into_iter().flatten() {
        assert!(
            obj.contains_key(r.as_str().unwrap()),
            "{schema}: `{r}` is present: {v}"
        );
    }
}

#[tokio::test]
async fn the_documented_schemas_match_what_the_api_answers() {
    for app in spawn_all().await {
        let doc = document(&app).await;
        let clerk = app.user("clerk", "window_clerk", "370602001000").await;
        let (status, created) = app
            .post(&clerk, "/api/v1/cases", dispute("空调外机滴水"))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        conforms(&doc, "CaseResponse", &created);
        let id = created["id"].as_i64().unwrap();
        let (_, full) = app.get(&clerk, &format!("/api/v1/cases/{id}")).await;
        conforms(&doc, "CaseResponse", &full);
        for e in full["events"].as_array().unwrap() {
            conforms(&doc, "EventResponse", e);
        }
        let (_, list) = app.get(&clerk, "/api/v1/cases").await;
        conforms(&doc, "CaseResponse", &items(&list)[0]);
        let (_, me) = app.get(&clerk, "/api/v1/me").await;
        conforms(&doc, "MeResponse", &me);
        conforms(&doc, "User", &me["user"]);
        let (_, users) = app.get(&app.admin, "/api/v1/users").await;
        conforms(&doc, "User", &items(&users)[0]);
        let (_, divisions) = app.get(&clerk, "/api/v1/divisions").await;
        conforms(&doc, "DivisionResponse", &items(&divisions)[0]);
        let (_, bodies) = app.get(&clerk, "/api/v1/bodies").await;
        conforms(&doc, "UnitResponse", &items(&bodies)[0]);
        let (_, cats) = app.get(&clerk, "/api/v1/categories").await;
        conforms(&doc, "CategoryResponse", &cats[0]);
        let (_, err) = app.get(&clerk, "/api/v1/cases/999999").await;
        conforms(&doc, "ErrorBody", &err);
    }
}

#[tokio::test]
async fn the_docs_page_lists_the_operations_without_scripts() {
    for app in spawn_all().await {
        let resp = app.http.get(app.url("/api/docs")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let html = resp.text().await.unwrap();
        assert!(html.contains("/api/v1/cases/{id}/actions"), "{html}");
        assert!(html.contains("登记案件"));
        assert!(html.contains("/api/openapi.json"));
        assert!(!html.contains("<script"));
    }
}
