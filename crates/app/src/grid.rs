//! Grids (网格): outlines as GeoJSON, the point → grid index every located case goes through,
//! and the grid worker's visits.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{GridRecord, Visit};
use crate::App;
use serde_json::{json, Value};
use std::sync::Arc;
use zhili_domain::case::Point;
use zhili_domain::geo::{GridIndex, MultiPolygon};
use zhili_domain::registry::{BuildingCode, GridCode};
use zhili_domain::{Outcome, ParseError, Role};

/// The point → grid index over every stored grid.
pub struct GridLookup {
    index: GridIndex,
}

impl GridLookup {
    pub fn locate(&self, p: Point) -> Option<GridCode> {
        self.index
            .locate(zhili_domain::geo::LonLat {
                lon: p.lon,
                lat: p.lat,
            })
            .and_then(|c| GridCode::parse(c).ok())
    }
}

/// A GeoJSON geometry (Polygon or MultiPolygon) as the domain's type; `field` names the
/// input for the error.
pub fn parse_geometry(v: &Value, gcj02: bool) -> Result<MultiPolygon, ParseError> {
    let mp = zhili_domain::geo::geojson::parse_geometry(v).map_err(|e| {
        ParseError::new(
            "geometry",
            "grid.geometry_invalid",
            format!("网格边界无效：{e}"),
        )
    })?;
    if mp.is_empty() {
        return Err(ParseError::new(
            "geometry",
            "grid.geometry_empty",
            "网格边界没有面积",
        ));
    }
    Ok(if gcj02 {
        mp.map_coords(zhili_domain::geo::gcj02_to_wgs84)
    } else {
        mp
    })
}

/// A grid's outline as a GeoJSON Feature with its code and names.
pub fn feature(g: &GridRecord) -> Value {
    let geometry: Value = serde_json::from_str(&g.geometry).unwrap_or(Value::Null);
    json!({
        "type": "Feature",
        "id": g.code.as_str(),
        "geometry": geometry,
        "properties": {
            "code": g.code.as_str(),
            "community_code": g.community_code.as_str(),
            "name": g.name,
            "worker": g.worker,
            "assistants": g.assistants,
            "captains": g.captains,
        }
    })
}

impl App {
    /// The index, built from the stored grids on first use.
    pub async fn grid_lookup(&self) -> AppResult<Arc<GridLookup>> {
        if let Some(ix) = self.grid_index.read().ok().and_then(|g| g.clone()) {
            return Ok(ix);
        }
        // One build at a time: a burst of located cases right after start-up (or an import)
        // waits for the first build instead of each loading every grid.
        let _building = self.grid_index_build.lock().await;
        if let Some(ix) = self.grid_index.read().ok().and_then(|g| g.clone()) {
            return Ok(ix);
        }
        let shapes = self.store.grid_shapes().await?;
        let mut polys = Vec::with_capacity(shapes.len());
        for (code, geometry) in shapes {
            let v: Value = serde_json::from_str(&geometry)
                .map_err(|e| AppError::Internal(format!("grid {code}: {e}")))?;
            let mp = parse_geometry(&v, false)
                .map_err(|e| AppError::Internal(format!("grid {code}: {}", e.message)))?;
            polys.push((code, mp));
        }
        let ix = Arc::new(GridLookup {
            index: GridIndex::new(polys),
        });
        if let Ok(mut g) = self.grid_index.write() {
            *g = Some(ix.clone());
        }
        Ok(ix)
    }

    pub(crate) fn forget_grid_index(&self) {
        if let Ok(mut g) = self.grid_index.write() {
            *g = None;
        }
    }

    /// The grid a point lies in, if any.
    pub async fn locate_grid(&self, p: Point) -> AppResult<Option<GridCode>> {
        Ok(self.grid_lookup().await?.locate(p))
    }

    /// The grids of a community (or any division) as a GeoJSON FeatureCollection.
    pub async fn grids_geojson(&self, actor: &Actor, division: Option<&str>) -> AppResult<Value> {
        let within = self.registry_division(actor, division)?;
        let grids = self.store.grids_in(&within).await?;
        Ok(json!({
            "type": "FeatureCollection",
            "features": grids.iter().map(feature).collect::<Vec<_>>(),
        }))
    }

    pub async fn grids_in(
        &self,
        actor: &Actor,
        division: Option<&str>,
    ) -> AppResult<Vec<GridRecord>> {
        let within = self.registry_division(actor, division)?;
        Ok(self.store.grids_in(&within).await?)
    }

    /// The grids the signed-in grid worker is assigned to.
    pub async fn my_grids(&self, actor: &Actor) -> AppResult<Vec<GridRecord>> {
        let Some(u) = &actor.user else {
            return Ok(Vec::new());
        };
        Ok(self.store.grids_of_worker(&u.username).await?)
    }

    /// A grid the actor may see.
    pub async fn grid(&self, actor: &Actor, code: &str) -> AppResult<GridRecord> {
        let root = self.registry_root(actor)?;
        let code = GridCode::parse(code)?;
        let g = self
            .store
            .grid(&code)
            .await?
            .ok_or(AppError::NotFound { what: "grid" })?;
        if root.contains(&g.community_code) && actor.scope.sees_division(&g.community_code) {
            Ok(g)
        } else {
            Err(AppError::NotFound { what: "grid" })
        }
    }

    /// Record a visit (走访) in a grid: who, when, where, what was found.
    pub async fn record_visit(
        &self,
        actor: &Actor,
        grid: &str,
        building: Option<&str>,
        location: Option<(f64, f64)>,
        found: &str,
        case_id: Option<i64>,
    ) -> AppResult<i64> {
        if !actor.may(|r| matches!(r, Role::GridWorker | Role::Dispatcher)) {
            return Err(AppError::Forbidden {
                why: "visits_are_for_grid_workers",
            });
        }
        let g = self.grid(actor, grid).await?;
        let building = building
            .filter(|b| !b.trim().is_empty())
            .map(BuildingCode::parse)
            .transpose()?;
        if let Some(b) = &building {
            if b.community() != g.community_code {
                return Err(ParseError::new(
                    "building_code",
                    "visit.building_elsewhere",
                    "该楼栋不在此网格所在村居",
                )
                .into());
            }
        }
        let found = found.trim();
        if found.is_empty() || found.chars().count() > 2000 {
            return Err(ParseError::new(
                "found",
                "visit.found_required",
                "请填写走访情况（不超过 2000 字）",
            )
            .into());
        }
        let location = location
            .map(|(lat, lon)| Point::new(lat, lon))
            .transpose()?;
        let now = self.now_ms();
        let v = Visit {
            id: 0,
            grid_code: g.code.clone(),
            user_id: actor.user.as_ref().map(|u| u.id),
            username: actor.name(),
            at_ms: now,
            building_code: building,
            location,
            found: found.to_owned(),
            case_id,
        };
        let audit = actor.audit(
            now,
            "grid.visit",
            String::new(),
            Outcome::Success,
            format!("grid {}", g.code),
        );
        Ok(self.store.record_visit(&v, audit).await?)
    }

    pub async fn visits(&self, actor: &Actor, grid: &str, limit: i64) -> AppResult<Vec<Visit>> {
        let g = self.grid(actor, grid).await?;
        Ok(self.store.visits_in(&g.code, limit.clamp(1, 500)).await?)
    }
}
