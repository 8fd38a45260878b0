//! Case attachments over the API: `POST` the file's bytes as the body (`?name=` gives its
//! file name; the declared `Content-Type` must match what the bytes are), list, download.

use crate::error::ApiResult;
use crate::error::ErrorBody;
use crate::extract::ApiUser;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zhili_domain::calendar::iso_beijing;
use zhili_domain::case::Attachment;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// 文件名
    name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentResponse {
    id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_at: String,
}

impl From<Attachment> for AttachmentResponse {
    fn from(a: Attachment) -> Self {
        Self {
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            created_at: iso_beijing(a.created_at_ms),
        }
    }
}

#[utoipa::path(
    post, path = "/api/v1/cases/{id}/attachments", tag = "attachments", summary = "上传附件（请求体即文件内容，至多 10 MB）",
    params(("id" = i64, Path, description = "案件 ID"), UploadQuery),
    request_body(content = Vec<u8>, description = "文件内容；`Content-Type` 须与内容相符（JPEG、PNG 或 PDF）", content_type = "application/octet-stream"),
    responses(
        (status = 201, description = "已上传", body = AttachmentResponse),
        (status = 403, description = "无权上传", body = ErrorBody),
        (status = 404, description = "案件不存在或不在辖区内", body = ErrorBody),
        (status = 413, description = "文件过大"),
        (status = 422, description = "文件类型不允许或与声明不符", body = ErrorBody),
    ),
)]
pub async fn upload(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AttachmentResponse>)> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let a = s
        .app
        .add_attachment(
            &u.actor,
            id,
            q.name.as_deref().unwrap_or(""),
            declared,
            body.to_vec(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(a.into())))
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/attachments", tag = "attachments", summary = "案件的附件",
    params(("id" = i64, Path, description = "案件 ID")),
    responses(
        (status = 200, description = "附件", body = Vec<AttachmentResponse>),
        (status = 404, description = "案件不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn list(
    State(s): State<AppState>,
    u: ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AttachmentResponse>>> {
    Ok(Json(
        s.app
            .attachments(&u.actor, id)
            .await?
            .into_iter()
            .map(AttachmentResponse::from)
            .collect(),
    ))
}

/// A file's bytes as a response: its type, and its (possibly Chinese) name RFC 5987-encoded
/// in Content-Disposition (`attachment` to save it, `inline` to show it). The API and the case
/// page both answer downloads with this.
pub fn file_response(a: Attachment, bytes: Vec<u8>, disposition: &str) -> Response {
    let encoded: String = a
        .file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let header_value =
        format!("{disposition}; filename=\"attachment\"; filename*=UTF-8''{encoded}");
    (
        [
            (header::CONTENT_TYPE, a.content_type),
            (header::CONTENT_DISPOSITION, header_value),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(
    get, path = "/api/v1/cases/{id}/attachments/{aid}", tag = "attachments", summary = "下载附件（记入审计）",
    params(("id" = i64, Path, description = "案件 ID"), ("aid" = i64, Path, description = "附件 ID")),
    responses(
        (status = 200, description = "文件内容", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, description = "不存在或不在辖区内", body = ErrorBody),
    ),
)]
pub async fn download(
    State(s): State<AppState>,
    u: ApiUser,
    Path((id, aid)): Path<(i64, i64)>,
) -> ApiResult<Response> {
    let (a, bytes) = s.app.attachment_file(&u.actor, id, aid).await?;
    Ok(file_response(a, bytes, "attachment"))
}
