//! Trials to find a rare race: `fixtures/explore/rare-race` (a race of about 1 in 1,600 starts
//! under Monte Carlo) searched by Monte Carlo and by PCT (depth 3) with ten master seeds; prints,
//! per seed, how many trials each needed to see the race once, and the totals. Target: PCT in at
//! least 10× fewer trials. Then the exhaustive enumeration of `fixtures/nexus` and
//! `fixtures/nexus-fixed`: orderings, races, time.
//!
//! `cargo bench -p nexus-sim --bench explore`
#![allow(clippy::print_stdout)]

use std::time::Instant;

use nexus_sim::engine::SimOptions;
use nexus_sim::explore::exhaustive::DEFAULT_LIMIT;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

#[path = "../tests/common/fixtures.rs"]
mod fixtures;
use fixtures::lowered;

fn main() {
    let p = lowered("fixtures/explore/rare-race");
    let sim = Simulator::new(&p, SimOptions::default()).expect("valid platform");
    let mc = sim.run(RunConfig { trials: 200_000, master_seed: 42 });
    let race = mc.races.first().expect("the race happens under Monte Carlo");
    println!(
        "fixtures/explore/rare-race: {} {} in {} of {} Monte Carlo trials ({:.3}%)",
        race.code,
        race.subject,
        race.estimate.k,
        race.estimate.n,
        race.estimate.p * 100.0
    );
    println!("{:>6}  {:>22}  {:>22}", "seed", "Monte Carlo trials", "PCT schedules");
    let (mut mc_total, mut pct_total) = (0u64, 0u64);
    for seed in 1..=10u64 {
        let mc = sim.run(RunConfig { trials: 100_000, master_seed: seed });
        let mc_n = mc.races.first().map_or(100_000, |r| r.first_trial.trial + 1);
        let pct = sim.pct(seed, 3, 1_000, &|_, _| {});
        let pct_n = pct.races.first().map_or(1_000, |r| r.first_trial.trial + 1);
        println!("{seed:>6}  {mc_n:>22}  {pct_n:>22}");
        mc_total += mc_n;
        pct_total += pct_n;
    }
    println!(
        "{:>6}  {mc_total:>22}  {pct_total:>22}  PCT needed {:.0}× fewer trials (target ≥ 10×)",
        "total",
        mc_total as f64 / pct_total.max(1) as f64
    );
    for fixture in ["fixtures/nexus", "fixtures/nexus-fixed"] {
        let p = lowered(fixture);
        let sim = Simulator::new(&p, SimOptions::default()).expect("valid platform");
        let t = Instant::now();
        let ex = sim.exhaustive(42, DEFAULT_LIMIT, &|_, _| {});
        let races: Vec<String> =
            ex.races.iter().map(|r| format!("{} {} ({}/{})", r.code, r.subject, r.hits, r.runs)).collect();
        println!(
            "{fixture:22} exhaustive {:?}: {:.2} s; {}",
            ex.verdict,
            t.elapsed().as_secs_f64(),
            if ex.proved_race_free() { "no ordering of these events fails".to_string() } else { races.join("; ") }
        );
    }
}
