//! Commands: `demo`, `serve`, `migrate`, `import divisions`, `user add`, `apikey add`, `audit verify`,
//! `bench`, `index compute` (the last two open no database).
//! Configuration comes from flags, each with a `ZHILI_…` environment variable behind it.

mod admin;
mod apikey;
mod bench;
mod bench_alerts;
mod bench_import;
mod bench_index;
mod bench_list;
mod index;
mod registry_import;
mod report;
mod server;
mod webhook;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use zhili_app::{Actor, App, Settings, SystemClock};
use zhili_domain::{DivisionCode, Scope};
use zhili_store::{DatabaseUrl, Db};

#[derive(Parser, Debug)]
#[command(
    name = "zhili",
    version,
    about = "治理 Zhili：基层社会治理平台 / grassroots social governance platform"
)]
pub struct Args {
    /// Where the embedded database and files live.
    #[arg(
        long,
        global = true,
        env = "ZHILI_DATA_DIR",
        default_value = "./zhili-data"
    )]
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…` (default: SQLite in the data directory).
    #[arg(long, global = true, env = "ZHILI_DATABASE_URL")]
    pub database_url: Option<String>,
    /// The registry's encryption key, 64 hex characters (default: `DATA_DIR/registry.key`,
    /// created on first use). Keep it secret and back it up: without it the ID numbers and
    /// phones stored in the registry cannot be read.
    #[arg(
        long,
        global = true,
        env = "ZHILI_REGISTRY_KEY",
        hide_env_values = true
    )]
    pub registry_key: Option<String>,
    /// Log as JSON lines (for collectors) instead of text.
    #[arg(long, global = true, env = "ZHILI_LOG_JSON")]
    pub log_json: bool,
    #[command(flatten)]
    pub webhooks: webhook::WebhookArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Demo: migrate, load Yantai's divisions, seed bodies and demo accounts, serve.
    Demo(server::DemoArgs),
    /// Serve the web UI and API (asks for the first account on a new database).
    Serve(server::ServeArgs),
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Import data.
    #[command(subcommand)]
    Import(admin::ImportCommand),
    /// Manage accounts.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Benchmarks over HTTP (report their figures with the machine they ran on).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Composite indices from a spec file and a data file, without a database.
    #[command(subcommand)]
    Index(index::IndexCommand),
    /// API keys for other systems (alert feeds, Open311 clients).
    #[command(subcommand)]
    Apikey(apikey::ApikeyCommand),
    /// Index reports (指数报告): publish the next numbered issue.
    #[command(subcommand)]
    Report(report::ReportCommand),
}

/// The registry's keys: from configuration, or `DATA_DIR/registry.key` (created, mode 0600).
fn registry_vault(
    configured: Option<&str>,
    data_dir: &std::path::Path,
) -> Result<zhili_app::vault::Vault> {
    use zhili_app::vault::Vault;
    if let Some(k) = configured {
        return Vault::from_hex(k).context("--registry-key / ZHILI_REGISTRY_KEY");
    }
    let path = data_dir.join("registry.key");
    if !path.exists() {
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("creating {}", data_dir.display()))?;
        let mut f = std::fs::OpenOptions::new();
        f.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut f, 0o600);
        match f.open(&path) {
            Ok(mut file) => {
                std::io::Write::write_all(&mut file, Vault::generate_hex().as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
                tracing::warn!(file = %path.display(), "created a new registry key: back it up");
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    Vault::from_hex(&text).with_context(|| path.display().to_string())
}

pub fn init_tracing(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ZHILI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=error,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn run(args: Args) -> Result<ExitCode> {
    if let Command::Bench(b) = args.command {
        return bench::bench(b).await;
    }
    let args = match args.command {
        Command::Index(c) => return index::index(c),
        _ => args,
    };
    // Checked before the database is touched: a bad flag changes nothing.
    let webhooks = args.webhooks.settings()?;
    let url = match &args.database_url {
        Some(raw) => DatabaseUrl::parse(raw)?,
        None => DatabaseUrl::sqlite_in(&args.data_dir),
    };
    let db = Arc::new(
        Db::open(&url)
            .await
            .with_context(|| format!("打开数据库 / opening {}", url.redacted()))?,
    );
    tracing::info!(database = %url.redacted(), "database ready");
    let mut settings = Settings {
        attachments_dir: Some(args.data_dir.join("attachments")),
        webhooks,
        ..Settings::default()
    };
    let custom = args.data_dir.join("deadlines.csv");
    if custom.exists() {
        let text = std::fs::read_to_string(&custom)
            .with_context(|| format!("读取 / reading {}", custom.display()))?;
        settings.deadlines = zhili_domain::deadline::parse_rules(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", custom.display(), e.message))?;
        tracing::info!(file = %custom.display(), rules = settings.deadlines.len(), "deadline rules loaded");
    }
    settings.vault = Some(registry_vault(
        args.registry_key.as_deref(),
        &args.data_dir,
    )?);
    let app = App::new(db.clone(), Arc::new(SystemClock), settings);
    let code = match args.command {
        Command::Demo(a) => server::demo(&app, &args.data_dir, a).await?,
        Command::Serve(a) => server::serve(&app, a).await?,
        Command::Migrate => {
            println!(
                "数据库已是最新结构 / schema is up to date ({})",
                url.redacted()
            );
            ExitCode::SUCCESS
        }
        Command::Import(c) => admin::import(&app, c).await?,
        Command::User(c) => admin::user(&app, c).await?,
        Command::Audit(c) => admin::audit(&app, c).await?,
        Command::Report(c) => report::report(&app, c).await?,
        Command::Apikey(c) => apikey::apikey(&app, c).await?,
        Command::Bench(_) | Command::Index(_) => {
            unreachable!("handled before the database opens")
        }
    };
    db.close().await;
    Ok(code)
}

/// The operator at this terminal, acting on the whole city.
pub async fn operator(app: &App) -> Result<Actor> {
    let city = match app.city().await? {
        Some(c) => c.code,
        None => DivisionCode::parse("370600000000").map_err(|e| anyhow::anyhow!(e))?,
    };
    Ok(Actor::operator(Scope::Subtree(city)))
}

/// A new database gets the built-in divisions, the case taxonomy and the routing rules
/// before anything needs them.
pub async fn ensure_divisions(app: &App) -> Result<()> {
    app.ensure_case_setup(&operator(app).await?).await?;
    if app.division_count().await? == 0 {
        let files = zhili_app::division::DivisionFiles::embedded();
        let r = app.import_divisions(&operator(app).await?, &files).await?;
        println!(
            "已导入内置区划 / imported the built-in divisions: {} 区市, {} 镇街, {} 村居 (NBS {})",
            r.counties, r.townships, r.communities, r.edition
        );
    }
    Ok(())
}
