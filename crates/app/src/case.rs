//! The case from intake to verified closure: registering, the actions of the lifecycle,
//! routing and deadlines, reading within jurisdiction (personal data masked for roles that do
//! not need it, and every unmasked read audited), the resident's tracking page and rating.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{CaseQuery, NewCaseEvent, NewCaseRecord, NewOnSpot};
use crate::App;
use rand::Rng;
use serde::Serialize;
use zhili_domain::calendar::local_year;
use zhili_domain::case::{
    available, decide, Action, Case, CaseEvent, CaseKind, CaseState, CaseStatus, Channel, Point,
};
use zhili_domain::category::Category;
use zhili_domain::person::{Party, PhoneNo};
use zhili_domain::routing::default_rules;
use zhili_domain::{DivisionCode, Level, NodeCode, Outcome, Page, Paged, ParseError, Role, Scope};

pub struct PartyInput {
    pub role: String,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// What intake writes beside the case itself.
pub(crate) enum Intake {
    Plain,
    /// An alert from a feed: its row and its dispatch at intake.
    Alert(crate::alert::AlertIntake),
    /// A request posted through Open311: its token, key and media URL.
    Open311(crate::ports::NewOpen311Record),
    /// 就地办结: what the reporting grid worker did.
    OnSpot(String),
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

pub(crate) const TRACKING_ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

pub(crate) fn tracking_code() -> String {
    let mut rng = rand::rng();
    (0..10)
        .map(|_| TRACKING_ALPHABET[rng.random_range(0..TRACKING_ALPHABET.len())] as char)
        .collect()
}

pub(crate) fn text(
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
pub(crate) fn reads_cases(role: Role) -> bool {
    !role.is_admin_duty()
}

/// Roles that see parties unmasked (and whose reads are audited).
pub(crate) fn sees_personal_data(role: Role) -> bool {
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
        self.register_with(actor, req, channel, actor_name, Intake::Plain)
            .await
    }

    /// 就地办结: a grid worker reports a problem they have already fixed. The case is created
    /// and resolved in one transaction (`decide`'s `resolve_on_spot` edge, the reporter being
    /// its handler) and still waits for a dispatcher's verification and close.
    pub async fn report_resolved_on_spot(
        &self,
        actor: &Actor,
        req: NewCaseRequest,
        what_done: &str,
    ) -> AppResult<Created> {
        let role = actor.role().ok_or(AppError::Forbidden {
            why: "the operator does not handle cases",
        })?;
        if decide(
            CaseStatus::new(CaseState::Submitted),
            Action::ResolveOnSpot,
            role,
            true,
        )
        .is_err()
        {
            self.audit_denied(actor, "case.resolve_on_spot", "case:new")
                .await?;
            return Err(AppError::Forbidden {
                why: "only grid workers resolve on the spot",
            });
        }
        let done = text("resolved_on_spot", what_done, 2000, false)?.ok_or_else(|| {
            ParseError::new(
                "resolved_on_spot",
                "case.on_spot_required",
                "就地解决须填写处理情况",
            )
        })?;
        let channel = Channel::parse(req.channel.trim())?;
        self.register_with(actor, req, channel, actor.name(), Intake::OnSpot(done))
            .await
    }

    /// `register`, and for an alert from a feed its dispatch at intake, for an Open311
    /// request its Open311 row.
    pub(crate) async fn register_with(
        &self,
        actor: &Actor,
        req: NewCaseRequest,
        channel: Channel,
        actor_name: String,
        extra: Intake,
    ) -> AppResult<Created> {
        let (alert, open311, on_spot) = match extra {
            Intake::Plain => (None, None, None),
            Intake::Alert(a) => (Some(a), None, None),
            Intake::Open311(o) => (None, Some(o), None),
            Intake::OnSpot(done) => (None, None, Some(done)),
        };
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
        let location = req
            .location
            .map(|(lat, lon)| Point::new(lat, lon))
            .transpose()?;
        // A point inside a grid places the case in that grid and its community; an address
        // alone keeps the community given.
        let grid = match location {
            Some(p) => self
                .locate_grid(p)
                .await?
                .filter(|g| actor.scope.sees_division(&g.community())),
            None => None,
        };
        let community = match &grid {
            Some(g) => g.community(),
            None => DivisionCode::parse(&req.community_code)
                .map_err(|e| ParseError::new("community_code", e.code, e.message))?,
        };
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
        let parties = parse_parties(&req.parties, kind)?;
        let now = self.now_ms();
        let names: Vec<String> = parties.iter().map(|p| p.name.clone()).collect();
        let phones: Vec<String> = parties.iter().filter_map(|p| p.phone.clone()).collect();
        let duplicates = self
            .store
            .open_cases_naming(&community, &names, &phones)
            .await?;
        let alert = match alert {
            Some(a) => Some(
                self.dispatch_alert(
                    a,
                    kind,
                    &category.code,
                    &community,
                    grid.as_ref().map(|g| g.to_string()).as_deref(),
                    &title,
                    now,
                )
                .await?,
            ),
            None => None,
        };
        let on_spot = match (on_spot, actor.user.as_ref()) {
            (Some(done), Some(u)) => Some(NewOnSpot {
                handler: u.node.clone(),
                agreement: (kind == CaseKind::Dispute).then(|| done.clone()),
                event: self.case_event(
                    actor,
                    now,
                    Action::ResolveOnSpot.as_str(),
                    Some(CaseState::Submitted),
                    CaseState::Resolved,
                    done,
                    format!("{{\"assignee\":\"{}\"}}", u.node),
                ),
                audit: actor.audit(
                    now,
                    "case.resolve_on_spot",
                    "case:new".into(),
                    Outcome::Success,
                    String::new(),
                ),
            }),
            _ => None,
        };
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
            grid_code: grid.map(|g| g.to_string()),
            parties,
            created_by: actor.user.as_ref().map(|u| u.id),
            tracking_code: tracking_code(),
            at_ms: now,
            alert,
            on_spot,
            open311,
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

    pub async fn category(&self, code: &str) -> AppResult<Category> {
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
    pub(crate) async fn visible_case(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(Case, Vec<NodeCode>)> {
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

    pub(crate) fn is_assignee(actor: &Actor, case: &Case) -> bool {
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
}

pub(crate) fn parse_parties(input: &[PartyInput], kind: CaseKind) -> AppResult<Vec<Party>> {
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

/// A flat JSON object of string values (the event payload), without a JSON dependency.
pub(crate) fn serde_json_lite(pairs: &[(&str, String)]) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let body: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("\"{}\":\"{}\"", esc(k), esc(v)))
        .collect();
    format!("{{{}}}", body.join(","))
}
