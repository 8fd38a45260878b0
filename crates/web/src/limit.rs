//! A small in-memory rate limiter per client address, for what anonymous residents may do
//! (portal submissions and ratings). Fixed windows; state is lost on restart, which is fine
//! for a brake on abuse. Several residents behind one carrier NAT share an address, so the
//! limit counts only what succeeded.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    max: u32,
    window: Duration,
    hits: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Addresses kept before stale windows are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        Self {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// The portal's limit: 5 successful submissions or ratings per 10 minutes per address.
    pub fn portal() -> Self {
        Self::new(5, Duration::from_secs(600))
    }

    /// The window in minutes (for messages).
    pub fn window_minutes(&self) -> u64 {
        self.window.as_secs().div_ceil(60)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (Instant, u32)>> {
        self.hits.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// May `addr` do one more thing now?
    pub fn allows(&self, addr: IpAddr) -> bool {
        self.allows_at(addr, Instant::now())
    }

    /// Count one thing `addr` did.
    pub fn record(&self, addr: IpAddr) {
        self.record_at(addr, Instant::now());
    }

    fn allows_at(&self, addr: IpAddr, now: Instant) -> bool {
        match self.lock().get(&addr) {
            Some((start, n)) => now.duration_since(*start) >= self.window || *n < self.max,
            None => true,
        }
    }

    fn record_at(&self, addr: IpAddr, now: Instant) {
        let mut hits = self.lock();
        if hits.len() >= SWEEP_AT {
            let window = self.window;
            hits.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let e = hits.entry(addr).or_insert((now, 0));
        if now.duration_since(e.0) >= self.window {
            *e = (now, 0);
        }
        e.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_per_window_per_address_then_resets() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(l.allows_at(a, t0));
            l.record_at(a, t0);
        }
        assert!(!l.allows_at(a, t0 + Duration::from_secs(59)));
        assert!(l.allows_at(b, t0), "other addresses are not affected");
        let later = t0 + Duration::from_secs(60);
        assert!(l.allows_at(a, later));
        l.record_at(a, later);
        assert!(l.allows_at(a, later));
        l.record_at(a, later);
        assert!(!l.allows_at(a, later));
    }
}
