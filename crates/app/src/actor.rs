//! Who is acting: a signed-in user with the scope of their node, or the operator at the CLI.

use zhili_domain::{AuditEntry, Outcome, Role, Scope, User};

#[derive(Debug, Clone)]
pub struct Actor {
    /// `None` for the operator at the command line (`zhili user add`, `zhili import …`).
    pub user: Option<User>,
    pub scope: Scope,
    /// Client address, or `cli`.
    pub source: String,
}

impl Actor {
    /// The operator at the command line: acts on the whole city, audited as `cli:<login>`.
    pub fn operator(scope: Scope) -> Self {
        Self {
            user: None,
            scope,
            source: "cli".into(),
        }
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    /// The operator, or a user whose role passes `allowed`.
    pub fn may(&self, allowed: impl Fn(Role) -> bool) -> bool {
        match &self.user {
            None => true,
            Some(u) => allowed(u.role),
        }
    }

    pub fn name(&self) -> String {
        match &self.user {
            Some(u) => u.username.clone(),
            None => format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "operator".into())
            ),
        }
    }

    /// An audit entry for something this actor did.
    pub fn audit(
        &self,
        at_ms: i64,
        action: &str,
        object: String,
        outcome: Outcome,
        detail: String,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            actor_id: self.user.as_ref().map(|u| u.id),
            actor: self.name(),
            role: self.role(),
            node: self.user.as_ref().map(|u| u.node.to_string()),
            source: self.source.clone(),
            action: action.into(),
            object,
            outcome,
            detail,
        }
    }
}
