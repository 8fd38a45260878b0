use crate::helpers::*;
use reqwest::StatusCode;

#[tokio::test]
async fn the_browser_signs_in_with_a_cookie_and_forms_need_the_csrf_token() {
    for app in spawn_all().await {
        let resp = app.http.get(app.url("/org")).send().await.unwrap();
        assert_eq!(
            (resp.status(), resp.headers()["location"].to_str().unwrap()),
            (StatusCode::SEE_OTHER, "/login")
        );
        let (login_cookie, csrf) = app.login_form().await;
        // Without the login CSRF cookie the form is refused.
        let form = [
            ("username", "admin"),
            ("password", "zhili-demo"),
            ("csrf", csrf.as_str()),
        ];
        let resp = app
            .http
            .post(app.url("/login"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", app.label);
        let resp = app
            .http
            .post(app.url("/login"))
            .header("cookie", &login_cookie)
            .form(&form)
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
        let page = app.page(&session, "/org/370602000000").await;
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
            app.page(&session, "/api/v1/me").await.status(),
            StatusCode::UNAUTHORIZED
        );
        let new_user = |csrf: &str| {
            [
                ("csrf", csrf.to_owned()),
                ("username", "via-page".into()),
                ("password", "Acc-pass-12345".into()),
                ("role", "leader".into()),
                ("node", "370602000000".into()),
            ]
        };
        let resp = app
            .http
            .post(app.url("/admin/users"))
            .header("cookie", &session)
            .form(&new_user("forged"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        let resp = app
            .http
            .post(app.url("/admin/users"))
            .header("cookie", &session)
            .form(&new_user(&token))
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
        assert_eq!(
            app.page(&session, "/org").await.status(),
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
        let session = app.page_login("t1-leader", "Acc-pass-12345").await;
        assert_eq!(
            app.page(&session, "/org").await.headers()["location"],
            "/org/370602001000"
        );
        let html = app
            .page(&session, "/org/370602001000")
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("友谊街社区"), "{}", app.label);
        assert_eq!(
            app.page(&session, "/org/370602002000").await.status(),
            StatusCode::NOT_FOUND
        );
        let found = app
            .page(&session, "/org?q=%E4%B8%9C%E5%B1%B1")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            !found.contains("370602002000"),
            "search stays inside the subtree"
        );
    }
}

#[tokio::test]
async fn the_auditor_page_shows_the_log_and_an_intact_chain_and_others_get_403() {
    for app in spawn_all().await {
        let session = app.page_login("auditor", "zhili-demo").await;
        let html = app.page(&session, "/audit").await.text().await.unwrap();
        assert!(
            html.contains("哈希链完整") && html.contains("auth.login"),
            "{}",
            app.label
        );
        let sys = app.page_login("sysadmin", "zhili-demo").await;
        assert_eq!(
            app.page(&sys, "/audit").await.status(),
            StatusCode::FORBIDDEN,
            "{}: 三权分立",
            app.label
        );
    }
}
