//! The case as intake leaves it: the row answered to the caller, and the system's dispatch
//! entries of an alert. Used by `case.rs`'s intake transaction and its group-commit writer.

use zhili_app::ports::{NewCaseEvent, NewCaseRecord};
use zhili_domain::case::{Case, CaseState};

/// An alert is accepted and assigned by the system as it is taken in: the two timeline
/// entries that say so, by the same feed as the intake entry.
pub(crate) fn dispatch_events(
    intake: &NewCaseEvent,
    a: &zhili_app::ports::NewAlertRecord,
) -> [NewCaseEvent; 2] {
    let step = |action: &str, from, to, payload: String| NewCaseEvent {
        action: action.into(),
        from_state: Some(from),
        to_state: to,
        reason: "预警自动受理派遣".into(),
        payload,
        ..intake.clone()
    };
    [
        step(
            "accept",
            CaseState::Submitted,
            CaseState::Accepted,
            String::from("{}"),
        ),
        step(
            "assign",
            CaseState::Accepted,
            CaseState::Assigned,
            format!(
                "{{\"assignee\":\"{}\",\"due_at_ms\":\"{}\"}}",
                a.assignee, a.due_at_ms
            ),
        ),
    ]
}

/// The case as it stands right after intake.
pub(crate) fn new_case(n: &NewCaseRecord, id: i64, number: String) -> Case {
    Case {
        id,
        number,
        tracking_code: n.tracking_code.clone(),
        kind: n.kind,
        category: n.category.clone(),
        title: n.title.clone(),
        description: n.description.clone(),
        channel: n.channel,
        community_code: n.community_code.clone(),
        address: n.address.clone(),
        location: n.location,
        grid_code: n.grid_code.clone(),
        state: if n.on_spot.is_some() {
            CaseState::Resolved
        } else if n.alert.is_some() {
            CaseState::Assigned
        } else {
            CaseState::Submitted
        },
        suspended_at_ms: None,
        supervised: false,
        assignee: match (&n.on_spot, &n.alert) {
            (Some(o), _) => Some(o.handler.clone()),
            (None, Some(a)) => Some(a.assignee.clone()),
            (None, None) => None,
        },
        assigned_at_ms: (n.alert.is_some() || n.on_spot.is_some()).then_some(n.at_ms),
        due_at_ms: n.alert.as_ref().map(|a| a.due_at_ms),
        ending: n
            .on_spot
            .as_ref()
            .map(|_| zhili_domain::case::Ending::Agreement),
        agreement: n.on_spot.as_ref().and_then(|o| o.agreement.clone()),
        referral: None,
        escalations: 0,
        rating: None,
        rating_comment: None,
        created_by: n.created_by,
        created_at_ms: n.at_ms,
        updated_at_ms: n.at_ms,
        ended_at_ms: n.on_spot.as_ref().map(|_| n.at_ms),
        closed_at_ms: None,
        closed_on_time: None,
        version: 0,
        parties: n.parties.clone(),
    }
}
