#![allow(clippy::print_stdout)]
use nexus_sim::engine::SimOptions;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

fn main() {
    for (name, p) in [("nexus", nexus_sim::example::nexus()), ("fixed", nexus_sim::example::nexus_fixed())] {
        let sim = Simulator::new(&p, SimOptions::default()).unwrap();
        let t = std::time::Instant::now();
        let r = sim.run(RunConfig { trials: 2000, master_seed: 42 });
        println!("== {name} {:?}", t.elapsed());
        for race in &r.races {
            println!("{} {} {} first={}", race.code, race.subject, race.estimate.display(), race.first_trial);
        }
        for w in &r.workloads {
            println!("{} {:?} notready={} restarts={}", w.name, w.time_to_ready, w.not_ready_trials, w.restarts_total);
        }
        println!("platform {:?} {}", r.platform_time_to_ready, r.platform_not_ready_trials);
        let rep = sim.replay(r.races.first().map(|x| x.first_trial).unwrap_or(nexus_sim::run::TrialKey{master_seed:42,trial:0}));
        println!("{}", nexus_sim::log::format_log(&p, &rep.log));
    }
}
