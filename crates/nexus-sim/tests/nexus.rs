//! The synthetic nexus platforms: the races the seed analysis describes, and none once fixed.

use nexus_sim::engine::SimOptions;
use nexus_sim::finding::{FindingKind, Subject};
use nexus_sim::montecarlo::RunConfig;
use nexus_sim::run::Simulator;

#[test]
fn nexus_races_the_backend_against_its_datastores_and_crash_loops() {
    let p = nexus_sim::example::nexus();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let r = sim.run(RunConfig { trials: 5_000, master_seed: 42 });
    let race = |kind, subject: &str| r.races.iter().find(|x| x.kind == kind && x.subject == subject);
    let db = race(FindingKind::EarlyConnect, "nexus-backend → nexus-database").expect("backend races the database");
    assert!(db.estimate.p > 0.9, "{:?}", db.estimate);
    let redis = race(FindingKind::EarlyConnect, "nexus-backend → nexus-redis").expect("backend races redis");
    assert!(redis.estimate.lo > 0.02 && redis.estimate.hi < 0.2, "{:?}", redis.estimate);
    assert!(race(FindingKind::MigrationOverlap, "nexus-backend / migration by nexus-db-migration").is_some());
    let storm = r.races.iter().find(|x| x.kind == FindingKind::CrashloopStorm).expect("NX905");
    assert_eq!(storm.primary, Subject::Actor(nexus_sim::spec::ActorId(2)));
    // The worker waits for its datastores, so it never races them.
    assert!(race(FindingKind::EarlyConnect, "nexus-worker → nexus-database").is_none());
    assert_eq!(r.workloads[2].name, "nexus-backend");
    assert!(r.workloads[2].restarts_total > 5_000);
}

#[test]
fn nexus_fixed_has_no_race() {
    let p = nexus_sim::example::nexus_fixed();
    let sim = Simulator::new(&p, SimOptions::default()).unwrap();
    let r = sim.run(RunConfig { trials: 5_000, master_seed: 42 });
    assert!(r.races.is_empty(), "{:#?}", r.races);
    assert_eq!(r.platform_not_ready_trials, 0);
    assert!(r.platform_time_to_ready.p50_ms > Some(30_000), "waiting costs time: {:?}", r.platform_time_to_ready);
}
