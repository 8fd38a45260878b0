//! Point → grid over the demo map of Yantai: synthesises the city's communities and grids
//! from the real county outlines, builds the index and times random look-ups on one core.
//!
//! `cargo bench -p zhili-domain --bench grid_lookup`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use zhili_domain::geo::svg::{path_d, project};
use zhili_domain::geo::{
    yantai_county_outlines, yantai_demo_map, County, GridIndex, LonLat, SynthMap,
};

const VILLAGES: &str = include_str!("../../../data/yantai-divisions/villages.csv");

fn main() {
    let codes: Vec<String> = VILLAGES
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .map(str::to_owned)
        .collect();

    let t = Instant::now();
    let counties = yantai_county_outlines().expect("embedded outlines");
    let outlines = t.elapsed();
    let t = Instant::now();
    let map = yantai_demo_map(&codes, 14_900, 2024).expect("synthesis");
    let synth = t.elapsed();
    let vertices: usize = map
        .grids
        .iter()
        .flat_map(|g| g.polygon.0.iter())
        .map(|p| p.rings().map(<[_]>::len).sum::<usize>())
        .sum();
    println!(
        "outlines: {} counties in {:.1} ms; synthesis (outlines included): {} communities, {} grids ({} vertices) in {:.2} s",
        counties.len(),
        outlines.as_secs_f64() * 1e3,
        map.communities.len(),
        map.grids.len(),
        vertices,
        synth.as_secs_f64()
    );

    report_shape(&map);
    if let Ok(path) = std::env::var("ZHILI_GEO_SVG") {
        std::fs::write(&path, svg_map(&counties, &map)).expect("write the SVG");
        println!("map written to {path}");
    }

    let t = Instant::now();
    let index = GridIndex::new(
        map.grids
            .iter()
            .map(|g| (g.code.clone(), g.polygon.clone()))
            .collect(),
    );
    println!(
        "index: {} grids in {:.0} ms",
        index.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Random points in the city's box (xorshift; about half fall in the sea or outside).
    let b = index.bbox();
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut unit = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = 4_000_000;
    let pts: Vec<LonLat> = (0..n)
        .map(|_| {
            LonLat::new(
                b.min_lon + unit() * (b.max_lon - b.min_lon),
                b.min_lat + unit() * (b.max_lat - b.min_lat),
            )
        })
        .collect();
    let t = Instant::now();
    let mut hits = 0usize;
    for &p in &pts {
        hits += black_box(index.locate(black_box(p))).is_some() as usize;
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "lookups (city box): {n} in {:.3} s = {:.2} M/s, {:.1}% in a grid",
        dt,
        n as f64 / dt / 1e6,
        100.0 * hits as f64 / n as f64
    );

    // Points that are inside some grid: each grid's representative point, repeated.
    let inside: Vec<LonLat> = map
        .grids
        .iter()
        .filter_map(|g| g.polygon.representative_point())
        .collect();
    let wrong = map
        .grids
        .iter()
        .filter_map(|g| Some((g.code.as_str(), g.polygon.representative_point()?)))
        .filter(|&(code, p)| index.locate(p) != Some(code))
        .count();
    println!("representative points located in another grid: {wrong}");
    let t = Instant::now();
    let rounds = (n / inside.len().max(1)).max(1);
    let mut found = 0usize;
    for _ in 0..rounds {
        for &p in &inside {
            found += black_box(index.locate(black_box(p))).is_some() as usize;
        }
    }
    let m = rounds * inside.len();
    let dt = t.elapsed().as_secs_f64();
    println!(
        "lookups (inside grids): {m} in {:.3} s = {:.2} M/s, {found} found",
        dt,
        m as f64 / dt / 1e6
    );
}

/// Grids per community, parts per grid, the smallest grid.
fn report_shape(map: &SynthMap) {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for g in &map.grids {
        *per.entry(g.community_code.as_str()).or_default() += 1;
    }
    let (min, max) = (
        per.values().min().copied().unwrap_or(0),
        per.values().max().copied().unwrap_or(0),
    );
    let multi = map.grids.iter().filter(|g| g.polygon.0.len() > 1).count();
    let smallest = map
        .grids
        .iter()
        .map(|g| g.polygon.area_km2())
        .fold(f64::INFINITY, f64::min);
    let holes = map
        .grids
        .iter()
        .filter(|g| g.polygon.0.iter().any(|p| !p.holes.is_empty()))
        .count();
    println!(
        "grids per community {min}..{max} (communities with grids: {}); grids in several parts: {multi}; with holes: {holes}; smallest grid {smallest:.4} km²",
        per.len()
    );
}

fn svg_map(counties: &[County], map: &SynthMap) -> String {
    let bbox = counties
        .iter()
        .fold(zhili_domain::geo::BBox::EMPTY, |b, c| {
            b.union(&c.outline.bbox())
        });
    let proj = project(bbox, 2400.0, 2000.0);
    let mut s = String::from(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="2000"><rect width="100%" height="100%" fill="white"/>"#,
    );
    for g in &map.grids {
        s += &format!(
            r##"<path d="{}" fill="#eef" stroke="#99c" stroke-width="0.3" fill-rule="evenodd"/>"##,
            path_d(&g.polygon, &proj)
        );
    }
    for (_, c) in &map.communities {
        s += &format!(
            r##"<path d="{}" fill="none" stroke="#446" stroke-width="0.7"/>"##,
            path_d(c, &proj)
        );
    }
    for c in counties {
        s += &format!(
            r##"<path d="{}" fill="none" stroke="#c00" stroke-width="2"/>"##,
            path_d(&c.outline, &proj)
        );
    }
    for c in counties {
        if let Some(p) = c.outline.representative_point() {
            let (x, y) = proj(p);
            s += &format!(
                r##"<text x="{x:.0}" y="{y:.0}" font-size="28" fill="#c00">{}</text>"##,
                c.name
            );
        }
    }
    s + "</svg>"
}
