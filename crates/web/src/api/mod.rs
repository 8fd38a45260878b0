//! The JSON API, `/api/v1/…`. Bearer tokens only; errors as `{"code","message","field"}`.

pub(crate) mod alert;
pub(crate) mod attachment;
mod audit;
mod auth;
pub mod case;
mod division;
mod index;
mod notice;
mod org;
mod registry;
pub(crate) mod registry_export;
mod routing;
mod user;

use crate::AppState;
use axum::routing::{get, post, put};
use axum::Router;
use serde::Deserialize;
use zhili_domain::Page;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(auth::login))
        .route("/api/v1/auth/logout", post(auth::logout))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/divisions", get(division::list_divisions))
        .route("/api/v1/divisions/{code}", get(division::get_division))
        .route(
            "/api/v1/bodies",
            get(org::list_bodies).post(org::create_body),
        )
        .route("/api/v1/bodies/{code}", get(org::get_body))
        .route(
            "/api/v1/work-areas",
            get(org::list_work_areas).post(org::create_work_area),
        )
        .route(
            "/api/v1/users",
            get(user::list_users).post(user::create_user),
        )
        .route("/api/v1/users/{id}", get(user::get_user))
        .route("/api/v1/users/{id}/role", put(user::set_role))
        .route("/api/v1/categories", get(case::list_categories))
        .route("/api/v1/alerts", get(alert::list).post(alert::receive))
        .route("/api/v1/alerts/{id}/acknowledge", post(alert::acknowledge))
        .route("/api/v1/alerts/{id}/contact", post(alert::contact))
        .route(
            "/api/v1/cases",
            get(case::list_cases).post(case::create_case),
        )
        .route("/api/v1/cases/{id}", get(case::get_case))
        .route("/api/v1/cases/{id}/actions", post(case::act))
        .route(
            "/api/v1/cases/{id}/sessions",
            get(case::list_sessions).post(case::add_session),
        )
        .route(
            "/api/v1/cases/{id}/attachments",
            get(attachment::list)
                .post(attachment::upload)
                .layer(axum::extract::DefaultBodyLimit::max(12 * 1024 * 1024)),
        )
        .route(
            "/api/v1/cases/{id}/attachments/{aid}",
            get(attachment::download),
        )
        .route(
            "/api/v1/routing-rules",
            get(routing::list_rules).post(routing::add_rule),
        )
        .route(
            "/api/v1/routing-rules/{id}",
            axum::routing::delete(routing::remove_rule),
        )
        .route("/api/v1/track/{code}", get(case::track))
        .route("/api/v1/track/{code}/rating", post(case::rate))
        .route("/api/v1/stats", get(case::stats))
        .route("/api/v1/indices", get(index::list_indices))
        .route("/api/v1/indices/{id}/scores", get(index::scores))
        .route(
            "/api/v1/indices/{id}/data",
            post(index::upload).layer(axum::extract::DefaultBodyLimit::max(20 * 1024 * 1024)),
        )
        .route(
            "/api/v1/reports",
            get(index::list_reports).post(index::publish),
        )
        .route("/api/v1/notifications", get(notice::list_notices))
        .route("/api/v1/notifications/read", post(notice::mark_read))
        .route("/api/v1/grids", get(registry::grids))
        .route(
            "/api/v1/grids/{code}/visits",
            get(registry::visits).post(registry::add_visit),
        )
        .route("/api/v1/residents", get(registry::residents))
        .route("/api/v1/residents/{id}", get(registry::resident))
        .route("/api/v1/residents/{id}/reveal", post(registry::reveal))
        .route("/api/v1/registry/consistency", get(registry::consistency))
        .route("/api/v1/buildings", get(registry::buildings))
        .route("/api/v1/export/{kind}", get(registry_export::export))
        .route(
            "/api/v1/buildings/{code}/dwellings",
            get(registry::dwellings),
        )
        .route(
            "/api/v1/import/{kind}",
            post(registry::import).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/api/v1/audit", get(audit::list_audit))
        .route("/api/v1/audit/verify", get(audit::verify_audit))
        .fallback(not_found)
}

async fn not_found() -> crate::error::ApiError {
    crate::error::ApiError(zhili_app::AppError::NotFound { what: "route" })
}

/// `page` and `page_size` on every list.
#[derive(Debug, Deserialize, Default)]
pub struct Paging {
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

impl Paging {
    pub fn page(&self) -> Page {
        Page::new(self.page, self.page_size)
    }
}
