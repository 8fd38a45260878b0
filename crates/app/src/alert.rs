//! Alerts pushed by registered sources (`POST /api/v1/alerts`): idempotent by the source's own
//! alert id, rate-limited per source, placed by point in a grid, dispatched at intake to the
//! body the routing rules name (alerts go to the township police station) with a deadline in
//! minutes, and the grid's community told. The duty desk acknowledges and records the first
//! contact; an alert nobody acknowledges in time is escalated by the background scan.

use crate::actor::Actor;
use crate::case::{registers, NewCaseRequest};
use crate::error::{AppError, AppResult};
use crate::ports::{AlertRow, AlertSource, ApiKey, NewAlertRecord};
use crate::App;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use zhili_domain::alert::{ack_due, check_identifier, Priority};
use zhili_domain::case::{Case, CaseKind, Channel};
use zhili_domain::datetime::parse_w3c;
use zhili_domain::deadline::{due_at, limit_for};
use zhili_domain::routing::escalation;
use zhili_domain::{DivisionCode, Level, Outcome, ParseError, Scope};

/// An alert as a source sends it.
#[derive(Debug, Clone, Default)]
pub struct AlertRequest {
    pub source: String,
    pub external_id: String,
    /// An alert category (`fraud`, `campus_alarm`, `railway`, …); the source's default if empty.
    pub category: Option<String>,
    pub title: String,
    pub description: String,
    /// `(lat, lon)` in WGS-84.
    pub location: Option<(f64, f64)>,
    /// Used when the point lies in no grid (or there is no point).
    pub community_code: Option<String>,
    pub address: Option<String>,
    /// W3C date-time with zone.
    pub occurred_at: Option<String>,
    pub priority: Option<String>,
}

/// What intake answers: the case, and whether this was a replay of an alert already taken.
pub struct AlertReceipt {
    pub case: Case,
    pub alert: Option<AlertRow>,
    pub replay: bool,
}

/// The demo's and a fresh installation's sources.
pub fn default_sources() -> Vec<AlertSource> {
    let s = |code: &str, name: &str, cat: &str, per_minute, ack_minutes| AlertSource {
        code: code.into(),
        name: name.into(),
        default_category: cat.into(),
        per_minute,
        ack_minutes,
    };
    vec![
        s("fraud-warning", "反诈预警平台", "fraud", 6000, 5),
        s("campus-alarm", "校园一键报警", "campus_alarm", 600, 3),
        s("railway-monitor", "铁路桥涵视频监测", "railway", 600, 15),
    ]
}

/// Cached sources and per-source counters of the current minute.
#[derive(Default)]
pub struct Feeds {
    sources: RwLock<Option<Arc<Vec<AlertSource>>>>,
    city: RwLock<Option<DivisionCode>>,
    windows: Mutex<HashMap<String, (i64, i64)>>,
    routes: Mutex<HashMap<(String, String), (zhili_domain::NodeCode, i64)>>,
    /// Live keys by hash, remembered for a minute (a new key is a miss, so it works at once).
    pub(crate) keys: Mutex<HashMap<String, (ApiKey, i64)>>,
}

impl Feeds {
    /// Count one alert for `source` in the minute of `now_ms`; the seconds to wait if over.
    fn admit(&self, source: &AlertSource, now_ms: i64) -> Result<(), u64> {
        self.admit_key(&source.code, source.per_minute, now_ms)
    }

    /// Count one thing for `key` (a source, or an Open311 key) within `per_minute`.
    pub(crate) fn admit_key(&self, key: &str, per_minute: i64, now_ms: i64) -> Result<(), u64> {
        let minute = now_ms.div_euclid(60_000);
        let mut w = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let slot = w.entry(key.to_owned()).or_insert((minute, 0));
        if slot.0 != minute {
            *slot = (minute, 0);
        }
        if slot.1 >= per_minute {
            let wait = 60 - now_ms.rem_euclid(60_000) / 1000;
            return Err(wait.max(1) as u64);
        }
        slot.1 += 1;
        Ok(())
    }
}

/// Roles that act on alerts (acknowledge, record contact).
fn handles_alerts(role: zhili_domain::Role) -> bool {
    registers(role)
}

/// Roles that see the duty desk (those who act, and leaders).
pub fn works_alerts(role: zhili_domain::Role) -> bool {
    handles_alerts(role) || role == zhili_domain::Role::Leader
}

impl App {
    pub async fn alert_sources(&self) -> AppResult<Arc<Vec<AlertSource>>> {
        if let Some(s) = self
            .alert_feeds
            .sources
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Ok(s);
        }
        let s = Arc::new(self.store.alert_sources().await?);
        *self
            .alert_feeds
            .sources
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(s.clone());
        Ok(s)
    }

    /// Register or update a source (operator or system admin).
    pub async fn put_alert_source(&self, actor: &Actor, s: AlertSource) -> AppResult<()> {
        if !actor.may(|r| r == zhili_domain::Role::SystemAdmin) {
            return Err(AppError::Forbidden {
                why: "only system administrators register alert sources",
            });
        }
        check_identifier("code", &s.code)?;
        let cat = self.category(&s.default_category).await?;
        if cat.kind != CaseKind::Alert {
            return Err(ParseError::new(
                "default_category",
                "alert.category_not_alert",
                format!("「{}」不是预警类别", cat.name),
            )
            .into());
        }
        if !(1..=1_000_000).contains(&s.per_minute) || !(1..=1440).contains(&s.ack_minutes) {
            return Err(ParseError::new(
                "per_minute",
                "alert.limits_invalid",
                "每分钟上限须为 1–1000000，签收时限须为 1–1440 分钟",
            )
            .into());
        }
        let now = self.now_ms();
        self.store.put_alert_source(&s, now).await?;
        let audit = actor.audit(
            now,
            "alert_source.put",
            format!("alert_source:{}", s.code),
            Outcome::Success,
            s.name.clone(),
        );
        self.store.append_audit(audit).await?;
        *self
            .alert_feeds
            .sources
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    /// Register the default sources that are missing (demo and first start).
    pub async fn ensure_alert_sources(&self, actor: &Actor) -> AppResult<()> {
        let have = self.alert_sources().await?;
        for s in default_sources() {
            if !have.iter().any(|h| h.code == s.code) {
                self.put_alert_source(actor, s).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn feed_city(&self) -> AppResult<DivisionCode> {
        if let Some(c) = self
            .alert_feeds
            .city
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
        {
            return Ok(c);
        }
        let city = self
            .city()
            .await?
            .map(|d| d.code)
            .ok_or(AppError::Conflict {
                field: "",
                code: "division.none",
                message: "尚未导入行政区划".into(),
            })?;
        *self
            .alert_feeds
            .city
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(city.clone());
        Ok(city)
    }

    /// Take an alert from a source holding `key`. A retry with the same `(source,
    /// external_id)` answers the first case with `replay: true`, even when the two race.
    pub async fn receive_alert(
        &self,
        key: &ApiKey,
        req: AlertRequest,
        client: &str,
    ) -> AppResult<AlertReceipt> {
        check_identifier("source", &req.source)?;
        if key.source.as_deref().is_some_and(|s| s != req.source) {
            return Err(AppError::ApiKeyRejected);
        }
        let sources = self.alert_sources().await?;
        let source = sources
            .iter()
            .find(|s| s.code == req.source)
            .ok_or_else(|| {
                ParseError::new(
                    "source",
                    "alert.source_unknown",
                    format!("预警来源「{}」未登记", req.source),
                )
            })?;
        check_identifier("external_id", &req.external_id)?;
        if let Some(id) = self
            .store
            .alert_case_id(&source.code, &req.external_id)
            .await?
        {
            return self.replayed(id).await;
        }
        let now = self.now_ms();
        self.alert_feeds
            .admit(source, now)
            .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
        let category = req
            .category
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .unwrap_or(&source.default_category)
            .to_owned();
        let priority = match req.priority.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => Priority::parse(p)?,
            _ => Priority::default_for(&category),
        };
        let occurred_at_ms = req
            .occurred_at
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse_w3c("occurred_at", s))
            .transpose()?;
        if req.location.is_none() && req.community_code.is_none() {
            return Err(ParseError::new(
                "location",
                "alert.place_required",
                "预警须带位置（location）或村居代码（community_code）",
            )
            .into());
        }
        let actor = Actor {
            user: None,
            scope: Scope::Subtree(self.feed_city().await?),
            source: client.to_owned(),
        };
        let title = if req.title.trim().is_empty() {
            format!("{}预警", source.name)
        } else {
            req.title
        };
        let new = NewCaseRequest {
            kind: CaseKind::Alert.as_str().into(),
            category,
            title,
            description: req.description,
            channel: Channel::Alert.as_str().into(),
            community_code: req.community_code.unwrap_or_default(),
            parties: Vec::new(),
            address: req.address,
            location: req.location,
        };
        let intake = AlertIntake {
            source: source.code.clone(),
            external_id: req.external_id.clone(),
            priority,
            occurred_at_ms,
            ack_minutes: source.ack_minutes,
        };
        let created = self
            .register_with(
                &actor,
                new,
                Channel::Alert,
                format!("feed:{}", source.code),
                crate::case::Intake::Alert(intake),
            )
            .await;
        match created {
            Ok(c) => Ok(AlertReceipt {
                alert: self.store.alert(c.case.id).await?,
                case: c.case,
                replay: false,
            }),
            // Two deliveries of one alert raced: the loser answers the winner's case.
            Err(e) => match self
                .store
                .alert_case_id(&source.code, &req.external_id)
                .await?
            {
                Some(id) => self.replayed(id).await,
                None => Err(e),
            },
        }
    }

    async fn replayed(&self, case_id: i64) -> AppResult<AlertReceipt> {
        let (case, _) = self
            .store
            .case(case_id)
            .await?
            .ok_or(AppError::NotFound { what: "case" })?;
        Ok(AlertReceipt {
            alert: self.store.alert(case_id).await?,
            case,
            replay: true,
        })
    }

    /// The alert part of intake: route now, deadline in minutes, acknowledgement due.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn dispatch_alert(
        &self,
        a: AlertIntake,
        kind: CaseKind,
        category: &str,
        community: &DivisionCode,
        grid: Option<&str>,
        title: &str,
        now: i64,
    ) -> AppResult<NewAlertRecord> {
        let assignee = self.alert_route(community, kind, category, now).await?;
        let level = match assignee.division().level() {
            Level::WorkArea => Level::Township,
            l => l,
        };
        let limit = limit_for(&self.deadlines, kind, category, level);
        Ok(NewAlertRecord {
            source: a.source,
            external_id: a.external_id,
            priority: a.priority.as_str().into(),
            occurred_at_ms: a.occurred_at_ms,
            ack_due_at_ms: ack_due(now, a.priority, a.ack_minutes),
            due_at_ms: due_at(&self.calendar, now, limit),
            notices: alert_notices(&assignee, community, grid, title),
            assignee,
        })
    }

    /// `route_for`, remembered for a minute per community and category: alerts come in bursts
    /// and routing reads the rules and the organisation. A changed rule applies within a minute.
    async fn alert_route(
        &self,
        community: &DivisionCode,
        kind: CaseKind,
        category: &str,
        now: i64,
    ) -> AppResult<zhili_domain::NodeCode> {
        let key = (community.to_string(), category.to_owned());
        if let Some((node, at)) = self
            .alert_feeds
            .routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            if now - at < 60_000 {
                return Ok(node.clone());
            }
        }
        let node = self.route_for(community, kind, category).await?;
        let mut routes = self
            .alert_feeds
            .routes
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if routes.len() > 50_000 {
            routes.clear();
        }
        routes.insert(key, (node.clone(), now));
        Ok(node)
    }

    /// How many alerts have been taken in (for the benchmark and health figures).
    pub async fn alerts_taken(&self) -> AppResult<i64> {
        Ok(self.store.count_alerts().await?)
    }

    /// Alerts in the actor's jurisdiction received since `since_ms`, oldest first.
    pub async fn alerts(
        &self,
        actor: &Actor,
        since_ms: i64,
        open_only: bool,
    ) -> AppResult<Vec<AlertRow>> {
        self.require_alert_desk(actor)?;
        Ok(self
            .store
            .alerts_in(&actor.scope, since_ms, open_only, 500)
            .await?)
    }

    fn require_alert_desk(&self, actor: &Actor) -> AppResult<()> {
        if actor.may(works_alerts) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                why: "this role does not work alerts",
            })
        }
    }

    /// "I have it": the first acknowledgement stops the escalation clock.
    pub async fn acknowledge_alert(&self, actor: &Actor, case_id: i64) -> AppResult<AlertRow> {
        self.alert_action(actor, case_id, "alert.acknowledge", None)
            .await
    }

    /// The person concerned was reached (first contact), with what was done.
    pub async fn record_alert_contact(
        &self,
        actor: &Actor,
        case_id: i64,
        note: &str,
    ) -> AppResult<AlertRow> {
        let note = crate::case::text("note", note, 1000, true)?.unwrap_or_default();
        self.alert_action(actor, case_id, "alert.contact", Some(note))
            .await
    }

    async fn alert_action(
        &self,
        actor: &Actor,
        case_id: i64,
        action: &str,
        note: Option<String>,
    ) -> AppResult<AlertRow> {
        if !actor.may(handles_alerts) {
            return Err(AppError::Forbidden {
                why: "this role does not work alerts",
            });
        }
        self.visible_case(actor, case_id).await?;
        if self.store.alert(case_id).await?.is_none() {
            return Err(AppError::NotFound { what: "alert" });
        }
        let now = self.now_ms();
        let by = actor.name();
        let first = match &note {
            None => self.store.acknowledge_alert(case_id, now, &by).await?,
            Some(n) => {
                // Reaching the person implies having the alert in hand.
                self.store.acknowledge_alert(case_id, now, &by).await?;
                self.store
                    .record_alert_contact(case_id, now, &by, n)
                    .await?
            }
        };
        let audit = actor.audit(
            now,
            action,
            format!("case:{case_id}"),
            Outcome::Success,
            if first {
                String::new()
            } else {
                "already recorded".into()
            },
        );
        self.store.append_audit(audit).await?;
        self.store
            .alert(case_id)
            .await?
            .ok_or(AppError::NotFound { what: "alert" })
    }

    /// Escalate alerts nobody acknowledged in time: the body above the assignee and the
    /// assignee itself are told, once. Returns how many were escalated.
    pub async fn scan_alerts(&self) -> AppResult<usize> {
        let now = self.now_ms();
        let due = self.store.unacknowledged_due(now, 500).await?;
        let mut n = 0;
        for a in due {
            if !self.store.mark_alert_escalated(a.case_id, now).await? {
                continue;
            }
            n += 1;
            let text = format!(
                "【预警超时未签收】{} {}：签收时限已过，请立即处置",
                a.number, a.title
            );
            if let Some(node) = a
                .assignee
                .as_deref()
                .and_then(|s| zhili_domain::NodeCode::parse(s).ok())
            {
                self.notify_node(&node, a.case_id, "alert_overdue", text.clone())
                    .await;
                if let Some(up) = escalation(node.division()) {
                    if let Ok(Some(target)) = self.first_existing_node(&up).await {
                        self.notify_node(&target, a.case_id, "alert_overdue", text.clone())
                            .await;
                    }
                }
            }
        }
        Ok(n)
    }
}

/// The assignee is told; so is the community the alert is in, where its grid worker sits.
fn alert_notices(
    assignee: &zhili_domain::NodeCode,
    community: &DivisionCode,
    grid: Option<&str>,
    title: &str,
) -> Vec<crate::ports::NewNotice> {
    let mut out = vec![crate::ports::NewNotice {
        node: assignee.clone(),
        case_id: None,
        kind: "alert".into(),
        message: title.to_owned(),
    }];
    if let Ok(c) = zhili_domain::NodeCode::parse(community.as_str()) {
        if &c != assignee {
            out.push(crate::ports::NewNotice {
                node: c,
                case_id: None,
                kind: "alert".into(),
                message: format!(
                    "{title}（网格 {}，请网格员协助核实）",
                    grid.unwrap_or("未定位")
                ),
            });
        }
    }
    out
}

/// What `register` needs to know about an alert beyond the case itself.
pub(crate) struct AlertIntake {
    pub source: String,
    pub external_id: String,
    pub priority: Priority,
    pub occurred_at_ms: Option<i64>,
    pub ack_minutes: i64,
}
