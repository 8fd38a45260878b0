//! Timings of the index engine (no criterion; prints figures to report with the machine):
//! one computation over the 6,715 communities of Yantai and 1,000 sensitivity runs over its
//! 13 counties, for both city specs, plus the HDI over 193 countries.
//!
//! `cargo bench -p zhili-domain --bench index`

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};
use zhili_domain::index::{compute, sensitivity, IndexSpec, Inputs};

fn spec(rel: &str) -> IndexSpec {
    let path = format!("{}/../../{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("read the spec");
    IndexSpec::parse(&text).expect("valid spec")
}

/// Random but plausible inputs: shares in 0.8..1, counts 0..50, population 2k..1M.
fn synthetic(spec: &IndexSpec, units: usize, seed: u64) -> Inputs {
    let mut rng = StdRng::seed_from_u64(seed);
    let names: Vec<String> = (0..units).map(|i| format!("U{i:05}")).collect();
    let mut inputs = Inputs::new(names).unwrap();
    for key in spec.required_columns() {
        let (lo, hi) = if Some(key) == spec.data.population.as_deref() {
            (2_000.0, 1_000_000.0)
        } else if key.contains("rate") || key.contains("share") || key.contains("coverage") {
            (0.8, 1.0)
        } else {
            (0.0, 50.0)
        };
        let col = (0..units).map(|_| Some(rng.random_range(lo..hi))).collect();
        inputs.set_column(key, col);
    }
    inputs
}

/// Best and median of `reps` timings.
fn time(reps: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut t: Vec<Duration> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    (t[0], t[reps / 2])
}

fn main() {
    println!(
        "index engine, {} logical CPUs",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for file in ["data/indices/safety.toml", "data/indices/mediation.toml"] {
        let s = spec(file);
        let big = synthetic(&s, 6_715, 1);
        let (best, median) = time(21, || {
            compute(&s, &big, None).unwrap();
        });
        println!("{file}: compute 6,715 units: best {best:.2?}, median {median:.2?}");
        let small = synthetic(&s, 13, 2);
        let (best, median) = time(5, || {
            sensitivity(&s, &small, 1_000, 7).unwrap();
        });
        println!("{file}: sensitivity 1,000 runs × 13 units: best {best:.2?}, median {median:.2?}");
    }
    let s = spec("examples/indices/hdi-2022.toml");
    let hdi = synthetic(&s, 193, 3);
    let (best, median) = time(21, || {
        compute(&s, &hdi, None).unwrap();
    });
    println!("hdi-2022: compute 193 units: best {best:.2?}, median {median:.2?}");
}
