//! Mediation sessions (调解记录): the mediator holding the case records each meeting.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use zhili_domain::calendar::{day_start_ms, parse_date};
use zhili_domain::case::{CaseState, MediationSession};
use zhili_domain::{Outcome, ParseError, Role};

pub struct NewSessionRequest {
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` (Beijing time).
    pub held_at: String,
    pub place: String,
    pub mediator: String,
    pub attendees: String,
    pub notes: String,
}

fn field(name: &'static str, raw: &str, max: usize) -> Result<String, ParseError> {
    let t = raw.trim();
    if t.is_empty() || t.chars().count() > max {
        return Err(ParseError::new(
            name,
            "mediation.field_invalid",
            format!("「{name}」不能为空，且不超过 {max} 字"),
        ));
    }
    Ok(t.to_owned())
}

/// `2026-11-26` or `2026-11-26T09:30` in Beijing time → epoch ms.
fn held_at(raw: &str) -> Result<i64, ParseError> {
    let bad = || {
        ParseError::new(
            "held_at",
            "mediation.time_invalid",
            "调解时间应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM",
        )
    };
    let (date, time) = raw
        .trim()
        .split_once(['T', ' '])
        .unwrap_or((raw.trim(), "00:00"));
    let day = parse_date(date).ok_or_else(bad)?;
    let (h, m) = time.split_once(':').ok_or_else(bad)?;
    let (h, m): (i64, i64) = (
        h.parse().map_err(|_| bad())?,
        m.get(..2).unwrap_or(m).parse().map_err(|_| bad())?,
    );
    if !(0..24).contains(&h) || !(0..60).contains(&m) {
        return Err(bad());
    }
    Ok(day_start_ms(day) + (h * 60 + m) * 60_000)
}

impl App {
    /// Record a session on a case in progress: its assignee's mediators and handlers, or a
    /// dispatcher.
    pub async fn add_session(
        &self,
        actor: &Actor,
        case_id: i64,
        req: NewSessionRequest,
    ) -> AppResult<MediationSession> {
        let (case, _) = self.visible_case(actor, case_id).await?;
        let is_assignee =
            matches!((&actor.user, &case.assignee), (Some(u), Some(a)) if &u.node == a);
        let allowed = actor.may(|r| {
            r == Role::Dispatcher
                || (matches!(r, Role::Mediator | Role::DepartmentHandler) && is_assignee)
        });
        if !allowed {
            self.audit_denied(actor, "case.session", &format!("case:{case_id}"))
                .await?;
            return Err(AppError::Forbidden {
                why: "only the case's mediators record sessions",
            });
        }
        if case.state != CaseState::InProgress {
            return Err(AppError::Conflict {
                field: "",
                code: "case.illegal_transition",
                message: "只有办理中的案件可以记录调解".into(),
            });
        }
        let now = self.now_ms();
        let session = MediationSession {
            id: 0,
            case_id,
            held_at_ms: held_at(&req.held_at)?,
            place: field("place", &req.place, 100)?,
            mediator: field("mediator", &req.mediator, 50)?,
            attendees: field("attendees", &req.attendees, 500)?,
            notes: field("notes", &req.notes, 10_000)?,
            created_by: actor.user.as_ref().map(|u| u.id),
            created_at_ms: now,
        };
        let mut event = self.case_event(
            actor,
            now,
            "session",
            Some(case.state),
            case.state,
            String::new(),
            String::new(),
        );
        event.payload = format!(
            "{{\"place\":\"{}\"}}",
            session.place.replace(['"', '\\'], "")
        );
        let audit = actor.audit(
            now,
            "case.session",
            format!("case:{case_id}"),
            Outcome::Success,
            case.number.clone(),
        );
        Ok(self.store.add_session(&session, event, audit).await?)
    }

    pub async fn sessions(&self, actor: &Actor, case_id: i64) -> AppResult<Vec<MediationSession>> {
        self.visible_case(actor, case_id).await?;
        Ok(self.store.sessions(case_id).await?)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn session_times_read_in_beijing_time() {
        let t = super::held_at("2026-11-26T09:30").unwrap();
        assert_eq!(
            zhili_domain::calendar::iso_beijing(t),
            "2026-11-26T09:30:00+08:00"
        );
        assert!(super::held_at("2026-11-26T25:00").is_err());
        assert!(super::held_at("yesterday").is_err());
    }
}
