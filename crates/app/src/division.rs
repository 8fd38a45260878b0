//! The divisions: importing the NBS files (all-or-nothing, idempotent) and reading them
//! within the caller's jurisdiction.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{DivisionQuery, Upserted};
use crate::App;
use serde::Serialize;
use std::collections::HashSet;
use zhili_domain::{
    Division, DivisionCode, DivisionKind, Level, LevelCounts, NodeCode, Outcome, Page, Paged, Role,
};

/// The four NBS files, as text. `Embedded` is Yantai's 2023 edition built into the binary.
pub struct DivisionFiles {
    pub city: String,
    pub counties: String,
    pub towns: String,
    pub villages: String,
    pub edition: i32,
}

impl DivisionFiles {
    /// Yantai (烟台市), NBS 2023 edition: 1 city, 13 county-level units, 159 township-level
    /// units and 6,509 communities (see data/yantai-divisions/README.md).
    pub fn embedded() -> Self {
        Self {
            city: include_str!("../../../data/yantai-divisions/city.csv").into(),
            counties: include_str!("../../../data/yantai-divisions/counties.csv").into(),
            towns: include_str!("../../../data/yantai-divisions/towns.csv").into(),
            villages: include_str!("../../../data/yantai-divisions/villages.csv").into(),
            edition: 2023,
        }
    }

    /// Parse and check all four files: every row valid, every parent present, no duplicate.
    /// The first problem is reported with its file, line and column.
    pub fn parse(&self) -> AppResult<Vec<Division>> {
        let mut out = Vec::with_capacity(7000);
        parse_file(
            "city.csv",
            &self.city,
            Some(DivisionKind::PrefectureCity),
            self.edition,
            &mut out,
        )?;
        let cities = out.len();
        if cities != 1 {
            return Err(bad(
                "city.csv",
                2,
                "code",
                format!("应恰有一个地级市，实有 {cities} 个"),
            ));
        }
        parse_file("counties.csv", &self.counties, None, self.edition, &mut out)?;
        parse_file("towns.csv", &self.towns, None, self.edition, &mut out)?;
        parse_file("villages.csv", &self.villages, None, self.edition, &mut out)?;
        Ok(out)
    }
}

fn bad(file: &str, line: u64, column: &str, message: String) -> AppError {
    AppError::BadFile {
        file: file.into(),
        line,
        column: column.into(),
        message,
    }
}

/// Append one file's rows; the city file has no `kind` column (it is always a prefecture city).
fn parse_file(
    file: &str,
    text: &str,
    fixed_kind: Option<DivisionKind>,
    edition: i32,
    out: &mut Vec<Division>,
) -> AppResult<()> {
    let mut rdr = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| bad(file, 1, "", format!("无法读取表头：{e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &'static str| {
        col(name).ok_or_else(|| bad(file, 1, name, format!("缺少列「{name}」")))
    };
    let (i_code, i_name, i_parent) = (need("code")?, need("name")?, need("parent_code")?);
    let i_kind = match fixed_kind {
        Some(_) => None,
        None => Some(need("kind")?),
    };
    let known: HashSet<DivisionCode> = out.iter().map(|d| d.code.clone()).collect();
    let mut seen: HashSet<DivisionCode> = HashSet::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(file, line, "", format!("无法解析该行：{e}")))?;
        let field = |i: usize| rec.get(i).unwrap_or("");
        let code =
            DivisionCode::parse(field(i_code)).map_err(|e| bad(file, line, "code", e.message))?;
        let kind = match (fixed_kind, i_kind) {
            (Some(k), _) => k,
            (None, Some(i)) => {
                DivisionKind::parse(field(i)).map_err(|e| bad(file, line, "kind", e.message))?
            }
            (None, None) => unreachable!("a kind column is required when no fixed kind is given"),
        };
        let parent = match code.level() {
            Level::City => None,
            _ => Some(
                DivisionCode::parse(field(i_parent))
                    .map_err(|e| bad(file, line, "parent_code", e.message))?,
            ),
        };
        if let Some(p) = &parent {
            if !known.contains(p) {
                return Err(bad(
                    file,
                    line,
                    "parent_code",
                    format!("上级 {p} 不在已导入的上级文件中"),
                ));
            }
        }
        if !seen.insert(code.clone()) || known.contains(&code) {
            return Err(bad(file, line, "code", format!("代码 {code} 重复")));
        }
        let d = Division::new(code, field(i_name), kind, parent, edition)
            .map_err(|e| bad(file, line, e.field, e.message))?;
        out.push(d);
    }
    Ok(())
}

/// A division with the counts of everything under it that the caller may see.
#[derive(Debug, Clone, Serialize)]
pub struct DivisionDetail {
    #[serde(flatten)]
    pub division: Division,
    pub short_name: String,
    pub counts: LevelCounts,
}

/// One child in the organisation browser.
#[derive(Debug, Clone, Serialize)]
pub struct ChildRow {
    pub division: Division,
    pub short_name: String,
    pub counts: LevelCounts,
}

/// What the import wrote, per level.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub counties: usize,
    pub townships: usize,
    pub communities: usize,
    pub edition: i32,
}

impl App {
    /// Load (or reload) the divisions. All-or-nothing: any bad row and nothing is written.
    /// Only the operator and system admins import.
    pub async fn import_divisions(
        &self,
        actor: &Actor,
        files: &DivisionFiles,
    ) -> AppResult<ImportReport> {
        if !actor.may(Role::configures_org) {
            return Err(AppError::Forbidden {
                why: "only system admins import divisions",
            });
        }
        let divisions = files.parse()?;
        let count = |l: Level| divisions.iter().filter(|d| d.level == l).count();
        let (counties, townships, communities) = (
            count(Level::County),
            count(Level::Township),
            count(Level::Community),
        );
        let detail = format!(
            "edition {} ({counties} county, {townships} township, {communities} community)",
            files.edition
        );
        let audit = actor.audit(
            self.now_ms(),
            "division.import",
            "division:*".into(),
            Outcome::Success,
            detail,
        );
        let Upserted { inserted, updated } = self.store.upsert_divisions(&divisions, audit).await?;
        Ok(ImportReport {
            inserted,
            updated,
            counties,
            townships,
            communities,
            edition: files.edition,
        })
    }

    /// One division with its counts; 404 when it is absent or outside the caller's scope.
    pub async fn division(&self, actor: &Actor, code: &str) -> AppResult<DivisionDetail> {
        let code =
            DivisionCode::parse(code).map_err(|_| AppError::NotFound { what: "division" })?;
        if !actor.scope.sees_division(&code) {
            return Err(AppError::NotFound { what: "division" });
        }
        let division = self
            .store
            .division(&code)
            .await?
            .ok_or(AppError::NotFound { what: "division" })?;
        let counts = self.store.descendant_counts(&actor.scope, &code).await?;
        Ok(DivisionDetail {
            short_name: division.short_name().to_owned(),
            division,
            counts,
        })
    }

    /// List divisions the caller sees, by level, parent, work area or a name/code fragment.
    pub async fn list_divisions(
        &self,
        actor: &Actor,
        level: Option<&str>,
        parent: Option<&str>,
        text: Option<&str>,
        page: Page,
    ) -> AppResult<Paged<Division>> {
        let level = level
            .filter(|s| !s.is_empty())
            .map(Level::parse)
            .transpose()?;
        let mut work_area = None;
        let parent = match parent.filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match NodeCode::parse(raw)? {
                NodeCode::Division(d) => Some(d),
                wa @ NodeCode::WorkArea { .. } => {
                    work_area = Some(wa);
                    None
                }
                _ => {
                    return Err(zhili_domain::ParseError::new(
                        "parent",
                        "division.parent_invalid",
                        "上级应为区划或工作区片代码",
                    )
                    .into())
                }
            },
        };
        let hidden = match (&parent, &work_area) {
            (Some(p), _) => !actor.scope.sees_division(p) && !self.scope_reaches_into(actor, p),
            (_, Some(wa)) => !actor.scope.sees_node(wa),
            _ => false,
        };
        if hidden {
            return Err(AppError::NotFound { what: "division" });
        }
        let q = DivisionQuery {
            scope: actor.scope.clone(),
            level,
            parent,
            work_area,
            text: text
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned),
        };
        Ok(self.store.list_divisions(&q, page).await?)
    }

    /// A work-area user does not see its township, but may list the township's children
    /// (the store narrows them to the work area's communities).
    fn scope_reaches_into(&self, actor: &Actor, parent: &DivisionCode) -> bool {
        matches!(&actor.scope, zhili_domain::Scope::WorkArea { code, .. } if code.division() == parent)
    }

    /// The children of a division with their own counts, for the organisation browser.
    pub async fn children(&self, actor: &Actor, code: &DivisionCode) -> AppResult<Vec<ChildRow>> {
        let page = Page::new(Some(1), Some(Page::MAX_SIZE));
        let kids = self
            .list_divisions(actor, None, Some(code.as_str()), None, page)
            .await?;
        let counts = self.store.child_counts(code).await?;
        Ok(kids
            .items
            .into_iter()
            .map(|d| {
                let c = counts
                    .iter()
                    .find(|(k, _)| *k == d.code)
                    .map(|(_, c)| *c)
                    .unwrap_or_default();
                ChildRow {
                    short_name: d.short_name().to_owned(),
                    division: d,
                    counts: c,
                }
            })
            .collect())
    }

    /// The ancestors of a division that the caller may see, city first (for breadcrumbs).
    pub fn visible_ancestors(&self, actor: &Actor, code: &DivisionCode) -> Vec<DivisionCode> {
        let mut chain = Vec::new();
        let mut cur = code.parent();
        while let Some(c) = cur {
            if actor.scope.sees_division(&c) {
                chain.push(c.clone());
            }
            cur = c.parent();
        }
        chain.reverse();
        chain
    }

    /// The city (root) division, if divisions have been imported.
    pub async fn city(&self) -> AppResult<Option<Division>> {
        Ok(self.store.city().await?)
    }

    pub async fn division_count(&self) -> AppResult<i64> {
        Ok(self.store.count_divisions().await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_yantai_files_parse_to_the_published_counts() {
        let ds = DivisionFiles::embedded().parse().unwrap();
        let n = |l| ds.iter().filter(|d| d.level == l).count();
        assert_eq!(
            (
                n(Level::City),
                n(Level::County),
                n(Level::Township),
                n(Level::Community)
            ),
            (1, 13, 159, 6509)
        );
    }

    #[test]
    fn a_bad_row_is_reported_with_file_line_and_column() {
        let mut files = DivisionFiles::embedded();
        files.towns = files.towns.replacen(
            "370602002000,东山街道,370602000000",
            "37060200200,东山街道,370602000000",
            1,
        );
        match files.parse() {
            Err(AppError::BadFile {
                file, line, column, ..
            }) => assert_eq!(
                (file.as_str(), line, column.as_str()),
                ("towns.csv", 3, "code")
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_orphan_community_is_refused() {
        let mut files = DivisionFiles::embedded();
        files
            .villages
            .push_str("370602099001,孤儿社区居民委员会,370602099000,residents_committee\n");
        match files.parse() {
            Err(AppError::BadFile { file, column, .. }) => assert_eq!(
                (file.as_str(), column.as_str()),
                ("villages.csv", "parent_code")
            ),
            other => panic!("{other:?}"),
        }
    }
}
