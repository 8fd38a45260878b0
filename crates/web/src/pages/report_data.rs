//! 部门数据上报 (`/reports/data`): the back office picks an index and a period, uploads the
//! departments' CSV or XLSX, and sees either the version written or every error by row and
//! column (nothing written); below, the index's past uploads. `/reports/data/template.csv`
//! is a file to fill in with the right header and a row per county.

use super::{beijing_minute, error_page, render, url_encode, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use zhili_app::index::{month_of, specs};
use zhili_app::index_data::{importable_labelled, RowError};
use zhili_app::AppError;

#[derive(Template)]
#[template(path = "report_data.html")]
struct DataPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    csrf: String,
    indices: Vec<(String, String)>,
    index: String,
    index_name: String,
    period: String,
    template_url: String,
    columns: Vec<(String, String)>,
    /// `(version, rows)` of the upload just written.
    written: Option<(i64, i64)>,
    error: Option<String>,
    errors: Vec<RowError>,
    /// Version, who, when, values.
    uploads: Vec<(i64, String, String, i64)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DataQuery {
    index: String,
    period: String,
    /// The version just written (after the redirect).
    uploaded: Option<i64>,
}

async fn build(
    s: &AppState,
    u: &PageUser,
    index: &str,
    period: &str,
    uploaded: Option<i64>,
) -> Result<DataPage, AppError> {
    let spec = specs()
        .iter()
        .find(|x| x.id == index)
        .or_else(|| specs().first())
        .ok_or(AppError::NotFound { what: "index" })?;
    let uploads = s.app.index_uploads(&u.actor, &spec.id).await?;
    let period = if period.trim().is_empty() {
        month_of(s.app.now_ms()).to_string()
    } else {
        period.trim().to_owned()
    };
    Ok(DataPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        csrf: u.csrf.clone(),
        indices: specs()
            .iter()
            .map(|x| (x.id.clone(), x.name.clone()))
            .collect(),
        index: spec.id.clone(),
        index_name: spec.name.clone(),
        template_url: format!(
            "/reports/data/template.csv?index={}&period={}",
            url_encode(&spec.id),
            url_encode(&period)
        ),
        period,
        columns: importable_labelled(&spec.id)?,
        written: uploaded.and_then(|v| {
            uploads
                .iter()
                .find(|x| x.version == v)
                .map(|x| (x.version, x.rows))
        }),
        error: None,
        errors: Vec::new(),
        uploads: uploads
            .into_iter()
            .map(|x| {
                (
                    x.version,
                    x.uploaded_by,
                    beijing_minute(x.uploaded_at_ms),
                    x.rows,
                )
            })
            .collect(),
    })
}

pub async fn data_page(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DataQuery>,
) -> Response {
    match build(&s, &u, &q.index, &q.period, q.uploaded).await {
        Ok(p) => ([(header::CACHE_CONTROL, "no-store")], render(&p)).into_response(),
        Err(e) => error_page(&e),
    }
}

/// The upload: a multipart form with `csrf`, `index`, `period` and `file`.
pub async fn upload(State(s): State<AppState>, u: PageUser, mut form: Multipart) -> Response {
    let (mut csrf, mut index, mut period, mut file, mut name) = (
        String::new(),
        String::new(),
        String::new(),
        None,
        String::new(),
    );
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "csrf" => csrf = field.text().await.unwrap_or_default(),
            "index" => index = field.text().await.unwrap_or_default(),
            "period" => period = field.text().await.unwrap_or_default(),
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
    let refuse = |page: Result<DataPage, AppError>| match page {
        Ok(p) => (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response(),
        Err(e) => error_page(&e),
    };
    let Some(bytes) = file.filter(|b| !b.is_empty()) else {
        let page = build(&s, &u, &index, &period, None).await.map(|mut p| {
            p.error = Some("请选择要上传的 CSV 或 XLSX 文件".into());
            p
        });
        return refuse(page);
    };
    let xlsx = name.ends_with(".xlsx") || bytes.starts_with(b"PK\x03\x04");
    let result = s
        .app
        .import_index_data(&u.actor, &index, &bytes, xlsx, Some(&period))
        .await;
    match result {
        Ok(r) if r.errors.is_empty() => Redirect::to(&format!(
            "/reports/data?index={}&period={}&uploaded={}",
            url_encode(&index),
            url_encode(period.trim()),
            r.version.unwrap_or(0)
        ))
        .into_response(),
        Ok(r) => {
            let page = build(&s, &u, &index, &period, None).await.map(|mut p| {
                p.error = Some(format!(
                    "文件未通过校验，共 {} 处错误，未写入任何数据。请改正后重新上传。",
                    r.errors.len()
                ));
                p.errors = r.errors;
                p
            });
            refuse(page)
        }
        Err(e @ AppError::Invalid(_)) => {
            let message = crate::error::describe(&e).1.message;
            let page = build(&s, &u, &index, "", None).await.map(|mut p| {
                p.error = Some(message);
                p
            });
            refuse(page)
        }
        Err(e) => error_page(&e),
    }
}

/// `/reports/data/template.csv?index=…&period=…`: the file to fill in (UTF-8 with a BOM, so
/// that spreadsheet programs read the Chinese names).
pub async fn template(
    State(s): State<AppState>,
    u: PageUser,
    Query(q): Query<DataQuery>,
) -> Response {
    let period = if q.period.trim().is_empty() {
        month_of(s.app.now_ms()).to_string()
    } else {
        q.period.trim().to_owned()
    };
    match s.app.index_data_template(&u.actor, &q.index, &period).await {
        Ok(csv) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}-{period}.csv\"", q.index),
                ),
            ],
            format!("\u{feff}{csv}"),
        )
            .into_response(),
        Err(e) => error_page(&e),
    }
}
