//! Accounts: only security admins (or the operator at the CLI) create users and change roles,
//! and only at nodes inside their own scope.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::password;
use crate::ports::{NewUser, StoreError};
use crate::App;
use zhili_domain::{NodeCode, Outcome, Page, Paged, ParseError, Password, Role, User, Username};

pub struct NewUserRequest<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub role: &'a str,
    pub node: &'a str,
    pub display_name: Option<&'a str>,
}

impl App {
    pub async fn create_user(&self, actor: &Actor, req: NewUserRequest<'_>) -> AppResult<User> {
        let now = self.now_ms();
        let username = Username::parse(req.username)?;
        let object = format!("user:{username}");
        if !actor.may(Role::manages_users) {
            self.audit_denied(actor, "user.create", &object).await?;
            return Err(AppError::Forbidden {
                why: "only security admins create users",
            });
        }
        let password = Password::parse(req.password, &username)?;
        let role = Role::parse(req.role)?;
        let node = NodeCode::parse(req.node)?;
        if !actor.scope.sees_node(&node) || !self.node_exists(&node).await? {
            self.audit_denied(actor, "user.create", &object).await?;
            return Err(ParseError::new(
                "node",
                "user.node_not_found",
                "找不到该节点，或不在您的管辖范围内",
            )
            .into());
        }
        role.fits_node(&node)?;
        let display_name = match req.display_name.map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => n.chars().take(50).collect(),
            None => format!("{}{}", self.node_name(&node).await?, role.label()),
        };
        let new = NewUser {
            username: username.clone(),
            display_name,
            password_hash: password::hash(password.expose().to_owned()).await?,
            role,
            node: node.clone(),
            at_ms: now,
        };
        let audit = actor.audit(
            now,
            "user.create",
            format!("user:{username}"),
            Outcome::Success,
            format!("role {} at {node}", role.as_str()),
        );
        match self.store.create_user(&new, audit).await {
            Ok(u) => Ok(u),
            Err(StoreError::Conflict { .. }) => Err(AppError::Conflict {
                field: "username",
                code: "user.username_taken",
                message: format!("用户名「{username}」已被使用"),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Change a user's role (security admins only; never their own).
    pub async fn set_role(&self, actor: &Actor, user_id: i64, role: &str) -> AppResult<User> {
        let now = self.now_ms();
        let target = self.user(actor, user_id).await?;
        if !actor.may(Role::manages_users) {
            self.audit_denied(actor, "user.set_role", &format!("user:{user_id}"))
                .await?;
            return Err(AppError::Forbidden {
                why: "only security admins change roles",
            });
        }
        if actor.user.as_ref().is_some_and(|u| u.id == user_id) {
            return Err(AppError::Forbidden {
                why: "nobody changes their own role",
            });
        }
        let role = Role::parse(role)?;
        role.fits_node(&target.node)?;
        let detail = format!("{} -> {}", target.role.as_str(), role.as_str());
        let audit = actor.audit(
            now,
            "user.set_role",
            format!("user:{user_id}"),
            Outcome::Success,
            detail,
        );
        self.store
            .set_role(user_id, role, &target.node, audit)
            .await?;
        Ok(User { role, ..target })
    }

    /// A user the caller may see (security admins and auditors); 404 otherwise.
    pub async fn user(&self, actor: &Actor, user_id: i64) -> AppResult<User> {
        let u = self
            .store
            .user(user_id)
            .await?
            .ok_or(AppError::NotFound { what: "user" })?;
        let own = actor.user.as_ref().is_some_and(|me| me.id == user_id);
        if !own && !actor.scope.sees_node(&u.node) {
            return Err(AppError::NotFound { what: "user" });
        }
        if !own && !actor.may(|r| r.manages_users() || r.reads_audit()) {
            return Err(AppError::Forbidden {
                why: "only security admins and auditors read accounts",
            });
        }
        Ok(u)
    }

    pub async fn list_users(&self, actor: &Actor, page: Page) -> AppResult<Paged<User>> {
        if !actor.may(|r| r.manages_users() || r.reads_audit()) {
            return Err(AppError::Forbidden {
                why: "only security admins and auditors list accounts",
            });
        }
        Ok(self.store.list_users(&actor.scope, page).await?)
    }

    /// Has anyone an account yet? (`zhili serve` asks for the first one when not.)
    pub async fn has_users(&self) -> AppResult<bool> {
        Ok(self.store.count_users().await? > 0)
    }
}
