//! The security admin's user page and the auditor's audit page.

use super::{beijing, error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::ports::AuditQuery;
use zhili_app::user::NewUserRequest;
use zhili_domain::{Page, Role};

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    can_create: bool,
    roles: Vec<(&'static str, &'static str)>,
    users: Vec<(String, String, &'static str, String)>,
    total: i64,
    message: Option<String>,
    error: Option<String>,
}

async fn users_view(
    s: &AppState,
    u: &PageUser,
    message: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let list = match s
        .app
        .list_users(&u.actor, Page::new(Some(1), Some(500)))
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let page = UsersPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        can_create: u.actor.may(Role::manages_users),
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        total: list.total,
        users: list
            .items
            .into_iter()
            .map(|x| {
                (
                    x.username,
                    x.display_name,
                    x.role.label(),
                    x.node.to_string(),
                )
            })
            .collect(),
        message,
        error,
    };
    (status, render(&page)).into_response()
}

pub async fn users_page(State(s): State<AppState>, u: PageUser) -> Response {
    users_view(&s, &u, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct CreateUserForm {
    csrf: String,
    username: String,
    password: String,
    role: String,
    node: String,
    display_name: Option<String>,
}

pub async fn create_user(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<CreateUserForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let req = NewUserRequest {
        username: &f.username,
        password: &f.password,
        role: &f.role,
        node: &f.node,
        display_name: f.display_name.as_deref(),
    };
    match s.app.create_user(&u.actor, req).await {
        Ok(created) => {
            users_view(
                &s,
                &u,
                Some(format!(
                    "已创建账号 {}（{}）",
                    created.username,
                    created.role.label()
                )),
                None,
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let (status, body) = crate::error::describe(&e);
            users_view(&s, &u, None, Some(body.message), status).await
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    chain_ok: bool,
    chain_status: String,
    action: String,
    actor: String,
    rows: Vec<AuditRowView>,
    total: i64,
}

struct AuditRowView {
    seq: i64,
    at: String,
    actor: String,
    role: &'static str,
    source: String,
    action: String,
    object: String,
    outcome: &'static str,
    detail: String,
}

#[derive(Deserialize)]
pub struct AuditFilter {
    action: Option<String>,
    actor: Option<String>,
}

pub async fn audit_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<AuditFilter>,
) -> Response {
    let q = AuditQuery {
        within: None,
        action: f.action.clone().filter(|x| !x.is_empty()),
        object: None,
        actor: f.actor.clone().filter(|x| !x.is_empty()),
    };
    let log = match s
        .app
        .audit_log(&u.actor, q, Page::new(Some(1), Some(200)))
        .await
    {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let report = match s.app.verify_audit(&u.actor, |_| {}).await {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let (chain_ok, chain_status) = match &report.broken {
        None => (
            true,
            format!(
                "哈希链完整：共 {} 条记录，链头 {}…",
                report.records,
                &report.head[..16]
            ),
        ),
        Some(why) => (false, format!("哈希链断裂：{why}")),
    };
    let page = AuditPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        chain_ok,
        chain_status,
        action: f.action.unwrap_or_default(),
        actor: f.actor.unwrap_or_default(),
        total: log.total,
        rows: log
            .items
            .into_iter()
            .map(|r| {
                let e = r.entry;
                AuditRowView {
                    seq: r.seq,
                    at: beijing(e.at_ms),
                    actor: e.actor,
                    role: e.role.map(|x| x.label()).unwrap_or("—"),
                    source: e.source,
                    action: e.action,
                    object: e.object,
                    outcome: e.outcome.label(),
                    detail: e.detail,
                }
            })
            .collect(),
    };
    render(&page)
}
