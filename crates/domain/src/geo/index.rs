//! `GridIndex`: point → grid over many polygons, in well under a microsecond.
//!
//! A uniform bucket grid over the polygons' extent lists, per cell, the polygons that may hold
//! a point of the cell: *full* (the whole cell lies inside, no edge comes near it) or
//! *partial* (an edge's bounding box reaches the cell). A point in a full cell is answered
//! without geometry; in a partial cell each candidate is tested by ray crossing over only its
//! edges in the point's horizontal band. The crossing test is the one of
//! [`Polygon::contains`](super::Polygon::contains), so `locate` agrees with it exactly —
//! boundary rule included — and returns the first matching polygon in input order.

use super::coord::LonLat;
use super::polygon::{crosses, BBox, MultiPolygon};

const FULL: u32 = 1 << 31;

/// Edges of one polygon sorted into horizontal bands.
#[derive(Debug, Clone)]
struct Bands {
    ymin: f64,
    inv_h: f64,
    count: u32,
    /// Index of this polygon's first band in `band_start`.
    first: u32,
}

impl Bands {
    #[inline(always)]
    fn band(&self, y: f64) -> u32 {
        let b = (y - self.ymin) * self.inv_h;
        if b <= 0.0 {
            0
        } else {
            (b as u32).min(self.count - 1)
        }
    }
}

/// A monotone map from a coordinate to a bucket column or row.
#[derive(Debug, Clone, Copy)]
struct Axis {
    min: f64,
    inv: f64,
    n: usize,
}

impl Axis {
    fn new(min: f64, max: f64, n: usize) -> Self {
        let span = (max - min).max(1e-12);
        Self {
            min,
            inv: n as f64 / span,
            n,
        }
    }

    #[inline(always)]
    fn at(&self, v: f64) -> usize {
        let b = (v - self.min) * self.inv;
        if b <= 0.0 {
            0
        } else {
            (b as usize).min(self.n - 1)
        }
    }

    fn centre(&self, i: usize) -> f64 {
        self.min + (i as f64 + 0.5) / self.inv
    }
}

/// Point → grid code over a fixed set of polygons. Immutable once built; share it by `Arc`.
#[derive(Debug, Clone)]
pub struct GridIndex {
    codes: Vec<String>,
    bbox: BBox,
    xs: Axis,
    ys: Axis,
    cell_start: Vec<u32>,
    cell_items: Vec<u32>,
    bands: Vec<Bands>,
    band_start: Vec<u32>,
    edges: Vec<(LonLat, LonLat)>,
}

impl GridIndex {
    /// Builds the index. Polygons may be given in any orientation; an empty one never matches.
    pub fn new(grids: Vec<(String, MultiPolygon)>) -> Self {
        let mut codes = Vec::with_capacity(grids.len());
        let mut bboxes = Vec::with_capacity(grids.len());
        let mut all_edges: Vec<Vec<(LonLat, LonLat)>> = Vec::with_capacity(grids.len());
        for (code, mp) in grids {
            let mut es = Vec::new();
            for ring in mp.0.iter().flat_map(|p| p.rings()) {
                let n = ring.len();
                for i in 0..n {
                    let (a, b) = (ring[i], ring[(i + 1) % n]);
                    if a.lon.is_finite()
                        && a.lat.is_finite()
                        && b.lon.is_finite()
                        && b.lat.is_finite()
                        && n >= 3
                    {
                        es.push(if a.lat <= b.lat { (a, b) } else { (b, a) });
                    }
                }
            }
            let mut bb = BBox::EMPTY;
            for &(a, b) in &es {
                bb.extend(a);
                bb.extend(b);
            }
            codes.push(code);
            bboxes.push(bb);
            all_edges.push(es);
        }
        let bbox = bboxes.iter().fold(BBox::EMPTY, |a, b| a.union(b));
        let total_edges: usize = all_edges.iter().map(Vec::len).sum();
        let (w, h) = if bbox.is_empty() {
            (1.0, 1.0)
        } else {
            (bbox.max_lon - bbox.min_lon, bbox.max_lat - bbox.min_lat)
        };
        let cells = (total_edges * 4).clamp(1, 1 << 22) as f64;
        let nx = ((cells * w.max(1e-9) / h.max(1e-9)).sqrt().round() as usize).clamp(1, 1 << 13);
        let ny = ((cells / nx as f64).round() as usize).clamp(1, 1 << 13);
        let (xs, ys) = if bbox.is_empty() {
            (Axis::new(0.0, 1.0, 1), Axis::new(0.0, 1.0, 1))
        } else {
            (
                Axis::new(bbox.min_lon, bbox.max_lon, nx),
                Axis::new(bbox.min_lat, bbox.max_lat, ny),
            )
        };

        let mut idx = GridIndex {
            codes,
            bbox,
            xs,
            ys,
            cell_start: Vec::new(),
            cell_items: Vec::new(),
            bands: Vec::with_capacity(all_edges.len()),
            band_start: vec![0],
            edges: Vec::with_capacity(total_edges),
        };
        for (es, bb) in all_edges.iter().zip(&bboxes) {
            idx.add_bands(es, bb);
        }
        // (cell, entry) pairs; entries of one polygon come in increasing cell order.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (id, (es, bb)) in all_edges.iter().zip(&bboxes).enumerate() {
            if es.is_empty() {
                continue;
            }
            let (cx0, cx1, cy0, cy1) = (
                xs.at(bb.min_lon),
                xs.at(bb.max_lon),
                ys.at(bb.min_lat),
                ys.at(bb.max_lat),
            );
            let wcol = cx1 - cx0 + 1;
            let mut partial = vec![false; wcol * (cy1 - cy0 + 1)];
            for &(a, b) in es {
                let (x0, x1) = (xs.at(a.lon.min(b.lon)), xs.at(a.lon.max(b.lon)));
                for y in ys.at(a.lat)..=ys.at(b.lat) {
                    for x in x0..=x1 {
                        partial[(y - cy0) * wcol + x - cx0] = true;
                    }
                }
            }
            for y in cy0..=cy1 {
                for x in cx0..=cx1 {
                    let cell = (y * xs.n + x) as u32;
                    let entry = id as u32;
                    if partial[(y - cy0) * wcol + x - cx0] {
                        pairs.push((cell, entry));
                    } else {
                        // No edge reaches this cell: it is wholly inside or wholly outside.
                        let c = LonLat::new(xs.centre(x), ys.centre(y));
                        if xs.at(c.lon) != x || ys.at(c.lat) != y {
                            pairs.push((cell, entry));
                        } else if idx.poly_contains(id, c) {
                            pairs.push((cell, entry | FULL));
                        }
                    }
                }
            }
        }
        pairs.sort_unstable_by_key(|&(c, e)| (c, e & !FULL));
        let ncells = xs.n * ys.n;
        idx.cell_start = vec![0; ncells + 1];
        for &(c, _) in &pairs {
            idx.cell_start[c as usize + 1] += 1;
        }
        for i in 0..ncells {
            idx.cell_start[i + 1] += idx.cell_start[i];
        }
        idx.cell_items = pairs.into_iter().map(|(_, e)| e).collect();
        idx
    }

    fn add_bands(&mut self, es: &[(LonLat, LonLat)], bb: &BBox) {
        let sloped: Vec<_> = es.iter().filter(|(a, b)| a.lat < b.lat).collect();
        let count = (sloped.len() / 2).clamp(1, 4096) as u32;
        let (ymin, span) = if bb.is_empty() {
            (0.0, 1.0)
        } else {
            (bb.min_lat, (bb.max_lat - bb.min_lat).max(1e-12))
        };
        let bands = Bands {
            ymin,
            inv_h: count as f64 / span,
            count,
            first: (self.band_start.len() - 1) as u32,
        };
        let mut per_band: Vec<Vec<(LonLat, LonLat)>> = vec![Vec::new(); count as usize];
        for &&(a, b) in &sloped {
            for k in bands.band(a.lat)..=bands.band(b.lat) {
                per_band[k as usize].push((a, b));
            }
        }
        for list in per_band {
            self.edges.extend(list);
            self.band_start.push(self.edges.len() as u32);
        }
        self.bands.push(bands);
    }

    #[inline(always)]
    fn poly_contains(&self, id: usize, p: LonLat) -> bool {
        let b = &self.bands[id];
        let k = (b.first + b.band(p.lat)) as usize;
        let (s, e) = (self.band_start[k] as usize, self.band_start[k + 1] as usize);
        let mut inside = false;
        for &(lo, hi) in &self.edges[s..e] {
            inside ^= crosses(lo, hi, p);
        }
        inside
    }

    /// The index (input order) of the first polygon holding `p`.
    #[inline]
    pub fn locate_index(&self, p: LonLat) -> Option<usize> {
        if !self.bbox.contains(p) {
            return None;
        }
        let cell = self.ys.at(p.lat) * self.xs.n + self.xs.at(p.lon);
        let (s, e) = (
            self.cell_start[cell] as usize,
            self.cell_start[cell + 1] as usize,
        );
        for &entry in &self.cell_items[s..e] {
            let id = (entry & !FULL) as usize;
            if entry & FULL != 0 || self.poly_contains(id, p) {
                return Some(id);
            }
        }
        None
    }

    /// The code of the grid holding `p` (see [`Polygon::contains`](super::Polygon::contains)
    /// for points on boundaries); `None` outside every grid.
    #[inline]
    pub fn locate(&self, p: LonLat) -> Option<&str> {
        self.locate_index(p).map(|i| self.codes[i].as_str())
    }

    pub fn code(&self, index: usize) -> Option<&str> {
        self.codes.get(index).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The extent of all polygons.
    pub fn bbox(&self) -> BBox {
        self.bbox
    }
}
