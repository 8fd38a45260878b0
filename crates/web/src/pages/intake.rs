//! The intake form (前台登记): fast keyboard entry for the window clerk, a warning about open
//! cases naming the same people before anything is written, field errors next to the field.

use super::{error_page, render, Nav, EDITION_NOTE};
use crate::error::describe;
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::case::{registers, DuplicateHint, NewCaseRequest, PartyInput};
use zhili_app::{App, AppError};
use zhili_domain::case::{CaseKind, Channel};
use zhili_domain::person::Party;
use zhili_domain::{Level, Page};

/// What the clerk typed (kept when the form comes back).
#[derive(Default, Deserialize)]
#[serde(default)]
pub struct IntakeForm {
    csrf: String,
    kind: String,
    category: String,
    channel: String,
    community_code: String,
    address: String,
    title: String,
    description: String,
    applicant_name: String,
    applicant_phone: String,
    applicant_id: String,
    respondent_name: String,
    respondent_phone: String,
    third_name: String,
    third_phone: String,
    confirm_duplicate: String,
}

pub struct CategoryGroup {
    label: &'static str,
    options: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
struct IntakePage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    f: IntakeForm,
    kinds: Vec<(&'static str, &'static str)>,
    groups: Vec<CategoryGroup>,
    channels: Vec<(&'static str, &'static str)>,
    communities: Vec<(String, String)>,
    /// (form field, message)
    error: Option<(String, String)>,
    duplicates: Vec<DuplicateHint>,
}

impl IntakePage {
    /// The message for a field, if the last submission failed there.
    fn err(&self, field: &str) -> Option<&str> {
        match &self.error {
            Some((f, m)) if f == field => Some(m),
            _ => None,
        }
    }

    /// The field the cursor starts in: the one in error, else the first.
    fn focus(&self, field: &str) -> bool {
        match &self.error {
            Some((f, _)) if self.has_field(f) => f == field,
            _ if !self.duplicates.is_empty() => field == "confirm_duplicate",
            _ => field == "kind",
        }
    }

    fn has_field(&self, f: &str) -> bool {
        const FIELDS: &[&str] = &[
            "kind",
            "category",
            "channel",
            "community_code",
            "address",
            "title",
            "description",
            "applicant_name",
            "applicant_phone",
            "applicant_id",
            "respondent_name",
            "respondent_phone",
            "third_name",
            "third_phone",
        ];
        FIELDS.contains(&f)
    }
}

async fn intake_page(
    app: &App,
    u: &PageUser,
    mut f: IntakeForm,
    error: Option<(String, String)>,
    duplicates: Vec<DuplicateHint>,
) -> Result<IntakePage, AppError> {
    let cats = app.categories().await?;
    let groups = CaseKind::ALL
        .iter()
        .map(|k| CategoryGroup {
            label: k.label(),
            options: cats
                .iter()
                .filter(|c| c.kind == *k)
                .map(|c| {
                    let name = if c.parent.is_some() {
                        format!("　└ {}", c.name)
                    } else {
                        c.name.clone()
                    };
                    (c.code.clone(), name)
                })
                .collect(),
        })
        .collect();
    // A township or anything smaller lists its communities; a community user's is filled in.
    let home = u.actor.scope.home();
    let level = home.division().level();
    let mut communities = Vec::new();
    if level >= Level::Township {
        let page = Page::new(Some(1), Some(Page::MAX_SIZE));
        let list = app
            .list_divisions(&u.actor, Some("community"), None, None, page)
            .await?;
        communities = list
            .items
            .into_iter()
            .map(|d| (d.code.to_string(), d.name))
            .collect();
    }
    if f.community_code.is_empty() && level == Level::Community {
        f.community_code = home.division().to_string();
    }
    if f.channel.is_empty() {
        f.channel = Channel::Window.as_str().into();
    }
    Ok(IntakePage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        f,
        kinds: CaseKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        groups,
        channels: Channel::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        communities,
        error,
        duplicates,
    })
}

async fn show(
    s: &AppState,
    u: &PageUser,
    f: IntakeForm,
    error: Option<(String, String)>,
    duplicates: Vec<DuplicateHint>,
    status: StatusCode,
) -> Response {
    match intake_page(&s.app, u, f, error, duplicates).await {
        Ok(p) => (status, render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}

fn may_register(u: &PageUser) -> Result<(), AppError> {
    if u.actor.may(registers) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            why: "this role does not register cases",
        })
    }
}

/// `/cases/new`.
pub async fn new_case(State(s): State<AppState>, u: PageUser) -> Response {
    if let Err(e) = may_register(&u) {
        return error_page(&e);
    }
    show(
        &s,
        &u,
        IntakeForm::default(),
        None,
        Vec::new(),
        StatusCode::OK,
    )
    .await
}

/// The parties the form names: (form prefix, role, name, phone, ID number); blank rows skipped.
fn parties(f: &IntakeForm) -> Vec<(&'static str, &'static str, &str, &str, &str)> {
    [
        (
            "applicant",
            "applicant",
            f.applicant_name.as_str(),
            f.applicant_phone.as_str(),
            f.applicant_id.as_str(),
        ),
        (
            "respondent",
            "respondent",
            f.respondent_name.as_str(),
            f.respondent_phone.as_str(),
            "",
        ),
        (
            "third",
            "third_party",
            f.third_name.as_str(),
            f.third_phone.as_str(),
            "",
        ),
    ]
    .into_iter()
    .filter(|(_, _, n, p, i)| [n, p, i].iter().any(|x| !x.trim().is_empty()))
    .collect()
}

/// Check each party here so that an error lands next to the right field.
fn check_parties(f: &IntakeForm) -> Result<(), (String, String)> {
    for (prefix, role, name, phone, id) in parties(f) {
        if let Err(e) = Party::parse(role, name, Some(phone), Some(id)) {
            let field = match e.field {
                "phone" => "phone",
                "id_number" => "id",
                _ => "name",
            };
            let who = zhili_domain::person::PartyRole::parse(role)
                .map(|r| r.label())
                .unwrap_or("当事人");
            return Err((format!("{prefix}_{field}"), format!("{who}：{}", e.message)));
        }
    }
    Ok(())
}

/// The app's messages name fields by their codes (「title」不能为空): say the form's labels.
pub(super) fn in_words(message: &str) -> String {
    const LABELS: &[(&str, &str)] = &[
        ("title", "标题"),
        ("description", "事实与诉求"),
        ("address", "地址"),
        ("agreement", "调解协议内容"),
        ("reason", "理由"),
    ];
    LABELS.iter().fold(message.to_owned(), |m, (code, label)| {
        m.replace(&format!("「{code}」"), &format!("「{label}」"))
    })
}

/// The form field an app error names.
fn form_field(field: &str) -> String {
    match field {
        "parties" | "name" => "applicant_name".into(),
        "phone" => "applicant_phone".into(),
        "id_number" => "applicant_id".into(),
        other => other.into(),
    }
}

/// `POST /cases`: register, or show the form again with a duplicate warning or an error.
pub async fn create_case(
    State(s): State<AppState>,
    u: PageUser,
    Form(f): Form<IntakeForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    if let Err(e) = may_register(&u) {
        return error_page(&e);
    }
    if let Err(err) = check_parties(&f) {
        return show(
            &s,
            &u,
            f,
            Some(err),
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let named = parties(&f);
    let names: Vec<String> = named.iter().map(|p| p.2.to_owned()).collect();
    let phones: Vec<String> = named.iter().map(|p| p.3.to_owned()).collect();
    if f.confirm_duplicate != "1" {
        match s
            .app
            .possible_duplicates(&u.actor, &f.community_code, &names, &phones)
            .await
        {
            Ok(d) if !d.is_empty() => {
                return show(&s, &u, f, None, d, StatusCode::OK).await;
            }
            Ok(_) => {}
            Err(e) => return error_page(&e),
        }
    }
    let req = NewCaseRequest {
        kind: f.kind.clone(),
        category: f.category.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        channel: f.channel.clone(),
        community_code: f.community_code.trim().to_owned(),
        parties: named
            .iter()
            .map(|(_, role, name, phone, id)| PartyInput {
                role: (*role).into(),
                name: (*name).into(),
                phone: Some((*phone).into()),
                id_number: Some((*id).into()),
            })
            .collect(),
        address: Some(f.address.clone()),
        location: None,
    };
    match s.app.create_case(&u.actor, req).await {
        Ok(c) => Redirect::to(&format!("/cases/{}?created=1", c.case.id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict { .. })) => {
            let (status, body) = describe(&e);
            let field = body.field.as_deref().map(form_field).unwrap_or_default();
            let message = in_words(&body.message);
            show(&s, &u, f, Some((field, message)), Vec::new(), status).await
        }
        Err(e) => error_page(&e),
    }
}
