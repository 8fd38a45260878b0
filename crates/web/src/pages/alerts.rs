//! The duty desk (预警值守): open alerts in the jurisdiction by age, who has them, whether they
//! were acknowledged and the person reached in time; acknowledge and record first contact.
//! The page reloads itself every 20 seconds unless someone is typing.

use super::workbench::category_names;
use super::{beijing_minute, error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::ports::AlertRow;
use zhili_domain::alert::Priority;

struct Row {
    case_id: i64,
    number: String,
    title: String,
    category: String,
    priority: &'static str,
    urgent: bool,
    source: String,
    grid: String,
    assignee: String,
    received: String,
    /// Minutes since receipt.
    age_min: i64,
    /// Acknowledgement: "待签收 (剩 3 分钟)", "已超时", or who and how fast.
    ack: String,
    ack_late: bool,
    acknowledged: bool,
    contact: Option<String>,
    escalated: bool,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    rows: Vec<Row>,
    waiting: usize,
    late: usize,
    /// Median seconds from receipt to acknowledgement, over the listed acknowledged alerts.
    median_ack_s: Option<i64>,
    can_act: bool,
}

fn row(a: AlertRow, now: i64, names: &std::collections::HashMap<String, String>) -> Row {
    let priority = Priority::parse(&a.priority).unwrap_or(Priority::High);
    let (ack, ack_late) = match (a.acknowledged_at_ms, &a.acknowledged_by) {
        (Some(t), by) => (
            format!(
                "{} 已签收（{} 秒）",
                by.as_deref().unwrap_or(""),
                (t - a.received_at_ms) / 1000
            ),
            t > a.ack_due_at_ms,
        ),
        (None, _) if now > a.ack_due_at_ms => (
            format!("已超时 {} 分钟未签收", (now - a.ack_due_at_ms) / 60_000),
            true,
        ),
        (None, _) => (
            format!(
                "待签收（剩 {} 分钟）",
                (a.ack_due_at_ms - now).div_euclid(60_000) + 1
            ),
            false,
        ),
    };
    Row {
        case_id: a.case_id,
        number: a.number,
        title: a.title,
        category: names.get(&a.category).cloned().unwrap_or(a.category),
        priority: priority.label(),
        urgent: priority == Priority::Urgent,
        source: a.source,
        grid: a.grid_code.unwrap_or_else(|| a.community_code.clone()),
        assignee: a.assignee.unwrap_or_default(),
        received: beijing_minute(a.received_at_ms),
        age_min: (now - a.received_at_ms) / 60_000,
        acknowledged: a.acknowledged_at_ms.is_some(),
        ack,
        ack_late,
        contact: a.contacted_at_ms.map(|t| {
            format!(
                "{} 已联系（{} 分钟）：{}",
                a.contacted_by.unwrap_or_default(),
                (t - a.received_at_ms) / 60_000,
                a.contact_note.unwrap_or_default()
            )
        }),
        escalated: a.escalated_at_ms.is_some(),
    }
}

pub async fn alerts_page(State(s): State<AppState>, u: PageUser) -> Response {
    let now = s.app.now_ms();
    let list = match s.app.alerts(&u.actor, now - 7 * 86_400_000, true).await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let names = category_names(&s.app).await.unwrap_or_default();
    let mut acks: Vec<i64> = list
        .iter()
        .filter_map(|a| a.acknowledged_at_ms.map(|t| (t - a.received_at_ms) / 1000))
        .collect();
    acks.sort_unstable();
    let rows: Vec<Row> = list.into_iter().map(|a| row(a, now, &names)).collect();
    let page = AlertsPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        waiting: rows.iter().filter(|r| !r.acknowledged).count(),
        late: rows
            .iter()
            .filter(|r| r.ack_late && !r.acknowledged)
            .count(),
        median_ack_s: acks.get(acks.len() / 2).copied(),
        can_act: u.actor.may(zhili_app::case::registers),
        rows,
    };
    render(&page)
}

#[derive(Deserialize)]
pub struct AlertForm {
    csrf: String,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /alerts/{id}/acknowledge` and `/alerts/{id}/contact` (with `note`).
pub async fn acknowledge(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AlertForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s.app.acknowledge_alert(&u.actor, id).await {
        Ok(_) => Redirect::to("/alerts").into_response(),
        Err(e) => error_page(&e),
    }
}

pub async fn contact(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<AlertForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let note = f.note.unwrap_or_default();
    match s.app.record_alert_contact(&u.actor, id, &note).await {
        Ok(_) => Redirect::to("/alerts").into_response(),
        Err(e) => error_page(&e),
    }
}
