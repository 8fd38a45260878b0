//! Validation of the `[[warning]]` rules and the `[sensitivity]` table.

use super::parse::{line_of, SpecError};
use super::raw::{RawSpec, WarnKind};
use super::spec::{Node, SensitivitySpec, WarningRule, WarningRuleKind};
use std::collections::HashMap;

pub(super) fn rules(
    text: &str,
    raw: &RawSpec,
    nodes: &[Node],
    inds: &HashMap<&str, usize>,
) -> Result<Vec<WarningRule>, SpecError> {
    let mut out = Vec::with_capacity(raw.warning.len());
    for w in &raw.warning {
        let here = |message: &str| SpecError {
            line: line_of(text, w.kind.span()),
            message: message.to_owned(),
        };
        let kind = match *w.kind.get_ref() {
            WarnKind::Below => {
                let node = match &w.node {
                    None => 0,
                    Some(n) => {
                        nodes
                            .iter()
                            .position(|x| x.id == *n.get_ref())
                            .ok_or_else(|| SpecError {
                                line: line_of(text, n.span()),
                                message: format!(
                                    "预警引用了未定义的维度 `{}` / unknown node",
                                    n.get_ref()
                                ),
                            })?
                    }
                };
                let threshold = w
                    .threshold
                    .ok_or_else(|| here("below 预警需要 threshold / needs `threshold`"))?;
                WarningRuleKind::Below { node, threshold }
            }
            WarnKind::Fall => {
                if w.by.is_none() && w.ranks.is_none() {
                    return Err(here("fall 预警需要 by 或 ranks / needs `by` or `ranks`"));
                }
                WarningRuleKind::Fall {
                    by: w.by,
                    ranks: w.ranks,
                }
            }
            WarnKind::Bottom => {
                let n = w.n.filter(|n| *n > 0);
                WarningRuleKind::Bottom {
                    n: n.ok_or_else(|| here("bottom 预警需要 n ≥ 1 / needs `n`"))?,
                }
            }
            WarnKind::Band => {
                let indicator = match &w.indicator {
                    None => None,
                    Some(i) => {
                        let id = i.get_ref().as_str();
                        let found = inds.get(id).copied();
                        let idx = found.ok_or_else(|| SpecError {
                            line: line_of(text, i.span()),
                            message: format!("预警引用了未定义的指标 `{id}` / unknown indicator"),
                        })?;
                        let r = &raw.indicator[idx];
                        if r.band_min.is_none() && r.band_max.is_none() {
                            return Err(SpecError {
                                line: line_of(text, i.span()),
                                message: format!(
                                    "指标 `{id}` 没有 band_min / band_max / indicator has no band"
                                ),
                            });
                        }
                        Some(idx)
                    }
                };
                WarningRuleKind::Band { indicator }
            }
        };
        out.push(WarningRule {
            kind,
            level: w.level,
            message: w.message.clone(),
        });
    }
    Ok(out)
}

pub(super) fn sensitivity(text: &str, raw: &RawSpec) -> Result<SensitivitySpec, SpecError> {
    let mut s = SensitivitySpec::default();
    if let Some(r) = &raw.sensitivity {
        if let Some(w) = &r.weight_spread {
            let v = *w.get_ref();
            if !(0.0..1.0).contains(&v) {
                return Err(SpecError {
                    line: line_of(text, w.span()),
                    message: "weight_spread 须在 0 与 1 之间 / must be in [0, 1)".into(),
                });
            }
            s.weight_spread = v;
        }
        if let Some(v) = r.vary_normalisation {
            s.vary_normalisation = v;
        }
    }
    Ok(s)
}
