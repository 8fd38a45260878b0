//! TEMPORARY shim until the geo module lands.
pub mod coord;
pub mod geojson;
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LonLat {
    pub lon: f64,
    pub lat: f64,
}
#[derive(Debug, Clone, PartialEq)]
pub struct MultiPolygon(pub Vec<Vec<Vec<[f64; 2]>>>);
impl MultiPolygon {
    pub fn bbox(&self) -> [f64; 4] {
        let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
        for p in &self.0 {
            for r in p {
                for c in r {
                    b[0] = b[0].min(c[0]);
                    b[1] = b[1].min(c[1]);
                    b[2] = b[2].max(c[0]);
                    b[3] = b[3].max(c[1]);
                }
            }
        }
        b
    }
    pub fn gcj02_to_wgs84(&self) -> Self {
        self.clone()
    }
    pub fn contains(&self, p: LonLat) -> bool {
        self.0
            .iter()
            .any(|poly| poly.iter().filter(|r| inside(r, p)).count() % 2 == 1)
    }
}
fn inside(r: &[[f64; 2]], p: LonLat) -> bool {
    let mut c = false;
    let n = r.len();
    for i in 0..n {
        let a = r[i];
        let b = r[(i + 1) % n];
        if (a[1] > p.lat) != (b[1] > p.lat)
            && p.lon < (b[0] - a[0]) * (p.lat - a[1]) / (b[1] - a[1]) + a[0]
        {
            c = !c;
        }
    }
    c
}
pub struct GridIndex(Vec<(String, MultiPolygon, [f64; 4])>);
impl GridIndex {
    pub fn build(v: Vec<(String, MultiPolygon)>) -> Self {
        Self(
            v.into_iter()
                .map(|(c, m)| {
                    let b = m.bbox();
                    (c, m, b)
                })
                .collect(),
        )
    }
    pub fn locate(&self, p: LonLat) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, m, b)| {
                p.lon >= b[0] && p.lon <= b[2] && p.lat >= b[1] && p.lat <= b[3] && m.contains(p)
            })
            .map(|(c, _, _)| c.as_str())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
}
