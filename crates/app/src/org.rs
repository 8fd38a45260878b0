//! Departments, mediation bodies and work areas: listing them within the caller's scope and
//! (for system admins) adding new ones.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::UnitQuery;
use crate::App;
use zhili_domain::{
    DivisionCode, Level, MediationKind, NodeCode, OrgUnit, Outcome, Page, Paged, ParseError, Role,
    Sector, UnitType, WorkArea,
};

/// A department or body to add.
pub struct NewUnit<'a> {
    pub unit_type: &'a str,
    pub name: &'a str,
    /// For bodies a `MediationKind`; ignored for departments.
    pub kind: Option<&'a str>,
    pub sector: Option<&'a str>,
    pub division: &'a str,
}

impl App {
    /// Bodies and departments at or under `division` (default: the caller's whole scope).
    pub async fn list_units(
        &self,
        actor: &Actor,
        division: Option<&str>,
        unit_type: Option<&str>,
        text: Option<&str>,
        page: Page,
    ) -> AppResult<Paged<OrgUnit>> {
        let within = match division.filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let d = DivisionCode::parse(raw)
                    .map_err(|_| AppError::NotFound { what: "division" })?;
                if !actor.scope.sees_division(&d) {
                    return Err(AppError::NotFound { what: "division" });
                }
                Some(d)
            }
        };
        let unit_type = unit_type
            .filter(|s| !s.is_empty())
            .map(UnitType::parse)
            .transpose()?;
        let q = UnitQuery {
            scope: actor.scope.clone(),
            within,
            at: None,
            unit_type,
            text: text
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        };
        Ok(self.store.list_units(&q, page).await?)
    }

    /// The units sitting exactly at one division (for the organisation browser).
    pub async fn units_at(
        &self,
        actor: &Actor,
        division: &DivisionCode,
    ) -> AppResult<Vec<OrgUnit>> {
        let q = UnitQuery {
            scope: actor.scope.clone(),
            within: None,
            at: Some(division.clone()),
            unit_type: None,
            text: None,
        };
        Ok(self
            .store
            .list_units(&q, Page::new(Some(1), Some(Page::MAX_SIZE)))
            .await?
            .items)
    }

    pub async fn unit(&self, actor: &Actor, code: &str) -> AppResult<OrgUnit> {
        let code = NodeCode::parse(code).map_err(|_| AppError::NotFound { what: "unit" })?;
        if !actor.scope.sees_node(&code) {
            return Err(AppError::NotFound { what: "unit" });
        }
        self.store
            .unit(&code)
            .await?
            .ok_or(AppError::NotFound { what: "unit" })
    }

    pub async fn work_areas_of(
        &self,
        actor: &Actor,
        township: &DivisionCode,
    ) -> AppResult<Vec<WorkArea>> {
        let all = self.store.work_areas_of(township).await?;
        Ok(all
            .into_iter()
            .filter(|w| actor.scope.sees_node(&w.code))
            .collect())
    }

    pub async fn work_area(&self, actor: &Actor, code: &NodeCode) -> AppResult<WorkArea> {
        if !actor.scope.sees_node(code) {
            return Err(AppError::NotFound { what: "work_area" });
        }
        self.store
            .work_area(code)
            .await?
            .ok_or(AppError::NotFound { what: "work_area" })
    }

    /// Add a department or mediation body (system admins, inside their scope).
    pub async fn create_unit(&self, actor: &Actor, new: NewUnit<'_>) -> AppResult<OrgUnit> {
        let unit_type = UnitType::parse(new.unit_type)?;
        let division = DivisionCode::parse(new.division)
            .map_err(|e| ParseError::new("division", e.code, e.message))?;
        if !actor.scope.sees_division(&division) || self.store.division(&division).await?.is_none()
        {
            return Err(ParseError::new(
                "division",
                "org.division_not_found",
                "找不到该区划，或不在您的管辖范围内",
            )
            .into());
        }
        if !actor.may(Role::configures_org) {
            return Err(AppError::Forbidden {
                why: "only system admins add departments and bodies",
            });
        }
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ParseError::new(
                "name",
                "org.name_invalid",
                "名称不能为空，且不超过 100 字",
            )
            .into());
        }
        let sector = new
            .sector
            .filter(|s| !s.is_empty())
            .map(Sector::parse)
            .transpose()?;
        let kind = match unit_type {
            UnitType::Department => {
                if sector.is_none() {
                    return Err(ParseError::new(
                        "sector",
                        "org.sector_required",
                        "部门须注明行业（如 police、court）",
                    )
                    .into());
                }
                "department".to_owned()
            }
            UnitType::Body => {
                let k = MediationKind::parse(new.kind.unwrap_or(""))?;
                if k == MediationKind::Sector && sector.is_none() {
                    return Err(ParseError::new(
                        "sector",
                        "org.sector_required",
                        "行业性专业性调解组织须注明行业",
                    )
                    .into());
                }
                k.as_str().to_owned()
            }
        };
        let seq = self.store.max_unit_seq(&division, unit_type).await? + 1;
        let code = match unit_type {
            UnitType::Department => NodeCode::Department {
                division: division.clone(),
                seq,
            },
            UnitType::Body => NodeCode::Body {
                division: division.clone(),
                seq,
            },
        };
        let level = division.level();
        let unit = OrgUnit {
            code: code.clone(),
            unit_type,
            name: name.to_owned(),
            kind,
            sector,
            division_code: division,
            level: if level == Level::WorkArea {
                Level::Township
            } else {
                level
            },
        };
        let audit = actor.audit(
            self.now_ms(),
            "org.create_unit",
            format!("unit:{code}"),
            Outcome::Success,
            name.to_owned(),
        );
        self.store
            .upsert_units(std::slice::from_ref(&unit), audit)
            .await?;
        Ok(unit)
    }

    /// Group communities of one township into a new work area (system admins). A community
    /// already in another work area moves to the new one.
    pub async fn create_work_area(
        &self,
        actor: &Actor,
        township: &str,
        name: &str,
        communities: &[String],
    ) -> AppResult<WorkArea> {
        let township = DivisionCode::parse(township)
            .map_err(|e| ParseError::new("township", e.code, e.message))?;
        if township.level() != Level::Township
            || !actor.scope.sees_division(&township)
            || self.store.division(&township).await?.is_none()
        {
            return Err(ParseError::new(
                "township",
                "org.township_not_found",
                "找不到该镇街，或不在您的管辖范围内",
            )
            .into());
        }
        if !actor.may(Role::configures_org) {
            return Err(AppError::Forbidden {
                why: "only system admins define work areas",
            });
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(ParseError::new(
                "name",
                "org.name_invalid",
                "名称不能为空，且不超过 50 字",
            )
            .into());
        }
        if communities.is_empty() {
            return Err(ParseError::new(
                "communities",
                "org.communities_required",
                "工作区片至少包含一个村居",
            )
            .into());
        }
        let mut members = Vec::with_capacity(communities.len());
        for raw in communities {
            let c = DivisionCode::parse(raw)
                .map_err(|e| ParseError::new("communities", e.code, e.message))?;
            if c.level() != Level::Community
                || c.parent().as_ref() != Some(&township)
                || self.store.division(&c).await?.is_none()
            {
                return Err(ParseError::new(
                    "communities",
                    "org.community_not_in_township",
                    format!("{c} 不是该镇街下的村居"),
                )
                .into());
            }
            members.push(c);
        }
        let seq = self
            .store
            .work_areas_of(&township)
            .await?
            .iter()
            .filter_map(|w| match w.code {
                NodeCode::WorkArea { seq, .. } => Some(seq),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            + 1;
        let wa = WorkArea {
            code: NodeCode::work_area(township.clone(), seq),
            name: name.to_owned(),
            township_code: township,
        };
        let detail = format!("{name}: {} communities", members.len());
        let audit = actor.audit(
            self.now_ms(),
            "org.create_work_area",
            format!("work_area:{}", wa.code),
            Outcome::Success,
            detail,
        );
        self.store
            .upsert_work_areas(&[(wa.clone(), members)], audit)
            .await?;
        Ok(wa)
    }

    /// Does this node exist? (Divisions, work areas, departments and bodies.)
    pub async fn node_exists(&self, node: &NodeCode) -> AppResult<bool> {
        Ok(match node {
            NodeCode::Division(d) => self.store.division(d).await?.is_some(),
            NodeCode::WorkArea { .. } => self.store.work_area(node).await?.is_some(),
            _ => self.store.unit(node).await?.is_some(),
        })
    }

    /// A display name for any node.
    pub async fn node_name(&self, node: &NodeCode) -> AppResult<String> {
        let mut names = self.node_names(std::slice::from_ref(node)).await?;
        Ok(names.remove(node).unwrap_or_else(|| node.to_string()))
    }

    /// Display names of many nodes in one read (a page of cases names its holders); a node
    /// that does not exist is named by its code.
    pub async fn node_names(
        &self,
        nodes: &[NodeCode],
    ) -> AppResult<std::collections::HashMap<NodeCode, String>> {
        let found: std::collections::HashMap<String, String> =
            self.store.node_names(nodes).await?.into_iter().collect();
        Ok(nodes
            .iter()
            .map(|n| {
                let code = n.to_string();
                let name = match (n, found.get(&code)) {
                    (NodeCode::Division(_), Some(name)) => {
                        zhili_domain::division::short_division_name(name).to_owned()
                    }
                    (_, Some(name)) => name.clone(),
                    (_, None) => code,
                };
                (n.clone(), name)
            })
            .collect())
    }
}
