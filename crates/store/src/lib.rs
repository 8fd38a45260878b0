//! Zhili's storage on SQLite (embedded, the default) or PostgreSQL (for scale).
//!
//! Each query's SQL is written once and run on whichever pool is configured: the `on_read!` and
//! `on_write!` macros expand the same body once per backend, so both arms are the same code with
//! different types. Times are integers (UTC epoch ms), so the same SQL serves both dialects;
//! where the dialects really differ, a small trait on the transaction type says how
//! (`Dialect`). No `sqlx::Error` leaves this crate.

/// Run `$body` with `$p` bound to a pool for reading.
macro_rules! on_read {
    ($db:expr, |$p:ident| $body:expr) => {
        match &$db.backend {
            $crate::Backend::Sqlite { read: $p, .. } => $body,
            $crate::Backend::Postgres($p) => $body,
        }
    };
}

/// Run `$body` inside a write transaction bound to `$tx`, committing when it succeeds.
/// On SQLite the transaction starts IMMEDIATE (the write lock up front), so read-then-write
/// bodies never fail with a stale snapshot when another process writes.
macro_rules! on_write {
    ($db:expr, |$tx:ident| $body:expr) => {
        match &$db.backend {
            $crate::Backend::Sqlite { write, .. } => {
                #[allow(unused_mut)]
                let mut $tx = write.begin_with("BEGIN IMMEDIATE").await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
            $crate::Backend::Postgres(pool) => {
                #[allow(unused_mut)]
                let mut $tx = pool.begin().await?;
                let out = $body;
                $tx.commit().await?;
                out
            }
        }
    };
}

/// Append `$entry` to the audit chain inside the write transaction `$tx`: lock the chain,
/// read the last link, seal the new record and insert it.
macro_rules! append_audit {
    ($tx:ident, $entry:expr) => {{
        use $crate::dialect::Dialect as _;
        $tx.lock_audit_chain().await?;
        let last: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *$tx)
                .await?;
        let (seq, prev) = last.unwrap_or((0, zhili_domain::audit::GENESIS_HASH.to_owned()));
        let r = zhili_domain::audit::seal(seq + 1, &prev, $entry);
        sqlx::query($crate::audit::INSERT_RECORD)
            .bind(r.seq)
            .bind(r.entry.at_ms)
            .bind(r.entry.actor_id)
            .bind(&r.entry.actor)
            .bind(r.entry.role.map(|x| x.as_str()))
            .bind(r.entry.node.as_deref())
            .bind(&r.entry.source)
            .bind(&r.entry.action)
            .bind(&r.entry.object)
            .bind(r.entry.outcome.as_str())
            .bind(&r.entry.detail)
            .bind(&r.prev_hash)
            .bind(&r.hash)
            .execute(&mut *$tx)
            .await?;
    }};
}

mod attachment;
mod audit;
mod case;
mod case_bench;
mod case_intake;
mod case_query;
mod dialect;
mod division;
mod feed;
mod idempotency;
mod index;
mod notice;
mod open311;
mod org;
mod registry;
mod registry_export;
mod registry_import;
mod registry_report;
mod scope_sql;
mod session;
mod taxonomy;
mod url;
mod user;
mod webhook;

pub mod testing;

pub use case_bench::BenchCase;
pub use url::DatabaseUrl;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;
use zhili_app::ports::{Store, StoreError};

pub(crate) enum Backend {
    Sqlite { read: SqlitePool, write: SqlitePool },
    Postgres(PgPool),
}

/// A connected, migrated database.
pub struct Db {
    pub(crate) backend: Backend,
    /// SQLite only: the group-commit writer for case intake (see `case_intake::case_writer`).
    pub(crate) case_batcher: Option<tokio::sync::mpsc::Sender<case_intake::CaseJob>>,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Db {
    /// Open (creating the SQLite file if needed) and run the embedded migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let db = Self::connect(url).await?;
        db.migrate().await?;
        if let Backend::Sqlite { write, .. } = &db.backend {
            sqlx::raw_sql("PRAGMA optimize=0x10002")
                .execute(write)
                .await
                .map_err(|e| StoreError::from(DbError::from(e)))?;
        }
        Ok(db)
    }

    /// Connect without migrating.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        run(Self::connect_inner(url)).await
    }

    async fn connect_inner(url: &DatabaseUrl) -> Result<Self, DbError> {
        let backend = match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Backend(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
                let opts = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    .pragma("cache_size", "-16384")
                    // Statement journals (multi-row intake, imports) stay in memory.
                    .pragma("temp_store", "memory");
                // One writer in-process (SQLite has one anyway); several readers beside it (WAL).
                let write = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts.clone())
                    .await?;
                let read = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts.read_only(false))
                    .await?;
                Backend::Sqlite { read, write }
            }
            DatabaseUrl::Postgres(raw) => {
                let opts = sqlx::postgres::PgConnectOptions::from_str(raw)?;
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await?;
                Backend::Postgres(pool)
            }
        };
        let case_batcher = match &backend {
            Backend::Sqlite { read, write } => {
                let (tx, rx) = tokio::sync::mpsc::channel(4096);
                let writer = Db {
                    backend: Backend::Sqlite {
                        read: read.clone(),
                        write: write.clone(),
                    },
                    case_batcher: None,
                };
                tokio::spawn(case_intake::case_writer(writer, rx));
                Some(tx)
            }
            Backend::Postgres(_) => None,
        };
        Ok(Self {
            backend,
            case_batcher,
        })
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        let r = match &self.backend {
            Backend::Sqlite { write, .. } => SQLITE_MIGRATIONS.run(write).await,
            Backend::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        r.map_err(|e| StoreError::Backend(format!("migration failed: {e}")))
    }

    /// Refresh the query planner's statistics (`ANALYZE` on either backend). Run after large
    /// loads; at start-up `open` runs SQLite's cheaper `PRAGMA optimize`, and PostgreSQL's
    /// autovacuum keeps its own statistics.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        run(async {
            on_write!(self, |tx| {
                sqlx::raw_sql("ANALYZE").execute(&mut *tx).await?;
            });
            Ok(())
        })
        .await
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Backend::Postgres(p) => p.close().await,
        }
    }

    /// Run one raw statement (tests use it to play an attacker with database access).
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, StoreError> {
        run(async {
            Ok(on_write!(self, |tx| sqlx::raw_sql(sql)
                .execute(&mut *tx)
                .await?
                .rows_affected()))
        })
        .await
    }
}

impl Store for Db {
    fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }
}

/// Errors inside this crate: sqlx's, or ours. They become `StoreError`s at the trait
/// boundary (`run`), and constraint violations keep the constraint's name so the app can say
/// which field clashed.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlx(sqlx::Error),
    Store(StoreError),
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> Self {
        DbError::Sqlx(e)
    }
}

impl From<StoreError> for DbError {
    fn from(e: StoreError) -> Self {
        DbError::Store(e)
    }
}

impl From<DbError> for StoreError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Store(s) => s,
            DbError::Sqlx(sqlx::Error::Database(db))
                if db.is_unique_violation()
                    || db.is_foreign_key_violation()
                    || db.is_check_violation() =>
            {
                StoreError::Conflict {
                    constraint: db
                        .constraint()
                        .map(str::to_owned)
                        .unwrap_or_else(|| db.message().to_owned()),
                }
            }
            DbError::Sqlx(other) => StoreError::Backend(other.to_string()),
        }
    }
}

/// Await a body written with `?` on sqlx results and return the public error type.
pub(crate) async fn run<T>(
    body: impl std::future::Future<Output = Result<T, DbError>>,
) -> Result<T, StoreError> {
    body.await.map_err(StoreError::from)
}

/// A value read back from the database that no longer parses.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> DbError {
    DbError::Store(StoreError::Corrupt(format!("{what}: {e}")))
}

/// A page of domain values from rows and the total count.
pub(crate) fn to_page<R, T>(
    rows: Vec<R>,
    total: i64,
    page: zhili_domain::Page,
    f: impl Fn(R) -> Result<T, DbError>,
) -> Result<zhili_domain::Paged<T>, DbError> {
    Ok(zhili_domain::Paged {
        total,
        total_exact: true,
        page: page.number,
        page_size: page.size,
        items: rows.into_iter().map(f).collect::<Result<_, _>>()?,
    })
}
