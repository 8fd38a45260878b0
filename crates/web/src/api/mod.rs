//! The JSON API, `/api/v1/…`. Bearer tokens only; errors as `{"code","message","field"}`.
//!
//! The routes are registered through `utoipa_axum`'s `OpenApiRouter`: each handler carries its
//! `#[utoipa::path]` annotation and `routes!` adds it to the router and to the OpenAPI
//! document in one step, so the two cannot drift (`doc.rs` serves the document).

pub(crate) mod alert;
pub(crate) mod attachment;
mod audit;
mod auth;
pub mod case;
mod division;
pub mod doc;
mod index;
mod notice;
mod org;
mod registry;
pub(crate) mod registry_export;
mod routing;
mod user;
mod webhook;

use crate::AppState;
use axum::extract::DefaultBodyLimit;
use axum::Router;
use serde::Deserialize;
use utoipa::OpenApi as _;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;
use zhili_domain::Page;

/// The API's routes and their OpenAPI document, built together.
pub fn documented() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = OpenApiRouter::with_openapi(doc::ApiDoc::openapi())
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(division::list_divisions))
        .routes(routes!(division::get_division))
        .routes(routes!(org::list_bodies, org::create_body))
        .routes(routes!(org::get_body))
        .routes(routes!(org::list_work_areas, org::create_work_area))
        .routes(routes!(user::list_users, user::create_user))
        .routes(routes!(user::get_user))
        .routes(routes!(user::set_role))
        .routes(routes!(case::list_categories))
        .routes(routes!(alert::list, alert::receive))
        .routes(routes!(alert::acknowledge))
        .routes(routes!(alert::contact))
        .routes(routes!(case::list_cases, case::create_case))
        .routes(routes!(case::get_case))
        .routes(routes!(case::act))
        .routes(routes!(case::list_sessions, case::add_session))
        .routes(
            routes!(attachment::list, attachment::upload)
                .layer(DefaultBodyLimit::max(12 * 1024 * 1024)),
        )
        .routes(routes!(attachment::download))
        .routes(routes!(routing::list_rules, routing::add_rule))
        .routes(routes!(routing::remove_rule))
        .routes(routes!(case::track))
        .routes(routes!(case::rate))
        .routes(routes!(case::stats))
        .routes(routes!(index::list_indices))
        .routes(routes!(index::scores))
        .routes(routes!(index::upload).layer(DefaultBodyLimit::max(20 * 1024 * 1024)))
        .routes(routes!(index::list_reports, index::publish))
        .routes(routes!(index::report))
        .routes(routes!(notice::list_notices))
        .routes(routes!(notice::mark_read))
        .routes(routes!(registry::grids))
        .routes(routes!(registry::visits, registry::add_visit))
        .routes(routes!(registry::residents))
        .routes(routes!(registry::resident))
        .routes(routes!(registry::reveal))
        .routes(routes!(registry::consistency))
        .routes(routes!(registry::buildings))
        .routes(routes!(registry_export::export))
        .routes(routes!(registry::dwellings))
        .routes(routes!(registry::import).layer(DefaultBodyLimit::max(64 * 1024 * 1024)))
        .routes(routes!(webhook::list_webhooks, webhook::add_webhook))
        .routes(routes!(webhook::remove_webhook))
        .routes(routes!(webhook::list_deliveries))
        .routes(routes!(audit::list_audit))
        .routes(routes!(audit::verify_audit))
        .split_for_parts();
    doc::conventions(&mut openapi);
    (router, openapi)
}

/// The OpenAPI document alone (for tests and tools).
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().1
}

/// The API router: the documented routes behind the `Idempotency-Key` layer, the document
/// itself (public) and the API's 404.
pub fn routes(state: &AppState) -> Router<AppState> {
    let (router, openapi) = documented();
    router
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::idempotency::layer,
        ))
        .merge(doc::routes(&openapi))
        .fallback(not_found)
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError(zhili_app::AppError::NotFound { what: "route" })
}

/// `page` and `page_size` on every list.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 页码，从 1 开始
    pub page: Option<u32>,
    /// 每页条数（默认 50，最多 1000）
    pub page_size: Option<u32>,
}

impl Paging {
    pub fn page(&self) -> Page {
        Page::new(self.page, self.page_size)
    }
}

/// A page of a list, as every list answers (the schema of `zhili_domain::Paged`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Paged<T> {
    /// 符合条件的总条数（total_exact 为 false 时只数到上限，是下限）
    total: i64,
    /// 总数是否精确：案件列表超过 10000 件时不再逐条计数
    total_exact: bool,
    page: u32,
    page_size: u32,
    items: Vec<T>,
}
