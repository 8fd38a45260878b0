//! Fresh databases for tests: SQLite in a temporary directory always, and PostgreSQL when
//! `ZHILI_TEST_PG_URL` names a server (each test database is a schema of its own, dropped
//! when the test passes). A set but unreachable PostgreSQL fails the test, never skips it.

use crate::{DatabaseUrl, Db};
use std::sync::Arc;

pub struct TestDb {
    pub label: &'static str,
    pub db: Arc<Db>,
    /// The URL that opens this database (for starting the binary on it).
    pub url: String,
    schema: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let db = Db::open(&DatabaseUrl::sqlite_in(dir.path()))
            .await
            .expect("open SQLite");
        let url = format!("sqlite://{}", dir.path().join("zhili.db").display());
        Self {
            label: "sqlite",
            db: Arc::new(db),
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres(base: &str) -> Self {
        let mut bytes = [0u8; 6];
        getrandom(&mut bytes);
        let schema = format!(
            "zt_{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let admin = Db::connect(&DatabaseUrl::parse(base).expect("ZHILI_TEST_PG_URL"))
            .await
            .unwrap_or_else(|e| {
                panic!("ZHILI_TEST_PG_URL is set but PostgreSQL is unreachable: {e}")
            });
        admin
            .execute_raw(&format!("CREATE SCHEMA {schema}"))
            .await
            .expect("create schema");
        admin.close().await;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        let db = Db::open(&DatabaseUrl::parse(&url).expect("url"))
            .await
            .expect("open PostgreSQL");
        Self {
            label: "postgres",
            db: Arc::new(db),
            url,
            schema: Some((base.to_owned(), schema)),
            _dir: None,
        }
    }

    /// SQLite, and PostgreSQL when `ZHILI_TEST_PG_URL` is set.
    pub async fn all() -> Vec<Self> {
        let mut v = vec![Self::sqlite().await];
        if let Some(url) = std::env::var("ZHILI_TEST_PG_URL")
            .ok()
            .filter(|u| !u.is_empty())
        {
            v.push(Self::postgres(&url).await);
        }
        v
    }
}

fn getrandom(buf: &mut [u8]) {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    for chunk in buf.chunks_mut(8) {
        let mut h = RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        let v = h.finish().to_le_bytes();
        chunk.copy_from_slice(&v[..chunk.len()]);
    }
}

impl Drop for TestDb {
    /// Drop the PostgreSQL schema of a test that passed (a failed one is left to inspect).
    fn drop(&mut self) {
        if let (Some((base, schema)), false) = (self.schema.take(), std::thread::panicking()) {
            let _ = std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    if let Ok(url) = DatabaseUrl::parse(&base) {
                        if let Ok(db) = Db::connect(&url).await {
                            let _ = db
                                .execute_raw(&format!("DROP SCHEMA {schema} CASCADE"))
                                .await;
                            db.close().await;
                        }
                    }
                });
            })
            .join();
        }
    }
}
