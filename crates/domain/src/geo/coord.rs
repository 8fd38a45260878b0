use super::LonLat;
pub fn gcj02_to_wgs84(p: LonLat) -> LonLat {
    p
}
