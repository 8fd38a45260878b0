//! The two-level case taxonomy (类别). Codes are stable ASCII (`neighbour`, `neighbour.noise`);
//! names are Chinese. The defaults follow Chinese practice; admins may add to them.

use crate::case::CaseKind;
use crate::error::ParseError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub kind: CaseKind,
    /// The top-level category this one refines; `None` for a top-level category.
    pub parent: Option<String>,
}

impl Category {
    pub fn new(
        code: &str,
        name: &str,
        kind: CaseKind,
        parent: Option<&str>,
    ) -> Result<Self, ParseError> {
        let ok = |c: &str| {
            !c.is_empty()
                && c.len() <= 40
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        let valid = match (parent, code.split_once('.')) {
            (None, None) => ok(code),
            (Some(p), Some((head, tail))) => head == p && ok(head) && ok(tail),
            _ => false,
        };
        if !valid {
            return Err(ParseError::new(
                "code",
                "category.code_invalid",
                format!("类别代码「{code}」无效：顶级如 neighbour，二级如 neighbour.noise"),
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 30 {
            return Err(ParseError::new(
                "name",
                "category.name_invalid",
                "类别名称不能为空，且不超过 30 字",
            ));
        }
        Ok(Self {
            code: code.into(),
            name: name.into(),
            kind,
            parent: parent.map(str::to_owned),
        })
    }

    /// The top-level code (`neighbour` for `neighbour.noise`).
    pub fn top(&self) -> &str {
        self.parent.as_deref().unwrap_or(&self.code)
    }
}

/// A default top-level category: (kind, code, name, [(child code, child name)]).
type Default = (
    CaseKind,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const DEFAULTS: &[Default] = &[
    (
        CaseKind::Dispute,
        "marriage_family",
        "婚姻家庭",
        &[
            ("divorce", "离婚"),
            ("support", "赡养抚养"),
            ("inheritance", "继承"),
        ],
    ),
    (
        CaseKind::Dispute,
        "neighbour",
        "邻里",
        &[
            ("noise", "噪音扰民"),
            ("passage", "通行采光"),
            ("leak", "漏水渗水"),
        ],
    ),
    (
        CaseKind::Dispute,
        "housing_land",
        "房屋宅基地",
        &[("homestead", "宅基地"), ("house", "房屋买卖租赁")],
    ),
    (
        CaseKind::Dispute,
        "forest_land",
        "山林土地",
        &[("contract", "土地承包"), ("boundary", "山林权属")],
    ),
    (
        CaseKind::Dispute,
        "contract",
        "合同",
        &[("loan", "借贷"), ("sale", "买卖")],
    ),
    (
        CaseKind::Dispute,
        "damages",
        "损害赔偿",
        &[("injury", "人身损害"), ("property", "财产损害")],
    ),
    (
        CaseKind::Dispute,
        "labour",
        "劳动争议/欠薪",
        &[
            ("wages", "拖欠工资"),
            ("injury", "工伤"),
            ("contract", "劳动合同"),
        ],
    ),
    (
        CaseKind::Dispute,
        "property_mgmt",
        "物业",
        &[("fees", "物业费"), ("service", "物业服务")],
    ),
    (CaseKind::Dispute, "medical", "医疗", &[]),
    (CaseKind::Dispute, "traffic", "交通事故", &[]),
    (CaseKind::Dispute, "consumer", "消费", &[]),
    (CaseKind::Dispute, "land_expropriation", "征地拆迁", &[]),
    (CaseKind::Dispute, "environment", "环境污染", &[]),
    (CaseKind::Dispute, "enterprise", "企业经营", &[]),
    (CaseKind::Dispute, "social_insurance", "社会保险", &[]),
    (CaseKind::Dispute, "other", "其他纠纷", &[]),
    (
        CaseKind::Hazard,
        "fire",
        "消防",
        &[("passage", "消防通道堵塞"), ("ebike", "电动车违规充电")],
    ),
    (CaseKind::Hazard, "public_order", "治安", &[]),
    (CaseKind::Hazard, "work_safety", "安全生产", &[]),
    (CaseKind::Hazard, "building_safety", "房屋安全", &[]),
    (CaseKind::Hazard, "food_drug", "食品药品", &[]),
    (CaseKind::Hazard, "flood", "防汛防灾", &[]),
    (
        CaseKind::ServiceRequest,
        "municipal",
        "市政设施",
        &[("road", "道路破损"), ("streetlight", "路灯")],
    ),
    (CaseKind::ServiceRequest, "sanitation", "环境卫生", &[]),
    (CaseKind::ServiceRequest, "public_service", "公共服务", &[]),
    (CaseKind::ServiceRequest, "assistance", "民生求助", &[]),
    (CaseKind::Alert, "fraud", "涉诈预警", &[]),
    (CaseKind::Alert, "campus_alarm", "校园一键报警", &[]),
    (CaseKind::Alert, "railway", "铁路桥涵监测", &[]),
];

pub fn default_taxonomy() -> Vec<Category> {
    let mut out = Vec::new();
    for (kind, code, name, children) in DEFAULTS {
        out.push(Category::new(code, name, *kind, None).expect("default category"));
        for (c, n) in children.iter() {
            out.push(
                Category::new(&format!("{code}.{c}"), n, *kind, Some(code))
                    .expect("default category"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_valid_unique_and_two_level() {
        let all = default_taxonomy();
        let mut codes: Vec<_> = all.iter().map(|c| c.code.clone()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for c in &all {
            if let Some(p) = &c.parent {
                let parent = all.iter().find(|x| &x.code == p).unwrap();
                assert_eq!((parent.kind, parent.parent.is_none()), (c.kind, true));
            }
        }
        assert!(all
            .iter()
            .any(|c| c.name == "邻里" && c.kind == CaseKind::Dispute));
    }

    #[test]
    fn codes_must_nest_under_their_parent() {
        assert!(Category::new(
            "neighbour.noise",
            "噪音",
            CaseKind::Dispute,
            Some("neighbour")
        )
        .is_ok());
        for (code, parent) in [
            ("noise", Some("neighbour")),
            ("labour.noise", Some("neighbour")),
            ("Neighbour", None),
            ("a.b.c", Some("a")),
            ("", None),
        ] {
            assert!(
                Category::new(code, "x", CaseKind::Dispute, parent).is_err(),
                "{code}"
            );
        }
    }
}
