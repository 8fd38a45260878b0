//! Case attachments' records (the files themselves are on disk, written by the app).

use crate::{run, Db};
use zhili_app::ports::{NewCaseEvent, StoreResult};
use zhili_domain::case::Attachment;
use zhili_domain::AuditEntry;

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: i64,
    case_id: i64,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    stored_name: String,
    uploaded_by: Option<i64>,
    created_at: i64,
}

impl Db {
    pub(crate) async fn add_attachment_impl(
        &self,
        a: &Attachment,
        event: NewCaseEvent,
        audit: AuditEntry,
    ) -> StoreResult<Attachment> {
        run(async {
            let id: i64 = on_write!(self, |tx| {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO case_attachments (case_id, file_name, content_type, size, sha256, stored_name, uploaded_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(a.case_id)
                .bind(&a.file_name)
                .bind(&a.content_type)
                .bind(a.size)
                .bind(&a.sha256)
                .bind(&a.stored_name)
                .bind(a.uploaded_by)
                .bind(a.created_at_ms)
                .fetch_one(&mut *tx)
                .await?;
                crate::case::insert_event_public!(tx, a.case_id, &event);
                append_audit!(tx, audit);
                id
            });
            Ok(Attachment { id, ..a.clone() })
        })
        .await
    }

    pub(crate) async fn attachments_impl(&self, case_id: i64) -> StoreResult<Vec<Attachment>> {
        run(async {
            let rows: Vec<AttachmentRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, case_id, file_name, content_type, size, sha256, stored_name, uploaded_by, created_at FROM case_attachments WHERE case_id = $1 ORDER BY id"
            )
            .bind(case_id)
            .fetch_all(p)
            .await?);
            Ok(rows
                .into_iter()
                .map(|r| Attachment {
                    id: r.id,
                    case_id: r.case_id,
                    file_name: r.file_name,
                    content_type: r.content_type,
                    size: r.size,
                    sha256: r.sha256,
                    stored_name: r.stored_name,
                    uploaded_by: r.uploaded_by,
                    created_at_ms: r.created_at,
                })
                .collect())
        })
        .await
    }
}
