//! The demo's organisation and accounts: a plausible set of departments, mediation bodies and
//! work areas for the whole city, generated deterministically from the real divisions, and
//! one account per role. Re-running changes nothing.

use crate::actor::Actor;
use crate::division::DivisionFiles;
use crate::error::{AppError, AppResult};
use crate::ports::{DivisionQuery, Upserted};
use crate::user::NewUserRequest;
use crate::App;
use serde::Serialize;
use zhili_domain::{
    Division, DivisionCode, DivisionKind, Level, MediationKind, NodeCode, OrgUnit, Outcome, Page,
    Role, Scope, Sector, UnitType, WorkArea,
};

/// The demo accounts' shared password (demo only: `serve` never creates an account).
pub const DEMO_PASSWORD: &str = "zhili-demo";

/// One demo login, as printed at start-up.
#[derive(Debug, Clone, Serialize)]
pub struct DemoLogin {
    pub username: &'static str,
    pub role: Role,
    pub node: String,
    pub node_name: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SeedReport {
    pub work_areas: usize,
    pub departments: usize,
    pub bodies: usize,
    pub written: u64,
}

/// The 16 city-level sector bodies (行业性专业性调解组织 and the court- and police-linked centres).
const CITY_BODIES: [(&str, MediationKind, Option<Sector>); 16] = [
    (
        "烟台市劳动人事争议调解中心",
        MediationKind::Sector,
        Some(Sector::Labour),
    ),
    (
        "烟台市医疗纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Medical),
    ),
    (
        "烟台市道路交通事故纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Traffic),
    ),
    (
        "烟台市物业纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Property),
    ),
    (
        "烟台市婚姻家庭纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Family),
    ),
    (
        "烟台市消费纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Consumer),
    ),
    (
        "烟台市企业商会人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Enterprise),
    ),
    (
        "烟台市金融纠纷调解中心",
        MediationKind::Sector,
        Some(Sector::Financial),
    ),
    (
        "烟台市保险纠纷调解委员会",
        MediationKind::Sector,
        Some(Sector::Insurance),
    ),
    (
        "烟台市建设工程纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Construction),
    ),
    (
        "烟台市知识产权纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::IntellectualProperty),
    ),
    (
        "烟台市旅游纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Tourism),
    ),
    (
        "烟台市环境资源纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Environment),
    ),
    (
        "烟台市校园纠纷人民调解委员会",
        MediationKind::Sector,
        Some(Sector::Education),
    ),
    (
        "烟台市中级人民法院诉前调解中心",
        MediationKind::CourtGuided,
        Some(Sector::Court),
    ),
    (
        "烟台市公安局警民联调中心",
        MediationKind::PoliceLinked,
        Some(Sector::Police),
    ),
];

/// City and county departments, by sector; `{}` is the division's name.
const DEPARTMENTS: [(Sector, &str, &str); 8] = [
    (Sector::Police, "{}公安局", "{}公安分局"),
    (Sector::Court, "{}中级人民法院", "{}人民法院"),
    (Sector::Justice, "{}司法局", "{}司法局"),
    (
        Sector::HumanResources,
        "{}人力资源和社会保障局",
        "{}人力资源和社会保障局",
    ),
    (Sector::Housing, "{}住房和城乡建设局", "{}住房和城乡建设局"),
    (Sector::Health, "{}卫生健康委员会", "{}卫生健康局"),
    (
        Sector::MarketRegulation,
        "{}市场监督管理局",
        "{}市场监督管理局",
    ),
    (Sector::Petition, "{}信访局", "{}信访局"),
];

fn unit(
    division: &Division,
    unit_type: UnitType,
    seq: u16,
    name: String,
    kind: &str,
    sector: Option<Sector>,
) -> OrgUnit {
    let code = match unit_type {
        UnitType::Department => NodeCode::Department {
            division: division.code.clone(),
            seq,
        },
        UnitType::Body => NodeCode::Body {
            division: division.code.clone(),
            seq,
        },
    };
    OrgUnit {
        code,
        unit_type,
        name,
        kind: kind.into(),
        sector,
        division_code: division.code.clone(),
        level: division.level,
    }
}

fn body(
    d: &Division,
    seq: u16,
    name: String,
    kind: MediationKind,
    sector: Option<Sector>,
) -> OrgUnit {
    unit(d, UnitType::Body, seq, name, kind.as_str(), sector)
}

fn dept(d: &Division, seq: u16, name: String, sector: Sector) -> OrgUnit {
    unit(
        d,
        UnitType::Department,
        seq,
        name,
        "department",
        Some(sector),
    )
}

/// Departments and bodies for every division, with stable codes.
pub fn plan_units(divisions: &[Division]) -> Vec<OrgUnit> {
    let mut out = Vec::new();
    for d in divisions {
        let name = d.short_name();
        match d.level {
            Level::City => {
                for (i, (n, kind, sector)) in CITY_BODIES.iter().enumerate() {
                    out.push(body(d, i as u16 + 1, (*n).into(), *kind, *sector));
                }
                for (i, (sector, city_name, _)) in DEPARTMENTS.iter().enumerate() {
                    out.push(dept(
                        d,
                        i as u16 + 1,
                        city_name.replace("{}", name),
                        *sector,
                    ));
                }
            }
            Level::County => {
                let zone = d.kind == DivisionKind::NbsFunctionalZone;
                out.push(body(
                    d,
                    1,
                    format!("{name}人民调解委员会"),
                    MediationKind::PeoplesCommittee,
                    None,
                ));
                out.push(body(
                    d,
                    2,
                    format!("{name}劳动人事争议调解中心"),
                    MediationKind::Sector,
                    Some(Sector::Labour),
                ));
                out.push(body(
                    d,
                    3,
                    format!("{name}道路交通事故纠纷人民调解委员会"),
                    MediationKind::Sector,
                    Some(Sector::Traffic),
                ));
                out.push(body(
                    d,
                    4,
                    format!("{name}警民联调室"),
                    MediationKind::PoliceLinked,
                    Some(Sector::Police),
                ));
                if !zone {
                    out.push(body(
                        d,
                        5,
                        format!("{name}人民法院诉前调解中心"),
                        MediationKind::CourtGuided,
                        Some(Sector::Court),
                    ));
                }
                let police = if d.kind == DivisionKind::District || zone {
                    2
                } else {
                    1
                };
                for (i, (sector, _, county_name)) in DEPARTMENTS.iter().enumerate() {
                    if zone && *sector == Sector::Court {
                        continue; // functional zones use their district's court
                    }
                    let n = match (sector, police) {
                        (Sector::Police, 1) => format!("{name}公安局"),
                        _ => county_name.replace("{}", name),
                    };
                    out.push(dept(d, i as u16 + 1, n, *sector));
                }
            }
            Level::Township => {
                out.push(body(
                    d,
                    1,
                    format!("{name}人民调解委员会"),
                    MediationKind::PeoplesCommittee,
                    None,
                ));
                out.push(dept(d, 1, format!("{name}派出所"), Sector::Police));
                out.push(dept(d, 2, format!("{name}司法所"), Sector::Justice));
                out.push(dept(
                    d,
                    3,
                    format!("{name}市场监管所"),
                    Sector::MarketRegulation,
                ));
            }
            Level::Community => {
                out.push(body(
                    d,
                    1,
                    format!("{name}人民调解委员会"),
                    MediationKind::PeoplesCommittee,
                    None,
                ));
            }
            Level::WorkArea => {}
        }
    }
    out
}

/// Rural towns with many villages group them into 管区 (work areas) of about 15.
pub fn plan_work_areas(divisions: &[Division]) -> Vec<(WorkArea, Vec<DivisionCode>)> {
    let mut out = Vec::new();
    for town in divisions
        .iter()
        .filter(|d| matches!(d.kind, DivisionKind::Town | DivisionKind::Township))
    {
        let villages: Vec<&Division> = divisions
            .iter()
            .filter(|v| v.parent_code.as_ref() == Some(&town.code))
            .collect();
        if villages.len() < 24 {
            continue;
        }
        let groups = villages.len().div_ceil(15);
        let per = villages.len().div_ceil(groups);
        for (i, chunk) in villages.chunks(per).enumerate() {
            let seq = i as u16 + 1;
            let wa = WorkArea {
                code: NodeCode::work_area(town.code.clone(), seq),
                name: format!("{}第{}管区", town.short_name(), chinese_number(seq)),
                township_code: town.code.clone(),
            };
            out.push((wa, chunk.iter().map(|v| v.code.clone()).collect()));
        }
    }
    out
}

fn chinese_number(n: u16) -> String {
    const D: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => D[n as usize].into(),
        10..=19 => format!("十{}", if n == 10 { "" } else { D[(n - 10) as usize] }),
        20..=99 => format!(
            "{}十{}",
            D[(n / 10) as usize],
            if n.is_multiple_of(10) {
                ""
            } else {
                D[(n % 10) as usize]
            }
        ),
        _ => n.to_string(),
    }
}

/// The demo accounts: (username, role, node).
const DEMO_USERS: [(&str, Role, &str); 10] = [
    ("admin", Role::SecurityAdmin, "370600000000"),
    ("sysadmin", Role::SystemAdmin, "370600000000"),
    ("auditor", Role::Auditor, "370600000000"),
    ("leader", Role::Leader, "370600000000"),
    ("zhifu-dispatcher", Role::Dispatcher, "370602000000"),
    ("xiangyang-dispatcher", Role::Dispatcher, "370602001000"),
    ("xiangyang-clerk", Role::WindowClerk, "370602001000"),
    ("youyi-mediator", Role::Mediator, "370602001001-M01"),
    ("youyi-grid", Role::GridWorker, "370602001001"),
    ("zhifu-police", Role::DepartmentHandler, "370602000000-D01"),
];

impl App {
    /// Every division, for seeding (paged through the store).
    async fn all_divisions(&self, scope: &Scope) -> AppResult<Vec<Division>> {
        let mut all = Vec::new();
        for number in 1.. {
            let q = DivisionQuery {
                scope: scope.clone(),
                level: None,
                parent: None,
                work_area: None,
                text: None,
            };
            let page = self
                .store
                .list_divisions(&q, Page::new(Some(number), Some(Page::MAX_SIZE)))
                .await?;
            let done = page.items.len() < Page::MAX_SIZE as usize;
            all.extend(page.items);
            if done {
                break;
            }
        }
        Ok(all)
    }

    /// Seed departments, bodies and work areas for the whole city (idempotent).
    pub async fn seed_organisation(&self, actor: &Actor) -> AppResult<SeedReport> {
        if !actor.may(Role::configures_org) {
            return Err(AppError::Forbidden {
                why: "only system admins seed the organisation",
            });
        }
        let divisions = self.all_divisions(&actor.scope).await?;
        let units = plan_units(&divisions);
        let areas = plan_work_areas(&divisions);
        let now = self.now_ms();
        let count = |t| units.iter().filter(|u| u.unit_type == t).count();
        let report = SeedReport {
            work_areas: areas.len(),
            departments: count(UnitType::Department),
            bodies: count(UnitType::Body),
            written: 0,
        };
        let detail = format!(
            "{} work areas, {} departments, {} bodies",
            report.work_areas, report.departments, report.bodies
        );
        let a = self
            .store
            .upsert_work_areas(
                &areas,
                actor.audit(
                    now,
                    "org.seed_work_areas",
                    "work_area:*".into(),
                    Outcome::Success,
                    detail.clone(),
                ),
            )
            .await?;
        let u = self
            .store
            .upsert_units(
                &units,
                actor.audit(
                    now,
                    "org.seed_units",
                    "unit:*".into(),
                    Outcome::Success,
                    detail,
                ),
            )
            .await?;
        let Upserted { inserted, updated } = u;
        Ok(SeedReport {
            written: a.inserted + a.updated + inserted + updated,
            ..report
        })
    }

    /// Create the demo accounts that do not exist yet; returns all of them for printing.
    pub async fn seed_demo_users(&self, actor: &Actor) -> AppResult<Vec<DemoLogin>> {
        let mut out = Vec::new();
        for (username, role, node) in DEMO_USERS {
            if self.store.credentials(username).await?.is_none() {
                let req = NewUserRequest {
                    username,
                    password: DEMO_PASSWORD,
                    role: role.as_str(),
                    node,
                    display_name: None,
                };
                self.create_user(actor, req).await?;
            }
            let code = NodeCode::parse(node)?;
            out.push(DemoLogin {
                username,
                role,
                node: node.into(),
                node_name: self.node_name(&code).await?,
            });
        }
        Ok(out)
    }

    /// Everything `zhili demo` needs before serving: divisions, organisation, accounts.
    pub async fn prepare_demo(&self, operator: &Actor) -> AppResult<(SeedReport, Vec<DemoLogin>)> {
        self.import_divisions(operator, &DivisionFiles::embedded())
            .await?;
        let seeded = self.seed_organisation(operator).await?;
        self.ensure_case_setup(operator).await?;
        let logins = self.seed_demo_users(operator).await?;
        Ok((seeded, logins))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_community_and_township_gets_a_committee_and_the_city_sixteen_bodies() {
        let ds = DivisionFiles::embedded().parse().unwrap();
        let units = plan_units(&ds);
        let committees = |l| {
            units
                .iter()
                .filter(|u| u.level == l && u.kind == "peoples_committee")
                .count()
        };
        assert_eq!(committees(Level::Community), 6509);
        assert_eq!(committees(Level::Township), 159);
        let city_bodies = units
            .iter()
            .filter(|u| u.level == Level::City && u.unit_type == UnitType::Body)
            .count();
        assert_eq!(city_bodies, 16);
        let mut codes: Vec<_> = units.iter().map(|u| u.code.to_string()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), units.len(), "unit codes are unique");
    }

    #[test]
    fn work_areas_group_villages_of_large_towns_without_overlap() {
        let ds = DivisionFiles::embedded().parse().unwrap();
        let areas = plan_work_areas(&ds);
        assert!(!areas.is_empty());
        let mut members: Vec<_> = areas.iter().flat_map(|(_, m)| m.iter().cloned()).collect();
        let n = members.len();
        members.sort();
        members.dedup();
        assert_eq!(members.len(), n, "a community is in at most one work area");
        for (wa, m) in &areas {
            assert!(m.iter().all(|c| wa.township_code.contains(c)));
            assert!((8..=24).contains(&m.len()), "{} has {}", wa.name, m.len());
        }
        assert_eq!(chinese_number(3), "三");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
    }
}
