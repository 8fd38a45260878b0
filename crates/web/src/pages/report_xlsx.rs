//! A published issue as a workbook: 排名 (ranking with rank intervals, dimensions and
//! warnings), 趋势 (the
//! trend periods per county) and 摘要 (the summary).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use zhili_app::report::ReportIssue;

/// The column of the first dimension on 排名.
const FIRST_DIM: u16 = 10;

fn build(issue: &ReportIssue) -> Result<Vec<u8>, XlsxError> {
    let b = &issue.body;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("排名")?;
    ws.write_string_with_format(0, 0, &issue.title, &bold)?;
    let mut head: Vec<String> = [
        "排名",
        "区市",
        "区划代码",
        "得分",
        "较上期",
        "排名变化",
        "排名区间下限",
        "排名区间中位",
        "排名区间上限",
        "排名变化判断",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    head.extend(b.dimensions.iter().map(|d| d.name.clone()));
    head.push("预警".into());
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(2, c as u16, h, &bold)?;
    }
    for (i, u) in b.units.iter().enumerate() {
        let r = 3 + i as u32;
        if let Some(rank) = u.rank {
            ws.write_number(r, 0, rank as f64)?;
        }
        ws.write_string(r, 1, &u.name)?;
        ws.write_string(r, 2, &u.unit)?;
        if let Some(v) = u.score {
            ws.write_number(r, 3, v)?;
        }
        if let Some(v) = u.change {
            ws.write_number(r, 4, v)?;
        }
        if let Some(v) = u.rank_change {
            ws.write_number(r, 5, v as f64)?;
        }
        if let Some(iv) = u.rank_interval {
            ws.write_number(r, 6, iv.low as f64)?;
            ws.write_number(r, 7, iv.median as f64)?;
            ws.write_number(r, 8, iv.high as f64)?;
        }
        if let Some(real) = u.rank_change_significant {
            let label = if real {
                "变化显著"
            } else {
                "在不确定范围内"
            };
            ws.write_string(r, 9, label)?;
        }
        for (k, d) in b.dimensions.iter().enumerate() {
            if let Some(v) = u.dimensions.get(&d.id) {
                ws.write_number(r, FIRST_DIM + k as u16, *v)?;
            }
        }
        let warnings: Vec<String> = u
            .warnings
            .iter()
            .map(|w| format!("{}：{}", w.level_label, w.message))
            .collect();
        ws.write_string(
            r,
            FIRST_DIM + b.dimensions.len() as u16,
            warnings.join("；"),
        )?;
    }
    if let Some(sens) = &b.sensitivity {
        ws.write_string(4 + b.units.len() as u32, 0, sens.explain_zh())?;
    }
    let ws = wb.add_worksheet();
    ws.set_name("趋势")?;
    ws.write_string_with_format(0, 0, "区市", &bold)?;
    for (k, p) in b.trend_periods.iter().enumerate() {
        ws.write_string_with_format(0, 1 + k as u16, p, &bold)?;
    }
    for (i, (u, t)) in b.units.iter().zip(&b.trends).enumerate() {
        ws.write_string(1 + i as u32, 0, &u.name)?;
        for (k, v) in t.iter().enumerate() {
            if let Some(v) = v {
                ws.write_number(1 + i as u32, 1 + k as u16, *v)?;
            }
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("摘要")?;
    for (i, s) in b.summary.iter().enumerate() {
        ws.write_string(i as u32, 0, s)?;
    }
    if let Some(sens) = &b.sensitivity {
        ws.write_string(b.summary.len() as u32 + 1, 0, sens.explain_zh())?;
    }
    wb.save_to_buffer()
}

pub fn workbook(issue: &ReportIssue) -> Response {
    match build(issue) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"{}-{}.xlsx\"",
                        issue.index_id, issue.issue_no
                    ),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "xlsx export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "导出失败 / export failed",
            )
                .into_response()
        }
    }
}
