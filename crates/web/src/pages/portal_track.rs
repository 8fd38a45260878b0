//! The resident's progress page, `/m/track/{code}`: state, number, category, the handling
//! unit and a timeline, never anything about a person; and, once the case is closed, the
//! 1–5 rating form.

use super::portal::{error_page, expired, too_many, PeerIp, PORTAL_CSRF};
use super::render;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use zhili_app::case::TrackView;
use zhili_app::AppError;
use zhili_domain::calendar::iso_beijing;

#[derive(Template)]
#[template(path = "portal_track_form.html")]
struct TrackFormPage {
    code: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeQuery {
    code: String,
}

/// Tracking codes as residents type them: spaces and dashes dropped, upper case.
fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `GET /m/track`: ask for the code; `?code=…` goes to its page.
pub async fn track_form(Query(q): Query<CodeQuery>) -> Response {
    let code = normalise(&q.code);
    if code.is_empty() {
        let page = TrackFormPage {
            code: String::new(),
            error: None,
        };
        return render(&page);
    }
    if code.len() != 10 {
        let page = TrackFormPage {
            code: q.code.trim().to_owned(),
            error: Some("查询码应为 10 位字母和数字，请核对后重试".into()),
        };
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response();
    }
    Redirect::to(&format!("/m/track/{code}")).into_response()
}

struct Step {
    at: String,
    label: String,
    last: bool,
}

#[derive(Template)]
#[template(path = "portal_track.html")]
struct TrackPage {
    code: String,
    number: String,
    category: String,
    state_label: &'static str,
    state: &'static str,
    handled_by: String,
    created_at: String,
    steps: Vec<Step>,
    can_rate: bool,
    rating: Option<i64>,
    stars: String,
    thanks: bool,
    csrf: String,
    error: Option<String>,
}

/// `2026-01-05 09:30` in Beijing time.
fn beijing_minutes(ms: i64) -> String {
    iso_beijing(ms)[..16].replace('T', " ")
}

fn track_view(
    s: &AppState,
    jar: CookieJar,
    code: String,
    v: TrackView,
    thanks: bool,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let n = v.timeline.len();
    // Newest first: the resident wants to see where the case is now.
    let steps = v
        .timeline
        .iter()
        .enumerate()
        .rev()
        .map(|(i, t)| Step {
            at: beijing_minutes(t.at_ms),
            label: t.label.clone(),
            last: i + 1 == n,
        })
        .collect();
    let (jar, csrf) = if v.can_rate {
        PORTAL_CSRF.reuse(jar, s.secure_cookies)
    } else {
        (jar, String::new())
    };
    let page = TrackPage {
        code,
        number: v.number,
        category: v.category_name,
        state_label: v.state_label,
        state: v.state.as_str(),
        handled_by: v.handled_by.unwrap_or_default(),
        created_at: beijing_minutes(v.created_at_ms),
        steps,
        can_rate: v.can_rate,
        rating: v.rating,
        stars: v
            .rating
            .map(|r| "★".repeat(r.clamp(0, 5) as usize) + &"☆".repeat(5 - r.clamp(0, 5) as usize))
            .unwrap_or_default(),
        thanks: thanks && v.rating.is_some(),
        csrf,
        error,
    };
    (status, jar, render(&page)).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Thanks {
    thanks: Option<String>,
}

/// `GET /m/track/{code}`.
pub async fn track_page(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Thanks>,
    jar: CookieJar,
) -> Response {
    let code = normalise(&code);
    match s.app.track(&code).await {
        Ok(v) => track_view(&s, jar, code, v, q.thanks.is_some(), None, StatusCode::OK),
        Err(e) => error_page(&e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RatingForm {
    csrf: String,
    score: String,
    comment: String,
}

/// `POST /m/track/{code}/rating`: rate once; then back to the page, with thanks.
pub async fn rate_submit(
    State(s): State<AppState>,
    Path(code): Path<String>,
    PeerIp(ip): PeerIp,
    jar: CookieJar,
    Form(f): Form<RatingForm>,
) -> Response {
    let code = normalise(&code);
    if !s.portal_limit.allows(ip) {
        return too_many(&s);
    }
    if !PORTAL_CSRF.verify(&jar, &f.csrf) {
        return expired();
    }
    let score = f.score.trim().parse::<i64>().unwrap_or(0);
    let comment = Some(f.comment.as_str()).filter(|c| !c.trim().is_empty());
    match s.app.rate(&code, score, comment, &ip.to_string()).await {
        Ok(_) => {
            s.portal_limit.record(ip);
            Redirect::to(&format!("/m/track/{code}?thanks=1")).into_response()
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, body) = crate::error::describe(&e);
            let message = if score == 0 {
                "请先选择星级（1–5 星）再提交".to_owned()
            } else {
                body.message
            };
            match s.app.track(&code).await {
                Ok(v) => track_view(&s, jar, code, v, false, Some(message), status),
                Err(e) => error_page(&e),
            }
        }
        Err(e) => error_page(&e),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_normalised_and_times_are_beijing() {
        assert_eq!(super::normalise(" abcd-efgh 23 "), "ABCDEFGH23");
        assert_eq!(super::beijing_minutes(0), "1970-01-01 08:00");
    }
}
