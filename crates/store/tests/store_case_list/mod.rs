//! The case list past its counting cap: more than 10,000 matches are counted to the cap and
//! say so, pages still come newest first and go on past the counted ones, and a narrower
//! filter is counted exactly.

use super::*;
use zhili_app::ports::{CaseQuery, CaseStore};
use zhili_domain::case::Channel;
use zhili_store::BenchCase;

const CAP: i64 = 10_000;

/// 10,020 cases in one township's community: every fifth a hotline call.
fn synthetic() -> Vec<BenchCase> {
    (0..10_020)
        .map(|i| BenchCase {
            community_code: "370602001001".into(),
            category: "neighbour".into(),
            channel: if i % 5 == 0 { "hotline" } else { "window" },
            state: "submitted",
            assignee: None,
            created_at_ms: T0 + i,
            due_at_ms: None,
        })
        .collect()
}

#[tokio::test]
async fn a_long_case_list_counts_to_the_cap_and_still_pages_newest_first() {
    for b in backends().await {
        seeded(&b).await;
        b.app.ensure_case_setup(&operator()).await.unwrap();
        b.db.load_bench_cases(0, &synthetic()).await.unwrap();
        let township = Scope::Subtree(code("370602001000"));
        let page = |n| Page::new(Some(n), Some(50));

        let first =
            b.db.list_cases(&CaseQuery::new(township.clone()), page(1))
                .await
                .unwrap();
        assert_eq!(
            (first.total, first.total_exact),
            (CAP, false),
            "{}",
            b.label
        );
        assert_eq!(first.items.len(), 50);
        assert!(first.has_next());
        let ids: Vec<i64> = first.items.iter().map(|c| c.id).collect();
        assert!(
            ids.windows(2).all(|w| w[0] > w[1]),
            "{}: newest first",
            b.label
        );
        assert_eq!(first.items[0].created_at_ms, T0 + 10_019, "{}", b.label);

        // Past the counted pages the list goes on to the last case.
        let last =
            b.db.list_cases(&CaseQuery::new(township.clone()), page(201))
                .await
                .unwrap();
        assert_eq!(last.items.len(), 20, "{}", b.label);
        assert_eq!(last.items[19].created_at_ms, T0, "{}", b.label);
        assert!(!last.has_next());

        // A filter under the cap is counted exactly; another township sees none of them.
        let mut hotline = CaseQuery::new(township.clone());
        hotline.channel = Some(Channel::Hotline);
        hotline.division = Some(code("370602001001"));
        let calls = b.db.list_cases(&hotline, page(1)).await.unwrap();
        assert_eq!(
            (calls.total, calls.total_exact),
            (2_004, true),
            "{}",
            b.label
        );
        assert!(calls.items.iter().all(|c| c.channel == Channel::Hotline));
        assert_eq!(calls.items[0].created_at_ms, T0 + 10_015, "{}", b.label);
        let other =
            b.db.list_cases(
                &CaseQuery::new(Scope::Subtree(code("370602002000"))),
                page(1),
            )
            .await
            .unwrap();
        assert_eq!((other.total, other.items.len()), (0, 0), "{}", b.label);
    }
}
