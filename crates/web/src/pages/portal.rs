//! The resident portal (解纷码), `/m/…`: what a community's QR code opens. No account, no
//! JavaScript, phone first. A resident submits a case here and follows it by its tracking
//! code (`portal_track.rs`). Forms carry a double-submit token; successful submissions and
//! ratings are limited per address.

use super::double_submit::DoubleSubmit;
use super::render;
use crate::error::describe;
use crate::AppState;
use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use zhili_app::case::Created;
use zhili_app::portal::{PortalCommunity, PortalRequest, PORTAL_KINDS};
use zhili_app::AppError;
use zhili_domain::case::CaseKind;

pub(super) const PORTAL_CSRF: DoubleSubmit = DoubleSubmit {
    cookie: "zhili_portal_csrf",
    path: "/m",
    max_age_s: 7200,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/m/track", get(super::portal_track::track_form))
        .route("/m/track/{code}", get(super::portal_track::track_page))
        .route(
            "/m/track/{code}/rating",
            post(super::portal_track::rate_submit),
        )
        .route("/m/{community}", get(form_page).post(submit))
}

/// The client's IP address (the socket peer).
pub struct PeerIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for PeerIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PeerIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip())
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        ))
    }
}

#[derive(Template)]
#[template(path = "portal_message.html")]
struct MessagePage {
    title: String,
    message: String,
}

/// A message page in portal style (errors, refusals).
pub(super) fn message(status: StatusCode, title: &str, message: String) -> Response {
    let page = MessagePage {
        title: title.to_owned(),
        message,
    };
    (status, render(&page)).into_response()
}

/// An error as a portal page.
pub(super) fn error_page(e: &AppError) -> Response {
    match e {
        AppError::NotFound { .. } => message(
            StatusCode::NOT_FOUND,
            "找不到该页面",
            "链接或查询码有误，请核对后重试；也可重新扫描社区的解纷码。".into(),
        ),
        other => {
            let (status, body) = describe(other);
            message(status, "出错了", body.message)
        }
    }
}

/// 429: too many submissions or ratings from this address.
pub(super) fn too_many(s: &AppState) -> Response {
    let minutes = s.portal_limit.window_minutes();
    let mut r = message(
        StatusCode::TOO_MANY_REQUESTS,
        "提交过于频繁",
        format!("同一网络短时间内提交次数过多，请 {minutes} 分钟后再试。如有紧急情况，请拨打 110 或直接到社区办理。"),
    );
    if let Ok(v) = (minutes * 60).to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// 403: the form's token does not match its cookie (an old page, or a forged form).
pub(super) fn expired() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "页面已过期",
        "请返回并刷新页面后重新提交。".into(),
    )
}

struct KindOption {
    value: &'static str,
    label: &'static str,
    hint: &'static str,
    checked: bool,
}

struct CategoryGroup {
    label: &'static str,
    options: Vec<(String, String, bool)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PortalForm {
    csrf: String,
    kind: String,
    category: String,
    title: String,
    description: String,
    name: String,
    phone: String,
    respondent: String,
    address: String,
}

#[derive(Template)]
#[template(path = "portal_form.html")]
struct FormPage {
    c: PortalCommunity,
    csrf: String,
    kinds: Vec<KindOption>,
    groups: Vec<CategoryGroup>,
    f: PortalForm,
    error: Option<String>,
    bad: String,
}

impl FormPage {
    fn is_bad(&self, field: &str) -> bool {
        self.bad == field
    }
}

fn hint(kind: CaseKind) -> &'static str {
    match kind {
        CaseKind::Dispute => "邻里、婚姻家庭、物业、劳资、合同等纠纷",
        CaseKind::Hazard => "消防通道堵塞、电动车违规充电、房屋安全等",
        _ => "道路破损、路灯、环境卫生、民生求助等",
    }
}

async fn form_view(
    s: &AppState,
    c: PortalCommunity,
    jar: CookieJar,
    f: PortalForm,
    error: Option<(String, String)>,
    status: StatusCode,
) -> Response {
    let cats = match s.app.portal_categories().await {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let groups = PORTAL_KINDS
        .iter()
        .map(|k| CategoryGroup {
            label: k.label(),
            options: cats
                .iter()
                .filter(|c| c.kind == *k)
                .map(|c| {
                    let name = match &c.parent {
                        Some(p) => {
                            let top = cats.iter().find(|x| &x.code == p);
                            format!("{} · {}", top.map_or(p.as_str(), |t| &t.name), c.name)
                        }
                        None => c.name.clone(),
                    };
                    (c.code.clone(), name, c.code == f.category)
                })
                .collect(),
        })
        .collect();
    let kinds = PORTAL_KINDS
        .iter()
        .map(|k| KindOption {
            value: k.as_str(),
            label: match k {
                CaseKind::Hazard => "安全隐患",
                other => other.label(),
            },
            hint: hint(*k),
            checked: k.as_str() == f.kind,
        })
        .collect();
    let (jar, csrf) = PORTAL_CSRF.reuse(jar, s.secure_cookies);
    let (error, bad) = match error {
        Some((m, b)) => (Some(m), b),
        None => (None, String::new()),
    };
    let page = FormPage {
        c,
        csrf,
        kinds,
        groups,
        f,
        error,
        bad,
    };
    (status, jar, render(&page)).into_response()
}

/// `GET /m/{community}`: the community's page and the form.
pub async fn form_page(
    State(s): State<AppState>,
    Path(community): Path<String>,
    jar: CookieJar,
) -> Response {
    match s.app.portal_community(&community).await {
        Ok(c) => form_view(&s, c, jar, PortalForm::default(), None, StatusCode::OK).await,
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "portal_done.html")]
struct DonePage {
    community: String,
    tracking_code: String,
    number: String,
}

/// `POST /m/{community}`: register the case; show its tracking code.
pub async fn submit(
    State(s): State<AppState>,
    Path(community): Path<String>,
    PeerIp(ip): PeerIp,
    jar: CookieJar,
    Form(f): Form<PortalForm>,
) -> Response {
    let c = match s.app.portal_community(&community).await {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    if !s.portal_limit.allows(ip) {
        return too_many(&s);
    }
    if !PORTAL_CSRF.verify(&jar, &f.csrf) {
        return expired();
    }
    let opt = |v: &str| Some(v.to_owned()).filter(|v| !v.trim().is_empty());
    let req = PortalRequest {
        kind: f.kind.clone(),
        category: f.category.clone(),
        title: f.title.clone(),
        description: f.description.clone(),
        name: f.name.clone(),
        phone: f.phone.clone(),
        respondent: opt(&f.respondent),
        address: opt(&f.address),
    };
    match s
        .app
        .submit_from_portal(c.code.as_str(), req, &ip.to_string())
        .await
    {
        Ok(Created { case, .. }) => {
            s.portal_limit.record(ip);
            // A new token: reloading the result page must not submit the case again.
            let (jar, _) = PORTAL_CSRF.issue(jar, s.secure_cookies);
            let page = DonePage {
                community: c.name,
                tracking_code: case.tracking_code,
                number: case.number,
            };
            (jar, render(&page)).into_response()
        }
        Err(AppError::Invalid(p)) => {
            let error = Some((p.message.clone(), p.field.to_owned()));
            form_view(&s, c, jar, f, error, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => error_page(&e),
    }
}
