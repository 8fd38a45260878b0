//! Server-rendered pages (Chinese first). They work without JavaScript; forms carry the
//! session's CSRF token; the session lives in an HttpOnly, SameSite=Strict cookie.

mod admin;
mod agreement;
mod alerts;
mod auth;
mod case;
mod case_files;
mod dashboard;
mod double_submit;
mod grid;
mod home;
mod intake;
mod map;
mod metrics;
mod notice;
mod org;
mod portal;
mod portal_track;
mod qr;
mod registry;
mod report;
mod report_data;
mod report_xlsx;
mod webhook;
mod workbench;

use crate::error::describe;
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use zhili_app::AppError;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_form).post(auth::login_submit))
        .route("/logout", axum::routing::post(auth::logout))
        .route("/org", get(org::org_index))
        .route("/org/{code}", get(org::org_node))
        .route(
            "/admin/users",
            get(admin::users_page).post(admin::create_user),
        )
        .route("/audit", get(admin::audit_page))
        .route(
            "/admin/webhooks",
            get(webhook::webhooks_page).post(webhook::add_webhook),
        )
        .route(
            "/admin/webhooks/{id}/remove",
            axum::routing::post(webhook::remove_webhook),
        )
        .route("/admin/qr/{code}", get(qr::poster))
        .merge(portal::routes())
        .route("/work", get(workbench::workbench))
        .route("/notifications", get(notice::notices))
        .route("/alerts", get(alerts::alerts_page))
        .route(
            "/alerts/{id}/acknowledge",
            axum::routing::post(alerts::acknowledge),
        )
        .route("/alerts/{id}/contact", axum::routing::post(alerts::contact))
        .route(
            "/notifications/read",
            axum::routing::post(notice::mark_all_read),
        )
        .route("/dashboard", get(dashboard::dashboard))
        .route("/reports", get(report::reports).post(report::publish))
        .route(
            "/reports/data",
            get(report_data::data_page)
                .post(report_data::upload)
                .layer(axum::extract::DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/reports/data/template.csv", get(report_data::template))
        .route("/reports/{index}/{n}", get(report::report))
        .route("/grid", get(grid::grid_page))
        .route("/map", get(map::map_page))
        .route("/registry", get(registry::registry_page))
        .route(
            "/registry/import",
            axum::routing::post(registry::upload)
                .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)),
        )
        .route("/registry/imports/{id}", get(registry::import_status))
        .route("/registry/export/{kind}", get(registry::export))
        .route(
            "/registry/residents/{id}/reveal",
            axum::routing::post(registry::reveal),
        )
        .route("/grid/visits", axum::routing::post(grid::add_visit))
        .route("/grid/report", axum::routing::post(grid::report))
        .route(
            "/cases",
            get(workbench::case_list).post(intake::create_case),
        )
        .route("/cases/new", get(intake::new_case))
        .route("/cases/{id}", get(case::case_page))
        .route("/cases/{id}/actions", axum::routing::post(case::act))
        .route("/cases/{id}/agreement", get(agreement::agreement))
        .route(
            "/cases/{id}/attachments",
            axum::routing::post(case_files::upload)
                .layer(axum::extract::DefaultBodyLimit::max(12 * 1024 * 1024)),
        )
        .route("/cases/{id}/attachments/{aid}", get(case_files::download))
        .route("/static/app.css", get(stylesheet))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/app.css"),
    )
}

/// What the header shows for a signed-in user.
pub struct Nav {
    pub display_name: String,
    pub role_label: &'static str,
    pub csrf: String,
    pub users: bool,
    pub audit: bool,
    /// Manages the webhooks (外部推送): system admins.
    pub webhooks: bool,
    /// Reads cases (and their statistics, 统计分析): every role but the three admin duties.
    pub cases: bool,
    /// Registers cases (the intake form).
    pub intake: bool,
    /// Reads the registry (人口房屋).
    pub registry: bool,
    /// Works a grid (网格工作).
    pub grid: bool,
    /// Reads the index reports (指数报告).
    pub reports: bool,
    /// Works the duty desk's alerts (预警值守).
    pub alerts: bool,
}

impl Nav {
    pub fn of(u: &PageUser) -> Option<Nav> {
        let user = u.actor.user.as_ref()?;
        Some(Nav {
            display_name: user.display_name.clone(),
            role_label: user.role.label(),
            csrf: u.csrf.clone(),
            users: user.role.manages_users(),
            audit: user.role.reads_audit(),
            webhooks: user.role == zhili_domain::Role::SystemAdmin,
            cases: !user.role.is_admin_duty(),
            intake: zhili_app::case::registers(user.role),
            registry: zhili_app::registry::reads_registry(user.role),
            reports: zhili_app::index::reads_indices(user.role),
            alerts: zhili_app::alert::works_alerts(user.role),
            grid: matches!(
                user.role,
                zhili_domain::Role::GridWorker | zhili_domain::Role::Dispatcher
            ),
        })
    }
}

pub const EDITION_NOTE: &str = "2023 年版";

/// Render a template, or a plain 500 if rendering fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面渲染失败 / page rendering failed",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    status: String,
    message: String,
}

/// An error as a page, with the same status the API would give.
pub fn error_page(e: &AppError) -> Response {
    let (status, body) = describe(e);
    let page = ErrorPage {
        nav: None,
        edition_note: EDITION_NOTE,
        status: format!(
            "{} {}",
            status.as_u16(),
            status.canonical_reason().unwrap_or("")
        ),
        message: body.message,
    };
    (status, render(&page)).into_response()
}

/// Beijing time for display (UTC+8, no daylight saving): `2026-03-02 09:30:00`.
pub fn beijing(ms: i64) -> String {
    let iso = zhili_domain::calendar::iso_beijing(ms);
    format!("{} {}", &iso[..10], &iso[11..19])
}

/// Beijing time to the minute, for due dates in lists: `2026-03-02 09:30`.
pub fn beijing_minute(ms: i64) -> String {
    beijing(ms)[..16].to_owned()
}

/// Beijing date only: `2026-03-02`.
pub fn beijing_date(ms: i64) -> String {
    beijing(ms)[..10].to_owned()
}

/// Percent-encode a query-string value (everything but the unreserved characters).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn beijing_time_is_utc_plus_eight() {
        assert_eq!(super::beijing(0), "1970-01-01 08:00:00");
        assert_eq!(super::beijing(1_798_761_600_000), "2027-01-01 08:00:00");
        assert_eq!(super::beijing_minute(0), "1970-01-01 08:00");
        assert_eq!(super::beijing_date(-8 * 3_600_000 - 1), "1969-12-31");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::url_encode("邻 a&b=c"), "%E9%82%BB%20a%26b%3Dc");
        assert_eq!(super::url_encode("2026-01-02"), "2026-01-02");
    }
}
