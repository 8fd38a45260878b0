//! Internal: the demo map's random numbers, the same on every platform and Rust version.

use super::coord::LonLat;
use super::polygon::{BBox, MultiPolygon};

/// SplitMix64: small, fast, and the same on every platform.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, salt: &str) -> Self {
        // FNV-1a of the salt, mixed with the seed.
        let h = salt.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        });
        Rng(seed ^ h)
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Roughly standard normal (Irwin–Hall of four uniforms): no `ln` or `cos`, whose last
    /// bits may differ between platforms' maths libraries.
    pub(crate) fn gauss(&mut self) -> f64 {
        let sum: f64 = (0..4).map(|_| self.unit()).sum();
        (sum - 2.0) * 3f64.sqrt()
    }

    /// A uniform point of the box `b` where `inside` holds, or `None` after `tries` misses.
    pub(crate) fn point_where(
        &mut self,
        inside: impl Fn(LonLat) -> bool,
        b: &BBox,
        tries: usize,
    ) -> Option<LonLat> {
        (0..tries).find_map(|_| {
            let p = LonLat::new(
                b.min_lon + self.unit() * (b.max_lon - b.min_lon),
                b.min_lat + self.unit() * (b.max_lat - b.min_lat),
            );
            inside(p).then_some(p)
        })
    }

    /// A uniform point of a multipolygon: a part drawn by area, then rejection in its box
    /// (so a community of a large piece and a far islet is not sampled over the sea between).
    pub(crate) fn point_in_parts(&mut self, m: &MultiPolygon, tries: usize) -> Option<LonLat> {
        let areas: Vec<f64> = m.0.iter().map(|p| p.area()).collect();
        let total: f64 = areas.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let mut pick = self.unit() * total;
        let k = areas.iter().position(|&a| {
            pick -= a;
            pick < 0.0
        });
        let part = &m.0[k.unwrap_or(m.0.len() - 1)];
        self.point_where(|p| part.contains(p), &part.bbox(), tries)
    }
}
