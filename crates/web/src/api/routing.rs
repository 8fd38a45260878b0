use crate::error::ApiResult;
use crate::extract::{ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use zhili_app::routing_admin::NewRuleRequest;
use zhili_domain::routing::RoutingRule;

#[derive(Serialize)]
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

#[derive(Deserialize)]
pub struct RuleBody {
    within: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    target: String,
}

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

pub async fn remove_rule(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    s.app.remove_routing_rule(&u.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
