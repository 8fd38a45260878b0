//! Validation of one `[[indicator]]`: its source, transform, normalisation and goalposts.

use super::parse::{Ctx, SpecError};
use super::raw::{NormKind, RawIndicator, RawSpec, SourceKind, TransformKind};
use super::spec::{Indicator, Normalisation, Source, Transform};
use toml::Spanned;

pub(super) fn weight(ctx: &Ctx, w: Option<&Spanned<f64>>) -> Result<f64, SpecError> {
    match w {
        None => Ok(1.0),
        Some(w) if w.get_ref().is_finite() && *w.get_ref() >= 0.0 => Ok(*w.get_ref()),
        Some(w) => ctx.err(w.span(), "权重必须是非负数 / weight must be ≥ 0"),
    }
}

pub(super) fn indicator(
    ctx: &Ctx,
    r: &RawIndicator,
    raw: &RawSpec,
) -> Result<Indicator, SpecError> {
    let id = r.id.get_ref().clone();
    let column = r.column.clone().unwrap_or_else(|| id.clone());
    let source_kind = r.source.as_ref().map(|s| *s.get_ref()).unwrap_or_default();
    let source = match source_kind {
        SourceKind::Column => Source::Column(column),
        SourceKind::Imported => Source::Imported(column),
        SourceKind::Platform => match &r.metric {
            Some(m) => Source::Platform(m.get_ref().clone()),
            None => {
                let span = r.source.as_ref().map(|s| s.span()).unwrap_or(r.id.span());
                return ctx.err(
                    span,
                    "platform 来源需要 metric / platform source needs `metric`",
                );
            }
        },
    };
    let transform_kind = r
        .transform
        .as_ref()
        .map(|t| *t.get_ref())
        .unwrap_or_default();
    let transform = match transform_kind {
        TransformKind::None => Transform::None,
        TransformKind::Ln => Transform::Ln,
        TransformKind::Per10k => Transform::Per10k,
        TransformKind::Change => Transform::Change,
        TransformKind::Rate => match &r.denominator {
            Some(d) => Transform::Rate {
                denominator: d.clone(),
                scale: r.rate_scale.unwrap_or(1.0),
            },
            None => {
                let span = r
                    .transform
                    .as_ref()
                    .map(|t| t.span())
                    .unwrap_or(r.id.span());
                return ctx.err(span, "rate 需要 denominator 列 / rate needs `denominator`");
            }
        },
    };
    let norm_span = r
        .normalise
        .as_ref()
        .map(|n| n.span())
        .unwrap_or(r.id.span());
    let value = |v: &Option<Spanned<f64>>| v.as_ref().map(|v| *v.get_ref());
    let normalisation = match r
        .normalise
        .as_ref()
        .map(|n| *n.get_ref())
        .unwrap_or_default()
    {
        NormKind::Minmax => {
            if let (Some(lo), Some(hi)) = (&r.min, &r.max) {
                let (a, b) = (*lo.get_ref(), *hi.get_ref());
                if a == b {
                    return ctx.err(
                        hi.span(),
                        format!("min 与 max 相等（{a}），无法归一化 / min = max"),
                    );
                }
                if a > b {
                    return ctx.err(
                        hi.span(),
                        format!("min（{a}）大于 max（{b}）/ min > max; use direction = \"lower\""),
                    );
                }
            }
            if transform == Transform::Ln {
                for v in [&r.min, &r.max].into_iter().flatten() {
                    if *v.get_ref() <= 0.0 {
                        return ctx.err(
                            v.span(),
                            "ln 变换的目标值必须为正 / ln goalposts must be > 0",
                        );
                    }
                }
            }
            let ln = |x: f64| {
                if transform == Transform::Ln {
                    x.ln()
                } else {
                    x
                }
            };
            Normalisation::MinMax {
                min: value(&r.min).map(ln),
                max: value(&r.max).map(ln),
            }
        }
        NormKind::Zscore => Normalisation::ZScore,
        NormKind::Rank => Normalisation::Rank,
        NormKind::Target => {
            let Some(t) = &r.target else {
                return ctx.err(norm_span, "target 归一化需要 target 值 / needs `target`");
            };
            if let Some(w) = &r.worst {
                if w.get_ref() == t.get_ref() {
                    return ctx.err(w.span(), "worst 与 target 相等 / worst = target");
                }
            }
            Normalisation::Target {
                target: *t.get_ref(),
                worst: value(&r.worst),
            }
        }
    };
    if let (Some(lo), Some(hi)) = (&r.band_min, &r.band_max) {
        if lo.get_ref() > hi.get_ref() {
            return ctx.err(hi.span(), "band_min 大于 band_max / empty band");
        }
    }
    let band = match (value(&r.band_min), value(&r.band_max)) {
        (None, None) => None,
        b => Some(b),
    };
    Ok(Indicator {
        name: r.name.clone().unwrap_or_else(|| id.clone()),
        id,
        source,
        transform,
        direction: r.direction,
        normalisation,
        cap: r.cap.unwrap_or(true),
        missing: r.missing.unwrap_or(raw.index.missing),
        weight: weight(ctx, r.weight.as_ref())?,
        band,
        rationale: r.rationale.clone(),
    })
}
