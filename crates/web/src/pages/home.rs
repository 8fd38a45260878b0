use super::{render, Nav, EDITION_NOTE};
use crate::extract::PageUser;
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use zhili_domain::{Level, LevelCounts, NodeCode, Page};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    nav: Option<Nav>,
    edition_note: &'static str,
    display_name: String,
    role_label: &'static str,
    home_code: String,
    home_name: String,
    facts: Vec<(&'static str, i64)>,
    users: bool,
    audit: bool,
}

pub async fn home(State(s): State<AppState>, u: PageUser) -> Response {
    let Some(user) = u.actor.user.clone() else {
        return axum::response::IntoResponse::into_response(axum::response::Redirect::to("/login"));
    };
    let home = u.actor.scope.home();
    let home_name = s
        .app
        .node_name(&home)
        .await
        .unwrap_or_else(|_| home.to_string());
    let mut facts = match &home {
        NodeCode::Division(d) => match s.app.division(&u.actor, d.as_str()).await {
            Ok(detail) => facts_below(d.level(), &detail.counts),
            Err(_) => Vec::new(),
        },
        _ => Vec::new(),
    };
    let units = s
        .app
        .list_units(&u.actor, None, None, None, Page::new(Some(1), Some(1)))
        .await
        .map(|p| p.total)
        .unwrap_or(0);
    facts.push(("调解组织与部门", units));
    let page = HomePage {
        nav: Nav::of(&u),
        edition_note: EDITION_NOTE,
        display_name: user.display_name.clone(),
        role_label: user.role.label(),
        home_code: home.to_string(),
        home_name,
        facts,
        users: user.role.manages_users(),
        audit: user.role.reads_audit(),
    };
    render(&page)
}

/// The counts of the levels below `level`, as the tiles show them.
pub fn facts_below(level: Level, c: &LevelCounts) -> Vec<(&'static str, i64)> {
    let all = [
        (Level::County, "区市", c.county),
        (Level::Township, "镇街", c.township),
        (Level::WorkArea, "工作区片", c.work_area),
        (Level::Community, "村居", c.community),
    ];
    all.into_iter()
        .filter(|(l, _, _)| *l > level)
        .map(|(_, label, n)| (label, n))
        .collect()
}
