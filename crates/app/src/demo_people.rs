//! The demo's synthetic population: buildings placed inside their grids, dwellings in them,
//! residents with valid ID numbers living there — with the gaps a real registry has (vacant
//! dwellings, people with no known dwelling, a few double links, visits long ago), so the
//! 人房两清 report has something to find. Deterministic for a seed; streamed to the store in
//! batches, so `--scale yantai` (about 7 million people) runs in flat memory.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::ports::{BuildingRecord, DwellingRecord, ImportBatch, ImportMsg, NewResident};
use crate::App;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use zhili_domain::case::Point;
use zhili_domain::person::{mask_id_number, mask_name, mask_phone, IdCardNo};
use zhili_domain::registry::{BuildingCode, DwellingCode, OccupancyKind};
use zhili_domain::{DivisionCode, Outcome};

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曲",
    "姜", "修", "隋", "鞠", "牟", "初", "衣", "栾",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "海燕", "志强", "淑华", "玉兰", "春梅", "文博",
    "子涵", "浩然", "欣怡", "宇轩", "梓萱", "俊杰", "雨桐",
];
/// Where people were first registered (the ID number's first six digits): a city's residents
/// come from all over the city and the province, not only from the district they live in.
const BIRTHPLACES: &[&str] = &[
    "370602", "370611", "370612", "370613", "370614", "370681", "370682", "370683", "370684",
    "370685", "370686", "370687", "370102", "370202", "370702", "371002", "371102", "370302",
];
const RELATIONS: &[&str] = &["户主", "配偶", "子女", "父母", "孙子女", "其他"];

/// How many people and where.
#[derive(Debug, Clone)]
pub struct PopulationPlan {
    pub residents: u64,
    pub seed: u64,
    /// Communities to fill, evenly.
    pub communities: Vec<DivisionCode>,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct PopulationReport {
    pub buildings: u64,
    pub dwellings: u64,
    pub residents: u64,
}

impl App {
    /// Generate and store the population. `progress` gets the residents written so far.
    pub async fn seed_demo_population(
        &self,
        operator: &Actor,
        plan: PopulationPlan,
        progress: Option<Arc<dyn Fn(u64) + Send + Sync>>,
    ) -> AppResult<PopulationReport> {
        if plan.communities.is_empty() || plan.residents == 0 {
            return Ok(PopulationReport::default());
        }
        let lookup = self.grid_lookup().await?;
        let mut rng = StdRng::seed_from_u64(plan.seed);
        let per_community = plan.residents.div_ceil(plan.communities.len() as u64);
        let mut report = PopulationReport::default();
        let (tx, rx) = tokio::sync::mpsc::channel::<ImportMsg>(4);
        let store = self.store.clone();
        // Random ID numbers can collide: those few are skipped, not fatal.
        let writer = tokio::spawn(async move { store.import_rows(rx, true).await });
        let now = self.now_ms();
        let mut left = plan.residents;
        for community in &plan.communities {
            if left == 0 {
                break;
            }
            let want = per_community.min(left);
            left -= want;
            let grids = self.store.grids_in(community).await?;
            let mut buildings = Vec::new();
            let mut dwellings = Vec::new();
            let mut people = Vec::new();
            let mut made = 0u64;
            let mut seq = self.store.next_building_seq(community).await?;
            while made < want {
                let grid = (!grids.is_empty()).then(|| &grids[rng.random_range(0..grids.len())]);
                let location = grid.and_then(|g| {
                    (0..50).find_map(|_| {
                        let p = Point {
                            lon: rng.random_range(g.bbox[0]..=g.bbox[2]),
                            lat: rng.random_range(g.bbox[1]..=g.bbox[3]),
                        };
                        (lookup.locate(p).as_ref() == Some(&g.code)).then_some(p)
                    })
                });
                let code = BuildingCode::new(community, seq);
                seq += 1;
                let floors = rng.random_range(2..=12i64);
                let units = rng.random_range(1..=3u32);
                buildings.push((
                    0,
                    BuildingRecord {
                        code: code.clone(),
                        community_code: community.clone(),
                        grid_code: location.and(grid.map(|g| g.code.clone())),
                        name: format!("{}号楼", seq - 1),
                        address: format!("{}号楼", seq - 1),
                        location,
                        floors: Some(floors),
                    },
                ));
                report.buildings += 1;
                'fill: for unit in 1..=units {
                    for floor in 1..=floors {
                        for room in 1..=2 {
                            if made >= want {
                                break 'fill;
                            }
                            let d = DwellingCode::new(
                                &code,
                                &unit.to_string(),
                                &format!("{floor}{room:02}"),
                            )
                            .map_err(|e| AppError::Internal(e.message))?;
                            dwellings.push((
                                0,
                                DwellingRecord {
                                    code: d.clone(),
                                    building_code: code.clone(),
                                    unit: unit.to_string(),
                                    floor: Some(floor),
                                    room: format!("{floor}{room:02}"),
                                    use_type: "residential".into(),
                                    area: Some(f64::from(rng.random_range(45..140u32))),
                                },
                            ));
                            report.dwellings += 1;
                            // One dwelling in ten stands empty (or nobody told the grid worker).
                            if rng.random_bool(0.1) {
                                continue;
                            }
                            let household = rng.random_range(1..=4u64).min(want - made);
                            for i in 0..household {
                                // One person in fifty is known but not linked to any dwelling.
                                let linked = !rng.random_bool(0.02);
                                let kind = if rng.random_bool(0.2) {
                                    OccupancyKind::Tenant
                                } else {
                                    OccupancyKind::Resident
                                };
                                people.push(self.person(
                                    &mut rng,
                                    community,
                                    linked.then(|| (d.clone(), kind)),
                                    i,
                                ));
                                made += 1;
                            }
                        }
                    }
                }
                if people.len() >= 2000 {
                    report.residents += people.len() as u64;
                    send(&tx, &mut buildings, &mut dwellings, &mut people).await?;
                    if let Some(p) = &progress {
                        p(report.residents);
                    }
                }
            }
            report.residents += people.len() as u64;
            send(&tx, &mut buildings, &mut dwellings, &mut people).await?;
            if let Some(p) = &progress {
                p(report.residents);
            }
        }
        let audit = operator.audit(
            now,
            "registry.demo_population",
            "import:demo".into(),
            Outcome::Success,
            format!("演示人口 {} 人", report.residents),
        );
        let _ = tx
            .send(ImportMsg::Finish {
                commit: true,
                audit: Box::new(audit),
            })
            .await;
        drop(tx);
        let written = writer
            .await
            .map_err(|e| AppError::Internal(format!("population writer: {e}")))??;
        if !written.committed {
            return Err(AppError::Internal("demo population was not written".into()));
        }
        report.residents -= written.conflicts.len() as u64;
        Ok(report)
    }

    fn person(
        &self,
        rng: &mut StdRng,
        community: &DivisionCode,
        dwelling: Option<(DwellingCode, OccupancyKind)>,
        in_household: u64,
    ) -> NewResident {
        let region = BIRTHPLACES[rng.random_range(0..BIRTHPLACES.len())];
        let year = rng.random_range(1940..=2020);
        let month = rng.random_range(1..=12u32);
        let day = rng.random_range(1..=28u32);
        let seq = rng.random_range(0..1000u32);
        let first = format!("{region}{year:04}{month:02}{day:02}{seq:03}");
        let check = IdCardNo::check_char(&first).unwrap_or('0');
        let id = format!("{first}{check}");
        let name = format!(
            "{}{}",
            SURNAMES[rng.random_range(0..SURNAMES.len())],
            GIVEN[rng.random_range(0..GIVEN.len())]
        );
        let phone = format!(
            "1{}{:09}",
            ["3", "5", "8", "7"][rng.random_range(0..4)],
            rng.random_range(0..1_000_000_000u64)
        );
        let sex = if (seq % 10) % 2 == 1 {
            "male"
        } else {
            "female"
        };
        let v = &self.vault;
        NewResident {
            line: 0,
            community_code: community.clone(),
            grid_code: None,
            name_enc: v.seal(&name),
            name_masked: mask_name(&name),
            id_hash: v.lookup_hash(&id),
            id_enc: v.seal(&id),
            id_masked: mask_id_number(&id),
            phone_enc: Some(v.seal(&phone)),
            phone_hash: Some(v.lookup_hash(&phone)),
            phone_masked: Some(mask_phone(&phone)),
            sex,
            birth_date: format!("{year:04}-{month:02}-{day:02}"),
            ethnicity: if rng.random_bool(0.98) {
                "汉族"
            } else {
                "回族"
            }
            .into(),
            relation: RELATIONS[(in_household as usize).min(RELATIONS.len() - 1)].into(),
            dwelling,
        }
    }
}

async fn send(
    tx: &tokio::sync::mpsc::Sender<ImportMsg>,
    buildings: &mut Vec<(u64, BuildingRecord)>,
    dwellings: &mut Vec<(u64, DwellingRecord)>,
    people: &mut Vec<NewResident>,
) -> AppResult<()> {
    let closed = || AppError::Internal("population writer stopped".into());
    for b in [
        ImportBatch::Buildings(std::mem::take(buildings)),
        ImportBatch::Dwellings(std::mem::take(dwellings)),
        ImportBatch::Residents(std::mem::take(people)),
    ] {
        tx.send(ImportMsg::Batch(b)).await.map_err(|_| closed())?;
    }
    Ok(())
}
