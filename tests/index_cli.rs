//! `zhili index compute` as an operator runs it: no database, a spec and a CSV in, a CSV out.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn zhili(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhili"))
        .args(args)
        .env_remove("ZHILI_DATABASE_URL")
        .env("ZHILI_LOG", "warn")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run zhili")
}

fn project(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

#[test]
fn index_compute_reproduces_the_hdi_from_the_spec_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hdi.csv");
    let data_dir = dir.path().join("zhili-data");
    let o = zhili(&[
        "--data-dir",
        data_dir.to_str().unwrap(),
        "index",
        "compute",
        "--spec",
        "examples/indices/hdi-2022.toml",
        "--data",
        project("examples/indices/hdi-2022/hdi_input.csv")
            .to_str()
            .unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!data_dir.exists(), "no database is opened");
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("unit,score,rank,health,education,income")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 193);
    let score = |unit: &str| -> f64 {
        let row = rows.iter().find(|r| r[0] == unit).unwrap();
        row[1].parse().unwrap()
    };
    assert!((score("CHE") - 0.967).abs() <= 0.0005, "Switzerland");
    assert!((score("SOM") - 0.380).abs() <= 0.0005, "Somalia");
    assert!((score("KAZ") - 0.802).abs() <= 0.0005, "the closest call");
    assert!(rows.iter().any(|r| r[0] == "CHE" && r[2] == "1"));
}

#[test]
fn index_compute_finds_the_data_file_beside_the_spec_and_writes_stdout() {
    let o = zhili(&[
        "index",
        "compute",
        "--spec",
        "examples/indices/hdi-2022.toml",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("unit,score,rank,health,"));
    assert_eq!(text.lines().count(), 194);
}

#[test]
fn a_bad_spec_exits_non_zero_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(project("examples/indices/hdi-2022.toml")).unwrap();
    let line = 1 + text[..text.find("max = 15").unwrap()].matches('\n').count();
    std::fs::write(&spec, text.replace("max = 15", "max = 0")).unwrap();
    let o = zhili(&["index", "compute", "--spec", spec.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.toml"), "{err}");
    assert!(err.contains("min = max"), "{err}");
    assert!(err.contains(&format!("line {line}:")), "{err}");
}

#[test]
fn sensitivity_prints_rank_intervals() {
    let o = zhili(&[
        "index",
        "compute",
        "--spec",
        "examples/indices/hdi-2022.toml",
        "--sensitivity",
        "20",
        "--seed",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unit,rank,p5,median,p95,best,worst"), "{err}");
    assert_eq!(
        err.lines().filter(|l| l.starts_with("CHE,1,")).count(),
        1,
        "{err}"
    );
}
