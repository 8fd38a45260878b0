use std::path::{Path, PathBuf};
use thiserror::Error;

/// Where the data lives: `sqlite://PATH` (embedded, the default) or `postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("--database-url 应以 sqlite:// 或 postgres:// 开头（收到「{0}」）/ --database-url must start with sqlite:// or postgres://")]
pub struct UnsupportedUrl(pub String);

impl DatabaseUrl {
    pub fn parse(raw: &str) -> Result<Self, UnsupportedUrl> {
        let raw = raw.trim();
        if let Some(rest) = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() {
                return Err(UnsupportedUrl(raw.into()));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(raw.into()));
        }
        Err(UnsupportedUrl(raw.chars().take(40).collect()))
    }

    /// The default: `zhili.db` in the data directory.
    pub fn sqlite_in(data_dir: &Path) -> Self {
        DatabaseUrl::Sqlite(data_dir.join("zhili.db"))
    }

    /// For logs: the PostgreSQL URL without its password.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(p) => format!("sqlite://{}", p.display()),
            DatabaseUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(s), Some(at)) if at > s => match u[s + 3..at].split_once(':') {
                    Some((user, _)) => format!("{}{}:***{}", &u[..s + 3], user, &u[at..]),
                    None => u.clone(),
                },
                _ => u.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_anything_else_is_refused() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://./zhili-data/zhili.db").unwrap(),
            DatabaseUrl::Sqlite("./zhili-data/zhili.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1/test"),
            Ok(DatabaseUrl::Postgres(_))
        ));
        for bad in ["mysql://root@localhost/x", "zhili.db", "", "sqlite://"] {
            assert!(DatabaseUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            DatabaseUrl::parse("postgres://u:secret@h/db")
                .unwrap()
                .redacted(),
            "postgres://u:***@h/db"
        );
    }
}
