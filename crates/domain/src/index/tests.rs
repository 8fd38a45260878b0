//! Engine tests: bad specs named by line, aggregation, missing data, transforms, warnings,
//! change against the previous period, sensitivity.

use super::*;

/// A small valid spec: root (arithmetic) over `a` (two indicators) and indicator `z`.
const BASE: &str = r#"
[index]
id = "t"
name = "测试"
children = ["a", "z"]

[data]
unit = "unit"
population = "pop"

[[dimension]]
id = "a"
children = ["x", "y"]

[[indicator]]
id = "x"
normalise = "minmax"
min = 0
max = 10

[[indicator]]
id = "y"
normalise = "minmax"
min = 0
max = 10

[[indicator]]
id = "z"
normalise = "minmax"
min = 0
max = 10
"#;

fn spec(text: &str) -> IndexSpec {
    IndexSpec::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> SpecError {
    IndexSpec::parse(text).expect_err("the spec should be refused")
}

/// A key and its value.
type Cell<'a> = (&'a str, Option<f64>);
/// A unit and its values.
type Row<'a> = (&'a str, &'a [Cell<'a>]);

fn inputs(rows: &[Row]) -> Inputs {
    let mut i = Inputs::new(rows.iter().map(|r| r.0)).unwrap();
    for (unit, values) in rows {
        for (k, v) in *values {
            i.set(unit, k, *v);
        }
    }
    i
}

fn score(r: &Results, unit: &str) -> f64 {
    r.unit(unit).and_then(|u| u.score).unwrap()
}

#[test]
fn an_unknown_indicator_is_refused_with_its_line() {
    let e = err(&BASE.replace(r#"children = ["x", "y"]"#, r#"children = ["x", "nope"]"#));
    assert_eq!(e.line, 13, "{e}");
    assert!(e.message.contains("nope"), "{e}");
}

#[test]
fn weights_that_do_not_sum_as_declared_are_refused_with_the_line() {
    let text = BASE
        .replace(
            "children = [\"x\", \"y\"]",
            "weights_sum = 1\nchildren = [\"x\", \"y\"]",
        )
        .replace(
            "min = 0\nmax = 10\n\n[[indicator]]\nid = \"y\"",
            "weight = 0.5\nmin = 0\nmax = 10\n\n[[indicator]]\nid = \"y\"\nweight = 0.4",
        );
    let e = err(&text);
    assert_eq!(e.line, 14, "{e}");
    assert!(e.message.contains("weights_sum"), "{e}");
    // 0.5 + 0.5 passes.
    spec(&text.replace("weight = 0.4", "weight = 0.5"));
}

#[test]
fn a_cycle_in_the_dimension_tree_is_refused_with_the_line() {
    let text = BASE.replace(
        r#"children = ["x", "y"]"#,
        "children = [\"x\", \"b\"]\n\n[[dimension]]\nid = \"b\"\nchildren = [\"y\", \"a\"]",
    );
    let e = err(&text);
    assert_eq!(e.line, 17, "{e}");
    assert!(e.message.contains("a → b → a"), "{e}");
}

#[test]
fn a_normalisation_with_min_equal_to_max_is_refused_with_the_line() {
    let text = BASE.replacen("max = 10", "max = 0", 2);
    let e = err(&text);
    assert_eq!(e.line, 19, "{e}");
    assert!(
        e.message.contains("min") && e.message.contains("max"),
        "{e}"
    );
}

#[test]
fn syntax_errors_unknown_keys_and_values_name_their_line() {
    let e = err(&BASE.replace(
        "normalise = \"minmax\"\nmin = 0\nmax = 10\n\n[[indicator]]\nid = \"z\"",
        "normalise = \"linear\"\nmin = 0\nmax = 10\n\n[[indicator]]\nid = \"z\"",
    ));
    assert_eq!(e.line, 23, "{e}");
    let e = err(&BASE.replace("population = \"pop\"", "popluation = \"pop\""));
    assert_eq!(e.line, 9, "{e}");
    let e = err(&BASE.replace("id = \"t\"", "id = \"t"));
    assert_eq!(e.line, 3, "{e}");
}

#[test]
fn orphans_and_second_parents_are_refused() {
    let e = err(&BASE.replace(r#"children = ["a", "z"]"#, r#"children = ["a"]"#));
    assert!(e.message.contains("`z`"), "{e}");
    assert_eq!(e.line, 28);
    let e = err(&BASE.replace(r#"children = ["a", "z"]"#, r#"children = ["a", "z", "x"]"#));
    assert_eq!(e.line, 5);
}

#[test]
fn arithmetic_geometric_and_minimum_aggregate_as_declared() {
    let data = inputs(&[("u", &[("x", Some(2.0)), ("y", Some(8.0)), ("z", Some(5.0))])]);
    let arith = compute(&spec(BASE), &data, None).unwrap();
    // a = (0.2 + 0.8)/2 = 0.5; root = (0.5 + 0.5)/2.
    assert!((score(&arith, "u") - 0.5).abs() < 1e-12);
    assert!((arith.units[0].nodes["a"] - 0.5).abs() < 1e-12);
    let geo = compute(
        &spec(&BASE.replace(
            "children = [\"x\", \"y\"]",
            "aggregation = \"geometric\"\nchildren = [\"x\", \"y\"]",
        )),
        &data,
        None,
    )
    .unwrap();
    assert!(
        (geo.units[0].nodes["a"] - 0.4).abs() < 1e-12,
        "sqrt(0.2·0.8)"
    );
    let min = compute(
        &spec(&BASE.replace(
            "children = [\"x\", \"y\"]",
            "aggregation = \"minimum\"\nchildren = [\"x\", \"y\"]",
        )),
        &data,
        None,
    )
    .unwrap();
    assert!((min.units[0].nodes["a"] - 0.2).abs() < 1e-12);
}

#[test]
fn missing_values_reweight_impute_or_fail_by_policy() {
    let data = inputs(&[
        ("u", &[("x", Some(2.0)), ("y", None), ("z", Some(6.0))]),
        ("v", &[("x", Some(4.0)), ("y", Some(8.0)), ("z", Some(6.0))]),
    ]);
    let r = compute(&spec(BASE), &data, None).unwrap();
    assert!(
        (r.unit("u").unwrap().nodes["a"] - 0.2).abs() < 1e-12,
        "y skipped, x reweighted"
    );
    let mean = BASE.replace("id = \"y\"", "id = \"y\"\nmissing = \"mean\"");
    let r = compute(&spec(&mean), &data, None).unwrap();
    assert!(
        (r.unit("u").unwrap().nodes["a"] - 0.5).abs() < 1e-12,
        "y imputed as 8"
    );
    let fail = BASE.replace("id = \"y\"", "id = \"y\"\nmissing = \"fail\"");
    let e = compute(&spec(&fail), &data, None).unwrap_err();
    assert!(
        matches!(e, ComputeError::Missing { ref unit, .. } if unit == "u"),
        "{e}"
    );
}

#[test]
fn transforms_per_10k_rate_ln_and_change() {
    let text = BASE
        .replace("id = \"x\"", "id = \"x\"\ntransform = \"per_10k\"")
        .replace(
            "id = \"y\"",
            "id = \"y\"\ntransform = \"rate\"\ndenominator = \"d\"\nrate_scale = 10",
        )
        .replace(
            "id = \"z\"\nnormalise = \"minmax\"\nmin = 0\nmax = 10",
            "id = \"z\"\ntransform = \"change\"\nnormalise = \"minmax\"\nmin = -1\nmax = 1",
        );
    let mut data = inputs(&[(
        "u",
        &[
            ("x", Some(5.0)),
            ("pop", Some(20_000.0)),
            ("y", Some(1.0)),
            ("d", Some(4.0)),
            ("z", Some(15.0)),
        ],
    )]);
    data.set_previous("u", "z", Some(10.0));
    let r = compute(&spec(&text), &data, None).unwrap();
    // x: 2.5 per 10k → 0.25; y: 1/4·10 = 2.5 → 0.25; z: +50 % → 0.75.
    let u = r.unit("u").unwrap();
    assert!((u.nodes["a"] - 0.25).abs() < 1e-12, "{u:?}");
    assert!((u.score.unwrap() - 0.5).abs() < 1e-12, "{u:?}");
    let ln = BASE.replace(
        "id = \"z\"\nnormalise = \"minmax\"\nmin = 0\nmax = 10",
        "id = \"z\"\ntransform = \"ln\"\nnormalise = \"minmax\"\nmin = 1\nmax = 100",
    );
    let data = inputs(&[(
        "u",
        &[("x", Some(0.0)), ("y", Some(0.0)), ("z", Some(10.0))],
    )]);
    let r = compute(&spec(&ln), &data, None).unwrap();
    assert!(
        (r.unit("u").unwrap().score.unwrap() - 0.25).abs() < 1e-12,
        "ln 10 / ln 100 = 0.5"
    );
}

#[test]
fn ranks_changes_and_warnings_follow_the_rules() {
    let text = format!(
        "{BASE}\n[[warning]]\nkind = \"below\"\nthreshold = 0.3\nlevel = \"red\"\n\n[[warning]]\nkind = \"fall\"\nby = 0.1\nlevel = \"orange\"\n\n[[warning]]\nkind = \"bottom\"\nn = 1\nlevel = \"yellow\"\n"
    )
    .replace("id = \"z\"", "id = \"z\"\nband_max = 9");
    let text =
        format!("{text}\n[[warning]]\nkind = \"band\"\nindicator = \"z\"\nlevel = \"blue\"\n");
    let s = spec(&text);
    let row = |v: f64| [("x", Some(v)), ("y", Some(v)), ("z", Some(v))];
    let (a, b, c) = (row(9.5), row(5.0), row(2.0));
    let now = inputs(&[("A", &a), ("B", &b), ("C", &c)]);
    let (a0, b0, c0) = (row(5.0), row(9.0), row(2.0));
    let before = compute(&s, &inputs(&[("A", &a0), ("B", &b0), ("C", &c0)]), None).unwrap();
    let r = compute(&s, &now, Some(&before)).unwrap();
    let (ua, ub, uc) = (
        r.unit("A").unwrap(),
        r.unit("B").unwrap(),
        r.unit("C").unwrap(),
    );
    assert_eq!((ua.rank, ub.rank, uc.rank), (Some(1), Some(2), Some(3)));
    assert_eq!((ua.rank_change, ub.rank_change), (Some(1), Some(-1)));
    assert!((ub.change.unwrap() + 0.4).abs() < 1e-12);
    let kinds = |u: &UnitResult| {
        u.warnings
            .iter()
            .map(|w| (w.level, w.kind))
            .collect::<Vec<_>>()
    };
    assert_eq!(kinds(ua), [(WarningLevel::Blue, WarningKind::Band)]);
    assert_eq!(kinds(ub), [(WarningLevel::Orange, WarningKind::Fall)]);
    assert_eq!(
        kinds(uc),
        [
            (WarningLevel::Red, WarningKind::Below),
            (WarningLevel::Yellow, WarningKind::Bottom)
        ]
    );
    assert!(uc.warnings[0].message.contains("低于"));
}

#[test]
fn equal_scores_share_a_rank() {
    assert_eq!(
        rank(&[Some(1.0), Some(3.0), None, Some(3.0)]),
        [Some(3), Some(1), None, Some(1)]
    );
}

#[test]
fn sensitivity_is_seeded_and_brackets_the_base_rank() {
    let s = spec(BASE);
    let rows: Vec<(String, [Cell; 3])> = (0..13)
        .map(|i| {
            let f = i as f64;
            (
                format!("U{i}"),
                [
                    ("x", Some(f % 7.0)),
                    ("y", Some(10.0 - f * 0.7)),
                    ("z", Some((f * 3.0) % 10.0)),
                ],
            )
        })
        .collect();
    let refs: Vec<Row> = rows.iter().map(|(u, v)| (u.as_str(), &v[..])).collect();
    let data = inputs(&refs);
    let a = sensitivity(&s, &data, 200, 42).unwrap();
    assert_eq!(a, sensitivity(&s, &data, 200, 42).unwrap());
    assert_ne!(a, sensitivity(&s, &data, 200, 43).unwrap());
    assert_eq!(a.len(), 13);
    assert!(a.iter().all(|r| r.best <= r.rank && r.rank <= r.worst));
    assert!(
        a.iter().any(|r| r.high > r.low),
        "perturbation moves some ranks"
    );
}

#[test]
fn the_shipped_city_specs_parse_and_compute() {
    for file in ["safety.toml", "mediation.toml"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/indices/");
        let text = std::fs::read_to_string(format!("{path}{file}")).unwrap();
        let s = spec(&text);
        let units: Vec<String> = (0..13).map(|i| format!("3706{i:02}")).collect();
        let mut data = Inputs::new(units.clone()).unwrap();
        for (k, key) in s.required_columns().into_iter().enumerate() {
            let col = (0..13)
                .map(|u| Some(1.0 + ((u * 7 + k * 3) % 13) as f64 / 13.0))
                .collect();
            data.set_column(key, col);
        }
        let r = compute(&s, &data, None).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(
            r.units
                .iter()
                .all(|u| u.score.is_some() && u.rank.is_some()),
            "{file}"
        );
        assert!(
            s.indicators.iter().all(|i| i.rationale.is_some()),
            "{file}: every indicator has a rationale"
        );
    }
}
