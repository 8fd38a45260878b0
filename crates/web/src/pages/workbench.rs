//! The workbench (工作台: what waits for the signed-in user) and the case search with
//! filters and paging. Both show cases as the same compact rows.

use super::{beijing_minute, error_page, render, url_encode, Nav, EDITION_NOTE};
use crate::api::case::{case_query, CaseFilter};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use zhili_app::ports::CaseQuery;
use zhili_app::{App, AppResult};
use zhili_domain::case::{Case, CaseKind, CaseState, Channel};
use zhili_domain::{NodeCode, Page, Role, Scope};

/// One case in a list.
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub category: String,
    pub community: String,
    pub state: &'static str,
    pub suspended: bool,
    pub supervised: bool,
    pub due: String,
    pub overdue: bool,
}

/// Category code → name, for lists.
pub(crate) async fn category_names(app: &App) -> AppResult<HashMap<String, String>> {
    Ok(app
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect())
}

/// Rows for cases, naming categories and communities (each community looked up once).
pub async fn case_rows(app: &App, cases: Vec<Case>) -> AppResult<Vec<CaseRow>> {
    let cats = category_names(app).await?;
    let now = app.now_ms();
    let mut communities: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::with_capacity(cases.len());
    for c in cases {
        let code = c.community_code.to_string();
        if !communities.contains_key(&code) {
            let name = app
                .node_name(&NodeCode::Division(c.community_code.clone()))
                .await?;
            communities.insert(code.clone(), name);
        }
        rows.push(CaseRow {
            id: c.id,
            overdue: c.overdue(now),
            number: c.number,
            title: c.title,
            category: cats.get(&c.category).cloned().unwrap_or(c.category),
            community: communities.get(&code).cloned().unwrap_or(code),
            state: c.state.label(),
            suspended: c.suspended_at_ms.is_some(),
            supervised: c.supervised,
            due: c.due_at_ms.map(beijing_minute).unwrap_or_default(),
        });
    }
    Ok(rows)
}

pub struct Section {
    title: &'static str,
    total: i64,
    rows: Vec<CaseRow>,
    /// How many of `total` the section leaves out.
    hidden: i64,
    note: &'static str,
    more: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct WorkbenchPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    intake: bool,
    sections: Vec<Section>,
}

const SECTION_SIZE: u32 = 20;
const DUE_SOON_MS: i64 = 48 * 3600 * 1000;

/// Up to `SECTION_SIZE` cases of each query, newest first, with the total across all.
async fn gather(app: &App, u: &PageUser, queries: Vec<CaseQuery>) -> AppResult<(i64, Vec<Case>)> {
    let mut total = 0;
    let mut cases = Vec::new();
    for q in queries {
        let page = app
            .list_cases(&u.actor, q, Page::new(Some(1), Some(SECTION_SIZE)))
            .await?;
        total += page.total;
        cases.extend(page.items);
    }
    cases.sort_by_key(|c| std::cmp::Reverse(c.id));
    cases.truncate(SECTION_SIZE as usize);
    Ok((total, cases))
}

async fn section(
    app: &App,
    u: &PageUser,
    title: &'static str,
    queries: Vec<CaseQuery>,
    note: &'static str,
    more: Option<&'static str>,
) -> AppResult<Section> {
    let (total, cases) = gather(app, u, queries).await?;
    Ok(Section {
        title,
        total,
        hidden: total - cases.len() as i64,
        rows: case_rows(app, cases).await?,
        note,
        more,
    })
}

async fn workbench_page(app: &App, u: &PageUser) -> AppResult<WorkbenchPage> {
    let scope = u.actor.scope.clone();
    let role = u.actor.role();
    let node = u.actor.user.as_ref().map(|x| x.node.clone());
    let now = app.now_ms();
    // Departments and bodies follow what they hold now, not everything they once held.
    let base = || {
        let mut q = CaseQuery::new(scope.clone());
        if let Scope::Unit { code, .. } = &scope {
            q.assignee = Some(code.clone());
        }
        q
    };
    let (todo, todo_note) = match role {
        Some(Role::Dispatcher) => (
            [
                CaseState::Submitted,
                CaseState::Accepted,
                CaseState::Resolved,
            ]
            .into_iter()
            .map(|s| {
                let mut q = base();
                q.state = Some(s);
                q
            })
            .collect(),
            "待受理、待派遣与待核查结案的案件都已处理。",
        ),
        Some(Role::Mediator | Role::DepartmentHandler | Role::GridWorker) => {
            let mut q = base();
            q.assignee = node;
            q.open_only = true;
            (vec![q], "目前没有派给本单位的案件。")
        }
        _ => (
            Vec::new(),
            "您的角色不承办案件；辖区内的案件见下方各栏与「案件查询」。",
        ),
    };
    let mut due_soon = base();
    due_soon.due_before = Some((now, now + DUE_SOON_MS));
    let mut overdue = base();
    overdue.overdue = Some((true, now));
    let mut supervised = base();
    supervised.supervised = Some(true);
    supervised.open_only = true;
    Ok(WorkbenchPage {
        nav: Nav::of(u),
        edition_note: EDITION_NOTE,
        intake: role.is_some_and(zhili_app::case::registers),
        sections: vec![
            section(app, u, "我的待办", todo, todo_note, None).await?,
            section(
                app,
                u,
                "即将到期",
                vec![due_soon],
                "48 小时内没有到期的案件。",
                None,
            )
            .await?,
            section(
                app,
                u,
                "已超期",
                vec![overdue],
                "没有超期案件。",
                Some("/cases?overdue=true"),
            )
            .await?,
            section(app, u, "督办", vec![supervised], "没有督办中的案件。", None).await?,
        ],
    })
}

pub async fn workbench(State(s): State<AppState>, u: PageUser) -> Response {
    match workbench_page(&s.app, &u).await {
        Ok(p) => render(&p),
        Err(e) => error_page(&e),
    }
}

/// The filters as the form shows them.
#[derive(Default)]
pub struct Shown {
    state: String,
    kind: String,
    category: String,
    channel: String,
    division: String,
    overdue: String,
    from: String,
    to: String,
    q: String,
}

impl Shown {
    fn of(f: &CaseFilter) -> Self {
        let v = |o: &Option<String>| o.as_deref().unwrap_or("").trim().to_owned();
        Self {
            state: v(&f.state),
            kind: v(&f.kind),
            category: v(&f.category),
            channel: v(&f.channel),
            division: v(&f.division),
            overdue: v(&f.overdue),
            from: v(&f.from),
            to: v(&f.to),
            q: v(&f.q),
        }
    }

    /// `/cases?…&page=N` keeping every filter that is set.
    fn link(&self, page: u32) -> String {
        let pairs = [
            ("state", &self.state),
            ("kind", &self.kind),
            ("category", &self.category),
            ("channel", &self.channel),
            ("division", &self.division),
            ("overdue", &self.overdue),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ];
        let mut parts: Vec<String> = pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        parts.push(format!("page={page}"));
        format!("/cases?{}", parts.join("&"))
    }
}

#[derive(Template)]
#[template(path = "case_list.html")]
struct CaseListPage {
    nav: Option<Nav>,
    edition_note: &'static str,
    f: Shown,
    states: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    categories: Vec<(String, String)>,
    rows: Vec<CaseRow>,
    total: i64,
    /// False past the list's counting cap: the heading then reads "超过 10000 件".
    total_exact: bool,
    page: u32,
    pages: i64,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
}

pub const LIST_SIZE: u32 = 50;

pub async fn case_list(
    State(s): State<AppState>,
    u: PageUser,
    Query(f): Query<CaseFilter>,
) -> Response {
    let cats = match s.app.categories().await {
        Ok(c) => c,
        Err(e) => return error_page(&e),
    };
    let mut p = CaseListPage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        f: Shown::of(&f),
        states: CaseState::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        kinds: CaseKind::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        channels: Channel::ALL
            .iter()
            .map(|x| (x.as_str(), x.label()))
            .collect(),
        categories: cats
            .into_iter()
            .map(|c| {
                let name = if c.parent.is_some() {
                    format!("　└ {}", c.name)
                } else {
                    c.name
                };
                (c.code, name)
            })
            .collect(),
        rows: Vec::new(),
        total: 0,
        total_exact: true,
        page: f.page.unwrap_or(1).max(1),
        pages: 0,
        prev: None,
        next: None,
        error: None,
    };
    let now = s.app.now_ms();
    let listed = match case_query(&f, u.actor.scope.clone(), now) {
        Ok(q) => {
            s.app
                .list_cases(&u.actor, q, Page::new(Some(p.page), Some(LIST_SIZE)))
                .await
        }
        Err(e) => Err(e.into()),
    };
    let status = match listed {
        Ok(list) => {
            p.total = list.total;
            p.total_exact = list.total_exact;
            p.pages = list.pages();
            if p.page > 1 {
                p.prev = Some(p.f.link(p.page - 1));
            }
            if list.has_next() {
                p.next = Some(p.f.link(p.page + 1));
            }
            match case_rows(&s.app, list.items).await {
                Ok(rows) => p.rows = rows,
                Err(e) => return error_page(&e),
            }
            StatusCode::OK
        }
        Err(e @ zhili_app::AppError::Forbidden { .. }) => return error_page(&e),
        Err(e) => {
            let (status, body) = crate::error::describe(&e);
            p.error = Some(body.message);
            status
        }
    };
    (status, render(&p)).into_response()
}
