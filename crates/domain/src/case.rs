//! The case (矛盾纠纷 / 事件): kinds, channels, states, actions and the one pure function that
//! decides every transition (DESIGN.md §3).
//!
//! ```text
//! submitted ──accept──▶ accepted ──assign──▶ assigned ──start──▶ in_progress
//!     │                    ▲                  ▲  │ escalate / transfer
//!     └─reject─▶ rejected  └──── return ──────┴──┘
//! in_progress ──resolve──▶ resolved ──verify_and_close──▶ closed ──rate──▶ (rated)
//! in_progress ──fail──▶ failed ──refer──▶ closed
//! submitted ──resolve_on_spot──▶ resolved   (a grid worker's report of what they fixed at once)
//! any open state ──suspend / resume──▶ the same state (the clock stops meanwhile)
//! any open state ──remind / supervise──▶ the same state (催办 / 督办)
//! ```

use crate::error::ParseError;
use crate::role::Role;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $code:literal { $($variant:ident => $s:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, ParseError> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    ParseError::new($field, $code, format!("「{raw}」无效，可选：{}", allowed.join("、")))
                })
            }
        }
    };
}

string_enum!(
    /// What kind of thing is to be solved.
    CaseKind, "kind", "case.kind_invalid" {
        Dispute => "dispute", "矛盾纠纷";
        Hazard => "hazard", "隐患";
        ServiceRequest => "service_request", "服务诉求";
        Alert => "alert", "预警";
    }
);

string_enum!(
    /// How the case reached Zhili.
    Channel, "channel", "case.channel_invalid" {
        Window => "window", "窗口";
        Portal => "portal", "解纷码";
        GridReport => "grid_report", "网格上报";
        Hotline => "hotline", "热线";
        Police => "police", "公安转来";
        Court => "court", "法院转来";
        PetitionOffice => "petition_office", "信访转来";
        Department => "department", "部门转办";
        Alert => "alert", "预警推送";
        Api => "api", "接口";
    }
);

string_enum!(
    /// Where a case is in its life.
    CaseState, "state", "case.state_invalid" {
        Submitted => "submitted", "待受理";
        Accepted => "accepted", "已受理";
        Rejected => "rejected", "不予受理";
        Assigned => "assigned", "已派遣";
        InProgress => "in_progress", "办理中";
        Resolved => "resolved", "已办结";
        Failed => "failed", "调解不成";
        Closed => "closed", "已结案";
    }
);

string_enum!(
    /// Everything that can be done to a case.
    Action, "action", "case.action_invalid" {
        Accept => "accept", "受理";
        Reject => "reject", "不予受理";
        Assign => "assign", "派遣";
        Start => "start", "开始办理";
        Escalate => "escalate", "上报";
        Transfer => "transfer", "转办";
        Return => "return", "退回";
        Resolve => "resolve", "办结";
        Fail => "fail", "调解不成";
        Refer => "refer", "引导分流";
        VerifyAndClose => "verify_and_close", "核查结案";
        Suspend => "suspend", "挂起";
        Resume => "resume", "恢复";
        Remind => "remind", "催办";
        Supervise => "supervise", "督办";
        ResolveOnSpot => "resolve_on_spot", "就地办结";
    }
);

string_enum!(
    /// Where a failed mediation is sent (引导分流).
    Referral, "referral", "case.referral_invalid" {
        Litigation => "litigation", "诉讼";
        Arbitration => "arbitration", "仲裁";
        Authority => "authority", "行政机关处理";
    }
);

impl CaseState {
    /// Closed and rejected cases are final; everything else is open.
    pub fn is_open(self) -> bool {
        !matches!(self, CaseState::Closed | CaseState::Rejected)
    }
}

/// State plus the suspension flag: a suspended case keeps its state and its clock stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CaseStatus {
    pub state: CaseState,
    pub suspended: bool,
}

impl CaseStatus {
    pub fn new(state: CaseState) -> Self {
        Self {
            state,
            suspended: false,
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The caller's role never takes this action, or it must be the case's assignee and is not.
    Forbidden,
    /// The action does not apply to the case's current state.
    Illegal,
}

/// Who may take an action: which roles, and whether they must be the current assignee.
fn permitted(action: Action, role: Role, is_assignee: bool) -> bool {
    use Action::*;
    let handler = matches!(
        role,
        Role::Mediator | Role::DepartmentHandler | Role::GridWorker
    ) && is_assignee;
    match action {
        Accept | Reject | Assign | Transfer | VerifyAndClose | Suspend | Resume => {
            role == Role::Dispatcher
        }
        Start | Return | Resolve | Fail => handler,
        Escalate | Refer => role == Role::Dispatcher || handler,
        Remind | Supervise => matches!(role, Role::Dispatcher | Role::Leader),
        // 就地办结: the grid worker who found the problem and fixed it there and then; at
        // intake they are the case's handler (`is_assignee`), and a submitted case otherwise
        // has no assignee, so no one else ever gets this edge.
        ResolveOnSpot => role == Role::GridWorker && is_assignee,
    }
}

/// The state an action leads to from `from`, or `None` when it does not apply.
fn next(from: CaseStatus, action: Action) -> Option<CaseStatus> {
    use Action::*;
    use CaseState::*;
    let s = from.state;
    let to = |state| {
        Some(CaseStatus {
            state,
            suspended: from.suspended,
        })
    };
    if from.suspended {
        return match action {
            Resume => Some(CaseStatus {
                state: s,
                suspended: false,
            }),
            Remind | Supervise => to(s),
            _ => None,
        };
    }
    match (s, action) {
        (Submitted, Accept) => to(Accepted),
        (Submitted, Reject) => to(Rejected),
        (Accepted, Assign) => to(Assigned),
        (Assigned, Start) => to(InProgress),
        (Assigned | InProgress, Escalate | Transfer) => to(Assigned),
        (Assigned | InProgress, Return) => to(Accepted),
        (InProgress, Resolve) => to(Resolved),
        (Submitted, ResolveOnSpot) => to(Resolved),
        (InProgress, Fail) => to(Failed),
        (Failed, Refer) => to(Closed),
        (Resolved, VerifyAndClose) => to(Closed),
        (Accepted | Assigned | InProgress, Suspend) => Some(CaseStatus {
            state: s,
            suspended: true,
        }),
        (st, Remind | Supervise) if st.is_open() => to(st),
        _ => None,
    }
}

/// Decide one transition: who may act first (403), then whether the state allows it (409).
pub fn decide(
    from: CaseStatus,
    action: Action,
    role: Role,
    is_assignee: bool,
) -> Result<CaseStatus, Refusal> {
    if !permitted(action, role, is_assignee) {
        return Err(Refusal::Forbidden);
    }
    next(from, action).ok_or(Refusal::Illegal)
}

/// The actions a user could take now (for the case page's buttons).
pub fn available(from: CaseStatus, role: Role, is_assignee: bool) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| decide(from, *a, role, is_assignee).is_ok())
        .collect()
}

/// Does this action need a written reason?
pub fn needs_reason(action: Action) -> bool {
    matches!(
        action,
        Action::Reject
            | Action::Return
            | Action::Fail
            | Action::Suspend
            | Action::Escalate
            | Action::Transfer
            | Action::ResolveOnSpot
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use CaseState::*;

    /// The lifecycle of DESIGN.md §3 written out edge by edge, independently of `next`.
    const EDGES: &[(CaseState, Action, CaseState)] = &[
        (Submitted, Accept, Accepted),
        (Submitted, Reject, Rejected),
        (Accepted, Assign, Assigned),
        (Assigned, Start, InProgress),
        (Assigned, Escalate, Assigned),
        (InProgress, Escalate, Assigned),
        (Assigned, Transfer, Assigned),
        (InProgress, Transfer, Assigned),
        (Assigned, Return, Accepted),
        (InProgress, Return, Accepted),
        (InProgress, Resolve, Resolved),
        (InProgress, Fail, Failed),
        (Failed, Refer, Closed),
        (Resolved, VerifyAndClose, Closed),
        (Submitted, ResolveOnSpot, Resolved),
    ];

    fn roles_for(a: Action) -> (&'static [Role], bool) {
        // (roles, must be the assignee)
        const DISPATCH: &[Role] = &[Role::Dispatcher];
        const HANDLERS: &[Role] = &[Role::Mediator, Role::DepartmentHandler, Role::GridWorker];
        const BOTH: &[Role] = &[
            Role::Dispatcher,
            Role::Mediator,
            Role::DepartmentHandler,
            Role::GridWorker,
        ];
        const OVERSEE: &[Role] = &[Role::Dispatcher, Role::Leader];
        match a {
            Accept | Reject | Assign | Transfer | VerifyAndClose | Suspend | Resume => {
                (DISPATCH, false)
            }
            Start | Return | Resolve | Fail => (HANDLERS, true),
            Escalate | Refer => (BOTH, true),
            Remind | Supervise => (OVERSEE, false),
            ResolveOnSpot => (&[Role::GridWorker], true),
        }
    }

    fn expected(
        from: CaseStatus,
        a: Action,
        role: Role,
        assignee: bool,
    ) -> Result<CaseStatus, Refusal> {
        let (roles, needs_assignee) = roles_for(a);
        let handler_role = matches!(
            role,
            Role::Mediator | Role::DepartmentHandler | Role::GridWorker
        );
        let allowed = roles.contains(&role) && (!needs_assignee || !handler_role || assignee);
        if !allowed {
            return Err(Refusal::Forbidden);
        }
        let open = from.state.is_open();
        let to = if from.suspended {
            match a {
                Resume => Some(CaseStatus::new(from.state)),
                Remind | Supervise => Some(from),
                _ => None,
            }
        } else {
            match a {
                Suspend if matches!(from.state, Accepted | Assigned | InProgress) => {
                    Some(CaseStatus {
                        state: from.state,
                        suspended: true,
                    })
                }
                Remind | Supervise if open => Some(from),
                _ => EDGES
                    .iter()
                    .find(|(f, x, _)| *f == from.state && *x == a)
                    .map(|(_, _, t)| CaseStatus::new(*t)),
            }
        };
        to.ok_or(Refusal::Illegal)
    }

    #[test]
    fn every_state_action_role_combination_follows_the_lifecycle() {
        let mut checked = 0;
        for &state in CaseState::ALL {
            for suspended in [false, true] {
                let from = CaseStatus { state, suspended };
                for &a in Action::ALL {
                    for role in Role::ALL {
                        for assignee in [false, true] {
                            assert_eq!(decide(from, a, role, assignee), expected(from, a, role, assignee), "{state:?} suspended={suspended} {a:?} by {role:?} assignee={assignee}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 8 * 2 * 16 * 9 * 2);
    }

    #[test]
    fn the_walk_in_dispute_path_is_legal_for_the_right_people() {
        let mut s = CaseStatus::new(Submitted);
        for (a, role, assignee) in [
            (Accept, Role::Dispatcher, false),
            (Assign, Role::Dispatcher, false),
            (Start, Role::Mediator, true),
            (Resolve, Role::Mediator, true),
            (VerifyAndClose, Role::Dispatcher, false),
        ] {
            s = decide(s, a, role, assignee).unwrap();
        }
        assert_eq!(s, CaseStatus::new(Closed));
    }

    #[test]
    fn clerks_admins_and_bystanders_are_forbidden_and_wrong_states_are_illegal() {
        let s = CaseStatus::new(Submitted);
        assert_eq!(
            decide(s, Accept, Role::WindowClerk, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(s, Accept, Role::SecurityAdmin, false),
            Err(Refusal::Forbidden)
        );
        assert_eq!(
            decide(s, VerifyAndClose, Role::Dispatcher, false),
            Err(Refusal::Illegal)
        );
        let r = CaseStatus::new(Resolved);
        assert_eq!(
            decide(r, VerifyAndClose, Role::Mediator, true),
            Err(Refusal::Forbidden)
        );
        let ip = CaseStatus::new(InProgress);
        assert_eq!(
            decide(ip, Resolve, Role::Mediator, false),
            Err(Refusal::Forbidden),
            "only the assignee resolves"
        );
    }

    #[test]
    fn a_grid_worker_resolves_on_the_spot_and_a_dispatcher_still_verifies_and_closes() {
        let s = CaseStatus::new(Submitted);
        let resolved = decide(s, ResolveOnSpot, Role::GridWorker, true).unwrap();
        assert_eq!(resolved, CaseStatus::new(Resolved));
        assert_eq!(
            decide(resolved, VerifyAndClose, Role::Dispatcher, false),
            Ok(CaseStatus::new(Closed))
        );
        assert_eq!(
            decide(s, ResolveOnSpot, Role::Mediator, true),
            Err(Refusal::Forbidden),
            "only grid workers close on the spot"
        );
        assert_eq!(
            decide(s, ResolveOnSpot, Role::GridWorker, false),
            Err(Refusal::Forbidden),
            "not someone else's report"
        );
        assert_eq!(
            decide(
                CaseStatus::new(Accepted),
                ResolveOnSpot,
                Role::GridWorker,
                true
            ),
            Err(Refusal::Illegal),
            "only at intake"
        );
        assert!(needs_reason(ResolveOnSpot), "what was done is required");
        assert!(!available(s, Role::GridWorker, false).contains(&ResolveOnSpot));
    }

    #[test]
    fn a_suspended_case_only_resumes() {
        let s = decide(
            CaseStatus::new(InProgress),
            Suspend,
            Role::Dispatcher,
            false,
        )
        .unwrap();
        assert!(s.suspended);
        assert_eq!(
            decide(s, Resolve, Role::Mediator, true),
            Err(Refusal::Illegal)
        );
        assert_eq!(
            decide(s, Resume, Role::Dispatcher, false),
            Ok(CaseStatus::new(InProgress))
        );
        assert_eq!(available(s, Role::Leader, false), vec![Remind, Supervise]);
    }
}

/// How a case's handling ended (for the success rate): an agreement, or failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    Agreement,
    Failed,
}

impl Ending {
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Agreement => "agreement",
            Ending::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "agreement" => Some(Ending::Agreement),
            "failed" => Some(Ending::Failed),
            _ => None,
        }
    }
}

/// A point in WGS-84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
}

impl Point {
    pub fn new(lat: f64, lon: f64) -> Result<Self, ParseError> {
        if !(lat.is_finite()
            && lon.is_finite()
            && (-90.0..=90.0).contains(&lat)
            && (-180.0..=180.0).contains(&lon))
        {
            return Err(ParseError::new(
                "location",
                "case.location_invalid",
                "坐标无效：纬度 −90–90，经度 −180–180",
            ));
        }
        Ok(Self { lat, lon })
    }
}

/// One case as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: i64,
    pub number: String,
    pub tracking_code: String,
    pub kind: CaseKind,
    pub category: String,
    pub title: String,
    pub description: String,
    pub channel: Channel,
    pub community_code: crate::division::DivisionCode,
    pub address: Option<String>,
    pub location: Option<Point>,
    /// The grid the case's point lies in (`community code + 3 digits`), if any.
    pub grid_code: Option<String>,
    pub state: CaseState,
    pub suspended_at_ms: Option<i64>,
    pub supervised: bool,
    pub assignee: Option<crate::node::NodeCode>,
    pub assigned_at_ms: Option<i64>,
    pub due_at_ms: Option<i64>,
    pub ending: Option<Ending>,
    pub agreement: Option<String>,
    pub referral: Option<Referral>,
    pub escalations: i64,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub ended_at_ms: Option<i64>,
    pub closed_at_ms: Option<i64>,
    pub closed_on_time: Option<bool>,
    pub version: i64,
    pub parties: Vec<crate::person::Party>,
}

impl Case {
    pub fn status(&self) -> CaseStatus {
        CaseStatus {
            state: self.state,
            suspended: self.suspended_at_ms.is_some(),
        }
    }

    /// Past due and still open. While suspended the clock stands still at the suspension.
    pub fn overdue(&self, now_ms: i64) -> bool {
        let clock = self.suspended_at_ms.unwrap_or(now_ms);
        self.state.is_open()
            && self.state != CaseState::Resolved
            && self.due_at_ms.is_some_and(|d| clock > d)
    }
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseEvent {
    pub id: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub role: Option<Role>,
    pub source: String,
    /// `create`, `rate` or an `Action`.
    pub action: String,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub reason: String,
    /// JSON text with the action's details (assignee, due time, agreement, …).
    pub payload: String,
}

/// `370602-2026-000123`.
pub fn case_number(county6: &str, year: i64, seq: i64) -> String {
    format!("{county6}-{year}-{seq:06}")
}

/// One mediation session (调解记录).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediationSession {
    pub id: i64,
    pub case_id: i64,
    pub held_at_ms: i64,
    pub place: String,
    pub mediator: String,
    pub attendees: String,
    pub notes: String,
    pub created_by: Option<i64>,
    pub created_at_ms: i64,
}

/// A file attached to a case (a photo of the damage, a contract, a medical record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: i64,
    pub case_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The file's name under the data directory's `attachments/`.
    #[serde(skip)]
    pub stored_name: String,
    pub uploaded_by: Option<i64>,
    pub created_at_ms: i64,
}

/// The largest attachment accepted (10 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// What a file really is, from its first bytes (the declared type is not trusted):
/// JPEG, PNG or PDF; anything else is refused.
pub fn sniff_attachment(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}
