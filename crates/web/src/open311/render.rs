//! One tree, two formats: every Open311 answer is built once as an `X` and written as XML
//! (the spec's mandatory format, UTF-8 with its declaration) or JSON (arrays even for one).

use serde_json::{Map, Value};

/// An Open311 value: text, number, boolean, empty, a record or a list of one element name.
pub enum X {
    Text(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    Null,
    Obj(Vec<(&'static str, X)>),
    /// In XML each item is wrapped in the given element; in JSON it is an array.
    List(&'static str, Vec<X>),
}

impl X {
    pub fn text(s: impl Into<String>) -> X {
        X::Text(s.into())
    }

    pub fn opt(s: Option<impl Into<String>>) -> X {
        s.map(|v| X::Text(v.into())).unwrap_or(X::Null)
    }

    pub fn to_json(&self) -> Value {
        match self {
            X::Text(s) => Value::String(s.clone()),
            X::Int(n) => Value::from(*n),
            X::Num(n) => serde_json::Number::from_f64(*n)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            X::Bool(b) => Value::Bool(*b),
            X::Null => Value::Null,
            X::Obj(fields) => {
                let mut m = Map::new();
                for (k, v) in fields {
                    m.insert((*k).to_owned(), v.to_json());
                }
                Value::Object(m)
            }
            X::List(_, items) => Value::Array(items.iter().map(X::to_json).collect()),
        }
    }

    /// The document `<root>…</root>` with the XML declaration.
    pub fn to_xml(&self, root: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        self.write_xml(root, &mut out);
        out
    }

    fn write_xml(&self, name: &str, out: &mut String) {
        let inner = |out: &mut String, f: &dyn Fn(&mut String)| {
            out.push('<');
            out.push_str(name);
            out.push('>');
            f(out);
            out.push_str("</");
            out.push_str(name);
            out.push('>');
        };
        match self {
            X::Null => {
                out.push('<');
                out.push_str(name);
                out.push_str("/>");
            }
            X::Text(s) => inner(out, &|o| escape_into(s, o)),
            X::Int(n) => inner(out, &|o| o.push_str(&n.to_string())),
            X::Num(n) => inner(out, &|o| o.push_str(&n.to_string())),
            X::Bool(b) => inner(out, &|o| o.push_str(if *b { "true" } else { "false" })),
            X::Obj(fields) => inner(out, &|o| {
                for (k, v) in fields {
                    v.write_xml(k, o);
                }
            }),
            X::List(item, items) => inner(out, &|o| {
                for v in items {
                    v.write_xml(item, o);
                }
            }),
        }
    }
}

/// Escape text for XML, dropping characters XML 1.0 cannot carry at all.
fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tree_writes_both_formats_and_escapes_text() {
        let t = X::List(
            "request",
            vec![X::Obj(vec![
                ("service_request_id", X::text("a<b>&\"'\u{1}")),
                ("lat", X::Num(37.5)),
                ("media_url", X::Null),
            ])],
        );
        assert_eq!(
            t.to_xml("service_requests"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<service_requests><request><service_request_id>a&lt;b&gt;&amp;&quot;&apos;</service_request_id><lat>37.5</lat><media_url/></request></service_requests>"
        );
        assert_eq!(
            t.to_json(),
            serde_json::json!([{ "service_request_id": "a<b>&\"'\u{1}", "lat": 37.5, "media_url": null }])
        );
    }
}
