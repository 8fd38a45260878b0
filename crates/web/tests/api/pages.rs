use crate::helpers::*;
use reqwest::StatusCode;

fn hidden(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .expect("hidden field");
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn the_browser_signs_in_with_a_cookie_and_forms_need_the_csrf_token() {
    for app in spawn_all().await {
        let resp = app.http.get(app.url("/org")).send().await.unwrap();
        assert_eq!(
            (resp.status(), resp.headers()["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login")
        );
        let form = app.http.get(app.url("/login")).send().await.unwrap();
        let login_cookie = cookie(&form, "zhili_login_csrf").unwrap();
        let html = form.text().await.unwrap();
        assert!(html.contains("登录"));
        let csrf = hidden(&html, "csrf");
        // Without the login CSRF cookie the form is refused.
        let resp = app
            .http
            .post(app.url("/login"))
            .form(&[
                ("username", "admin"),
                ("password", "zhili-demo"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", app.label);
        let resp = app
            .http
            .post(app.url("/login"))
            .header("cookie", &login_cookie)
            .form(&[
                ("username", "admin"),
                ("password", "zhili-demo"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let raw = resp
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("zhili_session="))
            .unwrap();
        assert!(
            raw.contains("HttpOnly") && raw.contains("SameSite=Strict"),
            "{raw}"
        );
        let session = raw.split(';').next().unwrap().to_owned();
        let page = app
            .http
            .get(app.url("/org/370602000000"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains("向阳街道") && html.contains("芝罘区公安分局"),
            "{}: the county page lists its townships and departments",
            app.label
        );
        let token = hidden(&html, "csrf");
        // The session cookie does not work for the API, and a form without the token is refused.
        assert_eq!(
            app.http
                .get(app.url("/api/v1/me"))
                .header("cookie", &session)
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::UNAUTHORIZED
        );
        let resp = app
            .http
            .post(app.url("/admin/users"))
            .header("cookie", &session)
            .form(&[
                ("csrf", "forged"),
                ("username", "via-page"),
                ("password", "Acc-pass-12345"),
                ("role", "leader"),
                ("node", "370602000000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let resp = app
            .http
            .post(app.url("/admin/users"))
            .header("cookie", &session)
            .form(&[
                ("csrf", token.as_str()),
                ("username", "via-page"),
                ("password", "Acc-pass-12345"),
                ("role", "leader"),
                ("node", "370602000000"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(resp.text().await.unwrap().contains("已创建账号 via-page"));
        let resp = app
            .http
            .post(app.url("/logout"))
            .header("cookie", &session)
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        let after = app
            .http
            .get(app.url("/org"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(
            after.status(),
            StatusCode::SEE_OTHER,
            "{}: the session ended",
            app.label
        );
    }
}

#[tokio::test]
async fn a_township_user_browses_its_subtree_and_gets_404_pages_outside() {
    for app in spawn_all().await {
        app.user("t1-leader", "leader", "370602001000").await;
        let form = app.http.get(app.url("/login")).send().await.unwrap();
        let login_cookie = cookie(&form, "zhili_login_csrf").unwrap();
        let csrf = hidden(&form.text().await.unwrap(), "csrf");
        let resp = app
            .http
            .post(app.url("/login"))
            .header("cookie", &login_cookie)
            .form(&[
                ("username", "t1-leader"),
                ("password", "Acc-pass-12345"),
                ("csrf", &csrf),
            ])
            .send()
            .await
            .unwrap();
        let session = cookie(&resp, "zhili_session").unwrap();
        let home = app
            .http
            .get(app.url("/org"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(home.headers()["location"], "/org/370602001000");
        let own = app
            .http
            .get(app.url("/org/370602001000"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        let html = own.text().await.unwrap();
        assert!(html.contains("友谊街社区"), "{}", app.label);
        let sib = app
            .http
            .get(app.url("/org/370602002000"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert_eq!(sib.status(), StatusCode::NOT_FOUND);
        let found = app
            .http
            .get(app.url("/org?q=%E4%B8%9C%E5%B1%B1"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap();
        assert!(
            !found.text().await.unwrap().contains("370602002000"),
            "search stays inside the subtree"
        );
    }
}
