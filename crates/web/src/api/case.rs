//! Cases over the JSON API.

use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::{client_addr_of, ApiUser, JsonBody};
use crate::AppState;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use utoipa::{IntoParams, ToSchema};
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

#[derive(Serialize, ToSchema)]
pub struct CategoryResponse {
    code: String,
    name: String,
    /// 案件类型：dispute、hazard、service_request、alert
    kind: &'static str,
    parent: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/categories", tag = "cases", summary = "案件类别（两级）",
    responses((status = 200, description = "类别", body = Vec<CategoryResponse>)),
)]
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

#[derive(Deserialize, ToSchema)]
pub struct PartyBody {
    /// applicant（默认）或 respondent
    #[serde(default = "applicant")]
    role: String,
    name: String,
    phone: Option<String>,
    id_number: Option<String>,
}

fn applicant() -> String {
    "applicant".into()
}

/// A point in WGS-84.
#[derive(Deserialize, ToSchema)]
pub struct LocationBody {
    pub(crate) lat: f64,
    pub(crate) lon: f64,
}

#[derive(Deserialize, ToSchema)]
pub struct CreateCaseBody {
    /// dispute、hazard、service_request、alert
    kind: String,
    /// 二级类别代码（见 `/api/v1/categories`）
    category: String,
    title: String,
    description: String,
    /// window、portal、grid_report、hotline、police、court、petition_office、department、alert、api
    channel: String,
    /// 社区（村）的 12 位代码
    community_code: String,
    #[serde(default)]
    parties: Vec<PartyBody>,
    address: Option<String>,
    location: Option<LocationBody>,
    /// 就地办结: what the grid worker did; the case is created already resolved.
    resolved_on_spot: Option<String>,
}

/// The API shape of a case.
#[derive(Serialize, ToSchema)]
pub struct CaseResponse {
    id: i64,
    /// 案件编号（每区市每年连续）
    number: String,
    /// 群众查询码
    tracking_code: String,
    #[schema(value_type = String)]
    kind: CaseKind,
    category: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    category_name: Option<String>,
    title: String,
    description: String,
    #[schema(value_type = String)]
    channel: Channel,
    community_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    community_name: Option<String>,
    address: Option<String>,
    #[schema(value_type = Option<LocationBody>)]
    location: Option<Point>,
    grid_code: Option<String>,
    /// submitted、accepted、rejected、assigned、in_progress、resolved、failed、closed
    #[schema(value_type = String)]
    state: CaseState,
    state_label: &'static str,
    suspended: bool,
    supervised: bool,
    /// 承办节点：node、name、level、kind
    #[schema(value_type = Option<Object>)]
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
    #[schema(value_type = Option<Vec<Object>>)]
    parties: Option<Vec<Party>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    masked: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// 当前用户可做的动作
    #[schema(value_type = Option<Vec<String>>)]
    actions: Option<Vec<Action>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<EventResponse>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<Object>>)]
    possible_duplicates: Option<Vec<zhili_app::case::DuplicateHint>>,
}

#[derive(Serialize, ToSchema)]
pub struct EventResponse {
    id: i64,
    at: String,
    actor: String,
    role: Option<&'static str>,
    action: String,
    #[schema(value_type = Option<String>)]
    from_state: Option<CaseState>,
    #[schema(value_type = String)]
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

#[utoipa::path(
    post, path = "/api/v1/cases", tag = "cases", summary = "登记案件",
    request_body = CreateCaseBody,
    responses(
        (status = 201, description = "已登记（含 `possible_duplicates`：疑似重复的案件）", body = CaseResponse),
        (status = 403, description = "该角色不能登记", body = ErrorBody),
        (status = 422, description = "字段有误（`field` 指出哪一项）", body = ErrorBody),
    ),
)]
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

#[utoipa::path(
    get, path = "/api/v1/cases/{id}", tag = "cases", summary = "一件案件（含当事人、时间线、可做的动作）",
    params(("id" = i64, Path, description = "案件 ID")),
    responses(
        (status = 200, description = "案件", body = CaseResponse),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn get_case(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<CaseResponse>> {
    let v = s.app.case_view(&u.actor, id).await?;
    Ok(Json(view_response(v, s.app.now_ms())))
}

#[derive(Deserialize, ToSchema)]
pub struct ActionBody {
    /// accept、reject、assign、start、escalate、transfer、return、resolve、fail、refer、
    /// verify_and_close、suspend、resume、remind、supervise
    action: String,
    reason: Option<String>,
    assignee: Option<String>,
    agreement: Option<String>,
    referral: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/actions", tag = "cases", summary = "对案件执行一个动作",
    params(("id" = i64, Path, description = "案件 ID")),
    request_body = ActionBody,
    responses(
        (status = 200, description = "动作后的案件", body = CaseResponse),
        (status = 403, description = "该角色或节点不能执行此动作", body = ErrorBody),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
        (status = 409, description = "当前状态不允许（`case.illegal_transition`），或案件已被他人改动（`case.changed`）", body = ErrorBody),
        (status = 422, description = "字段有误（如缺少理由）", body = ErrorBody),
    ),
)]
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

#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// 状态
    pub state: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub division: Option<String>,
    /// 承办节点代码
    pub assignee: Option<String>,
    /// true 或 false
    pub overdue: Option<String>,
    /// 登记日期起（YYYY-MM-DD，北京时间）
    pub from: Option<String>,
    /// 登记日期止（含）
    pub to: Option<String>,
    /// 标题、描述或编号包含
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

#[utoipa::path(
    get, path = "/api/v1/cases", tag = "cases", summary = "辖区内的案件（不含当事人）",
    params(CaseFilter),
    responses(
        (status = 200, description = "一页案件", body = super::Paged<CaseResponse>),
        (status = 422, description = "筛选条件有误", body = ErrorBody),
    ),
)]
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
    let mut held: Vec<NodeCode> = page
        .items
        .iter()
        .filter_map(|c| c.assignee.clone())
        .collect();
    held.sort();
    held.dedup();
    let names = s.app.node_names(&held).await?;
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

#[utoipa::path(
    get, path = "/api/v1/track/{code}", tag = "public", summary = "凭查询码查看办理进度",
    security(()),
    params(("code" = String, Path, description = "查询码")),
    responses(
        (status = 200, description = "进度（编号、状态、时间线，无个人信息）", body = Object),
        (status = 404, description = "查询码不存在", body = ErrorBody),
    ),
)]
pub async fn track(
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<TrackView>> {
    Ok(Json(s.app.track(&code).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RatingBody {
    /// 1 至 5
    score: i64,
    comment: Option<String>,
}

#[utoipa::path(
    post, path = "/api/v1/track/{code}/rating", tag = "public", summary = "群众评价已结案件",
    security(()),
    params(("code" = String, Path, description = "查询码")),
    request_body = RatingBody,
    responses(
        (status = 200, description = "评价后的进度", body = Object),
        (status = 404, description = "查询码不存在", body = ErrorBody),
        (status = 409, description = "尚未结案或已评价过", body = ErrorBody),
        (status = 422, description = "评分有误", body = ErrorBody),
        (status = 429, description = "同一地址提交过于频繁", body = ErrorBody),
    ),
)]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsFilter {
    /// 区划代码（默认为本人辖区）
    division: Option<String>,
    /// 起始日期 YYYY-MM-DD（默认为今年 1 月 1 日）
    from: Option<String>,
    /// 截止日期（含，默认为今天）
    to: Option<String>,
}

#[utoipa::path(
    get, path = "/api/v1/stats", tag = "stats", summary = "案件统计（口径见 docs/metrics.md）",
    params(StatsFilter),
    responses(
        (status = 200, description = "各项指标", body = Object),
        (status = 404, description = "区划不存在或不在辖区内", body = ErrorBody),
        (status = 422, description = "日期有误", body = ErrorBody),
    ),
)]
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

#[derive(Deserialize, ToSchema)]
pub struct SessionBody {
    /// 调解时间（YYYY-MM-DDTHH:MM，北京时间）
    held_at: String,
    place: String,
    mediator: String,
    attendees: String,
    notes: String,
}

#[derive(Serialize, ToSchema)]
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

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/sessions", tag = "cases", summary = "记录一次调解",
    params(("id" = i64, Path, description = "案件 ID")),
    request_body = SessionBody,
    responses(
        (status = 201, description = "已记录", body = SessionResponse),
        (status = 403, description = "无权记录", body = ErrorBody),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
        (status = 422, description = "字段有误", body = ErrorBody),
    ),
)]
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

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/sessions", tag = "cases", summary = "案件的调解记录",
    params(("id" = i64, Path, description = "案件 ID")),
    responses(
        (status = 200, description = "调解记录", body = Vec<SessionResponse>),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
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
