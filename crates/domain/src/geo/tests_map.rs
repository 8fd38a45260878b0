//! Tests of the demo map: the embedded outlines, the synthesis, and the whole city.

use super::*;
use std::collections::BTreeMap;

fn counties_sample() -> (Vec<County>, BTreeMap<String, Vec<String>>) {
    let counties = yantai_county_outlines().unwrap();
    let mut by: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // 芝罘区: two townships' worth; 莱山区 with the 高新区 folded in.
    for (county, town, n) in [
        ("370602", "001", 14),
        ("370602", "002", 9),
        ("370613", "001", 12),
        ("370671", "001", 5),
    ] {
        let list = by.entry(format!("{county}000000")).or_default();
        list.extend(
            (1..=n).map(|i| format!("{county}{town}{:03}", if i % 3 == 0 { 200 + i } else { i })),
        );
    }
    (counties, fold_zones_into_hosts(by))
}

#[test]
fn yantai_has_eleven_county_outlines_in_wgs84() {
    let counties = yantai_county_outlines().unwrap();
    assert_eq!(counties.len(), 11);
    let zhifu = counties.iter().find(|c| c.code == "370602000000").unwrap();
    assert_eq!(zhifu.name, "芝罘区");
    let laishan = counties.iter().find(|c| c.code == "370613000000").unwrap();
    assert!(zhifu.outline.contains(LonLat::new(121.39, 37.53)));
    assert!(laishan.outline.contains(LonLat::new(121.45, 37.46)));
    assert!(!zhifu.outline.contains(LonLat::new(121.45, 37.46)));
    // 长岛's islands are part of 蓬莱区.
    let penglai = counties.iter().find(|c| c.code == "370614000000").unwrap();
    assert!(penglai.outline.0.len() > 10 && penglai.outline.contains(LonLat::new(120.74, 37.92)));
    assert!(counties
        .iter()
        .all(|c| !c.outline.is_empty() && c.outline.area_km2() > 100.0));
    assert!(ZONE_HOSTS
        .iter()
        .all(|(z, _)| counties.iter().all(|c| &c.code != z)));
}

#[test]
fn the_demo_map_tiles_each_community_with_its_grids_and_is_deterministic() {
    let (counties, by) = counties_sample();
    assert!(by.contains_key("370613000000") && !by.contains_key("370671000000"));
    let map = synthesize(&counties, &by, 120, 7).unwrap();
    assert_eq!(map, synthesize(&counties, &by, 120, 7).unwrap());
    assert_ne!(map, synthesize(&counties, &by, 120, 8).unwrap());
    assert_eq!(map.communities.len(), 40);
    assert_eq!(map.grids.len(), 120);
    let by_comm: BTreeMap<&str, &MultiPolygon> = map
        .communities
        .iter()
        .map(|(c, m)| (c.as_str(), m))
        .collect();
    for g in &map.grids {
        assert_eq!(g.code.len(), 15);
        assert!(g.code.starts_with(&g.community_code));
        assert!(
            g.polygon.area() > 0.0 && g.polygon.representative_point().is_some(),
            "{}",
            g.code
        );
    }
    for (code, comm) in &by_comm {
        let grids: Vec<&SynthGrid> = map
            .grids
            .iter()
            .filter(|g| g.community_code == *code)
            .collect();
        assert!(!grids.is_empty(), "{code}");
        assert_eq!(grids[0].code, format!("{code}001"));
        let sum: f64 = grids.iter().map(|g| g.polygon.area()).sum();
        assert!(
            // Clipping snaps to a fine integer lattice: areas agree to about 1e-8.
            (sum - comm.area()).abs() < 1e-7 * comm.area(),
            "{code}: {sum} vs {}",
            comm.area()
        );
        // Every grid's representative point is in its community and in no other grid.
        for g in &grids {
            let p = g.polygon.representative_point().unwrap();
            assert!(comm.contains(p), "{}", g.code);
            assert_eq!(
                map.grids.iter().filter(|h| h.polygon.contains(p)).count(),
                1,
                "{}",
                g.code
            );
        }
    }
    // Communities tile their county: areas add up and lie inside the outline.
    for county in counties.iter().filter(|c| by.contains_key(&c.code)) {
        let prefix: Vec<&str> = by[&county.code].iter().map(String::as_str).collect();
        let sum: f64 = map
            .communities
            .iter()
            .filter(|(c, _)| prefix.contains(&c.as_str()))
            .map(|(_, m)| m.area())
            .sum();
        assert!(
            (sum - county.outline.area()).abs() < 1e-6 * county.outline.area(),
            "{}",
            county.code
        );
    }
}

#[test]
fn a_county_without_an_outline_is_refused_by_name() {
    let (counties, _) = counties_sample();
    let by = BTreeMap::from([("370671000000".to_owned(), vec!["370671001001".to_owned()])]);
    assert_eq!(
        synthesize(&counties, &by, 10, 1),
        Err(GeoError::NoOutline("370671000000".into()))
    );
}

#[test]
fn the_whole_city_has_its_14900_grids_and_a_point_in_a_grid_lands_in_it() {
    let csv = include_str!("../../../../data/yantai-divisions/villages.csv");
    let codes: Vec<String> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect();
    let map = yantai_demo_map(&codes, 14_900, 2024).unwrap();
    assert_eq!(map.communities.len(), 6509);
    assert_eq!(map.grids.len(), 14_900);
    let index = GridIndex::new(
        map.grids
            .iter()
            .map(|g| (g.code.clone(), g.polygon.clone()))
            .collect(),
    );
    for g in &map.grids {
        assert!(
            crate::registry::GridCode::parse(&g.code).is_ok(),
            "{}",
            g.code
        );
        let p = g.polygon.representative_point().unwrap();
        assert_eq!(index.locate(p), Some(g.code.as_str()));
    }
    // The acceptance check's community has grids, as GeoJSON with their codes.
    let fc = map.grids_geojson();
    let mine: Vec<&Feature> = fc
        .features
        .iter()
        .filter(|f| f.property_str("community_code").as_deref() == Some("370602001001"))
        .collect();
    assert!(!mine.is_empty());
    let back = FeatureCollection::parse(&fc.to_json_string()).unwrap();
    assert_eq!(back.features.len(), 14_900);
}

#[test]
fn the_townships_of_changdao_lie_on_the_islands() {
    let csv = include_str!("../../../../data/yantai-divisions/villages.csv");
    let codes: Vec<String> = csv
        .lines()
        .filter(|l| l.starts_with("370614"))
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect();
    let map = yantai_demo_map(&codes, 1_300, 3).unwrap();
    assert_eq!(map.communities.len(), 618);
    let changdao = |c: &str| {
        c.starts_with("370614006") || c.starts_with("370614110") || c.starts_with("3706142")
    };
    for (code, area) in &map.communities {
        let p = area.representative_point().unwrap();
        assert_eq!(p.lat > 37.87, changdao(code), "{code} at {p:?}");
    }
}
