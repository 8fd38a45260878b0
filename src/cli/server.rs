//! `zhili demo` and `zhili serve`.

use super::operator;
use anyhow::{bail, Context, Result};
use clap::Args as ClapArgs;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use zhili_app::demo::DEMO_PASSWORD;
use zhili_app::user::NewUserRequest;
use zhili_app::App;
use zhili_web::AppState;

#[derive(ClapArgs, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ZHILI_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Mark session cookies Secure (set this when Zhili is served over HTTPS).
    #[arg(long, env = "ZHILI_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(ClapArgs, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// Synthetic residents to generate on a new database (default: a small sample in the demo
    /// township).
    #[arg(long)]
    pub residents: Option<u64>,
    /// `yantai`: about 7 million residents across every community (takes minutes).
    #[arg(long)]
    pub scale: Option<String>,
    /// Seed of the synthetic map and population (the same seed gives the same city).
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// Residents in the default demo sample, spread over the demo township's communities.
const DEMO_RESIDENTS: u64 = 3000;
/// The township whose communities hold the default sample (芝罘区向阳街道).
const DEMO_TOWNSHIP: &str = "370602001000";

pub async fn demo(app: &App, data_dir: &Path, d: DemoArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let op = operator(app).await?;
    let (seeded, logins) = app.prepare_demo(&op).await?;
    let map = app.seed_demo_map(&op, d.seed).await?;
    let youyi =
        zhili_domain::DivisionCode::parse("370602001001").map_err(|e| anyhow::anyhow!(e))?;
    app.assign_demo_grid_worker(&op, "youyi-grid", &youyi)
        .await?;
    let people = demo_population(app, &op, &d, map.created).await?;
    app.seed_demo_indices(&op).await?;
    app.ensure_alert_sources(&op).await?;
    println!(
        "治理 Zhili 演示 / demo — 数据目录 data dir: {}",
        data_dir.display()
    );
    println!(
        "  组织：13 区市、159 镇街、6509 村居；{} 个工作区片、{} 个部门、{} 个调解组织（准备用时 {:.1} 秒）",
        seeded.work_areas,
        seeded.departments,
        seeded.bodies,
        t0.elapsed().as_secs_f64()
    );
    println!(
        "  地图：{} 个网格（由真实区市边界合成）；人口：{} 栋楼、{} 套房屋、{} 人（合成，身份证号有效）",
        map.grids, people.buildings, people.dwellings, people.residents
    );
    println!("  演示账号 / demo logins (密码 password: {DEMO_PASSWORD}):");
    for l in &logins {
        println!(
            "    {:<22} {:<12} {} ({})",
            l.username,
            l.role.label(),
            l.node_name,
            l.node
        );
    }
    run_server(app, d.serve).await
}

/// The synthetic population, on a new map only (a restarted demo keeps what it has).
async fn demo_population(
    app: &App,
    op: &zhili_app::Actor,
    d: &DemoArgs,
    new_map: bool,
) -> Result<zhili_app::demo_people::PopulationReport> {
    let yantai = match d.scale.as_deref() {
        None => false,
        Some("yantai") => true,
        Some(other) => bail!("--scale {other}: 只支持 / only `yantai`"),
    };
    if !new_map && d.residents.is_none() && !yantai {
        return Ok(Default::default());
    }
    let (root, residents) = if yantai {
        ("370600000000", d.residents.unwrap_or(7_000_000))
    } else {
        (DEMO_TOWNSHIP, d.residents.unwrap_or(DEMO_RESIDENTS))
    };
    let root = zhili_domain::DivisionCode::parse(root).map_err(|e| anyhow::anyhow!(e))?;
    let communities = app.communities_under(&root).await?;
    let bar =
        indicatif::ProgressBar::new(residents).with_message("生成演示人口 / generating residents");
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let b = bar.clone();
    let plan = zhili_app::demo_people::PopulationPlan {
        residents,
        seed: d.seed,
        communities,
    };
    let r = app
        .seed_demo_population(
            op,
            plan,
            Some(std::sync::Arc::new(move |n| b.set_position(n))),
        )
        .await;
    bar.finish_and_clear();
    Ok(r?)
}

pub async fn serve(app: &App, a: ServeArgs) -> Result<ExitCode> {
    super::ensure_divisions(app).await?;
    if !app.has_users().await? {
        first_account(app).await?;
    }
    run_server(app, a).await
}

/// A new database has no account: ask the operator for the first security admin.
async fn first_account(app: &App) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "数据库中还没有任何账号。请先创建安全管理员 / no account exists yet; create the first security admin with:\n  zhili user add --username NAME --role security_admin --node 370600000000"
        );
    }
    println!(
        "数据库中还没有账号，请创建第一个安全管理员（市级） / create the first security admin:"
    );
    let mut username = String::new();
    eprint!("用户名 username: ");
    std::io::stdin().read_line(&mut username)?;
    let password = rpassword::prompt_password("密码 password (≥10): ")?;
    let op = operator(app).await?;
    let city = op.scope.home().to_string();
    let req = NewUserRequest {
        username: username.trim(),
        password: &password,
        role: "security_admin",
        node: &city,
        display_name: None,
    };
    let u = app.create_user(&op, req).await?;
    println!("已创建 / created {} ({})", u.username, u.role.label());
    Ok(())
}

async fn run_server(app: &App, a: ServeArgs) -> Result<ExitCode> {
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .with_context(|| format!("无法监听 / cannot listen on {}", a.addr))?;
    let addr = listener.local_addr()?;
    let state = AppState {
        app: app.clone(),
        secure_cookies: a.secure_cookies,
        portal_limit: std::sync::Arc::new(zhili_web::limit::RateLimiter::portal()),
    };
    let janitor = tokio::spawn(purge_sessions(app.clone()));
    let scanner = tokio::spawn(scan_deadlines(app.clone()));
    let alerts = tokio::spawn(scan_alerts(app.clone()));
    // Build the point → grid index now rather than on the first located case.
    let warm = app.clone();
    tokio::spawn(async move {
        if let Err(e) = warm.grid_lookup().await {
            tracing::warn!(error = %e, "grid index not built");
        }
    });
    let sender = zhili_web::webhook::HttpSender::new().map_err(anyhow::Error::msg)?;
    // Stopped with the server: a delivery cut short is sent again at the next start.
    let hooks = app.spawn_webhooks(std::sync::Arc::new(sender));
    // Install the signal handlers before announcing the address, so a SIGTERM sent as soon as
    // the server says it listens already shuts it down gracefully.
    let shutdown = shutdown_signal()?;
    println!("已启动 / listening on http://{addr}/  (Ctrl-C 停止 / to stop)");
    zhili_web::serve(listener, state, shutdown).await?;
    janitor.abort();
    scanner.abort();
    alerts.abort();
    hooks.shutdown().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Expired sessions and idempotency keys older than 24 hours go once an hour.
async fn purge_sessions(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match app.purge_sessions().await {
            Ok(n) if n > 0 => tracing::info!(n, "expired sessions removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session purge failed"),
        }
        match app.purge_idempotency_keys().await {
            Ok(n) if n > 0 => tracing::info!(n, "expired idempotency keys removed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "idempotency key purge failed"),
        }
    }
}

/// The deadline scan, once a minute. Its state lives in the database, so a restart neither
/// loses nor repeats a notice.
async fn scan_deadlines(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match app.scan_deadlines().await {
            Ok(r) if r.due_soon + r.overdue > 0 => tracing::info!(
                due_soon = r.due_soon,
                overdue = r.overdue,
                "deadline notices sent"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "deadline scan failed"),
        }
    }
}

/// Alerts nobody acknowledged in time, every 15 seconds (their windows are minutes long).
/// The escalation is marked in the database, so a restart never repeats it.
async fn scan_alerts(app: App) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tick.tick().await;
        match app.scan_alerts().await {
            Ok(n) if n > 0 => tracing::warn!(n, "alerts escalated: not acknowledged in time"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "alert scan failed"),
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM; the handlers are registered when this is called.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        let term = term.recv();
        #[cfg(not(unix))]
        let term = std::future::pending::<Option<()>>();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {},
            _ = term => {},
        }
        tracing::info!("shutting down: finishing requests in flight");
    })
}

/// A demo server on a fresh temporary SQLite database, in this process, for `zhili bench`.
/// Returns its base URL and a guard that keeps the directory alive.
pub async fn spawn_demo_for_bench() -> Result<(String, tempfile::TempDir, App)> {
    let dir = tempfile::tempdir()?;
    let db = std::sync::Arc::new(
        zhili_store::Db::open(&zhili_store::DatabaseUrl::sqlite_in(dir.path())).await?,
    );
    let app = App::new(
        db,
        std::sync::Arc::new(zhili_app::SystemClock),
        zhili_app::Settings::default(),
    );
    app.prepare_demo(&operator(&app).await?).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState {
        app: app.clone(),
        secure_cookies: false,
        portal_limit: std::sync::Arc::new(zhili_web::limit::RateLimiter::portal()),
    };
    tokio::spawn(zhili_web::serve(listener, state, std::future::pending()));
    Ok((base, dir, app))
}
