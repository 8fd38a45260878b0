//! The actions of the lifecycle (accept … verify_and_close), with routing, escalation,
//! deadlines and suspension.

use super::case::*;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use zhili_domain::case::{decide, needs_reason, Action, Case, CaseKind, Ending, Referral, Refusal};
use zhili_domain::deadline::{due_at, limit_for};
use zhili_domain::routing::{candidates, escalation, pick, Candidate};
use zhili_domain::{DivisionCode, Level, NodeCode, Outcome, ParseError};

impl App {
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
            // Only at intake (`report_resolved_on_spot`); `decide` refuses it on a stored case,
            // which never has an assignee while submitted.
            Action::ResolveOnSpot => {
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
        self.route_for(&case.community_code, case.kind, &case.category)
            .await
    }

    /// The routing rules for a case of `kind` and `category` in `community`.
    pub(crate) async fn route_for(
        &self,
        community: &DivisionCode,
        kind: CaseKind,
        category: &str,
    ) -> AppResult<NodeCode> {
        let rules = self.store.routing_rules().await?;
        let target = pick(&rules, community, kind, category).map(|r| r.target.clone());
        let mut tried = match target {
            Some(t) => candidates(&t, community),
            None => Vec::new(),
        };
        // Last resort: the township the case is in, then the county.
        if let Some(t) = community.parent() {
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

    /// The first of `candidates` that exists.
    pub(crate) async fn first_existing_node(
        &self,
        candidates: &[Candidate],
    ) -> AppResult<Option<NodeCode>> {
        self.first_existing(candidates).await
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
}
