//! Early warnings (预警) from a computed index: below a threshold, fallen by more than X,
//! among the bottom N, an indicator outside its band. Levels red/orange/yellow/blue.

use super::compute::Results;
use super::spec::{IndexSpec, WarningLevel, WarningRuleKind};
use super::transform::Columns;

/// What fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    Below,
    Fall,
    Bottom,
    Band,
}

impl WarningKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WarningKind::Below => "below",
            WarningKind::Fall => "fall",
            WarningKind::Bottom => "bottom",
            WarningKind::Band => "band",
        }
    }
}

/// One warning on one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    pub level: WarningLevel,
    pub kind: WarningKind,
    /// The node (index or dimension id) or indicator id concerned.
    pub subject: String,
    /// The value that fired it: a score, a change, a rank or an indicator value.
    pub value: f64,
    /// Simplified Chinese text for the report.
    pub message: String,
}

/// Evaluates every rule of the spec on every unit; each unit's warnings end up most
/// severe first.
pub(super) fn attach(spec: &IndexSpec, columns: &Columns, results: &mut Results) {
    let ranked = results.units.iter().filter(|u| u.rank.is_some()).count();
    for rule in &spec.warnings {
        for (u, unit) in results.units.iter_mut().enumerate() {
            let mut fire = |kind, subject: &str, value: f64, default: String| {
                unit.warnings.push(Warning {
                    level: rule.level,
                    kind,
                    subject: subject.to_owned(),
                    value,
                    message: rule.message.clone().unwrap_or(default),
                });
            };
            match &rule.kind {
                WarningRuleKind::Below { node, threshold } => {
                    let id = &spec.nodes[*node].id;
                    let v = if *node == 0 {
                        unit.score
                    } else {
                        unit.nodes.get(id).copied()
                    };
                    if let Some(v) = v.filter(|v| v < threshold) {
                        let name = &spec.nodes[*node].name;
                        fire(
                            WarningKind::Below,
                            id,
                            v,
                            format!("{name}得分 {v:.2} 低于 {threshold}"),
                        );
                    }
                }
                WarningRuleKind::Fall { by, ranks } => {
                    if let (Some(c), Some(by)) = (unit.change, by) {
                        if c < -by {
                            let drop = -c;
                            fire(
                                WarningKind::Fall,
                                &spec.id,
                                c,
                                format!("得分较上期下降 {drop:.2}，超过 {by}"),
                            );
                        }
                    }
                    if let (Some(rc), Some(places)) = (unit.rank_change, ranks) {
                        if rc < -(*places as i64) {
                            let drop = -rc;
                            fire(
                                WarningKind::Fall,
                                &spec.id,
                                rc as f64,
                                format!("排名较上期下降 {drop} 位，超过 {places} 位"),
                            );
                        }
                    }
                }
                WarningRuleKind::Bottom { n } => {
                    if let Some(r) = unit.rank.filter(|r| *r + n > ranked) {
                        fire(
                            WarningKind::Bottom,
                            &spec.id,
                            r as f64,
                            format!("排名第 {r}，位列后 {n} 名"),
                        );
                    }
                }
                WarningRuleKind::Band { indicator } => {
                    for (i, ind) in spec.indicators.iter().enumerate() {
                        if indicator.is_some_and(|only| only != i) {
                            continue;
                        }
                        let (Some((lo, hi)), Some(v)) = (ind.band, columns[i][u]) else {
                            continue;
                        };
                        let below = lo.is_some_and(|lo| v < lo);
                        let above = hi.is_some_and(|hi| v > hi);
                        if below || above {
                            let bound = if below { lo } else { hi }.unwrap_or_default();
                            let side = if below {
                                "低于下限"
                            } else {
                                "高于上限"
                            };
                            let name = &ind.name;
                            fire(
                                WarningKind::Band,
                                &ind.id,
                                v,
                                format!("{name} 为 {v:.2}，{side} {bound}"),
                            );
                        }
                    }
                }
            }
        }
    }
    for unit in &mut results.units {
        unit.warnings.sort_by_key(|w| w.level);
    }
}
