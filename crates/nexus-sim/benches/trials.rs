//! Trials per second on the synthetic `fixtures/nexus` platform (`nexus_sim::example::nexus`),
//! single-threaded and on every core. Target: at least 20,000 trials/s per core.
//!
//! `cargo bench --manifest-path crates/nexus-sim/Cargo.toml` (NEXUS_SIM_BENCH_TRIALS sets the
//! trial count, default 100,000).
#![allow(clippy::print_stdout)]

use std::time::Instant;

use nexus_sim::engine::SimOptions;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

fn main() {
    let trials: u64 = std::env::var("NEXUS_SIM_BENCH_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    for (name, platform) in [("nexus", nexus_sim::example::nexus()), ("nexus-fixed", nexus_sim::example::nexus_fixed())]
    {
        let sim = Simulator::new(&platform, SimOptions::default()).expect("valid platform");
        let cfg = RunConfig { trials, master_seed: 42 };
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool");
        let t = Instant::now();
        let r1 = one.install(|| sim.run(cfg));
        let single = t.elapsed().as_secs_f64();
        let threads = rayon::current_num_threads();
        let t = Instant::now();
        let rn = sim.run(cfg);
        let multi = t.elapsed().as_secs_f64();
        assert_eq!(r1, rn, "reports differ between 1 and {threads} threads");
        println!(
            "{name:12} {trials} trials: 1 thread {:.3} s = {:.0} trials/s/core; {threads} threads {:.3} s = {:.0} trials/s",
            single,
            trials as f64 / single,
            multi,
            trials as f64 / multi
        );
    }
}
