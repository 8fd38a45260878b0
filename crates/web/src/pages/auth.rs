//! The login form and logout. The login form is protected by a double-submit token: a
//! random value in a short-lived cookie that the form must echo.

use super::double_submit::{strict_cookie, DoubleSubmit};
use super::{render, EDITION_NOTE};
use crate::extract::{client_addr, PageUser, SESSION_COOKIE};
use crate::AppState;
use askama::Template;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::Cookie;
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use zhili_app::ports::SessionKind;
use zhili_app::AppError;

const LOGIN_CSRF: DoubleSubmit = DoubleSubmit {
    cookie: "zhili_login_csrf",
    path: "/",
    max_age_s: 1800,
};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<super::Nav>,
    edition_note: &'static str,
    csrf: String,
    username: String,
    error: Option<String>,
}

fn form(
    s: &AppState,
    jar: CookieJar,
    username: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (jar, csrf) = LOGIN_CSRF.issue(jar, s.secure_cookies);
    let page = LoginPage {
        nav: None,
        edition_note: EDITION_NOTE,
        csrf,
        username,
        error,
    };
    (status, jar, render(&page)).into_response()
}

pub async fn login_form(State(s): State<AppState>, jar: CookieJar) -> Response {
    form(&s, jar, String::new(), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    csrf: String,
}

pub struct Peer(String);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(client_addr(parts)))
    }
}

pub async fn login_submit(
    State(s): State<AppState>,
    Peer(addr): Peer,
    jar: CookieJar,
    Form(f): Form<LoginForm>,
) -> Response {
    if !LOGIN_CSRF.verify(&jar, &f.csrf) {
        return form(
            &s,
            jar,
            f.username,
            Some("页面已过期，请重新登录".into()),
            StatusCode::FORBIDDEN,
        );
    }
    match s
        .app
        .login(&f.username, &f.password, SessionKind::Cookie, &addr)
        .await
    {
        Ok(ok) => {
            let max_age = s.app.settings().session_max_ms / 1000;
            let jar = LOGIN_CSRF.clear(jar).add(strict_cookie(
                SESSION_COOKIE,
                ok.token,
                "/",
                s.secure_cookies,
                max_age,
            ));
            (jar, Redirect::to("/")).into_response()
        }
        Err(e @ (AppError::InvalidCredentials | AppError::Locked { .. })) => {
            let msg = crate::error::describe(&e).1.message;
            form(&s, jar, f.username, Some(msg), StatusCode::UNAUTHORIZED)
        }
        Err(e) => super::error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn logout(
    State(s): State<AppState>,
    u: PageUser,
    jar: CookieJar,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Err(r) = u.check_csrf(&f.csrf) {
        return r.into_response();
    }
    if let Err(e) = s.app.logout(&u.actor, &u.token).await {
        return super::error_page(&e);
    }
    (
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response()
}
