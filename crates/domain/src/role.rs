//! Roles and what each may do. The three administrative duties (三权分立) are separate roles
//! and an account holds exactly one role, so no account can hold two duties.

use crate::error::ParseError;
use crate::node::NodeCode;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: configures the organisation (departments, bodies, work areas); no audit log.
    SystemAdmin,
    /// 安全管理员: the only role that creates users and changes roles.
    SecurityAdmin,
    /// 安全审计员: the only role that reads the audit log.
    Auditor,
    /// 领导: read-only overview of the jurisdiction.
    Leader,
    /// 平安法治办 (后台): accepts, dispatches, escalates and verifies cases.
    Dispatcher,
    /// 综治中心窗口 (前台): registers cases.
    WindowClerk,
    /// 调解员 of a mediation body.
    Mediator,
    /// 网格员.
    GridWorker,
    /// 部门经办人.
    DepartmentHandler,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::SystemAdmin,
        Role::SecurityAdmin,
        Role::Auditor,
        Role::Leader,
        Role::Dispatcher,
        Role::WindowClerk,
        Role::Mediator,
        Role::GridWorker,
        Role::DepartmentHandler,
    ];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "role",
                    "user.role_invalid",
                    format!(
                        "未知的角色「{raw}」，可选：{}",
                        Self::ALL.map(|r| r.as_str()).join("、")
                    ),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::SecurityAdmin => "security_admin",
            Role::Auditor => "auditor",
            Role::Leader => "leader",
            Role::Dispatcher => "dispatcher",
            Role::WindowClerk => "window_clerk",
            Role::Mediator => "mediator",
            Role::GridWorker => "grid_worker",
            Role::DepartmentHandler => "department_handler",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::SystemAdmin => "系统管理员",
            Role::SecurityAdmin => "安全管理员",
            Role::Auditor => "安全审计员",
            Role::Leader => "领导",
            Role::Dispatcher => "调度员（平安法治办）",
            Role::WindowClerk => "窗口受理员（综治中心）",
            Role::Mediator => "调解员",
            Role::GridWorker => "网格员",
            Role::DepartmentHandler => "部门经办人",
        }
    }

    /// One of the three separated administrative duties (三权分立).
    pub fn is_admin_duty(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::Auditor
        )
    }

    /// Creates users and grants or changes roles.
    pub fn manages_users(self) -> bool {
        self == Role::SecurityAdmin
    }

    /// Reads the audit log (and nobody may alter it).
    pub fn reads_audit(self) -> bool {
        self == Role::Auditor
    }

    /// Configures departments, mediation bodies and work areas.
    pub fn configures_org(self) -> bool {
        self == Role::SystemAdmin
    }

    /// Which kind of node a user of this role must belong to, checked when a user is created
    /// or a role changes. Mediators sit in a mediation body, department handlers in a
    /// department, grid workers in a community; everyone else in a division or work area.
    pub fn fits_node(self, node: &NodeCode) -> Result<(), ParseError> {
        use crate::division::Level;
        let ok = match (self, node) {
            (Role::Mediator, NodeCode::Body { .. }) => true,
            (Role::DepartmentHandler, NodeCode::Department { .. }) => true,
            (Role::GridWorker, NodeCode::Division(d)) => d.level() == Level::Community,
            (Role::Mediator | Role::DepartmentHandler | Role::GridWorker, _) => false,
            (_, NodeCode::Division(_) | NodeCode::WorkArea { .. }) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            let want = match self {
                Role::Mediator => "调解组织",
                Role::DepartmentHandler => "部门",
                Role::GridWorker => "村居（社区）",
                _ => "行政区划或工作区片",
            };
            Err(ParseError::new(
                "node",
                "user.role_node_mismatch",
                format!("{}只能属于{want}，「{node}」不符合", self.label()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exactly_three_roles_are_admin_duties_and_each_holds_one_power() {
        let duties: Vec<_> = Role::ALL
            .into_iter()
            .filter(|r| r.is_admin_duty())
            .collect();
        assert_eq!(
            duties,
            [Role::SystemAdmin, Role::SecurityAdmin, Role::Auditor]
        );
        for r in Role::ALL {
            let powers = [r.manages_users(), r.reads_audit(), r.configures_org()];
            assert!(
                powers.iter().filter(|p| **p).count() <= 1,
                "{r:?} holds two duties"
            );
        }
        assert!(!Role::SystemAdmin.reads_audit());
    }

    #[test]
    fn roles_round_trip_through_their_api_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert_eq!(Role::parse("root").unwrap_err().code, "user.role_invalid");
    }

    #[test]
    fn mediators_belong_to_bodies_and_clerks_to_divisions() {
        let body = NodeCode::parse("370602001001-M01").unwrap();
        let town = NodeCode::parse("370602001000").unwrap();
        let comm = NodeCode::parse("370602001001").unwrap();
        assert!(Role::Mediator.fits_node(&body).is_ok());
        assert!(Role::Mediator.fits_node(&town).is_err());
        assert!(Role::WindowClerk.fits_node(&town).is_ok());
        assert!(Role::WindowClerk.fits_node(&body).is_err());
        assert!(Role::GridWorker.fits_node(&comm).is_ok());
        assert!(Role::GridWorker.fits_node(&town).is_err());
    }
}
