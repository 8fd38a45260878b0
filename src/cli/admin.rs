//! `zhili import …`, `zhili user …`, `zhili audit …`: the operator's commands.

use super::operator;
use anyhow::{bail, Context, Result};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use zhili_app::division::DivisionFiles;
use zhili_app::registry_import::ImportKind;
use zhili_app::user::NewUserRequest;
use zhili_app::App;

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Load the divisions: city.csv, counties.csv, towns.csv, villages.csv from DIR
    /// (the built-in Yantai data when DIR is omitted). Idempotent; all-or-nothing.
    Divisions {
        dir: Option<PathBuf>,
        /// NBS edition year of the files.
        #[arg(long, default_value_t = 2023)]
        edition: i32,
    },
    /// Grids (GeoJSON, CSV or XLSX): all-or-nothing unless --skip-invalid.
    Grids(RegistryImport),
    /// Buildings (CSV or XLSX).
    Buildings(RegistryImport),
    /// Dwellings (CSV or XLSX).
    Dwellings(RegistryImport),
    /// Residents (CSV or XLSX): name,id_number,phone,community_code[,…].
    Residents(RegistryImport),
    /// Occupancy links (CSV or XLSX): id_number,dwelling_code,kind[,from,to].
    Occupancy(RegistryImport),
}

#[derive(clap::Args, Debug)]
pub struct RegistryImport {
    /// The file (.csv, .xlsx, .geojson/.json).
    pub file: PathBuf,
    /// Import the valid rows and report exactly which were skipped.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Coordinate system of the file: wgs84 (default) or gcj02 (Chinese web maps).
    #[arg(long, default_value = "wgs84")]
    pub crs: String,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account. The password is asked for, or read from stdin with --password-stdin.
    Add {
        #[arg(long)]
        username: String,
        /// security_admin, system_admin, auditor, leader, dispatcher, window_clerk, mediator, grid_worker, department_handler
        #[arg(long)]
        role: String,
        /// A division code, or the code of a work area, department or body.
        #[arg(long)]
        node: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the whole hash chain; exits 1 when a record was edited, deleted or inserted.
    Verify,
}

pub async fn import(app: &App, c: ImportCommand) -> Result<ExitCode> {
    let (kind, args) = match c {
        ImportCommand::Divisions { dir, edition } => {
            return import_divisions(app, dir, edition).await
        }
        ImportCommand::Grids(a) => (ImportKind::Grids, a),
        ImportCommand::Buildings(a) => (ImportKind::Buildings, a),
        ImportCommand::Dwellings(a) => (ImportKind::Dwellings, a),
        ImportCommand::Residents(a) => (ImportKind::Residents, a),
        ImportCommand::Occupancy(a) => (ImportKind::Occupancy, a),
    };
    super::registry_import::run(app, &operator(app).await?, kind, args).await
}

async fn import_divisions(app: &App, dir: Option<PathBuf>, edition: i32) -> Result<ExitCode> {
    let files = match dir {
        None => DivisionFiles::embedded(),
        Some(d) => {
            let read = |name: &str| {
                std::fs::read_to_string(d.join(name))
                    .with_context(|| format!("读取 / reading {}", d.join(name).display()))
            };
            DivisionFiles {
                city: read("city.csv")?,
                counties: read("counties.csv")?,
                towns: read("towns.csv")?,
                villages: read("villages.csv")?,
                edition,
            }
        }
    };
    let spinner = ProgressBar::new_spinner().with_message("导入区划 / importing divisions…");
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    let r = app.import_divisions(&operator(app).await?, &files).await;
    spinner.finish_and_clear();
    let r = r?;
    println!(
        "区划导入完成 / divisions imported (NBS {}): {} 区市, {} 镇街, {} 村居 — 新增 inserted {}, 更新 updated {}",
        r.edition, r.counties, r.townships, r.communities, r.inserted, r.updated
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn user(app: &App, c: UserCommand) -> Result<ExitCode> {
    let UserCommand::Add {
        username,
        role,
        node,
        display_name,
        password_stdin,
    } = c;
    super::ensure_divisions(app).await?;
    let password = if password_stdin || !std::io::stdin().is_terminal() {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let p = rpassword::prompt_password("密码 password (≥10): ")?;
        if rpassword::prompt_password("再次输入 again: ")? != p {
            bail!("两次输入的密码不一致 / the passwords differ");
        }
        p
    };
    let req = NewUserRequest {
        username: &username,
        password: &password,
        role: &role,
        node: &node,
        display_name: display_name.as_deref(),
    };
    let u = app.create_user(&operator(app).await?, req).await?;
    println!(
        "已创建账号 / created: {} · {} · {} (id {})",
        u.username,
        u.role.label(),
        u.node,
        u.id
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn audit(app: &App, c: AuditCommand) -> Result<ExitCode> {
    let AuditCommand::Verify = c;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} 校验审计链 / verifying: {pos} 条 records")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    let r = app
        .verify_audit(&operator(app).await?, |n| bar.set_position(n as u64))
        .await;
    bar.finish_and_clear();
    let r = r?;
    match r.broken {
        None => {
            println!(
                "审计日志完整 / audit log intact: {} records, head {}",
                r.records, r.head
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(why) => {
            println!(
                "审计日志被篡改 / audit log TAMPERED at record {}: {why}",
                r.broken_at.unwrap_or(0)
            );
            Ok(ExitCode::from(1))
        }
    }
}
