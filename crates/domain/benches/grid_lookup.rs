//! Point → grid over the demo map of Yantai: synthesises the city's communities and grids
//! from the real county outlines, builds the index and times random look-ups on one core.
//!
//! `cargo bench -p zhili-domain --bench grid_lookup`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use zhili_domain::geo::{
    fold_zones_into_hosts, synthesize, yantai_county_outlines, GridIndex, LonLat,
};

const VILLAGES: &str = include_str!("../../../data/yantai-divisions/villages.csv");

fn main() {
    let mut by_county: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in VILLAGES.lines().skip(1) {
        let code = line.split(',').next().unwrap_or_default();
        if code.len() == 12 {
            by_county
                .entry(format!("{}000000", &code[..6]))
                .or_default()
                .push(code.to_owned());
        }
    }
    let by_county = fold_zones_into_hosts(by_county);

    let t = Instant::now();
    let counties = yantai_county_outlines().expect("embedded outlines");
    let outlines = t.elapsed();
    let t = Instant::now();
    let map = synthesize(&counties, &by_county, 14_900, 2024).expect("synthesis");
    let synth = t.elapsed();
    let vertices: usize = map
        .grids
        .iter()
        .flat_map(|g| g.polygon.0.iter())
        .map(|p| p.rings().map(<[_]>::len).sum::<usize>())
        .sum();
    println!(
        "outlines: {} counties in {:.1} ms; synthesis: {} communities, {} grids ({} vertices) in {:.2} s",
        counties.len(),
        outlines.as_secs_f64() * 1e3,
        map.communities.len(),
        map.grids.len(),
        vertices,
        synth.as_secs_f64()
    );

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
