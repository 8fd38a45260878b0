use crate::error::ApiResult;
use crate::extract::ApiUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use zhili_app::division::DivisionDetail;
use zhili_domain::{Division, Page, Paged};

#[derive(Deserialize)]
pub struct DivisionFilter {
    level: Option<String>,
    parent: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// The API shape of a division.
#[derive(Serialize)]
pub struct DivisionResponse {
    code: String,
    name: String,
    short_name: String,
    level: &'static str,
    kind: &'static str,
    parent_code: Option<String>,
    edition: i32,
    work_area_code: Option<String>,
}

impl From<Division> for DivisionResponse {
    fn from(d: Division) -> Self {
        Self {
            short_name: d.short_name().to_owned(),
            code: d.code.to_string(),
            name: d.name,
            level: d.level.as_str(),
            kind: d.kind.as_str(),
            parent_code: d.parent_code.map(|p| p.to_string()),
            edition: d.edition,
            work_area_code: d.work_area_code,
        }
    }
}

pub async fn list_divisions(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<DivisionFilter>,
) -> ApiResult<Json<Paged<DivisionResponse>>> {
    let page = s
        .app
        .list_divisions(
            &u.actor,
            f.level.as_deref(),
            f.parent.as_deref(),
            f.q.as_deref(),
            Page::new(f.page, f.page_size),
        )
        .await?;
    Ok(Json(page.map(DivisionResponse::from)))
}

pub async fn get_division(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<DivisionDetail>> {
    Ok(Json(s.app.division(&u.actor, &code).await?))
}
