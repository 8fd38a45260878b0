//! The case from intake to verified closure: registering, the actions of the lifecycle,
//! routing and deadlines, reading within jurisdiction (personal data masked for roles that do
//! not need it, and every unmasked read audited), the resident's tracking page and rating.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{CaseQuery, NewCaseEvent, NewCaseRecord};
use crate::App;
use rand::Rng;
use serde::Serialize;
use zhili_domain::calendar::local_year;
use zhili_domain::case::{
    available, decide, needs_reason, Action, Case, CaseEvent, CaseKind, CaseState, Channel, Ending,
    Point, Referral, Refusal,
};
use zhili_domain::category::Category;
use zhili_domain::deadline::{due_at, limit_for};
use zhili_domain::person::{Party, PhoneNo};
use zhili_domain::routing::{candidates, default_rules, escalation, pick, Candidate};
use zhili_domain::{DivisionCode, Level, NodeCode, Outcome, Page, Paged, ParseError, Role, Scope};

pub struct PartyInput {
    pub role: String,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

pub struct NewCaseRequest {
    pub kind: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub channel: String,
    pub community_code: String,
    pub parties: Vec<PartyInput>,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
}

#[derive(Default)]
pub struct ActionRequest {
    pub action: String,
    pub reason: Option<String>,
    pub assignee: Option<String>,
    pub agreement: Option<String>,
    pub referral: Option<String>,
}

/// Who holds a case now.
#[derive(Debug, Clone, Serialize)]
pub struct AssigneeView {
    pub node: String,
    pub name: String,
    /// `body`, `department` or `division`.
    pub kind: &'static str,
    pub level: &'static str,
}

/// A case as one user may see it.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub overdue: bool,
    pub assignee: Option<AssigneeView>,
    /// Parties' names, phones and ID numbers are masked for this reader.
    pub masked: bool,
    /// What this reader may do now.
    pub actions: Vec<Action>,
    pub events: Vec<CaseEvent>,
    pub category_name: String,
    pub community_name: String,
}

/// A freshly registered case, with open cases it may duplicate.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub case: Case,
    pub possible_duplicates: Vec<DuplicateHint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DuplicateHint {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: CaseState,
}

/// What a resident sees by tracking code: no personal data at all.
#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub number: String,
    pub title: String,
    pub category_name: String,
    pub state: CaseState,
    pub state_label: &'static str,
    pub created_at_ms: i64,
    pub handled_by: Option<String>,
    pub can_rate: bool,
    pub rating: Option<i64>,
    pub timeline: Vec<TrackStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrackStep {
    pub at_ms: i64,
    pub label: String,
    pub state: CaseState,
}

impl DuplicateHint {
    fn of(c: Case) -> Self {
        Self {
            id: c.id,
            number: c.number,
            title: c.title,
            state: c.state,
        }
    }
}

const TRACKING_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

fn tracking_code() -> String {
    let mut rng = rand::rng();
    (0..10)
        .map(|_| TRACKING_ALPHABET[rng.random_range(0..TRACKING_ALPHABET.len())] as char)
        .collect()
}

fn text(
    field: &'static str,
    raw: &str,
    max: usize,
    required: bool,
) -> Result<Option<String>, ParseError> {
    let t = raw.trim();
    if t.is_empty() {
        return if required {
            Err(ParseError::new(
                field,
                "case.field_required",
                format!("「{field}」不能为空"),
            ))
        } else {
            Ok(None)
        };
    }
    if t.chars().count() > max {
        return Err(ParseError::new(
            field,
            "case.field_too_long",
            format!("「{field}」不能超过 {max} 字"),
        ));
    }
    Ok(Some(t.to_owned()))
}

/// Roles that register cases.
pub fn registers(role: Role) -> bool {
    matches!(
        role,
        Role::WindowClerk
            | Role::Dispatcher
            | Role::GridWorker
            | Role::Mediator
            | Role::DepartmentHandler
    )
}

/// Roles that read cases at all (the three admin duties handle none).
fn reads_cases(role: Role) -> bool {
    !role.is_admin_duty()
}

/// Roles that see parties unmasked (and whose reads are audited).
fn sees_personal_data(role: Role) -> bool {
    matches!(
        role,
        Role::WindowClerk
            | Role::Dispatcher
            | Role::Mediator
            | Role::DepartmentHandler
            | Role::GridWorker
    )
}

impl App {
    /// The taxonomy and the routing rules, written once on a new database.
    pub async fn ensure_case_setup(&self, operator: &Actor) -> AppResult<()> {
        let now = self.now_ms();
        if self.store.categories().await?.is_empty() {
            let cats = zhili_domain::category::default_taxonomy();
            let e = operator.audit(
                now,
                "case.seed_categories",
                "category:*".into(),
                Outcome::Success,
                format!("{} categories", cats.len()),
            );
            self.store.upsert_categories(&cats, e).await?;
            if let Ok(mut g) = self.categories.write() {
                *g = None;
            }
        }
        if self.store.routing_rules().await?.is_empty() {
            let rules = default_rules();
            let e = operator.audit(
                now,
                "case.seed_routing",
                "routing:*".into(),
                Outcome::Success,
                format!("{} rules", rules.len()),
            );
            self.store.insert_routing_rules(&rules, e).await?;
        }
        Ok(())
    }

    /// The taxonomy, read once and kept (it changes only through `ensure_case_setup`).
    pub async fn categories(&self) -> AppResult<Vec<Category>> {
        if let Some(c) = self.categories.read().map(|g| g.clone()).unwrap_or(None) {
            return Ok(c.as_ref().clone());
        }
        let fresh = std::sync::Arc::new(self.store.categories().await?);
        if let Ok(mut g) = self.categories.write() {
            *g = Some(fresh.clone());
        }
        Ok(fresh.as_ref().clone())
    }

    fn require_case_reader(&self, actor: &Actor) -> AppResult<()> {
        if actor.may(reads_cases) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                why: "administrators handle no cases",
            })
        }
    }

    pub async fn create_case(&self, actor: &Actor, req: NewCaseRequest) -> AppResult<Created> {
        if !actor.may(registers) {
            self.audit_denied(actor, "case.create", "case:new").await?;
            return Err(AppError::Forbidden {
                why: "this role does not register cases",
            });
        }
        let channel = Channel::parse(req.channel.trim())?;
        self.register(actor, req, channel, actor.name()).await
    }

    /// Validate and insert a new case: shared by staff intake (`create_case`, after its role
    /// check) and the resident portal. `actor_name` is who the event and audit record name.
    pub(crate) async fn register(
        &self,
        actor: &Actor,
        req: NewCaseRequest,
        channel: Channel,
        actor_name: String,
    ) -> AppResult<Created> {
        let kind = CaseKind::parse(req.kind.trim())?;
        let title = text("title", &req.title, 100, true)?.unwrap_or_default();
        let description = text("description", &req.description, 5000, true)?.unwrap_or_default();
        let address = req
            .address
            .as_deref()
            .map(|a| text("address", a, 200, false))
            .transpose()?
            .flatten();
        let category = self.category(req.category.trim()).await?;
        if category.kind != kind {
            return Err(ParseError::new(
                "category",
                "case.category_kind_mismatch",
                format!("类别「{}」不属于{}", category.name, kind.label()),
            )
            .into());
        }
        let community = DivisionCode::parse(&req.community_code)
            .map_err(|e| ParseError::new("community_code", e.code, e.message))?;
        if community.level() != Level::Community
            || !actor.scope.sees_division(&community)
            || self.store.division(&community).await?.is_none()
        {
            return Err(ParseError::new(
                "community_code",
                "case.community_not_found",
                "找不到该村居，或不在您的管辖范围内",
            )
            .into());
        }
        let location = req
            .location
            .map(|(lat, lon)| Point::new(lat, lon))
            .transpose()?;
        let parties = parse_parties(&req.parties, kind)?;
        let now = self.now_ms();
        let names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
        let phones: Vec<String> = parties.iter().filter_map(|p| p.phone.clone()).collect();
        let duplicates = self
            .store
            .open_cases_naming(&community, &names, &phones)
            .await?;
        let new = NewCaseRecord {
            kind,
            category: category.code.clone(),
            title,
            description,
            channel,
            community_code: community,
            year: local_year(now),
            address,
            location,
            parties,
            created_by: actor.user.as_ref().map(|u| u.id),
            tracking_code: tracking_code(),
            at_ms: now,
        };
        let mut event = self.case_event(
            actor,
            now,
            "create",
            None,
            CaseState::Submitted,
            String::new(),
            format!("{{\"channel\":\"{}\"}}", channel.as_str()),
        );
        event.actor = actor_name.clone();
        let mut audit = actor.audit(
            now,
            "case.create",
            "case:new".into(),
            Outcome::Success,
            String::new(),
        );
        audit.actor = actor_name;
        let case = self.store.create_case(&new, event, audit).await?;
        Ok(Created {
            case,
            possible_duplicates: duplicates.into_iter().map(DuplicateHint::of).collect(),
        })
    }

    async fn category(&self, code: &str) -> AppResult<Category> {
        self.categories()
            .await?
            .into_iter()
            .find(|c| c.code == code)
            .ok_or_else(|| {
                ParseError::new(
                    "category",
                    "case.category_unknown",
                    format!("未知的类别「{code}」"),
                )
                .into()
            })
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn case_event(
        &self,
        actor: &Actor,
        at_ms: i64,
        action: &str,
        from: Option<CaseState>,
        to: CaseState,
        reason: String,
        payload: String,
    ) -> NewCaseEvent {
        NewCaseEvent {
            at_ms,
            actor_id: actor.user.as_ref().map(|u| u.id),
            actor: actor.name(),
            role: actor.role(),
            source: actor.source.clone(),
            action: action.into(),
            from_state: from,
            to_state: to,
            reason,
            payload,
        }
    }

    /// Load a case the actor may see: 404 otherwise.
    async fn visible_case(&self, actor: &Actor, id: i64) -> AppResult<(Case, Vec<NodeCode>)> {
        self.require_case_reader(actor)?;
        let (case, held) = self
            .store
            .case(id)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        let visible = match &actor.scope {
            Scope::Subtree(d) => d.contains(&case.community_code),
            Scope::WorkArea { communities, .. } => communities.contains(&case.community_code),
            Scope::Unit { code, .. } => held.contains(code),
        };
        if visible {
            Ok((case, held))
        } else {
            Err(AppError::NotFound { what: "case" })
        }
    }

    fn is_assignee(actor: &Actor, case: &Case) -> bool {
        match (&actor.user, &case.assignee) {
            (Some(u), Some(a)) => &u.node == a,
            _ => false,
        }
    }

    pub async fn case_view(&self, actor: &Actor, id: i64) -> AppResult<CaseView> {
        let (mut case, _) = self.visible_case(actor, id).await?;
        let role = actor.role();
        let unmasked = role.is_none_or(sees_personal_data);
        if unmasked && !case.parties.is_empty() {
            let e = actor.audit(
                self.now_ms(),
                "case.read_personal",
                format!("case:{id}"),
                Outcome::Success,
                "parties".into(),
            );
            self.store.append_audit(e).await?;
        } else {
            case.parties = case.parties.iter().map(Party::masked).collect();
        }
        let events = self.store.case_events(id).await?;
        let actions = match role {
            Some(r) => available(case.status(), r, Self::is_assignee(actor, &case)),
            None => Vec::new(),
        };
        let assignee = match &case.assignee {
            Some(n) => Some(self.assignee_view(n).await?),
            None => None,
        };
        let category_name = self
            .category(&case.category)
            .await
            .map(|c| c.name)
            .unwrap_or_else(|_| case.category.clone());
        let community_name = self
            .node_name(&NodeCode::Division(case.community_code.clone()))
            .await?;
        Ok(CaseView {
            overdue: case.overdue(self.now_ms()),
            assignee,
            masked: !unmasked,
            actions,
            events,
            category_name,
            community_name,
            case,
        })
    }

    pub async fn assignee_view(&self, node: &NodeCode) -> AppResult<AssigneeView> {
        let kind = match node {
            NodeCode::Body { .. } => "body",
            NodeCode::Department { .. } => "department",
            _ => "division",
        };
        Ok(AssigneeView {
            node: node.to_string(),
            name: self.node_name(node).await?,
            kind,
            level: node.division().level().as_str(),
        })
    }

    /// Take one action on a case.
    pub async fn act(&self, actor: &Actor, id: i64, req: ActionRequest) -> AppResult<CaseView> {
        let (case, _) = self.visible_case(actor, id).await?;
        let action = Action::parse(req.action.trim())?;
        let role = actor.role().ok_or(AppError::Forbidden {
            why: "the operator does not handle cases",
        })?;
        let to = match decide(case.status(), action, role, Self::is_assignee(actor, &case)) {
            Ok(to) => to,
            Err(Refusal::Forbidden) => {
                self.audit_denied(
                    actor,
                    &format!("case.{}", action.as_str()),
                    &format!("case:{id}"),
                )
                .await?;
                return Err(AppError::Forbidden {
                    why: "not this role's action on this case",
                });
            }
            Err(Refusal::Illegal) => {
                return Err(AppError::Conflict {
                    field: "action",
                    code: "case.illegal_transition",
                    message: format!(
                        "案件当前为「{}」{}，不能执行「{}」",
                        case.state.label(),
                        if case.suspended_at_ms.is_some() {
                            "（已挂起）"
                        } else {
                            ""
                        },
                        action.label()
                    ),
                })
            }
        };
        let reason = req
            .reason
            .as_deref()
            .map(|r| text("reason", r, 2000, false))
            .transpose()?
            .flatten();
        if needs_reason(action) && reason.is_none() {
            return Err(ParseError::new(
                "reason",
                "case.reason_required",
                format!("「{}」须填写理由", action.label()),
            )
            .into());
        }
        let now = self.now_ms();
        let mut next = case.clone();
        next.state = to.state;
        next.updated_at_ms = now;
        let mut held_by = None;
        let mut payload = serde_json_lite(&[]);
        match action {
            Action::Assign | Action::Transfer => {
                let node = match req
                    .assignee
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                {
                    Some(raw) => self.explicit_assignee(&case, raw).await?,
                    None if action == Action::Assign => self.route(&case).await?,
                    None => {
                        return Err(ParseError::new(
                            "assignee",
                            "case.assignee_required",
                            "转办须指定承办单位",
                        )
                        .into())
                    }
                };
                if action == Action::Transfer && case.assignee.as_ref() == Some(&node) {
                    return Err(ParseError::new(
                        "assignee",
                        "case.same_assignee",
                        "转办对象与当前承办单位相同",
                    )
                    .into());
                }
                self.assign_to(&mut next, &node, now);
                payload = serde_json_lite(&[
                    ("assignee", node.to_string()),
                    ("due_at_ms", next.due_at_ms.unwrap_or(0).to_string()),
                ]);
                held_by = Some(node);
            }
            Action::Escalate => {
                let from = case.assignee.clone().ok_or(AppError::Conflict {
                    field: "action",
                    code: "case.illegal_transition",
                    message: "案件尚未派遣，不能上报".into(),
                })?;
                let node = self.escalation_target(from.division()).await?;
                next.escalations += 1;
                self.assign_to(&mut next, &node, now);
                payload = serde_json_lite(&[
                    ("from", from.to_string()),
                    ("assignee", node.to_string()),
                    ("due_at_ms", next.due_at_ms.unwrap_or(0).to_string()),
                ]);
                held_by = Some(node);
            }
            Action::Return => {
                payload = serde_json_lite(&[(
                    "from",
                    case.assignee
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                )]);
                next.assignee = None;
                next.assigned_at_ms = None;
                next.due_at_ms = None;
            }
            Action::Resolve => {
                if case.kind == CaseKind::Dispute {
                    let terms = req
                        .agreement
                        .as_deref()
                        .map(|a| text("agreement", a, 5000, false))
                        .transpose()?
                        .flatten();
                    let terms = terms.ok_or_else(|| {
                        ParseError::new(
                            "agreement",
                            "case.agreement_required",
                            "调解成功须填写协议内容",
                        )
                    })?;
                    next.agreement = Some(terms);
                }
                next.ending = Some(Ending::Agreement);
                next.ended_at_ms = Some(now);
            }
            Action::Fail => {
                next.ending = Some(Ending::Failed);
                next.ended_at_ms = Some(now);
            }
            Action::Refer => {
                let r = req.referral.as_deref().unwrap_or("").trim();
                let r = Referral::parse(r).map_err(|_| {
                    ParseError::new(
                        "referral",
                        "case.referral_invalid",
                        "引导分流须选择 litigation、arbitration 或 authority",
                    )
                })?;
                next.referral = Some(r);
                self.close(&mut next, now);
                payload = serde_json_lite(&[("referral", r.as_str().into())]);
            }
            Action::VerifyAndClose => self.close(&mut next, now),
            Action::Suspend => next.suspended_at_ms = Some(now),
            Action::Resume => {
                if let (Some(since), Some(due)) = (case.suspended_at_ms, case.due_at_ms) {
                    next.due_at_ms = Some(due + (now - since)); // the clock stood still meanwhile
                }
                next.suspended_at_ms = None;
            }
            Action::Supervise => next.supervised = true,
            Action::Accept | Action::Reject | Action::Start | Action::Remind => {}
        }
        let event = self.case_event(
            actor,
            now,
            action.as_str(),
            Some(case.state),
            next.state,
            reason.clone().unwrap_or_default(),
            payload,
        );
        let audit = actor.audit(
            now,
            &format!("case.{}", action.as_str()),
            format!("case:{id}"),
            Outcome::Success,
            case.number.clone(),
        );
        if !self
            .store
            .update_case(&next, case.version, event, audit, held_by.as_ref())
            .await?
        {
            return Err(AppError::Conflict {
                field: "",
                code: "case.changed",
                message: "案件刚被他人更新，请刷新后重试".into(),
            });
        }
        let about = format!("案件 {}「{}」", next.number, next.title);
        match (action, &next.assignee) {
            (Action::Assign | Action::Transfer | Action::Escalate, Some(n)) => {
                self.notify_node(
                    n,
                    id,
                    "assigned",
                    format!("{about}已派给本单位，请及时办理"),
                )
                .await
            }
            (Action::Remind, Some(n)) => {
                let why = reason.unwrap_or_default();
                self.notify_node(n, id, "remind", format!("{about}被催办：{why}"))
                    .await
            }
            (Action::Supervise, Some(n)) => {
                self.notify_node(n, id, "supervise", format!("{about}被列为督办案件"))
                    .await
            }
            _ => {}
        }
        self.case_view(actor, id).await
    }

    fn close(&self, next: &mut Case, now: i64) {
        next.closed_at_ms = Some(now);
        next.closed_on_time = Some(next.due_at_ms.is_none_or(|d| now <= d));
    }

    fn assign_to(&self, next: &mut Case, node: &NodeCode, now: i64) {
        let level = match node.division().level() {
            Level::WorkArea => Level::Township,
            l => l,
        };
        let limit = limit_for(&self.deadlines, next.kind, &next.category, level);
        next.assignee = Some(node.clone());
        next.assigned_at_ms = Some(now);
        next.due_at_ms = Some(due_at(&self.calendar, now, limit));
    }

    /// A node named by the dispatcher (a node code or a username): it must exist and its
    /// territory must contain the case.
    async fn explicit_assignee(&self, case: &Case, raw: &str) -> AppResult<NodeCode> {
        let node = match NodeCode::parse(raw) {
            Ok(n) => n,
            Err(_) => match self.store.credentials(raw).await? {
                Some(c) => c.user.node,
                None => {
                    return Err(ParseError::new(
                        "assignee",
                        "case.assignee_unknown",
                        format!("找不到承办单位或用户「{raw}」"),
                    )
                    .into())
                }
            },
        };
        if !node.division().contains(&case.community_code) || !self.node_exists(&node).await? {
            return Err(ParseError::new(
                "assignee",
                "case.assignee_out_of_reach",
                "承办单位须存在，且其辖区包含案件所在村居",
            )
            .into());
        }
        Ok(node)
    }

    /// Apply the routing rules: the most specific rule's target at its level, else up the hierarchy.
    async fn route(&self, case: &Case) -> AppResult<NodeCode> {
        let rules = self.store.routing_rules().await?;
        let target =
            pick(&rules, &case.community_code, case.kind, &case.category).map(|r| r.target.clone());
        let mut tried = match target {
            Some(t) => candidates(&t, &case.community_code),
            None => Vec::new(),
        };
        // Last resort: the township the case is in, then the county.
        if let Some(t) = case.community_code.parent() {
            tried.push(Candidate::Division(t.clone()));
            if let Some(c) = t.parent() {
                tried.push(Candidate::Division(c));
            }
        }
        self.first_existing(&tried)
            .await?
            .ok_or(AppError::Conflict {
                field: "assignee",
                code: "case.no_route",
                message: "没有可派遣的承办单位，请手工指定".into(),
            })
    }

    async fn escalation_target(&self, from: &DivisionCode) -> AppResult<NodeCode> {
        let Some(c) = escalation(from) else {
            return Err(AppError::Conflict {
                field: "action",
                code: "case.cannot_escalate",
                message: "已在市级，无法继续上报".into(),
            });
        };
        self.first_existing(&c).await?.ok_or(AppError::Conflict {
            field: "action",
            code: "case.cannot_escalate",
            message: "上级单位不存在".into(),
        })
    }

    async fn first_existing(&self, candidates: &[Candidate]) -> AppResult<Option<NodeCode>> {
        for c in candidates {
            match c {
                Candidate::Unit {
                    division,
                    unit_type,
                    kind,
                    sector,
                } => {
                    if let Some(u) = self
                        .store
                        .find_unit(division, *unit_type, *kind, *sector)
                        .await?
                    {
                        return Ok(Some(u.code));
                    }
                }
                Candidate::Division(d) => {
                    if self.store.division(d).await?.is_some() {
                        return Ok(Some(NodeCode::Division(d.clone())));
                    }
                }
                Candidate::Node(n) => {
                    if self.node_exists(n).await? {
                        return Ok(Some(n.clone()));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Open cases in `community` that name one of these people (by name or phone): the
    /// intake form warns about them before anything is written. Names are trimmed and phones
    /// normalised as `create_case` stores them; a community the actor cannot register in
    /// yields nothing (`create_case` then says why).
    pub async fn possible_duplicates(
        &self,
        actor: &Actor,
        community: &str,
        names: &[String],
        phones: &[String],
    ) -> AppResult<Vec<DuplicateHint>> {
        if !actor.may(registers) {
            return Err(AppError::Forbidden {
                why: "this role does not register cases",
            });
        }
        let Ok(community) = DivisionCode::parse(community.trim()) else {
            return Ok(Vec::new());
        };
        if community.level() != Level::Community || !actor.scope.sees_division(&community) {
            return Ok(Vec::new());
        }
        let names: Vec<String> = names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect();
        let phones: Vec<String> = phones
            .iter()
            .filter_map(|p| PhoneNo::parse(p).ok())
            .map(|p| p.as_str().to_owned())
            .collect();
        let found = self
            .store
            .open_cases_naming(&community, &names, &phones)
            .await?;
        Ok(found.into_iter().map(DuplicateHint::of).collect())
    }

    /// Cases the actor may see, filtered; parties are not included in lists.
    pub async fn list_cases(
        &self,
        actor: &Actor,
        mut q: CaseQuery,
        page: Page,
    ) -> AppResult<Paged<Case>> {
        self.require_case_reader(actor)?;
        if let Some(d) = &q.division {
            if !actor.scope.sees_division(d) && !matches!(actor.scope, Scope::Unit { .. }) {
                return Err(AppError::NotFound { what: "division" });
            }
        }
        q.scope = actor.scope.clone();
        Ok(self.store.list_cases(&q, page).await?)
    }

    /// The resident's view by tracking code (no account): nothing about any person.
    pub async fn track(&self, code: &str) -> AppResult<TrackView> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 10 || !code.bytes().all(|b| TRACKING_ALPHABET.contains(&b)) {
            return Err(AppError::NotFound { what: "case" });
        }
        let case = self
            .store
            .case_by_tracking(&code)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        let events = self.store.case_events(case.id).await?;
        let handled_by = match &case.assignee {
            Some(n) => Some(self.node_name(n).await?),
            None => None,
        };
        let category_name = self
            .category(&case.category)
            .await
            .map(|c| c.name)
            .unwrap_or_default();
        Ok(TrackView {
            number: case.number.clone(),
            title: case.title.clone(),
            category_name,
            state: case.state,
            state_label: case.state.label(),
            created_at_ms: case.created_at_ms,
            handled_by,
            can_rate: case.state == CaseState::Closed && case.rating.is_none(),
            rating: case.rating,
            timeline: events
                .iter()
                .filter(|e| !matches!(e.action.as_str(), "remind" | "supervise"))
                .map(|e| TrackStep {
                    at_ms: e.at_ms,
                    label: public_label(&e.action),
                    state: e.to_state,
                })
                .collect(),
        })
    }

    /// The resident rates a closed case once, 1–5.
    pub async fn rate(
        &self,
        code: &str,
        score: i64,
        comment: Option<&str>,
        source: &str,
    ) -> AppResult<TrackView> {
        if !(1..=5).contains(&score) {
            return Err(ParseError::new("score", "case.score_invalid", "评分应为 1–5").into());
        }
        let comment = comment
            .map(|c| text("comment", c, 500, false))
            .transpose()?
            .flatten();
        let code_up = code.trim().to_ascii_uppercase();
        let case = self
            .store
            .case_by_tracking(&code_up)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        if case.state != CaseState::Closed {
            return Err(AppError::Conflict {
                field: "score",
                code: "case.not_closed",
                message: "案件结案后才能评价".into(),
            });
        }
        if case.rating.is_some() {
            return Err(AppError::Conflict {
                field: "score",
                code: "case.already_rated",
                message: "该案件已评价".into(),
            });
        }
        let now = self.now_ms();
        let mut next = case.clone();
        next.rating = Some(score);
        next.rating_comment = comment.clone();
        next.updated_at_ms = now;
        let resident = Actor {
            user: None,
            scope: Scope::Subtree(case.community_code.clone()),
            source: source.to_owned(),
        };
        let mut event = self.case_event(
            &resident,
            now,
            "rate",
            Some(case.state),
            case.state,
            comment.unwrap_or_default(),
            serde_json_lite(&[("score", score.to_string())]),
        );
        event.actor = "resident".into();
        let mut audit = resident.audit(
            now,
            "case.rate",
            format!("case:{}", case.id),
            Outcome::Success,
            score.to_string(),
        );
        audit.actor = "resident".into();
        if !self
            .store
            .update_case(&next, case.version, event, audit, None)
            .await?
        {
            return Err(AppError::Conflict {
                field: "",
                code: "case.changed",
                message: "案件刚被更新，请刷新后重试".into(),
            });
        }
        self.track(&code_up).await
    }
}

fn parse_parties(input: &[PartyInput], kind: CaseKind) -> AppResult<Vec<Party>> {
    if input.len() > 20 {
        return Err(
            ParseError::new("parties", "case.too_many_parties", "当事人不能超过 20 人").into(),
        );
    }
    let mut out = Vec::with_capacity(input.len());
    for (i, p) in input.iter().enumerate() {
        let party = Party::parse(&p.role, &p.name, p.phone.as_deref(), p.id_number.as_deref())
            .map_err(|e| {
                ParseError::new(
                    e.field,
                    e.code,
                    format!("第 {} 位当事人：{}", i + 1, e.message),
                )
            })?;
        out.push(party);
    }
    if kind == CaseKind::Dispute
        && !out
            .iter()
            .any(|p| p.role == zhili_domain::person::PartyRole::Applicant)
    {
        return Err(ParseError::new(
            "parties",
            "case.applicant_required",
            "矛盾纠纷须至少登记一名申请人",
        )
        .into());
    }
    Ok(out)
}

/// What a resident reads for a timeline step.
fn public_label(action: &str) -> String {
    match action {
        "create" => "已登记".into(),
        "rate" => "已评价".into(),
        other => Action::parse(other)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}

/// A flat JSON object of string values (the event payload), without a JSON dependency.
fn serde_json_lite(pairs: &[(&str, String)]) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("\"{}\":\"{}\"", esc(k), esc(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}
