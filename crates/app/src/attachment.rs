//! Attachments of a case: size- and type-checked (by the file's own bytes), stored on disk
//! under the data directory, recorded with their SHA-256; every download is audited.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::App;
use sha2::{Digest, Sha256};
use zhili_domain::case::{sniff_attachment, Attachment, MAX_ATTACHMENT_BYTES};
use zhili_domain::{Outcome, ParseError, Role};

fn file_error(message: String) -> AppError {
    ParseError::new("file", "case.attachment_invalid", message).into()
}

/// Keep a readable file name, without any path.
fn clean_name(raw: &str) -> Result<String, AppError> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let name: String = base.chars().filter(|c| !c.is_control()).take(100).collect();
    if name.is_empty() {
        return Err(ParseError::new(
            "file_name",
            "case.attachment_name_missing",
            "附件须有文件名",
        )
        .into());
    }
    Ok(name)
}

impl App {
    fn attachments_dir(&self) -> AppResult<std::path::PathBuf> {
        self.settings
            .attachments_dir
            .clone()
            .ok_or(AppError::Internal(
                "no attachments directory configured".into(),
            ))
    }

    /// Attach a file to a case the actor can see and works on.
    pub async fn add_attachment(
        &self,
        actor: &Actor,
        case_id: i64,
        file_name: &str,
        declared_type: Option<&str>,
        bytes: Vec<u8>,
    ) -> AppResult<Attachment> {
        let (case, _) = self.visible_case(actor, case_id).await?;
        if !actor.may(|r| crate::case::registers(r) || r == Role::Dispatcher) {
            self.audit_denied(actor, "case.attach", &format!("case:{case_id}"))
                .await?;
            return Err(AppError::Forbidden {
                why: "this role does not add attachments",
            });
        }
        let file_name = clean_name(file_name)?;
        if bytes.is_empty() {
            return Err(file_error("附件为空".into()));
        }
        if bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(file_error(format!(
                "附件不能超过 {} MB（此文件 {:.1} MB）",
                MAX_ATTACHMENT_BYTES / (1024 * 1024),
                bytes.len() as f64 / 1_048_576.0
            )));
        }
        let Some(kind) = sniff_attachment(&bytes) else {
            return Err(file_error("只接受 JPEG、PNG 图片或 PDF 文件".into()));
        };
        if let Some(d) = declared_type
            .map(|d| d.split(';').next().unwrap_or("").trim())
            .filter(|d| !d.is_empty() && *d != "application/octet-stream")
        {
            if d != kind {
                return Err(file_error(format!(
                    "文件内容是 {kind}，与声明的类型 {d} 不符"
                )));
            }
        }
        let dir = self.attachments_dir()?.join(case_id.to_string());
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| AppError::Internal(format!("attachments dir: {e}")))?;
        let stored_name = format!("{case_id}/{}", crate::auth::random_token());
        let path = self.attachments_dir()?.join(&stored_name);
        tokio::fs::write(&path, &bytes)
            .await
            .map_err(|e| AppError::Internal(format!("writing attachment: {e}")))?;
        // Durable before it is acknowledged, like the row that points at it.
        if let Ok(f) = tokio::fs::File::open(&path).await {
            let _ = f.sync_all().await;
        }
        let now = self.now_ms();
        let a = Attachment {
            id: 0,
            case_id,
            file_name: file_name.clone(),
            content_type: kind.into(),
            size: bytes.len() as i64,
            sha256: hex::encode(Sha256::digest(&bytes)),
            stored_name,
            uploaded_by: actor.user.as_ref().map(|u| u.id),
            created_at_ms: now,
        };
        let state = case.state;
        let mut event = self.case_event(
            actor,
            now,
            "attach",
            Some(state),
            state,
            String::new(),
            String::new(),
        );
        event.payload = format!(
            "{{\"file_name\":\"{}\"}}",
            file_name.replace(['"', '\\'], "")
        );
        let audit = actor.audit(
            now,
            "case.attach",
            format!("case:{case_id}"),
            Outcome::Success,
            format!("{} ({} bytes)", file_name, a.size),
        );
        match self.store.add_attachment(&a, event, audit).await {
            Ok(saved) => Ok(saved),
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                Err(e.into())
            }
        }
    }

    pub async fn attachments(&self, actor: &Actor, case_id: i64) -> AppResult<Vec<Attachment>> {
        self.visible_case(actor, case_id).await?;
        Ok(self.store.attachments(case_id).await?)
    }

    /// One attachment's bytes; the read is audited.
    pub async fn attachment_file(
        &self,
        actor: &Actor,
        case_id: i64,
        attachment_id: i64,
    ) -> AppResult<(Attachment, Vec<u8>)> {
        let a = self
            .attachments(actor, case_id)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(AppError::NotFound { what: "attachment" })?;
        let bytes = tokio::fs::read(self.attachments_dir()?.join(&a.stored_name))
            .await
            .map_err(|e| AppError::Internal(format!("reading attachment: {e}")))?;
        let e = actor.audit(
            self.now_ms(),
            "case.read_attachment",
            format!("case:{case_id}"),
            Outcome::Success,
            a.file_name.clone(),
        );
        self.store.append_audit(e).await?;
        Ok((a, bytes))
    }
}
