//! Server-rendered pages (Chinese first). They work without JavaScript; forms carry the
//! session's CSRF token; the session lives in an HttpOnly, SameSite=Strict cookie.

mod admin;
mod auth;
mod double_submit;
mod home;
mod org;
mod portal;
mod portal_track;
mod qr;

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
        .route("/admin/qr/{code}", get(qr::poster))
        .merge(portal::routes())
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
