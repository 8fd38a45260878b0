//! The resident portal (解纷码): a resident without an account opens a community's page from
//! its QR code and submits a dispute, a hazard or a service request. The case is registered
//! through the same validation as staff intake, on channel `portal`, audited as `resident`.

use crate::actor::Actor;
use crate::case::{Created, NewCaseRequest, PartyInput};
use crate::error::{AppError, AppResult};
use crate::App;
use zhili_domain::case::{CaseKind, Channel};
use zhili_domain::category::Category;
use zhili_domain::person::Party;
use zhili_domain::{DivisionCode, Level, ParseError, Scope};

/// Who a portal case is recorded as (events and audit).
pub const RESIDENT: &str = "resident";

/// What a resident fills in.
#[derive(Debug, Clone, Default)]
pub struct PortalRequest {
    pub kind: String,
    pub category: String,
    pub title: String,
    pub description: String,
    /// The applicant (the resident).
    pub name: String,
    pub phone: String,
    /// The other side of a dispute, if the resident names one.
    pub respondent: Option<String>,
    pub address: Option<String>,
}

/// A community as its portal page shows it (short names).
#[derive(Debug, Clone)]
pub struct PortalCommunity {
    pub code: DivisionCode,
    pub name: String,
    pub township: String,
    pub county: String,
}

/// The kinds a resident may submit (alerts come from systems, not people).
pub const PORTAL_KINDS: [CaseKind; 3] = [
    CaseKind::Dispute,
    CaseKind::Hazard,
    CaseKind::ServiceRequest,
];

impl App {
    /// A community by code, for its public page: 404 unless it exists and is a community.
    pub async fn portal_community(&self, code: &str) -> AppResult<PortalCommunity> {
        let not_found = || AppError::NotFound { what: "community" };
        let code = DivisionCode::parse(code.trim()).map_err(|_| not_found())?;
        if code.level() != Level::Community {
            return Err(not_found());
        }
        let community = self.store.division(&code).await?.ok_or_else(not_found)?;
        let mut names = Vec::new();
        let mut cur = code.parent();
        while let Some(c) = cur {
            if matches!(c.level(), Level::Township | Level::County) {
                if let Some(d) = self.store.division(&c).await? {
                    names.push(d.short_name().to_owned());
                }
            }
            cur = c.parent();
        }
        let mut it = names.into_iter();
        Ok(PortalCommunity {
            name: community.short_name().to_owned(),
            township: it.next().unwrap_or_default(),
            county: it.next().unwrap_or_default(),
            code,
        })
    }

    /// The categories a resident may choose from (disputes, hazards, service requests).
    pub async fn portal_categories(&self) -> AppResult<Vec<Category>> {
        Ok(self
            .categories()
            .await?
            .into_iter()
            .filter(|c| PORTAL_KINDS.contains(&c.kind))
            .collect())
    }

    /// A resident submits a case to a community. `source` is the client address.
    pub async fn submit_from_portal(
        &self,
        community: &str,
        req: PortalRequest,
        source: &str,
    ) -> AppResult<Created> {
        let community = self.portal_community(community).await?;
        let kind_raw = req.kind.trim();
        if kind_raw.is_empty() {
            return Err(invalid("kind", "case.kind_required", "请选择问题类型"));
        }
        let kind = CaseKind::parse(kind_raw)?;
        if !PORTAL_KINDS.contains(&kind) {
            return Err(invalid("kind", "case.kind_invalid", "请选择问题类型"));
        }
        if req.category.trim().is_empty() {
            return Err(invalid(
                "category",
                "case.category_required",
                "请选择具体类别",
            ));
        }
        // The resident's own details first, with messages addressed to the resident.
        let name = req.name.trim();
        if name.is_empty() {
            return Err(invalid("name", "person.name_required", "请填写您的姓名"));
        }
        let phone = req.phone.trim();
        if phone.is_empty() {
            return Err(invalid("phone", "person.phone_required", "请填写联系电话"));
        }
        Party::parse("applicant", name, Some(phone), None)?;
        let mut parties = vec![PartyInput {
            role: "applicant".into(),
            name: name.to_owned(),
            phone: Some(phone.to_owned()),
            id_number: None,
        }];
        if let Some(r) = req.respondent.as_deref().map(str::trim) {
            if !r.is_empty() {
                Party::parse("respondent", r, None, None).map_err(|e| {
                    ParseError::new("respondent", e.code, format!("对方姓名：{}", e.message))
                })?;
                parties.push(PartyInput {
                    role: "respondent".into(),
                    name: r.to_owned(),
                    phone: None,
                    id_number: None,
                });
            }
        }
        let resident = Actor {
            user: None,
            scope: Scope::Subtree(community.code.clone()),
            source: source.to_owned(),
        };
        let new = NewCaseRequest {
            kind: kind.as_str().into(),
            category: req.category,
            title: req.title,
            description: req.description,
            channel: Channel::Portal.as_str().into(),
            community_code: community.code.to_string(),
            parties,
            address: req.address,
            location: None,
        };
        // Not `create_case`: its role check lets a user-less actor (the operator) through.
        self.register(&resident, new, Channel::Portal, RESIDENT.into())
            .await
    }
}

fn invalid(field: &'static str, code: &'static str, message: &str) -> AppError {
    ParseError::new(field, code, message).into()
}
