use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use zhili_app::audit::VerifyReport;
use zhili_app::ports::AuditQuery;
use zhili_domain::{AuditRecord, Page, Paged};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// 动作，如 `user.create`
    action: Option<String>,
    /// The object, e.g. `user:42` (`subject` is accepted as a synonym).
    object: Option<String>,
    /// 同 `object`
    subject: Option<String>,
    /// 操作人用户名
    actor: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

#[utoipa::path(
    get, path = "/api/v1/audit", tag = "audit", summary = "审计日志（审计员）",
    params(AuditFilter),
    responses(
        (status = 200, description = "一页审计记录（seq、at_ms、actor、action、object、outcome、detail、prev_hash、hash 等）", body = super::Paged<Object>),
        (status = 403, description = "仅审计员可读", body = ErrorBody),
    ),
)]
pub async fn list_audit(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<AuditFilter>,
) -> ApiResult<Json<Paged<AuditRecord>>> {
    let q = AuditQuery {
        within: None,
        action: f.action.filter(|s| !s.is_empty()),
        object: f.object.or(f.subject).filter(|s| !s.is_empty()),
        actor: f.actor.filter(|s| !s.is_empty()),
    };
    Ok(Json(
        s.app
            .audit_log(&u.actor, q, Page::new(f.page, f.page_size))
            .await?,
    ))
}

#[utoipa::path(
    get, path = "/api/v1/audit/verify", tag = "audit", summary = "校验审计哈希链（审计员）",
    responses(
        (status = 200, description = "校验结果（记录数、首尾哈希、首个断点）", body = Object),
        (status = 403, description = "仅审计员可读", body = ErrorBody),
    ),
)]
pub async fn verify_audit(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(s.app.verify_audit(&u.actor, |_| {}).await?))
}
