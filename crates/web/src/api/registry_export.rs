//! `GET /api/v1/export/{buildings|dwellings|residents}?division=&grid=&format=csv|xlsx`: the
//! registry out, within the caller's jurisdiction. CSV is streamed as it is read (a county's
//! millions of rows never sit in memory); XLSX is built whole, up to `XLSX_MAX_ROWS`.

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::ApiUser;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use zhili_app::ports::ExportKind;
use zhili_app::registry_export::{csv_bytes, Export, ExportFormat};
use zhili_app::AppError;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct ExportQuery {
    pub division: Option<String>,
    pub grid: Option<String>,
    pub format: Option<String>,
}

pub fn export_kind(raw: &str) -> Result<ExportKind, AppError> {
    ExportKind::parse(raw).ok_or(AppError::NotFound {
        what: "export kind",
    })
}

#[utoipa::path(
    get, path = "/api/v1/export/{kind}", tag = "registry", summary = "导出楼栋、房屋或人口（辖区内；人口脱敏；记入审计）",
    params(("kind" = String, Path, description = "buildings、dwellings 或 residents"), ExportQuery),
    responses(
        (status = 200, description = "CSV（流式）或 XLSX（至多 200,000 行）", content_type = "text/csv"),
        (status = 403, description = "无权导出", body = ErrorBody),
        (status = 404, description = "类型不存在", body = ErrorBody),
        (status = 422, description = "辖区、网格或格式有误", body = ErrorBody),
    ),
)]
pub async fn export(
    State(s): State<AppState>,
    u: ApiUser,
    Path(kind): Path<String>,
    Query(q): Query<ExportQuery>,
) -> ApiResult<Response> {
    let kind = export_kind(&kind)?;
    let e = s
        .app
        .start_export(
            &u.actor,
            kind,
            q.division.as_deref(),
            q.grid.as_deref(),
            q.format.as_deref(),
        )
        .await?;
    respond(e).await.map_err(ApiError)
}

/// The file for an export that has started (and been audited): CSV streamed, XLSX whole.
pub async fn respond(mut e: Export) -> Result<Response, AppError> {
    let name = e.file_name();
    let rows = e.rows.to_string();
    let (content_type, body) = match e.format {
        ExportFormat::Csv => ("text/csv; charset=utf-8", csv_body(e)),
        ExportFormat::Xlsx => {
            let headers = e.kind.headers();
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet_with_constant_memory();
            let xlsx = |x: rust_xlsxwriter::XlsxError| AppError::Internal(x.to_string());
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (c, h) in headers.iter().enumerate() {
                ws.write_string_with_format(0, c as u16, *h, &bold)
                    .map_err(xlsx)?;
            }
            let mut r = 1u32;
            while let Some(page) = e.next_rows().await? {
                for row in page {
                    for (c, v) in row.iter().enumerate() {
                        if !v.is_empty() {
                            ws.write_string(r, c as u16, v).map_err(xlsx)?;
                        }
                    }
                    r += 1;
                }
            }
            let bytes = tokio::task::spawn_blocking(move || wb.save_to_buffer())
                .await
                .map_err(|j| AppError::Internal(j.to_string()))?
                .map_err(xlsx)?;
            (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                Body::from(bytes),
            )
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            // Personal data, even masked: never kept by a cache.
            (header::CACHE_CONTROL, "no-store".to_owned()),
            (header::HeaderName::from_static("x-zhili-rows"), rows),
        ],
        body,
    )
        .into_response())
}

/// The header row, then one chunk per page read. A failure mid-way ends the body with an
/// error, so the client sees a broken download rather than a short file that looks whole.
fn csv_body(e: Export) -> Body {
    let header = csv_bytes(
        &[e.kind.headers().iter().map(|h| (*h).to_owned()).collect()],
        true,
    );
    let first =
        futures_util::stream::once(async move { Ok::<_, std::io::Error>(Bytes::from(header)) });
    let rest = futures_util::stream::try_unfold(e, |mut e| async move {
        match e.next_rows().await {
            Ok(Some(rows)) => Ok(Some((Bytes::from(csv_bytes(&rows, false)), e))),
            Ok(None) => Ok(None),
            Err(err) => {
                tracing::error!(error = %err, "export stopped mid-way");
                Err(std::io::Error::other(err.to_string()))
            }
        }
    });
    Body::from_stream(futures_util::StreamExt::chain(first, rest))
}
