//! What a resident sees without an account: progress by tracking code, and the rating.

use super::case::*;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use zhili_domain::case::{Action, CaseState};
use zhili_domain::{Outcome, ParseError, Scope};

impl App {
    /// The resident's view by tracking code (no account): nothing about any person.
    pub async fn track(&self, code: &str) -> AppResult<TrackView> {
        let code = code.trim().to_ascii_uppercase();
        if code.len() != 10 || !code.bytes().all(|b| TRACKING_ALPHABET.contains(&b)) {
            return Err(AppError::NotFound { what: "case" });
        }
        let case = self
            .store
            .case_by_tracking(&code)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        let events = self.store.case_events(case.id).await?;
        let handled_by = match &case.assignee {
            Some(n) => Some(self.node_name(n).await?),
            None => None,
        };
        let category_name = self
            .category(&case.category)
            .await
            .map(|c| c.name)
            .unwrap_or_default();
        Ok(TrackView {
            number: case.number.clone(),
            title: case.title.clone(),
            category_name,
            state: case.state,
            state_label: case.state.label(),
            created_at_ms: case.created_at_ms,
            handled_by,
            can_rate: case.state == CaseState::Closed && case.rating.is_none(),
            rating: case.rating,
            timeline: events
                .iter()
                .filter(|e| !matches!(e.action.as_str(), "remind" | "supervise"))
                .map(|e| TrackStep {
                    at_ms: e.at_ms,
                    label: public_label(&e.action),
                    state: e.to_state,
                })
                .collect(),
        })
    }

    /// The resident rates a closed case once, 1–5.
    pub async fn rate(
        &self,
        code: &str,
        score: i64,
        comment: Option<&str>,
        source: &str,
    ) -> AppResult<TrackView> {
        if !(1..=5).contains(&score) {
            return Err(ParseError::new("score", "case.score_invalid", "评分应为 1–5").into());
        }
        let comment = comment
            .map(|c| text("comment", c, 500, false))
            .transpose()?
            .flatten();
        let code_up = code.trim().to_ascii_uppercase();
        let case = self
            .store
            .case_by_tracking(&code_up)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        if case.state != CaseState::Closed {
            return Err(AppError::Conflict {
                field: "score",
                code: "case.not_closed",
                message: "案件结案后才能评价".into(),
            });
        }
        if case.rating.is_some() {
            return Err(AppError::Conflict {
                field: "score",
                code: "case.already_rated",
                message: "该案件已评价".into(),
            });
        }
        let now = self.now_ms();
        let mut next = case.clone();
        next.rating = Some(score);
        next.rating_comment = comment.clone();
        next.updated_at_ms = now;
        let resident = Actor {
            user: None,
            scope: Scope::Subtree(case.community_code.clone()),
            source: source.to_owned(),
        };
        let mut event = self.case_event(
            &resident,
            now,
            "rate",
            Some(case.state),
            case.state,
            comment.unwrap_or_default(),
            serde_json_lite(&[("score", score.to_string())]),
        );
        event.actor = "resident".into();
        let mut audit = resident.audit(
            now,
            "case.rate",
            format!("case:{}", case.id),
            Outcome::Success,
            score.to_string(),
        );
        audit.actor = "resident".into();
        if !self
            .store
            .update_case(&next, case.version, event, audit, None)
            .await?
        {
            return Err(AppError::Conflict {
                field: "",
                code: "case.changed",
                message: "案件刚被更新，请刷新后重试".into(),
            });
        }
        self.track(&code_up).await
    }
}

/// What a resident reads for a timeline step.
fn public_label(action: &str) -> String {
    match action {
        "create" => "已登记".into(),
        "rate" => "已评价".into(),
        other => Action::parse(other)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|_| other.to_owned()),
    }
}
