#![allow(clippy::print_stdout)]
//! Runs the synthetic nexus platform (20,000 trials, seed 42) and prints the human report;
//! `json` prints JSON instead, `fixed` uses the fixed platform:
//! `cargo run --release --manifest-path crates/nexus-sim/Cargo.toml --example nexus_report -- fixed`.
use nexus_sim::engine::SimOptions;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

fn main() {
    let json = std::env::args().any(|a| a == "json");
    let fixed = std::env::args().any(|a| a == "fixed");
    let p = if fixed { nexus_sim::example::nexus_fixed() } else { nexus_sim::example::nexus() };
    let sim = Simulator::new(&p, SimOptions::default()).expect("valid");
    let r = sim.run(RunConfig { trials: 20_000, master_seed: 42 });
    if json {
        print!("{}", nexus_sim::render::json(&p, &r));
    } else {
        print!("{}", nexus_sim::render::human(&sim, &r, "nexus-lint simulate fixtures/nexus --seed 42"));
    }
}
