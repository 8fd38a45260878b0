use reqwest::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;
use zhili_app::{App, Settings, SystemClock};
use zhili_domain::{DivisionCode, Scope};
use zhili_store::testing::TestDb;
use zhili_web::AppState;

/// A running demo server on a fresh database.
pub struct TestApp {
    pub label: &'static str,
    pub base: String,
    pub http: reqwest::Client,
    pub admin: String,
    /// The use cases behind the server (for set-up only the operator does, e.g. API keys).
    pub core: App,
    pub db: TestDb,
    _files: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_all() -> Vec<TestApp> {
    spawn_all_with(Settings::default).await
}

/// As `spawn_all`, with settings of the test's own (the attachments directory is added).
pub async fn spawn_all_with(settings: impl Fn() -> Settings) -> Vec<TestApp> {
    let mut v = Vec::new();
    for t in TestDb::all().await {
        v.push(spawn(t, settings()).await);
    }
    v
}

async fn spawn(t: TestDb, settings: Settings) -> TestApp {
    let files = tempfile::tempdir().unwrap();
    let settings = Settings {
        attachments_dir: Some(files.path().to_path_buf()),
        ..settings
    };
    let app = App::new(t.db.clone(), Arc::new(SystemClock), settings);
    let operator =
        zhili_app::Actor::operator(Scope::Subtree(DivisionCode::parse("370600000000").unwrap()));
    app.prepare_demo(&operator).await.expect("demo data");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = AppState {
        app: app.clone(),
        secure_cookies: false,
        portal_limit: std::sync::Arc::new(zhili_web::limit::RateLimiter::portal()),
    };
    tokio::spawn(zhili_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut t = TestApp {
        label: t.label,
        base,
        http,
        admin: String::new(),
        core: app,
        db: t,
        _files: files,
        _shutdown: tx,
    };
    t.admin = t.login("admin", "zhili-demo").await;
    t
}

/// The operator at the command line, acting on the whole demo city.
pub fn operator() -> zhili_app::Actor {
    zhili_app::Actor::operator(Scope::Subtree(DivisionCode::parse("370600000000").unwrap()))
}

impl TestApp {
    /// The database the server runs on (a second `App` on it plays a restarted server).
    pub fn db(&self) -> Arc<zhili_store::Db> {
        self.db.db.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn login(&self, username: &str, password: &str) -> String {
        let (status, body) = self
            .post(
                "",
                "/api/v1/auth/login",
                json!({ "username": username, "password": password }),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: login {username}: {body}",
            self.label
        );
        body["token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let mut r = self.http.get(self.url(path));
        if !token.is_empty() {
            r = r.bearer_auth(token);
        }
        let resp = r.send().await.unwrap();
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let mut r = self.http.post(self.url(path)).json(&body);
        if !token.is_empty() {
            r = r.bearer_auth(token);
        }
        let resp = r.send().await.unwrap();
        (resp.status(), resp.json().await.unwrap_or(Value::Null))
    }

    /// As the demo's security admin, create a user and sign in as them.
    pub async fn user(&self, username: &str, role: &str, node: &str) -> String {
        let (status, body) = self.post(&self.admin, "/api/v1/users", json!({ "username": username, "password": "Acc-pass-12345", "role": role, "node": node })).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}: create {username}: {body}",
            self.label
        );
        self.login(username, "Acc-pass-12345").await
    }
}

/// The value of a hidden form field in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker).expect("hidden field") + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_owned()
}

/// `name=value` of a cookie the response sets.
pub fn cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

impl TestApp {
    /// The login form: its double-submit cookie and CSRF token.
    pub async fn login_form(&self) -> (String, String) {
        let form = self.http.get(self.url("/login")).send().await.unwrap();
        let c = cookie(&form, "zhili_login_csrf").expect("login CSRF cookie");
        (c, hidden(&form.text().await.unwrap(), "csrf"))
    }

    /// Sign in through the login page; returns the session cookie (`zhili_session=…`).
    pub async fn page_login(&self, username: &str, password: &str) -> String {
        let (c, csrf) = self.login_form().await;
        let resp = self
            .http
            .post(self.url("/login"))
            .header("cookie", c)
            .form(&[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            resp.status(),
            StatusCode::SEE_OTHER,
            "{}: page login {username}",
            self.label
        );
        cookie(&resp, "zhili_session").expect("session cookie")
    }

    /// GET a page with a session cookie.
    pub async fn page(&self, session: &str, path: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .header("cookie", session)
            .send()
            .await
            .unwrap()
    }
}

/// POST a form with a session cookie.
pub async fn post_form(
    app: &TestApp,
    session: &str,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    app.http
        .post(app.url(path))
        .header("cookie", session)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// `POST /api/v1/import/{kind}` with a body of the given content type.
pub async fn import(
    app: &TestApp,
    token: &str,
    kind: &str,
    ctype: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let r = app
        .http
        .post(app.url(&format!("/api/v1/import/{kind}")))
        .bearer_auth(token)
        .header("content-type", ctype)
        .body(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

pub fn items(v: &Value) -> &Vec<Value> {
    v["items"].as_array().expect("a paged list")
}

/// Import one grid, `370602001001001` 友谊一网格: the square 121.40–121.41 E, 37.50–37.51 N
/// in 友谊街社区, as `token` (a dispatcher of its township). Asserts the import succeeded.
pub async fn import_youyi_grid(app: &TestApp, token: &str) {
    let grid = json!({ "type": "FeatureCollection", "features": [{ "type": "Feature",
        "properties": { "code": "370602001001001", "name": "友谊一网格" },
        "geometry": { "type": "Polygon", "coordinates": [[[121.40, 37.50], [121.41, 37.50], [121.41, 37.51], [121.40, 37.51], [121.40, 37.50]]] } }] });
    let (status, body) = import(app, token, "grids", "application/json", grid.to_string()).await;
    assert_eq!(status, StatusCode::OK, "{}: grid import: {body}", app.label);
}
