//! The building–dwelling–resident registry (以房管人): grid, building and dwelling codes, the
//! resident's record with what its ID number tells, occupancy links, and the 人房两清 counts.
//!
//! Codes (documented in `docs/registry.md`):
//! - grid: the community's 12-digit code + 3 digits, `370602001001007`;
//! - building: the community's code + `-B` + a 4-digit sequence within the community,
//!   `370602001001-B0042`. It does not name the grid, so redrawing grid lines never renames
//!   a building; the grid a building lies in is an attribute, recomputed from its point;
//! - dwelling: the building's code + `-` + unit + `-` + room, `370602001001-B0042-2-0301`.

use crate::division::{DivisionCode, Level};
use crate::error::ParseError;
use crate::person::IdCardNo;
use serde::Serialize;

/// A grid's code: the community's code and 3 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct GridCode(String);

impl GridCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let ok = s.len() == 15
            && s.bytes().all(|b| b.is_ascii_digit())
            && &s[12..] != "000"
            && DivisionCode::parse(&s[..12]).is_ok_and(|d| d.level() == Level::Community);
        if !ok {
            return Err(ParseError::new(
                "code",
                "grid.code_invalid",
                "网格编码应为村居代码（12 位）加 3 位序号，如 370602001001001",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn new(community: &DivisionCode, seq: u32) -> Self {
        Self(format!("{}{:03}", community.as_str(), seq.clamp(1, 999)))
    }

    pub fn community(&self) -> DivisionCode {
        DivisionCode::parse(&self.0[..12]).expect("checked at parse")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GridCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A building's code: community code, `-B`, 4-digit sequence.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct BuildingCode(String);

impl BuildingCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let ok = s.len() == 18
            && &s[12..14] == "-B"
            && s[14..].bytes().all(|b| b.is_ascii_digit())
            && DivisionCode::parse(&s[..12]).is_ok_and(|d| d.level() == Level::Community);
        if !ok {
            return Err(ParseError::new(
                "building_code",
                "building.code_invalid",
                "楼栋编码应为村居代码加 -B 和 4 位序号，如 370602001001-B0042",
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn new(community: &DivisionCode, seq: u32) -> Self {
        Self(format!("{}-B{:04}", community.as_str(), seq))
    }

    pub fn community(&self) -> DivisionCode {
        DivisionCode::parse(&self.0[..12]).expect("checked at parse")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for BuildingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for DwellingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A dwelling's code: building code, unit and room.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct DwellingCode(String);

impl DwellingCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let bad = || {
            ParseError::new(
                "dwelling_code",
                "dwelling.code_invalid",
                "房屋编码应为楼栋编码加 -单元-房号，如 370602001001-B0042-2-0301",
            )
        };
        if s.len() < 22 || !s.is_char_boundary(18) {
            return Err(bad());
        }
        BuildingCode::parse(&s[..18]).map_err(|_| bad())?;
        let rest: Vec<&str> = s[18..].split('-').collect();
        let part_ok =
            |p: &str| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric());
        if rest.len() != 3 || !rest[0].is_empty() || !part_ok(rest[1]) || !part_ok(rest[2]) {
            return Err(bad());
        }
        Ok(Self(s.to_owned()))
    }

    pub fn new(building: &BuildingCode, unit: &str, room: &str) -> Result<Self, ParseError> {
        Self::parse(&format!("{}-{unit}-{room}", building.as_str()))
    }

    pub fn building(&self) -> BuildingCode {
        BuildingCode(self.0[..18].to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a resident has to do with a dwelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OccupancyKind {
    Owner,
    Tenant,
    Resident,
}

impl OccupancyKind {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw.trim() {
            "owner" | "业主" | "产权人" => Ok(Self::Owner),
            "tenant" | "租户" | "承租人" => Ok(Self::Tenant),
            "resident" | "居住" | "居住人" | "" => Ok(Self::Resident),
            _ => Err(ParseError::new(
                "kind",
                "occupancy.kind_invalid",
                "居住关系应为 owner（业主）、tenant（租户）或 resident（居住）",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Tenant => "tenant",
            Self::Resident => "resident",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "业主",
            Self::Tenant => "租户",
            Self::Resident => "居住",
        }
    }
}

/// Sex as the ID number's 17th digit says (odd: male).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim() {
            "male" | "男" | "M" | "m" | "1" => Some(Sex::Male),
            "female" | "女" | "F" | "f" | "2" => Some(Sex::Female),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// What an ID number says about its holder: sex and birth date (`YYYY-MM-DD`).
pub fn id_facts(id: &IdCardNo) -> (Sex, String) {
    let s = id.as_str();
    let sex = if (s.as_bytes()[16] - b'0') % 2 == 1 {
        Sex::Male
    } else {
        Sex::Female
    };
    (sex, format!("{}-{}-{}", &s[6..10], &s[10..12], &s[12..14]))
}

/// The 人房两清 counts for a division (or a grid).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Consistency {
    pub buildings: i64,
    pub dwellings: i64,
    pub residents: i64,
    /// Dwellings with no current occupant of any kind.
    pub dwellings_without_occupant: i64,
    /// Residents with no current occupancy link.
    pub residents_without_dwelling: i64,
    /// Residents living (`resident` or `tenant`) in more than one dwelling at once.
    pub conflicting_links: i64,
    /// Residents and dwellings not confirmed by a visit in the last `stale_days` days.
    pub unconfirmed_residents: i64,
    pub unconfirmed_dwellings: i64,
    pub stale_days: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_their_community_and_reject_the_rest() {
        let g = GridCode::parse("370602001001007").unwrap();
        assert_eq!(g.community().as_str(), "370602001001");
        assert!(GridCode::parse("370602001001000").is_err());
        assert!(
            GridCode::parse("370602001000007").is_err(),
            "a township is no community"
        );
        let b = BuildingCode::parse("370602001001-B0042").unwrap();
        assert_eq!(b.community().as_str(), "370602001001");
        assert!(BuildingCode::parse("370602001001-0042").is_err());
        let d = DwellingCode::new(&b, "2", "0301").unwrap();
        assert_eq!(d.as_str(), "370602001001-B0042-2-0301");
        assert_eq!(d.building(), b);
        assert!(DwellingCode::parse("370602001001-B0042-2").is_err());
        assert!(DwellingCode::parse("370602001001-B0042-2-03 1").is_err());
    }

    #[test]
    fn an_id_number_tells_sex_and_birth_date() {
        let first = "37060219900215122";
        let id =
            IdCardNo::parse(&format!("{first}{}", IdCardNo::check_char(first).unwrap())).unwrap();
        assert_eq!(id_facts(&id), (Sex::Female, "1990-02-15".into()));
        let first = "37060219851130001";
        let id =
            IdCardNo::parse(&format!("{first}{}", IdCardNo::check_char(first).unwrap())).unwrap();
        assert_eq!(id_facts(&id), (Sex::Male, "1985-11-30".into()));
    }

    #[test]
    fn occupancy_kinds_read_chinese_and_english() {
        assert_eq!(OccupancyKind::parse("租户").unwrap(), OccupancyKind::Tenant);
        assert_eq!(OccupancyKind::parse("owner").unwrap(), OccupancyKind::Owner);
        assert!(OccupancyKind::parse("guest").is_err());
    }
}
