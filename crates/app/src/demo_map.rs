//! The demo's map: there are no public grid polygons, so synthetic community areas and grids
//! are made from the real county outlines (`zhili_domain::geo::synthesize`) — about 14,900
//! grids, as Yantai has — deterministically for a seed, once per database.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{DivisionQuery, GridRecord, ImportBatch, ImportMsg};
use crate::App;
use zhili_domain::geo::yantai_demo_map;
use zhili_domain::registry::GridCode;
use zhili_domain::{DivisionCode, Level, Outcome, Page, Scope};

/// Yantai's number of grids.
pub const YANTAI_GRIDS: usize = 14_900;

/// What the demo map holds.
#[derive(Debug, Clone, Default)]
pub struct MapReport {
    pub grids: u64,
    pub communities: u64,
    /// False when grids were already there and nothing was made.
    pub created: bool,
}

impl App {
    /// Make and store the demo map unless the database already has grids.
    pub async fn seed_demo_map(&self, operator: &Actor, seed: u64) -> AppResult<MapReport> {
        let existing = self.store.count_grids().await?;
        if existing > 0 {
            return Ok(MapReport {
                grids: existing as u64,
                ..Default::default()
            });
        }
        let codes: Vec<String> = self
            .communities_in(&operator.scope)
            .await?
            .iter()
            .map(ToString::to_string)
            .collect();
        let map = tokio::task::spawn_blocking(move || {
            yantai_demo_map(&codes, YANTAI_GRIDS, seed).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| AppError::Internal(format!("demo map: {e}")))?
        .map_err(|e| AppError::Internal(format!("demo map: {e}")))?;
        let mut grids = Vec::with_capacity(map.grids.len());
        for g in &map.grids {
            let code = GridCode::parse(&g.code)
                .map_err(|e| AppError::Internal(format!("demo grid {}: {}", g.code, e.message)))?;
            let b = g.polygon.bbox();
            grids.push((
                0,
                GridRecord {
                    name: format!("第{}网格", &g.code[12..]),
                    community_code: code.community(),
                    code,
                    geometry: zhili_domain::geo::geojson::geometry_value(&g.polygon).to_string(),
                    bbox: [b.min_lon, b.min_lat, b.max_lon, b.max_lat],
                    worker: None,
                    assistants: String::new(),
                    captains: String::new(),
                },
            ));
        }
        let report = MapReport {
            grids: grids.len() as u64,
            communities: map.communities.len() as u64,
            created: true,
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<ImportMsg>(4);
        let store = self.store.clone();
        let writer = tokio::spawn(async move { store.import_rows(rx, false).await });
        let closed = || AppError::Internal("demo map writer stopped".into());
        for chunk in grids.chunks(2000) {
            tx.send(ImportMsg::Batch(ImportBatch::Grids(chunk.to_vec())))
                .await
                .map_err(|_| closed())?;
        }
        let audit = operator.audit(
            self.now_ms(),
            "registry.demo_map",
            "import:grids".into(),
            Outcome::Success,
            format!(
                "演示地图：{} 个村居，{} 个网格（种子 {seed}）",
                report.communities, report.grids
            ),
        );
        tx.send(ImportMsg::Finish {
            commit: true,
            audit: Box::new(audit),
        })
        .await
        .map_err(|_| closed())?;
        drop(tx);
        let written = writer
            .await
            .map_err(|e| AppError::Internal(format!("demo map writer: {e}")))??;
        if !written.committed {
            return Err(AppError::Internal("demo map was not written".into()));
        }
        self.forget_grid_index();
        Ok(report)
    }

    /// Give a grid worker the first grid of their community that has nobody yet.
    pub async fn assign_demo_grid_worker(
        &self,
        operator: &Actor,
        username: &str,
        community: &DivisionCode,
    ) -> AppResult<Option<GridCode>> {
        if !self.store.grids_of_worker(username).await?.is_empty() {
            return Ok(None);
        }
        let grids = self.store.grids_in(community).await?;
        let Some(g) = grids.into_iter().find(|g| g.worker.is_none()) else {
            return Ok(None);
        };
        let audit = operator.audit(
            self.now_ms(),
            "grid.assign_worker",
            format!("grid:{}", g.code),
            Outcome::Success,
            username.to_owned(),
        );
        self.store
            .assign_grid_worker(&g.code, Some(username), audit)
            .await?;
        Ok(Some(g.code))
    }

    /// The communities of a division, for filling with the demo population.
    pub async fn communities_under(&self, root: &DivisionCode) -> AppResult<Vec<DivisionCode>> {
        self.communities_in(&Scope::Subtree(root.clone())).await
    }

    /// Every community `scope` sees, read page by page.
    pub(crate) async fn communities_in(&self, scope: &Scope) -> AppResult<Vec<DivisionCode>> {
        let q = DivisionQuery {
            scope: scope.clone(),
            level: Some(Level::Community),
            parent: None,
            work_area: None,
            text: None,
        };
        let mut out = Vec::new();
        let mut page = Page {
            number: 1,
            size: Page::MAX_SIZE,
        };
        loop {
            let p = self.store.list_divisions(&q, page).await?;
            let n = p.items.len();
            out.extend(p.items.into_iter().map(|d| d.code));
            if n < page.size as usize {
                break;
            }
            page.number += 1;
        }
        Ok(out)
    }
}
