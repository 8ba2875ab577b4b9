//! Trials per second: `fixtures/nexus` and `fixtures/nexus-fixed` read from the repository and
//! lowered from the platform model (the Kubernetes unit, as `nexus-lint simulate` runs it), then
//! the hand-built synthetic platforms of `nexus_sim::example`; on one thread and on two.
//! Target: at least 20,000 trials/s per core.
//!
//! `cargo bench -p nexus-sim` (NEXUS_SIM_BENCH_TRIALS sets the trial count, default 100,000).
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use nexus_sim::engine::SimOptions;
use nexus_sim::lower::{LowerOptions, lower};
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;
use nexus_sim::spec::SimPlatform;

/// Every YAML file and shell script under `dir`, as (path relative to the repository, text), in
/// lexical order — what `nexus-lint simulate fixtures/nexus` reads.
fn read_tree(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).expect("fixture").flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_tree(root, &p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "sh") {
            let rel = p.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&p).expect("readable")));
        }
    }
}

/// The fixture's Kubernetes unit, lowered.
fn lowered(fixture: &str) -> SimPlatform {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repository root");
    let mut files = Vec::new();
    read_tree(&root, &root.join(fixture), &mut files);
    let loaded = nexus_model::load::load_memory(&files);
    let mut l = lower(&loaded.platform, &LowerOptions::default());
    let i = l.units.iter().position(|u| u.name == "kubernetes").expect("a Kubernetes unit");
    l.units.swap_remove(i).platform
}

fn main() {
    let trials: u64 = std::env::var("NEXUS_SIM_BENCH_TRIALS").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let platforms = [
        ("fixtures/nexus (lowered)", lowered("fixtures/nexus")),
        ("fixtures/nexus-fixed (lowered)", lowered("fixtures/nexus-fixed")),
        ("example::nexus", nexus_sim::example::nexus()),
        ("example::nexus_fixed", nexus_sim::example::nexus_fixed()),
    ];
    for (name, platform) in platforms {
        let sim = Simulator::new(&platform, SimOptions::default()).expect("valid platform");
        let cfg = RunConfig { trials, master_seed: 42 };
        let mut reports = Vec::new();
        let mut line = format!("{name:32} {trials} trials:");
        for threads in [1, 2] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
            let t = Instant::now();
            reports.push(pool.install(|| sim.run(cfg)));
            let s = t.elapsed().as_secs_f64();
            line.push_str(&format!(
                "  {threads} thread{} {s:.3} s = {:.0} trials/s ({:.0}/core)",
                if threads == 1 { "" } else { "s" },
                trials as f64 / s,
                trials as f64 / s / threads as f64
            ));
        }
        assert_eq!(reports[0], reports[1], "reports differ between 1 and 2 threads");
        let races: Vec<String> =
            reports[0].races.iter().map(|r| format!("{} {} {}", r.code, r.subject, r.estimate.display())).collect();
        println!("{line}\n{:32} races: {}", "", if races.is_empty() { "none".into() } else { races.join("; ") });
    }
}
