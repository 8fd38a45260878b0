//! Department figures (公安、法院、应急…) uploaded per unit per period as CSV or XLSX, long
//! (`unit,period,indicator,value`) or wide (`unit,period,<indicator columns>`). The whole
//! file is checked first; any error (unknown unit or indicator, bad number or period, a
//! value given twice) rejects it with every error named by row and column, nothing written.
//! Each accepted upload is the index's next version; the latest version of a value wins.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::index::{manages_indices, parse_period, spec};
use crate::ports::{IndexUpload, NewIndexValue};
use crate::App;
use calamine::Reader as _;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use zhili_domain::audit::Outcome;
use zhili_domain::index::{Period, Source, Transform};
use zhili_domain::Level;

/// One problem in an uploaded file; `row` counts the header as row 1.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RowError {
    pub row: u64,
    pub column: String,
    pub code: &'static str,
    pub message: String,
}

/// The answer to an upload: either written (`version`) or refused with its `errors`.
#[derive(Debug, Clone, Serialize)]
pub struct DataImport {
    pub imported: usize,
    pub version: Option<i64>,
    pub errors: Vec<RowError>,
}

const MAX_ERRORS: usize = 100;

/// The columns of an index that departments may upload.
pub fn importable(id: &str) -> AppResult<Vec<String>> {
    let s = spec(id)?;
    let mut cols: Vec<String> = Vec::new();
    for i in &s.indicators {
        if let Source::Imported(k) | Source::Column(k) = &i.source {
            cols.push(k.clone());
        }
        if let Transform::Rate { denominator, .. } = &i.transform {
            cols.push(denominator.clone());
        }
    }
    if let Some(p) = &s.data.population {
        cols.push(p.clone());
    }
    let mut seen = HashSet::new();
    cols.retain(|c| seen.insert(c.clone()));
    Ok(cols)
}

/// The uploadable columns with what each means (the indicator's name, or what it is the
/// denominator of), for the upload page.
pub fn importable_labelled(id: &str) -> AppResult<Vec<(String, String)>> {
    let s = spec(id)?;
    Ok(importable(id)?
        .into_iter()
        .map(|col| {
            let named = s.indicators.iter().find(
                |i| matches!(&i.source, Source::Imported(k) | Source::Column(k) if *k == col),
            );
            let label = match named {
                Some(i) => i.name.clone(),
                None if s.data.population.as_deref() == Some(col.as_str()) => {
                    "常住人口（按万人计算的指标用）".into()
                }
                None => {
                    let of: Vec<&str> = s
                        .indicators
                        .iter()
                        .filter(|i| {
                            matches!(&i.transform, Transform::Rate { denominator, .. } if *denominator == col)
                        })
                        .map(|i| i.name.as_str())
                        .collect();
                    format!("{}的分母", of.join("、"))
                }
            };
            (col, label)
        })
        .collect())
}

fn read_rows(bytes: &[u8], xlsx: bool) -> Result<Vec<Vec<String>>, RowError> {
    let bad = |m: String| RowError {
        row: 1,
        column: String::new(),
        code: "index.file_unreadable",
        message: m,
    };
    if xlsx {
        let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec()))
            .map_err(|e| bad(format!("无法读取 XLSX：{e}")))?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| bad("工作簿没有工作表".into()))?
            .map_err(|e| bad(format!("无法读取工作表：{e}")))?;
        return Ok(range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect());
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| bad("文件须为 UTF-8 编码的 CSV".into()))?;
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| RowError {
            row: i as u64 + 1,
            ..bad(format!("CSV 格式错误：{e}"))
        })?;
        rows.push(rec.iter().map(|s| s.trim().to_owned()).collect());
    }
    Ok(rows)
}

fn number(cell: &str) -> Option<Option<f64>> {
    let t = cell.trim();
    if matches!(t, "" | "NA" | "N/A" | ".." | "-" | "null") {
        return Some(None);
    }
    t.replace(',', "")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(Some)
}

/// Checks every row; returns the values or every error (at most `MAX_ERRORS`). With a
/// `chosen` period (the upload page's), the period column may be left out, and where given
/// must name that period.
pub(crate) fn validate(
    rows: &[Vec<String>],
    columns: &[String],
    units: &HashMap<String, String>,
    chosen: Option<&str>,
) -> Result<Vec<NewIndexValue>, Vec<RowError>> {
    let mut errors = Vec::new();
    let err = |errors: &mut Vec<RowError>, row: usize, column: &str, code, message: String| {
        if errors.len() < MAX_ERRORS {
            errors.push(RowError {
                row: row as u64 + 1,
                column: column.to_owned(),
                code,
                message,
            });
        }
    };
    let Some(header) = rows.first() else {
        return Err(vec![RowError {
            row: 1,
            column: String::new(),
            code: "index.file_empty",
            message: "文件为空".into(),
        }]);
    };
    let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |names: &[&str]| header.iter().position(|h| names.contains(&h.as_str()));
    let unit_col = find(&["unit", "division", "单位", "区划代码", "区划"]);
    let period_col = find(&["period", "期间", "统计期"]);
    let (Some(unit_col), true) = (unit_col, period_col.is_some() || chosen.is_some()) else {
        return Err(vec![RowError {
            row: 1,
            column: "unit".into(),
            code: "index.header_invalid",
            message: "表头须包含 unit（单位）和 period（期间）两列".into(),
        }]);
    };
    let long = find(&["indicator", "指标"]).zip(find(&["value", "数值", "值"]));
    // Wide: every other column must be an indicator of the index.
    let mut wide = Vec::new();
    if long.is_none() {
        for (c, h) in header.iter().enumerate() {
            if c == unit_col || Some(c) == period_col || h == "name" || h == "名称" {
                continue;
            }
            if columns.iter().any(|k| k == h) {
                wide.push((c, h.clone()));
            } else {
                err(
                    &mut errors,
                    0,
                    h,
                    "index.indicator_unknown",
                    format!("指标「{h}」不属于本指数；可用：{}", columns.join("、")),
                );
            }
        }
    }
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut out = Vec::new();
    for (r, row) in rows.iter().enumerate().skip(1) {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        let unit = match units.get(cell(unit_col)) {
            Some(code) => code.clone(),
            None => {
                err(
                    &mut errors,
                    r,
                    &header[unit_col],
                    "index.unit_unknown",
                    format!(
                        "单位「{}」不是烟台市的区市、镇街或村居（填 12 位区划代码或区市名称）",
                        cell(unit_col)
                    ),
                );
                continue;
            }
        };
        let period = match (period_col, chosen) {
            (None, Some(p)) => p.to_owned(),
            (None, None) => continue,
            (Some(pc), _) => match Period::parse(cell(pc)) {
                Ok(p) if chosen.is_some_and(|c| c != p.to_string()) => {
                    err(
                        &mut errors,
                        r,
                        &header[pc],
                        "index.period_mismatch",
                        format!(
                            "期间「{}」与所选期间 {} 不一致",
                            cell(pc),
                            chosen.unwrap_or_default()
                        ),
                    );
                    continue;
                }
                Ok(p) => p.to_string(),
                Err(_) => {
                    err(
                        &mut errors,
                        r,
                        &header[pc],
                        "index.period_invalid",
                        format!("期间「{}」应为 YYYY-MM 或 YYYY-Qn", cell(pc)),
                    );
                    continue;
                }
            },
        };
        let cells: Vec<(String, usize, &str)> = match long {
            Some((ic, vc)) => {
                let ind = cell(ic).to_lowercase();
                if !columns.contains(&ind) {
                    err(
                        &mut errors,
                        r,
                        &header[ic],
                        "index.indicator_unknown",
                        format!(
                            "指标「{}」不属于本指数；可用：{}",
                            cell(ic),
                            columns.join("、")
                        ),
                    );
                    continue;
                }
                vec![(ind, vc, cell(vc))]
            }
            None => wide
                .iter()
                .map(|(c, h)| (h.clone(), *c, cell(*c)))
                .collect(),
        };
        for (indicator, c, raw) in cells {
            let Some(value) = number(raw) else {
                err(
                    &mut errors,
                    r,
                    &header[c],
                    "index.value_invalid",
                    format!("「{raw}」不是数字"),
                );
                continue;
            };
            let key = (unit.clone(), period.clone(), indicator.clone());
            if let Some(first) = seen.insert(key, r) {
                err(
                    &mut errors,
                    r,
                    &header[c],
                    "index.value_duplicate",
                    format!(
                        "{unit} {period} 的「{indicator}」已在第 {} 行给出",
                        first + 1
                    ),
                );
                continue;
            }
            out.push(NewIndexValue {
                unit: unit.clone(),
                period: period.clone(),
                indicator,
                value,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

impl App {
    /// Uploads department figures for index `id`; see the module documentation. `period`
    /// (the upload page's choice) fills a missing period column and must match a given one.
    pub async fn import_index_data(
        &self,
        actor: &Actor,
        id: &str,
        bytes: &[u8],
        xlsx: bool,
        period: Option<&str>,
    ) -> AppResult<DataImport> {
        check_manager(actor)?;
        let columns = importable(id)?;
        let chosen = period
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| parse_period(p).map(|p| p.to_string()))
            .transpose()?;
        let mut units = HashMap::new();
        for level in [Level::County, Level::Township, Level::Community] {
            for (code, name) in self.store.index_units(level).await? {
                if level == Level::County {
                    units.insert(name, code.clone());
                }
                units.insert(code.clone(), code);
            }
        }
        let refused = |errors| DataImport {
            imported: 0,
            version: None,
            errors,
        };
        let rows = match read_rows(bytes, xlsx) {
            Ok(r) => r,
            Err(e) => return Ok(refused(vec![e])),
        };
        let values = match validate(&rows, &columns, &units, chosen.as_deref()) {
            Ok(v) => v,
            Err(errors) => return Ok(refused(errors)),
        };
        let now = self.now_ms();
        let audit = actor.audit(
            now,
            "index.import",
            id.to_owned(),
            Outcome::Success,
            format!("{} values", values.len()),
        );
        let version = self
            .store
            .add_index_values(id, &values, &actor.name(), now, audit)
            .await?;
        Ok(DataImport {
            imported: values.len(),
            version: Some(version),
            errors: vec![],
        })
    }

    /// The index's last 50 uploads, newest first, for those who upload.
    pub async fn index_uploads(&self, actor: &Actor, id: &str) -> AppResult<Vec<IndexUpload>> {
        check_manager(actor)?;
        spec(id)?;
        Ok(self.store.index_uploads(id, 50).await?)
    }

    /// A CSV to fill in: `unit,name,period` and the index's importable columns, one row per
    /// county with its code, name and `period`, the values empty.
    pub async fn index_data_template(
        &self,
        actor: &Actor,
        id: &str,
        period: &str,
    ) -> AppResult<String> {
        check_manager(actor)?;
        let columns = importable(id)?;
        let period = parse_period(period)?.to_string();
        let mut w = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| AppError::Internal(e.to_string());
        let mut head = vec!["unit".to_owned(), "name".into(), "period".into()];
        head.extend(columns.iter().cloned());
        w.write_record(&head).map_err(io)?;
        for (code, name) in self.store.index_units(Level::County).await? {
            let mut row = vec![code, name, period.clone()];
            row.resize(head.len(), String::new());
            w.write_record(&row).map_err(io)?;
        }
        let bytes = w
            .into_inner()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

fn check_manager(actor: &Actor) -> AppResult<()> {
    if manages_indices(actor) {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            why: "only the back office and leaders at city or county level upload figures",
        })
    }
}
