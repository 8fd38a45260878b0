//! The printable mediation agreement (人民调解协议书) of a settled dispute.

use super::case::{parse_id, party_rows, printable, PartyRow};
use super::{error_page, render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use zhili_app::AppError;

#[derive(Template)]
#[template(path = "case_agreement.html")]
struct AgreementPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    id: i64,
    number: String,
    masked: bool,
    parties: Vec<PartyRow>,
    facts: String,
    terms: String,
    body: String,
    date: String,
    copies: usize,
}

/// `2026 年 3 月 2 日` (Beijing time), as documents are dated.
fn chinese_date(ms: i64) -> String {
    let day = zhili_domain::calendar::local_day(ms);
    let (y, m, d) = zhili_domain::calendar::civil_from_days(day);
    format!("{y} 年 {m} 月 {d} 日")
}

/// `/cases/{id}/agreement`: the 人民调解协议书, ready to print on A4.
pub async fn agreement(State(s): State<AppState>, u: PageUser, Path(id): Path<String>) -> Response {
    let v = match parse_id(&id) {
        Ok(id) => s.app.case_view(&u.actor, id).await,
        Err(e) => Err(e),
    };
    let v = match v {
        Ok(v) if printable(&v) => v,
        Ok(_) => return error_page(&AppError::NotFound { what: "agreement" }),
        Err(e) => return error_page(&e),
    };
    let c = &v.case;
    let page = AgreementPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        id: c.id,
        number: c.number.clone(),
        masked: v.masked,
        parties: party_rows(&c.parties),
        facts: c.description.clone(),
        terms: c.agreement.clone().unwrap_or_default(),
        body: v
            .assignee
            .as_ref()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "人民调解委员会".into()),
        date: chinese_date(c.ended_at_ms.unwrap_or(c.updated_at_ms)),
        copies: c.parties.len() + 1,
    };
    render(&page)
}
