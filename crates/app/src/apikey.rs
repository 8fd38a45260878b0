//! API keys for other systems (alert feeds, Open311 clients). A key is 32 random bytes shown
//! once as `zk_` + 64 hex digits; only its SHA-256 is stored, so a stolen database yields no
//! usable key. A new key works at once: a key not seen in the last minute is looked up by its hash.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::ApiKey;
use crate::App;
use rand::RngCore;
use sha2::{Digest, Sha256};
use zhili_domain::alert::check_identifier;
use zhili_domain::{Outcome, ParseError};

/// A key as made: the stored record and the key itself, which is never shown again.
pub struct NewApiKey {
    pub key: ApiKey,
    pub secret: String,
}

/// How long a key looked up is trusted without asking the database again.
const KEY_CACHE_MS: i64 = 60_000;

fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl App {
    /// Make a key (operator or system admin). `source` limits it to one alert source.
    pub async fn add_api_key(
        &self,
        actor: &Actor,
        name: &str,
        source: Option<&str>,
    ) -> AppResult<NewApiKey> {
        if !actor.may(|r| r == zhili_domain::Role::SystemAdmin) {
            return Err(AppError::Forbidden {
                why: "only system administrators make API keys",
            });
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(
                ParseError::new("name", "apikey.name_invalid", "名称须为 1–100 个字符").into(),
            );
        }
        if let Some(s) = source {
            check_identifier("source", s)?;
            if !self
                .store
                .alert_sources()
                .await?
                .iter()
                .any(|x| x.code == s)
            {
                return Err(ParseError::new(
                    "source",
                    "apikey.source_unknown",
                    format!("预警来源「{s}」未登记"),
                )
                .into());
            }
        }
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let secret = format!("zk_{}", hex::encode(bytes));
        let now = self.now_ms();
        let key = self
            .store
            .insert_api_key(name, source, &hash(&secret), &secret[..10], now)
            .await?;
        let audit = actor.audit(
            now,
            "apikey.create",
            format!("apikey:{}", key.id),
            Outcome::Success,
            format!("{name} {}", source.unwrap_or("*")),
        );
        self.store.append_audit(audit).await?;
        Ok(NewApiKey { key, secret })
    }

    /// The live key a request carries, or `ApiKeyRejected`.
    pub async fn authenticate_key(&self, presented: Option<&str>) -> AppResult<ApiKey> {
        let presented = presented.map(str::trim).unwrap_or_default();
        if presented.is_empty() || presented.len() > 200 {
            return Err(AppError::ApiKeyRejected);
        }
        let h = hash(presented);
        let now = self.now_ms();
        if let Some((k, at)) = self
            .alert_feeds
            .keys
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&h)
        {
            if now - at < KEY_CACHE_MS {
                return Ok(k.clone());
            }
        }
        match self.store.api_key_by_hash(&h).await? {
            Some(k) if k.revoked_at_ms.is_none() => {
                let mut keys = self
                    .alert_feeds
                    .keys
                    .lock()
                    .unwrap_or_else(|p| p.into_inner());
                if keys.len() > 10_000 {
                    keys.clear();
                }
                keys.insert(h, (k.clone(), now));
                Ok(k)
            }
            _ => Err(AppError::ApiKeyRejected),
        }
    }

    pub async fn api_keys(&self, actor: &Actor) -> AppResult<Vec<ApiKey>> {
        if !actor.may(|r| r == zhili_domain::Role::SystemAdmin) {
            return Err(AppError::Forbidden {
                why: "only system administrators see API keys",
            });
        }
        Ok(self.store.api_keys().await?)
    }
}
