//! The demo's index data for the current and the previous month (Beijing time): synthetic
//! police and safety figures per county for the 平安指数 (imported as a department upload
//! would be), and synthetic closed disputes per county for the 矛调指数's platform metrics.
//! Deterministic; a period that already has figures is left alone, so restarts add nothing.

use crate::actor::Actor;
use crate::error::AppResult;
use crate::index::{month_of, period_bounds};
use crate::ports::{NewIndexValue, SyntheticCase};
use crate::App;
use std::collections::BTreeMap;
use zhili_domain::audit::Outcome;
use zhili_domain::case::CaseKind;
use zhili_domain::index::Period;
use zhili_domain::Level;

/// Disputes seeded per county per month.
const CASES_PER_COUNTY: usize = 24;
/// The county the demo makes the weakest (莱州市), so the seeded data raises warnings.
const WEAK_COUNTY: &str = "370683000000";

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn of(text: &str) -> Rng {
        Rng(text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        }))
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// How weak a county is (0 best … 1 worst, the others up to `spread`), stable from month
/// to month.
fn weakness(code: &str, spread: f64) -> f64 {
    if code == WEAK_COUNTY {
        return 1.0;
    }
    Rng::of(code).unit() * spread
}

fn safety_figures(code: &str, period: &str) -> Vec<(&'static str, f64)> {
    let w = weakness(code, 0.15);
    let mut r = Rng::of(&format!("{code}/{period}"));
    let zone = code.as_bytes().get(4) == Some(&b'7');
    let pop = if zone { 150_000.0 } else { 350_000.0 } + (Rng::of(code).unit() * 600_000.0).round();
    let per = pop / 10_000.0;
    let mut noise = || 0.85 + r.unit() * 0.3;
    let found = (per * 8.0 * noise()).round();
    let mut v = |base: f64, k: f64| (per * base * (1.0 + k * w) * noise()).round();
    let figures = [
        ("criminal_cases", v(1.0, 6.0)),
        ("valid_police_calls", v(20.0, 3.0)),
        ("fraud_cases", v(0.8, 5.0)),
        ("fraud_losses", v(30_000.0, 5.0)),
        ("fires", v(0.1, 5.0)),
        ("traffic_deaths", v(0.02, 5.0)),
    ];
    let fixed = (found * (0.985 - 0.15 * w)).round();
    let coverage = (0.995 - 0.08 * w).min(1.0);
    let mut out = vec![
        ("population", pop),
        ("hazards_found", found),
        ("hazards_fixed", fixed),
    ];
    out.extend(figures);
    out.push(("opinion_incidents", (4.0 * w).round()));
    out.push(("key_place_coverage", coverage));
    out
}

impl App {
    /// Seeds the demo's index data for the current and the previous month (see the module
    /// documentation). Returns how many periods were seeded.
    pub async fn seed_demo_indices(&self, actor: &Actor) -> AppResult<usize> {
        let now = self.now_ms();
        let current = month_of(now);
        let counties = self.store.index_units(Level::County).await?;
        let mut communities: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (code, _) in self.store.index_units(Level::Community).await? {
            communities
                .entry(code[..6].to_owned())
                .or_default()
                .push(code);
        }
        let categories: Vec<String> = self
            .store
            .categories()
            .await?
            .into_iter()
            .filter(|c| c.kind == CaseKind::Dispute && c.parent.is_some())
            .map(|c| c.code)
            .collect();
        let mut seeded = 0;
        for period in [current.previous(), current] {
            let text = period.to_string();
            if !self.store.index_values("safety", &text).await?.is_empty() {
                continue;
            }
            let mut values = Vec::new();
            for (code, _) in &counties {
                for (indicator, value) in safety_figures(code, &text) {
                    values.push(NewIndexValue {
                        unit: code.clone(),
                        period: text.clone(),
                        indicator: indicator.into(),
                        value: Some(value),
                    });
                }
            }
            let cases = self.demo_cases(period, now, &counties, &communities, &categories);
            self.store.load_synthetic_cases(&cases).await?;
            let audit = actor.audit(
                now,
                "index.import",
                "safety".into(),
                Outcome::Success,
                format!("demo {text}"),
            );
            self.store
                .add_index_values("safety", &values, "演示数据", now, audit)
                .await?;
            seeded += 1;
        }
        Ok(seeded)
    }

    fn demo_cases(
        &self,
        period: Period,
        now: i64,
        counties: &[(String, String)],
        communities: &BTreeMap<String, Vec<String>>,
        categories: &[String],
    ) -> Vec<SyntheticCase> {
        let (start, end) = period_bounds(period);
        let end = end.min(now).max(start + 1);
        let (year, month) = (period.year(), period.months().0);
        let day = 86_400_000i64;
        let mut out = Vec::new();
        for (code, _) in counties {
            let Some(list) = communities.get(&code[..6]) else {
                continue;
            };
            if categories.is_empty() {
                continue;
            }
            let bad = weakness(code, 0.6);
            let mut r = Rng::of(&format!("cases/{code}/{period}"));
            for i in 0..CASES_PER_COUNTY {
                let created = start + (r.unit() * (end - start) as f64) as i64;
                let span = (end - created).max(1);
                let took = ((2.0 + 20.0 * bad * r.unit()) * day as f64) as i64;
                let closed_at = created + took.min(span - 1).max(0);
                let on_time = r.unit() > 0.01 + 0.2 * bad;
                let agreed = r.unit() > 0.01 + 0.15 * bad;
                let closes = r.unit() < 0.85;
                out.push(SyntheticCase {
                    number: format!("{}-{year}-9{month:02}{i:03}", &code[..6]),
                    tracking_code: format!("Y{}{year}{month:02}{i:03}", &code[..6]),
                    category: categories[r.below(categories.len())].clone(),
                    channel: if r.unit() < 0.5 - 0.35 * bad {
                        "grid_report"
                    } else {
                        "window"
                    },
                    community_code: list[r.below(list.len().min(12))].clone(),
                    created_at_ms: created,
                    escalations: i64::from(r.unit() < 0.05 + 0.25 * bad),
                    closed: closes.then_some((
                        closed_at,
                        on_time,
                        if agreed { "agreement" } else { "failure" },
                    )),
                    rating: closes.then(|| {
                        let stars = (5.0 - 2.5 * bad * r.unit()).round().clamp(1.0, 5.0) as i64;
                        (stars, closed_at)
                    }),
                });
            }
        }
        out
    }
}
