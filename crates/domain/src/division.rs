//! Administrative divisions: the NBS 12-digit statistical code (统计用区划代码), the five
//! levels (市 / 区市 / 镇街 / 工作区片 / 村居) and the kinds the NBS code ranges give.

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A 12-digit NBS division code, e.g. `370602001001` (友谊街社区, 向阳街道, 芝罘区, 烟台市).
///
/// Digits: 2 province, 2 city, 2 county, 3 township, 3 community. A code names the level of
/// its last non-zero group, so the level and the parent are derived, never stored apart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DivisionCode(String);

impl DivisionCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::new(
                "code",
                "division.code_invalid",
                format!("区划代码应为 12 位数字，收到「{raw}」"),
            ));
        }
        let code = Self(s.to_owned());
        // A lower group may be non-zero only when every group above it is.
        let (county, town, village) = (&s[4..6] == "00", &s[6..9] == "000", &s[9..12] == "000");
        // Once a group is zero, every group below it is zero too.
        let zero = [county, town, village];
        if zero.windows(2).any(|w| w[0] && !w[1]) {
            return Err(ParseError::new(
                "code",
                "division.code_invalid",
                format!("区划代码「{raw}」的层级不连贯：下级位非零而上级位为零"),
            ));
        }
        if &s[0..2] == "00" || &s[2..4] == "00" {
            return Err(ParseError::new(
                "code",
                "division.code_out_of_range",
                format!("「{raw}」是省级或以上代码，不在本平台的五级组织之内"),
            ));
        }
        Ok(code)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The level this code names (never `WorkArea`: work areas have no NBS code).
    pub fn level(&self) -> Level {
        let s = &self.0;
        if &s[9..12] != "000" {
            Level::Community
        } else if &s[6..9] != "000" {
            Level::Township
        } else if &s[4..6] != "00" {
            Level::County
        } else {
            Level::City
        }
    }

    /// The significant digits: every code in this division's subtree starts with them.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// The county-level part, e.g. `370602` (used in case numbers); `None` for the city.
    pub fn county_prefix(&self) -> Option<&str> {
        (self.level() != Level::City).then(|| &self.0[..6])
    }

    /// The division one level up, `None` for the city (its province is outside Zhili).
    pub fn parent(&self) -> Option<DivisionCode> {
        let keep = match self.level() {
            Level::City | Level::WorkArea => return None,
            Level::County => 4,
            Level::Township => 6,
            Level::Community => 9,
        };
        Some(Self(format!("{:0<12}", &self.0[..keep])))
    }

    /// Is `other` this division or inside it?
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    /// Half-open string range `[lo, hi)` holding exactly the codes (and node codes such as
    /// `370602001001-M01`) in this subtree, for index range scans. `hi` is `None` only for an
    /// all-nines prefix, which no real code has.
    pub fn subtree_range(&self) -> (String, Option<String>) {
        let lo = self.prefix().to_owned();
        let hi = increment_digits(&lo);
        (lo, hi)
    }
}

/// "370602" -> "370603"; "3706099" -> "3706100"; "999" -> None.
fn increment_digits(s: &str) -> Option<String> {
    let mut bytes = s.as_bytes().to_vec();
    for i in (0..bytes.len()).rev() {
        if bytes[i] < b'9' {
            bytes[i] += 1;
            return String::from_utf8(bytes).ok();
        }
        bytes[i] = b'0';
    }
    None
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for DivisionCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<DivisionCode> for String {
    fn from(c: DivisionCode) -> String {
        c.0
    }
}

/// The five levels of the organisation. 区市 is `County` in code and `county` in the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    City,
    County,
    Township,
    WorkArea,
    Community,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::City,
        Level::County,
        Level::Township,
        Level::WorkArea,
        Level::Community,
    ];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "level",
                    "division.level_invalid",
                    format!(
                        "层级应为 city、county、township、work_area 或 community，收到「{raw}」"
                    ),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::County => "county",
            Level::Township => "township",
            Level::WorkArea => "work_area",
            Level::Community => "community",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::City => "市",
            Level::County => "区市",
            Level::Township => "镇街",
            Level::WorkArea => "工作区片",
            Level::Community => "村居",
        }
    }

    fn prefix_len(self) -> usize {
        match self {
            Level::City => 4,
            Level::County => 6,
            Level::Township | Level::WorkArea => 9,
            Level::Community => 12,
        }
    }
}

/// What kind of unit a division is, from the NBS code-range rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivisionKind {
    PrefectureCity,
    District,
    County,
    CountyLevelCity,
    NbsFunctionalZone,
    Subdistrict,
    Town,
    Township,
    NbsTownshipLikeUnit,
    ResidentsCommittee,
    VillagersCommittee,
    ResidentsCommitteeLike,
}

impl DivisionKind {
    const ALL: [DivisionKind; 12] = [
        DivisionKind::PrefectureCity,
        DivisionKind::District,
        DivisionKind::County,
        DivisionKind::CountyLevelCity,
        DivisionKind::NbsFunctionalZone,
        DivisionKind::Subdistrict,
        DivisionKind::Town,
        DivisionKind::Township,
        DivisionKind::NbsTownshipLikeUnit,
        DivisionKind::ResidentsCommittee,
        DivisionKind::VillagersCommittee,
        DivisionKind::ResidentsCommitteeLike,
    ];

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                ParseError::new(
                    "kind",
                    "division.kind_invalid",
                    format!("未知的区划类别「{raw}」"),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DivisionKind::PrefectureCity => "prefecture_city",
            DivisionKind::District => "district",
            DivisionKind::County => "county",
            DivisionKind::CountyLevelCity => "county_level_city",
            DivisionKind::NbsFunctionalZone => "nbs_functional_zone",
            DivisionKind::Subdistrict => "subdistrict",
            DivisionKind::Town => "town",
            DivisionKind::Township => "township",
            DivisionKind::NbsTownshipLikeUnit => "nbs_township_like_unit",
            DivisionKind::ResidentsCommittee => "residents_committee",
            DivisionKind::VillagersCommittee => "villagers_committee",
            DivisionKind::ResidentsCommitteeLike => "residents_committee_like",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DivisionKind::PrefectureCity => "地级市",
            DivisionKind::District => "市辖区",
            DivisionKind::County => "县",
            DivisionKind::CountyLevelCity => "县级市",
            DivisionKind::NbsFunctionalZone => "功能区",
            DivisionKind::Subdistrict => "街道",
            DivisionKind::Town => "镇",
            DivisionKind::Township => "乡",
            DivisionKind::NbsTownshipLikeUnit => "类似乡级单位",
            DivisionKind::ResidentsCommittee => "居委会",
            DivisionKind::VillagersCommittee => "村委会",
            DivisionKind::ResidentsCommitteeLike => "类似居委会",
        }
    }

    /// The level a unit of this kind sits at.
    pub fn level(self) -> Level {
        use DivisionKind::*;
        match self {
            PrefectureCity => Level::City,
            District | County | CountyLevelCity | NbsFunctionalZone => Level::County,
            Subdistrict | Town | Township | NbsTownshipLikeUnit => Level::Township,
            ResidentsCommittee | VillagersCommittee | ResidentsCommitteeLike => Level::Community,
        }
    }
}

/// One division of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub level: Level,
    pub kind: DivisionKind,
    pub parent_code: Option<DivisionCode>,
    /// The NBS edition year the code and name come from (codes are not stable between editions).
    pub edition: i32,
    /// The work area (工作区片) a community is grouped in, if any.
    pub work_area_code: Option<String>,
}

impl Division {
    /// Check that code, kind and parent agree, so nothing inconsistent reaches storage.
    pub fn new(
        code: DivisionCode,
        name: &str,
        kind: DivisionKind,
        parent_code: Option<DivisionCode>,
        edition: i32,
    ) -> Result<Self, ParseError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ParseError::new(
                "name",
                "division.name_missing",
                "名称不能为空",
            ));
        }
        let level = code.level();
        if kind.level() != level {
            return Err(ParseError::new(
                "kind",
                "division.kind_mismatch",
                format!(
                    "代码 {code} 属于{}级，而类别「{}」属于{}级",
                    level.label(),
                    kind.as_str(),
                    kind.level().label()
                ),
            ));
        }
        if parent_code != code.parent() {
            return Err(ParseError::new(
                "parent_code",
                "division.parent_mismatch",
                format!(
                    "代码 {code} 的上级应为 {}",
                    code.parent()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "（无）".into())
                ),
            ));
        }
        Ok(Self {
            code,
            name: name.to_owned(),
            level,
            kind,
            parent_code,
            edition,
            work_area_code: None,
        })
    }

    /// The everyday name: `友谊街社区居民委员会` → `友谊街社区`, `西沟村村民委员会` → `西沟村`.
    pub fn short_name(&self) -> &str {
        short_division_name(&self.name)
    }
}

/// [`Division::short_name`] of a name alone.
pub fn short_division_name(name: &str) -> &str {
    for suffix in ["居民委员会", "村民委员会", "居委会", "村委会"] {
        if let Some(s) = name.strip_suffix(suffix) {
            if !s.is_empty() {
                return s;
            }
        }
    }
    name
}

/// How many divisions of each level lie below a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelCounts {
    pub county: i64,
    pub township: i64,
    pub work_area: i64,
    pub community: i64,
}

impl LevelCounts {
    pub fn add(&mut self, level: Level, n: i64) {
        match level {
            Level::City => {}
            Level::County => self.county += n,
            Level::Township => self.township += n,
            Level::WorkArea => self.work_area += n,
            Level::Community => self.community += n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn levels_follow_the_last_non_zero_group() {
        assert_eq!(code("370600000000").level(), Level::City);
        assert_eq!(code("370602000000").level(), Level::County);
        assert_eq!(code("370602001000").level(), Level::Township);
        assert_eq!(code("370602001001").level(), Level::Community);
    }

    #[test]
    fn parents_climb_one_level() {
        assert_eq!(code("370602001001").parent(), Some(code("370602001000")));
        assert_eq!(code("370602001000").parent(), Some(code("370602000000")));
        assert_eq!(code("370602000000").parent(), Some(code("370600000000")));
        assert_eq!(code("370600000000").parent(), None);
    }

    #[test]
    fn province_codes_and_garbage_are_refused() {
        assert_eq!(
            DivisionCode::parse("370000000000").unwrap_err().code,
            "division.code_out_of_range"
        );
        for bad in [
            "",
            "37060200100",
            "3706020010011",
            "37060200100a",
            "３７０６０２００１００１",
            "370600001000",
            "370602000001",
        ] {
            assert_eq!(
                DivisionCode::parse(bad).unwrap_err().code,
                "division.code_invalid",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_kind_from_another_level_is_refused() {
        let err = Division::new(
            code("370602001000"),
            "向阳街道",
            DivisionKind::Town,
            Some(code("370602000000")),
            2023,
        );
        assert!(err.is_ok());
        let err = Division::new(
            code("370602001000"),
            "向阳街道",
            DivisionKind::District,
            Some(code("370602000000")),
            2023,
        );
        assert_eq!(err.unwrap_err().code, "division.kind_mismatch");
        let err = Division::new(
            code("370602001000"),
            "向阳街道",
            DivisionKind::Town,
            Some(code("370611000000")),
            2023,
        );
        assert_eq!(err.unwrap_err().code, "division.parent_mismatch");
    }

    #[test]
    fn short_names_drop_the_committee_suffix() {
        let d = Division::new(
            code("370602001001"),
            "友谊街社区居民委员会",
            DivisionKind::ResidentsCommittee,
            Some(code("370602001000")),
            2023,
        )
        .unwrap();
        assert_eq!(d.short_name(), "友谊街社区");
    }

    #[test]
    fn subtree_ranges_are_half_open_on_the_prefix() {
        assert_eq!(
            code("370602000000").subtree_range(),
            ("370602".into(), Some("370603".into()))
        );
        assert_eq!(
            code("370699000000").subtree_range(),
            ("370699".into(), Some("370700".into()))
        );
        assert_eq!(
            code("370602001001").subtree_range().1.as_deref(),
            Some("370602001002")
        );
    }

    fn any_code() -> impl Strategy<Value = String> {
        // Province and city never zero; lower groups zero with some probability.
        (1u32..=99, 1u32..=99, 0u32..=99, 0u32..=999, 0u32..=999).prop_map(|(p, c, k, t, v)| {
            let (k, t, v) = if k == 0 {
                (0, 0, 0)
            } else if t == 0 {
                (k, 0, 0)
            } else {
                (k, t, v)
            };
            format!("{p:02}{c:02}{k:02}{t:03}{v:03}")
        })
    }

    proptest! {
        #[test]
        fn every_code_is_inside_its_parent_and_its_range(raw in any_code()) {
            let c = DivisionCode::parse(&raw).unwrap();
            prop_assert_eq!(c.as_str(), raw.as_str());
            if let Some(p) = c.parent() {
                prop_assert!(p.contains(&c));
                prop_assert!(!c.contains(&p));
                prop_assert!(p.level() < c.level());
                let (lo, hi) = p.subtree_range();
                prop_assert!(c.as_str() >= lo.as_str());
                if let Some(hi) = hi { prop_assert!(c.as_str() < hi.as_str()); }
            }
            prop_assert!(c.contains(&c));
        }

        #[test]
        fn parsing_never_panics_and_accepts_only_twelve_digits(raw in ".{0,20}") {
            if let Ok(c) = DivisionCode::parse(&raw) {
                prop_assert_eq!(c.as_str().len(), 12);
            }
        }

        #[test]
        fn sibling_subtrees_do_not_overlap(a in any_code(), b in any_code()) {
            let (a, b) = (DivisionCode::parse(&a).unwrap(), DivisionCode::parse(&b).unwrap());
            if a.level() == b.level() && a != b {
                prop_assert!(!a.contains(&b) && !b.contains(&a));
            }
        }
    }
}
