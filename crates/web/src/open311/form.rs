//! Reading Open311 input: the path's format suffix, the form of `POST requests` and the
//! queries of `GET requests` and `servicerequestupdates`. Bytes in, typed values or a
//! `ParseError` naming the field out; nothing here panics, whatever arrives (proptests).

use zhili_app::open311::{Open311Filter, Open311Post};
use zhili_domain::datetime::parse_w3c;
use zhili_domain::ParseError;

/// The response formats, chosen by the path's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

/// `services.json` → `("services", Json)`; `None` without a known suffix.
pub fn split_format(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let f = match ext {
        "xml" => Format::Xml,
        "json" => Format::Json,
        _ => return None,
    };
    (!name.is_empty()).then_some((name, f))
}

/// At most this many values in one form or query; at most this long each.
const MAX_PAIRS: usize = 200;
const MAX_VALUE: usize = 20_000;
const MAX_IDS: usize = 100;

fn bad(field: &'static str, message: impl Into<String>) -> ParseError {
    ParseError::new(field, "open311.invalid", message)
}

fn pairs(raw: &[u8]) -> Result<Vec<(String, String)>, ParseError> {
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(raw) {
        if out.len() >= MAX_PAIRS {
            return Err(bad("form", format!("参数过多（至多 {MAX_PAIRS} 个）")));
        }
        if v.chars().count() > MAX_VALUE {
            return Err(bad("form", format!("参数「{k}」过长")));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

/// The one value of a field that may appear once.
fn single(pairs: &[(String, String)], field: &'static str) -> Result<Option<String>, ParseError> {
    let mut it = pairs.iter().filter(|(k, _)| k == field);
    let first = it.next().map(|(_, v)| v.clone());
    if it.next().is_some() {
        return Err(bad(field, format!("{field} 只能出现一次")));
    }
    Ok(first)
}

fn number(pairs: &[(String, String)], field: &'static str) -> Result<Option<f64>, ParseError> {
    match single(pairs, field)?.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| bad(field, format!("{field} 须为十进制数（WGS-84）"))),
    }
}

fn date(pairs: &[(String, String)], field: &'static str) -> Result<Option<i64>, ParseError> {
    match single(pairs, field)?.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => parse_w3c(field, v).map(Some),
    }
}

/// Comma-delimited values, trimmed, empty ones dropped.
fn list(
    pairs: &[(String, String)],
    field: &'static str,
    max: usize,
) -> Result<Vec<String>, ParseError> {
    let v: Vec<String> = single(pairs, field)?
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if v.len() > max {
        return Err(bad(field, format!("{field} 至多 {max} 个")));
    }
    Ok(v)
}

/// The form of `POST requests` (`application/x-www-form-urlencoded`). Fields the spec
/// defines that Zhili does not keep (`email`, `device_id`, `account_id`) and unknown ones are
/// ignored; `attribute[code]` (and `attribute[code][]` for lists) are collected.
pub fn parse_post(raw: &[u8]) -> Result<Open311Post, ParseError> {
    let p = pairs(raw)?;
    let mut attributes = Vec::new();
    for (k, v) in &p {
        if let Some(rest) = k.strip_prefix("attribute[") {
            let code = rest.strip_suffix("][]").or_else(|| rest.strip_suffix(']'));
            match code {
                Some(c) if !c.is_empty() && c.len() <= 40 && !c.contains(['[', ']']) => {
                    attributes.push((c.to_owned(), v.clone()))
                }
                _ => {
                    return Err(bad(
                        "attribute",
                        format!("「{k}」不是 attribute[code] 形式"),
                    ))
                }
            }
        }
    }
    Ok(Open311Post {
        api_key: single(&p, "api_key")?,
        jurisdiction_id: single(&p, "jurisdiction_id")?,
        service_code: single(&p, "service_code")?.unwrap_or_default(),
        lat: number(&p, "lat")?,
        long: number(&p, "long")?,
        address_string: single(&p, "address_string")?,
        address_id: single(&p, "address_id")?,
        first_name: single(&p, "first_name")?,
        last_name: single(&p, "last_name")?,
        phone: single(&p, "phone")?,
        description: single(&p, "description")?.unwrap_or_default(),
        media_url: single(&p, "media_url")?,
        attributes,
    })
}

/// The query of `GET requests`.
pub fn parse_filter(raw: &str) -> Result<Open311Filter, ParseError> {
    let p = pairs(raw.as_bytes())?;
    let mut open = None;
    for s in list(&p, "status", 2)? {
        let this = match s.as_str() {
            "open" => true,
            "closed" => false,
            other => {
                return Err(bad(
                    "status",
                    format!("status「{other}」无效，可选 open、closed"),
                ))
            }
        };
        open = match open {
            Some(o) if o != this => return filter_both(p),
            _ => Some(this),
        };
    }
    let mut f = filter_both(p)?;
    f.open = open;
    Ok(f)
}

fn filter_both(p: Vec<(String, String)>) -> Result<Open311Filter, ParseError> {
    Ok(Open311Filter {
        jurisdiction_id: single(&p, "jurisdiction_id")?,
        ids: list(&p, "service_request_id", MAX_IDS)?,
        service_codes: list(&p, "service_code", MAX_IDS)?,
        open: None,
        start_ms: date(&p, "start_date")?,
        end_ms: date(&p, "end_date")?,
    })
}

/// `jurisdiction_id` alone (services, tokens, one request).
pub fn parse_jurisdiction(raw: &str) -> Result<Option<String>, ParseError> {
    single(&pairs(raw.as_bytes())?, "jurisdiction_id")
}

/// The query of `servicerequestupdates`: jurisdiction, start and end.
pub type UpdatesQuery = (Option<String>, Option<i64>, Option<i64>);

pub fn parse_updates(raw: &str) -> Result<UpdatesQuery, ParseError> {
    let p = pairs(raw.as_bytes())?;
    Ok((
        single(&p, "jurisdiction_id")?,
        date(&p, "start_date")?,
        date(&p, "end_date")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_form_is_read_field_by_field() {
        let p = parse_post(b"api_key=k&service_code=municipal.streetlight&lat=37.5&long=121.4&description=%E8%B7%AF%E7%81%AF&attribute[fault]=dark&attribute[place][]=a&attribute[place][]=b&email=x%40y").unwrap();
        assert_eq!(
            (p.api_key.as_deref(), p.lat, p.long),
            (Some("k"), Some(37.5), Some(121.4))
        );
        assert_eq!(p.description, "路灯");
        assert_eq!(p.attributes.len(), 3);
        assert_eq!(parse_post(b"lat=north").unwrap_err().field, "lat");
        assert_eq!(parse_post(b"lat=NaN").unwrap_err().field, "lat");
        assert_eq!(
            parse_post(b"service_code=a&service_code=b")
                .unwrap_err()
                .field,
            "service_code"
        );
        assert_eq!(parse_post(b"attribute[=x").unwrap_err().field, "attribute");
    }

    #[test]
    fn queries_split_lists_and_read_w3c_dates() {
        let f =
            parse_filter("service_request_id=a,%20b,&status=open&start_date=2026-01-01T00:00:00Z")
                .unwrap();
        assert_eq!(f.ids, vec!["a", "b"]);
        assert_eq!(f.open, Some(true));
        assert!(f.start_ms.is_some());
        assert_eq!(parse_filter("status=open,closed").unwrap().open, None);
        assert_eq!(parse_filter("status=pending").unwrap_err().field, "status");
        assert_eq!(
            parse_filter("end_date=2026-01-01").unwrap_err().field,
            "end_date"
        );
        assert_eq!(
            split_format("municipal.streetlight.json"),
            Some(("municipal.streetlight", Format::Json))
        );
        assert_eq!(split_format("requests.html"), None);
        assert_eq!(split_format(".xml"), None);
    }

    proptest! {
        #[test]
        fn no_form_panics(raw in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = parse_post(&raw);
        }

        #[test]
        fn no_form_of_known_fields_panics(
            fields in prop::collection::vec((
                prop::sample::select(vec!["api_key", "service_code", "lat", "long", "description", "attribute[fault]", "attribute[", "attribute[]]", "first_name", "phone", "media_url", "address_id"]),
                "\\PC{0,30}",
            ), 0..12)
        ) {
            let raw: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
            let _ = parse_post(raw.as_bytes());
        }

        #[test]
        fn no_query_panics(raw in "\\PC{0,200}") {
            let _ = parse_filter(&raw);
            let _ = parse_updates(&raw);
            let _ = parse_jurisdiction(&raw);
            let _ = split_format(&raw);
        }

        #[test]
        fn no_query_of_known_fields_panics(
            fields in prop::collection::vec((
                prop::sample::select(vec!["service_request_id", "service_code", "status", "start_date", "end_date", "jurisdiction_id"]),
                "[-0-9a-zA-Z:,.+ TZ]{0,30}",
            ), 0..8)
        ) {
            let raw: String = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
            let _ = parse_filter(&raw);
            let _ = parse_updates(&raw);
        }
    }
}
