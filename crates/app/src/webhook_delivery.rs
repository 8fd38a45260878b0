//! Webhook dispatch and delivery, two background loops beside the server (see
//! `docs/webhooks.md`):
//!
//! - the dispatcher reads new `case_events` after a stored cursor and writes one outbox row per
//!   matching subscription × event, moving the cursor in the same transaction (intake pays
//!   nothing; a restart resumes where the cursor is);
//! - the deliverer claims due outbox rows with a lease, POSTs them signed, and records each
//!   attempt. A row is delivered only after a 2xx; a row whose sender died is claimed again
//!   when its lease runs out. So delivery is at-least-once, and the stable delivery id
//!   (`X-Zhili-Delivery`, the outbox row's id) lets a receiver keep exactly one of each.
//!
//! Sending is a port (`WebhookSender`); the web crate implements it with an HTTP client.

use crate::error::AppResult;
use crate::ports::{AttemptOutcome, AttemptRecord, ClaimedDelivery, HookEvent, NewDelivery};
use crate::App;
use async_trait::async_trait;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::task::{JoinHandle, JoinSet};
use zhili_domain::webhook::{event_type, retry_delay_ms};

/// Tunables of the webhook loops, with documented defaults.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How often the loops look for new work when idle (default 1 s).
    pub poll_ms: u64,
    /// Timeline entries read per dispatch round (default 500).
    pub batch: i64,
    /// Delay after the first failed attempt; it doubles after each (default 10 s).
    pub retry_base_ms: i64,
    /// The longest delay between attempts (default 1 h).
    pub retry_cap_ms: i64,
    /// Attempts before a delivery is given up as `failed` (default 10).
    pub max_attempts: i64,
    /// How long a claimed delivery is reserved for its sender; must exceed `timeout_ms`
    /// (default 60 s). A sender that dies leaves its deliveries to be sent again after it.
    pub lease_ms: i64,
    /// Request timeout: connect, send and answer (default 10 s).
    pub timeout_ms: u64,
    /// Requests in flight at most (default 8).
    pub concurrency: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            poll_ms: 1000,
            batch: 500,
            retry_base_ms: 10_000,
            retry_cap_ms: 3_600_000,
            max_attempts: 10,
            lease_ms: 60_000,
            timeout_ms: 10_000,
            concurrency: 8,
        }
    }
}

/// One signed POST.
#[derive(Debug, Clone)]
pub struct OutgoingRequest {
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
    pub timeout: Duration,
}

/// Sends a webhook request and answers the HTTP status, or why there was none.
#[async_trait]
pub trait WebhookSender: Send + Sync {
    async fn post(&self, req: OutgoingRequest) -> Result<u16, String>;
}

/// `sha256=` and the hex HMAC-SHA256 of `timestamp.body` under the subscription's secret.
pub fn signature(secret: &str, timestamp: &str, body: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    format!("sha256={}", hex::encode(m.finalize().into_bytes()))
}

/// The body of an event's webhook: the case's codes and states, no personal data.
fn event_body(e: &HookEvent, kind: &str) -> String {
    serde_json::json!({
        "id": e.event_id,
        "type": kind,
        "occurred_at_ms": e.at_ms,
        "case": {
            "id": e.case_id,
            "number": e.number,
            "kind": e.kind,
            "category": e.category,
            "channel": e.channel,
            "community_code": e.community_code,
            "grid_code": e.grid_code,
            "from_state": e.from_state,
            "state": e.to_state,
        }
    })
    .to_string()
}

/// The running loops; stopping (or dropping) this aborts them, mid-request if need be.
pub struct WebhookWorkers {
    dispatcher: JoinHandle<()>,
    deliverer: JoinHandle<()>,
}

impl WebhookWorkers {
    pub fn stop(&self) {
        self.dispatcher.abort();
        self.deliverer.abort();
    }

    /// Stop and wait until both loops are gone, so no transaction of theirs is left open
    /// (a test then drops its database; a server then closes its pool).
    pub async fn shutdown(mut self) {
        self.stop();
        let _ = (&mut self.dispatcher).await;
        let _ = (&mut self.deliverer).await;
    }
}

impl Drop for WebhookWorkers {
    fn drop(&mut self) {
        self.stop();
    }
}

impl App {
    /// Start the dispatcher and the deliverer.
    pub fn spawn_webhooks(&self, sender: Arc<dyn WebhookSender>) -> WebhookWorkers {
        let (a, b) = (self.clone(), self.clone());
        WebhookWorkers {
            dispatcher: tokio::spawn(async move { a.dispatch_loop().await }),
            deliverer: tokio::spawn(async move { b.deliver_loop(sender).await }),
        }
    }

    fn poll(&self) -> Duration {
        Duration::from_millis(self.settings.webhooks.poll_ms.max(10))
    }

    async fn dispatch_loop(&self) {
        loop {
            match self.dispatch_webhooks().await {
                Ok(n) if n as i64 >= self.settings.webhooks.batch => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook dispatch failed"),
            }
            tokio::time::sleep(self.poll()).await;
        }
    }

    /// One dispatch round: turn up to a batch of new timeline entries into outbox rows.
    /// Answers how many entries it read.
    pub async fn dispatch_webhooks(&self) -> AppResult<usize> {
        let (from, events) = self
            .store
            .new_case_events(self.settings.webhooks.batch)
            .await?;
        let Some(last) = events.last() else {
            return Ok(0);
        };
        let subs = self.store.subscriptions().await?;
        let now = self.now_ms();
        let mut rows = Vec::new();
        for e in &events {
            let kind = event_type(&e.action);
            let mut text = None;
            for s in subs.iter().filter(|s| {
                s.active
                    && e.at_ms >= s.created_at_ms
                    && e.community_code.starts_with(s.division.prefix())
                    && s.events.matches(&kind)
            }) {
                let body = text.get_or_insert_with(|| event_body(e, &kind)).clone();
                rows.push(NewDelivery {
                    subscription_id: s.id,
                    event_id: e.event_id,
                    event_type: kind.clone(),
                    body,
                    next_at_ms: now,
                });
            }
        }
        if !self
            .store
            .enqueue_deliveries(from, last.cursor, &rows)
            .await?
        {
            tracing::debug!("another dispatcher moved the webhook cursor first");
        }
        Ok(events.len())
    }

    async fn deliver_loop(&self, sender: Arc<dyn WebhookSender>) {
        let limit = self.settings.webhooks.concurrency.max(1);
        let mut flying: JoinSet<(AttemptRecord, AttemptOutcome)> = JoinSet::new();
        let mut done = Vec::new();
        loop {
            // Every attempt that finished since the last round, in one transaction. If this
            // fails (or the loop stops first), the leases run out and they are sent again.
            if let Err(e) = self.store.record_attempts(&done).await {
                tracing::warn!(error = %e, n = done.len(), "webhook attempts not recorded");
            }
            done.clear();
            let free = limit - flying.len();
            if free > 0 {
                match self.claim_webhooks(free as i64).await {
                    Ok(claimed) => {
                        for c in claimed {
                            let (app, sender) = (self.clone(), sender.clone());
                            flying.spawn(async move { app.attempt(c, sender.as_ref()).await });
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "webhook claim failed"),
                }
            }
            tokio::select! {
                Some(r) = flying.join_next(), if !flying.is_empty() => {
                    done.extend(r.ok());
                    while let Some(r) = flying.try_join_next() {
                        done.extend(r.ok());
                    }
                }
                _ = tokio::time::sleep(self.poll()) => {}
            }
        }
    }

    async fn claim_webhooks(&self, limit: i64) -> AppResult<Vec<ClaimedDelivery>> {
        let now = self.now_ms();
        Ok(self
            .store
            .claim_deliveries(now, now + self.settings.webhooks.lease_ms, limit)
            .await?)
    }

    /// Send one claimed delivery; answers the attempt for the log and what it came to.
    async fn attempt(
        &self,
        c: ClaimedDelivery,
        sender: &dyn WebhookSender,
    ) -> (AttemptRecord, AttemptOutcome) {
        let cfg = &self.settings.webhooks;
        let at_ms = self.now_ms();
        let started = Instant::now();
        let result = match self.vault.decrypt(&c.secret) {
            Ok(secret) => {
                let ts = (at_ms / 1000).to_string();
                let req = OutgoingRequest {
                    url: c.url.clone(),
                    headers: vec![
                        ("x-zhili-event", c.event_type.clone()),
                        ("x-zhili-delivery", c.id.to_string()),
                        ("x-zhili-timestamp", ts.clone()),
                        ("x-zhili-signature", signature(&secret, &ts, &c.body)),
                    ],
                    body: c.body.clone(),
                    timeout: Duration::from_millis(cfg.timeout_ms),
                };
                sender.post(req).await
            }
            Err(e) => Err(format!("secret: {e}")),
        };
        let (status_code, error) = match result {
            Ok(s) if (200..300).contains(&s) => (Some(s as i64), None),
            Ok(s) => (Some(s as i64), Some(format!("HTTP {s}"))),
            Err(e) => (None, Some(e.chars().take(500).collect())),
        };
        let outcome = if error.is_none() {
            AttemptOutcome::Delivered
        } else if c.attempt >= cfg.max_attempts {
            AttemptOutcome::Failed
        } else {
            AttemptOutcome::Retry {
                at_ms: self.now_ms()
                    + retry_delay_ms(cfg.retry_base_ms, cfg.retry_cap_ms, c.attempt as u32),
            }
        };
        let record = AttemptRecord {
            delivery_id: c.id,
            attempt: c.attempt,
            at_ms,
            status_code,
            error,
            duration_ms: started.elapsed().as_millis() as i64,
        };
        (record, outcome)
    }
}
