//! A real published index as the engine's test: UNDP's Human Development Index 2022 for all
//! 193 countries, from `examples/indices/hdi-2022.toml` and its data file alone.

use std::path::PathBuf;
use zhili_domain::index::{compute, sensitivity, IndexSpec, Inputs};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The spec, the inputs it names, and the published HDI per unit.
fn load() -> (IndexSpec, Inputs, Vec<(String, f64)>) {
    let spec_path = project().join("examples/indices/hdi-2022.toml");
    let text = std::fs::read_to_string(&spec_path).expect("read the HDI spec");
    let spec = IndexSpec::parse(&text).expect("the HDI spec is valid");
    let file = spec
        .data
        .file
        .clone()
        .expect("the spec names its data file");
    let data = spec_path.parent().unwrap().join(file);
    let mut rd = csv::Reader::from_path(&data).expect("open the HDI data");
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let unit = col(&spec.data.unit);
    let mut inputs = Inputs::new(rows.iter().map(|r| r[unit].to_owned())).unwrap();
    for key in spec.required_columns() {
        let c = col(key);
        inputs.set_column(key, rows.iter().map(|r| r[c].parse().ok()).collect());
    }
    let published = col("hdi_published");
    let expected = rows
        .iter()
        .map(|r| (r[unit].to_owned(), r[published].parse().unwrap()))
        .collect();
    (spec, inputs, expected)
}

#[test]
fn the_hdi_spec_reproduces_undp_for_all_193_countries_to_3_decimals() {
    let (spec, inputs, expected) = load();
    assert_eq!(expected.len(), 193);
    let results = compute(&spec, &inputs, None).unwrap();
    let mut wrong = Vec::new();
    for (unit, published) in &expected {
        let got = results.unit(unit).and_then(|u| u.score).unwrap();
        if (got - published).abs() > 0.0005 {
            wrong.push(format!("{unit}: {got:.6} vs {published}"));
        }
    }
    assert!(wrong.is_empty(), "{} of 193 differ: {wrong:?}", wrong.len());
    assert_eq!(results.dimensions, ["health", "education", "income"]);
    let che = results.unit("CHE").unwrap();
    assert_eq!(che.rank, Some(1), "Switzerland tops the 2022 HDI");
    assert!((che.nodes["education"] - 0.9).abs() < 0.05);
}

#[test]
fn hdi_ranks_are_stable_for_the_top_under_perturbation() {
    let (spec, inputs, _) = load();
    let a = sensitivity(&spec, &inputs, 50, 7).unwrap();
    let b = sensitivity(&spec, &inputs, 50, 7).unwrap();
    assert_eq!(a, b, "the same seed gives the same intervals");
    assert_eq!(a.len(), 193);
    for r in &a {
        assert!(r.best <= r.low && r.low <= r.median && r.median <= r.high && r.high <= r.worst);
    }
}
