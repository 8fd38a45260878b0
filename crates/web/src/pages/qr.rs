//! The community's QR poster (解纷码海报), `/admin/qr/{community}`: an A4 page to print and
//! put up, with the QR code as inline SVG made on the server. It encodes the absolute URL of
//! the community's portal page: this server's address as the browser reached it (the Host
//! header), or `?base=https://…` when the public address differs.

use super::{error_page, render};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::Response;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;
use zhili_app::AppError;
use zhili_domain::{Level, ParseError};

#[derive(Template)]
#[template(path = "qr_poster.html")]
struct PosterPage {
    code: String,
    community: String,
    township: String,
    county: String,
    url: String,
    base: String,
    svg: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PosterQuery {
    base: Option<String>,
}

/// A host as a browser may send it: a name or address, optionally with a port.
fn plausible_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 255
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// `https://host[:port][/path]` or `http://…`, nothing that could break out of an attribute;
/// the trailing slash dropped.
fn parse_base(raw: &str) -> Result<String, AppError> {
    let b = raw.trim().trim_end_matches('/');
    let rest = b
        .strip_prefix("https://")
        .or_else(|| b.strip_prefix("http://"));
    let host = rest.map(|r| r.split('/').next().unwrap_or(""));
    let path_ok = rest.is_some_and(|r| {
        r.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"-._~/:[]%".contains(&c))
    });
    if b.len() > 200 || !host.is_some_and(plausible_host) || !path_ok {
        return Err(ParseError::new(
            "base",
            "qr.base_invalid",
            "base 应为网址，如 https://zhili.example.gov.cn",
        )
        .into());
    }
    Ok(b.to_owned())
}

/// Where residents reach this server, as the request says.
fn base_from_request(headers: &HeaderMap, secure: bool) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| plausible_host(h))
        .unwrap_or("localhost");
    let scheme = if secure { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// The QR code of `data` as an inline `<svg>` element (no XML declaration), sized by CSS.
pub fn qr_svg(data: &str) -> Result<String, AppError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let xml = code
        .render::<svg::Color>()
        .module_dimensions(1, 1)
        .quiet_zone(true)
        .build();
    let start = xml.find("<svg").unwrap_or(0);
    Ok(xml[start..].replacen("<svg ", r#"<svg role="img" aria-label="解纷码二维码" "#, 1))
}

/// `GET /admin/qr/{community}`: 404 unless the user sees the community.
pub async fn poster(
    State(s): State<AppState>,
    u: PageUser,
    Path(code): Path<String>,
    Query(q): Query<PosterQuery>,
    headers: HeaderMap,
) -> Response {
    match build(&s, &u, &code, q, &headers).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

async fn build(
    s: &AppState,
    u: &PageUser,
    code: &str,
    q: PosterQuery,
    headers: &HeaderMap,
) -> Result<PosterPage, AppError> {
    let d = s.app.division(&u.actor, code).await?;
    if d.division.level != Level::Community {
        return Err(AppError::NotFound { what: "division" });
    }
    let c = s.app.portal_community(d.division.code.as_str()).await?;
    let (base, given) = match q.base.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        Some(b) => (parse_base(b)?, b.to_owned()),
        None => (base_from_request(headers, s.secure_cookies), String::new()),
    };
    let url = format!("{base}/m/{}", c.code);
    Ok(PosterPage {
        svg: qr_svg(&url)?,
        code: c.code.to_string(),
        community: c.name,
        township: c.township,
        county: c.county,
        url,
        base: given,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_must_be_plain_http_urls() {
        assert_eq!(
            parse_base("https://zhili.example.cn/").unwrap(),
            "https://zhili.example.cn"
        );
        assert!(parse_base("http://10.0.0.5:8080/zhili").is_ok());
        for bad in [
            "javascript:alert(1)",
            "https://",
            "https://a\"b",
            "ftp://x",
            "https://x/<y>",
        ] {
            assert!(parse_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg("http://127.0.0.1:8080/m/370602001001").unwrap();
        assert!(svg.starts_with("<svg role=\"img\""), "{}", &svg[..40]);
        assert!(svg.ends_with("</svg>"));
    }
}
