//! Outbound webhooks, the pure part: event type names, the subscription's event filter, its
//! target URL, and the retry schedule. (Signing and sending live in the app.)

use crate::error::ParseError;

/// The event type a timeline action is announced as (`case.created`, `case.closed`, …).
/// Actions without a name of their own are announced as `case.<action>`.
pub fn event_type(action: &str) -> String {
    let name = match action {
        "create" => "created",
        "accept" => "accepted",
        "reject" => "rejected",
        "assign" => "assigned",
        "start" => "started",
        "escalate" => "escalated",
        "transfer" => "transferred",
        "return" => "returned",
        "resolve" => "resolved",
        "fail" => "failed",
        "refer" => "referred",
        "verify_and_close" => "closed",
        "suspend" => "suspended",
        "resume" => "resumed",
        "remind" => "reminded",
        "supervise" => "supervised",
        "rate" => "rated",
        "session" => "mediation_recorded",
        "attach" => "attachment_added",
        "resolve_on_spot" => "resolved_on_spot",
        other => other,
    };
    format!("case.{name}")
}

/// Every event type a subscription may name (besides `*`).
pub const EVENT_TYPES: &[&str] = &[
    "case.created",
    "case.accepted",
    "case.rejected",
    "case.assigned",
    "case.started",
    "case.escalated",
    "case.transferred",
    "case.returned",
    "case.resolved",
    "case.failed",
    "case.referred",
    "case.closed",
    "case.suspended",
    "case.resumed",
    "case.reminded",
    "case.supervised",
    "case.rated",
    "case.mediation_recorded",
    "case.attachment_added",
    "case.resolved_on_spot",
];

/// Which event types a subscription receives: all of them, or the listed ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<String>),
}

impl EventFilter {
    /// `*`, or event types separated by commas (spaces ignored). Unknown names are refused,
    /// so a typo does not silently subscribe to nothing.
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let names: Vec<&str> = raw
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if names.is_empty() {
            return Err(ParseError::new(
                "events",
                "webhook.events_required",
                "请指定事件类型（如 case.created），或用 * 表示全部",
            ));
        }
        if names.contains(&"*") {
            return Ok(EventFilter::All);
        }
        let mut out: Vec<String> = Vec::new();
        for n in names {
            if !EVENT_TYPES.contains(&n) {
                return Err(ParseError::new(
                    "events",
                    "webhook.event_unknown",
                    format!(
                        "未知的事件类型「{n}」，可选：* 或 {}",
                        EVENT_TYPES.join("、")
                    ),
                ));
            }
            if !out.iter().any(|o| o == n) {
                out.push(n.to_owned());
            }
        }
        Ok(EventFilter::Only(out))
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(v) => v.iter().any(|t| t == event_type),
        }
    }
}

impl std::fmt::Display for EventFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EventFilter::All => f.write_str("*"),
            EventFilter::Only(v) => f.write_str(&v.join(",")),
        }
    }
}

/// A receiver's address: `http://` or `https://`, a host, no spaces, at most 2,000 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let raw = raw.trim();
        let bad = |why: &str| {
            Err(ParseError::new(
                "url",
                "webhook.url_invalid",
                format!("接收地址无效：{why}"),
            ))
        };
        if raw.len() > 2000 {
            return bad("长度不能超过 2000");
        }
        let rest = match raw.split_once("://") {
            Some((s, rest))
                if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") =>
            {
                rest
            }
            _ => return bad("须以 http:// 或 https:// 开头"),
        };
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("不能包含空白或控制字符");
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or("");
        if authority.contains('@') {
            return bad("不能包含用户名或密码");
        }
        if host.is_empty() || host.starts_with(':') {
            return bad("缺少主机名");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How long to wait after failed attempt number `attempt` (1-based): `base`, `2·base`,
/// `4·base`, … capped at `cap`.
pub fn retry_delay_ms(base_ms: i64, cap_ms: i64, attempt: u32) -> i64 {
    let factor = 1i64 << attempt.saturating_sub(1).min(30);
    base_ms.saturating_mul(factor).min(cap_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_type_is_the_name_of_an_action() {
        let actions = [
            "create",
            "accept",
            "reject",
            "assign",
            "start",
            "escalate",
            "transfer",
            "return",
            "resolve",
            "fail",
            "refer",
            "verify_and_close",
            "suspend",
            "resume",
            "remind",
            "supervise",
            "rate",
            "session",
            "attach",
            "resolve_on_spot",
        ];
        let named: Vec<String> = actions.iter().map(|a| event_type(a)).collect();
        assert_eq!(named, EVENT_TYPES);
        for a in crate::case::Action::ALL {
            assert!(
                actions.contains(&a.as_str()),
                "{} has no event type",
                a.as_str()
            );
        }
    }

    #[test]
    fn filters_parse_and_match() {
        assert_eq!(EventFilter::parse(" * ").unwrap(), EventFilter::All);
        let f = EventFilter::parse("case.created, case.closed,case.created").unwrap();
        assert_eq!(f.to_string(), "case.created,case.closed");
        assert!(f.matches("case.closed") && !f.matches("case.assigned"));
        assert_eq!(
            EventFilter::parse("case.create").unwrap_err().code,
            "webhook.event_unknown"
        );
        assert_eq!(EventFilter::parse(" , ").unwrap_err().field, "events");
    }

    #[test]
    fn urls_need_a_scheme_and_a_host() {
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/hook").is_ok());
        assert!(WebhookUrl::parse("https://example.org").is_ok());
        for bad in [
            "ftp://x",
            "http://",
            "http:///x",
            "http://a b",
            "example.org",
            "http://u:p@host/",
        ] {
            assert_eq!(WebhookUrl::parse(bad).unwrap_err().field, "url", "{bad}");
        }
    }

    #[test]
    fn delays_double_up_to_the_cap() {
        let d: Vec<i64> = (1..=6).map(|a| retry_delay_ms(10, 100, a)).collect();
        assert_eq!(d, [10, 20, 40, 80, 100, 100]);
        assert_eq!(retry_delay_ms(10_000, 3_600_000, 200), 3_600_000);
    }
}
