//! `zhili report publish --index ID --period YYYY-MM`: the next numbered issue (第N期) of an
//! index report, computed now and stored; safe while the server runs on the same database
//! (the number is allocated inside the write transaction).

use anyhow::Result;
use clap::Subcommand;
use std::process::ExitCode;
use zhili_app::App;

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// Publish the next issue of an index report (`safety`, `mediation`).
    Publish {
        #[arg(long)]
        index: String,
        /// `YYYY-MM` (or `YYYY-Qn`).
        #[arg(long)]
        period: String,
    },
}

pub async fn report(app: &App, c: ReportCommand) -> Result<ExitCode> {
    match c {
        ReportCommand::Publish { index, period } => {
            let op = super::operator(app).await?;
            super::ensure_divisions(app).await?;
            let no = app.publish_report(&op, &index, &period).await?;
            println!("已发布 / published {index} 第{no}期 ({period}): /reports/{index}/{no}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
