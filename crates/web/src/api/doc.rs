//! The OpenAPI 3 document of the JSON API. The operations come from the handlers'
//! `#[utoipa::path]` annotations as `api::documented` registers them; this file holds what is
//! common to all of them (title, tags, security schemes, the error body, the
//! `Idempotency-Key` header) and serves the result: `/api/openapi.json` (public) and a plain
//! list of the operations at `/api/docs`, rendered here without any script.

use crate::error::ErrorBody;
use crate::AppState;
use askama::Template;
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use utoipa::openapi::path::{HttpMethod, Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder};
use utoipa::openapi::security::{SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, Required, ResponseBuilder};

/// The bearer scheme's name in the document.
pub const BEARER: &str = "bearer";
/// The API-key scheme's name (`X-Api-Key`, for machine clients such as feeds).
pub const API_KEY: &str = "api_key";

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "治理 Zhili API",
        description = "基层社会治理平台的 JSON 接口。除登录、群众查询与本文档外，均需 \
                       `Authorization: Bearer <token>`（由 `POST /api/v1/auth/login` 取得）。\
                       错误一律为 `{\"code\",\"message\",\"field\"}`：`code` 为稳定的机器码，\
                       `message` 为中文说明，`field` 指出出错的字段。\
                       创建类的 POST 可带 `Idempotency-Key` 头：重放返回首次的响应。",
        license(name = "MIT"),
    ),
    tags(
        (name = "auth", description = "登录、退出与当前用户"),
        (name = "divisions", description = "行政区划（国家统计局统计用区划代码）"),
        (name = "organisation", description = "组织机构：调解组织、部门、工作片区"),
        (name = "users", description = "用户与角色（三权分立：仅安全管理员可管理）"),
        (name = "cases", description = "案件：登记、查询、流转、调解记录"),
        (name = "attachments", description = "案件附件"),
        (name = "routing", description = "分派规则"),
        (name = "public", description = "群众查询与评价（无需登录，凭查询码）"),
        (name = "stats", description = "统计分析"),
        (name = "indices", description = "综合指数与部门数据上报"),
        (name = "reports", description = "指数报告（期刊）"),
        (name = "notifications", description = "站内通知"),
        (name = "registry", description = "网格、人口与房屋"),
        (name = "import", description = "批量导入（CSV、XLSX、GeoJSON）"),
        (name = "alerts", description = "预警推送（X-Api-Key）与预警值守"),
        (name = "webhooks", description = "外部推送订阅与投递记录"),
        (name = "audit", description = "审计日志"),
        (name = "meta", description = "本文档"),
    ),
    components(schemas(ErrorBody)),
)]
pub struct ApiDoc;

/// What holds for every operation, added once the router has collected them: operations that
/// declare no security need a bearer token (and may answer 401); creating POSTs take an
/// `Idempotency-Key`; every operation's other errors have the error body.
pub fn conventions(doc: &mut OpenApi) {
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        BEARER,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("登录取得的令牌：`Authorization: Bearer <token>`"))
                .build(),
        ),
    );
    components.add_security_scheme(
        API_KEY,
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Api-Key",
            "机器客户端（数据订阅等）的密钥",
        ))),
    );
    for item in doc.paths.paths.values_mut() {
        for (method, op) in operations(item) {
            // `security(())`: anyone; `security(("api_key" = []))`: machine clients.
            let declared = op.security.is_some();
            let anonymous = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter()
                    .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
            });
            if !declared {
                op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
                add_error(op, "401", "未登录或令牌已失效（`auth.required`）");
            }
            if method == HttpMethod::Post && !anonymous {
                add_idempotency_key(op);
            }
            add_error(op, "default", "其他错误（见 `code` 与 `message`）");
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

/// The error body as a response.
pub fn error_response(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

fn add_error(op: &mut Operation, status: &str, description: &str) {
    if !op.responses.responses.contains_key(status) {
        op.responses
            .responses
            .insert(status.to_owned(), error_response(description).into());
    }
}

fn add_idempotency_key(op: &mut Operation) {
    let param = ParameterBuilder::new()
        .name(crate::idempotency::HEADER)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "幂等键（至多 255 个字符）：同一用户以同一键重发同一请求时，返回首次的响应并带 \
             `Idempotent-Replayed: true`；同一键而请求体不同 → 422 `idempotency.key_reused`；\
             首次请求尚未完成 → 409 `idempotency.in_progress`。保存 24 小时。",
        ))
        .schema(Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(utoipa::openapi::Type::String)
                .max_length(Some(crate::idempotency::MAX_KEY_LEN)),
        ))
        .build();
    op.parameters.get_or_insert_with(Vec::new).push(param);
    add_error(
        op,
        "409",
        "冲突（含同一幂等键的首次请求尚未完成：`idempotency.in_progress`）",
    );
}

/// `/api/openapi.json` and `/api/docs`, both public.
pub fn routes(doc: &OpenApi) -> Router<AppState> {
    let json: Arc<str> = doc
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".to_owned())
        .into();
    let page: Arc<str> = render_page(doc).into();
    Router::new()
        .route(
            "/api/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .route(
            "/api/docs",
            get(move || {
                let page = page.clone();
                async move { Html(page.to_string()).into_response() }
            }),
        )
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct DocsPage {
    title: String,
    version: String,
    groups: Vec<TagGroup>,
}

struct TagGroup {
    name: String,
    description: String,
    operations: Vec<OperationLine>,
}

struct OperationLine {
    method: &'static str,
    path: String,
    summary: String,
    public: bool,
}

fn render_page(doc: &OpenApi) -> String {
    let mut groups: Vec<TagGroup> = doc
        .tags
        .iter()
        .flatten()
        .map(|t| TagGroup {
            name: t.name.clone(),
            description: t.description.clone().unwrap_or_default(),
            operations: Vec::new(),
        })
        .collect();
    let mut doc = doc.clone();
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in operations(item) {
            let tag = op.tags.iter().flatten().next().cloned().unwrap_or_default();
            let line = OperationLine {
                method: method_name(&method),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                public: op
                    .security
                    .as_ref()
                    .is_some_and(|s| !s.iter().any(|r| *r != SecurityRequirement::default())),
            };
            match groups.iter_mut().find(|g| g.name == tag) {
                Some(g) => g.operations.push(line),
                None => groups.push(TagGroup {
                    name: tag,
                    description: String::new(),
                    operations: vec![line],
                }),
            }
        }
    }
    groups.retain(|g| !g.operations.is_empty());
    DocsPage {
        title: doc.info.title.clone(),
        version: doc.info.version.clone(),
        groups,
    }
    .render()
    .unwrap_or_else(|e| format!("render error: {e}"))
}

fn method_name(m: &HttpMethod) -> &'static str {
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Patch => "PATCH",
        _ => "OTHER",
    }
}
