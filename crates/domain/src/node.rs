//! Nodes of the organisation other than divisions: work areas (工作区片), departments (部门)
//! and mediation bodies (调解组织). Every user belongs to exactly one node.
//!
//! A node code starts with the 12-digit code of the division it sits in, so jurisdiction
//! checks stay prefix checks: `370602001000-W01` (a work area of 向阳街道),
//! `370602000000-D01` (a department of 芝罘区), `370602001001-M01` (the people's mediation
//! committee of 友谊街社区).

use crate::division::{DivisionCode, Level};
use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum NodeCode {
    Division(DivisionCode),
    WorkArea { township: DivisionCode, seq: u16 },
    Department { division: DivisionCode, seq: u16 },
    Body { division: DivisionCode, seq: u16 },
}

impl NodeCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        let invalid = || {
            ParseError::new(
                "node",
                "node.code_invalid",
                format!("「{raw}」不是区划代码，也不是工作区片、部门或调解组织的代码（如 370602001001-M01）"),
            )
        };
        let Some((div, rest)) = raw.split_once('-') else {
            return DivisionCode::parse(raw)
                .map(NodeCode::Division)
                .map_err(|_| invalid());
        };
        let division = DivisionCode::parse(div).map_err(|_| invalid())?;
        let (tag, digits) = rest.split_at_checked(1).ok_or_else(invalid)?;
        if digits.len() < 2 || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let seq: u16 = digits.parse().map_err(|_| invalid())?;
        if seq == 0 {
            return Err(invalid());
        }
        match tag {
            "W" if division.level() == Level::Township => Ok(NodeCode::WorkArea {
                township: division,
                seq,
            }),
            "D" => Ok(NodeCode::Department { division, seq }),
            "M" => Ok(NodeCode::Body { division, seq }),
            _ => Err(invalid()),
        }
    }

    /// The division this node sits in (for a division, itself).
    pub fn division(&self) -> &DivisionCode {
        match self {
            NodeCode::Division(d) => d,
            NodeCode::WorkArea { township, .. } => township,
            NodeCode::Department { division, .. } | NodeCode::Body { division, .. } => division,
        }
    }

    pub fn work_area(township: DivisionCode, seq: u16) -> Self {
        NodeCode::WorkArea { township, seq }
    }
}

impl fmt::Display for NodeCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeCode::Division(d) => write!(f, "{d}"),
            NodeCode::WorkArea { township, seq } => write!(f, "{township}-W{seq:02}"),
            NodeCode::Department { division, seq } => write!(f, "{division}-D{seq:02}"),
            NodeCode::Body { division, seq } => write!(f, "{division}-M{seq:02}"),
        }
    }
}

impl TryFrom<String> for NodeCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<NodeCode> for String {
    fn from(c: NodeCode) -> String {
        c.to_string()
    }
}

/// A work area (工作区片): an optional grouping of communities inside one township.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkArea {
    pub code: NodeCode,
    pub name: String,
    pub township_code: DivisionCode,
}

/// Departments and mediation bodies share one shape: a named unit in a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    Department,
    Body,
}

impl UnitType {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitType::Department => "department",
            UnitType::Body => "body",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "department" => Ok(UnitType::Department),
            "body" => Ok(UnitType::Body),
            _ => Err(ParseError::new(
                "unit_type",
                "org.unit_type_invalid",
                format!("未知的单位类型「{raw}」"),
            )),
        }
    }
}

/// Kinds of mediation body (调解组织).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediationKind {
    /// 人民调解委员会 at community, township or county level.
    PeoplesCommittee,
    /// 行业性专业性调解组织: labour, medical, traffic, property, … (see `Sector`).
    Sector,
    /// 诉前调解 / 法院特邀调解.
    CourtGuided,
    /// 警民联调 / 三所联动.
    PoliceLinked,
}

impl MediationKind {
    pub const ALL: [MediationKind; 4] = [
        MediationKind::PeoplesCommittee,
        MediationKind::Sector,
        MediationKind::CourtGuided,
        MediationKind::PoliceLinked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MediationKind::PeoplesCommittee => "peoples_committee",
            MediationKind::Sector => "sector",
            MediationKind::CourtGuided => "court_guided",
            MediationKind::PoliceLinked => "police_linked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MediationKind::PeoplesCommittee => "人民调解委员会",
            MediationKind::Sector => "行业性专业性调解组织",
            MediationKind::CourtGuided => "诉前调解",
            MediationKind::PoliceLinked => "警民联调",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "kind",
                    "org.kind_invalid",
                    format!("未知的调解组织类别「{raw}」"),
                )
            })
    }
}

/// The field a department or sector mediation body works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    // Departments (部门)
    Police,
    Court,
    Justice,
    HumanResources,
    Housing,
    Health,
    MarketRegulation,
    Petition,
    // Fields of sector mediation bodies (行业性专业性调解)
    Labour,
    Medical,
    Traffic,
    Property,
    Family,
    Consumer,
    Enterprise,
    Financial,
    Insurance,
    Construction,
    IntellectualProperty,
    Tourism,
    Environment,
    Education,
}

impl Sector {
    pub const ALL: [Sector; 22] = [
        Sector::Police,
        Sector::Court,
        Sector::Justice,
        Sector::HumanResources,
        Sector::Housing,
        Sector::Health,
        Sector::MarketRegulation,
        Sector::Petition,
        Sector::Labour,
        Sector::Medical,
        Sector::Traffic,
        Sector::Property,
        Sector::Family,
        Sector::Consumer,
        Sector::Enterprise,
        Sector::Financial,
        Sector::Insurance,
        Sector::Construction,
        Sector::IntellectualProperty,
        Sector::Tourism,
        Sector::Environment,
        Sector::Education,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Police => "police",
            Sector::Court => "court",
            Sector::Justice => "justice",
            Sector::HumanResources => "human_resources",
            Sector::Housing => "housing",
            Sector::Health => "health",
            Sector::MarketRegulation => "market_regulation",
            Sector::Petition => "petition",
            Sector::Labour => "labour",
            Sector::Medical => "medical",
            Sector::Traffic => "traffic",
            Sector::Property => "property",
            Sector::Family => "family",
            Sector::Consumer => "consumer",
            Sector::Enterprise => "enterprise",
            Sector::Financial => "financial",
            Sector::Insurance => "insurance",
            Sector::Construction => "construction",
            Sector::IntellectualProperty => "intellectual_property",
            Sector::Tourism => "tourism",
            Sector::Environment => "environment",
            Sector::Education => "education",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sector::Police => "公安",
            Sector::Court => "法院",
            Sector::Justice => "司法",
            Sector::HumanResources => "人社",
            Sector::Housing => "住建",
            Sector::Health => "卫健",
            Sector::MarketRegulation => "市场监管",
            Sector::Petition => "信访",
            Sector::Labour => "劳动争议",
            Sector::Medical => "医疗纠纷",
            Sector::Traffic => "道路交通",
            Sector::Property => "物业",
            Sector::Family => "婚姻家庭",
            Sector::Consumer => "消费",
            Sector::Enterprise => "企业商会",
            Sector::Financial => "金融",
            Sector::Insurance => "保险",
            Sector::Construction => "建设工程",
            Sector::IntellectualProperty => "知识产权",
            Sector::Tourism => "旅游",
            Sector::Environment => "环境资源",
            Sector::Education => "校园",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "sector",
                    "org.sector_invalid",
                    format!("未知的行业「{raw}」"),
                )
            })
    }
}

/// A department or a mediation body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgUnit {
    pub code: NodeCode,
    pub unit_type: UnitType,
    pub name: String,
    /// For bodies, the `MediationKind`; for departments, `"department"`.
    pub kind: String,
    pub sector: Option<Sector>,
    pub division_code: DivisionCode,
    pub level: Level,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_codes_round_trip_and_name_their_division() {
        for raw in [
            "370602001001",
            "370602001000-W01",
            "370602000000-D12",
            "370602001001-M01",
            "370600000000-M16",
        ] {
            let node = NodeCode::parse(raw).unwrap();
            assert_eq!(node.to_string(), raw);
            assert!(raw.starts_with(node.division().as_str()));
        }
    }

    #[test]
    fn malformed_node_codes_are_refused() {
        for raw in [
            "",
            "x",
            "370602001001-",
            "370602001001-M",
            "370602001001-M0",
            "370602001001-M00",
            "370602001001-X01",
            "370602000000-W01",
            "370602001001-M01x",
            "3706-M01",
        ] {
            let err = NodeCode::parse(raw).unwrap_err();
            assert_eq!(err.code, "node.code_invalid", "{raw}");
        }
    }
}
