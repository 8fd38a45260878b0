//! Jurisdiction as SQL: the conditions that keep every list inside the caller's `Scope`.
//! They mirror `Scope::sees_division` / `Scope::sees_node` in the domain (tested there);
//! the store suite checks that the two agree.

use sqlx::{Database, Encode, QueryBuilder, Type};
use zhili_domain::{DivisionCode, Scope};

/// Which table the condition is for.
#[derive(Clone, Copy)]
pub(crate) enum Table {
    Divisions,
    Units,
    Users,
    WorkAreas,
}

/// ` AND col >= lo AND col < hi`: the codes in `code`'s subtree, as an index range scan.
pub(crate) fn push_subtree<'a, DB: Database>(
    qb: &mut QueryBuilder<'a, DB>,
    col: &str,
    code: &DivisionCode,
) where
    String: Encode<'a, DB> + Type<DB>,
{
    let (lo, hi) = code.subtree_range();
    qb.push(" AND ").push(col).push(" >= ").push_bind(lo);
    if let Some(hi) = hi {
        qb.push(" AND ").push(col).push(" < ").push_bind(hi);
    }
}

/// ` AND …` limiting `table` to what `scope` sees.
pub(crate) fn push_scope<'a, DB: Database>(
    qb: &mut QueryBuilder<'a, DB>,
    table: Table,
    scope: &Scope,
) where
    String: Encode<'a, DB> + Type<DB>,
{
    const MEMBERS: &str = "(SELECT code FROM divisions WHERE work_area_code = ";
    match (scope, table) {
        (Scope::Subtree(d), Table::Divisions) => push_subtree(qb, "code", d),
        (Scope::Subtree(d), Table::Units) => push_subtree(qb, "division_code", d),
        (Scope::Subtree(d), Table::Users) => push_subtree(qb, "node_code", d),
        (Scope::Subtree(d), Table::WorkAreas) => push_subtree(qb, "township_code", d),
        (Scope::WorkArea { code, .. }, Table::Divisions) => {
            qb.push(" AND work_area_code = ")
                .push_bind(code.to_string());
        }
        (Scope::WorkArea { code, .. }, Table::Units) => {
            qb.push(" AND division_code IN ")
                .push(MEMBERS)
                .push_bind(code.to_string())
                .push(")");
        }
        (Scope::WorkArea { code, .. }, Table::Users) => {
            qb.push(" AND (node_code = ").push_bind(code.to_string());
            qb.push(" OR substr(node_code, 1, 12) IN ")
                .push(MEMBERS)
                .push_bind(code.to_string())
                .push("))");
        }
        (Scope::WorkArea { code, .. }, Table::WorkAreas) => {
            qb.push(" AND code = ").push_bind(code.to_string());
        }
        (Scope::Unit { territory, .. }, Table::Divisions) => push_subtree(qb, "code", territory),
        (Scope::Unit { code, .. }, Table::Units) => {
            qb.push(" AND code = ").push_bind(code.to_string());
        }
        (Scope::Unit { code, .. }, Table::Users) => {
            qb.push(" AND node_code = ").push_bind(code.to_string());
        }
        (Scope::Unit { .. }, Table::WorkAreas) => {
            qb.push(" AND 1 = 0");
        }
    }
}

/// ` AND (name LIKE '%text%' OR code LIKE 'text%')`, with LIKE's wildcards in `text` escaped.
pub(crate) fn push_text<'a, DB: Database>(qb: &mut QueryBuilder<'a, DB>, text: &str)
where
    String: Encode<'a, DB> + Type<DB>,
{
    let esc: String = text
        .chars()
        .take(50)
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    qb.push(" AND (name LIKE ")
        .push_bind(format!("%{esc}%"))
        .push(" ESCAPE '\\'");
    qb.push(" OR code LIKE ")
        .push_bind(format!("{esc}%"))
        .push(" ESCAPE '\\')");
}
