//! Open311 GeoReport v2 (`docs/open311.md`): hazard and service-request categories as
//! services, requests posted with an API key becoming cases on channel `api`, the public
//! reading of requests and of their updates (FixMyStreet's `servicerequestupdates`). Disputes
//! and alerts never appear; no name, phone or ID number ever leaves through here.

use crate::actor::Actor;
use crate::case::{Intake, NewCaseRequest, PartyInput};
use crate::error::{AppError, AppResult};
use crate::ports::{ApiKey, NewOpen311Record, Open311Query};
use crate::App;
use rand::Rng;
use std::collections::HashMap;
use zhili_domain::case::{Action, Channel, Point};
use zhili_domain::category::Category;
use zhili_domain::open311::{
    attributes_for, check_attributes, is_public, mask_numbers, states_with_status, status_of,
    ExtendedStatus, ServiceAttribute,
};
use zhili_domain::{DivisionCode, Level, NodeCode, ParseError, Scope};

/// Requests one key may post per minute (more answer 429 with Retry-After).
pub const POSTS_PER_KEY_PER_MINUTE: i64 = 120;
/// At most this many requests in one answer (the spec's cap).
pub const MAX_REQUESTS: i64 = 1000;
/// Without dates, `GET requests` covers this many days back from now, and a range may span
/// no more (the spec's rule).
pub const DEFAULT_DAYS: i64 = 90;
/// The spec's JSON Schema caps a request's description at 4000 characters.
pub const MAX_DESCRIPTION: usize = 4000;

/// A service: one hazard or service-request category.
#[derive(Debug, Clone)]
pub struct Open311Service {
    pub code: String,
    pub name: String,
    pub description: String,
    /// The top-level category's name (the spec's `group`).
    pub group: String,
    pub keywords: String,
    /// Has attributes (`GET services/{code}` lists them).
    pub metadata: bool,
}

/// What a client posts (the form's fields, already split; lat/long already numbers).
#[derive(Debug, Clone, Default)]
pub struct Open311Post {
    pub api_key: Option<String>,
    pub jurisdiction_id: Option<String>,
    pub service_code: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub description: String,
    pub media_url: Option<String>,
    /// `attribute[code]=value` pairs, in order.
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Open311Receipt {
    pub service_request_id: String,
    pub token: String,
    pub service_notice: String,
}

/// `GET requests` filters. `ids` overrides every other filter (as the spec says).
#[derive(Debug, Clone, Default)]
pub struct Open311Filter {
    pub jurisdiction_id: Option<String>,
    pub ids: Vec<String>,
    pub service_codes: Vec<String>,
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub open: Option<bool>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// A request as Open311 shows it: no person in it.
#[derive(Debug, Clone)]
pub struct Open311Request {
    pub service_request_id: String,
    pub open: bool,
    pub extended_status: ExtendedStatus,
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: Option<String>,
    pub requested_ms: i64,
    pub updated_ms: i64,
    pub expected_ms: Option<i64>,
    pub address: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub media_url: Option<String>,
}

/// One step of a request (FixMyStreet's `request_update`).
#[derive(Debug, Clone)]
pub struct Open311RequestUpdate {
    pub update_id: String,
    pub service_request_id: String,
    pub status: ExtendedStatus,
    pub updated_ms: i64,
    pub description: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    ParseError::new(field, "open311.invalid", message).into()
}

/// Trimmed, or `None` when empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// A media URL as the spec's schema takes it (`format: uri`): http(s), no spaces.
fn media_url(raw: &str) -> AppResult<String> {
    let ok = (raw.starts_with("https://") || raw.starts_with("http://"))
        && raw.len() <= 500
        && raw.len() > 8
        && raw.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(invalid(
            "media_url",
            "media_url 须为 http(s) 开头、不含空格的网址，不超过 500 字符",
        ))
    }
}

fn open311_token() -> String {
    let mut rng = rand::rng();
    let a = crate::case::TRACKING_ALPHABET;
    (0..20)
        .map(|_| a[rng.random_range(0..a.len())] as char)
        .collect()
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl App {
    /// The jurisdiction this server answers for: the city's division code. A client naming
    /// another (or a bad one) gets 404, as the spec says.
    pub async fn open311_jurisdiction(&self, asked: Option<&str>) -> AppResult<DivisionCode> {
        let city = self.feed_city().await?;
        match asked.map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(city),
            Some(j) if j == city.as_str() => Ok(city),
            Some(_) => Err(AppError::NotFound {
                what: "jurisdiction",
            }),
        }
    }

    /// Hazard and service-request categories as services; never disputes, never alerts.
    pub async fn open311_services(&self) -> AppResult<Vec<Open311Service>> {
        let all = self.categories().await?;
        let name_of = |code: &str| {
            all.iter()
                .find(|c| c.code == code)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        Ok(all
            .iter()
            .filter(|c| is_public(c.kind))
            .map(|c| Open311Service {
                code: c.code.clone(),
                name: c.name.clone(),
                description: match &c.parent {
                    Some(p) => format!("{}·{}·{}", c.kind.label(), name_of(p), c.name),
                    None => format!("{}·{}", c.kind.label(), c.name),
                },
                group: name_of(c.top()),
                keywords: format!("{},{}", c.kind.as_str(), c.kind.label()),
                metadata: !attributes_for(&c.code).is_empty(),
            })
            .collect())
    }

    /// A public category by service code: 404 for disputes, alerts and unknown codes alike.
    async fn public_category(&self, code: &str) -> AppResult<Category> {
        match self.category(code.trim()).await {
            Ok(c) if is_public(c.kind) => Ok(c),
            _ => Err(AppError::NotFound { what: "service" }),
        }
    }

    /// A service's attributes (`GET services/{service_code}`).
    pub async fn open311_service_definition(
        &self,
        code: &str,
    ) -> AppResult<(String, &'static [ServiceAttribute])> {
        let c = self.public_category(code).await?;
        Ok((c.code.clone(), attributes_for(&c.code)))
    }

    /// `POST requests`: a key without a source, a public service, a place in the city; the
    /// request becomes a case on channel `api`, placed in its grid.
    pub async fn open311_submit(
        &self,
        post: Open311Post,
        client: &str,
    ) -> AppResult<Open311Receipt> {
        let key: ApiKey = self.authenticate_key(post.api_key.as_deref()).await?;
        if key.source.is_some() {
            return Err(AppError::ApiKeyRejected);
        }
        let city = self
            .open311_jurisdiction(post.jurisdiction_id.as_deref())
            .await?;
        self.alert_feeds
            .admit_key(
                &format!("open311:{}", key.id),
                POSTS_PER_KEY_PER_MINUTE,
                self.now_ms(),
            )
            .map_err(|retry_after_s| AppError::RateLimited { retry_after_s })?;
        let code = post.service_code.trim();
        if code.is_empty() {
            return Err(invalid("service_code", "service_code 必填"));
        }
        let category = self
            .public_category(code)
            .await
            .map_err(|_| invalid("service_code", format!("没有服务「{code}」")))?;
        let lines = check_attributes(&category.code, &post.attributes)?;
        let description = post.description.trim();
        if description.is_empty() {
            return Err(invalid("description", "description 必填：请描述问题"));
        }
        if description.chars().count() > MAX_DESCRIPTION {
            return Err(invalid(
                "description",
                format!("description 不能超过 {MAX_DESCRIPTION} 字"),
            ));
        }
        let location = match (post.lat, post.long) {
            (Some(lat), Some(lon)) => Some(Point::new(lat, lon).map_err(|_| {
                invalid(
                    "lat",
                    "lat/long 须为 WGS-84 坐标：纬度 −90–90，经度 −180–180",
                )
            })?),
            (None, None) => None,
            (Some(_), None) => return Err(invalid("long", "给了 lat 就须同时给 long")),
            (None, Some(_)) => return Err(invalid("lat", "给了 long 就须同时给 lat")),
        };
        let community = match given(&post.address_id) {
            Some(a) => {
                let d = DivisionCode::parse(a)
                    .ok()
                    .filter(|d| d.level() == Level::Community && city.contains(d));
                Some(d.ok_or_else(|| {
                    invalid("address_id", "address_id 须为本市村居的 12 位区划代码")
                })?)
            }
            None => None,
        };
        match location {
            Some(p) if community.is_none() && self.locate_grid(p).await?.is_none() => {
                return Err(invalid(
                    "lat",
                    "该位置不在本市任何网格内；请核对坐标，或以 address_id 给出村居代码",
                ));
            }
            None if community.is_none() => {
                return Err(invalid(
                    "lat",
                    "须给出位置：lat/long，或 address_id（村居区划代码）",
                ));
            }
            _ => {}
        }
        let media = given(&post.media_url).map(media_url).transpose()?;
        let mut parties = Vec::new();
        let name = format!(
            "{}{}",
            given(&post.last_name).unwrap_or(""),
            given(&post.first_name).unwrap_or("")
        );
        match (name.is_empty(), given(&post.phone)) {
            (true, Some(_)) => {
                return Err(invalid(
                    "first_name",
                    "留电话时请同时留姓名（first_name/last_name）",
                ))
            }
            (true, None) => {}
            (false, phone) => {
                zhili_domain::person::Party::parse("applicant", &name, phone, None)?;
                parties.push(PartyInput {
                    role: "applicant".into(),
                    name,
                    phone: phone.map(str::to_owned),
                    id_number: None,
                });
            }
        }
        let mut full = description.to_owned();
        if !lines.is_empty() {
            full.push_str("\n\n附加信息：");
            for (q, a) in &lines {
                full.push_str(&format!("\n{q}：{a}"));
            }
        }
        let title = format!(
            "{}：{}",
            category.name,
            truncate(&mask_numbers(description), 30)
        );
        let actor = Actor {
            user: None,
            scope: Scope::Subtree(city),
            source: client.to_owned(),
        };
        let token = open311_token();
        let new = NewCaseRequest {
            kind: category.kind.as_str().into(),
            category: category.code.clone(),
            title,
            description: full,
            channel: Channel::Api.as_str().into(),
            community_code: community.map(|c| c.to_string()).unwrap_or_default(),
            parties,
            address: given(&post.address_string).map(str::to_owned),
            location: location.map(|p| (p.lat, p.lon)),
        };
        let record = NewOpen311Record {
            token: token.clone(),
            api_key_id: key.id,
            media_url: media,
        };
        let created = self
            .register_with(
                &actor,
                new,
                Channel::Api,
                format!("open311:{}", key.name),
                Intake::Open311(record),
            )
            .await?;
        Ok(Open311Receipt {
            service_notice: format!(
                "已登记为{}，编号 {}，由所在社区受理；可凭编号查询办理进度",
                category.kind.label(),
                created.case.number
            ),
            service_request_id: created.case.number,
            token,
        })
    }

    /// `GET requests`: public cases by the spec's filters, newest first, at most 1000.
    pub async fn open311_requests(&self, f: Open311Filter) -> AppResult<Vec<Open311Request>> {
        let city = self
            .open311_jurisdiction(f.jurisdiction_id.as_deref())
            .await?;
        let now = self.now_ms();
        let mut q = Open311Query {
            within: city,
            numbers: Vec::new(),
            categories: Vec::new(),
            states: Vec::new(),
            from_ms: None,
            to_ms: None,
            limit: MAX_REQUESTS,
        };
        if !f.ids.is_empty() {
            q.numbers = f.ids;
        } else {
            q.categories = f.service_codes;
            q.states = f.open.map(states_with_status).unwrap_or_default();
            let span = DEFAULT_DAYS * 86_400_000;
            let (from, to) = match (f.start_ms, f.end_ms) {
                (Some(s), Some(e)) if s > e => {
                    return Err(invalid("start_date", "start_date 不能晚于 end_date"));
                }
                (Some(s), Some(e)) if e - s > span => {
                    return Err(invalid(
                        "end_date",
                        format!("start_date 到 end_date 不能超过 {DEFAULT_DAYS} 天"),
                    ));
                }
                (Some(s), Some(e)) => (s, Some(e)),
                (Some(s), None) => (s, Some(s + span)),
                (None, Some(e)) => (e - span, Some(e)),
                (None, None) => (now - span, None),
            };
            q.from_ms = Some(from);
            q.to_ms = to;
        }
        let rows = self.store.open311_cases(&q).await?;
        let mut names: HashMap<String, String> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.open311_view(r.case, r.media_url, &mut names).await?);
        }
        Ok(out)
    }

    /// `GET requests/{id}`: one public case by its number, or 404.
    pub async fn open311_request(
        &self,
        id: &str,
        jurisdiction: Option<&str>,
    ) -> AppResult<Open311Request> {
        let id = id.trim();
        if id.is_empty() || id.len() > 40 {
            return Err(AppError::NotFound { what: "request" });
        }
        let f = Open311Filter {
            jurisdiction_id: jurisdiction.map(str::to_owned),
            ids: vec![id.to_owned()],
            ..Default::default()
        };
        self.open311_requests(f)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound { what: "request" })
    }

    /// `GET tokens/{token}`: the request id the token stands for, or 404.
    pub async fn open311_token(
        &self,
        token: &str,
        jurisdiction: Option<&str>,
    ) -> AppResult<String> {
        self.open311_jurisdiction(jurisdiction).await?;
        let t = token.trim();
        if t.is_empty() || t.len() > 40 {
            return Err(AppError::NotFound { what: "token" });
        }
        self.store
            .open311_number_by_token(t)
            .await?
            .ok_or(AppError::NotFound { what: "token" })
    }

    /// `GET servicerequestupdates`: timeline steps of public cases in `[start, end)`, oldest
    /// first, at most 1000; by default the last 24 hours. Only the step and the body that
    /// holds the case are told, never who acted or why (reasons may name people).
    pub async fn open311_updates(
        &self,
        jurisdiction: Option<&str>,
        start_ms: Option<i64>,
        end_ms: Option<i64>,
    ) -> AppResult<Vec<Open311RequestUpdate>> {
        let city = self.open311_jurisdiction(jurisdiction).await?;
        let end = end_ms.unwrap_or_else(|| self.now_ms() + 1);
        let start = start_ms.unwrap_or(end - 86_400_000);
        if start > end {
            return Err(invalid("start_date", "start_date 不能晚于 end_date"));
        }
        let rows = self
            .store
            .open311_updates(&city, start, end, MAX_REQUESTS)
            .await?;
        Ok(rows
            .into_iter()
            .map(|u| {
                let referred = u.action == Action::Refer.as_str();
                let (_, status) = status_of(u.to_state, referred);
                let step = match Action::parse(&u.action) {
                    Ok(a) => a.label(),
                    Err(_) if u.action == "create" => "登记",
                    Err(_) => "办理",
                };
                Open311RequestUpdate {
                    update_id: u.event_id.to_string(),
                    service_request_id: u.case_number,
                    status,
                    updated_ms: u.at_ms,
                    description: format!("{step}：{}", u.to_state.label()),
                }
            })
            .collect())
    }

    async fn open311_view(
        &self,
        case: zhili_domain::case::Case,
        media_url: Option<String>,
        names: &mut HashMap<String, String>,
    ) -> AppResult<Open311Request> {
        debug_assert!(is_public(case.kind));
        let (open, extended) = status_of(case.state, case.referral.is_some());
        let agency = match &case.assignee {
            Some(node) => Some(self.cached_node_name(node, names).await?),
            None => None,
        };
        let service_name = self
            .category(&case.category)
            .await
            .map(|c| c.name)
            .unwrap_or_else(|_| case.category.clone());
        let mut notes = case.state.label().to_owned();
        if case.suspended_at_ms.is_some() {
            notes.push_str("（暂停办理）");
        }
        Ok(Open311Request {
            service_request_id: case.number,
            open,
            extended_status: extended,
            status_notes: notes,
            service_name,
            service_code: case.category,
            description: truncate(&mask_numbers(&case.description), MAX_DESCRIPTION),
            agency_responsible: agency,
            requested_ms: case.created_at_ms,
            updated_ms: case
                .closed_at_ms
                .filter(|_| !open)
                .unwrap_or(case.updated_at_ms),
            expected_ms: case.due_at_ms.filter(|_| open),
            address: case.address.map(|a| mask_numbers(&a)),
            lat: case.location.map(|p| p.lat),
            long: case.location.map(|p| p.lon),
            media_url,
        })
    }

    async fn cached_node_name(
        &self,
        node: &NodeCode,
        names: &mut HashMap<String, String>,
    ) -> AppResult<String> {
        let k = node.to_string();
        if let Some(n) = names.get(&k) {
            return Ok(n.clone());
        }
        let n = self.node_name(node).await?;
        names.insert(k, n.clone());
        Ok(n)
    }
}
