//! Open311 GeoReport v2 under `/open311/v2/` (`docs/open311.md`): discovery, services and
//! their definitions, `POST requests` with an API key, `GET requests` with the spec's
//! filters, one request, tokens, and FixMyStreet's `servicerequestupdates`. The format is
//! the path's suffix (`.xml`, mandatory, or `.json`); errors are the spec's.

mod error;
pub mod form;
mod render;
mod views;

use crate::extract::client_addr_of;
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use error::Open311Error;
use form::Format;
use render::X;
use std::net::SocketAddr;

/// `POST requests` bodies larger than this are refused (413) before they are parsed.
pub const MAX_POST_BYTES: usize = 64 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open311/{file}", get(discovery_only))
        .route("/open311/v2/{file}", get(get_root).post(post_root))
        .route("/open311/v2/services/{file}", get(get_service))
        .route("/open311/v2/requests/{file}", get(get_request))
        .route("/open311/v2/tokens/{file}", get(get_token))
}

type Answer = Result<Response, Open311Error>;

pub(crate) fn respond(format: Format, root: &str, body: X) -> Response {
    let (ctype, text) = match format {
        Format::Xml => ("text/xml; charset=utf-8", body.to_xml(root)),
        Format::Json => (
            "application/json; charset=utf-8",
            body.to_json().to_string(),
        ),
    };
    let mut r = text.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    r
}

/// The name and format of the last path segment; unknown formats answer 404 in XML.
fn split(file: &str) -> Result<(&str, Format), Open311Error> {
    form::split_format(file).ok_or_else(|| {
        Open311Error::new(
            StatusCode::NOT_FOUND,
            "未知的格式：请用 .xml 或 .json",
            Format::Xml,
        )
    })
}

fn not_found(format: Format) -> Open311Error {
    Open311Error::new(
        StatusCode::NOT_FOUND,
        "no such resource / 没有这一资源",
        format,
    )
}

fn app_err(format: Format) -> impl Fn(zhili_app::AppError) -> Open311Error {
    move |e| Open311Error::from_app(e, format)
}

fn parse_err(format: Format) -> impl Fn(zhili_domain::ParseError) -> Open311Error {
    move |e| Open311Error::from_app(e.into(), format)
}

async fn discovery_only(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Answer {
    let (name, f) = split(&file)?;
    if name != "discovery" {
        return Err(not_found(f));
    }
    discovery(&s, &headers, f).await
}

async fn discovery(s: &AppState, headers: &HeaderMap, f: Format) -> Answer {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let scheme = if s.secure_cookies { "https" } else { "http" };
    let city = s.app.open311_jurisdiction(None).await.map_err(app_err(f))?;
    Ok(respond(
        f,
        "discovery",
        views::discovery(&format!("{scheme}://{host}/open311/v2"), city.as_str()),
    ))
}

async fn get_root(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Answer {
    let (name, f) = split(&file)?;
    let q = q.unwrap_or_default();
    match name {
        "discovery" => discovery(&s, &headers, f).await,
        "services" => {
            let j = form::parse_jurisdiction(&q).map_err(parse_err(f))?;
            s.app
                .open311_jurisdiction(j.as_deref())
                .await
                .map_err(app_err(f))?;
            let list = s.app.open311_services().await.map_err(app_err(f))?;
            Ok(respond(f, "services", views::services(&list)))
        }
        "requests" => {
            let filter = form::parse_filter(&q).map_err(parse_err(f))?;
            let list = s.app.open311_requests(filter).await.map_err(app_err(f))?;
            Ok(respond(f, "service_requests", views::requests(&list)))
        }
        "servicerequestupdates" => {
            let (j, start, end) = form::parse_updates(&q).map_err(parse_err(f))?;
            let list = s
                .app
                .open311_updates(j.as_deref(), start, end)
                .await
                .map_err(app_err(f))?;
            Ok(respond(f, "service_request_updates", views::updates(&list)))
        }
        _ => Err(not_found(f)),
    }
}

async fn post_root(
    State(s): State<AppState>,
    ci: ConnectInfo<SocketAddr>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Answer {
    let (name, f) = split(&file)?;
    if name != "requests" {
        return Err(Open311Error::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "只能 POST requests",
            f,
        ));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ctype.split(';').next().is_some_and(|m| {
        m.trim()
            .eq_ignore_ascii_case("application/x-www-form-urlencoded")
    }) {
        return Err(Open311Error::new(
            StatusCode::BAD_REQUEST,
            "Content-Type 须为 application/x-www-form-urlencoded",
            f,
        ));
    }
    let bytes = axum::body::to_bytes(body, MAX_POST_BYTES)
        .await
        .map_err(|_| {
            Open311Error::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("请求体超过 {} KiB", MAX_POST_BYTES / 1024),
                f,
            )
        })?;
    let post = form::parse_post(&bytes).map_err(parse_err(f))?;
    let receipt = s
        .app
        .open311_submit(post, &client_addr_of(&ci))
        .await
        .map_err(app_err(f))?;
    Ok(respond(f, "service_requests", views::receipt(&receipt)))
}

async fn get_service(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let (code, f) = split(&file)?;
    let j = form::parse_jurisdiction(&q.unwrap_or_default()).map_err(parse_err(f))?;
    s.app
        .open311_jurisdiction(j.as_deref())
        .await
        .map_err(app_err(f))?;
    let (code, attrs) = s
        .app
        .open311_service_definition(code)
        .await
        .map_err(app_err(f))?;
    Ok(respond(
        f,
        "service_definition",
        views::definition(&code, attrs),
    ))
}

async fn get_request(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let (id, f) = split(&file)?;
    let j = form::parse_jurisdiction(&q.unwrap_or_default()).map_err(parse_err(f))?;
    let r = s
        .app
        .open311_request(id, j.as_deref())
        .await
        .map_err(app_err(f))?;
    Ok(respond(
        f,
        "service_requests",
        views::requests(std::slice::from_ref(&r)),
    ))
}

async fn get_token(
    State(s): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Answer {
    let (token, f) = split(&file)?;
    let j = form::parse_jurisdiction(&q.unwrap_or_default()).map_err(parse_err(f))?;
    let id = s
        .app
        .open311_token(token, j.as_deref())
        .await
        .map_err(app_err(f))?;
    Ok(respond(f, "service_requests", views::token(&id, token)))
}
