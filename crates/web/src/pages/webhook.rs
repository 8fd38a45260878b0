//! 外部推送: the system admin's webhook page — subscriptions, their latest deliveries with
//! state, attempts and last error, a form to add one (its secret shown once) and removal.

use super::{beijing, error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::webhook::NewSubscriptionRequest;

/// Deliveries shown per subscription.
const SHOWN: usize = 10;

#[derive(Template)]
#[template(path = "webhooks.html")]
struct WebhooksPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    subs: Vec<SubView>,
    message: Option<String>,
    /// The secret of the subscription just created: shown this once.
    secret: Option<String>,
    error: Option<String>,
}

struct SubView {
    id: i64,
    name: String,
    url: String,
    division: String,
    events: String,
    created: String,
    deliveries: Vec<DeliveryView>,
}

struct DeliveryView {
    id: i64,
    event_type: String,
    state: &'static str,
    state_class: &'static str,
    attempts: i64,
    last_status: String,
    last_error: String,
    when: String,
}

fn state_label(s: &str) -> (&'static str, &'static str) {
    match s {
        "pending" => ("待投递", "warn"),
        "delivered" => ("已送达", "ok"),
        "failed" => ("已放弃", "error"),
        _ => ("已取消", ""),
    }
}

async fn view(
    s: &AppState,
    u: &PageUser,
    message: Option<String>,
    secret: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let list = match s.app.webhooks(&u.actor).await {
        Ok(l) => l,
        Err(e) => return error_page(&e),
    };
    let mut subs = Vec::with_capacity(list.len());
    for w in list {
        let log = match s.app.webhook_deliveries(&u.actor, w.id).await {
            Ok((_, log)) => log,
            Err(e) => return error_page(&e),
        };
        subs.push(SubView {
            deliveries: log
                .into_iter()
                .take(SHOWN)
                .map(|d| {
                    let (state, state_class) = state_label(&d.state);
                    DeliveryView {
                        when: match (d.state.as_str(), d.delivered_at_ms) {
                            ("pending", _) => format!("下次尝试 {}", beijing(d.next_at_ms)),
                            (_, Some(at)) => format!("送达 {}", beijing(at)),
                            _ => format!("生成 {}", beijing(d.created_at_ms)),
                        },
                        id: d.id,
                        event_type: d.event_type,
                        state,
                        state_class,
                        attempts: d.attempts,
                        last_status: d.last_status.map(|c| c.to_string()).unwrap_or_default(),
                        last_error: d.last_error.unwrap_or_default(),
                    }
                })
                .collect(),
            id: w.id,
            name: w.name,
            url: w.url,
            division: w.division,
            events: if w.events == "*" {
                "全部事件".into()
            } else {
                w.events
            },
            created: beijing(w.created_at_ms),
        });
    }
    let page = WebhooksPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        subs,
        message,
        secret,
        error,
    };
    (status, render(&page)).into_response()
}

pub async fn webhooks_page(State(s): State<AppState>, u: PageUser) -> Response {
    view(&s, &u, None, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
pub struct WebhookForm {
    csrf: String,
    name: String,
    url: String,
    division: String,
    events: String,
    secret: Option<String>,
}

pub async fn add_webhook(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<WebhookForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let req = NewSubscriptionRequest {
        name: &f.name,
        url: &f.url,
        division: &f.division,
        events: &f.events,
        secret: f.secret.as_deref(),
    };
    match s.app.add_webhook(&u.actor, req).await {
        Ok((w, secret)) => {
            let msg = format!("已添加订阅「{}」", w.name);
            view(&s, &u, Some(msg), Some(secret), None, StatusCode::OK).await
        }
        Err(e) => {
            let (status, body) = crate::error::describe(&e);
            view(&s, &u, None, None, Some(body.message), status).await
        }
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn remove_webhook(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    match s.app.remove_webhook(&u.actor, id).await {
        Ok(()) => {
            let msg = "已删除订阅，未送达的推送已取消".to_owned();
            view(&s, &u, Some(msg), None, None, StatusCode::OK).await
        }
        Err(e) => error_page(&e),
    }
}
