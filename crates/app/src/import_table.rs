//! A table from a CSV stream, an XLSX workbook (first sheet) or a GeoJSON FeatureCollection,
//! read row by row with each row's line in the file (the header is line 1) and columns found
//! by name, English or Chinese.

use calamine::Reader as _;
use std::collections::HashMap;
use std::io::Read;

/// Where the rows come from.
pub enum TableSource {
    /// Streamed: nothing but the current record is held.
    Csv(Box<dyn Read + Send>),
    /// Read whole (XLSX is a zip archive).
    Xlsx(Vec<u8>),
    /// A FeatureCollection: each feature a row of its properties plus `geometry`.
    GeoJson(Vec<u8>),
}

/// A file that cannot be read as a table at all.
#[derive(Debug, Clone)]
pub struct TableError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

pub struct Record {
    pub line: u64,
    pub fields: Vec<String>,
}

enum Rows {
    Csv(csv::Reader<Box<dyn Read + Send>>, csv::StringRecord),
    Buffered(std::vec::IntoIter<Record>),
}

pub struct Table {
    columns: HashMap<String, usize>,
    rows: Rows,
}

/// Chinese headers staff use, and the column each stands for.
const ALIASES: &[(&str, &str)] = &[
    ("姓名", "name"),
    ("名称", "name"),
    ("身份证号", "id_number"),
    ("身份证号码", "id_number"),
    ("公民身份号码", "id_number"),
    ("电话", "phone"),
    ("手机号", "phone"),
    ("联系电话", "phone"),
    ("村居代码", "community_code"),
    ("社区代码", "community_code"),
    ("性别", "sex"),
    ("出生日期", "birth_date"),
    ("民族", "ethnicity"),
    ("与户主关系", "relation"),
    ("房屋编码", "dwelling_code"),
    ("居住关系", "kind"),
    ("楼栋编码", "building_code"),
    ("网格编码", "grid_code"),
    ("编码", "code"),
    ("地址", "address"),
    ("经度", "lon"),
    ("纬度", "lat"),
    ("层数", "floors"),
    ("单元", "unit"),
    ("楼层", "floor"),
    ("房号", "room"),
    ("用途", "use"),
    ("面积", "area"),
    ("网格员", "worker"),
    ("边界", "geometry"),
    ("起始日期", "from"),
    ("截止日期", "to"),
];

fn canonical(header: &str) -> String {
    let h = header.trim().trim_start_matches('\u{feff}');
    ALIASES
        .iter()
        .find(|(zh, _)| *zh == h)
        .map(|(_, en)| (*en).to_owned())
        .unwrap_or_else(|| h.to_ascii_lowercase())
}

impl Table {
    pub fn open(source: TableSource, required: &[&str]) -> Result<Self, TableError> {
        let bad = |line: u64, message: String| TableError {
            line,
            column: String::new(),
            message,
        };
        let (headers, rows) = match source {
            TableSource::Csv(r) => {
                let mut rd = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .flexible(true)
                    .from_reader(r);
                let headers: Vec<String> = rd
                    .headers()
                    .map_err(|e| bad(1, format!("无法读取表头：{e}")))?
                    .iter()
                    .map(str::to_owned)
                    .collect();
                (headers, Rows::Csv(rd, csv::StringRecord::new()))
            }
            TableSource::Xlsx(bytes) => {
                let (h, recs) = read_xlsx(bytes).map_err(|m| bad(1, m))?;
                (h, Rows::Buffered(recs.into_iter()))
            }
            TableSource::GeoJson(bytes) => {
                let (h, recs) = read_geojson(&bytes).map_err(|m| bad(1, m))?;
                (h, Rows::Buffered(recs.into_iter()))
            }
        };
        let columns: HashMap<String, usize> = headers
            .iter()
            .enumerate()
            .map(|(i, h)| (canonical(h), i))
            .collect();
        for col in required {
            if !columns.contains_key(*col) {
                return Err(TableError {
                    line: 1,
                    column: (*col).to_owned(),
                    message: format!("缺少必需的列 {col}"),
                });
            }
        }
        Ok(Self { columns, rows })
    }

    pub fn next_record(&mut self) -> Option<Result<Record, TableError>> {
        match &mut self.rows {
            Rows::Csv(rd, buf) => match rd.read_record(buf) {
                Ok(false) => None,
                Ok(true) => Some(Ok(Record {
                    line: buf.position().map_or(0, |p| p.line()),
                    fields: buf.iter().map(str::to_owned).collect(),
                })),
                Err(e) => Some(Err(TableError {
                    line: e.position().map_or(0, |p| p.line()),
                    column: String::new(),
                    message: format!("CSV 格式错误：{e}"),
                })),
            },
            Rows::Buffered(it) => it.next().map(Ok),
        }
    }

    /// The trimmed value of `column` in `rec`, `None` when absent or empty.
    pub fn get<'a>(&self, rec: &'a Record, column: &str) -> Option<&'a str> {
        self.columns
            .get(column)
            .and_then(|i| rec.fields.get(*i))
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }
}

fn cell_text(c: &calamine::Data) -> String {
    use calamine::Data;
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // Excel's serial day 25569 is 1970-01-01.
        Data::DateTime(d) => {
            zhili_domain::calendar::format_date(d.as_f64().floor() as i64 - 25_569)
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e:?}"),
    }
}

fn read_xlsx(bytes: Vec<u8>) -> Result<(Vec<String>, Vec<Record>), String> {
    let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 XLSX 文件：{e}"))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or("XLSX 文件没有工作表")?
        .map_err(|e| format!("无法读取第一个工作表：{e}"))?;
    let start = range.start().map_or(0, |(r, _)| u64::from(r));
    let mut rows = range.rows();
    let headers = rows
        .next()
        .ok_or("工作表为空")?
        .iter()
        .map(cell_text)
        .collect();
    let recs = rows
        .enumerate()
        .map(|(i, r)| Record {
            line: start + i as u64 + 2,
            fields: r.iter().map(cell_text).collect(),
        })
        .filter(|r| r.fields.iter().any(|f| !f.trim().is_empty()))
        .collect();
    Ok((headers, recs))
}

fn read_geojson(bytes: &[u8]) -> Result<(Vec<String>, Vec<Record>), String> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("不是有效的 GeoJSON：{e}"))?;
    let features = v
        .get("features")
        .and_then(|f| f.as_array())
        .ok_or("GeoJSON 应为含 features 的 FeatureCollection")?;
    let headers: Vec<String> = [
        "code",
        "community_code",
        "name",
        "worker",
        "assistants",
        "captains",
        "geometry",
    ]
    .map(str::to_owned)
    .to_vec();
    let recs = features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let prop = |k: &str| match f.get("properties").and_then(|p| p.get(k)) {
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Null) | None => String::new(),
                Some(other) => other.to_string(),
            };
            let mut fields: Vec<String> = headers[..6].iter().map(|h| prop(h)).collect();
            fields.push(f.get("geometry").map(|g| g.to_string()).unwrap_or_default());
            // Feature n is "row" n + 1, as if the collection were a table under a header.
            Record {
                line: i as u64 + 2,
                fields,
            }
        })
        .collect();
    Ok((headers, recs))
}
