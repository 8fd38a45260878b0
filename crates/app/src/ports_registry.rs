//! Storage for grids and the building–dwelling–resident registry. Imports stream: the app
//! parses and validates rows on one thread and sends batches; the store writes them inside
//! one transaction and commits only when told to, so a file is all-or-nothing however large.

use crate::ports::StoreResult;
use async_trait::async_trait;
use serde::Serialize;
use zhili_domain::case::Point;
use zhili_domain::registry::{BuildingCode, Consistency, DwellingCode, GridCode, OccupancyKind};
use zhili_domain::{AuditEntry, DivisionCode, Page, Paged};

/// A grid as stored: its outline is a GeoJSON geometry in WGS-84.
#[derive(Debug, Clone, Serialize)]
pub struct GridRecord {
    pub code: GridCode,
    pub community_code: DivisionCode,
    pub name: String,
    /// GeoJSON `Polygon` or `MultiPolygon`, WGS-84.
    pub geometry: String,
    /// `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: [f64; 4],
    /// The grid worker's username, if one is assigned.
    pub worker: Option<String>,
    pub assistants: String,
    pub captains: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildingRecord {
    pub code: BuildingCode,
    pub community_code: DivisionCode,
    pub grid_code: Option<GridCode>,
    pub name: String,
    pub address: String,
    pub location: Option<Point>,
    pub floors: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DwellingRecord {
    pub code: DwellingCode,
    pub building_code: BuildingCode,
    pub unit: String,
    pub floor: Option<i64>,
    pub room: String,
    /// `residential`, `commercial`, `office`, `other`.
    pub use_type: String,
    pub area: Option<f64>,
}

/// A resident to insert: personal fields already encrypted, hashed and masked by the vault.
#[derive(Debug, Clone)]
pub struct NewResident {
    pub line: u64,
    pub community_code: DivisionCode,
    pub grid_code: Option<GridCode>,
    pub name_enc: Vec<u8>,
    pub name_masked: String,
    pub id_enc: Vec<u8>,
    pub id_hash: Vec<u8>,
    pub id_masked: String,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_hash: Option<Vec<u8>>,
    pub phone_masked: Option<String>,
    pub sex: &'static str,
    pub birth_date: String,
    pub ethnicity: String,
    pub relation: String,
    /// The dwelling the resident is linked to on import, and how.
    pub dwelling: Option<(DwellingCode, OccupancyKind)>,
}

#[derive(Debug, Clone)]
pub struct NewOccupancy {
    pub line: u64,
    /// The resident, by the keyed hash of their ID number.
    pub id_hash: Vec<u8>,
    pub dwelling_code: DwellingCode,
    pub kind: OccupancyKind,
    pub from_date: Option<String>,
    pub to_date: Option<String>,
}

/// One batch of validated rows of one kind, each knowing its line in the file.
#[derive(Debug, Clone)]
pub enum ImportBatch {
    Grids(Vec<(u64, GridRecord)>),
    Buildings(Vec<(u64, BuildingRecord)>),
    Dwellings(Vec<(u64, DwellingRecord)>),
    Residents(Vec<NewResident>),
    Occupancy(Vec<NewOccupancy>),
}

/// What the importer tells the store.
#[derive(Debug)]
pub enum ImportMsg {
    Batch(ImportBatch),
    /// The last message: commit (with its audit record) or roll everything back.
    Finish {
        commit: bool,
        audit: Box<AuditEntry>,
    },
}

/// A row the database refused (a duplicate, an unknown reference).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowConflict {
    pub line: u64,
    pub column: &'static str,
    pub code: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct ImportWritten {
    pub written: u64,
    pub conflicts: Vec<RowConflict>,
    pub committed: bool,
}

/// A resident as lists show them (masked) with the encrypted fields for a reveal.
#[derive(Debug, Clone)]
pub struct ResidentRow {
    pub id: i64,
    pub community_code: DivisionCode,
    pub grid_code: Option<String>,
    pub name_enc: Vec<u8>,
    pub name_masked: String,
    pub id_enc: Vec<u8>,
    pub id_masked: String,
    pub phone_enc: Option<Vec<u8>>,
    pub phone_masked: Option<String>,
    pub sex: String,
    pub birth_date: String,
    pub ethnicity: String,
    pub relation: String,
    pub dwelling_code: Option<String>,
    pub confirmed_at_ms: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ResidentQuery {
    pub within: DivisionCode,
    pub grid: Option<GridCode>,
    /// Exact match on the keyed hash of an ID number or phone.
    pub lookup_hash: Option<Vec<u8>>,
}

/// A grid worker's visit (走访) or patrol.
#[derive(Debug, Clone, Serialize)]
pub struct Visit {
    pub id: i64,
    pub grid_code: GridCode,
    pub user_id: Option<i64>,
    pub username: String,
    pub at_ms: i64,
    pub building_code: Option<BuildingCode>,
    pub location: Option<Point>,
    pub found: String,
    pub case_id: Option<i64>,
}

/// What an export reads: buildings, dwellings or residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Buildings,
    Dwellings,
    Residents,
}

/// Where an export page starts: after the last row of the previous page (keyset paging, so
/// each page is one short indexed read and nothing is held open between pages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportAfter {
    Start,
    /// Buildings and dwellings are ordered by code.
    Code(String),
    /// Residents are ordered by community, then id.
    Resident(String, i64),
}

/// One page of an export, in order.
#[derive(Debug, Clone)]
pub enum ExportPage {
    Buildings(Vec<BuildingRecord>),
    Dwellings(Vec<DwellingRecord>),
    Residents(Vec<ResidentRow>),
}

#[async_trait]
pub trait RegistryStore: Send + Sync {
    /// Consume batches until `Finish`; write them in one transaction; commit only if told to
    /// and no row conflicted (or `skip_conflicts`, which skips and reports such rows).
    async fn import_rows(
        &self,
        rx: tokio::sync::mpsc::Receiver<ImportMsg>,
        skip_conflicts: bool,
    ) -> StoreResult<ImportWritten>;
    async fn grids_in(&self, within: &DivisionCode) -> StoreResult<Vec<GridRecord>>;
    async fn grid(&self, code: &GridCode) -> StoreResult<Option<GridRecord>>;
    /// Every grid's code and outline, for the point index.
    async fn grid_shapes(&self) -> StoreResult<Vec<(String, String)>>;
    async fn count_grids(&self) -> StoreResult<i64>;
    async fn next_building_seq(&self, community: &DivisionCode) -> StoreResult<u32>;
    async fn buildings_in(
        &self,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        page: Page,
    ) -> StoreResult<Paged<BuildingRecord>>;
    async fn dwellings_of(&self, building: &BuildingCode) -> StoreResult<Vec<DwellingRecord>>;
    async fn residents(&self, q: &ResidentQuery, page: Page) -> StoreResult<Paged<ResidentRow>>;
    async fn resident(&self, id: i64) -> StoreResult<Option<ResidentRow>>;
    /// Whether a case held by `node` names a party with this ID number.
    async fn party_of_case_held_by(&self, node: &str, id_number: &str) -> StoreResult<bool>;
    async fn consistency(
        &self,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        today: &str,
        confirmed_after_ms: i64,
    ) -> StoreResult<Consistency>;
    /// Record a visit; it confirms the building's dwellings and their residents.
    async fn record_visit(&self, v: &Visit, audit: AuditEntry) -> StoreResult<i64>;
    async fn visits_in(&self, grid: &GridCode, limit: i64) -> StoreResult<Vec<Visit>>;
    async fn assign_grid_worker(
        &self,
        grid: &GridCode,
        username: Option<&str>,
        audit: AuditEntry,
    ) -> StoreResult<bool>;
    async fn grids_of_worker(&self, username: &str) -> StoreResult<Vec<GridRecord>>;
    /// How many rows an export of `kind` within `within` (and `grid`) holds now.
    async fn export_count(
        &self,
        kind: ExportKind,
        within: &DivisionCode,
        grid: Option<&GridCode>,
    ) -> StoreResult<i64>;
    /// The next `limit` rows after `after`, in the export's order.
    async fn export_page(
        &self,
        kind: ExportKind,
        within: &DivisionCode,
        grid: Option<&GridCode>,
        after: &ExportAfter,
        limit: i64,
    ) -> StoreResult<ExportPage>;
}
