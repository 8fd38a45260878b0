//! Cases over the JSON API.

use crate::error::ApiResult;
use crate::extract::{client_addr_of, ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use zhili_app::case::{
    ActionRequest, AssigneeView, CaseView, Created, NewCaseRequest, PartyInput, TrackView,
};
use zhili_app::case_stats::CaseStats;
use zhili_app::ports::CaseQuery;
use zhili_domain::calendar::{day_start_ms, iso_beijing, parse_date};
use zhili_domain::case::{
    Action, Case, CaseEvent, CaseKind, CaseState, Channel, MediationSession, Point,
};
use zhili_domain::category::Category;
use zhili_domain::person::Party;
use zhili_domain::{DivisionCode, NodeCode, Page, Paged, ParseError};

#[derive(Serialize)]
pub struct CategoryResponse {
    code: String,
    name: String,
    kind: &'static str,
    parent: Option<String>,
}

pub async fn list_categories(
    State(s): State<AppState>,
    _u: ApiUser,
) -> ApiResult<Json<Vec<CategoryResponse>>> {
    let cats = s.app.categories().await?;
    Ok(Json(
        cats.into_iter()
            .map(|c: Category| CategoryResponse {
                kind: c.kind.as_str(),
                code: c.code,
                name: c.name,
                parent: c.parent,
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct PartyBody {
    #[serde(default = "applicant")]
    role: String,
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
}

fn applicant() -> String {
    "applicant".into()
}

#[derive(Deserialize)]
pub struct LocationBody {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

#[derive(Deserialize)]
pub struct CreateCaseBody {
    kind: String,
    category: String,
    title: String,
    description: String,
    channel: String,
    community_code: String,
    #[serde(default)]
    parties: Vec<PartyBody>,
    address: Option<String>,
    location: Option<LocationBody>,
    /// 就地办结: what the grid worker did; the case is created already resolved.
    resolved_on_spot: Option<String>,
}

/// The API shape of a case.
#[derive(Serialize)]
pub struct CaseResponse {
    id: i64,
    number: String,
    tracking_code: String,
    kind: CaseKind,
    category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_name: Option<String>,
    title: String,
    description: String,
    channel: Channel,
    community_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    community_name: Option<String>,
    address: Option<String>,
    location: Option<Point>,
    grid_code: Option<String>,
    state: CaseState,
    state_label: &'static str,
    suspended: bool,
    supervised: bool,
    assignee: Option<AssigneeView>,
    assigned_at: Option<String>,
    due_at: Option<String>,
    due_at_ms: Option<i64>,
    overdue: bool,
    ending: Option<&'static str>,
    agreement: Option<String>,
    referral: Option<&'static str>,
    escalations: i64,
    rating: Option<i64>,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    closed_on_time: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    parties: Option<Vec<Party>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    masked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actions: Option<Vec<Action>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventResponse>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    possible_duplicates: Option<Vec<zhili_app::case::DuplicateHint>>,
}

#[derive(Serialize)]
pub struct EventResponse {
    id: i64,
    at: String,
    actor: String,
    role: Option<&'static str>,
    action: String,
    from_state: Option<CaseState>,
    to_state: CaseState,
    reason: String,
    payload: serde_json::Value,
}

impl From<CaseEvent> for EventResponse {
    fn from(e: CaseEvent) -> Self {
        Self {
            id: e.id,
            at: iso_beijing(e.at_ms),
            actor: e.actor,
            role: e.role.map(|r| r.as_str()),
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            reason: e.reason,
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
        }
    }
}

pub fn case_response(c: Case, now_ms: i64) -> CaseResponse {
    CaseResponse {
        overdue: c.overdue(now_ms),
        id: c.id,
        number: c.number,
        tracking_code: c.tracking_code,
        kind: c.kind,
        category: c.category,
        category_name: None,
        title: c.title,
        description: c.description,
        channel: c.channel,
        community_code: c.community_code.to_string(),
        community_name: None,
        address: c.address,
        location: c.location,
        grid_code: c.grid_code,
        state_label: c.state.label(),
        state: c.state,
        suspended: c.suspended_at_ms.is_some(),
        supervised: c.supervised,
        assignee: c.assignee.map(|n| AssigneeView {
            level: n.division().level().as_str(),
            kind: match n {
                NodeCode::Body { .. } => "body",
                NodeCode::Department { .. } => "department",
                _ => "division",
            },
            name: String::new(),
            node: n.to_string(),
        }),
        assigned_at: c.assigned_at_ms.map(iso_beijing),
        due_at: c.due_at_ms.map(iso_beijing),
        due_at_ms: c.due_at_ms,
        ending: c.ending.map(|e| e.as_str()),
        agreement: c.agreement,
        referral: c.referral.map(|r| r.as_str()),
        escalations: c.escalations,
        rating: c.rating,
        created_at: iso_beijing(c.created_at_ms),
        updated_at: iso_beijing(c.updated_at_ms),
        closed_at: c.closed_at_ms.map(iso_beijing),
        closed_on_time: c.closed_on_time,
        parties: None,
        masked: None,
        actions: None,
        events: None,
        possible_duplicates: None,
    }
}

fn view_response(v: CaseView, now_ms: i64) -> CaseResponse {
    let parties = v.case.parties.clone();
    let mut r = case_response(v.case, now_ms);
    r.overdue = v.overdue;
    r.assignee = v.assignee;
    r.category_name = Some(v.category_name);
    r.community_name = Some(v.community_name);
    r.parties = Some(parties);
    r.masked = Some(v.masked);
    r.actions = Some(v.actions);
    r.events = Some(v.events.into_iter().map(EventResponse::from).collect());
    r
}

pub async fn create_case(
    State(s): State<AppState>,
    u: ApiUser,
    JsonBody(b): JsonBody<CreateCaseBody>,
) -> ApiResult<(StatusCode, Json<CaseResponse>)> {
    let req = NewCaseRequest {
        kind: b.kind,
        category: b.category,
        title: b.title,
        description: b.description,
        channel: b.channel,
        community_code: b.community_code,
        parties: b
            .parties
            .into_iter()
            .map(|p| PartyInput {
                role: p.role,
                name: p.name,
                phone: p.phone,
                id_number: p.id_number,
            })
            .collect(),
        address: b.address,
        location: b.location.map(|l| (l.lat, l.lon)),
    };
    let Created {
        case,
        possible_duplicates,
    } = match b.resolved_on_spot.as_deref() {
        Some(done) => s.app.report_resolved_on_spot(&u.actor, req, done).await?,
        None => s.app.create_case(&u.actor, req).await?,
    };
    let mut r = case_response(case, s.app.now_ms());
    r.possible_duplicates = Some(possible_duplicates);
    Ok((StatusCode::CREATED, Json(r)))
}

pub async fn get_case(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseResponse>> {
    let v = s.app.case_view(&u.actor, id).await?;
    Ok(Json(view_response(v, s.app.now_ms())))
}

#[derive(Deserialize)]
pub struct ActionBody {
    action: String,
    reason: Option<String>,
    assignee: Option<String>,
    agreement: Option<String>,
    referral: Option<String>,
}

pub async fn act(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<ActionBody>,
) -> ApiResult<Json<CaseResponse>> {
    let req = ActionRequest {
        action: b.action,
        reason: b.reason,
        assignee: b.assignee,
        agreement: b.agreement,
        referral: b.referral,
    };
    let v = s.app.act(&u.actor, id, req).await?;
    Ok(Json(view_response(v, s.app.now_ms())))
}

#[derive(Deserialize, Default)]
pub struct CaseFilter {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub division: Option<String>,
    pub assignee: Option<String>,
    pub overdue: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// Query-string filters into a `CaseQuery` (the scope is set by the app).
pub fn case_query(
    f: &CaseFilter,
    actor_scope: zhili_domain::Scope,
    now_ms: i64,
) -> Result<CaseQuery, ParseError> {
    let nonempty = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let mut q = CaseQuery::new(actor_scope);
    q.state = nonempty(&f.state)
        .map(|s| CaseState::parse(&s))
        .transpose()?;
    q.kind = nonempty(&f.kind).map(|s| CaseKind::parse(&s)).transpose()?;
    q.category = nonempty(&f.category);
    q.channel = nonempty(&f.channel)
        .map(|s| Channel::parse(&s))
        .transpose()?;
    q.division = nonempty(&f.division)
        .map(|s| {
            DivisionCode::parse(&s).map_err(|e| ParseError::new("division", e.code, e.message))
        })
        .transpose()?;
    q.assignee = nonempty(&f.assignee)
        .map(|s| NodeCode::parse(&s))
        .transpose()?;
    q.overdue = match nonempty(&f.overdue).as_deref() {
        None => None,
        Some("true" | "1" | "yes") => Some((true, now_ms)),
        Some("false" | "0" | "no") => Some((false, now_ms)),
        Some(_) => {
            return Err(ParseError::new(
                "overdue",
                "case.filter_invalid",
                "overdue 应为 true 或 false",
            ))
        }
    };
    let date = |field: &'static str, raw: Option<String>| -> Result<Option<i64>, ParseError> {
        raw.map(|r| {
            parse_date(&r)
                .ok_or_else(|| ParseError::new(field, "case.filter_invalid", "日期应为 YYYY-MM-DD"))
        })
        .transpose()
    };
    q.created_from_ms = date("from", nonempty(&f.from))?.map(day_start_ms);
    q.created_to_ms = date("to", nonempty(&f.to))?.map(|d| day_start_ms(d + 1));
    q.text = nonempty(&f.q);
    Ok(q)
}

pub async fn list_cases(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<CaseFilter>,
) -> ApiResult<Json<Paged<CaseResponse>>> {
    let now = s.app.now_ms();
    let q = case_query(&f, u.actor.scope.clone(), now).map_err(zhili_app::AppError::from)?;
    let page = s
        .app
        .list_cases(&u.actor, q, Page::new(f.page, f.page_size))
        .await?;
    let mut names: std::collections::HashMap<NodeCode, String> = std::collections::HashMap::new();
    for c in &page.items {
        if let Some(n) = &c.assignee {
            if !names.contains_key(n) {
                names.insert(n.clone(), s.app.node_name(n).await?);
            }
        }
    }
    Ok(Json(page.map(|c| {
        let mut r = case_response(c, now);
        if let Some(a) = r.assignee.as_mut() {
            a.name = NodeCode::parse(&a.node)
                .ok()
                .and_then(|n| names.get(&n).cloned())
                .unwrap_or_default();
        }
        r
    })))
}

pub async fn track(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<TrackView>> {
    Ok(Json(s.app.track(&code).await?))
}

#[derive(Deserialize)]
pub struct RatingBody {
    score: i64,
    comment: Option<String>,
}

pub async fn rate(
    State(s): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    JsonBody(b): JsonBody<RatingBody>,
) -> ApiResult<Json<TrackView>> {
    Ok(Json(
        s.app
            .rate(&code, b.score, b.comment.as_deref(), &client_addr_of(&ci))
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct StatsFilter {
    division: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

pub async fn stats(
    State(s): State<AppState>,
    u: ApiUser,
    Query(f): Query<StatsFilter>,
) -> ApiResult<Json<CaseStats>> {
    let (year_start, today) = zhili_app::case_stats::default_period(s.app.now_ms());
    let from = f.from.unwrap_or(year_start);
    let to = f.to.unwrap_or(today);
    Ok(Json(
        s.app
            .case_stats(&u.actor, f.division.as_deref(), &from, &to)
            .await?,
    ))
}

#[derive(Deserialize)]
pub struct SessionBody {
    held_at: String,
    place: String,
    mediator: String,
    attendees: String,
    notes: String,
}

#[derive(Serialize)]
pub struct SessionResponse {
    id: i64,
    held_at: String,
    place: String,
    mediator: String,
    attendees: String,
    notes: String,
}

impl From<MediationSession> for SessionResponse {
    fn from(m: MediationSession) -> Self {
        Self {
            id: m.id,
            held_at: iso_beijing(m.held_at_ms),
            place: m.place,
            mediator: m.mediator,
            attendees: m.attendees,
            notes: m.notes,
        }
    }
}

pub async fn add_session(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    JsonBody(b): JsonBody<SessionBody>,
) -> ApiResult<(StatusCode, Json<SessionResponse>)> {
    let req = zhili_app::mediation::NewSessionRequest {
        held_at: b.held_at,
        place: b.place,
        mediator: b.mediator,
        attendees: b.attendees,
        notes: b.notes,
    };
    Ok((
        StatusCode::CREATED,
        Json(s.app.add_session(&u.actor, id, req).await?.into()),
    ))
}

pub async fn list_sessions(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<SessionResponse>>> {
    Ok(Json(
        s.app
            .sessions(&u.actor, id)
            .await?
            .into_iter()
            .map(SessionResponse::from)
            .collect(),
    ))
}
