//! `zhili index compute`: an index from a spec file and a CSV data file, without a database.
//! Writes `unit,score,rank` and one column per dimension; warnings and the optional
//! sensitivity intervals go to stderr.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use zhili_domain::index::{compute, sensitivity, IndexSpec, Inputs, Results};

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Compute an index from a spec (TOML) and a data file (CSV); see docs/indices.md.
    Compute(ComputeArgs),
}

#[derive(Args, Debug)]
pub struct ComputeArgs {
    /// The spec file (TOML).
    #[arg(long)]
    spec: PathBuf,
    /// The data file (CSV with a header); default: `[data] file` of the spec, relative to it.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Last period's data file (same columns): fills the change, rank change and fall warnings.
    #[arg(long)]
    previous: Option<PathBuf>,
    /// Where to write the result CSV (default: standard output).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Also run this many seeded Monte Carlo perturbations and print rank intervals (stderr).
    #[arg(long)]
    sensitivity: Option<usize>,
    /// Seed of the sensitivity run.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn index(c: IndexCommand) -> Result<ExitCode> {
    match c {
        IndexCommand::Compute(a) => compute_cmd(a),
    }
}

fn compute_cmd(a: ComputeArgs) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&a.spec)
        .with_context(|| format!("读取 / reading {}", a.spec.display()))?;
    let spec = IndexSpec::parse(&text).map_err(|e| anyhow!("{}: {e}", a.spec.display()))?;
    let data = match (&a.data, &spec.data.file) {
        (Some(d), _) => d.clone(),
        (None, Some(f)) => a.spec.parent().unwrap_or(Path::new(".")).join(f),
        (None, None) => bail!("规格没有 [data] file，请用 --data 指定数据文件 / pass --data"),
    };
    let mut inputs = read_table(&data, &spec)?;
    let previous = match &a.previous {
        Some(p) => {
            let before = read_table(p, &spec)?;
            for (u, unit) in before.units().iter().enumerate() {
                for key in spec.required_columns() {
                    inputs.set_previous(unit, key, before.get(u, key));
                }
            }
            Some(compute(&spec, &before, None).map_err(|e| anyhow!("{}: {e}", p.display()))?)
        }
        None => None,
    };
    let results = compute(&spec, &inputs, previous.as_ref())
        .map_err(|e| anyhow!("{}: {e}", data.display()))?;
    let csv = to_csv(&spec, &results)?;
    match &a.out {
        Some(path) => std::fs::write(path, csv)
            .with_context(|| format!("写入 / writing {}", path.display()))?,
        None => std::io::stdout().write_all(&csv)?,
    }
    print_warnings(&results);
    if let Some(runs) = a.sensitivity {
        let intervals = sensitivity(&spec, &inputs, runs, a.seed)?;
        eprintln!("# 排名区间 / rank intervals ({runs} runs, seed {})", a.seed);
        eprintln!("unit,rank,p5,median,p95,best,worst");
        for r in intervals {
            eprintln!(
                "{},{},{},{},{},{},{}",
                r.unit, r.rank, r.low, r.median, r.high, r.best, r.worst
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads the unit column and every column the spec needs. Empty cells and `NA`, `..`, `-`
/// are missing values; anything else must be a number.
fn read_table(path: &Path, spec: &IndexSpec) -> Result<Inputs> {
    let mut rd = csv::Reader::from_path(path)
        .with_context(|| format!("打开 / opening {}", path.display()))?;
    let headers = rd.headers()?.clone();
    let find = |name: &str| headers.iter().position(|h| h.trim() == name);
    let unit_col = find(&spec.data.unit).ok_or_else(|| {
        anyhow!(
            "{}: 没有单位列 `{}` / no unit column",
            path.display(),
            spec.data.unit
        )
    })?;
    let keys: Vec<(&str, usize)> = spec
        .required_columns()
        .into_iter()
        .filter_map(|k| find(k).map(|c| (k, c)))
        .collect();
    let mut units = Vec::new();
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{} 第 {line} 行 / line {line}", path.display()))?;
        let unit = rec.get(unit_col).unwrap_or("").trim().to_owned();
        if unit.is_empty() {
            bail!(
                "{} 第 {line} 行 / line {line}: 单位为空 / empty unit",
                path.display()
            );
        }
        let mut values = Vec::with_capacity(keys.len());
        for (key, c) in &keys {
            values.push(number(rec.get(*c).unwrap_or("")).ok_or_else(|| {
                anyhow!(
                    "{} 第 {line} 行 / line {line}, 列 `{key}`: 不是数字 / not a number",
                    path.display()
                )
            })?);
        }
        units.push(unit);
        rows.push(values);
    }
    let mut inputs = Inputs::new(units).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    for (k, (key, _)) in keys.iter().enumerate() {
        inputs.set_column(key, rows.iter().map(|r| r[k]).collect());
    }
    Ok(inputs)
}

/// `Some(None)` for a missing value, `None` for text that is not a number.
fn number(cell: &str) -> Option<Option<f64>> {
    let t = cell.trim();
    if matches!(t, "" | "NA" | "N/A" | "na" | ".." | "-" | "null") {
        return Some(None);
    }
    t.parse::<f64>().ok().map(|v| v.is_finite().then_some(v))
}

fn to_csv(spec: &IndexSpec, r: &Results) -> Result<Vec<u8>> {
    let fmt = |v: f64| match spec.decimals {
        Some(d) => format!("{v:.d$}"),
        None => v.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["unit".to_owned(), "score".into(), "rank".into()];
    header.extend(r.dimensions.iter().cloned());
    w.write_record(&header)?;
    for u in &r.units {
        let mut row = vec![
            u.unit.clone(),
            u.score.map(fmt).unwrap_or_default(),
            u.rank.map(|x| x.to_string()).unwrap_or_default(),
        ];
        row.extend(
            r.dimensions
                .iter()
                .map(|d| u.nodes.get(d).map(|v| fmt(*v)).unwrap_or_default()),
        );
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| anyhow!("{e}"))
}

fn print_warnings(r: &Results) {
    let all: Vec<_> = r
        .units
        .iter()
        .flat_map(|u| u.warnings.iter().map(move |w| (&u.unit, w)))
        .collect();
    if all.is_empty() {
        return;
    }
    eprintln!("# 预警 / warnings");
    for (unit, w) in all {
        eprintln!(
            "{unit}\t{}\t{}\t{}",
            w.level.label_zh(),
            w.kind.as_str(),
            w.message
        );
    }
}
