//! Webhook subscriptions: system admins list them, add them for their subtree and remove
//! them; each change is audited like the routing rules. The signing secret is stored
//! encrypted with the vault's key and shown once, when the subscription is created.
//! Dispatch and delivery are in `webhook_delivery.rs`; the design in `docs/webhooks.md`.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{DeliveryRecord, Subscription};
use crate::App;
use rand::RngCore;
use serde::Serialize;
use zhili_domain::webhook::{EventFilter, WebhookUrl};
use zhili_domain::{DivisionCode, Outcome, ParseError, Role};

pub struct NewSubscriptionRequest<'a> {
    pub name: &'a str,
    pub url: &'a str,
    /// The subscription covers this division's subtree.
    pub division: &'a str,
    /// `*` or event types separated by commas.
    pub events: &'a str,
    /// At least 16 characters; `None` or empty: a random one is made.
    pub secret: Option<&'a str>,
}

/// A subscription as the admin sees it: never its secret.
#[derive(Debug, Clone, Serialize)]
pub struct SubscriptionView {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub division: String,
    pub events: String,
    pub active: bool,
    pub created_at_ms: i64,
}

impl From<&Subscription> for SubscriptionView {
    fn from(s: &Subscription) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            url: s.url.as_str().to_owned(),
            division: s.division.to_string(),
            events: s.events.to_string(),
            active: s.active,
            created_at_ms: s.created_at_ms,
        }
    }
}

/// How many deliveries the log shows at most.
pub const DELIVERY_LOG_LIMIT: i64 = 100;

fn forbidden() -> AppError {
    AppError::Forbidden {
        why: "only system admins manage webhooks",
    }
}

impl App {
    /// The subscriptions inside the actor's jurisdiction.
    pub async fn webhooks(&self, actor: &Actor) -> AppResult<Vec<SubscriptionView>> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            return Err(forbidden());
        }
        Ok(self
            .store
            .subscriptions()
            .await?
            .iter()
            .filter(|s| actor.scope.sees_division(&s.division))
            .map(SubscriptionView::from)
            .collect())
    }

    /// Add a subscription; answers it with its secret (the only time the secret is shown).
    pub async fn add_webhook(
        &self,
        actor: &Actor,
        req: NewSubscriptionRequest<'_>,
    ) -> AppResult<(SubscriptionView, String)> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            self.audit_denied(actor, "webhook.add", "webhook:new")
                .await?;
            return Err(forbidden());
        }
        let name = req.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ParseError::new(
                "name",
                "webhook.name_invalid",
                "名称不能为空，且不超过 100 个字",
            )
            .into());
        }
        let url = WebhookUrl::parse(req.url)?;
        let division = DivisionCode::parse(req.division.trim())
            .map_err(|e| ParseError::new("division", e.code, e.message))?;
        if !actor.scope.sees_division(&division) {
            return Err(ParseError::new(
                "division",
                "webhook.division_out_of_scope",
                "订阅的区划须在您的管辖范围内",
            )
            .into());
        }
        let events = EventFilter::parse(req.events)?;
        let secret = match req.secret.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) if (16..=200).contains(&s.len()) => s.to_owned(),
            Some(_) => {
                return Err(ParseError::new(
                    "secret",
                    "webhook.secret_invalid",
                    "签名密钥须为 16–200 个字符；留空则自动生成",
                )
                .into())
            }
            None => {
                let mut b = [0u8; 32];
                rand::rng().fill_bytes(&mut b);
                hex::encode(b)
            }
        };
        let now = self.now_ms();
        let s = Subscription {
            id: 0,
            name: name.to_owned(),
            url,
            secret: self.vault.encrypt(&secret),
            division,
            events,
            active: true,
            created_at_ms: now,
        };
        let audit = actor.audit(
            now,
            "webhook.add",
            "webhook:new".into(),
            Outcome::Success,
            format!("{} {} → {}", s.division, s.events, s.url.as_str()),
        );
        let stored = self.store.insert_subscription(&s, audit).await?;
        Ok((SubscriptionView::from(&stored), secret))
    }

    /// Remove a subscription: it receives nothing more and its pending deliveries are
    /// cancelled; its delivery log stays.
    pub async fn remove_webhook(&self, actor: &Actor, id: i64) -> AppResult<()> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            self.audit_denied(actor, "webhook.remove", &format!("webhook:{id}"))
                .await?;
            return Err(forbidden());
        }
        let s = self.visible_webhook(actor, id).await?;
        let audit = actor.audit(
            self.now_ms(),
            "webhook.remove",
            format!("webhook:{id}"),
            Outcome::Success,
            s.url.as_str().to_owned(),
        );
        if !self.store.remove_subscription(id, audit).await? {
            return Err(AppError::NotFound { what: "webhook" });
        }
        Ok(())
    }

    /// A subscription's latest deliveries with each attempt.
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: i64,
    ) -> AppResult<(SubscriptionView, Vec<DeliveryRecord>)> {
        if !actor.may(|r| r == Role::SystemAdmin) {
            return Err(forbidden());
        }
        let s = self.visible_webhook(actor, id).await?;
        let log = self.store.deliveries(id, DELIVERY_LOG_LIMIT).await?;
        Ok((SubscriptionView::from(&s), log))
    }

    async fn visible_webhook(&self, actor: &Actor, id: i64) -> AppResult<Subscription> {
        self.store
            .subscriptions()
            .await?
            .into_iter()
            .find(|s| s.id == id && actor.scope.sees_division(&s.division))
            .ok_or(AppError::NotFound { what: "webhook" })
    }
}
