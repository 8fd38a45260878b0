//! The 人房两清 report: counts over a division's subtree (or one grid) in one read.

use crate::{run, Db};
use zhili_app::ports::StoreResult;
use zhili_domain::registry::{Consistency, GridCode};
use zhili_domain::DivisionCode;

/// Occupancy that holds today: no end date, or one not yet passed.
const CURRENT: &str = "(o.to_date IS NULL OR o.to_date = '' OR o.to_date >= $3)";

pub(crate) async fn consistency(
    db: &Db,
    within: &DivisionCode,
    grid: Option<&GridCode>,
    today: &str,
    confirmed_after_ms: i64,
) -> StoreResult<Consistency> {
    let (lo, hi) = within.subtree_range();
    let hi = hi.unwrap_or_else(|| "999999999999~".into());
    let g = grid.map(|g| g.as_str().to_owned());
    // $1..$2: the code range; $3: today's date (for current links); $4: the grid or NULL;
    // $5: the confirmation cut-off.
    let sql = format!(
        "SELECT \
         (SELECT COUNT(*) FROM buildings b WHERE b.community_code >= $1 AND b.community_code < $2 AND ($4 IS NULL OR b.grid_code = $4)), \
         (SELECT COUNT(*) FROM dwellings d JOIN buildings b ON b.code = d.building_code WHERE d.community_code >= $1 AND d.community_code < $2 AND ($4 IS NULL OR b.grid_code = $4)), \
         (SELECT COUNT(*) FROM residents r WHERE r.community_code >= $1 AND r.community_code < $2 AND ($4 IS NULL OR r.grid_code = $4)), \
         (SELECT COUNT(*) FROM dwellings d JOIN buildings b ON b.code = d.building_code WHERE d.community_code >= $1 AND d.community_code < $2 AND ($4 IS NULL OR b.grid_code = $4) \
            AND NOT EXISTS (SELECT 1 FROM occupancy o WHERE o.dwelling_code = d.code AND {CURRENT})), \
         (SELECT COUNT(*) FROM residents r WHERE r.community_code >= $1 AND r.community_code < $2 AND ($4 IS NULL OR r.grid_code = $4) \
            AND NOT EXISTS (SELECT 1 FROM occupancy o WHERE o.resident_id = r.id AND {CURRENT})), \
         (SELECT COUNT(*) FROM residents r WHERE r.community_code >= $1 AND r.community_code < $2 AND ($4 IS NULL OR r.grid_code = $4) \
            AND (SELECT COUNT(DISTINCT o.dwelling_code) FROM occupancy o WHERE o.resident_id = r.id AND o.kind <> 'owner' AND {CURRENT}) > 1), \
         (SELECT COUNT(*) FROM residents r WHERE r.community_code >= $1 AND r.community_code < $2 AND ($4 IS NULL OR r.grid_code = $4) \
            AND (r.confirmed_at IS NULL OR r.confirmed_at < $5)), \
         (SELECT COUNT(*) FROM dwellings d JOIN buildings b ON b.code = d.building_code WHERE d.community_code >= $1 AND d.community_code < $2 AND ($4 IS NULL OR b.grid_code = $4) \
            AND (d.confirmed_at IS NULL OR d.confirmed_at < $5))"
    );
    run(async {
        let row: (i64, i64, i64, i64, i64, i64, i64, i64) = on_read!(db, |p| sqlx::query_as(&sql)
            .bind(&lo)
            .bind(&hi)
            .bind(today)
            .bind(g.as_deref())
            .bind(confirmed_after_ms)
            .fetch_one(p)
            .await?);
        Ok(Consistency {
            buildings: row.0,
            dwellings: row.1,
            residents: row.2,
            dwellings_without_occupant: row.3,
            residents_without_dwelling: row.4,
            conflicting_links: row.5,
            unconfirmed_residents: row.6,
            unconfirmed_dwellings: row.7,
            stale_days: 0,
        })
    })
    .await
}
