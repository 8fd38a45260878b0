//! Notifications: cases arriving at a node, reminders, and the deadline scan that warns the
//! handler before a case falls due and the handler and its supervisors when it is overdue.
//! The scan records each notice with the due time it was about, so it runs safely after a
//! restart and again after a case is reassigned with a new due time.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{NewNotice, Notice};
use crate::App;
use zhili_domain::calendar::iso_beijing;
use zhili_domain::NodeCode;

/// How far ahead "due soon" looks (48 hours).
pub const DUE_SOON_MS: i64 = 48 * 3_600_000;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanReport {
    pub due_soon: u64,
    pub overdue: u64,
}

impl App {
    /// One pass of the deadline scan (the server runs it every minute).
    pub async fn scan_deadlines(&self) -> AppResult<ScanReport> {
        let now = self.now_ms();
        let mut report = ScanReport::default();
        loop {
            let batch = self
                .store
                .due_without_notice(now, now + DUE_SOON_MS, 500)
                .await?;
            if batch.is_empty() {
                break;
            }
            for (case, kind) in batch {
                let due = iso_beijing(case.due_at_ms);
                let mut to: Vec<NodeCode> = case.assignee.iter().cloned().collect();
                let message = if kind == "overdue" {
                    // Overdue also goes to the supervisors: the township and county of the case.
                    if let Some(town) = case.community_code.parent() {
                        if let Some(county) = town.parent() {
                            to.push(NodeCode::Division(county));
                        }
                        to.push(NodeCode::Division(town));
                    }
                    format!(
                        "案件 {}「{}」已超期（办理期限 {due}）",
                        case.number, case.title
                    )
                } else {
                    format!(
                        "案件 {}「{}」即将到期（办理期限 {due}）",
                        case.number, case.title
                    )
                };
                to.dedup();
                let notices: Vec<NewNotice> = to
                    .into_iter()
                    .map(|node| NewNotice {
                        node,
                        case_id: Some(case.id),
                        kind: kind.into(),
                        message: message.clone(),
                    })
                    .collect();
                if self
                    .store
                    .record_deadline_notice(case.id, kind, case.due_at_ms, now, &notices)
                    .await?
                {
                    match kind {
                        "overdue" => report.overdue += 1,
                        _ => report.due_soon += 1,
                    }
                }
            }
        }
        Ok(report)
    }

    /// Tell a node about a case (arrival, reminder, supervision); best effort.
    pub(crate) async fn notify_node(
        &self,
        node: &NodeCode,
        case_id: i64,
        kind: &str,
        message: String,
    ) {
        let n = NewNotice {
            node: node.clone(),
            case_id: Some(case_id),
            kind: kind.into(),
            message,
        };
        if let Err(e) = self.store.notify(&[n], self.now_ms()).await {
            tracing::warn!(error = %e, "notification not written");
        }
    }

    fn notice_node(actor: &Actor) -> AppResult<NodeCode> {
        match &actor.user {
            Some(u) => Ok(u.node.clone()),
            None => Err(AppError::Forbidden {
                why: "the operator has no inbox",
            }),
        }
    }

    pub async fn notices(&self, actor: &Actor, unread_only: bool) -> AppResult<Vec<Notice>> {
        let node = Self::notice_node(actor)?;
        Ok(self.store.notices_for(&node, unread_only, 200).await?)
    }

    pub async fn unread_notices(&self, actor: &Actor) -> AppResult<i64> {
        let node = Self::notice_node(actor)?;
        Ok(self.store.count_unread(&node).await?)
    }

    /// Mark one (or, with `None`, every) notification of the actor's node read.
    pub async fn mark_notices_read(&self, actor: &Actor, id: Option<i64>) -> AppResult<u64> {
        let node = Self::notice_node(actor)?;
        Ok(self.store.mark_read(&node, id, self.now_ms()).await?)
    }
}
