//! PCT and exhaustive exploration on the repository's fixtures (read and lowered as `nexus-lint
//! simulate` does).

mod common;

use common::fixtures::lowered;
use nexus_sim::engine::SimOptions;
use nexus_sim::explore::ExploreReport;
use nexus_sim::explore::exhaustive::DEFAULT_LIMIT;
use nexus_sim::finding::RaceKey;
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

fn on_threads<T: Send>(n: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(n).build().expect("pool").install(f)
}

/// Trials until the first one that has the race (1-based), under Monte Carlo and under PCT.
fn trials_to_find(sim: &Simulator<'_>, seed: u64) -> (u64, u64) {
    let mc = sim.run(RunConfig { trials: 20_000, master_seed: seed });
    let pct = sim.pct(seed, 3, 200, &|_, _| {});
    let mc_first = mc.races.first().map_or(u64::MAX, |r| r.first_trial.trial + 1);
    let pct_first = pct.races.first().map_or(u64::MAX, |r| r.first_trial.trial + 1);
    (mc_first, pct_first)
}

#[test]
fn pct_finds_a_one_in_a_thousand_race_in_ten_times_fewer_trials() {
    let p = lowered("fixtures/explore/rare-race");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let mc = sim.run(RunConfig { trials: 50_000, master_seed: 7 });
    assert_eq!(mc.races.len(), 1, "{:#?}", mc.races);
    assert!(mc.races[0].estimate.p <= 0.001, "rare under Monte Carlo: {:?}", mc.races[0].estimate);
    for seed in 1..=5 {
        let (mc_first, pct_first) = trials_to_find(&sim, seed);
        assert!(mc_first != u64::MAX && pct_first != u64::MAX, "seed {seed}: {mc_first} / {pct_first}");
        assert!(mc_first >= 10 * pct_first, "seed {seed}: Monte Carlo {mc_first} trials, PCT {pct_first}");
    }
}

#[test]
fn pct_keys_replay_their_schedule() {
    let p = lowered("fixtures/explore/rare-race");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let pct = sim.pct(3, 3, 50, &|_, _| {});
    let race = &pct.races[0];
    assert_eq!(race.first_trial.to_string(), format!("3:pct3:{}", race.first_trial.trial));
    let r = sim.replay(race.first_trial);
    assert!(r.findings.iter().any(|f| f.key() == race.key()), "{:?}", r.findings);
    assert_eq!(nexus_sim::run::TrialKey::parse(&race.first_trial.to_string()), Some(race.first_trial));
}

fn keys(r: &ExploreReport) -> Vec<RaceKey> {
    r.races.iter().map(|r| r.key()).collect()
}

#[test]
fn exhaustive_proves_nexus_fixed_race_free_at_install() {
    let p = lowered("fixtures/nexus-fixed");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let ex = sim.exhaustive(42, DEFAULT_LIMIT, &|_, _| {});
    assert!(ex.proved_race_free(), "{:?}\n{:#?}", ex.verdict, ex.races);
}

#[test]
fn exhaustive_finds_every_race_monte_carlo_finds_on_nexus() {
    let p = lowered("fixtures/nexus");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let mc = sim.run(RunConfig { trials: 10_000, master_seed: 42 });
    let ex = sim.exhaustive(42, DEFAULT_LIMIT, &|_, _| {});
    assert!(matches!(ex.verdict, nexus_sim::explore::Verdict::Exhaustive { .. }), "{:?}", ex.verdict);
    assert!(mc.races.len() >= 5, "{:#?}", mc.races);
    let found = keys(&ex);
    for r in &mc.races {
        let k = RaceKey { kind: r.kind, primary: r.primary, secondary: r.secondary };
        assert!(found.contains(&k), "Monte Carlo's {} {} not found by the enumeration", r.code, r.subject);
    }
    // Each finding replays from its ordering's key.
    for r in &ex.races {
        assert!(sim.replay(r.first_trial).findings.iter().any(|f| f.key() == r.key()), "{}", r.first_trial);
    }
}

#[test]
fn exploration_is_identical_at_any_thread_count() {
    let p = lowered("fixtures/nexus");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let one = on_threads(1, || (sim.pct(9, 3, 300, &|_, _| {}), sim.exhaustive(9, DEFAULT_LIMIT, &|_, _| {})));
    let two = on_threads(2, || (sim.pct(9, 3, 300, &|_, _| {}), sim.exhaustive(9, DEFAULT_LIMIT, &|_, _| {})));
    assert_eq!(one, two);
}

#[test]
fn an_enumeration_over_the_limit_runs_nothing_and_says_how_many_it_needs() {
    let p = lowered("fixtures/nexus-fixed");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let ex = sim.exhaustive(42, 100, &|_, _| {});
    match ex.verdict {
        nexus_sim::explore::Verdict::TooLarge { needed, limit, .. } => assert_eq!((needed, limit), (2187, 100)),
        v => panic!("{v:?}"),
    }
    assert!(!ex.proved_race_free());
}

#[test]
fn a_shrunk_nexus_race_keeps_only_its_causal_chain_and_states_its_condition() {
    let p = lowered("fixtures/nexus");
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let mc = sim.run(RunConfig { trials: 2_000, master_seed: 42 });
    for race in mc.races.iter().filter(|r| r.code == "NX901") {
        let key = RaceKey { kind: race.kind, primary: race.primary, secondary: race.secondary };
        let s = sim.shrink(race.first_trial, key).expect("the first failing trial has the race");
        let names: Vec<&str> = s.actors.iter().map(|a| p.actors[a.index()].name.as_str()).collect();
        let (consumer, provider) = race.subject.split_once(" → ").unwrap();
        assert!(names.contains(&consumer) && names.contains(&provider), "{names:?}");
        assert!(names.len() <= 3, "only the causal chain: {names:?}");
        // Every workload outside the chain runs at its medians: what decides is in the chain.
        assert!(s.deciding.iter().all(|d| s.actors.contains(&d.actor)), "{:?}", s.deciding);
        assert!(
            s.log.iter().all(|e| e.actor == nexus_sim::log::PLAN_ACTOR || s.actors.contains(&e.actor)),
            "the shrunk timeline holds only the chain's events"
        );
        assert!(
            s.condition.starts_with(&format!("fails iff {provider} ready > {consumer} start + ")),
            "{}",
            s.condition
        );
    }
}
