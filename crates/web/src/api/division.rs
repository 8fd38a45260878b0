use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiUser;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhili_app::division::DivisionDetail;
use zhili_domain::{Division, Page, Paged};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivisionFilter {
    /// 层级：city、county、township、community
    level: Option<String>,
    /// 上级区划代码（12 位）
    parent: Option<String>,
    /// 名称包含
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

/// The API shape of a division.
#[derive(Serialize, ToSchema)]
pub struct DivisionResponse {
    /// 12 位统计用区划代码
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

#[utoipa::path(
    get, path = "/api/v1/divisions", tag = "divisions", summary = "辖区内的行政区划",
    params(DivisionFilter),
    responses(
        (status = 200, description = "一页区划", body = super::Paged<DivisionResponse>),
        (status = 422, description = "筛选条件有误", body = ErrorBody),
    ),
)]
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

#[utoipa::path(
    get, path = "/api/v1/divisions/{code}", tag = "divisions", summary = "一个区划及其下属各级数量",
    params(("code" = String, Path, description = "12 位区划代码")),
    responses(
        (status = 200, description = "区划（含 `counts`：其下各级可见数量）", body = Object),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn get_division(
    State(s): State<AppState>,
    u: ApiUser,
    Path(code): Path<String>,
) -> ApiResult<Json<DivisionDetail>> {
    Ok(Json(s.app.division(&u.actor, &code).await?))
}
