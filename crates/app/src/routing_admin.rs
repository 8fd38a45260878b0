//! Routing rules are data: system admins list them, add rules for their subtree and remove
//! them. The most specific matching rule wins (see `zhili_domain::routing`).

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use zhili_domain::case::CaseKind;
use zhili_domain::routing::{RoutingRule, Target};
use zhili_domain::{DivisionCode, Outcome, ParseError, Role};

pub struct NewRuleRequest<'a> {
    pub within: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub category: Option<&'a str>,
    /// `committee:LEVEL`, `sector:LEVEL:SECTOR`, `department:LEVEL:SECTOR`, `division:LEVEL` or `node:CODE`.
    pub target: &'a str,
}

impl App {
    /// The rules that apply inside the actor's jurisdiction (city-wide ones and its subtree's).
    pub async fn routing_rules(&self, actor: &Actor) -> AppResult<Vec<RoutingRule>> {
        if !actor.may(|r| r == Role::SystemAdmin || r == Role::Dispatcher || r == Role::Leader) {
            return Err(AppError::Forbidden {
                why: "routing rules are for system admins and dispatchers",
            });
        }
        let home = actor.scope.home();
        Ok(self
            .store
            .routing_rules()
            .await?
            .into_iter()
            .filter(|r| {
                r.within
                    .as_ref()
                    .is_none_or(|w| actor.scope.sees_division(w) || w.contains(home.division()))
            })
            .collect())
    }

    pub async fn add_routing_rule(
        &self,
        actor: &Actor,
        req: NewRuleRequest<'_>,
    ) -> AppResult<RoutingRule> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            self.audit_denied(actor, "routing.add", "routing:*").await?;
            return Err(AppError::Forbidden {
                why: "only system admins edit routing rules",
            });
        }
        let within = req
            .within
            .filter(|s| !s.is_empty())
            .map(|w| {
                DivisionCode::parse(w).map_err(|e| ParseError::new("within", e.code, e.message))
            })
            .transpose()?;
        match &within {
            Some(w) if !actor.scope.sees_division(w) => {
                return Err(ParseError::new(
                    "within",
                    "routing.within_out_of_scope",
                    "规则的适用范围须在您的管辖范围内",
                )
                .into())
            }
            None if actor.user.is_some() && actor.scope.home().division().parent().is_some() => {
                return Err(ParseError::new(
                    "within",
                    "routing.within_required",
                    "非市级管理员须指定规则适用的区划",
                )
                .into())
            }
            _ => {}
        }
        let kind = req
            .kind
            .filter(|s| !s.is_empty())
            .map(CaseKind::parse)
            .transpose()?;
        let category = match req.category.filter(|s| !s.is_empty()) {
            Some(c) => Some(self.category(c).await?.code),
            None => None,
        };
        let target = Target::parse(req.target.trim())?;
        let rule = RoutingRule {
            id: 0,
            within,
            kind,
            category,
            target,
        };
        let detail = format!(
            "{} → {}",
            rule.category.as_deref().unwrap_or("*"),
            rule.target
        );
        let audit = actor.audit(
            self.now_ms(),
            "routing.add",
            "routing:new".into(),
            Outcome::Success,
            detail,
        );
        self.store
            .insert_routing_rules(std::slice::from_ref(&rule), audit)
            .await?;
        Ok(self
            .store
            .routing_rules()
            .await?
            .into_iter()
            .last()
            .unwrap_or(rule))
    }

    pub async fn remove_routing_rule(&self, actor: &Actor, id: i64) -> AppResult<()> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            self.audit_denied(actor, "routing.remove", &format!("routing:{id}"))
                .await?;
            return Err(AppError::Forbidden {
                why: "only system admins edit routing rules",
            });
        }
        let rule = self
            .routing_rules(actor)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(AppError::NotFound {
                what: "routing_rule",
            })?;
        if rule.within.is_none()
            && actor.user.is_some()
            && actor.scope.home().division().parent().is_some()
        {
            return Err(AppError::NotFound {
                what: "routing_rule",
            });
        }
        let audit = actor.audit(
            self.now_ms(),
            "routing.remove",
            format!("routing:{id}"),
            Outcome::Success,
            rule.target.to_string(),
        );
        self.store.delete_routing_rule(id, audit).await?;
        Ok(())
    }
}
