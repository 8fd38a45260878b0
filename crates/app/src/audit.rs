//! Reading and verifying the audit log. Only auditors read it; nobody can change it (the
//! database refuses updates and deletes, and the hash chain exposes any edit made around that).

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::AuditQuery;
use crate::App;
use serde::Serialize;
use zhili_domain::audit::ChainVerifier;
use zhili_domain::{AuditRecord, ChainBreak, NodeCode, Outcome, Page, Paged, Role};

/// The result of checking the whole chain.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub records: i64,
    /// Hash of the last record: note it down to detect a truncated tail later.
    pub head: String,
    pub broken: Option<String>,
    pub broken_at: Option<i64>,
}

impl App {
    pub async fn audit_log(
        &self,
        actor: &Actor,
        mut q: AuditQuery,
        page: Page,
    ) -> AppResult<Paged<AuditRecord>> {
        if !actor.may(Role::reads_audit) {
            self.audit_denied(actor, "audit.read", "audit:*").await?;
            return Err(AppError::Forbidden {
                why: "only auditors read the audit log",
            });
        }
        let home = actor.scope.home();
        q.within = match &home {
            NodeCode::Division(d) if d.parent().is_none() => None,
            other => Some(other.division().clone()),
        };
        Ok(self.store.audit_page(&q, page).await?)
    }

    /// Walk the whole chain in order. Auditors (or the operator) only.
    pub async fn verify_audit(
        &self,
        actor: &Actor,
        mut progress: impl FnMut(i64),
    ) -> AppResult<VerifyReport> {
        if !actor.may(Role::reads_audit) {
            self.audit_denied(actor, "audit.verify", "audit:*").await?;
            return Err(AppError::Forbidden {
                why: "only auditors verify the audit log",
            });
        }
        let mut v = ChainVerifier::default();
        let mut after = 0;
        loop {
            let chunk = self.store.audit_after(after, 5000).await?;
            let Some(last) = chunk.last() else { break };
            after = last.seq;
            for r in &chunk {
                if let Err(b) = v.push(r) {
                    let at = match b {
                        ChainBreak::Edited { seq } | ChainBreak::Unlinked { seq } => seq,
                        ChainBreak::Gap { expected, .. } => expected,
                    };
                    return Ok(VerifyReport {
                        records: v.count(),
                        head: v.head().to_owned(),
                        broken: Some(b.to_string()),
                        broken_at: Some(at),
                    });
                }
            }
            progress(v.count());
        }
        Ok(VerifyReport {
            records: v.count(),
            head: v.head().to_owned(),
            broken: None,
            broken_at: None,
        })
    }

    /// Record that the actor tried something its role may not do.
    pub(crate) async fn audit_denied(
        &self,
        actor: &Actor,
        action: &str,
        object: &str,
    ) -> AppResult<()> {
        let e = actor.audit(
            self.now_ms(),
            action,
            object.to_owned(),
            Outcome::Denied,
            String::new(),
        );
        Ok(self.store.append_audit(e).await?)
    }
}
