//! 人口房屋 (the registry) for dispatchers and the roles that read it: the 人房两清 counts of a
//! division, residents (masked) found by ID number or phone, the audited reveal with its
//! purpose, and imports with a progress page that refreshes itself (no JavaScript).

use super::{error_page, render, url_encode, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use zhili_app::import_table::TableSource;
use zhili_app::registry::ResidentView;
use zhili_app::registry_import::{ImportJob, ImportKind, ImportOptions};
use zhili_app::AppError;
use zhili_domain::registry::Consistency;
use zhili_domain::{Page, Paged};

#[derive(Template)]
#[template(path = "registry.html")]
struct RegistryPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    division: String,
    lookup: String,
    c: Consistency,
    residents: Paged<ResidentView>,
    can_import: bool,
    next: Option<String>,
    revealed: Option<ResidentView>,
    error: Option<String>,
    /// (what, CSV link, XLSX link) for the division shown.
    exports: Vec<(&'static str, String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegistryQuery {
    division: String,
    lookup: String,
    page: Option<u32>,
}

pub async fn registry_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<RegistryQuery>,
) -> Response {
    match build(&s, &u, &q, None, None).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

async fn build(
    s: &AppState,
    u: &PageUser,
    q: &RegistryQuery,
    revealed: Option<ResidentView>,
    error: Option<String>,
) -> Result<RegistryPage, AppError> {
    let division = (!q.division.trim().is_empty()).then_some(q.division.trim());
    let lookup = (!q.lookup.trim().is_empty()).then_some(q.lookup.trim());
    let c = s.app.consistency(&u.actor, division, None, None).await?;
    let page = Page::new(q.page, Some(20));
    let residents = s
        .app
        .residents(&u.actor, division, None, lookup, page)
        .await?;
    let next = (i64::from(page.number) * i64::from(page.size) < residents.total).then(|| {
        format!(
            "/registry?division={}&lookup={}&page={}",
            url_encode(&q.division),
            url_encode(&q.lookup),
            page.number + 1
        )
    });
    let exports = [
        ("楼栋", "buildings"),
        ("房屋", "dwellings"),
        ("人口（脱敏）", "residents"),
    ]
    .into_iter()
    .map(|(label, kind)| {
        let link = |format: &str| {
            format!(
                "/registry/export/{kind}?division={}&format={format}",
                url_encode(q.division.trim())
            )
        };
        (label, link("csv"), link("xlsx"))
    })
    .collect();
    Ok(RegistryPage {
        exports,
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        division: q.division.clone(),
        lookup: q.lookup.clone(),
        c,
        residents,
        can_import: u.actor.may(zhili_app::registry::imports_registry),
        next,
        revealed,
        error,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RevealForm {
    csrf: String,
    purpose: String,
}

/// The full record, once, on a page that is not cached.
pub async fn reveal(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<i64>,
    Form(f): Form<RevealForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    let q = RegistryQuery::default();
    let (revealed, error) = match s.app.reveal_resident(&u.actor, id, &f.purpose).await {
        Ok(v) => (Some(v), None),
        Err(AppError::Invalid(e)) => (None, Some(e.message)),
        Err(AppError::Forbidden { .. }) => (
            None,
            Some("您的角色无权查看完整信息；已记录本次尝试。".into()),
        ),
        Err(e) => return error_page(&e),
    };
    match build(&s, &u, &q, revealed, error).await {
        Ok(p) => ([(header::CACHE_CONTROL, "no-store")], render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}

/// Upload a file and watch it import.
pub async fn upload(State(s): State<AppState>, u: PageUser, mut form: Multipart) -> Response {
    let (mut csrf, mut kind, mut skip, mut crs, mut file, mut name) = (
        String::new(),
        String::new(),
        false,
        String::new(),
        None,
        String::new(),
    );
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "kind" => kind = field.text().await.unwrap_or_default(),
            "skip_invalid" => skip = true,
            "crs" => crs = field.text().await.unwrap_or_default(),
            "file" => {
                name = field.file_name().unwrap_or("").to_ascii_lowercase();
                file = field.bytes().await.ok();
            }
            _ => {}
        }
    }
    if let Err(r) = u.check_csrf(&csrf) {
        return r.into_response();
    }
    let (Some(kind), Some(bytes)) = (ImportKind::parse(&kind), file.filter(|b| !b.is_empty()))
    else {
        return again(&s, &u, "请选择导入类型和文件").await;
    };
    let source = if name.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04") {
        TableSource::Xlsx(bytes.to_vec())
    } else if name.ends_with(".geojson") || name.ends_with(".json") {
        TableSource::GeoJson(bytes.to_vec())
    } else {
        TableSource::Csv(Box::new(std::io::Cursor::new(bytes)))
    };
    let opts = ImportOptions {
        skip_invalid: skip,
        gcj02: crs == "gcj02",
        progress: None,
    };
    let id = s.app.start_import(&u.actor, kind, source, opts);
    Redirect::to(&format!("/registry/imports/{id}")).into_response()
}

async fn again(s: &AppState, u: &PageUser, msg: &str) -> Response {
    match build(s, u, &RegistryQuery::default(), None, Some(msg.to_owned())).await {
        Ok(p) => (axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}

#[derive(Template)]
#[template(path = "registry_import.html")]
struct ImportPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    job: ImportJob,
    label: &'static str,
}

pub async fn import_status(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<u64>,
) -> Response {
    match s.app.import_job(&u.actor, id) {
        Ok(job) => render(&ImportPage {
            nav: Nav::of(&u),
            edition_note: EDITION_NOTE,
            label: job.kind.label(),
            job,
        }),
        Err(e) => error_page(&e),
    }
}

/// `GET /registry/export/{kind}?division=&grid=&format=`: the export links of the page, with
/// the session cookie (the same export as `/api/v1/export/{kind}`, audited the same way).
pub async fn export(
    State(s): State<AppState>,
    u: PageUser,
    Path(kind): Path<String>,
    Query(q): Query<crate::api::registry_export::ExportQuery>,
) -> Response {
    let started = match crate::api::registry_export::export_kind(&kind) {
        Ok(kind) => {
            s.app
                .start_export(
                    &u.actor,
                    kind,
                    q.division.as_deref(),
                    q.grid.as_deref(),
                    q.format.as_deref(),
                )
                .await
        }
        Err(e) => Err(e),
    };
    match started {
        Ok(e) => match crate::api::registry_export::respond(e).await {
            Ok(r) => r,
            Err(e) => error_page(&e),
        },
        Err(e) => error_page(&e),
    }
}
