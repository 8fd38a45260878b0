//! CSRF for forms without a session (the login form, the resident portal): a double-submit
//! token. The page sets a random value in a short-lived HttpOnly, SameSite=Strict cookie and
//! puts the same value in a hidden field; the POST must carry both, equal.

use crate::extract::constant_time_eq;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use zhili_app::auth::random_token;

pub struct DoubleSubmit {
    pub cookie: &'static str,
    pub path: &'static str,
    pub max_age_s: i64,
}

/// A cookie as every Zhili cookie is: HttpOnly, SameSite=Strict, `Secure` on HTTPS.
pub fn strict_cookie(
    name: &'static str,
    value: String,
    path: &'static str,
    secure: bool,
    max_age_s: i64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path(path)
        .max_age(time::Duration::seconds(max_age_s))
        .build()
}

impl DoubleSubmit {
    /// A fresh token for a form, and the jar that sets its cookie.
    pub fn issue(&self, jar: CookieJar, secure: bool) -> (CookieJar, String) {
        self.set(jar, random_token(), secure)
    }

    /// The browser's current token if it has a well-formed one (so that two open tabs both
    /// work), else a fresh one; the cookie's lifetime starts again either way.
    pub fn reuse(&self, jar: CookieJar, secure: bool) -> (CookieJar, String) {
        match jar.get(self.cookie).map(|c| c.value().to_owned()) {
            Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.set(jar, v, secure)
            }
            _ => self.issue(jar, secure),
        }
    }

    fn set(&self, jar: CookieJar, token: String, secure: bool) -> (CookieJar, String) {
        let c = strict_cookie(
            self.cookie,
            token.clone(),
            self.path,
            secure,
            self.max_age_s,
        );
        (jar.add(c), token)
    }

    /// Does the form's token match the cookie's?
    pub fn verify(&self, jar: &CookieJar, sent: &str) -> bool {
        let expected = jar
            .get(self.cookie)
            .map(|c| c.value().to_owned())
            .unwrap_or_default();
        !expected.is_empty() && constant_time_eq(expected.as_bytes(), sent.as_bytes())
    }

    /// Forget the token (after the form has done its job).
    pub fn clear(&self, jar: CookieJar) -> CookieJar {
        jar.remove(Cookie::build(self.cookie).path(self.path))
    }
}
