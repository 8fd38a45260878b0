//! Attachments from the case page: upload (multipart, CSRF-checked) and download.

use super::{case::parse_id, error_page};
use crate::extract::PageUser;
use crate::AppState;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use zhili_app::AppError;
use zhili_domain::ParseError;

pub async fn upload(
    State(s): State<AppState>,
    u: PageUser,
    Path(id): Path<String>,
    mut form: Multipart,
) -> Response {
    let id = match parse_id(&id) {
        Ok(id) => id,
        Err(e) => return error_page(&e),
    };
    let (mut csrf, mut file) = (String::new(), None);
    loop {
        match form.next_field().await {
            Ok(Some(field)) => match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    let ctype = field.content_type().map(str::to_owned);
                    match field.bytes().await {
                        Ok(b) => file = Some((name, ctype, b.to_vec())),
                        Err(_) => {
                            return error_page(
                                &ParseError::new(
                                    "file",
                                    "case.attachment_invalid",
                                    "附件过大或上传中断（每个不超过 10 MB）",
                                )
                                .into(),
                            )
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return error_page(
                    &ParseError::new("file", "case.attachment_invalid", "无法读取上传的表单")
                        .into(),
                )
            }
        }
    }
    if let Err(r) = u.check_csrf(&csrf) {
        return r.into_response();
    }
    let Some((name, ctype, bytes)) = file else {
        return error_page(
            &ParseError::new("file", "case.attachment_invalid", "请选择要上传的文件").into(),
        );
    };
    match s
        .app
        .add_attachment(&u.actor, id, &name, ctype.as_deref(), bytes)
        .await
    {
        Ok(_) => Redirect::to(&format!("/cases/{id}")).into_response(),
        Err(e) => error_page(&e),
    }
}

pub async fn download(
    State(s): State<AppState>,
    u: PageUser,
    Path((id, aid)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(aid)) = (parse_id(&id), aid.parse::<i64>()) else {
        return error_page(&AppError::NotFound { what: "attachment" });
    };
    match s.app.attachment_file(&u.actor, id, aid).await {
        Ok((a, bytes)) => crate::api::attachment::file_response(a, bytes, "inline"),
        Err(e) => error_page(&e),
    }
}
