use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zhili_app::routing_admin::NewRuleRequest;
use zhili_domain::routing::RoutingRule;

#[derive(Serialize, ToSchema)]
pub struct RuleResponse {
    id: i64,
    within: Option<String>,
    kind: Option<&'static str>,
    category: Option<String>,
    target: String,
}

impl From<RoutingRule> for RuleResponse {
    fn from(r: RoutingRule) -> Self {
        Self {
            id: r.id,
            within: r.within.map(|w| w.to_string()),
            kind: r.kind.map(|k| k.as_str()),
            category: r.category,
            target: r.target.to_string(),
        }
    }
}

#[utoipa::path(
    get, path = "/api/v1/routing-rules", tag = "routing", summary = "分派规则",
    responses(
        (status = 200, description = "规则", body = Vec<RuleResponse>),
        (status = 403, description = "无权查看", body = ErrorBody),
    ),
)]
pub async fn list_rules(
    State(s): State<AppState>,
    u: ApiUser,
) -> ApiResult<Json<Vec<RuleResponse>>> {
    Ok(Json(
        s.app
            .routing_rules(&u.actor)
            .await?
            .into_iter()
            .map(RuleResponse::from)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct RuleBody {
    /// 适用的区划范围（代码）；空为全部
    within: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    target: String,
}

#[utoipa::path(
    post, path = "/api/v1/routing-rules", tag = "routing", summary = "新增分派规则（系统管理员）",
    request_body = RuleBody,
    responses(
        (status = 201, description = "已新增", body = RuleResponse),
        (status = 403, description = "无权新增", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
pub async fn add_rule(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(b): JsonBody<RuleBody>,
) -> ApiResult<(StatusCode, Json<RuleResponse>)> {
    let req = NewRuleRequest {
        within: b.within.as_deref(),
        kind: b.kind.as_deref(),
        category: b.category.as_deref(),
        target: &b.target,
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_routing_rule(&u.actor, req).await?.into()),
    ))
}

#[utoipa::path(
    delete, path = "/api/v1/routing-rules/{id}", tag = "routing", summary = "删除分派规则（系统管理员）",
    params(("id" = i64, Path, description = "规则 ID")),
    responses(
        (status = 204, description = "已删除"),
        (status = 403, description = "无权删除", body = ErrorBody),
        (status = 404, description = "不存在", body = ErrorBody),
    ),
)]
pub async fn remove_rule(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.app.remove_routing_rule(&u.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
