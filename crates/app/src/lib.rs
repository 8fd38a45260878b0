//! Zhili's use cases. Each public method of `App` is one thing a user (or the operator) does:
//! it checks who may do it, validates, calls the store and writes the audit record.
//! No HTTP and no SQL here; storage is reached through the traits in `ports`.

pub mod actor;
pub mod alert;
pub mod apikey;
pub mod attachment;
pub mod audit;
pub mod auth;
pub mod case;
mod case_action;
mod case_public;
pub mod case_stats;
pub mod clock;
pub mod demo;
pub mod demo_map;
pub mod demo_people;
pub mod division;
pub mod error;
pub mod grid;
pub mod idempotency;
mod import_rows;
pub mod import_table;
pub mod index;
mod index_compute;
pub mod index_data;
mod index_demo;
mod index_metrics;
pub mod index_uncertainty;
pub mod mediation;
pub mod notice;
pub mod open311;
pub mod org;
pub mod password;
pub mod portal;
pub mod ports;
mod ports_feed;
mod ports_idempotency;
mod ports_index;
mod ports_open311;
mod ports_registry;
mod ports_webhook;
pub mod registry;
pub mod registry_export;
pub mod registry_import;
pub mod report;
pub mod routing_admin;
pub mod user;
pub mod vault;
pub mod webhook;
pub mod webhook_delivery;

use std::sync::Arc;

pub use actor::Actor;
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult};
pub use ports::Store;

/// Tunables with documented defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session unused this long expires (default 2 h).
    pub session_idle_ms: i64,
    /// A session expires this long after sign-in, used or not (default 12 h).
    pub session_max_ms: i64,
    /// Consecutive failed sign-ins that lock an account (default 5).
    pub max_failed_logins: i64,
    /// How long a locked account stays locked (default 15 min).
    pub lockout_ms: i64,
    /// Where case attachments are stored (`DATA_DIR/attachments`); `None` refuses uploads.
    pub attachments_dir: Option<std::path::PathBuf>,
    /// Deadline rules (see `data/deadlines.csv`); the built-in file's rules by default.
    pub deadlines: Vec<zhili_domain::deadline::DeadlineRule>,
    /// The registry's keys (see `vault.rs`); `None` makes a random one that lives as long as
    /// the process (tests), so the binary always supplies one.
    pub vault: Option<vault::Vault>,
    /// Outbound webhooks: retries, leases, timeouts (see `docs/webhooks.md`).
    pub webhooks: webhook_delivery::WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_ms: 2 * 3600 * 1000,
            session_max_ms: 12 * 3600 * 1000,
            max_failed_logins: 5,
            lockout_ms: 15 * 60 * 1000,
            attachments_dir: None,
            deadlines: zhili_domain::deadline::default_deadlines(),
            vault: None,
            webhooks: Default::default(),
        }
    }
}

/// The application: storage, a clock, settings and the rules that are data (the working-day
/// calendar, deadline limits). Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) settings: Settings,
    pub(crate) calendar: Arc<zhili_domain::calendar::Calendar>,
    pub(crate) deadlines: Arc<Vec<zhili_domain::deadline::DeadlineRule>>,
    pub(crate) categories:
        Arc<std::sync::RwLock<Option<Arc<Vec<zhili_domain::category::Category>>>>>,
    pub(crate) vault: vault::Vault,
    /// The point → grid index, built from the stored grids on first use and after imports.
    pub(crate) grid_index: Arc<std::sync::RwLock<Option<Arc<grid::GridLookup>>>>,
    /// Held while the grid index is being built, so it is built once.
    pub(crate) grid_index_build: Arc<tokio::sync::Mutex<()>>,
    pub(crate) import_jobs: Arc<registry_import::ImportJobs>,
    /// Alert sources (cached) and their per-minute counters.
    pub(crate) alert_feeds: Arc<alert::Feeds>,
}

/// The working-day calendar shipped with Zhili (2025–2027; see the file's header).
pub const CALENDAR_CSV: &str = include_str!("../../../data/calendar/cn-workdays.csv");

impl App {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let calendar = zhili_domain::calendar::Calendar::parse(CALENDAR_CSV).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the built-in calendar does not parse; counting weekends only");
            Default::default()
        });
        let deadlines = Arc::new(settings.deadlines.clone());
        let vault = settings.vault.clone().unwrap_or_else(|| {
            vault::Vault::from_hex(&vault::Vault::generate_hex()).expect("a generated key is valid")
        });
        Self {
            vault,
            grid_index: Arc::new(std::sync::RwLock::new(None)),
            grid_index_build: Arc::default(),
            import_jobs: Arc::default(),
            alert_feeds: Arc::default(),
            store,
            clock,
            settings,
            calendar: Arc::new(calendar),
            deadlines,
            categories: Arc::new(std::sync::RwLock::new(None)),
        }
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend()
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}
