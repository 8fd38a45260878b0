//! The `zhili` binary as an operator uses it: flags, exit codes and what it prints.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn zhili(data_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhili"));
    cmd.args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env_remove("ZHILI_DATABASE_URL")
        .env("ZHILI_LOG", "warn");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run zhili");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn an_unsupported_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = zhili(
        dir.path(),
        &["migrate", "--database-url", "mysql://root@localhost/zhili"],
        None,
    );
    assert!(!o.status.success());
    let t = text(&o);
    assert!(t.contains("sqlite://") && t.contains("postgres://"), "{t}");
}

#[test]
fn importing_the_divisions_twice_changes_nothing_the_second_time() {
    let dir = tempfile::tempdir().unwrap();
    let first = zhili(dir.path(), &["import", "divisions"], None);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("新增 inserted 6682"),
        "{}",
        text(&first)
    );
    let again = zhili(dir.path(), &["import", "divisions"], None);
    assert!(
        text(&again).contains("新增 inserted 0, 更新 updated 0"),
        "{}",
        text(&again)
    );
}

#[test]
fn a_bad_divisions_directory_names_file_line_and_column_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let src = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/yantai-divisions");
    for f in ["city.csv", "counties.csv", "towns.csv"] {
        std::fs::copy(data.join(f), src.path().join(f)).unwrap();
    }
    let mut villages = std::fs::read_to_string(data.join("villages.csv")).unwrap();
    villages = villages.replacen(
        "370602001002,建昌街社区居民委员会,370602001000,residents_committee",
        "370602001002,建昌街社区居民委员会,370602001000,hamlet",
        1,
    );
    std::fs::write(src.path().join("villages.csv"), villages).unwrap();
    let o = zhili(
        dir.path(),
        &["import", "divisions", src.path().to_str().unwrap()],
        None,
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("villages.csv:3: kind"), "{}", text(&o));
    let ok = zhili(dir.path(), &["import", "divisions"], None);
    assert!(
        text(&ok).contains("新增 inserted 6682"),
        "the failed import wrote nothing: {}",
        text(&ok)
    );
}

#[test]
fn serve_never_creates_a_default_account_and_user_add_makes_the_first_one() {
    let dir = tempfile::tempdir().unwrap();
    let o = zhili(dir.path(), &["serve", "--addr", "127.0.0.1:0"], None);
    assert!(
        !o.status.success(),
        "serve without an account and without a terminal must stop"
    );
    assert!(text(&o).contains("zhili user add"), "{}", text(&o));
    let weak = zhili(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "chief",
            "--role",
            "security_admin",
            "--node",
            "370600000000",
            "--password-stdin",
        ],
        Some("short\n"),
    );
    assert!(
        !weak.status.success() && text(&weak).contains("密码"),
        "{}",
        text(&weak)
    );
    let ok = zhili(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "chief",
            "--role",
            "security_admin",
            "--node",
            "370600000000",
            "--password-stdin",
        ],
        Some("Safe-pass-2026\n"),
    );
    assert!(ok.status.success(), "{}", text(&ok));
    assert!(text(&ok).contains("chief"));
}

#[test]
fn audit_verify_passes_on_an_untouched_log_and_fails_on_an_edited_one() {
    let dir = tempfile::tempdir().unwrap();
    assert!(zhili(dir.path(), &["import", "divisions"], None)
        .status
        .success());
    let ok = zhili(dir.path(), &["audit", "verify"], None);
    assert!(
        ok.status.success() && text(&ok).contains("intact: 1 records"),
        "{}",
        text(&ok)
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let db = zhili_store::Db::open(&zhili_store::DatabaseUrl::sqlite_in(dir.path()))
            .await
            .unwrap();
        db.execute_raw("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
        db.execute_raw("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1")
            .await
            .unwrap();
        db.close().await;
    });
    let bad = zhili(dir.path(), &["audit", "verify"], None);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(
        text(&bad).contains("TAMPERED at record 1"),
        "{}",
        text(&bad)
    );
}

#[test]
fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    assert!(zhili(
        dir.path(),
        &[
            "user",
            "add",
            "--username",
            "chief",
            "--role",
            "security_admin",
            "--node",
            "370600000000",
            "--password-stdin"
        ],
        Some("Safe-pass-2026\n")
    )
    .status
    .success());
    let mut child = Command::new(env!("CARGO_BIN_EXE_zhili"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("ZHILI_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 512];
    while !seen.contains("listening on") {
        let n = std::io::Read::read(&mut out, &mut buf).unwrap();
        assert!(n > 0, "serve exited before listening: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "a SIGTERM ends serve cleanly: {status:?}");
}

#[test]
fn a_bad_deadlines_file_in_the_data_directory_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("deadlines.csv"),
        "kind,category,level,limit\ndispute,,community,10d\nhazard,,,soon\n",
    )
    .unwrap();
    let o = zhili(dir.path(), &["migrate"], None);
    assert!(!o.status.success());
    assert!(
        text(&o).contains("deadlines.csv") && text(&o).contains("第 3 行"),
        "{}",
        text(&o)
    );
}

#[test]
fn report_publish_numbers_each_issue_and_refuses_an_unknown_index_or_period() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "report",
        "publish",
        "--index",
        "mediation",
        "--period",
        "2026-10",
    ];
    let first = zhili(dir.path(), &args, None);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("第1期"), "{}", text(&first));
    let second = zhili(dir.path(), &args, None);
    assert!(text(&second).contains("第2期"), "{}", text(&second));
    let unknown = zhili(
        dir.path(),
        &[
            "report", "publish", "--index", "nope", "--period", "2026-10",
        ],
        None,
    );
    assert!(!unknown.status.success(), "{}", text(&unknown));
    let bad = zhili(
        dir.path(),
        &[
            "report", "publish", "--index", "safety", "--period", "2026-13",
        ],
        None,
    );
    assert!(!bad.status.success());
    assert!(text(&bad).contains("YYYY-MM"), "{}", text(&bad));
}
