//! Case categories and routing rules.

use crate::{corrupt, run, Db, DbError};
use std::collections::HashMap;
use zhili_app::ports::{StoreResult, Upserted};
use zhili_domain::case::CaseKind;
use zhili_domain::category::Category;
use zhili_domain::routing::{RoutingRule, Target};
use zhili_domain::{AuditEntry, DivisionCode};

#[derive(sqlx::FromRow)]
pub(crate) struct CategoryRow {
    code: String,
    name: String,
    kind: String,
    parent_code: Option<String>,
}

impl CategoryRow {
    fn into_domain(self) -> Result<Category, DbError> {
        Ok(Category {
            kind: CaseKind::parse(&self.kind).map_err(|e| corrupt("categories.kind", e))?,
            code: self.code,
            name: self.name,
            parent: self.parent_code,
        })
    }
}

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    within_code: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    target: String,
}

impl RuleRow {
    fn into_domain(self) -> Result<RoutingRule, DbError> {
        Ok(RoutingRule {
            id: self.id,
            within: self
                .within_code
                .as_deref()
                .map(DivisionCode::parse)
                .transpose()
                .map_err(|e| corrupt("routing_rules.within_code", e))?,
            kind: self
                .kind
                .as_deref()
                .map(CaseKind::parse)
                .transpose()
                .map_err(|e| corrupt("routing_rules.kind", e))?,
            category: self.category,
            target: Target::parse(&self.target).map_err(|e| corrupt("routing_rules.target", e))?,
        })
    }
}

impl Db {
    pub(crate) async fn categories_impl(&self) -> StoreResult<Vec<Category>> {
        run(async {
            let rows: Vec<CategoryRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT code, name, kind, parent_code FROM categories ORDER BY position, code"
            )
            .fetch_all(p)
            .await?);
            rows.into_iter().map(CategoryRow::into_domain).collect()
        })
        .await
    }

    pub(crate) async fn upsert_categories_impl(
        &self,
        cats: &[Category],
        audit: AuditEntry,
    ) -> StoreResult<Upserted> {
        run(async {
            let now = audit.at_ms;
            Ok(on_write!(self, |tx| {
                let existing: Vec<(String, String, i64)> = sqlx::query_as("SELECT code, name, position FROM categories").fetch_all(&mut *tx).await?;
                let max_pos = existing.iter().map(|e| e.2).max().unwrap_or(0);
                let existing: HashMap<String, String> = existing.into_iter().map(|(c, n, _)| (c, n)).collect();
                let mut n = Upserted::default();
                for (i, c) in cats.iter().enumerate() {
                    match existing.get(&c.code) {
                        Some(name) if *name == c.name => {}
                        Some(_) => {
                            sqlx::query("UPDATE categories SET name = $1, updated_at = $2 WHERE code = $3").bind(&c.name).bind(now).bind(&c.code).execute(&mut *tx).await?;
                            n.updated += 1;
                        }
                        None => {
                            sqlx::query("INSERT INTO categories (code, name, kind, parent_code, position, updated_at) VALUES ($1, $2, $3, $4, $5, $6)")
                                .bind(&c.code)
                                .bind(&c.name)
                                .bind(c.kind.as_str())
                                .bind(c.parent.as_deref())
                                .bind(max_pos + i as i64 + 1)
                                .bind(now)
                                .execute(&mut *tx)
                                .await?;
                            n.inserted += 1;
                        }
                    }
                }
                if n.inserted + n.updated > 0 {
                    append_audit!(tx, audit);
                }
                n
            }))
        })
        .await
    }

    pub(crate) async fn routing_rules_impl(&self) -> StoreResult<Vec<RoutingRule>> {
        run(async {
            let rows: Vec<RuleRow> = on_read!(self, |p| sqlx::query_as(
                "SELECT id, within_code, kind, category, target FROM routing_rules ORDER BY id"
            )
            .fetch_all(p)
            .await?);
            rows.into_iter().map(RuleRow::into_domain).collect()
        })
        .await
    }

    pub(crate) async fn insert_routing_rules_impl(
        &self,
        rules: &[RoutingRule],
        audit: AuditEntry,
    ) -> StoreResult<u64> {
        run(async {
            let now = audit.at_ms;
            Ok(on_write!(self, |tx| {
                for r in rules {
                    sqlx::query("INSERT INTO routing_rules (within_code, kind, category, target, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(r.within.as_ref().map(|w| w.to_string()))
                        .bind(r.kind.map(|k| k.as_str()))
                        .bind(r.category.as_deref())
                        .bind(r.target.to_string())
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                }
                append_audit!(tx, audit);
                rules.len() as u64
            }))
        })
        .await
    }
}

impl Db {
    pub(crate) async fn delete_routing_rule_impl(
        &self,
        id: i64,
        audit: AuditEntry,
    ) -> StoreResult<()> {
        run(async {
            on_write!(self, |tx| {
                sqlx::query("DELETE FROM routing_rules WHERE id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                append_audit!(tx, audit);
            });
            Ok(())
        })
        .await
    }
}
