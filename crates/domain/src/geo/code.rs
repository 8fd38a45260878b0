//! `GridCode`: a grid's 15-digit code, its community's 12-digit code followed by 3 digits.

use crate::division::{DivisionCode, Level};
use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A grid code such as `370602001001001`: community `370602001001`, grid `001` (001–999).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridCode(String);

impl GridCode {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim();
        let bad = |why: String| ParseError::new("grid_code", "grid.code_invalid", why);
        if s.len() != 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(format!("网格编码应为 15 位数字，收到「{raw}」")));
        }
        let community = DivisionCode::parse(&s[..12])?;
        if community.level() != Level::Community {
            return Err(bad(format!("网格编码「{raw}」的前 12 位不是村居代码")));
        }
        if &s[12..] == "000" {
            return Err(bad(format!("网格编码「{raw}」的序号应为 001–999")));
        }
        Ok(Self(s.to_owned()))
    }

    /// The `n`-th grid (1–999) of a community; `None` if `n` is out of range or the code is
    /// not a community's.
    pub fn new(community: &DivisionCode, n: u16) -> Option<Self> {
        (community.level() == Level::Community && (1..=999).contains(&n))
            .then(|| Self(format!("{}{n:03}", community.as_str())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The community this grid lies in.
    pub fn community(&self) -> DivisionCode {
        DivisionCode::parse(&self.0[..12]).expect("checked when parsed")
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for GridCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<GridCode> for String {
    fn from(c: GridCode) -> String {
        c.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_code_is_its_community_code_and_three_digits() {
        let g = GridCode::parse("370602001001001").unwrap();
        assert_eq!(g.community().as_str(), "370602001001");
        let c = DivisionCode::parse("370602001001").unwrap();
        assert_eq!(GridCode::new(&c, 12).unwrap().as_str(), "370602001001012");
        assert!(GridCode::new(&c, 0).is_none());
        assert!(GridCode::new(&DivisionCode::parse("370602001000").unwrap(), 1).is_none());
    }

    #[test]
    fn grid_codes_that_are_not_under_a_community_are_refused() {
        for bad in [
            "37060200100100",
            "370602001000001",
            "370602001001000",
            "37060200100100x",
        ] {
            assert!(GridCode::parse(bad).is_err(), "{bad}");
        }
    }
}
