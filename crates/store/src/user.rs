//! Accounts and sign-in bookkeeping.

use crate::scope_sql::{push_scope, Table};
use crate::{corrupt, run, Db, DbError};
use async_trait::async_trait;
use sqlx::QueryBuilder;
use zhili_app::ports::{Credentials, NewSession, NewUser, StoreResult, UserStore};
use zhili_domain::{AuditEntry, NodeCode, Page, Paged, Role, Scope, User};

pub(crate) const USER_COLUMNS: &str =
    "id, username, display_name, role, node_code, disabled, created_at";

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    node_code: String,
    disabled: bool,
    created_at: i64,
}

impl UserRow {
    pub(crate) fn into_domain(self) -> Result<User, DbError> {
        Ok(User {
            id: self.id,
            username: self.username,
            display_name: self.display_name,
            role: Role::parse(&self.role).map_err(|e| corrupt("users.role", e))?,
            node: NodeCode::parse(&self.node_code).map_err(|e| corrupt("users.node_code", e))?,
            disabled: self.disabled,
            created_at_ms: self.created_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CredentialsRow {
    #[sqlx(flatten)]
    user: UserRow,
    password_hash: String,
    failed_logins: i64,
    locked_until: Option<i64>,
}

#[async_trait]
impl UserStore for Db {
    async fn create_user(&self, u: &NewUser, audit: AuditEntry) -> StoreResult<User> {
        run(async {
            let row: UserRow = on_write!(self, |tx| {
                let row: UserRow = sqlx::query_as(&format!(
                    "INSERT INTO users (username, display_name, password_hash, role, node_code, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING {USER_COLUMNS}"
                ))
                .bind(u.username.as_str())
                .bind(&u.display_name)
                .bind(&u.password_hash)
                .bind(u.role.as_str())
                .bind(u.node.to_string())
                .bind(u.at_ms)
                .fetch_one(&mut *tx)
                .await?;
                let mut audit = audit;
                audit.object = format!("user:{}", row.id);
                append_audit!(tx, audit);
                row
            });
            row.into_domain()
        })
        .await
    }

    async fn credentials(&self, username: &str) -> StoreResult<Option<Credentials>> {
        run(async {
            let sql = format!("SELECT {USER_COLUMNS}, password_hash, failed_logins, locked_until FROM users WHERE username = $1");
            let row: Option<CredentialsRow> = on_read!(self, |p| sqlx::query_as(&sql).bind(username).fetch_optional(p).await?);
            row.map(|r| {
                Ok(Credentials {
                    user: r.user.into_domain()?,
                    password_hash: r.password_hash,
                    failed_logins: r.failed_logins,
                    locked_until_ms: r.locked_until,
                })
            })
            .transpose()
        })
        .await
    }

    async fn user(&self, id: i64) -> StoreResult<Option<User>> {
        run(async {
            let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
            let row: Option<UserRow> = on_read!(self, |p| sqlx::query_as(&sql)
                .bind(id)
                .fetch_optional(p)
                .await?);
            row.map(UserRow::into_domain).transpose()
        })
        .await
    }

    async fn list_users(&self, scope: &Scope, page: Page) -> StoreResult<Paged<User>> {
        run(async {
            let (rows, total): (Vec<UserRow>, i64) = on_read!(self, |p| {
                let mut qb = QueryBuilder::new("SELECT COUNT(*) FROM users WHERE 1 = 1");
                push_scope(&mut qb, Table::Users, scope);
                let total: i64 = qb.build_query_scalar().fetch_one(p).await?;
                let mut qb =
                    QueryBuilder::new(format!("SELECT {USER_COLUMNS} FROM users WHERE 1 = 1"));
                push_scope(&mut qb, Table::Users, scope);
                qb.push(format!(
                    " ORDER BY node_code, username LIMIT {} OFFSET {}",
                    page.limit(),
                    page.offset()
                ));
                (qb.build_query_as().fetch_all(p).await?, total)
            });
            crate::to_page(rows, total, page, UserRow::into_domain)
        })
        .await
    }

    async fn set_role(
        &self,
        id: i64,
        role: Role,
        node: &NodeCode,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                sqlx::query(
                    "UPDATE users SET role = $1, node_code = $2, updated_at = $3 WHERE id = $4",
                )
                .bind(role.as_str())
                .bind(node.to_string())
                .bind(audit.at_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                append_audit!(tx, audit);
            });
            Ok(())
        })
        .await
    }

    async fn count_users(&self) -> StoreResult<i64> {
        run(async {
            Ok(on_read!(self, |p| sqlx::query_scalar(
                "SELECT COUNT(*) FROM users"
            )
            .fetch_one(p)
            .await?))
        })
        .await
    }

    async fn record_login_failure(
        &self,
        user_id: Option<i64>,
        failed_logins: i64,
        locked_until_ms: Option<i64>,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                if let Some(id) = user_id {
                    sqlx::query(
                        "UPDATE users SET failed_logins = $1, locked_until = $2 WHERE id = $3",
                    )
                    .bind(failed_logins)
                    .bind(locked_until_ms)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                }
                append_audit!(tx, audit);
            });
            Ok(())
        })
        .await
    }

    async fn record_login_success(&self, s: &NewSession, audit: AuditEntry) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1").bind(s.user_id).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, kind, csrf_token, source, created_at, last_seen_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6, $7)",
                )
                .bind(&s.token_hash)
                .bind(s.user_id)
                .bind(s.kind.as_str())
                .bind(&s.csrf_token)
                .bind(&s.source)
                .bind(s.created_at_ms)
                .bind(s.expires_at_ms)
                .execute(&mut *tx)
                .await?;
                append_audit!(tx, audit);
            });
            Ok(())
        })
        .await
    }
}
