//! Personal data at the edge: resident ID numbers (GB 11643), phone numbers, and how they are
//! masked for roles that do not need them.

use crate::calendar::{civil_from_days, days_from_civil};
use crate::error::ParseError;
use serde::Serialize;

/// An 18-character resident identity number with a valid GB 11643 check character.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdCardNo(String);

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

impl IdCardNo {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s = raw.trim().to_ascii_uppercase();
        let bad = |why: &str| {
            ParseError::new(
                "id_number",
                "person.id_number_invalid",
                format!("身份证号码无效：{why}"),
            )
        };
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(bad("应为 17 位数字加 1 位校验码（数字或 X）"));
        }
        let sum: u32 = b[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err(bad("校验码不符"));
        }
        let (y, m, d) = (
            s[6..10].parse::<i64>().unwrap_or(0),
            s[10..12].parse::<u32>().unwrap_or(0),
            s[12..14].parse::<u32>().unwrap_or(0),
        );
        if !(1900..=2100).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || civil_from_days(days_from_civil(y, m, d)) != (y, m, d)
        {
            return Err(bad("出生日期不存在"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The check character for the first 17 digits (for generating test data).
    pub fn check_char(first17: &str) -> Option<char> {
        let b = first17.as_bytes();
        (b.len() == 17 && b.iter().all(u8::is_ascii_digit)).then(|| {
            let sum: u32 = b
                .iter()
                .zip(WEIGHTS)
                .map(|(d, w)| u32::from(d - b'0') * w)
                .sum();
            CHECK[(sum % 11) as usize] as char
        })
    }
}

/// A mainland mobile (11 digits from 1) or a landline with area code (0xx-xxxxxxx).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNo(String);

impl PhoneNo {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let s: String = raw.trim().chars().filter(|c| *c != ' ').collect();
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        let mobile = s.len() == 11 && s.starts_with('1') && digits.len() == 11;
        let landline = s.starts_with('0')
            && (10..=12).contains(&digits.len())
            && s.chars().all(|c| c.is_ascii_digit() || c == '-');
        if !(mobile || landline) {
            return Err(ParseError::new(
                "phone",
                "person.phone_invalid",
                "电话号码无效：应为 11 位手机号或带区号的固定电话",
            ));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `370602********123X`: region and the last four kept.
pub fn mask_id_number(s: &str) -> String {
    mask(s, 6, 4)
}

/// `138****0001`.
pub fn mask_phone(s: &str) -> String {
    mask(s, 3, 4)
}

/// `张*`, `欧阳**`: the surname kept.
pub fn mask_name(s: &str) -> String {
    let n = s.chars().count();
    let keep = if n >= 4 { 2 } else { 1 };
    s.chars()
        .take(keep)
        .chain(std::iter::repeat_n('*', n.saturating_sub(keep)))
        .collect()
}

fn mask(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < head || i >= chars.len() - tail {
                *c
            } else {
                '*'
            }
        })
        .collect()
}

/// A party's part in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyRole {
    Applicant,
    Respondent,
    ThirdParty,
}

impl PartyRole {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        match raw {
            "applicant" => Ok(PartyRole::Applicant),
            "respondent" => Ok(PartyRole::Respondent),
            "third_party" => Ok(PartyRole::ThirdParty),
            _ => Err(ParseError::new(
                "role",
                "person.party_role_invalid",
                "当事人身份应为 applicant、respondent 或 third_party",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Applicant => "applicant",
            PartyRole::Respondent => "respondent",
            PartyRole::ThirdParty => "third_party",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PartyRole::Applicant => "申请人",
            PartyRole::Respondent => "被申请人",
            PartyRole::ThirdParty => "第三人",
        }
    }
}

/// A party to a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub role: PartyRole,
    pub name: String,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

impl Party {
    pub fn parse(
        role: &str,
        name: &str,
        phone: Option<&str>,
        id_number: Option<&str>,
    ) -> Result<Self, ParseError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 50 {
            return Err(ParseError::new(
                "name",
                "person.name_invalid",
                "姓名不能为空，且不超过 50 字",
            ));
        }
        Ok(Self {
            role: PartyRole::parse(role)?,
            name: name.to_owned(),
            phone: phone
                .filter(|p| !p.trim().is_empty())
                .map(PhoneNo::parse)
                .transpose()?
                .map(|p| p.0),
            id_number: id_number
                .filter(|p| !p.trim().is_empty())
                .map(IdCardNo::parse)
                .transpose()?
                .map(|p| p.0),
        })
    }

    pub fn masked(&self) -> Party {
        Party {
            role: self.role,
            name: mask_name(&self.name),
            phone: self.phone.as_deref().map(mask_phone),
            id_number: self.id_number.as_deref().map(mask_id_number),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers_need_the_right_check_character_and_a_real_birth_date() {
        let base = "37060219900101123";
        let good = format!("{base}{}", IdCardNo::check_char(base).unwrap());
        assert!(IdCardNo::parse(&good).is_ok());
        let wrong = if good.ends_with('1') {
            format!("{base}2")
        } else {
            format!("{base}1")
        };
        assert_eq!(IdCardNo::parse(&wrong).unwrap_err().field, "id_number");
        let feb30 = "37060219900230123";
        assert!(
            IdCardNo::parse(&format!("{feb30}{}", IdCardNo::check_char(feb30).unwrap())).is_err()
        );
        assert_eq!(mask_id_number(&good).len(), 18);
        assert!(mask_id_number(&good).starts_with("370602********"));
    }

    #[test]
    fn phones_and_names_mask_as_people_expect() {
        assert_eq!(
            mask_phone(PhoneNo::parse("13800000001").unwrap().as_str()),
            "138****0001"
        );
        assert!(PhoneNo::parse("0535-6688123").is_ok());
        assert!(PhoneNo::parse("12345").is_err());
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳修文"), "欧阳**");
    }
}
