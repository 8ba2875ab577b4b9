//! The documented Kubernetes and Compose behaviour, reproduced with exact numbers
//! (`shared/research/simulation-model.md`).

mod common;

use common::*;
use nexus_sim::log::What;
use nexus_sim::spec::*;

#[test]
fn crash_loop_restarts_follow_the_classic_kubelet_backoff() {
    // A1 worked example: an app that exits 2 s after start while its database is down starts at
    // t = 0, 2, 14, 36, 78, 160, 322, 624 s.
    let mut p = platform(vec![deployment("app", 1_000), deployment("db", 1_000)]);
    p.dependencies.push(crash_dep(0, 1, 2_000));
    p.plan = DeployPlan { steps: vec![Step::new(StepAction::Apply { actors: vec![ActorId(0)] })], ..Default::default() };
    let r = replay(&p);
    let s: Vec<u64> = starts(&r.log, 0).iter().map(|t| t / 1000).collect();
    assert_eq!(s, [0, 2, 14, 36, 78, 160, 322, 624], "{}", nexus_sim::log::format_log(&p, &r.log));
}
