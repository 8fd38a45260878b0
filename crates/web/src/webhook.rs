//! The webhook sender: signed JSON POSTs over HTTP or HTTPS (rustls, the Mozilla roots
//! compiled in). No redirects are followed and the answer's body is not read: only the
//! status counts. The loops that use it are in `zhili_app::webhook_delivery`.

use async_trait::async_trait;
use zhili_app::webhook_delivery::{OutgoingRequest, WebhookSender};

pub struct HttpSender {
    client: reqwest::Client,
}

impl HttpSender {
    pub fn new() -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Zhili-Webhooks/", env!("CARGO_PKG_VERSION")))
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| format!("webhook HTTP client: {e}"))?;
        Ok(Self { client })
    }
}

#[async_trait]
impl WebhookSender for HttpSender {
    async fn post(&self, req: OutgoingRequest) -> Result<u16, String> {
        let mut r = self
            .client
            .post(&req.url)
            .timeout(req.timeout)
            .header("content-type", "application/json")
            .body(req.body);
        for (name, value) in req.headers {
            r = r.header(name, value);
        }
        match r.send().await {
            Ok(resp) => Ok(resp.status().as_u16()),
            Err(e) if e.is_timeout() => {
                Err(format!("timeout after {} ms", req.timeout.as_millis()))
            }
            Err(e) if e.is_connect() => Err(format!("connection failed: {}", chain(&e))),
            Err(e) => Err(chain(&e)),
        }
    }
}

/// An error and its causes, one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
