//! The webhook dispatcher's cursor over `case_events`. PostgreSQL hands out event ids before
//! commit, so an entry with a lower id can become visible after one with a higher id; the
//! dispatcher must neither skip it nor dispatch anything twice.

use super::*;
use sqlx::Connection;
use zhili_app::case::{NewCaseRequest, PartyInput};
use zhili_app::webhook::NewSubscriptionRequest;

fn case_request(title: &str) -> NewCaseRequest {
    NewCaseRequest {
        kind: "dispute".into(),
        category: "neighbour".into(),
        title: title.into(),
        description: "夜间噪音".into(),
        channel: "window".into(),
        community_code: "370602001001".into(),
        parties: vec![PartyInput {
            role: "applicant".into(),
            name: "张三".into(),
            phone: None,
            id_number: None,
        }],
        address: None,
        location: None,
    }
}

/// (event id, event type) of every delivery in the subscription's outbox, oldest first.
async fn outbox(b: &Backend, sub: i64) -> Vec<(i64, String)> {
    let (_, log) = b.app.webhook_deliveries(&operator(), sub).await.unwrap();
    let mut v: Vec<(i64, String)> = log
        .into_iter()
        .map(|d| (d.event_id, d.event_type))
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn an_event_committed_after_a_later_one_is_still_dispatched_once() {
    for b in backends().await {
        seeded(&b).await;
        b.app.ensure_case_setup(&operator()).await.unwrap();
        let clerk = user(&b, "clerk", "window_clerk", "370602001000").await;
        let clerk = actor(&b, &clerk).await;
        let req = NewSubscriptionRequest {
            name: "全区",
            url: "http://127.0.0.1:9/hook",
            division: "370602000000",
            events: "*",
            secret: None,
        };
        let (sub, _) = b.app.add_webhook(&operator(), req).await.unwrap();
        let first = b
            .app
            .create_case(&clerk, case_request("一"))
            .await
            .unwrap()
            .case
            .id;
        assert_eq!(b.app.dispatch_webhooks().await.unwrap(), 1, "{}", b.label);
        assert_eq!(
            b.app.dispatch_webhooks().await.unwrap(),
            0,
            "the cursor moved"
        );
        assert_eq!(outbox(&b, sub.id).await.len(), 1);
        if b.label != "postgres" {
            // SQLite has one writer: entries commit in id order, so there is nothing to
            // interleave (another connection's write transaction would block intake).
            continue;
        }
        // Another connection appends an entry and holds its transaction open…
        let mut other = sqlx::PgConnection::connect(&b._t.url).await.unwrap();
        let mut held = other.begin().await.unwrap();
        let held_id: i64 = sqlx::query_scalar(
            "INSERT INTO case_events (case_id, at, actor, source, action, to_state, reason, payload) \
             VALUES ($1, $2, 'other', 'test', 'remind', 'submitted', '', '{}') RETURNING id",
        )
        .bind(first)
        .bind(T0)
        .fetch_one(&mut *held)
        .await
        .unwrap();
        // …while a later entry (a higher id) commits.
        b.app.create_case(&clerk, case_request("二")).await.unwrap();
        // Nothing may pass the open transaction: the later entry waits for it.
        b.app.dispatch_webhooks().await.unwrap();
        assert_eq!(outbox(&b, sub.id).await.len(), 1, "the later entry waits");
        held.commit().await.unwrap();
        // Entries pass once every transaction older than them has ended, in the whole cluster:
        // other tests' transactions on the same server can hold them back for a moment.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let mut got = outbox(&b, sub.id).await;
        while got.len() < 3 && std::time::Instant::now() < deadline {
            if b.app.dispatch_webhooks().await.unwrap() == 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            got = outbox(&b, sub.id).await;
        }
        assert_eq!(b.app.dispatch_webhooks().await.unwrap(), 0, "nothing twice");
        assert_eq!(got.len(), 3, "each entry once: {got:?}");
        assert_eq!(
            got[1],
            (held_id, "case.reminded".to_owned()),
            "the held entry is not lost"
        );
        assert!(
            got[2].0 > held_id && got[2].1 == "case.created",
            "the later entry has the higher id: {got:?}"
        );
    }
}
