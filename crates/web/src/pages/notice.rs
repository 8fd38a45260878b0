//! The user's notifications (通知): cases sent to the node, reminders, supervision, and the
//! deadline scan's due-soon and overdue notices.

use super::{beijing, error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

struct NoticeRow {
    at: String,
    kind: &'static str,
    message: String,
    case_id: Option<i64>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notices.html")]
struct NoticesPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    unread: usize,
    rows: Vec<NoticeRow>,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "assigned" => "新派案件",
        "remind" => "催办",
        "supervise" => "督办",
        "due_soon" => "即将到期",
        "overdue" => "已超期",
        _ => "通知",
    }
}

pub async fn notices(State(s): State<AppState>, u: PageUser) -> Response {
    let list = match s.app.notices(&u.actor, false).await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let rows: Vec<NoticeRow> = list
        .into_iter()
        .map(|n| NoticeRow {
            at: beijing(n.created_at_ms),
            kind: kind_label(&n.kind),
            message: n.message,
            case_id: n.case_id,
            unread: n.read_at_ms.is_none(),
        })
        .collect();
    let page = NoticesPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        unread: rows.iter().filter(|r| r.unread).count(),
        rows,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn mark_all_read(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s.app.mark_notices_read(&u.actor, None).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => error_page(&e),
    }
}
