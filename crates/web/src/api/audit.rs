use crate::error::ApiResult;
use crate::extract::ApiUser;
use crate::AppState;
use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;
use zhili_app::audit::VerifyReport;
use zhili_app::ports::AuditQuery;
use zhili_domain::{AuditRecord, Page, Paged};

#[derive(Deserialize)]
pub struct AuditFilter {
    action: Option<String>,
    /// The object, e.g. `user:42` (`subject` is accepted as a synonym).
    object: Option<String>,
    subject: Option<String>,
    actor: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

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

pub async fn verify_audit(State(s): State<AppState>, u: ApiUser) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(s.app.verify_audit(&u.actor, |_| {}).await?))
}
