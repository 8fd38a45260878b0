//! Sign-in, sessions and sign-out. Tokens are 256-bit random strings; only their SHA-256 is
//! stored. Repeated failures lock the account for a while; every attempt is audited.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::password;
use crate::ports::{NewSession, SessionKind};
use crate::App;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zhili_domain::{NodeCode, Outcome, Scope, User};

/// A successful sign-in.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// The bearer token or cookie value: shown once, stored only as a hash.
    pub token: String,
    pub csrf_token: String,
    pub expires_at_ms: i64,
    pub user: User,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl App {
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        source: &str,
    ) -> AppResult<LoginOk> {
        let now = self.now_ms();
        let shown = username.chars().take(64).collect::<String>();
        let failure = |detail: &str| zhili_domain::AuditEntry {
            at_ms: now,
            actor_id: None,
            actor: shown.clone(),
            role: None,
            node: None,
            source: source.to_owned(),
            action: "auth.login".into(),
            object: format!("user:{shown}"),
            outcome: Outcome::Failure,
            detail: detail.into(),
        };
        let Some(cred) = self.store.credentials(username.trim()).await? else {
            password::verify(password.to_owned(), password::dummy_hash().await).await?;
            self.store
                .record_login_failure(None, 0, None, failure("unknown account"))
                .await?;
            return Err(AppError::InvalidCredentials);
        };
        let entry_for = |outcome, detail: &str| {
            let mut e = failure(detail);
            e.actor_id = Some(cred.user.id);
            e.actor = cred.user.username.clone();
            e.role = Some(cred.user.role);
            e.node = Some(cred.user.node.to_string());
            e.object = format!("user:{}", cred.user.id);
            e.outcome = outcome;
            e
        };
        if let Some(until) = cred.locked_until_ms.filter(|u| *u > now) {
            let e = entry_for(Outcome::Denied, "account locked");
            self.store
                .record_login_failure(Some(cred.user.id), cred.failed_logins, Some(until), e)
                .await?;
            return Err(AppError::Locked { until_ms: until });
        }
        let ok = password::verify(password.to_owned(), cred.password_hash.clone()).await?;
        if !ok || cred.user.disabled {
            let failed = cred.failed_logins + 1;
            let (failed, lock) = if failed >= self.settings.max_failed_logins {
                (0, Some(now + self.settings.lockout_ms))
            } else {
                (failed, None)
            };
            let detail = if cred.user.disabled {
                "account disabled"
            } else if lock.is_some() {
                "wrong password; account locked"
            } else {
                "wrong password"
            };
            let e = entry_for(Outcome::Failure, detail);
            self.store
                .record_login_failure(Some(cred.user.id), failed, lock, e)
                .await?;
            return Err(match lock {
                Some(until_ms) => AppError::Locked { until_ms },
                None => AppError::InvalidCredentials,
            });
        }
        let token = random_token();
        let session = NewSession {
            token_hash: token_hash(&token),
            user_id: cred.user.id,
            kind,
            csrf_token: random_token(),
            source: source.to_owned(),
            created_at_ms: now,
            expires_at_ms: now
                + self
                    .settings
                    .session_idle_ms
                    .min(self.settings.session_max_ms),
        };
        let e = entry_for(Outcome::Success, kind.as_str());
        self.store.record_login_success(&session, e).await?;
        Ok(LoginOk {
            token,
            csrf_token: session.csrf_token,
            expires_at_ms: session.expires_at_ms,
            user: cred.user,
        })
    }

    /// Resolve a token to the acting user; expired, ended or wrong-kind sessions fail.
    pub async fn authenticate(
        &self,
        token: &str,
        kind: SessionKind,
        source: &str,
    ) -> AppResult<(Actor, String)> {
        let now = self.now_ms();
        let hash = token_hash(token);
        let Some(s) = self.store.session(&hash).await? else {
            return Err(AppError::Unauthenticated);
        };
        if s.kind != kind || s.expires_at_ms <= now || s.user.disabled {
            return Err(AppError::Unauthenticated);
        }
        // Slide the idle expiry, at most once a minute, never past the absolute limit.
        if now - s.last_seen_at_ms > 60_000 {
            let expires = (now + self.settings.session_idle_ms)
                .min(s.created_at_ms + self.settings.session_max_ms);
            self.store.touch_session(&hash, now, expires).await?;
        }
        let scope = self.scope_of(&s.user.node).await?;
        Ok((
            Actor {
                user: Some(s.user),
                scope,
                source: source.to_owned(),
            },
            s.csrf_token,
        ))
    }

    pub async fn logout(&self, actor: &Actor, token: &str) -> AppResult<()> {
        let e = actor.audit(
            self.now_ms(),
            "auth.logout",
            format!("user:{}", actor.user.as_ref().map(|u| u.id).unwrap_or(0)),
            Outcome::Success,
            String::new(),
        );
        self.store.end_session(&token_hash(token), e).await?;
        Ok(())
    }

    /// The scope a node gives its users.
    pub async fn scope_of(&self, node: &NodeCode) -> AppResult<Scope> {
        let communities = match node {
            NodeCode::WorkArea { .. } => self.store.work_area_communities(node).await?,
            _ => Vec::new(),
        };
        Ok(Scope::of(node, communities))
    }

    /// Remove expired sessions; returns how many.
    pub async fn purge_sessions(&self) -> AppResult<u64> {
        Ok(self.store.purge_sessions(self.now_ms()).await?)
    }
}
