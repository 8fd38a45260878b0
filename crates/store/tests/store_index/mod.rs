//! Indices on both backends: the demo's seeded figures and cases, the GROUP BY case
//! aggregates behind the mediation index, and a published issue.

use super::{backends, T0};
use zhili_app::index::month_of;
use zhili_app::Actor;
use zhili_domain::{DivisionCode, Scope};

#[tokio::test]
async fn the_demo_seeds_both_months_once_and_every_county_is_ranked() {
    for b in backends().await {
        let op = Actor::operator(Scope::Subtree(DivisionCode::parse("370600000000").unwrap()));
        b.app.prepare_demo(&op).await.unwrap();
        assert_eq!(
            b.app.seed_demo_indices(&op).await.unwrap(),
            2,
            "{}",
            b.label
        );
        assert_eq!(
            b.app.seed_demo_indices(&op).await.unwrap(),
            0,
            "{}: a restart adds nothing",
            b.label
        );
        let period = month_of(T0).to_string();
        let mut warnings = 0;
        for id in ["safety", "mediation"] {
            let sc = b
                .app
                .index_scores(&op, id, &period, Some("county"))
                .await
                .unwrap();
            assert_eq!(sc.len(), 13, "{}: {id}", b.label);
            assert!(
                sc.iter().all(|u| u.rank.is_some() && u.change.is_some()),
                "{}: {id} {sc:?}",
                b.label
            );
            assert_eq!(
                sc[12].unit, "370683000000",
                "{}: {id}: 莱州 is the demo's weakest",
                b.label
            );
            warnings += sc
                .iter()
                .filter(|u| u.warnings.iter().any(|w| w.level == "red"))
                .count();
        }
        assert!(
            warnings >= 1,
            "{}: the seeded data raises a red warning",
            b.label
        );
        let town = b
            .app
            .index_scores(&op, "mediation", &period, Some("township"))
            .await
            .unwrap();
        assert!(
            town.iter().filter(|u| u.rank.is_some()).count() >= 13,
            "{}",
            b.label
        );
        let no = b
            .app
            .publish_report(&op, "mediation", &period)
            .await
            .unwrap();
        assert_eq!(no, 1, "{}", b.label);
        let issue = b.app.report(&op, "mediation", 1).await.unwrap();
        assert_eq!(issue.body.units.len(), 13, "{}", b.label);
        assert_eq!(
            issue.body.trend_periods.len(),
            2,
            "{}: the two seeded months",
            b.label
        );
        assert!(
            issue.title.contains("第1期"),
            "{}: {}",
            b.label,
            issue.title
        );
        assert!(!issue.body.summary.is_empty(), "{}", b.label);
    }
}
