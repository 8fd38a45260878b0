//! Routing (派遣): which mediation body or department a case goes to. A rule matches a
//! division subtree × case kind × category; the most specific matching rule wins; its target
//! is looked for at the named level and, where absent, at each level above (fallback up the
//! hierarchy). Escalation (上报) goes one level up from the current assignee.

use crate::case::CaseKind;
use crate::division::{DivisionCode, Level};
use crate::error::ParseError;
use crate::node::{MediationKind, NodeCode, Sector, UnitType};
use serde::{Deserialize, Serialize};

/// Where a rule sends a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// The people's mediation committee of the case's division at `level`.
    Committee { level: Level },
    /// A sector mediation body (`sector`) at `level` or above.
    Sector { sector: Sector, level: Level },
    /// A department of `sector` at `level` or above.
    Department { sector: Sector, level: Level },
    /// The division itself at `level` (its dispatchers handle it).
    Division { level: Level },
    /// One fixed node.
    Node { code: NodeCode },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutingRule {
    pub id: i64,
    /// Only cases in this subtree (None: everywhere).
    pub within: Option<DivisionCode>,
    pub kind: Option<CaseKind>,
    /// A top-level or second-level category code; a top-level code also matches its children.
    pub category: Option<String>,
    pub target: Target,
}

impl RoutingRule {
    fn matches(&self, at: &DivisionCode, kind: CaseKind, category: &str) -> bool {
        self.within.as_ref().is_none_or(|w| w.contains(at))
            && self.kind.is_none_or(|k| k == kind)
            && self.category.as_deref().is_none_or(|c| {
                c == category
                    || category
                        .strip_prefix(c)
                        .is_some_and(|rest| rest.starts_with('.'))
            })
    }

    /// Deeper subtrees beat shallower ones; then a second-level category beats a top-level
    /// one beats none; then a kind beats none.
    fn specificity(&self) -> u32 {
        let depth = self
            .within
            .as_ref()
            .map(|w| w.prefix().len() as u32)
            .unwrap_or(0);
        let cat = match self.category.as_deref() {
            Some(c) if c.contains('.') => 20,
            Some(_) => 10,
            None => 0,
        };
        depth * 100 + cat + u32::from(self.kind.is_some())
    }
}

/// The most specific rule for a case at community `at`; ties go to the rule added first.
pub fn pick<'a>(
    rules: &'a [RoutingRule],
    at: &DivisionCode,
    kind: CaseKind,
    category: &str,
) -> Option<&'a RoutingRule> {
    rules
        .iter()
        .filter(|r| r.matches(at, kind, category))
        .max_by(|a, b| a.specificity().cmp(&b.specificity()).then(b.id.cmp(&a.id)))
}

/// One place to look for an assignee, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidate {
    Unit {
        division: DivisionCode,
        unit_type: UnitType,
        kind: Option<MediationKind>,
        sector: Option<Sector>,
    },
    Division(DivisionCode),
    Node(NodeCode),
}

/// The ancestors of `at` from `level` up to the city (including `at` itself when it is at `level`).
fn from_level_up(at: &DivisionCode, level: Level) -> Vec<DivisionCode> {
    let mut chain = vec![at.clone()];
    let mut cur = at.parent();
    while let Some(c) = cur {
        cur = c.parent();
        chain.push(c);
    }
    chain.into_iter().filter(|d| d.level() <= level).collect()
}

/// Where to look for the target, most wanted first.
pub fn candidates(target: &Target, at: &DivisionCode) -> Vec<Candidate> {
    match target {
        Target::Committee { level } => from_level_up(at, *level)
            .into_iter()
            .map(|division| Candidate::Unit {
                division,
                unit_type: UnitType::Body,
                kind: Some(MediationKind::PeoplesCommittee),
                sector: None,
            })
            .collect(),
        Target::Sector { sector, level } => from_level_up(at, *level)
            .into_iter()
            .map(|division| Candidate::Unit {
                division,
                unit_type: UnitType::Body,
                kind: None,
                sector: Some(*sector),
            })
            .collect(),
        Target::Department { sector, level } => from_level_up(at, *level)
            .into_iter()
            .map(|division| Candidate::Unit {
                division,
                unit_type: UnitType::Department,
                kind: None,
                sector: Some(*sector),
            })
            .collect(),
        Target::Division { level } => from_level_up(at, *level)
            .into_iter()
            .take(1)
            .map(Candidate::Division)
            .collect(),
        Target::Node { code } => vec![Candidate::Node(code.clone())],
    }
}

/// Escalation from an assignee sitting in `division`: the people's committee one level up,
/// else that division itself. `None` at the city: there is no level above.
pub fn escalation(division: &DivisionCode) -> Option<Vec<Candidate>> {
    let up = division.parent()?;
    Some(vec![
        Candidate::Unit {
            division: up.clone(),
            unit_type: UnitType::Body,
            kind: Some(MediationKind::PeoplesCommittee),
            sector: None,
        },
        Candidate::Division(up),
    ])
}

/// The default rules (Chinese practice): family, neighbour and most civil disputes to the
/// community committee; labour and traffic to the county's sector bodies; medical, property,
/// consumer, enterprise and environmental disputes to the city's; land expropriation to the
/// township; social insurance to the county's human-resources bureau; hazards and service
/// requests to the township; alerts to the township police station.
pub fn default_rules() -> Vec<RoutingRule> {
    use Level::*;
    let d = Some(CaseKind::Dispute);
    let rules: Vec<(Option<CaseKind>, Option<&str>, Target)> = vec![
        (None, None, Target::Committee { level: Community }),
        (
            d,
            Some("labour"),
            Target::Sector {
                sector: Sector::Labour,
                level: County,
            },
        ),
        (
            d,
            Some("traffic"),
            Target::Sector {
                sector: Sector::Traffic,
                level: County,
            },
        ),
        (
            d,
            Some("medical"),
            Target::Sector {
                sector: Sector::Medical,
                level: County,
            },
        ),
        (
            d,
            Some("property_mgmt"),
            Target::Sector {
                sector: Sector::Property,
                level: County,
            },
        ),
        (
            d,
            Some("consumer"),
            Target::Sector {
                sector: Sector::Consumer,
                level: County,
            },
        ),
        (
            d,
            Some("enterprise"),
            Target::Sector {
                sector: Sector::Enterprise,
                level: County,
            },
        ),
        (
            d,
            Some("environment"),
            Target::Sector {
                sector: Sector::Environment,
                level: County,
            },
        ),
        (
            d,
            Some("land_expropriation"),
            Target::Committee { level: Township },
        ),
        (
            d,
            Some("social_insurance"),
            Target::Department {
                sector: Sector::HumanResources,
                level: County,
            },
        ),
        (
            Some(CaseKind::Hazard),
            None,
            Target::Division { level: Township },
        ),
        (
            Some(CaseKind::Hazard),
            Some("public_order"),
            Target::Department {
                sector: Sector::Police,
                level: Township,
            },
        ),
        (
            Some(CaseKind::ServiceRequest),
            None,
            Target::Division { level: Township },
        ),
        (
            Some(CaseKind::Alert),
            None,
            Target::Department {
                sector: Sector::Police,
                level: Township,
            },
        ),
    ];
    rules
        .into_iter()
        .enumerate()
        .map(|(i, (kind, category, target))| RoutingRule {
            id: i as i64 + 1,
            within: None,
            kind,
            category: category.map(str::to_owned),
            target,
        })
        .collect()
}

impl Target {
    /// Read the stored form written by `Display`: `committee:LEVEL`, `sector:LEVEL:SECTOR`,
    /// `department:LEVEL:SECTOR`, `division:LEVEL` or `node:CODE`.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let bad = || {
            ParseError::new(
                "target",
                "routing.target_invalid",
                format!("无效的派遣目标「{raw}」"),
            )
        };
        let mut parts = raw.split(':');
        let kind = parts.next().ok_or_else(bad)?;
        let arg = parts.next().ok_or_else(bad)?;
        let level = || Level::parse(arg).map_err(|_| bad());
        let sector = |p: Option<&str>| {
            p.ok_or_else(bad)
                .and_then(|s| Sector::parse(s).map_err(|_| bad()))
        };
        Ok(match kind {
            "committee" => Target::Committee { level: level()? },
            "sector" => Target::Sector {
                level: level()?,
                sector: sector(parts.next())?,
            },
            "department" => Target::Department {
                level: level()?,
                sector: sector(parts.next())?,
            },
            "division" => Target::Division { level: level()? },
            "node" => Target::Node {
                code: NodeCode::parse(arg).map_err(|_| bad())?,
            },
            _ => return Err(bad()),
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Committee { level } => write!(f, "committee:{}", level.as_str()),
            Target::Sector { sector, level } => {
                write!(f, "sector:{}:{}", level.as_str(), sector.as_str())
            }
            Target::Department { sector, level } => {
                write!(f, "department:{}:{}", level.as_str(), sector.as_str())
            }
            Target::Division { level } => write!(f, "division:{}", level.as_str()),
            Target::Node { code } => write!(f, "node:{code}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn the_most_specific_rule_wins() {
        let mut rules = default_rules();
        let at = d("370602001001");
        assert_eq!(
            pick(&rules, &at, CaseKind::Dispute, "neighbour.noise")
                .unwrap()
                .target,
            Target::Committee {
                level: Level::Community
            }
        );
        assert_eq!(
            pick(&rules, &at, CaseKind::Dispute, "labour.wages")
                .unwrap()
                .target,
            Target::Sector {
                sector: Sector::Labour,
                level: Level::County
            }
        );
        rules.push(RoutingRule {
            id: 99,
            within: Some(d("370602000000")),
            kind: Some(CaseKind::Dispute),
            category: Some("labour".into()),
            target: Target::Committee {
                level: Level::Township,
            },
        });
        assert_eq!(
            pick(&rules, &at, CaseKind::Dispute, "labour").unwrap().id,
            99,
            "a rule for 芝罘区 beats the city-wide one"
        );
        assert_eq!(
            pick(&rules, &d("370611001001"), CaseKind::Dispute, "labour")
                .unwrap()
                .target,
            Target::Sector {
                sector: Sector::Labour,
                level: Level::County
            },
            "but not outside 芝罘区"
        );
        assert!(
            pick(&rules, &at, CaseKind::Dispute, "labourer")
                .unwrap()
                .category
                .is_none(),
            "a prefix that is not a parent does not match"
        );
    }

    #[test]
    fn candidates_climb_from_the_target_level_to_the_city() {
        let c = candidates(
            &Target::Sector {
                sector: Sector::Labour,
                level: Level::County,
            },
            &d("370602001001"),
        );
        let divisions: Vec<String> = c
            .iter()
            .map(|c| match c {
                Candidate::Unit { division, .. } => division.to_string(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(divisions, ["370602000000", "370600000000"]);
        assert_eq!(
            candidates(
                &Target::Committee {
                    level: Level::Community
                },
                &d("370602001001")
            )
            .len(),
            4
        );
        assert!(escalation(&d("370600000000")).is_none());
    }

    #[test]
    fn targets_round_trip_through_their_stored_form() {
        for t in default_rules()
            .into_iter()
            .map(|r| r.target)
            .chain([Target::Node {
                code: NodeCode::parse("370602001001-M01").unwrap(),
            }])
        {
            assert_eq!(Target::parse(&t.to_string()).unwrap(), t);
        }
        assert!(Target::parse("sector:county").is_err());
    }
}
