//! The few places where SQLite and PostgreSQL need different SQL, as methods on each
//! backend's transaction type, so the shared query bodies stay identical.

use sqlx::{Postgres, Sqlite, Transaction};

pub(crate) trait Dialect {
    /// Serialise appends to the audit chain until this transaction ends.
    async fn lock_audit_chain(&mut self) -> Result<(), sqlx::Error>;
    /// What ends a sub-select whose rows a claiming UPDATE takes, so concurrent claimers
    /// pass over each other's rows.
    fn skip_locked(&self) -> &'static str;
}

impl Dialect for Transaction<'_, Sqlite> {
    async fn lock_audit_chain(&mut self) -> Result<(), sqlx::Error> {
        // Write transactions start with BEGIN IMMEDIATE: this one already holds the only write lock.
        Ok(())
    }
    fn skip_locked(&self) -> &'static str {
        // The one writer connection already serialises claims.
        ""
    }
}

impl Dialect for Transaction<'_, Postgres> {
    async fn lock_audit_chain(&mut self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT pg_advisory_xact_lock(7206020010)")
            .execute(&mut **self)
            .await?;
        Ok(())
    }
    fn skip_locked(&self) -> &'static str {
        " FOR UPDATE SKIP LOCKED"
    }
}
