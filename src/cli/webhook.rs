//! The webhook loops' tunables as flags and `ZHILI_WEBHOOK_*` environment variables.

use anyhow::{bail, Result};
use clap::Args as ClapArgs;
use zhili_app::webhook_delivery::WebhookSettings;

#[derive(ClapArgs, Debug)]
pub struct WebhookArgs {
    /// Webhooks: delay after the first failed attempt, doubling after each (ms).
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_RETRY_BASE_MS",
        default_value_t = 10_000
    )]
    pub webhook_retry_base_ms: i64,
    /// Webhooks: the longest delay between attempts (ms).
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_RETRY_CAP_MS",
        default_value_t = 3_600_000
    )]
    pub webhook_retry_cap_ms: i64,
    /// Webhooks: attempts before a delivery is given up as failed.
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_MAX_ATTEMPTS",
        default_value_t = 10
    )]
    pub webhook_max_attempts: i64,
    /// Webhooks: request timeout (ms).
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub webhook_timeout_ms: u64,
    /// Webhooks: how long a claimed delivery is reserved; after a crash it is sent again
    /// once this has passed (ms, more than the timeout).
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_LEASE_MS",
        default_value_t = 60_000
    )]
    pub webhook_lease_ms: i64,
    /// Webhooks: requests in flight at most.
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_CONCURRENCY",
        default_value_t = 8
    )]
    pub webhook_concurrency: usize,
    /// Webhooks: how often the idle loops look for work (ms).
    #[arg(
        long,
        global = true,
        env = "ZHILI_WEBHOOK_POLL_MS",
        default_value_t = 1000
    )]
    pub webhook_poll_ms: u64,
}

impl WebhookArgs {
    pub fn settings(&self) -> Result<WebhookSettings> {
        let a = self;
        if a.webhook_retry_base_ms < 1 || a.webhook_retry_cap_ms < a.webhook_retry_base_ms {
            bail!("--webhook-retry-base-ms 须 ≥ 1 且不大于 --webhook-retry-cap-ms / must be ≥ 1 and ≤ the cap");
        }
        if !(1..=100).contains(&a.webhook_max_attempts) {
            bail!("--webhook-max-attempts 须在 1–100 之间 / must be 1–100");
        }
        if !(1..=256).contains(&a.webhook_concurrency) {
            bail!("--webhook-concurrency 须在 1–256 之间 / must be 1–256");
        }
        if a.webhook_timeout_ms < 100 || a.webhook_lease_ms <= a.webhook_timeout_ms as i64 {
            bail!("--webhook-lease-ms 须大于 --webhook-timeout-ms（≥ 100）/ the lease must exceed the timeout (≥ 100 ms), or a slow request is sent twice");
        }
        if !(10..=60_000).contains(&a.webhook_poll_ms) {
            bail!("--webhook-poll-ms 须在 10–60000 之间 / must be 10–60000");
        }
        Ok(WebhookSettings {
            poll_ms: a.webhook_poll_ms,
            retry_base_ms: a.webhook_retry_base_ms,
            retry_cap_ms: a.webhook_retry_cap_ms,
            max_attempts: a.webhook_max_attempts,
            lease_ms: a.webhook_lease_ms,
            timeout_ms: a.webhook_timeout_ms,
            concurrency: a.webhook_concurrency,
            ..WebhookSettings::default()
        })
    }
}
