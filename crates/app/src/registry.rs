//! Reading the registry: residents within jurisdiction, always masked; a reveal is an explicit
//! act with a stated purpose, written to the audit log with who and which record; the 人房两清
//! counts; buildings and dwellings.
//!
//! Who: dispatchers reveal within their jurisdiction, mediators only the parties of cases their
//! body holds; grid workers, clerks, department handlers and leaders see masked data only; the
//! three admin duties see no residents at all.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{BuildingRecord, DwellingRecord, ResidentQuery, ResidentRow};
use crate::App;
use serde::Serialize;
use zhili_domain::registry::{BuildingCode, Consistency, GridCode};
use zhili_domain::{DivisionCode, NodeCode, Outcome, Page, Paged, ParseError, Role, Scope};

/// A resident as a list or a page shows them.
#[derive(Debug, Clone, Serialize)]
pub struct ResidentView {
    pub id: i64,
    pub name: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub sex: String,
    /// `YYYY-MM-DD` when revealed; the year alone when masked.
    pub birth_date: String,
    pub ethnicity: String,
    pub relation: String,
    pub community_code: String,
    pub grid_code: Option<String>,
    pub dwelling_code: Option<String>,
    pub confirmed_at_ms: Option<i64>,
    pub masked: bool,
}

impl ResidentView {
    pub(crate) fn masked(r: ResidentRow) -> Self {
        Self {
            id: r.id,
            name: r.name_masked,
            id_number: r.id_masked,
            phone: r.phone_masked,
            sex: r.sex,
            // The masked ID hides exactly the birth date's 8 digits: showing the whole date
            // beside it would give the number away. Masked views show the year only.
            birth_date: r.birth_date.get(..4).unwrap_or_default().to_owned(),
            ethnicity: r.ethnicity,
            relation: r.relation,
            community_code: r.community_code.to_string(),
            grid_code: r.grid_code,
            dwelling_code: r.dwelling_code,
            confirmed_at_ms: r.confirmed_at_ms,
            masked: true,
        }
    }
}

/// Roles that read the registry at all.
pub fn reads_registry(role: Role) -> bool {
    !role.is_admin_duty()
}

/// Roles that import into the registry (within their jurisdiction).
pub fn imports_registry(role: Role) -> bool {
    matches!(role, Role::Dispatcher)
}

impl App {
    /// The division whose subtree the actor's registry reads cover.
    pub(crate) fn registry_root(&self, actor: &Actor) -> AppResult<DivisionCode> {
        if !actor.may(reads_registry) {
            return Err(AppError::Forbidden {
                why: "registry_not_for_role",
            });
        }
        Ok(match &actor.scope {
            Scope::Subtree(d) => d.clone(),
            Scope::WorkArea { code, .. } => code.division().clone(),
            Scope::Unit { territory, .. } => territory.clone(),
        })
    }

    /// `division` (default: the actor's whole jurisdiction) if the actor sees it; 404 if not.
    pub(crate) fn registry_division(
        &self,
        actor: &Actor,
        division: Option<&str>,
    ) -> AppResult<DivisionCode> {
        let root = self.registry_root(actor)?;
        let Some(raw) = division.filter(|s| !s.trim().is_empty()) else {
            return Ok(root);
        };
        let d =
            DivisionCode::parse(raw).map_err(|e| ParseError::new("division", e.code, e.message))?;
        if root.contains(&d) && actor.scope.sees_division(&d) {
            Ok(d)
        } else {
            Err(AppError::NotFound { what: "division" })
        }
    }

    pub async fn residents(
        &self,
        actor: &Actor,
        division: Option<&str>,
        grid: Option<&str>,
        lookup: Option<&str>,
        page: Page,
    ) -> AppResult<Paged<ResidentView>> {
        let within = self.registry_division(actor, division)?;
        let grid = grid
            .filter(|g| !g.trim().is_empty())
            .map(GridCode::parse)
            .transpose()?;
        let lookup_hash = lookup
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| self.vault.lookup_hash(&s.to_ascii_uppercase()));
        let q = ResidentQuery {
            within,
            grid,
            lookup_hash,
        };
        Ok(self
            .store
            .residents(&q, page)
            .await?
            .map(ResidentView::masked))
    }

    async fn visible_resident(&self, actor: &Actor, id: i64) -> AppResult<ResidentRow> {
        let root = self.registry_root(actor)?;
        let r = self
            .store
            .resident(id)
            .await?
            .ok_or(AppError::NotFound { what: "resident" })?;
        if root.contains(&r.community_code) && actor.scope.sees_division(&r.community_code) {
            Ok(r)
        } else if matches!(actor.role(), Some(Role::Mediator)) {
            // A mediator's scope is the body's node; whether they may see this resident at
            // all is decided by the case check in `reveal_resident`.
            Ok(r)
        } else {
            Err(AppError::NotFound { what: "resident" })
        }
    }

    pub async fn resident(&self, actor: &Actor, id: i64) -> AppResult<ResidentView> {
        Ok(ResidentView::masked(
            self.visible_resident(actor, id).await?,
        ))
    }

    /// The unmasked record, for a stated purpose; audited as `resident.reveal` on
    /// `resident:{id}` with the purpose, and refused (and audited) for roles without the need.
    pub async fn reveal_resident(
        &self,
        actor: &Actor,
        id: i64,
        purpose: &str,
    ) -> AppResult<ResidentView> {
        let purpose = purpose.trim();
        if purpose.chars().count() < 2 || purpose.chars().count() > 200 {
            return Err(ParseError::new(
                "purpose",
                "resident.purpose_required",
                "请说明查看完整信息的用途（2–200 字）",
            )
            .into());
        }
        let r = self.visible_resident(actor, id).await?;
        let id_number = self.open(&r.id_enc)?;
        let allowed = match &actor.user {
            None => true,
            Some(u) => match u.role {
                Role::Dispatcher => true,
                Role::Mediator => match &u.node {
                    n @ NodeCode::Body { .. } => {
                        self.store
                            .party_of_case_held_by(&n.to_string(), &id_number)
                            .await?
                    }
                    _ => false,
                },
                _ => false,
            },
        };
        let object = format!("resident:{id}");
        if !allowed {
            let e = actor.audit(
                self.now_ms(),
                "resident.reveal",
                object,
                Outcome::Denied,
                purpose.to_owned(),
            );
            self.store.append_audit(e).await?;
            return Err(AppError::Forbidden {
                why: "reveal_not_for_role",
            });
        }
        let e = actor.audit(
            self.now_ms(),
            "resident.reveal",
            object,
            Outcome::Success,
            purpose.to_owned(),
        );
        self.store.append_audit(e).await?;
        let name = self.open(&r.name_enc)?;
        let phone = r.phone_enc.as_deref().map(|p| self.open(p)).transpose()?;
        let birth_date = r.birth_date.clone();
        let mut v = ResidentView::masked(r);
        v.birth_date = birth_date;
        v.name = name;
        v.id_number = id_number;
        v.phone = phone;
        v.masked = false;
        Ok(v)
    }

    fn open(&self, sealed: &[u8]) -> AppResult<String> {
        self.vault
            .open(sealed)
            .map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The 人房两清 counts for a division (or one grid), with records unconfirmed for
    /// `stale_days` (default 90).
    pub async fn consistency(
        &self,
        actor: &Actor,
        division: Option<&str>,
        grid: Option<&str>,
        stale_days: Option<i64>,
    ) -> AppResult<Consistency> {
        let within = self.registry_division(actor, division)?;
        let grid = grid
            .filter(|g| !g.trim().is_empty())
            .map(GridCode::parse)
            .transpose()?;
        let days = stale_days.unwrap_or(90).clamp(1, 3650);
        let now = self.now_ms();
        let today = zhili_domain::calendar::format_date(zhili_domain::calendar::local_day(now));
        let mut c = self
            .store
            .consistency(&within, grid.as_ref(), &today, now - days * 86_400_000)
            .await?;
        c.stale_days = days;
        Ok(c)
    }

    pub async fn buildings(
        &self,
        actor: &Actor,
        division: Option<&str>,
        grid: Option<&str>,
        page: Page,
    ) -> AppResult<Paged<BuildingRecord>> {
        let within = self.registry_division(actor, division)?;
        let grid = grid
            .filter(|g| !g.trim().is_empty())
            .map(GridCode::parse)
            .transpose()?;
        Ok(self
            .store
            .buildings_in(&within, grid.as_ref(), page)
            .await?)
    }

    pub async fn dwellings(&self, actor: &Actor, building: &str) -> AppResult<Vec<DwellingRecord>> {
        let root = self.registry_root(actor)?;
        let b = BuildingCode::parse(building)?;
        if !root.contains(&b.community()) || !actor.scope.sees_division(&b.community()) {
            return Err(AppError::NotFound { what: "building" });
        }
        Ok(self.store.dwellings_of(&b).await?)
    }
}
