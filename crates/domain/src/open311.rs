//! Open311 GeoReport v2, the pure part (`docs/open311.md`): which case kinds are public
//! services, how Zhili's states map onto `open`/`closed` and onto FixMyStreet's extended
//! statuses, the extra fields (service attributes) some categories ask for, and the masking
//! of numbers in free text before it leaves the city.

use crate::case::{CaseKind, CaseState};
use crate::error::ParseError;

/// The kinds Open311 lists. Disputes are private matters and alerts come from systems:
/// neither is ever a service, a request or an update.
pub const PUBLIC_KINDS: [CaseKind; 2] = [CaseKind::Hazard, CaseKind::ServiceRequest];

pub fn is_public(kind: CaseKind) -> bool {
    PUBLIC_KINDS.contains(&kind)
}

/// The extended statuses of mySociety's FixMyStreet Open311 extension, as written in
/// `servicerequestupdates` (lower case, as FixMyStreet's own adapter writes them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtendedStatus {
    Open,
    Investigating,
    ActionScheduled,
    InProgress,
    Fixed,
    InternalReferral,
    NotCouncilsResponsibility,
    Closed,
}

impl ExtendedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtendedStatus::Open => "open",
            ExtendedStatus::Investigating => "investigating",
            ExtendedStatus::ActionScheduled => "action_scheduled",
            ExtendedStatus::InProgress => "in_progress",
            ExtendedStatus::Fixed => "fixed",
            ExtendedStatus::InternalReferral => "internal_referral",
            ExtendedStatus::NotCouncilsResponsibility => "not_councils_responsibility",
            ExtendedStatus::Closed => "closed",
        }
    }
}

/// Zhili's state as an Open311 status: `(open, extended)`. `referred` says a closed case was
/// closed by referral (引导分流) rather than by verification.
///
/// | Zhili | status | extended |
/// |---|---|---|
/// | submitted 待受理 | open | open |
/// | accepted 已受理 | open | investigating |
/// | assigned 已派遣 | open | action_scheduled |
/// | in_progress 办理中 | open | in_progress |
/// | failed 调解不成 (awaiting referral) | open | internal_referral |
/// | resolved 已办结 (awaiting verification) | closed | fixed |
/// | closed 已结案 | closed | closed, or internal_referral when referred |
/// | rejected 不予受理 | closed | not_councils_responsibility |
pub fn status_of(state: CaseState, referred: bool) -> (bool, ExtendedStatus) {
    use ExtendedStatus as X;
    match state {
        CaseState::Submitted => (true, X::Open),
        CaseState::Accepted => (true, X::Investigating),
        CaseState::Assigned => (true, X::ActionScheduled),
        CaseState::InProgress => (true, X::InProgress),
        CaseState::Failed => (true, X::InternalReferral),
        CaseState::Resolved => (false, X::Fixed),
        CaseState::Closed if referred => (false, X::InternalReferral),
        CaseState::Closed => (false, X::Closed),
        CaseState::Rejected => (false, X::NotCouncilsResponsibility),
    }
}

/// The Zhili states that are Open311 `open` (true) or `closed` (false).
pub fn states_with_status(open: bool) -> Vec<CaseState> {
    CaseState::ALL
        .iter()
        .copied()
        .filter(|s| status_of(*s, false).0 == open)
        .collect()
}

/// The datatypes of GeoReport v2 service attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    SingleValueList,
    MultiValueList,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Datatype::String => "string",
            Datatype::Number => "number",
            Datatype::Datetime => "datetime",
            Datatype::Text => "text",
            Datatype::SingleValueList => "singlevaluelist",
            Datatype::MultiValueList => "multivaluelist",
        }
    }
}

/// An extra field a category asks for (a GeoReport v2 service attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceAttribute {
    pub code: &'static str,
    pub datatype: Datatype,
    pub required: bool,
    /// The question, in Chinese.
    pub description: &'static str,
    pub datatype_description: &'static str,
    pub order: i64,
    /// `(key, name)` for the list datatypes.
    pub values: &'static [(&'static str, &'static str)],
}

const STREETLIGHT: &[ServiceAttribute] = &[
    ServiceAttribute {
        code: "pole_number",
        datatype: Datatype::String,
        required: false,
        description: "路灯杆编号（灯杆上的喷涂编号）",
        datatype_description: "如 ZF-0123，不超过 30 字",
        order: 1,
        values: &[],
    },
    ServiceAttribute {
        code: "fault",
        datatype: Datatype::SingleValueList,
        required: true,
        description: "故障情况",
        datatype_description: "选一项",
        order: 2,
        values: &[
            ("dark", "不亮"),
            ("flicker", "闪烁"),
            ("daylight", "白天常亮"),
            ("damaged", "灯杆损坏"),
        ],
    },
];

const ROAD: &[ServiceAttribute] = &[ServiceAttribute {
    code: "size",
    datatype: Datatype::SingleValueList,
    required: true,
    description: "破损大小",
    datatype_description: "选一项",
    order: 1,
    values: &[
        ("small", "小于一米"),
        ("medium", "一到三米"),
        ("large", "大于三米或整段路面"),
    ],
}];

const EBIKE: &[ServiceAttribute] = &[
    ServiceAttribute {
        code: "place",
        datatype: Datatype::MultiValueList,
        required: true,
        description: "充电或停放的位置",
        datatype_description: "可多选",
        order: 1,
        values: &[
            ("corridor", "楼道"),
            ("stairwell", "楼梯间"),
            ("elevator", "电梯"),
            ("dwelling", "室内"),
        ],
    },
    ServiceAttribute {
        code: "count",
        datatype: Datatype::Number,
        required: false,
        description: "车辆数量",
        datatype_description: "整数，1–999",
        order: 2,
        values: &[],
    },
];

/// The attributes a category's service asks for (none for most).
pub fn attributes_for(category: &str) -> &'static [ServiceAttribute] {
    match category {
        "municipal.streetlight" => STREETLIGHT,
        "municipal.road" => ROAD,
        "fire.ebike" => EBIKE,
        _ => &[],
    }
}

/// Check the `attribute[code]` values a client sent against the category's attributes.
/// Returns `(description, value as read)` lines for the case's description, in order.
pub fn check_attributes(
    category: &str,
    given: &[(String, String)],
) -> Result<Vec<(&'static str, String)>, ParseError> {
    let defs = attributes_for(category);
    let bad = |code: &str, msg: String| {
        ParseError::new(
            "attribute",
            "open311.attribute_invalid",
            format!("attribute[{code}]：{msg}"),
        )
    };
    for (code, _) in given {
        if !defs.iter().any(|d| d.code == code) {
            return Err(bad(code, "该服务没有这一附加项".into()));
        }
    }
    let mut out = Vec::new();
    for d in defs {
        let values: Vec<&str> = given
            .iter()
            .filter(|(c, _)| c == d.code)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect();
        if values.is_empty() {
            if d.required {
                return Err(bad(d.code, format!("必填（{}）", d.description)));
            }
            continue;
        }
        if values.len() > 1 && d.datatype != Datatype::MultiValueList {
            return Err(bad(d.code, "只能给一个值".into()));
        }
        let name_of = |key: &str| d.values.iter().find(|(k, _)| *k == key).map(|(_, n)| *n);
        let shown = match d.datatype {
            Datatype::String | Datatype::Text => {
                let max = if d.datatype == Datatype::String {
                    30
                } else {
                    500
                };
                if values[0].chars().count() > max {
                    return Err(bad(d.code, format!("不能超过 {max} 字")));
                }
                values[0].to_owned()
            }
            Datatype::Number => match values[0].parse::<i64>() {
                Ok(n) if (1..=999).contains(&n) => n.to_string(),
                _ => return Err(bad(d.code, "须为 1–999 的整数".into())),
            },
            Datatype::Datetime => {
                let ms = crate::datetime::parse_w3c("attribute", values[0])
                    .map_err(|_| bad(d.code, "须为带时区的 W3C 日期时间".into()))?;
                crate::datetime::format_w3c(ms)
            }
            Datatype::SingleValueList | Datatype::MultiValueList => {
                let mut names = Vec::new();
                for v in &values {
                    match name_of(v) {
                        Some(n) if !names.contains(&n) => names.push(n),
                        Some(_) => {}
                        None => {
                            let keys: Vec<&str> = d.values.iter().map(|(k, _)| *k).collect();
                            return Err(bad(
                                d.code,
                                format!("「{v}」不是可选值（{}）", keys.join("、")),
                            ));
                        }
                    }
                }
                names.join("、")
            }
        };
        out.push((d.description, shown));
    }
    Ok(out)
}

/// Mask numbers that may be phones or ID numbers in free text: every run of seven or more
/// digits (an ID number's final `X` included) keeps its first three and last two characters.
pub fn mask_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], 'X' | 'x') && i - start >= 14 {
                i += 1;
            }
            let run = &chars[start..i];
            if run.len() >= 7 {
                out.extend(&run[..3]);
                out.extend(std::iter::repeat_n('*', run.len() - 5));
                out.extend(&run[run.len() - 2..]);
            } else {
                out.extend(run);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_state_maps_and_open_agrees_with_the_extended_status() {
        for &s in CaseState::ALL {
            for referred in [false, true] {
                let (open, _) = status_of(s, referred);
                assert_eq!(open, s.is_open() && s != CaseState::Resolved, "{s:?}");
            }
        }
        assert_eq!(
            states_with_status(false),
            vec![CaseState::Rejected, CaseState::Resolved, CaseState::Closed]
        );
        assert_eq!(
            status_of(CaseState::Closed, true).1.as_str(),
            "internal_referral"
        );
    }

    #[test]
    fn attributes_are_checked_by_datatype_and_named_in_errors() {
        let ok = check_attributes(
            "municipal.streetlight",
            &[
                ("fault".into(), "dark".into()),
                ("pole_number".into(), "ZF-0123".into()),
            ],
        )
        .unwrap();
        assert_eq!(
            ok,
            vec![
                ("路灯杆编号（灯杆上的喷涂编号）", "ZF-0123".into()),
                ("故障情况", "不亮".into())
            ]
        );
        let missing = check_attributes("municipal.streetlight", &[]).unwrap_err();
        assert!(
            missing.message.contains("attribute[fault]"),
            "{}",
            missing.message
        );
        let wrong = check_attributes("municipal.streetlight", &[("fault".into(), "x".into())]);
        assert!(wrong.unwrap_err().message.contains("dark"));
        let unknown = check_attributes("sanitation", &[("x".into(), "1".into())]);
        assert_eq!(unknown.unwrap_err().field, "attribute");
        let many = check_attributes(
            "fire.ebike",
            &[
                ("place".into(), "corridor".into()),
                ("place".into(), "elevator".into()),
                ("count".into(), "3".into()),
            ],
        )
        .unwrap();
        assert_eq!(many[0].1, "楼道、电梯");
        assert!(check_attributes(
            "fire.ebike",
            &[
                ("place".into(), "corridor".into()),
                ("count".into(), "0".into())
            ]
        )
        .is_err());
    }

    #[test]
    fn phones_and_id_numbers_in_text_are_masked() {
        assert_eq!(
            mask_numbers("电话13812345678，门牌12号"),
            "电话138******78，门牌12号"
        );
        assert_eq!(
            mask_numbers("身份证37060219900101123X"),
            "身份证370*************3X"
        );
        assert_eq!(mask_numbers("路灯 ZF-0123 不亮"), "路灯 ZF-0123 不亮");
    }

    proptest! {
        #[test]
        fn masking_never_panics_and_leaves_no_long_digit_run(s in "\\PC{0,80}") {
            let m = mask_numbers(&s);
            let mut run = 0;
            for c in m.chars() {
                run = if c.is_ascii_digit() { run + 1 } else { 0 };
                prop_assert!(run < 7, "{m}");
            }
        }

        #[test]
        fn attribute_checking_never_panics(
            cat in prop::sample::select(vec!["municipal.streetlight", "municipal.road", "fire.ebike", "sanitation"]),
            given in prop::collection::vec(("[a-z_]{0,12}", "\\PC{0,20}"), 0..6),
        ) {
            let _ = check_attributes(cat, &given);
        }
    }
}
