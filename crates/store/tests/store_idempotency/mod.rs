//! `Idempotency-Key` storage on both backends, through the app: claim, replay, reuse with
//! another request, release, expiry and the janitor's purge.

use super::{backends, T0};
use zhili_app::idempotency::{request_hash, Claim, KEY_TTL_MS};
use zhili_app::ports::{IdempotencyScope, StoredResponse};

fn scope(principal: &str, key: &str) -> IdempotencyScope {
    IdempotencyScope {
        principal: principal.into(),
        method: "POST".into(),
        path: "/api/v1/cases".into(),
        key: key.into(),
    }
}

fn created(body: &[u8]) -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![("content-type".into(), "application/json".into())],
        body: body.to_vec(),
    }
}

#[tokio::test]
async fn a_key_runs_once_then_replays_its_response_and_refuses_another_request() {
    for b in backends().await {
        let k = scope("user:1", "key-1");
        let h = request_hash("", b"{\"title\":\"a\"}");
        assert_eq!(
            b.app.claim_idempotent(&k, &h).await.unwrap(),
            Claim::Run,
            "{}",
            b.label
        );
        assert_eq!(
            b.app.claim_idempotent(&k, &h).await.unwrap(),
            Claim::InProgress,
            "{}: still running",
            b.label
        );
        let resp = created(&[0, 159, 146, 150, b'{', b'}']);
        b.app.complete_idempotent(&k, &resp).await.unwrap();
        assert_eq!(
            b.app.claim_idempotent(&k, &h).await.unwrap(),
            Claim::Replay(resp.clone()),
            "{}: the stored bytes come back exactly",
            b.label
        );
        let other = request_hash("", b"{\"title\":\"b\"}");
        assert_eq!(
            b.app.claim_idempotent(&k, &other).await.unwrap(),
            Claim::KeyReused,
            "{}",
            b.label
        );
        // The same key is another user's own.
        assert_eq!(
            b.app
                .claim_idempotent(&scope("user:2", "key-1"), &other)
                .await
                .unwrap(),
            Claim::Run,
            "{}",
            b.label
        );
        // Releasing never drops a completed response.
        b.app.release_idempotent(&k).await.unwrap();
        assert_eq!(
            b.app.claim_idempotent(&k, &h).await.unwrap(),
            Claim::Replay(resp),
            "{}",
            b.label
        );
    }
}

#[tokio::test]
async fn a_released_claim_runs_again_and_keys_expire_after_a_day() {
    for b in backends().await {
        let k = scope("api_key:ab", "key-2");
        let h = request_hash("name=a.pdf", b"%PDF");
        assert_eq!(b.app.claim_idempotent(&k, &h).await.unwrap(), Claim::Run);
        b.app.release_idempotent(&k).await.unwrap();
        assert_eq!(
            b.app.claim_idempotent(&k, &h).await.unwrap(),
            Claim::Run,
            "{}: a 5xx or a dropped request leaves the key free",
            b.label
        );
        b.app
            .complete_idempotent(&k, &created(b"{}"))
            .await
            .unwrap();
        let fresh = scope("api_key:ab", "key-3");
        b.clock.advance(KEY_TTL_MS - 1);
        assert_eq!(
            b.app.claim_idempotent(&fresh, &h).await.unwrap(),
            Claim::Run
        );
        assert_eq!(
            b.app.purge_idempotency_keys().await.unwrap(),
            0,
            "{}",
            b.label
        );
        b.clock.advance(2);
        // Past 24 hours an old key is claimed anew, even before the janitor runs…
        assert_eq!(
            b.app
                .claim_idempotent(&k, &request_hash("", b"new"))
                .await
                .unwrap(),
            Claim::Run,
            "{}",
            b.label
        );
        b.clock.advance(KEY_TTL_MS + 1);
        // …and the janitor deletes what is older than a day.
        assert_eq!(
            b.app.purge_idempotency_keys().await.unwrap(),
            2,
            "{}",
            b.label
        );
        assert!(b.app.now_ms() > T0 + 2 * KEY_TTL_MS);
    }
}
