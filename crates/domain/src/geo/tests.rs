//! Tests across the geo module: containment and its boundary rule, the index, the demo map.

use super::*;
use proptest::prelude::*;

fn ring(pts: &[(f64, f64)]) -> Vec<LonLat> {
    pts.iter().map(|&(x, y)| LonLat::new(x, y)).collect()
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<LonLat> {
    ring(&[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

fn mp(exterior: Vec<LonLat>, holes: Vec<Vec<LonLat>>) -> MultiPolygon {
    Polygon::new(exterior, holes).into()
}

/// A ring square with a square hole, the hole filled by a second grid, and a third grid
/// sharing the outer square's east edge (with a slanted shared edge to the north-east).
fn holed_map() -> Vec<(String, MultiPolygon)> {
    vec![
        (
            "A".into(),
            mp(rect(0.0, 0.0, 3.0, 3.0), vec![rect(1.0, 1.0, 2.0, 2.0)]),
        ),
        // The hole's filler, listed clockwise and from another vertex: orientation is irrelevant.
        (
            "B".into(),
            mp(
                ring(&[(2.0, 2.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0)]),
                vec![],
            ),
        ),
        (
            "C".into(),
            mp(
                ring(&[(3.0, 0.0), (5.0, 0.0), (5.0, 5.0), (3.0, 3.0)]),
                vec![],
            ),
        ),
        (
            "D".into(),
            mp(
                ring(&[(0.0, 3.0), (3.0, 3.0), (5.0, 5.0), (0.0, 5.0)]),
                vec![],
            ),
        ),
    ]
}

fn owners(map: &[(String, MultiPolygon)], p: LonLat) -> Vec<&str> {
    map.iter()
        .filter(|(_, m)| m.contains(p))
        .map(|(c, _)| c.as_str())
        .collect()
}

#[test]
fn a_point_in_a_hole_belongs_to_the_grid_filling_the_hole() {
    let map = holed_map();
    let idx = GridIndex::new(map.clone());
    assert_eq!(idx.locate(LonLat::new(1.5, 1.5)), Some("B"));
    assert_eq!(idx.locate(LonLat::new(0.5, 1.5)), Some("A"));
    assert!(!map[0].1.contains(LonLat::new(1.5, 1.5)));
    assert!((map[0].1.area() - 8.0).abs() < 1e-12);
}

#[test]
fn a_point_on_a_shared_edge_or_vertex_belongs_to_exactly_one_grid() {
    let map = holed_map();
    let idx = GridIndex::new(map.clone());
    let on_boundaries = [
        ((1.0, 1.5), "B"), // hole's west edge: east of it is B
        ((2.0, 1.5), "A"), // hole's east edge: east of it is A
        ((1.5, 1.0), "B"), // hole's south edge: north of it is B
        ((1.5, 2.0), "A"), // hole's north edge: north of it is A
        ((3.0, 1.0), "C"), // A | C
        ((4.0, 4.0), "C"), // slanted C / D edge: east of it is C
        ((1.0, 3.0), "D"), // A / D horizontal edge: north of it is D
        ((3.0, 3.0), "C"), // the vertex shared by A, C and D
        ((2.0, 2.0), "A"), // a corner of the hole
        ((1.0, 1.0), "B"),
    ];
    for ((x, y), want) in on_boundaries {
        let p = LonLat::new(x, y);
        assert_eq!(owners(&map, p), vec![want], "{p:?}");
        assert_eq!(idx.locate(p), Some(want), "{p:?}");
    }
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<GridIndex>();
}

#[test]
fn points_outside_every_grid_find_none() {
    let idx = GridIndex::new(holed_map());
    for (x, y) in [
        (-1.0, 1.0),
        (6.0, 1.0),
        (4.9, 0.0 - 1e-9),
        (5.0, 2.0),
        (2.0, 5.0),
        (f64::NAN, 1.0),
    ] {
        assert_eq!(idx.locate(LonLat::new(x, y)), None, "({x}, {y})");
    }
    assert_eq!(
        GridIndex::new(Vec::new()).locate(LonLat::new(0.0, 0.0)),
        None
    );
}

/// A jittered lattice tiling: every cell a quadrilateral sharing its corners with neighbours.
fn lattice(n: usize, jitter: &[f64]) -> Vec<(String, MultiPolygon)> {
    let corner = |i: usize, j: usize| {
        let k = (i * (n + 1) + j) % jitter.len();
        let (dx, dy) = if i == 0 || j == 0 || i == n || j == n {
            (0.0, 0.0)
        } else {
            (jitter[k], jitter[(k + 7) % jitter.len()])
        };
        LonLat::new(i as f64 + dx, j as f64 + dy)
    };
    let mut out = Vec::new();
    for i in 0..n {
        for j in 0..n {
            let r = vec![
                corner(i, j),
                corner(i + 1, j),
                corner(i + 1, j + 1),
                corner(i, j + 1),
            ];
            out.push((format!("{i}-{j}"), mp(r, vec![])));
        }
    }
    out
}

proptest! {
    #[test]
    fn the_index_agrees_with_contains_and_a_tiling_has_one_owner_everywhere(
        jitter in proptest::collection::vec(-0.3f64..0.3, 16..32),
        pts in proptest::collection::vec((0.0f64..8.0, 0.0f64..8.0), 64),
    ) {
        let map = lattice(8, &jitter);
        let idx = GridIndex::new(map.clone());
        // Random points, lattice vertices and points on edges all have exactly one owner.
        let mut probe: Vec<LonLat> = pts.iter().map(|&(x, y)| LonLat::new(x, y)).collect();
        for (_, m) in &map {
            let r = &m.0[0].exterior;
            for k in 0..r.len() {
                let (a, b) = (r[k], r[(k + 1) % r.len()]);
                probe.push(a);
                probe.push(LonLat::new((a.lon + b.lon) / 2.0, (a.lat + b.lat) / 2.0));
            }
        }
        for p in probe {
            let own = owners(&map, p);
            let interior = p.lon < 8.0 && p.lat < 8.0;
            prop_assert!(own.len() == usize::from(interior) || !interior && own.len() <= 1, "{p:?} {own:?}");
            prop_assert_eq!(idx.locate(p), own.first().copied(), "{:?}", p);
        }
    }
}

#[test]
fn a_representative_point_is_inside_concave_and_holed_polygons() {
    let u = Polygon::new(
        ring(&[
            (0.0, 0.0),
            (3.0, 0.0),
            (3.0, 3.0),
            (2.0, 3.0),
            (2.0, 1.0),
            (1.0, 1.0),
            (1.0, 3.0),
            (0.0, 3.0),
        ]),
        vec![],
    );
    let holed = Polygon::new(rect(0.0, 0.0, 4.0, 4.0), vec![rect(0.5, 0.5, 3.5, 3.5)]);
    for p in [u, holed] {
        let r = p.representative_point().unwrap();
        assert!(p.contains(r), "{r:?}");
    }
    assert_eq!(
        Polygon::new(ring(&[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)]), vec![]).representative_point(),
        None
    );
}

#[test]
fn area_and_centroid_count_holes_whatever_the_orientation() {
    let mut hole = rect(0.0, 0.0, 1.0, 1.0);
    hole.reverse();
    let p = Polygon::new(rect(0.0, 0.0, 2.0, 2.0), vec![hole]);
    assert!((p.area() - 3.0).abs() < 1e-12);
    let c = p.centroid().unwrap();
    assert!(
        (c.lon - 7.0 / 6.0).abs() < 1e-12 && (c.lat - 7.0 / 6.0).abs() < 1e-12,
        "{c:?}"
    );
    // A closing vertex given GeoJSON-style is dropped.
    let mut closed = rect(0.0, 0.0, 1.0, 1.0);
    closed.push(closed[0]);
    assert_eq!(Polygon::new(closed, vec![]).exterior.len(), 4);
}

/// A star-shaped polygon around `c` with a star-shaped hole.
fn star(c: (f64, f64), radii: &[f64], scale: f64) -> MultiPolygon {
    let n = radii.len();
    let at = |k: usize, r: f64| {
        let t = std::f64::consts::TAU * k as f64 / n as f64;
        LonLat::new(c.0 + scale * r * t.cos(), c.1 + scale * r * t.sin())
    };
    let exterior = (0..n).map(|k| at(k, 0.5 + radii[k] / 2.0)).collect();
    let hole = (0..n)
        .map(|k| at(k, 0.1 + radii[(k + 3) % n] * 0.3))
        .collect();
    mp(exterior, vec![hole])
}

proptest! {
    #[test]
    fn the_index_finds_the_first_of_overlapping_polygons_with_holes(
        shapes in proptest::collection::vec(((0.0f64..10.0, 0.0f64..10.0), 0.5f64..3.0), 1..25),
        radii in proptest::collection::vec(0.0f64..1.0, 8..20),
        pts in proptest::collection::vec((-1.0f64..11.0, -1.0f64..11.0), 200),
    ) {
        let map: Vec<(String, MultiPolygon)> =
            shapes.iter().enumerate().map(|(i, &(c, s))| (i.to_string(), star(c, &radii, s))).collect();
        let idx = GridIndex::new(map.clone());
        let mut probe: Vec<LonLat> = pts.iter().map(|&(x, y)| LonLat::new(x, y)).collect();
        probe.extend(map.iter().flat_map(|(_, m)| m.0[0].rings().flatten().copied().collect::<Vec<_>>()));
        for p in probe {
            prop_assert_eq!(idx.locate(p), owners(&map, p).first().copied(), "{:?}", p);
        }
    }
}
