//! The spec's documents as `X` trees: element names exactly as GeoReport v2 (and
//! FixMyStreet's `servicerequestupdates`) write them.

use super::render::X;
use zhili_app::open311::{Open311Receipt, Open311Request, Open311RequestUpdate, Open311Service};
use zhili_domain::datetime::format_w3c;
use zhili_domain::open311::ServiceAttribute;

/// When this server's Open311 interface last changed (discovery's `changeset`).
const CHANGESET: &str = "2026-11-26T00:00:00+08:00";

pub fn discovery(url: &str, jurisdiction: &str) -> X {
    X::Obj(vec![
        ("changeset", X::text(CHANGESET)),
        (
            "contact",
            X::text(format!(
                "治理平台 Open311 接口（jurisdiction_id {jurisdiction}）；API 密钥向系统管理员申请"
            )),
        ),
        (
            "key_service",
            X::text("向系统管理员申请：zhili apikey add --name …（不带 --source）"),
        ),
        (
            "endpoints",
            X::List(
                "endpoint",
                vec![X::Obj(vec![
                    (
                        "specification",
                        X::text("http://wiki.open311.org/GeoReport_v2"),
                    ),
                    ("url", X::text(url)),
                    ("changeset", X::text(CHANGESET)),
                    ("type", X::text("production")),
                    (
                        "formats",
                        X::List(
                            "format",
                            vec![X::text("text/xml"), X::text("application/json")],
                        ),
                    ),
                ])],
            ),
        ),
    ])
}

pub fn services(list: &[Open311Service]) -> X {
    X::List(
        "service",
        list.iter()
            .map(|s| {
                X::Obj(vec![
                    ("service_code", X::text(&s.code)),
                    ("service_name", X::text(&s.name)),
                    ("description", X::text(&s.description)),
                    ("metadata", X::Bool(s.metadata)),
                    ("type", X::text("realtime")),
                    ("keywords", X::text(&s.keywords)),
                    ("group", X::text(&s.group)),
                ])
            })
            .collect(),
    )
}

pub fn definition(code: &str, attrs: &[ServiceAttribute]) -> X {
    X::Obj(vec![
        ("service_code", X::text(code)),
        (
            "attributes",
            X::List(
                "attribute",
                attrs
                    .iter()
                    .map(|a| {
                        X::Obj(vec![
                            ("variable", X::Bool(true)),
                            ("code", X::text(a.code)),
                            ("datatype", X::text(a.datatype.as_str())),
                            ("required", X::Bool(a.required)),
                            ("datatype_description", X::text(a.datatype_description)),
                            ("order", X::Int(a.order)),
                            ("description", X::text(a.description)),
                            (
                                "values",
                                X::List(
                                    "value",
                                    a.values
                                        .iter()
                                        .map(|(k, n)| {
                                            X::Obj(vec![
                                                ("key", X::text(*k)),
                                                ("name", X::text(*n)),
                                            ])
                                        })
                                        .collect(),
                                ),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

pub fn requests(list: &[Open311Request]) -> X {
    X::List(
        "request",
        list.iter()
            .map(|r| {
                X::Obj(vec![
                    ("service_request_id", X::text(&r.service_request_id)),
                    ("status", X::text(if r.open { "open" } else { "closed" })),
                    ("extended_status", X::text(r.extended_status.as_str())),
                    ("status_notes", X::text(&r.status_notes)),
                    ("service_name", X::text(&r.service_name)),
                    ("service_code", X::text(&r.service_code)),
                    ("description", X::text(&r.description)),
                    ("agency_responsible", X::opt(r.agency_responsible.clone())),
                    ("service_notice", X::Null),
                    ("requested_datetime", X::text(format_w3c(r.requested_ms))),
                    ("updated_datetime", X::text(format_w3c(r.updated_ms))),
                    ("expected_datetime", X::opt(r.expected_ms.map(format_w3c))),
                    ("address", X::opt(r.address.clone())),
                    ("address_id", X::Null),
                    ("zipcode", X::Null),
                    ("lat", r.lat.map(X::Num).unwrap_or(X::Null)),
                    ("long", r.long.map(X::Num).unwrap_or(X::Null)),
                    ("media_url", X::opt(r.media_url.clone())),
                ])
            })
            .collect(),
    )
}

pub fn receipt(r: &Open311Receipt) -> X {
    X::List(
        "request",
        vec![X::Obj(vec![
            ("service_request_id", X::text(&r.service_request_id)),
            ("token", X::text(&r.token)),
            ("service_notice", X::text(&r.service_notice)),
        ])],
    )
}

pub fn token(id: &str, token: &str) -> X {
    X::List(
        "request",
        vec![X::Obj(vec![
            ("service_request_id", X::text(id)),
            ("token", X::text(token)),
        ])],
    )
}

pub fn updates(list: &[Open311RequestUpdate]) -> X {
    X::List(
        "request_update",
        list.iter()
            .map(|u| {
                X::Obj(vec![
                    ("update_id", X::text(&u.update_id)),
                    ("service_request_id", X::text(&u.service_request_id)),
                    ("status", X::text(u.status.as_str())),
                    ("updated_datetime", X::text(format_w3c(u.updated_ms))),
                    ("description", X::text(&u.description)),
                    ("media_url", X::Null),
                ])
            })
            .collect(),
    )
}
