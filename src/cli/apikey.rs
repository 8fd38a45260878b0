//! `zhili apikey add|list`: keys for other systems (alert feeds, Open311 clients).

use super::operator;
use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;
use zhili_app::App;

#[derive(Subcommand, Debug)]
pub enum ApikeyCommand {
    /// Make a key. It is printed once, as the last word of the output; only its hash is kept.
    /// It works at once, without restarting a running server.
    Add {
        /// Who the key is for (shown in lists and the audit log).
        #[arg(long)]
        name: String,
        /// Limit the key to one alert source (fraud-warning, campus-alarm, railway-monitor, …).
        /// Without it the key may post Open311 requests and alerts for any registered source.
        #[arg(long)]
        source: Option<String>,
    },
    /// List the keys (never the keys themselves).
    List,
}

pub async fn apikey(app: &App, c: ApikeyCommand) -> Result<ExitCode> {
    let op = operator(app).await?;
    match c {
        ApikeyCommand::Add { name, source } => {
            let made = app.add_api_key(&op, &name, source.as_deref()).await?;
            println!(
                "已创建 API 密钥 / created API key #{} for {} ({}); 请妥善保存，仅显示一次 / shown once:\n{}",
                made.key.id,
                made.key.name,
                made.key.source.as_deref().unwrap_or("所有来源与 Open311 / any source and Open311"),
                made.secret
            );
        }
        ApikeyCommand::List => {
            for k in app.api_keys(&op).await? {
                println!(
                    "#{}\t{}…\t{}\t{}\t{}",
                    k.id,
                    k.prefix,
                    k.name,
                    k.source.as_deref().unwrap_or("*"),
                    if k.revoked_at_ms.is_some() {
                        "已停用 revoked"
                    } else {
                        "有效 active"
                    }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
