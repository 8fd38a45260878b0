//! One case: its facts, parties, timeline and a small form per action the user may take now.

use super::{beijing, beijing_minute, error_page, render, Nav, EDITION_NOTE};
use crate::error::describe;
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use std::collections::HashMap;
use zhili_app::case::{ActionRequest, CaseView};
use zhili_app::{App, AppError, AppResult};
use zhili_domain::case::{needs_reason, Action, CaseKind, CaseState, Referral};
use zhili_domain::person::Party;
use zhili_domain::{Level, NodeCode};

pub struct PartyRow {
    pub role: &'static str,
    pub name: String,
    pub phone: String,
    pub id_number: String,
}

pub(super) fn party_rows(parties: &[Party]) -> Vec<PartyRow> {
    parties
        .iter()
        .map(|p| PartyRow {
            role: p.role.label(),
            name: p.name.clone(),
            phone: p.phone.clone().unwrap_or_default(),
            id_number: p.id_number.clone().unwrap_or_default(),
        })
        .collect()
}

pub struct EventRow {
    at: String,
    actor: String,
    role: &'static str,
    action: String,
    reason: String,
    detail: String,
}

/// The form for one action, with what the user typed if it was refused.
pub struct ActionForm {
    action: &'static str,
    label: &'static str,
    reason: bool,
    /// An assignee field: optional for assign (empty: the routing rules), required for transfer.
    assignee: bool,
    assignee_required: bool,
    agreement: bool,
    referral: bool,
    /// This form's last submission was refused (the page says why at the top).
    refused: bool,
    typed: Typed,
}

#[derive(Default, Clone, Deserialize)]
#[serde(default)]
pub struct Typed {
    reason: String,
    assignee: String,
    agreement: String,
    referral: String,
}

#[derive(Template)]
#[template(path = "case_page.html")]
struct CasePage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    id: i64,
    number: String,
    title: String,
    state: &'static str,
    overdue: bool,
    suspended: bool,
    supervised: bool,
    created: Option<String>,
    facts: Vec<(&'static str, String)>,
    masked: bool,
    parties: Vec<PartyRow>,
    description: String,
    agreement: Option<String>,
    printable: bool,
    events: Vec<EventRow>,
    forms: Vec<ActionForm>,
    referrals: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// (id, file name, size) of each attachment.
    attachments: Vec<(i64, String, String)>,
    can_attach: bool,
}

fn level_label(level: &str) -> &'static str {
    Level::parse(level).map(|l| l.label()).unwrap_or("")
}

/// The agreement can be printed once a dispute is settled with written terms.
pub(super) fn printable(v: &CaseView) -> bool {
    v.case.kind == CaseKind::Dispute
        && v.case.agreement.is_some()
        && matches!(v.case.state, CaseState::Resolved | CaseState::Closed)
}

fn facts(v: &CaseView) -> Vec<(&'static str, String)> {
    let c = &v.case;
    let mut f = vec![
        ("类型", c.kind.label().to_owned()),
        ("类别", v.category_name.clone()),
        ("来源渠道", c.channel.label().to_owned()),
        (
            "所在村居",
            format!("{}（{}）", v.community_name, c.community_code),
        ),
        ("地址", c.address.clone().unwrap_or_else(|| "—".into())),
        ("登记时间", beijing(c.created_at_ms)),
        (
            "承办单位",
            match &v.assignee {
                Some(a) => format!("{}（{}）", a.name, level_label(a.level)),
                None => "未派遣".into(),
            },
        ),
        (
            "办理期限",
            c.due_at_ms
                .map(beijing_minute)
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    if !v.masked {
        f.push(("查询码", c.tracking_code.clone()));
    }
    if let Some(r) = c.referral {
        f.push(("引导分流", r.label().to_owned()));
    }
    if let Some(at) = c.closed_at_ms {
        let on_time = match c.closed_on_time {
            Some(true) => "（按期）",
            Some(false) => "（超期）",
            None => "",
        };
        f.push(("结案时间", format!("{}{on_time}", beijing(at))));
    }
    if let Some(r) = c.rating {
        f.push(("群众评价", format!("{r} 分")));
    }
    f
}

/// What an event's payload says, in words (node codes named).
async fn event_detail(app: &App, payload: &str, names: &mut HashMap<String, String>) -> String {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(payload) else {
        return String::new();
    };
    let mut out = Vec::new();
    for (key, value) in &map {
        let v = value
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        let text = match key.as_str() {
            "assignee" | "from" => {
                if !names.contains_key(&v) {
                    let name = match NodeCode::parse(&v) {
                        Ok(n) => app.node_name(&n).await.unwrap_or_else(|_| v.clone()),
                        Err(_) => v.clone(),
                    };
                    names.insert(v.clone(), name);
                }
                let label = if key == "from" { "原承办" } else { "承办" };
                format!("{label}：{}", names[&v])
            }
            "due_at_ms" => match v.parse::<i64>() {
                Ok(ms) if ms > 0 => format!("期限：{}", beijing_minute(ms)),
                _ => continue,
            },
            "referral" => format!(
                "分流至：{}",
                Referral::parse(&v).map(|r| r.label()).unwrap_or("")
            ),
            "channel" => format!(
                "渠道：{}",
                zhili_domain::case::Channel::parse(&v)
                    .map(|c| c.label())
                    .unwrap_or("")
            ),
            "score" => format!("评分：{v}"),
            _ => continue,
        };
        out.push(text);
    }
    out.join("；")
}

fn event_label(action: &str) -> String {
    match action {
        "create" => "登记".into(),
        "rate" => "群众评价".into(),
        other => Action::parse(other)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}

fn action_forms(
    actions: &[Action],
    kind: CaseKind,
    refused: Option<(&str, &Typed)>,
) -> Vec<ActionForm> {
    actions
        .iter()
        .map(|&a| ActionForm {
            action: a.as_str(),
            label: a.label(),
            reason: needs_reason(a),
            assignee: matches!(a, Action::Assign | Action::Transfer),
            assignee_required: a == Action::Transfer,
            agreement: a == Action::Resolve && kind == CaseKind::Dispute,
            referral: a == Action::Refer,
            refused: refused.is_some_and(|(action, _)| action == a.as_str()),
            typed: match refused {
                Some((action, typed)) if action == a.as_str() => typed.clone(),
                _ => Typed::default(),
            },
        })
        .collect()
}

async fn case_page_for(
    app: &App,
    u: &PageUser,
    id: i64,
    created: bool,
    refused: Option<(&str, &Typed, String)>,
) -> AppResult<CasePage> {
    let v = app.case_view(&u.actor, id).await?;
    let mut names = HashMap::new();
    let mut events = Vec::with_capacity(v.events.len());
    for e in &v.events {
        events.push(EventRow {
            at: beijing(e.at_ms),
            actor: e.actor.clone(),
            role: match (&e.role, e.actor.as_str()) {
                (Some(r), _) => r.label(),
                (None, "resident") => "群众",
                (None, _) => "—",
            },
            action: event_label(&e.action),
            reason: e.reason.clone(),
            detail: event_detail(app, &e.payload, &mut names).await,
        });
    }
    let c = &v.case;
    Ok(CasePage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        id: c.id,
        number: c.number.clone(),
        title: c.title.clone(),
        state: c.state.label(),
        overdue: v.overdue,
        suspended: c.suspended_at_ms.is_some(),
        supervised: c.supervised,
        created: created.then(|| c.tracking_code.clone()),
        facts: facts(&v),
        masked: v.masked,
        parties: party_rows(&c.parties),
        description: c.description.clone(),
        agreement: c.agreement.clone(),
        printable: printable(&v),
        events,
        forms: action_forms(
            &v.actions,
            c.kind,
            refused.as_ref().map(|(a, t, _)| (*a, *t)),
        ),
        referrals: Referral::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        error: refused.map(|(_, _, m)| m),
        attachments: app
            .attachments(&u.actor, id)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    a.file_name,
                    format!("{:.1} KB", a.size as f64 / 1024.0),
                )
            })
            .collect(),
        can_attach: u
            .actor
            .may(|r| zhili_app::case::registers(r) || r == zhili_domain::Role::Dispatcher),
    })
}

pub(super) fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(AppError::NotFound { what: "case" })
}

#[derive(Deserialize)]
pub struct CreatedFlag {
    created: Option<String>,
}

pub async fn case_page(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Query(flag): Query<CreatedFlag>,
) -> Response {
    let created = flag.created.as_deref() == Some("1");
    let page = match parse_id(&id) {
        Ok(id) => case_page_for(&s.app, &u, id, created, None).await,
        Err(e) => Err(e),
    };
    match page {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    typed: Typed,
}

/// One action from the case page: 303 back to the case, or the page again with why not.
pub async fn act(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&e),
    };
    let t = &f.typed;
    let req = ActionRequest {
        action: f.action.clone(),
        reason: Some(t.reason.clone()),
        assignee: Some(t.assignee.clone()),
        agreement: Some(t.agreement.clone()),
        referral: Some(t.referral.clone()),
    };
    let e = match s.app.act(&u.actor, id, req).await {
        Ok(_) => return Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e @ AppError::NotFound { .. }) => return error_page(&e),
        Err(e) => e,
    };
    let (status, body) = describe(&e);
    let label = Action::parse(f.action.trim())
        .map(|a| a.label())
        .unwrap_or("操作");
    let message = format!(
        "「{label}」未执行：{}",
        super::intake::in_words(&body.message)
    );
    match case_page_for(&s.app, &u, id, false, Some((f.action.trim(), t, message))).await {
        Ok(p) => (status, render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}
