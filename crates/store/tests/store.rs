//! The store suite: every test runs on SQLite and, when `ZHILI_TEST_PG_URL` is set, on
//! PostgreSQL too (each test in a schema of its own). It drives the store through the app's
//! use cases, as the product does.

use std::sync::Arc;
use zhili_app::auth::LoginOk;
use zhili_app::division::DivisionFiles;
use zhili_app::ports::{AuditQuery, SessionKind};
use zhili_app::user::NewUserRequest;
use zhili_app::{Actor, App, AppError, ManualClock, Settings};
use zhili_domain::{DivisionCode, NodeCode, Page, Scope};
use zhili_store::testing::TestDb;
use zhili_store::Db;

#[path = "store_case_list/mod.rs"]
mod case_list;
#[path = "store_idempotency/mod.rs"]
mod idempotency;
#[path = "store_index/mod.rs"]
mod index;
#[path = "store_webhook/mod.rs"]
mod webhook;

const T0: i64 = 1_790_000_000_000;

struct Backend {
    label: &'static str,
    db: Arc<Db>,
    app: App,
    clock: Arc<ManualClock>,
    _t: TestDb,
}

async fn backends() -> Vec<Backend> {
    TestDb::all()
        .await
        .into_iter()
        .map(|t| {
            let clock = Arc::new(ManualClock::at(T0));
            let app = App::new(t.db.clone(), clock.clone(), Settings::default());
            Backend {
                label: t.label,
                db: t.db.clone(),
                app,
                clock,
                _t: t,
            }
        })
        .collect()
}

fn code(s: &str) -> DivisionCode {
    DivisionCode::parse(s).unwrap()
}

fn operator() -> Actor {
    Actor::operator(Scope::Subtree(code("370600000000")))
}

async fn seeded(b: &Backend) {
    b.app
        .import_divisions(&operator(), &DivisionFiles::embedded())
        .await
        .unwrap();
    b.app.seed_organisation(&operator()).await.unwrap();
}

async fn user(b: &Backend, username: &str, role: &str, node: &str) -> LoginOk {
    let req = NewUserRequest {
        username,
        password: "Acc-pass-12345",
        role,
        node,
        display_name: None,
    };
    b.app
        .create_user(&operator(), req)
        .await
        .unwrap_or_else(|e| panic!("{}: create {username}: {e}", b.label));
    b.app
        .login(username, "Acc-pass-12345", SessionKind::Bearer, "127.0.0.1")
        .await
        .unwrap()
}

async fn actor(b: &Backend, login: &LoginOk) -> Actor {
    b.app
        .authenticate(&login.token, SessionKind::Bearer, "127.0.0.1")
        .await
        .unwrap()
        .0
}

#[test]
fn migration_folders_have_identical_file_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> =
            std::fs::read_dir(format!("{}/migrations/{dir}", env!("CARGO_MANIFEST_DIR")))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
        v.sort();
        v
    };
    let (sqlite, pg) = (names("sqlite"), names("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, pg,
        "every migration exists for both backends under the same name"
    );
}

#[tokio::test]
async fn importing_the_divisions_gives_the_real_counts_and_rerunning_changes_nothing() {
    for b in backends().await {
        let first = b
            .app
            .import_divisions(&operator(), &DivisionFiles::embedded())
            .await
            .unwrap();
        assert_eq!((first.inserted, first.updated), (6682, 0), "{}", b.label);
        let again = b
            .app
            .import_divisions(&operator(), &DivisionFiles::embedded())
            .await
            .unwrap();
        assert_eq!((again.inserted, again.updated), (0, 0), "{}", b.label);
        let city = b.app.division(&operator(), "370600000000").await.unwrap();
        assert_eq!(
            (
                city.counts.county,
                city.counts.township,
                city.counts.community
            ),
            (13, 159, 6509),
            "{}",
            b.label
        );
        let zhifu = b.app.division(&operator(), "370602000000").await.unwrap();
        assert_eq!(
            (zhifu.counts.township, zhifu.counts.community),
            (12, 158),
            "{}",
            b.label
        );
        let xiangyang = b
            .app
            .list_divisions(
                &operator(),
                Some("community"),
                Some("370602001000"),
                None,
                Page::default(),
            )
            .await
            .unwrap();
        assert_eq!(xiangyang.total, 8, "{}", b.label);
        assert_eq!(b.app.city().await.unwrap().unwrap().name, "烟台市");
    }
}

#[tokio::test]
async fn a_bad_file_imports_nothing() {
    for b in backends().await {
        let mut files = DivisionFiles::embedded();
        files
            .villages
            .push_str("370602001999,坏行,370602001000,no_such_kind\n");
        let err = b
            .app
            .import_divisions(&operator(), &files)
            .await
            .unwrap_err();
        assert!(
            matches!(err, AppError::BadFile { ref column, .. } if column == "kind"),
            "{}: {err:?}",
            b.label
        );
        assert_eq!(b.app.division_count().await.unwrap(), 0, "{}", b.label);
    }
}

#[tokio::test]
async fn sql_scopes_agree_with_the_domain_scope_for_every_division() {
    for b in backends().await {
        seeded(&b).await;
        let all = b
            .app
            .list_divisions(
                &operator(),
                None,
                None,
                None,
                Page::new(Some(1), Some(1000)),
            )
            .await
            .unwrap()
            .total;
        assert_eq!(all, 6682);
        // A county, a township, a work area of the first large town, and a body.
        let first_area = {
            let towns = b
                .app
                .list_divisions(
                    &operator(),
                    Some("township"),
                    Some("370682000000"),
                    None,
                    Page::default(),
                )
                .await
                .unwrap();
            let mut found = None;
            for t in towns.items {
                if let Some(w) = b
                    .app
                    .work_areas_of(&operator(), &t.code)
                    .await
                    .unwrap()
                    .into_iter()
                    .next()
                {
                    found = Some(w.code);
                    break;
                }
            }
            found.expect("莱阳市 has towns with work areas")
        };
        for node in [
            "370602000000",
            "370602001000",
            &first_area.to_string(),
            "370602001001-M01",
        ] {
            let node = NodeCode::parse(node).unwrap();
            let scope = b.app.scope_of(&node).await.unwrap();
            let who = Actor {
                user: None,
                scope: scope.clone(),
                source: "test".into(),
            };
            let mut listed = Vec::new();
            for page in 1.. {
                let p = b
                    .app
                    .list_divisions(&who, None, None, None, Page::new(Some(page), Some(1000)))
                    .await
                    .unwrap();
                let n = p.items.len();
                listed.extend(p.items.into_iter().map(|d| d.code));
                if n < 1000 {
                    break;
                }
            }
            let everything = {
                let mut v = Vec::new();
                for page in 1..=7 {
                    v.extend(
                        b.app
                            .list_divisions(
                                &operator(),
                                None,
                                None,
                                None,
                                Page::new(Some(page), Some(1000)),
                            )
                            .await
                            .unwrap()
                            .items
                            .into_iter()
                            .map(|d| d.code),
                    );
                }
                v
            };
            let expected: Vec<_> = everything
                .into_iter()
                .filter(|c| scope.sees_division(c))
                .collect();
            assert!(!expected.is_empty());
            assert_eq!(listed, expected, "{}: scope of {node}", b.label);
        }
    }
}

#[tokio::test]
async fn a_township_user_sees_its_township_and_not_its_sibling() {
    for b in backends().await {
        seeded(&b).await;
        let t1 = user(&b, "t1-dispatcher", "dispatcher", "370602001000").await;
        let me = actor(&b, &t1).await;
        assert!(b.app.division(&me, "370602001000").await.is_ok());
        assert!(
            matches!(
                b.app.division(&me, "370602002000").await,
                Err(AppError::NotFound { .. })
            ),
            "{}",
            b.label
        );
        assert!(
            matches!(
                b.app.division(&me, "370602000000").await,
                Err(AppError::NotFound { .. })
            ),
            "{}",
            b.label
        );
        let units = b
            .app
            .list_units(&me, None, None, None, Page::default())
            .await
            .unwrap();
        assert!(
            units
                .items
                .iter()
                .all(|u| u.division_code.as_str().starts_with("370602001")),
            "{}",
            b.label
        );
        assert_eq!(
            units.total,
            1 + 3 + 8,
            "{}: township committee, 3 departments, 8 community committees",
            b.label
        );
        assert!(matches!(
            b.app
                .list_units(&me, Some("370602002000"), None, None, Page::default())
                .await,
            Err(AppError::NotFound { .. })
        ));
    }
}

#[tokio::test]
async fn a_township_security_admin_creates_users_only_inside_its_township() {
    for b in backends().await {
        seeded(&b).await;
        let sa = user(&b, "t1-security", "security_admin", "370602001000").await;
        let sa = actor(&b, &sa).await;
        let ok = NewUserRequest {
            username: "t1-clerk",
            password: "Acc-pass-12345",
            role: "window_clerk",
            node: "370602001000",
            display_name: None,
        };
        b.app.create_user(&sa, ok).await.unwrap();
        let outside = NewUserRequest {
            username: "t2-clerk",
            password: "Acc-pass-12345",
            role: "window_clerk",
            node: "370602002000",
            display_name: None,
        };
        let err = b.app.create_user(&sa, outside).await.unwrap_err();
        assert!(
            matches!(err, AppError::Invalid(ref e) if e.field == "node"),
            "{}: {err:?}",
            b.label
        );
        let dup = NewUserRequest {
            username: "t1-clerk",
            password: "Acc-pass-12345",
            role: "window_clerk",
            node: "370602001000",
            display_name: None,
        };
        assert!(
            matches!(
                b.app.create_user(&sa, dup).await,
                Err(AppError::Conflict {
                    code: "user.username_taken",
                    ..
                })
            ),
            "{}",
            b.label
        );
        let users = b.app.list_users(&sa, Page::default()).await.unwrap();
        assert_eq!(
            users
                .items
                .iter()
                .map(|u| u.username.as_str())
                .collect::<Vec<_>>(),
            ["t1-clerk", "t1-security"],
            "{}",
            b.label
        );
        // A dispatcher may not create users at all.
        let d = user(&b, "t1-dispatcher", "dispatcher", "370602001000").await;
        let d = actor(&b, &d).await;
        let req = NewUserRequest {
            username: "sneaky",
            password: "Acc-pass-12345",
            role: "auditor",
            node: "370602001000",
            display_name: None,
        };
        assert!(matches!(
            b.app.create_user(&d, req).await,
            Err(AppError::Forbidden { .. })
        ));
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_and_sessions_expire() {
    for b in backends().await {
        seeded(&b).await;
        user(&b, "victim", "leader", "370602000000").await;
        for _ in 0..4 {
            assert!(matches!(
                b.app
                    .login(
                        "victim",
                        "wrong-password-1",
                        SessionKind::Bearer,
                        "10.0.0.9"
                    )
                    .await,
                Err(AppError::InvalidCredentials)
            ));
        }
        assert!(
            matches!(
                b.app
                    .login(
                        "victim",
                        "wrong-password-1",
                        SessionKind::Bearer,
                        "10.0.0.9"
                    )
                    .await,
                Err(AppError::Locked { .. })
            ),
            "{}",
            b.label
        );
        // Locked even with the right password, until the lock passes.
        assert!(matches!(
            b.app
                .login("victim", "Acc-pass-12345", SessionKind::Bearer, "10.0.0.9")
                .await,
            Err(AppError::Locked { .. })
        ));
        b.clock.advance(b.app.settings().lockout_ms + 1);
        let ok = b
            .app
            .login("victim", "Acc-pass-12345", SessionKind::Bearer, "10.0.0.9")
            .await
            .unwrap();
        assert!(b
            .app
            .authenticate(&ok.token, SessionKind::Bearer, "x")
            .await
            .is_ok());
        assert!(
            b.app
                .authenticate(&ok.token, SessionKind::Cookie, "x")
                .await
                .is_err(),
            "a bearer token is not a cookie session"
        );
        b.clock.advance(b.app.settings().session_idle_ms + 1);
        assert!(
            matches!(
                b.app
                    .authenticate(&ok.token, SessionKind::Bearer, "x")
                    .await,
                Err(AppError::Unauthenticated)
            ),
            "{}",
            b.label
        );
        assert!(b.app.purge_sessions().await.unwrap() >= 1);
    }
}

#[tokio::test]
async fn the_audit_chain_records_logins_and_writes_and_exposes_tampering() {
    for b in backends().await {
        seeded(&b).await;
        user(&b, "someone", "leader", "370602000000").await;
        let _ = b
            .app
            .login("someone", "bad-password-9", SessionKind::Bearer, "10.1.1.1")
            .await;
        let report = b.app.verify_audit(&operator(), |_| {}).await.unwrap();
        assert_eq!(report.broken, None, "{}", b.label);
        assert!(
            report.records >= 6,
            "{}: import, seeds, user, logins: {}",
            b.label,
            report.records
        );
        let log = b
            .app
            .audit_log(
                &operator(),
                AuditQuery {
                    action: Some("auth.login".into()),
                    ..Default::default()
                },
                Page::default(),
            )
            .await
            .unwrap();
        let outcomes: Vec<_> = log
            .items
            .iter()
            .map(|r| (r.entry.outcome.as_str(), r.entry.source.as_str()))
            .collect();
        assert_eq!(
            outcomes,
            [("failure", "10.1.1.1"), ("success", "127.0.0.1")],
            "{}",
            b.label
        );
        // The database refuses to change the log.
        assert!(
            b.db.execute_raw("UPDATE audit_log SET detail = 'x' WHERE seq = 2")
                .await
                .is_err(),
            "{}",
            b.label
        );
        assert!(
            b.db.execute_raw("DELETE FROM audit_log WHERE seq = 2")
                .await
                .is_err(),
            "{}",
            b.label
        );
        // Someone with the database's keys removes the guard and edits a record.
        let drop = if b.label == "sqlite" {
            "DROP TRIGGER audit_log_no_update"
        } else {
            "DROP TRIGGER audit_log_no_update ON audit_log"
        };
        b.db.execute_raw(drop).await.unwrap();
        b.db.execute_raw("UPDATE audit_log SET detail = detail || ' (edited)' WHERE seq = 3")
            .await
            .unwrap();
        let report = b.app.verify_audit(&operator(), |_| {}).await.unwrap();
        assert_eq!(report.broken_at, Some(3), "{}: {report:?}", b.label);
    }
}

#[tokio::test]
async fn only_auditors_read_the_audit_log() {
    for b in backends().await {
        seeded(&b).await;
        let sys = user(&b, "sys", "system_admin", "370600000000").await;
        let sys = actor(&b, &sys).await;
        assert!(
            matches!(
                b.app
                    .audit_log(&sys, AuditQuery::default(), Page::default())
                    .await,
                Err(AppError::Forbidden { .. })
            ),
            "{}",
            b.label
        );
        let aud = user(&b, "aud", "auditor", "370600000000").await;
        let aud = actor(&b, &aud).await;
        let log = b
            .app
            .audit_log(&aud, AuditQuery::default(), Page::default())
            .await
            .unwrap();
        assert!(
            log.items
                .iter()
                .any(|r| r.entry.action == "audit.read" && r.entry.actor == "sys"),
            "{}: the denied read is itself audited",
            b.label
        );
    }
}

#[tokio::test]
async fn the_deadline_scan_warns_once_per_due_time_and_tells_supervisors_when_overdue() {
    use zhili_app::case::{ActionRequest, NewCaseRequest, PartyInput};
    for b in backends().await {
        seeded(&b).await;
        b.app.ensure_case_setup(&operator()).await.unwrap();
        let clerk = user(&b, "clerk", "window_clerk", "370602001000").await;
        let clerk = actor(&b, &clerk).await;
        let disp = user(&b, "disp", "dispatcher", "370602001000").await;
        let disp = actor(&b, &disp).await;
        let req = NewCaseRequest {
            kind: "dispute".into(),
            category: "neighbour".into(),
            title: "噪音".into(),
            description: "夜间噪音".into(),
            channel: "window".into(),
            community_code: "370602001001".into(),
            parties: vec![PartyInput {
                role: "applicant".into(),
                name: "张三".into(),
                phone: None,
                id_number: None,
            }],
            address: None,
            location: None,
        };
        let id = b.app.create_case(&clerk, req).await.unwrap().case.id;
        for a in ["accept", "assign"] {
            b.app
                .act(
                    &disp,
                    id,
                    ActionRequest {
                        action: a.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap();
        }
        let due = b
            .app
            .case_view(&disp, id)
            .await
            .unwrap()
            .case
            .due_at_ms
            .unwrap();
        assert_eq!(
            b.app.scan_deadlines().await.unwrap(),
            Default::default(),
            "{}: nothing is due yet",
            b.label
        );
        b.clock.advance(due - 24 * 3_600_000 - T0);
        let r = b.app.scan_deadlines().await.unwrap();
        assert_eq!((r.due_soon, r.overdue), (1, 0), "{}", b.label);
        assert_eq!(
            b.app.scan_deadlines().await.unwrap(),
            Default::default(),
            "{}: a second scan (or a restart) sends nothing new",
            b.label
        );
        b.clock.advance(25 * 3_600_000);
        let r = b.app.scan_deadlines().await.unwrap();
        assert_eq!((r.due_soon, r.overdue), (0, 1), "{}", b.label);
        let town = b.app.notices(&disp, false).await.unwrap();
        assert!(
            town.iter()
                .any(|n| n.kind == "overdue" && n.case_id == Some(id)),
            "{}: the township hears of it",
            b.label
        );
        let med = user(&b, "med", "mediator", "370602001001-M01").await;
        let med = actor(&b, &med).await;
        let kinds: Vec<String> = b
            .app
            .notices(&med, true)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.kind)
            .collect();
        assert_eq!(kinds, ["overdue", "due_soon", "assigned"], "{}", b.label);
        assert_eq!(b.app.mark_notices_read(&med, None).await.unwrap(), 3);
        assert_eq!(b.app.unread_notices(&med).await.unwrap(), 0);
        let view = b.app.case_view(&disp, id).await.unwrap();
        assert!(
            view.overdue,
            "{}: overdue is derived from the due time",
            b.label
        );
    }
}
