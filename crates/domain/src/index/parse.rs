//! `IndexSpec::parse`: TOML text → validated spec, or an error naming the line.

use super::parse_indicator::{indicator, weight};
use super::raw::{RawDimension, RawSpec};
use super::spec::*;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// A spec file that cannot be used, with the line (1-based; 0 when unknown) to look at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {line} 行 / line {line}: {message}")]
pub struct SpecError {
    pub line: usize,
    pub message: String,
}

/// Sums of weights may differ from the declared sum by this much (0.3333 × 3 passes).
const WEIGHT_SUM_TOLERANCE: f64 = 1e-4;

pub(super) struct Ctx<'a> {
    pub text: &'a str,
}

impl Ctx<'_> {
    pub fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }
    pub fn err<T>(&self, span: Range<usize>, message: impl Into<String>) -> Result<T, SpecError> {
        Err(SpecError {
            line: self.line(span),
            message: message.into(),
        })
    }
}

impl IndexSpec {
    /// Parses and validates a spec. Refuses unknown keys, unknown references, cycles, nodes
    /// reached twice or never, weights that do not add up to a declared `weights_sum`, and
    /// unusable goalposts — each with the line of the offending key.
    pub fn parse(text: &str) -> Result<IndexSpec, SpecError> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let ctx = Ctx { text };
            SpecError {
                line: e.span().map(|s| ctx.line(s)).unwrap_or(0),
                message: e.message().trim().to_owned(),
            }
        })?;
        Builder::new(text, &raw)?.build()
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    New,
    OnStack,
    Done,
}

struct Builder<'a> {
    ctx: Ctx<'a>,
    raw: &'a RawSpec,
    dims: HashMap<&'a str, usize>,
    inds: HashMap<&'a str, usize>,
    marks: Vec<Mark>,
    used: Vec<bool>,
    path: Vec<&'a str>,
    nodes: Vec<Node>,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, raw: &'a RawSpec) -> Result<Self, SpecError> {
        let ctx = Ctx { text };
        let mut dims = HashMap::new();
        let mut inds = HashMap::new();
        let root = raw.index.id.get_ref().as_str();
        for (i, d) in raw.dimension.iter().enumerate() {
            let id = d.id.get_ref().as_str();
            if id == root || dims.insert(id, i).is_some() {
                return ctx.err(d.id.span(), format!("重复的维度 id `{id}` / duplicate id"));
            }
        }
        for (i, ind) in raw.indicator.iter().enumerate() {
            let id = ind.id.get_ref().as_str();
            if id == root || dims.contains_key(id) || inds.insert(id, i).is_some() {
                return ctx.err(
                    ind.id.span(),
                    format!("重复的指标 id `{id}` / duplicate id"),
                );
            }
        }
        Ok(Builder {
            ctx,
            raw,
            dims,
            inds,
            marks: vec![Mark::New; raw.dimension.len()],
            used: vec![false; raw.indicator.len()],
            path: vec![root],
            nodes: Vec::new(),
        })
    }

    fn build(mut self) -> Result<IndexSpec, SpecError> {
        let raw = self.raw;
        let ix = &raw.index;
        let root = Node {
            id: ix.id.get_ref().clone(),
            name: ix.name.clone(),
            aggregation: ix.aggregation,
            weight: 1.0,
            children: Vec::new(),
            rationale: ix.rationale.clone(),
        };
        self.visit(root, &ix.children, ix.weights_sum.as_ref())?;
        for (i, d) in raw.dimension.iter().enumerate() {
            if self.marks[i] == Mark::New {
                let id = d.id.get_ref();
                return self.ctx.err(
                    d.id.span(),
                    format!(
                        "维度 `{id}` 没有被任何上级的 children 引用 / dimension not in the tree"
                    ),
                );
            }
        }
        let mut indicators = Vec::with_capacity(raw.indicator.len());
        for (i, r) in raw.indicator.iter().enumerate() {
            if !self.used[i] {
                let id = r.id.get_ref();
                return self.ctx.err(
                    r.id.span(),
                    format!(
                        "指标 `{id}` 没有被任何维度的 children 引用 / indicator not in the tree"
                    ),
                );
            }
            indicators.push(indicator(&self.ctx, r, raw)?);
        }
        let scale = match &ix.scale {
            Some(s) if !(s.get_ref().is_finite() && *s.get_ref() > 0.0) => {
                return self
                    .ctx
                    .err(s.span(), "scale 必须为正数 / scale must be positive")
            }
            Some(s) => *s.get_ref(),
            None => 1.0,
        };
        let data = match &raw.data {
            Some(d) => DataSpec {
                file: d.file.clone(),
                unit: d.unit.clone(),
                label: d.label.clone(),
                population: d.population.clone(),
            },
            None => DataSpec {
                unit: "unit".into(),
                ..DataSpec::default()
            },
        };
        let nodes = std::mem::take(&mut self.nodes);
        let warnings = super::parse_warning::rules(self.ctx.text, raw, &nodes, &self.inds)?;
        let sensitivity = super::parse_warning::sensitivity(self.ctx.text, raw)?;
        let spec = IndexSpec {
            id: ix.id.get_ref().clone(),
            name: ix.name.clone(),
            description: ix.description.clone(),
            scale,
            decimals: ix.decimals,
            data,
            nodes,
            indicators,
            warnings,
            sensitivity,
        };
        for (i, ind) in spec.indicators.iter().enumerate() {
            let r = &raw.indicator[i];
            if ind.transform == Transform::Per10k && spec.data.population.is_none() {
                return self.ctx.err(
                    r.transform
                        .as_ref()
                        .map(|t| t.span())
                        .unwrap_or(r.id.span()),
                    "per_10k 需要在 [data] 中声明 population 列 / per_10k needs [data] population",
                );
            }
        }
        Ok(spec)
    }

    /// Adds `node` (pre-order) and its subtree; returns its index.
    fn visit(
        &mut self,
        node: Node,
        children: &'a Spanned<Vec<Spanned<String>>>,
        declared: Option<&Spanned<f64>>,
    ) -> Result<usize, SpecError> {
        let me = self.nodes.len();
        self.nodes.push(node);
        if children.get_ref().is_empty() {
            return self
                .ctx
                .err(children.span(), "children 不能为空 / no children");
        }
        let mut kids = Vec::new();
        let mut weights = Vec::new();
        for c in children.get_ref() {
            let id = c.get_ref().as_str();
            if let Some(&d) = self.dims.get(id) {
                match self.marks[d] {
                    Mark::OnStack => {
                        let start = self.path.iter().position(|p| *p == id).unwrap_or(0);
                        let cycle = self.path[start..].join(" → ");
                        return self.ctx.err(
                            c.span(),
                            format!("维度树有环 / cycle in the dimension tree: {cycle} → {id}"),
                        );
                    }
                    Mark::Done => {
                        return self.ctx.err(
                            c.span(),
                            format!("维度 `{id}` 被多个上级引用 / dimension has two parents"),
                        )
                    }
                    Mark::New => {}
                }
                let rd: &'a RawDimension = &self.raw.dimension[d];
                let w = weight(&self.ctx, rd.weight.as_ref())?;
                self.marks[d] = Mark::OnStack;
                self.path.push(id);
                let child = Node {
                    id: id.to_owned(),
                    name: rd.name.clone().unwrap_or_else(|| id.to_owned()),
                    aggregation: rd.aggregation,
                    weight: w,
                    children: Vec::new(),
                    rationale: rd.rationale.clone(),
                };
                let declared = rd
                    .weights_sum
                    .as_ref()
                    .or(self.raw.index.weights_sum.as_ref());
                let idx = self.visit(child, &rd.children, declared)?;
                self.path.pop();
                self.marks[d] = Mark::Done;
                kids.push(Child::Node(idx));
                weights.push(w);
            } else if let Some(&i) = self.inds.get(id) {
                if self.used[i] {
                    return self.ctx.err(
                        c.span(),
                        format!("指标 `{id}` 被多个维度引用 / indicator has two parents"),
                    );
                }
                self.used[i] = true;
                kids.push(Child::Indicator(i));
                weights.push(weight(&self.ctx, self.raw.indicator[i].weight.as_ref())?);
            } else {
                return self.ctx.err(
                    c.span(),
                    format!("引用了未定义的指标或维度 `{id}` / unknown indicator or dimension"),
                );
            }
        }
        let sum: f64 = weights.iter().sum();
        if let Some(d) = declared {
            let want = *d.get_ref();
            if (sum - want).abs() > WEIGHT_SUM_TOLERANCE * want.abs().max(1.0) {
                let owner = &self.nodes[me].id;
                return self.ctx.err(
                    children.span(),
                    format!(
                        "`{owner}` 的子项权重之和为 {sum}，但声明 weights_sum = {want} / weights sum to {sum}, declared {want}"
                    ),
                );
            }
        }
        if sum <= 0.0 {
            return self.ctx.err(
                children.span(),
                "子项权重之和必须大于 0 / weights sum to zero",
            );
        }
        self.nodes[me].children = kids;
        Ok(me)
    }
}

pub(super) fn line_of(text: &str, span: Range<usize>) -> usize {
    Ctx { text }.line(span)
}
